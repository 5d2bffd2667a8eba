#!/usr/bin/env bash
# bench-retention.sh: is job_run's size flat under run retention? One node (release build) runs
# one job every 50 ms (`--min-frequency 50`; the API's default minimum is 100 ms) for DURATION
# seconds (600) under `--run-retention RETENTION` (1m); every 30 s it samples the rows of
# job_run, pg_total_relation_size('job_run') (heap, indexes, TOAST) and the runs written so
# far (the highest run id). The reference, in the same run, is what the table would hold
# without retention: every run written. Last line: rows and size at half time and at the end,
# and their ratios (1.00 = flat), beside the runs written.
# Usage: perf/bench-retention.sh   (make bench-retention builds the release binary first)
#        DURATION=120 RETENTION=30s perf/bench-retention.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/services.sh start >/dev/null
source scripts/env.sh
export PGDATABASE=dsched_retention
redis_namespace bench-retention
export LOGS=${LOGS:-.data/bench-retention}
mkdir -p "$LOGS"
exec python3 - "$@" <<'PY'
import json, os, subprocess, sys, time, urllib.request

PORT = 18591
DURATION = int(os.environ.get("DURATION", "600"))
RETENTION = os.environ.get("RETENTION", "1m")
SAMPLE = 30

def psql(sql, database=os.environ["PGDATABASE"]):
    return subprocess.run(["psql", "-qtAX", "-d", database, "-c", sql], check=True, capture_output=True, text=True).stdout.strip()

def http(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, json.loads(response.read() or b"null")

def sample():
    # PostgreSQL may be restarted under the run (the tests of other work trees share it): wait.
    for _ in range(60):
        try:
            return psql("SELECT count(*), pg_total_relation_size('job_run'), coalesce(max(id), 0) FROM job_run")
        except subprocess.CalledProcessError:
            time.sleep(1)
    sys.exit("PostgreSQL did not answer for a minute")

database = os.environ["PGDATABASE"]
psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)", "postgres")
psql(f"CREATE DATABASE {database}", "postgres")
log = open(f"{os.environ['LOGS']}/node.log", "w")
node = subprocess.Popen([".build/release/dsched", "serve", "--PORT", str(PORT), "--node-id", "retention",
                         "--run-retention", RETENTION, "--min-frequency", "50"], stdout=log, stderr=log)
try:
    deadline = time.time() + 30
    while True:
        try:
            if http("GET", "/readyz")[0] == 200:
                break
        except Exception:
            pass
        if time.time() > deadline:
            sys.exit(f"the node did not get ready; see {os.environ['LOGS']}/node.log")
        time.sleep(0.1)
    status, job = http("POST", "/jobs", {"name": "every-50ms", "frequency": "50ms", "script": "true"})
    assert status == 201, job
    print(f"job {job['id']}: every 50 ms for {DURATION} s, --run-retention {RETENTION}; samples every {SAMPLE} s")
    print(f"{'t (s)':>6} {'rows':>8} {'size (kB)':>10} {'runs written':>13}")
    samples = []
    started = time.time()
    for t in range(SAMPLE, DURATION + 1, SAMPLE):
        time.sleep(max(0, started + t - time.time()))
        rows, size, written = sample().split("|")
        samples.append((t, int(rows), int(size) // 1024, int(written)))
        print(f"{t:>6} {rows:>8} {int(size) // 1024:>10} {written:>13}", flush=True)
finally:
    node.terminate()
    node.wait()
half = min(samples, key=lambda s: abs(s[0] - DURATION / 2))
end = samples[-1]
print(f"retention {RETENTION}: rows {half[1]} at {half[0]} s, {end[1]} at {end[0]} s (ratio {end[1] / max(half[1], 1):.2f}); "
      f"size {half[2]} kB, {end[2]} kB (ratio {end[2] / max(half[2], 1):.2f}); runs written {end[3]} "
      f"(rows kept / written = {end[1] / max(end[3], 1):.3f})")
PY
