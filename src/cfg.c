/* cfg.c: the configuration loader (see cfg.h and docs/config.md).
 *
 * YAML is loaded by ytree into a located node tree; this file turns it into a
 * validated struct tw_config.  The scalar settings shared by `global` and the
 * targets (interval, timeout, thresholds, ...) are declared once in the
 * `opts` table with their type, range and default; targets start as a copy
 * of the global values and override what they set.  Every error is
 * "FILE:LINE:COL: what was wrong and what was expected".  Secret files are
 * read here, once, at load time; their content (and inline communities) are
 * kept in struct tw_secret and never copied into a message or a summary.
 */
#include "config.h"
#include "cfg.h"
#include "buf.h"
#include "profile.h"
#include "ytree.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECRET_MAX_BYTES ((size_t)64 << 10)
#define STALENESS_MIN 300.0        /* default staleness floor: 5m */
#define DURATION_MAX (365.0 * 86400)
#define SNMP_PASS_MIN 8            /* USM key derivation needs >= 8 chars */

/* ---- drivers the config accepts ----
 * Kept here (not taken from drivers.c) so a config stays valid while a
 * driver is not compiled in yet; credentials say which REST keys it needs. */
enum drv_kind { DRV_SNMP, DRV_REST };
enum drv_cred { CRED_NONE, CRED_USER_PASSWORD, CRED_API_TOKEN };

struct drv_info {
	const char *name;
	enum drv_kind kind;
	enum drv_cred cred;
};

static const struct drv_info known_drivers[] = {
	{ "snmp", DRV_SNMP, CRED_NONE },
	{ "ontap", DRV_REST, CRED_USER_PASSWORD },
	{ "purefa", DRV_REST, CRED_API_TOKEN },
	{ "hpe3par", DRV_REST, CRED_USER_PASSWORD },
	{ "oceanstor", DRV_REST, CRED_USER_PASSWORD },
	{ "powerstore", DRV_REST, CRED_USER_PASSWORD },
	{ "ibmsv", DRV_REST, CRED_USER_PASSWORD },
	{ "unity", DRV_REST, CRED_USER_PASSWORD },
};
#define DRIVER_LIST "snmp, ontap, purefa, hpe3par, oceanstor, powerstore, ibmsv, unity"

static const struct drv_info *drv_lookup(const char *name)
{
	for (size_t i = 0; name && i < TW_ARRAY_LEN(known_drivers); i++)
		if (strcmp(known_drivers[i].name, name) == 0)
			return &known_drivers[i];
	return NULL;
}

int cfg_driver_known(const char *driver)
{
	return drv_lookup(driver) != NULL;
}

int cfg_driver_is_rest(const char *driver)
{
	const struct drv_info *di = drv_lookup(driver);
	return di && di->kind == DRV_REST;
}

/* ---- the settings table: global and per-target scalars ---- */
enum opt_type { OPT_DURATION, OPT_COUNT, OPT_RATIO, OPT_SIZE, OPT_BOOL };

#define NOFF ((size_t)-1)
#define G(f) offsetof(struct tw_config, f)
#define T(f) offsetof(struct tw_target, f)

struct opt {
	const char *key;
	enum opt_type type;
	size_t goff;     /* offset in tw_config, NOFF if not a global key */
	size_t toff;     /* offset in tw_target, NOFF if not a target key */
	double min, max; /* OPT_COUNT: inclusive range; OPT_SIZE: min.  Durations
			  * and ratios are always > 0 (durations at most 365d). */
	double dflt;
};

enum {
	OPT_INTERVAL, OPT_TIMEOUT, OPT_RETRIES, OPT_CONCURRENCY, OPT_THRESHOLD, OPT_STALENESS,
	OPT_BACKOFF_MAX, OPT_MAX_RESPONSE, OPT_SECRETS_WR, NOPTS
};

static const struct opt opts[NOPTS] = {
	[OPT_INTERVAL] = { "interval", OPT_DURATION, G(interval), T(interval), 0, 0, 60 },
	[OPT_TIMEOUT] = { "timeout", OPT_DURATION, G(timeout), T(timeout), 0, 0, 10 },
	[OPT_RETRIES] = { "retries", OPT_COUNT, G(retries), T(retries), 0, 10, 1 },
	[OPT_CONCURRENCY] = { "concurrency", OPT_COUNT, G(concurrency), NOFF, 1, 100000, 64 },
	[OPT_THRESHOLD] = { "overcommit_threshold", OPT_RATIO, G(overcommit_threshold),
			    T(overcommit_threshold), 0, 0, 1.0 },
	[OPT_STALENESS] = { "staleness", OPT_DURATION, G(staleness), T(staleness), 0, 0, 0 },
	[OPT_BACKOFF_MAX] = { "backoff_max", OPT_DURATION, G(backoff_max), NOFF, 0, 0, 300 },
	[OPT_MAX_RESPONSE] = { "max_response_bytes", OPT_SIZE, G(max_response_bytes),
			       T(max_response_bytes), 1024, 1e18, 32.0 * 1024 * 1024 },
	[OPT_SECRETS_WR] = { "secrets_allow_world_readable", OPT_BOOL,
			     G(secrets_allow_world_readable), NOFF, 0, 0, 0 },
};
#undef G
#undef T

static const char *const top_keys[] = { "global", "web", "targets", "profiles_dir", NULL };
static const char *const global_keys[] = {
	"interval", "timeout", "retries", "concurrency", "overcommit_threshold", "staleness",
	"backoff_max", "max_response_bytes", "secrets_allow_world_readable", NULL
};
static const char *const web_keys[] = { "listen_address", NULL };
static const char *const target_keys[] = {
	"name", "driver", "address", "url", "profile", "snmp", "username", "password_file",
	"api_token_file", "tls", "interval", "timeout", "retries", "staleness",
	"overcommit_threshold", "pools", "max_response_bytes", NULL
};
static const char *const snmp_keys[] = {
	"version", "community", "community_file", "max_repetitions", "max_inflight", "username",
	"security_level", "auth_protocol", "auth_password_file", "priv_protocol",
	"priv_password_file", "context", NULL
};
static const char *const tls_keys[] = { "ca_file", "insecure_skip_verify", NULL };
static const char *const pool_keys[] = { "overcommit_threshold", NULL };

/* Loader state for one cfg_load() call. */
struct ctx {
	const struct ydoc *d;
	char *msg;
	size_t msglen;
	struct tw_config *c;
	const char *basedir;               /* directory of the config file, or NULL */
	int confine;                       /* fuzzing: open files in basedir only */
	const struct ynode *gset[NOPTS];   /* where global options were set */
};

/* ---- small helpers ---- */

/* Zero memory that held a secret (volatile, so it is not optimized away). */
static void wipe_n(char *s, size_t n)
{
	volatile char *p = s;
	while (p && n--)
		*p++ = '\0';
}

static void wipe(char *s)
{
	if (s)
		wipe_n(s, strlen(s));
}

static void secret_free(struct tw_secret *s)
{
	wipe(s->value);
	free(s->value);
	free(s->file);
	s->value = s->file = NULL;
}

static int is_null(const struct ynode *n)
{
	return n && n->type == Y_SCALAR && n->plain &&
	       (!n->str[0] || !strcmp(n->str, "~") || !strcmp(n->str, "null") ||
		!strcmp(n->str, "Null") || !strcmp(n->str, "NULL"));
}

/* Value of key in map, treating an explicit YAML null as absent. */
static const struct ynode *get(const struct ynode *map, const char *key)
{
	const struct ynode *n = ymap_get(map, key);
	return is_null(n) ? NULL : n;
}

