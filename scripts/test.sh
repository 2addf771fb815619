#!/usr/bin/env bash
# Runs every test: installs and starts what they need (PostgreSQL 15 + PostGIS,
# GDAL, Chromium, the web app), checks format and lints, runs the Rust suite against
# both stores (PostGIS and GeoPackage), then the browser tests against a real gridd.
#   scripts/test.sh            – everything
#   scripts/test.sh --no-lint  – skip rustfmt/clippy (quicker while developing)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
lint=1
[ "${1:-}" = "--no-lint" ] && lint=0

# A cold run compiles everything once per mode; incremental state would only add
# work and disk (set CARGO_INCREMENTAL=1 yourself while iterating).
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

# Each stage prints its name; at the end (also on failure) the time of each.
timings=()
stage_name=""
stage_start=$(date +%s)
run_start=$stage_start
stage() {
  local now
  now=$(date +%s)
  [ -z "$stage_name" ] || timings+=("$(printf '%5d s  %s' $((now - stage_start)) "$stage_name")")
  stage_name="$1"
  stage_start=$now
  [ -z "$1" ] || echo "== $1" >&2
}
report_times() {
  stage ""
  {
    echo "== stage times"
    printf '%s\n' "${timings[@]}"
    printf '%5d s  total\n' $(( $(date +%s) - run_start ))
  } >&2
}
cleanup=()
finish() {
  local rc=$?
  for c in "${cleanup[@]}"; do eval "$c" || true; done
  report_times
  exit $rc
}
trap finish EXIT

stage "setup (packages, PostgreSQL + PostGIS)"

scripts/setup.sh --test
GRIDD_TEST_DATABASE_URL=$(scripts/pg.sh start)
export GRIDD_TEST_DATABASE_URL
echo "PostgreSQL + PostGIS at ${GRIDD_TEST_DATABASE_URL%%@*}@…" >&2
# The official Open311 GeoReport v2 schemas the open311 tests validate against
# (not vendored: see tests/open311-schemas/README.md). Without them those tests fail.
if [ -z "${OPEN311_SCHEMA_DIR:-}" ]; then
  OPEN311_SCHEMA_DIR=$(scripts/open311-schemas.sh) || OPEN311_SCHEMA_DIR=""
  export OPEN311_SCHEMA_DIR
fi

if [ $lint = 1 ]; then
  stage "cargo fmt --check"
  cargo fmt --all -- --check
  stage "cargo clippy (all targets)"
  cargo clippy --workspace --all-targets --quiet -- -D warnings
fi

stage "Rust: build the binary and the tests"
cargo build -p gridd --quiet
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-run --cargo-quiet
  stage "Rust tests (both stores)"
  cargo nextest run --workspace --no-fail-fast
  stage "Rust doc tests"
  cargo test --workspace --doc --quiet
else
  cargo test --workspace --no-fail-fast
fi

GRIDD_BIN=$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/debug/gridd
export GRIDD_BIN
# The web app's copy of the OpenAPI document is the server's own: regenerate
# it from the binary just built, and stop when that changed the committed copy
# (the typecheck below then checks the app against the API as it is).
stage "web: OpenAPI document"
"$GRIDD_BIN" openapi --out web/src/api/openapi.json
if ! git diff --exit-code --stat -- web/src/api/openapi.json >&2; then
  echo "the API changed: commit web/src/api/openapi.json and fix the type errors" >&2
  exit 1
fi
# The web app first: lint and format (with the Rust lints), unit tests, the
# typecheck against the OpenAPI document, the production build with its
# bundle budget, and the browser tests' own bundle (with their hook).
if [ $lint = 1 ]; then
  stage "web: eslint, prettier"
  (cd web && npm run --silent lint)
fi
stage "web: unit tests, typecheck, build, bundle budget"
(cd web && npm run --silent test:unit && npm run --silent build && npm run --silent build:e2e)
tmp=$(mktemp -d)
cleanup+=('kill "$pid" 2>/dev/null' 'rm -rf "$tmp"')
stage "browser tests"
# The demo accounts (one per role) all get this password, which the browser
# tests sign in with.
export GRIDD_DEMO_PASSWORD=gridd-demo-pass
"$GRIDD_BIN" serve --demo --demo-password "$GRIDD_DEMO_PASSWORD" --gpkg "$tmp/demo.gpkg" --addr 127.0.0.1:0 --web-dir web/dist-e2e >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 1 120); do
  url=$(grep -o 'http://[0-9.:]*' "$tmp/out" | head -1 || true)
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$tmp/err" >&2; echo "gridd did not start" >&2; exit 1; }
  sleep 0.5
done
[ -n "$url" ] || { cat "$tmp/err" >&2; echo "gridd did not print its address" >&2; exit 1; }
# Test files run two at a time (each test has its own page, or its own gridd).
GRIDD_URL=$url node --test --test-concurrency=2 web/e2e/
