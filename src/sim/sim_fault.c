/* sim_fault.c: names, parameters and YAML form of the simulator's fault
 * personalities (see sim_fault.h).  Pure data handling: acting the faults
 * out is sim_snmp.c's and sim_rest.c's job. */
#include "config.h"
#include "sim/sim_fault.h"
#include "units.h"
#include "ytree.h"

#include <stdio.h>
#include <string.h>

static const char *const names[] = {
	[SIM_FAULT_NONE] = "none",         [SIM_FAULT_DROP] = "drop",
	[SIM_FAULT_DELAY] = "delay",       [SIM_FAULT_AUTH] = "auth",
	[SIM_FAULT_GARBAGE] = "garbage",   [SIM_FAULT_TRUNCATE] = "truncate",
	[SIM_FAULT_ENDOFMIB] = "endofmib", [SIM_FAULT_LOOP] = "loop",
	[SIM_FAULT_VANISH] = "vanish",     [SIM_FAULT_WRONG_TYPE] = "wrong_type",
	[SIM_FAULT_C64MAX] = "c64max",     [SIM_FAULT_HTTP500] = "http500",
	[SIM_FAULT_HTTP503] = "http503",   [SIM_FAULT_HTTP429] = "http429",
	[SIM_FAULT_ENDLESS] = "endless",   [SIM_FAULT_HUGE] = "huge",
	[SIM_FAULT_DRIP] = "drip",         [SIM_FAULT_DEEP] = "deep",
	[SIM_FAULT_BAD_UTF8] = "bad_utf8", [SIM_FAULT_REDIRECT] = "redirect",
	[SIM_FAULT_WRONG_NAME] = "wrong_name",
};

#define EXPECTED_TYPES                                                                       \
	"none, drop, delay, auth, garbage, truncate, endofmib, loop, vanish, wrong_type, "  \
	"c64max (SNMP) or http500, http503, http429, endless, huge, drip, deep, bad_utf8, " \
	"redirect, wrong_name (REST)"

const char *const sim_fault_params[] = { "delay_ms", "rows", "retry_after", "depth", "bytes",
					 "to", NULL };

void sim_fault_init(struct sim_fault *f)
{
	memset(f, 0, sizeof *f);
	f->type = SIM_FAULT_NONE;
	f->rows = SIM_FAULT_DEFAULT_ROWS;
	f->retry_after = SIM_FAULT_DEFAULT_RETRY_AFTER;
	f->depth = SIM_FAULT_DEFAULT_DEPTH;
	f->bytes = SIM_FAULT_DEFAULT_BYTES;
}

unsigned sim_fault_protocols(enum sim_fault_type t)
{
	switch (t) {
	case SIM_FAULT_NONE:
	case SIM_FAULT_AUTH:
	case SIM_FAULT_GARBAGE:
	case SIM_FAULT_TRUNCATE:
	case SIM_FAULT_WRONG_TYPE:
		return SIM_FAULT_SNMP | SIM_FAULT_REST;
	case SIM_FAULT_DROP:
	case SIM_FAULT_DELAY:
	case SIM_FAULT_ENDOFMIB:
	case SIM_FAULT_LOOP:
	case SIM_FAULT_VANISH:
	case SIM_FAULT_C64MAX:
		return SIM_FAULT_SNMP;
	case SIM_FAULT_HTTP500:
	case SIM_FAULT_HTTP503:
	case SIM_FAULT_HTTP429:
	case SIM_FAULT_ENDLESS:
	case SIM_FAULT_HUGE:
	case SIM_FAULT_DRIP:
	case SIM_FAULT_DEEP:
	case SIM_FAULT_BAD_UTF8:
	case SIM_FAULT_REDIRECT:
	case SIM_FAULT_WRONG_NAME:
		return SIM_FAULT_REST;
	}
	return 0;
}

tw_err sim_fault_check_for(const struct sim_fault *f, unsigned proto, char *msg, size_t msglen)
{
	if (sim_fault_protocols(f->type) & proto)
		return TW_OK;
	return tw_seterr(msg, msglen, TW_ERR_CONFIG, "fault %s applies to %s arrays only",
			 sim_fault_name(f->type), proto == SIM_FAULT_REST ? "SNMP" : "REST");
}

