/* What the C programs that talk to Tests/server/serve.py share (run through
 * Tests/server/with-server.sh, which exports where it listens): the
 * server's address and CA, a browser played by libcurl, and plain requests
 * to the server's test controls. libcurl is used here only as the test's
 * own HTTP client. */
#ifndef PKCE_TEST_SERVER_H
#define PKCE_TEST_SERVER_H

#include "check.h"
#include "pkce.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#define REDIRECT "http://127.0.0.1:8765/callback"
#define CLIENT_ID "libpkce-test"

static const char *issuer, *ca;
static int port, wrong_host_port, keep_alive_port, hostile_port, expired_port;

/* Reads the server's environment; 0 when not run through with-server.sh. */
static inline int server_env(void) {
    issuer = getenv("PKCE_TEST_ISSUER");
    ca = getenv("PKCE_TEST_CA");
    const char *p = getenv("PKCE_TEST_PORT"), *w = getenv("PKCE_TEST_WRONG_HOST_PORT");
    const char *k = getenv("PKCE_TEST_KEEP_ALIVE_PORT"), *h = getenv("PKCE_TEST_HOSTILE_PORT");
    const char *x = getenv("PKCE_TEST_EXPIRED_PORT");
    if (!issuer || !ca || !p || !w || !k || !h || !x) {
        fprintf(stderr, "run me through Tests/server/with-server.sh\n");
        return 0;
    }
    port = atoi(p);
    wrong_host_port = atoi(w);
    keep_alive_port = atoi(k);
    hostile_port = atoi(h);
    expired_port = atoi(x);
    return 1;
}

static inline pkce_client *new_client(void) {
    pkce_client *client = NULL;
    pkce_client_new(CLIENT_ID, REDIRECT, &client);
    CHECK_STATUS(pkce_client_set_ca_file(client, ca), PKCE_OK);
    return client;
}

/* A client of the test server whose token endpoint is `path` on it (/token, /no-rotate/token). */
static inline pkce_client *client_of_token_endpoint(const char *path) {
    pkce_client *client = new_client();
    char url[300];
    snprintf(url, sizeof url, "%s%s", issuer, path);
    CHECK_STATUS(pkce_client_set_token_endpoint(client, url), PKCE_OK);
    return client;
}

struct test_body { char *data; size_t length; };

static inline size_t test_body_append(char *data, size_t size, size_t n, void *user) {
    struct test_body *b = user;
    char *grown = realloc(b->data, b->length + size * n + 1);
    if (!grown) return 0;
    memcpy(grown + b->length, data, size * n);
    b->data = grown;
    b->length += size * n;
    b->data[b->length] = '\0';
    return size * n;
}

/* The browser: GET the authorization URL, trust the test CA, and return
 * where the server redirects (the callback URL), malloc'ed. */
static inline char *browse(const char *authorization_url) {
    CURL *h = curl_easy_init();
    char *location = NULL, *result = NULL;
    long status = 0;
    struct test_body ignored = { NULL, 0 };
    curl_easy_setopt(h, CURLOPT_URL, authorization_url);
    curl_easy_setopt(h, CURLOPT_CAINFO, ca);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, test_body_append);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &ignored);
    if (curl_easy_perform(h) == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &location);
        if (status == 302 && location) result = strdup(location);
    }
    free(ignored.data);
    curl_easy_cleanup(h);
    return result;
}

/* An attempt of `client` that has been through the browser and, unless
 * callback_out takes the callback URL, holds its code. */
static inline pkce_attempt *signed_in_attempt(pkce_client *client, char **callback_out) {
    pkce_attempt *attempt = NULL;
    char *url = NULL;
    pkce_attempt_new(client, &attempt);
    pkce_attempt_authorization_url(attempt, &url);
    char *callback = browse(url);
    pkce_string_free(url);
    CHECK(callback != NULL);
    if (callback_out) *callback_out = callback;
    else {
        CHECK_STATUS(pkce_attempt_handle_callback(attempt, callback, NULL), PKCE_OK);
        free(callback);
    }
    return attempt;
}

/* A request to the server's `path` (a POST of `form` when it is not NULL);
 * the body, malloc'ed, or NULL. */
static inline char *server_request(const char *path, const char *form, size_t *length) {
    char url[512];
    snprintf(url, sizeof url, "%s%s", issuer, path);
    CURL *h = curl_easy_init();
    struct test_body body = { NULL, 0 };
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CAINFO, ca);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, test_body_append);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    if (form) curl_easy_setopt(h, CURLOPT_POSTFIELDS, form);
    if (curl_easy_perform(h) != CURLE_OK) {
        free(body.data);
        body.data = NULL;
    }
    curl_easy_cleanup(h);
    if (length) *length = body.length;
    return body.data;
}

#endif
