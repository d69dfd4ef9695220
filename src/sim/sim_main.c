/* sim_main.c: thinwatch-sim, the array simulator for demos and tests:
 * command line, scenario loading, the event loop and signals.  The model is
 * in scenario.c, the SNMP agent in sim_snmp.c. */
#include "config.h"
#include "sim/scenario.h"
#include "sim/sim_snmp.h"
#include "sim/sim_rest.h"
#include "sim/sim_control.h"
#include "log.h"
#include "tw.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

static volatile sig_atomic_t stop_signal; /* the signal that asked us to stop */

static void on_signal(int sig)
{
	stop_signal = sig;
}

static const char usage_text[] =
"Usage: thinwatch-sim [--scenario FILE] [--snmprec SPEC]... [options]\n"
"\n"
"Simulates storage arrays for thinwatch demos and tests: a real SNMP agent per\n"
"array (net-snmp agent library), driven by a scenario file, or replaying\n"
"recorded walks.  Prints one line per array once listening, e.g.\n"
"  array cas-storage listening on udp:127.0.0.1:16100\n"
"then serves until SIGTERM or SIGINT (exit 0).\n"
"\n"
"Options:\n"
"  --scenario FILE        scenario YAML (format below)\n"
"  --speed N              scenario seconds per wall second (default 1): growth\n"
"                         runs N times faster\n"
"  --listen NAME=ADDR     serve array NAME on ADDR ([udp:]HOST:PORT), overriding\n"
"                         the scenario's snmp.listen (repeatable)\n"
"  --community NAME=COMM  v1/v2c community of array NAME (repeatable)\n"
"  --snmprec SPEC         replay recordings, each as an array of its own; SPEC is\n"
"                         a comma-separated list of [NAME=]FILE[@ADDR]: NAME\n"
"                         defaults to FILE's base name without extension, ADDR\n"
"                         may also come from --listen NAME=ADDR; community\n"
"                         \"public\" unless --community.  FILE is snmpsim's\n"
"                         .snmprec (OID|TYPE|VALUE, TYPE 2 4 5 6 64 65 66 67 68\n"
"                         70, suffix x = hex value) or `snmpwalk -On` output.\n"
"                         The agent's own .1.3.6.1.6.3 objects (engine, USM,\n"
"                         VACM) take precedence over recorded ones.\n"
"  --tls-cert FILE        PEM certificate for REST arrays with `tls: true`\n"
"  --tls-key FILE         its PEM private key (default: a self-signed certificate\n"
"                         for localhost/127.0.0.1 made at start)\n"
"  --tls-cert-out FILE    write the certificate in use to FILE (PEM), e.g. for\n"
"                         a client's CA file\n"
"  --pidfile FILE         write the process id to FILE\n"
"  --control HOST:PORT    serve the control API there (tests; no auth, use\n"
"                         loopback): POST /fault?array=NAME&type=TYPE[&delay_ms=N]\n"
"                         [&rows=K][&retry_after=S][&depth=N][&bytes=SIZE][&to=URL]\n"
"                         switches an array's fault, GET /stats counts what\n"
"                         each array saw (sim_control.h)\n"
"  --ready-file FILE      once every array listens, write the listening lines to\n"
"                         FILE (created atomically)\n"
"  --log.level LEVEL      debug, info (default), warn, error\n"
"  --log.format FORMAT    logfmt (default) or json; logs go to stderr\n"
"  --help, --version\n"
"\n"
"Scenario format (YAML):\n"
"  arrays:\n"
"    - name: cas-storage            # unique; used by --listen NAME=...\n"
"      personality: thinwatch       # thinwatch (THINWATCH-MIB, default) | snmprec\n"
"      vendor: thinwatch            # optional identity (twArrayVendor, Model,\n"
"      model: thinwatch-sim         #   Serial, Version)\n"
"      serial: TW0001\n"
"      version: 0.1.0\n"
"      fault: none                  # fault personality, also switchable at run\n"
"                                   #   time (--control): none drop auth garbage\n"
"                                   #   truncate wrong_type c64max, or a mapping:\n"
"                                   #   { type: delay, delay_ms: 1500 },\n"
"                                   #   { type: loop|endofmib|vanish, rows: 2 }\n"
"      snmp:\n"
"        listen: 127.0.0.1:16100    # [udp:]HOST:PORT (UDP over IPv4), own port\n"
"        community: public          # default public unless users are given\n"
"        users:                     # SNMPv3 USM users\n"
"          - name: monitor\n"
"            auth_protocol: SHA     # MD5 SHA SHA-224 SHA-256 SHA-384 SHA-512\n"
"            auth_password: secret-1   # >= 8 characters; omit both: noAuthNoPriv\n"
"            priv_protocol: AES     # DES AES AES-192 AES-256; omit: authNoPriv\n"
"            priv_password: secret-2\n"
"      pools:\n"
"        - name: pool0\n"
"          capacity: 8TiB           # bytes, or KB MB GB TB PB (1000^n),\n"
"                                   #   KiB MiB GiB TiB PiB (1024^n)\n"
"          free: 0                  # optional: default capacity - sum(consumed)\n"
"          used: 8TiB               # optional: default capacity - free\n"
"          volumes:\n"
"            - name: jiujiang       # unique within the array\n"
"              provisioned: 4TiB    # promised to hosts\n"
"              consumed: 154.89GiB  # allocated in the pool at scenario time 0\n"
"              thin: true           # default true\n"
"              wwn: 600a0b80001234560000abcd00000001   # optional\n"
"              growth: 1GiB         # optional: bytes per scenario second; also\n"
"                                   #   10GiB/s, 1TiB/min, 100GiB/h, 1TiB/d\n"
"          volumes_generate:        # optional: many volumes, after `volumes`\n"
"            count: 50000\n"
"            name_format: vol%06u   # one %u %d %x %X, optional 0 flag and width\n"
"            start: 1               # first number (default 1)\n"
"            provisioned: 10GiB\n"
"            consumed: 1GiB\n"
"            thin: true\n"
"            growth: 0\n"
"            wwn_format: 600a0b80000000000000%012x   # optional\n"
"    - name: netapp\n"
"      personality: snmprec         # replay a recording (formats as --snmprec)\n"
"      file: netapp.snmprec         # relative to the scenario file\n"
"      snmp: { listen: 127.0.0.1:16102, community: public }\n"
"\n"
"Growth: a volume's consumed grows by `growth` per scenario second (wall time\n"
"since start x --speed) up to its provisioned size; its pool's used grows and\n"
"free shrinks by as much.  When the pool's free would go below 0 the pool is\n"
"full: free stays exactly 0 and the volumes keep what they had then.\n"
"\n"
"REST personalities (ontap purefa hpe3par oceanstor powerstore ibmsv unity)\n"
"take a `rest:` section instead of `snmp:`:\n"
"      rest: { listen: 127.0.0.1:18443, tls: true, username: admin,\n"
"              password: secret, api_token: T0KEN, page_size: 2,\n"
"              session_ttl: 0s, max_sessions: 16 }\n"
"and serve the vendor's API over HTTPS (tls: false for HTTP); GET /_sim/stats,\n"
"POST /_sim/expire and POST /_sim/fault?kind=K&count=N on the same server\n"
"help tests (see src/sim/sim_rest.h).  Their `fault:` takes the REST faults:\n"
"auth garbage truncate wrong_type http500 endless drip bad_utf8 wrong_name,\n"
"{ type: http503|http429, retry_after: 3 }, { type: huge, bytes: 100MiB },\n"
"{ type: deep, depth: 100000 }, { type: drip|endless, delay_ms: 100 },\n"
"{ type: redirect, to: \"http://127.0.0.2:8443\" } (src/sim/sim_fault.h).\n"
"ontap arrays may list `luns:` ({ name: /vol/VOL/LUN, svm: vs1, size: 1TiB,\n"
"used: 1GiB, thin: true, serial: ... }) inside their volumes.\n"
"\n"
"SNMP: v1, v2c and v3 (USM) on each array's own UDP port, read-only.\n"
"THINWATCH-MIB (mibs/THINWATCH-MIB.txt) under .1.3.6.1.4.1.424242; sysObjectID\n"
"is .1.3.6.1.4.1.424242.3.1.  Several arrays run in this one process.\n";

