"""The FastAPI application: routers, error shape, health, and the built PWA at /."""

import contextlib
import gc
from concurrent.futures import ThreadPoolExecutor
from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.engine import Engine
from starlette.middleware.gzip import GZipMiddleware

import api.models  # noqa: F401  (registers every table)
from api import headers
from api.accounts.router import router as accounts_router
from api.audit.router import router as audit_router
from api.bulletins.router import router as bulletins_router
from api.bulletins.runner import Generator as BulletinGenerator
from api.exports.router import router as exports_router
from api.exports.runner import Exporter
from api.bureaus.router import router as bureaus_router
from api.catalog.router import router as catalog_router
from api.citizens.router import router as citizens_router
from api.config import Settings, get_settings
from api.county.router import router as county_router
from api.database import SessionDep, make_engine
from api.errors import install_error_handlers
from api.grid.index import GridIndexCache
from api.grid.router import public_router as public_map_router
from api.grid.router import router as grid_router
from api.indicators.router import router as indicators_router
from api.keypoints.router import router as keypoints_router
from api.notifications import service as notifications_service
from api.notifications.router import router as notifications_router
from api.open311.router import admin_router as open311_admin_router
from api.open311.router import router as open311_router
from api.patrols.router import router as patrols_router
from api.photos import router as photos_routes
from api.photos.router import router as photos_router
from api.photos.service import CaptureActivity
from api.photos.storage import LocalStorage
from api.routing.router import router as routing_router
from api.spotchecks import service as spotchecks_service
from api.spotchecks.router import router as spotchecks_router
from api.tickets.maps import router as maps_router
from api.tickets.queues import router as queues_router
from api.tickets.router import router as tickets_router
from api.workcalendar.router import router as calendar_router

_NO_PWA = """<!doctype html><meta charset="utf-8"><title>gridpatrol</title>
<p>网格巡查服务已运行，但前端尚未构建。请运行 <code>./run.sh</code>。<br>
The API is running but the PWA is not built; run <code>./run.sh</code>. API docs: <a href="/docs">/docs</a></p>"""


class Health(BaseModel):
    status: str  # "ok": the database answered


class PwaFiles(StaticFiles):
    """The built PWA. Vite fingerprints everything under assets/, so those are cached for a year;
    the shell (index.html, sw.js, the manifest) is revalidated on every load so updates arrive."""

    def file_response(self, full_path, stat_result, scope, status_code=200):
        response = super().file_response(full_path, stat_result, scope, status_code)
        immutable = scope["path"].startswith("/assets/")
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable" if immutable else "no-cache"
        return response


def _api_docs(app: FastAPI) -> None:
    """Swagger UI at /docs with its files served from here (fastapi-offline ships them), not from a CDN, under
    a policy of its own that lets in its one inline script by hash (api/headers.py). No ReDoc: it would need
    inline styles and blob: workers, and /docs shows the same document."""
    assets = "/docs/static"
    assert app.openapi_url is not None  # create_app keeps FastAPI's /openapi.json
    page = get_swagger_ui_html(openapi_url=app.openapi_url, title=f"{app.title} - Swagger UI",
                               swagger_js_url=f"{assets}/swagger-ui-bundle.js",
                               swagger_css_url=f"{assets}/swagger-ui.css", swagger_favicon_url=f"{assets}/favicon.png",
                               oauth2_redirect_url=None, swagger_ui_parameters=app.swagger_ui_parameters).body
    csp = headers.docs_policy(bytes(page).decode())

    @app.get("/docs", include_in_schema=False)
    def docs():
        return HTMLResponse(page, headers={"Content-Security-Policy": csp})

    app.mount(assets, GZipMiddleware(StaticFiles(directory=str(files("fastapi_offline") / "static")),
                                     minimum_size=512), name="docs-static")


def freeze_startup_heap() -> None:
    """Keep what start-up built (modules, the app, the ORM's mappings) out of the collector's full passes, which
    would otherwise walk all of it every time: a pause of ~100 ms in whichever request set one off. For a server
    process, once (api/server.py): frozen objects are never collected, so an app built per test must not be."""
    gc.collect()
    gc.freeze()


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI):
    yield
    # Queued analyses are not waited for on the way out (the worker's sweep does them later): under a
    # backlog a restart would otherwise wait for all of them.
    app.state.analysis_pool.shutdown(wait=False, cancel_futures=True)
    app.state.bulletins.shutdown()
    app.state.exports.shutdown()


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="gridpatrol", version="0.1.0", lifespan=_lifespan, docs_url=None, redoc_url=None,
                  description="创建文明城市网格巡查 · Field inspection for civilized-city campaigns")
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.sqlalchemy_url)
    app.state.grid_index = GridIndexCache()
    app.state.storage = LocalStorage(settings.data_dir / "photos")
    # Photos are analysed (copies, perceptual hash, likeness flags) after the upload is acknowledged.
    app.state.analysis_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="analysis")
    app.state.captures = CaptureActivity()  # which the analyses give way to
    app.state.bulletins = BulletinGenerator(app.state.engine, settings)  # 通报, generated in the background
    app.state.exports = Exporter(app.state.engine, settings)  # 台账, likewise
    install_error_handlers(app)
    headers.install(app, settings)  # on every response, 500s included
    # The capture path's routers first: a request is matched against the routes in this order, and
    # captures are most of the traffic (no path of one router is a path of another).
    for router in (photos_router, tickets_router, accounts_router, bureaus_router, catalog_router, grid_router,
                   routing_router, calendar_router, county_router, queues_router, spotchecks_router,
                   notifications_router, indicators_router, keypoints_router, patrols_router, maps_router,
                   bulletins_router, exports_router, audit_router, citizens_router, public_map_router,
                   open311_admin_router, open311_router):
        app.include_router(router)
    # The domains above tickets hear of its events (api/tickets/events.py).
    notifications_service.subscribe()
    photos_routes.subscribe()
    spotchecks_service.subscribe()

    @app.get("/healthz", tags=["health"], response_model=Health)
    def healthz(session: SessionDep):
        session.connection().execute(text("SELECT 1"))
        return Health(status="ok")

    _api_docs(app)
    if (settings.pwa_dir / "index.html").exists():
        app.mount("/", GZipMiddleware(PwaFiles(directory=settings.pwa_dir, html=True), minimum_size=512), name="pwa")
    else:
        @app.get("/", include_in_schema=False)
        def no_pwa():
            return HTMLResponse(_NO_PWA)

    return app
