/* sim_rest.h: the simulator's REST side.  Every array of a scenario whose
 * personality is a vendor REST API (ontap, purefa, hpe3par, oceanstor,
 * powerstore, ibmsv, unity) gets its own HTTP or HTTPS server
 * (libmicrohttpd, TLS through its GnuTLS support) that answers the vendor's
 * endpoints from the scenario's pools and volumes, enforces the vendor's
 * auth flow (wrong credentials -> the vendor's error; expired session -> the
 * vendor's expiry answer), and paginates with a small page size so clients
 * exercise pagination.
 *
 * Per array, in the scenario:
 *   rest:
 *     listen: 127.0.0.1:18443   # HOST:PORT (IPv4), required
 *     tls: true                 # default true; false = plain HTTP;
 *                               # or { cert: FILE, key: FILE } (PEM)
 *     username: admin           # basic / login user (default admin)
 *     password: secret          # (default secret)
 *     api_token: T0KEN          # purefa api-token (default the password)
 *     page_size: 2              # items per page where the API pages (default 100)
 *     session_ttl: 0s           # sessions expire this long after login (0 = never)
 *     max_sessions: 16          # logins beyond this are refused
 *
 *   luns:                       # ontap only: LUNs inside the volumes, exported by
 *     - name: /vol/vol1/lun0    #   GET /api/storage/luns ("/vol/VOLUME/LUN")
 *       svm: vs1                # (default svm0)
 *       size: 1TiB              # space.size
 *       used: 10GiB             # space.used
 *       thin: true              # no space reservation (default true)
 *       serial: "80ZQb+OyrTjy"  # serial_number (default made up, 12 characters)
 *
 * An array's `fault:` (sim_fault.h: http500, http503, http429, auth,
 * endless, huge, drip, garbage, truncate, wrong_type, deep, bad_utf8,
 * redirect, wrong_name) applies to every API call from the start; the
 * control endpoint (sim_control.h, --control) switches it at run time
 * (sim_rest_set_fault).
 *
 * Control endpoints on the same server (no auth), for tests:
 *   GET  /_sim/stats    {"logins":N,"login_failures":N,"logouts":N,
 *                        "sessions":N,"requests":N,"connections":N,"expired":N,
 *                        "fault":"NAME","request_log":[[T,STATUS],...]}
 *                       (requests and connections count API calls only:
 *                       connections that carried at least one non-/_sim call;
 *                       request_log: the last SIM_REST_LOG API calls, T in
 *                       seconds since the server started, STATUS the answer's)
 *   POST /_sim/expire   drop every session (the next call gets the vendor's
 *                       expiry answer)
 *   POST /_sim/fault?kind=K&count=N   the next N authorized API calls
 *                       (logins and calls refused for auth do not count)
 *                       fail with K:
 *                       http500 (vendor error envelope, HTTP 500), badjson
 *                       (HTTP 200, truncated JSON), vendor_error (the vendor's
 *                       own error answer, e.g. HTTP 200 + error.code for
 *                       oceanstor), huge (HTTP 200, 64 MiB of JSON)
 *
 * Servers run on libmicrohttpd with a thread per connection (a dripping
 * answer holds up nobody else), one server per array, each with a lock
 * around its state; scenario values are computed at request time from the
 * scenario clock. */
#ifndef TW_SIM_REST_H
#define TW_SIM_REST_H

#include <stddef.h>
#include <stdint.h>
#include "tw.h"

struct sim_scenario;
struct sim_fault;
struct sim_rest;

/* 1 if `personality` is served by sim_rest (and needs a `rest:` section). */
int sim_rest_is_personality(const char *personality);

struct sim_rest_opts {
	double speed;          /* scenario seconds per wall second */
	const char *tls_cert;  /* PEM files for arrays with `tls: true`; NULL: */
	const char *tls_key;   /*   generate one self-signed certificate */
	const char *cert_out;  /* write the certificate in use to this file, or NULL */
};

/* Parse every REST array's `rest:` section, prepare TLS and start the
 * servers.  sc must outlive the servers.  *out is NULL (and TW_OK returned)
 * when the scenario has no REST array. */
tw_err sim_rest_start(const struct sim_scenario *sc, const struct sim_rest_opts *o,
		      struct sim_rest **out, char *msg, size_t msglen);
void sim_rest_stop(struct sim_rest *r); /* NULL-safe */

size_t sim_rest_count(const struct sim_rest *r);
const char *sim_rest_name(const struct sim_rest *r, size_t i);
const char *sim_rest_address(const struct sim_rest *r, size_t i); /* "https://HOST:PORT" */

/* Index of the REST array called name, or SIM_REST_NONE. */
#define SIM_REST_NONE ((size_t)-1)
size_t sim_rest_find(const struct sim_rest *r, const char *name);

/* Switch array i's fault personality from its next request on (thread
 * safe; the servers run on their own threads).  TW_ERR_CONFIG when f does
 * not apply to REST arrays or is wrong_name on a plain-HTTP array.
 * wrong_name (and leaving it) restarts the array's server on the same
 * address with the other certificate, closing its open connections. */
tw_err sim_rest_set_fault(struct sim_rest *r, size_t i, const struct sim_fault *f, char *msg,
			  size_t msglen);
void sim_rest_get_fault(struct sim_rest *r, size_t i, struct sim_fault *out);

/* What array i's server saw since start (API calls only, not /_sim). */
#define SIM_REST_LOG 64
struct sim_rest_hit {
	double t;            /* seconds since the server started (monotonic clock) */
	unsigned status;     /* HTTP status of the answer */
};
struct sim_rest_stats {
	uint64_t requests, connections, logins, login_failures, logouts, sessions, expired;
	size_t nlog;                       /* entries in log, oldest first */
	struct sim_rest_hit log[SIM_REST_LOG]; /* the last API calls */
};
void sim_rest_get_stats(struct sim_rest *r, size_t i, struct sim_rest_stats *out);

#endif
