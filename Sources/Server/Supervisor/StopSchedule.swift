// StopSchedule: the stages of the supervisor's staged stop, and when each is due (nginx's way,
// with its doubling delays):
//
//     ask        at 0            a `stop` message over the channel: the worker kills its
//                                scripts' process groups and exits, as on SIGTERM
//     terminate  at T            SIGTERM, for a worker that did not hear or could not act
//     kill       at T + K        SIGKILL
//     abandon    at T + K + 2K   stop waiting: the stop completes with workers unreaped
//
// For example T = 1 s, K = 2 s: TERM at 1 s, KILL at 3 s, give up at 7 s. A worker reaped
// earlier skips the later stages; the stop completes once every worker is reaped. Pure: the
// supervisor passes the seconds elapsed since the stop began, on its own clock.
struct StopSchedule: Equatable {
    enum Stage: Int, Comparable, CaseIterable {
        case ask, terminate, kill, abandon

        static func < (lhs: Stage, rhs: Stage) -> Bool { lhs.rawValue < rhs.rawValue }

        /// The stage after this one; nil after `abandon`.
        var next: Stage? { Stage(rawValue: rawValue + 1) }
    }

    /// Seconds from asking to SIGTERM (T).
    let terminateDelay: Double
    /// Seconds from SIGTERM to SIGKILL (K); giving up comes twice as long after SIGKILL.
    let killDelay: Double

    init(terminateDelay: Double, killDelay: Double) {
        self.terminateDelay = max(terminateDelay, 0)
        self.killDelay = max(killDelay, 0)
    }

    /// Seconds after the stop began at which `stage` is due.
    func start(of stage: Stage) -> Double {
        switch stage {
        case .ask: return 0
        case .terminate: return terminateDelay
        case .kill: return terminateDelay + killDelay
        case .abandon: return terminateDelay + 3 * killDelay
        }
    }

    /// The latest stage due `elapsed` seconds after the stop began.
    func stage(at elapsed: Double) -> Stage {
        Stage.allCases.last { start(of: $0) <= elapsed } ?? .ask
    }
}
