// ClusterScripts: every change to the cluster's Redis state, each one Lua script that Redis
// runs atomically (a crash can never leave a job half-moved: in no store, or in two).
//
// Every script gets KEYS = {PROCESS_STORE, JOB_STORE, JOB_PROCESSED} and ARGV[1] = CHANNEL.
// Scripts that only the leader may run take its node id and fencing epoch next and do nothing
// (return -1) unless both still hold: a leader that stalled past its lease cannot undo the
// work of the one that replaced it. Times are the Redis server's clock (TIME), so that the
// nodes' clocks never have to agree.
enum ClusterScripts {
    private static let prelude = """
        local function now()
          local t = redis.call('TIME')
          return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        end
        local function fenced(leader, epoch)
          return redis.call('GET', KEYS[1] .. ':leader') ~= leader or redis.call('GET', KEYS[1] .. ':epoch') ~= epoch
        end
        local function share(node) return KEYS[3] .. ':' .. node end
        -- Each node's summed weight, kept up to date by every script that changes a share, so
        -- that reading the cluster's state costs O(nodes), not O(jobs).
        local function add_weight(node, delta)
          redis.call('HINCRBYFLOAT', KEYS[3] .. '#weights', node, delta)
        end
        local function append(groups, key, value)
          local group = groups[key]
          if not group then group = {}; groups[key] = group end
          group[#group + 1] = value
        end
        local function publish(kind, groups)
          for node, jobs in pairs(groups) do
            redis.call('PUBLISH', ARGV[1], kind .. ' ' .. node .. ' ' .. table.concat(jobs, ','))
          end
        end
        -- Returns all of a node's jobs to JOB_STORE and removes the node.
        local function release_node(node)
          local jobs = redis.call('ZRANGE', share(node), 0, -1, 'WITHSCORES')
          for i = 1, #jobs, 2 do
            if redis.call('HGET', KEYS[3], jobs[i]) == node then
              redis.call('HDEL', KEYS[3], jobs[i])
              redis.call('ZADD', KEYS[2], jobs[i + 1], jobs[i])
            end
          end
          redis.call('DEL', share(node), KEYS[1] .. ':load:' .. node)
          redis.call('HDEL', KEYS[3] .. '#weights', node)
          redis.call('ZREM', KEYS[1], node)
          return #jobs / 2
        end

        """

    /// ARGV: channel, node, load JSON, TTL ms, the node's own channel. Returns 1 when the node
    /// was not a member (it joined, or came back after being declared dead or after Redis lost
    /// its state). The `ping` on the node's own channel tells it its subscription still hears.
    static let heartbeat = RedisScript(prelude + """
        local added = redis.call('ZADD', KEYS[1], now(), ARGV[2])
        redis.call('SET', KEYS[1] .. ':load:' .. ARGV[2], ARGV[3], 'PX', ARGV[4])
        if added == 1 then
          redis.call('PUBLISH', ARGV[1], 'joined ' .. ARGV[2])
        end
        redis.call('PUBLISH', ARGV[5], 'ping')
        return added
        """)

    /// ARGV: channel, node, TTL ms. Takes or renews the leader lease; returns {epoch, 1 when
    /// the lease is new} when this node leads, {0, 0} when another does.
    static let lease = RedisScript(prelude + """
        local lease, epoch = KEYS[1] .. ':leader', KEYS[1] .. ':epoch'
        local holder = redis.call('GET', lease)
        if holder and holder ~= ARGV[2] then return {0, 0} end
        if holder == ARGV[2] then
          local current = redis.call('GET', epoch)
          if current then
            redis.call('PEXPIRE', lease, ARGV[3])
            return {tonumber(current), 0}
          end
        end
        local next = redis.call('INCR', epoch)
        redis.call('SET', lease, ARGV[2], 'PX', ARGV[3])
        redis.call('PUBLISH', ARGV[1], 'leader ' .. ARGV[2])
        return {next, 1}
        """)

