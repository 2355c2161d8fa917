/* The HTTPS client against a real authorization server: Tests/server/serve.py
 * (Authlib, PKCE required) on 127.0.0.1, started by Tests/server/with-server.sh,
 * which exports PKCE_TEST_PORT, PKCE_TEST_WRONG_HOST_PORT, PKCE_TEST_ISSUER
 * and PKCE_TEST_CA. libcurl is used directly only to play the browser. */
#define _POSIX_C_SOURCE 200809L
#include "test_server.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static char *url_for(const char *path) {
    char *url = malloc(256);
    snprintf(url, 256, "%s%s", issuer, path);
    return url;
}

static void test_happy_path_and_reuse(void) {
    pkce_client *client = new_client();
    pkce_error *err = NULL;
    CHECK_STATUS(pkce_client_discover(client, issuer, &err), PKCE_OK);
    if (err) { fprintf(stderr, "  %s\n", pkce_error_message(err)); pkce_error_free(err); err = NULL; }
    pkce_client_set_scope(client, "profile");
    pkce_attempt *attempt = signed_in_attempt(client, NULL);
    pkce_token *token = NULL;
    CHECK_STATUS(pkce_client_exchange(client, attempt, &token, &err), PKCE_OK);
    if (err) { fprintf(stderr, "  %s\n", pkce_error_message(err)); pkce_error_free(err); err = NULL; }
    CHECK(token && pkce_token_access_token(token) && strlen(pkce_token_access_token(token)) > 10);
    CHECK_STR(pkce_token_token_type(token), "Bearer");
    CHECK(token && pkce_token_refresh_token(token) != NULL);
    CHECK_STR(pkce_token_scope(token), "profile");
    int64_t expires = 0;
    CHECK_STATUS(pkce_token_expires_in(token, &expires), PKCE_OK);
    CHECK(expires > 0);

    /* the same code a second time: Authlib deleted it */
    pkce_token *again = NULL;
    CHECK_STATUS(pkce_client_exchange(client, attempt, &again, &err), PKCE_ERR_OAUTH);
    CHECK_STR(pkce_error_oauth_error(err), "invalid_grant");
    CHECK(pkce_error_http_status(err) == 400);
    CHECK(again == NULL);
    pkce_error_free(err); err = NULL;

    /* refresh: a new token; the old refresh token is then spent */
    const char *refresh_token = pkce_token_refresh_token(token);
    pkce_token *refreshed = NULL;
    CHECK_STATUS(pkce_client_refresh(client, refresh_token, NULL, &refreshed, &err), PKCE_OK);
    CHECK(refreshed && strcmp(pkce_token_access_token(refreshed), pkce_token_access_token(token)) != 0);
    CHECK_STATUS(pkce_client_refresh(client, refresh_token, NULL, &again, &err), PKCE_ERR_OAUTH);
    CHECK_STR(pkce_error_oauth_error(err), "invalid_grant");
    pkce_error_free(err); err = NULL;

    /* revocation: the access token, then the new refresh token, which stops working */
    CHECK_STATUS(pkce_client_revoke(client, pkce_token_access_token(refreshed), "access_token", &err), PKCE_OK);
    CHECK_STATUS(pkce_client_revoke(client, pkce_token_refresh_token(refreshed), NULL, &err), PKCE_OK);
    CHECK_STATUS(pkce_client_refresh(client, pkce_token_refresh_token(refreshed), NULL, &again, &err), PKCE_ERR_OAUTH);
    pkce_error_free(err); err = NULL;
    /* RFC 7009 2.2: an unknown token is not an error */
    CHECK_STATUS(pkce_client_revoke(client, "no-such-token", NULL, &err), PKCE_OK);
    CHECK_STATUS(pkce_client_revoke(client, NULL, NULL, &err), PKCE_ERR_INVALID_ARGUMENT);
    pkce_error_free(err); err = NULL;

    pkce_token_free(refreshed);
    pkce_token_free(token);
    pkce_attempt_free(attempt);
    pkce_client_free(client);
}

static void test_wrong_verifier_state_and_issuer(void) {
    pkce_client *client = new_client();
    CHECK_STATUS(pkce_client_discover(client, issuer, NULL), PKCE_OK);
    char *callback = NULL;
    pkce_attempt *real = signed_in_attempt(client, &callback);

    /* the callback is checked: a changed state, a changed iss */
    char *forged = strdup(callback);
    char *st = strstr(forged, "state=");
    CHECK(st != NULL);
    if (st) st[6] = st[6] == 'A' ? 'B' : 'A';
    CHECK_STATUS(pkce_attempt_handle_callback(real, forged, NULL), PKCE_ERR_STATE_MISMATCH);
    free(forged);
    size_t n = strlen(callback) + 64;
    forged = malloc(n);
    snprintf(forged, n, "%.*s", (int)(strstr(callback, "&iss=") - callback), callback);
    strcat(forged, "&iss=https%3A%2F%2Fimpostor.example");
    CHECK_STATUS(pkce_attempt_handle_callback(real, forged, NULL), PKCE_ERR_ISSUER_MISMATCH);
    free(forged);

    /* the right code and state but another verifier: Authlib's PKCE check refuses it */
    char other[44];
    pkce_verifier_generate(43, other, sizeof other);
    pkce_attempt *thief = NULL;
    CHECK_STATUS(pkce_attempt_restore(client, other, pkce_attempt_state(real), NULL, &thief), PKCE_OK);
    CHECK_STATUS(pkce_attempt_handle_callback(thief, callback, NULL), PKCE_OK);
    pkce_token *token = NULL;
    pkce_error *err = NULL;
    CHECK_STATUS(pkce_client_exchange(client, thief, &token, &err), PKCE_ERR_OAUTH);
    CHECK_STR(pkce_error_oauth_error(err), "invalid_grant");
    CHECK(err && pkce_error_message(err) && !strstr(pkce_error_message(err), other));
    pkce_error_free(err);
    pkce_attempt_free(thief);
    free(callback);
    pkce_attempt_free(real);
    pkce_client_free(client);
}

