/* rest.c: the REST transport and session engine shared by every vendor REST
 * driver (see rest.h for the contract).  One libcurl multi handle and one
 * easy handle per target carry one request at a time; the engine walks the
 * vendor's login sequence and poll sequence as a small state machine driven
 * by the scheduler's event loop (fds()/step()), maps transport and HTTP
 * failures onto tw_err values, and keeps the session across polls. */
#include "config.h"
#include "rest.h"
#include "log.h"
#include "rest_json.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define REST_DEFAULT_MAX_RESPONSE ((uint64_t)32 << 20)
#define REST_MAX_HEADER_BYTES ((size_t)64 << 10)
#define REST_MAX_PATH ((size_t)64 << 10)
#define REST_MAX_BODY ((size_t)1 << 20)
#define REST_MAX_REQUESTS_PER_POLL 20000u
#define REST_LOGOUT_TIMEOUT 5.0
#define REST_MAX_RETRY_AFTER 3600.0          /* seconds: an array's Retry-After is capped */
#define REST_KEEP_BODY_BYTES ((size_t)1 << 20) /* a larger body buffer is freed after the poll */

enum rest_phase { PH_IDLE, PH_LOGIN, PH_POLL };

struct rest_engine {
	const struct rest_vendor *v;
	void *vs;
	struct rest_target t;
	CURLM *multi;
	CURL *easy;
	struct curl_slist *hdrs;
	char errbuf[CURL_ERROR_SIZE];
	struct rest_request rq;
	struct rest_response resp;
	enum rest_phase phase;
	int attached;          /* easy handle is in the multi handle */
	int too_big;           /* the body or headers passed their cap */
	int session;           /* the vendor's login sequence completed */
	unsigned logins_this_poll;
	unsigned requests_this_poll;
	double deadline;
	struct snap_builder *b;
	double req_started;
	double retry_at;       /* monotonic: the array asked for no request before this */
	struct rest_stats stats;
};

/* ---- small helpers ------------------------------------------------------ */

static void secret_free(char *s)
{
	if (!s)
		return;
	volatile char *p = s;
	while (*p)
		*p++ = '\0';
	free(s);
}

static const char *method_name(enum rest_method m)
{
	switch (m) {
	case REST_GET: return "GET";
	case REST_POST: return "POST";
	case REST_DELETE: return "DELETE";
	}
	return "?";
}

/* "GET /api/storage/volumes" (query left out) for messages. */
static void where(const struct rest_engine *e, char *out, size_t outlen)
{
	const char *p = e->rq.path.data ? e->rq.path.data : "";
	size_t n = strcspn(p, "?");
	if (n > 120)
		n = 120;
	snprintf(out, outlen, "%s %.*s", method_name(e->rq.method), (int)n, p);
}

/* ---- requests and responses --------------------------------------------- */

static void request_init(struct rest_request *rq)
{
	memset(rq, 0, sizeof *rq);
	buf_init(&rq->path, REST_MAX_PATH);
	buf_init(&rq->body, REST_MAX_BODY);
}

static void request_clear(struct rest_request *rq)
{
	for (size_t i = 0; i < rq->nheaders; i++) {
		secret_free(rq->headers[i]);
		rq->headers[i] = NULL;
	}
	rq->nheaders = 0;
	if (rq->body.data)
		memset(rq->body.data, 0, rq->body.alloc); /* login bodies hold passwords */
	buf_reset(&rq->path);
	buf_reset(&rq->body);
	rq->method = REST_GET;
	rq->basic_auth = 0;
	rq->post_empty = 0;
}

static void request_free(struct rest_request *rq)
{
	request_clear(rq);
	buf_free(&rq->path);
	buf_free(&rq->body);
}

tw_err rest_request_set(struct rest_request *rq, enum rest_method m, const char *fmt, ...)
{
	va_list ap;
	char small[512];
	int n;
	rq->method = m;
	buf_reset(&rq->path);
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return rq->path.err = TW_ERR_INTERNAL;
	if ((size_t)n < sizeof small)
		return buf_append(&rq->path, small, (size_t)n);
	if (buf_reserve(&rq->path, (size_t)n))
		return rq->path.err;
	va_start(ap, fmt);
	vsnprintf(rq->path.data, (size_t)n + 1, fmt, ap);
	va_end(ap);
	rq->path.len = (size_t)n;
	return TW_OK;
}

