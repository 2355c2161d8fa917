/* Sign-out through the C API (OpenID Connect RP-Initiated Logout 1.0),
 * against the Authlib server's end-session endpoint (run through
 * Tests/server/with-server.sh): the URL sans-I/O, the redirect back and its
 * state, the one call through the listener with the scripted browser, WorkOS
 * through the same calls, the store entry removed, and the refusals. */
#define _GNU_SOURCE
#include "test_server.h"

#include <unistd.h>

static char browser[4096];

/* A sign-in with an openid scope through discovery: the ID token for the hint. */
static pkce_token *signed_in(pkce_client *client) {
    pkce_listener *listener = NULL;
    pkce_attempt *attempt = NULL;
    pkce_token *token = NULL;
    pkce_error *error = NULL;
    CHECK_STATUS(pkce_listener_new("127.0.0.1", NULL, 0, NULL, &listener, NULL), PKCE_OK);
    CHECK_STATUS(pkce_attempt_new(client, &attempt), PKCE_OK);
    setenv("PKCE_TEST_BROWSER", "follow", 1);
    CHECK_STATUS(pkce_client_sign_in(client, attempt, listener, PKCE_BROWSER_PROGRAM, browser, 20000, &token, &error), PKCE_OK);
    if (error) fprintf(stderr, "sign-in: %s\n", pkce_error_message(error));
    pkce_error_free(error);
    pkce_attempt_free(attempt);
    pkce_listener_free(listener);
    return token;
}

static pkce_client *discovered(void) {
    pkce_client *client = new_client();
    CHECK_STATUS(pkce_client_set_scope(client, "openid email"), PKCE_OK);
    CHECK_STATUS(pkce_client_discover(client, issuer, NULL), PKCE_OK);
    return client;
}

static void test_url_and_redirect_sans_io(void) {
    pkce_client *client = discovered();
    char *endpoint = NULL;
    CHECK_STATUS(pkce_client_endpoint(client, PKCE_ENDPOINT_END_SESSION, &endpoint), PKCE_OK);
    char expected[1024];
    snprintf(expected, sizeof expected, "%s/logout", issuer);
    CHECK_STR(endpoint, expected);
    pkce_string_free(endpoint);
    pkce_logout *logout = NULL;
    CHECK_STATUS(pkce_logout_new(client, &logout), PKCE_OK);
    CHECK(strlen(pkce_logout_state(logout)) == 43);
    CHECK_STATUS(pkce_logout_set_id_token_hint(logout, "eyJ.a.b"), PKCE_OK);
    CHECK_STATUS(pkce_logout_set_hints(logout, "ada@example.com", "fr en", NULL), PKCE_OK);
    char *url = NULL;
    CHECK_STATUS(pkce_logout_url(logout, &url), PKCE_OK);
    snprintf(expected, sizeof expected, "%s/logout?id_token_hint=eyJ.a.b&logout_hint=ada%%40example.com&client_id=%s"
             "&ui_locales=fr%%20en", issuer, CLIENT_ID);
    CHECK_STR(url, expected);  /* no state without a redirect back */
    pkce_string_free(url);
    CHECK_STATUS(pkce_logout_set_post_logout_redirect_uri(logout, "http://127.0.0.1:9999/callback"), PKCE_OK);
    CHECK_STATUS(pkce_logout_url(logout, &url), PKCE_OK);
    CHECK(strstr(url, "&post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A9999%2Fcallback&state=") != NULL);
    CHECK(strstr(url, pkce_logout_state(logout)) != NULL);
    pkce_string_free(url);
    CHECK_STATUS(pkce_logout_set_post_logout_redirect_uri(logout, "http://example.com/cb"), PKCE_ERR_URL_INSECURE);
    pkce_error *error = NULL;
    CHECK_STATUS(pkce_logout_handle_redirect(logout, "http://127.0.0.1:9999/callback?state=forged", &error),
                 PKCE_ERR_STATE_MISMATCH);
    pkce_error_free(error);
    CHECK_STATUS(pkce_logout_handle_redirect(logout, "http://127.0.0.1:9999/callback", NULL), PKCE_ERR_CALLBACK_INVALID);
    char redirect[256];
    snprintf(redirect, sizeof redirect, "http://127.0.0.1:9999/callback?state=%s&state=%s", pkce_logout_state(logout),
             pkce_logout_state(logout));
    CHECK_STATUS(pkce_logout_handle_redirect(logout, redirect, NULL), PKCE_ERR_CALLBACK_DUPLICATE);
    snprintf(redirect, sizeof redirect, "http://127.0.0.1:9999/callback?state=%s", pkce_logout_state(logout));
    CHECK_STATUS(pkce_logout_handle_redirect(logout, redirect, NULL), PKCE_OK);
    CHECK_STATUS(pkce_logout_handle_redirect(logout, redirect, NULL), PKCE_ERR_ATTEMPT_USED);
    pkce_logout_free(logout);
    pkce_client_free(client);
}