/* Exchanges a code-less request at `path` on `base_port` and returns the status. */
static pkce_status token_at(pkce_client *client, const char *url, pkce_error **err) {
    pkce_attempt *attempt = NULL;
    pkce_token *token = NULL;
    CHECK_STATUS(pkce_client_set_token_endpoint(client, url), PKCE_OK);
    pkce_attempt_restore(client, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "s", NULL, &attempt);
    pkce_attempt_handle_callback(attempt, "?state=s&code=c", NULL);
    pkce_status st = pkce_client_exchange(client, attempt, &token, err);
    CHECK(st == PKCE_OK || token == NULL);
    pkce_token_free(token);
    pkce_attempt_free(attempt);
    return st;
}

static int closed_port(void) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0 };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    bind(s, (struct sockaddr *)&a, sizeof a);
    getsockname(s, (struct sockaddr *)&a, &len);
    close(s);
    return ntohs(a.sin_port);
}

static void test_transport_failures(void) {
    pkce_client *client = new_client();
    pkce_error *err = NULL;
    char url[256];

    snprintf(url, sizeof url, "https://127.0.0.1:%d/misbehave/redirect", port);
    CHECK_STATUS(token_at(client, url, &err), PKCE_ERR_REDIRECT);
    CHECK(err && pkce_error_http_status(err) == 302);
    pkce_error_free(err); err = NULL;

    snprintf(url, sizeof url, "https://127.0.0.1:%d/misbehave/huge", port);
    CHECK_STATUS(token_at(client, url, NULL), PKCE_ERR_RESPONSE_TOO_LARGE);

    snprintf(url, sizeof url, "https://127.0.0.1:%d/misbehave/huge-chunked", port);
    CHECK_STATUS(token_at(client, url, NULL), PKCE_ERR_RESPONSE_TOO_LARGE);

    snprintf(url, sizeof url, "https://127.0.0.1:%d/misbehave/html500", port);
    CHECK_STATUS(token_at(client, url, &err), PKCE_ERR_HTTP_STATUS);
    CHECK(err && pkce_error_http_status(err) == 500);
    pkce_error_free(err); err = NULL;

    snprintf(url, sizeof url, "https://127.0.0.1:%d/misbehave/error200", port);
    CHECK_STATUS(token_at(client, url, &err), PKCE_ERR_OAUTH);
    CHECK_STR(pkce_error_oauth_error(err), "invalid_request");
    CHECK(err && pkce_error_http_status(err) == 200);
    pkce_error_free(err); err = NULL;

    /* the server never answers in time: the total timeout ends it */
    CHECK_STATUS(pkce_client_set_timeouts(client, 1000, 500), PKCE_OK);
    snprintf(url, sizeof url, "https://127.0.0.1:%d/misbehave/slow", port);
    CHECK_STATUS(token_at(client, url, &err), PKCE_ERR_TIMEOUT);
    CHECK(err && strstr(pkce_error_message(err), "timed out") != NULL);
    pkce_error_free(err); err = NULL;
    CHECK_STATUS(pkce_client_set_timeouts(client, 0, 500), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_set_timeouts(client, 10000, 30000), PKCE_OK);

    /* nobody listens */
    snprintf(url, sizeof url, "https://127.0.0.1:%d/token", closed_port());
    CHECK_STATUS(token_at(client, url, NULL), PKCE_ERR_CONNECT);

    /* a certificate for another name */
    snprintf(url, sizeof url, "https://127.0.0.1:%d/token", wrong_host_port);
    CHECK_STATUS(token_at(client, url, &err), PKCE_ERR_TLS);
    pkce_error_free(err); err = NULL;

    /* the test CA not given: the system's CAs do not trust it */
    CHECK_STATUS(pkce_client_set_ca_file(client, NULL), PKCE_OK);
    snprintf(url, sizeof url, "https://127.0.0.1:%d/token", port);
    CHECK_STATUS(token_at(client, url, NULL), PKCE_ERR_TLS);
    CHECK_STATUS(pkce_client_set_ca_file(client, "/nonexistent/ca.pem"), PKCE_OK);
    CHECK_STATUS(token_at(client, url, NULL), PKCE_ERR_TLS);

    /* plain http: refused unless allowed, and only then tried */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/token", closed_port());
    CHECK_STATUS(token_at(client, url, NULL), PKCE_ERR_URL_INSECURE);
    CHECK_STATUS(pkce_client_allow_loopback_http(client, 1), PKCE_OK);
    CHECK_STATUS(token_at(client, url, NULL), PKCE_ERR_CONNECT);

    CHECK_STATUS(pkce_client_set_ca_file(NULL, ca), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_set_ca_path(client, "/etc/ssl/certs"), PKCE_OK);
    CHECK_STATUS(pkce_client_allow_loopback_http(NULL, 1), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_exchange(client, NULL, NULL, NULL), PKCE_ERR_INVALID_ARGUMENT);
    pkce_client_free(client);
}

