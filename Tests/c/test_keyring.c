/* The Secret Service token store (pkce_token_store_open_keyring), run by
 * Tests/keyring/with-keyring.sh in each of its sessions (inside
 * Tests/server/with-server.sh, for refreshes):
 *   service    gnome-keyring: save, load, several accounts, removal,
 *              records, and one refresh for two processes at once;
 *   nobus, noservice, silent: every call ends within the timeout with its
 *              own status and a message naming the cause.
 * Usage: test_keyring (the mode comes from PKCE_KEYRING_MODE) */
#define _GNU_SOURCE
#include "test_server.h"

#include <spawn.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int refreshes_so_far(void) {
    char *received = server_request("/no-rotate/count", NULL, NULL);
    const char *at = received ? strstr(received, "\"refreshes\":") : NULL;
    int n = at ? atoi(at + 12) : -1;
    free(received);
    return n;
}

/* A child process: the stored account's access token, refreshed as if an hour had passed. */
static int child(void) {
    pkce_token_store *store = NULL;
    pkce_token_source *source = NULL;
    pkce_client *client = client_of_token_endpoint("/no-rotate/token");
    pkce_error *error = NULL;
    pkce_status st = pkce_token_store_open_keyring(5000, &store);
    if (st == PKCE_OK) st = pkce_token_source_new(client, NULL, store, "keyring-user", &source, &error);
    if (st == PKCE_OK) st = pkce_token_source_set_time(source, (int64_t)time(NULL) + 3600);
    char access[128] = "";
    if (st == PKCE_OK) st = pkce_token_source_access_token(source, access, sizeof access, NULL, &error);
    if (st != PKCE_OK) fprintf(stderr, "child: %s\n", error ? pkce_error_message(error) : pkce_strerror(st));
    else printf("%s\n", access);
    pkce_error_free(error);
    pkce_token_source_free(source);
    pkce_client_free(client);
    pkce_token_store_free(store);
    return st == PKCE_OK ? 0 : 1;
}

