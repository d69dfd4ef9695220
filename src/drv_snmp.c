/* drv_snmp.c: the profile-driven SNMP driver (driver.h).  One net-snmp
 * session per target, opened at the first poll and reused across polls
 * (snmp_walk.h); a profile (profile.h) says what to fetch and how it maps
 * to pools and volumes.  With `profile: auto` the first poll first GETs
 * sysObjectID.0 and sysDescr.0 and picks a profile, which is then kept for
 * the life of this driver state (a restart, or a reload that changes the
 * target, detects again).  Detection GETs sysObjectID.0, sysDescr.0 and
 * any OIDs the profiles' `match: oid_present` rules ask about.  A profile
 * written inline in the config (tw_target.profile_inline) is loaded from
 * its text.
 *
 * Figures dropped by a profile's sanity rules are logged at warn when the
 * reason first appears (or changes), then at debug, so a device with a
 * permanently wrapped counter does not fill the log.
 *
 * Addresses: host[:port] with an optional transport prefix udp: (default),
 * tcp:, udp6: or tcp6:; IPv6 literals in brackets ([::1]:161); the port
 * defaults to 161.  Messages and logs name the address, never the
 * community or the v3 passwords. */
#include "config.h"
#include "driver.h"
#include "log.h"
#include "profile.h"
#include "snmp_walk.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum phase { PH_IDLE, PH_DETECT, PH_WALK };

struct snmp_state {
	char *name;                  /* target name, for logs */
	char *address;               /* as configured, for messages */
	struct snmp_conn *conn;
	struct profile *own;         /* a named profile, loaded at open */
	struct profile_set *autoset; /* profile: auto -- every profile found */
	const struct profile *prof;  /* the profile in use; NULL until auto detection */
	enum phase phase;
	struct snmp_walk *walk;
	struct snap_builder *b;
	double deadline;
	struct walk_target *probes;  /* profile: auto -- detection GETs */
	size_t nprobes;
	char last_note[256];         /* last sanity note logged at warn */
	/* What the profile came from, to tell on reload whether it changed:
	 * the search dirs' *.yml files and a profile named by path. */
	char *fp_dirs[16];
	size_t nfp_dirs;
	char *fp_path;
	uint64_t fp;
};

static const uint32_t oid_sysobjectid[] = { 1, 3, 6, 1, 2, 1, 1, 2, 0 };

static void log_chosen(const struct snmp_state *st, const char *msg, const struct profile *p,
		       const char *sysoid, const char *file)
{
	tw_log(TW_LOG_INFO, msg, "target", st->name, "profile", profile_name(p),
	       sysoid ? "sysObjectID" : "file", sysoid ? sysoid : file, sysoid ? "file" : NULL,
	       file, NULL);
	if (*profile_limitations(p))
		tw_log(TW_LOG_INFO, "snmp profile limitation", "target", st->name, "profile",
		       profile_name(p), "limitation", profile_limitations(p), NULL);
}

/* "udp:h:p" style peer for net-snmp from a configured address. */
static tw_err parse_address(const char *addr, char **peer, char *msg, size_t msglen)
{
	static const char *const prefixes[] = { "udp:", "tcp:", "udp6:", "tcp6:" };
	const char *transport = "udp", *rest = addr, *host, *port = "161";
	size_t hostlen;
	int v6 = 0;
	char *out;
	size_t need;

	for (size_t i = 0; i < TW_ARRAY_LEN(prefixes); i++) {
		size_t n = strlen(prefixes[i]);
		if (strncmp(addr, prefixes[i], n) == 0) {
			rest = addr + n;
			transport = i == 0 ? "udp" : i == 1 ? "tcp" : i == 2 ? "udp6" : "tcp6";
			v6 = i >= 2;
			break;
		}
	}
	if (*rest == '[') {
		const char *close = strchr(rest, ']');
		if (!close || close == rest + 1)
			goto bad;
		host = rest + 1;
		hostlen = (size_t)(close - host);
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != '\0')
			goto bad;
		v6 = 1;
		if (strcmp(transport, "udp") == 0)
			transport = "udp6";
		else if (strcmp(transport, "tcp") == 0)
			transport = "tcp6";
	} else {
		const char *colon = strrchr(rest, ':');
		host = rest;
		if (colon && !v6) {
			hostlen = (size_t)(colon - rest);
			port = colon + 1;
		} else {
			hostlen = strlen(rest);
		}
	}
	if (hostlen == 0)
		goto bad;
	{
		uint64_t p;
		if (tw_parse_u64(port, &p) || p < 1 || p > 65535)
			goto bad;
	}
	need = strlen(transport) + 1 + 1 + hostlen + 2 + strlen(port) + 1;
	out = malloc(need);
	if (!out)
		return TW_ERR_NOMEM;
	snprintf(out, need, v6 ? "%s:[%.*s]:%s" : "%s:%.*s:%s", transport, (int)hostlen, host, port);
	*peer = out;
	return TW_OK;
