/* pkce discover: what an issuer's metadata says. */
#include "tool.h"

int cmd_discover(struct options *o) {
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
