/*
 * pkce.h - libpkce: OAuth 2.0 authorization-code flow with PKCE (RFC 7636)
 * for public clients (desktop apps, CLI tools, daemons) that cannot keep a
 * client secret.
 *
 * Link with `pkg-config --cflags --libs pkce` (or -lpkce).
 *
 * Conventions used by every function below
 * -----------------------------------------
 *  - Every fallible function returns a pkce_status. PKCE_OK is 0; the other
 *    codes have fixed numbers that are never renumbered or reused.
 *    pkce_strerror() turns one into a static English sentence.
 *  - Out-parameters are written only when the call returns PKCE_OK. A
 *    `pkce_error **error` out-parameter is the exception: it is written only
 *    on failure, and only when the caller passes a non-NULL pointer.
 *  - Buffers the caller owns come with their size in bytes, including room
 *    for the terminating NUL. A buffer that is too small gives
 *    PKCE_ERR_BUFFER_TOO_SMALL and is left untouched.
 *  - Objects are opaque handles made by pkce_X_new (or a function that
 *    returns one) and released by pkce_X_free. Every _free accepts NULL.
 *  - Strings returned through `char **` are allocated by the library and are
 *    released with pkce_string_free(). Strings returned as `const char *`
 *    are borrowed from the object they came from and stay valid until that
 *    object is freed.
 *  - Secrets (code verifier, authorization code, tokens, request bodies) are
 *    overwritten with zeros when the object or string holding them is freed.
 *    No error message ever contains a secret.
 *  - All strings are NUL-terminated UTF-8.
 *  - No function aborts the process on bad input: NULL where a value is
 *    needed gives PKCE_ERR_INVALID_ARGUMENT.
 *  - Running out of memory: libpkce's own allocations (every buffer that
 *    holds a secret, a URL, a request or response body or a parsed value,
 *    strings handed out, HTTPS handles, keys) and OpenSSL's give
 *    PKCE_ERR_OUT_OF_MEMORY, with out-parameters untouched. The small
 *    objects behind the handles are made by the Swift runtime, which aborts
 *    the process when malloc fails ("Fatal error: failed to allocate");
 *    `make test-oom` fails each allocation of the common calls in turn and
 *    sees one or the other, never anything else. So a call survives a
 *    large allocation failing, but do not count on surviving every one.
 *
 * Thread safety
 * -------------
 *  Functions that take no handle are safe to call from any thread at any
 *  time. A handle may be used from any thread, but not from two threads at
 *  once, unless its section below says otherwise: pkce_client is safe to
 *  share once configured (configure it first, then share it; threads may
 *  run its HTTPS calls at the same time, and none waits for another's
 *  transfer); pkce_token, pkce_id_token and pkce_error are immutable and
 *  safe to share, and so is a pkce_http_request while nothing extends or
 *  answers it (pkce_http_request_add_field, _add_header, _dpop_answer);
 *  pkce_dpop_key is safe to share (its nonces are kept under a lock);
 *  pkce_listener_cancel and pkce_device_cancel may be called from any
 *  thread while another waits.
 */
#ifndef PKCE_H
#define PKCE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Version
 * ------------------------------------------------------------------------ */

#define PKCE_VERSION_MAJOR 0
#define PKCE_VERSION_MINOR 1
#define PKCE_VERSION_PATCH 0
#define PKCE_VERSION_STRING "0.1.0"

/* The version of the library loaded at run time, e.g. "0.1.0". Static string. */
const char *pkce_version(void);

/* ------------------------------------------------------------------------
 * Status codes
 * ------------------------------------------------------------------------ */

typedef enum pkce_status {
    PKCE_OK = 0,

    /* 1-9: how the library was called */
    PKCE_ERR_INVALID_ARGUMENT = 1,    /* NULL or otherwise unusable argument */
    PKCE_ERR_BUFFER_TOO_SMALL = 2,    /* caller's buffer cannot hold the result */
    PKCE_ERR_OUT_OF_MEMORY = 3,       /* an allocation failed */
    PKCE_ERR_NOT_CONFIGURED = 4,      /* the client lacks a setting this call needs */
    PKCE_ERR_NOT_FOUND = 5,           /* the requested field is absent */

    /* 10-19: PKCE primitives */
    PKCE_ERR_VERIFIER_LENGTH = 10,    /* verifier is not 43..128 characters */
    PKCE_ERR_VERIFIER_CHARSET = 11,   /* verifier has a character outside [A-Za-z0-9-._~] */
    PKCE_ERR_METHOD_UNSUPPORTED = 12, /* challenge method is neither S256 nor plain */
    PKCE_ERR_RANDOM = 13,             /* the CSPRNG failed */
    PKCE_ERR_LENGTH = 14,             /* a requested random length is out of range */

    /* 20-29: URLs and request parameters */
    PKCE_ERR_URL_INVALID = 20,        /* not an absolute URL, has a fragment, user info or control characters */
    PKCE_ERR_URL_INSECURE = 21,       /* not https (http is allowed on a loopback host only) */
    PKCE_ERR_PARAMETER_RESERVED = 22, /* an extra parameter would override one the library sets */

    /* 30-39: the redirect back from the authorization server */
    PKCE_ERR_CALLBACK_INVALID = 30,   /* no query, bad percent-encoding, control characters raw or encoded */
    PKCE_ERR_CALLBACK_DUPLICATE = 31, /* a parameter appears more than once */
    PKCE_ERR_ISSUER_MISSING = 32,     /* an issuer is configured and required but `iss` is absent */
    PKCE_ERR_ISSUER_MISMATCH = 33,    /* `iss` differs from the configured issuer (RFC 9207) */
    PKCE_ERR_STATE_MISMATCH = 34,     /* `state` absent or different: possible CSRF */
    PKCE_ERR_CODE_MISSING = 35,       /* no authorization code (in the callback, or not received yet) */
    PKCE_ERR_ATTEMPT_USED = 36,       /* this attempt already accepted a callback */

    /* 40-49: what the server answered */
    PKCE_ERR_OAUTH = 40,              /* the server answered with an OAuth error: see pkce_error */
    PKCE_ERR_HTTP_STATUS = 41,        /* non-2xx HTTP status without an OAuth error body */
    PKCE_ERR_RESPONSE_MALFORMED = 42, /* body is not UTF-8 JSON, or has duplicate keys or deep nesting */
    PKCE_ERR_RESPONSE_INVALID = 43,   /* JSON, but a required field is missing or has the wrong type */
    PKCE_ERR_RESPONSE_TOO_LARGE = 44, /* body larger than PKCE_RESPONSE_MAX_BYTES */

    /* 50-59: the built-in HTTPS transport and discovery */
    PKCE_ERR_CONNECT = 50,            /* host name not resolved, or connection refused */
    PKCE_ERR_TLS = 51,                /* certificate not trusted, wrong host name, handshake failed */
    PKCE_ERR_TIMEOUT = 52,            /* the connect or total timeout ran out */
    PKCE_ERR_REDIRECT = 53,           /* the server answered 3xx; redirects are never followed */
    PKCE_ERR_TRANSPORT = 54,          /* any other transfer failure */
    PKCE_ERR_DISCOVERY = 55,          /* metadata missing, for another issuer, or without endpoints */
    PKCE_ERR_S256_UNSUPPORTED = 56,   /* the server lists code_challenge_methods_supported without S256 */

    /* 60-69: the OpenID Connect ID token (see "OpenID Connect" below) */
    PKCE_ERR_ID_TOKEN_MALFORMED = 60, /* not a JWS compact serialization, bad base64url or JSON, too long */
    PKCE_ERR_ID_TOKEN_ALGORITHM = 61, /* alg none, HS*, not allowed, or not one the key can do */
    PKCE_ERR_ID_TOKEN_KEY_NOT_FOUND = 62, /* no key with its kid (after one refetch of the JWKS) */
    PKCE_ERR_ID_TOKEN_SIGNATURE = 63, /* the signature does not verify */
    PKCE_ERR_ID_TOKEN_CLAIM = 64,     /* iss, aud, azp, iat, nbf, sub, auth_time or at_hash wrong: the message says which */
    PKCE_ERR_ID_TOKEN_EXPIRED = 65,   /* exp is past (beyond the clock skew allowed) */
    PKCE_ERR_ID_TOKEN_NONCE = 66,     /* nonce absent or not the attempt's */
    PKCE_ERR_JWKS_INVALID = 67,       /* the JWKS is malformed, too large, or holds an unusable key */
    PKCE_ERR_ID_TOKEN_MISSING = 68,   /* the scope has openid but the answer has no id_token */
    PKCE_ERR_JWKS_UNKNOWN = 69,       /* no keys: neither a jwks_uri (discovery) nor pkce_client_set_jwks */

    /* 70-79: native-app sign-in (loopback listener, browser, device grant) */
    PKCE_ERR_PORT_IN_USE = 70,        /* every port the listener may use is taken */
    PKCE_ERR_SIGN_IN_TIMEOUT = 71,    /* no redirect reached the listener in time */
    PKCE_ERR_CANCELLED = 72,          /* another thread cancelled the wait */
    PKCE_ERR_BROWSER = 73,            /* the browser program could not be started */
    PKCE_ERR_LISTENER = 74,           /* the loopback socket could not be made (other than a port in use) */
    PKCE_ERR_AUTHORIZATION_PENDING = 75, /* device grant: not approved yet, poll again */
    PKCE_ERR_SLOW_DOWN = 76,          /* device grant: poll again, 5 seconds more apart */
    PKCE_ERR_ACCESS_DENIED = 77,      /* device grant: the user refused */
    PKCE_ERR_DEVICE_EXPIRED = 78,     /* device grant: the code expired before it was approved */
    PKCE_ERR_SIGN_IN_RACED = 79,      /* the listener's one-time start URL was requested twice */

    /* 80-89: tokens kept over time (token source and store) */
    PKCE_ERR_STORE = 80,              /* the token store could not be read or written (see the message) */
    PKCE_ERR_TOKEN_EXPIRED = 81,      /* the access token expired and there is no refresh token */
    PKCE_ERR_KEYRING_UNAVAILABLE = 82, /* no session bus, no Secret Service on it, or no libsecret: the message says which */
    PKCE_ERR_KEYRING_TIMEOUT = 83,    /* the Secret Service did not answer within the store's timeout (hung, or a locked keyring prompting unseen) */
    PKCE_ERR_KEYRING_LOCKED = 84,     /* the tokens are in a locked keyring, and no prompt unlocked it (no display, or dismissed) */

    /* Protected resources (RFC 9728, RFC 8707, the MCP authorization profile) */
    PKCE_ERR_CHALLENGE_MALFORMED = 90, /* a WWW-Authenticate header breaks RFC 9110's grammar */
    PKCE_ERR_RESOURCE_MISMATCH = 91,  /* resource metadata, or a stored token, is for another resource */
    PKCE_ERR_REGISTRATION = 92,       /* no client id, no metadata document the server takes, no registration endpoint, or a confidential registration */
    PKCE_ERR_PKCE_NOT_ADVERTISED = 93, /* MCP profile: metadata lacks code_challenge_methods_supported */
    PKCE_ERR_INSUFFICIENT_SCOPE = 94, /* the resource still wants more scope after the step-ups allowed */

    /* DPoP (RFC 9449) */
    PKCE_ERR_DPOP_KEY = 100,          /* a DPoP key cannot be made or read (not unencrypted PEM of P-256, Ed25519 or RSA 2048..8192) */
    PKCE_ERR_DPOP_NONCE = 101,        /* the server asked for a new nonce again right after one was sent, or without a DPoP-Nonce */
    PKCE_ERR_DPOP_NOT_BOUND = 102     /* DPoP was asked for and bound tokens required, but the server answered token_type Bearer */
} pkce_status;

/* A static, never-freed English description of a status. Unknown values
 * give "unknown status". Thread-safe. */
const char *pkce_strerror(pkce_status status);

/* ------------------------------------------------------------------------
 * Handles (opaque; each section below describes its own)
 * ------------------------------------------------------------------------ */

typedef struct pkce_client pkce_client;             /* client configuration + HTTPS transport */
typedef struct pkce_attempt pkce_attempt;           /* one sign-in */
typedef struct pkce_http_request pkce_http_request; /* a request to send (sans-I/O) */
typedef struct pkce_token pkce_token;               /* a parsed token response */
/* pkce_id_token (verified ID token claims) is declared with OpenID Connect below. */

