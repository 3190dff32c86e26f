"""docker/: there is no Docker engine here, so the compose file is checked as data."""

from __future__ import annotations

from pathlib import Path

import yaml

DOCKER = Path(__file__).resolve().parents[1] / "docker"


def compose() -> dict[str, object]:
    data = yaml.safe_load((DOCKER / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_compose_has_the_app_and_postgresql_15() -> None:
    services = compose()["services"]
    assert isinstance(services, dict)
    assert set(services) == {"db", "api"}
    assert services["db"]["image"] == "postgres:15"
    assert services["api"]["build"]["dockerfile"] == "docker/Dockerfile"


def test_app_waits_for_a_healthy_database_and_points_at_it() -> None:
    api = compose()["services"]["api"]  # type: ignore[index]
    assert api["depends_on"]["db"]["condition"] == "service_healthy"
    url = api["environment"]["DATABASE_URL"]
    assert url.startswith("postgresql+asyncpg://") and "@db:5432/" in url
    assert api["environment"]["RISKPOOL_ENVIRONMENT"].endswith("production}")
    assert "8000:8000" in api["ports"]


def test_both_services_have_healthchecks() -> None:
    services = compose()["services"]
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])  # type: ignore[index]
    assert "/healthz" in " ".join(services["api"]["healthcheck"]["test"])  # type: ignore[index]


def test_dockerfile_serves_and_checks_health() -> None:
    text = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
    assert 'CMD ["riskpool", "serve"]' in text
    assert "HEALTHCHECK" in text and "/healthz" in text
    assert "USER riskpool" in text