static void usage(FILE *f)
{
	fputs(usage_text, f);
}

struct opts {
	const char *scenario;
	double speed;
	const char *pidfile, *ready_file;
	const char *tls_cert, *tls_key, *tls_cert_out;
	const char *control;
	const char **listen, **community, **snmprec;
	size_t nlisten, ncommunity, nsnmprec;
};

static int push(const char ***list, size_t *n, const char *v)
{
	const char **p = realloc(*list, (*n + 1) * sizeof *p);
	if (!p)
		return -1;
	p[(*n)++] = v;
	*list = p;
	return 0;
}

/* One --snmprec item: [NAME=]FILE[@ADDR]. */
static tw_err add_snmprec_item(struct sim_scenario *sc, const char *item, char *msg,
			       size_t msglen)
{
	char *copy = tw_strdup(item), *file, *name = NULL, *addr, *eq;
	tw_err e;

	if (!copy)
		return tw_seterr(msg, msglen, TW_ERR_NOMEM, "out of memory");
	file = copy;
	eq = strchr(copy, '=');
	if (eq && !memchr(copy, '/', (size_t)(eq - copy))) {
		*eq = '\0';
		name = copy;
		file = eq + 1;
	}
	addr = strrchr(file, '@');
	if (addr)
		*addr++ = '\0';
	if (!*file)
		e = tw_seterr(msg, msglen, TW_ERR_CONFIG, "--snmprec %s: no file", item);
	else
		e = sim_scenario_add_snmprec(sc, name, file, addr, msg, msglen);
	free(copy);
	return e;
}

