/* scheduler.c: background poll scheduler and per-target published state (see
 * scheduler.h).  Threading: the poller thread owns everything except the
 * fields marked "published", which it writes and readers (HTTP threads)
 * read under s->mu; the lock is held only to swap a pointer or copy a few
 * numbers, never while rendering or polling. */
#include "config.h"
#include "scheduler.h"
#include "growth.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct tstate {
	const struct tw_target *t;
	const struct tw_driver *drv;
	void *dstate;
	int opened;
	/* poller-private */
	int in_flight;
	double started, deadline, next_due;
	unsigned fails;
	tw_err logged_err;
	struct snap_builder *b;
	uint64_t rng;
	struct growth hist;
	/* published (under mu) */
	char *name;
	struct tw_snapshot *snap;
	int up, tried;
	double duration;
	double last_success_wall;
	uint64_t errors[PROM_NUM_ERRORS];
	tw_err last_err;
	char last_error[256];
};

struct sched {
	const struct tw_config *cfg;
	struct tw_driver_env env;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	pthread_t thread;
	int running, stop;
	int wake[2];
	struct tstate **ts;
	size_t nts;
	const struct tw_config *pending;
	int pending_done;
	unsigned inflight;
};

static void wake_poller(struct sched *s)
{
	char c = 1;
	ssize_t w = write(s->wake[1], &c, 1);
	(void)w;
}

double sched_backoff(double interval, double backoff_max, unsigned fails, uint64_t *rng)
{
	double b = interval;
	for (unsigned i = 1; i < fails && b < backoff_max; i++)
		b *= 2;
	if (b > backoff_max)
		b = backoff_max;
	if (b < interval)
		b = interval;
	if (fails <= 1 || !rng)
		return b;
	/* xorshift64: +/-10 % so failing targets do not retry in lockstep */
	*rng ^= *rng << 13;
	*rng ^= *rng >> 7;
	*rng ^= *rng << 17;
	return b * (0.9 + 0.2 * (double)(*rng % 10000) / 10000.0);
}

static const char *target_where(const struct tw_target *t)
{
	return t->address ? t->address : t->url ? t->url : "";
}

static struct tstate *tstate_new(struct sched *s, const struct tw_target *t, double now)
{
	struct tstate *ts = calloc(1, sizeof *ts);
	if (!ts)
		return NULL;
	ts->t = t;
	ts->name = tw_strdup(t->name);
	ts->rng = 0x9e3779b97f4a7c15ULL ^ (uint64_t)(uintptr_t)ts;
	ts->next_due = now; /* poll at once */
	ts->duration = -1;
	ts->drv = tw_driver_find(t->driver);
	if (!ts->name) {
		free(ts);
		return NULL;
	}
	(void)s;
	return ts;
}

/* Open the driver state if not yet open; failures count as poll errors. */
static tw_err tstate_open(struct sched *s, struct tstate *ts, char *msg, size_t msglen)
{
	tw_err e;
	if (ts->opened)
		return TW_OK;
	if (!ts->drv)
		return tw_seterr(msg, msglen, TW_ERR_CONFIG, "driver '%s' is not built in",
				 ts->t->driver);
	if (!ts->dstate) {
		ts->dstate = calloc(1, ts->drv->state_size ? ts->drv->state_size : 1);
		if (!ts->dstate)
			return TW_ERR_NOMEM;
	}
	e = ts->drv->open(ts->dstate, ts->t, &s->env, msg, msglen);
	if (e) {
		ts->drv->close(ts->dstate);
		memset(ts->dstate, 0, ts->drv->state_size ? ts->drv->state_size : 1);
		return e;
	}
	ts->opened = 1;
	return TW_OK;
}

static void tstate_free(struct tstate *ts)
{
	if (!ts)
		return;
	if (ts->in_flight && ts->drv)
		ts->drv->abort(ts->dstate);
	if (ts->opened && ts->drv)
		ts->drv->close(ts->dstate);
	free(ts->dstate);
	snap_builder_free(ts->b);
	snap_unref(ts->snap);
	growth_free(&ts->hist);
	free(ts->name);
	free(ts);
}

static double pool_threshold(const void *ctx, const char *pool)
{
	return cfg_pool_threshold((const struct tw_target *)ctx, pool);
}

