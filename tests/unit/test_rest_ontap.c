/* test_rest_ontap.c: unit tests of the ONTAP JSON mapping (drv_ontap.c) on
 * the shared cinder examples (when present) and on fixtures written from
 * REST-FACTS.md: aggregates as pools, volumes with guarantee.type, FlexGroup
 * split, LUNs nested in their volume's aggregate (exported, not summed),
 * pagination links and their validation, page loops (A->A, A->B->A) and
 * the page bound, error envelopes, and JSON of the wrong shape. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "rest_map.h"
#include "rest_test_util.h"

static tw_err map_aggrs(struct snap_builder *b, const char *fixture)
{
	char msg[256] = "";
	json_t *j = rt_fixture(fixture);
	tw_err e;
	assert_non_null(j);
	e = ontap_map_aggregates(j, b, msg, sizeof msg);
	json_decref(j);
	return e;
}

static void test_aggregates_pages(void **state)
{
	struct snap_builder *b = snap_builder_new("t");
	json_t *p1 = rt_fixture("ontap/aggregates_page1.json");
	json_t *p2 = rt_fixture("ontap/aggregates_page2.json");
	const struct tw_pool *p;
	const char *href = NULL;
	char msg[256];
	(void)state;
	assert_non_null(p1);
	assert_non_null(p2);
	assert_int_equal(ontap_map_aggregates(p1, b, msg, sizeof msg), TW_OK);
	assert_int_equal(ontap_next_href(p1, &href), 1);
	assert_string_equal(href, "/api/storage/aggregates?start.uuid=3e7a0c5e-0000-4000-8000-"
				  "000000000002&fields=name,space.block_storage.size&max_records=1");
	assert_int_equal(ontap_map_aggregates(p2, b, msg, sizeof msg), TW_OK);
	assert_int_equal(ontap_next_href(p2, &href), 0);
	assert_int_equal(snap_builder_npools(b), 3);

	p = rt_pool(b, "aggr1");
	assert_non_null(p);
	assert_int_equal(p->flags, TW_HAS_CAPACITY | TW_HAS_USED | TW_HAS_FREE);
	assert_int_equal(p->capacity, 8796093022208ULL);
	assert_int_equal(p->used, 7696581394432ULL);   /* used includes guarantees */
	assert_int_equal(p->free, 1099511627776ULL);
	p = rt_pool(b, "aggr2");
	assert_int_equal(p->used, 0);
	assert_int_equal(p->free, 4398046511104ULL);
	p = rt_pool(b, "aggr3"); /* offline, no space: a pool with nothing known */
	assert_non_null(p);
	assert_int_equal(p->flags, 0);
	json_decref(p1);
	json_decref(p2);
	snap_builder_free(b);
}

static const struct tw_volume *vol(struct snap_builder *b, const char *name)
{
	const struct tw_volume *v = snap_builder_find_volume(b, name);
	if (!v)
		fail_msg("no volume %s", name);
	return v;
}

