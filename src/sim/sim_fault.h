/* sim_fault.h: fault personalities of the simulator's SNMP arrays -- the
 * ways an old array firmware misbehaves -- as a small value type shared by
 * the scenario loader (an array's `fault:` key), the control endpoint
 * (sim_control.c, switching faults at run time) and the agent (sim_snmp.c,
 * which acts them out).
 *
 * Faults (`rows` counts rows of each table column, 1-based; a "row" is an
 * OID among those that differ only in their last sub-identifier):
 *   none        behave
 *   drop        receive requests, never answer
 *   delay       answer every request after delay_ms milliseconds
 *   auth        refuse every credential: v1/v2c requests are dropped, as
 *               agents drop a wrong community (RFC 3584); v3 requests get
 *               authorizationError
 *   garbage     answer with random bytes (the length of the real answer)
 *   truncate    answer with the first half of the real answer
 *   endofmib    the agent's MIB view ends after row `rows` of the first
 *               table column that has more: GETNEXT/GETBULK beyond it get
 *               endOfMibView, GET noSuchObject
 *   loop        GETNEXT past row `rows` of any table column returns that
 *               column's first row again (an OID lower than asked)
 *   vanish      rows after `rows` vanish mid-walk: still in each table's
 *               first column, gone from the others
 *   wrong_type  Counter64 values served as an OCTET STRING (their 8 bytes)
 *   c64max      Counter64 values served as 2^64-1
 *
 * Scenario syntax: `fault: drop` or
 * `fault: { type: delay, delay_ms: 1500 }` / `{ type: loop, rows: 2 }`. */
#ifndef TW_SIM_FAULT_H
#define TW_SIM_FAULT_H

#include <stddef.h>
#include "tw.h"

struct ydoc;
struct ynode;

enum sim_fault_type {
	SIM_FAULT_NONE = 0,
	SIM_FAULT_DROP,
	SIM_FAULT_DELAY,
	SIM_FAULT_AUTH,
	SIM_FAULT_GARBAGE,
	SIM_FAULT_TRUNCATE,
	SIM_FAULT_ENDOFMIB,
	SIM_FAULT_LOOP,
	SIM_FAULT_VANISH,
	SIM_FAULT_WRONG_TYPE,
	SIM_FAULT_C64MAX
};

#define SIM_FAULT_MAX_DELAY_MS 600000u  /* 10 minutes */
#define SIM_FAULT_DEFAULT_ROWS 1u

struct sim_fault {
	enum sim_fault_type type;
	unsigned delay_ms;   /* delay */
	unsigned rows;       /* endofmib loop vanish: rows served as they are (>= 1) */
};

/* The no-fault value. */
void sim_fault_init(struct sim_fault *f);
/* Static name of a type ("drop", ...); never NULL. */
const char *sim_fault_name(enum sim_fault_type t);
/* 0 and *t set if s names a fault type. */
int sim_fault_parse_type(const char *s, enum sim_fault_type *t);
/* Set one parameter ("delay_ms" or "rows") from its text; TW_ERR_CONFIG
 * with a message otherwise. */
tw_err sim_fault_set_param(struct sim_fault *f, const char *key, const char *value, char *msg,
			   size_t msglen);
/* Final check once type and parameters are set: delay needs delay_ms. */
tw_err sim_fault_check(const struct sim_fault *f, char *msg, size_t msglen);
/* An array's `fault:` value (a type name, or a mapping with `type` and
 * parameters); errors name file:line:col. */
tw_err sim_fault_from_yaml(const struct ydoc *d, const struct ynode *n, struct sim_fault *f,
			   char *msg, size_t msglen);
/* "delay delay_ms=1500" style text for logs and the control API. */
void sim_fault_describe(const struct sim_fault *f, char *out, size_t outlen);

#endif
