/* test_prom.c: exposition rendering: label escaping, exact integers,
 * one HELP/TYPE per family across targets, OpenMetrics differences, and
 * the snapshot builder feeding it (incident numbers). */
#include "config.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "model.h"
#include "prom.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_incident_exposition),
		cmocka_unit_test(test_thresholds_and_duplicates),
		cmocka_unit_test(test_many_volumes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
