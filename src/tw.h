/* tw.h: things every thinwatch file needs: the error enum and its strings,
 * a message buffer convention, and a few tiny helpers.
 *
 * Errors are values: functions return TW_OK (0) or a tw_err code, and write a
 * human-readable detail into a caller-provided buffer (char *msg, size_t msglen)
 * when they can.  The enum is never renumbered; add at the end.
 */
#ifndef TW_H
#define TW_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

typedef enum tw_err {
	TW_OK = 0,
	TW_ERR_NOMEM,        /* allocation failed */
	TW_ERR_IO,           /* file or socket I/O */
	TW_ERR_PARSE,        /* malformed input (YAML, JSON, PDU, size string) */
	TW_ERR_CONFIG,       /* well-formed but invalid configuration */
	TW_ERR_TOO_BIG,      /* a size cap was hit */
	TW_ERR_TIMEOUT,      /* deadline passed */
	TW_ERR_AUTH,         /* credentials refused */
	TW_ERR_TLS,          /* TLS handshake / verification */
	TW_ERR_PROTOCOL,     /* peer broke its protocol (SNMP error status, loop) */
	TW_ERR_HTTP,         /* HTTP status not expected */
	TW_ERR_INVALID_DATA, /* values that cannot be true */
	TW_ERR_NOT_FOUND,    /* named thing does not exist */
	TW_ERR_INTERNAL      /* a bug */
} tw_err;

/* Static string for an error code; never NULL. */
const char *tw_strerror(tw_err e);

/* Short reason label used in thinwatch_poll_errors_total{reason=...}. */
const char *tw_reason(tw_err e);

/* snprintf into msg if msg != NULL; always NUL-terminates; returns e. */
tw_err tw_seterr(char *msg, size_t msglen, tw_err e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Allocation helpers: NULL on failure (callers handle it; see README "Hacking"). */
char *tw_strdup(const char *s);
/* FNV-1a 64 of n bytes at p, continuing from h (start with TW_FNV1A_INIT):
 * stable across builds and hosts. */
#define TW_FNV1A_INIT 14695981039346656037ULL
uint64_t tw_fnv1a(uint64_t h, const void *p, size_t n);
char *tw_strndup(const char *s, size_t n);

/* Strict number parsing: whole string must be consumed; returns 0 on success. */
int tw_parse_u64(const char *s, uint64_t *out);
int tw_parse_i64(const char *s, int64_t *out);

/* Monotonic and wall clock seconds. */
double tw_now_mono(void);
double tw_now_wall(void);

#define TW_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