tw_err rest_request_append_escaped(struct rest_request *rq, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			buf_putc(&rq->path, (char)c);
		} else {
			char t[3] = { '%', hex[c >> 4], hex[c & 15] };
			buf_append(&rq->path, t, 3);
		}
	}
	return rq->path.err;
}

tw_err rest_request_header(struct rest_request *rq, const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);
	char *h;
	if (rq->nheaders >= REST_MAX_HEADERS)
		return rq->path.err = TW_ERR_INTERNAL;
	/* A header value must not smuggle in another header. */
	if (strpbrk(value, "\r\n") || strpbrk(name, "\r\n: "))
		return rq->path.err = TW_ERR_INVALID_DATA;
	h = malloc(nl + vl + 3);
	if (!h)
		return rq->path.err = TW_ERR_NOMEM;
	memcpy(h, name, nl);
	memcpy(h + nl, ": ", 2);
	memcpy(h + nl + 2, value, vl + 1);
	rq->headers[rq->nheaders++] = h;
	return TW_OK;
}

tw_err rest_request_body(struct rest_request *rq, const char *json)
{
	buf_reset(&rq->body);
	return buf_puts(&rq->body, json);
}

char *rest_response_header(const struct rest_response *r, const char *name)
{
	const char *p = r->headers.data, *end;
	size_t nl = strlen(name);
	if (!p)
		return NULL;
	end = p + r->headers.len;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end;
		if ((size_t)(le - p) > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
			const char *v = p + nl + 1, *ve = le;
			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			return tw_strndup(v, (size_t)(ve - v));
		}
		p = eol ? eol + 1 : end;
	}
	return NULL;
}

/* ---- libcurl callbacks --------------------------------------------------- */

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct rest_engine *e = ud;
	size_t n = size * nmemb;
	tw_err err = buf_append(&e->resp.body, ptr, n);
	if (err) {
		if (err == TW_ERR_TOO_BIG)
			e->too_big = 1;
		return 0; /* CURLE_WRITE_ERROR */
	}
	return n;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct rest_engine *e = ud;
	size_t n = size * nmemb;
	if (n >= 5 && memcmp(ptr, "HTTP/", 5) == 0)
		buf_reset(&e->resp.headers); /* a new response (after 100 Continue) */
	if (buf_append(&e->resp.headers, ptr, n)) {
		e->too_big = 1;
		return 0;
	}
	return n;
}

/* ---- target copy ------------------------------------------------------- */

static void target_free(struct rest_target *t)
{
	free(t->name);
	free(t->url);
	free(t->username);
	secret_free(t->password);
	secret_free(t->api_token);
	free(t->ca_file);
	memset(t, 0, sizeof *t);
}

static tw_err target_copy(struct rest_target *dst, const struct tw_target *t, char *msg,
			  size_t msglen)
{
	size_t n;
	memset(dst, 0, sizeof *dst);
	if (!t->url || !*t->url)
		return tw_seterr(msg, msglen, TW_ERR_CONFIG, "driver %s needs a url", t->driver);
	dst->name = tw_strdup(t->name);
	dst->url = tw_strdup(t->url);
	dst->username = tw_strdup(t->username);
	dst->password = tw_strdup(t->password.value);
	dst->api_token = tw_strdup(t->api_token.value);
	dst->ca_file = tw_strdup(t->tls.ca_file);
	dst->insecure = t->tls.insecure_skip_verify;
	dst->timeout = t->timeout > 0 ? t->timeout : 10.0;
	dst->max_response_bytes = t->max_response_bytes ? t->max_response_bytes
							: REST_DEFAULT_MAX_RESPONSE;
	if (!dst->name || !dst->url || (t->username && !dst->username) ||
	    (t->password.value && !dst->password) || (t->api_token.value && !dst->api_token) ||
	    (t->tls.ca_file && !dst->ca_file))
		return TW_ERR_NOMEM;
	n = strlen(dst->url);
	while (n > 0 && dst->url[n - 1] == '/')
		dst->url[--n] = '\0';
	return TW_OK;
}

/* The base URL must be http(s)://host[:port][/prefix] with no credentials
 * in it (they belong in password_file) and no query or fragment. */
