#!/usr/bin/env bash
# bench-fire.sh: how many runs per second one node fires, runs and records, against the raw
# rate of spawning `/bin/sh -c true` in a tight loop on the same machine, in the same run.
#
# 1,000 jobs at 500 ms running `true` (≈ 2,000 runs/s offered) for $DURATION on a release
# build, after an unsaturated round of 200 jobs (400 runs/s) for the lateness it gives. Runs
# recorded per second and fire lateness (started_at − scheduled_at) are read from job_run for
# the middle of the window (the first and last 5 s are left out). Then the
# master's memory per scheduled job: RSS with 100,000 hourly jobs loaded minus RSS with none.
# Usage: perf/bench-fire.sh   (make bench-fire builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/services.sh start >/dev/null
source scripts/env.sh
redis_namespace bench-fire

duration=${DURATION:-30}
database=dsched_fire
port=18495
cleanup() {
    [ -n "${dsched_pid:-}" ] && kill "$dsched_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -f "$log"
}
trap cleanup EXIT
fresh_database() {
    PGOPTIONS="-c client_min_messages=warning" psql -q -d postgres -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" -c "CREATE DATABASE $database"
}
log=$(mktemp)
start_node() {
    PGDATABASE=$database .build/release/dsched serve --PORT "$port" --log-level info "$@" 2>"$log" &
    dsched_pid=$!
    for _ in $(seq 200); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
}
stop_node() { kill "$dsched_pid"; wait "$dsched_pid" 2>/dev/null || true; dsched_pid=; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$dsched_pid/status"; }

# fire JOBS DURATION: submit JOBS jobs at 500 ms running `true`, their start dates spread over
# one period (independent jobs do not all tick on the same millisecond), let them fire for
# DURATION seconds, stop the node, and print runs/s succeeded and lateness over the middle of
# the window.
fire() {
    fresh_database
    start_node
    python3 - "$port" "$1" <<'PY'
import datetime, json, sys, urllib.request
count = int(sys.argv[2])
base = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=1)
def start(i):  # phases spread over the period, as independent jobs would be
    return (base + datetime.timedelta(milliseconds=i * 500 // count)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
jobs = [{"name": f"fire-{i}", "frequency": 500, "startdate": start(i), "script": "true"} for i in range(count)]
request = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/jobs", data=json.dumps(jobs).encode(),
                                 headers={"Content-Type": "application/json"})
assert urllib.request.urlopen(request).status == 201
PY
    sleep "$2"
    stop_node
    local window="scheduled_at BETWEEN (SELECT min(scheduled_at) FROM job_run) + interval '5 s' AND (SELECT max(scheduled_at) FROM job_run) - interval '5 s'"
    read -r recorded seconds p50 p99 pending skipped <<<"$(psql -qtA -F ' ' -d "$database" -c "
        SELECT count(*) FILTER (WHERE status = 'succeeded'),
               extract(epoch FROM max(scheduled_at) - min(scheduled_at)),
               round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - scheduled_at)) * 1000)::numeric, 1),
               round((percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - scheduled_at)) * 1000)::numeric, 1),
               count(*) FILTER (WHERE status IN ('pending', 'running')),
               count(*) FILTER (WHERE status = 'skipped')
        FROM job_run WHERE $window")"
    rate=$(awk -v r="$recorded" -v s="$seconds" 'BEGIN { printf "%.0f", r / s }')
    echo "dsched, $1 jobs at 500 ms (offered $(( $1 * 2 ))/s): $rate runs/s succeeded over ${seconds}s; not finished when stopped $pending; skipped (late ticks coalesced) $skipped; lateness p50 ${p50} ms, p99 ${p99} ms"
}

fire 200 15
fire 1000 "$duration"
dsched_rate=$rate

raw_rate=$(python3 - <<'PY'
import os, time
end = time.monotonic() + 10
count = 0
while time.monotonic() < end:
    pid = os.posix_spawn("/bin/sh", ["sh", "-c", "true"], os.environ)
    os.waitpid(pid, 0)
    count += 1
print(round(count / 10))
PY
)
echo "raw spawn of /bin/sh -c true in a tight loop: $raw_rate/s"

fresh_database
start_node
empty=$(rss_kb)
psql -q -d "$database" -c "INSERT INTO job (name, frequency, startdate, script) SELECT 'idle-' || i, '1h', now(), 'true' FROM generate_series(1, 100000) i"
for _ in $(seq 600); do grep -q "scheduled=100000" "$log" && break; sleep 0.1; done
grep -q "scheduled=100000" "$log" || { echo "the 100000 jobs were not loaded" >&2; exit 1; }
full=$(rss_kb)
awk -v e="$empty" -v f="$full" 'BEGIN { printf "memory: master RSS %.1f MB empty, %.1f MB with 100000 jobs scheduled: %.0f bytes per job\n", e/1024, f/1024, (f-e)*1024/100000 }'
stop_node
awk -v d="$dsched_rate" -v r="$raw_rate" 'BEGIN { printf "ratio dsched/raw-spawn = %.2f\n", d / r }'
