/* sim_rest.c: the simulator's REST core (see sim_rest.h): parses each REST
 * array's `rest:` (and ONTAP `luns:`) section, makes or loads the TLS
 * certificate, runs one libmicrohttpd server per array (a thread per
 * connection, one lock per server), keeps sessions, counters and a log of
 * request times, serves the /_sim control endpoints, applies the array's
 * fault personality (acted out by sim_rest_fault.c) and hands API requests
 * to the vendor personality (sim_rest_vendors.c). */
#include "config.h"
#include "sim/sim_rest.h"
#include "sim/sim_rest_int.h"
#include "buf.h"
#include "log.h"
#include "units.h"
#include "ytree.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#define SR_MAX_BODY ((size_t)1 << 20)
#define SR_HUGE_BYTES ((uint64_t)64 << 20)
#define SR_TOKEN_HEX 32

struct sr_session {
	char tok[SR_TOKEN_HEX + 1];
	double created;
};

struct sr_stats {
	unsigned long logins, login_failures, logouts, requests, connections, expired;
};

struct sr_server {
	pthread_mutex_t mu;        /* everything below that a request touches */
	int mu_ready;
	const struct sim_array *a;
	const struct sr_personality *pers;
	struct sr_conf conf;
	struct MHD_Daemon *d;
	char address[128];
	double start, speed;
	size_t *prefix;            /* prefix[i] = volumes in pools before pool i */
	struct sr_session *sess;
	size_t nsess;
	struct sr_stats st;
	enum sr_fault fault;
	unsigned fault_count;
	char *cert_pem, *key_pem;  /* per-array files, or borrowed from sim_rest */
	int own_pem;
	/* fault personality (sim_fault.h) and what it needs */
	struct sim_fault pfault;
	char self_other[96];       /* "scheme://127.0.0.2:PORT": default redirect target */
	char *wrong_cert, *wrong_key; /* wrong_name certificate, made when first needed */
	int serving_wrong;         /* the daemon presents the wrong-name certificate */
	int stopping;              /* atomic: stream readers give up */
	struct sim_rest_hit log[SIM_REST_LOG]; /* ring of the last API calls */
	uint64_t nlog;             /* API calls logged since start */
	struct sr_lun *luns;       /* ontap `luns:` */
	size_t nluns;
};

struct sim_rest {
	struct sr_server *srv;
	size_t n;
	char *cert_pem, *key_pem;  /* shared: generated or --tls-cert/--tls-key */
};

struct conn_state {
	struct buf body;
};

/* Per TCP connection: did it carry an API (non-/_sim) request yet? */
struct sock_state {
	int api;
};

static const char *const rest_personalities[] = {
	"ontap", "purefa", "hpe3par", "oceanstor", "powerstore", "ibmsv", "unity", NULL,
};

int sim_rest_is_personality(const char *personality)
{
	for (size_t i = 0; rest_personalities[i]; i++)
		if (strcmp(rest_personalities[i], personality) == 0)
			return 1;
	return 0;
}

/* ---- helpers for personalities ------------------------------------------- */

