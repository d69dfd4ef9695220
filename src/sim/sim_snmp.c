/* sim_snmp.c: the simulator's SNMP agent on net-snmp's agent library (see
 * sim_snmp.h).  Four parts: personalities turn a scenario array into a
 * sorted OID table; configuration feeds net-snmp communities and USM users in
 * memory; the request path maps a request to its array by the local port,
 * checks the credentials against that array (an ACM callback) and answers
 * from the table; faults (sim_fault.h) bend that path per array -- value and
 * ordering faults in the handler, view faults in a second ACM callback, and
 * wire faults (drop, delay, garbage, truncate) in hooks on the array's own
 * UDP transport, which this file opens itself instead of init_master_agent()
 * so that it can wrap the transport's send and receive functions. */
#include "config.h"
/* net-snmp-config.h defines its own PACKAGE_* macros */
#undef PACKAGE_BUGREPORT
#undef PACKAGE_NAME
#undef PACKAGE_STRING
#undef PACKAGE_TARNAME
#undef PACKAGE_URL
#undef PACKAGE_VERSION

#include "sim/sim_snmp.h"
#include "sim/scenario.h"
#include "sim/simdata.h"
#include "sim/snmprec.h"
#include "sim/twmib.h"
#include "buf.h"
#include "log.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
#include <net-snmp/agent/agent_callbacks.h>
#include <net-snmp/library/snmp_logging.h>
#include <net-snmp/library/vacm.h>

/* In libnetsnmpmibs, declared by no installed header (see TOOLCHAIN.md). */
void init_vacm_vars(void);
void init_usmUser(void);

#define SIM_APP "thinwatch-sim"
#define REFRESH_SECONDS 0.05 /* recompute growing values at most this often */
#define DELAY_QUEUE_MAX 4096 /* answers held back by a delay fault, per array */

/* ---- personalities (SNMP rendering of a scenario array) ---- */

struct personality {
	const char *name;
	/* Build the table; *state is handed back to refresh and close. */
	tw_err (*open)(const struct sim_array *a, struct simdata **sd, void **state, char *msg,
		       size_t msglen);
	/* Bring time-dependent values to scenario time t_ns (may be NULL). */
	void (*refresh)(void *state, uint64_t t_ns, uint32_t uptime_ticks);
	void (*close)(void *state);
};

static tw_err thinwatch_open(const struct sim_array *a, struct simdata **sd, void **state,
			     char *msg, size_t msglen)
{
	struct twmib *m;
	tw_err e = twmib_new(a, &m, msg, msglen);
	if (e)
		return e;
	*sd = twmib_data(m);
	*state = m;
	return TW_OK;
}

static void thinwatch_refresh(void *state, uint64_t t_ns, uint32_t ticks)
{
	twmib_update(state, t_ns, ticks);
}

static void thinwatch_close(void *state)
{
	twmib_free(state);
}

static tw_err snmprec_open(const struct sim_array *a, struct simdata **sd, void **state,
			   char *msg, size_t msglen)
{
	struct simdata *d = simdata_new();
	size_t records = 0, dups = 0;
	char num[3][32];
	tw_err e;

	if (!d)
		return tw_seterr(msg, msglen, TW_ERR_NOMEM, "out of memory");
	if ((e = snmprec_load_file(a->file, d, &records, msg, msglen))) {
		simdata_free(d);
		return e;
	}
	if ((e = simdata_finish(d, &dups))) {
		simdata_free(d);
		return tw_seterr(msg, msglen, e, "%s: %s", a->file, tw_strerror(e));
	}
	if (!simdata_count(d)) {
		simdata_free(d);
		return tw_seterr(msg, msglen, TW_ERR_INVALID_DATA, "%s: no records", a->file);
	}
	snprintf(num[0], sizeof num[0], "%zu", records);
	snprintf(num[1], sizeof num[1], "%zu", dups);
	snprintf(num[2], sizeof num[2], "%zu", simdata_count(d));
	tw_log(dups ? TW_LOG_WARN : TW_LOG_INFO, "recording loaded", "array", a->name, "file",
	       a->file, "records", num[0], "duplicates_dropped", num[1], "oids", num[2], NULL);
	*sd = d;
	*state = d;
	return TW_OK;
}

static void snmprec_close(void *state)
{
	simdata_free(state);
}

static const struct personality personalities[] = {
	{ SIM_PERSONALITY_THINWATCH, thinwatch_open, thinwatch_refresh, thinwatch_close },
	{ SIM_PERSONALITY_SNMPREC, snmprec_open, NULL, snmprec_close },
};

/* ---- the agent ---- */

/* An answer held back by a delay fault: the encoded packet and a copy of
 * the transport's address data (whom to send it to, from where). */
struct delayed {
	struct delayed *next;
	double due;               /* monotonic */
	void *opaque;
	int olen;
	int len;
	unsigned char data[];
};

typedef int (*transport_io)(netsnmp_transport *, void *, int, void **, int *);
typedef int (*transport_send)(netsnmp_transport *, const void *, int, void **, int *);

