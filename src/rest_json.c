/* rest_json.c: strict JSON helpers for the REST drivers (see rest_json.h). */
#include "config.h"
#include "rest_json.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Nesting depth of a JSON text, counting brackets outside strings.  Stops
 * early once limit is passed.  Malformed text is left for jansson. */
static size_t json_depth(const char *p, size_t len, size_t limit)
{
	size_t depth = 0, max = 0;
	int in_str = 0, esc = 0;
	for (size_t i = 0; i < len; i++) {
		char c = p[i];
		if (in_str) {
			if (esc)
				esc = 0;
			else if (c == '\\')
				esc = 1;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"') {
			in_str = 1;
		} else if (c == '{' || c == '[') {
			if (++depth > max) {
				max = depth;
				if (max > limit)
					return max;
			}
		} else if ((c == '}' || c == ']') && depth > 0) {
			depth--;
		}
	}
	return max;
}

tw_err rj_parse(const char *data, size_t len, json_t **out, char *msg, size_t msglen)
{
	json_error_t jerr;
	json_t *j;
	*out = NULL;
	if (!data || len == 0)
		return tw_seterr(msg, msglen, TW_ERR_PARSE, "empty body where JSON was expected");
	if (json_depth(data, len, RJ_MAX_DEPTH) > RJ_MAX_DEPTH)
		return tw_seterr(msg, msglen, TW_ERR_PARSE, "JSON nested deeper than %d levels",
				 RJ_MAX_DEPTH);
	j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j)
		return tw_seterr(msg, msglen, TW_ERR_PARSE, "invalid JSON at line %d column %d: %s",
				 jerr.line, jerr.column, jerr.text);
	*out = j;
	return TW_OK;
}

json_t *rj_path(const json_t *obj, const char *path)
{
	const char *p = path;
	json_t *cur = (json_t *)obj;
	while (cur && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		char key[128];
		if (!json_is_object(cur) || n == 0 || n >= sizeof key)
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		cur = json_object_get(cur, key);
		p += n;
		if (*p == '.')
			p++;
	}
	return cur;
}

int rj_u64(const json_t *obj, const char *path, uint64_t *out)
{
	json_t *v = rj_path(obj, path);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = (uint64_t)json_integer_value(v);
	return 1;
}

int rj_u64_str(const json_t *obj, const char *path, uint64_t *out)
{
	json_t *v = rj_path(obj, path);
	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return -1;
		*out = (uint64_t)json_integer_value(v);
		return 1;
	}
	if (!json_is_string(v) || tw_parse_u64(json_string_value(v), out) != 0)
		return -1;
	return 1;
}

int rj_str(const json_t *obj, const char *path, const char **out)
{
	json_t *v = rj_path(obj, path);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	*out = json_string_value(v);
	return 1;
}

int rj_bool(const json_t *obj, const char *path, int *out)
{
	json_t *v = rj_path(obj, path);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return -1;
	*out = json_is_true(v);
	return 1;
}

int rj_real(const json_t *obj, const char *path, double *out)
{
	json_t *v = rj_path(obj, path);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_number(v) || !isfinite(json_number_value(v)))
		return -1;
	*out = json_number_value(v);
	return 1;
}

tw_err rj_array(const json_t *root, const char *key, const char *what, json_t **out, char *msg,
		size_t msglen)
{
	json_t *a = json_is_object(root) ? json_object_get(root, key) : NULL;
	if (!json_is_array(a))
		return tw_seterr(msg, msglen, TW_ERR_INVALID_DATA,
				 "%s: expected an object with an array \"%s\"", what, key);
	*out = a;
	return TW_OK;
}

tw_err rj_bad(char *msg, size_t msglen, const char *what, size_t idx, const char *path,
	      const char *expected)
{
	return tw_seterr(msg, msglen, TW_ERR_INVALID_DATA, "%s[%zu]: %s: expected %s", what, idx,
			 path, expected);
}

int rj_mul_u64(uint64_t a, uint64_t b, uint64_t *out)
{
	if (a != 0 && b > UINT64_MAX / a)
		return -1;
	*out = a * b;
	return 0;
}

uint32_t rj_pool_find(struct snap_builder *b, const char *name)
{
	size_t n = snap_builder_npools(b);
	for (size_t i = 0; i < n; i++) {
		const struct tw_pool *p = snap_builder_pool_at(b, (uint32_t)i);
		if (p && strcmp(p->name, name) == 0)
			return (uint32_t)i;
	}
	return TW_NO_POOL;
}

tw_err rj_set_info(char **field, const char *s)
{
	char *c;
	if (!s || !*s)
		return TW_OK;
	if (!(c = tw_strdup(s)))
		return TW_ERR_NOMEM;
	free(*field);
	*field = c;
	return TW_OK;
}

tw_err rj_idmap_add(struct rj_idmap *m, const char *id, uint32_t pool)
{
	char *c;
	if (m->n == m->alloc) {
		size_t n = m->alloc ? m->alloc * 2 : 16;
		char **ids = realloc(m->ids, n * sizeof *ids);
		uint32_t *pools;
		if (!ids)
			return TW_ERR_NOMEM;
		m->ids = ids;
		pools = realloc(m->pools, n * sizeof *pools);
		if (!pools)
			return TW_ERR_NOMEM;
		m->pools = pools;
		m->alloc = n;
	}
	if (!(c = tw_strdup(id)))
		return TW_ERR_NOMEM;
	m->ids[m->n] = c;
	m->pools[m->n] = pool;
	m->n++;
	return TW_OK;
}

uint32_t rj_idmap_find(const struct rj_idmap *m, const char *id)
{
	for (size_t i = 0; id && i < m->n; i++)
		if (strcmp(m->ids[i], id) == 0)
			return m->pools[i];
	return TW_NO_POOL;
}

void rj_idmap_clear(struct rj_idmap *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->ids[i]);
	free(m->ids);
	free(m->pools);
	memset(m, 0, sizeof *m);
}

void rj_pool_set(struct tw_pool *p, uint32_t flag, uint64_t v)
{
	switch (flag) {
	case TW_HAS_CAPACITY: p->capacity = v; break;
	case TW_HAS_USED: p->used = v; break;
	case TW_HAS_FREE: p->free = v; break;
	case TW_HAS_PROVISIONED: p->reported_provisioned = v; break;
	default: return;
	}
	p->flags |= flag;
}

struct tw_volume *rj_volume_add(struct snap_builder *b, const char *name, uint32_t pool,
				int has_prov, uint64_t prov, int has_cons, uint64_t cons, int thin)
{
	struct tw_volume *v = snap_builder_volume(b, name, pool);
	if (!v)
		return NULL;
	if (has_prov) {
		v->provisioned = prov;
		v->flags |= TW_HAS_PROVISIONED;
	}
	if (has_cons) {
		v->consumed = cons;
		v->flags |= TW_HAS_CONSUMED;
	}
	if (thin >= 0) {
		v->thin = thin != 0;
		v->flags |= TW_HAS_THIN;
	}
	return v;
}

char *rj_wwn(const char *s)
{
	char out[65];
	size_t n = 0;
	if (!s)
		return NULL;
	if (strncasecmp(s, "naa.", 4) == 0)
		s += 4;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == ':' || c == '-' || c == ' ')
			continue;
		if (!isxdigit(c) || n == sizeof out - 1)
			return NULL;
		out[n++] = (char)tolower(c);
	}
	if (!n)
		return NULL;
	out[n] = '\0';
	return tw_strdup(out);
}
