/* test_profile.c: SNMP profiles without a network.  Loads the shipped
 * THINWATCH-MIB profile and maps hand-built walk results of the incident
 * (pool0 8 TiB; jiujiang, vol-a, vol-b) into a snapshot builder; then units
 * and scale, multiply_by, hi/lo halves with a negative low half, value
 * maps, row filters, pool links by index, name, index component and
 * name_prefix, string indexes, the sanity rules (Counter64 >= 2^63,
 * used > capacity), profile errors with file:line:col, name resolution
 * and `profile: auto` selection, and the walk_result container itself. */
#include "config.h"
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "model.h"
#include "profile.h"
#include "snmp_walk.h"

#define TIB (1ULL << 40)
#define GIB (1ULL << 30)
#define TW "1.3.6.1.4.1.424242.1."

/* ---- helpers: build walk results by hand ---- */

static size_t col(struct walk_result *r, const char *oid)
{
	uint32_t o[WALK_OID_MAX];
	size_t n, idx;
	assert_int_equal(walk_oid_parse(oid, o, WALK_OID_MAX, &n), 0);
	assert_int_equal(walk_result_add_column(r, o, n, &idx), TW_OK);
	return idx;
}

static void put(struct walk_result *r, size_t c, uint32_t i, enum walk_vtype t, uint64_t num,
		const char *s)
{
	assert_int_equal(walk_result_append(r, c, &i, 1, t, 0, num, s, s ? strlen(s) : 0), TW_OK);
}

static void put_str(struct walk_result *r, size_t c, uint32_t i, const char *s)
{
	put(r, c, i, WV_STR, 0, s);
}

static void put_u64(struct walk_result *r, size_t c, uint32_t i, uint64_t v)
{
	put(r, c, i, WV_U64, v, NULL);
}

static void put_int(struct walk_result *r, size_t c, uint32_t i, int64_t v)
{
	put(r, c, i, WV_INT, (uint64_t)v, NULL);
}

static void put_scalar(struct walk_result *r, const char *oid, const char *s)
{
	size_t c = col(r, oid);
	assert_int_equal(walk_result_append(r, c, NULL, 0, WV_STR, 0, 0, s, strlen(s)), TW_OK);
}

static const char *srcdir(void)
{
	const char *d = getenv("top_srcdir");
	return d && *d ? d : TW_SRCDIR;
}

static struct profile *load_shipped(const char *name)
{
	char path[1024], msg[512];
	struct profile *p = NULL;
	snprintf(path, sizeof path, "%s/mibs/profiles/%s.yml", srcdir(), name);
	if (profile_load_file(path, &p, msg, sizeof msg) != TW_OK)
		fail_msg("%s", msg);
	return p;
}

static struct profile *load_text(const char *text)
{
	char msg[512];
	struct profile *p = NULL;
	if (profile_load_string("inline.yml", text, strlen(text), &p, msg, sizeof msg) != TW_OK)
		fail_msg("%s", msg);
	return p;
}

/* Load must fail; returns the message. */
static const char *load_bad(const char *text, tw_err want)
{
	static char msg[512];
	struct profile *p = NULL;
	tw_err e = profile_load_string("bad.yml", text, strlen(text), &p, msg, sizeof msg);
	assert_null(p);
	assert_int_equal(e, want);
	return msg;
}

static struct tw_pool *pool_named(struct snap_builder *b, const char *name, uint32_t *idx)
{
	for (size_t i = 0; i < snap_builder_npools(b); i++) {
		struct tw_pool *p = snap_builder_pool_at(b, (uint32_t)i);
		if (strcmp(p->name, name) == 0) {
			if (idx)
				*idx = (uint32_t)i;
			return p;
		}
	}
	fail_msg("no pool %s", name);
	return NULL;
}

/* ---- the incident through the shipped profile ---- */

static struct walk_result *incident_result(void)
{
	struct walk_result *r = walk_result_new(0, 0);
	size_t pn, pc, pu, pf, vn, vp, vpr, vc, vt, vw;
	assert_non_null(r);
	put_scalar(r, TW "1.1.0", "Thinwatch");
	put_scalar(r, TW "1.2.0", "SIM-8T");
	put_scalar(r, TW "1.3.0", "SN0001");
	put_scalar(r, TW "1.4.0", "1.0.0");
	pn = col(r, TW "2.1.2");
	pc = col(r, TW "2.1.3");
	pu = col(r, TW "2.1.4");
	pf = col(r, TW "2.1.5");
	put_str(r, pn, 1, "pool0");
	put_u64(r, pc, 1, 8 * TIB);
	put_u64(r, pu, 1, 8 * TIB);
	put_u64(r, pf, 1, 0);
	vn = col(r, TW "3.1.2");
	vp = col(r, TW "3.1.3");
	vpr = col(r, TW "3.1.4");
	vc = col(r, TW "3.1.5");
	vt = col(r, TW "3.1.6");
	vw = col(r, TW "3.1.7");
	put_str(r, vn, 1, "jiujiang");
	put_str(r, vn, 2, "vol-a");
	put_str(r, vn, 3, "vol-b");
	for (uint32_t i = 1; i <= 3; i++) {
		put(r, vp, i, WV_UINT, 1, NULL);
		put_int(r, vt, i, 1);
	}
	put_u64(r, vpr, 1, 4 * TIB);
	put_u64(r, vpr, 2, 3 * TIB);
	put_u64(r, vpr, 3, 5 * TIB);
	put_u64(r, vc, 1, 166311871119ULL); /* 154.89 GiB */
	put_u64(r, vc, 2, 3 * TIB);
	put_u64(r, vc, 3, 5331246267761ULL);
	put_str(r, vw, 1, "600a0b80001234560000abcd00000001");
	put_str(r, vw, 2, "");
	put_str(r, vw, 3, "");
	return r;
}