struct served {
	const struct sim_array *arr;
	const struct personality *pers;
	void *state;
	struct simdata *sd;
	unsigned port;
	char address[300];        /* "udp:HOST:PORT" */
	size_t hint;              /* last GETNEXT answer, for O(1) walks */
	double refreshed;         /* monotonic time of the last refresh */
	/* faults */
	struct sim_fault fault;
	struct sim_snmp_stats st;
	transport_io orig_recv;   /* the UDP transport's own functions */
	transport_send orig_send;
	netsnmp_transport *transport; /* owned by net-snmp once registered */
	uint32_t *ordinal;        /* per entry: its row within its column (0-based) */
	unsigned char *first_col; /* per entry: 1 if in its table's first column */
	size_t cut;               /* endofmib: first entry out of view, or SIMDATA_NONE */
	struct delayed *dq_head, *dq_tail;
	size_t dq_len;
	uint64_t rng;             /* garbage bytes */
};

/* A transport with a way back to its array: net-snmp hands f_send/f_recv
 * only the transport, and frees it with free() (t comes first). */
struct hooked_transport {
	netsnmp_transport t;
	struct served *sv;
};

struct sim_snmp {
	const struct sim_scenario *sc;
	struct served *arrays;
	size_t n;
	double speed;
	double start;             /* monotonic */
	char tmpdir[256];         /* net-snmp's persistent directory */
	int agent_up;             /* init_agent done: snmp_shutdown needed */
	size_t last;              /* array of the previous request (cache) */
};

static int log_cb(int major, int minor, void *serverarg, void *clientarg)
{
	const struct snmp_log_message *m = serverarg;
	enum tw_log_level lvl;
	char text[1024];
	size_t n;

	(void)major;
	(void)minor;
	(void)clientarg;
	if (!m || !m->msg)
		return 0;
	n = strlen(m->msg);
	while (n && (m->msg[n - 1] == '\n' || m->msg[n - 1] == ' '))
		n--;
	if (!n)
		return 0;
	snprintf(text, sizeof text, "%.*s", (int)n, m->msg);
	lvl = m->priority <= LOG_ERR ? TW_LOG_ERROR
	      : m->priority <= LOG_WARNING ? TW_LOG_WARN
	      : m->priority <= LOG_INFO ? TW_LOG_INFO
					: TW_LOG_DEBUG;
	tw_log(lvl, "net-snmp", "detail", text, NULL);
	return 0;
}

/* Which served array a PDU arrived for: by the local UDP port. */
static struct served *served_for_pdu(struct sim_snmp *s, const netsnmp_pdu *pdu)
{
	const netsnmp_indexed_addr_pair *ap = pdu->transport_data;
	unsigned port;

	if (!ap || pdu->transport_data_length < (int)sizeof *ap ||
	    ap->local_addr.sa.sa_family != AF_INET)
		return NULL;
	port = ntohs(ap->local_addr.sin.sin_port);
	if (s->last < s->n && s->arrays[s->last].port == port)
		return &s->arrays[s->last];
	for (size_t i = 0; i < s->n; i++)
		if (s->arrays[i].port == port) {
			s->last = i;
			return &s->arrays[i];
		}
	return NULL;
}

static int user_allowed(const struct served *a, const char *name, size_t len)
{
	for (size_t i = 0; i < a->arr->snmp.nusers; i++) {
		const char *u = a->arr->snmp.users[i].name;
		if (strlen(u) == len && memcmp(u, name, len) == 0)
			return 1;
	}
	return 0;
}

/* ACM hook, before VACM looks at the request: the credentials must be this
 * array's.  v1/v2c requests failing it are dropped, v3 ones refused. */
static int acm_check(int major, int minor, void *serverarg, void *clientarg)
{
	struct view_parameters *vp = serverarg;
	struct sim_snmp *s = *(struct sim_snmp **)clientarg;
	const netsnmp_pdu *pdu;
	struct served *a;

	(void)major;
	(void)minor;
	if (!vp || !(pdu = vp->pdu))
		return 0;
	a = served_for_pdu(s, pdu);
	if (!a) {
		vp->errorcode = VACM_NOACCESS;
		return 0;
	}
	if (a->fault.type == SIM_FAULT_AUTH) { /* every credential is wrong */
		a->st.refused++;
		vp->errorcode = VACM_NOSECNAME;
		return 0;
	}
	if (pdu->version == SNMP_VERSION_3) {
		if (!pdu->securityName || !user_allowed(a, pdu->securityName, pdu->securityNameLen))
			vp->errorcode = VACM_NOSECNAME;
	} else {
		const char *c = a->arr->snmp.community;
		if (!c || !pdu->community || strlen(c) != pdu->community_len ||
		    memcmp(c, pdu->community, pdu->community_len) != 0)
			vp->errorcode = VACM_NOSECNAME;
	}
	return 0;
}

