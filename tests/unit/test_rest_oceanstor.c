/* test_rest_oceanstor.c: unit tests of the Huawei OceanStor DeviceManager
 * JSON mapping (drv_oceanstor.c) on the shared eSDK/cinder examples (when
 * present) and fixtures: sector-count strings times SECTORSIZE, the
 * 2^64-1 and -1 sentinels left unknown (never multiplied), overflow and
 * malformed numbers rejected, file pools skipped, the array's own LUN
 * provisioned figure, ALLOCTYPE, pages ending on missing data, and the
 * error.code envelope that comes with HTTP 200. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "rest_map.h"
#include "rest_test_util.h"

static void test_examples(void **state)
{
	json_t *pools = rt_example("oceanstor__storagepool_all__eSDK_K8S_Plugin.json");
	json_t *cpool = rt_example("oceanstor__storagepool__cinder_handwritten.json");
	json_t *luns = rt_example("oceanstor__lun_filter_by_name__eSDK_K8S_Plugin.json");
	json_t *one = rt_example("oceanstor__lun_by_id__eSDK_K8S_Plugin.json");
	json_t *err = rt_example("oceanstor__error_envelope__cinder_handwritten.json");
	json_t *lerr = rt_example("oceanstor__deviceManager_rest_xx_sessions_login_error__eSDK_K8S_Plugin.json");
	json_t *login = rt_example("oceanstor__deviceManager_rest_xx_sessions_login__eSDK_K8S_Plugin.json");
	struct snap_builder *b;
	const struct tw_pool *p;
	const struct tw_volume *v;
	size_t rows = 0;
	int64_t code;
	char msg[256] = "", text[160];
	(void)state;
	if (!pools || !cpool || !luns || !one || !err || !lerr || !login) {
		json_decref(pools);
		json_decref(cpool);
		json_decref(luns);
		json_decref(one);
		json_decref(err);
		json_decref(lerr);
		json_decref(login);
		skip();
	}
	b = snap_builder_new("t");
	assert_int_equal(oceanstor_map_pools(pools, b, 512, &rows, msg, sizeof msg), TW_OK);
	assert_int_equal(rows, 1);
	p = rt_pool(b, "test");
	assert_non_null(p);
	assert_int_equal(p->capacity, 6688675840ULL * 512);
	assert_int_equal(p->free, 6688675840ULL * 512);
	assert_int_equal(p->used, 0);
	/* the array's own provisioned figure: LUNCONFIGEDCAPACITY */
	assert_true(p->flags & TW_HAS_PROVISIONED);
	assert_int_equal(p->reported_provisioned, 104857600ULL * 512);

	assert_int_equal(oceanstor_map_pools(cpool, b, 512, &rows, msg, sizeof msg), TW_OK);
	p = rt_pool(b, "OpenStack_Pool");
	assert_int_equal(p->flags, TW_HAS_CAPACITY | TW_HAS_FREE);
	assert_int_equal(p->capacity, 985661440ULL * 512);

	assert_int_equal(oceanstor_map_luns(luns, b, 512, &rows, msg, sizeof msg), TW_OK);
	assert_int_equal(rows, 1);
	v = snap_builder_find_volume(b, "zfy");
	assert_non_null(v);
	assert_int_equal(v->provisioned, 209715200ULL * 512);
	assert_int_equal(v->consumed, 0);
	assert_int_equal(v->thin, 1);
	assert_int_equal(v->pool, TW_NO_POOL); /* pool s0 is not in this capture */
	assert_string_equal(v->wwn, "67817be10062d5870001f8c000000000");
	/* GET /lun/<id> answers one object: not a list page */
	assert_int_equal(oceanstor_map_luns(one, b, 512, &rows, msg, sizeof msg),
			 TW_ERR_INVALID_DATA);

	assert_int_equal(oceanstor_error_code(err, &code), 1);
	assert_int_equal(code, 50331651);
	oceanstor_error_text(err, text, sizeof text);
	assert_string_equal(text, "error.code 50331651: An error occurs to the parameter.");
	assert_int_equal(oceanstor_error_code(lerr, &code), 1);
	assert_int_equal(code, 1077949061);
	assert_int_equal(oceanstor_error_code(login, &code), 1);
	assert_int_equal(code, 0);
	json_decref(pools);
	json_decref(cpool);
	json_decref(luns);
	json_decref(one);
	json_decref(err);
	json_decref(lerr);
	json_decref(login);
	snap_builder_free(b);
}