static void test_volumes_mixed(void **state)
{
	struct snap_builder *b = snap_builder_new("t");
	json_t *j = rt_fixture("ontap/volumes_mixed.json");
	const struct tw_volume *v;
	struct tw_snapshot *s;
	char msg[256] = "";
	(void)state;
	assert_int_equal(map_aggrs(b, "ontap/aggregates_page1.json"), TW_OK);
	assert_int_equal(map_aggrs(b, "ontap/aggregates_page2.json"), TW_OK);
	assert_non_null(j);
	assert_int_equal(ontap_map_volumes(j, b, msg, sizeof msg), TW_OK);
	/* 4 plain volumes + a FlexGroup over 2 distinct aggregates */
	assert_int_equal(snap_builder_nvolumes(b), 6);

	v = vol(b, "vs1:thinvol");
	assert_string_equal(rt_pool_name(b, v->pool), "aggr1");
	assert_int_equal(v->flags, TW_HAS_PROVISIONED | TW_HAS_CONSUMED | TW_HAS_THIN);
	assert_int_equal(v->provisioned, 4398046511104ULL);
	assert_int_equal(v->consumed, 166307639869ULL);
	assert_int_equal(v->thin, 1);

	v = vol(b, "vs1:thickvol");
	assert_int_equal(v->thin, 0);
	assert_int_equal(v->provisioned, 1099511627776ULL);
	assert_int_equal(v->consumed, 1000);

	/* FlexGroup: aggr1 listed twice -> 2/3 of size and use, remainder first */
	v = vol(b, "vs2:fg1@aggr1");
	assert_string_equal(rt_pool_name(b, v->pool), "aggr1");
	assert_int_equal(v->provisioned, 2000000000001ULL);
	assert_int_equal(v->consumed, 20000000002ULL);
	assert_int_equal(v->thin, 1);
	v = vol(b, "vs2:fg1@aggr2");
	assert_string_equal(rt_pool_name(b, v->pool), "aggr2");
	assert_int_equal(v->provisioned, 1000000000000ULL);
	assert_int_equal(v->consumed, 10000000000ULL);
	assert_null(snap_builder_find_volume(b, "vs2:fg1"));

	/* no guarantee: size from `size`, thin unknown, consumed unknown */
	v = vol(b, "vs2:noguarantee");
	assert_int_equal(v->flags, TW_HAS_PROVISIONED);
	assert_int_equal(v->provisioned, 1073741824);
	assert_string_equal(rt_pool_name(b, v->pool), "aggr2");

	/* an aggregate the API did not list (root aggregate): no pool */
	v = vol(b, "vs2:on_root_aggr");
	assert_int_equal(v->pool, TW_NO_POOL);

	/* the pool sums count each FlexGroup byte once */
	s = snap_builder_finish(b, NULL, NULL, 0);
	assert_non_null(s);
	for (size_t i = 0; i < s->npools; i++) {
		const struct tw_pool *p = &s->pools[i];
		if (strcmp(p->name, "aggr1") == 0) {
			assert_int_equal(p->fig.provisioned,
					 4398046511104ULL + 1099511627776ULL + 2000000000001ULL);
			assert_int_equal(p->fig.nvolumes, 3);
		} else if (strcmp(p->name, "aggr2") == 0) {
			assert_int_equal(p->fig.provisioned, 1000000000000ULL + 1073741824ULL);
		}
	}
	snap_unref(s);
	json_decref(j);
}

static void test_cinder_examples(void **state)
{
	json_t *aggr = rt_example("ontap__storage_aggregates__cinder_fakes.json");
	json_t *vols = rt_example("ontap__storage_volumes_guarantee__cinder_fakes.json");
	json_t *paged = rt_example("ontap__storage_volumes_paged_next_link__cinder_fakes.json");
	json_t *err = rt_example("ontap__error_envelope__cinder_fakes.json");
	struct snap_builder *b;
	const struct tw_pool *p;
	const struct tw_volume *v;
	const char *href = NULL;
	char msg[256] = "", text[160];
	(void)state;
	if (!aggr || !vols || !paged || !err) {
		json_decref(aggr);
		json_decref(vols);
		json_decref(paged);
		json_decref(err);
		skip();
	}
	b = snap_builder_new("t");
	assert_int_equal(ontap_map_aggregates(aggr, b, msg, sizeof msg), TW_OK);
	assert_int_equal(snap_builder_npools(b), 2);
	p = rt_pool(b, "fake_aggr1");
	assert_non_null(p);
	assert_int_equal(p->capacity, 1271819509760ULL);
	assert_int_equal(p->used, 172109570048ULL);
	assert_int_equal(p->free, 1099709939712ULL);
	p = rt_pool(b, "fake_aggr2");
	assert_int_equal(p->capacity, 107374182400ULL);

	assert_int_equal(ontap_map_volumes(vols, b, msg, sizeof msg), TW_OK);
	v = vol(b, "fake_vserver:volume1");
	assert_string_equal(rt_pool_name(b, v->pool), "fake_aggr1");
	assert_int_equal(v->provisioned, 12345);
	assert_int_equal(v->thin, 1);
	assert_int_equal(v->flags, TW_HAS_PROVISIONED | TW_HAS_THIN);

	/* a hand-written page: 10 records without svm, sizes or aggregates */
	assert_int_equal(ontap_map_volumes(paged, b, msg, sizeof msg), TW_OK);
	assert_int_equal(snap_builder_nvolumes(b), 11);
	v = vol(b, "volume1");
	assert_int_equal(v->flags, 0);
	assert_int_equal(v->pool, TW_NO_POOL);
	assert_int_equal(ontap_next_href(paged, &href), 1);
	assert_string_equal(href, "/api/storage/volumes?start.uuid=2407b637-119c-11ec-a4fb-"
				  "00a0b89c9a78&fields=name&max_records=2");

	ontap_error_text(err, text, sizeof text);
	assert_string_equal(text, "fake error (code 1100)");
	json_decref(aggr);
	json_decref(vols);
	json_decref(paged);
	json_decref(err);
	snap_builder_free(b);
}