static void test_user_agent_keep_alive_and_malformed(void) {
    pkce_client *client = new_client();
    char url[256];
    snprintf(url, sizeof url, "https://127.0.0.1:%d/misbehave/garbage", port);
    CHECK_STATUS(token_at(client, url, NULL), PKCE_ERR_RESPONSE_MALFORMED);

    snprintf(url, sizeof url, "https://127.0.0.1:%d/echo/user-agent", port);
    pkce_client_set_token_endpoint(client, url);
    pkce_attempt *attempt = NULL;
    pkce_attempt_restore(client, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "s", NULL, &attempt);
    pkce_attempt_handle_callback(attempt, "?state=s&code=c", NULL);
    pkce_token *token = NULL, *again = NULL;
    CHECK_STATUS(pkce_client_exchange(client, attempt, &token, NULL), PKCE_OK);
    char *agent = NULL;
    CHECK_STATUS(pkce_token_member_string(token, "user_agent", &agent), PKCE_OK);
    CHECK_STR(agent, "libpkce/" PKCE_VERSION_STRING);
    pkce_string_free(agent);
    /* one Content-Type line (libcurl writes the form's itself) and one Accept */
    char *content_type = NULL, *accept = NULL;
    CHECK_STATUS(pkce_token_member_string(token, "content_type", &content_type), PKCE_OK);
    CHECK_STR(content_type, "application/x-www-form-urlencoded");
    CHECK_STATUS(pkce_token_member_string(token, "accept", &accept), PKCE_OK);
    CHECK_STR(accept, "application/json");
    pkce_string_free(content_type);
    pkce_string_free(accept);
    pkce_token_free(token);
    token = NULL;

    /* a User-Agent the caller adds replaces the library's: one line, the caller's */
    pkce_http_request *request = NULL;
    CHECK_STATUS(pkce_attempt_token_request(attempt, &request), PKCE_OK);
    CHECK_STATUS(pkce_http_request_add_header(request, "user-agent", "their-app/2.1"), PKCE_OK);
    char *body = NULL;
    int status = 0;
    CHECK_STATUS(pkce_client_send(client, request, &status, &body, NULL, NULL), PKCE_OK);
    CHECK(status == 200 && body && strstr(body, "\"user_agent\":\"their-app/2.1\"") != NULL);
    pkce_string_free(body);
    pkce_http_request_free(request);
    /* and the next request without one has the library's again */
    CHECK_STATUS(pkce_client_exchange(client, attempt, &token, NULL), PKCE_OK);
    CHECK_STATUS(pkce_token_member_string(token, "user_agent", &agent), PKCE_OK);
    CHECK_STR(agent, "libpkce/" PKCE_VERSION_STRING);
    pkce_string_free(agent);
    pkce_token_free(token);
    token = NULL;

    /* keep-alive: a second exchange arrives over the same connection (same client port) */
    snprintf(url, sizeof url, "https://127.0.0.1:%d/token", keep_alive_port);
    pkce_client_set_token_endpoint(client, url);
    pkce_attempt_free(attempt);  /* an attempt keeps the configuration it was made with */
    pkce_attempt_restore(client, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "s", NULL, &attempt);
    pkce_attempt_handle_callback(attempt, "?state=s&code=c", NULL);
    CHECK_STATUS(pkce_client_exchange(client, attempt, &token, NULL), PKCE_OK);
    CHECK_STATUS(pkce_client_exchange(client, attempt, &again, NULL), PKCE_OK);
    char *first_port = NULL, *second_port = NULL;
    CHECK_STATUS(pkce_token_member_json(token, "client_port", &first_port), PKCE_OK);
    CHECK_STATUS(pkce_token_member_json(again, "client_port", &second_port), PKCE_OK);
    CHECK(first_port && second_port && strcmp(first_port, "null") != 0);
    CHECK_STR(second_port, first_port);
    pkce_string_free(first_port);
    pkce_string_free(second_port);
    pkce_token_free(again);
    pkce_token_free(token);
    pkce_attempt_free(attempt);
    pkce_client_free(client);
}

