/* LD_PRELOAD'ed by `make test-oom`: a malloc() that can be told to fail
 * once, at the Nth call from now, so that a test can walk every
 * allocation of a libpkce call and see what each failure gives. */
#include <stddef.h>

void *__libc_malloc(size_t size);

static long countdown;  /* 0: never fail */
static int fired;

void failing_malloc_arm(long nth) {
    countdown = nth;
    fired = 0;
}

int failing_malloc_fired(void) { return fired; }

void *malloc(size_t size) {
    if (countdown > 0 && --countdown == 0) {
        fired = 1;
        return NULL;
    }
    return __libc_malloc(size);
}
