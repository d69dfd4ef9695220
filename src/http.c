/* http.c: libmicrohttpd front end (see http.h).  Every handler works from
 * sched_views(): reference-counted snapshots copied out under a short lock,
 * rendered with no lock held.  /metrics and /probe answer with a scrape
 * plan (prom.h) streamed by a content reader: the snapshot fragments go out
 * from the snapshots themselves, which the response keeps referenced until
 * libmicrohttpd has finished with it.
 *
 * Security (--web.config.file, see webcfg.h): basic auth and the extra
 * response headers come from the current web config, taken per request;
 * TLS settings belong to the listening daemon.  A watcher thread stats the
 * web config and the files it names every second; when they change it loads
 * the new config (a broken one is logged and the running one kept) and, if
 * the TLS material changed, starts a new daemon on the same listening socket
 * (MHD_quiesce_daemon) so new connections get the new certificate while
 * connections already open finish on the old daemon, which is stopped once
 * idle.  One thread per connection, a total and a per-IP connection limit and
 * an idle timeout keep slow or idle clients from starving scrapes. */
#include "config.h"
#include "http.h"
#include "log.h"
#include "webcfg.h"

#include <math.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HTTP_DEFAULT_CONN_LIMIT 64u
#define HTTP_DEFAULT_CONN_TIMEOUT 30u   /* seconds without activity */
#define HTTP_WEBCFG_CHECK_SECONDS 1
#define HTTP_MAX_RETIRED 8
#define HTTP_REALM_HEADER "Basic realm=\"thinwatch\""

/* One libmicrohttpd daemon: the current one accepts, retired ones only
 * finish the connections they already have. */
struct srv {
	struct http *h;
	struct MHD_Daemon *d;
	struct webcfg *tls;      /* config its TLS was set up from (ref); NULL = plain HTTP */
	double retired_at;       /* tw_now_mono() when it stopped accepting */
};

struct http {
	pthread_mutex_t mu;      /* guards wc (read by request threads) */
	struct webcfg *wc;       /* current web config (ref), NULL without one */
	struct srv *cur;         /* the accepting daemon; watcher thread and start/stop only */
	struct srv *retired[HTTP_MAX_RETIRED];
	size_t nretired;
	struct sched *sched;
	struct http_hooks hooks;
	char *telemetry_path;
	char *web_config_file;
	unsigned port;
	/* listener settings, reused when the daemon is restarted */
	struct sockaddr_storage ss;
	socklen_t sslen;
	int v6;
	unsigned conn_limit, conn_timeout;
	/* web config watcher */
	pthread_t watcher;
	int watching, stop;
	pthread_mutex_t wmu;     /* guards stop */
	pthread_cond_t wcv;
	struct webcfg_stamp stamp, bad_stamp;
	int have_bad_stamp;
};

/* Per connection (libmicrohttpd's socket context): the web config of the
 * request in progress, so every response gets its headers. */
struct conn {
	struct webcfg *wc;
};

/* The configured extra headers (http_server_config.headers). */
static void add_config_headers(struct MHD_Connection *c, struct MHD_Response *r)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	const struct conn *cs = ci ? ci->socket_context : NULL;
	if (!cs || !cs->wc)
		return;
	for (size_t i = 0; i < cs->wc->nheaders; i++)
		MHD_add_response_header(r, cs->wc->headers[i].name, cs->wc->headers[i].value);
}

/* Queue r with the headers every response gets; takes r. */
static enum MHD_Result queue_response(struct MHD_Connection *c, unsigned status,
				      const char *ctype, struct MHD_Response *r)
{
	enum MHD_Result ret;
	MHD_add_response_header(r, "Content-Type", ctype);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	add_config_headers(c, r);
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, HTTP_REALM_HEADER);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_buf(struct MHD_Connection *c, unsigned status, const char *ctype,
				char *data, size_t len)
{
	struct MHD_Response *r;
	r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(data);
		return MHD_NO;
	}
	return queue_response(c, status, ctype, r);
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	char *p = tw_strdup(text);
	if (!p)
		return MHD_NO;
	return send_buf(c, status, "text/plain; charset=utf-8", p, strlen(p));
}

static enum MHD_Result send_out(struct MHD_Connection *c, unsigned status, const char *ctype,
				struct buf *b)
{
	size_t len;
	char *p;
	if (buf_failed(b)) {
		buf_free(b);
		return send_text(c, 500, "internal error rendering the response\n");
	}
	p = buf_detach(b, &len);
	if (!p)
		return MHD_NO;
	return send_buf(c, status, ctype, p, len);
}

static int wants_openmetrics(struct MHD_Connection *c)
{
	const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
	return a && strstr(a, "application/openmetrics-text") != NULL;
}

/* A scrape being sent: its plan and a reference on every snapshot the plan
 * points into, dropped when libmicrohttpd is done with the response (sent,
 * client gone, daemon stopped), so a poll or reload that replaces those
 * snapshots meanwhile frees nothing being sent. */