static void test_discovery(void) {
    pkce_client *client = new_client();
    pkce_error *err = NULL;
    char buf[256];
    /* OpenID Connect's path, after RFC 8414's answers 404 */
    snprintf(buf, sizeof buf, "%s/oidc", issuer);
    CHECK_STATUS(pkce_client_discover(client, buf, &err), PKCE_OK);
    pkce_attempt *attempt = NULL;
    char *url = NULL;
    pkce_attempt_new(client, &attempt);
    CHECK_STATUS(pkce_attempt_authorization_url(attempt, &url), PKCE_OK);
    snprintf(buf, sizeof buf, "%s/authorize?", issuer);
    CHECK(url && strncmp(url, buf, strlen(buf)) == 0);
    pkce_string_free(url);
    pkce_attempt_free(attempt);

    /* userinfo_endpoint and jwks_uri only in the OpenID document (django-oauth-toolkit):
     * read too when the scope asks for OpenID Connect, not otherwise. */
    pkce_client *split = new_client();
    snprintf(buf, sizeof buf, "%s/split", issuer);
    CHECK_STATUS(pkce_client_discover(split, buf, NULL), PKCE_OK);
    CHECK_STATUS(pkce_client_endpoint(split, PKCE_ENDPOINT_USERINFO, &url), PKCE_ERR_NOT_FOUND);
    CHECK_STATUS(pkce_client_set_scope(split, "openid email"), PKCE_OK);
    CHECK_STATUS(pkce_client_discover(split, buf, NULL), PKCE_OK);
    CHECK_STATUS(pkce_client_endpoint(split, PKCE_ENDPOINT_USERINFO, &url), PKCE_OK);
    snprintf(buf, sizeof buf, "%s/userinfo", issuer);
    CHECK_STR(url, buf);
    pkce_string_free(url);
    CHECK_STATUS(pkce_client_endpoint(split, PKCE_ENDPOINT_JWKS, &url), PKCE_OK);
    pkce_string_free(url);
    url = NULL;
    pkce_client_free(split);

    snprintf(buf, sizeof buf, "%s/plain-only", issuer);
    CHECK_STATUS(pkce_client_discover(client, buf, &err), PKCE_ERR_S256_UNSUPPORTED);
    pkce_error_free(err); err = NULL;
    snprintf(buf, sizeof buf, "%s/impostor", issuer);
    CHECK_STATUS(pkce_client_discover(client, buf, &err), PKCE_ERR_DISCOVERY);
    pkce_error_free(err); err = NULL;
    snprintf(buf, sizeof buf, "%s/nothing-here", issuer);
    CHECK_STATUS(pkce_client_discover(client, buf, &err), PKCE_ERR_DISCOVERY);
    CHECK(err && pkce_error_http_status(err) == 404);
    pkce_error_free(err); err = NULL;
    CHECK_STATUS(pkce_client_discover(client, "http://example.com", &err), PKCE_ERR_URL_INSECURE);
    pkce_error_free(err); err = NULL;

    /* sans-I/O: the two URLs, and metadata applied by hand */
    char *meta = NULL;
    CHECK_STATUS(pkce_client_metadata_url("https://as.example/tenant/", 0, &meta), PKCE_OK);
    CHECK_STR(meta, "https://as.example/.well-known/oauth-authorization-server/tenant");
    pkce_string_free(meta);
    CHECK_STATUS(pkce_client_metadata_url("https://as.example/tenant/", 1, &meta), PKCE_OK);
    CHECK_STR(meta, "https://as.example/tenant/.well-known/openid-configuration");
    pkce_string_free(meta);
    CHECK_STATUS(pkce_client_metadata_url("https://as.example", 0, &meta), PKCE_OK);
    CHECK_STR(meta, "https://as.example/.well-known/oauth-authorization-server");
    pkce_string_free(meta);
    CHECK_STATUS(pkce_client_metadata_url("https://as.example", 2, &meta), PKCE_ERR_NOT_FOUND);
    CHECK_STATUS(pkce_client_metadata_url("https://as.example/?x=1", 0, &meta), PKCE_ERR_URL_INVALID);
    const char *json = "{\"issuer\":\"https://as.example\",\"authorization_endpoint\":\"https://as.example/a\","
                       "\"token_endpoint\":\"https://as.example/t\"}";
    CHECK_STATUS(pkce_client_apply_metadata(client, "https://as.example", json, strlen(json), NULL), PKCE_OK);
    CHECK_STATUS(pkce_client_apply_metadata(client, "https://other.example", json, strlen(json), NULL), PKCE_ERR_DISCOVERY);
    const char *no_token = "{\"issuer\":\"https://as.example\",\"authorization_endpoint\":\"https://as.example/a\"}";
    CHECK_STATUS(pkce_client_apply_metadata(client, "https://as.example", no_token, strlen(no_token), NULL), PKCE_ERR_DISCOVERY);
    const char *insecure = "{\"issuer\":\"https://as.example\",\"authorization_endpoint\":\"https://as.example/a\","
                           "\"token_endpoint\":\"http://as.example/t\"}";
    CHECK_STATUS(pkce_client_apply_metadata(client, "https://as.example", insecure, strlen(insecure), NULL), PKCE_ERR_URL_INSECURE);
    CHECK_STATUS(pkce_client_apply_metadata(client, "https://as.example", "{", 1, NULL), PKCE_ERR_RESPONSE_MALFORMED);
    pkce_client_free(client);
}

