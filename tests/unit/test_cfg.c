/* test_cfg.c: unit tests for the config loader (src/cfg.c).
 *
 * Most configs are written at test time into a fresh mkdtemp() directory, so
 * each expected "file:line:col" sits next to the YAML it points into and
 * secret files get the exact modes the test needs (git keeps no modes).
 * The committed fixtures in tests/fixtures/config/ are loaded too, found via
 * $top_srcdir or the compile-time TW_SRCDIR. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cfg.h"

#define MARKER "MARKER-s3cr3t-7f3a9c"

struct env {
	char dir[256];
	char path[512];   /* the config file, dir/c.yml */
	char msg[1024];
};

static int setup(void **state)
{
	struct env *v = calloc(1, sizeof *v);
	const char *tmp = getenv("TMPDIR");
	if (!v)
		return -1;
	snprintf(v->dir, sizeof v->dir, "%s/test_cfg.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(v->dir)) {
		free(v);
		return -1;
	}
	snprintf(v->path, sizeof v->path, "%s/c.yml", v->dir);
	*state = v;
	return 0;
}

static int teardown(void **state)
{
	struct env *v = *state;
	DIR *dh = opendir(v->dir);
	struct dirent *de;
	char p[600];
	while (dh && (de = readdir(dh))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof p, "%s/%s", v->dir, de->d_name);
		unlink(p);
	}
	if (dh)
		closedir(dh);
	rmdir(v->dir);
	free(v);
	return 0;
}

/* Write dir/name with the given mode (exactly, whatever the umask). */
static void put_file(struct env *v, const char *name, const char *text, mode_t mode)
{
	char p[600];
	FILE *f;
	snprintf(p, sizeof p, "%s/%s", v->dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(p, mode), 0);
}

static struct tw_config *load_ok(struct env *v, const char *yaml)
{
	struct tw_config *c = NULL;
	tw_err e;
	put_file(v, "c.yml", yaml, 0644);
	v->msg[0] = '\0';
	e = cfg_load(v->path, &c, v->msg, sizeof v->msg);
	if (e)
		print_error("unexpected error: %s\n", v->msg);
	assert_int_equal(e, TW_OK);
	assert_non_null(c);
	return c;
}

/* Load yaml, expect failure with "PATH:line:col: " and phrase in the text. */
static void load_bad(struct env *v, const char *yaml, int line, int col, const char *phrase)
{
	struct tw_config *c = NULL;
	char prefix[600];
	tw_err e;
	put_file(v, "c.yml", yaml, 0644);
	v->msg[0] = '\0';
	e = cfg_load(v->path, &c, v->msg, sizeof v->msg);
	assert_int_not_equal(e, TW_OK);
	assert_null(c);
	snprintf(prefix, sizeof prefix, "%s:%d:%d: ", v->path, line, col);
	if (strncmp(v->msg, prefix, strlen(prefix)) != 0 || !strstr(v->msg, phrase)) {
		print_error("expected prefix '%s' and phrase '%s'\n     got '%s'\n", prefix, phrase,
			    v->msg);
		fail();
	}
	assert_null(strstr(v->msg, MARKER));
}

static const struct tw_target *find(const struct tw_config *c, const char *name)
{
	for (size_t i = 0; i < c->ntargets; i++)
		if (!strcmp(c->targets[i].name, name))
			return &c->targets[i];
	fail_msg("no target %s", name);
	return NULL;
}

/* ---- a full config with every key ---- */

static const char full_yaml[] =
	"global:\n"                                         /* 1 */
	"  interval: 30s\n"
	"  timeout: 5s\n"
	"  retries: 2\n"
	"  concurrency: 8\n"                                /* 5 */
	"  overcommit_threshold: 1.1\n"
	"  staleness: 10m\n"
	"  backoff_max: 2m\n"
	"  max_response_bytes: 8MiB\n"
	"  secrets_allow_world_readable: false\n"           /* 10 */
	"web:\n"
	"  listen_address: \"127.0.0.1:9817\"\n"
	"profiles_dir: profiles\n"
	"targets:\n"
	"  - name: cas-storage\n"                           /* 15 */
	"    driver: snmp\n"
	"    address: udp:127.0.0.1:16100\n"
	"    profile: thinwatch\n"
	"    snmp:\n"
	"      version: 2c\n"                               /* 20 */
	"      community_file: community.txt\n"
	"      max_repetitions: 25\n"
	"    overcommit_threshold: 1.2\n"
	"    pools:\n"
	"      aggr1: { overcommit_threshold: 1.5 }\n"      /* 25 */
	"      aggr2:\n"
	"        overcommit_threshold: 0.9\n"
	"  - name: v3box\n"
	"    driver: snmp\n"
	"    address: \"tcp6:[::1]:1161\"\n"               /* 30 */
	"    profile: ./my-profile.yml\n"
	"    snmp:\n"
	"      version: 3\n"
	"      username: monitor\n"
	"      security_level: authPriv\n"                  /* 35 */
	"      auth_protocol: SHA-256\n"
	"      auth_password_file: auth.pass\n"
	"      priv_protocol: aes-256\n"
	"      priv_password_file: priv.pass\n"
	"      context: ctx1\n"                             /* 40 */
	"    interval: 2m\n"
	"    timeout: 30s\n"
	"    retries: 0\n"
	"  - name: ontap1\n"
	"    driver: ontap\n"                               /* 45 */
	"    url: https://ontap1.example.com/\n"
	"    username: monitor\n"
	"    password_file: ontap.pass\n"
	"    tls: { ca_file: ca.pem, insecure_skip_verify: false }\n"
	"    interval: 120s\n"                              /* 50 */
	"    staleness: 1h\n"
	"    max_response_bytes: 1MiB\n"
	"  - name: pure\n"
	"    driver: purefa\n"
	"    url: http://127.0.0.1:8443\n"                  /* 55 */
	"    api_token_file: token\n"
	"    tls: { insecure_skip_verify: true }\n"
	"  - name: \"inline \\u00e9\"\n"
	"    driver: snmp\n"
	"    address: localhost\n"                          /* 60 */
	"    snmp: { version: 1, community: " MARKER "-inline }\n"
	"  - name: v3auth\n"
	"    driver: snmp\n"
	"    address: \"[::1]\"\n"
	"    snmp:\n"                                       /* 65 */
	"      version: 3\n"
	"      username: u2\n"
	"      auth_protocol: MD5\n"
	"      auth_password_file: auth.pass\n";

