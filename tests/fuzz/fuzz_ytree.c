/* fuzz_ytree.c: libFuzzer target for the YAML tree (src/ytree.c): any bytes
 * through ydoc_load_string, then every node through the typed readers the
 * loaders use (strings, booleans, integers, doubles, sizes, durations) and
 * every mapping through ymap_check_keys.  Invariants: a loaded tree is a
 * tree (no node contains itself, which libyaml allows through an alias
 * inside its own anchor), nodes have positions, scalars strings, mapping
 * keys are scalars, and error messages are NUL-terminated.  Aliases share
 * nodes, so the walk is capped. */
#include "config.h"
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "ytree.h"

#define VISIT_MAX 20000
#define PATH_MAX_DEPTH 1000 /* aliases may nest anchored subtrees deeper than 64 */

static const char *const keys[] = { "name", "global", "targets", "interval", "pools", NULL };

/* path[0..depth) are the ancestors of n: a tree has no cycles. */
static void visit(const struct ydoc *d, const struct ynode *n, const struct ynode **path,
		  int depth, size_t *budget)
{
	char msg[256];
	const char *s;
	uint64_t u;
	double v;
	int b;

	if (!n || !*budget || depth >= PATH_MAX_DEPTH)
		return;
	--*budget;
	for (int i = 0; i < depth; i++)
		if (path[i] == n)
			fuzz_fail("the tree has a cycle (a node contains itself)");
	path[depth] = n;
	if (n->line < 1 || n->col < 1)
		fuzz_fail("node without a position (%d:%d)", n->line, n->col);
	switch (n->type) {
	case Y_SCALAR:
		if (!n->str)
			fuzz_fail("scalar without a string");
		msg[0] = 'x';
		if (ynode_str(d, n, "s", &s, msg, sizeof msg) != TW_OK || s != n->str)
			fuzz_fail("ynode_str on a scalar");
		(void)ynode_bool(d, n, "b", &b, msg, sizeof msg);
		(void)ynode_u64(d, n, "u", 1, 1000, &u, msg, sizeof msg);
		(void)ynode_double(d, n, "d", -1e9, 1e9, &v, msg, sizeof msg);
		(void)ynode_size(d, n, "size", &u, msg, sizeof msg);
		(void)ynode_duration(d, n, "duration", &v, msg, sizeof msg);
		if (!memchr(msg, '\0', sizeof msg))
			fuzz_fail("message not terminated");
		break;
	case Y_SEQ:
		if (ynode_expect(d, n, Y_SEQ, "seq", msg, sizeof msg) != TW_OK)
			fuzz_fail("ynode_expect on a sequence");
		for (size_t i = 0; i < n->n; i++)
			visit(d, n->items[i], path, depth + 1, budget);
		break;
	case Y_MAP:
		(void)ymap_check_keys(d, n, keys, msg, sizeof msg);
		(void)ymap_get(n, "name");
		for (size_t i = 0; i < n->n; i++) {
			if (!n->pairs[i].key || n->pairs[i].key->type != Y_SCALAR)
				fuzz_fail("mapping key that is not a scalar");
			visit(d, n->pairs[i].key, path, depth + 1, budget);
			visit(d, n->pairs[i].val, path, depth + 1, budget);
		}
		break;
	default:
		fuzz_fail("bad node type %d", (int)n->type);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ydoc *d = NULL;
	char msg[512];
	size_t budget = VISIT_MAX;
	const struct ynode *path[PATH_MAX_DEPTH];
	tw_err e;

	msg[0] = '\0';
	if ((e = ydoc_load_string("fuzz.yml", (const char *)data, size, &d, msg, sizeof msg))) {
		if (d)
			fuzz_fail("ydoc_load_string failed but set *out");
		if (!memchr(msg, '\0', sizeof msg) || (!msg[0] && e != TW_ERR_NOMEM))
			fuzz_fail("error without a message");
		return 0;
	}
	if (!d)
		fuzz_fail("ydoc_load_string succeeded without a document");
	visit(d, d->root, path, 0, &budget);
	ydoc_free(d);
	return 0;
}