static void test_luns_mixed(void **state)
{
	struct snap_builder *b = snap_builder_new("t");
	json_t *vols = rt_fixture("ontap/volumes_mixed.json");
	json_t *luns = rt_fixture("ontap/luns_mixed.json");
	const struct tw_volume *v;
	struct tw_snapshot *s;
	char msg[256] = "";
	(void)state;
	assert_int_equal(map_aggrs(b, "ontap/aggregates_page1.json"), TW_OK);
	assert_int_equal(map_aggrs(b, "ontap/aggregates_page2.json"), TW_OK);
	assert_int_equal(ontap_map_volumes(vols, b, msg, sizeof msg), TW_OK);
	assert_int_equal(ontap_map_luns(luns, b, msg, sizeof msg), TW_OK);
	assert_int_equal(snap_builder_nvolumes(b), 6 + 5);

	/* not reserved: thin; in its volume's aggregate; serial as the wwn */
	v = vol(b, "vs1:/vol/thinvol/lun0");
	assert_string_equal(rt_pool_name(b, v->pool), "aggr1");
	assert_int_equal(v->flags, TW_HAS_PROVISIONED | TW_HAS_CONSUMED | TW_HAS_THIN | TW_NESTED);
	assert_int_equal(v->provisioned, 2199023255552ULL);
	assert_int_equal(v->consumed, 107374182400ULL);
	assert_int_equal(v->thin, 1);
	assert_string_equal(v->wwn, "80ZQb+OyrTjy");
	/* reserved: thick */
	v = vol(b, "vs1:/vol/thickvol/db");
	assert_int_equal(v->thin, 0);
	assert_true(v->flags & TW_NESTED);
	/* only the request known: it decides */
	v = vol(b, "vs1:/vol/thickvol/asked");
	assert_int_equal(v->thin, 0);
	assert_null(v->wwn);
	/* in a FlexGroup: the aggregate of its first part */
	v = vol(b, "vs2:/vol/fg1/lun1");
	assert_string_equal(rt_pool_name(b, v->pool), "aggr1");
	/* volume unknown: no pool; thin unknown; a serial with a control
	 * character is not exported */
	v = vol(b, "vs2:/vol/gone/lun9");
	assert_int_equal(v->pool, TW_NO_POOL);
	assert_int_equal(v->flags, TW_HAS_PROVISIONED | TW_NESTED);
	assert_null(v->wwn);

	/* the pool sums are those of the volumes alone */
	s = snap_builder_finish(b, NULL, NULL, 0);
	assert_non_null(s);
	for (size_t i = 0; i < s->npools; i++) {
		const struct tw_pool *p = &s->pools[i];
		if (strcmp(p->name, "aggr1") == 0) {
			assert_int_equal(p->fig.provisioned,
					 4398046511104ULL + 1099511627776ULL + 2000000000001ULL);
			assert_int_equal(p->fig.nvolumes, 3);
		}
	}
	snap_unref(s);
	json_decref(vols);
	json_decref(luns);
}

