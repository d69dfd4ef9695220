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

/* fields (a comma list such as "name,guarantee.type") names f exactly. */
static int ontap_field_named(const char *fields, const char *f)
{
	size_t fl = strlen(f);
	while (fields && *fields) {
		size_t n = strcspn(fields, ",");
		if ((n == fl && strncmp(fields, f, fl) == 0) || (n == 1 && fields[0] == '*') ||
		    (n == 2 && strncmp(fields, "**", 2) == 0))
			return 1;
		fields += n;
		if (*fields == ',')
			fields++;
	}
	return 0;
}

/* Like ONTAP, keep the object field f of rec only as far as fields= asks
 * for it: all of it ("f", "*", "**"), the members named "f.member", or
 * nothing. */
static void ontap_trim(json_t *rec, const char *fields, const char *f)
{
	json_t *obj = json_object_get(rec, f), *v;
	const char *k;
	void *tmp;
	char name[128];
	if (!obj || ontap_field_named(fields, f))
		return;
	json_object_foreach_safe(obj, tmp, k, v) {
		snprintf(name, sizeof name, "%s.%s", f, k);
		if (!ontap_field_named(fields, name))
			json_object_del(obj, k);
	}
	if (json_object_size(obj) == 0)
		json_object_del(rec, f);
}