const char *sr_query(const struct sr_req *rq, const char *key)
{
	return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *sr_header(const struct sr_req *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

const char *sr_cookie(const struct sr_req *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, name);
}

static int auth_refused(const struct sr_server *s)
{
	return s->pfault.type == SIM_FAULT_AUTH;
}

int sr_secret_ok(const struct sr_req *rq, const char *given, const char *expected)
{
	return given && expected && !auth_refused(rq->s) && strcmp(given, expected) == 0;
}

int sr_basic_ok(const struct sr_req *rq)
{
	char *pass = NULL;
	char *user = MHD_basic_auth_get_username_password(rq->conn, &pass);
	int ok = user && pass && strcmp(user, rq->s->conf.username) == 0 &&
		 sr_secret_ok(rq, pass, rq->s->conf.password);
	if (user)
		MHD_free(user);
	if (pass)
		MHD_free(pass);
	return ok;
}

json_t *sr_body_json(const struct sr_req *rq)
{
	if (!rq->body || !rq->body_len)
		return NULL;
	return json_loadb(rq->body, rq->body_len, 0, NULL);
}

void sr_json(struct sr_resp *rs, unsigned status, json_t *j)
{
	free(rs->body);
	rs->body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	rs->len = rs->body ? strlen(rs->body) : 0;
	rs->status = rs->body || !j ? status : 500;
	rs->ctype = "application/json";
	json_decref(j);
}

void sr_text(struct sr_resp *rs, unsigned status, const char *text)
{
	free(rs->body);
	rs->body = tw_strdup(text);
	rs->len = rs->body ? strlen(rs->body) : 0;
	rs->status = status;
	rs->ctype = "text/plain";
}

void sr_header_add(struct sr_resp *rs, const char *name, const char *value)
{
	if (rs->nhdr >= SR_MAX_HEADERS)
		return;
	rs->hname[rs->nhdr] = tw_strdup(name);
	rs->hval[rs->nhdr] = tw_strdup(value);
	rs->nhdr++;
}

const struct sim_array *sr_array(const struct sr_server *s)
{
	return s->a;
}

const struct sr_conf *sr_conf(const struct sr_server *s)
{
	return &s->conf;
}

void sr_token_hex(char *out, size_t outlen)
{
	unsigned char raw[SR_TOKEN_HEX / 2];
	static const char hex[] = "0123456789abcdef";
	size_t i;
	if (gnutls_rnd(GNUTLS_RND_NONCE, raw, sizeof raw) != 0) {
		/* fall back to something unique enough for a simulator */
		uint64_t x = (uint64_t)(tw_now_mono() * 1e9) ^ (uint64_t)(uintptr_t)out;
		for (i = 0; i < sizeof raw; i++, x = x * 6364136223846793005ULL + 1)
			raw[i] = (unsigned char)(x >> 56);
	}
	for (i = 0; i < sizeof raw && 2 * i + 2 < outlen; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[2 * i] = '\0';
}

static void sessions_expire(struct sr_server *s)
{
	double now = tw_now_mono();
	size_t j = 0;
	if (!(s->conf.session_ttl > 0))
		return;
	for (size_t i = 0; i < s->nsess; i++) {
		if (now - s->sess[i].created >= s->conf.session_ttl) {
			s->st.expired++;
			continue;
		}
		s->sess[j++] = s->sess[i];
	}
	s->nsess = j;
}

int sr_session_open(struct sr_server *s, char *tok, size_t toklen)
{
	sessions_expire(s);
	if (s->nsess >= s->conf.max_sessions) {
		s->st.login_failures++;
		return -1;
	}
	sr_token_hex(s->sess[s->nsess].tok, sizeof s->sess[s->nsess].tok);
	s->sess[s->nsess].created = tw_now_mono();
	snprintf(tok, toklen, "%s", s->sess[s->nsess].tok);
	s->nsess++;
	s->st.logins++;
	return 0;
}

int sr_session_valid(struct sr_server *s, const char *tok)
{
	sessions_expire(s);
	if (!tok || auth_refused(s))
		return 0;
	for (size_t i = 0; i < s->nsess; i++)
		if (strcmp(s->sess[i].tok, tok) == 0)
			return 1;
	return 0;
}

int sr_session_close(struct sr_server *s, const char *tok)
{
	if (!tok)
		return 0;
	for (size_t i = 0; i < s->nsess; i++)
		if (strcmp(s->sess[i].tok, tok) == 0) {
			s->sess[i] = s->sess[--s->nsess];
			s->st.logouts++;
			return 1;
		}
	return 0;
}

void sr_login_failed(struct sr_server *s)
{
	s->st.login_failures++;
}

void sr_pool_at(const struct sim_pool *p, uint64_t t_ns, struct sr_pool_now *out)
{
	uint64_t added = sim_pool_added_at(p, t_ns);
	out->capacity = p->capacity;
	out->used = p->used + added;
	out->free = p->free > added ? p->free - added : 0;
}

uint64_t sr_vol_consumed(const struct sim_pool *p, const struct sim_volume *v, uint64_t t_ns)
{
	return sim_volume_consumed_at(p, v, t_ns);
}

size_t sr_vol_count(const struct sr_server *s)
{
	return s->prefix[s->a->npools];
}

int sr_vol_at(const struct sr_server *s, size_t i, size_t *pool, size_t *vol)
{
	size_t lo = 0, hi = s->a->npools;
	if (i >= sr_vol_count(s))
		return 0;
	/* last pool whose prefix <= i */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->prefix[mid] <= i)
			lo = mid;
		else
			hi = mid;
	}
	while (lo < s->a->npools && s->a->pools[lo].nvols == 0)
		lo++;
	*pool = lo;
	*vol = i - s->prefix[lo];
	return 1;
}

size_t sr_luns(const struct sr_server *s, const struct sr_lun **out)
{
	*out = s->luns;
	return s->nluns;
}

void sr_uuid(char *out, size_t outlen, unsigned kind, uint64_t n)
{
	snprintf(out, outlen, "%08x-0000-4000-8000-%012llx", kind,
		 (unsigned long long)(n & 0xffffffffffffULL));
}

enum sr_fault sr_fault_peek(const struct sr_req *rq)
{
	return rq->s->fault_count ? rq->s->fault : SR_FAULT_NONE;
}

enum sr_fault sr_fault_take(struct sr_req *rq, struct sr_resp *rs)
{
	struct sr_server *s = rq->s;
	enum sr_fault f;
	if (!s->fault_count)
		return SR_FAULT_NONE;
	f = s->fault;
	s->fault_count--;
	if (f == SR_FAULT_BADJSON) {
		sr_text(rs, 200, "{\"records\": [{\"name\": \"trunc");
		rs->ctype = "application/json";
		return SR_FAULT_ANSWERED;
	}
	if (f == SR_FAULT_HUGE) {
		rs->huge = 1;
		return SR_FAULT_ANSWERED;
	}
	return f;
}

/* ---- TLS material --------------------------------------------------------- */

static tw_err read_file(const char *path, char **out, char *msg, size_t msglen)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char tmp[4096];
	size_t n;
	if (!f)
		return tw_seterr(msg, msglen, TW_ERR_IO, "%s: %s", path, strerror(errno));
	buf_init(&b, 1 << 20);
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_append(&b, tmp, n);
	fclose(f);
	if (buf_failed(&b) || b.len == 0) {
		buf_free(&b);
		return tw_seterr(msg, msglen, TW_ERR_IO, "%s: empty or too large", path);
	}
	*out = buf_detach(&b, NULL);
	return *out ? TW_OK : TW_ERR_NOMEM;
}

