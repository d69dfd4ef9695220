/* drv_hpe3par.c: HPE 3PAR / Primera / Alletra 9000 WSAPI driver (/api/v1).
 *
 * Session: POST /api/v1/credentials {"user","password"} answers 201
 * {"key"}; the key goes in X-HP3PAR-WSAPI-SessionKey on every call and is
 * kept across polls (keys are scarce: 24-672 per array); 401/403 means it
 * expired (one re-login); DELETE /api/v1/credentials/<key> in close().
 * A poll is:
 *   GET  /api/v1/system                      -> model, serial, version
 *   GET  /api/v1/cpgs                        -> one pool per CPG
 *   POST /api/v1/spacereporter {"cpg":name}  -> per CPG without a growth limit
 *   GET  /api/v1/volumes                     -> base volumes (no paging)
 *
 * Everything is in MiB.  A CPG has no fixed size: capacity is its growth
 * limit (SDGrowth.limitMiB) when one is set, else used + usableFreeMiB
 * (what it can still grow into; CPGs share free chunklets, so these
 * overlap) -- the figures cinder uses.  used = UsrUsage.usedMiB +
 * SDUsage.usedMiB.  Volumes: only base volumes count (copyType 1; virtual
 * copies are snapshots), provisioned = sizeMiB, consumed = userSpace.usedMiB
 * (newer OS: totalUsedMiB; may exceed the size), thin = provisioningType 2
 * (TPVV) or 6 (TDVV), thick = 1 (FPVV), pool = userCPG. */
#include "config.h"
#include "rest.h"
#include "rest_json.h"
#include "rest_map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIB ((uint64_t)1 << 20)

enum hp_phase { HP_SYSTEM, HP_CPGS, HP_SPACE, HP_VOLS, HP_DONE };

struct hpe3par {
	char *key;              /* session key (secret) */
	enum hp_phase phase;
	char **space;           /* CPGs that need the space reporter */
	size_t nspace, ispace;
};

/* ---- pure mapping ---------------------------------------------------------- */

static int mib(const json_t *o, const char *path, uint64_t *out)
{
	uint64_t v;
	int r = rj_u64(o, path, &v);
	if (r != 1)
		return r;
	return rj_mul_u64(v, MIB, out) ? -1 : 1;
}

tw_err hpe3par_map_system(const json_t *root, struct snap_builder *b, char *msg, size_t msglen)
{
	struct tw_array_info *info = snap_builder_info(b);
	const char *s;
	if (!json_is_object(root))
		return tw_seterr(msg, msglen, TW_ERR_INVALID_DATA, "system: expected an object");
	if (rj_set_info(&info->vendor, "HPE"))
		return TW_ERR_NOMEM;
	if (rj_str(root, "model", &s) == 1 && rj_set_info(&info->model, s))
		return TW_ERR_NOMEM;
	if (rj_str(root, "serialNumber", &s) == 1 && rj_set_info(&info->serial, s))
		return TW_ERR_NOMEM;
	if (rj_str(root, "systemVersion", &s) == 1 && rj_set_info(&info->version, s))
		return TW_ERR_NOMEM;
	return TW_OK;
}

tw_err hpe3par_map_cpgs(const json_t *root, struct snap_builder *b, char *msg, size_t msglen)
{
	json_t *members, *c;
	size_t i;
	tw_err e = rj_array(root, "members", "cpgs", &members, msg, msglen);
	if (e)
		return e;
	json_array_foreach(members, i, c) {
		const char *name = NULL;
		uint64_t usr = 0, sd = 0, limit = 0;
		int hu, hs, hl;
		uint32_t idx;
		struct tw_pool *p;
		if (!json_is_object(c))
			return rj_bad(msg, msglen, "cpgs", i, "member", "an object");
		if (rj_str(c, "name", &name) != 1 || !*name)
			return rj_bad(msg, msglen, "cpgs", i, "name", "a non-empty string");
		if ((hu = mib(c, "UsrUsage.usedMiB", &usr)) < 0)
			return rj_bad(msg, msglen, "cpgs", i, "UsrUsage.usedMiB", "MiB as an integer");
		if ((hs = mib(c, "SDUsage.usedMiB", &sd)) < 0)
			return rj_bad(msg, msglen, "cpgs", i, "SDUsage.usedMiB", "MiB as an integer");
		if ((hl = mib(c, "SDGrowth.limitMiB", &limit)) < 0)
			return rj_bad(msg, msglen, "cpgs", i, "SDGrowth.limitMiB", "MiB as an integer");
		if ((idx = snap_builder_pool(b, name)) == TW_NO_POOL)
			return TW_ERR_NOMEM;
		p = snap_builder_pool_at(b, idx);
		if (hu == 1) {
			if (usr > UINT64_MAX - sd)
				return rj_bad(msg, msglen, "cpgs", i, "UsrUsage.usedMiB",
					      "a value that fits 64 bits");
			rj_pool_set(p, TW_HAS_USED, usr + sd);
		}
		if (hl == 1 && limit > 0) {
			rj_pool_set(p, TW_HAS_CAPACITY, limit);
			if (hu == 1)
				rj_pool_set(p, TW_HAS_FREE, limit > usr + sd ? limit - (usr + sd) : 0);
		}
	}
	return TW_OK;
}

