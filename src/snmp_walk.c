/* snmp_walk.c: asynchronous GET / GETBULK / GETNEXT walks on one net-snmp
 * single-session per agent (see snmp_walk.h for the contract).
 *
 * Shape of a walk: every target is a "chain" with at most one request in
 * flight.  A scalar chain sends one GET.  A column chain sends GETBULK
 * (v2c/v3) or GETNEXT (v1) from its last OID; when an answer comes back the
 * next request is sent from the answer's last OID *before* the varbinds are
 * decoded, so the agent works on the next PDU while we store this one.  All
 * chains run at once on the same session, so a table of five columns keeps
 * five requests in flight.
 *
 * net-snmp details this relies on (5.9):
 * - Request callbacks run inside snmp_sess_read2()/snmp_sess_timeout(); they
 *   may send new requests but must not close the session, so a walk only
 *   records its outcome there and step() acts on it afterwards.
 * - snmp_sess_close() frees outstanding requests without calling their
 *   callbacks, so a walk that ends with requests still out (error, abort)
 *   closes the session and no late answer can reach freed memory.
 * - snmp_sess_open() on a v3 session would probe the engine ID with a
 *   blocking synchronous request, and so would the first send.  We set
 *   SNMP_FLAGS_DONT_PROBE and send the probe ourselves asynchronously: a GET
 *   with an empty user at noAuthNoPriv; the agent answers with a Report that
 *   carries its engine ID, which net-snmp stores in the session after our
 *   callback returns; the next send creates the localized USM user.  The
 *   first authenticated request then gets a notInTimeWindow Report, which
 *   net-snmp answers by resending with the right boots/time by itself.
 * - What can be told apart: v1/v2c agents drop requests with a wrong
 *   community (RFC 3584), so a wrong community is a timeout.  v3 agents
 *   answer with usmStats Reports, mapped by snmpv3_get_report_type():
 *   unknown user, wrong digest (auth password), decryption error (priv
 *   password), unsupported security level, unknown engine ID -> TW_ERR_AUTH.
 *   An answer with error-status authorizationError (the agent's access
 *   control refused the user) -> TW_ERR_AUTH too.
 *   A response that fails *our* authentication check (agent keyed
 *   differently but not reporting) is dropped by net-snmp: a timeout.
 */
#include "config.h"
#include "snmp_walk.h"
#include "log.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/library/large_fd_set.h>
#include <net-snmp/library/snmp_logging.h>
#include <net-snmp/library/transform_oids.h>

/* ------------------------------------------------------------------ */
/* process-wide set-up                                                 */

static pthread_once_t snmp_once = PTHREAD_ONCE_INIT;
static int snmp_inited; /* written once inside pthread_once */

static int snmp_log_cb(int major, int minor, void *serverarg, void *clientarg)
{
	const struct snmp_log_message *m = serverarg;
	char line[512];
	size_t n;

	(void)major;
	(void)minor;
	(void)clientarg;
	if (!m || !m->msg)
		return 0;
	n = strlen(m->msg);
	if (n >= sizeof line)
		n = sizeof line - 1;
	memcpy(line, m->msg, n);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	line[n] = '\0';
	if (n == 0)
		return 0;
	tw_log(m->priority <= LOG_WARNING ? TW_LOG_WARN : TW_LOG_DEBUG, "net-snmp", "detail", line,
	       NULL);
	return 0;
}

static void snmp_init_once(void)
{
	/* No MIBs: every OID is numeric.  No config files, no persistent
	 * state under /var/lib/snmp. */
	setenv("MIBS", "", 1);
	setenv("MIBDIRS", "", 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_LOAD_HOST_FILES, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_NO_TOKEN_WARNINGS, 1);
	netsnmp_ds_set_int(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIB_WARNINGS, 0);
	/* net-snmp's own log lines go through tw_log. */
	snmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_LOGGING, snmp_log_cb, NULL);
	netsnmp_register_loghandler(NETSNMP_LOGHANDLER_CALLBACK, LOG_DEBUG);
	init_snmp("thinwatch");
	snmp_inited = 1;
}

void tw_snmp_global_init(void)
{
	pthread_once(&snmp_once, snmp_init_once);
}

void tw_snmp_global_shutdown(void)
{
	if (snmp_inited) {
		snmp_shutdown("thinwatch");
		snmp_inited = 0;
	}
}

/* ------------------------------------------------------------------ */
/* OIDs                                                                */

int walk_oid_parse(const char *s, uint32_t *out, size_t max, size_t *len)
{
	size_t n = 0;

	if (!s || !*s)
		return -1;
	if (*s == '.')
		s++;
	for (;;) {
		uint64_t v = 0;
		if (*s < '0' || *s > '9')
			return -1;
		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (uint64_t)(*s - '0');
			if (v > UINT32_MAX)
				return -1;
			s++;
		}
		if (n >= max)
			return -1;
		out[n++] = (uint32_t)v;
		if (*s == '\0')
			break;
		if (*s != '.')
			return -1;
		s++;
	}
	*len = n;
	return 0;
}

void walk_oid_format(const uint32_t *oid, size_t len, char *buf, size_t buflen)
{
	size_t off = 0;

	if (!buflen)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < len; i++) {
		int w = snprintf(buf + off, buflen - off, i ? ".%lu" : "%lu", (unsigned long)oid[i]);
		if (w < 0 || (size_t)w >= buflen - off)
			return;
		off += (size_t)w;
	}
}

int walk_oid_cmp(const uint32_t *a, size_t alen, const uint32_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

int walk_oid_has_prefix(const uint32_t *oid, size_t len, const uint32_t *prefix, size_t plen)
{
	if (len < plen)
		return 0;
	for (size_t i = 0; i < plen; i++)
		if (oid[i] != prefix[i])
			return 0;
	return 1;
}

/* ------------------------------------------------------------------ */
/* results                                                             */

struct walk_result *walk_result_new(size_t max_varbinds, size_t max_bytes)
{
	struct walk_result *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->max_varbinds = max_varbinds ? max_varbinds : WALK_DEFAULT_MAX_VARBINDS;
	r->max_bytes = max_bytes ? max_bytes : WALK_DEFAULT_MAX_BYTES;
	return r;
}

void walk_result_free(struct walk_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->ncols; i++) {
		free(r->cols[i].rows);
		free(r->cols[i].sub);
		free(r->cols[i].data);
	}
	free(r->cols);
	free(r);
}

tw_err walk_result_add_column(struct walk_result *r, const uint32_t *oid, size_t len, size_t *idx)
{
	struct walk_column *c;

	if (len > WALK_OID_MAX)
		return TW_ERR_INTERNAL;
	if (r->ncols == r->acols) {
		size_t na = r->acols ? r->acols * 2 : 8;
		struct walk_column *p = realloc(r->cols, na * sizeof *p);
		if (!p)
			return TW_ERR_NOMEM;
		r->cols = p;
		r->acols = na;
	}
	c = &r->cols[r->ncols];
	memset(c, 0, sizeof *c);
	memcpy(c->oid, oid, len * sizeof *oid);
	c->oid_len = len;
	if (idx)
		*idx = r->ncols;
	r->ncols++;
	return TW_OK;
}

/* Grow an arena of elements of size `el` so that `need` more fit, within
 * the result's byte cap. */
static tw_err arena_grow(struct walk_result *r, void **p, size_t *alloc, size_t used, size_t need,
			 size_t el)
{
	size_t na;
	void *np;

	if (used + need <= *alloc)
		return TW_OK;
	na = *alloc ? *alloc : 64;
	while (na < used + need) {
		if (na > SIZE_MAX / 2 / el)
			return TW_ERR_TOO_BIG;
		na *= 2;
	}
	if (r->nbytes - *alloc * el + na * el > r->max_bytes) {
		/* Try the exact size before giving up. */
		na = used + need;
		if (r->nbytes - *alloc * el + na * el > r->max_bytes)
			return TW_ERR_TOO_BIG;
	}
	np = realloc(*p, na * el);
	if (!np)
		return TW_ERR_NOMEM;
	r->nbytes = r->nbytes - *alloc * el + na * el;
	*p = np;
	*alloc = na;
	return TW_OK;
}

tw_err walk_result_append(struct walk_result *r, size_t col, const uint32_t *idx, size_t idx_len,
			  enum walk_vtype type, uint8_t asn, uint64_t num, const void *data,
			  size_t data_len)
{
	struct walk_column *c;
	struct walk_row *row;
	size_t nsub_need;
	tw_err e;

	if (col >= r->ncols || idx_len > WALK_OID_MAX)
		return TW_ERR_INTERNAL;
	c = &r->cols[col];
	if (c->nrows) {
		const struct walk_row *last = &c->rows[c->nrows - 1];
		if (walk_oid_cmp(walk_row_index(c, last), last->idx_len, idx, idx_len) >= 0)
			return TW_ERR_PROTOCOL;
	}
	if (r->nvarbinds >= r->max_varbinds)
		return TW_ERR_TOO_BIG;
	if (type != WV_STR && type != WV_OID)
		data_len = 0;
	if (data_len > UINT32_MAX)
		return TW_ERR_TOO_BIG;
	nsub_need = idx_len + (type == WV_OID ? data_len : 0);
	if ((e = arena_grow(r, (void **)&c->rows, &c->arows, c->nrows, 1, sizeof *c->rows)))
		return e;
	if ((e = arena_grow(r, (void **)&c->sub, &c->asub, c->nsub, nsub_need, sizeof *c->sub)))
		return e;
	if (type == WV_STR &&
	    (e = arena_grow(r, (void **)&c->data, &c->adata, c->ndata, data_len, 1)))
		return e;
	if (c->nsub + nsub_need > UINT32_MAX || c->ndata + data_len > UINT32_MAX)
		return TW_ERR_TOO_BIG;
	row = &c->rows[c->nrows];
	row->num = num;
	row->type = (uint8_t)type;
	row->asn = asn;
	row->idx_off = (uint32_t)c->nsub;
	row->idx_len = (uint16_t)idx_len;
	if (idx_len)
		memcpy(c->sub + c->nsub, idx, idx_len * sizeof *idx);
	c->nsub += idx_len;
	row->data_off = 0;
	row->data_len = (uint32_t)data_len;
	if (type == WV_OID) {
		row->data_off = (uint32_t)c->nsub;
		if (data_len)
			memcpy(c->sub + c->nsub, data, data_len * sizeof(uint32_t));
		c->nsub += data_len;
	} else if (type == WV_STR) {
		row->data_off = (uint32_t)c->ndata;
		if (data_len)
			memcpy(c->data + c->ndata, data, data_len);
		c->ndata += data_len;
	}
	c->nrows++;
	r->nvarbinds++;
	return TW_OK;
}