/* Before publishing: add each pool's use to its history and estimate growth. */
static void estimate_growth(struct tstate *ts, struct tw_snapshot *snap, double wall)
{
	for (size_t i = 0; i < snap->npools; i++) {
		struct tw_pool *p = &snap->pools[i];
		struct growth_series *g;
		double used;
		if (p->flags & TW_HAS_USED)
			used = (double)p->used;
		else if ((p->flags & (TW_HAS_CAPACITY | TW_HAS_FREE)) == (TW_HAS_CAPACITY | TW_HAS_FREE))
			used = (double)p->capacity - (double)p->free;
		else
			continue;
		g = growth_add(&ts->hist, p->name, wall, used);
		if (!g)
			continue;
		p->growth = growth_slope(g->t, g->used, g->n);
		if (p->flags & TW_HAS_FREE)
			p->time_to_full = growth_time_to_full(p->free, p->growth);
	}
}

static void finish_poll(struct sched *s, struct tstate *ts, tw_err e, const char *detail,
			double now)
{
	struct tw_snapshot *snap = NULL, *old = NULL;
	double dur = now - ts->started;
	double wall = tw_now_wall();

	if (ts->in_flight) {
		ts->in_flight = 0;
		s->inflight--;
	}
	if (e == TW_OK) {
		snap = snap_builder_finish(ts->b, pool_threshold, ts->t, wall);
		ts->b = NULL;
		if (snap)
			estimate_growth(ts, snap, wall);
		if (!snap) {
			e = TW_ERR_NOMEM;
			detail = "out of memory building the snapshot";
		}
	} else {
		snap_builder_free(ts->b);
		ts->b = NULL;
	}

	pthread_mutex_lock(&s->mu);
	ts->tried = 1;
	ts->duration = dur;
	if (e == TW_OK) {
		old = ts->snap;
		ts->snap = snap;
		ts->up = 1;
		ts->last_success_wall = wall;
		ts->last_err = TW_OK;
		ts->last_error[0] = '\0';
	} else {
		ts->up = 0;
		ts->errors[e < PROM_NUM_ERRORS ? e : TW_ERR_INTERNAL]++;
		ts->last_err = e;
		snprintf(ts->last_error, sizeof ts->last_error, "%s", detail && *detail ? detail : tw_strerror(e));
	}
	pthread_mutex_unlock(&s->mu);
	snap_unref(old);

	if (tw_log_enabled(TW_LOG_DEBUG)) {
		char d[32];
		snprintf(d, sizeof d, "%.6f", dur);
		tw_log(TW_LOG_DEBUG, "poll done", "target", ts->name, "duration_seconds", d, "reason",
		       e == TW_OK ? "ok" : tw_reason(e), NULL);
	}
	if (e == TW_OK) {
		if (ts->fails)
			tw_log(TW_LOG_INFO, "target recovered", "target", ts->name, NULL);
		ts->fails = 0;
		ts->logged_err = TW_OK;
		ts->next_due = ts->started + ts->t->interval;
		if (ts->next_due < now)
			ts->next_due = now; /* poll outlasted its interval */
		if (dur > ts->t->interval)
			tw_log(TW_LOG_WARN, "poll took longer than the interval", "target", ts->name,
			       NULL);
	} else {
		ts->fails++;
		/* Log the first failure, a change of reason, then at 2, 4, 8, ... failures. */
		if (e != ts->logged_err || (ts->fails & (ts->fails - 1)) == 0) {
			char cnt[24];
			snprintf(cnt, sizeof cnt, "%u", ts->fails);
			tw_log(TW_LOG_WARN, "poll failed", "target", ts->name, "reason", tw_reason(e),
			       "err", detail && *detail ? detail : tw_strerror(e), "failures", cnt,
			       NULL);
			ts->logged_err = e;
		}
		ts->next_due = now + sched_backoff(ts->t->interval, s->cfg->backoff_max, ts->fails,
						   &ts->rng);
		/* the target's own "not before" (HTTP Retry-After) wins if later */
		if (ts->opened && ts->drv->retry_at) {
			double ra = ts->drv->retry_at(ts->dstate);
			/* ...but a hostile "come back next year" is capped */
			double cap = now + (s->cfg->backoff_max > ts->t->interval ? s->cfg->backoff_max
										   : ts->t->interval);
			if (ra > cap)
				ra = cap;
			if (ra > ts->next_due)
				ts->next_due = ra;
		}
	}
}

