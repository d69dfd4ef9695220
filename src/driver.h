/* driver.h: the one interface every driver implements (SNMP, each vendor
 * REST API).  A driver is one file exporting one `const struct tw_driver`,
 * listed in drivers.c.  The scheduler (sched.c) runs many polls at once on
 * one event loop: it calls start(), then repeatedly asks fds() which file
 * descriptors and timer the poll waits on, select()s over every poll in
 * flight, and calls step() until the poll finishes.  A driver never blocks
 * and never starts threads; it keeps whatever it needs between polls
 * (sessions, tokens, resolved profiles) in its private state, which the core
 * allocates (state_size bytes, zeroed) and hands back on every call. */
#ifndef TW_DRIVER_H
#define TW_DRIVER_H

#include <stddef.h>
#include <sys/select.h>
#include "tw.h"
#include "cfg.h"
#include "model.h"

/* File descriptors a poll waits on, and the earliest time (monotonic
 * seconds) it wants step() called even if nothing is readable. */
struct tw_fdset {
	fd_set rd, wr;
	int maxfd;          /* highest fd set, -1 if none */
	double wake_at;     /* monotonic seconds; 0 = no timer */
};

static inline void tw_fdset_want(struct tw_fdset *fs, int fd, int write)
{
	if (fd < 0 || fd >= FD_SETSIZE)
		return;
	FD_SET(fd, write ? &fs->wr : &fs->rd);
	if (fd > fs->maxfd)
		fs->maxfd = fd;
}

static inline void tw_fdset_wake(struct tw_fdset *fs, double at)
{
	if (at > 0 && (fs->wake_at == 0 || at < fs->wake_at))
		fs->wake_at = at;
}

/* Things the core offers drivers (read-only). */
struct tw_driver_env {
	const char *profiles_dir;   /* --profiles.dir or NULL */
	const char *const *profile_search; /* NULL-terminated fallbacks (data dir, source tree) */
};

enum { TW_DRV_CAP_SNMP = 1u << 0, TW_DRV_CAP_REST = 1u << 1, TW_DRV_CAP_LOGOUT = 1u << 2 };

enum tw_step { TW_STEP_PENDING = 0, TW_STEP_DONE = 1 };

struct tw_driver {
	const char *name;
	unsigned caps;
	size_t state_size;
	/* Validate target settings and prepare state (resolve profile, open
	 * sockets); no blocking I/O.  Also used by --dry-run. */
	tw_err (*open)(void *state, const struct tw_target *t, const struct tw_driver_env *env,
		       char *msg, size_t msglen);
	/* Begin a poll that must finish by `deadline` (monotonic seconds) and
	 * fill `b`.  The builder stays owned by the caller. */
	tw_err (*start)(void *state, struct snap_builder *b, double deadline, char *msg,
			size_t msglen);
	/* Add what the poll in flight waits on. */
	void (*fds)(void *state, struct tw_fdset *fs);
	/* Make progress.  `ready` holds the fds select() found ready (may be
	 * empty on a timer).  Returns TW_STEP_PENDING, or TW_STEP_DONE with
	 * *result = TW_OK on success or the failure's code, detail in msg. */
	enum tw_step (*step)(void *state, const struct tw_fdset *ready, double now, tw_err *result,
			     char *msg, size_t msglen);
	/* Drop a poll in flight (deadline passed or shutdown). */
	void (*abort)(void *state);
	/* Release everything; log out of sessions.  Called once, also after a
	 * failed open. */
	void (*close)(void *state);
	/* Optional: after a failed poll, the monotonic time before which the
	 * target asked not to be polled again (HTTP Retry-After), or 0.  The
	 * scheduler's backoff waits at least that long. */
	double (*retry_at)(void *state);
	/* Optional: may the state of a target whose settings did not change be
	 * kept across a config reload?  1 keeps it (sessions, hints, a
	 * detected profile); 0 makes the core close and reopen it, e.g. when a
	 * file it read at open changed.  NULL means always keep. */
	int (*reusable)(void *state);
};

/* NULL-terminated list of compiled-in drivers (drivers.c). */
extern const struct tw_driver *const tw_drivers[];
const struct tw_driver *tw_driver_find(const char *name);

#endif
