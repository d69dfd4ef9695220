/* test_walk.c: the asynchronous walker against a scriptable fake agent in
 * the same process (a net-snmp server session on 127.0.0.1, port chosen by
 * the kernel), driven through the same fds()/step() event loop the
 * scheduler uses.  Covers: parallel GETBULK column walks and scalar GETs
 * (v2c), GETNEXT walks (v1, end by noSuchName), noSuchObject scalars,
 * tooBig -> max-repetitions halved, a looping agent (non-increasing OID),
 * an error-status, no answer (timeout) and the poll deadline, the varbind
 * cap, index ranges, session reuse across walks; index-range splits
 * (rows neither lost nor read twice; a table that shrinks or grows between
 * or during walks; answers dropped or sent back out of order; the
 * in-flight budget; whole columns again after a split walk timed out);
 * and the snmp driver
 * itself (address parsing, a whole poll through a profile, `profile: auto`
 * when nothing matches). */
#include "config.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>
#include <cmocka.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include "driver.h"
#include "log.h"
#include "model.h"
#include "snmp_walk.h"

/* The fake agent serves base.1.0 (a string) and a table base.2.{2,3}.i,
 * i = 1..rows: column 2 = "r<i>", column 3 = Counter64 i * 1000. */
static const oid base[] = { 1, 3, 6, 1, 4, 1, 99998, 1 };
#define BASE_LEN 8

enum fake_mode { F_NORMAL, F_LOOP, F_TOOBIG, F_GENERR, F_DROP };

struct fake {
	void *sess;
	int fd;
	int port;
	enum fake_mode mode;
	unsigned rows;
	unsigned toobig_above;  /* F_TOOBIG: answer tooBig when max-repetitions is above */
	size_t requests;
	long max_reps_seen;
	/* overlapped-walk faults (any mode) */
	size_t change_after;    /* after this many requests the table has rows_after rows */
	unsigned rows_after;
	unsigned drop_every;    /* silently drop every n-th request (a lost datagram) */
	int reorder;            /* hold answers and send them back in reverse order */
	netsnmp_pdu *held[4];
	size_t nheld, held_peak;
};

/* Send the held answers, newest first. */
static void fake_flush(struct fake *f)
{
	while (f->nheld) {
		netsnmp_pdu *r = f->held[--f->nheld];
		if (!snmp_sess_send(f->sess, r))
			snmp_free_pdu(r);
	}
}

/* The first OID of the fake MIB view after `o`, or 0 at the end.  O(1):
 * the fake must not be the slow side of a 10,000-row walk. */
static int fake_next(const struct fake *f, const oid *o, size_t len, oid *out, size_t *outlen)
{
	/* The view in order: base.1.0, base.2.2.1..rows, base.2.3.1..rows. */
	oid cand[BASE_LEN + 3];
	memcpy(cand, base, sizeof base);
	cand[BASE_LEN] = 1;
	cand[BASE_LEN + 1] = 0;
	if (snmp_oid_compare(o, len, cand, BASE_LEN + 2) < 0) {
		memcpy(out, cand, (BASE_LEN + 2) * sizeof(oid));
		*outlen = BASE_LEN + 2;
		return 1;
	}
	cand[BASE_LEN] = 2;
	for (oid c = 2; c <= 3; c++) {
		oid i;
		cand[BASE_LEN + 1] = c;
		/* the first row i with base.2.c.i > o */
		cand[BASE_LEN + 2] = 0;
		if (snmp_oid_compare(o, len, cand, BASE_LEN + 2) < 0) {
			i = 1; /* o is before this column */
		} else if (len >= BASE_LEN + 2 &&
			   snmp_oid_compare(o, BASE_LEN + 2, cand, BASE_LEN + 2) == 0) {
			/* o is inside this column: after row o[+2] (or at it, when
			 * o is longer than a row OID) */
			if (len == BASE_LEN + 2)
				i = 1;
			else
				i = o[BASE_LEN + 2] + 1;
		} else {
			continue; /* o is after this column */
		}
		if (i < 1)
			i = 1;
		if (f->rows == 0 || i > f->rows)
			continue;
		cand[BASE_LEN + 2] = i;
		memcpy(out, cand, (BASE_LEN + 3) * sizeof(oid));
		*outlen = BASE_LEN + 3;
		return 1;
	}
	return 0;
}

static void fake_value(netsnmp_pdu *r, const oid *o, size_t len)
{
	if (len == BASE_LEN + 2) {
		snmp_pdu_add_variable(r, o, len, ASN_OCTET_STR, "fake agent", 10);
	} else if (o[BASE_LEN + 1] == 2) {
		char s[32];
		int n = snprintf(s, sizeof s, "r%lu", (unsigned long)o[BASE_LEN + 2]);
		snmp_pdu_add_variable(r, o, len, ASN_OCTET_STR, s, (size_t)n);
	} else {
		struct counter64 c;
		uint64_t v = (uint64_t)o[BASE_LEN + 2] * 1000;
		c.high = (u_long)(v >> 32);
		c.low = (u_long)(v & 0xffffffffu);
		snmp_pdu_add_variable(r, o, len, ASN_COUNTER64, &c, sizeof c);
	}
}

