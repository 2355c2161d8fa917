"""OpenID Connect RP-Initiated Logout 1.0 on the Authlib server (serve.py
installs it): an end-session endpoint that verifies id_token_hint (its own
signature, issuer and audience), sends the browser back to a loopback
post_logout_redirect_uri with the state, and notes each sign-out for the
tests (GET /_logout/seen)."""

import threading
import urllib.parse

from flask import jsonify, redirect, request

lock = threading.Lock()
SEEN = []


def install(app, issuer, verify_id_token, client_ids):
    """verify_id_token(token) -> claims, raising on a bad token; client_ids: the clients known."""

    @app.get("/logout")
    def end_session():
        hint = request.args.get("id_token_hint")
        client_id = request.args.get("client_id")
        claims = None
        if hint is not None:
            try:
                claims = verify_id_token(hint)
            except Exception as error:  # noqa: BLE001 - any failure is a refused hint
                return jsonify({"error": "invalid_request", "error_description": f"id_token_hint: {error}"}), 400
            audience = claims.get("aud")
            audiences = audience if isinstance(audience, list) else [audience]
            if claims.get("iss") != issuer or (client_id and client_id not in audiences):
                return jsonify({"error": "invalid_request", "error_description": "id_token_hint is not for this client"}), 400
        if client_id is not None and client_id not in client_ids():
            return jsonify({"error": "invalid_request", "error_description": "unknown client_id"}), 400
        target = request.args.get("post_logout_redirect_uri")
        if target is not None:
            parts = urllib.parse.urlsplit(target)
            if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "::1") or parts.query or parts.fragment:
                return jsonify({"error": "invalid_request", "error_description": "post_logout_redirect_uri refused"}), 400
        with lock:
            SEEN.append({"subject": claims.get("sub") if claims else None, "client_id": client_id,
                         "state": request.args.get("state"), "redirect": target,
                         "fields": sorted(request.args)})
        if target is None:
            return "<!DOCTYPE html><title>Signed out</title><p>Signed out.</p>"
        state = request.args.get("state")
        return redirect(target + ("?" + urllib.parse.urlencode({"state": state}) if state else ""))

    @app.get("/_logout/seen")
    def logouts_seen():
        with lock:
            return jsonify(SEEN)
