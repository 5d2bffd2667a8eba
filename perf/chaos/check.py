"""check.py: the chaos suite's invariants, checked from the scripts' run logs and `job_run`.

    python3 perf/chaos/check.py .data/chaos/state.json [RUNS_DIR]   re-checks a saved run (its
    run logs moved to RUNS_DIR)

Definitions (times are the host's one wall clock: nodes, scripts and PostgreSQL share it):
- execution: a `start` line in a job's log (job.sh writes it first thing); runs R counts them.
- duplicate: a (job, tick, attempt) executed more than once; D = executions beyond the first.
- early: an execution whose start (ms, truncated) is before its tick (DSCHED_SCHEDULED_AT, ms).
- lost: an acknowledged job (its id came back in a 201) that after healing is not in
  PostgreSQL, or (repeating) has no owner in JOB_PROCESSED that is a live node
  (PROCESS_STORE), or (repeating) did not execute after healing, or (one-shot) never executed.
  `unowned` counts the second kind on its own.
- stranded: a `pending` or `running` row at the check (HEAL_WAIT after healing) whose start
  (else its tick) is more than the job's timeout + 6 s (kill grace 1 s, slack 5 s) old.
- missed: for a repeating job, its expected ticks (interval: startdate + k·period; cron: `dsched
  next`) from 4 s before the chaos began (all jobs owned) to 3 s before the check. An episode
  is a maximal run of consecutive expected ticks with no `job_run` row of attempt 1 (any
  status: a `skipped` row is a decision, not a miss). Each episode counts as one missed tick:
  misfire `run_once` replays only the latest tick of an outage (README), so the ticks before it
  have no row by design, and `skip` leaves them all. An event — a fault, from its start less
  one period to 6 s after its heal (reconnection back-off: Redis 2 s, PostgreSQL 5 s), or a move of that job between owners seen in
  JOB_PROCESSED (rebalancing; README "A node joins": at most one missed) — may account for one
  episode of each job. Episodes of `run_all` jobs are never allowed (every missed tick is
  replayed), nor episodes no event accounts for: those count as `missed over budget`.
- unrecorded: an execution (begun over 1 s before the snapshot of `job_run`) with no row for
  its (job, tick, attempt): a run that executed without its claim being committed.
- forbid overlaps: two executions of a `concurrency: forbid` job, both with their `end`
  line, whose start-to-end spans intersect (an execution killed midway has no end: not counted).
- retry overlaps: an attempt N + 1 of a tick started while its attempt N, by its `end` line,
  still ran (attempt N was recorded `lost` while it was alive: a cut-off node's run).
- node crashes: a node process that exited without a fault killing it (the driver looks before
  each fault, at the heal and at the check, and starts it again).
- retries dropped: a `failed`, `timed_out` or `lost` row with attempt <= the job's retries,
  finished (else its tick) more than 10 s before the check, with no row for attempt + 1.
The suite passes when duplicates, lost, stranded, early, missed over budget, unrecorded,
forbid overlaps, retry overlaps, node crashes and retries dropped are all 0.
"""
import collections
import datetime
import json
import os
import subprocess
import sys

SETTLE = 6.0
EXAMPLES = 5


def tick_ms(text):
    stamp = datetime.datetime.strptime(text.replace("Z", "+0000"),
                                       "%Y-%m-%dT%H:%M:%S.%f%z" if "." in text else "%Y-%m-%dT%H:%M:%S%z")
    return round(stamp.timestamp() * 1000)


def executions(runs_dir):
    """[(job, tick ms, attempt, run id, node, start s)] from the `start` lines, and
    {(run id, start s): end s} from the `end` lines."""
    found, ends = [], {}
    for name in os.listdir(runs_dir):
        with open(os.path.join(runs_dir, name)) as log:
            for line in log:
                words = line.split()
                if len(words) == 7 and words[0] == "start":
                    found.append((int(words[1]), tick_ms(words[2]), int(words[3]), words[4], words[5], float(words[6])))
                elif len(words) == 9 and words[0] == "end":
                    ends[(words[4], float(words[6]))] = float(words[7])
    return found, ends


