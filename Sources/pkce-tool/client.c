/* The client the options describe, and the token store's entries. */
#include "tool.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A URL an option gave that the library refuses is a usage error, named. */
static int endpoint_error(const char *option, pkce_status st) {
    if (st == PKCE_ERR_URL_INVALID || st == PKCE_ERR_URL_INSECURE || st == PKCE_ERR_PARAMETER_RESERVED)
        return usage_error("%s: %s", option, pkce_strerror(st));
    return fail(option, st, NULL);
}

int enable_dpop(const struct options *o, pkce_client *client) {
    static const struct { const char *name; pkce_dpop_alg alg; } algs[] = {
        { "ES256", PKCE_DPOP_ES256 }, { "EdDSA", PKCE_DPOP_EDDSA }, { "RS256", PKCE_DPOP_RS256 },
    };
    pkce_dpop_alg alg = PKCE_DPOP_AUTO;
    for (size_t i = 0; o->dpop_alg && i < sizeof algs / sizeof algs[0]; i++)
        if (strcmp(o->dpop_alg, algs[i].name) == 0) alg = algs[i].alg;
    if (o->dpop_alg && alg == PKCE_DPOP_AUTO) return usage_error("--dpop-alg is ES256, EdDSA or RS256");
    pkce_status st = pkce_client_enable_dpop(client, alg);
    return st == PKCE_OK ? EXIT_OK : fail("DPoP key", st, NULL);
}

int use_token_key(pkce_client *client, const pkce_token *token) {
    pkce_dpop_key *key = NULL;
    pkce_status st = pkce_token_dpop_key(token, &key);
    if (st == PKCE_ERR_NOT_FOUND) return PKCE_OK;
    if (st == PKCE_OK) st = pkce_client_set_dpop_key(client, key);
    pkce_dpop_key_free(key);  /* the client keeps a reference of its own */
    return st;
}

int make_client(const struct options *o, const char *redirect_uri, pkce_client **out) {
    if (!o->client_id) return usage_error("--client-id is required");
    pkce_client *client = NULL;
    pkce_status st = pkce_client_new(o->client_id, redirect_uri, &client);
    if (st != PKCE_OK) return fail("client", st, NULL);
    if (o->verbose) pkce_client_set_log(client, PKCE_LOG_DEBUG, log_to_stderr, NULL);
    int code = o->dpop_method ? usage_error("--dpop METHOD URL goes with pkce token")
             : o->dpop ? enable_dpop(o, client) : EXIT_OK;
    if (code == EXIT_OK && ((o->ca_file && (st = pkce_client_set_ca_file(client, o->ca_file)) != PKCE_OK) ||
        (st = pkce_client_set_scope(client, o->scope)) != PKCE_OK || (st = pkce_client_prefer_par(client, o->par)) != PKCE_OK)) {
        code = fail("configuration", st, NULL);
    } else if (code == EXIT_OK && o->issuer) {
        pkce_error *error = NULL;
        if ((st = pkce_client_discover(client, o->issuer, &error)) != PKCE_OK) {
            if (st == PKCE_ERR_URL_INVALID || st == PKCE_ERR_URL_INSECURE) {
                pkce_error_free(error);
                code = endpoint_error("--issuer", st);
            } else {
                code = fail("discovery", st, error);
            }
        }
    }
    static const struct { size_t offset; const char *option; pkce_status (*set)(pkce_client *, const char *); } endpoints[] = {
        { offsetof(struct options, authorization_endpoint), "--authorization-endpoint", pkce_client_set_authorization_endpoint },
        { offsetof(struct options, token_endpoint), "--token-endpoint", pkce_client_set_token_endpoint },
        { offsetof(struct options, revocation_endpoint), "--revocation-endpoint", pkce_client_set_revocation_endpoint },
        { offsetof(struct options, device_endpoint), "--device-authorization-endpoint",
          pkce_client_set_device_authorization_endpoint },
        { offsetof(struct options, userinfo_endpoint), "--userinfo-endpoint", pkce_client_set_userinfo_endpoint },
    };
    for (size_t i = 0; code == EXIT_OK && i < sizeof endpoints / sizeof endpoints[0]; i++) {
        const char *url = *(const char *const *)((const char *)o + endpoints[i].offset);
        if (url && (st = endpoints[i].set(client, url)) != PKCE_OK) code = endpoint_error(endpoints[i].option, st);
    }
    if (code != EXIT_OK) {
        pkce_client_free(client);
        return code;
    }
    *out = client;
    return EXIT_OK;
}

