/* simdata.c: the sorted OID table behind the simulated SNMP agents (see
 * simdata.h).  Entries are fixed-size records pointing into two arenas (OID
 * sub-ids, value bytes); finish() merge-sorts them stably by OID. */
#include "config.h"
#include "sim/simdata.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct simdata {
	struct simdata_entry *e;
	size_t n, alloc;
	uint32_t *ids;           /* OID arena: names and OID values */
	size_t nids, ids_alloc;
	unsigned char *bytes;    /* byte arena: OCTET STRING, IpAddress, Opaque */
	size_t nbytes, bytes_alloc;
};

struct simdata *simdata_new(void)
{
	return calloc(1, sizeof(struct simdata));
}

void simdata_free(struct simdata *sd)
{
	if (!sd)
		return;
	free(sd->e);
	free(sd->ids);
	free(sd->bytes);
	free(sd);
}

static int grow(void **p, size_t *alloc, size_t need, size_t elsize)
{
	size_t na = *alloc ? *alloc : 64;
	void *np;
	if (need <= *alloc)
		return 0;
	while (na < need) {
		if (na > SIZE_MAX / 2 / elsize)
			return -1;
		na *= 2;
	}
	np = realloc(*p, na * elsize);
	if (!np)
		return -1;
	*p = np;
	*alloc = na;
	return 0;
}

/* Append an entry named oid; returns it (value unset) or NULL. */
static struct simdata_entry *append(struct simdata *sd, const uint32_t *oid, size_t len,
				    enum simdata_type t, tw_err *err)
{
	struct simdata_entry *en;

	if (len < 1 || len > SIMDATA_MAX_OID || sd->nids > UINT32_MAX - len) {
		*err = TW_ERR_INVALID_DATA;
		return NULL;
	}
	if (grow((void **)&sd->e, &sd->alloc, sd->n + 1, sizeof *sd->e) ||
	    grow((void **)&sd->ids, &sd->ids_alloc, sd->nids + len, sizeof *sd->ids)) {
		*err = TW_ERR_NOMEM;
		return NULL;
	}
	en = &sd->e[sd->n++];
	memset(en, 0, sizeof *en);
	en->oid_off = (uint32_t)sd->nids;
	en->oid_len = (uint8_t)len;
	en->type = (uint8_t)t;
	memcpy(sd->ids + sd->nids, oid, len * sizeof *oid);
	sd->nids += len;
	*err = TW_OK;
	return en;
}

tw_err simdata_add_int(struct simdata *sd, const uint32_t *oid, size_t len, int64_t v)
{
	tw_err e;
	struct simdata_entry *en;
	if (v < INT32_MIN || v > INT32_MAX)
		return TW_ERR_INVALID_DATA;
	if (!(en = append(sd, oid, len, SIMDATA_INTEGER, &e)))
		return e;
	en->v.i = v;
	return TW_OK;
}

tw_err simdata_add_uint(struct simdata *sd, const uint32_t *oid, size_t len,
			enum simdata_type t, uint64_t v)
{
	tw_err e;
	struct simdata_entry *en;
	switch (t) {
	case SIMDATA_COUNTER32:
	case SIMDATA_GAUGE32:
	case SIMDATA_TIMETICKS:
		if (v > UINT32_MAX)
			return TW_ERR_INVALID_DATA;
		break;
	case SIMDATA_COUNTER64:
		break;
	default:
		return TW_ERR_INVALID_DATA;
	}
	if (!(en = append(sd, oid, len, t, &e)))
		return e;
	en->v.u = v;
	return TW_OK;
}