static void test_cinder_luns(void **state)
{
	json_t *luns = rt_example("ontap__storage_luns__cinder_fakes.json");
	json_t *vols = rt_json("{\"records\": [{\"name\": \"nahim_dev_vol01\", \"svm\": "
			       "{\"name\": \"vserver-name\"}, \"aggregates\": [{\"name\": "
			       "\"aggr1\"}], \"guarantee\": {\"type\": \"volume\"}, \"space\": "
			       "{\"size\": 21474836480, \"used\": 3474366464}}]}");
	struct snap_builder *b;
	const struct tw_volume *v;
	struct tw_snapshot *s;
	char msg[256] = "";
	(void)state;
	if (!luns) {
		json_decref(vols);
		skip();
	}
	b = snap_builder_new("t");
	assert_int_not_equal(snap_builder_pool(b, "aggr1"), TW_NO_POOL);
	assert_int_equal(ontap_map_volumes(vols, b, msg, sizeof msg), TW_OK);
	assert_int_equal(ontap_map_luns(luns, b, msg, sizeof msg), TW_OK);
	assert_int_equal(snap_builder_nvolumes(b), 3);
	v = vol(b, "vserver-name:/vol/nahim_dev_vol01/volume-fake-uuid");
	assert_string_equal(rt_pool_name(b, v->pool), "aggr1");
	assert_int_equal(v->provisioned, 10737418240ULL);
	assert_int_equal(v->consumed, 3474366464ULL);
	assert_int_equal(v->thin, 1); /* guarantee requested and reserved false */
	assert_string_equal(v->wwn, "ZlAFA?QMnBdX");
	assert_true(v->flags & TW_NESTED);
	/* the fake repeats the path: the builder keeps names unique */
	v = vol(b, "vserver-name:/vol/nahim_dev_vol01/volume-fake-uuid#3");
	assert_int_equal(v->provisioned, 5368709120ULL);
	assert_int_equal(v->consumed, 0);
	assert_string_equal(v->wwn, "ZlAFA?QMnBdf");
	s = snap_builder_finish(b, NULL, NULL, 0);
	assert_non_null(s);
	assert_int_equal(s->pools[0].fig.provisioned, 21474836480ULL); /* the volume, once */
	assert_int_equal(s->pools[0].fig.nvolumes, 1);
	snap_unref(s);
	json_decref(luns);
	json_decref(vols);
}

static void test_error_text(void **state)
{
	json_t *j = rt_fixture("ontap/error_string_code.json");
	char text[160];
	(void)state;
	ontap_error_text(j, text, sizeof text);
	assert_string_equal(text, "entry doesn't exist (code 4)");
	json_decref(j);
	j = rt_json("{\"records\": []}");
	ontap_error_text(j, text, sizeof text);
	assert_string_equal(text, "");
	json_decref(j);
}

