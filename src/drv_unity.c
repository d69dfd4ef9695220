/* drv_unity.c: Dell EMC Unity (Unisphere Management REST) driver (/api).
 *
 * Session: the first request with HTTP Basic and X-EMC-REST-CLIENT: true
 * (GET /api/types/loginSessionInfo/instances) opens a session: the array
 * sets the mod_sec_emc cookie and sends an EMC-CSRF-TOKEN header (needed for
 * POSTs).  Later calls send the cookie and X-EMC-REST-CLIENT but no
 * credentials, so every poll reuses the one session; an idle-expired
 * session answers 401 (one re-login).  POST
 * /api/types/loginSessionInfo/action/logout in close().  A poll is:
 *   GET /api/types/basicSystemInfo/instances     -> model, version
 *   GET /api/types/pool/instances (pages)        -> pools
 *   GET /api/types/lun/instances (pages)         -> LUNs
 * Pages: per_page/page, going on while the answer links rel="next".
 *
 * All sizes are bytes.  Pool: capacity = sizeTotal, used = sizeUsed, free =
 * sizeFree, and the array's own subscribed figure sizeSubscribed (which also
 * counts file systems and snapshot/metadata subscriptions) as provisioned.
 * LUN: provisioned = sizeTotal, consumed = sizeAllocated (old OE reports 0
 * for thin LUNs), thin = isThinEnabled, pool = pool.id. */
#include "config.h"
#include "rest.h"
#include "rest_json.h"
#include "rest_map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNITY_PAGE 1000

enum un_phase { UN_SYSTEM, UN_POOLS, UN_LUNS, UN_DONE };

struct unity {
	int logged;           /* a session cookie is held */
	char *csrf;           /* EMC-CSRF-TOKEN (secret) */
	enum un_phase phase;
	unsigned page;        /* 1-based */
	struct rj_idmap pools;
};

/* ---- pure mapping ---------------------------------------------------------- */

static tw_err entries(const json_t *root, const char *what, json_t **out, char *msg,
		      size_t msglen)
{
	return rj_array(root, "entries", what, out, msg, msglen);
}

/* content of entry i (compact answers keep the {"content":{...}} wrapper). */
static const json_t *content(const json_t *e)
{
	json_t *c = json_is_object(e) ? json_object_get(e, "content") : NULL;
	return json_is_object(c) ? c : NULL;
}

tw_err unity_map_system(const json_t *root, struct snap_builder *b, char *msg, size_t msglen)
{
	struct tw_array_info *info = snap_builder_info(b);
	json_t *list;
	const json_t *c;
	const char *s;
	tw_err e = entries(root, "basicSystemInfo", &list, msg, msglen);
	if (e)
		return e;
	if (rj_set_info(&info->vendor, "Dell EMC"))
		return TW_ERR_NOMEM;
	if (!(c = content(json_array_get(list, 0))))
		return TW_OK;
	if (rj_str(c, "model", &s) == 1 && rj_set_info(&info->model, s))
		return TW_ERR_NOMEM;
	if (rj_str(c, "softwareVersion", &s) == 1 && rj_set_info(&info->version, s))
		return TW_ERR_NOMEM;
	return TW_OK;
}

tw_err unity_map_pools(const json_t *root, struct snap_builder *b, struct rj_idmap *ids,
		       char *msg, size_t msglen)
{
	static const struct { const char *key; uint32_t flag; } figs[] = {
		{ "sizeTotal", TW_HAS_CAPACITY },
		{ "sizeUsed", TW_HAS_USED },
		{ "sizeFree", TW_HAS_FREE },
		{ "sizeSubscribed", TW_HAS_PROVISIONED },
	};
	json_t *list, *en;
	size_t i;
	tw_err e = entries(root, "pool", &list, msg, msglen);
	if (e)
		return e;
	json_array_foreach(list, i, en) {
		const json_t *c = content(en);
		const char *id = NULL, *name = NULL;
		uint32_t idx;
		struct tw_pool *p;
		if (!c)
			return rj_bad(msg, msglen, "pool", i, "content", "an object");
		if (rj_str(c, "id", &id) != 1 || !*id)
			return rj_bad(msg, msglen, "pool", i, "id", "a non-empty string");
		if (rj_str(c, "name", &name) < 0)
			return rj_bad(msg, msglen, "pool", i, "name", "a string");
		if ((idx = snap_builder_pool(b, name && *name ? name : id)) == TW_NO_POOL ||
		    rj_idmap_add(ids, id, idx))
			return TW_ERR_NOMEM;
		p = snap_builder_pool_at(b, idx);
		for (size_t k = 0; k < TW_ARRAY_LEN(figs); k++) {
			uint64_t v;
			int r = rj_u64(c, figs[k].key, &v);
			if (r < 0)
				return rj_bad(msg, msglen, "pool", i, figs[k].key,
					      "a non-negative integer");
			if (r == 1)
				rj_pool_set(p, figs[k].flag, v);
		}
	}
	return TW_OK;
}

