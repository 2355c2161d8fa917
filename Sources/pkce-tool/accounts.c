/* The accounts a token store keeps: pkce accounts lists them, pkce logout
 * signs one out (revocation, the server's session, the store's entry). */
#include "tool.h"

#include <string.h>

int cmd_accounts(const struct options *o) {
    if (o->positional_count != 1) return usage_error("accounts needs one FILE");
    pkce_token_store *store = NULL;
    int code = open_store(o->positional[0], 0, &store);
    if (code != EXIT_OK) return code;
    printf("[");
    for (size_t i = 0;; i++) {
        char *client_id = NULL, *token_endpoint = NULL, *issuer = NULL, *subject = NULL, *resource = NULL;
        pkce_error *error = NULL;
        pkce_status st = pkce_token_store_entry(store, i, &client_id, &token_endpoint, &issuer, &subject, &error);
        if (st == PKCE_ERR_NOT_FOUND) {
            pkce_error_free(error);
            break;
        }
        pkce_token *token = NULL;
        if (st == PKCE_OK) st = pkce_token_store_entry_resource(store, i, &resource, &error);
        if (st == PKCE_OK) st = pkce_token_store_token(store, i, &token, &error);
        if (st != PKCE_OK) {
            printf("]\n");
            code = fail("token store", st, error);
        } else {
            /* Whose tokens and until when; never a token. */
            printf("%s{\"issuer\":", i ? "," : "");
            json_string(stdout, issuer);
            printf(",\"client_id\":");
            json_string(stdout, client_id);
            printf(",\"subject\":");
            json_string(stdout, subject);
            if (*resource) {
                printf(",\"resource\":");
                json_string(stdout, resource);
            }
            int64_t seconds = 0;
            if (pkce_token_expires_in(token, &seconds) == PKCE_OK) printf(",\"expires_in\":%lld", (long long)seconds);
            printf(",\"refreshable\":%s", pkce_token_refresh_token(token) ? "true" : "false");
            /* Tokens bound to a DPoP key: the key's thumbprint, which is public (the server's cnf.jkt). */
            pkce_dpop_key *key = NULL;
            if (pkce_token_dpop_key(token, &key) == PKCE_OK) {
                printf(",\"dpop_jkt\":");
                json_string(stdout, pkce_dpop_key_thumbprint(key));
            }
            pkce_dpop_key_free(key);
            printf("}");
        }
        pkce_token_free(token);
        pkce_string_free(client_id);
        pkce_string_free(token_endpoint);
        pkce_string_free(issuer);
        pkce_string_free(subject);
        pkce_string_free(resource);
        if (code != EXIT_OK) break;
    }
    if (code == EXIT_OK) printf("]\n");
    pkce_token_store_free(store);
    return code;
}

/* Revokes `token` (a `hint`) where the server has a revocation endpoint:
 * 1 done, 0 none to revoke, -1 refused (said on stderr, *failure set). */
static int revoke(pkce_client *client, const char *token, const char *hint, int *failure) {
    char *endpoint = NULL;
    if (!token || pkce_client_endpoint(client, PKCE_ENDPOINT_REVOCATION, &endpoint) != PKCE_OK) return 0;
    pkce_string_free(endpoint);
    pkce_error *error = NULL;
    pkce_status st = pkce_client_revoke(client, token, hint, &error);
    if (st == PKCE_OK) return 1;
    char what[64];
    snprintf(what, sizeof what, "revoking the %s", hint);
    int code = fail(what, st, error);
    if (*failure == EXIT_OK) *failure = code;
    return -1;
}

/* Ends the session in the browser when the server has an end-session
 * endpoint: "ended" (the browser came back), "opened", "printed", "none" or
 * "failed" (said on stderr, *failure set). */
static const char *end_session(const struct options *o, pkce_client *client, const char *id_token, int *failure) {
    pkce_logout *logout = NULL;
    if (pkce_logout_new(client, &logout) != PKCE_OK) return "none";
    pkce_listener *listener = NULL;
    pkce_error *error = NULL;
    pkce_status st = pkce_logout_set_id_token_hint(logout, id_token);
    const char *outcome = "failed";
    if (st == PKCE_OK && o->no_browser) {
        char *url = NULL;
        if ((st = pkce_logout_url(logout, &url)) == PKCE_OK) {
            fprintf(stderr, "To end the session at the server, open %s\n", url);
            outcome = "printed";
        }
        pkce_string_free(url);
    } else if (st == PKCE_OK) {
        st = pkce_listener_new("127.0.0.1", o->ports, o->port_count, o->redirect_path, &listener, &error);
        if (st == PKCE_OK)
            st = pkce_client_sign_out(client, logout, listener, 1, o->browser_command ? PKCE_BROWSER_PROGRAM : PKCE_BROWSER_SYSTEM,
                                      o->browser_command, o->timeout * 1000, &error);
        if (st == PKCE_OK) outcome = "ended";
    }
    if (st != PKCE_OK) {
        int code = fail("ending the session", st, error);
        if (*failure == EXIT_OK) *failure = code;
    }
    pkce_listener_free(listener);
    pkce_logout_free(logout);
    return outcome;
}

int cmd_logout(const struct options *o) {
    if (o->positional_count != 1) return usage_error("logout needs one FILE");
    pkce_token_store *store = NULL;
    struct entry entry = { 0 };
    int code = open_entry(o->positional[0], o->subject, NULL, &store, &entry);
    if (code != EXIT_OK) return code;
    pkce_client *client = NULL;
    pkce_token *token = NULL;
    pkce_error *error = NULL;
    code = entry_client(o, &entry, &client);
    pkce_status st = PKCE_OK;
    if (code == EXIT_OK && (st = pkce_token_store_token(store, entry.index, &token, &error)) != PKCE_OK)
        code = fail("token store", st, error);
    if (code == EXIT_OK && (st = use_token_key(client, token)) != PKCE_OK) code = fail("DPoP key", st, NULL);
    if (code == EXIT_OK) {
        /* The revocation and end-session endpoints are the issuer's metadata's. */
        if (strcmp(entry.issuer, entry.token_endpoint) != 0 && (st = pkce_client_discover(client, entry.issuer, &error)) != PKCE_OK) {
            fail("discovery (nothing revoked, no session ended)", st, error);
            code = EXIT_OTHER;
        }
        int failure = EXIT_OK;
        int refresh = code == EXIT_OK ? revoke(client, pkce_token_refresh_token(token), "refresh_token", &failure) : 0;
        int access = code == EXIT_OK ? revoke(client, pkce_token_access_token(token), "access_token", &failure) : 0;
        const char *session = code == EXIT_OK ? end_session(o, client, pkce_token_id_token(token), &failure) : "none";
        if (code == EXIT_OK) code = failure;
        /* Removed whatever the server said: the tokens are not to be used again from here. */
        if ((st = pkce_token_store_remove(store, entry.index, &error)) != PKCE_OK) {
            int removal = fail("removing the entry", st, error);
            if (code == EXIT_OK) code = removal;
        }
        static const char *const states[] = { "refused", "none", "revoked" };
        printf("{\"refresh_token\":\"%s\",\"access_token\":\"%s\",\"session\":\"%s\",\"removed\":%s}\n",
               states[refresh + 1], states[access + 1], session, st == PKCE_OK ? "true" : "false");
    }
    pkce_token_free(token);
    pkce_client_free(client);
    entry_free(&entry);
    pkce_token_store_free(store);
    return code;
}
