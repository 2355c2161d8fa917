/* OpenID Connect against Tests/server/serve.py: real ID tokens from
 * Authlib (RS256, PS256, ES256, EdDSA), key rotation, the JWKS fetched at
 * most once a minute for unknown kids, crafted tokens for every refusal
 * (through pkce_client_exchange and through pkce_id_token_verify), UserInfo,
 * and refresh. Run under valgrind by `make test-oidc`. */
#define _POSIX_C_SOURCE 200809L
#include "test_server.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define USER_SUB "user_01TEST"

static int jwks_fetches(void) {
    char *body = server_request("/_oidc/jwks-fetches", NULL, NULL);
    const char *count = body ? strstr(body, "\"count\":") : NULL;
    int n = count ? atoi(count + 8) : -1;
    free(body);
    return n;
}

static void sign_with(const char *alg) {
    char form[64];
    snprintf(form, sizeof form, "alg=%s", alg);
    free(server_request("/_oidc/sign-with", form, NULL));
}

static pkce_client *discovered(void) {
    pkce_client *client = new_client();
    CHECK_STATUS(pkce_client_discover(client, issuer, NULL), PKCE_OK);
    CHECK_STATUS(pkce_client_set_scope(client, "openid email"), PKCE_OK);
    return client;
}

/* A whole sign-in through the server: URL, browser, callback, exchange. */
static pkce_status sign_in(pkce_client *client, pkce_token **token, pkce_error **error) {
    pkce_attempt *attempt = NULL;
    char *url = NULL;
    CHECK_STATUS(pkce_attempt_new(client, &attempt), PKCE_OK);
    CHECK_STATUS(pkce_attempt_authorization_url(attempt, &url), PKCE_OK);
    char *callback = browse(url);
    CHECK(callback != NULL);
    CHECK_STATUS(pkce_attempt_handle_callback(attempt, callback ? callback : "?", NULL), PKCE_OK);
    pkce_status st = pkce_client_exchange(client, attempt, token, error);
    free(callback);
    pkce_string_free(url);
    pkce_attempt_free(attempt);
    return st;
}

/* An attempt restored with a known nonce whose callback, carrying `code`, has been handled. */
static pkce_attempt *restored(pkce_client *client, const char *nonce, const char *code) {
    pkce_attempt *attempt = NULL;
    char callback[512];
    CHECK_STATUS(pkce_attempt_restore(client, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "s", nonce, &attempt), PKCE_OK);
    snprintf(callback, sizeof callback, "?state=s&code=%s&iss=%s", code, issuer);
    CHECK_STATUS(pkce_attempt_handle_callback(attempt, callback, NULL), PKCE_OK);
    return attempt;
}

static void check_claims(const pkce_token *token) {
    const pkce_id_token *claims = pkce_token_id_token_claims(token);
    CHECK(claims != NULL);
    CHECK_STR(pkce_id_token_subject(claims), USER_SUB);
    char *email = NULL, *verified = NULL, *aud = NULL;
    CHECK_STATUS(pkce_id_token_claim_string(claims, "email", &email), PKCE_OK);
    CHECK_STR(email, "ada@example.com");
    CHECK_STATUS(pkce_id_token_claim_json(claims, "email_verified", &verified), PKCE_OK);
    CHECK_STR(verified, "true");
    CHECK_STATUS(pkce_id_token_claim_json(claims, "aud", &aud), PKCE_OK);
    CHECK(aud && strstr(aud, CLIENT_ID) != NULL);
    CHECK_STATUS(pkce_id_token_claim_string(claims, "email_verified", &email), PKCE_ERR_ID_TOKEN_CLAIM);
    CHECK_STATUS(pkce_id_token_claim_string(claims, "absent", &email), PKCE_ERR_NOT_FOUND);
    size_t length = 0;
    const char *json = pkce_id_token_json(claims, &length);
    CHECK(json && length == strlen(json) && strstr(json, "\"nonce\"") != NULL);
    pkce_string_free(email);
    pkce_string_free(verified);
    pkce_string_free(aud);
}

