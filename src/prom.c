/* prom.c: exposition rendering (see prom.h).  Byte values are exact
 * integers; other values up to 15 significant digits (timestamps keep
 * milliseconds).  No family is ever emitted twice and every family carries
 * HELP and TYPE.
 *
 * Snapshot fragments are the bulk of a scrape (50,000 volumes: 17 MB), so
 * prom_render_snapshot escapes each label value once (the array name once,
 * each pool name once, each volume's label set once for its four families),
 * sizes the volume fragments exactly before writing them, and appends known
 * lengths only.  A scrape (prom_plan_new) then renders only its small parts
 * and points at the fragments. */
#include "config.h"
#include "prom.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct family { const char *name; size_t len; const char *type; const char *help; };

/* A family of the table below: name, its length, type, help. */
#define FAM(name, type, help) { name, sizeof name - 1, type, help }

static const struct family snap_families[PF_COUNT] = {
	[PF_POOL_CAPACITY] = FAM("thinwatch_pool_capacity_bytes", "gauge",
		"Physical capacity of the pool in bytes, as the array reports it."),
	[PF_POOL_USED] = FAM("thinwatch_pool_used_bytes", "gauge",
		"Physical space used in the pool in bytes (after data reduction where the array does it)."),
	[PF_POOL_FREE] = FAM("thinwatch_pool_free_bytes", "gauge",
		"Physical free space of the pool in bytes, as the array reports it (may differ from capacity minus used by reserves)."),
	[PF_POOL_PROVISIONED] = FAM("thinwatch_pool_provisioned_bytes", "gauge",
		"Bytes promised to hosts by the pool's volumes (subscribed): the array's own subscribed figure where it reports one, else the sum of its volumes' provisioned sizes (outer objects only, each promise counted once)."),
	[PF_POOL_RATIO] = FAM("thinwatch_pool_overcommit_ratio", "gauge",
		"Provisioned bytes divided by physical capacity (absent when capacity is unknown or zero)."),
	[PF_POOL_THRESHOLD] = FAM("thinwatch_pool_overcommit_threshold_ratio", "gauge",
		"Overcommit ratio above which the pool is flagged overcommitted (from the config)."),
	[PF_POOL_OVERCOMMITTED] = FAM("thinwatch_pool_overcommitted", "gauge",
		"1 when provisioned bytes exceed capacity times the threshold, else 0."),
	[PF_POOL_UNBACKED] = FAM("thinwatch_pool_unbacked_bytes", "gauge",
		"Sum over thin volumes of provisioned minus consumed bytes: promised but not yet allocated."),
	[PF_POOL_SHORTFALL] = FAM("thinwatch_pool_shortfall_bytes", "gauge",
		"Unbacked bytes minus pool free bytes, floored at 0: what the pool cannot deliver if thin volumes fill up."),
	[PF_POOL_VOLUMES] = FAM("thinwatch_pool_volumes", "gauge",
		"Number of volumes in the pool counted in its figures (volumes nested inside other volumes, such as NetApp LUNs in their FlexVol, are not counted)."),
	[PF_VOL_PROVISIONED] = FAM("thinwatch_volume_provisioned_bytes", "gauge",
		"Logical size of the volume promised to hosts, in bytes. Volumes nested inside other volumes (NetApp LUNs in their FlexVol, directory quotas below another quota) are exported too but not summed into their pool."),
	[PF_VOL_CONSUMED] = FAM("thinwatch_volume_consumed_bytes", "gauge",
		"Physical space allocated to the volume in its pool, in bytes."),
	[PF_VOL_THIN] = FAM("thinwatch_volume_thin", "gauge",
		"1 when the volume is thin-provisioned, 0 when thick."),
	[PF_VOL_INFO] = FAM("thinwatch_volume_info", "gauge",
		"Volume identity: WWN (NAA id) or serial where the array exposes it. Always 1."),
	[PF_ARRAY_INFO] = FAM("thinwatch_array_info", "gauge",
		"Array identity as reported by the array, the profile used to read it, and in limitations what that profile cannot read (such as pool capacity is unknown; empty when none). Always 1."),
};