static int fake_cb(int op, netsnmp_session *sp, int reqid, netsnmp_pdu *pdu, void *magic)
{
	struct fake *f = magic;
	netsnmp_pdu *r;
	netsnmp_variable_list *vb;
	long nonrep = 0, maxrep = 0;
	int endv1 = 0;

	(void)sp;
	(void)reqid;
	if (op != NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE || !pdu)
		return 1;
	f->requests++;
	if (f->mode == F_DROP || (f->drop_every && f->requests % f->drop_every == 0))
		return 1;
	if (f->change_after && f->requests == f->change_after)
		f->rows = f->rows_after;
	if (pdu->command == SNMP_MSG_GETBULK) {
		nonrep = pdu->errstat;
		maxrep = pdu->errindex;
		if (maxrep > f->max_reps_seen)
			f->max_reps_seen = maxrep;
	}
	r = snmp_clone_pdu(pdu);
	if (!r)
		return 1;
	snmp_free_varbind(r->variables);
	r->variables = NULL;
	r->command = SNMP_MSG_RESPONSE;
	r->errstat = 0;
	r->errindex = 0;
	if (f->mode == F_TOOBIG && pdu->command == SNMP_MSG_GETBULK &&
	    (unsigned long)maxrep > f->toobig_above) {
		r->errstat = SNMP_ERR_TOOBIG;
		goto send;
	}
	for (vb = pdu->variables; vb; vb = vb->next_variable) {
		oid cur[MAX_OID_LEN];
		size_t curlen = vb->name_length;
		memcpy(cur, vb->name, curlen * sizeof(oid));
		if (f->mode == F_GENERR && curlen > BASE_LEN + 1 && cur[BASE_LEN + 1] == 3) {
			r->errstat = SNMP_ERR_GENERR;
			r->errindex = 1;
			goto send;
		}
		if (pdu->command == SNMP_MSG_GET) {
			oid nx[MAX_OID_LEN];
			size_t nxl;
			/* The only scalar is base.1.0, the first OID of the view. */
			if (curlen == BASE_LEN + 2 && fake_next(f, base, BASE_LEN, nx, &nxl) &&
			    snmp_oid_compare(nx, nxl, cur, curlen) == 0)
				fake_value(r, cur, curlen);
			else if (pdu->version == SNMP_VERSION_1) {
				r->errstat = SNMP_ERR_NOSUCHNAME;
				r->errindex = 1;
				goto send;
			} else
				snmp_pdu_add_variable(r, cur, curlen, SNMP_NOSUCHOBJECT, NULL, 0);
			continue;
		}
		{
			long reps = pdu->command == SNMP_MSG_GETBULK ? (nonrep > 0 ? 1 : maxrep) : 1;
			for (long k = 0; k < reps; k++) {
				oid nx[MAX_OID_LEN];
				size_t nxl;
				if (!fake_next(f, cur, curlen, nx, &nxl)) {
					if (pdu->version == SNMP_VERSION_1) {
						endv1 = 1;
						break;
					}
					snmp_pdu_add_variable(r, cur, curlen, SNMP_ENDOFMIBVIEW, NULL, 0);
					break;
				}
				if (f->mode == F_LOOP && nxl == BASE_LEN + 3 && nx[BASE_LEN + 1] == 2 &&
				    nx[BASE_LEN + 2] == 6)
					nx[BASE_LEN + 2] = 3; /* a broken agent jumps back */
				fake_value(r, nx, nxl);
				memcpy(cur, nx, nxl * sizeof(oid));
				curlen = nxl;
			}
		}
	}
	if (endv1) {
		snmp_free_varbind(r->variables);
		r->variables = snmp_clone_varbind(pdu->variables);
		r->errstat = SNMP_ERR_NOSUCHNAME;
		r->errindex = 1;
	}
send:
	if (f->reorder) {
		f->held[f->nheld++] = r;
		if (f->nheld > f->held_peak)
			f->held_peak = f->nheld;
		if (f->nheld == TW_ARRAY_LEN(f->held))
			fake_flush(f);
		return 1;
	}
	if (!snmp_sess_send(f->sess, r))
		snmp_free_pdu(r);
	return 1;
}

static void fake_start(struct fake *f, enum fake_mode mode, unsigned rows)
{
	netsnmp_transport *t;
	netsnmp_session s;
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;

	memset(f, 0, sizeof *f);
	f->mode = mode;
	f->rows = rows;
	t = netsnmp_transport_open_server("snmp", "udp:127.0.0.1:0");
	assert_non_null(t);
	snmp_sess_init(&s);
	s.version = SNMP_DEFAULT_VERSION;
	s.callback = fake_cb;
	s.callback_magic = f;
	s.isAuthoritative = SNMP_SESS_AUTHORITATIVE;
	f->sess = snmp_sess_add(&s, t, NULL, NULL);
	assert_non_null(f->sess);
	f->fd = t->sock;
	assert_int_equal(getsockname(f->fd, (struct sockaddr *)&sa, &sl), 0);
	f->port = ntohs(sa.sin_port);
}

