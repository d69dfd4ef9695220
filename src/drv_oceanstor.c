/* drv_oceanstor.c: Huawei OceanStor / Dorado DeviceManager REST driver.
 *
 * Session: POST /deviceManager/rest/xx/sessions {"username","password",
 * "scope":"0"} (`xx` stands for the device id, unknown before login) answers
 * {"data":{"deviceid","iBaseToken",...},"error":{"code":0}} and sets a
 * session cookie; later calls go to /deviceManager/rest/<deviceid>/... with
 * the iBaseToken header and the cookie, across polls.  The API answers
 * errors with HTTP 200 and a non-zero error.code: -401 or 1077949069 mean the
 * session is gone (one re-login), login codes (1077949061 wrong password,
 * 1077949071/1077949070/1077987871 locked) and accountstate 3/4 (password
 * expired or reset) are auth failures, anything else fails the poll (reason
 * http).  DELETE /deviceManager/rest/<deviceid>/sessions in close().
 * A poll is:
 *   GET /system/                        -> SECTORSIZE, version, serial
 *   GET /storagepool?range=[a-b] (pages) -> pools (file-only pools skipped)
 *   GET /lun?range=[a-b] (pages)         -> LUNs
 * Pages go on while a page has rows (a missing or empty `data` ends them).
 *
 * Numbers come as decimal strings in 512-byte sectors (SECTORSIZE), and
 * 18446744073709551615 (2^64-1) or -1 mean "none": such figures are left
 * unknown, never multiplied.  Pool: capacity = USERTOTALCAPACITY, free =
 * USERFREECAPACITY, used = USERCONSUMEDCAPACITY, and the array's own
 * provisioned figure LUNCONFIGEDCAPACITY (else SUBSCRIBEDCAPACITY).  LUN:
 * provisioned = CAPACITY, consumed = ALLOCCAPACITY, thin = ALLOCTYPE "1",
 * thick = "0", pool = PARENTNAME. */
#include "config.h"
#include "rest.h"
#include "rest_json.h"
#include "rest_map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OS_PAGE 100
#define OS_DEFAULT_SECTOR 512

enum os_phase { OS_SYSTEM, OS_POOLS, OS_LUNS, OS_DONE };

struct oceanstor {
	char *token;        /* iBaseToken (secret) */
	char *deviceid;
	enum os_phase phase;
	uint64_t start;     /* first row of the next range */
	uint64_t sector;    /* SECTORSIZE from /system */
};

/* ---- pure mapping ---------------------------------------------------------- */

/* A sector-count string: 1 with *bytes, 0 when absent or a "none" sentinel,
 * -1 when malformed or the product overflows. */
static int sectors(const json_t *o, const char *key, uint64_t sector, uint64_t *bytes)
{
	const char *s = NULL;
	uint64_t v;
	int r = rj_str(o, key, &s);
	if (r == 0)
		return 0;
	if (r < 0)
		return -1;
	if (strcmp(s, "-1") == 0 || strcmp(s, "") == 0)
		return 0;
	if (tw_parse_u64(s, &v))
		return -1;
	if (v == UINT64_MAX)
		return 0;
	return rj_mul_u64(v, sector, bytes) ? -1 : 1;
}

/* error.code of a DeviceManager answer (0 when absent). */
int oceanstor_error_code(const json_t *root, int64_t *code)
{
	json_t *c = json_is_object(root) ? rj_path(root, "error.code") : NULL;
	*code = 0;
	if (!c)
		return 0;
	if (json_is_integer(c)) {
		*code = json_integer_value(c);
		return 1;
	}
	if (json_is_string(c) && tw_parse_i64(json_string_value(c), code) == 0)
		return 1;
	return -1;
}

void oceanstor_error_text(const json_t *root, char *out, size_t outlen)
{
	const char *d = NULL;
	int64_t code = 0;
	out[0] = '\0';
	if (oceanstor_error_code(root, &code) < 0)
		return;
	if (rj_str(root, "error.description", &d) == 1 && *d)
		snprintf(out, outlen, "error.code %lld: %s", (long long)code, d);
	else
		snprintf(out, outlen, "error.code %lld", (long long)code);
}

