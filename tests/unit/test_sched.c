/* test_sched.c: the scheduler's retry backoff (sched_backoff): doubling
 * per failure, the cap, and the +/-10 % jitter that keeps failing targets
 * from retrying in lockstep. */
#include "config.h"
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "scheduler.h"

static int within(double v, double lo, double hi)
{
	return v >= lo && v < hi;
}

static void test_doubling_and_cap(void **state)
{
	uint64_t rng = 0x9e3779b97f4a7c15ULL;
	(void)state;
	/* the first failure waits exactly one interval */
	assert_true(sched_backoff(10, 300, 1, &rng) == 10);
	/* then 20, 40, 80, 160, 300 (capped), each within +/-10 % */
	assert_true(within(sched_backoff(10, 300, 2, &rng), 18, 22));
	assert_true(within(sched_backoff(10, 300, 3, &rng), 36, 44));
	assert_true(within(sched_backoff(10, 300, 4, &rng), 72, 88));
	assert_true(within(sched_backoff(10, 300, 5, &rng), 144, 176));
	assert_true(within(sched_backoff(10, 300, 6, &rng), 270, 330));
	assert_true(within(sched_backoff(10, 300, 60, &rng), 270, 330));
	assert_true(within(sched_backoff(10, 300, 4000000000u, &rng), 270, 330));
	/* a cap below the interval never shortens the interval */
	assert_true(within(sched_backoff(60, 30, 5, &rng), 54, 66));
	/* no rng: no jitter */
	assert_true(sched_backoff(10, 300, 3, NULL) == 40);
}

/* 64 targets failing in step (same interval, same failure count) must
 * not come back at the same instant: their delays spread over most of
 * the +/-10 % band, centred on the nominal backoff. */
static void test_jitter_spreads(void **state)
{
	double lo = INFINITY, hi = 0, sum = 0, prev = -1;
	unsigned distinct = 0;
	(void)state;
	for (unsigned t = 0; t < 64; t++) {
		uint64_t rng = 0x9e3779b97f4a7c15ULL ^ (0x1000ULL * (t + 1)); /* per-target seed */
		double d = 0;
		for (unsigned f = 2; f <= 8; f++) /* a run of failures */
			d = sched_backoff(1, 1000, f, &rng);
		d /= 128; /* nominal 2^7 */
		if (d < lo)
			lo = d;
		if (d > hi)
			hi = d;
		if (d != prev)
			distinct++;
		prev = d;
		sum += d;
	}
	assert_true(lo >= 0.9 && hi < 1.1);
	assert_true(lo < 0.95);  /* spread over the band ... */
	assert_true(hi > 1.05);
	assert_true(distinct > 48); /* ... not a few shared values */
	assert_true(fabs(sum / 64 - 1.0) < 0.03);
}

/* The same target draws a new factor on each failure. */
static void test_jitter_per_failure(void **state)
{
	uint64_t rng = 12345;
	double a = sched_backoff(5, 5, 2, &rng), b = sched_backoff(5, 5, 3, &rng);
	(void)state;
	assert_true(within(a, 4.5, 5.5) && within(b, 4.5, 5.5));
	assert_true(a != b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doubling_and_cap),
		cmocka_unit_test(test_jitter_spreads),
		cmocka_unit_test(test_jitter_per_failure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