static void test_send_and_workos(void) {
    pkce_client *client = new_client();
    pkce_error *err = NULL;
    CHECK_STATUS(pkce_client_use_workos(client, issuer), PKCE_OK);
    pkce_attempt *attempt = NULL;
    pkce_attempt_new(client, &attempt);
    pkce_attempt_add_parameter(attempt, "provider", "authkit");
    char *url = NULL;
    pkce_attempt_authorization_url(attempt, &url);
    char prefix[256];
    snprintf(prefix, sizeof prefix, "%s/user_management/authorize?response_type=code&client_id=" CLIENT_ID, issuer);
    CHECK(url && strncmp(url, prefix, strlen(prefix)) == 0);
    char *callback = browse(url);
    pkce_string_free(url);
    CHECK_STATUS(pkce_attempt_handle_callback(attempt, callback, NULL), PKCE_OK);
    free(callback);

    pkce_http_request *request = NULL;
    CHECK_STATUS(pkce_attempt_token_request(attempt, &request), PKCE_OK);
    const char *name, *value;
    pkce_http_request_header(request, 0, &name, &value);
    CHECK_STR(value, "application/json");
    pkce_http_request_free(request);

    pkce_token *token = NULL;
    CHECK_STATUS(pkce_client_exchange(client, attempt, &token, &err), PKCE_OK);
    if (err) { fprintf(stderr, "  %s\n", pkce_error_message(err)); pkce_error_free(err); err = NULL; }
    CHECK(token && strncmp(pkce_token_access_token(token), "wos_at_", 7) == 0);
    CHECK(token && pkce_token_token_type(token) == NULL);
    char *s = NULL;
    CHECK_STATUS(pkce_token_member_string(token, "organization_id", &s), PKCE_OK);
    CHECK_STR(s, "org_01TEST");
    pkce_string_free(s);
    CHECK_STATUS(pkce_token_member_json(token, "user", &s), PKCE_OK);
    CHECK(s && strstr(s, "\"user_01TEST\"") != NULL);
    pkce_string_free(s);
    pkce_token_free(token);
    pkce_attempt_free(attempt);

    /* WorkOS's 403 for one more step: the whole answer stays with the error,
     * with the request id from the header. */
    pkce_attempt_new(client, &attempt);
    pkce_attempt_add_parameter(attempt, "test_outcome", "organization_selection_required");
    pkce_attempt_authorization_url(attempt, &url);
    callback = browse(url);
    pkce_string_free(url);
    CHECK_STATUS(pkce_attempt_handle_callback(attempt, callback, NULL), PKCE_OK);
    free(callback);
    CHECK_STATUS(pkce_client_exchange(client, attempt, &token, &err), PKCE_ERR_OAUTH);
    CHECK(err && pkce_error_http_status(err) == 403);
    CHECK_STR(pkce_error_oauth_error(err), "organization_selection_required");
    CHECK_STR(pkce_error_description(err), "The user must choose an organization to finish their authentication.");
    CHECK(pkce_error_request_id(err) && strncmp(pkce_error_request_id(err), "req_", 4) == 0 &&
          strlen(pkce_error_request_id(err)) == 20);
    CHECK_STATUS(pkce_error_pointer_string(err, "/organizations/1/id", &s), PKCE_OK);
    CHECK_STR(s, "org_01B");
    pkce_string_free(s);
    CHECK_STATUS(pkce_error_pointer_string(err, "/pending_authentication_token", &s), PKCE_OK);
    CHECK(s && strncmp(s, "pat_", 4) == 0 && strstr(pkce_error_message(err), s) == NULL);
    pkce_string_free(s);
    pkce_error_free(err); err = NULL;
    pkce_attempt_free(attempt);

    /* pkce_client_send: any request the library built, status and body as they are */
    pkce_client *plain = new_client();
    char *revoke_url = url_for("/revoke");
    pkce_client_set_revocation_endpoint(plain, revoke_url);
    free(revoke_url);
    CHECK_STATUS(pkce_client_revocation_request(plain, "tok", "refresh_token", &request), PKCE_OK);
    CHECK_STR(pkce_http_request_body(request, NULL), "token=tok&token_type_hint=refresh_token&client_id=" CLIENT_ID);
    int status = 0;
    char *body = NULL;
    size_t length = 0;
    CHECK_STATUS(pkce_client_send(plain, request, &status, &body, &length, &err), PKCE_OK);
    CHECK(status == 200 && body != NULL && length == strlen(body));
    pkce_string_free(body);
    CHECK_STATUS(pkce_client_send(plain, request, NULL, &body, NULL, NULL), PKCE_ERR_INVALID_ARGUMENT);
    pkce_http_request_free(request);

    /* a body with a NUL in it comes back whole, with its length (and is freed whole) */
    char *nul_url = url_for("/misbehave/nul");
    pkce_client_set_revocation_endpoint(plain, nul_url);
    free(nul_url);
    pkce_client_revocation_request(plain, "tok", NULL, &request);
    CHECK_STATUS(pkce_client_send(plain, request, &status, &body, &length, NULL), PKCE_OK);
    CHECK(status == 500 && length == 22 && body && memcmp(body, "not json\0after the NUL", 22) == 0);
    pkce_string_free(body);
    pkce_http_request_free(request);
    CHECK_STATUS(pkce_client_set_revocation_endpoint(plain, NULL), PKCE_OK);
    CHECK_STATUS(pkce_client_revoke(plain, "tok", NULL, NULL), PKCE_ERR_NOT_CONFIGURED);
    pkce_client_free(plain);
    pkce_client_free(client);
}

/* Extended requests through libpkce's own transport: a revocation endpoint
 * that wants a bearer access token, and an exchange with an extra field. */
