/* test_growth.c: growth rate and time-to-full estimates for the status page. */
#include "config.h"
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "growth.h"

static void test_slope(void **state)
{
	double t[] = { 0, 10, 20, 30 }, u[] = { 100, 200, 300, 400 };
	double flat[] = { 5, 5, 5, 5 };
	assert_true(fabs(growth_slope(t, u, 4) - 10.0) < 1e-9);
	assert_true(growth_slope(t, flat, 4) == 0);
	assert_true(isnan(growth_slope(t, u, 1)));
	{
		double same_t[] = { 3, 3 };
		assert_true(isnan(growth_slope(same_t, u, 2)));
	}
}

static void test_time_to_full(void **state)
{
	assert_true(growth_time_to_full(1000, 10) == 100);
	assert_true(growth_time_to_full(0, 10) == 0);
	assert_true(growth_time_to_full(0, NAN) == 0);
	assert_true(isnan(growth_time_to_full(1000, 0)));
	assert_true(isnan(growth_time_to_full(1000, -5)));
	assert_true(isnan(growth_time_to_full(1000, NAN)));
}

static void test_ring(void **state)
{
	struct growth g = { 0 };
	struct growth_series *s = NULL;
	for (int i = 0; i < 100; i++)
		s = growth_add(&g, "pool0", i, 7.0 * i);
	assert_non_null(s);
	assert_int_equal(s->n, GROWTH_SAMPLES);
	assert_true(fabs(growth_slope(s->t, s->used, s->n) - 7.0) < 1e-9);
	assert_non_null(growth_add(&g, "pool1", 0, 0));
	assert_int_equal(g.n, 2);
	growth_free(&g);
	growth_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slope),
		cmocka_unit_test(test_time_to_full),
		cmocka_unit_test(test_ring),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
