/* CEventLoop.c: the libev macros, hiredis's libev adapter, prctl and spawn extensions as functions. See CEventLoop.h. */
#define _GNU_SOURCE
#include "CEventLoop.h"
#include <sys/socket.h>
#include <sys/prctl.h>
#include <spawn.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <hiredis/adapters/libev.h>

struct ev_loop *dsched_ev_default_loop(unsigned int flags) { return ev_default_loop(flags); }

void dsched_ev_io_init(ev_io *w, dsched_ev_io_cb cb, int fd, int events) { ev_io_init(w, cb, fd, events); }
void dsched_ev_io_set(ev_io *w, int fd, int events) { ev_io_set(w, fd, events); }

void dsched_ev_timer_init(ev_timer *w, dsched_ev_timer_cb cb, ev_tstamp after, ev_tstamp repeat) {
    ev_timer_init(w, cb, after, repeat);
}
void dsched_ev_timer_set(ev_timer *w, ev_tstamp after, ev_tstamp repeat) { ev_timer_set(w, after, repeat); }

void dsched_ev_signal_init(ev_signal *w, dsched_ev_signal_cb cb, int signum) { ev_signal_init(w, cb, signum); }
void dsched_ev_child_init(ev_child *w, dsched_ev_child_cb cb, pid_t pid, int trace) { ev_child_init(w, cb, pid, trace); }

int dsched_ev_is_active(const void *w) { return ev_is_active((const ev_watcher *)w); }

int dsched_redis_libev_attach(struct ev_loop *loop, redisAsyncContext *ac) { return redisLibevAttach(loop, ac); }

int dsched_accept4(int fd, int flags) { return accept4(fd, NULL, NULL, flags); }

int dsched_set_dumpable(int dumpable) { return prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0); }

int dsched_set_parent_death_signal(int signum) { return prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0); }

int dsched_set_child_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }

int dsched_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}

int dsched_is_cgroup2(const char *path) {
    struct statfs info;
    if (statfs(path, &info) != 0) return -1;
    return info.f_type == CGROUP2_SUPER_MAGIC;
}
