/* growth.h: a short in-memory history of each pool's physical use, kept
 * per target by the scheduler, and the least-squares growth rate and time
 * to full derived from it (shown on the status page; Prometheus does the
 * long-range forecast with predict_linear). */
#ifndef TW_GROWTH_H
#define TW_GROWTH_H

#include <stddef.h>
#include <stdint.h>

#define GROWTH_SAMPLES 32

struct growth_series {
	char *pool;
	size_t n, head;
	double t[GROWTH_SAMPLES];
	double used[GROWTH_SAMPLES];
};

struct growth {
	struct growth_series *s;
	size_t n;
};

/* Pure: slope (bytes/s) of used over t by least squares; NaN with < 2 points
 * or no time spread. */
double growth_slope(const double *t, const double *used, size_t n);

/* Pure: seconds until free is exhausted at `rate` bytes/s; NaN if the pool
 * is not growing (rate <= 0) or the rate is unknown. 0 if already full. */
double growth_time_to_full(uint64_t free_bytes, double rate);

/* Record a sample for pool at time t; returns the series or NULL on OOM. */
struct growth_series *growth_add(struct growth *g, const char *pool, double t, double used);
void growth_free(struct growth *g);  /* NULL-safe */

#endif
