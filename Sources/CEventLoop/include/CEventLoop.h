/*
 * CEventLoop: the C glue between Swift and the C libraries dsched runs on.
 *
 * Glue only, no logic. It exists because Swift cannot see C macros or
 * static-inline adapter functions:
 *  - libev's watcher set-up is macros (ev_io_init, ev_timer_init, ...): each is
 *    wrapped in a plain function here;
 *  - hiredis's libev adapter (redisLibevAttach) is a static function in a header:
 *    dsched_redis_libev_attach exports it;
 *  - accept4 needs _GNU_SOURCE, which Glibc's Swift module does not define:
 *    dsched_accept4 forwards to it;
 *  - prctl is variadic and <sys/prctl.h> is not in Glibc's module:
 *    dsched_set_dumpable wraps PR_SET_DUMPABLE,
 *    dsched_set_parent_death_signal wraps PR_SET_PDEATHSIG,
 *    dsched_set_child_subreaper wraps PR_SET_CHILD_SUBREAPER;
 *  - posix_spawn_file_actions_addclosefrom_np (glibc >= 2.34) is declared only
 *    under _GNU_SOURCE: dsched_spawn_file_actions_addclosefrom forwards to it;
 *  - <sys/statfs.h> and CGROUP2_SUPER_MAGIC (<linux/magic.h>) are not in Glibc's
 *    module: dsched_is_cgroup2 compares statfs's f_type with it;
 *  - the headers of libev, hiredis (async), libpq and http-parser are re-exported
 *    so that Swift imports them through this one module.
 * Every symbol defined here is prefixed dsched_.
 */
#ifndef DSCHED_CEVENTLOOP_H
#define DSCHED_CEVENTLOOP_H

#include <ev.h>
#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <postgresql/libpq-fe.h>
#include <http_parser.h>
#include <sys/types.h>
#include <spawn.h>

typedef void (*dsched_ev_io_cb)(struct ev_loop *loop, ev_io *w, int revents);
typedef void (*dsched_ev_timer_cb)(struct ev_loop *loop, ev_timer *w, int revents);
typedef void (*dsched_ev_signal_cb)(struct ev_loop *loop, ev_signal *w, int revents);
typedef void (*dsched_ev_child_cb)(struct ev_loop *loop, ev_child *w, int revents);

/* The default loop (the only one that can watch signals and children). */
struct ev_loop *dsched_ev_default_loop(unsigned int flags);

/* ev_io_init / ev_io_set. */
void dsched_ev_io_init(ev_io *w, dsched_ev_io_cb cb, int fd, int events);
void dsched_ev_io_set(ev_io *w, int fd, int events);

/* ev_timer_init / ev_timer_set. */
void dsched_ev_timer_init(ev_timer *w, dsched_ev_timer_cb cb, ev_tstamp after, ev_tstamp repeat);
void dsched_ev_timer_set(ev_timer *w, ev_tstamp after, ev_tstamp repeat);

void dsched_ev_signal_init(ev_signal *w, dsched_ev_signal_cb cb, int signum);
void dsched_ev_child_init(ev_child *w, dsched_ev_child_cb cb, pid_t pid, int trace);

/* ev_is_active (a macro over any watcher type). */
int dsched_ev_is_active(const void *w);

/* accept4(2): accept with SOCK_NONBLOCK/SOCK_CLOEXEC in one call. */
int dsched_accept4(int fd, int flags);

/* prctl(PR_SET_DUMPABLE, dumpable): 0 makes /proc/<pid>/environ, mem, fd ... root's only, no core dump. */
int dsched_set_dumpable(int dumpable);

/* prctl(PR_SET_PDEATHSIG, signum): the kernel signals this process when its parent dies. */
int dsched_set_parent_death_signal(int signum);

/* prctl(PR_SET_CHILD_SUBREAPER, 1): orphaned descendants are re-parented to this process. */
int dsched_set_child_subreaper(void);

/* posix_spawn_file_actions_addclosefrom_np: the child closes every fd >= from before exec. */
int dsched_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int from);

/* 1: `path` is on a cgroup v2 file system (statfs f_type == CGROUP2_SUPER_MAGIC); 0: another
 * file system; -1: statfs failed (errno set). */
int dsched_is_cgroup2(const char *path);

/* hiredis's own libev adapter, attached to a loop. Returns REDIS_OK or REDIS_ERR. */
int dsched_redis_libev_attach(struct ev_loop *loop, redisAsyncContext *ac);

#endif
