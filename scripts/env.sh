# env.sh: the addresses of the development/test PostgreSQL and Redis, sourced by the Makefile,
# the service script and the benchmarks. Ports are the project's own, so a PostgreSQL or Redis
# already running on the machine's default ports is left alone. They sit below Linux's
# ephemeral range (32768 and up), so no outgoing connection can be holding them at start.
DSCHED_ROOT=${DSCHED_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
export DSCHED_DATA=${DSCHED_DATA:-$DSCHED_ROOT/.data}
export PGHOST=${PGHOST:-127.0.0.1}
export PGPORT=${PGPORT:-25432}
export PGUSER=${PGUSER:-dsched}
export PGDATABASE=${PGDATABASE:-dsched}
export REDISHOST=${REDISHOST:-127.0.0.1}
export REDISPORT=${REDISPORT:-26379}

# redis_namespace PREFIX: the cluster's Redis keys under PREFIX (a benchmark's own), emptied.
redis_namespace() {
    export PROCESS_STORE="$1:process_store" JOB_STORE="$1:job_store" JOB_PROCESSED="$1:job_processed" CHANNEL="$1:channel"
    redis-cli -h "$REDISHOST" -p "$REDISPORT" EVAL \
        "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end" 0 "$1:*" >/dev/null
}