/* net-snmp OID vs simdata sub-ids, lexicographically. */
static int oid_cmp_u32(const oid *a, size_t alen, const uint32_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/* ACM hook per varbind (the view): under the endofmib fault everything
 * from the cut on is out of view, so the agent itself answers GETNEXT and
 * GETBULK beyond it with endOfMibView and GET with noSuchObject. */
static int view_check(int major, int minor, void *serverarg, void *clientarg)
{
	struct view_parameters *vp = serverarg;
	struct sim_snmp *s = *(struct sim_snmp **)clientarg;
	const struct served *a;
	const uint32_t *cut;
	size_t clen;

	(void)major;
	(void)minor;
	if (!vp || !vp->pdu || !vp->name || vp->errorcode)
		return 0;
	a = served_for_pdu(s, vp->pdu);
	if (!a || a->fault.type != SIM_FAULT_ENDOFMIB || a->cut == SIMDATA_NONE)
		return 0;
	cut = simdata_name(a->sd, a->cut, &clen);
	if (oid_cmp_u32(vp->name, vp->namelen, cut, clen) >= 0)
		vp->errorcode = VACM_NOTINVIEW;
	return 0;
}

/* Row faults need every entry's row number within its column and whether
 * it lies in its table's first column ("row": OIDs that differ only in the
 * last sub-id; "table": OIDs that share all but the last two).  Built once
 * per array, when such a fault is first set: the set of OIDs is frozen. */
static tw_err index_rows(struct served *a)
{
	size_t n = simdata_count(a->sd), tstart = 0;

	if (a->ordinal)
		return TW_OK;
	a->ordinal = calloc(n ? n : 1, sizeof *a->ordinal);
	a->first_col = calloc(n ? n : 1, 1);
	if (!a->ordinal || !a->first_col) {
		free(a->ordinal);
		free(a->first_col);
		a->ordinal = NULL;
		a->first_col = NULL;
		return TW_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		size_t len, plen = 0, tlen;
		const uint32_t *o = simdata_name(a->sd, i, &len);
		const uint32_t *prev = i ? simdata_name(a->sd, i - 1, &plen) : NULL;
		const uint32_t *t0 = simdata_name(a->sd, tstart, &tlen);

		if (prev && len >= 2 && plen == len && memcmp(o, prev, (len - 1) * sizeof *o) == 0)
			a->ordinal[i] = a->ordinal[i - 1] + 1;
		if (len < 2 || tlen != len || memcmp(o, t0, (len - 2) * sizeof *o) != 0) {
			tstart = i; /* a new table (or a lone scalar) */
			t0 = o;
		}
		a->first_col[i] = len < 2 || o[len - 2] == t0[len - 2];
	}
	return TW_OK;
}

/* Apply loop / vanish / endofmib to the entry a GETNEXT would answer. */
static size_t row_fault(const struct served *a, size_t i)
{
	if (i == SIMDATA_NONE || !a->ordinal)
		return i;
	switch (a->fault.type) {
	case SIM_FAULT_ENDOFMIB:
		/* nothing from here: the agent moves on, finds the rest out of
		 * view (view_check) and answers endOfMibView */
		return a->cut != SIMDATA_NONE && i >= a->cut ? SIMDATA_NONE : i;
	case SIM_FAULT_LOOP:
		return a->ordinal[i] >= a->fault.rows ? i - a->ordinal[i] : i;
	case SIM_FAULT_VANISH:
		while (i != SIMDATA_NONE && a->ordinal[i] >= a->fault.rows && !a->first_col[i]) {
			size_t len;
			const uint32_t *o = simdata_name(a->sd, i, &len);
			i = simdata_after_subtree(a->sd, o, len - 1); /* the next column */
		}
		return i;
	default:
		return i;
	}
}

static void refresh(struct sim_snmp *s, struct served *a)
{
	double now;
	if (!a->pers->refresh)
		return;
	now = tw_now_mono();
	if (now - a->refreshed < REFRESH_SECONDS && a->refreshed > 0)
		return;
	a->refreshed = now;
	a->pers->refresh(a->state, sim_time_ns((now - s->start) * s->speed),
			 (uint32_t)(uint64_t)((now - s->start) * 100.0));
}

static void set_value(netsnmp_variable_list *vb, const struct served *a, size_t i)
{
	const struct simdata *sd = a->sd;
	const struct simdata_entry *en = simdata_entry(sd, i);
	size_t n;

	switch (en->type) {
	case SIMDATA_INTEGER: {
		long v = (long)en->v.i;
		snmp_set_var_typed_value(vb, ASN_INTEGER, &v, sizeof v);
		break;
	}
	case SIMDATA_COUNTER32:
	case SIMDATA_GAUGE32:
	case SIMDATA_TIMETICKS: {
		u_long v = (u_long)en->v.u;
		snmp_set_var_typed_value(vb, en->type, &v, sizeof v);
		break;
	}
	case SIMDATA_COUNTER64: {
		struct counter64 c;
		uint64_t v = a->fault.type == SIM_FAULT_C64MAX ? UINT64_MAX : en->v.u;
		if (a->fault.type == SIM_FAULT_WRONG_TYPE) { /* the 8 bytes, big-endian */
			unsigned char b[8];
			for (int k = 0; k < 8; k++)
				b[k] = (unsigned char)(v >> (56 - 8 * k));
			snmp_set_var_typed_value(vb, ASN_OCTET_STR, b, sizeof b);
			break;
		}
		c.high = (u_long)(v >> 32);
		c.low = (u_long)(v & 0xffffffffu);
		snmp_set_var_typed_value(vb, ASN_COUNTER64, &c, sizeof c);
		break;
	}
	case SIMDATA_OID: {
		oid val[SIMDATA_MAX_OID];
		const uint32_t *ids = simdata_oid_value(sd, i, &n);
		for (size_t k = 0; k < n; k++)
			val[k] = ids[k];
		snmp_set_var_typed_value(vb, ASN_OBJECT_ID, val, n * sizeof *val);
		break;
	}
	case SIMDATA_NULL:
		snmp_set_var_typed_value(vb, ASN_NULL, NULL, 0);
		break;
	default: { /* OCTETS IPADDRESS OPAQUE */
		const unsigned char *p = simdata_bytes(sd, i, &n);
		snmp_set_var_typed_value(vb, en->type, p, n);
		break;
	}
	}
}

/* Request OID -> uint32 sub-ids.  Returns the length, or the position of the
 * first sub-id that does not fit in 32 bits as -(pos + 1). */
static long to_u32(const oid *name, size_t len, uint32_t *out)
{
	for (size_t i = 0; i < len; i++) {
		if (name[i] > UINT32_MAX)
			return -(long)i - 1;
		out[i] = (uint32_t)name[i];
	}
	return (long)len;
}

static void answer_get(netsnmp_agent_request_info *reqinfo, netsnmp_request_info *r,
		       const struct served *a)
{
	const struct simdata *sd = a->sd;
	netsnmp_variable_list *vb = r->requestvb;
	uint32_t want[SIMDATA_MAX_OID];
	long len = vb->name_length <= SIMDATA_MAX_OID ? to_u32(vb->name, vb->name_length, want) : -1;
	size_t i;

	if (len > 0 && (i = simdata_find(sd, want, (size_t)len)) != SIMDATA_NONE) {
		if (a->ordinal && a->fault.type == SIM_FAULT_VANISH &&
		    a->ordinal[i] >= a->fault.rows && !a->first_col[i]) {
			netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHINSTANCE);
			return;
		}
		set_value(vb, a, i);
		return;
	}
	netsnmp_set_request_error(reqinfo, r,
				  len > 1 && simdata_has_subtree(sd, want, (size_t)len - 1)
					  ? SNMP_NOSUCHINSTANCE
					  : SNMP_NOSUCHOBJECT);
}