struct scrape {
	struct prom_plan *plan;
	struct tw_snapshot **snaps;
	size_t nsnaps;
};

static void scrape_free(void *cls)
{
	struct scrape *sc = cls;
	if (!sc)
		return;
	prom_plan_free(sc->plan);
	for (size_t i = 0; i < sc->nsnaps; i++)
		snap_unref(sc->snaps[i]);
	free(sc->snaps);
	free(sc);
}

/* libmicrohttpd's content reader: the next block of the exposition. */
static ssize_t scrape_read(void *cls, uint64_t pos, char *dst, size_t max)
{
	const struct scrape *sc = cls;
	size_t n;
	if (pos >= prom_plan_size(sc->plan))
		return MHD_CONTENT_READER_END_OF_STREAM;
	n = prom_plan_read(sc->plan, (size_t)pos, dst, max);
	return n ? (ssize_t)n : MHD_CONTENT_READER_END_WITH_ERROR;
}

/* Block size of a scrape response (libmicrohttpd's buffer per response). */
#define HTTP_SCRAPE_BLOCK ((size_t)64 << 10)

/* /metrics, or /probe of one target (only != NULL): the plan is rendered
 * here (HELP/TYPE, health, extras); the snapshot fragments, the bulk of a
 * scrape, are streamed from the snapshots themselves, never copied into
 * one body (a fleet exposition can be hundreds of MB). */
static enum MHD_Result handle_metrics(struct http *h, struct MHD_Connection *c,
				      const char *only)
{
	struct sched_view *v = NULL;
	size_t n = sched_views(h->sched, &v);
	struct prom_target_view *pv;
	struct prom_extra x = { 0 };
	struct scrape *sc = NULL;
	struct MHD_Response *r;
	size_t m = 0;
	int om = wants_openmetrics(c);
	tw_err e = TW_OK;

	pv = calloc(n ? n : 1, sizeof *pv);
	sc = calloc(1, sizeof *sc);
	if (sc)
		sc->snaps = calloc(n ? n : 1, sizeof *sc->snaps);
	if (!pv || !sc || !sc->snaps) {
		free(pv);
		scrape_free(sc);
		sched_views_free(v, n);
		return send_text(c, 500, "out of memory\n");
	}
	for (size_t i = 0; i < n; i++)
		if (!only || strcmp(v[i].pv.name, only) == 0)
			pv[m++] = v[i].pv;
	if (only && m == 0) {
		free(pv);
		scrape_free(sc);
		sched_views_free(v, n);
		return send_text(c, 400, "unknown target: /probe only serves targets named in the config\n");
	}
	for (size_t i = 0; i < m; i++)
		if (pv[i].snap)
			sc->snaps[sc->nsnaps++] = snap_ref((struct tw_snapshot *)pv[i].snap);
	if (h->hooks.extra)
		h->hooks.extra(h->hooks.ctx, &x);
	sc->plan = prom_plan_new(om, pv, m, only ? NULL : &x, &e);
	free(pv);
	sched_views_free(v, n); /* the names are in the plan, the snapshots in sc */
	if (!sc->plan) {
		scrape_free(sc);
		return send_text(c, 500, "internal error rendering the response\n");
	}
	r = MHD_create_response_from_callback(prom_plan_size(sc->plan), HTTP_SCRAPE_BLOCK,
					      scrape_read, sc, scrape_free);
	if (!r) {
		scrape_free(sc);
		return MHD_NO;
	}
	return queue_response(c, 200,
			      om ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
				 : "text/plain; version=0.0.4; charset=utf-8",
			      r);
}

static void html_escape(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '&': buf_puts(b, "&amp;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\'': buf_puts(b, "&#39;"); break;
		default: buf_putc(b, *s);
		}
	}
}

static void url_escape(struct buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '_' || ch == '.' || ch == '~')
			buf_putc(b, (char)ch);
		else
			buf_printf(b, "%%%02X", ch);
	}
}

