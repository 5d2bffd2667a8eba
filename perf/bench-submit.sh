#!/usr/bin/env bash
# bench-submit.sh: job submission throughput of dsched (release build) against pgbench, in
# one run, on the same PostgreSQL.
#
# dsched: wrk -t1 -c64 posts varied jobs (perf/submit.lua) for $DURATION; every 201 must be a
# row (counted before and after). pgbench: the same row shape inserted one row per transaction
# into a table of the job table's shape, with 8 and then 32 clients; the best TPS is the
# reference. The ratio is dsched's jobs/s (201s per second) over that TPS.
# Usage: perf/bench-submit.sh   (make bench-submit builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh wrk
scripts/services.sh start >/dev/null
source scripts/env.sh
redis_namespace bench-submit
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

duration=${DURATION:-10s}
database=dsched_bench
port=18490
work=$(mktemp -d)
cleanup() {
    [ -n "${dsched_pid:-}" ] && kill "$dsched_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

PGOPTIONS="-c client_min_messages=warning" psql -q -d postgres -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" -c "CREATE DATABASE $database"
PGDATABASE=$database .build/release/dsched serve --PORT "$port" --log-level warning &
dsched_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done

count_rows() { psql -qtA -d "$database" -c "SELECT count(*) FROM job"; }
curl -sf -X POST "http://127.0.0.1:$port/jobs" -H 'Content-Type: application/json' \
    -d '{"name":"warm-up","frequency":"5m","script":"true"}' >/dev/null
before=$(count_rows)
wrk_out=$(wrk -t1 -c64 -d"$duration" -s perf/submit.lua "http://127.0.0.1:$port/jobs")
after=$(count_rows)
echo "$wrk_out" | grep -E "^wrk:|Non-2xx|Socket errors" || true
line=$(echo "$wrk_out" | grep "^wrk:")
created=$(echo "$line" | sed -E 's/.*201s ([0-9]+).*/\1/')
seconds=$(echo "$line" | sed -E 's/.*duration ([0-9.]+) s.*/\1/')
p50=$(echo "$line" | sed -E 's/.*p50 ([0-9.]+) ms.*/\1/')
p99=$(echo "$line" | sed -E 's/.*p99 ([0-9.]+) ms.*/\1/')
jobs_per_second=$(awk -v c="$created" -v s="$seconds" 'BEGIN { printf "%.0f", c / s }')
echo "dsched: $jobs_per_second jobs/s, p50 $p50 ms, p99 $p99 ms; rows before $before, after $after, 201s $created"
if [ $((after - before)) -lt "$created" ]; then
    echo "FAIL: fewer rows were added ($((after - before))) than 201s were sent ($created)" >&2
    exit 1
fi

psql -q -d "$database" -c "CREATE TABLE job_pgbench (LIKE job INCLUDING ALL)"
cat >"$work/insert.sql" <<'SQL'
\set n random(1, 1000000000)
INSERT INTO job_pgbench (name, description, frequency, startdate, script, repeat, timezone, timeout_ms, retries, retry_backoff_ms, concurrency, misfire, paused)
VALUES ('bench-' || :n, 'benchmark job ' || :n, '5m', now(), 'echo run ' || :n || ' >> /dev/null', true, 'Europe/Paris', NULL, 1, 1000, 'allow', 'run_once', false)
RETURNING id, name, description, frequency, startdate, script, repeat, timezone, timeout_ms, retries, retry_backoff_ms, concurrency, misfire, paused, done, created_at, updated_at, version;
SQL
best=0
for clients in 8 32; do
    tps=$("$pgbin/pgbench" -n -M prepared -c "$clients" -j 2 -T "${duration%s}" -f "$work/insert.sql" "$database" 2>/dev/null \
        | awk '/^tps/ { printf "%.0f", $3 }')
    echo "pgbench: $clients clients, $tps TPS (one row per transaction)"
    [ "$tps" -gt "$best" ] && best=$tps
done
echo "best pgbench: $best TPS"
awk -v d="$jobs_per_second" -v p="$best" 'BEGIN { printf "ratio dsched/pgbench = %.2f\n", d / p }'
