/* profile.c: SNMP profile loader (YAML -> struct profile), profile lookup
 * and auto-selection, and the pure mapping of walk results to the data
 * model (profile.h; the format is documented in docs/profiles.md).
 *
 * Layout of the code: the structs below mirror the YAML; load_* functions
 * parse one section each; build_targets() derives the OIDs to fetch;
 * map_* functions turn a walk_result into pools and volumes.  A new column
 * feature is a key in load_colspec() plus a step in col_figure() or
 * col_text(); a new link kind is a case in load_colspec() and
 * resolve_pool(). */
#include "config.h"
#include "profile.h"
#include "log.h"
#include "ytree.h"
#include "units.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TWO63 ((uint64_t)1 << 63)

/* ------------------------------------------------------------------ */
/* data                                                                */

struct oidv {
	size_t n;
	uint32_t s[WALK_OID_MAX];
};

enum idx_kind { IX_INTEGER, IX_STRING, IX_IMPLIED };
enum link_kind { LINK_NONE, LINK_INDEX, LINK_NAME, LINK_COMPONENT };
enum wwn_format { FMT_AUTO, FMT_TEXT, FMT_HEX };
enum sanity_action { SAN_INVALIDATE, SAN_SKIP, SAN_IGNORE };
enum filt_op { F_EQ, F_NE, F_RE, F_NRE };

struct mapent {
	char *from;
	int to; /* thin: 0/1 */
};

struct colspec {
	const char *name;     /* role or extra name (points into the profile's strings) */
	int defined;
	int line, col;
	struct oidv oid;      /* the column, or empty when hi/lo are used */
	struct oidv hi, lo;   /* 32-bit halves */
	uint64_t scale;       /* bytes per unit (1) */
	int mul;              /* multiply by this column of the table, -1 none */
	struct mapent *map;
	size_t nmap;
	enum link_kind link;
	unsigned component;   /* LINK_COMPONENT: 1-based index component */
	char *name_prefix;    /* pool name prefix when there is no pools table */
	enum wwn_format fmt;
};

struct filter {
	int col;
	enum filt_op op;
	char *value;
	regex_t re;
	int re_ok;
};

struct table {
	int present;
	const char *what;     /* "pools" / "volumes" */
	struct oidv entry;
	enum idx_kind *kinds; /* NULL = index structure unknown ("any") */
	size_t nkinds;
	struct colspec *cols; /* roles (fixed positions), then extras */
	size_t ncols, nroles;
	char **extra_names;
	size_t nextra;
	struct filter *filters;
	size_t nfilters;
};

struct infospec {
	int has_oid;
	struct oidv oid;
	char *value;          /* constant, or fallback when the OID is absent */
};

enum { P_NAME, P_CAPACITY, P_USED, P_FREE, P_PROVISIONED, P_NROLES };
enum { V_NAME, V_PROVISIONED, V_CONSUMED, V_THIN, V_WWN, V_POOL, V_NROLES };
enum { I_VENDOR, I_MODEL, I_SERIAL, I_VERSION, I_N };

static const char *const pool_roles[] = { "name", "capacity", "used", "free", "provisioned", NULL };
static const char *const vol_roles[] = { "name", "provisioned", "consumed", "thin", "wwn", "pool",
					 NULL };
static const char *const info_keys[] = { "vendor", "model", "serial", "version", NULL };

struct profile {
	char *name, *description, *file;
	struct oidv *match_oid;
	size_t nmatch_oid;
	regex_t *match_descr;
	size_t nmatch_descr;
	int has_match;
	struct infospec info[I_N];
	struct table pools, volumes;
	uint64_t max_bytes;
	enum sanity_action used_over_capacity;
	struct walk_target *targets;
	size_t ntargets;
};

/* ------------------------------------------------------------------ */
/* freeing                                                             */

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->ncols; i++) {
		struct colspec *c = &t->cols[i];
		for (size_t j = 0; j < c->nmap; j++)
			free(c->map[j].from);
		free(c->map);
		free(c->name_prefix);
	}
	free(t->cols);
	for (size_t i = 0; i < t->nextra; i++)
		free(t->extra_names[i]);
	free(t->extra_names);
	for (size_t i = 0; i < t->nfilters; i++) {
		free(t->filters[i].value);
		if (t->filters[i].re_ok)
			regfree(&t->filters[i].re);
	}
	free(t->filters);
	free(t->kinds);
}

void profile_free(struct profile *p)
{
	if (!p)
		return;
	free(p->name);
	free(p->description);
	free(p->file);
	free(p->match_oid);
	for (size_t i = 0; i < p->nmatch_descr; i++)
		regfree(&p->match_descr[i]);
	free(p->match_descr);
	for (int i = 0; i < I_N; i++)
		free(p->info[i].value);
	table_free(&p->pools);
	table_free(&p->volumes);
	free(p->targets);
	free(p);
}

const char *profile_name(const struct profile *p)
{
	return p->name;
}

const char *profile_file(const struct profile *p)
{
	return p->file;
}

const char *profile_description(const struct profile *p)
{
	return p->description ? p->description : "";
}

const struct walk_target *profile_targets(const struct profile *p, size_t *n)
{
	*n = p->ntargets;
	return p->targets;
}

int profile_has_match(const struct profile *p)
{
	return p->has_match;
}

/* ------------------------------------------------------------------ */
/* loading                                                             */

struct ld {
	const struct ydoc *d;
	char *msg;
	size_t msglen;
};

static tw_err ld_oid(struct ld *L, const struct ynode *n, const char *what, struct oidv *out)
{
	const char *s;
	tw_err e = ynode_str(L->d, n, what, &s, L->msg, L->msglen);
	if (e)
		return e;
	if (walk_oid_parse(s, out->s, WALK_OID_MAX, &out->n) || out->n < 2)
		return yerr(L->msg, L->msglen, L->d, n,
			    "%s: expected a numeric OID like 1.3.6.1.4.1.424242.1.1.1.0, got '%s'", what,
			    s);
	return TW_OK;
}

/* A column reference: "N" = entry.N, or an absolute OID. */
static tw_err ld_column_oid(struct ld *L, const struct ynode *n, const char *what,
			    const struct oidv *entry, struct oidv *out)
{
	const char *s;
	uint64_t v;
	tw_err e = ynode_str(L->d, n, what, &s, L->msg, L->msglen);
	if (e)
		return e;
	if (strchr(s, '.') == NULL) {
		if (tw_parse_u64(s, &v) || v > UINT32_MAX)
			return yerr(L->msg, L->msglen, L->d, n,
				    "%s: expected a column number of the entry or a numeric OID, got '%s'",
				    what, s);
		if (entry->n + 1 > WALK_OID_MAX)
			return yerr(L->msg, L->msglen, L->d, n, "%s: OID too long", what);
		*out = *entry;
		out->s[out->n++] = (uint32_t)v;
		return TW_OK;
	}
	if (walk_oid_parse(s, out->s, WALK_OID_MAX, &out->n) || out->n < 2)
		return yerr(L->msg, L->msglen, L->d, n,
			    "%s: expected a column number of the entry or a numeric OID, got '%s'", what,
			    s);
	return TW_OK;
}

/* A scalar or a list of scalars. */
static tw_err ld_str_list(struct ld *L, const struct ynode *n, const char *what,
			  const struct ynode ***items, size_t *count, const struct ynode **one)
{
	if (n->type == Y_SCALAR) {
		*one = n;
		*items = one;
		*count = 1;
		return TW_OK;
	}
	if (n->type != Y_SEQ)
		return yerr(L->msg, L->msglen, L->d, n, "%s: expected a value or a list of values",
			    what);
	for (size_t i = 0; i < n->n; i++)
		if (n->items[i]->type != Y_SCALAR)
			return yerr(L->msg, L->msglen, L->d, n->items[i], "%s: expected a value", what);
	*items = (const struct ynode **)n->items;
	*count = n->n;
	return TW_OK;
}

static tw_err ld_regex(struct ld *L, const struct ynode *n, const char *what, regex_t *re)
{
	int rc = regcomp(re, n->str, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		char err[160];
		regerror(rc, re, err, sizeof err);
		return yerr(L->msg, L->msglen, L->d, n, "%s: bad regular expression '%s': %s", what,
			    n->str, err);
	}
	return TW_OK;
}

