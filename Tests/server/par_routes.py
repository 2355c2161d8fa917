"""Pushed authorization requests (RFC 9126) on the Authlib server (serve.py
installs them; Authlib has no PAR endpoint): POST /par checks the client and
the request as /authorize would and answers 201 with a one-time request_uri;
/authorize with a request_uri resolves it (client_id must match, within its
lifetime: 60 s, or what POST /_par/settings lifetime=N set) and goes on with
the pushed parameters. GET /_par/seen lists what happened."""

import secrets
import threading
import time
import urllib.parse

from flask import jsonify, redirect, request

lock = threading.Lock()
PUSHED = {}  # request_uri -> (parameters, expiry)
SEEN = []
LIFETIME = {"seconds": 60}  # POST /_par/settings lifetime=N: how long a request_uri is good


def install(app, query_client):
    @app.post("/par")
    def push():
        parameters = request.form.to_dict()
        client = query_client(parameters.get("client_id", ""))
        if client is None:
            return jsonify({"error": "invalid_client"}), 401
        if "request_uri" in parameters:
            return jsonify({"error": "invalid_request", "error_description": "request_uri cannot be pushed"}), 400
        if not client.check_redirect_uri(parameters.get("redirect_uri", "")) or "code_challenge" not in parameters:
            return jsonify({"error": "invalid_request", "error_description": "redirect_uri or PKCE refused"}), 400
        uri = "urn:ietf:params:oauth:request_uri:" + secrets.token_urlsafe(24)
        with lock:
            lifetime = LIFETIME["seconds"]
            PUSHED[uri] = (parameters, time.time() + lifetime)
            SEEN.append({"event": "pushed", "fields": sorted(parameters)})
        return jsonify({"request_uri": uri, "expires_in": lifetime}), 201

    @app.before_request
    def resolve():
        if request.path != "/authorize" or "request_uri" not in request.args:
            return None
        with lock:
            parameters, expiry = PUSHED.pop(request.args["request_uri"], (None, 0))
            SEEN.append({"event": "authorize", "fields": sorted(request.args)})
        if parameters is None or expiry < time.time() or parameters.get("client_id") != request.args.get("client_id"):
            return jsonify({"error": "invalid_request_uri"}), 400
        # On with the pushed parameters, as if the browser had brought them.
        return redirect("/authorize?" + urllib.parse.urlencode(parameters))

    @app.post("/_par/settings")
    def pushed_settings():
        with lock:
            LIFETIME["seconds"] = int(request.form.get("lifetime", 60))
            return jsonify(LIFETIME)

    @app.get("/_par/seen")
    def pushed_seen():
        with lock:
            return jsonify(SEEN)