/* ------------------------------------------------------------------------
 * Error detail
 *
 * Functions that talk about a server's answer take an optional
 * `pkce_error **error`. On failure, when error is not NULL, *error receives
 * a new pkce_error that the caller frees with pkce_error_free(). It carries
 * the OAuth error fields (RFC 6749 4.1.2.1 and 5.2) when the server sent
 * them, and the server's whole answer when there was one, so that an
 * application can act on members no standard names (WorkOS's 403
 * `email_verification_required` carries `pending_authentication_token` and
 * `email_verification_id`). The answer may hold secrets: like a token, it
 * is wiped when the error is freed. Immutable; safe to share between threads.
 *
 * Non-2xx answers without an `error` member but with a JSON `code` (WorkOS's
 * shape, `{"code": "...", "message": "..."}`) are PKCE_ERR_OAUTH too, with
 * `code` as the error and `message` as the description.
 * ------------------------------------------------------------------------ */

typedef struct pkce_error pkce_error;

/* The status that the failing call returned. */
pkce_status pkce_error_status(const pkce_error *error);
/* A sentence describing the failure; never NULL for a valid error; never holds a secret. */
const char *pkce_error_message(const pkce_error *error);
/* The server's `error` code (e.g. "invalid_grant"), or NULL. */
const char *pkce_error_oauth_error(const pkce_error *error);
/* The server's `error_description`, or NULL. */
const char *pkce_error_description(const pkce_error *error);
/* The server's `error_uri`, or NULL. */
const char *pkce_error_uri(const pkce_error *error);
/* The HTTP status of the answer, or 0 when there was none (e.g. a callback). */
int pkce_error_http_status(const pkce_error *error);
/* The server's X-Request-ID header (what its support desk asks for), or
 * NULL when none was sent or the answer did not come through
 * pkce_client_* transfers. Printable ASCII, at most 64 characters. */
const char *pkce_error_request_id(const pkce_error *error);
/* The body of the server's answer as received, NUL-terminated (it may be
 * HTML, or empty), its length to *length when not NULL; NULL when the
 * error came with no answer (a callback, a refused argument, a failed
 * connection). Borrowed until the error is freed. */
const char *pkce_error_body(const pkce_error *error, size_t *length);
/* Members of the answer by RFC 6901 JSON Pointer, as for tokens (see
 * pkce_token_pointer_string): "/pending_authentication_token",
 * "/organizations/0/id". PKCE_ERR_NOT_FOUND also when the error came with
 * no answer; PKCE_ERR_RESPONSE_MALFORMED when the body is not a JSON object. */
pkce_status pkce_error_pointer_string(const pkce_error *error, const char *pointer, char **value_out);
pkce_status pkce_error_pointer_int(const pkce_error *error, const char *pointer, int64_t *value);
pkce_status pkce_error_pointer_bool(const pkce_error *error, const char *pointer, int *value);
pkce_status pkce_error_pointer_json(const pkce_error *error, const char *pointer, char **json_out);
void pkce_error_free(pkce_error *error);

/* ------------------------------------------------------------------------
 * Library-allocated strings
 * ------------------------------------------------------------------------ */

/* Releases a string this library returned through a `char **`, after
 * overwriting all of it with zeros (past an embedded NUL too, as a body from
 * pkce_client_send may hold one). NULL is a no-op. Never pass it any other
 * pointer. */
void pkce_string_free(char *string);

/* ------------------------------------------------------------------------
 * PKCE primitives (RFC 7636). All thread-safe.
 * ------------------------------------------------------------------------ */

#define PKCE_VERIFIER_MIN_LENGTH 43
#define PKCE_VERIFIER_MAX_LENGTH 128
#define PKCE_S256_CHALLENGE_LENGTH 43 /* characters, without the NUL */
#define PKCE_RANDOM_MIN_LENGTH 22     /* 22 base64url characters carry 132 bits */
#define PKCE_RANDOM_MAX_LENGTH 128
#define PKCE_RESPONSE_MAX_BYTES (1024 * 1024)

/* Run-time twins of the macros above, for bindings that cannot read macros. */
size_t pkce_verifier_min_length(void);
size_t pkce_verifier_max_length(void);
size_t pkce_s256_challenge_length(void);
size_t pkce_random_min_length(void);
size_t pkce_random_max_length(void);
size_t pkce_response_max_bytes(void);

typedef enum pkce_method {
    PKCE_METHOD_S256 = 0,   /* BASE64URL(SHA-256(verifier)), no padding: always use this */
    PKCE_METHOD_PLAIN = 1   /* challenge = verifier; only for servers that cannot do S256 */
} pkce_method;

/* Writes a fresh code verifier of `length` characters (43..128) and a NUL
 * into out (out_size >= length + 1). The characters are drawn uniformly
 * from the 64 base64url characters [A-Za-z0-9-_] (a subset of the 66 that
 * RFC 7636 allows, so there is no modulo bias) by OpenSSL's CSPRNG.
 * Errors: PKCE_ERR_VERIFIER_LENGTH, PKCE_ERR_INVALID_ARGUMENT (out NULL),
 * PKCE_ERR_BUFFER_TOO_SMALL, PKCE_ERR_RANDOM. */
pkce_status pkce_verifier_generate(size_t length, char *out, size_t out_size);

/* PKCE_OK when verifier is 43..128 characters of [A-Za-z0-9-._~].
 * At most 129 bytes are read, so a buffer without a NUL is reported as
 * PKCE_ERR_VERIFIER_LENGTH rather than read past.
 * Errors: PKCE_ERR_INVALID_ARGUMENT (NULL), PKCE_ERR_VERIFIER_LENGTH,
 * PKCE_ERR_VERIFIER_CHARSET. */
pkce_status pkce_verifier_check(const char *verifier);

/* Derives the code challenge of a verifier, which is checked first.
 * S256 writes 43 characters and a NUL (out_size >= 44); plain writes the
 * verifier itself. Errors: those of pkce_verifier_check,
 * PKCE_ERR_METHOD_UNSUPPORTED, PKCE_ERR_BUFFER_TOO_SMALL. */
pkce_status pkce_challenge_derive(const char *verifier, pkce_method method,
                                  char *out, size_t out_size);

/* A fresh verifier of `length` characters and its S256 challenge in one
 * call: the same as pkce_verifier_generate + pkce_challenge_derive, cheaper
 * for bindings where each call costs. verifier_size >= length + 1,
 * challenge_size >= 44. Nothing is written unless both fit. */
pkce_status pkce_pair_generate(size_t length, char *verifier, size_t verifier_size,
                               char *challenge, size_t challenge_size);

/* Writes `length` (22..128) random base64url characters and a NUL into out:
 * a value for `state`, `nonce` or anything else unguessable.
 * 22 characters carry 132 bits; the library itself uses 43 (258 bits).
 * Errors: PKCE_ERR_LENGTH, PKCE_ERR_INVALID_ARGUMENT, PKCE_ERR_BUFFER_TOO_SMALL,
 * PKCE_ERR_RANDOM. */
pkce_status pkce_random_string(size_t length, char *out, size_t out_size);

/* Compares the state you sent with the one you got back, in time that does
 * not depend on where they differ (OpenSSL CRYPTO_memcmp).
 * PKCE_OK when equal, PKCE_ERR_STATE_MISMATCH when not (including an empty
 * received value), PKCE_ERR_INVALID_ARGUMENT on NULL. */
pkce_status pkce_state_check(const char *expected, const char *received);

/* ------------------------------------------------------------------------
 * Client configuration
 *
 * What the app registered with its authorization server. Configure it with
 * the setters, then it may be shared between threads and used by any number
 * of attempts; setters must not run while other threads use the client.
 * Each attempt copies the configuration when it is made.
 * ------------------------------------------------------------------------ */

/* client_id: non-empty. redirect_uri: an absolute URI without a fragment:
 * https, http on a loopback host (RFC 8252 7.3), or an app's private-use
 * scheme such as com.example.app:/cb (RFC 8252 7.1). Both NULL make a
 * client with no id and no server yet, for pkce_resource_sign_in, which
 * finds both (attempts from it are PKCE_ERR_NOT_CONFIGURED until then).
 * Errors: PKCE_ERR_INVALID_ARGUMENT, PKCE_ERR_URL_INVALID, PKCE_ERR_URL_INSECURE. */
pkce_status pkce_client_new(const char *client_id, const char *redirect_uri,
                            pkce_client **out);
void pkce_client_free(pkce_client *client);

/* The authorization endpoint: https, or http on a loopback host (127.0.0.0/8,
 * [::1], localhost). It may carry a query, which is kept; it may not carry a
 * fragment, user info, spaces or control characters, nor a query parameter
 * that the library sets itself (PKCE_ERR_PARAMETER_RESERVED). */
pkce_status pkce_client_set_authorization_endpoint(pkce_client *client, const char *url);

/* The token endpoint, with the same rules as the authorization endpoint. */
pkce_status pkce_client_set_token_endpoint(pkce_client *client, const char *url);

/* How a client with a secret authenticates (RFC 6749 2.3.1). */
typedef enum pkce_client_auth {
    PKCE_CLIENT_AUTH_AUTOMATIC = 0, /* basic, unless discovery found only client_secret_post */
    PKCE_CLIENT_AUTH_BASIC = 1,     /* Authorization: Basic base64(id:secret), each form-encoded */
    PKCE_CLIENT_AUTH_POST = 2       /* client_secret in the body */
} pkce_client_auth;

/* Makes the client confidential: `secret` goes with every request to the
 * token, revocation and device endpoints (exchange, refresh, revocation,
 * device grant) as `method` says, alongside PKCE, which OAuth 2.1 asks of
 * every client. It is held in memory wiped when the client and its
 * attempts are freed, and never appears in a URL, a log line or an error.
 * A WorkOS client (pkce_client_use_workos) sends it in the JSON body as
 * `client_secret`, as the WorkOS SDK sends an API key. NULL makes the
 * client public again.
 *
 * When a secret belongs in a program: only where its users cannot read the
 * program or its files, such as a web application's server or a daemon on
 * a machine you run. A desktop app, command-line tool or mobile app that
 * you hand to users cannot keep one: anyone can extract it (RFC 8252 8.5),
 * so it proves nothing; such a program is a public client and PKCE is what
 * protects its codes.
 * Errors: PKCE_ERR_INVALID_ARGUMENT (empty, over 4096 bytes, not UTF-8 or
 * holding control characters, an unknown method). */
pkce_status pkce_client_set_secret(pkce_client *client, const char *secret, pkce_client_auth method);

/* The revocation endpoint (RFC 7009), same rules; NULL removes it. */
pkce_status pkce_client_set_revocation_endpoint(pkce_client *client, const char *url);

/* WorkOS User Management (https://api.workos.com, or another base URL):
 * sets the authorization endpoint to {api_base}/user_management/authorize
 * and the token endpoint to {api_base}/user_management/authenticate, which
 * takes a JSON body ({"grant_type", "code", "client_id", "code_verifier"})
 * instead of a form. Add `provider`, `connection_id` or `organization_id`
 * to each attempt with pkce_attempt_add_parameter(); the authenticate
 * request's optional fields (`ip_address`, `user_agent`, `device_id`,
 * `invitation_token`; `organization_id` on a refresh) with
 * pkce_http_request_add_field() and pkce_client_send_token(). */
pkce_status pkce_client_use_workos(pkce_client *client, const char *api_base);
/* The URL to open in the browser to end a WorkOS session:
 * {api_base}/user_management/sessions/logout?session_id=...&return_to=...,
 * as the WorkOS SDK's get_logout_url builds it. session_id is the access
 * token's `sid` claim; return_to (NULL for none) follows the redirect URI
 * rules. Free with pkce_string_free().
 * Errors: PKCE_ERR_NOT_CONFIGURED (no pkce_client_use_workos),
 * PKCE_ERR_INVALID_ARGUMENT, PKCE_ERR_URL_INVALID, PKCE_ERR_URL_INSECURE. */
pkce_status pkce_client_workos_logout_url(const pkce_client *client, const char *session_id,
                                          const char *return_to, char **url_out);