static void fake_stop(struct fake *f)
{
	while (f->nheld)
		snmp_free_pdu(f->held[--f->nheld]);
	snmp_sess_close(f->sess);
}

/* A connection to the fake agent: v1/v2c, community "public". */
static struct snmp_conn *conn_new(const struct fake *f, enum tw_snmp_version v, unsigned reps,
				  double timeout, unsigned retries, unsigned inflight,
				  size_t max_varbinds)
{
	char peer[64], msg[256];
	struct snmp_conn *c = NULL;
	struct snmp_conn_params p;

	snprintf(peer, sizeof peer, "udp:127.0.0.1:%d", f->port);
	memset(&p, 0, sizeof p);
	p.peer = peer;
	p.label = peer;
	p.version = v;
	p.community = "public";
	p.timeout = timeout;
	p.retries = retries;
	p.max_reps = reps;
	p.max_inflight = inflight;
	p.max_varbinds = max_varbinds;
	if (snmp_conn_new(&p, &c, msg, sizeof msg))
		fail_msg("%s", msg);
	return c;
}

static struct snmp_conn *conn_for(const struct fake *f, enum tw_snmp_version v, unsigned reps,
				  double timeout, size_t max_varbinds)
{
	return conn_new(f, v, reps, timeout, 1, 0, max_varbinds);
}

static struct snmp_conn *conn_inflight(const struct fake *f, enum tw_snmp_version v, unsigned reps,
				       double timeout, unsigned retries, unsigned inflight)
{
	return conn_new(f, v, reps, timeout, retries, inflight, 0);
}

static void target(struct walk_target *t, enum walk_kind k, const uint32_t *suffix, size_t n)
{
	memset(t, 0, sizeof *t);
	t->kind = k;
	for (size_t i = 0; i < BASE_LEN; i++)
		t->oid[i] = (uint32_t)base[i];
	memcpy(t->oid + BASE_LEN, suffix, n * sizeof *suffix);
	t->len = BASE_LEN + n;
}

/* Run a walk to the end, serving the fake agent in the same loop. */
static tw_err run(struct fake *f, struct snmp_conn *c, const struct walk_target *t, size_t n,
		  double budget, struct walk_result **res, struct snmp_walk_stats *stats, char *msg,
		  size_t msglen)
{
	struct snmp_walk *w;
	tw_err e;
	double deadline = tw_now_mono() + budget;

	*res = NULL;
	if ((e = snmp_walk_start(c, t, n, deadline, &w, msg, msglen)))
		return e;
	for (;;) {
		struct tw_fdset fs;
		struct timeval tv = { 0, 200000 };
		int rc;
		FD_ZERO(&fs.rd);
		FD_ZERO(&fs.wr);
		fs.maxfd = -1;
		fs.wake_at = 0;
		snmp_walk_fds(w, &fs);
		tw_fdset_want(&fs, f->fd, 0);
		if (fs.wake_at > 0) {
			double d = fs.wake_at - tw_now_mono();
			if (d < 0)
				d = 0;
			if (d < 0.2) {
				tv.tv_sec = 0;
				tv.tv_usec = (long)(d * 1e6);
			}
		}
		if (f->nheld)
			tv.tv_usec = 0; /* held answers go out once nothing more is queued */
		rc = select(fs.maxfd + 1, &fs.rd, NULL, NULL, &tv);
		assert_true(rc >= 0);
		if (rc == 0) {
			FD_ZERO(&fs.rd);
			fs.maxfd = -1;
		}
		if (rc > 0 && FD_ISSET(f->fd, &fs.rd)) {
			fd_set one;
			FD_ZERO(&one);
			FD_SET(f->fd, &one);
			snmp_sess_read(f->sess, &one);
		} else {
			fake_flush(f); /* nothing more to read: let held answers go */
		}
		if (snmp_walk_step(w, &fs, tw_now_mono(), &e, msg, msglen) == TW_STEP_DONE)
			break;
	}
	if (stats)
		snmp_walk_get_stats(w, stats);
	*res = snmp_walk_take_result(w);
	snmp_walk_free(w);
	return e;
}

static void check_table(const struct walk_result *r, size_t c2, size_t c3, unsigned rows,
			unsigned first)
{
	const struct walk_column *a = &r->cols[c2], *b = &r->cols[c3];
	assert_int_equal(a->nrows, rows);
	assert_int_equal(b->nrows, rows);
	for (unsigned i = 0; i < rows; i++) {
		char s[32];
		int n = snprintf(s, sizeof s, "r%u", first + i);
		assert_int_equal(a->rows[i].idx_len, 1);
		assert_int_equal(walk_row_index(a, &a->rows[i])[0], first + i);
		assert_int_equal(a->rows[i].type, WV_STR);
		assert_int_equal(a->rows[i].data_len, (size_t)n);
		assert_memory_equal(walk_row_bytes(a, &a->rows[i]), s, (size_t)n);
		assert_int_equal(walk_row_index(b, &b->rows[i])[0], first + i);
		assert_int_equal(b->rows[i].type, WV_U64);
		assert_int_equal(b->rows[i].num, (uint64_t)(first + i) * 1000);
	}
}

