/* test_units.c: size and duration parsing. */
#include "config.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "units.h"

static uint64_t size_ok(const char *s)
{
	uint64_t v = 0;
	assert_int_equal(tw_parse_size(s, &v), 0);
	return v;
}

static void test_sizes(void **state)
{
	(void)state;
	assert_int_equal(size_ok("0"), 0);
	assert_int_equal(size_ok("1024"), 1024);
	assert_int_equal(size_ok("4TiB"), 4398046511104ULL);
	assert_int_equal(size_ok("8TiB"), 8796093022208ULL);
	assert_int_equal(size_ok("4TB"), 4000000000000ULL);
	assert_int_equal(size_ok("154.89GiB"), 166311871119ULL); /* the incident's LUN */
	assert_int_equal(size_ok("1.5 KiB"), 1536);
	assert_int_equal(size_ok("0.5B"), 1);  /* rounds to nearest */
	assert_int_equal(size_ok("1.5"), 2);   /* plain bytes too (DESIGN: fractions round) */
	assert_int_equal(size_ok("1.49"), 1);
	assert_int_equal(size_ok("7."), 7);
	assert_int_equal(size_ok("15PiB"), 15ULL << 50);
	assert_int_equal(size_ok("18446744073709551615"), UINT64_MAX);
}

static void test_size_errors(void **state)
{
	uint64_t v;
	(void)state;
	assert_int_not_equal(tw_parse_size("", &v), 0);
	assert_int_not_equal(tw_parse_size("abc", &v), 0);
	assert_int_not_equal(tw_parse_size("-1", &v), 0);
	assert_int_not_equal(tw_parse_size(".", &v), 0);
	assert_int_not_equal(tw_parse_size("4 XB", &v), 0);
	assert_int_not_equal(tw_parse_size("18446744073709551616", &v), 0);
	assert_int_not_equal(tw_parse_size("20000PiB", &v), 0); /* overflow */
	assert_int_not_equal(tw_parse_size(NULL, &v), 0);
}

static void test_durations(void **state)
{
	double d;
	(void)state;
	assert_int_equal(tw_parse_duration("60s", &d), 0);
	assert_true(d == 60);
	assert_int_equal(tw_parse_duration("1m30s", &d), 0);
	assert_true(d == 90);
	assert_int_equal(tw_parse_duration("250ms", &d), 0);
	assert_true(d > 0.2499 && d < 0.2501);
	assert_int_equal(tw_parse_duration("2h", &d), 0);
	assert_true(d == 7200);
	assert_int_equal(tw_parse_duration("10", &d), 0);
	assert_true(d == 10);
	assert_int_not_equal(tw_parse_duration("soon", &d), 0);
	assert_int_not_equal(tw_parse_duration("-5s", &d), 0);
	assert_int_not_equal(tw_parse_duration("5x", &d), 0);
	assert_int_not_equal(tw_parse_duration("", &d), 0);
	assert_int_not_equal(tw_parse_duration("1m30", &d), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_size_errors),
		cmocka_unit_test(test_durations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
