/* `make bench`, native-app sign-in: the loopback round trip of libpkce's
 * listener (bind, the browser's request, the page answered, the callback
 * checked) without any server work, timed round by round; the browser is a
 * thread that connects and sends the redirect as a browser would. Prints
 * the median and the 90th percentile in microseconds, for
 * Tests/bench/bench_signin.py to set against Python's http.server. */
#define _GNU_SOURCE
#include "bench.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 400
#define STATE "bench-state-0123456789abcdefghijklmnopqrstuv"

struct browser { uint16_t port; char page[4096]; };

static void *browse(void *arg) {
    struct browser *b = arg;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(b->port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
        char request[256];
        int length = snprintf(request, sizeof request, "GET /callback?code=bench-code-0123456789&state=" STATE " HTTP/1.1\r\n"
                              "Host: 127.0.0.1:%u\r\nUser-Agent: bench\r\nAccept: text/html\r\n\r\n", b->port);
        send(fd, request, (size_t)length, 0);
        size_t n = 0;
        ssize_t got;
        while (n < sizeof b->page - 1 && (got = recv(fd, b->page + n, sizeof b->page - 1 - n, 0)) > 0) n += (size_t)got;
        b->page[n] = '\0';
    }
    close(fd);
    return NULL;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(void) {
    pkce_client *client = NULL;
    if (pkce_client_new("bench", "http://127.0.0.1/callback", &client) != PKCE_OK) return 1;
    pkce_client_set_authorization_endpoint(client, "https://as.example/authorize");
    static double times[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
        pkce_attempt *attempt = NULL;
        if (pkce_attempt_restore(client, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", STATE, NULL, &attempt) != PKCE_OK)
            return 1;
        double start = now_us();
        pkce_listener *listener = NULL;
        if (pkce_listener_new(NULL, NULL, 0, NULL, &listener, NULL) != PKCE_OK) return 1;
        pkce_attempt_set_redirect_uri(attempt, pkce_listener_redirect_uri(listener));
        struct browser b = { pkce_listener_port(listener), "" };
        pthread_t thread;
        pthread_create(&thread, NULL, browse, &b);
        pkce_status st = pkce_listener_wait(listener, attempt, 10000, NULL);
        pthread_join(thread, NULL);
        pkce_listener_free(listener);
        times[i] = now_us() - start;
        if (st != PKCE_OK || !strstr(b.page, "Signed in")) { fprintf(stderr, "round %d failed: %d\n", i, st); return 1; }
        pkce_attempt_free(attempt);
    }
    pkce_client_free(client);
    qsort(times, ROUNDS, sizeof times[0], compare);
    printf("%.1f %.1f\n", times[ROUNDS / 2], times[ROUNDS * 9 / 10]);
    return 0;
}
