/* DPoP (RFC 9449) through the C API, against the Authlib server's DPoP
 * verifier (Tests/server/dpop_routes.py, run through with-server.sh): keys
 * and their PEM, bound tokens from the exchange and refresh, nonces that
 * change on every answer, the one retry, a server that wants a new nonce
 * forever, a refresh after a restart that sends the stored nonce at once to
 * a server that spends refresh tokens on a nonce refusal, a downgrade to
 * Bearer, dpop_jkt, PAR, revocation and UserInfo with proofs, the header
 * pair for a resource, and the sans-I/O retry over the test's own libcurl. */
#define _GNU_SOURCE
#include "test_server.h"

#include <unistd.h>

/* Sets the server's DPoP mode (a JSON object) and forgets what it saw. */
static void mode(const char *json) {
    char url[512];
    snprintf(url, sizeof url, "%s/_dpop/mode", issuer);
    CURL *h = curl_easy_init();
    struct test_body body = { NULL, 0 };
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CAINFO, ca);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, json);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, test_body_append);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    CHECK(curl_easy_perform(h) == CURLE_OK);
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
    free(body.data);
}

/* How many requests the server saw on `path` with `outcome` (a prefix) since the mode was set. */
static int seen(const char *path, const char *outcome) {
    char *json = server_request("/_dpop/seen", NULL, NULL);
    int count = 0;
    char needle[256];
    snprintf(needle, sizeof needle, "\"outcome\":\"%s", outcome);
    for (const char *p = json; p && (p = strstr(p, needle)) != NULL; p++) {
        /* Each entry is one flat object: look for its path between its braces. */
        const char *start = p, *end = strchr(p, '}');
        while (start > json && *start != '{') start--;
        char wanted[128];
        snprintf(wanted, sizeof wanted, "\"path\":\"%s\"", path);
        const char *at = strstr(start, wanted);
        if (at && end && at < end) count++;
    }
    free(json);
    return count;
}

/* The thumbprint the server bound `token` to, malloc'ed ("null" when none). */
static char *server_binding(const char *token) {
    char form[4096];
    snprintf(form, sizeof form, "token=%s", token);
    char *json = server_request("/_dpop/token", form, NULL);
    const char *jkt = json ? strstr(json, "\"jkt\":") : NULL;
    char *result = NULL;
    if (jkt) {
        jkt += 6;
        while (*jkt == ' ') jkt++;
        if (*jkt == '"') result = strndup(jkt + 1, strcspn(jkt + 1, "\""));
        else result = strdup("null");
    }
    free(json);
    return result;
}

/* A GET of url with the two headers, as the application's own HTTP stack
 * would send them: the status, and the body (malloc'ed) in *body when asked. */
static long present(const char *url, const char *authorization, const char *proof, char **body) {
    CURL *h = curl_easy_init();
    struct curl_slist *headers = NULL;
    char line[8192];
    snprintf(line, sizeof line, "Authorization: %s", authorization);
    headers = curl_slist_append(headers, line);
    snprintf(line, sizeof line, "DPoP: %s", proof);
    headers = curl_slist_append(headers, line);
    struct test_body answer = { NULL, 0 };
    long status = 0;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CAINFO, ca);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, test_body_append);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer);
    if (curl_easy_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
    if (body) *body = answer.data; else free(answer.data);
    return status;
}

static pkce_client *dpop_client(pkce_dpop_alg alg) {
    pkce_client *client = new_client();
    CHECK_STATUS(pkce_client_enable_dpop(client, alg), PKCE_OK);
    CHECK_STATUS(pkce_client_discover(client, issuer, NULL), PKCE_OK);
    return client;
}

static pkce_token *exchanged(pkce_client *client, pkce_status expected) {
    pkce_attempt *attempt = signed_in_attempt(client, NULL);
    pkce_token *token = NULL;
    pkce_error *error = NULL;
    CHECK_STATUS(pkce_client_exchange(client, attempt, &token, &error), expected);
    if (error && expected == PKCE_OK) fprintf(stderr, "exchange: %s\n", pkce_error_message(error));
    pkce_error_free(error);
    pkce_attempt_free(attempt);
    return token;
}