tw_err hpe3par_map_spacereport(const json_t *root, struct snap_builder *b, uint32_t pool,
			       char *msg, size_t msglen)
{
	struct tw_pool *p = snap_builder_pool_at(b, pool);
	uint64_t fr = 0;
	int r = mib(root, "usableFreeMiB", &fr);
	if (!p)
		return TW_ERR_INTERNAL;
	if (r < 0 || !json_is_object(root))
		return rj_bad(msg, msglen, "spacereporter", 0, "usableFreeMiB", "MiB as an integer");
	if (r == 0)
		return TW_OK;
	rj_pool_set(p, TW_HAS_FREE, fr);
	if (p->flags & TW_HAS_USED) {
		if (p->used > UINT64_MAX - fr)
			return rj_bad(msg, msglen, "spacereporter", 0, "usableFreeMiB",
				      "a value that fits 64 bits");
		rj_pool_set(p, TW_HAS_CAPACITY, p->used + fr);
	}
	return TW_OK;
}

tw_err hpe3par_map_volumes(const json_t *root, struct snap_builder *b, char *msg, size_t msglen)
{
	json_t *members, *m;
	size_t i;
	tw_err e = rj_array(root, "members", "volumes", &members, msg, msglen);
	if (e)
		return e;
	json_array_foreach(members, i, m) {
		const char *name = NULL, *cpg = NULL, *wwn = NULL;
		uint64_t copy = 1, ptype = 0, size = 0, used = 0;
		int hc, hp, hs, hu, thin = -1;
		struct tw_volume *v;
		if (!json_is_object(m))
			return rj_bad(msg, msglen, "volumes", i, "member", "an object");
		if (rj_str(m, "name", &name) != 1 || !*name)
			return rj_bad(msg, msglen, "volumes", i, "name", "a non-empty string");
		if ((hc = rj_u64(m, "copyType", &copy)) < 0)
			return rj_bad(msg, msglen, "volumes", i, "copyType", "an integer");
		if ((hp = rj_u64(m, "provisioningType", &ptype)) < 0)
			return rj_bad(msg, msglen, "volumes", i, "provisioningType", "an integer");
		if ((hc == 1 && copy != 1) || (hp == 1 && ptype == 3))
			continue; /* virtual or physical copies: snapshots, not promises */
		if ((hs = mib(m, "sizeMiB", &size)) < 0)
			return rj_bad(msg, msglen, "volumes", i, "sizeMiB", "MiB as an integer");
		if ((hu = mib(m, "userSpace.usedMiB", &used)) == 0)
			hu = mib(m, "totalUsedMiB", &used);
		if (hu < 0)
			return rj_bad(msg, msglen, "volumes", i, "userSpace.usedMiB",
				      "MiB as an integer");
		if (rj_str(m, "userCPG", &cpg) < 0)
			return rj_bad(msg, msglen, "volumes", i, "userCPG", "a string");
		if (rj_str(m, "wwn", &wwn) < 0)
			return rj_bad(msg, msglen, "volumes", i, "wwn", "a string");
		if (hp == 1)
			thin = ptype == 2 || ptype == 6 ? 1 : ptype == 1 ? 0 : -1;
		v = rj_volume_add(b, name, cpg ? rj_pool_find(b, cpg) : TW_NO_POOL, hs == 1, size,
				  hu == 1, used, thin);
		if (!v)
			return TW_ERR_NOMEM;
		if (wwn)
			v->wwn = rj_wwn(wwn);
	}
	return TW_OK;
}

void hpe3par_error_text(const json_t *root, char *out, size_t outlen)
{
	const char *d = NULL;
	uint64_t code = 0;
	out[0] = '\0';
	if (rj_str(root, "desc", &d) != 1)
		return;
	if (rj_u64(root, "code", &code) == 1)
		snprintf(out, outlen, "%s (code %llu)", d, (unsigned long long)code);
	else
		snprintf(out, outlen, "%s", d);
}

/* ---- session and request sequence ------------------------------------------ */

static void secret_drop(char **s)
{
	if (*s) {
		volatile char *p = *s;
		while (*p)
			*p++ = '\0';
		free(*s);
		*s = NULL;
	}
}

static void space_clear(struct hpe3par *h)
{
	for (size_t i = 0; i < h->nspace; i++)
		free(h->space[i]);
	free(h->space);
	h->space = NULL;
	h->nspace = h->ispace = 0;
}

static void hp_forget(void *vs)
{
	secret_drop(&((struct hpe3par *)vs)->key);
}

static void hp_free(void *vs)
{
	hp_forget(vs);
	space_clear(vs);
}