    /// ARGV: channel, 'exact' or 'fast'. Returns {now, leader or '', jobs waiting, then per
    /// member: node, heartbeat, load JSON or '', jobs owned, weight owned}. 'exact' sums each
    /// share anew (O(jobs)) and corrects the running sums (floating-point drift); 'fast' reads
    /// the running sums.
    static let state = RedisScript(prelude + """
        local out = {now(), redis.call('GET', KEYS[1] .. ':leader') or '', redis.call('ZCARD', KEYS[2])}
        local members = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
        for i = 1, #members, 2 do
          local node = members[i]
          local weight
          if ARGV[2] == 'exact' then
            local jobs = redis.call('ZRANGE', share(node), 0, -1, 'WITHSCORES')
            weight = 0
            for j = 2, #jobs, 2 do weight = weight + tonumber(jobs[j]) end
            redis.call('HSET', KEYS[3] .. '#weights', node, tostring(weight))
          else
            weight = tonumber(redis.call('HGET', KEYS[3] .. '#weights', node) or '0')
          end
          out[#out + 1] = node
          out[#out + 1] = members[i + 1]
          out[#out + 1] = redis.call('GET', KEYS[1] .. ':load:' .. node) or ''
          out[#out + 1] = redis.call('ZCARD', share(node))
          out[#out + 1] = tostring(weight)
        end
        return out
        """)

    /// ARGV: channel, leader, epoch, node, TTL ms. Declares a node dead (unless it has
    /// heartbeated since) and returns its jobs to JOB_STORE; returns how many jobs. (Its runs
    /// are recorded lost once its node lease expires: LostRunSweep.)
    static let failover = RedisScript(prelude + """
        if fenced(ARGV[2], ARGV[3]) then return -1 end
        local heartbeat = redis.call('ZSCORE', KEYS[1], ARGV[4])
        if heartbeat and now() - tonumber(heartbeat) < tonumber(ARGV[5]) then return -2 end
        local count = release_node(ARGV[4])
        redis.call('PUBLISH', ARGV[1], 'dead ' .. ARGV[4])
        return count
        """)

    /// ARGV: channel, node. A node stopping hands all its jobs back at once (and its lease).
    static let leave = RedisScript(prelude + """
        local count = release_node(ARGV[2])
        if redis.call('GET', KEYS[1] .. ':leader') == ARGV[2] then redis.call('DEL', KEYS[1] .. ':leader') end
        redis.call('PUBLISH', ARGV[1], 'left ' .. ARGV[2])
        return count
        """)

    /// ARGV: channel, leader, epoch, then pairs job, node. Gives waiting jobs to live nodes
    /// and tells each owner; returns how many moved.
    static let assign = RedisScript(prelude + """
        if fenced(ARGV[2], ARGV[3]) then return -1 end
        local groups, added, member, count = {}, {}, {}, 0
        for i = 4, #ARGV - 1, 2 do
          local job, node = ARGV[i], ARGV[i + 1]
          if member[node] == nil then member[node] = redis.call('ZSCORE', KEYS[1], node) ~= false end
          local weight = member[node] and redis.call('ZSCORE', KEYS[2], job)
          if weight then
            redis.call('ZREM', KEYS[2], job)
            redis.call('HSET', KEYS[3], job, node)
            redis.call('ZADD', share(node), weight, job)
            added[node] = (added[node] or 0) + tonumber(weight)
            append(groups, node, job)
            count = count + 1
          end
        end
        for node, weight in pairs(added) do add_weight(node, weight) end
        publish('assign', groups)
        return count
        """)

    /// ARGV: channel, leader, epoch, then triples job, from, to. Moves owned jobs (rebalancing);
    /// the old owner hears `release`, the new one `assign`. Returns how many moved.
    static let move = RedisScript(prelude + """
        if fenced(ARGV[2], ARGV[3]) then return -1 end
        local released, assigned, count = {}, {}, 0
        for i = 4, #ARGV - 2, 3 do
          local job, from, to = ARGV[i], ARGV[i + 1], ARGV[i + 2]
          if redis.call('HGET', KEYS[3], job) == from and redis.call('ZSCORE', KEYS[1], to) then
            local weight = redis.call('ZSCORE', share(from), job) or '0'
            redis.call('ZREM', share(from), job)
            redis.call('ZADD', share(to), weight, job)
            redis.call('HSET', KEYS[3], job, to)
            add_weight(from, -tonumber(weight))
            add_weight(to, weight)
            append(released, from, job)
            append(assigned, to, job)
            count = count + 1
          end
        end
        publish('release', released)
        publish('assign', assigned)
        return count
        """)