static void put_full_secrets(struct env *v)
{
	put_file(v, "community.txt", MARKER "-community\n", 0600);
	put_file(v, "auth.pass", MARKER "-auth\n", 0600);
	put_file(v, "priv.pass", MARKER "-priv\r\n", 0400);
	put_file(v, "ontap.pass", MARKER "-ontap", 0600);
	put_file(v, "token", MARKER "-token\n", 0600);
	put_file(v, "ca.pem", "-----BEGIN CERTIFICATE-----\n", 0644);
}

static void test_full_config(void **state)
{
	struct env *v = *state;
	struct tw_config *c;
	const struct tw_target *t;
	char p[600];

	put_full_secrets(v);
	c = load_ok(v, full_yaml);
	assert_string_equal(c->file, v->path);
	assert_true(c->interval == 30 && c->timeout == 5 && c->staleness == 600);
	assert_int_equal(c->retries, 2);
	assert_int_equal(c->concurrency, 8);
	assert_true(c->overcommit_threshold == 1.1);
	assert_true(c->backoff_max == 120);
	assert_int_equal(c->max_response_bytes, 8u << 20);
	assert_int_equal(c->secrets_allow_world_readable, 0);
	assert_string_equal(c->listen_address, "127.0.0.1:9817");
	snprintf(p, sizeof p, "%s/profiles", v->dir);
	assert_string_equal(c->profiles_dir, p);
	assert_int_equal(c->ntargets, 6);

	t = find(c, "cas-storage");
	assert_int_equal(t->line, 15);
	assert_int_equal(t->col, 5);
	assert_string_equal(t->driver, "snmp");
	assert_string_equal(t->address, "udp:127.0.0.1:16100");
	assert_null(t->url);
	assert_string_equal(t->profile, "thinwatch");
	assert_int_equal(t->snmp.version, TW_SNMP_V2C);
	assert_string_equal(t->snmp.community.value, MARKER "-community");
	snprintf(p, sizeof p, "%s/community.txt", v->dir);
	assert_string_equal(t->snmp.community.file, p);
	assert_int_equal(t->snmp.max_repetitions, 25);
	/* inherited from global */
	assert_true(t->interval == 30 && t->timeout == 5 && t->staleness == 600);
	assert_int_equal(t->retries, 2);
	assert_int_equal(t->max_response_bytes, 8u << 20);
	assert_true(t->overcommit_threshold == 1.2);
	assert_int_equal(t->npools, 2);
	assert_true(cfg_pool_threshold(t, "aggr1") == 1.5);
	assert_true(cfg_pool_threshold(t, "aggr2") == 0.9);
	assert_true(cfg_pool_threshold(t, "other") == 1.2);
	assert_true(cfg_pool_threshold(t, NULL) == 1.2);

	t = find(c, "v3box");
	assert_int_equal(t->line, 28);
	assert_string_equal(t->address, "tcp6:[::1]:1161");
	snprintf(p, sizeof p, "%s/./my-profile.yml", v->dir);
	assert_string_equal(t->profile, p);
	assert_int_equal(t->snmp.version, TW_SNMP_V3);
	assert_null(t->snmp.community.value);
	assert_int_equal(t->snmp.max_repetitions, 50);
	assert_int_equal(t->snmp.max_inflight, TW_SNMP_DEFAULT_INFLIGHT);
	assert_string_equal(t->snmp.username, "monitor");
	assert_int_equal(t->snmp.security_level, TW_SEC_AUTHPRIV);
	assert_int_equal(t->snmp.auth_protocol, TW_AUTH_SHA256);
	assert_int_equal(t->snmp.priv_protocol, TW_PRIV_AES256);
	assert_string_equal(t->snmp.auth_password.value, MARKER "-auth");
	assert_string_equal(t->snmp.priv_password.value, MARKER "-priv"); /* CRLF trimmed */
	assert_string_equal(t->snmp.context, "ctx1");
	assert_true(t->interval == 120 && t->timeout == 30 && t->staleness == 600);
	assert_int_equal(t->retries, 0);
	assert_true(t->overcommit_threshold == 1.1);
	assert_true(cfg_pool_threshold(t, "aggr1") == 1.1);

	t = find(c, "ontap1");
	assert_string_equal(t->url, "https://ontap1.example.com"); /* trailing '/' dropped */
	assert_null(t->address);
	assert_null(t->profile);
	assert_string_equal(t->username, "monitor");
	assert_string_equal(t->password.value, MARKER "-ontap"); /* no newline: kept whole */
	assert_null(t->api_token.value);
	snprintf(p, sizeof p, "%s/ca.pem", v->dir);
	assert_string_equal(t->tls.ca_file, p);
	assert_int_equal(t->tls.insecure_skip_verify, 0);
	assert_true(t->interval == 120 && t->staleness == 3600);
	assert_int_equal(t->max_response_bytes, 1u << 20);

	t = find(c, "pure");
	assert_string_equal(t->url, "http://127.0.0.1:8443");
	assert_string_equal(t->api_token.value, MARKER "-token");
	assert_null(t->username);
	assert_null(t->password.value);
	assert_null(t->tls.ca_file);
	assert_int_equal(t->tls.insecure_skip_verify, 1);

	t = find(c, "inline \xc3\xa9");
	assert_int_equal(t->snmp.version, TW_SNMP_V1);
	assert_string_equal(t->snmp.community.value, MARKER "-inline");
	assert_null(t->snmp.community.file);
	assert_string_equal(t->profile, "auto");

	t = find(c, "v3auth"); /* security level inferred from what is set */
	assert_int_equal(t->snmp.security_level, TW_SEC_AUTHNOPRIV);
	assert_int_equal(t->snmp.auth_protocol, TW_AUTH_MD5);
	assert_int_equal(t->snmp.priv_protocol, TW_PRIV_NONE);
	assert_null(t->snmp.priv_password.value);
	assert_null(t->snmp.context);
	cfg_free(c);
}