static void answer_getnext(netsnmp_request_info *r, struct served *a)
{
	netsnmp_variable_list *vb = r->requestvb;
	const struct simdata *sd = a->sd;
	uint32_t want[SIMDATA_MAX_OID];
	oid name[SIMDATA_MAX_OID];
	long len;
	size_t i = SIMDATA_NONE, n;
	const uint32_t *ids;

	if (vb->name_length > SIMDATA_MAX_OID)
		return;
	len = to_u32(vb->name, vb->name_length, want);
	if (len < 0) { /* a sub-id beyond 32 bits: skip everything under its prefix */
		size_t pos = (size_t)(-len - 1);
		want[pos] = UINT32_MAX;
		i = simdata_after_subtree(sd, want, pos + 1);
	} else if (r->inclusive && (i = simdata_find(sd, want, (size_t)len)) != SIMDATA_NONE) {
		/* the asked OID itself */
	} else {
		i = simdata_next(sd, want, (size_t)len, a->hint);
	}
	i = row_fault(a, i);
	if (i == SIMDATA_NONE)
		return; /* nothing after it here: the agent moves on (endOfMibView) */
	ids = simdata_name(sd, i, &n);
	for (size_t k = 0; k < n; k++)
		name[k] = ids[k];
	/* Past the end of this registration's slice (the agent's own objects own
	 * the next one): leave it to the agent, which comes back after them. */
	if (r->range_end && snmp_oid_compare(name, n, r->range_end, r->range_end_len) >= 0)
		return;
	a->hint = i;
	snmp_set_var_objid(vb, name, n);
	set_value(vb, a, i);
}

static int handler(netsnmp_mib_handler *h, netsnmp_handler_registration *reginfo,
		   netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	struct sim_snmp *s = h->myvoid;
	struct served *a = served_for_pdu(s, reqinfo->asp->pdu);
	netsnmp_request_info *r;

	(void)reginfo;
	if (a)
		refresh(s, a);
	for (r = requests; r; r = r->next) {
		if (r->processed)
			continue;
		switch (reqinfo->mode) {
		case MODE_GET:
			if (a)
				answer_get(reqinfo, r, a);
			else
				netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHOBJECT);
			break;
		case MODE_GETNEXT:
			if (a)
				answer_getnext(r, a);
			break;
		default:
			netsnmp_set_request_error(reqinfo, r, SNMP_ERR_NOTWRITABLE);
			break;
		}
	}
	return SNMP_ERR_NOERROR;
}

