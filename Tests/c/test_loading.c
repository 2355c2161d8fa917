/* libcurl is loaded on first use. Usage: test_loading ok|missing|old|gnutls
 *  - ok: nothing but an HTTPS call loads libcurl.so.4; then it works (a
 *    refused connection on a loopback port nobody listens on).
 *  - missing, old, gnutls: `make test-loading` puts an unloadable file, a
 *    libcurl that reports 7.74.0, or the GnuTLS flavour first on the search
 *    path; every HTTPS call then fails with PKCE_ERR_TRANSPORT and a message
 *    that says why, the same each time, and everything else still works. */
#define _GNU_SOURCE
#include "pkce.h"
#include "check.h"

#include <stdlib.h>

/* Whether a library whose path contains `name` is mapped into this process. */
static int mapped(const char *name) {
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[4096];
    int found = 0;
    while (maps && fgets(line, sizeof line, maps)) if (strstr(line, name)) found = 1;
    if (maps) fclose(maps);
    return found;
}

/* Everything that needs no HTTPS, on one client. */
static void work_without_https(pkce_client *client) {
    char verifier[PKCE_VERIFIER_MAX_LENGTH + 1], challenge[PKCE_S256_CHALLENGE_LENGTH + 1];
    CHECK_STATUS(pkce_pair_generate(43, verifier, sizeof verifier, challenge, sizeof challenge), PKCE_OK);
    pkce_attempt *attempt = NULL;
    char *url = NULL;
    CHECK_STATUS(pkce_attempt_new(client, &attempt), PKCE_OK);
    CHECK_STATUS(pkce_attempt_authorization_url(attempt, &url), PKCE_OK);
    pkce_http_request *request = NULL;
    CHECK_STATUS(pkce_client_refresh_request(client, "refresh-token", NULL, &request), PKCE_OK);
    pkce_token *token = NULL;
    CHECK_STATUS(pkce_token_parse(200, "{\"access_token\":\"a\"}", 20, &token, NULL), PKCE_OK);
    pkce_token_free(token);
    pkce_http_request_free(request);
    pkce_string_free(url);
    pkce_attempt_free(attempt);
}

/* A refresh against a loopback port where nothing listens: the error it gives. */
static pkce_status refresh(pkce_client *client, char *message, size_t size) {
    pkce_token *token = NULL;
    pkce_error *error = NULL;
    pkce_status st = pkce_client_refresh(client, "refresh-token", NULL, &token, &error);
    snprintf(message, size, "%s", error ? pkce_error_message(error) : "");
    CHECK(token == NULL || st == PKCE_OK);
    pkce_token_free(token);
    pkce_error_free(error);
    return st;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "ok";
    const char *expect = strcmp(mode, "missing") == 0 ? "could not load it"
                       : strcmp(mode, "old") == 0     ? "7.85.0 or later for HTTPS; the one loaded is 7.74.0"
                       : strcmp(mode, "gnutls") == 0  ? "needs the OpenSSL flavour of libcurl.so.4"
                                                      : NULL;
    pkce_client *client = NULL;
    CHECK_STATUS(pkce_client_new("loading-test", "http://127.0.0.1:8765/callback", &client), PKCE_OK);
    CHECK_STATUS(pkce_client_set_authorization_endpoint(client, "https://127.0.0.1:9/authorize"), PKCE_OK);
    /* Port 9 (discard) on loopback: nothing listens there in a test machine. */
    CHECK_STATUS(pkce_client_set_token_endpoint(client, "https://127.0.0.1:9/token"), PKCE_OK);
    CHECK_STATUS(pkce_client_set_timeouts(client, 2000, 3000), PKCE_OK);

    work_without_https(client);
    CHECK(!mapped("libcurl"));

    char first[512], second[512];
    pkce_status st = refresh(client, first, sizeof first);
    if (expect == NULL) {
        CHECK_STATUS(st, PKCE_ERR_CONNECT);
        CHECK(mapped("libcurl.so.4"));
        CHECK(!mapped("libcurl-gnutls"));
    } else {
        CHECK_STATUS(st, PKCE_ERR_TRANSPORT);
        if (!strstr(first, expect)) fprintf(stderr, "message: %s\n", first);
        CHECK(strstr(first, expect) != NULL);
        CHECK(strstr(first, "libcurl.so.4") != NULL);
        CHECK_STATUS(refresh(client, second, sizeof second), PKCE_ERR_TRANSPORT);
        CHECK_STR(second, first);
        work_without_https(client);
    }
    pkce_client_free(client);
    return check_summary();
}
