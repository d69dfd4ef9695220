/* sim_rest_vendors.c: the vendor REST personalities of thinwatch-sim.  Each
 * renders the scenario's pools and volumes the way its vendor's API does
 * (paths, auth flow, envelopes, units, pagination, error answers), after
 * ../shared/REST-FACTS.md.  The core (sim_rest.c) owns the servers,
 * sessions, counters and fault injection. */
#include "config.h"
#include "sim/sim_rest_int.h"
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- shared helpers ---------------------------------------------------------- */

static uint64_t query_u64(const struct sr_req *rq, const char *key, uint64_t dflt)
{
	const char *s = sr_query(rq, key);
	uint64_t v;
	if (!s || tw_parse_u64(s, &v))
		return dflt;
	return v;
}

static unsigned page_limit(const struct sr_req *rq, const char *key)
{
	unsigned ps = sr_conf(rq->s)->page_size;
	uint64_t want = query_u64(rq, key, ps);
	return want && want < ps ? (unsigned)want : ps;
}

static void url_escape(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~' || c == ',') {
			buf_putc(b, (char)c);
		} else {
			char t[3] = { '%', hex[c >> 4], hex[c & 15] };
			buf_append(b, t, 3);
		}
	}
}

static const char *array_version(const struct sim_array *a, const char *dflt)
{
	return a->version ? a->version : dflt;
}

/* ---- NetApp ONTAP ------------------------------------------------------------ */

static void ontap_error(struct sr_resp *rs, unsigned status, const char *message, const char *code)
{
	sr_json(rs, status, json_pack("{s:{s:s,s:s}}", "error", "message", message, "code", code));
}

/* Volume "svm:vol" -> svm and vol; otherwise svm0. */
static void ontap_split(const char *name, char *svm, size_t svmlen, const char **vol)
{
	const char *c = strchr(name, ':');
	if (c && c != name && c[1] && (size_t)(c - name) < svmlen) {
		memcpy(svm, name, (size_t)(c - name));
		svm[c - name] = '\0';
		*vol = c + 1;
	} else {
		snprintf(svm, svmlen, "svm0");
		*vol = name;
	}
}

static json_t *ontap_aggr(const struct sim_pool *p, size_t i, uint64_t t)
{
	struct sr_pool_now pn;
	char uuid[48];
	sr_pool_at(p, t, &pn);
	sr_uuid(uuid, sizeof uuid, 0xa66, i);
	return json_pack("{s:s,s:s,s:s,s:{s:{s:I,s:I,s:I,s:I}}}", "uuid", uuid, "name", p->name,
			 "state", "online", "space", "block_storage", "size",
			 (json_int_t)pn.capacity, "available", (json_int_t)pn.free, "used",
			 (json_int_t)pn.used, "physical_used", (json_int_t)pn.used);
}

static json_t *ontap_vol(const struct sr_server *s, size_t idx, uint64_t t)
{
	const struct sim_array *a = sr_array(s);
	size_t pi, vi;
	const struct sim_pool *p;
	const struct sim_volume *v;
	char uuid[48], auuid[48], svm[128];
	const char *vn;
	uint64_t cons;
	if (!sr_vol_at(s, idx, &pi, &vi))
		return NULL;
	p = &a->pools[pi];
	v = &p->vols[vi];
	cons = sr_vol_consumed(p, v, t);
	ontap_split(v->name, svm, sizeof svm, &vn);
	sr_uuid(uuid, sizeof uuid, 0x701, idx);
	sr_uuid(auuid, sizeof auuid, 0xa66, pi);
	return json_pack("{s:s,s:s,s:{s:s},s:s,s:s,s:s,s:[{s:s,s:s}],s:I,s:{s:s,s:b},"
			 "s:{s:I,s:I,s:I}}",
			 "uuid", uuid, "name", vn, "svm", "name", svm, "style", "flexvol", "type",
			 "rw", "state", "online", "aggregates", "name", p->name, "uuid", auuid,
			 "size", (json_int_t)v->provisioned, "guarantee", "type",
			 v->thin ? "none" : "volume", "honored", 1, "space", "size",
			 (json_int_t)v->provisioned, "used", (json_int_t)cons, "physical_used",
			 (json_int_t)cons);
}

