#!/usr/bin/env bash
# Install everything, type-check (mypy) and run every test, on SQLite and then on PostgreSQL.
#   PostgreSQL: GRIDPATROL_TEST_PG_URL (default postgresql://postgres@127.0.0.1:5432/postgres); a fresh
#   database is created for the run and dropped after. Without a server the PostgreSQL run is skipped
#   with a warning, except under CI=true where it fails. Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh test || exit 1

in_ci() { case "${CI:-}" in 1|true|yes|TRUE|True) return 0;; *) return 1;; esac; }

# Browser tests drive Debian's Chromium; install it when we can (root with apt), else they skip locally
# and fail under CI. A small CJK font makes the screenshots readable; the bulletin tests read their PDFs'
# text with poppler's pdftotext.
if { [ ! -x /usr/bin/chromium ] || ! dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || ! command -v pdftotext >/dev/null; } \
   && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "== installing Chromium, a CJK font and poppler-utils (apt) for the browser and bulletin tests"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei \
     poppler-utils >/dev/null) || echo "!! could not install Chromium, the font or poppler-utils" >&2
fi

run_pytest() {  # $1 = label; rest = pytest args. Exit 5 (no tests collected) counts as failure.
  local label=$1; shift
  echo "== pytest on $label"
  .venv/bin/python -m pytest "$@"
  local status=$?
  [ $status -eq 5 ] && echo "!! no tests ran on $label" >&2
  return $status
}

status=0
# Types: mypy over api/ ([tool.mypy] in pyproject.toml).
echo "== mypy"
.venv/bin/python -m mypy || status=1

# The PWA's own unit tests (outbox, photos, grid lookup) in Node with fake-indexeddb.
echo "== vitest (pwa)"
(cd pwa && npm test --silent) || status=1

GRIDPATROL_TEST_DATABASE_URL= run_pytest SQLite "$@" || status=1

pg_admin=${GRIDPATROL_TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
if pg_url=$(.venv/bin/python -m tests.dbutil create "$pg_admin" 2>/dev/null); then
  GRIDPATROL_TEST_DATABASE_URL=$pg_url run_pytest PostgreSQL "$@" || status=1
  .venv/bin/python -m tests.dbutil drop "$pg_url" || true
elif in_ci; then
  echo "!! PostgreSQL at $pg_admin is unreachable: CI must test both engines" >&2
  status=1
else
  echo "!! PostgreSQL at $pg_admin is unreachable: skipped the PostgreSQL run (set GRIDPATROL_TEST_PG_URL)" >&2
fi

[ $status -eq 0 ] && echo "== all test runs passed" || echo "!! some test runs failed" >&2
exit $status
