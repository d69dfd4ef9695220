/* ytree.c: libyaml document -> located node tree (see ytree.h). */
#include "config.h"
#include "ytree.h"
#include "units.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define YDOC_MAX_BYTES ((size_t)16 << 20)
#define YDOC_MAX_DEPTH 64

static tw_err build_node(struct ydoc *d, yaml_document_t *doc, yaml_node_t *yn, struct ynode *n,
			 int depth, char *msg, size_t msglen);

static tw_err build(struct ydoc *d, yaml_document_t *doc, yaml_node_t *yn, int depth,
		    struct ynode **out, char *msg, size_t msglen)
{
	size_t idx = (size_t)(yn - doc->nodes.start);
	struct ynode *n = &d->nodes[idx];
	tw_err e;

	*out = n;
	if (n->line < 0) /* libyaml lets an alias name the node it is inside of */
		return tw_seterr(msg, msglen, TW_ERR_PARSE,
				 "%s:%zu:%zu: an alias inside this node refers to the node itself",
				 d->file, yn->start_mark.line + 1, yn->start_mark.column + 1);
	if (n->line) /* already built (alias) */
		return TW_OK;
	if (depth > YDOC_MAX_DEPTH)
		return tw_seterr(msg, msglen, TW_ERR_PARSE, "%s:%zu:%zu: nesting deeper than %d",
				 d->file, yn->start_mark.line + 1, yn->start_mark.column + 1,
				 YDOC_MAX_DEPTH);
	n->line = -1; /* being built: the tree must stay a tree (no cycles) */
	n->col = (int)yn->start_mark.column + 1;
	e = build_node(d, doc, yn, n, depth, msg, msglen);
	n->line = (int)yn->start_mark.line + 1;
	return e;
}

/* Fill n from yn (children at depth + 1). */
static tw_err build_node(struct ydoc *d, yaml_document_t *doc, yaml_node_t *yn, struct ynode *n,
			 int depth, char *msg, size_t msglen)
{
	tw_err e;

	switch (yn->type) {
	case YAML_SCALAR_NODE:
		n->type = Y_SCALAR;
		n->plain = yn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		n->str = tw_strndup((const char *)yn->data.scalar.value, yn->data.scalar.length);
		if (!n->str)
			return TW_ERR_NOMEM;
		if (strlen(n->str) != yn->data.scalar.length)
			return tw_seterr(msg, msglen, TW_ERR_PARSE, "%s:%zu:%zu: NUL byte in value",
					 d->file, yn->start_mark.line + 1, yn->start_mark.column + 1);
		return TW_OK;
	case YAML_SEQUENCE_NODE: {
		size_t cnt = (size_t)(yn->data.sequence.items.top - yn->data.sequence.items.start);
		n->type = Y_SEQ;
		n->items = calloc(cnt ? cnt : 1, sizeof *n->items);
		if (!n->items)
			return TW_ERR_NOMEM;
		for (size_t i = 0; i < cnt; i++) {
			yaml_node_t *c = yaml_document_get_node(doc, yn->data.sequence.items.start[i]);
			if ((e = build(d, doc, c, depth + 1, &n->items[i], msg, msglen)))
				return e;
			n->n++;
		}
		return TW_OK;
	}
	case YAML_MAPPING_NODE: {
		size_t cnt = (size_t)(yn->data.mapping.pairs.top - yn->data.mapping.pairs.start);
		n->type = Y_MAP;
		n->pairs = calloc(cnt ? cnt : 1, sizeof *n->pairs);
		if (!n->pairs)
			return TW_ERR_NOMEM;
		for (size_t i = 0; i < cnt; i++) {
			yaml_node_pair_t *p = &yn->data.mapping.pairs.start[i];
			yaml_node_t *k = yaml_document_get_node(doc, p->key);
			yaml_node_t *v = yaml_document_get_node(doc, p->value);
			if ((e = build(d, doc, k, depth + 1, &n->pairs[i].key, msg, msglen)))
				return e;
			if (n->pairs[i].key->type != Y_SCALAR)
				return tw_seterr(msg, msglen, TW_ERR_PARSE,
						 "%s:%d:%d: mapping keys must be plain strings",
						 d->file, n->pairs[i].key->line, n->pairs[i].key->col);
			if ((e = build(d, doc, v, depth + 1, &n->pairs[i].val, msg, msglen)))
				return e;
			n->n++;
		}
		return TW_OK;
	}
	default:
		break;
	}
	return tw_seterr(msg, msglen, TW_ERR_PARSE, "%s:%zu:%zu: unsupported YAML node", d->file,
			 yn->start_mark.line + 1, yn->start_mark.column + 1);
}