tw_err unity_map_luns(const json_t *root, struct snap_builder *b, const struct rj_idmap *ids,
		      char *msg, size_t msglen)
{
	json_t *list, *en;
	size_t i;
	tw_err e = entries(root, "lun", &list, msg, msglen);
	if (e)
		return e;
	json_array_foreach(list, i, en) {
		const json_t *c = content(en);
		const char *name = NULL, *pool = NULL, *wwn = NULL;
		uint64_t size = 0, alloc = 0;
		int hs, ha, ht, thin = 0;
		struct tw_volume *v;
		if (!c)
			return rj_bad(msg, msglen, "lun", i, "content", "an object");
		if (rj_str(c, "name", &name) != 1 || !*name)
			return rj_bad(msg, msglen, "lun", i, "name", "a non-empty string");
		if ((hs = rj_u64(c, "sizeTotal", &size)) < 0)
			return rj_bad(msg, msglen, "lun", i, "sizeTotal", "a non-negative integer");
		if ((ha = rj_u64(c, "sizeAllocated", &alloc)) < 0)
			return rj_bad(msg, msglen, "lun", i, "sizeAllocated",
				      "a non-negative integer");
		if ((ht = rj_bool(c, "isThinEnabled", &thin)) < 0)
			return rj_bad(msg, msglen, "lun", i, "isThinEnabled", "a boolean");
		if (rj_str(c, "pool.id", &pool) < 0 || rj_str(c, "wwn", &wwn) < 0)
			return rj_bad(msg, msglen, "lun", i, "pool.id/wwn", "strings");
		v = rj_volume_add(b, name, rj_idmap_find(ids, pool), hs == 1, size, ha == 1, alloc,
				  ht == 1 ? thin : -1);
		if (!v)
			return TW_ERR_NOMEM;
		if (wwn)
			v->wwn = rj_wwn(wwn);
	}
	return TW_OK;
}

int unity_has_next(const json_t *root)
{
	json_t *links = json_is_object(root) ? json_object_get(root, "links") : NULL, *l;
	size_t i;
	const char *rel;
	if (!json_is_array(links))
		return 0;
	json_array_foreach(links, i, l)
		if (rj_str(l, "rel", &rel) == 1 && strcmp(rel, "next") == 0)
			return 1;
	return 0;
}

void unity_error_text(const json_t *root, char *out, size_t outlen)
{
	json_t *m = rj_path(root, "error.messages");
	const char *text = NULL;
	uint64_t code = 0;
	out[0] = '\0';
	if (!json_is_array(m) || rj_str(json_array_get(m, 0), "en-US", &text) != 1)
		return;
	if (rj_u64(root, "error.errorCode", &code) == 1)
		snprintf(out, outlen, "%s (errorCode %llu)", text, (unsigned long long)code);
	else
		snprintf(out, outlen, "%s", text);
}

/* ---- session and request sequence ------------------------------------------ */

static void un_forget(void *vs)
{
	struct unity *u = vs;
	if (u->csrf) {
		volatile char *c = u->csrf;
		while (*c)
			*c++ = '\0';
		free(u->csrf);
		u->csrf = NULL;
	}
	u->logged = 0;
}

static void un_free(void *vs)
{
	struct unity *u = vs;
	un_forget(u);
	rj_idmap_clear(&u->pools);
}