static void human_bytes(struct buf *b, uint64_t v)
{
	static const char *const u[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double d = (double)v;
	int i = 0;
	while (d >= 1024 && i < 6) {
		d /= 1024;
		i++;
	}
	if (i == 0)
		buf_printf(b, "%llu B", (unsigned long long)v);
	else
		buf_printf(b, "%.2f %s", d, u[i]);
}

static void human_duration(struct buf *b, double s)
{
	if (s < 120)
		buf_printf(b, "%.0f s", s);
	else if (s < 7200)
		buf_printf(b, "%.0f min", s / 60);
	else if (s < 3 * 86400)
		buf_printf(b, "%.1f h", s / 3600);
	else
		buf_printf(b, "%.1f d", s / 86400);
}

struct pool_ref {
	const struct sched_view *v;
	const struct tw_pool *p;
};

/* Higher = riskier: overcommitted with shortfall first, then by fill. */
static double pool_risk(const struct tw_pool *p)
{
	double r = 0;
	if (p->fig.shortfall > 0)
		r += 4;
	if (p->fig.overcommitted)
		r += 2;
	if ((p->flags & TW_HAS_CAPACITY) && p->capacity > 0 && (p->flags & TW_HAS_FREE))
		r += 1.0 - (double)p->free / (double)p->capacity;
	if (!isnan(p->time_to_full) && p->time_to_full < 7 * 86400)
		r += 1.0 - p->time_to_full / (7 * 86400.0); /* full within a week */
	return r;
}

static int cmp_pool_ref(const void *a, const void *b)
{
	double ra = pool_risk(((const struct pool_ref *)a)->p);
	double rb = pool_risk(((const struct pool_ref *)b)->p);
	return ra < rb ? 1 : ra > rb ? -1 : 0;
}

static const char status_css[] =
	"body{font-family:system-ui,sans-serif;margin:0;padding:1em;background:#f7f7f9;color:#222}"
	"h1{font-size:1.4em;margin:0 0 .3em}h2{font-size:1.1em;margin:1.2em 0 .4em}"
	"table{border-collapse:collapse;width:100%;background:#fff}"
	"th,td{padding:.35em .5em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}"
	"th{background:#eee;font-weight:600}"
	".num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}"
	".bar{position:relative;height:1em;min-width:8em;background:#e3e7ee;border-radius:3px;overflow:hidden}"
	".used{position:absolute;left:0;top:0;bottom:0;background:#4a7bd0}"
	".over{position:absolute;right:0;top:0;bottom:0;background:repeating-linear-gradient(45deg,#d33,#d33 4px,#f77 4px,#f77 8px)}"
	".flag{color:#fff;background:#c22;border-radius:3px;padding:0 .4em;font-size:.85em}"
	".ok{color:#185}.down{color:#c22;font-weight:600}.muted{color:#777;font-size:.9em}"
	"tr.risk td{background:#fff1f1}.short{color:#c22;font-weight:600}"
	".key{display:inline-block;width:1em;height:.8em;vertical-align:middle;border-radius:2px}"
	".used-key{background:#4a7bd0}.over-key{background:repeating-linear-gradient(45deg,#d33,#d33 3px,#f77 3px,#f77 6px)}"
	"@media (max-width:700px){body{padding:.5em}.wide{display:none}td,th{padding:.3em .25em}"
	".bar{min-width:3em}table{display:block;overflow-x:auto;font-size:.9em}}";

tw_err http_render_status(struct buf *b, const struct sched_view *v, size_t n,
			  const struct prom_extra *x, const char *tpath)
{
	size_t np = 0, k = 0;
	struct pool_ref *refs;

	for (size_t i = 0; i < n; i++)
		if (v[i].pv.snap)
			np += v[i].pv.snap->npools;
	refs = calloc(np ? np : 1, sizeof *refs);
	if (!refs)
		return TW_ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		if (v[i].pv.snap)
			for (size_t j = 0; j < v[i].pv.snap->npools; j++) {
				refs[k].v = &v[i];
				refs[k].p = &v[i].pv.snap->pools[j];
				k++;
			}
	qsort(refs, np, sizeof *refs, cmp_pool_ref);

	buf_puts(b, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
		    "<meta http-equiv=\"refresh\" content=\"30\"><title>thinwatch</title><style>");
	buf_puts(b, status_css);
	buf_puts(b, "</style></head><body><h1>thinwatch</h1><p class=\"muted\">Thin-provisioning "
		    "exposure of storage pools. Version ");
	html_escape(b, x && x->version ? x->version : "");
	buf_puts(b, " &middot; <a href=\"");
	html_escape(b, tpath);
	buf_puts(b, "\">metrics</a> &middot; <a href=\"/-/healthy\">healthy</a> &middot; "
		    "<a href=\"/-/ready\">ready</a></p>");

	buf_puts(b, "<h2>Pools by risk</h2><table id=\"pools\"><thead><tr><th>Array</th><th>Pool</th>"
		    "<th>Fill</th><th class=\"num\">Capacity</th><th class=\"num wide\">Used</th>"
		    "<th class=\"num\">Free</th><th class=\"num wide\">Provisioned</th>"
		    "<th class=\"num\">Overcommit</th><th class=\"num\">Shortfall</th>"
		    "<th class=\"num\">Time to full</th></tr></thead><tbody>");
	for (size_t i = 0; i < np; i++) {
		const struct tw_pool *p = refs[i].p;
		const struct tw_snapshot *s = refs[i].v->pv.snap;
		double cap = (double)p->capacity, usedf = 0, overf = 0;
		int risky = p->fig.overcommitted || p->fig.shortfall > 0;
		uint64_t used = (p->flags & TW_HAS_USED) ? p->used
			: (p->flags & TW_HAS_FREE) && p->capacity >= p->free ? p->capacity - p->free : 0;
		if ((p->flags & TW_HAS_CAPACITY) && cap > 0) {
			double total = p->fig.provisioned > p->capacity ? (double)p->fig.provisioned : cap;
			usedf = (double)used / total * 100.0;
			overf = p->fig.provisioned > p->capacity
				? ((double)p->fig.provisioned - cap) / total * 100.0 : 0;
		}
		buf_printf(b, "<tr class=\"pool%s\" data-array=\"", risky ? " risk" : "");
		html_escape(b, s->array);
		buf_puts(b, "\" data-pool=\"");
		html_escape(b, p->name);
		buf_printf(b, "\" data-overcommitted=\"%d\"><td>", p->fig.overcommitted);
		html_escape(b, s->array);
		buf_puts(b, "</td><td>");
		html_escape(b, p->name);
		if (p->fig.overcommitted)
			buf_puts(b, " <span class=\"flag\">OVERCOMMITTED</span>");
		buf_printf(b, "</td><td><div class=\"bar\" title=\"used vs capacity; hatched: "
			      "provisioned beyond capacity\"><div class=\"used\" style=\"width:%.1f%%\">"
			      "</div><div class=\"over\" style=\"width:%.1f%%\"></div></div></td>",
			   usedf, overf);
		buf_puts(b, "<td class=\"num\">");
		if (p->flags & TW_HAS_CAPACITY)
			human_bytes(b, p->capacity);
		else
			buf_puts(b, "unknown");
		buf_puts(b, "</td><td class=\"num wide\">");
		human_bytes(b, used);
		buf_puts(b, "</td><td class=\"num\">");
		if (p->flags & TW_HAS_FREE)
			human_bytes(b, p->free);
		buf_puts(b, "</td><td class=\"num wide\">");
		human_bytes(b, p->fig.provisioned);
		buf_puts(b, "</td><td class=\"num\">");
		if (!isnan(p->fig.overcommit_ratio))
			buf_printf(b, "%.2f&times; <span class=\"muted\">(limit %.2f)</span>",
				   p->fig.overcommit_ratio, p->threshold);
		buf_puts(b, p->fig.shortfall ? "</td><td class=\"num short\">" : "</td><td class=\"num\">");
		human_bytes(b, p->fig.shortfall);
		buf_puts(b, "</td><td class=\"num ttf\">");
		if (!isnan(p->time_to_full) && p->time_to_full <= 0)
			buf_puts(b, "<span class=\"down\">full</span>");
		else if (!isnan(p->time_to_full))
			human_duration(b, p->time_to_full);
		else
			buf_puts(b, "<span class=\"muted\">not growing</span>");
		buf_puts(b, "</td></tr>");
	}
	if (np == 0)
		buf_puts(b, "<tr><td colspan=\"10\" class=\"muted\">No pool data yet.</td></tr>");
	buf_puts(b, "</tbody></table><p class=\"muted\">Fill: <span class=\"key used-key\"></span> "
		    "used of capacity, <span class=\"key over-key\"></span> provisioned beyond capacity. "
		    "Shortfall: promised to thin volumes but not backed by free space. Time to full: "
		    "from recent polls.</p>");

	buf_puts(b, "<h2>Targets</h2><table id=\"targets\"><thead><tr><th>Array</th><th>Driver</th>"
		    "<th class=\"wide\">Address</th><th>Last poll</th><th class=\"num\">Duration</th>"
		    "<th>Links</th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		const struct sched_view *t = &v[i];
		buf_puts(b, "<tr class=\"target\" data-array=\"");
		html_escape(b, t->pv.name);
		buf_printf(b, "\" data-up=\"%d\"><td>", t->pv.up);
		html_escape(b, t->pv.name);
		if (t->pv.snap && t->pv.snap->info.limitations) {
			/* what the profile cannot read, e.g. a volumes-only MIB */
			buf_puts(b, "<div class=\"muted limitation\">limitation: ");
			html_escape(b, t->pv.snap->info.limitations);
			buf_puts(b, "</div>");
		}
		buf_puts(b, "</td><td>");
		html_escape(b, t->driver);
		buf_puts(b, "</td><td class=\"wide\">");
		html_escape(b, t->address);
		buf_puts(b, "</td><td>");
		if (!t->tried)
			buf_puts(b, "<span class=\"muted\">not polled yet</span>");
		else if (t->pv.up)
			buf_puts(b, "<span class=\"ok\">ok</span>");
		else {
			buf_puts(b, "<span class=\"down\">down</span> ");
			html_escape(b, t->last_reason);
			buf_puts(b, ": ");
			html_escape(b, t->last_error);
		}
		buf_puts(b, "</td><td class=\"num\">");
		if (t->pv.poll_duration >= 0)
			buf_printf(b, "%.3f s", t->pv.poll_duration);
		buf_puts(b, "</td><td><a href=\"/probe?target=");
		url_escape(b, t->pv.name);
		buf_puts(b, "\">probe</a></td></tr>");
	}
	buf_puts(b, "</tbody></table></body></html>\n");
	free(refs);
	return b->err;
}

static enum MHD_Result handle_status(struct http *h, struct MHD_Connection *c)
{
	struct sched_view *v = NULL;
	size_t n = sched_views(h->sched, &v);
	struct prom_extra x = { 0 };
	struct buf b;
	if (h->hooks.extra)
		h->hooks.extra(h->hooks.ctx, &x);
	buf_init(&b, 0);
	if (http_render_status(&b, v, n, &x, h->telemetry_path) != TW_OK && !buf_failed(&b))
		b.err = TW_ERR_NOMEM;
	sched_views_free(v, n);
	return send_out(c, 200, "text/html; charset=utf-8", &b);
}

/* Basic auth against the request's web config; 1 = let it through. */
static int basic_auth_ok(struct webcfg *wc, struct MHD_Connection *c)
{
	char *pass = NULL, *user;
	int ok;
	if (!webcfg_auth_required(wc))
		return 1;
	user = MHD_basic_auth_get_username_password(c, &pass);
	ok = user && pass && webcfg_check_basic(wc, user, pass);
	if (pass) {
		explicit_bzero(pass, strlen(pass));
		MHD_free(pass);
	}
	if (user)
		MHD_free(user);
	return ok;
}

/* First call for a request (headers read, body not yet): take the current
 * web config for it, then apply the listener's client-certificate policy
 * and basic auth before any handler runs.  Every path is covered, / too. */
static enum MHD_Result admit(struct srv *sv, struct MHD_Connection *c)
{
	struct http *h = sv->h;
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *cs = ci ? ci->socket_context : NULL;
	struct webcfg *wc;

	if (!cs)
		return MHD_NO; /* no per-connection state: fail closed */
	pthread_mutex_lock(&h->mu);
	wc = webcfg_ref(h->wc);
	pthread_mutex_unlock(&h->mu);
	webcfg_unref(cs->wc);
	cs->wc = wc;

	if (sv->tls) {
		char why[256] = "";
		const union MHD_ConnectionInfo *ti =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
		if (webcfg_tls_session_check(sv->tls, ti ? ti->tls_session : NULL, why,
					     sizeof why) != TW_OK) {
			struct buf b;
			buf_init(&b, 1024);
			buf_printf(&b, "forbidden: %s\n", why);
			return send_out(c, MHD_HTTP_FORBIDDEN, "text/plain; charset=utf-8", &b);
		}
	}
	if (!basic_auth_ok(wc, c))
		return send_text(c, MHD_HTTP_UNAUTHORIZED, "Unauthorized\n");
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct srv *sv = cls;
	struct http *h = sv->h;
	int is_get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	(void)version;
	(void)upload;

	if (*con_cls == NULL) { /* first call: headers only */
		*con_cls = h;
		return admit(sv, c);
	}
	if (*upload_size) { /* ignore any request body */
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, h->telemetry_path) == 0 && is_get)
		return handle_metrics(h, c, NULL);
	if (strcmp(url, "/probe") == 0 && is_get) {
		const char *t = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "target");
		if (!t || !*t)
			return send_text(c, 400, "missing ?target=NAME (a target name from the config)\n");
		return handle_metrics(h, c, t);
	}
	if (strcmp(url, "/-/healthy") == 0 && is_get)
		return send_text(c, 200, "thinwatch is healthy.\n");
	if (strcmp(url, "/-/ready") == 0 && is_get) {
		if (sched_ready(h->sched))
			return send_text(c, 200, "thinwatch is ready.\n");
		return send_text(c, 503, "not ready: some targets have not been polled yet.\n");
	}
	if (strcmp(url, "/-/reload") == 0) {
		char msg[512] = "";
		if (strcmp(method, "POST") != 0 && strcmp(method, "PUT") != 0)
			return send_text(c, 405, "use POST to reload\n");
		if (!h->hooks.reload)
			return send_text(c, 500, "reload not available\n");
		if (h->hooks.reload(h->hooks.ctx, msg, sizeof msg) != TW_OK) {
			struct buf b;
			buf_init(&b, 4096);
			buf_printf(&b, "failed to reload config: %s\n", msg);
			return send_out(c, 500, "text/plain; charset=utf-8", &b);
		}
		return send_text(c, 200, "config reloaded\n");
	}
	if (strcmp(url, "/") == 0 && is_get)
		return handle_status(h, c);
	if (!is_get)
		return send_text(c, 405, "method not allowed\n");
	return send_text(c, 404, "not found\n");
}