static tw_err add_snmprec_spec(struct sim_scenario *sc, const char *spec, char *msg,
			       size_t msglen)
{
	char *copy = tw_strdup(spec), *save = NULL, *item;
	tw_err e = TW_OK;

	if (!copy)
		return tw_seterr(msg, msglen, TW_ERR_NOMEM, "out of memory");
	for (item = strtok_r(copy, ",", &save); item && !e; item = strtok_r(NULL, ",", &save))
		e = add_snmprec_item(sc, item, msg, msglen);
	free(copy);
	return e;
}

static int write_file_atomic(const char *path, const char *text)
{
	char tmp[4096];
	FILE *f;
	int n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());

	if (n < 0 || (size_t)n >= sizeof tmp || !(f = fopen(tmp, "w")))
		return -1;
	if (fputs(text, f) == EOF) {
		fclose(f);
		unlink(tmp);
		return -1;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	enum { O_SCENARIO = 256, O_SPEED, O_LISTEN, O_COMMUNITY, O_SNMPREC, O_PIDFILE, O_READY,
	       O_LOGLEVEL, O_LOGFORMAT, O_HELP, O_VERSION, O_TLSCERT, O_TLSKEY, O_TLSCERTOUT,
	       O_CONTROL };
	static const struct option longopts[] = {
		{ "scenario", required_argument, NULL, O_SCENARIO },
		{ "speed", required_argument, NULL, O_SPEED },
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "community", required_argument, NULL, O_COMMUNITY },
		{ "snmprec", required_argument, NULL, O_SNMPREC },
		{ "pidfile", required_argument, NULL, O_PIDFILE },
		{ "ready-file", required_argument, NULL, O_READY },
		{ "tls-cert", required_argument, NULL, O_TLSCERT },
		{ "tls-key", required_argument, NULL, O_TLSKEY },
		{ "tls-cert-out", required_argument, NULL, O_TLSCERTOUT },
		{ "control", required_argument, NULL, O_CONTROL },
		{ "log.level", required_argument, NULL, O_LOGLEVEL },
		{ "log.format", required_argument, NULL, O_LOGFORMAT },
		{ "help", no_argument, NULL, O_HELP },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	enum tw_log_level level = TW_LOG_INFO;
	enum tw_log_format format = TW_LOG_LOGFMT;
	int c;

	o->speed = 1.0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		char *end;
		switch (c) {
		case O_SCENARIO: o->scenario = optarg; break;
		case O_SPEED:
			errno = 0;
			o->speed = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o->speed > 0 && o->speed <= 1e9)) {
				fprintf(stderr, "thinwatch-sim: --speed: expected a number > 0, got '%s'\n",
					optarg);
				return 2;
			}
			break;
		case O_LISTEN:
			if (push(&o->listen, &o->nlisten, optarg))
				return 1;
			break;
		case O_COMMUNITY:
			if (push(&o->community, &o->ncommunity, optarg))
				return 1;
			break;
		case O_SNMPREC:
			if (push(&o->snmprec, &o->nsnmprec, optarg))
				return 1;
			break;
		case O_PIDFILE: o->pidfile = optarg; break;
		case O_READY: o->ready_file = optarg; break;
		case O_TLSCERT: o->tls_cert = optarg; break;
		case O_TLSKEY: o->tls_key = optarg; break;
		case O_TLSCERTOUT: o->tls_cert_out = optarg; break;
		case O_CONTROL: o->control = optarg; break;
		case O_LOGLEVEL:
			if (tw_log_parse_level(optarg, &level)) {
				fprintf(stderr, "thinwatch-sim: --log.level: expected debug, info, warn "
						"or error\n");
				return 2;
			}
			break;
		case O_LOGFORMAT:
			if (tw_log_parse_format(optarg, &format)) {
				fprintf(stderr, "thinwatch-sim: --log.format: expected logfmt or json\n");
				return 2;
			}
			break;
		case 'h':
		case O_HELP:
			usage(stdout);
			return -1;
		case O_VERSION:
			printf("thinwatch-sim %s (%s)\n", PACKAGE_VERSION, TW_REVISION);
			return -1;
		default:
			fprintf(stderr, "Try 'thinwatch-sim --help'.\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "thinwatch-sim: unexpected argument '%s'; try --help\n", argv[optind]);
		return 2;
	}
	if (!o->scenario && !o->nsnmprec) {
		fprintf(stderr, "thinwatch-sim: give --scenario FILE and/or --snmprec FILE; try "
				"--help\n");
		return 2;
	}
	tw_log_setup(level, format);
	return 0;
}

