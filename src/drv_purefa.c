/* drv_purefa.c: Pure Storage FlashArray REST 2.x driver.
 *
 * Session: GET /api/api_version (no auth) picks the highest 2.x version
 * once; POST /api/<ver>/login with the `api-token` header returns the
 * session key in the `x-auth-token` response header, sent on every later
 * call and kept across polls; a 401 means the session is gone (one
 * re-login); POST /api/<ver>/logout in close().  A poll is:
 *   GET /api/<ver>/arrays                             -> the one pool
 *   GET /api/<ver>/volumes?destroyed=false (pages)    -> volumes
 * Pages follow continuation_token.
 *
 * A FlashArray has no pools: the array is one pool named after the array,
 * capacity = `capacity`, used = space.total_used (space.total_physical on
 * older API versions), free = capacity - used.  Both are physical bytes
 * after data reduction.  Every volume is thin; provisioned = `provisioned`,
 * consumed = space.virtual (logical bytes written, before reduction), so
 * unbacked = what hosts may still write, and the pool's free space is after
 * reduction: shortfall is pessimistic by the array's reduction ratio (see
 * docs/rest.md).  WWN = naa 624a9370 + the volume serial. */
#include "config.h"
#include "rest.h"
#include "rest_json.h"
#include "rest_map.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PUREFA_PAGE 1000

enum purefa_phase { PP_ARRAYS, PP_VOLS, PP_DONE };

struct purefa {
	char version[16];     /* "2.15"; "" until discovered */
	char *token;          /* x-auth-token (secret) */
	enum purefa_phase phase;
	char *cont;           /* continuation token of the next page */
	uint32_t pool;
};

/* ---- pure mapping ---------------------------------------------------------- */

tw_err purefa_pick_version(const json_t *root, char *out, size_t outlen, char *msg,
			   size_t msglen)
{
	json_t *vers, *v;
	size_t i;
	long best = -1;
	const char *best_s = NULL;
	tw_err e = rj_array(root, "version", "api_version", &vers, msg, msglen);
	if (e)
		return e;
	json_array_foreach(vers, i, v) {
		const char *s = json_string_value(v);
		char *end;
		long minor;
		if (!s)
			return rj_bad(msg, msglen, "version", i, "", "a string");
		if (strncmp(s, "2.", 2) != 0 || !isdigit((unsigned char)s[2]))
			continue;
		minor = strtol(s + 2, &end, 10);
		if (*end || minor < 0 || minor > 100000)
			continue;
		if (minor > best) {
			best = minor;
			best_s = s;
		}
	}
	if (!best_s)
		return tw_seterr(msg, msglen, TW_ERR_PROTOCOL,
				 "the array offers no REST 2.x API version");
	if (strlen(best_s) >= outlen)
		return tw_seterr(msg, msglen, TW_ERR_INVALID_DATA, "API version string too long");
	memcpy(out, best_s, strlen(best_s) + 1);
	return TW_OK;
}

tw_err purefa_map_arrays(const json_t *root, struct snap_builder *b, uint32_t *pool, char *msg,
			 size_t msglen)
{
	json_t *items, *a;
	const char *name = NULL, *s = NULL;
	uint64_t cap = 0, used = 0;
	int hc, hu;
	struct tw_pool *p;
	struct tw_array_info *info = snap_builder_info(b);
	tw_err e = rj_array(root, "items", "arrays", &items, msg, msglen);
	if (e)
		return e;
	if (json_array_size(items) != 1)
		return tw_seterr(msg, msglen, TW_ERR_INVALID_DATA,
				 "arrays: expected exactly one item, got %zu",
				 json_array_size(items));
	a = json_array_get(items, 0);
	if (!json_is_object(a))
		return rj_bad(msg, msglen, "arrays", 0, "item", "an object");
	if (rj_str(a, "name", &name) != 1 || !*name)
		return rj_bad(msg, msglen, "arrays", 0, "name", "a non-empty string");
	if ((hc = rj_u64(a, "capacity", &cap)) < 0)
		return rj_bad(msg, msglen, "arrays", 0, "capacity", "a non-negative integer");
	if ((hu = rj_u64(a, "space.total_used", &used)) == 0)
		hu = rj_u64(a, "space.total_physical", &used);
	if (hu < 0)
		return rj_bad(msg, msglen, "arrays", 0, "space.total_used",
			      "a non-negative integer");
	if ((*pool = snap_builder_pool(b, name)) == TW_NO_POOL)
		return TW_ERR_NOMEM;
	p = snap_builder_pool_at(b, *pool);
	if (hc == 1) {
		p->capacity = cap;
		p->flags |= TW_HAS_CAPACITY;
	}
	if (hu == 1) {
		p->used = used;
		p->flags |= TW_HAS_USED;
	}
	if (hc == 1 && hu == 1) {
		p->free = used < cap ? cap - used : 0;
		p->flags |= TW_HAS_FREE;
	}
	if (rj_set_info(&info->vendor, "Pure Storage"))
		return TW_ERR_NOMEM;
	if (rj_str(a, "os", &s) == 1 && rj_set_info(&info->model, s))
		return TW_ERR_NOMEM;
	if (rj_str(a, "version", &s) == 1 && rj_set_info(&info->version, s))
		return TW_ERR_NOMEM;
	if (rj_str(a, "id", &s) == 1 && rj_set_info(&info->serial, s))
		return TW_ERR_NOMEM;
	return TW_OK;
}