/* Page over n objects starting at start.uuid (our uuids encode the index). */
static void ontap_collection(struct sr_req *rq, struct sr_resp *rs, size_t n,
			     json_t *(*item)(const struct sr_server *, size_t, uint64_t), unsigned kind)
{
	unsigned lim = page_limit(rq, "max_records");
	const char *start = sr_query(rq, "start.uuid"), *fields = sr_query(rq, "fields");
	size_t from = 0;
	int loop;
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
	for (size_t i = from; i < n && i < from + lim; i++) {
		json_t *rec = item(rq->s, i, rq->t_ns);
		/* like ONTAP, a volume's guarantee only as fields= names it */
		if (kind == 0x701)
			ontap_trim(rec, fields, "guarantee");
		json_array_append_new(recs, rec);
	}
	root = json_pack("{s:o,s:I,s:{s:{s:s}}}", "records", recs, "num_records",
			 (json_int_t)json_array_size(recs), "_links", "self", "href", rq->path);
	/* next_loop fault: a later page links back to the first one */
	loop = from > 0 && sr_fault_peek(rq) == SR_FAULT_NEXT_LOOP;
	if (loop)
		sr_fault_take(rq, rs);
	if (from + lim < n || loop) {
		struct buf href;
		char uuid[48];
		sr_uuid(uuid, sizeof uuid, kind, loop ? 0 : from + lim);
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

/* A LUN of the scenario's `luns:` (static figures: LUNs do not grow). */
static json_t *ontap_lun(const struct sr_server *s, size_t i, uint64_t t)
{
	const struct sr_lun *l;
	size_t n = sr_luns(s, &l);
	char uuid[48];
	(void)t;
	if (i >= n)
		return NULL;
	l += i;
	sr_uuid(uuid, sizeof uuid, 0x10a, i);
	return json_pack("{s:s,s:s,s:{s:s},s:{s:{s:s}},s:s,s:{s:I,s:I,s:{s:b,s:b}}}", "uuid", uuid,
			 "name", l->name, "svm", "name", l->svm, "location", "volume", "name",
			 l->volume, "serial_number", l->serial, "space", "size",
			 (json_int_t)l->size, "used", (json_int_t)l->used, "guarantee", "requested",
			 !l->thin, "reserved", !l->thin);
}

static void ontap_handle(struct sr_req *rq, struct sr_resp *rs)
{
	const struct sim_array *a = sr_array(rq->s);
	if (!sr_basic_ok(rq)) {
		sr_login_failed(rq->s);
		sr_header_add(rs, "WWW-Authenticate", "Basic realm=\"ONTAP\"");
		ontap_error(rs, 401, "not authorized for that command", "6691623");
		return;
	}
	enum sr_fault fault = sr_fault_peek(rq) == SR_FAULT_NEXT_LOOP ? SR_FAULT_NONE
								  : sr_fault_take(rq, rs);
	if (fault == SR_FAULT_ANSWERED)
		return;
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
	} else if (strcmp(rq->path, "/api/storage/luns") == 0) {
		const struct sr_lun *l;
		ontap_collection(rq, rs, sr_luns(rq->s, &l), ontap_lun, 0x10a);
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
	if (ct && sr_fault_peek(rq) == SR_FAULT_REPEAT_TOKEN) {
		/* repeat_token fault: a later page hands back the token it got */
		sr_fault_take(rq, rs);
		json_object_set_new(root, "continuation_token", json_string(ct));
		json_object_set_new(root, "more_items_remaining", json_true());
	} else if (from + lim < n) {
		char tok[32];
		snprintf(tok, sizeof tok, "ct-%zu", from + lim);
		json_object_set_new(root, "continuation_token", json_string(tok));
	} else {
		json_object_set_new(root, "continuation_token", json_null());
	}
	sr_json(rs, 200, root);
}

static void purefa_handle(struct sr_req *rq, struct sr_resp *rs)
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
		if (!sr_secret_ok(rq, tok, sr_conf(rq->s)->api_token)) {
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
	enum sr_fault fault = sr_fault_peek(rq) == SR_FAULT_REPEAT_TOKEN ? SR_FAULT_NONE
								     : sr_fault_take(rq, rs);
	if (fault == SR_FAULT_ANSWERED)
		return;
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

/* ---- HPE 3PAR / Primera WSAPI -------------------------------------------------- */

#define MIB ((uint64_t)1 << 20)

static void hp_error(struct sr_resp *rs, unsigned status, int code, const char *desc)
{
	sr_json(rs, status, json_pack("{s:i,s:s}", "code", code, "desc", desc));
}

static json_t *hp_usage(uint64_t total_mib, uint64_t used_mib)
{
	return json_pack("{s:I,s:I,s:I,s:I}", "totalMiB", (json_int_t)total_mib, "rawTotalMiB",
			 (json_int_t)(total_mib + total_mib / 4), "usedMiB", (json_int_t)used_mib,
			 "rawUsedMiB", (json_int_t)(used_mib + used_mib / 4));
}

static void hp_cpgs(struct sr_req *rq, struct sr_resp *rs)
{
	const struct sim_array *a = sr_array(rq->s);
	json_t *members = json_array();
	for (size_t i = 0; i < a->npools; i++) {
		const struct sim_pool *p = &a->pools[i];
		struct sr_pool_now pn;
		unsigned nthin = 0, nfull = 0;
		char uuid[48];
		json_t *growth = json_pack("{s:i}", "incrementMiB", 32768);
		sr_pool_at(p, rq->t_ns, &pn);
		for (size_t v = 0; v < p->nvols; v++)
			p->vols[v].thin ? nthin++ : nfull++;
		/* the first CPG has a growth limit; the others grow into free space */
		if (i == 0)
			json_object_set_new(growth, "limitMiB", json_integer((json_int_t)(pn.capacity / MIB)));
		sr_uuid(uuid, sizeof uuid, 0xc9, i);
		json_array_append_new(members,
			json_pack("{s:I,s:s,s:s,s:i,s:i,s:i,s:o,s:o,s:o,s:o,s:i}", "id", (json_int_t)i,
				  "uuid", uuid, "name", p->name, "numFPVVs", nfull, "numTPVVs", nthin,
				  "numTDVVs", 0, "UsrUsage", hp_usage(pn.used / MIB, pn.used / MIB),
				  "SAUsage", hp_usage(1024, 512), "SDUsage", hp_usage(0, 0), "SDGrowth",
				  growth, "state", 1));
	}
	sr_json(rs, 200, json_pack("{s:I,s:o}", "total", (json_int_t)a->npools, "members", members));
}

static void hp_volumes(struct sr_req *rq, struct sr_resp *rs)
{
	const struct sim_array *a = sr_array(rq->s);
	size_t n = sr_vol_count(rq->s);
	json_t *members = json_array();
	for (size_t i = 0; i < n; i++) {
		size_t pi, vi;
		const struct sim_pool *p;
		const struct sim_volume *v;
		char wwn[40];
		json_t *m;
		uint64_t cons;
		sr_vol_at(rq->s, i, &pi, &vi);
		p = &a->pools[pi];
		v = &p->vols[vi];
		cons = sr_vol_consumed(p, v, rq->t_ns);
		if (v->wwn && *v->wwn)
			snprintf(wwn, sizeof wwn, "%s", v->wwn);
		else
			snprintf(wwn, sizeof wwn, "60002AC0000000000000%012llX", (unsigned long long)i + 1);
		m = json_pack("{s:I,s:s,s:i,s:i,s:I,s:b,s:i,s:I,s:s,s:s,s:s}", "id", (json_int_t)i + 1,
			      "name", v->name, "provisioningType", v->thin ? 2 : 1, "copyType", 1,
			      "baseId", (json_int_t)i + 1, "readOnly", 0, "state", 1, "sizeMiB",
			      (json_int_t)(v->provisioned / MIB), "wwn", wwn, "userCPG", p->name,
			      "snapCPG", p->name);
		/* even volumes: the 3PAR OS shape (userSpace); odd: the Primera shape */
		if (i % 2 == 0)
			json_object_set_new(m, "userSpace",
				json_pack("{s:I,s:I,s:I,s:I}", "reservedMiB", (json_int_t)(cons / MIB),
					  "rawReservedMiB", (json_int_t)(cons / MIB * 2), "usedMiB",
					  (json_int_t)(cons / MIB), "freeMiB", (json_int_t)0));
		else {
			json_object_set_new(m, "totalReservedMiB", json_integer((json_int_t)(cons / MIB)));
			json_object_set_new(m, "totalUsedMiB", json_integer((json_int_t)(cons / MIB)));
		}
		json_array_append_new(members, m);
		if (i == 0) { /* a virtual copy of the first volume: a snapshot, not a promise */
			char sn[300];
			snprintf(sn, sizeof sn, "%.250s.snap", v->name);
			json_array_append_new(members,
				json_pack("{s:i,s:s,s:i,s:i,s:s,s:I,s:I,s:s}", "id", 100000, "name", sn,
					  "provisioningType", 3, "copyType", 3, "copyOf", v->name,
					  "sizeMiB", (json_int_t)(v->provisioned / MIB), "totalUsedMiB",
					  (json_int_t)0, "userCPG", p->name));
		}
	}
	sr_json(rs, 200, json_pack("{s:I,s:o}", "total", (json_int_t)json_array_size(members),
				   "members", members));
}

static void hp_handle(struct sr_req *rq, struct sr_resp *rs)
{
	const struct sim_array *a = sr_array(rq->s);
	const char *key = sr_header(rq, "X-HP3PAR-WSAPI-SessionKey");
	if (strcmp(rq->path, "/api/v1/credentials") == 0 && strcmp(rq->method, "POST") == 0) {
		json_t *j = sr_body_json(rq);
		const char *u = NULL, *pw = NULL;
		char tok[64], loc[128];
		if (!j || json_unpack(j, "{s:s,s:s}", "user", &u, "password", &pw) ||
		    strcmp(u, sr_conf(rq->s)->username) ||
		    !sr_secret_ok(rq, pw, sr_conf(rq->s)->password)) {
			json_decref(j);
			sr_login_failed(rq->s);
			hp_error(rs, 403, 5, "invalid username or password");
			return;
		}
		json_decref(j);
		if (sr_session_open(rq->s, tok, sizeof tok)) {
			hp_error(rs, 403, 155, "too many sessions");
			return;
		}
		snprintf(loc, sizeof loc, "/api/v1/credentials/%s", tok);
		sr_header_add(rs, "Location", loc);
		sr_json(rs, 201, json_pack("{s:s}", "key", tok));
		return;
	}
	if (strncmp(rq->path, "/api/v1/credentials/", 20) == 0 && strcmp(rq->method, "DELETE") == 0) {
		if (!sr_session_close(rq->s, rq->path + 20))
			hp_error(rs, 403, 6, "invalid session key");
		else
			sr_json(rs, 200, json_object());
		return;
	}
	if (!sr_session_valid(rq->s, key)) {
		hp_error(rs, 403, 6, "invalid session key");
		return;
	}
	enum sr_fault fault = sr_fault_take(rq, rs);
	if (fault == SR_FAULT_ANSWERED)
		return;
	if (fault == SR_FAULT_HTTP500) {
		hp_error(rs, 500, 0, "internal server error");
		return;
	}
	if (fault == SR_FAULT_VENDOR) {
		hp_error(rs, 400, 29, "invalid input: malformed query");
		return;
	}
	if (strcmp(rq->path, "/api/v1/system") == 0) {
		sr_json(rs, 200, json_pack("{s:i,s:s,s:s,s:s,s:s,s:i}", "id", 4242, "name", a->name,
					   "model", a->model ? a->model : "HPE Primera 630",
					   "serialNumber", a->serial ? a->serial : "CZ00000001",
					   "systemVersion", array_version(a, "4.5.2.16"), "totalNodes", 2));
	} else if (strcmp(rq->path, "/api/v1/cpgs") == 0) {
		hp_cpgs(rq, rs);
	} else if (strcmp(rq->path, "/api/v1/spacereporter") == 0 &&
		   strcmp(rq->method, "POST") == 0) {
		json_t *j = sr_body_json(rq);
		const char *cpg = NULL;
		size_t i = a->npools;
		if (j && !json_unpack(j, "{s:s}", "cpg", &cpg))
			for (i = 0; i < a->npools && strcmp(a->pools[i].name, cpg); i++)
				;
		json_decref(j);
		if (i == a->npools) {
			hp_error(rs, 404, 15, "cpg does not exist");
		} else {
			struct sr_pool_now pn;
			sr_pool_at(&a->pools[i], rq->t_ns, &pn);
			sr_json(rs, 200, json_pack("{s:I,s:I}", "rawFreeMiB",
						   (json_int_t)(pn.free / MIB * 2), "usableFreeMiB",
						   (json_int_t)(pn.free / MIB)));
		}
	} else if (strcmp(rq->path, "/api/v1/volumes") == 0) {
		hp_volumes(rq, rs);
	} else {
		hp_error(rs, 404, 23, "resource not found");
	}
}

/* ---- Huawei OceanStor DeviceManager --------------------------------------------- */

#define OS_SECTOR 512

static void os_answer(struct sr_resp *rs, unsigned status, json_t *data, long long code,
		      const char *desc)
{
	sr_json(rs, status, json_pack("{s:o,s:{s:I,s:s}}", "data", data ? data : json_object(),
				      "error", "code", (json_int_t)code, "description", desc));
}

static const char *os_device(const struct sim_array *a)
{
	return a->serial ? a->serial : "2102352TRW10KB000001";
}

static json_t *os_sectors(uint64_t bytes)
{
	char s[32];
	snprintf(s, sizeof s, "%llu", (unsigned long long)(bytes / OS_SECTOR));
	return json_string(s);
}

/* range=[a-b] -> a and the page (at most page_size rows). */
static void os_range(const struct sr_req *rq, size_t *from, size_t *count)
{
	const char *r = sr_query(rq, "range");
	unsigned long long a = 0, b = 0;
	unsigned ps = sr_conf(rq->s)->page_size;
	*from = 0;
	*count = ps;
	if (r && sscanf(r, "[%llu-%llu]", &a, &b) == 2 && b >= a) {
		*from = (size_t)a;
		*count = b - a < ps ? (size_t)(b - a) : ps;
	}
}

static void os_pools(struct sr_req *rq, struct sr_resp *rs)
{
	const struct sim_array *a = sr_array(rq->s);
	json_t *data = json_array();
	size_t from, count;
	os_range(rq, &from, &count);
	for (size_t i = from; i < a->npools && i < from + count; i++) {
		const struct sim_pool *p = &a->pools[i];
		struct sr_pool_now pn;
		uint64_t prov = 0;
		char id[24];
		json_t *o;
		sr_pool_at(p, rq->t_ns, &pn);
		for (size_t v = 0; v < p->nvols; v++)
			prov += p->vols[v].provisioned;
		snprintf(id, sizeof id, "%zu", i);
		o = json_pack("{s:s,s:s,s:s,s:s,s:i,s:s,s:s,s:s}", "ID", id, "NAME", p->name,
			      "USAGETYPE", "1", "HEALTHSTATUS", "1", "TYPE", 216,
			      "TIER0CAPACITY", "18446744073709551615", "PROVISIONINGLIMIT", "-1",
			      "PROVISIONINGLIMITSWITCH", "false");
		json_object_set_new(o, "USERTOTALCAPACITY", os_sectors(pn.capacity));
		json_object_set_new(o, "USERFREECAPACITY", os_sectors(pn.free));
		json_object_set_new(o, "DATASPACE", os_sectors(pn.free));
		json_object_set_new(o, "USERCONSUMEDCAPACITY", os_sectors(pn.used));
		json_object_set_new(o, "LUNCONFIGEDCAPACITY", os_sectors(prov));
		json_object_set_new(o, "SUBSCRIBEDCAPACITY", os_sectors(prov));
		json_array_append_new(data, o);
	}
	if (json_array_size(data) == 0) {
		json_decref(data);
		os_answer(rs, 200, NULL, 0, "0"); /* past the end: no data */
		return;
	}
	os_answer(rs, 200, data, 0, "0");
}

static void os_luns(struct sr_req *rq, struct sr_resp *rs)
{
	const struct sim_array *a = sr_array(rq->s);
	json_t *data = json_array();
	size_t from, count, n = sr_vol_count(rq->s);
	os_range(rq, &from, &count);
	for (size_t i = from; i < n && i < from + count; i++) {
		size_t pi, vi;
		const struct sim_volume *v;
		char id[24], pid[24], wwn[40];
		json_t *o;
		sr_vol_at(rq->s, i, &pi, &vi);
		v = &a->pools[pi].vols[vi];
		snprintf(id, sizeof id, "%zu", i);
		snprintf(pid, sizeof pid, "%zu", pi);
		if (v->wwn && *v->wwn)
			snprintf(wwn, sizeof wwn, "%s", v->wwn);
		else
			snprintf(wwn, sizeof wwn, "6643e8c1004c5f67%016llx", (unsigned long long)i);
		o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:s}", "ID", id, "NAME", v->name,
			      "PARENTID", pid, "PARENTNAME", a->pools[pi].name, "ALLOCTYPE",
			      v->thin ? "1" : "0", "SECTORSIZE", "512", "WWN", wwn, "TYPE", 11,
			      "HEALTHSTATUS", "1");
		json_object_set_new(o, "CAPACITY", os_sectors(v->provisioned));
		json_object_set_new(o, "ALLOCCAPACITY",
				    os_sectors(sr_vol_consumed(&a->pools[pi], v, rq->t_ns)));
		json_array_append_new(data, o);
	}
	if (json_array_size(data) == 0) {
		json_decref(data);
		os_answer(rs, 200, NULL, 0, "0");
		return;
	}
	os_answer(rs, 200, data, 0, "0");
}

static void os_handle(struct sr_req *rq, struct sr_resp *rs)
{
	const struct sim_array *a = sr_array(rq->s);
	const char *prefix = "/deviceManager/rest/", *rest;
	const char *dev = os_device(a);
	size_t dl = strlen(dev);
	if (strcmp(rq->path, "/deviceManager/rest/xx/sessions") == 0 &&
	    strcmp(rq->method, "POST") == 0) {
		json_t *j = sr_body_json(rq);
		const char *u = NULL, *pw = NULL;
		char tok[64], cookie[128];
		if (!j || json_unpack(j, "{s:s,s:s}", "username", &u, "password", &pw) ||
		    strcmp(u, sr_conf(rq->s)->username) ||
		    !sr_secret_ok(rq, pw, sr_conf(rq->s)->password)) {
			json_decref(j);
			sr_login_failed(rq->s);
			os_answer(rs, 200, NULL, 1077949061, "The User name or PassWord is incorrect.");
			return;
		}
		json_decref(j);
		if (sr_session_open(rq->s, tok, sizeof tok)) {
			os_answer(rs, 200, NULL, 1077949067, "The number of online users reaches "
				  "the upper limit.");
			return;
		}
		snprintf(cookie, sizeof cookie, "session=ismsession=%s; path=/; HttpOnly", tok);
		sr_header_add(rs, "Set-Cookie", cookie);
		os_answer(rs, 200, json_pack("{s:i,s:s,s:s,s:s,s:s}", "accountstate", 1, "deviceid",
					     dev, "iBaseToken", tok, "username",
					     sr_conf(rq->s)->username, "userscope", "0"), 0, "0");
		return;
	}
	if (strncmp(rq->path, prefix, strlen(prefix)) != 0 ||
	    strncmp(rq->path + strlen(prefix), dev, dl) != 0 ||
	    rq->path[strlen(prefix) + dl] != '/') {
		os_answer(rs, 404, NULL, 404, "not found");
		return;
	}
	rest = rq->path + strlen(prefix) + dl;
	{
		const char *tok = sr_header(rq, "iBaseToken"), *ck = sr_cookie(rq, "session");
		if (!tok || !ck || strncmp(ck, "ismsession=", 11) != 0 || strcmp(ck + 11, tok) != 0 ||
		    !sr_session_valid(rq->s, tok)) {
			os_answer(rs, 200, NULL, -401, "unauthorized");
			return;
		}
		if (strcmp(rest, "/sessions") == 0 && strcmp(rq->method, "DELETE") == 0) {
			sr_session_close(rq->s, tok);
			os_answer(rs, 200, NULL, 0, "0");
			return;
		}
	}
	enum sr_fault fault = sr_fault_take(rq, rs);
	if (fault == SR_FAULT_ANSWERED)
		return;
	if (fault == SR_FAULT_HTTP500) {
		os_answer(rs, 500, NULL, 1077949001, "internal error");
		return;
	}
	if (fault == SR_FAULT_VENDOR) {
		os_answer(rs, 200, NULL, 50331651, "An error occurs to the parameter.");
		return;
	}
	if (strcmp(rest, "/system/") == 0) {
		os_answer(rs, 200, json_pack("{s:s,s:s,s:s,s:s,s:s}", "ID", dev, "NAME", a->name,
					     "PRODUCTVERSION", array_version(a, "V600R005C20"),
					     "SECTORSIZE", "512", "PRODUCTMODE", "811"), 0, "0");
	} else if (strcmp(rest, "/storagepool") == 0) {
		os_pools(rq, rs);
	} else if (strcmp(rest, "/lun") == 0) {
		os_luns(rq, rs);
	} else {
		os_answer(rs, 200, NULL, 1077948996, "The object does not exist.");
	}
}

/* ---- Dell PowerStore ---------------------------------------------------------- */

static void ps_error(struct sr_resp *rs, unsigned status, const char *code, const char *text)
{
	sr_json(rs, status, json_pack("{s:[{s:s,s:s,s:s,s:[]}]}", "messages", "code", code,
				      "severity", "Error", "message_l10n", text, "arguments"));
}

/* The session of a request: its auth_cookie, if it is a live session. */
static const char *ps_session(struct sr_req *rq)
{
	const char *c = sr_cookie(rq, "auth_cookie");
	return c && sr_session_valid(rq->s, c) ? c : NULL;
}

static void ps_volumes(struct sr_req *rq, struct sr_resp *rs)
{
	const struct sim_array *a = sr_array(rq->s);
	size_t n = sr_vol_count(rq->s), total = n + 1; /* + one snapshot */
	uint64_t off = query_u64(rq, "offset", 0);
	unsigned lim = page_limit(rq, "limit");
	json_t *items = json_array();
	size_t end;
	if (off > total) {
		ps_error(rs, 416, "0xE04040030001", "Bad range");
		json_decref(items);
		return;
	}
	end = off + lim < total ? (size_t)off + lim : total;
	for (size_t i = (size_t)off; i < end; i++) {
		size_t pi, vi, src = i < n ? i : 0;
		const struct sim_volume *v;
		char uuid[48], app[16], wwn[48], name[300];
		sr_vol_at(rq->s, src, &pi, &vi);
		v = &a->pools[pi].vols[vi];
		sr_uuid(uuid, sizeof uuid, 0x905, i);
		snprintf(app, sizeof app, "A%zu", pi + 1);
		if (v->wwn && *v->wwn)
			snprintf(wwn, sizeof wwn, "naa.%s", v->wwn);
		else
			snprintf(wwn, sizeof wwn, "naa.68ccf09800%022llx", (unsigned long long)i);
		snprintf(name, sizeof name, i < n ? "%.250s" : "%.250s.snap-1", v->name);
		json_array_append_new(items,
			json_pack("{s:s,s:s,s:I,s:I,s:s,s:s,s:s,s:s,s:{s:s}}", "id", uuid, "name", name,
				  "size", (json_int_t)v->provisioned, "logical_used",
				  (json_int_t)(i < n ? sr_vol_consumed(&a->pools[pi], v, rq->t_ns) : 0),
				  "type", i < n ? "Primary" : "Snapshot", "state", "Ready",
				  "appliance_id", app, "wwn", wwn, "appliance", "id", app));
	}
	if (end > off) {
		char cr[64];
		snprintf(cr, sizeof cr, "%llu-%zu/%zu", (unsigned long long)off, end - 1, total);
		sr_header_add(rs, "Content-Range", cr);
	}
	sr_json(rs, end < total ? 206 : 200, items);
}

static void ps_metrics(struct sr_req *rq, struct sr_resp *rs)
{
	const struct sim_array *a = sr_array(rq->s);
	json_t *j = sr_body_json(rq), *out;
	const char *entity = NULL, *id = NULL;
	unsigned long idx = 0;
	struct sr_pool_now pn;
	uint64_t prov = 0, cons = 0;
	if (!j || json_unpack(j, "{s:s,s:s}", "entity", &entity, "entity_id", &id) ||
	    strcmp(entity, "space_metrics_by_appliance") != 0 || sscanf(id, "A%lu", &idx) != 1 ||
	    idx < 1 || idx > a->npools) {
		json_decref(j);
		ps_error(rs, 400, "0xE04040010005", "Invalid metrics request");
		return;
	}
	json_decref(j);
	sr_pool_at(&a->pools[idx - 1], rq->t_ns, &pn);
	for (size_t v = 0; v < a->pools[idx - 1].nvols; v++) {
		prov += a->pools[idx - 1].vols[v].provisioned;
		cons += sr_vol_consumed(&a->pools[idx - 1], &a->pools[idx - 1].vols[v], rq->t_ns);
	}
	out = json_array();
	/* older samples first; the client must take the last one */
	for (int k = 2; k >= 0; k--) {
		char ts[32], app[16];
		snprintf(ts, sizeof ts, "2026-01-01T00:%02d:00Z", 50 - 5 * k);
		snprintf(app, sizeof app, "A%lu", idx);
		json_array_append_new(out,
			json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:f,s:s}", "appliance_id", app,
				  "timestamp", ts, "physical_total", (json_int_t)(k ? 1 : pn.capacity),
				  "physical_used", (json_int_t)(k ? 0 : pn.used), "logical_provisioned",
				  (json_int_t)prov, "logical_used", (json_int_t)cons, "data_reduction",
				  1.0, "entity", "space_metrics_by_appliance"));
	}
	sr_json(rs, 200, out);
}