static void test_keys(void) {
    const pkce_dpop_alg algs[] = { PKCE_DPOP_ES256, PKCE_DPOP_EDDSA, PKCE_DPOP_RS256 };
    for (size_t i = 0; i < 3; i++) {
        pkce_dpop_key *key = NULL, *again = NULL;
        CHECK_STATUS(pkce_dpop_key_new(algs[i], &key), PKCE_OK);
        CHECK(pkce_dpop_key_alg(key) == algs[i]);
        CHECK(strlen(pkce_dpop_key_thumbprint(key)) == 43);
        CHECK(strncmp(pkce_dpop_key_jwk(key), "{\"", 2) == 0 && !strstr(pkce_dpop_key_jwk(key), "\"d\""));
        char *pem = NULL;
        CHECK_STATUS(pkce_dpop_key_pem(key, &pem), PKCE_OK);
        CHECK(strncmp(pem, "-----BEGIN PRIVATE KEY-----", 27) == 0);
        CHECK_STATUS(pkce_dpop_key_from_pem(pem, strlen(pem), &again), PKCE_OK);
        CHECK_STR(pkce_dpop_key_thumbprint(again), pkce_dpop_key_thumbprint(key));
        pkce_string_free(pem);
        pkce_dpop_key_free(again);
        pkce_dpop_key_free(key);
    }
    pkce_dpop_key *key = NULL;
    CHECK_STATUS(pkce_dpop_key_new(PKCE_DPOP_AUTO, &key), PKCE_OK);
    CHECK(pkce_dpop_key_alg(key) == PKCE_DPOP_ES256);
    CHECK_STATUS(pkce_dpop_key_new((pkce_dpop_alg)9, &key), PKCE_ERR_INVALID_ARGUMENT);
    const char *garbage = "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n";
    pkce_dpop_key *none = NULL;
    CHECK_STATUS(pkce_dpop_key_from_pem(garbage, strlen(garbage), &none), PKCE_ERR_DPOP_KEY);
    CHECK(none == NULL);
    CHECK_STATUS(pkce_dpop_key_from_pem(NULL, 0, &none), PKCE_ERR_INVALID_ARGUMENT);
    char *nonce = NULL, *proof = NULL;
    CHECK_STATUS(pkce_dpop_key_nonce(key, "https://as.example/token", &nonce), PKCE_ERR_NOT_FOUND);
    CHECK_STATUS(pkce_dpop_key_set_nonce(key, "https://as.example/token", "bad nonce"), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_dpop_key_set_nonce(key, "https://as.example/token", "n-1"), PKCE_OK);
    CHECK_STATUS(pkce_dpop_key_nonce(key, "https://AS.example/par", &nonce), PKCE_OK);
    CHECK_STR(nonce, "n-1");
    pkce_string_free(nonce);
    CHECK_STATUS(pkce_dpop_proof(key, "POST", "https://as.example/token?a=b", NULL, &proof), PKCE_OK);
    CHECK(proof && strchr(proof, '.') && !strchr(proof, '=') && !strchr(proof, '+') && !strchr(proof, '/'));
    pkce_string_free(proof);
    CHECK_STATUS(pkce_dpop_proof(key, NULL, "https://as.example/token", NULL, &proof), PKCE_ERR_INVALID_ARGUMENT);
    pkce_dpop_key_free(key);
    pkce_dpop_key_free(NULL);
}

/* Exchange and refresh, each answer a new nonce: the first request learns
 * one (a use_dpop_nonce and one retry), the later ones send the latest. */
