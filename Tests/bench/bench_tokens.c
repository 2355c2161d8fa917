/* make bench: the token source. Usage: bench_tokens TOKEN_URL CA_FILE
 *  1. A call that needs no refresh, one thread and eight: CPU time per
 *     call (CLOCK_THREAD_CPUTIME_ID, so that eight threads on fewer cores
 *     are not charged for waiting), against the least a thread-safe source
 *     must do in the same run: lock a mutex, copy the token, unlock.
 *  2. Eight threads x 100,000 calls while the token is due: the refreshes
 *     the source made (the caller counts what reached the server).
 * Prints "name value" lines for bench_tokens.py. */
#define _POSIX_C_SOURCE 200809L
#include <pkce.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { THREADS = 8, CALLS = 100000 };

static pkce_token_source *source;
static pthread_mutex_t baseline_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *baseline_token = "2YotnFZFEjr1zCsicMWpAA";
static int failures;

static double thread_cpu_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static void *ask(void *out) {
    char token[256];
    double start = thread_cpu_ns();
    for (int i = 0; i < CALLS; i++)
        if (pkce_token_source_access_token(source, token, sizeof token, NULL, NULL) != PKCE_OK)
            __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
    *(double *)out = (thread_cpu_ns() - start) / CALLS;
    return NULL;
}

static void *ask_baseline(void *out) {
    char token[256];
    size_t length = strlen(baseline_token);
    double start = thread_cpu_ns();
    for (int i = 0; i < CALLS; i++) {
        pthread_mutex_lock(&baseline_lock);
        memcpy(token, baseline_token, length + 1);
        pthread_mutex_unlock(&baseline_lock);
        __asm__ volatile("" : : "r"(token) : "memory");
    }
    *(double *)out = (thread_cpu_ns() - start) / CALLS;
    return NULL;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of the per-thread costs of `threads` threads running fn. */
static double run(void *(*fn)(void *), int threads) {
    pthread_t t[THREADS];
    double cost[THREADS];
    for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, fn, &cost[i]);
    for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
    qsort(cost, (size_t)threads, sizeof cost[0], by_value);
    return cost[threads / 2];
}

static int refreshes;
static void count_refresh(const pkce_token *token, void *user) {
    (void)token;
    __atomic_add_fetch((int *)user, 1, __ATOMIC_SEQ_CST);
}

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    pkce_client *client = NULL;
    pkce_client_new("bench-client", "http://127.0.0.1:8765/callback", &client);
    pkce_client_set_token_endpoint(client, argv[1]);
    pkce_client_set_ca_file(client, argv[2]);
    const char *body = "{\"access_token\":\"2YotnFZFEjr1zCsicMWpAA\",\"token_type\":\"Bearer\",\"expires_in\":3600,"
                       "\"refresh_token\":\"tGzv3JOkF0XG5Qx2TlKWIA\"}";
    pkce_token *token = NULL;
    if (pkce_token_parse(200, body, strlen(body), &token, NULL) != PKCE_OK ||
        pkce_token_source_new(client, token, NULL, NULL, &source, NULL) != PKCE_OK) return 1;
    pkce_token_source_on_refresh(source, count_refresh, &refreshes);

    for (int round = 0; round < 3; round++) {  /* warm, then best of the rest */
        printf("fresh_1_thread_ns %.1f\n", run(ask, 1));
        printf("baseline_1_thread_ns %.1f\n", run(ask_baseline, 1));
        printf("fresh_8_threads_ns %.1f\n", run(ask, THREADS));
        printf("baseline_8_threads_ns %.1f\n", run(ask_baseline, THREADS));
    }

    /* Due now: every thread's first call finds it so. */
    pkce_token_source_set_time(source, (int64_t)time(NULL) + 3600);
    printf("due_8_threads_ns %.1f\n", run(ask, THREADS));
    printf("refreshes %d\n", refreshes);
    printf("failures %d\n", failures);
    pkce_token_source_free(source);
    pkce_token_free(token);
    pkce_client_free(client);
    return failures != 0;
}