const struct walk_column *walk_result_find(const struct walk_result *r, const uint32_t *oid,
					   size_t len)
{
	if (!r)
		return NULL;
	for (size_t i = 0; i < r->ncols; i++)
		if (walk_oid_cmp(r->cols[i].oid, r->cols[i].oid_len, oid, len) == 0)
			return &r->cols[i];
	return NULL;
}

const struct walk_row *walk_column_lookup(const struct walk_column *c, const uint32_t *idx,
					  size_t len)
{
	size_t lo = 0, hi;

	if (!c)
		return NULL;
	hi = c->nrows;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct walk_row *row = &c->rows[mid];
		int cmp = walk_oid_cmp(walk_row_index(c, row), row->idx_len, idx, len);
		if (cmp == 0)
			return row;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct walk_row *walk_column_seek(const struct walk_column *c, size_t *cursor,
					const uint32_t *idx, size_t len)
{
	if (!c)
		return NULL;
	while (*cursor < c->nrows) {
		const struct walk_row *row = &c->rows[*cursor];
		int cmp = walk_oid_cmp(walk_row_index(c, row), row->idx_len, idx, len);
		if (cmp == 0)
			return row;
		if (cmp > 0)
			return NULL;
		(*cursor)++;
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* connections                                                         */

struct snmp_conn {
	netsnmp_session tmpl;      /* what every snmp_sess_open() starts from; holds the Ku keys */
	char *peer, *label, *community, *username, *context;
	void *sessp;               /* open session or NULL */
	int fd;
	netsnmp_large_fd_set lfds; /* just fd, for snmp_sess_read2() */
	int lfds_init;
	int broken;                /* stream transport disconnected */
	struct snmp_walk *walk;    /* the walk in flight, if any */
	enum tw_snmp_version version;
	double try_timeout;        /* seconds per try */
	unsigned retries;
	unsigned max_reps;
	unsigned max_inflight;     /* requests in flight per walk (split budget) */
	size_t max_varbinds, max_bytes;
	/* Where the last good walk's big columns divide into equal parts
	 * (split.c-style hints, see "index-range splits" below). */
	struct split_hint *hints;
	size_t nhints;
	int nosplit;               /* a split walk timed out: walk columns whole */
};

static void wipe_free(char *s)
{
	if (s) {
		volatile char *p = s;
		while (*p)
			*p++ = 0;
		free(s);
	}
}

/* ------------------------------------------------------------------ */
/* index-range splits                                                  */
/*
 * A big column walked as one GETBULK chain keeps one request in flight;
 * the agent then idles while each answer travels and is decoded.  After a
 * good walk the connection remembers, for each column of at least
 * SPLIT_MIN_ROWS rows, SPLIT_Q - 1 evenly spaced row indexes.  The next
 * walk cuts such a column into k ranges at those indexes, each its own
 * chain: range j starts after boundary j (exclusive, as GETNEXT does) and
 * ends at boundary j+1 inclusive, so the ranges partition the whole index
 * space whatever rows appeared or vanished since: no row can be read
 * twice or skipped.  Rows a range's GETBULK returns past its end belong to
 * the next range and are dropped.  Range 0 writes into the target's column,
 * the others into scratch columns appended after the targets; they are
 * concatenated in order when the walk ends.  The first walk of a session
 * (no hints yet) walks each column whole.
 */
#define SPLIT_Q 64               /* quantile slots: boundaries at m * n / 64 */
#define SPLIT_MIN_ROWS 128       /* smaller columns are not remembered */
#define PROBE_J0 4               /* first probe point: 16 indexes past the first page */
#define PROBE_FINE 16            /* second round: points across the gap the end is in */

struct split_hint {
	uint32_t oid[WALK_OID_MAX];  /* the column */
	size_t oid_len;
	size_t nrows;                /* rows in the last good walk */
	size_t nq;                   /* boundaries (SPLIT_Q - 1) */
	uint32_t *idx;               /* their indexes, back to back */
	uint32_t off[SPLIT_Q];
	uint16_t len[SPLIT_Q];
};

static void hints_free(struct snmp_conn *c)
{
	for (size_t i = 0; i < c->nhints; i++)
		free(c->hints[i].idx);
	free(c->hints);
	c->hints = NULL;
	c->nhints = 0;
}

static const struct split_hint *hint_find(const struct snmp_conn *c, const uint32_t *oid,
					  size_t len)
{
	for (size_t i = 0; i < c->nhints; i++)
		if (walk_oid_cmp(c->hints[i].oid, c->hints[i].oid_len, oid, len) == 0)
			return &c->hints[i];
	return NULL;
}

/* Remember the boundaries of r's big columns (replacing earlier hints).
 * Best effort: on OOM the connection simply has no hints. */
static void hints_record(struct snmp_conn *c, const struct walk_result *r, size_t ncols)
{
	struct split_hint *h;
	size_t n = 0;

	hints_free(c);
	for (size_t i = 0; i < ncols; i++)
		if (r->cols[i].nrows >= SPLIT_MIN_ROWS)
			n++;
	if (!n || !(h = calloc(n, sizeof *h)))
		return;
	c->hints = h;
	for (size_t i = 0; i < ncols; i++) {
		const struct walk_column *col = &r->cols[i];
		size_t total = 0, o = 0;
		struct split_hint *x;
		if (col->nrows < SPLIT_MIN_ROWS)
			continue;
		x = &h[c->nhints];
		for (size_t m = 1; m < SPLIT_Q; m++)
			total += col->rows[m * col->nrows / SPLIT_Q - 1].idx_len;
		x->idx = malloc((total ? total : 1) * sizeof *x->idx);
		if (!x->idx)
			break;
		memcpy(x->oid, col->oid, col->oid_len * sizeof *col->oid);
		x->oid_len = col->oid_len;
		x->nrows = col->nrows;
		for (size_t m = 1; m < SPLIT_Q; m++) {
			const struct walk_row *row = &col->rows[m * col->nrows / SPLIT_Q - 1];
			x->off[x->nq] = (uint32_t)o;
			x->len[x->nq] = row->idx_len;
			memcpy(x->idx + o, walk_row_index(col, row), row->idx_len * sizeof *x->idx);
			o += row->idx_len;
			x->nq++;
		}
		c->nhints++;
	}
}

static int sess_cb(int op, netsnmp_session *sp, int reqid, netsnmp_pdu *pdu, void *magic)
{
	struct snmp_conn *c = magic;
	(void)sp;
	(void)reqid;
	(void)pdu;
	if (op == NETSNMP_CALLBACK_OP_DISCONNECT && c)
		c->broken = 1;
	return 1;
}

static tw_err set_auth(netsnmp_session *s, enum tw_snmp_auth a)
{
	switch (a) {
	case TW_AUTH_NONE:
		return TW_ERR_CONFIG;
	case TW_AUTH_MD5:
#ifndef NETSNMP_DISABLE_MD5
		s->securityAuthProto = usmHMACMD5AuthProtocol;
		s->securityAuthProtoLen = TW_ARRAY_LEN(usmHMACMD5AuthProtocol);
		return TW_OK;
#else
		return TW_ERR_CONFIG;
#endif
	case TW_AUTH_SHA:
		s->securityAuthProto = usmHMACSHA1AuthProtocol;
		s->securityAuthProtoLen = TW_ARRAY_LEN(usmHMACSHA1AuthProtocol);
		return TW_OK;
	case TW_AUTH_SHA224:
		s->securityAuthProto = usmHMAC128SHA224AuthProtocol;
		s->securityAuthProtoLen = TW_ARRAY_LEN(usmHMAC128SHA224AuthProtocol);
		return TW_OK;
	case TW_AUTH_SHA256:
		s->securityAuthProto = usmHMAC192SHA256AuthProtocol;
		s->securityAuthProtoLen = TW_ARRAY_LEN(usmHMAC192SHA256AuthProtocol);
		return TW_OK;
	case TW_AUTH_SHA384:
		s->securityAuthProto = usmHMAC256SHA384AuthProtocol;
		s->securityAuthProtoLen = TW_ARRAY_LEN(usmHMAC256SHA384AuthProtocol);
		return TW_OK;
	case TW_AUTH_SHA512:
		s->securityAuthProto = usmHMAC384SHA512AuthProtocol;
		s->securityAuthProtoLen = TW_ARRAY_LEN(usmHMAC384SHA512AuthProtocol);
		return TW_OK;
	}
	return TW_ERR_CONFIG;
}

static tw_err set_priv(netsnmp_session *s, enum tw_snmp_priv p)
{
	switch (p) {
	case TW_PRIV_NONE:
		return TW_ERR_CONFIG;
	case TW_PRIV_DES:
#ifndef NETSNMP_DISABLE_DES
		s->securityPrivProto = usmDESPrivProtocol;
		s->securityPrivProtoLen = TW_ARRAY_LEN(usmDESPrivProtocol);
		return TW_OK;
#else
		return TW_ERR_CONFIG;
#endif
	case TW_PRIV_AES:
		s->securityPrivProto = usmAESPrivProtocol;
		s->securityPrivProtoLen = TW_ARRAY_LEN(usmAESPrivProtocol);
		return TW_OK;
	case TW_PRIV_AES192:
#ifdef NETSNMP_DRAFT_BLUMENTHAL_AES_04
		s->securityPrivProto = usmAES192PrivProtocol;
		s->securityPrivProtoLen = TW_ARRAY_LEN(usmAES192PrivProtocol);
		return TW_OK;
#else
		return TW_ERR_CONFIG;
#endif
	case TW_PRIV_AES256:
#ifdef NETSNMP_DRAFT_BLUMENTHAL_AES_04
		s->securityPrivProto = usmAES256PrivProtocol;
		s->securityPrivProtoLen = TW_ARRAY_LEN(usmAES256PrivProtocol);
		return TW_OK;
#else
		return TW_ERR_CONFIG;
#endif
	}
	return TW_ERR_CONFIG;
}

tw_err snmp_conn_new(const struct snmp_conn_params *p, struct snmp_conn **out, char *msg,
		     size_t msglen)
{
	struct snmp_conn *c;
	netsnmp_session *s;
	const char *label = p->label ? p->label : p->peer;
	tw_err e = TW_OK;

	*out = NULL;
	if (!p->peer || !*p->peer)
		return tw_seterr(msg, msglen, TW_ERR_CONFIG, "snmp: no address");
	c = calloc(1, sizeof *c);
	if (!c)
		return TW_ERR_NOMEM;
	c->fd = -1;
	c->version = p->version;
	c->retries = p->retries;
	c->try_timeout = (p->timeout > 0 ? p->timeout : 10.0) / (double)(p->retries + 1);
	if (c->try_timeout < 0.001)
		c->try_timeout = 0.001;
	c->max_reps = p->max_reps ? p->max_reps : 50;
	c->max_inflight = p->max_inflight ? p->max_inflight : WALK_DEFAULT_INFLIGHT;
	if (c->max_inflight > WALK_MAX_INFLIGHT)
		c->max_inflight = WALK_MAX_INFLIGHT;
	c->max_varbinds = p->max_varbinds;
	c->max_bytes = p->max_bytes;
	c->peer = tw_strdup(p->peer);
	c->label = tw_strdup(label);
	if (!c->peer || !c->label) {
		e = TW_ERR_NOMEM;
		goto fail;
	}

	s = &c->tmpl;
	snmp_sess_init(s);
	s->peername = c->peer;
	s->timeout = (long)(c->try_timeout * 1e6);
	s->retries = (int)p->retries;
	s->callback = sess_cb;
	s->callback_magic = c;
	switch (p->version) {
	case TW_SNMP_V1:
	case TW_SNMP_V2C:
		s->version = p->version == TW_SNMP_V1 ? SNMP_VERSION_1 : SNMP_VERSION_2c;
		if (!p->community) {
			e = tw_seterr(msg, msglen, TW_ERR_CONFIG, "%s: snmp community not set", label);
			goto fail;
		}
		c->community = tw_strdup(p->community);
		if (!c->community) {
			e = TW_ERR_NOMEM;
			goto fail;
		}
		s->community = (u_char *)c->community;
		s->community_len = strlen(c->community);
		break;
	case TW_SNMP_V3:
		s->version = SNMP_VERSION_3;
		if (!p->username || !*p->username) {
			e = tw_seterr(msg, msglen, TW_ERR_CONFIG, "%s: snmp v3 username not set", label);
			goto fail;
		}
		c->username = tw_strdup(p->username);
		if (!c->username) {
			e = TW_ERR_NOMEM;
			goto fail;
		}
		s->securityName = c->username;
		s->securityNameLen = strlen(c->username);
		s->securityModel = SNMP_SEC_MODEL_USM;
		if (p->context) {
			c->context = tw_strdup(p->context);
			if (!c->context) {
				e = TW_ERR_NOMEM;
				goto fail;
			}
			s->contextName = c->context;
			s->contextNameLen = strlen(c->context);
		}
		switch (p->security_level) {
		case TW_SEC_NOAUTH: s->securityLevel = SNMP_SEC_LEVEL_NOAUTH; break;
		case TW_SEC_AUTHNOPRIV: s->securityLevel = SNMP_SEC_LEVEL_AUTHNOPRIV; break;
		case TW_SEC_AUTHPRIV: s->securityLevel = SNMP_SEC_LEVEL_AUTHPRIV; break;
		}
		if (p->security_level >= TW_SEC_AUTHNOPRIV) {
			if (set_auth(s, p->auth_protocol)) {
				e = tw_seterr(msg, msglen, TW_ERR_CONFIG,
					      "%s: snmp v3 auth protocol missing or not supported by this net-snmp",
					      label);
				goto fail;
			}
			if (!p->auth_password) {
				e = tw_seterr(msg, msglen, TW_ERR_CONFIG, "%s: snmp v3 auth password not set",
					      label);
				goto fail;
			}
			s->securityAuthKeyLen = USM_AUTH_KU_LEN;
			if (generate_Ku(s->securityAuthProto, (u_int)s->securityAuthProtoLen,
					(const u_char *)p->auth_password, strlen(p->auth_password),
					s->securityAuthKey, &s->securityAuthKeyLen) != SNMPERR_SUCCESS) {
				e = tw_seterr(msg, msglen, TW_ERR_CONFIG,
					      "%s: cannot derive the v3 auth key (passwords need at least 8 characters)",
					      label);
				goto fail;
			}
		}
		if (p->security_level == TW_SEC_AUTHPRIV) {
			if (set_priv(s, p->priv_protocol)) {
				e = tw_seterr(msg, msglen, TW_ERR_CONFIG,
					      "%s: snmp v3 priv protocol missing or not supported by this net-snmp",
					      label);
				goto fail;
			}
			if (!p->priv_password) {
				e = tw_seterr(msg, msglen, TW_ERR_CONFIG, "%s: snmp v3 priv password not set",
					      label);
				goto fail;
			}
			s->securityPrivKeyLen = USM_PRIV_KU_LEN;
			if (generate_Ku(s->securityAuthProto, (u_int)s->securityAuthProtoLen,
					(const u_char *)p->priv_password, strlen(p->priv_password),
					s->securityPrivKey, &s->securityPrivKeyLen) != SNMPERR_SUCCESS) {
				e = tw_seterr(msg, msglen, TW_ERR_CONFIG,
					      "%s: cannot derive the v3 priv key (passwords need at least 8 characters)",
					      label);
				goto fail;
			}
		}
		/* Engine discovery is ours, asynchronous (see the top comment). */
		s->flags |= SNMP_FLAGS_DONT_PROBE;
		break;
	default:
		e = tw_seterr(msg, msglen, TW_ERR_CONFIG, "%s: unknown snmp version", label);
		goto fail;
	}
	*out = c;
	return TW_OK;
fail:
	snmp_conn_free(c);
	return e;
}

void snmp_conn_close(struct snmp_conn *c)
{
	if (!c)
		return;
	if (c->sessp) {
		snmp_sess_close(c->sessp);
		c->sessp = NULL;
	}
	if (c->lfds_init) {
		netsnmp_large_fd_set_cleanup(&c->lfds);
		c->lfds_init = 0;
	}
	c->fd = -1;
	c->broken = 0;
}

void snmp_conn_free(struct snmp_conn *c)
{
	if (!c)
		return;
	snmp_conn_close(c);
	memset(c->tmpl.securityAuthKey, 0, sizeof c->tmpl.securityAuthKey);
	memset(c->tmpl.securityPrivKey, 0, sizeof c->tmpl.securityPrivKey);
	wipe_free(c->community);
	hints_free(c);
	free(c->peer);
	free(c->label);
	free(c->username);
	free(c->context);
	free(c);
}

static tw_err conn_open(struct snmp_conn *c, char *msg, size_t msglen)
{
	netsnmp_transport *t;
	netsnmp_session *s;

	if (c->sessp && !c->broken)
		return TW_OK;
	snmp_conn_close(c);
	tw_snmp_global_init();
	c->sessp = snmp_sess_open(&c->tmpl);
	if (!c->sessp) {
		int serr = c->tmpl.s_snmp_errno, oerr = c->tmpl.s_errno;
		return tw_seterr(msg, msglen, TW_ERR_IO, "%s: cannot open SNMP session: %s%s%s%s",
				 c->label, snmp_api_errstring(serr ? serr : SNMPERR_GENERR),
				 oerr ? " (" : "", oerr ? strerror(oerr) : "", oerr ? ")" : "");
	}
	s = snmp_sess_session(c->sessp);
	t = snmp_sess_transport(c->sessp);
	if (!s || !t || t->sock < 0) {
		snmp_conn_close(c);
		return tw_seterr(msg, msglen, TW_ERR_IO, "%s: SNMP session has no socket", c->label);
	}
	/* snmp_sess_add_ex() clears DONT_PROBE after opening; keep it so that
	 * a send never falls back to the blocking probe. */
	if (c->version == TW_SNMP_V3)
		s->flags |= SNMP_FLAGS_DONT_PROBE;
	c->fd = t->sock;
	netsnmp_large_fd_set_init(&c->lfds, c->fd + 1);
	c->lfds_init = 1;
	NETSNMP_LARGE_FD_ZERO(&c->lfds);
	NETSNMP_LARGE_FD_SET(c->fd, &c->lfds);
	return TW_OK;
}

/* ------------------------------------------------------------------ */
/* walks                                                               */

enum chain_kind { CH_GET, CH_WALK, CH_DISCOVER, CH_PROBE };

struct chain {
	struct snmp_walk *w;
	enum chain_kind kind;
	size_t col;             /* result column */
	oid base[MAX_OID_LEN];  /* column (walk) or instance (get) */
	size_t base_len;
	oid last[MAX_OID_LEN];  /* last OID asked from / received */
	size_t last_len;
	oid end[MAX_OID_LEN];   /* upper bound (base+to), end_len 0 = none */
	size_t end_len;
	int end_incl;           /* the bound is the range's last index (a split range)
				 * rather than the first index after it (a target's to) */
	int launched;           /* its first request went out */
	int probe_ok;           /* no hint: may be split after probing its extent */
	int answered;           /* its first answer came back */
	size_t target;          /* CH_PROBE: the chain whose column it probes */
	uint32_t probe_from;    /* CH_PROBE: the last index of that chain's first answer */
	int probe_fine;         /* CH_PROBE: second round, PROBE_FINE points in one gap */
	uint64_t probe_base, probe_step;
	int inflight;           /* a request of this chain is outstanding */
	int done;
	unsigned maxrep;
};

/* A split target: its column and the scratch columns of its ranges 1..n. */
struct split_join {
	size_t col, first_part, nparts;
};

struct snmp_walk {
	struct snmp_conn *c;
	struct chain *chains;
	size_t nchains;
	struct chain disc;      /* v3 engine discovery */
	int discovering;
	int started;            /* column/get chains launched */
	size_t outstanding;     /* requests sent and not yet answered/timed out */
	double deadline;
	struct walk_result *res;
	size_t ntargets;        /* result columns of the targets; scratch columns follow */
	struct split_join *joins;
	size_t njoins;
	size_t nsplit;          /* extra chains the splits added */
	size_t cap;             /* chains allocated (callbacks point into them: never moved) */
	size_t probe_budget;    /* extra ranges probed columns may still take */
	size_t undecided;       /* probe-eligible columns not yet split or passed over */
	size_t probed;          /* columns split after probing */
	int finished;
	tw_err err;
	char errmsg[320];
	struct snmp_walk_stats st;
	size_t answers;         /* PDUs the agent answered in this walk */
	size_t garbled;         /* datagrams net-snmp read and dropped as unparsable */
	int garbled_errno;      /* net-snmp's SNMPERR_* for the first of them, or 0 */
};

/* Said when the agent never answered: v1/v2c agents drop requests with a
 * wrong community without a word. */
#define NO_ANSWER_HINT \
	"; the agent never answered: down, filtered, wrong port, or (v1/v2c) a wrong community"

static void walk_fail(struct snmp_walk *w, tw_err e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void walk_fail_timeout(struct snmp_walk *w, const char *what);

static void walk_fail(struct snmp_walk *w, tw_err e, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->finished)
		return;
	w->finished = 1;
	w->err = e;
	n = snprintf(w->errmsg, sizeof w->errmsg, "%s: ", w->c->label);
	if (n < 0 || (size_t)n >= sizeof w->errmsg)
		return;
	va_start(ap, fmt);
	vsnprintf(w->errmsg + n, sizeof w->errmsg - (size_t)n, fmt, ap);
	va_end(ap);
}

static int walk_cb(int op, netsnmp_session *sp, int reqid, netsnmp_pdu *pdu, void *magic);

/* A request timed out (or the deadline passed): TW_ERR_PARSE when the
 * agent did send datagrams that net-snmp dropped as unparsable, else
 * TW_ERR_TIMEOUT with the never-answered hint when nothing came back. */
static void walk_fail_timeout(struct snmp_walk *w, const char *what)
{
	if (w->garbled) {
		walk_fail(w, TW_ERR_PARSE,
			  "%s: the agent answered with bytes that are not a valid SNMP message "
			  "(%zu datagram%s dropped%s%s)",
			  what, w->garbled, w->garbled == 1 ? "" : "s",
			  w->garbled_errno ? ": " : "",
			  w->garbled_errno ? snmp_api_errstring(w->garbled_errno) : "");
		return;
	}
	walk_fail(w, TW_ERR_TIMEOUT, "%s%s", what, w->answers ? "" : NO_ANSWER_HINT);
}

static void oid_text(const oid *o, size_t len, char *buf, size_t buflen)
{
	uint32_t tmp[MAX_OID_LEN];
	if (len > MAX_OID_LEN)
		len = MAX_OID_LEN;
	for (size_t i = 0; i < len; i++)
		tmp[i] = (uint32_t)o[i];
	walk_oid_format(tmp, len, buf, buflen);
}

/* Send the chain's next request (from ch->last).  Returns 0 or -1 (walk failed). */
static int chain_send(struct chain *ch)
{
	struct snmp_walk *w = ch->w;
	struct snmp_conn *c = w->c;
	netsnmp_pdu *pdu;
	int reqid;

	switch (ch->kind) {
	case CH_GET:
		pdu = snmp_pdu_create(SNMP_MSG_GET);
		if (pdu)
			snmp_add_null_var(pdu, ch->base, ch->base_len);
		break;
	case CH_WALK:
		if (c->version == TW_SNMP_V1) {
			pdu = snmp_pdu_create(SNMP_MSG_GETNEXT);
		} else {
			pdu = snmp_pdu_create(SNMP_MSG_GETBULK);
			if (pdu) {
				pdu->non_repeaters = 0;
				pdu->max_repetitions = (long)ch->maxrep;
			}
		}
		if (pdu)
			snmp_add_null_var(pdu, ch->last, ch->last_len);
		break;
	case CH_PROBE:
		/* GETNEXT at from + 2^j, j = PROBE_J0..31: which of these points
		 * still have rows of the column after them tells its extent. */
		pdu = snmp_pdu_create(SNMP_MSG_GETNEXT);
		for (unsigned j = ch->probe_fine ? 1 : PROBE_J0;
		     pdu && j < (ch->probe_fine ? PROBE_FINE + 1u : 32u); j++) {
			uint64_t at = ch->probe_fine ? ch->probe_base + j * ch->probe_step
						     : (uint64_t)ch->probe_from + ((uint64_t)1 << j);
			oid o[MAX_OID_LEN];
			if (at > UINT32_MAX || ch->base_len + 1 > MAX_OID_LEN)
				break;
			memcpy(o, ch->base, ch->base_len * sizeof *o);
			o[ch->base_len] = (oid)at;
			snmp_add_null_var(pdu, o, ch->base_len + 1);
		}
		break;
	case CH_DISCOVER:
	default:
		pdu = snmp_pdu_create(SNMP_MSG_GET);
		if (pdu) {
			pdu->version = SNMP_VERSION_3;
			pdu->securityName = strdup("");
			pdu->securityNameLen = 0;
			pdu->securityLevel = SNMP_SEC_LEVEL_NOAUTH;
			pdu->securityModel = SNMP_SEC_MODEL_USM;
			if (!pdu->securityName) {
				snmp_free_pdu(pdu);
				pdu = NULL;
			}
		}
		break;
	}
	if (!pdu) {
		walk_fail(w, TW_ERR_NOMEM, "out of memory building a request");
		return -1;
	}
	reqid = snmp_sess_async_send(c->sessp, pdu, walk_cb, ch);
	if (reqid == 0) {
		netsnmp_session *s = snmp_sess_session(c->sessp);
		int serr = s ? s->s_snmp_errno : SNMPERR_GENERR;
		snmp_free_pdu(pdu);
		walk_fail(w, TW_ERR_IO, "cannot send request: %s", snmp_api_errstring(serr));
		return -1;
	}
	ch->inflight = 1;
	ch->launched = 1;
	w->outstanding++;
	w->st.requests++;
	return 0;
}

static tw_err report_err(int rt)
{
	switch (rt) {
	case SNMPERR_UNKNOWN_USER_NAME:
	case SNMPERR_AUTHENTICATION_FAILURE:
	case SNMPERR_DECRYPTION_ERR:
	case SNMPERR_UNSUPPORTED_SEC_LEVEL:
	case SNMPERR_UNKNOWN_ENG_ID:
	case SNMPERR_NOT_IN_TIME_WINDOW:
	case SNMPERR_USM_UNKNOWNSECURITYNAME:
	case SNMPERR_USM_AUTHENTICATIONFAILURE:
	case SNMPERR_USM_DECRYPTIONERROR:
	case SNMPERR_USM_UNSUPPORTEDSECURITYLEVEL:
	case SNMPERR_USM_UNKNOWNENGINEID:
	case SNMPERR_USM_NOTINTIMEWINDOW:
		return TW_ERR_AUTH;
	default:
		return TW_ERR_PROTOCOL;
	}
}

/* Store one varbind's value in column col. */
static tw_err store_vb(struct snmp_walk *w, size_t col, const uint32_t *idx, size_t idx_len,
		       const netsnmp_variable_list *vb)
{
	enum walk_vtype t;
	uint64_t num = 0;
	const void *data = NULL;
	size_t dlen = 0;
	uint32_t ov[MAX_OID_LEN];

	switch (vb->type) {
	case ASN_INTEGER:
		t = WV_INT;
		num = (uint64_t)(int64_t)*vb->val.integer;
		break;
	case ASN_COUNTER:
	case ASN_GAUGE:
	case ASN_TIMETICKS:
	case ASN_UINTEGER:
		t = WV_UINT;
		num = (uint64_t)(*(const u_long *)vb->val.integer & 0xffffffffUL);
		break;
	case ASN_COUNTER64:
#ifdef NETSNMP_WITH_OPAQUE_SPECIAL_TYPES
	case ASN_OPAQUE_COUNTER64:
	case ASN_OPAQUE_U64:
#endif
		t = WV_U64;
		num = ((uint64_t)(vb->val.counter64->high & 0xffffffffUL) << 32) |
		      (uint64_t)(vb->val.counter64->low & 0xffffffffUL);
		break;
	case ASN_OCTET_STR:
	case ASN_IPADDRESS:
	case ASN_OPAQUE:
	case ASN_NSAP:
	case ASN_BIT_STR:
		t = WV_STR;
		data = vb->val.string;
		dlen = vb->val.string ? vb->val_len : 0;
		break;
	case ASN_OBJECT_ID:
		t = WV_OID;
		dlen = vb->val.objid ? vb->val_len / sizeof(oid) : 0;
		if (dlen > MAX_OID_LEN)
			dlen = MAX_OID_LEN;
		for (size_t i = 0; i < dlen; i++)
			ov[i] = (uint32_t)vb->val.objid[i];
		data = ov;
		break;
	case ASN_NULL:
		t = WV_NULL;
		break;
	default:
		t = WV_OTHER;
		break;
	}
	return walk_result_append(w->res, col, idx, idx_len, t, (uint8_t)vb->type, num, data, dlen);
}

static int vb_is_exception(const netsnmp_variable_list *vb)
{
	return vb->type == SNMP_ENDOFMIBVIEW || vb->type == SNMP_NOSUCHOBJECT ||
	       vb->type == SNMP_NOSUCHINSTANCE;
}

/* Where a name stands against the chain's end bound: -1 before it (go on),
 * 0 the range's last index (store it, then stop), 1 past the end. */
static int end_pos(const struct chain *ch, const oid *name, size_t len)
{
	int c;
	if (!ch->end_len)
		return -1;
	c = snmp_oid_compare(name, len, ch->end, ch->end_len);
	if (c < 0)
		return -1;
	return c == 0 && ch->end_incl ? 0 : 1;
}

/* Would a walk continue after this varbind (in the subtree, before the end
 * bound, strictly after `after`)?  Used for the early pipelined send. */
static int walk_continues(const struct chain *ch, const netsnmp_variable_list *vb, const oid *after,
			  size_t after_len)
{
	if (vb_is_exception(vb))
		return 0;
	if (vb->name_length <= ch->base_len ||
	    snmp_oidtree_compare(ch->base, ch->base_len, vb->name, vb->name_length) != 0)
		return 0;
	if (end_pos(ch, vb->name, vb->name_length) >= 0)
		return 0;
	return snmp_oid_compare(vb->name, vb->name_length, after, after_len) > 0;
}

/* The reason of an answer's error-status: authorizationError (an agent's
 * access control refused the user or community) is a credential problem,
 * anything else a protocol one. */
static tw_err errstat_reason(long errstat)
{
	return errstat == SNMP_ERR_AUTHORIZATIONERROR ? TW_ERR_AUTH : TW_ERR_PROTOCOL;
}

static void handle_get(struct snmp_walk *w, struct chain *ch, netsnmp_pdu *pdu)
{
	netsnmp_variable_list *vb = pdu->variables;
	char buf[160];

	ch->done = 1;
	if (pdu->errstat == SNMP_ERR_NOSUCHNAME && w->c->version == TW_SNMP_V1)
		return; /* v1: absent */
	if (pdu->errstat != SNMP_ERR_NOERROR) {
		oid_text(ch->base, ch->base_len, buf, sizeof buf);
		walk_fail(w, errstat_reason(pdu->errstat),
			  "agent returned error-status %s (%ld) for GET %s",
			  snmp_errstring(pdu->errstat), pdu->errstat, buf);
		return;
	}
	if (!vb || vb_is_exception(vb))
		return; /* absent */
	if (snmp_oid_compare(vb->name, vb->name_length, ch->base, ch->base_len) != 0) {
		oid_text(ch->base, ch->base_len, buf, sizeof buf);
		walk_fail(w, TW_ERR_PROTOCOL, "agent answered GET %s with another OID", buf);
		return;
	}
	{
		tw_err e = store_vb(w, ch->col, NULL, 0, vb);
		if (e)
			walk_fail(w, e, "cannot store value: %s", tw_strerror(e));
	}
}

static void launch_probe(struct snmp_walk *w, struct chain *ch, uint32_t from);
static void probe_finish(struct snmp_walk *w, struct chain *pc);
static void handle_probe(struct snmp_walk *w, struct chain *pc, netsnmp_pdu *pdu);

static void handle_walk(struct snmp_walk *w, struct chain *ch, netsnmp_pdu *pdu)
{
	struct snmp_conn *c = w->c;
	netsnmp_variable_list *vb, *lastvb = NULL;
	oid prev[MAX_OID_LEN];
	size_t prev_len;
	int sent_next = 0, int_index = 1;
	size_t stored = 0;
	char buf[160];

	if (pdu->errstat == SNMP_ERR_TOOBIG) {
		w->st.toobig++;
		if (c->version != TW_SNMP_V1 && ch->maxrep > 1) {
			ch->maxrep /= 2;
			chain_send(ch); /* same starting OID */
			return;
		}
		oid_text(ch->base, ch->base_len, buf, sizeof buf);
		walk_fail(w, TW_ERR_PROTOCOL, "agent says tooBig even for one row of %s", buf);
		return;
	}
	if (pdu->errstat == SNMP_ERR_NOSUCHNAME && c->version == TW_SNMP_V1) {
		ch->done = 1; /* v1 end of MIB view */
		w->res->cols[ch->col].end_of_view = 1;
		return;
	}
	if (pdu->errstat != SNMP_ERR_NOERROR) {
		oid_text(ch->last, ch->last_len, buf, sizeof buf);
		walk_fail(w, errstat_reason(pdu->errstat),
			  "agent returned error-status %s (%ld) after %s",
			  snmp_errstring(pdu->errstat), pdu->errstat, buf);
		return;
	}
	if (!pdu->variables) {
		oid_text(ch->last, ch->last_len, buf, sizeof buf);
		walk_fail(w, TW_ERR_PROTOCOL, "agent returned no varbinds after %s", buf);
		return;
	}
	for (vb = pdu->variables; vb; vb = vb->next_variable)
		lastvb = vb;

	/* Pipeline: ask for the next rows before storing these. */
	memcpy(prev, ch->last, ch->last_len * sizeof *prev);
	prev_len = ch->last_len;
	if (walk_continues(ch, lastvb, prev, prev_len) && lastvb->name_length <= MAX_OID_LEN) {
		memcpy(ch->last, lastvb->name, lastvb->name_length * sizeof(oid));
		ch->last_len = lastvb->name_length;
		if (chain_send(ch))
			return;
		sent_next = 1;
	}

	for (vb = pdu->variables; vb; vb = vb->next_variable) {
		uint32_t idx[MAX_OID_LEN];
		size_t idx_len;
		int at_end = -1;
		tw_err e;

		if (vb_is_exception(vb) || vb->name_length <= ch->base_len ||
		    snmp_oidtree_compare(ch->base, ch->base_len, vb->name, vb->name_length) != 0 ||
		    (at_end = end_pos(ch, vb->name, vb->name_length)) > 0) {
			/* End of this column.  Anything after it in a GETBULK
			 * answer belongs to the following subtree. */
			ch->done = 1;
			if (vb->type == SNMP_ENDOFMIBVIEW)
				w->res->cols[ch->col].end_of_view = 1;
			break;
		}
		if (snmp_oid_compare(vb->name, vb->name_length, prev, prev_len) <= 0) {
			oid_text(vb->name, vb->name_length, buf, sizeof buf);
			walk_fail(w, TW_ERR_PROTOCOL, "agent returned non-increasing OID %s", buf);
			return;
		}
		idx_len = vb->name_length - ch->base_len;
		for (size_t i = 0; i < idx_len; i++)
			idx[i] = (uint32_t)vb->name[ch->base_len + i];
		e = store_vb(w, ch->col, idx, idx_len, vb);
		if (e) {
			if (e == TW_ERR_TOO_BIG)
				walk_fail(w, e, "walk exceeds its cap of %zu varbinds / %zu bytes",
					  w->res->max_varbinds, w->res->max_bytes);
			else if (e == TW_ERR_PROTOCOL)
				walk_fail(w, e, "agent returned non-increasing OID");
			else
				walk_fail(w, e, "cannot store value: %s", tw_strerror(e));
			return;
		}
		memcpy(prev, vb->name, vb->name_length * sizeof *prev);
		prev_len = vb->name_length;
		stored++;
		if (idx_len != 1)
			int_index = 0;
		if (at_end == 0) {
			ch->done = 1; /* the range's last index: the rest is the next range's */
			break;
		}
	}
	if (ch->probe_ok && !ch->answered) {
		/* The first page of a column with no hint: if the table goes on
		 * and has one integer index, find its extent and split it. */
		ch->answered = 1;
		if (!ch->done && sent_next && stored && int_index && prev_len == ch->base_len + 1)
			launch_probe(w, ch, (uint32_t)prev[ch->base_len]);
		else if (w->undecided)
			w->undecided--; /* small, or not an integer index: leaves its share */
	}
	if (ch->done)
		return; /* a pipelined request (if any) is answered and ignored */
	if (!sent_next) {
		/* Every varbind was stored and the walk goes on, yet the early
		 * check said no: only possible with a non-increasing last OID,
		 * which the loop above reports.  Be safe anyway. */
		oid_text(ch->last, ch->last_len, buf, sizeof buf);
		walk_fail(w, TW_ERR_PROTOCOL, "agent returned non-increasing OID after %s", buf);
	}
}

/* Send the first request of chains not yet launched while fewer than
 * max_inflight requests are out (a chain keeps its slot from one request
 * to its next, so slots free up as chains finish). */
static void launch_waiting(struct snmp_walk *w)
{
	for (size_t i = 0; i < w->nchains && w->outstanding < w->c->max_inflight; i++) {
		struct chain *ch = &w->chains[i];
		if (w->finished)
			return;
		if (!ch->launched && !ch->done && chain_send(ch))
			return;
	}
}

/* Where a split column's boundaries lie: at quantiles of a hint (the last
 * walk's rows), or evenly over (lo, lo + span] of an integer index. */
struct split_plan {
	const struct split_hint *h;
	uint64_t lo, span;
	size_t k;                    /* ranges */
};

/* base + boundary r (1 .. k-1) of the plan into o (a chain's last or end). */
static void split_bound(const struct chain *tc, const struct split_plan *sp, size_t r, oid *o,
			size_t *len)
{
	size_t n = tc->base_len;
	memcpy(o, tc->base, n * sizeof *o);
	if (sp->h) {
		size_t q = r * SPLIT_Q / sp->k - 1;
		for (size_t i = 0; i < sp->h->len[q] && n < MAX_OID_LEN; i++)
			o[n++] = sp->h->idx[sp->h->off[q] + i];
	} else if (n < MAX_OID_LEN) {
		o[n++] = (oid)(sp->lo + sp->span * r / sp->k);
	}
	*len = n;
}

/* Cut the column of chain tc into sp->k ranges: tc keeps the first (it ends
 * at boundary 1, inclusive); range r starts after boundary r and ends at
 * boundary r + 1, each a new chain writing into its own scratch column,
 * joined again when the walk ends.  The chains array has room for them. */
static tw_err split_chain(struct snmp_walk *w, struct chain *tc, const struct split_plan *sp)
{
	struct split_join *j = &w->joins[w->njoins];
	const struct walk_column *rc = &w->res->cols[tc->col];
	uint32_t coid[WALK_OID_MAX];
	size_t clen = rc->oid_len;
	tw_err e;

	memcpy(coid, rc->oid, clen * sizeof *coid); /* adding columns may move rc */
	split_bound(tc, sp, 1, tc->end, &tc->end_len);
	tc->end_incl = 1;
	j->col = tc->col;
	j->first_part = w->res->ncols;
	j->nparts = 0;
	for (size_t r = 1; r < sp->k; r++) {
		struct chain *ch = &w->chains[w->nchains];
		size_t col;
		if ((e = walk_result_add_column(w->res, coid, clen, &col)))
			return e;
		w->nchains++;
		j->nparts++;
		memset(ch, 0, sizeof *ch);
		ch->w = w;
		ch->kind = CH_WALK;
		ch->col = col;
		ch->maxrep = tc->maxrep;
		memcpy(ch->base, tc->base, tc->base_len * sizeof *ch->base);
		ch->base_len = tc->base_len;
		split_bound(tc, sp, r, ch->last, &ch->last_len);
		if (r + 1 < sp->k) {
			split_bound(tc, sp, r + 1, ch->end, &ch->end_len);
			ch->end_incl = 1;
		}
	}
	w->njoins++;
	w->nsplit += sp->k - 1;
	return TW_OK;
}

/* ---- first-walk splits: probing a column's extent ----
 * A column with no hint from an earlier walk (the first walk of a session)
 * is walked from its start; when its first page shows a single integer
 * index, one GETNEXT asks what follows the points from + 2^j (j = 4..31):
 * the highest point still followed by a row of the column, from + 2^t,
 * and the next, which is not, bracket the table's end; a second GETNEXT
 * of PROBE_FINE points across that gap narrows it to 1/16.  What lies
 * between the column chain's position and that end is cut into ranges like
 * a hinted split (the chain keeps the first), taking an equal part of the
 * in-flight budget left for the columns still undecided.  A probe that
 * fails or times out only means no split. */
static void launch_probe(struct snmp_walk *w, struct chain *ch, uint32_t from)
{
	struct chain *pc;

	if (w->nchains >= w->cap || w->finished) {
		if (w->undecided)
			w->undecided--;
		return;
	}
	pc = &w->chains[w->nchains++];
	memset(pc, 0, sizeof *pc);
	pc->w = w;
	pc->kind = CH_PROBE;
	pc->target = (size_t)(ch - w->chains);
	pc->probe_from = from;
	memcpy(pc->base, ch->base, ch->base_len * sizeof *pc->base);
	pc->base_len = ch->base_len;
	if (chain_send(pc))
		return;
}

/* The probe chain is done: its column is decided (split or not). */
static void probe_finish(struct snmp_walk *w, struct chain *pc)
{
	pc->done = 1;
	if (w->undecided)
		w->undecided--;
}

static void handle_probe(struct snmp_walk *w, struct chain *pc, netsnmp_pdu *pdu)
{
	struct chain *tc = &w->chains[pc->target];
	const netsnmp_variable_list *vb;
	unsigned j, top = 0, jmax = pc->probe_fine ? PROBE_FINE + 1 : 32;
	int found = 0;
	uint64_t lo, hi, span, k;
	size_t share;
	size_t min_rows = (size_t)w->c->max_reps * 4;

	if (pdu->errstat != SNMP_ERR_NOERROR || tc->done || w->finished) {
		probe_finish(w, pc);
		return;
	}
	j = pc->probe_fine ? 1 : PROBE_J0;
	for (vb = pdu->variables; vb && j < jmax; vb = vb->next_variable, j++) {
		if (vb_is_exception(vb) || vb->name_length != tc->base_len + 1 ||
		    snmp_oidtree_compare(tc->base, tc->base_len, vb->name, vb->name_length) != 0)
			break; /* nothing of the column after this point */
		found = 1;
		top = j;
	}
	if (!pc->probe_fine) {
		uint64_t gap;
		if (!found) {
			probe_finish(w, pc);
			return;
		}
		/* Rows after from + 2^top, none after from + 2^(top+1): if that
		 * gap is wide, look across it once more. */
		gap = (uint64_t)1 << top;
		if (gap >= 2 * PROBE_FINE) {
			pc->probe_fine = 1;
			pc->probe_base = (uint64_t)pc->probe_from + gap;
			pc->probe_step = gap / PROBE_FINE;
			if (chain_send(pc) == 0)
				return;
			probe_finish(w, pc);
			return;
		}
		hi = (uint64_t)pc->probe_from + 2 * gap;
	} else {
		/* rows after base + top * step (top 0: after base), none after
		 * the next point */
		hi = pc->probe_base + (uint64_t)(found ? top + 1 : 1) * pc->probe_step;
	}
	share = w->undecided ? w->probe_budget / w->undecided : 0;
	probe_finish(w, pc);
	lo = tc->last_len == tc->base_len + 1 ? (uint64_t)tc->last[tc->base_len] : pc->probe_from;
	if (lo < pc->probe_from)
		lo = pc->probe_from;
	if (hi > UINT32_MAX)
		hi = UINT32_MAX;
	if (hi <= lo || hi - lo < 2 * (uint64_t)min_rows)
		return;
	span = hi - lo;
	k = 1 + (uint64_t)share; /* an equal part of what is left for the undecided */
	if (k > SPLIT_Q)
		k = SPLIT_Q;
	if (k > span / min_rows)
		k = span / min_rows;
	if (k > w->cap - w->nchains + 1)
		k = w->cap - w->nchains + 1;
	if (k < 2)
		return;
	{
		struct split_plan sp = { NULL, lo, span, (size_t)k };
		if (split_chain(w, tc, &sp)) {
			walk_fail(w, TW_ERR_NOMEM, "out of memory splitting a walk");
			return;
		}
	}
	w->probe_budget -= (size_t)k - 1;
	w->probed++;
	launch_waiting(w);
}

static void start_chains(struct snmp_walk *w)
{
	w->started = 1;
	if (w->c->version == TW_SNMP_V3) {
		/* After discovery: create the USM user with keys localized to the
		 * agent's engine ID (a no-op once done for this session). */
		netsnmp_session *s = snmp_sess_session(w->c->sessp);
		if (!s || create_user_from_session(s) != SNMPERR_SUCCESS) {
			walk_fail(w, TW_ERR_AUTH, "cannot set up the SNMPv3 user for this engine");
			return;
		}
	}
	launch_waiting(w);
}

/* Store the engine ID of a discovery Report in the session (net-snmp does
 * the same after the callbacks; doing it here does not depend on the
 * release's callback order).  Returns 0 or -1 on OOM. */
static int remember_engine(netsnmp_session *sp, const netsnmp_pdu *pdu)
{
	u_char *seid = malloc(pdu->securityEngineIDLen);
	u_char *ceid = NULL;
	if (!seid)
		return -1;
	if (!sp->contextEngineIDLen) {
		ceid = malloc(pdu->securityEngineIDLen);
		if (!ceid) {
			free(seid);
			return -1;
		}
		memcpy(ceid, pdu->securityEngineID, pdu->securityEngineIDLen);
		free(sp->contextEngineID);
		sp->contextEngineID = ceid;
		sp->contextEngineIDLen = pdu->securityEngineIDLen;
	}
	memcpy(seid, pdu->securityEngineID, pdu->securityEngineIDLen);
	free(sp->securityEngineID);
	sp->securityEngineID = seid;
	sp->securityEngineIDLen = pdu->securityEngineIDLen;
	return 0;
}

static int walk_cb(int op, netsnmp_session *sp, int reqid, netsnmp_pdu *pdu, void *magic)
{
	struct chain *ch = magic;
	struct snmp_walk *w = ch->w;
	char buf[160];

	(void)reqid; /* a Report may carry reqid 0; the request is matched by msgID */
	if (!ch->inflight)
		return 1; /* second call for the same Report */
	if (op == NETSNMP_CALLBACK_OP_RESEND)
		return 1;
	if ((op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE || op == NETSNMP_CALLBACK_OP_SEC_ERROR) &&
	    pdu && pdu->command == SNMP_MSG_REPORT) {
		/* net-snmp passes a Report twice: as SEC_ERROR ("no more
		 * retries") and as RECEIVED_MESSAGE, in an order that differs
		 * between releases; whichever comes first decides, the second
		 * finds the chain no longer in flight. */
		int rt = snmpv3_get_report_type(pdu);
		if (ch->kind == CH_DISCOVER && pdu->securityEngineIDLen > 0) {
			if (sp && sp->securityEngineIDLen == 0 && remember_engine(sp, pdu)) {
				ch->inflight = 0;
				w->outstanding--;
				walk_fail(w, TW_ERR_NOMEM, "out of memory in engine discovery");
				return 1;
			}
			ch->inflight = 0;
			ch->done = 1;
			w->outstanding--;
			w->discovering = 0;
			return 1;
		}
		if (rt == SNMPERR_NOT_IN_TIME_WINDOW && op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE)
			return 1; /* net-snmp resends with the agent's boots/time, or
				   * says SEC_ERROR when it has given up */
		ch->inflight = 0;
		w->outstanding--;
		walk_fail(w, report_err(rt), "SNMPv3 report: %s", snmp_api_errstring(rt));
		return 1;
	}
	ch->inflight = 0;
	w->outstanding--;
	if (op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE)
		w->answers++;
	if (w->finished || ch->done)
		return 1;
	if (ch->kind == CH_PROBE) {
		/* Only an optimisation: whatever goes wrong, walk on unsplit. */
		if (op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE && pdu &&
		    pdu->command == SNMP_MSG_RESPONSE)
			handle_probe(w, ch, pdu);
		else
			probe_finish(w, ch);
		if (ch->done && w->started && !w->finished)
			launch_waiting(w);
		return 1;
	}
	switch (op) {
	case NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE:
		break;
	case NETSNMP_CALLBACK_OP_TIMED_OUT:
		if (ch->kind == CH_DISCOVER && w->garbled) {
			walk_fail_timeout(w, "no valid answer to the SNMPv3 engine discovery");
		} else if (ch->kind == CH_DISCOVER) {
			walk_fail(w, TW_ERR_TIMEOUT,
				  "no answer to the SNMPv3 engine discovery after %u tries of %.3gs",
				  w->c->retries + 1, w->c->try_timeout);
		} else {
			char what[240];
			oid_text(ch->kind == CH_GET ? ch->base : ch->last,
				 ch->kind == CH_GET ? ch->base_len : ch->last_len, buf, sizeof buf);
			snprintf(what, sizeof what, "no answer after %u tries of %.3gs (%s %s)",
				 w->c->retries + 1, w->c->try_timeout,
				 ch->kind == CH_GET ? "GET" : "walk at", buf);
			walk_fail_timeout(w, what);
		}
		return 1;
	case NETSNMP_CALLBACK_OP_SEC_ERROR:
		walk_fail(w, TW_ERR_AUTH, "SNMPv3 security error in an answer");
		return 1;
	case NETSNMP_CALLBACK_OP_SEND_FAILED:
		walk_fail(w, TW_ERR_IO, "send failed");
		return 1;
	case NETSNMP_CALLBACK_OP_DISCONNECT:
		walk_fail(w, TW_ERR_IO, "connection closed by agent");
		return 1;
	default:
		walk_fail(w, TW_ERR_PROTOCOL, "unexpected net-snmp callback %d", op);
		return 1;
	}
	if (!pdu || pdu->command != SNMP_MSG_RESPONSE) {
		walk_fail(w, TW_ERR_PROTOCOL, "unexpected PDU type in answer");
		return 1;
	}
	switch (ch->kind) {
	case CH_GET:
		handle_get(w, ch, pdu);
		break;
	case CH_WALK:
		handle_walk(w, ch, pdu);
		break;
	case CH_PROBE:
		break; /* answered above */
	case CH_DISCOVER:
		/* A Response instead of a Report: an agent without USM? */
		walk_fail(w, TW_ERR_PROTOCOL, "agent did not answer SNMPv3 engine discovery with a report");
		break;
	}
	if (ch->done && w->started && !w->finished)
		launch_waiting(w); /* its slot is free */
	return 1;
}

static void chain_init(struct snmp_walk *w, struct chain *ch, const struct walk_target *t,
		       size_t col)
{
	ch->w = w;
	ch->col = col;
	ch->kind = t->kind == WALK_GET ? CH_GET : CH_WALK;
	ch->maxrep = w->c->max_reps;
	ch->base_len = t->len;
	for (size_t i = 0; i < t->len; i++)
		ch->base[i] = t->oid[i];
	memcpy(ch->last, ch->base, ch->base_len * sizeof(oid));
	ch->last_len = ch->base_len;
	if (ch->kind == CH_WALK && t->from_len) {
		for (size_t i = 0; i < t->from_len && ch->last_len < MAX_OID_LEN; i++)
			ch->last[ch->last_len++] = t->from[i];
	}
	if (ch->kind == CH_WALK && t->to_len) {
		memcpy(ch->end, ch->base, ch->base_len * sizeof(oid));
		ch->end_len = ch->base_len;
		for (size_t i = 0; i < t->to_len && ch->end_len < MAX_OID_LEN; i++)
			ch->end[ch->end_len++] = t->to[i];
	}
}

/* How many ranges each target is walked in (ranges[i], 1 = whole): the
 * in-flight budget left after one chain per walked column goes to the
 * columns the last walk found big, in proportion to their rows, at least
 * 4 x max-repetitions rows per range.  Returns the number of chains. */
static size_t plan_splits(const struct snmp_conn *c, const struct walk_target *t, size_t n,
			  const struct split_hint **hints, size_t *ranges)
{
	size_t walks = 0, big = 0, chains = 0, extra;
	uint64_t rows = 0;
	size_t min_rows = (size_t)c->max_reps * 4;

	for (size_t i = 0; i < n; i++) {
		ranges[i] = 1;
		hints[i] = NULL;
		if (t[i].kind != WALK_SUBTREE)
			continue;
		walks++;
		if (c->nosplit || t[i].from_len || t[i].to_len)
			continue;
		hints[i] = hint_find(c, t[i].oid, t[i].len);
		if (hints[i] && hints[i]->nrows >= 2 * min_rows) {
			rows += hints[i]->nrows;
			big++;
		} else {
			hints[i] = NULL;
		}
	}
	extra = c->max_inflight > walks ? c->max_inflight - walks : 0;
	for (size_t i = 0; i < n; i++) {
		if (hints[i] && extra && rows) {
			uint64_t k = 1 + (uint64_t)extra * hints[i]->nrows / rows;
			uint64_t kmax = hints[i]->nrows / min_rows;
			if (k > kmax)
				k = kmax;
			if (k > SPLIT_Q)
				k = SPLIT_Q;
			ranges[i] = (size_t)k;
		}
		chains += ranges[i];
	}
	(void)big;
	return chains;
}

/* A target whose column may be split after probing: a whole column walk
 * that no hint splits. */
static int probe_candidate(const struct walk_target *t, size_t ranges, const struct split_hint *h)
{
	return t->kind == WALK_SUBTREE && ranges == 1 && !h && !t->from_len && !t->to_len;
}

tw_err snmp_walk_start(struct snmp_conn *c, const struct walk_target *targets, size_t ntargets,
		       double deadline, struct snmp_walk **out, char *msg, size_t msglen)
{
	struct snmp_walk *w;
	netsnmp_session *s;
	const struct split_hint **hints = NULL;
	size_t *ranges = NULL, nch, k = 0;
	tw_err e;

	*out = NULL;
	if (c->walk)
		return tw_seterr(msg, msglen, TW_ERR_INTERNAL, "%s: a walk is already running",
				 c->label);
	for (size_t i = 0; i < ntargets; i++)
		if (targets[i].len == 0 || targets[i].len + targets[i].from_len > WALK_OID_MAX ||
		    targets[i].len + targets[i].to_len > WALK_OID_MAX)
			return tw_seterr(msg, msglen, TW_ERR_INTERNAL, "%s: bad walk target %zu",
					 c->label, i);
	w = calloc(1, sizeof *w);
	hints = calloc(ntargets ? ntargets : 1, sizeof *hints);
	ranges = calloc(ntargets ? ntargets : 1, sizeof *ranges);
	if (!w || !hints || !ranges) {
		free(w);
		free(hints);
		free(ranges);
		return TW_ERR_NOMEM;
	}
	w->c = c;
	w->deadline = deadline;
	nch = plan_splits(c, targets, ntargets, hints, ranges);
	/* Columns without a hint may be split after probing their extent:
	 * what is left of the in-flight budget, shared equally. */
	{
		size_t eligible = 0, walking = 0;
		for (size_t i = 0; i < ntargets; i++) {
			if (targets[i].kind != WALK_SUBTREE)
				continue; /* GETs: one request each, at the start */
			walking += ranges[i];
			if (probe_candidate(&targets[i], ranges[i], hints[i]) && !c->nosplit)
				eligible++;
		}
		w->probe_budget = c->max_inflight > walking ? c->max_inflight - walking : 0;
		if (!w->probe_budget)
			eligible = 0;
		w->undecided = eligible;
		w->cap = nch + eligible + w->probe_budget; /* the probes, then the ranges */
	}
	w->chains = calloc(w->cap ? w->cap : 1, sizeof *w->chains);
	w->joins = calloc(ntargets ? ntargets : 1, sizeof *w->joins);
	w->res = walk_result_new(c->max_varbinds, c->max_bytes);
	if (!w->chains || !w->joins || !w->res) {
		e = TW_ERR_NOMEM;
		goto fail;
	}
	for (size_t i = 0; i < ntargets; i++) {
		size_t col;
		if ((e = walk_result_add_column(w->res, targets[i].oid, targets[i].len, &col)))
			goto fail;
		chain_init(w, &w->chains[k], &targets[i], col);
		w->chains[k].probe_ok = w->undecided &&
					probe_candidate(&targets[i], ranges[i], hints[i]);
		k++;
	}
	w->ntargets = ntargets;
	/* Ranges 1..n-1 of split targets; range 0 is the target's own chain. */
	w->nchains = k;
	for (size_t i = 0; i < ntargets; i++) {
		struct split_plan sp = { hints[i], 0, 0, ranges[i] };
		if (ranges[i] > 1 && (e = split_chain(w, &w->chains[i], &sp)))
			goto fail;
	}
	free(hints);
	free(ranges);
	hints = NULL;
	ranges = NULL;
	if ((e = conn_open(c, msg, msglen))) {
		snmp_walk_free(w);
		return e;
	}
	c->walk = w;
	s = snmp_sess_session(c->sessp);
	if (c->version == TW_SNMP_V3 && s && s->securityEngineIDLen == 0) {
		w->disc.w = w;
		w->disc.kind = CH_DISCOVER;
		w->discovering = 1;
		chain_send(&w->disc);
	} else {
		start_chains(w);
	}
	if (w->finished && w->outstanding == 0 && w->err) {
		/* Failed before anything was in flight: report it now. */
		tw_seterr(msg, msglen, w->err, "%s", w->errmsg);
		e = w->err;
		snmp_walk_free(w);
		return e;
	}
	*out = w;
	return TW_OK;
fail:
	free(hints);
	free(ranges);
	snmp_walk_free(w);
	return e;
}

void snmp_walk_fds(struct snmp_walk *w, struct tw_fdset *fs)
{
	struct snmp_conn *c = w->c;

	if (w->finished) {
		tw_fdset_wake(fs, tw_now_mono());
		return;
	}
	if (c->sessp && c->fd >= 0 && !c->broken) {
		fd_set tmp;
		int numfds = 0, block = 1;
		struct timeval tv = { 0, 0 };

		tw_fdset_want(fs, c->fd, 0);
		if (c->fd >= FD_SETSIZE) /* not representable in fd_set: poll it from step() */
			tw_fdset_wake(fs, tw_now_mono() + 0.005);
		FD_ZERO(&tmp);
		/* Only the timeout is wanted here; the fd is known. */
		if (c->fd < FD_SETSIZE) {
			snmp_sess_select_info(c->sessp, &numfds, &tmp, &tv, &block);
		} else {
			netsnmp_large_fd_set big;
			netsnmp_large_fd_set_init(&big, c->fd + 1);
			snmp_sess_select_info2(c->sessp, &numfds, &big, &tv, &block);
			netsnmp_large_fd_set_cleanup(&big);
		}
		if (!block)
			tw_fdset_wake(fs, tw_now_mono() + (double)tv.tv_sec + (double)tv.tv_usec / 1e6);
	}
	tw_fdset_wake(fs, w->deadline);
}

/* net-snmp's process-wide counts of received messages it could not use
 * as SNMP (not the USM ones: those are v3 keying, a timeout or report). */
static unsigned long bad_packets(void)
{
#ifndef NETSNMP_FEATURE_REMOVE_STATISTICS
	return (unsigned long)snmp_get_statistic(STAT_SNMPINASNPARSEERRS) +
	       snmp_get_statistic(STAT_SNMPINBADVERSIONS) +
	       snmp_get_statistic(STAT_SNMPINVALIDMSGS) +
	       snmp_get_statistic(STAT_SNMPUNKNOWNSECURITYMODELS);
#else
	return 0;
#endif
}

/* Read and dispatch what the socket has queued, a bounded number of
 * packets per step.  ready: select() said the first read will not block. */
static void walk_read(struct snmp_walk *w, int ready)
{
	struct snmp_conn *c = w->c;

	for (int i = 0; i < 256 && c->sessp && !w->finished; i++) {
		netsnmp_session *s;
		unsigned long bad;
		int rc;
		if (i > 0 || !ready) {
			struct pollfd p = { .fd = c->fd, .events = POLLIN, .revents = 0 };
			if (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLERR | POLLHUP)))
				break;
		}
		/* net-snmp clears the bit of a socket it has read. */
		NETSNMP_LARGE_FD_SET(c->fd, &c->lfds);
		bad = bad_packets();
		s = snmp_sess_session(c->sessp);
		if (s)
			s->s_snmp_errno = 0;
		rc = snmp_sess_read2(c->sessp, &c->lfds);
		/* A datagram net-snmp cannot parse is dropped inside the read
		 * without a callback: see it in the error it leaves on the
		 * session or in the library's counters (this thread reads one
		 * session at a time, so a change is ours). */
		s = c->sessp ? snmp_sess_session(c->sessp) : NULL;
		{
			int serr = s ? s->s_snmp_errno : 0;
			int parse_err = serr == SNMPERR_BAD_PARSE || serr == SNMPERR_BAD_VERSION ||
					serr == SNMPERR_ASN_PARSE_ERR;
			if (parse_err || bad_packets() != bad) {
				if (!w->garbled)
					w->garbled_errno = parse_err ? serr : 0;
				w->garbled++;
			}
		}
		if (rc < 0) {
			if (s && s->s_snmp_errno == SNMPERR_BAD_RECVFROM) {
				walk_fail(w, TW_ERR_IO, "receive failed: %s", strerror(s->s_errno));
				break;
			}
		}
		if (c->broken) {
			walk_fail(w, TW_ERR_IO, "connection closed by agent");
			break;
		}
	}
}

/* Concatenate the scratch columns of split targets into their target
 * columns (each into one exactly sized set of arenas) and drop them, so
 * the result has one column per target as if nothing was split. */
static tw_err join_splits(struct snmp_walk *w)
{
	struct walk_result *r = w->res;

	for (size_t k = 0; k < w->njoins; k++) {
		const struct split_join *j = &w->joins[k];
		struct walk_column *dst = &r->cols[j->col];
		size_t nrows = dst->nrows, nsub = dst->nsub, ndata = dst->ndata, old = 0, now;
		struct walk_row *rows;
		uint32_t *sub;
		unsigned char *data;

		for (size_t p = 0; p < j->nparts; p++) {
			const struct walk_column *c = &r->cols[j->first_part + p];
			const struct walk_column *prev = p ? &r->cols[j->first_part + p - 1] : dst;
			nrows += c->nrows;
			nsub += c->nsub;
			ndata += c->ndata;
			/* Ranges are disjoint and in order; check it all the same. */
			if (c->nrows && prev->nrows &&
			    walk_oid_cmp(walk_row_index(prev, &prev->rows[prev->nrows - 1]),
					 prev->rows[prev->nrows - 1].idx_len,
					 walk_row_index(c, &c->rows[0]), c->rows[0].idx_len) >= 0)
				return TW_ERR_INTERNAL;
		}
		if (nsub > UINT32_MAX || ndata > UINT32_MAX)
			return TW_ERR_TOO_BIG;
		rows = malloc((nrows ? nrows : 1) * sizeof *rows);
		sub = malloc((nsub ? nsub : 1) * sizeof *sub);
		data = malloc(ndata ? ndata : 1);
		if (!rows || !sub || !data) {
			free(rows);
			free(sub);
			free(data);
			return TW_ERR_NOMEM;
		}
		nrows = nsub = ndata = 0;
		for (size_t p = 0; p <= j->nparts; p++) {
			struct walk_column *c = p ? &r->cols[j->first_part + p - 1] : dst;
			for (size_t i = 0; i < c->nrows; i++) {
				struct walk_row row = c->rows[i];
				row.idx_off += (uint32_t)nsub;
				if (row.type == WV_OID)
					row.data_off += (uint32_t)nsub;
				else if (row.type == WV_STR)
					row.data_off += (uint32_t)ndata;
				rows[nrows++] = row;
			}
			if (c->nsub)
				memcpy(sub + nsub, c->sub, c->nsub * sizeof *sub);
			if (c->ndata)
				memcpy(data + ndata, c->data, c->ndata);
			nsub += c->nsub;
			ndata += c->ndata;
			old += c->arows * sizeof *c->rows + c->asub * sizeof *c->sub + c->adata;
			dst->end_of_view |= c->end_of_view;
			if (p) {
				free(c->rows);
				free(c->sub);
				free(c->data);
				memset(c, 0, sizeof *c);
			}
		}
		free(dst->rows);
		free(dst->sub);
		free(dst->data);
		dst->rows = rows;
		dst->nrows = dst->arows = nrows;
		dst->sub = nsub ? sub : (free(sub), NULL);
		dst->nsub = dst->asub = nsub;
		dst->data = ndata ? data : (free(data), NULL);
		dst->ndata = dst->adata = ndata;
		now = nrows * sizeof *rows + nsub * sizeof *sub + ndata;
		r->nbytes = r->nbytes - old + now;
	}
	r->ncols = w->ntargets;
	return TW_OK;
}

enum tw_step snmp_walk_step(struct snmp_walk *w, const struct tw_fdset *ready, double now,
			    tw_err *result, char *msg, size_t msglen)
{
	struct snmp_conn *c = w->c;

	if (!w->finished && c->sessp) {
		if (ready && c->fd >= 0 && c->fd < FD_SETSIZE && ready->maxfd >= c->fd &&
		    FD_ISSET(c->fd, &ready->rd))
			walk_read(w, 1);
		else if (c->fd >= FD_SETSIZE)
			walk_read(w, 0); /* not representable in fd_set: poll ourselves */
		if (!w->finished && c->sessp)
			snmp_sess_timeout(c->sessp);
		if (!w->finished && !w->discovering && !w->started)
			start_chains(w);
		if (!w->finished && w->started) {
			size_t i;
			for (i = 0; i < w->nchains; i++)
				if (!w->chains[i].done)
					break;
			if (i == w->nchains) {
				w->finished = 1;
				w->err = TW_OK;
			}
		}
		if (!w->finished && now >= w->deadline) {
			char what[120];
			snprintf(what, sizeof what, "poll deadline passed (%zu varbinds so far)",
				 w->res ? w->res->nvarbinds : (size_t)0);
			walk_fail_timeout(w, what);
		}
	} else if (!w->finished) {
		walk_fail(w, TW_ERR_IO, "session closed");
	}
	if (!w->finished)
		return TW_STEP_PENDING;
	if (w->outstanding > 0 || w->err) {
		/* Requests still out: drop them with the session.  After any
		 * failure start afresh next time anyway: a v3 agent that was
		 * reset or replaced has a new engine ID and boot count, and
		 * its Reports cannot be read with the old session's user. */
		snmp_conn_close(c);
		w->outstanding = 0;
	}
	if (c->walk == w)
		c->walk = NULL;
	if (!w->err && w->res) {
		tw_err e = join_splits(w);
		if (e) {
			w->err = e;
			snprintf(w->errmsg, sizeof w->errmsg, "%s: cannot join the ranges of a split walk: %s",
				 c->label, tw_strerror(e));
		} else
			hints_record(c, w->res, w->ntargets);
	} else if (w->err == TW_ERR_TIMEOUT && w->nsplit && !c->nosplit) {
		/* Maybe the agent drops requests when this many are out: walk
		 * its columns whole from now on (until the target is reset). */
		c->nosplit = 1;
		tw_log(TW_LOG_WARN, "snmp agent timed out during a split walk; walking columns whole from now on",
		       "address", c->label, NULL);
	}
	w->st.varbinds = w->res ? w->res->nvarbinds : 0;
	w->st.ranges = w->nsplit;
	w->st.probed = w->probed;
	*result = w->err;
	if (w->err)
		tw_seterr(msg, msglen, w->err, "%s", w->errmsg);
	else if (msg && msglen)
		msg[0] = '\0';
	return TW_STEP_DONE;
}

struct walk_result *snmp_walk_take_result(struct snmp_walk *w)
{
	struct walk_result *r;
	if (!w || !w->finished || w->err)
		return NULL;
	r = w->res;
	w->res = NULL;
	return r;
}

void snmp_walk_get_stats(const struct snmp_walk *w, struct snmp_walk_stats *st)
{
	*st = w->st;
	if (w->res)
		st->varbinds = w->res->nvarbinds;
}

void snmp_walk_free(struct snmp_walk *w)
{
	if (!w)
		return;
	if (w->c && w->c->walk == w) {
		/* Aborted in flight: outstanding requests point into w. */
		if (w->outstanding > 0 || !w->finished)
			snmp_conn_close(w->c);
		w->c->walk = NULL;
	}
	walk_result_free(w->res);
	free(w->chains);
	free(w->joins);
	free(w);
}