static void test_v2c_parallel(void **state)
{
	struct fake f;
	struct snmp_conn *c;
	struct walk_target t[4];
	struct walk_result *r;
	struct snmp_walk_stats st;
	const uint32_t s_c2[] = { 2, 2 }, s_c3[] = { 2, 3 }, s_sc[] = { 1, 0 }, s_miss[] = { 9, 0 };
	char msg[256];

	(void)state;
	fake_start(&f, F_NORMAL, 237);
	/* 2 in flight: one per column, nothing left for splitting (splits:
	 * test_split_*) */
	c = conn_inflight(&f, TW_SNMP_V2C, 10, 2, 1, 2);
	target(&t[0], WALK_SUBTREE, s_c2, 2);
	target(&t[1], WALK_SUBTREE, s_c3, 2);
	target(&t[2], WALK_GET, s_sc, 2);
	target(&t[3], WALK_GET, s_miss, 2);
	for (int round = 0; round < 2; round++) { /* the second walk reuses the session */
		assert_int_equal(run(&f, c, t, 4, 5, &r, &st, msg, sizeof msg), TW_OK);
		assert_non_null(r);
		check_table(r, 0, 1, 237, 1);
		assert_int_equal(r->cols[2].nrows, 1);
		assert_int_equal(r->cols[2].rows[0].idx_len, 0);
		assert_memory_equal(walk_row_bytes(&r->cols[2], &r->cols[2].rows[0]), "fake agent", 10);
		assert_int_equal(r->cols[3].nrows, 0); /* noSuchObject: absent */
		assert_int_equal(st.varbinds, 2 * 237 + 1);
		/* 237 rows in pages of 10 per column: 24 GETBULKs each (the
		 * last page crosses into the next column), plus 2 GETs. */
		assert_int_equal(st.ranges, 0);
		assert_int_equal(st.probed, 0);
		assert_int_equal(st.requests, 2 * 24 + 2);
		walk_result_free(r);
	}
	assert_int_equal(f.max_reps_seen, 10);
	snmp_conn_free(c);
	fake_stop(&f);
}

static void test_v1_getnext(void **state)
{
	struct fake f;
	struct snmp_conn *c;
	struct walk_target t[3];
	struct walk_result *r;
	const uint32_t s_c3[] = { 2, 3 }, s_c2[] = { 2, 2 }, s_miss[] = { 9, 0 };
	char msg[256];

	(void)state;
	fake_start(&f, F_NORMAL, 5);
	c = conn_for(&f, TW_SNMP_V1, 10, 2, 0);
	target(&t[0], WALK_SUBTREE, s_c2, 2);
	target(&t[1], WALK_SUBTREE, s_c3, 2); /* last column: ends with noSuchName */
	target(&t[2], WALK_GET, s_miss, 2);
	assert_int_equal(run(&f, c, t, 3, 5, &r, NULL, msg, sizeof msg), TW_OK);
	check_table(r, 0, 1, 5, 1);
	assert_int_equal(r->cols[2].nrows, 0);
	assert_int_equal(f.max_reps_seen, 0); /* no GETBULK in v1 */
	walk_result_free(r);
	snmp_conn_free(c);
	fake_stop(&f);
}

static void test_toobig_halves(void **state)
{
	struct fake f;
	struct snmp_conn *c;
	struct walk_target t[2];
	struct walk_result *r;
	struct snmp_walk_stats st;
	const uint32_t s_c2[] = { 2, 2 }, s_c3[] = { 2, 3 };
	char msg[256];

	(void)state;
	fake_start(&f, F_TOOBIG, 50);
	f.toobig_above = 7;
	c = conn_for(&f, TW_SNMP_V2C, 50, 2, 0);
	target(&t[0], WALK_SUBTREE, s_c2, 2);
	target(&t[1], WALK_SUBTREE, s_c3, 2);
	assert_int_equal(run(&f, c, t, 2, 5, &r, &st, msg, sizeof msg), TW_OK);
	check_table(r, 0, 1, 50, 1);
	assert_int_equal(st.toobig, 2 * 3); /* 50 -> 25 -> 12 -> 6 per column */
	walk_result_free(r);
	snmp_conn_free(c);
	fake_stop(&f);

	/* tooBig at max-repetitions 1 is an error. */
	fake_start(&f, F_TOOBIG, 50);
	f.toobig_above = 0;
	c = conn_for(&f, TW_SNMP_V2C, 4, 2, 0);
	assert_int_equal(run(&f, c, t, 1, 5, &r, NULL, msg, sizeof msg), TW_ERR_PROTOCOL);
	assert_null(r);
	assert_non_null(strstr(msg, "tooBig"));
	snmp_conn_free(c);
	fake_stop(&f);
}

