#!/usr/bin/env bash
# Puts the official Open311 GeoReport v2 JSON Schemas (open311/schema-validation,
# schema/georeport-v2/ at the commit in tests/open311-schemas/README.md) into
# target/open311-schemas/ and prints that folder, for OPEN311_SCHEMA_DIR.
# They are not vendored (the upstream repository grants no licence); they are read
# from a local clone: $OPEN311_SCHEMA_GIT (a git directory), else the workplace's
# mirror at /work/.mirror/open311+schema-validation/repo/.git.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
commit=47e06a443f3620b51d7dfb107e1b4d39898d7a1a
git_dir=${OPEN311_SCHEMA_GIT:-/work/.mirror/open311+schema-validation/repo/.git}
out="$here/target/open311-schemas/georeport-v2"
if [ -f "$out/swagger.json" ]; then
  echo "$out"
  exit 0
fi
if ! git --git-dir="$git_dir" cat-file -e "$commit^{commit}" 2>/dev/null; then
  echo "open311-schemas: no clone of open311/schema-validation at $git_dir (set OPEN311_SCHEMA_GIT; see tests/open311-schemas/README.md)" >&2
  exit 1
fi
mkdir -p "$out"
for f in request.json requests.json service-definition.json service.json services.json swagger.json; do
  git --git-dir="$git_dir" show "$commit:schema/georeport-v2/$f" >"$out/$f"
done
echo "$out"