static void test_defaults(void **state)
{
	struct env *v = *state;
	struct tw_config *c = load_ok(v,
		"targets:\n"
		"  - name: a\n"
		"    driver: snmp\n"
		"    address: 10.0.0.1:161\n"
		"  - name: slow\n"
		"    driver: snmp\n"
		"    address: host-b.example.com\n"
		"    interval: 10m\n"
		"    timeout: 1m\n");
	const struct tw_target *t;

	assert_true(c->interval == 60 && c->timeout == 10 && c->staleness == 0);
	assert_int_equal(c->retries, 1);
	assert_int_equal(c->concurrency, 64);
	assert_true(c->overcommit_threshold == 1.0);
	assert_true(c->backoff_max == 300);
	assert_int_equal(c->max_response_bytes, 32u << 20);
	assert_null(c->listen_address);
	assert_null(c->profiles_dir);
	t = find(c, "a");
	assert_string_equal(t->profile, "auto");
	assert_int_equal(t->snmp.version, TW_SNMP_V2C);
	assert_string_equal(t->snmp.community.value, "public");
	assert_int_equal(t->snmp.max_repetitions, 50);
	assert_true(t->staleness == 300);          /* max(3 x 60s, 5m) */
	assert_int_equal(t->npools, 0);
	assert_true(cfg_pool_threshold(t, "x") == 1.0);
	t = find(c, "slow");
	assert_true(t->interval == 600 && t->timeout == 60);
	assert_true(t->staleness == 1800);         /* 3 x 10m */
	cfg_free(c);

	/* empty file, and an explicitly empty target list, are valid */
	c = load_ok(v, "");
	assert_int_equal(c->ntargets, 0);
	assert_true(c->interval == 60);
	cfg_free(c);
	c = load_ok(v, "global:\ntargets: []\n");
	assert_int_equal(c->ntargets, 0);
	cfg_free(c);
}

/* ---- bad configs: exact location and what was expected ---- */

static void test_unknown_keys(void **state)
{
	struct env *v = *state;
	load_bad(v, "global:\n  interval: 60s\ntargetz: []\n", 3, 1,
		 "unknown key 'targetz' (expected one of: global, web, targets, profiles_dir)");
	load_bad(v, "global:\n  interval: 60s\n  intervall: 2m\n", 3, 3, "unknown key 'intervall'");
	load_bad(v, "web:\n  listen: :9000\n", 2, 3, "unknown key 'listen'");
	load_bad(v,
		 "targets:\n"
		 "  - name: a\n"
		 "    driver: snmp\n"
		 "    address: h\n"
		 "    comunity: public\n",
		 5, 5, "unknown key 'comunity'");
	load_bad(v,
		 "targets:\n"
		 "  - name: a\n"
		 "    driver: snmp\n"
		 "    address: h\n"
		 "    snmp:\n"
		 "      version: 2c\n"
		 "      comunity: public\n",
		 7, 7, "unknown key 'comunity'");
	load_bad(v,
		 "targets:\n"
		 "  - name: a\n"
		 "    driver: ontap\n"
		 "    url: https://x\n"
		 "    tls: { ca: /x }\n",
		 5, 12, "unknown key 'ca'");
	load_bad(v,
		 "targets:\n"
		 "  - name: a\n"
		 "    driver: snmp\n"
		 "    address: h\n"
		 "    pools:\n"
		 "      p1: { threshold: 2 }\n",
		 6, 13, "unknown key 'threshold'");
	load_bad(v, "global:\n  retries: 1\n  retries: 2\n", 3, 3, "duplicate key 'retries'");
}