static void start_poll(struct sched *s, struct tstate *ts, double now)
{
	char msg[256] = "";
	tw_err e;

	ts->started = now;
	ts->deadline = now + ts->t->timeout;
	e = tstate_open(s, ts, msg, sizeof msg);
	if (e == TW_OK) {
		ts->b = snap_builder_new(ts->t->name);
		if (!ts->b)
			e = TW_ERR_NOMEM;
	}
	if (e == TW_OK)
		e = ts->drv->start(ts->dstate, ts->b, ts->deadline, msg, sizeof msg);
	ts->in_flight = 1;
	s->inflight++;
	if (e != TW_OK)
		finish_poll(s, ts, e, msg, now);
}

static void drop_stale(struct sched *s, struct tstate *ts, double wall)
{
	struct tw_snapshot *old = NULL;
	if (!ts->snap || ts->up || wall - ts->last_success_wall <= ts->t->staleness)
		return;
	pthread_mutex_lock(&s->mu);
	old = ts->snap;
	ts->snap = NULL;
	pthread_mutex_unlock(&s->mu);
	tw_log(TW_LOG_WARN, "dropping stale data", "target", ts->name, NULL);
	snap_unref(old);
}

/* Swap in a new config.  The published s->ts array and the tstates in it
 * are read by scrapes under s->mu, so nothing they can see changes before
 * the swap: kept tstates are marked in a private array (never by
 * clearing s->ts entries) and get their new tw_target under the lock. */
static void apply_reload(struct sched *s, const struct tw_config *cfg, double now)
{
	struct tstate **nts = calloc(cfg->ntargets ? cfg->ntargets : 1, sizeof *nts);
	unsigned char *kept = calloc(s->nts ? s->nts : 1, 1);     /* old index taken over */
	unsigned char *reused = calloc(cfg->ntargets ? cfg->ntargets : 1, 1); /* new index */
	struct tstate **old;
	size_t nold;
	if (!nts || !kept || !reused) {
		free(nts);
		free(kept);
		free(reused);
		tw_log(TW_LOG_ERROR, "reload failed: out of memory", NULL);
		return;
	}
	for (size_t i = 0; i < cfg->ntargets; i++) {
		const struct tw_target *t = &cfg->targets[i];
		for (size_t j = 0; j < s->nts; j++) {
			if (!kept[j] && cfg_target_equal(s->ts[j]->t, t)) {
				struct tstate *ts = s->ts[j];
				kept[j] = 1;
				reused[i] = 1;
				nts[i] = ts;
				/* Keep data, counters and driver state (sessions);
				 * reopen only what the driver says is out of date,
				 * e.g. an SNMP target whose profile file was edited. */
				if (ts->opened && !ts->in_flight && ts->drv && ts->drv->reusable &&
				    !ts->drv->reusable(ts->dstate)) {
					tw_log(TW_LOG_INFO, "reopening target: files it uses changed",
					       "target", ts->name, NULL);
					ts->drv->close(ts->dstate);
					memset(ts->dstate, 0, ts->drv->state_size ? ts->drv->state_size : 1);
					ts->opened = 0;
				}
				break;
			}
		}
		if (!nts[i])
			nts[i] = tstate_new(s, t, now);
		if (!nts[i]) {
			for (size_t k = 0; k < i; k++)
				if (!reused[k])
					tstate_free(nts[k]);
			free(nts);
			free(kept);
			free(reused);
			tw_log(TW_LOG_ERROR, "reload failed: out of memory", NULL);
			return;
		}
	}
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < cfg->ntargets; i++)
		if (reused[i])
			nts[i]->t = &cfg->targets[i];
	old = s->ts;
	nold = s->nts;
	s->ts = nts;
	s->nts = cfg->ntargets;
	s->cfg = cfg;
	pthread_mutex_unlock(&s->mu);
	for (size_t j = 0; j < nold; j++) {
		if (kept[j])
			continue;
		if (old[j]->in_flight)
			s->inflight--;
		tstate_free(old[j]);
	}
	free(old);
	free(kept);
	free(reused);
}

