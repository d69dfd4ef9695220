/* scenario.c: scenario YAML -> validated sim_scenario (see scenario.h for the
 * format), plus the growth arithmetic that turns scenario time into volume
 * and pool figures.  Growth is exact: consumption at time t is
 * floor(growth x t) in 128-bit integer arithmetic on nanoseconds, and the
 * instant a pool fills up is found once at load time by binary search, so a
 * full pool reports exactly 0 bytes free however it is sampled. */
#include "config.h"
#include "sim/scenario.h"
#include "buf.h"
#include "units.h"
#include "ytree.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NAME_MAX_LEN 255            /* DisplayString */
#define WWN_MAX_LEN 64              /* twVolumeWwn SIZE(0..64) */
#define GENERATE_MAX 10000000ULL    /* volumes_generate.count */
#define USM_MIN_PASSWORD 8          /* RFC 3414 / net-snmp minimum */
#define NS_PER_S 1000000000ULL

/* ---- personalities: the array-level keys each one accepts besides the common ones ---- */

static const char *const thinwatch_keys[] = { "pools", NULL };
static const char *const snmprec_keys[] = { "file", NULL };
/* vendor REST APIs (sim_rest.c parses the `rest` section from the node) */
static const char *const rest_keys[] = { "pools", "rest", NULL };
/* ONTAP also has LUNs inside its volumes (`luns`, read by sim_rest.c too) */
static const char *const ontap_keys[] = { "pools", "rest", "luns", NULL };

static const struct personality {
	const char *name;
	const char *const *keys;
	int rest;                  /* served over REST (sim_rest.c), not SNMP */
} personalities[] = {
	{ SIM_PERSONALITY_THINWATCH, thinwatch_keys, 0 },
	{ SIM_PERSONALITY_SNMPREC, snmprec_keys, 0 },
	{ "ontap", ontap_keys, 1 },
	{ "purefa", rest_keys, 1 },
	{ "hpe3par", rest_keys, 1 },
	{ "oceanstor", rest_keys, 1 },
	{ "powerstore", rest_keys, 1 },
	{ "ibmsv", rest_keys, 1 },
	{ "unity", rest_keys, 1 },
};

static const char *const common_array_keys[] = {
	"name", "personality", "vendor", "model", "serial", "version", "snmp", "fault",
};

static const char *const auth_protocols[] = { "MD5", "SHA", "SHA-224", "SHA-256", "SHA-384",
					       "SHA-512" };
static const char *const priv_protocols[] = { "DES", "AES", "AES-192", "AES-256" };

/* ---- small helpers ---- */

static const char *canonical(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(list[i], s) == 0)
			return list[i];
	return NULL;
}

static tw_err dup_into(char **dst, const char *s)
{
	char *p = tw_strdup(s);
	if (!p)
		return TW_ERR_NOMEM;
	free(*dst);
	*dst = p;
	return TW_OK;
}

static int printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return 0;
	return 1;
}

/* A string value for a name-like field: non-empty, printable, bounded. */
static tw_err read_name(const struct ydoc *d, const struct ynode *n, const char *what,
			size_t maxlen, char **out, char *msg, size_t msglen)
{
	const char *s;
	tw_err e = ynode_str(d, n, what, &s, msg, msglen);
	if (e)
		return e;
	if (!*s || strlen(s) > maxlen || !printable(s))
		return yerr(msg, msglen, d, n, "%s: expected 1 to %zu printable characters, got '%s'",
			    what, maxlen, s);
	return dup_into(out, s) ? TW_ERR_NOMEM : TW_OK;
}

/* Optional string: absent leaves *out NULL. */
static tw_err read_opt_string(const struct ydoc *d, const struct ynode *map, const char *key,
			      size_t maxlen, char **out, char *msg, size_t msglen)
{
	const struct ynode *n = ymap_get(map, key);
	const char *s;
	tw_err e;
	if (!n)
		return TW_OK;
	if ((e = ynode_str(d, n, key, &s, msg, msglen)))
		return e;
	if (strlen(s) > maxlen || !printable(s))
		return yerr(msg, msglen, d, n, "%s: expected at most %zu printable characters", key,
			    maxlen);
	return dup_into(out, s) ? TW_ERR_NOMEM : TW_OK;
}

static tw_err read_rate(const struct ydoc *d, const struct ynode *n, const char *what,
			uint64_t *out, char *msg, size_t msglen)
{
	tw_err e = ynode_expect(d, n, Y_SCALAR, what, msg, msglen);
	if (e)
		return e;
	if (sim_parse_rate(n->str, out))
		return yerr(msg, msglen, d, n,
			    "%s: expected bytes per second like 1GiB, 10GiB/s or 1TiB/h, got '%s'",
			    what, n->str);
	return TW_OK;
}

int sim_parse_rate(const char *s, uint64_t *out)
{
	static const struct { const char *unit; uint64_t secs; } per[] = {
		{ "s", 1 }, { "sec", 1 }, { "min", 60 }, { "m", 60 }, { "h", 3600 },
		{ "d", 86400 },
	};
	const char *slash = strchr(s, '/');
	char size[64];
	uint64_t v, secs = 1;

	if (slash) {
		size_t i, n = (size_t)(slash - s);
		if (n >= sizeof size)
			return -1;
		memcpy(size, s, n);
		size[n] = '\0';
		for (i = 0; i < TW_ARRAY_LEN(per); i++)
			if (strcmp(slash + 1, per[i].unit) == 0)
				break;
		if (i == TW_ARRAY_LEN(per))
			return -1;
		secs = per[i].secs;
		s = size;
	}
	if (tw_parse_size(s, &v))
		return -1;
	*out = v / secs + (v % secs >= (secs + 1) / 2 && secs > 1 ? 1 : 0);
	if (v && !*out)
		*out = 1;
	return 0;
}

