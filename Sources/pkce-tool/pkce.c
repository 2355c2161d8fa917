/* pkce(1): the libpkce command-line tool. A C program on the public API of
 * pkce.h only, which it thereby shows to be enough for a whole native-app
 * sign-in. See docs/man/pkce.1 for usage and exit codes. */
#define _POSIX_C_SOURCE 200809L
#include <pkce.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Exit codes: distinct per kind of failure (docs/man/pkce.1, EXIT STATUS). */
enum {
    EXIT_OK = 0,
    EXIT_OTHER = 1,    /* anything not below: port in use, browser, discovery, a malformed answer */
    EXIT_USAGE = 2,    /* bad command line */
    EXIT_OAUTH = 3,    /* the server answered with an OAuth error (access_denied, invalid_grant, ...) */
    EXIT_NETWORK = 4,  /* connection, TLS, HTTP timeout, redirect, transfer */
    EXIT_TIMEOUT = 5,  /* no sign-in in time: listener timeout, device code expired */
    EXIT_CHECK = 6     /* a failed check: state, iss, callback, ID token */
};

static int exit_code(pkce_status st) {
    switch (st) {
    case PKCE_OK: return EXIT_OK;
    case PKCE_ERR_OAUTH: case PKCE_ERR_ACCESS_DENIED: return EXIT_OAUTH;
    case PKCE_ERR_CONNECT: case PKCE_ERR_TLS: case PKCE_ERR_TIMEOUT: case PKCE_ERR_REDIRECT: case PKCE_ERR_TRANSPORT:
        return EXIT_NETWORK;
    case PKCE_ERR_SIGN_IN_TIMEOUT: case PKCE_ERR_DEVICE_EXPIRED: return EXIT_TIMEOUT;
    case PKCE_ERR_STATE_MISMATCH: case PKCE_ERR_ISSUER_MISSING: case PKCE_ERR_ISSUER_MISMATCH:
    case PKCE_ERR_CALLBACK_INVALID: case PKCE_ERR_CALLBACK_DUPLICATE: case PKCE_ERR_CODE_MISSING:
    case PKCE_ERR_ID_TOKEN_MALFORMED: case PKCE_ERR_ID_TOKEN_ALGORITHM: case PKCE_ERR_ID_TOKEN_KEY_NOT_FOUND:
    case PKCE_ERR_ID_TOKEN_SIGNATURE: case PKCE_ERR_ID_TOKEN_CLAIM: case PKCE_ERR_ID_TOKEN_EXPIRED:
    case PKCE_ERR_ID_TOKEN_NONCE: case PKCE_ERR_ID_TOKEN_MISSING:
        return EXIT_CHECK;
    default: return EXIT_OTHER;
    }
}

/* One line on stderr naming what failed (with the server's description and
 * request id, what its support desk asks for), and the exit code for it. */
static int fail(const char *what, pkce_status st, pkce_error *error) {
    const char *description = error && pkce_error_oauth_error(error) ? pkce_error_description(error) : NULL;
    const char *request_id = pkce_error_request_id(error);
    fprintf(stderr, "pkce: %s: %s%s%s%s%s%s%s\n", what, error ? pkce_error_message(error) : pkce_strerror(st),
            description ? " (" : "", description ? description : "", description ? ")" : "",
            request_id ? " [request id " : "", request_id ? request_id : "", request_id ? "]" : "");
    pkce_error_free(error);
    return exit_code(st);
}

static int usage_error(const char *format, ...) {
    va_list args;
    va_start(args, format);
    fputs("pkce: ", stderr);
    vfprintf(stderr, format, args);
    fputs(" (see pkce --help)\n", stderr);
    va_end(args);
    return EXIT_USAGE;
}

/* ---- options ---- */

#define MAX_PARAMS 32
#define MAX_PORTS 65536

