/* rest_test_util.h: helpers shared by the REST mapping unit tests
 * (tests/unit/test_rest_*.c; include <cmocka.h> first): load a JSON file
 * from the shared vendor examples (../shared/rest-examples beside the source
 * tree, used only when present; then every example named must be there)
 * or from tests/fixtures/rest/, parse JSON text, and look at a
 * snapshot builder's pools and volumes.  Header-only (static functions) so
 * each test binary stays one file. */
#ifndef TW_REST_TEST_UTIL_H
#define TW_REST_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "model.h"
#include "rest_json.h"

static inline const char *rt_srcdir(void)
{
	const char *s = getenv("top_srcdir");
	return s && *s ? s : TW_SRCDIR;
}

/* Directory of the shared examples, or NULL when it is not there. */
static inline const char *rt_examples_dir(void)
{
	static char dir[1024];
	struct stat st;
	snprintf(dir, sizeof dir, "%s/../shared/rest-examples", rt_srcdir());
	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? dir : NULL;
}

static inline char *rt_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char tmp[8192];
	size_t n;
	if (!f)
		return NULL;
	buf_init(&b, 64u << 20);
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_append(&b, tmp, n);
	fclose(f);
	if (buf_failed(&b)) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b, len);
}

static inline json_t *rt_load(const char *dir, const char *name)
{
	char path[2048];
	size_t len = 0;
	char *text;
	json_t *j = NULL;
	char msg[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	text = rt_read(path, &len);
	if (!text) {
		fprintf(stderr, "cannot read %s\n", path);
		return NULL;
	}
	if (rj_parse(text, len, &j, msg, sizeof msg) != TW_OK)
		fprintf(stderr, "%s: %s\n", path, msg);
	free(text);
	return j;
}

/* A shared example by file name, or NULL (the caller skips its test) when
 * the examples folder is absent.  When the folder is there, a missing or
 * unreadable example fails the test: it must not pass by skipping. */
static inline json_t *rt_example(const char *name)
{
	const char *d = rt_examples_dir();
	json_t *j;
	if (!d)
		return NULL;
	if (!(j = rt_load(d, name)))
		fail_msg("shared example %s/%s is missing or not valid JSON", d, name);
	return j;
}

/* A fixture under tests/fixtures/rest/ (must exist). */
static inline json_t *rt_fixture(const char *name)
{
	char dir[1024];
	snprintf(dir, sizeof dir, "%s/tests/fixtures/rest", rt_srcdir());
	return rt_load(dir, name);
}

static inline json_t *rt_json(const char *text)
{
	json_t *j = NULL;
	char msg[256];
	if (rj_parse(text, strlen(text), &j, msg, sizeof msg) != TW_OK)
		fprintf(stderr, "bad test JSON: %s\n", msg);
	return j;
}

static inline const struct tw_pool *rt_pool(struct snap_builder *b, const char *name)
{
	uint32_t i = rj_pool_find(b, name);
	return i == TW_NO_POOL ? NULL : snap_builder_pool_at(b, i);
}

static inline const char *rt_pool_name(struct snap_builder *b, uint32_t idx)
{
	const struct tw_pool *p = idx == TW_NO_POOL ? NULL : snap_builder_pool_at(b, idx);
	return p ? p->name : "";
}

#endif
