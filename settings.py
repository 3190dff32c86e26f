"""Runtime settings, read from environment variables with safe defaults.

Why pydantic-settings: one typed object, validated once at start-up, instead of
``os.environ`` lookups scattered through the code. The default database is an
embedded SQLite file so that ``riskpool serve`` works on a fresh machine with
nothing else installed; production points ``DATABASE_URL`` at PostgreSQL
(``postgresql+asyncpg://user:pass@host/db``).
"""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///riskpool.db"


class Settings(BaseSettings):
    """Configuration of one riskpool process."""

    model_config = SettingsConfigDict(env_prefix="RISKPOOL_", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("RISKPOOL_DATABASE_URL", "DATABASE_URL"),
    )
    """SQLAlchemy async URL: ``sqlite+aiosqlite:///FILE`` or ``postgresql+asyncpg://…``."""

    environment: str = "development"
    """``development`` turns on GraphiQL and introspection; ``production`` turns them off."""

    sql_echo: bool = False

    jwt_secret: str = "riskpool-development-secret-change-me"
    """HS256 secret for bearer tokens. Production refuses to start with the default."""

    jwt_issuer: str = "riskpool"
    jwt_audience: str = "riskpool-api"

    host: str = "127.0.0.1"
    port: int = 8000

    load_demo: bool = True
    """``riskpool serve`` loads the demo data into an empty database (development)."""

    reconcile_book: str = "CITY_POOL"
    reconcile_account: str = "100201"
    """The ledger account reconciled against the bank (the pool's cash account)."""

    reconcile_bank_account: str | None = None
    """The bank account number of its statements; unset: the only one imported."""

    statement_max_bytes: int = 20 * 1024 * 1024
    """Largest statement file accepted (CLI import and GraphQL upload)."""

    max_query_depth: int = 12
    max_aliases: int = 20
    max_tokens: int = 3000
    max_query_cost: int = 25_000

    @property
    def is_production(self) -> bool:
        return self.environment == "production"


def load_settings() -> Settings:
    """Read the settings from the environment (a function so tests can override env first)."""
    return Settings()