static void test_real_id_tokens(void) {
    const char *algorithms[] = { "RS256", "PS256", "ES256", "EdDSA" };
    pkce_client *client = discovered();
    for (size_t i = 0; i < sizeof algorithms / sizeof algorithms[0]; i++) {
        sign_with(algorithms[i]);
        pkce_token *token = NULL;
        pkce_error *error = NULL;
        pkce_status st = sign_in(client, &token, &error);
        if (st != PKCE_OK) fprintf(stderr, "  %s: %s\n", algorithms[i], error ? pkce_error_message(error) : "");
        CHECK_STATUS(st, PKCE_OK);
        if (token) check_claims(token);
        pkce_token_free(token);
        pkce_error_free(error);
    }
    sign_with("RS256");
    /* Only the algorithms allowed: an RS256 token for a client that wants ES256 only. */
    CHECK_STATUS(pkce_client_set_id_token_algorithms(client, "ES256"), PKCE_OK);
    pkce_token *token = NULL;
    CHECK_STATUS(sign_in(client, &token, NULL), PKCE_ERR_ID_TOKEN_ALGORITHM);
    CHECK(token == NULL);
    CHECK_STATUS(pkce_client_set_id_token_algorithms(client, "HS256"), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_set_id_token_algorithms(client, "none RS256"), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_set_id_token_algorithms(client, NULL), PKCE_OK);
    CHECK_STATUS(sign_in(client, &token, NULL), PKCE_OK);
    pkce_token_free(token);
    pkce_client_free(client);
}

/* Rotation: a new kid makes one refetch; a hostile token naming unknown
 * kids makes at most one a minute (the client's clock is fixed here). */
static void test_rotation_and_refetch_limit(void) {
    pkce_client *client = discovered();
    time_t now = time(NULL);
    CHECK_STATUS(pkce_client_set_time(client, now), PKCE_OK);
    pkce_token *token = NULL;
    int before = jwks_fetches();
    CHECK_STATUS(sign_in(client, &token, NULL), PKCE_OK);
    pkce_token_free(token);
    CHECK(jwks_fetches() == before + 1);
    CHECK_STATUS(sign_in(client, &token, NULL), PKCE_OK);  /* the kept keys */
    pkce_token_free(token);
    CHECK(jwks_fetches() == before + 1);

    free(server_request("/_oidc/rotate", "", NULL));
    CHECK_STATUS(sign_in(client, &token, NULL), PKCE_OK);  /* new kid: one refetch */
    pkce_token_free(token);
    CHECK(jwks_fetches() == before + 2);

    /* Tokens naming a kid nobody has: the refetch already used this minute. */
    char url[256];
    snprintf(url, sizeof url, "%s/_oidc/token/unknown-kid", issuer);
    CHECK_STATUS(pkce_client_set_token_endpoint(client, url), PKCE_OK);
    pkce_attempt *attempt = restored(client, "the-nonce", "the-nonce");
    for (int i = 0; i < 5; i++) CHECK_STATUS(pkce_client_exchange(client, attempt, &token, NULL), PKCE_ERR_ID_TOKEN_KEY_NOT_FOUND);
    CHECK(jwks_fetches() == before + 2);
    CHECK_STATUS(pkce_client_set_time(client, now + 61), PKCE_OK);  /* a minute later: one more */
    for (int i = 0; i < 3; i++) CHECK_STATUS(pkce_client_exchange(client, attempt, &token, NULL), PKCE_ERR_ID_TOKEN_KEY_NOT_FOUND);
    CHECK(jwks_fetches() == before + 3);
    pkce_attempt_free(attempt);
    pkce_client_free(client);
}

/* Each crafted token through the real exchange: the server's token endpoint
 * puts the code it is sent into the token as its nonce. */
