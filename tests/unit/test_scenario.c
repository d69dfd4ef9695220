/* test_scenario.c: the simulator's model and data: scenario parsing (sizes,
 * rates, volumes_generate, located errors), the incident's exact numbers,
 * growth capped at provisioned and at pool free, the sorted OID table, the
 * THINWATCH-MIB rendering and the recording loaders. */
#include "config.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim/scenario.h"
#include "sim/simdata.h"
#include "sim/snmprec.h"
#include "sim/twmib.h"

#define TIB 1099511627776ULL
#define GIB 1073741824ULL
#define S(x) ((uint64_t)(x) * 1000000000ULL) /* seconds -> scenario ns */

static struct sim_scenario *load_ok(const char *yaml)
{
	struct sim_scenario *sc = NULL;
	char msg[512] = "";
	tw_err e = sim_scenario_load_string("t.yml", yaml, strlen(yaml), NULL, &sc, msg, sizeof msg);
	if (e)
		fail_msg("unexpected error: %s", msg);
	assert_non_null(sc);
	return sc;
}

/* Loading must fail with a message containing `want`. */
static void load_err(const char *yaml, const char *want)
{
	struct sim_scenario *sc = NULL;
	char msg[512] = "";
	tw_err e = sim_scenario_load_string("t.yml", yaml, strlen(yaml), NULL, &sc, msg, sizeof msg);
	assert_int_not_equal(e, TW_OK);
	assert_null(sc);
	if (!strstr(msg, want))
		fail_msg("error '%s' does not contain '%s'", msg, want);
}

static void test_sizes_and_rates(void **state)
{
	struct sim_scenario *sc;
	const struct sim_pool *p;
	uint64_t r;
	(void)state;

	sc = load_ok("arrays:\n"
		     "  - name: a\n"
		     "    snmp: { listen: 127.0.0.1:16100 }\n"
		     "    pools:\n"
		     "      - name: p\n"
		     "        capacity: 8TiB\n"
		     "        volumes:\n"
		     "          - { name: v1, provisioned: 4TB, consumed: 154.89GiB }\n"
		     "          - { name: v2, provisioned: 1024, consumed: 1 KiB, thin: false, growth: 10GiB }\n"
		     "          - { name: v3, provisioned: 1PiB, consumed: 0, growth: 1TiB/h }\n");
	p = &sc->arrays[0].pools[0];
	assert_int_equal(p->capacity, 8 * TIB);
	assert_int_equal(p->nvols, 3);
	assert_int_equal(p->vols[0].provisioned, 4000000000000ULL);
	assert_int_equal(p->vols[0].consumed, 166311871119ULL);
	assert_true(p->vols[0].thin);              /* default */
	assert_string_equal(p->vols[0].wwn, "");
	assert_int_equal(p->vols[1].consumed, 1024);
	assert_false(p->vols[1].thin);
	assert_int_equal(p->vols[1].growth, 10 * GIB);
	assert_int_equal(p->vols[2].growth, 305419897ULL); /* 1TiB / 3600, rounded */
	assert_int_equal(p->free, 8 * TIB - 166311871119ULL - 1024);
	assert_int_equal(p->used, 166311871119ULL + 1024);
	assert_string_equal(sc->arrays[0].personality, "thinwatch");
	assert_string_equal(sc->arrays[0].snmp.community, "public");
	sim_scenario_free(sc);

	assert_int_equal(sim_parse_rate("1.5GiB/s", &r), 0);
	assert_int_equal(r, 1610612736ULL);
	assert_int_equal(sim_parse_rate("60/min", &r), 0);
	assert_int_equal(r, 1);
	assert_int_equal(sim_parse_rate("1/d", &r), 0);
	assert_int_equal(r, 1); /* a non-zero rate never rounds to 0 */
	assert_int_equal(sim_parse_rate("0", &r), 0);
	assert_int_equal(r, 0);
	assert_int_not_equal(sim_parse_rate("1GiB/week", &r), 0);
	assert_int_not_equal(sim_parse_rate("fast", &r), 0);
}