/* Format one number with a printf-like pattern holding exactly one of
 * %u %d %x %X (optional 0 flag and width) and any number of %%.  Returns 0,
 * or -1 if the pattern is bad or the result does not fit. */
static int fmt_number(const char *fmt, uint64_t num, char *out, size_t outlen)
{
	size_t o = 0;
	int convs = 0;

	for (const char *p = fmt; *p; p++) {
		char digits[32];
		int zero = 0, n;
		unsigned width = 0;
		size_t dl;

		if (*p != '%') {
			if (o + 1 >= outlen)
				return -1;
			out[o++] = *p;
			continue;
		}
		p++;
		if (*p == '%') {
			if (o + 1 >= outlen)
				return -1;
			out[o++] = '%';
			continue;
		}
		if (*p == '0') {
			zero = 1;
			p++;
		}
		while (isdigit((unsigned char)*p)) {
			width = width * 10 + (unsigned)(*p - '0');
			if (width > 40)
				return -1;
			p++;
		}
		switch (*p) {
		case 'u':
		case 'd':
			n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)num);
			break;
		case 'x':
			n = snprintf(digits, sizeof digits, "%llx", (unsigned long long)num);
			break;
		case 'X':
			n = snprintf(digits, sizeof digits, "%llX", (unsigned long long)num);
			break;
		default:
			return -1;
		}
		if (n < 0 || ++convs > 1)
			return -1;
		dl = (size_t)n;
		for (; width > dl; width--) {
			if (o + 1 >= outlen)
				return -1;
			out[o++] = zero ? '0' : ' ';
		}
		if (o + dl >= outlen)
			return -1;
		memcpy(out + o, digits, dl);
		o += dl;
	}
	if (convs != 1)
		return -1;
	out[o] = '\0';
	return 0;
}

/* ---- growth arithmetic ---- */

uint64_t sim_time_ns(double s)
{
	if (!(s > 0))
		return 0;
	if (s >= 1.8e10) /* ~570 years: saturate well inside uint64 */
		return (uint64_t)1.8e19;
	return (uint64_t)(s * 1e9);
}

/* Growth of one volume at t_ns ignoring the pool limit: min(headroom, floor(g*t)). */
static uint64_t added_free_running(const struct sim_volume *v, uint64_t t_ns)
{
	uint64_t head = v->provisioned > v->consumed ? v->provisioned - v->consumed : 0;
	unsigned __int128 a = (unsigned __int128)v->growth * t_ns / NS_PER_S;
	return a < head ? (uint64_t)a : head;
}

static unsigned __int128 demand_at(const struct sim_pool *p, uint64_t t_ns)
{
	unsigned __int128 sum = 0;
	for (size_t i = 0; i < p->ngrowing; i++)
		sum += added_free_running(&p->vols[p->growing[i]], t_ns);
	return sum;
}

uint64_t sim_volume_consumed_at(const struct sim_pool *p, const struct sim_volume *v,
				uint64_t t_ns)
{
	if (!v->growth)
		return v->consumed;
	if (t_ns >= p->full_at_ns)
		return v->full_consumed;
	return v->consumed + added_free_running(v, t_ns);
}

uint64_t sim_pool_added_at(const struct sim_pool *p, uint64_t t_ns)
{
	if (t_ns >= p->full_at_ns)
		return p->free;
	return (uint64_t)demand_at(p, t_ns); /* < free by construction of full_at_ns */
}

/* Find the first nanosecond at which the volumes' growth reaches the pool's
 * free space, and what each volume holds then (summing exactly to free). */
static void pool_solve_growth(struct sim_pool *p)
{
	unsigned __int128 headroom = 0, over;
	uint64_t lo, hi = 0, t;

	p->full_at_ns = SIM_NEVER;
	for (size_t i = 0; i < p->nvols; i++)
		p->vols[i].full_consumed = p->vols[i].consumed;
	for (size_t i = 0; i < p->ngrowing; i++) {
		const struct sim_volume *v = &p->vols[p->growing[i]];
		uint64_t head = v->provisioned > v->consumed ? v->provisioned - v->consumed : 0;
		unsigned __int128 sat = ((unsigned __int128)head * NS_PER_S + v->growth - 1) /
					v->growth;
		headroom += head;
		if (sat > (unsigned __int128)(UINT64_MAX / 2))
			sat = UINT64_MAX / 2;
		if ((uint64_t)sat > hi)
			hi = (uint64_t)sat;
	}
	if (headroom <= p->free)
		return; /* the volumes saturate before the pool fills (or exactly as it does) */
	/* demand(hi) = headroom > free (or hi was clamped: check), demand(lo) < free unless 0 */
	if (demand_at(p, hi) < p->free)
		return;
	if (p->free == 0) {
		t = 0;
	} else {
		lo = 0; /* demand(lo) < free */
		while (hi - lo > 1) {
			uint64_t mid = lo + (hi - lo) / 2;
			if (demand_at(p, mid) >= p->free)
				hi = mid;
			else
				lo = mid;
		}
		t = hi;
	}
	p->full_at_ns = t;
	over = demand_at(p, t) - p->free;
	for (size_t i = 0; i < p->ngrowing; i++) {
		struct sim_volume *v = &p->vols[p->growing[i]];
		uint64_t now = added_free_running(v, t);
		uint64_t before = t ? added_free_running(v, t - 1) : 0;
		uint64_t jump = now - before, back = 0;
		if (over) {
			back = over < jump ? (uint64_t)over : jump;
			over -= back;
		}
		v->full_consumed = v->consumed + now - back;
	}
}

/* ---- freeing ---- */

static void volume_clear(struct sim_volume *v)
{
	free(v->name);
	free(v->wwn);
}

static void pool_clear(struct sim_pool *p)
{
	for (size_t i = 0; i < p->nvols; i++)
		volume_clear(&p->vols[i]);
	free(p->vols);
	free(p->growing);
	free(p->name);
}

