#!/usr/bin/env bash
# Long fuzzing runs with cargo-fuzz (libFuzzer) over the targets in fuzz/, one at a
# time (the machine's cores are shared):
#   scripts/fuzz.sh                           – every target, 10 million executions each
#   scripts/fuzz.sh validate --runs 1000000   – one target
#   scripts/fuzz.sh lookup_csv --seconds 600
#   scripts/fuzz.sh --prebuilt                – run the binaries already built in
#     fuzz/target (`cargo fuzz build --sanitizer none --release`), without letting
#     cargo rebuild them when the sources changed meanwhile
# Seeds come from fuzz/corpus/<target>/ (checked in, read only); what libFuzzer
# learns goes to fuzz/runs/<target>/ (ignored by git); a crash stops the run and
# leaves its input in fuzz/artifacts/<target>/. Prints per target: executions,
# seconds, crashes, and the slowest input per byte (`gridd::fuzzing::timed`).
# No sanitizer: the code is safe Rust (`forbid(unsafe_code)`), so ASan would only
# slow the run. cargo-fuzz passes nightly-only flags; RUSTC_BOOTSTRAP=1 lets the
# project's stable toolchain take them.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here/fuzz"
targets=()
limit=(-runs=10000000)
prebuilt=
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) limit=(-runs="$2"); shift 2 ;;
    --seconds) limit=(-max_total_time="$2"); shift 2 ;;
    --prebuilt) prebuilt=1; shift ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(geojson_features grid_feature lookup_json lookup_csv gpkg_geometry validate repair)
export RUSTC_BOOTSTRAP=1
cargo fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz --locked
mkdir -p runs logs
for t in "${targets[@]}"; do
  mkdir -p "runs/$t"
  log="logs/$t.log"
  start=$(date +%s)
  status=0
  flags=(-max_len=4096 -rss_limit_mb=4096 -timeout=10 -print_final_stats=1 "${limit[@]}")
  if [ -n "$prebuilt" ]; then
    mkdir -p "artifacts/$t"
    "target/x86_64-unknown-linux-gnu/release/$t" -artifact_prefix="artifacts/$t/" \
      "runs/$t" "corpus/$t" "${flags[@]}" >"$log" 2>&1 || status=$?
  else
    cargo fuzz run --sanitizer none --release "$t" "runs/$t" "corpus/$t" -- "${flags[@]}" \
      >"$log" 2>&1 || status=$?
  fi
  secs=$(( $(date +%s) - start ))
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  slow=$(grep 'gridd-fuzz slowest per byte' "$log" | tail -1 | sed 's/.*: //' || true)
  crashes=$(ls "artifacts/$t" 2>/dev/null | wc -l)
  echo "$t: ${execs} executions in ${secs} s, exit ${status}, ${crashes} crash inputs, slowest per byte ${slow:-n/a}"
done
