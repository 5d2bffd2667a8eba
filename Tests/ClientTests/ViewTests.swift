// The tables and the record view, from JSON as the server sends it.
import Client
import Foundation
import XCTest

final class ViewTests: XCTestCase {
    private let now: Int64 = 1_774_746_000_000  // 2026-03-29T01:00:00Z

    private func object(_ json: String) throws -> JSONObject {
        try JSONObject.parse(Data(json.utf8), from: "test")
    }

    func testJobsTableShowsScheduleNextFireTimeAndState() throws {
        let jobs = try [
            object(#"{"id":1,"name":"backup","frequency":"0 3 * * *","timezone":"Europe/Paris","next_run_at":"2026-03-29T01:00:12Z","paused":false,"done":false}"#),
            object(#"{"id":12,"name":"ping","frequency":60000,"timezone":"UTC","next_run_at":null,"paused":true,"done":false}"#),
            object(#"{"id":13,"name":"once","frequency":0,"repeat":false,"timezone":"UTC","next_run_at":null,"paused":false,"done":true}"#),
        ]
        XCTAssertEqual(JobTable.render(jobs, now: now, palette: Palette(enabled: false)), """
            ID  NAME    SCHEDULE                NEXT    STATE
             1  backup  0 3 * * * Europe/Paris  in 12s  active
            12  ping    every 1m                -       paused
            13  once    once                    -       done

            """)
    }

    func testRunsTableShowsDurationOfFinishedAndRunningRunsAndHowTheyEnded() throws {
        let runs = try [
            object(#"{"id":9,"status":"running","attempt":1,"scheduled_at":"2026-03-29T00:59:00Z","started_at":"2026-03-29T00:59:58Z","finished_at":null,"exit_code":null,"signal":null,"node_id":"n1"}"#),
            object(#"{"id":8,"status":"failed","attempt":2,"scheduled_at":"2026-03-29T00:57:00Z","started_at":"2026-03-29T00:57:00.100Z","finished_at":"2026-03-29T00:57:01.300Z","exit_code":3,"signal":null,"node_id":"n1"}"#),
            object(#"{"id":7,"status":"timed_out","attempt":1,"scheduled_at":"2026-03-29T00:50:00Z","started_at":"2026-03-29T00:50:00Z","finished_at":"2026-03-29T00:50:10Z","exit_code":null,"signal":15,"node_id":"n2"}"#),
        ]
        XCTAssertEqual(RunTable.render(runs, now: now, palette: Palette(enabled: false)), """
            ID  STATUS     ATTEMPT  SCHEDULED  DURATION  EXIT       NODE
             9  running          1  1m ago           2s  -          n1
             8  failed           2  3m ago         1.2s  3          n1
             7  timed_out        1  10m ago         10s  signal 15  n2

            """)
    }

    func testTicksTableShowsEachTicksOutcomeThenTheCountsAndWhereToGoOn() throws {
        let audit = try object(#"""
            {"job_id":3,"ticks":[{"at":"2026-03-29T00:58:00Z","outcome":"succeeded","run_id":41,"attempts":2},
             {"at":"2026-03-29T00:59:00Z","outcome":"missed"},
             {"at":"2026-03-29T01:00:00Z","outcome":"skipped","reason":"forbid","run_id":42,"attempts":1}],
             "counts":{"succeeded":1,"missed":1,"skipped":1},"truncated":true,"next_from":"2026-03-29T01:01:00Z"}
            """#)
        XCTAssertEqual(TickTable.render(audit, now: now, palette: Palette(enabled: false)), """
            TICK                  WHEN    OUTCOME    RUN  ATTEMPTS  REASON
            2026-03-29T00:58:00Z  2m ago  succeeded   41         2  -
            2026-03-29T00:59:00Z  1m ago  missed       -         -  -
            2026-03-29T01:00:00Z  now     skipped     42         1  forbid
            counts: missed 1, skipped 1, succeeded 1
            more ticks from 2026-03-29T01:01:00Z (--from 2026-03-29T01:01:00Z)

            """)
        XCTAssertTrue(TickTable.render(audit, now: now, palette: Palette(enabled: true)).contains("\u{1B}[31mmissed"),
                      "a missed tick is red on a terminal")
    }

    func testRecordViewShowsEveryFieldTimesFromNowDurationsNestedKeysAndTheScriptLast() throws {
        let job = try object(#"""
            {"id":1,"name":"backup","timeout":600000,"next_run_at":"2026-03-29T03:00:00Z","paused":false,
             "script":"pg_dump db\necho done\n","last_run":{"id":4,"status":"failed"},"keep_runs":null}
            """#)
        XCTAssertEqual(RecordView.render(job, now: now, palette: Palette(enabled: false)), """
            id               1
            keep_runs        -
            last_run.id      4
            last_run.status  failed
            name             backup
            next_run_at      2026-03-29T03:00:00Z (in 2h)
            paused           false
            timeout          10m
            script:
              pg_dump db
              echo done

            """)
    }

    func testNodesTableShowsLeaderLoadAndWaitingJobs() throws {
        let cluster = try object(#"""
            {"leader":"a","waiting":2,"nodes":[{"id":"a","address":"127.0.0.1:8080","leader":true,"jobs":3,"weight":1.125,
             "cpu_host":0.12,"mem_available_kb":24243896,"mem_total_kb":24731708,"rss_kb":61360,"workers":2,
             "heartbeat_age_ms":231,"clock_offset_ms":-0.08}]}
            """#)
        XCTAssertEqual(NodeTable.render(cluster, palette: Palette(enabled: false)), """
            ID  ADDRESS         LEADER  JOBS  WEIGHT  CPU  MEM FREE  RSS  WORKERS  HEARTBEAT   CLOCK
            a   127.0.0.1:8080  yes        3    1.13  12%   23G/23G  59M        2  231ms ago  -0.1ms
            waiting for an owner: 2 jobs

            """)
    }

    func testWorkersTableShowsEachWorkerAndTheRunsWaiting() throws {
        let answer = try object(#"{"waiting":5,"workers":[{"slot":0,"pid":4242,"state":"running","in_flight":3,"rss_kb":30720,"cpu_ms":1500,"restarts":1}]}"#)
        XCTAssertEqual(WorkerTable.render(answer, palette: Palette(enabled: false)), """
            SLOT   PID  STATE    RUNS  RSS   CPU  RESTARTS
               0  4242  running     3  30M  1.5s         1
            runs waiting for a worker: 5

            """)
    }

    func testJSONObjectTellsBooleansFromIntegersAndNumbers() throws {
        let value = try object(#"{"flag":true,"one":1,"half":0.5,"none":null}"#)
        XCTAssertEqual(value.bool("flag"), true)
        XCTAssertNil(value.integer("flag"))
        XCTAssertEqual(value.integer("one"), 1)
        XCTAssertNil(value.bool("one"))
        XCTAssertNil(value.integer("half"))
        XCTAssertEqual(value.number("half"), 0.5)
        XCTAssertEqual(value.text("none"), "-")
    }

    func testAnAnswerThatIsNotAJSONObjectIsNoUsableAnswer() {
        XCTAssertThrowsError(try JSONObject.parse(Data("<html>".utf8), from: "GET /jobs")) { error in
            XCTAssertEqual((error as? ClientError)?.exitCode, 3)
        }
    }
}