static void test_incident_numbers(void **state)
{
	struct sim_scenario *sc = NULL;
	const struct sim_pool *p;
	char msg[512] = "";
	(void)state;

	if (sim_scenario_load(TW_SRCDIR "/tests/scenarios/incident.yml", &sc, msg, sizeof msg))
		fail_msg("%s", msg);
	assert_int_equal(sc->narrays, 1);
	assert_string_equal(sc->arrays[0].name, "cas-storage");
	assert_string_equal(sc->arrays[0].snmp.listen, "127.0.0.1:16100");
	assert_int_equal(sc->arrays[0].npools, 1);
	p = &sc->arrays[0].pools[0];
	assert_string_equal(p->name, "pool0");
	assert_int_equal(p->capacity, 8796093022208ULL);
	assert_int_equal(p->vols[0].consumed, 166311871119ULL);
	assert_int_equal(p->vols[1].consumed, 3298534883328ULL);
	assert_int_equal(p->vols[2].consumed, 5331246267761ULL);
	assert_int_equal(p->free, 0);                      /* exactly */
	assert_int_equal(p->used, 8796093022208ULL);
	assert_string_equal(p->vols[0].wwn, "600a0b80001234560000abcd00000001");
	assert_int_equal(p->full_at_ns, SIM_NEVER);       /* nothing grows */
	assert_int_equal(sim_pool_added_at(p, S(1000)), 0);
	sim_scenario_free(sc);
}

static void test_growing_incident(void **state)
{
	struct sim_scenario *sc = NULL;
	const struct sim_pool *p;
	const struct sim_volume *b;
	char msg[512] = "";
	uint64_t free0;
	(void)state;

	if (sim_scenario_load(TW_SRCDIR "/tests/scenarios/incident-growing.yml", &sc, msg,
			      sizeof msg))
		fail_msg("%s", msg);
	assert_int_equal(sc->narrays, 2);
	p = &sc->arrays[0].pools[0];
	b = &p->vols[2];
	free0 = p->free;
	assert_int_equal(free0, 933199756657ULL);
	/* fills within ~10 minutes at speed 1 */
	assert_true(p->full_at_ns > S(570) && p->full_at_ns < S(600));
	/* before: exact linear growth */
	assert_int_equal(sim_volume_consumed_at(p, b, S(100)), 4 * TIB + 100 * 1610612736ULL);
	assert_int_equal(sim_pool_added_at(p, S(100)), 100 * 1610612736ULL);
	/* just before and at the fill: free never below 0, exactly 0 once full */
	assert_true(sim_pool_added_at(p, p->full_at_ns - 1) < free0);
	assert_int_equal(sim_pool_added_at(p, p->full_at_ns), free0);
	assert_int_equal(sim_volume_consumed_at(p, b, S(3600)), 5331246267761ULL);
	assert_int_equal(sim_pool_added_at(p, S(3600)), free0);
	/* the healthy array does not move */
	assert_int_equal(sc->arrays[1].pools[0].ngrowing, 0);
	assert_int_equal(sc->arrays[1].pools[0].full_at_ns, SIM_NEVER);
	sim_scenario_free(sc);
}

