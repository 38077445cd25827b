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

# Bulletins are printed by WeasyPrint, which needs Pango and, for Chinese, a CJK font: the system's (apt, as
# root), or else Debian's package unpacked into the environment, where api/documents/pdf.py looks (FONT_DIR).
font_dir=.venv/share/fonts/gridpatrol
need_pango=""
.venv/bin/python -c 'import weasyprint' >/dev/null 2>&1 || need_pango="libpango-1.0-0 libpangoft2-1.0-0"
has_cjk_font() { fc-list :lang=zh family 2>/dev/null | grep -q . || ls "$font_dir"/*.tt[cf] >/dev/null 2>&1; }
if { [ -n "$need_pango" ] || ! has_cjk_font; } && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "== installing ${need_pango:+Pango and }a CJK font (apt) for printable bulletins"
  packages="$need_pango fonts-wqy-microhei"
  # shellcheck disable=SC2086  # a list of package names
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >/dev/null; } \
    || echo "!! could not install $packages" >&2
fi
if ! has_cjk_font; then
  if command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null; then
    echo "== unpacking a CJK font into $font_dir"
    work=$(mktemp -d)
    (cd "$work" && apt-get download fonts-wqy-microhei >/dev/null 2>&1 && dpkg-deb -x fonts-wqy-microhei_*.deb root) \
      && mkdir -p "$font_dir" && find "$work/root" -name '*.ttc' -exec cp {} "$font_dir"/ \;
    rm -rf "$work"
  fi
  has_cjk_font || echo "!! no CJK font: bulletins cannot be printed (install fonts-wqy-microhei or any Noto Sans CJK)" >&2
fi

if [ ! -d pwa/node_modules ] || [ pwa/package-lock.json -nt pwa/node_modules ]; then
  (cd pwa && npm ci --no-audit --no-fund --loglevel=error)
  touch pwa/node_modules
fi
(cd pwa && npm run --silent build >/dev/null)
