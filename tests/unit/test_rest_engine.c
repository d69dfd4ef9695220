/* test_rest_engine.c: unit tests of the REST transport and session engine
 * (src/rest.c) with a made-up vendor against an in-process libmicrohttpd
 * server on loopback: paging through requests, the response size cap,
 * per-request deadline, one re-login on expiry and never a loop, a refused
 * login, redirects not followed, HTTP errors with the vendor's text,
 * Retry-After of 429/503 answers (seconds, HTTP date, capped), logout in
 * close(), gzip accepted and decoded (a real gzip body; the size cap on the
 * decoded bytes; a gzip bomb stopped with too_big in bounded memory),
 * config checks, and no secret in any message. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "rest.h"
#include "rest_json.h"

#define SECRET "pw-s3cr3t-91f2"

/* ---- the fake array ---- */

struct server {
	struct MHD_Daemon *d;
	unsigned port;
	int logins, login_calls, logouts, data_calls;
	int refuse_login;      /* login answers 401 */
	int reject_tokens;     /* every data call answers 401 */
	int expire_once;       /* next data call answers 401 once */
	int status;            /* answer data calls with this status (0: 200) */
	size_t body_bytes;     /* pad data answers to this size */
	char retry_after[64];  /* Retry-After of status answers, "" for none */
	int pages;
	char token[32];
	char accept_encoding[64];
	int gzip;              /* gzip data answers when the client accepts it */
	size_t bomb_bytes;     /* answer data calls with a gzip bomb of this many bytes */
	int gzip_sent;         /* data answers sent gzip-encoded */
};

/* ---- a small gzip writer (RFC 1951/1952, fixed Huffman codes), so the
 * server can send real compressed bodies without linking zlib ---- */

struct gz {
	unsigned char *p;
	size_t n, cap;
	unsigned acc, nbits;
};

static void gz_byte(struct gz *g, unsigned char c)
{
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 4096;
		g->p = realloc(g->p, g->cap);
		assert_non_null(g->p);
	}
	g->p[g->n++] = c;
}

/* n bits of v, least significant first (header fields, extra bits). */
static void gz_bits(struct gz *g, unsigned v, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		g->acc |= ((v >> i) & 1u) << g->nbits;
		if (++g->nbits == 8) {
			gz_byte(g, (unsigned char)g->acc);
			g->acc = 0;
			g->nbits = 0;
		}
	}
}

/* A Huffman code: most significant bit first. */
static void gz_code(struct gz *g, unsigned code, unsigned n)
{
	while (n--)
		gz_bits(g, (code >> n) & 1u, 1);
}

/* Fixed-code literal/length symbol sym (0..287). */
static void gz_sym(struct gz *g, unsigned sym)
{
	if (sym < 144)
		gz_code(g, 0x30 + sym, 8);
	else if (sym < 256)
		gz_code(g, 0x190 + sym - 144, 9);
	else if (sym < 280)
		gz_code(g, sym - 256, 7);
	else
		gz_code(g, 0xc0 + sym - 280, 8);
}

/* A copy of len (3..258) bytes from distance 1 (the byte before). */
static void gz_repeat(struct gz *g, unsigned len)
{
	static const unsigned short base[] = { 3,  4,  5,  6,  7,  8,  9,  10, 11,  13,
					       15, 17, 19, 23, 27, 31, 35, 43, 51,  59,
					       67, 83, 99, 115, 131, 163, 195, 227, 258 };
	static const unsigned char extra[] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
					       2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };
	unsigned i = 28;
	while (base[i] > len)
		i--;
	gz_sym(g, 257 + i);
	gz_bits(g, len - base[i], extra[i]);
	gz_code(g, 0, 5); /* distance code 0: distance 1 */
}

static uint32_t crc32_update(uint32_t crc, const unsigned char *p, size_t n)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

static void gz_u32(struct gz *g, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		gz_byte(g, (unsigned char)(v >> (8 * i)));
}

