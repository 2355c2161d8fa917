/* A minimal test harness: CHECK counts, a failure prints where, and
 * check_summary() prints the closing "N passed, N failed" line. */
#ifndef PKCE_TEST_CHECK_H
#define PKCE_TEST_CHECK_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int check_passed, check_failed;

#define CHECK(cond) do { \
    if (cond) { check_passed++; } \
    else { check_failed++; fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define CHECK_STATUS(expr, expected) do { \
    pkce_status check_got_ = (expr); \
    if (check_got_ == (expected)) { check_passed++; } \
    else { check_failed++; fprintf(stderr, "FAIL %s:%d: %s gave %d (%s), expected %s\n", __FILE__, __LINE__, \
                                   #expr, (int)check_got_, pkce_strerror(check_got_), #expected); } \
} while (0)

#define CHECK_STR(actual, expected) do { \
    const char *check_a_ = (actual), *check_e_ = (expected); \
    if (check_a_ && check_e_ && strcmp(check_a_, check_e_) == 0) { check_passed++; } \
    else { check_failed++; fprintf(stderr, "FAIL %s:%d: %s\n  got      %s\n  expected %s\n", __FILE__, __LINE__, \
                                   #actual, check_a_ ? check_a_ : "(null)", check_e_ ? check_e_ : "(null)"); } \
} while (0)

/* Removes a token store's file and its lock file, as a test that made one leaves it. */
static inline void remove_store_file(const char *path) {
    char lock[4096];
    unlink(path);
    snprintf(lock, sizeof lock, "%s.lock", path);
    unlink(lock);
}

static int check_summary(void) {
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif
