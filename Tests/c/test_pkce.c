/* The C test suite: every exported function of include/pkce.h, through the
 * built libpkce.so, with every bad input the header documents. Run under
 * valgrind by `make test-c`. */
#define _POSIX_C_SOURCE 200809L
#include "pkce.h"
#include "check.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define RFC_VERIFIER "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define RFC_CHALLENGE "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
#define REDIRECT "http://127.0.0.1:8080/callback"
#define REDIRECT_ENC "http%3A%2F%2F127.0.0.1%3A8080%2Fcallback"

static int is_b64url(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static int all_b64url(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) if (!is_b64url(s[i])) return 0;
    return s[n] == '\0';
}

static void test_version_and_strerror(void) {
    CHECK_STR(pkce_version(), PKCE_VERSION_STRING);
    CHECK_STR(pkce_strerror(PKCE_OK), "success");
    CHECK_STR(pkce_strerror((pkce_status)999), "unknown status");
    CHECK_STR(pkce_strerror((pkce_status)6), "unknown status");
    CHECK_STR(pkce_strerror((pkce_status)57), "unknown status");
    const pkce_status all[] = {
        PKCE_ERR_INVALID_ARGUMENT, PKCE_ERR_BUFFER_TOO_SMALL, PKCE_ERR_OUT_OF_MEMORY, PKCE_ERR_NOT_CONFIGURED,
        PKCE_ERR_NOT_FOUND, PKCE_ERR_VERIFIER_LENGTH, PKCE_ERR_VERIFIER_CHARSET, PKCE_ERR_METHOD_UNSUPPORTED,
        PKCE_ERR_RANDOM, PKCE_ERR_LENGTH, PKCE_ERR_URL_INVALID, PKCE_ERR_URL_INSECURE, PKCE_ERR_PARAMETER_RESERVED,
        PKCE_ERR_CALLBACK_INVALID, PKCE_ERR_CALLBACK_DUPLICATE, PKCE_ERR_ISSUER_MISSING, PKCE_ERR_ISSUER_MISMATCH,
        PKCE_ERR_STATE_MISMATCH, PKCE_ERR_CODE_MISSING, PKCE_ERR_ATTEMPT_USED, PKCE_ERR_OAUTH, PKCE_ERR_HTTP_STATUS,
        PKCE_ERR_RESPONSE_MALFORMED, PKCE_ERR_RESPONSE_INVALID, PKCE_ERR_RESPONSE_TOO_LARGE, PKCE_ERR_CONNECT,
        PKCE_ERR_TLS, PKCE_ERR_TIMEOUT, PKCE_ERR_REDIRECT, PKCE_ERR_TRANSPORT, PKCE_ERR_DISCOVERY, PKCE_ERR_S256_UNSUPPORTED,
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        const char *s = pkce_strerror(all[i]);
        CHECK(s != NULL && strcmp(s, "unknown status") != 0 && strcmp(s, "success") != 0);
        for (size_t j = 0; j < i; j++) CHECK(strcmp(s, pkce_strerror(all[j])) != 0);
    }
    CHECK(pkce_verifier_min_length() == PKCE_VERIFIER_MIN_LENGTH);
    CHECK(pkce_verifier_max_length() == PKCE_VERIFIER_MAX_LENGTH);
}

static void test_verifier_generate(void) {
    char buf[200];
    for (size_t len = 43; len <= 128; len++) {
        CHECK_STATUS(pkce_verifier_generate(len, buf, len + 1), PKCE_OK);
        CHECK(strlen(buf) == len && all_b64url(buf, len));
        CHECK_STATUS(pkce_verifier_check(buf), PKCE_OK);
    }
    CHECK_STATUS(pkce_verifier_generate(42, buf, sizeof buf), PKCE_ERR_VERIFIER_LENGTH);
    CHECK_STATUS(pkce_verifier_generate(129, buf, sizeof buf), PKCE_ERR_VERIFIER_LENGTH);
    CHECK_STATUS(pkce_verifier_generate(0, buf, sizeof buf), PKCE_ERR_VERIFIER_LENGTH);
    CHECK_STATUS(pkce_verifier_generate(SIZE_MAX, buf, sizeof buf), PKCE_ERR_VERIFIER_LENGTH);
    CHECK_STATUS(pkce_verifier_generate(43, NULL, 44), PKCE_ERR_INVALID_ARGUMENT);
    memset(buf, 'X', sizeof buf);
    CHECK_STATUS(pkce_verifier_generate(43, buf, 43), PKCE_ERR_BUFFER_TOO_SMALL);
    CHECK(buf[0] == 'X' && buf[42] == 'X' && buf[43] == 'X');
}