static void *poller(void *arg)
{
	struct sched *s = arg;

	for (;;) {
		struct tw_fdset fs;
		struct timeval tv;
		double now = tw_now_mono(), wall = tw_now_wall(), wake = now + 1.0;
		int n;

		pthread_mutex_lock(&s->mu);
		if (s->stop) {
			pthread_mutex_unlock(&s->mu);
			break;
		}
		if (s->pending) {
			const struct tw_config *cfg = s->pending;
			pthread_mutex_unlock(&s->mu);
			apply_reload(s, cfg, now);
			pthread_mutex_lock(&s->mu);
			s->pending = NULL;
			s->pending_done = 1;
			pthread_cond_broadcast(&s->cond);
		}
		pthread_mutex_unlock(&s->mu);

		/* start what is due, oldest due first is good enough in config order */
		for (size_t i = 0; i < s->nts; i++) {
			struct tstate *ts = s->ts[i];
			if (!ts->in_flight && ts->next_due <= now && s->inflight < s->cfg->concurrency)
				start_poll(s, ts, now);
		}

		FD_ZERO(&fs.rd);
		FD_ZERO(&fs.wr);
		fs.maxfd = -1;
		fs.wake_at = 0;
		tw_fdset_want(&fs, s->wake[0], 0);
		for (size_t i = 0; i < s->nts; i++) {
			struct tstate *ts = s->ts[i];
			if (ts->in_flight) {
				ts->drv->fds(ts->dstate, &fs);
				tw_fdset_wake(&fs, ts->deadline);
			} else if (ts->next_due < wake) {
				wake = ts->next_due;
			}
		}
		if (fs.wake_at > 0 && fs.wake_at < wake)
			wake = fs.wake_at;
		if (wake < now)
			wake = now;
		tv.tv_sec = (time_t)(wake - now);
		tv.tv_usec = (suseconds_t)((wake - now - (double)tv.tv_sec) * 1e6);
		n = select(fs.maxfd + 1, &fs.rd, &fs.wr, NULL, &tv);
		if (n < 0) {
			if (errno != EINTR)
				tw_log(TW_LOG_ERROR, "select failed", "err", strerror(errno), NULL);
			FD_ZERO(&fs.rd);
			FD_ZERO(&fs.wr);
		}
		if (n > 0 && FD_ISSET(s->wake[0], &fs.rd)) {
			char drain[64];
			while (read(s->wake[0], drain, sizeof drain) > 0)
				;
		}
		now = tw_now_mono();
		for (size_t i = 0; i < s->nts; i++) {
			struct tstate *ts = s->ts[i];
			tw_err res = TW_OK;
			char msg[256] = "";
			if (!ts->in_flight)
				continue;
			if (ts->drv->step(ts->dstate, &fs, now, &res, msg, sizeof msg) == TW_STEP_DONE) {
				finish_poll(s, ts, res, msg, now);
			} else if (now >= ts->deadline) {
				ts->drv->abort(ts->dstate);
				snprintf(msg, sizeof msg, "no complete answer from %s within %gs",
					 target_where(ts->t), ts->t->timeout);
				finish_poll(s, ts, TW_ERR_TIMEOUT, msg, now);
			}
		}
		for (size_t i = 0; i < s->nts; i++)
			drop_stale(s, s->ts[i], wall);
	}
	for (size_t i = 0; i < s->nts; i++) {
		struct tstate *ts = s->ts[i];
		if (ts->in_flight) {
			ts->drv->abort(ts->dstate);
			ts->in_flight = 0;
			s->inflight--;
		}
		if (ts->opened) {
			ts->drv->close(ts->dstate);
			ts->opened = 0;
		}
	}
	return NULL;
}