static tw_err check_url(const char *url, char *msg, size_t msglen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *user = NULL, *host = NULL, *query = NULL, *frag = NULL;
	tw_err e = TW_OK;
	if (!u)
		return TW_ERR_NOMEM;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
		e = tw_seterr(msg, msglen, TW_ERR_CONFIG, "url '%s' is not a valid URL", url);
		goto out;
	}
	curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	curl_url_get(u, CURLUPART_USER, &user, 0);
	curl_url_get(u, CURLUPART_HOST, &host, 0);
	curl_url_get(u, CURLUPART_QUERY, &query, 0);
	curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0);
	if (!scheme || (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0))
		e = tw_seterr(msg, msglen, TW_ERR_CONFIG, "url must start with https:// or http://");
	else if (user)
		e = tw_seterr(msg, msglen, TW_ERR_CONFIG,
			      "url must not hold credentials; use username and password_file");
	else if (!host || !*host)
		e = tw_seterr(msg, msglen, TW_ERR_CONFIG, "url has no host");
	else if (query || frag)
		e = tw_seterr(msg, msglen, TW_ERR_CONFIG, "url must not have a query or fragment");
out:
	curl_free(scheme);
	curl_free(user);
	curl_free(host);
	curl_free(query);
	curl_free(frag);
	curl_url_cleanup(u);
	return e;
}

/* ---- engine lifetime ------------------------------------------------------ */

static void engine_free(struct rest_engine *e)
{
	if (!e)
		return;
	if (e->attached)
		curl_multi_remove_handle(e->multi, e->easy);
	if (e->easy)
		curl_easy_cleanup(e->easy);
	if (e->multi)
		curl_multi_cleanup(e->multi);
	curl_slist_free_all(e->hdrs);
	if (e->vs) {
		if (e->v->free)
			e->v->free(e->vs);
		free(e->vs);
	}
	request_free(&e->rq);
	buf_free(&e->resp.body);
	buf_free(&e->resp.headers);
	target_free(&e->t);
	free(e);
}

static tw_err easy_setup(struct rest_engine *e)
{
	CURL *c = e->easy;
	CURLcode r = CURLE_OK;
#define SET(opt, val) do { if (r == CURLE_OK) r = curl_easy_setopt(c, opt, val); } while (0)
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_ERRORBUFFER, e->errbuf);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, e);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, e);
	SET(CURLOPT_ACCEPT_ENCODING, "");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
	SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SET(CURLOPT_SSL_VERIFYPEER, e->t.insecure ? 0L : 1L);
	SET(CURLOPT_SSL_VERIFYHOST, e->t.insecure ? 0L : 2L);
	if (e->t.ca_file)
		SET(CURLOPT_CAINFO, e->t.ca_file);
	SET(CURLOPT_COOKIEFILE, "");      /* cookie engine on, nothing read from disk */
	SET(CURLOPT_USERAGENT, "thinwatch/" PACKAGE_VERSION);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)e->t.max_response_bytes);
#undef SET
	return r == CURLE_OK ? TW_OK : TW_ERR_INTERNAL;
}

tw_err rest_drv_open(void *state, const struct rest_vendor *v, const struct tw_target *t,
		     char *msg, size_t msglen)
{
	struct rest_drv_state *st = state;
	struct rest_engine *e;
	tw_err err;

	st->e = NULL;
	e = calloc(1, sizeof *e);
	if (!e)
		return TW_ERR_NOMEM;
	e->v = v;
	request_init(&e->rq);
	if ((err = target_copy(&e->t, t, msg, msglen)))
		goto fail;
	if ((err = check_url(e->t.url, msg, msglen)))
		goto fail;
	if ((v->flags & REST_F_NEED_USER) && (!e->t.username || !e->t.password)) {
		err = tw_seterr(msg, msglen, TW_ERR_CONFIG,
				"driver %s needs username and password_file", v->name);
		goto fail;
	}
	if ((v->flags & REST_F_NEED_TOKEN) && !e->t.api_token) {
		err = tw_seterr(msg, msglen, TW_ERR_CONFIG, "driver %s needs api_token_file",
				v->name);
		goto fail;
	}
	if (e->t.max_response_bytes > SIZE_MAX - 1)
		e->t.max_response_bytes = SIZE_MAX - 1;
	buf_init(&e->resp.body, (size_t)e->t.max_response_bytes);
	buf_init(&e->resp.headers, REST_MAX_HEADER_BYTES);
	e->vs = calloc(1, v->state_size ? v->state_size : 1);
	e->multi = curl_multi_init();
	e->easy = curl_easy_init();
	if (!e->vs || !e->multi || !e->easy) {
		err = TW_ERR_NOMEM;
		goto fail;
	}
	if ((err = easy_setup(e))) {
		tw_seterr(msg, msglen, err, "cannot configure libcurl");
		goto fail;
	}
	if (v->open && (err = v->open(e->vs, &e->t, msg, msglen)))
		goto fail;
	if (e->t.insecure)
		tw_log(TW_LOG_WARN, "TLS certificate verification is disabled (insecure_skip_verify)",
		       "target", e->t.name, NULL);
	if (strncmp(e->t.url, "http://", 7) == 0 && (e->t.password || e->t.api_token))
		tw_log(TW_LOG_WARN, "credentials are sent without TLS (http:// url)", "target",
		       e->t.name, NULL);
	st->e = e;
	return TW_OK;
fail:
	engine_free(e);
	return err;
}

