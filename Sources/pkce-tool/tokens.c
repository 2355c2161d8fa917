/* The commands on tokens already had: refresh, revoke, token, userinfo.
 * Each reads a token store saved by --save (whose entry also says which
 * client and server the tokens belong to) or a token response as printed. */
#include "tool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* What --token-file held: the store, its entry and its token, or none of them (a response). */
struct saved {
    pkce_token_store *store;
    struct entry entry;
    pkce_token *token;
};

static void saved_free(struct saved *saved) {
    pkce_token_free(saved->token);
    pkce_token_store_free(saved->store);
    entry_free(&saved->entry);
}

/* The client for a command on saved tokens: with the DPoP key they are bound to, if any. */
static int saved_client(const struct options *o, const struct saved *saved, pkce_client **out) {
    int code = make_client(o, "http://127.0.0.1/callback", out);
    pkce_status st = code == EXIT_OK && saved->token ? use_token_key(*out, saved->token) : PKCE_OK;
    if (st != PKCE_OK) {
        pkce_client_free(*out);
        return fail("DPoP key", st, NULL);
    }
    return code;
}

/* The member (refresh_token, access_token) of the --token-file: a store's
 * entry for --subject, whose client, issuer and subject fill in options the
 * command line left out, or a token response as printed (- reads stdin).
 * EXIT_OK with *value to free with pkce_string_free, or an exit code. */
