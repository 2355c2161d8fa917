/* pkce login: the native-app sign-in, with a loopback redirect or the
 * device grant. */
#include "tool.h"

static int login_device(const struct options *o, pkce_client *client) {
    pkce_device *device = NULL;
    pkce_error *error = NULL;
    pkce_status st = pkce_client_device_start(client, o->scope, &device, &error);
    if (st != PKCE_OK) return fail("device authorization", st, error);
    /* The library has checked both: https URLs, no character a terminal interprets. */
    fprintf(stderr, "To sign in, open %s and enter the code %s\n", pkce_device_verification_uri(device),
            pkce_device_user_code(device));
    if (pkce_device_verification_uri_complete(device))
        fprintf(stderr, "(or open %s)\n", pkce_device_verification_uri_complete(device));
    pkce_token *token = NULL;
    st = pkce_client_device_poll(client, device, &token, &error);
    pkce_device_free(device);
    return st == PKCE_OK ? print_token(o, client, token, NULL) : fail("device sign-in", st, error);
}

static int login_browser(const struct options *o, pkce_client *client) {
    pkce_listener *listener = NULL;
    pkce_attempt *attempt = NULL;
    pkce_token *token = NULL;
    pkce_error *error = NULL;
    int code;
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
        code = st == PKCE_OK ? print_token(o, client, token, NULL) : fail("sign-in", st, error);
    }
    pkce_attempt_free(attempt);
    pkce_listener_free(listener);
    return code;
}

int cmd_login(const struct options *o) {
    if (!o->issuer && !(o->token_endpoint && (o->authorization_endpoint || (o->device && o->device_endpoint))))
        return usage_error("login needs --issuer, or --token-endpoint with --authorization-endpoint "
                           "(or --device-authorization-endpoint and --device)");
    /* Before the user signs in: a store that cannot keep the tokens would throw the sign-in away. */
    int code = check_save_store(o);
    if (code != EXIT_OK) return code;
    pkce_client *client = NULL;
    /* The listener's URI replaces this one in each attempt. */
    if ((code = make_client(o, "http://127.0.0.1/callback", &client)) != EXIT_OK) return code;
    code = o->device ? login_device(o, client) : login_browser(o, client);
    pkce_client_free(client);
    return code;
}
