/* drv_powerstore.c: Dell PowerStore REST driver (/api/rest).
 *
 * Session: GET /api/rest/login_session with HTTP Basic answers with the
 * DELL-EMC-TOKEN header (a CSRF token) and sets the auth_cookie cookie;
 * later calls send only the cookie and the token, so one session serves
 * every poll (Basic auth on every call would open a session per call, and
 * the array purges the oldest above ~2000, logging GUI users out).  401/403
 * means the session is gone (one re-login).  POST /api/rest/logout in
 * close().  A poll is:
 *   GET  /api/rest/cluster                       -> serial (global_id)
 *   GET  /api/rest/appliance                     -> one pool per appliance
 *   POST /api/rest/metrics/generate per appliance -> its space (last sample)
 *   GET  /api/rest/volume?limit&offset (pages)    -> volumes, not snapshots
 * A page that is not the last comes back as 206 with Content-Range
 * first-last/total; the next offset is last+1 until it reaches total.
 *
 * PowerStore has no user-visible pools: each appliance has one, seen only
 * through space_metrics_by_appliance: capacity = physical_total, used =
 * physical_used (after data reduction), free = total - used.  Its
 * logical_provisioned counts snapshots and clones too, so the pool's
 * provisioned figure is the sum of its volumes' sizes instead (type
 * Primary or Clone).  Every volume is thin; consumed = logical_used (bytes
 * written, before reduction). */
#include "config.h"
#include "rest.h"
#include "rest_json.h"
#include "rest_map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PS_PAGE 1000

enum ps_phase { PS_CLUSTER, PS_APPLIANCES, PS_METRICS, PS_VOLS, PS_DONE };

struct powerstore {
	char *token;            /* DELL-EMC-TOKEN (secret) */
	enum ps_phase phase;
	struct rj_idmap apps;   /* appliance id -> pool */
	size_t iapp;
	uint64_t offset;
};

/* ---- pure mapping ---------------------------------------------------------- */

tw_err powerstore_map_cluster(const json_t *root, struct snap_builder *b, char *msg,
			      size_t msglen)
{
	struct tw_array_info *info = snap_builder_info(b);
	json_t *c = json_array_get(root, 0);
	const char *s;
	if (!json_is_array(root))
		return tw_seterr(msg, msglen, TW_ERR_INVALID_DATA, "cluster: expected an array");
	if (rj_set_info(&info->vendor, "Dell"))
		return TW_ERR_NOMEM;
	if (c && rj_str(c, "global_id", &s) == 1 && rj_set_info(&info->serial, s))
		return TW_ERR_NOMEM;
	return TW_OK;
}

tw_err powerstore_map_appliances(const json_t *root, struct snap_builder *b, struct rj_idmap *ids,
				 char *msg, size_t msglen)
{
	struct tw_array_info *info = snap_builder_info(b);
	json_t *a;
	size_t i;
	if (!json_is_array(root))
		return tw_seterr(msg, msglen, TW_ERR_INVALID_DATA, "appliance: expected an array");
	json_array_foreach(root, i, a) {
		const char *id = NULL, *name = NULL, *model = NULL;
		uint32_t idx;
		if (!json_is_object(a) || rj_str(a, "id", &id) != 1 || !*id)
			return rj_bad(msg, msglen, "appliance", i, "id", "a non-empty string");
		if (rj_str(a, "name", &name) < 0 || rj_str(a, "model", &model) < 0)
			return rj_bad(msg, msglen, "appliance", i, "name/model", "strings");
		if ((idx = snap_builder_pool(b, name && *name ? name : id)) == TW_NO_POOL ||
		    rj_idmap_add(ids, id, idx))
			return TW_ERR_NOMEM;
		if (i == 0 && model && rj_set_info(&info->model, model))
			return TW_ERR_NOMEM;
	}
	return TW_OK;
}

tw_err powerstore_map_space(const json_t *root, struct snap_builder *b, uint32_t pool, char *msg,
			    size_t msglen)
{
	struct tw_pool *p = snap_builder_pool_at(b, pool);
	json_t *last;
	uint64_t total = 0, used = 0;
	int ht, hu;
	if (!p)
		return TW_ERR_INTERNAL;
	if (!json_is_array(root))
		return tw_seterr(msg, msglen, TW_ERR_INVALID_DATA,
				 "metrics/generate: expected an array of samples");
	if (json_array_size(root) == 0)
		return TW_OK; /* no sample yet (new appliance): figures unknown */
	last = json_array_get(root, json_array_size(root) - 1);
	if ((ht = rj_u64(last, "physical_total", &total)) < 0)
		return rj_bad(msg, msglen, "space_metrics_by_appliance", json_array_size(root) - 1,
			      "physical_total", "a non-negative integer");
	if ((hu = rj_u64(last, "physical_used", &used)) < 0)
		return rj_bad(msg, msglen, "space_metrics_by_appliance", json_array_size(root) - 1,
			      "physical_used", "a non-negative integer");
	if (ht == 1)
		rj_pool_set(p, TW_HAS_CAPACITY, total);
	if (hu == 1)
		rj_pool_set(p, TW_HAS_USED, used);
	if (ht == 1 && hu == 1)
		rj_pool_set(p, TW_HAS_FREE, used < total ? total - used : 0);
	return TW_OK;
}

