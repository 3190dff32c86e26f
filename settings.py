"""Runtime settings, read from environment variables with safe defaults.

Why pydantic-settings: one typed object, validated once at start-up, instead of
``os.environ`` lookups scattered through the code. The default database is an
embedded SQLite file so that ``riskpool serve`` works on a fresh machine with
nothing else installed; production points ``DATABASE_URL`` at PostgreSQL
(``postgresql+asyncpg://user:pass@host/db``).

Why the environment is a closed set: a typo (``prod``, ``Production ``) used to
mean *development*, with GraphiQL, introspection, the public development
secret and the demo loaded into the append-only ledger. An unknown value now
refuses to start (:class:`SettingsError`, one line), and production's defaults
are the safe ones: no demo unless asked, no browser origins unless listed, and
``serve`` refuses a secret that is missing, the development one, or short
(:meth:`Settings.check_serving`).
"""

from __future__ import annotations

import enum
import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from riskpool.errors import ErrorCode, RiskpoolError

SQLITE_PREFIX = "sqlite+aiosqlite:///"
DATABASE_FILENAME = "riskpool.db"


def riskpool_home() -> Path:
    """The folder of riskpool's own files (the default SQLite database).

    Why not the working folder: a command run from a statements folder used to
    open (and create) an empty ``riskpool.db`` there and fail on a missing table.
    ``$RISKPOOL_HOME`` if set, else ``$XDG_DATA_HOME/riskpool`` (the XDG base
    directory for user data), else ``~/.local/share/riskpool`` — the same from
    any folder.
    """
    explicit = os.environ.get("RISKPOOL_HOME", "").strip()
    if explicit:
        return Path(explicit).expanduser().resolve()
    data_home = os.environ.get("XDG_DATA_HOME", "").strip()
    base = Path(data_home).expanduser() if data_home else Path.home() / ".local" / "share"
    return (base / "riskpool").resolve()


def default_database_url() -> str:
    """The embedded SQLite file in :func:`riskpool_home`."""
    return f"{SQLITE_PREFIX}{riskpool_home() / DATABASE_FILENAME}"


def resolve_database_url(url: str) -> str:
    """Anchor a relative SQLite file at :func:`riskpool_home`, so it is one file from any folder.

    Absolute paths, ``:memory:`` and other dialects are returned unchanged.
    """
    if not url.startswith(SQLITE_PREFIX):
        return url
    path, _, query = url.removeprefix(SQLITE_PREFIX).partition("?")
    if not path or path == ":memory:" or path.startswith("file:") or Path(path).is_absolute():
        return url
    anchored = f"{SQLITE_PREFIX}{riskpool_home() / path}"
    return f"{anchored}?{query}" if query else anchored


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (None for another dialect or an in-memory one)."""
    if not url.startswith(SQLITE_PREFIX):
        return None
    path = url.removeprefix(SQLITE_PREFIX).partition("?")[0]
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    return Path(path)


DEVELOPMENT_JWT_SECRET = "riskpool-development-secret-change-me"
"""Public (it is in this file): good for a laptop, refused by production's ``serve``."""

MIN_SECRET_BYTES = 32
"""HS256's key should be at least as long as its 256-bit output (RFC 7518 §3.2)."""

MAX_MINOR_UNITS = 2**63 - 1
"""Money is stored as BIGINT minor units; no accepted amount may exceed this."""

LOCAL_ORIGINS = r"https?://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]{1,5})?"
"""Browser origins allowed by default outside production: any local port."""