static void test_incident(void **state)
{
	struct profile *p = load_shipped("thinwatch");
	struct walk_result *r = incident_result();
	struct snap_builder *b = snap_builder_new("cas-storage");
	struct profile_stats st;
	struct tw_snapshot *s;
	struct tw_pool *pool;
	char msg[256];
	uint32_t pi;

	(void)state;
	assert_string_equal(profile_name(p), "thinwatch");
	assert_int_equal(profile_map(p, r, b, &st, msg, sizeof msg), TW_OK);
	assert_int_equal(st.pools, 1);
	assert_int_equal(st.volumes, 3);
	assert_int_equal(st.figures_invalid, 0);
	assert_int_equal(st.links_unresolved, 0);

	assert_string_equal(snap_builder_info(b)->vendor, "Thinwatch");
	assert_string_equal(snap_builder_info(b)->model, "SIM-8T");
	assert_string_equal(snap_builder_info(b)->serial, "SN0001");
	assert_string_equal(snap_builder_info(b)->version, "1.0.0");
	assert_string_equal(snap_builder_info(b)->profile, "thinwatch");

	assert_int_equal(snap_builder_npools(b), 1);
	pool = pool_named(b, "pool0", &pi);
	assert_int_equal(pool->flags, TW_HAS_CAPACITY | TW_HAS_USED | TW_HAS_FREE);
	assert_int_equal(pool->capacity, 8 * TIB);
	assert_int_equal(pool->used, 8 * TIB);
	assert_int_equal(pool->free, 0);

	assert_int_equal(snap_builder_nvolumes(b), 3);
	{
		const char *names[] = { "jiujiang", "vol-a", "vol-b" };
		const uint64_t prov[] = { 4 * TIB, 3 * TIB, 5 * TIB };
		const uint64_t cons[] = { 166311871119ULL, 3 * TIB, 5331246267761ULL };
		for (size_t i = 0; i < 3; i++) {
			struct tw_volume *v = snap_builder_find_volume(b, names[i]);
			assert_non_null(v);
			assert_int_equal(v->pool, pi);
			assert_int_equal(v->flags, TW_HAS_PROVISIONED | TW_HAS_CONSUMED | TW_HAS_THIN);
			assert_int_equal(v->provisioned, prov[i]);
			assert_int_equal(v->consumed, cons[i]);
			assert_int_equal(v->thin, 1);
		}
		assert_string_equal(snap_builder_find_volume(b, "jiujiang")->wwn,
				    "600a0b80001234560000abcd00000001");
		assert_null(snap_builder_find_volume(b, "vol-a")->wwn);
	}

	/* The derived figures the whole project is about. */
	s = snap_builder_finish(b, NULL, NULL, 0);
	assert_non_null(s);
	assert_int_equal(s->pools[0].fig.provisioned, 12 * TIB);
	assert_int_equal(s->pools[0].fig.provisioned_from_array, 0);
	assert_true(s->pools[0].fig.overcommit_ratio == 1.5);
	assert_int_equal(s->pools[0].fig.overcommitted, 1);
	assert_int_equal(s->pools[0].fig.unbacked, 4 * TIB);
	assert_int_equal(s->pools[0].fig.shortfall, 4 * TIB);
	snap_unref(s);
	walk_result_free(r);
	profile_free(p);
}

static void test_shipped_targets(void **state)
{
	struct profile *p = load_shipped("thinwatch");
	size_t n, gets = 0, walks = 0;
	const struct walk_target *t = profile_targets(p, &n);
	char buf[128];

	(void)state;
	for (size_t i = 0; i < n; i++) {
		walk_oid_format(t[i].oid, t[i].len, buf, sizeof buf);
		assert_true(strncmp(buf, "1.3.6.1.4.1.424242.1.", 21) == 0);
		if (t[i].kind == WALK_GET)
			gets++;
		else
			walks++;
	}
	assert_int_equal(gets, 4);      /* vendor, model, serial, version */
	assert_int_equal(walks, 4 + 6); /* pool columns 2-5, volume columns 2-7 */
	assert_true(profile_has_match(p));
	{
		uint32_t sim[] = { 1, 3, 6, 1, 4, 1, 424242, 3, 1 };
		uint32_t other[] = { 1, 3, 6, 1, 4, 1, 8072, 3, 2, 10 };
		assert_true(profile_matches(p, sim, 9, NULL));
		assert_false(profile_matches(p, other, 10, "Linux"));
		assert_false(profile_matches(p, NULL, 0, NULL));
	}
	profile_free(p);
}

