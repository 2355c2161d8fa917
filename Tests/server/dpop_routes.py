"""DPoP (RFC 9449) for the Authlib server, which has none (serve.py installs
it): a proof verifier written from the RFC with joserfc, server nonces,
tokens bound to the key (token_type DPoP, the key's thumbprint kept as the
token's cnf.jkt), refresh tokens bound to it, and a protected route,
/api/dpop, that takes only DPoP-bound tokens with their proofs (its RFC 9728
metadata says dpop_bound_access_tokens_required).

Every request to /token, /par, /revoke and /userinfo with a DPoP header is
checked: `typ` dpop+jwt; `alg` in the allow-list; a public `jwk` that
verifies the signature; `jti` (at least 128 bits, never seen before);
`htm` and `htu` exactly the request's; `iat` within a minute; `ath` the
hash of the token presented (and only when one is); the nonce, when the
mode asks for nonces. A token request with a valid proof gets bound
tokens; a refresh token bound to a key takes only a proof by that key; a
code whose authorization request carried dpop_jkt likewise.

POST /_dpop/mode (JSON) sets how it behaves: nonce "none" | "rotate" (each
answer carries a new nonce, and only the last one given is good) |
"endless" (every proof is answered use_dpop_nonce, with yet another
nonce); require (the token endpoint takes no request without a proof);
burn_on_nonce (a refresh answered use_dpop_nonce spends its refresh token,
as some AT Protocol servers do); downgrade (tokens stay Bearer); par_required
(the metadata requires pushed requests: with require and nonce rotate, the
AT Protocol's profile); algs (what the metadata lists). GET /_dpop/seen
lists each request: path, whether it had a proof, its outcome."""

import base64
import hashlib
import json
import secrets
import threading
import time

from flask import g, jsonify, request
from joserfc import jws
from joserfc.jwk import JWKRegistry
from joserfc.jws import JWSRegistry

ALGORITHMS = ["ES256", "EdDSA", "RS256", "PS256"]
IAT_WINDOW = 60
# joserfc's default header limit (512 bytes) is below an RSA key's JWK.
REGISTRY = JWSRegistry(algorithms=ALGORITHMS)
REGISTRY.max_header_length = 4096
CHECKED = ("/token", "/par", "/revoke", "/userinfo", "/api/dpop")
DEFAULT_MODE = {"nonce": "none", "require": False, "burn_on_nonce": False, "downgrade": False, "par_required": False,
                "algs": ALGORITHMS}

lock = threading.Lock()
MODE = dict(DEFAULT_MODE)
STATE = {"nonce": secrets.token_urlsafe(16), "jtis": {}}
SEEN = []


class Refused(Exception):
    """A proof refused: its OAuth error and why."""

    def __init__(self, error, description):
        super().__init__(description)
        self.error = error
        self.description = description


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def metadata():
    """The members serve.py's metadata gains."""
    with lock:
        extra = {"dpop_signing_alg_values_supported": MODE["algs"]}
        if MODE["par_required"]:
            extra["require_pushed_authorization_requests"] = True
    return extra


def verify(proof, method, url, access_token):
    """The proof's key thumbprint (RFC 7638) once every check passes; Refused otherwise."""
    try:
        header = json.loads(b64decode(proof.split(".")[0]))
    except (ValueError, IndexError):
        raise Refused("invalid_dpop_proof", "not a JWS")
    if header.get("typ") != "dpop+jwt":
        raise Refused("invalid_dpop_proof", "typ is not dpop+jwt")
    if header.get("alg") not in ALGORITHMS:
        raise Refused("invalid_dpop_proof", "alg not allowed")
    jwk = header.get("jwk")
    if not isinstance(jwk, dict) or "d" in jwk or "p" in jwk:
        raise Refused("invalid_dpop_proof", "no public jwk")
    try:
        key = JWKRegistry.import_key(jwk)
        claims = json.loads(jws.deserialize_compact(proof, key, algorithms=[header["alg"]], registry=REGISTRY).payload)
    except Exception as error:  # joserfc's own errors, a malformed key or payload
        raise Refused("invalid_dpop_proof", f"signature: {type(error).__name__}")
    jti = claims.get("jti")
    if not isinstance(jti, str) or len(jti) < 22:
        raise Refused("invalid_dpop_proof", "jti missing or shorter than 128 bits")
    if claims.get("htm") != method or claims.get("htu") != url:
        raise Refused("invalid_dpop_proof", "htm or htu is not this request's")
    iat = claims.get("iat")
    if not isinstance(iat, int) or abs(time.time() - iat) > IAT_WINDOW:
        raise Refused("invalid_dpop_proof", "iat outside the window")
    expected_ath = b64(hashlib.sha256(access_token.encode()).digest()) if access_token else None
    if claims.get("ath") != expected_ath:
        raise Refused("invalid_dpop_proof", "ath does not match the token" if access_token else "ath without a token")
    with lock:
        now = time.time()
        STATE["jtis"] = {seen: expiry for seen, expiry in STATE["jtis"].items() if expiry > now}
        if jti in STATE["jtis"]:
            raise Refused("invalid_dpop_proof", "jti replayed")
        STATE["jtis"][jti] = now + 2 * IAT_WINDOW
        if MODE["nonce"] == "endless" or (MODE["nonce"] == "rotate" and claims.get("nonce") != STATE["nonce"]):
            raise Refused("use_dpop_nonce", "a current nonce is required")
    return key.thumbprint()


