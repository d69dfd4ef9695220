/* profile.c: SNMP profile loader (YAML -> struct profile), profile lookup
 * and auto-selection, and the pure mapping of walk results to the data
 * model (profile.h; the format is documented in docs/profiles.md).
 *
 * Layout of the code: the structs below mirror the YAML; load_* functions
 * parse one section each; build_targets() derives the OIDs to fetch;
 * map_* functions turn a walk_result into pools and volumes.  Every value
 * of a row is read through col_cell() (one source row of a column: the
 * table's own row, or the k-th row of another table found by a join), so
 * a new column feature is a key in load_colspec() plus a step in
 * col_figure() or col_text(); a new link kind is a case in load_colspec()
 * and resolve_pool(). */
#include "config.h"
#include "profile.h"
#include "buf.h"
#include "log.h"
#include "ytree.h"
#include "units.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
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
enum link_kind { LINK_NONE, LINK_INDEX, LINK_NAME, LINK_COMPONENT, LINK_SOLE, LINK_VOLUME };
enum wwn_format { FMT_AUTO, FMT_TEXT, FMT_HEX };
enum sanity_action { SAN_INVALIDATE, SAN_SKIP, SAN_IGNORE };
enum filt_op { F_EQ, F_NE, F_RE, F_NRE };

struct mapent {
	char *from;           /* "*" = any other value */
	int to;               /* thin: 0/1 */
};

/* A text extraction: the first parenthesised group of a match (or the
 * whole match without a group); a value that does not match is absent. */
struct extract {
	regex_t re;
	int ok;
};

struct colspec {
	const char *name;     /* role or extra name (points into the profile's strings) */
	int defined;
	int line, col;
	int join;             /* -1: this table's row; else index into the table's joins */
	struct oidv oid;      /* the column, or empty when hi/lo are used */
	struct oidv hi, lo;   /* 32-bit halves */
	uint64_t scale;       /* bytes per unit (1) */
	int mul;              /* multiply by this column of the table, -1 none */
	struct mapent *map;
	size_t nmap;
	enum link_kind link;
	unsigned component;   /* LINK_COMPONENT: 1-based index component */
	unsigned pool_comp;   /* LINK_INDEX: match component K of the pool's index (0: whole) */
	char *name_prefix;    /* pool name prefix when there is no pools table */
	enum wwn_format fmt;
	char *value;          /* constant text (name) */
	struct extract rx;
	int has_unset;
	uint64_t unset;       /* a raw size meaning "not set" (quota 0 = no quota) */
	int infer;            /* thin: consumed < provisioned */
	int sparse;           /* rows may lack this column (no completeness check) */
};

struct filter {
	int col;
	enum filt_op op;
	char *value;
	regex_t re;
	int re_ok;
};

/* Rows of another table whose key column (text, optionally extracted)
 * equals the text of this table's `on` column. */
struct join {
	char *name;
	struct oidv entry;
	struct oidv key;
	struct extract rx;
	int on;               /* column of this table */
	int line, col;
};

struct table {
	int present;
	char what[32];        /* "pools", "volumes", "volumes[2]" */
	struct oidv entry;
	enum idx_kind *kinds; /* NULL = index structure unknown ("any") */
	size_t nkinds;
	struct colspec *cols; /* roles (fixed positions), then extras */
	size_t ncols, nroles;
	char **extra_names;
	size_t nextra;
	struct filter *filters;
	size_t nfilters;
	struct join *joins;
	size_t njoins;
	int nested;           /* volumes: every row is inside a volume of an earlier table */
	int nest_by_path;     /* volumes: a row named below another row's name is nested */
	int merge_dups;       /* volumes: rows with the same name are one volume */
};

struct infospec {
	int has_oid;
	struct oidv oid;
	char *value;          /* constant, or fallback when the OID is absent */
	struct extract rx;
};

enum { P_NAME, P_CAPACITY, P_USED, P_FREE, P_PROVISIONED, P_NROLES };
enum { V_NAME, V_PROVISIONED, V_CONSUMED, V_THIN, V_WWN, V_POOL, V_NROLES };
enum { I_VENDOR, I_MODEL, I_SERIAL, I_VERSION, I_N };

static const char *const pool_roles[] = { "name", "capacity", "used", "free", "provisioned", NULL };
static const char *const vol_roles[] = { "name", "provisioned", "consumed", "thin", "wwn", "pool",
					 NULL };
static const char *const info_keys[] = { "vendor", "model", "serial", "version", NULL };

struct profile {
	char *name, *description, *file, *limitations;
	struct oidv *match_oid;
	size_t nmatch_oid;
	regex_t *match_descr;
	size_t nmatch_descr;
	struct oidv *match_present;
	size_t nmatch_present;
	int has_match;
	struct infospec info[I_N];
	struct table pools;
	struct table *vols;   /* volumes tables, in order */
	size_t nvols;
	uint64_t max_bytes;
	enum sanity_action used_over_capacity;
	struct walk_target *targets;
	size_t ntargets;
};

/* ------------------------------------------------------------------ */
/* freeing                                                             */

static void extract_free(struct extract *x)
{
	if (x->ok)
		regfree(&x->re);
	x->ok = 0;
}

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->ncols; i++) {
		struct colspec *c = &t->cols[i];
		for (size_t j = 0; j < c->nmap; j++)
			free(c->map[j].from);
		free(c->map);
		free(c->name_prefix);
		free(c->value);
		extract_free(&c->rx);
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
	for (size_t i = 0; i < t->njoins; i++) {
		free(t->joins[i].name);
		extract_free(&t->joins[i].rx);
	}
	free(t->joins);
	free(t->kinds);
}

