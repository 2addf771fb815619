#!/usr/bin/env bash
# Runs gridd with the demo subdistrict on the embedded GeoPackage store and serves
# the map: everything needed is installed and built first.
#   scripts/run.sh [extra `gridd serve` options, e.g. --addr 0.0.0.0:8080]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
scripts/setup.sh
echo "building gridd (release; the first build takes a few minutes)…" >&2
cargo build --release -p gridd --quiet
exec target/release/gridd serve --demo --gpkg "${GRIDD_GPKG:-gridd.gpkg}" "$@"
