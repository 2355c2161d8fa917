/* What the tool prints: exit codes, one-line messages, JSON with the
 * secrets of a token response shortened. */
#include "tool.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int exit_code(pkce_status st) {
    switch (st) {
    case PKCE_OK: return EXIT_OK;
    case PKCE_ERR_OAUTH: case PKCE_ERR_ACCESS_DENIED: case PKCE_ERR_INSUFFICIENT_SCOPE: return EXIT_OAUTH;
    case PKCE_ERR_CONNECT: case PKCE_ERR_TLS: case PKCE_ERR_TIMEOUT: case PKCE_ERR_REDIRECT: case PKCE_ERR_TRANSPORT:
        return EXIT_NETWORK;
    case PKCE_ERR_SIGN_IN_TIMEOUT: case PKCE_ERR_DEVICE_EXPIRED: return EXIT_TIMEOUT;
    case PKCE_ERR_STATE_MISMATCH: case PKCE_ERR_ISSUER_MISSING: case PKCE_ERR_ISSUER_MISMATCH:
    case PKCE_ERR_CALLBACK_INVALID: case PKCE_ERR_CALLBACK_DUPLICATE: case PKCE_ERR_CODE_MISSING:
    case PKCE_ERR_SIGN_IN_RACED: case PKCE_ERR_RESOURCE_MISMATCH:
    case PKCE_ERR_ID_TOKEN_MALFORMED: case PKCE_ERR_ID_TOKEN_ALGORITHM: case PKCE_ERR_ID_TOKEN_KEY_NOT_FOUND:
    case PKCE_ERR_ID_TOKEN_SIGNATURE: case PKCE_ERR_ID_TOKEN_CLAIM: case PKCE_ERR_ID_TOKEN_EXPIRED:
    case PKCE_ERR_ID_TOKEN_NONCE: case PKCE_ERR_ID_TOKEN_MISSING:
        return EXIT_CHECK;
    default: return EXIT_OTHER;
    }
}

/* One line on stderr naming what failed (with the server's description and
 * request id, what its support desk asks for), and the exit code for it. */
int fail(const char *what, pkce_status st, pkce_error *error) {
    const char *description = error && pkce_error_oauth_error(error) ? pkce_error_description(error) : NULL;
    const char *request_id = pkce_error_request_id(error);
    fprintf(stderr, "pkce: %s: %s%s%s%s%s%s%s\n", what, error ? pkce_error_message(error) : pkce_strerror(st),
            description ? " (" : "", description ? description : "", description ? ")" : "",
            request_id ? " [request id " : "", request_id ? request_id : "", request_id ? "]" : "");
    pkce_error_free(error);
    return exit_code(st);
}

int usage_error(const char *format, ...) {
    va_list args;
    va_start(args, format);
    fputs("pkce: ", stderr);
    vfprintf(stderr, format, args);
    fputs(" (see pkce --help)\n", stderr);
    va_end(args);
    return EXIT_USAGE;
}

void json_string(FILE *out, const char *s) {
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
        else if (c < 0x20 || c == 0x7F) fprintf(out, "\\u%04x", c);
        else fputc(c, out);
    }
    fputc('"', out);
}

void log_to_stderr(pkce_log_level level, const char *message, void *user_data) {
    static const char *names[] = { "", "error", "warning", "info", "debug" };
    (void)user_data;
    fprintf(stderr, "pkce: [%s] %s\n", names[level >= 1 && level <= 4 ? level : 0], message);
}

/* Where the JSON string starting at s (its opening quote) ends, past the closing quote. */
static const char *string_end(const char *s) {
    for (s++; *s && *s != '"'; s++)
        if (*s == '\\' && s[1]) s++;
    return *s ? s + 1 : s;
}

