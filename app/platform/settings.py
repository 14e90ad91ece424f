"""Typed settings read from ``LOFIN_*`` environment variables, with defaults that make ``make run`` work."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEVELOPMENT_SECRET = "lofin-development-secret-do-not-use-in-production"  # noqa: S105 - refused in production


class Settings(BaseSettings):
    """Every knob of the application; read once per process."""

    model_config = SettingsConfigDict(env_prefix="LOFIN_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'lofin.db'}"
    database_readonly_url: str | None = Field(
        default=None, description="Optional replica URL for reads that may be slightly stale."
    )
    database_pool_size: int = Field(default=10, ge=1, le=200)
    database_max_overflow: int = Field(default=10, ge=0, le=200)
    database_echo: bool = False
    # A ping before every checkout costs a round trip per request; after a failover the first use of a
    # dead pooled connection fails instead, SQLAlchemy discards the whole pool, and the failover
    # middleware re-runs the request, so the ping buys nothing the retry does not already give.
    database_pool_pre_ping: bool = False
    write_retry_seconds: float = Field(
        default=30.0, ge=0, le=300, description="How long a write waits for a primary during a failover."
    )

    secret_key: str = DEVELOPMENT_SECRET
    session_ttl_hours: int = Field(default=12, ge=1, le=24 * 30)
    api_token_ttl_days: int = Field(default=30, ge=1, le=365)
    cookie_secure: bool | None = Field(
        default=None, description="Send cookies only over HTTPS; defaults to on in production."
    )

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=max(2, os.cpu_count() or 2), ge=1, le=64)
    graceful_shutdown_seconds: int = Field(default=20, ge=1, le=300)
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)

    log_level: str = "INFO"
    log_json: bool = True
    metrics_dir: Path = PROJECT_ROOT / "var" / "prometheus"
    default_locale: Literal["ko", "en"] = "ko"

    # Control center (app/ops): where it reads the state of both regions, and where reports are kept.
    ops_patroni_urls: Annotated[dict[str, list[str]], NoDecode] = Field(
        default_factory=dict,
        description="Patroni REST APIs per region: daejeon=http://a:8008,http://b:8008;gwangju=http://c:8008",
    )
    ops_alertmanager_url: str | None = None
    ops_prometheus_url: str | None = None
    ops_webhook_token: str | None = Field(
        default=None, description="Bearer token Alertmanager presents on POST /api/ops/alerts."
    )
    ops_source_timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    drill_reports_dir: Path = PROJECT_ROOT / "var" / "drills"

    @field_validator("ops_patroni_urls", mode="before")
    @classmethod
    def _region_urls(cls, value: object) -> object:
        """``region=url,url;region=url``: no quotes, so a systemd EnvironmentFile keeps it as written."""
        if not isinstance(value, str):
            return value
        regions: dict[str, list[str]] = {}
        for part in filter(None, (p.strip() for p in value.split(";"))):
            region, _, urls = part.partition("=")
            if not region.strip() or not urls.strip():
                raise ValueError(f"expected region=url[,url...], got {part!r}")
            regions[region.strip()] = [url.strip() for url in urls.split(",") if url.strip()]
        return regions

    @model_validator(mode="after")
    def _production_needs_a_real_secret(self) -> Settings:
        if self.environment == "production" and self.secret_key == DEVELOPMENT_SECRET:
            raise ValueError("LOFIN_SECRET_KEY must be set to a private value in production")
        if len(self.secret_key) < 32:
            raise ValueError("LOFIN_SECRET_KEY must be at least 32 characters long")
        return self

    @property
    def secure_cookies(self) -> bool:
        """Whether cookies carry the Secure flag."""
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.environment == "production"

    @property
    def is_sqlite(self) -> bool:
        """Whether the primary database is the embedded SQLite file."""
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings object."""
    return Settings()
