/* fuzz_snmprec.c: libFuzzer target for the simulator's recording loader
 * (src/sim/snmprec.c: snmpsim .snmprec and `snmpwalk -On` text) and the
 * table it fills (src/sim/simdata.c).  After loading and simdata_finish it
 * walks the whole table as an agent would: OIDs strictly increase, each
 * entry is found by its own OID, GETNEXT from an entry (with and without
 * the walk hint) lands on the next one, and every value reads back with a
 * length that fits its type. */
#include "config.h"
#include "fuzz.h"

#include <string.h>

#include "sim/simdata.h"
#include "sim/snmprec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct simdata *sd = simdata_new();
	char msg[512];
	size_t nrec = 0, ndups = 0, n, hint = SIMDATA_NONE;
	const uint32_t *prev = NULL;
	size_t prev_len = 0;
	static const uint32_t root[] = { 1 };
	tw_err e;

	if (!sd)
		return 0;
	msg[0] = '\0';
	e = snmprec_load_string("fuzz.snmprec", (const char *)data, size, sd, &nrec, msg,
				sizeof msg);
	if (!memchr(msg, '\0', sizeof msg))
		fuzz_fail("message not terminated");
	if (e) {
		simdata_free(sd);
		return 0;
	}
	if (simdata_finish(sd, &ndups) != TW_OK) {
		simdata_free(sd);
		return 0;
	}
	n = simdata_count(sd);
	if (n + ndups != nrec)
		fuzz_fail("%zu records loaded, %zu kept + %zu duplicates", nrec, n, ndups);
	for (size_t i = 0; i < n; i++) {
		const struct simdata_entry *en = simdata_entry(sd, i);
		size_t len, vlen, next;
		const uint32_t *oid = simdata_name(sd, i, &len);
		if (len < 1 || len > SIMDATA_MAX_OID)
			fuzz_fail("entry %zu: OID length %zu", i, len);
		if (prev && simdata_oid_cmp(prev, prev_len, oid, len) >= 0)
			fuzz_fail("entry %zu: OIDs not strictly increasing", i);
		if (simdata_find(sd, oid, len) != i)
			fuzz_fail("entry %zu: not found by its own OID", i);
		next = simdata_next(sd, oid, len, SIMDATA_NONE);
		if (next != (i + 1 < n ? i + 1 : SIMDATA_NONE))
			fuzz_fail("entry %zu: GETNEXT gives %zu", i, next);
		if (simdata_next(sd, oid, len, hint) != next)
			fuzz_fail("entry %zu: GETNEXT with hint differs", i);
		hint = i;
		switch (en->type) {
		case SIMDATA_OCTETS:
		case SIMDATA_OPAQUE:
		case SIMDATA_IPADDRESS:
			(void)simdata_bytes(sd, i, &vlen);
			if (en->type == SIMDATA_IPADDRESS && vlen != 4)
				fuzz_fail("entry %zu: IpAddress of %zu bytes", i, vlen);
			break;
		case SIMDATA_OID:
			(void)simdata_oid_value(sd, i, &vlen);
			if (vlen > SIMDATA_MAX_OID)
				fuzz_fail("entry %zu: OID value of %zu sub-ids", i, vlen);
			break;
		case SIMDATA_COUNTER32:
		case SIMDATA_GAUGE32:
		case SIMDATA_TIMETICKS:
			if (en->v.u > UINT32_MAX)
				fuzz_fail("entry %zu: 32-bit value %llu", i,
					  (unsigned long long)en->v.u);
			break;
		case SIMDATA_INTEGER:
			if (en->v.i < INT32_MIN || en->v.i > INT32_MAX)
				fuzz_fail("entry %zu: Integer32 value %lld", i, (long long)en->v.i);
			break;
		case SIMDATA_COUNTER64:
		case SIMDATA_NULL:
			break;
		default:
			fuzz_fail("entry %zu: type %u", i, en->type);
		}
		prev = oid;
		prev_len = len;
	}
	(void)simdata_after_subtree(sd, root, 1);
	(void)simdata_has_subtree(sd, root, 1);
	simdata_free(sd);
	return 0;
}
