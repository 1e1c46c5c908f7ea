"""PrepLab's settings, read once from PREPLAB_* environment variables (and a .env file)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    timezone: str | None = Field(
        default=None, description="IANA zone where the learner's day starts (e.g. Asia/Shanghai); default: local."
    )

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("PREPLAB_DATABASE_URL must be a sqlite:// or postgresql:// URL")
        return value


def get_settings() -> Settings:
    return Settings()
