/* pkce(1): options, help and the dispatch to the command families. */
#include "tool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
        else if (strcmp(a, "--device-authorization-endpoint") == 0) TAKE(device_endpoint);
        else if (strcmp(a, "--userinfo-endpoint") == 0) TAKE(userinfo_endpoint);
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
        else if (strcmp(a, "--resource") == 0) TAKE(resource);
        else if (strcmp(a, "--challenge") == 0) TAKE(challenge);
        else if (strcmp(a, "--data") == 0) TAKE(data);
        else if (strcmp(a, "--header") == 0) {
            if (!value || !strchr(value, ':') || value[0] == ':') return usage_error("--header needs 'Name: value'");
            if (o->header_count == MAX_PARAMS) return usage_error("at most %d --header options", MAX_PARAMS);
            o->headers[o->header_count++] = value;
            i++;
        }
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
        else if (strcmp(a, "--step-up") == 0) o->step_up = 1;
        else if (strcmp(a, "--par") == 0) o->par = 1;
        else if (strcmp(a, "--dpop-alg") == 0) { TAKE(dpop_alg); o->dpop = 1; }
        else if (strcmp(a, "--dpop-nonce") == 0) TAKE(dpop_nonce);
        else if (strcmp(a, "--dpop") == 0) {
            o->dpop = 1;
            /* pkce token FILE --dpop METHOD URL: a method is upper-case letters, an option starts with "--". */
            if (value && value[0] >= 'A' && value[0] <= 'Z' && strspn(value, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == strlen(value)) {
                if (i + 2 >= argc) return usage_error("--dpop METHOD needs a URL");
                o->dpop_method = value;
                o->dpop_url = argv[i + 2];
                i += 2;
            }
        }
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
    if (o->dpop_nonce && !o->dpop_method) return usage_error("--dpop-nonce goes with --dpop METHOD URL");
    return EXIT_OK;
}