static tw_err write_file(const char *path, const char *text, char *msg, size_t msglen)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) == EOF) {
		if (f)
			fclose(f);
		return tw_seterr(msg, msglen, TW_ERR_IO, "%s: %s", path, strerror(errno));
	}
	if (fclose(f) != 0)
		return tw_seterr(msg, msglen, TW_ERR_IO, "%s: %s", path, strerror(errno));
	return TW_OK;
}

static char *datum_str(gnutls_datum_t *d)
{
	char *s = tw_strndup((const char *)d->data, d->size);
	gnutls_free(d->data);
	d->data = NULL;
	return s;
}

/* A self-signed certificate (ECDSA P-256, CA:TRUE so it can be its own
 * trust anchor) for CN thinwatch-sim, SAN localhost, 127.0.0.1 and ::1
 * and every listen host of the scenario. */
static tw_err make_cert(struct sim_rest *r, char *msg, size_t msglen)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t d = { NULL, 0 };
	unsigned char serial[16];
	unsigned char lo4[4] = { 127, 0, 0, 1 }, lo6[16] = { 0 };
	time_t now = time(NULL);
	int rc = 0;
	tw_err e = TW_OK;

	lo6[15] = 1;
	if (gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial) != 0)
		memset(serial, 0x42, sizeof serial);
	serial[0] &= 0x7f;
#define G(x) do { if (rc >= 0) rc = (x); } while (0)
	G(gnutls_x509_privkey_init(&key));
	G(gnutls_x509_privkey_generate(key, GNUTLS_PK_EC,
				       GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0));
	G(gnutls_x509_crt_init(&crt));
	G(gnutls_x509_crt_set_version(crt, 3));
	G(gnutls_x509_crt_set_serial(crt, serial, sizeof serial));
	G(gnutls_x509_crt_set_activation_time(crt, now - 3600));
	G(gnutls_x509_crt_set_expiration_time(crt, now + 3600L * 24 * 365));
	G(gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "thinwatch-sim", 13));
	G(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "localhost", 9,
					       GNUTLS_FSAN_APPEND));
	G(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, lo4, 4,
					       GNUTLS_FSAN_APPEND));
	G(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, lo6, 16,
					       GNUTLS_FSAN_APPEND));
	for (size_t i = 0; i < r->n; i++) {
		struct in_addr ia;
		if (inet_pton(AF_INET, r->srv[i].conf.listen_host, &ia) == 1 &&
		    memcmp(&ia, lo4, 4) != 0)
			G(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, &ia, 4,
							       GNUTLS_FSAN_APPEND));
	}
	G(gnutls_x509_crt_set_basic_constraints(crt, 1, -1));
	G(gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE |
					      GNUTLS_KEY_KEY_CERT_SIGN));
	G(gnutls_x509_crt_set_key(crt, key));
	G(gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0));
	G(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d));
	if (rc >= 0 && !(r->cert_pem = datum_str(&d)))
		e = TW_ERR_NOMEM;
	G(gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &d));
	if (rc >= 0 && !e && !(r->key_pem = datum_str(&d)))
		e = TW_ERR_NOMEM;
#undef G
	if (rc < 0)
		e = tw_seterr(msg, msglen, TW_ERR_TLS, "cannot make a certificate: %s",
			      gnutls_strerror(rc));
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (key)
		gnutls_x509_privkey_deinit(key);
	return e;
}

/* ---- the `rest:` section ---------------------------------------------------- */

static tw_err dup_str(char **dst, const char *s)
{
	free(*dst);
	*dst = tw_strdup(s);
	return *dst ? TW_OK : TW_ERR_NOMEM;
}

static tw_err parse_listen(const struct ydoc *d, const struct ynode *n, struct sr_conf *c,
			   char *msg, size_t msglen)
{
	const char *s, *colon;
	uint64_t port;
	struct in_addr ia;
	char host[64];
	tw_err e;
	if ((e = ynode_str(d, n, "rest.listen", &s, msg, msglen)))
		return e;
	colon = strrchr(s, ':');
	if (!colon || (size_t)(colon - s) >= sizeof host || tw_parse_u64(colon + 1, &port) ||
	    port == 0 || port > 65535)
		return yerr(msg, msglen, d, n, "rest.listen: expected HOST:PORT, got '%s'", s);
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	if (inet_pton(AF_INET, host, &ia) != 1)
		return yerr(msg, msglen, d, n, "rest.listen: expected an IPv4 address, got '%s'",
			    host);
	c->port = (unsigned)port;
	return dup_str(&c->listen_host, host);
}

static tw_err parse_conf(const struct sim_scenario *sc, const struct sim_array *a,
			 struct sr_conf *c, char *msg, size_t msglen)
{
	static const char *const keys[] = { "listen", "tls", "username", "password", "api_token",
					    "page_size", "session_ttl", "max_sessions", NULL };
	static const char *const tls_keys[] = { "cert", "key", NULL };
	const struct ydoc *d = sc->doc;
	const struct ynode *r = a->node ? ymap_get(a->node, "rest") : NULL, *x;
	const char *s;
	uint64_t u;
	tw_err e;

