/* `make demo`: the authorization-code flow with PKCE, from the fresh pair to
 * the token request, against an example authorization server. The
 * browser round trip is simulated: the redirect below is what the server
 * would send back. Secrets are shortened in the output, as a real
 * program's logs should do. */
#include <pkce.h>
#include <stdio.h>
#include <string.h>

#define REDIRECT_URI "http://127.0.0.1:8765/callback"

static int fail(const char *what, pkce_status st) {
    fprintf(stderr, "%s: %s\n", what, pkce_strerror(st));
    return 1;
}

/* "abcdef…(43 chars)": enough to recognise a secret, not to use it. */
static const char *shorten(const char *secret, char *buf, size_t size) {
    snprintf(buf, size, "%.6s…(%zu chars)", secret, strlen(secret));
    return buf;
}

int main(void) {
    char s1[64], s2[64];
    pkce_status st;
    printf("libpkce %s\n\n", pkce_version());

    /* 1. The client, as registered with the authorization server. */
    pkce_client *client = NULL;
    if ((st = pkce_client_new("client_01HXYZDEMO", REDIRECT_URI, &client)) != PKCE_OK) return fail("client", st);
    pkce_client_set_authorization_endpoint(client, "https://auth.example.com/oauth2/authorize");
    pkce_client_set_token_endpoint(client, "https://auth.example.com/oauth2/token");
    pkce_client_set_issuer(client, "https://auth.example.com", 1);

    /* 2. One sign-in attempt: fresh verifier, S256 challenge, state; plus
     *    provider parameters such as WorkOS's `provider` and `login_hint`. */
    pkce_attempt *attempt = NULL;
    if ((st = pkce_attempt_new(client, &attempt)) != PKCE_OK) return fail("attempt", st);
    pkce_attempt_add_parameter(attempt, "provider", "authkit");
    pkce_attempt_add_parameter(attempt, "login_hint", "ada@example.com");
    printf("1. fresh PKCE pair\n   code_verifier  %s\n   code_challenge %s (S256)\n   state          %s\n\n",
           shorten(pkce_attempt_verifier(attempt), s1, sizeof s1), pkce_attempt_challenge(attempt),
           pkce_attempt_state(attempt));

    char *url = NULL;
    if ((st = pkce_attempt_authorization_url(attempt, &url)) != PKCE_OK) return fail("authorization URL", st);
    printf("2. authorization URL (open it in the user's browser)\n   %s\n\n", url);
    pkce_string_free(url);

    /* 3. The browser comes back to the redirect URI. First, a forged one. */
    pkce_error *err = NULL;
    st = pkce_attempt_handle_callback(attempt, REDIRECT_URI "?code=stolen&state=forged&iss=https%3A%2F%2Fauth.example.com", &err);
    printf("3. a forged callback is refused: %s (%s)\n", pkce_strerror(st), pkce_error_message(err));
    pkce_error_free(err);

    char callback[512];
    snprintf(callback, sizeof callback, "%s?code=SplxlOBeZQQYbYS6WxSbIA&state=%s&iss=https%%3A%%2F%%2Fauth.example.com",
             REDIRECT_URI, pkce_attempt_state(attempt));
    if ((st = pkce_attempt_handle_callback(attempt, callback, &err)) != PKCE_OK) {
        fprintf(stderr, "callback: %s\n", pkce_error_message(err));
        return 1;
    }
    printf("   the real callback passes the iss, state, error and code checks\n\n");

    /* 4. The token request, for libpkce's HTTPS client or the app's own HTTP stack. */
    pkce_http_request *request = NULL;
    if ((st = pkce_attempt_token_request(attempt, &request)) != PKCE_OK) return fail("token request", st);
    printf("4. token request\n   %s %s\n", pkce_http_request_method(request), pkce_http_request_url(request));
    for (size_t i = 0; i < pkce_http_request_header_count(request); i++) {
        const char *name, *value;
        pkce_http_request_header(request, i, &name, &value);
        printf("   %s: %s\n", name, value);
    }
    size_t length = 0;
    const char *body = pkce_http_request_body(request, &length);
    /* the body carries the code and the verifier: print only the parameter names */
    printf("   body (%zu bytes): ", length);
    for (const char *p = body; *p; ) {
        const char *eq = strchr(p, '='), *amp = strchr(p, '&');
        printf("%.*s=…%s", (int)(eq - p), p, amp ? "&" : "\n\n");
        p = amp ? amp + 1 : p + strlen(p);
    }
    pkce_http_request_free(request);

    /* 5. What a server answers, parsed. */
    const char *answer = "{\"access_token\":\"eyJhbGciOiJSUzI1NiJ9.demo.sig\",\"token_type\":\"Bearer\","
                         "\"expires_in\":\"3600\",\"refresh_token\":\"rt_01HXYZDEMO\","
                         "\"user\":{\"id\":\"user_01\",\"email\":\"ada@example.com\"}}";
    pkce_token *token = NULL;
    if ((st = pkce_token_parse(200, answer, strlen(answer), &token, &err)) != PKCE_OK) return fail("token", st);
    int64_t expires = 0;
    pkce_token_expires_in(token, &expires);
    char *user = NULL;
    pkce_token_member_json(token, "user", &user);
    printf("5. token response\n   access_token  %s\n   token_type    %s\n   expires_in    %lld s\n   refresh_token %s\n   user          %s\n",
           shorten(pkce_token_access_token(token), s1, sizeof s1), pkce_token_token_type(token), (long long)expires,
           shorten(pkce_token_refresh_token(token), s2, sizeof s2), user);
    pkce_string_free(user);
    pkce_token_free(token);

    pkce_attempt_free(attempt);
    pkce_client_free(client);
    return 0;
}