static void test_extended_requests(void) {
    pkce_client *client = new_client();
    pkce_error *err = NULL;
    CHECK_STATUS(pkce_client_discover(client, issuer, &err), PKCE_OK);
    char *bearer_url = url_for("/revoke-bearer");
    CHECK_STATUS(pkce_client_set_revocation_endpoint(client, bearer_url), PKCE_OK);
    free(bearer_url);
    pkce_attempt *attempt = signed_in_attempt(client, NULL);
    pkce_http_request *request = NULL;
    CHECK_STATUS(pkce_attempt_token_request(attempt, &request), PKCE_OK);
    CHECK_STATUS(pkce_http_request_add_field(request, "resource", "https://api.example"), PKCE_OK);
    pkce_token *token = NULL;
    CHECK_STATUS(pkce_client_send_token(client, request, attempt, &token, &err), PKCE_OK);
    if (err) { fprintf(stderr, "  %s\n", pkce_error_message(err)); pkce_error_free(err); err = NULL; }
    pkce_http_request_free(request);

    /* The one-call revocation has no bearer: refused by this server. */
    const char *refresh_token = token ? pkce_token_refresh_token(token) : "none";
    CHECK_STATUS(pkce_client_revoke(client, refresh_token, "refresh_token", &err), PKCE_ERR_OAUTH);
    CHECK(err && pkce_error_http_status(err) == 401);
    CHECK_STR(pkce_error_oauth_error(err), "invalid_client");
    pkce_error_free(err); err = NULL;
    /* The same request with the access token as Authorization: Bearer. */
    CHECK_STATUS(pkce_client_revocation_request(client, refresh_token, "refresh_token", &request), PKCE_OK);
    char bearer[512];
    snprintf(bearer, sizeof bearer, "Bearer %s", token ? pkce_token_access_token(token) : "");
    CHECK_STATUS(pkce_http_request_add_header(request, "Authorization", bearer), PKCE_OK);
    CHECK_STATUS(pkce_client_send_revocation(client, request, &err), PKCE_OK);
    if (err) { fprintf(stderr, "  %s\n", pkce_error_message(err)); pkce_error_free(err); err = NULL; }
    pkce_http_request_free(request);
    pkce_token *again = NULL;
    CHECK_STATUS(pkce_client_refresh(client, refresh_token, NULL, &again, &err), PKCE_ERR_OAUTH);  /* revoked */
    pkce_error_free(err); err = NULL;
    CHECK_STATUS(pkce_client_send_token(client, NULL, NULL, &again, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_send_revocation(client, NULL, NULL), PKCE_ERR_INVALID_ARGUMENT);
    pkce_token_free(token);
    pkce_attempt_free(attempt);
    pkce_client_free(client);
}

/* A confidential client against Authlib: the secret in the Authorization
 * header (automatic: the metadata offers basic) or the body, PKCE still
 * required, for the exchange, refresh and revocation; a wrong secret refused. */
#define CONFIDENTIAL_SECRET "s3cret: with spaces & symbols=+%/\xc3\xa9"
static void test_confidential_client(void) {
    pkce_client *client = NULL;
    pkce_error *err = NULL;
    CHECK_STATUS(pkce_client_new("libpkce-confidential", REDIRECT, &client), PKCE_OK);
    pkce_client_set_ca_file(client, ca);
    CHECK_STATUS(pkce_client_discover(client, issuer, &err), PKCE_OK);
    CHECK_STATUS(pkce_client_set_secret(client, CONFIDENTIAL_SECRET, PKCE_CLIENT_AUTH_AUTOMATIC), PKCE_OK);
    free(server_request("/_client-auth", NULL, NULL));  /* forget what came before */

    pkce_attempt *attempt = signed_in_attempt(client, NULL);
    pkce_token *token = NULL;
    CHECK_STATUS(pkce_client_exchange(client, attempt, &token, &err), PKCE_OK);
    if (err) { fprintf(stderr, "  %s\n", pkce_error_message(err)); pkce_error_free(err); err = NULL; }
    pkce_attempt_free(attempt);
    CHECK_STATUS(pkce_client_set_secret(client, CONFIDENTIAL_SECRET, PKCE_CLIENT_AUTH_POST), PKCE_OK);
    pkce_token *refreshed = NULL;
    CHECK_STATUS(pkce_client_refresh(client, token ? pkce_token_refresh_token(token) : "x", NULL, &refreshed, &err), PKCE_OK);
    if (err) { fprintf(stderr, "  %s\n", pkce_error_message(err)); pkce_error_free(err); err = NULL; }
    CHECK_STATUS(pkce_client_set_secret(client, CONFIDENTIAL_SECRET, PKCE_CLIENT_AUTH_BASIC), PKCE_OK);
    CHECK_STATUS(pkce_client_revoke(client, refreshed ? pkce_token_refresh_token(refreshed) : "x", NULL, &err), PKCE_OK);
    char *seen = server_request("/_client-auth", NULL, NULL);
    CHECK_STR(seen, "[\"client_secret_basic\",\"client_secret_post\",\"client_secret_basic\"]\n");
    free(seen);

    /* A wrong secret: invalid_client, and the secret is in no message. */
    CHECK_STATUS(pkce_client_set_secret(client, "wrong-secret-value", PKCE_CLIENT_AUTH_BASIC), PKCE_OK);
    attempt = signed_in_attempt(client, NULL);
    pkce_token *refused = NULL;
    CHECK_STATUS(pkce_client_exchange(client, attempt, &refused, &err), PKCE_ERR_OAUTH);
    CHECK_STR(pkce_error_oauth_error(err), "invalid_client");
    CHECK(err && strstr(pkce_error_message(err), "wrong-secret") == NULL);
    pkce_error_free(err); err = NULL;
    pkce_attempt_free(attempt);
    /* The same client made public again: Authlib wants its secret. */
    CHECK_STATUS(pkce_client_set_secret(client, NULL, PKCE_CLIENT_AUTH_AUTOMATIC), PKCE_OK);
    attempt = signed_in_attempt(client, NULL);
    CHECK_STATUS(pkce_client_exchange(client, attempt, &refused, &err), PKCE_ERR_OAUTH);
    CHECK_STR(pkce_error_oauth_error(err), "invalid_client");
    pkce_error_free(err);
    pkce_attempt_free(attempt);
    pkce_token_free(refreshed);
    pkce_token_free(token);
    pkce_client_free(client);
}

/* One client shared by several threads, each with its own sign-in. */
static pkce_client *shared;
static int thread_ok[4];

static void *sign_in_thread(void *arg) {
    int *ok = arg;
    for (int i = 0; i < 5; i++) {
        pkce_attempt *attempt = NULL;
        char *url = NULL;
        pkce_attempt_new(shared, &attempt);
        pkce_attempt_authorization_url(attempt, &url);
        char *callback = browse(url);
        pkce_token *token = NULL;
        if (callback && pkce_attempt_handle_callback(attempt, callback, NULL) == PKCE_OK &&
            pkce_client_exchange(shared, attempt, &token, NULL) == PKCE_OK)
            (*ok)++;
        pkce_token_free(token);
        free(callback);
        pkce_string_free(url);
        pkce_attempt_free(attempt);
    }
    return NULL;
}

static void test_threads(void) {
    shared = new_client();
    CHECK_STATUS(pkce_client_discover(shared, issuer, NULL), PKCE_OK);
    pthread_t t[4];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, sign_in_thread, &thread_ok[i]);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < 4; i++) CHECK(thread_ok[i] == 5);
    pkce_client_free(shared);
}