	c->tls = 1;
	c->page_size = 100;
	c->max_sessions = 16;
	if (dup_str(&c->username, "admin") || dup_str(&c->password, "secret"))
		return TW_ERR_NOMEM;
	if (!r)
		return tw_seterr(msg, msglen, TW_ERR_CONFIG, "%s: array '%s': personality %s needs a "
				 "'rest' section", a->where, a->name, a->personality);
	if ((e = ynode_expect(d, r, Y_MAP, "rest", msg, msglen)) ||
	    (e = ymap_check_keys(d, r, keys, msg, msglen)))
		return e;
	if (!(x = ymap_get(r, "listen")))
		return yerr(msg, msglen, d, r, "rest: missing 'listen' (HOST:PORT)");
	if ((e = parse_listen(d, x, c, msg, msglen)))
		return e;
	if ((x = ymap_get(r, "tls"))) {
		if (x->type == Y_MAP) {
			const struct ynode *cf = ymap_get(x, "cert"), *kf = ymap_get(x, "key");
			if ((e = ymap_check_keys(d, x, tls_keys, msg, msglen)))
				return e;
			if (!cf || !kf)
				return yerr(msg, msglen, d, x, "rest.tls: give both 'cert' and 'key'");
			if ((e = ynode_str(d, cf, "rest.tls.cert", &s, msg, msglen)) ||
			    (e = dup_str(&c->cert_file, s)) ||
			    (e = ynode_str(d, kf, "rest.tls.key", &s, msg, msglen)) ||
			    (e = dup_str(&c->key_file, s)))
				return e;
		} else if ((e = ynode_bool(d, x, "rest.tls", &c->tls, msg, msglen))) {
			return e;
		}
	}
	if ((x = ymap_get(r, "username")) &&
	    ((e = ynode_str(d, x, "rest.username", &s, msg, msglen)) || (e = dup_str(&c->username, s))))
		return e;
	if ((x = ymap_get(r, "password")) &&
	    ((e = ynode_str(d, x, "rest.password", &s, msg, msglen)) || (e = dup_str(&c->password, s))))
		return e;
	if ((x = ymap_get(r, "api_token")) &&
	    ((e = ynode_str(d, x, "rest.api_token", &s, msg, msglen)) ||
	     (e = dup_str(&c->api_token, s))))
		return e;
	if (!c->api_token && dup_str(&c->api_token, c->password))
		return TW_ERR_NOMEM;
	if ((x = ymap_get(r, "page_size"))) {
		if ((e = ynode_u64(d, x, "rest.page_size", 1, 100000, &u, msg, msglen)))
			return e;
		c->page_size = (unsigned)u;
	}
	if ((x = ymap_get(r, "max_sessions"))) {
		if ((e = ynode_u64(d, x, "rest.max_sessions", 1, 100000, &u, msg, msglen)))
			return e;
		c->max_sessions = (unsigned)u;
	}
	if ((x = ymap_get(r, "session_ttl")) &&
	    (e = ynode_duration(d, x, "rest.session_ttl", &c->session_ttl, msg, msglen)))
		return e;
	return TW_OK;
}

static void conf_free(struct sr_conf *c)
{
	free(c->listen_host);
	free(c->cert_file);
	free(c->key_file);
	free(c->username);
	free(c->password);
	free(c->api_token);
	memset(c, 0, sizeof *c);
}

/* ---- the `luns:` list (ontap) ------------------------------------------------ */

static void luns_free(struct sr_server *s)
{
	for (size_t i = 0; i < s->nluns; i++) {
		free(s->luns[i].name);
		free(s->luns[i].svm);
		free(s->luns[i].volume);
		free(s->luns[i].serial);
	}
	free(s->luns);
	s->luns = NULL;
	s->nluns = 0;
}

/* "/vol/VOLUME/LUN": the length of VOLUME, or 0 when the path is not so. */
static size_t lun_volume_len(const char *path)
{
	const char *v, *slash;
	if (strncmp(path, "/vol/", 5) != 0)
		return 0;
	v = path + 5;
	slash = strchr(v, '/');
	if (!slash || slash == v || !slash[1] || strchr(slash + 1, '/'))
		return 0;
	for (const char *p = path; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p == 0x7f)
			return 0;
	return (size_t)(slash - v);
}

static tw_err parse_lun(const struct ydoc *d, const struct ynode *n, size_t idx, struct sr_lun *l,
			char *msg, size_t msglen)
{
	static const char *const keys[] = { "name", "svm", "size", "used", "thin", "serial", NULL };
	const struct ynode *x;
	const char *str;
	size_t vl;
	tw_err e;

	l->thin = 1;
	if ((e = ynode_expect(d, n, Y_MAP, "luns[]", msg, msglen)) ||
	    (e = ymap_check_keys(d, n, keys, msg, msglen)))
		return e;
	if (!(x = ymap_get(n, "name")))
		return yerr(msg, msglen, d, n, "luns[]: missing 'name' (/vol/VOLUME/LUN)");
	if ((e = ynode_str(d, x, "luns[].name", &str, msg, msglen)))
		return e;
	if (!(vl = lun_volume_len(str)) || strlen(str) > 255)
		return yerr(msg, msglen, d, x, "luns[].name: expected /vol/VOLUME/LUN, got '%s'", str);
	if (dup_str(&l->name, str) || !(l->volume = tw_strndup(str + 5, vl)))
		return TW_ERR_NOMEM;
	if ((x = ymap_get(n, "svm"))) {
		if ((e = ynode_str(d, x, "luns[].svm", &str, msg, msglen)))
			return e;
		if (!*str || strchr(str, ':') || strlen(str) > 128)
			return yerr(msg, msglen, d, x, "luns[].svm: expected a name without ':'");
	} else {
		str = "svm0";
	}
	if (dup_str(&l->svm, str))
		return TW_ERR_NOMEM;
	if (!(x = ymap_get(n, "size")))
		return yerr(msg, msglen, d, n, "luns[]: missing 'size'");
	if ((e = ynode_size(d, x, "luns[].size", &l->size, msg, msglen)))
		return e;
	if ((x = ymap_get(n, "used"))) {
		if ((e = ynode_size(d, x, "luns[].used", &l->used, msg, msglen)))
			return e;
		if (l->used > l->size)
			return yerr(msg, msglen, d, x, "luns[].used: more than the LUN's size");
	}
	if ((x = ymap_get(n, "thin")) && (e = ynode_bool(d, x, "luns[].thin", &l->thin, msg, msglen)))
		return e;
	if ((x = ymap_get(n, "serial"))) {
		if ((e = ynode_str(d, x, "luns[].serial", &str, msg, msglen)))
			return e;
		if (!*str || strlen(str) > 64)
			return yerr(msg, msglen, d, x, "luns[].serial: expected 1 to 64 characters");
		if (dup_str(&l->serial, str))
			return TW_ERR_NOMEM;
	} else {
		char made[16];
		snprintf(made, sizeof made, "sim%09zu", idx % 1000000000u);
		if (dup_str(&l->serial, made))
			return TW_ERR_NOMEM;
	}
	return TW_OK;
}

