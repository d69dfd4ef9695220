/* test_rest_purefa.c: unit tests of the Pure FlashArray REST 2.x JSON
 * mapping (drv_purefa.c): API version discovery on the shared example, the
 * array as one pool (total_used, older total_physical), volumes over
 * continuation-token pages (destroyed ones skipped, all thin, WWN from the
 * serial), error text, and JSON of the wrong shape. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "rest_map.h"
#include "rest_test_util.h"

static void test_version_example(void **state)
{
	json_t *j = rt_example("purefa__api_api_version__pure-fa-openmetrics-exporter.json");
	char ver[16], msg[256];
	(void)state;
	if (!j)
		skip();
	assert_int_equal(purefa_pick_version(j, ver, sizeof ver, msg, sizeof msg), TW_OK);
	assert_string_equal(ver, "2.15");
	json_decref(j);
}

static void test_version_pick(void **state)
{
	char ver[16], msg[256];
	json_t *j;
	(void)state;
	/* numeric, not lexical: 2.9 < 2.10; 1.x and junk ignored */
	j = rt_json("{\"version\": [\"1.19\", \"2.9\", \"2.10\", \"2.x\", \"3\", \"2.2\"]}");
	assert_int_equal(purefa_pick_version(j, ver, sizeof ver, msg, sizeof msg), TW_OK);
	assert_string_equal(ver, "2.10");
	json_decref(j);
	j = rt_json("{\"version\": [\"1.0\", \"1.19\"]}");
	assert_int_equal(purefa_pick_version(j, ver, sizeof ver, msg, sizeof msg), TW_ERR_PROTOCOL);
	assert_non_null(strstr(msg, "2.x"));
	json_decref(j);
	j = rt_json("{\"version\": \"2.4\"}");
	assert_int_equal(purefa_pick_version(j, ver, sizeof ver, msg, sizeof msg),
			 TW_ERR_INVALID_DATA);
	json_decref(j);
	j = rt_json("{\"version\": [2.4]}");
	assert_int_equal(purefa_pick_version(j, ver, sizeof ver, msg, sizeof msg),
			 TW_ERR_INVALID_DATA);
	json_decref(j);
}

static void test_arrays(void **state)
{
	struct snap_builder *b = snap_builder_new("t");
	json_t *j = rt_fixture("purefa/arrays.json");
	uint32_t pool = TW_NO_POOL;
	const struct tw_pool *p;
	const struct tw_array_info *info;
	char msg[256];
	(void)state;
	assert_int_equal(purefa_map_arrays(j, b, &pool, msg, sizeof msg), TW_OK);
	p = snap_builder_pool_at(b, pool);
	assert_string_equal(p->name, "pure-fa-01");
	assert_int_equal(p->flags, TW_HAS_CAPACITY | TW_HAS_USED | TW_HAS_FREE);
	assert_int_equal(p->capacity, 28557514211491ULL);
	/* total_used wins over the deprecated total_physical */
	assert_int_equal(p->used, 9614478930544ULL);
	assert_int_equal(p->free, 28557514211491ULL - 9614478930544ULL);
	info = snap_builder_info(b);
	assert_string_equal(info->vendor, "Pure Storage");
	assert_string_equal(info->model, "Purity//FA");
	assert_string_equal(info->version, "6.3.3");
	json_decref(j);
	snap_builder_free(b);

	/* older API: total_physical only, and more used than capacity */
	b = snap_builder_new("t");
	j = rt_fixture("purefa/arrays_old.json");
	assert_int_equal(purefa_map_arrays(j, b, &pool, msg, sizeof msg), TW_OK);
	p = snap_builder_pool_at(b, pool);
	assert_int_equal(p->used, 1500);
	assert_int_equal(p->free, 0);
	json_decref(j);
	snap_builder_free(b);
}