static void test_growth_caps(void **state)
{
	struct sim_scenario *sc;
	const struct sim_pool *p;
	uint64_t prev[4] = { 0 };
	(void)state;

	/* capped at provisioned: the pool has room for everything */
	sc = load_ok("arrays:\n"
		     "  - name: a\n"
		     "    snmp: { listen: 127.0.0.1:16100 }\n"
		     "    pools:\n"
		     "      - name: p\n"
		     "        capacity: 100GiB\n"
		     "        volumes:\n"
		     "          - { name: v, provisioned: 10GiB, consumed: 1GiB, growth: 1GiB }\n");
	p = &sc->arrays[0].pools[0];
	assert_int_equal(p->full_at_ns, SIM_NEVER);
	assert_int_equal(sim_volume_consumed_at(p, &p->vols[0], S(5)), 6 * GIB);
	assert_int_equal(sim_volume_consumed_at(p, &p->vols[0], S(9)), 10 * GIB);
	assert_int_equal(sim_volume_consumed_at(p, &p->vols[0], S(1000000)), 10 * GIB);
	assert_int_equal(sim_pool_added_at(p, S(1000000)), 9 * GIB);
	sim_scenario_free(sc);

	/* capped at pool free, several volumes with awkward rates, one saturating first */
	sc = load_ok("arrays:\n"
		     "  - name: a\n"
		     "    snmp: { listen: 127.0.0.1:16100 }\n"
		     "    pools:\n"
		     "      - name: p\n"
		     "        capacity: 1000000007\n"
		     "        volumes:\n"
		     "          - { name: a, provisioned: 400000000, consumed: 1, growth: 3333333 }\n"
		     "          - { name: b, provisioned: 50000000, consumed: 0, growth: 7777777 }\n"
		     "          - { name: c, provisioned: 900000000, consumed: 5, growth: 1234567 }\n"
		     "          - { name: d, provisioned: 10, consumed: 10 }\n");
	p = &sc->arrays[0].pools[0];
	assert_int_equal(p->free, 1000000007ULL - 16);
	assert_int_equal(p->ngrowing, 3);
	assert_true(p->full_at_ns != SIM_NEVER);
	for (uint64_t t = 0; t <= S(1000); t += 999999937ULL) {
		uint64_t sum = 0;
		for (size_t i = 0; i < p->nvols; i++) {
			uint64_t c = sim_volume_consumed_at(p, &p->vols[i], t);
			assert_true(c <= p->vols[i].provisioned || c == p->vols[i].consumed);
			assert_true(c >= prev[i]);              /* never shrinks */
			prev[i] = c;
			sum += c - p->vols[i].consumed;
		}
		assert_int_equal(sum, sim_pool_added_at(p, t));
		assert_true(sum <= p->free);                    /* free never below 0 */
		if (t >= p->full_at_ns)
			assert_int_equal(sum, p->free);         /* full means exactly 0 free */
	}
	/* b saturates at ~6.4 s, a at 120 s; c alone fills the rest at ~445.5 s */
	assert_int_equal(sim_volume_consumed_at(p, &p->vols[1], S(100)), 50000000);
	assert_int_equal(sim_volume_consumed_at(p, &p->vols[0], S(200)), 400000000);
	assert_true(p->full_at_ns > S(445) && p->full_at_ns < S(446));
	assert_int_equal(sim_volume_consumed_at(p, &p->vols[2], S(1000)),
			 5 + 999999991ULL - 399999999ULL - 50000000ULL);
	assert_int_equal(sim_pool_added_at(p, S(1000)), p->free);
	sim_scenario_free(sc);
}

static void test_generate(void **state)
{
	struct sim_scenario *sc;
	const struct sim_pool *p;
	(void)state;

	sc = load_ok("arrays:\n"
		     "  - name: a\n"
		     "    snmp: { listen: 127.0.0.1:16100 }\n"
		     "    pools:\n"
		     "      - name: p\n"
		     "        capacity: 1PiB\n"
		     "        volumes:\n"
		     "          - { name: first, provisioned: 1GiB, consumed: 0 }\n"
		     "        volumes_generate:\n"
		     "          count: 50000\n"
		     "          name_format: \"lun-%06u%%\"\n"
		     "          start: 7\n"
		     "          provisioned: 10GiB\n"
		     "          consumed: 1GiB\n"
		     "          thin: false\n"
		     "          wwn_format: \"600a0b80%08X\"\n");
	p = &sc->arrays[0].pools[0];
	assert_int_equal(p->nvols, 50001);
	assert_string_equal(p->vols[1].name, "lun-000007%");
	assert_string_equal(p->vols[50000].name, "lun-050006%");
	assert_string_equal(p->vols[50000].wwn, "600a0b800000C356");
	assert_false(p->vols[2].thin);
	assert_int_equal(p->free, 1125899906842624ULL - 50000 * GIB);
	sim_scenario_free(sc);

	load_err("arrays:\n"
		 "  - name: a\n"
		 "    snmp: { listen: 127.0.0.1:16100 }\n"
		 "    pools:\n"
		 "      - name: p\n"
		 "        capacity: 1PiB\n"
		 "        volumes_generate: { count: 2, name_format: \"v%s\", provisioned: 1, consumed: 0 }\n",
		 "t.yml:7:52: name_format");
	load_err("arrays:\n"
		 "  - name: a\n"
		 "    snmp: { listen: 127.0.0.1:16100 }\n"
		 "    pools:\n"
		 "      - name: p\n"
		 "        capacity: 1PiB\n"
		 "        volumes:\n"
		 "          - { name: v1, provisioned: 1, consumed: 0 }\n"
		 "        volumes_generate: { count: 2, name_format: \"v%u\", provisioned: 1, consumed: 0 }\n",
		 "volume name 'v1' used twice");
}

