// The /proc parsers on real-shaped and malformed text, and HostLoadSampler's rates across two
// samples of a fixture /proc (a temporary directory) with an injected monotonic clock, plus
// one smoke sample of the real /proc.

import Foundation
@testable import Server
import XCTest

final class HostLoadTests: XCTestCase {
    // MARK: parsers

    func testCPULineSumsTheFirstEightFields() throws {
        let text = """
            cpu  519948 0 116249 1174005 7856 0 26135 1020 50 60
            cpu0 266389 0 59020 580950 3813 0 11840 518 0 0
            intr 1 2 3
            """
        let cpu = try XCTUnwrap(HostLoad.parseCPU(text))
        XCTAssertEqual(cpu.total, 519948 + 116249 + 1174005 + 7856 + 26135 + 1020, "guest fields left out")
        XCTAssertEqual(cpu.busy, 519948 + 116249 + 26135 + 1020, "idle and iowait are not busy")
    }

    func testCPUOfOldKernelsAndMalformedText() {
        XCTAssertEqual(HostLoad.parseCPU("cpu 10 0 5 85\n")?.busy, 15)
        XCTAssertEqual(HostLoad.parseCPU("cpu 10 0 5 85\n")?.total, 100)
        XCTAssertNil(HostLoad.parseCPU(""))
        XCTAssertNil(HostLoad.parseCPU("cpu0 1 2 3 4 5 6 7 8\n"), "only the aggregate line counts")
        XCTAssertNil(HostLoad.parseCPU("cpu 1 2 3\n"))
        XCTAssertNil(HostLoad.parseCPU("cpu 1 2 x 4 5 6 7 8\n"))
        XCTAssertNil(HostLoad.parseCPU("cpu -1 2 3 4 5 6 7 8\n"))
    }

    func testMemInfo() throws {
        let text = """
            MemTotal:       24731708 kB
            MemFree:        21784104 kB
            MemAvailable:   24234556 kB
            Buffers:           72156 kB
            Cached:          2517492 kB
            SwapCached:            0 kB
            HugePages_Total:       0
            """
        let memory = try XCTUnwrap(HostLoad.parseMemInfo(text))
        XCTAssertEqual(memory.totalKB, 24_731_708)
        XCTAssertEqual(memory.availableKB, 24_234_556)
        XCTAssertEqual(memory.cachedKB, 2_517_492, "not SwapCached")
        XCTAssertEqual(HostLoad.parseMemInfo("MemTotal: 100 kB\nMemAvailable: 40 kB\n")?.cachedKB, 0)
    }

    func testMalformedMemInfo() {
        XCTAssertNil(HostLoad.parseMemInfo(""))
        XCTAssertNil(HostLoad.parseMemInfo("MemTotal: 100 kB\nMemFree: 40 kB\n"), "MemAvailable is required")
        XCTAssertNil(HostLoad.parseMemInfo("MemTotal: lots kB\nMemAvailable: 40 kB\n"))
        XCTAssertNil(HostLoad.parseMemInfo("MemTotal: 100 MB\nMemAvailable: 40 kB\n"))
        XCTAssertNil(HostLoad.parseMemInfo("MemTotal:\nMemAvailable: 40 kB\n"))
    }

    func testProcessStatIsReadFromTheLastParenthesis() {
        let plain = "28095 (cat) R 28090 28090 26498 0 -1 4194304 102 0 0 0 11 22 33 44 20 0 1 0 924811 3133440 407\n"
        XCTAssertEqual(HostLoad.parseProcessCPUTicks(plain), 110)
        let tricky = "42 (a) b (c) d) S 1 42 42 0 -1 4194304 102 0 0 0 1 2 3 4 20 0 1 0 924811 3133440 407\n"
        XCTAssertEqual(HostLoad.parseProcessCPUTicks(tricky), 10)
    }

    func testMalformedProcessStat() {
        XCTAssertNil(HostLoad.parseProcessCPUTicks(""))
        XCTAssertNil(HostLoad.parseProcessCPUTicks("42 cat R 1 42 42 0 -1 4194304 102 0 0 0 1 2 3 4 20"), "no comm")
        XCTAssertNil(HostLoad.parseProcessCPUTicks("42 (cat) R 1 42 42 0 -1 4194304 102 0 0 0 1 2 3"), "cut short")
        XCTAssertNil(HostLoad.parseProcessCPUTicks("42 (cat) R 1 42 42 0 -1 4194304 102 0 0 0 1 x 3 4 20"))
    }

    func testResidentPages() {
        XCTAssertEqual(HostLoad.parseResidentKB(statm: "765 435 407 5 0 123 0\n", pageSize: 4096), 1740)
        XCTAssertEqual(HostLoad.parseResidentKB(statm: "765 435 407 5 0 123 0\n", pageSize: 65536), 27840)
        XCTAssertNil(HostLoad.parseResidentKB(statm: "765\n", pageSize: 4096))
        XCTAssertNil(HostLoad.parseResidentKB(statm: "765 many 407\n", pageSize: 4096))
        XCTAssertNil(HostLoad.parseResidentKB(statm: "", pageSize: 4096))
    }

