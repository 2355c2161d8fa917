/* Native-app sign-in against the Authlib server (run through
 * Tests/server/with-server.sh): the loopback listener, the browser (played
 * by Tests/signin/scripted-browser, started by libpkce as a real browser
 * program would be), the one-call sign-in, the device authorization grant
 * and the debug log, which must never carry a secret. */
#define _GNU_SOURCE
#include "test_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

static char browser[4096];

/* A client for the test server: discovery (which finds the device endpoint too). */
static pkce_client *discovered_client(void) {
    pkce_client *client = new_client();
    pkce_error *error = NULL;
    CHECK_STATUS(pkce_client_discover(client, issuer, &error), PKCE_OK);
    pkce_error_free(error);
    return client;
}

/* A TCP socket listening on 127.0.0.1:port (0: any); its port in *bound. */
static int occupy(uint16_t port, uint16_t *bound) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t n = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 1) != 0) { close(fd); return -1; }
    getsockname(fd, (struct sockaddr *)&a, &n);
    *bound = ntohs(a.sin_port);
    return fd;
}

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

/* The page the scripted browser wrote down: it runs on its own, so the
 * sign-in may return before it has written; wait up to 10 s for `wanted`. */
static const char *browser_page(const char *wanted) {
    const char *page = NULL;
    for (int i = 0; i < 200; i++) {
        page = read_file("build/signin-page.html");
        if (page && strstr(page, wanted)) return page;
        usleep(50 * 1000);
    }
    return page;
}

static pkce_status sign_in(pkce_client *client, pkce_attempt *attempt, pkce_listener *listener, const char *mode,
                           int timeout_ms, pkce_token **token, pkce_error **error) {
    setenv("PKCE_TEST_BROWSER", mode, 1);
    unlink("build/signin-page.html");  /* no page of an earlier sign-in */
    return pkce_client_sign_in(client, attempt, listener, PKCE_BROWSER_PROGRAM, browser, timeout_ms, token, error);
}

static void test_ephemeral_port(void) {
    pkce_client *client = discovered_client();
    pkce_token *token = NULL;
    pkce_error *error = NULL;
    setenv("PKCE_TEST_BROWSER_PAGE", "build/signin-page.html", 1);
    CHECK_STATUS(sign_in(client, NULL, NULL, "follow", 20000, &token, &error), PKCE_OK);
    if (error) fprintf(stderr, "  %s\n", pkce_error_message(error));
    CHECK(token && pkce_token_access_token(token) && strlen(pkce_token_access_token(token)) > 10);
    const char *page = browser_page("Signed in");
    CHECK(page && strstr(page, "Signed in") && !strstr(page, pkce_token_access_token(token)));
    unsetenv("PKCE_TEST_BROWSER_PAGE");
    pkce_token_free(token);
    pkce_error_free(error);
    pkce_client_free(client);
}

