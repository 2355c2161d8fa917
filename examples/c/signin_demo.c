/* `make demo`: a complete sign-in with PKCE against a real authorization
 * server (Authlib, started on 127.0.0.1 by Tests/server/with-server.sh,
 * which passes its issuer URL and test CA in PKCE_TEST_ISSUER and
 * PKCE_TEST_CA). The browser is played by libcurl: it opens the
 * authorization URL, the server signs in its test user and redirects back.
 * Secrets are shortened in the output, as a real program's logs should. */
#define _POSIX_C_SOURCE 200809L
#include <pkce.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REDIRECT_URI "http://127.0.0.1:8765/callback"

static int fail(const char *what, pkce_status st, pkce_error *err) {
    fprintf(stderr, "%s: %s\n", what, err ? pkce_error_message(err) : pkce_strerror(st));
    pkce_error_free(err);
    return 1;
}

/* "abcdef…(43 chars)": enough to recognise a secret, not to use it. */
static const char *shorten(const char *secret, char *buf, size_t size) {
    if (!secret) return "(none)";
    snprintf(buf, size, "%.6s…(%zu chars)", secret, strlen(secret));
    return buf;
}

/* Prints url with the value of its `code` parameter shortened. */
static void print_redacted(const char *url) {
    const char *code = strstr(url, "code=");
    if (!code) { printf("%s\n", url); return; }
    code += 5;
    size_t n = strcspn(code, "&");
    printf("%.*s%.*s…%s\n", (int)(code - url), url, (int)(n < 6 ? n : 6), code, code + n);
}

static size_t discard(char *data, size_t size, size_t n, void *user) { (void)data; (void)user; return size * n; }

/* What the user's browser does: follow the authorization URL to the redirect. */
static char *browser(const char *url, const char *ca) {
    CURL *h = curl_easy_init();
    char *location = NULL, *result = NULL;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CAINFO, ca);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    if (curl_easy_perform(h) == CURLE_OK && curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &location) == CURLE_OK && location)
        result = strdup(location);
    curl_easy_cleanup(h);
    return result;
}

int main(void) {
    const char *issuer = getenv("PKCE_TEST_ISSUER"), *ca = getenv("PKCE_TEST_CA");
    if (!issuer || !ca) { fprintf(stderr, "run me with `make demo`\n"); return 2; }
    char s1[64], s2[64];
    pkce_status st;
    pkce_error *err = NULL;
    printf("libpkce %s, authorization server %s\n\n", pkce_version(), issuer);

    /* 1. The client: its registration, the server's metadata, and the test CA. */
    pkce_client *client = NULL;
    if ((st = pkce_client_new("libpkce-test", REDIRECT_URI, &client)) != PKCE_OK) return fail("client", st, NULL);
    pkce_client_set_ca_file(client, ca);
    pkce_client_set_scope(client, "profile");
    if ((st = pkce_client_discover(client, issuer, &err)) != PKCE_OK) return fail("discovery", st, err);
    printf("1. discovered %s/.well-known/oauth-authorization-server (S256 supported, iss sent)\n\n", issuer);

    /* 2. One sign-in attempt: fresh verifier, S256 challenge, state. */
    pkce_attempt *attempt = NULL;
    if ((st = pkce_attempt_new(client, &attempt)) != PKCE_OK) return fail("attempt", st, NULL);
    printf("2. fresh PKCE pair\n   code_verifier  %s\n   code_challenge %s (S256)\n   state          %s\n\n",
           shorten(pkce_attempt_verifier(attempt), s1, sizeof s1), pkce_attempt_challenge(attempt),
           pkce_attempt_state(attempt));

    char *url = NULL;
    if ((st = pkce_attempt_authorization_url(attempt, &url)) != PKCE_OK) return fail("authorization URL", st, NULL);
    printf("3. authorization URL, opened in the browser\n   %s\n\n", url);

    /* 3. The browser signs in and comes back to the redirect URI. */
    char *callback = browser(url, ca);
    pkce_string_free(url);
    if (!callback) { fprintf(stderr, "the browser step failed\n"); return 1; }
    printf("4. the server redirects back\n   ");
    print_redacted(callback);

    st = pkce_attempt_handle_callback(attempt, REDIRECT_URI "?code=stolen&state=forged", &err);
    printf("   a forged callback is refused: %s\n", pkce_error_message(err));
    pkce_error_free(err); err = NULL;
    if ((st = pkce_attempt_handle_callback(attempt, callback, &err)) != PKCE_OK) return fail("callback", st, err);
    free(callback);
    printf("   the real one passes the iss, state, error and code checks\n\n");

    /* 4. The token request: what goes over the wire (and what an app with its own HTTP stack would send). */
    pkce_http_request *request = NULL;
    if ((st = pkce_attempt_token_request(attempt, &request)) != PKCE_OK) return fail("token request", st, NULL);
    printf("5. token request\n   %s %s\n", pkce_http_request_method(request), pkce_http_request_url(request));
    for (size_t i = 0; i < pkce_http_request_header_count(request); i++) {
        const char *name, *value;
        pkce_http_request_header(request, i, &name, &value);
        printf("   %s: %s\n", name, value);
    }
    size_t length = 0;
    const char *body = pkce_http_request_body(request, &length);
    printf("   body (%zu bytes): ", length);  /* names only: the values include the code and the verifier */
    for (const char *p = body; *p; ) {
        const char *eq = strchr(p, '='), *amp = strchr(p, '&');
        printf("%.*s=…%s", (int)(eq - p), p, amp ? "&" : "\n\n");
        p = amp ? amp + 1 : p + strlen(p);
    }
    pkce_http_request_free(request);

    /* 5. Sent over HTTPS (TLS verified, no redirects followed), the answer parsed. */
    pkce_token *token = NULL;
    if ((st = pkce_client_exchange(client, attempt, &token, &err)) != PKCE_OK) return fail("exchange", st, err);
    int64_t expires = 0;
    pkce_token_expires_in(token, &expires);
    printf("6. token response\n   access_token  %s\n   token_type    %s\n   expires_in    %lld s\n   refresh_token %s\n   scope         %s\n\n",
           shorten(pkce_token_access_token(token), s1, sizeof s1), pkce_token_token_type(token), (long long)expires,
           shorten(pkce_token_refresh_token(token), s2, sizeof s2), pkce_token_scope(token));

    pkce_token *again = NULL;
    st = pkce_client_exchange(client, attempt, &again, &err);
    printf("7. the code a second time: %s (%s, HTTP %d)\n\n", pkce_strerror(st), pkce_error_oauth_error(err),
           pkce_error_http_status(err));
    pkce_error_free(err); err = NULL;

    /* 6. Refresh, then revoke. */
    pkce_token *refreshed = NULL;
    if ((st = pkce_client_refresh(client, pkce_token_refresh_token(token), NULL, &refreshed, &err)) != PKCE_OK)
        return fail("refresh", st, err);
    printf("8. refreshed: new access_token %s\n", shorten(pkce_token_access_token(refreshed), s1, sizeof s1));
    if ((st = pkce_client_revoke(client, pkce_token_refresh_token(refreshed), "refresh_token", &err)) != PKCE_OK)
        return fail("revoke", st, err);
    printf("9. refresh token revoked (RFC 7009)\n");

    pkce_token_free(refreshed);
    pkce_token_free(token);
    pkce_attempt_free(attempt);
    pkce_client_free(client);
    return 0;
}
