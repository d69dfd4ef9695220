/* ytree.h: a YAML document loaded into a small tree of scalars, sequences
 * and mappings that remembers the file, line and column of every node, so
 * the config, profile and scenario loaders can say exactly where a value is
 * wrong ("thinwatch.yml:12:7: expected a duration like 60s, got 'soon'").
 * Aliases are resolved by libyaml; merge keys are not supported. */
#ifndef TW_YTREE_H
#define TW_YTREE_H

#include <stddef.h>
#include <stdint.h>
#include "tw.h"

enum ynode_type { Y_SCALAR, Y_SEQ, Y_MAP };

struct ynode;
struct ypair { struct ynode *key, *val; };

struct ynode {
	enum ynode_type type;
	int line, col;          /* 1-based */
	int plain;              /* scalar was unquoted (null/bool detection) */
	char *str;              /* Y_SCALAR: the value */
	size_t n;               /* Y_SEQ: items; Y_MAP: pairs */
	struct ynode **items;
	struct ypair *pairs;
};

struct ydoc {
	char *file;             /* name used in messages */
	struct ynode *root;     /* NULL for an empty document */
	size_t nnodes;
	struct ynode *nodes;    /* all nodes, owned */
};

/* Load a file (at most max_bytes; 0 = 16 MiB).  On error returns non-OK and
 * writes "file:line:col: ..." into msg. */
tw_err ydoc_load_file(const char *path, struct ydoc **out, char *msg, size_t msglen);
tw_err ydoc_load_string(const char *name, const char *text, size_t len, struct ydoc **out,
			char *msg, size_t msglen);
void ydoc_free(struct ydoc *d);

/* Mapping lookup (first match); NULL if absent or n is not a mapping. */
const struct ynode *ymap_get(const struct ynode *map, const char *key);

/* Write "file:line:col: <fmt>" into msg and return TW_ERR_CONFIG. */
tw_err yerr(char *msg, size_t msglen, const struct ydoc *d, const struct ynode *n,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Every key of map must be in allowed (NULL-terminated) and appear once;
 * otherwise an error naming the key and listing what was expected. */
tw_err ymap_check_keys(const struct ydoc *d, const struct ynode *map,
		       const char *const *allowed, char *msg, size_t msglen);

/* Typed scalar readers: on type mismatch write a located error naming what
 * was expected (using `what`, e.g. "global.timeout") and return TW_ERR_CONFIG. */
tw_err ynode_expect(const struct ydoc *d, const struct ynode *n, enum ynode_type t,
		    const char *what, char *msg, size_t msglen);
tw_err ynode_str(const struct ydoc *d, const struct ynode *n, const char *what,
		 const char **out, char *msg, size_t msglen);
tw_err ynode_bool(const struct ydoc *d, const struct ynode *n, const char *what,
		  int *out, char *msg, size_t msglen);
tw_err ynode_u64(const struct ydoc *d, const struct ynode *n, const char *what,
		 uint64_t min, uint64_t max, uint64_t *out, char *msg, size_t msglen);
tw_err ynode_double(const struct ydoc *d, const struct ynode *n, const char *what,
		    double min, double max, double *out, char *msg, size_t msglen);
tw_err ynode_size(const struct ydoc *d, const struct ynode *n, const char *what,
		  uint64_t *out, char *msg, size_t msglen);
tw_err ynode_duration(const struct ydoc *d, const struct ynode *n, const char *what,
		      double *out, char *msg, size_t msglen);

#endif