static void array_clear(struct sim_array *a)
{
	free(a->name);
	free(a->vendor);
	free(a->model);
	free(a->serial);
	free(a->version);
	free(a->file);
	free(a->snmp.listen);
	free(a->snmp.community);
	for (size_t i = 0; i < a->snmp.nusers; i++) {
		free(a->snmp.users[i].name);
		free(a->snmp.users[i].auth_password);
		free(a->snmp.users[i].priv_password);
	}
	free(a->snmp.users);
	for (size_t i = 0; i < a->npools; i++)
		pool_clear(&a->pools[i]);
	free(a->pools);
}

void sim_scenario_free(struct sim_scenario *sc)
{
	if (!sc)
		return;
	for (size_t i = 0; i < sc->narrays; i++)
		array_clear(&sc->arrays[i]);
	free(sc->arrays);
	ydoc_free(sc->doc);
	free(sc);
}

struct sim_scenario *sim_scenario_new(void)
{
	return calloc(1, sizeof(struct sim_scenario));
}

/* ---- parsing ---- */

struct ctx {
	const struct ydoc *d;
	const char *basedir;
	char *msg;
	size_t msglen;
};

static tw_err parse_user(struct ctx *c, const struct ynode *n, struct sim_snmp_user *u)
{
	static const char *const keys[] = { "name", "auth_protocol", "auth_password",
					    "priv_protocol", "priv_password", NULL };
	const struct ynode *v;
	const char *s;
	tw_err e;

	if ((e = ynode_expect(c->d, n, Y_MAP, "snmp.users[]", c->msg, c->msglen)) ||
	    (e = ymap_check_keys(c->d, n, keys, c->msg, c->msglen)))
		return e;
	if (!(v = ymap_get(n, "name")))
		return yerr(c->msg, c->msglen, c->d, n, "snmp user: missing 'name'");
	if ((e = read_name(c->d, v, "snmp user name", 32, &u->name, c->msg, c->msglen)))
		return e;
	if ((v = ymap_get(n, "auth_protocol"))) {
		if ((e = ynode_str(c->d, v, "auth_protocol", &s, c->msg, c->msglen)))
			return e;
		if (!(u->auth_protocol = canonical(auth_protocols, TW_ARRAY_LEN(auth_protocols), s)))
			return yerr(c->msg, c->msglen, c->d, v,
				    "auth_protocol: expected MD5, SHA, SHA-224, SHA-256, SHA-384 or "
				    "SHA-512, got '%s'", s);
		if (!(v = ymap_get(n, "auth_password")))
			return yerr(c->msg, c->msglen, c->d, n, "snmp user '%s': missing 'auth_password'",
				    u->name);
		if ((e = ynode_str(c->d, v, "auth_password", &s, c->msg, c->msglen)))
			return e;
		if (strlen(s) < USM_MIN_PASSWORD)
			return yerr(c->msg, c->msglen, c->d, v,
				    "auth_password: SNMPv3 passwords need at least %d characters",
				    USM_MIN_PASSWORD);
		if (dup_into(&u->auth_password, s))
			return TW_ERR_NOMEM;
	} else if (ymap_get(n, "auth_password")) {
		return yerr(c->msg, c->msglen, c->d, ymap_get(n, "auth_password"),
			    "auth_password given without auth_protocol");
	}
	if ((v = ymap_get(n, "priv_protocol"))) {
		if (!u->auth_protocol)
			return yerr(c->msg, c->msglen, c->d, v,
				    "priv_protocol needs auth_protocol (authPriv)");
		if ((e = ynode_str(c->d, v, "priv_protocol", &s, c->msg, c->msglen)))
			return e;
		if (!(u->priv_protocol = canonical(priv_protocols, TW_ARRAY_LEN(priv_protocols), s)))
			return yerr(c->msg, c->msglen, c->d, v,
				    "priv_protocol: expected DES, AES, AES-192 or AES-256, got '%s'", s);
		if (!(v = ymap_get(n, "priv_password")))
			return yerr(c->msg, c->msglen, c->d, n, "snmp user '%s': missing 'priv_password'",
				    u->name);
		if ((e = ynode_str(c->d, v, "priv_password", &s, c->msg, c->msglen)))
			return e;
		if (strlen(s) < USM_MIN_PASSWORD)
			return yerr(c->msg, c->msglen, c->d, v,
				    "priv_password: SNMPv3 passwords need at least %d characters",
				    USM_MIN_PASSWORD);
		if (dup_into(&u->priv_password, s))
			return TW_ERR_NOMEM;
	} else if (ymap_get(n, "priv_password")) {
		return yerr(c->msg, c->msglen, c->d, ymap_get(n, "priv_password"),
			    "priv_password given without priv_protocol");
	}
	return TW_OK;
}

static tw_err parse_snmp(struct ctx *c, const struct ynode *n, struct sim_snmp_conf *sn)
{
	static const char *const keys[] = { "listen", "community", "users", NULL };
	const struct ynode *v;
	tw_err e;

	if ((e = ynode_expect(c->d, n, Y_MAP, "snmp", c->msg, c->msglen)) ||
	    (e = ymap_check_keys(c->d, n, keys, c->msg, c->msglen)))
		return e;
	sn->enabled = 1;
	if ((v = ymap_get(n, "listen"))) {
		char host[256];
		unsigned port;
		const char *s;
		if ((e = ynode_str(c->d, v, "snmp.listen", &s, c->msg, c->msglen)))
			return e;
		if (sim_listen_parse(s, host, sizeof host, &port, NULL, 0))
			return yerr(c->msg, c->msglen, c->d, v,
				    "snmp.listen: expected [udp:]HOST:PORT like 127.0.0.1:16100, got '%s'",
				    s);
		if (dup_into(&sn->listen, s))
			return TW_ERR_NOMEM;
	}
	if ((v = ymap_get(n, "users"))) {
		if ((e = ynode_expect(c->d, v, Y_SEQ, "snmp.users", c->msg, c->msglen)))
			return e;
		sn->users = calloc(v->n ? v->n : 1, sizeof *sn->users);
		if (!sn->users)
			return TW_ERR_NOMEM;
		for (size_t i = 0; i < v->n; i++) {
			sn->nusers++; /* counted first: a half-parsed user is freed too */
			if ((e = parse_user(c, v->items[i], &sn->users[i])))
				return e;
			for (size_t j = 0; j < i; j++)
				if (strcmp(sn->users[j].name, sn->users[i].name) == 0)
					return yerr(c->msg, c->msglen, c->d, v->items[i],
						    "snmp user '%s' defined twice", sn->users[i].name);
		}
	}
	if ((v = ymap_get(n, "community"))) {
		if ((e = read_name(c->d, v, "snmp.community", 64, &sn->community, c->msg, c->msglen)))
			return e;
	} else if (!sn->nusers) {
		if (dup_into(&sn->community, "public"))
			return TW_ERR_NOMEM;
	}
	return TW_OK;
}

