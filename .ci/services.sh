#!/usr/bin/env bash
# Starts a throwaway PostgreSQL 15 and Redis on 127.0.0.1 for the test suites.
#
#   eval "$(bash .ci/services.sh start)"   install if missing, start, print the env exports
#   eval "$(bash .ci/services.sh env)"     print the env exports of the running services
#   bash .ci/services.sh stop              stop both and remove their temporary folder
#   bash .ci/services.sh status            exit 0 when both are running
#
# Exports DATABASE_URL_TEST (a role with CREATEDB, so tests can create a database each) and
# REDIS_URL_TEST. Data lives in a temporary folder with fsync off: never point it at real data.
# Every command is idempotent. Progress goes to stderr, the exports to stdout.
set -euo pipefail

readonly PG_ROLE=mutual_rooms
readonly PG_DATABASE=mutual_rooms_test
readonly PG_VERSION_WANTED=15

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# One set of services per checkout: the state pointer is keyed by the checkout's path.
state_key="$(printf '%s' "$repo_root" | sha256sum | cut -c1-12)"
readonly pointer="${TMPDIR:-/tmp}/mutual-rooms-services-${state_key}.path"

log() { printf 'services: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

state_dir() {
  [[ -f "$pointer" ]] && cat "$pointer"
}

# --- install -------------------------------------------------------------------------------

find_pg_bin() {
  local dir
  for dir in "/usr/lib/postgresql/${PG_VERSION_WANTED}/bin" /usr/lib/postgresql/*/bin; do
    if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
      printf '%s\n' "$dir"
      return 0
    fi
  done
  return 1
}

install_packages() {
  local missing=()
  find_pg_bin >/dev/null || missing+=(postgresql)
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v redis-cli >/dev/null || missing+=(redis-tools)
  if ((${#missing[@]} == 0)); then
    return 0
  fi

  if [[ "$(id -u)" != 0 ]]; then
    die "missing ${missing[*]}; install them (apt-get install -y ${missing[*]}) or rerun as root"
  fi

  log "installing ${missing[*]} from Debian packages"
  # Keep the packages' own system services from starting: these tests start their own copies.
  local added_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    added_policy=1
  fi
  local status=0
  {
    DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  } >&2 || status=$?
  if ((added_policy)); then
    rm -f /usr/sbin/policy-rc.d
  fi
  ((status == 0)) || die "apt-get install ${missing[*]} failed with exit code $status"
}

# --- helpers -------------------------------------------------------------------------------

# PostgreSQL refuses to run as root, so as root both servers run as an unprivileged user.
service_user() {
  if [[ "$(id -u)" != 0 ]]; then
    id -un
  elif id postgres >/dev/null 2>&1; then
    echo postgres
  else
    useradd --system --no-create-home --shell /usr/sbin/nologin mutual-rooms-services
    echo mutual-rooms-services
  fi
}

as_service_user() {
  local user="$1"
  shift
  if [[ "$(id -u)" == 0 ]]; then
    # From /, since the service user may not be allowed into the current directory.
    (cd / && runuser -u "$user" -- "$@")
  else
    "$@"
  fi
}

free_port() {
  node -e '
    const server = require("node:net").createServer();
    server.listen(0, "127.0.0.1", () => { console.log(server.address().port); server.close(); });
  '
}

random_hex() {
  od -An -N16 -tx1 /dev/urandom | tr -d ' \n'
}

read_var() {
  local file="$1" name="$2"
  sed -n "s/^${name}=//p" "$file"
}

# --- PostgreSQL ----------------------------------------------------------------------------

start_postgres() {
  local dir="$1" user="$2" pg_bin
  pg_bin="$(find_pg_bin)" || die "PostgreSQL binaries not found under /usr/lib/postgresql"
  local data="$dir/pg/data" sockets="$dir/pg/sockets" password
  password="$(random_hex)"
  mkdir -p "$dir/pg/sockets"
  printf '%s\n' "$password" >"$dir/pg/password"
  chown -R "$user" "$dir/pg"
  chmod 700 "$dir/pg"

  as_service_user "$user" "$pg_bin/initdb" -D "$data" -U postgres -E UTF8 --locale=C \
    --auth-local=trust --auth-host=scram-sha-256 --pwfile="$dir/pg/password" >"$dir/pg/initdb.log" 2>&1 ||
    die "initdb failed; see $dir/pg/initdb.log"

  local attempt port options
  for attempt in 1 2 3; do
    port="$(free_port)"
    options="-c listen_addresses=127.0.0.1 -p $port -k $sockets -c max_connections=200"
    options+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    if as_service_user "$user" "$pg_bin/pg_ctl" -D "$data" -l "$dir/pg/server.log" -w -t 60 start \
      -o "$options" >/dev/null; then
      break
    fi
    ((attempt < 3)) || die "PostgreSQL did not start; see $dir/pg/server.log"
    log "PostgreSQL did not start on port $port, retrying on another port"
  done

  as_service_user "$user" "$pg_bin/psql" -h "$sockets" -p "$port" -U postgres -d postgres -qAt \
    -v ON_ERROR_STOP=1 >/dev/null <<SQL
CREATE ROLE $PG_ROLE LOGIN CREATEDB PASSWORD '$password';
CREATE DATABASE $PG_DATABASE OWNER $PG_ROLE;
SQL
  {
    echo "PG_BIN=$pg_bin"
    echo "PG_PORT=$port"
    echo "DATABASE_URL_TEST=postgres://$PG_ROLE:$password@127.0.0.1:$port/$PG_DATABASE"
  } >>"$dir/env"
  log "PostgreSQL listening on 127.0.0.1:$port"
}

stop_postgres() {
  local dir="$1" pg_bin
  [[ -d "$dir/pg/data" ]] || return 0
  pg_bin="$(read_var "$dir/env" PG_BIN)"
  [[ -n "$pg_bin" ]] || pg_bin="$(find_pg_bin)" || return 0
  if [[ -f "$dir/pg/data/postmaster.pid" ]]; then
    as_service_user "$(stat -c %U "$dir/pg/data")" "$pg_bin/pg_ctl" -D "$dir/pg/data" -m fast -w stop \
      >/dev/null 2>&1 || log "pg_ctl stop failed; see $dir/pg/server.log"
  fi
}

postgres_running() {
  local dir="$1" pg_bin port
  pg_bin="$(read_var "$dir/env" PG_BIN)"
  port="$(read_var "$dir/env" PG_PORT)"
  [[ -n "$pg_bin" && -n "$port" ]] && "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$port"
}

# --- Redis ---------------------------------------------------------------------------------

start_redis() {
  local dir="$1" user="$2" attempt port
  mkdir -p "$dir/redis"
  chown "$user" "$dir/redis"
  for attempt in 1 2 3; do
    port="$(free_port)"
    as_service_user "$user" redis-server --bind 127.0.0.1 --port "$port" --protected-mode yes \
      --unixsocket "$dir/redis/redis.sock" --dir "$dir/redis" --pidfile "$dir/redis/redis.pid" \
      --logfile "$dir/redis/server.log" --daemonize yes --save '' --appendonly no
    local tries
    for tries in $(seq 1 50); do
      if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
        {
          echo "REDIS_PORT=$port"
          echo "REDIS_URL_TEST=redis://127.0.0.1:$port"
        } >>"$dir/env"
        log "Redis listening on 127.0.0.1:$port"
        return 0
      fi
      sleep 0.1
    done
    log "Redis did not answer on port $port, retrying on another port"
    stop_redis "$dir"
  done
  die "Redis did not start; see $dir/redis/server.log"
}

stop_redis() {
  local dir="$1" pid tries
  [[ -f "$dir/redis/redis.pid" ]] || return 0
  pid="$(cat "$dir/redis/redis.pid")"
  kill "$pid" 2>/dev/null || return 0
  for tries in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  log "Redis (pid $pid) did not exit after SIGTERM; sending SIGKILL"
  kill -9 "$pid" 2>/dev/null || true
}

redis_running() {
  local dir="$1" port
  port="$(read_var "$dir/env" REDIS_PORT)"
  [[ -n "$port" ]] && redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG
}

# --- commands ------------------------------------------------------------------------------

print_env() {
  local dir="$1" name
  for name in DATABASE_URL_TEST REDIS_URL_TEST; do
    printf 'export %s=%q\n' "$name" "$(read_var "$dir/env" "$name")"
  done
}

running() {
  local dir
  dir="$(state_dir)" || return 1
  [[ -f "$dir/env" ]] && postgres_running "$dir" && redis_running "$dir"
}

cmd_stop() {
  local dir
  dir="$(state_dir)" || {
    log "no services running for $repo_root"
    return 0
  }
  stop_postgres "$dir"
  stop_redis "$dir"
  rm -rf "$dir" "$pointer"
  log "stopped; removed $dir"
}

cmd_start() {
  if running; then
    log "already running"
    print_env "$(state_dir)"
    return 0
  fi
  # A half-started or crashed earlier run is cleaned up before starting afresh.
  cmd_stop 2>/dev/null

  install_packages
  local dir user
  dir="$(mktemp -d "${TMPDIR:-/tmp}/mutual-rooms-services.XXXXXX")"
  printf '%s\n' "$dir" >"$pointer"
  # Mode 711 lets the service user reach its subfolders while others cannot list the folder.
  chmod 711 "$dir"
  user="$(service_user)"
  (umask 077 && : >"$dir/env")
  start_postgres "$dir" "$user"
  start_redis "$dir" "$user"
  print_env "$dir"
}

cmd_env() {
  running || die "services are not running; start them with: eval \"\$(bash .ci/services.sh start)\""
  print_env "$(state_dir)"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  env) cmd_env ;;
  status) running ;;
  *)
    echo "usage: bash .ci/services.sh start|stop|env|status" >&2
    exit 2
    ;;
esac
