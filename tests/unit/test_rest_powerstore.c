/* test_rest_powerstore.c: unit tests of the Dell PowerStore JSON mapping
 * (drv_powerstore.c) on the shared delfin/gopowerstore examples (when
 * present) and fixtures: appliances as pools, the last space metrics sample,
 * volumes by appliance id with snapshots left out, WWNs, Content-Range
 * parsing, error envelopes, and JSON of the wrong shape. */
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
	json_t *cl = rt_example("powerstore__rest_cluster__delfin.json");
	json_t *ap = rt_example("powerstore__rest_appliance__delfin.json");
	json_t *sp = rt_example("powerstore__metrics_generate_space_metrics_by_appliance__delfin.json");
	json_t *vo = rt_example("powerstore__rest_volume__delfin.json");
	json_t *er = rt_example("powerstore__error_envelope__gopowerstore.json");
	struct rj_idmap ids = { 0 };
	struct snap_builder *b;
	const struct tw_pool *p;
	const struct tw_volume *v;
	char msg[256] = "", text[200];
	(void)state;
	if (!cl || !ap || !sp || !vo || !er) {
		json_decref(cl);
		json_decref(ap);
		json_decref(sp);
		json_decref(vo);
		json_decref(er);
		skip();
	}
	b = snap_builder_new("t");
	assert_int_equal(powerstore_map_cluster(cl, b, msg, sizeof msg), TW_OK);
	assert_string_equal(snap_builder_info(b)->serial, "PS0234fd139f29");
	assert_int_equal(powerstore_map_appliances(ap, b, &ids, msg, sizeof msg), TW_OK);
	assert_string_equal(snap_builder_info(b)->model, "PowerStore 1000T");
	assert_int_equal(rj_idmap_find(&ids, "A1"), 0);
	assert_int_equal(powerstore_map_space(sp, b, 0, msg, sizeof msg), TW_OK);
	p = rt_pool(b, "Powerstore1000T-appliance-1");
	assert_non_null(p);
	assert_int_equal(p->capacity, 6969013934489ULL);
	assert_int_equal(p->used, 5990644187ULL);
	assert_int_equal(p->free, 6969013934489ULL - 5990644187ULL);
	assert_int_equal(p->flags & TW_HAS_PROVISIONED, 0); /* logical_provisioned counts snapshots */

	assert_int_equal(powerstore_map_volumes(vo, b, &ids, msg, sizeof msg), TW_OK);
	assert_int_equal(snap_builder_nvolumes(b), 1); /* wu-013 is a snapshot */
	v = snap_builder_find_volume(b, "wu-003");
	assert_non_null(v);
	assert_int_equal(v->pool, 0);
	assert_int_equal(v->provisioned, 3221225472ULL);
	assert_int_equal(v->flags, TW_HAS_PROVISIONED | TW_HAS_THIN); /* no logical_used selected */
	assert_string_equal(v->wwn, "68ccf0980048d7ab86ec9f7fdfa9945d");

	powerstore_error_text(er, text, sizeof text);
	assert_string_equal(text, "Could not find the volume with ID: "
				  "f98de58e-9223-4fdc-86bd-d4ff268e20e1 (0xE0A08001000E)");
	rj_idmap_clear(&ids);
	json_decref(cl);
	json_decref(ap);
	json_decref(sp);
	json_decref(vo);
	json_decref(er);
	snap_builder_free(b);
}

