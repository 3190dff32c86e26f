#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what it needs, then runs
# lint (ruff), types (mypy --strict), the architecture's import contracts
# (import-linter) and pytest. Every database test runs on SQLite and on a
# throwaway PostgreSQL that the suite starts itself.
#
#   ./scripts/test.sh                 the full suite (what CI runs: .ci/run)
#   ./scripts/test.sh -k ledger       extra arguments go to pytest
#   ./scripts/test.sh --fast          the developer loop: SQLite only, without the
#                                     tests marked slow, on every core (not for CI)
source "$(dirname "$0")/_setup.sh"
ensure_venv dev
ensure_browser

fast=0
if [ "${1:-}" = "--fast" ]; then
    fast=1
    shift
fi
if [ "$fast" = 0 ]; then
    ensure_postgres
fi

mkdir -p .mypy-path && ln -sfn .. .mypy-path/riskpool

echo "==> ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "==> mypy"
MYPYPATH=.mypy-path .venv/bin/mypy
echo "==> import contracts"
.venv/bin/lint-imports --no-cache
echo "==> pytest"
if [ "$fast" = 1 ]; then
    RISKPOOL_TEST_DIALECTS=sqlite exec .venv/bin/pytest -m "not slow" -n auto -q "$@"
fi
exec .venv/bin/pytest "$@"
