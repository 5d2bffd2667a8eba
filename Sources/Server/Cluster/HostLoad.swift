// HostLoad: the parsers of the /proc files HostLoadSampler reads. They are pure so that tests
// can feed them fixture text.

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
