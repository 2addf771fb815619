#!/usr/bin/env bash
# Vector tile benchmark: gridd (tiles from its in-memory atlas) against Martin 1.14
# (ST_AsMVT in PostGIS) on the SAME PostGIS tables, on the demo data and on a
# synthetic city (`gridd synth`), cold (every cache off) and warm (caches on, after a
# warm-up pass), with Debian's wrk at 64 connections walking one shuffled list of
# z12/z14/z16 grid and building tiles. Then the staleness check: edit a grid through
# gridd's API and fetch the tile from both servers again.
#
#   scripts/bench-tiles.sh            # results in target/bench-tiles/
#
# Environment (defaults): DURATION=15 (seconds per wrk run), CONNECTIONS=64,
# THREADS=2 (wrk threads), GRIDS_L3=50000, BUILDINGS=500000, FRESH=0 (1 drops and
# reloads both benchmark databases), DATASETS="demo synth", GRIDD_PORT=18081,
# MARTIN_PORT=18082, MARTIN=target/martin/bin/martin.
#
# Only 127.0.0.1 is ever contacted. Every wrk run is bounded by DURATION; the whole
# script by ~15 minutes (a fresh synthetic import included). It stops everything it
# started (servers by pid; the PostgreSQL cluster only if it was not running before).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

DURATION=${DURATION:-15}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
GRIDS_L3=${GRIDS_L3:-50000}
BUILDINGS=${BUILDINGS:-500000}
FRESH=${FRESH:-0}
DATASETS=${DATASETS:-demo synth}
GRIDD_PORT=${GRIDD_PORT:-18081}
MARTIN_PORT=${MARTIN_PORT:-18082}
GRIDD=${GRIDD:-$root/target/release/gridd}
MARTIN=${MARTIN:-$root/target/martin/bin/martin}
out=$root/target/bench-tiles
mkdir -p "$out"
results=$out/results.tsv
log() { echo "[bench-tiles $(date +%H:%M:%S)] $*" >&2; }

command -v wrk >/dev/null || { log "installing wrk (Debian)"; apt-get install -y -qq wrk >/dev/null; }
[ -x "$GRIDD" ] || { log "building gridd (release)"; cargo build --release -p gridd; }
[ -x "$MARTIN" ] || {
  echo "Martin 1.14 is missing: cargo install martin@1.14.0 --locked --no-default-features --features postgres --root $root/target/martin" >&2
  exit 1
}

# --- processes we start, stopped on exit ------------------------------------------
pids=()
pg_started=0
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "$pg_started" = 1 ]; then log "stopping PostgreSQL (started by this script)"; scripts/pg.sh stop; fi
}
trap cleanup EXIT
stop_pid() {
  local p=$1
  kill "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
  local keep=()
  for q in "${pids[@]}"; do [ "$q" != "$p" ] && keep+=("$q"); done
  pids=("${keep[@]}")
}

# A server left on one of our ports would be measured instead of ours.
for port in "$GRIDD_PORT" "$MARTIN_PORT"; do
  if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
    echo "port $port is already in use: stop that server or set GRIDD_PORT/MARTIN_PORT" >&2
    exit 1
  fi
done

# --- PostgreSQL -------------------------------------------------------------------
# Others may use the cluster: stop it at the end only if this script started it.
if ! pg_isready -q -h 127.0.0.1 -p "${GRIDD_PG_PORT:-54329}" 2>/dev/null; then
  pg_started=1
