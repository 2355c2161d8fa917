/* Sign-in to a protected resource through the C API, against the MCP
 * servers of Tests/server/mcp_server.py (the MCP Python SDK's authorization
 * and resource servers; run through Tests/server/with-server.sh with
 * WITH_MCP=1): the one call, the sans-I/O steps a host with its own HTTP
 * stack takes, requests with the token, the library's own step-up, and the
 * refusals. The browser is Tests/signin/scripted-browser. */
#define _GNU_SOURCE
#include "test_server.h"

#include <unistd.h>

static const char *mcp, *tenant, *nopkce;
static char browser[4096];
static const char *const mcp_headers[] = { "Accept: application/json, text/event-stream",
                                           "Content-Type: application/json" };

static pkce_client *blank_client(void) {
    pkce_client *client = NULL;
    CHECK_STATUS(pkce_client_new(NULL, NULL, &client), PKCE_OK);
    CHECK_STATUS(pkce_client_set_ca_file(client, ca), PKCE_OK);
    return client;
}

/* tools/call of `tool` through the source; the answer's status, its body in *body (to free). */
static int call_tool(pkce_token_source *source, const char *tool, char **body, pkce_status *st) {
    char json[256];
    snprintf(json, sizeof json, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"%s\","
                                "\"arguments\":{\"text\":\"from C\"}}}", tool);
    pkce_http_response *response = NULL;
    pkce_error *error = NULL;
    *st = pkce_token_source_fetch(source, "POST", mcp, mcp_headers, 2, json, strlen(json), &response, &error);
    int status = *st == PKCE_OK ? pkce_http_response_status(response) : 0;
    size_t length = 0;
    *body = *st == PKCE_OK ? strdup(pkce_http_response_body(response, &length)) : NULL;
    if (*st == PKCE_OK) CHECK(strlen(*body) == length);
    pkce_http_response_free(response);
    pkce_error_free(error);
    return status;
}

static void test_challenge_param(void) {
    const char *header = "Basic realm=\"x\", Bearer error=\"insufficient_scope\", scope=\"mcp admin\", "
                         "resource_metadata=\"https://rs.example/m\"";
    char *value = NULL;
    pkce_error *error = NULL;
    CHECK_STATUS(pkce_challenge_param(header, "SCOPE", &value, &error), PKCE_OK);
    CHECK_STR(value, "mcp admin");
    pkce_string_free(value);
    value = NULL;
    CHECK_STATUS(pkce_challenge_param(header, "realm", &value, NULL), PKCE_ERR_NOT_FOUND);  /* Basic's, not Bearer's */
    CHECK_STATUS(pkce_challenge_param("Basic realm=\"x\"", "realm", &value, NULL), PKCE_ERR_NOT_FOUND);
    CHECK_STATUS(pkce_challenge_param("Bearer scope=\"open", "scope", &value, &error), PKCE_ERR_CHALLENGE_MALFORMED);
    CHECK(error && strstr(pkce_error_message(error), "quoted string"));
    pkce_error_free(error);
    CHECK(value == NULL);
    CHECK_STATUS(pkce_challenge_param(NULL, "scope", &value, NULL), PKCE_ERR_INVALID_ARGUMENT);
}

static void test_handles_and_refusals(void) {
    pkce_resource *resource = NULL;
    CHECK_STATUS(pkce_resource_new("HTTPS://RS.Example/mcp/", &resource), PKCE_OK);
    CHECK_STR(pkce_resource_uri(resource), "https://rs.example/mcp");
    CHECK_STATUS(pkce_resource_set_client_id(resource, ""), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_resource_set_client_name(resource, "bad\nname"), PKCE_ERR_INVALID_ARGUMENT);
    pkce_error *error = NULL;
    CHECK_STATUS(pkce_resource_set_challenge(resource, "Bearer resource_metadata=\"http://evil.example/m\"", &error),
                 PKCE_ERR_URL_INSECURE);
    pkce_error_free(error);
    CHECK_STATUS(pkce_resource_set_challenge(resource, "Basic realm=x", NULL), PKCE_ERR_NOT_FOUND);
    pkce_client *client = blank_client();
    CHECK_STATUS(pkce_resource_configure(resource, client, "http://127.0.0.1:1/cb", NULL), PKCE_ERR_NOT_CONFIGURED);
    pkce_attempt *attempt = NULL;
    CHECK_STATUS(pkce_attempt_new(client, &attempt), PKCE_ERR_NOT_CONFIGURED);  /* no client id yet */
    pkce_client_free(client);
    pkce_resource_free(resource);
    resource = NULL;
    CHECK_STATUS(pkce_resource_new("http://rs.example/mcp", &resource), PKCE_ERR_URL_INSECURE);
    CHECK(resource == NULL);
    CHECK_STATUS(pkce_resource_new("https://rs.example/#f", &resource), PKCE_ERR_URL_INVALID);
}