struct options {
    const char *issuer, *authorization_endpoint, *token_endpoint, *revocation_endpoint, *client_id;
    const char *redirect_uri, *scope, *ca_file, *redirect_path, *browser_command, *refresh_token, *token, *token_file;
    const char *hint, *save, *method, *subject;
    const char *params[MAX_PARAMS];
    int param_count;
    uint16_t *ports;
    size_t port_count;
    int timeout, length, no_browser, device, show_secrets, verbose;
    const char *positional[2];
    int positional_count;
};

static int parse_port(const char *text, uint16_t *port) {
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno || *end || end == text || value < 1 || value > 65535) return 0;
    *port = (uint16_t)value;
    return 1;
}

static int parse_ports(struct options *o, const char *text, int range) {
    uint16_t first, last;
    const char *dash = strchr(text, '-');
    if (range) {
        char low[8];
        if (!dash || (size_t)(dash - text) >= sizeof low) return 0;
        memcpy(low, text, (size_t)(dash - text));
        low[dash - text] = '\0';
        if (!parse_port(low, &first) || !parse_port(dash + 1, &last) || last < first) return 0;
    } else {
        if (!parse_port(text, &first)) return 0;
        last = first;
    }
    free(o->ports);
    o->port_count = (size_t)(last - first) + 1;
    o->ports = malloc(o->port_count * sizeof *o->ports);
    if (!o->ports) return 0;
    for (size_t i = 0; i < o->port_count; i++) o->ports[i] = (uint16_t)(first + i);
    return 1;
}

/* Parses argv after the subcommand. Returns EXIT_OK, or a usage exit code. */
static int parse(int argc, char **argv, struct options *o) {
    o->timeout = 300;
    o->length = 43;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
#define TAKE(field) do { if (!value) return usage_error("%s needs a value", a); o->field = value; i++; } while (0)
        if (strcmp(a, "--issuer") == 0) TAKE(issuer);
        else if (strcmp(a, "--authorization-endpoint") == 0) TAKE(authorization_endpoint);
        else if (strcmp(a, "--token-endpoint") == 0) TAKE(token_endpoint);
        else if (strcmp(a, "--revocation-endpoint") == 0) TAKE(revocation_endpoint);
        else if (strcmp(a, "--client-id") == 0) TAKE(client_id);
        else if (strcmp(a, "--redirect-uri") == 0) TAKE(redirect_uri);
        else if (strcmp(a, "--scope") == 0) TAKE(scope);
        else if (strcmp(a, "--ca-file") == 0) TAKE(ca_file);
        else if (strcmp(a, "--redirect-path") == 0) TAKE(redirect_path);
        else if (strcmp(a, "--browser-command") == 0) TAKE(browser_command);
        else if (strcmp(a, "--refresh-token") == 0) TAKE(refresh_token);
        else if (strcmp(a, "--token") == 0) TAKE(token);
        else if (strcmp(a, "--token-file") == 0) TAKE(token_file);
        else if (strcmp(a, "--hint") == 0) TAKE(hint);
        else if (strcmp(a, "--save") == 0) TAKE(save);
        else if (strcmp(a, "--method") == 0) TAKE(method);
        else if (strcmp(a, "--subject") == 0) TAKE(subject);
        else if (strcmp(a, "--param") == 0) {
            if (!value || !strchr(value, '=') || value[0] == '=') return usage_error("--param needs NAME=VALUE");
            if (o->param_count == MAX_PARAMS) return usage_error("at most %d --param options", MAX_PARAMS);
            o->params[o->param_count++] = value;
            i++;
        } else if (strcmp(a, "--port") == 0 || strcmp(a, "--ports") == 0) {
            if (!value || !parse_ports(o, value, a[6] == 's'))
                return usage_error("%s needs %s", a, a[6] == 's' ? "a range N-M of ports 1-65535" : "a port 1-65535");
            i++;
        } else if (strcmp(a, "--timeout") == 0 || strcmp(a, "--length") == 0) {
            char *end;
            long n = value ? strtol(value, &end, 10) : 0;
            if (!value || *end || n < 1 || n > 86400) return usage_error("%s needs a positive number", a);
            if (a[2] == 't') o->timeout = (int)n; else o->length = (int)n;
            i++;
        } else if (strcmp(a, "--no-browser") == 0) o->no_browser = 1;
        else if (strcmp(a, "--device") == 0) o->device = 1;
        else if (strcmp(a, "--show-secrets") == 0) o->show_secrets = 1;
        else if (strcmp(a, "--verbose") == 0) o->verbose = 1;
        else if (strcmp(a, "--") == 0) { /* the rest are arguments, e.g. a verifier that starts with "--" */
            for (i++; i < argc; i++) {
                if (o->positional_count == 2) return usage_error("unexpected argument %s", argv[i]);
                o->positional[o->positional_count++] = argv[i];
            }
        }
        /* Options all start with "--": "-abc" is an argument (a verifier may start with '-'). */
        else if (a[0] == '-' && a[1] == '-') return usage_error("unknown option %s", a);
        else if (o->positional_count < 2) o->positional[o->positional_count++] = a;
        else return usage_error("unexpected argument %s", a);
#undef TAKE
    }
    if (o->browser_command && o->no_browser) return usage_error("--browser-command and --no-browser exclude each other");
    return EXIT_OK;
}

