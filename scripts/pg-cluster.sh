#!/usr/bin/env bash
# A highly available PostgreSQL cluster on this machine, run by pg_auto_failover: a monitor, a
# primary and a synchronous standby (number_sync_standbys 1 where the monitor accepts it, and
# synchronous_commit = remote_apply), on loopback ports, in a temporary folder. For the failover
# tests (test/long/failover.test.ts) and for developers.
#
#   bash scripts/pg-cluster.sh start [env-file]   starts it, waits until a primary and a secondary
#                                                  are ready, prints the two connection strings and
#                                                  writes them (OPD_HA_URLS, …) to env-file
#                                                  (default: <folder>/env)
#   bash scripts/pg-cluster.sh stop               stops everything and deletes the folder
#   bash scripts/pg-cluster.sh events [count]     the monitor's latest state changes
#
# Needs the Debian packages postgresql-15-auto-failover and pg-auto-failover-cli. The processes run
# as the `postgres` user. Settings (environment): OPD_HA_DIR (the folder; default
# /tmp/opd-ha-cluster), OPD_HA_PORT (the monitor's port; the nodes take the next two; default 6500).
# Each node runs in a session of its own (setsid): a test kills a node's whole process group
# (`kill -9 -<pgid>`, the pgid in <folder>/node<n>.pgid) to take the machine down, and starts it
# again with `bash scripts/pg-cluster.sh restart-node <n>`.
set -euo pipefail

DIR="${OPD_HA_DIR:-/tmp/opd-ha-cluster}"
PORT="${OPD_HA_PORT:-6500}"
HOST=127.0.0.1
PGBIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
export PATH="$PGBIN:$PATH"
MONITOR_URL="postgres://autoctl_node@$HOST:$PORT/pg_auto_failover?sslmode=disable"

as_pg() {
  local become=(runuser -u postgres --)
  [ "$(id -u)" -ne 0 ] && become=(sudo -u postgres)
  if [ "$(id -un)" = postgres ]; then env PATH="$PATH" PG_CONFIG="$PGBIN/pg_config" "$@"; else
    "${become[@]}" env PATH="$PATH" PG_CONFIG="$PGBIN/pg_config" XDG_CONFIG_HOME="$DIR/config" XDG_DATA_HOME="$DIR/data" XDG_RUNTIME_DIR="$DIR/run" "$@"
  fi
}

# Runs `pg_autoctl run` for a folder in a session of its own, logging to <name>.log.
run_node() {
  local name=$1
  as_pg setsid pg_autoctl run --pgdata "$DIR/$name" >>"$DIR/$name.log" 2>&1 &
  # The session's id is the pid of `pg_autoctl run` (setsid made it the session leader).
  local pgid=""
  for _ in $(seq 1 50); do
    pgid=$(pgrep -u postgres -x -f "pg_autoctl run --pgdata $DIR/$name" | head -1 || true)
    [ -n "$pgid" ] && break
    sleep 0.1
  done
  echo "$pgid" >"$DIR/$name.pgid"
}

node_url() { echo "postgres://postgres@$HOST:$1/opd?sslmode=disable&connect_timeout=2"; }

state() { as_pg pg_autoctl show state --pgdata "$DIR/monitor" 2>/dev/null || true; }

events() { as_pg pg_autoctl show events --pgdata "$DIR/monitor" --count "${1:-60}" 2>/dev/null || true; }

wait_ready() {
  for _ in $(seq 1 180); do
    local s
    s=$(state)
    if grep -q "| *primary *| *primary" <<<"$s" && grep -q "| *secondary *| *secondary" <<<"$s"; then return 0; fi
    sleep 1
  done
  echo "the cluster did not become ready:" >&2
  state >&2
  return 1
}