static const struct { const char *name, *usage; } commands[] = {
    { "pair", "pkce pair [--length N]\n  A fresh code verifier (43-128 characters) and its S256 challenge, as JSON." },
    { "challenge", "pkce challenge VERIFIER [--method S256|plain]\n  The code challenge of VERIFIER." },
    { "url", "pkce url (--issuer URL | --authorization-endpoint URL) --client-id ID [--redirect-uri URI]\n"
             "         [--scope S] [--param NAME=VALUE]... [--ca-file FILE] [--verbose]\n"
             "  An authorization URL, with the state and verifier to finish the sign-in later, as JSON." },
    { "login", "pkce login (--issuer URL | --authorization-endpoint URL --token-endpoint URL) --client-id ID\n"
               "           [--scope S] [--param NAME=VALUE]... [--ca-file FILE] [--port N | --ports N-M]\n"
               "           [--redirect-path PATH] [--timeout SECONDS] [--browser-command PROGRAM | --no-browser]\n"
               "           [--device [--device-authorization-endpoint URL]] [--par] [--dpop [--dpop-alg ALG]]\n"
               "           [--save FILE [--subject SUB]] [--show-secrets] [--verbose]\n"
               "  Signs in with a loopback redirect (or the device grant) and prints the token response, with\n"
               "  the verified ID token's claims; --save keeps it in the token store FILE (mode 0600) for pkce token.\n"
               "  --dpop binds the tokens to a new key (ES256, EdDSA or RS256; default: the server's first),\n"
               "  which --save keeps with them." },
    { "login --resource", "pkce login --resource URL [--client-id ID | --client-id METADATA-URL] [--scope S]\n"
                          "           [--challenge WWW-AUTHENTICATE] [--dpop [--dpop-alg ALG]] [--save FILE] [--ca-file FILE]\n"
                          "           [--timeout SECONDS] [--browser-command PROGRAM | --no-browser] [--show-secrets] [--verbose]\n"
                          "  Signs in to a protected resource (an MCP server) from its URL alone: finds its\n"
                          "  authorization server, registers the client unless given its id, and binds the tokens\n"
                          "  to the resource; --challenge takes a 401 or 403's WWW-Authenticate (a step-up). --save\n"
                          "  also keeps discovery and registration, so the next sign-in goes straight to the browser.\n"
                          "  --dpop binds the tokens to a key, as a resource that requires DPoP gets by itself." },
    { "fetch", "pkce fetch URL [--token-file FILE] [--method M] [--header 'Name: value']... [--data BODY]\n"
               "           [--step-up [--browser-command PROGRAM | --no-browser] [--timeout SECONDS]]\n"
               "           [--subject SUB] [--ca-file FILE] [--verbose]\n"
               "  Sends a request to a protected resource with the token a login --resource --save kept in\n"
               "  FILE (default $PKCE_TOKEN_FILE), refreshed when due and once more on a 401, and prints the body;\n"
               "  --step-up signs in again when the resource asks for more scope (403 insufficient_scope)." },
    { "refresh", "pkce refresh (--refresh-token TOKEN (--issuer URL | --token-endpoint URL) --client-id ID |\n"
                 "              --token-file FILE) [--subject SUB] [--ca-file FILE] [--save FILE] [--show-secrets]\n"
                 "              [--verbose]\n"
                 "  The refresh_token grant; FILE is a token store saved by --save (which names the client and\n"
                 "  server; options override), or a token response (- reads stdin)." },
    { "revoke", "pkce revoke (--issuer URL | --revocation-endpoint URL) --client-id ID\n"
                "            (--token TOKEN | --token-file FILE) [--hint access_token|refresh_token] [--ca-file FILE]\n"
                "  Revokes a token (RFC 7009); from a FILE, its refresh token unless --hint access_token." },
    { "discover", "pkce discover ISSUER [--ca-file FILE] [--verbose]\n  The endpoints found in the issuer's metadata, as JSON." },
    { "token", "pkce token FILE [--subject SUB] [--dpop METHOD URL [--dpop-nonce NONCE]] [--ca-file FILE] [--verbose]\n"
               "  A valid access token from the token store FILE (saved by login --save), refreshed and saved\n"
               "  when it is about to expire, once however many processes ask at the same time. With --dpop, for\n"
               "  a DPoP-bound token: the two header lines of a request METHOD URL with it (for curl -H @-);\n"
               "  --dpop-nonce is the DPoP-Nonce a resource answered use_dpop_nonce with." },
    { "accounts", "pkce accounts FILE\n"
                  "  The accounts the token store FILE keeps, as JSON: issuer, client, subject, resource, expiry;\n"
                  "  never a token." },
    { "logout", "pkce logout FILE [--subject SUB] [--browser-command PROGRAM | --no-browser] [--timeout SECONDS]\n"
                "           [--ca-file FILE] [--verbose]\n"
                "  Signs an account out: revokes its refresh and access tokens, ends its session at the server in\n"
                "  the browser (OpenID Connect RP-initiated logout; --no-browser prints the URL) and removes it\n"
                "  from the store, even when the server refused a revocation (which it says, exiting non-zero)." },
    { "userinfo", "pkce userinfo (--token-file FILE [--subject SUB] | --token TOKEN (--issuer URL |\n"
                  "              --userinfo-endpoint URL)) [--ca-file FILE] [--verbose]\n"
                  "  The OpenID Connect UserInfo of the signed-in user, as JSON; from a token store, its access\n"
                  "  token refreshed when due, and an answer for another subject refused." },
};

static int help(const char *command) {
    /* A command's forms: "login" and "login --resource". */
    int found = 0;
    for (size_t i = 0; command && i < sizeof commands / sizeof commands[0]; i++) {
        size_t n = strlen(command);
        if (strncmp(commands[i].name, command, n) == 0 && (commands[i].name[n] == '\0' || commands[i].name[n] == ' ')) {
            printf("%s%s\n", found ? "\n" : "usage: ", commands[i].usage);
            found = 1;
        }
    }
    if (found) return EXIT_OK;
    printf("usage: pkce COMMAND [OPTIONS]   (libpkce %s)\n\n", pkce_version());
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) printf("%s\n\n", commands[i].usage);
    printf("Exit status: 0 success, 1 other failure, 2 usage, 3 OAuth error from the server,\n"
           "4 network or TLS failure, 5 timeout, 6 failed check (iss, raced start URL, ID token). See pkce(1).\n");
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
        else if (strcmp(command, "login") == 0) code = o.resource ? login_resource(&o) : cmd_login(&o);
        else if (strcmp(command, "fetch") == 0) code = cmd_fetch(&o);
        else if (strcmp(command, "accounts") == 0) code = cmd_accounts(&o);
        else if (strcmp(command, "logout") == 0) code = cmd_logout(&o);
        else if (strcmp(command, "refresh") == 0) code = cmd_refresh(&o);
        else if (strcmp(command, "revoke") == 0) code = cmd_revoke(&o);
        else if (strcmp(command, "discover") == 0) code = cmd_discover(&o);
        else if (strcmp(command, "token") == 0) code = cmd_token(&o);
        else if (strcmp(command, "userinfo") == 0) code = cmd_userinfo(&o);
        else code = usage_error("unknown command %s", command);
    }
    free(o.ports);
    return code;
}