static tw_err parse_listen(const char *addr, struct sockaddr_storage *ss, socklen_t *sslen,
			   int *v6, char *msg, size_t msglen)
{
	char host[256] = "";
	const char *port, *colon;
	struct addrinfo hints, *res = NULL;
	int rc;

	if (addr[0] == '[') {
		const char *end = strchr(addr, ']');
		if (!end || end[1] != ':')
			return tw_seterr(msg, msglen, TW_ERR_CONFIG,
					 "listen address '%s': expected [host]:port", addr);
		if ((size_t)(end - addr - 1) >= sizeof host)
			return tw_seterr(msg, msglen, TW_ERR_CONFIG, "listen address too long");
		memcpy(host, addr + 1, (size_t)(end - addr - 1));
		host[end - addr - 1] = '\0';
		port = end + 2;
	} else {
		colon = strrchr(addr, ':');
		if (!colon)
			return tw_seterr(msg, msglen, TW_ERR_CONFIG,
					 "listen address '%s': expected host:port or :port", addr);
		if ((size_t)(colon - addr) >= sizeof host)
			return tw_seterr(msg, msglen, TW_ERR_CONFIG, "listen address too long");
		memcpy(host, addr, (size_t)(colon - addr));
		host[colon - addr] = '\0';
		port = colon + 1;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (rc != 0 || !res)
		return tw_seterr(msg, msglen, TW_ERR_CONFIG, "listen address '%s': %s", addr,
				 gai_strerror(rc));
	if (!host[0]) { /* ":port": prefer IPv6 any (dual stack) if present */
		struct addrinfo *a;
		for (a = res; a; a = a->ai_next)
			if (a->ai_family == AF_INET6)
				break;
		if (!a)
			a = res;
		memcpy(ss, a->ai_addr, a->ai_addrlen);
		*sslen = a->ai_addrlen;
	} else {
		memcpy(ss, res->ai_addr, res->ai_addrlen);
		*sslen = res->ai_addrlen;
	}
	*v6 = ss->ss_family == AF_INET6;
	freeaddrinfo(res);
	return TW_OK;
}

/* libmicrohttpd's messages are mostly about single bad connections (failed
 * TLS handshakes, early disconnects), which anyone can cause: debug level. */
__attribute__((format(printf, 2, 0)))
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;
	(void)cls;
	if (!tw_log_enabled(TW_LOG_DEBUG))
		return;
	vsnprintf(line, sizeof line, fmt, ap);
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	tw_log(TW_LOG_DEBUG, "libmicrohttpd", "detail", line, NULL);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct srv *sv = cls;
	struct conn *cs = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		/* Before the TLS handshake: set the client-certificate policy. */
		if (sv->tls) {
			const union MHD_ConnectionInfo *ti =
				MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
			if (ti && ti->tls_session)
				webcfg_tls_session_setup(sv->tls, ti->tls_session);
		}
		*socket_context = calloc(1, sizeof(struct conn));
		return;
	}
	if (code == MHD_CONNECTION_NOTIFY_CLOSED && cs) {
		webcfg_unref(cs->wc);
		free(cs);
		*socket_context = NULL;
	}
}

