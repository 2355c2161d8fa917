/* pkce(1): the libpkce command-line tool, a C program on the public API of
 * pkce.h only, which it thereby shows to be enough for a whole native-app
 * sign-in. This header is the small core the command families share:
 *
 *   main.c      options, help, dispatch
 *   output.c    exit codes, messages, JSON output with secrets masked
 *   client.c    the client the options describe; the token store
 *   local.c     pair, challenge, url: no server
 *   signin.c    login: loopback redirect or device grant
 *   tokens.c    refresh, revoke, token (and its DPoP header pair), userinfo
 *   discover.c  discover
 *   resource.c  login --resource, fetch: protected resources (MCP)
 *   accounts.c  accounts, logout: what a store keeps, and signing out
 *
 * See docs/man/pkce.1 for usage and exit codes. */
#ifndef PKCE_TOOL_H
#define PKCE_TOOL_H

#define _POSIX_C_SOURCE 200809L
#include <pkce.h>

#include <stdint.h>
#include <stdio.h>

/* Exit codes: distinct per kind of failure (docs/man/pkce.1, EXIT STATUS). */
enum {
    EXIT_OK = 0,
    EXIT_OTHER = 1,    /* anything not below: port in use, browser, discovery, a malformed answer, the store */
    EXIT_USAGE = 2,    /* bad command line, including a URL an option may not have */
    EXIT_OAUTH = 3,    /* the server answered with an OAuth error (access_denied, invalid_grant, ...) */
    EXIT_NETWORK = 4,  /* connection, TLS, HTTP timeout, redirect, transfer */
    EXIT_TIMEOUT = 5,  /* no sign-in in time: listener timeout, device code expired */
    EXIT_CHECK = 6     /* a failed check: iss or callback of this sign-in, a raced start URL, ID token */
};

#define MAX_PARAMS 32

struct options {
    const char *issuer, *authorization_endpoint, *token_endpoint, *revocation_endpoint, *device_endpoint;
    const char *userinfo_endpoint, *client_id, *redirect_uri, *scope, *ca_file, *redirect_path, *browser_command;
    const char *refresh_token, *token, *token_file, *hint, *save, *method, *subject;
    const char *resource, *challenge, *data;
    /* --dpop [METHOD URL], --dpop-alg, --dpop-nonce: DPoP keys for login, header pairs for token. */
    const char *dpop_alg, *dpop_method, *dpop_url, *dpop_nonce;
    const char *params[MAX_PARAMS];
    int param_count;
    const char *headers[MAX_PARAMS];
    int header_count;
    uint16_t *ports;
    size_t port_count;
    int timeout, length, no_browser, device, show_secrets, verbose, step_up, par, dpop;
    const char *positional[2];
    int positional_count;
};

/* output.c */
int exit_code(pkce_status st);
int fail(const char *what, pkce_status st, pkce_error *error);
int usage_error(const char *format, ...);
void json_string(FILE *out, const char *s);
void log_to_stderr(pkce_log_level level, const char *message, void *user_data);
/* Prints the token response, secrets shortened unless --show-secrets, with
 * the verified ID token's claims as "id_token_claims"; with --save, keeps
 * it in the store first (checked by check_save_store before the sign-in).
 * subject: whose tokens they are when no ID token says (NULL: unknown).
 * Frees token. */
int print_token(const struct options *o, pkce_client *client, pkce_token *token, const char *subject);

/* client.c */
int make_client(const struct options *o, const char *redirect_uri, pkce_client **out);
int add_params(const struct options *o, pkce_attempt *attempt);
/* The --save store, checked before a sign-in whose tokens it is to keep. */
int check_save_store(const struct options *o);
/* A store's entry: whose tokens they are and where they refresh. */
struct entry {
    size_t index;
    char *client_id, *token_endpoint, *issuer, *subject, *resource;
};
void entry_free(struct entry *entry);
/* Opens the store `path` (warning when others may read it) and finds the
 * entry of `subject` (the first when NULL) whose resource covers `url`
 * (any entry when NULL): EXIT_OK, or an exit code. */
int open_entry(const char *path, const char *subject, const char *url, pkce_token_store **store, struct entry *entry);
/* Opens the store a name means (a file's path, "keyring:" or "auto:"; checked
 * usable when `writing`), warning when others may read a file store. */
int open_store(const char *name, int writing, pkce_token_store **out);
/* The same, unchecked and silent: a pkce_status. */
int open_named_store(const char *name, pkce_token_store **out);
/* --dpop [--dpop-alg ALG]: a new DPoP key for the client, before discovery
 * (which picks the algorithm the server lists first when none is given). */
int enable_dpop(const struct options *o, pkce_client *client);
/* Signs the client's requests with the DPoP key `token` was bound to (from
 * a store), if it has one: a refresh, revocation or UserInfo request then
 * proves possession of it. A pkce_status. */
int use_token_key(pkce_client *client, const pkce_token *token);
/* The client that refreshes an entry's tokens as they were filed. */
int entry_client(const struct options *o, const struct entry *entry, pkce_client **out);
/* The options with what the entry says filled in where the command line
 * is silent: client id, issuer or token endpoint, subject. */
void options_from_entry(struct options *o, const struct entry *entry);

/* The commands. */
int cmd_pair(const struct options *o);
int cmd_challenge(const struct options *o);
int cmd_url(const struct options *o);
int cmd_login(const struct options *o);
int cmd_refresh(struct options *o);
int cmd_revoke(struct options *o);
int cmd_token(const struct options *o);
int cmd_userinfo(struct options *o);
int cmd_discover(struct options *o);
int login_resource(const struct options *o);
int cmd_accounts(const struct options *o);
int cmd_logout(const struct options *o);
int cmd_fetch(const struct options *o);

#endif
