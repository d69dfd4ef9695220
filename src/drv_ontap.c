/* drv_ontap.c: NetApp ONTAP REST driver (ONTAP 9.6+, /api).
 *
 * Auth: HTTP Basic on every request; ONTAP has no login call, so the
 * "session" is the kept-alive connection.  A poll is:
 *   GET /api/cluster                      -> version
 *   GET /api/storage/aggregates (pages)   -> one pool per aggregate
 *   GET /api/storage/volumes (pages)      -> volumes, guarantee.type by name
 *   GET /api/storage/luns (pages)         -> LUNs, nested in their volume
 * Pages follow _links.next.href until it is absent.  Every page href of a
 * poll is remembered (at most ONTAP_MAX_PAGES): a next link to any page
 * already read in this poll (A->A, A->B->A, ...) is a loop and fails the
 * poll with TW_ERR_PROTOCOL, and so does a poll past ONTAP_MAX_PAGES pages.
 *
 * Pools: capacity = space.block_storage.size, used = .used (includes the
 * guarantees of thick volumes), free = .available.  Volumes: provisioned =
 * space.size, consumed = space.used, thin = guarantee.type == "none".
 * LUNs live inside volumes: exported as volumes "svm:/vol/VOL/LUN" in their
 * volume's aggregate with TW_NESTED, so the pool sums count the volume's
 * promise once and not the LUN's again.  FlexGroups: see ontap_map_volumes
 * in rest_map.h. */
#include "config.h"
#include "rest.h"
#include "rest_json.h"
#include "rest_map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ONTAP_PAGE 1000
/* Pages one poll may read (all collections together): 4096 x 1000 records. */
#define ONTAP_MAX_PAGES 4096

#define ONTAP_AGGR_FIELDS                                                                  \
	"name,uuid,state,space.block_storage.size,space.block_storage.available,"          \
	"space.block_storage.used,space.block_storage.physical_used"
#define ONTAP_VOL_FIELDS                                                                   \
	"name,uuid,svm.name,style,type,state,aggregates,size,guarantee.type,"              \
	"guarantee.honored,space.size,space.used,space.physical_used"
#define ONTAP_LUN_FIELDS                                                                   \
	"name,uuid,svm.name,location.volume.name,space.size,space.used,"                   \
	"space.guarantee.requested,space.guarantee.reserved,serial_number"

enum ontap_phase { OP_CLUSTER, OP_AGGRS, OP_VOLS, OP_LUNS, OP_DONE };

/* The page hrefs read in one poll, for loop detection, as FNV-1a 64
 * hashes (a false "loop" among 4096 pages is a ~1e-12 chance). */
struct ontap_pages {
	uint64_t *hash;
	size_t n, cap;
};

struct ontap {
	enum ontap_phase phase;
	char *next;   /* next page href (path + query), NULL = first page */
	struct ontap_pages pages;
};

/* ---- pure mapping ---------------------------------------------------------- */

tw_err ontap_map_cluster(const json_t *root, struct snap_builder *b, char *msg, size_t msglen)
{
	struct tw_array_info *info = snap_builder_info(b);
	const char *s = NULL;
	uint64_t gen, maj, min;
	char ver[64];
	if (!json_is_object(root))
		return tw_seterr(msg, msglen, TW_ERR_INVALID_DATA, "cluster: expected an object");
	if (rj_set_info(&info->vendor, "NetApp") || rj_set_info(&info->model, "ONTAP"))
		return TW_ERR_NOMEM;
	if (rj_u64(root, "version.generation", &gen) == 1 &&
	    rj_u64(root, "version.major", &maj) == 1 && rj_u64(root, "version.minor", &min) == 1) {
		snprintf(ver, sizeof ver, "%llu.%llu.%llu", (unsigned long long)gen,
			 (unsigned long long)maj, (unsigned long long)min);
		if (rj_set_info(&info->version, ver))
			return TW_ERR_NOMEM;
	} else if (rj_str(root, "version.full", &s) == 1 && rj_set_info(&info->version, s)) {
		return TW_ERR_NOMEM;
	}
	return TW_OK;
}

