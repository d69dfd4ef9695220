/* rest_json.h: small, strict JSON helpers shared by the REST drivers'
 * mapping code: a depth-checked parse (jansson, duplicate keys rejected),
 * dotted-path lookups, and typed readers that tell "absent" from "present
 * but wrong" so a driver can reject impossible data instead of guessing.
 * Pure functions; no I/O. */
#ifndef TW_REST_JSON_H
#define TW_REST_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "model.h"
#include "tw.h"

/* Deepest nesting accepted in a response body (arrays + objects). */
#define RJ_MAX_DEPTH 64

/* Parse len bytes of JSON.  Errors: TW_ERR_PARSE (syntax, nesting deeper
 * than RJ_MAX_DEPTH, duplicate keys, empty body) with line/column in msg. */
tw_err rj_parse(const char *data, size_t len, json_t **out, char *msg, size_t msglen);

/* Value at a dotted path ("space.block_storage.size") or NULL. */
json_t *rj_path(const json_t *obj, const char *path);

/* Typed readers.  Each returns 1 when the value is present and valid,
 * 0 when absent or JSON null, -1 when present with the wrong type or out of
 * range (nothing stored). */
int rj_u64(const json_t *obj, const char *path, uint64_t *out);     /* integer >= 0 */
int rj_u64_str(const json_t *obj, const char *path, uint64_t *out); /* "123" or 123 */
int rj_str(const json_t *obj, const char *path, const char **out);  /* string */
int rj_bool(const json_t *obj, const char *path, int *out);         /* true/false */
int rj_real(const json_t *obj, const char *path, double *out);      /* any number */

/* The array under `key` of a collection (e.g. "records"); TW_ERR_INVALID_DATA
 * with a message when missing or not an array. */
tw_err rj_array(const json_t *root, const char *key, const char *what, json_t **out,
		char *msg, size_t msglen);

/* Message helper: "WHAT[IDX]: PATH: expected EXPECTED" -> TW_ERR_INVALID_DATA. */
tw_err rj_bad(char *msg, size_t msglen, const char *what, size_t idx, const char *path,
	      const char *expected);

/* a * b without wrapping: 0 on success, -1 on overflow. */
int rj_mul_u64(uint64_t a, uint64_t b, uint64_t *out);

/* Index of an existing pool of the builder by name, or TW_NO_POOL (does
 * not create one). */
uint32_t rj_pool_find(struct snap_builder *b, const char *name);

/* Pool ids -> pool indexes, for APIs whose volumes name their pool by an
 * id rather than the name the pool is exported under. */
struct rj_idmap {
	char **ids;
	uint32_t *pools;
	size_t n, alloc;
};
tw_err rj_idmap_add(struct rj_idmap *m, const char *id, uint32_t pool); /* TW_ERR_NOMEM */
uint32_t rj_idmap_find(const struct rj_idmap *m, const char *id);      /* or TW_NO_POOL */
void rj_idmap_clear(struct rj_idmap *m);                               /* frees; reusable */

/* Set one pool figure and its flag: flag is TW_HAS_CAPACITY, _USED, _FREE
 * or _PROVISIONED (the array's own subscribed figure). */
void rj_pool_set(struct tw_pool *p, uint32_t flag, uint64_t v);

/* Add a volume with the figures whose has_* is set; thin < 0 = unknown.
 * NULL on OOM. */
struct tw_volume *rj_volume_add(struct snap_builder *b, const char *name, uint32_t pool,
				int has_prov, uint64_t prov, int has_cons, uint64_t cons, int thin);

/* A WWN as thinwatch exports it: lower-case hex digits only ("naa." prefix,
 * colons, dashes and spaces dropped).  NULL when s has no hex digits, other
 * characters, or more than 64 digits (or on OOM). */
char *rj_wwn(const char *s);

/* Set an array_info string (vendor/model/serial/version) to a copy of s;
 * NULL or "" leaves it unchanged.  TW_ERR_NOMEM on failure. */
tw_err rj_set_info(char **field, const char *s);

#endif