static void test_bad_values(void **state)
{
	struct env *v = *state;
	load_bad(v, "global:\n  interval: soon\n", 2, 13,
		 "global.interval: expected a duration like 60s");
	load_bad(v, "global:\n  timeout: 0s\n", 2, 12, "expected a duration greater than 0");
	load_bad(v, "global:\n  overcommit_threshold: -1\n", 2, 25, "expected a number");
	load_bad(v, "global:\n  overcommit_threshold: 0\n", 2, 25,
		 "global.overcommit_threshold: expected a number greater than 0");
	load_bad(v, "global:\n  retries: many\n", 2, 12, "expected an integer from 0 to 10");
	load_bad(v, "global:\n  concurrency: 0\n", 2, 16, "expected an integer from 1 to");
	load_bad(v, "global:\n  max_response_bytes: 12\n", 2, 23, "at least 1KiB");
	load_bad(v, "global:\n  secrets_allow_world_readable: maybe\n", 2, 33,
		 "expected true or false");
	load_bad(v,
		 "targets:\n"
		 "  - name: a\n"
		 "    driver: snmp\n"
		 "    address: h\n"
		 "    overcommit_threshold: 0\n",
		 5, 27, "target 'a': overcommit_threshold: expected a number greater than 0");
	load_bad(v,
		 "targets:\n"
		 "  - name: a\n"
		 "    driver: snmp\n"
		 "    address: h\n"
		 "    pools:\n"
		 "      aggr1: { overcommit_threshold: zero }\n",
		 6, 38, "pools.aggr1.overcommit_threshold: expected a number");
	load_bad(v,
		 "targets:\n"
		 "  - name: a\n"
		 "    driver: snmp\n"
		 "    address: h\n"
		 "    interval: 2x\n",
		 5, 15, "target 'a': interval: expected a duration");
	load_bad(v, "targets: {name: a}\n", 1, 10, "targets: expected a list, got a mapping");
	load_bad(v, "targets:\n  - just-a-name\n", 2, 5, "targets[0]: expected a mapping");
	load_bad(v, "- a\n- b\n", 1, 1, "expected a mapping with keys global");
	load_bad(v, "global: 5\n", 1, 9, "global: expected a mapping");
}

static void test_timing(void **state)
{
	struct env *v = *state;
	load_bad(v, "global:\n  interval: 5s\n  timeout: 10s\n", 3, 12,
		 "global: timeout 10s is longer than the poll interval 5s");
	/* target interval shorter than the inherited timeout: point at interval */
	load_bad(v,
		 "targets:\n"
		 "  - name: a\n"
		 "    driver: snmp\n"
		 "    address: h\n"
		 "    interval: 5s\n",
		 5, 15, "target 'a': timeout 10s is longer than the poll interval 5s");
	load_bad(v,
		 "targets:\n"
		 "  - name: a\n"
		 "    driver: snmp\n"
		 "    address: h\n"
		 "    timeout: 2m\n",
		 5, 14, "timeout 2m is longer than the poll interval 1m");
	load_bad(v,
		 "global:\n"
		 "  staleness: 2m\n"
		 "targets:\n"
		 "  - name: a\n"
		 "    driver: snmp\n"
		 "    address: h\n"
		 "    interval: 5m\n",
		 7, 15, "target 'a': staleness 2m is shorter than the poll interval 5m");
}

static void test_targets_structure(void **state)
{
	struct env *v = *state;
	load_bad(v,
		 "targets:\n"
		 "  - name: a\n"
		 "    driver: snmp\n"
		 "    address: h1\n"
		 "  - name: b\n"
		 "    driver: snmp\n"
		 "    address: h2\n"
		 "  - driver: snmp\n"
		 "    address: h3\n"
		 "    name: a\n",
		 10, 11, "duplicate target name 'a' (first defined at ");
	assert_non_null(strstr(v->msg, "c.yml:2:11)"));
	load_bad(v, "targets:\n  - name: a\n    address: h\n", 2, 5,
		 "target 'a': missing required key 'driver' (one of: snmp, ontap, purefa");
	load_bad(v, "targets:\n  - driver: snmp\n    address: h\n", 2, 5,
		 "targets[0]: missing required key 'name'");
	load_bad(v, "targets:\n  - name: \"\"\n    driver: snmp\n", 2, 11,
		 "expected a non-empty string");
	load_bad(v, "targets:\n  - name: \"a\\tb\"\n    driver: snmp\n", 2, 11,
		 "control characters are not allowed");
	load_bad(v, "targets:\n  - name: a\n    driver: snpm\n    address: h\n", 3, 13,
		 "unknown driver 'snpm' (expected one of: snmp, ontap, purefa, hpe3par, oceanstor, "
		 "powerstore, ibmsv, unity)");
	load_bad(v, "targets:\n  - name: a\n    driver: snmp\n", 2, 5,
		 "target 'a': missing required key 'address'");
	load_bad(v, "targets:\n  - name: a\n    driver: snmp\n    address: h:70000\n", 4, 14,
		 "expected a port from 1 to 65535");
	load_bad(v, "targets:\n  - name: a\n    driver: snmp\n    address: ::1\n", 4, 14,
		 "IPv6 addresses go in brackets");
	load_bad(v, "targets:\n  - name: a\n    driver: snmp\n    address: \"bad host\"\n", 4, 14,
		 "expected host[:port]");
	load_bad(v,
		 "targets:\n  - name: a\n    driver: snmp\n    address: h\n    url: https://h\n",
		 5, 5, "target 'a': url is for REST drivers; snmp targets use address");
	load_bad(v,
		 "targets:\n  - name: a\n    driver: snmp\n    address: h\n    username: u\n",
		 5, 5, "for SNMP v3 set snmp.username");
	load_bad(v, "targets:\n  - name: a\n    driver: ontap\n", 2, 5,
		 "target 'a': missing required key 'url'");
	load_bad(v, "targets:\n  - name: a\n    driver: ontap\n    url: ftp://h\n", 4, 10,
		 "expected a base URL starting with https://");
	load_bad(v,
		 "targets:\n  - name: a\n    driver: ontap\n    url: https://h\n    address: h\n",
		 5, 5, "address is for the snmp driver");
	load_bad(v, "targets:\n  - name: a\n    driver: ontap\n    url: https://h\n", 2, 5,
		 "driver ontap needs username and password_file");
	load_bad(v,
		 "targets:\n  - name: a\n    driver: ontap\n    url: https://h\n    username: u\n",
		 2, 5, "driver ontap needs password_file");
	load_bad(v,
		 "targets:\n  - name: a\n    driver: purefa\n    url: https://h\n    username: u\n",
		 5, 5, "username is not used by this driver; it logs in with api_token_file");
	load_bad(v, "targets:\n  - name: a\n    driver: purefa\n    url: https://h\n", 2, 5,
		 "driver purefa needs api_token_file");
}