static void gz_begin(struct gz *g)
{
	static const unsigned char head[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff };
	memset(g, 0, sizeof *g);
	for (size_t i = 0; i < sizeof head; i++)
		gz_byte(g, head[i]);
	gz_bits(g, 1, 1); /* BFINAL */
	gz_bits(g, 1, 2); /* BTYPE 01: fixed Huffman codes */
}

static void gz_end(struct gz *g, uint32_t crc, uint64_t size)
{
	gz_sym(g, 256);   /* end of block */
	if (g->nbits)
		gz_bits(g, 0, 8 - g->nbits);
	gz_u32(g, crc);
	gz_u32(g, (uint32_t)size);
}

/* body compressed: literals, runs of one byte as copies from distance 1. */
static void gz_compress(struct gz *g, const char *body, size_t n)
{
	gz_begin(g);
	for (size_t i = 0; i < n;) {
		size_t r = 0;
		if (i > 0)
			while (i + r < n && r < 258 && body[i + r] == body[i - 1])
				r++;
		if (r >= 3) {
			gz_repeat(g, (unsigned)r);
			i += r;
		} else {
			gz_sym(g, (unsigned char)body[i]);
			i++;
		}
	}
	gz_end(g, crc32_update(0, (const unsigned char *)body, n), n);
}

/* A gzip bomb: n bytes of '[' in about n / 160 bytes on the wire.  Its
 * trailer is left zero: a client that honours its size cap stops long
 * before it, and one that does not fails the test either way. */
static void gz_bomb(struct gz *g, size_t n)
{
	size_t left;
	gz_begin(g);
	gz_sym(g, '[');
	for (left = n - 1; left >= 258; left -= 258)
		gz_repeat(g, 258);
	for (; left; left--)
		gz_sym(g, '[');
	gz_end(g, 0, 0);
}

static enum MHD_Result answer_gzip(struct MHD_Connection *c, struct gz *g)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(g->n, g->p, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;
	MHD_add_response_header(r, "Content-Type", "application/json");
	MHD_add_response_header(r, "Content-Encoding", "gzip");
	ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *body,
			      const char *hname, const char *hval)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body,
								 MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;
	if (hname)
		MHD_add_response_header(r, hname, hval);
	MHD_add_response_header(r, "Content-Type", "application/json");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
			       const char *method, const char *version, const char *upload,
			       size_t *upload_size, void **con_cls)
{
	struct server *s = cls;
	const char *tok, *ae;
	(void)version;
	(void)upload;
	if (!*con_cls) {
		*con_cls = s;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;
		return MHD_YES;
	}
	if ((ae = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Encoding")))
		snprintf(s->accept_encoding, sizeof s->accept_encoding, "%s", ae);
	if (strcmp(url, "/login") == 0 && strcmp(method, "POST") == 0) {
		const char *pw = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "x-password");
		s->login_calls++;
		if (s->refuse_login || !pw || strcmp(pw, SECRET) != 0)
			return answer(c, 401, "{\"error\":\"bad credentials\"}", NULL, NULL);
		s->logins++;
		snprintf(s->token, sizeof s->token, "tok%d", s->logins);
		return answer(c, 200, "{}", "X-Session", s->token);
	}
	if (strcmp(url, "/logout") == 0) {
		s->logouts++;
		return answer(c, 204, "", NULL, NULL);
	}
	if (strcmp(url, "/data") == 0) {
		const char *page = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "page");
		int p = page ? (int)strtol(page, NULL, 10) : 0;
		char *body;
		size_t n;
		enum MHD_Result ret;
		s->data_calls++;
		tok = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Session");
		if (s->reject_tokens || !tok || strcmp(tok, s->token) != 0)
			return answer(c, 401, "{\"error\":\"session expired\"}", NULL, NULL);
		if (s->expire_once) {
			s->expire_once = 0;
			s->token[0] = '\0';
			return answer(c, 401, "{\"error\":\"session expired\"}", NULL, NULL);
		}
		if (s->status && s->retry_after[0])
			return answer(c, (unsigned)s->status, "{\"error\":\"slow down\"}",
				      "Retry-After", s->retry_after);
		if (s->status)
			return answer(c, (unsigned)s->status, "{\"error\":\"disk on fire\"}",
				      s->status == 302 ? "Location" : NULL,
				      "https://elsewhere.example/data");
		if (s->bomb_bytes) {
			struct gz g;
			gz_bomb(&g, s->bomb_bytes);
			s->gzip_sent++;
			return answer_gzip(c, &g);
		}
		n = s->body_bytes > 64 ? s->body_bytes : 64;
		body = malloc(n + 1);
		snprintf(body, n + 1, "{\"page\":%d,\"more\":%s,\"pad\":\"", p,
			 p + 1 < s->pages ? "true" : "false");
		memset(body + strlen(body), 'x', n - strlen(body) - 2);
		memcpy(body + n - 2, "\"}", 3);
		if (s->gzip && strstr(s->accept_encoding, "gzip")) {
			struct gz g;
			gz_compress(&g, body, n);
			free(body);
			assert_true(g.n < n / 4); /* really compressed */
			s->gzip_sent++;
			return answer_gzip(c, &g);
		}
		ret = answer(c, 200, body, NULL, NULL);
		free(body);
		return ret;
	}
	return answer(c, 404, "{}", NULL, NULL);
}