/* ---- issuing requests ----------------------------------------------------- */

static tw_err easy_prepare(struct rest_engine *e, double deadline, char *msg, size_t msglen)
{
	struct rest_request *rq = &e->rq;
	CURL *c = e->easy;
	struct buf url;
	struct curl_slist *h = NULL;
	double now = tw_now_mono(), left = deadline - now;
	long ms;
	CURLcode r = CURLE_OK;
	tw_err err = TW_OK;
	char w[160];

	where(e, w, sizeof w);
	if (rq->path.err || rq->body.err)
		return tw_seterr(msg, msglen, rq->path.err ? rq->path.err : rq->body.err,
				 "cannot build request %s", w);
	if (!rq->path.data || rq->path.data[0] != '/')
		return tw_seterr(msg, msglen, TW_ERR_INTERNAL, "request path must start with '/'");
	if (left <= 0)
		return tw_seterr(msg, msglen, TW_ERR_TIMEOUT, "poll deadline passed before %s", w);
	ms = (long)(left * 1000.0) + 1;

	buf_init(&url, REST_MAX_PATH + 4096);
	buf_puts(&url, e->t.url);
	buf_append(&url, rq->path.data, rq->path.len);
	if (buf_failed(&url)) {
		buf_free(&url);
		return tw_seterr(msg, msglen, TW_ERR_NOMEM, "cannot build the URL for %s", w);
	}

	h = curl_slist_append(h, "Accept: application/json");
	if (h && rq->method == REST_POST && rq->body.len)
		h = curl_slist_append(h, "Content-Type: application/json");
	if (h)
		h = curl_slist_append(h, "Expect:");
	for (size_t i = 0; h && i < rq->nheaders; i++) {
		struct curl_slist *n = curl_slist_append(h, rq->headers[i]);
		if (!n) {
			curl_slist_free_all(h);
			h = NULL;
		}
		h = n;
	}
	if (!h) {
		buf_free(&url);
		return tw_seterr(msg, msglen, TW_ERR_NOMEM, "out of memory building headers");
	}
	curl_slist_free_all(e->hdrs);
	e->hdrs = h;

#define SET(opt, val) do { if (r == CURLE_OK) r = curl_easy_setopt(c, opt, val); } while (0)
	SET(CURLOPT_URL, url.data);
	SET(CURLOPT_HTTPHEADER, e->hdrs);
	SET(CURLOPT_CUSTOMREQUEST, (char *)NULL);
	switch (rq->method) {
	case REST_GET:
		SET(CURLOPT_HTTPGET, 1L);
		break;
	case REST_POST:
		SET(CURLOPT_POST, 1L);
		SET(CURLOPT_POSTFIELDSIZE, (long)rq->body.len);
		SET(CURLOPT_POSTFIELDS, rq->body.len ? rq->body.data : "");
		break;
	case REST_DELETE:
		SET(CURLOPT_HTTPGET, 1L);
		SET(CURLOPT_CUSTOMREQUEST, "DELETE");
		break;
	}
	if (rq->basic_auth) {
		SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		SET(CURLOPT_USERNAME, e->t.username ? e->t.username : "");
		SET(CURLOPT_PASSWORD, e->t.password ? e->t.password : "");
	} else {
		SET(CURLOPT_USERNAME, (char *)NULL);
		SET(CURLOPT_PASSWORD, (char *)NULL);
	}
	SET(CURLOPT_TIMEOUT_MS, ms);
	SET(CURLOPT_CONNECTTIMEOUT_MS, ms);
#undef SET
	buf_free(&url); /* libcurl copied the URL */
	if (r != CURLE_OK)
		err = tw_seterr(msg, msglen, TW_ERR_INTERNAL, "libcurl refused an option: %s",
				curl_easy_strerror(r));
	buf_reset(&e->resp.body);
	buf_reset(&e->resp.headers);
	e->resp.status = 0;
	e->resp.method = rq->method;
	e->resp.path = rq->path.data;
	e->too_big = 0;
	e->errbuf[0] = '\0';
	e->req_started = now;
	return err;
}