void profile_free(struct profile *p)
{
	if (!p)
		return;
	free(p->name);
	free(p->description);
	free(p->file);
	free(p->limitations);
	free(p->match_oid);
	for (size_t i = 0; i < p->nmatch_descr; i++)
		regfree(&p->match_descr[i]);
	free(p->match_descr);
	free(p->match_present);
	for (int i = 0; i < I_N; i++) {
		free(p->info[i].value);
		extract_free(&p->info[i].rx);
	}
	table_free(&p->pools);
	for (size_t i = 0; i < p->nvols; i++)
		table_free(&p->vols[i]);
	free(p->vols);
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

const char *profile_limitations(const struct profile *p)
{
	return p->limitations ? p->limitations : "";
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

/* glibc's regcomp copies a subexpression for each '+' (x+ is xx*) and for
 * each bound of {m,n}, so stacked or nested repetitions grow exponentially
 * ("x" and twenty-two '+' take 3 GB and seconds), and empty branches make
 * its epsilon closures explode ("(|||...)++" takes minutes).  A profile
 * regex matches a sysDescr, a name or an OID; refuse what no profile needs:
 * patterns longer than REGEX_LEN_MAX, what POSIX leaves undefined in an ERE
 * (a repetition right after another, or with nothing to repeat; an empty
 * branch or group), and an estimated compiled size (atoms, branches and
 * groups 1, '*' and '?' 1, a group adds its contents, a repetition
 * multiplies what it repeats) above REGEX_COST_MAX: at that size glibc
 * needs well under a second and 100 MB even for the worst shapes. */
#define REGEX_LEN_MAX 1024u
#define REGEX_COST_MAX 1000u
static int regex_cost_ok(const char *p)
{
	enum { R_START, R_ATOM, R_QUANT, R_OPEN, R_ALT } prev = R_START;
	uint64_t stack[32][2], cur = 0, last = 0;
	size_t depth = 0;

	if (strlen(p) > REGEX_LEN_MAX)
		return 0;
	for (; *p; p++) {
		uint64_t mult = 0;
		switch (*p) {
		case '\\':
			if (p[1])
				p++;
			cur++;
			last = 1;
			prev = R_ATOM;
			break;
		case '[': /* bracket expression: one atom; ']' first is a literal */
			p++;
			if (*p == '^')
				p++;
			if (*p == ']')
				p++;
			while (*p && *p != ']') {
				if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
					char end = p[1];
					for (p += 2; *p && !(*p == end && p[1] == ']'); p++)
						;
					if (*p)
						p++;
				}
				if (*p)
					p++;
			}
			if (!*p)
				return 0; /* unterminated: regcomp refuses it too */
			cur++;
			last = 1;
			prev = R_ATOM;
			break;
		case '(':
			if (depth == TW_ARRAY_LEN(stack))
				return 0;
			stack[depth][0] = cur;
			stack[depth++][1] = last;
			cur = last = 0;
			prev = R_OPEN;
			break;
		case ')':
			if (!depth) { /* unmatched: a literal in an ERE */
				cur++;
				last = 1;
				prev = R_ATOM;
				break;
			}
			if (prev == R_OPEN || prev == R_ALT)
				return 0;
			last = cur + 1;
			cur = stack[--depth][0] + last;
			prev = R_ATOM;
			break;
		case '|':
			if (prev == R_START || prev == R_OPEN || prev == R_ALT)
				return 0;
			cur++;
			last = 0;
			prev = R_ALT;
			break;
		case '*':
		case '?': /* one more (epsilon) node */
			if (prev == R_ATOM)
				cur++;
			mult = 1;
			break;
		case '+':
			mult = 2;
			break;
		case '{': {
			unsigned long m = 0, n;
			for (p++; *p >= '0' && *p <= '9' && m < 1000000; p++)
				m = m * 10 + (unsigned long)(*p - '0');
			n = m;
			if (*p == ',')
				for (n = m + 1, p++; *p >= '0' && *p <= '9' && n < 1000000; p++)
					n = (p[-1] == ',' ? 0 : n * 10) + (unsigned long)(*p - '0');
			while (*p && *p != '}')
				p++;
			if (!*p)
				return 0;
			mult = (n > m ? n : m) + 1;
			break;
		}
		default:
			cur++;
			last = 1;
			prev = R_ATOM;
			break;
		}
		if (mult) {
			if (prev != R_ATOM || mult > REGEX_COST_MAX)
				return 0;
			cur += last * (mult - 1);
			last *= mult;
			prev = R_QUANT;
		}
		if (cur > REGEX_COST_MAX || last > REGEX_COST_MAX)
			return 0;
	}
	if (prev == R_ALT)
		return 0;
	for (; depth; depth--)
		cur += stack[depth - 1][0];
	return cur <= REGEX_COST_MAX;
}

static tw_err ld_regex_flags(struct ld *L, const struct ynode *n, const char *what, regex_t *re,
			     int flags)
{
	const char *s;
	int rc;
	tw_err e = ynode_str(L->d, n, what, &s, L->msg, L->msglen);
	if (e)
		return e;
	if (!regex_cost_ok(s))
		return yerr(L->msg, L->msglen, L->d, n,
			    "%s: regular expression refused (glibc would need too much memory "
			    "or time): at most %u characters, no empty alternative or group, no "
			    "repetition right after another ('a++'), nested repetitions "
			    "('((a+)+)+', '(x{99}){99}') only while small", what, REGEX_LEN_MAX);
	rc = regcomp(re, s, REG_EXTENDED | flags);
	if (rc) {
		char err[160];
		regerror(rc, re, err, sizeof err);
		regfree(re);
		return yerr(L->msg, L->msglen, L->d, n, "%s: bad regular expression '%s': %s", what,
			    s, err);
	}
	return TW_OK;
}

static tw_err ld_regex(struct ld *L, const struct ynode *n, const char *what, regex_t *re)
{
	return ld_regex_flags(L, n, what, re, REG_NOSUB);
}

static tw_err ld_extract(struct ld *L, const struct ynode *n, const char *what, struct extract *x)
{
	tw_err e = ld_regex_flags(L, n, what, &x->re, 0);
	if (!e)
		x->ok = 1;
	return e;
}

static tw_err load_match(struct ld *L, struct profile *p, const struct ynode *m)
{
	static const char *const keys[] = { "sys_object_id", "sys_descr", "oid_present", NULL };
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
	if ((n = ymap_get(m, "oid_present"))) {
		if ((e = ld_str_list(L, n, "match.oid_present", &items, &cnt, &one)))
			return e;
		p->match_present = calloc(cnt ? cnt : 1, sizeof *p->match_present);
		if (!p->match_present)
			return TW_ERR_NOMEM;
		for (size_t i = 0; i < cnt; i++) {
			if ((e = ld_oid(L, items[i], "match.oid_present", &p->match_present[i])))
				return e;
			p->nmatch_present++;
		}
	}
	if (!p->nmatch_oid && !p->nmatch_descr && !p->nmatch_present)
		return yerr(L->msg, L->msglen, L->d, m,
			    "match: needs sys_object_id, sys_descr and/or oid_present");
	p->has_match = 1;
	return TW_OK;
}

static tw_err load_info(struct ld *L, struct profile *p, const struct ynode *m)
{
	static const char *const keys[] = { "oid", "value", "regex", NULL };
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
		if ((v = ymap_get(n, "regex"))) {
			if (!is->has_oid)
				return yerr(L->msg, L->msglen, L->d, v, "%s: regex needs oid", what);
			if ((e = ld_extract(L, v, what, &is->rx)))
				return e;
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

static int find_join(const struct table *t, const char *name)
{
	for (size_t i = 0; i < t->njoins; i++)
		if (strcmp(t->joins[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Parse one column spec into t->cols[ci]; `mul` names are resolved later. */
static tw_err load_colspec(struct ld *L, struct table *t, size_t ci, const struct ynode *n,
			   const char **mul_name, const struct ynode **mul_node)
{
	static const char *const keys[] = { "oid", "hi", "lo", "unit", "scale", "multiply_by", "map",
					    "link", "index_component", "pool_index_component",
					    "name_prefix", "format", "join", "value", "regex",
					    "unset_value", "infer", "sparse", NULL };
	struct colspec *c = &t->cols[ci];
	int is_role = ci < t->nroles;
	int figure = is_role && is_figure_role(t, ci);
	int is_vol = t->nroles == V_NROLES;
	int is_thin = is_role && is_vol && ci == V_THIN;
	int is_pool = is_role && is_vol && ci == V_POOL;
	int is_wwn = is_role && is_vol && ci == V_WWN;
	int is_name = is_role && ci == 0;
	const struct oidv *entry = &t->entry;
	const struct ynode *v;
	char what[64];
	tw_err e;

	snprintf(what, sizeof what, "%s.%s", t->what, c->name);
	c->defined = 1;
	c->line = n->line;
	c->col = n->col;
	c->scale = 1;
	c->mul = -1;
	c->join = -1;
	*mul_name = NULL;
	*mul_node = NULL;
	if (n->type == Y_SCALAR) {
		if (is_pool)
			return yerr(L->msg, L->msglen, L->d, n,
				    "%s: needs a mapping like { oid: 3, link: index }", what);
		if (is_thin && strcmp(n->str, "infer") == 0)
			return yerr(L->msg, L->msglen, L->d, n, "%s: write { infer: allocation }",
				    what);
		return ld_column_oid(L, n, what, entry, &c->oid);
	}
	if ((e = ynode_expect(L->d, n, Y_MAP, what, L->msg, L->msglen)) ||
	    (e = ymap_check_keys(L->d, n, keys, L->msg, L->msglen)))
		return e;
	if ((v = ymap_get(n, "join"))) {
		const char *s;
		if ((e = ynode_str(L->d, v, what, &s, L->msg, L->msglen)))
			return e;
		c->join = find_join(t, s);
		if (c->join < 0)
			return yerr(L->msg, L->msglen, L->d, v,
				    "%s: join '%s' is not defined in this table's joins", what, s);
		entry = &t->joins[c->join].entry;
	}
	if ((v = ymap_get(n, "sparse")) &&
	    (e = ynode_bool(L->d, v, what, &c->sparse, L->msg, L->msglen)))
		return e;
	if ((v = ymap_get(n, "oid")) && (e = ld_column_oid(L, v, what, entry, &c->oid)))
		return e;
	if ((v = ymap_get(n, "hi")) && (e = ld_column_oid(L, v, what, entry, &c->hi)))
		return e;
	if ((v = ymap_get(n, "lo")) && (e = ld_column_oid(L, v, what, entry, &c->lo)))
		return e;
	if (!c->hi.n != !c->lo.n)
		return yerr(L->msg, L->msglen, L->d, n, "%s: hi and lo go together", what);
	if (c->hi.n && c->oid.n)
		return yerr(L->msg, L->msglen, L->d, n, "%s: give either oid or hi/lo, not both",
			    what);
	if (c->hi.n && is_role && !figure && !is_thin)
		return yerr(L->msg, L->msglen, L->d, n, "%s: hi/lo only make sense for numbers",
			    what);
	if ((v = ymap_get(n, "value"))) {
		const char *s;
		if (!is_name)
			return yerr(L->msg, L->msglen, L->d, v,
				    "%s: value (a constant) only applies to name", what);
		if (c->oid.n || c->hi.n || c->join >= 0)
			return yerr(L->msg, L->msglen, L->d, v,
				    "%s: value replaces oid, hi/lo and join", what);
		if ((e = ynode_str(L->d, v, what, &s, L->msg, L->msglen)))
			return e;
		if (!*s)
			return yerr(L->msg, L->msglen, L->d, v, "%s: value must not be empty", what);
		if (!(c->value = tw_strdup(s)))
			return TW_ERR_NOMEM;
	}
	if ((v = ymap_get(n, "regex"))) {
		if (figure)
			return yerr(L->msg, L->msglen, L->d, v,
				    "%s: regex applies to text columns, not sizes", what);
		if ((e = ld_extract(L, v, what, &c->rx)))
			return e;
	}
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
				    "%s: unknown unit '%s' (expected bytes, KB, KiB, MB, MiB, GB, GiB, "
				    "TB, TiB, sectors512 or blocks4096)",
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
	if ((v = ymap_get(n, "unset_value"))) {
		if (!figure)
			return yerr(L->msg, L->msglen, L->d, v,
				    "%s: unset_value only applies to sizes", what);
		if ((e = ynode_u64(L->d, v, what, 0, UINT64_MAX, &c->unset, L->msg, L->msglen)))
			return e;
		c->has_unset = 1;
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
	if ((v = ymap_get(n, "infer"))) {
		const char *s;
		if (!is_thin)
			return yerr(L->msg, L->msglen, L->d, v, "%s: infer only applies to thin", what);
		if ((e = ynode_str(L->d, v, what, &s, L->msg, L->msglen)))
			return e;
		if (strcmp(s, "allocation") != 0)
			return yerr(L->msg, L->msglen, L->d, v,
				    "%s: infer: expected allocation, got '%s'", what, s);
		if (c->oid.n || c->hi.n || c->nmap)
			return yerr(L->msg, L->msglen, L->d, v,
				    "%s: infer replaces oid and map", what);
		c->infer = 1;
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
		else if (strcmp(s, "sole") == 0)
			c->link = LINK_SOLE;
		else if (strcmp(s, "volume") == 0)
			c->link = LINK_VOLUME;
		else
			return yerr(L->msg, L->msglen, L->d, v,
				    "%s: link: expected index, name, sole or volume, got '%s'", what,
				    s);
		if (c->link == LINK_SOLE && (c->oid.n || c->join >= 0))
			return yerr(L->msg, L->msglen, L->d, v,
				    "%s: link: sole takes no oid (every row goes to the only pool)",
				    what);
	}
	if ((v = ymap_get(n, "pool_index_component"))) {
		uint64_t k;
		if (!is_pool || c->link != LINK_INDEX)
			return yerr(L->msg, L->msglen, L->d, v,
				    "%s: pool_index_component goes with link: index", what);
		if ((e = ynode_u64(L->d, v, what, 1, 64, &k, L->msg, L->msglen)))
			return e;
		c->pool_comp = (unsigned)k;
	}
	if ((v = ymap_get(n, "index_component"))) {
		uint64_t k;
		if (!is_pool)
			return yerr(L->msg, L->msglen, L->d, v,
				    "%s: index_component only applies to pool", what);
		if ((e = ynode_u64(L->d, v, what, 1, 64, &k, L->msg, L->msglen)))
			return e;
		if (c->link != LINK_NONE || c->oid.n || c->join >= 0)
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
			    "%s: needs link: index, name, sole or volume (or index_component)", what);
	if (is_pool && c->link != LINK_COMPONENT && c->link != LINK_SOLE && !c->oid.n)
		return yerr(L->msg, L->msglen, L->d, n, "%s: needs oid", what);
	if (!is_pool && !c->oid.n && !c->hi.n && !c->value && !c->infer)
		return yerr(L->msg, L->msglen, L->d, n, "%s: needs oid (or hi and lo)", what);
	return TW_OK;
}

static tw_err load_index(struct ld *L, struct table *t, const struct ynode *n)
{
	const struct ynode **items, *one;
	size_t cnt;
	tw_err e;
	char what[48];

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
	char what[48];
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
		t->nfilters++; /* owns value now, freed even if the regex is refused */
		if (fl->op == F_RE || fl->op == F_NRE) {
			if ((e = ld_regex(L, v, what, &fl->re)))
				return e;
			fl->re_ok = 1;
		}
	}
	return TW_OK;
}

/* joins: { NAME: { entry: OID, key: N | { oid: N, regex: RE }, on: COLUMN } }
 * `on` is resolved once the columns are known. */
static tw_err load_joins(struct ld *L, struct table *t, const struct ynode *m,
			 const struct ynode **on_nodes)
{
	static const char *const keys[] = { "table", "entry", "key", "on", NULL };
	static const char *const kkeys[] = { "oid", "regex", NULL };
	char what[64];
	tw_err e;

	snprintf(what, sizeof what, "%s.joins", t->what);
	if ((e = ynode_expect(L->d, m, Y_MAP, what, L->msg, L->msglen)))
		return e;
	t->joins = calloc(m->n ? m->n : 1, sizeof *t->joins);
	if (!t->joins)
		return TW_ERR_NOMEM;
	for (size_t i = 0; i < m->n; i++) {
		const struct ynode *jn = m->pairs[i].val, *n, *k;
		struct join *j = &t->joins[i];
		const char *nm = m->pairs[i].key->str;
		snprintf(what, sizeof what, "%s.joins.%s", t->what, nm);
		if (find_join(t, nm) >= 0)
			return yerr(L->msg, L->msglen, L->d, m->pairs[i].key, "%s: duplicate join",
				    what);
		if ((e = ynode_expect(L->d, jn, Y_MAP, what, L->msg, L->msglen)) ||
		    (e = ymap_check_keys(L->d, jn, keys, L->msg, L->msglen)))
			return e;
		if (!(j->name = tw_strdup(nm)))
			return TW_ERR_NOMEM;
		t->njoins++;
		j->line = jn->line;
		j->col = jn->col;
		if ((n = ymap_get(jn, "entry"))) {
			if ((e = ld_oid(L, n, what, &j->entry)))
				return e;
		} else if ((n = ymap_get(jn, "table"))) {
			if ((e = ld_oid(L, n, what, &j->entry)))
				return e;
			if (j->entry.n + 1 > WALK_OID_MAX)
				return yerr(L->msg, L->msglen, L->d, n, "%s: OID too long", what);
			j->entry.s[j->entry.n++] = 1;
		} else {
			return yerr(L->msg, L->msglen, L->d, jn, "%s: needs entry (or table)", what);
		}
		if (!(k = ymap_get(jn, "key")))
			return yerr(L->msg, L->msglen, L->d, jn,
				    "%s: needs key (the other table's column to match)", what);
		if (k->type == Y_MAP) {
			const struct ynode *x;
			if ((e = ymap_check_keys(L->d, k, kkeys, L->msg, L->msglen)))
				return e;
			if (!(x = ymap_get(k, "oid")))
				return yerr(L->msg, L->msglen, L->d, k, "%s.key: needs oid", what);
			if ((e = ld_column_oid(L, x, what, &j->entry, &j->key)))
				return e;
			if ((x = ymap_get(k, "regex")) && (e = ld_extract(L, x, what, &j->rx)))
				return e;
		} else if ((e = ld_column_oid(L, k, what, &j->entry, &j->key))) {
			return e;
		}
		if (!(on_nodes[i] = ymap_get(jn, "on")))
			return yerr(L->msg, L->msglen, L->d, jn,
				    "%s: needs on (this table's column whose text is matched)", what);
	}
	return TW_OK;
}

static tw_err load_table(struct ld *L, struct table *t, const struct ynode *m, const char *what,
			 const char *const *roles, size_t nroles)
{
	static const char *const pkeys[] = { "table", "entry", "index", "columns", "extra", "filter",
					     "joins", NULL };
	static const char *const vkeys[] = { "table", "entry", "index", "columns", "extra", "filter",
					     "joins", "nested", "nest_by_path", "duplicates", NULL };
	const struct ynode *n, *cols, *extra, *joins;
	const char *mul_names[64];
	const struct ynode *mul_nodes[64], *on_nodes[16];
	int is_vol = nroles == V_NROLES;
	tw_err e;

	snprintf(t->what, sizeof t->what, "%s", what);
	if ((e = ynode_expect(L->d, m, Y_MAP, what, L->msg, L->msglen)) ||
	    (e = ymap_check_keys(L->d, m, is_vol ? vkeys : pkeys, L->msg, L->msglen)))
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
	if ((joins = ymap_get(m, "joins"))) {
		if (joins->type == Y_MAP && joins->n > TW_ARRAY_LEN(on_nodes))
			return yerr(L->msg, L->msglen, L->d, joins, "%s: too many joins", what);
		if ((e = load_joins(L, t, joins, on_nodes)))
			return e;
	}
	if (is_vol) {
		if ((n = ymap_get(m, "nested")) &&
		    (e = ynode_bool(L->d, n, "volumes.nested", &t->nested, L->msg, L->msglen)))
			return e;
		if ((n = ymap_get(m, "nest_by_path")) &&
		    (e = ynode_bool(L->d, n, "volumes.nest_by_path", &t->nest_by_path, L->msg,
				    L->msglen)))
			return e;
		if ((n = ymap_get(m, "duplicates"))) {
			const char *s;
			if ((e = ynode_str(L->d, n, "volumes.duplicates", &s, L->msg, L->msglen)))
				return e;
			if (strcmp(s, "merge") == 0)
				t->merge_dups = 1;
			else if (strcmp(s, "keep") != 0)
				return yerr(L->msg, L->msglen, L->d, n,
					    "volumes.duplicates: expected keep or merge, got '%s'", s);
		}
	}
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
		t->cols[i].join = -1;
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
		t->cols[nroles + i].join = -1;
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
	/* multiply_by: one level, to a defined column without its own, from
	 * the same rows (the same join, or both this table's). */
	for (size_t ci = 0; ci < t->ncols; ci++) {
		int m2;
		if (!mul_names[ci])
			continue;
		m2 = find_col(t, mul_names[ci]);
		if (m2 < 0 || !t->cols[m2].defined)
			return yerr(L->msg, L->msglen, L->d, mul_nodes[ci],
				    "%s.%s: multiply_by: column '%s' is not defined in columns or extra",
				    what, t->cols[ci].name, mul_names[ci]);
		if ((size_t)m2 == ci || mul_names[m2] || (!t->cols[m2].oid.n && !t->cols[m2].hi.n))
			return yerr(L->msg, L->msglen, L->d, mul_nodes[ci],
				    "%s.%s: multiply_by: '%s' must be a plain column", what,
				    t->cols[ci].name, mul_names[ci]);
		if (t->cols[m2].join != t->cols[ci].join)
			return yerr(L->msg, L->msglen, L->d, mul_nodes[ci],
				    "%s.%s: multiply_by: '%s' must come from the same join", what,
				    t->cols[ci].name, mul_names[ci]);
		t->cols[ci].mul = m2;
	}
	/* joins: `on` names a column of this table's own rows. */
	for (size_t i = 0; i < t->njoins; i++) {
		const char *s;
		int ci;
		char jw[64];
		snprintf(jw, sizeof jw, "%s.joins.%s.on", what, t->joins[i].name);
		if ((e = ynode_str(L->d, on_nodes[i], jw, &s, L->msg, L->msglen)))
			return e;
		ci = find_col(t, s);
		if (ci < 0 || !t->cols[ci].defined || t->cols[ci].join >= 0 || t->cols[ci].value ||
		    (!t->cols[ci].oid.n && !t->cols[ci].hi.n))
			return yerr(L->msg, L->msglen, L->d, on_nodes[i],
				    "%s: '%s' must be a column of this table (a role or an extra, not "
				    "from a join)",
				    jw, s);
		t->joins[i].on = ci;
	}
	/* Rows come from this table: it needs one column of its own. */
	{
		size_t i;
		for (i = 0; i < t->ncols; i++)
			if (t->cols[i].defined && t->cols[i].join < 0 &&
			    (t->cols[i].oid.n || t->cols[i].hi.n))
				break;
		if (i == t->ncols)
			return yerr(L->msg, L->msglen, L->d, cols,
				    "%s: needs at least one column of the table itself (not from a "
				    "join) to enumerate its rows",
				    what);
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

/* `volumes:` is one table spec, or a list of them (e.g. NetApp FlexVols,
 * then the LUNs inside them with nested: true). */
static tw_err load_volumes(struct ld *L, struct profile *p, const struct ynode *n)
{
	size_t cnt = n->type == Y_SEQ ? n->n : 1;
	tw_err e;

	if (cnt == 0)
		return yerr(L->msg, L->msglen, L->d, n, "volumes: empty list");
	p->vols = calloc(cnt, sizeof *p->vols);
	if (!p->vols)
		return TW_ERR_NOMEM;
	for (size_t i = 0; i < cnt; i++) {
		const struct ynode *tn = n->type == Y_SEQ ? n->items[i] : n;
		char what[32];
		if (n->type == Y_SEQ)
			snprintf(what, sizeof what, "volumes[%u]", (unsigned)(i % 1000) + 1);
		else
			snprintf(what, sizeof what, "volumes");
		p->nvols++;
		if ((e = load_table(L, &p->vols[i], tn, what, vol_roles, V_NROLES)))
			return e;
	}
	return TW_OK;
}

/* Checks that need the pools table and every volumes table. */
static tw_err check_links(struct ld *L, struct profile *p)
{
	for (size_t k = 0; k < p->nvols; k++) {
		const struct table *t = &p->vols[k];
		const struct colspec *c = &t->cols[V_POOL];
		const char *why = NULL;
		if (!c->defined)
			continue;
		if (p->pools.present && c->name_prefix)
			why = "name_prefix is only used when there is no pools table";
		else if (c->link == LINK_SOLE && !p->pools.present)
			why = "link: sole needs a pools table";
		else if (c->link == LINK_VOLUME && k == 0)
			why = "link: volume names a volume of an earlier volumes table";
		else if (c->pool_comp && (!p->pools.present || !p->pools.kinds ||
					  c->pool_comp > p->pools.nkinds))
			why = "pool_index_component needs a pools table whose index list has that "
			      "many components";
		if (why)
			return tw_seterr(L->msg, L->msglen, TW_ERR_CONFIG, "%s:%d:%d: %s.pool: %s",
					 L->d->file, c->line, c->col, t->what, why);
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

static tw_err table_targets(struct profile *p, size_t *alloc, const struct table *t)
{
	tw_err e;
	for (size_t i = 0; t->present && i < t->ncols; i++) {
		const struct colspec *c = &t->cols[i];
		if (!c->defined)
			continue;
		if ((e = add_target(p, alloc, WALK_SUBTREE, &c->oid)) ||
		    (e = add_target(p, alloc, WALK_SUBTREE, &c->hi)) ||
		    (e = add_target(p, alloc, WALK_SUBTREE, &c->lo)))
			return e;
	}
	for (size_t i = 0; t->present && i < t->njoins; i++)
		if ((e = add_target(p, alloc, WALK_SUBTREE, &t->joins[i].key)))
			return e;
	return TW_OK;
}

static tw_err build_targets(struct profile *p)
{
	size_t alloc = 0;
	tw_err e;

	for (int i = 0; i < I_N; i++)
		if (p->info[i].has_oid && (e = add_target(p, &alloc, WALK_GET, &p->info[i].oid)))
			return e;
	if ((e = table_targets(p, &alloc, &p->pools)))
		return e;
	for (size_t k = 0; k < p->nvols; k++)
		if ((e = table_targets(p, &alloc, &p->vols[k])))
			return e;
	return TW_OK;
}

static tw_err load_root(const struct ydoc *d, const struct ynode *root, const char *label,
			const char *default_name, struct profile **out, char *msg, size_t msglen)
{
	static const char *const keys[] = { "name", "description", "limitations", "match", "info",
					    "pools", "volumes", "sanity", NULL };
	struct ld L = { d, msg, msglen };
	const struct ynode *n;
	struct profile *p;
	tw_err e;

	if (!root)
		return tw_seterr(msg, msglen, TW_ERR_CONFIG, "%s: empty profile", label);
	if ((e = ynode_expect(d, root, Y_MAP, "profile", msg, msglen)) ||
	    (e = ymap_check_keys(d, root, keys, msg, msglen)))
		return e;
	p = calloc(1, sizeof *p);
	if (!p)
		return TW_ERR_NOMEM;
	p->max_bytes = TWO63 - 1;
	p->used_over_capacity = SAN_INVALIDATE;
	if (!(p->file = tw_strdup(label))) {
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
	} else if (default_name) {
		p->name = tw_strdup(default_name);
	} else {
		/* File name without directory and extension. */
		const char *b = strrchr(label, '/');
		size_t len;
		b = b ? b + 1 : label;
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
	if ((n = ymap_get(root, "limitations"))) {
		const char *s;
		if ((e = ynode_str(d, n, "limitations", &s, msg, msglen)))
			goto fail;
		if (!(p->limitations = tw_strdup(s))) {
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
	if ((n = ymap_get(root, "volumes")) && (e = load_volumes(&L, p, n)))
		goto fail;
	if (!p->pools.present && !p->nvols) {
		e = yerr(msg, msglen, d, root, "profile needs pools and/or volumes");
		goto fail;
	}
	if ((e = check_links(&L, p)) || (e = build_targets(p)))
		goto fail;
	*out = p;
	return TW_OK;
fail:
	if (e == TW_ERR_NOMEM)
		tw_seterr(msg, msglen, e, "%s: out of memory", label);
	profile_free(p);
	return e;
}

tw_err profile_load_node(const struct ydoc *d, const struct ynode *n, const char *label,
			 const char *default_name, struct profile **out, char *msg, size_t msglen)
{
	return load_root(d, n, label, default_name, out, msg, msglen);
}

tw_err profile_load_string(const char *name, const char *text, size_t len, struct profile **out,
			   char *msg, size_t msglen)
{
	return profile_load_text(name, NULL, text, len, out, msg, msglen);
}

tw_err profile_load_text(const char *label, const char *default_name, const char *text,
			 size_t len, struct profile **out, char *msg, size_t msglen)
{
	struct ydoc *d;
	tw_err e = ydoc_load_string(label, text, len, &d, msg, msglen);
	if (e)
		return e;
	e = load_root(d, d->root, label, default_name, out, msg, msglen);
	ydoc_free(d);
	return e;
}

tw_err profile_load_file(const char *path, struct profile **out, char *msg, size_t msglen)
{
	struct ydoc *d;
	tw_err e = ydoc_load_file(path, &d, msg, msglen);
	if (e)
		return e;
	e = load_root(d, d->root, path, NULL, out, msg, msglen);
	ydoc_free(d);
	return e;
}

static void yaml_quoted(struct buf *b, const char *s)
{
	static const char hx[] = "0123456789abcdef";
	buf_putc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, (char)*p);
		} else if (*p < 0x20 || *p == 0x7f) {
			char esc[4] = { '\\', 'x', hx[*p >> 4], hx[*p & 15] };
			buf_append(b, esc, 4);
		} else {
			buf_putc(b, (char)*p);
		}
	}
	buf_putc(b, '"');
}

static void yaml_node(struct buf *b, const struct ynode *n)
{
	switch (n->type) {
	case Y_SCALAR:
		yaml_quoted(b, n->str);
		break;
	case Y_SEQ:
		buf_putc(b, '[');
		for (size_t i = 0; i < n->n; i++) {
			if (i)
				buf_puts(b, ", ");
			yaml_node(b, n->items[i]);
		}
		buf_putc(b, ']');
		break;
	case Y_MAP:
		buf_putc(b, '{');
		for (size_t i = 0; i < n->n; i++) {
			if (i)
				buf_puts(b, ", ");
			yaml_quoted(b, n->pairs[i].key->str);
			buf_puts(b, ": ");
			yaml_node(b, n->pairs[i].val);
		}
		buf_putc(b, '}');
		break;
	}
}

tw_err profile_node_yaml(const struct ynode *n, struct buf *out)
{
	yaml_node(out, n);
	buf_putc(out, '\n');
	return out->err;
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

/* The match rules against what detection found; present(ctx, oid) says
 * whether the agent answered an oid_present OID (NULL: nothing probed). */
static int matches(const struct profile *p, const uint32_t *sysoid, size_t len, const char *descr,
		   int (*present)(const void *, const struct oidv *), const void *ctx)
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
	if (p->nmatch_present) {
		size_t i;
		if (!present)
			return 0;
		for (i = 0; i < p->nmatch_present; i++)
			if (present(ctx, &p->match_present[i]))
				break;
		if (i == p->nmatch_present)
			return 0;
	}
	return 1;
}

int profile_matches(const struct profile *p, const uint32_t *sysoid, size_t len, const char *descr)
{
	return matches(p, sysoid, len, descr, NULL, NULL);
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

static const uint32_t oid_sysdescr[] = { 1, 3, 6, 1, 2, 1, 1, 1, 0 };
static const uint32_t oid_sysobjectid[] = { 1, 3, 6, 1, 2, 1, 1, 2, 0 };

static tw_err probe_add(struct walk_target **v, size_t *n, size_t *alloc, const uint32_t *oid,
			size_t len)
{
	for (size_t i = 0; i < *n; i++)
		if (walk_oid_cmp((*v)[i].oid, (*v)[i].len, oid, len) == 0)
			return TW_OK;
	if (*n == *alloc) {
		size_t na = *alloc ? *alloc * 2 : 8;
		struct walk_target *t = realloc(*v, na * sizeof *t);
		if (!t)
			return TW_ERR_NOMEM;
		*v = t;
		*alloc = na;
	}
	memset(&(*v)[*n], 0, sizeof (*v)[*n]);
	(*v)[*n].kind = WALK_GET;
	(*v)[*n].len = len;
	memcpy((*v)[*n].oid, oid, len * sizeof *oid);
	(*n)++;
	return TW_OK;
}

tw_err profile_set_probes(const struct profile_set *s, struct walk_target **out, size_t *n)
{
	struct walk_target *v = NULL;
	size_t cnt = 0, alloc = 0;
	tw_err e;

	*out = NULL;
	*n = 0;
	if ((e = probe_add(&v, &cnt, &alloc, oid_sysobjectid, TW_ARRAY_LEN(oid_sysobjectid))) ||
	    (e = probe_add(&v, &cnt, &alloc, oid_sysdescr, TW_ARRAY_LEN(oid_sysdescr))))
		goto fail;
	for (size_t i = 0; s && i < s->n; i++)
		for (size_t j = 0; j < s->v[i]->nmatch_present; j++)
			if ((e = probe_add(&v, &cnt, &alloc, s->v[i]->match_present[j].s,
					   s->v[i]->match_present[j].n)))
				goto fail;
	*out = v;
	*n = cnt;
	return TW_OK;
fail:
	free(v);
	return e;
}

static int result_present(const void *ctx, const struct oidv *o)
{
	const struct walk_column *c = walk_result_find(ctx, o->s, o->n);
	return c && c->nrows > 0 && c->rows[0].type != WV_NULL;
}

/* sysObjectID and sysDescr from a detection result; *descr malloc'd. */
static int result_sys(const struct walk_result *r, const uint32_t **sysoid, size_t *len,
		      char **descr)
{
	const struct walk_column *co = walk_result_find(r, oid_sysobjectid,
						       TW_ARRAY_LEN(oid_sysobjectid));
	const struct walk_column *cd = walk_result_find(r, oid_sysdescr, TW_ARRAY_LEN(oid_sysdescr));
	*sysoid = NULL;
	*len = 0;
	*descr = NULL;
	if (co && co->nrows && co->rows[0].type == WV_OID) {
		*sysoid = walk_row_oidval(co, &co->rows[0]);
		*len = co->rows[0].data_len;
	}
	if (cd && cd->nrows && cd->rows[0].type == WV_STR) {
		*descr = tw_strndup((const char *)walk_row_bytes(cd, &cd->rows[0]),
				    cd->rows[0].data_len);
		if (!*descr)
			return -1;
	}
	return 0;
}

int profile_matches_result(const struct profile *p, const struct walk_result *r)
{
	const uint32_t *sysoid;
	size_t len;
	char *descr;
	int m;
	if (result_sys(r, &sysoid, &len, &descr))
		return 0;
	m = matches(p, sysoid, len, descr, result_present, r);
	free(descr);
	return m;
}

const struct profile *profile_set_pick_result(const struct profile_set *s,
					      const struct walk_result *r)
{
	const uint32_t *sysoid;
	size_t len;
	char *descr;
	const struct profile *p = NULL;
	if (result_sys(r, &sysoid, &len, &descr))
		return NULL;
	for (size_t i = 0; i < s->n && !p; i++)
		if (matches(s->v[i], sysoid, len, descr, result_present, r))
			p = s->v[i];
	free(descr);
	for (size_t i = 0; i < s->n && !p; i++)
		if (strcmp(s->v[i]->name, "host-resources") == 0)
			p = s->v[i];
	return p;
}

/* ------------------------------------------------------------------ */
/* mapping                                                             */

static void note(struct profile_stats *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note(struct profile_stats *st, const char *fmt, ...)
{
	va_list ap;
	if (st->note[0])
		return; /* keep the first */
	va_start(ap, fmt);
	vsnprintf(st->note, sizeof st->note, fmt, ap);
	va_end(ap);
}

/* One column of a table as found in the walk result, with its cursor
 * (this table's rows are visited in index order: a merge join). */
struct rcol {
	const struct walk_column *c;
	size_t cur;
};

struct rspec {
	struct rcol main, hi, lo;
};

/* A row of a joined table, by its key text. */
struct jkey {
	char *key;
	const uint32_t *idx;
	size_t idx_len;
	size_t ord;      /* row number: ties keep index order */
};

struct jrt {
	struct jkey *keys; /* sorted by key, then ord */
	size_t nkeys;
	size_t from, to;   /* the current row's matches */
	int ready;
};

struct maptab {
	const struct table *t;
	struct rspec *rs;        /* per colspec */
	struct jrt *jr;          /* per join */
	const struct walk_column *key;
	const uint32_t *idx;     /* current row's index */
	size_t idx_len;
	int oom;
};

/* A value: the column it came from and its row. */
struct cell {
	const struct walk_column *c;
	const struct walk_row *r;
};

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

/* Apply an extraction to s (which it takes): the first group of the match
 * (the whole match without a group), or NULL with *oom clear when it does
 * not match. */
static char *extract(const struct extract *x, char *s, int *oom)
{
	regmatch_t mt[2];
	char *r;
	size_t g;
	*oom = 0;
	if (!s || !x->ok)
		return s;
	if (regexec(&x->re, s, 2, mt, 0) != 0) {
		free(s);
		return NULL;
	}
	g = mt[1].rm_so >= 0 ? 1 : 0;
	r = tw_strndup(s + mt[g].rm_so, (size_t)(mt[g].rm_eo - mt[g].rm_so));
	free(s);
	if (!r)
		*oom = 1;
	return r;
}

static int cmp_jkey(const void *a, const void *b)
{
	const struct jkey *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	if (c)
		return c;
	return x->ord < y->ord ? -1 : x->ord > y->ord;
}

static void maptab_free(struct maptab *m)
{
	for (size_t i = 0; m->jr && i < m->t->njoins; i++) {
		for (size_t k = 0; k < m->jr[i].nkeys; k++)
			free(m->jr[i].keys[k].key);
		free(m->jr[i].keys);
	}
	free(m->jr);
	free(m->rs);
	m->jr = NULL;
	m->rs = NULL;
}

/* The key texts of a join's rows, sorted. */
static tw_err join_index(const struct join *j, const struct walk_result *r, struct jrt *jr)
{
	const struct walk_column *kc = walk_result_find(r, j->key.s, j->key.n);
	if (!kc || !kc->nrows)
		return TW_OK;
	jr->keys = calloc(kc->nrows, sizeof *jr->keys);
	if (!jr->keys)
		return TW_ERR_NOMEM;
	for (size_t i = 0; i < kc->nrows; i++) {
		const struct walk_row *row = &kc->rows[i];
		int oom;
		char *s = row_text(kc, row);
		if (!s)
			return TW_ERR_NOMEM;
		s = extract(&j->rx, s, &oom);
		if (oom)
			return TW_ERR_NOMEM;
		if (!s)
			continue;
		trim_spaces(s);
		jr->keys[jr->nkeys].key = s;
		jr->keys[jr->nkeys].idx = walk_row_index(kc, row);
		jr->keys[jr->nkeys].idx_len = row->idx_len;
		jr->keys[jr->nkeys].ord = i;
		jr->nkeys++;
	}
	if (jr->nkeys > 1)
		qsort(jr->keys, jr->nkeys, sizeof *jr->keys, cmp_jkey);
	return TW_OK;
}

static tw_err maptab_init(struct maptab *m, const struct table *t, const struct walk_result *r)
{
	tw_err e;
	memset(m, 0, sizeof *m);
	m->t = t;
	m->rs = calloc(t->ncols ? t->ncols : 1, sizeof *m->rs);
	m->jr = calloc(t->njoins ? t->njoins : 1, sizeof *m->jr);
	if (!m->rs || !m->jr)
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
	for (size_t i = 0; i < t->njoins; i++)
		if ((e = join_index(&t->joins[i], r, &m->jr[i])))
			return e;
	/* Rows come from the name column; without one, from the first column
	 * of the table itself. */
	if (t->cols[0].defined && t->cols[0].join < 0 && t->cols[0].oid.n) {
		m->key = m->rs[0].main.c;
	} else {
		for (size_t i = 0; i < t->ncols && !m->key; i++) {
			if (!t->cols[i].defined || t->cols[i].join >= 0)
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
	for (size_t i = 0; i < m->t->njoins; i++)
		m->jr[i].ready = 0;
}

static char *col_text(struct maptab *m, size_t ci);

/* The rows of join ji that match the current row: keys[*from, *to). */
static void join_range(struct maptab *m, size_t ji, size_t *from, size_t *to)
{
	struct jrt *jr = &m->jr[ji];
	if (!jr->ready) {
		char *on = col_text(m, (size_t)m->t->joins[ji].on);
		size_t lo = 0, hi = jr->nkeys;
		jr->from = jr->to = 0;
		jr->ready = 1;
		if (on) {
			trim_spaces(on);
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;
				if (strcmp(jr->keys[mid].key, on) < 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			jr->from = jr->to = lo;
			while (jr->to < jr->nkeys && strcmp(jr->keys[jr->to].key, on) == 0)
				jr->to++;
			free(on);
		}
	}
	*from = jr->from;
	*to = jr->to;
}

/* How many source rows column ci has for the current row: 1 for the
 * table's own columns, the number of matching rows for a joined one. */
static size_t col_nsrc(struct maptab *m, size_t ci)
{
	const struct colspec *c = &m->t->cols[ci];
	size_t f, t;
	if (c->join < 0)
		return 1;
	join_range(m, (size_t)c->join, &f, &t);
	return t - f;
}

/* Source row k of column ci; part 0 = the column, 1 = hi, 2 = lo.
 * Returns 1 with *out, 0 when the row has no such value. */
static int col_cell(struct maptab *m, size_t ci, size_t k, int part, struct cell *out)
{
	const struct colspec *c = &m->t->cols[ci];
	struct rcol *rc = part == 0 ? &m->rs[ci].main : part == 1 ? &m->rs[ci].hi : &m->rs[ci].lo;
	out->c = rc->c;
	out->r = NULL;
	if (!rc->c)
		return 0;
	if (c->join < 0) {
		if (k == 0)
			out->r = walk_column_seek(rc->c, &rc->cur, m->idx, m->idx_len);
	} else {
		size_t f, t;
		join_range(m, (size_t)c->join, &f, &t);
		if (f + k < t) {
			const struct jkey *jk = &m->jr[c->join].keys[f + k];
			out->r = walk_column_lookup(rc->c, jk->idx, jk->idx_len);
		}
	}
	return out->r != NULL;
}

/* hi * 2^32 + (lo & 0xFFFFFFFF); *why on failure. */
static int hilo_value(const struct cell *h, const struct cell *l, uint64_t *v, const char **why)
{
	if ((h->r->type != WV_INT && h->r->type != WV_UINT) ||
	    (l->r->type != WV_INT && l->r->type != WV_UINT)) {
		*why = "hi/lo halves are not 32-bit integers";
		return 0;
	}
	if (h->r->type == WV_INT && (int64_t)h->r->num < 0) {
		*why = "negative high half";
		return 0;
	}
	/* A low half typed Integer32 arrives negative when bit 31 is set. */
	*v = ((h->r->num & 0xffffffffULL) << 32) | (l->r->num & 0xffffffffULL);
	if (*v >= TWO63) {
		*why = "value >= 2^63";
		return 0;
	}
	return 1;
}

/* Text of column ci for the current row (its first source row), after
 * its regex; a constant for `value:`; hi/lo as the combined number.
 * malloc'd, or NULL when absent (m->oom set on allocation failure). */
static char *col_text(struct maptab *m, size_t ci)
{
	const struct colspec *c = &m->t->cols[ci];
	struct cell a, h, l;
	char *s = NULL;
	int oom;

	if (!c->defined)
		return NULL;
	if (c->value) {
		if (!(s = tw_strdup(c->value)))
			m->oom = 1;
		return s;
	}
	if (c->hi.n) {
		uint64_t v;
		const char *why;
		char buf[24];
		if (!col_cell(m, ci, 0, 1, &h) || !col_cell(m, ci, 0, 2, &l) ||
		    !hilo_value(&h, &l, &v, &why))
			return NULL;
		snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
		s = tw_strdup(buf);
	} else if (c->oid.n) {
		if (!col_cell(m, ci, 0, 0, &a))
			return NULL;
		s = row_text(a.c, a.r);
	} else {
		return NULL;
	}
	if (!s) {
		m->oom = 1;
		return NULL;
	}
	s = extract(&c->rx, s, &oom);
	if (oom)
		m->oom = 1;
	return s;
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

/* Raw number of source row k of column ci: 1 with *v (or *dv and *frac),
 * 0 when absent (*why stays NULL) or unusable (*why says why). */
static int src_number(struct maptab *m, size_t ci, size_t k, uint64_t *v, double *dv, int *frac,
		      const char **why)
{
	const struct colspec *c = &m->t->cols[ci];
	struct cell a, h, l;
	*why = NULL;
	*frac = 0;
	if (c->hi.n) {
		if (!col_cell(m, ci, k, 1, &h) || !col_cell(m, ci, k, 2, &l))
			return 0;
		return hilo_value(&h, &l, v, why);
	}
	if (!col_cell(m, ci, k, 0, &a))
		return 0;
	if (!row_number(a.c, a.r, v, dv, frac, why) && !*why)
		*why = "not a number";
	return *why == NULL;
}

/* A size figure of column ci for the current row: unit x scale x
 * multiply_by, summed over its source rows (a join may match several,
 * e.g. a NetApp volume and its .snapshot reserve).  Returns 1 with *out
 * when known and sane; 0 when absent or invalid (*invalid set and a note
 * written when it was present but unusable). */
static int col_figure(struct maptab *m, size_t ci, const struct profile *p, const char *rowname,
		      uint64_t *out, int *invalid, struct profile_stats *st)
{
	const struct colspec *c = &m->t->cols[ci];
	uint64_t sum = 0;
	int any = 0;
	const char *why = NULL;
	size_t nsrc;

	*invalid = 0;
	if (!c->defined || (!c->oid.n && !c->hi.n))
		return 0;
	nsrc = col_nsrc(m, ci);
	for (size_t k = 0; k < nsrc && !why; k++) {
		uint64_t v = 0, mulv = 1;
		double dv = 0;
		int frac = 0;
		if (!src_number(m, ci, k, &v, &dv, &frac, &why)) {
			if (why)
				break;
			continue; /* this source has no value */
		}
		if (c->has_unset && !frac && v == c->unset)
			continue; /* e.g. quota 0: no quota set */
		if (c->mul >= 0) {
			double mdv = 0;
			int mfrac = 0;
			const char *mwhy = NULL;
			if (!src_number(m, (size_t)c->mul, k, &mulv, &mdv, &mfrac, &mwhy)) {
				if (!mwhy)
					continue;
				why = "multiply_by column is not a whole number";
				break;
			}
			if (mfrac) {
				why = "multiply_by column is not a whole number";
				break;
			}
		}
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
		if (!why && __builtin_add_overflow(sum, v, &sum))
			why = "sum overflows 64 bits";
		any = 1;
	}
	if (!why && any && sum > p->max_bytes)
		why = "value above sanity.max_bytes";
	if (why) {
		*invalid = 1;
		st->figures_invalid++;
		note(st, "%s '%s': %s %s: dropped", m->t->what, rowname, c->name, why);
		return 0;
	}
	if (!any)
		return 0;
	*out = sum;
	return 1;
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
static char *col_wwn(struct maptab *m, size_t ci)
{
	const struct colspec *c = &m->t->cols[ci];
	struct cell a;
	char *s;

	if (!c->defined)
		return NULL;
	if (c->oid.n && !c->rx.ok && col_cell(m, ci, 0, 0, &a) && a.r->type == WV_STR) {
		const unsigned char *b = walk_row_bytes(a.c, a.r);
		int printable = 1;
		for (size_t i = 0; i < a.r->data_len; i++)
			if (b[i] < 0x20 || b[i] > 0x7e)
				printable = 0;
		if (c->fmt == FMT_HEX || (c->fmt == FMT_AUTO && !printable)) {
			s = hexstr(b, a.r->data_len);
			if (!s)
				m->oom = 1;
			return s;
		}
	}
	s = col_text(m, ci);
	if (!s)
		return NULL;
	trim_spaces(s);
	if (!*s) {
		free(s);
		return NULL;
	}
	return s;
}

/* thin from its column: a map (text -> bool, "*" for any other value),
 * else a TruthValue (1 true, 2 false).  infer is handled by the caller. */
static int col_thin(struct maptab *m, size_t ci, int *thin)
{
	const struct colspec *c = &m->t->cols[ci];
	char *s;
	int found = 0;

	if (!c->defined || c->infer)
		return 0;
	if (!(s = col_text(m, ci)))
		return 0;
	trim_spaces(s);
	if (!c->nmap) {
		if (strcmp(s, "1") == 0 || strcmp(s, "2") == 0) {
			*thin = s[0] == '1';
			found = 1;
		}
	} else {
		for (size_t i = 0; i < c->nmap && !found; i++)
			if (strcmp(c->map[i].from, s) == 0) {
				*thin = c->map[i].to;
				found = 1;
			}
		for (size_t i = 0; i < c->nmap && !found; i++)
			if (strcmp(c->map[i].from, "*") == 0) {
				*thin = c->map[i].to;
				found = 1;
			}
	}
	free(s);
	return found;
}

/* Row filters: 1 keep, 0 drop, -1 OOM. */
static int row_passes(struct maptab *m)
{
	const struct table *t = m->t;
	for (size_t i = 0; i < t->nfilters; i++) {
		const struct filter *f = &t->filters[i];
		char *s = col_text(m, (size_t)f->col);
		int hit;
		if (m->oom)
			return -1;
		if (!s) {
			if (f->op == F_EQ || f->op == F_RE)
				return 0;
			continue;
		}
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

/* Name of the current row: the name column (or its constant), else a
 * string index decoded, else the dotted index.  malloc'd; NULL on OOM. */
static char *row_name(struct maptab *m)
{
	const struct table *t = m->t;
	char *s = col_text(m, 0);
	char buf[WALK_OID_MAX * 11 + 1];

	if (m->oom)
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
			m->oom = 1;
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
		m->oom = 1;
	return s;
}

/* Index components: offset/length of component k (0-based) of idx.
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
	const struct table *t;         /* the pools table */
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

/* The pool whose index component k (1-based) is exactly idx. */
static uint32_t poolref_by_component(const struct poolref *pr, unsigned k, const uint32_t *idx,
				     size_t len)
{
	for (size_t i = 0; pr->key && i < pr->key->nrows; i++) {
		const struct walk_row *r = &pr->key->rows[i];
		const uint32_t *pi = walk_row_index(pr->key, r);
		size_t off, n;
		if (pr->bidx[i] == TW_NO_POOL || index_component(pr->t, pi, r->idx_len, k - 1, &off, &n))
			continue;
		if (n == len && memcmp(pi + off, idx, len * sizeof *idx) == 0)
			return pr->bidx[i];
	}
	return TW_NO_POOL;
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
				int oom;
				if (!(s = row_text(c, &c->rows[0])))
					return TW_ERR_NOMEM;
				s = extract(&is->rx, s, &oom);
				if (oom)
					return TW_ERR_NOMEM;
				if (s) {
					trim_spaces(s);
					if (!*s) {
						free(s);
						s = NULL;
					}
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
	free(info->limitations);
	info->limitations = NULL;
	if (p->limitations && *p->limitations && !(info->limitations = tw_strdup(p->limitations)))
		return TW_ERR_NOMEM;
	return TW_OK;
}

/* Completeness of a table: the agent's columns of one table must agree
 * on its rows.  Every row of the key (name) column that is mapped must
 * have each checked column that has rows at all -- a figure, the pool
 * link, a multiply_by column -- and no checked column may hold rows the
 * key column lacks; a checked column that came back empty because the
 * agent's MIB view ended inside the table (the key column's walk ended
 * with endOfMibView, before this column) lost its rows too.  Otherwise
 * figures went missing without a word (pool totals silently lower), so
 * each missing figure counts in figures_invalid and drv_snmp fails the
 * poll with invalid_data.  A column empty for every row is one the device
 * does not implement: fine; so is one the profile declares `sparse`. */
struct cpart {
	size_t ci;           /* colspec */
	const struct walk_column *c;
	size_t cur;          /* merge-join cursor over c */
	size_t have;         /* key rows (filtered or not) that c has */
	size_t missing;      /* mapped key rows that c lacks */
};

struct completeness {
	struct cpart *parts;
	size_t nparts;
	size_t mapped;       /* key rows mapped (not filtered) */
};

static int col_checked(const struct table *t, size_t ci)
{
	const struct colspec *c = &t->cols[ci];
	if (!c->defined || c->join >= 0 || c->sparse || (!c->oid.n && !c->hi.n))
		return 0;
	if (ci < t->nroles && is_figure_role(t, ci))
		return 1;
	if (t->nroles == V_NROLES && ci == V_POOL)
		return c->link != LINK_NONE && c->link != LINK_SOLE;
	for (size_t k = 0; k < t->ncols; k++) /* a multiply_by of a checked figure */
		if (k != ci && t->cols[k].defined && t->cols[k].mul == (int)ci &&
		    k < t->nroles && is_figure_role(t, k) && !t->cols[k].sparse)
			return 1;
	return 0;
}

static tw_err completeness_init(struct completeness *cp, const struct maptab *m)
{
	const struct table *t = m->t;
	memset(cp, 0, sizeof *cp);
	cp->parts = calloc(2 * t->ncols + 1, sizeof *cp->parts);
	if (!cp->parts)
		return TW_ERR_NOMEM;
	for (size_t ci = 0; ci < t->ncols; ci++) {
		const struct walk_column *pc[2] = { m->rs[ci].main.c, NULL };
		if (!col_checked(t, ci))
			continue;
		if (t->cols[ci].hi.n) {
			pc[0] = m->rs[ci].hi.c;
			pc[1] = m->rs[ci].lo.c;
		}
		for (size_t k = 0; k < 2; k++) {
			if (!pc[k] || pc[k] == m->key)
				continue;
			cp->parts[cp->nparts].ci = ci;
			cp->parts[cp->nparts].c = pc[k];
			cp->nparts++;
		}
	}
	return TW_OK;
}

/* The current key row (m->idx): which checked columns have it. */
static void completeness_row(struct completeness *cp, const struct maptab *m, int mapped)
{
	if (mapped)
		cp->mapped++;
	for (size_t i = 0; i < cp->nparts; i++) {
		struct cpart *pt = &cp->parts[i];
		if (walk_column_seek(pt->c, &pt->cur, m->idx, m->idx_len))
			pt->have++;
		else if (mapped)
			pt->missing++;
	}
}

static void completeness_done(struct completeness *cp, const struct maptab *m,
			      struct profile_stats *st)
{
	const struct table *t = m->t;
	const char *key = t->cols[0].defined && m->key == m->rs[0].main.c ? "name" : "key";

	for (size_t i = 0; m->key && i < cp->nparts; i++) {
		const struct cpart *pt = &cp->parts[i];
		const char *cname = t->cols[pt->ci].name;
		if (pt->c->nrows == 0) {
			/* Empty: not implemented, unless the view ended in the
			 * table before this column while the key column had rows. */
			if (cp->mapped && m->key->end_of_view && m->key->nrows &&
			    walk_oid_cmp(pt->c->oid, pt->c->oid_len, m->key->oid,
					 m->key->oid_len) > 0) {
				st->figures_invalid += cp->mapped;
				note(st, "%s table incomplete: the agent's MIB view ended after %zu %s "
					 "row(s), before %s (endOfMibView inside the table)",
				     t->what, m->key->nrows, key, cname);
			}
			continue;
		}
		if (pt->missing) {
			st->figures_invalid += pt->missing;
			note(st, "%s table incomplete: %zu of %zu rows lack %s", t->what, pt->missing,
			     cp->mapped, cname);
		}
		if (pt->c->nrows > pt->have) {
			st->figures_invalid += pt->c->nrows - pt->have;
			note(st, "%s table incomplete: %zu %s row(s) have no %s row", t->what,
			     pt->c->nrows - pt->have, cname, key);
		}
	}
	free(cp->parts);
	cp->parts = NULL;
}

static tw_err map_pools(const struct profile *p, const struct walk_result *r,
			struct snap_builder *b, struct poolref *pr, struct profile_stats *st)
{
	struct maptab m;
	struct completeness cp;
	tw_err e;
	size_t nrows;

	pr->t = &p->pools;
	memset(&cp, 0, sizeof cp);
	if ((e = maptab_init(&m, &p->pools, r)))
		goto out;
	if (!m.key)
		goto out;
	if ((e = completeness_init(&cp, &m)))
		goto out;
	nrows = m.key->nrows;
	pr->key = m.key;
	pr->bidx = malloc((nrows ? nrows : 1) * sizeof *pr->bidx);
	pr->names = calloc(nrows ? nrows : 1, sizeof *pr->names);
	if (!pr->bidx || !pr->names) {
		e = TW_ERR_NOMEM;
		goto out;
	}
	for (size_t row = 0; row < nrows; row++)
		pr->bidx[row] = TW_NO_POOL;
	for (size_t row = 0; row < nrows; row++) {
		uint64_t cap = 0, used = 0, fr = 0, prov = 0;
		int has_cap, has_used, has_free, has_prov, inv, pass;
		uint32_t before, pi;
		struct tw_pool *pool;
		char *name;

		maptab_reset(&m, m.key, row);
		pass = row_passes(&m);
		if (pass < 0) {
			e = TW_ERR_NOMEM;
			goto out;
		}
		completeness_row(&cp, &m, pass);
		if (!pass) {
			st->rows_filtered++;
			continue;
		}
		name = row_name(&m);
		if (!name) {
			e = TW_ERR_NOMEM;
			goto out;
		}
		has_cap = col_figure(&m, P_CAPACITY, p, name, &cap, &inv, st);
		has_used = col_figure(&m, P_USED, p, name, &used, &inv, st);
		has_free = col_figure(&m, P_FREE, p, name, &fr, &inv, st);
		has_prov = col_figure(&m, P_PROVISIONED, p, name, &prov, &inv, st);
		if (m.oom) {
			free(name);
			e = TW_ERR_NOMEM;
			goto out;
		}
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
	completeness_done(&cp, &m, st);
out:
	free(cp.parts);
	maptab_free(&m);
	return e;
}

/* Encode the link value of a row the way the pool table's index (or its
 * component) holds it.  Returns 0 with key/klen, -1 when it cannot be. */
static int link_key(const struct profile *p, const struct colspec *c, const struct cell *a,
		    uint32_t *key, size_t *klen)
{
	const struct walk_row *row = a->r;
	*klen = 0;
	if (row->type == WV_INT || row->type == WV_UINT) {
		if (row->type == WV_INT && (int64_t)row->num < 0)
			return -1;
		key[0] = (uint32_t)row->num;
		*klen = 1;
		return 0;
	}
	if (row->type == WV_STR) {
		/* An index held as a string: encode as the pool index does. */
		const unsigned char *bs = walk_row_bytes(a->c, row);
		size_t n = row->data_len;
		enum idx_kind kind = IX_STRING;
		if (p->pools.kinds) {
			size_t k = c->pool_comp ? c->pool_comp - 1 : 0;
			if (c->pool_comp || p->pools.nkinds == 1)
				kind = p->pools.kinds[k];
		}
		if (n + 1 > WALK_OID_MAX)
			return -1;
		if (kind == IX_INTEGER) {
			/* a number written as text */
			char tmp[24];
			uint64_t v;
			if (n == 0 || n >= sizeof tmp)
				return -1;
			memcpy(tmp, bs, n);
			tmp[n] = '\0';
			if (tw_parse_u64(tmp, &v) || v > UINT32_MAX)
				return -1;
			key[0] = (uint32_t)v;
			*klen = 1;
			return 0;
		}
		if (kind == IX_STRING)
			key[(*klen)++] = (uint32_t)n;
		for (size_t i = 0; i < n; i++)
			key[(*klen)++] = bs[i];
		return 0;
	}
	if (row->type == WV_OID) {
		*klen = row->data_len < WALK_OID_MAX ? row->data_len : WALK_OID_MAX;
		memcpy(key, walk_row_oidval(a->c, row), *klen * sizeof *key);
		return 0;
	}
	return -1;
}

/* Pools named by their link index (no pools table: "pool" + "3"), by
 * index, for one volume table: a table of 50,000 rows usually links to a
 * handful of pools, so each index is formatted and looked up once, not
 * once per row.  Indexes longer than LINK_CACHE_OIDS are not kept. */
#define LINK_CACHE_SLOTS 32
#define LINK_CACHE_OIDS 8
struct link_cache {
	struct {
		size_t klen;                  /* 0: slot unused */
		uint32_t key[LINK_CACHE_OIDS];
		uint32_t pool;                /* builder index */
	} slot[LINK_CACHE_SLOTS];
	size_t next;                          /* slot to replace next */
};

static uint32_t link_cache_get(const struct link_cache *lc, const uint32_t *key, size_t klen)
{
	for (size_t i = 0; i < LINK_CACHE_SLOTS; i++)
		if (lc->slot[i].klen == klen && memcmp(lc->slot[i].key, key, klen * sizeof *key) == 0)
			return lc->slot[i].pool;
	return TW_NO_POOL;
}

static void link_cache_put(struct link_cache *lc, const uint32_t *key, size_t klen, uint32_t pool)
{
	if (klen == 0 || klen > LINK_CACHE_OIDS)
		return;
	lc->slot[lc->next].klen = klen;
	memcpy(lc->slot[lc->next].key, key, klen * sizeof *key);
	lc->slot[lc->next].pool = pool;
	lc->next = (lc->next + 1) % LINK_CACHE_SLOTS;
}

/* The pool of the current volume row.  *unresolved is set when the row
 * has a link value that points nowhere.  lc remembers the pools named by
 * link index in this table (see struct link_cache). */
static tw_err resolve_pool(const struct profile *p, struct maptab *m, const struct poolref *pr,
			   struct snap_builder *b, size_t vstart, struct link_cache *lc,
			   uint32_t *out, int *unresolved)
{
	const struct colspec *c = &m->t->cols[V_POOL];
	uint32_t key[WALK_OID_MAX];
	size_t klen = 0;
	char *name = NULL;
	char buf[WALK_OID_MAX * 11 + 1];
	struct cell a;
	int from_key;

	*out = TW_NO_POOL;
	*unresolved = 0;
	if (!c->defined)
		return TW_OK;
	switch (c->link) {
	case LINK_SOLE:
		if (pr->nnames == 1)
			*out = pr->names[0].bidx;
		else
			*unresolved = 1;
		return TW_OK;
	case LINK_COMPONENT: {
		size_t off, n;
		if (index_component(m->t, m->idx, m->idx_len, c->component - 1, &off, &n)) {
			*unresolved = 1;
			return TW_OK;
		}
		memcpy(key, m->idx + off, n * sizeof *key);
		klen = n;
		break;
	}
	case LINK_VOLUME:
	case LINK_NAME:
		name = col_text(m, V_POOL);
		if (m->oom)
			return TW_ERR_NOMEM;
		if (!name) {
			/* no link value, or its regex did not match */
			*unresolved = col_cell(m, V_POOL, 0, 0, &a);
			return TW_OK;
		}
		trim_spaces(name);
		if (c->link == LINK_VOLUME) {
			/* A volume of an earlier table; this row goes to its pool. */
			struct tw_volume *v = snap_builder_find_volume(b, name);
			struct tw_volume *v0 = snap_builder_volume_at(b, 0);
			free(name);
			if (v && v0 && (size_t)(v - v0) < vstart)
				*out = v->pool;
			else
				*unresolved = 1;
			return TW_OK;
		}
		break;
	case LINK_INDEX:
		if (!col_cell(m, V_POOL, 0, 0, &a))
			return TW_OK; /* no link value: volume without pool */
		if (link_key(p, c, &a, key, &klen)) {
			*unresolved = 1;
			return TW_OK;
		}
		break;
	case LINK_NONE:
	default:
		return TW_OK;
	}
	if (p->pools.present) {
		if (name)
			*out = poolref_by_name(pr, name);
		else if (c->link == LINK_INDEX && c->pool_comp)
			*out = poolref_by_component(pr, c->pool_comp, key, klen);
		else
			*out = poolref_by_index(pr, key, klen);
		if (*out == TW_NO_POOL)
			*unresolved = 1;
		free(name);
		return TW_OK;
	}
	/* No pools table: the link names the pool. */
	from_key = !name;
	if (from_key) {
		const char *pre = c->name_prefix ? c->name_prefix : "";
		size_t a2 = strlen(pre);
		if (klen > 0 && klen <= LINK_CACHE_OIDS &&
		    (*out = link_cache_get(lc, key, klen)) != TW_NO_POOL)
			return TW_OK;
		walk_oid_format(key, klen, buf, sizeof buf);
		name = malloc(a2 + strlen(buf) + 1);
		if (!name)
			return TW_ERR_NOMEM;
		memcpy(name, pre, a2);
		memcpy(name + a2, buf, strlen(buf) + 1);
	} else if (c->name_prefix) {
		size_t a2 = strlen(c->name_prefix), n = strlen(name);
		char *t = malloc(a2 + n + 1);
		if (!t) {
			free(name);
			return TW_ERR_NOMEM;
		}
		memcpy(t, c->name_prefix, a2);
		memcpy(t + a2, name, n + 1);
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
	if (from_key)
		link_cache_put(lc, key, klen, *out);
	return TW_OK;
}

/* Index of v in the builder, or SIZE_MAX. */
static size_t vol_pos(struct snap_builder *b, const struct tw_volume *v)
{
	const struct tw_volume *v0 = snap_builder_volume_at(b, 0);
	return v && v0 ? (size_t)(v - v0) : SIZE_MAX;
}

/* nest_by_path: a volume named below another volume of the same table
 * ("/ifs/data/a" below "/ifs/data") is inside it. */
static tw_err nest_paths(struct snap_builder *b, size_t start, struct profile_stats *st)
{
	size_t end = snap_builder_nvolumes(b);
	for (size_t i = start; i < end; i++) {
		struct tw_volume *v = snap_builder_volume_at(b, i);
		size_t len = strlen(v->name);
		char *tmp;
		if (v->flags & TW_NESTED)
			continue;
		if (!(tmp = tw_strdup(v->name)))
			return TW_ERR_NOMEM;
		for (size_t k = len; k-- > 1;) {
			struct tw_volume *o;
			size_t pos;
			if (tmp[k] != '/')
				continue;
			tmp[k] = '\0';
			o = snap_builder_find_volume(b, tmp);
			pos = vol_pos(b, o);
			if (o && pos >= start && pos < end && pos != i) {
				v->flags |= TW_NESTED;
				st->volumes_nested++;
				break;
			}
		}
		free(tmp);
	}
	return TW_OK;
}

static tw_err map_volumes(const struct profile *p, const struct table *t,
			  const struct walk_result *r, struct snap_builder *b,
			  const struct poolref *pr, struct profile_stats *st)
{
	struct maptab m;
	struct completeness cp;
	struct link_cache lc;
	size_t start = snap_builder_nvolumes(b);
	tw_err e;

	memset(&cp, 0, sizeof cp);
	memset(&lc, 0, sizeof lc);
	if ((e = maptab_init(&m, t, r)))
		goto out;
	if (m.key && (e = completeness_init(&cp, &m)))
		goto out;
	for (size_t row = 0; m.key && row < m.key->nrows; row++) {
		uint64_t prov = 0, cons = 0;
		int has_prov, has_cons, has_thin, thin = 0, inv, pass, unresolved;
		uint32_t pool;
		struct tw_volume *v;
		char *name, *wwn;

		maptab_reset(&m, m.key, row);
		pass = row_passes(&m);
		if (pass < 0) {
			e = TW_ERR_NOMEM;
			break;
		}
		completeness_row(&cp, &m, pass);
		if (!pass) {
			st->rows_filtered++;
			continue;
		}
		if (!(name = row_name(&m))) {
			e = TW_ERR_NOMEM;
			break;
		}
		if ((e = resolve_pool(p, &m, pr, b, start, &lc, &pool, &unresolved))) {
			free(name);
			break;
		}
		if (unresolved) {
			st->links_unresolved++;
			note(st, "%s '%s': pool link points to no pool", t->what, name);
		}
		has_prov = col_figure(&m, V_PROVISIONED, p, name, &prov, &inv, st);
		has_cons = col_figure(&m, V_CONSUMED, p, name, &cons, &inv, st);
		has_thin = col_thin(&m, V_THIN, &thin);
		if (t->cols[V_THIN].infer && has_prov && has_cons) {
			/* A thick volume is allocated in full when created. */
			thin = cons < prov;
			has_thin = 1;
		}
		wwn = col_wwn(&m, V_WWN);
		if (m.oom) {
			free(name);
			free(wwn);
			e = TW_ERR_NOMEM;
			break;
		}
		if (t->merge_dups) {
			struct tw_volume *o = snap_builder_find_volume(b, name);
			size_t pos = vol_pos(b, o);
			if (o && pos >= start) {
				/* The same object twice (Isilon: two quotas on one
				 * directory): one promise; keep the larger figures. */
				if (has_prov && (!(o->flags & TW_HAS_PROVISIONED) || prov > o->provisioned)) {
					o->provisioned = prov;
					o->flags |= TW_HAS_PROVISIONED;
				}
				if (has_cons && (!(o->flags & TW_HAS_CONSUMED) || cons > o->consumed)) {
					o->consumed = cons;
					o->flags |= TW_HAS_CONSUMED;
				}
				if (has_thin && !(o->flags & TW_HAS_THIN)) {
					o->thin = thin;
					o->flags |= TW_HAS_THIN;
				}
				if (wwn && !o->wwn) {
					o->wwn = wwn;
					wwn = NULL;
				}
				free(wwn);
				free(name);
				st->volumes_merged++;
				continue;
			}
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
		if (t->nested) {
			v->flags |= TW_NESTED;
			st->volumes_nested++;
		}
		free(v->wwn);
		v->wwn = wwn;
		st->volumes++;
	}
	if (!e && m.key)
		completeness_done(&cp, &m, st);
	if (!e && t->nest_by_path)
		e = nest_paths(b, start, st);
out:
	free(cp.parts);
	maptab_free(&m);
	return e;
}

tw_err profile_map(const struct profile *p, const struct walk_result *r, struct snap_builder *b,
		   struct profile_stats *st, char *msg, size_t msglen)
{
	struct profile_stats local;
	struct poolref pr;
	size_t pools0 = snap_builder_npools(b);
	tw_err e;

	if (!st)
		st = &local;
	memset(st, 0, sizeof *st);
	memset(&pr, 0, sizeof pr);
	if ((e = map_info(p, r, b)))
		goto out;
	if (p->pools.present && (e = map_pools(p, r, b, &pr, st)))
		goto out;
	for (size_t k = 0; k < p->nvols && !e; k++)
		e = map_volumes(p, &p->vols[k], r, b, &pr, st);
	/* Without a pools table, pools come into being as volumes name them
	 * (pool link + name_prefix): count those too. */
	if (!e && !p->pools.present)
		st->pools = snap_builder_npools(b) - pools0;
out:
	poolref_free(&pr);
	if (e)
		return tw_seterr(msg, msglen, e, "profile %s: %s", p->name, tw_strerror(e));
	return TW_OK;
}