/* Space-separated scopes, sent as `scope`; NULL or "" sends none. When the
 * scope list contains `openid`, each attempt also sends a fresh `nonce`. */
pkce_status pkce_client_set_scope(pkce_client *client, const char *scope);

/* Pushed authorization requests (RFC 9126): the server's endpoint for them
 * (discovery sets it, and whether the server requires them:
 * require_pushed_authorization_requests); NULL removes it. A sign-in
 * (pkce_client_sign_in, pkce_resource_sign_in) pushes its request when the
 * server requires it, or always once pkce_client_prefer_par(client, 1):
 * the parameters (state, challenge, scope, resource, ...) then go to the
 * server over TLS and the browser's URL carries only client_id and the
 * request_uri the server gave. Errors: PKCE_ERR_URL_INVALID, PKCE_ERR_URL_INSECURE. */
pkce_status pkce_client_set_par_endpoint(pkce_client *client, const char *url);
pkce_status pkce_client_prefer_par(pkce_client *client, int prefer);
/* Pushes an attempt's request (pkce_client_sign_in does it when due); its
 * authorization URL then carries only client_id and request_uri, and no
 * parameter can be added to it (PKCE_ERR_ATTEMPT_USED). Errors:
 * PKCE_ERR_NOT_CONFIGURED (no endpoint), PKCE_ERR_OAUTH (the server's
 * refusal), PKCE_ERR_RESPONSE_INVALID (no request_uri), and the transport's. */
pkce_status pkce_client_push(pkce_client *client, pkce_attempt *attempt, pkce_error **error);

/* OpenID Connect RP-Initiated Logout's end_session_endpoint (discovery sets
 * it from the metadata); NULL removes it. Errors: PKCE_ERR_URL_INVALID,
 * PKCE_ERR_URL_INSECURE. */
pkce_status pkce_client_set_end_session_endpoint(pkce_client *client, const char *url);

/* Binds the tokens to a resource (RFC 8707): `resource` with url's
 * canonical form (lower-case scheme and host, no trailing slash) in the
 * authorization URL, the token request, every refresh and the device
 * authorization request; a token source files the tokens under it. NULL
 * binds to none. pkce_resource_sign_in sets it itself.
 * Errors: PKCE_ERR_URL_INVALID, PKCE_ERR_URL_INSECURE. */
pkce_status pkce_client_set_resource(pkce_client *client, const char *url);

/* The authorization server's issuer identifier (RFC 9207): an https URL
 * (http on a loopback host) without a query or fragment (RFC 8414 2), else
 * PKCE_ERR_URL_INVALID or PKCE_ERR_URL_INSECURE. When set, the callback's
 * `iss` must equal it exactly; if require_iss is non-zero an absent `iss`
 * is refused too (PKCE_ERR_ISSUER_MISSING), also after discovery of the
 * same issuer. Pass NULL to stop checking. */
pkce_status pkce_client_set_issuer(pkce_client *client, const char *issuer, int require_iss);

/* Builds the refresh_token grant request (RFC 6749 6) for the token
 * endpoint. scope may be NULL to keep the original scope. The request is
 * for the caller to send; free it with pkce_http_request_free().
 * Errors: PKCE_ERR_INVALID_ARGUMENT, PKCE_ERR_NOT_CONFIGURED (no token endpoint). */
pkce_status pkce_client_refresh_request(const pkce_client *client, const char *refresh_token,
                                        const char *scope, pkce_http_request **out);

/* Builds a revocation request (RFC 7009 2.1) for token; token_type_hint is
 * "access_token", "refresh_token" or NULL (any other value, "" included, is
 * PKCE_ERR_INVALID_ARGUMENT).
 * Errors: PKCE_ERR_INVALID_ARGUMENT, PKCE_ERR_NOT_CONFIGURED (no revocation endpoint). */
pkce_status pkce_client_revocation_request(const pkce_client *client, const char *token,
                                           const char *token_type_hint, pkce_http_request **out);

/* What the client is configured with, e.g. to show what discovery found. */
typedef enum pkce_endpoint {
    PKCE_ENDPOINT_AUTHORIZATION = 0,
    PKCE_ENDPOINT_TOKEN = 1,
    PKCE_ENDPOINT_REVOCATION = 2,
    PKCE_ENDPOINT_DEVICE_AUTHORIZATION = 3,
    PKCE_ENDPOINT_JWKS = 4,         /* jwks_uri */
    PKCE_ENDPOINT_USERINFO = 5,
    PKCE_ENDPOINT_ISSUER = 6,       /* the issuer identifier the callback's iss must equal */
    PKCE_ENDPOINT_END_SESSION = 7,  /* end_session_endpoint: RP-initiated logout */
    PKCE_ENDPOINT_PUSHED_AUTHORIZATION = 8 /* pushed_authorization_request_endpoint (RFC 9126) */
} pkce_endpoint;

/* A copy of the URL configured for `which`; free with pkce_string_free().
 * PKCE_ERR_NOT_FOUND when none is set, PKCE_ERR_INVALID_ARGUMENT for an
 * unknown `which`. */
pkce_status pkce_client_endpoint(const pkce_client *client, pkce_endpoint which, char **url_out);

/* 1 when a callback without `iss` is refused (an issuer is set and
 * required), else 0 (also for NULL). */
int pkce_client_requires_iss(const pkce_client *client);

/* Server metadata, sans-I/O. pkce_client_metadata_url gives the URL to GET
 * for issuer: index 0 is RFC 8414's (/.well-known/oauth-authorization-server
 * inserted before the issuer's path), index 1 OpenID Connect's
 * (/.well-known/openid-configuration appended); PKCE_ERR_NOT_FOUND past 1.
 * pkce_client_apply_metadata takes the JSON fetched for issuer and sets the
 * authorization, token, revocation and device authorization endpoints and
 * the issuer, requiring `iss` in callbacks when
 * authorization_response_iss_parameter_supported is true, or when
 * pkce_client_set_issuer required it for this issuer: discovery adds that
 * requirement, never drops it. It refuses metadata whose `issuer` differs (PKCE_ERR_DISCOVERY) and
 * a server whose code_challenge_methods_supported lacks S256
 * (PKCE_ERR_S256_UNSUPPORTED); on failure the client is unchanged. */
pkce_status pkce_client_metadata_url(const char *issuer, size_t index, char **url_out);
pkce_status pkce_client_apply_metadata(pkce_client *client, const char *issuer,
                                       const char *json, size_t json_length, pkce_error **error);

/* ------------------------------------------------------------------------
 * Built-in HTTPS (libcurl with OpenSSL). TLS peer and host name
 * verification are always on. Redirects are never followed: a 3xx answer
 * is PKCE_ERR_REDIRECT. Answers over PKCE_RESPONSE_MAX_BYTES are cut off
 * (PKCE_ERR_RESPONSE_TOO_LARGE, whether or not they said their length), and
 * so are answers whose headers exceed 256 KiB in all or 100 KiB in one
 * line. Plain http is refused unless allowed with
 * pkce_client_allow_loopback_http(), and endpoints accept http only on a
 * loopback host. The User-Agent is "libpkce/<version>", unless the request
 * carries one the caller added (pkce_http_request_add_header).
 * Transport failures: PKCE_ERR_CONNECT, PKCE_ERR_TLS, PKCE_ERR_TIMEOUT,
 * PKCE_ERR_REDIRECT, PKCE_ERR_TRANSPORT, with libcurl's reason in *error.
 *
 * Threads: any number of threads may call these on one client at once.
 * Each transfer takes a libcurl handle of its own from the client's pool
 * (idle handles are kept for reuse, each with its kept-alive connection; a
 * thread calling again usually gets its own back), so a server that is
 * slow to answer one thread holds up no other. TLS sessions and DNS answers
 * are shared between a client's handles.
 *
 * libcurl: libpkce does not link libcurl. The first call that needs HTTPS
 * loads libcurl.so.4 (the OpenSSL flavour, 7.85.0 or later; Debian's
 * libcurl4) and calls curl_global_init(CURL_GLOBAL_DEFAULT), once per
 * process, thread-safely; a program that never makes such a call never
 * loads it. If it is missing, too old or built on another TLS library, each
 * such call fails with PKCE_ERR_TRANSPORT and a message that says which.
 * A program that uses libcurl itself may call curl_global_init() before or
 * after: libcurl counts the calls (thread-safely since 7.84.0), and
 * libpkce never calls curl_global_cleanup().
 *
 * Secrets in transit: libpkce wipes its own copies of request bodies and
 * answers, and sets SSL_OP_CLEANSE_PLAINTEXT on every TLS context, so
 * OpenSSL wipes plaintext from its record buffers once used. What it cannot
 * reach: libcurl copies a small request body (code and verifier, refresh
 * token, the token being revoked) into its own request buffer and keeps
 * answers (tokens) in its receive buffer; both are freed unwiped when a
 * pooled handle is cleaned up (pkce_client_free, or a change of transport
 * settings). A program that must leave no token in freed memory should send
 * the requests of pkce_attempt_token_request() and friends itself.
 * ------------------------------------------------------------------------ */

/* Trust the CAs in this PEM file (ca_file) or hashed directory (ca_path)
 * instead of the system's; NULL returns to the system's. */
pkce_status pkce_client_set_ca_file(pkce_client *client, const char *ca_file);
pkce_status pkce_client_set_ca_path(pkce_client *client, const char *ca_path);
/* Milliseconds; defaults 10000 to connect and 30000 in all. Each must be > 0. */
pkce_status pkce_client_set_timeouts(pkce_client *client, long connect_ms, long total_ms);
/* The most idle connections the client keeps for reuse (default 256; 0
 * keeps none). It keeps as many as were in use at once, up to this bound,
 * so that threads sharing one client find their kept-alive TLS connections
 * again instead of opening new ones. */
pkce_status pkce_client_set_max_idle_connections(pkce_client *client, size_t max_idle);
/* Non-zero allows plain http to loopback endpoints (local test servers). */
pkce_status pkce_client_allow_loopback_http(pkce_client *client, int allow);

/* Sends a request the library built and hands back the status and body
 * (free the body with pkce_string_free). Only transport failures and
 * redirects are errors here; any other status is returned as it is. */
pkce_status pkce_client_send(pkce_client *client, const pkce_http_request *request,
                             int *http_status, char **body_out, size_t *body_length, pkce_error **error);

/* Sends a token request the library built (pkce_attempt_token_request,
 * pkce_client_refresh_request, pkce_device_token_request), perhaps
 * extended, and parses the answer: with the attempt whose code it carries,
 * as pkce_client_exchange does (ID token verified with its nonce); with
 * attempt NULL, as pkce_client_refresh does. */
pkce_status pkce_client_send_token(pkce_client *client, const pkce_http_request *request,
                                   const pkce_attempt *attempt, pkce_token **out, pkce_error **error);
/* Sends a revocation request (pkce_client_revocation_request), perhaps
 * extended, and checks the answer as pkce_client_revoke does. */
pkce_status pkce_client_send_revocation(pkce_client *client, const pkce_http_request *request, pkce_error **error);

/* Exchanges the attempt's code and verifier at the token endpoint: the
 * request of pkce_attempt_token_request, sent, and its answer parsed as by
 * pkce_token_parse. When the scope has `openid`, the answer must carry an
 * ID token, which is verified (see "OpenID Connect" below) before the token
 * is handed out: PKCE_ERR_ID_TOKEN_* and PKCE_ERR_JWKS_* otherwise. */
pkce_status pkce_client_exchange(pkce_client *client, const pkce_attempt *attempt,
                                 pkce_token **out, pkce_error **error);

/* The refresh_token grant, sent and parsed; scope may be NULL. When the
 * scope has `openid` and the answer carries a new ID token, it is verified
 * as at sign-in, without the nonce (OpenID Connect Core 12.2). */
pkce_status pkce_client_refresh(pkce_client *client, const char *refresh_token, const char *scope,
                                pkce_token **out, pkce_error **error);

/* pkce_client_refresh, and a new ID token must also name `subject`, the
 * `sub` of the ID token of the original sign-in (OpenID Connect Core 12.2):
 * PKCE_ERR_ID_TOKEN_CLAIM otherwise. */