static tw_err load_match(struct ld *L, struct profile *p, const struct ynode *m)
{
	static const char *const keys[] = { "sys_object_id", "sys_descr", NULL };
	const struct ynode *n, **items, *one;
	size_t cnt;
	tw_err e;

	if ((e = ynode_expect(L->d, m, Y_MAP, "match", L->msg, L->msglen)) ||
	    (e = ymap_check_keys(L->d, m, keys, L->msg, L->msglen)))
		return e;
	if ((n = ymap_get(m, "sys_object_id"))) {
		if ((e = ld_str_list(L, n, "match.sys_object_id", &items, &cnt, &one)))
			return e;
		p->match_oid = calloc(cnt ? cnt : 1, sizeof *p->match_oid);
		if (!p->match_oid)
			return TW_ERR_NOMEM;
		for (size_t i = 0; i < cnt; i++) {
			if ((e = ld_oid(L, items[i], "match.sys_object_id", &p->match_oid[i])))
				return e;
			p->nmatch_oid++;
		}
	}
	if ((n = ymap_get(m, "sys_descr"))) {
		if ((e = ld_str_list(L, n, "match.sys_descr", &items, &cnt, &one)))
			return e;
		p->match_descr = calloc(cnt ? cnt : 1, sizeof *p->match_descr);
		if (!p->match_descr)
			return TW_ERR_NOMEM;
		for (size_t i = 0; i < cnt; i++) {
			if ((e = ld_regex(L, items[i], "match.sys_descr", &p->match_descr[i])))
				return e;
			p->nmatch_descr++;
		}
	}
	if (!p->nmatch_oid && !p->nmatch_descr)
		return yerr(L->msg, L->msglen, L->d, m,
			    "match: needs sys_object_id and/or sys_descr");
	p->has_match = 1;
	return TW_OK;
}

static tw_err load_info(struct ld *L, struct profile *p, const struct ynode *m)
{
	static const char *const keys[] = { "oid", "value", NULL };
	tw_err e;

	if ((e = ynode_expect(L->d, m, Y_MAP, "info", L->msg, L->msglen)) ||
	    (e = ymap_check_keys(L->d, m, info_keys, L->msg, L->msglen)))
		return e;
	for (int i = 0; i < I_N; i++) {
		const struct ynode *n = ymap_get(m, info_keys[i]), *v;
		struct infospec *is = &p->info[i];
		char what[32];
		if (!n)
			continue;
		snprintf(what, sizeof what, "info.%s", info_keys[i]);
		if (n->type == Y_SCALAR) {
			if (!(is->value = tw_strdup(n->str)))
				return TW_ERR_NOMEM;
			continue;
		}
		if ((e = ynode_expect(L->d, n, Y_MAP, what, L->msg, L->msglen)) ||
		    (e = ymap_check_keys(L->d, n, keys, L->msg, L->msglen)))
			return e;
		if ((v = ymap_get(n, "oid"))) {
			if ((e = ld_oid(L, v, what, &is->oid)))
				return e;
			is->has_oid = 1;
		}
		if ((v = ymap_get(n, "value"))) {
			const char *s;
			if ((e = ynode_str(L->d, v, what, &s, L->msg, L->msglen)))
				return e;
			if (!(is->value = tw_strdup(s)))
				return TW_ERR_NOMEM;
		}
		if (!is->has_oid && !is->value)
			return yerr(L->msg, L->msglen, L->d, n, "%s: needs oid and/or value", what);
	}
	return TW_OK;
}

static const struct {
	const char *name;
	uint64_t bytes;
} units[] = {
	{ "bytes", 1 },
	{ "B", 1 },
	{ "KB", 1000ULL },
	{ "KiB", 1024ULL },
	{ "MB", 1000ULL * 1000 },
	{ "MiB", 1024ULL * 1024 },
	{ "GB", 1000ULL * 1000 * 1000 },
	{ "GiB", 1024ULL * 1024 * 1024 },
	{ "TB", 1000ULL * 1000 * 1000 * 1000 },
	{ "TiB", 1024ULL * 1024 * 1024 * 1024 },
	{ "sectors512", 512 },
	{ "blocks4096", 4096 },
};

static int is_figure_role(const struct table *t, size_t role)
{
	if (t->nroles == P_NROLES)
		return role == P_CAPACITY || role == P_USED || role == P_FREE ||
		       role == P_PROVISIONED;
	return role == V_PROVISIONED || role == V_CONSUMED;
}