static void test_bound_tokens_with_rotating_nonces(void) {
    mode("{\"nonce\":\"rotate\"}");
    pkce_client *client = dpop_client(PKCE_DPOP_AUTO);
    pkce_dpop_key *key = NULL;
    CHECK_STATUS(pkce_client_dpop_key(client, &key), PKCE_OK);
    CHECK(pkce_dpop_key_alg(key) == PKCE_DPOP_ES256);
    pkce_token *token = exchanged(client, PKCE_OK);
    CHECK(token && pkce_token_is_dpop_bound(token));
    CHECK_STR(pkce_token_token_type(token), "DPoP");
    pkce_dpop_key *token_key = NULL;
    CHECK_STATUS(pkce_token_dpop_key(token, &token_key), PKCE_OK);
    CHECK_STR(pkce_dpop_key_thumbprint(token_key), pkce_dpop_key_thumbprint(key));
    char *bound = server_binding(pkce_token_access_token(token));
    CHECK_STR(bound, pkce_dpop_key_thumbprint(key));
    free(bound);
    CHECK(seen("/token", "use_dpop_nonce") == 1 && seen("/token", "ok") == 1);
    pkce_token *refreshed = NULL;
    CHECK_STATUS(pkce_client_refresh(client, pkce_token_refresh_token(token), NULL, &refreshed, NULL), PKCE_OK);
    CHECK(refreshed && pkce_token_is_dpop_bound(refreshed));
    CHECK(seen("/token", "use_dpop_nonce") == 1 && seen("/token", "ok") == 2);  /* the nonce of the last answer */
    /* UserInfo with the bound token: Authorization: DPoP and a proof with ath. */
    char *json = NULL;
    CHECK_STATUS(pkce_client_userinfo(client, pkce_token_access_token(refreshed), NULL, &json, NULL, NULL), PKCE_OK);
    CHECK(json && strstr(json, "\"sub\""));
    pkce_string_free(json);
    CHECK(seen("/userinfo", "ok") == 1);
    /* Revocation with a proof. */
    CHECK_STATUS(pkce_client_revoke(client, pkce_token_refresh_token(refreshed), "refresh_token", NULL), PKCE_OK);
    CHECK(seen("/revoke", "ok") == 1);
    pkce_token_free(refreshed);
    pkce_token_free(token);
    pkce_dpop_key_free(token_key);
    pkce_dpop_key_free(key);
    pkce_client_free(client);
}

/* A refresh token bound to one key is refused with another. */
static void test_wrong_key(void) {
    mode("{}");
    pkce_client *client = dpop_client(PKCE_DPOP_EDDSA);
    pkce_token *token = exchanged(client, PKCE_OK);
    pkce_dpop_key *other = NULL;
    CHECK_STATUS(pkce_dpop_key_new(PKCE_DPOP_EDDSA, &other), PKCE_OK);
    CHECK_STATUS(pkce_client_set_dpop_key(client, other), PKCE_OK);
    pkce_dpop_key_free(other);  /* the client holds its own reference */
    pkce_token *refreshed = NULL;
    pkce_error *error = NULL;
    CHECK_STATUS(pkce_client_refresh(client, pkce_token_refresh_token(token), NULL, &refreshed, &error), PKCE_ERR_OAUTH);
    CHECK_STR(pkce_error_oauth_error(error), "invalid_grant");
    pkce_error_free(error);
    CHECK(seen("/token", "bound to another key") == 1);
    /* Without DPoP at all, a bound refresh token goes nowhere either. */
    CHECK_STATUS(pkce_client_set_dpop_key(client, NULL), PKCE_OK);
    CHECK_STATUS(pkce_client_refresh(client, pkce_token_refresh_token(token), NULL, &refreshed, NULL), PKCE_ERR_OAUTH);
    pkce_dpop_key *none = NULL;
    CHECK_STATUS(pkce_client_dpop_key(client, &none), PKCE_ERR_NOT_FOUND);
    pkce_token_free(token);
    pkce_client_free(client);
}

/* A server that asks for a new nonce on every try: one retry, then PKCE_ERR_DPOP_NONCE. */
static void test_endless_nonces(void) {
    pkce_client *client = dpop_client(PKCE_DPOP_AUTO);
    mode("{\"nonce\":\"endless\"}");
    pkce_token *token = exchanged(client, PKCE_ERR_DPOP_NONCE);
    CHECK(token == NULL);
    CHECK(seen("/token", "use_dpop_nonce") == 2 && seen("/token", "ok") == 0);
    pkce_client_free(client);
}

static void test_downgrade(void) {
    pkce_client *client = dpop_client(PKCE_DPOP_AUTO);
    mode("{\"downgrade\":true}");
    pkce_token *token = exchanged(client, PKCE_OK);
    CHECK(token && !pkce_token_is_dpop_bound(token));
    CHECK_STR(pkce_token_token_type(token), "Bearer");
    pkce_token_free(token);
    CHECK_STATUS(pkce_client_set_dpop_flags(client, PKCE_DPOP_REQUIRE_BOUND), PKCE_OK);
    token = exchanged(client, PKCE_ERR_DPOP_NOT_BOUND);
    CHECK(token == NULL);
    CHECK_STATUS(pkce_client_set_dpop_flags(client, 4), PKCE_ERR_INVALID_ARGUMENT);
    pkce_client_free(client);
}

