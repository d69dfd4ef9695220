/* sim_rest_int.h: what the simulator's REST core (sim_rest.c) offers the
 * vendor personalities (sim_rest_vendors.c): the parsed request, a response
 * to fill, sessions, the scenario values at request time, and JSON output.
 * Every call of a server's handler runs on that server's one thread, so
 * nothing here locks. */
#ifndef TW_SIM_REST_INT_H
#define TW_SIM_REST_INT_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "sim/scenario.h"

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

/* Fault injection (POST /_sim/fault). */
enum sr_fault { SR_FAULT_NONE, SR_FAULT_HTTP500, SR_FAULT_BADJSON, SR_FAULT_VENDOR,
		SR_FAULT_HUGE, SR_FAULT_ANSWERED };

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

const struct sr_personality *sr_personality_find(const char *name);

/* ---- request ---- */
const char *sr_query(const struct sr_req *rq, const char *key);   /* NULL if absent */
const char *sr_header(const struct sr_req *rq, const char *name); /* NULL if absent */
const char *sr_cookie(const struct sr_req *rq, const char *name);
/* HTTP Basic credentials match the configured user and password. */
int sr_basic_ok(const struct sr_req *rq);
/* Request body as JSON (NULL when empty or invalid; caller decrefs). */
json_t *sr_body_json(const struct sr_req *rq);

/* ---- response ---- */
void sr_json(struct sr_resp *rs, unsigned status, json_t *j);     /* steals j */
void sr_text(struct sr_resp *rs, unsigned status, const char *text);
void sr_header_add(struct sr_resp *rs, const char *name, const char *value);

/* ---- server state ---- */
const struct sim_array *sr_array(const struct sr_server *s);
const struct sr_conf *sr_conf(const struct sr_server *s);
/* Open a session: writes a new token (hex) into tok; 0 on success, -1 when
 * max_sessions are open (counted as a failed login). */
int sr_session_open(struct sr_server *s, char *tok, size_t toklen);
/* 1 when tok names a live session (expired ones are dropped and counted). */
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

#endif
