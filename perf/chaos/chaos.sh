#!/usr/bin/env bash
# chaos.sh: `make chaos` — a 3-node cluster, each node in its own network namespace, with its
# own PostgreSQL and Redis on a bridge, 200 jobs whose scripts log every run, a seeded random
# schedule of faults, then the invariants checked (perf/chaos/chaos.py drives, check.py checks;
# check_test.py first shows the checker catches each violation on made-up runs).
#
# This file owns the machine-level set-up and its cleanup: the bridge and namespaces, the
# PostgreSQL cluster and the Redis server (both under .data/chaos, on their own ports, so the
# shared test services on 25432/26379 are never touched). It cleans up at start (leftovers of a
# crashed run) and on exit, interrupted or not (trap).
#
#   bridge chaos-br  10.77.0.1/24 (host), 10.77.0.2 (PostgreSQL :25532), 10.77.0.3 (Redis :26479)
#   namespace chaos-nK (K = 1..3): eth0 10.77.0.1K/24, peer chaos-vK on the bridge
#
# Environment: CHAOS_SEED (default 1), CHAOS_DURATION (s, default 180), DSCHED_BIN (default
# .build/release/dsched). Needs root (namespaces, links, routes); re-runs itself with sudo.
# Usage: perf/chaos/chaos.sh        Last line: chaos: faults N, runs R, duplicates D, lost L, stranded S, early E
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "$(id -u)" -ne 0 ]; then exec sudo -E "$0" "$@"; fi
# One chaos run at a time on this host (namespaces, bridge and ports are fixed names): a second
# waits. flock -o: the lock stays with flock, never inherited by the nodes.
if [ "${1:-run}" = run ] && [ -z "${CHAOS_LOCKED:-}" ]; then
    CHAOS_LOCKED=1 exec flock -o /tmp/dsched-chaos.lock "$0" "$@"
fi

export CHAOS_ROOT=$PWD/.data/chaos
export CHAOS_PGHOST=10.77.0.2 CHAOS_PGPORT=25532 CHAOS_REDISHOST=10.77.0.3 CHAOS_REDISPORT=26479
export PYTHONDONTWRITEBYTECODE=1
export CHAOS_SEED=${CHAOS_SEED:-1} CHAOS_DURATION=${CHAOS_DURATION:-180}
export DSCHED_BIN=${DSCHED_BIN:-$PWD/.build/release/dsched}
NODES=(1 2 3)
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$pgbin" ] || { echo "chaos: PostgreSQL is not installed (run make deps)" >&2; exit 1; }
[ -x "$DSCHED_BIN" ] || { echo "chaos: no dsched binary at $DSCHED_BIN (make release)" >&2; exit 1; }
# PostgreSQL runs as `postgres`; its data goes where that user can reach it.
pgroot=$CHAOS_ROOT
mkdir -p "$CHAOS_ROOT"
if ! runuser -u postgres -- test -x "$CHAOS_ROOT"; then
    pgroot=/var/tmp/dsched-chaos-$(printf '%s' "$PWD" | md5sum | cut -c1-12)
fi
export CHAOS_PGDATA=$pgroot/pg

# Everything this suite started: processes in its namespaces (nodes, proxies, scripts), its
# PostgreSQL and Redis (by their pid files), the namespaces and links, the server data.
cleanup() {
    local ns pid
    if [ -n "${driver:-}" ]; then kill -9 "$driver" 2>/dev/null || true; fi
    for k in "${NODES[@]}"; do
        ns=chaos-n$k
        if ip netns list | grep -qw "$ns"; then
            for pid in $(ip netns pids "$ns"); do kill -CONT "$pid" 2>/dev/null || true; kill -9 "$pid" 2>/dev/null || true; done
            ip netns delete "$ns"
        fi
        ip link delete "chaos-v$k" 2>/dev/null || true
    done
    if [ -s "$CHAOS_PGDATA/postmaster.pid" ]; then
        runuser -u postgres -- "$pgbin/pg_ctl" -D "$CHAOS_PGDATA" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    if [ -s "$CHAOS_ROOT/redis/redis.pid" ]; then
        pid=$(cat "$CHAOS_ROOT/redis/redis.pid")
        [ "$(cat /proc/"$pid"/comm 2>/dev/null)" != redis-server ] || kill -9 "$pid"
    fi
    ip link delete chaos-br 2>/dev/null || true
    rm -rf "$CHAOS_PGDATA" "$CHAOS_ROOT/redis"
}