/* The key node of key in map (for errors about the key itself). */
static const struct ynode *key_node(const struct ynode *map, const char *key)
{
	for (size_t i = 0; map && map->type == Y_MAP && i < map->n; i++)
		if (strcmp(map->pairs[i].key->str, key) == 0)
			return map->pairs[i].key;
	return NULL;
}

static const struct ynode *get_map(struct ctx *x, const struct ynode *map, const char *key,
				   const char *what, tw_err *e)
{
	const struct ynode *n = get(map, key);
	*e = TW_OK;
	if (n && (*e = ynode_expect(x->d, n, Y_MAP, what, x->msg, x->msglen)))
		return NULL;
	return n;
}

static int utf8_valid(const unsigned char *s)
{
	while (*s) {
		size_t n;
		unsigned c = *s;
		if (c < 0x80)
			n = 0;
		else if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3;
		else
			return 0;
		s++;
		for (size_t i = 0; i < n; i++, s++)
			if ((*s & 0xc0) != 0x80)
				return 0;
	}
	return 1;
}

static int has_ctrl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* Read a non-empty string without control characters into *out (copied). */
static tw_err read_str(struct ctx *x, const struct ynode *n, const char *what, char **out)
{
	const char *s;
	tw_err e = ynode_str(x->d, n, what, &s, x->msg, x->msglen);
	if (e)
		return e;
	if (!*s)
		return yerr(x->msg, x->msglen, x->d, n, "%s: expected a non-empty string", what);
	if (has_ctrl(s))
		return yerr(x->msg, x->msglen, x->d, n, "%s: control characters are not allowed",
			    what);
	free(*out);
	*out = tw_strdup(s);
	return *out ? TW_OK : TW_ERR_NOMEM;
}

/* A relative path is taken relative to the config file's directory. */
static char *resolve_path(const struct ctx *x, const char *p)
{
	struct buf b;
	size_t len;
	if (p[0] == '/' || !x->basedir)
		return tw_strdup(p);
	buf_init(&b, 0);
	buf_puts(&b, x->basedir);
	buf_putc(&b, '/');
	buf_puts(&b, p);
	if (buf_failed(&b)) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b, &len);
}

static tw_err read_path(struct ctx *x, const struct ynode *n, const char *what, char **out)
{
	char *raw = NULL;
	tw_err e = read_str(x, n, what, &raw);
	if (e)
		return e;
	free(*out);
	*out = resolve_path(x, raw);
	free(raw);
	return *out ? TW_OK : TW_ERR_NOMEM;
}

/* `profile:` written as a mapping: validate it where it stands (errors
 * name this file's lines) and keep it as YAML text for the driver. */
static tw_err load_inline_profile(struct ctx *x, struct tw_target *t, const struct ynode *n)
{
	struct profile *p = NULL;
	struct buf b;
	size_t len;
	tw_err e = profile_load_node(x->d, n, x->d->file, "inline", &p, x->msg, x->msglen);
	if (e)
		return e;
	profile_free(p);
	buf_init(&b, 0);
	profile_node_yaml(n, &b);
	if (buf_failed(&b) || !(t->profile_inline = buf_detach(&b, &len))) {
		buf_free(&b);
		return TW_ERR_NOMEM;
	}
	buf_init(&b, 0);
	buf_printf(&b, "%s:%d", x->d->file, n->line);
	if (buf_failed(&b) || !(t->profile_inline_where = buf_detach(&b, &len))) {
		buf_free(&b);
		return TW_ERR_NOMEM;
	}
	free(t->profile);
	t->profile = tw_strdup("inline");
	return t->profile ? TW_OK : TW_ERR_NOMEM;
}

/* The path a file named in the config is actually opened at: the path
 * itself, except for cfg_load_string in fuzzing builds, where a fuzzed
 * config must not make the loader open files of its choosing (a device, a
 * secret of the machine): there only BASEDIR/BASENAME is opened (malloc'd),
 * and NULL refuses.  A result other than p is freed by the caller. */
static char *open_path(const struct ctx *x, char *p)
{
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	const char *base = strrchr(p, '/');
	struct buf b;
	size_t len;
	if (!x->confine)
		return p;
	base = base ? base + 1 : p;
	if (!x->basedir || !*base || !strcmp(base, ".") || !strcmp(base, ".."))
		return NULL;
	buf_init(&b, 0);
	buf_printf(&b, "%s/%s", x->basedir, base);
	if (buf_failed(&b)) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b, &len);
#else
	(void)x;
	return p;
#endif
}

/* Durations for messages: "90s", "5m", "1h", "250ms". */
static void fmt_duration(char *out, size_t len, double s)
{
	if (s >= 3600 && (long long)s % 3600 == 0 && (double)(long long)s == s)
		snprintf(out, len, "%lldh", (long long)s / 3600);
	else if (s >= 60 && (long long)s % 60 == 0 && (double)(long long)s == s)
		snprintf(out, len, "%lldm", (long long)s / 60);
	else if (s < 1)
		snprintf(out, len, "%gms", s * 1000);
	else
		snprintf(out, len, "%gs", s);
}

/* ---- secrets ---- */

tw_err cfg_read_secret(const char *path, int allow_world_readable, char **out, char *msg,
		       size_t msglen)
{
	struct stat st;
	char *data = NULL;
	size_t len = 0;
	tw_err e = TW_OK;
	int fd;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return tw_seterr(msg, msglen, TW_ERR_IO, "cannot open %s: %s", path,
				 strerror(errno));
	if (fstat(fd, &st) != 0) {
		e = tw_seterr(msg, msglen, TW_ERR_IO, "cannot stat %s: %s", path, strerror(errno));
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		e = tw_seterr(msg, msglen, TW_ERR_CONFIG, "%s is not a regular file", path);
		goto out_close;
	}
	if ((st.st_mode & 077) && !allow_world_readable) {
		e = tw_seterr(msg, msglen, TW_ERR_CONFIG,
			      "%s is accessible by group or others (mode %04o); expected mode 0600 "
			      "or stricter (chmod 600), or set global.secrets_allow_world_readable: "
			      "true", path, (unsigned)(st.st_mode & 07777));
		goto out_close;
	}
	data = malloc(SECRET_MAX_BYTES + 2);
	if (!data) {
		e = TW_ERR_NOMEM;
		goto out_close;
	}
	for (;;) {
		ssize_t r = read(fd, data + len, SECRET_MAX_BYTES + 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = tw_seterr(msg, msglen, TW_ERR_IO, "cannot read %s: %s", path,
				      strerror(errno));
			goto out_free;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > SECRET_MAX_BYTES) {
			e = tw_seterr(msg, msglen, TW_ERR_TOO_BIG,
				      "%s is larger than %zu bytes; a secret file holds one line",
				      path, SECRET_MAX_BYTES);
			goto out_free;
		}
	}
	data[len] = '\0';
	if (memchr(data, '\0', len)) {
		e = tw_seterr(msg, msglen, TW_ERR_CONFIG, "%s contains a NUL byte", path);
		goto out_free;
	}
	if (len && data[len - 1] == '\n') {
		data[--len] = '\0';
		if (len && data[len - 1] == '\r')
			data[--len] = '\0';
	}
	if (!len) {
		e = tw_seterr(msg, msglen, TW_ERR_CONFIG, "%s is empty", path);
		goto out_free;
	}
	if (strchr(data, '\n')) {
		e = tw_seterr(msg, msglen, TW_ERR_CONFIG,
			      "%s holds more than one line; a secret file holds the secret alone",
			      path);
		goto out_free;
	}
	if (!(*out = tw_strndup(data, len)))
		e = TW_ERR_NOMEM;
out_free:
	wipe_n(data, SECRET_MAX_BYTES + 2);
	free(data);
out_close:
	close(fd);
	return e;
}

