"""cluster.py: the chaos suite's handles on what it runs — the three nodes in their network
namespaces, the fault proxies in front of each node's PostgreSQL and Redis, and the shared
servers (through chaos.sh's callbacks). Every fault is one method here, and so is its heal.

Each node K runs in namespace chaos-nK and reaches PostgreSQL and Redis through two
faultproxy.py processes (Tests/IntegrationTests/Support) started in the same namespace on
127.0.0.1: they forward to the bridge addresses, and add latency on command (`delay MS`),
since this kernel has no sch_netem for `tc netem`. Partitions are the kernel's: a blackhole
route in the namespace to the PostgreSQL or the Redis address (the proxy's upstream connections
stall, new ones fail), or the node's veth set down on the bridge side (both, and its API).
"""
import json
import os
import signal
import subprocess
import time
import urllib.request

ROOT = os.getcwd()
PROXY = os.path.join(ROOT, "Tests/IntegrationTests/Support/faultproxy.py")
PGHOST, PGPORT = os.environ["CHAOS_PGHOST"], os.environ["CHAOS_PGPORT"]
REDISHOST, REDISPORT = os.environ["CHAOS_REDISHOST"], os.environ["CHAOS_REDISPORT"]
LOGS = os.path.join(os.environ["CHAOS_ROOT"], "logs")
BIN = os.environ["DSCHED_BIN"]
# Short cluster timings (s). The lease and worker timeout are passed only when this binary has
# those options (issue 12's lease and watchdog work); --help says.
TIMINGS = {"--heartbeat": "0.5", "--node-ttl": "1.5", "--reconcile-interval": "2", "--kill-grace": "1",
           "--node-lease": "4", "--worker-timeout": "3"}


def sh(*args, check=True):
    return subprocess.run(args, check=check, capture_output=True, text=True).stdout.strip()


def psql(sql):
    return sh("psql", "-qtAX", "-h", PGHOST, "-p", PGPORT, "-U", "dsched", "-d", "dsched", "-c", sql)


def redis(*args):
    return sh("redis-cli", "-h", REDISHOST, "-p", REDISPORT, *args, check=False)


def http(method, url, body=None, timeout=30):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, json.loads(response.read() or b"null")


def services(command):
    """chaos.sh's server callbacks: pg-restart, redis-restart-empty, pg-ensure, redis-ensure."""
    sh("perf/chaos/chaos.sh", command)


class Proxy:
    """One faultproxy.py in a namespace, forwarding 127.0.0.1:port there to host:port."""

    def __init__(self, namespace, host, port):
        self.namespace = namespace
        self.process = subprocess.Popen(["ip", "netns", "exec", namespace, "python3", PROXY, host, port],
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        words = self.process.stdout.readline().split()
        self.port, self.control = int(words[1]), int(words[2])

    def command(self, line):
        script = (f"import socket; s = socket.create_connection(('127.0.0.1', {self.control}), 5); "
                  f"s.sendall(b'{line}\\n'); print(s.makefile().readline().strip())")
        answer = sh("ip", "netns", "exec", self.namespace, "python3", "-c", script)
        if not answer.startswith("ok"):
            raise RuntimeError(f"faultproxy {self.namespace}: {line}: {answer}")


class Node:
    def __init__(self, k, options):
        self.k, self.id = k, f"n{k}"
        self.namespace, self.veth, self.address = f"chaos-n{k}", f"chaos-v{k}", f"10.77.0.1{k}"
        self.options = options
        self.pg = Proxy(self.namespace, PGHOST, PGPORT)
        self.redis = Proxy(self.namespace, REDISHOST, REDISPORT)
        self.process = None
        self.url = f"http://{self.address}:8080"

    def start(self):
        log = open(os.path.join(LOGS, f"{self.id}.log"), "a")
        env = dict(os.environ, CHAOS_NODE=self.id)
        arguments = ["serve", "--host", self.address, "--PORT", "8080", "--insecure-no-auth", "--node-id", self.id,
                     "--PGHOST", "127.0.0.1", "--PGPORT", str(self.pg.port), "--PGUSER", "dsched", "--PGDATABASE", "dsched",
                     "--REDISHOST", "127.0.0.1", "--REDISPORT", str(self.redis.port), "--workers", "2"] + self.options
        self.process = subprocess.Popen(["ip", "netns", "exec", self.namespace, BIN] + arguments,
                                        stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=env)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if http("GET", self.url + "/healthz", timeout=2)[0] == 200:
                    return
            except Exception:
                time.sleep(0.1)
        raise RuntimeError(f"node {self.id} did not answer /healthz; see {LOGS}/{self.id}.log")

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def tree(self):
        """The node's master and every descendant (workers, scripts), from /proc."""
        pids, queue = [], [self.process.pid]
        while queue:
            pid = queue.pop()
            pids.append(pid)
            try:
                with open(f"/proc/{pid}/task/{pid}/children") as children:
                    queue += [int(child) for child in children.read().split()]
            except OSError:
                pass
        return pids

    def workers(self):
        return [pid for pid in self.tree()[1:] if _comm(pid) == "dsched"]

    def signal_tree(self, sig, scripts=True):
        """Signals the master and its workers, and their scripts too unless `scripts` is false."""
        for pid in (self.tree() if scripts else [self.process.pid] + self.workers()):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass

    def kill(self):
        self.process.kill()
        self.process.wait()

    def stop(self):
        if self.alive():
            self.signal_tree(signal.SIGCONT)
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def route(self, action, host):
        sh("ip", "-n", self.namespace, "route", action, "blackhole", f"{host}/32", check=False)

    def link(self, state):
        sh("ip", "link", "set", self.veth, state)

    def delay(self, ms):
        self.pg.command(f"delay {ms}")
        self.redis.command(f"delay {ms}")

    def heal(self):
        """Undoes whatever fault this node may be under; starts it again if it is down."""
        self.link("up")
        self.route("del", PGHOST)
        self.route("del", REDISHOST)
        self.delay(0)
        if self.alive():
            self.signal_tree(signal.SIGCONT)
        else:
            self.start()


def _comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as comm:
            return comm.read().strip()
    except OSError:
        return ""


def serve_options():
    """TIMINGS, less the options this binary does not have."""
    help_text = sh(BIN, "serve", "--help")
    options = []
    for flag, value in TIMINGS.items():
        if flag + " " in help_text or flag + "\n" in help_text:
            options += [flag, value]
    return options
