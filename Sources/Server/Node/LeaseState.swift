// LeaseState: the policy of this process's node lease (issue 12, contract 3), pure, on an
// injected monotonic clock (seconds), so that every transition is tested without PostgreSQL.
//
// The lease is a PostgreSQL row per node id (`node_lease`) held by one process, named by its
// `instance` (a random id per process), and valid until `expires_at` on PostgreSQL's clock,
// which each acquisition or renewal sets to now() + `ttl`. NodeLease sends the attempts (one
// statement that takes the row when it is free, expired or already ours, else shows its
// holder) and feeds the answers here:
//
//   acquiring ──acquired──► held ──no renewal answered for ttl/2──► fenced ──fresh renewal──► held
//       │ held by another: wait; its renewed_at moves: conflict            │
//       ▼                                                                  ▼
//     lost ◄──────────────── the row is held by another instance ─────────┘ (taken)
//
// Why ttl/2, measured from when the last successful renewal was SENT: that renewal set
// expires_at no earlier than its send time + ttl (PostgreSQL ran it after it was sent), so a
// node that fences at send + ttl/2 starts stopping its runs ttl/2 before any other node can
// see the lease expire and record them lost. The margin holds the runs' kill grace (TERM,
// then KILL after --kill-grace) and a local clock slower than PostgreSQL's.
//
// Example (ttl 10 s, renewals every 0.5 s): a renewal sent at t=100.0 is answered; PostgreSQL
// is cut off at t=100.2; the renewals sent from t=100.5 on never answer; at t=105.0 the node
// fences; the lease expires at about t=110.0 and the others' sweep records its runs lost.
// An answer to the renewal sent at t=104.9 that arrives at t=105.1 unfences it (it is fresh:
// sent less than ttl/2 ago); one sent at t=100.5 that arrives at t=106 does not.
struct LeaseState: Equatable {
    enum Phase: Equatable {
        /// Not held yet: attempts go out until the row is free (or already ours).
        case acquiring
        /// Held and renewed: the node may fire.
        case held
        /// Held on paper but not renewed for ttl/2: the node fires nothing.
        case fenced
        /// Another live process uses this node id: the node must exit.
        case lost
    }

    /// Who holds the row, as an attempt that did not get it saw it.
    struct Holder: Equatable {
        var instance: String
        /// When the holder last renewed, ms since the epoch on PostgreSQL's clock.
        var renewedAt: Int64
        /// Milliseconds until the row expires (negative: already expired), PostgreSQL's clock.
        var expiresIn: Int64
    }

    /// A store's answer to an acquisition or renewal attempt.
    enum Answer: Equatable {
        case acquired
        case held(Holder)
    }

    /// What the owner must do after a transition.
    enum Action: Equatable {
        case none
        /// The lease is ours now: the node may start (or carry on).
        case acquired
        /// Another process holds the row, and has not renewed it since first seen: wait for it
        /// to expire (a process killed just before this one started).
        case waiting(Holder)
        /// Another process renewed the row while this one waited: it is alive and uses this
        /// node id. Exit.
        case conflict(Holder)
        /// The row held by this process is now held by another: it took this node id. Exit.
        case taken(Holder)
        /// No renewal answered for ttl/2: cancel the live runs and claim nothing.
        case fence
        /// A fresh renewal answered after a fence: fire again.
        case unfence
    }

    /// Seconds the lease lasts from each acquisition or renewal.
    let ttl: Double
    private(set) var phase = Phase.acquiring
    /// The holder seen by the first attempt that did not get the row.
    private(set) var firstHolder: Holder?
    /// When the latest successful attempt was sent (monotonic seconds).
    private(set) var lastSuccessSentAt: Double?
    /// When the attempt in flight was sent, if one is.
    private(set) var inFlightSentAt: Double?

    init(ttl: Double) {
        precondition(ttl > 0, "a lease needs a positive TTL")
        self.ttl = ttl
    }

    /// Whether the node may claim and run ticks now.
    var mayFire: Bool { phase == .held }

    /// Whether an attempt should go out at `now`: none is in flight (or the one in flight has
    /// been out for ttl/2, stuck behind a dead connection), and the lease is not lost.
    func shouldSend(now: Double) -> Bool {
        guard phase != .lost else { return false }
        guard let sent = inFlightSentAt else { return true }
        return now - sent >= ttl / 2
    }

    mutating func sent(at now: Double) {
        inFlightSentAt = now
    }

    /// An attempt sent at `sentAt` failed (the store did not answer): nothing changes but
    /// what is in flight; `check` fences once the last success is old enough.
    mutating func failed(sentAt: Double) {
        if inFlightSentAt == sentAt { inFlightSentAt = nil }
    }

    /// The store answered the attempt sent at `sentAt`; `now` is when the answer arrived.
    mutating func answered(_ answer: Answer, sentAt: Double, now: Double) -> Action {
        if inFlightSentAt == sentAt { inFlightSentAt = nil }
        switch (phase, answer) {
        case (.lost, _):
            return .none
        case (.acquiring, .acquired):
            phase = .held
            lastSuccessSentAt = sentAt
            return .acquired
        case (.acquiring, .held(let holder)):
            guard let first = firstHolder else {
                firstHolder = holder
                return .waiting(holder)
            }
            guard holder.instance == first.instance, holder.renewedAt == first.renewedAt else {
                phase = .lost
                return .conflict(holder)
            }
            return .none
        case (.held, .acquired), (.fenced, .acquired):
            lastSuccessSentAt = max(lastSuccessSentAt ?? sentAt, sentAt)
            guard phase == .fenced, now - sentAt < ttl / 2 else { return .none }
            phase = .held
            return .unfence
        case (.held, .held(let holder)), (.fenced, .held(let holder)):
            phase = .lost
            return .taken(holder)
        }
    }

    /// Called periodically: fences a held lease whose last successful renewal was sent ttl/2
    /// or more ago.
    mutating func check(now: Double) -> Action {
        guard phase == .held, let last = lastSuccessSentAt, now - last >= ttl / 2 else { return .none }
        phase = .fenced
        return .fence
    }
}