static void ps_handle(struct sr_req *rq, struct sr_resp *rs)
{
	const struct sim_array *a = sr_array(rq->s);
	const char *sess;
	int post = strcmp(rq->method, "POST") == 0;
	if (strcmp(rq->path, "/api/rest/login_session") == 0 && !ps_session(rq)) {
		char tok[64], cookie[128], csrf[80];
		if (!sr_basic_ok(rq)) {
			sr_login_failed(rq->s);
			ps_error(rs, 401, "0xE09010010001", "Authentication failed.");
			return;
		}
		if (sr_session_open(rq->s, tok, sizeof tok)) {
			ps_error(rs, 503, "0xE09010010010", "Too many sessions.");
			return;
		}
		snprintf(cookie, sizeof cookie, "auth_cookie=%s; Path=/; Secure; HttpOnly", tok);
		/* the CSRF token is derived from the session so it needs no table */
		snprintf(csrf, sizeof csrf, "csrf-%s", tok);
		sr_header_add(rs, "Set-Cookie", cookie);
		sr_header_add(rs, "DELL-EMC-TOKEN", csrf);
		sr_json(rs, 200, json_pack("[{s:s,s:s,s:i,s:b}]", "id", tok, "user",
					   sr_conf(rq->s)->username, "idle_timeout", 3600,
					   "is_password_change_required", 0));
		return;
	}
	if (!(sess = ps_session(rq))) {
		/* Basic auth without the cookie opens a session per call: what the
		 * session-flood bug looked like; the counters show it. */
		if (sr_basic_ok(rq)) {
			char tok[64];
			if (sr_session_open(rq->s, tok, sizeof tok)) {
				ps_error(rs, 503, "0xE09010010010", "Too many sessions.");
				return;
			}
		} else {
			if (sr_header(rq, "Authorization"))
				sr_login_failed(rq->s);
			ps_error(rs, 401, "0xE09010010001", "Authentication required.");
			return;
		}
	}
	if (post) {
		const char *t = sr_header(rq, "DELL-EMC-TOKEN");
		if (sess && (!t || strncmp(t, "csrf-", 5) != 0 || strcmp(t + 5, sess) != 0)) {
			ps_error(rs, 403, "0xE0901001000B", "The CSRF token is invalid.");
			return;
		}
	}
	if (strcmp(rq->path, "/api/rest/logout") == 0 && post) {
		sr_session_close(rq->s, sess);
		sr_text(rs, 204, "");
		return;
	}
	enum sr_fault fault = sr_fault_take(rq, rs);
	if (fault == SR_FAULT_ANSWERED)
		return;
	if (fault == SR_FAULT_HTTP500) {
		ps_error(rs, 500, "0xE04040020001", "Internal error.");
		return;
	}
	if (fault == SR_FAULT_VENDOR) {
		ps_error(rs, 422, "0xE04040030002", "The request could not be processed.");
		return;
	}
	if (strcmp(rq->path, "/api/rest/login_session") == 0) {
		sr_json(rs, 200, json_pack("[{s:s}]", "id", sess ? sess : ""));
	} else if (strcmp(rq->path, "/api/rest/cluster") == 0) {
		sr_json(rs, 200, json_pack("[{s:s,s:s,s:s,s:i}]", "id", "0", "name", a->name,
					   "global_id", a->serial ? a->serial : "PS0234fd139f29",
					   "appliance_count", (int)a->npools));
	} else if (strcmp(rq->path, "/api/rest/appliance") == 0) {
		json_t *list = json_array();
		for (size_t i = 0; i < a->npools; i++) {
			char id[32];
			snprintf(id, sizeof id, "A%zu", i + 1);
			json_array_append_new(list, json_pack("{s:s,s:s,s:s}", "id", id, "name",
							      a->pools[i].name, "model",
							      a->model ? a->model : "PowerStore 1000T"));
		}
		sr_json(rs, 200, list);
	} else if (strcmp(rq->path, "/api/rest/metrics/generate") == 0 && post) {
		ps_metrics(rq, rs);
	} else if (strcmp(rq->path, "/api/rest/volume") == 0) {
		ps_volumes(rq, rs);
	} else {
		ps_error(rs, 404, "0xE04040010001", "Resource not found.");
	}
}

