/* fuzz_rest_ontap.c: libFuzzer target for the NetApp ONTAP driver's pure
 * JSON mapping (rest_map.h: ontap_map_cluster, ontap_map_aggregates,
 * ontap_map_volumes, ontap_next_href, ontap_error_text) behind the strict
 * parser rj_parse (src/rest_json.c).  The input is up to three JSON bodies
 * separated by NUL bytes, fed in the driver's order: cluster, aggregates
 * page, volumes page (one body is fed to all three).  Invariants: a
 * mapping error leaves a message; a next-page link, when accepted, is a
 * relative path; error texts are terminated; volume links point at real
 * pools, names are unique, and the exposition of the result parses. */
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
	int failed = 0;

	if (!b)
		return 0;
	nparts = fuzz_split(data, size, 3, part, plen);
	for (size_t k = 0; k < 3 && !failed; k++) {
		size_t i = nparts == 1 ? 0 : k;
		json_t *root = NULL;
		char msg[512], text[256];
		const char *href = NULL;
		tw_err e;
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
		e = k == 0 ? ontap_map_cluster(root, b, msg, sizeof msg)
		  : k == 1 ? ontap_map_aggregates(root, b, msg, sizeof msg)
			   : ontap_map_volumes(root, b, msg, sizeof msg);
		if (e && e != TW_ERR_NOMEM && !msg[0])
			fuzz_fail("mapping %zu failed without a message", k);
		if (e && nparts > 1)
			failed = 1; /* the driver stops at the first bad page */
		hn = ontap_next_href(root, &href);
		if (hn == 1 && (!href || href[0] != '/' || href[1] == '/'))
			fuzz_fail("next href accepted that leaves the API: %s", href ? href : "(null)");
		ontap_error_text(root, text, sizeof text);
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
