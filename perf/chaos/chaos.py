"""chaos.py: the chaos suite's driver (started by chaos.sh, which owns the network and servers).

1. Starts three nodes (n1, n2, n3; cluster.py) and creates 200 jobs over the API (201 = the
   jobs acknowledged): interval jobs of 200 ms to 5 s, cron with seconds, `concurrency: forbid`
   jobs whose runs sometimes outlast their period, jobs with retries whose scripts fail
   deterministically on some (tick, attempt), one-shots due during the faults; misfire
   run_once, skip and run_all mixed. Every job runs perf/chaos/job.sh, which logs each run.
2. Waits until every job has an owner, 5 s more, then applies the seeded fault schedule
   (faults.py) for CHAOS_DURATION seconds, while a thread records every change of a job's
   owner in JOB_PROCESSED (polled every POLL s): a move, which may cost a tick by itself.
3. Heals everything, waits HEAL_WAIT (25 s: past the lease, the retries and the timeouts),
   snapshots owners, live nodes, `job` and `job_run`, stops the nodes, and hands it all to
   check.py (also saved to .data/chaos/state.json: `python3 perf/chaos/check.py FILE` re-checks).
"""
import datetime
import json
import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check  # noqa: E402
import faults  # noqa: E402
from cluster import BIN, LOGS, ROOT, Node, http, psql, redis, serve_options, services  # noqa: E402

SEED = int(os.environ["CHAOS_SEED"])
DURATION = float(os.environ["CHAOS_DURATION"])
HEAL_WAIT = 25.0
POLL = 0.25  # s between two reads of JOB_PROCESSED
RUNS = os.path.join(LOGS, "runs")


