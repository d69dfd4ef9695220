/* test_sim_fault.c: the simulator's fault personalities as data: type
 * names, parameters and their bounds, which arrays (SNMP, REST) each type
 * applies to, the scenario's `fault:` key (short and long form, located
 * errors, SNMP-only faults refused on REST arrays and the other way round),
 * descriptions. */
#include "config.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sim/scenario.h"
#include "sim/sim_fault.h"

static const char head[] = "arrays:\n"
			   "  - name: a\n"
			   "    snmp: { listen: 127.0.0.1:16100 }\n";

static struct sim_scenario *load(const char *fault_line, char *msg, size_t msglen)
{
	struct sim_scenario *sc = NULL;
	char text[1024];
	snprintf(text, sizeof text, "%s%s", head, fault_line);
	msg[0] = '\0';
	sim_scenario_load_string("t.yml", text, strlen(text), NULL, &sc, msg, msglen);
	return sc;
}

static void test_types(void **state)
{
	enum sim_fault_type t;
	static const char *const all[] = { "none", "drop", "delay", "auth", "garbage", "truncate",
					    "endofmib", "loop", "vanish", "wrong_type", "c64max",
					    "http500", "http503", "http429", "endless", "huge", "drip",
					    "deep", "bad_utf8", "redirect", "wrong_name" };
	(void)state;
	for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
		assert_int_equal(sim_fault_parse_type(all[i], &t), 0);
		assert_string_equal(sim_fault_name(t), all[i]);
	}
	assert_int_not_equal(sim_fault_parse_type("Drop", &t), 0);
	assert_int_not_equal(sim_fault_parse_type("", &t), 0);
	assert_string_equal(sim_fault_name((enum sim_fault_type)99), "unknown");
}

static void test_protocols(void **state)
{
	struct sim_fault f;
	char msg[256];
	(void)state;
	assert_int_equal(sim_fault_protocols(SIM_FAULT_NONE), SIM_FAULT_SNMP | SIM_FAULT_REST);
	assert_int_equal(sim_fault_protocols(SIM_FAULT_AUTH), SIM_FAULT_SNMP | SIM_FAULT_REST);
	assert_int_equal(sim_fault_protocols(SIM_FAULT_TRUNCATE), SIM_FAULT_SNMP | SIM_FAULT_REST);
	assert_int_equal(sim_fault_protocols(SIM_FAULT_LOOP), SIM_FAULT_SNMP);
	assert_int_equal(sim_fault_protocols(SIM_FAULT_DROP), SIM_FAULT_SNMP);
	assert_int_equal(sim_fault_protocols(SIM_FAULT_HTTP429), SIM_FAULT_REST);
	assert_int_equal(sim_fault_protocols(SIM_FAULT_WRONG_NAME), SIM_FAULT_REST);
	sim_fault_init(&f);
	f.type = SIM_FAULT_DRIP;
	assert_int_equal(sim_fault_check_for(&f, SIM_FAULT_REST, msg, sizeof msg), TW_OK);
	assert_int_equal(sim_fault_check_for(&f, SIM_FAULT_SNMP, msg, sizeof msg), TW_ERR_CONFIG);
	assert_string_equal(msg, "fault drip applies to REST arrays only");
	f.type = SIM_FAULT_VANISH;
	assert_int_equal(sim_fault_check_for(&f, SIM_FAULT_REST, msg, sizeof msg), TW_ERR_CONFIG);
	assert_string_equal(msg, "fault vanish applies to SNMP arrays only");
}

