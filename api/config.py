"""Settings, read from GRIDPATROL_* environment variables."""

import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GRIDPATROL_", env_file=".env", extra="ignore")

    env: Literal["development", "production"] = "development"
    data_dir: Path = Path("./var")
    database_url: str | None = None
    secret_key: str | None = None
    timezone: str = "Asia/Shanghai"
    pwa_dir: Path = REPO_ROOT / "pwa" / "dist"
    # The proxies in front, by address: a connection from one of them is from the address its X-Forwarded-For
    # names last that is not one of them (login throttling counts clients by address).
    forwarded_allow_ips: str = "127.0.0.1"
    # uvicorn's line per request (2–4 % of a capture's CPU); off where a proxy in front logs them anyway.
    access_log: bool = True

    # Phones sync days after login, so device tokens live long; both kinds are revocable.
    session_token_hours: int = 12
    device_token_days: int = 90
    # Login throttling (docs/login-throttle.md): failures in a sliding window, per username from one client
    # address, per address, and per username from anywhere: a ceiling one attacker's address cannot reach.
    login_window_minutes: int = 15
    login_max_failures_per_user_and_ip: int = 5
    login_max_failures_per_ip: int = 30
    login_max_failures_per_user: int = 100

    # Working hours for deadlines (working-time clock), in the county's zone.
    working_hours: str = "08:30-12:00,13:30-17:30"

    # Photos: evidence limits and integrity thresholds (docs/domain.md §8).
    photo_max_bytes: int = 20 * 1024 * 1024
    photo_max_pixels: int = 50_000_000
    flag_capture_time_minutes: int = 60
    flag_gps_distance_m: float = 200.0
    flag_phash_distance: int = 6
    # Recurrence (反复): same cell and category, open or closed this recently, this close.
    recurrence_days: int = 7
    recurrence_radius_m: float = 50.0
    # A patrol farther than this from its key point must say why (the GPS fix is recorded either way).
    patrol_radius_m: float = 50.0

    # The worker: how often it runs, when overdue tickets are escalated (督办) on their own, webhook retries.
    worker_interval_seconds: float = 30.0
    auto_escalate_after_hours: float = 4.0  # working hours past the deadline
    webhook_max_attempts: int = 10
    webhook_backoff_seconds: float = 10.0  # doubled per attempt, capped at an hour

    # Ledger exports (台账): a finished one is kept this long, then removed by the worker (a CSV feed stands).
    export_retention_days: float = 7.0

    public_reports_open: bool = True  # citizens' reports (随手拍): off closes the public endpoints (503)

    # Grid import: overlaps smaller than this (square metres) are drawing noise, not errors.
    grid_overlap_tolerance_m2: float = 1.0

    # The PWA's base map. Empty: no tiles, the grid is drawn alone (works with no network at all).
    # Chinese providers (AMap, Tencent) serve GCJ-02 tiles: set the CRS so the phone shifts what it draws.
    map_tile_url: str = ""
    map_tile_crs: Literal["wgs84", "gcj02"] = "gcj02"
    map_tile_attribution: str = ""
    map_tile_max_zoom: int = 18

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _proxies_named(cls, value: str) -> str:
        # With "*" uvicorn takes X-Forwarded-For's first address: whatever the client wrote there.
        if "*" in (host.strip() for host in value.split(",")):
            raise ValueError("GRIDPATROL_FORWARDED_ALLOW_IPS must name the proxies' addresses, not '*'")
        return value

    @model_validator(mode="after")
    def _production_needs_explicit_secrets(self) -> "Settings":
        if self.env == "production":
            if not self.secret_key or len(self.secret_key) < 32:
                raise ValueError("GRIDPATROL_SECRET_KEY (32+ characters) is required in production")
            if not self.database_url:
                raise ValueError("GRIDPATROL_DATABASE_URL is required in production")
        return self

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'gridpatrol.db').resolve()}"

    @cached_property
    def signing_key(self) -> bytes:
        """The secret key; in development it is generated once and kept in the data dir."""
        if self.secret_key:
            return self.secret_key.encode()
        key_file = self.data_dir / "secret_key"
        if not key_file.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            tmp = key_file.with_suffix(".tmp")
            tmp.write_text(secrets.token_urlsafe(48))
            tmp.chmod(0o600)
            tmp.replace(key_file)
        return key_file.read_text().strip().encode()


def get_settings() -> Settings:
    return Settings()
