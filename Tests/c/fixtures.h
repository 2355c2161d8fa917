/* What the C test programs share: the RFC 7636 test vector, a redirect URI,
 * a configured client. Static inline, so a program that uses only some of
 * it is not warned about the rest. */
#ifndef PKCE_TEST_FIXTURES_H
#define PKCE_TEST_FIXTURES_H

#include "check.h"
#include "pkce.h"

#define RFC_VERIFIER "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define RFC_CHALLENGE "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
#define REDIRECT "http://127.0.0.1:8080/callback"
#define REDIRECT_ENC "http%3A%2F%2F127.0.0.1%3A8080%2Fcallback"

static inline int is_b64url(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static inline int all_b64url(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) if (!is_b64url(s[i])) return 0;
    return s[n] == '\0';
}

static inline pkce_client *make_client(const char *scope) {
    pkce_client *client = NULL;
    CHECK_STATUS(pkce_client_new("my app", REDIRECT, &client), PKCE_OK);
    CHECK_STATUS(pkce_client_set_authorization_endpoint(client, "https://auth.example.com/authorize?tenant=a"), PKCE_OK);
    CHECK_STATUS(pkce_client_set_token_endpoint(client, "https://auth.example.com/token"), PKCE_OK);
    CHECK_STATUS(pkce_client_set_scope(client, scope), PKCE_OK);
    return client;
}

#endif