pkce_status pkce_client_refresh_subject(pkce_client *client, const char *refresh_token, const char *scope,
                                        const char *subject, pkce_token **out, pkce_error **error);

/* Revokes token (RFC 7009). Any 2xx is success; an OAuth error body gives
 * PKCE_ERR_OAUTH, another status PKCE_ERR_HTTP_STATUS. */
pkce_status pkce_client_revoke(pkce_client *client, const char *token, const char *token_type_hint,
                               pkce_error **error);

/* Fetches issuer's metadata from the two well-known URLs in turn and applies
 * it as pkce_client_apply_metadata does. */
pkce_status pkce_client_discover(pkce_client *client, const char *issuer, pkce_error **error);

/* ------------------------------------------------------------------------
 * OpenID Connect: ID tokens and UserInfo
 *
 * With `openid` in the scope, every attempt sends a fresh nonce, and
 * pkce_client_exchange verifies the ID token before it returns the token:
 *  - the JWS signature, with OpenSSL: RS256/384/512, PS256/384/512,
 *    ES256/384/512 and EdDSA (Ed25519). `none` and HS256/384/512 are always
 *    refused (a public client has no secret, and an HMAC keyed with a public
 *    key is the classic forgery), and so is any algorithm the key cannot do
 *    or that is not in the allowed list;
 *  - the key: the JWK whose `kid` the token names (its `use`, `alg` and
 *    `key_ops` honoured; RSA keys of 2048 bits or more; EC points checked to
 *    be on their curve), from the JWKS at `jwks_uri` (set by discovery or
 *    pkce_client_set_jwks_uri), fetched on first use and kept; a token
 *    naming a kid the kept keys lack makes one refetch (key rotation), at
 *    most once a minute, so that hostile tokens cannot make the client
 *    hammer the server. Or the keys you give with pkce_client_set_jwks;
 *  - the claims (OpenID Connect Core 3.1.3.7): `iss` equals the client's
 *    issuer exactly; `aud` contains the client_id, with `azp` equal to it
 *    when there are several audiences; `exp` is in the future and `iat`
 *    not in the future, `nbf` (if present) past, each with the clock skew
 *    allowed (60 s by default); `nonce` is the attempt's; `auth_time` when
 *    the attempt added a `max_age` parameter; `at_hash`, when present,
 *    matches the access token.
 * Verification needs the issuer (discovery, or pkce_client_set_issuer):
 * PKCE_ERR_NOT_CONFIGURED without it. The verified claims are then read
 * through pkce_token_id_token_claims() without a JSON parser of your own.
 * ------------------------------------------------------------------------ */

typedef struct pkce_id_token pkce_id_token; /* the verified claims of an ID token; immutable */

/* Where the server's keys are; discovery sets it from `jwks_uri`. NULL removes it. */
pkce_status pkce_client_set_jwks_uri(pkce_client *client, const char *url);
/* Keys you hold or fetched yourself (a JWKS document, at most
 * PKCE_RESPONSE_MAX_BYTES): ID tokens are then verified with these and
 * nothing is fetched. NULL returns to fetching jwks_uri. A malformed set,
 * or one with an unusable key (an EC point off its curve, RSA under 2048
 * bits), is PKCE_ERR_JWKS_INVALID and changes nothing. */
pkce_status pkce_client_set_jwks(pkce_client *client, const char *json, size_t json_length, pkce_error **error);
/* The UserInfo endpoint; discovery sets it from `userinfo_endpoint`. NULL removes it. */
pkce_status pkce_client_set_userinfo_endpoint(pkce_client *client, const char *url);
/* The algorithms ID tokens may be signed with, space-separated (e.g.
 * "RS256 ES256"); NULL allows every one listed above. Discovery sets it
 * from `id_token_signing_alg_values_supported`. */
pkce_status pkce_client_set_id_token_algorithms(pkce_client *client, const char *algorithms);
/* How far the client's clock may differ from the server's, in seconds
 * (0..3600; default 60). */
pkce_status pkce_client_set_clock_skew(pkce_client *client, long seconds);
/* A fixed time (Unix seconds) for the ID token checks, for tests; 0 returns
 * to the system clock. */
pkce_status pkce_client_set_time(pkce_client *client, int64_t unix_seconds);

/* The verified claims of the token's ID token, borrowed from the token
 * (valid until it is freed; never pass it to pkce_id_token_free). NULL
 * when the token has no ID token or it was not verified (pkce_token_parse
 * alone verifies nothing; use pkce_id_token_verify). */
const pkce_id_token *pkce_token_id_token_claims(const pkce_token *token);

/* Verifies an ID token you received yourself (sans-I/O), by the rules
 * above: with the keys of `jwks_json` (a JWKS document), or, when it is
 * NULL, those given with pkce_client_set_jwks (nothing is fetched). attempt
 * supplies the nonce and max_age; pass NULL for an ID token from a refresh.
 * access_token (may be NULL) is checked against `at_hash`.
 * Errors: PKCE_ERR_INVALID_ARGUMENT, PKCE_ERR_NOT_CONFIGURED (no issuer),
 * PKCE_ERR_JWKS_UNKNOWN, and the PKCE_ERR_ID_TOKEN_* and PKCE_ERR_JWKS_* above. */
pkce_status pkce_id_token_verify(const pkce_client *client, const pkce_attempt *attempt, const char *id_token,
                                 const char *access_token, const char *jwks_json, size_t jwks_length,
                                 pkce_id_token **out, pkce_error **error);
/* Frees claims from pkce_id_token_verify (wiping them). NULL is a no-op. */
void pkce_id_token_free(pkce_id_token *claims);

/* `sub`, borrowed: the user, as this issuer names them. */
const char *pkce_id_token_subject(const pkce_id_token *claims);
/* The whole payload (a JSON object), borrowed, NUL-terminated; its length
 * goes to *length when not NULL. */
const char *pkce_id_token_json(const pkce_id_token *claims, size_t *length);
/* The value of string claim `name` (e.g. "email"), unescaped. Free with
 * pkce_string_free(). PKCE_ERR_NOT_FOUND when absent or null,
 * PKCE_ERR_ID_TOKEN_CLAIM when not a string. */
pkce_status pkce_id_token_claim_string(const pkce_id_token *claims, const char *name, char **value_out);
/* The JSON text of claim `name` as received (e.g. "true", "[\"a\"]", a
 * string with its quotes). Free with pkce_string_free(). PKCE_ERR_NOT_FOUND when absent. */
pkce_status pkce_id_token_claim_json(const pkce_id_token *claims, const char *name, char **json_out);

/* GETs the UserInfo endpoint with `Authorization: Bearer access_token`
 * (OpenID Connect Core 5.3), or, for a client with DPoP on, with
 * `Authorization: DPoP access_token` and a proof, and hands back its JSON object (free with
 * pkce_string_free). When subject (the verified ID token's `sub`) is not
 * NULL, an answer for another `sub` is refused: PKCE_ERR_ID_TOKEN_CLAIM.
 * Errors: PKCE_ERR_NOT_CONFIGURED (no userinfo endpoint), transport errors,
 * PKCE_ERR_HTTP_STATUS, PKCE_ERR_RESPONSE_MALFORMED, PKCE_ERR_RESPONSE_INVALID. */
pkce_status pkce_client_userinfo(pkce_client *client, const char *access_token, const char *subject,
                                 char **json_out, size_t *json_length, pkce_error **error);

/* ------------------------------------------------------------------------
 * Authorization attempt: one sign-in, from the authorization URL to the
 * token request. Holds the verifier, its S256 challenge, the state and (for
 * `openid` scopes) the nonce. One thread at a time.
 * ------------------------------------------------------------------------ */

/* A fresh attempt: 43-character verifier, S256 challenge, 43-character state.
 * Errors: PKCE_ERR_INVALID_ARGUMENT, PKCE_ERR_RANDOM. */
pkce_status pkce_attempt_new(const pkce_client *client, pkce_attempt **out);

/* Rebuilds an attempt saved earlier (e.g. by a CLI whose callback arrives
 * in another process). nonce may be NULL. The verifier is checked; state
 * and nonce must be non-empty. */
pkce_status pkce_attempt_restore(const pkce_client *client, const char *verifier,
                                 const char *state, const char *nonce, pkce_attempt **out);
void pkce_attempt_free(pkce_attempt *attempt);

/* Borrowed values, valid until the attempt is freed. The verifier is a
 * secret: store it only where the app stores other credentials. */
const char *pkce_attempt_state(const pkce_attempt *attempt);
const char *pkce_attempt_nonce(const pkce_attempt *attempt);   /* NULL when none */
const char *pkce_attempt_verifier(const pkce_attempt *attempt);
const char *pkce_attempt_challenge(const pkce_attempt *attempt);

/* Adds a provider parameter to the authorization URL, e.g. WorkOS's
 * `provider`, `connection_id`, `organization_id`, or `login_hint`, `prompt`,
 * `max_age` (OpenID Connect; the ID token's auth_time is then checked).
 * Parameters are sent in the order added. PKCE_ERR_PARAMETER_RESERVED for
 * a name the library sets itself (response_type, client_id, redirect_uri,
 * scope, state, nonce, code_challenge, code_challenge_method) and for a
 * name that carries a secret or belongs to the token request, which the
 * browser's history and every server log would keep (client_secret,
 * client_assertion, code_verifier, code, refresh_token, access_token,
 * id_token, grant_type, device_code, password, assertion); an empty name
 * PKCE_ERR_INVALID_ARGUMENT; a max_age that is not a number of seconds
 * PKCE_ERR_INVALID_ARGUMENT. */
pkce_status pkce_attempt_add_parameter(pkce_attempt *attempt, const char *name, const char *value);

/* The URL to open in the user's browser: the authorization endpoint with
 * response_type=code, client_id, redirect_uri, scope (if any), state,
 * nonce (if any), code_challenge, code_challenge_method=S256 and the extra
 * parameters, every value percent-encoded. Free with pkce_string_free().
 * Errors: PKCE_ERR_INVALID_ARGUMENT, PKCE_ERR_NOT_CONFIGURED. */
pkce_status pkce_attempt_authorization_url(const pkce_attempt *attempt, char **url_out);

/* Checks the redirect the app received (a full URL, or its query starting
 * with '?') in this order: `iss` against the configured issuer (RFC 9207),
 * `state` (constant time), `error` (RFC 6749 4.1.2.1: PKCE_ERR_OAUTH with
 * the detail in *error), then `code`, which the attempt keeps for the token
 * request (the state is compared before `iss` is judged, but nothing of
 * the redirect is used until both passed; with both wrong, the status is
 * the issuer's). Any repeated parameter is refused, and so is a control
 * character (CR, LF, NUL, ...), raw anywhere or percent-encoded in any
 * parameter but `error_description` (PKCE_ERR_CALLBACK_INVALID): CR/LF
 * from an attacker's redirect would reach the application's logs. An
 * `error_description` may carry them (Microsoft Entra's does): the
 * detail's description has each run of them as one space. An attempt
 * accepts one callback; later ones give PKCE_ERR_ATTEMPT_USED. */
pkce_status pkce_attempt_handle_callback(pkce_attempt *attempt, const char *redirect_url,
                                         pkce_error **error);

/* The authorization_code grant request (RFC 6749 4.1.3 + RFC 7636 4.5),
 * for the caller to send with its own HTTP stack.
 * Errors: PKCE_ERR_INVALID_ARGUMENT, PKCE_ERR_CODE_MISSING (no callback
 * handled yet), PKCE_ERR_NOT_CONFIGURED (no token endpoint). */
pkce_status pkce_attempt_token_request(const pkce_attempt *attempt, pkce_http_request **out);

/* Sans-I/O pushed authorization request (RFC 9126): the POST of the
 * attempt's parameters (with the client's authentication, as a token
 * request has it) and its answer, 201 with request_uri; then
 * pkce_attempt_request_uri is that URI (NULL before; valid until the next
 * push or the attempt's free) and the authorization URL carries it alone.
 * The URI is good for the answer's expires_in seconds: once
 * pkce_attempt_par_expired says 1 (from a second before its end), push again
 * (pkce_attempt_par_request then builds a new push) rather than send the
 * browser with it; pkce_client_sign_in does that by itself, when the
 * browser fetches its start URL. Errors as pkce_client_push, and
 * PKCE_ERR_ATTEMPT_USED for a second push of an unexpired request. */