/* ---- IBM Storage Virtualize ------------------------------------------------------ */

static json_t *ib_num(uint64_t v, int bytes)
{
	char s[32];
	if (bytes)
		snprintf(s, sizeof s, "%llu", (unsigned long long)v);
	else
		snprintf(s, sizeof s, "%.2fGB", (double)v / (1024.0 * 1024 * 1024));
	return json_string(s);
}

static void ib_lists(struct sr_req *rq, struct sr_resp *rs, const char *cmd)
{
	const struct sim_array *a = sr_array(rq->s);
	json_t *body = sr_body_json(rq), *out = json_array();
	int bytes = body && json_is_true(json_object_get(body, "bytes"));
	size_t n = sr_vol_count(rq->s);
	json_decref(body);
	if (strcmp(cmd, "lsmdiskgrp") == 0) {
		for (size_t i = 0; i < a->npools; i++) {
			const struct sim_pool *p = &a->pools[i];
			struct sr_pool_now pn;
			uint64_t virt = 0;
			char id[24], pct[24];
			json_t *o;
			sr_pool_at(p, rq->t_ns, &pn);
			for (size_t v = 0; v < p->nvols; v++)
				virt += p->vols[v].provisioned;
			snprintf(id, sizeof id, "%zu", i);
			snprintf(pct, sizeof pct, "%llu",
				 (unsigned long long)(pn.capacity ? virt * 100 / pn.capacity : 0));
			o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "id", id, "name", p->name, "status",
				      "online", "overallocation", pct, "type", "parent",
				      "data_reduction", "no");
			json_object_set_new(o, "capacity", ib_num(pn.capacity, bytes));
			json_object_set_new(o, "free_capacity", ib_num(pn.free, bytes));
			json_object_set_new(o, "real_capacity", ib_num(pn.used, bytes));
			json_object_set_new(o, "used_capacity", ib_num(pn.used, bytes));
			json_object_set_new(o, "virtual_capacity", ib_num(virt, bytes));
			json_array_append_new(out, o);
		}
	} else {
		for (size_t i = 0; i < n; i++) {
			size_t pi, vi;
			const struct sim_volume *v;
			char id[24], pid[24], uid[80];
			json_t *o;
			sr_vol_at(rq->s, i, &pi, &vi);
			v = &a->pools[pi].vols[vi];
			snprintf(id, sizeof id, "%zu", i);
			snprintf(pid, sizeof pid, "%zu", pi);
			if (v->wwn && *v->wwn)
				snprintf(uid, sizeof uid, "%s", v->wwn);
			else
				snprintf(uid, sizeof uid, "6005076810CA0166C0000000%08zX", i);
			if (strcmp(cmd, "lsvdisk") == 0) {
				o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "id", id, "name",
					      v->name, "status", "online", "mdisk_grp_id", pid,
					      "mdisk_grp_name", a->pools[pi].name, "vdisk_UID", uid,
					      "copy_count", "1", "se_copy_count", v->thin ? "1" : "0",
					      "compressed_copy_count", "0", "deduplicated_copy_count",
					      "0");
				json_object_set_new(o, "capacity", ib_num(v->provisioned, bytes));
			} else if (strcmp(cmd, "lsvdiskcopy") == 0) {
				o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "vdisk_id", id,
					      "vdisk_name", v->name, "copy_id", "0", "primary", "yes",
					      "mdisk_grp_id", pid, "mdisk_grp_name", a->pools[pi].name,
					      "se_copy", v->thin ? "yes" : "no", "compressed_copy", "no",
					      "deduplicated_copy", "no");
				json_object_set_new(o, "capacity", ib_num(v->provisioned, bytes));
			} else { /* lssevdiskcopy: thin copies only */
				uint64_t c = sr_vol_consumed(&a->pools[pi], v, rq->t_ns);
				if (!v->thin)
					continue;
				o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "vdisk_id", id, "vdisk_name",
					      v->name, "copy_id", "0", "mdisk_grp_id", pid,
					      "mdisk_grp_name", a->pools[pi].name, "se_copy", "yes");
				json_object_set_new(o, "capacity", ib_num(v->provisioned, bytes));
				json_object_set_new(o, "used_capacity", ib_num(c, bytes));
				json_object_set_new(o, "real_capacity", ib_num(c, bytes));
				json_object_set_new(o, "free_capacity", ib_num(0, bytes));
			}
			json_array_append_new(out, o);
		}
	}
	sr_json(rs, 200, out);
}

