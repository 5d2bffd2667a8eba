// ClusterLeader+Reconcile: every reconcileInterval, beside the passes, the leader compares
// PostgreSQL with Redis: a job in PostgreSQL but nowhere in Redis goes to JOB_STORE (its
// announcement was lost), a job in Redis but not in PostgreSQL (deleted, done) leaves Redis.
import EventLoop
import Logging

extension ClusterLeader {
    func reconcile() {
        let now = reactor.monotonicNow
        guard isLeader, !reconciling, now >= nextReconcile else { return }
        nextReconcile = now + configuration.reconcileInterval
        reconciling = true
        let done = { [self] in reconciling = false }
        // Redis first, then PostgreSQL: a job committed in between is in PostgreSQL only and
        // is (harmlessly) submitted again; a job missing from PostgreSQL at the later read is
        // really gone (ids are never reused).
        redis.send(["ZRANGE", configuration.keys.jobStore, "0", "-1"]) { [self] waiting in
            redis.send(["HKEYS", configuration.keys.jobProcessed]) { [self] owned in
                guard case .success(let waiting) = waiting, case .success(let owned) = owned else { return done() }
                let inRedis = Set(waiting.elements.compactMap(\.integer)).union(owned.elements.compactMap(\.integer))
                jobStore.versions(changedSince: nil) { [self] outcome in
                    guard case .success(let answer) = outcome, isLeader else { return done() }
                    let missing = answer.versions.keys.filter { !inRedis.contains($0) }
                    let gone = inRedis.filter { answer.versions[$0] == nil }
                    forget(Array(gone))
                    submitMissing(Array(missing.prefix(configuration.assignBatch)), then: done)
                }
            }
        }
    }

    func forget(_ ids: [Int64]) {
        guard !ids.isEmpty else { return }
        redis.evaluate(ClusterScripts.forget, keys: keys, arguments: [configuration.keys.channel] + ids.map(String.init)) { [self] outcome in
            if case .success = outcome {
                logger.info("reconciled: jobs left redis", metadata: ["jobs": "\(ids.count)"])
            }
        }
    }

    func submitMissing(_ ids: [Int64], then done: @escaping () -> Void) {
        guard !ids.isEmpty else { return done() }
        jobStore.fetch(ids: ids) { [self] outcome in
            guard case .success(let jobs) = outcome else { return done() }
            let now = reactor.nowMilliseconds
            let weights = jobs.lazy.map { job in
                (job.id, JobWeight.weight(of: job, now: now))
            }
            redis.evaluate(ClusterScripts.submit, keys: keys, arguments: ClusterScripts.arguments([configuration.keys.channel], weights: weights)) { [self] outcome in
                if case .success(let reply) = outcome, let added = reply.integer, added > 0 {
                    logger.warning("reconciled: jobs found only in postgresql", metadata: ["jobs": "\(added)"])
                }
                done()
            }
        }
    }

    /// A WITHSCORES reply: id, weight pairs.
    static func weightedIDs(_ reply: RedisReply) -> [(id: Int64, weight: Double)] {
        let fields = reply.elements
        var pairs: [(id: Int64, weight: Double)] = []
        pairs.reserveCapacity(fields.count / 2)
        var index = 0
        while index + 1 < fields.count {
            if let id = fields[index].integer, let weight = fields[index + 1].text.flatMap(Double.init) {
                pairs.append((id, weight))
            }
            index += 2
        }
        return pairs
    }
}
