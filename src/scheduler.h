/* scheduler.h: the poll scheduler.  One background thread runs an event loop
 * over every poll in flight (drivers are non-blocking, see driver.h): it
 * starts each target on its interval with bounded concurrency, enforces the
 * per-target timeout as a deadline, backs failing targets off (interval
 * doubling to a cap, with jitter), and publishes an immutable snapshot per
 * target by swapping a pointer under a short lock.  Scrapes take
 * reference-counted views and render without holding any lock. */
#ifndef TW_SCHED_H
#define TW_SCHED_H

#include <stddef.h>
#include <stdint.h>
#include "cfg.h"
#include "driver.h"
#include "prom.h"

struct sched;

/* What a scrape or the status page sees of one target. */
struct sched_view {
	struct prom_target_view pv;   /* pv.name owned by the view; pv.snap referenced */
	uint64_t errors[PROM_NUM_ERRORS];
	char driver[24];
	char address[256];            /* address or URL, never credentials */
	char last_error[256];         /* "" when the last poll succeeded */
	const char *last_reason;      /* static string, "" if none */
	int tried;                    /* at least one poll attempted */
	double interval;
};

/* Create a scheduler for cfg (not started).  cfg must outlive the
 * scheduler or be replaced through sched_reload(). */
struct sched *sched_new(const struct tw_config *cfg, const struct tw_driver_env *env,
			char *msg, size_t msglen);
tw_err sched_start(struct sched *s);
/* Stop polling, abort polls in flight, close drivers (REST logouts), join. */
void sched_stop(struct sched *s);
void sched_free(struct sched *s);     /* NULL-safe; stops first if running */

/* Swap in a new, already validated config.  Targets whose settings did
 * not change keep their data, sessions and counters.  Returns after the
 * poller has applied it; the caller may then free the old config. */
tw_err sched_reload(struct sched *s, const struct tw_config *cfg);

/* Views of every target (in config order).  Caller frees with sched_views_free. */
size_t sched_views(struct sched *s, struct sched_view **out);
void sched_views_free(struct sched_view *v, size_t n);

/* 1 once every configured target has been tried at least once. */
int sched_ready(struct sched *s);

/* Seconds to wait after the fails-th failure in a row (fails >= 1): the
 * interval, doubled per further failure, capped at backoff_max (never
 * below the interval); from the second failure on, scaled by a jitter in
 * [0.9, 1.1) drawn from *rng (xorshift64 state, advanced; nonzero) so
 * failing targets do not retry in lockstep. */
double sched_backoff(double interval, double backoff_max, unsigned fails, uint64_t *rng);

#endif
