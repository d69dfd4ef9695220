/* snmp_walk.h: the narrow SNMP transport under the snmp driver.  A
 * struct snmp_conn is one net-snmp single-session ("snmp_sess_*") session to
 * one agent, reused across polls.  A struct snmp_walk fetches a set of
 * targets over it without blocking and without threads: scalar GETs and
 * table-column walks, every column its own GETBULK (v2c/v3) or GETNEXT (v1)
 * chain, up to max_inflight chains in flight at once on the same session;
 * big columns are cut into index ranges, each its own chain, joined again
 * before the result is handed out: at evenly spaced indexes of the previous
 * walk's rows, or on a session's first walk, for a single integer index,
 * at even steps up to the end two GETNEXT probes find.  It fits the
 * driver.h event loop: snmp_walk_fds() says what to wait for,
 * snmp_walk_step() makes progress.
 *
 * What it collects is a struct walk_result: per target a column of
 * (index suffix, value) rows in strictly increasing index order, stored in
 * three flat arenas per column (no allocation per varbind).  Profiles map
 * results to the data model (profile.h); tests build results by hand with
 * walk_result_add_column() / walk_result_append(), no network needed.
 *
 * Errors (tw_err): TW_ERR_TIMEOUT when a request got no answer after all
 * retries or the poll deadline passed (also what a wrong v1/v2c community
 * looks like: agents drop such requests silently); TW_ERR_AUTH for SNMPv3
 * USM reports (unknown user, wrong digest, decryption error, unsupported
 * security level, unknown engine, time window never reached); TW_ERR_PARSE
 * when a request timed out (or the deadline passed) after the agent sent
 * datagrams net-snmp could not parse (garbage, truncated, another SNMP
 * version): it answered, with bytes that are not a valid SNMP message;
 * TW_ERR_PROTOCOL
 * for an SNMP error-status, a looping agent (non-increasing OID), tooBig at
 * max-repetitions 1, or other reports; TW_ERR_TOO_BIG when a walk exceeds its
 * varbind or byte cap; TW_ERR_IO for socket errors.  Messages name the
 * target's address, never its community or passwords. */
#ifndef TW_SNMP_WALK_H
#define TW_SNMP_WALK_H

#include <stddef.h>
#include <stdint.h>
#include "tw.h"
#include "cfg.h"
#include "driver.h"

#define WALK_OID_MAX 128                        /* sub-ids, as net-snmp's MAX_OID_LEN */
#define WALK_DEFAULT_MAX_VARBINDS ((size_t)10 * 1000 * 1000)
#define WALK_DEFAULT_MAX_BYTES ((size_t)1 << 30) /* arena bytes per walk */
#define WALK_DEFAULT_INFLIGHT TW_SNMP_DEFAULT_INFLIGHT /* requests in flight per walk */
#define WALK_MAX_INFLIGHT TW_SNMP_MAX_INFLIGHT

/* Process-wide net-snmp set-up: init_snmp("thinwatch") exactly once, with
 * no MIB loading, no config files, no persistent state, and net-snmp's own
 * log lines forwarded to tw_log.  Call from main() (and tests) before any
 * session; thread-safe.  Shutdown is for the end of the process. */
void tw_snmp_global_init(void);
void tw_snmp_global_shutdown(void);

/* ---------------------------------------------------------------------
 * OIDs as uint32_t sub-id arrays (SNMP sub-ids are 32-bit).
 */

/* Parse "1.3.6.1.2.1.1.2.0" (an optional leading '.' allowed) into out;
 * returns 0 on success, -1 if malformed, a sub-id exceeds 2^32-1, or it has
 * more than max sub-ids. */
int walk_oid_parse(const char *s, uint32_t *out, size_t max, size_t *len);
/* Dotted text of an OID into buf (always NUL-terminated, truncated). */
void walk_oid_format(const uint32_t *oid, size_t len, char *buf, size_t buflen);
/* Lexicographic compare (-1/0/1), as SNMP orders OIDs. */
int walk_oid_cmp(const uint32_t *a, size_t alen, const uint32_t *b, size_t blen);
/* 1 if oid starts with prefix (or equals it). */
int walk_oid_has_prefix(const uint32_t *oid, size_t len, const uint32_t *prefix, size_t plen);

/* ---------------------------------------------------------------------
 * Results.
 */