/* The benchmark profile: volumes only, pools named from the link value. */
static void test_bench_profile(void **state)
{
	char path[1024], msg[256];
	struct profile *p = NULL;
	struct walk_result *r = walk_result_new(0, 0);
	struct snap_builder *b = snap_builder_new("bench");
	const char *e = "1.3.6.1.4.1.99999.1.1.1.";
	char o[64];
	size_t c[5];

	(void)state;
	snprintf(path, sizeof path, "%s/tests/bench/benchagent-profile.yml", srcdir());
	if (profile_load_file(path, &p, msg, sizeof msg))
		fail_msg("%s", msg);
	for (int k = 0; k < 5; k++) {
		snprintf(o, sizeof o, "%s%d", e, k + 2);
		c[k] = col(r, o);
	}
	for (uint32_t i = 1; i <= 40; i++) {
		uint64_t prov = (uint64_t)i * GIB + 5000000000ULL;
		snprintf(o, sizeof o, "vol%06u", i);
		put_str(r, c[0], i, o);
		put_u64(r, c[1], i, prov);
		put_u64(r, c[2], i, prov / 100 * (i % 100));
		put_int(r, c[3], i, i % 16 + 1);
		put_int(r, c[4], i, i % 3 == 0 ? 2 : 1);
	}
	assert_int_equal(profile_map(p, r, b, NULL, msg, sizeof msg), TW_OK);
	assert_int_equal(snap_builder_nvolumes(b), 40);
	assert_int_equal(snap_builder_npools(b), 16);
	{
		uint32_t pi;
		struct tw_volume *v = snap_builder_find_volume(b, "vol000017");
		pool_named(b, "pool2", &pi); /* 17 % 16 + 1 */
		assert_non_null(v);
		assert_int_equal(v->pool, pi);
		assert_int_equal(v->thin, 1);
		v = snap_builder_find_volume(b, "vol000018");
		assert_int_equal(v->thin, 0);
		assert_int_equal(pool_named(b, "pool16", NULL)->flags, 0); /* no pool figures */
	}
	snap_builder_free(b);
	walk_result_free(r);
	profile_free(p);
}

/* ---- units, scale, multiply_by, hi/lo ---- */

static void test_units_scale_hilo(void **state)
{
	struct profile *p = load_text(
		"name: units\n"
		"pools:\n"
		"  entry: 1.3.6.1.4.1.9.1\n"
		"  index: integer\n"
		"  columns:\n"
		"    name: 2\n"
		"    capacity: { oid: 3, unit: MiB }\n"
		"    used: { oid: 4, multiply_by: units }\n"
		"    free: { hi: 14, lo: 15, unit: KiB }\n"
		"    provisioned: { oid: 5, unit: GB, scale: 2 }\n"
		"  extra:\n"
		"    units: 6\n");
	struct walk_result *r = walk_result_new(0, 0);
	struct snap_builder *b = snap_builder_new("a");
	size_t n = col(r, "1.3.6.1.4.1.9.1.2"), cap = col(r, "1.3.6.1.4.1.9.1.3"),
	       used = col(r, "1.3.6.1.4.1.9.1.4"), prov = col(r, "1.3.6.1.4.1.9.1.5"),
	       units = col(r, "1.3.6.1.4.1.9.1.6"), hi = col(r, "1.3.6.1.4.1.9.1.14"),
	       lo = col(r, "1.3.6.1.4.1.9.1.15");
	struct tw_pool *pool;
	char msg[256];

	(void)state;
	put_str(r, n, 1, "aggr1");
	put_u64(r, cap, 1, 8388608);              /* MiB -> 8 TiB */
	put_int(r, used, 1, 1450978620);          /* x 4096-byte units */
	put_int(r, units, 1, 4096);
	put_int(r, hi, 1, 3);                     /* NetApp dfHigh/LowTotalKBytes, low half signed */
	put_int(r, lo, 1, -230633264);
	put(r, prov, 1, WV_UINT, 5, NULL);         /* 5 GB x 2 */
	assert_int_equal(profile_map(p, r, b, NULL, msg, sizeof msg), TW_OK);
	pool = pool_named(b, "aggr1", NULL);
	assert_int_equal(pool->flags,
			 TW_HAS_CAPACITY | TW_HAS_USED | TW_HAS_FREE | TW_HAS_PROVISIONED);
	assert_int_equal(pool->capacity, 8 * TIB);
	assert_int_equal(pool->used, 1450978620ULL * 4096);
	assert_int_equal(pool->free, 16949235920ULL * 1024);
	assert_int_equal(pool->reported_provisioned, 10000000000ULL);
	snap_builder_free(b);
	walk_result_free(r);
	profile_free(p);
}

/* ---- value maps, filters, links ---- */