/* ---- wire faults: hooks on each array's UDP transport ---- */

static struct served *transport_array(netsnmp_transport *t)
{
	return ((struct hooked_transport *)t)->sv;
}

static int hook_recv(netsnmp_transport *t, void *buf, int size, void **opaque, int *olen)
{
	struct served *a = transport_array(t);
	int n = a->orig_recv(t, buf, size, opaque, olen);
	if (n > 0)
		a->st.requests++;
	return n;
}

static unsigned char rand_byte(struct served *a)
{
	a->rng ^= a->rng << 13;
	a->rng ^= a->rng >> 7;
	a->rng ^= a->rng << 17;
	return (unsigned char)(a->rng >> 24);
}

/* Hold an answer back until now + delay_ms; 0 or -1 (not queued). */
static int delay_push(struct served *a, const void *buf, int size, void *const *opaque, int olen)
{
	struct delayed *d;

	if (a->dq_len >= DELAY_QUEUE_MAX || size < 0)
		return -1;
	d = malloc(sizeof *d + (size_t)size);
	if (!d)
		return -1;
	d->next = NULL;
	d->due = tw_now_mono() + a->fault.delay_ms / 1000.0;
	d->len = size;
	memcpy(d->data, buf, (size_t)size);
	d->olen = olen;
	d->opaque = NULL;
	if (opaque && *opaque && olen > 0) {
		if (!(d->opaque = malloc((size_t)olen))) {
			free(d);
			return -1;
		}
		memcpy(d->opaque, *opaque, (size_t)olen);
	}
	if (a->dq_tail)
		a->dq_tail->next = d;
	else
		a->dq_head = d;
	a->dq_tail = d;
	a->dq_len++;
	return 0;
}

/* Send the held-back answers that are due (all = 1: discard every one). */
static void delay_flush(struct served *a, double now, int all)
{
	while (a->dq_head && (all || a->dq_head->due <= now)) {
		struct delayed *d = a->dq_head;
		a->dq_head = d->next;
		if (!a->dq_head)
			a->dq_tail = NULL;
		a->dq_len--;
		if (!all && a->orig_send(a->transport, d->data, d->len, &d->opaque, &d->olen) >= 0)
			a->st.responses++;
		free(d->opaque);
		free(d);
	}
}

static int hook_send(netsnmp_transport *t, const void *buf, int size, void **opaque, int *olen)
{
	struct served *a = transport_array(t);
	unsigned char *g;
	int rc;

	switch (a->fault.type) {
	case SIM_FAULT_DROP:
		a->st.dropped++;
		return size; /* "sent" */
	case SIM_FAULT_DELAY:
		if (delay_push(a, buf, size, opaque, olen ? *olen : 0))
			a->st.dropped++;
		else
			a->st.delayed++;
		return size;
	case SIM_FAULT_GARBAGE:
		if (size <= 0 || !(g = malloc((size_t)size))) {
			a->st.dropped++;
			return size;
		}
		for (int k = 0; k < size; k++)
			g[k] = rand_byte(a);
		g[0] = 0x30; /* starts like a BER SEQUENCE, goes nowhere */
		rc = a->orig_send(t, g, size, opaque, olen);
		free(g);
		break;
	case SIM_FAULT_TRUNCATE:
		rc = a->orig_send(t, buf, size / 2, opaque, olen);
		break;
	default:
		rc = a->orig_send(t, buf, size, opaque, olen);
		if (rc >= 0)
			a->st.responses++;
		return rc;
	}
	if (rc >= 0) {
		a->st.responses++;
		a->st.garbled++;
	}
	return rc < 0 ? rc : size;
}

/* Open the array's UDP port and register it with the agent, wrapped. */
static tw_err open_transport(struct served *a, char *msg, size_t msglen)
{
	netsnmp_transport *raw = netsnmp_transport_open_server("snmp", a->address);
	struct hooked_transport *h;

	if (!raw)
		return tw_seterr(msg, msglen, TW_ERR_IO,
				 "array '%s': cannot listen on %s (address in use or not local?)",
				 a->arr->name, a->address);
	if (raw->f_open || !(h = calloc(1, sizeof *h))) {
		int wrap = raw->f_open != NULL;
		netsnmp_transport_free(raw);
		return wrap ? tw_seterr(msg, msglen, TW_ERR_INTERNAL,
					"array '%s': this net-snmp's UDP transport cannot be wrapped",
					a->arr->name)
			    : tw_seterr(msg, msglen, TW_ERR_NOMEM, "out of memory");
	}
	h->t = *raw; /* the members now belong to h->t; net-snmp frees h as a transport */
	free(raw);
	h->sv = a;
	a->orig_recv = h->t.f_recv;
	a->orig_send = h->t.f_send;
	h->t.f_recv = hook_recv;
	h->t.f_send = hook_send;
	a->transport = &h->t;
	if (netsnmp_register_agent_nsap(&h->t) <= 0) {
		a->transport = NULL; /* left to net-snmp: its failure paths differ */
		return tw_seterr(msg, msglen, TW_ERR_INTERNAL,
				 "array '%s': cannot register %s with the agent", a->arr->name,
				 a->address);
	}
	return TW_OK;
}

