/* replay_main.c: main() for the fuzz targets built without libFuzzer, so
 * every target is also an ordinary program (tests/fuzz/replay_<name>) in
 * every build, sanitizers or not.  It feeds files to the target's
 * LLVMFuzzerTestOneInput exactly as libFuzzer would (an exact-size heap
 * copy, so ASan sees any over-read):
 *
 *   replay_<name> FILE|DIR...   each file, and each regular file in a DIR
 *   replay_<name>               (the `make check` test) the empty input, then
 *                               $top_srcdir/tests/fuzz/corpus/<name>/ (must
 *                               hold at least one file) and
 *                               $top_srcdir/tests/fuzz/regress/<name>/ (crash
 *                               inputs kept forever; may be absent)
 *
 * Each file's name is printed before it runs, so a crash names its input.
 * FUZZ_TARGET (the <name>) is defined by Makefile.am. */
#include "config.h"
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef FUZZ_TARGET
#error "FUZZ_TARGET must name the target"
#endif

/* Optional in each target. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *data;
	long n;

	if (!f) {
		fprintf(stderr, "replay_%s: %s: %s\n", FUZZ_TARGET, path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "replay_%s: %s: cannot size\n", FUZZ_TARGET, path);
		fclose(f);
		return -1;
	}
	/* exact size (malloc(0) may return NULL: give it one byte then) */
	if (!(data = malloc(n ? (size_t)n : 1)) ||
	    (n && fread(data, 1, (size_t)n, f) != (size_t)n)) {
		fprintf(stderr, "replay_%s: %s: cannot read\n", FUZZ_TARGET, path);
		free(data);
		fclose(f);
		return -1;
	}
	fclose(f);
	printf("replay_%s: %s (%ld bytes)\n", FUZZ_TARGET, path, n);
	fflush(stdout);
	LLVMFuzzerTestOneInput(data, (size_t)n);
	free(data);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run every regular file of dir in name order; returns how many ran, or -1. */
static long run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, alloc = 0;
	long ran = 0;

	if (!d) {
		fprintf(stderr, "replay_%s: %s: %s\n", FUZZ_TARGET, dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		char path[4096];
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (n == alloc) {
			char **nn = realloc(names, (alloc = alloc ? 2 * alloc : 64) * sizeof *names);
			if (!nn)
				abort();
			names = nn;
		}
		if (!(names[n++] = strdup(path)))
			abort();
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (run_file(names[i]) != 0)
			ran = -1;
		else if (ran >= 0)
			ran++;
		free(names[i]);
	}
	free(names);
	return ran;
}

static long run_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return run_dir(path);
	return run_file(path) == 0 ? 1 : -1;
}

int main(int argc, char **argv)
{
	static const uint8_t empty[1];
	const char *top = getenv("top_srcdir");
	char dir[4096];
	struct stat st;
	long total = 0, r;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	if (argc > 1) {
		for (int i = 1; i < argc; i++) {
			if ((r = run_path(argv[i])) < 0)
				return 1;
			total += r;
		}
		printf("replay_%s: %ld input(s), no crash\n", FUZZ_TARGET, total);
		return 0;
	}
	if (!top || !*top)
		top = TW_SRCDIR;
	LLVMFuzzerTestOneInput(empty, 0);
	snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s", top, FUZZ_TARGET);
	if ((r = run_dir(dir)) <= 0) {
		fprintf(stderr, "replay_%s: no seed corpus in %s\n", FUZZ_TARGET, dir);
		return 1;
	}
	total += r;
	snprintf(dir, sizeof dir, "%s/tests/fuzz/regress/%s", top, FUZZ_TARGET);
	if (stat(dir, &st) == 0) {
		if ((r = run_dir(dir)) < 0)
			return 1;
		total += r;
	}
	printf("replay_%s: %ld input(s), no crash\n", FUZZ_TARGET, total);
	return 0;
}
