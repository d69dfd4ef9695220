/* fuzz_profile.c: libFuzzer target for the SNMP profile loader
 * (src/profile.c, profile_load_string).  A loaded profile must give a
 * non-empty, well-formed fetch list (OIDs of 1..WALK_OID_MAX sub-ids),
 * accessors that never return NULL, and an answer from profile_matches for
 * a few sysObjectID / sysDescr pairs; mapping an empty walk result must
 * succeed and produce an exposition that parses.  fuzz_profile_map.c fuzzes
 * the mapping itself. */
#include "config.h"
#include "fuzz.h"

#include <string.h>

#include "model.h"
#include "profile.h"
#include "snmp_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t net_snmp[] = { 1, 3, 6, 1, 4, 1, 8072, 3, 2, 10 };
	static const uint32_t tw[] = { 1, 3, 6, 1, 4, 1, 424242, 3, 1 };
	struct profile *p = NULL;
	const struct walk_target *t;
	struct walk_result *r;
	struct snap_builder *b;
	char msg[512];
	size_t n;
	tw_err e;

	msg[0] = '\0';
	e = profile_load_string("fuzz.yml", (const char *)data, size, &p, msg, sizeof msg);
	if (!memchr(msg, '\0', sizeof msg))
		fuzz_fail("message not terminated");
	if (e) {
		if (p)
			fuzz_fail("load failed but set *out");
		return 0;
	}
	if (!profile_name(p) || !profile_file(p) || !profile_description(p))
		fuzz_fail("NULL accessor");
	t = profile_targets(p, &n);
	for (size_t i = 0; i < n; i++) {
		if (t[i].len < 1 || t[i].len > WALK_OID_MAX)
			fuzz_fail("target %zu: OID of %zu sub-ids", i, t[i].len);
		if (t[i].kind != WALK_GET && t[i].kind != WALK_SUBTREE)
			fuzz_fail("target %zu: kind %d", i, (int)t[i].kind);
	}
	(void)profile_has_match(p);
	(void)profile_matches(p, net_snmp, TW_ARRAY_LEN(net_snmp), "Linux box 6.1 NetApp");
	(void)profile_matches(p, tw, TW_ARRAY_LEN(tw), NULL);
	(void)profile_matches(p, NULL, 0, "");

	r = walk_result_new(0, 0);
	b = snap_builder_new("fuzz");
	if (r && b) {
		for (size_t i = 0; i < n; i++) {
			size_t idx;
			(void)walk_result_add_column(r, t[i].oid, t[i].len, &idx);
		}
		if (profile_map(p, r, b, NULL, msg, sizeof msg) != TW_OK)
			fuzz_fail("mapping an empty walk failed: %s", msg);
		{
			struct tw_snapshot *s = snap_builder_finish(b, fuzz_threshold, NULL, 1e9);
			b = NULL;
			fuzz_render_and_check(s);
			snap_unref(s);
		}
	}
	snap_builder_free(b);
	walk_result_free(r);
	profile_free(p);
	return 0;
}
