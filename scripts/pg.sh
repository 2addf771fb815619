#!/usr/bin/env bash
# Start (installing when missing) a throw-away PostgreSQL 15 + PostGIS 3 cluster for
# tests and benchmarks, listening on 127.0.0.1:${GRIDD_PG_PORT:-54329}.
#   scripts/pg.sh start   – install if needed, init if needed, start; prints DATABASE_URL
#   scripts/pg.sh stop    – stop the cluster
#   scripts/pg.sh url     – print the DATABASE_URL of the cluster
# No Docker here: Debian's packages and pg_ctl. The data directory is in the
# system temp folder (GRIDD_PG_DATA overrides). Runs as root by switching to the postgres user.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
port=${GRIDD_PG_PORT:-54329}
# Outside the checkout: the postgres user must reach it even when the clone lives
# under a private home directory.
data=${GRIDD_PG_DATA:-${TMPDIR:-/tmp}/gridd-pgdata-$port}
bin=/usr/lib/postgresql/15/bin
url="postgres://gridd:gridd@127.0.0.1:$port/gridd"

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install() {
  local need=()
  [ -x "$bin/pg_ctl" ] || need+=(postgresql-15)
  [ -f /usr/share/postgresql/15/extension/postgis.control ] || need+=(postgresql-15-postgis-3)
  if [ ${#need[@]} -gt 0 ]; then
    echo "pg.sh: installing ${need[*]} from Debian's packages…" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
  fi
}

start() {
  install
  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$data"
    as_pg "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$data'
max_connections = 300
shared_buffers = 512MB
fsync = on
synchronous_commit = on
wal_level = replica
max_wal_senders = 4
CONF
  fi
  if ! as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    as_pg "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 start >/dev/null
  fi
  psql_() { as_pg psql -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
  if [ "$(psql_ -c "select 1 from pg_roles where rolname='gridd'")" != 1 ]; then
    psql_ -c "create role gridd login superuser password 'gridd'"
  fi
  if [ "$(psql_ -c "select 1 from pg_database where datname='gridd'")" != 1 ]; then
    psql_ -c "create database gridd owner gridd"
  fi
  psql_ -d gridd -c "create extension if not exists postgis"
  # Each test makes a database gridd_t_<pid>_<n>; drop those whose test process is
  # gone, so that repeated runs do not fill the disk.
  for db in $(psql_ -c "select datname from pg_database where datname like 'gridd\_t\_%'"); do
    pid=${db#gridd_t_}; pid=${pid%%_*}
    if ! kill -0 "$pid" 2>/dev/null; then
      psql_ -c "drop database if exists \"$db\"" >/dev/null 2>&1 || true
    fi
  done
  echo "$url"
}

stop() {
  if [ -f "$data/PG_VERSION" ]; then as_pg "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null || true; fi
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  url) echo "$url" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