static tw_err parse_luns(const struct sim_scenario *sc, const struct sim_array *a,
			 struct sr_server *s, char *msg, size_t msglen)
{
	const struct ydoc *d = sc->doc;
	const struct ynode *l = a->node ? ymap_get(a->node, "luns") : NULL;
	tw_err e;
	if (!l)
		return TW_OK;
	if ((e = ynode_expect(d, l, Y_SEQ, "luns", msg, msglen)))
		return e;
	if (!(s->luns = calloc(l->n ? l->n : 1, sizeof *s->luns)))
		return tw_seterr(msg, msglen, TW_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < l->n; i++) {
		s->nluns = i + 1;
		if ((e = parse_lun(d, l->items[i], i + 1, &s->luns[i], msg, msglen)))
			return e == TW_ERR_NOMEM ? tw_seterr(msg, msglen, e, "out of memory") : e;
	}
	return TW_OK;
}

/* ---- HTTP handling ---------------------------------------------------------- */

void sr_resp_free(struct sr_resp *rs)
{
	free(rs->body);
	rs->body = NULL;
	for (size_t i = 0; i < rs->nhdr; i++) {
		free(rs->hname[i]);
		free(rs->hval[i]);
		rs->hname[i] = rs->hval[i] = NULL;
	}
	rs->nhdr = 0;
}

static enum MHD_Result queue(struct MHD_Connection *c, struct sr_resp *rs)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	r = MHD_create_response_from_buffer(rs->len, rs->body ? rs->body : (void *)"",
					    rs->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!r) {
		sr_resp_free(rs);
		return MHD_NO;
	}
	rs->body = NULL;
	if (rs->ctype)
		MHD_add_response_header(r, "Content-Type", rs->ctype);
	for (size_t i = 0; i < rs->nhdr; i++)
		if (rs->hname[i] && rs->hval[i])
			MHD_add_response_header(r, rs->hname[i], rs->hval[i]);
	ret = MHD_queue_response(c, rs->status ? rs->status : 500, r);
	MHD_destroy_response(r);
	sr_resp_free(rs);
	return ret;
}

/* "huge" fault: a valid-looking JSON body of SR_HUGE_BYTES, made on the fly. */
static ssize_t huge_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	static const char head[] = "{\"pad\":\"";
	static const char tail[] = "\"}";
	size_t n = 0;
	(void)cls;
	while (n < max && pos < SR_HUGE_BYTES) {
		if (pos < sizeof head - 1)
			buf[n] = head[pos];
		else if (pos >= SR_HUGE_BYTES - (sizeof tail - 1))
			buf[n] = tail[pos - (SR_HUGE_BYTES - (sizeof tail - 1))];
		else
			buf[n] = 'x';
		n++;
		pos++;
	}
	return n ? (ssize_t)n : MHD_CONTENT_READER_END_OF_STREAM;
}

static enum MHD_Result queue_huge(struct MHD_Connection *c)
{
	struct MHD_Response *r = MHD_create_response_from_callback(SR_HUGE_BYTES, 64 * 1024,
								   huge_reader, NULL, NULL);
	enum MHD_Result ret;
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/json");
	ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

/* Seconds since the server started, for the request log. */
static double since_start(const struct sr_server *s)
{
	return tw_now_mono() - s->start;
}

/* Log an API call (its status comes with log_status); returns its slot. */
static size_t log_call(struct sr_server *s)
{
	size_t slot = (size_t)(s->nlog % SIM_REST_LOG);
	s->log[slot].t = since_start(s);
	s->log[slot].status = 0;
	s->nlog++;
	return slot;
}

static void log_status(struct sr_server *s, size_t slot, unsigned status)
{
	s->log[slot].status = status;
}

/* Stats under the lock held. */
static void stats_locked(struct sr_server *s, struct sim_rest_stats *out)
{
	uint64_t first;
	memset(out, 0, sizeof *out);
	sessions_expire(s);
	out->requests = s->st.requests;
	out->connections = s->st.connections;
	out->logins = s->st.logins;
	out->login_failures = s->st.login_failures;
	out->logouts = s->st.logouts;
	out->sessions = s->nsess;
	out->expired = s->st.expired;
	first = s->nlog > SIM_REST_LOG ? s->nlog - SIM_REST_LOG : 0;
	for (uint64_t k = first; k < s->nlog; k++)
		out->log[out->nlog++] = s->log[k % SIM_REST_LOG];
}

static json_t *request_log_json(const struct sim_rest_stats *st)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < st->nlog; i++)
		json_array_append_new(a, json_pack("[f,i]", st->log[i].t, (int)st->log[i].status));
	return a;
}