    func testMemAvailableFraction() {
        XCTAssertEqual(NodeLoad(memTotalKB: 1000, memAvailableKB: 250).memAvailableFraction, 0.25)
        XCTAssertEqual(NodeLoad().memAvailableFraction, 1, "unknown total")
    }

    // MARK: sampler

    private var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("hostload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    private func write(_ path: String, _ text: String) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    private func writeProcess(_ pid: Int32, ticks: (Int, Int, Int, Int), residentPages: Int) throws {
        let (utime, stime, cutime, cstime) = ticks
        try write("\(pid)/stat",
                  "\(pid) (dsched worker) S 1 \(pid) \(pid) 0 -1 4194304 102 0 0 0 \(utime) \(stime) \(cutime) \(cstime) 20 0 1 0 9 3133440 407\n")
        try write("\(pid)/statm", "1000 \(residentPages) 300 5 0 123 0\n")
    }

    private func writeHost(busy: Int, idle: Int, iowait: Int = 0) throws {
        try write("stat", "cpu  \(busy) 0 0 \(idle) \(iowait) 0 0 0 0 0\ncpu0 \(busy) 0 0 \(idle) \(iowait) 0 0 0 0 0\n")
    }

    func testDeltasAcrossTwoSamples() throws {
        var clock: Int64 = 5_000_000_000
        let sampler = HostLoadSampler(procRoot: root.path, pageSize: 4096, ticksPerSecond: 100, clock: { clock })
        try writeHost(busy: 1000, idle: 9000)
        try write("meminfo", "MemTotal: 1000000 kB\nMemAvailable: 150000 kB\nCached: 70000 kB\n")
        try writeProcess(10, ticks: (100, 50, 0, 0), residentPages: 256)
        try writeProcess(11, ticks: (7, 0, 0, 0), residentPages: 512)

        let first = sampler.sample(processIDs: [10, 11, 99])
        XCTAssertEqual(first.hostCPU, 0, "no interval yet")
        XCTAssertEqual(first.processCPU, 0)
        XCTAssertEqual(first.memTotalKB, 1_000_000)
        XCTAssertEqual(first.memAvailableKB, 150_000)
        XCTAssertEqual(first.cachedKB, 70000)
        XCTAssertEqual(first.rssKB, 1024 + 2048, "pid 99 does not exist and is skipped")
        XCTAssertEqual(first.memAvailableFraction, 0.15, accuracy: 1e-12)
        XCTAssertEqual(first.jobs, 0)
        XCTAssertEqual(first.weight, 0)
        XCTAssertEqual(first.workers, 0)

        // Two seconds later: the host was 60 % busy (600 of 1000 jiffies, iowait counts as
        // idle); pid 10 used 250 ticks of its own and 50 of reaped children, pid 11 exited,
        // pid 12 appeared with 500 ticks already spent before it was first seen.
        clock += 2_000_000_000
        try writeHost(busy: 1600, idle: 9300, iowait: 100)
        try writeProcess(10, ticks: (300, 100, 30, 20), residentPages: 300)
        try FileManager.default.removeItem(at: root.appendingPathComponent("11"))
        try writeProcess(12, ticks: (500, 0, 0, 0), residentPages: 100)

        let second = sampler.sample(processIDs: [10, 12])
        XCTAssertEqual(second.hostCPU, 0.6, accuracy: 1e-12)
        XCTAssertEqual(second.processCPU, 1.5, accuracy: 1e-12, "300 ticks at 100/s over 2 s")
        XCTAssertEqual(second.rssKB, 1200 + 400)

        // One second later pid 12 counts from its first sight: 100 more ticks = 1 core.
        clock += 1_000_000_000
        try writeHost(busy: 2600, idle: 9400, iowait: 100)
        try writeProcess(12, ticks: (550, 50, 0, 0), residentPages: 100)
        let third = sampler.sample(processIDs: [10, 12])
        XCTAssertEqual(third.hostCPU, 1000.0 / 1100, accuracy: 1e-12)
        XCTAssertEqual(third.processCPU, 1.0, accuracy: 1e-12, "pid 10 unchanged, pid 12 +100 ticks")
    }

    func testMissingFilesGiveZeros() {
        let sampler = HostLoadSampler(procRoot: root.path + "/absent")
        XCTAssertEqual(sampler.sample(processIDs: [1]), NodeLoad())
        XCTAssertEqual(sampler.sample(processIDs: [1]), NodeLoad())
    }

    func testRealProc() throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: "/proc/stat"), "Linux only")
        let sampler = HostLoadSampler()
        let pid = getpid()
        _ = sampler.sample(processIDs: [pid])
        var spin = 0.0
        for index in 0..<2_000_000 { spin += Double(index).squareRoot() }
        XCTAssertGreaterThan(spin, 0)
        let load = sampler.sample(processIDs: [pid])
        XCTAssertGreaterThan(load.memTotalKB, 0)
        XCTAssertGreaterThan(load.memAvailableKB, 0)
        XCTAssertGreaterThan(load.rssKB, 0)
        XCTAssert((0...1).contains(load.hostCPU))
        XCTAssertGreaterThanOrEqual(load.processCPU, 0)
    }
}