class Environment(enum.StrEnum):
    """Where the process runs; anything else is refused (case-insensitive)."""

    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class SettingsError(RiskpoolError):
    """The configuration is unusable: the process refuses to start and says why, in one line."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(ErrorCode.VALIDATION, message, field=field)


class Settings(BaseSettings):
    """Configuration of one riskpool process."""

    model_config = SettingsConfigDict(env_prefix="RISKPOOL_", extra="ignore")

    database_url: str = Field(
        default_factory=default_database_url,
        validation_alias=AliasChoices("RISKPOOL_DATABASE_URL", "DATABASE_URL"),
    )
    """SQLAlchemy async URL: ``sqlite+aiosqlite:///FILE`` or ``postgresql+asyncpg://…``.
    Unset: ``riskpool.db`` in :func:`riskpool_home`; a relative FILE is anchored there too."""

    environment: Environment = Environment.DEVELOPMENT
    """``development`` or ``test`` turn on GraphiQL and introspection; ``production`` turns
    them off, hides field suggestions and refuses unsafe secrets."""

    sql_echo: bool = False

    jwt_secret: str = DEVELOPMENT_JWT_SECRET
    """HS256 secret for bearer tokens. Production's ``serve`` refuses the default."""

    jwt_issuer: str = "riskpool"
    jwt_audience: str = "riskpool-api"

    host: str = "127.0.0.1"
    port: int = 8000

    load_demo: bool = True
    """``riskpool serve`` loads the demo data into an empty database. Defaults to true in
    development only; elsewhere it loads only when ``RISKPOOL_LOAD_DEMO`` says so."""

    backdating_days: int = Field(default=30, ge=0, le=366)
    """How many days before today's business date (Asia/Shanghai) a fact may be dated: a
    lender's reported fact (disbursed, repaid, overdue since, …) and, once wired into the
    unit of work, a ledger entry; older history enters only through the history import."""

    checkpoint_key: str | None = None
    """Path of the Ed25519 private key (PEM) that signs ledger checkpoints; kept
    outside the database. ``riskpool checkpoint keygen --out PATH`` makes one."""

    checkpoint_dir: str = "checkpoints"
    """Where ``riskpool checkpoint`` and period closes write signed checkpoints."""

    statement_max_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    """Largest statement file accepted (CLI import and GraphQL upload)."""

    max_query_depth: int = 12
    max_aliases: int = 20
    max_tokens: int = 3000
    max_query_cost: int = 25_000

    max_body_bytes: int = Field(default=1024 * 1024, gt=0)
    """Largest request body; larger ones get HTTP 413 before anything is parsed."""

    max_document_bytes: int = Field(default=64 * 1024, gt=0)
    """Largest GraphQL document (UTF-8 bytes), refused before the GraphQL parser sees it."""

    max_variables_bytes: int = Field(default=128 * 1024, gt=0)
    """Largest ``variables`` object, measured as compact JSON."""

    document_cache_bytes: int = Field(default=32 * 1024 * 1024, gt=0)
    """Memory budget of the parse/validation cache (estimated from document sizes, not a
    count of entries): 32 MiB holds about 250 dashboard documents of 1 KB."""

    max_amount: Decimal = Field(default=Decimal("100000000000"), gt=0)
    """Largest absolute amount a client may send (100 billion; the fund is far smaller)."""

    date_horizon_days: int = Field(default=30 * 366, gt=0)
    """How far after today a client-supplied date may lie (loan maturities, as-of dates)."""

    cors_origins: Annotated[tuple[str, ...] | None, NoDecode] = None
    """Browser origins allowed to call the API (comma-separated). Unset: local origins in
    development and test, none in production."""

    retry_after_seconds: int = Field(default=5, gt=0)
    """``Retry-After`` sent with HTTP 503 while the database is unreachable."""

    @field_validator("environment", mode="before")
    @classmethod
    def _known_environment(cls, value: Any) -> Any:
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered not in {e.value for e in Environment}:
                known = ", ".join(e.value for e in Environment)
                raise ValueError(f"unknown environment {value!r}; use one of {known}")
            return lowered
        return value

    @field_validator("database_url")
    @classmethod
    def _anchor_sqlite(cls, value: str) -> str:
        return resolve_database_url(value)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("max_amount")
    @classmethod
    def _amount_fits_64_bits(cls, value: Decimal) -> Decimal:
        # Three decimals is the most any ISO 4217 currency has; the bound must hold for all.
        if value * 1000 > MAX_MINOR_UNITS:
            raise ValueError("max_amount must fit 64-bit minor units")
        return value

    @model_validator(mode="after")
    def _demo_only_when_asked_outside_development(self) -> Settings:
        if "load_demo" not in self.model_fields_set and self.environment is not (
            Environment.DEVELOPMENT
        ):
            self.load_demo = False
        return self

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.PRODUCTION

    @property
    def date_horizon(self) -> timedelta:
        return timedelta(days=self.date_horizon_days)

    @property
    def allowed_origins(self) -> tuple[str, ...]:
        """Explicitly configured browser origins (none unless configured)."""
        return self.cors_origins or ()

    @property
    def allowed_origin_regex(self) -> str | None:
        """Local origins outside production when no origins are configured."""
        if self.cors_origins is None and not self.is_production:
            return LOCAL_ORIGINS
        return None

    def check_serving(self) -> None:
        """Refuse to serve production with a secret anyone could know or guess.

        Called by ``riskpool serve`` before anything starts and by the ASGI app
        factory, so no way of serving skips it.
        """
        if not self.is_production:
            return
        if self.jwt_secret == DEVELOPMENT_JWT_SECRET or not self.jwt_secret.strip():
            raise SettingsError(
                "RISKPOOL_JWT_SECRET: production needs its own secret "
                "(unset or the development default, which is public)",
                field="jwt_secret",
            )
        if len(self.jwt_secret.encode()) < MIN_SECRET_BYTES:
            raise SettingsError(
                f"RISKPOOL_JWT_SECRET: must be at least {MIN_SECRET_BYTES} bytes in production",
                field="jwt_secret",
            )


def load_settings(**overrides: Any) -> Settings:
    """Read the settings from the environment; a bad value is one :class:`SettingsError` line.

    A function so tests can set the environment first; ``overrides`` take
    precedence over the environment.
    """
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(describe(exc)) from None


def describe(error: ValidationError) -> str:
    """The first problem of a settings validation error as one line: ``NAME: why``."""
    first = error.errors()[0]
    location = ".".join(str(part) for part in first.get("loc", ())) or "settings"
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"RISKPOOL_{location.upper()}: {message}"