static void test_errors_are_located(void **state)
{
	(void)state;
	/* unknown key, at its line and column, listing what is expected */
	load_err("arrays:\n"
		 "  - name: a\n"
		 "    snmp: { listen: 127.0.0.1:16100 }\n"
		 "    pools:\n"
		 "      - name: p\n"
		 "        capacty: 8TiB\n",
		 "t.yml:6:9: unknown key 'capacty' (expected one of: name, capacity");
	/* a bad size */
	load_err("arrays:\n"
		 "  - name: a\n"
		 "    snmp: { listen: 127.0.0.1:16100 }\n"
		 "    pools:\n"
		 "      - name: p\n"
		 "        capacity: 8 TeraBytes\n",
		 "t.yml:6:19: capacity: expected a size like 1024, 4TiB or 154.89GiB, got '8 TeraBytes'");
	load_err("arrays:\n"
		 "  - name: a\n"
		 "    snmp: { listen: 127.0.0.1:16100 }\n"
		 "    pools:\n"
		 "      - name: p\n"
		 "        capacity: 1TiB\n"
		 "        volumes: [ { name: v, provisioned: 1TiB, consumed: 2TiB } ]\n",
		 "t.yml:5:9: pool 'p': its volumes consume");
	load_err("arrays:\n  - name: a\n    personality: netapp\n",
		 "t.yml:3:18: personality: expected thinwatch, snmprec");
	load_err("arrays:\n  - name: a\n    snmp: { listen: 127.0.0.1:99999 }\n",
		 "t.yml:3:21: snmp.listen: expected [udp:]HOST:PORT");
	load_err("arrays:\n  - name: a\n    snmp: { users: [ { name: u, auth_protocol: SHA, "
		 "auth_password: short } ] }\n",
		 "auth_password: SNMPv3 passwords need at least 8 characters");
	load_err("arrays:\n  - name: a\n    snmp: { users: [ { name: u, auth_protocol: SHA1, "
		 "auth_password: longenough } ] }\n",
		 "auth_protocol: expected MD5, SHA");
	load_err("arrays:\n  - name: a\n    pools: []\n", "needs an 'snmp' section");
	load_err("arrays:\n  - name: a\n    snmp: {}\n  - name: a\n    snmp: {}\n",
		 "t.yml:4:5: array 'a' defined twice");
	load_err("arrays:\n  - name: a\n    file: x.snmprec\n    snmp: {}\n",
		 "t.yml:3:5: unknown key 'file'");
	load_err("arrays: [\n", "t.yml:");
}

static void test_overrides_and_check(void **state)
{
	struct sim_scenario *sc;
	char msg[512] = "", host[64];
	unsigned port;
	(void)state;

	sc = load_ok("arrays:\n"
		     "  - name: a\n"
		     "    snmp: { users: [ { name: u, auth_protocol: sha-256, auth_password: "
		     "12345678, priv_protocol: aes, priv_password: abcdefgh } ] }\n"
		     "  - name: b\n"
		     "    snmp: { listen: \"udp:127.0.0.1:16101\", community: x }\n");
	assert_null(sc->arrays[0].snmp.community); /* users given: no default community */
	assert_string_equal(sc->arrays[0].snmp.users[0].auth_protocol, "SHA-256");
	assert_string_equal(sc->arrays[0].snmp.users[0].priv_protocol, "AES");
	assert_int_equal(sim_scenario_check(sc, msg, sizeof msg), TW_ERR_CONFIG);
	assert_non_null(strstr(msg, "array 'a' has no snmp.listen"));
	assert_int_equal(sim_scenario_set_listen(sc, "a=127.0.0.1:16101", msg, sizeof msg), TW_OK);
	assert_int_equal(sim_scenario_check(sc, msg, sizeof msg), TW_ERR_CONFIG);
	assert_non_null(strstr(msg, "both listen on port 16101"));
	assert_int_equal(sim_scenario_set_listen(sc, "a=127.0.0.1:16102", msg, sizeof msg), TW_OK);
	assert_int_equal(sim_scenario_check(sc, msg, sizeof msg), TW_OK);
	assert_int_not_equal(sim_scenario_set_listen(sc, "zz=127.0.0.1:1", msg, sizeof msg), TW_OK);
	assert_int_not_equal(sim_scenario_set_listen(sc, "a=tcp:127.0.0.1:1", msg, sizeof msg),
			     TW_OK);
	assert_int_equal(sim_scenario_set_community(sc, "b=secret", msg, sizeof msg), TW_OK);
	assert_string_equal(sc->arrays[1].snmp.community, "secret");
	assert_int_equal(sim_scenario_add_snmprec(sc, NULL, "/x/dir/netapp-fas.snmprec",
						  "127.0.0.1:16103", msg, sizeof msg), TW_OK);
	assert_string_equal(sc->arrays[2].name, "netapp-fas");
	assert_string_equal(sc->arrays[2].personality, "snmprec");
	assert_string_equal(sc->arrays[2].snmp.community, "public");
	assert_int_not_equal(sim_scenario_add_snmprec(sc, NULL, "other/netapp-fas.walk", NULL, msg,
						      sizeof msg), TW_OK);
	sim_scenario_free(sc);

	assert_int_equal(sim_listen_parse("udp:localhost:161", host, sizeof host, &port, NULL, 0), 0);
	assert_string_equal(host, "localhost");
	assert_int_equal(port, 161);
	assert_int_not_equal(sim_listen_parse("127.0.0.1", host, sizeof host, &port, NULL, 0), 0);
	assert_int_not_equal(sim_listen_parse("127.0.0.1:0", host, sizeof host, &port, NULL, 0), 0);
}