struct sched *sched_new(const struct tw_config *cfg, const struct tw_driver_env *env, char *msg,
			size_t msglen)
{
	struct sched *s = calloc(1, sizeof *s);
	double now = tw_now_mono();
	if (!s)
		return NULL;
	s->cfg = cfg;
	if (env)
		s->env = *env;
	s->wake[0] = s->wake[1] = -1;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cond, NULL);
	if (pipe(s->wake) != 0) {
		tw_seterr(msg, msglen, TW_ERR_IO, "pipe: %s", strerror(errno));
		sched_free(s);
		return NULL;
	}
	fcntl(s->wake[0], F_SETFL, O_NONBLOCK);
	fcntl(s->wake[1], F_SETFL, O_NONBLOCK);
	fcntl(s->wake[0], F_SETFD, FD_CLOEXEC);
	fcntl(s->wake[1], F_SETFD, FD_CLOEXEC);
	s->ts = calloc(cfg->ntargets ? cfg->ntargets : 1, sizeof *s->ts);
	if (!s->ts) {
		sched_free(s);
		return NULL;
	}
	for (size_t i = 0; i < cfg->ntargets; i++) {
		s->ts[i] = tstate_new(s, &cfg->targets[i], now);
		if (!s->ts[i]) {
			sched_free(s);
			return NULL;
		}
		s->nts++;
	}
	return s;
}

tw_err sched_start(struct sched *s)
{
	if (s->running)
		return TW_OK;
	if (pthread_create(&s->thread, NULL, poller, s) != 0)
		return TW_ERR_INTERNAL;
	s->running = 1;
	return TW_OK;
}

void sched_stop(struct sched *s)
{
	if (!s || !s->running)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_mutex_unlock(&s->mu);
	wake_poller(s);
	pthread_join(s->thread, NULL);
	s->running = 0;
}

void sched_free(struct sched *s)
{
	if (!s)
		return;
	sched_stop(s);
	for (size_t i = 0; i < s->nts; i++)
		tstate_free(s->ts[i]);
	free(s->ts);
	if (s->wake[0] >= 0)
		close(s->wake[0]);
	if (s->wake[1] >= 0)
		close(s->wake[1]);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cond);
	free(s);
}

tw_err sched_reload(struct sched *s, const struct tw_config *cfg)
{
	if (!s->running) {
		apply_reload(s, cfg, tw_now_mono());
		return TW_OK;
	}
	pthread_mutex_lock(&s->mu);
	while (s->pending) /* one reload at a time */
		pthread_cond_wait(&s->cond, &s->mu);
	s->pending = cfg;
	s->pending_done = 0;
	pthread_mutex_unlock(&s->mu);
	wake_poller(s);
	pthread_mutex_lock(&s->mu);
	while (!s->pending_done && !s->stop)
		pthread_cond_wait(&s->cond, &s->mu);
	pthread_mutex_unlock(&s->mu);
	return TW_OK;
}

size_t sched_views(struct sched *s, struct sched_view **out)
{
	struct sched_view *v;
	size_t n;
	double wall = tw_now_wall();

	pthread_mutex_lock(&s->mu);
	n = s->nts;
	v = calloc(n ? n : 1, sizeof *v);
	if (!v) {
		pthread_mutex_unlock(&s->mu);
		*out = NULL;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		struct tstate *ts = s->ts[i];
		struct sched_view *x = &v[i];
		x->pv.name = tw_strdup(ts->name);
		if (ts->snap && (ts->up || wall - ts->last_success_wall <= ts->t->staleness))
			x->pv.snap = snap_ref(ts->snap);
		x->pv.up = ts->up;
		x->pv.poll_duration = ts->duration;
		x->pv.last_success = ts->last_success_wall;
		memcpy(x->errors, ts->errors, sizeof x->errors);
		x->pv.errors = x->errors;
		snprintf(x->driver, sizeof x->driver, "%s", ts->t->driver);
		snprintf(x->address, sizeof x->address, "%s", target_where(ts->t));
		snprintf(x->last_error, sizeof x->last_error, "%s", ts->last_error);
		x->last_reason = ts->last_err ? tw_reason(ts->last_err) : "";
		x->tried = ts->tried;
		x->interval = ts->t->interval;
	}
	pthread_mutex_unlock(&s->mu);
	for (size_t i = 0; i < n; i++)
		if (!v[i].pv.name) {
			sched_views_free(v, n);
			*out = NULL;
			return 0;
		}
	*out = v;
	return n;
}

void sched_views_free(struct sched_view *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++) {
		free((char *)v[i].pv.name);
		snap_unref((struct tw_snapshot *)v[i].pv.snap);
	}
	free(v);
}

int sched_ready(struct sched *s)
{
	int ok = 1;
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->nts; i++)
		if (!s->ts[i]->tried)
			ok = 0;
	pthread_mutex_unlock(&s->mu);
	return ok;
}