static void test_map_filter_link_by_name(void **state)
{
	/* NetApp-like: volSpaceGuarantee 0 = none (thin), 1 = file, 2 = volume. */
	struct profile *p = load_text(
		"name: netapp-like\n"
		"pools:\n"
		"  entry: 1.3.6.1.4.1.9.2\n"
		"  columns: { name: 2, capacity: { oid: 3, unit: KiB } }\n"
		"  extra: { type: 23 }\n"
		"  filter:\n"
		"    - { column: type, equals: \"3\" }\n"
		"volumes:\n"
		"  entry: 1.3.6.1.4.1.9.3\n"
		"  columns:\n"
		"    name: 2\n"
		"    pool: { oid: 9, link: name }\n"
		"    provisioned: { oid: 4, unit: KiB }\n"
		"    thin: { oid: 18, map: { 0: true, 1: false, 2: false } }\n"
		"  extra: { state: 5 }\n"
		"  filter:\n"
		"    - { column: state, not_equals: offline }\n"
		"    - { column: name, not_regex: \"^vol0$\" }\n");
	struct walk_result *r = walk_result_new(0, 0);
	struct snap_builder *b = snap_builder_new("a");
	size_t pn = col(r, "1.3.6.1.4.1.9.2.2"), pc = col(r, "1.3.6.1.4.1.9.2.3"),
	       pt = col(r, "1.3.6.1.4.1.9.2.23");
	size_t vn = col(r, "1.3.6.1.4.1.9.3.2"), vpool = col(r, "1.3.6.1.4.1.9.3.9"),
	       vprov = col(r, "1.3.6.1.4.1.9.3.4"), vthin = col(r, "1.3.6.1.4.1.9.3.18"),
	       vstate = col(r, "1.3.6.1.4.1.9.3.5");
	struct profile_stats st;
	uint32_t a0, a1;
	char msg[256];

	(void)state;
	put_str(r, pn, 1, "aggr0");
	put_str(r, pn, 2, "/vol/vol1/");
	put_str(r, pn, 3, "aggr1");
	put_u64(r, pc, 1, 1000);
	put_u64(r, pc, 2, 10);
	put_u64(r, pc, 3, 2000);
	put_int(r, pt, 1, 3);
	put_int(r, pt, 2, 2);
	put_int(r, pt, 3, 3);
	{
		const char *names[] = { "vol0", "vol1", "vol2", "vol3", "vol4" };
		const char *aggr[] = { "aggr0", "aggr0", "aggr1", "aggr9", "aggr1" };
		const int thin[] = { 1, 1, 0, 7, 2 };
		const char *states[] = { "online", "online", "online", "online", "offline" };
		for (uint32_t i = 0; i < 5; i++) {
			put_str(r, vn, i + 1, names[i]);
			put_str(r, vpool, i + 1, aggr[i]);
			put_u64(r, vprov, i + 1, 100 + i);
			put_int(r, vthin, i + 1, thin[i]);
			put_str(r, vstate, i + 1, states[i]);
		}
	}
	assert_int_equal(profile_map(p, r, b, &st, msg, sizeof msg), TW_OK);
	assert_int_equal(snap_builder_npools(b), 2); /* the dfType 2 row is filtered out */
	pool_named(b, "aggr0", &a0);
	pool_named(b, "aggr1", &a1);
	assert_int_equal(pool_named(b, "aggr1", NULL)->capacity, 2000 * 1024);
	assert_int_equal(snap_builder_nvolumes(b), 3); /* vol0 by regex, vol4 offline */
	assert_int_equal(st.rows_filtered, 1 + 2);
	assert_null(snap_builder_find_volume(b, "vol0"));
	assert_null(snap_builder_find_volume(b, "vol4"));
	{
		struct tw_volume *v1 = snap_builder_find_volume(b, "vol1");
		struct tw_volume *v2 = snap_builder_find_volume(b, "vol2");
		struct tw_volume *v3 = snap_builder_find_volume(b, "vol3");
		assert_int_equal(v1->pool, a0);
		assert_int_equal(v1->thin, 0);
		assert_true(v1->flags & TW_HAS_THIN);
		assert_int_equal(v1->provisioned, 101 * 1024);
		assert_int_equal(v2->pool, a1);
		assert_int_equal(v2->thin, 1);
		assert_int_equal(v3->pool, TW_NO_POOL); /* aggr9 does not exist */
		assert_false(v3->flags & TW_HAS_THIN);   /* 7 is not in the map */
	}
	assert_int_equal(st.links_unresolved, 1);
	snap_builder_free(b);
	walk_result_free(r);
	profile_free(p);
}

/* Huawei-like string indexes (pool ID "1" = .1.49) and a pool-ID column
 * holding the pool's index as a string; Tegile-like pool link by the
 * first index component. */
