#!/usr/bin/env bash
# job.sh LOGDIR KIND: the script of every chaos job (run by `/bin/sh -c "exec bash job.sh …"`).
# Appends to LOGDIR/job-<id>.log a `start` line as soon as it runs and an `end` line when it
# ends, each with the job id, the tick (DSCHED_SCHEDULED_AT), the attempt, the run id, the node
# (CHAOS_NODE, set on each node) and wall times in epoch seconds (bash's EPOCHREALTIME, the
# host's one clock). The `start` line exists so that an execution killed midway (its worker or
# node killed) still counts when the checker looks for a tick executed twice.
#   KIND plain: exits 0 at once
#   KIND forbid: sleeps 2.5 s on ticks whose second is a multiple of 3 (longer than its period
#        of 1 or 2 s, so forbid skips the next tick)
#   KIND retry: fails (exit 1) on attempt 1 when the tick's second is a multiple of 3, and on
#        attempt 2 when it is a multiple of 9: deterministic in (tick, attempt)
#   KIND fail-once: fails on attempt 1 only
log="$1/job-$DSCHED_JOB_ID.log"
start=$EPOCHREALTIME
run="$DSCHED_JOB_ID $DSCHED_SCHEDULED_AT $DSCHED_ATTEMPT $DSCHED_RUN_ID ${CHAOS_NODE:-?}"
printf 'start %s %s\n' "$run" "$start" >>"$log"
second=$((10#${DSCHED_SCHEDULED_AT:17:2}))
status=0
case "$2" in
    forbid) if [ $((second % 3)) -eq 0 ]; then sleep 2.5; fi ;;
    retry) if { [ "$DSCHED_ATTEMPT" -eq 1 ] && [ $((second % 3)) -eq 0 ]; } ||
              { [ "$DSCHED_ATTEMPT" -eq 2 ] && [ $((second % 9)) -eq 0 ]; }; then status=1; fi ;;
    fail-once) if [ "$DSCHED_ATTEMPT" -eq 1 ]; then status=1; fi ;;
esac
printf 'end %s %s %s %s\n' "$run" "$start" "$EPOCHREALTIME" "$status" >>"$log"
exit "$status"
