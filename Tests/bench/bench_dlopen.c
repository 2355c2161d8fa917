/* One cold load, timed in a fresh process: dlopen of a library, plus, for
 * `pkce`, looking up pkce_pair_generate and making the first pair, and for
 * `crypto-rand`, the first RAND_bytes (OpenSSL's generator set up: the floor
 * of any first pair drawn from OpenSSL). Prints nanoseconds.
 * Usage: bench_dlopen pkce|crypto|crypto-rand|curl */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

typedef int (*pair_fn)(size_t, char *, size_t, char *, size_t);
typedef int (*rand_fn)(unsigned char *, int);

int main(int argc, char **argv) {
    const char *which = argc > 1 ? argv[1] : "";
    int pkce = strcmp(which, "pkce") == 0, rand = strcmp(which, "crypto-rand") == 0;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    const char *name = pkce ? "libpkce.so.0" : strcmp(which, "curl") == 0 ? "libcurl.so.4" : "libcrypto.so.3";
    void *lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!lib) { fprintf(stderr, "%s\n", dlerror()); return 1; }
    if (pkce) {
        pair_fn pair = (pair_fn)(void (*)(void))dlsym(lib, "pkce_pair_generate");
        char v[44], c[44];
        if (!pair || pair(43, v, sizeof v, c, sizeof c) != 0) return 1;
    } else if (rand) {
        rand_fn rand_bytes = (rand_fn)(void (*)(void))dlsym(lib, "RAND_bytes");
        unsigned char bytes[32];
        if (!rand_bytes || rand_bytes(bytes, sizeof bytes) != 1) return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%ld\n", (long)((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec)));
    return 0;
}