size_t sim_snmp_find(const struct sim_snmp *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->arrays[i].arr->name, name) == 0)
			return i;
	return SIM_SNMP_NONE;
}

tw_err sim_snmp_set_fault(struct sim_snmp *s, size_t i, const struct sim_fault *f, char *msg,
			  size_t msglen)
{
	struct served *a;
	char was[64], now[64];
	tw_err e;

	if (i >= s->n)
		return tw_seterr(msg, msglen, TW_ERR_NOT_FOUND, "no such SNMP array");
	if ((e = sim_fault_check(f, msg, msglen)))
		return e;
	a = &s->arrays[i];
	if ((f->type == SIM_FAULT_ENDOFMIB || f->type == SIM_FAULT_LOOP ||
	     f->type == SIM_FAULT_VANISH) &&
	    index_rows(a))
		return tw_seterr(msg, msglen, TW_ERR_NOMEM, "out of memory");
	sim_fault_describe(&a->fault, was, sizeof was);
	a->fault = *f;
	if (a->fault.rows == 0)
		a->fault.rows = 1;
	a->cut = SIMDATA_NONE;
	if (a->fault.type == SIM_FAULT_ENDOFMIB)
		for (size_t k = 0; k < simdata_count(a->sd); k++)
			if (a->ordinal[k] >= a->fault.rows) {
				a->cut = k;
				break;
			}
	a->hint = SIMDATA_NONE;
	sim_fault_describe(&a->fault, now, sizeof now);
	if (strcmp(was, now) != 0)
		tw_log(TW_LOG_INFO, "fault set", "array", a->arr->name, "fault", now, "was", was, NULL);
	return TW_OK;
}

const struct sim_fault *sim_snmp_get_fault(const struct sim_snmp *s, size_t i)
{
	return &s->arrays[i].fault;
}

void sim_snmp_get_stats(const struct sim_snmp *s, size_t i, struct sim_snmp_stats *out)
{
	*out = s->arrays[i].st;
}

/* ---- configuration ---- */

/* Append s as a quoted net-snmp config token. */
static void put_quoted(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_putc(b, '\\');
		buf_putc(b, *s);
	}
	buf_putc(b, '"');
}

static tw_err remember(struct buf *b)
{
	if (buf_failed(b))
		return TW_ERR_NOMEM;
	netsnmp_config_remember(b->data); /* copies the line */
	buf_reset(b);
	return TW_OK;
}

static int same_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Protocols are canonical static strings, so pointers compare. */
static int same_user(const struct sim_snmp_user *x, const struct sim_snmp_user *y)
{
	return x->auth_protocol == y->auth_protocol && x->priv_protocol == y->priv_protocol &&
	       same_str(x->auth_password, y->auth_password) &&
	       same_str(x->priv_password, y->priv_password);
}

