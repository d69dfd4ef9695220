/* drv_ibmsv.c: IBM Spectrum / Storage Virtualize REST driver (FlashSystem,
 * SVC, Storwize; https://<cluster>:7443/rest).
 *
 * Session: POST /rest/auth with X-Auth-Username / X-Auth-Password answers
 * {"token"}; every command is then a POST /rest/<command> with X-Auth-Token
 * and CLI flags as a JSON body, here always {"bytes":true} so capacities
 * come as exact byte strings instead of rounded "5.23TB".  The token is
 * kept across polls (it lasts 60 minutes by default); 401/403 means it
 * expired (one re-login).  The API has no logout: an unused token simply
 * times out on the array.  A poll is:
 *   lssystem                     -> name, serial (id), code level
 *   lsmdiskgrp                   -> pools, with the array's own
 *                                   virtual_capacity (provisioned)
 *   lsvdisk                      -> volumes (a mirrored volume is one row,
 *                                   pool "many": counted once)
 *   lsvdiskcopy                  -> pool and thin flag of each volume's
 *                                   primary copy
 *   lssevdiskcopy                -> real_capacity of thin/compressed copies
 *
 * Pool: capacity, free = free_capacity, used = real_capacity (allocated to
 * volume copies), provisioned = virtual_capacity as the array reports it.
 * Volume: provisioned = capacity, thin when its counted (primary) copy is
 * space-efficient, compressed or deduplicated; consumed = that copy's
 * real_capacity (thick copies are fully allocated: consumed = capacity).
 * CLI errors come back as HTTP 500 with plain text (CMMVC codes). */
#include "config.h"
#include "rest.h"
#include "rest_json.h"
#include "rest_map.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum ib_phase { IB_SYSTEM, IB_POOLS, IB_VDISKS, IB_COPIES, IB_SECOPIES, IB_DONE };

static const char *const ib_commands[] = {
	"lssystem", "lsmdiskgrp", "lsvdisk", "lsvdiskcopy", "lssevdiskcopy",
};

struct ibmsv {
	char *token;      /* X-Auth-Token (secret) */
	enum ib_phase phase;
};

/* ---- pure mapping ---------------------------------------------------------- */

/* A byte count as IBM sends it with {"bytes":true}: a decimal string. */
static int bytes(const json_t *o, const char *key, uint64_t *out)
{
	const char *s = NULL;
	int r = rj_str(o, key, &s);
	if (r == 0)
		return 0;
	if (r < 0)
		return rj_u64(o, key, out) == 1 ? 1 : -1;
	if (!*s)
		return 0;
	return tw_parse_u64(s, out) == 0 ? 1 : -1;
}

static int yes(const json_t *o, const char *key)
{
	const char *s = NULL;
	return rj_str(o, key, &s) == 1 && strcmp(s, "yes") == 0;
}

static int count_pos(const json_t *o, const char *key)
{
	uint64_t n = 0;
	return rj_u64_str(o, key, &n) == 1 && n > 0;
}

tw_err ibmsv_map_system(const json_t *root, struct snap_builder *b, char *msg, size_t msglen)
{
	struct tw_array_info *info = snap_builder_info(b);
	const char *s;
	if (!json_is_object(root))
		return tw_seterr(msg, msglen, TW_ERR_INVALID_DATA, "lssystem: expected an object");
	if (rj_set_info(&info->vendor, "IBM"))
		return TW_ERR_NOMEM;
	if (rj_str(root, "product_name", &s) == 1 && rj_set_info(&info->model, s))
		return TW_ERR_NOMEM;
	if (rj_str(root, "id", &s) == 1 && rj_set_info(&info->serial, s))
		return TW_ERR_NOMEM;
	if (rj_str(root, "code_level", &s) == 1) {
		size_t n = strcspn(s, " ");
		char ver[64];
		snprintf(ver, sizeof ver, "%.*s", (int)(n < sizeof ver ? n : sizeof ver - 1), s);
		if (rj_set_info(&info->version, ver))
			return TW_ERR_NOMEM;
	}
	return TW_OK;
}

tw_err ibmsv_map_pools(const json_t *root, struct snap_builder *b, char *msg, size_t msglen)
{
	static const struct { const char *key; uint32_t flag; } figs[] = {
		{ "capacity", TW_HAS_CAPACITY },
		{ "real_capacity", TW_HAS_USED },
		{ "free_capacity", TW_HAS_FREE },
		{ "virtual_capacity", TW_HAS_PROVISIONED },
	};
	json_t *p;
	size_t i;
	if (!json_is_array(root))
		return tw_seterr(msg, msglen, TW_ERR_INVALID_DATA, "lsmdiskgrp: expected an array");
	json_array_foreach(root, i, p) {
		const char *name = NULL;
		uint32_t idx;
		struct tw_pool *pool;
		if (!json_is_object(p))
			return rj_bad(msg, msglen, "lsmdiskgrp", i, "row", "an object");
		if (rj_str(p, "name", &name) != 1 || !*name)
			return rj_bad(msg, msglen, "lsmdiskgrp", i, "name", "a non-empty string");
		if ((idx = snap_builder_pool(b, name)) == TW_NO_POOL)
			return TW_ERR_NOMEM;
		pool = snap_builder_pool_at(b, idx);
		for (size_t k = 0; k < TW_ARRAY_LEN(figs); k++) {
			uint64_t v;
			int r = bytes(p, figs[k].key, &v);
			if (r < 0)
				return rj_bad(msg, msglen, "lsmdiskgrp", i, figs[k].key,
					      "a byte count (sent {\"bytes\":true}?)");
			if (r == 1)
				rj_pool_set(pool, figs[k].flag, v);
		}
	}
	return TW_OK;
}