tw_err powerstore_map_volumes(const json_t *root, struct snap_builder *b,
			      const struct rj_idmap *ids, char *msg, size_t msglen)
{
	json_t *v;
	size_t i;
	if (!json_is_array(root))
		return tw_seterr(msg, msglen, TW_ERR_INVALID_DATA, "volume: expected an array");
	json_array_foreach(root, i, v) {
		const char *name = NULL, *type = NULL, *app = NULL, *wwn = NULL;
		uint64_t size = 0, used = 0;
		int hs, hu;
		struct tw_volume *vol;
		if (!json_is_object(v))
			return rj_bad(msg, msglen, "volume", i, "item", "an object");
		if (rj_str(v, "name", &name) != 1 || !*name)
			return rj_bad(msg, msglen, "volume", i, "name", "a non-empty string");
		if (rj_str(v, "type", &type) < 0)
			return rj_bad(msg, msglen, "volume", i, "type", "a string");
		if (type && strcmp(type, "Snapshot") == 0)
			continue;
		if ((hs = rj_u64(v, "size", &size)) < 0)
			return rj_bad(msg, msglen, "volume", i, "size", "a non-negative integer");
		if ((hu = rj_u64(v, "logical_used", &used)) < 0)
			return rj_bad(msg, msglen, "volume", i, "logical_used",
				      "a non-negative integer");
		if (rj_str(v, "appliance_id", &app) == 0)
			rj_str(v, "appliance.id", &app);
		if (rj_str(v, "wwn", &wwn) < 0)
			return rj_bad(msg, msglen, "volume", i, "wwn", "a string");
		vol = rj_volume_add(b, name, rj_idmap_find(ids, app), hs == 1, size, hu == 1, used, 1);
		if (!vol)
			return TW_ERR_NOMEM;
		if (wwn)
			vol->wwn = rj_wwn(wwn);
	}
	return TW_OK;
}

int powerstore_content_range(const char *h, uint64_t *first, uint64_t *last, uint64_t *total)
{
	unsigned long long a, z, t;
	int n = 0;
	if (!h || sscanf(h, "%llu-%llu/%llu%n", &a, &z, &t, &n) != 3 || h[n] != '\0' || z < a ||
	    z >= t)
		return -1;
	*first = a;
	*last = z;
	*total = t;
	return 0;
}

void powerstore_error_text(const json_t *root, char *out, size_t outlen)
{
	json_t *m = json_is_object(root) ? json_object_get(root, "messages") : NULL;
	const char *text = NULL, *code = NULL;
	out[0] = '\0';
	if (!json_is_array(m) || rj_str(json_array_get(m, 0), "message_l10n", &text) != 1)
		return;
	if (rj_str(json_array_get(m, 0), "code", &code) == 1)
		snprintf(out, outlen, "%s (%s)", text, code);
	else
		snprintf(out, outlen, "%s", text);
}

/* ---- session and request sequence ------------------------------------------ */

static void ps_forget(void *vs)
{
	struct powerstore *p = vs;
	if (p->token) {
		volatile char *c = p->token;
		while (*c)
			*c++ = '\0';
		free(p->token);
		p->token = NULL;
	}
}

static void ps_free(void *vs)
{
	struct powerstore *p = vs;
	ps_forget(p);
	rj_idmap_clear(&p->apps);
}

static int ps_login_next(void *vs, const struct rest_target *t, struct rest_request *rq)
{
	struct powerstore *p = vs;
	(void)t;
	if (p->token)
		return 0;
	rest_request_set(rq, REST_GET, "/api/rest/login_session");
	rq->basic_auth = 1;
	return 1;
}

static tw_err ps_login_response(void *vs, const struct rest_target *t,
				const struct rest_response *r, char *msg, size_t msglen)
{
	struct powerstore *p = vs;
	(void)t;
	p->token = rest_response_header(r, "DELL-EMC-TOKEN");
	if (!p->token || !*p->token) {
		ps_forget(p);
		return tw_seterr(msg, msglen, TW_ERR_PROTOCOL,
				 "login_session answered without a DELL-EMC-TOKEN header");
	}
	return TW_OK;
}

