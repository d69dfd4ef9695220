/* capacity.h: the capacity analysis as pure functions (DESIGN.md
 * "Derived per pool").  No I/O, no allocation; unit-tested. */
#ifndef TW_CAPACITY_H
#define TW_CAPACITY_H

#include <stddef.h>
#include <stdint.h>

/* One volume's contribution, as the analysis sees it. */
struct tw_cap_volume {
	uint64_t provisioned;
	uint64_t consumed;
	int thin;
	int valid;  /* figures known and sane; invalid volumes are left out */
};

struct tw_pool_figures {
	uint64_t provisioned;     /* sum of provisioned (or the array's own figure) */
	int provisioned_from_array;
	double overcommit_ratio;  /* provisioned / capacity; NaN when capacity is 0/unknown */
	int overcommitted;        /* provisioned > capacity * threshold */
	uint64_t unbacked;        /* sum over thin volumes of max(0, prov - consumed) */
	uint64_t shortfall;       /* max(0, unbacked - free) */
	uint64_t nvolumes;
	int saturated;            /* a sum overflowed 64 bits and was clamped */
};

/* Saturating u64 addition: sets *sat on overflow. */
uint64_t tw_sat_add(uint64_t a, uint64_t b, int *sat);

/* Compute the figures of one pool.
 * capacity/free: the pool's physical figures (has_capacity/has_free say if known).
 * reported_provisioned: the array's own subscribed figure if has_reported.
 * threshold: overcommit threshold (>0). */
void tw_pool_analyse(uint64_t capacity, int has_capacity, uint64_t free_bytes, int has_free,
		     uint64_t reported_provisioned, int has_reported, double threshold,
		     const struct tw_cap_volume *vols, size_t nvols,
		     struct tw_pool_figures *out);

/* Accumulating form used when volumes are scattered in memory. */
void tw_pool_figures_init(struct tw_pool_figures *f);
void tw_pool_figures_add(struct tw_pool_figures *f, const struct tw_cap_volume *v);
void tw_pool_figures_finish(struct tw_pool_figures *f, uint64_t capacity, int has_capacity,
			    uint64_t free_bytes, int has_free, uint64_t reported_provisioned,
			    int has_reported, double threshold);

#endif
