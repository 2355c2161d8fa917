/* The commands that need no server: a verifier and challenge, and an
 * authorization URL to finish elsewhere. */
#include "tool.h"

#include <string.h>

int cmd_pair(const struct options *o) {
    char verifier[129], challenge[64];
    if (o->length > 128) return usage_error("--length must be 43 to 128");
    pkce_status st = pkce_pair_generate((size_t)o->length, verifier, sizeof verifier, challenge, sizeof challenge);
    if (st != PKCE_OK) return st == PKCE_ERR_VERIFIER_LENGTH ? usage_error("--length must be 43 to 128") : fail("pair", st, NULL);
    printf("{\"code_verifier\":\"%s\",\"code_challenge\":\"%s\",\"code_challenge_method\":\"S256\"}\n", verifier, challenge);
    memset(verifier, 0, sizeof verifier);
    return EXIT_OK;
}

int cmd_challenge(const struct options *o) {
    if (o->positional_count != 1) return usage_error("challenge needs one VERIFIER");
    pkce_method method = PKCE_METHOD_S256;
    if (o->method && strcmp(o->method, "plain") == 0) method = PKCE_METHOD_PLAIN;
    else if (o->method && strcmp(o->method, "S256") != 0) return usage_error("--method is S256 or plain");
    char challenge[129];
    pkce_status st = pkce_challenge_derive(o->positional[0], method, challenge, sizeof challenge);
    if (st != PKCE_OK) {
        fail("challenge", st, NULL);
        return EXIT_USAGE;  /* the only failures are a verifier that breaks RFC 7636's rules */
    }
    puts(challenge);
    return EXIT_OK;
}

int cmd_url(const struct options *o) {
    pkce_client *client = NULL;
    const char *redirect = o->redirect_uri ? o->redirect_uri : "http://127.0.0.1:8765/callback";
    int code = make_client(o, redirect, &client);
    if (code != EXIT_OK) return code;
    pkce_attempt *attempt = NULL;
    char *url = NULL;
    pkce_status st = pkce_attempt_new(client, &attempt);
    if (st == PKCE_OK && (code = add_params(o, attempt)) == EXIT_OK) st = pkce_attempt_authorization_url(attempt, &url);
    if (code == EXIT_OK && st == PKCE_OK) {
        printf("{\"url\":");
        json_string(stdout, url);
        printf(",\"redirect_uri\":");
        json_string(stdout, redirect);
        printf(",\"state\":\"%s\",\"code_verifier\":\"%s\"", pkce_attempt_state(attempt), pkce_attempt_verifier(attempt));
        if (pkce_attempt_nonce(attempt)) printf(",\"nonce\":\"%s\"", pkce_attempt_nonce(attempt));
        printf("}\n");
    } else if (code == EXIT_OK) {
        code = fail("authorization URL", st, NULL);
    }
    pkce_string_free(url);
    pkce_attempt_free(attempt);
    pkce_client_free(client);
    return code;
}