static int find_col(const struct table *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (t->cols[i].name && strcmp(t->cols[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Parse one column spec into t->cols[ci]; `mul` names are resolved later. */
static tw_err load_colspec(struct ld *L, struct table *t, size_t ci, const struct ynode *n,
			   const char **mul_name, const struct ynode **mul_node)
{
	static const char *const keys[] = { "oid", "hi", "lo", "unit", "scale", "multiply_by", "map",
					    "link", "index_component", "name_prefix", "format", NULL };
	struct colspec *c = &t->cols[ci];
	int is_role = ci < t->nroles;
	int figure = is_role && is_figure_role(t, ci);
	int is_thin = is_role && t->nroles == V_NROLES && ci == V_THIN;
	int is_pool = is_role && t->nroles == V_NROLES && ci == V_POOL;
	int is_wwn = is_role && t->nroles == V_NROLES && ci == V_WWN;
	const struct ynode *v;
	char what[64];
	tw_err e;

	snprintf(what, sizeof what, "%s.%s", t->what, c->name);
	c->defined = 1;
	c->line = n->line;
	c->col = n->col;
	c->scale = 1;
	c->mul = -1;
	*mul_name = NULL;
	*mul_node = NULL;
	if (n->type == Y_SCALAR) {
		if (is_pool)
			return yerr(L->msg, L->msglen, L->d, n,
				    "%s: needs a mapping like { oid: 3, link: index }", what);
		return ld_column_oid(L, n, what, &t->entry, &c->oid);
	}
	if ((e = ynode_expect(L->d, n, Y_MAP, what, L->msg, L->msglen)) ||
	    (e = ymap_check_keys(L->d, n, keys, L->msg, L->msglen)))
		return e;
	if ((v = ymap_get(n, "oid")) && (e = ld_column_oid(L, v, what, &t->entry, &c->oid)))
		return e;
	if ((v = ymap_get(n, "hi")) && (e = ld_column_oid(L, v, what, &t->entry, &c->hi)))
		return e;
	if ((v = ymap_get(n, "lo")) && (e = ld_column_oid(L, v, what, &t->entry, &c->lo)))
		return e;
	if (!c->hi.n != !c->lo.n)
		return yerr(L->msg, L->msglen, L->d, n, "%s: hi and lo go together", what);
	if (c->hi.n && c->oid.n)
		return yerr(L->msg, L->msglen, L->d, n, "%s: give either oid or hi/lo, not both",
			    what);
	if (c->hi.n && !figure && is_role)
		return yerr(L->msg, L->msglen, L->d, n, "%s: hi/lo only make sense for sizes", what);
	if ((v = ymap_get(n, "unit"))) {
		const char *s;
		size_t i;
		if (!figure)
			return yerr(L->msg, L->msglen, L->d, v, "%s: unit only applies to sizes", what);
		if ((e = ynode_str(L->d, v, what, &s, L->msg, L->msglen)))
			return e;
		for (i = 0; i < TW_ARRAY_LEN(units); i++)
			if (strcmp(units[i].name, s) == 0)
				break;
		if (i == TW_ARRAY_LEN(units))
			return yerr(L->msg, L->msglen, L->d, v,
				    "%s: unknown unit '%s' (expected bytes, KB, KiB, MB, MiB, GB, GiB, TB, TiB, sectors512 or blocks4096)",
				    what, s);
		c->scale = units[i].bytes;
	}
	if ((v = ymap_get(n, "scale"))) {
		uint64_t sc;
		if (!figure)
			return yerr(L->msg, L->msglen, L->d, v, "%s: scale only applies to sizes", what);
		if ((e = ynode_u64(L->d, v, what, 1, UINT32_MAX, &sc, L->msg, L->msglen)))
			return e;
		if (c->scale > UINT64_MAX / sc)
			return yerr(L->msg, L->msglen, L->d, v, "%s: unit times scale is too big", what);
		c->scale *= sc;
	}
	if ((v = ymap_get(n, "multiply_by"))) {
		if (!figure)
			return yerr(L->msg, L->msglen, L->d, v,
				    "%s: multiply_by only applies to sizes", what);
		if ((e = ynode_str(L->d, v, what, mul_name, L->msg, L->msglen)))
			return e;
		*mul_node = v;
	}
	if ((v = ymap_get(n, "map"))) {
		if (!is_thin)
			return yerr(L->msg, L->msglen, L->d, v,
				    "%s: map is only supported for thin (value -> true/false)", what);
		if ((e = ynode_expect(L->d, v, Y_MAP, what, L->msg, L->msglen)))
			return e;
		c->map = calloc(v->n ? v->n : 1, sizeof *c->map);
		if (!c->map)
			return TW_ERR_NOMEM;
		for (size_t i = 0; i < v->n; i++) {
			int b;
			if ((e = ynode_bool(L->d, v->pairs[i].val, what, &b, L->msg, L->msglen)))
				return e;
			if (!(c->map[i].from = tw_strdup(v->pairs[i].key->str)))
				return TW_ERR_NOMEM;
			c->map[i].to = b;
			c->nmap++;
		}
	}
	if ((v = ymap_get(n, "link"))) {
		const char *s;
		if (!is_pool)
			return yerr(L->msg, L->msglen, L->d, v, "%s: link only applies to pool", what);
		if ((e = ynode_str(L->d, v, what, &s, L->msg, L->msglen)))
			return e;
		if (strcmp(s, "index") == 0)
			c->link = LINK_INDEX;
		else if (strcmp(s, "name") == 0)
			c->link = LINK_NAME;
		else
			return yerr(L->msg, L->msglen, L->d, v,
				    "%s: link: expected index or name, got '%s'", what, s);
	}
	if ((v = ymap_get(n, "index_component"))) {
		uint64_t k;
		if (!is_pool)
			return yerr(L->msg, L->msglen, L->d, v,
				    "%s: index_component only applies to pool", what);
		if ((e = ynode_u64(L->d, v, what, 1, 64, &k, L->msg, L->msglen)))
			return e;
		if (c->link != LINK_NONE || c->oid.n)
			return yerr(L->msg, L->msglen, L->d, v,
				    "%s: index_component replaces oid and link", what);
		if (!t->kinds || k > t->nkinds)
			return yerr(L->msg, L->msglen, L->d, v,
				    "%s: index_component needs an index list with at least %llu components",
				    what, (unsigned long long)k);
		c->link = LINK_COMPONENT;
		c->component = (unsigned)k;
	}
	if ((v = ymap_get(n, "name_prefix"))) {
		const char *s;
		if (!is_pool)
			return yerr(L->msg, L->msglen, L->d, v, "%s: name_prefix only applies to pool",
				    what);
		if ((e = ynode_str(L->d, v, what, &s, L->msg, L->msglen)))
			return e;
		if (!(c->name_prefix = tw_strdup(s)))
			return TW_ERR_NOMEM;
	}
	if ((v = ymap_get(n, "format"))) {
		const char *s;
		if (!is_wwn)
			return yerr(L->msg, L->msglen, L->d, v, "%s: format only applies to wwn", what);
		if ((e = ynode_str(L->d, v, what, &s, L->msg, L->msglen)))
			return e;
		if (strcmp(s, "auto") == 0)
			c->fmt = FMT_AUTO;
		else if (strcmp(s, "text") == 0)
			c->fmt = FMT_TEXT;
		else if (strcmp(s, "hex") == 0)
			c->fmt = FMT_HEX;
		else
			return yerr(L->msg, L->msglen, L->d, v,
				    "%s: format: expected auto, text or hex, got '%s'", what, s);
	}
	if (is_pool && c->link == LINK_NONE)
		return yerr(L->msg, L->msglen, L->d, n,
			    "%s: needs link: index or link: name (or index_component)", what);
	if (is_pool && c->link != LINK_COMPONENT && !c->oid.n)
		return yerr(L->msg, L->msglen, L->d, n, "%s: needs oid", what);
	if (!is_pool && !c->oid.n && !c->hi.n)
		return yerr(L->msg, L->msglen, L->d, n, "%s: needs oid (or hi and lo)", what);
	return TW_OK;
}

static tw_err load_index(struct ld *L, struct table *t, const struct ynode *n)
{
	const struct ynode **items, *one;
	size_t cnt;
	tw_err e;
	char what[32];

	snprintf(what, sizeof what, "%s.index", t->what);
	if (n->type == Y_SCALAR && strcmp(n->str, "any") == 0)
		return TW_OK; /* kinds stays NULL */
	if ((e = ld_str_list(L, n, what, &items, &cnt, &one)))
		return e;
	if (cnt == 0)
		return yerr(L->msg, L->msglen, L->d, n, "%s: empty list", what);
	t->kinds = calloc(cnt, sizeof *t->kinds);
	if (!t->kinds)
		return TW_ERR_NOMEM;
	for (size_t i = 0; i < cnt; i++) {
		const char *s = items[i]->str;
		if (strcmp(s, "integer") == 0)
			t->kinds[i] = IX_INTEGER;
		else if (strcmp(s, "string") == 0)
			t->kinds[i] = IX_STRING;
		else if (strcmp(s, "implied") == 0 && i == cnt - 1)
			t->kinds[i] = IX_IMPLIED;
		else
			return yerr(L->msg, L->msglen, L->d, items[i],
				    "%s: expected integer, string, implied (last only) or any, got '%s'",
				    what, s);
		t->nkinds++;
	}
	return TW_OK;
}

static tw_err load_filters(struct ld *L, struct table *t, const struct ynode *n)
{
	static const char *const keys[] = { "column", "equals", "not_equals", "regex", "not_regex",
					    NULL };
	static const char *const ops[] = { "equals", "not_equals", "regex", "not_regex" };
	char what[32];
	tw_err e;

	snprintf(what, sizeof what, "%s.filter", t->what);
	if ((e = ynode_expect(L->d, n, Y_SEQ, what, L->msg, L->msglen)))
		return e;
	t->filters = calloc(n->n ? n->n : 1, sizeof *t->filters);
	if (!t->filters)
		return TW_ERR_NOMEM;
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *f = n->items[i], *c, *v = NULL;
		struct filter *fl = &t->filters[t->nfilters];
		const char *s;
		int nops = 0;
		if ((e = ynode_expect(L->d, f, Y_MAP, what, L->msg, L->msglen)) ||
		    (e = ymap_check_keys(L->d, f, keys, L->msg, L->msglen)))
			return e;
		if (!(c = ymap_get(f, "column")))
			return yerr(L->msg, L->msglen, L->d, f, "%s: needs column", what);
		if ((e = ynode_str(L->d, c, what, &s, L->msg, L->msglen)))
			return e;
		fl->col = find_col(t, s);
		if (fl->col < 0 || !t->cols[fl->col].defined)
			return yerr(L->msg, L->msglen, L->d, c,
				    "%s: column '%s' is not defined in columns or extra", what, s);
		for (int k = 0; k < 4; k++) {
			const struct ynode *x = ymap_get(f, ops[k]);
			if (x) {
				v = x;
				fl->op = (enum filt_op)k;
				nops++;
			}
		}
		if (nops != 1)
			return yerr(L->msg, L->msglen, L->d, f,
				    "%s: needs exactly one of equals, not_equals, regex, not_regex", what);
		if ((e = ynode_str(L->d, v, what, &s, L->msg, L->msglen)))
			return e;
		if (!(fl->value = tw_strdup(s)))
			return TW_ERR_NOMEM;
		if (fl->op == F_RE || fl->op == F_NRE) {
			if ((e = ld_regex(L, v, what, &fl->re)))
				return e;
			fl->re_ok = 1;
		}
		t->nfilters++;
	}
	return TW_OK;
}

static tw_err load_table(struct ld *L, struct table *t, const struct ynode *m, const char *what,
			 const char *const *roles, size_t nroles)
{
	static const char *const keys[] = { "table", "entry", "index", "columns", "extra", "filter",
					    NULL };
	const struct ynode *n, *cols, *extra;
	const char *mul_names[64];
	const struct ynode *mul_nodes[64];
	tw_err e;

	t->what = what;
	if ((e = ynode_expect(L->d, m, Y_MAP, what, L->msg, L->msglen)) ||
	    (e = ymap_check_keys(L->d, m, keys, L->msg, L->msglen)))
		return e;
	t->present = 1;
	if ((n = ymap_get(m, "entry"))) {
		if ((e = ld_oid(L, n, what, &t->entry)))
			return e;
	} else if ((n = ymap_get(m, "table"))) {
		if ((e = ld_oid(L, n, what, &t->entry)))
			return e;
		if (t->entry.n + 1 > WALK_OID_MAX)
			return yerr(L->msg, L->msglen, L->d, n, "%s: OID too long", what);
		t->entry.s[t->entry.n++] = 1; /* conventional entry = table.1 */
	} else {
		return yerr(L->msg, L->msglen, L->d, m, "%s: needs entry (or table)", what);
	}
	if ((n = ymap_get(m, "index")) && (e = load_index(L, t, n)))
		return e;
	cols = ymap_get(m, "columns");
	extra = ymap_get(m, "extra");
	if (!cols)
		return yerr(L->msg, L->msglen, L->d, m, "%s: needs columns", what);
	if ((e = ynode_expect(L->d, cols, Y_MAP, what, L->msg, L->msglen)) ||
	    (e = ymap_check_keys(L->d, cols, roles, L->msg, L->msglen)))
		return e;
	if (extra && (e = ynode_expect(L->d, extra, Y_MAP, what, L->msg, L->msglen)))
		return e;
	t->nroles = nroles;
	t->nextra = 0;
	t->ncols = nroles + (extra ? extra->n : 0);
	if (t->ncols > TW_ARRAY_LEN(mul_names))
		return yerr(L->msg, L->msglen, L->d, extra, "%s: too many extra columns", what);
	t->cols = calloc(t->ncols, sizeof *t->cols);
	t->extra_names = calloc(extra && extra->n ? extra->n : 1, sizeof *t->extra_names);
	if (!t->cols || !t->extra_names)
		return TW_ERR_NOMEM;
	for (size_t i = 0; i < nroles; i++) {
		t->cols[i].name = roles[i];
		t->cols[i].mul = -1;
		mul_names[i] = NULL;
		mul_nodes[i] = NULL;
	}
	for (size_t i = 0; extra && i < extra->n; i++) {
		const char *nm = extra->pairs[i].key->str;
		for (size_t r = 0; r < nroles; r++)
			if (strcmp(nm, roles[r]) == 0)
				return yerr(L->msg, L->msglen, L->d, extra->pairs[i].key,
					    "%s.extra: '%s' is a role name; use another name", what, nm);
		for (size_t j = 0; j < i; j++)
			if (strcmp(nm, t->extra_names[j]) == 0)
				return yerr(L->msg, L->msglen, L->d, extra->pairs[i].key,
					    "%s.extra: duplicate '%s'", what, nm);
		if (!(t->extra_names[i] = tw_strdup(nm)))
			return TW_ERR_NOMEM;
		t->nextra++;
		t->cols[nroles + i].name = t->extra_names[i];
		t->cols[nroles + i].mul = -1;
	}
	for (size_t i = 0; i < cols->n; i++) {
		size_t ci;
		for (ci = 0; ci < nroles; ci++)
			if (strcmp(cols->pairs[i].key->str, roles[ci]) == 0)
				break;
		if ((e = load_colspec(L, t, ci, cols->pairs[i].val, &mul_names[ci], &mul_nodes[ci])))
			return e;
	}
	for (size_t i = 0; extra && i < extra->n; i++) {
		size_t ci = nroles + i;
		if ((e = load_colspec(L, t, ci, extra->pairs[i].val, &mul_names[ci], &mul_nodes[ci])))
			return e;
	}
	/* multiply_by: one level, to a defined column without its own. */
	for (size_t ci = 0; ci < t->ncols; ci++) {
		int m2;
		if (!mul_names[ci])
			continue;
		m2 = find_col(t, mul_names[ci]);
		if (m2 < 0 || !t->cols[m2].defined)
			return yerr(L->msg, L->msglen, L->d, mul_nodes[ci],
				    "%s.%s: multiply_by: column '%s' is not defined in columns or extra",
				    what, t->cols[ci].name, mul_names[ci]);
		if ((size_t)m2 == ci || mul_names[m2])
			return yerr(L->msg, L->msglen, L->d, mul_nodes[ci],
				    "%s.%s: multiply_by: '%s' must be a plain column", what,
				    t->cols[ci].name, mul_names[ci]);
		t->cols[ci].mul = m2;
	}
	if ((n = ymap_get(m, "filter")) && (e = load_filters(L, t, n)))
		return e;
	return TW_OK;
}

static tw_err load_sanity(struct ld *L, struct profile *p, const struct ynode *m)
{
	static const char *const keys[] = { "max_bytes", "used_over_capacity", NULL };
	const struct ynode *n;
	tw_err e;

	if ((e = ynode_expect(L->d, m, Y_MAP, "sanity", L->msg, L->msglen)) ||
	    (e = ymap_check_keys(L->d, m, keys, L->msg, L->msglen)))
		return e;
	if ((n = ymap_get(m, "max_bytes"))) {
		if ((e = ynode_size(L->d, n, "sanity.max_bytes", &p->max_bytes, L->msg, L->msglen)))
			return e;
		if (p->max_bytes == 0 || p->max_bytes >= TWO63)
			return yerr(L->msg, L->msglen, L->d, n,
				    "sanity.max_bytes: expected a size from 1 byte to below 8EiB");
	}
	if ((n = ymap_get(m, "used_over_capacity"))) {
		const char *s;
		if ((e = ynode_str(L->d, n, "sanity.used_over_capacity", &s, L->msg, L->msglen)))
			return e;
		if (strcmp(s, "invalidate") == 0)
			p->used_over_capacity = SAN_INVALIDATE;
		else if (strcmp(s, "skip") == 0)
			p->used_over_capacity = SAN_SKIP;
		else if (strcmp(s, "ignore") == 0)
			p->used_over_capacity = SAN_IGNORE;
		else
			return yerr(L->msg, L->msglen, L->d, n,
				    "sanity.used_over_capacity: expected invalidate, skip or ignore, got '%s'",
				    s);
	}
	return TW_OK;
}

/* ---- walk targets ---- */

static tw_err add_target(struct profile *p, size_t *alloc, enum walk_kind kind,
			 const struct oidv *o)
{
	if (!o->n)
		return TW_OK;
	for (size_t i = 0; i < p->ntargets; i++)
		if (p->targets[i].kind == kind &&
		    walk_oid_cmp(p->targets[i].oid, p->targets[i].len, o->s, o->n) == 0)
			return TW_OK;
	if (p->ntargets == *alloc) {
		size_t na = *alloc ? *alloc * 2 : 16;
		struct walk_target *t = realloc(p->targets, na * sizeof *t);
		if (!t)
			return TW_ERR_NOMEM;
		p->targets = t;
		*alloc = na;
	}
	memset(&p->targets[p->ntargets], 0, sizeof p->targets[p->ntargets]);
	p->targets[p->ntargets].kind = kind;
	p->targets[p->ntargets].len = o->n;
	memcpy(p->targets[p->ntargets].oid, o->s, o->n * sizeof *o->s);
	p->ntargets++;
	return TW_OK;
}

static tw_err build_targets(struct profile *p)
{
	size_t alloc = 0;
	struct table *tabs[2] = { &p->pools, &p->volumes };
	tw_err e;

	for (int i = 0; i < I_N; i++)
		if (p->info[i].has_oid && (e = add_target(p, &alloc, WALK_GET, &p->info[i].oid)))
			return e;
	for (int k = 0; k < 2; k++) {
		struct table *t = tabs[k];
		for (size_t i = 0; t->present && i < t->ncols; i++) {
			struct colspec *c = &t->cols[i];
			if (!c->defined)
				continue;
			if ((e = add_target(p, &alloc, WALK_SUBTREE, &c->oid)) ||
			    (e = add_target(p, &alloc, WALK_SUBTREE, &c->hi)) ||
			    (e = add_target(p, &alloc, WALK_SUBTREE, &c->lo)))
				return e;
		}
	}
	return TW_OK;
}

static tw_err load_doc(const struct ydoc *d, const char *path, struct profile **out, char *msg,
		       size_t msglen)
{
	static const char *const keys[] = { "name", "description", "match", "info", "pools",
					    "volumes", "sanity", NULL };
	struct ld L = { d, msg, msglen };
	const struct ynode *root = d->root, *n;
	struct profile *p;
	tw_err e;

	if (!root)
		return tw_seterr(msg, msglen, TW_ERR_CONFIG, "%s: empty profile", path);
	if ((e = ynode_expect(d, root, Y_MAP, "profile", msg, msglen)) ||
	    (e = ymap_check_keys(d, root, keys, msg, msglen)))
		return e;
	p = calloc(1, sizeof *p);
	if (!p)
		return TW_ERR_NOMEM;
	p->max_bytes = TWO63 - 1;
	p->used_over_capacity = SAN_INVALIDATE;
	if (!(p->file = tw_strdup(path))) {
		e = TW_ERR_NOMEM;
		goto fail;
	}
	if ((n = ymap_get(root, "name"))) {
		const char *s;
		if ((e = ynode_str(d, n, "name", &s, msg, msglen)))
			goto fail;
		if (!*s || strchr(s, '/')) {
			e = yerr(msg, msglen, d, n, "name: expected a non-empty name without '/'");
			goto fail;
		}
		p->name = tw_strdup(s);
	} else {
		/* File name without directory and extension. */
		const char *b = strrchr(path, '/');
		size_t len;
		b = b ? b + 1 : path;
		len = strlen(b);
		if (len > 4 && strcmp(b + len - 4, ".yml") == 0)
			len -= 4;
		else if (len > 5 && strcmp(b + len - 5, ".yaml") == 0)
			len -= 5;
		p->name = tw_strndup(b, len);
	}
	if (!p->name) {
		e = TW_ERR_NOMEM;
		goto fail;
	}
	if ((n = ymap_get(root, "description"))) {
		const char *s;
		if ((e = ynode_str(d, n, "description", &s, msg, msglen)))
			goto fail;
		if (!(p->description = tw_strdup(s))) {
			e = TW_ERR_NOMEM;
			goto fail;
		}
	}
	if ((n = ymap_get(root, "match")) && (e = load_match(&L, p, n)))
		goto fail;
	if ((n = ymap_get(root, "info")) && (e = load_info(&L, p, n)))
		goto fail;
	if ((n = ymap_get(root, "sanity")) && (e = load_sanity(&L, p, n)))
		goto fail;
	if ((n = ymap_get(root, "pools")) &&
	    (e = load_table(&L, &p->pools, n, "pools", pool_roles, P_NROLES)))
		goto fail;
	if ((n = ymap_get(root, "volumes")) &&
	    (e = load_table(&L, &p->volumes, n, "volumes", vol_roles, V_NROLES)))
		goto fail;
	if (!p->pools.present && !p->volumes.present) {
		e = yerr(msg, msglen, d, root, "profile needs pools and/or volumes");
		goto fail;
	}
	if (p->volumes.present && p->volumes.cols[V_POOL].defined && p->pools.present &&
	    p->volumes.cols[V_POOL].name_prefix) {
		const struct colspec *c = &p->volumes.cols[V_POOL];
		e = tw_seterr(msg, msglen, TW_ERR_CONFIG,
			      "%s:%d:%d: volumes.pool: name_prefix is only used when there is no pools table",
			      d->file, c->line, c->col);
		goto fail;
	}
	if ((e = build_targets(p)))
		goto fail;
	*out = p;
	return TW_OK;
fail:
	if (e == TW_ERR_NOMEM)
		tw_seterr(msg, msglen, e, "%s: out of memory", path);
	profile_free(p);
	return e;
}

tw_err profile_load_string(const char *name, const char *text, size_t len, struct profile **out,
			   char *msg, size_t msglen)
{
	struct ydoc *d;
	tw_err e = ydoc_load_string(name, text, len, &d, msg, msglen);
	if (e)
		return e;
	e = load_doc(d, name, out, msg, msglen);
	ydoc_free(d);
	return e;
}

tw_err profile_load_file(const char *path, struct profile **out, char *msg, size_t msglen)
{
	struct ydoc *d;
	tw_err e = ydoc_load_file(path, &d, msg, msglen);
	if (e)
		return e;
	e = load_doc(d, path, out, msg, msglen);
	ydoc_free(d);
	return e;
}

/* ------------------------------------------------------------------ */
/* lookup and auto-selection                                           */

static int has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcmp(s + a - b, suf) == 0;
}

int profile_ref_is_path(const char *ref)
{
	return strchr(ref, '/') != NULL || has_suffix(ref, ".yml") || has_suffix(ref, ".yaml");
}

static char *join_path(const char *dir, const char *name, const char *ext)
{
	size_t a = strlen(dir), b = strlen(name), c = strlen(ext);
	char *p = malloc(a + 1 + b + c + 1);
	if (!p)
		return NULL;
	memcpy(p, dir, a);
	p[a] = '/';
	memcpy(p + a + 1, name, b);
	memcpy(p + a + 1 + b, ext, c + 1);
	return p;
}

tw_err profile_resolve(const char *ref, const char *const *dirs, size_t ndirs, char **path_out,
		       char *msg, size_t msglen)
{
	char searched[512] = "";
	size_t off = 0;

	*path_out = NULL;
	if (!ref || !*ref)
		return tw_seterr(msg, msglen, TW_ERR_CONFIG, "empty profile reference");
	if (profile_ref_is_path(ref)) {
		if (!(*path_out = tw_strdup(ref)))
			return TW_ERR_NOMEM;
		return TW_OK;
	}
	for (size_t i = 0; i < ndirs; i++) {
		char *p;
		int w;
		if (!dirs[i] || !*dirs[i])
			continue;
		if (!(p = join_path(dirs[i], ref, ".yml")))
			return TW_ERR_NOMEM;
		if (access(p, R_OK) == 0) {
			*path_out = p;
			return TW_OK;
		}
		free(p);
		w = snprintf(searched + off, sizeof searched - off, "%s%s", off ? ", " : "", dirs[i]);
		if (w > 0 && (size_t)w < sizeof searched - off)
			off += (size_t)w;
	}
	return tw_seterr(msg, msglen, TW_ERR_NOT_FOUND, "profile '%s' not found (searched: %s)", ref,
			 off ? searched : "no directories");
}

int profile_matches(const struct profile *p, const uint32_t *sysoid, size_t len, const char *descr)
{
	if (!p->has_match)
		return 0;
	if (p->nmatch_oid) {
		size_t i;
		if (!sysoid || !len)
			return 0;
		for (i = 0; i < p->nmatch_oid; i++)
			if (walk_oid_has_prefix(sysoid, len, p->match_oid[i].s, p->match_oid[i].n))
				break;
		if (i == p->nmatch_oid)
			return 0;
	}
	if (p->nmatch_descr) {
		size_t i;
		if (!descr)
			return 0;
		for (i = 0; i < p->nmatch_descr; i++)
			if (regexec(&p->match_descr[i], descr, 0, NULL, 0) == 0)
				break;
		if (i == p->nmatch_descr)
			return 0;
	}
	return 1;
}

struct profile_set {
	struct profile **v;
	size_t n, alloc;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static tw_err set_add(struct profile_set *s, struct profile *p)
{
	if (s->n == s->alloc) {
		size_t na = s->alloc ? s->alloc * 2 : 16;
		struct profile **v = realloc(s->v, na * sizeof *v);
		if (!v)
			return TW_ERR_NOMEM;
		s->v = v;
		s->alloc = na;
	}
	s->v[s->n++] = p;
	return TW_OK;
}

static tw_err set_load_dir(struct profile_set *s, const char *dir)
{
	DIR *dh = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, alloc = 0;
	tw_err e = TW_OK;

	if (!dh)
		return TW_OK; /* a missing search dir is normal (e.g. not installed) */
	while ((de = readdir(dh))) {
		if (de->d_name[0] == '.' || !has_suffix(de->d_name, ".yml"))
			continue;
		if (n == alloc) {
			size_t na = alloc ? alloc * 2 : 32;
			char **v = realloc(names, na * sizeof *v);
			if (!v) {
				e = TW_ERR_NOMEM;
				goto out;
			}
			names = v;
			alloc = na;
		}
		if (!(names[n] = tw_strdup(de->d_name))) {
			e = TW_ERR_NOMEM;
			goto out;
		}
		n++;
	}
	if (n)
		qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n; i++) {
		char *path = join_path(dir, names[i], "");
		struct profile *p = NULL;
		char lmsg[512];
		size_t j;
		tw_err le;
		if (!path) {
			e = TW_ERR_NOMEM;
			goto out;
		}
		le = profile_load_file(path, &p, lmsg, sizeof lmsg);
		if (le) {
			tw_log(TW_LOG_WARN, "profile not usable for auto-selection", "file", path,
			       "error", lmsg, NULL);
			free(path);
			if (le == TW_ERR_NOMEM) {
				e = le;
				goto out;
			}
			continue;
		}
		free(path);
		for (j = 0; j < s->n; j++)
			if (strcmp(s->v[j]->name, p->name) == 0)
				break;
		if (j < s->n) { /* hidden by an earlier directory */
			profile_free(p);
			continue;
		}
		if ((e = set_add(s, p))) {
			profile_free(p);
			goto out;
		}
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(dh);
	return e;
}

tw_err profile_set_load(const char *const *dirs, size_t ndirs, struct profile_set **out,
			char *msg, size_t msglen)
{
	struct profile_set *s = calloc(1, sizeof *s);
	tw_err e;

	*out = NULL;
	if (!s)
		return TW_ERR_NOMEM;
	for (size_t i = 0; i < ndirs; i++) {
		if (!dirs[i] || !*dirs[i])
			continue;
		if ((e = set_load_dir(s, dirs[i]))) {
			profile_set_free(s);
			return tw_seterr(msg, msglen, e, "loading profiles from %s: %s", dirs[i],
					 tw_strerror(e));
		}
	}
	*out = s;
	return TW_OK;
}

void profile_set_free(struct profile_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		profile_free(s->v[i]);
	free(s->v);
	free(s);
}

size_t profile_set_count(const struct profile_set *s)
{
	return s->n;
}

const struct profile *profile_set_get(const struct profile_set *s, size_t i)
{
	return i < s->n ? s->v[i] : NULL;
}

const struct profile *profile_set_pick(const struct profile_set *s, const uint32_t *sysoid,
				       size_t len, const char *descr)
{
	for (size_t i = 0; i < s->n; i++)
		if (profile_matches(s->v[i], sysoid, len, descr))
			return s->v[i];
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i]->name, "host-resources") == 0)
			return s->v[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* mapping                                                             */

static void note(struct profile_stats *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct profile_stats *st, const char *fmt, ...)
{
	va_list ap;
	if (st->note[0])
		return; /* keep the first */
	va_start(ap, fmt);
	vsnprintf(st->note, sizeof st->note, fmt, ap);
	va_end(ap);
}

/* One column of a table as found in the walk result, with its cursor. */
struct rcol {
	const struct walk_column *c;
	size_t cur;
};

struct rspec {
	struct rcol main, hi, lo;
};

struct maptab {
	const struct table *t;
	struct rspec *rs;        /* per colspec */
	const struct walk_column *key;
	const uint32_t *idx;     /* current row's index */
	size_t idx_len;
};

static const struct walk_row *rc_get(struct maptab *m, struct rcol *rc)
{
	return walk_column_seek(rc->c, &rc->cur, m->idx, m->idx_len);
}

static tw_err maptab_init(struct maptab *m, const struct table *t, const struct walk_result *r)
{
	m->t = t;
	m->key = NULL;
	m->rs = calloc(t->ncols ? t->ncols : 1, sizeof *m->rs);
	if (!m->rs)
		return TW_ERR_NOMEM;
	for (size_t i = 0; i < t->ncols; i++) {
		const struct colspec *c = &t->cols[i];
		if (!c->defined)
			continue;
		if (c->oid.n)
			m->rs[i].main.c = walk_result_find(r, c->oid.s, c->oid.n);
		if (c->hi.n) {
			m->rs[i].hi.c = walk_result_find(r, c->hi.s, c->hi.n);
			m->rs[i].lo.c = walk_result_find(r, c->lo.s, c->lo.n);
		}
	}
	/* Rows come from the name column; without one, from the first column. */
	if (t->cols[0].defined && t->cols[0].oid.n) {
		m->key = m->rs[0].main.c;
	} else {
		for (size_t i = 0; i < t->ncols && !m->key; i++) {
			if (!t->cols[i].defined)
				continue;
			if (t->cols[i].oid.n && m->rs[i].main.c)
				m->key = m->rs[i].main.c;
			else if (t->cols[i].hi.n && m->rs[i].hi.c)
				m->key = m->rs[i].hi.c;
		}
	}
	return TW_OK;
}

static void maptab_reset(struct maptab *m, const struct walk_column *key, size_t row)
{
	const struct walk_row *kr = &key->rows[row];
	m->idx = walk_row_index(key, kr);
	m->idx_len = kr->idx_len;
}

/* Value as text (malloc'd): strings raw up to the first NUL, numbers in
 * decimal, OIDs dotted.  NULL on OOM. */
static char *row_text(const struct walk_column *c, const struct walk_row *r)
{
	char buf[WALK_OID_MAX * 11 + 1];
	switch ((enum walk_vtype)r->type) {
	case WV_STR: {
		const unsigned char *b = walk_row_bytes(c, r);
		size_t n = r->data_len;
		const unsigned char *z = memchr(b, 0, n);
		if (z)
			n = (size_t)(z - b);
		return tw_strndup((const char *)b, n);
	}
	case WV_INT:
		snprintf(buf, sizeof buf, "%lld", (long long)(int64_t)r->num);
		break;
	case WV_UINT:
	case WV_U64:
		snprintf(buf, sizeof buf, "%llu", (unsigned long long)r->num);
		break;
	case WV_OID:
		walk_oid_format(walk_row_oidval(c, r), r->data_len, buf, sizeof buf);
		break;
	case WV_NULL:
	case WV_OTHER:
	default:
		buf[0] = '\0';
		break;
	}
	return tw_strdup(buf);
}

static void trim_spaces(char *s)
{
	size_t n = strlen(s), a = 0;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	while (s[a] == ' ' || s[a] == '\t')
		a++;
	if (a)
		memmove(s, s + a, n - a + 1);
}

/* Raw number of a row for sizes.  Returns 1 with *v, 0 if not a usable
 * number (*why says why), sets *frac for decimal strings with a fraction. */
static int row_number(const struct walk_column *c, const struct walk_row *r, uint64_t *v,
		      double *dv, int *frac, const char **why)
{
	*frac = 0;
	switch ((enum walk_vtype)r->type) {
	case WV_INT:
		if ((int64_t)r->num < 0) {
			*why = "negative value";
			return 0;
		}
		*v = r->num;
		return 1;
	case WV_UINT:
		*v = r->num;
		return 1;
	case WV_U64:
		if (r->num >= TWO63) {
			*why = "Counter64 value >= 2^63";
			return 0;
		}
		*v = r->num;
		return 1;
	case WV_STR: {
		char tmp[64];
		const unsigned char *b = walk_row_bytes(c, r);
		size_t n = r->data_len;
		char *end;
		if (n == 0 || n >= sizeof tmp) {
			*why = "not a number";
			return 0;
		}
		memcpy(tmp, b, n);
		tmp[n] = '\0';
		trim_spaces(tmp);
		if (tw_parse_u64(tmp, v) == 0)
			return 1;
		errno = 0;
		*dv = strtod(tmp, &end);
		if (errno || end == tmp || *end || !(*dv >= 0) || !isfinite(*dv)) {
			*why = "not a number";
			return 0;
		}
		*frac = 1;
		return 1;
	}
	default:
		*why = "not a number";
		return 0;
	}
}

/* A size figure of column ci for the current row.  Returns 1 with *out
 * when known and sane; 0 when absent or invalid (*invalid set and a note
 * written when it was present but unusable). */
static int col_figure(struct maptab *m, size_t ci, const struct profile *p, const char *rowname,
		      uint64_t *out, int *invalid, struct profile_stats *st)
{
	const struct colspec *c = &m->t->cols[ci];
	struct rspec *rs = &m->rs[ci];
	uint64_t v = 0, mulv = 1;
	double dv = 0;
	int frac = 0;
	const char *why = NULL;

	*invalid = 0;
	if (!c->defined)
		return 0;
	if (c->hi.n) {
		const struct walk_row *h = rc_get(m, &rs->hi), *l = rc_get(m, &rs->lo);
		if (!h || !l)
			return 0;
		if ((h->type != WV_INT && h->type != WV_UINT) ||
		    (l->type != WV_INT && l->type != WV_UINT)) {
			why = "hi/lo halves are not 32-bit integers";
		} else if (h->type == WV_INT && (int64_t)h->num < 0) {
			why = "negative high half";
		} else {
			/* A low half typed Integer32 arrives negative when bit 31 is set. */
			v = ((h->num & 0xffffffffULL) << 32) | (l->num & 0xffffffffULL);
			if (v >= TWO63)
				why = "value >= 2^63";
		}
	} else {
		const struct walk_row *row = rc_get(m, &rs->main);
		if (!row)
			return 0;
		if (!row_number(rs->main.c, row, &v, &dv, &frac, &why))
			why = why ? why : "not a number";
		else
			why = NULL;
	}
	if (!why && c->mul >= 0) {
		struct rspec *ms = &m->rs[c->mul];
		const struct walk_row *mr = rc_get(m, &ms->main);
		double mdv = 0;
		int mfrac = 0;
		if (!mr)
			return 0;
		if (!row_number(ms->main.c, mr, &mulv, &mdv, &mfrac, &why) || mfrac)
			why = "multiply_by column is not a whole number";
		else
			why = NULL;
	}
	if (!why) {
		if (frac) {
			double x = dv * (double)c->scale * (double)mulv;
			if (!(x < (double)TWO63))
				why = "value too big";
			else
				v = (uint64_t)llround(x);
		} else if (__builtin_mul_overflow(v, c->scale, &v) ||
			   __builtin_mul_overflow(v, mulv, &v)) {
			why = "value overflows 64 bits after scaling";
		}
	}
	if (!why && v > p->max_bytes)
		why = "value above sanity.max_bytes";
	if (why) {
		*invalid = 1;
		st->figures_invalid++;
		note(st, "%s '%s': %s %s: dropped", m->t->what, rowname, c->name, why);
		return 0;
	}
	*out = v;
	return 1;
}

/* Text of column ci for the current row (malloc'd) or NULL if absent. */
static char *col_text(struct maptab *m, size_t ci, int *oom)
{
	const struct colspec *c = &m->t->cols[ci];
	struct rspec *rs = &m->rs[ci];
	const struct walk_row *row;
	char *s;

	*oom = 0;
	if (!c->defined || !c->oid.n)
		return NULL;
	row = rc_get(m, &rs->main);
	if (!row)
		return NULL;
	s = row_text(rs->main.c, row);
	if (!s)
		*oom = 1;
	return s;
}

static char *hexstr(const unsigned char *b, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	char *s = malloc(n * 2 + 1);
	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		s[2 * i] = hx[b[i] >> 4];
		s[2 * i + 1] = hx[b[i] & 15];
	}
	s[2 * n] = '\0';
	return s;
}

/* WWN: printable strings as text, binary octets as lower-case hex. */
static char *col_wwn(struct maptab *m, size_t ci, int *oom)
{
	const struct colspec *c = &m->t->cols[ci];
	struct rspec *rs = &m->rs[ci];
	const struct walk_row *row;
	char *s;

	*oom = 0;
	if (!c->defined)
		return NULL;
	row = rc_get(m, &rs->main);
	if (!row)
		return NULL;
	if (row->type == WV_STR) {
		const unsigned char *b = walk_row_bytes(rs->main.c, row);
		int printable = 1;
		for (size_t i = 0; i < row->data_len; i++)
			if (b[i] < 0x20 || b[i] > 0x7e)
				printable = 0;
		if (c->fmt == FMT_HEX || (c->fmt == FMT_AUTO && !printable)) {
			s = hexstr(b, row->data_len);
			if (!s)
				*oom = 1;
			return s;
		}
	}
	s = row_text(rs->main.c, row);
	if (!s) {
		*oom = 1;
		return NULL;
	}
	trim_spaces(s);
	if (!*s) {
		free(s);
		return NULL;
	}
	return s;
}

static int col_thin(struct maptab *m, size_t ci, int *thin)
{
	const struct colspec *c = &m->t->cols[ci];
	struct rspec *rs = &m->rs[ci];
	const struct walk_row *row;

	if (!c->defined)
		return 0;
	row = rc_get(m, &rs->main);
	if (!row)
		return 0;
	if (!c->nmap) { /* TruthValue */
		if ((row->type == WV_INT || row->type == WV_UINT) && (row->num == 1 || row->num == 2)) {
			*thin = row->num == 1;
			return 1;
		}
		return 0;
	}
	{
		char *s = row_text(rs->main.c, row);
		int found = 0;
		if (!s)
			return 0;
		for (size_t i = 0; i < c->nmap; i++)
			if (strcmp(c->map[i].from, s) == 0) {
				*thin = c->map[i].to;
				found = 1;
				break;
			}
		free(s);
		return found;
	}
}

/* Row filters: 1 keep, 0 drop, -1 OOM. */
static int row_passes(struct maptab *m)
{
	const struct table *t = m->t;
	for (size_t i = 0; i < t->nfilters; i++) {
		const struct filter *f = &t->filters[i];
		struct rspec *rs = &m->rs[f->col];
		const struct walk_row *row = rc_get(m, &rs->main);
		char *s;
		int hit;
		if (!row) {
			if (f->op == F_EQ || f->op == F_RE)
				return 0;
			continue;
		}
		if (!(s = row_text(rs->main.c, row)))
			return -1;
		if (f->op == F_EQ || f->op == F_NE)
			hit = strcmp(s, f->value) == 0;
		else
			hit = regexec(&f->re, s, 0, NULL, 0) == 0;
		free(s);
		if ((f->op == F_EQ || f->op == F_RE) ? !hit : hit)
			return 0;
	}
	return 1;
}

/* Name of the current row: the name column, else a string index decoded,
 * else the dotted index.  malloc'd; NULL on OOM. */
static char *row_name(struct maptab *m, int *oom)
{
	const struct table *t = m->t;
	char *s = col_text(m, 0, oom);
	char buf[WALK_OID_MAX * 11 + 1];

	if (*oom)
		return NULL;
	if (s) {
		trim_spaces(s);
		if (*s)
			return s;
		free(s);
	}
	if (t->kinds && t->nkinds == 1 && t->kinds[0] != IX_INTEGER && m->idx_len > 0) {
		size_t off = t->kinds[0] == IX_STRING ? 1 : 0, n = m->idx_len - off, j;
		char *p;
		if (t->kinds[0] == IX_STRING && m->idx[0] != n)
			goto dotted;
		for (j = 0; j < n; j++)
			if (m->idx[off + j] < 0x20 || m->idx[off + j] > 0x7e)
				goto dotted;
		p = malloc(n + 1);
		if (!p) {
			*oom = 1;
			return NULL;
		}
		for (j = 0; j < n; j++)
			p[j] = (char)m->idx[off + j];
		p[n] = '\0';
		return p;
	}
dotted:
	walk_oid_format(m->idx, m->idx_len, buf, sizeof buf);
	s = tw_strdup(buf);
	if (!s)
		*oom = 1;
	return s;
}

/* Index components: offsets/lengths of component k (0-based) of idx.
 * Returns 0 or -1 when the index does not decode. */
static int index_component(const struct table *t, const uint32_t *idx, size_t len, unsigned k,
			   size_t *off, size_t *n)
{
	size_t pos = 0;
	for (unsigned i = 0; i < t->nkinds; i++) {
		size_t clen;
		switch (t->kinds[i]) {
		case IX_INTEGER:
			clen = 1;
			break;
		case IX_STRING:
			if (pos >= len)
				return -1;
			clen = 1 + (size_t)idx[pos];
			break;
		case IX_IMPLIED:
		default:
			clen = len - pos;
			break;
		}
		if (pos + clen > len)
			return -1;
		if (i == k) {
			*off = pos;
			*n = clen;
			return 0;
		}
		pos += clen;
	}
	return -1;
}

/* Pools of the pools table, for linking volumes. */
struct pname {
	char *name;
	uint32_t bidx;
};

struct poolref {
	const struct walk_column *key; /* pool key column (rows in index order) */
	uint32_t *bidx;                /* builder index per key row, TW_NO_POOL if left out */
	struct pname *names;           /* sorted by name, for link: name */
	size_t nnames;
};

static void poolref_free(struct poolref *pr)
{
	free(pr->bidx);
	for (size_t i = 0; i < pr->nnames; i++)
		free(pr->names[i].name);
	free(pr->names);
}

static uint32_t poolref_by_index(const struct poolref *pr, const uint32_t *idx, size_t len)
{
	const struct walk_row *r;
	if (!pr->key)
		return TW_NO_POOL;
	r = walk_column_lookup(pr->key, idx, len);
	if (!r)
		return TW_NO_POOL;
	return pr->bidx[r - pr->key->rows];
}

static int cmp_pname(const void *a, const void *b)
{
	return strcmp(((const struct pname *)a)->name, ((const struct pname *)b)->name);
}

static uint32_t poolref_by_name(const struct poolref *pr, const char *name)
{
	size_t lo = 0, hi = pr->nnames;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(pr->names[mid].name, name);
		if (c == 0)
			return pr->names[mid].bidx;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return TW_NO_POOL;
}

static tw_err map_info(const struct profile *p, const struct walk_result *r, struct snap_builder *b)
{
	struct tw_array_info *info = snap_builder_info(b);
	char **dst[I_N] = { &info->vendor, &info->model, &info->serial, &info->version };

	for (int i = 0; i < I_N; i++) {
		const struct infospec *is = &p->info[i];
		char *s = NULL;
		if (is->has_oid) {
			const struct walk_column *c = walk_result_find(r, is->oid.s, is->oid.n);
			if (c && c->nrows) {
				if (!(s = row_text(c, &c->rows[0])))
					return TW_ERR_NOMEM;
				trim_spaces(s);
				if (!*s) {
					free(s);
					s = NULL;
				}
			}
		}
		if (!s && is->value && !(s = tw_strdup(is->value)))
			return TW_ERR_NOMEM;
		if (s) {
			free(*dst[i]);
			*dst[i] = s;
		}
	}
	free(info->profile);
	if (!(info->profile = tw_strdup(p->name)))
		return TW_ERR_NOMEM;
	return TW_OK;
}

static tw_err map_pools(const struct profile *p, const struct walk_result *r,
			struct snap_builder *b, struct poolref *pr, struct profile_stats *st)
{
	struct maptab m;
	tw_err e;
	size_t nrows;

	if ((e = maptab_init(&m, &p->pools, r)))
		return e;
	if (!m.key)
		goto out;
	nrows = m.key->nrows;
	pr->key = m.key;
	pr->bidx = malloc((nrows ? nrows : 1) * sizeof *pr->bidx);
	pr->names = calloc(nrows ? nrows : 1, sizeof *pr->names);
	if (!pr->bidx || !pr->names) {
		e = TW_ERR_NOMEM;
		goto out;
	}
	for (size_t row = 0; row < nrows; row++) {
		uint64_t cap = 0, used = 0, fr = 0, prov = 0;
		int has_cap, has_used, has_free, has_prov, inv, oom, pass;
		uint32_t before, pi;
		struct tw_pool *pool;
		char *name;

		pr->bidx[row] = TW_NO_POOL;
		maptab_reset(&m, m.key, row);
		pass = row_passes(&m);
		if (pass < 0) {
			e = TW_ERR_NOMEM;
			goto out;
		}
		if (!pass) {
			st->rows_filtered++;
			continue;
		}
		name = row_name(&m, &oom);
		if (!name) {
			e = TW_ERR_NOMEM;
			goto out;
		}
		has_cap = col_figure(&m, P_CAPACITY, p, name, &cap, &inv, st);
		has_used = col_figure(&m, P_USED, p, name, &used, &inv, st);
		has_free = col_figure(&m, P_FREE, p, name, &fr, &inv, st);
		has_prov = col_figure(&m, P_PROVISIONED, p, name, &prov, &inv, st);
		if (has_cap && has_used && used > cap && p->used_over_capacity != SAN_IGNORE) {
			if (p->used_over_capacity == SAN_SKIP) {
				st->rows_skipped++;
				note(st, "pools '%s': used %llu > capacity %llu: row skipped", name,
				     (unsigned long long)used, (unsigned long long)cap);
				free(name);
				continue;
			}
			st->figures_invalid += 2;
			note(st, "pools '%s': used %llu > capacity %llu: both dropped", name,
			     (unsigned long long)used, (unsigned long long)cap);
			has_cap = has_used = 0;
		}
		before = (uint32_t)snap_builder_npools(b);
		pi = snap_builder_pool(b, name);
		if (pi != TW_NO_POOL && pi < before) {
			/* Same name as an earlier pool: keep both, apart. */
			char buf[WALK_OID_MAX * 11 + 1], *alt;
			size_t ln = strlen(name), lb;
			walk_oid_format(m.idx, m.idx_len, buf, sizeof buf);
			lb = strlen(buf);
			alt = malloc(ln + 1 + lb + 1);
			if (!alt) {
				free(name);
				e = TW_ERR_NOMEM;
				goto out;
			}
			memcpy(alt, name, ln);
			alt[ln] = '#';
			memcpy(alt + ln + 1, buf, lb + 1);
			pi = snap_builder_pool(b, alt);
			free(alt);
		}
		if (pi == TW_NO_POOL) {
			free(name);
			e = TW_ERR_NOMEM;
			goto out;
		}
		pool = snap_builder_pool_at(b, pi);
		pool->flags = 0;
		if (has_cap) {
			pool->capacity = cap;
			pool->flags |= TW_HAS_CAPACITY;
		}
		if (has_used) {
			pool->used = used;
			pool->flags |= TW_HAS_USED;
		}
		if (has_free) {
			pool->free = fr;
			pool->flags |= TW_HAS_FREE;
		}
		if (has_prov) {
			pool->reported_provisioned = prov;
			pool->flags |= TW_HAS_PROVISIONED;
		}
		pr->bidx[row] = pi;
		pr->names[pr->nnames].name = name; /* the row's own name, for link: name */
		pr->names[pr->nnames].bidx = pi;
		pr->nnames++;
		st->pools++;
	}
	if (pr->nnames)
		qsort(pr->names, pr->nnames, sizeof *pr->names, cmp_pname);
out:
	free(m.rs);
	return e;
}

/* The pool of the current volume row.  *unresolved is set when the row
 * has a link value that points nowhere. */
static tw_err resolve_pool(const struct profile *p, struct maptab *m, const struct poolref *pr,
			   struct snap_builder *b, uint32_t *out, int *unresolved)
{
	const struct colspec *c = &p->volumes.cols[V_POOL];
	struct rspec *rs = &m->rs[V_POOL];
	const struct walk_row *row;
	uint32_t key[WALK_OID_MAX];
	size_t klen = 0;
	char *name = NULL;
	char buf[WALK_OID_MAX * 11 + 1];

	*out = TW_NO_POOL;
	*unresolved = 0;
	if (!c->defined)
		return TW_OK;
	if (c->link == LINK_COMPONENT) {
		size_t off, n;
		if (index_component(&p->volumes, m->idx, m->idx_len, c->component - 1, &off, &n)) {
			*unresolved = 1;
			return TW_OK;
		}
		memcpy(key, m->idx + off, n * sizeof *key);
		klen = n;
	} else {
		row = rc_get(m, &rs->main);
		if (!row)
			return TW_OK; /* no link value: volume without pool */
		if (c->link == LINK_NAME) {
			if (!(name = row_text(rs->main.c, row)))
				return TW_ERR_NOMEM;
			trim_spaces(name);
		} else if (row->type == WV_INT || row->type == WV_UINT) {
			if (row->type == WV_INT && (int64_t)row->num < 0) {
				*unresolved = 1;
				return TW_OK;
			}
			key[0] = (uint32_t)row->num;
			klen = 1;
		} else if (row->type == WV_STR) {
			/* An index held as a string: encode as the pool index does. */
			const unsigned char *bs = walk_row_bytes(rs->main.c, row);
			size_t n = row->data_len;
			int implied = p->pools.kinds && p->pools.nkinds == 1 &&
				      p->pools.kinds[0] == IX_IMPLIED;
			if (n + 1 > WALK_OID_MAX) {
				*unresolved = 1;
				return TW_OK;
			}
			if (!implied)
				key[klen++] = (uint32_t)n;
			for (size_t i = 0; i < n; i++)
				key[klen++] = bs[i];
		} else if (row->type == WV_OID) {
			klen = row->data_len < WALK_OID_MAX ? row->data_len : WALK_OID_MAX;
			memcpy(key, walk_row_oidval(rs->main.c, row), klen * sizeof *key);
		} else {
			*unresolved = 1;
			return TW_OK;
		}
	}
	if (p->pools.present) {
		*out = name ? poolref_by_name(pr, name) : poolref_by_index(pr, key, klen);
		if (*out == TW_NO_POOL)
			*unresolved = 1;
		free(name);
		return TW_OK;
	}
	/* No pools table: the link names the pool. */
	if (!name) {
		const char *pre = c->name_prefix ? c->name_prefix : "";
		size_t a = strlen(pre);
		walk_oid_format(key, klen, buf, sizeof buf);
		name = malloc(a + strlen(buf) + 1);
		if (!name)
			return TW_ERR_NOMEM;
		memcpy(name, pre, a);
		memcpy(name + a, buf, strlen(buf) + 1);
	} else if (c->name_prefix) {
		size_t a = strlen(c->name_prefix), n = strlen(name);
		char *t = malloc(a + n + 1);
		if (!t) {
			free(name);
			return TW_ERR_NOMEM;
		}
		memcpy(t, c->name_prefix, a);
		memcpy(t + a, name, n + 1);
		free(name);
		name = t;
	}
	if (!*name) {
		free(name);
		*unresolved = 1;
		return TW_OK;
	}
	*out = snap_builder_pool(b, name);
	free(name);
	if (*out == TW_NO_POOL)
		return TW_ERR_NOMEM;
	return TW_OK;
}

static tw_err map_volumes(const struct profile *p, const struct walk_result *r,
			  struct snap_builder *b, const struct poolref *pr, struct profile_stats *st)
{
	struct maptab m;
	const struct table *t = &p->volumes;
	tw_err e;

	if ((e = maptab_init(&m, t, r)))
		return e;
	for (size_t row = 0; m.key && row < m.key->nrows; row++) {
		uint64_t prov = 0, cons = 0;
		int has_prov, has_cons, has_thin, thin = 0, inv, oom, pass, unresolved;
		uint32_t pool;
		struct tw_volume *v;
		char *name, *wwn;

		maptab_reset(&m, m.key, row);
		pass = row_passes(&m);
		if (pass < 0) {
			e = TW_ERR_NOMEM;
			break;
		}
		if (!pass) {
			st->rows_filtered++;
			continue;
		}
		if (!(name = row_name(&m, &oom))) {
			e = TW_ERR_NOMEM;
			break;
		}
		if ((e = resolve_pool(p, &m, pr, b, &pool, &unresolved))) {
			free(name);
			break;
		}
		if (unresolved) {
			st->links_unresolved++;
			note(st, "volumes '%s': pool link points to no pool", name);
		}
		has_prov = col_figure(&m, V_PROVISIONED, p, name, &prov, &inv, st);
		has_cons = col_figure(&m, V_CONSUMED, p, name, &cons, &inv, st);
		has_thin = col_thin(&m, V_THIN, &thin);
		wwn = col_wwn(&m, V_WWN, &oom);
		if (oom) {
			free(name);
			e = TW_ERR_NOMEM;
			break;
		}
		v = snap_builder_volume(b, name, pool);
		free(name);
		if (!v) {
			free(wwn);
			e = TW_ERR_NOMEM;
			break;
		}
		v->flags = 0;
		if (has_prov) {
			v->provisioned = prov;
			v->flags |= TW_HAS_PROVISIONED;
		}
		if (has_cons) {
			v->consumed = cons;
			v->flags |= TW_HAS_CONSUMED;
		}
		if (has_thin) {
			v->thin = thin;
			v->flags |= TW_HAS_THIN;
		}
		free(v->wwn);
		v->wwn = wwn;
		st->volumes++;
	}
	free(m.rs);
	return e;
}

tw_err profile_map(const struct profile *p, const struct walk_result *r, struct snap_builder *b,
		   struct profile_stats *st, char *msg, size_t msglen)
{
	struct profile_stats local;
	struct poolref pr;
	tw_err e;

	if (!st)
		st = &local;
	memset(st, 0, sizeof *st);
	memset(&pr, 0, sizeof pr);
	if ((e = map_info(p, r, b)))
		goto out;
	if (p->pools.present && (e = map_pools(p, r, b, &pr, st)))
		goto out;
	if (p->volumes.present && (e = map_volumes(p, r, b, &pr, st)))
		goto out;
out:
	poolref_free(&pr);
	if (e)
		return tw_seterr(msg, msglen, e, "profile %s: %s", p->name, tw_strerror(e));
	return TW_OK;
}