tw_err oceanstor_map_system(const json_t *root, struct snap_builder *b, uint64_t *sector,
			    char *msg, size_t msglen)
{
	struct tw_array_info *info = snap_builder_info(b);
	json_t *d = json_is_object(root) ? json_object_get(root, "data") : NULL;
	const char *s;
	uint64_t ss = OS_DEFAULT_SECTOR;
	int r;
	if (!json_is_object(d))
		return tw_seterr(msg, msglen, TW_ERR_INVALID_DATA, "system: expected data {...}");
	if ((r = rj_u64_str(d, "SECTORSIZE", &ss)) < 0 || (r == 1 && (ss == 0 || ss > 65536)))
		return rj_bad(msg, msglen, "system", 0, "SECTORSIZE", "a sector size in bytes");
	*sector = ss;
	if (rj_set_info(&info->vendor, "Huawei"))
		return TW_ERR_NOMEM;
	if (rj_str(d, "PRODUCTVERSION", &s) == 1 && rj_set_info(&info->version, s))
		return TW_ERR_NOMEM;
	if (rj_str(d, "ID", &s) == 1 && rj_set_info(&info->serial, s))
		return TW_ERR_NOMEM;
	if (rj_set_info(&info->model, "OceanStor"))
		return TW_ERR_NOMEM;
	return TW_OK;
}

/* `data` of a list answer; *n = 0 with TW_OK when absent (end of pages). */
static tw_err data_rows(const json_t *root, const char *what, json_t **rows, size_t *n,
			char *msg, size_t msglen)
{
	json_t *d = json_is_object(root) ? json_object_get(root, "data") : NULL;
	*rows = NULL;
	*n = 0;
	if (!json_is_object(root))
		return tw_seterr(msg, msglen, TW_ERR_INVALID_DATA, "%s: expected an object", what);
	if (!d || json_is_null(d))
		return TW_OK;
	if (json_is_object(d) && json_object_size(d) == 0)
		return TW_OK; /* "data":{} */
	if (!json_is_array(d))
		return tw_seterr(msg, msglen, TW_ERR_INVALID_DATA, "%s: data is not an array",
				 what);
	*rows = d;
	*n = json_array_size(d);
	return TW_OK;
}

tw_err oceanstor_map_pools(const json_t *root, struct snap_builder *b, uint64_t sector,
			   size_t *rows, char *msg, size_t msglen)
{
	json_t *data, *p;
	size_t i;
	tw_err e = data_rows(root, "storagepool", &data, rows, msg, msglen);
	if (e || !data)
		return e;
	json_array_foreach(data, i, p) {
		static const struct { const char *key; uint32_t flag; } figs[] = {
			{ "USERTOTALCAPACITY", TW_HAS_CAPACITY },
			{ "USERCONSUMEDCAPACITY", TW_HAS_USED },
			{ "USERFREECAPACITY", TW_HAS_FREE },
		};
		const char *name = NULL, *usage = NULL;
		uint64_t v;
		uint32_t idx;
		struct tw_pool *pool;
		int r;
		if (!json_is_object(p))
			return rj_bad(msg, msglen, "storagepool", i, "row", "an object");
		if (rj_str(p, "NAME", &name) != 1 || !*name)
			return rj_bad(msg, msglen, "storagepool", i, "NAME", "a non-empty string");
		if (rj_str(p, "USAGETYPE", &usage) < 0)
			return rj_bad(msg, msglen, "storagepool", i, "USAGETYPE", "a string");
		if (usage && strcmp(usage, "2") == 0)
			continue; /* file systems only: no LUNs in it */
		if ((idx = snap_builder_pool(b, name)) == TW_NO_POOL)
			return TW_ERR_NOMEM;
		pool = snap_builder_pool_at(b, idx);
		for (size_t k = 0; k < TW_ARRAY_LEN(figs); k++) {
			if ((r = sectors(p, figs[k].key, sector, &v)) < 0)
				return rj_bad(msg, msglen, "storagepool", i, figs[k].key,
					      "a sector count as a decimal string");
			if (r == 1)
				rj_pool_set(pool, figs[k].flag, v);
		}
		if ((r = sectors(p, "LUNCONFIGEDCAPACITY", sector, &v)) == 0)
			r = sectors(p, "SUBSCRIBEDCAPACITY", sector, &v);
		if (r < 0)
			return rj_bad(msg, msglen, "storagepool", i, "LUNCONFIGEDCAPACITY",
				      "a sector count as a decimal string");
		if (r == 1)
			rj_pool_set(pool, TW_HAS_PROVISIONED, v);
		if ((pool->flags & (TW_HAS_CAPACITY | TW_HAS_FREE)) ==
		    (TW_HAS_CAPACITY | TW_HAS_FREE) && pool->free > pool->capacity)
			return rj_bad(msg, msglen, "storagepool", i, "USERFREECAPACITY",
				      "at most USERTOTALCAPACITY");
	}
	return TW_OK;
}

