/* main.c: thinwatch entry point.  Parses flags, loads the config, starts
 * the poll scheduler and the HTTP server, then waits for signals: SIGHUP
 * reloads (as does POST /-/reload), SIGTERM/SIGINT shut down cleanly.
 * The process-wide state (current config, reload status) lives here. */
#include "config.h"
#include "cfg.h"
#include "driver.h"
#include "http.h"
#include "log.h"
#include "scheduler.h"
#include "snmp_walk.h"
#include "webcfg.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct opts {
	const char *config_file;
	const char *listen;
	const char *telemetry_path;
	const char *web_config;
	const char *profiles_dir;
	const char *log_level, *log_format;
	const char *shard;
	int dry_run, once;
};

static struct {
	pthread_mutex_t reload_mu;
	struct tw_config *cfg;
	struct sched *sched;
	int reload_ok;
	double reload_ts;
	const char *config_file;
	unsigned shard, shards;
} g = { PTHREAD_MUTEX_INITIALIZER, NULL, NULL, 1, 0, NULL, 0, 1 };

static const char *const profile_search[] = { TW_DATADIR "/profiles", TW_SRCDIR "/mibs/profiles",
					      NULL };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: thinwatch [flags]\n"
		"Polls storage arrays over SNMP and vendor REST APIs and exports thin-provisioning\n"
		"capacity and overcommit metrics for Prometheus.\n\n"
		"  --config.file=PATH          configuration file (default thinwatch.yml)\n"
		"  --web.listen-address=ADDR   address to listen on (default :9817)\n"
		"  --web.telemetry-path=PATH   path of the metrics endpoint (default /metrics)\n"
		"  --web.config.file=PATH      exporter-toolkit web config (TLS, basic auth)\n"
		"  --profiles.dir=DIR          where bare SNMP profile names resolve first\n"
		"  --log.level=LEVEL           debug, info, warn, error (default info)\n"
		"  --log.format=FORMAT         logfmt or json (default logfmt)\n"
		"  --shard=I/N                 poll only the targets of shard I (0-based) of N: N\n"
		"                              instances with the same config split the targets by a\n"
		"                              stable hash of their names, no overlap, no gap\n"
		"  --dry-run                   validate the config and profiles, print a summary, exit\n"
		"  --once                      poll every target once, print the exposition, exit\n"
		"                              (0 if every target answered, 1 otherwise)\n"
		"  --version                   print version and exit\n"
		"  --help                      this text\n");
}

/* Accept --name=value and --name value. */
static int flag_value(int argc, char **argv, int *i, const char *name, const char **out)
{
	size_t n = strlen(name);
	const char *a = argv[*i];
	if (strncmp(a, name, n) != 0)
		return 0;
	if (a[n] == '=') {
		*out = a + n + 1;
		return 1;
	}
	if (a[n] == '\0' && *i + 1 < argc) {
		*out = argv[++*i];
		return 1;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			exit(0);
		} else if (strcmp(a, "--version") == 0) {
			printf("thinwatch, version %s (revision %s)\n", PACKAGE_VERSION, TW_REVISION);
			exit(0);
		} else if (strcmp(a, "--dry-run") == 0) {
			o->dry_run = 1;
		} else if (strcmp(a, "--once") == 0) {
			o->once = 1;
		} else if (flag_value(argc, argv, &i, "--config.file", &o->config_file) ||
			   flag_value(argc, argv, &i, "--web.listen-address", &o->listen) ||
			   flag_value(argc, argv, &i, "--web.telemetry-path", &o->telemetry_path) ||
			   flag_value(argc, argv, &i, "--web.config.file", &o->web_config) ||
			   flag_value(argc, argv, &i, "--profiles.dir", &o->profiles_dir) ||
			   flag_value(argc, argv, &i, "--log.level", &o->log_level) ||
			   flag_value(argc, argv, &i, "--log.format", &o->log_format) ||
			   flag_value(argc, argv, &i, "--shard", &o->shard)) {
			continue;
		} else {
			fprintf(stderr, "thinwatch: unknown flag '%s'\n", a);
			usage(stderr);
			return -1;
		}
	}
	return 0;
}