tw_err ontap_map_aggregates(const json_t *root, struct snap_builder *b, char *msg, size_t msglen)
{
	json_t *recs, *r;
	size_t i;
	tw_err e = rj_array(root, "records", "aggregates", &recs, msg, msglen);
	if (e)
		return e;
	json_array_foreach(recs, i, r) {
		const char *name = NULL;
		uint64_t size = 0, used = 0, avail = 0;
		int hs, hu, ha;
		uint32_t idx;
		struct tw_pool *p;
		if (!json_is_object(r))
			return rj_bad(msg, msglen, "aggregates", i, "record", "an object");
		if (rj_str(r, "name", &name) != 1 || !*name)
			return rj_bad(msg, msglen, "aggregates", i, "name", "a non-empty string");
		if ((hs = rj_u64(r, "space.block_storage.size", &size)) < 0)
			return rj_bad(msg, msglen, "aggregates", i, "space.block_storage.size",
				      "a non-negative integer");
		if ((hu = rj_u64(r, "space.block_storage.used", &used)) < 0)
			return rj_bad(msg, msglen, "aggregates", i, "space.block_storage.used",
				      "a non-negative integer");
		if ((ha = rj_u64(r, "space.block_storage.available", &avail)) < 0)
			return rj_bad(msg, msglen, "aggregates", i, "space.block_storage.available",
				      "a non-negative integer");
		if (hs == 1 && ha == 1 && avail > size)
			return rj_bad(msg, msglen, "aggregates", i, "space.block_storage.available",
				      "at most space.block_storage.size");
		if ((idx = snap_builder_pool(b, name)) == TW_NO_POOL)
			return TW_ERR_NOMEM;
		p = snap_builder_pool_at(b, idx);
		if (hs == 1) {
			p->capacity = size;
			p->flags |= TW_HAS_CAPACITY;
		}
		if (hu == 1) {
			p->used = used;
			p->flags |= TW_HAS_USED;
		}
		if (ha == 1) {
			p->free = avail;
			p->flags |= TW_HAS_FREE;
		}
	}
	return TW_OK;
}

static tw_err add_volume(struct snap_builder *b, const char *name, uint32_t pool, int hp,
			 uint64_t prov, int hc, uint64_t cons, int thin)
{
	struct tw_volume *v = snap_builder_volume(b, name, pool);
	if (!v)
		return TW_ERR_NOMEM;
	if (hp) {
		v->provisioned = prov;
		v->flags |= TW_HAS_PROVISIONED;
	}
	if (hc) {
		v->consumed = cons;
		v->flags |= TW_HAS_CONSUMED;
	}
	if (thin >= 0) {
		v->thin = thin;
		v->flags |= TW_HAS_THIN;
	}
	return TW_OK;
}

/* A FlexGroup over k aggregate entries: part per distinct aggregate with
 * weight = its number of entries; shares are size/k x weight and the
 * remainder goes to the first part, so the parts add up exactly. */