pkce_status pkce_attempt_par_request(const pkce_attempt *attempt, pkce_http_request **out);
pkce_status pkce_attempt_handle_par_response(pkce_attempt *attempt, int http_status, const char *body, size_t body_length,
                                             pkce_error **error);
const char *pkce_attempt_request_uri(const pkce_attempt *attempt);
int pkce_attempt_par_expired(const pkce_attempt *attempt);

/* ------------------------------------------------------------------------
 * HTTP request (sans-I/O): exactly what to send. The body and extra headers
 * hold secrets and are wiped when the request is freed. A request can be
 * extended with body fields and headers, then sent by you, by
 * pkce_client_send, or, with the answer checked as the one-call functions
 * check it, by pkce_client_send_token / pkce_client_send_revocation. Do not
 * extend a request while another thread reads or sends it.
 * ------------------------------------------------------------------------ */

const char *pkce_http_request_method(const pkce_http_request *request); /* "POST" */
const char *pkce_http_request_url(const pkce_http_request *request);
size_t pkce_http_request_header_count(const pkce_http_request *request);
/* Borrowed name and value of header `index` (0-based). PKCE_ERR_NOT_FOUND past the end. */
pkce_status pkce_http_request_header(const pkce_http_request *request, size_t index,
                                     const char **name, const char **value);
/* The body, NUL-terminated; its length goes to *length when length is not
 * NULL. It is application/x-www-form-urlencoded, except for a client set up
 * with pkce_client_use_workos(), whose token requests carry a JSON object
 * (the Content-Type header says which). */
const char *pkce_http_request_body(const pkce_http_request *request, size_t *length);
void pkce_http_request_free(pkce_http_request *request);

/* Adds a body field the library does not set, encoded as the body is (form
 * or JSON): WorkOS's `ip_address`, `user_agent`, `device_id` or
 * `invitation_token` on the code exchange, `organization_id` on a refresh.
 * A body pointer borrowed before is invalid afterwards.
 * Errors: PKCE_ERR_PARAMETER_RESERVED (the body already has that field:
 * the grant's own cannot be replaced), PKCE_ERR_INVALID_ARGUMENT (NULL, an
 * empty name or one with a control character, a value that is not UTF-8,
 * a GET request). */
pkce_status pkce_http_request_add_field(pkce_http_request *request, const char *name, const char *value);
/* Adds a header after the fixed ones, e.g. "Authorization" with
 * "Bearer <access token>" for a server that wants it on revocation. It is
 * listed by pkce_http_request_header and never logged with its value.
 * Errors: PKCE_ERR_PARAMETER_RESERVED (Accept, Content-Type,
 * Content-Length, Host, Expect, Transfer-Encoding, Connection, or a name
 * added before, in any case), PKCE_ERR_INVALID_ARGUMENT (NULL, a name that
 * is not an RFC 9110 token, a value with a control character but tab). */
pkce_status pkce_http_request_add_header(pkce_http_request *request, const char *name, const char *value);

/* ------------------------------------------------------------------------
 * Token response (RFC 6749 5.1 / 5.2). Immutable; safe to share.
 * ------------------------------------------------------------------------ */

/* Parses what the token endpoint answered: http_status (100..599) and the
 * body, which need not be NUL-terminated.
 *  - A body over PKCE_RESPONSE_MAX_BYTES: PKCE_ERR_RESPONSE_TOO_LARGE.
 *  - A JSON object with an `error` member, whatever the status (some
 *    servers send errors with 200): PKCE_ERR_OAUTH, detail in *error.
 *  - Non-2xx without one: PKCE_ERR_HTTP_STATUS.
 *  - Not UTF-8 JSON, duplicate keys, nesting deeper than 64: PKCE_ERR_RESPONSE_MALFORMED.
 *  - access_token missing or empty, a known field of the wrong type,
 *    expires_in negative or not an integer: PKCE_ERR_RESPONSE_INVALID.
 * Accepted deviations: expires_in as a string of digits, token_type in any
 * case or absent (WorkOS), null for an optional field, unknown fields. */
pkce_status pkce_token_parse(int http_status, const char *body, size_t body_length,
                             pkce_token **out, pkce_error **error);
void pkce_token_free(pkce_token *token);

/* Borrowed strings, valid until the token is freed; NULL when absent. The
 * refresh token is the one to use next: after a refresh (pkce_client_refresh,
 * _refresh_subject, or pkce_client_send_token with a refresh request) whose
 * answer brought none, the one sent, which then stays valid (RFC 6749 6);
 * pkce_token_json() is the server's answer as it came. */
const char *pkce_token_access_token(const pkce_token *token);
const char *pkce_token_token_type(const pkce_token *token);
const char *pkce_token_refresh_token(const pkce_token *token);
const char *pkce_token_scope(const pkce_token *token);
const char *pkce_token_id_token(const pkce_token *token);
/* Seconds from issue to expiry. PKCE_ERR_NOT_FOUND when the server sent none. */
pkce_status pkce_token_expires_in(const pkce_token *token, int64_t *seconds);
/* The whole response body as received (valid UTF-8 JSON), NUL-terminated;
 * its length goes to *length when not NULL. */
const char *pkce_token_json(const pkce_token *token, size_t *length);
/* The JSON text of top-level member `name`, e.g. WorkOS's "user" object or
 * "organization_id" (a string comes back with its quotes). Free with
 * pkce_string_free(). PKCE_ERR_NOT_FOUND when absent. */
pkce_status pkce_token_member_json(const pkce_token *token, const char *name, char **json_out);
/* The value of top-level string member `name`, unescaped. Free with
 * pkce_string_free(). PKCE_ERR_NOT_FOUND when absent or null,
 * PKCE_ERR_RESPONSE_INVALID when not a string. */
pkce_status pkce_token_member_string(const pkce_token *token, const char *name, char **value_out);

/* Nested members by RFC 6901 JSON Pointer into the whole response, e.g.
 * "/user/email" or "/organizations/0/id" (WorkOS); "~1" stands for '/' and
 * "~0" for '~' in a name, "" for the whole document. PKCE_ERR_NOT_FOUND when
 * nothing is there (or, except for _json, when it is null);
 * PKCE_ERR_RESPONSE_INVALID when the value is of another type;
 * PKCE_ERR_INVALID_ARGUMENT for a pointer that is neither "" nor starts
 * with '/'. A string comes unescaped (free with pkce_string_free()); an
 * integer is a JSON number without fraction or exponent that fits 64 bits;
 * a boolean is 1 or 0; JSON text is as received (free with pkce_string_free()). */
pkce_status pkce_token_pointer_string(const pkce_token *token, const char *pointer, char **value_out);
pkce_status pkce_token_pointer_int(const pkce_token *token, const char *pointer, int64_t *value);
pkce_status pkce_token_pointer_bool(const pkce_token *token, const char *pointer, int *value);
pkce_status pkce_token_pointer_json(const pkce_token *token, const char *pointer, char **json_out);

/* ------------------------------------------------------------------------
 * Native-app sign-in (RFC 8252): a loopback listener receives the browser's
 * redirect, and one call does the whole sign-in.
 *
 *     pkce_client *client;  ...configured, e.g. with pkce_client_discover()...
 *     pkce_token *token = NULL;
 *     pkce_error *error = NULL;
 *     pkce_status st = pkce_client_sign_in(client, NULL, NULL, PKCE_BROWSER_SYSTEM,
 *                                          NULL, 0, &token, &error);
 *
 * The listener binds 127.0.0.1 (or [::1]; never another address) and the
 * redirect URI sent, in the authorization URL and the token request alike,
 * is http://127.0.0.1:PORT/PATH for the port it actually got: the server
 * must accept any port for a loopback redirect URI, as RFC 8252 7.3 asks.
 * ------------------------------------------------------------------------ */

typedef struct pkce_listener pkce_listener;

/* Binds a loopback listener. address: "127.0.0.1" (also when NULL) or
 * "::1"; anything else is PKCE_ERR_INVALID_ARGUMENT. ports: the ports to
 * try, in order (port_count of them); none (NULL or 0) lets the kernel pick
 * a free one. path: the redirect URI's path, "/" then URL path characters
 * (NULL: "/callback"). Errors: PKCE_ERR_PORT_IN_USE when every port is
 * taken, PKCE_ERR_LISTENER when the socket cannot be made otherwise; the
 * message in *error names the ports or the system's reason. */
pkce_status pkce_listener_new(const char *address, const uint16_t *ports, size_t port_count, const char *path,
                              pkce_listener **out, pkce_error **error);
/* Closes the socket. */
void pkce_listener_free(pkce_listener *listener);

/* The port bound, and the redirect URI for it (borrowed from the listener). */
uint16_t pkce_listener_port(const pkce_listener *listener);
const char *pkce_listener_redirect_uri(const pkce_listener *listener);

/* A one-time start URL on the listener, http://127.0.0.1:PORT/ and 256
 * random bits (43 characters), answered once with a redirect to
 * authorization_url (https, or http on a loopback host). Hand the browser
 * this instead of the authorization URL: a program's argument vector is
 * readable by every local user (/proc/PID/cmdline), and the authorization
 * URL there would let another user copy the state, the challenge and the
 * redirect URI and finish the sign-in as itself. A second request for the
 * start URL means someone raced the browser to it: pkce_listener_wait then
 * ends with PKCE_ERR_SIGN_IN_RACED, so the worst a local attacker can do is
 * end the sign-in. Each call replaces the previous start URL. Free *url_out
 * with pkce_string_free(). pkce_client_sign_in does this itself.
 * Errors: PKCE_ERR_INVALID_ARGUMENT, PKCE_ERR_URL_INVALID, PKCE_ERR_URL_INSECURE,
 * PKCE_ERR_RANDOM. */
pkce_status pkce_listener_start_url(pkce_listener *listener, const char *authorization_url, char **url_out);

/* The HTML pages the browser is shown: success_html when the sign-in
 * response is accepted, error_html when it is refused, in which "{error}"
 * and "{error_description}" are replaced by the OAuth error fields,
 * HTML-escaped. NULL keeps the built-in page. Pages never show a code,
 * state or token unless yours do. */
pkce_status pkce_listener_set_pages(pkce_listener *listener, const char *success_html, const char *error_html);

/* Waits up to timeout_ms (> 0) for the redirect that completes attempt,
 * which must have been sent with this listener's redirect URI (see
 * pkce_attempt_set_redirect_uri); the attempt then holds the code, ready
 * for pkce_client_exchange(). A request whose Host header is not the
 * listener's own address and port gets 421 (a page on a DNS-rebinding
 * domain learns nothing); requests for other paths get 404; a response
 * whose state is not this attempt's (another sign-in's, stale or forged)
 * gets a generic error page and the wait goes on, so a hostile page or
 * local process cannot end the sign-in. Once the state matched, the
 * response is this attempt's: a wrong or missing iss, an OAuth error or a
 * missing code ends the wait at once. Junk, silent, slow and many
 * connections are dropped by size (8 KiB) and time (10 s) limits without
 * holding up the real request. Errors: PKCE_ERR_OAUTH (the user denied
 * consent, e.g. access_denied, detail in *error; control characters in
 * error_description, which Microsoft Entra sends, become spaces),
 * PKCE_ERR_ISSUER_MISMATCH, PKCE_ERR_ISSUER_MISSING, PKCE_ERR_CODE_MISSING,
 * PKCE_ERR_SIGN_IN_RACED (see pkce_listener_start_url),
 * PKCE_ERR_SIGN_IN_TIMEOUT, PKCE_ERR_CANCELLED. The attempt's client's log
 * callback hears of each request (path only) and why it was refused. */
pkce_status pkce_listener_wait(pkce_listener *listener, pkce_attempt *attempt, int timeout_ms, pkce_error **error);

/* Makes a pkce_listener_wait running on another thread (or the next one)
 * return PKCE_ERR_CANCELLED: a GUI's Cancel button. Safe from any thread
 * while the listener exists. */
void pkce_listener_cancel(pkce_listener *listener);