static tw_err send_request(struct rest_engine *e, char *msg, size_t msglen)
{
	tw_err err;
	CURLMcode mc;
	if (++e->requests_this_poll > REST_MAX_REQUESTS_PER_POLL)
		return tw_seterr(msg, msglen, TW_ERR_PROTOCOL,
				 "more than %u requests in one poll (pagination loop?)",
				 REST_MAX_REQUESTS_PER_POLL);
	if ((err = easy_prepare(e, e->deadline, msg, msglen)))
		return err;
	mc = curl_multi_add_handle(e->multi, e->easy);
	if (mc != CURLM_OK)
		return tw_seterr(msg, msglen, TW_ERR_INTERNAL, "curl_multi_add_handle: %s",
				 curl_multi_strerror(mc));
	e->attached = 1;
	e->stats.requests++;
	return TW_OK;
}

static void begin_login(struct rest_engine *e)
{
	e->phase = PH_LOGIN;
	e->logins_this_poll++;
	e->stats.logins++;
}

/* Ask the vendor for the next request and send it; *finished = 1 when the
 * poll is complete. */
static tw_err issue_next(struct rest_engine *e, int *finished, char *msg, size_t msglen)
{
	*finished = 0;
	for (;;) {
		request_clear(&e->rq);
		if (e->phase == PH_LOGIN) {
			if (e->v->login_next(e->vs, &e->t, &e->rq))
				return send_request(e, msg, msglen);
			e->session = 1;
			e->phase = PH_POLL;
			tw_log(TW_LOG_INFO, "REST session opened", "target", e->t.name, "driver",
			       e->v->name, NULL);
			continue;
		}
		if (e->v->poll_next(e->vs, &e->t, &e->rq))
			return send_request(e, msg, msglen);
		*finished = 1;
		return TW_OK;
	}
}

tw_err rest_drv_start(void *state, struct snap_builder *b, double deadline, char *msg,
		      size_t msglen)
{
	struct rest_engine *e = ((struct rest_drv_state *)state)->e;
	int finished = 0;
	tw_err err;
	if (!e)
		return tw_seterr(msg, msglen, TW_ERR_INTERNAL, "REST driver not open");
	if (e->attached) {
		curl_multi_remove_handle(e->multi, e->easy);
		e->attached = 0;
	}
	e->b = b;
	e->deadline = deadline;
	e->retry_at = 0;
	e->logins_this_poll = 0;
	e->requests_this_poll = 0;
	e->v->poll_begin(e->vs);
	if ((e->v->flags & REST_F_SESSION) && !e->session)
		begin_login(e);
	else
		e->phase = PH_POLL;
	err = issue_next(e, &finished, msg, msglen);
	if (err == TW_OK && finished)
		/* A poll of no requests: let step() report it. */
		e->phase = PH_POLL;
	if (err) {
		if (e->phase == PH_LOGIN) {
			e->v->forget(e->vs);
			e->session = 0;
		}
		e->phase = PH_IDLE;
	}
	return err;
}

void rest_drv_fds(void *state, struct tw_fdset *fs)
{
	struct rest_engine *e = ((struct rest_drv_state *)state)->e;
	fd_set ex;
	int maxfd = -1;
	long to = -1;
	double now;
	if (!e || !e->attached) {
		tw_fdset_wake(fs, tw_now_mono());
		return;
	}
	FD_ZERO(&ex);
	curl_multi_fdset(e->multi, &fs->rd, &fs->wr, &ex, &maxfd);
	if (maxfd > fs->maxfd)
		fs->maxfd = maxfd;
	curl_multi_timeout(e->multi, &to);
	now = tw_now_mono();
	if (maxfd < 0 && (to < 0 || to > 50))
		to = 50; /* curl is between sockets (resolving, connecting): look again soon */
	if (to >= 0)
		tw_fdset_wake(fs, now + (double)to / 1000.0 + 1e-6);
}