static tw_err add_flexgroup(struct snap_builder *b, const char *label, json_t *aggrs, size_t idx,
			    int hp, uint64_t prov, int hc, uint64_t cons, int thin, char *msg,
			    size_t msglen)
{
	size_t k = json_array_size(aggrs), i, j;
	json_t *a;
	int first = 1;
	json_array_foreach(aggrs, i, a) {
		const char *an = NULL, *prev;
		size_t weight = 0;
		int dup = 0;
		char *part;
		size_t ll, al;
		tw_err e;
		if (rj_str(a, "name", &an) != 1 || !*an)
			return rj_bad(msg, msglen, "volumes", idx, "aggregates[].name",
				      "a non-empty string");
		for (j = 0; j < i && !dup; j++)
			if (rj_str(json_array_get(aggrs, j), "name", &prev) == 1 &&
			    strcmp(prev, an) == 0)
				dup = 1;
		if (dup)
			continue;
		for (j = i; j < k; j++)
			if (rj_str(json_array_get(aggrs, j), "name", &prev) == 1 &&
			    strcmp(prev, an) == 0)
				weight++;
		ll = strlen(label);
		al = strlen(an);
		if (!(part = malloc(ll + al + 2)))
			return TW_ERR_NOMEM;
		memcpy(part, label, ll);
		part[ll] = '@';
		memcpy(part + ll + 1, an, al + 1);
		e = add_volume(b, part, rj_pool_find(b, an), hp,
			       (prov / k) * weight + (first ? prov % k : 0), hc,
			       (cons / k) * weight + (first ? cons % k : 0), thin);
		free(part);
		if (e)
			return e;
		first = 0;
	}
	return TW_OK;
}

tw_err ontap_map_volumes(const json_t *root, struct snap_builder *b, char *msg, size_t msglen)
{
	json_t *recs, *r;
	size_t i;
	tw_err e = rj_array(root, "records", "volumes", &recs, msg, msglen);
	if (e)
		return e;
	json_array_foreach(recs, i, r) {
		const char *name = NULL, *svm = NULL, *gt = NULL;
		uint64_t prov = 0, cons = 0;
		int hp, hc, rs, rg, thin = -1;
		json_t *aggrs;
		char *label;
		size_t nl, sl;
		if (!json_is_object(r))
			return rj_bad(msg, msglen, "volumes", i, "record", "an object");
		if (rj_str(r, "name", &name) != 1 || !*name)
			return rj_bad(msg, msglen, "volumes", i, "name", "a non-empty string");
		if ((rs = rj_str(r, "svm.name", &svm)) < 0)
			return rj_bad(msg, msglen, "volumes", i, "svm.name", "a string");
		if ((hp = rj_u64(r, "space.size", &prov)) == 0)
			hp = rj_u64(r, "size", &prov);
		if (hp < 0)
			return rj_bad(msg, msglen, "volumes", i, "space.size",
				      "a non-negative integer");
		if ((hc = rj_u64(r, "space.used", &cons)) < 0)
			return rj_bad(msg, msglen, "volumes", i, "space.used",
				      "a non-negative integer");
		if ((rg = rj_str(r, "guarantee.type", &gt)) < 0)
			return rj_bad(msg, msglen, "volumes", i, "guarantee.type", "a string");
		if (rg == 1) {
			if (strcmp(gt, "none") == 0)
				thin = 1;
			else if (strcmp(gt, "volume") == 0 || strcmp(gt, "file") == 0)
				thin = 0;
		}
		aggrs = json_object_get(r, "aggregates");
		if (aggrs && !json_is_array(aggrs))
			return rj_bad(msg, msglen, "volumes", i, "aggregates", "an array");
		nl = strlen(name);
		sl = rs == 1 && *svm ? strlen(svm) : 0;
		if (!(label = malloc(sl + nl + 2)))
			return TW_ERR_NOMEM;
		if (sl) {
			memcpy(label, svm, sl);
			label[sl] = ':';
			memcpy(label + sl + 1, name, nl + 1);
		} else {
			memcpy(label, name, nl + 1);
		}
		if (aggrs && json_array_size(aggrs) > 1) {
			e = add_flexgroup(b, label, aggrs, i, hp == 1, prov, hc == 1, cons, thin, msg,
					  msglen);
		} else {
			uint32_t pool = TW_NO_POOL;
			const char *an = NULL;
			if (aggrs && json_array_size(aggrs) == 1) {
				if (rj_str(json_array_get(aggrs, 0), "name", &an) != 1) {
					free(label);
					return rj_bad(msg, msglen, "volumes", i, "aggregates[0].name",
						      "a string");
				}
				pool = rj_pool_find(b, an);
			}
			e = add_volume(b, label, pool, hp == 1, prov, hc == 1, cons, thin);
		}
		free(label);
		if (e)
			return e;
	}
	return TW_OK;
}