static void ib_handle(struct sr_req *rq, struct sr_resp *rs)
{
	const struct sim_array *a = sr_array(rq->s);
	const char *cmd;
	if (strcmp(rq->method, "POST") != 0 || strncmp(rq->path, "/rest/", 6) != 0) {
		sr_text(rs, 404, "CMMVC5707E Required parameters are missing.\n");
		return;
	}
	cmd = rq->path + 6;
	if (strcmp(cmd, "auth") == 0) {
		const char *u = sr_header(rq, "X-Auth-Username"), *pw = sr_header(rq, "X-Auth-Password");
		char tok[64];
		if (!u || !pw || strcmp(u, sr_conf(rq->s)->username) ||
		    !sr_secret_ok(rq, pw, sr_conf(rq->s)->password)) {
			sr_login_failed(rq->s);
			sr_text(rs, 403, "Authentication failed\n");
			return;
		}
		if (sr_session_open(rq->s, tok, sizeof tok)) {
			sr_text(rs, 429, "Too many sessions\n");
			return;
		}
		sr_json(rs, 200, json_pack("{s:s}", "token", tok));
		return;
	}
	if (!sr_session_valid(rq->s, sr_header(rq, "X-Auth-Token"))) {
		sr_text(rs, 403, "Token expired or invalid\n");
		return;
	}
	enum sr_fault fault = sr_fault_take(rq, rs);
	if (fault == SR_FAULT_ANSWERED)
		return;
	if (fault == SR_FAULT_HTTP500 || fault == SR_FAULT_VENDOR) {
		sr_text(rs, 500, fault == SR_FAULT_HTTP500
			? "CMMVC5753E The specified object does not exist or is not a suitable "
			  "candidate.\n"
			: "CMMVC6581E The command has failed because the cluster is busy.\n");
		return;
	}
	if (strcmp(cmd, "lssystem") == 0)
		sr_json(rs, 200, json_pack("{s:s,s:s,s:s,s:s}", "id",
					   a->serial ? a->serial : "0000020421600428", "name", a->name,
					   "code_level", "8.5.0.6 (build 157.12.2203111203000)",
					   "product_name", a->model ? a->model : "IBM FlashSystem 7300"));
	else if (strcmp(cmd, "lsmdiskgrp") == 0 || strcmp(cmd, "lsvdisk") == 0 ||
		 strcmp(cmd, "lsvdiskcopy") == 0 || strcmp(cmd, "lssevdiskcopy") == 0)
		ib_lists(rq, rs, cmd);
	else
		sr_text(rs, 500, "CMMVC5709E The command is not supported.\n");
}

