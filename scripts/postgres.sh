#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite: `start` prints the URL to export as
# ALBUM_TEST_DATABASE_URL, `stop` ends it and removes its data. It runs as the postgres user
# (the server refuses root) from a temporary data folder, on loopback only, with fsync off:
# test data is disposable, speed matters.
set -euo pipefail
PORT=${ALBUM_PG_PORT:-54329}
DATA=${ALBUM_PG_DATA:-/tmp/huace-pg-$PORT}

bin_dir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
  echo "$d"
}

as_pg() {
  # From /: the postgres user may not enter the caller's folder (a private mktemp clone in CI).
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

case "${1:-}" in
  start)
    BIN=$(bin_dir)
    if [ -f "$DATA/PG_VERSION" ] && ! as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
      rm -rf "$DATA"  # left by a server that was killed: start afresh, the data is disposable
    fi
    if [ ! -f "$DATA/PG_VERSION" ]; then
      mkdir -p "$DATA"
      [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$DATA"
      as_pg "$BIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
      as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 start \
        -o "-p $PORT -k $DATA -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null
    fi
    echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"
    ;;
  stop)
    BIN=$(bin_dir)
    if [ -f "$DATA/PG_VERSION" ]; then
      as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true
      rm -rf "$DATA"
    fi
    ;;
  *)
    echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