/* A fixed port, a path of our own, our pages, and an attempt with a provider parameter. */
static void test_fixed_port(void) {
    uint16_t chosen;
    int probe = occupy(0, &chosen);
    close(probe);  /* a port that was free a moment ago */
    pkce_listener *listener = NULL;
    CHECK_STATUS(pkce_listener_new("127.0.0.1", &chosen, 1, "/done", &listener, NULL), PKCE_OK);
    CHECK(pkce_listener_port(listener) == chosen);
    char expected[128];
    snprintf(expected, sizeof expected, "http://127.0.0.1:%u/done", chosen);
    CHECK_STR(pkce_listener_redirect_uri(listener), expected);
    CHECK_STATUS(pkce_listener_set_pages(listener, "<p>custom welcome</p>", NULL), PKCE_OK);
    pkce_client *client = discovered_client();
    pkce_attempt *attempt = NULL;
    CHECK_STATUS(pkce_attempt_new(client, &attempt), PKCE_OK);
    CHECK_STATUS(pkce_attempt_add_parameter(attempt, "login_hint", "ada@example.com"), PKCE_OK);
    pkce_token *token = NULL;
    setenv("PKCE_TEST_BROWSER_PAGE", "build/signin-page.html", 1);
    CHECK_STATUS(sign_in(client, attempt, listener, "follow", 20000, &token, NULL), PKCE_OK);
    const char *page = browser_page("custom welcome");
    CHECK(page && strcmp(page, "<p>custom welcome</p>") == 0);
    unsetenv("PKCE_TEST_BROWSER_PAGE");
    /* The token request carried the listener's redirect URI (Authlib compares it with the authorization request's). */
    pkce_http_request *request = NULL;
    CHECK_STATUS(pkce_attempt_token_request(attempt, &request), PKCE_OK);
    CHECK(strstr(pkce_http_request_body(request, NULL), "redirect_uri=http%3A%2F%2F127.0.0.1%3A") != NULL);
    CHECK_STATUS(pkce_attempt_set_redirect_uri(attempt, "http://127.0.0.1:1/callback"), PKCE_ERR_ATTEMPT_USED);
    pkce_http_request_free(request);
    pkce_token_free(token);
    pkce_attempt_free(attempt);
    pkce_listener_free(listener);
    pkce_client_free(client);
}