/* Read the secret file named by node n (a *_file key) into s. */
static tw_err load_secret(struct ctx *x, const struct ynode *n, const char *what,
			  struct tw_secret *s)
{
	char inner[400];
	char *path;
	tw_err e;

	secret_free(s);
	if ((e = read_path(x, n, what, &s->file)))
		return e;
	if (!(path = open_path(x, s->file)))
		return yerr(x->msg, x->msglen, x->d, n, "%s: not read in a fuzzing build", what);
	e = cfg_read_secret(path, x->c->secrets_allow_world_readable, &s->value, inner,
			    sizeof inner);
	if (path != s->file)
		free(path);
	if (e == TW_ERR_NOMEM)
		return e;
	if (e)
		return yerr(x->msg, x->msglen, x->d, n, "%s: %s", what, inner);
	return TW_OK;
}

/* ---- the settings table ---- */

/* Parse n as option o into p (a field of tw_config or tw_target). */
static tw_err read_opt(struct ctx *x, const struct opt *o, const struct ynode *n,
		       const char *what, char *p)
{
	tw_err e;
	switch (o->type) {
	case OPT_DURATION: {
		double v;
		if ((e = ynode_duration(x->d, n, what, &v, x->msg, x->msglen)))
			return e;
		if (!(v > 0) || v > DURATION_MAX)
			return yerr(x->msg, x->msglen, x->d, n,
				    "%s: expected a duration greater than 0 and at most 365d, got '%s'",
				    what, n->str);
		memcpy(p, &v, sizeof v);
		return TW_OK;
	}
	case OPT_RATIO: {
		double v;
		if ((e = ynode_expect(x->d, n, Y_SCALAR, what, x->msg, x->msglen)))
			return e;
		if (ynode_double(x->d, n, what, 0, 1e6, &v, x->msg, x->msglen) || !(v > 0))
			return yerr(x->msg, x->msglen, x->d, n,
				    "%s: expected a number greater than 0 (1.0 = 100%% of capacity), "
				    "got '%s'", what, n->str);
		memcpy(p, &v, sizeof v);
		return TW_OK;
	}
	case OPT_COUNT: {
		uint64_t v;
		unsigned u;
		if ((e = ynode_u64(x->d, n, what, (uint64_t)o->min, (uint64_t)o->max, &v, x->msg,
				   x->msglen)))
			return e;
		u = (unsigned)v;
		memcpy(p, &u, sizeof u);
		return TW_OK;
	}
	case OPT_SIZE: {
		uint64_t v;
		if ((e = ynode_size(x->d, n, what, &v, x->msg, x->msglen)))
			return e;
		if ((double)v < o->min)
			return yerr(x->msg, x->msglen, x->d, n,
				    "%s: expected a size of at least 1KiB, got '%s'", what, n->str);
		memcpy(p, &v, sizeof v);
		return TW_OK;
	}
	case OPT_BOOL: {
		int v;
		if ((e = ynode_bool(x->d, n, what, &v, x->msg, x->msglen)))
			return e;
		memcpy(p, &v, sizeof v);
		return TW_OK;
	}
	}
	return TW_ERR_INTERNAL;
}

static void set_default(const struct opt *o, char *p)
{
	switch (o->type) {
	case OPT_DURATION:
	case OPT_RATIO: {
		double v = o->dflt;
		memcpy(p, &v, sizeof v);
		break;
	}
	case OPT_COUNT: {
		unsigned v = (unsigned)o->dflt;
		memcpy(p, &v, sizeof v);
		break;
	}
	case OPT_SIZE: {
		uint64_t v = (uint64_t)o->dflt;
		memcpy(p, &v, sizeof v);
		break;
	}
	case OPT_BOOL: {
		int v = (int)o->dflt;
		memcpy(p, &v, sizeof v);
		break;
	}
	}
}

static size_t opt_size(const struct opt *o)
{
	switch (o->type) {
	case OPT_DURATION:
	case OPT_RATIO: return sizeof(double);
	case OPT_COUNT: return sizeof(unsigned);
	case OPT_SIZE: return sizeof(uint64_t);
	case OPT_BOOL: return sizeof(int);
	}
	return 0;
}

static double staleness_default(double interval)
{
	return 3 * interval > STALENESS_MIN ? 3 * interval : STALENESS_MIN;
}

/* timeout <= interval, staleness >= interval.  set[] holds the nodes that
 * set each option at this level (NULL if inherited), for the location. */
static tw_err check_timing(struct ctx *x, const char *who, double interval, double timeout,
			   double staleness, const struct ynode *const *set,
			   const struct ynode *fallback)
{
	char a[32], b[32];
	const struct ynode *at;
	if (timeout > interval) {
		at = set[OPT_TIMEOUT] ? set[OPT_TIMEOUT] : set[OPT_INTERVAL];
		if (!at)
			at = x->gset[OPT_TIMEOUT] ? x->gset[OPT_TIMEOUT] : x->gset[OPT_INTERVAL];
		fmt_duration(a, sizeof a, timeout);
		fmt_duration(b, sizeof b, interval);
		return yerr(x->msg, x->msglen, x->d, at ? at : fallback,
			    "%stimeout %s is longer than the poll interval %s; expected a timeout "
			    "no longer than the interval", who, a, b);
	}
	if (staleness > 0 && staleness < interval) {
		at = set[OPT_STALENESS] ? set[OPT_STALENESS] : set[OPT_INTERVAL];
		if (!at)
			at = x->gset[OPT_STALENESS] ? x->gset[OPT_STALENESS] : x->gset[OPT_INTERVAL];
		fmt_duration(a, sizeof a, staleness);
		fmt_duration(b, sizeof b, interval);
		return yerr(x->msg, x->msglen, x->d, at ? at : fallback,
			    "%sstaleness %s is shorter than the poll interval %s; expected at least "
			    "the interval (default: 3 x interval, at least 5m)", who, a, b);
	}
	return TW_OK;
}

/* ---- global, web ---- */

static tw_err load_global(struct ctx *x, const struct ynode *g)
{
	char what[64];
	tw_err e;

	for (size_t i = 0; i < NOPTS; i++)
		set_default(&opts[i], (char *)x->c + opts[i].goff);
	if (!g)
		return TW_OK;
	if ((e = ymap_check_keys(x->d, g, global_keys, x->msg, x->msglen)))
		return e;
	for (size_t i = 0; i < NOPTS; i++) {
		const struct ynode *n = ymap_get(g, opts[i].key);
		if (!n)
			continue;
		snprintf(what, sizeof what, "global.%s", opts[i].key);
		if ((e = read_opt(x, &opts[i], n, what, (char *)x->c + opts[i].goff)))
			return e;
		x->gset[i] = n;
	}
	return check_timing(x, "global: ", x->c->interval, x->c->timeout, x->c->staleness,
			    x->gset, g);
}

static tw_err load_web(struct ctx *x, const struct ynode *w)
{
	const struct ynode *n;
	tw_err e;
	if (!w)
		return TW_OK;
	if ((e = ymap_check_keys(x->d, w, web_keys, x->msg, x->msglen)))
		return e;
	if ((n = get(w, "listen_address")) &&
	    (e = read_str(x, n, "web.listen_address", &x->c->listen_address)))
		return e;
	return TW_OK;
}

/* ---- targets ---- */