/* ---- Dell EMC Unity ------------------------------------------------------------- */

static void un_error(struct sr_resp *rs, unsigned status, long long code, const char *text)
{
	sr_json(rs, status, json_pack("{s:{s:I,s:i,s:[{s:s}],s:s}}", "error", "errorCode",
				      (json_int_t)code, "httpStatusCode", (int)status, "messages",
				      "en-US", text, "created", "2026-01-01T00:00:00.000Z"));
}

static json_t *un_collection(struct sr_req *rq, json_t *entries, size_t total, size_t page,
			     size_t per_page)
{
	char self[64], next[64];
	json_t *links = json_array();
	snprintf(self, sizeof self, "&page=%zu", page);
	json_array_append_new(links, json_pack("{s:s,s:s}", "rel", "self", "href", self));
	if (page * per_page < total) {
		snprintf(next, sizeof next, "&page=%zu", page + 1);
		json_array_append_new(links, json_pack("{s:s,s:s}", "rel", "next", "href", next));
	}
	return json_pack("{s:s,s:s,s:o,s:o}", "@base", rq->path, "updated",
			 "2026-01-01T00:00:00.000Z", "links", links, "entries", entries);
}

static void un_page(struct sr_req *rq, size_t *page, size_t *per)
{
	*per = page_limit(rq, "per_page");
	*page = (size_t)query_u64(rq, "page", 1);
	if (*page < 1)
		*page = 1;
}

