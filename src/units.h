/* units.h: parsing of human sizes ("154.89GiB", "4TB", "1024") and
 * durations ("60s", "1m30s", "250ms").  Pure functions. */
#ifndef TW_UNITS_H
#define TW_UNITS_H

#include <stdint.h>

/* Size in bytes: a plain integer, or a decimal number followed by one of
 * B KB MB GB TB PB (powers of 1000) or KiB MiB GiB TiB PiB (powers of 1024),
 * optional space between.  Fractions round to the nearest byte.
 * Returns 0 on success, -1 on syntax error or overflow of 64 bits. */
int tw_parse_size(const char *s, uint64_t *out);

/* Duration in seconds: one or more <number><unit> groups with units
 * ms s m h d w y (Prometheus style), or a bare number of seconds.
 * Returns 0 on success, -1 on error (negative or malformed). */
int tw_parse_duration(const char *s, double *out);

#endif