/* ---- the fake vendor ---- */

struct fake {
	char *token;
	int page, done, pages_seen;
};

static void fake_forget(void *vs)
{
	struct fake *f = vs;
	free(f->token);
	f->token = NULL;
}

static int fake_login_next(void *vs, const struct rest_target *t, struct rest_request *rq)
{
	struct fake *f = vs;
	if (f->token)
		return 0;
	rest_request_set(rq, REST_POST, "/login");
	rest_request_header(rq, "x-password", t->password);
	rq->post_empty = 1;
	return 1;
}

static tw_err fake_login_response(void *vs, const struct rest_target *t,
				  const struct rest_response *r, char *msg, size_t msglen)
{
	struct fake *f = vs;
	(void)t;
	f->token = rest_response_header(r, "x-session");
	return f->token ? TW_OK : tw_seterr(msg, msglen, TW_ERR_PROTOCOL, "no token");
}

static int fake_logout(void *vs, const struct rest_target *t, struct rest_request *rq)
{
	(void)vs;
	(void)t;
	rest_request_set(rq, REST_POST, "/logout");
	rq->post_empty = 1;
	return 1;
}

static void fake_begin(void *vs)
{
	struct fake *f = vs;
	f->page = 0;
	f->done = 0;
	f->pages_seen = 0;
}

static int fake_next(void *vs, const struct rest_target *t, struct rest_request *rq)
{
	struct fake *f = vs;
	(void)t;
	if (f->done)
		return 0;
	rest_request_set(rq, REST_GET, "/data?page=%d", f->page);
	rest_request_header(rq, "X-Session", f->token ? f->token : "");
	return 1;
}

static tw_err fake_response(void *vs, struct snap_builder *b, const struct rest_response *r,
			    char *msg, size_t msglen)
{
	struct fake *f = vs;
	json_t *j = NULL;
	int more = 0;
	tw_err e = rj_parse(r->body.data, r->body.len, &j, msg, msglen);
	(void)b;
	if (e)
		return e;
	if (rj_bool(j, "more", &more) != 1)
		e = tw_seterr(msg, msglen, TW_ERR_INVALID_DATA, "no more");
	json_decref(j);
	f->pages_seen++;
	f->page++;
	if (!more)
		f->done = 1;
	return e;
}

static void fake_error_text(const struct rest_response *r, char *out, size_t outlen)
{
	json_t *j = NULL;
	const char *s;
	out[0] = '\0';
	if (rj_parse(r->body.data, r->body.len, &j, NULL, 0) == TW_OK &&
	    rj_str(j, "error", &s) == 1)
		snprintf(out, outlen, "%s", s);
	json_decref(j);
}

static void fake_free(void *vs)
{
	fake_forget(vs);
}

