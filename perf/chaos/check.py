"""check.py: the chaos suite's invariants, checked from the scripts' run logs and `job_run`
(read by evidence.py); one function per invariant, each returning its offending examples.

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
  is a maximal run of consecutive expected ticks without a `job_run` row of attempt 1, or whose
  row is `skipped` for another reason than the job's own rules (`forbid:` a live run, `misfire:
  skip`): a tick skipped for a backlog did not run either. Each episode counts as one missed tick:
  misfire `run_once` replays only the latest tick of an outage (README), so the ticks before it
  have no row by design, and `skip` leaves them all. An event may account for one episode of
  each job: a fault, from its start less one period to 6 s after its heal (reconnection
  back-offs: Redis 2 s, PostgreSQL 5 s), or a move of that job between owners seen in
  JOB_PROCESSED (rebalancing; README "A node joins": at most one missed), from the poll before
  it less one period to 6 s after. Episodes of `run_all` jobs are not allowed (every missed
  tick is replayed), except one per event made only of ticks skipped for a backlog (README
  "Bounds": at most --max-waiting-per-job runs of a job wait, later ticks are recorded
  skipped); nor are episodes no event accounts for: those count as `missed over budget`.
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
import json
import sys

from evidence import Evidence, expected_ticks

SETTLE = 6.0
# Reasons of `skipped` rows that are the job's own rules, not ticks the cluster failed to run.
DESIGNED_SKIPS = ("forbid:", "misfire: skip")
EXAMPLES = 5


def duplicates(ev):
    """Ticks executed more than once, and the count of executions beyond the first."""
    twice = {key: found for key, found in sorted(ev.by_key.items()) if len(found) > 1}
    examples = [f"job {key[0]} tick {ev.when(key[1])} attempt {key[2]} executed {len(found)} times: " +
                "; ".join(f"run {e.run} on {e.node} at {e.start - ev.start:+.2f} s" for e in found) +
                f" — near {ev.near(found[0].start, key[0])}" for key, found in twice.items()]
    return examples, sum(len(found) - 1 for found in twice.values())


def early(ev):
    return [f"{ev.tell(e)} of job {e.job} started {e.tick - int(e.start * 1000)} ms early — near {ev.near(e.start)}"
            for e in ev.runs if int(e.start * 1000) < e.tick]


def unrecorded(ev):
    return [f"job {key[0]} tick {ev.when(key[1])} attempt {key[2]} on {found[0].node}: no job_run row — near "
            f"{ev.near(found[0].start)}" for key, found in sorted(ev.by_key.items())
            if key not in ev.rows and found[0].start < ev.checked - 1]


def lost(ev):
    """(lost, unowned): acknowledged jobs lost, and the repeating ones without a live owner."""
    live = set(ev.state["live_nodes"])
    ran_after = {e.job for e in ev.runs if e.start >= ev.healed}
    executed = {e.job for e in ev.runs}
    found, unowned = [], []
    for job_id, job in sorted(ev.jobs.items()):
        owner = ev.state["owners"].get(str(job_id))
        if job_id not in ev.table:
            found.append(f"job {job_id} ({job['name']}): acknowledged, not in PostgreSQL")
        elif job["repeat"] and owner not in live:
            unowned.append(f"job {job_id} ({job['name']}): owner {owner!r} after healing (live: {sorted(live)})")
            found.append(unowned[-1])
        elif job["repeat"] and job_id not in ran_after:
            found.append(f"job {job_id} ({job['name']}): owned by {owner}, no run after healing")
        elif not job["repeat"] and job_id not in executed:
            found.append(f"one-shot job {job_id} ({job['name']}) due {job['startdate']}: never executed")
    return found, unowned


def stranded(ev):
    found = []
    for row in ev.state["job_run"]:
        job = ev.jobs.get(int(row[1]))
        since = float(row[6]) or int(row[2]) / 1000
        if job and row[4] in ("pending", "running") and ev.checked - since > (job.get("timeout") or 0) / 1000 + 6:
            found.append(f"run {row[0]} job {row[1]} tick {ev.when(int(row[2]))} attempt {row[3]} {row[4]} on "
                         f"{row[5]} for {ev.checked - since:.1f} s — near {ev.near(since, int(row[1]))}")
    return found


def retries_dropped(ev):
    found = []
    for (job_id, tick, attempt), row in sorted(ev.rows.items()):
        job = ev.jobs.get(job_id)
        ended = float(row[7]) or tick / 1000
        if job and row[4] in ("failed", "timed_out", "lost") and attempt <= job.get("retries", 0) \
                and (job_id, tick, attempt + 1) not in ev.rows and ev.checked - ended > 10:
            found.append(f"job {job_id} tick {ev.when(tick)} attempt {attempt} {row[4]} on {row[5]}: no attempt "
                         f"{attempt + 1} — near {ev.near(ended, job_id)}")
    return found


def forbid_overlaps(ev):
    spans = collections.defaultdict(list)
    for e in ev.runs:
        if ev.jobs.get(e.job, {}).get("concurrency") == "forbid" and e.end is not None:
            spans[e.job].append(e)
    found = []
    for job_id, executions in sorted(spans.items()):
        executions.sort(key=lambda e: e.start)
        latest = executions[0]
        for e in executions[1:]:
            if e.start < latest.end:
                found.append(f"job {job_id}: {ev.tell(e)} started at {e.start - ev.start:+.2f} s while "
                             f"{ev.tell(latest)} ran ({latest.start - ev.start:+.2f} to {latest.end - ev.start:+.2f} s)"
                             f" — near {ev.near(e.start, job_id)}")
            if e.end > latest.end:
                latest = e
    return found


def retry_overlaps(ev):
    found = []
    for e in ev.runs:
        for previous in ev.by_key.get((e.job, e.tick, e.attempt - 1), []):
            if e.attempt > 1 and previous.end is not None and previous.start <= e.start < previous.end:
                found.append(f"job {e.job}: {ev.tell(e)} started at {e.start - ev.start:+.2f} s while {ev.tell(previous)}"
                             f" ran until {previous.end - ev.start:+.2f} s — near {ev.near(e.start, e.job)}")
    return found


def missed(ev):
    """(over budget, episodes, Counter of the events that accounted for the others)."""
    over, count, accounted = [], 0, collections.Counter()
    begin, end = ev.start - 4, ev.checked - 3
    recorded, backlog = collections.defaultdict(set), collections.defaultdict(set)
    for (job_id, tick, attempt), row in ev.rows.items():
        if attempt == 1 and (row[4] != "skipped" or row[8].startswith(DESIGNED_SKIPS)):
            recorded[job_id].add(tick)
        elif attempt == 1 and row[8].startswith("backlog:"):
            backlog[job_id].add(tick)
    for job_id, job in sorted(ev.jobs.items()):
        if not job["repeat"] or job_id not in ev.table:
            continue
        ticks = expected_ticks(job, ev.state["binary"], begin, end)
        period = (ticks[1] - ticks[0]) / 1000 if len(ticks) > 1 else 0
        events = [(f["start"] - period, f["end"] + SETTLE, f["kind"]) for f in ev.faults]
        poll = ev.state.get("poll", 0.5)
        events += [(m["at"] - poll - period, m["at"] + SETTLE, "move") for m in ev.moves[job_id]]
        events.sort(key=lambda event: event[1])
        used = set()
        for first, last, size in episodes(ticks, recorded[job_id]):
            count += 1
            skipped = sum(1 for tick in ticks if first <= tick <= last and tick in backlog[job_id])
            replayed = job.get("misfire") == "run_all" and skipped < size
            match = None if replayed else next(
                (i for i, e in enumerate(events) if i not in used and e[0] <= last / 1000 and first / 1000 <= e[1]), None)
            if match is None:
                why = "misfire run_all replays every tick" if replayed else "no event left"
                over.append(f"job {job_id} ({job['frequency']}, {job.get('misfire')}): {size} tick(s) from "
                            f"{ev.when(first)} to {ev.when(last)} not run, {skipped} of them skipped for a backlog "
                            f"({why}) — near {ev.near(first / 1000, job_id)}")
            else:
                used.add(match)
                accounted[events[match][2]] += 1
    return over, count, accounted


def episodes(ticks, recorded):
    """Maximal runs of consecutive ticks without a row: [[first ms, last ms, count]]."""
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
    ev = Evidence(state)
    statuses = collections.Counter(row[4] for row in state["job_run"])
    kinds = collections.Counter(f["kind"] for f in ev.faults)
    print(f"seed: {state['seed']}, duration {state['duration']:.0f} s, faults {len(ev.faults)}: " +
          ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    print(f"executions (runs) {len(ev.runs)}; job_run rows {len(state['job_run'])}: " +
          ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())) + f"; moves seen {len(state['moves'])}")
    over, episode_count, accounted = missed(ev)
    print(f"missed-tick episodes {episode_count}, accounted for by: " +
          (", ".join(f"{k} {v}" for k, v in sorted(accounted.items())) or "none"))
    twice, extra = duplicates(ev)
    gone, unowned = lost(ev)
    figures = [("duplicates", twice, extra, f" (ticks executed more than once: {len(twice)})"),
               ("lost", gone), ("unowned", unowned), ("stranded", stranded(ev)), ("early", early(ev)),
               ("missed over budget", over), ("unrecorded", unrecorded(ev)), ("forbid overlaps", forbid_overlaps(ev)),
               ("retry overlaps", retry_overlaps(ev)),
               ("node crashes", [f"{c['node']} exited with status {c['status']}, seen at +{c['at'] - ev.start:.1f} s"
                                 for c in state.get("crashes", [])]),
               ("retries dropped", retries_dropped(ev))]
    counts = {}
    for name, examples, *more in figures:
        counts[name] = more[0] if more else len(examples)
        print(f"{name}: {counts[name]}{more[1] if more else ''}")
        for example in examples[:EXAMPLES]:
            print(f"  {example}")
    failed = [name for name, count in counts.items() if count]
    print("chaos: " + (f"FAILED: {', '.join(failed)}" if failed else "passed"))
    print(f"chaos: faults {len(ev.faults)}, runs {len(ev.runs)}, duplicates {extra}, lost {len(gone)}, "
          f"stranded {counts['stranded']}, early {counts['early']}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    with open(sys.argv[1]) as saved:
        saved_state = json.load(saved)
    if len(sys.argv) > 2:
        saved_state["runs_dir"] = sys.argv[2]
    sys.exit(main(saved_state))
