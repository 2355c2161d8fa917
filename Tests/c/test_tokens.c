/* The token source and the file store against the test server: a token
 * kept and handed out, one refresh among many threads (Authlib rotates
 * refresh tokens, so a second refresh with the same one would fail), a
 * restart that finds the tokens in the file, a second source that finds
 * another one's refresh there, a server that does not rotate, and what
 * goes wrong with files. */
#define _POSIX_C_SOURCE 200809L
#include "test_server.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char directory[] = "/tmp/libpkce-tokens-XXXXXX";
static char store_path[256];

static int refreshes;
static char last_refreshed[128];
static void on_refresh(const pkce_token *token, void *user) {
    CHECK(user == &refreshes);
    __atomic_add_fetch(&refreshes, 1, __ATOMIC_SEQ_CST);
    snprintf(last_refreshed, sizeof last_refreshed, "%s", pkce_token_access_token(token));
}

static pkce_client *discovered(void) {
    pkce_client *client = new_client();
    pkce_error *err = NULL;
    CHECK_STATUS(pkce_client_discover(client, issuer, &err), PKCE_OK);
    pkce_error_free(err);
    return client;
}

static pkce_token *sign_in(pkce_client *client) {
    pkce_attempt *attempt = signed_in_attempt(client, NULL);
    pkce_token *token = NULL;
    CHECK_STATUS(pkce_client_exchange(client, attempt, &token, NULL), PKCE_OK);
    pkce_attempt_free(attempt);
    return token;
}

static int64_t expires_at(const pkce_token *token) {
    int64_t seconds = 0;
    pkce_token_expires_in(token, &seconds);
    return (int64_t)time(NULL) + seconds;
}

enum { THREADS = 8 };
static pkce_token_source *shared;
static char seen[THREADS][128];
static pkce_status seen_status[THREADS];

static void *ask(void *arg) {
    intptr_t i = (intptr_t)arg;
    seen_status[i] = pkce_token_source_access_token(shared, seen[i], sizeof seen[i], NULL, NULL);
    return NULL;
}