/* "I/N" with 0 <= I < N. */
static int parse_shard(const char *s, unsigned *i, unsigned *n)
{
	uint64_t a, b;
	char tmp[32];
	const char *slash = strchr(s, '/');
	if (!slash || (size_t)(slash - s) >= sizeof tmp)
		return -1;
	memcpy(tmp, s, (size_t)(slash - s));
	tmp[slash - s] = '\0';
	if (tw_parse_u64(tmp, &a) || tw_parse_u64(slash + 1, &b) || b == 0 || b > 65536 || a >= b)
		return -1;
	*i = (unsigned)a;
	*n = (unsigned)b;
	return 0;
}

static tw_err load_config(const char *file, struct tw_config **out, char *msg, size_t msglen)
{
	tw_err e = cfg_load(file, out, msg, msglen);
	if (e == TW_OK)
		cfg_retain_shard(*out, g.shard, g.shards);
	return e;
}

static tw_err do_reload(void *ctx, char *msg, size_t msglen)
{
	struct tw_config *c = NULL, *old;
	tw_err e;
	(void)ctx;
	pthread_mutex_lock(&g.reload_mu);
	e = load_config(g.config_file, &c, msg, msglen);
	if (e) {
		g.reload_ok = 0;
		pthread_mutex_unlock(&g.reload_mu);
		tw_log(TW_LOG_ERROR, "config reload failed; keeping the running config", "err", msg,
		       NULL);
		return e;
	}
	sched_reload(g.sched, c);
	old = g.cfg;
	g.cfg = c;
	g.reload_ok = 1;
	g.reload_ts = tw_now_wall();
	pthread_mutex_unlock(&g.reload_mu);
	cfg_free(old);
	tw_log(TW_LOG_INFO, "config reloaded", "file", g.config_file, NULL);
	return TW_OK;
}

static void extra(void *ctx, struct prom_extra *x)
{
	(void)ctx;
	x->version = PACKAGE_VERSION;
	x->revision = TW_REVISION;
	pthread_mutex_lock(&g.reload_mu);
	x->reload_ok = g.reload_ok;
	x->reload_success_ts = g.reload_ts;
	pthread_mutex_unlock(&g.reload_mu);
}

static int dry_run(const struct tw_config *c, const struct tw_driver_env *env)
{
	struct buf b;
	int bad = 0;
	buf_init(&b, 0);
	cfg_describe(c, &b);
	fwrite(b.data ? b.data : "", 1, b.len, stdout);
	buf_free(&b);
	for (size_t i = 0; i < c->ntargets; i++) {
		const struct tw_target *t = &c->targets[i];
		const struct tw_driver *d = tw_driver_find(t->driver);
		char msg[512] = "";
		void *st;
		if (!d) {
			fprintf(stderr, "%s:%d:%d: target '%s': driver '%s' is not built into this thinwatch\n",
				c->file, t->line, t->col, t->name, t->driver);
			bad = 1;
			continue;
		}
		st = calloc(1, d->state_size ? d->state_size : 1);
		if (!st)
			return 1;
		if (d->open(st, t, env, msg, sizeof msg) != TW_OK) {
			fprintf(stderr, "%s:%d:%d: target '%s': %s\n", c->file, t->line, t->col, t->name,
				msg);
			bad = 1;
		}
		d->close(st);
		free(st);
	}
	printf("config %s: %s\n", c->file, bad ? "INVALID" : "OK");
	return bad;
}

/* --dry-run with --web.config.file: load it as the server would. */
static int dry_run_web_config(const char *path)
{
	struct webcfg *w = NULL;
	char msg[1024] = "";
	struct buf b;
	if (webcfg_load(path, &w, msg, sizeof msg) != TW_OK) {
		fprintf(stderr, "thinwatch: %s\n", msg);
		printf("web config %s: INVALID\n", path);
		return 1;
	}
	buf_init(&b, 0);
	webcfg_describe(w, &b);
	fwrite(b.data ? b.data : "", 1, b.len, stdout);
	buf_free(&b);
	webcfg_unref(w);
	printf("web config %s: OK\n", path);
	return 0;
}

