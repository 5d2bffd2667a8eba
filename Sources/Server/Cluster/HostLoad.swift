// HostLoad: the load figures a node publishes with its heartbeat, read from /proc: how busy the
// host's CPUs are, how much memory is left, and what the node's own processes (master and
// workers) use. The leader turns them into a load score (LoadScore) when it assigns jobs.
// The parsers are pure so that tests can feed them fixture text; HostLoadSampler does the I/O
// (Glibc open/read/close, no Foundation) and keeps the previous counters to compute rates.

import Glibc

/// NodeLoad is one node's load at one moment, as published with its heartbeat (public
/// because ClusterState.Heartbeat carries it).
public struct NodeLoad: Equatable, Sendable {
    /// Jobs the node owns (filled by the caller).
    public var jobs: Int = 0
    /// Sum of the weights of the jobs it owns (filled by the caller; see JobWeight).
    public var weight: Double = 0
    /// Busy fraction of all the host's CPUs over the last interval, 0...1.
    public var hostCPU: Double = 0
    /// Cores used by the sampled processes over the last interval; may exceed 1.
    public var processCPU: Double = 0
    public var memTotalKB: Int = 0
    /// `MemAvailable`: free memory plus what the kernel can reclaim (most of the page cache).
    public var memAvailableKB: Int = 0
    /// `Cached`: the page cache, shown for information; MemAvailable already counts its
    /// reclaimable part as free.
    public var cachedKB: Int = 0
    /// Resident memory summed over the sampled processes.
    public var rssKB: Int = 0
    /// Live worker processes (filled by the caller).
    public var workers: Int = 0

    public init(
        jobs: Int = 0, weight: Double = 0, hostCPU: Double = 0, processCPU: Double = 0,
        memTotalKB: Int = 0, memAvailableKB: Int = 0, cachedKB: Int = 0, rssKB: Int = 0, workers: Int = 0
    ) {
        self.jobs = jobs
        self.weight = weight
        self.hostCPU = hostCPU
        self.processCPU = processCPU
        self.memTotalKB = memTotalKB
        self.memAvailableKB = memAvailableKB
        self.cachedKB = cachedKB
        self.rssKB = rssKB
        self.workers = workers
    }

    /// MemAvailable / MemTotal; 1 when the total is unknown (0), so that a missing reading
    /// never looks like memory pressure.
    public var memAvailableFraction: Double {
        guard memTotalKB > 0 else { return 1 }
        return min(max(Double(memAvailableKB) / Double(memTotalKB), 0), 1)
    }
}

/// HostLoad holds the parsers of the /proc files the sampler reads. Each returns nil for
/// text that does not have the expected shape.
enum HostLoad {
    /// CPU time of the whole host in jiffies, from the first `cpu ` line of `/proc/stat`.
    ///
    /// The total is the sum of the first eight fields (user nice system idle iowait irq softirq
    /// steal); guest and guest_nice are left out because user and nice already include them.
    /// Idle time is idle + iowait; busy is the rest. Kernels older than 2.6.11 print fewer
    /// fields; at least four (up to idle) are required and missing ones count as 0.
    static func parseCPU(_ text: String) -> (busy: UInt64, total: UInt64)? {
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard line.hasPrefix("cpu ") else { continue }
            let fields = line.split(separator: " ").dropFirst().prefix(8)
            guard fields.count >= 4 else { return nil }
            var values: [UInt64] = []
            for field in fields {
                guard let value = UInt64(field) else { return nil }
                values.append(value)
            }
            var total: UInt64 = 0
            for value in values {
                let (sum, overflow) = total.addingReportingOverflow(value)
                guard !overflow else { return nil }
                total = sum
            }
            let idle = values[3] + (values.count > 4 ? values[4] : 0)
            return (busy: total - idle, total: total)
        }
        return nil
    }

    /// MemTotal, MemAvailable and Cached of `/proc/meminfo`, in kB. MemTotal and MemAvailable
    /// are required (MemAvailable exists since Linux 3.14); a missing Cached counts as 0.
    static func parseMemInfo(_ text: String) -> (totalKB: Int, availableKB: Int, cachedKB: Int)? {
        var total: Int?
        var available: Int?
        var cached: Int?
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon]
            guard key == "MemTotal" || key == "MemAvailable" || key == "Cached" else { continue }
            let words = line[line.index(after: colon)...].split(separator: " ")
            guard let first = words.first, let value = Int(first), value >= 0,
                  words.count == 1 || (words.count == 2 && words[1] == "kB") else { return nil }
            switch key {
            case "MemTotal": total = value
            case "MemAvailable": available = value
            default: cached = value
            }
        }
        guard let total, let available else { return nil }
        return (totalKB: total, availableKB: available, cachedKB: cached ?? 0)
    }

    /// CPU time of one process in clock ticks from `/proc/<pid>/stat`: utime + stime of the
    /// process plus cutime + cstime of its children that it has waited for (so a worker's
    /// finished scripts count once they are reaped).
    ///
    /// The second field, the command name, is in parentheses and may itself contain spaces
    /// and ')', so the fields are counted from the last ')'.
    static func parseProcessCPUTicks(_ text: String) -> UInt64? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        // After ")": field 3 (state) is at index 0, so field n is at index n - 3.
        let fields = text[text.index(after: close)...].split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count > 14 else { return nil }
        var ticks: UInt64 = 0
        for index in 11...14 {  // utime (14), stime (15), cutime (16), cstime (17)
            guard let value = Int64(fields[index]) else { return nil }
            ticks &+= UInt64(max(value, 0))
        }
        return ticks
    }

    /// Resident memory in kB from `/proc/<pid>/statm`, whose second field counts pages.
    static func parseResidentKB(statm text: String, pageSize: Int) -> Int? {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count >= 2, let pages = Int(fields[1]), pages >= 0, pageSize > 0 else { return nil }
        let (bytes, overflow) = pages.multipliedReportingOverflow(by: pageSize)
        return overflow ? nil : bytes / 1024
    }
}

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
