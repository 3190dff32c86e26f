#!/usr/bin/env bash
# Runs riskpool from a fresh machine: installs what the server needs (the
# "server" set of requirements/, not the test tools), then serves the
# GraphQL API on an embedded SQLite database (riskpool.db) with the demo loaded.
# Open http://127.0.0.1:8000/graphql (GraphiQL); mint a token with
#   .venv/bin/riskpool token --role operator
source "$(dirname "$0")/_setup.sh"
ensure_venv server
exec .venv/bin/riskpool serve "$@"