/* --once: one poll of every target, the exposition on stdout. */
static int run_once(struct sched *s)
{
	struct sched_view *v = NULL;
	struct prom_target_view *pv;
	struct prom_extra x = { 0 };
	struct buf b;
	size_t n;
	int rc = 0;

	while (!sched_ready(s))
		usleep(1000);
	sched_stop(s);
	n = sched_views(s, &v);
	pv = calloc(n ? n : 1, sizeof *pv);
	if (!pv)
		return 1;
	for (size_t i = 0; i < n; i++) {
		pv[i] = v[i].pv;
		if (!pv[i].up)
			rc = 1;
	}
	extra(NULL, &x);
	buf_init(&b, PROM_SCRAPE_MAX_BYTES);
	prom_render(&b, 0, pv, n, &x);
	if (buf_failed(&b) || fwrite(b.data, 1, b.len, stdout) != b.len)
		rc = 1;
	buf_free(&b);
	free(pv);
	sched_views_free(v, n);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o = { .config_file = "thinwatch.yml", .telemetry_path = "/metrics",
			  .log_level = "info", .log_format = "logfmt" };
	enum tw_log_level lvl;
	enum tw_log_format fmt;
	struct tw_driver_env env;
	struct http_opts ho;
	struct http_hooks hk = { NULL, do_reload, extra };
	struct http *http = NULL;
	char msg[1024] = "";
	sigset_t set;
	int rc = 0;

	if (parse_args(argc, argv, &o))
		return 2;
	if (tw_log_parse_level(o.log_level, &lvl) || tw_log_parse_format(o.log_format, &fmt)) {
		fprintf(stderr, "thinwatch: bad --log.level or --log.format\n");
		return 2;
	}
	tw_log_setup(lvl, fmt);
	g.config_file = o.config_file;
	if (o.shard && parse_shard(o.shard, &g.shard, &g.shards)) {
		fprintf(stderr, "thinwatch: --shard=%s: expected I/N with 0 <= I < N\n", o.shard);
		return 2;
	}

	if (load_config(o.config_file, &g.cfg, msg, sizeof msg) != TW_OK) {
		fprintf(stderr, "thinwatch: %s\n", msg);
		if (!o.dry_run)
			tw_log(TW_LOG_ERROR, "cannot load config", "err", msg, NULL);
		return 1;
	}
	env.profiles_dir = o.profiles_dir ? o.profiles_dir : g.cfg->profiles_dir;
	env.profile_search = profile_search;
	/* Library globals, once, before any thread starts. */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tw_snmp_global_init();
	if (o.dry_run) {
		rc = dry_run(g.cfg, &env);
		if (o.web_config && o.web_config[0] && dry_run_web_config(o.web_config))
			rc = 1;
		cfg_free(g.cfg);
		tw_snmp_global_shutdown();
		return rc;
	}
	g.reload_ts = tw_now_wall();

	/* Signals are taken by sigwait() below; every thread inherits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	g.sched = sched_new(g.cfg, &env, msg, sizeof msg);
	if (!g.sched || sched_start(g.sched) != TW_OK) {
		tw_log(TW_LOG_ERROR, "cannot start the poller", "err", msg, NULL);
		return 1;
	}
	if (o.once) {
		rc = run_once(g.sched);
		sched_free(g.sched);
		cfg_free(g.cfg);
		tw_snmp_global_shutdown();
		return rc;
	}
	memset(&ho, 0, sizeof ho);
	ho.listen_address = o.listen ? o.listen
				     : g.cfg->listen_address ? g.cfg->listen_address : ":9817";
	ho.telemetry_path = o.telemetry_path;
	ho.web_config_file = o.web_config;
	http = http_start(&ho, g.sched, &hk, msg, sizeof msg);
	if (!http) {
		tw_log(TW_LOG_ERROR, "cannot start the HTTP server", "err", msg, NULL);
		sched_free(g.sched);
		cfg_free(g.cfg);
		return 1;
	}
	{
		char port[16], ntargets[16];
		snprintf(port, sizeof port, "%u", http_port(http));
		snprintf(ntargets, sizeof ntargets, "%zu", g.cfg->ntargets);
		char shard[32];
		snprintf(shard, sizeof shard, "%u/%u", g.shard, g.shards);
		tw_log(TW_LOG_INFO, "thinwatch started", "version", PACKAGE_VERSION, "listen",
		       ho.listen_address, "port", port, "targets", ntargets, "shard", shard, NULL);
	}

	for (;;) {
		int sig = 0;
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			do_reload(NULL, msg, sizeof msg);
			continue;
		}
		tw_log(TW_LOG_INFO, "shutting down", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT",
		       NULL);
		break;
	}
	http_stop(http);
	sched_free(g.sched);
	cfg_free(g.cfg);
	tw_snmp_global_shutdown();
	curl_global_cleanup();
	return 0;
}