/* ---- handling a finished transfer ------------------------------------------ */

static tw_err map_curl_error(struct rest_engine *e, CURLcode code, char *msg, size_t msglen)
{
	char w[160];
	const char *detail = e->errbuf[0] ? e->errbuf : curl_easy_strerror(code);
	tw_err err;
	where(e, w, sizeof w);
	if (e->too_big || code == CURLE_FILESIZE_EXCEEDED)
		return tw_seterr(msg, msglen, TW_ERR_TOO_BIG,
				 "%s: response larger than max_response_bytes (%llu)", w,
				 (unsigned long long)e->t.max_response_bytes);
	switch (code) {
	case CURLE_OPERATION_TIMEDOUT:
		err = TW_ERR_TIMEOUT;
		break;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_USE_SSL_FAILED:
		err = TW_ERR_TLS;
		break;
	case CURLE_OUT_OF_MEMORY:
		err = TW_ERR_NOMEM;
		break;
	case CURLE_BAD_CONTENT_ENCODING:
		err = TW_ERR_PARSE;
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		err = TW_ERR_IO;
		break;
	default:
		err = TW_ERR_PROTOCOL;
		break;
	}
	return tw_seterr(msg, msglen, err, "%s: %s", w, detail);
}

/* Seconds the answer's Retry-After asks for (delay-seconds or an
 * HTTP-date, RFC 9110), capped at REST_MAX_RETRY_AFTER; 0 when absent,
 * malformed or in the past. */
static double retry_after(const struct rest_response *r)
{
	char *v = rest_response_header(r, "Retry-After");
	uint64_t secs;
	double d = 0;
	if (!v)
		return 0;
	if (tw_parse_u64(v, &secs) == 0) {
		d = (double)secs;
	} else {
		time_t when = curl_getdate(v, NULL);
		if (when != (time_t)-1)
			d = difftime(when, time(NULL));
	}
	free(v);
	if (!(d > 0))
		return 0;
	return d > REST_MAX_RETRY_AFTER ? REST_MAX_RETRY_AFTER : d;
}

static void http_error(struct rest_engine *e, tw_err err, char *msg, size_t msglen)
{
	char w[160], text[160] = "", ra[48] = "";
	double secs = 0;
	where(e, w, sizeof w);
	if (e->v->error_text && e->resp.body.len) {
		e->v->error_text(&e->resp, text, sizeof text);
	} else if (e->v->error_json && e->resp.body.len) {
		json_t *root = NULL;
		if (rj_parse(e->resp.body.data, e->resp.body.len, &root, NULL, 0) == TW_OK)
			e->v->error_json(root, text, sizeof text);
		json_decref(root);
	}
	if (e->resp.status >= 300 && e->resp.status < 400) {
		tw_seterr(msg, msglen, err, "%s: HTTP %ld redirect not followed", w, e->resp.status);
		return;
	}
	/* 429 Too Many Requests, 503 Service Unavailable: the array may say
	 * when to come back; the scheduler will not poll it sooner. */
	if ((e->resp.status == 429 || e->resp.status == 503) &&
	    (secs = retry_after(&e->resp)) > 0) {
		e->retry_at = tw_now_mono() + secs;
		snprintf(ra, sizeof ra, " (Retry-After %.0fs)", secs);
	}
	tw_seterr(msg, msglen, err, "%s: HTTP %ld%s%s%s", w, e->resp.status, ra,
		  text[0] ? ": " : "", text);
}

/* Decide what a response means.  Returns REST_V_OK to go on with the
 * vendor's handler; REST_V_EXPIRED; or REST_V_ERROR with *err and msg. */
static enum rest_verdict verdict(struct rest_engine *e, tw_err *err, char *msg, size_t msglen)
{
	long st = e->resp.status;
	if (e->v->classify) {
		enum rest_verdict vd = e->v->classify(e->vs, &e->resp, err, msg, msglen);
		if (vd != REST_V_OK)
			return vd;
	}
	if (st >= 200 && st < 300)
		return REST_V_OK;
	if ((st == 401 || st == 403) && (e->v->flags & REST_F_SESSION) && e->phase == PH_POLL)
		return REST_V_EXPIRED;
	*err = (st == 401 || st == 403) ? TW_ERR_AUTH : TW_ERR_HTTP;
	http_error(e, *err, msg, msglen);
	return REST_V_ERROR;
}