static const struct rest_vendor fake_vendor = {
	.name = "fake",
	.state_size = sizeof(struct fake),
	.flags = REST_F_SESSION | REST_F_NEED_USER,
	.free = fake_free,
	.login_next = fake_login_next,
	.login_response = fake_login_response,
	.logout = fake_logout,
	.forget = fake_forget,
	.poll_begin = fake_begin,
	.poll_next = fake_next,
	.poll_response = fake_response,
	.error_text = fake_error_text,
};

REST_DRIVER(fake, fake_vendor);

/* ---- harness ---- */

struct env {
	struct server srv;
	struct rest_drv_state st;
	struct tw_target t;
	char url[64];
	char msg[256];
};

static int setup(void **state)
{
	struct env *v = calloc(1, sizeof *v);
	struct sockaddr_in sin;
	const union MHD_DaemonInfo *di;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	v->srv.pages = 3;
	v->srv.d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, handler,
				    &v->srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
				    MHD_OPTION_END);
	if (!v->srv.d)
		return -1;
	di = MHD_get_daemon_info(v->srv.d, MHD_DAEMON_INFO_BIND_PORT);
	v->srv.port = di->port;
	snprintf(v->url, sizeof v->url, "http://127.0.0.1:%u/", v->srv.port);
	v->t.name = "fake1";
	v->t.driver = "fake";
	v->t.url = v->url;
	v->t.username = "monitor";
	v->t.password.value = SECRET;
	v->t.timeout = 2;
	v->t.max_response_bytes = 1 << 20;
	*state = v;
	return 0;
}

static int teardown(void **state)
{
	struct env *v = *state;
	drv_fake.close(&v->st);
	MHD_stop_daemon(v->srv.d);
	free(v);
	return 0;
}

static void open_ok(struct env *v)
{
	assert_int_equal(drv_fake.open(&v->st, &v->t, NULL, v->msg, sizeof v->msg), TW_OK);
}

/* One poll through the driver interface, as the scheduler runs it. */
static tw_err poll_once(struct env *v, double timeout)
{
	struct snap_builder *b = snap_builder_new("fake1");
	double deadline = tw_now_mono() + timeout;
	tw_err e, res = TW_OK;
	v->msg[0] = '\0';
	e = drv_fake.start(&v->st, b, deadline, v->msg, sizeof v->msg);
	while (!e) {
		struct tw_fdset fs;
		struct timeval tv;
		double now = tw_now_mono(), wait = deadline - now;
		FD_ZERO(&fs.rd);
		FD_ZERO(&fs.wr);
		fs.maxfd = -1;
		fs.wake_at = 0;
		drv_fake.fds(&v->st, &fs);
		if (fs.wake_at > 0 && fs.wake_at - now < wait)
			wait = fs.wake_at - now;
		if (wait < 0)
			wait = 0;
		if (wait > 0.5)
			wait = 0.5;
		tv.tv_sec = (time_t)wait;
		tv.tv_usec = (suseconds_t)((wait - (double)tv.tv_sec) * 1e6);
		select(fs.maxfd + 1, &fs.rd, &fs.wr, NULL, &tv);
		now = tw_now_mono();
		if (drv_fake.step(&v->st, &fs, now, &res, v->msg, sizeof v->msg) == TW_STEP_DONE) {
			e = res;
			break;
		}
		if (now >= deadline + 0.5) {
			drv_fake.abort(&v->st);
			e = TW_ERR_TIMEOUT;
			snprintf(v->msg, sizeof v->msg, "scheduler deadline");
			break;
		}
	}
	snap_builder_free(b);
	assert_null(strstr(v->msg, SECRET));
	return e;
}

static struct rest_stats stats(struct env *v)
{
	struct rest_stats s;
	rest_drv_stats(&v->st, &s);
	return s;
}

/* ---- tests ---- */