static void test_rest_params(void **state)
{
	struct sim_fault f;
	char msg[256];
	(void)state;
	sim_fault_init(&f);
	assert_int_equal(f.retry_after, 2);
	assert_int_equal(f.depth, 100000);
	assert_int_equal(f.bytes, 100u << 20);
	assert_string_equal(f.to, "");
	assert_int_equal(sim_fault_set_param(&f, "retry_after", "0", msg, sizeof msg), TW_OK);
	assert_int_equal(f.retry_after, 0);
	assert_int_equal(sim_fault_set_param(&f, "retry_after", "86401", msg, sizeof msg),
			 TW_ERR_CONFIG);
	assert_int_equal(sim_fault_set_param(&f, "depth", "0", msg, sizeof msg), TW_ERR_CONFIG);
	assert_int_equal(sim_fault_set_param(&f, "depth", "7", msg, sizeof msg), TW_OK);
	assert_int_equal(f.depth, 7);
	assert_int_equal(sim_fault_set_param(&f, "bytes", "1MiB", msg, sizeof msg), TW_OK);
	assert_int_equal(f.bytes, 1u << 20);
	assert_int_equal(sim_fault_set_param(&f, "bytes", "2TiB", msg, sizeof msg), TW_ERR_CONFIG);
	assert_int_equal(sim_fault_set_param(&f, "to", "http://127.0.0.2:8080", msg, sizeof msg),
			 TW_OK);
	assert_string_equal(f.to, "http://127.0.0.2:8080");
	assert_int_equal(sim_fault_set_param(&f, "to", "ftp://x", msg, sizeof msg), TW_ERR_CONFIG);
	assert_int_equal(sim_fault_set_param(&f, "to", "http://a/b", msg, sizeof msg),
			 TW_ERR_CONFIG);
	assert_int_equal(sim_fault_set_param(&f, "to", "https://a b", msg, sizeof msg),
			 TW_ERR_CONFIG);
	assert_int_equal(sim_fault_set_param(&f, "to", "http://", msg, sizeof msg), TW_ERR_CONFIG);
}

static void test_params(void **state)
{
	struct sim_fault f;
	char msg[256];
	(void)state;
	sim_fault_init(&f);
	assert_int_equal(f.type, SIM_FAULT_NONE);
	assert_int_equal(f.rows, 1);
	assert_int_equal(sim_fault_set_param(&f, "delay_ms", "1500", msg, sizeof msg), TW_OK);
	assert_int_equal(f.delay_ms, 1500);
	assert_int_equal(sim_fault_set_param(&f, "delay_ms", "600001", msg, sizeof msg),
			 TW_ERR_CONFIG);
	assert_non_null(strstr(msg, "delay_ms"));
	assert_int_equal(sim_fault_set_param(&f, "delay_ms", "-1", msg, sizeof msg), TW_ERR_CONFIG);
	assert_int_equal(sim_fault_set_param(&f, "rows", "0", msg, sizeof msg), TW_ERR_CONFIG);
	assert_int_equal(sim_fault_set_param(&f, "rows", "4294967296", msg, sizeof msg),
			 TW_ERR_CONFIG);
	assert_int_equal(sim_fault_set_param(&f, "rows", "3", msg, sizeof msg), TW_OK);
	assert_int_equal(f.rows, 3);
	assert_int_equal(sim_fault_set_param(&f, "color", "red", msg, sizeof msg), TW_ERR_CONFIG);
	assert_non_null(strstr(msg, "color"));
	f.type = SIM_FAULT_DELAY;
	f.delay_ms = 0;
	assert_int_equal(sim_fault_check(&f, msg, sizeof msg), TW_ERR_CONFIG);
	f.delay_ms = 10;
	assert_int_equal(sim_fault_check(&f, msg, sizeof msg), TW_OK);
}

static void test_describe(void **state)
{
	struct sim_fault f;
	char d[64];
	(void)state;
	sim_fault_init(&f);
	sim_fault_describe(&f, d, sizeof d);
	assert_string_equal(d, "none");
	f.type = SIM_FAULT_DELAY;
	f.delay_ms = 250;
	sim_fault_describe(&f, d, sizeof d);
	assert_string_equal(d, "delay delay_ms=250");
	f.type = SIM_FAULT_LOOP;
	f.rows = 2;
	sim_fault_describe(&f, d, sizeof d);
	assert_string_equal(d, "loop rows=2");
	f.type = SIM_FAULT_HTTP429;
	f.retry_after = 3;
	sim_fault_describe(&f, d, sizeof d);
	assert_string_equal(d, "http429 retry_after=3");
	f.type = SIM_FAULT_DRIP;
	f.delay_ms = 0;
	sim_fault_describe(&f, d, sizeof d);
	assert_string_equal(d, "drip");
	f.type = SIM_FAULT_DEEP;
	f.depth = 100000;
	sim_fault_describe(&f, d, sizeof d);
	assert_string_equal(d, "deep depth=100000");
}