/* The one call: the browser goes to the end-session endpoint and comes back to the listener. */
static void test_sign_out_through_the_listener(void) {
    pkce_client *client = discovered();
    pkce_token *token = signed_in(client);
    pkce_logout *logout = NULL;
    CHECK_STATUS(pkce_logout_new(client, &logout), PKCE_OK);
    CHECK_STATUS(pkce_logout_set_id_token_hint(logout, pkce_token_id_token(token)), PKCE_OK);
    pkce_listener *listener = NULL;
    CHECK_STATUS(pkce_listener_new("127.0.0.1", NULL, 0, NULL, &listener, NULL), PKCE_OK);
    pkce_error *error = NULL;
    unlink("build/logout-page.html");
    setenv("PKCE_TEST_BROWSER_PAGE", "build/logout-page.html", 1);
    CHECK_STATUS(pkce_client_sign_out(client, logout, listener, 1, PKCE_BROWSER_PROGRAM, browser, 20000, &error), PKCE_OK);
    if (error) fprintf(stderr, "sign-out: %s\n", pkce_error_message(error));
    pkce_error_free(error);
    error = NULL;
    /* The redirect was checked and taken: the logout is used up. */
    char redirect[256];
    snprintf(redirect, sizeof redirect, "%s?state=%s", pkce_listener_redirect_uri(listener), pkce_logout_state(logout));
    CHECK_STATUS(pkce_logout_handle_redirect(logout, redirect, NULL), PKCE_ERR_ATTEMPT_USED);
    for (int i = 0; i < 100 && access("build/logout-page.html", F_OK) != 0; i++) usleep(50 * 1000);
    FILE *page = fopen("build/logout-page.html", "r");
    char text[4096] = "";
    if (page) {
        text[fread(text, 1, sizeof text - 1, page)] = '\0';
        fclose(page);
    }
    CHECK(strstr(text, "Signed out") != NULL);
    unsetenv("PKCE_TEST_BROWSER_PAGE");
    /* A forged hint: the server refuses, and the wait ends with the timeout, the listener having seen nothing. */
    pkce_logout *forged = NULL;
    CHECK_STATUS(pkce_logout_new(client, &forged), PKCE_OK);
    CHECK_STATUS(pkce_logout_set_id_token_hint(forged, "eyJhbGciOiJSUzI1NiIsImtpZCI6InJzYS0xIn0.e30.c2ln"), PKCE_OK);
    CHECK_STATUS(pkce_client_sign_out(client, forged, listener, 1, PKCE_BROWSER_PROGRAM, browser, 1500, &error),
                 PKCE_ERR_SIGN_IN_TIMEOUT);
    pkce_error_free(error);
    pkce_logout_free(forged);
    pkce_listener_free(listener);
    pkce_logout_free(logout);
    pkce_token_free(token);
    pkce_client_free(client);
}

/* Without waiting for the way back, the browser still gets the start URL,
 * never the logout URL with its ID token, in its argument vector. */