static void control(struct sr_server *s, struct sr_req *rq, struct sr_resp *rs)
{
	if (strcmp(rq->path, "/_sim/stats") == 0) {
		struct sim_rest_stats st;
		stats_locked(s, &st);
		sr_json(rs, 200,
			json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:s,s:o}", "logins",
				  (json_int_t)st.logins, "login_failures",
				  (json_int_t)st.login_failures, "logouts", (json_int_t)st.logouts,
				  "sessions", (json_int_t)st.sessions, "requests",
				  (json_int_t)st.requests, "connections", (json_int_t)st.connections,
				  "expired", (json_int_t)st.expired, "fault",
				  sim_fault_name(s->pfault.type), "request_log",
				  request_log_json(&st)));
	} else if (strcmp(rq->path, "/_sim/expire") == 0 && strcmp(rq->method, "POST") == 0) {
		s->st.expired += s->nsess;
		s->nsess = 0;
		sr_json(rs, 200, json_pack("{s:b}", "ok", 1));
	} else if (strcmp(rq->path, "/_sim/fault") == 0 && strcmp(rq->method, "POST") == 0) {
		const char *k = sr_query(rq, "kind"), *cnt = sr_query(rq, "count");
		uint64_t n = 1;
		enum sr_fault f = SR_FAULT_NONE;
		if (k && strcmp(k, "http500") == 0)
			f = SR_FAULT_HTTP500;
		else if (k && strcmp(k, "badjson") == 0)
			f = SR_FAULT_BADJSON;
		else if (k && strcmp(k, "vendor_error") == 0)
			f = SR_FAULT_VENDOR;
		else if (k && strcmp(k, "huge") == 0)
			f = SR_FAULT_HUGE;
		else if (k && strcmp(k, "next_loop") == 0)
			f = SR_FAULT_NEXT_LOOP;
		else if (k && strcmp(k, "repeat_token") == 0)
			f = SR_FAULT_REPEAT_TOKEN;
		else if (k && strcmp(k, "none") == 0)
			n = 0;
		else {
			sr_text(rs, 400, "kind: expected http500, badjson, vendor_error, huge, "
				"next_loop, repeat_token or none\n");
			return;
		}
		if (cnt && (tw_parse_u64(cnt, &n) || n > 1000000)) {
			sr_text(rs, 400, "count: expected a number\n");
			return;
		}
		s->fault = f;
		s->fault_count = (unsigned)n;
		sr_json(rs, 200, json_pack("{s:b}", "ok", 1));
	} else {
		sr_text(rs, 404, "unknown simulator control endpoint\n");
	}
}

/* An API call, with the server's lock held: counted and logged, then
 * answered by the fault personality, the vendor personality, or both. */
static enum MHD_Result api_call(struct sr_server *s, struct MHD_Connection *c, struct sr_req *rq,
				struct sr_resp *rs)
{
	const struct sim_fault *f = &s->pfault;
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct sock_state *ss = ci ? ci->socket_context : NULL;
	size_t slot;

	s->st.requests++;
	if (ss && !ss->api) {
		ss->api = 1;
		s->st.connections++;
	}
	slot = log_call(s);
	if (sr_fault_before(f, rq, s->self_other, rs)) {
		log_status(s, slot, rs->status);
		return queue(c, rs);
	}
	if (f->type == SIM_FAULT_HUGE || f->type == SIM_FAULT_DEEP) {
		log_status(s, slot, 200);
		return (enum MHD_Result)sr_fault_queue_stream(c, f, rs, &s->stopping);
	}
	s->pers->handle(rq, rs);
	if (rs->huge) {
		sr_resp_free(rs);
		log_status(s, slot, 200);
		return queue_huge(c);
	}
	if (sr_fault_streams(f)) {
		log_status(s, slot, rs->status ? rs->status : 500);
		return (enum MHD_Result)sr_fault_queue_stream(c, f, rs, &s->stopping);
	}
	sr_fault_after(f, rs);
	log_status(s, slot, rs->status ? rs->status : 500);
	return queue(c, rs);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct sr_server *s = cls;
	struct conn_state *cs = *con_cls;
	struct sr_req rq;
	struct sr_resp rs;
	enum MHD_Result ret;
	(void)version;