tw_err ibmsv_map_vdisks(const json_t *root, struct snap_builder *b, char *msg, size_t msglen)
{
	json_t *d;
	size_t i;
	if (!json_is_array(root))
		return tw_seterr(msg, msglen, TW_ERR_INVALID_DATA, "lsvdisk: expected an array");
	json_array_foreach(root, i, d) {
		const char *name = NULL, *pool = NULL, *uid = NULL;
		uint64_t cap = 0;
		int hc, thin;
		struct tw_volume *v;
		if (!json_is_object(d))
			return rj_bad(msg, msglen, "lsvdisk", i, "row", "an object");
		if (rj_str(d, "name", &name) != 1 || !*name)
			return rj_bad(msg, msglen, "lsvdisk", i, "name", "a non-empty string");
		if ((hc = bytes(d, "capacity", &cap)) < 0)
			return rj_bad(msg, msglen, "lsvdisk", i, "capacity",
				      "a byte count (sent {\"bytes\":true}?)");
		if (rj_str(d, "mdisk_grp_name", &pool) < 0 || rj_str(d, "vdisk_UID", &uid) < 0)
			return rj_bad(msg, msglen, "lsvdisk", i, "mdisk_grp_name/vdisk_UID", "strings");
		thin = count_pos(d, "se_copy_count") || count_pos(d, "compressed_copy_count") ||
		       count_pos(d, "deduplicated_copy_count");
		/* "many": a mirrored volume; its pool comes from the primary copy */
		v = rj_volume_add(b, name,
				  pool && strcmp(pool, "many") != 0 ? rj_pool_find(b, pool) : TW_NO_POOL,
				  hc == 1, cap, hc == 1 && !thin, cap, thin);
		if (!v)
			return TW_ERR_NOMEM;
		if (uid)
			v->wwn = rj_wwn(uid);
	}
	return TW_OK;
}

tw_err ibmsv_map_copies(const json_t *root, struct snap_builder *b, char *msg, size_t msglen)
{
	json_t *c;
	size_t i;
	if (!json_is_array(root))
		return tw_seterr(msg, msglen, TW_ERR_INVALID_DATA, "lsvdiskcopy: expected an array");
	json_array_foreach(root, i, c) {
		const char *vname = NULL, *pool = NULL;
		struct tw_volume *v;
		int thin;
		if (!json_is_object(c) || rj_str(c, "vdisk_name", &vname) != 1)
			return rj_bad(msg, msglen, "lsvdiskcopy", i, "vdisk_name", "a string");
		if (rj_str(c, "mdisk_grp_name", &pool) < 0)
			return rj_bad(msg, msglen, "lsvdiskcopy", i, "mdisk_grp_name", "a string");
		if (!yes(c, "primary") || !(v = snap_builder_find_volume(b, vname)))
			continue;
		if (pool)
			v->pool = rj_pool_find(b, pool);
		thin = yes(c, "se_copy") || yes(c, "compressed_copy") || yes(c, "deduplicated_copy");
		v->thin = thin;
		v->flags |= TW_HAS_THIN;
		if (!thin && (v->flags & TW_HAS_PROVISIONED)) {
			v->consumed = v->provisioned;
			v->flags |= TW_HAS_CONSUMED;
		} else if (thin) {
			v->flags &= ~(uint32_t)TW_HAS_CONSUMED; /* from lssevdiskcopy */
		}
	}
	return TW_OK;
}

tw_err ibmsv_map_secopies(const json_t *root, struct snap_builder *b, char *msg, size_t msglen)
{
	json_t *c;
	size_t i;
	if (!json_is_array(root))
		return tw_seterr(msg, msglen, TW_ERR_INVALID_DATA,
				 "lssevdiskcopy: expected an array");
	json_array_foreach(root, i, c) {
		const char *vname = NULL, *pool = NULL;
		uint64_t real = 0;
		struct tw_volume *v;
		int r;
		if (!json_is_object(c) || rj_str(c, "vdisk_name", &vname) != 1)
			return rj_bad(msg, msglen, "lssevdiskcopy", i, "vdisk_name", "a string");
		if ((r = bytes(c, "real_capacity", &real)) < 0)
			return rj_bad(msg, msglen, "lssevdiskcopy", i, "real_capacity",
				      "a byte count (sent {\"bytes\":true}?)");
		if (rj_str(c, "mdisk_grp_name", &pool) < 0)
			return rj_bad(msg, msglen, "lssevdiskcopy", i, "mdisk_grp_name", "a string");
		if (r == 0 || !(v = snap_builder_find_volume(b, vname)) || !v->thin)
			continue;
		/* only the copy that is counted: the one in the volume's pool */
		if (pool && v->pool != TW_NO_POOL && v->pool != rj_pool_find(b, pool))
			continue;
		v->consumed = real;
		v->flags |= TW_HAS_CONSUMED;
	}
	return TW_OK;
}

