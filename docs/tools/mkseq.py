"""The sequence diagrams of the README and the documentation site, drawn as
SVG from the descriptions below: lifelines side by side, steps top to bottom,
as the article this library grew from explains PKCE. The SVGs are committed
under docs/images (so that the README shows them where the project is
hosted); `make test-facts` checks that they are what this script draws.

Usage: mkseq.py OUT_DIR   (writes signin.svg, device.svg and dpop.svg)
"""

import sys
from html import escape
from pathlib import Path

WIDTH = 760         # fits the site's text column and a README at 1280 pixels, unscaled
MARGIN = 14
HEAD = 46           # lifeline boxes
STEP = 40           # vertical room per step
FONT = "font-family:DejaVu Sans,Verdana,sans-serif"
INK, SECRET, MUTED = "#1d2733", "#1f5fbf", "#5d6b7a"

# Each step: (from, to, text, kind); from == to draws a note on that lifeline.
# kind: "" plain, "secret" (the verifier or tokens travel), "reply" (dashed).
SIGNIN = {
    "title": "Native-app sign-in (RFC 8252 + PKCE): pkce_client_sign_in",
    "lanes": ["App (libpkce)", "Loopback listener", "Browser", "Authorization server", "API"],
    "steps": [
        (0, 0, "verifier, S256 challenge, state, nonce", ""),
        (0, 1, "bind 127.0.0.1:PORT", ""),
        (0, 2, "open the one-time start URL (nothing else on the command line)", ""),
        (2, 1, "GET /<256-bit random path>", ""),
        (1, 2, "302 to the authorization URL", "reply"),
        (2, 3, "authorization request: code_challenge, S256, state, redirect_uri", ""),
        (3, 3, "the user signs in and consents", ""),
        (3, 2, "302 to http://127.0.0.1:PORT/callback", "reply"),
        (2, 1, "GET /callback?code, state, iss", ""),
        (1, 0, "state matched, iss checked: the code", ""),
        (0, 3, "token request: code + code_verifier (HTTPS, TLS verified)", "secret"),
        (3, 3, "BASE64URL(SHA-256(verifier)) == challenge?", ""),
        (3, 0, "access, refresh and ID tokens (ID token verified)", "secret"),
        (0, 4, "Authorization: Bearer <access token>", "secret"),
    ],
}

DEVICE = {
    "title": "Device authorization grant (RFC 8628): pkce_client_device_start, _poll",
    "lanes": ["App (libpkce)", "Authorization server", "Browser on another device", "API"],
    "steps": [
        (0, 1, "device authorization request: client_id, scope", ""),
        (1, 0, "device_code, user_code, verification_uri (https)", "reply"),
        (0, 0, "show the user code and the URI", ""),
        (2, 1, "the user opens the URI, enters the code, approves", ""),
        (0, 1, "token request: device_code, every interval", "secret"),
        (1, 0, "authorization_pending, slow_down (5 s more apart)", "reply"),
        (1, 0, "access and refresh tokens", "secret"),
        (0, 3, "Authorization: Bearer <access token>", "secret"),
    ],
}

DPOP = {
    "title": "Tokens bound to a key (DPoP, RFC 9449): pkce_client_enable_dpop",
    "lanes": ["App (libpkce)", "Authorization server", "Token store", "API"],
    "steps": [
        (0, 0, "a private key (ES256), made by OpenSSL; a proof per request", ""),
        (0, 1, "token request + DPoP: proof of the key (jti, htm, htu, iat)", "secret"),
        (1, 0, "400 use_dpop_nonce, DPoP-Nonce: n1", "reply"),
        (0, 1, "the same request once more, the proof with nonce n1 (never a third time)", "secret"),
        (1, 0, "tokens, token_type DPoP, bound to the key (cnf.jkt); DPoP-Nonce: n2", "secret"),
        (0, 2, "tokens, the key (PKCS#8 PEM) and nonce n2, together (0600)", "secret"),
        (0, 3, "Authorization: DPoP <token> + proof with ath (the token's hash)", "secret"),
        (2, 0, "after a restart: tokens, key and nonce n2 back: a refresh signs at once", "reply"),
    ],
}


