/* fuzz.h: what the fuzz targets in tests/fuzz/ share.  Every fuzz_<name>.c
 * defines LLVMFuzzerTestOneInput (and optionally LLVMFuzzerInitialize) and
 * is linked twice: with libFuzzer (-fsanitize=fuzzer, --enable-fuzzing
 * builds only) as tests/fuzz/fuzz_<name>, and in every build with
 * replay_main.c as tests/fuzz/replay_<name>, a `make check` test that runs
 * the committed corpus and regression inputs through the same entry point.
 * A target reports a broken invariant with fuzz_fail(), which aborts, so
 * libFuzzer saves the input and the replay test fails. */
#ifndef TW_FUZZ_H
#define TW_FUZZ_H

#include <stddef.h>
#include <stdint.h>

struct tw_snapshot;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Cut d[0..n) at NUL bytes into at most max parts (the last takes the rest,
 * NULs included); returns how many (at least 1). */
size_t fuzz_split(const uint8_t *d, size_t n, size_t max, const uint8_t **part, size_t *plen);
/* The overcommit threshold callback of snap_builder_finish: 1.5 everywhere. */
double fuzz_threshold(const void *ctx, const char *pool);

/* Print "fuzz invariant broken: ..." to stderr and abort(). */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* 1 if s[0..n) is valid UTF-8 (no overlongs, surrogates or > U+10FFFF). */
int fuzz_utf8_valid(const char *s, size_t n);

/* A private directory under $TMPDIR (or /tmp), created on first use and
 * removed with its files at exit.  Aborts if it cannot be made. */
const char *fuzz_tmpdir(void);
/* Write a file in fuzz_tmpdir() with this content and mode; returns its path
 * (static storage, valid until the next call). */
const char *fuzz_write_file(const char *name, const char *content, unsigned mode);

/* Check a Prometheus text / OpenMetrics exposition line by line: comments,
 * then `name{label="value",...} value` with a valid metric name, label
 * names, escapes (\\ \" \n only), UTF-8 and a parseable value; fails (abort)
 * on the first bad line. */
void fuzz_check_exposition(const char *text, size_t len, int openmetrics);

/* Model invariants of a finished snapshot: every volume's pool is
 * TW_NO_POOL or a real pool; pool names and volume names are unique. */
void fuzz_check_snapshot(const struct tw_snapshot *s);

/* Render snapshot s (may be NULL) as target "fuzz" in both formats and
 * check the output with fuzz_check_exposition. */
void fuzz_render_and_check(const struct tw_snapshot *s);

#endif
