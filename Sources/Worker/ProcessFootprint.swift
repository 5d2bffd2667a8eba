// ProcessFootprint: the worker's own memory and CPU, for the stats it sends every second
// (the master weighs its workers' load with them).
import Glibc

enum ProcessFootprint {
    /// Resident memory in KiB: the VmRSS line of /proc/self/status (0 if it cannot be read).
    static func residentKilobytes() -> Int {
        let fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        // The file is a couple of KiB; VmRSS sits in its first half.
        var buffer = [UInt8](repeating: 0, count: 8192)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return 0 }
        let text = String(decoding: buffer[..<count], as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return Int(line.dropFirst("VmRSS:".count).filter(\.isNumber)) ?? 0
    }

    /// User plus system CPU time of this process (not of its children), in milliseconds.
    static func cpuMilliseconds() -> Int64 {
        var usage = rusage()
        guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
        return usage.ru_utime.milliseconds + usage.ru_stime.milliseconds
    }
}