/* Page over n objects starting at start.uuid (our uuids encode the index). */
static void ontap_collection(struct sr_req *rq, struct sr_resp *rs, size_t n,
			     json_t *(*item)(const struct sr_server *, size_t, uint64_t), unsigned kind)
{
	unsigned lim = page_limit(rq, "max_records");
	const char *start = sr_query(rq, "start.uuid"), *fields = sr_query(rq, "fields");
	size_t from = 0;
	json_t *recs = json_array(), *root;
	if (start) {
		unsigned k;
		unsigned long long ix;
		if (sscanf(start, "%8x-0000-4000-8000-%12llx", &k, &ix) != 2 || k != kind || ix > n) {
			json_decref(recs);
			ontap_error(rs, 400, "Invalid value for start.uuid", "262179");
			return;
		}
		from = (size_t)ix;
	}
	for (size_t i = from; i < n && i < from + lim; i++)
		json_array_append_new(recs, item(rq->s, i, rq->t_ns));
	root = json_pack("{s:o,s:I,s:{s:{s:s}}}", "records", recs, "num_records",
			 (json_int_t)json_array_size(recs), "_links", "self", "href", rq->path);
	if (from + lim < n) {
		struct buf href;
		char uuid[48];
		sr_uuid(uuid, sizeof uuid, kind, from + lim);
		buf_init(&href, 1 << 16);
		buf_printf(&href, "%s?max_records=%u&start.uuid=%s", rq->path, lim, uuid);
		if (fields) {
			buf_puts(&href, "&fields=");
			url_escape(&href, fields);
		}
		if (!buf_failed(&href))
			json_object_set_new(json_object_get(root, "_links"), "next",
					    json_pack("{s:s}", "href", href.data));
		buf_free(&href);
	}
	sr_json(rs, 200, root);
}

static json_t *ontap_aggr_item(const struct sr_server *s, size_t i, uint64_t t)
{
	return ontap_aggr(&sr_array(s)->pools[i], i, t);
}

static void ontap_handle(struct sr_req *rq, struct sr_resp *rs, enum sr_fault fault)
{
	const struct sim_array *a = sr_array(rq->s);
	if (!sr_basic_ok(rq)) {
		sr_login_failed(rq->s);
		sr_header_add(rs, "WWW-Authenticate", "Basic realm=\"ONTAP\"");
		ontap_error(rs, 401, "not authorized for that command", "6691623");
		return;
	}
	if (fault == SR_FAULT_HTTP500) {
		ontap_error(rs, 500, "simulated internal error", "1");
		return;
	}
	if (fault == SR_FAULT_VENDOR) {
		ontap_error(rs, 503, "The system is busy. Wait a few minutes, then try the "
			    "command again.", "262186");
		return;
	}
	if (strcmp(rq->method, "GET") != 0) {
		ontap_error(rs, 405, "method not allowed", "2");
		return;
	}
	if (strcmp(rq->path, "/api/cluster") == 0) {
		char uuid[48];
		unsigned g = 9, ma = 13, mi = 1;
		sscanf(array_version(a, "9.13.1"), "%u.%u.%u", &g, &ma, &mi);
		sr_uuid(uuid, sizeof uuid, 0xc1, 0);
		sr_json(rs, 200, json_pack("{s:s,s:s,s:{s:s,s:i,s:i,s:i}}", "name", a->name, "uuid",
					   uuid, "version", "full", "NetApp Release (thinwatch-sim)",
					   "generation", g, "major", ma, "minor", mi));
	} else if (strcmp(rq->path, "/api/storage/aggregates") == 0) {
		ontap_collection(rq, rs, a->npools, ontap_aggr_item, 0xa66);
	} else if (strcmp(rq->path, "/api/storage/volumes") == 0) {
		ontap_collection(rq, rs, sr_vol_count(rq->s), ontap_vol, 0x701);
	} else {
		ontap_error(rs, 404, "API not found", "3");
	}
}

/* ---- Pure Storage FlashArray REST 2.x ------------------------------------------ */

static const char *const purefa_versions[] = { "1.0", "1.19", "2.0", "2.2", "2.4", "2.15" };

