// HTTPDate: the `Date:` header line, formatted once per second rather than once per response.
import Glibc

public final class HTTPDate {
    private var second: Int = -1
    private(set) var headerLine: [UInt8] = []

    public init() {}

    /// Refreshes the cached line for the given Unix time (seconds); cheap when the second is unchanged.
    func update(now: Double) {
        let whole = Int(now)
        if whole == second { return }
        second = whole
        var time = time_t(whole)
        var parts = tm()
        gmtime_r(&time, &parts)
        var text = [CChar](repeating: 0, count: 64)
        let length = strftime(&text, text.count, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &parts)
        headerLine = text[..<length].map { UInt8(bitPattern: $0) }
    }
}