static const uint32_t *oidv(const char *s, size_t *len)
{
	static uint32_t buf[SIMDATA_MAX_OID];
	assert_int_equal(simdata_oid_parse(s, strlen(s), buf, SIMDATA_MAX_OID, len), 0);
	return buf;
}

static void test_simdata(void **state)
{
	struct simdata *sd = simdata_new();
	const uint32_t *o;
	size_t n, dups, i;
	(void)state;

	/* added out of order, with a duplicate (the first one wins) */
	o = oidv("1.3.6.1.4.1.9.2", &n);
	assert_int_equal(simdata_add_int(sd, o, n, -5), TW_OK);
	o = oidv(".1.3.6.1.2.1.1.1.0", &n);
	assert_int_equal(simdata_add_bytes(sd, o, n, SIMDATA_OCTETS, "descr", 5), TW_OK);
	o = oidv("1.3.6.1.4.1.9.1", &n);
	assert_int_equal(simdata_add_uint(sd, o, n, SIMDATA_COUNTER64, 1ULL << 40), TW_OK);
	o = oidv("1.3.6.1.4.1.9.2", &n);
	assert_int_equal(simdata_add_int(sd, o, n, 99), TW_OK);
	o = oidv("1.3.6.1.4.1.9.10", &n);
	assert_int_equal(simdata_add_null(sd, o, n), TW_OK);
	assert_int_equal(simdata_add_uint(sd, o, n, SIMDATA_GAUGE32, 1ULL << 32), TW_ERR_INVALID_DATA);
	assert_int_equal(simdata_finish(sd, &dups), TW_OK);
	assert_int_equal(dups, 1);
	assert_int_equal(simdata_count(sd), 4);

	o = oidv("1.3.6.1.4.1.9.2", &n);
	i = simdata_find(sd, o, n);
	assert_int_equal(i, 2);
	assert_int_equal(simdata_entry(sd, i)->v.i, -5);
	o = oidv("1.3.6.1.4.1.9", &n);
	assert_int_equal(simdata_find(sd, o, n), SIMDATA_NONE);
	assert_int_equal(simdata_next(sd, o, n, SIMDATA_NONE), 1);
	assert_true(simdata_has_subtree(sd, o, n));
	assert_int_equal(simdata_after_subtree(sd, o, n), SIMDATA_NONE);
	o = oidv("1.3.6.1.4.1.9.2", &n);
	assert_int_equal(simdata_next(sd, o, n, 2), 3);           /* walking: hint */
	assert_int_equal(simdata_next(sd, o, n, 0), 3);           /* wrong hint: search */
	o = oidv("1.3.6.1.4.1.9.10", &n);
	assert_int_equal(simdata_next(sd, o, n, SIMDATA_NONE), SIMDATA_NONE);
	o = oidv("1.3.6.1.2.1.1", &n);
	assert_int_equal(simdata_after_subtree(sd, o, n), 1);
	o = oidv("1.3.6.1.2.1.1.1.0", &n);
	assert_false(simdata_has_subtree(sd, o, n));
	o = oidv("0.0", &n);
	assert_int_equal(simdata_next(sd, o, n, SIMDATA_NONE), 0);
	simdata_set_uint(sd, 1, 7);
	assert_int_equal(simdata_entry(sd, 1)->v.u, 7);
	simdata_free(sd);
	simdata_free(NULL);

	assert_int_not_equal(simdata_oid_parse("1..3", 4, NULL, 0, &n), 0);
	{
		uint32_t b[4];
		assert_int_not_equal(simdata_oid_parse("1.3.", 4, b, 4, &n), 0);
		assert_int_not_equal(simdata_oid_parse("1.4294967296", 12, b, 4, &n), 0);
		assert_int_not_equal(simdata_oid_parse("1.2.3.4.5", 9, b, 4, &n), 0);
	}
}

