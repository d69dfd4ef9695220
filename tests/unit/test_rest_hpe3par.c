/* test_rest_hpe3par.c: unit tests of the HPE 3PAR / Primera WSAPI JSON
 * mapping (drv_hpe3par.c) on the shared delfin and checkmk examples (when
 * present) and fixtures: CPGs with and without a growth limit, the space
 * reporter, MiB units, both volume shapes (userSpace / totalUsedMiB),
 * provisioning types, snapshots left out, and JSON of the wrong shape. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "rest_map.h"
#include "rest_test_util.h"

#define MIB 1048576ULL

static const struct tw_volume *vol(struct snap_builder *b, const char *name)
{
	const struct tw_volume *v = snap_builder_find_volume(b, name);
	if (!v)
		fail_msg("no volume %s", name);
	return v;
}

static void test_delfin_examples(void **state)
{
	json_t *cpgs = rt_example("3par__api_v1_cpgs__delfin.json");
	json_t *vols = rt_example("3par__api_v1_volumes__delfin.json");
	json_t *sys = rt_example("3par__api_v1_system__delfin.json");
	struct snap_builder *b;
	const struct tw_pool *p;
	const struct tw_volume *v;
	char msg[256] = "";
	(void)state;
	if (!cpgs || !vols || !sys) {
		json_decref(cpgs);
		json_decref(vols);
		json_decref(sys);
		skip();
	}
	b = snap_builder_new("t");
	assert_int_equal(hpe3par_map_system(sys, b, msg, sizeof msg), TW_OK);
	assert_string_equal(snap_builder_info(b)->model, "InServ F200");
	assert_string_equal(snap_builder_info(b)->serial, "1307327");
	assert_string_equal(snap_builder_info(b)->version, "3.1.2.484");

	assert_int_equal(hpe3par_map_cpgs(cpgs, b, msg, sizeof msg), TW_OK);
	p = rt_pool(b, "test");
	assert_non_null(p);
	/* no growth limit: used only, capacity waits for the space reporter */
	assert_int_equal(p->flags, TW_HAS_USED);
	assert_int_equal(p->used, (1376128ULL + 0) * MIB);
	p = rt_pool(b, "cxd");
	assert_int_equal(p->used, (1417984ULL + 157184ULL) * MIB);

	assert_int_equal(hpe3par_map_volumes(vols, b, msg, sizeof msg), TW_OK);
	assert_int_equal(snap_builder_nvolumes(b), 3);
	v = vol(b, "admin"); /* system volume: FPVV, no userCPG */
	assert_int_equal(v->pool, TW_NO_POOL);
	assert_int_equal(v->thin, 0);
	assert_int_equal(v->provisioned, 10240 * MIB);
	v = vol(b, "C61.277");
	assert_string_equal(rt_pool_name(b, v->pool), "cxd");
	assert_int_equal(v->thin, 1);
	assert_int_equal(v->provisioned, 256 * MIB);
	assert_int_equal(v->consumed, 512 * MIB); /* allocation floor above the size */
	assert_string_equal(v->wwn, "50002ac193fb1c9f");
	json_decref(cpgs);
	json_decref(vols);
	json_decref(sys);
	snap_builder_free(b);
}

static void test_checkmk_examples(void **state)
{
	json_t *cpgs = rt_example("3par__api_v1_cpgs_tdvv__checkmk.json");
	json_t *primera = rt_example("3par__api_v1_volumes_primera_no_userSpace__checkmk.json");
	json_t *eff = rt_example("3par__api_v1_volumes_capacityEfficiency__checkmk.json");
	struct snap_builder *b;
	const struct tw_volume *v;
	char msg[256] = "";
	(void)state;
	if (!cpgs || !primera || !eff) {
		json_decref(cpgs);
		json_decref(primera);
		json_decref(eff);
		skip();
	}
	b = snap_builder_new("t");
	assert_int_equal(hpe3par_map_cpgs(cpgs, b, msg, sizeof msg), TW_OK);
	assert_int_equal(rt_pool(b, "SSD_R6")->used, (20261120ULL + 25600ULL) * MIB);
	/* the Primera shape: no userSpace, totalUsedMiB instead */
	assert_int_equal(hpe3par_map_volumes(primera, b, msg, sizeof msg), TW_OK);
	v = vol(b, "admin");
	assert_int_equal(v->flags, TW_HAS_PROVISIONED | TW_HAS_CONSUMED | TW_HAS_THIN);
	assert_int_equal(v->consumed, 10240 * MIB);
	assert_string_equal(v->wwn, "60002ac000000000000000000002acf2");
	snap_builder_free(b);
	/* no copyType at all: counted as a base volume */
	b = snap_builder_new("t");
	assert_int_equal(hpe3par_map_volumes(eff, b, msg, sizeof msg), TW_OK);
	v = vol(b, "admin");
	assert_int_equal(v->consumed, 0);
	json_decref(cpgs);
	json_decref(primera);
	json_decref(eff);
	snap_builder_free(b);
}

