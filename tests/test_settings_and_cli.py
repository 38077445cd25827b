"""Settings guard production; the CLI creates accounts and refuses bad ones."""

import pytest
from pydantic import ValidationError
from sqlmodel import select
from typer.testing import CliRunner

from api.accounts.models import User
from api.cli import app as cli
from api.config import Settings
from api.grid.models import CellInspector
from tests.factories import make_bureau, make_cell


def test_production_requires_a_real_secret_and_database(tmp_path):
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(env="production", data_dir=tmp_path, database_url="postgresql://db/x")
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(env="production", data_dir=tmp_path, database_url="postgresql://db/x", secret_key="short")
    with pytest.raises(ValidationError, match="DATABASE_URL"):
        Settings(env="production", data_dir=tmp_path, secret_key="k" * 40)
    assert Settings(env="production", data_dir=tmp_path, database_url="postgresql://db/x",
                    secret_key="k" * 40).signing_key == b"k" * 40


def test_development_generates_and_keeps_a_secret(tmp_path):
    first = Settings(data_dir=tmp_path / "var").signing_key
    assert len(first) >= 32
    assert Settings(data_dir=tmp_path / "var").signing_key == first
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o077 == 0
    assert Settings(data_dir=tmp_path / "var").sqlalchemy_url.endswith("/var/gridpatrol.db")


def test_the_access_log_can_be_left_to_a_proxy_that_keeps_one(tmp_path, monkeypatch):
    from api import server

    monkeypatch.setenv("GRIDPATROL_DATA_DIR", str(tmp_path))
    assert server._config("127.0.0.1", 8000).access_log is True
    monkeypatch.setenv("GRIDPATROL_ACCESS_LOG", "false")  # as docker-compose sets it behind nginx
    assert server._config("127.0.0.1", 8000).access_log is False


@pytest.fixture
def cli_env(tmp_path, database_url, monkeypatch):
    monkeypatch.setenv("GRIDPATROL_DATABASE_URL", database_url)
    monkeypatch.setenv("GRIDPATROL_DATA_DIR", str(tmp_path))


def test_user_add(cli_env, db):
    make_bureau(db, "zhzf")
    make_cell(db, "330790001001001")
    db.commit()
    runner = CliRunner()
    result = runner.invoke(cli, ["user", "add", "wang", "--role", "inspector", "--password", "long-enough-1",
                                 "--cells", "330790001001001"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["user", "add", "li", "--role", "bureau", "--bureau", "zhzf",
                                 "--password", "long-enough-1"])
    assert result.exit_code == 0, result.output
    users = {u.username: u for u in db.exec(select(User))}
    assert users["li"].bureau_code == "zhzf"
    assert db.exec(select(CellInspector.cell_code).where(CellInspector.user_id == users["wang"].id)).all() == [
        "330790001001001"]


@pytest.mark.parametrize("args, message", [
    (["--role", "king", "--password", "long-enough-1"], "role"),
    (["--role", "bureau", "--password", "long-enough-1"], "bureau_required"),
    (["--role", "bureau", "--bureau", "nobody", "--password", "long-enough-1"], "unknown_bureau"),
    (["--role", "inspector", "--password", "short"], "password"),
    (["--role", "inspector", "--password", "long-enough-1", "--cells", "330790999999999"], "unknown_cell"),
])
def test_user_add_refuses_bad_accounts(cli_env, db, args, message):
    result = CliRunner().invoke(cli, ["user", "add", "zhang", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert db.exec(select(User).where(User.username == "zhang")).first() is None


def test_points_import_from_the_command_line(cli_env, db, tmp_path):
    from api.keypoints.models import KeyPoint
    from tests.factories import make_point_type

    make_cell(db, "330790001001001")
    make_point_type(db)
    db.commit()
    good = tmp_path / "points.csv"
    good.write_text("名称,点位类型,纬度,经度\n命令行点位,主次干道,28.905,120.005\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["points", "import", str(good)])
    assert result.exit_code == 0, result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("名称,点位类型,纬度,经度\n坏点位,主次干道,1,1\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["points", "import", str(bad)])
    assert result.exit_code == 1 and "key_points_invalid" in result.output
    db.rollback()
    assert db.exec(select(KeyPoint.name)).all() == ["命令行点位"]