/* A redirect target: http[s]://HOST[:PORT], printable, no path. */
static int valid_to(const char *s)
{
	const char *h;
	if (strncmp(s, "http://", 7) == 0)
		h = s + 7;
	else if (strncmp(s, "https://", 8) == 0)
		h = s + 8;
	else
		return 0;
	if (!*h || strlen(s) >= SIM_FAULT_MAX_TO)
		return 0;
	for (; *h; h++)
		if ((unsigned char)*h <= 0x20 || (unsigned char)*h >= 0x7f || *h == '/' ||
		    *h == '?' || *h == '#' || *h == '@' || *h == '\\')
			return 0;
	return 1;
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
	if (strcmp(key, "retry_after") == 0) {
		if (tw_parse_u64(value, &v) || v > SIM_FAULT_MAX_RETRY_AFTER)
			return tw_seterr(msg, msglen, TW_ERR_CONFIG,
					 "retry_after: expected 0 to %u seconds, got '%s'",
					 SIM_FAULT_MAX_RETRY_AFTER, value);
		f->retry_after = (unsigned)v;
		return TW_OK;
	}
	if (strcmp(key, "depth") == 0) {
		if (tw_parse_u64(value, &v) || v < 1 || v > SIM_FAULT_MAX_DEPTH)
			return tw_seterr(msg, msglen, TW_ERR_CONFIG,
					 "depth: expected 1 to %u levels, got '%s'", SIM_FAULT_MAX_DEPTH,
					 value);
		f->depth = (unsigned)v;
		return TW_OK;
	}
	if (strcmp(key, "bytes") == 0) {
		if (tw_parse_size(value, &v) || v < 1 || v > SIM_FAULT_MAX_BYTES)
			return tw_seterr(msg, msglen, TW_ERR_CONFIG,
					 "bytes: expected a size from 1 to 1TiB, got '%s'", value);
		f->bytes = v;
		return TW_OK;
	}
	if (strcmp(key, "to") == 0) {
		if (!valid_to(value))
			return tw_seterr(msg, msglen, TW_ERR_CONFIG,
					 "to: expected http://HOST[:PORT] or https://HOST[:PORT], got "
					 "'%.100s'", value);
		snprintf(f->to, sizeof f->to, "%s", value);
		return TW_OK;
	}
	return tw_seterr(msg, msglen, TW_ERR_CONFIG,
			 "unknown fault parameter '%s' (expected delay_ms, rows, retry_after, depth, "
			 "bytes or to)", key);
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
	static const char *const keys[] = { "type", "delay_ms", "rows", "retry_after", "depth",
					    "bytes", "to", NULL };
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
	case SIM_FAULT_HTTP503:
	case SIM_FAULT_HTTP429:
		snprintf(out, outlen, "%s retry_after=%u", sim_fault_name(f->type), f->retry_after);
		break;
	case SIM_FAULT_ENDLESS:
	case SIM_FAULT_DRIP:
		if (f->delay_ms)
			snprintf(out, outlen, "%s delay_ms=%u", sim_fault_name(f->type), f->delay_ms);
		else
			snprintf(out, outlen, "%s", sim_fault_name(f->type));
		break;
	case SIM_FAULT_HUGE:
		snprintf(out, outlen, "%s bytes=%llu", sim_fault_name(f->type),
			 (unsigned long long)f->bytes);
		break;
	case SIM_FAULT_DEEP:
		snprintf(out, outlen, "%s depth=%u", sim_fault_name(f->type), f->depth);
		break;
	case SIM_FAULT_REDIRECT:
		if (f->to[0])
			snprintf(out, outlen, "%s to=%s", sim_fault_name(f->type), f->to);
		else
			snprintf(out, outlen, "%s", sim_fault_name(f->type));
		break;
	default:
		snprintf(out, outlen, "%s", sim_fault_name(f->type));
		break;
	}
}