/* Uniformity: 64 characters, chi-square with 63 degrees of freedom. A
 * biased mapping (e.g. byte % 66) would miss '.' and '~' yet over-weight
 * the first characters; a bound of 150 fails such a bias and passes an
 * unbiased generator with probability 1 - 1e-8. */
static void test_verifier_distribution(void) {
    long counts[256] = {0};
    char buf[129];
    const int rounds = 20000;
    for (int i = 0; i < rounds; i++) {
        pkce_verifier_generate(128, buf, sizeof buf);
        for (int k = 0; k < 128; k++) counts[(unsigned char)buf[k]]++;
    }
    double expected = rounds * 128.0 / 64.0, chi = 0;
    int distinct = 0;
    for (int c = 0; c < 256; c++) {
        if (!counts[c]) continue;
        CHECK(is_b64url((char)c));
        distinct++;
        chi += (counts[c] - expected) * (counts[c] - expected) / expected;
    }
    CHECK(distinct == 64);
    CHECK(chi < 150.0);
    if (chi >= 150.0) fprintf(stderr, "chi-square %.1f\n", chi);
}

static int cmp_str(const void *a, const void *b) { return strcmp((const char *)a, (const char *)b); }

static void test_verifier_unique(void) {
    enum { N = 2000 };
    static char v[N][44];
    for (int i = 0; i < N; i++) pkce_verifier_generate(43, v[i], 44);
    qsort(v, N, 44, cmp_str);
    int dup = 0;
    for (int i = 1; i < N; i++) dup += strcmp(v[i - 1], v[i]) == 0;
    CHECK(dup == 0);
}

