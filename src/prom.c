/* prom.c: exposition rendering (see prom.h).  Byte values are exact
 * integers; other values up to 15 significant digits (timestamps keep milliseconds).  No family is ever
 * emitted twice and every family carries HELP and TYPE. */
#include "config.h"
#include "prom.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct family { const char *name; const char *type; const char *help; };

static const struct family snap_families[PF_COUNT] = {
	[PF_POOL_CAPACITY] = { "thinwatch_pool_capacity_bytes", "gauge",
		"Physical capacity of the pool in bytes, as the array reports it." },
	[PF_POOL_USED] = { "thinwatch_pool_used_bytes", "gauge",
		"Physical space used in the pool in bytes (after data reduction where the array does it)." },
	[PF_POOL_FREE] = { "thinwatch_pool_free_bytes", "gauge",
		"Physical free space of the pool in bytes, as the array reports it (may differ from capacity minus used by reserves)." },
	[PF_POOL_PROVISIONED] = { "thinwatch_pool_provisioned_bytes", "gauge",
		"Bytes promised to hosts by the pool's volumes (subscribed): the array's own subscribed figure where it reports one, else the sum of its volumes' provisioned sizes (outer objects only, each promise counted once)." },
	[PF_POOL_RATIO] = { "thinwatch_pool_overcommit_ratio", "gauge",
		"Provisioned bytes divided by physical capacity (absent when capacity is unknown or zero)." },
	[PF_POOL_THRESHOLD] = { "thinwatch_pool_overcommit_threshold_ratio", "gauge",
		"Overcommit ratio above which the pool is flagged overcommitted (from the config)." },
	[PF_POOL_OVERCOMMITTED] = { "thinwatch_pool_overcommitted", "gauge",
		"1 when provisioned bytes exceed capacity times the threshold, else 0." },
	[PF_POOL_UNBACKED] = { "thinwatch_pool_unbacked_bytes", "gauge",
		"Sum over thin volumes of provisioned minus consumed bytes: promised but not yet allocated." },
	[PF_POOL_SHORTFALL] = { "thinwatch_pool_shortfall_bytes", "gauge",
		"Unbacked bytes minus pool free bytes, floored at 0: what the pool cannot deliver if thin volumes fill up." },
	[PF_POOL_VOLUMES] = { "thinwatch_pool_volumes", "gauge",
		"Number of volumes in the pool counted in its figures (volumes nested inside other volumes, such as NetApp LUNs in their FlexVol, are not counted)." },
	[PF_VOL_PROVISIONED] = { "thinwatch_volume_provisioned_bytes", "gauge",
		"Logical size of the volume promised to hosts, in bytes. Volumes nested inside other volumes (NetApp LUNs in their FlexVol, directory quotas below another quota) are exported too but not summed into their pool." },
	[PF_VOL_CONSUMED] = { "thinwatch_volume_consumed_bytes", "gauge",
		"Physical space allocated to the volume in its pool, in bytes." },
	[PF_VOL_THIN] = { "thinwatch_volume_thin", "gauge",
		"1 when the volume is thin-provisioned, 0 when thick." },
	[PF_VOL_INFO] = { "thinwatch_volume_info", "gauge",
		"Volume identity: WWN (NAA id) or serial where the array exposes it. Always 1." },
	[PF_ARRAY_INFO] = { "thinwatch_array_info", "gauge",
		"Array identity as reported by the array, and the profile used to read it. Always 1." },
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

tw_err prom_escape_label(struct buf *b, const char *v)
{
	const unsigned char *run = (const unsigned char *)v, *p = run;
	while (*p) {
		const char *rep = NULL;
		size_t n = 1;
		if (*p == '\\')
			rep = "\\\\";
		else if (*p == '"')
			rep = "\\\"";
		else if (*p == '\n')
			rep = "\\n";
		else if (*p >= 0x80 && !(n = utf8_seq(p))) {
			/* Prometheus refuses a whole scrape over one label value
			 * that is not UTF-8 (Latin-1 names from old firmware):
			 * each offending byte becomes U+FFFD. */
			rep = "\xef\xbf\xbd";
			n = 1;
		}
		if (rep) {
			buf_append(b, run, (size_t)(p - run));
			buf_puts(b, rep);
			run = p + n;
		}
		p += n;
	}
	buf_puts(b, (const char *)run);
	return b->err;
}

static void put_double(struct buf *b, double v)
{
	if (isnan(v))
		buf_puts(b, "NaN");
	else if (isinf(v))
		buf_puts(b, v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 9.007199254740992e15)
		buf_printf(b, "%.0f", v);
	else
		buf_printf(b, "%.15g", v);
}

/* name{array="A",pool="P"[,volume="V"]} */
static void put_series(struct buf *b, const char *name, const char *array, const char *pool,
		       const char *volume)
{
	buf_puts(b, name);
	buf_puts(b, "{array=\"");
	prom_escape_label(b, array);
	if (pool) {
		buf_puts(b, "\",pool=\"");
		prom_escape_label(b, pool);
	}
	if (volume) {
		buf_puts(b, "\",volume=\"");
		prom_escape_label(b, volume);
	}
	buf_puts(b, "\"} ");
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

static void render_family(struct buf *b, const struct tw_snapshot *s, enum prom_snap_family f)
{
	const char *n = snap_families[f].name;
	const char *a = s->array;

	if (f <= PF_POOL_VOLUMES) {
		for (size_t i = 0; i < s->npools; i++) {
			const struct tw_pool *p = &s->pools[i];
			const struct tw_pool_figures *g = &p->fig;
			switch (f) {
			case PF_POOL_CAPACITY:
				if (p->flags & TW_HAS_CAPACITY)
					put_u64_line(b, n, a, p->name, NULL, p->capacity);
				break;
			case PF_POOL_USED:
				if (p->flags & TW_HAS_USED)
					put_u64_line(b, n, a, p->name, NULL, p->used);
				break;
			case PF_POOL_FREE:
				if (p->flags & TW_HAS_FREE)
					put_u64_line(b, n, a, p->name, NULL, p->free);
				break;
			case PF_POOL_PROVISIONED:
				put_u64_line(b, n, a, p->name, NULL, g->provisioned);
				break;
			case PF_POOL_RATIO:
				if (!isnan(g->overcommit_ratio))
					put_dbl_line(b, n, a, p->name, NULL, g->overcommit_ratio);
				break;
			case PF_POOL_THRESHOLD:
				put_dbl_line(b, n, a, p->name, NULL, p->threshold);
				break;
			case PF_POOL_OVERCOMMITTED:
				if (p->flags & TW_HAS_CAPACITY)
					put_u64_line(b, n, a, p->name, NULL, (uint64_t)g->overcommitted);
				break;
			case PF_POOL_UNBACKED:
				put_u64_line(b, n, a, p->name, NULL, g->unbacked);
				break;
			case PF_POOL_SHORTFALL:
				if (p->flags & TW_HAS_FREE)
					put_u64_line(b, n, a, p->name, NULL, g->shortfall);
				break;
			case PF_POOL_VOLUMES:
				put_u64_line(b, n, a, p->name, NULL, g->nvolumes);
				break;
			default:
				break;
			}
		}
		return;
	}
	if (f == PF_ARRAY_INFO) {
		const struct tw_array_info *in = &s->info;
		buf_puts(b, n);
		buf_puts(b, "{array=\"");
		prom_escape_label(b, a);
		buf_puts(b, "\",vendor=\"");
		prom_escape_label(b, in->vendor ? in->vendor : "");
		buf_puts(b, "\",model=\"");
		prom_escape_label(b, in->model ? in->model : "");
		buf_puts(b, "\",serial=\"");
		prom_escape_label(b, in->serial ? in->serial : "");
		buf_puts(b, "\",version=\"");
		prom_escape_label(b, in->version ? in->version : "");
		buf_puts(b, "\",profile=\"");
		prom_escape_label(b, in->profile ? in->profile : "");
		buf_puts(b, "\"} 1\n");
		return;
	}
	for (size_t i = 0; i < s->nvolumes; i++) {
		const struct tw_volume *v = &s->volumes[i];
		const char *pool = v->pool < s->npools ? s->pools[v->pool].name : "";
		switch (f) {
		case PF_VOL_PROVISIONED:
			if (v->flags & TW_HAS_PROVISIONED)
				put_u64_line(b, n, a, pool, v->name, v->provisioned);
			break;
		case PF_VOL_CONSUMED:
			if (v->flags & TW_HAS_CONSUMED)
				put_u64_line(b, n, a, pool, v->name, v->consumed);
			break;
		case PF_VOL_THIN:
			if (v->flags & TW_HAS_THIN)
				put_u64_line(b, n, a, pool, v->name, (uint64_t)(v->thin != 0));
			break;
		case PF_VOL_INFO:
			buf_puts(b, n);
			buf_puts(b, "{array=\"");
			prom_escape_label(b, a);
			buf_puts(b, "\",pool=\"");
			prom_escape_label(b, pool);
			buf_puts(b, "\",volume=\"");
			prom_escape_label(b, v->name);
			buf_puts(b, "\",wwn=\"");
			prom_escape_label(b, v->wwn ? v->wwn : "");
			buf_puts(b, "\"} 1\n");
			break;
		default:
			break;
		}
	}
}

tw_err prom_render_snapshot(struct tw_snapshot *s)
{
	struct buf b;
	tw_err e = TW_OK;

	s->frag = calloc(PF_COUNT, sizeof *s->frag);
	s->frag_len = calloc(PF_COUNT, sizeof *s->frag_len);
	if (!s->frag || !s->frag_len)
		return TW_ERR_NOMEM;
	s->nfrag = PF_COUNT;
	for (int f = 0; f < PF_COUNT; f++) {
		buf_init(&b, PROM_SCRAPE_MAX_BYTES);
		render_family(&b, s, (enum prom_snap_family)f);
		if (buf_failed(&b)) {
			e = b.err;
			buf_free(&b);
			break;
		}
		s->frag[f] = buf_detach(&b, &s->frag_len[f]);
		if (!s->frag[f]) {
			e = TW_ERR_NOMEM;
			break;
		}
	}
	return e;
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
	buf_puts(b, "# HELP ");
	buf_append(b, name, len);
	buf_putc(b, ' ');
	buf_puts(b, help);
	buf_puts(b, "\n# TYPE ");
	buf_append(b, name, len);
	buf_putc(b, ' ');
	buf_puts(b, type);
	buf_putc(b, '\n');
}

/* Reasons always exported (at 0) so rate()/increase() see the first error. */
static const tw_err base_reasons[] = { TW_ERR_TIMEOUT, TW_ERR_AUTH, TW_ERR_PROTOCOL,
				       TW_ERR_PARSE, TW_ERR_INVALID_DATA };

tw_err prom_render(struct buf *out, int om, const struct prom_target_view *v, size_t n,
		   const struct prom_extra *x)
{
	for (int f = 0; f < PF_COUNT; f++) {
		put_header(out, snap_families[f].name, snap_families[f].type, snap_families[f].help,
			   om);
		for (size_t i = 0; i < n; i++)
			if (v[i].snap && (size_t)f < v[i].snap->nfrag)
				buf_append(out, v[i].snap->frag[f], v[i].snap->frag_len[f]);
	}

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
			buf_puts(out, "thinwatch_poll_errors_total{array=\"");
			prom_escape_label(out, v[i].name);
			buf_puts(out, "\",reason=\"");
			buf_puts(out, tw_reason((tw_err)e));
			buf_puts(out, "\"} ");
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
		buf_puts(out, "thinwatch_config_last_reload_success_timestamp_seconds ");
		put_double(out, x->reload_success_ts);
		buf_putc(out, '\n');
		put_header(out, "thinwatch_build_info", "gauge",
			   "thinwatch build: version and source revision. Always 1.", om);
		buf_puts(out, "thinwatch_build_info{version=\"");
		prom_escape_label(out, x->version);
		buf_puts(out, "\",revision=\"");
		prom_escape_label(out, x->revision);
		buf_puts(out, "\"} 1\n");
	}
	if (om)
		buf_puts(out, "# EOF\n");
	return out->err;
}