static void test_cluster(void **state)
{
	struct snap_builder *b = snap_builder_new("t");
	json_t *j = rt_json("{\"name\":\"c1\",\"version\":{\"full\":\"NetApp Release 9.8P4\","
			    "\"generation\":9,\"major\":8,\"minor\":0}}");
	char msg[256];
	(void)state;
	assert_int_equal(ontap_map_cluster(j, b, msg, sizeof msg), TW_OK);
	assert_string_equal(snap_builder_info(b)->vendor, "NetApp");
	assert_string_equal(snap_builder_info(b)->version, "9.8.0");
	json_decref(j);
	j = rt_json("{\"version\":{\"full\":\"NetApp Release 9.6\"}}");
	assert_int_equal(ontap_map_cluster(j, b, msg, sizeof msg), TW_OK);
	assert_string_equal(snap_builder_info(b)->version, "NetApp Release 9.6");
	json_decref(j);
	j = rt_json("[1]");
	assert_int_equal(ontap_map_cluster(j, b, msg, sizeof msg), TW_ERR_INVALID_DATA);
	json_decref(j);
	snap_builder_free(b);
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
	(void)state;
	expect_bad(ontap_map_aggregates, "{\"records\": {}}", "records");
	expect_bad(ontap_map_aggregates, "{\"num_records\": 0}", "records");
	expect_bad(ontap_map_aggregates, "{\"records\": [42]}", "aggregates[0]");
	expect_bad(ontap_map_aggregates, "{\"records\": [{\"uuid\": \"x\"}]}", "name");
	expect_bad(ontap_map_aggregates,
		   "{\"records\": [{\"name\": \"a\", \"space\": {\"block_storage\": "
		   "{\"size\": \"100\"}}}]}", "space.block_storage.size");
	expect_bad(ontap_map_aggregates,
		   "{\"records\": [{\"name\": \"a\", \"space\": {\"block_storage\": "
		   "{\"size\": -5}}}]}", "space.block_storage.size");
	expect_bad(ontap_map_aggregates,
		   "{\"records\": [{\"name\": \"a\", \"space\": {\"block_storage\": "
		   "{\"size\": 100, \"available\": 101}}}]}", "available");
	expect_bad(ontap_map_volumes, "{\"records\": [{\"name\": \"\"}]}", "name");
	expect_bad(ontap_map_volumes, "{\"records\": [{\"name\": \"v\", \"aggregates\": {}}]}",
		   "aggregates");
	expect_bad(ontap_map_volumes,
		   "{\"records\": [{\"name\": \"v\", \"space\": {\"size\": 1.5}}]}", "space.size");
	expect_bad(ontap_map_volumes,
		   "{\"records\": [{\"name\": \"v\", \"guarantee\": {\"type\": 1}}]}",
		   "guarantee.type");
	expect_bad(ontap_map_volumes,
		   "{\"records\": [{\"name\": \"v\", \"aggregates\": [{\"x\": 1}, {\"name\": "
		   "\"b\"}]}]}", "aggregates[].name");
	expect_bad(ontap_map_luns, "{\"records\": {}}", "records");
	expect_bad(ontap_map_luns, "{\"records\": [{\"name\": 5}]}", "luns[0]: name");
	expect_bad(ontap_map_luns,
		   "{\"records\": [{\"name\": \"/vol/v/l\", \"space\": {\"size\": \"10\"}}]}",
		   "space.size");
	expect_bad(ontap_map_luns,
		   "{\"records\": [{\"name\": \"/vol/v/l\", \"space\": {\"used\": -1}}]}",
		   "space.used");
	expect_bad(ontap_map_luns,
		   "{\"records\": [{\"name\": \"/vol/v/l\", \"space\": {\"guarantee\": "
		   "{\"reserved\": \"no\"}}}]}", "space.guarantee.reserved");
	expect_bad(ontap_map_luns,
		   "{\"records\": [{\"name\": \"/vol/v/l\", \"location\": {\"volume\": "
		   "{\"name\": 1}}}]}", "location.volume.name");
	expect_bad(ontap_map_luns,
		   "{\"records\": [{\"name\": \"/vol/v/l\", \"serial_number\": 12}]}",
		   "serial_number");
}

static void test_next_href_validation(void **state)
{
	static const char *const bad[] = {
		"{\"_links\": {\"next\": {\"href\": \"https://evil.example/api/x\"}}}",
		"{\"_links\": {\"next\": {\"href\": \"//evil.example/api/x\"}}}",
		"{\"_links\": {\"next\": {\"href\": \"api/x\"}}}",
		"{\"_links\": {\"next\": {\"href\": \"/api/x y\"}}}",
		"{\"_links\": {\"next\": {\"href\": 7}}}",
	};
	const char *href;
	(void)state;
	for (size_t i = 0; i < TW_ARRAY_LEN(bad); i++) {
		json_t *j = rt_json(bad[i]);
		assert_int_equal(ontap_next_href(j, &href), -1);
		json_decref(j);
	}
	{
		json_t *j = rt_json("{\"_links\": {\"self\": {\"href\": \"/api/x\"}}}");
		assert_int_equal(ontap_next_href(j, &href), 0);
		json_decref(j);
	}
}

/* Follow the next links of canned pages the way the driver does: the
 * first page's own href and every next link go into one ontap_pages; the
 * result of the first add that is not 0 (1 = loop), with *at = the page
 * whose next link it was, or 0 when the walk ends without a repeat. */
