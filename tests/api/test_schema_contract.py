"""The committed schema is the schema; the dashboards' operations are valid against it."""

from __future__ import annotations

from pathlib import Path

from graphql import build_schema, parse, validate

from riskpool.graphql.schema import export_sdl

GRAPHQL_DIR = Path(__file__).resolve().parents[2] / "graphql"


def test_committed_schema_is_current() -> None:
    committed = (GRAPHQL_DIR / "schema.graphql").read_text(encoding="utf-8")
    assert committed == export_sdl(), (
        "graphql/schema.graphql is stale: run `riskpool schema --out graphql/schema.graphql`"
    )


def test_operations_validate_against_the_committed_schema() -> None:
    schema = build_schema((GRAPHQL_DIR / "schema.graphql").read_text(encoding="utf-8"))
    documents = sorted((GRAPHQL_DIR / "operations").glob("*.graphql"))
    assert documents, "no dashboard operations found"
    for path in documents:
        errors = validate(schema, parse(path.read_text(encoding="utf-8")))
        assert not errors, f"{path.name}: {errors}"