static void test_string_index_and_component_link(void **state)
{
	struct profile *p = load_text(
		"pools:\n"
		"  entry: 1.3.6.1.4.1.9.4\n"
		"  index: [string]\n"
		"  columns: { capacity: { oid: 7, unit: MiB } }\n"
		"volumes:\n"
		"  entry: 1.3.6.1.4.1.9.5\n"
		"  index: [string]\n"
		"  columns:\n"
		"    name: 2\n"
		"    pool: { oid: 3, link: index }\n"
		"    provisioned: { oid: 5, unit: MiB }\n");
	struct profile *q = load_text(
		"name: component\n"
		"pools:\n"
		"  entry: 1.3.6.1.4.1.9.6\n"
		"  index: integer\n"
		"  columns: { name: 2 }\n"
		"volumes:\n"
		"  entry: 1.3.6.1.4.1.9.7\n"
		"  index: [integer, integer]\n"
		"  columns:\n"
		"    name: 2\n"
		"    pool: { index_component: 1 }\n");
	struct walk_result *r = walk_result_new(0, 0);
	struct snap_builder *b = snap_builder_new("a");
	size_t pc = col(r, "1.3.6.1.4.1.9.4.7");
	size_t vn = col(r, "1.3.6.1.4.1.9.5.2"), vp = col(r, "1.3.6.1.4.1.9.5.3"),
	       vprov = col(r, "1.3.6.1.4.1.9.5.5");
	uint32_t pidx1[] = { 1, '1' }, pidx10[] = { 2, '1', '0' };
	uint32_t l0[] = { 1, '0' }, l1[] = { 1, '1' };
	char msg[256];
	uint32_t i1, i10;

	(void)state;
	assert_int_equal(walk_result_append(r, pc, pidx1, 2, WV_U64, 0, 1024, NULL, 0), TW_OK);
	assert_int_equal(walk_result_append(r, pc, pidx10, 3, WV_U64, 0, 2048, NULL, 0), TW_OK);
	assert_int_equal(walk_result_append(r, vn, l0, 2, WV_STR, 0, 0, "lun0", 4), TW_OK);
	assert_int_equal(walk_result_append(r, vn, l1, 2, WV_STR, 0, 0, "lun1", 4), TW_OK);
	assert_int_equal(walk_result_append(r, vp, l0, 2, WV_STR, 0, 0, "10", 2), TW_OK);
	assert_int_equal(walk_result_append(r, vp, l1, 2, WV_STR, 0, 0, "1", 1), TW_OK);
	assert_int_equal(walk_result_append(r, vprov, l0, 2, WV_U64, 0, 20480, NULL, 0), TW_OK);
	assert_int_equal(profile_map(p, r, b, NULL, msg, sizeof msg), TW_OK);
	/* No name column: a string index names the pool. */
	assert_int_equal(pool_named(b, "1", &i1)->capacity, 1024ULL << 20);
	assert_int_equal(pool_named(b, "10", &i10)->capacity, 2048ULL << 20);
	assert_int_equal(snap_builder_find_volume(b, "lun0")->pool, i10);
	assert_int_equal(snap_builder_find_volume(b, "lun0")->provisioned, 20480ULL << 20);
	assert_int_equal(snap_builder_find_volume(b, "lun1")->pool, i1);
	assert_false(snap_builder_find_volume(b, "lun1")->flags & TW_HAS_PROVISIONED);
	snap_builder_free(b);
	walk_result_free(r);

	r = walk_result_new(0, 0);
	b = snap_builder_new("a");
	{
		size_t qp = col(r, "1.3.6.1.4.1.9.6.2"), qv = col(r, "1.3.6.1.4.1.9.7.2");
		uint32_t a[] = { 1, 1 }, c2[] = { 2, 1 }, c3[] = { 2, 2 };
		uint32_t pa, pb;
		put_str(r, qp, 1, "pool-a");
		put_str(r, qp, 2, "pool-b");
		assert_int_equal(walk_result_append(r, qv, a, 2, WV_STR, 0, 0, "p1", 2), TW_OK);
		assert_int_equal(walk_result_append(r, qv, c2, 2, WV_STR, 0, 0, "p2", 2), TW_OK);
		assert_int_equal(walk_result_append(r, qv, c3, 2, WV_STR, 0, 0, "p3", 2), TW_OK);
		assert_int_equal(profile_map(q, r, b, NULL, msg, sizeof msg), TW_OK);
		pool_named(b, "pool-a", &pa);
		pool_named(b, "pool-b", &pb);
		assert_int_equal(snap_builder_find_volume(b, "p1")->pool, pa);
		assert_int_equal(snap_builder_find_volume(b, "p2")->pool, pb);
		assert_int_equal(snap_builder_find_volume(b, "p3")->pool, pb);
	}
	snap_builder_free(b);
	walk_result_free(r);
	profile_free(p);
	profile_free(q);
}

/* ---- sanity rules ---- */

static const char *sanity_profile(const char *action)
{
	static char text[1024];
	snprintf(text, sizeof text,
		 "name: sane\n"
		 "%s"
		 "pools:\n"
		 "  entry: 1.3.6.1.4.1.9.8\n"
		 "  columns: { name: 2, capacity: 3, used: 4, free: 5 }\n"
		 "volumes:\n"
		 "  entry: 1.3.6.1.4.1.9.9\n"
		 "  columns:\n"
		 "    name: 2\n"
		 "    pool: { oid: 3, link: index }\n"
		 "    provisioned: 4\n"
		 "    consumed: 5\n",
		 action);
	return text;
}

static struct walk_result *sanity_result(void)
{
	struct walk_result *r = walk_result_new(0, 0);
	size_t pn = col(r, "1.3.6.1.4.1.9.8.2"), pc = col(r, "1.3.6.1.4.1.9.8.3"),
	       pu = col(r, "1.3.6.1.4.1.9.8.4"), pf = col(r, "1.3.6.1.4.1.9.8.5");
	size_t vn = col(r, "1.3.6.1.4.1.9.9.2"), vp = col(r, "1.3.6.1.4.1.9.9.3"),
	       vprov = col(r, "1.3.6.1.4.1.9.9.4"), vc = col(r, "1.3.6.1.4.1.9.9.5");
	/* 1: QuantaStor-like Counter64 = 2^63; 2: hrStorage-like wrap, used > size. */
	put_str(r, pn, 1, "qs");
	put_str(r, pn, 2, "ifs");
	put_u64(r, pc, 1, 1ULL << 63);
	put_u64(r, pc, 2, 186914868ULL * 8192);
	put_u64(r, pu, 1, 100);
	put_u64(r, pu, 2, 1354557667ULL * 8192);
	put_u64(r, pf, 1, 5);
	put_u64(r, pf, 2, 7);
	put_str(r, vn, 1, "v1");
	put_str(r, vn, 2, "v2");
	put_int(r, vp, 1, 1);
	put_int(r, vp, 2, 2);
	put_u64(r, vprov, 1, 11436981323981935083ULL); /* > 2^63 */
	put_int(r, vprov, 2, -5);                      /* negative size */
	put_u64(r, vc, 1, 0);
	put_u64(r, vc, 2, 1);
	return r;
}

