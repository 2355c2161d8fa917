/* Client configuration: setters, refresh and revocation requests, metadata.
 * Part of the C suite (`make test-c`, under valgrind), through the built
 * libpkce.so, with every bad input the header documents. */
#define _POSIX_C_SOURCE 200809L
#include "fixtures.h"

static void test_client_config(void) {
    pkce_client *c = NULL;
    CHECK_STATUS(pkce_client_new(NULL, REDIRECT, &c), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_new("id", NULL, &c), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_new("id", REDIRECT, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_new("", REDIRECT, &c), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_new("\xff\xfe", REDIRECT, &c), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_new("id", "http://example.com/cb", &c), PKCE_ERR_URL_INSECURE);
    CHECK_STATUS(pkce_client_new("id", "https://app.example/cb#x", &c), PKCE_ERR_URL_INVALID);
    CHECK_STATUS(pkce_client_new("id", "not a url", &c), PKCE_ERR_URL_INVALID);
    CHECK_STATUS(pkce_client_new("id", "/relative/path", &c), PKCE_ERR_URL_INVALID);
    CHECK(c == NULL);
    const char *good_redirects[] = { "https://app.example/cb", "http://localhost:1234/cb", "http://[::1]:80/",
                                     "http://127.0.0.1/cb", "com.example.app:/oauth2redirect" };
    for (size_t i = 0; i < sizeof good_redirects / sizeof *good_redirects; i++) {
        CHECK_STATUS(pkce_client_new("id", good_redirects[i], &c), PKCE_OK);
        pkce_client_free(c);
        c = NULL;
    }

    pkce_client *client = make_client(NULL);
    struct { const char *url; pkce_status expected; } endpoints[] = {
        { "https://auth.example.com/authorize", PKCE_OK },
        { "https://auth.example.com:8443/a?x=1&", PKCE_OK },
        { "http://localhost:9000/authorize", PKCE_OK },
        { "http://127.0.0.5/authorize", PKCE_OK },
        { "http://[::1]:8080/authorize", PKCE_OK },
        { "HTTPS://AUTH.EXAMPLE.COM/", PKCE_OK },
        { "http://auth.example.com/authorize", PKCE_ERR_URL_INSECURE },
        { "http://127.0.0.1.evil.com/authorize", PKCE_ERR_URL_INSECURE },
        { "http://128.0.0.1/authorize", PKCE_ERR_URL_INSECURE },
        { "ftp://auth.example.com/", PKCE_ERR_URL_INSECURE },
        { "com.example.app:/cb", PKCE_ERR_URL_INSECURE },
        { "https://auth.example.com/authorize#frag", PKCE_ERR_URL_INVALID },
        { "https://auth.example.com/author ize", PKCE_ERR_URL_INVALID },
        { "https://auth.example.com/\x01", PKCE_ERR_URL_INVALID },
        { "https://auth.example.com/\xc3\xa9", PKCE_ERR_URL_INVALID },
        { "https://user:pw@auth.example.com/", PKCE_ERR_URL_INVALID },
        { "https://", PKCE_ERR_URL_INVALID },
        { "https:auth.example.com", PKCE_ERR_URL_INVALID },
        { "https://auth.example.com:99999/", PKCE_ERR_URL_INVALID },
        { "https://auth.example.com:/", PKCE_ERR_URL_INVALID },
        { "https://[::1/", PKCE_ERR_URL_INVALID },
        { "", PKCE_ERR_URL_INVALID },
        { "https://auth.example.com/a?state=x", PKCE_ERR_PARAMETER_RESERVED },
        { "https://auth.example.com/a?foo=1&code%5Fchallenge=x", PKCE_ERR_PARAMETER_RESERVED },
        { "https://auth.example.com/a?x=%zz", PKCE_ERR_URL_INVALID },
    };
    for (size_t i = 0; i < sizeof endpoints / sizeof *endpoints; i++) {
        pkce_status got = pkce_client_set_authorization_endpoint(client, endpoints[i].url);
        if (got != endpoints[i].expected) fprintf(stderr, "  endpoint %s\n", endpoints[i].url);
        CHECK(got == endpoints[i].expected);
        CHECK(pkce_client_set_token_endpoint(client, endpoints[i].url) == endpoints[i].expected);
    }
    CHECK_STATUS(pkce_client_set_authorization_endpoint(client, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_set_authorization_endpoint(NULL, "https://a.example/"), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_set_token_endpoint(NULL, "https://a.example/"), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_set_scope(NULL, "a"), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_set_scope(client, "\xff"), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_set_issuer(NULL, "https://i", 1), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_set_issuer(client, "", 1), PKCE_ERR_INVALID_ARGUMENT);
    /* An issuer is an https URL without query or fragment; CR/LF are refused as in the endpoints. */
    CHECK_STATUS(pkce_client_set_issuer(client, "https://issuer.example\r\n", 1), PKCE_ERR_URL_INVALID);
    CHECK_STATUS(pkce_client_set_issuer(client, "https://issuer.example?tenant=a", 1), PKCE_ERR_URL_INVALID);
    CHECK_STATUS(pkce_client_set_issuer(client, "https://issuer.example#f", 1), PKCE_ERR_URL_INVALID);
    CHECK_STATUS(pkce_client_set_issuer(client, "http://issuer.example", 1), PKCE_ERR_URL_INSECURE);
    CHECK_STATUS(pkce_client_set_issuer(client, "issuer", 1), PKCE_ERR_URL_INVALID);
    CHECK_STATUS(pkce_client_set_issuer(client, "https://issuer.example/tenant", 1), PKCE_OK);
    CHECK_STATUS(pkce_client_set_issuer(client, NULL, 1), PKCE_OK);
    pkce_client_free(client);
    pkce_client_free(NULL);
}


static void test_refresh_request(void) {
    pkce_client *client = make_client(NULL);
    pkce_http_request *req = NULL;
    CHECK_STATUS(pkce_client_refresh_request(client, "r/t+1", "a b", &req), PKCE_OK);
    CHECK_STR(pkce_http_request_body(req, NULL), "grant_type=refresh_token&refresh_token=r%2Ft%2B1&client_id=my+app&scope=a+b");
    CHECK_STR(pkce_http_request_url(req), "https://auth.example.com/token");
    pkce_http_request_free(req);
    CHECK_STATUS(pkce_client_refresh_request(client, "rt", NULL, &req), PKCE_OK);
    CHECK_STR(pkce_http_request_body(req, NULL), "grant_type=refresh_token&refresh_token=rt&client_id=my+app");
    pkce_http_request_free(req);
    req = NULL;
    CHECK_STATUS(pkce_client_refresh_request(client, "", NULL, &req), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_refresh_request(client, NULL, NULL, &req), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_refresh_request(client, "rt", NULL, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_refresh_request(NULL, "rt", NULL, &req), PKCE_ERR_INVALID_ARGUMENT);
    CHECK(req == NULL);
    /* Revocation: the token type hint is one of RFC 7009's two, or none. */
    CHECK_STATUS(pkce_client_set_revocation_endpoint(client, "https://auth.example.com/revoke"), PKCE_OK);
    CHECK_STATUS(pkce_client_revocation_request(client, "tok", "access_token", &req), PKCE_OK);
    CHECK_STR(pkce_http_request_body(req, NULL), "token=tok&token_type_hint=access_token&client_id=my+app");
    pkce_http_request_free(req);
    CHECK_STATUS(pkce_client_revocation_request(client, "tok", NULL, &req), PKCE_OK);
    CHECK_STR(pkce_http_request_body(req, NULL), "token=tok&client_id=my+app");
    pkce_http_request_free(req);
    req = NULL;
    CHECK_STATUS(pkce_client_revocation_request(client, "tok", "id_token", &req), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_revocation_request(client, "tok", "refresh_token\r\nX: y", &req), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_revocation_request(client, "tok", "", &req), PKCE_ERR_INVALID_ARGUMENT);
    CHECK(req == NULL);
    pkce_client *bare = NULL;
    pkce_client_new("id", REDIRECT, &bare);
    CHECK_STATUS(pkce_client_refresh_request(bare, "rt", NULL, &req), PKCE_ERR_NOT_CONFIGURED);
    pkce_client_free(bare);
    pkce_client_free(client);
    CHECK(pkce_http_request_method(NULL) == NULL && pkce_http_request_url(NULL) == NULL);
    CHECK(pkce_http_request_header_count(NULL) == 0 && pkce_http_request_body(NULL, NULL) == NULL);
    pkce_http_request_free(NULL);
}

/* What the client holds, as a program shows it; and discovery keeps a
 * requirement of `iss` that the caller stated, whatever the order. */
static void test_endpoints_and_discovery_order(void) {
    const char *metadata = "{\"issuer\":\"https://as.example\",\"authorization_endpoint\":\"https://as.example/a\","
                           "\"token_endpoint\":\"https://as.example/t\",\"device_authorization_endpoint\":\"https://as.example/d\"}";
    pkce_client *client = NULL;
    CHECK_STATUS(pkce_client_new("app", REDIRECT, &client), PKCE_OK);
    char *url = (char *)&url;
    CHECK_STATUS(pkce_client_endpoint(client, PKCE_ENDPOINT_TOKEN, &url), PKCE_ERR_NOT_FOUND);
    CHECK(url == (char *)&url);
    CHECK_STATUS(pkce_client_endpoint(client, (pkce_endpoint)99, &url), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_endpoint(client, PKCE_ENDPOINT_TOKEN, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK(pkce_client_requires_iss(client) == 0 && pkce_client_requires_iss(NULL) == 0);
    CHECK_STATUS(pkce_client_set_issuer(client, "https://as.example", 1), PKCE_OK);
    CHECK(pkce_client_requires_iss(client) == 1);
    /* The metadata does not say the server sends iss: the caller's requirement stays. */
    CHECK_STATUS(pkce_client_apply_metadata(client, "https://as.example", metadata, strlen(metadata), NULL), PKCE_OK);
    CHECK(pkce_client_requires_iss(client) == 1);
    pkce_attempt *attempt = NULL;
    CHECK_STATUS(pkce_attempt_new(client, &attempt), PKCE_OK);
    char callback[256];
    snprintf(callback, sizeof callback, REDIRECT "?code=c&state=%s", pkce_attempt_state(attempt));
    CHECK_STATUS(pkce_attempt_handle_callback(attempt, callback, NULL), PKCE_ERR_ISSUER_MISSING);
    pkce_attempt_free(attempt);
    struct { pkce_endpoint which; const char *expected; } found[] = {
        { PKCE_ENDPOINT_AUTHORIZATION, "https://as.example/a" }, { PKCE_ENDPOINT_TOKEN, "https://as.example/t" },
        { PKCE_ENDPOINT_DEVICE_AUTHORIZATION, "https://as.example/d" }, { PKCE_ENDPOINT_ISSUER, "https://as.example" },
    };
    for (size_t i = 0; i < sizeof found / sizeof found[0]; i++) {
        url = NULL;
        CHECK_STATUS(pkce_client_endpoint(client, found[i].which, &url), PKCE_OK);
        CHECK_STR(url, found[i].expected);
        pkce_string_free(url);
    }
    CHECK_STATUS(pkce_client_endpoint(client, PKCE_ENDPOINT_REVOCATION, &url), PKCE_ERR_NOT_FOUND);
    /* Without a stated requirement, the metadata decides. */
    CHECK_STATUS(pkce_client_set_issuer(client, "https://as.example", 0), PKCE_OK);
    CHECK_STATUS(pkce_client_apply_metadata(client, "https://as.example", metadata, strlen(metadata), NULL), PKCE_OK);
    CHECK(pkce_client_requires_iss(client) == 0);
    pkce_client_free(client);
}

/* WorkOS's logout URL: its endpoint under the API base, values
 * percent-encoded, return_to checked like a redirect URI. */
static void test_workos_logout_url(void) {
    pkce_client *client = NULL;
    CHECK_STATUS(pkce_client_new("client_01", "http://127.0.0.1:8080/callback", &client), PKCE_OK);
    char *url = (char *)&url;
    CHECK_STATUS(pkce_client_workos_logout_url(client, "session_01", NULL, &url), PKCE_ERR_NOT_CONFIGURED);
    CHECK(url == (char *)&url);
    CHECK_STATUS(pkce_client_use_workos(client, "https://api.workos.com/"), PKCE_OK);
    CHECK_STATUS(pkce_client_workos_logout_url(client, "session_01", NULL, &url), PKCE_OK);
    CHECK_STR(url, "https://api.workos.com/user_management/sessions/logout?session_id=session_01");
    pkce_string_free(url);
    CHECK_STATUS(pkce_client_workos_logout_url(client, "s 1&x", "myapp://signed-out?a=b", &url), PKCE_OK);
    CHECK_STR(url, "https://api.workos.com/user_management/sessions/logout?session_id=s%201%26x"
                   "&return_to=myapp%3A%2F%2Fsigned-out%3Fa%3Db");
    pkce_string_free(url);
    url = (char *)&url;
    CHECK_STATUS(pkce_client_workos_logout_url(client, "", NULL, &url), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_workos_logout_url(client, NULL, NULL, &url), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_workos_logout_url(client, "s", "http://evil.example/", &url), PKCE_ERR_URL_INSECURE);
    CHECK_STATUS(pkce_client_workos_logout_url(client, "s", NULL, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK(url == (char *)&url);
    pkce_client_free(client);
}

/* A confidential client's requests (sans-I/O): the secret as Basic
 * credentials or in the body, as chosen or as the metadata offers; never in
 * a URL; a JSON (WorkOS) body always takes it, after client_id. */
static void test_client_secret(void) {
    pkce_client *client = NULL;
    CHECK_STATUS(pkce_client_new("my app", "http://127.0.0.1:8080/callback", &client), PKCE_OK);
    CHECK_STATUS(pkce_client_set_token_endpoint(client, "https://as.example/token"), PKCE_OK);
    CHECK_STATUS(pkce_client_set_secret(client, "s p&c:\xc3\xa9", PKCE_CLIENT_AUTH_AUTOMATIC), PKCE_OK);
    pkce_http_request *req = NULL;
    CHECK_STATUS(pkce_client_refresh_request(client, "rt", NULL, &req), PKCE_OK);
    CHECK_STR(pkce_http_request_body(req, NULL), "grant_type=refresh_token&refresh_token=rt&client_id=my+app");
    const char *name = NULL, *value = NULL;
    CHECK(pkce_http_request_header_count(req) == 3);
    CHECK_STATUS(pkce_http_request_header(req, 2, &name, &value), PKCE_OK);
    CHECK_STR(name, "Authorization");
    /* base64("my%20app:s%20p%26c%3A%C3%A9") */
    CHECK_STR(value, "Basic bXklMjBhcHA6cyUyMHAlMjZjJTNBJUMzJUE5");
    pkce_http_request_free(req);

    const char *post_only = "{\"issuer\":\"https://as.example\",\"authorization_endpoint\":\"https://as.example/a\","
                            "\"token_endpoint\":\"https://as.example/token\","
                            "\"token_endpoint_auth_methods_supported\":[\"client_secret_post\",\"private_key_jwt\"]}";
    CHECK_STATUS(pkce_client_apply_metadata(client, "https://as.example", post_only, strlen(post_only), NULL), PKCE_OK);
    CHECK_STATUS(pkce_client_refresh_request(client, "rt", NULL, &req), PKCE_OK);
    CHECK_STR(pkce_http_request_body(req, NULL),
              "grant_type=refresh_token&refresh_token=rt&client_id=my+app&client_secret=s+p%26c%3A%C3%A9");
    CHECK(pkce_http_request_header_count(req) == 2);
    pkce_http_request_free(req);
    CHECK_STATUS(pkce_client_set_secret(client, "s", PKCE_CLIENT_AUTH_BASIC), PKCE_OK);  /* the caller's choice wins */
    CHECK_STATUS(pkce_client_refresh_request(client, "rt", NULL, &req), PKCE_OK);
    CHECK(pkce_http_request_header_count(req) == 3);
    pkce_http_request_free(req);
    /* The device grant's requests carry it too, and revocation. */
    CHECK_STATUS(pkce_client_set_device_authorization_endpoint(client, "https://as.example/device"), PKCE_OK);
    CHECK_STATUS(pkce_client_set_revocation_endpoint(client, "https://as.example/revoke"), PKCE_OK);
    CHECK_STATUS(pkce_client_set_secret(client, "s", PKCE_CLIENT_AUTH_POST), PKCE_OK);
    CHECK_STATUS(pkce_client_device_request(client, NULL, &req), PKCE_OK);
    CHECK_STR(pkce_http_request_body(req, NULL), "client_id=my+app&client_secret=s");
    pkce_http_request_free(req);
    CHECK_STATUS(pkce_client_revocation_request(client, "tok", NULL, &req), PKCE_OK);
    CHECK_STR(pkce_http_request_body(req, NULL), "token=tok&client_id=my+app&client_secret=s");
    CHECK(strstr(pkce_http_request_url(req), "secret") == NULL);
    pkce_http_request_free(req);

    CHECK_STATUS(pkce_client_set_secret(client, "", PKCE_CLIENT_AUTH_BASIC), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_set_secret(client, "a\nb", PKCE_CLIENT_AUTH_BASIC), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_set_secret(client, "\xff", PKCE_CLIENT_AUTH_BASIC), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_set_secret(client, "s", (pkce_client_auth)3), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_set_secret(NULL, "s", PKCE_CLIENT_AUTH_BASIC), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_client_set_secret(client, NULL, PKCE_CLIENT_AUTH_BASIC), PKCE_OK);  /* public again */
    CHECK_STATUS(pkce_client_refresh_request(client, "rt", NULL, &req), PKCE_OK);
    CHECK(pkce_http_request_header_count(req) == 2);
    CHECK_STR(pkce_http_request_body(req, NULL), "grant_type=refresh_token&refresh_token=rt&client_id=my+app");
    pkce_http_request_free(req);

    CHECK_STATUS(pkce_client_use_workos(client, "https://api.workos.com"), PKCE_OK);
    CHECK_STATUS(pkce_client_set_secret(client, "sk_test_1", PKCE_CLIENT_AUTH_BASIC), PKCE_OK);
    CHECK_STATUS(pkce_client_refresh_request(client, "r1", NULL, &req), PKCE_OK);
    CHECK_STR(pkce_http_request_body(req, NULL), "{\"grant_type\":\"refresh_token\",\"refresh_token\":\"r1\","
                                                 "\"client_id\":\"my app\",\"client_secret\":\"sk_test_1\"}");
    CHECK(pkce_http_request_header_count(req) == 2);
    pkce_http_request_free(req);
    pkce_client_free(client);
}

int main(void) {
    test_client_config();
    test_refresh_request();
    test_endpoints_and_discovery_order();
    test_workos_logout_url();
    test_client_secret();
    return check_summary();
}
