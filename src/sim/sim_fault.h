/* sim_fault.h: fault personalities of the simulator's arrays -- the ways an
 * old array firmware misbehaves -- as a small value type shared by the
 * scenario loader (an array's `fault:` key), the control endpoint
 * (sim_control.c, switching faults at run time) and the servers that act
 * them out (sim_snmp.c for SNMP arrays, sim_rest.c for REST arrays).
 *
 * SNMP faults (`rows` counts rows of each table column, 1-based; a "row" is
 * an OID among those that differ only in their last sub-identifier):
 *   none        behave
 *   drop        receive requests, never answer
 *   delay       answer every request after delay_ms milliseconds
 *   auth        refuse every credential: v1/v2c requests are dropped, as
 *               agents drop a wrong community (RFC 3584); v3 requests get
 *               authorizationError
 *   garbage     answer with random bytes (the length of the real answer)
 *   truncate    answer with the first half of the real answer
 *   endofmib    the agent's MIB view ends after row `rows` of the first
 *               table column that has more: GETNEXT/GETBULK beyond it get
 *               endOfMibView, GET noSuchObject
 *   loop        GETNEXT past row `rows` of any table column returns that
 *               column's first row again (an OID lower than asked)
 *   vanish      rows after `rows` vanish mid-walk: still in each table's
 *               first column, gone from the others
 *   wrong_type  Counter64 values served as an OCTET STRING (their 8 bytes)
 *   c64max      Counter64 values served as 2^64-1
 *
 * REST faults (every API call of the array; the /_sim endpoints are spared):
 *   none        behave
 *   auth        every credential and every session is refused, forever:
 *               the vendor's own "wrong credentials" / "invalid session"
 *               answers (HTTP 401 for most)
 *   http500     HTTP 500 with a JSON error body
 *   http503     HTTP 503, with Retry-After: retry_after when it is > 0
 *   http429     HTTP 429, with Retry-After: retry_after when it is > 0
 *   endless     HTTP 200, a chunked body that never ends: the real answer,
 *               then 1 KiB of blanks every delay_ms (default 10) ms
 *   huge        HTTP 200, a chunked JSON body of `bytes` (default 100 MiB),
 *               streamed (never held in memory)
 *   drip        the real answer, 1 byte every delay_ms (default 100) ms
 *   garbage     HTTP 200, malformed JSON text
 *   truncate    the real answer cut in half (Content-Length says so)
 *   wrong_type  the real answer with every JSON number turned into a string
 *   deep        HTTP 200, `depth` (default 100000) nested '[' then as many ']'
 *   bad_utf8    the real answer with invalid UTF-8 (0xC3 0x28) at the start
 *               of its first string value
 *   redirect    HTTP 302 to the same path on another host: `to` (default
 *               http://127.0.0.2:PORT with the array's own port)
 *   wrong_name  HTTPS only: the server presents a certificate for
 *               wrong-name.invalid (SAN and CN), issued by the array's usual
 *               certificate, so only the name check fails
 *
 * Scenario syntax: `fault: drop` or `fault: { type: delay, delay_ms: 1500 }`
 * / `{ type: loop, rows: 2 }` / `{ type: http429, retry_after: 3 }`. */
#ifndef TW_SIM_FAULT_H
#define TW_SIM_FAULT_H

#include <stddef.h>
#include <stdint.h>
#include "tw.h"

struct ydoc;
struct ynode;

enum sim_fault_type {
	SIM_FAULT_NONE = 0,
	SIM_FAULT_DROP,
	SIM_FAULT_DELAY,
	SIM_FAULT_AUTH,
	SIM_FAULT_GARBAGE,
	SIM_FAULT_TRUNCATE,
	SIM_FAULT_ENDOFMIB,
	SIM_FAULT_LOOP,
	SIM_FAULT_VANISH,
	SIM_FAULT_WRONG_TYPE,
	SIM_FAULT_C64MAX,
	/* REST only (appended: numbers never change) */
	SIM_FAULT_HTTP500,
	SIM_FAULT_HTTP503,
	SIM_FAULT_HTTP429,
	SIM_FAULT_ENDLESS,
	SIM_FAULT_HUGE,
	SIM_FAULT_DRIP,
	SIM_FAULT_DEEP,
	SIM_FAULT_BAD_UTF8,
	SIM_FAULT_REDIRECT,
	SIM_FAULT_WRONG_NAME
};

/* Which kind of array a fault type applies to (a bit mask). */
#define SIM_FAULT_SNMP 1u
#define SIM_FAULT_REST 2u

#define SIM_FAULT_MAX_DELAY_MS 600000u  /* 10 minutes */
#define SIM_FAULT_DEFAULT_ROWS 1u
#define SIM_FAULT_DEFAULT_RETRY_AFTER 2u        /* seconds */
#define SIM_FAULT_MAX_RETRY_AFTER 86400u
#define SIM_FAULT_DEFAULT_DEPTH 100000u
#define SIM_FAULT_MAX_DEPTH 10000000u
#define SIM_FAULT_DEFAULT_BYTES ((uint64_t)100 << 20)
#define SIM_FAULT_MAX_BYTES ((uint64_t)1 << 40)
#define SIM_FAULT_MAX_TO 128                    /* bytes of `to`, NUL included */

struct sim_fault {
	enum sim_fault_type type;
	unsigned delay_ms;   /* delay; drip, endless: pause between writes (0 = default) */
	unsigned rows;       /* endofmib loop vanish: rows served as they are (>= 1) */
	unsigned retry_after; /* http429 http503: Retry-After seconds (0 = no header) */
	unsigned depth;      /* deep: nesting levels (>= 1) */
	uint64_t bytes;      /* huge: body size (>= 1) */
	char to[SIM_FAULT_MAX_TO]; /* redirect: "http[s]://HOST[:PORT]" or "" (default) */
};

/* The no-fault value. */
void sim_fault_init(struct sim_fault *f);
/* Static name of a type ("drop", ...); never NULL. */
const char *sim_fault_name(enum sim_fault_type t);
/* 0 and *t set if s names a fault type. */
int sim_fault_parse_type(const char *s, enum sim_fault_type *t);
/* SIM_FAULT_SNMP and/or SIM_FAULT_REST: the arrays type t applies to. */
unsigned sim_fault_protocols(enum sim_fault_type t);
/* TW_ERR_CONFIG with a message when f's type does not apply to an array
 * served over `proto` (SIM_FAULT_SNMP or SIM_FAULT_REST). */
tw_err sim_fault_check_for(const struct sim_fault *f, unsigned proto, char *msg, size_t msglen);
/* Set one parameter ("delay_ms", "rows", "retry_after", "depth", "bytes"
 * or "to") from its text; TW_ERR_CONFIG with a message otherwise. */
tw_err sim_fault_set_param(struct sim_fault *f, const char *key, const char *value, char *msg,
			   size_t msglen);
/* Final check once type and parameters are set: delay needs delay_ms. */
tw_err sim_fault_check(const struct sim_fault *f, char *msg, size_t msglen);
/* An array's `fault:` value (a type name, or a mapping with `type` and
 * parameters); errors name file:line:col. */
tw_err sim_fault_from_yaml(const struct ydoc *d, const struct ynode *n, struct sim_fault *f,
			   char *msg, size_t msglen);
/* Names of every parameter, NULL-terminated (the control endpoint's
 * query keys besides array and type). */
extern const char *const sim_fault_params[];
/* "delay delay_ms=1500" style text for logs and the control API. */
void sim_fault_describe(const struct sim_fault *f, char *out, size_t outlen);

#endif