def text_width(text: str, size: float) -> float:
    """About the width of DejaVu Sans (the widest of the fonts named)."""
    return len(text) * size * 0.58


def draw(diagram: dict) -> str:
    lanes, steps = diagram["lanes"], diagram["steps"]
    column = (WIDTH - 2 * MARGIN) / len(lanes)
    xs = [MARGIN + column * (i + 0.5) for i in range(len(lanes))]
    top = 40
    height = top + HEAD + STEP * len(steps) + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(diagram["title"])}">',
           f'<title>{escape(diagram["title"])}</title>',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
           'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker></defs>',
           f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
           f'<text x="{WIDTH / 2}" y="24" text-anchor="middle" style="{FONT};font-size:15px;font-weight:bold" '
           f'fill="{INK}">{escape(diagram["title"])}</text>']
    bottom = height - 16
    for x, name in zip(xs, lanes):
        box = min(column - 6, text_width(name, 12.5) + 28)
        out.append(f'<line x1="{x:.1f}" y1="{top + HEAD - 8}" x2="{x:.1f}" y2="{bottom}" stroke="{MUTED}" '
                   'stroke-dasharray="4 4"/>')
        out.append(f'<rect x="{x - box / 2:.1f}" y="{top}" width="{box:.1f}" height="{HEAD - 12}" rx="6" '
                   f'fill="#eef3fb" stroke="{INK}"/>')
        out.append(f'<text x="{x:.1f}" y="{top + HEAD / 2 - 1}" text-anchor="middle" style="{FONT};font-size:12.5px" '
                   f'fill="{INK}">{escape(name)}</text>')
    for n, (a, b, label, kind) in enumerate(steps, 1):
        y = top + HEAD + STEP * (n - 1) + 26
        color = SECRET if kind == "secret" else INK
        text = f"{n}. {label}"
        if a == b:  # a note beside the lifeline: the step happens there
            w = text_width(text, 12) + 14
            x = min(max(xs[a] - w / 2, 2), WIDTH - w - 2)
            out.append(f'<rect x="{x:.1f}" y="{y - 18}" width="{w:.1f}" height="22" rx="4" fill="#fff8e1" '
                       f'stroke="{MUTED}"/>')
            out.append(f'<text x="{x + 7:.1f}" y="{y - 3}" style="{FONT};font-size:12px" fill="{INK}">'
                       f'{escape(text)}</text>')
            continue
        dash = ' stroke-dasharray="6 4"' if kind == "reply" else ""
        out.append(f'<line x1="{xs[a]:.1f}" y1="{y}" x2="{xs[b]:.1f}" y2="{y}" stroke="{color}" stroke-width="1.6"'
                   f'{dash} marker-end="url(#arrow)"/>')
        middle = (xs[a] + xs[b]) / 2
        w = text_width(text, 12)
        middle = min(max(middle, w / 2 + 2), WIDTH - w / 2 - 2)
        # A white ground under the label, so that no lifeline strikes through it.
        out.append(f'<rect x="{middle - w / 2 - 3:.1f}" y="{y - 19}" width="{w + 6:.1f}" height="15" fill="#ffffff" '
                   'fill-opacity="0.9"/>')
        out.append(f'<text x="{middle:.1f}" y="{y - 7}" text-anchor="middle" style="{FONT};font-size:12px" '
                   f'fill="{color}">{escape(text)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


DIAGRAMS = {"signin.svg": SIGNIN, "device.svg": DEVICE, "dpop.svg": DPOP}


def main() -> int:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for name, diagram in DIAGRAMS.items():
        (out / name).write_text(draw(diagram))
    return 0


if __name__ == "__main__":
    sys.exit(main())