enum walk_vtype {
	WV_INT = 1, /* INTEGER / Integer32: num holds the int64_t value */
	WV_UINT,    /* Counter32, Gauge32/Unsigned32, TimeTicks */
	WV_U64,     /* Counter64 (and opaque U64) */
	WV_STR,     /* OCTET STRING, IpAddress, Opaque, BITS: bytes in data */
	WV_OID,     /* OBJECT IDENTIFIER: data_len uint32_t sub-ids in the sub-id arena */
	WV_NULL,
	WV_OTHER    /* anything else (opaque float ...): type only */
};

struct walk_row {
	uint64_t num;      /* WV_INT (two's complement), WV_UINT, WV_U64 */
	uint32_t idx_off;  /* index suffix: sub-ids at col->sub + idx_off */
	uint32_t data_off; /* WV_STR: bytes at col->data + data_off; WV_OID: col->sub + data_off */
	uint32_t data_len; /* bytes (WV_STR) or sub-ids (WV_OID) */
	uint16_t idx_len;
	uint8_t type;      /* enum walk_vtype */
	uint8_t asn;       /* ASN.1 tag as received (informational; 0 when built by hand) */
};

/* One target's rows: for a walked column, index = OID after the column
 * OID; for a GET, one row with an empty index (absent if the agent said
 * noSuchObject/noSuchInstance).  Rows are in strictly increasing index order. */
struct walk_column {
	uint32_t oid[WALK_OID_MAX];
	size_t oid_len;
	struct walk_row *rows;
	size_t nrows, arows;
	uint32_t *sub;           /* index suffixes and OID values */
	size_t nsub, asub;
	unsigned char *data;     /* string values */
	size_t ndata, adata;
	int end_of_view;         /* the walk ended with endOfMibView (v1: noSuchName),
				  * not by leaving the column: the agent's view ends here */
};

struct walk_result {
	struct walk_column *cols;
	size_t ncols, acols;
	size_t nvarbinds;        /* rows stored */
	size_t nbytes;           /* arena bytes allocated */
	size_t max_varbinds, max_bytes;
};

/* A column whose rows hold only empty indexes / empty strings has no arena
 * (NULL): these then return a valid empty array, never NULL + 0, so callers
 * may pass the result to memchr/memcpy with a zero length. */
static inline const uint32_t *walk_row_index(const struct walk_column *c, const struct walk_row *r)
{
	static const uint32_t none[1];
	return c->sub ? c->sub + r->idx_off : none;
}
static inline const unsigned char *walk_row_bytes(const struct walk_column *c,
						  const struct walk_row *r)
{
	return c->data ? c->data + r->data_off : (const unsigned char *)"";
}
static inline const uint32_t *walk_row_oidval(const struct walk_column *c, const struct walk_row *r)
{
	static const uint32_t none[1];
	return c->sub ? c->sub + r->data_off : none;
}

/* New empty result; 0 caps mean the defaults above.  NULL on OOM. */
struct walk_result *walk_result_new(size_t max_varbinds, size_t max_bytes);
void walk_result_free(struct walk_result *r); /* NULL-safe */
/* Add an (empty) column for oid; its position is returned in *idx. */
tw_err walk_result_add_column(struct walk_result *r, const uint32_t *oid, size_t len, size_t *idx);
/* Append a row to column col.  data: bytes for WV_STR, uint32_t sub-ids for
 * WV_OID (data_len counts sub-ids), else ignored.  The index must be strictly
 * greater than the column's last one (TW_ERR_PROTOCOL otherwise: this is the
 * walker's loop check); TW_ERR_TOO_BIG past the caps; TW_ERR_NOMEM. */
tw_err walk_result_append(struct walk_result *r, size_t col, const uint32_t *idx, size_t idx_len,
			  enum walk_vtype type, uint8_t asn, uint64_t num, const void *data,
			  size_t data_len);
/* Column whose OID is exactly oid, or NULL.  O(columns). */
const struct walk_column *walk_result_find(const struct walk_result *r, const uint32_t *oid,
					   size_t len);
/* Row with exactly this index, or NULL.  O(log rows). */
const struct walk_row *walk_column_lookup(const struct walk_column *c, const uint32_t *idx,
					  size_t len);
/* Merge join: rows of every column of a table arrive in index order, so
 * a caller iterating a key column in order can find each other column's
 * row by moving a cursor forward: amortised O(1) per row.  *cursor starts
 * at 0 and only moves forward; returns the row with exactly idx, or NULL. */
const struct walk_row *walk_column_seek(const struct walk_column *c, size_t *cursor,
					const uint32_t *idx, size_t len);

/* ---------------------------------------------------------------------
 * What to fetch.
 */

