/* libpkce across processes, outside valgrind (which cannot follow a raw
 * clone): every way of making a child process (fork(), glibc's _Fork(),
 * which skips the atfork handlers, and a raw clone system call) gives a
 * child whose random bytes differ from the parent's, though both had the
 * same per-thread pool the moment before. */
#define _GNU_SOURCE
#include "pkce.h"
#include "check.h"

#include <pthread.h>
#include <signal.h>
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

int main(void) {
    check_children("fork()", with_fork);
    check_children("_Fork()", with_underscore_fork);
    check_children("raw clone", with_raw_clone);
    return check_summary();
}