static void test_sanity_invalidate(void **state)
{
	struct profile *p = load_text(sanity_profile(""));
	struct walk_result *r = sanity_result();
	struct snap_builder *b = snap_builder_new("a");
	struct profile_stats st;
	struct tw_pool *qs, *ifs;
	char msg[256];

	(void)state;
	assert_int_equal(profile_map(p, r, b, &st, msg, sizeof msg), TW_OK);
	qs = pool_named(b, "qs", NULL);
	ifs = pool_named(b, "ifs", NULL);
	assert_int_equal(qs->flags, TW_HAS_USED | TW_HAS_FREE); /* capacity 2^63 dropped */
	assert_int_equal(qs->used, 100);
	assert_int_equal(ifs->flags, TW_HAS_FREE);              /* used > capacity: both dropped */
	assert_int_equal(snap_builder_find_volume(b, "v1")->flags, TW_HAS_CONSUMED);
	assert_int_equal(snap_builder_find_volume(b, "v2")->flags, TW_HAS_CONSUMED);
	assert_int_equal(st.figures_invalid, 1 + 2 + 1 + 1);
	assert_int_equal(st.rows_skipped, 0);
	assert_non_null(strstr(st.note, "2^63"));
	snap_builder_free(b);
	walk_result_free(r);
	profile_free(p);
}

static void test_sanity_skip_and_ignore(void **state)
{
	struct profile *p = load_text(sanity_profile("sanity: { used_over_capacity: skip }\n"));
	struct profile *q = load_text(
		sanity_profile("sanity: { used_over_capacity: ignore, max_bytes: 1TiB }\n"));
	struct walk_result *r = sanity_result();
	struct snap_builder *b = snap_builder_new("a");
	struct profile_stats st;
	char msg[256];

	(void)state;
	assert_int_equal(profile_map(p, r, b, &st, msg, sizeof msg), TW_OK);
	assert_int_equal(snap_builder_npools(b), 1);  /* "ifs" skipped */
	assert_int_equal(st.rows_skipped, 1);
	assert_int_equal(snap_builder_find_volume(b, "v2")->pool, TW_NO_POOL);
	assert_int_equal(st.links_unresolved, 1);
	snap_builder_free(b);

	b = snap_builder_new("a");
	assert_int_equal(profile_map(q, r, b, &st, msg, sizeof msg), TW_OK);
	/* used_over_capacity: ignore, but max_bytes 1TiB: the wrapped capacity
	 * (1.39 TiB) and used (10 TiB) of "ifs" are both above it. */
	assert_int_equal(pool_named(b, "ifs", NULL)->flags, TW_HAS_FREE);
	assert_int_equal(pool_named(b, "qs", NULL)->flags, TW_HAS_USED | TW_HAS_FREE);
	snap_builder_free(b);
	walk_result_free(r);
	profile_free(p);
	profile_free(q);
}

/* ---- bad profiles: located errors ---- */