start() {
  local envfile="${1:-$DIR/env}"
  if [ -d "$DIR" ]; then echo "$DIR exists: run '$0 stop' first" >&2; exit 1; fi
  mkdir -p "$DIR/config" "$DIR/data" "$DIR/run"
  chown -R postgres: "$DIR" 2>/dev/null || sudo chown -R postgres: "$DIR"
  as_pg pg_autoctl create monitor --pgdata "$DIR/monitor" --pgport "$PORT" --hostname "$HOST" --auth trust --no-ssl >"$DIR/monitor.log" 2>&1
  # Failures noticed within seconds rather than the default tens of seconds — but not a standby
  # slowed by a busy machine: a standby marked unhealthy turns synchronous replication off on the
  # primary (wait_primary) until it is back, and a primary lost in that window takes the commits
  # the standby had not received with it.
  cat >>"$DIR/monitor/postgresql.conf" <<'EOF'
pgautofailover.health_check_period = 1000
pgautofailover.health_check_timeout = 2000
pgautofailover.health_check_max_retries = 2
pgautofailover.health_check_retry_delay = 500
pgautofailover.node_considered_unhealthy_timeout = 5000
pgautofailover.primary_demote_timeout = 5000
EOF
  run_node monitor
  for _ in $(seq 1 60); do pg_isready -q -h "$HOST" -p "$PORT" && break; sleep 0.5; done
  local n
  for n in 1 2; do
    as_pg pg_autoctl create postgres --pgdata "$DIR/node$n" --pgport $((PORT + n)) --hostname "$HOST" --name "node$n" \
      --dbname opd --monitor "$MONITOR_URL" --auth trust --no-ssl --pg-hba-lan >"$DIR/node$n.log" 2>&1
    run_node "node$n"
    # The first node is the primary before the second is created (it then starts as its standby).
    for _ in $(seq 1 120); do
      if [ "$n" = 1 ] && grep -q "| *single *| *single" <<<"$(state)"; then break; fi
      if [ "$n" = 2 ]; then break; fi
      sleep 1
    done
  done
  wait_ready
  as_pg pg_autoctl set formation number-sync-standbys 1 --pgdata "$DIR/monitor" >>"$DIR/monitor.log" 2>&1 ||
    echo "(number_sync_standbys stays 0, the most the monitor allows with one standby: the primary still waits for that standby, synchronous_standby_names 'ANY 1 (…)')" >&2
  local url1 url2
  url1=$(node_url $((PORT + 1)))
  url2=$(node_url $((PORT + 2)))
  # Every commit acknowledged only once the standby applied it: a read on the standby sees it.
  for url in "$url1" "$url2"; do psql -qAt "$url" -c "ALTER SYSTEM SET synchronous_commit = 'remote_apply'" -c 'SELECT pg_reload_conf()' >/dev/null 2>&1 || true; done
  wait_ready
  cat >"$envfile" <<EOF
OPD_HA_URLS='$url1,$url2'
OPD_HA_DIR='$DIR'
OPD_HA_MONITOR='$MONITOR_URL'
EOF
  state
  echo "OPD_HA_URLS=$url1,$url2"
  echo "(written to $envfile)"
}

# The session of a node's `pg_autoctl run`, from its pgid file, only if that process is still it.
session_of() {
  local name=$1 pgid
  [ -f "$DIR/$name.pgid" ] || return 1
  pgid=$(cat "$DIR/$name.pgid")
  [ -n "$pgid" ] && [ "$(ps -o user=,args= -p "$pgid" 2>/dev/null | tr -s ' ')" = "postgres pg_autoctl run --pgdata $DIR/$name" ] || return 1
  echo "$pgid"
}

stop() {
  [ -d "$DIR" ] || return 0
  local name pgid
  for name in node2 node1 monitor; do
    if pgid=$(session_of "$name"); then kill -TERM -- "-$pgid" 2>/dev/null || true; fi
  done
  sleep 3
  for name in node2 node1 monitor; do
    if pgid=$(session_of "$name"); then kill -KILL -- "-$pgid" 2>/dev/null || true; fi
    # A postmaster left behind (its keeper killed first): only this folder's.
    if [ -f "$DIR/$name/postmaster.pid" ]; then
      pgid=$(head -1 "$DIR/$name/postmaster.pid")
      if ps -o args= -p "$pgid" 2>/dev/null | grep -q -- "-D $DIR/$name"; then kill -KILL "$pgid" 2>/dev/null || true; fi
    fi
  done
  rm -rf "$DIR"
}

case "${1:-}" in
  start) start "${2:-}" ;;
  stop) stop ;;
  restart-node) run_node "node$2" ;;
  state) state ;;
  events) events "${2:-60}" ;;
  *) echo "usage: $0 start [env-file] | stop | restart-node <1|2> | state | events [count]" >&2; exit 2 ;;
esac
