"""Settings: a closed set of environments, and production safe by default."""

from __future__ import annotations

from decimal import Decimal

import pytest
from typer.testing import CliRunner

from riskpool.cli import app as cli
from riskpool.settings import (
    DEVELOPMENT_JWT_SECRET,
    Environment,
    Settings,
    SettingsError,
    load_settings,
)

GOOD_SECRET = "x" * 32


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RISKPOOL_ENVIRONMENT", "RISKPOOL_JWT_SECRET", "RISKPOOL_LOAD_DEMO"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("production", Environment.PRODUCTION),
        ("PRODUCTION", Environment.PRODUCTION),
        ("Production", Environment.PRODUCTION),
        (" test ", Environment.TEST),
        ("Development", Environment.DEVELOPMENT),
    ],
)
def test_known_environments_are_read_case_insensitively(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: Environment
) -> None:
    monkeypatch.setenv("RISKPOOL_ENVIRONMENT", value)
    settings = load_settings()
    assert settings.environment is expected
    assert settings.is_production is (expected is Environment.PRODUCTION)


@pytest.mark.parametrize("value", ["prod", "staging", "", "productio n"])
def test_an_unknown_environment_refuses_to_start_with_one_line(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("RISKPOOL_ENVIRONMENT", value)
    with pytest.raises(SettingsError) as refused:
        load_settings()
    message = refused.value.message
    assert "\n" not in message
    assert message.startswith("RISKPOOL_ENVIRONMENT: unknown environment")
    assert "development, test, production" in message


def test_the_demo_loads_by_default_only_in_development(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().load_demo is True
    assert Settings(environment="test").load_demo is False
    assert Settings(environment="production").load_demo is False
    monkeypatch.setenv("RISKPOOL_ENVIRONMENT", "production")
    assert load_settings().load_demo is False
    monkeypatch.setenv("RISKPOOL_LOAD_DEMO", "true")
    assert load_settings().load_demo is True  # asked for explicitly


@pytest.mark.parametrize(
    ("secret", "why"),
    [
        (DEVELOPMENT_JWT_SECRET, "RISKPOOL_JWT_SECRET"),
        ("   ", "RISKPOOL_JWT_SECRET"),
        ("x" * 31, "at least 32 bytes"),
        ("密" * 10, "at least 32 bytes"),  # 30 bytes of UTF-8
    ],
)
def test_production_refuses_to_serve_with_an_unsafe_secret(secret: str, why: str) -> None:
    settings = Settings(environment="production", jwt_secret=secret)
    with pytest.raises(SettingsError, match=why):
        settings.check_serving()


def test_production_serves_with_a_long_secret_and_development_with_the_default() -> None:
    Settings(environment="production", jwt_secret=GOOD_SECRET).check_serving()
    Settings(environment="production", jwt_secret="密" * 11).check_serving()  # 33 bytes
    Settings().check_serving()


def test_the_app_factory_refuses_an_unsafe_production_secret_too() -> None:
    from riskpool.bootstrap import build
    from riskpool.graphql.app import create_app

    app = build(Settings(environment="production", database_url="sqlite+aiosqlite:///:memory:"))
    with pytest.raises(SettingsError):
        create_app(app)


@pytest.mark.parametrize(
    "env",
    [
        {"RISKPOOL_ENVIRONMENT": "production"},
        {"RISKPOOL_ENVIRONMENT": "Production", "RISKPOOL_JWT_SECRET": DEVELOPMENT_JWT_SECRET},
        {"RISKPOOL_ENVIRONMENT": "production", "RISKPOOL_JWT_SECRET": "short"},
        {"RISKPOOL_ENVIRONMENT": "prod"},
    ],
)
def test_serve_refuses_to_start_and_says_why_in_one_line(env: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, ["serve"], env=env)
    assert result.exit_code == 2, result.output
    assert result.output.startswith("refusing to start: RISKPOOL_")
    assert result.output.count("\n") == 1


def test_cors_origins_default_to_local_outside_production_and_none_in_it() -> None:
    development = Settings()
    assert development.allowed_origins == ()
    assert development.allowed_origin_regex is not None
    production = Settings(environment="production")
    assert production.allowed_origins == () and production.allowed_origin_regex is None
    configured = Settings(
        environment="production", cors_origins="https://a.example, https://b.example"
    )
    assert configured.allowed_origins == ("https://a.example", "https://b.example")
    assert Settings(cors_origins="https://a.example").allowed_origin_regex is None


def test_cors_origins_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RISKPOOL_CORS_ORIGINS", "https://a.example,https://b.example")
    assert load_settings().allowed_origins == ("https://a.example", "https://b.example")


def test_the_amount_maximum_must_fit_64_bit_minor_units() -> None:
    assert Settings(max_amount=Decimal("9000000000000000")).max_amount
    with pytest.raises(ValueError, match="64-bit"):
        Settings(max_amount=Decimal("9300000000000000"))
    with pytest.raises(SettingsError, match="RISKPOOL_MAX_AMOUNT"):
        load_settings(max_amount=Decimal("-1"))