struct answer {
    long status;
    struct test_body body;
    char nonce[2048], challenge[2048];
};

static size_t header_line(char *data, size_t size, size_t n, void *user) {
    struct answer *a = user;
    size_t length = size * n;
    char line[2048];
    snprintf(line, sizeof line, "%.*s", (int)(length < sizeof line - 1 ? length : sizeof line - 1), data);
    line[strcspn(line, "\r\n")] = '\0';
    if (strncasecmp(line, "DPoP-Nonce: ", 12) == 0) snprintf(a->nonce, sizeof a->nonce, "%s", line + 12);
    if (strncasecmp(line, "WWW-Authenticate: ", 18) == 0) snprintf(a->challenge, sizeof a->challenge, "%s", line + 18);
    return length;
}

/* Sends a request the library built, as an application's own HTTP stack
 * would; with proof, that DPoP header instead of the request's own. */
static void send_request(const pkce_http_request *request, const char *proof, struct answer *a) {
    memset(a, 0, sizeof *a);
    CURL *h = curl_easy_init();
    struct curl_slist *headers = NULL;
    for (size_t i = 0; i < pkce_http_request_header_count(request); i++) {
        const char *name, *value;
        pkce_http_request_header(request, i, &name, &value);
        char line[8192];
        snprintf(line, sizeof line, "%s: %s", name, proof && strcmp(name, "DPoP") == 0 ? proof : value);
        headers = curl_slist_append(headers, line);
    }
    size_t length = 0;
    const char *body = pkce_http_request_body(request, &length);
    curl_easy_setopt(h, CURLOPT_URL, pkce_http_request_url(request));
    curl_easy_setopt(h, CURLOPT_CAINFO, ca);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)length);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, test_body_append);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &a->body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_line);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, a);
    CHECK(curl_easy_perform(h) == CURLE_OK);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a->status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
}

/* dpop_jkt binds the code: it is exchanged with that key only. */
static void test_dpop_jkt(void) {
    mode("{}");
    pkce_client *client = dpop_client(PKCE_DPOP_AUTO);
    CHECK_STATUS(pkce_client_set_dpop_flags(client, PKCE_DPOP_SEND_JKT), PKCE_OK);
    pkce_attempt *attempt = NULL;
    char *url = NULL;
    CHECK_STATUS(pkce_attempt_new(client, &attempt), PKCE_OK);
    CHECK_STATUS(pkce_attempt_authorization_url(attempt, &url), PKCE_OK);
    pkce_dpop_key *key = NULL;
    CHECK_STATUS(pkce_client_dpop_key(client, &key), PKCE_OK);
    char expected[128];
    snprintf(expected, sizeof expected, "&dpop_jkt=%s", pkce_dpop_key_thumbprint(key));
    CHECK(strstr(url, expected) != NULL);
    char *callback = browse(url);
    CHECK_STATUS(pkce_attempt_handle_callback(attempt, callback, NULL), PKCE_OK);
    free(callback);
    pkce_string_free(url);
    /* The code and verifier in other hands, with another key: refused. */
    pkce_dpop_key *other = NULL;
    CHECK_STATUS(pkce_dpop_key_new(PKCE_DPOP_ES256, &other), PKCE_OK);
    pkce_http_request *request = NULL;
    char *proof = NULL;
    CHECK_STATUS(pkce_attempt_token_request(attempt, &request), PKCE_OK);
    CHECK_STATUS(pkce_dpop_proof(other, "POST", pkce_http_request_url(request), NULL, &proof), PKCE_OK);
    struct answer a;
    send_request(request, proof, &a);
    CHECK(a.status == 400 && a.body.data && strstr(a.body.data, "invalid_grant"));
    CHECK(seen("/token", "bound to another key") == 1);
    free(a.body.data);
    pkce_string_free(proof);
    pkce_http_request_free(request);
    pkce_token *token = NULL;
    CHECK_STATUS(pkce_client_exchange(client, attempt, &token, NULL), PKCE_OK);  /* with its own key */
    CHECK(token && pkce_token_is_dpop_bound(token));
    pkce_token_free(token);
    pkce_attempt_free(attempt);
    pkce_dpop_key_free(other);
    pkce_dpop_key_free(key);
    pkce_client_free(client);
}