tw_err oceanstor_map_luns(const json_t *root, struct snap_builder *b, uint64_t sector,
			  size_t *rows, char *msg, size_t msglen)
{
	json_t *data, *l;
	size_t i;
	tw_err e = data_rows(root, "lun", &data, rows, msg, msglen);
	if (e || !data)
		return e;
	json_array_foreach(data, i, l) {
		const char *name = NULL, *parent = NULL, *alloc = NULL, *wwn = NULL;
		uint64_t ss = sector, cap = 0, used = 0;
		int hc, hu, thin = -1, r;
		struct tw_volume *v;
		if (!json_is_object(l))
			return rj_bad(msg, msglen, "lun", i, "row", "an object");
		if (rj_str(l, "NAME", &name) != 1 || !*name)
			return rj_bad(msg, msglen, "lun", i, "NAME", "a non-empty string");
		if ((r = rj_u64_str(l, "SECTORSIZE", &ss)) < 0 || (r == 1 && (ss == 0 || ss > 65536)))
			return rj_bad(msg, msglen, "lun", i, "SECTORSIZE", "a sector size in bytes");
		if ((hc = sectors(l, "CAPACITY", ss, &cap)) < 0)
			return rj_bad(msg, msglen, "lun", i, "CAPACITY",
				      "a sector count as a decimal string");
		if ((hu = sectors(l, "ALLOCCAPACITY", ss, &used)) < 0)
			return rj_bad(msg, msglen, "lun", i, "ALLOCCAPACITY",
				      "a sector count as a decimal string");
		if (rj_str(l, "ALLOCTYPE", &alloc) < 0)
			return rj_bad(msg, msglen, "lun", i, "ALLOCTYPE", "a string");
		if (alloc)
			thin = strcmp(alloc, "1") == 0 ? 1 : strcmp(alloc, "0") == 0 ? 0 : -1;
		if (rj_str(l, "PARENTNAME", &parent) < 0 || rj_str(l, "WWN", &wwn) < 0)
			return rj_bad(msg, msglen, "lun", i, "PARENTNAME/WWN", "strings");
		v = rj_volume_add(b, name, parent ? rj_pool_find(b, parent) : TW_NO_POOL, hc == 1,
				  cap, hu == 1, used, thin);
		if (!v)
			return TW_ERR_NOMEM;
		if (wwn)
			v->wwn = rj_wwn(wwn);
	}
	return TW_OK;
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

static void os_forget(void *vs)
{
	struct oceanstor *o = vs;
	secret_drop(&o->token);
	free(o->deviceid);
	o->deviceid = NULL;
}

static int os_login_next(void *vs, const struct rest_target *t, struct rest_request *rq)
{
	struct oceanstor *o = vs;
	json_t *j;
	char *body;
	if (o->token)
		return 0;
	rest_request_set(rq, REST_POST, "/deviceManager/rest/xx/sessions");
	j = json_pack("{s:s,s:s,s:s}", "username", t->username ? t->username : "", "password",
		      t->password ? t->password : "", "scope", "0");
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

static int login_code(int64_t c)
{
	return c == 1077949061 || c == 1077949071 || c == 1077949070 || c == 1077987871 ||
	       c == -401;
}

static tw_err os_login_response(void *vs, const struct rest_target *t,
				const struct rest_response *r, char *msg, size_t msglen)
{
	struct oceanstor *o = vs;
	json_t *root = NULL;
	const char *tok = NULL, *dev = NULL;
	uint64_t state = 1;
	int64_t code = 0;
	char text[160];
	tw_err e = rj_parse(r->body.data, r->body.len, &root, msg, msglen);
	(void)t;
	if (e)
		return e;
	if (oceanstor_error_code(root, &code) != 0 && code != 0) {
		oceanstor_error_text(root, text, sizeof text);
		e = tw_seterr(msg, msglen, login_code(code) ? TW_ERR_AUTH : TW_ERR_HTTP,
			      "login refused: %s", text);
	} else if (rj_u64_str(root, "data.accountstate", &state) == 1 && (state == 3 || state == 4)) {
		e = tw_seterr(msg, msglen, TW_ERR_AUTH,
			      "login refused: the account's password expired or was reset "
			      "(accountstate %llu)", (unsigned long long)state);
	} else if (rj_str(root, "data.iBaseToken", &tok) != 1 || !*tok ||
		   rj_str(root, "data.deviceid", &dev) != 1 || !*dev || strpbrk(dev, "/?#% \r\n")) {
		e = tw_seterr(msg, msglen, TW_ERR_PROTOCOL,
			      "login answered without iBaseToken and deviceid");
	} else if (!(o->token = tw_strdup(tok)) || !(o->deviceid = tw_strdup(dev))) {
		e = TW_ERR_NOMEM;
	}
	json_decref(root);
	return e;
}

static int os_logout(void *vs, const struct rest_target *t, struct rest_request *rq)
{
	struct oceanstor *o = vs;
	(void)t;
	if (!o->token || !o->deviceid)
		return 0;
	rest_request_set(rq, REST_DELETE, "/deviceManager/rest/%s/sessions", o->deviceid);
	rest_request_header(rq, "iBaseToken", o->token);
	return 1;
}

static void os_begin(void *vs)
{
	struct oceanstor *o = vs;
	o->phase = OS_SYSTEM;
	o->start = 0;
	o->sector = OS_DEFAULT_SECTOR;
}

static int os_next(void *vs, const struct rest_target *t, struct rest_request *rq)
{
	struct oceanstor *o = vs;
	const char *dev = o->deviceid ? o->deviceid : "xx";
	(void)t;
	switch (o->phase) {
	case OS_SYSTEM:
		rest_request_set(rq, REST_GET, "/deviceManager/rest/%s/system/", dev);
		break;
	case OS_POOLS:
	case OS_LUNS:
		rest_request_set(rq, REST_GET, "/deviceManager/rest/%s/%s?range=%%5B%llu-%llu%%5D",
				 dev, o->phase == OS_POOLS ? "storagepool" : "lun",
				 (unsigned long long)o->start,
				 (unsigned long long)(o->start + OS_PAGE));
		break;
	case OS_DONE:
		return 0;
	}
	rest_request_header(rq, "iBaseToken", o->token ? o->token : "");
	return 1;
}

static tw_err os_response(void *vs, struct snap_builder *b, const struct rest_response *r,
			  char *msg, size_t msglen)
{
	struct oceanstor *o = vs;
	json_t *root = NULL;
	size_t rows = 0;
	tw_err e = rj_parse(r->body.data, r->body.len, &root, msg, msglen);
	if (e)
		return e;
	switch (o->phase) {
	case OS_SYSTEM:
		e = oceanstor_map_system(root, b, &o->sector, msg, msglen);
		o->phase = OS_POOLS;
		break;
	case OS_POOLS:
	case OS_LUNS:
		e = o->phase == OS_POOLS ? oceanstor_map_pools(root, b, o->sector, &rows, msg, msglen)
					 : oceanstor_map_luns(root, b, o->sector, &rows, msg, msglen);
		if (e)
			break;
		if (rows > 0 && rows <= OS_PAGE) {
			o->start += rows;
		} else if (rows > OS_PAGE) {
			e = tw_seterr(msg, msglen, TW_ERR_PROTOCOL,
				      "%zu rows for a range of %d", rows, OS_PAGE);
		} else {
			o->phase = o->phase == OS_POOLS ? OS_LUNS : OS_DONE;
			o->start = 0;
		}
		break;
	case OS_DONE:
		e = TW_ERR_INTERNAL;
		break;
	}
	json_decref(root);
	return e;
}

/* HTTP 200 with error.code != 0 is an error; -401 / 1077949069 = expired. */
static enum rest_verdict os_classify(void *vs, const struct rest_response *r, tw_err *err,
				     char *msg, size_t msglen)
{
	json_t *root = NULL;
	int64_t code = 0;
	char text[160];
	enum rest_verdict vd = REST_V_OK;
	(void)vs;
	if (r->status < 200 || r->status >= 300 || r->method == REST_DELETE)
		return REST_V_OK;
	if (strstr(r->path ? r->path : "", "/sessions") && r->method == REST_POST)
		return REST_V_OK; /* login answers are judged by os_login_response */
	if (rj_parse(r->body.data, r->body.len, &root, NULL, 0) != TW_OK)
		return REST_V_OK; /* the handler reports the parse error */
	if (oceanstor_error_code(root, &code) != 0 && code != 0) {
		if (code == -401 || code == 1077949069) {
			vd = REST_V_EXPIRED;
		} else {
			oceanstor_error_text(root, text, sizeof text);
			*err = tw_seterr(msg, msglen, TW_ERR_HTTP, "%s %s: HTTP %ld with %s",
					 r->method == REST_GET ? "GET" : "POST", r->path, r->status,
					 text);
			vd = REST_V_ERROR;
		}
	}
	json_decref(root);
	return vd;
}

static const struct rest_vendor oceanstor_vendor = {
	.name = "oceanstor",
	.state_size = sizeof(struct oceanstor),
	.flags = REST_F_SESSION | REST_F_NEED_USER,
	.free = os_forget,
	.login_next = os_login_next,
	.login_response = os_login_response,
	.logout = os_logout,
	.forget = os_forget,
	.poll_begin = os_begin,
	.poll_next = os_next,
	.poll_response = os_response,
	.classify = os_classify,
	.error_json = oceanstor_error_text,
};

REST_DRIVER(oceanstor, oceanstor_vendor);
