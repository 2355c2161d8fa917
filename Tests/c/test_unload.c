/* Unloading: dlclose() of libpkce while a thread that used it is alive,
 * then that thread's exit, must not crash (a PAM module or any plug-in is
 * unloaded like this; the thread's random pool is freed by a thread-specific
 * destructor inside the library). This program does not link libpkce, so
 * that dlclose() really drops the last reference. */
#define _GNU_SOURCE
#include "check.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* A thread that makes a pair (so that it has a pool, freed by a
 * thread-specific destructor when it exits) and then waits to be told to end. */
static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
static int made;

static void *use_then_wait(void *lib) {
    int (*pair)(size_t, char *, size_t, char *, size_t) =
        (int (*)(size_t, char *, size_t, char *, size_t))(void (*)(void))dlsym(lib, "pkce_pair_generate");
    char v[44], c[44];
    made = pair && pair(43, v, sizeof v, c, sizeof c) == 0;
    pthread_mutex_lock(&gate);  /* held by main until after dlclose */
    pthread_mutex_unlock(&gate);
    return NULL;
}

static void check_unload(void) {
    pid_t pid = fork();
    if (pid == 0) {
        void *lib = dlopen("libpkce.so.0", RTLD_NOW | RTLD_LOCAL);
        if (!lib) _exit(3);
        pthread_mutex_lock(&gate);
        pthread_t thread;
        pthread_create(&thread, NULL, use_then_wait, lib);
        while (!__atomic_load_n(&made, __ATOMIC_SEQ_CST)) usleep(1000);
        dlclose(lib);
        pthread_mutex_unlock(&gate);
        pthread_join(thread, NULL);  /* the thread exits: its pool's destructor runs */
        _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st)) fprintf(stderr, "unload: the child died of signal %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(void) {
    check_unload();
    return check_summary();
}