network_up() {
    ip link add chaos-br type bridge
    ip addr add 10.77.0.1/24 dev chaos-br
    ip addr add "$CHAOS_PGHOST/24" dev chaos-br
    ip addr add "$CHAOS_REDISHOST/24" dev chaos-br
    ip link set chaos-br up
    for k in "${NODES[@]}"; do
        ip netns add "chaos-n$k"
        ip link add "chaos-v$k" type veth peer name eth0 netns "chaos-n$k"
        ip link set "chaos-v$k" master chaos-br up
        ip -n "chaos-n$k" addr add "10.77.0.1$k/24" dev eth0
        ip -n "chaos-n$k" link set eth0 up
        ip -n "chaos-n$k" link set lo up
    done
}

services_up() {
    mkdir -p "$pgroot" "$CHAOS_ROOT/redis"
    chown postgres "$pgroot"
    runuser -u postgres -- "$pgbin/initdb" -D "$CHAOS_PGDATA" -U dsched --auth=trust -E UTF8 --no-locale >"$CHAOS_ROOT/initdb.log"
    # Trust on the bridge: the nodes connect from their namespaces' addresses.
    echo "host all all 10.77.0.0/24 trust" >>"$CHAOS_PGDATA/pg_hba.conf"
    pg_start
    createdb -h "$CHAOS_PGHOST" -p "$CHAOS_PGPORT" -U dsched dsched
    redis_start
}

pg_start() {
    runuser -u postgres -- "$pgbin/pg_ctl" -D "$CHAOS_PGDATA" -l "$CHAOS_ROOT/postgres.log" -w -t 60 \
        -o "-h $CHAOS_PGHOST -p $CHAOS_PGPORT -k $CHAOS_PGDATA -c max_connections=100" start >/dev/null
}

redis_start() {
    # Not protected mode: the bridge is this host's own, and the nodes reach Redis from their namespaces.
    redis-server --bind "$CHAOS_REDISHOST" --port "$CHAOS_REDISPORT" --daemonize yes --dir "$CHAOS_ROOT/redis" \
        --pidfile "$CHAOS_ROOT/redis/redis.pid" --logfile "$CHAOS_ROOT/redis/redis.log" --save "" --appendonly no --protected-mode no
    for _ in $(seq 100); do redis-cli -h "$CHAOS_REDISHOST" -p "$CHAOS_REDISPORT" ping >/dev/null 2>&1 && return 0; sleep 0.05; done
    echo "chaos: Redis did not start; see $CHAOS_ROOT/redis/redis.log" >&2
    return 1
}

case "${1:-run}" in
    # The driver calls these back for the faults that restart a server.
    pg-restart) runuser -u postgres -- "$pgbin/pg_ctl" -D "$CHAOS_PGDATA" -l "$CHAOS_ROOT/postgres.log" -m fast -w -t 60 \
                    -o "-h $CHAOS_PGHOST -p $CHAOS_PGPORT -k $CHAOS_PGDATA -c max_connections=100" restart >/dev/null ;;
    redis-restart-empty)
        redis-cli -h "$CHAOS_REDISHOST" -p "$CHAOS_REDISPORT" shutdown nosave >/dev/null 2>&1 || true
        for _ in $(seq 100); do [ -e "$CHAOS_ROOT/redis/redis.pid" ] || break; sleep 0.05; done
        redis_start ;;
    pg-ensure) "$pgbin/pg_isready" -q -h "$CHAOS_PGHOST" -p "$CHAOS_PGPORT" || pg_start ;;
    redis-ensure) redis-cli -h "$CHAOS_REDISHOST" -p "$CHAOS_REDISPORT" ping >/dev/null 2>&1 || redis_start ;;
    run)
        # The checker first shows it catches each violation on made-up runs.
        python3 -m unittest -q perf/chaos/check_test.py 2>&1 | tail -n 1
        cleanup
        rm -rf "$CHAOS_ROOT"
        mkdir -p "$CHAOS_ROOT"
        trap 'cleanup' EXIT
        trap 'exit 130' INT
        trap 'exit 143' TERM
        network_up
        services_up
        # In the background, so that a signal to this script runs the trap at once (bash runs
        # traps only between commands); the driver's exit status is the suite's.
        python3 perf/chaos/chaos.py &
        driver=$!
        wait "$driver" ;;
    *) echo "usage: $0 [run|pg-restart|redis-restart-empty|pg-ensure|redis-ensure]" >&2; exit 2 ;;
esac