/* How the authorization URL reaches the user. Programs are started with
 * posix_spawn and an argument vector, never through a shell: no character
 * of the URL (quotes, ';', '$()', newlines) can run anything. Their
 * standard input and output are /dev/null; standard error is inherited. */
typedef enum pkce_browser {
    /* Each command in $BROWSER (colon-separated; an argument "%s" is replaced
     * by the URL, else the URL is appended), then xdg-open. If none starts,
     * or the one started exits with a failure, the URL is printed on
     * standard error for the user to open. */
    PKCE_BROWSER_SYSTEM = 0,
    /* The program named by the `program` argument (searched in PATH), with
     * the URL as its only argument. */
    PKCE_BROWSER_PROGRAM = 1,
    /* No program: the URL is printed on standard error. */
    PKCE_BROWSER_PRINT = 2
} pkce_browser;

/* Opens url as `browser` says; the program runs on its own. Errors:
 * PKCE_ERR_BROWSER when PKCE_BROWSER_PROGRAM's program cannot be started. */
pkce_status pkce_browser_open(const char *url, pkce_browser browser, const char *program);

/* Sends the browser back to redirect_uri instead of the client's, in the
 * authorization URL and in the token request: a listener's URI. Before the
 * callback only (PKCE_ERR_ATTEMPT_USED after). Same rules as pkce_client_new. */
pkce_status pkce_attempt_set_redirect_uri(pkce_attempt *attempt, const char *redirect_uri);

/* The whole sign-in: binds listener (NULL: 127.0.0.1, a port the kernel
 * picks, "/callback"), points attempt (NULL: a fresh one; pass your own to
 * add provider parameters) at its redirect URI, opens the listener's
 * one-time start URL for the authorization URL (pkce_listener_start_url)
 * as `browser` says, waits up to timeout_ms (0: 300000, five minutes) as
 * pkce_listener_wait does, then exchanges the code as pkce_client_exchange
 * does. Pass your own listener to choose ports, path and pages, or to
 * cancel from another thread. Errors: those of pkce_listener_new,
 * pkce_browser_open, pkce_listener_wait and pkce_client_exchange. */
pkce_status pkce_client_sign_in(pkce_client *client, pkce_attempt *attempt, pkce_listener *listener,
                                pkce_browser browser, const char *program, int timeout_ms,
                                pkce_token **out, pkce_error **error);

/* ------------------------------------------------------------------------
 * Device authorization grant (RFC 8628): sign-in for a machine without a
 * browser (an SSH session, a container). The program shows a user code and
 * a URL; the user approves on another device while the program polls.
 * PKCE does not apply to this grant: no authorization code passes through a
 * browser, so there is nothing for a verifier to protect.
 * ------------------------------------------------------------------------ */

typedef struct pkce_device pkce_device;

/* The device authorization endpoint (discovery sets it from
 * device_authorization_endpoint); same rules as the other endpoints. NULL removes it. */
pkce_status pkce_client_set_device_authorization_endpoint(pkce_client *client, const char *url);

/* Starts the grant: asks for a device code (scope NULL: the client's).
 * Then show pkce_device_user_code() and pkce_device_verification_uri() to
 * the user and call pkce_client_device_poll(). Errors: PKCE_ERR_NOT_CONFIGURED
 * (no device authorization endpoint), those of the built-in HTTPS, and
 * PKCE_ERR_RESPONSE_INVALID for an answer without device_code, user_code,
 * verification_uri or a positive expires_in, and for one whose
 * verification_uri or verification_uri_complete is not https (http only on
 * a loopback host; never javascript: or another scheme) or whose user_code
 * holds control characters (C0, DEL, C1): what it shows the user reaches a
 * terminal, where escape sequences could clear the screen or show one link
 * and open another. */
pkce_status pkce_client_device_start(pkce_client *client, const char *scope, pkce_device **out, pkce_error **error);

/* Polls until the user approves (PKCE_OK, *out the token; with an openid
 * scope its ID token is verified, without a nonce), refuses
 * (PKCE_ERR_ACCESS_DENIED), the code expires (PKCE_ERR_DEVICE_EXPIRED: the
 * server said expired_token, or expires_in passed), or pkce_device_cancel()
 * is called (PKCE_ERR_CANCELLED). Waits the server's interval between polls,
 * 5 seconds more after each slow_down. Blocks: call it from a thread that may wait. */
pkce_status pkce_client_device_poll(pkce_client *client, pkce_device *device, pkce_token **out, pkce_error **error);

/* Makes a pkce_client_device_poll on another thread return
 * PKCE_ERR_CANCELLED at once. Safe from any thread while the device exists. */
void pkce_device_cancel(pkce_device *device);
void pkce_device_free(pkce_device *device); /* wipes the device code */

/* Borrowed strings for the user; verification_uri_complete (the URI with
 * the code in it, for a QR code) is NULL when the server sent none. */
const char *pkce_device_user_code(const pkce_device *device);
const char *pkce_device_verification_uri(const pkce_device *device);
const char *pkce_device_verification_uri_complete(const pkce_device *device);
/* Seconds the code stays valid, and between polls (now, after slow_downs). */
int64_t pkce_device_expires_in(const pkce_device *device);
int64_t pkce_device_interval(const pkce_device *device);

/* Sans-I/O: the device authorization request, its answer, each poll's
 * request, and each poll's answer. pkce_device_parse_token returns PKCE_OK
 * with the token, PKCE_ERR_AUTHORIZATION_PENDING (poll again after
 * pkce_device_interval seconds), PKCE_ERR_SLOW_DOWN (the same; the interval
 * grew by 5), PKCE_ERR_ACCESS_DENIED, PKCE_ERR_DEVICE_EXPIRED, or the
 * errors of pkce_token_parse. It verifies no ID token. */
pkce_status pkce_client_device_request(const pkce_client *client, const char *scope, pkce_http_request **out);
pkce_status pkce_device_parse(int http_status, const char *body, size_t body_length, pkce_device **out,
                              pkce_error **error);
pkce_status pkce_device_token_request(const pkce_client *client, const pkce_device *device, pkce_http_request **out);
pkce_status pkce_device_parse_token(pkce_device *device, int http_status, const char *body, size_t body_length,
                                    pkce_token **out, pkce_error **error);

/* ------------------------------------------------------------------------
 * Token source and store: a valid access token whenever asked
 *
 * A program that signs in once and calls an API for hours asks the source
 * for an access token before each call. The source refreshes it when it is
 * within a leeway (60 s by default) of expiry, computed from expires_in when
 * the answer arrived; one refresh is in flight however many threads ask,
 * and the others wait for its result (a server that rotates refresh tokens
 * would otherwise see the old one reused and revoke the whole family); a
 * server that sends no new refresh token leaves the old one in use.
 *
 * With a store, tokens survive restarts, and processes share them: the
 * store's lock is held while refreshing and the store read again under it,
 * since another process may have refreshed already. The file store keeps
 * several accounts (by issuer, client and subject) in one JSON file, mode
 * 0600, replaced atomically (a temporary file of a random name created
 * with O_EXCL and mode 0600, fsync, rename), locked with flock on
 * FILE.lock. A file another user owns or may write is refused. Its tokens
 * are as secret as a password: keep the file where only the user can read
 * it. A refresh checks that the store can take a new file before it spends
 * the refresh token; should the save still fail (a full disk), the new
 * tokens are kept in memory, handed out, logged as a warning and saved
 * with the next refresh, never lost.
 *
 * Sources are thread-safe; stores are too.
 * ------------------------------------------------------------------------ */

typedef struct pkce_token_store pkce_token_store;
typedef struct pkce_token_source pkce_token_source;

/* A store in the file at `path` (created on first save; its directory must
 * exist). Opening reads nothing. Errors: PKCE_ERR_INVALID_ARGUMENT. */
pkce_status pkce_token_store_open_file(const char *path, pkce_token_store **out);
/* The desktop's Secret Service (GNOME Keyring, KWallet, KeePassXC) as the
 * store, through libsecret-1.so.0, loaded on the first call that needs it
 * (Debian: libsecret-1-0; a program that never opens this store never loads
 * it). One keyring item per account, labelled "pkce: SUBJECT at ISSUER",
 * with attributes kind=token, issuer, client_id, subject, resource, and the
 * entry as the file store writes it as its secret (`secret-tool search kind
 * token` shows them). Each call returns within timeout_ms (0: 3000) with
 * PKCE_ERR_KEYRING_UNAVAILABLE (no session bus, as over SSH; no Secret
 * Service on it; no libsecret), PKCE_ERR_KEYRING_TIMEOUT (a service that
 * does not answer, or a locked keyring whose unlock prompt no one can see)
 * or PKCE_ERR_KEYRING_LOCKED (a locked keyring whose prompt could not be
 * shown or was dismissed), the message saying which: never a wait on D-Bus's
 * 25 s, never a locked keyring taken for an empty one, never a silent
 * fall-back to a file. The refresh lock across processes is
 * $XDG_RUNTIME_DIR/libpkce-keyring.lock (else ~/.cache). Opening does not
 * reach the service: pkce_token_store_check does. */
pkce_status pkce_token_store_open_keyring(int timeout_ms, pkce_token_store **out);
void pkce_token_store_free(pkce_token_store *store);
/* Whether the store can be used, before anything depends on it: what a
 * sign-in that will save its tokens asks before the browser opens, so that
 * a completed sign-in is not thrown away. Reads the file (when there is
 * one) and creates and removes a temporary file beside it, as a save does.
 * *readable_by_others (may be NULL) is set to 1 when users other than the
 * owner may read the file (worth a warning: its tokens are as good as a
 * password), else 0. Errors: PKCE_ERR_STORE when the file cannot be read,
 * is not a token file, belongs to another user or may be written by other
 * users (refused: its tokens could be planted), or the directory cannot
 * take a new file; PKCE_ERR_INVALID_ARGUMENT. */
pkce_status pkce_token_store_check(pkce_token_store *store, int *readable_by_others, pkce_error **error);
/* Entry `index` (from 0) of the store: whose it is and where it refreshes,
 * for a program that has only the file. Each out-parameter may be NULL;
 * the others receive strings to free with pkce_string_free (token_endpoint
 * and subject may be ""). PKCE_ERR_NOT_FOUND past the last entry,
 * PKCE_ERR_STORE when the file cannot be read or is not a token file. */
pkce_status pkce_token_store_entry(pkce_token_store *store, size_t index, char **client_id, char **token_endpoint,
                                   char **issuer, char **subject, pkce_error **error);
/* The resource (RFC 8707, canonical) entry `index` is bound to, "" for
 * none, in *resource_out (free with pkce_string_free). Errors as pkce_token_store_entry. */
pkce_status pkce_token_store_entry_resource(pkce_token_store *store, size_t index, char **resource_out, pkce_error **error);
/* Removes entry `index` (a sign-out), under the store's lock. Errors as
 * pkce_token_store_entry. */
pkce_status pkce_token_store_remove(pkce_token_store *store, size_t index, pkce_error **error);
/* The tokens of entry `index` as a token (access_token, refresh_token,
 * token_type, scope, and expires_in counted from now, 0 once past), to
 * free with pkce_token_free. Errors as for pkce_token_store_entry. */
pkce_status pkce_token_store_token(pkce_token_store *store, size_t index, pkce_token **out, pkce_error **error);

/* A source for `token` (an answer just received, which is saved to `store`
 * when one is given, with its DPoP key: the key of the request that brought
 * it, else the client's), or, with token NULL, for the entry the store holds
 * for this client's issuer (or token endpoint, without an issuer), its
 * client_id and `subject`. subject NULL means the verified ID token's `sub`
 * when token has one, else "". The client refreshes, so it must outlive the
 * source. Errors: PKCE_ERR_NOT_CONFIGURED (no token endpoint),
 * PKCE_ERR_NOT_FOUND (no such entry), PKCE_ERR_STORE, PKCE_ERR_INVALID_ARGUMENT. */
pkce_status pkce_token_source_new(pkce_client *client, const pkce_token *token, pkce_token_store *store,
                                  const char *subject, pkce_token_source **out, pkce_error **error);
void pkce_token_source_free(pkce_token_source *source);
/* Seconds before expiry at which the token counts as expired (>= 0; default 60). */
pkce_status pkce_token_source_set_leeway(pkce_token_source *source, int64_t seconds);
/* A fixed "now" in Unix seconds, for tests; 0 returns to the system clock. */
pkce_status pkce_token_source_set_time(pkce_token_source *source, int64_t unix_seconds);

