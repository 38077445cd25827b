"""The `gridpatrol` command: serve, worker-free single-machine default, and county setup.

Commands import what they use: `serve` leaves a supervising parent that should stay small."""

import json
import sys
import textwrap
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="gridpatrol 网格巡查 — field inspection for civilized-city campaigns", no_args_is_help=True)
user_app = typer.Typer(help="Accounts 账号", no_args_is_help=True)
grid_app = typer.Typer(help="Grid cells 网格", no_args_is_help=True)
config_app = typer.Typer(help="County configuration 县级配置 (categories, bureaus, rules, calendar)",
                         no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(grid_app, name="grid")
app.add_typer(config_app, name="config")
photos_app = typer.Typer(help="Photo evidence 照片证据", no_args_is_help=True)
app.add_typer(photos_app, name="photos")
points_app = typer.Typer(help="Key points 点位", no_args_is_help=True)
app.add_typer(points_app, name="points")


def _fail(exc) -> None:
    """Print an ApiError and exit non-zero."""
    typer.secho(f"错误 {exc.code}: {exc.message} / {exc.message_en}", fg="red", err=True)
    if exc.details:
        typer.echo(json.dumps(exc.details, ensure_ascii=False, indent=2, default=str), err=True)
    raise typer.Exit(1)


def _transaction(work):
    """Run `work(session)` in one transaction; print API errors and exit non-zero on failure."""
    from api.config import get_settings
    from api.database import make_engine, transaction
    from api.errors import ApiError

    settings = get_settings()
    engine = make_engine(settings.sqlalchemy_url)
    try:
        with transaction(engine) as session:
            return work(session)
    except ApiError as exc:
        _fail(exc)
    finally:
        engine.dispose()


@app.command()
def migrate() -> None:
    """Apply database migrations 执行数据库迁移."""
    from api import migrate as migrations
    from api.config import get_settings

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrations.upgrade(settings.sqlalchemy_url)
    typer.echo("数据库已是最新 / database is up to date")


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
          worker: Annotated[bool, typer.Option(help="run the background worker in this process too")] = True) -> None:
    """Migrate, then serve the API and the PWA 启动服务 (with the worker, for a single machine)."""
    from api import server

    typer.echo(f"gridpatrol: http://{host}:{port}/  (API docs http://{host}:{port}/docs)")
    server.serve(host, port, workers, background=worker)


@app.command("worker")
def worker_command(once: Annotated[bool, typer.Option(help="one round, then exit")] = False) -> None:
    """Mark overdue tickets, escalate long-overdue ones, deliver webhooks 后台任务."""
    import threading

    import httpx

    from api.config import get_settings
    from api.database import make_engine
    from api.notifications.worker import run_forever, run_once

    settings = get_settings()
    engine = make_engine(settings.sqlalchemy_url)
    if once:
        with httpx.Client() as client:
            typer.echo(json.dumps(run_once(engine, settings, client)))
        return
    typer.echo(f"gridpatrol worker: every {settings.worker_interval_seconds:g} s")
    run_forever(engine, settings, threading.Event())


@app.command()
def demo(history: Annotated[int, typer.Option(help="historical tickets over the past 30 days")] = 300) -> None:
    """Load the demo county 青溪县 into an empty database and print the demo accounts."""
    from api.config import get_settings
    from api.county import demo as demo_county
    from api.county.demo_data import COUNTY_NAME, DEMO_PASSWORD
    from api.county.demo_history import load_history

    migrate()

    def work(session):
        if demo_county.is_loaded(session):
            typer.echo(f"演示县 {COUNTY_NAME} 已加载 / demo county already loaded")
            return demo_county.accounts_summary(session)
        if not demo_county.is_empty(session):
            typer.secho("数据库非空，未加载演示数据 / database is not empty; demo not loaded", fg="yellow")
            raise typer.Exit(1)
        accounts = demo_county.load(session)
        added = load_history(session, get_settings(), count=history)
        typer.echo(f"已加载演示县 {COUNTY_NAME}: 34 个网格, {added} 条历史工单 / "
                   f"demo county loaded: 34 grid cells, {added} historical tickets")
        return accounts

    accounts = _transaction(work)
    by_role: dict[str, list] = {}
    for account in accounts:
        by_role.setdefault(account.role, []).append(account)
    typer.echo(f"\n演示账号 Demo accounts (密码 password: {DEMO_PASSWORD})")
    for role, items in by_role.items():  # every account: a liaison must find their own
        shown = ", ".join(f"{a.username}({a.where or a.display_name})" for a in items)
        typer.echo(textwrap.fill(shown, width=110, initial_indent=f"  {role:<11} ", subsequent_indent=" " * 14,
                                 break_on_hyphens=False))


