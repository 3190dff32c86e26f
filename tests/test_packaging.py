"""The repository root is the package ``riskpool`` and its graphql/ never shadows graphql-core."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_graphql_from_the_repo_root_is_graphql_core() -> None:
    code = (
        "import sys, graphql, riskpool.graphql; "
        "print(graphql.__file__); print(list(riskpool.graphql.__path__)[0]); "
        "from graphql import build_schema; print(build_schema.__module__); "
        "print(repr(sys.path[0]))"
    )
    # ``python -c`` puts the working directory first on sys.path: the trap itself.
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert "site-packages" in out[0] and out[0].endswith("graphql/__init__.py")
    assert Path(out[1]) == ROOT / "graphql"
    assert out[2].startswith("graphql.")
    # The trap is live in this run: the repo root (as '') is first on sys.path.
    assert out[3] == repr("")


def test_graphql_folder_has_no_init() -> None:
    assert not (ROOT / "graphql" / "__init__.py").exists()


def test_components_import_as_riskpool_subpackages() -> None:
    import riskpool.domain
    import riskpool.ledger
    import riskpool.reconciliation

    for module in (riskpool.ledger, riskpool.domain, riskpool.reconciliation):
        assert Path(module.__file__ or "").parent.parent == ROOT


def test_ledger_imports_no_other_component() -> None:
    """Boundary: the ledger knows accounts and money, never loans or claims."""
    for path in (ROOT / "ledger").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for other in ("riskpool.domain", "riskpool.reconciliation", "riskpool.graphql"):
            assert other not in text, f"{path.name} imports {other}"
