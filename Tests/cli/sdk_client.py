"""The MCP Python SDK's own client (mcp.client.auth.OAuthClientProvider)
signing in to an MCP server and calling a tool, as a host using the SDK
does: the reference the side-by-side test and `make bench` compare libpkce
with. The browser step is scripted: the authorization URL is fetched and
its redirect read, as the scripted browser does for libpkce.

Usage: sdk_client.py MCP_URL CA_FILE [--until-browser]
Prints {"seconds": time to the authorization URL (--until-browser) or to
the tool's answer, "result": ...}."""

from __future__ import annotations

import asyncio
import json
import ssl
import sys
import time
from typing import Any, Dict, Optional
from urllib.parse import parse_qs, urlsplit

import httpx2
from mcp.client.auth import OAuthClientProvider
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken


class Memory:
    """TokenStorage in memory: a first sign-in."""

    def __init__(self) -> None:
        self.tokens: Optional[OAuthToken] = None
        self.client: Optional[OAuthClientInformationFull] = None

    async def get_tokens(self) -> Optional[OAuthToken]:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> Optional[OAuthClientInformationFull]:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


class ReachedBrowser(Exception):
    pass


async def run(url: str, ca: str, until_browser: bool) -> Dict[str, Any]:
    context = ssl.create_default_context(cafile=ca)
    pending: Dict[str, str] = {}
    started = time.perf_counter()

    async def redirect_handler(authorization_url: str) -> None:
        if until_browser:
            raise ReachedBrowser()
        pending["url"] = authorization_url

    async def callback_handler() -> AuthorizationCodeResult:
        async with httpx2.AsyncClient(verify=context) as browser:
            answer = await browser.get(pending["url"], follow_redirects=False)
        query = parse_qs(urlsplit(answer.headers["location"]).query)
        return AuthorizationCodeResult(code=query["code"][0], state=query.get("state", [None])[0])

    provider = OAuthClientProvider(
        url, OAuthClientMetadata(client_name="sdk", redirect_uris=["http://127.0.0.1:45455/callback"],
                                 grant_types=["authorization_code", "refresh_token"], response_types=["code"],
                                 token_endpoint_auth_method="none"),
        Memory(), redirect_handler, callback_handler)
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "echo", "arguments": {"text": "sdk"}}}
    async with httpx2.AsyncClient(verify=context, auth=provider) as client:
        try:
            answer = await client.post(url, json=body, headers={"Accept": "application/json, text/event-stream"})
        except ReachedBrowser:
            return {"seconds": time.perf_counter() - started}
    return {"seconds": time.perf_counter() - started, "result": answer.json()}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run(sys.argv[1], sys.argv[2], "--until-browser" in sys.argv[3:]))))