/* The steps a host with its own HTTP stack takes (pkce_client_send plays that stack here). */
static void test_sans_io(void) {
    pkce_resource *resource = NULL;
    CHECK_STATUS(pkce_resource_new(tenant, &resource), PKCE_OK);
    pkce_client *http = blank_client();
    pkce_http_request *request = NULL;
    int requests = 0;
    pkce_status st;
    while ((st = pkce_resource_next_request(resource, &request)) == PKCE_OK) {
        pkce_error *error = NULL;
        char *body = NULL;
        int status = 0;
        /* pkce_client_send's answer: status and body, with the WWW-Authenticate of a 401 seen as the caller would. */
        st = pkce_client_send(http, request, &status, &body, NULL, &error);
        CHECK_STATUS(st, PKCE_OK);
        const char *challenge = status == 401 ? "Bearer error=\"invalid_token\"" : NULL;
        CHECK_STATUS(pkce_resource_handle_response(resource, status, challenge, body, body ? strlen(body) : 0, &error),
                     PKCE_OK);
        pkce_error_free(error);
        pkce_string_free(body);
        pkce_http_request_free(request);
        requests++;
    }
    CHECK_STATUS(st, PKCE_ERR_NOT_FOUND);
    CHECK(requests == 3);  /* probe, resource metadata by the fallback, server metadata with the path inserted */
    const char *redirect = "http://127.0.0.1:45999/callback";
    CHECK_STATUS(pkce_resource_registration_request(resource, redirect, &request), PKCE_OK);
    CHECK(strstr(pkce_http_request_url(request), "/tenant/register") != NULL);
    size_t length = 0;
    const char *sent = pkce_http_request_body(request, &length);
    CHECK(strstr(sent, "\"token_endpoint_auth_method\":\"none\"") && strstr(sent, redirect));
    int status = 0;
    char *body = NULL;
    pkce_error *error = NULL;
    CHECK_STATUS(pkce_client_send(http, request, &status, &body, NULL, &error), PKCE_OK);
    pkce_http_request_free(request);
    CHECK_STATUS(pkce_resource_handle_registration(resource, redirect, status, body, strlen(body), &error), PKCE_OK);
    pkce_string_free(body);
    pkce_client *client = blank_client();
    CHECK_STATUS(pkce_resource_configure(resource, client, redirect, &error), PKCE_OK);
    pkce_attempt *attempt = NULL;
    CHECK_STATUS(pkce_attempt_new(client, &attempt), PKCE_OK);
    char *url = NULL;
    CHECK_STATUS(pkce_attempt_authorization_url(attempt, &url), PKCE_OK);
    CHECK(url && strstr(url, "/tenant/authorize?") && strstr(url, "&resource=https%3A%2F%2F127.0.0.1%3A") &&
          strstr(url, "scope=mcp"));
    CHECK_STATUS(pkce_attempt_add_parameter(attempt, "resource", "https://evil.example"), PKCE_ERR_PARAMETER_RESERVED);
    pkce_string_free(url);
    pkce_attempt_free(attempt);
    pkce_client_free(client);
    pkce_client_free(http);
    pkce_resource_free(resource);
}