/* "a:b" or "b" when a is NULL or empty; NULL on OOM. */
static char *qualify(const char *svm, const char *name)
{
	size_t sl = svm ? strlen(svm) : 0, nl = strlen(name);
	char *label = malloc(sl + nl + 2);
	if (!label)
		return NULL;
	if (sl) {
		memcpy(label, svm, sl);
		label[sl] = ':';
		memcpy(label + sl + 1, name, nl + 1);
	} else {
		memcpy(label, name, nl + 1);
	}
	return label;
}

/* The pool of the volume called label ("svm:vol"): the volume's own, or for
 * a FlexGroup (exported as parts "svm:vol@aggr") the first part's. */
static uint32_t volume_pool(struct snap_builder *b, const char *label)
{
	struct tw_volume *v = snap_builder_find_volume(b, label);
	size_t n, ll;
	if (v)
		return v->pool;
	ll = strlen(label);
	n = snap_builder_nvolumes(b);
	for (size_t i = 0; i < n; i++) {
		v = snap_builder_volume_at(b, i);
		if (v && !(v->flags & TW_NESTED) && strncmp(v->name, label, ll) == 0 &&
		    v->name[ll] == '@')
			return v->pool;
	}
	return TW_NO_POOL;
}

/* A LUN serial as the wwn label: printable ASCII, 1 to 64 characters. */
static int serial_ok(const char *s)
{
	size_t n = 0;
	for (; *s; s++, n++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return n > 0 && n <= 64;
}

tw_err ontap_map_luns(const json_t *root, struct snap_builder *b, char *msg, size_t msglen)
{
	json_t *recs, *r;
	size_t i;
	tw_err e = rj_array(root, "records", "luns", &recs, msg, msglen);
	if (e)
		return e;
	json_array_foreach(recs, i, r) {
		const char *name = NULL, *svm = NULL, *vol = NULL, *serial = NULL;
		uint64_t prov = 0, cons = 0;
		int hp, hc, rs, rv, rser, res, req, reserved = 0, requested = 0, thin = -1;
		uint32_t pool = TW_NO_POOL;
		struct tw_volume *v;
		char *label;
		if (!json_is_object(r))
			return rj_bad(msg, msglen, "luns", i, "record", "an object");
		if (rj_str(r, "name", &name) != 1 || !*name)
			return rj_bad(msg, msglen, "luns", i, "name", "a non-empty string");
		if ((rs = rj_str(r, "svm.name", &svm)) < 0)
			return rj_bad(msg, msglen, "luns", i, "svm.name", "a string");
		if ((rv = rj_str(r, "location.volume.name", &vol)) < 0)
			return rj_bad(msg, msglen, "luns", i, "location.volume.name", "a string");
		if ((hp = rj_u64(r, "space.size", &prov)) < 0)
			return rj_bad(msg, msglen, "luns", i, "space.size", "a non-negative integer");
		if ((hc = rj_u64(r, "space.used", &cons)) < 0)
			return rj_bad(msg, msglen, "luns", i, "space.used", "a non-negative integer");
		if ((res = rj_bool(r, "space.guarantee.reserved", &reserved)) < 0)
			return rj_bad(msg, msglen, "luns", i, "space.guarantee.reserved", "a boolean");
		if ((req = rj_bool(r, "space.guarantee.requested", &requested)) < 0)
			return rj_bad(msg, msglen, "luns", i, "space.guarantee.requested", "a boolean");
		if ((rser = rj_str(r, "serial_number", &serial)) < 0)
			return rj_bad(msg, msglen, "luns", i, "serial_number", "a string");
		/* the reservation in force, else the one asked for */
		if (res == 1)
			thin = !reserved;
		else if (req == 1)
			thin = !requested;
		if (rs != 1 || !*svm)
			svm = NULL;
		if (rv == 1 && *vol) {
			if (!(label = qualify(svm, vol)))
				return TW_ERR_NOMEM;
			pool = volume_pool(b, label);
			free(label);
		}
		if (!(label = qualify(svm, name)))
			return TW_ERR_NOMEM;
		v = rj_volume_add(b, label, pool, hp == 1, prov, hc == 1, cons, thin);
		free(label);
		if (!v)
			return TW_ERR_NOMEM;
		v->flags |= TW_NESTED;
		if (rser == 1 && serial_ok(serial) && !(v->wwn = tw_strdup(serial)))
			return TW_ERR_NOMEM;
	}
	return TW_OK;
}

int ontap_next_href(const json_t *root, const char **href)
{
	const char *h = NULL;
	int r = rj_str(root, "_links.next.href", &h);
	if (r == 0)
		return 0;
	if (r < 0 || h[0] != '/' || h[1] == '/' || strpbrk(h, " \r\n\t#") || strlen(h) > 16384)
		return -1;
	*href = h;
	return 1;
}

void ontap_error_text(const json_t *root, char *out, size_t outlen)
{
	const char *m = NULL, *cs = NULL;
	uint64_t ci;
	out[0] = '\0';
	if (rj_str(root, "error.message", &m) != 1)
		return;
	if (rj_str(root, "error.code", &cs) == 1)
		snprintf(out, outlen, "%s (code %s)", m, cs);
	else if (rj_u64(root, "error.code", &ci) == 1)
		snprintf(out, outlen, "%s (code %llu)", m, (unsigned long long)ci);
	else
		snprintf(out, outlen, "%s", m);
}

/* ---- pages seen in one poll -------------------------------------------------- */

struct ontap_pages *ontap_pages_new(void)
{
	return calloc(1, sizeof(struct ontap_pages));
}

void ontap_pages_reset(struct ontap_pages *pg)
{
	if (!pg)
		return;
	free(pg->hash);
	memset(pg, 0, sizeof *pg);
}

void ontap_pages_free(struct ontap_pages *pg)
{
	ontap_pages_reset(pg);
	free(pg);
}

int ontap_pages_add(struct ontap_pages *pg, const char *href)
{
	uint64_t h = tw_fnv1a(TW_FNV1A_INIT, href, strlen(href));
	for (size_t i = 0; i < pg->n; i++)
		if (pg->hash[i] == h)
			return 1;
	if (pg->n >= ONTAP_MAX_PAGES)
		return -1;
	if (pg->n == pg->cap) {
		size_t nc = pg->cap ? pg->cap * 2 : 16;
		uint64_t *nx = realloc(pg->hash, nc * sizeof *nx);
		if (!nx)
			return -2;
		pg->hash = nx;
		pg->cap = nc;
	}
	pg->hash[pg->n++] = h;
	return 0;
}

/* ---- request sequence --------------------------------------------------- */

static void ontap_free(void *vs)
{
	struct ontap *o = vs;
	free(o->next);
	o->next = NULL;
	ontap_pages_reset(&o->pages);
}

static void ontap_begin(void *vs)
{
	struct ontap *o = vs;
	ontap_free(o);
	o->phase = OP_CLUSTER;
}

static int ontap_next(void *vs, const struct rest_target *t, struct rest_request *rq)
{
	struct ontap *o = vs;
	(void)t;
	rq->basic_auth = 1;
	switch (o->phase) {
	case OP_CLUSTER:
		rest_request_set(rq, REST_GET, "/api/cluster?fields=name,uuid,version");
		return 1;
	case OP_AGGRS:
		if (o->next)
			rest_request_set(rq, REST_GET, "%s", o->next);
		else
			rest_request_set(rq, REST_GET,
					 "/api/storage/aggregates?fields=" ONTAP_AGGR_FIELDS
					 "&max_records=%d", ONTAP_PAGE);
		return 1;
	case OP_VOLS:
		if (o->next)
			rest_request_set(rq, REST_GET, "%s", o->next);
		else
			rest_request_set(rq, REST_GET,
					 "/api/storage/volumes?fields=" ONTAP_VOL_FIELDS
					 "&max_records=%d", ONTAP_PAGE);
		return 1;
	case OP_LUNS:
		if (o->next)
			rest_request_set(rq, REST_GET, "%s", o->next);
		else
			rest_request_set(rq, REST_GET,
					 "/api/storage/luns?fields=" ONTAP_LUN_FIELDS "&max_records=%d",
					 ONTAP_PAGE);
		return 1;
	case OP_DONE:
		break;
	}
	return 0;
}

static tw_err ontap_pages_err(int r, const char *path, char *msg, size_t msglen)
{
	if (r == -2)
		return TW_ERR_NOMEM;
	return tw_seterr(msg, msglen, TW_ERR_PROTOCOL, "%s: more than %d pages in one poll", path,
			 ONTAP_MAX_PAGES);
}

static tw_err ontap_response(void *vs, struct snap_builder *b, const struct rest_response *r,
			     char *msg, size_t msglen)
{
	struct ontap *o = vs;
	json_t *root = NULL;
	const char *href = NULL;
	int hn = 0, seen;
	tw_err e = rj_parse(r->body.data, r->body.len, &root, msg, msglen);
	if (e)
		return e;
	switch (o->phase) {
	case OP_CLUSTER:
		e = ontap_map_cluster(root, b, msg, msglen);
		o->phase = OP_AGGRS;
		break;
	case OP_AGGRS:
	case OP_VOLS:
	case OP_LUNS:
		e = o->phase == OP_AGGRS  ? ontap_map_aggregates(root, b, msg, msglen)
		    : o->phase == OP_VOLS ? ontap_map_volumes(root, b, msg, msglen)
					  : ontap_map_luns(root, b, msg, msglen);
		if (e)
			break;
		hn = ontap_next_href(root, &href);
		if (hn < 0) {
			e = tw_seterr(msg, msglen, TW_ERR_PROTOCOL,
				      "%s: _links.next.href is not a path on this API", r->path);
			break;
		}
		/* the first page of a collection is remembered here; the later
		 * ones were remembered as next links */
		if (!o->next && (seen = ontap_pages_add(&o->pages, r->path)) < 0) {
			e = ontap_pages_err(seen, r->path, msg, msglen);
			break;
		}
		if (hn == 1 && (seen = ontap_pages_add(&o->pages, href)) != 0) {
			e = seen == 1 ? tw_seterr(msg, msglen, TW_ERR_PROTOCOL,
						  "pagination loop: the next link is a page "
						  "already read in this poll (%s)", href)
				      : ontap_pages_err(seen, r->path, msg, msglen);
			break;
		}
		free(o->next);
		o->next = NULL;
		if (hn == 1) {
			if (!(o->next = tw_strdup(href)))
				e = TW_ERR_NOMEM;
		} else {
			o->phase = o->phase == OP_AGGRS ? OP_VOLS : o->phase == OP_VOLS ? OP_LUNS
											: OP_DONE;
		}
		break;
	case OP_DONE:
		e = TW_ERR_INTERNAL;
		break;
	}
	json_decref(root);
	return e;
}

static const struct rest_vendor ontap_vendor = {
	.name = "ontap",
	.state_size = sizeof(struct ontap),
	.flags = REST_F_NEED_USER,
	.free = ontap_free,
	.poll_begin = ontap_begin,
	.poll_next = ontap_next,
	.poll_response = ontap_response,
	.error_json = ontap_error_text,
};

REST_DRIVER(ontap, ontap_vendor);