/* Entry at OID s must exist with the given unsigned value. */
static void expect_uint(struct simdata *sd, const char *s, uint64_t v)
{
	size_t n, i;
	const uint32_t *o = oidv(s, &n);
	i = simdata_find(sd, o, n);
	if (i == SIMDATA_NONE)
		fail_msg("%s missing", s);
	assert_int_equal(simdata_entry(sd, i)->v.u, v);
}

static void expect_bytes(struct simdata *sd, const char *s, const char *v, size_t len)
{
	size_t n, i, bl;
	const uint32_t *o = oidv(s, &n);
	const unsigned char *b;
	i = simdata_find(sd, o, n);
	if (i == SIMDATA_NONE)
		fail_msg("%s missing", s);
	b = simdata_bytes(sd, i, &bl);
	assert_int_equal(bl, len);
	if (len)
		assert_memory_equal(b, v, len);
}

static void expect_str(struct simdata *sd, const char *s, const char *v)
{
	expect_bytes(sd, s, v, strlen(v));
}

static void test_twmib(void **state)
{
	struct sim_scenario *sc = NULL;
	struct twmib *m = NULL;
	struct simdata *sd;
	char msg[512] = "";
	(void)state;

	if (sim_scenario_load(TW_SRCDIR "/tests/scenarios/incident-growing.yml", &sc, msg,
			      sizeof msg))
		fail_msg("%s", msg);
	assert_int_equal(twmib_new(&sc->arrays[0], &m, msg, sizeof msg), TW_OK);
	sd = twmib_data(m);
	assert_int_equal(simdata_count(sd), 4 + 4 + 4 + 3 * 6);
	expect_str(sd, "1.3.6.1.2.1.1.5.0", "cas-storage");
	expect_str(sd, "1.3.6.1.4.1.424242.1.1.1.0", "thinwatch");
	expect_str(sd, "1.3.6.1.4.1.424242.1.2.1.2.1", "pool0");
	expect_uint(sd, "1.3.6.1.4.1.424242.1.2.1.3.1", 8796093022208ULL);
	expect_uint(sd, "1.3.6.1.4.1.424242.1.2.1.5.1", 933199756657ULL);
	expect_str(sd, "1.3.6.1.4.1.424242.1.3.1.2.3", "vol-b");
	expect_uint(sd, "1.3.6.1.4.1.424242.1.3.1.3.3", 1);
	expect_uint(sd, "1.3.6.1.4.1.424242.1.3.1.4.1", 4398046511104ULL);
	expect_str(sd, "1.3.6.1.4.1.424242.1.3.1.7.1", "600a0b80001234560000abcd00000001");
	expect_str(sd, "1.3.6.1.4.1.424242.1.3.1.7.2", "");

	twmib_update(m, S(10), 1234);
	expect_uint(sd, "1.3.6.1.2.1.1.3.0", 1234);
	expect_uint(sd, "1.3.6.1.4.1.424242.1.3.1.5.3", 4 * TIB + 10 * 1610612736ULL);
	expect_uint(sd, "1.3.6.1.4.1.424242.1.2.1.4.1", 8796093022208ULL - 933199756657ULL +
								10 * 1610612736ULL);
	expect_uint(sd, "1.3.6.1.4.1.424242.1.2.1.5.1", 933199756657ULL - 10 * 1610612736ULL);
	twmib_update(m, S(86400), 0);
	expect_uint(sd, "1.3.6.1.4.1.424242.1.2.1.4.1", 8796093022208ULL);
	expect_uint(sd, "1.3.6.1.4.1.424242.1.2.1.5.1", 0);
	expect_uint(sd, "1.3.6.1.4.1.424242.1.3.1.5.3", 5331246267761ULL);
	expect_uint(sd, "1.3.6.1.4.1.424242.1.3.1.5.1", 166311871119ULL); /* not growing */
	twmib_free(m);
	twmib_free(NULL);
	sim_scenario_free(sc);
	sim_scenario_free(NULL);
}

