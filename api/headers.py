"""Security headers on every response: a Content-Security-Policy, X-Content-Type-Options, Referrer-Policy and
Permissions-Policy. The app sets them on all it serves and nginx passes them through; nginx adds the same to
the fingerprinted /assets/ it serves itself (deploy/nginx.conf, docs/security-headers.md).

The policy allows no inline script anywhere. The PWA's page may load from elsewhere only the map tiles, from
the tile server the settings name; its one inline style is the printable documents' own <style> (a bulletin
opened from a blob: URL inherits the PWA's policy), let in by its hash. The API docs page brings its own
policy: Swagger UI's assets are served from here, and its one inline script is let in by its hash."""

import base64
import hashlib
import re
from datetime import UTC
from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.config import Settings
from api.documents import pdf

# The directives every policy starts from. On their own they are the policy of what nginx serves itself
# (/assets/), which only the photo worker is governed by.
_CORE = {"default-src": ["'self'"], "script-src": ["'self'"], "object-src": ["'none'"], "base-uri": ["'self'"],
         "form-action": ["'self'"], "frame-ancestors": ["'none'"]}

# Tiles go to another host with the origin alone as the referrer, which tile services that check the
# referrer against a key's allowed domains need; the path (and so a ticket's id) never leaves.
REFERRER_POLICY = "strict-origin-when-cross-origin"
# The camera (photo capture) and the position (every ticket's fix) for this origin only; the rest for none.
PERMISSIONS_POLICY = ", ".join(
    ["camera=(self)", "geolocation=(self)"]
    + [f"{feature}=()" for feature in ("accelerometer", "autoplay", "display-capture",
                                       "encrypted-media", "gyroscope", "hid", "idle-detection", "magnetometer",
                                       "microphone", "midi", "payment", "publickey-credentials-get",
                                       "screen-wake-lock", "serial", "usb", "xr-spatial-tracking")])
FIXED = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": REFERRER_POLICY,
         "Permissions-Policy": PERMISSIONS_POLICY}


def policy(**more: list[str]) -> str:
    """The core directives with more sources (or directives) added, as a header value."""
    directives = {name: list(sources) for name, sources in _CORE.items()}
    for name, sources in more.items():
        directives.setdefault(name.replace("_", "-"), []).extend(sources)
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


ASSETS_POLICY = policy()


def tile_source(url_template: str) -> str | None:
    """The CSP source that lets in the tiles of a Leaflet URL template, or None for tiles from here. A
    templated host label ({s}) and those left of it become the wildcard: `https://webrd0{s}.is.autonavi.com/…`
    is `https://*.is.autonavi.com`."""
    parts = urlsplit(url_template.strip())
    if not parts.hostname:
        return None  # a path: served by this origin
    labels = parts.hostname.split(".")
    templated = [i for i, label in enumerate(labels) if "{" in label]
    if templated:
        labels = ["*", *labels[templated[-1] + 1:]]
    port = f":{parts.port}" if parts.port else ""
    source = f"{parts.scheme + '://' if parts.scheme else ''}{'.'.join(labels)}{port}"
    if not re.fullmatch(r"([a-z][a-z0-9+.-]*://)?[a-zA-Z0-9*.-]+(:\d+)?", source):
        raise ValueError(f"GRIDPATROL_MAP_TILE_URL names no host a policy can hold: {url_template!r}")
    return source


def hash_source(text: str) -> str:
    """The CSP source that lets in an inline script or style with exactly this text."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def inline_hashes(html: str, tag: str) -> list[str]:
    """The hash sources of the inline <script>s or <style>s of a page (not those with a src)."""
    return [hash_source(body) for body in re.findall(rf"<{tag}>(.*?)</{tag}>", html, re.S)]


def _document_styles() -> list[str]:
    """The hashes of the printable documents' <style> (api/documents/templates/document.html), which every
    document inherits unchanged."""
    return inline_hashes(pdf.render_html("api.documents", "document.html", tz=UTC), "style")


def pwa_policy(settings: Settings) -> str:
    tiles = [source] if (source := tile_source(settings.map_tile_url)) else []
    # blob: photo previews and the documents opened from the browser's memory; data: Leaflet's icons and the
    # documents' photos. connect-src: the service worker fetches the tiles it caches.
    return policy(style_src=["'self'", *_document_styles()], img_src=["'self'", "data:", "blob:", *tiles],
                  connect_src=["'self'", *tiles], worker_src=["'self'"])


def docs_policy(html: str) -> str:
    """The API docs page's policy: Swagger UI from here, its inline set-up script by hash, its icons data:."""
    return policy(script_src=inline_hashes(html, "script"), img_src=["'self'", "data:"])


class SecurityHeaders:
    """Adds the headers to every HTTP response. A response that sets its own Content-Security-Policy (the docs
    page) keeps it. Plain ASGI: one wrapper around `send`, nothing buffered, for the capture path's sake."""

    def __init__(self, app: ASGIApp, csp: str) -> None:
        self.app = app
        self.headers = [(name.lower().encode(), value.encode())
                        for name, value in {"Content-Security-Policy": csp, **FIXED}.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                own = {name.lower() for name, _ in headers}
                message["headers"] = headers + [header for header in self.headers if header[0] not in own]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install(app: FastAPI, settings: Settings) -> None:
    """Outermost, around even the handler that answers an unexpected exception with a 500, so that every
    response has the headers (app.add_middleware would put it inside that one)."""
    build = app.build_middleware_stack
    csp = pwa_policy(settings)
    # Replaced on this one app, on purpose.
    app.build_middleware_stack = lambda: SecurityHeaders(build(), csp)  # type: ignore[method-assign]