static void un_handle(struct sr_req *rq, struct sr_resp *rs)
{
	const struct sim_array *a = sr_array(rq->s);
	const char *hdr = sr_header(rq, "X-EMC-REST-CLIENT"), *ck = sr_cookie(rq, "mod_sec_emc");
	const char *sess = ck && sr_session_valid(rq->s, ck) ? ck : NULL;
	char tok[64];
	size_t page, per;
	if (!hdr || strcmp(hdr, "true") != 0) {
		un_error(rs, 401, 131149829, "X-EMC-REST-CLIENT header is required.");
		return;
	}
	if (!sess) {
		char cookie[128], csrf[80];
		if (!sr_basic_ok(rq)) {
			/* credentials that do not match: a failed login; none at all: a
			 * call on an expired (or never opened) session */
			if (sr_header(rq, "Authorization"))
				sr_login_failed(rq->s);
			un_error(rs, 401, 131149829, "Unauthorized.");
			return;
		}
		if (sr_session_open(rq->s, tok, sizeof tok)) {
			un_error(rs, 503, 131149830, "Too many sessions.");
			return;
		}
		sess = tok;
		snprintf(cookie, sizeof cookie, "mod_sec_emc=%s; Path=/; Secure; HttpOnly", tok);
		snprintf(csrf, sizeof csrf, "csrf-%s", tok);
		sr_header_add(rs, "Set-Cookie", cookie);
		sr_header_add(rs, "EMC-CSRF-TOKEN", csrf);
	}
	if (strcmp(rq->method, "POST") == 0) {
		const char *t = sr_header(rq, "EMC-CSRF-TOKEN");
		if (!t || strncmp(t, "csrf-", 5) != 0 || strcmp(t + 5, sess) != 0) {
			un_error(rs, 401, 131149831, "Invalid CSRF token.");
			return;
		}
		if (strcmp(rq->path, "/api/types/loginSessionInfo/action/logout") == 0) {
			sr_session_close(rq->s, sess);
			sr_json(rs, 200, json_pack("{s:b}", "logoutOK", 1));
			return;
		}
		un_error(rs, 404, 131149828, "The requested resource does not exist.");
		return;
	}
	enum sr_fault fault = sr_fault_take(rq, rs);
	if (fault == SR_FAULT_ANSWERED)
		return;
	if (fault == SR_FAULT_HTTP500) {
		un_error(rs, 500, 131149832, "Internal error.");
		return;
	}
	if (fault == SR_FAULT_VENDOR) {
		un_error(rs, 409, 131149833, "The system is busy.");
		return;
	}
	un_page(rq, &page, &per);
	if (strcmp(rq->path, "/api/types/loginSessionInfo/instances") == 0) {
		json_t *e = json_pack("[{s:{s:s,s:i}}]", "content", "id", sr_conf(rq->s)->username,
				      "idleTimeout", 3600);
		sr_json(rs, 200, un_collection(rq, e, 1, 1, 1));
	} else if (strcmp(rq->path, "/api/types/basicSystemInfo/instances") == 0) {
		json_t *e = json_pack("[{s:{s:s,s:s,s:s,s:s}}]", "content", "id", "0", "model",
				      a->model ? a->model : "Unity 500", "name", a->name,
				      "softwareVersion", array_version(a, "5.2.0"));
		sr_json(rs, 200, un_collection(rq, e, 1, 1, 1));
	} else if (strcmp(rq->path, "/api/types/pool/instances") == 0) {
		json_t *e = json_array();
		for (size_t i = (page - 1) * per; i < a->npools && i < page * per; i++) {
			const struct sim_pool *p = &a->pools[i];
			struct sr_pool_now pn;
			uint64_t sub = 0;
			char id[32];
			sr_pool_at(p, rq->t_ns, &pn);
			for (size_t v = 0; v < p->nvols; v++)
				sub += p->vols[v].provisioned;
			snprintf(id, sizeof id, "pool_%zu", i + 1);
			json_array_append_new(e,
				json_pack("{s:{s:s,s:s,s:I,s:I,s:I,s:I}}", "content", "id", id, "name",
					  p->name, "sizeTotal", (json_int_t)pn.capacity, "sizeFree",
					  (json_int_t)pn.free, "sizeUsed", (json_int_t)pn.used,
					  "sizeSubscribed", (json_int_t)sub));
		}
		sr_json(rs, 200, un_collection(rq, e, a->npools, page, per));
	} else if (strcmp(rq->path, "/api/types/lun/instances") == 0) {
		json_t *e = json_array();
		size_t n = sr_vol_count(rq->s);
		for (size_t i = (page - 1) * per; i < n && i < page * per; i++) {
			size_t pi, vi;
			const struct sim_volume *v;
			char id[24], pid[24], wwn[64];
			sr_vol_at(rq->s, i, &pi, &vi);
			v = &a->pools[pi].vols[vi];
			snprintf(id, sizeof id, "sv_%zu", i + 1);
			snprintf(pid, sizeof pid, "pool_%zu", pi + 1);
			if (v->wwn && *v->wwn) {
				size_t k = 0;
				for (const char *c = v->wwn; *c && k + 3 < sizeof wwn; c++) {
					if (k && (c - v->wwn) % 2 == 0)
						wwn[k++] = ':';
					wwn[k++] = (char)(*c >= 'a' && *c <= 'f' ? *c - 32 : *c);
				}
				wwn[k] = '\0';
			} else {
				snprintf(wwn, sizeof wwn, "60:06:01:60:00:00:00:00:00:00:00:00:00:00:%02zX:%02zX",
					 (i >> 8) & 0xff, i & 0xff);
			}
			json_array_append_new(e,
				json_pack("{s:{s:s,s:s,s:I,s:I,s:b,s:{s:s},s:s}}", "content", "id", id,
					  "name", v->name, "sizeTotal", (json_int_t)v->provisioned,
					  "sizeAllocated",
					  (json_int_t)sr_vol_consumed(&a->pools[pi], v, rq->t_ns),
					  "isThinEnabled", v->thin, "pool", "id", pid, "wwn", wwn));
		}
		sr_json(rs, 200, un_collection(rq, e, n, page, per));
	} else {
		un_error(rs, 404, 131149828, "The requested resource does not exist.");
	}
}

/* ---- registry -------------------------------------------------------------------- */

static const struct sr_personality personalities[] = {
	{ "ontap", ontap_handle },
	{ "purefa", purefa_handle },
	{ "hpe3par", hp_handle },
	{ "oceanstor", os_handle },
	{ "powerstore", ps_handle },
	{ "ibmsv", ib_handle },
	{ "unity", un_handle },
};

const struct sr_personality *sr_personality_find(const char *name)
{
	for (size_t i = 0; i < TW_ARRAY_LEN(personalities); i++)
		if (strcmp(personalities[i].name, name) == 0)
			return &personalities[i];
	return NULL;
}