static void test_loop_and_errors(void **state)
{
	struct fake f;
	struct snmp_conn *c;
	struct walk_target t[2];
	struct walk_result *r;
	const uint32_t s_c2[] = { 2, 2 }, s_c3[] = { 2, 3 };
	char msg[256], port[16];
	double t0;

	(void)state;
	target(&t[0], WALK_SUBTREE, s_c2, 2);
	target(&t[1], WALK_SUBTREE, s_c3, 2);

	fake_start(&f, F_LOOP, 40);
	c = conn_for(&f, TW_SNMP_V2C, 4, 2, 0);
	assert_int_equal(run(&f, c, t, 2, 5, &r, NULL, msg, sizeof msg), TW_ERR_PROTOCOL);
	assert_non_null(strstr(msg, "non-increasing OID"));
	snprintf(port, sizeof port, "%d", f.port);
	assert_non_null(strstr(msg, port)); /* names the agent */
	assert_null(strstr(msg, "public")); /* never the community */
	snmp_conn_free(c);
	fake_stop(&f);

	fake_start(&f, F_GENERR, 40);
	c = conn_for(&f, TW_SNMP_V2C, 4, 2, 0);
	assert_int_equal(run(&f, c, t, 2, 5, &r, NULL, msg, sizeof msg), TW_ERR_PROTOCOL);
	assert_non_null(strstr(msg, "genErr"));
	snmp_conn_free(c);
	fake_stop(&f);

	/* No answer: 2 tries of 0.15 s each. */
	fake_start(&f, F_DROP, 40);
	c = conn_for(&f, TW_SNMP_V2C, 4, 0.3, 0);
	t0 = tw_now_mono();
	assert_int_equal(run(&f, c, t, 2, 5, &r, NULL, msg, sizeof msg), TW_ERR_TIMEOUT);
	assert_true(tw_now_mono() - t0 < 1.5);
	assert_non_null(strstr(msg, "no answer after 2 tries"));
	assert_int_equal(f.requests, 4); /* 2 chains x (1 + 1 retry) */
	/* The poll deadline comes first when it is shorter. */
	snmp_conn_free(c);
	c = conn_for(&f, TW_SNMP_V2C, 4, 5, 0);
	t0 = tw_now_mono();
	assert_int_equal(run(&f, c, t, 2, 0.3, &r, NULL, msg, sizeof msg), TW_ERR_TIMEOUT);
	assert_true(tw_now_mono() - t0 < 1.5);
	assert_non_null(strstr(msg, "deadline"));
	snmp_conn_free(c);
	fake_stop(&f);
}

static void test_cap_and_range(void **state)
{
	struct fake f;
	struct snmp_conn *c;
	struct walk_target t[2];
	struct walk_result *r;
	const uint32_t s_c2[] = { 2, 2 }, s_c3[] = { 2, 3 };
	char msg[256];

	(void)state;
	fake_start(&f, F_NORMAL, 300);
	target(&t[0], WALK_SUBTREE, s_c2, 2);
	target(&t[1], WALK_SUBTREE, s_c3, 2);
	c = conn_for(&f, TW_SNMP_V2C, 25, 2, 450);
	assert_int_equal(run(&f, c, t, 2, 5, &r, NULL, msg, sizeof msg), TW_ERR_TOO_BIG);
	assert_non_null(strstr(msg, "450 varbinds"));
	snmp_conn_free(c);

	/* Index range (101, 200]: from = 100 (exclusive), to = 201. */
	t[0].from_len = t[1].from_len = 1;
	t[0].from[0] = t[1].from[0] = 100;
	t[0].to_len = t[1].to_len = 1;
	t[0].to[0] = t[1].to[0] = 201;
	c = conn_for(&f, TW_SNMP_V2C, 25, 2, 0);
	assert_int_equal(run(&f, c, t, 2, 5, &r, NULL, msg, sizeof msg), TW_OK);
	check_table(r, 0, 1, 100, 101);
	walk_result_free(r);
	snmp_conn_free(c);
	fake_stop(&f);
}

/* Every row 1..n of both columns exactly once, with its own values
 * (check_table), whatever the walk's shape. */
static void walk_twice_split(struct fake *f, struct snmp_conn *c, unsigned rows, size_t *ranges,
			     size_t *probed)
{
	struct walk_target t[2];
	struct walk_result *r;
	struct snmp_walk_stats st;
	const uint32_t s_c2[] = { 2, 2 }, s_c3[] = { 2, 3 };
	char msg[256];

	target(&t[0], WALK_SUBTREE, s_c2, 2);
	target(&t[1], WALK_SUBTREE, s_c3, 2);
	for (int round = 0; round < 2; round++) {
		if (run(f, c, t, 2, 20, &r, &st, msg, sizeof msg) != TW_OK)
			fail_msg("round %d: %s", round, msg);
		check_table(r, 0, 1, rows, 1);
		assert_int_equal(r->ncols, 2);
		assert_int_equal(st.varbinds, 2 * rows);
		ranges[round] = st.ranges;
		if (probed)
			probed[round] = st.probed;
		walk_result_free(r);
	}
}

