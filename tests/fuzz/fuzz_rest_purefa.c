/* fuzz_rest_purefa.c: libFuzzer target for the Pure Storage FlashArray
 * driver's pure JSON mapping (rest_map.h: purefa_pick_version,
 * purefa_map_arrays, purefa_map_volumes, purefa_continuation,
 * purefa_error_text) behind the strict parser rj_parse.  The input is up to
 * three JSON bodies separated by NUL bytes, fed in the driver's order:
 * api_version, arrays, volumes page (one body is fed to all three).
 * Volumes go into the array's pool, or into a stand-in pool when the
 * arrays body was refused, so the volume mapping is always reached.
 * Invariants: a picked version is "2.N"; errors leave a message; volume
 * links point at real pools, names are unique, the exposition parses. */
#include "config.h"
#include "fuzz.h"

#include <string.h>

#include "rest_json.h"
#include "rest_map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *part[3];
	size_t plen[3], nparts;
	struct snap_builder *b = snap_builder_new("fuzz");
	struct tw_snapshot *s;
	uint32_t pool = TW_NO_POOL;

	if (!b)
		return 0;
	nparts = fuzz_split(data, size, 3, part, plen);
	for (size_t k = 0; k < 3; k++) {
		size_t i = nparts == 1 ? 0 : k;
		json_t *root = NULL;
		char msg[512], text[256], ver[16];
		const char *tok = NULL;
		tw_err e = TW_OK;
		int hn;

		if (i >= nparts)
			break;
		msg[0] = '\0';
		if (rj_parse((const char *)part[i], plen[i], &root, msg, sizeof msg) != TW_OK) {
			if (root)
				fuzz_fail("rj_parse failed but set *out");
			if (!msg[0])
				fuzz_fail("rj_parse failed without a message");
			continue;
		}
		if (k == 0) {
			e = purefa_pick_version(root, ver, sizeof ver, msg, sizeof msg);
			if (!e && (strncmp(ver, "2.", 2) || !memchr(ver, '\0', sizeof ver)))
				fuzz_fail("picked version '%.16s'", ver);
		} else if (k == 1) {
			uint32_t pl = TW_NO_POOL;
			e = purefa_map_arrays(root, b, &pl, msg, sizeof msg);
			if (!e) {
				if (pl >= snap_builder_npools(b))
					fuzz_fail("arrays gave pool %u of %zu", pl,
						  snap_builder_npools(b));
				pool = pl;
			}
		} else {
			if (pool == TW_NO_POOL && (pool = snap_builder_pool(b, "stand-in")) == TW_NO_POOL)
				e = TW_ERR_NOMEM;
			else
				e = purefa_map_volumes(root, b, pool, msg, sizeof msg);
		}
		if (e && e != TW_ERR_NOMEM && !msg[0])
			fuzz_fail("mapping %zu failed without a message", k);
		hn = purefa_continuation(root, &tok);
		if (hn == 1 && (!tok || !*tok))
			fuzz_fail("empty continuation token accepted");
		purefa_error_text(root, text, sizeof text);
		if (!memchr(text, '\0', sizeof text))
			fuzz_fail("error text not terminated");
		json_decref(root);
	}
	s = snap_builder_finish(b, fuzz_threshold, NULL, 1e9);
	if (s) {
		fuzz_check_snapshot(s);
		fuzz_render_and_check(s);
	}
	snap_unref(s);
	return 0;
}