static void purefa_error(struct sr_resp *rs, unsigned status, const char *message)
{
	sr_json(rs, status, json_pack("{s:[{s:n,s:s}]}", "errors", "context", "message", message));
}

/* The serial of volume idx: from a 624a9370 WWN when the scenario has one,
 * else made up from the index (24 hex digits, upper case as Purity shows). */
static void purefa_serial(const struct sim_volume *v, size_t idx, char *out, size_t outlen)
{
	if (v->wwn && strlen(v->wwn) == 32 && strncasecmp(v->wwn, "624a9370", 8) == 0) {
		size_t i;
		for (i = 0; i < 24 && i + 1 < outlen; i++) {
			char c = v->wwn[8 + i];
			out[i] = (char)(c >= 'a' && c <= 'f' ? c - 'a' + 'A' : c);
		}
		out[i] = '\0';
		return;
	}
	snprintf(out, outlen, "5A1A0000%016llX", (unsigned long long)idx);
}

static void purefa_arrays(struct sr_req *rq, struct sr_resp *rs)
{
	const struct sim_array *a = sr_array(rq->s);
	uint64_t cap = 0, used = 0, virt = 0;
	char uuid[48];
	for (size_t p = 0; p < a->npools; p++) {
		struct sr_pool_now pn;
		sr_pool_at(&a->pools[p], rq->t_ns, &pn);
		cap += pn.capacity;
		used += pn.used;
		for (size_t v = 0; v < a->pools[p].nvols; v++)
			virt += sr_vol_consumed(&a->pools[p], &a->pools[p].vols[v], rq->t_ns);
	}
	sr_uuid(uuid, sizeof uuid, 0xfa, 0);
	sr_json(rs, 200,
		json_pack("{s:n,s:b,s:i,s:[{s:s,s:s,s:s,s:s,s:I,s:f,s:{s:f,s:I,s:I,s:I,s:I,s:n,"
			  "s:f,s:I,s:I}}]}",
			  "continuation_token", "more_items_remaining", 0, "total_item_count", 1,
			  "items", "id", uuid, "name", a->name, "os", "Purity//FA", "version",
			  array_version(a, "6.5.0"), "capacity", (json_int_t)cap, "parity", 1.0,
			  "space", "data_reduction", 1.0, "shared", (json_int_t)0, "snapshots",
			  (json_int_t)0, "system", (json_int_t)0, "total_physical", (json_int_t)used,
			  "total_provisioned", "total_reduction", 1.0, "total_used", (json_int_t)used,
			  "virtual", (json_int_t)virt));
}

static void purefa_volumes(struct sr_req *rq, struct sr_resp *rs)
{
	const struct sim_array *a = sr_array(rq->s);
	size_t n = sr_vol_count(rq->s), from = 0;
	unsigned lim = page_limit(rq, "limit");
	const char *ct = sr_query(rq, "continuation_token");
	json_t *items = json_array(), *root;
	uint64_t tot_prov = 0;
	if (ct) {
		unsigned long long ix;
		if (sscanf(ct, "ct-%llu", &ix) != 1 || ix > n) {
			json_decref(items);
			purefa_error(rs, 400, "Invalid continuation_token.");
			return;
		}
		from = (size_t)ix;
	}
	for (size_t i = from; i < n && i < from + lim; i++) {
		size_t pi, vi;
		const struct sim_volume *v;
		char uuid[48], serial[32];
		uint64_t cons;
		sr_vol_at(rq->s, i, &pi, &vi);
		v = &a->pools[pi].vols[vi];
		cons = sr_vol_consumed(&a->pools[pi], v, rq->t_ns);
		sr_uuid(uuid, sizeof uuid, 0xf01, i);
		purefa_serial(v, i, serial, sizeof serial);
		json_array_append_new(items,
			json_pack("{s:s,s:s,s:s,s:I,s:b,s:n,s:{s:I,s:I,s:I,s:I,s:f}}",
				  "id", uuid, "name", v->name, "serial", serial, "provisioned",
				  (json_int_t)v->provisioned, "destroyed", 0, "pod", "space",
				  "virtual", (json_int_t)cons, "unique", (json_int_t)cons,
				  "total_physical", (json_int_t)cons, "snapshots", (json_int_t)0,
				  "data_reduction", 1.0));
	}
	for (size_t i = 0; i < n; i++) {
		size_t pi, vi;
		sr_vol_at(rq->s, i, &pi, &vi);
		tot_prov += a->pools[pi].vols[vi].provisioned;
	}
	root = json_pack("{s:o,s:b,s:I,s:[{s:I}]}", "items", items, "more_items_remaining",
			 from + lim < n, "total_item_count", (json_int_t)n, "total", "provisioned",
			 (json_int_t)tot_prov);
	if (from + lim < n) {
		char tok[32];
		snprintf(tok, sizeof tok, "ct-%zu", from + lim);
		json_object_set_new(root, "continuation_token", json_string(tok));
	} else {
		json_object_set_new(root, "continuation_token", json_null());
	}
	sr_json(rs, 200, root);
}

