/* model.c: snapshot builder and reference-counted immutable snapshots.
 * The builder indexes pools and volumes by name with small open-addressing
 * hash tables, so building a 50,000-volume snapshot is linear. */
#include "config.h"
#include "model.h"
#include "prom.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct name_index {
	uint32_t *slots;  /* index+1, 0 = empty */
	size_t nslots;    /* power of two */
};

struct snap_builder {
	struct tw_snapshot *s;
	size_t pools_alloc, vols_alloc;
	struct name_index pidx, vidx;
};

static uint64_t hash_str(const char *s)
{
	return tw_fnv1a(TW_FNV1A_INIT, s, strlen(s));
}

static int index_grow(struct name_index *ix, size_t count, const char *(*name_of)(void *, uint32_t),
		      void *ctx)
{
	size_t n = ix->nslots ? ix->nslots * 2 : 64;
	uint32_t *s;
	while (n < count * 2)
		n *= 2;
	s = calloc(n, sizeof *s);
	if (!s)
		return -1;
	for (uint32_t i = 0; i < count; i++) {
		size_t h = (size_t)hash_str(name_of(ctx, i)) & (n - 1);
		while (s[h])
			h = (h + 1) & (n - 1);
		s[h] = i + 1;
	}
	free(ix->slots);
	ix->slots = s;
	ix->nslots = n;
	return 0;
}

/* Find name; returns index or UINT32_MAX; *slot receives the empty slot to use. */
static uint32_t index_find(const struct name_index *ix, const char *name,
			   const char *(*name_of)(void *, uint32_t), void *ctx, size_t *slot)
{
	size_t h;
	if (!ix->nslots)
		return UINT32_MAX;
	h = (size_t)hash_str(name) & (ix->nslots - 1);
	while (ix->slots[h]) {
		uint32_t i = ix->slots[h] - 1;
		if (strcmp(name_of(ctx, i), name) == 0)
			return i;
		h = (h + 1) & (ix->nslots - 1);
	}
	if (slot)
		*slot = h;
	return UINT32_MAX;
}

static const char *pool_name_of(void *ctx, uint32_t i)
{
	return ((struct tw_snapshot *)ctx)->pools[i].name;
}

static const char *vol_name_of(void *ctx, uint32_t i)
{
	return ((struct tw_snapshot *)ctx)->volumes[i].name;
}

struct snap_builder *snap_builder_new(const char *array)
{
	struct snap_builder *b = calloc(1, sizeof *b);
	if (!b)
		return NULL;
	b->s = calloc(1, sizeof *b->s);
	if (!b->s || !(b->s->array = tw_strdup(array))) {
		snap_builder_free(b);
		return NULL;
	}
	b->s->refs = 1;
	return b;
}

static void snapshot_destroy(struct tw_snapshot *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->npools; i++)
		free(s->pools[i].name);
	for (size_t i = 0; i < s->nvolumes; i++) {
		free(s->volumes[i].name);
		free(s->volumes[i].wwn);
	}
	free(s->pools);
	free(s->volumes);
	free(s->info.vendor);
	free(s->info.model);
	free(s->info.serial);
	free(s->info.version);
	free(s->info.profile);
	free(s->info.limitations);
	for (size_t i = 0; i < s->nfrag; i++)
		free(s->frag[i]);
	free(s->frag);
	free(s->frag_len);
	free(s->array);
	free(s);
}

void snap_builder_free(struct snap_builder *b)
{
	if (!b)
		return;
	snapshot_destroy(b->s);
	free(b->pidx.slots);
	free(b->vidx.slots);
	free(b);
}

uint32_t snap_builder_pool(struct snap_builder *b, const char *name)
{
	struct tw_snapshot *s = b->s;
	size_t slot = 0;
	uint32_t i = index_find(&b->pidx, name, pool_name_of, s, &slot);
	if (i != UINT32_MAX)
		return i;
	if (s->npools >= UINT32_MAX - 1)
		return TW_NO_POOL;
	if (s->npools == b->pools_alloc) {
		size_t n = b->pools_alloc ? b->pools_alloc * 2 : 8;
		struct tw_pool *p = realloc(s->pools, n * sizeof *p);
		if (!p)
			return TW_NO_POOL;
		s->pools = p;
		b->pools_alloc = n;
	}
	i = (uint32_t)s->npools;
	memset(&s->pools[i], 0, sizeof s->pools[i]);
	if (!(s->pools[i].name = tw_strdup(name)))
		return TW_NO_POOL;
	s->npools++;
	if ((s->npools * 2 > b->pidx.nslots)) {
		if (index_grow(&b->pidx, s->npools, pool_name_of, s)) {
			free(s->pools[i].name);
			s->npools--;
			return TW_NO_POOL;
		}
	} else {
		b->pidx.slots[slot] = i + 1;
	}
	return i;
}