/* naa.624a9370 + 24 hex digits of serial, lower case; NULL if the serial
 * does not look like one. */
static char *pure_wwn(const char *serial)
{
	char *w;
	size_t n = strlen(serial);
	if (n != 24)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)serial[i]))
			return NULL;
	if (!(w = malloc(8 + n + 1)))
		return NULL;
	memcpy(w, "624a9370", 8);
	for (size_t i = 0; i < n; i++)
		w[8 + i] = (char)tolower((unsigned char)serial[i]);
	w[8 + n] = '\0';
	return w;
}

tw_err purefa_map_volumes(const json_t *root, struct snap_builder *b, uint32_t pool, char *msg,
			  size_t msglen)
{
	json_t *items, *it;
	size_t i;
	tw_err e = rj_array(root, "items", "volumes", &items, msg, msglen);
	if (e)
		return e;
	json_array_foreach(items, i, it) {
		const char *name = NULL, *serial = NULL;
		uint64_t prov = 0, virt = 0;
		int hp, hv, destroyed = 0;
		struct tw_volume *v;
		if (!json_is_object(it))
			return rj_bad(msg, msglen, "volumes", i, "item", "an object");
		if (rj_str(it, "name", &name) != 1 || !*name)
			return rj_bad(msg, msglen, "volumes", i, "name", "a non-empty string");
		if (rj_bool(it, "destroyed", &destroyed) < 0)
			return rj_bad(msg, msglen, "volumes", i, "destroyed", "a boolean");
		if (destroyed)
			continue;
		if ((hp = rj_u64(it, "provisioned", &prov)) < 0)
			return rj_bad(msg, msglen, "volumes", i, "provisioned",
				      "a non-negative integer");
		if ((hv = rj_u64(it, "space.virtual", &virt)) < 0)
			return rj_bad(msg, msglen, "volumes", i, "space.virtual",
				      "a non-negative integer");
		if (rj_str(it, "serial", &serial) < 0)
			return rj_bad(msg, msglen, "volumes", i, "serial", "a string");
		if (!(v = snap_builder_volume(b, name, pool)))
			return TW_ERR_NOMEM;
		v->thin = 1;
		v->flags |= TW_HAS_THIN;
		if (hp == 1) {
			v->provisioned = prov;
			v->flags |= TW_HAS_PROVISIONED;
		}
		if (hv == 1) {
			v->consumed = virt;
			v->flags |= TW_HAS_CONSUMED;
		}
		if (serial)
			v->wwn = pure_wwn(serial);
	}
	return TW_OK;
}

int purefa_continuation(const json_t *root, const char **token)
{
	const char *t = NULL;
	int more = 1;
	int r = rj_str(root, "continuation_token", &t);
	if (r < 0 || rj_bool(root, "more_items_remaining", &more) < 0)
		return -1;
	if (r == 0 || !*t || !more)
		return 0;
	if (strlen(t) > 4096)
		return -1;
	*token = t;
	return 1;
}

