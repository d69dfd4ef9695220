/* sim_rest_int.h: what the simulator's REST core (sim_rest.c) offers the
 * vendor personalities (sim_rest_vendors.c) and the fault file
 * (sim_rest_fault.c): the parsed request, a response to fill, sessions, the
 * scenario values at request time, and JSON output.  Each connection has
 * its own thread, but the core holds the server's lock around every call
 * of a personality's handler, so nothing a handler reaches needs a lock of
 * its own. */
#ifndef TW_SIM_REST_INT_H
#define TW_SIM_REST_INT_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "sim/scenario.h"
#include "sim/sim_fault.h"

struct sr_server;

struct sr_conf {
	char *listen_host;
	unsigned port;
	int tls;
	char *cert_file, *key_file;  /* per-array PEM files, or NULL */
	char *username, *password, *api_token;
	unsigned page_size;
	double session_ttl;          /* seconds; 0 = never */
	unsigned max_sessions;
};

struct sr_req {
	struct sr_server *s;
	void *conn;                  /* struct MHD_Connection * */
	const char *method;
	const char *path;            /* without the query */
	const char *body;
	size_t body_len;
	uint64_t t_ns;               /* scenario time of the request */
};

#define SR_MAX_HEADERS 8
struct sr_resp {
	unsigned status;
	char *body;                  /* malloc'd */
	size_t len;
	const char *ctype;
	char *hname[SR_MAX_HEADERS], *hval[SR_MAX_HEADERS];
	size_t nhdr;
	int huge;                    /* answer with the "huge" body instead */
};

/* One-shot fault injection (POST /_sim/fault?kind=K&count=N: the next N
 * calls), apart from the lasting fault personalities of sim_fault.h. */
enum sr_fault { SR_FAULT_NONE, SR_FAULT_HTTP500, SR_FAULT_BADJSON, SR_FAULT_VENDOR,
		SR_FAULT_HUGE, SR_FAULT_ANSWERED,
		SR_FAULT_NEXT_LOOP,     /* ONTAP: a later page links back to the first */
		SR_FAULT_REPEAT_TOKEN   /* purefa: a later page repeats its continuation_token */
};

/* An ONTAP LUN of the scenario (the array's `luns:` list). */
struct sr_lun {
	char *name;                  /* "/vol/VOLUME/LUN" */
	char *svm;                   /* default "svm0" */
	char *volume;                /* VOLUME, from the path */
	char *serial;                /* 12 characters; made up when not given */
	uint64_t size, used;
	int thin;                    /* no space reservation (default true) */
};

/* A vendor personality. */
struct sr_personality {
	const char *name;
	/* Answer one API request (not /_sim). */
	void (*handle)(struct sr_req *rq, struct sr_resp *rs);
};

/* Called by a personality once a call passed its auth checks (so logins of
 * other clients do not use up a fault meant for data calls): the pending
 * fault, consumed.  badjson and huge are answered here (returns
 * SR_FAULT_ANSWERED: the handler returns at once); http500 and
 * vendor_error are for the personality to render. */
enum sr_fault sr_fault_take(struct sr_req *rq, struct sr_resp *rs);
/* The pending fault, not consumed (SR_FAULT_NONE when none is left).  The
 * paging faults (next_loop, repeat_token) are consumed by the personality
 * only on the page they bend, so it peeks before sr_fault_take. */
enum sr_fault sr_fault_peek(const struct sr_req *rq);

const struct sr_personality *sr_personality_find(const char *name);

/* ---- request ---- */
const char *sr_query(const struct sr_req *rq, const char *key);   /* NULL if absent */
const char *sr_header(const struct sr_req *rq, const char *name); /* NULL if absent */
const char *sr_cookie(const struct sr_req *rq, const char *name);
/* HTTP Basic credentials match the configured user and password (never
 * under the auth fault). */
