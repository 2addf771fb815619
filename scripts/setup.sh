#!/usr/bin/env bash
# Installs what gridd needs on a fresh Debian machine (run as root), idempotently:
#   scripts/setup.sh          – the web app's npm packages and its build (for `run`)
#   scripts/setup.sh --test   – also PostgreSQL 15 + PostGIS 3, GDAL (ogrinfo),
#                               Chromium and the Open311 validator's Python packages
#                               for the tests
# Only Debian's packages, the npm registry and PyPI are used; no browser is downloaded.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]} from Debian's packages…" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
}

if [ "${1:-}" = "--test" ]; then
  # fonts-noto-cjk: the browser tests' screenshots show Chinese text.
  apt_install postgresql-15 postgresql-15-postgis-3 gdal-bin chromium fonts-noto-cjk
  # scripts/open311-validate.py (run by the open311 tests): jsonschema, and the two
  # packages without which it silently skips "date-time" and "uri". Pinned.
  open311_py=(jsonschema==4.26.0 referencing==0.37.0 rfc3339-validator==0.1.4 rfc3986-validator==0.1.1)
  command -v python3 >/dev/null || { echo "setup: python3 is required" >&2; exit 1; }
  if ! python3 - "${open311_py[@]}" <<'PY'
import importlib.metadata as m
import sys

for spec in sys.argv[1:]:
    name, version = spec.split("==")
    try:
        if m.version(name) != version:
            sys.exit(1)
    except m.PackageNotFoundError:
        sys.exit(1)
PY
  then
    echo "setup: installing ${open311_py[*]} from PyPI…" >&2
    python3 -m pip install --quiet --disable-pip-version-check "${open311_py[@]}" >&2
  fi
else
  # The map's label glyphs (gridd serve --font; default: Noto Sans CJK Regular).
  apt_install fonts-noto-cjk || echo "setup: could not install fonts-noto-cjk; gridd serves no label glyphs without it" >&2
fi

command -v npm >/dev/null || { echo "setup: Node.js 20 with npm is required" >&2; exit 1; }
# The web app: reinstall packages when the lock file changed, rebuild when sources did.
stamp=web/node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ web/package-lock.json -nt "$stamp" ]; then
  echo "setup: npm ci (web/)…" >&2
  (cd web && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
if [ ! -f web/dist/index.html ] || [ -n "$(find web/src web/index.html web/package.json web/vite.config.ts -newer web/dist/index.html 2>/dev/null | head -1)" ]; then
  echo "setup: building the web app…" >&2
  (cd web && npm run build --silent >&2)
fi
