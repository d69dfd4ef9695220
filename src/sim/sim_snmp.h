/* sim_snmp.h: the simulator's SNMP side.  One net-snmp master agent
 * (libnetsnmpagent, not AgentX) in this process serves every SNMP array of a
 * scenario, each on its own UDP port: the port a request arrived on says
 * which array it is for.  Per array: its v1/v2c community and SNMPv3 USM
 * users (noAuthNoPriv, authNoPriv, authPriv; MD5, SHA, SHA-224/256/384/512;
 * DES, AES, AES-192, AES-256).  A request with another array's community is
 * dropped, as a real agent drops a wrong community; a v3 user of another
 * array is refused.  USM users are process-wide in net-snmp, so a user name
 * used by two arrays must have the same protocols and passwords.
 *
 * Data comes from the array's personality as a sorted OID table (simdata):
 * `thinwatch` renders THINWATCH-MIB (twmib.c) and keeps growth current,
 * `snmprec` replays a recording (snmprec.c).  One raw handler registered at
 * .1.3.6.1 answers GET / GETNEXT (GETBULK through net-snmp's bulk_to_next)
 * with a binary search per varbind.  The agent's own SNMP-FRAMEWORK, USM and
 * VACM objects (.1.3.6.1.6.3) take precedence over recorded ones there.
 *
 * Faults (sim_fault.h) are set per array: drop, delay, garbage and truncate
 * act on the array's UDP transport (this file opens the transports and
 * wraps their send/receive functions), auth and endofmib through ACM
 * callbacks, loop, vanish, wrong_type and c64max in the request handler.
 *
 * net-snmp keeps process-wide state: start at most one sim_snmp per process.
 * Nothing is read from /etc/snmp or written under /var/lib/snmp: the
 * configuration is fed in memory and the persistent directory is a private
 * temporary directory removed by sim_snmp_stop. */
#ifndef TW_SIM_SNMP_H
#define TW_SIM_SNMP_H

#include <stddef.h>
#include <sys/select.h>
#include <sys/time.h>
#include <stdint.h>
#include "tw.h"
#include "sim/sim_fault.h"

struct sim_scenario;
struct sim_snmp;

/* Render every SNMP array of sc (which must outlive the agent), configure
 * net-snmp and open the ports.  speed: scenario seconds per wall second. */
tw_err sim_snmp_start(const struct sim_scenario *sc, double speed, struct sim_snmp **out,
		      char *msg, size_t msglen);
/* Shut the agent down, free everything, remove the temporary directory.
 * NULL-safe. */
void sim_snmp_stop(struct sim_snmp *s);

/* The served arrays, for the "listening" lines. */
size_t sim_snmp_count(const struct sim_snmp *s);
const char *sim_snmp_name(const struct sim_snmp *s, size_t i);
const char *sim_snmp_address(const struct sim_snmp *s, size_t i); /* "udp:HOST:PORT" */
size_t sim_snmp_entries(const struct sim_snmp *s, size_t i);      /* OIDs served */

/* Faults (sim_fault.h): each array starts with its scenario `fault:` and
 * can be switched at run time (the control endpoint, sim_control.h).
 * Index i as for sim_snmp_name(); SIM_SNMP_NONE when no array has the name. */
#define SIM_SNMP_NONE ((size_t)-1)
size_t sim_snmp_find(const struct sim_snmp *s, const char *name);
/* Checks f (sim_fault_check) and applies it from the next request on. */
tw_err sim_snmp_set_fault(struct sim_snmp *s, size_t i, const struct sim_fault *f, char *msg,
			  size_t msglen);
const struct sim_fault *sim_snmp_get_fault(const struct sim_snmp *s, size_t i);

/* What an array's UDP port saw since start (datagrams, not varbinds). */
struct sim_snmp_stats {
	uint64_t requests;   /* datagrams received */
	uint64_t responses;  /* answers put on the wire (garbled ones included) */
	uint64_t dropped;    /* answers not sent: drop fault, full delay queue */
	uint64_t delayed;    /* answers held back by a delay fault */
	uint64_t garbled;    /* answers replaced by garbage or truncated */
	uint64_t refused;    /* requests refused by the auth fault */
};
void sim_snmp_get_stats(const struct sim_snmp *s, size_t i, struct sim_snmp_stats *out);

/* Event loop: add the agent's sockets to rfds (raising *nfds, select's first
 * argument) and lower *tv to its next timer; after select() returned `ready`
 * (> 0: some fd is readable, 0: timeout), let it do its work. */
void sim_snmp_prepare(struct sim_snmp *s, int *nfds, fd_set *rfds, struct timeval *tv);
void sim_snmp_process(struct sim_snmp *s, fd_set *rfds, int ready);

#endif