bad:
	return tw_seterr(msg, msglen, TW_ERR_CONFIG,
			 "snmp address '%s': expected host[:port] or [ipv6]:port, optionally "
			 "prefixed by udp:, tcp:, udp6: or tcp6:",
			 addr);
}

/* Profile directories in search order. */
static size_t search_dirs(const struct tw_driver_env *env, const char **dirs, size_t max)
{
	size_t n = 0;
	if (env && env->profiles_dir && n < max)
		dirs[n++] = env->profiles_dir;
	for (size_t i = 0; env && env->profile_search && env->profile_search[i] && n < max; i++)
		dirs[n++] = env->profile_search[i];
	return n;
}


/* One file's identity and version: name, inode, size, modification time. */
static uint64_t fp_file(const char *path, const char *name)
{
	struct stat sb;
	uint64_t h = tw_fnv1a(TW_FNV1A_INIT, name, strlen(name) + 1);
	if (stat(path, &sb) != 0)
		return tw_fnv1a(h, "-", 1);
	h = tw_fnv1a(h, &sb.st_ino, sizeof sb.st_ino);
	h = tw_fnv1a(h, &sb.st_size, sizeof sb.st_size);
	h = tw_fnv1a(h, &sb.st_mtim.tv_sec, sizeof sb.st_mtim.tv_sec);
	return tw_fnv1a(h, &sb.st_mtim.tv_nsec, sizeof sb.st_mtim.tv_nsec);
}

/* Fingerprint of every profile file the target may have read: the *.yml
 * files of the search dirs (summed, so readdir order does not matter; an
 * added or removed file changes it) and the profile named by path. */
static uint64_t fp_profiles(const struct snmp_state *st)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < st->nfp_dirs; i++) {
		DIR *dh = opendir(st->fp_dirs[i]);
		struct dirent *de;
		char path[4096];
		size_t len;
		if (!dh)
			continue;
		while ((de = readdir(dh))) {
			len = strlen(de->d_name);
			if (de->d_name[0] == '.' || len < 4 || strcmp(de->d_name + len - 4, ".yml") != 0)
				continue;
			if ((size_t)snprintf(path, sizeof path, "%s/%s", st->fp_dirs[i], de->d_name) >=
			    sizeof path)
				continue;
			sum += fp_file(path, path);
		}
		closedir(dh);
	}
	if (st->fp_path)
		sum += fp_file(st->fp_path, st->fp_path) * 3;
	return sum;
}

static tw_err snmp_open(void *state, const struct tw_target *t, const struct tw_driver_env *env,
			char *msg, size_t msglen)
{
	struct snmp_state *st = state;
	struct snmp_conn_params cp;
	const char *dirs[16];
	size_t ndirs = search_dirs(env, dirs, TW_ARRAY_LEN(dirs));
	const char *ref = t->profile && *t->profile ? t->profile : "auto";
	const char *inl = t->profile_inline;
	char *peer = NULL;
	tw_err e;

	memset(st, 0, sizeof *st);
	if (!t->address || !*t->address)
		return tw_seterr(msg, msglen, TW_ERR_CONFIG, "target %s: snmp needs an address",
				 t->name);
	st->name = tw_strdup(t->name);
	st->address = tw_strdup(t->address);
	if (!st->name || !st->address)
		return TW_ERR_NOMEM;
	if (!inl) /* an inline profile changes only with the config */
		for (size_t i = 0; i < ndirs; i++)
			if (!(st->fp_dirs[st->nfp_dirs++] = tw_strdup(dirs[i])))
				return TW_ERR_NOMEM;
	if ((e = parse_address(t->address, &peer, msg, msglen)))
		return e;

	memset(&cp, 0, sizeof cp);
	cp.peer = peer;
	cp.label = t->address;
	cp.version = t->snmp.version;
	cp.community = t->snmp.community.value;
	cp.username = t->snmp.username;
	cp.security_level = t->snmp.security_level;
	cp.auth_protocol = t->snmp.auth_protocol;
	cp.auth_password = t->snmp.auth_password.value;
	cp.priv_protocol = t->snmp.priv_protocol;
	cp.priv_password = t->snmp.priv_password.value;
	cp.context = t->snmp.context;
	cp.timeout = t->timeout;
	cp.retries = t->retries;
	cp.max_reps = t->snmp.max_repetitions;
	cp.max_inflight = t->snmp.max_inflight;
	e = snmp_conn_new(&cp, &st->conn, msg, msglen);
	free(peer);
	if (e)
		return e;

	if (inl) {
		char label[512];
		snprintf(label, sizeof label, "%s (inline profile of target %s)",
			 t->profile_inline_where ? t->profile_inline_where : "config", t->name);
		if ((e = profile_load_text(label, "inline", inl, strlen(inl), &st->own, msg, msglen)))
			return e;
		st->prof = st->own;
		log_chosen(st, "snmp profile", st->own, NULL, label);
	} else if (strcmp(ref, "auto") == 0) {
		if ((e = profile_set_load(dirs, ndirs, &st->autoset, msg, msglen)))
			return e;
		if ((e = profile_set_probes(st->autoset, &st->probes, &st->nprobes)))
			return e;
		if (profile_set_count(st->autoset) == 0)
			return tw_seterr(msg, msglen, TW_ERR_CONFIG,
					 "target %s: profile auto: no profiles found (set --profiles.dir)",
					 t->name);
		tw_log(TW_LOG_INFO, "snmp profile will be detected at the first poll", "target",
		       t->name, "profile", "auto", NULL);
	} else {
		char *path = NULL;
		if ((e = profile_resolve(ref, dirs, ndirs, &path, msg, msglen)))
			return e;
		e = profile_load_file(path, &st->own, msg, msglen);
		if (!e)
			log_chosen(st, "snmp profile", st->own, NULL, path);
		st->fp_path = path;
		if (e)
			return e;
		st->prof = st->own;
	}
	st->fp = fp_profiles(st);
	return TW_OK;
}