static void test_bad_profiles(void **state)
{
	const char *m;

	(void)state;
	m = load_bad("name: x\nvolumes:\n  entry: 1.3.6.1.4.1.9.1\n  colums: { name: 2 }\n",
		     TW_ERR_CONFIG);
	assert_non_null(strstr(m, "bad.yml:4:3:"));
	assert_non_null(strstr(m, "unknown key 'colums'"));

	m = load_bad("volumes:\n  entry: 1.3.6.1.4.1.9.1\n  columns:\n    name: 2\n"
		     "    provisioned: { oid: 1.3.x.4 }\n",
		     TW_ERR_CONFIG);
	assert_non_null(strstr(m, "bad.yml:5:25:"));
	assert_non_null(strstr(m, "1.3.x.4"));

	m = load_bad("volumes:\n  entry: 1.3.6.1.4.1.99999999999.1\n  columns: { name: 2 }\n",
		     TW_ERR_CONFIG);
	assert_non_null(strstr(m, "bad.yml:2:10:"));

	m = load_bad("pools:\n  entry: 1.3.6.1.4.1.9.1\n  columns:\n    capacity: { oid: 3, unit: kb }\n",
		     TW_ERR_CONFIG);
	assert_non_null(strstr(m, "bad.yml:4:31:"));
	assert_non_null(strstr(m, "unknown unit 'kb'"));

	m = load_bad("pools:\n  entry: 1.3.6.1.4.1.9.1\n  columns:\n"
		     "    used: { oid: 3, multiply_by: units }\n",
		     TW_ERR_CONFIG);
	assert_non_null(strstr(m, "bad.yml:4:34:"));
	assert_non_null(strstr(m, "'units'"));

	m = load_bad("volumes:\n  entry: 1.3.6.1.4.1.9.1\n  columns:\n    pool: { oid: 3 }\n",
		     TW_ERR_CONFIG);
	assert_non_null(strstr(m, "bad.yml:4:11:"));
	assert_non_null(strstr(m, "link"));

	m = load_bad("volumes:\n  entry: 1.3.6.1.4.1.9.1\n  columns:\n"
		     "    name: { oid: 2, map: { 1: true } }\n",
		     TW_ERR_CONFIG);
	assert_non_null(strstr(m, "map is only supported for thin"));

	m = load_bad("volumes:\n  entry: 1.3.6.1.4.1.9.1\n  columns:\n"
		     "    thin: { oid: 6, map: { 1: maybe } }\n",
		     TW_ERR_CONFIG);
	assert_non_null(strstr(m, "bad.yml:4:31:"));
	assert_non_null(strstr(m, "maybe"));

	m = load_bad("match: { sys_descr: \"([\" }\nvolumes:\n  entry: 1.3.6.1.4.1.9.1\n"
		     "  columns: { name: 2 }\n",
		     TW_ERR_CONFIG);
	assert_non_null(strstr(m, "bad.yml:1:21:"));
	assert_non_null(strstr(m, "regular expression"));

	m = load_bad("volumes:\n  entry: 1.3.6.1.4.1.9.1\n  columns: { name: 2 }\n"
		     "  filter: [ { column: nope, equals: x } ]\n",
		     TW_ERR_CONFIG);
	assert_non_null(strstr(m, "'nope'"));

	m = load_bad("name: x\n", TW_ERR_CONFIG);
	assert_non_null(strstr(m, "pools and/or volumes"));

	m = load_bad("volumes: [\n", TW_ERR_PARSE);
	assert_non_null(strstr(m, "bad.yml:"));
}

/* ---- resolution and auto-selection ---- */

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[1024];
	FILE *f;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_resolve_and_auto(void **state)
{
	char tmpl[] = "/tmp/tw-profile-test-XXXXXX";
	char shipped[1024], msg[512], *path = NULL;
	const char *dir;
	const char *dirs[3];
	struct profile_set *set = NULL;
	uint32_t sim[] = { 1, 3, 6, 1, 4, 1, 424242, 3, 1 };
	uint32_t linux_oid[] = { 1, 3, 6, 1, 4, 1, 8072, 3, 2, 10 };
	const struct profile *p;

	(void)state;
	dir = mkdtemp(tmpl);
	assert_non_null(dir);
	snprintf(shipped, sizeof shipped, "%s/mibs/profiles", srcdir());

	/* Bare names: first directory that has NAME.yml. */
	dirs[0] = "/nonexistent-dir";
	dirs[1] = dir;
	dirs[2] = shipped;
	assert_int_equal(profile_resolve("thinwatch", dirs, 3, &path, msg, sizeof msg), TW_OK);
	assert_non_null(strstr(path, "mibs/profiles/thinwatch.yml"));
	free(path);
	assert_int_equal(profile_resolve("nosuch", dirs, 3, &path, msg, sizeof msg),
			 TW_ERR_NOT_FOUND);
	assert_non_null(strstr(msg, "'nosuch'"));
	assert_non_null(strstr(msg, "/nonexistent-dir"));
	/* A path is a path. */
	assert_int_equal(profile_resolve("./x.yml", dirs, 3, &path, msg, sizeof msg), TW_OK);
	assert_string_equal(path, "./x.yml");
	free(path);
	assert_true(profile_ref_is_path("my.yaml"));
	assert_false(profile_ref_is_path("netapp"));

	/* A user directory: a sysDescr-matched profile, a host-resources
	 * fallback, a broken file (skipped) and a profile that shadows the
	 * shipped thinwatch profile. */
	write_file(dir, "linuxbox.yml",
		   "match: { sys_object_id: 1.3.6.1.4.1.8072, sys_descr: \"^Linux .*x86_64\" }\n"
		   "volumes: { entry: 1.3.6.1.4.1.9.1, columns: { name: 2 } }\n");
	write_file(dir, "host-resources.yml",
		   "volumes: { entry: 1.3.6.1.2.1.25.2.3.1, columns: { name: 3 } }\n");
	write_file(dir, "broken.yml", "volumes: [\n");
	write_file(dir, "thinwatch.yml",
		   "description: mine\nmatch: { sys_object_id: 1.3.6.1.4.1.424242 }\n"
		   "volumes: { entry: 1.3.6.1.4.1.9.1, columns: { name: 2 } }\n");
	dirs[0] = dir;
	dirs[1] = shipped;
	assert_int_equal(profile_set_load(dirs, 2, &set, msg, sizeof msg), TW_OK);
	p = profile_set_pick(set, sim, 9, NULL);
	assert_non_null(p);
	assert_string_equal(profile_name(p), "thinwatch");
	assert_string_equal(profile_description(p), "mine"); /* the user's copy wins */
	p = profile_set_pick(set, linux_oid, 10, "Linux vm 6.1 #1 SMP x86_64");
	assert_string_equal(profile_name(p), "linuxbox");
	p = profile_set_pick(set, linux_oid, 10, "FreeBSD");
	assert_string_equal(profile_name(p), "host-resources");
	p = profile_set_pick(set, NULL, 0, NULL);
	assert_string_equal(profile_name(p), "host-resources");
	for (size_t i = 0; i < profile_set_count(set); i++)
		assert_string_not_equal(profile_name(profile_set_get(set, i)), "broken");
	profile_set_free(set);

	{
		char f[1100];
		const char *names[] = { "linuxbox.yml", "host-resources.yml", "broken.yml",
					"thinwatch.yml" };
		for (size_t i = 0; i < 4; i++) {
			snprintf(f, sizeof f, "%s/%s", dir, names[i]);
			unlink(f);
		}
		rmdir(dir);
	}
}

