/* Allocation failure gives PKCE_ERR_OUT_OF_MEMORY, not a crash, wherever
 * the allocation is libpkce's own. Run with Tests/c/failing_malloc.c
 * preloaded (make test-oom): for each call below and each N, a child
 * process makes the Nth malloc of that call fail, until N passes the
 * number of allocations the call makes. Each child must return OK (the
 * failure was absorbed, e.g. by OpenSSL), PKCE_ERR_OUT_OF_MEMORY with its
 * out-parameters untouched, or die in the Swift runtime's own allocator
 * ("Fatal error: failed to allocate N bytes"), which the header's
 * conventions admit. A silent trap or any other status fails the test. */
#define _GNU_SOURCE
#include "fixtures.h"

#include <dlfcn.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void (*arm)(long);
static int (*fired)(void);

static pkce_client *client;
static pkce_attempt *attempt;
static const char token_json[] =
    "{\"access_token\":\"at-1\",\"token_type\":\"Bearer\",\"expires_in\":3600,\"refresh_token\":\"rt-1\","
    "\"scope\":\"openid email\",\"note\":\"escaped \\u00e9 text\"}";
static const char error_json[] = "{\"error\":\"invalid_grant\",\"error_description\":\"the code was used\"}";

/* Each call: the status, and whether its out-parameters stayed untouched on failure. */
typedef pkce_status (*call_fn)(int *untouched);

static pkce_status call_url(int *untouched) {
    char *url = (char *)&url;
    pkce_status s = pkce_attempt_authorization_url(attempt, &url);
    *untouched = url == (char *)&url;
    if (s == PKCE_OK) pkce_string_free(url);
    return s;
}

static pkce_status call_new_attempt(int *untouched) {
    pkce_attempt *made = (pkce_attempt *)&made;
    pkce_status s = pkce_attempt_new(client, &made);
    *untouched = made == (pkce_attempt *)&made;
    if (s == PKCE_OK) pkce_attempt_free(made);
    return s;
}

/* An attempt restored and its callback handled: a handled callback cannot be handled again. */
static pkce_status call_callback(int *untouched) {
    pkce_attempt *restored = (pkce_attempt *)&restored;
    pkce_status s = pkce_attempt_restore(client, RFC_VERIFIER, "state-1", "nonce-1", &restored);
    *untouched = restored == (pkce_attempt *)&restored;
    if (s != PKCE_OK) return s;
    *untouched = 1;  /* handling a callback has no out-parameter */
    s = pkce_attempt_handle_callback(restored, REDIRECT "?code=the%20code&state=state-1&iss=https%3A%2F%2Fauth.example.com",
                                     NULL);
    pkce_attempt_free(restored);
    return s;
}

static pkce_status call_refresh_request(int *untouched) {
    pkce_http_request *request = (pkce_http_request *)&request;
    pkce_status s = pkce_client_refresh_request(client, "refresh-token-1", "openid", &request);
    *untouched = request == (pkce_http_request *)&request;
    if (s == PKCE_OK) pkce_http_request_free(request);
    return s;
}

static pkce_status call_token_parse(int *untouched) {
    pkce_token *token = (pkce_token *)&token;
    pkce_status s = pkce_token_parse(200, token_json, sizeof token_json - 1, &token, NULL);
    *untouched = token == (pkce_token *)&token;
    if (s == PKCE_OK) pkce_token_free(token);
    return s;
}

static pkce_status call_error_parse(int *untouched) {
    pkce_token *token = (pkce_token *)&token;
    pkce_error *error = NULL;
    pkce_status s = pkce_token_parse(400, error_json, sizeof error_json - 1, &token, &error);
    *untouched = token == (pkce_token *)&token;
    pkce_error_free(error);  /* NULL when there was no memory to describe the error */
    return s == PKCE_ERR_OAUTH ? PKCE_OK : s;
}

enum outcome { OK, OUT_OF_MEMORY, RUNTIME_ABORT, OTHER };

/* Runs `call` in a child whose Nth malloc fails; -1 when the call made fewer than N allocations. */
static int run_child(call_fn call, long nth, enum outcome *outcome, char *why, size_t why_size) {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) return -2;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pipe_fds[1], 2);
        close(pipe_fds[0]);
        int untouched = 0;
        arm(nth);
        pkce_status s = call(&untouched);
        int did_fire = fired();
        arm(0);
        if (!did_fire) _exit(100);
        if (s == PKCE_OK) _exit(101);
        if (s == PKCE_ERR_OUT_OF_MEMORY && untouched) _exit(102);
        dprintf(2, "status %d (%s), out-parameters %s", (int)s, pkce_strerror(s), untouched ? "untouched" : "written");
        _exit(103);
    }
    close(pipe_fds[1]);
    ssize_t n = read(pipe_fds[0], why, why_size - 1);
    why[n > 0 ? n : 0] = '\0';
    close(pipe_fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 100) return -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 101) *outcome = OK;
    else if (WIFEXITED(status) && WEXITSTATUS(status) == 102) *outcome = OUT_OF_MEMORY;
    else if (WIFSIGNALED(status) && strstr(why, "Fatal error: failed to allocate ")) *outcome = RUNTIME_ABORT;
    else {
        *outcome = OTHER;
        if (WIFSIGNALED(status)) snprintf(why + strlen(why), why_size - strlen(why), " (signal %d)", WTERMSIG(status));
    }
    return 0;
}

static void walk(const char *name, call_fn call) {
    int counts[4] = {0};
    long nth;
    /* Once beforehand, so that what the Swift runtime and OpenSSL set up on
     * first use (type metadata, the DRBG) is inherited by every child. */
    int untouched;
    CHECK_STATUS(call(&untouched), PKCE_OK);
    for (nth = 1; nth < 10000; nth++) {
        enum outcome outcome;
        char why[512];
        int r = run_child(call, nth, &outcome, why, sizeof why);
        if (r == -1) break;
        CHECK(r == 0);
        if (r != 0) return;
        counts[outcome]++;
        if (outcome == OTHER) fprintf(stderr, "%s, allocation %ld failing: %s\n", name, nth, why);
        CHECK(outcome != OTHER);
    }
    printf("%-22s %3ld allocations: %3d absorbed, %3d PKCE_ERR_OUT_OF_MEMORY, %3d Swift runtime aborts\n", name, nth - 1,
           counts[OK], counts[OUT_OF_MEMORY], counts[RUNTIME_ABORT]);
    CHECK(nth > 1);                  /* the call allocates at all, so the walk tested something */
    CHECK(counts[OUT_OF_MEMORY] > 0); /* and some of its allocations are ours, reported as such */
}

int main(void) {
    arm = (void (*)(long))(void (*)(void))dlsym(RTLD_DEFAULT, "failing_malloc_arm");
    fired = (int (*)(void))(void (*)(void))dlsym(RTLD_DEFAULT, "failing_malloc_fired");
    if (!arm || !fired) {
        fprintf(stderr, "run me with failing_malloc.so in LD_PRELOAD (make test-oom)\n");
        return 2;
    }
    client = make_client("openid email");
    CHECK_STATUS(pkce_attempt_new(client, &attempt), PKCE_OK);
    walk("authorization URL", call_url);
    walk("new attempt", call_new_attempt);
    walk("callback", call_callback);
    walk("refresh request", call_refresh_request);
    walk("token response", call_token_parse);
    walk("error response", call_error_parse);
    pkce_attempt_free(attempt);
    pkce_client_free(client);
    return check_summary();
}