/* rocommunity / createUser / rouser lines, each credential once. */
static tw_err configure(struct sim_snmp *s, char *msg, size_t msglen)
{
	struct buf b;
	tw_err e = TW_OK;

	buf_init(&b, 4096);
	for (size_t i = 0; i < s->n && !e; i++) {
		const struct sim_snmp_conf *c = &s->arrays[i].arr->snmp;
		int seen = 0;
		for (size_t j = 0; j < i && c->community; j++) {
			const char *o = s->arrays[j].arr->snmp.community;
			if (o && strcmp(o, c->community) == 0)
				seen = 1;
		}
		if (c->community && !seen) {
			buf_puts(&b, "rocommunity ");
			put_quoted(&b, c->community);
			e = remember(&b);
		}
		for (size_t u = 0; u < c->nusers && !e; u++) {
			const struct sim_snmp_user *usr = &c->users[u];
			seen = 0;
			for (size_t j = 0; j < i && !seen && !e; j++) {
				const struct sim_snmp_conf *o = &s->arrays[j].arr->snmp;
				for (size_t k = 0; k < o->nusers; k++) {
					if (strcmp(o->users[k].name, usr->name) != 0)
						continue;
					seen = 1;
					if (!same_user(&o->users[k], usr))
						e = tw_seterr(msg, msglen, TW_ERR_CONFIG,
							      "arrays '%s' and '%s' both define SNMPv3 "
							      "user '%s' with different settings; USM users "
							      "are shared by the whole simulator: use "
							      "another name", s->arrays[j].arr->name,
							      s->arrays[i].arr->name, usr->name);
					break;
				}
			}
			if (seen || e)
				continue;
			buf_puts(&b, "createUser ");
			put_quoted(&b, usr->name);
			if (usr->auth_protocol) {
				buf_printf(&b, " %s ", usr->auth_protocol);
				put_quoted(&b, usr->auth_password);
				if (usr->priv_protocol) {
					buf_printf(&b, " %s ", usr->priv_protocol);
					put_quoted(&b, usr->priv_password);
				}
			}
			if ((e = remember(&b)))
				break;
			buf_puts(&b, "rouser ");
			put_quoted(&b, usr->name);
			buf_puts(&b, usr->priv_protocol ? " priv" : usr->auth_protocol ? " auth" : " noauth");
			e = remember(&b);
		}
	}
	buf_free(&b);
	if (e == TW_ERR_NOMEM)
		tw_seterr(msg, msglen, e, "out of memory");
	return e;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static tw_err make_tmpdir(struct sim_snmp *s, char *msg, size_t msglen)
{
	const char *base = getenv("TMPDIR");
	char sub[300];
	int n = snprintf(s->tmpdir, sizeof s->tmpdir, "%s/thinwatch-sim.XXXXXX",
			 base && *base ? base : "/tmp");
	if (n < 0 || (size_t)n >= sizeof s->tmpdir || !mkdtemp(s->tmpdir)) {
		s->tmpdir[0] = '\0';
		return tw_seterr(msg, msglen, TW_ERR_IO, "cannot create a temporary directory: %s",
				 strerror(errno));
	}
	/* what net-snmp would otherwise create (and announce) itself */
	snprintf(sub, sizeof sub, "%s/cert_indexes", s->tmpdir);
	if (mkdir(sub, 0700) != 0)
		return tw_seterr(msg, msglen, TW_ERR_IO, "%s: %s", sub, strerror(errno));
	return TW_OK;
}

static tw_err open_arrays(struct sim_snmp *s, char *msg, size_t msglen)
{
	const struct sim_scenario *sc = s->sc;

	s->arrays = calloc(sc->narrays ? sc->narrays : 1, sizeof *s->arrays);
	if (!s->arrays)
		return tw_seterr(msg, msglen, TW_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < sc->narrays; i++) {
		const struct sim_array *a = &sc->arrays[i];
		struct served *sv;
		char host[256];
		size_t p;
		tw_err e;

		if (!a->snmp.enabled)
			continue;
		for (p = 0; p < TW_ARRAY_LEN(personalities); p++)
			if (strcmp(personalities[p].name, a->personality) == 0)
				break;
		if (p == TW_ARRAY_LEN(personalities))
			return tw_seterr(msg, msglen, TW_ERR_CONFIG,
					 "array '%s': personality %s has no SNMP rendering", a->name,
					 a->personality);
		sv = &s->arrays[s->n];
		sv->arr = a;
		sv->pers = &personalities[p];
		sv->hint = SIMDATA_NONE;
		sv->cut = SIMDATA_NONE;
		sim_fault_init(&sv->fault);
		if (!a->snmp.listen)
			return tw_seterr(msg, msglen, TW_ERR_CONFIG, "array '%s' has no listen address",
					 a->name);
		if ((e = sim_listen_parse(a->snmp.listen, host, sizeof host, &sv->port, msg, msglen)))
			return e;
		snprintf(sv->address, sizeof sv->address, "udp:%s:%u", host, sv->port);
		sv->rng = 0x9e3779b97f4a7c15ULL ^ sv->port;
		if ((e = sv->pers->open(a, &sv->sd, &sv->state, msg, msglen)))
			return e;
		s->n++;
		if ((e = sim_snmp_set_fault(s, s->n - 1, &a->fault, msg, msglen)))
			return e;
	}
	if (!s->n)
		return tw_seterr(msg, msglen, TW_ERR_CONFIG, "no array is served over SNMP");
	return TW_OK;
}

tw_err sim_snmp_start(const struct sim_scenario *sc, double speed, struct sim_snmp **out,
		      char *msg, size_t msglen)
{
	static const oid root[] = { 1, 3, 6, 1 };
	struct sim_snmp *s = calloc(1, sizeof *s);
	netsnmp_handler_registration *reg;
	struct sim_snmp **box;
	char no_smux[] = "-smux"; /* no SMUX listener (it would bind 0.0.0.0:199) */
	tw_err e;

	*out = NULL;
	if (!s)
		return tw_seterr(msg, msglen, TW_ERR_NOMEM, "out of memory");
	s->sc = sc;
	s->speed = speed;
	if ((e = open_arrays(s, msg, msglen)) || (e = make_tmpdir(s, msg, msglen)))
		goto fail;

	/* net-snmp: no MIB files, no config files, no state under /var/lib/snmp */
	setenv("MIBS", "", 1);
	netsnmp_register_loghandler(NETSNMP_LOGHANDLER_CALLBACK, LOG_DEBUG);
	snmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_LOGGING, log_cb, NULL);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_PERSISTENT_DIR, s->tmpdir);
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 0); /* master */
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID,
			       NETSNMP_DS_AGENT_DONT_LOG_TCPWRAPPERS_CONNECTS, 1);

	add_to_init_list(no_smux);
	SOCK_STARTUP;
	init_agent(SIM_APP);
	s->agent_up = 1;
	init_vacm_vars();
	init_usmUser();
	reg = netsnmp_create_handler_registration("thinwatch-sim", handler, root,
						  OID_LENGTH(root), HANDLER_CAN_RONLY);
	if (!reg) {
		e = tw_seterr(msg, msglen, TW_ERR_NOMEM, "out of memory");
		goto fail;
	}
	reg->handler->myvoid = s;
	if (netsnmp_register_handler(reg) != MIB_REGISTERED_OK) {
		e = tw_seterr(msg, msglen, TW_ERR_INTERNAL, "cannot register the SNMP handler");
		goto fail;
	}
	/* net-snmp frees a callback's client argument at shutdown: hand it a box */
	if (!(box = malloc(sizeof *box))) {
		e = tw_seterr(msg, msglen, TW_ERR_NOMEM, "out of memory");
		goto fail;
	}
	*box = s;
	if (snmp_register_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_ACM_CHECK_INITIAL,
				   acm_check, box) != SNMPERR_SUCCESS) {
		free(box);
		e = tw_seterr(msg, msglen, TW_ERR_INTERNAL, "cannot register the access check");
		goto fail;
	}
	if (!(box = malloc(sizeof *box))) {
		e = tw_seterr(msg, msglen, TW_ERR_NOMEM, "out of memory");
		goto fail;
	}
	*box = s;
	if (snmp_register_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_ACM_CHECK,
				   view_check, box) != SNMPERR_SUCCESS) {
		free(box);
		e = tw_seterr(msg, msglen, TW_ERR_INTERNAL, "cannot register the view check");
		goto fail;
	}
	if ((e = configure(s, msg, msglen)))
		goto fail;
	init_snmp(SIM_APP);
	/* What init_master_agent() does, with our own (wrapped) transports. */
	netsnmp_set_lookup_cache_size(-1);
	for (size_t i = 0; i < s->n; i++)
		if ((e = open_transport(&s->arrays[i], msg, msglen)))
			goto fail;
	s->start = tw_now_mono();
	*out = s;
	return TW_OK;
