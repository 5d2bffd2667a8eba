// ClusterAgent+Ownership: this node as an owner. It hears `assign`/`release` for itself on
// CHANNEL and tells the firing layer (its `delegate`) to own or disown jobs; it re-reads its
// share from JOB_PROCESSED (after a reclaim when Redis lost its state) so that a lost message
// never strands a job; it pushes the weights that moved; and it takes the firing layer's
// reports (fire times, run times) into the OwnedWeights ledger.
import EventLoop
import Logging

extension ClusterAgent {
    // MARK: - Ownership

    func heard(_ reply: RedisReply) {
        let parts = reply.elements
        guard !leaving, parts.count == 3 else { return }
        if parts[0].text == "subscribe" {
            return parts[1].text == configuration.keys.channel ? resync() : ()
        }
        guard parts[0].text == "message", let text = parts[2].text else { return }
        guard parts[1].text == configuration.keys.channel else {
            unheardPings = 0
            return
        }
        guard let message = ClusterMessage(text) else {
            logger.warning("unknown cluster message", metadata: ["message": "\(text.prefix(200))"])
            return
        }
        messageSequence += 1
        switch message {
        case .assign(let node, let jobs) where node == configuration.nodeID:
            jobs.forEach { touched[$0] = messageSequence }
            delegate?.own(jobs)
        case .release(let node, let jobs) where node == configuration.nodeID:
            jobs.forEach { touched[$0] = messageSequence }
            disown(jobs)
        case .updated(let jobs):
            delegate?.refresh(jobs)
        case .deleted(let jobs):
            jobs.forEach { touched[$0] = messageSequence }
            weights.forget(jobs)
            delegate?.deleted(jobs)
        case .cancel(let node, let runs) where node == configuration.nodeID:
            delegate?.cancelRuns(runs)
        case .cancel:
            break
        case .created, .joined, .left, .dead, .leader:
            leader.hint(message)
        case .assign, .release:
            break
        }
    }

    /// Makes the wheel hold exactly this node's share in JOB_PROCESSED (after reclaiming, when
    /// this node found itself missing from PROCESS_STORE).
    func resync() {
        guard !leaving, commands.isConnected else { return }
        guard !resyncInFlight else {
            resyncAgain = true
            return
        }
        resyncInFlight = true
        let sequence = messageSequence
        let finish = { [self] in
            resyncInFlight = false
            touched = touched.filter { $0.value > sequence }
            if resyncAgain {
                resyncAgain = false
                resync()
            }
        }
        let readShare = { [self] in
            commands.evaluate(ClusterScripts.share, keys: configuration.keys.scriptKeys, arguments: [configuration.keys.channel, configuration.nodeID]) { [self] outcome in
                guard case .success(let reply) = outcome else { return finish() }
                guard reply.integer != -1 else {
                    // Not a member (Redis lost its state, or this node was declared dead): an
                    // empty share says nothing; the next heartbeat rejoins, then reclaims.
                    reclaimNeeded = !owned.isEmpty
                    return finish()
                }
                // The heartbeat that rejoined (answered before this read, on this connection)
                // asked for a reclaim: until it ran, the share is as empty as Redis was.
                guard !reclaimNeeded else { return finish() }
                let share = Set(reply.elements.compactMap(\.integer))
                let settled = { [self] (id: Int64) in (touched[id] ?? 0) <= sequence }
                let current = owned
                let gained = share.filter { !current.contains($0) && settled($0) }
                let lost = current.filter { !share.contains($0) && settled($0) }
                if !gained.isEmpty || !lost.isEmpty {
                    logger.info("share re-read", metadata: ["node_id": "\(configuration.nodeID)", "gained": "\(gained.count)", "lost": "\(lost.count)"])
                }
                disown(Array(lost))
                delegate?.own(Array(gained))
                finish()
            }
        }
        guard reclaimNeeded else { return readShare() }
        reclaimNeeded = false
        let arguments = ClusterScripts.arguments([configuration.keys.channel, configuration.nodeID],
                                                 weights: owned.lazy.map { [weights] in ($0, weights.weight($0)) })
        commands.evaluate(ClusterScripts.reclaim, keys: configuration.keys.scriptKeys, arguments: arguments) { [self] outcome in
            switch outcome {
            case .success(let reply) where reply.integer == -1:
                reclaimNeeded = true
                return finish()
            case .success(let reply):
                let taken = reply.elements.compactMap(\.integer)
                logger.info("jobs reclaimed", metadata: ["node_id": "\(configuration.nodeID)", "kept": "\(arguments.count / 2 - 1 - taken.count)", "owned_elsewhere": "\(taken.count)"])
                // A job assigned here again since the reclaim was sent stays.
                disown(taken.filter { (touched[$0] ?? 0) <= sequence })
            case .failure(let error):
                reclaimNeeded = true
                logger.warning("reclaim failed", metadata: ["error": "\(error)"])
            }
            readShare()
        }
    }

    /// Writes the weights that moved (observed run times, pauses, edits) to this node's share.
    func pushWeights() {
        guard !leaving, commands.isConnected else { return }
        guard let delegate else { return }
        let changed = weights.changes(delegate.owned.lazy.filter(delegate.isLoaded))
        guard !changed.isEmpty else { return }
        let arguments = ClusterScripts.arguments([configuration.keys.channel, configuration.nodeID],
                                                 weights: changed.lazy.map { ($0.key, $0.value) })
        commands.evaluate(ClusterScripts.weights, keys: configuration.keys.scriptKeys, arguments: arguments) { [self] outcome in
            if case .success = outcome {
                weights.pushed(changed, owned: owned)
            }
        }
    }

    // MARK: - Ownership (what the firing layer reports)

    var owned: Set<Int64> { delegate?.owned ?? [] }

    /// Jobs leave this node: the firing layer drops them, the ledger forgets their weight.
    func disown(_ ids: [Int64]) {
        weights.forget(ids)
        delegate?.disown(ids)
    }

    public func jobScheduled(_ job: Job, times: FireTimes) {
        weights.scheduled(job, times: times, now: reactor.nowMilliseconds)
    }

    public func jobUnscheduled(_ jobID: Int64) {
        weights.unscheduled(jobID)
    }

    public func jobAdopted(_ jobID: Int64) {
        weights.adopted(jobID)
    }

    public func runTook(jobID: Int64, milliseconds: Double) {
        weights.ran(jobID, milliseconds: milliseconds)
    }
}