/* Start a daemon serving with tls_cfg's TLS settings (NULL or TLS off: plain
 * HTTP), on the configured address, or on listen_fd if it is valid. */
static struct srv *srv_start(struct http *h, struct webcfg *tls_cfg, MHD_socket listen_fd,
			     char *msg, size_t msglen)
{
	struct MHD_OptionItem opt[16];
	size_t n = 0;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
			 MHD_USE_ITC | MHD_USE_ERROR_LOG;
	unsigned per_ip = h->conn_limit / 4 ? h->conn_limit / 4 : 1;
	struct srv *sv = calloc(1, sizeof *sv);

	if (!sv) {
		tw_seterr(msg, msglen, TW_ERR_NOMEM, "out of memory");
		return NULL;
	}
	sv->h = h;
	if (tls_cfg && tls_cfg->tls)
		sv->tls = webcfg_ref(tls_cfg);
#define OPT(o, v, p) (opt[n++] = (struct MHD_OptionItem){ (o), (intptr_t)(v), (p) })
	OPT(MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL); /* first, or MHD warns */
	if (listen_fd != MHD_INVALID_SOCKET)
		OPT(MHD_OPTION_LISTEN_SOCKET, listen_fd, NULL);
	else
		OPT(MHD_OPTION_SOCK_ADDR, 0, &h->ss);
	OPT(MHD_OPTION_CONNECTION_LIMIT, h->conn_limit, NULL);
	/* A quarter of the slots per client address: one slow or hostile host
	 * cannot take them all from the Prometheus servers. */
	OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip, NULL);
	OPT(MHD_OPTION_CONNECTION_TIMEOUT, h->conn_timeout, NULL);
	OPT(MHD_OPTION_NOTIFY_CONNECTION, on_connection, sv);
	if (sv->tls) {
		flags |= MHD_USE_TLS;
		OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, sv->tls->cert_pem);
		OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, sv->tls->key_pem);
		OPT(MHD_OPTION_HTTPS_PRIORITIES, 0, sv->tls->priorities);
		if (sv->tls->client_ca_pem)
			OPT(MHD_OPTION_HTTPS_MEM_TRUST, 0, sv->tls->client_ca_pem);
	}
	OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
	if (h->v6 && listen_fd == MHD_INVALID_SOCKET)
		flags |= MHD_USE_DUAL_STACK;
	sv->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, sv, MHD_OPTION_ARRAY, opt,
				 MHD_OPTION_END);
	if (!sv->d) {
		tw_seterr(msg, msglen, TW_ERR_IO, "cannot start the HTTP%s server",
			  sv->tls ? "S" : "");
		webcfg_unref(sv->tls);
		free(sv);
		return NULL;
	}
	return sv;
}