static void test_one_refresh_for_all_threads(void) {
    pkce_client *client = discovered();
    pkce_token *token = sign_in(client);
    pkce_token_store *store = NULL;
    CHECK_STATUS(pkce_token_store_open_file(store_path, &store), PKCE_OK);
    pkce_error *err = NULL;
    CHECK_STATUS(pkce_token_source_new(client, token, store, NULL, &shared, &err), PKCE_OK);
    pkce_error_free(err);
    err = NULL;
    struct stat st;
    CHECK(stat(store_path, &st) == 0 && (st.st_mode & 0777) == 0600);

    /* Fresh: the same token, no refresh. */
    char access[128];
    size_t length = 0;
    CHECK_STATUS(pkce_token_source_access_token(shared, access, sizeof access, &length, NULL), PKCE_OK);
    CHECK_STR(access, pkce_token_access_token(token));
    CHECK(length == strlen(access));
    char tiny[4];
    CHECK_STATUS(pkce_token_source_access_token(shared, tiny, sizeof tiny, NULL, &err), PKCE_ERR_BUFFER_TOO_SMALL);
    pkce_error_free(err);
    err = NULL;

    /* Past expiry (less the leeway): eight threads at once, one refresh. */
    CHECK_STATUS(pkce_token_source_on_refresh(shared, on_refresh, &refreshes), PKCE_OK);
    CHECK_STATUS(pkce_token_source_set_time(shared, expires_at(token) - 30), PKCE_OK);  /* inside the 60 s leeway */
    pthread_t t[THREADS];
    for (intptr_t i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, ask, (void *)i);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    CHECK(refreshes == 1);
    for (int i = 0; i < THREADS; i++) {
        CHECK_STATUS(seen_status[i], PKCE_OK);
        CHECK_STR(seen[i], last_refreshed);
    }
    CHECK(strcmp(last_refreshed, pkce_token_access_token(token)) != 0);

    /* A restart: a new source from the file alone has the refreshed token. */
    pkce_token_source *restarted = NULL;
    CHECK_STATUS(pkce_token_source_new(client, NULL, store, NULL, &restarted, NULL), PKCE_OK);
    CHECK_STATUS(pkce_token_source_access_token(restarted, access, sizeof access, NULL, NULL), PKCE_OK);
    CHECK_STR(access, last_refreshed);

    /* Another source (another process) is behind: when its token expires it
     * finds the newer one in the store under the lock, and refreshes again
     * only when that one is stale too. */
    CHECK_STATUS(pkce_token_source_set_time(shared, expires_at(token) + 3600 * 24), PKCE_OK);
    CHECK_STATUS(pkce_token_source_access_token(shared, access, sizeof access, NULL, NULL), PKCE_OK);  /* refreshes */
    CHECK(refreshes == 2);
    char newest[128];
    snprintf(newest, sizeof newest, "%s", access);
    /* Its own copy (refreshed at expiry - 30 s, for an hour) is stale two hours on. */
    CHECK_STATUS(pkce_token_source_set_time(restarted, expires_at(token) + 7200), PKCE_OK);
    CHECK_STATUS(pkce_token_source_access_token(restarted, access, sizeof access, NULL, NULL), PKCE_OK);
    CHECK_STR(access, newest);  /* taken from the store, not refreshed with a spent refresh token */
    CHECK(refreshes == 2);

    /* The entry names the client and where it refreshes. */
    char *client_id = NULL, *endpoint = NULL, *iss = NULL, *subject = NULL;
    CHECK_STATUS(pkce_token_store_entry(store, 0, &client_id, &endpoint, &iss, &subject, NULL), PKCE_OK);
    CHECK_STR(client_id, CLIENT_ID);
    CHECK(endpoint && strstr(endpoint, "/token") != NULL);
    CHECK_STR(iss, issuer);
    CHECK_STR(subject, "");
    pkce_string_free(client_id);
    pkce_string_free(endpoint);
    pkce_string_free(iss);
    pkce_string_free(subject);
    CHECK_STATUS(pkce_token_store_entry(store, 1, NULL, NULL, NULL, NULL, NULL), PKCE_ERR_NOT_FOUND);
    pkce_token *stored = NULL;
    CHECK_STATUS(pkce_token_store_token(store, 0, &stored, NULL), PKCE_OK);
    CHECK_STR(pkce_token_access_token(stored), newest);
    CHECK(pkce_token_refresh_token(stored) != NULL);
    int64_t left = -1;
    CHECK_STATUS(pkce_token_expires_in(stored, &left), PKCE_OK);
    CHECK(left > 3600);  /* refreshed "a day on" for an hour: from now, still more than an hour */
    pkce_token_free(stored);
    CHECK_STATUS(pkce_token_store_token(store, 1, &stored, NULL), PKCE_ERR_NOT_FOUND);

    /* The file holds the tokens. */
    size_t size = 0;
    FILE *f = fopen(store_path, "r");
    char file[8192] = {0};
    if (f) { size = fread(file, 1, sizeof file - 1, f); fclose(f); }
    CHECK(size > 0 && strstr(file, "\"libpkce_tokens\":1") && strstr(file, newest));

    pkce_token_source_free(restarted);
    pkce_token_source_free(shared);
    pkce_token_store_free(store);
    pkce_token_free(token);
    pkce_client_free(client);
}

/* A server that answers a refresh without a refresh token: the old one
 * stays in use, refresh after refresh. */
