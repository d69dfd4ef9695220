/* test_prom.c: exposition rendering: label escaping, exact integers,
 * one HELP/TYPE per family across targets, OpenMetrics differences, the
 * snapshot builder feeding it (incident numbers); the exposition of odd
 * names against golden files, the scrape plan (the pieces /metrics streams)
 * against prom_render, and snapshot fragments against a plain reference
 * renderer on random names. */
#include "config.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <math.h>

#include "model.h"
#include "prom.h"

#ifndef TW_SRCDIR
#define TW_SRCDIR "."
#endif

#define TIB (1ULL << 40)

static void test_escape(void **state)
{
	struct buf b;
	buf_init(&b, 0);
	prom_escape_label(&b, "a\\b\"c\nd");
	assert_string_equal(b.data, "a\\\\b\\\"c\\nd");
	buf_reset(&b);
	prom_escape_label(&b, "plain");
	assert_string_equal(b.data, "plain");
	buf_reset(&b);
	prom_escape_label(&b, "");
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static double thr(const void *ctx, const char *pool)
{
	(void)ctx;
	return strcmp(pool, "pool1") == 0 ? 2.0 : 1.0;
}

static struct tw_snapshot *incident(const char *array)
{
	struct snap_builder *b = snap_builder_new(array);
	uint32_t p = snap_builder_pool(b, "pool0");
	struct tw_pool *pool = snap_builder_pool_at(b, p);
	struct tw_volume *v;
	pool->capacity = 8 * TIB;
	pool->free = 0;
	pool->used = 8 * TIB;
	pool->flags = TW_HAS_CAPACITY | TW_HAS_FREE | TW_HAS_USED;
	v = snap_builder_volume(b, "jiujiang", p);
	v->provisioned = 4 * TIB;
	v->consumed = 166311871119ULL;
	v->thin = 1;
	v->wwn = strdup("600a0b80001234560000abcd00000001");
	v->flags = TW_HAS_PROVISIONED | TW_HAS_CONSUMED | TW_HAS_THIN;
	v = snap_builder_volume(b, "vol-a", p);
	v->provisioned = v->consumed = 3 * TIB;
	v->thin = 1;
	v->flags = TW_HAS_PROVISIONED | TW_HAS_CONSUMED | TW_HAS_THIN;
	v = snap_builder_volume(b, "vol-b", p);
	v->provisioned = 5 * TIB;
	v->consumed = 5331246267761ULL;
	v->thin = 1;
	v->flags = TW_HAS_PROVISIONED | TW_HAS_CONSUMED | TW_HAS_THIN;
	snap_builder_info(b)->vendor = strdup("thin\"watch");
	return snap_builder_finish(b, thr, NULL, 1700000000.0);
}

static void test_incident_exposition(void **state)
{
	struct tw_snapshot *s = incident("cas-storage");
	struct buf b;
	uint64_t errs[PROM_NUM_ERRORS] = { 0 };
	struct prom_target_view v[2] = {
		{ "cas-storage", s, 1, 0.25, 1700000000.0, errs },
		{ "dead\narray", NULL, 0, -1, 0, errs },
	};
	struct prom_extra x = { "1.2.3", "abc", 1, 1700000000.0 };
	assert_non_null(s);
	errs[TW_ERR_TIMEOUT] = 3;
	buf_init(&b, 0);
	assert_int_equal(prom_render(&b, 0, v, 2, &x), TW_OK);
	assert_non_null(strstr(b.data,
		"thinwatch_pool_capacity_bytes{array=\"cas-storage\",pool=\"pool0\"} 8796093022208\n"));
	assert_non_null(strstr(b.data,
		"thinwatch_pool_provisioned_bytes{array=\"cas-storage\",pool=\"pool0\"} 13194139533312\n"));
	assert_non_null(strstr(b.data,
		"thinwatch_pool_overcommit_ratio{array=\"cas-storage\",pool=\"pool0\"} 1.5\n"));
	assert_non_null(strstr(b.data,
		"thinwatch_pool_overcommitted{array=\"cas-storage\",pool=\"pool0\"} 1\n"));
	assert_non_null(strstr(b.data,
		"thinwatch_pool_unbacked_bytes{array=\"cas-storage\",pool=\"pool0\"} 4398046511104\n"));
	assert_non_null(strstr(b.data,
		"thinwatch_pool_shortfall_bytes{array=\"cas-storage\",pool=\"pool0\"} 4398046511104\n"));
	assert_non_null(strstr(b.data,
		"thinwatch_pool_free_bytes{array=\"cas-storage\",pool=\"pool0\"} 0\n"));
	assert_non_null(strstr(b.data,
		"thinwatch_volume_info{array=\"cas-storage\",pool=\"pool0\",volume=\"jiujiang\",wwn=\"600a0b80001234560000abcd00000001\"} 1\n"));
	assert_non_null(strstr(b.data, "vendor=\"thin\\\"watch\""));
	assert_non_null(strstr(b.data, "thinwatch_up{array=\"dead\\narray\"} 0\n"));
	assert_non_null(strstr(b.data,
		"thinwatch_poll_errors_total{array=\"dead\\narray\",reason=\"timeout\"} 3\n"));
	assert_non_null(strstr(b.data, "thinwatch_build_info{version=\"1.2.3\",revision=\"abc\"} 1\n"));
	/* one TYPE line per family even with two targets */
	{
		const char *p = b.data;
		int n = 0;
		while ((p = strstr(p, "# TYPE thinwatch_up ")) != NULL) {
			n++;
			p++;
		}
		assert_int_equal(n, 1);
	}
	assert_null(strstr(b.data, "# EOF"));
	buf_free(&b);

	buf_init(&b, 0);
	assert_int_equal(prom_render(&b, 1, v, 2, &x), TW_OK);
	assert_non_null(strstr(b.data, "# TYPE thinwatch_poll_errors counter\n"));
	assert_non_null(strstr(b.data, "# TYPE thinwatch_volume info\n"));
	assert_int_equal(strcmp(b.data + b.len - 6, "# EOF\n"), 0);
	buf_free(&b);
	snap_unref(s);
}

static void test_thresholds_and_duplicates(void **state)
{
	struct snap_builder *b = snap_builder_new("a");
	uint32_t p0 = snap_builder_pool(b, "pool0");
	uint32_t p1 = snap_builder_pool(b, "pool1");
	struct tw_volume *v1, *v2;
	struct tw_snapshot *s;
	assert_int_equal(snap_builder_pool(b, "pool0"), p0);
	assert_int_not_equal(p0, p1);
	v1 = snap_builder_volume(b, "same", p1);
	v2 = snap_builder_volume(b, "same", p1);
	assert_non_null(v1);
	assert_non_null(v2);
	assert_string_not_equal(snap_builder_volume_at(b, 0)->name, snap_builder_volume_at(b, 1)->name);
	s = snap_builder_finish(b, thr, NULL, 0);
	assert_non_null(s);
	assert_true(s->pools[p1].threshold == 2.0);
	assert_true(s->pools[p0].threshold == 1.0);
	snap_unref(snap_ref(s));
	snap_unref(s);
}

static void test_many_volumes(void **state)
{
	struct snap_builder *b = snap_builder_new("big");
	uint32_t p = snap_builder_pool(b, "p");
	struct tw_snapshot *s;
	char name[32];
	for (int i = 0; i < 50000; i++) {
		struct tw_volume *v;
		snprintf(name, sizeof name, "vol%06d", i);
		v = snap_builder_volume(b, name, p);
		assert_non_null(v);
		v->provisioned = 10;
		v->flags = TW_HAS_PROVISIONED;
	}
	assert_non_null(snap_builder_find_volume(b, "vol049999"));
	assert_null(snap_builder_find_volume(b, "vol050000"));
	s = snap_builder_finish(b, NULL, NULL, 0);
	assert_int_equal(s->pools[0].fig.provisioned, 500000);
	assert_int_equal(s->nvolumes, 50000);
	snap_unref(s);
}

/* ---- odd names, compared with tests/fixtures/prom/ byte for byte ----
 * The golden files are what the renderer wrote before scrapes became plans
 * (one copied buffer per scrape); regenerate with TW_REGEN=1 only for an
 * intended change of the exposition. */
static double odd_thr(const void *ctx, const char *pool)
{
	(void)ctx;
	return pool[0] == 'p' ? 1.5 : 1.0;
}

static struct tw_volume *odd_vol(struct snap_builder *b, const char *name, uint32_t pool,
				 uint32_t flags, uint64_t prov, uint64_t cons, int thin,
				 const char *wwn)
{
	struct tw_volume *v = snap_builder_volume(b, name, pool);
	if (!v)
		return NULL;
	v->flags = flags;
	v->provisioned = prov;
	v->consumed = cons;
	v->thin = thin;
	v->wwn = wwn ? strdup(wwn) : NULL;
	return v;
}

/* Array, pool and volume names with quotes, backslashes, newlines, valid
 * multi-byte UTF-8 and every kind of invalid UTF-8; rows with and without
 * each figure; a volume without a pool; a nested volume. */
static struct tw_snapshot *odd_snapshot(const char *array)
{
	struct snap_builder *b = snap_builder_new(array);
	struct tw_array_info *in;
	uint32_t p0, p1, p2, p3;
	struct tw_pool *p;

	p0 = snap_builder_pool(b, "po\"ol\\0");
	p1 = snap_builder_pool(b, "p\xff\xfe-latin1 \xe9t\xe9");
	p2 = snap_builder_pool(b, "ok-pool\nline2");
	p3 = snap_builder_pool(b, "empty");
	p = snap_builder_pool_at(b, p0);
	p->capacity = 10995116277760ULL;
	p->used = 3298534883328ULL;
	p->free = 7696581394432ULL;
	p->flags = TW_HAS_CAPACITY | TW_HAS_USED | TW_HAS_FREE;
	p = snap_builder_pool_at(b, p1);
	p->capacity = 3000000000000ULL;
	p->free = 1;
	p->reported_provisioned = 7777777777777ULL;
	p->flags = TW_HAS_CAPACITY | TW_HAS_FREE | TW_HAS_PROVISIONED;
	p = snap_builder_pool_at(b, p2);
	p->used = 12345;
	p->flags = TW_HAS_USED;
	(void)p3;

	odd_vol(b, "vol\"quoted\"", p0, TW_HAS_PROVISIONED | TW_HAS_CONSUMED | TW_HAS_THIN,
		4398046511104ULL, 166311871119ULL, 1, "600a0b80001234560000abcd00000001");
	odd_vol(b, "back\\slash\\\\", p0, TW_HAS_PROVISIONED | TW_HAS_CONSUMED | TW_HAS_THIN,
		1099511627776ULL, 1099511627776ULL, 0, "wwn\"with\\odd\nbytes\x80");
	odd_vol(b, "new\nline", p1, TW_HAS_PROVISIONED | TW_HAS_THIN, 18446744073709551615ULL, 0,
		1, NULL);
	odd_vol(b, "utf8-v\xc3\xb6l-\xe2\x82\xac-\xf0\x9d\x84\x9e", p1,
		TW_HAS_PROVISIONED | TW_HAS_CONSUMED, 5000000000000ULL, 4999999999999ULL, 0, "");
	odd_vol(b, "bad-\xc3\x28-\x80-\xc0\xaf-\xed\xa0\x80-\xf4\x90\x80\x80-cut\xe2\x82", p2,
		TW_HAS_CONSUMED | TW_HAS_THIN, 0, 77, 1, "\xe2\x82");
	odd_vol(b, "no-pool", TW_NO_POOL, TW_HAS_PROVISIONED | TW_HAS_CONSUMED | TW_HAS_THIN, 10, 5,
		1, NULL);
	odd_vol(b, "nested/lun", p0, TW_HAS_PROVISIONED | TW_HAS_CONSUMED | TW_HAS_THIN | TW_NESTED,
		100, 50, 1, "naa.1");
	odd_vol(b, "no-figures", p2, 0, 0, 0, 0, NULL);
	odd_vol(b, "vol\"quoted\"", p0, TW_HAS_PROVISIONED, 1, 0, 0, NULL); /* renamed #9 */
	in = snap_builder_info(b);
	in->vendor = strdup("Ven\"dor\\");
	in->serial = strdup("SN\n1\xff");
	in->version = strdup("9.1 \xe2\x9c\x93");
	in->profile = strdup("thinwatch");
	in->limitations = strdup("no \"pool\" table\\\n\xff");
	return snap_builder_finish(b, odd_thr, NULL, 1700000000.5);
}

/* A second array: one pool, no volumes, no info at all. */
static struct tw_snapshot *plain_snapshot(const char *array)
{
	struct snap_builder *b = snap_builder_new(array);
	uint32_t p0 = snap_builder_pool(b, "pool0");
	struct tw_pool *p = snap_builder_pool_at(b, p0);
	p->capacity = 1000;
	p->free = 1000;
	p->used = 0;
	p->flags = TW_HAS_CAPACITY | TW_HAS_USED | TW_HAS_FREE;
	return snap_builder_finish(b, NULL, NULL, 1.0);
}

/* The cases compared with the golden files: targets up, down with data
 * kept (within staleness), down without data (never polled), odd target
 * names; then the same as /probe of one target (no extras); then none. */
struct odd_case {
	const char *name;
	size_t first, n;
	int extras;
};
static const struct odd_case odd_cases[] = {
	{ "fleet", 0, 4, 1 },
	{ "probe", 0, 1, 0 },
	{ "empty", 0, 0, 1 },
};

struct odd_fixture {
	struct tw_snapshot *s1, *s2;
	uint64_t errs[4][PROM_NUM_ERRORS];
	struct prom_target_view v[4];
	struct prom_extra x;
};

static void odd_fixture_init(struct odd_fixture *f)
{
	memset(f, 0, sizeof *f);
	f->s1 = odd_snapshot("arr\"ay\\1\n\xff");
	f->s2 = plain_snapshot("second");
	f->errs[1][TW_ERR_AUTH] = 2;
	f->errs[1][TW_ERR_IO] = 18446744073709551615ULL;
	f->errs[2][TW_ERR_TIMEOUT] = 7;
	f->errs[2][TW_ERR_NOT_FOUND] = 1;
	f->v[0] = (struct prom_target_view){ "arr\"ay\\1\n\xff", f->s1, 1, 0.123456789012345678,
					     1700000000.5, f->errs[0] };
	f->v[1] = (struct prom_target_view){ "second", f->s2, 0, 2.5, 1700000000.25, f->errs[1] };
	f->v[2] = (struct prom_target_view){ "never\\polled", NULL, 0, -1, 0, f->errs[2] };
	f->v[3] = (struct prom_target_view){ "no-errors-array", NULL, 0, 30, 1e9, NULL };
	f->x = (struct prom_extra){ "1.2.3-\"dev\"", "abc\\def\n", 0, 1699999999.999 };
}

static void odd_fixture_free(struct odd_fixture *f)
{
	snap_unref(f->s1);
	snap_unref(f->s2);
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	long n;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (p = malloc((size_t)n + 1)) != NULL) {
		if (fread(p, 1, (size_t)n, f) != (size_t)n) {
			free(p);
			p = NULL;
		} else {
			p[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(f);
	return p;
}

static void render_case(const struct odd_fixture *f, const struct odd_case *c, int om,
			struct buf *b)
{
	buf_init(b, 0);
	assert_int_equal(prom_render(b, om, f->v + c->first, c->n, c->extras ? &f->x : NULL),
			 TW_OK);
}

static void test_golden_odd_names(void **state)
{
	struct odd_fixture f;
	int regen = getenv("TW_REGEN") && strcmp(getenv("TW_REGEN"), "1") == 0;
	(void)state;
	odd_fixture_init(&f);
	assert_non_null(f.s1);
	assert_non_null(f.s2);
	for (size_t c = 0; c < TW_ARRAY_LEN(odd_cases); c++)
		for (int om = 0; om <= 1; om++) {
			char path[1024];
			struct buf b;
			size_t len = 0;
			char *want;
			snprintf(path, sizeof path, "%s/tests/fixtures/prom/%s.%s", TW_SRCDIR,
				 odd_cases[c].name, om ? "om" : "prom");
			render_case(&f, &odd_cases[c], om, &b);
			if (regen) {
				FILE *fp = fopen(path, "wb");
				assert_non_null(fp);
				assert_int_equal(fwrite(b.data, 1, b.len, fp), b.len);
				fclose(fp);
			}
			want = read_all(path, &len);
			if (!want)
				fail_msg("cannot read %s", path);
			if (len != b.len || memcmp(want, b.data, len) != 0) {
				size_t i = 0;
				while (i < len && i < b.len && want[i] == b.data[i])
					i++;
				fail_msg("%s: differs at byte %zu (%zu vs %zu bytes): ...%.60s", path, i,
					 b.len, len, b.data + (i > 20 ? i - 20 : 0));
			}
			free(want);
			buf_free(&b);
		}
	odd_fixture_free(&f);
}

/* Does the plan serve this fragment by reference (not a copy)? */
static int plan_refers_to(const struct prom_plan *p, const char *frag)
{
	size_t n;
	const struct prom_piece *pc = prom_plan_pieces(p, &n);
	for (size_t i = 0; i < n; i++)
		if (pc[i].data == frag)
			return 1;
	return 0;
}

static void test_plan_is_render(void **state)
{
	struct odd_fixture f;
	static const size_t chunks[] = { 1, 2, 3, 7, 64, 1000, 4096, 65536 };
	(void)state;
	odd_fixture_init(&f);
	for (size_t c = 0; c < TW_ARRAY_LEN(odd_cases); c++)
		for (int om = 0; om <= 1; om++) {
			const struct odd_case *oc = &odd_cases[c];
			struct buf b;
			tw_err e = TW_ERR_INTERNAL;
			struct prom_plan *p = prom_plan_new(om, f.v + oc->first, oc->n,
							    oc->extras ? &f.x : NULL, &e);
			const struct prom_piece *pc;
			size_t n, total;
			char *got;

			assert_non_null(p);
			assert_int_equal(e, TW_OK);
			render_case(&f, oc, om, &b);
			total = prom_plan_size(p);
			assert_int_equal(total, b.len);
			/* the pieces, in order, are the exposition */
			pc = prom_plan_pieces(p, &n);
			assert_true(n > 0);
			for (size_t i = 0, off = 0; i < n; off += pc[i].len, i++) {
				assert_true(pc[i].len > 0);
				assert_int_equal(pc[i].off, off);
				assert_memory_equal(pc[i].data, b.data + off, pc[i].len);
			}
			/* every fragment of a target in the scrape by reference */
			for (size_t t = oc->first; t < oc->first + oc->n; t++)
				for (size_t fam = 0; f.v[t].snap && fam < f.v[t].snap->nfrag; fam++)
					if (f.v[t].snap->frag_len[fam])
						assert_true(plan_refers_to(p, f.v[t].snap->frag[fam]));
			/* read in blocks of any size, as libmicrohttpd does */
			got = malloc(total + 1);
			assert_non_null(got);
			for (size_t k = 0; k < TW_ARRAY_LEN(chunks); k++) {
				size_t pos = 0, r;
				memset(got, 0, total + 1);
				while ((r = prom_plan_read(p, pos, got + pos,
							   chunks[k] < total - pos ? chunks[k]
										   : total - pos)) > 0)
					pos += r;
				assert_int_equal(pos, total);
				assert_memory_equal(got, b.data, total);
			}
			/* and from any position, in any order */
			for (size_t pos = total; pos-- > 0;) {
				size_t want = total - pos < 301 ? total - pos : 301;
				assert_int_equal(prom_plan_read(p, pos, got, 301), want);
				assert_memory_equal(got, b.data + pos, want);
				if (pos > 997)
					pos -= 996; /* a sample is enough */
			}
			assert_int_equal(prom_plan_read(p, total, got, 10), 0);
			assert_int_equal(prom_plan_read(p, total + 5, got, 10), 0);
			free(got);
			buf_free(&b);
			prom_plan_free(p);
		}
	prom_plan_free(NULL);
	odd_fixture_free(&f);
}

/* ---- fragments against a plain reference renderer ----
 * The straightforward renderer fragments used to come from: every line
 * escapes each of its label values again. */
static void ref_series(struct buf *b, const char *name, const char *array, const char *pool,
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

static void ref_u64(struct buf *b, const char *name, const char *a, const char *p, const char *v,
		    uint64_t x)
{
	ref_series(b, name, a, p, v);
	buf_printf(b, "%llu\n", (unsigned long long)x);
}

static void ref_dbl(struct buf *b, const char *name, const char *a, const char *p, double x)
{
	ref_series(b, name, a, p, NULL);
	if (x == floor(x) && fabs(x) < 9.007199254740992e15)
		buf_printf(b, "%.0f\n", x);
	else
		buf_printf(b, "%.15g\n", x);
}

static void ref_family(struct buf *b, const struct tw_snapshot *s, int f)
{
	static const char *const names[PF_COUNT] = {
		"thinwatch_pool_capacity_bytes", "thinwatch_pool_used_bytes",
		"thinwatch_pool_free_bytes", "thinwatch_pool_provisioned_bytes",
		"thinwatch_pool_overcommit_ratio", "thinwatch_pool_overcommit_threshold_ratio",
		"thinwatch_pool_overcommitted", "thinwatch_pool_unbacked_bytes",
		"thinwatch_pool_shortfall_bytes", "thinwatch_pool_volumes",
		"thinwatch_volume_provisioned_bytes", "thinwatch_volume_consumed_bytes",
		"thinwatch_volume_thin", "thinwatch_volume_info", "thinwatch_array_info",
	};
	const char *n = names[f], *a = s->array;
	for (size_t i = 0; f <= PF_POOL_VOLUMES && i < s->npools; i++) {
		const struct tw_pool *p = &s->pools[i];
		const struct tw_pool_figures *g = &p->fig;
		if (f == PF_POOL_CAPACITY && (p->flags & TW_HAS_CAPACITY))
			ref_u64(b, n, a, p->name, NULL, p->capacity);
		if (f == PF_POOL_USED && (p->flags & TW_HAS_USED))
			ref_u64(b, n, a, p->name, NULL, p->used);
		if (f == PF_POOL_FREE && (p->flags & TW_HAS_FREE))
			ref_u64(b, n, a, p->name, NULL, p->free);
		if (f == PF_POOL_PROVISIONED)
			ref_u64(b, n, a, p->name, NULL, g->provisioned);
		if (f == PF_POOL_RATIO && !isnan(g->overcommit_ratio))
			ref_dbl(b, n, a, p->name, g->overcommit_ratio);
		if (f == PF_POOL_THRESHOLD)
			ref_dbl(b, n, a, p->name, p->threshold);
		if (f == PF_POOL_OVERCOMMITTED && (p->flags & TW_HAS_CAPACITY))
			ref_u64(b, n, a, p->name, NULL, (uint64_t)g->overcommitted);
		if (f == PF_POOL_UNBACKED)
			ref_u64(b, n, a, p->name, NULL, g->unbacked);
		if (f == PF_POOL_SHORTFALL && (p->flags & TW_HAS_FREE))
			ref_u64(b, n, a, p->name, NULL, g->shortfall);
		if (f == PF_POOL_VOLUMES)
			ref_u64(b, n, a, p->name, NULL, g->nvolumes);
	}
	for (size_t i = 0; f >= PF_VOL_PROVISIONED && f <= PF_VOL_INFO && i < s->nvolumes; i++) {
		const struct tw_volume *v = &s->volumes[i];
		const char *pool = v->pool < s->npools ? s->pools[v->pool].name : "";
		if (f == PF_VOL_PROVISIONED && (v->flags & TW_HAS_PROVISIONED))
			ref_u64(b, n, a, pool, v->name, v->provisioned);
		if (f == PF_VOL_CONSUMED && (v->flags & TW_HAS_CONSUMED))
			ref_u64(b, n, a, pool, v->name, v->consumed);
		if (f == PF_VOL_THIN && (v->flags & TW_HAS_THIN))
			ref_u64(b, n, a, pool, v->name, (uint64_t)(v->thin != 0));
		if (f == PF_VOL_INFO) {
			ref_series(b, n, a, pool, v->name);
			b->len -= 3; /* "} : goes on with wwn */
			buf_puts(b, "\",wwn=\"");
			prom_escape_label(b, v->wwn ? v->wwn : "");
			buf_puts(b, "\"} 1\n");
		}
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
		buf_puts(b, "\",limitations=\"");
		prom_escape_label(b, in->limitations ? in->limitations : "");
		buf_puts(b, "\"} 1\n");
	}
}

static uint64_t rnd_state;
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* A random name: mostly plain, sometimes with the bytes escaping is about
 * (quote, backslash, newline, UTF-8 valid or cut or overlong, stray bytes). */
static void rnd_name(char *out, size_t cap, const char *prefix, size_t i)
{
	static const char *const odd[] = { "\"", "\\", "\n", "\xc3\xa9", "\xe2\x82\xac",
					   "\xf0\x9f\x92\xbe", "\xe2\x82", "\xc0\xaf", "\x80",
					   "\xff", "\xed\xa0\x80", "\xf4\x90\x80\x80", "#" };
	size_t len = (size_t)snprintf(out, cap, "%s%zu", prefix, i);
	int parts = (int)(rnd() % 4);
	for (int k = 0; k < parts; k++) {
		const char *x = odd[rnd() % TW_ARRAY_LEN(odd)];
		size_t xl = strlen(x);
		if (len + xl + 1 >= cap)
			break;
		memcpy(out + len, x, xl + 1);
		len += xl;
	}
}

static uint64_t rnd_u64(void)
{
	switch (rnd() % 4) {
	case 0: return rnd() % 10;
	case 1: return rnd() % 100000;
	case 2: return rnd();
	default: return UINT64_MAX - rnd() % 3;
	}
}

static void test_fragments_random(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 12; seed++) {
		char name[96];
		struct snap_builder *b;
		struct tw_snapshot *s;
		size_t npools = (size_t)(seed % 5), nvol = seed == 12 ? 3000 : (size_t)(seed * 37 % 200);
		rnd_state = seed * 0x9e3779b97f4a7c15ULL;
		rnd_name(name, sizeof name, "array", (size_t)seed);
		b = snap_builder_new(name);
		assert_non_null(b);
		for (size_t i = 0; i < npools; i++) {
			struct tw_pool *p;
			rnd_name(name, sizeof name, "pool", i);
			p = snap_builder_pool_at(b, snap_builder_pool(b, name));
			assert_non_null(p);
			p->flags = (uint32_t)(rnd() & (TW_HAS_CAPACITY | TW_HAS_USED | TW_HAS_FREE |
						       TW_HAS_PROVISIONED));
			p->capacity = rnd_u64() >> (rnd() % 64);
			p->used = rnd_u64() >> (rnd() % 64);
			p->free = rnd_u64() >> (rnd() % 64);
			p->reported_provisioned = rnd_u64() >> (rnd() % 64);
		}
		for (size_t i = 0; i < nvol; i++) {
			struct tw_volume *v;
			uint32_t pool = npools && rnd() % 8 ? (uint32_t)(rnd() % npools) : TW_NO_POOL;
			rnd_name(name, sizeof name, "vol", i % 150); /* some twice: renamed */
			v = snap_builder_volume(b, name, pool);
			assert_non_null(v);
			v->flags = (uint32_t)(rnd() & (TW_HAS_PROVISIONED | TW_HAS_CONSUMED |
						       TW_HAS_THIN | TW_NESTED));
			v->provisioned = rnd_u64();
			v->consumed = rnd_u64();
			v->thin = (int)(rnd() % 3);
			if (rnd() % 2) {
				rnd_name(name, sizeof name, "naa.", i);
				v->wwn = strdup(name);
			}
		}
		if (seed % 2) {
			rnd_name(name, sizeof name, "vendor", 1);
			snap_builder_info(b)->vendor = strdup(name);
			rnd_name(name, sizeof name, "model", 2);
			snap_builder_info(b)->model = strdup(name);
		}
		s = snap_builder_finish(b, NULL, NULL, 1.0);
		assert_non_null(s);
		assert_int_equal(s->nfrag, PF_COUNT);
		for (int f = 0; f < PF_COUNT; f++) {
			struct buf want;
			buf_init(&want, 0);
			ref_family(&want, s, f);
			assert_false(buf_failed(&want));
			if (want.len != s->frag_len[f] ||
			    memcmp(want.data ? want.data : "", s->frag[f], want.len) != 0)
				fail_msg("seed %llu family %d: %zu bytes, reference %zu",
					 (unsigned long long)seed, f, s->frag_len[f], want.len);
			assert_int_equal(s->frag[f][s->frag_len[f]], '\0');
			buf_free(&want);
		}
		snap_unref(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_incident_exposition),
		cmocka_unit_test(test_thresholds_and_duplicates),
		cmocka_unit_test(test_many_volumes),
		cmocka_unit_test(test_golden_odd_names),
		cmocka_unit_test(test_plan_is_render),
		cmocka_unit_test(test_fragments_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