	if (!cs) {
		if (!(cs = calloc(1, sizeof *cs)))
			return MHD_NO;
		buf_init(&cs->body, SR_MAX_BODY);
		*con_cls = cs;
		return MHD_YES;
	}
	if (*upload_data_size) {
		buf_append(&cs->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	memset(&rq, 0, sizeof rq);
	memset(&rs, 0, sizeof rs);
	rq.s = s;
	rq.conn = c;
	rq.method = method;
	rq.path = url;
	rq.body = cs->body.data;
	rq.body_len = cs->body.len;
	rq.t_ns = sim_time_ns((tw_now_mono() - s->start) * s->speed);
	if (buf_failed(&cs->body)) {
		sr_text(&rs, 413, "request body too large\n");
		return queue(c, &rs);
	}
	pthread_mutex_lock(&s->mu);
	if (strncmp(url, "/_sim/", 6) == 0) {
		control(s, &rq, &rs);
		pthread_mutex_unlock(&s->mu);
		return queue(c, &rs);
	}
	ret = api_call(s, c, &rq, &rs);
	pthread_mutex_unlock(&s->mu);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct conn_state *cs = *con_cls;
	(void)cls;
	(void)c;
	(void)toe;
	if (cs) {
		buf_free(&cs->body);
		free(cs);
		*con_cls = NULL;
	}
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	(void)cls;
	(void)c;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		*socket_context = calloc(1, sizeof(struct sock_state));
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		free(*socket_context);
		*socket_context = NULL;
	}
}

/* ---- start / stop ------------------------------------------------------------ */

/* Start (or restart) the array's daemon on its address, presenting the
 * wrong-name certificate when `wrong`. */
static tw_err daemon_start(struct sr_server *s, int wrong, char *msg, size_t msglen)
{
	struct sockaddr_in sin;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
			 MHD_USE_ERROR_LOG;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)s->conf.port);
	inet_pton(AF_INET, s->conf.listen_host, &sin.sin_addr);
	if (s->conf.tls)
		s->d = MHD_start_daemon(flags | MHD_USE_TLS, 0, NULL, NULL, on_request, s,
					MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
					MHD_OPTION_HTTPS_MEM_KEY, wrong ? s->wrong_key : s->key_pem,
					MHD_OPTION_HTTPS_MEM_CERT, wrong ? s->wrong_cert : s->cert_pem,
					MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
					MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
					MHD_OPTION_END);
	else
		s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
					MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
					MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
					MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
					MHD_OPTION_END);
	if (!s->d)
		return tw_seterr(msg, msglen, TW_ERR_IO,
				 "array '%s': cannot serve REST on %s:%u (address in use, or bad "
				 "certificate?)", s->a->name, s->conf.listen_host, s->conf.port);
	s->serving_wrong = wrong;
	return TW_OK;
}

/* The fault `f` can be acted out by server s (a wrong_name fault needs
 * TLS and its certificate, made here the first time). */
static tw_err fault_ready(struct sr_server *s, const struct sim_fault *f, char *msg,
			  size_t msglen)
{
	tw_err e;
	if ((e = sim_fault_check_for(f, SIM_FAULT_REST, msg, msglen)) ||
	    (e = sim_fault_check(f, msg, msglen)))
		return e;
	if (f->type != SIM_FAULT_WRONG_NAME || s->wrong_cert)
		return TW_OK;
	if (!s->conf.tls)
		return tw_seterr(msg, msglen, TW_ERR_CONFIG,
				 "fault wrong_name needs HTTPS (rest.tls), this array is plain HTTP");
	return sr_wrong_name_cert(s->cert_pem, s->key_pem, &s->wrong_cert, &s->wrong_key, msg,
				  msglen);
}

static tw_err server_start(struct sim_rest *r, struct sr_server *s, char *msg, size_t msglen)
{
	tw_err e;

	if (s->conf.tls && s->conf.cert_file) {
		if ((e = read_file(s->conf.cert_file, &s->cert_pem, msg, msglen)) ||
		    (e = read_file(s->conf.key_file, &s->key_pem, msg, msglen)))
			return e;
		s->own_pem = 1;
	} else if (s->conf.tls) {
		s->cert_pem = r->cert_pem;
		s->key_pem = r->key_pem;
	}
	s->pfault = s->a->fault;
	if ((e = fault_ready(s, &s->pfault, msg, msglen))) {
		char why[256];
		snprintf(why, sizeof why, "%s", msg);
		return tw_seterr(msg, msglen, e, "%s: array '%s': %s", s->a->where, s->a->name, why);
	}
	snprintf(s->address, sizeof s->address, "%s://%s:%u", s->conf.tls ? "https" : "http",
		 s->conf.listen_host, s->conf.port);
	snprintf(s->self_other, sizeof s->self_other, "%s://127.0.0.2:%u",
		 s->conf.tls ? "https" : "http", s->conf.port);
	s->start = tw_now_mono();
	return daemon_start(s, s->pfault.type == SIM_FAULT_WRONG_NAME, msg, msglen);
}

tw_err sim_rest_start(const struct sim_scenario *sc, const struct sim_rest_opts *o,
		      struct sim_rest **out, char *msg, size_t msglen)
{
	struct sim_rest *r;
	size_t n = 0;
	int need_shared = 0;
	tw_err e = TW_OK;