enum walk_kind { WALK_GET = 0, WALK_SUBTREE = 1 };

struct walk_target {
	enum walk_kind kind;
	size_t len;
	uint32_t oid[WALK_OID_MAX];  /* GET: the instance; SUBTREE: the column (or any subtree) */
	/* Optional index range of a SUBTREE walk, relative to oid, so a very
	 * big table can later be split into ranges walked in parallel: the
	 * walk starts after oid+from (exclusive, GETNEXT semantics) and stops
	 * before the first index >= to.  from_len/to_len 0 = unbounded. */
	size_t from_len, to_len;
	uint32_t from[WALK_OID_MAX];
	uint32_t to[WALK_OID_MAX];
};

/* ---------------------------------------------------------------------
 * Sessions and walks.
 */

struct snmp_conn_params {
	const char *peer;          /* net-snmp transport: "udp:h:161", "tcp:h:p", "udp6:[::1]:161" */
	const char *label;         /* the configured address, used in messages */
	enum tw_snmp_version version;
	const char *community;     /* v1/v2c */
	const char *username;      /* v3 */
	enum tw_snmp_seclevel security_level;
	enum tw_snmp_auth auth_protocol;
	const char *auth_password;
	enum tw_snmp_priv priv_protocol;
	const char *priv_password;
	const char *context;       /* v3 context name or NULL */
	double timeout;            /* seconds for one request including its retries */
	unsigned retries;          /* per request; each try waits timeout/(retries+1) */
	unsigned max_reps;        /* GETBULK max-repetitions; 0 = 50 */
	unsigned max_inflight;     /* requests in flight at once per walk, 1 to
				    * WALK_MAX_INFLIGHT; 0 = WALK_DEFAULT_INFLIGHT.
				    * Columns beyond it wait their turn; big columns
				    * are split into index ranges to use it. */
	size_t max_varbinds;       /* per walk; 0 = WALK_DEFAULT_MAX_VARBINDS */
	size_t max_bytes;          /* per walk; 0 = WALK_DEFAULT_MAX_BYTES */
};

struct snmp_conn;

/* Validate and copy the parameters (v3 passwords are turned into keys with
 * generate_Ku here and not kept).  No I/O: the session opens lazily at the
 * first walk.  Errors are TW_ERR_CONFIG with a message naming the label. */
tw_err snmp_conn_new(const struct snmp_conn_params *p, struct snmp_conn **out, char *msg,
		     size_t msglen);
/* Close the session and wipe keys and community.  NULL-safe.  Any walk on
 * it must have been freed first. */
void snmp_conn_free(struct snmp_conn *c);
/* Drop the session now (a later walk reopens it). */
void snmp_conn_close(struct snmp_conn *c);

struct snmp_walk;

/* Begin fetching targets on c (the array is not kept); the walk must
 * finish by deadline (monotonic seconds).  One walk per conn at a time.
 * Opens the session if needed (socket creation; a host name is resolved
 * here, which may block on DNS: configure IP addresses for strictly
 * non-blocking behaviour; tcp: connects here).  SNMPv3 engine discovery is
 * done asynchronously as the first step of the walk. */
tw_err snmp_walk_start(struct snmp_conn *c, const struct walk_target *targets, size_t ntargets,
		       double deadline, struct snmp_walk **out, char *msg, size_t msglen);
void snmp_walk_fds(struct snmp_walk *w, struct tw_fdset *fs);
/* Progress; DONE with *result and msg when finished (ok or not). */
enum tw_step snmp_walk_step(struct snmp_walk *w, const struct tw_fdset *ready, double now,
			    tw_err *result, char *msg, size_t msglen);
/* After DONE with TW_OK: hand out the result (columns in target order);
 * caller frees it.  NULL before that or if already taken. */
struct walk_result *snmp_walk_take_result(struct snmp_walk *w);

struct snmp_walk_stats {
	size_t requests;     /* PDUs sent (not counting net-snmp's own resends) */
	size_t varbinds;     /* rows stored */
	size_t toobig;       /* tooBig answers (max-repetitions halved) */
	size_t ranges;       /* extra chains from index-range splits (0: none split) */
	size_t probed;       /* columns split after probing their extent (first walk) */
};
void snmp_walk_get_stats(const struct snmp_walk *w, struct snmp_walk_stats *st);
/* Free the walk; one still in flight is aborted (the session is closed so
 * late answers cannot reach freed memory).  NULL-safe. */
void snmp_walk_free(struct snmp_walk *w);

#endif