static void test_volumes_pages(void **state)
{
	struct snap_builder *b = snap_builder_new("t");
	json_t *arr = rt_fixture("purefa/arrays.json");
	json_t *p1 = rt_fixture("purefa/volumes_page1.json");
	json_t *p2 = rt_fixture("purefa/volumes_last.json");
	const char *tok = NULL;
	const struct tw_volume *v;
	uint32_t pool;
	struct tw_snapshot *s;
	char msg[256];
	(void)state;
	assert_int_equal(purefa_map_arrays(arr, b, &pool, msg, sizeof msg), TW_OK);
	assert_int_equal(purefa_map_volumes(p1, b, pool, msg, sizeof msg), TW_OK);
	assert_int_equal(purefa_continuation(p1, &tok), 1);
	assert_string_equal(tok, "eyJvZmZzZXQiOiAzfQ==");
	assert_int_equal(purefa_map_volumes(p2, b, pool, msg, sizeof msg), TW_OK);
	assert_int_equal(purefa_continuation(p2, &tok), 0);

	/* destroyed volume skipped */
	assert_int_equal(snap_builder_nvolumes(b), 3);
	assert_null(snap_builder_find_volume(b, "old-vol"));
	v = snap_builder_find_volume(b, "esx-ds01");
	assert_non_null(v);
	assert_int_equal(v->pool, pool);
	assert_int_equal(v->flags, TW_HAS_PROVISIONED | TW_HAS_CONSUMED | TW_HAS_THIN);
	assert_int_equal(v->thin, 1);
	assert_int_equal(v->provisioned, 10995116277760ULL);
	assert_int_equal(v->consumed, 2748779069440ULL); /* space.virtual */
	assert_string_equal(v->wwn, "624a9370a3d9b2c1e0f0470a00011a2b");
	v = snap_builder_find_volume(b, "pod1::db01");
	assert_non_null(v);
	assert_int_equal(v->consumed, 0);
	v = snap_builder_find_volume(b, "noserial");
	assert_non_null(v);
	assert_null(v->wwn);

	/* provisioned sum equals the array's own total[0] minus the destroyed one */
	s = snap_builder_finish(b, NULL, NULL, 0);
	assert_int_equal(s->pools[0].fig.provisioned,
			 10995116277760ULL + 2199023255552ULL + 1073741824ULL);
	assert_int_equal(s->pools[0].fig.nvolumes, 3);
	snap_unref(s);
	json_decref(arr);
	json_decref(p1);
	json_decref(p2);
}

static void test_continuation(void **state)
{
	const char *tok;
	json_t *j;
	(void)state;
	j = rt_json("{\"continuation_token\": \"abc\", \"more_items_remaining\": false}");
	assert_int_equal(purefa_continuation(j, &tok), 0); /* no more items: stop */
	json_decref(j);
	j = rt_json("{\"continuation_token\": \"\"}");
	assert_int_equal(purefa_continuation(j, &tok), 0);
	json_decref(j);
	j = rt_json("{\"continuation_token\": \"abc\"}");
	assert_int_equal(purefa_continuation(j, &tok), 1);
	json_decref(j);
	j = rt_json("{\"continuation_token\": 5}");
	assert_int_equal(purefa_continuation(j, &tok), -1);
	json_decref(j);
	j = rt_json("{\"continuation_token\": \"a\", \"more_items_remaining\": \"yes\"}");
	assert_int_equal(purefa_continuation(j, &tok), -1);
	json_decref(j);
}

static void test_error_text(void **state)
{
	json_t *j = rt_fixture("purefa/error_invalid_session.json");
	char text[160];
	(void)state;
	purefa_error_text(j, text, sizeof text);
	assert_string_equal(text, "Invalid session.");
	json_decref(j);
	j = rt_json("{\"errors\": [{\"context\": \"vol1\", \"message\": \"Volume does not exist.\"}]}");
	purefa_error_text(j, text, sizeof text);
	assert_string_equal(text, "Volume does not exist. (vol1)");
	json_decref(j);
}

static void expect_bad_vols(const char *text, const char *needle)
{
	struct snap_builder *b = snap_builder_new("t");
	json_t *j = rt_json(text);
	char msg[256] = "";
	assert_non_null(j);
	assert_int_equal(purefa_map_volumes(j, b, 0, msg, sizeof msg), TW_ERR_INVALID_DATA);
	if (!strstr(msg, needle))
		fail_msg("message '%s' does not mention '%s'", msg, needle);
	json_decref(j);
	snap_builder_free(b);
}

static void test_bad_shapes(void **state)
{
	struct snap_builder *b = snap_builder_new("t");
	uint32_t pool;
	char msg[256];
	json_t *j;
	(void)state;
	expect_bad_vols("{\"items\": null}", "items");
	expect_bad_vols("{\"items\": [{\"provisioned\": 1}]}", "name");
	expect_bad_vols("{\"items\": [{\"name\": \"v\", \"provisioned\": \"1\"}]}", "provisioned");
	expect_bad_vols("{\"items\": [{\"name\": \"v\", \"provisioned\": -1}]}", "provisioned");
	expect_bad_vols("{\"items\": [{\"name\": \"v\", \"destroyed\": 0}]}", "destroyed");
	expect_bad_vols("{\"items\": [{\"name\": \"v\", \"space\": {\"virtual\": true}}]}",
			"space.virtual");
	j = rt_json("{\"items\": []}");
	assert_int_equal(purefa_map_arrays(j, b, &pool, msg, sizeof msg), TW_ERR_INVALID_DATA);
	json_decref(j);
	j = rt_json("{\"items\": [{\"name\": \"a\", \"capacity\": 1.5e3}]}");
	assert_int_equal(purefa_map_arrays(j, b, &pool, msg, sizeof msg), TW_ERR_INVALID_DATA);
	json_decref(j);
	snap_builder_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_example),
		cmocka_unit_test(test_version_pick),
		cmocka_unit_test(test_arrays),
		cmocka_unit_test(test_volumes_pages),
		cmocka_unit_test(test_continuation),
		cmocka_unit_test(test_error_text),
		cmocka_unit_test(test_bad_shapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