tw_err ydoc_load_string(const char *name, const char *text, size_t len, struct ydoc **out,
			char *msg, size_t msglen)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct ydoc *d;
	tw_err e = TW_OK;
	yaml_node_t *root;

	*out = NULL;
	d = calloc(1, sizeof *d);
	if (!d)
		return TW_ERR_NOMEM;
	d->file = tw_strdup(name ? name : "<string>");
	if (!d->file) {
		free(d);
		return TW_ERR_NOMEM;
	}
	if (!yaml_parser_initialize(&parser)) {
		ydoc_free(d);
		return TW_ERR_NOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		e = tw_seterr(msg, msglen, TW_ERR_PARSE, "%s:%zu:%zu: %s%s%s", d->file,
			      parser.problem_mark.line + 1, parser.problem_mark.column + 1,
			      parser.problem ? parser.problem : "YAML syntax error",
			      parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		ydoc_free(d);
		return e;
	}
	root = yaml_document_get_root_node(&doc);
	if (root) {
		d->nnodes = (size_t)(doc.nodes.top - doc.nodes.start);
		d->nodes = calloc(d->nnodes, sizeof *d->nodes);
		if (!d->nodes)
			e = TW_ERR_NOMEM;
		else
			e = build(d, &doc, root, 0, &d->root, msg, msglen);
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (e) {
		if (e == TW_ERR_NOMEM)
			tw_seterr(msg, msglen, e, "%s: out of memory", d->file);
		ydoc_free(d);
		return e;
	}
	*out = d;
	return TW_OK;
}

tw_err ydoc_load_file(const char *path, struct ydoc **out, char *msg, size_t msglen)
{
	FILE *f;
	char *text = NULL;
	size_t len = 0, alloc = 0;
	tw_err e;

	*out = NULL;
	f = fopen(path, "rb");
	if (!f)
		return tw_seterr(msg, msglen, TW_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
	for (;;) {
		size_t r;
		if (len + 4096 + 1 > alloc) {
			char *p;
			alloc = alloc ? alloc * 2 : 8192;
			p = realloc(text, alloc);
			if (!p) {
				free(text);
				fclose(f);
				return TW_ERR_NOMEM;
			}
			text = p;
		}
		r = fread(text + len, 1, alloc - len - 1, f);
		len += r;
		if (len > YDOC_MAX_BYTES) {
			free(text);
			fclose(f);
			return tw_seterr(msg, msglen, TW_ERR_TOO_BIG, "%s: larger than %zu bytes", path,
					 YDOC_MAX_BYTES);
		}
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		free(text);
		fclose(f);
		return tw_seterr(msg, msglen, TW_ERR_IO, "%s: read error", path);
	}
	fclose(f);
	e = ydoc_load_string(path, text ? text : "", len, out, msg, msglen);
	free(text);
	return e;
}

void ydoc_free(struct ydoc *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nnodes; i++) {
		free(d->nodes[i].str);
		free(d->nodes[i].items);
		free(d->nodes[i].pairs);
	}
	free(d->nodes);
	free(d->file);
	free(d);
}

const struct ynode *ymap_get(const struct ynode *map, const char *key)
{
	if (!map || map->type != Y_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->pairs[i].key->str, key) == 0)
			return map->pairs[i].val;
	return NULL;
}

tw_err yerr(char *msg, size_t msglen, const struct ydoc *d, const struct ynode *n,
	    const char *fmt, ...)
{
	char detail[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	if (n)
		return tw_seterr(msg, msglen, TW_ERR_CONFIG, "%s:%d:%d: %s", d->file, n->line, n->col,
				 detail);
	return tw_seterr(msg, msglen, TW_ERR_CONFIG, "%s: %s", d->file, detail);
}

tw_err ymap_check_keys(const struct ydoc *d, const struct ynode *map,
		       const char *const *allowed, char *msg, size_t msglen)
{
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *k = map->pairs[i].key;
		size_t j;
		for (j = 0; allowed[j]; j++)
			if (strcmp(allowed[j], k->str) == 0)
				break;
		if (!allowed[j]) {
			char list[400] = "";
			size_t off = 0;
			for (j = 0; allowed[j] && off < sizeof list - 1; j++) {
				int w = snprintf(list + off, sizeof list - off, "%s%s", j ? ", " : "",
						 allowed[j]);
				if (w < 0)
					break;
				off += (size_t)w;
			}
			return yerr(msg, msglen, d, k, "unknown key '%s' (expected one of: %s)", k->str,
				    list);
		}
		for (j = 0; j < i; j++)
			if (strcmp(map->pairs[j].key->str, k->str) == 0)
				return yerr(msg, msglen, d, k, "duplicate key '%s'", k->str);
	}
	return TW_OK;
}