/* The AT Protocol's profile: PAR required, DPoP required with nonces that
 * change on every answer, and a refresh refused for its nonce spends the
 * refresh token. The store keeps key and nonce; a new process (a new
 * client without DPoP, a new store handle) refreshes at the first try. */
static void test_restart_with_stored_key_and_nonce(void) {
    mode("{\"nonce\":\"rotate\",\"require\":true,\"par_required\":true,\"burn_on_nonce\":true}");
    char path[] = "/tmp/libpkce-dpop-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    unlink(path);
    pkce_client *client = dpop_client(PKCE_DPOP_AUTO);
    pkce_attempt *attempt = NULL;
    char *url = NULL;
    CHECK_STATUS(pkce_attempt_new(client, &attempt), PKCE_OK);
    CHECK_STATUS(pkce_client_push(client, attempt, NULL), PKCE_OK);
    CHECK_STATUS(pkce_attempt_authorization_url(attempt, &url), PKCE_OK);
    CHECK(strstr(url, "request_uri=") && !strstr(url, "code_challenge"));
    char *step = browse(url);  /* the server resolves the request_uri with a redirect of its own */
    CHECK(step && strncmp(step, issuer, strlen(issuer)) == 0 && strstr(step, "/authorize?"));
    char *callback = step ? browse(step) : NULL;
    free(step);
    CHECK_STATUS(pkce_attempt_handle_callback(attempt, callback, NULL), PKCE_OK);
    free(callback);
    pkce_string_free(url);
    pkce_token *token = NULL;
    CHECK_STATUS(pkce_client_exchange(client, attempt, &token, NULL), PKCE_OK);
    pkce_attempt_free(attempt);
    CHECK(seen("/par", "use_dpop_nonce") == 1 && seen("/par", "ok") == 1 && seen("/token", "ok") == 1);
    pkce_token_store *store = NULL;
    pkce_token_source *source = NULL;
    CHECK_STATUS(pkce_token_store_open_file(path, &store), PKCE_OK);
    CHECK_STATUS(pkce_token_source_new(client, token, store, NULL, &source, NULL), PKCE_OK);
    pkce_token_source_free(source);
    pkce_token_store_free(store);
    char *old_access = strdup(pkce_token_access_token(token));
    pkce_token_free(token);
    pkce_client_free(client);

    pkce_client *later = new_client();
    CHECK_STATUS(pkce_client_discover(later, issuer, NULL), PKCE_OK);
    CHECK_STATUS(pkce_token_store_open_file(path, &store), PKCE_OK);
    pkce_token *stored = NULL;
    CHECK_STATUS(pkce_token_store_token(store, 0, &stored, NULL), PKCE_OK);
    pkce_dpop_key *stored_key = NULL;
    CHECK_STATUS(pkce_token_dpop_key(stored, &stored_key), PKCE_OK);
    char *bound = server_binding(old_access);
    CHECK_STR(bound, pkce_dpop_key_thumbprint(stored_key));
    free(bound);
    CHECK_STATUS(pkce_token_source_new(later, NULL, store, "", &source, NULL), PKCE_OK);
    CHECK_STATUS(pkce_token_source_set_time(source, 4102444800), PKCE_OK);  /* 2100: a refresh is due */
    char access[4096];
    pkce_error *error = NULL;
    CHECK_STATUS(pkce_token_source_access_token(source, access, sizeof access, NULL, &error), PKCE_OK);
    if (error) fprintf(stderr, "refresh after restart: %s\n", pkce_error_message(error));
    pkce_error_free(error);
    CHECK(strcmp(access, old_access) != 0);
    CHECK(seen("/token", "use_dpop_nonce") == 0 && seen("/token", "ok") == 2);
    /* The header pair for the DPoP-protected resource, from the source. */
    char resource[512], *authorization = NULL, *proof = NULL;
    snprintf(resource, sizeof resource, "%s/api/dpop", issuer);
    CHECK_STATUS(pkce_token_source_set_time(source, 0), PKCE_OK);
    CHECK_STATUS(pkce_token_source_dpop_headers(source, "GET", resource, NULL, &authorization, &proof, NULL), PKCE_OK);
    CHECK(authorization && strncmp(authorization, "DPoP ", 5) == 0 && strcmp(authorization + 5, access) == 0);
    char *body = NULL;
    CHECK(present(resource, authorization, proof, &body) == 200);
    CHECK(body && strstr(body, pkce_dpop_key_thumbprint(stored_key)));
    free(body);
    CHECK(present(resource, authorization, proof, NULL) == 401);  /* the same proof again: a replay */
    CHECK(seen("/api/dpop", "invalid_dpop_proof: jti replayed") == 1);
    pkce_string_free(authorization);
    pkce_string_free(proof);
    /* A proof for another URL is refused. */
    char other[512];
    snprintf(other, sizeof other, "%s/userinfo", issuer);
    CHECK_STATUS(pkce_token_source_dpop_headers(source, "GET", other, NULL, &authorization, &proof, NULL), PKCE_OK);
    CHECK(present(resource, authorization, proof, NULL) == 401);
    CHECK(seen("/api/dpop", "invalid_dpop_proof: htm or htu") == 1);
    pkce_string_free(authorization);
    pkce_string_free(proof);
    pkce_http_response *answer = NULL;
    CHECK_STATUS(pkce_token_source_fetch(source, "GET", resource, NULL, 0, NULL, 0, &answer, NULL), PKCE_OK);
    CHECK(answer && pkce_http_response_status(answer) == 200);  /* fetch presents the bound token with its proof */
    pkce_http_response_free(answer);
    pkce_token_source_free(source);
    pkce_dpop_key_free(stored_key);
    pkce_token_free(stored);
    pkce_token_store_free(store);
    pkce_client_free(later);
    free(old_access);
    remove_store_file(path);
}