/* One client, many threads at once: a thread stuck on a server that never
 * answers in time holds up no other thread's exchange. */
struct stalled { pkce_client *client; pkce_http_request *request; pkce_status status; };

static void *send_stalled(void *arg) {
    struct stalled *s = arg;
    int http_status = 0;
    char *body = NULL;
    s->status = pkce_client_send(s->client, s->request, &http_status, &body, NULL, NULL);
    pkce_string_free(body);
    return NULL;
}

static double seconds_since(const struct timespec *start) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (now.tv_nsec - start->tv_nsec) / 1e9;
}

static void test_stalled_transfer_blocks_no_other(void) {
    pkce_client *client = new_client(), *slow = new_client();
    CHECK_STATUS(pkce_client_discover(client, issuer, NULL), PKCE_OK);
    CHECK_STATUS(pkce_client_set_timeouts(client, 2000, 3000), PKCE_OK);
    char url[256];
    snprintf(url, sizeof url, "https://127.0.0.1:%d/misbehave/slow", port);
    CHECK_STATUS(pkce_client_set_token_endpoint(slow, url), PKCE_OK);
    struct stalled a = { client, NULL, PKCE_OK };
    CHECK_STATUS(pkce_client_refresh_request(slow, "stalled-refresh-token", NULL, &a.request), PKCE_OK);

    pkce_attempt *attempt = signed_in_attempt(client, NULL);
    pthread_t thread;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    pthread_create(&thread, NULL, send_stalled, &a);
    while (seconds_since(&start) < 0.3) sched_yield();  /* A is inside its transfer now */

    struct timespec b_start;
    clock_gettime(CLOCK_MONOTONIC, &b_start);
    pkce_token *token = NULL;
    CHECK_STATUS(pkce_client_exchange(client, attempt, &token, NULL), PKCE_OK);
    double b_took = seconds_since(&b_start);
    pthread_join(thread, NULL);
    double a_took = seconds_since(&start);
    printf("stalled transfer: A ended after %.2f s (%s); B's exchange took %.3f s meanwhile\n", a_took,
           pkce_strerror(a.status), b_took);
    CHECK_STATUS(a.status, PKCE_ERR_TIMEOUT);
    CHECK(a_took >= 2.5);
    CHECK(b_took < 1.0);
    pkce_token_free(token);
    pkce_attempt_free(attempt);
    pkce_http_request_free(a.request);
    pkce_client_free(slow);
    pkce_client_free(client);
}

/* 8 threads x 200 exchanges on one client, each with a code of its own that
 * the keep-alive endpoint puts into the token: every answer must be the one
 * to the thread's own request. */
enum { EXCHANGE_THREADS = 8, EXCHANGES_EACH = 200 };
static pkce_client *exchanging;
static int exchanges_right[EXCHANGE_THREADS];

/* The shared client's answer to an exchange of `code` (NULL when it failed). */
static pkce_token *exchange_code(const char *code) {
    char callback[64];
    snprintf(callback, sizeof callback, "?state=s&code=%s", code);
    pkce_attempt *attempt = NULL;
    pkce_token *token = NULL;
    if (pkce_attempt_restore(exchanging, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "s", NULL, &attempt) == PKCE_OK &&
        pkce_attempt_handle_callback(attempt, callback, NULL) == PKCE_OK)
        pkce_client_exchange(exchanging, attempt, &token, NULL);
    pkce_attempt_free(attempt);
    return token;
}

/* `threads` threads running fn(index) on the shared client, made for the keep-alive endpoint. */
static void on_keep_alive_client(int threads, void *(*fn)(void *)) {
    exchanging = new_client();
    char url[256];
    snprintf(url, sizeof url, "https://127.0.0.1:%d/token", keep_alive_port);
    CHECK_STATUS(pkce_client_set_token_endpoint(exchanging, url), PKCE_OK);
    pthread_t t[64];
    for (intptr_t i = 0; i < threads; i++) pthread_create(&t[i], NULL, fn, (void *)i);
    for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
}

static void *exchange_many(void *arg) {
    int t = (int)(intptr_t)arg;
    for (int i = 0; i < EXCHANGES_EACH; i++) {
        char code[32], expected[40];
        snprintf(code, sizeof code, "t%d-i%d", t, i);
        snprintf(expected, sizeof expected, "kept-%s", code);
        pkce_token *token = exchange_code(code);
        if (token && strcmp(pkce_token_access_token(token), expected) == 0) exchanges_right[t]++;
        pkce_token_free(token);
    }
    return NULL;
}

static void test_many_threads_one_client(void) {
    on_keep_alive_client(EXCHANGE_THREADS, exchange_many);
    for (int i = 0; i < EXCHANGE_THREADS; i++) CHECK(exchanges_right[i] == EXCHANGES_EACH);
    pkce_client_free(exchanging);
}

/* Threads beyond the first eight that share a client keep their kept-alive
 * connections too: the client keeps as many idle as were in use at once.
 * The keep-alive endpoint names the client port of each request. */
enum { POOL_THREADS = 24, POOL_EACH = 40 };
static int64_t pool_ports[POOL_THREADS][POOL_EACH];

static void *exchange_ports(void *arg) {
    int t = (int)(intptr_t)arg;
    for (int i = 0; i < POOL_EACH; i++) {
        pkce_token *token = exchange_code("c");
        pool_ports[t][i] = -1;
        if (token) pkce_token_pointer_int(token, "/client_port", &pool_ports[t][i]);
        pkce_token_free(token);
    }
    return NULL;
}

