/* scenario.h: the simulator's model of the world it pretends to be: arrays,
 * their pools and volumes, how consumption grows with scenario time, and how
 * each array is reached.  Loaded from a YAML scenario file (errors name
 * file:line:col through ytree) or built from the command line (--snmprec).
 * Nothing here knows SNMP packets or HTTP: the SNMP agent (sim_snmp.c) and
 * later REST personalities render this model in their own protocol.
 *
 * Scenario format
 * ---------------
 *   arrays:                         # one entry per simulated array
 *     - name: cas-storage           # unique; how the array is named in logs and --listen
 *       personality: thinwatch      # thinwatch (THINWATCH-MIB, default) | snmprec |
 *                                   # ontap purefa hpe3par oceanstor powerstore ibmsv
 *                                   # unity (vendor REST APIs: a `rest:` section instead
 *                                   # of `snmp:`, see sim_rest.h; pools as thinwatch;
 *                                   # ontap also takes `luns:`, see sim_rest.h)
 *       vendor: thinwatch           # optional identity strings (thinwatch personality)
 *       model: thinwatch-sim
 *       serial: TW0001
 *       version: 0.1.0
 *       fault: drop                 # optional fault personality, see sim_fault.h
 *                                   # (or { type: delay, delay_ms: 1500 }); SNMP faults
 *                                   # for SNMP arrays, REST faults (http500, drip, ...)
 *                                   # for REST arrays; switchable at run time through
 *                                   # --control
 *       snmp:
 *         listen: 127.0.0.1:16100   # [udp:]HOST:PORT, UDP over IPv4; --listen NAME=ADDR overrides
 *         community: public         # v1/v2c community; default "public" unless users are given
 *         users:                    # SNMPv3 USM users (user names unique per array)
 *           - name: monitor
 *             auth_protocol: SHA    # MD5 SHA SHA-224 SHA-256 SHA-384 SHA-512; omit: noAuthNoPriv
 *             auth_password: secret-auth    # at least 8 characters
 *             priv_protocol: AES    # DES AES AES-192 AES-256; omit: authNoPriv
 *             priv_password: secret-priv
 *       pools:                      # thinwatch personality
 *         - name: pool0
 *           capacity: 8TiB          # sizes: bytes, or KB MB GB TB PB / KiB MiB GiB TiB PiB
 *           free: 0                 # optional; default capacity - sum of the volumes' consumed
 *           used: 8TiB              # optional; default capacity - free
 *           volumes:
 *             - name: jiujiang
 *               provisioned: 4TiB   # promised to hosts
 *               consumed: 154.89GiB # allocated in the pool at scenario time 0
 *               thin: true          # default true
 *               wwn: 600a0b80...    # optional, up to 64 printable characters
 *               growth: 1GiB        # optional bytes per second of scenario time
 *                                   # (also 10GiB/s, 1TiB/min, 100GiB/h, 1TiB/d)
 *           volumes_generate:       # optional, appended after `volumes`
 *             count: 50000
 *             name_format: vol%06u  # one %u %d %x or %X (with optional 0 and width)
 *             start: 1              # first number (default 1)
 *             provisioned: 10GiB
 *             consumed: 1GiB
 *             thin: true
 *             growth: 0
 *             wwn_format: 600a0b80000000000000%012x   # optional
 *     - name: netapp
 *       personality: snmprec        # replays a recording (snmpsim .snmprec or snmpwalk -On text)
 *       file: netapp.snmprec        # relative to the scenario file's directory
 *       snmp: { listen: 127.0.0.1:16102 }
 *
 * Growth: a volume's consumed grows by `growth` bytes per second of scenario
 * time (wall time since start x --speed), capped at its provisioned size; the
 * pool's used grows and its free shrinks by the same amount.  When the growth
 * of its volumes would take the pool's free below 0 the pool is full: free is
 * exactly 0 from then on and every volume keeps what it had at that instant.
 * Values are a pure function of scenario time (exact integer arithmetic).
 */
#ifndef TW_SIM_SCENARIO_H
#define TW_SIM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>
#include "tw.h"
#include "sim/sim_fault.h"

struct ydoc;
struct ynode;

/* Scenario time never reaches this: "never" for sim_pool.full_at_ns. */
#define SIM_NEVER UINT64_MAX

struct sim_snmp_user {
	char *name;
	const char *auth_protocol; /* canonical (static) name or NULL for noAuthNoPriv */
	char *auth_password;
	const char *priv_protocol; /* canonical (static) name or NULL for no privacy */
	char *priv_password;
};

struct sim_snmp_conf {
	int enabled;                 /* the array is served over SNMP */
	char *listen;                /* as given, NULL until set (YAML or --listen) */
	char *community;             /* NULL: v1/v2c refused */
	struct sim_snmp_user *users;
	size_t nusers;
};

