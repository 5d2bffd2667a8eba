// ClockOffset: how far PostgreSQL's clock is from a local clock, and how sure we are, from
// round trips — NTP's on-wire rule and clock filter, shrunk to one server (RFC 5905). Pure:
// every instant is passed in, so it is tested without a clock or a database.
//
// One round trip: the local clock reads t0 just before the query is sent and t1 once its
// answer is in; the server's clock read s in between. Whatever the two legs took, s happened
// at some local instant within [t0, t1], so
//
//     offset θ = s − (t0 + t1) / 2        error ε = (t1 − t0) / 2 + resolution
//
// (RFC 5905 §8, with the server's two timestamps T2 = T3 = s): the server's clock reads
// local + θ, give or take ε. The error of a sample then grows with its age by the frequency
// tolerance PHI = 15 ppm (RFC 5905 §7.2, "dispersion increases at rate PHI"): two oscillators
// drift apart between samples. Like NTP's clock filter (RFC 5905 §10: an eight-stage shift
// register, the sample of least synchronization distance δ/2 + ε wins), the estimate is the
// kept sample of least error now, so a slow round trip (a wide interval) never moves it. A
// sample whose interval θ ± ε does not meet a newer one's is a false ticker (RFC 5905 §11.2.1,
// the intersection rule): one of the clocks stepped, so the older samples are dropped.
//
// The window slides with the answers: the samples of the last `window` ms before the newest
// one (at most `samples`). A run of slow answers thus pushes a fast one out within `window`
// (the error then shows how slow they are), while an outage, with no answers at all, keeps the
// last estimate, its error growing at PHI, until the newest sample is `maxAge` old: then there
// is no estimate.
//
// Worked example (window 8 s, maxAge 30 s): samples (t0, s, t1) = (1000, 5000.5, 1001) → θ
// 4000, ε 0.5 (+ resolution); (2000, 6003, 2010) → θ 3998, ε 5: the first wins at 2010 (ε 0.5
// + 15e-6 · 1009 ms). A third (9500, 13_502, 9520), θ 3992 ± 10, pushes the first out (it is
// 8.5 s older): the second is the estimate (ε ≈ 5.11 at 9520), and still at 30_000 with no
// answer since (ε ≈ 5.42). After 39_520 ms without an answer there is no estimate.

/// ClockOffset keeps the recent round trips to one server and estimates its clock's offset.
struct ClockOffset {
    /// One round trip, all in milliseconds: local send and receive, and the server's reading.
    struct Sample: Equatable {
        let sent: Double
        let server: Double
        let received: Double

        var offset: Double { server - (sent + received) / 2 }
        var delay: Double { received - sent }

        /// Its error at local instant `now`: half the round trip, the resolution, and the
        /// drift since it was taken.
        func error(at now: Double, _ configuration: Configuration) -> Double {
            delay / 2 + configuration.resolution + configuration.frequencyTolerance * max(now - received, 0)
        }
    }

    /// The estimate at one local instant: the server's clock reads local + `offset` ± `error`.
    struct Estimate: Equatable {
        /// Server minus local, ms.
        let offset: Double
        /// Half the round trip, plus the resolution, plus drift since the sample, ms.
        let error: Double
        /// Local ms since the sample's answer arrived.
        let age: Double
    }

    struct Configuration: Equatable {
        /// Samples kept (RFC 5905's clock filter keeps 8).
        var samples = 8
        /// Local ms before the newest sample within which samples are kept.
        var window = 8_000.0
        /// Local ms after the newest sample's answer beyond which there is no estimate.
        var maxAge = 30_000.0
        /// The coarser of the two clocks' resolutions, ms (PostgreSQL's clock_timestamp() reads
        /// microseconds).
        var resolution = 0.001
        /// Frequency tolerance: how fast two clocks may drift apart, ms per ms (RFC 5905 PHI).
        var frequencyTolerance = 15e-6
    }

    let configuration: Configuration
    /// Oldest first.
    private(set) var samples: [Sample] = []

    init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// Takes a round trip; false (and no effect) when it cannot be one: a receive before its
    /// send, or a reading that is not a number.
    @discardableResult
    mutating func add(_ sample: Sample) -> Bool {
        guard sample.sent.isFinite, sample.server.isFinite, sample.received.isFinite, sample.delay >= 0 else { return false }
        let now = sample.received
        let configuration = configuration
        samples.removeAll { old in
            now - old.received > configuration.window
                || abs(old.offset - sample.offset) > old.error(at: now, configuration) + sample.error(at: now, configuration)
        }
        samples.append(sample)
        if samples.count > configuration.samples {
            samples.removeFirst(samples.count - configuration.samples)
        }
        return true
    }

    /// The best estimate at local instant `now` (ms): the kept sample of least error then, the
    /// newest among equals; nil when the newest is older than `maxAge`.
    func estimate(at now: Double) -> Estimate? {
        guard let newest = samples.last, now - newest.received <= configuration.maxAge else { return nil }
        var best: (sample: Sample, error: Double)?
        for sample in samples {
            let error = sample.error(at: now, configuration)
            if best == nil || error <= best!.error {
                best = (sample, error)
            }
        }
        return best.map { Estimate(offset: $0.sample.offset, error: $0.error, age: max(now - $0.sample.received, 0)) }
    }
}
