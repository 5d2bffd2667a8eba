"""evidence.py: what a chaos run observed, read back for the checker (check.py): the scripts'
run logs (job.sh's `start` and `end` lines), the `job_run` and `job` snapshots, the faults and
the moves the driver recorded, and each job's expected ticks. Also how an example is told:
times relative to the chaos start, with the fault and the move of the job nearest to it.
"""
import collections
import datetime
import os
import subprocess


def tick_ms(text):
    """Epoch ms of an RFC 3339 UTC time (`2026-11-29T20:00:02Z`, `…:02.250Z`)."""
    stamp = datetime.datetime.strptime(text.replace("Z", "+0000"),
                                       "%Y-%m-%dT%H:%M:%S.%f%z" if "." in text else "%Y-%m-%dT%H:%M:%S%z")
    return round(stamp.timestamp() * 1000)


class Execution:
    """One `start` line: a script that began; `end` (epoch s) if its `end` line was written."""
    __slots__ = ("job", "tick", "attempt", "run", "node", "start", "end")

    def __init__(self, words):
        self.job, self.tick, self.attempt = int(words[1]), tick_ms(words[2]), int(words[3])
        self.run, self.node, self.start, self.end = words[4], words[5], float(words[6]), None

    @property
    def key(self):
        return self.job, self.tick, self.attempt


def executions(runs_dir):
    """Every execution in the run logs of `runs_dir`, with its end when logged."""
    found, ends = [], {}
    for name in os.listdir(runs_dir):
        with open(os.path.join(runs_dir, name)) as log:
            for line in log:
                words = line.split()
                if len(words) == 7 and words[0] == "start":
                    found.append(Execution(words))
                elif len(words) == 9 and words[0] == "end":
                    ends[(words[4], float(words[6]))] = float(words[7])
    for execution in found:
        execution.end = ends.get((execution.run, execution.start))
    return found


def expected_ticks(job, binary, begin, end):
    """The job's ticks in [begin, end] (epoch s), as epoch ms: startdate + k·period for an
    interval, `dsched next` for cron."""
    frequency = str(job["frequency"])
    if frequency.isdigit():
        period, origin = int(frequency), tick_ms(job["startdate"])
        first = max(1, -(-(round(begin * 1000) - origin) // period))
        return list(range(origin + first * period, round(end * 1000) + 1, period))
    since = datetime.datetime.fromtimestamp(begin - 0.001, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")
    out = subprocess.run([binary, "next", frequency, "--from", since[:23] + "Z", "--tz", job.get("timezone", "UTC"),
                          "--count", str(int(end - begin) + 5)], check=True, capture_output=True, text=True).stdout
    return [t for t in map(tick_ms, out.split()) if t <= end * 1000]


class Evidence:
    """A run's state (chaos.py's state.json) and its run logs, indexed."""

    def __init__(self, state):
        self.state = state
        self.start, self.checked, self.healed = state["chaos_start"], state["checked"], state["healed"]
        self.faults = state["faults"]
        self.jobs = {job["id"]: job for job in state["jobs"]}
        self.table = {int(row[0]) for row in state["job_table"]}
        # job_run rows: id, job, tick ms, attempt, status, node, started s, finished s (0: none),
        # the first 80 characters of the output (a skipped row's reason).
        self.rows = {(int(row[1]), int(row[2]), int(row[3])): row for row in state["job_run"]}
        self.runs = executions(state["runs_dir"])
        self.by_key = collections.defaultdict(list)
        for execution in self.runs:
            self.by_key[execution.key].append(execution)
        self.moves = collections.defaultdict(list)
        for move in state["moves"]:
            self.moves[move["job"]].append(move)

    def when(self, ms):
        return f"+{ms / 1000 - self.start:.2f} s"

    def near(self, at, job=None):
        """The fault that began last before `at` (s), and the job's move seen closest to it."""
        before = [f for f in self.faults if f["start"] <= at + 1]
        f = before[-1] if before else None
        text = f"{f['kind']} {f['node']} at +{f['start'] - self.start:.1f} s (healed +{f['end'] - self.start:.1f} s)" \
            if f else "before any fault"
        if at > self.checked:
            text += "; after the snapshot, while the nodes stopped (a stopping node hands its jobs over)"
        close = [m for m in self.moves.get(job, []) if abs(m["at"] - at) < 3]
        if close:
            m = min(close, key=lambda m: abs(m["at"] - at))
            text += f"; job moved {m['from']}→{m['to']} seen at +{m['at'] - self.start:.1f} s"
        return text

    def tell(self, execution):
        return f"run {execution.run} (tick {self.when(execution.tick)}, attempt {execution.attempt}) on {execution.node}"
