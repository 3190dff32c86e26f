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

# ensure_venv SET: SET is "server" (what `riskpool serve` needs) or "dev" (the
# server's set plus the test and lint tools). Versions come from the lock files in
# requirements/ (generated with uv from pyproject.toml, see requirements/README.md),
# so every machine runs the same packages. The dev set includes the server set, so
# a .venv made by the test command also serves.
# ensure_cjk_font: the Debian CJK font the 银行存款余额调节表 PDF embeds
# (reconciliation/sheet_pdf.py looks for it); installed once, when missing.
ensure_cjk_font() {
    if [ ! -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] \
        && ! ls /usr/share/fonts/*/noto/NotoSansCJK-Regular.ttc >/dev/null 2>&1; then
        echo "==> installing the CJK font of the reconciliation PDF (Debian package)"
        apt_install fonts-wqy-microhei
    fi
}

ensure_venv() {
    local set=${1:-dev}
    ensure_cjk_font
    if [ ! -x .venv/bin/python ]; then
        if ! "$PYTHON" -m venv .venv 2>/dev/null; then
            rm -rf .venv
            apt_install python3-venv
            "$PYTHON" -m venv .venv
        fi
    fi
    local want have
    want=$(cat pyproject.toml requirements/server.txt requirements/dev.txt | sha256sum | cut -c1-64)
    have=$(cat .venv/.install-stamp 2>/dev/null || true)
    if [ "$have" = "$want dev" ] || [ "$have" = "$want $set" ]; then
        return 0
    fi
    echo "==> installing riskpool and its ${set} dependencies into .venv"
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -r "requirements/${set}.txt"
    .venv/bin/python -m pip install -q --no-deps -e .
    echo "$want $set" > .venv/.install-stamp
}

ensure_postgres() {
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        echo "==> installing PostgreSQL 15 (Debian package)"
        apt_install postgresql-15 || apt_install postgresql
    fi
}

# The dashboard's browser test (tests/browser/) drives Debian's chromium through
# Playwright with executable_path=/usr/bin/chromium: never `playwright install`,
# which would download a browser from the internet. The font draws the dashboard's
# Chinese (without one the screenshots show empty boxes).
ensure_browser() {
    if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/truetype/wqy ]; then
        echo "==> installing chromium and a Chinese font (Debian packages) for the browser test"
        apt_install chromium fonts-wqy-microhei
    fi
}