def expected_ticks(job, binary, begin, end):
    """The job's ticks in [begin, end] (epoch s), as epoch ms."""
    frequency = str(job["frequency"])
    if frequency.isdigit():
        period, origin = int(frequency), tick_ms(job["startdate"])
        first = max(1, -(-(round(begin * 1000) - origin) // period))
        return list(range(origin + first * period, round(end * 1000) + 1, period))
    since = datetime.datetime.fromtimestamp(begin - 0.001, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    out = subprocess.run([binary, "next", frequency, "--from", since[:23] + "Z", "--tz", job.get("timezone", "UTC"),
                          "--count", str(int(end - begin) + 5)], check=True, capture_output=True, text=True).stdout
    return [t for t in map(tick_ms, out.split()) if t <= end * 1000]


def episodes(ticks, recorded):
    """Maximal runs of consecutive ticks without a row: [(first ms, last ms, count)]."""
    found, current = [], None
    for tick in ticks:
        if tick in recorded:
            current = None
        elif current is None:
            current = [tick, tick, 1]
            found.append(current)
        else:
            current[1], current[2] = tick, current[2] + 1
    return found


def main(state):
    jobs = {job["id"]: job for job in state["jobs"]}
    faults, start = state["faults"], state["chaos_start"]

    moved = collections.defaultdict(list)
    for move in state["moves"]:
        moved[move["job"]].append(move)

    def near(at, job=None):
        """The fault that began last before `at` (s), and the job's move seen closest to it."""
        before = [f for f in faults if f["start"] <= at + 1]
        f = before[-1] if before else None
        text = f"{f['kind']} {f['node']} at +{f['start'] - start:.1f} s (healed +{f['end'] - start:.1f} s)" if f \
            else "before any fault"
        if at > state["checked"]:
            text += "; after the snapshot, while the nodes stopped (a stopping node hands its jobs over)"
        close = [m for m in moved.get(job, []) if abs(m["at"] - at) < 3]
        if close:
            m = min(close, key=lambda m: abs(m["at"] - at))
            text += f"; job moved {m['from']}→{m['to']} seen at +{m['at'] - start:.1f} s"
        return text

    def when(ms):
        return f"+{ms / 1000 - start:.2f} s"

    runs, ends = executions(state["runs_dir"])
    rows = {}
    for row in state["job_run"]:
        rows[(int(row[1]), int(row[2]), int(row[3]))] = row
    by_key = collections.defaultdict(list)
    for run in runs:
        by_key[run[:3]].append(run)
    failures, report = {}, []

    def figure(name, examples, count=None, note=""):
        failures[name] = len(examples) if count is None else count
        report.append(f"{name}: {failures[name]}{note}")
        report.extend(f"  {example}" for example in examples[:EXAMPLES])

    duplicates = [f"job {k[0]} tick {when(k[1])} attempt {k[2]} executed {len(v)} times: " +
                  "; ".join(f"run {r[3]} on {r[4]} at {r[5] - start:+.2f} s" for r in v) + f" — near {near(v[0][5], k[0])}"
                  for k, v in sorted(by_key.items()) if len(v) > 1]
    extra = sum(len(v) - 1 for v in by_key.values())
    early = [f"job {r[0]} tick {when(r[1])} attempt {r[2]} run {r[3]} on {r[4]} started {r[1] - int(r[5] * 1000)} ms "
             f"early — near {near(r[5])}" for r in runs if int(r[5] * 1000) < r[1]]
    unrecorded = [f"job {k[0]} tick {when(k[1])} attempt {k[2]} on {v[0][4]}: no job_run row — near {near(v[0][5])}"
                  for k, v in sorted(by_key.items()) if k not in rows and v[0][5] < state["checked"] - 1]

    in_table = {int(row[0]) for row in state["job_table"]}
    live = set(state["live_nodes"])
    ran_after = {r[0] for r in runs if r[5] >= state["healed"]}
    executed = {r[0] for r in runs}
    lost, unowned = [], []
    for job_id, job in sorted(jobs.items()):
        owner = state["owners"].get(str(job_id))
        if job_id not in in_table:
            lost.append(f"job {job_id} ({job['name']}): acknowledged, not in PostgreSQL")
        elif job["repeat"] and owner not in live:
            unowned.append(f"job {job_id} ({job['name']}): owner {owner!r} after healing (live: {sorted(live)})")
            lost.append(unowned[-1])
        elif job["repeat"] and job_id not in ran_after:
            lost.append(f"job {job_id} ({job['name']}): owned by {owner}, no run after healing")
        elif not job["repeat"] and job_id not in executed:
            lost.append(f"one-shot job {job_id} ({job['name']}) due {job['startdate']}: never executed")

    stranded = []
    for row in state["job_run"]:
        job = jobs.get(int(row[1]))
        if row[4] in ("pending", "running") and job:
            since = float(row[6]) or int(row[2]) / 1000
            limit = (job.get("timeout") or 0) / 1000 + 6
            if state["checked"] - since > limit:
                stranded.append(f"run {row[0]} job {row[1]} tick {when(int(row[2]))} attempt {row[3]} {row[4]} on "
                                f"{row[5]} for {state['checked'] - since:.1f} s — near {near(since, int(row[1]))}")

    dropped = []
    for (job_id, tick, attempt), row in sorted(rows.items()):
        job = jobs.get(job_id)
        ended = float(row[7]) or tick / 1000
        if job and row[4] in ("failed", "timed_out", "lost") and attempt <= job.get("retries", 0) \
                and (job_id, tick, attempt + 1) not in rows and state["checked"] - ended > 10:
            dropped.append(f"job {job_id} tick {when(tick)} attempt {attempt} {row[4]} on {row[5]}: no attempt "
                           f"{attempt + 1} — near {near(ended, job_id)}")

    overlaps, spans = [], collections.defaultdict(list)
    for r in runs:
        if jobs.get(r[0], {}).get("concurrency") == "forbid" and (r[3], r[5]) in ends:
            spans[r[0]].append((r[5], ends[(r[3], r[5])], r))
    for job_id, found in sorted(spans.items()):
        found.sort()
        latest = found[0]
        for span in found[1:]:
            if span[0] < latest[1]:
                overlaps.append(f"job {job_id}: run {span[2][3]} (tick {when(span[2][1])}) on {span[2][4]} started at "
                                f"{span[0] - start:+.2f} s while run {latest[2][3]} (tick {when(latest[2][1])}) on "
                                f"{latest[2][4]} ran ({latest[0] - start:+.2f} to {latest[1] - start:+.2f} s) — near "
                                f"{near(span[0], job_id)}")
            if span[1] > latest[1]:
                latest = span

    retry_overlaps = []
    for r in runs:
        for previous in by_key.get((r[0], r[1], r[2] - 1), []):
            finished = ends.get((previous[3], previous[5]))
            if r[2] > 1 and finished is not None and previous[5] <= r[5] < finished:
                retry_overlaps.append(f"job {r[0]} tick {when(r[1])}: attempt {r[2]} (run {r[3]} on {r[4]}) started at "
                                      f"{r[5] - start:+.2f} s while attempt {previous[2]} (run {previous[3]} on "
                                      f"{previous[4]}) ran until {finished - start:+.2f} s — near {near(r[5], r[0])}")

    over, episode_count, accounted = [], 0, collections.Counter()
    begin, end = start - 4, state["checked"] - 3
    recorded = collections.defaultdict(set)
    for (job_id, tick, attempt) in rows:
        if attempt == 1:
            recorded[job_id].add(tick)
    for job_id, job in sorted(jobs.items()):
        if not job["repeat"] or job_id not in in_table:
            continue
        ticks = expected_ticks(job, state["binary"], begin, end)
        period = (ticks[1] - ticks[0]) / 1000 if len(ticks) > 1 else 0
        events = [(f["start"] - period, f["end"] + SETTLE, f"{f['kind']} {f['node']}") for f in faults]
        events += [(m["at"] - 0.5 - period, m["at"] + SETTLE, f"move {m['from']}→{m['to']}") for m in moved[job_id]]
        events.sort(key=lambda e: e[1])
        used = set()
        for first, last, count in episodes(ticks, recorded[job_id]):
            episode_count += 1
            a, b = first / 1000, last / 1000
            match = None if job.get("misfire") == "run_all" else next(
                (i for i, e in enumerate(events) if i not in used and e[0] <= b and a <= e[1]), None)
            if match is None:
                why = "misfire run_all replays every tick" if job.get("misfire") == "run_all" else "no event left"
                over.append(f"job {job_id} ({job['frequency']}, {job.get('misfire')}): {count} tick(s) from "
                            f"{when(first)} to {when(last)} without a row ({why}) — near {near(a, job_id)}")
            else:
                used.add(match)
                accounted[events[match][2].split()[0]] += 1

    statuses = collections.Counter(row[4] for row in state["job_run"])
    print(f"seed: {state['seed']}, duration {state['duration']:.0f} s, faults {len(faults)}: " +
          ", ".join(f"{k} {v}" for k, v in sorted(collections.Counter(f['kind'] for f in faults).items())))
    print(f"executions (runs) {len(runs)}; job_run rows {len(state['job_run'])}: " +
          ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())) + f"; moves seen {len(state['moves'])}")
    print(f"missed-tick episodes {episode_count}, accounted for by: " +
          (", ".join(f"{k} {v}" for k, v in sorted(accounted.items())) or "none"))
    figure("duplicates", duplicates, extra, f" (ticks executed more than once: {len(duplicates)})")
    figure("lost", lost)
    figure("unowned", unowned)
    figure("stranded", stranded)
    figure("early", early)
    figure("missed over budget", over)
    figure("unrecorded", unrecorded)
    figure("forbid overlaps", overlaps)
    figure("retry overlaps", retry_overlaps)
    figure("node crashes", [f"{c['node']} exited with status {c['status']}, seen at +{c['at'] - start:.1f} s"
                            for c in state.get("crashes", [])])
    figure("retries dropped", dropped)
    print("\n".join(report))
    failed = [name for name, count in failures.items() if count]
    print("chaos: " + (f"FAILED: {', '.join(failed)}" if failed else "passed"), flush=True)
    print(f"chaos: faults {len(faults)}, runs {len(runs)}, duplicates {extra}, lost {len(lost)}, "
          f"stranded {len(stranded)}, early {len(early)}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    with open(sys.argv[1]) as saved:
        saved_state = json.load(saved)
    if len(sys.argv) > 2:
        saved_state["runs_dir"] = sys.argv[2]
    sys.exit(main(saved_state))
