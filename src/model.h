/* model.h: the data model (array, pool, volume) and the immutable,
 * reference-counted per-target snapshot that the poller publishes and the
 * HTTP side renders.  A snapshot is built with snap_builder_* in the poller
 * thread; once published nobody mutates it.  All sizes are bytes (u64). */
#ifndef TW_MODEL_H
#define TW_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "tw.h"
#include "capacity.h"

/* Which figures of a row are known and valid (a profile may not have a
 * column, or a sanity rule may reject a value). */
enum {
	TW_HAS_CAPACITY = 1u << 0,
	TW_HAS_USED = 1u << 1,
	TW_HAS_FREE = 1u << 2,
	TW_HAS_PROVISIONED = 1u << 3, /* pool: the array reports its own subscribed figure */
	TW_HAS_CONSUMED = 1u << 4,
	TW_HAS_THIN = 1u << 5,
	/* Volume contained in another volume (a NetApp LUN in its FlexVol, a
	 * directory quota below another): exported with its pool label but
	 * left out of the pool's sums, so each promise is counted once. */
	TW_NESTED = 1u << 6,
};

struct tw_volume {
	char *name;       /* unique within the array */
	char *wwn;        /* may be NULL */
	uint32_t pool;    /* index into snapshot pools, or TW_NO_POOL */
	uint32_t flags;   /* TW_HAS_* */
	uint64_t provisioned;
	uint64_t consumed;
	int thin;
};
#define TW_NO_POOL UINT32_MAX

struct tw_pool {
	char *name;
	uint32_t flags;        /* TW_HAS_* for the reported figures */
	uint64_t capacity, used, free;
	uint64_t reported_provisioned; /* valid if flags & TW_HAS_PROVISIONED */
	double threshold;      /* overcommit threshold in force for this pool */
	double growth;         /* bytes/s of physical use, from recent polls; NaN = unknown */
	double time_to_full;   /* seconds until free reaches 0 at that rate; NaN = never/unknown */
	struct tw_pool_figures fig;  /* derived (capacity.h) */
};

struct tw_array_info {
	char *vendor, *model, *serial, *version, *profile;
	char *limitations; /* the profile's known gaps ("pool capacity is unknown"); may be NULL */
};

struct tw_snapshot {
	int refs;              /* atomic via __atomic builtins */
	char *array;           /* target name */
	struct tw_array_info info;
	size_t npools, nvolumes;
	struct tw_pool *pools;
	struct tw_volume *volumes;
	double poll_wall;      /* wall clock time the poll finished */
	/* Rendered exposition fragments per metric family (prom.c), built once
	 * at publish time; a scrape serves them by reference (prom_plan_new)
	 * while it holds a reference on the snapshot. */
	char **frag;
	size_t *frag_len;
	size_t nfrag;
};

/* Builder: collects pools and volumes by name during a poll. */
struct snap_builder;
struct snap_builder *snap_builder_new(const char *array);
void snap_builder_free(struct snap_builder *b);  /* NULL-safe; frees unfinished data */
/* Find or add a pool by name; returns its index or TW_NO_POOL on OOM. */
uint32_t snap_builder_pool(struct snap_builder *b, const char *name);
struct tw_pool *snap_builder_pool_at(struct snap_builder *b, uint32_t idx);
/* Add a volume (name copied); pool may be TW_NO_POOL.  Returns NULL on OOM. */
struct tw_volume *snap_builder_volume(struct snap_builder *b, const char *name, uint32_t pool);
/* Find a volume by exact name or NULL. */
struct tw_volume *snap_builder_find_volume(struct snap_builder *b, const char *name);
struct tw_array_info *snap_builder_info(struct snap_builder *b);
size_t snap_builder_npools(const struct snap_builder *b);
size_t snap_builder_nvolumes(const struct snap_builder *b);
struct tw_volume *snap_builder_volume_at(struct snap_builder *b, size_t i);
/* Finish: compute derived pool figures with thresholds from thr(name),
 * take ownership into a snapshot with refs = 1, and free the builder. */
typedef double (*snap_threshold_fn)(const void *ctx, const char *pool);
struct tw_snapshot *snap_builder_finish(struct snap_builder *b, snap_threshold_fn thr,
					const void *ctx, double poll_wall);

struct tw_snapshot *snap_ref(struct tw_snapshot *s);   /* NULL-safe */
void snap_unref(struct tw_snapshot *s);                /* NULL-safe; frees at 0 */

#endif