static tw_err start_walk(struct snmp_state *st, char *msg, size_t msglen)
{
	const struct walk_target *targets;
	size_t n;

	if (st->prof) {
		targets = profile_targets(st->prof, &n);
		st->phase = PH_WALK;
	} else {
		targets = st->probes;
		n = st->nprobes;
		st->phase = PH_DETECT;
	}
	return snmp_walk_start(st->conn, targets, n, st->deadline, &st->walk, msg, msglen);
}

static tw_err snmp_start(void *state, struct snap_builder *b, double deadline, char *msg,
			 size_t msglen)
{
	struct snmp_state *st = state;
	tw_err e;

	if (st->walk) { /* a poll the core forgot to abort */
		snmp_walk_free(st->walk);
		st->walk = NULL;
	}
	st->b = b;
	st->deadline = deadline;
	e = start_walk(st, msg, msglen);
	if (e)
		st->phase = PH_IDLE;
	return e;
}

static void snmp_fds(void *state, struct tw_fdset *fs)
{
	struct snmp_state *st = state;
	if (st->walk)
		snmp_walk_fds(st->walk, fs);
}

/* profile: auto -- choose from sysObjectID / sysDescr / probed OIDs. */
static tw_err detect(struct snmp_state *st, const struct walk_result *r, char *msg, size_t msglen)
{
	const struct walk_column *co = walk_result_find(r, oid_sysobjectid,
						       TW_ARRAY_LEN(oid_sysobjectid));
	char oidtxt[256] = "";
	const struct profile *p;

	if (co && co->nrows && co->rows[0].type == WV_OID)
		walk_oid_format(walk_row_oidval(co, &co->rows[0]), co->rows[0].data_len, oidtxt,
				sizeof oidtxt);
	p = profile_set_pick_result(st->autoset, r);
	if (!p)
		return tw_seterr(msg, msglen, TW_ERR_NOT_FOUND,
				 "%s: no profile matches sysObjectID %s and there is no host-resources profile",
				 st->address, *oidtxt ? oidtxt : "(none)");
	log_chosen(st, "snmp profile detected", p, *oidtxt ? oidtxt : "(none)", profile_file(p));
	st->prof = p;
	return TW_OK;
}