static void test_ports_taken(void) {
    uint16_t taken, taken2, spare;
    int a = occupy(0, &taken), b = occupy(0, &taken2), c = occupy(0, &spare);
    close(c);
    uint16_t ports[3] = { taken, taken2, spare };
    pkce_listener *listener = NULL;
    CHECK_STATUS(pkce_listener_new(NULL, ports, 3, NULL, &listener, NULL), PKCE_OK);
    CHECK(pkce_listener_port(listener) == spare);  /* the first free one of the list */
    pkce_listener_free(listener);
    listener = (pkce_listener *)&listener;
    pkce_error *error = NULL;
    CHECK_STATUS(pkce_listener_new(NULL, ports, 2, NULL, &listener, &error), PKCE_ERR_PORT_IN_USE);
    CHECK(listener == (pkce_listener *)&listener);
    char names[64];
    snprintf(names, sizeof names, "ports %u, %u are all in use", taken, taken2);
    CHECK(error && strstr(pkce_error_message(error), names));
    pkce_error_free(error);
    /* Never a non-loopback address; a path must be a path. */
    CHECK_STATUS(pkce_listener_new("0.0.0.0", NULL, 0, NULL, &listener, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_listener_new("192.168.1.1", NULL, 0, NULL, &listener, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_listener_new(NULL, NULL, 0, "callback", &listener, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_listener_new(NULL, ports, (size_t)-1, NULL, &listener, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_listener_new("::1", NULL, 0, NULL, &listener, NULL), PKCE_OK);
    CHECK(strncmp(pkce_listener_redirect_uri(listener), "http://[::1]:", 13) == 0);
    pkce_listener_free(listener);
    close(a);
    close(b);
}

static void test_denied_and_stray(void) {
    pkce_client *client = discovered_client();
    pkce_token *token = (pkce_token *)&token;
    pkce_error *error = NULL;
    setenv("PKCE_TEST_BROWSER_PAGE", "build/signin-page.html", 1);
    CHECK_STATUS(sign_in(client, NULL, NULL, "deny", 20000, &token, &error), PKCE_ERR_OAUTH);
    CHECK(token == (pkce_token *)&token);
    CHECK_STR(pkce_error_oauth_error(error), "access_denied");
    const char *page = browser_page("access_denied");
    CHECK(page && strstr(page, "Sign-in failed") && strstr(page, "access_denied"));
    unsetenv("PKCE_TEST_BROWSER_PAGE");
    pkce_error_free(error);
    /* Favicon, wrong path, a forged state, junk, silent and half-sent connections first. */
    token = NULL;
    error = NULL;
    CHECK_STATUS(sign_in(client, NULL, NULL, "stray", 20000, &token, &error), PKCE_OK);
    if (error) fprintf(stderr, "  %s\n", pkce_error_message(error));
    pkce_error_free(error);
    pkce_token_free(token);
    pkce_client_free(client);
}

/* The browser's argument vector, readable by every local user, holds only
 * the one-time start URL: nothing of the attempt. A second request for it
 * (another user who copied it) ends the sign-in at once. */
static void test_start_url(void) {
    pkce_client *client = discovered_client();
    pkce_attempt *attempt = NULL;
    pkce_token *token = NULL;
    pkce_error *error = NULL;
    CHECK_STATUS(pkce_attempt_new(client, &attempt), PKCE_OK);
    setenv("PKCE_TEST_BROWSER_RECORD", "build/browser-argv.json", 1);
    unlink("build/browser-argv.json");
    CHECK_STATUS(sign_in(client, attempt, NULL, "record", 2000, &token, &error), PKCE_ERR_SIGN_IN_TIMEOUT);
    unsetenv("PKCE_TEST_BROWSER_RECORD");
    const char *recorded = read_file("build/browser-argv.json");
    CHECK(recorded && strstr(recorded, "\"http://127.0.0.1:"));
    CHECK(recorded && !strstr(recorded, pkce_attempt_state(attempt)) && !strstr(recorded, "state")
          && !strstr(recorded, "code_challenge") && !strstr(recorded, "redirect_uri") && !strstr(recorded, "https"));
    /* "/" and 43 random characters (256 bits) after the port. */
    const char *path = recorded ? strchr(strstr(recorded, "127.0.0.1:") + 10, '/') : NULL;
    CHECK(path && strcspn(path, "\"") == 44);
    pkce_error_free(error);
    pkce_attempt_free(attempt);

    error = NULL;
    CHECK_STATUS(sign_in(client, NULL, NULL, "race", 20000, &token, &error), PKCE_ERR_SIGN_IN_RACED);
    CHECK(error && strstr(pkce_error_message(error), "twice"));
    pkce_error_free(error);

    /* Made by hand: a redirect once, then the end of the wait. */
    pkce_listener *listener = NULL;
    char *start = NULL;
    CHECK_STATUS(pkce_listener_new(NULL, NULL, 0, NULL, &listener, NULL), PKCE_OK);
    CHECK_STATUS(pkce_listener_start_url(listener, "javascript:alert(1)", &start), PKCE_ERR_URL_INSECURE);
    CHECK_STATUS(pkce_listener_start_url(listener, "http://as.example/authorize", &start), PKCE_ERR_URL_INSECURE);
    CHECK_STATUS(pkce_listener_start_url(listener, "https://as.example/a\r\nSet-Cookie: x", &start), PKCE_ERR_URL_INVALID);
    CHECK_STATUS(pkce_listener_start_url(NULL, "https://as.example/a", &start), PKCE_ERR_INVALID_ARGUMENT);
    CHECK(start == NULL);
    CHECK_STATUS(pkce_listener_start_url(listener, "https://as.example/a?b=c", &start), PKCE_OK);
    CHECK(start && strncmp(start, "http://127.0.0.1:", 17) == 0);
    pkce_string_free(start);
    pkce_listener_free(listener);
    pkce_client_free(client);
}

/* Once the state matched, the response is this attempt's: a wrong iss or
 * an error ends the wait at once (not after the timeout). Microsoft Entra's
 * error_description carries CR LF, shown as spaces. */
static void test_our_failed_response(void) {
    pkce_client *client = discovered_client();
    pkce_token *token = NULL;
    pkce_error *error = NULL;
    CHECK_STATUS(sign_in(client, NULL, NULL,
                         "callback:error=access_denied&error_description=AADSTS65004%3A+User+declined+to+consent."
                         "%0D%0ATrace+ID%3A+0f1e%0d%0aCorrelation+ID%3A+9a&state={state}&iss={iss}", 20000, &token, &error),
                 PKCE_ERR_OAUTH);
    CHECK_STR(pkce_error_oauth_error(error), "access_denied");
    CHECK_STR(pkce_error_description(error), "AADSTS65004: User declined to consent. Trace ID: 0f1e Correlation ID: 9a");
    pkce_error_free(error);
    error = NULL;
    CHECK_STATUS(sign_in(client, NULL, NULL, "callback:code=abc&state={state}&iss=https%3A%2F%2Fevil.example", 20000,
                         &token, &error), PKCE_ERR_ISSUER_MISMATCH);
    pkce_error_free(error);
    CHECK_STATUS(pkce_client_set_issuer(client, issuer, 1), PKCE_OK);
    CHECK_STATUS(sign_in(client, NULL, NULL, "callback:code=abc&state={state}", 20000, &token, NULL), PKCE_ERR_ISSUER_MISSING);
    /* A control character in the code is refused, and ends the wait too. */
    CHECK_STATUS(sign_in(client, NULL, NULL, "callback:code=a%0Db&state={state}&iss={iss}", 1500, &token, NULL), PKCE_ERR_SIGN_IN_TIMEOUT);
    pkce_client_free(client);
}

/* Runs `fn(arg)` on another thread after `ms` milliseconds: a user's Cancel button. */
struct later { void (*fn)(void *); void *arg; int ms; pthread_t thread; };

static void *run_later(void *arg) {
    struct later *l = arg;
    usleep((useconds_t)l->ms * 1000);
    l->fn(l->arg);
    return NULL;
}

static void cancel_listener(void *listener) { pkce_listener_cancel(listener); }
static void cancel_device(void *device) { pkce_device_cancel(device); }

static void test_timeout_and_cancel(void) {
    pkce_client *client = discovered_client();
    pkce_token *token = NULL;
    pkce_error *error = NULL;
    CHECK_STATUS(sign_in(client, NULL, NULL, "record", 400, &token, &error), PKCE_ERR_SIGN_IN_TIMEOUT);
    CHECK(error && strstr(pkce_error_message(error), "400 ms"));
    pkce_error_free(error);
    pkce_listener *listener = NULL;
    CHECK_STATUS(pkce_listener_new(NULL, NULL, 0, NULL, &listener, NULL), PKCE_OK);
    struct later cancel = { cancel_listener, listener, 300, 0 };
    pthread_create(&cancel.thread, NULL, run_later, &cancel);
    CHECK_STATUS(sign_in(client, NULL, listener, "record", 20000, &token, NULL), PKCE_ERR_CANCELLED);
    pthread_join(cancel.thread, NULL);
    pkce_listener_free(listener);
    pkce_client_free(client);
}

/* No shell: a URL full of shell syntax reaches the program as one argument, and runs nothing. */
static void test_browser_without_shell(void) {
    const char *marker = "build/shell-ran";
    unlink(marker);
    const char *url = "https://as.example/a?x='; touch build/shell-ran; echo '$(touch build/shell-ran)`touch build/shell-ran`\n"
                      "touch build/shell-ran\"&y=1|touch build/shell-ran";
    setenv("PKCE_TEST_BROWSER", "record", 1);
    setenv("PKCE_TEST_BROWSER_RECORD", "build/browser-argv.json", 1);
    unlink("build/browser-argv.json");
    CHECK_STATUS(pkce_browser_open(url, PKCE_BROWSER_PROGRAM, browser), PKCE_OK);
    const char *recorded = NULL;  /* written whole by the browser, which runs on its own */
    for (int i = 0; i < 200 && !(recorded = read_file("build/browser-argv.json")); i++) usleep(50 * 1000);
    CHECK(recorded && strstr(recorded, "touch build/shell-ran; echo '$(touch build/shell-ran)`touch build/shell-ran`\\n"));
    CHECK(access(marker, F_OK) != 0);
    unsetenv("PKCE_TEST_BROWSER_RECORD");
    CHECK_STATUS(pkce_browser_open(url, PKCE_BROWSER_PROGRAM, "build/no-such-browser"), PKCE_ERR_BROWSER);
    CHECK_STATUS(pkce_browser_open(url, PKCE_BROWSER_PROGRAM, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_browser_open(url, (pkce_browser)7, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_browser_open(NULL, PKCE_BROWSER_PRINT, NULL), PKCE_ERR_INVALID_ARGUMENT);
}

/* The user at another device: approves (or refuses) after a moment. */
struct decision { const char *user_code, *path, *first; int delay_ms; };

static void *decide_later(void *arg) {
    struct decision *d = arg;
    char form[128];
    snprintf(form, sizeof form, "user_code=%s", d->user_code);
    if (d->first) free(server_request(d->first, form, NULL));
    usleep((useconds_t)d->delay_ms * 1000);
    free(server_request(d->path, form, NULL));
    return NULL;
}

static pkce_status device_flow(pkce_client *client, const char *path, const char *first, int delay_ms,
                               pkce_token **token, int64_t *interval) {
    pkce_device *device = NULL;
    pkce_error *error = NULL;
    pkce_status st = pkce_client_device_start(client, NULL, &device, &error);
    CHECK_STATUS(st, PKCE_OK);
    if (st != PKCE_OK) return st;
    char expected[512];
    snprintf(expected, sizeof expected, "%s/device", issuer);
    CHECK_STR(pkce_device_verification_uri(device), expected);
    CHECK(strlen(pkce_device_user_code(device)) >= 8 && strstr(pkce_device_verification_uri_complete(device), "user_code="));
    CHECK(pkce_device_interval(device) == 1 && pkce_device_expires_in(device) > 0);
    struct decision d = { pkce_device_user_code(device), path, first, delay_ms };
    pthread_t thread;
    if (path) pthread_create(&thread, NULL, decide_later, &d);
    st = pkce_client_device_poll(client, device, token, &error);
    if (path) pthread_join(thread, NULL);
    *interval = pkce_device_interval(device);
    pkce_error_free(error);
    pkce_device_free(device);
    return st;
}

static void test_device_grant(void) {
    pkce_client *client = discovered_client();
    CHECK_STATUS(pkce_client_set_scope(client, "profile"), PKCE_OK);
    free(server_request("/_device/settings", "interval=1&expires_in=60", NULL));
    pkce_token *token = NULL;
    int64_t interval = 0;
    /* Pending for a while, then approved. */
    CHECK_STATUS(device_flow(client, "/device/approve", NULL, 2500, &token, &interval), PKCE_OK);
    CHECK(token && pkce_token_access_token(token) && pkce_token_refresh_token(token));
    pkce_token_free(token);
    token = NULL;
    /* The user refuses. */
    CHECK_STATUS(device_flow(client, "/device/deny", NULL, 1500, &token, &interval), PKCE_ERR_ACCESS_DENIED);
    CHECK(token == NULL);
    /* slow_down at the first poll (after 1 s): the interval grows by 5 seconds, and polling goes on. */
    CHECK_STATUS(device_flow(client, "/device/approve", "/_device/slow-down", 2500, &token, &interval), PKCE_OK);
    CHECK(interval == 6);
    pkce_token_free(token);
    token = NULL;
    /* Nobody decides: the code expires (expires_in 2 s). */
    free(server_request("/_device/settings", "interval=1&expires_in=2", NULL));
    CHECK_STATUS(device_flow(client, NULL, NULL, 0, &token, &interval), PKCE_ERR_DEVICE_EXPIRED);
    free(server_request("/_device/settings", "interval=1&expires_in=60", NULL));
    /* Cancelled from another thread. */
    pkce_device *device = NULL;
    CHECK_STATUS(pkce_client_device_start(client, NULL, &device, NULL), PKCE_OK);
    struct later cancel = { cancel_device, device, 300, 0 };
    pthread_create(&cancel.thread, NULL, run_later, &cancel);
    CHECK_STATUS(pkce_client_device_poll(client, device, &token, NULL), PKCE_ERR_CANCELLED);
    pthread_join(cancel.thread, NULL);
    pkce_device_free(device);
    /* No endpoint: a clear status. */
    pkce_client *plain = new_client();
    CHECK_STATUS(pkce_client_device_start(plain, NULL, &device, NULL), PKCE_ERR_NOT_CONFIGURED);
    pkce_client_free(plain);
    pkce_client_free(client);
}

/* Sans-I/O: the answers of RFC 8628 3.2 and 3.5 read without a server. */
static void test_device_sans_io(void) {
    const char *answer = "{\"device_code\":\"dc-secret\",\"user_code\":\"WDJB-MJHT\",\"verification_uri\":\"https://as.example/device\","
                         "\"expires_in\":\"1800\"}";
    pkce_device *device = NULL;
    CHECK_STATUS(pkce_device_parse(200, answer, strlen(answer), &device, NULL), PKCE_OK);
    CHECK_STR(pkce_device_user_code(device), "WDJB-MJHT");
    CHECK(pkce_device_verification_uri_complete(device) == NULL);
    CHECK(pkce_device_interval(device) == 5 && pkce_device_expires_in(device) == 1800);
    pkce_client *client = NULL;
    CHECK_STATUS(pkce_client_new("app", "http://127.0.0.1/cb", &client), PKCE_OK);
    pkce_http_request *request = NULL;
    CHECK_STATUS(pkce_device_token_request(client, device, &request), PKCE_ERR_NOT_CONFIGURED);
    CHECK_STATUS(pkce_client_device_request(client, "openid", &request), PKCE_ERR_NOT_CONFIGURED);
    CHECK_STATUS(pkce_client_set_token_endpoint(client, "https://as.example/token"), PKCE_OK);
    CHECK_STATUS(pkce_client_set_device_authorization_endpoint(client, "https://as.example/device_authorization"), PKCE_OK);
    CHECK_STATUS(pkce_client_device_request(client, "openid", &request), PKCE_OK);
    CHECK_STR(pkce_http_request_body(request, NULL), "client_id=app&scope=openid");
    pkce_http_request_free(request);
    CHECK_STATUS(pkce_device_token_request(client, device, &request), PKCE_OK);
    CHECK_STR(pkce_http_request_body(request, NULL),
              "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=dc-secret&client_id=app");
    pkce_http_request_free(request);
    struct { const char *body; int status; pkce_status expected; } polls[] = {
        { "{\"error\":\"authorization_pending\"}", 400, PKCE_ERR_AUTHORIZATION_PENDING },
        { "{\"error\":\"slow_down\"}", 400, PKCE_ERR_SLOW_DOWN },
        { "{\"error\":\"access_denied\"}", 400, PKCE_ERR_ACCESS_DENIED },
        { "{\"error\":\"expired_token\"}", 400, PKCE_ERR_DEVICE_EXPIRED },
        { "{\"error\":\"invalid_grant\"}", 400, PKCE_ERR_OAUTH },
        { "{\"access_token\":\"at\",\"token_type\":\"Bearer\"}", 200, PKCE_OK },
    };
    for (size_t i = 0; i < sizeof polls / sizeof polls[0]; i++) {
        pkce_token *token = NULL;
        CHECK_STATUS(pkce_device_parse_token(device, polls[i].status, polls[i].body, strlen(polls[i].body), &token, NULL),
                     polls[i].expected);
        pkce_token_free(token);
    }
    CHECK(pkce_device_interval(device) == 10);  /* one slow_down: 5 + 5 */
    pkce_device_free(device);
    const char *bad[] = {
        "{\"user_code\":\"A\",\"verification_uri\":\"https://x\",\"expires_in\":10}",
        "{\"device_code\":\"d\",\"verification_uri\":\"https://x\",\"expires_in\":10}",
        "{\"device_code\":\"d\",\"user_code\":\"A\",\"expires_in\":10}",
        "{\"device_code\":\"d\",\"user_code\":\"A\",\"verification_uri\":\"https://x\"}",
        "{\"device_code\":\"d\",\"user_code\":\"A\",\"verification_uri\":\"https://x\",\"expires_in\":-1}",
        /* What reaches the user's terminal and browser. */
        "{\"device_code\":\"d\",\"user_code\":\"A\",\"verification_uri\":\"javascript:alert(1)\",\"expires_in\":10}",
        "{\"device_code\":\"d\",\"user_code\":\"A\",\"verification_uri\":\"http://as.example/device\",\"expires_in\":10}",
        "{\"device_code\":\"d\",\"user_code\":\"A\",\"verification_uri\":\"https://x\",\"expires_in\":10,"
        "\"verification_uri_complete\":\"file:///etc/passwd\"}",
        "{\"device_code\":\"d\",\"user_code\":\"A\",\"verification_uri\":\"https://x/\\u001b]8;;https://evil/\\u001b\\\\\",\"expires_in\":10}",
        "{\"device_code\":\"d\",\"user_code\":\"A\\u001b[2J\",\"verification_uri\":\"https://x\",\"expires_in\":10}",
        "{\"device_code\":\"d\",\"user_code\":\"A\\u009b2J\",\"verification_uri\":\"https://x\",\"expires_in\":10}",
        "{\"device_code\":\"d\",\"user_code\":\"A\\nB\",\"verification_uri\":\"https://x\",\"expires_in\":10}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        device = (pkce_device *)&device;
        CHECK_STATUS(pkce_device_parse(200, bad[i], strlen(bad[i]), &device, NULL), PKCE_ERR_RESPONSE_INVALID);
        CHECK(device == (pkce_device *)&device);
    }
    pkce_client_free(client);
}

/* Every line the log callback received. */
static char log_text[1 << 20];
static size_t log_length;
static int log_lines;
static pthread_mutex_t log_mutex = PTHREAD_MUTEX_INITIALIZER;

static void collect(pkce_log_level level, const char *message, void *user_data) {
    CHECK(user_data == log_text);
    CHECK(level >= PKCE_LOG_ERROR && level <= PKCE_LOG_DEBUG);
    pthread_mutex_lock(&log_mutex);
    log_length += (size_t)snprintf(log_text + log_length, sizeof log_text - log_length, "%d %s\n", (int)level, message);
    log_lines++;
    pthread_mutex_unlock(&log_mutex);
}

static void check_not_logged(const char *what, const char *secret) {
    if (!secret || strlen(secret) < 4) return;
    int found = strstr(log_text, secret) != NULL;
    CHECK(!found);
    if (found) fprintf(stderr, "  the log carries the %s\n", what);
}

static void test_log_masks_secrets(void) {
    pkce_client *client = new_client();
    CHECK_STATUS(pkce_client_set_log(client, PKCE_LOG_DEBUG, collect, log_text), PKCE_OK);
    CHECK_STATUS(pkce_client_set_log(client, (pkce_log_level)9, collect, log_text), PKCE_ERR_INVALID_ARGUMENT);
    pkce_error *error = NULL;
    CHECK_STATUS(pkce_client_discover(client, issuer, &error), PKCE_OK);
    pkce_attempt *attempt = NULL;
    CHECK_STATUS(pkce_attempt_new(client, &attempt), PKCE_OK);
    pkce_token *token = NULL;
    CHECK_STATUS(sign_in(client, attempt, NULL, "stray", 20000, &token, &error), PKCE_OK);
    pkce_http_request *request = NULL;
    CHECK_STATUS(pkce_attempt_token_request(attempt, &request), PKCE_OK);
    const char *body = pkce_http_request_body(request, NULL);
    char code[256] = "";
    const char *c = strstr(body, "code=");
    if (c) snprintf(code, sizeof code, "%.*s", (int)strcspn(c + 5, "&"), c + 5);
    pkce_token *refreshed = NULL;
    CHECK_STATUS(pkce_client_refresh(client, pkce_token_refresh_token(token), NULL, &refreshed, &error), PKCE_OK);
    CHECK_STATUS(pkce_client_revoke(client, pkce_token_refresh_token(refreshed), "refresh_token", &error), PKCE_OK);
    pkce_device *device = NULL;
    CHECK_STATUS(pkce_client_device_start(client, NULL, &device, &error), PKCE_OK);
    CHECK_STATUS(pkce_device_parse_token(device, 400, "{\"error\":\"authorization_pending\"}", 33, &refreshed, NULL),
                 PKCE_ERR_AUTHORIZATION_PENDING);
    struct later cancel = { cancel_device, device, 1500, 0 };  /* after one poll (interval 1 s) */
    pthread_create(&cancel.thread, NULL, run_later, &cancel);
    pkce_token *never = NULL;
    CHECK_STATUS(pkce_client_device_poll(client, device, &never, NULL), PKCE_ERR_CANCELLED);
    pthread_join(cancel.thread, NULL);

    /* What a debugging user needs is there... */
    CHECK(strstr(log_text, "request: GET ") && strstr(log_text, "/.well-known/oauth-authorization-server"));
    CHECK(strstr(log_text, "request: POST ") && strstr(log_text, "fields: grant_type=authorization_code code=("));
    CHECK(strstr(log_text, "code_verifier=(43 bytes)") && strstr(log_text, "client_id=libpkce-test"));
    CHECK(strstr(log_text, "answer: HTTP 200, application/json"));
    CHECK(strstr(log_text, "listener: waiting on http://127.0.0.1:") && strstr(log_text, "listener: the response was accepted"));
    CHECK(strstr(log_text, "listener: 404 for GET /favicon.ico") && strstr(log_text, "browser: started"));
    CHECK(strstr(log_text, "refresh_token=(") && strstr(log_text, "token_type_hint=refresh_token"));
    CHECK(strstr(log_text, "device: user code issued") && strstr(log_text, "device_code=("));
    /* ...and no secret is. */
    check_not_logged("verifier", pkce_attempt_verifier(attempt));
    check_not_logged("state", pkce_attempt_state(attempt));
    check_not_logged("nonce", pkce_attempt_nonce(attempt));
    check_not_logged("code", code);
    check_not_logged("access token", pkce_token_access_token(token));
    check_not_logged("refresh token", pkce_token_refresh_token(token));
    check_not_logged("new access token", pkce_token_access_token(refreshed));
    check_not_logged("new refresh token", pkce_token_refresh_token(refreshed));
    check_not_logged("user code", pkce_device_user_code(device));
    CHECK(log_lines > 15);
    CHECK_STATUS(pkce_client_set_log(client, PKCE_LOG_DEBUG, NULL, NULL), PKCE_OK);
    int before = log_lines;
    CHECK_STATUS(pkce_client_discover(client, issuer, &error), PKCE_OK);
    CHECK(log_lines == before);  /* switched off */
    pkce_device_free(device);
    pkce_http_request_free(request);
    pkce_token_free(refreshed);
    pkce_token_free(token);
    pkce_attempt_free(attempt);
    pkce_error_free(error);
    pkce_client_free(client);
}

int main(void) {
    if (!server_env()) return 2;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char cwd[2048];
    if (!getcwd(cwd, sizeof cwd)) return 2;
    snprintf(browser, sizeof browser, "%s/Tests/signin/scripted-browser", cwd);
    test_ephemeral_port();
    test_fixed_port();
    test_ports_taken();
    test_denied_and_stray();
    test_start_url();
    test_our_failed_response();
    test_timeout_and_cancel();
    test_browser_without_shell();
    test_device_sans_io();
    test_device_grant();
    test_log_masks_secrets();
    curl_global_cleanup();
    return check_summary();
}
