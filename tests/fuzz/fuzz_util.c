/* fuzz_util.c: helpers shared by the fuzz targets (see fuzz.h): invariant
 * failures, a UTF-8 check, a private temporary directory, and a line-by-line
 * checker of the Prometheus exposition that every mapping target runs on
 * what it produced, so "the scrape would not parse" is a finding too. */
#include "config.h"
#include "fuzz.h"

#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "model.h"
#include "prom.h"

void fuzz_fail(const char *fmt, ...)
{
	va_list ap;
	fputs("fuzz invariant broken: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

int fuzz_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		size_t k;
		unsigned cp;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (n - i <= k)
			return 0;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += k + 1;
	}
	return 1;
}

/* ---- temporary directory ---- */

static char tmpdir_path[512];

static void tmpdir_remove(void)
{
	DIR *d;
	struct dirent *e;
	char p[1024];
	if (!tmpdir_path[0] || !(d = opendir(tmpdir_path)))
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof p, "%s/%s", tmpdir_path, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(tmpdir_path);
}

const char *fuzz_tmpdir(void)
{
	const char *t;
	if (tmpdir_path[0])
		return tmpdir_path;
	t = getenv("TMPDIR");
	snprintf(tmpdir_path, sizeof tmpdir_path, "%s/twfuzz.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmpdir_path))
		fuzz_fail("mkdtemp %s failed", tmpdir_path);
	atexit(tmpdir_remove);
	return tmpdir_path;
}

const char *fuzz_write_file(const char *name, const char *content, unsigned mode)
{
	static char path[1024];
	FILE *f;
	snprintf(path, sizeof path, "%s/%s", fuzz_tmpdir(), name);
	if (!(f = fopen(path, "wb")) || fputs(content, f) < 0 || fclose(f) != 0)
		fuzz_fail("cannot write %s", path);
	if (chmod(path, (mode_t)mode) != 0)
		fuzz_fail("cannot chmod %s", path);
	return path;
}

/* ---- exposition checker ---- */

static int name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

static int name_char(char c)
{
	return name_start(c) || (c >= '0' && c <= '9');
}

static void bad_line(const char *line, size_t len, size_t lineno, const char *why)
{
	fuzz_fail("exposition line %zu: %s: %.*s", lineno, why, (int)(len > 300 ? 300 : len), line);
}

static void check_sample(const char *l, size_t len, size_t lineno)
{
	size_t i = 0, vstart;
	char num[64];
	char *end;

	if (!len || !name_start(l[0]))
		bad_line(l, len, lineno, "bad metric name");
	while (i < len && name_char(l[i]))
		i++;
	if (i < len && l[i] == '{') {
		i++;
		while (i < len && l[i] != '}') {
			if (!name_start(l[i]) || l[i] == ':')
				bad_line(l, len, lineno, "bad label name");
			while (i < len && name_char(l[i]) && l[i] != ':')
				i++;
			if (i + 1 >= len || l[i] != '=' || l[i + 1] != '"')
				bad_line(l, len, lineno, "expected =\" after label name");
			i += 2;
			size_t vs = i;
			while (i < len && l[i] != '"') {
				if (l[i] == '\\') {
					if (i + 1 >= len ||
					    (l[i + 1] != '\\' && l[i + 1] != '"' && l[i + 1] != 'n'))
						bad_line(l, len, lineno, "bad escape in label value");
					i++;
				}
				i++;
			}
			if (i >= len)
				bad_line(l, len, lineno, "unterminated label value");
			if (!fuzz_utf8_valid(l + vs, i - vs))
				bad_line(l, len, lineno, "label value is not valid UTF-8");
			i++; /* closing quote */
			if (i < len && l[i] == ',')
				i++;
			else if (i < len && l[i] != '}')
				bad_line(l, len, lineno, "expected , or } after label value");
		}
		if (i >= len)
			bad_line(l, len, lineno, "unterminated label set");
		i++;
	}
	if (i >= len || l[i] != ' ')
		bad_line(l, len, lineno, "expected a space before the value");
	vstart = ++i;
	while (i < len && l[i] != ' ')
		i++;
	if (i == vstart || i - vstart >= sizeof num)
		bad_line(l, len, lineno, "bad value");
	memcpy(num, l + vstart, i - vstart);
	num[i - vstart] = '\0';
	if (strcmp(num, "NaN") && strcmp(num, "+Inf") && strcmp(num, "-Inf")) {
		double v = strtod(num, &end);
		if (*end || isnan(v) || isinf(v))
			bad_line(l, len, lineno, "value does not parse as a number");
	}
	if (i < len) { /* optional timestamp */
		long long ts = strtoll(l + i + 1, &end, 10);
		(void)ts;
		if (end != l + len)
			bad_line(l, len, lineno, "trailing garbage after the value");
	}
}

void fuzz_check_exposition(const char *text, size_t len, int openmetrics)
{
	size_t lineno = 0, pos = 0;
	int eof_seen = 0;

	if (len && text[len - 1] != '\n')
		fuzz_fail("exposition does not end with a newline");
	if (!fuzz_utf8_valid(text, len))
		fuzz_fail("exposition is not valid UTF-8");
	if (memchr(text, '\0', len))
		fuzz_fail("exposition contains a NUL byte");
	while (pos < len) {
		const char *l = text + pos;
		const char *nl = memchr(l, '\n', len - pos);
		size_t n = (size_t)(nl - l);
		lineno++;
		pos += n + 1;
		if (eof_seen)
			bad_line(l, n, lineno, "text after # EOF");
		if (n >= 2 && l[0] == '#') {
			if (n == 5 && !memcmp(l, "# EOF", 5))
				eof_seen = 1;
			else if (n < 7 || (memcmp(l, "# HELP ", 7) && memcmp(l, "# TYPE ", 7) &&
					   memcmp(l, "# UNIT ", 7)))
				bad_line(l, n, lineno, "unknown comment");
			continue;
		}
		check_sample(l, n, lineno);
	}
	if (openmetrics && !eof_seen)
		fuzz_fail("OpenMetrics exposition without # EOF");
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void check_unique(char **names, size_t n, const char *what)
{
	qsort(names, n, sizeof *names, cmp_name);
	for (size_t i = 1; i < n; i++)
		if (!strcmp(names[i - 1], names[i]))
			fuzz_fail("two %s named '%s'", what, names[i]);
}

void fuzz_check_snapshot(const struct tw_snapshot *s)
{
	char **names;
	size_t n = s->npools > s->nvolumes ? s->npools : s->nvolumes;

	if (!(names = malloc((n ? n : 1) * sizeof *names)))
		return;
	for (size_t i = 0; i < s->nvolumes; i++) {
		if (s->volumes[i].pool != TW_NO_POOL && s->volumes[i].pool >= s->npools)
			fuzz_fail("volume %zu links to pool %u of %zu", i, s->volumes[i].pool,
				  s->npools);
		if (!s->volumes[i].name)
			fuzz_fail("volume %zu without a name", i);
		names[i] = s->volumes[i].name;
	}
	check_unique(names, s->nvolumes, "volumes");
	for (size_t i = 0; i < s->npools; i++) {
		if (!s->pools[i].name)
			fuzz_fail("pool %zu without a name", i);
		names[i] = s->pools[i].name;
	}
	check_unique(names, s->npools, "pools");
	free(names);
}

/* What /metrics streams (the plan, read in odd-sized blocks) is what
 * prom_render wrote. */
static void fuzz_check_plan(const struct buf *want, int om, const struct prom_target_view *v,
			    const struct prom_extra *extra)
{
	tw_err e;
	struct prom_plan *p = prom_plan_new(om, v, 1, extra, &e);
	char block[4099];
	size_t pos = 0, n, step = 1;

	if (!p) {
		if (e != TW_ERR_NOMEM)
			fuzz_fail("prom_plan_new failed: %s", tw_strerror(e));
		return;
	}
	if (prom_plan_size(p) != want->len)
		fuzz_fail("plan of %zu bytes, prom_render wrote %zu", prom_plan_size(p), want->len);
	while ((n = prom_plan_read(p, pos, block, step)) > 0) {
		if (memcmp(block, want->data + pos, n) != 0)
			fuzz_fail("plan differs from prom_render in bytes %zu..%zu", pos, pos + n);
		pos += n;
		step = step * 3 % sizeof block + 1;
	}
	if (pos != want->len)
		fuzz_fail("plan read ended at %zu of %zu bytes", pos, want->len);
	prom_plan_free(p);
}

void fuzz_render_and_check(const struct tw_snapshot *s)
{
	uint64_t errors[PROM_NUM_ERRORS] = { 0 };
	struct prom_target_view v = { "fuzz", s, s != NULL, 0.25, 1e9, errors };
	struct prom_extra extra = { "0.0.0", "fuzz", 1, 1e9 };
	struct buf b;

	for (int om = 0; om <= 1; om++) {
		tw_err e;
		buf_init(&b, 0);
		e = prom_render(&b, om, &v, 1, &extra);
		if (e == TW_OK) {
			fuzz_check_exposition(b.data ? b.data : "", b.len, om);
			fuzz_check_plan(&b, om, &v, &extra);
		} else if (e != TW_ERR_NOMEM && e != TW_ERR_TOO_BIG) {
			fuzz_fail("prom_render failed: %s", tw_strerror(e));
		}
		buf_free(&b);
	}
}

size_t fuzz_split(const uint8_t *d, size_t n, size_t max, const uint8_t **part, size_t *plen)
{
	size_t nparts = 0, off = 0;
	while (nparts < max) {
		const uint8_t *nul = off < n ? memchr(d + off, 0, n - off) : NULL;
		size_t end = nul && nparts + 1 < max ? (size_t)(nul - d) : n;
		part[nparts] = d + off;
		plen[nparts++] = end - off;
		if (end == n)
			break;
		off = end + 1;
	}
	return nparts;
}

double fuzz_threshold(const void *ctx, const char *pool)
{
	(void)ctx;
	(void)pool;
	return 1.5;
}
