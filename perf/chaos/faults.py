"""faults.py: the seeded random schedule of faults the chaos suite applies, one at a time.

Kinds are drawn as shuffled rounds of all eleven (so even the short form meets most of them),
each with a random target node and duration, and a random quiet gap (2–5 s) after it:

    kill-node      kill -9 of the node (master, its workers die with it), restarted under the
                   same id after 2–6 s
    kill-worker    kill -9 of one of the node's worker processes
    stop-short     SIGSTOP of the node's master and workers for 0.3–1.0 s (under the node TTL,
                   1.5 s), then SIGCONT; their scripts run on (a process group each)
    stop-long      the same for 3–8 s (longer than the node TTL: the cluster declares it dead
                   while it lives, and its scripts still run)
    part-redis     blackhole route to Redis in the node's namespace, 2–10 s
    part-pg        blackhole route to PostgreSQL in the node's namespace, 2–10 s
    part-both      the node's veth down on the bridge (Redis, PostgreSQL and its API), 2–10 s
    latency        200 ms added each way on the node's PostgreSQL and Redis proxies, 5–12 s
    redis-empty    Redis shut down without saving and started again, empty
    pg-restart     PostgreSQL restarted (pg_ctl restart -m fast)
    node-restart   kill -9 of the node and, at once, a new process under the same id

Each fault is recorded with its wall-clock start (the moment it was applied) and end (the
moment it was healed), epoch seconds; the checker attributes missed ticks to them.
"""
import os
import random
import signal
import time

from cluster import PGHOST, REDISHOST, services

KINDS = ["kill-node", "kill-worker", "stop-short", "stop-long", "part-redis", "part-pg", "part-both",
         "latency", "redis-empty", "pg-restart", "node-restart"]


def schedule(seed, duration):
    """[(offset s, kind, node index, duration s)], offsets from the chaos start, all before
    `duration`."""
    rng = random.Random(seed)
    plan, at, kinds = [], 1.0, []
    while True:
        if not kinds:
            kinds = KINDS[:]
            rng.shuffle(kinds)
        kind = kinds.pop()
        span = {"kill-node": rng.uniform(2, 6), "stop-short": rng.uniform(0.3, 1.0), "stop-long": rng.uniform(3, 8),
                "part-redis": rng.uniform(2, 10), "part-pg": rng.uniform(2, 10), "part-both": rng.uniform(2, 10),
                "latency": rng.uniform(5, 12)}.get(kind, 0.0)
        node = rng.randrange(3)
        if at + span > duration:
            return plan
        plan.append((at, kind, node, round(span, 2)))
        at += span + rng.uniform(2, 5) + (3 if kind in ("redis-empty", "pg-restart", "node-restart") else 0)


def apply(kind, node, span):
    """Applies one fault to `node` (a cluster.Node), keeps it for `span` seconds, heals it."""
    if kind == "kill-node":
        node.kill()
        time.sleep(span)
        node.start()
    elif kind == "kill-worker":
        workers = node.workers()
        if workers:
            try:
                os.kill(workers[0], signal.SIGKILL)
            except ProcessLookupError:
                pass
    elif kind in ("stop-short", "stop-long"):
        node.signal_tree(signal.SIGSTOP, scripts=False)
        time.sleep(span)
        node.signal_tree(signal.SIGCONT, scripts=False)
    elif kind in ("part-redis", "part-pg"):
        host = REDISHOST if kind == "part-redis" else PGHOST
        node.route("add", host)
        time.sleep(span)
        node.route("del", host)
    elif kind == "part-both":
        node.link("down")
        time.sleep(span)
        node.link("up")
    elif kind == "latency":
        node.delay(200)
        time.sleep(span)
        node.delay(0)
    elif kind == "redis-empty":
        services("redis-restart-empty")
    elif kind == "pg-restart":
        services("pg-restart")
    elif kind == "node-restart":
        node.kill()
        node.start()

