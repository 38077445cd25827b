#!/usr/bin/env bash
# Install what gridpatrol needs into .venv and build the PWA; cheap when nothing changed.
# Usage: scripts/bootstrap.sh [test]   ("test" adds the test tools)
set -euo pipefail
cd "$(dirname "$0")/.."

extras=""
[ "${1:-}" = "test" ] && extras="[test]"

python=${PYTHON:-python3}
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "gridpatrol needs Python 3.11+ (found $("$python" --version 2>&1))" >&2; exit 1; }
command -v npm >/dev/null || { echo "gridpatrol needs Node.js 20+ and npm" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
stamp=".venv/.installed${extras}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet -e ".${extras}" >.venv/pip.log 2>&1 || { cat .venv/pip.log; exit 1; }
  touch "$stamp"
fi

if [ ! -d pwa/node_modules ] || [ pwa/package-lock.json -nt pwa/node_modules ]; then
  (cd pwa && npm ci --no-audit --no-fund --loglevel=error)
  touch pwa/node_modules
fi
(cd pwa && npm run --silent build >/dev/null)