fi
base_url=$(scripts/pg.sh start)
base_url=${base_url%/*}
psql_() { runuser -u postgres -- psql -h 127.0.0.1 -p "${GRIDD_PG_PORT:-54329}" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"; }

db_url() { echo "$base_url/gridd_bench_$1"; }
ensure_db() { # name → 0 when it already holds data
  local db=gridd_bench_$1
  if [ "$FRESH" = 1 ]; then psql_ -c "drop database if exists $db" >/dev/null; fi
  if [ "$(psql_ -c "select 1 from pg_database where datname='$db'")" != 1 ]; then
    psql_ -c "create database $db owner gridd" >/dev/null
    psql_ -d "$db" -c "create extension if not exists postgis" >/dev/null
  fi
  local n
  n=$(psql_ -d "$db" -c "select count(*) from subdistrict" 2>/dev/null || echo 0)
  [ "${n:-0}" -gt 0 ]
}

wait_http() { # url, pid, seconds
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    curl -s -o /dev/null "$1" && return 0
    kill -0 "$2" 2>/dev/null || { log "process $2 died"; return 1; }
    sleep 0.1
  done
  log "timeout waiting for $1"; return 1
}

load() {
  local set=$1 url
  url=$(db_url "$set")
  if ensure_db "$set"; then log "$set: already loaded"; return; fi
  case $set in
    demo)
      log "demo: loading through gridd serve --demo"
      "$GRIDD" serve --demo --database-url "$url" --addr "127.0.0.1:$GRIDD_PORT" --tile-cache-mb 0 >"$out/load-demo.log" 2>&1 &
      local p=$!; pids+=("$p")
      wait_http "http://127.0.0.1:$GRIDD_PORT/tiles" "$p" 300
      stop_pid "$p"
      ;;
    synth)
      log "synth: gridd synth --grids-l3 $GRIDS_L3 --buildings $BUILDINGS"
      timeout 600 "$GRIDD" synth --database-url "$url" --grids-l3 "$GRIDS_L3" --buildings "$BUILDINGS" 2>&1 | tee "$out/load-synth.log" >&2
      ;;
  esac
}

# --- Martin -----------------------------------------------------------------------
martin_config() { # set, cache_mb → path
  local f=$out/martin-$1-$2.yaml
  cat >"$f" <<YAML
listen_addresses: '127.0.0.1:$MARTIN_PORT'
cache_size_mb: $2
postgres:
  connection_string: '$(db_url "$1")'
  pool_size: 20
  auto_bounds: skip
  auto_publish: false
  tables:
    grid:
      schema: public
      table: grid
      srid: 4326
      geometry_column: geom
      geometry_type: GEOMETRY
      id_column: id
      properties: { code: text, name: text, level: int2, parent_id: int8, households: int4, kind: text, version: int8 }
    building:
      schema: public
      table: building
      srid: 4326
      geometry_column: geom
      geometry_type: GEOMETRY
      id_column: id
      properties: { usage: text, levels: float8, households: int4, name: text }
YAML
  echo "$f"
}

start_gridd() { # set, cache_mb → $started (pid); not in a subshell, so cleanup knows it
  "$GRIDD" serve --database-url "$(db_url "$1")" --addr "127.0.0.1:$GRIDD_PORT" --tile-cache-mb "$2" >"$out/gridd-$1-$2.log" 2>&1 &
  local p=$!; pids+=("$p")
  wait_http "http://127.0.0.1:$GRIDD_PORT/tiles" "$p" 180
  # Measure only once gridd follows other instances. (It LISTENs before loading, so
  # since b2b7fcf there is no start-up reload; older builds reloaded the store and
  # cleared the tile cache here.)
  local i
  for ((i = 0; i < 1800; i++)); do
    grep -q "following other instances" "$out/gridd-$1-$2.log" && break
    sleep 0.1
  done
  started=$p
}

start_martin() { # set, cache_mb
  "$MARTIN" --config "$(martin_config "$1" "$2")" >"$out/martin-$1-$2.log" 2>&1 &
  local p=$!; pids+=("$p")
  wait_http "http://127.0.0.1:$MARTIN_PORT/catalog" "$p" 120
  started=$p
}

# --- tile lists -------------------------------------------------------------------
tile_lists() { # set → writes $out/urls-<set>-{gridd,martin}.txt
  local set=$1 bbox
  bbox=$(psql_ -d "gridd_bench_$set" -F' ' -c "select st_xmin(e), st_ymin(e), st_xmax(e), st_ymax(e) from (select st_extent(geom) e from grid) t")
  # shellcheck disable=SC2086
  python3 scripts/bench/tiles.py $bbox >"$out/tiles-$set.txt"
  awk '{ printf "/tiles/%s/%d/%d/%d.mvt\n", ($1 == "grid" ? "grids" : "buildings"), $2, $3, $4 }' "$out/tiles-$set.txt" >"$out/urls-$set-gridd.txt"
  awk '{ printf "/%s/%d/%d/%d\n", $1, $2, $3, $4 }' "$out/tiles-$set.txt" >"$out/urls-$set-martin.txt"
  log "$set: $(wc -l <"$out/tiles-$set.txt") tiles ($(awk '{print $1" z"$2}' "$out/tiles-$set.txt" | sort | uniq -c | tr -s ' ' | paste -sd, -))"
}

warm_up() { # port, list: every tile once, 8 at a time
  sed "s|^|http://127.0.0.1:$1|" "$2" | xargs -P 8 -n 1 curl -s -o /dev/null
}

run_wrk() { # label, port, list
  local line
  line=$(wrk -t "$THREADS" -c "$CONNECTIONS" -d "${DURATION}s" --timeout 10s -s scripts/bench/urls.lua "http://127.0.0.1:$2" -- "$3" | grep '^RESULT' || true)
  log "$1: $line"
  printf '%s\t%s\n' "$1" "$line" >>"$results"
}

rss_mb() { awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo "?"; }

# --- staleness --------------------------------------------------------------------
staleness() { # set (gridd and Martin both running with caches on)
  local set=$1 gid z=16 tx ty
  gid=$(psql_ -d "gridd_bench_$set" -c "select id from grid where level = 3 order by id limit 1 offset (select count(*) / 2 from grid where level = 3)")
  read -r tx ty < <(psql_ -d "gridd_bench_$set" -F' ' -c "
    with p as (select st_pointonsurface(geom) g from grid where id = $gid)
    select floor((st_x(g) + 180) / 360 * 2^$z)::int,
           floor((1 - ln(tan(radians(st_y(g))) + 1 / cos(radians(st_y(g)))) / pi()) / 2 * 2^$z)::int from p")
  local gurl="http://127.0.0.1:$GRIDD_PORT/tiles/grids/$z/$tx/$ty.mvt" murl="http://127.0.0.1:$MARTIN_PORT/grid/$z/$tx/$ty"
  local stamp="STALE-CHECK-$(date +%s)"
  curl -s -o "$out/stale-gridd-before.mvt" "$gurl"
  curl -s -o "$out/stale-martin-before.mvt" "$murl"
  curl -s -o "$out/stale-martin-before2.mvt" "$murl" # now surely cached
  local etag
  etag=$(curl -s -D "$out/stale-get.h" -o "$out/stale-grid.json" "http://127.0.0.1:$GRIDD_PORT/api/v1/grids/$gid" && awk 'tolower($1) == "etag:" { print $2 }' "$out/stale-get.h" | tr -d '\r')
  python3 - "$out/stale-grid.json" "$stamp" >"$out/stale-put.json" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
f["properties"]["name"] = sys.argv[2]
json.dump(f, sys.stdout)
PY
  local code
  code=$(curl -s -o "$out/stale-put-answer.json" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' -H "If-Match: $etag" \
    -H 'X-Gridd-User: bench-tiles' --data-binary @"$out/stale-put.json" "http://127.0.0.1:$GRIDD_PORT/api/v1/grids/$gid")
  curl -s -o "$out/stale-gridd-after.mvt" "$gurl"
  curl -s -o "$out/stale-martin-after.mvt" "$murl"
  local db_name g_has m_has g_same m_same
  db_name=$(psql_ -d "gridd_bench_$set" -c "select name from grid where id = $gid")
  g_has=$(grep -c -a "$stamp" "$out/stale-gridd-after.mvt" || true)
  m_has=$(grep -c -a "$stamp" "$out/stale-martin-after.mvt" || true)
  cmp -s "$out/stale-gridd-before.mvt" "$out/stale-gridd-after.mvt" && g_same=identical || g_same=changed
  cmp -s "$out/stale-martin-before.mvt" "$out/stale-martin-after.mvt" && m_same=identical || m_same=changed
  {
    echo "staleness ($set): grid $gid, tile z$z/$tx/$ty; PUT name=$stamp with If-Match $etag → HTTP $code; name in PostGIS now: $db_name"
    echo "  gridd  (cache on): tile bytes $g_same after the edit; new name in tile: $([ "${g_has:-0}" -gt 0 ] && echo yes || echo NO)"
    echo "  Martin (cache on): tile bytes $m_same after the edit; new name in tile: $([ "${m_has:-0}" -gt 0 ] && echo yes || echo NO)"
  } | tee -a "$out/staleness.txt" >&2
  # Put the name back (the data stays as generated).
  etag=$(awk 'tolower($1) == "etag:" { print $2 }' < <(curl -s -D - -o "$out/stale-grid2.json" "http://127.0.0.1:$GRIDD_PORT/api/v1/grids/$gid") | tr -d '\r')
  python3 - "$out/stale-grid2.json" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["properties"]["name"])' "$out/stale-grid.json")" >"$out/stale-put2.json" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
f["properties"]["name"] = sys.argv[2]
json.dump(f, sys.stdout)
PY
  curl -s -o /dev/null -X PUT -H 'Content-Type: application/json' -H "If-Match: $etag" -H 'X-Gridd-User: bench-tiles' \
    --data-binary @"$out/stale-put2.json" "http://127.0.0.1:$GRIDD_PORT/api/v1/grids/$gid"
}

# --- main -------------------------------------------------------------------------
: >"$results"
: >"$out/staleness.txt"
{
  echo "machine: $(lscpu | awk -F: '/Model name/ { gsub(/^ +/, "", $2); print $2; exit }'), $(nproc) cores, $(free -g | awk '/Mem:/ { print $2 }') GB RAM"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}'), $THREADS threads, $CONNECTIONS connections, ${DURATION}s per run"
  echo "martin: $("$MARTIN" --version 2>&1 | head -1)"
  echo "gridd: $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- server tiles || echo '+dirty')"
} | tee "$out/machine.txt" >&2

for set in $DATASETS; do
  load "$set"
  psql_ -d "gridd_bench_$set" -c "vacuum analyze grid" -c "vacuum analyze building" >/dev/null
  sizes=$(psql_ -d "gridd_bench_$set" -F' ' -c "select (select count(*) from grid), (select count(*) from building), (select count(*) from road)")
  log "$set: grids buildings roads = $sizes"
  printf '%s\tsizes %s\n' "$set" "$sizes" >>"$results"
  tile_lists "$set"
  glist=$out/urls-$set-gridd.txt mlist=$out/urls-$set-martin.txt

  # Cold: every cache off.
  start_gridd "$set" 0; gp=$started
  log "$set: gridd up (cache off), RSS $(rss_mb "$gp") MB"
  run_wrk "$set gridd cold" "$GRIDD_PORT" "$glist"
  stop_pid "$gp"
  start_martin "$set" 0; mp=$started
  run_wrk "$set martin cold" "$MARTIN_PORT" "$mlist"
  stop_pid "$mp"

  # Warm: both caches on, after one pass over the list.
  start_gridd "$set" 1024; gp=$started
  start_martin "$set" 1024; mp=$started
  warm_up "$GRIDD_PORT" "$glist"
  warm_up "$MARTIN_PORT" "$mlist"
  log "$set: warmed up; gridd RSS $(rss_mb "$gp") MB, Martin RSS $(rss_mb "$mp") MB"
  printf '%s\trss_mb gridd=%s martin=%s\n' "$set" "$(rss_mb "$gp")" "$(rss_mb "$mp")" >>"$results"
  run_wrk "$set gridd warm" "$GRIDD_PORT" "$glist"
  run_wrk "$set martin warm" "$MARTIN_PORT" "$mlist"
  staleness "$set"
  stop_pid "$gp"
  stop_pid "$mp"
done

log "results in $results"
cat "$results"
cat "$out/staleness.txt"