tw_err simdata_add_bytes(struct simdata *sd, const uint32_t *oid, size_t len,
			 enum simdata_type t, const void *p, size_t n)
{
	tw_err e;
	struct simdata_entry *en;
	if ((t != SIMDATA_OCTETS && t != SIMDATA_OPAQUE && t != SIMDATA_IPADDRESS) ||
	    (t == SIMDATA_IPADDRESS && n != 4) || n > 65535)
		return TW_ERR_INVALID_DATA;
	if (grow((void **)&sd->bytes, &sd->bytes_alloc, sd->nbytes + n + 1, 1))
		return TW_ERR_NOMEM;
	if (!(en = append(sd, oid, len, t, &e)))
		return e;
	en->v.off = sd->nbytes;
	en->len = (uint32_t)n;
	if (n)
		memcpy(sd->bytes + sd->nbytes, p, n);
	sd->nbytes += n;
	return TW_OK;
}

tw_err simdata_add_oid(struct simdata *sd, const uint32_t *oid, size_t len,
		       const uint32_t *val, size_t vlen)
{
	tw_err e;
	struct simdata_entry *en;
	if (vlen > SIMDATA_MAX_OID)
		return TW_ERR_INVALID_DATA;
	if (!(en = append(sd, oid, len, SIMDATA_OID, &e)))
		return e;
	if (grow((void **)&sd->ids, &sd->ids_alloc, sd->nids + vlen, sizeof *sd->ids)) {
		sd->n--; /* drop the half-made entry */
		sd->nids -= len;
		return TW_ERR_NOMEM;
	}
	en->v.off = sd->nids;
	en->len = (uint32_t)vlen;
	if (vlen)
		memcpy(sd->ids + sd->nids, val, vlen * sizeof *val);
	sd->nids += vlen;
	return TW_OK;
}

tw_err simdata_add_null(struct simdata *sd, const uint32_t *oid, size_t len)
{
	tw_err e;
	return append(sd, oid, len, SIMDATA_NULL, &e) ? TW_OK : e;
}

int simdata_oid_cmp(const uint32_t *a, size_t alen, const uint32_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

static int cmp_entry_oid(const struct simdata *sd, const struct simdata_entry *en,
			 const uint32_t *oid, size_t len)
{
	return simdata_oid_cmp(sd->ids + en->oid_off, en->oid_len, oid, len);
}

/* Stable merge sort of sd->e by name (qsort has no context argument). */
static void merge_sort(const struct simdata *sd, struct simdata_entry *a,
		       struct simdata_entry *tmp, size_t n)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;
	if (n < 2)
		return;
	merge_sort(sd, a, tmp, mid);
	merge_sort(sd, a + mid, tmp, n - mid);
	if (cmp_entry_oid(sd, &a[mid - 1], sd->ids + a[mid].oid_off, a[mid].oid_len) <= 0)
		return; /* halves already in order */
	while (i < mid && j < n) {
		if (cmp_entry_oid(sd, &a[j], sd->ids + a[i].oid_off, a[i].oid_len) < 0)
			tmp[k++] = a[j++];
		else
			tmp[k++] = a[i++];
	}
	while (i < mid)
		tmp[k++] = a[i++];
	while (j < n)
		tmp[k++] = a[j++];
	memcpy(a, tmp, n * sizeof *a);
}

tw_err simdata_finish(struct simdata *sd, size_t *ndups)
{
	size_t out = 0, dups = 0;
	int sorted = 1;

	for (size_t i = 1; i < sd->n && sorted; i++)
		if (cmp_entry_oid(sd, &sd->e[i - 1], sd->ids + sd->e[i].oid_off, sd->e[i].oid_len) >= 0)
			sorted = 0;
	if (!sorted) {
		struct simdata_entry *tmp = malloc(sd->n * sizeof *tmp);
		if (!tmp)
			return TW_ERR_NOMEM;
		merge_sort(sd, sd->e, tmp, sd->n);
		free(tmp);
		for (size_t i = 0; i < sd->n; i++) {
			if (out && cmp_entry_oid(sd, &sd->e[out - 1], sd->ids + sd->e[i].oid_off,
						 sd->e[i].oid_len) == 0) {
				dups++;
				continue;
			}
			sd->e[out++] = sd->e[i];
		}
		sd->n = out;
	}
	if (ndups)
		*ndups = dups;
	return TW_OK;
}