/* A transfer finished.  Returns TW_OK with *finished = 0 when the next
 * request is on its way, or *finished = 1 with the poll's result. */
static tw_err handle_done(struct rest_engine *e, CURLcode code, int *finished, char *msg,
			  size_t msglen)
{
	tw_err err = TW_OK;
	enum rest_verdict vd;
	long status = 0;

	*finished = 1;
	if (code != CURLE_OK)
		return map_curl_error(e, code, msg, msglen);
	curl_easy_getinfo(e->easy, CURLINFO_RESPONSE_CODE, &status);
	e->resp.status = status;
	if (tw_log_enabled(TW_LOG_DEBUG)) {
		char w[160], st[16], ms[24], len[24];
		where(e, w, sizeof w);
		snprintf(st, sizeof st, "%ld", status);
		snprintf(ms, sizeof ms, "%.1f", (tw_now_mono() - e->req_started) * 1000.0);
		snprintf(len, sizeof len, "%zu", e->resp.body.len);
		tw_log(TW_LOG_DEBUG, "REST request", "target", e->t.name, "request", w, "status", st,
		       "bytes", len, "ms", ms, NULL);
	}
	vd = verdict(e, &err, msg, msglen);
	if (vd == REST_V_ERROR) {
		if (e->phase == PH_LOGIN && err == TW_ERR_HTTP &&
		    (status == 401 || status == 403))
			err = TW_ERR_AUTH;
		return err ? err : TW_ERR_INTERNAL;
	}
	if (vd == REST_V_EXPIRED) {
		if (e->phase == PH_LOGIN || !(e->v->flags & REST_F_SESSION) ||
		    e->logins_this_poll > 0) {
			char w[160];
			where(e, w, sizeof w);
			return tw_seterr(msg, msglen, TW_ERR_AUTH,
					 e->phase == PH_LOGIN ? "%s: login refused (HTTP %ld)"
					 : "%s: session refused right after logging in (HTTP %ld)",
					 w, status);
		}
		tw_log(TW_LOG_INFO, "REST session expired; logging in again", "target", e->t.name,
		       NULL);
		e->v->forget(e->vs);
		e->session = 0;
		curl_easy_setopt(e->easy, CURLOPT_COOKIELIST, "ALL");
		e->stats.relogins++;
		begin_login(e);
		return issue_next(e, finished, msg, msglen);
	}
	if (e->phase == PH_LOGIN)
		err = e->v->login_response(e->vs, &e->t, &e->resp, msg, msglen);
	else
		err = e->v->poll_response(e->vs, e->b, &e->resp, msg, msglen);
	if (err)
		return err;
	return issue_next(e, finished, msg, msglen);
}

enum tw_step rest_drv_step(void *state, const struct tw_fdset *ready, double now, tw_err *result,
			   char *msg, size_t msglen)
{
	struct rest_engine *e = ((struct rest_drv_state *)state)->e;
	CURLMsg *m;
	int running = 0, left = 0, got = 0, finished = 0;
	CURLcode code = CURLE_OK;
	tw_err err;
	(void)ready;
	(void)now;

	if (!e || e->phase == PH_IDLE) {
		*result = tw_seterr(msg, msglen, TW_ERR_INTERNAL, "REST driver has no poll running");
		return TW_STEP_DONE;
	}
	if (!e->attached) {
		/* start() found nothing to request */
		e->phase = PH_IDLE;
		*result = TW_OK;
		return TW_STEP_DONE;
	}
	curl_multi_perform(e->multi, &running);
	while ((m = curl_multi_info_read(e->multi, &left))) {
		if (m->msg == CURLMSG_DONE && m->easy_handle == e->easy) {
			code = m->data.result;
			got = 1;
		}
	}
	if (!got)
		return TW_STEP_PENDING;
	curl_multi_remove_handle(e->multi, e->easy);
	e->attached = 0;
	err = handle_done(e, code, &finished, msg, msglen);
	if (err == TW_OK && !finished)
		return TW_STEP_PENDING;
	if (err && e->phase == PH_LOGIN) {
		/* The login sequence failed: start over next poll. */
		e->v->forget(e->vs);
		e->session = 0;
	}
	if (e->attached) {
		curl_multi_remove_handle(e->multi, e->easy);
		e->attached = 0;
	}
	/* Hand back the memory of an unusually large answer (up to
	 * max_response_bytes) rather than keep it between polls. */
	if (e->resp.body.alloc > REST_KEEP_BODY_BYTES)
		buf_free(&e->resp.body);
	e->phase = PH_IDLE;
	e->b = NULL;
	*result = err;
	return TW_STEP_DONE;
}