static void test_sign_out_without_waiting(void) {
    pkce_client *client = discovered();
    pkce_token *token = signed_in(client);
    pkce_logout *logout = NULL;
    CHECK_STATUS(pkce_logout_new(client, &logout), PKCE_OK);
    CHECK_STATUS(pkce_logout_set_id_token_hint(logout, pkce_token_id_token(token)), PKCE_OK);
    unlink("build/logout-argv.json");
    setenv("PKCE_TEST_BROWSER_RECORD", "build/logout-argv.json", 1);
    pkce_error *error = NULL;
    CHECK_STATUS(pkce_client_sign_out(client, logout, NULL, 0, PKCE_BROWSER_PROGRAM, browser, 20000, &error), PKCE_OK);
    pkce_error_free(error);
    unsetenv("PKCE_TEST_BROWSER_RECORD");
    FILE *f = fopen("build/logout-argv.json", "r");
    char argv_text[4096] = "";
    if (f) {
        argv_text[fread(argv_text, 1, sizeof argv_text - 1, f)] = '\0';
        fclose(f);
    }
    CHECK(strstr(argv_text, "\"http://127.0.0.1:") != NULL);
    CHECK(strstr(argv_text, "id_token_hint") == NULL && strstr(argv_text, pkce_token_id_token(token)) == NULL);
    pkce_logout_free(logout);
    pkce_token_free(token);
    pkce_client_free(client);
}

static void test_workos_and_refusals(void) {
    pkce_client *client = new_client();
    pkce_logout *logout = NULL;
    CHECK_STATUS(pkce_logout_new(client, &logout), PKCE_ERR_NOT_CONFIGURED);  /* no end-session endpoint */
    CHECK(logout == NULL);
    CHECK_STATUS(pkce_client_use_workos(client, "https://api.workos.com"), PKCE_OK);
    CHECK_STATUS(pkce_logout_new(client, &logout), PKCE_OK);
    char *url = NULL;
    CHECK_STATUS(pkce_logout_url(logout, &url), PKCE_ERR_INVALID_ARGUMENT);  /* WorkOS needs the session id */
    CHECK_STATUS(pkce_logout_set_hints(logout, NULL, NULL, "session_01H"), PKCE_OK);
    CHECK_STATUS(pkce_logout_set_post_logout_redirect_uri(logout, "http://127.0.0.1:8765/done"), PKCE_OK);
    char *expected = NULL;
    CHECK_STATUS(pkce_client_workos_logout_url(client, "session_01H", "http://127.0.0.1:8765/done", &expected), PKCE_OK);
    CHECK_STATUS(pkce_logout_url(logout, &url), PKCE_OK);
    CHECK_STR(url, expected);
    pkce_string_free(url);
    pkce_string_free(expected);
    pkce_logout_free(logout);
    CHECK_STATUS(pkce_client_set_end_session_endpoint(client, "http://op.example/logout"), PKCE_ERR_URL_INSECURE);
    CHECK_STATUS(pkce_logout_new(NULL, &logout), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_logout_url(NULL, &url), PKCE_ERR_INVALID_ARGUMENT);
    pkce_client_free(client);
}

/* A sign-out removes the account from the store. */
static void test_store_removal(void) {
    char path[] = "build/test-logout-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    unlink(path);
    pkce_client *client = discovered();
    pkce_token *token = signed_in(client);
    pkce_token_store *store = NULL;
    pkce_token_source *source = NULL;
    CHECK_STATUS(pkce_token_store_open_file(path, &store), PKCE_OK);
    CHECK_STATUS(pkce_token_source_new(client, token, store, NULL, &source, NULL), PKCE_OK);
    pkce_token_source_free(source);
    CHECK_STATUS(pkce_token_store_remove(store, 1, NULL), PKCE_ERR_NOT_FOUND);
    CHECK_STATUS(pkce_token_store_remove(store, 0, NULL), PKCE_OK);
    char *client_id = NULL;
    CHECK_STATUS(pkce_token_store_entry(store, 0, &client_id, NULL, NULL, NULL, NULL), PKCE_ERR_NOT_FOUND);
    pkce_token_store_free(store);
    pkce_token_free(token);
    pkce_client_free(client);
    remove_store_file(path);
}

int main(void) {
    if (!server_env()) return 2;
    char cwd[2048];
    if (!getcwd(cwd, sizeof cwd)) return 2;
    snprintf(browser, sizeof browser, "%s/Tests/signin/scripted-browser", cwd);
    test_url_and_redirect_sans_io();
    test_sign_out_through_the_listener();
    test_sign_out_without_waiting();
    test_workos_and_refusals();
    test_store_removal();
    return check_summary();
}