static void test_session_reuse_and_logout(void **state)
{
	struct env *v = *state;
	open_ok(v);
	for (int i = 0; i < 5; i++)
		assert_int_equal(poll_once(v, 2), TW_OK);
	assert_int_equal(v->srv.logins, 1);
	assert_int_equal(v->srv.data_calls, 15); /* 3 pages x 5 polls */
	assert_int_equal(stats(v).logins, 1);
	assert_string_equal(v->srv.accept_encoding[0] ? "set" : "", "set");
	assert_non_null(strstr(v->srv.accept_encoding, "gzip"));
	drv_fake.close(&v->st);
	assert_int_equal(v->srv.logouts, 1);
	drv_fake.close(&v->st); /* twice is harmless */
	assert_int_equal(v->srv.logouts, 1);
}

static void test_relogin_once(void **state)
{
	struct env *v = *state;
	open_ok(v);
	assert_int_equal(poll_once(v, 2), TW_OK);
	v->srv.expire_once = 1;
	assert_int_equal(poll_once(v, 2), TW_OK);
	assert_int_equal(v->srv.logins, 2);
	assert_int_equal(stats(v).relogins, 1);
	assert_int_equal(poll_once(v, 2), TW_OK);
	assert_int_equal(v->srv.logins, 2);
}

static void test_no_login_loop(void **state)
{
	struct env *v = *state;
	open_ok(v);
	assert_int_equal(poll_once(v, 2), TW_OK);
	v->srv.reject_tokens = 1;
	assert_int_equal(poll_once(v, 2), TW_ERR_AUTH);
	assert_int_equal(v->srv.login_calls, 2);      /* the first + exactly one re-login */
	assert_int_equal(poll_once(v, 2), TW_ERR_AUTH);
	assert_int_equal(v->srv.login_calls, 3);      /* one per poll, never a loop */
	assert_non_null(strstr(v->msg, "session refused right after logging in"));
}

static void test_login_refused(void **state)
{
	struct env *v = *state;
	v->srv.refuse_login = 1;
	open_ok(v);
	assert_int_equal(poll_once(v, 2), TW_ERR_AUTH);
	assert_int_equal(v->srv.login_calls, 1);
	assert_non_null(strstr(v->msg, "401"));
	assert_int_equal(poll_once(v, 2), TW_ERR_AUTH);
	assert_int_equal(v->srv.login_calls, 2);
	drv_fake.close(&v->st);
	assert_int_equal(v->srv.logouts, 0);          /* never logged in: nothing to close */
}

static void test_body_cap(void **state)
{
	struct env *v = *state;
	v->t.max_response_bytes = 1024;
	v->srv.body_bytes = 4096;
	open_ok(v);
	assert_int_equal(poll_once(v, 2), TW_ERR_TOO_BIG);
	assert_non_null(strstr(v->msg, "max_response_bytes"));
	v->srv.body_bytes = 1000;
	assert_int_equal(poll_once(v, 2), TW_OK);      /* the session survived */
	assert_int_equal(v->srv.logins, 1);
}

/* A gzip answer is decoded before the vendor maps it. */
static void test_gzip_body(void **state)
{
	struct env *v = *state;
	v->srv.gzip = 1;
	v->srv.body_bytes = 64 * 1024;
	v->t.max_response_bytes = 128 * 1024;
	open_ok(v);
	assert_int_equal(poll_once(v, 2), TW_OK); /* the fake vendor parsed 3 pages */
	assert_int_equal(v->srv.data_calls, 3);
	assert_int_equal(v->srv.gzip_sent, 3);
	/* the cap applies to the decoded bytes: 64 KiB bodies, 16 KiB cap */
	drv_fake.close(&v->st);
	v->t.max_response_bytes = 16 * 1024;
	open_ok(v);
	assert_int_equal(poll_once(v, 2), TW_ERR_TOO_BIG);
	assert_int_equal(v->srv.gzip_sent, 4);
}

/* A gzip bomb: 400 KiB on the wire (under max_response_bytes, so the
 * Content-Length check lets it through), 64 MiB decoded.  The decoded cap
 * stops it with too_big, and memory stays far below 64 MiB. */