/* Fields a listed volume and volumes_generate share. */
static tw_err parse_volume_figures(struct ctx *c, const struct ynode *n, const char *what,
				   struct sim_volume *v)
{
	const struct ynode *x;
	tw_err e;

	if (!(x = ymap_get(n, "provisioned")))
		return yerr(c->msg, c->msglen, c->d, n, "%s: missing 'provisioned'", what);
	if ((e = ynode_size(c->d, x, "provisioned", &v->provisioned, c->msg, c->msglen)))
		return e;
	if (!(x = ymap_get(n, "consumed")))
		return yerr(c->msg, c->msglen, c->d, n, "%s: missing 'consumed'", what);
	if ((e = ynode_size(c->d, x, "consumed", &v->consumed, c->msg, c->msglen)))
		return e;
	v->thin = 1;
	if ((x = ymap_get(n, "thin")) && (e = ynode_bool(c->d, x, "thin", &v->thin, c->msg,
							   c->msglen)))
		return e;
	if ((x = ymap_get(n, "growth")) &&
	    (e = read_rate(c->d, x, "growth", &v->growth, c->msg, c->msglen)))
		return e;
	return TW_OK;
}

static tw_err parse_volume(struct ctx *c, const struct ynode *n, struct sim_volume *v)
{
	static const char *const keys[] = { "name", "provisioned", "consumed", "thin", "wwn",
					    "growth", NULL };
	const struct ynode *x;
	tw_err e;

	if ((e = ynode_expect(c->d, n, Y_MAP, "volumes[]", c->msg, c->msglen)) ||
	    (e = ymap_check_keys(c->d, n, keys, c->msg, c->msglen)))
		return e;
	if (!(x = ymap_get(n, "name")))
		return yerr(c->msg, c->msglen, c->d, n, "volume: missing 'name'");
	if ((e = read_name(c->d, x, "volume name", NAME_MAX_LEN, &v->name, c->msg, c->msglen)))
		return e;
	if ((e = parse_volume_figures(c, n, "volume", v)) ||
	    (e = read_opt_string(c->d, n, "wwn", WWN_MAX_LEN, &v->wwn, c->msg, c->msglen)))
		return e;
	if (!v->wwn && dup_into(&v->wwn, ""))
		return TW_ERR_NOMEM;
	return TW_OK;
}

/* volumes_generate: appends count volumes to p->vols (room already made). */
static tw_err parse_generate(struct ctx *c, const struct ynode *n, struct sim_pool *p,
			     uint64_t count)
{
	const struct ynode *x;
	const char *name_fmt = "vol%06u", *wwn_fmt = NULL;
	uint64_t start = 1;
	struct sim_volume tmpl = { 0 };
	char buf[NAME_MAX_LEN + 1];
	tw_err e;

	if ((x = ymap_get(n, "name_format")) &&
	    (e = ynode_str(c->d, x, "name_format", &name_fmt, c->msg, c->msglen)))
		return e;
	if (fmt_number(name_fmt, 0, buf, sizeof buf))
		return yerr(c->msg, c->msglen, c->d, x ? x : n,
			    "name_format: expected text with exactly one %%u, %%d, %%x or %%X "
			    "(optionally like %%06u), got '%s'", name_fmt);
	if ((x = ymap_get(n, "wwn_format"))) {
		if ((e = ynode_str(c->d, x, "wwn_format", &wwn_fmt, c->msg, c->msglen)))
			return e;
		if (fmt_number(wwn_fmt, 0, buf, WWN_MAX_LEN + 1))
			return yerr(c->msg, c->msglen, c->d, x,
				    "wwn_format: expected at most %d characters with exactly one "
				    "%%u, %%d, %%x or %%X, got '%s'", WWN_MAX_LEN, wwn_fmt);
	}
	if ((x = ymap_get(n, "start")) &&
	    (e = ynode_u64(c->d, x, "start", 0, UINT32_MAX, &start, c->msg, c->msglen)))
		return e;
	if ((e = parse_volume_figures(c, n, "volumes_generate", &tmpl)))
		return e;
	for (uint64_t i = 0; i < count; i++) {
		struct sim_volume *v = &p->vols[p->nvols];
		*v = tmpl;
		v->name = v->wwn = NULL;
		if (fmt_number(name_fmt, start + i, buf, sizeof buf))
			return yerr(c->msg, c->msglen, c->d, n,
				    "volumes_generate: name %llu does not fit in %d characters",
				    (unsigned long long)(start + i), NAME_MAX_LEN);
		if (dup_into(&v->name, buf))
			return TW_ERR_NOMEM;
		p->nvols++;
		if (wwn_fmt) {
			if (fmt_number(wwn_fmt, start + i, buf, WWN_MAX_LEN + 1))
				return yerr(c->msg, c->msglen, c->d, n,
					    "volumes_generate: wwn %llu does not fit in %d characters",
					    (unsigned long long)(start + i), WWN_MAX_LEN);
		} else {
			buf[0] = '\0';
		}
		if (dup_into(&v->wwn, buf))
			return TW_ERR_NOMEM;
	}
	return TW_OK;
}

