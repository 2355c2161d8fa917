/* One cold load, timed in a fresh process: dlopen of a library, plus (for
 * libpkce) looking up pkce_pair_generate and making the first pair.
 * Prints nanoseconds. Usage: bench_dlopen pkce|crypto|curl */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

typedef int (*pair_fn)(size_t, char *, size_t, char *, size_t);

int main(int argc, char **argv) {
    int pkce = argc > 1 && strcmp(argv[1], "pkce") == 0;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    const char *name = pkce ? "libpkce.so.0" : argc > 1 && strcmp(argv[1], "curl") == 0 ? "libcurl.so.4" : "libcrypto.so.3";
    void *lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!lib) { fprintf(stderr, "%s\n", dlerror()); return 1; }
    if (pkce) {
        pair_fn pair = (pair_fn)(void (*)(void))dlsym(lib, "pkce_pair_generate");
        char v[44], c[44];
        if (!pair || pair(43, v, sizeof v, c, sizeof c) != 0) return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%ld\n", (long)((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec)));
    return 0;
}