static void test_snmprec_format(void **state)
{
	static const char rec[] =
		"# a comment\n"
		"\n"
		"1.3.6.1.2.1.1.5.0|4|name with | bar\r\n"
		"1.3.6.1.2.1.1.1.0|4x|48690a00ff\n"
		"1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.789.2.3\n"
		"1.3.6.1.2.1.1.3.0|67|1227663119\n"
		"1.3.6.1.4.1.789.1.5.4.1.29.1|70|18446744073709551615\n"
		"1.3.6.1.4.1.789.1.5.4.1.3.1|2|-2147483648\n"
		"1.3.6.1.4.1.9.1|64|10.0.0.254\n"
		"1.3.6.1.4.1.9.2|64x|0a000001\n"
		"1.3.6.1.4.1.9.3|66|4294967295\n"
		"1.3.6.1.4.1.9.4|65|0\n"
		"1.3.6.1.4.1.9.5|5|\n"
		"1.3.6.1.4.1.9.6|68x|0916\n"
		"1.3.6.1.4.1.9.7|129|\n";
	struct simdata *sd = simdata_new();
	char msg[256];
	size_t n = 0, bl;
	(void)state;

	assert_int_equal(snmprec_load_string("r.snmprec", rec, strlen(rec), sd, &n, msg, sizeof msg),
			 TW_OK);
	assert_int_equal(n, 12);
	assert_int_equal(simdata_finish(sd, NULL), TW_OK);
	expect_str(sd, "1.3.6.1.2.1.1.5.0", "name with | bar");
	expect_bytes(sd, "1.3.6.1.2.1.1.1.0", "Hi\n\0\xff", 5);
	expect_uint(sd, "1.3.6.1.2.1.1.3.0", 1227663119);
	expect_uint(sd, "1.3.6.1.4.1.789.1.5.4.1.29.1", UINT64_MAX);
	expect_bytes(sd, "1.3.6.1.4.1.9.1", "\x0a\x00\x00\xfe", 4);
	expect_bytes(sd, "1.3.6.1.4.1.9.2", "\x0a\x00\x00\x01", 4);
	expect_uint(sd, "1.3.6.1.4.1.9.3", 4294967295ULL);
	expect_str(sd, "1.3.6.1.4.1.9.6", "\x09\x16");
	{
		size_t on, i;
		const uint32_t *o = oidv("1.3.6.1.2.1.1.2.0", &on);
		const uint32_t *v;
		i = simdata_find(sd, o, on);
		assert_int_equal(simdata_entry(sd, i)->type, SIMDATA_OID);
		v = simdata_oid_value(sd, i, &bl);
		assert_int_equal(bl, 9);
		assert_int_equal(v[6], 789);
		o = oidv("1.3.6.1.4.1.789.1.5.4.1.3.1", &on);
		assert_int_equal(simdata_entry(sd, simdata_find(sd, o, on))->v.i, INT32_MIN);
	}
	simdata_free(sd);

	sd = simdata_new();
	assert_int_equal(snmprec_load_string("bad.snmprec", "1.3.6.1|2|1\n1.3.6.2|4x|zz\n", 26, sd,
					     NULL, msg, sizeof msg), TW_ERR_PARSE);
	assert_non_null(strstr(msg, "bad.snmprec:2: expected hex digits"));
	assert_int_equal(snmprec_load_string("bad.snmprec", "1.3.6.1|2|99999999999\n", 22, sd, NULL,
					     msg, sizeof msg), TW_ERR_PARSE);
	assert_non_null(strstr(msg, "bad.snmprec:1: expected an Integer32"));
	assert_int_equal(snmprec_load_string("bad.snmprec", "1.3.6.1|4:numeric|x\n", 20, sd, NULL,
					     msg, sizeof msg), TW_ERR_PARSE);
	simdata_free(sd);
}