	*out = NULL;
	for (size_t i = 0; i < sc->narrays; i++)
		if (sim_rest_is_personality(sc->arrays[i].personality))
			n++;
	if (!n)
		return TW_OK;
	if (!(r = calloc(1, sizeof *r)) || !(r->srv = calloc(n, sizeof *r->srv))) {
		free(r);
		return tw_seterr(msg, msglen, TW_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < sc->narrays && !e; i++) {
		const struct sim_array *a = &sc->arrays[i];
		struct sr_server *s;
		if (!sim_rest_is_personality(a->personality))
			continue;
		s = &r->srv[r->n++];
		s->a = a;
		s->speed = o->speed > 0 ? o->speed : 1.0;
		if (pthread_mutex_init(&s->mu, NULL) != 0) {
			e = tw_seterr(msg, msglen, TW_ERR_INTERNAL, "cannot make a lock");
			break;
		}
		s->mu_ready = 1;
		if (!(s->pers = sr_personality_find(a->personality))) {
			e = tw_seterr(msg, msglen, TW_ERR_CONFIG, "array '%s': personality %s is not "
				      "implemented yet", a->name, a->personality);
			break;
		}
		if ((e = parse_conf(sc, a, &s->conf, msg, msglen)) ||
		    (e = parse_luns(sc, a, s, msg, msglen)))
			break;
		if (!(s->sess = calloc(s->conf.max_sessions, sizeof *s->sess)) ||
		    !(s->prefix = calloc(a->npools + 1, sizeof *s->prefix))) {
			e = tw_seterr(msg, msglen, TW_ERR_NOMEM, "out of memory");
			break;
		}
		for (size_t p = 0; p < a->npools; p++)
			s->prefix[p + 1] = s->prefix[p] + a->pools[p].nvols;
		for (size_t j = 0; j + 1 < r->n; j++)
			if (r->srv[j].conf.port == s->conf.port &&
			    strcmp(r->srv[j].conf.listen_host, s->conf.listen_host) == 0)
				e = tw_seterr(msg, msglen, TW_ERR_CONFIG,
					      "arrays '%s' and '%s' both listen on %s:%u",
					      r->srv[j].a->name, a->name, s->conf.listen_host,
					      s->conf.port);
		if (s->conf.tls && !s->conf.cert_file)
			need_shared = 1;
	}
	if (!e && need_shared) {
		if (o->tls_cert || o->tls_key) {
			if (!o->tls_cert || !o->tls_key)
				e = tw_seterr(msg, msglen, TW_ERR_CONFIG,
					      "give both --tls-cert and --tls-key");
			else if (!(e = read_file(o->tls_cert, &r->cert_pem, msg, msglen)))
				e = read_file(o->tls_key, &r->key_pem, msg, msglen);
		} else {
			e = make_cert(r, msg, msglen);
		}
		if (!e && o->cert_out)
			e = write_file(o->cert_out, r->cert_pem, msg, msglen);
	}
	for (size_t i = 0; i < r->n && !e; i++)
		e = server_start(r, &r->srv[i], msg, msglen);
	if (e) {
		sim_rest_stop(r);
		return e;
	}
	*out = r;
	return TW_OK;
}

void sim_rest_stop(struct sim_rest *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		struct sr_server *s = &r->srv[i];
		__atomic_store_n(&s->stopping, 1, __ATOMIC_RELAXED);
		if (s->d)
			MHD_stop_daemon(s->d);
		if (s->own_pem) {
			free(s->cert_pem);
			free(s->key_pem);
		}
		free(s->wrong_cert);
		free(s->wrong_key);
		free(s->sess);
		free(s->prefix);
		luns_free(s);
		conf_free(&s->conf);
		if (s->mu_ready)
			pthread_mutex_destroy(&s->mu);
	}
	free(r->srv);
	free(r->cert_pem);
	free(r->key_pem);
	free(r);
}

size_t sim_rest_count(const struct sim_rest *r)
{
	return r ? r->n : 0;
}

const char *sim_rest_name(const struct sim_rest *r, size_t i)
{
	return r->srv[i].a->name;
}

const char *sim_rest_address(const struct sim_rest *r, size_t i)
{
	return r->srv[i].address;
}

size_t sim_rest_find(const struct sim_rest *r, const char *name)
{
	for (size_t i = 0; r && i < r->n; i++)
		if (strcmp(r->srv[i].a->name, name) == 0)
			return i;
	return SIM_REST_NONE;
}

tw_err sim_rest_set_fault(struct sim_rest *r, size_t i, const struct sim_fault *f, char *msg,
			  size_t msglen)
{
	struct sr_server *s = &r->srv[i];
	int wrong = f->type == SIM_FAULT_WRONG_NAME;
	char was[160], now[160];
	tw_err e;

	if ((e = fault_ready(s, f, msg, msglen)))
		return e;
	pthread_mutex_lock(&s->mu);
	sim_fault_describe(&s->pfault, was, sizeof was);
	s->pfault = *f;
	pthread_mutex_unlock(&s->mu);
	sim_fault_describe(f, now, sizeof now);
	tw_log(TW_LOG_INFO, "fault switched", "array", s->a->name, "was", was, "now", now, NULL);
	if (wrong != s->serving_wrong) {
		/* Another certificate: restart the server on the same address.  Its
		 * open connections close, so clients shake hands again. */
		if (s->d)
			MHD_stop_daemon(s->d);
		s->d = NULL;
		if ((e = daemon_start(s, wrong, msg, msglen))) {
			tw_log(TW_LOG_ERROR, "cannot restart the server", "array", s->a->name, "error",
			       msg, NULL);
			return e;
		}
	}
	return TW_OK;
}

void sim_rest_get_fault(struct sim_rest *r, size_t i, struct sim_fault *out)
{
	struct sr_server *s = &r->srv[i];
	pthread_mutex_lock(&s->mu);
	*out = s->pfault;
	pthread_mutex_unlock(&s->mu);
}

void sim_rest_get_stats(struct sim_rest *r, size_t i, struct sim_rest_stats *out)
{
	struct sr_server *s = &r->srv[i];
	pthread_mutex_lock(&s->mu);
	stats_locked(s, out);
	pthread_mutex_unlock(&s->mu);
}