int add_params(const struct options *o, pkce_attempt *attempt) {
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

/* Makes `directory` and its parents, mode 0700 (the store's own directory). */
static void mkdir_parents(const char *directory) {
    char path[4096];
    snprintf(path, sizeof path, "%s", directory);
    for (char *slash = path + 1; (slash = strchr(slash, '/')); slash++) {
        *slash = '\0';
        mkdir(path, 0700);
        *slash = '/';
    }
    mkdir(path, 0700);
}

/* The store a name on the command line means: "keyring:" (the Secret
 * Service), "auto:" (the keyring when one answers, else the file store at
 * $XDG_DATA_HOME/pkce/tokens.json, saying which, once), or a file's path. */
static const char *resolve_store(const char *name) {
    static char chosen[4096];
    if (strcmp(name, "auto:") != 0) return name;
    if (*chosen) return chosen;
    pkce_token_store *keyring = NULL;
    pkce_error *error = NULL;
    if (pkce_token_store_open_keyring(0, &keyring) == PKCE_OK && pkce_token_store_check(keyring, NULL, &error) == PKCE_OK) {
        snprintf(chosen, sizeof chosen, "keyring:");
        fprintf(stderr, "pkce: auto: using the keyring (Secret Service)\n");
    } else {
        const char *data = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
        char directory[3900];
        if (data && *data) snprintf(directory, sizeof directory, "%s/pkce", data);
        else snprintf(directory, sizeof directory, "%s/.local/share/pkce", home ? home : ".");
        mkdir_parents(directory);
        snprintf(chosen, sizeof chosen, "%s/tokens.json", directory);
        fprintf(stderr, "pkce: auto: no keyring (%s); using %s\n", error ? pkce_error_message(error) : "none", chosen);
    }
    pkce_error_free(error);
    pkce_token_store_free(keyring);
    return chosen;
}

int open_named_store(const char *name, pkce_token_store **out) {
    name = resolve_store(name);
    return strcmp(name, "keyring:") == 0 ? pkce_token_store_open_keyring(0, out) : pkce_token_store_open_file(name, out);
}

/* Opened; checked as a save will need it when `writing` (a store only read
 * may sit where no new file can be made). Warns when others may read a
 * file store, as ssh does for a key; the library refuses one others may write. */
int open_store(const char *name, int writing, pkce_token_store **out) {
    pkce_token_store *store = NULL;
    pkce_error *error = NULL;
    int readable = 0;
    const char *path = resolve_store(name);
    pkce_status st = open_named_store(path, &store);
    if (st == PKCE_OK && writing) st = pkce_token_store_check(store, &readable, &error);
    struct stat info;
    if (!writing && strcmp(path, "keyring:") != 0 && stat(path, &info) == 0) readable = (info.st_mode & 044) != 0;
    if (st != PKCE_OK) {
        pkce_token_store_free(store);
        return fail("token store", st, error);
    }
    if (readable)
        fprintf(stderr, "pkce: warning: other users may read %s, which holds tokens: chmod 600 %s\n", path, path);
    *out = store;
    return EXIT_OK;
}

int check_save_store(const struct options *o) {
    pkce_token_store *store = NULL;
    int code = o->save ? open_store(o->save, 1, &store) : EXIT_OK;
    pkce_token_store_free(store);
    return code;
}

void entry_free(struct entry *entry) {
    pkce_string_free(entry->client_id);
    pkce_string_free(entry->token_endpoint);
    pkce_string_free(entry->issuer);
    pkce_string_free(entry->subject);
    pkce_string_free(entry->resource);
    memset(entry, 0, sizeof *entry);
}

/* Whether a token for `resource` may go to `url`: the library checks again. */
static int covers(const char *resource, const char *url) {
    size_t n = strlen(resource);
    return strncmp(url, resource, n) == 0 && (url[n] == '\0' || url[n] == '/' || url[n] == '?');
}

int open_entry(const char *path, const char *subject, const char *url, pkce_token_store **out, struct entry *entry) {
    pkce_token_store *store = NULL;
    int code = open_store(path, 0, &store);
    if (code != EXIT_OK) return code;
    for (size_t i = 0;; i++) {
        pkce_error *error = NULL;
        pkce_status st = pkce_token_store_entry(store, i, &entry->client_id, &entry->token_endpoint, &entry->issuer,
                                                &entry->subject, &error);
        if (st == PKCE_ERR_NOT_FOUND) {
            pkce_error_free(error);
            fprintf(stderr, "pkce: %s holds no saved token%s%s%s%s\n", path, subject ? " for subject " : "", subject ? subject : "",
                    url ? " for " : "", url ? url : "");
            code = EXIT_USAGE;
            break;
        }
        if (st != PKCE_OK) {
            code = fail("token store", st, error);
            break;
        }
        if ((st = pkce_token_store_entry_resource(store, i, &entry->resource, &error)) != PKCE_OK) {
            code = fail("token store", st, error);
            break;
        }
        if ((!subject || strcmp(entry->subject, subject) == 0) && (!url || (*entry->resource && covers(entry->resource, url)))) {
            entry->index = i;
            *out = store;
            return EXIT_OK;
        }
        entry_free(entry);
    }
    pkce_token_store_free(store);
    return code;
}

void options_from_entry(struct options *o, const struct entry *entry) {
    if (!o->client_id) o->client_id = entry->client_id;
    if (!o->subject && *entry->subject) o->subject = entry->subject;
    if (o->issuer || o->token_endpoint) return;
    /* The entry is keyed by the issuer, or by the token endpoint when there was none. */
    if (strcmp(entry->issuer, entry->token_endpoint) == 0) o->token_endpoint = entry->token_endpoint;
    else o->issuer = entry->issuer;
}