static void test_walk_format(void **state)
{
	static const char walk[] =
		".1.3.6.1.2.1.1.1.0 = STRING: \"two\n"
		"lines with \\\"quotes\\\" \"\n"
		".1.3.6.1.2.1.1.2.0 = OID: .1.3.6.1.4.1.8072.3.2.10\n"
		".1.3.6.1.2.1.1.3.0 = Timeticks: (676821669) 78 days, 8:03:36.69\n"
		".1.3.6.1.2.1.1.4.0 = \"\"\n"
		".1.3.6.1.2.1.2.2.1.6.2 = Hex-STRING: 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F \n"
		"10 11 \n"
		".1.3.6.1.2.1.2.2.1.7.1 = INTEGER: up(1)\n"
		".1.3.6.1.2.1.2.2.1.8.1 = INTEGER: -7\n"
		".1.3.6.1.2.1.25.2.3.1.4.1 = INTEGER: 4096 Bytes\n"
		".1.3.6.1.2.1.31.1.1.1.6.1 = Counter64: 123456789012\n"
		".1.3.6.1.2.1.4.20.1.1.10.0.0.1 = IpAddress: 10.0.0.1\n"
		".1.3.6.1.4.1.2021.10.1.6.1 = OPAQUE: 09 16 \n"
		".1.3.6.1.4.1.9.1 = Gauge32: 5\n"
		".1.3.6.1.4.1.9.2 = Wrong Type (should be Gauge32): Counter32: 6\n"
		".1.3.6.1.4.1.9.3 = NULL\n"
		".1.3.6.1.4.1.9.4 = No Such Instance currently exists at this OID\n"
		".1.3.6.1.4.1.9.5 = STRING: plain text\n";
	struct simdata *sd = simdata_new();
	char msg[256];
	size_t n = 0, on, i;
	const uint32_t *o;
	(void)state;

	if (snmprec_load_string("w.txt", walk, strlen(walk), sd, &n, msg, sizeof msg))
		fail_msg("%s", msg);
	assert_int_equal(n, 15); /* 16 records, one "No Such Instance" */
	assert_int_equal(simdata_finish(sd, NULL), TW_OK);
	expect_str(sd, "1.3.6.1.2.1.1.1.0", "two\nlines with \"quotes\" ");
	expect_uint(sd, "1.3.6.1.2.1.1.3.0", 676821669);
	expect_str(sd, "1.3.6.1.2.1.1.4.0", "");
	expect_bytes(sd, "1.3.6.1.2.1.2.2.1.6.2",
		     "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11", 18);
	expect_uint(sd, "1.3.6.1.2.1.31.1.1.1.6.1", 123456789012ULL);
	expect_bytes(sd, "1.3.6.1.2.1.4.20.1.1.10.0.0.1", "\x0a\x00\x00\x01", 4);
	expect_str(sd, "1.3.6.1.4.1.2021.10.1.6.1", "\x09\x16");
	expect_uint(sd, "1.3.6.1.4.1.9.2", 6);
	expect_str(sd, "1.3.6.1.4.1.9.5", "plain text");
	o = oidv("1.3.6.1.2.1.2.2.1.7.1", &on);
	assert_int_equal(simdata_entry(sd, simdata_find(sd, o, on))->v.i, 1);
	o = oidv("1.3.6.1.2.1.2.2.1.8.1", &on);
	assert_int_equal(simdata_entry(sd, simdata_find(sd, o, on))->v.i, -7);
	o = oidv("1.3.6.1.2.1.25.2.3.1.4.1", &on);
	assert_int_equal(simdata_entry(sd, simdata_find(sd, o, on))->v.i, 4096);
	o = oidv("1.3.6.1.4.1.9.2", &on);
	i = simdata_find(sd, o, on);
	assert_int_equal(simdata_entry(sd, i)->type, SIMDATA_COUNTER32);
	o = oidv("1.3.6.1.4.1.9.4", &on);
	assert_int_equal(simdata_find(sd, o, on), SIMDATA_NONE);
	simdata_free(sd);

	sd = simdata_new();
	assert_int_equal(snmprec_load_string("w.txt", ".1.3.6.1 = INTEGER: 1\n.1.3.6.2 = Float: 1\n",
					     42, sd, NULL, msg, sizeof msg), TW_ERR_PARSE);
	assert_non_null(strstr(msg, "w.txt:2: unsupported value type"));
	simdata_free(sd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes_and_rates),
		cmocka_unit_test(test_incident_numbers),
		cmocka_unit_test(test_growing_incident),
		cmocka_unit_test(test_growth_caps),
		cmocka_unit_test(test_generate),
		cmocka_unit_test(test_errors_are_located),
		cmocka_unit_test(test_overrides_and_check),
		cmocka_unit_test(test_simdata),
		cmocka_unit_test(test_twmib),
		cmocka_unit_test(test_snmprec_format),
		cmocka_unit_test(test_walk_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