/* ---- output ---- */

static void json_string(FILE *out, const char *s) {
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
        else if (c < 0x20) fprintf(out, "\\u%04x", c);
        else fputc(c, out);
    }
    fputc('"', out);
}

static int is_secret_member(const char *key, size_t n) {
    static const char *secrets[] = { "access_token", "refresh_token", "id_token", "device_code" };
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
        if (strlen(secrets[i]) == n && memcmp(key, secrets[i], n) == 0) return 1;
    return 0;
}

/* Where the JSON string starting at s (its opening quote) ends, past the closing quote. */
static const char *string_end(const char *s) {
    for (s++; *s && *s != '"'; s++)
        if (*s == '\\' && s[1]) s++;
    return *s ? s + 1 : s;
}

/* The token response (valid JSON, checked by the library) with the values
 * of its secret top-level members shortened: "abcdef…(43 chars)". */
static void print_shortened(const char *json) {
    int depth = 0;
    const char *key = NULL;
    size_t key_length = 0;
    int expect_key = 0;
    for (const char *p = json; *p;) {
        if (*p == '"') {
            const char *end = string_end(p);
            if (depth == 1 && expect_key) {
                key = p + 1;
                key_length = (size_t)(end - p - 2);
            } else if (depth == 1 && key && is_secret_member(key, key_length)) {
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
        if (depth == 1 && (*p == '{' || *p == ',')) expect_key = 1;
        else if (depth == 1 && *p == ':') expect_key = 0;
        putchar(*p++);
    }
    putchar('\n');
}

/* The subject of the store entry --token-file read, so that --save files the
 * refreshed tokens under the same account (a refresh without --scope openid
 * verifies no ID token, so the answer alone does not say whose they are). */
static char *token_file_subject;

/* Prints the token response (secrets shortened unless --show-secrets) and,
 * with --save FILE, keeps it in the token store FILE, which `pkce token`
 * and --token-file read: a token source made with a token saves it. */
static int print_token(const struct options *o, pkce_client *client, pkce_token *token) {
    if (o->save) {
        const char *subject = o->subject ? o->subject : token_file_subject;
        pkce_token_store *store = NULL;
        pkce_token_source *source = NULL;
        pkce_error *error = NULL;
        pkce_status st = pkce_token_store_open_file(o->save, &store);
        if (st == PKCE_OK) st = pkce_token_source_new(client, token, store, subject, &source, &error);
        pkce_token_source_free(source);
        pkce_token_store_free(store);
        if (st != PKCE_OK) {
            pkce_token_free(token);
            return fail("save", st, error);
        }
    }
    const char *json = pkce_token_json(token, NULL);
    if (o->show_secrets) puts(json); else print_shortened(json);
    pkce_token_free(token);
    return EXIT_OK;
}

static void log_to_stderr(pkce_log_level level, const char *message, void *user_data) {
    static const char *names[] = { "", "error", "warning", "info", "debug" };
    (void)user_data;
    fprintf(stderr, "pkce: [%s] %s\n", names[level >= 1 && level <= 4 ? level : 0], message);
}

/* ---- the client the options describe ---- */

static int make_client(const struct options *o, const char *redirect_uri, pkce_client **out) {
    if (!o->client_id) return usage_error("--client-id is required");
    pkce_client *client = NULL;
    pkce_status st = pkce_client_new(o->client_id, redirect_uri, &client);
    if (st != PKCE_OK) return fail("client", st, NULL);
    if (o->verbose) pkce_client_set_log(client, PKCE_LOG_DEBUG, log_to_stderr, NULL);
    if (o->ca_file && (st = pkce_client_set_ca_file(client, o->ca_file)) != PKCE_OK) goto failed;
    if ((st = pkce_client_set_scope(client, o->scope)) != PKCE_OK) goto failed;
    if (o->issuer) {
        pkce_error *error = NULL;
        if ((st = pkce_client_discover(client, o->issuer, &error)) != PKCE_OK) {
            pkce_client_free(client);
            return fail("discovery", st, error);
        }
    }
    if (o->authorization_endpoint && (st = pkce_client_set_authorization_endpoint(client, o->authorization_endpoint)))
        goto failed;
    if (o->token_endpoint && (st = pkce_client_set_token_endpoint(client, o->token_endpoint))) goto failed;
    if (o->revocation_endpoint && (st = pkce_client_set_revocation_endpoint(client, o->revocation_endpoint))) goto failed;
    *out = client;
    return EXIT_OK;
failed:
    pkce_client_free(client);
    return fail("configuration", st, NULL);
}

static int add_params(const struct options *o, pkce_attempt *attempt) {
    for (int i = 0; i < o->param_count; i++) {
        char name[256];
        const char *eq = strchr(o->params[i], '=');
        snprintf(name, sizeof name, "%.*s", (int)(eq - o->params[i]), o->params[i]);
        pkce_status st = pkce_attempt_add_parameter(attempt, name, eq + 1);
        if (st != PKCE_OK) {
            fprintf(stderr, "pkce: --param %s: %s\n", name, pkce_strerror(st));
            return st == PKCE_ERR_PARAMETER_RESERVED || st == PKCE_ERR_INVALID_ARGUMENT ? EXIT_USAGE : EXIT_OTHER;
        }
    }
    return EXIT_OK;
}

/* A value (refresh_token, access_token) of the first entry of the token
 * store saved by --save, or of a token response as printed (- reads stdin). */
static char *token_file_member(const char *path, const char *member, int *code) {
    if (strcmp(path, "-") != 0) {
        pkce_token_store *store = NULL;
        pkce_token *token = NULL;
        char *value = NULL;
        pkce_status st = pkce_token_store_open_file(path, &store);
        if (st == PKCE_OK) st = pkce_token_store_entry(store, 0, NULL, NULL, NULL, &token_file_subject, NULL);
        if (st == PKCE_OK) st = pkce_token_store_token(store, 0, &token, NULL);
        if (st == PKCE_OK) st = pkce_token_member_string(token, member, &value);
        pkce_token_free(token);
        pkce_token_store_free(store);
        if (st == PKCE_OK) return value;
        if (st != PKCE_ERR_STORE) {  /* a store without that: say so; anything else may be a saved response */
            fprintf(stderr, "pkce: %s holds no %s: %s\n", path, member, pkce_strerror(st));
            *code = EXIT_USAGE;
            return NULL;
        }
    }
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    static char json[1 << 20];
    size_t n = f ? fread(json, 1, sizeof json - 1, f) : 0;
    if (f && f != stdin) fclose(f);
    if (!f) {
        fprintf(stderr, "pkce: cannot read %s: %s\n", path, strerror(errno));
        *code = EXIT_OTHER;
        return NULL;
    }
    pkce_token *token = NULL;
    char *value = NULL;
    pkce_status st = pkce_token_parse(200, json, n, &token, NULL);
    if (st == PKCE_OK) st = pkce_token_member_string(token, member, &value);
    pkce_token_free(token);
    memset(json, 0, n);
    if (st != PKCE_OK) {
        fprintf(stderr, "pkce: %s holds no %s: %s\n", path, member, pkce_strerror(st));
        *code = EXIT_USAGE;
    }
    return value;
}

/* ---- subcommands ---- */

static int cmd_pair(const struct options *o) {
    char verifier[129], challenge[64];
    if (o->length > 128) return usage_error("--length must be 43 to 128");
    pkce_status st = pkce_pair_generate((size_t)o->length, verifier, sizeof verifier, challenge, sizeof challenge);
    if (st != PKCE_OK) return st == PKCE_ERR_VERIFIER_LENGTH ? usage_error("--length must be 43 to 128") : fail("pair", st, NULL);
    printf("{\"code_verifier\":\"%s\",\"code_challenge\":\"%s\",\"code_challenge_method\":\"S256\"}\n", verifier, challenge);
    memset(verifier, 0, sizeof verifier);
    return EXIT_OK;
}

static int cmd_challenge(const struct options *o) {
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

static int cmd_url(const struct options *o) {
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

static int login_device(const struct options *o, pkce_client *client) {
    pkce_device *device = NULL;
    pkce_error *error = NULL;
    pkce_status st = pkce_client_device_start(client, o->scope, &device, &error);
    if (st != PKCE_OK) return fail("device authorization", st, error);
    fprintf(stderr, "To sign in, open %s and enter the code %s\n", pkce_device_verification_uri(device),
            pkce_device_user_code(device));
    if (pkce_device_verification_uri_complete(device))
        fprintf(stderr, "(or open %s)\n", pkce_device_verification_uri_complete(device));
    pkce_token *token = NULL;
    st = pkce_client_device_poll(client, device, &token, &error);
    pkce_device_free(device);
    return st == PKCE_OK ? print_token(o, client, token) : fail("device sign-in", st, error);
}

static int cmd_login(const struct options *o) {
    if (!o->issuer && !(o->token_endpoint && (o->authorization_endpoint || o->device)))
        return usage_error("login needs --issuer, or --authorization-endpoint and --token-endpoint");
    pkce_client *client = NULL;
    /* The listener's URI replaces this one in each attempt. */
    int code = make_client(o, "http://127.0.0.1/callback", &client);
    if (code != EXIT_OK) return code;
    if (o->device) {
        code = login_device(o, client);
        pkce_client_free(client);
        return code;
    }
    pkce_listener *listener = NULL;
    pkce_attempt *attempt = NULL;
    pkce_token *token = NULL;
    pkce_error *error = NULL;
    pkce_status st = pkce_listener_new("127.0.0.1", o->ports, o->port_count, o->redirect_path, &listener, &error);
    if (st != PKCE_OK) {
        code = fail("listener", st, error);
        if (st == PKCE_ERR_INVALID_ARGUMENT) code = EXIT_USAGE;  /* the only argument it can refuse: --redirect-path */
    } else if ((st = pkce_attempt_new(client, &attempt)) != PKCE_OK) {
        code = fail("attempt", st, NULL);
    } else if ((code = add_params(o, attempt)) == EXIT_OK) {
        pkce_browser browser = o->no_browser ? PKCE_BROWSER_PRINT
                             : o->browser_command ? PKCE_BROWSER_PROGRAM : PKCE_BROWSER_SYSTEM;
        st = pkce_client_sign_in(client, attempt, listener, browser, o->browser_command, o->timeout * 1000, &token, &error);
        code = st == PKCE_OK ? print_token(o, client, token) : fail("sign-in", st, error);
    }
    pkce_attempt_free(attempt);
    pkce_listener_free(listener);
    pkce_client_free(client);
    return code;
}

static int cmd_refresh(const struct options *o) {
    if (!o->issuer && !o->token_endpoint) return usage_error("refresh needs --issuer or --token-endpoint");
    if (!!o->refresh_token == !!o->token_file) return usage_error("refresh needs --refresh-token or --token-file");
    int code = EXIT_OK;
    char *from_file = o->token_file ? token_file_member(o->token_file, "refresh_token", &code) : NULL;
    if (code != EXIT_OK) return code;
    pkce_client *client = NULL;
    if ((code = make_client(o, "http://127.0.0.1/callback", &client)) == EXIT_OK) {
        pkce_token *token = NULL;
        pkce_error *error = NULL;
        pkce_status st = pkce_client_refresh(client, from_file ? from_file : o->refresh_token, NULL, &token, &error);
        code = st == PKCE_OK ? print_token(o, client, token) : fail("refresh", st, error);
        pkce_client_free(client);
    }
    pkce_string_free(from_file);
    return code;
}

static int cmd_revoke(const struct options *o) {
    if (!o->issuer && !o->revocation_endpoint) return usage_error("revoke needs --issuer or --revocation-endpoint");
    if (!!o->token == !!o->token_file) return usage_error("revoke needs --token or --token-file");
    const char *hint = o->hint;
    if (hint && strcmp(hint, "access_token") != 0 && strcmp(hint, "refresh_token") != 0)
        return usage_error("--hint is access_token or refresh_token");
    int code = EXIT_OK;
    /* From a saved token response: its refresh token, or its access token with --hint access_token. */
    const char *member = hint && strcmp(hint, "access_token") == 0 ? "access_token" : "refresh_token";
    char *from_file = o->token_file ? token_file_member(o->token_file, member, &code) : NULL;
    if (code != EXIT_OK) return code;
    if (from_file && !hint) hint = "refresh_token";
    pkce_client *client = NULL;
    if ((code = make_client(o, "http://127.0.0.1/callback", &client)) == EXIT_OK) {
        pkce_error *error = NULL;
        pkce_status st = pkce_client_revoke(client, from_file ? from_file : o->token, hint, &error);
        code = st == PKCE_OK ? EXIT_OK : fail("revocation", st, error);
        if (st == PKCE_OK) printf("{\"revoked\":true,\"token_type_hint\":%s%s%s}\n", hint ? "\"" : "",
                                  hint ? hint : "null", hint ? "\"" : "");
        pkce_client_free(client);
    }
    pkce_string_free(from_file);
    return code;
}

static int cmd_discover(struct options *o) {
    if (o->positional_count != 1) return usage_error("discover needs one ISSUER");
    o->issuer = o->positional[0];
    if (!o->client_id) o->client_id = "pkce-discover";
    pkce_client *client = NULL;
    int code = make_client(o, "http://127.0.0.1/callback", &client);
    if (code != EXIT_OK) return code;
    static const struct { pkce_endpoint which; const char *name; } fields[] = {
        { PKCE_ENDPOINT_ISSUER, "issuer" }, { PKCE_ENDPOINT_AUTHORIZATION, "authorization_endpoint" },
        { PKCE_ENDPOINT_TOKEN, "token_endpoint" }, { PKCE_ENDPOINT_REVOCATION, "revocation_endpoint" },
        { PKCE_ENDPOINT_DEVICE_AUTHORIZATION, "device_authorization_endpoint" }, { PKCE_ENDPOINT_JWKS, "jwks_uri" },
        { PKCE_ENDPOINT_USERINFO, "userinfo_endpoint" },
    };
    printf("{");
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        char *url = NULL;
        printf("%s\"%s\":", i ? "," : "", fields[i].name);
        if (pkce_client_endpoint(client, fields[i].which, &url) == PKCE_OK) json_string(stdout, url); else printf("null");
        pkce_string_free(url);
    }
    printf(",\"authorization_response_iss_parameter_required\":%s}\n", pkce_client_requires_iss(client) ? "true" : "false");
    pkce_client_free(client);
    return EXIT_OK;
}

/* The entry of the store `subject` names (the first when NULL): 1 with its
 * strings (to free), or 0 with *code set. */
static int find_entry(pkce_token_store *store, const char *subject, char **client_id, char **token_endpoint,
                      char **issuer, char **sub, int *code) {
    for (size_t i = 0;; i++) {
        pkce_error *error = NULL;
        pkce_status st = pkce_token_store_entry(store, i, client_id, token_endpoint, issuer, sub, &error);
        if (st == PKCE_ERR_NOT_FOUND) {
            pkce_error_free(error);
            fprintf(stderr, "pkce: token: no saved token%s%s\n", subject ? " for subject " : "", subject ? subject : "");
            *code = EXIT_USAGE;
            return 0;
        }
        if (st != PKCE_OK) {
            *code = fail("token", st, error);
            return 0;
        }
        if (!subject || strcmp(*sub, subject) == 0) return 1;
        char **strings[] = { client_id, token_endpoint, issuer, sub };
        for (size_t k = 0; k < 4; k++) { pkce_string_free(*strings[k]); *strings[k] = NULL; }
    }
}

/* A valid access token from the store FILE, refreshed (once, whatever
 * other processes do at the same time) and saved when it is about to expire. */
static int cmd_token(const struct options *o) {
    if (o->positional_count != 1) return usage_error("token needs one FILE");
    pkce_token_store *store = NULL;
    pkce_status st = pkce_token_store_open_file(o->positional[0], &store);
    if (st != PKCE_OK) return fail("token", st, NULL);
    char *client_id = NULL, *token_endpoint = NULL, *issuer = NULL, *subject = NULL;
    int code = EXIT_OK;
    if (!find_entry(store, o->subject, &client_id, &token_endpoint, &issuer, &subject, &code)) {
        pkce_token_store_free(store);
        return code;
    }
    /* Only refreshes: the redirect URI is never used. */
    pkce_client *client = NULL;
    pkce_token_source *source = NULL;
    pkce_error *error = NULL;
    st = pkce_client_new(client_id, "http://127.0.0.1/callback", &client);
    if (st == PKCE_OK && o->verbose) pkce_client_set_log(client, PKCE_LOG_DEBUG, log_to_stderr, NULL);
    if (st == PKCE_OK && o->ca_file) st = pkce_client_set_ca_file(client, o->ca_file);
    if (st == PKCE_OK) st = pkce_client_set_token_endpoint(client, token_endpoint);
    /* The entry is keyed by the issuer, or by the token endpoint when there was none. */
    if (st == PKCE_OK && strcmp(issuer, token_endpoint) != 0) st = pkce_client_set_issuer(client, issuer, 0);
    if (st == PKCE_OK) st = pkce_token_source_new(client, NULL, store, subject, &source, &error);
    char access_token[16384];
    if (st == PKCE_OK) st = pkce_token_source_access_token(source, access_token, sizeof access_token, NULL, &error);
    if (st == PKCE_OK) {
        puts(access_token);
        memset(access_token, 0, sizeof access_token);
    } else {
        code = fail("token", st, error);
    }
    pkce_token_source_free(source);
    pkce_client_free(client);
    pkce_string_free(client_id);
    pkce_string_free(token_endpoint);
    pkce_string_free(issuer);
    pkce_string_free(subject);
    pkce_token_store_free(store);
    return code;
}

/* ---- help ---- */

static const struct { const char *name, *usage; } commands[] = {
    { "pair", "pkce pair [--length N]\n  A fresh code verifier (43-128 characters) and its S256 challenge, as JSON." },
    { "challenge", "pkce challenge VERIFIER [--method S256|plain]\n  The code challenge of VERIFIER." },
    { "url", "pkce url (--issuer URL | --authorization-endpoint URL) --client-id ID [--redirect-uri URI]\n"
             "         [--scope S] [--param NAME=VALUE]... [--ca-file FILE] [--verbose]\n"
             "  An authorization URL, with the state and verifier to finish the sign-in later, as JSON." },
    { "login", "pkce login (--issuer URL | --authorization-endpoint URL --token-endpoint URL) --client-id ID\n"
               "           [--scope S] [--param NAME=VALUE]... [--ca-file FILE] [--port N | --ports N-M]\n"
               "           [--redirect-path PATH] [--timeout SECONDS] [--browser-command PROGRAM | --no-browser]\n"
               "           [--device] [--save FILE [--subject SUB]] [--show-secrets] [--verbose]\n"
               "  Signs in with a loopback redirect (or the device grant) and prints the token response;\n"
               "  --save keeps it in the token store FILE (mode 0600) for pkce token." },
    { "refresh", "pkce refresh (--issuer URL | --token-endpoint URL) --client-id ID\n"
                 "             (--refresh-token TOKEN | --token-file FILE) [--ca-file FILE] [--save FILE]\n"
                 "             [--show-secrets] [--verbose]\n"
                 "  The refresh_token grant; FILE is a token store saved by --save, or a token response (- reads stdin)." },
    { "revoke", "pkce revoke (--issuer URL | --revocation-endpoint URL) --client-id ID\n"
                "            (--token TOKEN | --token-file FILE) [--hint access_token|refresh_token] [--ca-file FILE]\n"
                "  Revokes a token (RFC 7009); from a FILE, its refresh token unless --hint access_token." },
    { "discover", "pkce discover ISSUER [--ca-file FILE] [--verbose]\n  The endpoints found in the issuer's metadata, as JSON." },
    { "token", "pkce token FILE [--subject SUB] [--ca-file FILE] [--verbose]\n"
               "  A valid access token from the token store FILE (saved by login --save), refreshed and saved\n"
               "  when it is about to expire, once however many processes ask at the same time." },
};

static int help(const char *command) {
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (command && strcmp(command, commands[i].name) == 0) { printf("usage: %s\n", commands[i].usage); return EXIT_OK; }
    printf("usage: pkce COMMAND [OPTIONS]   (libpkce %s)\n\n", pkce_version());
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) printf("%s\n\n", commands[i].usage);
    printf("Exit status: 0 success, 1 other failure, 2 usage, 3 OAuth error from the server,\n"
           "4 network or TLS failure, 5 timeout, 6 failed check (state, iss, ID token). See pkce(1).\n");
    return EXIT_OK;
}

int main(int argc, char **argv) {
    if (argc < 2) { help(NULL); return EXIT_USAGE; }
    const char *command = argv[1];
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 || strcmp(command, "help") == 0)
        return help(argc > 2 ? argv[2] : NULL);
    if (strcmp(command, "--version") == 0) { printf("pkce %s\n", pkce_version()); return EXIT_OK; }
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return help(command);
    struct options o = { 0 };
    int code = parse(argc - 2, argv + 2, &o);
    if (code == EXIT_OK) {
        if (strcmp(command, "pair") == 0) code = cmd_pair(&o);
        else if (strcmp(command, "challenge") == 0) code = cmd_challenge(&o);
        else if (strcmp(command, "url") == 0) code = cmd_url(&o);
        else if (strcmp(command, "login") == 0) code = cmd_login(&o);
        else if (strcmp(command, "refresh") == 0) code = cmd_refresh(&o);
        else if (strcmp(command, "revoke") == 0) code = cmd_revoke(&o);
        else if (strcmp(command, "discover") == 0) code = cmd_discover(&o);
        else if (strcmp(command, "token") == 0) code = cmd_token(&o);
        else code = usage_error("unknown command %s", command);
    }
    free(o.ports);
    pkce_string_free(token_file_subject);
    return code;
}