/* [prefix:]host[:port]; prefix udp tcp udp6 tcp6; IPv6 literal in brackets. */
static tw_err check_address(struct ctx *x, const struct ynode *n, const char *what)
{
	static const char *const prefixes[] = { "udp:", "tcp:", "udp6:", "tcp6:" };
	const char *s = n->str, *host, *hend, *port = NULL;

	for (size_t i = 0; i < TW_ARRAY_LEN(prefixes); i++)
		if (strncasecmp(s, prefixes[i], strlen(prefixes[i])) == 0) {
			s += strlen(prefixes[i]);
			break;
		}
	if (*s == '[') {
		host = s + 1;
		hend = strchr(host, ']');
		if (!hend || hend == host)
			goto bad;
		for (const char *p = host; p < hend; p++)
			if (!strchr("0123456789abcdefABCDEF:.%", *p))
				goto bad;
		if (hend[1] == ':')
			port = hend + 2;
		else if (hend[1])
			goto bad;
	} else {
		const char *colon = strchr(s, ':');
		host = s;
		if (colon && strchr(colon + 1, ':'))
			return yerr(x->msg, x->msglen, x->d, n,
				    "%s: IPv6 addresses go in brackets, e.g. udp6:[2001:db8::1]:161; "
				    "got '%s'", what, n->str);
		hend = colon ? colon : s + strlen(s);
		if (hend == host)
			goto bad;
		for (const char *p = host; p < hend; p++)
			if (!(((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') || (*p >= '0' && *p <= '9') ||
			      *p == '.' || *p == '-' || *p == '_'))
				goto bad;
		if (colon)
			port = colon + 1;
	}
	if (port) {
		uint64_t v;
		if (tw_parse_u64(port, &v) || v < 1 || v > 65535)
			return yerr(x->msg, x->msglen, x->d, n,
				    "%s: expected a port from 1 to 65535 after ':', got '%s'", what,
				    n->str);
	}
	return TW_OK;
bad:
	return yerr(x->msg, x->msglen, x->d, n,
		    "%s: expected host[:port] with an optional udp:, tcp:, udp6: or tcp6: prefix "
		    "(IPv6 in brackets), got '%s'", what, n->str);
}

static tw_err check_url(struct ctx *x, const struct ynode *n, const char *what, char *url)
{
	const char *rest;
	size_t len;
	if (strncasecmp(url, "https://", 8) == 0)
		rest = url + 8;
	else if (strncasecmp(url, "http://", 7) == 0)
		rest = url + 7;
	else
		return yerr(x->msg, x->msglen, x->d, n,
			    "%s: expected a base URL starting with https:// (or http://), got '%s'",
			    what, n->str);
	if (!*rest || *rest == '/' || strpbrk(url, " \t?#"))
		return yerr(x->msg, x->msglen, x->d, n,
			    "%s: expected a base URL like https://host[:port], got '%s'", what,
			    n->str);
	len = strlen(url);
	while (len && url[len - 1] == '/') /* vendor paths are appended with their own '/' */
		url[--len] = '\0';
	return TW_OK;
}

/* Error for a key present in map that does not apply. */
static tw_err not_here(struct ctx *x, const struct ynode *map, const char *key, const char *who,
		       const char *why)
{
	return yerr(x->msg, x->msglen, x->d, key_node(map, key), "%s%s %s", who, key, why);
}

static tw_err parse_enum(struct ctx *x, const struct ynode *n, const char *what,
			 const char *const *names, const int *vals, int *out)
{
	const char *s;
	char list[200] = "";
	size_t off = 0;
	tw_err e = ynode_str(x->d, n, what, &s, x->msg, x->msglen);
	if (e)
		return e;
	for (size_t i = 0; names[i]; i++)
		if (strcasecmp(names[i], s) == 0) {
			*out = vals[i];
			return TW_OK;
		}
	for (size_t i = 0; names[i] && off < sizeof list; i++) {
		int w = snprintf(list + off, sizeof list - off, "%s%s", i ? ", " : "", names[i]);
		if (w < 0)
			break;
		off += (size_t)w;
	}
	return yerr(x->msg, x->msglen, x->d, n, "%s: expected one of %s, got '%s'", what, list, s);
}

static tw_err check_pass_len(struct ctx *x, const struct ynode *n, const char *what,
			     const struct tw_secret *s)
{
	if (strlen(s->value) < SNMP_PASS_MIN)
		return yerr(x->msg, x->msglen, x->d, n,
			    "%s: the password in %s is shorter than %d characters; SNMPv3 needs at "
			    "least %d", what, s->file, SNMP_PASS_MIN, SNMP_PASS_MIN);
	return TW_OK;
}

static tw_err load_snmp(struct ctx *x, struct tw_target *t, const struct ynode *tmap,
			const char *who)
{
	static const char *const v3_only[] = { "username", "security_level", "auth_protocol",
		"auth_password_file", "priv_protocol", "priv_password_file", "context", NULL };
	static const char *const lvl_names[] = { "noAuthNoPriv", "authNoPriv", "authPriv", NULL };
	static const int lvl_vals[] = { TW_SEC_NOAUTH, TW_SEC_AUTHNOPRIV, TW_SEC_AUTHPRIV };
	static const char *const auth_names[] = { "MD5", "SHA", "SHA-224", "SHA-256", "SHA-384",
		"SHA-512", NULL };
	static const int auth_vals[] = { TW_AUTH_MD5, TW_AUTH_SHA, TW_AUTH_SHA224, TW_AUTH_SHA256,
		TW_AUTH_SHA384, TW_AUTH_SHA512 };
	static const char *const priv_names[] = { "DES", "AES", "AES-192", "AES-256", NULL };
	static const int priv_vals[] = { TW_PRIV_DES, TW_PRIV_AES, TW_PRIV_AES192, TW_PRIV_AES256 };
	char what[256];
	const struct ynode *s, *n, *lvl_node, *ap, *apf, *pp, *ppf;
	struct tw_snmp_cfg *sc = &t->snmp;
	int v;
	tw_err e;

#define WHAT(k) (snprintf(what, sizeof what, "%ssnmp%s%s", who, *(k) ? "." : "", k), what)
	sc->version = TW_SNMP_V2C;
	sc->max_repetitions = 50;
	sc->max_inflight = TW_SNMP_DEFAULT_INFLIGHT;
	s = get_map(x, tmap, "snmp", WHAT(""), &e);
	if (e)
		return e;
	if (s && (e = ymap_check_keys(x->d, s, snmp_keys, x->msg, x->msglen)))
		return e;

	if ((n = get(s, "version"))) {
		const char *str;
		if ((e = ynode_str(x->d, n, WHAT("version"), &str, x->msg, x->msglen)))
			return e;
		if (!strcmp(str, "1"))
			sc->version = TW_SNMP_V1;
		else if (!strcasecmp(str, "2c"))
			sc->version = TW_SNMP_V2C;
		else if (!strcmp(str, "3"))
			sc->version = TW_SNMP_V3;
		else
			return yerr(x->msg, x->msglen, x->d, n, "%s: expected 1, 2c or 3, got '%s'",
				    what, str);
	}
	if ((n = get(s, "max_repetitions"))) {
		uint64_t u;
		if ((e = ynode_u64(x->d, n, WHAT("max_repetitions"), 1, 1000, &u, x->msg,
				   x->msglen)))
			return e;
		sc->max_repetitions = (unsigned)u;
	}
	if ((n = get(s, "max_inflight"))) {
		uint64_t u;
		if ((e = ynode_u64(x->d, n, WHAT("max_inflight"), 1, TW_SNMP_MAX_INFLIGHT, &u, x->msg,
				   x->msglen)))
			return e;
		sc->max_inflight = (unsigned)u;
	}

	if (sc->version != TW_SNMP_V3) {
		for (size_t i = 0; v3_only[i]; i++)
			if (ymap_get(s, v3_only[i]))
				return yerr(x->msg, x->msglen, x->d, key_node(s, v3_only[i]),
					    "%ssnmp.%s is only for SNMP v3; expected snmp.version: 3 "
					    "or no %s", who, v3_only[i], v3_only[i]);
		n = get(s, "community");
		if (n && get(s, "community_file"))
			return yerr(x->msg, x->msglen, x->d, key_node(s, "community_file"),
				    "%sset snmp.community or snmp.community_file, not both", who);
		if (n) {
			/* inline secret: read by hand so the value never reaches a message */
			if (n->type != Y_SCALAR)
				return yerr(x->msg, x->msglen, x->d, n,
					    "%ssnmp.community: expected a string", who);
			if (!n->str[0])
				return yerr(x->msg, x->msglen, x->d, n,
					    "%ssnmp.community: expected a non-empty string", who);
			sc->community.value = tw_strdup(n->str);
		} else if ((n = get(s, "community_file"))) {
			return load_secret(x, n, WHAT("community_file"), &sc->community);
		} else {
			sc->community.value = tw_strdup("public");
		}
		return sc->community.value ? TW_OK : TW_ERR_NOMEM;
	}

	/* v3 */
	if (ymap_get(s, "community") || ymap_get(s, "community_file")) {
		const char *k = ymap_get(s, "community") ? "community" : "community_file";
		return yerr(x->msg, x->msglen, x->d, key_node(s, k),
			    "%ssnmp.%s is only for SNMP v1 and 2c; v3 uses username and "
			    "auth/priv passwords", who, k);
	}
	if (!(n = get(s, "username")))
		return yerr(x->msg, x->msglen, x->d, s,
			    "%sSNMP v3 needs snmp.username (the USM user name)", who);
	if ((e = read_str(x, n, WHAT("username"), &sc->username)))
		return e;
	if ((n = ymap_get(s, "context"))) {
		const char *str;
		if ((e = ynode_str(x->d, n, WHAT("context"), &str, x->msg, x->msglen)))
			return e;
		if (*str && !(sc->context = tw_strdup(str)))
			return TW_ERR_NOMEM;
	}
	ap = get(s, "auth_protocol");
	apf = get(s, "auth_password_file");
	pp = get(s, "priv_protocol");
	ppf = get(s, "priv_password_file");
	if ((lvl_node = get(s, "security_level"))) {
		if ((e = parse_enum(x, lvl_node, WHAT("security_level"), lvl_names, lvl_vals, &v)))
			return e;
		sc->security_level = (enum tw_snmp_seclevel)v;
	} else {
		sc->security_level = (pp || ppf) ? TW_SEC_AUTHPRIV
				     : (ap || apf) ? TW_SEC_AUTHNOPRIV : TW_SEC_NOAUTH;
	}
	if (sc->security_level == TW_SEC_NOAUTH && (ap || apf || pp || ppf)) {
		const char *k = ap ? "auth_protocol" : apf ? "auth_password_file"
				: pp ? "priv_protocol" : "priv_password_file";
		return yerr(x->msg, x->msglen, x->d, key_node(s, k),
			    "%ssnmp.%s is set but security_level is noAuthNoPriv; expected "
			    "security_level authNoPriv or authPriv, or no %s", who, k, k);
	}
	if (sc->security_level == TW_SEC_AUTHNOPRIV && (pp || ppf)) {
		const char *k = pp ? "priv_protocol" : "priv_password_file";
		return yerr(x->msg, x->msglen, x->d, key_node(s, k),
			    "%ssnmp.%s is set but security_level is authNoPriv; expected "
			    "security_level authPriv, or no %s", who, k, k);
	}
	if (sc->security_level >= TW_SEC_AUTHNOPRIV) {
		const char *lvl = lvl_names[sc->security_level];
		const struct ynode *where = lvl_node ? lvl_node : s;
		if (!ap)
			return yerr(x->msg, x->msglen, x->d, where,
				    "%ssecurity_level %s needs snmp.auth_protocol (MD5, SHA, SHA-224, "
				    "SHA-256, SHA-384 or SHA-512)", who, lvl);
		if (!apf)
			return yerr(x->msg, x->msglen, x->d, where,
				    "%ssecurity_level %s needs snmp.auth_password_file", who, lvl);
		if ((e = parse_enum(x, ap, WHAT("auth_protocol"), auth_names, auth_vals, &v)))
			return e;
		sc->auth_protocol = (enum tw_snmp_auth)v;
		if ((e = load_secret(x, apf, WHAT("auth_password_file"), &sc->auth_password)) ||
		    (e = check_pass_len(x, apf, what, &sc->auth_password)))
			return e;
	}
	if (sc->security_level == TW_SEC_AUTHPRIV) {
		const struct ynode *where = lvl_node ? lvl_node : s;
		if (!pp)
			return yerr(x->msg, x->msglen, x->d, where,
				    "%ssecurity_level authPriv needs snmp.priv_protocol (DES, AES, "
				    "AES-192 or AES-256)", who);
		if (!ppf)
			return yerr(x->msg, x->msglen, x->d, where,
				    "%ssecurity_level authPriv needs snmp.priv_password_file", who);
		if ((e = parse_enum(x, pp, WHAT("priv_protocol"), priv_names, priv_vals, &v)))
			return e;
		sc->priv_protocol = (enum tw_snmp_priv)v;
		if ((e = load_secret(x, ppf, WHAT("priv_password_file"), &sc->priv_password)) ||
		    (e = check_pass_len(x, ppf, what, &sc->priv_password)))
			return e;
	}
#undef WHAT
	return TW_OK;
}

static tw_err load_rest(struct ctx *x, struct tw_target *t, const struct ynode *tmap,
			const struct drv_info *di, const char *who)
{
	char what[256];
	const struct ynode *n, *tls, *user, *pass, *tok;
	tw_err e;

	if (!(n = get(tmap, "url")))
		return yerr(x->msg, x->msglen, x->d, tmap,
			    "%smissing required key 'url' (the array's base URL, e.g. "
			    "https://array.example.com)", who);
	snprintf(what, sizeof what, "%surl", who);
	if ((e = read_str(x, n, what, &t->url)) || (e = check_url(x, n, what, t->url)))
		return e;

	snprintf(what, sizeof what, "%stls", who);
	tls = get_map(x, tmap, "tls", what, &e);
	if (e || (tls && (e = ymap_check_keys(x->d, tls, tls_keys, x->msg, x->msglen))))
		return e;
	if ((n = get(tls, "ca_file"))) {
		char *path;
		int fd;
		snprintf(what, sizeof what, "%stls.ca_file", who);
		if ((e = read_path(x, n, what, &t->tls.ca_file)))
			return e;
		if (!(path = open_path(x, t->tls.ca_file)))
			return yerr(x->msg, x->msglen, x->d, n, "%s: not opened in a fuzzing build",
				    what);
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (path != t->tls.ca_file)
			free(path);
		if (fd < 0)
			return yerr(x->msg, x->msglen, x->d, n, "%s: cannot open %s: %s", what,
				    t->tls.ca_file, strerror(errno));
		close(fd);
	}
	if ((n = get(tls, "insecure_skip_verify"))) {
		snprintf(what, sizeof what, "%stls.insecure_skip_verify", who);
		if ((e = ynode_bool(x->d, n, what, &t->tls.insecure_skip_verify, x->msg,
				    x->msglen)))
			return e;
	}
	user = get(tmap, "username");
	pass = get(tmap, "password_file");
	tok = get(tmap, "api_token_file");
	if (di->cred == CRED_API_TOKEN) {
		if (ymap_get(tmap, "username") || ymap_get(tmap, "password_file"))
			return not_here(x, tmap, ymap_get(tmap, "username") ? "username"
					: "password_file", who,
					"is not used by this driver; it logs in with api_token_file");
		if (!tok)
			return yerr(x->msg, x->msglen, x->d, tmap,
				    "%sdriver %s needs api_token_file (a file holding the API token)",
				    who, di->name);
	} else {
		if (ymap_get(tmap, "api_token_file"))
			return not_here(x, tmap, "api_token_file", who,
					"is not used by this driver; it logs in with username and "
					"password_file");
		if (!user)
			return yerr(x->msg, x->msglen, x->d, tmap,
				    "%sdriver %s needs username and password_file", who, di->name);
		if (!pass)
			return yerr(x->msg, x->msglen, x->d, tmap,
				    "%sdriver %s needs password_file (a file holding the password)",
				    who, di->name);
	}
	if (user) {
		snprintf(what, sizeof what, "%susername", who);
		if ((e = read_str(x, user, what, &t->username)))
			return e;
	}
	if (pass) {
		snprintf(what, sizeof what, "%spassword_file", who);
		if ((e = load_secret(x, pass, what, &t->password)))
			return e;
	}
	if (tok) {
		snprintf(what, sizeof what, "%sapi_token_file", who);
		if ((e = load_secret(x, tok, what, &t->api_token)))
			return e;
	}
	return TW_OK;
}

static tw_err load_pools(struct ctx *x, struct tw_target *t, const struct ynode *tmap,
			 const char *who)
{
	char what[300];
	const struct ynode *p;
	tw_err e;

	snprintf(what, sizeof what, "%spools", who);
	if (!(p = get_map(x, tmap, "pools", what, &e)))
		return e; /* error, or no pools section */
	t->pools = calloc(p->n ? p->n : 1, sizeof *t->pools);
	if (!t->pools)
		return TW_ERR_NOMEM;
	for (size_t i = 0; i < p->n; i++) {
		const struct ynode *k = p->pairs[i].key, *v = p->pairs[i].val, *th;
		struct tw_pool_override *po = &t->pools[i];
		if (!k->str[0])
			return yerr(x->msg, x->msglen, x->d, k, "%spools: empty pool name", who);
		for (size_t j = 0; j < i; j++)
			if (strcmp(p->pairs[j].key->str, k->str) == 0)
				return yerr(x->msg, x->msglen, x->d, k,
					    "%spools: pool '%s' listed twice (first at line %d)", who,
					    k->str, p->pairs[j].key->line);
		snprintf(what, sizeof what, "%spools.%.64s", who, k->str);
		if (is_null(v))
			return yerr(x->msg, x->msglen, x->d, v,
				    "%s: expected a mapping like { overcommit_threshold: 1.5 }", what);
		if ((e = ynode_expect(x->d, v, Y_MAP, what, x->msg, x->msglen)) ||
		    (e = ymap_check_keys(x->d, v, pool_keys, x->msg, x->msglen)))
			return e;
		if (!(th = get(v, "overcommit_threshold")))
			return yerr(x->msg, x->msglen, x->d, v,
				    "%s: expected overcommit_threshold", what);
		if (!(po->pool = tw_strdup(k->str)))
			return TW_ERR_NOMEM;
		t->npools++;
		snprintf(what, sizeof what, "%spools.%.64s.overcommit_threshold", who, k->str);
		if ((e = read_opt(x, &opts[OPT_THRESHOLD], th, what,
				  (char *)&po->overcommit_threshold)))
			return e;
	}
	return TW_OK;
}

static tw_err load_target(struct ctx *x, const struct ynode *items, size_t idx)
{
	const struct ynode *tmap = items->items[idx], *n;
	const struct ynode *set[NOPTS] = { 0 };
	const struct drv_info *di;
	struct tw_target *t = &x->c->targets[idx];
	char who[128], what[256];
	tw_err e;

	snprintf(who, sizeof who, "targets[%zu]", idx);
	if ((e = ynode_expect(x->d, tmap, Y_MAP, who, x->msg, x->msglen)) ||
	    (e = ymap_check_keys(x->d, tmap, target_keys, x->msg, x->msglen)))
		return e;
	t->line = tmap->line;
	t->col = tmap->col;

	if (!(n = get(tmap, "name")))
		return yerr(x->msg, x->msglen, x->d, tmap,
			    "targets[%zu]: missing required key 'name' (becomes the array label)",
			    idx);
	snprintf(what, sizeof what, "targets[%zu].name", idx);
	if ((e = read_str(x, n, what, &t->name)))
		return e;
	if (!utf8_valid((const unsigned char *)t->name))
		return yerr(x->msg, x->msglen, x->d, n, "%s: not valid UTF-8", what);
	for (size_t j = 0; j < idx; j++) {
		if (strcmp(x->c->targets[j].name, t->name) == 0) {
			const struct ynode *first = ymap_get(items->items[j], "name");
			return yerr(x->msg, x->msglen, x->d, n,
				    "duplicate target name '%s' (first defined at %s:%d:%d); "
				    "expected unique names", t->name, x->d->file, first->line,
				    first->col);
		}
	}
	snprintf(who, sizeof who, "target '%.96s': ", t->name);

	if (!(n = get(tmap, "driver")))
		return yerr(x->msg, x->msglen, x->d, tmap,
			    "%smissing required key 'driver' (one of: " DRIVER_LIST ")", who);
	snprintf(what, sizeof what, "%sdriver", who);
	if ((e = read_str(x, n, what, &t->driver)))
		return e;
	if (!(di = drv_lookup(t->driver)))
		return yerr(x->msg, x->msglen, x->d, n,
			    "%s: unknown driver '%s' (expected one of: " DRIVER_LIST ")", what,
			    t->driver);

	/* inherit, then override */
	for (size_t i = 0; i < NOPTS; i++) {
		if (opts[i].toff == NOFF)
			continue;
		memcpy((char *)t + opts[i].toff, (const char *)x->c + opts[i].goff,
		       opt_size(&opts[i]));
		if (!(n = ymap_get(tmap, opts[i].key)))
			continue;
		snprintf(what, sizeof what, "%s%s", who, opts[i].key);
		if ((e = read_opt(x, &opts[i], n, what, (char *)t + opts[i].toff)))
			return e;
		set[i] = n;
	}
	if (!set[OPT_STALENESS] && !x->gset[OPT_STALENESS])
		t->staleness = staleness_default(t->interval);
	if ((e = check_timing(x, who, t->interval, t->timeout, t->staleness, set, tmap)))
		return e;

	if (di->kind == DRV_SNMP) {
		static const char *const rest_only[] = { "url", "username", "password_file",
			"api_token_file", "tls", "max_response_bytes", NULL };
		for (size_t i = 0; rest_only[i]; i++)
			if (ymap_get(tmap, rest_only[i]))
				return not_here(x, tmap, rest_only[i], who,
						!strcmp(rest_only[i], "url")
						? "is for REST drivers; snmp targets use address: "
						  "host[:port]"
						: !strcmp(rest_only[i], "username")
						? "is for REST drivers; for SNMP v3 set snmp.username"
						: "is only for REST drivers, not snmp");
		if (!(n = get(tmap, "address")))
			return yerr(x->msg, x->msglen, x->d, tmap,
				    "%smissing required key 'address' (host[:port] of the SNMP "
				    "agent)", who);
		snprintf(what, sizeof what, "%saddress", who);
		if ((e = read_str(x, n, what, &t->address)) || (e = check_address(x, n, what)))
			return e;
		if ((n = get(tmap, "profile")) && n->type == Y_MAP) {
			if ((e = load_inline_profile(x, t, n)))
				return e;
		} else if (n) {
			snprintf(what, sizeof what, "%sprofile", who);
			if (strchr(n->type == Y_SCALAR ? n->str : "", '/'))
				e = read_path(x, n, what, &t->profile);
			else
				e = read_str(x, n, what, &t->profile);
			if (e)
				return e;
		} else if (!(t->profile = tw_strdup("auto"))) {
			return TW_ERR_NOMEM;
		}
		if ((e = load_snmp(x, t, tmap, who)))
			return e;
	} else {
		static const char *const snmp_only[] = { "address", "profile", "snmp", NULL };
		for (size_t i = 0; snmp_only[i]; i++)
			if (ymap_get(tmap, snmp_only[i]))
				return not_here(x, tmap, snmp_only[i], who,
						!strcmp(snmp_only[i], "address")
						? "is for the snmp driver; REST targets use url: "
						  "https://host[:port]"
						: "is only for the snmp driver");
		if ((e = load_rest(x, t, tmap, di, who)))
			return e;
	}
	return load_pools(x, t, tmap, who);
}

static tw_err load_root(struct ctx *x, const struct ynode *root)
{
	const struct ynode *n;
	tw_err e;

	if (root && is_null(root))
		root = NULL;
	if (root && root->type != Y_MAP)
		return yerr(x->msg, x->msglen, x->d, root,
			    "expected a mapping with keys global, web, targets, profiles_dir");
	if (root && (e = ymap_check_keys(x->d, root, top_keys, x->msg, x->msglen)))
		return e;
	/* global first, whatever the key order: targets inherit from it */
	n = get_map(x, root, "global", "global", &e);
	if (e || (e = load_global(x, n)))
		return e;
	n = get_map(x, root, "web", "web", &e);
	if (e || (e = load_web(x, n)))
		return e;
	if ((n = get(root, "profiles_dir")) &&
	    (e = read_path(x, n, "profiles_dir", &x->c->profiles_dir)))
		return e;
	if (!(n = get(root, "targets")))
		return TW_OK;
	if ((e = ynode_expect(x->d, n, Y_SEQ, "targets", x->msg, x->msglen)))
		return e;
	x->c->targets = calloc(n->n ? n->n : 1, sizeof *x->c->targets);
	if (!x->c->targets)
		return TW_ERR_NOMEM;
	for (size_t i = 0; i < n->n; i++) {
		x->c->ntargets = i + 1;
		if ((e = load_target(x, n, i)))
			return e;
	}
	return TW_OK;
}

/* Turn a loaded document into a config; takes ownership of d.  name is the
 * file name kept in tw_config.file and used in messages; basedir (may be
 * NULL) resolves relative paths. */
static tw_err load_doc(struct ydoc *d, const char *name, const char *basedir, int confine,
		       struct tw_config **out, char *msg, size_t msglen)
{
	struct ctx x;
	tw_err e;

	memset(&x, 0, sizeof x);
	x.msg = msg;
	x.msglen = msglen;
	x.d = d;
	x.c = calloc(1, sizeof *x.c);
	if (!x.c || !(x.c->file = tw_strdup(name))) {
		e = TW_ERR_NOMEM;
		goto out;
	}
	x.basedir = basedir;
	x.confine = confine;
	e = load_root(&x, d->root);
out:
	if (e == TW_ERR_NOMEM)
		tw_seterr(msg, msglen, e, "%s: out of memory", name);
	if (e) {
		cfg_free(x.c);
	} else {
		*out = x.c;
	}
	ydoc_free(d);
	return e;
}

tw_err cfg_load(const char *path, struct tw_config **out, char *msg, size_t msglen)
{
	struct ydoc *d = NULL;
	const char *slash;
	char *basedir = NULL;
	tw_err e;

	if ((e = ydoc_load_file(path, &d, msg, msglen)))
		return e;
	if ((slash = strrchr(path, '/')) &&
	    !(basedir = tw_strndup(path, slash == path ? 1 : (size_t)(slash - path)))) {
		ydoc_free(d);
		return tw_seterr(msg, msglen, TW_ERR_NOMEM, "%s: out of memory", path);
	}
	e = load_doc(d, path, basedir, 0, out, msg, msglen);
	free(basedir);
	return e;
}

tw_err cfg_load_string(const char *name, const char *text, size_t len, const char *basedir,
		       struct tw_config **out, char *msg, size_t msglen)
{
	struct ydoc *d = NULL;
	tw_err e;

	if ((e = ydoc_load_string(name, text, len, &d, msg, msglen)))
		return e;
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	return load_doc(d, name, basedir, 1, out, msg, msglen);
#else
	return load_doc(d, name, basedir, 0, out, msg, msglen);
#endif
}

static void target_free(struct tw_target *t)
{
	free(t->name);
	free(t->driver);
	free(t->address);
	free(t->url);
	free(t->profile);
	free(t->profile_inline);
	free(t->profile_inline_where);
	secret_free(&t->snmp.community);
	free(t->snmp.username);
	secret_free(&t->snmp.auth_password);
	secret_free(&t->snmp.priv_password);
	free(t->snmp.context);
	free(t->username);
	secret_free(&t->password);
	secret_free(&t->api_token);
	free(t->tls.ca_file);
	for (size_t j = 0; j < t->npools; j++)
		free(t->pools[j].pool);
	free(t->pools);
}

void cfg_free(struct tw_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->ntargets; i++)
		target_free(&c->targets[i]);
	free(c->targets);
	free(c->listen_address);
	free(c->profiles_dir);
	free(c->file);
	free(c);
}

/* ---- sharding ---- */

unsigned cfg_shard_of(const char *name, unsigned shards)
{
	uint64_t h = tw_fnv1a(TW_FNV1A_INIT, name, strlen(name));
	return shards ? (unsigned)(h % shards) : 0;
}

size_t cfg_retain_shard(struct tw_config *c, unsigned shard, unsigned shards)
{
	size_t keep = 0;
	if (shards <= 1)
		return c->ntargets;
	for (size_t i = 0; i < c->ntargets; i++) {
		if (cfg_shard_of(c->targets[i].name, shards) == shard)
			c->targets[keep++] = c->targets[i];
		else
			target_free(&c->targets[i]);
	}
	c->ntargets = keep;
	return keep;
}

double cfg_pool_threshold(const struct tw_target *t, const char *pool)
{
	for (size_t i = 0; pool && i < t->npools; i++)
		if (strcmp(t->pools[i].pool, pool) == 0)
			return t->pools[i].overcommit_threshold;
	return t->overcommit_threshold;
}

/* ---- reload comparison ---- */

static int str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static int secret_eq(const struct tw_secret *a, const struct tw_secret *b)
{
	return str_eq(a->value, b->value) && str_eq(a->file, b->file);
}

int cfg_target_equal(const struct tw_target *a, const struct tw_target *b)
{
	const struct tw_snmp_cfg *sa = &a->snmp, *sb = &b->snmp;
	if (!str_eq(a->name, b->name) || !str_eq(a->driver, b->driver) ||
	    !str_eq(a->address, b->address) || !str_eq(a->url, b->url) ||
	    !str_eq(a->profile, b->profile) || !str_eq(a->profile_inline, b->profile_inline) ||
	    !str_eq(a->username, b->username) ||
	    !secret_eq(&a->password, &b->password) || !secret_eq(&a->api_token, &b->api_token) ||
	    !str_eq(a->tls.ca_file, b->tls.ca_file) ||
	    a->tls.insecure_skip_verify != b->tls.insecure_skip_verify ||
	    a->interval != b->interval || a->timeout != b->timeout || a->retries != b->retries ||
	    a->staleness != b->staleness || a->overcommit_threshold != b->overcommit_threshold ||
	    a->max_response_bytes != b->max_response_bytes || a->npools != b->npools)
		return 0;
	if (sa->version != sb->version || !secret_eq(&sa->community, &sb->community) ||
	    sa->max_repetitions != sb->max_repetitions || sa->max_inflight != sb->max_inflight ||
	    !str_eq(sa->username, sb->username) ||
	    sa->security_level != sb->security_level || sa->auth_protocol != sb->auth_protocol ||
	    !secret_eq(&sa->auth_password, &sb->auth_password) ||
	    sa->priv_protocol != sb->priv_protocol ||
	    !secret_eq(&sa->priv_password, &sb->priv_password) || !str_eq(sa->context, sb->context))
		return 0;
	for (size_t i = 0; i < a->npools; i++) {
		size_t j;
		for (j = 0; j < b->npools; j++)
			if (strcmp(a->pools[i].pool, b->pools[j].pool) == 0)
				break;
		if (j == b->npools ||
		    a->pools[i].overcommit_threshold != b->pools[j].overcommit_threshold)
			return 0;
	}
	return 1;
}

/* ---- --dry-run summary ---- */

static const char *snmp_version_name(enum tw_snmp_version v)
{
	switch (v) {
	case TW_SNMP_V1: return "1";
	case TW_SNMP_V2C: return "2c";
	case TW_SNMP_V3: return "3";
	}
	return "?";
}

static const char *seclevel_name(enum tw_snmp_seclevel l)
{
	switch (l) {
	case TW_SEC_NOAUTH: return "noAuthNoPriv";
	case TW_SEC_AUTHNOPRIV: return "authNoPriv";
	case TW_SEC_AUTHPRIV: return "authPriv";
	}
	return "?";
}

static const char *auth_name(enum tw_snmp_auth a)
{
	switch (a) {
	case TW_AUTH_NONE: return "none";
	case TW_AUTH_MD5: return "MD5";
	case TW_AUTH_SHA: return "SHA";
	case TW_AUTH_SHA224: return "SHA-224";
	case TW_AUTH_SHA256: return "SHA-256";
	case TW_AUTH_SHA384: return "SHA-384";
	case TW_AUTH_SHA512: return "SHA-512";
	}
	return "?";
}

static const char *priv_name(enum tw_snmp_priv p)
{
	switch (p) {
	case TW_PRIV_NONE: return "none";
	case TW_PRIV_DES: return "DES";
	case TW_PRIV_AES: return "AES";
	case TW_PRIV_AES192: return "AES-192";
	case TW_PRIV_AES256: return "AES-256";
	}
	return "?";
}

/* "<set>", "<set from FILE>" or "<not set>": never the value. */
static void put_secret(struct buf *out, const char *label, const struct tw_secret *s)
{
	if (!s->value)
		buf_printf(out, "    %s: <not set>\n", label);
	else if (s->file)
		buf_printf(out, "    %s: <set from %s>\n", label, s->file);
	else
		buf_printf(out, "    %s: <set>\n", label);
}

static void put_duration(struct buf *out, const char *indent, const char *key, double v)
{
	char d[32];
	fmt_duration(d, sizeof d, v);
	buf_printf(out, "%s%s: %s\n", indent, key, d);
}

static void describe_snmp(const struct tw_snmp_cfg *s, struct buf *out)
{
	buf_printf(out, "    snmp.version: %s\n    snmp.max_repetitions: %u\n    snmp.max_inflight: %u\n",
		   snmp_version_name(s->version), s->max_repetitions, s->max_inflight);
	if (s->version != TW_SNMP_V3) {
		put_secret(out, "snmp.community", &s->community);
		return;
	}
	buf_printf(out, "    snmp.username: %s\n    snmp.security_level: %s\n",
		   s->username ? s->username : "", seclevel_name(s->security_level));
	if (s->context)
		buf_printf(out, "    snmp.context: %s\n", s->context);
	if (s->security_level >= TW_SEC_AUTHNOPRIV) {
		buf_printf(out, "    snmp.auth_protocol: %s\n", auth_name(s->auth_protocol));
		put_secret(out, "snmp.auth_password", &s->auth_password);
	}
	if (s->security_level == TW_SEC_AUTHPRIV) {
		buf_printf(out, "    snmp.priv_protocol: %s\n", priv_name(s->priv_protocol));
		put_secret(out, "snmp.priv_password", &s->priv_password);
	}
}

void cfg_describe(const struct tw_config *c, struct buf *out)
{
	buf_printf(out, "config: %s\nglobal:\n", c->file ? c->file : "(none)");
	put_duration(out, "  ", "interval", c->interval);
	put_duration(out, "  ", "timeout", c->timeout);
	buf_printf(out, "  retries: %u\n  concurrency: %u\n  overcommit_threshold: %g\n",
		   c->retries, c->concurrency, c->overcommit_threshold);
	if (c->staleness > 0)
		put_duration(out, "  ", "staleness", c->staleness);
	else
		buf_puts(out, "  staleness: auto (max(3 x interval, 5m) per target)\n");
	put_duration(out, "  ", "backoff_max", c->backoff_max);
	buf_printf(out, "  max_response_bytes: %llu\n  secrets_allow_world_readable: %s\n",
		   (unsigned long long)c->max_response_bytes,
		   c->secrets_allow_world_readable ? "true" : "false");
	buf_printf(out, "web.listen_address: %s\n",
		   c->listen_address ? c->listen_address : "(not set: flag or default :9817)");
	if (c->profiles_dir)
		buf_printf(out, "profiles_dir: %s\n", c->profiles_dir);
	buf_printf(out, "targets: %zu\n", c->ntargets);
	for (size_t i = 0; i < c->ntargets; i++) {
		const struct tw_target *t = &c->targets[i];
		int rest = cfg_driver_is_rest(t->driver);
		buf_printf(out, "  - name: %s\n    line: %d\n    driver: %s%s\n", t->name, t->line,
			   t->driver, rest ? " (REST)" : "");
		if (t->address)
			buf_printf(out, "    address: %s\n", t->address);
		if (t->url)
			buf_printf(out, "    url: %s\n", t->url);
		if (t->profile_inline)
			buf_printf(out, "    profile: inline (%s)\n", t->profile_inline_where);
		else if (t->profile)
			buf_printf(out, "    profile: %s\n", t->profile);
		if (!rest) {
			describe_snmp(&t->snmp, out);
		} else {
			if (t->username)
				buf_printf(out, "    username: %s\n", t->username);
			if (t->password.value)
				put_secret(out, "password", &t->password);
			if (t->api_token.value)
				put_secret(out, "api_token", &t->api_token);
			buf_printf(out, "    tls.ca_file: %s\n    tls.insecure_skip_verify: %s\n",
				   t->tls.ca_file ? t->tls.ca_file : "(system CAs)",
				   t->tls.insecure_skip_verify ? "true" : "false");
			buf_printf(out, "    max_response_bytes: %llu\n",
				   (unsigned long long)t->max_response_bytes);
		}
		put_duration(out, "    ", "interval", t->interval);
		put_duration(out, "    ", "timeout", t->timeout);
		buf_printf(out, "    retries: %u\n", t->retries);
		put_duration(out, "    ", "staleness", t->staleness);
		buf_printf(out, "    overcommit_threshold: %g\n", t->overcommit_threshold);
		for (size_t j = 0; j < t->npools; j++)
			buf_printf(out, "    pools.%s.overcommit_threshold: %g\n", t->pools[j].pool,
				   t->pools[j].overcommit_threshold);
	}
}
