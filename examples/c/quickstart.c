/* The README's C quick start: a PKCE pair, then the authorization URL.
 * Build: cc quickstart.c $(pkg-config --cflags --libs pkce) */
#include <pkce.h>
#include <stdio.h>

int main(void) {
    /* 1. The primitives alone, for a program that builds its own URL: a verifier and its S256 challenge. */
    char verifier[PKCE_VERIFIER_MAX_LENGTH + 1], challenge[PKCE_S256_CHALLENGE_LENGTH + 1];
    pkce_status st = pkce_pair_generate(64, verifier, sizeof verifier, challenge, sizeof challenge);
    if (st != PKCE_OK) { fprintf(stderr, "pkce: %s\n", pkce_strerror(st)); return 1; }
    printf("code_challenge=%s (method S256)\n", challenge);

    /* 2. Or let an attempt do it: it makes a pair of its own (and a state and, for openid, a nonce),
     *    so its URL carries another challenge than the one above: every sign-in needs a fresh pair. */
    pkce_client *client = NULL;
    pkce_attempt *attempt = NULL;
    char *url = NULL;
    if ((st = pkce_client_new("my-client-id", "http://127.0.0.1:8080/callback", &client)) != PKCE_OK ||
        (st = pkce_client_set_authorization_endpoint(client, "https://auth.example.com/authorize")) != PKCE_OK ||
        (st = pkce_client_set_scope(client, "openid email")) != PKCE_OK ||
        (st = pkce_attempt_new(client, &attempt)) != PKCE_OK ||
        (st = pkce_attempt_authorization_url(attempt, &url)) != PKCE_OK) {
        fprintf(stderr, "pkce: %s\n", pkce_strerror(st));
    } else {
        printf("open in a browser: %s\n", url);
    }
    pkce_string_free(url);
    pkce_attempt_free(attempt);
    pkce_client_free(client);
    return st == PKCE_OK ? 0 : 1;
}
