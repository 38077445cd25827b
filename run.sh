#!/usr/bin/env bash
# Run gridpatrol: API + PWA + the demo county 青溪县, on the embedded SQLite database in ./var.
# HOST and PORT choose where it listens (default 127.0.0.1:8000).
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh
.venv/bin/gridpatrol demo
# One malloc arena per image-decoding thread would grow memory; glibc reads this at process start.
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
exec .venv/bin/gridpatrol serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