static int hex_value(char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Whether the JSON string text `raw` (n bytes, quotes excluded) decodes to
 * `name`, an ASCII name: compared as the library reads member names, so
 * "access\u005ftoken" is access_token. */
static int decodes_to(const char *raw, size_t n, const char *name) {
    size_t i = 0;
    for (; i < n; name++) {
        unsigned c = (unsigned char)raw[i++];
        if (c == '\\' && i < n) {
            char e = raw[i++];
            if (e == 'u' && i + 4 <= n) {
                c = 0;
                for (int k = 0; k < 4; k++) {
                    int h = hex_value(raw[i++]);
                    if (h < 0) return 0;
                    c = c << 4 | (unsigned)h;
                }
            } else {
                switch (e) {
                case '"': case '\\': case '/': c = (unsigned char)e; break;
                case 'b': c = '\b'; break;
                case 'f': c = '\f'; break;
                case 'n': c = '\n'; break;
                case 'r': c = '\r'; break;
                case 't': c = '\t'; break;
                default: return 0;
                }
            }
        }
        if (!*name || c != (unsigned char)*name) return 0;
    }
    return *name == '\0';
}

static int is_secret_member(const char *key, size_t n) {
    static const char *secrets[] = { "access_token", "refresh_token", "id_token", "device_code" };
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
        if (decodes_to(key, n, secrets[i])) return 1;
    return 0;
}

/* The token response (valid JSON, checked by the library) with the values
 * of its secret top-level members shortened, "abcdef…(43 chars)", and
 * `extra` (a member, or NULL) added at the end. */
static void print_shortened(const char *json, int shorten, const char *extra) {
    int depth = 0, expect_key = 0;
    const char *key = NULL;
    size_t key_length = 0;
    for (const char *p = json; *p;) {
        if (*p == '"') {
            const char *end = string_end(p);
            if (depth == 1 && expect_key) {
                key = p + 1;
                key_length = (size_t)(end - p - 2);
            } else if (shorten && depth == 1 && key && is_secret_member(key, key_length)) {
                size_t n = (size_t)(end - p - 2);
                printf("\"%.*s…(%zu chars)\"", (int)(n < 6 ? n : 6), p + 1, n);
                p = end;
                continue;
            }
            fwrite(p, 1, (size_t)(end - p), stdout);
            p = end;
            continue;
        }
        if (*p == '{' || *p == '[') depth++;
        else if (*p == '}' || *p == ']') depth--;
        if (depth == 0 && *p == '}' && extra) printf("%s%s", key ? "," : "", extra);
        if (depth == 1 && (*p == '{' || *p == ',')) expect_key = 1;
        else if (depth == 1 && *p == ':') expect_key = 0;
        putchar(*p++);
    }
    putchar('\n');
}

/* Keeps the token in the --save store; a token source made with a token saves it. */
static int save_token(const struct options *o, pkce_client *client, const pkce_token *token, const char *subject) {
    pkce_token_store *store = NULL;
    pkce_token_source *source = NULL;
    pkce_error *error = NULL;
    pkce_status st = open_named_store(o->save, &store);
    if (st == PKCE_OK) st = pkce_token_source_new(client, token, store, o->subject ? o->subject : subject, &source, &error);
    pkce_token_source_free(source);
    pkce_token_store_free(store);
    return st == PKCE_OK ? EXIT_OK : fail("save", st, error);
}

int print_token(const struct options *o, pkce_client *client, pkce_token *token, const char *subject) {
    int code = o->save ? save_token(o, client, token, subject) : EXIT_OK;
    /* Not saved after all: the tokens in full, or the sign-in would be lost. */
    if (code != EXIT_OK) fprintf(stderr, "pkce: the tokens were not saved; here they are in full\n");
    const pkce_id_token *claims = pkce_token_id_token_claims(token);
    char *extra = NULL;
    if (claims) {
        const char *json = pkce_id_token_json(claims, NULL);
        size_t n = strlen(json) + sizeof "\"id_token_claims\":";
        if ((extra = malloc(n))) snprintf(extra, n, "\"id_token_claims\":%s", json);
    }
    print_shortened(pkce_token_json(token, NULL), !o->show_secrets && code == EXIT_OK, extra);
    free(extra);
    pkce_token_free(token);
    return code;
}
