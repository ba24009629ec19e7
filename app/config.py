"""Settings read from the environment (or a .env file)."""

from functools import lru_cache

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # SQLite file in the working directory unless told otherwise; PostgreSQL in production.
    database_url: str = "sqlite:///./registry.db"
    # Largest request body accepted, in bytes; bigger ones answer 413.
    max_body_bytes: int = 5 * 1024 * 1024
    # Bulk imports are larger: 10,000 interventions with 100,000 budget lines is about 20 MB of JSON.
    max_import_bytes: int = 64 * 1024 * 1024
    log_level: str = "info"

    @field_validator("database_url")
    @classmethod
    def use_psycopg3(cls, url: str) -> str:
        # Operators paste plain postgresql:// URLs; we only ship the psycopg 3 driver.
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url


@lru_cache
def get_settings() -> Settings:
    return Settings()