static pkce_status crafted_exchange(pkce_client *client, const char *the_case, const char *nonce, pkce_error **error) {
    char url[256];
    snprintf(url, sizeof url, "%s/_oidc/token/%s", issuer, the_case);
    CHECK_STATUS(pkce_client_set_token_endpoint(client, url), PKCE_OK);
    pkce_attempt *attempt = restored(client, nonce, nonce);
    pkce_token *token = NULL;
    pkce_status st = pkce_client_exchange(client, attempt, &token, error);
    CHECK(st == PKCE_OK ? pkce_token_id_token_claims(token) != NULL : token == NULL);
    pkce_token_free(token);
    pkce_attempt_free(attempt);
    return st;
}

static const struct { const char *name; pkce_status status; const char *says; } cases[] = {
    { "good", PKCE_OK, NULL },
    { "ps256", PKCE_OK, NULL },
    { "es256", PKCE_OK, NULL },
    { "eddsa", PKCE_OK, NULL },
    { "good-at-hash", PKCE_OK, NULL },
    { "several-aud-azp", PKCE_OK, NULL },
    { "bad-signature", PKCE_ERR_ID_TOKEN_SIGNATURE, NULL },
    { "alg-none", PKCE_ERR_ID_TOKEN_ALGORITHM, "alg none" },
    { "hs256-with-public-key", PKCE_ERR_ID_TOKEN_ALGORITHM, "shared secret" },
    { "wrong-iss", PKCE_ERR_ID_TOKEN_CLAIM, "iss" },
    { "wrong-aud", PKCE_ERR_ID_TOKEN_CLAIM, "aud" },
    { "several-aud", PKCE_ERR_ID_TOKEN_CLAIM, "azp" },
    { "expired", PKCE_ERR_ID_TOKEN_EXPIRED, NULL },
    { "future-iat", PKCE_ERR_ID_TOKEN_CLAIM, "iat" },
    { "wrong-nonce", PKCE_ERR_ID_TOKEN_NONCE, NULL },
    { "no-nonce", PKCE_ERR_ID_TOKEN_NONCE, NULL },
    { "bad-at-hash", PKCE_ERR_ID_TOKEN_CLAIM, "at_hash" },
    { "malformed-base64", PKCE_ERR_ID_TOKEN_MALFORMED, "base64url" },
    { "unknown-kid", PKCE_ERR_ID_TOKEN_KEY_NOT_FOUND, "nobody-has-this" },
};

static void test_crafted_tokens_through_exchange(void) {
    pkce_client *client = discovered();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pkce_error *error = NULL;
        pkce_status st = crafted_exchange(client, cases[i].name, "nonce-for-crafted", &error);
        if (st != cases[i].status) fprintf(stderr, "  case %s: %s\n", cases[i].name, error ? pkce_error_message(error) : "");
        CHECK_STATUS(st, cases[i].status);
        if (cases[i].says) CHECK(error && strstr(pkce_error_message(error), cases[i].says) != NULL);
        CHECK(st == PKCE_OK ? error == NULL : error && pkce_error_status(error) == st);
        pkce_error_free(error);
    }
    /* The answer of a plain OAuth endpoint: no id_token for an openid scope. */
    char url[256];
    snprintf(url, sizeof url, "%s/echo/user-agent", issuer);
    CHECK_STATUS(pkce_client_set_token_endpoint(client, url), PKCE_OK);
    pkce_attempt *attempt = restored(client, "n", "c");
    pkce_token *token = NULL;
    CHECK_STATUS(pkce_client_exchange(client, attempt, &token, NULL), PKCE_ERR_ID_TOKEN_MISSING);
    pkce_attempt_free(attempt);
    /* max_age asked for, and the sign-in is older than that. */
    pkce_client *fresh = discovered();
    CHECK_STATUS(pkce_client_set_time(fresh, time(NULL) + 300), PKCE_OK);
    CHECK_STATUS(pkce_attempt_new(fresh, &attempt), PKCE_OK);
    CHECK_STATUS(pkce_attempt_add_parameter(attempt, "max_age", "60"), PKCE_OK);
    CHECK_STATUS(pkce_attempt_add_parameter(attempt, "max_age", "soon"), PKCE_ERR_INVALID_ARGUMENT);
    char *authorize = NULL;
    pkce_attempt_authorization_url(attempt, &authorize);
    char *redirect = browse(authorize);
    CHECK_STATUS(pkce_attempt_handle_callback(attempt, redirect ? redirect : "?", NULL), PKCE_OK);
    pkce_error *error = NULL;
    CHECK_STATUS(pkce_client_exchange(fresh, attempt, &token, &error), PKCE_ERR_ID_TOKEN_CLAIM);
    CHECK(error && strstr(pkce_error_message(error), "auth_time") != NULL);
    pkce_error_free(error);
    free(redirect);
    pkce_string_free(authorize);
    pkce_attempt_free(attempt);
    pkce_client_free(fresh);
    pkce_client_free(client);
}