/* token is the server's answer to a refresh (borrowed for the call; its
 * refresh token is NULL when the server sent none and the old one stays). */
typedef void (*pkce_token_refreshed_fn)(const pkce_token *token, void *user_data);
/* Called on the refreshing thread after each refresh this source made (not
 * when it found that another process had refreshed); NULL for none. */
pkce_status pkce_token_source_on_refresh(pkce_token_source *source, pkce_token_refreshed_fn fn, void *user_data);

/* Writes a valid access token and a NUL into out (out_size bytes; 4096 is
 * plenty for the tokens servers issue), its length to *length when not
 * NULL; refreshes first when needed (blocking, over HTTPS). Without a
 * refresh it takes no lock: tens of nanoseconds, however many threads ask.
 * Errors: PKCE_ERR_TOKEN_EXPIRED (expired, no refresh token: sign in
 * again), PKCE_ERR_BUFFER_TOO_SMALL (the message says how much is needed),
 * PKCE_ERR_STORE, and those of pkce_client_refresh. A failed refresh is
 * the error of every thread that waited for it. */
pkce_status pkce_token_source_access_token(pkce_token_source *source, char *out, size_t out_size, size_t *length,
                                           pkce_error **error);

/* ------------------------------------------------------------------------
 * Protected resources: sign-in from a resource's URL (the MCP profile)
 *
 * An MCP server, or any API that follows RFC 9728, tells a client with
 * no token where to sign in. From its URL alone, pkce_resource_sign_in
 * finds the resource's metadata (the 401's WWW-Authenticate
 * `resource_metadata`, else /.well-known/oauth-protected-resource with the
 * path inserted, then at the root), checks that it is about that resource,
 * fetches the authorization server's metadata in the MCP order (refusing
 * one without code_challenge_methods_supported), registers the client
 * (the id given, a Client ID Metadata Document URL the server takes, else
 * RFC 7591 dynamic registration as a public client for the loopback port
 * bound first), and signs in in the browser with `resource` (RFC 8707)
 * in the authorization and token requests; refreshes carry it too. A
 * resource whose metadata says dpop_bound_access_tokens_required gets
 * DPoP-bound tokens: the client's key when DPoP is on, else a new one.
 *
 *     pkce_client *client; pkce_resource *mcp; pkce_token *token;
 *     pkce_client_new(NULL, NULL, &client);
 *     pkce_resource_new("https://mcp.example.com/mcp", &mcp);
 *     pkce_resource_set_store(mcp, store);          // keep discovery, registration
 *     pkce_resource_sign_in(mcp, client, PKCE_BROWSER_SYSTEM, NULL, 0, &token, &err);
 *     pkce_token_source_new(client, token, store, NULL, &source, &err);
 *     pkce_token_source_fetch(source, "POST", "https://mcp.example.com/mcp", hdrs, 2, body, len, &res, &err);
 * ------------------------------------------------------------------------ */

typedef struct pkce_resource pkce_resource;           /* a resource to sign in to, and how */
typedef struct pkce_http_response pkce_http_response; /* what a resource answered */

/* url: the resource's URL, https (http on loopback). pkce_resource_uri
 * gives its canonical form (lower-case scheme and host, no trailing slash),
 * valid until the handle is freed.
 * Errors: PKCE_ERR_INVALID_ARGUMENT, PKCE_ERR_URL_INVALID, PKCE_ERR_URL_INSECURE. */
pkce_status pkce_resource_new(const char *url, pkce_resource **out);
void pkce_resource_free(pkce_resource *resource);
const char *pkce_resource_uri(const pkce_resource *resource);

/* A client id the server knows, or the https URL of the application's
 * Client ID Metadata Document (used as such when the server's metadata says
 * client_id_metadata_document_supported); NULL (the default) registers. */
pkce_status pkce_resource_set_client_id(pkce_resource *resource, const char *client_id);
/* The client_name a registration sends (default "libpkce"): the consent page shows it. */
pkce_status pkce_resource_set_client_name(pkce_resource *resource, const char *name);
/* Scopes to ask for instead of the challenge's `scope`, else the resource's
 * scopes_supported, else none (NULL restores that order). */
pkce_status pkce_resource_set_scope(pkce_resource *resource, const char *scope);
/* The issuer to take when the resource lists several authorization servers (else the first). */
pkce_status pkce_resource_set_issuer(pkce_resource *resource, const char *issuer);
/* Where discovery and the registration are kept (not owned; must outlive
 * the handle's sign-ins), so that the next sign-in sends no request before
 * the browser opens: a kept discovery is used for a day, a registration
 * while its loopback port is free and its scope covers the one asked for. */
pkce_status pkce_resource_set_store(pkce_resource *resource, pkce_token_store *store);
/* The WWW-Authenticate value of a 401 or 403 the caller got from the
 * resource: its resource_metadata saves a request, and a 403 with
 * error="insufficient_scope" and a scope makes the next sign-in a step-up,
 * asking for that scope plus what the stored token was granted. NULL forgets it.
 * Errors: PKCE_ERR_CHALLENGE_MALFORMED, PKCE_ERR_NOT_FOUND (no Bearer or
 * DPoP challenge in it), PKCE_ERR_URL_* (an unusable resource_metadata). */
pkce_status pkce_resource_set_challenge(pkce_resource *resource, const char *www_authenticate, pkce_error **error);

/* The whole sign-in (see above), as pkce_client_sign_in does the browser
 * part. client is reconfigured for the resource's server (endpoints,
 * issuer, client id, scope, resource); its transport settings (CA file,
 * timeouts, log) stay, so make it with pkce_client_new(NULL, NULL, ...).
 * *out is the token answer, to be freed.
 * Errors: as pkce_client_sign_in and pkce_client_discover, and
 * PKCE_ERR_RESOURCE_MISMATCH (the metadata is about another resource),
 * PKCE_ERR_PKCE_NOT_ADVERTISED, PKCE_ERR_REGISTRATION, PKCE_ERR_OAUTH (the
 * registration's error answer), PKCE_ERR_CHALLENGE_MALFORMED (the probe's 401). */
pkce_status pkce_resource_sign_in(pkce_resource *resource, pkce_client *client, pkce_browser browser,
                                  const char *program, int timeout_ms, pkce_token **out, pkce_error **error);

/* Sans-I/O: the same steps for a caller with its own HTTP stack (most MCP
 * hosts stream over their own). Send each request pkce_resource_next_request
 * gives (PKCE_ERR_NOT_FOUND once discovery is done) and hand its answer to
 * pkce_resource_handle_response: status, the WWW-Authenticate value (NULL
 * when none) and the body. Then, unless a client id was set, send
 * pkce_resource_registration_request's request (RFC 7591, for redirect_uri,
 * the loopback URI the caller's listener is bound to) and hand its answer
 * to pkce_resource_handle_registration. pkce_resource_configure then sets
 * client up as pkce_resource_sign_in would (endpoints, issuer, client id,
 * resource, scope, redirect_uri), ready for pkce_attempt_new.
 * Errors: as pkce_client_apply_metadata, PKCE_ERR_RESOURCE_MISMATCH,
 * PKCE_ERR_PKCE_NOT_ADVERTISED, PKCE_ERR_DISCOVERY (no metadata at any URL:
 * the message lists them), PKCE_ERR_NOT_CONFIGURED (discovery not done),
 * PKCE_ERR_REGISTRATION, PKCE_ERR_OAUTH (the registration's error answer). */
pkce_status pkce_resource_next_request(pkce_resource *resource, pkce_http_request **out);
pkce_status pkce_resource_handle_response(pkce_resource *resource, int http_status, const char *www_authenticate,
                                          const char *body, size_t body_length, pkce_error **error);
pkce_status pkce_resource_registration_request(pkce_resource *resource, const char *redirect_uri, pkce_http_request **out);
pkce_status pkce_resource_handle_registration(pkce_resource *resource, const char *redirect_uri, int http_status,
                                              const char *body, size_t body_length, pkce_error **error);
pkce_status pkce_resource_configure(pkce_resource *resource, pkce_client *client, const char *redirect_uri,
                                    pkce_error **error);

/* Makes pkce_token_source_fetch answer a 403 insufficient_scope itself: a
 * new sign-in as pkce_resource_sign_in does (browser, program, timeout_ms as
 * there; the resource's settings as they are now), for the challenged scope
 * plus the token's, then the request again; at most twice for one request,
 * and never for a scope the token already has (PKCE_ERR_INSUFFICIENT_SCOPE
 * then). The source's client is reconfigured by the sign-in. resource NULL
 * turns it off (the default: the 403 is returned). */
pkce_status pkce_token_source_set_step_up(pkce_token_source *source, pkce_resource *resource, pkce_browser browser,
                                          const char *program, int timeout_ms);

/* The value of parameter `name` (any case) of the first Bearer or DPoP
 * challenge in a WWW-Authenticate value (RFC 9110 11.6.1: several
 * challenges, quoted strings with escapes, token68), in *value_out (free
 * with pkce_string_free): for a caller with its own HTTP stack.
 * Errors: PKCE_ERR_CHALLENGE_MALFORMED, PKCE_ERR_NOT_FOUND. */
pkce_status pkce_challenge_param(const char *www_authenticate, const char *name, char **value_out, pkce_error **error);

/* A request to the resource with the source's access token
 * (Authorization: Bearer), refreshed first when due. method: GET, POST,
 * PUT, PATCH or DELETE; headers: header_count "Name: value" lines
 * (Content-Type, Accept, ...); body may be NULL. A 401 with invalid_token
 * gets one refresh and one retry. Any answer with a status is PKCE_OK:
 * read it from *out (a 403 insufficient_scope included, unless
 * pkce_token_source_set_step_up; else pass its WWW-Authenticate to
 * pkce_resource_set_challenge and sign in again).
 * Redirects are not followed. Errors: PKCE_ERR_RESOURCE_MISMATCH (url is not
 * the token's resource or below it: the token is never sent elsewhere),
 * PKCE_ERR_INVALID_ARGUMENT, and those of pkce_client_send. */
pkce_status pkce_token_source_fetch(pkce_token_source *source, const char *method, const char *url,
                                    const char *const *headers, size_t header_count, const char *body,
                                    size_t body_length, pkce_http_response **out, pkce_error **error);
void pkce_http_response_free(pkce_http_response *response); /* wipes the body */
int pkce_http_response_status(const pkce_http_response *response);
/* The body (NUL-terminated too) and its length; valid until the response is freed. */
const char *pkce_http_response_body(const pkce_http_response *response, size_t *length);
const char *pkce_http_response_content_type(const pkce_http_response *response); /* NULL when none */
/* The index-th WWW-Authenticate value of a 401 or 403; NULL past the last. */
const char *pkce_http_response_www_authenticate(const pkce_http_response *response, size_t index);

/* ------------------------------------------------------------------------
 * Sender-constrained tokens: DPoP (RFC 9449)
 *
 * With DPoP, each request to the server carries a `DPoP` header: a proof,
 * signed with a private key that never leaves the program, that the sender
 * holds the key the tokens are bound to. A stolen access or refresh token
 * is then useless without the key. Turn it on per client:
 *
 *     pkce_client_enable_dpop(client, PKCE_DPOP_AUTO);        // a new key
 *     pkce_client_sign_in(client, ...);                       // bound tokens
 *
 * and every request to the authorization server carries a proof: code
 * exchange, refresh, device token, revocation, pushed request, UserInfo
 * (with `Authorization: DPoP <token>` there); sans-I/O requests carry the
 * header too. Server nonces (RFC 9449 8) are handled: a nonce in any
 * answer replaces the one remembered for that server (its origin: at most
 * 16 kept, in the key), and an answer `use_dpop_nonce` (a 400 from the
 * authorization server, a 401 DPoP challenge from a resource) is answered
 * by sending the request once more with the new nonce; a second such
 * answer in a row is PKCE_ERR_DPOP_NONCE, never a third try. A token store
 * keeps the key (PKCS#8 PEM) and its nonces with the tokens, so a refresh
 * after a restart signs with the same key and sends a current nonce at
 * once (some servers spend the refresh token on a try they refuse for its
 * nonce). Keys are reference-counted handles, safe to share between
 * threads; each _free drops one reference, and the private key is wiped
 * when the last goes.
 * ------------------------------------------------------------------------ */

