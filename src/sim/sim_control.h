/* sim_control.h: the simulator's control endpoint (--control HOST:PORT), a
 * tiny HTTP API for tests that switches fault personalities of SNMP and
 * REST arrays at run time and reports what each array saw.  There is no
 * authentication: it listens on loopback addresses (127.0.0.0/8) only.
 *
 *   POST /fault?array=NAME&type=TYPE[&delay_ms=N][&rows=K][&retry_after=S]
 *               [&depth=N][&bytes=SIZE][&to=URL]
 *        set array NAME's fault (sim_fault.h; type=none clears it; the type
 *        must apply to the array's protocol); 200 "NAME: fault TYPE ...",
 *        400 bad parameters, 404 no such array
 *   GET  /stats
 *        {"arrays":{"NAME":{"fault":"drop","delay_ms":0,"rows":1,
 *          "requests":N,"responses":N,"dropped":N,"delayed":N,
 *          "garbled":N,"refused":N},            (SNMP: sim_snmp_stats)
 *          "NAME2":{"protocol":"rest","fault":"http429","delay_ms":0,
 *          "retry_after":3,"depth":N,"bytes":N,"to":"","requests":N,
 *          "connections":N,"logins":N,"login_failures":N,"logouts":N,
 *          "sessions":N,"expired":N,
 *          "request_log":[[T,STATUS],...]}, ...}}  (REST: sim_rest_stats;
 *          T = seconds since the array's server started, the last 64 calls)
 *        counts since start.
 *
 * It runs on the simulator's own event loop (libmicrohttpd in external
 * select mode): no thread, so the SNMP agent's state needs no lock; the
 * REST servers lock their own. */
#ifndef TW_SIM_CONTROL_H
#define TW_SIM_CONTROL_H

#include <sys/select.h>
#include <sys/time.h>
#include "tw.h"

struct sim_snmp;
struct sim_rest;
struct sim_control;

/* Listen on HOST:PORT (IPv4; PORT 0 picks one).  agent (rest) may be NULL
 * when no array is served over SNMP (REST). */
tw_err sim_control_start(const char *listen, struct sim_snmp *agent, struct sim_rest *rest,
			 struct sim_control **out, char *msg, size_t msglen);
void sim_control_stop(struct sim_control *c); /* NULL-safe */
/* "127.0.0.1:PORT" actually bound. */
const char *sim_control_address(const struct sim_control *c);

/* Event loop, as sim_snmp_prepare/_process: add the server's sockets to
 * rfds/wfds (raising *nfds, select's first argument), lower *tv to its next
 * timer; after select(), let it work. */
void sim_control_prepare(struct sim_control *c, int *nfds, fd_set *rfds, fd_set *wfds,
			 struct timeval *tv);
void sim_control_process(struct sim_control *c, fd_set *rfds, fd_set *wfds);

#endif