struct tw_pool *snap_builder_pool_at(struct snap_builder *b, uint32_t idx)
{
	return idx < b->s->npools ? &b->s->pools[idx] : NULL;
}

struct tw_volume *snap_builder_find_volume(struct snap_builder *b, const char *name)
{
	uint32_t i = index_find(&b->vidx, name, vol_name_of, b->s, NULL);
	return i == UINT32_MAX ? NULL : &b->s->volumes[i];
}

struct tw_volume *snap_builder_volume(struct snap_builder *b, const char *name, uint32_t pool)
{
	struct tw_snapshot *s = b->s;
	size_t slot = 0;
	uint32_t i = index_find(&b->vidx, name, vol_name_of, s, &slot);
	struct tw_volume *v;
	if (i != UINT32_MAX) {
		/* Same name twice: keep names unique by suffixing the row number. */
		char alt[64];
		size_t len = strlen(name);
		char *tmp = malloc(len + sizeof alt);
		struct tw_volume *r;
		if (!tmp)
			return NULL;
		snprintf(alt, sizeof alt, "#%zu", s->nvolumes + 1);
		memcpy(tmp, name, len);
		memcpy(tmp + len, alt, strlen(alt) + 1);
		r = snap_builder_volume(b, tmp, pool);
		free(tmp);
		return r;
	}
	if (s->nvolumes == b->vols_alloc) {
		size_t n = b->vols_alloc ? b->vols_alloc * 2 : 16;
		struct tw_volume *p = realloc(s->volumes, n * sizeof *p);
		if (!p)
			return NULL;
		s->volumes = p;
		b->vols_alloc = n;
	}
	i = (uint32_t)s->nvolumes;
	v = &s->volumes[i];
	memset(v, 0, sizeof *v);
	v->pool = pool;
	if (!(v->name = tw_strdup(name)))
		return NULL;
	s->nvolumes++;
	if (s->nvolumes * 2 > b->vidx.nslots) {
		if (index_grow(&b->vidx, s->nvolumes, vol_name_of, s)) {
			free(v->name);
			s->nvolumes--;
			return NULL;
		}
	} else {
		b->vidx.slots[slot] = i + 1;
	}
	return v;
}

struct tw_array_info *snap_builder_info(struct snap_builder *b)
{
	return &b->s->info;
}

size_t snap_builder_npools(const struct snap_builder *b)
{
	return b->s->npools;
}

size_t snap_builder_nvolumes(const struct snap_builder *b)
{
	return b->s->nvolumes;
}

struct tw_volume *snap_builder_volume_at(struct snap_builder *b, size_t i)
{
	return i < b->s->nvolumes ? &b->s->volumes[i] : NULL;
}

struct tw_snapshot *snap_builder_finish(struct snap_builder *b, snap_threshold_fn thr,
					const void *ctx, double poll_wall)
{
	struct tw_snapshot *s = b->s;
	for (size_t i = 0; i < s->npools; i++) {
		tw_pool_figures_init(&s->pools[i].fig);
		s->pools[i].threshold = thr ? thr(ctx, s->pools[i].name) : 1.0;
		s->pools[i].growth = NAN;
		s->pools[i].time_to_full = NAN;
	}
	for (size_t i = 0; i < s->nvolumes; i++) {
		const struct tw_volume *v = &s->volumes[i];
		struct tw_cap_volume cv;
		if (v->pool >= s->npools || (v->flags & TW_NESTED))
			continue;
		cv.provisioned = v->provisioned;
		cv.consumed = v->consumed;
		cv.thin = v->thin;
		cv.valid = (v->flags & TW_HAS_PROVISIONED) != 0;
		if (cv.thin && !(v->flags & TW_HAS_CONSUMED))
			cv.thin = 0; /* cannot tell what is unbacked */
		tw_pool_figures_add(&s->pools[v->pool].fig, &cv);
	}
	for (size_t i = 0; i < s->npools; i++) {
		struct tw_pool *p = &s->pools[i];
		tw_pool_figures_finish(&p->fig, p->capacity, (p->flags & TW_HAS_CAPACITY) != 0,
				       p->free, (p->flags & TW_HAS_FREE) != 0,
				       p->reported_provisioned,
				       (p->flags & TW_HAS_PROVISIONED) != 0, p->threshold);
	}
	s->poll_wall = poll_wall;
	b->s = NULL;
	snap_builder_free(b);
	if (prom_render_snapshot(s) != TW_OK) {
		snapshot_destroy(s);
		return NULL;
	}
	return s;
}

struct tw_snapshot *snap_ref(struct tw_snapshot *s)
{
	if (s)
		__atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
	return s;
}

void snap_unref(struct tw_snapshot *s)
{
	if (s && __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) == 0)
		snapshot_destroy(s);
}