static tw_err build_scenario(const struct opts *o, struct sim_scenario **out, char *msg,
			     size_t msglen)
{
	struct sim_scenario *sc = NULL;
	tw_err e;

	if (o->scenario) {
		if ((e = sim_scenario_load(o->scenario, &sc, msg, msglen)))
			return e;
	} else if (!(sc = sim_scenario_new())) {
		return tw_seterr(msg, msglen, TW_ERR_NOMEM, "out of memory");
	}
	e = TW_OK;
	for (size_t i = 0; i < o->nsnmprec && !e; i++)
		e = add_snmprec_spec(sc, o->snmprec[i], msg, msglen);
	for (size_t i = 0; i < o->nlisten && !e; i++)
		e = sim_scenario_set_listen(sc, o->listen[i], msg, msglen);
	for (size_t i = 0; i < o->ncommunity && !e; i++)
		e = sim_scenario_set_community(sc, o->community[i], msg, msglen);
	if (!e)
		e = sim_scenario_check(sc, msg, msglen);
	if (e) {
		sim_scenario_free(sc);
		return e;
	}
	*out = sc;
	return TW_OK;
}

static int serve(struct sim_snmp *agent, struct sim_control *ctl, const sigset_t *unblocked)
{
	while (!stop_signal) {
		struct timeval tv = { 1, 0 };
		struct timespec ts;
		fd_set rfds, wfds;
		int nfds = 0, n;

		FD_ZERO(&rfds);
		FD_ZERO(&wfds);
		if (agent) /* NULL when every array is served over REST (own threads) */
			sim_snmp_prepare(agent, &nfds, &rfds, &tv);
		if (ctl)
			sim_control_prepare(ctl, &nfds, &rfds, &wfds, &tv);
		ts.tv_sec = tv.tv_sec;
		ts.tv_nsec = tv.tv_usec * 1000L;
		n = pselect(nfds, &rfds, &wfds, NULL, &ts, unblocked);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			tw_log(TW_LOG_ERROR, "select failed", "error", strerror(errno), NULL);
			return 1;
		}
		if (agent)
			sim_snmp_process(agent, &rfds, n);
		if (ctl)
			sim_control_process(ctl, &rfds, &wfds);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct sim_scenario *sc = NULL;
	struct sim_snmp *agent = NULL;
	struct sim_rest *rest = NULL;
	struct sim_rest_opts ro = { 0 };
	struct sim_control *ctl = NULL;
	int any_snmp = 0;
	char msg[1024] = "";
	struct sigaction sa;
	sigset_t block, orig;
	char *lines = NULL;
	size_t lines_len = 0;
	FILE *mem;
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc) {
		rc = rc < 0 ? 0 : rc;
		goto out;
	}

	/* Signals stay blocked except inside pselect: no stop request is lost. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &orig);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (build_scenario(&o, &sc, msg, sizeof msg)) {
		tw_log(TW_LOG_ERROR, "cannot start", "error", msg, NULL);
		rc = 1;
		goto out;
	}
	for (size_t i = 0; i < sc->narrays; i++)
		any_snmp |= sc->arrays[i].snmp.enabled;
	ro.speed = o.speed;
	ro.tls_cert = o.tls_cert;
	ro.tls_key = o.tls_key;
	ro.cert_out = o.tls_cert_out;
	if ((any_snmp && sim_snmp_start(sc, o.speed, &agent, msg, sizeof msg)) ||
	    sim_rest_start(sc, &ro, &rest, msg, sizeof msg)) {
		tw_log(TW_LOG_ERROR, "cannot start", "error", msg, NULL);
		rc = 1;
		goto out;
	}
	if (o.control) {
		if (sim_control_start(o.control, agent, rest, &ctl, msg, sizeof msg)) {
			tw_log(TW_LOG_ERROR, "cannot start", "error", msg, NULL);
			rc = 1;
			goto out;
		}
		tw_log(TW_LOG_INFO, "control endpoint listening", "address",
		       sim_control_address(ctl), NULL);
	}

	mem = open_memstream(&lines, &lines_len);
	for (size_t i = 0; agent && i < sim_snmp_count(agent); i++) {
		char oids[32];
		snprintf(oids, sizeof oids, "%zu", sim_snmp_entries(agent, i));
		tw_log(TW_LOG_INFO, "array listening", "array", sim_snmp_name(agent, i), "address",
		       sim_snmp_address(agent, i), "oids", oids, NULL);
		printf("array %s listening on %s\n", sim_snmp_name(agent, i),
		       sim_snmp_address(agent, i));
		if (mem)
			fprintf(mem, "array %s listening on %s\n", sim_snmp_name(agent, i),
				sim_snmp_address(agent, i));
	}
	for (size_t i = 0; i < sim_rest_count(rest); i++) {
		tw_log(TW_LOG_INFO, "array listening", "array", sim_rest_name(rest, i), "address",
		       sim_rest_address(rest, i), NULL);
		printf("array %s listening on %s\n", sim_rest_name(rest, i), sim_rest_address(rest, i));
		if (mem)
			fprintf(mem, "array %s listening on %s\n", sim_rest_name(rest, i),
				sim_rest_address(rest, i));
	}
	fflush(stdout);
	if (mem)
		fclose(mem);
	if (o.pidfile) {
		char pid[32];
		snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
		if (write_file_atomic(o.pidfile, pid))
			tw_log(TW_LOG_WARN, "cannot write pid file", "file", o.pidfile, "error",
			       strerror(errno), NULL);
	}
	if (o.ready_file && write_file_atomic(o.ready_file, lines ? lines : ""))
		tw_log(TW_LOG_WARN, "cannot write ready file", "file", o.ready_file, "error",
		       strerror(errno), NULL);

	rc = serve(agent, ctl, &orig);
	if (stop_signal) {
		char sig[16];
		snprintf(sig, sizeof sig, "%d", (int)stop_signal);
		tw_log(TW_LOG_INFO, "stopping", "signal", sig, NULL);
	}
	if (o.pidfile)
		unlink(o.pidfile);
out:
	sim_control_stop(ctl);
	sim_rest_stop(rest);
	sim_snmp_stop(agent);
	sim_scenario_free(sc);
	free(lines);
	free(o.listen);
	free(o.community);
	free(o.snmprec);
	return rc;
}
