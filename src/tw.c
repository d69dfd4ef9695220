/* tw.c: error strings, strict number parsing, clocks and string helpers
 * shared by every thinwatch module. */
#include "config.h"
#include "tw.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *tw_strerror(tw_err e)
{
	switch (e) {
	case TW_OK: return "ok";
	case TW_ERR_NOMEM: return "out of memory";
	case TW_ERR_IO: return "I/O error";
	case TW_ERR_PARSE: return "parse error";
	case TW_ERR_CONFIG: return "invalid configuration";
	case TW_ERR_TOO_BIG: return "size limit exceeded";
	case TW_ERR_TIMEOUT: return "timeout";
	case TW_ERR_AUTH: return "authentication failed";
	case TW_ERR_TLS: return "TLS error";
	case TW_ERR_PROTOCOL: return "protocol error";
	case TW_ERR_HTTP: return "unexpected HTTP status";
	case TW_ERR_INVALID_DATA: return "invalid data";
	case TW_ERR_NOT_FOUND: return "not found";
	case TW_ERR_INTERNAL: return "internal error";
	}
	return "unknown error";
}

const char *tw_reason(tw_err e)
{
	switch (e) {
	case TW_OK: return "none";
	case TW_ERR_NOMEM: return "nomem";
	case TW_ERR_IO: return "io";
	case TW_ERR_PARSE: return "parse";
	case TW_ERR_CONFIG: return "config";
	case TW_ERR_TOO_BIG: return "too_big";
	case TW_ERR_TIMEOUT: return "timeout";
	case TW_ERR_AUTH: return "auth";
	case TW_ERR_TLS: return "tls";
	case TW_ERR_PROTOCOL: return "protocol";
	case TW_ERR_HTTP: return "http";
	case TW_ERR_INVALID_DATA: return "invalid_data";
	case TW_ERR_NOT_FOUND: return "not_found";
	case TW_ERR_INTERNAL: return "internal";
	}
	return "unknown";
}

tw_err tw_seterr(char *msg, size_t msglen, tw_err e, const char *fmt, ...)
{
	if (msg && msglen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, msglen, fmt, ap);
		va_end(ap);
	}
	return e;
}

uint64_t tw_fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= 1099511628211ULL;
	}
	return h;
}

char *tw_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

char *tw_strndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int tw_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

int tw_parse_i64(const char *s, int64_t *out)
{
	char *end;
	long long v;
	if (!s || !*s || *s == ' ')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = (int64_t)v;
	return 0;
}

double tw_now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double tw_now_wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
