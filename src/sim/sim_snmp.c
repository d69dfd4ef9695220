/* sim_snmp.c: the simulator's SNMP agent on net-snmp's agent library (see
 * sim_snmp.h).  Three parts: personalities turn a scenario array into a
 * sorted OID table; configuration feeds net-snmp communities and USM users in
 * memory; the request path maps a request to its array by the local port,
 * checks the credentials against that array (an ACM callback) and answers
 * from the table. */
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

struct served {
	const struct sim_array *arr;
	const struct personality *pers;
	void *state;
	struct simdata *sd;
	unsigned port;
	char address[300];        /* "udp:HOST:PORT" */
	size_t hint;              /* last GETNEXT answer, for O(1) walks */
	double refreshed;         /* monotonic time of the last refresh */
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
	const struct served *a;

	(void)major;
	(void)minor;
	if (!vp || !(pdu = vp->pdu))
		return 0;
	a = served_for_pdu(s, pdu);
	if (!a) {
		vp->errorcode = VACM_NOACCESS;
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

static void set_value(netsnmp_variable_list *vb, const struct simdata *sd, size_t i)
{
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
		c.high = (u_long)(en->v.u >> 32);
		c.low = (u_long)(en->v.u & 0xffffffffu);
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
		       const struct simdata *sd)
{
	netsnmp_variable_list *vb = r->requestvb;
	uint32_t want[SIMDATA_MAX_OID];
	long len = vb->name_length <= SIMDATA_MAX_OID ? to_u32(vb->name, vb->name_length, want) : -1;
	size_t i;

	if (len > 0 && (i = simdata_find(sd, want, (size_t)len)) != SIMDATA_NONE) {
		set_value(vb, sd, i);
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
	set_value(vb, sd, i);
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
				answer_get(reqinfo, r, a->sd);
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

static tw_err open_arrays(struct sim_snmp *s, struct buf *ports, char *msg, size_t msglen)
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
		if (!a->snmp.listen)
			return tw_seterr(msg, msglen, TW_ERR_CONFIG, "array '%s' has no listen address",
					 a->name);
		if ((e = sim_listen_parse(a->snmp.listen, host, sizeof host, &sv->port, msg, msglen)))
			return e;
		snprintf(sv->address, sizeof sv->address, "udp:%s:%u", host, sv->port);
		if ((e = sv->pers->open(a, &sv->sd, &sv->state, msg, msglen)))
			return e;
		s->n++;
		if (ports->len)
			buf_putc(ports, ',');
		buf_puts(ports, sv->address);
	}
	if (!s->n)
		return tw_seterr(msg, msglen, TW_ERR_CONFIG, "no array is served over SNMP");
	return buf_failed(ports) ? tw_seterr(msg, msglen, TW_ERR_NOMEM, "out of memory") : TW_OK;
}

tw_err sim_snmp_start(const struct sim_scenario *sc, double speed, struct sim_snmp **out,
		      char *msg, size_t msglen)
{
	static const oid root[] = { 1, 3, 6, 1 };
	struct sim_snmp *s = calloc(1, sizeof *s);
	netsnmp_handler_registration *reg;
	struct sim_snmp **box;
	char no_smux[] = "-smux"; /* no SMUX listener (it would bind 0.0.0.0:199) */
	struct buf ports;
	tw_err e;

	*out = NULL;
	if (!s)
		return tw_seterr(msg, msglen, TW_ERR_NOMEM, "out of memory");
	s->sc = sc;
	s->speed = speed;
	buf_init(&ports, 64 * 1024);
	if ((e = open_arrays(s, &ports, msg, msglen)) || (e = make_tmpdir(s, msg, msglen)))
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
	netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_PORTS, ports.data);

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
	if ((e = configure(s, msg, msglen)))
		goto fail;
	init_snmp(SIM_APP);
	if (init_master_agent() != 0) {
		e = tw_seterr(msg, msglen, TW_ERR_IO,
			      "cannot listen on %s (address in use or not local?)", ports.data);
		goto fail;
	}
	s->start = tw_now_mono();
	buf_free(&ports);
	*out = s;
	return TW_OK;
fail:
	buf_free(&ports);
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
	for (size_t i = 0; i < s->n; i++)
		if (s->arrays[i].pers)
			s->arrays[i].pers->close(s->arrays[i].state);
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

	(void)s;
	snmp_select_info(nfds, rfds, &t, &block);
	if (!block && timercmp(&t, tv, <))
		*tv = t;
}

void sim_snmp_process(struct sim_snmp *s, fd_set *rfds, int ready)
{
	(void)s;
	if (ready > 0)
		snmp_read(rfds);
	else if (ready == 0)
		snmp_timeout();
	run_alarms();
	netsnmp_check_outstanding_agent_requests();
}
