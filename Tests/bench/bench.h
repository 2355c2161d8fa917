/* What the C benchmarks share: a monotonic clock in microseconds, the
 * median of timings taken in turn, and the exchange fixture (a client of the
 * fixed-answer token endpoint, an attempt that holds a code) that bench_https
 * and bench_dpop both time. */
#ifndef PKCE_BENCH_H
#define PKCE_BENCH_H

#include "pkce.h"

#include <stdlib.h>
#include <time.h>

static inline int bench_by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of n values, which it sorts. */
static inline double median(double *values, int n) {
    qsort(values, n, sizeof *values, bench_by_value);
    return values[n / 2];
}

static inline double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static inline pkce_client *bench_client(const char *url, const char *ca) {
    pkce_client *client = NULL;
    pkce_client_new("bench-client", "http://127.0.0.1:8765/callback", &client);
    pkce_client_set_token_endpoint(client, url);
    pkce_client_set_ca_file(client, ca);
    return client;
}

static inline pkce_attempt *bench_attempt(const pkce_client *client) {
    pkce_attempt *attempt = NULL;
    pkce_attempt_restore(client, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "s", NULL, &attempt);
    pkce_attempt_handle_callback(attempt, "?state=s&code=SplxlOBeZQQYbYS6WxSbIA", NULL);
    return attempt;
}

#endif