static void test_snmp_section(void **state)
{
	struct env *v = *state;
	put_file(v, "auth.pass", "longenough\n", 0600);
	put_file(v, "short.pass", "short\n", 0600);
	put_file(v, "comm", "c\n", 0600);
	load_bad(v,
		 "targets:\n"
		 "  - name: a\n"
		 "    driver: snmp\n"
		 "    address: h\n"
		 "    snmp:\n"
		 "      version: 3\n"
		 "      security_level: authNoPriv\n",
		 6, 7, "target 'a': SNMP v3 needs snmp.username");
	load_bad(v,
		 "targets:\n  - name: a\n    driver: snmp\n    address: h\n"
		 "    snmp: { version: 2 }\n",
		 5, 22, "snmp.version: expected 1, 2c or 3, got '2'");
	load_bad(v,
		 "targets:\n  - name: a\n    driver: snmp\n    address: h\n"
		 "    snmp: { version: 2c, max_repetitions: 0 }\n",
		 5, 43, "expected an integer from 1 to 1000");
	load_bad(v,
		 "targets:\n  - name: a\n    driver: snmp\n    address: h\n"
		 "    snmp: { version: 2c, max_inflight: 65 }\n",
		 5, 40, "snmp.max_inflight: expected an integer from 1 to 64");
	load_bad(v,
		 "targets:\n  - name: a\n    driver: snmp\n    address: h\n"
		 "    snmp: { version: 2c, max_inflight: 0 }\n",
		 5, 40, "expected an integer from 1 to 64");
	{
		struct tw_config *c1 = load_ok(v, "targets:\n  - name: a\n    driver: snmp\n"
						  "    address: h\n    snmp: { max_inflight: 1 }\n");
		assert_int_equal(c1->targets[0].snmp.max_inflight, 1);
		cfg_free(c1);
	}
	load_bad(v,
		 "targets:\n  - name: a\n    driver: snmp\n    address: h\n"
		 "    snmp: { version: 2c, username: u }\n",
		 5, 26, "snmp.username is only for SNMP v3");
	load_bad(v,
		 "targets:\n  - name: a\n    driver: snmp\n    address: h\n"
		 "    snmp: { community: x, community_file: comm }\n",
		 5, 27, "set snmp.community or snmp.community_file, not both");
	load_bad(v,
		 "targets:\n  - name: a\n    driver: snmp\n    address: h\n"
		 "    snmp: { version: 3, username: u, community: x }\n",
		 5, 38, "snmp.community is only for SNMP v1 and 2c");
	load_bad(v,
		 "targets:\n  - name: a\n    driver: snmp\n    address: h\n"
		 "    snmp:\n"
		 "      version: 3\n"
		 "      username: u\n"
		 "      security_level: authPriv\n"
		 "      auth_protocol: SHA\n"
		 "      auth_password_file: auth.pass\n",
		 8, 23, "security_level authPriv needs snmp.priv_protocol");
	load_bad(v,
		 "targets:\n  - name: a\n    driver: snmp\n    address: h\n"
		 "    snmp:\n"
		 "      version: 3\n"
		 "      username: u\n"
		 "      security_level: authNoPriv\n"
		 "      auth_password_file: auth.pass\n",
		 8, 23, "security_level authNoPriv needs snmp.auth_protocol");
	load_bad(v,
		 "targets:\n  - name: a\n    driver: snmp\n    address: h\n"
		 "    snmp:\n"
		 "      version: 3\n"
		 "      username: u\n"
		 "      security_level: noAuthNoPriv\n"
		 "      auth_protocol: SHA\n",
		 9, 7, "snmp.auth_protocol is set but security_level is noAuthNoPriv");
	load_bad(v,
		 "targets:\n  - name: a\n    driver: snmp\n    address: h\n"
		 "    snmp:\n"
		 "      version: 3\n"
		 "      username: u\n"
		 "      auth_protocol: SHA-1024\n"
		 "      auth_password_file: auth.pass\n",
		 8, 22, "expected one of MD5, SHA, SHA-224, SHA-256, SHA-384, SHA-512");
	load_bad(v,
		 "targets:\n  - name: a\n    driver: snmp\n    address: h\n"
		 "    snmp:\n"
		 "      version: 3\n"
		 "      username: u\n"
		 "      auth_protocol: SHA\n"
		 "      auth_password_file: short.pass\n",
		 9, 27, "is shorter than 8 characters");
}