def iso(epoch_s):
    return datetime.datetime.fromtimestamp(epoch_s, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def definitions(rng, now):
    """The 200 jobs: (kind of script, fields)."""
    def job(kind, **fields):
        return kind, dict({"script": f"exec bash {ROOT}/perf/chaos/job.sh {RUNS} {kind}", "timeout": 10000}, **fields)

    def misfire(period_ms):
        draw = rng.random()
        return "skip" if draw < 0.15 else "run_all" if draw < 0.3 and period_ms >= 1000 else "run_once"

    jobs = []
    for period in [200] * 2 + [300] * 2 + [500] * 4 + [1000] * 12 + [2000] * 20 + [3000] * 20 + [5000] * 20:
        jobs.append(job("plain", frequency=period, misfire=misfire(period)))
    crons = [("* * * * * *", 1000), ("*/2 * * * * *", 2000), ("*/3 * * * * *", 3000), ("*/5 * * * * *", 5000),
             ("1-59/2 * * * * *", 2000), ("0,10,20,30,40,50 * * * * *", 10000)]
    for i in range(40):
        cron, gap = crons[i % len(crons)]
        jobs.append(job("plain", frequency=cron, misfire=misfire(gap)))
    for i in range(25):
        jobs.append(job("forbid", frequency=[2000, 2000, 1000, "*/2 * * * * *"][i % 4], concurrency="forbid",
                        misfire=misfire(1000)))
    for i in range(35):
        jobs.append(job("retry", frequency=[2000, 3000, 5000, "*/2 * * * * *", "*/5 * * * * *"][i % 5],
                        retries=2, retry_backoff=300, misfire=misfire(1000)))
    for i in range(20):
        due = now + 15 + i * max(DURATION - 10, 10) / 20
        jobs.append(job("fail-once" if i % 4 == 0 else "plain", frequency=0, repeat=False, startdate=iso(due),
                        retries=1 if i % 4 == 0 else 0, retry_backoff=300))
    rng.shuffle(jobs)
    return [dict(fields, name=f"chaos-{i}-{kind}") for i, (kind, fields) in enumerate(jobs)]


class OwnerWatch(threading.Thread):
    """Polls JOB_PROCESSED every POLL s; records each change of a job's owner (a move)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.owners, self.moves, self.stopped = {}, [], threading.Event()

    def run(self):
        while not self.stopped.wait(POLL):
            fields = redis("HGETALL", "dsched:job_processed").split("\n")
            if len(fields) % 2 or not all(f.isdigit() for f in fields[0::2] if f):
                continue
            now = time.time()
            for job, owner in zip(fields[0::2], fields[1::2]):
                if job and self.owners.get(int(job), owner) != owner:
                    self.moves.append({"job": int(job), "at": now, "from": self.owners[int(job)], "to": owner})
                if job:
                    self.owners[int(job)] = owner


def wait_until(predicate, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if predicate():
                return
        except Exception:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"timed out: {what}")


def rows(sql):
    return [line.split("|") for line in psql(sql).split("\n") if line]


def main():
    os.makedirs(RUNS, exist_ok=True)
    rng = random.Random(SEED)
    plan = faults.schedule(SEED, DURATION)
    print(f"chaos: seed {SEED}, duration {DURATION:.0f} s, {len(plan)} faults planned, binary {BIN}", flush=True)
    nodes = [Node(k, serve_options()) for k in (1, 2, 3)]
    for node in nodes:
        node.start()
    wait_until(lambda: len(http("GET", nodes[0].url + "/nodes")[1]["nodes"]) == 3, 30, "3 nodes in GET /nodes")
    created, wanted = [], definitions(rng, time.time())
    for batch, start in enumerate(range(0, len(wanted), 50)):
        status, body = http("POST", nodes[batch % 3].url + "/jobs", wanted[start:start + 50])
        if status != 201:
            raise RuntimeError(f"POST /jobs answered {status}: {body}")
        created += body
    watch = OwnerWatch()
    watch.start()
    wait_until(lambda: int(redis("HLEN", "dsched:job_processed")) == len(created), 60, "every job owned")
    time.sleep(5)
    chaos_start, applied, crashes = time.time(), [], []

    def restart_crashed():
        """A node that exited without a fault killing it crashed: recorded, started again."""
        for node in nodes:
            if not node.alive():
                crashes.append({"node": node.id, "at": time.time(), "status": node.process.returncode})
                print(f"chaos: node {node.id} exited by itself (status {node.process.returncode}); restarting it",
                      flush=True)
                node.start()

    for offset, kind, index, span in plan:
        time.sleep(max(0.0, chaos_start + offset - time.time()))
        restart_crashed()
        began = time.time()
        faults.apply(kind, nodes[index], span)
        applied.append({"kind": kind, "node": nodes[index].id, "start": began, "end": time.time()})
        print(f"fault {len(applied):2}: {kind:12} {nodes[index].id} at +{began - chaos_start:6.1f} s for "
              f"{time.time() - began:5.1f} s", flush=True)
    time.sleep(max(0.0, chaos_start + DURATION - time.time()))
    restart_crashed()
    services("redis-ensure")
    services("pg-ensure")
    for node in nodes:
        node.heal()
    healed = time.time()
    print(f"chaos: healed at +{healed - chaos_start:.1f} s; waiting {HEAL_WAIT:.0f} s", flush=True)
    time.sleep(HEAL_WAIT)
    checked = time.time()
    restart_crashed()
    watch.stopped.set()
    owners = redis("HGETALL", "dsched:job_processed").split("\n")
    state = {
        "seed": SEED, "duration": DURATION, "binary": BIN, "runs_dir": RUNS, "jobs": created, "faults": applied,
        "moves": watch.moves, "poll": POLL, "crashes": crashes,
        "chaos_start": chaos_start, "healed": healed, "checked": checked,
        "owners": dict(zip(owners[0::2], owners[1::2])),
        "live_nodes": redis("ZRANGE", "dsched:process_store", "0", "-1").split("\n"),
        "job_table": rows("SELECT id FROM job"),
        "job_run": rows("SELECT id, job_id, (extract(epoch FROM scheduled_at) * 1000)::bigint, attempt, status, "
                        "coalesce(node_id, ''), coalesce(extract(epoch FROM started_at), 0), "
                        "coalesce(extract(epoch FROM finished_at), 0), "
                        "replace(replace(left(output, 80), '|', '/'), E'\\n', ' ') FROM job_run"),
    }
    for node in nodes:
        node.stop()
    path = os.path.join(os.environ["CHAOS_ROOT"], "state.json")
    with open(path, "w") as out:
        json.dump(state, out)
    return check.main(state)


if __name__ == "__main__":
    sys.exit(main())
