"""Security headers (api/headers.py) on every kind of response the app gives, the policies they carry, and
deploy/nginx.conf adding the same to the files nginx serves itself."""

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import headers
from api.accounts.models import Role
from api.main import create_app
from tests.bulletins.helpers import make_bulletin
from tests.factories import login, make_user

NGINX = (Path(__file__).resolve().parent.parent / "deploy" / "nginx.conf").read_text()
FIXED = {name.lower(): value for name, value in headers.FIXED.items()}


def directives(policy: str) -> dict[str, list[str]]:
    return {name: sources for name, *sources in (part.split() for part in policy.split(";"))}


def assert_secured(response, policy: str | None = None) -> None:
    for name, value in FIXED.items():
        assert response.headers.get(name) == value, (response.request.url, name)
    csp = response.headers.get("content-security-policy")
    assert csp is not None, response.request.url
    assert len(response.headers.get_list("content-security-policy")) == 1
    if policy is not None:
        assert csp == policy


def assert_strict(policy: str) -> None:
    parts = directives(policy)
    assert parts["frame-ancestors"] == ["'none'"] and parts["object-src"] == ["'none'"]
    assert parts["base-uri"] == ["'self'"] and parts["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy and "*" not in policy
    assert parts["script-src"][0] == "'self'" and all(s.startswith("'sha256-") for s in parts["script-src"][1:])


@pytest.fixture
def pwa_dir(tmp_path):
    """A built PWA in miniature."""
    root = tmp_path / "pwa"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text('<!doctype html><script type="module" src="/assets/index-abc.js"></script>')
    (root / "assets" / "index-abc.js").write_text("console.log('app');\n" * 40)
    (root / "sw.js").write_text("self.addEventListener('fetch', () => {});\n")
    return root


@pytest.fixture
def pwa_client(settings, engine, pwa_dir):
    app = create_app(settings.model_copy(update={"pwa_dir": pwa_dir}), engine)
    with TestClient(app) as client:
        yield client
    app.state.analysis_pool.shutdown(wait=True)


def test_every_kind_of_response_has_the_headers(pwa_client, county):
    policy = headers.pwa_policy(pwa_client.app.state.settings)
    user = login(pwa_client, "insp05", "demo1234")
    responses = [
        pwa_client.get("/"),  # the PWA's page
        pwa_client.get("/assets/index-abc.js", headers={"Accept-Encoding": "gzip"}),  # a static asset, gzipped
        pwa_client.get("/sw.js"),
        pwa_client.get("/api/v1/me", headers=user),  # API JSON
        pwa_client.get("/healthz"),
        pwa_client.get("/openapi.json"),
        pwa_client.get("/docs/static/swagger-ui-bundle.js"),
        pwa_client.get("/api/v1/tickets"),  # errors: 401, 404, 422, 405
        pwa_client.get("/api/v1/no-such-thing"),
        pwa_client.get("/api/v1/tickets/not-a-uuid", headers=user),
        pwa_client.delete("/healthz"),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 200, 200, 200, 401, 404, 422, 405]
    assert responses[1].headers["content-encoding"] == "gzip"
    for response in responses:
        assert_secured(response, policy)


def test_an_unexpected_error_has_them_too(app):
    @app.get("/boom")
    def boom():
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500 and response.json()["error"]["code"] == "internal_error"
    assert_secured(response, headers.pwa_policy(app.state.settings))


def test_downloads_and_the_printable_page_have_them(client, db, settings):
    author = make_user(db, "dispatcher", Role.dispatcher)
    db.commit()
    row = make_bulletin(db, settings, author)
    user = login(client, "dispatcher")
    pdf = client.get(f"/api/v1/bulletins/{row.id}.pdf", headers=user)
    page = client.get(f"/api/v1/bulletins/{row.id}.html", headers=user)
    assert (pdf.status_code, pdf.headers["content-type"]) == (200, "application/pdf")
    assert page.status_code == 200
    for response in (pdf, page):
        assert_secured(response, headers.pwa_policy(settings))
    # The page (also opened from a blob: URL, under the PWA's policy) has no script, and its style is let in.
    assert "<script" not in page.text
    styles = headers.inline_hashes(page.text, "style")
    assert styles and set(styles) <= set(directives(page.headers["content-security-policy"])["style-src"])


def test_the_pwa_policy_is_strict_and_names_the_tile_server(settings):
    policy = headers.pwa_policy(settings)
    assert_strict(policy)
    parts = directives(policy)
    assert parts["img-src"] == ["'self'", "data:", "blob:"] and parts["connect-src"] == ["'self'"]
    assert parts["worker-src"] == ["'self'"]
    assert all(s == "'self'" or s.startswith("'sha256-") for s in parts["style-src"])

    tiled = directives(headers.pwa_policy(settings.model_copy(update={
        "map_tile_url": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&x={x}&y={y}&z={z}"})))
    assert tiled["img-src"][-1] == tiled["connect-src"][-1] == "https://*.is.autonavi.com"


@pytest.mark.parametrize(("template", "source"), [
    ("", None),
    ("/tiles/{z}/{x}/{y}.png", None),
    ("https://tile.example.org/{z}/{x}/{y}.png", "https://tile.example.org"),
    ("http://127.0.0.1:8123/{z}/{x}/{y}.png", "http://127.0.0.1:8123"),
    ("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", "https://*.tile.openstreetmap.org"),
    ("https://t{s}.tianditu.gov.cn/vec_w/wmts?tk=KEY", "https://*.tianditu.gov.cn"),
    ("//rt{s}.map.gtimg.com/tile?z={z}", "*.map.gtimg.com"),
])
def test_the_tile_source(template, source):
    assert headers.tile_source(template) == source


@pytest.mark.parametrize("template", ["https://a.example;script-src *.evil/{z}", "https://瓦片.example/{z}"])
def test_a_tile_url_that_a_policy_cannot_hold_is_refused(template):
    with pytest.raises(ValueError, match="GRIDPATROL_MAP_TILE_URL"):
        headers.tile_source(template)


def test_the_docs_page_has_its_own_policy_for_its_one_inline_script(client):
    page = client.get("/docs")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert_secured(page, policy)
    assert_strict(policy)
    assert policy != headers.pwa_policy(client.app.state.settings)
    scripts = headers.inline_hashes(page.text, "script")
    assert len(scripts) == 1 and directives(policy)["script-src"] == ["'self'", *scripts]
    # Swagger UI's files come from here, not from a CDN; no ReDoc.
    assert "//" not in "".join(re.findall(r'(?:src|href)="([^"]*)"', page.text))
    for asset in re.findall(r'(?:src|href)="(/docs/static/[^"]+)"', page.text):
        assert client.get(asset).status_code == 200
    assert client.get("/redoc").status_code == 404


def _nginx_location(prefix: str) -> str:
    (body,) = re.findall(r"location\s+" + re.escape(prefix) + r"\s*\{(.*?)\n    \}", NGINX, re.S)
    return body


def test_nginx_adds_the_apps_headers_to_the_assets_it_serves():
    added = {name.lower(): (value, always) for name, value, always in
             re.findall(r'add_header\s+(\S+)\s+"([^"]*)"\s*(always)?;', _nginx_location("/assets/"))}
    assert added.pop("cache-control") == ("public, max-age=31536000, immutable", "")  # not on a 404
    # On every answer, 404s included ("always"), as the API does.
    assert added == {name: (value, "always") for name, value in
                     {**FIXED, "content-security-policy": headers.ASSETS_POLICY}.items()}
    assert_strict(headers.ASSETS_POLICY)


def test_nginx_passes_the_apis_headers_through_for_everything_else():
    locations = re.findall(r"location\s+(\S+)\s*\{", NGINX)
    assert locations == ["/assets/", "/"]
    proxied = _nginx_location("/")
    assert "proxy_pass http://gridpatrol_api;" in proxied
    assert "add_header" not in proxied and "proxy_hide_header" not in proxied
    assert "add_header" not in NGINX.split("location")[0]  # none for the server, which locations would inherit
