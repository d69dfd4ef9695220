/* buf.c: growable, capped, always NUL-terminated byte buffer (see buf.h). */
#include "config.h"
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t cap)
{
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap ? cap : BUF_DEFAULT_CAP;
	b->err = TW_OK;
}

void buf_free(struct buf *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->len = b->alloc = 0;
	b->err = TW_OK;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->err = TW_OK;
	if (b->data)
		b->data[0] = '\0';
}

/* Make room for extra more bytes (and the NUL): doubling, or exactly. */
static tw_err grow(struct buf *b, size_t extra, int exact)
{
	size_t need, n;
	char *p;
	if (b->err)
		return b->err;
	if (extra > b->cap || b->len > b->cap - extra)
		return b->err = TW_ERR_TOO_BIG;
	need = b->len + extra + 1;
	if (need <= b->alloc)
		return TW_OK;
	n = exact ? need : b->alloc ? b->alloc : 256;
	while (n < need)
		n = n > SIZE_MAX / 2 ? need : n * 2;
	if (n > b->cap + 1)
		n = b->cap + 1;
	p = realloc(b->data, n);
	if (!p)
		return b->err = TW_ERR_NOMEM;
	b->data = p;
	b->alloc = n;
	b->data[b->len] = '\0';
	return TW_OK;
}

tw_err buf_reserve(struct buf *b, size_t extra)
{
	return grow(b, extra, 0);
}

tw_err buf_reserve_exact(struct buf *b, size_t extra)
{
	return grow(b, extra, 1);
}

tw_err buf_append(struct buf *b, const void *p, size_t n)
{
	tw_err e = buf_reserve(b, n);
	if (e)
		return e;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return TW_OK;
}

tw_err buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

tw_err buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

tw_err buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	tw_err e;
	char small[256];

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return b->err = TW_ERR_INTERNAL;
	if ((size_t)n < sizeof small)
		return buf_append(b, small, (size_t)n);
	if ((e = buf_reserve(b, (size_t)n)))
		return e;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return TW_OK;
}

tw_err buf_put_u64(struct buf *b, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof tmp;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return buf_append(b, tmp + i, sizeof tmp - i);
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *p;
	if (!b->data) {
		p = calloc(1, 1);
	} else {
		p = b->data;
	}
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->alloc = 0;
	b->err = TW_OK;
	return p;
}
