/* N token exchanges against bench_https's fixed-answer endpoint, and
 * nothing else: the run that Tests/bench/hot_path.py watches under callgrind
 * to learn which of the library's functions every exchange executes, and in
 * what order (Sources/PKCECABI/hot-path.order).
 * Usage: hot_exchange URL CA_FILE N */
#define _POSIX_C_SOURCE 200809L
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: hot_exchange URL CA_FILE N\n"); return 2; }
    pkce_client *client = bench_client(argv[1], argv[2]);
    pkce_attempt *attempt = bench_attempt(client);
    int n = atoi(argv[3]), failures = 0;
    for (int i = 0; i < n; i++) {
        pkce_token *token = NULL;
        if (pkce_client_exchange(client, attempt, &token, NULL) != PKCE_OK) failures++;
        pkce_token_free(token);
    }
    pkce_attempt_free(attempt);
    pkce_client_free(client);
    printf("%d exchanges, %d failed\n", n, failures);
    return failures != 0;
}