static void test_secret_files(void **state)
{
	struct env *v = *state;
	struct tw_config *c;
	char yaml[1024];
	static const char cfg_fmt[] =
		"%s"
		"targets:\n"
		"  - name: a\n"
		"    driver: ontap\n"
		"    url: https://h\n"
		"    username: u\n"
		"    password_file: %s\n"
		"%s";
	char p[600];

	/* missing file: names the path and the key's location */
	snprintf(yaml, sizeof yaml, cfg_fmt, "", "nope.pass", "");
	snprintf(p, sizeof p, "%s/nope.pass", v->dir);
	load_bad(v, yaml, 6, 20, "target 'a': password_file: cannot open ");
	assert_non_null(strstr(v->msg, p));
	assert_non_null(strstr(v->msg, "No such file"));

	/* group/world readable: refused, saying why and how to allow it */
	put_file(v, "wr.pass", MARKER "-wr\n", 0644);
	snprintf(yaml, sizeof yaml, cfg_fmt, "", "wr.pass", "");
	load_bad(v, yaml, 6, 20, "is accessible by group or others (mode 0644)");
	assert_non_null(strstr(v->msg, "chmod 600"));
	assert_non_null(strstr(v->msg, "secrets_allow_world_readable: true"));
	put_file(v, "gr.pass", MARKER "-gr\n", 0640);
	snprintf(yaml, sizeof yaml, cfg_fmt, "", "gr.pass", "");
	load_bad(v, yaml, 6, 20, "(mode 0640)");

	/* ... accepted when allowed, even with global after targets */
	snprintf(yaml, sizeof yaml, cfg_fmt, "", "wr.pass",
		 "global:\n  secrets_allow_world_readable: true\n");
	c = load_ok(v, yaml);
	assert_int_equal(c->secrets_allow_world_readable, 1);
	assert_string_equal(c->targets[0].password.value, MARKER "-wr");
	cfg_free(c);

	/* absolute paths are taken as they are */
	snprintf(p, sizeof p, "%s/abs.pass", v->dir);
	put_file(v, "abs.pass", "pw\n", 0600);
	snprintf(yaml, sizeof yaml, cfg_fmt, "", p, "");
	c = load_ok(v, yaml);
	assert_string_equal(c->targets[0].password.file, p);
	assert_string_equal(c->targets[0].password.value, "pw");
	cfg_free(c);

	/* empty, multi-line, not a regular file */
	put_file(v, "empty.pass", "\n", 0600);
	snprintf(yaml, sizeof yaml, cfg_fmt, "", "empty.pass", "");
	load_bad(v, yaml, 6, 20, "empty.pass is empty");
	put_file(v, "two.pass", MARKER "\nsecond\n", 0600);
	snprintf(yaml, sizeof yaml, cfg_fmt, "", "two.pass", "");
	load_bad(v, yaml, 6, 20, "holds more than one line");
	snprintf(yaml, sizeof yaml, cfg_fmt, "", "/", "");
	load_bad(v, yaml, 6, 20, "/ is not a regular file");
}

static void test_cfg_read_secret(void **state)
{
	struct env *v = *state;
	char p[600], msg[512], *s = NULL;
	snprintf(p, sizeof p, "%s/s", v->dir);
	put_file(v, "s", "abc\n\n", 0600); /* only one newline is trimmed */
	assert_int_equal(cfg_read_secret(p, 0, &s, msg, sizeof msg), TW_ERR_CONFIG);
	assert_null(s);
	put_file(v, "s", " abc \n", 0600); /* spaces are part of the secret */
	assert_int_equal(cfg_read_secret(p, 0, &s, msg, sizeof msg), TW_OK);
	assert_string_equal(s, " abc ");
	free(s);
	put_file(v, "s", "abc", 0604);
	assert_int_equal(cfg_read_secret(p, 0, &s, msg, sizeof msg), TW_ERR_CONFIG);
	assert_int_equal(cfg_read_secret(p, 1, &s, msg, sizeof msg), TW_OK);
	assert_string_equal(s, "abc");
	free(s);
}

/* A secret (file or inline) never shows up in errors or the summary. */
static void test_no_secret_leaks(void **state)
{
	struct env *v = *state;
	struct tw_config *c;
	struct buf b;
	char yaml[4096];

	put_full_secrets(v);
	/* the full config plus a broken target after every secret was read */
	snprintf(yaml, sizeof yaml, "%s%s", full_yaml,
		 "  - name: broken\n"                      /* 70 */
		 "    driver: snmp\n"
		 "    address: h\n"
		 "    interval: never\n");
	load_bad(v, yaml, 73, 15, "target 'broken': interval: expected a duration");

	/* errors about the secret itself */
	put_file(v, "short.pass", "MARKER\n", 0600);
	load_bad(v,
		 "targets:\n  - name: a\n    driver: snmp\n    address: h\n"
		 "    snmp: { version: 3, username: u, auth_protocol: SHA, "
		 "auth_password_file: short.pass }\n",
		 5, 78, "shorter than 8");
	assert_null(strstr(v->msg + strlen(v->path), "MARKER"));
	put_file(v, "two.pass", MARKER "\n" MARKER "\n", 0600);
	load_bad(v,
		 "targets:\n  - name: a\n    driver: snmp\n    address: h\n"
		 "    snmp: { community_file: two.pass }\n",
		 5, 29, "more than one line");
	/* inline community with an error right at it and after it */
	load_bad(v,
		 "targets:\n  - name: a\n    driver: snmp\n    address: h\n"
		 "    snmp: { community: " MARKER ", comunity: " MARKER " }\n",
		 5, 46, "unknown key 'comunity'");
	load_bad(v,
		 "targets:\n  - name: a\n    driver: snmp\n    address: h\n"
		 "    snmp: { version: 3, community: " MARKER " }\n",
		 5, 25, "snmp.community is only for SNMP v1 and 2c");
	load_bad(v,
		 "targets:\n  - name: a\n    driver: snmp\n    address: h\n"
		 "    snmp: { community: [" MARKER "] }\n",
		 5, 24, "expected a string");

	/* the --dry-run summary says what is set, never the value */
	c = load_ok(v, full_yaml);
	buf_init(&b, 0);
	cfg_describe(c, &b);
	assert_false(buf_failed(&b));
	assert_null(strstr(b.data, MARKER));
	assert_non_null(strstr(b.data, "snmp.community: <set from "));
	assert_non_null(strstr(b.data, "snmp.community: <set>\n"));
	assert_non_null(strstr(b.data, "snmp.auth_password: <set from "));
	assert_non_null(strstr(b.data, "password: <set from "));
	assert_non_null(strstr(b.data, "api_token: <set from "));
	assert_non_null(strstr(b.data, "  - name: ontap1\n"));
	assert_non_null(strstr(b.data, "    url: https://ontap1.example.com\n"));
	assert_non_null(strstr(b.data, "    address: udp:127.0.0.1:16100\n"));
	assert_non_null(strstr(b.data, "    pools.aggr1.overcommit_threshold: 1.5\n"));
	assert_non_null(strstr(b.data, "    interval: 2m\n"));
	buf_free(&b);
	cfg_free(c);
}

