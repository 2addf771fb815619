#!/usr/bin/env bash
# Installs what gridd needs on a fresh Debian machine (run as root), idempotently:
#   scripts/setup.sh          – the web app's npm packages and its build (for `run`)
#   scripts/setup.sh --test   – also PostgreSQL 15 + PostGIS 3, GDAL (ogrinfo) and
#                               Chromium for the tests
# Only Debian's packages and the npm registry are used; no browser is downloaded.
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