/* ---- the result container ---- */

static void test_walk_result(void **state)
{
	struct walk_result *r = walk_result_new(5, 0);
	uint32_t i1[] = { 1 }, i2[] = { 2 }, i12[] = { 1, 2 }, i3[] = { 3 };
	size_t c, cursor = 0;
	const struct walk_row *row;
	uint32_t oidval[] = { 1, 3, 6, 1 };
	char buf[64];

	(void)state;
	c = col(r, ".1.3.6.1.2.1.2.2.1.2");
	assert_int_equal(walk_result_append(r, c, i1, 1, WV_STR, 4, 0, "a", 1), TW_OK);
	assert_int_equal(walk_result_append(r, c, i12, 2, WV_OID, 6, 0, oidval, 4), TW_OK);
	assert_int_equal(walk_result_append(r, c, i2, 1, WV_INT, 2, (uint64_t)-7, NULL, 0), TW_OK);
	/* A looping agent: the same or an earlier index again. */
	assert_int_equal(walk_result_append(r, c, i2, 1, WV_INT, 2, 0, NULL, 0), TW_ERR_PROTOCOL);
	assert_int_equal(walk_result_append(r, c, i12, 2, WV_INT, 2, 0, NULL, 0), TW_ERR_PROTOCOL);
	row = walk_column_lookup(&r->cols[c], i12, 2);
	assert_non_null(row);
	assert_int_equal(row->type, WV_OID);
	walk_oid_format(walk_row_oidval(&r->cols[c], row), row->data_len, buf, sizeof buf);
	assert_string_equal(buf, "1.3.6.1");
	assert_null(walk_column_lookup(&r->cols[c], i3, 1));
	assert_non_null(walk_column_seek(&r->cols[c], &cursor, i2, 1));
	assert_int_equal(cursor, 2);
	assert_null(walk_column_seek(&r->cols[c], &cursor, i3, 1));
	assert_int_equal((int64_t)walk_column_lookup(&r->cols[c], i2, 1)->num, -7);
	/* The varbind cap. */
	assert_int_equal(walk_result_append(r, c, i3, 1, WV_NULL, 5, 0, NULL, 0), TW_OK);
	{
		uint32_t i4[] = { 4 }, i5[] = { 5 };
		assert_int_equal(walk_result_append(r, c, i4, 1, WV_NULL, 5, 0, NULL, 0), TW_OK);
		assert_int_equal(walk_result_append(r, c, i5, 1, WV_NULL, 5, 0, NULL, 0),
				 TW_ERR_TOO_BIG);
	}
	assert_non_null(walk_result_find(r, (uint32_t[]){ 1, 3, 6, 1, 2, 1, 2, 2, 1, 2 }, 10));
	assert_null(walk_result_find(r, (uint32_t[]){ 1, 3, 6, 1, 2, 1, 2, 2, 1, 3 }, 10));
	walk_result_free(r);

	/* The byte cap. */
	r = walk_result_new(0, 4096);
	c = col(r, "1.3.6.1.4.1.9.1.2");
	{
		char big[1000];
		tw_err e = TW_OK;
		memset(big, 'x', sizeof big);
		for (uint32_t i = 1; i < 100 && !e; i++)
			e = walk_result_append(r, c, &i, 1, WV_STR, 4, 0, big, sizeof big);
		assert_int_equal(e, TW_ERR_TOO_BIG);
		assert_true(r->nbytes <= 4096);
	}
	walk_result_free(r);

	{
		uint32_t o[WALK_OID_MAX];
		size_t n;
		assert_int_equal(walk_oid_parse("1.3.6.1.4.1.4294967295", o, WALK_OID_MAX, &n), 0);
		assert_int_equal(o[6], 4294967295u);
		assert_int_equal(walk_oid_parse("1.3.6.1.4.1.4294967296", o, WALK_OID_MAX, &n), -1);
		assert_int_equal(walk_oid_parse("1..3", o, WALK_OID_MAX, &n), -1);
		assert_int_equal(walk_oid_parse("1.3.", o, WALK_OID_MAX, &n), -1);
		assert_int_equal(walk_oid_parse("1.3.6", o, 2, &n), -1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_incident),
		cmocka_unit_test(test_shipped_targets),
		cmocka_unit_test(test_bench_profile),
		cmocka_unit_test(test_units_scale_hilo),
		cmocka_unit_test(test_map_filter_link_by_name),
		cmocka_unit_test(test_string_index_and_component_link),
		cmocka_unit_test(test_sanity_invalidate),
		cmocka_unit_test(test_sanity_skip_and_ignore),
		cmocka_unit_test(test_bad_profiles),
		cmocka_unit_test(test_resolve_and_auto),
		cmocka_unit_test(test_walk_result),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
