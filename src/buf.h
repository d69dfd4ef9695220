/* buf.h: the one growable, size-capped byte buffer used for exposition text,
 * HTTP bodies and escaping.  Always NUL-terminated; appending past the cap
 * fails with TW_ERR_TOO_BIG and leaves the buffer as it was; after any failed
 * append the buffer remembers the error (buf_failed) so a long run of appends
 * can be checked once at the end.
 */
#ifndef TW_BUF_H
#define TW_BUF_H

#include <stddef.h>
#include <stdint.h>
#include "tw.h"

struct buf {
	char *data;   /* NUL-terminated when len > 0 or after any append */
	size_t len;   /* bytes used, excluding the NUL */
	size_t alloc; /* bytes allocated */
	size_t cap;   /* hard limit on len */
	tw_err err;   /* first error seen, TW_OK if none */
};

#define BUF_DEFAULT_CAP ((size_t)64 << 20)

void buf_init(struct buf *b, size_t cap);
void buf_free(struct buf *b);              /* NULL-safe; leaves b re-usable */
void buf_reset(struct buf *b);             /* len = 0, keeps memory and error cleared */
tw_err buf_reserve(struct buf *b, size_t extra);
/* Like buf_reserve, but when the buffer must grow it gets exactly what is
 * needed, no doubling slack: for text whose final size is known. */
tw_err buf_reserve_exact(struct buf *b, size_t extra);
tw_err buf_append(struct buf *b, const void *p, size_t n);
tw_err buf_puts(struct buf *b, const char *s);
tw_err buf_putc(struct buf *b, char c);
tw_err buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
tw_err buf_put_u64(struct buf *b, uint64_t v);  /* decimal, fast */
static inline int buf_failed(const struct buf *b) { return b->err != TW_OK; }
/* Hand the data out (caller frees with free()); *len receives the length.
 * Returns an empty allocated string for an empty buffer, NULL on OOM. */
char *buf_detach(struct buf *b, size_t *len);

#endif
