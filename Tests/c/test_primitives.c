/* The PKCE primitives: version, statuses, verifiers, challenges, pairs,
 * random strings, state comparison, thread safety (children of every kind
 * of fork: test_process.c).
 * Part of the C suite (`make test-c`, under valgrind), through the built
 * libpkce.so, with every bad input the header documents. */
#define _POSIX_C_SOURCE 200809L
#include "fixtures.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

static void test_version_and_strerror(void) {
    CHECK_STR(pkce_version(), PKCE_VERSION_STRING);
    CHECK_STR(pkce_strerror(PKCE_OK), "success");
    CHECK_STR(pkce_strerror((pkce_status)999), "unknown status");
    /* The header's list (build/pkce_statuses.h is made from it): each has its
     * own sentence, and every other number up to 127 is unknown, so the
     * library knows exactly the header's statuses. */
    const pkce_status all[] = {
#define X(name) name,
#include "pkce_statuses.h"
#undef X
    };
    const size_t count = sizeof all / sizeof all[0];
    CHECK(count >= 32);
    for (size_t i = 0; i < count; i++) {
        const char *s = pkce_strerror(all[i]);
        CHECK(s != NULL && strcmp(s, "unknown status") != 0 && strcmp(s, "success") != 0);
        for (size_t j = 0; j < i; j++) CHECK(strcmp(s, pkce_strerror(all[j])) != 0);
    }
    for (int value = 1; value < 128; value++) {
        int listed = 0;
        for (size_t i = 0; i < count; i++) listed |= (int)all[i] == value;
        if (!listed) CHECK_STR(pkce_strerror((pkce_status)value), "unknown status");
    }
    CHECK(pkce_verifier_min_length() == PKCE_VERIFIER_MIN_LENGTH);
    CHECK(pkce_verifier_max_length() == PKCE_VERIFIER_MAX_LENGTH);
    CHECK(pkce_s256_challenge_length() == PKCE_S256_CHALLENGE_LENGTH);
    CHECK(pkce_random_min_length() == PKCE_RANDOM_MIN_LENGTH);
    CHECK(pkce_random_max_length() == PKCE_RANDOM_MAX_LENGTH);
    CHECK(pkce_response_max_bytes() == PKCE_RESPONSE_MAX_BYTES);
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

int main(void) {
    test_version_and_strerror();
    test_verifier_generate();
    test_verifier_distribution();
    test_verifier_unique();
    test_verifier_check();
    test_challenge();
    test_pair();
    test_random_and_state();
    test_threads();
    return check_summary();
}