static int walk(struct ontap_pages *pg, const char *first, const char *const *pages, size_t n,
		size_t *at)
{
	const char *href;
	int r = ontap_pages_add(pg, first);
	*at = 0;
	if (r)
		return r;
	for (size_t i = 0; i < n; i++) {
		json_t *j = rt_json(pages[i]);
		int hn;
		assert_non_null(j);
		hn = ontap_next_href(j, &href);
		if (hn == 1)
			r = ontap_pages_add(pg, href);
		json_decref(j);
		if (hn != 1 || r) {
			*at = i;
			return hn == 1 ? r : 0;
		}
	}
	return 0;
}

#define NEXT(h) "{\"records\": [], \"_links\": {\"next\": {\"href\": \"" h "\"}}}"

static void test_page_loops(void **state)
{
	static const char *const aa[] = { NEXT("/api/storage/volumes?max_records=2") };
	static const char *const aba[] = {
		NEXT("/api/storage/volumes?start.uuid=b&max_records=2"),
		NEXT("/api/storage/volumes?max_records=2"),
	};
	static const char *const abcb[] = {
		NEXT("/api/storage/volumes?start.uuid=b"),
		NEXT("/api/storage/volumes?start.uuid=c"),
		NEXT("/api/storage/volumes?start.uuid=b"),
	};
	static const char *const abc[] = {
		NEXT("/api/storage/volumes?start.uuid=b"),
		NEXT("/api/storage/volumes?start.uuid=c"),
		"{\"records\": [], \"_links\": {\"self\": {\"href\": \"/x\"}}}",
	};
	struct ontap_pages *pg = ontap_pages_new();
	char href[64];
	size_t at;
	(void)state;
	assert_non_null(pg);
	/* A -> A */
	assert_int_equal(walk(pg, "/api/storage/volumes?max_records=2", aa, 1, &at), 1);
	assert_int_equal(at, 0);
	/* A -> B -> A: caught on B's link, not only A's own */
	ontap_pages_reset(pg);
	assert_int_equal(walk(pg, "/api/storage/volumes?max_records=2", aba, 2, &at), 1);
	assert_int_equal(at, 1);
	/* A -> B -> C -> B */
	ontap_pages_reset(pg);
	assert_int_equal(walk(pg, "/api/storage/volumes", abcb, 3, &at), 1);
	assert_int_equal(at, 2);
	/* A -> B -> C, end: no loop; a new poll (reset) may read them again */
	ontap_pages_reset(pg);
	assert_int_equal(walk(pg, "/api/storage/volumes", abc, 3, &at), 0);
	ontap_pages_reset(pg);
	assert_int_equal(walk(pg, "/api/storage/volumes", abc, 3, &at), 0);
	/* hrefs differing in one byte are different pages */
	assert_int_equal(ontap_pages_add(pg, "/api/storage/volumes?start.uuid=d"), 0);
	assert_int_equal(ontap_pages_add(pg, "/api/storage/volumes?start.uuid=d"), 1);
	/* bounded: 4096 pages per poll, then -1 (the poll fails) */
	ontap_pages_reset(pg);
	for (unsigned i = 0; i < 4096; i++) {
		snprintf(href, sizeof href, "/api/storage/volumes?start.uuid=%u", i);
		assert_int_equal(ontap_pages_add(pg, href), 0);
	}
	assert_int_equal(ontap_pages_add(pg, "/api/storage/volumes?start.uuid=5"), 1);
	assert_int_equal(ontap_pages_add(pg, "/api/storage/volumes?start.uuid=new"), -1);
	ontap_pages_free(pg);
	ontap_pages_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aggregates_pages),
		cmocka_unit_test(test_volumes_mixed),
		cmocka_unit_test(test_cinder_examples),
		cmocka_unit_test(test_luns_mixed),
		cmocka_unit_test(test_cinder_luns),
		cmocka_unit_test(test_error_text),
		cmocka_unit_test(test_cluster),
		cmocka_unit_test(test_bad_shapes),
		cmocka_unit_test(test_next_href_validation),
		cmocka_unit_test(test_page_loops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