/* Sans-I/O: the request carries the proof; the caller's answer decides the one resend. */
static void test_sans_io(void) {
    mode("{\"nonce\":\"rotate\"}");
    pkce_client *client = dpop_client(PKCE_DPOP_ES256);
    pkce_attempt *attempt = signed_in_attempt(client, NULL);
    pkce_http_request *request = NULL;
    CHECK_STATUS(pkce_attempt_token_request(attempt, &request), PKCE_OK);
    const char *name = NULL, *value = NULL;
    size_t last = pkce_http_request_header_count(request) - 1;
    CHECK_STATUS(pkce_http_request_header(request, last, &name, &value), PKCE_OK);
    CHECK_STR(name, "DPoP");
    struct answer a;
    int again = -1, rounds = 0;
    do {
        send_request(request, NULL, &a);
        CHECK_STATUS(pkce_http_request_dpop_answer(request, (int)a.status, a.body.data, a.body.length,
                                                   *a.nonce ? a.nonce : NULL, *a.challenge ? a.challenge : NULL, &again, NULL),
                     PKCE_OK);
        if (again) free(a.body.data);
        rounds++;
    } while (again && rounds < 5);
    CHECK(rounds == 2 && a.status == 200);
    pkce_token *token = NULL;
    CHECK_STATUS(pkce_token_parse((int)a.status, a.body.data, a.body.length, &token, NULL), PKCE_OK);
    CHECK(token && pkce_token_is_dpop_bound(token));
    free(a.body.data);
    /* A second request for a nonce right after a resend is an error, never a third try. */
    const char *asked = "{\"error\":\"use_dpop_nonce\"}";
    pkce_error *error = NULL;
    CHECK_STATUS(pkce_http_request_dpop_answer(request, 400, asked, strlen(asked), "n2", NULL, &again, &error), PKCE_ERR_DPOP_NONCE);
    CHECK(error && strstr(pkce_error_message(error), "not sent a third time"));
    pkce_error_free(error);
    CHECK_STATUS(pkce_http_request_dpop_answer(request, 200, NULL, 5, NULL, NULL, &again, NULL), PKCE_ERR_INVALID_ARGUMENT);
    pkce_http_request_free(request);
    pkce_token_free(token);
    pkce_attempt_free(attempt);
    pkce_client_free(client);
}

int main(void) {
    if (!server_env()) return 2;
    test_keys();
    test_bound_tokens_with_rotating_nonces();
    test_wrong_key();
    test_endless_nonces();
    test_downgrade();
    test_dpop_jkt();
    test_restart_with_stored_key_and_nonce();
    test_sans_io();
    mode("{}");
    return check_summary();
}
