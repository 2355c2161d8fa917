/* Protected resources (the MCP authorization profile): pkce login
 * --resource signs in from a resource's URL alone; pkce fetch sends a
 * request to it with the stored token. */
#include "tool.h"

#include <stdlib.h>
#include <string.h>

static pkce_browser browser_of(const struct options *o) {
    return o->no_browser ? PKCE_BROWSER_PRINT : o->browser_command ? PKCE_BROWSER_PROGRAM : PKCE_BROWSER_SYSTEM;
}

int login_resource(const struct options *o) {
    if (o->issuer || o->authorization_endpoint || o->token_endpoint || o->device)
        return usage_error("--resource finds the server itself: no --issuer, endpoints or --device with it");
    int code = check_save_store(o);
    if (code != EXIT_OK) return code;
    pkce_client *client = NULL;
    pkce_resource *resource = NULL;
    pkce_token_store *store = NULL;
    pkce_error *error = NULL;
    pkce_status st = pkce_resource_new(o->resource, &resource);
    if (st == PKCE_ERR_URL_INVALID || st == PKCE_ERR_URL_INSECURE) {
        fprintf(stderr, "pkce: --resource: %s\n", pkce_strerror(st));
        return EXIT_USAGE;
    }
    if (st == PKCE_OK) st = pkce_client_new(NULL, NULL, &client);
    if (st == PKCE_OK && o->verbose) st = pkce_client_set_log(client, PKCE_LOG_DEBUG, log_to_stderr, NULL);
    if (st == PKCE_OK && o->ca_file) st = pkce_client_set_ca_file(client, o->ca_file);
    if (st == PKCE_OK && o->client_id) st = pkce_resource_set_client_id(resource, o->client_id);
    if (st == PKCE_OK && o->scope) st = pkce_resource_set_scope(resource, o->scope);
    if (st != PKCE_OK) code = fail("resource", st, NULL);
    if (code == EXIT_OK && o->dpop) code = enable_dpop(o, client);
    /* The store keeps what discovery found and the registration, for the next sign-in. */
    if (code == EXIT_OK && o->save && (code = open_store(o->save, 1, &store)) == EXIT_OK)
        pkce_resource_set_store(resource, store);
    if (code == EXIT_OK && o->challenge && (st = pkce_resource_set_challenge(resource, o->challenge, &error)) != PKCE_OK) {
        code = fail("--challenge", st, error);
        if (st == PKCE_ERR_CHALLENGE_MALFORMED || st == PKCE_ERR_NOT_FOUND) code = EXIT_USAGE;
    }
    if (code == EXIT_OK) {
        pkce_token *token = NULL;
        st = pkce_resource_sign_in(resource, client, browser_of(o), o->browser_command, o->timeout * 1000, &token, &error);
        code = st == PKCE_OK ? print_token(o, client, token, NULL) : fail("sign-in", st, error);
    }
    pkce_token_store_free(store);
    pkce_resource_free(resource);
    pkce_client_free(client);
    return code;
}

/* The store fetch reads: --token-file, else $PKCE_TOKEN_FILE. */
static const char *fetch_store(const struct options *o) {
    return o->token_file ? o->token_file : getenv("PKCE_TOKEN_FILE");
}

/* Prints the answer's body; a 401 or 403 says on stderr what the resource
 * wants, and how to step up when it asks for more scope. */
static int report(const struct options *o, const pkce_http_response *response) {
    size_t length = 0;
    const char *body = pkce_http_response_body(response, &length);
    fwrite(body, 1, length, stdout);
    int status = pkce_http_response_status(response);
    if (status >= 200 && status < 300) return EXIT_OK;
    const char *challenge = pkce_http_response_www_authenticate(response, 0);
    char *error = NULL, *scope = NULL;
    if (challenge) {
        pkce_challenge_param(challenge, "error", &error, NULL);
        pkce_challenge_param(challenge, "scope", &scope, NULL);
    }
    fprintf(stderr, "pkce: fetch: HTTP %d%s%s\n", status, error ? ": " : "", error ? error : "");
    int insufficient = error && strcmp(error, "insufficient_scope") == 0;
    if (insufficient && scope)
        fprintf(stderr, "pkce: the resource wants scope '%s': run again with --step-up, or sign in for it with\n"
                        "  pkce login --resource %s --challenge '%s' --save %s\n", scope, o->positional[0], challenge, fetch_store(o));
    pkce_string_free(error);
    pkce_string_free(scope);
    return status == 401 || status == 403 ? EXIT_OAUTH : EXIT_OTHER;
}

int cmd_fetch(const struct options *o) {
    if (o->positional_count != 1) return usage_error("fetch needs one URL");
    const char *path = fetch_store(o);
    if (!path) return usage_error("fetch needs --token-file FILE (or PKCE_TOKEN_FILE), a store saved by login --resource --save");
    const char *method = o->method ? o->method : o->data ? "POST" : "GET";
    pkce_token_store *store = NULL;
    struct entry entry = { 0 };
    int code = open_entry(path, o->subject, o->positional[0], &store, &entry);
    pkce_client *client = NULL;
    if (code == EXIT_OK) code = entry_client(o, &entry, &client);
    pkce_token_source *source = NULL;
    pkce_resource *resource = NULL;
    pkce_error *error = NULL;
    pkce_status st = PKCE_OK;
    if (code == EXIT_OK && (st = pkce_token_source_new(client, NULL, store, entry.subject, &source, &error)) != PKCE_OK)
        code = fail("token", st, error);
    /* A step-up signs in to the entry's resource with what the store kept: its discovery, its registration. */
    if (code == EXIT_OK && o->step_up) {
        st = pkce_resource_new(entry.resource, &resource);
        if (st == PKCE_OK) st = pkce_resource_set_store(resource, store);
        if (st == PKCE_OK)
            st = pkce_token_source_set_step_up(source, resource, browser_of(o), o->browser_command, o->timeout * 1000);
        if (st != PKCE_OK) code = fail("step-up", st, NULL);
    }
    if (code == EXIT_OK) {
        pkce_http_response *response = NULL;
        st = pkce_token_source_fetch(source, method, o->positional[0], o->headers, (size_t)o->header_count, o->data,
                                     o->data ? strlen(o->data) : 0, &response, &error);
        if (st == PKCE_ERR_INVALID_ARGUMENT) {
            code = fail("fetch", st, error);
            code = EXIT_USAGE;  /* a method, header or URL the command line gave */
        } else {
            code = st == PKCE_OK ? report(o, response) : fail("fetch", st, error);
        }
        pkce_http_response_free(response);
    }
    pkce_token_source_free(source);
    pkce_resource_free(resource);
    pkce_client_free(client);
    entry_free(&entry);
    pkce_token_store_free(store);
    return code;
}