static void test_yaml_syntax_error(void **state)
{
	struct env *v = *state;
	struct tw_config *c = NULL;
	load_bad(v, "global: {interval: 60s\ntargets: []\n", 2, 8, "did not find expected ','");
	load_bad(v, "targets:\n  - name: a\n   driver: snmp\n", 3, 4, "did not find expected");
	assert_int_equal(cfg_load("/nonexistent/thinwatch.yml", &c, v->msg, sizeof v->msg),
			 TW_ERR_IO);
	assert_null(c);
	assert_non_null(strstr(v->msg, "/nonexistent/thinwatch.yml: cannot open"));
}

static void test_target_equal(void **state)
{
	struct env *v = *state;
	struct tw_config *a, *b;
	const char *yaml =
		"targets:\n"
		"  - name: a\n"
		"    driver: snmp\n"
		"    address: h\n"
		"    snmp: { community_file: comm }\n"
		"    pools: { p1: { overcommit_threshold: 2 }, p2: { overcommit_threshold: 3 } }\n"
		"  - name: b\n"
		"    driver: snmp\n"
		"    address: h\n";
	put_file(v, "comm", "one\n", 0600);
	a = load_ok(v, yaml);
	b = load_ok(v, yaml);
	assert_true(cfg_target_equal(&a->targets[0], &b->targets[0]));
	assert_true(cfg_target_equal(&a->targets[1], &b->targets[1]));
	assert_false(cfg_target_equal(&a->targets[0], &b->targets[1]));
	cfg_free(b);

	/* same secret file, new content: a different target */
	put_file(v, "comm", "two\n", 0600);
	b = load_ok(v, yaml);
	assert_false(cfg_target_equal(&a->targets[0], &b->targets[0]));
	cfg_free(b);
	put_file(v, "comm", "one\n", 0600);

	/* pool order does not matter, pool values do; moving a target does not */
	b = load_ok(v,
		"targets:\n"
		"  - name: b\n"
		"    driver: snmp\n"
		"    address: h\n"
		"  - name: a\n"
		"    driver: snmp\n"
		"    address: h\n"
		"    snmp: { community_file: comm }\n"
		"    pools: { p2: { overcommit_threshold: 3 }, p1: { overcommit_threshold: 2 } }\n");
	assert_true(cfg_target_equal(&a->targets[0], &b->targets[1]));
	assert_true(cfg_target_equal(&a->targets[1], &b->targets[0]));
	cfg_free(b);
	b = load_ok(v,
		"targets:\n"
		"  - name: a\n"
		"    driver: snmp\n"
		"    address: h\n"
		"    snmp: { community_file: comm }\n"
		"    pools: { p1: { overcommit_threshold: 2 }, p2: { overcommit_threshold: 3.5 } }\n");
	assert_false(cfg_target_equal(&a->targets[0], &b->targets[0]));
	cfg_free(b);
	/* an inherited global change counts too */
	b = load_ok(v,
		"global: { timeout: 9s }\n"
		"targets:\n"
		"  - name: b\n"
		"    driver: snmp\n"
		"    address: h\n");
	assert_false(cfg_target_equal(&a->targets[1], &b->targets[0]));
	cfg_free(b);
	cfg_free(a);
	cfg_free(NULL);
}

static void test_drivers(void **state)
{
	(void)state;
	assert_true(cfg_driver_known("snmp"));
	assert_true(cfg_driver_known("unity"));
	assert_false(cfg_driver_known("SNMP"));
	assert_false(cfg_driver_known(NULL));
	assert_false(cfg_driver_is_rest("snmp"));
	assert_true(cfg_driver_is_rest("ontap"));
	assert_false(cfg_driver_is_rest("nope"));
}

/* Committed fixtures: tests/fixtures/config/{good,bad}-*.yml. */
/* cfg_load_string: same result as cfg_load of the same text, relative
 * secret files resolved against basedir, errors named after `name`. */