static void test_cpg_capacity(void **state)
{
	struct snap_builder *b = snap_builder_new("t");
	json_t *cpgs = rt_fixture("hpe3par/cpgs_limits.json");
	json_t *space = rt_fixture("hpe3par/spacereporter.json");
	const struct tw_pool *p;
	char msg[256];
	(void)state;
	assert_int_equal(hpe3par_map_cpgs(cpgs, b, msg, sizeof msg), TW_OK);
	p = rt_pool(b, "limited"); /* growth limit: the capacity */
	assert_int_equal(p->flags, TW_HAS_CAPACITY | TW_HAS_USED | TW_HAS_FREE);
	assert_int_equal(p->capacity, 1000 * MIB);
	assert_int_equal(p->used, 120 * MIB);
	assert_int_equal(p->free, 880 * MIB);
	p = rt_pool(b, "overfull"); /* used past the limit: no free, never negative */
	assert_int_equal(p->free, 0);
	p = rt_pool(b, "growing");
	assert_int_equal(p->flags, TW_HAS_USED);
	assert_int_equal(hpe3par_map_spacereport(space, b, rj_pool_find(b, "growing"), msg,
						 sizeof msg), TW_OK);
	p = rt_pool(b, "growing"); /* used + usable free */
	assert_int_equal(p->free, 3145728ULL * MIB);
	assert_int_equal(p->capacity, (4000ULL + 3145728ULL) * MIB);
	json_decref(cpgs);
	json_decref(space);
	snap_builder_free(b);
}

static void test_volume_types(void **state)
{
	struct snap_builder *b = snap_builder_new("t");
	json_t *cpgs = rt_fixture("hpe3par/cpgs_limits.json");
	json_t *vols = rt_fixture("hpe3par/volumes_types.json");
	const struct tw_volume *v;
	struct tw_snapshot *s;
	char msg[256];
	(void)state;
	assert_int_equal(hpe3par_map_cpgs(cpgs, b, msg, sizeof msg), TW_OK);
	assert_int_equal(hpe3par_map_volumes(vols, b, msg, sizeof msg), TW_OK);
	/* the virtual copy (3) and the physical copy (2) are not promises */
	assert_int_equal(snap_builder_nvolumes(b), 4);
	assert_null(snap_builder_find_volume(b, "tpvv1.snap"));
	assert_null(snap_builder_find_volume(b, "physcopy"));
	v = vol(b, "full1");
	assert_int_equal(v->thin, 0);
	assert_int_equal(v->consumed, 1024 * MIB);
	v = vol(b, "tpvv1");
	assert_int_equal(v->thin, 1);
	assert_int_equal(v->consumed, 300 * MIB);
	v = vol(b, "tdvv1");
	assert_int_equal(v->thin, 1);
	assert_string_equal(rt_pool_name(b, v->pool), "growing");
	v = vol(b, "peer1"); /* provisioning type 4 (PEER): thin unknown */
	assert_int_equal(v->flags & TW_HAS_THIN, 0);
	s = snap_builder_finish(b, NULL, NULL, 0);
	for (size_t i = 0; i < s->npools; i++)
		if (strcmp(s->pools[i].name, "limited") == 0)
			assert_int_equal(s->pools[i].fig.provisioned, (1024ULL + 4096ULL) * MIB);
	snap_unref(s);
	json_decref(cpgs);
	json_decref(vols);
}

static void expect_bad(tw_err (*fn)(const json_t *, struct snap_builder *, char *, size_t),
		       const char *text, const char *needle)
{
	struct snap_builder *b = snap_builder_new("t");
	json_t *j = rt_json(text);
	char msg[256] = "";
	assert_non_null(j);
	assert_int_equal(fn(j, b, msg, sizeof msg), TW_ERR_INVALID_DATA);
	if (!strstr(msg, needle))
		fail_msg("message '%s' does not mention '%s'", msg, needle);
	json_decref(j);
	snap_builder_free(b);
}

static void test_bad_shapes(void **state)
{
	struct snap_builder *b = snap_builder_new("t");
	json_t *j;
	char msg[256], text[128];
	(void)state;
	expect_bad(hpe3par_map_cpgs, "{\"total\": 1}", "members");
	expect_bad(hpe3par_map_cpgs, "{\"members\": [{\"name\": \"c\", \"UsrUsage\": "
		   "{\"usedMiB\": \"5\"}}]}", "UsrUsage.usedMiB");
	expect_bad(hpe3par_map_volumes, "{\"members\": [{\"name\": \"v\", \"sizeMiB\": "
		   "17592186044416}]}", "sizeMiB"); /* 2^44 MiB = 2^64 bytes */
	expect_bad(hpe3par_map_volumes, "{\"members\": [{\"name\": \"v\", \"sizeMiB\": 1.5}]}",
		   "sizeMiB");
	expect_bad(hpe3par_map_volumes, "{\"members\": [{\"name\": \"v\", \"copyType\": \"1\"}]}",
		   "copyType");
	expect_bad(hpe3par_map_volumes, "{\"members\": [{\"sizeMiB\": 1}]}", "name");
	j = rt_json("{\"usableFreeMiB\": -1}");
	snap_builder_pool(b, "c");
	assert_int_equal(hpe3par_map_spacereport(j, b, 0, msg, sizeof msg), TW_ERR_INVALID_DATA);
	json_decref(j);
	j = rt_json("{\"code\": 5, \"desc\": \"invalid username or password\"}");
	hpe3par_error_text(j, text, sizeof text);
	assert_string_equal(text, "invalid username or password (code 5)");
	json_decref(j);
	snap_builder_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delfin_examples),
		cmocka_unit_test(test_checkmk_examples),
		cmocka_unit_test(test_cpg_capacity),
		cmocka_unit_test(test_volume_types),
		cmocka_unit_test(test_bad_shapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