static void test_sentinels_and_luns(void **state)
{
	struct snap_builder *b = snap_builder_new("t");
	json_t *pools = rt_fixture("oceanstor/storagepool_sentinels.json");
	json_t *luns = rt_fixture("oceanstor/luns_page.json");
	const struct tw_pool *p;
	const struct tw_volume *v;
	size_t rows;
	char msg[256];
	(void)state;
	assert_int_equal(oceanstor_map_pools(pools, b, 512, &rows, msg, sizeof msg), TW_OK);
	assert_int_equal(rows, 3);
	assert_int_equal(snap_builder_npools(b), 2); /* the file pool is skipped */
	assert_null(rt_pool(b, "filepool"));
	p = rt_pool(b, "blockpool");
	/* 2^64-1 free and -1 used: unknown, not 2^64-1 x 512 */
	assert_int_equal(p->flags, TW_HAS_CAPACITY | TW_HAS_PROVISIONED);
	assert_int_equal(p->capacity, 1073741824);
	assert_int_equal(p->reported_provisioned, 2147483648ULL); /* LUNCONFIGED over SUBSCRIBED */
	p = rt_pool(b, "doradopool"); /* USAGETYPE 0 (Dorado V6) is block */
	assert_int_equal(p->used, 600 * 512);
	assert_int_equal(p->reported_provisioned, 3000 * 512); /* SUBSCRIBEDCAPACITY fallback */

	assert_int_equal(oceanstor_map_luns(luns, b, 512, &rows, msg, sizeof msg), TW_OK);
	assert_int_equal(rows, 3);
	v = snap_builder_find_volume(b, "thinlun");
	assert_string_equal(rt_pool_name(b, v->pool), "blockpool");
	assert_int_equal(v->thin, 1);
	assert_int_equal(v->consumed, 1024 * 512);
	assert_string_equal(v->wwn, "6643e8c1004c5f6723e9f45400000001");
	v = snap_builder_find_volume(b, "thicklun"); /* its own 4096-byte sectors */
	assert_int_equal(v->thin, 0);
	assert_int_equal(v->provisioned, 256 * 4096);
	v = snap_builder_find_volume(b, "orphan");
	assert_int_equal(v->pool, TW_NO_POOL);
	assert_int_equal(v->flags & TW_HAS_CONSUMED, 0);
	json_decref(pools);
	json_decref(luns);
	snap_builder_free(b);
}

static void test_pages_and_system(void **state)
{
	struct snap_builder *b = snap_builder_new("t");
	size_t rows = 99;
	uint64_t sector = 0;
	json_t *j;
	char msg[256];
	int64_t code;
	(void)state;
	j = rt_json("{\"data\": [], \"error\": {\"code\": 0}}");
	assert_int_equal(oceanstor_map_luns(j, b, 512, &rows, msg, sizeof msg), TW_OK);
	assert_int_equal(rows, 0);
	json_decref(j);
	rows = 99;
	j = rt_json("{\"error\": {\"code\": 0, \"description\": \"0\"}}");
	assert_int_equal(oceanstor_map_pools(j, b, 512, &rows, msg, sizeof msg), TW_OK);
	assert_int_equal(rows, 0);
	json_decref(j);
	j = rt_json("{\"data\": {\"ID\": \"2102\", \"SECTORSIZE\": \"520\", \"PRODUCTVERSION\": "
		    "\"V600R005C20\"}, \"error\": {\"code\": 0}}");
	assert_int_equal(oceanstor_map_system(j, b, &sector, msg, sizeof msg), TW_OK);
	assert_int_equal(sector, 520);
	assert_string_equal(snap_builder_info(b)->serial, "2102");
	json_decref(j);
	j = rt_json("{\"data\": {\"SECTORSIZE\": \"0\"}}");
	assert_int_equal(oceanstor_map_system(j, b, &sector, msg, sizeof msg), TW_ERR_INVALID_DATA);
	json_decref(j);
	j = rt_fixture("oceanstor/expired.json");
	assert_int_equal(oceanstor_error_code(j, &code), 1);
	assert_int_equal(code, -401);
	json_decref(j);
	j = rt_json("{\"error\": {\"code\": \"1077949069\"}}"); /* a string code */
	assert_int_equal(oceanstor_error_code(j, &code), 1);
	assert_int_equal(code, 1077949069);
	json_decref(j);
	snap_builder_free(b);
}

static void expect_bad_pool(const char *row, const char *needle)
{
	struct snap_builder *b = snap_builder_new("t");
	char text[512], msg[256] = "";
	size_t rows;
	json_t *j;
	snprintf(text, sizeof text, "{\"data\": [%s], \"error\": {\"code\": 0}}", row);
	j = rt_json(text);
	assert_non_null(j);
	assert_int_equal(oceanstor_map_pools(j, b, 512, &rows, msg, sizeof msg), TW_ERR_INVALID_DATA);
	if (!strstr(msg, needle))
		fail_msg("message '%s' does not mention '%s'", msg, needle);
	json_decref(j);
	snap_builder_free(b);
}

static void test_bad_numbers(void **state)
{
	(void)state;
	/* 2^55 sectors x 512 = 2^64: overflow, not a wrapped small number */
	expect_bad_pool("{\"NAME\": \"p\", \"USERTOTALCAPACITY\": \"36028797018963968\"}",
			"USERTOTALCAPACITY");
	expect_bad_pool("{\"NAME\": \"p\", \"USERTOTALCAPACITY\": \"12a\"}", "USERTOTALCAPACITY");
	expect_bad_pool("{\"NAME\": \"p\", \"USERTOTALCAPACITY\": 100}", "USERTOTALCAPACITY");
	expect_bad_pool("{\"NAME\": \"p\", \"USERTOTALCAPACITY\": \"-5\"}", "USERTOTALCAPACITY");
	expect_bad_pool("{\"NAME\": \"p\", \"USERTOTALCAPACITY\": \"10\", \"USERFREECAPACITY\": "
			"\"11\"}", "USERFREECAPACITY");
	expect_bad_pool("{\"ID\": \"0\"}", "NAME");
	expect_bad_pool("7", "row");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_sentinels_and_luns),
		cmocka_unit_test(test_pages_and_system),
		cmocka_unit_test(test_bad_numbers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