static void test_gzip_bomb(void **state)
{
	struct env *v = *state;
	struct rusage before, after;
	v->srv.bomb_bytes = (size_t)64 << 20;
	open_ok(v);
	getrusage(RUSAGE_SELF, &before);
	assert_int_equal(poll_once(v, 5), TW_ERR_TOO_BIG);
	getrusage(RUSAGE_SELF, &after);
	assert_int_equal(v->srv.gzip_sent, 1);
	assert_non_null(strstr(v->msg, "max_response_bytes"));
	/* ru_maxrss in KiB: the 64 MiB must never have been held */
	assert_true(after.ru_maxrss - before.ru_maxrss < 24 * 1024);
	v->srv.bomb_bytes = 0;
	assert_int_equal(poll_once(v, 2), TW_OK);  /* the session survived */
	assert_int_equal(v->srv.logins, 1);
}

static void test_http_errors(void **state)
{
	struct env *v = *state;
	open_ok(v);
	v->srv.status = 500;
	assert_int_equal(poll_once(v, 2), TW_ERR_HTTP);
	assert_non_null(strstr(v->msg, "GET /data: HTTP 500: disk on fire"));
	assert_int_equal(v->srv.logins, 1);      /* an HTTP error keeps the session */
	v->srv.status = 403;   /* a live session refused: one re-login, then auth */
	assert_int_equal(poll_once(v, 2), TW_ERR_AUTH);
	assert_int_equal(v->srv.logins, 2);
	v->srv.status = 0;
	assert_int_equal(poll_once(v, 2), TW_OK);
}

static void test_redirect_refused(void **state)
{
	struct env *v = *state;
	open_ok(v);
	v->srv.status = 302;   /* answered with Location: https://elsewhere.example/... */
	assert_int_equal(poll_once(v, 2), TW_ERR_HTTP);
	assert_non_null(strstr(v->msg, "HTTP 302 redirect not followed"));
	assert_int_equal(v->srv.data_calls, 1);
}

/* rest_drv_retry_at relative to now, in seconds (-1 when not set). */
static double retry_in(struct env *v)
{
	double at = rest_drv_retry_at(&v->st);
	return at > 0 ? at - tw_now_mono() : -1;
}

static void test_retry_after(void **state)
{
	struct env *v = *state;
	time_t t = time(NULL) + 20;
	struct tm tm;
	double in;
	open_ok(v);
	v->srv.status = 429;
	snprintf(v->srv.retry_after, sizeof v->srv.retry_after, "5");
	assert_int_equal(poll_once(v, 2), TW_ERR_HTTP);
	assert_non_null(strstr(v->msg, "GET /data: HTTP 429 (Retry-After 5s): slow down"));
	in = retry_in(v);
	assert_true(in > 4.5 && in <= 5.0);
	/* an HTTP date, 20 s ahead */
	v->srv.status = 503;
	gmtime_r(&t, &tm);
	strftime(v->srv.retry_after, sizeof v->srv.retry_after, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	assert_int_equal(poll_once(v, 2), TW_ERR_HTTP);
	in = retry_in(v);
	assert_true(in > 17 && in <= 21);
	/* a hostile value is capped at an hour */
	snprintf(v->srv.retry_after, sizeof v->srv.retry_after, "99999999");
	assert_int_equal(poll_once(v, 2), TW_ERR_HTTP);
	in = retry_in(v);
	assert_true(in > 3590 && in <= 3600);
	/* garbage, a past date, or another status: no wait asked for */
	snprintf(v->srv.retry_after, sizeof v->srv.retry_after, "soon");
	assert_int_equal(poll_once(v, 2), TW_ERR_HTTP);
	assert_true(retry_in(v) < 0);
	snprintf(v->srv.retry_after, sizeof v->srv.retry_after, "Thu, 01 Jan 1970 00:00:01 GMT");
	assert_int_equal(poll_once(v, 2), TW_ERR_HTTP);
	assert_true(retry_in(v) < 0);
	v->srv.status = 500;
	snprintf(v->srv.retry_after, sizeof v->srv.retry_after, "5");
	assert_int_equal(poll_once(v, 2), TW_ERR_HTTP);
	assert_true(retry_in(v) < 0);
	/* and a good poll clears it */
	v->srv.status = 429;
	assert_int_equal(poll_once(v, 2), TW_ERR_HTTP);
	assert_true(retry_in(v) > 0);
	v->srv.status = 0;
	assert_int_equal(poll_once(v, 2), TW_OK);
	assert_true(retry_in(v) < 0);
	assert_int_equal(v->srv.logins, 1); /* none of it cost the session */
}

static void test_timeout(void **state)
{
	struct env *v = *state;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	double t0;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(s, 8), 0);  /* accepts (kernel) but never answers */
	getsockname(s, (struct sockaddr *)&sin, &len);
	snprintf(v->url, sizeof v->url, "http://127.0.0.1:%u", ntohs(sin.sin_port));
	open_ok(v);
	t0 = tw_now_mono();
	assert_int_equal(poll_once(v, 0.5), TW_ERR_TIMEOUT);
	assert_true(tw_now_mono() - t0 < 1.5);
	assert_null(strstr(v->msg, "scheduler deadline")); /* curl's own per-request timeout */
	close(s);
}

