/* units.c: size and duration parsing (see units.h).  Sizes are computed in
 * integer arithmetic on the decimal digits so "154.89GiB" is exact before
 * the final rounding, with no floating-point drift. */
#include "config.h"
#include "units.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct unit { const char *name; uint64_t mult; };

static const struct unit size_units[] = {
	{ "B", 1 },
	{ "KB", 1000ULL }, { "MB", 1000000ULL }, { "GB", 1000000000ULL },
	{ "TB", 1000000000000ULL }, { "PB", 1000000000000000ULL },
	{ "KiB", 1ULL << 10 }, { "MiB", 1ULL << 20 }, { "GiB", 1ULL << 30 },
	{ "TiB", 1ULL << 40 }, { "PiB", 1ULL << 50 },
	{ "K", 1ULL << 10 }, { "M", 1ULL << 20 }, { "G", 1ULL << 30 },
	{ "T", 1ULL << 40 }, { "P", 1ULL << 50 },
};

int tw_parse_size(const char *s, uint64_t *out)
{
	uint64_t ip = 0, frac = 0, fscale = 1, mult = 1;
	const char *p = s;
	int digits = 0;
	size_t i;

	if (!s)
		return -1;
	while (*p == ' ')
		p++;
	for (; isdigit((unsigned char)*p); p++, digits++) {
		uint64_t dgt = (uint64_t)(*p - '0');
		if (ip > UINT64_MAX / 10 || (ip == UINT64_MAX / 10 && dgt > UINT64_MAX % 10))
			return -1;
		ip = ip * 10 + dgt;
	}
	if (*p == '.') {
		p++;
		for (; isdigit((unsigned char)*p); p++, digits++) {
			if (fscale > UINT64_MAX / 100)
				continue; /* ignore digits beyond ~18 places */
			frac = frac * 10 + (uint64_t)(*p - '0');
			fscale *= 10;
		}
	}
	if (!digits)
		return -1;
	while (*p == ' ')
		p++;
	if (*p) {
		for (i = 0; i < sizeof size_units / sizeof size_units[0]; i++)
			if (strcmp(p, size_units[i].name) == 0)
				break;
		if (i == sizeof size_units / sizeof size_units[0])
			return -1;
		mult = size_units[i].mult;
	}
	if (ip && mult > UINT64_MAX / ip)
		return -1;
	{
		uint64_t whole = ip * mult;
		/* frac/fscale * mult, rounded: use 128-bit to stay exact. */
		unsigned __int128 f = (unsigned __int128)frac * mult;
		uint64_t fpart = (uint64_t)((f + fscale / 2) / fscale);
		if (whole > UINT64_MAX - fpart)
			return -1;
		*out = whole + fpart;
	}
	return 0;
}

int tw_parse_duration(const char *s, double *out)
{
	double total = 0;
	const char *p = s;
	int groups = 0;

	if (!s || !*s)
		return -1;
	while (*p) {
		char *end;
		double v;
		double m;
		if (!isdigit((unsigned char)*p) && *p != '.')
			return -1;
		v = strtod(p, &end);
		if (end == p || v < 0)
			return -1;
		p = end;
		if (strncmp(p, "ms", 2) == 0) { m = 0.001; p += 2; }
		else if (*p == 's') { m = 1; p++; }
		else if (*p == 'm') { m = 60; p++; }
		else if (*p == 'h') { m = 3600; p++; }
		else if (*p == 'd') { m = 86400; p++; }
		else if (*p == 'w') { m = 7 * 86400; p++; }
		else if (*p == 'y') { m = 365 * 86400; p++; }
		else if (*p == '\0' && groups == 0) { m = 1; }
		else return -1;
		total += v * m;
		groups++;
	}
	*out = total;
	return 0;
}
