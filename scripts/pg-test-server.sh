#!/usr/bin/env bash
# A private, throwaway PostgreSQL server for the tests: `start` makes a cluster in a fresh temp dir,
# serves it on 127.0.0.1 at a free port and prints `export TASKSIEVE_TEST_PG_URL=… TASKSIEVE_TEST_PG_DIR=…`
# (use with eval); `stop DIR` stops it and deletes DIR; `halt DIR` stops the server but keeps its data
# and `resume DIR` starts it again on the same port (the outage tests). Used by .ci/run and by `npm test` (vitest
# globalSetup) alike, so both exercise the same server. Needs Debian's `postgresql` package.
set -euo pipefail

die() { echo "pg-test-server: $*" >&2; exit 1; }

pg_bin() {
  if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN"; return; fi
  # Debian keeps the server binaries out of PATH, one folder per major version: take the newest.
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] || \
    die "PostgreSQL server binaries not found: install postgresql (apt-get install -y postgresql)"
  echo "$dir"
}

# initdb and postgres refuse to run as root: as root, run them as Debian's `postgres` user.
as_server_user() {
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user: install postgresql (apt-get install -y postgresql)"
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

start() {
  local bin dir port tries=0
  bin=$(pg_bin)
  dir=$(mktemp -d "${TMPDIR:-/tmp}/tasksieve-pg-XXXXXX")
  chmod 755 "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  # trust auth: a throwaway cluster that listens on 127.0.0.1 only, for tests on this machine.
  as_server_user "$bin/initdb" -D "$dir/data" -U tasksieve --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  while :; do
    port=$(free_port)
    # Small and fast on a shared 2-core machine: 32 MB of buffers; fsync, synchronous commit and
    # full-page writes off because this cluster is deleted after the tests (never do this with data
    # you want to keep).
    if as_server_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o \
      "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c shared_buffers=32MB -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      >/dev/null 2>&1; then
      break
    fi
    tries=$((tries + 1))
    # Another process may have taken the port between choosing and binding it: try another.
    [ "$tries" -lt 3 ] || { cat "$dir/server.log" >&2 || true; die "the server did not start"; }
  done
  echo "export TASKSIEVE_TEST_PG_URL=postgres://tasksieve@127.0.0.1:$port/postgres TASKSIEVE_TEST_PG_DIR=$dir"
}

stop() {
  local dir=${1:-${TASKSIEVE_TEST_PG_DIR:-}}
  [ -n "$dir" ] || die "usage: $0 stop DIR"
  [ -d "$dir/data" ] || die "$dir is not a server made by $0 start"
  as_server_user "$(pg_bin)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

# A server made by start, stopped and started again with its data: what a restart of a real server is.
halt() {
  local dir=${1:-}
  [ -n "$dir" ] && [ -d "$dir/data" ] || die "usage: $0 halt DIR (a server made by $0 start)"
  # postmaster.opts holds the command line the server was started with; keep it for resume.
  cp "$dir/data/postmaster.opts" "$dir/opts"
  as_server_user "$(pg_bin)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
}

resume() {
  local dir=${1:-} opts
  [ -n "$dir" ] && [ -f "$dir/opts" ] || die "usage: $0 resume DIR (a server stopped by $0 halt)"
  # `/usr/lib/postgresql/N/bin/postgres "-D" "DIR" "-c" "port=…" …`: everything after the -D pair.
  opts=$(sed -E 's/^[^ ]+ "-D" "[^"]*" ?//' "$dir/opts")
  as_server_user "$(pg_bin)/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o "$opts" >/dev/null
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  halt) halt "${2:-}" ;;
  resume) resume "${2:-}" ;;
  *) die "usage: $0 start | stop DIR | halt DIR | resume DIR" ;;
esac
