/* rest.h: the HTTP(S)/JSON transport and session engine under every vendor
 * REST driver (ontap, purefa, hpe3par, oceanstor, powerstore, ibmsv, unity).
 *
 * A vendor file describes only its API: how to log in and out, which
 * requests make up a poll, and how their JSON maps onto the data model.  It
 * does so with one `const struct rest_vendor` of callbacks and wraps it in
 * a `struct tw_driver` with REST_DRIVER().  This file runs everything else
 * on the scheduler's event loop (driver.h), without blocking:
 *
 *   - one libcurl multi handle and one easy handle per target, kept across
 *     polls (keep-alive connection, cookie engine, TLS session reuse);
 *   - TLS verified by default, per-target CA file (tls.ca_file), an explicit
 *     tls.insecure_skip_verify that logs a warning once;
 *   - each response capped at max_response_bytes (TW_ERR_TOO_BIG), gzip
 *     accepted (the cap applies to the decoded bytes), redirects refused,
 *     proxies from the environment honoured (libcurl's default);
 *   - each request bounded by the poll deadline (CURLOPT_TIMEOUT_MS);
 *   - an answer of 429 or 503 with Retry-After (seconds or an HTTP-date,
 *     capped at one hour) sets a "not before" time that the scheduler's
 *     backoff honours (tw_driver.retry_at);
 *   - one session per target: log in when there is none, reuse it across
 *     polls, log in again at most once per poll when the array says the
 *     session expired (401/403 or the vendor's own code), log out in close();
 *   - error mapping: curl timeout -> TW_ERR_TIMEOUT, TLS failures ->
 *     TW_ERR_TLS, 401/403 -> TW_ERR_AUTH (after the one re-login), other
 *     statuses -> TW_ERR_HTTP, bad JSON -> TW_ERR_PARSE, JSON of the wrong
 *     shape -> TW_ERR_INVALID_DATA.
 *
 * Credentials (password, API token, session tokens) live only in the
 * engine's copy of the target and in request headers; they never reach
 * logs, error messages or metrics.
 */
#ifndef TW_REST_H
#define TW_REST_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "buf.h"
#include "cfg.h"
#include "driver.h"
#include "model.h"
#include "tw.h"

enum rest_method { REST_GET, REST_POST, REST_DELETE };

#define REST_MAX_HEADERS 8

/* One request, built by a vendor callback.  The engine resets it before
 * every callback that fills it. */
struct rest_request {
	enum rest_method method;
	struct buf path;     /* path and query under the target's base URL, from '/' */
	struct buf body;     /* POST body (sent as application/json when non-empty) */
	char *headers[REST_MAX_HEADERS]; /* "Name: value" lines (may hold secrets) */
	size_t nheaders;
	int basic_auth;      /* send the target's username/password with HTTP Basic */
	int post_empty;      /* POST with an empty body (no Content-Type) */
};

