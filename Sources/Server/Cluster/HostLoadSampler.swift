// HostLoadSampler: the I/O side of the load figures — reads /proc (Glibc open/read/close, no
// Foundation: these are kernel pseudo-files, answered from memory, never a disk) and keeps the
// previous CPU counters to turn them into rates.

import Glibc

/// HostLoadSampler reads the host's and some processes' load, and turns the CPU counters into
/// rates over the interval since its previous sample.
///
/// The first sample reports hostCPU and processCPU 0. A process that disappeared is skipped;
/// one that is new since the previous sample (or whose counters went backwards, as when its
/// pid was reused) counts from the sample where it was first seen. Not thread-safe: one owner
/// samples it, normally on the heartbeat timer.
final class HostLoadSampler {
    /// Files larger than this are cut; only the first line of /proc/stat matters, and the
    /// other files are a few kB.
    static let readLimit = 64 * 1024

    private let procRoot: String
    private let pageSize: Int
    private let ticksPerSecond: Double
    private let clock: () -> Int64
    private var buffer: [UInt8]

    private var previousHost: (busy: UInt64, total: UInt64)?
    private var previousProcessTicks: [Int32: UInt64] = [:]
    private var previousTime: Int64?

    /// - Parameters:
    ///   - procRoot: where /proc is; tests point it at a directory of fixture files.
    ///   - pageSize: bytes per page for statm; the system's by default.
    ///   - ticksPerSecond: clock ticks per second of /proc/<pid>/stat; the system's by default.
    ///   - clock: monotonic nanoseconds; CLOCK_MONOTONIC by default.
    init(
        procRoot: String = "/proc",
        pageSize: Int = Int(sysconf(Int32(_SC_PAGESIZE))),
        ticksPerSecond: Int = Int(sysconf(Int32(_SC_CLK_TCK))),
        clock: @escaping () -> Int64 = HostLoadSampler.monotonicNanoseconds
    ) {
        self.procRoot = procRoot
        self.pageSize = pageSize > 0 ? pageSize : 4096
        self.ticksPerSecond = Double(ticksPerSecond > 0 ? ticksPerSecond : 100)
        self.clock = clock
        self.buffer = [UInt8](repeating: 0, count: Self.readLimit)
    }

    /// The load now. jobs, weight and workers are left 0 for the caller to fill.
    func sample(processIDs: [Int32]) -> NodeLoad {
        var load = NodeLoad()
        let now = clock()

        if let text = read("stat"), let host = HostLoad.parseCPU(text) {
            if let previous = previousHost, host.total > previous.total, host.busy >= previous.busy {
                let busy = Double(host.busy - previous.busy) / Double(host.total - previous.total)
                load.hostCPU = min(max(busy, 0), 1)
            }
            previousHost = host
        }

        if let text = read("meminfo"), let memory = HostLoad.parseMemInfo(text) {
            load.memTotalKB = memory.totalKB
            load.memAvailableKB = memory.availableKB
            load.cachedKB = memory.cachedKB
        }

        var ticks: [Int32: UInt64] = [:]
        var usedTicks: UInt64 = 0
        for pid in Set(processIDs) {
            guard let text = read("\(pid)/stat"), let current = HostLoad.parseProcessCPUTicks(text) else { continue }
            ticks[pid] = current
            if let previous = previousProcessTicks[pid], current >= previous {
                usedTicks &+= current - previous
            }
            if let text = read("\(pid)/statm"), let resident = HostLoad.parseResidentKB(statm: text, pageSize: pageSize) {
                load.rssKB += resident
            }
        }
        if let previousTime, now > previousTime {
            let seconds = Double(now - previousTime) / 1e9
            load.processCPU = Double(usedTicks) / ticksPerSecond / seconds
        }
        previousProcessTicks = ticks
        previousTime = now
        return load
    }

    /// CLOCK_MONOTONIC in nanoseconds.
    static func monotonicNanoseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }

    /// The text of `procRoot/relativePath`, at most `readLimit` bytes; nil when it cannot be
    /// opened or read.
    private func read(_ relativePath: String) -> String? {
        let descriptor = open(procRoot + "/" + relativePath, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var count = 0
        let failed = buffer.withUnsafeMutableBytes { raw -> Bool in
            guard let base = raw.baseAddress else { return true }
            while count < raw.count {
                let got = Glibc.read(descriptor, base + count, raw.count - count)
                if got > 0 {
                    count += got
                } else if got == 0 {
                    return false
                } else if errno != EINTR {
                    return true
                }
            }
            return false
        }
        guard !failed else { return nil }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }
}
