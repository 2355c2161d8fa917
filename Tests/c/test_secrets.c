/* The authorization code, the state, the nonce and a DPoP private key never
 * reach the allocator unwiped: handling a callback and restoring an attempt read the caller's
 * bytes in place and keep copies only in memory that is wiped before it is
 * freed. Run with Tests/c/secret_scanner.c preloaded (make test-secrets),
 * which counts freed blocks still holding a marker. */
#define _GNU_SOURCE
#include "fixtures.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

int main(void) {
    void (*watch)(const char *) = (void (*)(const char *))(void (*)(void))dlsym(RTLD_DEFAULT, "secret_scanner_watch");
    int (*found)(void) = (int (*)(void))(void (*)(void))dlsym(RTLD_DEFAULT, "secret_scanner_found");
    if (!watch || !found) {
        fprintf(stderr, "run me with secret_scanner.so in LD_PRELOAD (make test-secrets)\n");
        return 2;
    }
    /* Long enough that no copy fits in a small inline string. */
    const char *code = "CODE-SECRET-4f1c2e9a7b3d5c6e8f0a1b2c3d4e5f60";
    const char *state = "STATE-SECRET-9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b";
    const char *nonce = "NONCE-SECRET-0a1b2c3d4e5f60718293a4b5c6d7e8f9";
    watch(code);
    watch(state);
    watch(nonce);
    for (int round = 0; round < 3; round++) {
        pkce_client *client = make_client("openid");
        pkce_attempt *attempt = NULL;
        char callback[512];
        CHECK_STATUS(pkce_attempt_restore(client, RFC_VERIFIER, state, nonce, &attempt), PKCE_OK);
        /* A callback that fails (state of another sign-in), then the real one. */
        snprintf(callback, sizeof callback, REDIRECT "?code=%s&state=%s-other", code, state);
        pkce_error *error = NULL;
        CHECK_STATUS(pkce_attempt_handle_callback(attempt, callback, &error), PKCE_ERR_STATE_MISMATCH);
        pkce_error_free(error);
        snprintf(callback, sizeof callback, REDIRECT "?code=%s&state=%s", code, state);
        CHECK_STATUS(pkce_attempt_handle_callback(attempt, callback, NULL), PKCE_OK);
        pkce_http_request *request = NULL;
        CHECK_STATUS(pkce_attempt_token_request(attempt, &request), PKCE_OK);
        CHECK(strstr(pkce_http_request_body(request, NULL), code) != NULL);
        char *url = NULL;
        CHECK_STATUS(pkce_attempt_authorization_url(attempt, &url), PKCE_OK);
        pkce_string_free(url);
        pkce_http_request_free(request);
        pkce_attempt_free(attempt);
        pkce_client_free(client);
        memset(callback, 0, sizeof callback);
    }
    if (found()) fprintf(stderr, "%d freed blocks still held the code, state or nonce\n", found());
    CHECK(found() == 0);

    /* A DPoP private key, exported as PEM and read back, leaves no freed block
     * holding its text: the first base64 line of a P-256 PKCS#8 key carries the
     * private scalar. (Its copy here lives on the stack, which free() never sees.) */
    char pem[1024] = "", line[80] = "";
    pkce_dpop_key *key = NULL, *again = NULL;
    char *exported = NULL;
    CHECK_STATUS(pkce_dpop_key_new(PKCE_DPOP_ES256, &key), PKCE_OK);
    CHECK_STATUS(pkce_dpop_key_pem(key, &exported), PKCE_OK);
    snprintf(pem, sizeof pem, "%s", exported);
    const char *first = strchr(pem, '\n') + 1;
    snprintf(line, sizeof line, "%.*s", (int)strcspn(first, "\n"), first);
    watch(line);
    pkce_string_free(exported);
    for (int round = 0; round < 3; round++) {
        CHECK_STATUS(pkce_dpop_key_from_pem(pem, strlen(pem), &again), PKCE_OK);
        CHECK_STATUS(pkce_dpop_key_pem(again, &exported), PKCE_OK);
        CHECK(strstr(exported, line) != NULL);
        char *proof = NULL;
        CHECK_STATUS(pkce_dpop_proof(again, "POST", "https://as.example/token", NULL, &proof), PKCE_OK);
        pkce_string_free(proof);
        pkce_string_free(exported);
        pkce_dpop_key_free(again);
    }
    /* Kept with tokens in a file store, and read back by another source. */
    char path[] = "/tmp/libpkce-secrets-XXXXXX";
    close(mkstemp(path));
    unlink(path);
    pkce_client *client = make_client(NULL);
    CHECK_STATUS(pkce_client_set_dpop_key(client, key), PKCE_OK);
    const char *answer = "{\"access_token\":\"at\",\"token_type\":\"DPoP\",\"expires_in\":3600}";
    pkce_token *token = NULL, *stored = NULL;
    pkce_token_store *store = NULL;
    pkce_token_source *source = NULL;
    CHECK_STATUS(pkce_token_parse(200, answer, strlen(answer), &token, NULL), PKCE_OK);
    CHECK_STATUS(pkce_token_store_open_file(path, &store), PKCE_OK);
    CHECK_STATUS(pkce_token_source_new(client, token, store, "", &source, NULL), PKCE_OK);
    pkce_token_source_free(source);
    for (int round = 0; round < 3; round++) {
        CHECK_STATUS(pkce_token_store_token(store, 0, &stored, NULL), PKCE_OK);
        CHECK_STATUS(pkce_token_dpop_key(stored, &again), PKCE_OK);
        CHECK_STR(pkce_dpop_key_thumbprint(again), pkce_dpop_key_thumbprint(key));
        pkce_dpop_key_free(again);
        pkce_token_free(stored);
    }
    pkce_token_store_free(store);
    pkce_token_free(token);
    pkce_client_free(client);
    remove_store_file(path);
    pkce_dpop_key_free(key);
    if (found()) fprintf(stderr, "%d freed blocks still held the DPoP key's PEM\n", found());
    CHECK(found() == 0);
    memset(pem, 0, sizeof pem);
    return check_summary();
}