static int token_file_member(struct options *o, const char *member, struct saved *saved, char **value) {
    const char *path = o->token_file;
    /* A store by name (the keyring), or a file: a store or a token response as printed. */
    int named = strcmp(path, "keyring:") == 0 || strcmp(path, "auto:") == 0;
    FILE *f = named ? NULL : strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    static char json[1 << 20];
    size_t n = f ? fread(json, 1, sizeof json - 1, f) : 0;
    if (f && f != stdin) fclose(f);
    if (!f && !named) {
        fprintf(stderr, "pkce: cannot read %s: %s\n", path, strerror(errno));
        return EXIT_OTHER;
    }
    json[n] = '\0';
    pkce_token *token = NULL;
    pkce_status st;
    int code = EXIT_OK;
    if (named || (f != stdin && strstr(json, "\"libpkce_tokens\""))) {
        memset(json, 0, n);
        if ((code = open_entry(path, o->subject, NULL, &saved->store, &saved->entry)) != EXIT_OK) return code;
        options_from_entry(o, &saved->entry);
        pkce_error *error = NULL;
        if ((st = pkce_token_store_token(saved->store, saved->entry.index, &token, &error)) != PKCE_OK)
            return fail("token store", st, error);
    } else {
        st = pkce_token_parse(200, json, n, &token, NULL);
        memset(json, 0, n);
    }
    if (st == PKCE_OK) st = pkce_token_member_string(token, member, value);
    if (saved->store) saved->token = token; else pkce_token_free(token);
    if (st != PKCE_OK) {
        fprintf(stderr, "pkce: %s holds no %s: %s\n", path, member, pkce_strerror(st));
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

int cmd_refresh(struct options *o) {
    if (!!o->refresh_token == !!o->token_file) return usage_error("refresh needs --refresh-token or --token-file");
    struct saved saved = { 0 };
    char *from_file = NULL;
    int code = o->token_file ? token_file_member(o, "refresh_token", &saved, &from_file) : EXIT_OK;
    pkce_client *client = NULL;
    if (code == EXIT_OK && !o->issuer && !o->token_endpoint)
        code = usage_error("refresh needs --issuer or --token-endpoint (or a --token-file store, which names them)");
    if (code == EXIT_OK) code = check_save_store(o);
    if (code == EXIT_OK && (code = saved_client(o, &saved, &client)) == EXIT_OK) {
        pkce_token *token = NULL;
        pkce_error *error = NULL;
        /* A server that does not rotate answers without a refresh token: the
         * library keeps the one sent in the token, so --save keeps it too. */
        pkce_status st = pkce_client_refresh(client, from_file ? from_file : o->refresh_token, NULL, &token, &error);
        code = st == PKCE_OK ? print_token(o, client, token, o->subject) : fail("refresh", st, error);
        pkce_client_free(client);
    }
    pkce_string_free(from_file);
    saved_free(&saved);
    return code;
}

int cmd_revoke(struct options *o) {
    if (!!o->token == !!o->token_file) return usage_error("revoke needs --token or --token-file");
    const char *hint = o->hint;
    if (hint && strcmp(hint, "access_token") != 0 && strcmp(hint, "refresh_token") != 0)
        return usage_error("--hint is access_token or refresh_token");
    /* From a saved token: its refresh token, or its access token with --hint access_token. */
    const char *member = hint && strcmp(hint, "access_token") == 0 ? "access_token" : "refresh_token";
    struct saved saved = { 0 };
    char *from_file = NULL;
    int code = o->token_file ? token_file_member(o, member, &saved, &from_file) : EXIT_OK;
    if (from_file && !hint) hint = "refresh_token";
    if (code == EXIT_OK && !o->issuer && !o->revocation_endpoint)
        code = usage_error("revoke needs --issuer or --revocation-endpoint");
    pkce_client *client = NULL;
    if (code == EXIT_OK && (code = saved_client(o, &saved, &client)) == EXIT_OK) {
        pkce_error *error = NULL;
        pkce_status st = pkce_client_revoke(client, from_file ? from_file : o->token, hint, &error);
        code = st == PKCE_OK ? EXIT_OK : fail("revocation", st, error);
        if (st == PKCE_OK) printf("{\"revoked\":true,\"token_type_hint\":%s%s%s}\n", hint ? "\"" : "",
                                  hint ? hint : "null", hint ? "\"" : "");
        pkce_client_free(client);
    }
    pkce_string_free(from_file);
    saved_free(&saved);
    return code;
}

/* A valid access token of the store's entry, refreshed (once, whatever other
 * processes do at the same time) and saved when it is about to expire; with
 * o->dpop_method, instead, the two header lines of a request with it. */
static int stored_access_token(const struct options *o, pkce_client *client, const struct saved *saved, char *out, size_t size) {
    pkce_token_source *source = NULL;
    pkce_error *error = NULL;
    char *authorization = NULL, *proof = NULL;
    pkce_status st = pkce_token_source_new(client, NULL, saved->store, saved->entry.subject, &source, &error);
    if (st == PKCE_OK && o->dpop_method) {
        st = pkce_token_source_dpop_headers(source, o->dpop_method, o->dpop_url, o->dpop_nonce, &authorization, &proof, &error);
        if (st == PKCE_OK && (size_t)snprintf(out, size, "Authorization: %s\nDPoP: %s", authorization, proof) >= size)
            st = PKCE_ERR_BUFFER_TOO_SMALL;
        pkce_string_free(authorization);
        pkce_string_free(proof);
    } else if (st == PKCE_OK) {
        st = pkce_token_source_access_token(source, out, size, NULL, &error);
    }
    pkce_token_source_free(source);
    return st == PKCE_OK ? EXIT_OK : fail("token", st, error);
}

/* The client for refreshing the entry's tokens as they were filed: its
 * token endpoint, its issuer as the key and its resource, without discovery. */
int entry_client(const struct options *o, const struct entry *entry, pkce_client **out) {
    pkce_client *client = NULL;
    pkce_status st = pkce_client_new(entry->client_id, "http://127.0.0.1/callback", &client);
    if (st == PKCE_OK && o->verbose) pkce_client_set_log(client, PKCE_LOG_DEBUG, log_to_stderr, NULL);
    if (st == PKCE_OK && o->ca_file) st = pkce_client_set_ca_file(client, o->ca_file);
    if (st == PKCE_OK) st = pkce_client_set_token_endpoint(client, entry->token_endpoint);
    if (st == PKCE_OK && strcmp(entry->issuer, entry->token_endpoint) != 0) st = pkce_client_set_issuer(client, entry->issuer, 0);
    if (st == PKCE_OK && *entry->resource) st = pkce_client_set_resource(client, entry->resource);
    if (st != PKCE_OK) {
        pkce_client_free(client);
        return fail("token", st, NULL);
    }
    *out = client;
    return EXIT_OK;
}

int cmd_token(const struct options *o) {
    if (o->positional_count != 1) return usage_error("token needs one FILE");
    struct saved saved = { 0 };
    int code = open_entry(o->positional[0], o->subject, NULL, &saved.store, &saved.entry);
    pkce_client *client = NULL;
    if (code == EXIT_OK) code = entry_client(o, &saved.entry, &client);
    char access_token[32768];
    if (code == EXIT_OK && (code = stored_access_token(o, client, &saved, access_token, sizeof access_token)) == EXIT_OK) {
        puts(access_token);
        memset(access_token, 0, sizeof access_token);
    }
    pkce_client_free(client);
    saved_free(&saved);
    return code;
}

/* OpenID Connect UserInfo with the stored token (refreshed when due) or a
 * given one: who signed in, as the server says now. */
int cmd_userinfo(struct options *o) {
    if (!!o->token == !!o->token_file) return usage_error("userinfo needs --token or --token-file");
    struct saved saved = { 0 };
    char *from_file = NULL;
    int code = o->token_file ? token_file_member(o, "access_token", &saved, &from_file) : EXIT_OK;
    if (!o->client_id) o->client_id = "pkce-userinfo";  /* a UserInfo request names no client */
    if (code == EXIT_OK && !o->issuer && !o->userinfo_endpoint)
        code = usage_error("userinfo needs --issuer or --userinfo-endpoint (or a --token-file store that names an issuer)");
    pkce_client *client = NULL;
    if (code == EXIT_OK) code = saved_client(o, &saved, &client);
    char access_token[16384];
    if (code == EXIT_OK && saved.store)  /* the store's token, refreshed when due, not the one read above */
        code = stored_access_token(o, client, &saved, access_token, sizeof access_token);
    else if (code == EXIT_OK)
        snprintf(access_token, sizeof access_token, "%s", from_file ? from_file : o->token);
    if (code == EXIT_OK) {
        char *json = NULL;
        pkce_error *error = NULL;
        const char *subject = o->subject && *o->subject ? o->subject : NULL;
        pkce_status st = pkce_client_userinfo(client, access_token, subject, &json, NULL, &error);
        if (st == PKCE_OK) puts(json); else code = fail("userinfo", st, error);
        pkce_string_free(json);
    }
    memset(access_token, 0, sizeof access_token);
    pkce_string_free(from_file);
    pkce_client_free(client);
    saved_free(&saved);
    return code;
}