/* Length (2..4) of the valid UTF-8 sequence starting with the byte >= 0x80
 * at s, or 0 when it is not one (stray continuation byte, overlong form,
 * surrogate, above U+10FFFF, cut short).  s is NUL-terminated, and a NUL
 * is never a continuation byte, so nothing is read past it. */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned c = s[0];
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f))
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80 ||
		    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

/* Where a label value scan stops: its end, the three escaped characters
 * and every byte >= 0x80 (checked for valid UTF-8). */
static inline int label_stop(unsigned c)
{
	return c >= 0x80 || c == '\0' || c == '\n' || c == '"' || c == '\\';
}

/* Escape label value v into b, or with b NULL only measure it; returns the
 * escaped length.  Backslash, double quote and newline are escaped; bytes
 * that are not part of valid UTF-8 become U+FFFD (Prometheus refuses a
 * whole scrape over one label value that is not UTF-8, such as a Latin-1
 * name from old firmware). */
static size_t escape_label(struct buf *b, const char *v)
{
	const unsigned char *run = (const unsigned char *)v, *p = run;
	size_t extra = 0;

	for (;;) {
		const char *rep;
		size_t rlen, n;
		while (!label_stop(*p))
			p++;
		if (!*p)
			break;
		if (*p >= 0x80 && (n = utf8_seq(p)) != 0) {
			p += n;
			continue;
		}
		switch (*p) {
		case '\\': rep = "\\\\"; rlen = 2; break;
		case '"': rep = "\\\""; rlen = 2; break;
		case '\n': rep = "\\n"; rlen = 2; break;
		default: rep = "\xef\xbf\xbd"; rlen = 3; break;
		}
		if (b) {
			buf_append(b, run, (size_t)(p - run));
			buf_append(b, rep, rlen);
		}
		extra += rlen - 1;
		run = ++p;
	}
	if (b)
		buf_append(b, run, (size_t)(p - run));
	return (size_t)(p - (const unsigned char *)v) + extra;
}

tw_err prom_escape_label(struct buf *b, const char *v)
{
	escape_label(b, v);
	return b->err;
}

/* A string literal and its length, for buf_append. */
#define LIT(s) (s), (sizeof(s) - 1)
#define LIT_LEN(s) (sizeof(s) - 1)

static void put_double(struct buf *b, double v)
{
	if (isnan(v))
		buf_append(b, LIT("NaN"));
	else if (isinf(v))
		buf_puts(b, v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 9.007199254740992e15)
		buf_printf(b, "%.0f", v);
	else
		buf_printf(b, "%.15g", v);
}

/* Longest put_double output ("-1.23456789012345e-308", 22 bytes), rounded up. */
#define DOUBLE_MAX_LEN 24

