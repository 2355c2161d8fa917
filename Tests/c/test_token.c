/* Token responses: success, deviations, errors, and the error handle.
 * Part of the C suite (`make test-c`, under valgrind), through the built
 * libpkce.so, with every bad input the header documents. */
#define _POSIX_C_SOURCE 200809L
#include "fixtures.h"

#include <stdlib.h>

static pkce_status parse(int status, const char *body, pkce_token **token, pkce_error **error) {
    return pkce_token_parse(status, body, strlen(body), token, error);
}

static pkce_status parse_only(int status, const char *body) {
    pkce_token *t = NULL;
    pkce_status st = parse(status, body, &t, NULL);
    pkce_token_free(t);
    return st;
}

static void test_token_success(void) {
    pkce_token *t = NULL;
    pkce_error *err = NULL;
    const char *body = "{\"access_token\":\"at-1\",\"token_type\":\"Bearer\",\"expires_in\":3600,"
                       "\"refresh_token\":\"rt-1\",\"scope\":\"openid email\",\"id_token\":\"h.p.s\","
                       "\"user\":{\"id\":\"user_01\",\"email\":\"a@example.com\"},\"organization_id\":\"org_01\","
                       "\"escaped\":\"a\\/b\\\"c\\u00e9\\ud83d\\ude00\",\"n\":null}";
    CHECK_STATUS(parse(200, body, &t, &err), PKCE_OK);
    CHECK(err == NULL);
    CHECK_STR(pkce_token_access_token(t), "at-1");
    CHECK_STR(pkce_token_token_type(t), "Bearer");
    CHECK_STR(pkce_token_refresh_token(t), "rt-1");
    CHECK_STR(pkce_token_scope(t), "openid email");
    CHECK_STR(pkce_token_id_token(t), "h.p.s");
    int64_t secs = 0;
    CHECK_STATUS(pkce_token_expires_in(t, &secs), PKCE_OK);
    CHECK(secs == 3600);
    size_t len = 0;
    CHECK_STR(pkce_token_json(t, &len), body);
    CHECK(len == strlen(body));
    char *s = NULL;
    CHECK_STATUS(pkce_token_member_json(t, "user", &s), PKCE_OK);
    CHECK_STR(s, "{\"id\":\"user_01\",\"email\":\"a@example.com\"}");
    pkce_string_free(s);
    CHECK_STATUS(pkce_token_member_json(t, "organization_id", &s), PKCE_OK);
    CHECK_STR(s, "\"org_01\"");
    pkce_string_free(s);
    CHECK_STATUS(pkce_token_member_string(t, "organization_id", &s), PKCE_OK);
    CHECK_STR(s, "org_01");
    pkce_string_free(s);
    CHECK_STATUS(pkce_token_member_string(t, "escaped", &s), PKCE_OK);
    CHECK_STR(s, "a/b\"c\xc3\xa9\xf0\x9f\x98\x80");
    pkce_string_free(s);
    s = (char *)"untouched";
    CHECK_STATUS(pkce_token_member_string(t, "user", &s), PKCE_ERR_RESPONSE_INVALID);
    CHECK_STATUS(pkce_token_member_string(t, "n", &s), PKCE_ERR_NOT_FOUND);
    CHECK_STATUS(pkce_token_member_string(t, "absent", &s), PKCE_ERR_NOT_FOUND);
    CHECK_STATUS(pkce_token_member_json(t, "absent", &s), PKCE_ERR_NOT_FOUND);
    CHECK_STR(s, "untouched");
    CHECK_STATUS(pkce_token_member_json(t, NULL, &s), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_token_member_json(t, "user", NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_token_member_string(NULL, "user", &s), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_token_expires_in(t, NULL), PKCE_ERR_INVALID_ARGUMENT);
    pkce_token_free(t);

    /* deviations that are safe to accept */
    CHECK_STATUS(parse(200, "{\"access_token\":\"a\",\"token_type\":\"bearer\",\"expires_in\":\"3600\"}", &t, NULL), PKCE_OK);
    CHECK_STR(pkce_token_token_type(t), "bearer");
    secs = 0;
    CHECK_STATUS(pkce_token_expires_in(t, &secs), PKCE_OK);
    CHECK(secs == 3600);
    pkce_token_free(t);
    CHECK_STATUS(parse(201, " {\"access_token\":\"a\",\"refresh_token\":null,\"expires_in\":null,\"x\":[1,2.5e3,true,false,{}]} ", &t, NULL), PKCE_OK);
    CHECK(pkce_token_token_type(t) == NULL && pkce_token_refresh_token(t) == NULL && pkce_token_scope(t) == NULL);
    CHECK(pkce_token_id_token(t) == NULL);
    secs = 42;
    CHECK_STATUS(pkce_token_expires_in(t, &secs), PKCE_ERR_NOT_FOUND);
    CHECK(secs == 42);
    pkce_token_free(t);
    /* the body need not be NUL-terminated: only body_length bytes are read */
    const char unterminated[] = "{\"access_token\":\"a\"}XXXX";
    CHECK_STATUS(pkce_token_parse(200, unterminated, strlen(unterminated) - 4, &t, NULL), PKCE_OK);
    CHECK_STR(pkce_token_json(t, NULL), "{\"access_token\":\"a\"}");
    pkce_token_free(t);
    CHECK(pkce_token_access_token(NULL) == NULL && pkce_token_json(NULL, NULL) == NULL);
    CHECK(pkce_token_token_type(NULL) == NULL && pkce_token_refresh_token(NULL) == NULL);
    CHECK(pkce_token_scope(NULL) == NULL && pkce_token_id_token(NULL) == NULL);
    pkce_token_free(NULL);
}

static void test_token_errors(void) {
    pkce_token *t = NULL;
    pkce_error *err = NULL;
    CHECK_STATUS(parse(400, "{\"error\":\"invalid_grant\",\"error_description\":\"PKCE verification failed\","
                            "\"error_uri\":\"https://e.example/g\"}", &t, &err), PKCE_ERR_OAUTH);
    CHECK(t == NULL);
    CHECK_STR(pkce_error_oauth_error(err), "invalid_grant");
    CHECK_STR(pkce_error_description(err), "PKCE verification failed");
    CHECK_STR(pkce_error_uri(err), "https://e.example/g");
    CHECK(pkce_error_http_status(err) == 400);
    pkce_error_free(err); err = NULL;
    /* an error object with 200 is an error, not a token */
    CHECK_STATUS(parse(200, "{\"error\":\"invalid_request\",\"access_token\":\"a\"}", &t, &err), PKCE_ERR_OAUTH);
    CHECK(pkce_error_http_status(err) == 200);
    pkce_error_free(err); err = NULL;
    /* HTML error page, JSON without error, a bare array */
    CHECK_STATUS(parse(500, "<html><body>Internal Server Error</body></html>", &t, &err), PKCE_ERR_HTTP_STATUS);
    CHECK(pkce_error_http_status(err) == 500 && pkce_error_oauth_error(err) == NULL);
    pkce_error_free(err); err = NULL;
    CHECK_STATUS(parse_only(404, "{\"message\":\"not found\"}"), PKCE_ERR_HTTP_STATUS);
    CHECK_STATUS(parse_only(503, "[1]"), PKCE_ERR_HTTP_STATUS);
    CHECK_STATUS(parse_only(302, ""), PKCE_ERR_HTTP_STATUS);
    CHECK_STATUS(parse_only(200, "[1]"), PKCE_ERR_RESPONSE_INVALID);
    CHECK_STATUS(parse_only(200, "\"a\""), PKCE_ERR_RESPONSE_INVALID);
    /* an `error` that is no string: with 2xx a broken answer; otherwise that
     * status's error (Google's APIs send {"error": {"code": ...}}) */
    CHECK_STATUS(parse_only(200, "{\"error\":5}"), PKCE_ERR_RESPONSE_INVALID);
    CHECK_STATUS(parse_only(400, "{\"error\":5}"), PKCE_ERR_HTTP_STATUS);

    /* malformed JSON */
    const char *malformed[] = {
        "", "   ", "<html>", "{", "{\"access_token\":\"a\"", "{\"access_token\":\"a\",}", "{\"access_token\":'a'}",
        "{\"access_token\":\"a\"} x", "{\"access_token\":\"a\"}{}", "{access_token:\"a\"}",
        "{\"access_token\":\"a\",\"access_token\":\"b\"}", "{\"a\":{\"k\":1,\"k\":2},\"access_token\":\"a\"}",
        "{\"access_token\":\"\\ud800\"}", "{\"access_token\":\"\\udc00x\"}", "{\"access_token\":\"\\ud800\\u0041\"}",
        "{\"access_token\":\"a\\x\"}", "{\"access_token\":\"\\u12G4\"}", "{\"access_token\":\"a\tb\"}",
        "{\"access_token\":\"\xff\"}", "{\"access_token\":\"\xc0\xaf\"}", "{\"access_token\":\"\xed\xa0\x80\"}",
        "{\"expires_in\":01,\"access_token\":\"a\"}", "{\"expires_in\":1.,\"access_token\":\"a\"}",
        "{\"expires_in\":-,\"access_token\":\"a\"}", "{\"expires_in\":1e,\"access_token\":\"a\"}",
        "{\"x\":tru,\"access_token\":\"a\"}", "{\"x\":nul}", "{\"x\":[1,]}", "{\"x\" 1}",
    };
    for (size_t i = 0; i < sizeof malformed / sizeof *malformed; i++) {
        pkce_status got = parse_only(200, malformed[i]);
        if (got != PKCE_ERR_RESPONSE_MALFORMED) fprintf(stderr, "  body #%zu: %s\n", i, malformed[i]);
        CHECK(got == PKCE_ERR_RESPONSE_MALFORMED);
    }
    CHECK_STATUS(pkce_token_parse(200, "{\"access_token\":\"a\0\"}", 21, &t, NULL), PKCE_ERR_RESPONSE_MALFORMED);

    /* well-formed, but unusable */
    const char *invalid[] = {
        "{}", "{\"access_token\":\"\"}", "{\"access_token\":5}", "{\"access_token\":null}",
        "{\"access_token\":\"a\\u0000b\"}", "{\"access_token\":\"a\",\"token_type\":1}",
        "{\"access_token\":\"a\",\"refresh_token\":5}", "{\"access_token\":\"a\",\"scope\":[\"x\"]}",
        "{\"access_token\":\"a\",\"id_token\":{}}", "{\"access_token\":\"a\",\"expires_in\":-1}",
        "{\"access_token\":\"a\",\"expires_in\":\"-1\"}", "{\"access_token\":\"a\",\"expires_in\":3600.5}",
        "{\"access_token\":\"a\",\"expires_in\":1e3}", "{\"access_token\":\"a\",\"expires_in\":true}",
        "{\"access_token\":\"a\",\"expires_in\":\"\"}", "{\"access_token\":\"a\",\"expires_in\":\"1h\"}",
        "{\"access_token\":\"a\",\"expires_in\":99999999999999999999}",
    };
    for (size_t i = 0; i < sizeof invalid / sizeof *invalid; i++) {
        pkce_status got = parse_only(200, invalid[i]);
        if (got != PKCE_ERR_RESPONSE_INVALID) fprintf(stderr, "  body: %s\n", invalid[i]);
        CHECK(got == PKCE_ERR_RESPONSE_INVALID);
    }

    /* nesting: 63 levels inside the top object are fine, 64 are not */
    char deep[400];
    size_t n = 0;
    n += (size_t)sprintf(deep, "{\"access_token\":\"a\",\"x\":");
    for (int i = 0; i < 63; i++) deep[n++] = '[';
    for (int i = 0; i < 63; i++) deep[n++] = ']';
    deep[n++] = '}'; deep[n] = 0;
    CHECK_STATUS(parse_only(200, deep), PKCE_OK);
    n = (size_t)sprintf(deep, "{\"access_token\":\"a\",\"x\":");
    for (int i = 0; i < 64; i++) deep[n++] = '[';
    for (int i = 0; i < 64; i++) deep[n++] = ']';
    deep[n++] = '}'; deep[n] = 0;
    CHECK_STATUS(parse_only(200, deep), PKCE_ERR_RESPONSE_MALFORMED);
    /* a million brackets must neither crash nor take long */
    size_t huge_n = 1000000;
    char *huge = malloc(huge_n + 1);
    memset(huge, '[', huge_n); huge[huge_n] = 0;
    CHECK_STATUS(parse_only(200, huge), PKCE_ERR_RESPONSE_MALFORMED);
    free(huge);

    /* size: exactly 1 MiB is parsed, one byte more is refused before parsing */
    size_t max = PKCE_RESPONSE_MAX_BYTES;
    char *big = malloc(max + 2);
    const char *head = "{\"access_token\":\"a\",\"pad\":\"";
    size_t hl = strlen(head);
    memcpy(big, head, hl);
    memset(big + hl, 'p', max - hl - 2);
    memcpy(big + max - 2, "\"}", 2);
    CHECK_STATUS(pkce_token_parse(200, big, max, &t, NULL), PKCE_OK);
    pkce_token_free(t);
    t = NULL;
    big[max] = ' ';
    CHECK_STATUS(pkce_token_parse(200, big, max + 1, &t, &err), PKCE_ERR_RESPONSE_TOO_LARGE);
    CHECK(t == NULL && err && pkce_error_http_status(err) == 200);
    pkce_error_free(err); err = NULL;
    free(big);

    /* arguments */
    CHECK_STATUS(pkce_token_parse(99, "{}", 2, &t, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_token_parse(600, "{}", 2, &t, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_token_parse(200, NULL, 0, &t, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_token_parse(200, "{}", 2, NULL, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_token_parse(200, "{}", SIZE_MAX, &t, NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK(t == NULL);
    CHECK(pkce_error_status(NULL) == PKCE_ERR_INVALID_ARGUMENT && pkce_error_message(NULL) == NULL);
    CHECK(pkce_error_oauth_error(NULL) == NULL && pkce_error_description(NULL) == NULL);
    CHECK(pkce_error_uri(NULL) == NULL && pkce_error_http_status(NULL) == 0);
    pkce_error_free(NULL);
    pkce_string_free(NULL);
}

/* RFC 6901 pointers into a WorkOS-shaped answer. */
static void test_token_pointers(void) {
    const char *body = "{\"access_token\":\"at\",\"user\":{\"id\":\"user_01\",\"email\":\"ada@example.com\","
                       "\"email_verified\":true,\"profile\":null,\"n\":-42,\"big\":99999999999999999999,\"f\":1.5},"
                       "\"organizations\":[{\"id\":\"org_1\"},{\"id\":\"org_2\"}],\"a/b\":{\"m~n\":\"slash and tilde\"},"
                       "\"esc\":\"caf\\u00e9\"}";
    pkce_token *token = NULL;
    CHECK_STATUS(parse(200, body, &token, NULL), PKCE_OK);
    char *text = NULL;
    CHECK_STATUS(pkce_token_pointer_string(token, "/user/email", &text), PKCE_OK);
    CHECK_STR(text, "ada@example.com");
    pkce_string_free(text);
    CHECK_STATUS(pkce_token_pointer_string(token, "/organizations/1/id", &text), PKCE_OK);
    CHECK_STR(text, "org_2");
    pkce_string_free(text);
    CHECK_STATUS(pkce_token_pointer_string(token, "/a~1b/m~0n", &text), PKCE_OK);
    CHECK_STR(text, "slash and tilde");
    pkce_string_free(text);
    CHECK_STATUS(pkce_token_pointer_string(token, "/esc", &text), PKCE_OK);
    CHECK_STR(text, "caf\xc3\xa9");
    pkce_string_free(text);
    int64_t n = 7;
    CHECK_STATUS(pkce_token_pointer_int(token, "/user/n", &n), PKCE_OK);
    CHECK(n == -42);
    n = 7;
    CHECK_STATUS(pkce_token_pointer_int(token, "/user/big", &n), PKCE_ERR_RESPONSE_INVALID);  /* past 64 bits */
    CHECK_STATUS(pkce_token_pointer_int(token, "/user/f", &n), PKCE_ERR_RESPONSE_INVALID);
    CHECK_STATUS(pkce_token_pointer_int(token, "/user/email", &n), PKCE_ERR_RESPONSE_INVALID);
    CHECK(n == 7);
    int flag = -1;
    CHECK_STATUS(pkce_token_pointer_bool(token, "/user/email_verified", &flag), PKCE_OK);
    CHECK(flag == 1);
    CHECK_STATUS(pkce_token_pointer_bool(token, "/user/id", &flag), PKCE_ERR_RESPONSE_INVALID);
    CHECK_STATUS(pkce_token_pointer_json(token, "/organizations/0", &text), PKCE_OK);
    CHECK_STR(text, "{\"id\":\"org_1\"}");
    pkce_string_free(text);
    CHECK_STATUS(pkce_token_pointer_json(token, "/user/profile", &text), PKCE_OK);  /* null is JSON text too */
    CHECK_STR(text, "null");
    pkce_string_free(text);
    CHECK_STATUS(pkce_token_pointer_json(token, "", &text), PKCE_OK);
    CHECK_STR(text, body);
    pkce_string_free(text);
    text = (char *)&text;
    CHECK_STATUS(pkce_token_pointer_string(token, "/user/profile", &text), PKCE_ERR_NOT_FOUND);  /* null */
    CHECK_STATUS(pkce_token_pointer_string(token, "/user/missing", &text), PKCE_ERR_NOT_FOUND);
    CHECK_STATUS(pkce_token_pointer_string(token, "/organizations/2/id", &text), PKCE_ERR_NOT_FOUND);
    CHECK_STATUS(pkce_token_pointer_string(token, "/organizations/01/id", &text), PKCE_ERR_NOT_FOUND);  /* leading zero */
    CHECK_STATUS(pkce_token_pointer_string(token, "/organizations/-", &text), PKCE_ERR_NOT_FOUND);
    CHECK_STATUS(pkce_token_pointer_string(token, "/access_token/x", &text), PKCE_ERR_NOT_FOUND);
    CHECK_STATUS(pkce_token_pointer_string(token, "user/email", &text), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_token_pointer_string(token, "/a~2b", &text), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_token_pointer_string(token, "/user", &text), PKCE_ERR_RESPONSE_INVALID);
    CHECK_STATUS(pkce_token_pointer_string(NULL, "/user", &text), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_token_pointer_string(token, NULL, &text), PKCE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(pkce_token_pointer_string(token, "/user/email", NULL), PKCE_ERR_INVALID_ARGUMENT);
    CHECK(text == (char *)&text);
    pkce_token_free(token);
}

/* A WorkOS failure keeps its whole answer: code and message as the OAuth
 * error, the members the application must act on by pointer, the body. */
static void test_error_answers(void) {
    const char *body = "{\"code\":\"organization_selection_required\",\"message\":\"The user must choose an organization.\","
                       "\"pending_authentication_token\":\"pat_secret_1\",\"user\":{\"id\":\"user_01\",\"email\":\"ada@example.com\"},"
                       "\"organizations\":[{\"id\":\"org_1\",\"name\":\"One\"},{\"id\":\"org_2\",\"name\":\"Two\"}]}";
    pkce_token *t = NULL;
    pkce_error *err = NULL;
    CHECK_STATUS(parse(403, body, &t, &err), PKCE_ERR_OAUTH);
    CHECK_STR(pkce_error_oauth_error(err), "organization_selection_required");
    CHECK_STR(pkce_error_description(err), "The user must choose an organization.");
    CHECK(strstr(pkce_error_message(err), "pat_secret") == NULL);
    size_t length = 0;
    CHECK_STR(pkce_error_body(err, &length), body);
    CHECK(length == strlen(body));
    CHECK(pkce_error_request_id(err) == NULL);  /* parsed from the caller's bytes: no headers */
    char *text = NULL;
    CHECK_STATUS(pkce_error_pointer_string(err, "/pending_authentication_token", &text), PKCE_OK);
    CHECK_STR(text, "pat_secret_1");
    pkce_string_free(text);
    CHECK_STATUS(pkce_error_pointer_string(err, "/organizations/1/name", &text), PKCE_OK);
    CHECK_STR(text, "Two");
    pkce_string_free(text);
    CHECK_STATUS(pkce_error_pointer_json(err, "/user", &text), PKCE_OK);
    CHECK_STR(text, "{\"id\":\"user_01\",\"email\":\"ada@example.com\"}");
    pkce_string_free(text);
    int64_t n = 0;
    int flag = 0;
    CHECK_STATUS(pkce_error_pointer_int(err, "/user/id", &n), PKCE_ERR_RESPONSE_INVALID);
    CHECK_STATUS(pkce_error_pointer_bool(err, "/user/missing", &flag), PKCE_ERR_NOT_FOUND);
    pkce_error_free(err); err = NULL;

    /* Not JSON: the body is kept, members are refused as malformed. */
    CHECK_STATUS(parse(502, "<html>Bad Gateway</html>", &t, &err), PKCE_ERR_HTTP_STATUS);
    CHECK_STR(pkce_error_body(err, NULL), "<html>Bad Gateway</html>");
    CHECK_STATUS(pkce_error_pointer_string(err, "/x", &text), PKCE_ERR_RESPONSE_MALFORMED);
    pkce_error_free(err); err = NULL;
    /* Empty: said so. */
    CHECK_STATUS(pkce_token_parse(500, "", 0, &t, &err), PKCE_ERR_HTTP_STATUS);
    CHECK_STR(pkce_error_message(err), "HTTP status 500 with an empty body");
    CHECK_STR(pkce_error_body(err, &length), "");
    CHECK(length == 0);
    pkce_error_free(err); err = NULL;
    /* An error with no answer: no body, members not found. */
    CHECK_STATUS(pkce_token_parse(99, "{}", 2, &t, &err), PKCE_ERR_INVALID_ARGUMENT);
    CHECK(pkce_error_body(err, &length) == NULL && pkce_error_request_id(err) == NULL);
    text = (char *)&text;
    CHECK_STATUS(pkce_error_pointer_string(err, "", &text), PKCE_ERR_NOT_FOUND);
    CHECK_STATUS(pkce_error_pointer_json(err, "", &text), PKCE_ERR_NOT_FOUND);
    CHECK(text == (char *)&text);
    pkce_error_free(err);
    CHECK(pkce_error_body(NULL, NULL) == NULL && pkce_error_request_id(NULL) == NULL);
    CHECK_STATUS(pkce_error_pointer_int(NULL, "/x", &n), PKCE_ERR_INVALID_ARGUMENT);
}

int main(void) {
    test_token_pointers();
    test_error_answers();
    test_token_success();
    test_token_errors();
    return check_summary();
}