@user_app.command("add")
def user_add(username: str, role: Annotated[str, typer.Option()], password: Annotated[str, typer.Option()],
             bureau: str | None = None, cells: str | None = None, name: str | None = None) -> None:
    """Create an account 新建账号: --role inspector|bureau|dispatcher|supervisor|ledger|leader|admin."""
    from pydantic import ValidationError

    from api.accounts import service
    from api.accounts.models import UserCreate

    try:
        data = UserCreate.model_validate({
            "username": username, "role": role, "password": password, "bureau_code": bureau, "display_name": name,
            "cell_codes": [c.strip() for c in (cells or "").split(",") if c.strip()]})
    except ValidationError as exc:
        typer.secho(f"参数错误 invalid: {exc.errors()[0]['loc']} {exc.errors()[0]['msg']}", fg="red", err=True)
        raise typer.Exit(1) from exc
    user = _transaction(lambda s: service.create_user(s, data, by="cli"))
    typer.echo(f"已创建 created {user.username} ({user.role})")


@points_app.command("import")
def points_import(file: Path, crs: Annotated[str, typer.Option(help="wgs84 | gcj02")] = "wgs84") -> None:
    """Import key points from CSV, XLSX or GeoJSON 导入点位 (by the file's extension); all or nothing."""
    from api.grid.index import GridIndexCache
    from api.keypoints import service

    fmt = {".csv": "csv", ".xlsx": "xlsx", ".geojson": "geojson", ".json": "geojson"}.get(file.suffix.lower(), "")
    content = file.read_bytes()
    result = _transaction(lambda s: service.import_points(s, GridIndexCache(), content, fmt=fmt, crs=crs))
    typer.echo(f"新增 {result['created']} 个、更新 {result['updated']} 个点位 / "
               f"created {result['created']}, updated {result['updated']} key points")


@grid_app.command("import")
def grid_import(file: Path, crs: Annotated[str, typer.Option(help="wgs84 | gcj02")] = "wgs84") -> None:
    """Import grid cells from GeoJSON 导入网格; all or nothing."""
    from api.config import get_settings
    from api.grid import service

    document = json.loads(file.read_text(encoding="utf-8"))
    settings = get_settings()
    revision = _transaction(lambda s: service.import_cells(
        s, document, crs=crs, imported_by="cli", overlap_tolerance_m2=settings.grid_overlap_tolerance_m2))
    typer.echo(f"已导入 {revision.feature_count} 个网格 / imported {revision.feature_count} cells "
               f"(revision {revision.id})")


def _read_document(file: Path):
    import yaml

    text = file.read_text(encoding="utf-8")
    return json.loads(text) if file.suffix.lower() == ".json" else yaml.safe_load(text)


@config_app.command("export")
def config_export(file: Path) -> None:
    """Write categories, bureaus, rules and calendar overrides to FILE (.yaml or .json)."""
    import yaml

    from api.county import config_doc

    document = _transaction(config_doc.export_config)
    if file.suffix.lower() == ".json":
        text = json.dumps(document, ensure_ascii=False, indent=2)
    else:
        text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    tmp = file.with_name(file.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(file)
    typer.echo(f"已导出 exported to {file}")


@config_app.command("import")
def config_import(file: Path) -> None:
    """Load a county configuration document (.yaml or .json) in one transaction."""
    from api.county import config_doc

    document = _read_document(file)
    counts = _transaction(lambda s: config_doc.import_config(s, document, by="cli"))
    typer.echo("已导入 imported: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@photos_app.command("sweep")
def photos_sweep(grace_minutes: Annotated[float, typer.Option(help="spare files younger than this")] = 60) -> None:
    """Remove what a crash left behind: temp files and stored originals no photo references."""
    from datetime import timedelta

    from api.config import get_settings
    from api.database import make_engine
    from api.photos.service import sweep
    from api.photos.storage import LocalStorage

    settings = get_settings()
    engine = make_engine(settings.sqlalchemy_url)
    try:
        removed = sweep(engine, LocalStorage(settings.data_dir / "photos"), grace=timedelta(minutes=grace_minutes))
    finally:
        engine.dispose()
    typer.echo(f"已清理 removed: {removed['temp_files']} temp files, {removed['orphan_originals']} orphan originals")


if __name__ == "__main__":
    sys.exit(app())
