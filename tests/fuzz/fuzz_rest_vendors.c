/* fuzz_rest_vendors.c: libFuzzer target for the JSON mappings of the REST
 * drivers that have no target of their own (rest_map.h): HPE 3PAR/Primera,
 * Huawei OceanStor, Dell PowerStore, IBM Spectrum Virtualize and Dell Unity.
 * Input: one byte choosing the driver (mod 5), then up to five bodies
 * separated by NUL bytes, fed to that driver's mappers in the order its
 * poll runs them (one body is fed to all of them):
 *   0 hpe3par    system, cpgs, spacereport (first pool), volumes
 *   1 oceanstor  system (sector size), storagepool pages, lun pages
 *   2 powerstore cluster, appliances, space (first appliance), volumes;
 *                each body also as a Content-Range header
 *   3 ibmsv      system, pools, vdisks, vdisk copies, SE copies
 *   4 unity      system, pools, luns
 * plus each driver's error-text helper on every body.  A mapper that
 * fails must say why; the snapshot of whatever was mapped keeps the model
 * invariants (volume links, unique names) and renders a valid exposition. */
#include "config.h"
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "rest_json.h"
#include "rest_map.h"

#define MAXPARTS 5

/* Pool index to hand a mapper that needs one: the first pool, else a new one. */
static uint32_t some_pool(struct snap_builder *b)
{
	return snap_builder_npools(b) ? 0 : snap_builder_pool(b, "stand-in");
}

static void check_range(const char *text)
{
	uint64_t first, last, total;
	if (!powerstore_content_range(text, &first, &last, &total) &&
	    (first > last || last >= total))
		fuzz_fail("powerstore: Content-Range %llu-%llu/%llu accepted",
			  (unsigned long long)first, (unsigned long long)last,
			  (unsigned long long)total);
}

static tw_err map_one(unsigned drv, size_t k, const json_t *root, struct snap_builder *b,
		      struct rj_idmap *ids, uint64_t *sector, char *msg, size_t msglen)
{
	size_t rows = 0;
	uint32_t pool;
	switch (drv) {
	case 0:
		switch (k) {
		case 0: return hpe3par_map_system(root, b, msg, msglen);
		case 1: return hpe3par_map_cpgs(root, b, msg, msglen);
		case 2:
			if ((pool = some_pool(b)) == TW_NO_POOL)
				return TW_ERR_NOMEM;
			return hpe3par_map_spacereport(root, b, pool, msg, msglen);
		case 3: return hpe3par_map_volumes(root, b, msg, msglen);
		}
		break;
	case 1:
		switch (k) {
		case 0: {
			uint64_t s = 0;
			tw_err e = oceanstor_map_system(root, b, &s, msg, msglen);
			if (!e) {
				if (!s)
					fuzz_fail("oceanstor: sector size 0 accepted");
				*sector = s;
			}
			return e;
		}
		case 1: return oceanstor_map_pools(root, b, *sector, &rows, msg, msglen);
		case 2: return oceanstor_map_luns(root, b, *sector, &rows, msg, msglen);
		}
		break;
	case 2:
		switch (k) {
		case 0: return powerstore_map_cluster(root, b, msg, msglen);
		case 1: return powerstore_map_appliances(root, b, ids, msg, msglen);
		case 2:
			pool = ids->n ? ids->pools[0] : some_pool(b);
			if (pool == TW_NO_POOL)
				return TW_ERR_NOMEM;
			if (pool >= snap_builder_npools(b))
				fuzz_fail("powerstore: appliance id maps to pool %u of %zu", pool,
					  snap_builder_npools(b));
			return powerstore_map_space(root, b, pool, msg, msglen);
		case 3: return powerstore_map_volumes(root, b, ids, msg, msglen);
		}
		break;
	case 3:
		switch (k) {
		case 0: return ibmsv_map_system(root, b, msg, msglen);
		case 1: return ibmsv_map_pools(root, b, msg, msglen);
		case 2: return ibmsv_map_vdisks(root, b, msg, msglen);
		case 3: return ibmsv_map_copies(root, b, msg, msglen);
		case 4: return ibmsv_map_secopies(root, b, msg, msglen);
		}
		break;
	case 4:
		switch (k) {
		case 0: return unity_map_system(root, b, msg, msglen);
		case 1: return unity_map_pools(root, b, ids, msg, msglen);
		case 2: return unity_map_luns(root, b, ids, msg, msglen);
		}
		break;
	}
	return TW_OK;
}

static void error_text(unsigned drv, const json_t *root, const char *text, size_t len)
{
	char out[256];
	int64_t code;
	memset(out, 'x', sizeof out);
	switch (drv) {
	case 0: hpe3par_error_text(root, out, sizeof out); break;
	case 1:
		(void)oceanstor_error_code(root, &code);
		oceanstor_error_text(root, out, sizeof out);
		break;
	case 2: powerstore_error_text(root, out, sizeof out); break;
	case 3: ibmsv_error_text(text, len, out, sizeof out); break;
	case 4:
		(void)unity_has_next(root);
		unity_error_text(root, out, sizeof out);
		break;
	}
	if (!memchr(out, '\0', sizeof out))
		fuzz_fail("driver %u: error text not terminated", drv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t nsteps[] = { 4, 3, 4, 5, 3 };
	const uint8_t *part[MAXPARTS];
	size_t plen[MAXPARTS], nparts;
	struct rj_idmap ids = { NULL, NULL, 0, 0 };
	struct snap_builder *b;
	struct tw_snapshot *s;
	uint64_t sector = 512;
	unsigned drv;

	if (size < 1)
		return 0;
	drv = data[0] % 5u;
	nparts = fuzz_split(data + 1, size - 1, nsteps[drv], part, plen);
	if (!(b = snap_builder_new("fuzz")))
		return 0;
	for (size_t k = 0; k < nsteps[drv]; k++) {
		size_t i = nparts == 1 ? 0 : k;
		json_t *root = NULL;
		char msg[512], *text;
		tw_err e;

		if (i >= nparts)
			break;
		if (!(text = malloc(plen[i] + 1)))
			break;
		memcpy(text, part[i], plen[i]);
		text[plen[i]] = '\0';
		if (drv == 2)
			check_range(text);
		msg[0] = '\0';
		if (rj_parse(text, plen[i], &root, msg, sizeof msg) != TW_OK) {
			if (root)
				fuzz_fail("rj_parse failed but set *out");
			if (!msg[0])
				fuzz_fail("rj_parse failed without a message");
			if (drv == 3)
				error_text(drv, NULL, text, plen[i]);
			free(text);
			continue;
		}
		msg[0] = '\0';
		e = map_one(drv, k, root, b, &ids, &sector, msg, sizeof msg);
		if (e && e != TW_ERR_NOMEM && !msg[0])
			fuzz_fail("driver %u step %zu failed without a message", drv, k);
		error_text(drv, root, text, plen[i]);
		json_decref(root);
		free(text);
	}
	rj_idmap_clear(&ids);
	s = snap_builder_finish(b, fuzz_threshold, NULL, 1e9);
	if (s) {
		fuzz_check_snapshot(s);
		fuzz_render_and_check(s);
	}
	snap_unref(s);
	return 0;
}
