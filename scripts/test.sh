#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what it needs, then runs
# lint (ruff), types (mypy --strict) and pytest. Every database test runs on
# SQLite and on a throwaway PostgreSQL that the suite starts itself.
# Extra arguments go to pytest (e.g. scripts/test.sh -k ledger).
source "$(dirname "$0")/_setup.sh"
ensure_venv dev
ensure_postgres

mkdir -p .mypy-path && ln -sfn .. .mypy-path/riskpool

echo "==> ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "==> mypy"
MYPYPATH=.mypy-path .venv/bin/mypy
echo "==> pytest"
.venv/bin/pytest "$@"
