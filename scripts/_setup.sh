# Shared set-up for scripts/test.sh and scripts/serve.sh: sourced, not run.
# Creates .venv and installs riskpool (editable) with what it needs; re-installs
# only when pyproject.toml changed. Works on a fresh Debian machine with Python 3.11.

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3}
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

apt_install() {
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@"
}

ensure_venv() {
    if [ ! -x .venv/bin/python ]; then
        if ! "$PYTHON" -m venv .venv 2>/dev/null; then
            rm -rf .venv
            apt_install python3-venv
            "$PYTHON" -m venv .venv
        fi
    fi
    local want have
    want=$(cat pyproject.toml | sha256sum | cut -c1-64)
    have=$(cat .venv/.install-stamp 2>/dev/null || true)
    if [ "$want" != "$have" ]; then
        echo "==> installing riskpool and its dependencies into .venv"
        .venv/bin/python -m pip install -q --upgrade pip
        .venv/bin/python -m pip install -q -e ".[${1:-dev}]"
        echo "$want" > .venv/.install-stamp
    fi
}

ensure_postgres() {
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        echo "==> installing PostgreSQL 15 (Debian package)"
        apt_install postgresql-15 || apt_install postgresql
    fi
}