struct sim_volume {
	char *name;
	char *wwn;                   /* "" if none */
	uint64_t provisioned;
	uint64_t consumed;           /* at scenario time 0 */
	uint64_t growth;             /* bytes per second of scenario time */
	int thin;
	uint64_t full_consumed;      /* consumed once the pool is full (set by the loader) */
};

struct sim_pool {
	char *name;
	uint64_t capacity;
	uint64_t used;               /* at scenario time 0 */
	uint64_t free;               /* at scenario time 0 */
	struct sim_volume *vols;
	size_t nvols;
	size_t *growing;             /* indexes into vols of volumes with growth > 0 */
	size_t ngrowing;
	uint64_t full_at_ns;         /* scenario time the pool fills up; SIM_NEVER if never */
};

struct sim_array {
	char *name;
	const char *personality;     /* canonical (static) personality name */
	char *vendor, *model, *serial, *version; /* NULL: the personality's default */
	char *file;                  /* snmprec: the recording (path as resolved) */
	struct sim_snmp_conf snmp;
	struct sim_pool *pools;
	size_t npools;
	struct sim_fault fault;      /* `fault:` (sim_fault.h); none by default; of a
				      * type that applies to the array's protocol */
	const struct ynode *node;    /* the array's YAML mapping, NULL if built from the
				      * command line: for personality-specific keys */
	char where[160];             /* "file:line:col" or "--snmprec" for messages */
};

struct sim_scenario {
	struct sim_array *arrays;
	size_t narrays;
	struct ydoc *doc;            /* owned; keeps every array's node valid */
};

/* Personality names the loader accepts. */
#define SIM_PERSONALITY_THINWATCH "thinwatch"
#define SIM_PERSONALITY_SNMPREC "snmprec"

/* Load and validate a scenario file.  On error returns non-OK with
 * "file:line:col: what was expected" in msg. */
tw_err sim_scenario_load(const char *path, struct sim_scenario **out, char *msg, size_t msglen);
/* Same from a string; `name` is used in messages, `basedir` resolves relative
 * `file:` paths (NULL: current directory). */
tw_err sim_scenario_load_string(const char *name, const char *text, size_t len,
				const char *basedir, struct sim_scenario **out, char *msg,
				size_t msglen);
/* An empty scenario (for runs given only --snmprec). NULL on OOM. */
struct sim_scenario *sim_scenario_new(void);
void sim_scenario_free(struct sim_scenario *sc); /* NULL-safe */

/* Add an array replaying a recording, as --snmprec does: named `name`
 * (NULL: the file's base name without extension), community "public",
 * listening on `listen` (NULL: to be given with --listen). */
tw_err sim_scenario_add_snmprec(struct sim_scenario *sc, const char *name, const char *file,
				const char *listen, char *msg, size_t msglen);

/* NULL if there is no array of that name. */
struct sim_array *sim_scenario_find(struct sim_scenario *sc, const char *name);

/* Apply "NAME=ADDR" (--listen) or "NAME=COMMUNITY" (--community). */
tw_err sim_scenario_set_listen(struct sim_scenario *sc, const char *spec, char *msg,
			       size_t msglen);
tw_err sim_scenario_set_community(struct sim_scenario *sc, const char *spec, char *msg,
				  size_t msglen);

/* Final checks once overrides are applied: every SNMP array has a listen
 * address, no two arrays share a port. */
tw_err sim_scenario_check(const struct sim_scenario *sc, char *msg, size_t msglen);

/* Parse a listen address "[udp:]HOST:PORT" into host (NUL-terminated, at most
 * hostlen-1 bytes) and port 1..65535. */
tw_err sim_listen_parse(const char *s, char *host, size_t hostlen, unsigned *port, char *msg,
			size_t msglen);

/* Parse a growth rate: a size per second, or SIZE/s /min /h /d; rounds to
 * whole bytes per second (at least 1 for a non-zero rate). 0 on success. */
int sim_parse_rate(const char *s, uint64_t *bytes_per_second);

/* Values at scenario time t_ns (nanoseconds since the start). */
uint64_t sim_volume_consumed_at(const struct sim_pool *p, const struct sim_volume *v,
				uint64_t t_ns);
/* Sum of growth of the pool's volumes at t_ns: used = used0 + added,
 * free = free0 - added (never below 0). O(number of growing volumes). */
uint64_t sim_pool_added_at(const struct sim_pool *p, uint64_t t_ns);

/* Scenario seconds (wall seconds x speed) as nanoseconds, saturating. */
uint64_t sim_time_ns(double scenario_seconds);

#endif
