// ExpositionReader: reads samples out of Prometheus text exposition, for the unit and the
// integration tests' assertions on /metrics.

public enum ExpositionReader {
    /// The value of the sample named exactly `series` (name and labels as written), or nil.
    public static func value(_ series: String, in text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    public static func value(_ series: String, in bytes: [UInt8]) -> Double? {
        value(series, in: String(decoding: bytes, as: UTF8.self))
    }
}