static void test_verifier_check(void) {
    char buf[300];
    CHECK_STATUS(pkce_verifier_check(RFC_VERIFIER), PKCE_OK);
    CHECK_STATUS(pkce_verifier_check(NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_verifier_check(""), PKCE_ERR_VERIFIER_LENGTH);
    memset(buf, 'a', sizeof buf);
    buf[42] = 0; CHECK_STATUS(pkce_verifier_check(buf), PKCE_ERR_VERIFIER_LENGTH);
    buf[42] = 'a'; buf[43] = 0; CHECK_STATUS(pkce_verifier_check(buf), PKCE_OK);
    buf[43] = 'a'; buf[128] = 0; CHECK_STATUS(pkce_verifier_check(buf), PKCE_OK);
    buf[128] = 'a'; buf[129] = 0; CHECK_STATUS(pkce_verifier_check(buf), PKCE_ERR_VERIFIER_LENGTH);
    /* no NUL within 300 bytes: at most 129 are read, so this is "too long", not an over-read */
    memset(buf, 'a', sizeof buf);
    char *unterminated = malloc(200);
    memset(unterminated, 'a', 200);
    CHECK_STATUS(pkce_verifier_check(unterminated), PKCE_ERR_VERIFIER_LENGTH);
    free(unterminated);
    /* an embedded NUL ends the string early: too short */
    memcpy(buf, RFC_VERIFIER, 44); buf[20] = 0;
    CHECK_STATUS(pkce_verifier_check(buf), PKCE_ERR_VERIFIER_LENGTH);
    const char bad[] = { '+', '/', '=', ' ', '%', '\n', '\x7f', (char)0x80, (char)0xc3 };
    for (size_t i = 0; i < sizeof bad; i++) {
        memcpy(buf, RFC_VERIFIER, 44);
        buf[10] = bad[i];
        CHECK_STATUS(pkce_verifier_check(buf), PKCE_ERR_VERIFIER_CHARSET);
    }
    memcpy(buf, RFC_VERIFIER, 44); buf[0] = '.'; buf[1] = '~';
    CHECK_STATUS(pkce_verifier_check(buf), PKCE_OK);
}

static void test_challenge(void) {
    char out[200];
    CHECK_STATUS(pkce_challenge_derive(RFC_VERIFIER, PKCE_METHOD_S256, out, sizeof out), PKCE_OK);
    CHECK_STR(out, RFC_CHALLENGE);
    /* the wrong answers seen in the wild: standard alphabet with padding, and base64url of the hex digest */
    CHECK(strcmp(out, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM=") != 0);
    CHECK(strcmp(out, "MTNkMzFlOTYxYTFhZDhlYzJmMTZiMTBjNGM5ODJlMDg3NmE4NzhhZDZkZjE0NDU2NmVlMTg5NGFjYjcwZjljMw") != 0);
    CHECK(strlen(out) == 43 && !strchr(out, '=') && !strchr(out, '+') && !strchr(out, '/'));
    /* more vectors, computed with Python's hashlib + base64.urlsafe_b64encode, padding stripped */
    pkce_challenge_derive("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", PKCE_METHOD_S256, out, sizeof out);
    CHECK_STR(out, "ZtNPunH49FD35FWYhT5Tv8I7vRKQJ8uxMaL0_9eHjNA");
    pkce_challenge_derive("0123456789-._~ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef", PKCE_METHOD_S256, out, sizeof out);
    CHECK_STR(out, "X9UMO2bsbvTOPmDo-jKAy4Bs82uOkEZYLIpmJ49L3vI");
    char v128[129]; memset(v128, 'A', 128); v128[128] = 0;
    pkce_challenge_derive(v128, PKCE_METHOD_S256, out, sizeof out);
    CHECK_STR(out, "tqw8wQOGMxx2XwTwQcFH0PJ48q7Y6qAh4tAFf8b2_54");

    CHECK_STATUS(pkce_challenge_derive(RFC_VERIFIER, PKCE_METHOD_PLAIN, out, sizeof out), PKCE_OK);
    CHECK_STR(out, RFC_VERIFIER);
    CHECK_STATUS(pkce_challenge_derive(RFC_VERIFIER, PKCE_METHOD_PLAIN, out, 43), PKCE_ERR_BUFFER_TOO_SMALL);
    CHECK_STATUS(pkce_challenge_derive(RFC_VERIFIER, (pkce_method)7, out, sizeof out), PKCE_ERR_METHOD_UNSUPPORTED);
    memset(out, 'X', sizeof out);
    CHECK_STATUS(pkce_challenge_derive(RFC_VERIFIER, PKCE_METHOD_S256, out, 43), PKCE_ERR_BUFFER_TOO_SMALL);
    CHECK(out[0] == 'X' && out[43] == 'X');
    CHECK_STATUS(pkce_challenge_derive(RFC_VERIFIER, PKCE_METHOD_S256, out, 44), PKCE_OK);
    CHECK_STATUS(pkce_challenge_derive("short", PKCE_METHOD_S256, out, sizeof out), PKCE_ERR_VERIFIER_LENGTH);
    CHECK_STATUS(pkce_challenge_derive("dBjftJeZ4CVP+mB92K27uhbUJU1p1r_wW1gFWFOEjXk", PKCE_METHOD_S256, out, sizeof out),
                 PKCE_ERR_VERIFIER_CHARSET);
    CHECK_STATUS(pkce_challenge_derive(NULL, PKCE_METHOD_S256, out, sizeof out), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_challenge_derive(RFC_VERIFIER, PKCE_METHOD_S256, NULL, 44), PKCE_ERR_INVALID_ARGUMENT);
}

static void test_pair(void) {
    char v[129], c[44], again[44];
    for (size_t len = 43; len <= 128; len += 17) {
        CHECK_STATUS(pkce_pair_generate(len, v, sizeof v, c, sizeof c), PKCE_OK);
        CHECK(strlen(v) == len);
        CHECK_STATUS(pkce_verifier_check(v), PKCE_OK);
        pkce_challenge_derive(v, PKCE_METHOD_S256, again, sizeof again);
        CHECK_STR(c, again);
    }
    memset(v, 'X', sizeof v); memset(c, 'X', sizeof c);
    CHECK_STATUS(pkce_pair_generate(43, v, sizeof v, c, 43), PKCE_ERR_BUFFER_TOO_SMALL);
    CHECK(v[0] == 'X' && c[0] == 'X');
    CHECK_STATUS(pkce_pair_generate(64, v, 64, c, sizeof c), PKCE_ERR_BUFFER_TOO_SMALL);
    CHECK(v[0] == 'X' && c[0] == 'X');
    CHECK_STATUS(pkce_pair_generate(42, v, sizeof v, c, sizeof c), PKCE_ERR_VERIFIER_LENGTH);
    CHECK_STATUS(pkce_pair_generate(43, NULL, 44, c, sizeof c), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_pair_generate(43, v, sizeof v, NULL, 44), PKCE_ERR_INVALID_ARGUMENT);
    CHECK(v[0] == 'X' && c[0] == 'X');
}

static void test_random_and_state(void) {
    char a[129], b[129];
    CHECK_STATUS(pkce_random_string(22, a, sizeof a), PKCE_OK);
    CHECK(strlen(a) == 22 && all_b64url(a, 22));
    CHECK_STATUS(pkce_random_string(128, a, sizeof a), PKCE_OK);
    CHECK_STATUS(pkce_random_string(43, b, sizeof b), PKCE_OK);
    CHECK(strncmp(a, b, 43) != 0);
    CHECK_STATUS(pkce_random_string(21, a, sizeof a), PKCE_ERR_LENGTH);
    CHECK_STATUS(pkce_random_string(129, a, sizeof a), PKCE_ERR_LENGTH);
    CHECK_STATUS(pkce_random_string(43, a, 43), PKCE_ERR_BUFFER_TOO_SMALL);
    CHECK_STATUS(pkce_random_string(43, NULL, 44), PKCE_ERR_INVALID_ARGUMENT);

    CHECK_STATUS(pkce_state_check("abcdef", "abcdef"), PKCE_OK);
    CHECK_STATUS(pkce_state_check("abcdef", "abcdeg"), PKCE_ERR_STATE_MISMATCH);
    CHECK_STATUS(pkce_state_check("abcdef", "abcde"), PKCE_ERR_STATE_MISMATCH);
    CHECK_STATUS(pkce_state_check("abcdef", ""), PKCE_ERR_STATE_MISMATCH);
    CHECK_STATUS(pkce_state_check("", ""), PKCE_ERR_STATE_MISMATCH);
    CHECK_STATUS(pkce_state_check(NULL, "a"), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_state_check("a", NULL), PKCE_ERR_INVALID_ARGUMENT);
}

/* A child of fork() must not hand out the random bytes its parent had
 * buffered: both draw right after the fork and must differ. */
static void test_fork_safety(void) {
    for (int round = 0; round < 3; round++) {
        char parent[44], child[44] = {0}, warm[44];
        pkce_verifier_generate(43, warm, sizeof warm);  /* fills this thread's pool */
        int fds[2];
        if (pipe(fds) != 0) { CHECK(0); return; }
        pid_t pid = fork();
        if (pid == 0) {
            char v[44];
            pkce_verifier_generate(43, v, sizeof v);
            ssize_t w = write(fds[1], v, sizeof v);
            _exit(w == (ssize_t)sizeof v ? 0 : 1);
        }
        pkce_verifier_generate(43, parent, sizeof parent);
        close(fds[1]);
        ssize_t r = read(fds[0], child, sizeof child);
        close(fds[0]);
        int st = 0;
        waitpid(pid, &st, 0);
        CHECK(r == (ssize_t)sizeof child && WIFEXITED(st) && WEXITSTATUS(st) == 0);
        CHECK(strcmp(parent, child) != 0);
        CHECK_STATUS(pkce_verifier_check(child), PKCE_OK);
    }
}

enum { THREADS = 4, PER_THREAD = 3000 };
static char thread_out[THREADS * PER_THREAD][44];

static void *thread_body(void *arg) {
    size_t base = (size_t)(uintptr_t)arg * PER_THREAD;
    for (size_t i = 0; i < PER_THREAD; i++) pkce_verifier_generate(43, thread_out[base + i], 44);
    return NULL;
}

static void test_threads(void) {
    pthread_t t[THREADS];
    for (uintptr_t i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, thread_body, (void *)i);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    qsort(thread_out, THREADS * PER_THREAD, 44, cmp_str);
    int dup = 0, bad = 0;
    for (int i = 0; i < THREADS * PER_THREAD; i++) {
        bad += pkce_verifier_check(thread_out[i]) != PKCE_OK;
        if (i) dup += strcmp(thread_out[i - 1], thread_out[i]) == 0;
    }
    CHECK(dup == 0);
    CHECK(bad == 0);
}

static pkce_client *make_client(const char *scope) {
    pkce_client *client = NULL;
    CHECK_STATUS(pkce_client_new("my app", REDIRECT, &client), PKCE_OK);
    CHECK_STATUS(pkce_client_set_authorization_endpoint(client, "https://auth.example.com/authorize?tenant=a"), PKCE_OK);
    CHECK_STATUS(pkce_client_set_token_endpoint(client, "https://auth.example.com/token"), PKCE_OK);
    CHECK_STATUS(pkce_client_set_scope(client, scope), PKCE_OK);
    return client;
}

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
    CHECK_STATUS(pkce_client_set_issuer(client, NULL, 1), PKCE_OK);
    pkce_client_free(client);
    pkce_client_free(NULL);
}

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
    pkce_client *bare = NULL;
    pkce_client_new("id", REDIRECT, &bare);
    CHECK_STATUS(pkce_client_refresh_request(bare, "rt", NULL, &req), PKCE_ERR_NOT_CONFIGURED);
    pkce_client_free(bare);
    pkce_client_free(client);
    CHECK(pkce_http_request_method(NULL) == NULL && pkce_http_request_url(NULL) == NULL);
    CHECK(pkce_http_request_header_count(NULL) == 0 && pkce_http_request_body(NULL, NULL) == NULL);
    pkce_http_request_free(NULL);
}

static pkce_status parse(int status, const char *body, pkce_token **token, pkce_error **error) {
    return pkce_token_parse(status, body, strlen(body), token, error);
}

static pkce_status parse_only(int status, const char *body) {
    pkce_token *t = NULL;
    pkce_status st = parse(status, body, &t, NULL);
    pkce_token_free(t);
    return st;
}

static void test_token_success(void) {
    pkce_token *t = NULL;
    pkce_error *err = NULL;
    const char *body = "{\"access_token\":\"at-1\",\"token_type\":\"Bearer\",\"expires_in\":3600,"
                       "\"refresh_token\":\"rt-1\",\"scope\":\"openid email\",\"id_token\":\"h.p.s\","
                       "\"user\":{\"id\":\"user_01\",\"email\":\"a@example.com\"},\"organization_id\":\"org_01\","
                       "\"escaped\":\"a\\/b\\\"c\\u00e9\\ud83d\\ude00\",\"n\":null}";
    CHECK_STATUS(parse(200, body, &t, &err), PKCE_OK);
    CHECK(err == NULL);
    CHECK_STR(pkce_token_access_token(t), "at-1");
    CHECK_STR(pkce_token_token_type(t), "Bearer");
    CHECK_STR(pkce_token_refresh_token(t), "rt-1");
    CHECK_STR(pkce_token_scope(t), "openid email");
    CHECK_STR(pkce_token_id_token(t), "h.p.s");
    int64_t secs = 0;
    CHECK_STATUS(pkce_token_expires_in(t, &secs), PKCE_OK);
    CHECK(secs == 3600);
    size_t len = 0;
    CHECK_STR(pkce_token_json(t, &len), body);
    CHECK(len == strlen(body));
    char *s = NULL;
    CHECK_STATUS(pkce_token_member_json(t, "user", &s), PKCE_OK);
    CHECK_STR(s, "{\"id\":\"user_01\",\"email\":\"a@example.com\"}");
    pkce_string_free(s);
    CHECK_STATUS(pkce_token_member_json(t, "organization_id", &s), PKCE_OK);
    CHECK_STR(s, "\"org_01\"");
    pkce_string_free(s);
    CHECK_STATUS(pkce_token_member_string(t, "organization_id", &s), PKCE_OK);
    CHECK_STR(s, "org_01");
    pkce_string_free(s);
    CHECK_STATUS(pkce_token_member_string(t, "escaped", &s), PKCE_OK);
    CHECK_STR(s, "a/b\"c\xc3\xa9\xf0\x9f\x98\x80");
    pkce_string_free(s);
    s = (char *)"untouched";
    CHECK_STATUS(pkce_token_member_string(t, "user", &s), PKCE_ERR_RESPONSE_INVALID);
    CHECK_STATUS(pkce_token_member_string(t, "n", &s), PKCE_ERR_NOT_FOUND);
    CHECK_STATUS(pkce_token_member_string(t, "absent", &s), PKCE_ERR_NOT_FOUND);
    CHECK_STATUS(pkce_token_member_json(t, "absent", &s), PKCE_ERR_NOT_FOUND);
    CHECK_STR(s, "untouched");
    CHECK_STATUS(pkce_token_member_json(t, NULL, &s), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_token_member_json(t, "user", NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_token_member_string(NULL, "user", &s), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_token_expires_in(t, NULL), PKCE_ERR_INVALID_ARGUMENT);
    pkce_token_free(t);

    /* deviations that are safe to accept */
    CHECK_STATUS(parse(200, "{\"access_token\":\"a\",\"token_type\":\"bearer\",\"expires_in\":\"3600\"}", &t, NULL), PKCE_OK);
    CHECK_STR(pkce_token_token_type(t), "bearer");
    secs = 0;
    CHECK_STATUS(pkce_token_expires_in(t, &secs), PKCE_OK);
    CHECK(secs == 3600);
    pkce_token_free(t);
    CHECK_STATUS(parse(201, " {\"access_token\":\"a\",\"refresh_token\":null,\"expires_in\":null,\"x\":[1,2.5e3,true,false,{}]} ", &t, NULL), PKCE_OK);
    CHECK(pkce_token_token_type(t) == NULL && pkce_token_refresh_token(t) == NULL && pkce_token_scope(t) == NULL);
    CHECK(pkce_token_id_token(t) == NULL);
    secs = 42;
    CHECK_STATUS(pkce_token_expires_in(t, &secs), PKCE_ERR_NOT_FOUND);
    CHECK(secs == 42);
    pkce_token_free(t);
    /* the body need not be NUL-terminated: only body_length bytes are read */
    const char unterminated[] = "{\"access_token\":\"a\"}XXXX";
    CHECK_STATUS(pkce_token_parse(200, unterminated, strlen(unterminated) - 4, &t, NULL), PKCE_OK);
    CHECK_STR(pkce_token_json(t, NULL), "{\"access_token\":\"a\"}");
    pkce_token_free(t);
    CHECK(pkce_token_access_token(NULL) == NULL && pkce_token_json(NULL, NULL) == NULL);
    CHECK(pkce_token_token_type(NULL) == NULL && pkce_token_refresh_token(NULL) == NULL);
    CHECK(pkce_token_scope(NULL) == NULL && pkce_token_id_token(NULL) == NULL);
    pkce_token_free(NULL);
}

static void test_token_errors(void) {
    pkce_token *t = NULL;
    pkce_error *err = NULL;
    CHECK_STATUS(parse(400, "{\"error\":\"invalid_grant\",\"error_description\":\"PKCE verification failed\","
                            "\"error_uri\":\"https://e.example/g\"}", &t, &err), PKCE_ERR_OAUTH);
    CHECK(t == NULL);
    CHECK_STR(pkce_error_oauth_error(err), "invalid_grant");
    CHECK_STR(pkce_error_description(err), "PKCE verification failed");
    CHECK_STR(pkce_error_uri(err), "https://e.example/g");
    CHECK(pkce_error_http_status(err) == 400);
    pkce_error_free(err); err = NULL;
    /* an error object with 200 is an error, not a token */
    CHECK_STATUS(parse(200, "{\"error\":\"invalid_request\",\"access_token\":\"a\"}", &t, &err), PKCE_ERR_OAUTH);
    CHECK(pkce_error_http_status(err) == 200);
    pkce_error_free(err); err = NULL;
    /* HTML error page, JSON without error, a bare array */
    CHECK_STATUS(parse(500, "<html><body>Internal Server Error</body></html>", &t, &err), PKCE_ERR_HTTP_STATUS);
    CHECK(pkce_error_http_status(err) == 500 && pkce_error_oauth_error(err) == NULL);
    pkce_error_free(err); err = NULL;
    CHECK_STATUS(parse_only(404, "{\"message\":\"not found\"}"), PKCE_ERR_HTTP_STATUS);
    CHECK_STATUS(parse_only(503, "[1]"), PKCE_ERR_HTTP_STATUS);
    CHECK_STATUS(parse_only(302, ""), PKCE_ERR_HTTP_STATUS);
    CHECK_STATUS(parse_only(200, "[1]"), PKCE_ERR_RESPONSE_INVALID);
    CHECK_STATUS(parse_only(200, "\"a\""), PKCE_ERR_RESPONSE_INVALID);
    CHECK_STATUS(parse_only(400, "{\"error\":5}"), PKCE_ERR_RESPONSE_INVALID);

    /* malformed JSON */
    const char *malformed[] = {
        "", "   ", "<html>", "{", "{\"access_token\":\"a\"", "{\"access_token\":\"a\",}", "{\"access_token\":'a'}",
        "{\"access_token\":\"a\"} x", "{\"access_token\":\"a\"}{}", "{access_token:\"a\"}",
        "{\"access_token\":\"a\",\"access_token\":\"b\"}", "{\"a\":{\"k\":1,\"k\":2},\"access_token\":\"a\"}",
        "{\"access_token\":\"\\ud800\"}", "{\"access_token\":\"\\udc00x\"}", "{\"access_token\":\"\\ud800\\u0041\"}",
        "{\"access_token\":\"a\\x\"}", "{\"access_token\":\"\\u12G4\"}", "{\"access_token\":\"a\tb\"}",
        "{\"access_token\":\"\xff\"}", "{\"access_token\":\"\xc0\xaf\"}", "{\"access_token\":\"\xed\xa0\x80\"}",
        "{\"expires_in\":01,\"access_token\":\"a\"}", "{\"expires_in\":1.,\"access_token\":\"a\"}",
        "{\"expires_in\":-,\"access_token\":\"a\"}", "{\"expires_in\":1e,\"access_token\":\"a\"}",
        "{\"x\":tru,\"access_token\":\"a\"}", "{\"x\":nul}", "{\"x\":[1,]}", "{\"x\" 1}",
    };
    for (size_t i = 0; i < sizeof malformed / sizeof *malformed; i++) {
        pkce_status got = parse_only(200, malformed[i]);
        if (got != PKCE_ERR_RESPONSE_MALFORMED) fprintf(stderr, "  body #%zu: %s\n", i, malformed[i]);
        CHECK(got == PKCE_ERR_RESPONSE_MALFORMED);
    }
    CHECK_STATUS(pkce_token_parse(200, "{\"access_token\":\"a\0\"}", 21, &t, NULL), PKCE_ERR_RESPONSE_MALFORMED);

    /* well-formed, but unusable */
    const char *invalid[] = {
        "{}", "{\"access_token\":\"\"}", "{\"access_token\":5}", "{\"access_token\":null}",
        "{\"access_token\":\"a\\u0000b\"}", "{\"access_token\":\"a\",\"token_type\":1}",
        "{\"access_token\":\"a\",\"refresh_token\":5}", "{\"access_token\":\"a\",\"scope\":[\"x\"]}",
        "{\"access_token\":\"a\",\"id_token\":{}}", "{\"access_token\":\"a\",\"expires_in\":-1}",
        "{\"access_token\":\"a\",\"expires_in\":\"-1\"}", "{\"access_token\":\"a\",\"expires_in\":3600.5}",
        "{\"access_token\":\"a\",\"expires_in\":1e3}", "{\"access_token\":\"a\",\"expires_in\":true}",
        "{\"access_token\":\"a\",\"expires_in\":\"\"}", "{\"access_token\":\"a\",\"expires_in\":\"1h\"}",
        "{\"access_token\":\"a\",\"expires_in\":99999999999999999999}",
    };
    for (size_t i = 0; i < sizeof invalid / sizeof *invalid; i++) {
        pkce_status got = parse_only(200, invalid[i]);
        if (got != PKCE_ERR_RESPONSE_INVALID) fprintf(stderr, "  body: %s\n", invalid[i]);
        CHECK(got == PKCE_ERR_RESPONSE_INVALID);
    }

    /* nesting: 63 levels inside the top object are fine, 64 are not */
    char deep[400];
    size_t n = 0;
    n += (size_t)sprintf(deep, "{\"access_token\":\"a\",\"x\":");
    for (int i = 0; i < 63; i++) deep[n++] = '[';
    for (int i = 0; i < 63; i++) deep[n++] = ']';
    deep[n++] = '}'; deep[n] = 0;
    CHECK_STATUS(parse_only(200, deep), PKCE_OK);
    n = (size_t)sprintf(deep, "{\"access_token\":\"a\",\"x\":");
    for (int i = 0; i < 64; i++) deep[n++] = '[';
    for (int i = 0; i < 64; i++) deep[n++] = ']';
    deep[n++] = '}'; deep[n] = 0;
    CHECK_STATUS(parse_only(200, deep), PKCE_ERR_RESPONSE_MALFORMED);
    /* a million brackets must neither crash nor take long */
    size_t huge_n = 1000000;
    char *huge = malloc(huge_n + 1);
    memset(huge, '[', huge_n); huge[huge_n] = 0;
    CHECK_STATUS(parse_only(200, huge), PKCE_ERR_RESPONSE_MALFORMED);
    free(huge);

    /* size: exactly 1 MiB is parsed, one byte more is refused before parsing */
    size_t max = PKCE_RESPONSE_MAX_BYTES;
    char *big = malloc(max + 2);
    const char *head = "{\"access_token\":\"a\",\"pad\":\"";
    size_t hl = strlen(head);
    memcpy(big, head, hl);
    memset(big + hl, 'p', max - hl - 2);
    memcpy(big + max - 2, "\"}", 2);
    CHECK_STATUS(pkce_token_parse(200, big, max, &t, NULL), PKCE_OK);
    pkce_token_free(t);
    t = NULL;
    big[max] = ' ';
    CHECK_STATUS(pkce_token_parse(200, big, max + 1, &t, &err), PKCE_ERR_RESPONSE_TOO_LARGE);
    CHECK(t == NULL && err && pkce_error_http_status(err) == 200);
    pkce_error_free(err); err = NULL;
    free(big);

    /* arguments */
    CHECK_STATUS(pkce_token_parse(99, "{}", 2, &t, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_token_parse(600, "{}", 2, &t, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_token_parse(200, NULL, 0, &t, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_token_parse(200, "{}", 2, NULL, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_token_parse(200, "{}", SIZE_MAX, &t, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK(t == NULL);
    CHECK(pkce_error_status(NULL) == PKCE_ERR_INVALID_ARGUMENT && pkce_error_message(NULL) == NULL);
    CHECK(pkce_error_oauth_error(NULL) == NULL && pkce_error_description(NULL) == NULL);
    CHECK(pkce_error_uri(NULL) == NULL && pkce_error_http_status(NULL) == 0);
    pkce_error_free(NULL);
    pkce_string_free(NULL);
}

int main(void) {
    test_version_and_strerror();
    test_verifier_generate();
    test_verifier_distribution();
    test_verifier_unique();
    test_verifier_check();
    test_challenge();
    test_pair();
    test_random_and_state();
    test_fork_safety();
    test_threads();
    test_client_config();
    test_authorization_url();
    test_callback();
    test_refresh_request();
    test_token_success();
    test_token_errors();
    return check_summary();
}