/* Decimal digits of v (what buf_put_u64 writes). */
static size_t u64_len(uint64_t v)
{
	size_t n = 1;
	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* ---- per-snapshot fragments ---- */

/* The label values of one snapshot, each escaped once: the array name is
 * text[off[0] .. off[1]), pool i's name text[off[i + 1] .. off[i + 2]). */
struct esc_names {
	struct buf text;
	size_t *off;
};

static tw_err esc_names_init(struct esc_names *en, const struct tw_snapshot *s)
{
	buf_init(&en->text, PROM_SCRAPE_MAX_BYTES);
	en->off = calloc(s->npools + 2, sizeof *en->off);
	if (!en->off)
		return TW_ERR_NOMEM;
	escape_label(&en->text, s->array);
	for (size_t i = 0; i < s->npools; i++) {
		en->off[i + 1] = en->text.len;
		escape_label(&en->text, s->pools[i].name);
	}
	en->off[s->npools + 1] = en->text.len;
	return en->text.err;
}

static void esc_names_free(struct esc_names *en)
{
	buf_free(&en->text);
	free(en->off);
	en->off = NULL;
}

static const char *esc_array(const struct esc_names *en, size_t *len)
{
	*len = en->off[1];
	return en->text.data ? en->text.data : "";
}

/* Escaped name of pool i; "" for TW_NO_POOL (or any index out of range). */
static const char *esc_pool(const struct esc_names *en, const struct tw_snapshot *s, uint32_t i,
			    size_t *len)
{
	if (i >= s->npools || !en->text.data) {
		*len = 0;
		return "";
	}
	*len = en->off[i + 2] - en->off[i + 1];
	return en->text.data + en->off[i + 1];
}

/* name{labels} value\n, with the label set ls already ending in "} ". */
static void line_u64(struct buf *b, enum prom_snap_family f, const struct buf *ls, uint64_t v)
{
	buf_append(b, snap_families[f].name, snap_families[f].len);
	buf_append(b, ls->data, ls->len);
	buf_put_u64(b, v);
	buf_putc(b, '\n');
}

static void line_dbl(struct buf *b, enum prom_snap_family f, const struct buf *ls, double v)
{
	buf_append(b, snap_families[f].name, snap_families[f].len);
	buf_append(b, ls->data, ls->len);
	put_double(b, v);
	buf_putc(b, '\n');
}

/* The pool families, one pass over the pools: each pool's label set
 * {array="A",pool="P"}  is built once and used for its ten families.  The
 * fragments are sized from an upper bound first (pools are few). */
static tw_err render_pools(const struct tw_snapshot *s, const struct esc_names *en,
			   struct buf *fb, struct buf *ls)
{
	size_t alen, plen, lsum = 0;
	const char *a = esc_array(en, &alen);

	for (size_t i = 0; i < s->npools; i++) {
		esc_pool(en, s, (uint32_t)i, &plen);
		lsum += LIT_LEN("{array=\"") + alen + LIT_LEN("\",pool=\"") + plen + LIT_LEN("\"} ");
	}
	for (int f = PF_POOL_CAPACITY; f <= PF_POOL_VOLUMES; f++)
		buf_reserve_exact(&fb[f], lsum + s->npools * (snap_families[f].len + DOUBLE_MAX_LEN + 1));

	for (size_t i = 0; i < s->npools; i++) {
		const struct tw_pool *p = &s->pools[i];
		const struct tw_pool_figures *g = &p->fig;
		const char *pn = esc_pool(en, s, (uint32_t)i, &plen);

		buf_reset(ls);
		buf_append(ls, LIT("{array=\""));
		buf_append(ls, a, alen);
		buf_append(ls, LIT("\",pool=\""));
		buf_append(ls, pn, plen);
		buf_append(ls, LIT("\"} "));
		if (buf_failed(ls))
			return ls->err;
		if (p->flags & TW_HAS_CAPACITY)
			line_u64(&fb[PF_POOL_CAPACITY], PF_POOL_CAPACITY, ls, p->capacity);
		if (p->flags & TW_HAS_USED)
			line_u64(&fb[PF_POOL_USED], PF_POOL_USED, ls, p->used);
		if (p->flags & TW_HAS_FREE)
			line_u64(&fb[PF_POOL_FREE], PF_POOL_FREE, ls, p->free);
		line_u64(&fb[PF_POOL_PROVISIONED], PF_POOL_PROVISIONED, ls, g->provisioned);
		if (!isnan(g->overcommit_ratio))
			line_dbl(&fb[PF_POOL_RATIO], PF_POOL_RATIO, ls, g->overcommit_ratio);
		line_dbl(&fb[PF_POOL_THRESHOLD], PF_POOL_THRESHOLD, ls, p->threshold);
		if (p->flags & TW_HAS_CAPACITY)
			line_u64(&fb[PF_POOL_OVERCOMMITTED], PF_POOL_OVERCOMMITTED, ls,
				 (uint64_t)g->overcommitted);
		line_u64(&fb[PF_POOL_UNBACKED], PF_POOL_UNBACKED, ls, g->unbacked);
		if (p->flags & TW_HAS_FREE)
			line_u64(&fb[PF_POOL_SHORTFALL], PF_POOL_SHORTFALL, ls, g->shortfall);
		line_u64(&fb[PF_POOL_VOLUMES], PF_POOL_VOLUMES, ls, g->nvolumes);
	}
	return TW_OK;
}

/* The volume families, sized exactly in a first pass, then written in one
 * pass over the volumes: each volume's label set
 * {array="A",pool="P",volume="V" is escaped once and used for its four
 * families. */
static tw_err render_volumes(const struct tw_snapshot *s, const struct esc_names *en,
			     struct buf *fb, struct buf *ls)
{
	size_t need[PF_COUNT] = { 0 };
	size_t alen, plen;
	const char *a = esc_array(en, &alen);
	const size_t fixed = LIT_LEN("{array=\"") + alen + LIT_LEN("\",pool=\"") +
			     LIT_LEN("\",volume=\"");
	const size_t close = LIT_LEN("\"} ") + 1;   /* before and after the value */

	for (size_t i = 0; i < s->nvolumes; i++) {
		const struct tw_volume *v = &s->volumes[i];
		size_t l;
		esc_pool(en, s, v->pool, &plen);
		l = fixed + plen + escape_label(NULL, v->name);
		if (v->flags & TW_HAS_PROVISIONED)
			need[PF_VOL_PROVISIONED] += snap_families[PF_VOL_PROVISIONED].len + l + close +
						    u64_len(v->provisioned);
		if (v->flags & TW_HAS_CONSUMED)
			need[PF_VOL_CONSUMED] += snap_families[PF_VOL_CONSUMED].len + l + close +
						 u64_len(v->consumed);
		if (v->flags & TW_HAS_THIN)
			need[PF_VOL_THIN] += snap_families[PF_VOL_THIN].len + l + close + 1;
		need[PF_VOL_INFO] += snap_families[PF_VOL_INFO].len + l + LIT_LEN("\",wwn=\"") +
				     escape_label(NULL, v->wwn ? v->wwn : "") + LIT_LEN("\"} 1\n");
	}
	for (int f = PF_VOL_PROVISIONED; f <= PF_VOL_INFO; f++)
		buf_reserve_exact(&fb[f], need[f]);

	for (size_t i = 0; i < s->nvolumes; i++) {
		const struct tw_volume *v = &s->volumes[i];
		const char *pn = esc_pool(en, s, v->pool, &plen);
		struct buf *info = &fb[PF_VOL_INFO];
		size_t open;

		buf_reset(ls);
		buf_append(ls, LIT("{array=\""));
		buf_append(ls, a, alen);
		buf_append(ls, LIT("\",pool=\""));
		buf_append(ls, pn, plen);
		buf_append(ls, LIT("\",volume=\""));
		escape_label(ls, v->name);
		open = ls->len;          /* the info family goes on with wwn */
		buf_append(ls, LIT("\"} "));
		if (buf_failed(ls))
			return ls->err;
		if (v->flags & TW_HAS_PROVISIONED)
			line_u64(&fb[PF_VOL_PROVISIONED], PF_VOL_PROVISIONED, ls, v->provisioned);
		if (v->flags & TW_HAS_CONSUMED)
			line_u64(&fb[PF_VOL_CONSUMED], PF_VOL_CONSUMED, ls, v->consumed);
		if (v->flags & TW_HAS_THIN)
			line_u64(&fb[PF_VOL_THIN], PF_VOL_THIN, ls, (uint64_t)(v->thin != 0));
		buf_append(info, snap_families[PF_VOL_INFO].name, snap_families[PF_VOL_INFO].len);
		buf_append(info, ls->data, open);
		buf_append(info, LIT("\",wwn=\""));
		escape_label(info, v->wwn ? v->wwn : "");
		buf_append(info, LIT("\"} 1\n"));
	}
	return TW_OK;
}

static void render_array_info(struct buf *b, const struct tw_snapshot *s,
			      const struct esc_names *en)
{
	const struct tw_array_info *in = &s->info;
	size_t alen;
	const char *a = esc_array(en, &alen);

	buf_append(b, snap_families[PF_ARRAY_INFO].name, snap_families[PF_ARRAY_INFO].len);
	buf_append(b, LIT("{array=\""));
	buf_append(b, a, alen);
	buf_append(b, LIT("\",vendor=\""));
	escape_label(b, in->vendor ? in->vendor : "");
	buf_append(b, LIT("\",model=\""));
	escape_label(b, in->model ? in->model : "");
	buf_append(b, LIT("\",serial=\""));
	escape_label(b, in->serial ? in->serial : "");
	buf_append(b, LIT("\",version=\""));
	escape_label(b, in->version ? in->version : "");
	buf_append(b, LIT("\",profile=\""));
	escape_label(b, in->profile ? in->profile : "");
	buf_append(b, LIT("\",limitations=\""));
	escape_label(b, in->limitations ? in->limitations : "");
	buf_append(b, LIT("\"} 1\n"));
}

/* Hand out b's text; a fragment lives as long as its snapshot, so slack
 * beyond a few percent is given back. */
static char *detach_fit(struct buf *b, size_t *len)
{
	size_t alloc = b->alloc;
	char *p = buf_detach(b, len);
	if (p && alloc > *len + 1 + *len / 16) {
		char *t = realloc(p, *len + 1);
		if (t)
			p = t;
	}
	return p;
}

tw_err prom_render_snapshot(struct tw_snapshot *s)
{
	struct buf fb[PF_COUNT], ls;
	struct esc_names en = { .off = NULL };
	tw_err e;

	s->frag = calloc(PF_COUNT, sizeof *s->frag);
	s->frag_len = calloc(PF_COUNT, sizeof *s->frag_len);
	if (!s->frag || !s->frag_len)
		return TW_ERR_NOMEM;
	s->nfrag = PF_COUNT;
	for (int f = 0; f < PF_COUNT; f++)
		buf_init(&fb[f], PROM_SCRAPE_MAX_BYTES);
	buf_init(&ls, PROM_SCRAPE_MAX_BYTES);

	e = esc_names_init(&en, s);
	if (!e)
		e = render_pools(s, &en, fb, &ls);
	if (!e)
		e = render_volumes(s, &en, fb, &ls);
	if (!e)
		render_array_info(&fb[PF_ARRAY_INFO], s, &en);
	for (int f = 0; f < PF_COUNT && !e; f++)
		if (buf_failed(&fb[f]))
			e = fb[f].err;
	for (int f = 0; f < PF_COUNT && !e; f++)
		if (!(s->frag[f] = detach_fit(&fb[f], &s->frag_len[f])))
			e = TW_ERR_NOMEM;

	for (int f = 0; f < PF_COUNT; f++)
		buf_free(&fb[f]);
	buf_free(&ls);
	esc_names_free(&en);
	return e;
}

/* ---- per-scrape text ---- */

/* name{array="A"[,pool="P"[,volume="V"]]} and a space */
static void put_series(struct buf *b, const char *name, const char *array, const char *pool,
		       const char *volume)
{
	buf_puts(b, name);
	buf_append(b, LIT("{array=\""));
	escape_label(b, array);
	if (pool) {
		buf_append(b, LIT("\",pool=\""));
		escape_label(b, pool);
	}
	if (volume) {
		buf_append(b, LIT("\",volume=\""));
		escape_label(b, volume);
	}
	buf_append(b, LIT("\"} "));
}

static void put_u64_line(struct buf *b, const char *name, const char *array, const char *pool,
			 const char *volume, uint64_t v)
{
	put_series(b, name, array, pool, volume);
	buf_put_u64(b, v);
	buf_putc(b, '\n');
}

static void put_dbl_line(struct buf *b, const char *name, const char *array, const char *pool,
			 const char *volume, double v)
{
	put_series(b, name, array, pool, volume);
	put_double(b, v);
	buf_putc(b, '\n');
}

static void put_header(struct buf *b, const char *name, const char *type, const char *help,
		       int om)
{
	size_t len = strlen(name);
	/* OpenMetrics names counter and info families without their sample
	 * suffix (_total, _info). */
	if (om && strcmp(type, "counter") == 0 && len > 6 && strcmp(name + len - 6, "_total") == 0)
		len -= 6;
	if (om && len > 5 && strcmp(name + len - 5, "_info") == 0) {
		len -= 5;
		type = "info";
	}
	buf_append(b, LIT("# HELP "));
	buf_append(b, name, len);
	buf_putc(b, ' ');
	buf_puts(b, help);
	buf_append(b, LIT("\n# TYPE "));
	buf_append(b, name, len);
	buf_putc(b, ' ');
	buf_puts(b, type);
	buf_putc(b, '\n');
}

/* Reasons always exported (at 0) so rate()/increase() see the first error. */
static const tw_err base_reasons[] = { TW_ERR_TIMEOUT, TW_ERR_AUTH, TW_ERR_PROTOCOL,
				       TW_ERR_PARSE, TW_ERR_INVALID_DATA };

/* Everything after the snapshot families: per-target health from live
 * state, the process-wide extras, OpenMetrics' # EOF. */
static void render_live(struct buf *out, int om, const struct prom_target_view *v, size_t n,
			const struct prom_extra *x)
{
	put_header(out, "thinwatch_up", "gauge",
		   "1 when the last poll of this target succeeded and its data is fresh, else 0.", om);
	for (size_t i = 0; i < n; i++)
		put_u64_line(out, "thinwatch_up", v[i].name, NULL, NULL, (uint64_t)(v[i].up != 0));

	put_header(out, "thinwatch_poll_duration_seconds", "gauge",
		   "Wall time of the last poll of this target, in seconds.", om);
	for (size_t i = 0; i < n; i++)
		if (v[i].poll_duration >= 0)
			put_dbl_line(out, "thinwatch_poll_duration_seconds", v[i].name, NULL, NULL,
				     v[i].poll_duration);

	put_header(out, "thinwatch_last_poll_success_timestamp_seconds", "gauge",
		   "Unix time of the last successful poll of this target (0 if never).", om);
	for (size_t i = 0; i < n; i++)
		put_dbl_line(out, "thinwatch_last_poll_success_timestamp_seconds", v[i].name, NULL,
			     NULL, v[i].last_success);

	put_header(out, "thinwatch_poll_errors_total", "counter",
		   "Failed polls of this target by reason.", om);
	for (size_t i = 0; i < n; i++) {
		for (int e = 1; e < PROM_NUM_ERRORS; e++) {
			uint64_t c = v[i].errors ? v[i].errors[e] : 0;
			int base = 0;
			for (size_t k = 0; k < TW_ARRAY_LEN(base_reasons); k++)
				if (base_reasons[k] == (tw_err)e)
					base = 1;
			if (!c && !base)
				continue;
			buf_append(out, LIT("thinwatch_poll_errors_total{array=\""));
			escape_label(out, v[i].name);
			buf_append(out, LIT("\",reason=\""));
			buf_puts(out, tw_reason((tw_err)e));
			buf_append(out, LIT("\"} "));
			buf_put_u64(out, c);
			buf_putc(out, '\n');
		}
	}

	if (x) {
		put_header(out, "thinwatch_config_last_reload_successful", "gauge",
			   "1 when the last configuration (re)load succeeded.", om);
		buf_printf(out, "thinwatch_config_last_reload_successful %d\n", x->reload_ok ? 1 : 0);
		put_header(out, "thinwatch_config_last_reload_success_timestamp_seconds", "gauge",
			   "Unix time of the last successful configuration (re)load.", om);
		buf_append(out, LIT("thinwatch_config_last_reload_success_timestamp_seconds "));
		put_double(out, x->reload_success_ts);
		buf_putc(out, '\n');
		put_header(out, "thinwatch_build_info", "gauge",
			   "thinwatch build: version and source revision. Always 1.", om);
		buf_append(out, LIT("thinwatch_build_info{version=\""));
		escape_label(out, x->version);
		buf_append(out, LIT("\",revision=\""));
		escape_label(out, x->revision);
		buf_append(out, LIT("\"} 1\n"));
	}
	if (om)
		buf_append(out, LIT("# EOF\n"));
}

/* ---- the plan of a scrape ---- */

struct prom_plan {
	struct buf text;             /* rendered for this scrape */
	struct prom_piece *pieces;
	size_t npieces, alloc;
	size_t mark;                 /* text before this offset is in pieces already */
	size_t total;
	tw_err err;
};

/* While the plan is built, a text piece has data NULL and off = where it
 * starts in text (which may still move); plan_finish points it there. */
static void plan_push(struct prom_plan *p, const char *data, size_t len, size_t off)
{
	if (p->err)
		return;
	if (p->npieces == p->alloc) {
		size_t n = p->alloc ? p->alloc * 2 : 64;
		struct prom_piece *np = realloc(p->pieces, n * sizeof *np);
		if (!np) {
			p->err = TW_ERR_NOMEM;
			return;
		}
		p->pieces = np;
		p->alloc = n;
	}
	p->pieces[p->npieces++] = (struct prom_piece){ data, len, off };
}

/* Make the text written since the last piece a piece. */
static void plan_cut_text(struct prom_plan *p)
{
	if (p->text.len > p->mark) {
		plan_push(p, NULL, p->text.len - p->mark, p->mark);
		p->mark = p->text.len;
	}
}

/* Add len bytes at data (a snapshot fragment) by reference. */
static void plan_ref(struct prom_plan *p, const char *data, size_t len)
{
	if (!len)
		return;
	plan_cut_text(p);
	plan_push(p, data, len, 0);
}

static void plan_finish(struct prom_plan *p)
{
	plan_cut_text(p);
	if (!p->err && buf_failed(&p->text))
		p->err = p->text.err;
	if (p->err)
		return;
	for (size_t i = 0; i < p->npieces; i++) {
		struct prom_piece *pc = &p->pieces[i];
		if (!pc->data)
			pc->data = p->text.data + pc->off;
		if (pc->len > SIZE_MAX - p->total) {
			p->err = TW_ERR_TOO_BIG;
			return;
		}
		pc->off = p->total;
		p->total += pc->len;
	}
}

struct prom_plan *prom_plan_new(int om, const struct prom_target_view *v, size_t n,
				const struct prom_extra *x, tw_err *err)
{
	struct prom_plan *p = calloc(1, sizeof *p);

	if (!p) {
		if (err)
			*err = TW_ERR_NOMEM;
		return NULL;
	}
	buf_init(&p->text, PROM_SCRAPE_MAX_BYTES);
	/* Room for a text piece and one fragment per target per family. */
	if (n < (SIZE_MAX / sizeof *p->pieces - 8) / (PF_COUNT + 1) - 1) {
		p->alloc = (PF_COUNT + 1) * (n + 1) + 8;
		if (!(p->pieces = malloc(p->alloc * sizeof *p->pieces)))
			p->alloc = 0;
	}
	for (int f = 0; f < PF_COUNT; f++) {
		put_header(&p->text, snap_families[f].name, snap_families[f].type,
			   snap_families[f].help, om);
		for (size_t i = 0; i < n; i++)
			if (v[i].snap && (size_t)f < v[i].snap->nfrag)
				plan_ref(p, v[i].snap->frag[f], v[i].snap->frag_len[f]);
	}
	render_live(&p->text, om, v, n, x);
	plan_finish(p);
	if (p->err) {
		if (err)
			*err = p->err;
		prom_plan_free(p);
		return NULL;
	}
	if (err)
		*err = TW_OK;
	return p;
}

void prom_plan_free(struct prom_plan *p)
{
	if (!p)
		return;
	buf_free(&p->text);
	free(p->pieces);
	free(p);
}

size_t prom_plan_size(const struct prom_plan *p)
{
	return p->total;
}

const struct prom_piece *prom_plan_pieces(const struct prom_plan *p, size_t *n)
{
	*n = p->npieces;
	return p->pieces;
}

size_t prom_plan_read(const struct prom_plan *p, size_t pos, char *dst, size_t max)
{
	size_t lo = 0, hi = p->npieces, done = 0;

	if (pos >= p->total)
		return 0;
	while (hi - lo > 1) { /* the last piece starting at or before pos */
		size_t mid = lo + (hi - lo) / 2;
		if (p->pieces[mid].off <= pos)
			lo = mid;
		else
			hi = mid;
	}
	for (size_t i = lo; i < p->npieces && done < max; i++) {
		const struct prom_piece *pc = &p->pieces[i];
		size_t skip = pos - pc->off, k = pc->len - skip;
		if (k > max - done)
			k = max - done;
		memcpy(dst + done, pc->data + skip, k);
		done += k;
		pos += k;
	}
	return done;
}

tw_err prom_render(struct buf *out, int om, const struct prom_target_view *v, size_t n,
		   const struct prom_extra *x)
{
	tw_err e;
	struct prom_plan *p = prom_plan_new(om, v, n, x, &e);

	if (!p) {
		if (!out->err)
			out->err = e;
		return out->err;
	}
	buf_reserve(out, p->total);
	for (size_t i = 0; i < p->npieces; i++)
		buf_append(out, p->pieces[i].data, p->pieces[i].len);
	prom_plan_free(p);
	return out->err;
}