static void test_server_that_does_not_rotate(void) {
    pkce_client *client = client_of_token_endpoint("/no-rotate/token");
    const char *first = "{\"access_token\":\"at-0\",\"refresh_token\":\"rt-keep\",\"expires_in\":600}";
    pkce_token *token = NULL;
    CHECK_STATUS(pkce_token_parse(200, first, strlen(first), &token, NULL), PKCE_OK);
    pkce_token_source *source = NULL;
    CHECK_STATUS(pkce_token_source_new(client, token, NULL, "user-1", &source, NULL), PKCE_OK);
    CHECK_STATUS(pkce_token_source_on_refresh(source, on_refresh, &refreshes), PKCE_OK);
    char access[128];
    int64_t now = (int64_t)time(NULL);
    for (int round = 1; round <= 2; round++) {
        CHECK_STATUS(pkce_token_source_set_time(source, now + round * 1000), PKCE_OK);
        CHECK_STATUS(pkce_token_source_access_token(source, access, sizeof access, NULL, NULL), PKCE_OK);
        CHECK(strncmp(access, "nr-", 3) == 0);
    }
    char *received = server_request("/no-rotate/count", NULL, NULL);
    CHECK(received && strstr(received, "\"refreshes\":2"));
    free(received);
    CHECK(strncmp(last_refreshed, "nr-", 3) == 0);
    pkce_token_source_free(source);
    pkce_token_free(token);

    /* Expired without a refresh token: sign in again. */
    const char *bare = "{\"access_token\":\"at-1\",\"expires_in\":600}";
    CHECK_STATUS(pkce_token_parse(200, bare, strlen(bare), &token, NULL), PKCE_OK);
    CHECK_STATUS(pkce_token_source_new(client, token, NULL, NULL, &source, NULL), PKCE_OK);
    CHECK_STATUS(pkce_token_source_set_time(source, now + 3600), PKCE_OK);
    pkce_error *err = NULL;
    CHECK_STATUS(pkce_token_source_access_token(source, access, sizeof access, NULL, &err), PKCE_ERR_TOKEN_EXPIRED);
    pkce_error_free(err);
    CHECK_STATUS(pkce_token_source_set_time(source, 0), PKCE_OK);  /* the system clock: fresh again */
    CHECK_STATUS(pkce_token_source_access_token(source, access, sizeof access, NULL, NULL), PKCE_OK);
    CHECK_STR(access, "at-1");
    CHECK_STATUS(pkce_token_source_set_leeway(source, -1), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_token_source_set_leeway(source, 3600), PKCE_OK);  /* within an hour of expiry: expired */
    CHECK_STATUS(pkce_token_source_access_token(source, access, sizeof access, NULL, NULL), PKCE_ERR_TOKEN_EXPIRED);
    pkce_token_source_free(source);
    pkce_token_free(token);
    pkce_client_free(client);
}


static pkce_token *parsed_token(const char *body) {
    pkce_token *token = NULL;
    CHECK_STATUS(pkce_token_parse(200, body, strlen(body), &token, NULL), PKCE_OK);
    return token;
}