static int ps_logout(void *vs, const struct rest_target *t, struct rest_request *rq)
{
	struct powerstore *p = vs;
	(void)t;
	if (!p->token)
		return 0;
	rest_request_set(rq, REST_POST, "/api/rest/logout");
	rest_request_header(rq, "DELL-EMC-TOKEN", p->token);
	rq->post_empty = 1;
	return 1;
}

static void ps_begin(void *vs)
{
	struct powerstore *p = vs;
	rj_idmap_clear(&p->apps);
	p->phase = PS_CLUSTER;
	p->iapp = 0;
	p->offset = 0;
}

static int ps_next(void *vs, const struct rest_target *t, struct rest_request *rq)
{
	struct powerstore *p = vs;
	(void)t;
	switch (p->phase) {
	case PS_CLUSTER:
		rest_request_set(rq, REST_GET, "/api/rest/cluster?select=id,name,global_id");
		break;
	case PS_APPLIANCES:
		rest_request_set(rq, REST_GET, "/api/rest/appliance?select=id,name,model");
		break;
	case PS_METRICS: {
		json_t *j = json_pack("{s:s,s:s,s:s}", "entity", "space_metrics_by_appliance",
				      "entity_id", p->apps.ids[p->iapp], "interval", "Five_Mins");
		char *body = j ? json_dumps(j, JSON_COMPACT) : NULL;
		json_decref(j);
		rest_request_set(rq, REST_POST, "/api/rest/metrics/generate");
		if (body)
			rest_request_body(rq, body);
		else
			rq->body.err = TW_ERR_NOMEM;
		free(body);
		break;
	}
	case PS_VOLS:
		rest_request_set(rq, REST_GET,
				 "/api/rest/volume?select=id,name,size,logical_used,type,"
				 "appliance_id,wwn&limit=%d&offset=%llu", PS_PAGE,
				 (unsigned long long)p->offset);
		break;
	case PS_DONE:
		return 0;
	}
	rest_request_header(rq, "DELL-EMC-TOKEN", p->token ? p->token : "");
	return 1;
}

static tw_err ps_response(void *vs, struct snap_builder *b, const struct rest_response *r,
			  char *msg, size_t msglen)
{
	struct powerstore *p = vs;
	json_t *root = NULL;
	tw_err e = rj_parse(r->body.data, r->body.len, &root, msg, msglen);
	if (e)
		return e;
	switch (p->phase) {
	case PS_CLUSTER:
		e = powerstore_map_cluster(root, b, msg, msglen);
		p->phase = PS_APPLIANCES;
		break;
	case PS_APPLIANCES:
		e = powerstore_map_appliances(root, b, &p->apps, msg, msglen);
		p->phase = p->apps.n ? PS_METRICS : PS_VOLS;
		break;
	case PS_METRICS:
		e = powerstore_map_space(root, b, p->apps.pools[p->iapp], msg, msglen);
		if (++p->iapp >= p->apps.n)
			p->phase = PS_VOLS;
		break;
	case PS_VOLS:
		e = powerstore_map_volumes(root, b, &p->apps, msg, msglen);
		if (e)
			break;
		if (r->status == 206) {
			uint64_t first, last, total;
			char *cr = rest_response_header(r, "Content-Range");
			if (powerstore_content_range(cr, &first, &last, &total) || first != p->offset)
				e = tw_seterr(msg, msglen, TW_ERR_PROTOCOL,
					      "HTTP 206 with a bad Content-Range '%.40s' at offset "
					      "%llu", cr ? cr : "", (unsigned long long)p->offset);
			else if (last + 1 >= total)
				p->phase = PS_DONE;
			else
				p->offset = last + 1;
			free(cr);
		} else {
			p->phase = PS_DONE;
		}
		break;
	case PS_DONE:
		e = TW_ERR_INTERNAL;
		break;
	}
	json_decref(root);
	return e;
}

static const struct rest_vendor powerstore_vendor = {
	.name = "powerstore",
	.state_size = sizeof(struct powerstore),
	.flags = REST_F_SESSION | REST_F_NEED_USER,
	.free = ps_free,
	.login_next = ps_login_next,
	.login_response = ps_login_response,
	.logout = ps_logout,
	.forget = ps_forget,
	.poll_begin = ps_begin,
	.poll_next = ps_next,
	.poll_response = ps_response,
	.error_json = powerstore_error_text,
};

REST_DRIVER(powerstore, powerstore_vendor);
