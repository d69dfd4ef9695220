/* fuzz_profile_map.c: libFuzzer target for the profile engine's varbind
 * mapping (profile_map in src/profile.c), driven only through the public
 * API: the input is an optional profile and a byte stream from which a
 * walk_result is synthesized for that profile's fetch list.
 *
 * Input: PROFILE-YAML NUL WALK-BYTES, or just WALK-BYTES for the shipped
 * mibs/profiles/thinwatch.yml.  WALK-BYTES is a sequence of rows:
 *   u8 column (mod the number of fetch targets)
 *   for a table column: u8 index length (mod 5), then that many sub-ids
 *   u8 type: 1 + (t mod 7) = enum walk_vtype
 *   value: INT 4 bytes (signed), UINT 4, U64 8 (little endian);
 *          STR u8 length + bytes; OID u8 length (mod 20) + sub-ids
 * where a sub-id is one byte, or 0xff followed by 4 bytes.  Rows the
 * result refuses (index not increasing) are dropped, as the walker would
 * stop there.  After mapping: volume links point at real pools, pool and
 * volume names are unique, and the exposition of the snapshot parses. */
#include "config.h"
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "profile.h"
#include "snmp_walk.h"

struct rd {
	const uint8_t *p;
	size_t n;
};

static uint64_t rd_n(struct rd *r, size_t k)
{
	uint64_t v = 0;
	for (size_t i = 0; i < k; i++) {
		uint64_t b = 0;
		if (r->n) {
			b = *r->p++;
			r->n--;
		}
		v |= b << (8 * i);
	}
	return v;
}

static uint32_t rd_sub(struct rd *r)
{
	uint32_t s = (uint32_t)rd_n(r, 1);
	return s == 0xff ? (uint32_t)rd_n(r, 4) : s;
}

static struct profile *shipped;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *top = getenv("top_srcdir");
	char path[4096], msg[512];
	(void)argc;
	(void)argv;
	snprintf(path, sizeof path, "%s/mibs/profiles/thinwatch.yml", top && *top ? top : TW_SRCDIR);
	if (profile_load_file(path, &shipped, msg, sizeof msg) != TW_OK)
		fuzz_fail("cannot load the shipped profile: %s", msg);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile *own = NULL;
	const struct profile *p;
	const struct walk_target *t;
	struct walk_result *r = NULL;
	struct snap_builder *b = NULL;
	struct tw_snapshot *s;
	struct profile_stats st;
	const uint8_t *nul = memchr(data, 0, size);
	struct rd rd = { data, size };
	char msg[512];
	size_t nt;

	if (!shipped)
		LLVMFuzzerInitialize(NULL, NULL);
	p = shipped;
	if (nul) {
		if (profile_load_string("fuzz.yml", (const char *)data, (size_t)(nul - data), &own,
					msg, sizeof msg) != TW_OK)
			return 0;
		p = own;
		rd.p = nul + 1;
		rd.n = size - (size_t)(nul - data) - 1;
	}
	t = profile_targets(p, &nt);
	if (!(r = walk_result_new(100000, 16 << 20)) || !(b = snap_builder_new("fuzz")))
		goto out;
	for (size_t i = 0; i < nt; i++) {
		size_t idx;
		if (walk_result_add_column(r, t[i].oid, t[i].len, &idx) != TW_OK)
			goto out;
	}
	while (nt && rd.n) {
		uint32_t idx[8], oid[24];
		size_t c = (size_t)rd_n(&rd, 1) % nt, ilen = 0, dlen = 0;
		enum walk_vtype type;
		uint64_t num = 0;
		unsigned char str[256];
		const void *dp = NULL;

		if (t[c].kind == WALK_SUBTREE) {
			ilen = (size_t)rd_n(&rd, 1) % 5;
			for (size_t i = 0; i < ilen; i++)
				idx[i] = rd_sub(&rd);
		}
		type = (enum walk_vtype)(1 + rd_n(&rd, 1) % 7);
		switch (type) {
		case WV_INT:
			num = (uint64_t)(int64_t)(int32_t)(uint32_t)rd_n(&rd, 4);
			break;
		case WV_UINT:
			num = rd_n(&rd, 4);
			break;
		case WV_U64:
			num = rd_n(&rd, 8);
			break;
		case WV_STR:
			dlen = (size_t)rd_n(&rd, 1);
			for (size_t i = 0; i < dlen; i++)
				str[i] = (unsigned char)rd_n(&rd, 1);
			dp = str;
			break;
		case WV_OID:
			dlen = (size_t)rd_n(&rd, 1) % 20;
			for (size_t i = 0; i < dlen; i++)
				oid[i] = rd_sub(&rd);
			dp = oid;
			break;
		default:
			break;
		}
		(void)walk_result_append(r, c, idx, ilen, type, 0, num, dp, dlen);
	}
	memset(&st, 0, sizeof st);
	msg[0] = '\0';
	if (profile_map(p, r, b, &st, msg, sizeof msg) != TW_OK)
		goto out; /* TW_ERR_NOMEM only */
	if (!memchr(st.note, '\0', sizeof st.note))
		fuzz_fail("stats note not terminated");
	/* (st.pools counts pool-table rows; name_prefix pools come on top) */
	if (st.pools > snap_builder_npools(b) || st.volumes != snap_builder_nvolumes(b))
		fuzz_fail("stats say %zu pools %zu volumes, the builder has %zu and %zu", st.pools,
			  st.volumes, snap_builder_npools(b), snap_builder_nvolumes(b));
	s = snap_builder_finish(b, fuzz_threshold, NULL, 1e9);
	b = NULL;
	if (s) {
		fuzz_check_snapshot(s);
		fuzz_render_and_check(s);
	}
	snap_unref(s);
out:
	snap_builder_free(b);
	walk_result_free(r);
	profile_free(own);
	return 0;
}
