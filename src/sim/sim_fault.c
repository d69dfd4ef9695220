/* sim_fault.c: names, parameters and YAML form of the simulator's SNMP
 * fault personalities (see sim_fault.h).  Pure data handling: acting the
 * faults out is sim_snmp.c's job. */
#include "config.h"
#include "sim/sim_fault.h"
#include "ytree.h"

#include <stdio.h>
#include <string.h>

static const char *const names[] = {
	[SIM_FAULT_NONE] = "none",         [SIM_FAULT_DROP] = "drop",
	[SIM_FAULT_DELAY] = "delay",       [SIM_FAULT_AUTH] = "auth",
	[SIM_FAULT_GARBAGE] = "garbage",   [SIM_FAULT_TRUNCATE] = "truncate",
	[SIM_FAULT_ENDOFMIB] = "endofmib", [SIM_FAULT_LOOP] = "loop",
	[SIM_FAULT_VANISH] = "vanish",     [SIM_FAULT_WRONG_TYPE] = "wrong_type",
	[SIM_FAULT_C64MAX] = "c64max",
};

#define EXPECTED_TYPES                                                                       \
	"none, drop, delay, auth, garbage, truncate, endofmib, loop, vanish, wrong_type or " \
	"c64max"

void sim_fault_init(struct sim_fault *f)
{
	memset(f, 0, sizeof *f);
	f->type = SIM_FAULT_NONE;
	f->rows = SIM_FAULT_DEFAULT_ROWS;
}

const char *sim_fault_name(enum sim_fault_type t)
{
	if ((size_t)t < TW_ARRAY_LEN(names) && names[t])
		return names[t];
	return "unknown";
}

int sim_fault_parse_type(const char *s, enum sim_fault_type *t)
{
	for (size_t i = 0; i < TW_ARRAY_LEN(names); i++)
		if (names[i] && strcmp(names[i], s) == 0) {
			*t = (enum sim_fault_type)i;
			return 0;
		}
	return -1;
}

tw_err sim_fault_set_param(struct sim_fault *f, const char *key, const char *value, char *msg,
			   size_t msglen)
{
	uint64_t v;

	if (strcmp(key, "delay_ms") == 0) {
		if (tw_parse_u64(value, &v) || v > SIM_FAULT_MAX_DELAY_MS)
			return tw_seterr(msg, msglen, TW_ERR_CONFIG,
					 "delay_ms: expected 0 to %u milliseconds, got '%s'",
					 SIM_FAULT_MAX_DELAY_MS, value);
		f->delay_ms = (unsigned)v;
		return TW_OK;
	}
	if (strcmp(key, "rows") == 0) {
		if (tw_parse_u64(value, &v) || v < 1 || v > UINT32_MAX)
			return tw_seterr(msg, msglen, TW_ERR_CONFIG,
					 "rows: expected a whole number of rows >= 1, got '%s'", value);
		f->rows = (unsigned)v;
		return TW_OK;
	}
	return tw_seterr(msg, msglen, TW_ERR_CONFIG,
			 "unknown fault parameter '%s' (expected delay_ms or rows)", key);
}

tw_err sim_fault_check(const struct sim_fault *f, char *msg, size_t msglen)
{
	if (f->type == SIM_FAULT_DELAY && f->delay_ms == 0)
		return tw_seterr(msg, msglen, TW_ERR_CONFIG, "fault delay needs delay_ms > 0");
	return TW_OK;
}

tw_err sim_fault_from_yaml(const struct ydoc *d, const struct ynode *n, struct sim_fault *f,
			   char *msg, size_t msglen)
{
	static const char *const keys[] = { "type", "delay_ms", "rows", NULL };
	const struct ynode *t;
	tw_err e;

	sim_fault_init(f);
	if (n->type == Y_SCALAR) {
		t = n;
	} else {
		if ((e = ynode_expect(d, n, Y_MAP, "fault", msg, msglen)) ||
		    (e = ymap_check_keys(d, n, keys, msg, msglen)))
			return e;
		if (!(t = ymap_get(n, "type")))
			return yerr(msg, msglen, d, n, "fault: missing 'type' (" EXPECTED_TYPES ")");
		for (size_t i = 1; keys[i]; i++) {
			const struct ynode *v = ymap_get(n, keys[i]);
			char why[200];
			if (!v)
				continue;
			if ((e = ynode_expect(d, v, Y_SCALAR, keys[i], msg, msglen)))
				return e;
			if (sim_fault_set_param(f, keys[i], v->str, why, sizeof why))
				return yerr(msg, msglen, d, v, "fault %s", why);
		}
	}
	if ((e = ynode_expect(d, t, Y_SCALAR, "fault type", msg, msglen)))
		return e;
	if (sim_fault_parse_type(t->str, &f->type))
		return yerr(msg, msglen, d, t, "fault: expected " EXPECTED_TYPES ", got '%s'", t->str);
	if (sim_fault_check(f, NULL, 0))
		return yerr(msg, msglen, d, n, "fault delay needs delay_ms > 0");
	return TW_OK;
}

void sim_fault_describe(const struct sim_fault *f, char *out, size_t outlen)
{
	switch (f->type) {
	case SIM_FAULT_DELAY:
		snprintf(out, outlen, "%s delay_ms=%u", sim_fault_name(f->type), f->delay_ms);
		break;
	case SIM_FAULT_ENDOFMIB:
	case SIM_FAULT_LOOP:
	case SIM_FAULT_VANISH:
		snprintf(out, outlen, "%s rows=%u", sim_fault_name(f->type), f->rows);
		break;
	default:
		snprintf(out, outlen, "%s", sim_fault_name(f->type));
		break;
	}
}
