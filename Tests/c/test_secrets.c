/* The authorization code, the state and the nonce never reach the allocator
 * unwiped: handling a callback and restoring an attempt read the caller's
 * bytes in place and keep copies only in memory that is wiped before it is
 * freed. Run with Tests/c/secret_scanner.c preloaded (make test-secrets),
 * which counts freed blocks still holding a marker. */
#define _GNU_SOURCE
#include "fixtures.h"

#include <dlfcn.h>

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
    return check_summary();
}
