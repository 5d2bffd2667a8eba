"""check_test.py: the chaos checker against small made-up runs, so that each of its checks is
shown to fail on the fault it names (and a clean run to pass). No cluster, no servers:
`python3 -m unittest perf/chaos/check_test.py` (chaos.sh runs it before every chaos run).
"""
import contextlib
import datetime
import io
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check  # noqa: E402

T0 = 1_800_000_000.0  # the chaos start, epoch s


def iso(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Run:
    """A made-up chaos run: three jobs every second (run_once with a retry, forbid, run_all),
    every tick from the window's start to the check run once on n1, on time."""

    def __init__(self, directory):
        self.directory = directory
        self.jobs = [{"id": 1, "name": "a", "frequency": 1000, "startdate": iso((T0 - 10) * 1000), "repeat": True,
                      "misfire": "run_once", "retries": 1, "timeout": 10000, "concurrency": "allow"},
                     {"id": 2, "name": "b", "frequency": 1000, "startdate": iso((T0 - 10) * 1000), "repeat": True,
                      "misfire": "run_once", "retries": 0, "timeout": 10000, "concurrency": "forbid"},
                     {"id": 3, "name": "c", "frequency": 1000, "startdate": iso((T0 - 10) * 1000), "repeat": True,
                      "misfire": "run_all", "retries": 0, "timeout": 10000, "concurrency": "allow"}]
        self.rows, self.lines = [], []
        for job in (1, 2, 3):
            for second in range(-5, 30):
                self.execute(job, (T0 + second) * 1000, 1, start=T0 + second + 0.01, end=T0 + second + 0.2)
        self.state = {"seed": 0, "duration": 20, "binary": "unused", "runs_dir": directory, "jobs": self.jobs,
                      "faults": [], "moves": [], "crashes": [], "chaos_start": T0, "healed": T0 + 20,
                      "checked": T0 + 30, "owners": {"1": "n1", "2": "n1", "3": "n1"}, "live_nodes": ["n1"],
                      "job_table": [["1"], ["2"], ["3"]], "job_run": self.rows}

    def execute(self, job, tick, attempt, start, end=None, status="succeeded", row=True):
        run = len(self.rows) + 1
        self.lines.append(f"start {job} {iso(tick)} {attempt} {run} n1 {start:.6f}")
        if end is not None:
            self.lines.append(f"end {job} {iso(tick)} {attempt} {run} n1 {start:.6f} {end:.6f} 0")
        if row:
            self.rows.append([str(run), str(job), str(int(tick)), str(attempt), status, "n1", str(start),
                              str(end or 0), ""])

    def row(self, job, second, attempt=1):
        """The row of `job`'s tick at T0 + second."""
        return self.rows[[r[1:4] for r in self.rows].index([str(job), str(int((T0 + second) * 1000)), str(attempt)])]

    def skip(self, job, second, reason):
        """Makes the tick at T0 + second a `skipped` row with `reason`, and drops its execution."""
        row = self.row(job, second)
        row[4], row[8] = "skipped", reason
        self.lines[:] = [line for line in self.lines if f" {row[0]} n1 " not in line]

    def forget(self, job, first_second, last_second):
        """Drops the rows of attempt 1 of `job`'s ticks in [T0 + first, T0 + last] (missed ticks)."""
        low, high = (T0 + first_second) * 1000, (T0 + last_second) * 1000
        self.rows[:] = [r for r in self.rows if not (r[1] == str(job) and r[3] == "1" and low <= int(r[2]) <= high)]

    def check(self):
        with open(os.path.join(self.directory, "job-all.log"), "w") as log:
            log.write("\n".join(self.lines) + "\n")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = check.main(self.state)
        lines = out.getvalue().splitlines()
        return status, lines[-2], lines[-1]


class CheckTests(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.TemporaryDirectory()
        self.run = Run(self.directory.name)

    def tearDown(self):
        self.directory.cleanup()

    def assertFails(self, *names):
        status, verdict, _ = self.run.check()
        self.assertEqual(status, 1)
        self.assertEqual(verdict, "chaos: FAILED: " + ", ".join(names))

    def test_a_clean_run_passes_with_the_last_line_of_the_issue(self):
        status, verdict, last = self.run.check()
        self.assertEqual((status, verdict), (0, "chaos: passed"))
        self.assertEqual(last, "chaos: faults 0, runs 105, duplicates 0, lost 0, stranded 0, early 0")

    def test_a_tick_executed_twice_is_a_duplicate(self):
        self.run.lines.append(f"start 1 {iso((T0 + 3) * 1000)} 1 999 n2 {T0 + 3.5:.6f}")
        self.assertFails("duplicates")

    def test_a_run_started_before_its_tick_is_early(self):
        self.run.execute(1, (T0 + 40) * 1000, 1, start=T0 + 39.999)
        self.assertFails("early")

    def test_a_job_without_a_live_owner_is_lost_and_unowned(self):
        self.run.state["owners"]["2"] = "n7"
        self.assertFails("lost", "unowned")

    def test_a_job_that_does_not_fire_after_healing_is_lost(self):
        self.run.lines[:] = [line for line in self.run.lines if not (line.split()[1] == "3" and
                                                                    float(line.split()[6]) >= T0 + 20)]
        self.assertFails("lost")

    def test_a_running_row_older_than_its_timeout_is_stranded(self):
        self.run.execute(1, (T0 + 5) * 1000, 2, start=T0 + 6, status="running")
        self.assertFails("stranded")

    def test_missed_ticks_without_a_fault_are_over_budget(self):
        self.run.forget(1, 10, 12)
        self.assertFails("missed over budget", "unrecorded")

    def test_a_tick_skipped_for_a_backlog_is_missed_one_skipped_by_forbid_is_not(self):
        self.run.skip(2, 5, "forbid: a run of this job is live")
        self.assertEqual(self.run.check()[0], 0)
        self.run.skip(2, 5, "backlog: 10 runs of this job already wait for a worker")
        self.assertFails("missed over budget")

    def test_one_episode_per_fault_is_allowed_but_not_two(self):
        self.run.state["faults"] = [{"kind": "kill-node", "node": "n1", "start": T0 + 9.5, "end": T0 + 12}]
        self.run.forget(1, 10, 11)
        self.run.lines[:] = [line for line in self.run.lines if not (line.split()[1] == "1" and
                                                                    T0 + 10 <= float(line.split()[6]) < T0 + 18)]
        self.assertEqual(self.run.check()[0], 0)
        self.run.forget(1, 14, 14)
        self.assertFails("missed over budget")

    def test_a_run_all_job_may_miss_no_tick_even_in_a_fault(self):
        self.run.state["faults"] = [{"kind": "kill-node", "node": "n1", "start": T0 + 9.5, "end": T0 + 12}]
        self.run.forget(3, 10, 10)
        self.run.lines[:] = [line for line in self.run.lines if not (line.split()[1] == "3" and
                                                                    T0 + 10 <= float(line.split()[6]) < T0 + 11)]
        self.assertFails("missed over budget")

    def test_a_run_all_job_may_skip_ticks_for_a_backlog_once_per_fault(self):
        self.run.state["faults"] = [{"kind": "pg-restart", "node": "n1", "start": T0 + 9.5, "end": T0 + 10}]
        for second in (10, 11):
            self.run.skip(3, second, "backlog: 10 runs of this job already wait for a worker")
        self.assertEqual(self.run.check()[0], 0)
        self.run.skip(3, 25, "backlog: 10 runs of this job already wait for a worker")
        self.assertFails("missed over budget")

    def test_two_runs_of_a_forbid_job_at_once_overlap(self):
        self.run.lines[:] = [line.replace(f"{T0 + 4.2:.6f} 0", f"{T0 + 5.5:.6f} 0")
                             if line.startswith("end 2 ") else line for line in self.run.lines]
        self.assertFails("forbid overlaps")

    def test_a_retry_started_while_its_attempt_ran_overlaps(self):
        self.run.row(1, 5)[4] = "lost"
        self.run.execute(1, (T0 + 5) * 1000, 2, start=T0 + 5.1, end=T0 + 5.3)
        self.assertFails("retry overlaps")

    def test_a_failed_attempt_within_retries_without_its_retry_is_dropped(self):
        self.run.row(1, 5)[4] = "failed"
        self.assertFails("retries dropped")

    def test_a_node_that_exited_by_itself_is_a_crash(self):
        self.run.state["crashes"] = [{"node": "n1", "at": T0 + 3, "status": -11}]
        self.assertFails("node crashes")


if __name__ == "__main__":
    unittest.main()