static void test_split_exact(void **state)
{
	struct fake f;
	struct snmp_conn *c;
	size_t ranges[2], probed[2];

	(void)state;
	fake_start(&f, F_NORMAL, 5000);
	/* v2c, default budget 16: the first walk probes each column's extent
	 * and splits it in 1 + (16 - 2) / 2 = 8; the second cuts it at the
	 * first walk's rows, again 8 ranges each */
	c = conn_inflight(&f, TW_SNMP_V2C, 25, 5, 1, 0);
	walk_twice_split(&f, c, 5000, ranges, probed);
	assert_int_equal(probed[0], 2);
	assert_int_equal(ranges[0], 2 * 7);
	assert_int_equal(probed[1], 0);
	assert_int_equal(ranges[1], 2 * 7);
	snmp_conn_free(c);
	f.reorder = 1;
	f.held_peak = 0;
	c = conn_inflight(&f, TW_SNMP_V2C, 25, 5, 1, 1);
	walk_twice_split(&f, c, 5000, ranges, probed);
	assert_int_equal(ranges[0] + ranges[1], 0);
	assert_int_equal(f.held_peak, 1);
	snmp_conn_free(c);
	fake_stop(&f);
	/* v1 GETNEXT ranges (one row per request), and a budget of 33 = 2
	 * whole columns + 31 more: 1 + 31 x 1/2 = 16 ranges, at most
	 * 1,200 / (4 x 25) = 12 per column */
	fake_start(&f, F_NORMAL, 1200);
	c = conn_inflight(&f, TW_SNMP_V1, 25, 5, 1, 33);
	walk_twice_split(&f, c, 1200, ranges, probed);
	/* first walk: column 2 is probed and split; column 3's probe points
	 * run past the end of the MIB view, which v1 answers with noSuchName
	 * for the whole request: no split, no harm */
	assert_int_equal(probed[0], 1);
	assert_int_equal(ranges[1], 11 + 11);
	snmp_conn_free(c);
	fake_stop(&f);
	/* small tables are not split */
	fake_start(&f, F_NORMAL, 150);
	c = conn_inflight(&f, TW_SNMP_V2C, 25, 5, 1, 0);
	walk_twice_split(&f, c, 150, ranges, NULL);
	assert_int_equal(ranges[0] + ranges[1], 0);
	snmp_conn_free(c);
	fake_stop(&f);
}

/* Answers lost and answers out of order: net-snmp resends what is lost,
 * matches answers by request id, and each range still comes out whole. */
static void test_split_drop_reorder(void **state)
{
	struct fake f;
	struct snmp_conn *c;
	size_t ranges[2];

	(void)state;
	fake_start(&f, F_NORMAL, 3000);
	f.reorder = 1;
	c = conn_inflight(&f, TW_SNMP_V2C, 20, 5, 1, 0);
	walk_twice_split(&f, c, 3000, ranges, NULL);
	assert_true(ranges[1] > 0);
	assert_true(f.held_peak > 1); /* answers really went back out of order */
	snmp_conn_free(c);

	f.reorder = 0;
	f.drop_every = 9;
	c = conn_inflight(&f, TW_SNMP_V2C, 20, 2, 9, 0); /* tries of 0.2 s */
	walk_twice_split(&f, c, 3000, ranges, NULL);
	assert_true(ranges[1] > 0);

	/* A split walk that times out: the next walks take columns whole. */
	{
		struct walk_target t[2];
		struct walk_result *r;
		struct snmp_walk_stats st;
		const uint32_t s_c2[] = { 2, 2 }, s_c3[] = { 2, 3 };
		char msg[256];
		target(&t[0], WALK_SUBTREE, s_c2, 2);
		target(&t[1], WALK_SUBTREE, s_c3, 2);
		f.drop_every = 0;
		f.mode = F_DROP;
		assert_int_equal(run(&f, c, t, 2, 5, &r, &st, msg, sizeof msg), TW_ERR_TIMEOUT);
		assert_true(st.ranges > 0);
		f.mode = F_NORMAL;
		assert_int_equal(run(&f, c, t, 2, 20, &r, &st, msg, sizeof msg), TW_OK);
		assert_int_equal(st.ranges, 0);
		check_table(r, 0, 1, 3000, 1);
		walk_result_free(r);
	}
	snmp_conn_free(c);
	fake_stop(&f);
}

/* Rows that appear or vanish between walks or during one: the ranges
 * still partition the index space, so no row is read twice (the result
 * would refuse it) and every row that exists throughout is read. */
static void check_prefix(const struct walk_result *r, unsigned must, unsigned may)
{
	for (size_t c = 0; c < 2; c++) {
		const struct walk_column *col = &r->cols[c];
		assert_in_range(col->nrows, must, may);
		/* rows 1..must, none missing or twice; later ones in order (the
		 * result refuses anything else) and from the table as it was */
		for (size_t i = 0; i < must; i++)
			assert_int_equal(walk_row_index(col, &col->rows[i])[0], i + 1);
		for (size_t i = must; i < col->nrows; i++)
			assert_in_range(walk_row_index(col, &col->rows[i])[0], must + 1, may);
	}
}

