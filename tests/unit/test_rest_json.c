/* test_rest_json.c: unit tests of the strict JSON helpers under the REST
 * drivers (src/rest_json.c): depth limit, duplicate keys, dotted paths,
 * typed readers telling absent from wrong, overflow-checked products. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "rest_json.h"

static json_t *parse(const char *s, tw_err want)
{
	json_t *j = NULL;
	char msg[256] = "";
	assert_int_equal(rj_parse(s, strlen(s), &j, msg, sizeof msg), want);
	if (want)
		assert_true(msg[0] != '\0');
	return j;
}

static void test_parse(void **state)
{
	char deep[2 * (RJ_MAX_DEPTH + 2) + 1];
	size_t n = 0;
	json_t *j;
	(void)state;
	j = parse("{\"a\": [1, 2, {\"b\": \"[[[[\"}]}", TW_OK); /* brackets in strings ignored */
	json_decref(j);
	parse("", TW_ERR_PARSE);
	parse("{\"a\": 1, \"a\": 2}", TW_ERR_PARSE);          /* duplicate keys */
	parse("{\"a\": ", TW_ERR_PARSE);
	parse("{\"a\": 1} trailing", TW_ERR_PARSE);
	/* exactly at the limit is fine, one more is not */
	for (size_t i = 0; i < RJ_MAX_DEPTH; i++)
		deep[n++] = '[';
	for (size_t i = 0; i < RJ_MAX_DEPTH; i++)
		deep[n++] = ']';
	deep[n] = '\0';
	j = parse(deep, TW_OK);
	json_decref(j);
	n = 0;
	for (size_t i = 0; i < RJ_MAX_DEPTH + 1; i++)
		deep[n++] = '[';
	for (size_t i = 0; i < RJ_MAX_DEPTH + 1; i++)
		deep[n++] = ']';
	deep[n] = '\0';
	parse(deep, TW_ERR_PARSE);
}

static void test_readers(void **state)
{
	json_t *j = parse("{\"s\": {\"n\": 5, \"neg\": -1, \"str\": \"12\", \"bad\": \"12x\","
			  "\"r\": 1.5, \"t\": true, \"z\": null, \"big\": \"18446744073709551615\","
			  "\"over\": \"18446744073709551616\"}}", TW_OK);
	uint64_t u = 99;
	const char *s = NULL;
	int b = 0;
	double d = 0;
	(void)state;
	assert_int_equal(rj_u64(j, "s.n", &u), 1);
	assert_int_equal(u, 5);
	assert_int_equal(rj_u64(j, "s.neg", &u), -1);
	assert_int_equal(rj_u64(j, "s.str", &u), -1);
	assert_int_equal(rj_u64(j, "s.r", &u), -1);
	assert_int_equal(rj_u64(j, "s.z", &u), 0);        /* null = absent */
	assert_int_equal(rj_u64(j, "s.missing", &u), 0);
	assert_int_equal(rj_u64(j, "s.n.deeper", &u), 0);
	assert_int_equal(rj_u64(j, "", &u), -1);          /* the root object itself */
	assert_int_equal(rj_u64_str(j, "s.str", &u), 1);
	assert_int_equal(u, 12);
	assert_int_equal(rj_u64_str(j, "s.n", &u), 1);
	assert_int_equal(rj_u64_str(j, "s.bad", &u), -1);
	assert_int_equal(rj_u64_str(j, "s.neg", &u), -1);
	assert_int_equal(rj_u64_str(j, "s.big", &u), 1);
	assert_true(u == UINT64_MAX);
	assert_int_equal(rj_u64_str(j, "s.over", &u), -1);
	assert_int_equal(rj_str(j, "s.str", &s), 1);
	assert_string_equal(s, "12");
	assert_int_equal(rj_str(j, "s.n", &s), -1);
	assert_int_equal(rj_bool(j, "s.t", &b), 1);
	assert_int_equal(b, 1);
	assert_int_equal(rj_bool(j, "s.n", &b), -1);
	assert_int_equal(rj_real(j, "s.r", &d), 1);
	assert_true(d == 1.5);
	assert_int_equal(rj_real(j, "s.n", &d), 1);
	json_decref(j);
}

static void test_helpers(void **state)
{
	uint64_t r;
	json_t *j = parse("{\"records\": 5}", TW_OK), *a;
	char msg[128];
	struct snap_builder *b = snap_builder_new("t");
	(void)state;
	assert_int_equal(rj_mul_u64(512, 4, &r), 0);
	assert_int_equal(r, 2048);
	assert_int_equal(rj_mul_u64(UINT64_MAX / 512 + 1, 512, &r), -1);
	assert_int_equal(rj_mul_u64(0, UINT64_MAX, &r), 0);
	assert_int_equal(rj_array(j, "records", "pools", &a, msg, sizeof msg), TW_ERR_INVALID_DATA);
	assert_non_null(strstr(msg, "pools"));
	assert_int_equal(rj_pool_find(b, "p"), TW_NO_POOL);
	assert_int_equal(snap_builder_pool(b, "p"), 0);
	assert_int_equal(rj_pool_find(b, "p"), 0);
	assert_int_equal(snap_builder_npools(b), 1);
	snap_builder_free(b);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_readers),
		cmocka_unit_test(test_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
