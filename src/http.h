/* http.h: the embedded HTTP server (libmicrohttpd): /metrics (or the
 * configured telemetry path), /probe?target=NAME, /-/healthy, /-/ready,
 * /-/reload (POST) and the status page at /.  Scrapes render the latest
 * published snapshots (sched_views) and never wait for a poll. */
#ifndef TW_HTTP_H
#define TW_HTTP_H

#include "tw.h"
#include "scheduler.h"

struct http_hooks {
	void *ctx;
	/* Reload the configuration (POST /-/reload); msg receives the error. */
	tw_err (*reload)(void *ctx, char *msg, size_t msglen);
	/* Process-wide figures for the exposition (build info, reload status). */
	void (*extra)(void *ctx, struct prom_extra *out);
};

struct http_opts {
	const char *listen_address;   /* ":9817", "127.0.0.1:0", "[::1]:9817" */
	const char *telemetry_path;   /* "/metrics" */
	const char *web_config_file;  /* exporter-toolkit web config, or NULL */
	unsigned connection_limit;    /* 0 = default (64) */
	unsigned connection_timeout;  /* seconds, 0 = default (30) */
};

struct http;

struct http *http_start(const struct http_opts *o, struct sched *s, const struct http_hooks *h,
			char *msg, size_t msglen);
/* The port actually bound (useful with port 0). */
unsigned http_port(const struct http *h);
void http_stop(struct http *h);  /* NULL-safe */

/* Render the status page for the given views (exported for tests). */
tw_err http_render_status(struct buf *out, const struct sched_view *v, size_t n,
			  const struct prom_extra *x, const char *telemetry_path);

#endif
