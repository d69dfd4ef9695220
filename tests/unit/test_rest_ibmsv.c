/* test_rest_ibmsv.c: unit tests of the IBM Storage Virtualize JSON mapping
 * (drv_ibmsv.c) on the shared Ansible examples (when present) and fixtures:
 * byte strings required (human "5.23TB" rejected), the array's own
 * virtual_capacity as the pool's provisioned figure, thin/compressed
 * copies, a mirrored volume counted once in its primary copy's pool,
 * real_capacity of the counted copy only, and CLI error text. */
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
	json_t *grp = rt_example("ibmsv__rest_lsmdiskgrp_single__ansible_ibm_storage_virtualize.json");
	json_t *vd = rt_example("ibmsv__rest_lsvdisk__ansible_ibm_storage_virtualize.json");
	json_t *det = rt_example("ibmsv__rest_lsvdisk_bytes_detail__ansible_ibm_storage_virtualize.json");
	struct snap_builder *b;
	json_t *list;
	const struct tw_volume *v;
	char msg[256] = "";
	(void)state;
	if (!grp || !vd || !det) {
		json_decref(grp);
		json_decref(vd);
		json_decref(det);
		skip();
	}
	b = snap_builder_new("t");
	/* captured without {"bytes":true}: rounded human strings are refused */
	list = json_array();
	json_array_append(list, grp);
	assert_int_equal(ibmsv_map_pools(list, b, msg, sizeof msg), TW_ERR_INVALID_DATA);
	assert_non_null(strstr(msg, "bytes"));
	assert_int_equal(ibmsv_map_vdisks(vd, b, msg, sizeof msg), TW_ERR_INVALID_DATA);
	json_decref(list);
	snap_builder_free(b);

	/* the detailed view with bytes: the vdisk record */
	b = snap_builder_new("t");
	snap_builder_pool(b, "AnsibleMaster");
	list = json_array();
	json_array_append(list, json_array_get(det, 0));
	assert_int_equal(ibmsv_map_vdisks(list, b, msg, sizeof msg), TW_OK);
	v = snap_builder_find_volume(b, "test_cvname");
	assert_non_null(v);
	assert_int_equal(v->provisioned, 536870912);
	assert_int_equal(v->thin, 0);
	assert_int_equal(v->consumed, 536870912); /* thick: fully allocated */
	assert_string_equal(rt_pool_name(b, v->pool), "AnsibleMaster");
	assert_string_equal(v->wwn, "60050768108101c7c0000000000005d9");
	json_decref(list);
	json_decref(grp);
	json_decref(vd);
	json_decref(det);
	snap_builder_free(b);
}

static void test_fixtures(void **state)
{
	struct snap_builder *b = snap_builder_new("t");
	json_t *grp = rt_fixture("ibmsv/lsmdiskgrp_bytes.json");
	json_t *vd = rt_fixture("ibmsv/lsvdisk_bytes.json");
	json_t *cp = rt_fixture("ibmsv/lsvdiskcopy_bytes.json");
	json_t *se = rt_fixture("ibmsv/lssevdiskcopy_bytes.json");
	json_t *sys = rt_json("{\"id\": \"0000020421600428\", \"name\": \"fs7300\", \"code_level\": "
			      "\"8.5.0.6 (build 157.12.2203111203000)\", \"product_name\": "
			      "\"IBM FlashSystem 7300\"}");
	const struct tw_pool *p;
	const struct tw_volume *v;
	struct tw_snapshot *s;
	char msg[256];
	(void)state;
	assert_int_equal(ibmsv_map_system(sys, b, msg, sizeof msg), TW_OK);
	assert_string_equal(snap_builder_info(b)->version, "8.5.0.6");
	assert_int_equal(ibmsv_map_pools(grp, b, msg, sizeof msg), TW_OK);
	p = rt_pool(b, "Pool0");
	assert_int_equal(p->flags, TW_HAS_CAPACITY | TW_HAS_USED | TW_HAS_FREE | TW_HAS_PROVISIONED);
	assert_int_equal(p->capacity, 107374182400ULL);
	assert_int_equal(p->free, 53687091200ULL);
	assert_int_equal(p->used, 53687091200ULL);
	assert_int_equal(p->reported_provisioned, 214748364800ULL);

	assert_int_equal(ibmsv_map_vdisks(vd, b, msg, sizeof msg), TW_OK);
	assert_int_equal(snap_builder_nvolumes(b), 4); /* the mirror is one volume */
	v = snap_builder_find_volume(b, "mirror2");
	assert_int_equal(v->pool, TW_NO_POOL); /* "many" until the copies say */
	assert_int_equal(ibmsv_map_copies(cp, b, msg, sizeof msg), TW_OK);
	assert_int_equal(ibmsv_map_secopies(se, b, msg, sizeof msg), TW_OK);

	v = snap_builder_find_volume(b, "thick0");
	assert_int_equal(v->thin, 0);
	assert_int_equal(v->consumed, 10737418240ULL);
	v = snap_builder_find_volume(b, "thin1");
	assert_int_equal(v->thin, 1);
	assert_int_equal(v->consumed, 3221225472ULL); /* real_capacity */
	v = snap_builder_find_volume(b, "mirror2"); /* primary copy: thin, in Pool1 */
	assert_string_equal(rt_pool_name(b, v->pool), "Pool1");
	assert_int_equal(v->thin, 1);
	assert_int_equal(v->consumed, 536870912ULL);
	v = snap_builder_find_volume(b, "comp3"); /* compressed counts as thin */
	assert_int_equal(v->thin, 1);
	assert_int_equal(v->consumed, 104857600ULL);

	/* the array's virtual_capacity wins over the sum of volumes */
	s = snap_builder_finish(b, NULL, NULL, 0);
	for (size_t i = 0; i < s->npools; i++)
		if (strcmp(s->pools[i].name, "Pool0") == 0) {
			assert_true(s->pools[i].fig.provisioned_from_array);
			assert_int_equal(s->pools[i].fig.provisioned, 214748364800ULL);
			assert_int_equal(s->pools[i].fig.nvolumes, 2);
		}
	snap_unref(s);
	json_decref(grp);
	json_decref(vd);
	json_decref(cp);
	json_decref(se);
	json_decref(sys);
}

static void test_errors(void **state)
{
	static const char body[] = "CMMVC5753E The specified object does not exist or is not a "
				   "suitable candidate.\r\nsecond line";
	char text[200];
	struct snap_builder *b = snap_builder_new("t");
	json_t *j;
	char msg[256];
	(void)state;
	ibmsv_error_text(body, sizeof body - 1, text, sizeof text);
	assert_string_equal(text, "CMMVC5753E The specified object does not exist or is not a "
				  "suitable candidate.");
	ibmsv_error_text("a\001b", 3, text, sizeof text);
	assert_string_equal(text, "a?b");
	j = rt_json("{\"name\": \"p\"}");
	assert_int_equal(ibmsv_map_pools(j, b, msg, sizeof msg), TW_ERR_INVALID_DATA);
	json_decref(j);
	j = rt_json("[{\"name\": \"p\", \"capacity\": \"-1\"}]");
	assert_int_equal(ibmsv_map_pools(j, b, msg, sizeof msg), TW_ERR_INVALID_DATA);
	json_decref(j);
	j = rt_json("[{\"vdisk_name\": 5}]");
	assert_int_equal(ibmsv_map_copies(j, b, msg, sizeof msg), TW_ERR_INVALID_DATA);
	json_decref(j);
	snap_builder_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