static const char *type_name(enum ynode_type t)
{
	switch (t) {
	case Y_SCALAR: return "a scalar value";
	case Y_SEQ: return "a list";
	case Y_MAP: return "a mapping";
	}
	return "?";
}

tw_err ynode_expect(const struct ydoc *d, const struct ynode *n, enum ynode_type t,
		    const char *what, char *msg, size_t msglen)
{
	if (n->type != t)
		return yerr(msg, msglen, d, n, "%s: expected %s, got %s", what, type_name(t),
			    type_name(n->type));
	return TW_OK;
}

tw_err ynode_str(const struct ydoc *d, const struct ynode *n, const char *what,
		 const char **out, char *msg, size_t msglen)
{
	tw_err e = ynode_expect(d, n, Y_SCALAR, what, msg, msglen);
	if (e)
		return e;
	*out = n->str;
	return TW_OK;
}

tw_err ynode_bool(const struct ydoc *d, const struct ynode *n, const char *what, int *out,
		  char *msg, size_t msglen)
{
	tw_err e = ynode_expect(d, n, Y_SCALAR, what, msg, msglen);
	if (e)
		return e;
	if (!strcmp(n->str, "true") || !strcmp(n->str, "yes") || !strcmp(n->str, "on"))
		*out = 1;
	else if (!strcmp(n->str, "false") || !strcmp(n->str, "no") || !strcmp(n->str, "off"))
		*out = 0;
	else
		return yerr(msg, msglen, d, n, "%s: expected true or false, got '%s'", what, n->str);
	return TW_OK;
}

tw_err ynode_u64(const struct ydoc *d, const struct ynode *n, const char *what, uint64_t min,
		 uint64_t max, uint64_t *out, char *msg, size_t msglen)
{
	uint64_t v;
	tw_err e = ynode_expect(d, n, Y_SCALAR, what, msg, msglen);
	if (e)
		return e;
	if (tw_parse_u64(n->str, &v) || v < min || v > max)
		return yerr(msg, msglen, d, n,
			    "%s: expected an integer from %llu to %llu, got '%s'", what,
			    (unsigned long long)min, (unsigned long long)max, n->str);
	*out = v;
	return TW_OK;
}

tw_err ynode_double(const struct ydoc *d, const struct ynode *n, const char *what, double min,
		    double max, double *out, char *msg, size_t msglen)
{
	char *end;
	double v;
	tw_err e = ynode_expect(d, n, Y_SCALAR, what, msg, msglen);
	if (e)
		return e;
	errno = 0;
	v = strtod(n->str, &end);
	if (errno || end == n->str || *end || !(v >= min && v <= max))
		return yerr(msg, msglen, d, n, "%s: expected a number from %g to %g, got '%s'", what,
			    min, max, n->str);
	*out = v;
	return TW_OK;
}

tw_err ynode_size(const struct ydoc *d, const struct ynode *n, const char *what, uint64_t *out,
		  char *msg, size_t msglen)
{
	tw_err e = ynode_expect(d, n, Y_SCALAR, what, msg, msglen);
	if (e)
		return e;
	if (tw_parse_size(n->str, out))
		return yerr(msg, msglen, d, n,
			    "%s: expected a size like 1024, 4TiB or 154.89GiB, got '%s'", what,
			    n->str);
	return TW_OK;
}

tw_err ynode_duration(const struct ydoc *d, const struct ynode *n, const char *what,
		      double *out, char *msg, size_t msglen)
{
	tw_err e = ynode_expect(d, n, Y_SCALAR, what, msg, msglen);
	if (e)
		return e;
	if (tw_parse_duration(n->str, out))
		return yerr(msg, msglen, d, n, "%s: expected a duration like 60s, 5m or 1h30m, got '%s'",
			    what, n->str);
	return TW_OK;
}
