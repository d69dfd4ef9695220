/* test_rest_unity.c: unit tests of the Dell EMC Unity JSON mapping
 * (drv_unity.c) on the shared storops examples (when present) and fixtures:
 * pools with the array's own sizeSubscribed, LUNs by pool id with
 * isThinEnabled / sizeAllocated, colon WWNs, rel="next" pagination, empty
 * filters, error envelopes, and JSON of the wrong shape. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "rest_map.h"
#include "rest_test_util.h"

/* Wrap a single-instance answer {"content":{...}} as a collection. */
static json_t *as_collection(json_t *inst)
{
	json_t *c = json_object();
	json_t *e = json_array();
	json_array_append(e, inst);
	json_object_set_new(c, "entries", e);
	return c;
}

static void test_examples(void **state)
{
	json_t *pool = rt_example("unity__instances_pool_pool_1__storops.json");
	json_t *lun = rt_example("unity__instances_lun_sv_1535_datareduction__storops.json");
	json_t *empty = rt_example("unity__types_lun_instances_empty_filter__storops.json");
	json_t *err = rt_example("unity__error_404__storops.json");
	struct rj_idmap ids = { 0 };
	struct snap_builder *b;
	json_t *c;
	const struct tw_pool *p;
	const struct tw_volume *v;
	char msg[256] = "", text[200];
	(void)state;
	if (!pool || !lun || !empty || !err) {
		json_decref(pool);
		json_decref(lun);
		json_decref(empty);
		json_decref(err);
		skip();
	}
	b = snap_builder_new("t");
	c = as_collection(pool);
	assert_int_equal(unity_map_pools(c, b, &ids, msg, sizeof msg), TW_OK);
	json_decref(c);
	p = rt_pool(b, "perfpool1130");
	assert_non_null(p);
	assert_int_equal(p->capacity, 9251627991040ULL);
	assert_int_equal(p->free, 9160359936000ULL);
	assert_int_equal(p->used, 91268055040ULL);
	assert_true(p->flags & TW_HAS_PROVISIONED);
	assert_int_equal(p->reported_provisioned, 1392106274816ULL); /* the array's own figure */
	assert_int_equal(rj_idmap_find(&ids, "pool_1"), 0);

	/* this LUN lives in pool_2 (Manila_Pool), which is not mapped here */
	c = as_collection(lun);
	assert_int_equal(unity_map_luns(c, b, &ids, msg, sizeof msg), TW_OK);
	json_decref(c);
	v = snap_builder_find_volume(b, "testlun-0");
	assert_non_null(v);
	assert_int_equal(v->pool, TW_NO_POOL);
	assert_int_equal(v->provisioned, 1073741824ULL);
	assert_int_equal(v->consumed, 0); /* old OE pitfall: thin LUNs report 0 allocated */
	assert_int_equal(v->thin, 1);
	assert_string_equal(v->wwn, "600601600540" "3c00dc2bfb5d4d5e4248");

	assert_int_equal(unity_map_luns(empty, b, &ids, msg, sizeof msg), TW_OK);
	assert_int_equal(unity_has_next(empty), 0);
	unity_error_text(err, text, sizeof text);
	assert_string_equal(text, "The requested resource does not exist. (Error Code:0x7d13005) "
				  "(errorCode 131149829)");
	rj_idmap_clear(&ids);
	json_decref(pool);
	json_decref(lun);
	json_decref(empty);
	json_decref(err);
	snap_builder_free(b);
}

static void test_fixtures(void **state)
{
	struct snap_builder *b = snap_builder_new("t");
	struct rj_idmap ids = { 0 };
	json_t *pools = rt_fixture("unity/pools_page1.json");
	json_t *luns = rt_fixture("unity/luns_page.json");
	json_t *sys = rt_json("{\"entries\": [{\"content\": {\"id\": \"0\", \"model\": \"Unity 500\","
			      " \"softwareVersion\": \"5.2.0\"}}]}");
	const struct tw_volume *v;
	struct tw_snapshot *s;
	char msg[256];
	(void)state;
	assert_int_equal(unity_map_system(sys, b, msg, sizeof msg), TW_OK);
	assert_string_equal(snap_builder_info(b)->model, "Unity 500");
	assert_int_equal(unity_map_pools(pools, b, &ids, msg, sizeof msg), TW_OK);
	assert_int_equal(unity_has_next(pools), 1);
	assert_int_equal(unity_map_luns(luns, b, &ids, msg, sizeof msg), TW_OK);
	assert_int_equal(unity_has_next(luns), 0);
	v = snap_builder_find_volume(b, "thin-lun");
	assert_string_equal(rt_pool_name(b, v->pool), "perfpool");
	assert_int_equal(v->thin, 1);
	v = snap_builder_find_volume(b, "thick-lun");
	assert_int_equal(v->thin, 0);
	assert_int_equal(v->consumed, 10737418240ULL);
	v = snap_builder_find_volume(b, "elsewhere");
	assert_int_equal(v->pool, TW_NO_POOL);
	assert_int_equal(v->flags, TW_HAS_PROVISIONED);
	s = snap_builder_finish(b, NULL, NULL, 0);
	assert_true(s->pools[0].fig.provisioned_from_array);
	assert_int_equal(s->pools[0].fig.provisioned, 1392106274816ULL);
	snap_unref(s);
	rj_idmap_clear(&ids);
	json_decref(pools);
	json_decref(luns);
	json_decref(sys);
}

static void test_bad_shapes(void **state)
{
	struct snap_builder *b = snap_builder_new("t");
	struct rj_idmap ids = { 0 };
	char msg[256];
	json_t *j;
	(void)state;
	j = rt_json("{\"entries\": {}}");
	assert_int_equal(unity_map_pools(j, b, &ids, msg, sizeof msg), TW_ERR_INVALID_DATA);
	json_decref(j);
	j = rt_json("{\"entries\": [{\"id\": \"pool_1\"}]}"); /* no content wrapper */
	assert_int_equal(unity_map_pools(j, b, &ids, msg, sizeof msg), TW_ERR_INVALID_DATA);
	json_decref(j);
	j = rt_json("{\"entries\": [{\"content\": {\"id\": \"p\", \"sizeTotal\": \"1\"}}]}");
	assert_int_equal(unity_map_pools(j, b, &ids, msg, sizeof msg), TW_ERR_INVALID_DATA);
	assert_non_null(strstr(msg, "sizeTotal"));
	json_decref(j);
	j = rt_json("{\"entries\": [{\"content\": {\"name\": \"l\", \"isThinEnabled\": 1}}]}");
	assert_int_equal(unity_map_luns(j, b, &ids, msg, sizeof msg), TW_ERR_INVALID_DATA);
	assert_non_null(strstr(msg, "isThinEnabled"));
	json_decref(j);
	rj_idmap_clear(&ids);
	snap_builder_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_bad_shapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