    /// ARGV: channel, then pairs job, weight. New jobs (or jobs found only in PostgreSQL) wait
    /// in JOB_STORE unless already owned; returns how many were added.
    static let submit = RedisScript(prelude + """
        local added = 0
        for i = 2, #ARGV - 1, 2 do
          if redis.call('HEXISTS', KEYS[3], ARGV[i]) == 0 and redis.call('ZADD', KEYS[2], 'NX', ARGV[i + 1], ARGV[i]) == 1 then
            added = added + 1
          end
        end
        if added > 0 then redis.call('PUBLISH', ARGV[1], 'created ' .. added) end
        return added
        """)

    /// ARGV: channel, then job ids. Deleted jobs leave Redis; their owners hear `deleted`.
    static let forget = RedisScript(prelude + """
        local gone = {}
        for i = 2, #ARGV do
          local owner = redis.call('HGET', KEYS[3], ARGV[i])
          if owner then
            local weight = redis.call('ZSCORE', share(owner), ARGV[i])
            redis.call('HDEL', KEYS[3], ARGV[i])
            redis.call('ZREM', share(owner), ARGV[i])
            if weight then add_weight(owner, -tonumber(weight)) end
          end
          redis.call('ZREM', KEYS[2], ARGV[i])
          gone[#gone + 1] = ARGV[i]
        end
        if #gone > 0 then redis.call('PUBLISH', ARGV[1], 'deleted ' .. table.concat(gone, ',')) end
        return #gone
        """)

    /// ARGV: channel, node, then pairs job, weight. A node that found itself missing from
    /// PROCESS_STORE (declared dead, or Redis restarted empty) and has heartbeated since takes
    /// back the jobs it holds that nobody else owns; returns the ids another node owns now (to
    /// be let go), or -1 (nothing done) while the node is still not a member.
    static let reclaim = RedisScript(prelude + """
        if not redis.call('ZSCORE', KEYS[1], ARGV[2]) then return -1 end
        local lost = {}
        for i = 3, #ARGV - 1, 2 do
          local job = ARGV[i]
          local owner = redis.call('HGET', KEYS[3], job)
          if not owner then
            redis.call('ZREM', KEYS[2], job)
            redis.call('HSET', KEYS[3], job, ARGV[2])
            redis.call('ZADD', share(ARGV[2]), ARGV[i + 1], job)
            add_weight(ARGV[2], ARGV[i + 1])
          elseif owner ~= ARGV[2] then
            lost[#lost + 1] = job
          end
        end
        return lost
        """)

    /// ARGV: channel, node. The node's share, or -1 when the node is not a member (Redis lost
    /// its state, or the node was declared dead): an empty share then means nothing.
    static let share = RedisScript(prelude + """
        if not redis.call('ZSCORE', KEYS[1], ARGV[2]) then return -1 end
        return redis.call('ZRANGE', share(ARGV[2]), 0, -1)
        """)

    /// Script arguments: `leading`, then each job id followed by its weight (SUBMIT, RECLAIM,
    /// WEIGHTS).
    static func arguments<S: Sequence>(_ leading: [String], weights: S) -> [String] where S.Element == (Int64, Double) {
        var arguments = leading
        arguments.reserveCapacity(leading.count + 2 * weights.underestimatedCount)
        for (id, weight) in weights {
            arguments.append(String(id))
            arguments.append(String(weight))
        }
        return arguments
    }

    /// Every script, loaded on each new connection before anything else is sent, so that
    /// EVALSHA finds them (and a NOSCRIPT fallback never reorders commands).
    static let all = [heartbeat, lease, state, failover, leave, assign, move, submit, forget, reclaim, share, weights]

    /// ARGV: channel, node, then pairs job, weight. An owner's observed weights.
    static let weights = RedisScript(prelude + """
        local count = 0
        for i = 3, #ARGV - 1, 2 do
          if redis.call('HGET', KEYS[3], ARGV[i]) == ARGV[2] then
            local old = redis.call('ZSCORE', share(ARGV[2]), ARGV[i])
            redis.call('ZADD', share(ARGV[2]), ARGV[i + 1], ARGV[i])
            add_weight(ARGV[2], tonumber(ARGV[i + 1]) - tonumber(old or '0'))
            count = count + 1
          end
        end
        return count
        """)
}