static tw_err parse_pool(struct ctx *c, const struct ynode *n, struct sim_pool *p)
{
	static const char *const keys[] = { "name", "capacity", "free", "used", "volumes",
					    "volumes_generate", NULL };
	static const char *const gen_keys[] = { "count", "name_format", "start", "provisioned",
						"consumed", "thin", "growth", "wwn_format", NULL };
	const struct ynode *x, *vols, *gen;
	uint64_t count = 0, sum = 0;
	size_t room;
	int have_free = 0, have_used = 0;
	tw_err e;

	if ((e = ynode_expect(c->d, n, Y_MAP, "pools[]", c->msg, c->msglen)) ||
	    (e = ymap_check_keys(c->d, n, keys, c->msg, c->msglen)))
		return e;
	if (!(x = ymap_get(n, "name")))
		return yerr(c->msg, c->msglen, c->d, n, "pool: missing 'name'");
	if ((e = read_name(c->d, x, "pool name", NAME_MAX_LEN, &p->name, c->msg, c->msglen)))
		return e;
	if (!(x = ymap_get(n, "capacity")))
		return yerr(c->msg, c->msglen, c->d, n, "pool '%s': missing 'capacity'", p->name);
	if ((e = ynode_size(c->d, x, "capacity", &p->capacity, c->msg, c->msglen)))
		return e;
	if ((x = ymap_get(n, "free"))) {
		if ((e = ynode_size(c->d, x, "free", &p->free, c->msg, c->msglen)))
			return e;
		if (p->free > p->capacity)
			return yerr(c->msg, c->msglen, c->d, x, "pool '%s': free exceeds capacity",
				    p->name);
		have_free = 1;
	}
	if ((x = ymap_get(n, "used"))) {
		if ((e = ynode_size(c->d, x, "used", &p->used, c->msg, c->msglen)))
			return e;
		have_used = 1;
	}

	vols = ymap_get(n, "volumes");
	if (vols && (e = ynode_expect(c->d, vols, Y_SEQ, "volumes", c->msg, c->msglen)))
		return e;
	gen = ymap_get(n, "volumes_generate");
	if (gen) {
		if ((e = ynode_expect(c->d, gen, Y_MAP, "volumes_generate", c->msg, c->msglen)) ||
		    (e = ymap_check_keys(c->d, gen, gen_keys, c->msg, c->msglen)))
			return e;
		if (!(x = ymap_get(gen, "count")))
			return yerr(c->msg, c->msglen, c->d, gen, "volumes_generate: missing 'count'");
		if ((e = ynode_u64(c->d, x, "volumes_generate.count", 0, GENERATE_MAX, &count,
				   c->msg, c->msglen)))
			return e;
	}
	room = (vols ? vols->n : 0) + (size_t)count;
	p->vols = calloc(room ? room : 1, sizeof *p->vols);
	if (!p->vols)
		return TW_ERR_NOMEM;
	for (size_t i = 0; vols && i < vols->n; i++) {
		if ((e = parse_volume(c, vols->items[i], &p->vols[i]))) {
			p->nvols = i + 1; /* free what was filled in */
			return e;
		}
		p->nvols = i + 1;
	}
	if (gen && (e = parse_generate(c, gen, p, count)))
		return e;

	p->growing = calloc(p->nvols ? p->nvols : 1, sizeof *p->growing);
	if (!p->growing)
		return TW_ERR_NOMEM;
	for (size_t i = 0; i < p->nvols; i++) {
		if (sum > UINT64_MAX - p->vols[i].consumed)
			return yerr(c->msg, c->msglen, c->d, n, "pool '%s': consumption overflows",
				    p->name);
		sum += p->vols[i].consumed;
		if (p->vols[i].growth)
			p->growing[p->ngrowing++] = i;
	}
	if (!have_free) {
		if (sum > p->capacity)
			return yerr(c->msg, c->msglen, c->d, n,
				    "pool '%s': its volumes consume %llu bytes, more than its capacity "
				    "%llu; give 'free' explicitly if that is intended", p->name,
				    (unsigned long long)sum, (unsigned long long)p->capacity);
		p->free = p->capacity - sum;
	}
	if (!have_used)
		p->used = p->capacity - p->free;
	else if (p->used > p->capacity - p->free)
		return yerr(c->msg, c->msglen, c->d, ymap_get(n, "used"),
			    "pool '%s': used + free exceed capacity", p->name);
	pool_solve_growth(p);
	return TW_OK;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Volume names are unique within an array (DESIGN: the `volume` label). */
static tw_err check_volume_names(struct ctx *c, const struct sim_array *a)
{
	size_t n = 0, k = 0;
	const char **names;
	tw_err e = TW_OK;

	for (size_t i = 0; i < a->npools; i++)
		n += a->pools[i].nvols;
	if (n < 2)
		return TW_OK;
	names = malloc(n * sizeof *names);
	if (!names)
		return TW_ERR_NOMEM;
	for (size_t i = 0; i < a->npools; i++)
		for (size_t j = 0; j < a->pools[i].nvols; j++)
			names[k++] = a->pools[i].vols[j].name;
	qsort(names, n, sizeof *names, cmp_strp);
	for (size_t i = 1; i < n; i++)
		if (strcmp(names[i - 1], names[i]) == 0) {
			e = yerr(c->msg, c->msglen, c->d, a->node,
				 "array '%s': volume name '%s' used twice", a->name, names[i]);
			break;
		}
	free(names);
	return e;
}

static tw_err resolve_path(const char *basedir, const char *file, char **out)
{
	struct buf b;
	if (file[0] == '/' || !basedir || !*basedir)
		return dup_into(out, file) ? TW_ERR_NOMEM : TW_OK;
	buf_init(&b, 8192);
	buf_puts(&b, basedir);
	buf_putc(&b, '/');
	buf_puts(&b, file);
	if (buf_failed(&b)) {
		buf_free(&b);
		return TW_ERR_NOMEM;
	}
	free(*out);
	*out = buf_detach(&b, NULL);
	return *out ? TW_OK : TW_ERR_NOMEM;
}

static tw_err parse_array(struct ctx *c, const struct ynode *n, struct sim_array *a)
{
	const char *keys[TW_ARRAY_LEN(common_array_keys) + 8];
	const struct personality *pers = &personalities[0];
	const struct ynode *x;
	size_t nk = 0;
	tw_err e;

	if ((e = ynode_expect(c->d, n, Y_MAP, "arrays[]", c->msg, c->msglen)))
		return e;
	a->node = n;
	sim_fault_init(&a->fault);
	snprintf(a->where, sizeof a->where, "%s:%d:%d", c->d->file, n->line, n->col);
	if ((x = ymap_get(n, "personality"))) {
		const char *s;
		size_t i;
		if ((e = ynode_str(c->d, x, "personality", &s, c->msg, c->msglen)))
			return e;
		for (i = 0; i < TW_ARRAY_LEN(personalities); i++)
			if (strcmp(personalities[i].name, s) == 0)
				break;
		if (i == TW_ARRAY_LEN(personalities))
			return yerr(c->msg, c->msglen, c->d, x,
				    "personality: expected thinwatch, snmprec, ontap, purefa, hpe3par, "
				    "oceanstor, powerstore, ibmsv or unity, got '%s'", s);
		pers = &personalities[i];
	}
	a->personality = pers->name;
	for (size_t i = 0; i < TW_ARRAY_LEN(common_array_keys); i++)
		keys[nk++] = common_array_keys[i];
	for (size_t i = 0; pers->keys[i] && nk < TW_ARRAY_LEN(keys) - 1; i++)
		keys[nk++] = pers->keys[i];
	keys[nk] = NULL;
	if ((e = ymap_check_keys(c->d, n, keys, c->msg, c->msglen)))
		return e;

	if (!(x = ymap_get(n, "name")))
		return yerr(c->msg, c->msglen, c->d, n, "array: missing 'name'");
	if ((e = read_name(c->d, x, "array name", NAME_MAX_LEN, &a->name, c->msg, c->msglen)))
		return e;
	if (strchr(a->name, '=') || strchr(a->name, ' '))
		return yerr(c->msg, c->msglen, c->d, x, "array name: no spaces or '=' please, got '%s'",
			    a->name);
	if ((e = read_opt_string(c->d, n, "vendor", NAME_MAX_LEN, &a->vendor, c->msg, c->msglen)) ||
	    (e = read_opt_string(c->d, n, "model", NAME_MAX_LEN, &a->model, c->msg, c->msglen)) ||
	    (e = read_opt_string(c->d, n, "serial", NAME_MAX_LEN, &a->serial, c->msg, c->msglen)) ||
	    (e = read_opt_string(c->d, n, "version", NAME_MAX_LEN, &a->version, c->msg,
				 c->msglen)))
		return e;
	if ((x = ymap_get(n, "snmp")) && (e = parse_snmp(c, x, &a->snmp)))
		return e;
	if ((x = ymap_get(n, "fault"))) {
		char why[160];
		if ((e = sim_fault_from_yaml(c->d, x, &a->fault, c->msg, c->msglen)))
			return e;
		if (sim_fault_check_for(&a->fault, pers->rest ? SIM_FAULT_REST : SIM_FAULT_SNMP, why,
					sizeof why))
			return yerr(c->msg, c->msglen, c->d, x, "array '%s': %s", a->name, why);
	}

	if (strcmp(a->personality, SIM_PERSONALITY_SNMPREC) == 0) {
		const char *s;
		if (!(x = ymap_get(n, "file")))
			return yerr(c->msg, c->msglen, c->d, n,
				    "array '%s': personality snmprec needs 'file'", a->name);
		if ((e = ynode_str(c->d, x, "file", &s, c->msg, c->msglen)))
			return e;
		if ((e = resolve_path(c->basedir, s, &a->file)))
			return e;
		if (!a->snmp.enabled) {
			a->snmp.enabled = 1;
			if (dup_into(&a->snmp.community, "public"))
				return TW_ERR_NOMEM;
		}
		return TW_OK;
	}

	/* thinwatch: an SNMP agent over pools and volumes; REST personalities:
	 * the same pools served over HTTP(S) (sim_rest.c reads `rest`) */
	if (pers->rest) {
		if (a->snmp.enabled)
			return yerr(c->msg, c->msglen, c->d, n,
				    "array '%s': personality %s is served over REST, not SNMP",
				    a->name, a->personality);
		if (!ymap_get(n, "rest"))
			return yerr(c->msg, c->msglen, c->d, n,
				    "array '%s': personality %s needs a 'rest' section", a->name,
				    a->personality);
	} else if (!a->snmp.enabled) {
		return yerr(c->msg, c->msglen, c->d, n,
			    "array '%s': personality thinwatch needs an 'snmp' section", a->name);
	}
	if ((x = ymap_get(n, "pools"))) {
		if ((e = ynode_expect(c->d, x, Y_SEQ, "pools", c->msg, c->msglen)))
			return e;
		a->pools = calloc(x->n ? x->n : 1, sizeof *a->pools);
		if (!a->pools)
			return TW_ERR_NOMEM;
		for (size_t i = 0; i < x->n; i++) {
			a->npools = i + 1;
			if ((e = parse_pool(c, x->items[i], &a->pools[i])))
				return e;
			for (size_t j = 0; j < i; j++)
				if (strcmp(a->pools[j].name, a->pools[i].name) == 0)
					return yerr(c->msg, c->msglen, c->d, x->items[i],
						    "array '%s': pool '%s' defined twice", a->name,
						    a->pools[i].name);
		}
	}
	return check_volume_names(c, a);
}

static tw_err parse_scenario(struct ctx *c, struct sim_scenario *sc)
{
	static const char *const keys[] = { "arrays", NULL };
	const struct ynode *root = c->d->root, *arrays;
	tw_err e;

	if (!root)
		return yerr(c->msg, c->msglen, c->d, NULL, "empty scenario: expected 'arrays:'");
	if ((e = ynode_expect(c->d, root, Y_MAP, "scenario", c->msg, c->msglen)) ||
	    (e = ymap_check_keys(c->d, root, keys, c->msg, c->msglen)))
		return e;
	if (!(arrays = ymap_get(root, "arrays")))
		return yerr(c->msg, c->msglen, c->d, root, "missing 'arrays'");
	if ((e = ynode_expect(c->d, arrays, Y_SEQ, "arrays", c->msg, c->msglen)))
		return e;
	if (arrays->n == 0)
		return yerr(c->msg, c->msglen, c->d, arrays, "arrays: expected at least one array");
	sc->arrays = calloc(arrays->n, sizeof *sc->arrays);
	if (!sc->arrays)
		return TW_ERR_NOMEM;
	for (size_t i = 0; i < arrays->n; i++) {
		sc->narrays = i + 1;
		if ((e = parse_array(c, arrays->items[i], &sc->arrays[i])))
			return e;
		for (size_t j = 0; j < i; j++)
			if (strcmp(sc->arrays[j].name, sc->arrays[i].name) == 0)
				return yerr(c->msg, c->msglen, c->d, arrays->items[i],
					    "array '%s' defined twice", sc->arrays[i].name);
	}
	return TW_OK;
}

static tw_err finish_load(struct ydoc *doc, const char *basedir, struct sim_scenario **out,
			  char *msg, size_t msglen)
{
	struct sim_scenario *sc = sim_scenario_new();
	struct ctx c = { doc, basedir, msg, msglen };
	tw_err e;

	if (!sc) {
		ydoc_free(doc);
		return tw_seterr(msg, msglen, TW_ERR_NOMEM, "out of memory");
	}
	sc->doc = doc;
	e = parse_scenario(&c, sc);
	if (e) {
		if (e == TW_ERR_NOMEM)
			tw_seterr(msg, msglen, e, "%s: out of memory", doc->file);
		sim_scenario_free(sc);
		return e;
	}
	*out = sc;
	return TW_OK;
}

tw_err sim_scenario_load_string(const char *name, const char *text, size_t len,
				const char *basedir, struct sim_scenario **out, char *msg,
				size_t msglen)
{
	struct ydoc *doc;
	tw_err e;

	*out = NULL;
	if ((e = ydoc_load_string(name, text, len, &doc, msg, msglen)))
		return e;
	return finish_load(doc, basedir, out, msg, msglen);
}

tw_err sim_scenario_load(const char *path, struct sim_scenario **out, char *msg, size_t msglen)
{
	struct ydoc *doc;
	char dir[4096];
	const char *slash = strrchr(path, '/');
	tw_err e;

	*out = NULL;
	if (slash) {
		size_t n = (size_t)(slash - path);
		if (n >= sizeof dir)
			return tw_seterr(msg, msglen, TW_ERR_CONFIG, "%s: path too long", path);
		memcpy(dir, path, n);
		dir[n] = '\0';
		if (n == 0)
			snprintf(dir, sizeof dir, "/");
	} else {
		dir[0] = '\0';
	}
	if ((e = ydoc_load_file(path, &doc, msg, msglen)))
		return e;
	return finish_load(doc, dir, out, msg, msglen);
}

/* ---- command-line additions and overrides ---- */

struct sim_array *sim_scenario_find(struct sim_scenario *sc, const char *name)
{
	for (size_t i = 0; i < sc->narrays; i++)
		if (strcmp(sc->arrays[i].name, name) == 0)
			return &sc->arrays[i];
	return NULL;
}

tw_err sim_scenario_add_snmprec(struct sim_scenario *sc, const char *name, const char *file,
				const char *listen, char *msg, size_t msglen)
{
	char base[NAME_MAX_LEN + 1];
	struct sim_array *arrays, *a;

	if (!name) {
		const char *b = strrchr(file, '/');
		const char *dot;
		size_t n;
		b = b ? b + 1 : file;
		dot = strrchr(b, '.');
		n = dot && dot != b ? (size_t)(dot - b) : strlen(b);
		if (n == 0 || n > NAME_MAX_LEN)
			return tw_seterr(msg, msglen, TW_ERR_CONFIG,
					 "--snmprec %s: cannot name an array after this file", file);
		memcpy(base, b, n);
		base[n] = '\0';
		name = base;
	}
	if (!*name || strchr(name, '=') || strchr(name, ' '))
		return tw_seterr(msg, msglen, TW_ERR_CONFIG, "--snmprec: bad array name '%s'", name);
	if (sim_scenario_find(sc, name))
		return tw_seterr(msg, msglen, TW_ERR_CONFIG,
				 "--snmprec %s: an array named '%s' already exists (name it with "
				 "NAME=FILE)", file, name);
	if (listen) {
		char host[256];
		unsigned port;
		tw_err e = sim_listen_parse(listen, host, sizeof host, &port, msg, msglen);
		if (e)
			return e;
	}
	arrays = realloc(sc->arrays, (sc->narrays + 1) * sizeof *arrays);
	if (!arrays)
		return tw_seterr(msg, msglen, TW_ERR_NOMEM, "out of memory");
	sc->arrays = arrays;
	a = &arrays[sc->narrays];
	memset(a, 0, sizeof *a);
	sim_fault_init(&a->fault);
	a->personality = SIM_PERSONALITY_SNMPREC;
	a->snmp.enabled = 1;
	snprintf(a->where, sizeof a->where, "--snmprec %s", file);
	sc->narrays++;
	if (dup_into(&a->name, name) || dup_into(&a->file, file) ||
	    dup_into(&a->snmp.community, "public") || (listen && dup_into(&a->snmp.listen, listen)))
		return tw_seterr(msg, msglen, TW_ERR_NOMEM, "out of memory");
	return TW_OK;
}

/* Split "NAME=VALUE" and find the array. */
static tw_err split_spec(struct sim_scenario *sc, const char *opt, const char *spec,
			 struct sim_array **a, const char **value, char *msg, size_t msglen)
{
	const char *eq = strchr(spec, '=');
	char name[NAME_MAX_LEN + 1];
	size_t n;

	if (!eq || eq == spec || !eq[1])
		return tw_seterr(msg, msglen, TW_ERR_CONFIG, "%s %s: expected NAME=VALUE", opt, spec);
	n = (size_t)(eq - spec);
	if (n > NAME_MAX_LEN)
		return tw_seterr(msg, msglen, TW_ERR_CONFIG, "%s: array name too long", opt);
	memcpy(name, spec, n);
	name[n] = '\0';
	if (!(*a = sim_scenario_find(sc, name)))
		return tw_seterr(msg, msglen, TW_ERR_NOT_FOUND, "%s %s: no array named '%s'", opt,
				 spec, name);
	*value = eq + 1;
	return TW_OK;
}

tw_err sim_scenario_set_listen(struct sim_scenario *sc, const char *spec, char *msg,
			       size_t msglen)
{
	struct sim_array *a;
	const char *addr;
	char host[256];
	unsigned port;
	tw_err e;

	if ((e = split_spec(sc, "--listen", spec, &a, &addr, msg, msglen)) ||
	    (e = sim_listen_parse(addr, host, sizeof host, &port, msg, msglen)))
		return e;
	if (!a->snmp.enabled)
		return tw_seterr(msg, msglen, TW_ERR_CONFIG, "--listen %s: array '%s' has no SNMP",
				 spec, a->name);
	return dup_into(&a->snmp.listen, addr) ? tw_seterr(msg, msglen, TW_ERR_NOMEM, "out of memory")
					       : TW_OK;
}

tw_err sim_scenario_set_community(struct sim_scenario *sc, const char *spec, char *msg,
				  size_t msglen)
{
	struct sim_array *a;
	const char *community;
	tw_err e;

	if ((e = split_spec(sc, "--community", spec, &a, &community, msg, msglen)))
		return e;
	if (strlen(community) > 64 || !printable(community))
		return tw_seterr(msg, msglen, TW_ERR_CONFIG, "--community: bad community for '%s'",
				 a->name);
	return dup_into(&a->snmp.community, community)
		       ? tw_seterr(msg, msglen, TW_ERR_NOMEM, "out of memory")
		       : TW_OK;
}

tw_err sim_listen_parse(const char *s, char *host, size_t hostlen, unsigned *port, char *msg,
			size_t msglen)
{
	const char *colon;
	uint64_t p;
	size_t n;

	if (strncmp(s, "udp:", 4) == 0)
		s += 4;
	else if (strncmp(s, "tcp:", 4) == 0 || strncmp(s, "udp6:", 5) == 0 ||
		 strncmp(s, "tcp6:", 5) == 0 || strncmp(s, "unix:", 5) == 0)
		return tw_seterr(msg, msglen, TW_ERR_CONFIG,
				 "listen %s: the simulator serves SNMP over UDP/IPv4 only", s);
	colon = strrchr(s, ':');
	if (!colon || colon == s)
		return tw_seterr(msg, msglen, TW_ERR_CONFIG,
				 "listen %s: expected [udp:]HOST:PORT like 127.0.0.1:16100", s);
	n = (size_t)(colon - s);
	if (n >= hostlen || memchr(s, ':', n))
		return tw_seterr(msg, msglen, TW_ERR_CONFIG, "listen %s: bad host", s);
	if (tw_parse_u64(colon + 1, &p) || p < 1 || p > 65535)
		return tw_seterr(msg, msglen, TW_ERR_CONFIG, "listen %s: port must be 1 to 65535", s);
	memcpy(host, s, n);
	host[n] = '\0';
	*port = (unsigned)p;
	return TW_OK;
}

tw_err sim_scenario_check(const struct sim_scenario *sc, char *msg, size_t msglen)
{
	unsigned *ports;
	tw_err e = TW_OK;

	if (!sc->narrays)
		return tw_seterr(msg, msglen, TW_ERR_CONFIG,
				 "nothing to simulate: give --scenario or --snmprec");
	ports = calloc(sc->narrays, sizeof *ports);
	if (!ports)
		return tw_seterr(msg, msglen, TW_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < sc->narrays && !e; i++) {
		const struct sim_array *a = &sc->arrays[i];
		char host[256];
		if (!a->snmp.enabled)
			continue;
		if (!a->snmp.listen) {
			e = tw_seterr(msg, msglen, TW_ERR_CONFIG,
				      "%s: array '%s' has no snmp.listen address (set it in the "
				      "scenario or with --listen %s=127.0.0.1:PORT)", a->where, a->name,
				      a->name);
			break;
		}
		if ((e = sim_listen_parse(a->snmp.listen, host, sizeof host, &ports[i], msg, msglen)))
			break;
		if (!a->snmp.community && !a->snmp.nusers) {
			e = tw_seterr(msg, msglen, TW_ERR_CONFIG,
				      "%s: array '%s' has neither a community nor SNMPv3 users",
				      a->where, a->name);
			break;
		}
		for (size_t j = 0; j < i; j++)
			if (sc->arrays[j].snmp.enabled && ports[j] == ports[i]) {
				e = tw_seterr(msg, msglen, TW_ERR_CONFIG,
					      "arrays '%s' and '%s' both listen on port %u; each array "
					      "needs its own port", sc->arrays[j].name, a->name, ports[i]);
				break;
			}
	}
	free(ports);
	return e;
}
