/* simdata.h: an SNMP-shaped table of (OID, type, value) entries sorted by OID,
 * the one data structure behind every simulated SNMP agent: GET is a binary
 * search, GETNEXT a binary search (or O(1) when the request continues a walk,
 * via a hint), so a 50,000-row table costs no more per request than a small
 * one.  Built by appending entries in any order, then simdata_finish() sorts
 * them (stable; for a duplicate OID the first added wins).  After that the
 * set of OIDs is frozen but numeric values may be updated in place (growth).
 *
 * Knows no SNMP library: types are BER tags (the same numbers as net-snmp's
 * ASN_*), sub-identifiers are uint32_t as SMI defines them; OIDs and byte
 * values live in two arenas so a big table is a few large allocations. */
#ifndef TW_SIM_SIMDATA_H
#define TW_SIM_SIMDATA_H

#include <stddef.h>
#include <stdint.h>
#include "tw.h"

enum simdata_type {
	SIMDATA_INTEGER = 0x02,    /* Integer32 (value in .i) */
	SIMDATA_OCTETS = 0x04,     /* OCTET STRING (bytes) */
	SIMDATA_NULL = 0x05,
	SIMDATA_OID = 0x06,        /* OBJECT IDENTIFIER (sub-ids) */
	SIMDATA_IPADDRESS = 0x40,  /* 4 bytes */
	SIMDATA_COUNTER32 = 0x41,  /* value in .u */
	SIMDATA_GAUGE32 = 0x42,
	SIMDATA_TIMETICKS = 0x43,
	SIMDATA_OPAQUE = 0x44,     /* bytes */
	SIMDATA_COUNTER64 = 0x46
};

#define SIMDATA_MAX_OID 128        /* sub-identifiers, as net-snmp's MAX_OID_LEN */
#define SIMDATA_NONE ((size_t)-1)  /* "no entry" from the lookups */

struct simdata_entry {
	uint32_t oid_off;  /* name: sub-ids at this offset in the OID arena */
	uint8_t oid_len;
	uint8_t type;      /* enum simdata_type */
	uint32_t len;      /* bytes or OID value: length */
	union {
		uint64_t u;    /* COUNTER32 GAUGE32 TIMETICKS COUNTER64 */
		int64_t i;     /* INTEGER */
		uint64_t off;  /* bytes / OID value: offset in its arena */
	} v;
};

struct simdata;

struct simdata *simdata_new(void);     /* NULL on OOM */
void simdata_free(struct simdata *sd); /* NULL-safe */

/* Appending (before simdata_finish).  OIDs have 1..SIMDATA_MAX_OID sub-ids.
 * TW_ERR_INVALID_DATA for a bad OID, type or length; TW_ERR_NOMEM. */
tw_err simdata_add_int(struct simdata *sd, const uint32_t *oid, size_t len, int64_t v);
tw_err simdata_add_uint(struct simdata *sd, const uint32_t *oid, size_t len,
			enum simdata_type t, uint64_t v);
tw_err simdata_add_bytes(struct simdata *sd, const uint32_t *oid, size_t len,
			 enum simdata_type t, const void *p, size_t n);
tw_err simdata_add_oid(struct simdata *sd, const uint32_t *oid, size_t len,
		       const uint32_t *val, size_t vlen);
tw_err simdata_add_null(struct simdata *sd, const uint32_t *oid, size_t len);

/* Sort and drop duplicate OIDs (keeping the first added); *ndups (if not
 * NULL) receives how many were dropped.  Cheap when already sorted. */
tw_err simdata_finish(struct simdata *sd, size_t *ndups);

size_t simdata_count(const struct simdata *sd);
const struct simdata_entry *simdata_entry(const struct simdata *sd, size_t i);
const uint32_t *simdata_name(const struct simdata *sd, size_t i, size_t *len);
const unsigned char *simdata_bytes(const struct simdata *sd, size_t i, size_t *len);
const uint32_t *simdata_oid_value(const struct simdata *sd, size_t i, size_t *len);
/* Replace the value of a COUNTER32/GAUGE32/TIMETICKS/COUNTER64 entry. */
void simdata_set_uint(struct simdata *sd, size_t i, uint64_t v);

/* Lookups (after simdata_finish); all O(log n). */
size_t simdata_find(const struct simdata *sd, const uint32_t *oid, size_t len);
/* First entry with OID strictly greater than oid.  hint: the index this
 * function returned for the previous request of a walk (or SIMDATA_NONE);
 * when oid is that entry's OID the answer is hint + 1 at O(1). */
size_t simdata_next(const struct simdata *sd, const uint32_t *oid, size_t len, size_t hint);
/* First entry that neither equals nor lies under prefix (is greater than the
 * whole subtree). */
size_t simdata_after_subtree(const struct simdata *sd, const uint32_t *prefix, size_t len);
/* 1 if some entry lies strictly under prefix (prefix is an object with instances). */
int simdata_has_subtree(const struct simdata *sd, const uint32_t *prefix, size_t len);

/* Lexicographic OID order (SNMP order): <0, 0, >0. */
int simdata_oid_cmp(const uint32_t *a, size_t alen, const uint32_t *b, size_t blen);
/* Parse "1.3.6.1" or ".1.3.6.1" into out (at most max sub-ids). 0 on success. */
int simdata_oid_parse(const char *s, size_t n, uint32_t *out, size_t max, size_t *len);

#endif