static void test_with_a_service(const char *self) {
    pkce_token_store *store = NULL;
    CHECK_STATUS(pkce_token_store_open_keyring(0, &store), PKCE_OK);
    pkce_error *error = NULL;
    int readable = -1;
    CHECK_STATUS(pkce_token_store_check(store, &readable, &error), PKCE_OK);
    if (error) fprintf(stderr, "check: %s\n", pkce_error_message(error));
    pkce_error_free(error);
    CHECK(readable == 0);
    /* Two accounts side by side. */
    pkce_client *client = client_of_token_endpoint("/no-rotate/token");
    const char *answers[] = { "{\"access_token\":\"kr-at-1\",\"refresh_token\":\"rt-keep\",\"expires_in\":600,\"token_type\":\"Bearer\"}",
                              "{\"access_token\":\"kr-at-2\",\"refresh_token\":\"rt-other\",\"expires_in\":600}" };
    const char *subjects[] = { "keyring-user", "keyring-other" };
    for (int i = 0; i < 2; i++) {
        pkce_token *token = NULL;
        pkce_token_source *source = NULL;
        CHECK_STATUS(pkce_token_parse(200, answers[i], strlen(answers[i]), &token, NULL), PKCE_OK);
        CHECK_STATUS(pkce_token_source_new(client, token, store, subjects[i], &source, NULL), PKCE_OK);
        pkce_token_source_free(source);
        pkce_token_free(token);
    }
    char *client_id = NULL, *subject = NULL;
    int found = 0;
    for (size_t i = 0; pkce_token_store_entry(store, i, &client_id, NULL, NULL, &subject, NULL) == PKCE_OK; i++) {
        found += strcmp(subject, "keyring-user") == 0 || strcmp(subject, "keyring-other") == 0;
        CHECK_STR(client_id, CLIENT_ID);
        pkce_string_free(client_id);
        pkce_string_free(subject);
    }
    CHECK(found == 2);
    /* A restart finds the tokens. */
    pkce_token_source *source = NULL;
    char access[128];
    CHECK_STATUS(pkce_token_source_new(client, NULL, store, "keyring-other", &source, NULL), PKCE_OK);
    CHECK_STATUS(pkce_token_source_access_token(source, access, sizeof access, NULL, NULL), PKCE_OK);
    CHECK_STR(access, "kr-at-2");
    pkce_token_source_free(source);

    /* Two processes at once, the token due: one refresh reaches the server, both get its token. */
    int before = refreshes_so_far();
    int pipes[2][2];
    pid_t pids[2];
    for (int i = 0; i < 2; i++) {
        CHECK(pipe(pipes[i]) == 0);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, pipes[i][1], 1);
        posix_spawn_file_actions_addclose(&actions, pipes[i][0]);
        char *argv[] = { (char *)self, "child", NULL };
        CHECK(posix_spawn(&pids[i], self, &actions, NULL, argv, environ) == 0);
        posix_spawn_file_actions_destroy(&actions);
        close(pipes[i][1]);
    }
    char got[2][128] = { "", "" };
    for (int i = 0; i < 2; i++) {
        ssize_t n = read(pipes[i][0], got[i], sizeof got[i] - 1);
        got[i][n > 0 ? n : 0] = '\0';
        close(pipes[i][0]);
        int status = 0;
        waitpid(pids[i], &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    CHECK(strncmp(got[0], "nr-", 3) == 0 && strcmp(got[0], got[1]) == 0);
    CHECK(refreshes_so_far() == before + 1);

    /* Removal, one account at a time. */
    for (size_t i = 0; pkce_token_store_entry(store, i, NULL, NULL, NULL, &subject, NULL) == PKCE_OK;) {
        int ours = strcmp(subject, "keyring-other") == 0;
        pkce_string_free(subject);
        if (!ours) { i++; continue; }
        CHECK_STATUS(pkce_token_store_remove(store, i, NULL), PKCE_OK);
        break;
    }
    CHECK_STATUS(pkce_token_source_new(client, NULL, store, "keyring-other", &source, NULL), PKCE_ERR_NOT_FOUND);
    pkce_client_free(client);
    pkce_token_store_free(store);
}

/* Without a usable Secret Service: each call ends within the timeout, with its status. */
static void test_unavailable(pkce_status expected, int timeout_ms) {
    pkce_token_store *store = NULL;
    CHECK_STATUS(pkce_token_store_open_keyring(timeout_ms, &store), PKCE_OK);
    pkce_error *error = NULL;
    double start = now_ms();
    CHECK_STATUS(pkce_token_store_check(store, NULL, &error), expected);
    double checked = now_ms() - start;
    CHECK(checked < timeout_ms + 1500);  /* D-Bus's own wait would be 25 s */
    const char *message = error ? pkce_error_message(error) : "";
    if (expected == PKCE_ERR_KEYRING_TIMEOUT) CHECK(strstr(message, "did not answer within") != NULL);
    else CHECK(strstr(message, "bus") != NULL || strstr(message, "Secret Service") != NULL);
    pkce_error_free(error);
    pkce_client *client = client_of_token_endpoint("/no-rotate/token");
    const char *answer = "{\"access_token\":\"never-kept\",\"expires_in\":600}";
    pkce_token *token = NULL;
    pkce_token_source *source = NULL;
    CHECK_STATUS(pkce_token_parse(200, answer, strlen(answer), &token, NULL), PKCE_OK);
    start = now_ms();
    CHECK_STATUS(pkce_token_source_new(client, token, store, "keyring-user", &source, NULL), expected);
    CHECK(now_ms() - start < timeout_ms + 1500);
    CHECK(source == NULL);
    pkce_token_free(token);
    pkce_client_free(client);
    pkce_token_store_free(store);
}

int main(int argc, char **argv) {
    if (!server_env()) return 2;
    if (argc > 1 && strcmp(argv[1], "child") == 0) return child();
    const char *mode = getenv("PKCE_KEYRING_MODE");
    if (!mode) {
        fprintf(stderr, "run me through Tests/keyring/with-keyring.sh\n");
        return 2;
    }
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return 2;
    self[n] = '\0';
    if (strcmp(mode, "service") == 0) test_with_a_service(self);
    else if (strcmp(mode, "silent") == 0) test_unavailable(PKCE_ERR_KEYRING_TIMEOUT, 1000);
    else test_unavailable(PKCE_ERR_KEYRING_UNAVAILABLE, 1000);
    return check_summary();
}