static void test_load_string(void **state)
{
	struct env *v = *state;
	static const char text[] =
		"global: { interval: 2m }\n"
		"targets:\n"
		"  - { name: a, driver: snmp, address: h, snmp: { community_file: comm } }\n"
		"  - { name: b, driver: ontap, url: \"https://b/\", username: u, password_file: pw }\n";
	struct tw_config *c = NULL, *f = NULL;
	char path[600];

	put_file(v, "comm", MARKER "-c\n", 0600);
	put_file(v, "pw", MARKER "-p\n", 0600);
	put_file(v, "c.yml", text, 0644);
	assert_int_equal(cfg_load_string("mem.yml", text, strlen(text), v->dir, &c, v->msg,
					 sizeof v->msg),
			 TW_OK);
	assert_int_equal(cfg_load(v->path, &f, v->msg, sizeof v->msg), TW_OK);
	assert_string_equal(c->file, "mem.yml");
	assert_int_equal(c->ntargets, 2);
	assert_int_equal(f->ntargets, 2);
	for (size_t i = 0; i < 2; i++)
		assert_true(cfg_target_equal(&c->targets[i], &f->targets[i]));
	assert_string_equal(c->targets[0].snmp.community.value, MARKER "-c");
	snprintf(path, sizeof path, "%s/pw", v->dir);
	assert_string_equal(c->targets[1].password.file, path);
	assert_int_equal(c->interval, 120);
	cfg_free(c);
	cfg_free(f);
	c = NULL;
	/* not NUL-terminated: only len bytes count */
	assert_int_equal(cfg_load_string("mem.yml", "targets: []\nglobal: { interval: x }", 12,
					 NULL, &c, v->msg, sizeof v->msg),
			 TW_OK);
	cfg_free(c);
	c = NULL;
	assert_int_equal(cfg_load_string("mem.yml", "global: { interval: soon }\n", 27, v->dir,
					 &c, v->msg, sizeof v->msg),
			 TW_ERR_CONFIG);
	assert_null(c);
	assert_non_null(strstr(v->msg, "mem.yml:1:21: "));
}

static void test_fixture_files(void **state)
{
	static const struct { const char *file; int line, col; const char *phrase; } bad[] = {
		{ "bad-unknown-key.yml", 5, 5, "unknown key 'adress'" },
		{ "bad-duplicate-name.yml", 9, 11, "duplicate target name 'array1'" },
		{ "bad-v3-no-username.yml", 6, 7, "SNMP v3 needs snmp.username" },
		{ "bad-timeout.yml", 3, 12, "timeout 2m is longer than the poll interval 1m" },
		{ "bad-syntax.yml", 4, 4, "did not find expected '-' indicator" },
	};
	const char *src = getenv("top_srcdir");
	char p[1024], prefix[1100], msg[1024];
	struct tw_config *c = NULL;
	struct env *v = *state;
	(void)v;

	if (!src || !*src)
		src = TW_SRCDIR;
	snprintf(p, sizeof p, "%s/tests/fixtures/config/good-minimal.yml", src);
	if (cfg_load(p, &c, msg, sizeof msg) != TW_OK)
		fail_msg("%s", msg);
	assert_int_equal(c->ntargets, 2);
	assert_string_equal(c->targets[0].name, "cas-storage");
	assert_string_equal(c->targets[1].snmp.community.value, "public");
	assert_true(cfg_pool_threshold(&c->targets[0], "pool0") == 1.5);
	cfg_free(c);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		c = NULL;
		snprintf(p, sizeof p, "%s/tests/fixtures/config/%s", src, bad[i].file);
		assert_int_not_equal(cfg_load(p, &c, msg, sizeof msg), TW_OK);
		assert_null(c);
		snprintf(prefix, sizeof prefix, "%s:%d:%d: ", p, bad[i].line, bad[i].col);
		if (strncmp(msg, prefix, strlen(prefix)) || !strstr(msg, bad[i].phrase))
			fail_msg("%s: expected '%s...%s', got '%s'", bad[i].file, prefix,
				 bad[i].phrase, msg);
	}
}

/* cfg_shard_of is pinned: a fleet's shards must not move when thinwatch is
 * rebuilt or upgraded.  The expected values are FNV-1a 64 of the name,
 * modulo N, computed apart from this code (python3):
 *   h = 0xcbf29ce484222325; for b in name: h = ((h ^ b) * 0x100000001b3) % 2**64
 *   ""            0xcbf29ce484222325  %2=1 %3=2 %7=2 %1000=37
 *   "a"           0xaf63dc4c8601ec8c  %2=0 %3=1 %7=5 %1000=996
 *   "foobar"      0x85944171f73967e8  %2=0 %3=0 %7=6 %1000=968
 *   "array-1"     0x50607c8802019f80  %2=0 %3=0 %7=2 %1000=136
 *   "array-2"     0x50607f880201a499  %2=1 %3=0 %7=4 %1000=769
 *   "cas-storage" 0x6141fefa9e63aca2  %2=0 %3=0 %7=3 %1000=922
 * ("a" and "foobar" are the published FNV-1a 64 test vectors.) */
static void test_shard_hash(void **state)
{
	static const struct {
		const char *name;
		unsigned m2, m3, m7, m1000;
	} v[] = {
		{ "", 1, 2, 2, 37 },
		{ "a", 0, 1, 5, 996 },
		{ "foobar", 0, 0, 6, 968 },
		{ "array-1", 0, 0, 2, 136 },
		{ "array-2", 1, 0, 4, 769 },
		{ "cas-storage", 0, 0, 3, 922 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		assert_int_equal(cfg_shard_of(v[i].name, 1), 0);
		assert_int_equal(cfg_shard_of(v[i].name, 2), v[i].m2);
		assert_int_equal(cfg_shard_of(v[i].name, 3), v[i].m3);
		assert_int_equal(cfg_shard_of(v[i].name, 7), v[i].m7);
		assert_int_equal(cfg_shard_of(v[i].name, 1000), v[i].m1000);
	}
	/* no shards: everything is shard 0 */
	assert_int_equal(cfg_shard_of("a", 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_targets_structure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snmp_section, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cfg_read_secret, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_secret_leaks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_yaml_syntax_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_target_equal, setup, teardown),
		cmocka_unit_test(test_drivers),
		cmocka_unit_test_setup_teardown(test_fixture_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_string, setup, teardown),
		cmocka_unit_test(test_shard_hash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