static void test_split_table_changes(void **state)
{
	struct fake f;
	struct snmp_conn *c;
	struct walk_target t[2];
	struct walk_result *r;
	struct snmp_walk_stats st;
	const uint32_t s_c2[] = { 2, 2 }, s_c3[] = { 2, 3 };
	char msg[256];

	(void)state;
	fake_start(&f, F_NORMAL, 4000);
	target(&t[0], WALK_SUBTREE, s_c2, 2);
	target(&t[1], WALK_SUBTREE, s_c3, 2);
	c = conn_inflight(&f, TW_SNMP_V2C, 25, 5, 1, 0);
	assert_int_equal(run(&f, c, t, 2, 20, &r, NULL, msg, sizeof msg), TW_OK);
	walk_result_free(r);

	/* between walks: shrinks to 1,000 (most ranges come back empty) ... */
	f.rows = 1000;
	assert_int_equal(run(&f, c, t, 2, 20, &r, &st, msg, sizeof msg), TW_OK);
	assert_true(st.ranges > 0);
	check_table(r, 0, 1, 1000, 1);
	walk_result_free(r);
	/* ... grows to 9,000 (the last range takes the new rows) */
	f.rows = 9000;
	assert_int_equal(run(&f, c, t, 2, 20, &r, &st, msg, sizeof msg), TW_OK);
	check_table(r, 0, 1, 9000, 1);
	walk_result_free(r);

	/* during a walk: 9,000 -> 2,000 rows after a few requests */
	f.change_after = f.requests + 10;
	f.rows_after = 2000;
	assert_int_equal(run(&f, c, t, 2, 20, &r, &st, msg, sizeof msg), TW_OK);
	assert_true(st.ranges > 0);
	check_prefix(r, 2000, 9000);
	walk_result_free(r);
	/* during a walk: 2,000 -> 6,000 */
	f.change_after = f.requests + 10;
	f.rows_after = 6000;
	assert_int_equal(run(&f, c, t, 2, 20, &r, &st, msg, sizeof msg), TW_OK);
	check_prefix(r, 2000, 6000);
	walk_result_free(r);
	snmp_conn_free(c);

	/* a session's first walk (split after probing) while the table
	 * grows from 6,000 to 12,000 rows, and then shrinks to 3,000 */
	c = conn_inflight(&f, TW_SNMP_V2C, 25, 5, 1, 0);
	f.change_after = f.requests + 6;
	f.rows_after = 12000;
	assert_int_equal(run(&f, c, t, 2, 20, &r, &st, msg, sizeof msg), TW_OK);
	assert_int_equal(st.probed, 2);
	check_prefix(r, 6000, 12000);
	walk_result_free(r);
	snmp_conn_free(c);
	c = conn_inflight(&f, TW_SNMP_V2C, 25, 5, 1, 0);
	f.change_after = f.requests + 6;
	f.rows_after = 3000;
	assert_int_equal(run(&f, c, t, 2, 20, &r, &st, msg, sizeof msg), TW_OK);
	check_prefix(r, 3000, 12000);
	walk_result_free(r);
	snmp_conn_free(c);
	fake_stop(&f);
}


/* ---- the driver ---- */

static void target_init(struct tw_target *t, const char *address, const char *profile)
{
	memset(t, 0, sizeof *t);
	t->name = (char *)"t1";
	t->driver = (char *)"snmp";
	t->address = (char *)address;
	t->profile = (char *)profile;
	t->snmp.version = TW_SNMP_V2C;
	t->snmp.community.value = (char *)"public";
	t->snmp.max_repetitions = 7;
	t->timeout = 2;
	t->retries = 1;
	t->interval = 60;
}

static void test_driver_addresses(void **state)
{
	const struct tw_driver *d = tw_driver_find("snmp");
	const char *good[] = { "127.0.0.1", "127.0.0.1:1161", "udp:127.0.0.1:1161", "tcp:localhost:1",
			       "udp6:[::1]:161", "[::1]", "udp6:::1", "tcp6:[fe80::1]:16100" };
	const char *bad[] = { "127.0.0.1:0", "127.0.0.1:65536", "udp:", "[::1", "[::1]x",
			      "host:port", ":161", "" };
	struct tw_driver_env env = { NULL, NULL };
	struct tw_target t;
	char msg[512];
	void *st;

	(void)state;
	assert_non_null(d);
	st = calloc(1, d->state_size);
	assert_non_null(st);
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		/* A path profile, so that no search directory is needed. */
		char prof[1024];
		const char *top = getenv("top_srcdir");
		snprintf(prof, sizeof prof, "%s/mibs/profiles/thinwatch.yml",
			 top && *top ? top : TW_SRCDIR);
		target_init(&t, good[i], prof);
		if (d->open(st, &t, &env, msg, sizeof msg) != TW_OK)
			fail_msg("%s: %s", good[i], msg);
		d->close(st);
	}
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		target_init(&t, bad[i], "thinwatch");
		assert_int_not_equal(d->open(st, &t, &env, msg, sizeof msg), TW_OK);
		if (*bad[i])
			assert_non_null(strstr(msg, bad[i]));
		d->close(st);
	}
	/* A bare name that is nowhere. */
	target_init(&t, "127.0.0.1", "nosuch");
	assert_int_equal(d->open(st, &t, &env, msg, sizeof msg), TW_ERR_NOT_FOUND);
	d->close(st);
	free(st);
}