size_t simdata_count(const struct simdata *sd)
{
	return sd->n;
}

const struct simdata_entry *simdata_entry(const struct simdata *sd, size_t i)
{
	return &sd->e[i];
}

const uint32_t *simdata_name(const struct simdata *sd, size_t i, size_t *len)
{
	*len = sd->e[i].oid_len;
	return sd->ids + sd->e[i].oid_off;
}

const unsigned char *simdata_bytes(const struct simdata *sd, size_t i, size_t *len)
{
	*len = sd->e[i].len;
	return sd->bytes ? sd->bytes + sd->e[i].v.off : (const unsigned char *)"";
}

const uint32_t *simdata_oid_value(const struct simdata *sd, size_t i, size_t *len)
{
	*len = sd->e[i].len;
	return sd->ids + sd->e[i].v.off;
}

void simdata_set_uint(struct simdata *sd, size_t i, uint64_t v)
{
	sd->e[i].v.u = v;
}

/* First index whose OID is >= oid (or > oid when strict). */
static size_t lower_bound(const struct simdata *sd, const uint32_t *oid, size_t len, int strict)
{
	size_t lo = 0, hi = sd->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_entry_oid(sd, &sd->e[mid], oid, len);
		if (c < 0 || (strict && c == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t simdata_find(const struct simdata *sd, const uint32_t *oid, size_t len)
{
	size_t i = lower_bound(sd, oid, len, 0);
	if (i < sd->n && cmp_entry_oid(sd, &sd->e[i], oid, len) == 0)
		return i;
	return SIMDATA_NONE;
}

size_t simdata_next(const struct simdata *sd, const uint32_t *oid, size_t len, size_t hint)
{
	size_t i;
	if (hint < sd->n && cmp_entry_oid(sd, &sd->e[hint], oid, len) == 0)
		i = hint + 1;
	else
		i = lower_bound(sd, oid, len, 1);
	return i < sd->n ? i : SIMDATA_NONE;
}

/* 1 if entry en lies in the subtree rooted at prefix (equal or under). */
static int in_subtree(const struct simdata *sd, const struct simdata_entry *en,
		      const uint32_t *prefix, size_t len)
{
	return en->oid_len >= len &&
	       memcmp(sd->ids + en->oid_off, prefix, len * sizeof *prefix) == 0;
}

size_t simdata_after_subtree(const struct simdata *sd, const uint32_t *prefix, size_t len)
{
	size_t lo = lower_bound(sd, prefix, len, 0), hi = sd->n;
	/* entries in [lo, hi) are >= prefix; those in the subtree come first */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (in_subtree(sd, &sd->e[mid], prefix, len))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < sd->n ? lo : SIMDATA_NONE;
}

int simdata_has_subtree(const struct simdata *sd, const uint32_t *prefix, size_t len)
{
	size_t i = lower_bound(sd, prefix, len, 1);
	return i < sd->n && in_subtree(sd, &sd->e[i], prefix, len);
}

int simdata_oid_parse(const char *s, size_t n, uint32_t *out, size_t max, size_t *len)
{
	size_t i = 0, k = 0;

	if (n && s[0] == '.')
		i = 1;
	if (i >= n)
		return -1;
	while (i < n) {
		uint64_t v = 0;
		size_t start = i;
		while (i < n && isdigit((unsigned char)s[i])) {
			v = v * 10 + (uint64_t)(s[i] - '0');
			if (v > UINT32_MAX)
				return -1;
			i++;
		}
		if (i == start || k >= max)
			return -1;
		out[k++] = (uint32_t)v;
		if (i < n) {
			if (s[i] != '.' || i + 1 == n)
				return -1;
			i++;
		}
	}
	*len = k;
	return 0;
}