/* Distinct connections (client ports) the threads' exchanges went over. */
static int connections_used(int threads) {
    int distinct = 0;
    static int64_t seen[POOL_THREADS * POOL_EACH];
    for (int t = 0; t < threads; t++)
        for (int i = 0; i < POOL_EACH; i++) {
            int known = 0;
            for (int k = 0; k < distinct && !known; k++) known = seen[k] == pool_ports[t][i];
            if (!known) seen[distinct++] = pool_ports[t][i];
            CHECK(pool_ports[t][i] > 0);
        }
    return distinct;
}

static void test_idle_connections_follow_use(void) {
    on_keep_alive_client(POOL_THREADS, exchange_ports);
    int used = connections_used(POOL_THREADS);
    /* Never more connections than threads (with 8 kept idle it was several hundred). */
    CHECK(used <= POOL_THREADS);
    if (used > POOL_THREADS) fprintf(stderr, "  %d connections for %d threads\n", used, POOL_THREADS);
    /* Settable: none kept, a connection per exchange. */
    CHECK_STATUS(pkce_client_set_max_idle_connections(exchanging, 0), PKCE_OK);
    exchange_ports((void *)0);
    CHECK(connections_used(1) == POOL_EACH);
    CHECK_STATUS(pkce_client_set_max_idle_connections(NULL, 4), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_set_max_idle_connections(exchanging, (size_t)-1), PKCE_ERR_INVALID_ARGUMENT);
    pkce_client_free(exchanging);
}

/* Answers that are not quite HTTP each get the status a user would expect:
 * never one that blames the caller (INVALID_ARGUMENT) or the URL (URL_INSECURE). */
static void test_broken_http(void) {
    static const struct { const char *path; pkce_status status; } cases[] = {
        { "/status-999", PKCE_ERR_HTTP_STATUS },
        { "/status-600", PKCE_ERR_HTTP_STATUS },
        { "/status-000", PKCE_ERR_RESPONSE_MALFORMED },
        { "/status-099", PKCE_ERR_RESPONSE_MALFORMED },
        { "/http09", PKCE_ERR_RESPONSE_MALFORMED },
        { "/huge-headers", PKCE_ERR_RESPONSE_TOO_LARGE },
        { "/many-headers", PKCE_ERR_RESPONSE_TOO_LARGE },
        { "/chunked-over", PKCE_ERR_RESPONSE_TOO_LARGE },
        { "/closed-mid-body", PKCE_ERR_TRANSPORT },
        { "/http10-no-length", PKCE_OK },
        { "/wrong-content-type", PKCE_OK },  /* a JSON token is read whatever the label */
        { "/401-json", PKCE_ERR_OAUTH },
        { "/429-empty", PKCE_ERR_HTTP_STATUS },
        { "/503-json-without-error", PKCE_ERR_HTTP_STATUS },
        { "/deep-json", PKCE_ERR_RESPONSE_MALFORMED },
        { "/huge-number", PKCE_ERR_RESPONSE_INVALID },
        { "/bad-utf8", PKCE_ERR_RESPONSE_MALFORMED },
        { "/duplicate-keys", PKCE_ERR_RESPONSE_MALFORMED },
        { "/nul-in-string", PKCE_ERR_RESPONSE_INVALID },
        { "/slow-drip", PKCE_ERR_TIMEOUT },
    };
    pkce_client *client = new_client();
    CHECK_STATUS(pkce_client_set_timeouts(client, 2000, 2500), PKCE_OK);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char url[256];
        pkce_error *err = NULL;
        snprintf(url, sizeof url, "https://127.0.0.1:%d%s", hostile_port, cases[i].path);
        pkce_status st = token_at(client, url, &err);
        if (st != cases[i].status) fprintf(stderr, "  %s: %s\n", cases[i].path, err ? pkce_error_message(err) : "");
        CHECK_STATUS(st, cases[i].status);
        pkce_error_free(err);
    }
    /* The request id is found whatever the case of its header's name, and a
     * header whose name only begins like it is not taken for it. */
    static const struct { const char *path; const char *id; } ids[] = {
        { "/request-id-lower-case", "lower-1" }, { "/request-id-decoy", NULL } };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        char url[256];
        pkce_error *err = NULL;
        snprintf(url, sizeof url, "https://127.0.0.1:%d%s", hostile_port, ids[i].path);
        CHECK_STATUS(token_at(client, url, &err), PKCE_ERR_OAUTH);
        if (ids[i].id) CHECK_STR(pkce_error_request_id(err), ids[i].id);
        else CHECK(pkce_error_request_id(err) == NULL);
        pkce_error_free(err);
    }
    /* A certificate that expired yesterday. */
    char url[256];
    snprintf(url, sizeof url, "https://127.0.0.1:%d/http10-no-length", expired_port);
    CHECK_STATUS(token_at(client, url, NULL), PKCE_ERR_TLS);
    pkce_client_free(client);
}

int main(void) {
    if (!server_env()) return 2;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    test_happy_path_and_reuse();
    test_wrong_verifier_state_and_issuer();
    test_transport_failures();
    test_broken_http();
    test_user_agent_keep_alive_and_malformed();
    test_idle_connections_follow_use();
    test_discovery();
    test_send_and_workos();
    test_extended_requests();
    test_confidential_client();
    test_threads();
    test_stalled_transfer_blocks_no_other();
    test_many_threads_one_client();
    curl_global_cleanup();
    return check_summary();
}
