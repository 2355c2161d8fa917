/* LD_PRELOAD'ed by `make test-secrets`: wraps free() and counts the blocks
 * freed while still holding one of the markers a test registers, i.e.
 * secrets left in memory that goes back to the allocator unwiped. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <malloc.h>
#include <string.h>

static void (*real_free)(void *);
static const char *markers[8];
static int marker_count, found;

void secret_scanner_watch(const char *marker) {
    if (marker_count < 8) markers[marker_count++] = marker;
}

int secret_scanner_found(void) { return found; }

void free(void *block) {
    if (!real_free) real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
    if (block && marker_count) {
        size_t size = malloc_usable_size(block);
        for (int m = 0; m < marker_count; m++)
            if (memmem(block, size, markers[m], strlen(markers[m]))) found++;
    }
    real_free(block);
}
