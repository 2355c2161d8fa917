/* Authorization attempts: the URL and the callback checks.
 * Part of the C suite (`make test-c`, under valgrind), through the built
 * libpkce.so, with every bad input the header documents. */
#define _POSIX_C_SOURCE 200809L
#include "fixtures.h"

#include <stdlib.h>

static void test_authorization_url(void) {
    pkce_client *client = make_client("openid profile");
    pkce_attempt *a = NULL;
    char *url = NULL;
    CHECK_STATUS(pkce_attempt_restore(client, RFC_VERIFIER, "xyz", "n-0S6", &a), PKCE_OK);
    CHECK_STR(pkce_attempt_challenge(a), RFC_CHALLENGE);
    CHECK_STR(pkce_attempt_verifier(a), RFC_VERIFIER);
    CHECK_STR(pkce_attempt_state(a), "xyz");
    CHECK_STR(pkce_attempt_nonce(a), "n-0S6");
    CHECK_STATUS(pkce_attempt_add_parameter(a, "connection_id", "conn_01H"), PKCE_OK);
    CHECK_STATUS(pkce_attempt_add_parameter(a, "organization_id", "org_01H"), PKCE_OK);
    CHECK_STATUS(pkce_attempt_add_parameter(a, "provider", "authkit"), PKCE_OK);
    CHECK_STATUS(pkce_attempt_add_parameter(a, "login_hint", "user+tag@example.com"), PKCE_OK);
    CHECK_STATUS(pkce_attempt_add_parameter(a, "x y", "caf\xc3\xa9 & more/~"), PKCE_OK);
    CHECK_STATUS(pkce_attempt_authorization_url(a, &url), PKCE_OK);
    CHECK_STR(url, "https://auth.example.com/authorize?tenant=a&response_type=code&client_id=my%20app"
                   "&redirect_uri=" REDIRECT_ENC "&scope=openid%20profile&state=xyz&nonce=n-0S6"
                   "&code_challenge=" RFC_CHALLENGE "&code_challenge_method=S256"
                   "&connection_id=conn_01H&organization_id=org_01H&provider=authkit"
                   "&login_hint=user%2Btag%40example.com&x%20y=caf%C3%A9%20%26%20more%2F~");
    pkce_string_free(url);

    const char *reserved[] = { "response_type", "client_id", "redirect_uri", "scope", "state", "nonce",
                               "code_challenge", "code_challenge_method" };
    for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++)
        CHECK_STATUS(pkce_attempt_add_parameter(a, reserved[i], "x"), PKCE_ERR_PARAMETER_RESERVED);
    /* Names that carry secrets or belong to the token request never go into the browser's URL. */
    const char *secret[] = { "client_secret", "client_assertion", "code_verifier", "code", "refresh_token",
                             "access_token", "id_token", "grant_type", "device_code", "password", "assertion" };
    for (size_t i = 0; i < sizeof secret / sizeof *secret; i++)
        CHECK_STATUS(pkce_attempt_add_parameter(a, secret[i], "x"), PKCE_ERR_PARAMETER_RESERVED);
    CHECK_STATUS(pkce_attempt_add_parameter(a, "", "x"), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_attempt_add_parameter(a, "x", NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_attempt_add_parameter(a, NULL, "x"), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_attempt_add_parameter(NULL, "a", "x"), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_attempt_authorization_url(a, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_attempt_authorization_url(NULL, &url), PKCE_ERR_INVALID_ARGUMENT);
    pkce_attempt_free(a);

    /* an endpoint ending in '?' gets no extra separator; no scope sends none and no nonce */
    pkce_client_set_scope(client, NULL);
    pkce_client_set_authorization_endpoint(client, "http://127.0.0.1:9/authorize?");
    CHECK_STATUS(pkce_attempt_restore(client, RFC_VERIFIER, "s", NULL, &a), PKCE_OK);
    CHECK(pkce_attempt_nonce(a) == NULL);
    url = NULL;
    CHECK_STATUS(pkce_attempt_authorization_url(a, &url), PKCE_OK);
    CHECK_STR(url, "http://127.0.0.1:9/authorize?response_type=code&client_id=my%20app&redirect_uri=" REDIRECT_ENC
                   "&state=s&code_challenge=" RFC_CHALLENGE "&code_challenge_method=S256");
    pkce_string_free(url);
    pkce_attempt_free(a);

    /* restore refuses what it cannot use */
    CHECK_STATUS(pkce_attempt_restore(client, "short", "s", NULL, &a), PKCE_ERR_VERIFIER_LENGTH);
    CHECK_STATUS(pkce_attempt_restore(client, RFC_VERIFIER, "", NULL, &a), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_attempt_restore(client, RFC_VERIFIER, "s", "", &a), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_attempt_restore(client, RFC_VERIFIER, NULL, NULL, &a), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_attempt_restore(client, NULL, "s", NULL, &a), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_attempt_restore(NULL, RFC_VERIFIER, "s", NULL, &a), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_attempt_restore(client, RFC_VERIFIER, "s", NULL, NULL), PKCE_ERR_INVALID_ARGUMENT);

    /* fresh attempts: S256 of their own verifier, 43-character state, all different */
    pkce_attempt *b = NULL;
    pkce_client_set_scope(client, "email openid");
    CHECK_STATUS(pkce_attempt_new(client, &a), PKCE_OK);
    CHECK_STATUS(pkce_attempt_new(client, &b), PKCE_OK);
    char challenge[44];
    pkce_challenge_derive(pkce_attempt_verifier(a), PKCE_METHOD_S256, challenge, sizeof challenge);
    CHECK_STR(pkce_attempt_challenge(a), challenge);
    CHECK(strlen(pkce_attempt_state(a)) == 43 && strlen(pkce_attempt_verifier(a)) == 43);
    CHECK(pkce_attempt_nonce(a) != NULL && strlen(pkce_attempt_nonce(a)) == 43);
    CHECK(strcmp(pkce_attempt_state(a), pkce_attempt_state(b)) != 0);
    CHECK(strcmp(pkce_attempt_verifier(a), pkce_attempt_verifier(b)) != 0);
    CHECK(strcmp(pkce_attempt_nonce(a), pkce_attempt_nonce(b)) != 0);
    pkce_attempt_free(a);
    pkce_attempt_free(b);
    CHECK_STATUS(pkce_attempt_new(NULL, &a), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_attempt_new(client, NULL), PKCE_ERR_INVALID_ARGUMENT);

    pkce_client *bare = NULL;
    pkce_client_new("id", REDIRECT, &bare);
    CHECK_STATUS(pkce_attempt_new(bare, &a), PKCE_OK);
    url = (char *)"untouched";
    CHECK_STATUS(pkce_attempt_authorization_url(a, &url), PKCE_ERR_NOT_CONFIGURED);
    CHECK_STR(url, "untouched");
    pkce_attempt_free(a);
    pkce_client_free(bare);
    CHECK(pkce_attempt_state(NULL) == NULL && pkce_attempt_nonce(NULL) == NULL);
    CHECK(pkce_attempt_verifier(NULL) == NULL && pkce_attempt_challenge(NULL) == NULL);
    pkce_attempt_free(NULL);
    pkce_client_free(client);
}

/* Runs one callback against a fresh attempt (state "xyz") and returns the status. */
static pkce_status callback(pkce_client *client, const char *redirect, pkce_error **error) {
    pkce_attempt *a = NULL;
    pkce_attempt_restore(client, RFC_VERIFIER, "xyz", NULL, &a);
    pkce_status st = pkce_attempt_handle_callback(a, redirect, error);
    pkce_attempt_free(a);
    return st;
}

static void test_callback(void) {
    pkce_client *client = make_client(NULL);
    pkce_attempt *a = NULL;
    pkce_http_request *req = NULL;
    pkce_error *err = NULL;

    CHECK_STATUS(pkce_attempt_restore(client, RFC_VERIFIER, "xyz", NULL, &a), PKCE_OK);
    CHECK_STATUS(pkce_attempt_token_request(a, &req), PKCE_ERR_CODE_MISSING);
    CHECK(req == NULL);
    CHECK_STATUS(pkce_attempt_handle_callback(a, REDIRECT "?code=Splx%2FlOB+Ee&state=xyz#ignored", &err), PKCE_OK);
    CHECK(err == NULL);
    CHECK_STATUS(pkce_attempt_handle_callback(a, REDIRECT "?code=other&state=xyz", NULL), PKCE_ERR_ATTEMPT_USED);
    CHECK_STATUS(pkce_attempt_token_request(a, &req), PKCE_OK);
    CHECK_STR(pkce_http_request_method(req), "POST");
    CHECK_STR(pkce_http_request_url(req), "https://auth.example.com/token");
    CHECK(pkce_http_request_header_count(req) == 2);
    const char *name = NULL, *value = NULL;
    CHECK_STATUS(pkce_http_request_header(req, 0, &name, &value), PKCE_OK);
    CHECK_STR(name, "Content-Type");
    CHECK_STR(value, "application/x-www-form-urlencoded");
    CHECK_STATUS(pkce_http_request_header(req, 1, &name, &value), PKCE_OK);
    CHECK_STR(name, "Accept");
    CHECK_STR(value, "application/json");
    name = value = NULL;
    CHECK_STATUS(pkce_http_request_header(req, 2, &name, &value), PKCE_ERR_NOT_FOUND);
    CHECK(name == NULL && value == NULL);
    CHECK_STATUS(pkce_http_request_header(req, 0, NULL, &value), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_http_request_header(NULL, 0, &name, &value), PKCE_ERR_INVALID_ARGUMENT);
    size_t len = 0;
    const char *body = pkce_http_request_body(req, &len);
    CHECK_STR(body, "grant_type=authorization_code&code=Splx%2FlOB+Ee&redirect_uri=" REDIRECT_ENC
                    "&client_id=my+app&code_verifier=" RFC_VERIFIER);
    CHECK(body && len == strlen(body));
    CHECK(pkce_http_request_body(req, NULL) == body);
    pkce_http_request_free(req);
    pkce_attempt_free(a);

    /* the query alone is accepted too */
    CHECK_STATUS(callback(client, "?state=xyz&code=c", NULL), PKCE_OK);

    /* state: absent or different is a mismatch; the message does not leak the code */
    CHECK_STATUS(callback(client, REDIRECT "?code=SECRETCODE&state=xyZ", &err), PKCE_ERR_STATE_MISMATCH);
    CHECK(err && pkce_error_status(err) == PKCE_ERR_STATE_MISMATCH);
    CHECK(err && pkce_error_message(err) && !strstr(pkce_error_message(err), "SECRETCODE"));
    CHECK(err && pkce_error_oauth_error(err) == NULL && pkce_error_http_status(err) == 0);
    pkce_error_free(err); err = NULL;
    CHECK_STATUS(callback(client, REDIRECT "?code=c", NULL), PKCE_ERR_STATE_MISMATCH);
    CHECK_STATUS(callback(client, REDIRECT "?code=c&state=", NULL), PKCE_ERR_STATE_MISMATCH);
    CHECK_STATUS(callback(client, REDIRECT "?code=c&state=xy", NULL), PKCE_ERR_STATE_MISMATCH);

    /* repeated parameters, whichever */
    CHECK_STATUS(callback(client, REDIRECT "?code=a&state=xyz&code=b", NULL), PKCE_ERR_CALLBACK_DUPLICATE);
    CHECK_STATUS(callback(client, REDIRECT "?state=xyz&state=xyz&code=a", NULL), PKCE_ERR_CALLBACK_DUPLICATE);
    CHECK_STATUS(callback(client, REDIRECT "?code=a&state=xyz&foo=1&foo=2", NULL), PKCE_ERR_CALLBACK_DUPLICATE);

    /* the server's error, after state */
    CHECK_STATUS(callback(client, REDIRECT "?error=access_denied&error_description=User+said+no%21"
                                  "&error_uri=https%3A%2F%2Fe.example%2Fe&state=xyz", &err), PKCE_ERR_OAUTH);
    CHECK_STR(pkce_error_oauth_error(err), "access_denied");
    CHECK_STR(pkce_error_description(err), "User said no!");
    CHECK_STR(pkce_error_uri(err), "https://e.example/e");
    CHECK(pkce_error_http_status(err) == 0);
    CHECK(pkce_error_status(err) == PKCE_ERR_OAUTH);
    pkce_error_free(err); err = NULL;
    CHECK_STATUS(callback(client, REDIRECT "?error=access_denied&state=other", NULL), PKCE_ERR_STATE_MISMATCH);
    CHECK_STATUS(callback(client, REDIRECT "?error=access_denied&code=c&state=xyz", &err), PKCE_ERR_OAUTH);
    CHECK(err && pkce_error_description(err) == NULL && pkce_error_uri(err) == NULL);
    pkce_error_free(err); err = NULL;

    /* code */
    CHECK_STATUS(callback(client, REDIRECT "?state=xyz", NULL), PKCE_ERR_CODE_MISSING);
    CHECK_STATUS(callback(client, REDIRECT "?state=xyz&code=", NULL), PKCE_ERR_CODE_MISSING);

    /* malformed */
    CHECK_STATUS(callback(client, REDIRECT, NULL), PKCE_ERR_CALLBACK_INVALID);
    CHECK_STATUS(callback(client, REDIRECT "?code=%zz&state=xyz", NULL), PKCE_ERR_CALLBACK_INVALID);
    CHECK_STATUS(callback(client, REDIRECT "?code=%4&state=xyz", NULL), PKCE_ERR_CALLBACK_INVALID);
    CHECK_STATUS(callback(client, REDIRECT "?code=a%00b&state=xyz", NULL), PKCE_ERR_CALLBACK_INVALID);
    CHECK_STATUS(callback(client, REDIRECT "?code=a%FFb&state=xyz", NULL), PKCE_ERR_CALLBACK_INVALID);
    /* Control characters percent-encoded are refused as raw ones are in code, state and iss. */
    CHECK_STATUS(callback(client, REDIRECT "?code=a%0d%0ab&state=xyz", NULL), PKCE_ERR_CALLBACK_INVALID);
    CHECK_STATUS(callback(client, REDIRECT "?code=ab&state=xy%0Az", NULL), PKCE_ERR_CALLBACK_INVALID);
    /* error_description may hold them (Microsoft Entra's does: "...%0d%0aTrace+ID..."): the denial is
     * reported, each run of them one space, so that CR/LF never reach an application's log or terminal. */
    CHECK_STATUS(callback(client, REDIRECT "?state=xyz&error=access_denied&error_description=a%0D%0AInjected%1b%5B2J%00x",
                          &err), PKCE_ERR_OAUTH);
    CHECK_STR(pkce_error_description(err), "a Injected [2J x");
    pkce_error_free(err); err = NULL;
    CHECK_STATUS(callback(client, REDIRECT "?code=a%01b&state=xyz", NULL), PKCE_ERR_CALLBACK_INVALID);
    CHECK_STATUS(callback(client, REDIRECT "?code=a%7Fb&state=xyz", NULL), PKCE_ERR_CALLBACK_INVALID);
    CHECK_STATUS(callback(client, REDIRECT "?code=a%09b&state=xyz", NULL), PKCE_ERR_CALLBACK_INVALID);
    CHECK_STATUS(callback(client, REDIRECT "?code=a\nb&state=xyz", NULL), PKCE_ERR_CALLBACK_INVALID);
    CHECK_STATUS(callback(client, "\xff?code=a&state=xyz", NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(callback(client, NULL, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_attempt_handle_callback(NULL, "?code=a&state=xyz", &err), PKCE_ERR_INVALID_ARGUMENT);
    CHECK(err && pkce_error_status(err) == PKCE_ERR_INVALID_ARGUMENT);
    pkce_error_free(err); err = NULL;

    /* iss (RFC 9207) comes first, before state */
    CHECK_STATUS(pkce_client_set_issuer(client, "https://issuer.example", 1), PKCE_OK);
    CHECK_STATUS(callback(client, REDIRECT "?code=c&state=xyz", NULL), PKCE_ERR_ISSUER_MISSING);
    CHECK_STATUS(callback(client, REDIRECT "?code=c&state=xyz&iss=https%3A%2F%2Fevil.example", NULL), PKCE_ERR_ISSUER_MISMATCH);
    CHECK_STATUS(callback(client, REDIRECT "?code=c&state=bad&iss=https%3A%2F%2Fevil.example", NULL), PKCE_ERR_ISSUER_MISMATCH);
    CHECK_STATUS(callback(client, REDIRECT "?code=c&state=xyz&iss=https%3A%2F%2Fissuer.example%2F", NULL), PKCE_ERR_ISSUER_MISMATCH);
    CHECK_STATUS(callback(client, REDIRECT "?code=c&state=xyz&iss=https%3A%2F%2Fissuer.example", NULL), PKCE_OK);
    CHECK_STATUS(callback(client, REDIRECT "?code=c&state=bad&iss=https%3A%2F%2Fissuer.example", NULL), PKCE_ERR_STATE_MISMATCH);
    CHECK_STATUS(pkce_client_set_issuer(client, "https://issuer.example", 0), PKCE_OK);
    CHECK_STATUS(callback(client, REDIRECT "?code=c&state=xyz", NULL), PKCE_OK);
    CHECK_STATUS(callback(client, REDIRECT "?code=c&state=xyz&iss=https%3A%2F%2Fevil.example", NULL), PKCE_ERR_ISSUER_MISMATCH);

    /* the token endpoint must be configured for a token request */
    pkce_client *bare = NULL;
    pkce_client_new("id", REDIRECT, &bare);
    pkce_attempt_restore(bare, RFC_VERIFIER, "xyz", NULL, &a);
    CHECK_STATUS(pkce_attempt_handle_callback(a, "?code=c&state=xyz", NULL), PKCE_OK);
    CHECK_STATUS(pkce_attempt_token_request(a, &req), PKCE_ERR_NOT_CONFIGURED);
    CHECK_STATUS(pkce_attempt_token_request(a, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_attempt_token_request(NULL, &req), PKCE_ERR_INVALID_ARGUMENT);
    pkce_attempt_free(a);
    pkce_client_free(bare);
    pkce_client_free(client);
}

/* Requests the caller extends: fields encoded as the body is, headers
 * after the fixed ones, the grant's own fields and the library's headers
 * refused, nothing half-added on a refusal. */
static void test_extended_requests(void) {
    pkce_client *client = make_client(NULL);
    pkce_http_request *req = NULL;
    CHECK_STATUS(pkce_client_refresh_request(client, "rt", NULL, &req), PKCE_OK);
    const char *before = "grant_type=refresh_token&refresh_token=rt&client_id=my+app";
    CHECK_STR(pkce_http_request_body(req, NULL), before);
    CHECK_STATUS(pkce_http_request_add_field(req, "organization_id", "org 1&x=y"), PKCE_OK);
    CHECK_STR(pkce_http_request_body(req, NULL), "grant_type=refresh_token&refresh_token=rt&client_id=my+app"
                                                 "&organization_id=org+1%26x%3Dy");
    CHECK_STATUS(pkce_http_request_add_field(req, "refresh_token", "other"), PKCE_ERR_PARAMETER_RESERVED);
    CHECK_STATUS(pkce_http_request_add_field(req, "organization_id", "again"), PKCE_ERR_PARAMETER_RESERVED);
    CHECK_STATUS(pkce_http_request_add_field(req, "", "v"), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_http_request_add_field(req, "a\nb", "v"), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_http_request_add_field(req, "bad", "\xff"), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_http_request_add_field(req, NULL, "v"), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_http_request_add_field(req, "n", NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_http_request_add_field(NULL, "n", "v"), PKCE_ERR_INVALID_ARGUMENT);
    CHECK(strstr(pkce_http_request_body(req, NULL), "other") == NULL);

    CHECK_STATUS(pkce_http_request_add_header(req, "Authorization", "Bearer at-1"), PKCE_OK);
    CHECK_STATUS(pkce_http_request_add_header(req, "X-Tenant", "a\tb"), PKCE_OK);
    CHECK(pkce_http_request_header_count(req) == 4);
    const char *name = NULL, *value = NULL;
    CHECK_STATUS(pkce_http_request_header(req, 2, &name, &value), PKCE_OK);
    CHECK_STR(name, "Authorization");
    CHECK_STR(value, "Bearer at-1");
    CHECK_STATUS(pkce_http_request_header(req, 3, &name, &value), PKCE_OK);
    CHECK_STR(name, "X-Tenant");
    CHECK_STATUS(pkce_http_request_header(req, 4, &name, &value), PKCE_ERR_NOT_FOUND);
    CHECK_STATUS(pkce_http_request_add_header(req, "authorization", "Bearer other"), PKCE_ERR_PARAMETER_RESERVED);
    CHECK_STATUS(pkce_http_request_add_header(req, "content-type", "text/plain"), PKCE_ERR_PARAMETER_RESERVED);
    CHECK_STATUS(pkce_http_request_add_header(req, "Host", "evil.example"), PKCE_ERR_PARAMETER_RESERVED);
    CHECK_STATUS(pkce_http_request_add_header(req, "X-A", "a\r\nX-Injected: 1"), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_http_request_add_header(req, "X A", "v"), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_http_request_add_header(req, "X:A", "v"), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_http_request_add_header(req, "", "v"), PKCE_ERR_INVALID_ARGUMENT);
    CHECK(pkce_http_request_header_count(req) == 4);
    pkce_http_request_free(req);

    /* A JSON body (WorkOS) gets JSON-escaped fields; a GET gets none. */
    pkce_client *workos = NULL;
    CHECK_STATUS(pkce_client_new("client_01", REDIRECT, &workos), PKCE_OK);
    CHECK_STATUS(pkce_client_use_workos(workos, "https://api.workos.com"), PKCE_OK);
    CHECK_STATUS(pkce_client_refresh_request(workos, "r1", NULL, &req), PKCE_OK);
    CHECK_STATUS(pkce_http_request_add_field(req, "user_agent", "Mozilla \"5\"\\\x01"), PKCE_OK);
    CHECK_STR(pkce_http_request_body(req, NULL), "{\"grant_type\":\"refresh_token\",\"refresh_token\":\"r1\","
                                                 "\"client_id\":\"client_01\",\"user_agent\":\"Mozilla \\\"5\\\"\\\\\\u0001\"}");
    CHECK_STATUS(pkce_http_request_add_field(req, "client_id", "x"), PKCE_ERR_PARAMETER_RESERVED);
    pkce_http_request_free(req);
    pkce_client_free(workos);
    pkce_client_free(client);
}

/* Pushed authorization requests (RFC 9126), sans-I/O: the POST carries
 * what the URL would, the answer's request_uri replaces it all in the URL. */
static void test_pushed_request(void) {
    pkce_client *client = make_client("openid profile");
    pkce_attempt *a = NULL;
    pkce_http_request *push = NULL;
    CHECK_STATUS(pkce_attempt_restore(client, RFC_VERIFIER, "xyz", "n-0S6", &a), PKCE_OK);
    CHECK_STATUS(pkce_attempt_par_request(a, &push), PKCE_ERR_NOT_CONFIGURED);
    pkce_attempt_free(a);
    CHECK_STATUS(pkce_client_set_par_endpoint(client, "http://auth.example.com/par"), PKCE_ERR_URL_INSECURE);
    CHECK_STATUS(pkce_client_set_par_endpoint(client, "https://auth.example.com/par"), PKCE_OK);
    CHECK_STATUS(pkce_attempt_restore(client, RFC_VERIFIER, "xyz", "n-0S6", &a), PKCE_OK);
    CHECK_STATUS(pkce_attempt_add_parameter(a, "login_hint", "ada@example.com"), PKCE_OK);
    CHECK_STATUS(pkce_attempt_par_request(a, &push), PKCE_OK);
    CHECK_STR(pkce_http_request_method(push), "POST");
    CHECK_STR(pkce_http_request_url(push), "https://auth.example.com/par");
    size_t length = 0;
    CHECK_STR(pkce_http_request_body(push, &length),
              "response_type=code&client_id=my+app&redirect_uri=" REDIRECT_ENC "&scope=openid+profile&state=xyz"
              "&nonce=n-0S6&code_challenge=" RFC_CHALLENGE "&code_challenge_method=S256&login_hint=ada%40example.com");
    pkce_http_request_free(push);
    CHECK(pkce_attempt_request_uri(a) == NULL);
    pkce_error *error = NULL;
    const char *refused = "{\"error\":\"invalid_request\"}";
    CHECK_STATUS(pkce_attempt_handle_par_response(a, 400, refused, strlen(refused), &error), PKCE_ERR_OAUTH);
    CHECK_STR(pkce_error_oauth_error(error), "invalid_request");
    pkce_error_free(error);
    const char *empty = "{\"expires_in\":60}";
    CHECK_STATUS(pkce_attempt_handle_par_response(a, 201, empty, strlen(empty), NULL), PKCE_ERR_RESPONSE_INVALID);
    const char *answer = "{\"request_uri\":\"urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c\",\"expires_in\":60}";
    CHECK_STATUS(pkce_attempt_handle_par_response(a, 201, answer, strlen(answer), NULL), PKCE_OK);
    CHECK_STR(pkce_attempt_request_uri(a), "urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c");
    char *url = NULL;
    CHECK_STATUS(pkce_attempt_authorization_url(a, &url), PKCE_OK);
    CHECK_STR(url, "https://auth.example.com/authorize?tenant=a&client_id=my%20app"
                   "&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3A6esc_11ACC5bwc014ltc14eY22c");
    pkce_string_free(url);
    CHECK_STATUS(pkce_attempt_add_parameter(a, "prompt", "login"), PKCE_ERR_ATTEMPT_USED);
    CHECK_STATUS(pkce_attempt_set_redirect_uri(a, "http://127.0.0.1:1/cb"), PKCE_ERR_ATTEMPT_USED);
    CHECK(pkce_attempt_par_expired(a) == 0);
    CHECK_STATUS(pkce_attempt_par_request(a, &push), PKCE_ERR_ATTEMPT_USED);
    CHECK_STATUS(pkce_attempt_handle_par_response(a, 201, NULL, 0, NULL), PKCE_ERR_INVALID_ARGUMENT);
    /* A request_uri good for a second is expired already (the browser needs the time): a new push. */
    const char *brief = "{\"request_uri\":\"urn:ietf:params:oauth:request_uri:brief\",\"expires_in\":1}";
    CHECK_STATUS(pkce_attempt_handle_par_response(a, 201, brief, strlen(brief), NULL), PKCE_OK);
    CHECK(pkce_attempt_par_expired(a) == 1);
    CHECK_STATUS(pkce_attempt_par_request(a, &push), PKCE_OK);
    pkce_http_request_free(push);
    CHECK(pkce_attempt_par_expired(NULL) == 0);
    pkce_attempt_free(a);
    pkce_client_free(client);
}

int main(void) {
    test_authorization_url();
    test_pushed_request();
    test_callback();
    test_extended_requests();
    return check_summary();
}