/* A crafted token and the server's JWKS, fetched by the test: the sans-I/O call. */
static char *crafted_id_token(const char *the_case, const char *nonce, char **access_token) {
    char path[256];
    snprintf(path, sizeof path, "/_oidc/craft?case=%s&nonce=%s", the_case, nonce);
    size_t length = 0;
    char *body = server_request(path, NULL, &length);
    pkce_token *token = NULL;
    char *id_token = NULL;
    if (body && pkce_token_parse(200, body, length, &token, NULL) == PKCE_OK) {
        id_token = strdup(pkce_token_id_token(token));
        if (access_token) *access_token = strdup(pkce_token_access_token(token));
    }
    pkce_token_free(token);
    free(body);
    return id_token;
}

static void test_sans_io_verify(void) {
    pkce_client *client = discovered();
    pkce_attempt *attempt = NULL;
    CHECK_STATUS(pkce_attempt_restore(client, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "s", "n-sans-io", &attempt), PKCE_OK);
    size_t jwks_length = 0;
    char *jwks = server_request("/jwks", NULL, &jwks_length);
    char *access = NULL;
    char *good = crafted_id_token("good-at-hash", "n-sans-io", &access);
    pkce_id_token *claims = NULL;
    pkce_error *error = NULL;
    CHECK_STATUS(pkce_id_token_verify(client, attempt, good, access, jwks, jwks_length, &claims, NULL), PKCE_OK);
    CHECK_STR(pkce_id_token_subject(claims), USER_SUB);
    pkce_id_token_free(claims);
    claims = NULL;
    /* Another access token than the one at_hash names. */
    CHECK_STATUS(pkce_id_token_verify(client, attempt, good, "another-token", jwks, jwks_length, &claims, NULL),
                 PKCE_ERR_ID_TOKEN_CLAIM);
    /* No attempt: a token from a refresh; its nonce is not checked. */
    CHECK_STATUS(pkce_id_token_verify(client, NULL, good, NULL, jwks, jwks_length, &claims, NULL), PKCE_OK);
    pkce_id_token_free(claims);
    claims = NULL;
    /* No keys given and none set: nothing is fetched. */
    CHECK_STATUS(pkce_id_token_verify(client, attempt, good, NULL, NULL, 0, &claims, &error), PKCE_ERR_JWKS_UNKNOWN);
    pkce_error_free(error);
    error = NULL;
    CHECK_STATUS(pkce_client_set_jwks(client, jwks, jwks_length, NULL), PKCE_OK);
    CHECK_STATUS(pkce_id_token_verify(client, attempt, good, NULL, NULL, 0, &claims, NULL), PKCE_OK);
    pkce_id_token_free(claims);
    claims = NULL;

    /* An EC key whose point is off the curve: the y of P-256's generator, changed. */
    const char *off_curve = "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"bad\","
        "\"x\":\"axfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpY\",\"y\":\"T-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfQ\"}]}";
    CHECK_STATUS(pkce_client_set_jwks(client, off_curve, strlen(off_curve), &error), PKCE_ERR_JWKS_INVALID);
    if (error && !strstr(pkce_error_message(error), "curve")) fprintf(stderr, "  off curve: %s\n", pkce_error_message(error));
    CHECK(error && strstr(pkce_error_message(error), "curve") != NULL);
    pkce_error_free(error);
    error = NULL;
    CHECK_STATUS(pkce_id_token_verify(client, attempt, good, NULL, off_curve, strlen(off_curve), &claims, NULL),
                 PKCE_ERR_JWKS_INVALID);
    /* A JWKS over 1 MiB. */
    size_t big = PKCE_RESPONSE_MAX_BYTES + 64;
    char *huge = malloc(big + 1);
    memset(huge, ' ', big);
    memcpy(huge, "{\"keys\":[]}", 11);
    huge[big] = '\0';
    CHECK_STATUS(pkce_client_set_jwks(client, huge, big, NULL), PKCE_ERR_JWKS_INVALID);
    free(huge);
    /* Garbage, an empty set, and a set without a usable key. */
    CHECK_STATUS(pkce_client_set_jwks(client, "{", 1, NULL), PKCE_ERR_JWKS_INVALID);
    CHECK_STATUS(pkce_client_set_jwks(client, "{\"keys\":{}}", 11, NULL), PKCE_ERR_JWKS_INVALID);
    const char *symmetric = "{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}]}";
    CHECK_STATUS(pkce_id_token_verify(client, attempt, good, NULL, symmetric, strlen(symmetric), &claims, NULL),
                 PKCE_ERR_ID_TOKEN_KEY_NOT_FOUND);
    /* No issuer: nothing to check iss against. */
    pkce_client *bare = new_client();
    CHECK_STATUS(pkce_id_token_verify(bare, NULL, good, NULL, jwks, jwks_length, &claims, NULL), PKCE_ERR_NOT_CONFIGURED);
    /* Bad arguments. */
    CHECK_STATUS(pkce_id_token_verify(NULL, NULL, good, NULL, jwks, jwks_length, &claims, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_id_token_verify(client, NULL, NULL, NULL, jwks, jwks_length, &claims, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_id_token_verify(client, NULL, good, NULL, jwks, jwks_length, NULL, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_id_token_verify(client, NULL, "a.b", NULL, jwks, jwks_length, &claims, NULL), PKCE_ERR_ID_TOKEN_MALFORMED);
    CHECK(claims == NULL);
    CHECK(pkce_token_id_token_claims(NULL) == NULL && pkce_id_token_subject(NULL) == NULL);
    pkce_id_token_free(NULL);
    CHECK_STATUS(pkce_client_set_clock_skew(client, -1), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_set_clock_skew(client, 120), PKCE_OK);
    CHECK_STATUS(pkce_client_set_time(client, -5), PKCE_ERR_INVALID_ARGUMENT);
    pkce_client_free(bare);
    free(good);
    free(access);
    free(jwks);
    pkce_attempt_free(attempt);
    pkce_client_free(client);
}

static void test_userinfo_and_refresh(void) {
    pkce_client *client = discovered();
    pkce_token *token = NULL;
    CHECK_STATUS(sign_in(client, &token, NULL), PKCE_OK);
    const pkce_id_token *claims = pkce_token_id_token_claims(token);
    const char *sub = pkce_id_token_subject(claims);
    char *json = NULL;
    size_t length = 0;
    pkce_error *error = NULL;
    CHECK_STATUS(pkce_client_userinfo(client, pkce_token_access_token(token), sub, &json, &length, NULL), PKCE_OK);
    CHECK(json && length == strlen(json) && strstr(json, "ada@example.com") != NULL);
    pkce_string_free(json);
    json = NULL;
    /* A UserInfo answer about someone else is refused. */
    char url[256];
    snprintf(url, sizeof url, "%s/userinfo?as=user_02OTHER", issuer);
    CHECK_STATUS(pkce_client_set_userinfo_endpoint(client, url), PKCE_OK);
    CHECK_STATUS(pkce_client_userinfo(client, pkce_token_access_token(token), sub, &json, NULL, &error), PKCE_ERR_ID_TOKEN_CLAIM);
    CHECK(json == NULL && error && strstr(pkce_error_message(error), "sub") != NULL);
    pkce_error_free(error);
    error = NULL;
    CHECK_STATUS(pkce_client_userinfo(client, "not-a-token", NULL, &json, NULL, &error), PKCE_ERR_HTTP_STATUS);
    CHECK(error && pkce_error_http_status(error) == 401);
    pkce_error_free(error);
    error = NULL;
    CHECK_STATUS(pkce_client_set_userinfo_endpoint(client, NULL), PKCE_OK);
    CHECK_STATUS(pkce_client_userinfo(client, "x", NULL, &json, NULL, NULL), PKCE_ERR_NOT_CONFIGURED);

    /* Refresh: a new ID token, verified, for the same user. */
    pkce_token *refreshed = NULL;
    CHECK_STATUS(pkce_client_refresh_subject(client, pkce_token_refresh_token(token), NULL, sub, &refreshed, &error), PKCE_OK);
    if (error) fprintf(stderr, "  refresh: %s\n", pkce_error_message(error));
    pkce_error_free(error);
    error = NULL;
    CHECK(refreshed && pkce_token_id_token_claims(refreshed) != NULL);
    pkce_token *again = NULL;
    CHECK_STATUS(pkce_client_refresh_subject(client, pkce_token_refresh_token(refreshed), NULL, "user_02OTHER", &again, &error),
                 PKCE_ERR_ID_TOKEN_CLAIM);
    CHECK(again == NULL && error && strstr(pkce_error_message(error), "sub") != NULL);
    pkce_error_free(error);
    CHECK_STATUS(pkce_client_refresh_subject(client, "r", NULL, "", &again, NULL), PKCE_ERR_INVALID_ARGUMENT);
    pkce_token_free(refreshed);
    pkce_token_free(token);
    pkce_client_free(client);
}

/* Many threads verifying with one client's keys at once: the keys and their
 * prepared contexts are shared, read-only. */
enum { VERIFY_THREADS = 8, VERIFICATIONS_EACH = 50 };
static pkce_client *verifying;
static char *shared_token;
static int verified_ok[VERIFY_THREADS];

static void *verify_many(void *arg) {
    int t = (int)(intptr_t)arg;
    for (int i = 0; i < VERIFICATIONS_EACH; i++) {
        pkce_id_token *claims = NULL;
        if (pkce_id_token_verify(verifying, NULL, shared_token, NULL, NULL, 0, &claims, NULL) == PKCE_OK &&
            strcmp(pkce_id_token_subject(claims), USER_SUB) == 0)
            verified_ok[t]++;
        pkce_id_token_free(claims);
    }
    return NULL;
}

static void test_threads_share_keys(void) {
    verifying = discovered();
    size_t jwks_length = 0;
    char *jwks = server_request("/jwks", NULL, &jwks_length);
    CHECK_STATUS(pkce_client_set_jwks(verifying, jwks, jwks_length, NULL), PKCE_OK);
    const char *kinds[] = { "good", "ps256", "es256", "eddsa" };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        shared_token = crafted_id_token(kinds[k], "n", NULL);
        memset(verified_ok, 0, sizeof verified_ok);
        pthread_t threads[VERIFY_THREADS];
        for (intptr_t t = 0; t < VERIFY_THREADS; t++) pthread_create(&threads[t], NULL, verify_many, (void *)t);
        for (int t = 0; t < VERIFY_THREADS; t++) pthread_join(threads[t], NULL);
        for (int t = 0; t < VERIFY_THREADS; t++) CHECK(verified_ok[t] == VERIFICATIONS_EACH);
        free(shared_token);
    }
    free(jwks);
    pkce_client_free(verifying);
}

int main(void) {
    if (!server_env()) return 2;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    test_real_id_tokens();
    test_rotation_and_refetch_limit();
    test_crafted_tokens_through_exchange();
    test_sans_io_verify();
    test_userinfo_and_refresh();
    test_threads_share_keys();
    curl_global_cleanup();
    return check_summary();
}
