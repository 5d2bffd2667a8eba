// Settings: resolves one setting from its command-line flag, else its environment variable,
// else its default — the rule every `dsched serve` option follows.
import ArgumentParser
import Foundation

struct Settings {
    let environment: [String: String]

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    func string(_ flag: String?, env name: String, default fallback: String) -> String {
        flag ?? environment[name] ?? fallback
    }

    func int(_ flag: Int?, env name: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
        let value: Int
        if let flag {
            value = flag
        } else if let text = environment[name] {
            guard let parsed = Int(text) else {
                throw ValidationError("environment variable \(name)=\(text) is not an integer")
            }
            value = parsed
        } else {
            value = fallback
        }
        guard range.contains(value) else {
            throw ValidationError("\(name) must be in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
        return value
    }

    /// `zeroAllowed`: 0 is a value of its own (e.g. "no limit").
    func seconds(_ flag: Double?, env name: String, default fallback: Double, zeroAllowed: Bool = false) throws -> Double {
        let value: Double
        if let flag {
            value = flag
        } else if let text = environment[name] {
            guard let parsed = Double(text) else {
                throw ValidationError("environment variable \(name)=\(text) is not a number of seconds")
            }
            value = parsed
        } else {
            value = fallback
        }
        guard value > 0 || (zeroAllowed && value == 0), value.isFinite else {
            throw ValidationError("\(name) must be a \(zeroAllowed ? "non-negative" : "positive") number of seconds, got \(value)")
        }
        return value
    }
}