void ibmsv_error_text(const char *body, size_t len, char *out, size_t outlen)
{
	size_t n = 0;
	out[0] = '\0';
	if (!body)
		return;
	while (n < len && body[n] != '\n' && body[n] != '\r' && n < 150)
		n++;
	snprintf(out, outlen, "%.*s", (int)n, body);
	for (char *p = out; *p; p++)
		if (!isprint((unsigned char)*p))
			*p = '?';
}

/* ---- session and request sequence ------------------------------------------ */

static void ib_forget(void *vs)
{
	struct ibmsv *s = vs;
	if (s->token) {
		volatile char *c = s->token;
		while (*c)
			*c++ = '\0';
		free(s->token);
		s->token = NULL;
	}
}

static int ib_login_next(void *vs, const struct rest_target *t, struct rest_request *rq)
{
	struct ibmsv *s = vs;
	if (s->token)
		return 0;
	rest_request_set(rq, REST_POST, "/rest/auth");
	rest_request_header(rq, "X-Auth-Username", t->username ? t->username : "");
	rest_request_header(rq, "X-Auth-Password", t->password ? t->password : "");
	rq->post_empty = 1;
	return 1;
}

static tw_err ib_login_response(void *vs, const struct rest_target *t,
				const struct rest_response *r, char *msg, size_t msglen)
{
	struct ibmsv *s = vs;
	json_t *root = NULL;
	const char *tok = NULL;
	tw_err e = rj_parse(r->body.data, r->body.len, &root, msg, msglen);
	(void)t;
	if (e)
		return e;
	if (rj_str(root, "token", &tok) != 1 || !*tok)
		e = tw_seterr(msg, msglen, TW_ERR_PROTOCOL, "/rest/auth answered without a token");
	else if (!(s->token = tw_strdup(tok)))
		e = TW_ERR_NOMEM;
	json_decref(root);
	return e;
}

static int ib_logout(void *vs, const struct rest_target *t, struct rest_request *rq)
{
	(void)vs;
	(void)t;
	(void)rq;
	return 0; /* no logout command: the token times out on the array */
}

static void ib_begin(void *vs)
{
	((struct ibmsv *)vs)->phase = IB_SYSTEM;
}

static int ib_next(void *vs, const struct rest_target *t, struct rest_request *rq)
{
	struct ibmsv *s = vs;
	(void)t;
	if (s->phase == IB_DONE)
		return 0;
	rest_request_set(rq, REST_POST, "/rest/%s", ib_commands[s->phase]);
	if (s->phase != IB_SYSTEM)
		rest_request_body(rq, "{\"bytes\":true}");
	else
		rq->post_empty = 1;
	rest_request_header(rq, "X-Auth-Token", s->token ? s->token : "");
	return 1;
}

static tw_err ib_response(void *vs, struct snap_builder *b, const struct rest_response *r,
			  char *msg, size_t msglen)
{
	struct ibmsv *s = vs;
	json_t *root = NULL;
	tw_err e = rj_parse(r->body.data, r->body.len, &root, msg, msglen);
	if (e)
		return e;
	switch (s->phase) {
	case IB_SYSTEM: e = ibmsv_map_system(root, b, msg, msglen); break;
	case IB_POOLS: e = ibmsv_map_pools(root, b, msg, msglen); break;
	case IB_VDISKS: e = ibmsv_map_vdisks(root, b, msg, msglen); break;
	case IB_COPIES: e = ibmsv_map_copies(root, b, msg, msglen); break;
	case IB_SECOPIES: e = ibmsv_map_secopies(root, b, msg, msglen); break;
	case IB_DONE: e = TW_ERR_INTERNAL; break;
	}
	if (s->phase != IB_DONE)
		s->phase = (enum ib_phase)(s->phase + 1);
	json_decref(root);
	return e;
}

static void ib_err_text(const struct rest_response *r, char *out, size_t outlen)
{
	ibmsv_error_text(r->body.data, r->body.len, out, outlen);
}

static const struct rest_vendor ibmsv_vendor = {
	.name = "ibmsv",
	.state_size = sizeof(struct ibmsv),
	.flags = REST_F_SESSION | REST_F_NEED_USER,
	.free = ib_forget,
	.login_next = ib_login_next,
	.login_response = ib_login_response,
	.logout = ib_logout,
	.forget = ib_forget,
	.poll_begin = ib_begin,
	.poll_next = ib_next,
	.poll_response = ib_response,
	.error_text = ib_err_text,
};

REST_DRIVER(ibmsv, ibmsv_vendor);
