/* libpkce across processes, outside valgrind (which cannot follow a raw
 * clone): every way of making a child process (fork(), glibc's _Fork(),
 * which skips the atfork handlers, and a raw clone system call) gives a
 * child whose random bytes differ from the parent's, though both had the
 * same per-thread pool the moment before. And many threads at once never
 * make a value twice. */
#define _GNU_SOURCE
#include "pkce.h"
#include "check.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

typedef pid_t (*spawn_fn)(void);

static pid_t with_fork(void) { return fork(); }
static pid_t with_underscore_fork(void) { return _Fork(); }
static pid_t with_raw_clone(void) { return (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0); }

/* Parent and child each draw right after the split; the drawn verifiers
 * of all rounds must all differ. */
static void check_children(const char *how, spawn_fn spawn) {
    int same = 0, broken = 0;
    for (int round = 0; round < 50; round++) {
        char parent[44], child[44] = {0}, warm[44];
        pkce_verifier_generate(43, warm, sizeof warm);  /* fills this thread's pool */
        int fds[2];
        if (pipe(fds) != 0) { broken++; continue; }
        pid_t pid = spawn();
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
        if (pid < 0 || r != (ssize_t)sizeof child || !WIFEXITED(st) || WEXITSTATUS(st) != 0) broken++;
        else if (strcmp(parent, child) == 0) same++;
    }
    if (same || broken) fprintf(stderr, "%s: %d of 50 children repeated the parent, %d broken\n", how, same, broken);
    CHECK(same == 0);
    CHECK(broken == 0);
}

/* 8 threads x 100,000 (or the count given as the argument) of each random
 * value the library makes (verifiers, pairs, random strings, attempts'
 * states and nonces, and codes through callbacks on one shared client): no
 * value twice among all of them. ThreadSanitizer runs a smaller count: with
 * it, the debug Swift runtime's generic-metadata lookups take a system call
 * each, about 20 ms per round here, so 100,000 rounds would take 40 minutes. */
enum { THREADS = 8, KINDS = 4 };
static size_t each = 100000;
static char (*values)[44];
static pkce_client *shared;

static int by_text(const void *a, const void *b) { return memcmp(a, b, 44); }

static void *make_values(void *arg) {
    size_t base = (size_t)(uintptr_t)arg * each * KINDS;
    for (size_t i = 0; i < each; i++) {
        char *v = values[base + i * KINDS], *c = values[base + i * KINDS + 1];
        char challenge[44];
        pkce_pair_generate(43, v, 44, challenge, sizeof challenge);
        pkce_random_string(43, c, 44);
        pkce_attempt *attempt = NULL;
        if (pkce_attempt_new(shared, &attempt) == PKCE_OK) {
            memcpy(values[base + i * KINDS + 2], pkce_attempt_state(attempt), 44);
            memcpy(values[base + i * KINDS + 3], pkce_attempt_nonce(attempt), 44);
            char callback[128];
            snprintf(callback, sizeof callback, "?state=%s&code=c", pkce_attempt_state(attempt));
            if (pkce_attempt_handle_callback(attempt, callback, NULL) != PKCE_OK) values[base + i * KINDS + 2][0] = 0;
        }
        pkce_attempt_free(attempt);
    }
    return NULL;
}

static void check_threads_never_repeat(void) {
    values = calloc((size_t)THREADS * each * KINDS, 44);
    CHECK(values != NULL);
    if (!values) return;
    pkce_client_new("threads", "http://127.0.0.1:8765/callback", &shared);
    pkce_client_set_authorization_endpoint(shared, "https://as.example/authorize");
    pkce_client_set_scope(shared, "openid");
    pthread_t t[THREADS];
    for (uintptr_t i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, make_values, (void *)i);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    size_t n = (size_t)THREADS * each * KINDS, dup = 0, bad = 0;
    for (size_t i = 0; i < n; i++) bad += strlen(values[i]) != 43;
    qsort(values, n, 44, by_text);
    for (size_t i = 1; i < n; i++) dup += memcmp(values[i - 1], values[i], 44) == 0;
    if (dup || bad) fprintf(stderr, "threads: %zu repeated, %zu malformed of %zu values\n", dup, bad, n);
    CHECK(dup == 0);
    CHECK(bad == 0);
    pkce_client_free(shared);
    free(values);
}

int main(int argc, char **argv) {
    if (argc > 1) each = (size_t)strtoul(argv[1], NULL, 10);
    if (each == 0) { fprintf(stderr, "usage: test_process [rounds per thread > 0]\n"); return 2; }
    check_children("fork()", with_fork);
    check_children("_Fork()", with_underscore_fork);
    check_children("raw clone", with_raw_clone);
    check_threads_never_repeat();
    return check_summary();
}