fail:
	sim_snmp_stop(s);
	return e;
}

void sim_snmp_stop(struct sim_snmp *s)
{
	if (!s)
		return;
	if (s->agent_up) {
		snmp_shutdown(SIM_APP);
		shutdown_master_agent();
		SOCK_CLEANUP;
	}
	for (size_t i = 0; i < s->n; i++) {
		struct served *a = &s->arrays[i];
		delay_flush(a, 0, 1); /* the transports are gone: discard */
		free(a->ordinal);
		free(a->first_col);
		if (a->pers)
			a->pers->close(a->state);
	}
	free(s->arrays);
	if (s->tmpdir[0])
		nftw(s->tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(s);
}

size_t sim_snmp_count(const struct sim_snmp *s)
{
	return s->n;
}

const char *sim_snmp_name(const struct sim_snmp *s, size_t i)
{
	return s->arrays[i].arr->name;
}

const char *sim_snmp_address(const struct sim_snmp *s, size_t i)
{
	return s->arrays[i].address;
}

size_t sim_snmp_entries(const struct sim_snmp *s, size_t i)
{
	return simdata_count(s->arrays[i].sd);
}

void sim_snmp_prepare(struct sim_snmp *s, int *nfds, fd_set *rfds, struct timeval *tv)
{
	struct timeval t = *tv;
	int block = 1;
	double due = 0;

	snmp_select_info(nfds, rfds, &t, &block);
	if (!block && timercmp(&t, tv, <))
		*tv = t;
	/* answers held back by a delay fault */
	for (size_t i = 0; i < s->n; i++) {
		const struct delayed *d = s->arrays[i].dq_head;
		if (d && (due == 0 || d->due < due))
			due = d->due;
	}
	if (due > 0) {
		double wait = due - tw_now_mono();
		struct timeval w;
		if (wait < 0)
			wait = 0;
		w.tv_sec = (time_t)wait;
		w.tv_usec = (suseconds_t)((wait - (double)w.tv_sec) * 1e6);
		if (timercmp(&w, tv, <))
			*tv = w;
	}
}

void sim_snmp_process(struct sim_snmp *s, fd_set *rfds, int ready)
{
	double now;

	if (ready > 0)
		snmp_read(rfds);
	else if (ready == 0)
		snmp_timeout();
	run_alarms();
	netsnmp_check_outstanding_agent_requests();
	now = tw_now_mono();
	for (size_t i = 0; i < s->n; i++)
		delay_flush(&s->arrays[i], now, 0);
}
