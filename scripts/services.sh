#!/usr/bin/env bash
# services.sh start|stop|status|pg-start|pg-stop|redis-start|redis-stop
#
# A PostgreSQL and a Redis for development and tests, on loopback, on the ports of env.sh,
# with data and logs under .data/ (ignored by git). Starting is idempotent: a running service is
# left as it is. PostgreSQL refuses to run as root, so as root (CI) it runs as the `postgres`
# user the Debian package creates; its data then goes where that user can reach it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$pgbin" ] || { echo "services: PostgreSQL is not installed (run make deps)" >&2; exit 1; }

as_pg=()
pgroot=$DSCHED_DATA
if [ "$(id -u)" -eq 0 ]; then
    as_pg=(runuser -u postgres --)
    mkdir -p "$DSCHED_DATA"
    if ! runuser -u postgres -- test -x "$DSCHED_DATA"; then
        # The checkout's folder is not reachable by the postgres user: keep the cluster in /var/tmp.
        pgroot=/var/tmp/dsched-$(printf '%s' "$DSCHED_ROOT" | md5sum | cut -c1-12)
    fi
fi
pgdata=$pgroot/pg
pglog=$pgroot/postgres.log

pg_running() { "$pgbin/pg_isready" -q -h "$PGHOST" -p "$PGPORT"; }

pg_start() {
    if pg_running; then return 0; fi
    # After pg-stop, start again the cluster that was stopped (another checkout's, perhaps).
    local stopped="$DSCHED_DATA/pg-stopped-from"
    if [ -s "$stopped" ] && [ -s "$(cat "$stopped")/PG_VERSION" ]; then
        pgdata=$(cat "$stopped")
        pglog=$(dirname "$pgdata")/postgres.log
    fi
    rm -f "$stopped"
    mkdir -p "$pgroot"
    [ ${#as_pg[@]} -eq 0 ] || chown postgres "$pgroot"
    if [ ! -s "$pgdata/PG_VERSION" ]; then
        "${as_pg[@]}" "$pgbin/initdb" -D "$pgdata" -U "$PGUSER" --auth=trust -E UTF8 --no-locale >"$pgroot/initdb.log"
    fi
    "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdata" -l "$pglog" -w -t 60 \
        -o "-h $PGHOST -p $PGPORT -k $pgdata -c max_connections=200" start >/dev/null
    if ! psql -qtA -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres \
        -c "SELECT 1 FROM pg_database WHERE datname = '$PGDATABASE'" | grep -q 1; then
        createdb -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" "$PGDATABASE"
    fi
    echo "services: PostgreSQL on $PGHOST:$PGPORT (data $pgdata)"
}

pg_stop() {
    pg_running || return 0
    # Stop the server on our port whichever checkout started it: ask it for its data directory.
    local running
    running=$(psql -qtA -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -c "SHOW data_directory")
    "${as_pg[@]}" "$pgbin/pg_ctl" -D "$running" -m fast -w stop >/dev/null
    mkdir -p "$DSCHED_DATA"
    echo "$running" > "$DSCHED_DATA/pg-stopped-from"
}

redis_running() { redis-cli -h "$REDISHOST" -p "$REDISPORT" ping >/dev/null 2>&1; }

redis_start() {
    if redis_running; then return 0; fi
    mkdir -p "$DSCHED_DATA/redis"
    redis-server --bind "$REDISHOST" --port "$REDISPORT" --daemonize yes --dir "$DSCHED_DATA/redis" \
        --pidfile "$DSCHED_DATA/redis/redis.pid" --logfile "$DSCHED_DATA/redis/redis.log" --save "" --appendonly no
    for _ in $(seq 100); do redis_running && break; sleep 0.05; done
    redis_running || { echo "services: Redis did not start; see $DSCHED_DATA/redis/redis.log" >&2; exit 1; }
    echo "services: Redis on $REDISHOST:$REDISPORT"
}

redis_stop() {
    if redis_running; then redis-cli -h "$REDISHOST" -p "$REDISPORT" shutdown nosave >/dev/null 2>&1 || true; fi
}

case "${1:-start}" in
    start) pg_start; redis_start ;;
    stop) redis_stop; pg_stop ;;
    status)
        pg_running && echo "PostgreSQL: up on $PGHOST:$PGPORT" || echo "PostgreSQL: down"
        redis_running && echo "Redis: up on $REDISHOST:$REDISPORT" || echo "Redis: down" ;;
    pg-start) pg_start ;;
    pg-stop) pg_stop ;;
    redis-start) redis_start ;;
    redis-stop) redis_stop ;;
    *) echo "usage: $0 start|stop|status|pg-start|pg-stop|redis-start|redis-stop" >&2; exit 2 ;;
esac