void rest_drv_abort(void *state)
{
	struct rest_engine *e = ((struct rest_drv_state *)state)->e;
	if (!e)
		return;
	if (e->attached) {
		curl_multi_remove_handle(e->multi, e->easy);
		e->attached = 0;
	}
	if (e->phase == PH_LOGIN) {
		e->v->forget(e->vs);
		e->session = 0;
	}
	if (e->resp.body.alloc > REST_KEEP_BODY_BYTES)
		buf_free(&e->resp.body);
	e->phase = PH_IDLE;
	e->b = NULL;
}

/* Run the logout request to completion (blocking, bounded); close() only. */
static void logout(struct rest_engine *e)
{
	char msg[256] = "";
	CURLcode code = CURLE_OK;
	int running = 1, got = 0, left;
	double timeout = e->t.timeout < REST_LOGOUT_TIMEOUT ? e->t.timeout : REST_LOGOUT_TIMEOUT;
	CURLMsg *m;

	request_clear(&e->rq);
	if (!e->v->logout || !e->v->logout(e->vs, &e->t, &e->rq))
		return;
	e->deadline = tw_now_mono() + timeout;
	if (easy_prepare(e, e->deadline, msg, sizeof msg) ||
	    curl_multi_add_handle(e->multi, e->easy) != CURLM_OK) {
		tw_log(TW_LOG_WARN, "REST logout failed", "target", e->t.name, "err", msg, NULL);
		return;
	}
	e->attached = 1;
	e->stats.requests++;
	while (!got && tw_now_mono() < e->deadline + 0.5) {
		curl_multi_perform(e->multi, &running);
		while ((m = curl_multi_info_read(e->multi, &left)))
			if (m->msg == CURLMSG_DONE && m->easy_handle == e->easy) {
				code = m->data.result;
				got = 1;
			}
		if (!got)
			curl_multi_poll(e->multi, NULL, 0, 100, NULL);
	}
	curl_multi_remove_handle(e->multi, e->easy);
	e->attached = 0;
	if (!got) {
		tw_log(TW_LOG_WARN, "REST logout timed out", "target", e->t.name, NULL);
		return;
	}
	if (code != CURLE_OK) {
		map_curl_error(e, code, msg, sizeof msg);
		tw_log(TW_LOG_WARN, "REST logout failed", "target", e->t.name, "err", msg, NULL);
		return;
	}
	curl_easy_getinfo(e->easy, CURLINFO_RESPONSE_CODE, &e->resp.status);
	e->stats.logouts++;
	if (e->resp.status >= 200 && e->resp.status < 300) {
		tw_log(TW_LOG_INFO, "REST session closed", "target", e->t.name, NULL);
	} else {
		char st[16];
		snprintf(st, sizeof st, "%ld", e->resp.status);
		tw_log(TW_LOG_WARN, "REST logout refused", "target", e->t.name, "status", st, NULL);
	}
}

void rest_drv_close(void *state)
{
	struct rest_drv_state *st = state;
	struct rest_engine *e = st->e;
	if (!e)
		return;
	rest_drv_abort(state);
	if (e->session && (e->v->flags & REST_F_SESSION))
		logout(e);
	e->session = 0;
	engine_free(e);
	st->e = NULL;
}

double rest_drv_retry_at(void *state)
{
	const struct rest_engine *e = ((struct rest_drv_state *)state)->e;
	return e ? e->retry_at : 0;
}

void rest_drv_stats(void *state, struct rest_stats *out)
{
	struct rest_engine *e = ((struct rest_drv_state *)state)->e;
	if (e)
		*out = e->stats;
	else
		memset(out, 0, sizeof *out);
}