static void test_fixtures(void **state)
{
	struct snap_builder *b = snap_builder_new("t");
	struct rj_idmap ids = { 0 };
	json_t *ap = rt_json("[{\"id\": \"A1\", \"name\": \"app-1\", \"model\": \"PowerStore 500T\"},"
			     " {\"id\": \"A2\", \"name\": \"\"}]");
	json_t *sp = rt_fixture("powerstore/metrics_samples.json");
	json_t *vo = rt_fixture("powerstore/volumes_page.json");
	json_t *empty = rt_json("[]");
	const struct tw_pool *p;
	const struct tw_volume *v;
	char msg[256];
	(void)state;
	assert_int_equal(powerstore_map_appliances(ap, b, &ids, msg, sizeof msg), TW_OK);
	assert_non_null(rt_pool(b, "A2")); /* no name: its id */
	assert_int_equal(powerstore_map_space(sp, b, 0, msg, sizeof msg), TW_OK);
	p = rt_pool(b, "app-1");
	/* the last sample counts; used above total gives 0 free, not a wrap */
	assert_int_equal(p->capacity, 10995116277760ULL);
	assert_int_equal(p->used, 11000000000000ULL);
	assert_int_equal(p->free, 0);
	assert_int_equal(powerstore_map_space(empty, b, 1, msg, sizeof msg), TW_OK);
	assert_int_equal(rt_pool(b, "A2")->flags, 0);

	assert_int_equal(powerstore_map_volumes(vo, b, &ids, msg, sizeof msg), TW_OK);
	assert_int_equal(snap_builder_nvolumes(b), 3);
	v = snap_builder_find_volume(b, "db01");
	assert_int_equal(v->consumed, 5368709120ULL);
	assert_int_equal(v->thin, 1);
	assert_string_equal(v->wwn, "68ccf0980048d7ab86ec9f7fdfa99460");
	v = snap_builder_find_volume(b, "db01-clone"); /* appliance.id form */
	assert_string_equal(rt_pool_name(b, v->pool), "A2");
	v = snap_builder_find_volume(b, "nowhere");
	assert_int_equal(v->pool, TW_NO_POOL);
	assert_null(snap_builder_find_volume(b, "db01-snap"));
	rj_idmap_clear(&ids);
	json_decref(ap);
	json_decref(sp);
	json_decref(vo);
	json_decref(empty);
	snap_builder_free(b);
}

static void test_content_range(void **state)
{
	uint64_t a, z, t;
	(void)state;
	assert_int_equal(powerstore_content_range("0-999/2500", &a, &z, &t), 0);
	assert_int_equal(a, 0);
	assert_int_equal(z, 999);
	assert_int_equal(t, 2500);
	assert_int_equal(powerstore_content_range("2000-2499/2500", &a, &z, &t), 0);
	assert_int_equal(powerstore_content_range("5-3/10", &a, &z, &t), -1);
	assert_int_equal(powerstore_content_range("0-10/10", &a, &z, &t), -1);
	assert_int_equal(powerstore_content_range("0-9/10x", &a, &z, &t), -1);
	assert_int_equal(powerstore_content_range("items 0-9/10", &a, &z, &t), -1);
	assert_int_equal(powerstore_content_range(NULL, &a, &z, &t), -1);
}

static void test_bad_shapes(void **state)
{
	struct snap_builder *b = snap_builder_new("t");
	struct rj_idmap ids = { 0 };
	char msg[256];
	json_t *j;
	(void)state;
	j = rt_json("{\"id\": \"A1\"}");
	assert_int_equal(powerstore_map_appliances(j, b, &ids, msg, sizeof msg), TW_ERR_INVALID_DATA);
	json_decref(j);
	j = rt_json("[{\"name\": \"no id\"}]");
	assert_int_equal(powerstore_map_appliances(j, b, &ids, msg, sizeof msg), TW_ERR_INVALID_DATA);
	json_decref(j);
	j = rt_json("[{\"name\": \"v\", \"size\": \"1\"}]");
	assert_int_equal(powerstore_map_volumes(j, b, &ids, msg, sizeof msg), TW_ERR_INVALID_DATA);
	assert_non_null(strstr(msg, "size"));
	json_decref(j);
	snap_builder_pool(b, "p");
	j = rt_json("[{\"physical_total\": -1}]");
	assert_int_equal(powerstore_map_space(j, b, 0, msg, sizeof msg), TW_ERR_INVALID_DATA);
	json_decref(j);
	rj_idmap_clear(&ids);
	snap_builder_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_content_range),
		cmocka_unit_test(test_bad_shapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
