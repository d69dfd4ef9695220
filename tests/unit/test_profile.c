/* test_profile.c: SNMP profiles without a network.  Loads the shipped
 * THINWATCH-MIB profile and maps hand-built walk results of the incident
 * (pool0 8 TiB; jiujiang, vol-a, vol-b) into a snapshot builder; then units
 * and scale, multiply_by, hi/lo halves with a negative low half, value
 * maps, row filters, pool links by index, name, index component and
 * name_prefix, string indexes, the sanity rules (Counter64 >= 2^63,
 * used > capacity), profile errors with file:line:col, name resolution
 * and `profile: auto` selection, and the walk_result container itself;
 * then the features the vendor profiles need: joins by name folding rows,
 * nested volume tables linked through a volume, constant names, link: sole,
 * merged duplicates, nesting by path, unset values, thin inferred or read
 * from hi/lo halves, links to a component of the pool index, oid_present
 * matches, and inline profiles loaded from a config node. */
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

#include "buf.h"
#include "model.h"
#include "profile.h"
#include "ytree.h"
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

/* 512-byte sectors and 4096-byte blocks, alone and on hi/lo halves: exact
 * bytes, beyond 2^32 units. */
static void test_units_sectors_blocks(void **state)
{
	struct profile *p = load_text(
		"name: sectors\n"
		"pools:\n"
		"  entry: 1.3.6.1.4.1.9.1\n"
		"  index: integer\n"
		"  columns:\n"
		"    name: 2\n"
		"    capacity: { oid: 3, unit: sectors512 }\n"
		"    used: { oid: 4, unit: blocks4096 }\n"
		"    free: { oid: 5, unit: blocks4096 }\n"
		"    provisioned: { hi: 14, lo: 15, unit: sectors512 }\n");
	struct walk_result *r = walk_result_new(0, 0);
	struct snap_builder *b = snap_builder_new("a");
	size_t n = col(r, "1.3.6.1.4.1.9.1.2"), cap = col(r, "1.3.6.1.4.1.9.1.3"),
	       used = col(r, "1.3.6.1.4.1.9.1.4"), fr = col(r, "1.3.6.1.4.1.9.1.5"),
	       hi = col(r, "1.3.6.1.4.1.9.1.14"), lo = col(r, "1.3.6.1.4.1.9.1.15");
	struct tw_pool *pool;
	char msg[256];

	(void)state;
	put_str(r, n, 1, "disk0");
	put_u64(r, cap, 1, 4294967295ULL);        /* sectors: 2199023255040 bytes */
	put_int(r, used, 1, 268435456);           /* blocks: 1 TiB */
	put_int(r, fr, 1, 268435455);             /* blocks: 1 TiB - 4096 */
	put_int(r, hi, 1, 1);                     /* (2^32 + 5) sectors */
	put_int(r, lo, 1, 5);
	assert_int_equal(profile_map(p, r, b, NULL, msg, sizeof msg), TW_OK);
	pool = pool_named(b, "disk0", NULL);
	assert_int_equal(pool->flags,
			 TW_HAS_CAPACITY | TW_HAS_USED | TW_HAS_FREE | TW_HAS_PROVISIONED);
	assert_int_equal(pool->capacity, 2199023255040ULL);
	assert_int_equal(pool->used, 1099511627776ULL);
	assert_int_equal(pool->free, 1099511623680ULL);
	assert_int_equal(pool->reported_provisioned, 2199023258112ULL);
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

/* ---- engine features for the vendor profiles (issue 3) ---- */

static void put_ix(struct walk_result *r, size_t c, const uint32_t *ix, size_t n,
		   enum walk_vtype t, uint64_t num, const char *str)
{
	assert_int_equal(walk_result_append(r, c, ix, n, t, 0, num, str, str ? strlen(str) : 0),
			 TW_OK);
}

static struct tw_volume *vol_named(struct snap_builder *b, const char *name)
{
	struct tw_volume *v = snap_builder_find_volume(b, name);
	if (!v)
		fail_msg("no volume %s", name);
	return v;
}

#define NA "1.3.6.1.4.1.789."

/* Joins by name with a regex key, folding two rows into one figure; a
 * second, nested volumes table linked through a volume of the first. */
static void test_join_fold_nested(void **state)
{
	struct profile *p = load_shipped("netapp");
	struct walk_result *r = walk_result_new(0, 0);
	struct snap_builder *b = snap_builder_new("na");
	struct profile_stats st;
	struct tw_snapshot *s;
	struct tw_volume *v;
	char msg[256];
	size_t fs, ty, tot, used, av, vn, va, vg, ln, lr, lsz;
	uint32_t a0;
	(void)state;

	put_scalar(r, NA "1.1.2.0", "NetApp Release 8.2.3 7-Mode: Thu Jan 15 21:30:45 PST 2015");
	fs = col(r, NA "1.5.4.1.2");
	ty = col(r, NA "1.5.4.1.23");
	tot = col(r, NA "1.5.4.1.29");
	used = col(r, NA "1.5.4.1.30");
	av = col(r, NA "1.5.4.1.31");
	/* rows: aggregate, its snapshot, a volume, its snapshot, a look-alike */
	put_str(r, fs, 1, "aggr0");
	put_str(r, fs, 2, "aggr0/.snapshot");
	put_str(r, fs, 3, "/vol/v1/");
	put_str(r, fs, 4, "/vol/v1/.snapshot");
	put_str(r, fs, 5, "/vol/v1/extra/");
	for (uint32_t i = 1; i <= 5; i++)
		put_int(r, ty, i, i <= 2 ? 3 : 2);
	put_u64(r, tot, 1, 1000);
	put_u64(r, tot, 2, 7);
	put_u64(r, tot, 3, 100);
	put_u64(r, tot, 4, 10);
	put_u64(r, tot, 5, 5000);
	for (uint32_t i = 1; i <= 5; i++) {
		put_u64(r, used, i, i == 3 ? 40 : i == 4 ? 99 : 1);
		put_u64(r, av, i, 1);
	}
	vn = col(r, NA "1.5.8.1.2");
	va = col(r, NA "1.5.8.1.9");
	vg = col(r, NA "1.5.8.1.18");
	put_str(r, vn, 1, "v1");
	put_str(r, va, 1, "aggr0");
	put_int(r, vg, 1, 0);
	put_str(r, vn, 2, "nodf");
	put_str(r, va, 2, "aggr0");
	put_int(r, vg, 2, 2);
	ln = col(r, NA "1.17.15.2.1.2");
	lr = col(r, NA "1.17.15.2.1.20");
	lsz = col(r, NA "1.17.15.2.1.28");
	put_str(r, ln, 1, "/vol/v1/lun0");
	put_int(r, lr, 1, 1);
	put_u64(r, lsz, 1, 50 * 1024);
	put_str(r, ln, 2, "/vol/missing/lun1");
	put_int(r, lr, 2, 2);
	put_u64(r, lsz, 2, 1);

	assert_int_equal(profile_map(p, r, b, &st, msg, sizeof msg), TW_OK);
	assert_int_equal(st.pools, 1);           /* the .snapshot aggregate row is filtered */
	assert_int_equal(st.volumes, 4);
	assert_int_equal(st.volumes_nested, 2);
	assert_int_equal(st.links_unresolved, 1); /* lun1's volume does not exist */
	pool_named(b, "aggr0", &a0);
	v = vol_named(b, "v1");
	assert_int_equal(v->pool, a0);
	/* /vol/v1/ + /vol/v1/.snapshot, not /vol/v1/extra/: (100 + 10) KiB */
	assert_int_equal(v->provisioned, 110 * 1024);
	assert_int_equal(v->consumed, 40 * 1024); /* the active row only */
	assert_true(v->thin);
	assert_false(v->flags & TW_NESTED);
	v = vol_named(b, "nodf");
	assert_false(v->flags & TW_HAS_PROVISIONED);
	assert_true(v->flags & TW_HAS_THIN);
	assert_false(v->thin);
	v = vol_named(b, "/vol/v1/lun0");
	assert_int_equal(v->pool, a0);
	assert_true(v->flags & TW_NESTED);
	assert_int_equal(v->provisioned, 50 * 1024);
	v = vol_named(b, "/vol/missing/lun1");
	assert_int_equal(v->pool, TW_NO_POOL);
	s = snap_builder_finish(b, NULL, NULL, 0);
	assert_non_null(s);
	/* The pool counts v1 only: the LUN is nested, nodf has no size. */
	assert_int_equal(s->pools[a0].fig.provisioned, 110 * 1024);
	assert_int_equal(s->pools[a0].fig.nvolumes, 1);
	assert_string_equal(s->info.version, "8.2.3 7-Mode");
	snap_unref(s);
	walk_result_free(r);
	profile_free(p);
}

#define ISI "1.3.6.1.4.1.12124.1."

static void put_qstr(struct walk_result *r, size_t c, const char *id, enum walk_vtype t,
		     uint64_t num, const char *str)
{
	uint32_t ix[16];
	size_t n = strlen(id);
	ix[0] = (uint32_t)n;
	for (size_t i = 0; i < n; i++)
		ix[1 + i] = (unsigned char)id[i];
	put_ix(r, c, ix, n + 1, t, num, str);
}

/* A constant pool name over scalars, link: sole, duplicates merged,
 * nesting by path, unset_value and a catch-all map. */
static void test_isilon_quotas(void **state)
{
	struct profile *p = load_shipped("isilon");
	struct walk_result *r = walk_result_new(0, 0);
	struct snap_builder *b = snap_builder_new("isi");
	struct profile_stats st;
	struct tw_snapshot *s;
	struct tw_volume *v;
	struct tw_pool *pool;
	char msg[256];
	uint32_t zero = 0;
	size_t c1, c2, c3, qt, qp, qh, qu;
	(void)state;

	c1 = col(r, ISI "3.1");
	c2 = col(r, ISI "3.2");
	c3 = col(r, ISI "3.3");
	put_ix(r, c1, &zero, 1, WV_U64, 100 * TIB, NULL);
	put_ix(r, c2, &zero, 1, WV_U64, 10 * TIB, NULL);
	put_ix(r, c3, &zero, 1, WV_U64, 80 * TIB, NULL);
	qt = col(r, ISI "12.1.1.2");
	qp = col(r, ISI "12.1.1.5");
	qh = col(r, ISI "12.1.1.7");
	qu = col(r, ISI "12.1.1.13");
	/* ids sort as: a, b, c, d, e, f */
	put_qstr(r, qt, "a", WV_INT, 4, NULL);
	put_qstr(r, qp, "a", WV_STR, 0, "/ifs/x");
	put_qstr(r, qh, "a", WV_U64, 10 * TIB, NULL);
	put_qstr(r, qu, "a", WV_U64, 1 * TIB, NULL);
	put_qstr(r, qt, "b", WV_INT, 4, NULL);
	put_qstr(r, qp, "b", WV_STR, 0, "/ifs/x/y");
	put_qstr(r, qh, "b", WV_U64, 2 * TIB, NULL);
	put_qstr(r, qu, "b", WV_U64, 1 * GIB, NULL);
	put_qstr(r, qt, "c", WV_INT, 4, NULL);
	put_qstr(r, qp, "c", WV_STR, 0, "/ifs/z");
	put_qstr(r, qh, "c", WV_U64, 3 * TIB, NULL);
	put_qstr(r, qu, "c", WV_U64, 5 * GIB, NULL);
	put_qstr(r, qt, "d", WV_INT, 4, NULL);
	put_qstr(r, qp, "d", WV_STR, 0, "/ifs/z");
	put_qstr(r, qh, "d", WV_U64, 3 * TIB, NULL);
	put_qstr(r, qu, "d", WV_U64, 7 * GIB, NULL);
	put_qstr(r, qt, "e", WV_INT, 4, NULL);
	put_qstr(r, qp, "e", WV_STR, 0, "/ifs/none");
	put_qstr(r, qh, "e", WV_U64, 0, NULL);
	put_qstr(r, qu, "e", WV_U64, 9, NULL);
	put_qstr(r, qt, "f", WV_INT, 1, NULL); /* a user quota: filtered */
	put_qstr(r, qp, "f", WV_STR, 0, "/ifs/x");
	put_qstr(r, qh, "f", WV_U64, 50 * TIB, NULL);
	put_qstr(r, qu, "f", WV_U64, 1, NULL);

	assert_int_equal(profile_map(p, r, b, &st, msg, sizeof msg), TW_OK);
	assert_int_equal(st.pools, 1);
	assert_int_equal(st.volumes, 4);
	assert_int_equal(st.volumes_merged, 1);
	assert_int_equal(st.volumes_nested, 1);
	assert_int_equal(st.rows_filtered, 1);
	assert_int_equal(st.links_unresolved, 0);
	pool = pool_named(b, "ifs", NULL);
	assert_int_equal(pool->capacity, 100 * TIB);
	assert_int_equal(pool->free, 80 * TIB);
	v = vol_named(b, "/ifs/z");
	assert_int_equal(v->consumed, 7 * GIB); /* the larger of the two */
	assert_true(v->thin);
	assert_true(vol_named(b, "/ifs/x/y")->flags & TW_NESTED);
	v = vol_named(b, "/ifs/none");
	assert_false(v->flags & TW_HAS_PROVISIONED); /* 0 = no hard threshold */
	assert_int_equal(v->consumed, 9);
	assert_null(snap_builder_find_volume(b, "/ifs/z#5"));
	s = snap_builder_finish(b, NULL, NULL, 0);
	/* /ifs/x 10 TiB + /ifs/z 3 TiB; /ifs/x/y nested, /ifs/none unset */
	assert_int_equal(s->pools[0].fig.provisioned, 13 * TIB);
	assert_int_equal(s->pools[0].fig.nvolumes, 2);
	snap_unref(s);

	/* link: sole with two pools resolves nothing. */
	walk_result_free(r);
	profile_free(p);
	p = load_text("pools:\n"
		      "  entry: 1.3.6.1.4.1.9.1\n"
		      "  columns: { name: 2 }\n"
		      "volumes:\n"
		      "  entry: 1.3.6.1.4.1.9.2\n"
		      "  columns: { name: 2, pool: { link: sole } }\n");
	r = walk_result_new(0, 0);
	b = snap_builder_new("x");
	c1 = col(r, "1.3.6.1.4.1.9.1.2");
	put_str(r, c1, 1, "p1");
	put_str(r, c1, 2, "p2");
	c2 = col(r, "1.3.6.1.4.1.9.2.2");
	put_str(r, c2, 1, "v");
	assert_int_equal(profile_map(p, r, b, &st, msg, sizeof msg), TW_OK);
	assert_int_equal(st.links_unresolved, 1);
	assert_int_equal(vol_named(b, "v")->pool, TW_NO_POOL);
	snap_builder_free(b);
	walk_result_free(r);
	profile_free(p);
}

/* thin inferred from allocation, thin from hi/lo with a "*" map, figures
 * from hi/lo with unset_value, and a pool link to an index component of
 * the pool table's index. */
static void test_infer_hilo_component(void **state)
{
	struct profile *p = load_text(
		"pools:\n"
		"  entry: 1.3.6.1.4.1.9.1\n"
		"  index: [integer, integer]\n"
		"  columns: { name: 2, provisioned: { oid: 3, unit: MiB } }\n"
		"volumes:\n"
		"  - entry: 1.3.6.1.4.1.9.2\n"
		"    index: [integer, integer]\n"
		"    columns:\n"
		"      name: 2\n"
		"      pool: { oid: 3, link: index, pool_index_component: 2 }\n"
		"      provisioned: { oid: 4, unit: MiB }\n"
		"      consumed: { oid: 5, unit: MiB }\n"
		"      thin: { infer: allocation }\n"
		"  - entry: 1.3.6.1.4.1.9.3\n"
		"    columns:\n"
		"      name: 2\n"
		"      provisioned: { lo: 3, hi: 4, unset_value: 0 }\n"
		"      thin: { lo: 5, hi: 6, map: { \"0\": true, \"*\": false } }\n"
		"    filter:\n"
		"      - { column: provisioned, not_equals: \"4294967296\" }\n");
	struct walk_result *r = walk_result_new(0, 0);
	struct snap_builder *b = snap_builder_new("x");
	struct profile_stats st;
	struct tw_snapshot *s;
	struct tw_volume *v;
	char msg[256];
	uint32_t p11[] = { 1, 1 }, p12[] = { 1, 2 }, v71[] = { 7, 1 }, v72[] = { 7, 2 };
	size_t pn, pp, vn, vp, vpr, vc, ln, llo, lhi, tlo, thi;
	uint32_t ssd;
	(void)state;

	pn = col(r, "1.3.6.1.4.1.9.1.2");
	pp = col(r, "1.3.6.1.4.1.9.1.3");
	put_ix(r, pn, p11, 2, WV_STR, 0, "default");
	put_ix(r, pp, p11, 2, WV_U64, 100, NULL);
	put_ix(r, pn, p12, 2, WV_STR, 0, "ssd");
	vn = col(r, "1.3.6.1.4.1.9.2.2");
	vp = col(r, "1.3.6.1.4.1.9.2.3");
	vpr = col(r, "1.3.6.1.4.1.9.2.4");
	vc = col(r, "1.3.6.1.4.1.9.2.5");
	put_ix(r, vn, v71, 2, WV_STR, 0, "thick");
	put_ix(r, vp, v71, 2, WV_UINT, 2, NULL);
	put_ix(r, vpr, v71, 2, WV_INT, 10, NULL);
	put_ix(r, vc, v71, 2, WV_UINT, 10, NULL);
	put_ix(r, vn, v72, 2, WV_STR, 0, "thin");
	put_ix(r, vp, v72, 2, WV_UINT, 2, NULL);
	put_ix(r, vpr, v72, 2, WV_INT, 10, NULL);
	put_ix(r, vc, v72, 2, WV_UINT, 3, NULL);
	ln = col(r, "1.3.6.1.4.1.9.3.2");
	llo = col(r, "1.3.6.1.4.1.9.3.3");
	lhi = col(r, "1.3.6.1.4.1.9.3.4");
	tlo = col(r, "1.3.6.1.4.1.9.3.5");
	thi = col(r, "1.3.6.1.4.1.9.3.6");
	/* a: 1 x 2^32 + 5, reserve 0 -> thin; b: no quota, reserve 2^32 -> thick;
	 * c: exactly 2^32, left out by the filter on the combined value */
	put_str(r, ln, 1, "a");
	put(r, llo, 1, WV_UINT, 5, NULL);
	put(r, lhi, 1, WV_UINT, 1, NULL);
	put(r, tlo, 1, WV_UINT, 0, NULL);
	put(r, thi, 1, WV_UINT, 0, NULL);
	put_str(r, ln, 2, "b");
	put(r, llo, 2, WV_UINT, 0, NULL);
	put(r, lhi, 2, WV_UINT, 0, NULL);
	put(r, tlo, 2, WV_UINT, 0, NULL);
	put(r, thi, 2, WV_UINT, 1, NULL);
	put_str(r, ln, 3, "c");
	put(r, llo, 3, WV_UINT, 0, NULL);
	put(r, lhi, 3, WV_UINT, 1, NULL);

	assert_int_equal(profile_map(p, r, b, &st, msg, sizeof msg), TW_OK);
	assert_int_equal(st.rows_filtered, 1);
	pool_named(b, "ssd", &ssd);
	v = vol_named(b, "thick");
	assert_int_equal(v->pool, ssd);
	assert_true(v->flags & TW_HAS_THIN);
	assert_false(v->thin);
	v = vol_named(b, "thin");
	assert_true(v->thin);
	v = vol_named(b, "a");
	assert_int_equal(v->provisioned, (1ULL << 32) + 5);
	assert_true(v->thin);
	v = vol_named(b, "b");
	assert_false(v->flags & TW_HAS_PROVISIONED);
	assert_true(v->flags & TW_HAS_THIN);
	assert_false(v->thin);
	s = snap_builder_finish(b, NULL, NULL, 0);
	/* pool default reports its own figure, 100 MiB */
	assert_true(s->pools[0].fig.provisioned_from_array);
	assert_int_equal(s->pools[0].fig.provisioned, 100ULL << 20);
	assert_int_equal(s->pools[ssd].fig.provisioned, 20ULL << 20);
	snap_unref(s);
	walk_result_free(r);
	profile_free(p);
}

/* match: oid_present, and the detection GETs of a set. */
static void test_oid_present(void **state)
{
	char dir[] = "/tmp/tw-profile-probe-XXXXXX", path[256], msg[256];
	const char *dirs[] = { dir };
	struct profile_set *set = NULL;
	struct walk_target *t = NULL;
	struct walk_result *r;
	const struct profile *p;
	size_t n, c;
	uint32_t linux_oid[] = { 1, 3, 6, 1, 4, 1, 8072, 3, 2, 10 };
	uint32_t none[1];
	FILE *f;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/syno.yml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("match: { sys_object_id: 1.3.6.1.4.1.8072, oid_present: 1.3.6.1.4.1.6574.1.5.1.0 }\n"
	      "pools: { entry: 1.3.6.1.4.1.6574.3.1.1, columns: { name: 2 } }\n",
	      f);
	fclose(f);
	snprintf(path, sizeof path, "%s/host-resources.yml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("pools: { entry: 1.3.6.1.2.1.25.2.3.1, columns: { name: 3 } }\n", f);
	fclose(f);
	assert_int_equal(profile_set_load(dirs, 1, &set, msg, sizeof msg), TW_OK);
	assert_int_equal(profile_set_probes(set, &t, &n), TW_OK);
	assert_int_equal(n, 3); /* sysObjectID.0, sysDescr.0, modelName.0 */
	assert_int_equal(t[2].kind, WALK_GET);
	assert_int_equal(t[2].len, 11);
	assert_int_equal(t[2].oid[6], 6574);
	free(t);

	r = walk_result_new(0, 0);
	c = col(r, "1.3.6.1.2.1.1.2.0");
	assert_int_equal(walk_result_append(r, c, none, 0, WV_OID, 0, 0, linux_oid, 10), TW_OK);
	p = profile_set_pick_result(set, r);
	assert_string_equal(profile_name(p), "host-resources"); /* not a Synology */
	put_scalar(r, "1.3.6.1.4.1.6574.1.5.1.0", "DS920+");
	p = profile_set_pick_result(set, r);
	assert_string_equal(profile_name(p), "syno");
	assert_true(profile_matches_result(p, r));
	/* the old API cannot see probes: no match */
	assert_false(profile_matches(p, linux_oid, 10, "Linux"));
	walk_result_free(r);
	profile_set_free(set);
	unlink(path);
	snprintf(path, sizeof path, "%s/syno.yml", dir);
	unlink(path);
	rmdir(dir);
}

/* An inline profile: loaded from a node of a bigger document (errors
 * name that document's lines), re-serialized and read back. */
static void test_inline_node(void **state)
{
	static const char cfg[] =
		"targets:\n"
		"  - name: t\n"
		"    profile:\n"
		"      name: mine\n"
		"      limitations: \"a: b \\\"quoted\\\"\\ttab\"\n"
		"      pools:\n"
		"        entry: 1.3.6.1.4.1.9.1\n"
		"        columns: { name: 2, capacity: { oid: 3, unit: KiB } }\n"
		"        filter: [ { column: name, regex: \"^a[0-9]+$\" } ]\n";
	struct ydoc *d = NULL;
	const struct ynode *n;
	struct profile *p = NULL, *q = NULL;
	struct buf b;
	char msg[256];
	size_t n1, n2;
	(void)state;

	assert_int_equal(ydoc_load_string("thinwatch.yml", cfg, strlen(cfg), &d, msg, sizeof msg),
			 TW_OK);
	n = ymap_get(ymap_get(d->root, "targets")->items[0], "profile");
	assert_int_equal(profile_load_node(d, n, "thinwatch.yml", "inline", &p, msg, sizeof msg),
			 TW_OK);
	assert_string_equal(profile_name(p), "mine");
	assert_string_equal(profile_limitations(p), "a: b \"quoted\"\ttab");
	buf_init(&b, 0);
	assert_int_equal(profile_node_yaml(n, &b), TW_OK);
	assert_int_equal(profile_load_text("cfg:3", "inline", b.data, b.len, &q, msg, sizeof msg),
			 TW_OK);
	assert_string_equal(profile_name(q), "mine");
	assert_string_equal(profile_limitations(q), profile_limitations(p));
	profile_targets(p, &n1);
	profile_targets(q, &n2);
	assert_int_equal(n1, n2);
	assert_string_equal(profile_file(q), "cfg:3");
	buf_free(&b);
	profile_free(p);
	profile_free(q);
	ydoc_free(d);
	/* without name: the default */
	q = NULL;
	assert_int_equal(profile_load_text("cfg:9", "inline",
					   "{\"pools\": {\"entry\": \"1.3.6.1.4.1.9.1\", "
					   "\"columns\": {\"name\": \"2\"}}}",
					   65, &q, msg, sizeof msg),
			 TW_OK);
	assert_string_equal(profile_name(q), "inline");
	profile_free(q);

	/* Errors point into the config document. */
	{
		static const char bad[] = "targets:\n"
					  "  - profile:\n"
					  "      pools:\n"
					  "        entry: 1.3.6.1.4.1.9.1\n"
					  "        columns: { name: 2, used: { oid: 4, unit: furlongs } }\n";
		assert_int_equal(ydoc_load_string("c.yml", bad, strlen(bad), &d, msg, sizeof msg),
				 TW_OK);
		n = ymap_get(d->root->pairs[0].val->items[0], "profile");
		assert_int_equal(profile_load_node(d, n, "c.yml", "inline", &p, msg, sizeof msg),
				 TW_ERR_CONFIG);
		assert_non_null(strstr(msg, "c.yml:5:"));
		assert_non_null(strstr(msg, "unknown unit 'furlongs'"));
		ydoc_free(d);
	}
}

static void test_bad_new_keys(void **state)
{
	(void)state;
	assert_non_null(strstr(load_bad("volumes:\n  entry: 1.3.6.1.4.1.9.1\n"
					"  columns: { name: 2, provisioned: { join: nope, oid: 3 } }\n",
					TW_ERR_CONFIG),
			       "join 'nope' is not defined"));
	assert_non_null(strstr(load_bad("volumes:\n  entry: 1.3.6.1.4.1.9.1\n"
					"  columns: { name: 2, pool: { link: sole } }\n",
					TW_ERR_CONFIG),
			       "link: sole needs a pools table"));
	assert_non_null(strstr(load_bad("pools: { entry: 1.3.6.1.4.1.9.2, columns: { name: 2 } }\n"
					"volumes:\n  entry: 1.3.6.1.4.1.9.1\n"
					"  columns: { name: 2, pool: { oid: 3, link: volume } }\n",
					TW_ERR_CONFIG),
			       "earlier volumes table"));
	assert_non_null(strstr(load_bad("pools:\n  entry: 1.3.6.1.4.1.9.1\n"
					"  columns: { name: 2, capacity: { oid: 3, regex: \"x\" } }\n",
					TW_ERR_CONFIG),
			       "regex applies to text columns"));
	assert_non_null(strstr(load_bad("pools:\n  entry: 1.3.6.1.4.1.9.1\n"
					"  columns: { name: 2, capacity: { value: x } }\n",
					TW_ERR_CONFIG),
			       "only applies to name"));
	assert_non_null(strstr(load_bad("volumes:\n  entry: 1.3.6.1.4.1.9.1\n"
					"  columns: { name: { value: x } }\n",
					TW_ERR_CONFIG),
			       "to enumerate its rows"));
	assert_non_null(strstr(load_bad("volumes:\n  entry: 1.3.6.1.4.1.9.1\n"
					"  columns: { name: 2, wwn: { infer: allocation } }\n",
					TW_ERR_CONFIG),
			       "infer only applies to thin"));
	assert_non_null(strstr(load_bad("volumes:\n  entry: 1.3.6.1.4.1.9.1\n"
					"  joins: { j: { entry: 1.3.6.1.4.1.9.2, key: 2, on: nosuch } }\n"
					"  columns: { name: 2 }\n",
					TW_ERR_CONFIG),
			       "must be a column of this table"));
	assert_non_null(strstr(load_bad("volumes:\n  entry: 1.3.6.1.4.1.9.1\n"
					"  duplicates: sometimes\n  columns: { name: 2 }\n",
					TW_ERR_CONFIG),
			       "expected keep or merge"));
	assert_non_null(strstr(load_bad("pools: { entry: 1.3.6.1.4.1.9.2, columns: { name: 2 } }\n"
					"volumes:\n  entry: 1.3.6.1.4.1.9.1\n"
					"  columns: { name: 2, pool: { oid: 3, link: index, "
					"pool_index_component: 2 } }\n",
					TW_ERR_CONFIG),
			       "pool_index_component needs"));
}

/* Pools named by link index, no pools table: more distinct indexes than
 * resolve_pool keeps formatted (41 integers, interleaved), and string
 * indexes short enough to keep and too long to. */
static void test_link_index_names_many_pools(void **state)
{
	struct profile *p = load_text(
		"name: linkcache\n"
		"volumes:\n"
		"  - entry: 1.3.6.1.4.1.9.1\n"
		"    index: integer\n"
		"    columns:\n"
		"      name: 2\n"
		"      pool: { oid: 3, link: index, name_prefix: p }\n"
		"  - entry: 1.3.6.1.4.1.9.5\n"
		"    index: integer\n"
		"    columns:\n"
		"      name: 2\n"
		"      pool: { oid: 3, link: index, name_prefix: s }\n");
	struct walk_result *r = walk_result_new(0, 0);
	struct snap_builder *b = snap_builder_new("a");
	size_t n1 = col(r, "1.3.6.1.4.1.9.1.2"), l1 = col(r, "1.3.6.1.4.1.9.1.3");
	size_t n2 = col(r, "1.3.6.1.4.1.9.5.2"), l2 = col(r, "1.3.6.1.4.1.9.5.3");
	static const char *const strs[] = { "ab", "abcdefg", "abcdefgh", "x", "long pool name" };
	char name[64], want[128], msg[256];
	struct profile_stats st;

	(void)state;
	for (uint32_t i = 1; i <= 300; i++) {
		snprintf(name, sizeof name, "v%u", i);
		put_str(r, n1, i, name);
		put_int(r, l1, i, (int64_t)((i * 7) % 41));
		snprintf(name, sizeof name, "w%u", i);
		put_str(r, n2, i, name);
		put_str(r, l2, i, strs[i % TW_ARRAY_LEN(strs)]);
	}
	assert_int_equal(profile_map(p, r, b, &st, msg, sizeof msg), TW_OK);
	assert_int_equal(snap_builder_nvolumes(b), 600);
	assert_int_equal(snap_builder_npools(b), 41 + TW_ARRAY_LEN(strs));
	assert_int_equal(st.pools, 41 + TW_ARRAY_LEN(strs)); /* named by links, counted */
	assert_int_equal(st.volumes, 600);
	for (uint32_t i = 1; i <= 300; i++) {
		const struct tw_volume *v;
		const char *sv = strs[i % TW_ARRAY_LEN(strs)];
		size_t k;
		snprintf(name, sizeof name, "v%u", i);
		v = snap_builder_find_volume(b, name);
		assert_non_null(v);
		snprintf(want, sizeof want, "p%u", (i * 7) % 41);
		assert_string_equal(snap_builder_pool_at(b, v->pool)->name, want);
		snprintf(name, sizeof name, "w%u", i);
		v = snap_builder_find_volume(b, name);
		assert_non_null(v);
		k = (size_t)snprintf(want, sizeof want, "s%zu", strlen(sv)); /* length, then bytes */
		for (const char *c = sv; *c; c++)
			k += (size_t)snprintf(want + k, sizeof want - k, ".%u", (unsigned char)*c);
		assert_string_equal(snap_builder_pool_at(b, v->pool)->name, want);
	}
	snap_builder_free(b);
	walk_result_free(r);
	profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_incident),
		cmocka_unit_test(test_shipped_targets),
		cmocka_unit_test(test_bench_profile),
		cmocka_unit_test(test_link_index_names_many_pools),
		cmocka_unit_test(test_units_scale_hilo),
		cmocka_unit_test(test_units_sectors_blocks),
		cmocka_unit_test(test_map_filter_link_by_name),
		cmocka_unit_test(test_string_index_and_component_link),
		cmocka_unit_test(test_sanity_invalidate),
		cmocka_unit_test(test_sanity_skip_and_ignore),
		cmocka_unit_test(test_bad_profiles),
		cmocka_unit_test(test_resolve_and_auto),
		cmocka_unit_test(test_walk_result),
		cmocka_unit_test(test_join_fold_nested),
		cmocka_unit_test(test_isilon_quotas),
		cmocka_unit_test(test_infer_hilo_component),
		cmocka_unit_test(test_oid_present),
		cmocka_unit_test(test_inline_node),
		cmocka_unit_test(test_bad_new_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