static void test_connect_refused(void **state)
{
	struct env *v = *state;
	snprintf(v->url, sizeof v->url, "http://127.0.0.1:1");
	open_ok(v);
	assert_int_equal(poll_once(v, 1), TW_ERR_IO);
}

static void test_open_checks(void **state)
{
	struct env *v = *state;
	static const char *const bad[] = {
		"ftp://127.0.0.1/", "https://user:" SECRET "@127.0.0.1/", "https://127.0.0.1/?x=1",
		"not a url", "",
	};
	for (size_t i = 0; i < TW_ARRAY_LEN(bad); i++) {
		v->t.url = (char *)bad[i];
		v->msg[0] = '\0';
		assert_int_equal(drv_fake.open(&v->st, &v->t, NULL, v->msg, sizeof v->msg),
				 TW_ERR_CONFIG);
		assert_null(strstr(v->msg, SECRET));
		drv_fake.close(&v->st);
	}
	v->t.url = v->url;
	v->t.password.value = NULL;
	assert_int_equal(drv_fake.open(&v->st, &v->t, NULL, v->msg, sizeof v->msg), TW_ERR_CONFIG);
	assert_non_null(strstr(v->msg, "password_file"));
	drv_fake.close(&v->st);
}

static void test_request_helpers(void **state)
{
	struct rest_request rq;
	struct rest_response r;
	char *h;
	(void)state;
	memset(&rq, 0, sizeof rq);
	buf_init(&rq.path, 1024);
	buf_init(&rq.body, 1024);
	assert_int_equal(rest_request_set(&rq, REST_GET, "/x?t=%s", ""), TW_OK);
	assert_int_equal(rest_request_append_escaped(&rq, "a b&c=d/é~"), TW_OK);
	assert_string_equal(rq.path.data, "/x?t=a%20b%26c%3Dd%2F%C3%A9~");
	assert_int_equal(rest_request_header(&rq, "X-A", "v\r\nInjected: 1"), TW_ERR_INVALID_DATA);
	buf_free(&rq.path);
	buf_free(&rq.body);

	memset(&r, 0, sizeof r);
	buf_init(&r.headers, 1024);
	buf_puts(&r.headers, "HTTP/1.1 200 OK\r\nX-Auth-Token:  abc \r\nContent-Range: 0-1/5\r\n");
	h = rest_response_header(&r, "x-auth-token");
	assert_string_equal(h, "abc");
	free(h);
	h = rest_response_header(&r, "content-range");
	assert_string_equal(h, "0-1/5");
	free(h);
	assert_null(rest_response_header(&r, "x-auth"));
	buf_free(&r.headers);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_session_reuse_and_logout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relogin_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_login_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gzip_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gzip_bomb, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_redirect_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_after, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_checks, setup, teardown),
		cmocka_unit_test(test_request_helpers),
	};
	tw_log_setup(TW_LOG_ERROR, TW_LOG_LOGFMT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
