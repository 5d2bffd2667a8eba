#!/usr/bin/env bash
# bench-http.sh: dsched's HTTP server against nginx, measured in the same run.
#
# Both serve GET /healthz (the same 15-byte JSON body) on loopback; nginx runs one worker
# process, dsched its one reactor thread. wrk -t1 -c64 -d10s alternates between them for 3
# rounds; the medians are compared. Then 10,000 idle keep-alive connections are opened to
# dsched and its resident memory (VmRSS from /proc) is read while they are held.
# Usage: perf/bench-http.sh   (make bench-http builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh wrk nginx-light python3
ulimit -n 65536 2>/dev/null || true

rounds=${ROUNDS:-3}
duration=${DURATION:-10s}
work=$(mktemp -d)
dsched_port=18480
nginx_port=18481
cleanup() {
    [ -n "${dsched_pid:-}" ] && kill "$dsched_pid" 2>/dev/null || true
    [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

.build/release/dsched serve --PORT "$dsched_port" --log-level warning &
dsched_pid=$!

cat >"$work/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 20000; }
http {
    access_log off;
    keepalive_requests 100000000;
    server {
        listen 127.0.0.1:$nginx_port;
        location = /healthz { default_type application/json; return 200 '{"status":"ok"}'; }
    }
}
CONF
nginx -c "$work/nginx.conf" -p "$work" &

for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$dsched_port/healthz" >/dev/null && curl -sf "http://127.0.0.1:$nginx_port/healthz" >/dev/null && break
    sleep 0.1
done

run_wrk() { wrk -t1 -c64 -d"$duration" "http://127.0.0.1:$1/healthz" | awk '/Requests\/sec/ {print $2}'; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

run_wrk "$dsched_port" >/dev/null  # warm-up (page faults, caches), not counted
run_wrk "$nginx_port" >/dev/null
dsched_runs=(); nginx_runs=()
for round in $(seq "$rounds"); do
    d=$(run_wrk "$dsched_port"); n=$(run_wrk "$nginx_port")
    dsched_runs+=("$d"); nginx_runs+=("$n")
    echo "round $round: dsched $d req/s, nginx $n req/s"
done

python3 - "$dsched_port" "$dsched_pid" <<'PY'
import socket, sys, time
port, pid = int(sys.argv[1]), sys.argv[2]
def rss_kb():
    return int(next(l for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS")).split()[1])
before = rss_kb()
conns = []
for i in range(10000):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    conns.append(s)
for s in conns:
    data = b""
    while b'{"status":"ok"}' not in data:
        data += s.recv(4096)
time.sleep(0.5)
held = rss_kb()
print(f"10000 idle keep-alive connections: dsched VmRSS {held/1024:.1f} MB (before {before/1024:.1f} MB, {(held-before)*1024/10000:.0f} bytes/connection)")
for s in conns: s.close()
PY

d=$(median "${dsched_runs[@]}"); n=$(median "${nginx_runs[@]}")
echo "median: dsched $d req/s, nginx $n req/s"
awk -v d="$d" -v n="$n" 'BEGIN { printf "ratio dsched/nginx = %.2f\n", d / n }'