typedef struct pkce_dpop_key pkce_dpop_key;

typedef enum pkce_dpop_alg {
    PKCE_DPOP_AUTO = 0,  /* the first of ES256, EdDSA, RS256 the server lists (dpop_signing_alg_values_supported), else ES256 */
    PKCE_DPOP_ES256 = 1, /* ECDSA P-256: small, quick; the default */
    PKCE_DPOP_EDDSA = 2, /* Ed25519 */
    PKCE_DPOP_RS256 = 3  /* RSA 2048 (PKCS#1 v1.5) */
} pkce_dpop_alg;

/* A new key from OpenSSL's CSPRNG (PKCE_DPOP_AUTO makes ES256).
 * Errors: PKCE_ERR_INVALID_ARGUMENT, PKCE_ERR_DPOP_KEY. */
pkce_status pkce_dpop_key_new(pkce_dpop_alg alg, pkce_dpop_key **out);
/* A key kept as PEM (pkce_dpop_key_pem): PKCS#8, or the traditional EC and
 * RSA forms; never an encrypted one (nothing asks for a passphrase).
 * pem need not be NUL-terminated. Errors: PKCE_ERR_DPOP_KEY (not a P-256,
 * Ed25519 or RSA 2048..8192 private key), PKCE_ERR_INVALID_ARGUMENT. */
pkce_status pkce_dpop_key_from_pem(const char *pem, size_t pem_length, pkce_dpop_key **out);
void pkce_dpop_key_free(pkce_dpop_key *key);
pkce_dpop_alg pkce_dpop_key_alg(const pkce_dpop_key *key); /* PKCE_DPOP_AUTO for NULL */
/* The public key as a JWK of its required members (what proofs carry),
 * and its RFC 7638 thumbprint (a bound token's cnf.jkt); borrowed. */
const char *pkce_dpop_key_jwk(const pkce_dpop_key *key);
const char *pkce_dpop_key_thumbprint(const pkce_dpop_key *key);
/* The private key as unencrypted PKCS#8 PEM in *pem_out (free with
 * pkce_string_free, which wipes it): keep it where the application keeps
 * secrets. Errors: PKCE_ERR_INVALID_ARGUMENT, PKCE_ERR_DPOP_KEY. */
pkce_status pkce_dpop_key_pem(const pkce_dpop_key *key, char **pem_out);
/* The nonce remembered for url's server, in *nonce_out (free with
 * pkce_string_free); PKCE_ERR_NOT_FOUND when it gave none. */
pkce_status pkce_dpop_key_nonce(const pkce_dpop_key *key, const char *url, char **nonce_out);
/* Remembers a DPoP-Nonce a server at url answered with. PKCE_ERR_INVALID_ARGUMENT
 * for a value that is not RFC 9449's nonce syntax (printable ASCII but '"'
 * and '\', at most 1024 bytes). */
pkce_status pkce_dpop_key_set_nonce(pkce_dpop_key *key, const char *url, const char *nonce);

/* A proof for one request, in *proof_out (free with pkce_string_free):
 * htm method, htu url without query and fragment, a fresh 128-bit jti, iat
 * now, the nonce remembered for url's server, and with access_token (else
 * NULL) its hash as ath. Errors: PKCE_ERR_INVALID_ARGUMENT, PKCE_ERR_DPOP_KEY. */
pkce_status pkce_dpop_proof(const pkce_dpop_key *key, const char *method, const char *url, const char *access_token,
                            char **proof_out);
/* The two header values for a request with a DPoP-bound access token to
 * your own API: *authorization_out "DPoP <token>" (the Authorization
 * header) and *proof_out (the DPoP header), each to free with
 * pkce_string_free. nonce: one the resource asked for (its 401 with
 * error="use_dpop_nonce" and a DPoP-Nonce header; remembered), or NULL for
 * the one remembered. Errors as pkce_dpop_proof. */
pkce_status pkce_dpop_headers(pkce_dpop_key *key, const char *access_token, const char *method, const char *url,
                              const char *nonce, char **authorization_out, char **proof_out);

/* Turns DPoP on for every request the client sends or builds from now on,
 * with a new key (pkce_client_enable_dpop; with PKCE_DPOP_AUTO, discovery
 * run later may make it again in an algorithm the server lists) or with
 * `key` (pkce_client_set_dpop_key, which takes a reference; NULL turns DPoP
 * off). pkce_client_dpop_key gives a new reference to the key in *out
 * (PKCE_ERR_NOT_FOUND without one). Configure before sharing the client. */
pkce_status pkce_client_enable_dpop(pkce_client *client, pkce_dpop_alg alg);
pkce_status pkce_client_set_dpop_key(pkce_client *client, pkce_dpop_key *key);
pkce_status pkce_client_dpop_key(const pkce_client *client, pkce_dpop_key **out);

enum {
    /* An answer to a DPoP request with token_type other than DPoP (a
     * downgrade to Bearer) is PKCE_ERR_DPOP_NOT_BOUND; without this flag it
     * is a warning in the log, and the tokens are used as Bearer tokens. */
    PKCE_DPOP_REQUIRE_BOUND = 1,
    /* The authorization request carries dpop_jkt, the key's thumbprint
     * (RFC 9449 10): the code, too, is then bound to the key. */
    PKCE_DPOP_SEND_JKT = 2
};
/* Flags above, OR-ed; 0 (the default) for none. */
pkce_status pkce_client_set_dpop_flags(pkce_client *client, unsigned flags);

/* 1 when the token answer says the tokens are bound (token_type DPoP, any
 * case), else 0. pkce_token_dpop_key gives a new reference to the key of
 * the request that brought it (also for a token from a store): the key to
 * refresh and present it with. PKCE_ERR_NOT_FOUND for a token got without DPoP. */
int pkce_token_is_dpop_bound(const pkce_token *token);
pkce_status pkce_token_dpop_key(const pkce_token *token, pkce_dpop_key **out);

/* Sans-I/O: after sending a request the library built with a DPoP proof,
 * pass its answer here: the status, the body (NULL and 0 for none), and the
 * DPoP-Nonce and WWW-Authenticate headers (NULL when absent). A nonce is
 * remembered; when the server asked for one, the request's DPoP header is
 * replaced by a new proof with it and *send_again is 1: send the request
 * once more (header values borrowed before are invalid). Else *send_again
 * is 0, and the answer is for pkce_token_parse and the like. Errors:
 * PKCE_ERR_DPOP_NONCE (asked again after a resend, or asked without a
 * usable DPoP-Nonce), PKCE_ERR_INVALID_ARGUMENT. */
pkce_status pkce_http_request_dpop_answer(pkce_http_request *request, int http_status, const char *body, size_t body_length,
                                          const char *dpop_nonce, const char *www_authenticate, int *send_again,
                                          pkce_error **error);

/* The header pair of pkce_dpop_headers for the source's access token,
 * refreshed first when due, for `method` and `url` (within the tokens'
 * resource, if they have one). Errors: PKCE_ERR_DPOP_NOT_BOUND (the token is
 * a Bearer token), PKCE_ERR_RESOURCE_MISMATCH, and those of
 * pkce_token_source_access_token. */
pkce_status pkce_token_source_dpop_headers(pkce_token_source *source, const char *method, const char *url, const char *nonce,
                                           char **authorization_out, char **proof_out, pkce_error **error);

/* ------------------------------------------------------------------------
 * Sign-out (OpenID Connect RP-Initiated Logout 1.0)
 *
 * A pkce_logout ends the user's session at the server, in the browser: the
 * end-session endpoint with id_token_hint (which session, and that this
 * client asks), logout_hint, client_id, ui_locales and, when the browser is
 * to come back, post_logout_redirect_uri and a state that the redirect must
 * carry (checked as a sign-in's is). For a WorkOS client
 * (pkce_client_use_workos) the same calls build WorkOS's logout URL for
 * the session id given. Revoke the tokens (pkce_client_revoke) and remove
 * them from the store (pkce_token_store_remove) as well: ending the session
 * in the browser does neither.
 * ------------------------------------------------------------------------ */

typedef struct pkce_logout pkce_logout; /* one sign-out; its state is random, 43 characters */

/* Errors: PKCE_ERR_NOT_CONFIGURED when the client has no end-session
 * endpoint (discovery found none) and is not a WorkOS client. */
pkce_status pkce_logout_new(const pkce_client *client, pkce_logout **out);
void pkce_logout_free(pkce_logout *logout); /* wipes the ID token hint and the state */
const char *pkce_logout_state(const pkce_logout *logout);
/* The ID token of the session to end (NULL: none). Sent in the URL the
 * browser opens, as the specification has it: pkce_client_sign_out keeps it
 * out of the browser's argument vector, not out of its history. */
pkce_status pkce_logout_set_id_token_hint(pkce_logout *logout, const char *id_token);
/* logout_hint and ui_locales (space-separated), and WorkOS's session id
 * (the access token's sid claim); each NULL for none. */
pkce_status pkce_logout_set_hints(pkce_logout *logout, const char *logout_hint, const char *ui_locales,
                                  const char *session_id);
/* Where the server sends the browser afterwards (it must know the URI, as
 * a sign-in's redirect URI); NULL for no redirect. Rules as pkce_client_new's redirect_uri. */
pkce_status pkce_logout_set_post_logout_redirect_uri(pkce_logout *logout, const char *uri);
/* Sans-I/O: the URL to open, in *url_out (free with pkce_string_free);
 * pkce_logout_handle_redirect checks the redirect back (the URL the
 * browser was sent to, or its query): the state must be this sign-out's
 * (PKCE_ERR_STATE_MISMATCH), an `error` the server added is PKCE_ERR_OAUTH,
 * a second one is PKCE_ERR_ATTEMPT_USED. */
pkce_status pkce_logout_url(const pkce_logout *logout, char **url_out);
pkce_status pkce_logout_handle_redirect(pkce_logout *logout, const char *redirect_url, pkce_error **error);

/* The one call: opens the logout URL in the browser, always through a
 * loopback listener's one-time start URL (listener, or one of its own when
 * NULL), so that the id_token_hint never sits in the browser program's
 * argument vector. With wait_for_redirect, the server is asked to send the
 * browser back to the listener (its redirect URI becomes the post-logout
 * redirect URI) and this returns once that redirect came and was checked
 * (its page says "Signed out"); with 0, it returns once the browser has
 * fetched the start URL. Errors: as pkce_listener_wait and
 * pkce_browser_open, and those of pkce_logout_url. */
pkce_status pkce_client_sign_out(pkce_client *client, pkce_logout *logout, pkce_listener *listener, int wait_for_redirect,
                                 pkce_browser browser, const char *program, int timeout_ms, pkce_error **error);

/* ------------------------------------------------------------------------
 * Debug log
 * ------------------------------------------------------------------------ */

typedef enum pkce_log_level {
    PKCE_LOG_ERROR = 1,
    PKCE_LOG_WARNING = 2,
    PKCE_LOG_INFO = 3,   /* each request and answer, discovery, listener and browser events */
    PKCE_LOG_DEBUG = 4   /* and stray listener requests, polls, dropped connections */
} pkce_log_level;

/* message is valid during the call only; user_data is what was given. */
typedef void (*pkce_log_fn)(pkce_log_level level, const char *message, void *user_data);

/* Sends the client's log lines up to `level` to fn (NULL: no log), from
 * whichever thread makes the call that logs. Nothing secret is ever logged:
 * requests appear as method, URL, header names and body field names, with
 * the value of every field not known to be public (grant_type,
 * redirect_uri, client_id, scope, token_type_hint) replaced by its length;
 * answers as status, content type, size and time; listener requests by
 * their path. Attempts made afterwards log through it too. fn runs inside
 * the client's own calls, so it must not call the client's setters (nor
 * free the client): like setters on another thread, they would change the
 * configuration the logging call is reading. */
pkce_status pkce_client_set_log(pkce_client *client, pkce_log_level level, pkce_log_fn fn, void *user_data);

#ifdef __cplusplus
}
#endif

#endif /* PKCE_H */