int sr_basic_ok(const struct sr_req *rq);
/* A secret the client sent (password, API token) equals the configured
 * one: 0 for NULL, a mismatch, or under the auth fault. */
int sr_secret_ok(const struct sr_req *rq, const char *given, const char *expected);
/* Request body as JSON (NULL when empty or invalid; caller decrefs). */
json_t *sr_body_json(const struct sr_req *rq);

/* ---- response ---- */
void sr_json(struct sr_resp *rs, unsigned status, json_t *j);     /* steals j */
void sr_text(struct sr_resp *rs, unsigned status, const char *text);
void sr_header_add(struct sr_resp *rs, const char *name, const char *value);
void sr_resp_free(struct sr_resp *rs);  /* body and headers; rs reusable after memset */

/* ---- server state ---- */
const struct sim_array *sr_array(const struct sr_server *s);
const struct sr_conf *sr_conf(const struct sr_server *s);
/* Open a session: writes a new token (hex) into tok; 0 on success, -1 when
 * max_sessions are open (counted as a failed login). */
int sr_session_open(struct sr_server *s, char *tok, size_t toklen);
/* 1 when tok names a live session (expired ones are dropped and counted);
 * 0 for every token under the auth fault. */
int sr_session_valid(struct sr_server *s, const char *tok);
/* Close a session: 1 if it existed. */
int sr_session_close(struct sr_server *s, const char *tok);
void sr_login_failed(struct sr_server *s);
/* Per-request: a vendor wants a second secret per session (CSRF token). */
void sr_token_hex(char *out, size_t outlen);

/* ---- scenario values at t_ns ---- */
struct sr_pool_now {
	uint64_t capacity, used, free;
};
void sr_pool_at(const struct sim_pool *p, uint64_t t_ns, struct sr_pool_now *out);
uint64_t sr_vol_consumed(const struct sim_pool *p, const struct sim_volume *v, uint64_t t_ns);
/* All volumes of the array in order: (pool index, volume index) of the
 * i-th volume; returns 0 when i is past the end.  O(log pools). */
int sr_vol_at(const struct sr_server *s, size_t i, size_t *pool, size_t *vol);
size_t sr_vol_count(const struct sr_server *s);
/* A stable made-up UUID for object number n of kind k. */
void sr_uuid(char *out, size_t outlen, unsigned kind, uint64_t n);
/* The array's LUNs (ONTAP), in scenario order. */
size_t sr_luns(const struct sr_server *s, const struct sr_lun **out);

/* ---- fault personalities (sim_fault.h), sim_rest_fault.c ---- */
/* Faults answered in place of the personality (http500/503/429, redirect,
 * garbage): fill rs and return 1; 0 for the others.  self is the array's
 * "scheme://127.0.0.2:PORT", the default redirect target. */
int sr_fault_before(const struct sim_fault *f, const struct sr_req *rq, const char *self,
		    struct sr_resp *rs);
/* Bend the personality's 2xx answer (truncate, wrong_type, bad_utf8). */
void sr_fault_after(const struct sim_fault *f, struct sr_resp *rs);
/* 1 when f's answer is streamed (endless, huge, drip, deep). */
int sr_fault_streams(const struct sim_fault *f);
/* Queue the streamed answer of f on conn (a struct MHD_Connection *):
 * endless and drip stream the personality's answer in rs, huge and deep
 * their own body.  Takes rs (freed).  Readers give up once *stopping is
 * set.  Returns MHD_YES or MHD_NO. */
int sr_fault_queue_stream(void *conn, const struct sim_fault *f, struct sr_resp *rs,
			  const int *stopping);
/* A certificate for wrong-name.invalid (SAN and CN) issued by issuer_pem
 * (signed with issuer_key_pem), and its new key, as PEM (malloc'd). */
tw_err sr_wrong_name_cert(const char *issuer_pem, const char *issuer_key_pem, char **cert_pem,
			  char **key_pem, char *msg, size_t msglen);

#endif
