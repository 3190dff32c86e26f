"""`riskpool token` mints tokens the server accepts; production settings refuse to mint."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from riskpool.cli import app
from riskpool.domain.model.parties import Role
from riskpool.graphql.auth.tokens import TokenSettings, verify
from riskpool.settings import Settings

runner = CliRunner()


def _settings() -> TokenSettings:
    s = Settings()
    return TokenSettings(s.jwt_secret, s.jwt_issuer, s.jwt_audience)


def test_token_for_an_institution_carries_it() -> None:
    result = runner.invoke(app, ["token", "--role", "institution", "--institution", "7"])
    assert result.exit_code == 0, result.output
    principal = verify(_settings(), result.output.strip())
    assert (principal.role, principal.institution_id) == (Role.INSTITUTION, 7)


@pytest.mark.parametrize(
    "args",
    [["--role", "institution"], ["--role", "operator", "--institution", "1"], ["--role", "x"]],
)
def test_inconsistent_requests_are_refused(args: list[str]) -> None:
    assert runner.invoke(app, ["token", *args]).exit_code == 2


def test_production_settings_refuse_to_mint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RISKPOOL_ENVIRONMENT", "production")
    assert runner.invoke(app, ["token", "--role", "operator"]).exit_code == 2
