"""Settings read from the environment (or a .env file)."""

from functools import lru_cache

from pydantic import Field, field_validator
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
    # Memory per worker for answers of frequent reads (the intervention list, the rollups), valid while the data
    # version stands; 0 turns the cache off.
    read_cache_mb: int = 64
    # Threads per worker that run blocking endpoints (anyio's default is 40); unset: 2 on SQLite, 4 on PostgreSQL
    # (threads_per_worker). Python runs one at a time; more of them only contend for the GIL and raise the CPU
    # each request costs. Measured with bench/run.py's loads, in alternating order on one database (SQLite, 1
    # worker): cold pages 85 and 70/s with 4 threads against 66 and 62/s with 40 (13.6-15.5 against 17.8-19.0 ms
    # of CPU per page); creates 187/s with 4, 159-199/s with 40. SQLite answers from the process's memory and
    # its driver lets go of the GIL at every row, so on SQLite fewer threads serve more: cold pages of 50 (1,000
    # interventions, 32 connections, two rounds in turn, 2026-12-04) 117 and 129/s with 4 threads, 154 and 170
    # with 2, 170 and 184 with 1 (10.0/9.2, 7.5/6.7 and 5.9/5.4 ms of CPU per page); from the read cache 802 and
    # 758/s, 958 and 829, 985 and 906. Two, not one: a long request (an import, an export) then leaves a thread
    # to the others. PostgreSQL waits for its server, and there 4 serve more: cold pages 127 and 124/s with 4, 113
    # and 119 with 2, 91 and 84 with 1.
    threadpool_size: int | None = Field(default=None, ge=1, le=1000)
    # Reads without a token are refused unless this is true (writes always need a token).
    public_read: bool = False
    # Bearer token that Prometheus sends to read /metrics (which otherwise takes any valid token of the registry);
    # it opens nothing else. Unset: only registry tokens.
    metrics_token: str | None = None
    # Origins the front end is served from, for CORS: a JSON list, e.g. ["https://indsatser.gladsaxe.dk"]
    cors_origins: list[str] = []
    # OIDC (e.g. Microsoft Entra ID): issuer and audience to accept, and where the signing keys are. OIDC_JWKS may
    # hold the JWKS document itself (offline, tests); OIDC_JWKS_URL is fetched and cached otherwise.
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_jwks_url: str | None = None
    oidc_jwks: str | None = None
    oidc_role_claim: str = "roles"
    oidc_group_claim: str = "groups"
    # Claim value → "role" or "editor:DEPARTMENT", e.g. {"Registry.Admin": "admin", "Registry.Editor.BKF": "editor:BKF"}
    oidc_role_map: dict[str, str] = {}
    # Sign-in to the web interface through the same OIDC provider ("Log ind med Microsoft"): on when OIDC_ISSUER and
    # OIDC_CLIENT_ID are set. The endpoints come from the issuer's /.well-known/openid-configuration. With a secret
    # the registry is a confidential client (client_secret_post); without, a public one (PKCE only). The redirect
    # URI is <this site>/login/oidc/callback, taken from the request unless OIDC_REDIRECT_URI names it.
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_redirect_uri: str | None = None
    oidc_scopes: str = "openid profile"
    # The web interface: a session ends after this many minutes without a request.
    web_session_idle_minutes: int = 30

    @property
    def oidc_web_sign_in(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

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


def threads_per_worker(settings: Settings) -> int:
    """THREADPOOL_SIZE, or by the database: 2 on SQLite, 4 on PostgreSQL (see Settings.threadpool_size)."""
    if settings.threadpool_size is not None:
        return settings.threadpool_size
    return 2 if settings.database_url.startswith("sqlite") else 4