void purefa_error_text(const json_t *root, char *out, size_t outlen)
{
	json_t *errs = json_is_object(root) ? json_object_get(root, "errors") : NULL;
	const char *m = NULL, *ctx = NULL;
	out[0] = '\0';
	if (!json_is_array(errs) || rj_str(json_array_get(errs, 0), "message", &m) != 1)
		return;
	if (rj_str(json_array_get(errs, 0), "context", &ctx) == 1 && *ctx)
		snprintf(out, outlen, "%s (%s)", m, ctx);
	else
		snprintf(out, outlen, "%s", m);
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

static void purefa_forget(void *vs)
{
	struct purefa *p = vs;
	secret_drop(&p->token);
}

static void purefa_free(void *vs)
{
	struct purefa *p = vs;
	purefa_forget(p);
	free(p->cont);
	p->cont = NULL;
}

static int purefa_login_next(void *vs, const struct rest_target *t, struct rest_request *rq)
{
	struct purefa *p = vs;
	if (!p->version[0]) {
		rest_request_set(rq, REST_GET, "/api/api_version");
		return 1;
	}
	if (!p->token) {
		rest_request_set(rq, REST_POST, "/api/%s/login", p->version);
		rest_request_header(rq, "api-token", t->api_token);
		rq->post_empty = 1;
		return 1;
	}
	return 0;
}

static tw_err purefa_login_response(void *vs, const struct rest_target *t,
				    const struct rest_response *r, char *msg, size_t msglen)
{
	struct purefa *p = vs;
	(void)t;
	if (!p->version[0]) {
		json_t *root = NULL;
		tw_err e = rj_parse(r->body.data, r->body.len, &root, msg, msglen);
		if (!e)
			e = purefa_pick_version(root, p->version, sizeof p->version, msg, msglen);
		json_decref(root);
		return e;
	}
	p->token = rest_response_header(r, "x-auth-token");
	if (!p->token || !*p->token) {
		secret_drop(&p->token);
		return tw_seterr(msg, msglen, TW_ERR_PROTOCOL,
				 "login answered without an x-auth-token header");
	}
	return TW_OK;
}

static int purefa_logout(void *vs, const struct rest_target *t, struct rest_request *rq)
{
	struct purefa *p = vs;
	(void)t;
	if (!p->token || !p->version[0])
		return 0;
	rest_request_set(rq, REST_POST, "/api/%s/logout", p->version);
	rest_request_header(rq, "x-auth-token", p->token);
	rq->post_empty = 1;
	return 1;
}

static void purefa_begin(void *vs)
{
	struct purefa *p = vs;
	free(p->cont);
	p->cont = NULL;
	p->phase = PP_ARRAYS;
	p->pool = TW_NO_POOL;
}

static int purefa_next(void *vs, const struct rest_target *t, struct rest_request *rq)
{
	struct purefa *p = vs;
	(void)t;
	switch (p->phase) {
	case PP_ARRAYS:
		rest_request_set(rq, REST_GET, "/api/%s/arrays", p->version);
		break;
	case PP_VOLS:
		rest_request_set(rq, REST_GET, "/api/%s/volumes?destroyed=false&limit=%d",
				 p->version, PUREFA_PAGE);
		if (p->cont) {
			buf_puts(&rq->path, "&continuation_token=");
			rest_request_append_escaped(rq, p->cont);
		}
		break;
	case PP_DONE:
		return 0;
	}
	rest_request_header(rq, "x-auth-token", p->token ? p->token : "");
	return 1;
}

static tw_err purefa_response(void *vs, struct snap_builder *b, const struct rest_response *r,
			      char *msg, size_t msglen)
{
	struct purefa *p = vs;
	json_t *root = NULL;
	const char *tok = NULL;
	int hn;
	tw_err e = rj_parse(r->body.data, r->body.len, &root, msg, msglen);
	if (e)
		return e;
	if (p->phase == PP_ARRAYS) {
		e = purefa_map_arrays(root, b, &p->pool, msg, msglen);
		p->phase = PP_VOLS;
	} else {
		e = purefa_map_volumes(root, b, p->pool, msg, msglen);
		if (!e) {
			hn = purefa_continuation(root, &tok);
			if (hn < 0) {
				e = tw_seterr(msg, msglen, TW_ERR_INVALID_DATA,
					      "volumes: malformed continuation_token");
			} else if (hn == 1 && p->cont && strcmp(p->cont, tok) == 0) {
				e = tw_seterr(msg, msglen, TW_ERR_PROTOCOL,
					      "pagination loop: the same continuation_token twice");
			} else {
				free(p->cont);
				p->cont = NULL;
				if (hn == 1 && !(p->cont = tw_strdup(tok)))
					e = TW_ERR_NOMEM;
				if (hn == 0)
					p->phase = PP_DONE;
			}
		}
	}
	json_decref(root);
	return e;
}

static const struct rest_vendor purefa_vendor = {
	.name = "purefa",
	.state_size = sizeof(struct purefa),
	.flags = REST_F_SESSION | REST_F_NEED_TOKEN,
	.free = purefa_free,
	.login_next = purefa_login_next,
	.login_response = purefa_login_response,
	.logout = purefa_logout,
	.forget = purefa_forget,
	.poll_begin = purefa_begin,
	.poll_next = purefa_next,
	.poll_response = purefa_response,
	.error_json = purefa_error_text,
};

REST_DRIVER(purefa, purefa_vendor);