static void srv_stop(struct srv *sv)
{
	if (!sv)
		return;
	MHD_stop_daemon(sv->d);
	webcfg_unref(sv->tls);
	free(sv);
}

/* Stop retired daemons that are idle or past the idle timeout (then any
 * connection left is stuck or hostile).  Watcher thread only. */
static void reap_retired(struct http *h, int all)
{
	double now = tw_now_mono();
	size_t k = 0;
	for (size_t i = 0; i < h->nretired; i++) {
		struct srv *sv = h->retired[i];
		const union MHD_DaemonInfo *di =
			MHD_get_daemon_info(sv->d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if (all || (di && di->num_connections == 0) ||
		    now - sv->retired_at > (double)h->conn_timeout + 5)
			srv_stop(sv);
		else
			h->retired[k++] = sv;
	}
	h->nretired = k;
}

/* Swap the accepting daemon for one set up from nw, on the same socket. */
static tw_err restart_listener(struct http *h, struct webcfg *nw, char *msg, size_t msglen)
{
	struct srv *old = h->cur, *nsv;
	char msg2[256] = "";
	MHD_socket fd;

	if (h->nretired == HTTP_MAX_RETIRED)
		reap_retired(h, 1);
	fd = MHD_quiesce_daemon(old->d);
	if (fd == MHD_INVALID_SOCKET)
		return tw_seterr(msg, msglen, TW_ERR_INTERNAL,
				 "cannot take over the listening socket");
	nsv = srv_start(h, nw, fd, msg, msglen);
	if (!nsv) {
		/* Keep serving as before, on the same socket. */
		nsv = srv_start(h, old->tls, fd, msg2, sizeof msg2);
		if (!nsv) {
			tw_log(TW_LOG_ERROR, "HTTP server stopped accepting connections; retrying",
			       "err", msg2, NULL);
			h->cur = NULL;
			srv_stop(old);
			close(fd); /* quiesced: ours now; free the address for the retry */
			return TW_ERR_IO;
		}
		old->retired_at = tw_now_mono();
		h->retired[h->nretired++] = old;
		h->cur = nsv;
		return TW_ERR_TLS;
	}
	old->retired_at = tw_now_mono();
	h->retired[h->nretired++] = old;
	h->cur = nsv;
	return TW_OK;
}

static void log_webcfg(const char *what, const struct webcfg *w)
{
	char users[16];
	snprintf(users, sizeof users, "%zu", w->nusers);
	tw_log(TW_LOG_INFO, what, "file", w->file, "tls", w->tls ? "on" : "off", "client_auth",
	       w->tls && w->client_auth != WEBCFG_NO_CLIENT_CERT ? "on" : "off",
	       "basic_auth_users", users, NULL);
	if (w->http2 == 1)
		tw_log(TW_LOG_WARN, "http_server_config.http2 is true but thinwatch serves HTTP/1.1 "
				    "only (libmicrohttpd has no HTTP/2)", "file", w->file, NULL);
	if (w->key_file) {
		struct stat st;
		if (stat(w->key_file, &st) == 0 && (st.st_mode & S_IROTH))
			tw_log(TW_LOG_WARN, "the TLS key file is readable by every user; chmod o-r it",
			       "key_file", w->key_file, NULL);
	}
}

static int str_eq_nullable(const char *a, const char *b)
{
	return (!a || !b) ? a == b : strcmp(a, b) == 0;
}

static int same_files(const struct webcfg *a, const struct webcfg *b)
{
	return a && b && str_eq_nullable(a->cert_file, b->cert_file) &&
	       str_eq_nullable(a->key_file, b->key_file) &&
	       str_eq_nullable(a->client_ca_file, b->client_ca_file);
}

/* Reload the web config if it or a file it names changed.  Watcher thread. */
static void check_webcfg(struct http *h)
{
	struct webcfg_stamp before;
	struct webcfg *nw = NULL, *old;
	char msg[1024] = "";
	int restarted = 0;

	webcfg_stamp_get(h->web_config_file, h->wc, &before);
	if (webcfg_stamp_equal(&before, &h->stamp) ||
	    (h->have_bad_stamp && webcfg_stamp_equal(&before, &h->bad_stamp)))
		return;
	if (webcfg_load(h->web_config_file, &nw, msg, sizeof msg) != TW_OK) {
		tw_log(TW_LOG_ERROR, "web config reload failed; keeping the running one", "err", msg,
		       NULL);
		h->bad_stamp = before;
		h->have_bad_stamp = 1;
		return;
	}
	if (!webcfg_tls_same(h->cur ? h->cur->tls : NULL, nw)) {
		tw_err e = h->cur ? restart_listener(h, nw, msg, sizeof msg) : TW_ERR_IO;
		if (e != TW_OK) {
			tw_log(TW_LOG_ERROR, "cannot serve the new web config's TLS settings; keeping "
					     "the running ones", "err", msg, NULL);
			webcfg_unref(nw);
			h->bad_stamp = before;
			h->have_bad_stamp = 1;
			return;
		}
		restarted = 1;
	}
	/* Keep the stamp taken before loading, so a file replaced during the load
	 * is seen next time; unless the new config names other files. */
	if (!same_files(h->wc, nw))
		webcfg_stamp_get(h->web_config_file, nw, &before);
	pthread_mutex_lock(&h->mu);
	old = h->wc;
	h->wc = nw;
	pthread_mutex_unlock(&h->mu);
	webcfg_unref(old);
	h->stamp = before;
	h->have_bad_stamp = 0;
	log_webcfg(restarted ? "web config reloaded; new connections use the new TLS settings"
			     : "web config reloaded", nw);
}

/* After a failed restart left no daemon: listen again with the current config. */
static void relisten(struct http *h)
{
	char msg[256] = "";
	h->cur = srv_start(h, h->wc, MHD_INVALID_SOCKET, msg, sizeof msg);
	if (h->cur)
		tw_log(TW_LOG_INFO, "HTTP server accepting connections again", NULL);
}

static void *watcher_main(void *arg)
{
	struct http *h = arg;
	pthread_mutex_lock(&h->wmu);
	while (!h->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += HTTP_WEBCFG_CHECK_SECONDS;
		pthread_cond_timedwait(&h->wcv, &h->wmu, &ts);
		if (h->stop)
			break;
		pthread_mutex_unlock(&h->wmu);
		reap_retired(h, 0);
		if (!h->cur)
			relisten(h);
		if (h->cur)
			check_webcfg(h);
		pthread_mutex_lock(&h->wmu);
	}
	pthread_mutex_unlock(&h->wmu);
	return NULL;
}

static void http_destroy(struct http *h)
{
	if (h->watching) {
		pthread_mutex_lock(&h->wmu);
		h->stop = 1;
		pthread_cond_signal(&h->wcv);
		pthread_mutex_unlock(&h->wmu);
		pthread_join(h->watcher, NULL);
	}
	srv_stop(h->cur);
	reap_retired(h, 1);
	webcfg_unref(h->wc);
	pthread_cond_destroy(&h->wcv);
	pthread_mutex_destroy(&h->wmu);
	pthread_mutex_destroy(&h->mu);
	free(h->web_config_file);
	free(h->telemetry_path);
	free(h);
}

struct http *http_start(const struct http_opts *o, struct sched *s, const struct http_hooks *hk,
			char *msg, size_t msglen)
{
	struct http *h;
	const union MHD_DaemonInfo *info;
	pthread_condattr_t ca;

	h = calloc(1, sizeof *h);
	if (!h) {
		tw_seterr(msg, msglen, TW_ERR_NOMEM, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&h->mu, NULL);
	pthread_mutex_init(&h->wmu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->wcv, &ca);
	pthread_condattr_destroy(&ca);
	h->sched = s;
	if (hk)
		h->hooks = *hk;
	h->conn_limit = o->connection_limit ? o->connection_limit : HTTP_DEFAULT_CONN_LIMIT;
	h->conn_timeout = o->connection_timeout ? o->connection_timeout : HTTP_DEFAULT_CONN_TIMEOUT;
	if (parse_listen(o->listen_address, &h->ss, &h->sslen, &h->v6, msg, msglen))
		goto fail;
	h->telemetry_path = tw_strdup(o->telemetry_path ? o->telemetry_path : "/metrics");
	if (!h->telemetry_path)
		goto nomem;
	if (o->web_config_file && o->web_config_file[0]) {
		h->web_config_file = tw_strdup(o->web_config_file);
		if (!h->web_config_file)
			goto nomem;
		webcfg_stamp_get(h->web_config_file, NULL, &h->stamp);
		if (webcfg_load(h->web_config_file, &h->wc, msg, msglen) != TW_OK)
			goto fail;
		webcfg_stamp_get(h->web_config_file, h->wc, &h->stamp);
	}
	h->cur = srv_start(h, h->wc, MHD_INVALID_SOCKET, msg, msglen);
	if (!h->cur) {
		tw_seterr(msg, msglen, TW_ERR_IO, "cannot listen on %s%s", o->listen_address,
			  h->wc && h->wc->tls ? " (TLS)" : "");
		goto fail;
	}
	info = MHD_get_daemon_info(h->cur->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : 0;
	if (h->wc) {
		log_webcfg("web config loaded", h->wc);
		if (pthread_create(&h->watcher, NULL, watcher_main, h) != 0) {
			tw_seterr(msg, msglen, TW_ERR_INTERNAL, "cannot start the web config watcher");
			goto fail;
		}
		h->watching = 1;
	}
	return h;
nomem:
	tw_seterr(msg, msglen, TW_ERR_NOMEM, "out of memory");
fail:
	http_destroy(h);
	return NULL;
}

unsigned http_port(const struct http *h)
{
	return h->port;
}

void http_stop(struct http *h)
{
	if (!h)
		return;
	http_destroy(h);
}