static void purefa_handle(struct sr_req *rq, struct sr_resp *rs, enum sr_fault fault)
{
	const char *p = rq->path, *ver, *rest;
	size_t vl, i;
	if (strcmp(p, "/api/api_version") == 0) {
		json_t *a = json_array();
		for (i = 0; i < TW_ARRAY_LEN(purefa_versions); i++)
			json_array_append_new(a, json_string(purefa_versions[i]));
		sr_json(rs, 200, json_pack("{s:o}", "version", a));
		return;
	}
	if (strncmp(p, "/api/", 5) != 0) {
		purefa_error(rs, 404, "Not found.");
		return;
	}
	ver = p + 5;
	rest = strchr(ver, '/');
	vl = rest ? (size_t)(rest - ver) : 0;
	for (i = 0; i < TW_ARRAY_LEN(purefa_versions); i++)
		if (vl && strlen(purefa_versions[i]) == vl && strncmp(purefa_versions[i], ver, vl) == 0 &&
		    ver[0] == '2')
			break;
	if (i == TW_ARRAY_LEN(purefa_versions)) {
		purefa_error(rs, 404, "Unsupported API version.");
		return;
	}
	if (strcmp(rest, "/login") == 0 && strcmp(rq->method, "POST") == 0) {
		const char *tok = sr_header(rq, "api-token");
		char session[64];
		if (!tok || strcmp(tok, sr_conf(rq->s)->api_token) != 0) {
			sr_login_failed(rq->s);
			purefa_error(rs, 401, "Invalid API token.");
			return;
		}
		if (sr_session_open(rq->s, session, sizeof session)) {
			purefa_error(rs, 429, "Too many sessions.");
			return;
		}
		sr_header_add(rs, "x-auth-token", session);
		sr_json(rs, 200, json_pack("{s:[{s:s}]}", "items", "username",
					   sr_conf(rq->s)->username));
		return;
	}
	if (!sr_session_valid(rq->s, sr_header(rq, "x-auth-token"))) {
		purefa_error(rs, 401, "Invalid session.");
		return;
	}
	if (strcmp(rest, "/logout") == 0 && strcmp(rq->method, "POST") == 0) {
		sr_session_close(rq->s, sr_header(rq, "x-auth-token"));
		sr_json(rs, 200, json_object());
		return;
	}
	if (fault == SR_FAULT_HTTP500 || fault == SR_FAULT_VENDOR) {
		purefa_error(rs, fault == SR_FAULT_HTTP500 ? 500 : 400,
			     "Simulated failure.");
		return;
	}
	if (strcmp(rq->method, "GET") != 0)
		purefa_error(rs, 405, "Method not allowed.");
	else if (strcmp(rest, "/arrays") == 0)
		purefa_arrays(rq, rs);
	else if (strcmp(rest, "/volumes") == 0)
		purefa_volumes(rq, rs);
	else
		purefa_error(rs, 404, "Not found.");
}

/* ---- registry -------------------------------------------------------------------- */

static const struct sr_personality personalities[] = {
	{ "ontap", ontap_handle },
	{ "purefa", purefa_handle },
};

const struct sr_personality *sr_personality_find(const char *name)
{
	for (size_t i = 0; i < TW_ARRAY_LEN(personalities); i++)
		if (strcmp(personalities[i].name, name) == 0)
			return &personalities[i];
	return NULL;
}