static void test_store_failures(void) {
    pkce_client *client = client_of_token_endpoint("/token");
    pkce_token *token = parsed_token("{\"access_token\":\"at\",\"expires_in\":600}");
    pkce_token_store *store = NULL;
    pkce_token_source *source = (pkce_token_source *)&store;
    pkce_error *err = NULL;

    /* A directory that does not exist: the message names the file. */
    CHECK_STATUS(pkce_token_store_open_file("/nonexistent-dir/tokens.json", &store), PKCE_OK);
    CHECK_STATUS(pkce_token_source_new(client, token, store, NULL, &source, &err), PKCE_ERR_STORE);
    CHECK(err && strstr(pkce_error_message(err), "/nonexistent-dir/tokens.json") != NULL);
    CHECK(source == (pkce_token_source *)&store);
    pkce_error_free(err);
    err = NULL;
    pkce_token_store_free(store);

    /* A file that is not a token file; an empty store has nothing to give. */
    char other[300];
    snprintf(other, sizeof other, "%s/other.json", directory);
    FILE *f = fopen(other, "w");
    if (f) { fputs("{\"not\":\"tokens\"}", f); fclose(f); }
    CHECK_STATUS(pkce_token_store_open_file(other, &store), PKCE_OK);
    CHECK_STATUS(pkce_token_source_new(client, NULL, store, NULL, &source, &err), PKCE_ERR_STORE);
    pkce_error_free(err);
    pkce_token_store_free(store);
    snprintf(other, sizeof other, "%s/empty.json", directory);
    CHECK_STATUS(pkce_token_store_open_file(other, &store), PKCE_OK);
    CHECK_STATUS(pkce_token_source_new(client, NULL, store, NULL, &source, NULL), PKCE_ERR_NOT_FOUND);
    CHECK_STATUS(pkce_token_source_new(client, NULL, NULL, NULL, &source, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_token_source_new(NULL, token, NULL, NULL, &source, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_token_source_new(client, token, NULL, NULL, NULL, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK(source == (pkce_token_source *)&store);
    CHECK_STATUS(pkce_token_store_open_file("", &store), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_token_store_open_file(NULL, &store), PKCE_ERR_INVALID_ARGUMENT);
    pkce_token_store_free(store);
    pkce_token_store_free(NULL);
    pkce_token_source_free(NULL);
    pkce_token_free(token);
    pkce_client_free(client);
}

static int saw_unsaved_warning;
static void watch_log(pkce_log_level level, const char *message, void *user) {
    (void)user;
    if (level == PKCE_LOG_WARNING && strstr(message, "could not be saved")) saw_unsaved_warning = 1;
}

static size_t read_store(const char *path, char *file, size_t size) {
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(file, 1, size - 1, f) : 0;
    if (f) fclose(f);
    file[n] = '\0';
    return n;
}

/* A save that fails after a refresh at a rotating server (a full disk,
 * here a file size limit) loses nothing: the new tokens are handed out and
 * kept in memory, the next refresh uses their refresh token (the old one
 * is spent: Authlib would refuse it) and saves. */
static void test_save_failure_keeps_the_tokens(void) {
    char path[300];
    snprintf(path, sizeof path, "%s/full-disk.json", directory);
    pkce_client *client = discovered();
    CHECK_STATUS(pkce_client_set_log(client, PKCE_LOG_WARNING, watch_log, NULL), PKCE_OK);
    pkce_token *token = sign_in(client);
    pkce_token_store *store = NULL;
    pkce_token_source *source = NULL;
    CHECK_STATUS(pkce_token_store_open_file(path, &store), PKCE_OK);
    CHECK_STATUS(pkce_token_source_new(client, token, store, NULL, &source, NULL), PKCE_OK);

    struct rlimit saved, small = { 64, 64 };
    getrlimit(RLIMIT_FSIZE, &saved);
    small.rlim_max = saved.rlim_max;
    signal(SIGXFSZ, SIG_IGN);  /* a write past the limit then fails with EFBIG */
    setrlimit(RLIMIT_FSIZE, &small);
    char first[128], second[128], file[8192];
    CHECK_STATUS(pkce_token_source_set_time(source, expires_at(token) + 10), PKCE_OK);
    pkce_status st = pkce_token_source_access_token(source, first, sizeof first, NULL, NULL);
    setrlimit(RLIMIT_FSIZE, &saved);
    CHECK_STATUS(st, PKCE_OK);
    CHECK(strcmp(first, pkce_token_access_token(token)) != 0);
    CHECK(saw_unsaved_warning);
    CHECK(read_store(path, file, sizeof file) > 0 && !strstr(file, first));  /* the old tokens, still whole */

    /* The next refresh goes from the tokens in memory, and saves. */
    CHECK_STATUS(pkce_token_source_set_time(source, expires_at(token) + 7200), PKCE_OK);
    CHECK_STATUS(pkce_token_source_access_token(source, second, sizeof second, NULL, NULL), PKCE_OK);
    CHECK(strcmp(second, first) != 0);
    CHECK(read_store(path, file, sizeof file) > 0 && strstr(file, second));
    pkce_token_source_free(source);
    pkce_token_store_free(store);
    pkce_token_free(token);
    pkce_client_free(client);
}

/* The store's file: a temporary of its own (a link planted at a guessable
 * name is left alone), refused when another user owns it or others may
 * write it, reported when others may read it. */
static void test_store_file_safety(void) {
    char path[300], planted[320], victim[320], file[8192];
    snprintf(path, sizeof path, "%s/safety.json", directory);
    snprintf(victim, sizeof victim, "%s/victim", directory);
    FILE *f = fopen(victim, "w");
    if (f) { fputs("victim", f); fclose(f); }
    snprintf(planted, sizeof planted, "%s.tmp.%d", path, (int)getpid());  /* the name it used to write to */
    CHECK(link(victim, planted) == 0);
    pkce_client *client = client_of_token_endpoint("/token");
    pkce_token *token = parsed_token("{\"access_token\":\"at-safety\",\"expires_in\":600}");
    pkce_token_store *store = NULL;
    pkce_token_source *source = NULL;
    CHECK_STATUS(pkce_token_store_open_file(path, &store), PKCE_OK);
    int readable = -1;
    CHECK_STATUS(pkce_token_store_check(store, &readable, NULL), PKCE_OK);  /* no file yet */
    CHECK(readable == 0);
    mode_t old_umask = umask(0277);
    CHECK_STATUS(pkce_token_source_new(client, token, store, NULL, &source, NULL), PKCE_OK);
    umask(old_umask);
    pkce_token_source_free(source);
    CHECK(read_store(victim, file, sizeof file) == 6 && strcmp(file, "victim") == 0);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK_STATUS(pkce_token_store_check(store, &readable, NULL), PKCE_OK);
    CHECK(readable == 0);

    CHECK(chmod(path, 0644) == 0);
    CHECK_STATUS(pkce_token_store_check(store, &readable, NULL), PKCE_OK);
    CHECK(readable == 1);
    pkce_error *err = NULL;
    CHECK(chmod(path, 0622) == 0);
    CHECK_STATUS(pkce_token_store_check(store, NULL, &err), PKCE_ERR_STORE);
    CHECK(err && strstr(pkce_error_message(err), "written by other users"));
    pkce_error_free(err);
    err = NULL;
    CHECK_STATUS(pkce_token_source_new(client, NULL, store, NULL, &source, NULL), PKCE_ERR_STORE);
    CHECK(chmod(path, 0600) == 0);
    if (geteuid() == 0) {  /* another user's file: only root can make one here */
        CHECK(chown(path, 65534, 65534) == 0);
        CHECK_STATUS(pkce_token_source_new(client, NULL, store, NULL, &source, &err), PKCE_ERR_STORE);
        CHECK(err && strstr(pkce_error_message(err), "another user"));
        pkce_error_free(err);
        err = NULL;
        CHECK(chown(path, 0, 0) == 0);
    }
    CHECK_STATUS(pkce_token_source_new(client, NULL, store, NULL, &source, NULL), PKCE_OK);
    pkce_token_source_free(source);
    pkce_token_store_free(store);

    /* A directory that takes no new file (procfs, which even root cannot write), or a file that is not a store. */
    CHECK_STATUS(pkce_token_store_open_file("/proc/self/libpkce-tokens.json", &store), PKCE_OK);
    CHECK_STATUS(pkce_token_store_check(store, NULL, &err), PKCE_ERR_STORE);
    CHECK(err && strstr(pkce_error_message(err), "/proc/self/libpkce-tokens.json"));
    pkce_error_free(err);
    err = NULL;
    pkce_token_store_free(store);
    f = fopen(path, "w");
    if (f) fclose(f);  /* truncated to nothing */
    CHECK_STATUS(pkce_token_store_open_file(path, &store), PKCE_OK);
    CHECK_STATUS(pkce_token_store_check(store, NULL, NULL), PKCE_ERR_STORE);
    CHECK_STATUS(pkce_token_store_check(NULL, NULL, NULL), PKCE_ERR_INVALID_ARGUMENT);
    pkce_token_store_free(store);
    unlink(planted);
    unlink(victim);
    pkce_token_free(token);
    pkce_client_free(client);
}

int main(void) {
    if (!server_env()) return 2;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (!mkdtemp(directory)) return 2;
    snprintf(store_path, sizeof store_path, "%s/tokens.json", directory);
    test_one_refresh_for_all_threads();
    test_server_that_does_not_rotate();
    test_store_failures();
    test_save_failure_keeps_the_tokens();
    test_store_file_safety();
    char cleanup[400];
    snprintf(cleanup, sizeof cleanup, "rm -rf '%s'", directory);
    if (system(cleanup) != 0) fprintf(stderr, "could not remove %s\n", directory);
    return check_summary();
}
