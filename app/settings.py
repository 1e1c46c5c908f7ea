"""PrepLab's settings, read once from PREPLAB_* environment variables (and a .env file)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PREPLAB_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///preplab.db",
        description="SQLAlchemy URL; a SQLite file in the working directory by default.",
    )
    content_dir: Path = Field(default=PROJECT_ROOT / "content", description="Where banks and concepts live.")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    default_user: str = Field(default="local", description="Name of the single local user.")
    echo_sql: bool = False
    lab_timeout_s: float = Field(default=1800, gt=0, description="Stop an app-started lab run after this.")
    lab_memory_limit_gib: float | None = Field(
        default=None, gt=0, description="Refuse an app-started lab run whose estimated peak memory is over this many "
                                        "GiB; default: the device's own memory (host RAM or the GPU's).",
    )
    timezone: str | None = Field(
        default=None, description="IANA zone where the learner's day starts (e.g. Asia/Shanghai); default: local."
    )

    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default=["127.0.0.1", "localhost", "::1"],
        description="Host names PrepLab answers to (comma-separated; '.example.org' also allows its subdomains, "
                    "'*' any host); any other Host header gets 400, which stops DNS rebinding.",
    )
    secret_key: str | None = Field(
        default=None, description="Signs the CSRF cookie; default: a random key kept in preplab.secret beside the "
                                  "SQLite database (set it when several machines serve one database).",
    )
    max_body_bytes: int = Field(default=256 * 1024, ge=1024, description="Largest request body (forms, JSON).")
    max_upload_bytes: int = Field(default=4 * 1024 * 1024, ge=1024, description="Largest lab-result upload.")
    sqlite_synchronous: Literal["FULL", "NORMAL"] = Field(
        default="FULL", description="SQLite's synchronous mode: FULL makes each commit survive a power cut (WAL "
                                    "synced at every commit); NORMAL survives a crash of PrepLab but not of the OS.",
    )
    worker_threads: int = Field(
        default=4, ge=1, le=256, description="Threads that run routes (and their database work); the connection "
                                             "pool is sized from it (threads + 4, and as many again in overflow), so "
                                             "a thread never waits for a connection. Pages are CPU work under one "
                                             "GIL: a few threads serve more than many.",
    )
    page_cache_mb: float = Field(
        default=64, ge=0, le=65536,
        description="Memory (MiB, per server process) for whole pages served again while current "
                    "(app/page_cache.py); 0 turns the cache off.",
    )
    accounts: bool = Field(
        default=False, description="Team mode: sign-in, one account per learner, an admin role (app/accounts); off: "
                                   "one local user and no sign-in, as on a laptop.",
    )
    allow_open: bool = Field(
        default=False, description="Let `preplab serve` listen on a non-loopback address with accounts off (anyone "
                                   "who can reach it would use the one local user's data).",
    )
    session_days: float = Field(default=30, gt=0, le=366, description="How long a sign-in lasts (team mode).")
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default=[], description="Addresses of reverse proxies whose X-Forwarded-Proto and X-Forwarded-For PrepLab "
                                "believes (comma-separated; '*' any): the session cookie is Secure when the proxy "
                                "was reached over https, and sign-in back-off counts the real client's address.",
    )
    workers: int = Field(
        default=1, ge=1, le=64, description="Server processes `preplab serve` starts (--workers): the schema is "
                                            "migrated once before they start, and the lab queue and caches are kept "
                                            "in step through the database (app/shared_state.py).",
    )
    backup_dir: Path | None = Field(default=None, description="Where backups go; default: backups/ beside the DB.")
    backup_keep: int = Field(default=10, ge=1, description="How many automatic backups to keep (the newest).")
    backup_interval_h: float = Field(default=24, ge=0, description="Hours between automatic backups; 0: none.")

    @field_validator("allowed_hosts", "trusted_proxies", mode="before")
    @classmethod
    def _host_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [name.strip() for name in value.split(",") if name.strip()]
        return value

    @field_validator("allowed_hosts")
    @classmethod
    def _some_host(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("PREPLAB_ALLOWED_HOSTS must name at least one host (or '*')")
        return [name.lower() for name in value]

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("PREPLAB_DATABASE_URL must be a sqlite:// or postgresql:// URL")
        return value


def get_settings() -> Settings:
    return Settings()