static void test_scenario_key(void **state)
{
	struct sim_scenario *sc;
	char msg[512];
	(void)state;

	sc = load("", msg, sizeof msg);
	assert_non_null(sc);
	assert_int_equal(sc->arrays[0].fault.type, SIM_FAULT_NONE);
	assert_int_equal(sc->arrays[0].fault.rows, 1);
	sim_scenario_free(sc);

	sc = load("    fault: drop\n", msg, sizeof msg);
	assert_non_null(sc);
	assert_int_equal(sc->arrays[0].fault.type, SIM_FAULT_DROP);
	sim_scenario_free(sc);

	sc = load("    fault: { type: delay, delay_ms: 1500 }\n", msg, sizeof msg);
	assert_non_null(sc);
	assert_int_equal(sc->arrays[0].fault.type, SIM_FAULT_DELAY);
	assert_int_equal(sc->arrays[0].fault.delay_ms, 1500);
	sim_scenario_free(sc);

	sc = load("    fault: { type: vanish, rows: 4 }\n", msg, sizeof msg);
	assert_non_null(sc);
	assert_int_equal(sc->arrays[0].fault.type, SIM_FAULT_VANISH);
	assert_int_equal(sc->arrays[0].fault.rows, 4);
	sim_scenario_free(sc);
}

static void test_scenario_errors(void **state)
{
	char msg[512];
	(void)state;
	assert_null(load("    fault: explode\n", msg, sizeof msg));
	assert_non_null(strstr(msg, "t.yml:4:12: fault: expected none, drop"));
	assert_null(load("    fault: { type: delay }\n", msg, sizeof msg));
	assert_non_null(strstr(msg, "delay_ms > 0"));
	assert_null(load("    fault: { type: loop, rows: 0 }\n", msg, sizeof msg));
	assert_non_null(strstr(msg, "t.yml:4:32: fault rows: expected a whole number"));
	assert_null(load("    fault: { type: loop, colour: red }\n", msg, sizeof msg));
	assert_non_null(strstr(msg, "colour"));
	assert_null(load("    fault: { rows: 2 }\n", msg, sizeof msg));
	assert_non_null(strstr(msg, "missing 'type'"));
	assert_null(load("    fault: [drop]\n", msg, sizeof msg));
	assert_non_null(strstr(msg, "t.yml:4"));
}

static struct sim_scenario *load_rest(const char *fault_line, char *msg, size_t msglen)
{
	struct sim_scenario *sc = NULL;
	char text[1024];
	snprintf(text, sizeof text,
		 "arrays:\n"
		 "  - name: o\n"
		 "    personality: ontap\n"
		 "%s"
		 "    rest: { listen: 127.0.0.1:18443 }\n",
		 fault_line);
	msg[0] = '\0';
	sim_scenario_load_string("t.yml", text, strlen(text), NULL, &sc, msg, msglen);
	return sc;
}

static void test_rest_arrays(void **state)
{
	struct sim_scenario *sc;
	char msg[512] = "";
	(void)state;
	/* SNMP-only faults are refused on REST arrays, and the other way round */
	assert_null(load_rest("    fault: drop\n", msg, sizeof msg));
	assert_non_null(strstr(msg, "t.yml:4:12: array 'o': fault drop applies to SNMP arrays only"));
	assert_null(load("    fault: http500\n", msg, sizeof msg));
	assert_non_null(strstr(msg, "t.yml:4:12: array 'a': fault http500 applies to REST arrays "
				    "only"));
	/* REST faults and the shared ones are accepted */
	sc = load_rest("    fault: { type: http429, retry_after: 5 }\n", msg, sizeof msg);
	assert_non_null(sc);
	assert_int_equal(sc->arrays[0].fault.type, SIM_FAULT_HTTP429);
	assert_int_equal(sc->arrays[0].fault.retry_after, 5);
	sim_scenario_free(sc);
	sc = load_rest("    fault: auth\n", msg, sizeof msg);
	assert_non_null(sc);
	assert_int_equal(sc->arrays[0].fault.type, SIM_FAULT_AUTH);
	sim_scenario_free(sc);
	sc = load_rest("    fault: { type: redirect, to: \"http://127.0.0.2:9\" }\n", msg, sizeof msg);
	assert_non_null(sc);
	assert_string_equal(sc->arrays[0].fault.to, "http://127.0.0.2:9");
	sim_scenario_free(sc);
	assert_null(load_rest("    fault: { type: huge, bytes: lots }\n", msg, sizeof msg));
	assert_non_null(strstr(msg, "t.yml:4:33: fault bytes: expected a size"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_protocols),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_rest_params),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_scenario_key),
		cmocka_unit_test(test_scenario_errors),
		cmocka_unit_test(test_rest_arrays),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
