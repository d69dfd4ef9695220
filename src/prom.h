/* prom.h: Prometheus / OpenMetrics exposition.  Snapshot-derived families
 * (pool_*, volume_*, array_info) are rendered once per snapshot into
 * per-family fragments at publish time (prom_render_snapshot); a scrape
 * writes each family's HELP/TYPE once and copies every target's fragment,
 * then adds the small per-target health families from live state. */
#ifndef TW_PROM_H
#define TW_PROM_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "model.h"

/* Snapshot families, in exposition order. */
enum prom_snap_family {
	PF_POOL_CAPACITY, PF_POOL_USED, PF_POOL_FREE, PF_POOL_PROVISIONED,
	PF_POOL_RATIO, PF_POOL_THRESHOLD, PF_POOL_OVERCOMMITTED, PF_POOL_UNBACKED,
	PF_POOL_SHORTFALL, PF_POOL_VOLUMES,
	PF_VOL_PROVISIONED, PF_VOL_CONSUMED, PF_VOL_THIN, PF_VOL_INFO,
	PF_ARRAY_INFO,
	PF_COUNT
};

/* What a scrape needs to know about one target besides its snapshot. */
struct prom_target_view {
	const char *name;
	const struct tw_snapshot *snap;  /* NULL: no data (never polled OK, or stale) */
	int up;
	double poll_duration;            /* seconds; < 0 = never polled */
	double last_success;             /* unix seconds; 0 = never */
	const uint64_t *errors;          /* count per tw_err code, TW_ERR_INTERNAL+1 entries */
};

/* Process-wide extras rendered after the targets. */
struct prom_extra {
	const char *version, *revision;
	int reload_ok;                   /* last config reload succeeded */
	double reload_success_ts;        /* unix seconds of last good (re)load */
};

#define PROM_NUM_ERRORS (TW_ERR_INTERNAL + 1)

/* Upper bound of one rendered scrape. */
#define PROM_SCRAPE_MAX_BYTES ((size_t)4 << 30)

/* Escape a label value into b (backslash, double quote, newline).  Bytes
 * that are not part of valid UTF-8 are written as U+FFFD, so a scrape
 * always parses whatever names an array reports. */
tw_err prom_escape_label(struct buf *b, const char *v);

/* Render all snapshot fragments into s->frag (called by snap_builder_finish). */
tw_err prom_render_snapshot(struct tw_snapshot *s);

/* Render a whole scrape.  openmetrics selects the OpenMetrics 1.0 text
 * format (counter families without _total in TYPE, trailing # EOF). */
tw_err prom_render(struct buf *out, int openmetrics, const struct prom_target_view *v, size_t n,
		   const struct prom_extra *extra);

#endif