static int hp_login_next(void *vs, const struct rest_target *t, struct rest_request *rq)
{
	struct hpe3par *h = vs;
	json_t *j;
	char *body;
	if (h->key)
		return 0;
	rest_request_set(rq, REST_POST, "/api/v1/credentials");
	j = json_pack("{s:s,s:s}", "user", t->username ? t->username : "", "password",
		      t->password ? t->password : "");
	body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!body) {
		rq->body.err = TW_ERR_NOMEM;
		return 1;
	}
	rest_request_body(rq, body);
	memset(body, 0, strlen(body));
	free(body);
	return 1;
}

static tw_err hp_login_response(void *vs, const struct rest_target *t,
				const struct rest_response *r, char *msg, size_t msglen)
{
	struct hpe3par *h = vs;
	json_t *root = NULL;
	const char *key = NULL;
	tw_err e = rj_parse(r->body.data, r->body.len, &root, msg, msglen);
	(void)t;
	if (e)
		return e;
	if (rj_str(root, "key", &key) != 1 || !*key || strpbrk(key, "\r\n/?#"))
		e = tw_seterr(msg, msglen, TW_ERR_PROTOCOL, "credentials answered without a key");
	else if (!(h->key = tw_strdup(key)))
		e = TW_ERR_NOMEM;
	json_decref(root);
	return e;
}

static int hp_logout(void *vs, const struct rest_target *t, struct rest_request *rq)
{
	struct hpe3par *h = vs;
	(void)t;
	if (!h->key)
		return 0;
	rest_request_set(rq, REST_DELETE, "/api/v1/credentials/");
	rest_request_append_escaped(rq, h->key);
	return 1;
}

static void hp_begin(void *vs)
{
	struct hpe3par *h = vs;
	space_clear(h);
	h->phase = HP_SYSTEM;
}

static int hp_next(void *vs, const struct rest_target *t, struct rest_request *rq)
{
	struct hpe3par *h = vs;
	(void)t;
	switch (h->phase) {
	case HP_SYSTEM:
		rest_request_set(rq, REST_GET, "/api/v1/system");
		break;
	case HP_CPGS:
		rest_request_set(rq, REST_GET, "/api/v1/cpgs");
		break;
	case HP_SPACE: {
		json_t *j = json_pack("{s:s}", "cpg", h->space[h->ispace]);
		char *body = j ? json_dumps(j, JSON_COMPACT) : NULL;
		json_decref(j);
		rest_request_set(rq, REST_POST, "/api/v1/spacereporter");
		if (body)
			rest_request_body(rq, body);
		else
			rq->body.err = TW_ERR_NOMEM;
		free(body);
		break;
	}
	case HP_VOLS:
		rest_request_set(rq, REST_GET, "/api/v1/volumes");
		break;
	case HP_DONE:
		return 0;
	}
	rest_request_header(rq, "X-HP3PAR-WSAPI-SessionKey", h->key ? h->key : "");
	return 1;
}

/* CPGs whose capacity the growth limit did not give. */
static tw_err collect_space(struct hpe3par *h, struct snap_builder *b)
{
	size_t n = snap_builder_npools(b);
	h->space = calloc(n ? n : 1, sizeof *h->space);
	if (!h->space)
		return TW_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct tw_pool *p = snap_builder_pool_at(b, (uint32_t)i);
		if (p->flags & TW_HAS_CAPACITY)
			continue;
		if (!(h->space[h->nspace] = tw_strdup(p->name)))
			return TW_ERR_NOMEM;
		h->nspace++;
	}
	return TW_OK;
}

static tw_err hp_response(void *vs, struct snap_builder *b, const struct rest_response *r,
			  char *msg, size_t msglen)
{
	struct hpe3par *h = vs;
	json_t *root = NULL;
	tw_err e = rj_parse(r->body.data, r->body.len, &root, msg, msglen);
	if (e)
		return e;
	switch (h->phase) {
	case HP_SYSTEM:
		e = hpe3par_map_system(root, b, msg, msglen);
		h->phase = HP_CPGS;
		break;
	case HP_CPGS:
		e = hpe3par_map_cpgs(root, b, msg, msglen);
		if (!e)
			e = collect_space(h, b);
		h->phase = h->nspace ? HP_SPACE : HP_VOLS;
		break;
	case HP_SPACE:
		e = hpe3par_map_spacereport(root, b, rj_pool_find(b, h->space[h->ispace]), msg,
					    msglen);
		if (++h->ispace >= h->nspace)
			h->phase = HP_VOLS;
		break;
	case HP_VOLS:
		e = hpe3par_map_volumes(root, b, msg, msglen);
		h->phase = HP_DONE;
		break;
	case HP_DONE:
		e = TW_ERR_INTERNAL;
		break;
	}
	json_decref(root);
	return e;
}

static const struct rest_vendor hpe3par_vendor = {
	.name = "hpe3par",
	.state_size = sizeof(struct hpe3par),
	.flags = REST_F_SESSION | REST_F_NEED_USER,
	.free = hp_free,
	.login_next = hp_login_next,
	.login_response = hp_login_response,
	.logout = hp_logout,
	.forget = hp_forget,
	.poll_begin = hp_begin,
	.poll_next = hp_next,
	.poll_response = hp_response,
	.error_json = hpe3par_error_text,
};

REST_DRIVER(hpe3par, hpe3par_vendor);