def install(app, issuer, tokens, codes, token_lock):
    def refusal(refused):
        """The answer to a refused proof: a 401 challenge at the resource, a 400 elsewhere."""
        body = {"error": refused.error, "error_description": refused.description}
        if request.path == "/api/dpop":
            challenge = f'DPoP algs="{" ".join(ALGORITHMS)}", error="{refused.error}", error_description="{refused.description}"'
            return jsonify(body), 401, {"WWW-Authenticate": challenge}
        return jsonify(body), 400

    def presented_token():
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        return value if scheme == "DPoP" else None

    def note(outcome):
        with lock:
            SEEN.append({"path": request.path, "proof": "DPoP" in request.headers, "outcome": outcome,
                         "grant_type": request.form.get("grant_type")})

    @app.before_request
    def check_proof():
        g.dpop_jkt = None
        if request.path not in CHECKED:
            return None
        proofs = request.headers.getlist("DPoP")
        token_value = presented_token()
        bound = None  # the key the token, refresh token or code is bound to
        with token_lock:
            if token_value is not None:
                token = tokens.get(token_value)
                bound = token.data.get("jkt") if token is not None else "none"
            elif request.form.get("grant_type") == "refresh_token":
                token = tokens.get(request.form.get("refresh_token", ""))
                bound = token.data.get("jkt") if token is not None else None
            elif request.form.get("grant_type") == "authorization_code":
                code = codes.get(request.form.get("code", ""))
                bound = code.dpop_jkt if code is not None else None
        if not proofs:
            if token_value is not None or bound is not None or (request.path == "/token" and MODE["require"]):
                note("no proof")
                return refusal(Refused("invalid_dpop_proof", "a DPoP proof is required"))
            note("no proof, bearer")
            return None
        if len(proofs) > 1:
            note("two proofs")
            return refusal(Refused("invalid_dpop_proof", "more than one DPoP header"))
        try:
            g.dpop_jkt = verify(proofs[0], request.method, issuer + request.path, token_value)
        except Refused as refused:
            if refused.error == "use_dpop_nonce" and MODE["burn_on_nonce"] and request.form.get("grant_type") == "refresh_token":
                with token_lock:
                    spent = tokens.get(request.form.get("refresh_token", ""))
                    if spent is not None:
                        spent.revoked = True
            note(refused.error + ": " + refused.description)
            return refusal(refused)
        if bound is not None and bound != g.dpop_jkt:
            note("bound to another key")
            if token_value is not None:
                return refusal(Refused("invalid_token", "the token is bound to another key"))
            return jsonify({"error": "invalid_grant", "error_description": "bound to another DPoP key"}), 400
        note("ok")
        return None

    @app.after_request
    def bind_and_nonce(response):
        if request.path not in CHECKED:
            return response
        if request.path == "/token" and g.get("dpop_jkt") and response.status_code == 200 and not MODE["downgrade"]:
            body = response.get_json()
            body["token_type"] = "DPoP"
            with token_lock:
                token = tokens.get(body["access_token"])
                if token is not None:
                    token.data["jkt"] = g.dpop_jkt
            response.set_data(json.dumps(body))
        with lock:
            if MODE["nonce"] != "none":
                # Each answer of the authorization server brings a new nonce, and only
                # the last one given is good; the resource, on the same origin, shares it.
                if request.path != "/api/dpop" or MODE["nonce"] == "endless":
                    STATE["nonce"] = secrets.token_urlsafe(16)
                response.headers["DPoP-Nonce"] = STATE["nonce"]
        return response

    @app.get("/.well-known/oauth-protected-resource/api/dpop")
    def dpop_resource_metadata():
        # RFC 9728 with RFC 9449's flag: a client signing in from this URL must use DPoP.
        return jsonify({"resource": issuer + "/api/dpop", "authorization_servers": [issuer], "scopes_supported": ["notes"],
                        "dpop_bound_access_tokens_required": True, "dpop_signing_alg_values_supported": ALGORITHMS})

    @app.route("/api/dpop", methods=["GET", "POST"])
    def dpop_notes():
        value = presented_token()
        with token_lock:
            token = tokens.get(value) if value else None
        if token is None or token.revoked or not token.data.get("jkt"):
            challenge = f'DPoP algs="{" ".join(ALGORITHMS)}", error="invalid_token"'
            return jsonify({"error": "invalid_token"}), 401, {"WWW-Authenticate": challenge}
        return jsonify({"notes": ["bound to " + token.data["jkt"]], "scope": token.data.get("scope", "")})

    @app.post("/_dpop/mode")
    def set_mode():
        with lock:
            MODE.clear()
            MODE.update(DEFAULT_MODE)
            MODE.update(request.get_json(force=True) or {})
            SEEN.clear()
            return jsonify(MODE)

    @app.get("/_dpop/seen")
    def dpop_seen():
        with lock:
            return jsonify(SEEN)

    @app.post("/_dpop/token")
    def token_binding():
        # The binding the server holds for a token, for the tests to compare with the key.
        with token_lock:
            token = tokens.get(request.form.get("token", ""))
        return jsonify({"jkt": token.data.get("jkt") if token else None, "revoked": token.revoked if token else None})