/* Set method and path (printf-style); the path must start with '/'. */
tw_err rest_request_set(struct rest_request *rq, enum rest_method m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Append a query/path component percent-encoded (RFC 3986 unreserved kept). */
tw_err rest_request_append_escaped(struct rest_request *rq, const char *s);
tw_err rest_request_header(struct rest_request *rq, const char *name, const char *value);
tw_err rest_request_body(struct rest_request *rq, const char *json);

/* What came back.  Headers are those of the final response only. */
struct rest_response {
	long status;
	struct buf body;
	struct buf headers;  /* raw "Name: value\r\n" lines */
	enum rest_method method;
	const char *path;    /* the request path (for messages); valid during callbacks */
};

/* Copy of a response header's value (first occurrence, case-insensitive
 * name, surrounding blanks trimmed) or NULL when absent or out of memory. */
char *rest_response_header(const struct rest_response *r, const char *name);

/* The settings a REST driver keeps from its target (copied at open, so a
 * reload that frees the old config does not pull them away). */
struct rest_target {
	char *name;          /* the `array` label */
	char *url;           /* base URL without trailing '/' */
	char *username;
	char *password;      /* secret; NULL if unset */
	char *api_token;     /* secret; NULL if unset */
	char *ca_file;
	int insecure;
	double timeout;
	uint64_t max_response_bytes;
};

/* How the engine should treat a response the vendor classified. */
enum rest_verdict {
	REST_V_OK = 0,       /* go on with the vendor's handler */
	REST_V_EXPIRED,      /* the session is gone: log in again (once) */
	REST_V_ERROR         /* fail the poll with the given error and message */
};

enum {
	REST_F_SESSION = 1u << 0,   /* the API has login/logout (login_* are set) */
	REST_F_NEED_USER = 1u << 1, /* open() fails without username + password */
	REST_F_NEED_TOKEN = 1u << 2 /* open() fails without api_token */
};

struct rest_vendor {
	const char *name;          /* driver name, as in the config */
	size_t state_size;         /* vendor state, zeroed by the engine */
	unsigned flags;            /* REST_F_* */
	/* Check/prepare (no I/O); optional. */
	tw_err (*open)(void *vs, const struct rest_target *t, char *msg, size_t msglen);
	/* Free what the vendor state owns (not the state itself); optional. */
	void (*free)(void *vs);

	/* Session (REST_F_SESSION).  login_next fills rq with the next login
	 * request and returns 1, or returns 0 once the session is ready.
	 * login_response handles a 2xx login answer and advances. */
	int (*login_next)(void *vs, const struct rest_target *t, struct rest_request *rq);
	tw_err (*login_response)(void *vs, const struct rest_target *t,
				 const struct rest_response *r, char *msg, size_t msglen);
	/* Fill the logout request and return 1, or 0 if there is nothing to do. */
	int (*logout)(void *vs, const struct rest_target *t, struct rest_request *rq);
	/* Forget the session (token, login progress); the engine drops cookies. */
	void (*forget)(void *vs);

	/* A poll: poll_begin resets the cursor; poll_next fills the request for
	 * the current cursor (1) or says the poll is complete (0) -- it must not
	 * advance, because the engine calls it again to replay a request after
	 * a re-login; poll_response maps a 2xx answer and advances the cursor. */
	void (*poll_begin)(void *vs);
	int (*poll_next)(void *vs, const struct rest_target *t, struct rest_request *rq);
	tw_err (*poll_response)(void *vs, struct snap_builder *b, const struct rest_response *r,
				char *msg, size_t msglen);

	/* Optional: classify any answer (2xx included) before the defaults
	 * (2xx OK; 401/403 expired when a session exists, else auth; other
	 * statuses TW_ERR_HTTP).  Return REST_V_OK to apply the defaults. */
	enum rest_verdict (*classify)(void *vs, const struct rest_response *r, tw_err *e,
				      char *msg, size_t msglen);
	/* Optional: the vendor's error text from an error body, for messages:
	 * error_json gets the body parsed as JSON (most vendors), error_text the
	 * raw body (vendors that answer errors in plain text); error_text wins. */
	void (*error_json)(const json_t *root, char *out, size_t outlen);
	void (*error_text)(const struct rest_response *r, char *out, size_t outlen);
};

/* The generic tw_driver callbacks; a vendor file only supplies open. */
tw_err rest_drv_open(void *state, const struct rest_vendor *v, const struct tw_target *t,
		     char *msg, size_t msglen);
tw_err rest_drv_start(void *state, struct snap_builder *b, double deadline, char *msg,
		      size_t msglen);
void rest_drv_fds(void *state, struct tw_fdset *fs);
enum tw_step rest_drv_step(void *state, const struct tw_fdset *ready, double now, tw_err *result,
			   char *msg, size_t msglen);
void rest_drv_abort(void *state);
void rest_drv_close(void *state);
/* Monotonic time before which the array asked not to be called again
 * (Retry-After of the last poll's failing answer), or 0. */
double rest_drv_retry_at(void *state);

/* Driver state as the core allocates it: one pointer to the engine. */
struct rest_drv_state {
	struct rest_engine *e;
};

/* Define `const struct tw_driver drv_NAME` for vendor VENDOR (a
 * `static const struct rest_vendor`). */
#define REST_DRIVER(NAME, VENDOR)                                                             \
	static tw_err NAME##_drv_open(void *state, const struct tw_target *t,                     \
				      const struct tw_driver_env *env, char *msg, size_t msglen)  \
	{                                                                                     \
		(void)env;                                                                    \
		return rest_drv_open(state, &(VENDOR), t, msg, msglen);                       \
	}                                                                                     \
	const struct tw_driver drv_##NAME = {                                                 \
		.name = #NAME,                                                                \
		.caps = TW_DRV_CAP_REST | TW_DRV_CAP_LOGOUT,                                  \
		.state_size = sizeof(struct rest_drv_state),                                  \
		.open = NAME##_drv_open,                                                      \
		.start = rest_drv_start,                                                      \
		.fds = rest_drv_fds,                                                          \
		.step = rest_drv_step,                                                        \
		.abort = rest_drv_abort,                                                      \
		.close = rest_drv_close,                                                      \
		.retry_at = rest_drv_retry_at,                                                \
	}

/* Counters for tests and debug logs (not metrics). */
struct rest_stats {
	unsigned long logins, logouts, requests, relogins;
};
void rest_drv_stats(void *state, struct rest_stats *out);

#endif
