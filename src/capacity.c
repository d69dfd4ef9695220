/* capacity.c: pool overcommit / unbacked / shortfall arithmetic (pure).
 * Sums saturate at 2^64-1 instead of wrapping, and say so. */
#include "config.h"
#include "capacity.h"

#include <math.h>
#include <string.h>

uint64_t tw_sat_add(uint64_t a, uint64_t b, int *sat)
{
	if (a > UINT64_MAX - b) {
		if (sat)
			*sat = 1;
		return UINT64_MAX;
	}
	return a + b;
}

void tw_pool_figures_init(struct tw_pool_figures *f)
{
	memset(f, 0, sizeof *f);
}

void tw_pool_figures_add(struct tw_pool_figures *f, const struct tw_cap_volume *v)
{
	if (!v->valid)
		return;
	f->nvolumes++;
	f->provisioned = tw_sat_add(f->provisioned, v->provisioned, &f->saturated);
	if (v->thin && v->provisioned > v->consumed)
		f->unbacked = tw_sat_add(f->unbacked, v->provisioned - v->consumed, &f->saturated);
}

void tw_pool_figures_finish(struct tw_pool_figures *f, uint64_t capacity, int has_capacity,
			    uint64_t free_bytes, int has_free, uint64_t reported_provisioned,
			    int has_reported, double threshold)
{
	if (has_reported) {
		f->provisioned = reported_provisioned;
		f->provisioned_from_array = 1;
	}
	if (has_capacity && capacity > 0) {
		f->overcommit_ratio = (double)f->provisioned / (double)capacity;
		/* provisioned > capacity * threshold, without float error at ratio == threshold */
		f->overcommitted = f->overcommit_ratio > threshold &&
			(long double)f->provisioned > (long double)capacity * (long double)threshold;
	} else {
		f->overcommit_ratio = NAN;
		/* Nothing to back any promise: overcommitted as soon as anything is promised. */
		f->overcommitted = has_capacity && f->provisioned > 0;
	}
	if (has_free)
		f->shortfall = f->unbacked > free_bytes ? f->unbacked - free_bytes : 0;
	else if (has_capacity)
		f->shortfall = 0;
}

void tw_pool_analyse(uint64_t capacity, int has_capacity, uint64_t free_bytes, int has_free,
		     uint64_t reported_provisioned, int has_reported, double threshold,
		     const struct tw_cap_volume *vols, size_t nvols, struct tw_pool_figures *out)
{
	tw_pool_figures_init(out);
	for (size_t i = 0; i < nvols; i++)
		tw_pool_figures_add(out, &vols[i]);
	tw_pool_figures_finish(out, capacity, has_capacity, free_bytes, has_free,
			       reported_provisioned, has_reported, threshold);
}