static void test_sign_in_fetch_and_step_up(void) {
    char store_path[] = "build/test-resource-XXXXXX";
    int fd = mkstemp(store_path);
    close(fd);
    unlink(store_path);
    pkce_token_store *store = NULL;
    CHECK_STATUS(pkce_token_store_open_file(store_path, &store), PKCE_OK);
    pkce_resource *resource = NULL;
    CHECK_STATUS(pkce_resource_new(mcp, &resource), PKCE_OK);
    CHECK_STATUS(pkce_resource_set_store(resource, store), PKCE_OK);
    CHECK_STATUS(pkce_resource_set_client_name(resource, "libpkce C test"), PKCE_OK);
    pkce_client *client = blank_client();
    pkce_token *token = NULL;
    pkce_error *error = NULL;
    setenv("PKCE_TEST_BROWSER", "follow", 1);
    CHECK_STATUS(pkce_resource_sign_in(resource, client, PKCE_BROWSER_PROGRAM, browser, 20000, &token, &error), PKCE_OK);
    if (error) fprintf(stderr, "sign-in: %s\n", pkce_error_message(error));
    pkce_error_free(error);
    error = NULL;
    CHECK_STR(pkce_token_scope(token), "mcp");
    pkce_token_source *source = NULL;
    CHECK_STATUS(pkce_token_source_new(client, token, store, NULL, &source, &error), PKCE_OK);
    pkce_token_free(token);
    char *resource_out = NULL;
    CHECK_STATUS(pkce_token_store_entry_resource(store, 0, &resource_out, NULL), PKCE_OK);
    CHECK_STR(resource_out, mcp);
    pkce_string_free(resource_out);

    pkce_status st;
    char *body = NULL;
    CHECK(call_tool(source, "echo", &body, &st) == 200);
    CHECK(body && strstr(body, "\"from C\""));
    free(body);
    /* Without a step-up the 403 comes back, with its challenge. */
    pkce_http_response *response = NULL;
    const char *admin = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"admin_stats\",\"arguments\":{}}}";
    CHECK_STATUS(pkce_token_source_fetch(source, "POST", mcp, mcp_headers, 2, admin, strlen(admin), &response, &error),
                 PKCE_OK);
    CHECK(pkce_http_response_status(response) == 403);
    const char *challenge = pkce_http_response_www_authenticate(response, 0);
    CHECK(challenge && strstr(challenge, "insufficient_scope"));
    CHECK(pkce_http_response_www_authenticate(response, 1) == NULL);
    CHECK_STR(pkce_http_response_content_type(response), "application/json");
    pkce_http_response_free(response);
    /* With one, the library signs in again and answers the call. */
    CHECK_STATUS(pkce_token_source_set_step_up(source, resource, PKCE_BROWSER_PROGRAM, browser, 20000), PKCE_OK);
    CHECK(call_tool(source, "admin_stats", &body, &st) == 200);
    CHECK(body && strstr(body, "42 users"));
    free(body);
    CHECK(call_tool(source, "stubborn", &body, &st) == 0);
    CHECK_STATUS(st, PKCE_ERR_INSUFFICIENT_SCOPE);
    CHECK_STATUS(pkce_token_source_set_step_up(source, NULL, PKCE_BROWSER_SYSTEM, NULL, 0), PKCE_OK);

    /* Never to another resource, nor with a method or header the library does not send. */
    char other[1024];
    snprintf(other, sizeof other, "%s2", mcp);
    CHECK_STATUS(pkce_token_source_fetch(source, "GET", other, NULL, 0, NULL, 0, &response, &error),
                 PKCE_ERR_RESOURCE_MISMATCH);
    CHECK(error && !strstr(pkce_error_message(error), "Bearer"));
    pkce_error_free(error);
    error = NULL;
    CHECK_STATUS(pkce_token_source_fetch(source, "TRACE", mcp, NULL, 0, NULL, 0, &response, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_token_source_fetch(source, "GET", mcp, NULL, 0, "x", 1, &response, NULL), PKCE_ERR_INVALID_ARGUMENT);
    const char *bad_header[] = { "no colon here" };
    CHECK_STATUS(pkce_token_source_fetch(source, "GET", mcp, bad_header, 1, NULL, 0, &response, NULL),
                 PKCE_ERR_INVALID_ARGUMENT);
    const char *host_header[] = { "Host: evil.example" };
    CHECK_STATUS(pkce_token_source_fetch(source, "GET", mcp, host_header, 1, NULL, 0, &response, NULL),
                 PKCE_ERR_PARAMETER_RESERVED);
    pkce_token_source_free(source);
    pkce_client_free(client);
    pkce_resource_free(resource);
    pkce_token_store_free(store);
    remove_store_file(store_path);
}

static void test_server_without_pkce_is_refused(void) {
    pkce_resource *resource = NULL;
    CHECK_STATUS(pkce_resource_new(nopkce, &resource), PKCE_OK);
    pkce_client *client = blank_client();
    pkce_token *token = NULL;
    pkce_error *error = NULL;
    CHECK_STATUS(pkce_resource_sign_in(resource, client, PKCE_BROWSER_PROGRAM, browser, 5000, &token, &error),
                 PKCE_ERR_PKCE_NOT_ADVERTISED);
    CHECK(token == NULL);
    pkce_error_free(error);
    pkce_client_free(client);
    pkce_resource_free(resource);
}

int main(void) {
    if (!server_env()) return 2;
    mcp = getenv("PKCE_TEST_MCP");
    tenant = getenv("PKCE_TEST_MCP_TENANT");
    nopkce = getenv("PKCE_TEST_MCP_NOPKCE");
    if (!mcp || !tenant || !nopkce) {
        fprintf(stderr, "run me through Tests/server/with-server.sh with WITH_MCP=1\n");
        return 2;
    }
    char cwd[2048];
    if (!getcwd(cwd, sizeof cwd)) return 2;
    snprintf(browser, sizeof browser, "%s/Tests/signin/scripted-browser", cwd);
    test_challenge_param();
    test_handles_and_refusals();
    test_sans_io();
    test_sign_in_fetch_and_step_up();
    test_server_without_pkce_is_refused();
    return check_summary();
}