static int un_login_next(void *vs, const struct rest_target *t, struct rest_request *rq)
{
	struct unity *u = vs;
	(void)t;
	if (u->logged)
		return 0;
	rest_request_set(rq, REST_GET, "/api/types/loginSessionInfo/instances");
	rest_request_header(rq, "X-EMC-REST-CLIENT", "true");
	rq->basic_auth = 1;
	return 1;
}

static tw_err un_login_response(void *vs, const struct rest_target *t,
				const struct rest_response *r, char *msg, size_t msglen)
{
	struct unity *u = vs;
	(void)t;
	(void)msg;
	(void)msglen;
	u->csrf = rest_response_header(r, "EMC-CSRF-TOKEN"); /* only POSTs need it */
	u->logged = 1;
	return TW_OK;
}

static int un_logout(void *vs, const struct rest_target *t, struct rest_request *rq)
{
	struct unity *u = vs;
	(void)t;
	if (!u->logged)
		return 0;
	rest_request_set(rq, REST_POST, "/api/types/loginSessionInfo/action/logout");
	rest_request_header(rq, "X-EMC-REST-CLIENT", "true");
	if (u->csrf)
		rest_request_header(rq, "EMC-CSRF-TOKEN", u->csrf);
	rest_request_body(rq, "{\"localCleanupOnly\":false}");
	return 1;
}

static void un_begin(void *vs)
{
	struct unity *u = vs;
	rj_idmap_clear(&u->pools);
	u->phase = UN_SYSTEM;
	u->page = 1;
}

static int un_next(void *vs, const struct rest_target *t, struct rest_request *rq)
{
	struct unity *u = vs;
	(void)t;
	switch (u->phase) {
	case UN_SYSTEM:
		rest_request_set(rq, REST_GET, "/api/types/basicSystemInfo/instances"
				 "?fields=name,model,softwareVersion");
		break;
	case UN_POOLS:
		rest_request_set(rq, REST_GET, "/api/types/pool/instances?fields=id,name,"
				 "sizeTotal,sizeFree,sizeUsed,sizeSubscribed&compact=true"
				 "&per_page=%d&page=%u", UNITY_PAGE, u->page);
		break;
	case UN_LUNS:
		rest_request_set(rq, REST_GET, "/api/types/lun/instances?fields=id,name,"
				 "sizeTotal,sizeAllocated,isThinEnabled,pool.id,wwn&compact=true"
				 "&per_page=%d&page=%u", UNITY_PAGE, u->page);
		break;
	case UN_DONE:
		return 0;
	}
	rest_request_header(rq, "X-EMC-REST-CLIENT", "true");
	return 1;
}

static tw_err un_response(void *vs, struct snap_builder *b, const struct rest_response *r,
			  char *msg, size_t msglen)
{
	struct unity *u = vs;
	json_t *root = NULL;
	tw_err e = rj_parse(r->body.data, r->body.len, &root, msg, msglen);
	if (e)
		return e;
	switch (u->phase) {
	case UN_SYSTEM:
		e = unity_map_system(root, b, msg, msglen);
		u->phase = UN_POOLS;
		break;
	case UN_POOLS:
	case UN_LUNS:
		e = u->phase == UN_POOLS ? unity_map_pools(root, b, &u->pools, msg, msglen)
					 : unity_map_luns(root, b, &u->pools, msg, msglen);
		if (e)
			break;
		if (unity_has_next(root)) {
			u->page++;
		} else {
			u->phase = u->phase == UN_POOLS ? UN_LUNS : UN_DONE;
			u->page = 1;
		}
		break;
	case UN_DONE:
		e = TW_ERR_INTERNAL;
		break;
	}
	json_decref(root);
	return e;
}

static const struct rest_vendor unity_vendor = {
	.name = "unity",
	.state_size = sizeof(struct unity),
	.flags = REST_F_SESSION | REST_F_NEED_USER,
	.free = un_free,
	.login_next = un_login_next,
	.login_response = un_login_response,
	.logout = un_logout,
	.forget = un_forget,
	.poll_begin = un_begin,
	.poll_next = un_next,
	.poll_response = un_response,
	.error_json = unity_error_text,
};

REST_DRIVER(unity, unity_vendor);