/* One poll through the driver's event-loop interface. */
static tw_err drive(struct fake *f, const struct tw_driver *d, void *st, struct snap_builder *b,
		    char *msg, size_t msglen)
{
	tw_err e = d->start(st, b, tw_now_mono() + 5, msg, msglen);
	if (e)
		return e;
	for (;;) {
		struct tw_fdset fs;
		struct timeval tv = { 0, 100000 };
		int rc;
		FD_ZERO(&fs.rd);
		FD_ZERO(&fs.wr);
		fs.maxfd = -1;
		fs.wake_at = 0;
		d->fds(st, &fs);
		tw_fdset_want(&fs, f->fd, 0);
		rc = select(fs.maxfd + 1, &fs.rd, NULL, NULL, &tv);
		assert_true(rc >= 0);
		if (rc > 0 && FD_ISSET(f->fd, &fs.rd)) {
			fd_set one;
			FD_ZERO(&one);
			FD_SET(f->fd, &one);
			snmp_sess_read(f->sess, &one);
		}
		if (rc == 0) {
			FD_ZERO(&fs.rd);
			fs.maxfd = -1;
		}
		if (d->step(st, &fs, tw_now_mono(), &e, msg, msglen) == TW_STEP_DONE)
			return e;
	}
}

static void test_driver_poll(void **state)
{
	const struct tw_driver *d = tw_driver_find("snmp");
	char dir[] = "/tmp/tw-walk-test-XXXXXX", path[1100], addr[64], msg[512];
	struct tw_driver_env env = { NULL, NULL };
	struct tw_target t;
	struct fake f;
	FILE *fp;
	void *st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/fake.yml", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("match: { sys_object_id: 1.3.6.1.4.1.99998 }\n"
	      "info: { vendor: { oid: 1.3.6.1.4.1.99998.1.1.0 }, model: Fake }\n"
	      "volumes:\n"
	      "  entry: 1.3.6.1.4.1.99998.1.2\n"
	      "  columns: { name: 2, provisioned: { oid: 3, unit: KiB } }\n",
	      fp);
	fclose(fp);
	env.profiles_dir = dir;

	fake_start(&f, F_NORMAL, 60);
	snprintf(addr, sizeof addr, "127.0.0.1:%d", f.port);
	st = calloc(1, d->state_size);
	assert_non_null(st);
	target_init(&t, addr, "fake");
	assert_int_equal(d->open(st, &t, &env, msg, sizeof msg), TW_OK);
	for (int round = 0; round < 2; round++) {
		struct snap_builder *b = snap_builder_new("t1");
		struct tw_volume *v;
		assert_int_equal(drive(&f, d, st, b, msg, sizeof msg), TW_OK);
		assert_int_equal(snap_builder_nvolumes(b), 60);
		v = snap_builder_find_volume(b, "r42");
		assert_non_null(v);
		assert_int_equal(v->provisioned, 42000ULL * 1024);
		assert_int_equal(v->pool, TW_NO_POOL);
		assert_string_equal(snap_builder_info(b)->vendor, "fake agent");
		assert_string_equal(snap_builder_info(b)->model, "Fake");
		assert_string_equal(snap_builder_info(b)->profile, "fake");
		snap_builder_free(b);
	}
	d->close(st);

	/* profile: auto -- the fake agent has no sysObjectID.0, nothing
	 * matches and there is no host-resources profile. */
	target_init(&t, addr, "auto");
	assert_int_equal(d->open(st, &t, &env, msg, sizeof msg), TW_OK);
	{
		struct snap_builder *b = snap_builder_new("t1");
		assert_int_equal(drive(&f, d, st, b, msg, sizeof msg), TW_ERR_NOT_FOUND);
		assert_non_null(strstr(msg, "no profile matches"));
		snap_builder_free(b);
	}
	/* Abort in flight, then close. */
	{
		struct snap_builder *b = snap_builder_new("t1");
		assert_int_equal(d->start(st, b, tw_now_mono() + 5, msg, sizeof msg), TW_OK);
		d->abort(st);
		snap_builder_free(b);
	}
	d->close(st);
	free(st);
	fake_stop(&f);
	unlink(path);
	rmdir(dir);
}

static int setup(void **state)
{
	(void)state;
	tw_log_setup(TW_LOG_WARN, TW_LOG_LOGFMT);
	tw_snmp_global_init();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v2c_parallel),
		cmocka_unit_test(test_v1_getnext),
		cmocka_unit_test(test_toobig_halves),
		cmocka_unit_test(test_loop_and_errors),
		cmocka_unit_test(test_cap_and_range),
		cmocka_unit_test(test_split_exact),
		cmocka_unit_test(test_split_drop_reorder),
		cmocka_unit_test(test_split_table_changes),
		cmocka_unit_test(test_driver_addresses),
		cmocka_unit_test(test_driver_poll),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