static enum tw_step snmp_step(void *state, const struct tw_fdset *ready, double now,
			      tw_err *result, char *msg, size_t msglen)
{
	struct snmp_state *st = state;
	struct walk_result *r;
	struct profile_stats ps;
	tw_err e;

	if (!st->walk) {
		*result = tw_seterr(msg, msglen, TW_ERR_INTERNAL, "%s: no poll in flight", st->address);
		return TW_STEP_DONE;
	}
	if (snmp_walk_step(st->walk, ready, now, &e, msg, msglen) == TW_STEP_PENDING)
		return TW_STEP_PENDING;
	r = e ? NULL : snmp_walk_take_result(st->walk);
	if (tw_log_enabled(TW_LOG_DEBUG)) {
		struct snmp_walk_stats ws;
		char q[24], v[24], rg[24], pr[24], tb[24];
		snmp_walk_get_stats(st->walk, &ws);
		snprintf(q, sizeof q, "%zu", ws.requests);
		snprintf(v, sizeof v, "%zu", ws.varbinds);
		snprintf(rg, sizeof rg, "%zu", ws.ranges);
		snprintf(pr, sizeof pr, "%zu", ws.probed);
		snprintf(tb, sizeof tb, "%zu", ws.toobig);
		tw_log(TW_LOG_DEBUG, "snmp walk done", "target", st->name, "requests", q, "varbinds",
		       v, "split_ranges", rg, "probed_columns", pr, "toobig", tb, NULL);
	}
	snmp_walk_free(st->walk);
	st->walk = NULL;
	if (e || !r) {
		walk_result_free(r);
		st->phase = PH_IDLE;
		*result = e ? e : TW_ERR_INTERNAL;
		return TW_STEP_DONE;
	}
	if (st->phase == PH_DETECT) {
		e = detect(st, r, msg, msglen);
		walk_result_free(r);
		if (!e)
			e = start_walk(st, msg, msglen);
		if (e) {
			st->phase = PH_IDLE;
			*result = e;
			return TW_STEP_DONE;
		}
		return TW_STEP_PENDING;
	}
	e = profile_map(st->prof, r, st->b, &ps, msg, msglen);
	walk_result_free(r);
	st->phase = PH_IDLE;
	if (!e && (ps.rows_skipped || ps.figures_invalid || ps.links_unresolved)) {
		char a[24], b2[24], c[24];
		/* warn when the reason is new, then only at debug */
		int fresh = strcmp(st->last_note, ps.note) != 0;
		snprintf(a, sizeof a, "%zu", ps.figures_invalid);
		snprintf(b2, sizeof b2, "%zu", ps.rows_skipped);
		snprintf(c, sizeof c, "%zu", ps.links_unresolved);
		tw_log(fresh ? TW_LOG_WARN : TW_LOG_DEBUG, "snmp data failed sanity checks", "target",
		       st->name, "invalid_figures", a, "skipped_rows", b2, "unresolved_pool_links", c,
		       "first", ps.note, NULL);
		snprintf(st->last_note, sizeof st->last_note, "%s", ps.note);
	} else if (!e) {
		st->last_note[0] = '\0';
	}
	if (!e && tw_log_enabled(TW_LOG_DEBUG)) {
		char a[24], b2[24];
		snprintf(a, sizeof a, "%zu", ps.pools);
		snprintf(b2, sizeof b2, "%zu", ps.volumes);
		tw_log(TW_LOG_DEBUG, "snmp poll mapped", "target", st->name, "profile",
		       profile_name(st->prof), "pools", a, "volumes", b2, NULL);
	}
	if (!e && msg && msglen)
		msg[0] = '\0';
	/* A figure that cannot be true (and that the profile does not declare
	 * a known quirk to skip) fails the poll: the last good data stays
	 * published instead of totals silently missing a volume. */
	if (!e && ps.figures_invalid)
		e = tw_seterr(msg, msglen, TW_ERR_INVALID_DATA, "%zu figure(s) failed sanity checks: %s",
			      ps.figures_invalid, ps.note);
	*result = e;
	return TW_STEP_DONE;
}

static void snmp_abort(void *state)
{
	struct snmp_state *st = state;
	snmp_walk_free(st->walk); /* closes the session if requests were in flight */
	st->walk = NULL;
	st->phase = PH_IDLE;
}

static void snmp_close_state(void *state)
{
	struct snmp_state *st = state;
	snmp_abort(st);
	snmp_conn_free(st->conn);
	profile_free(st->own);
	profile_set_free(st->autoset);
	free(st->probes);
	free(st->name);
	free(st->address);
	for (size_t i = 0; i < st->nfp_dirs; i++)
		free(st->fp_dirs[i]);
	free(st->fp_path);
	memset(st, 0, sizeof *st);
}

/* Keep the session (walk hints, v3 engine state, a detected profile)
 * across a reload unless a profile file was added, removed or edited. */
static int snmp_reusable(void *state)
{
	const struct snmp_state *st = state;
	return fp_profiles(st) == st->fp;
}

const struct tw_driver drv_snmp = {
	.name = "snmp",
	.caps = TW_DRV_CAP_SNMP,
	.state_size = sizeof(struct snmp_state),
	.open = snmp_open,
	.start = snmp_start,
	.fds = snmp_fds,
	.step = snmp_step,
	.abort = snmp_abort,
	.close = snmp_close_state,
	.reusable = snmp_reusable,
};
