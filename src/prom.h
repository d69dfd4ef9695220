/* prom.h: Prometheus / OpenMetrics exposition.  Snapshot-derived families
 * (pool_*, volume_*, array_info) are rendered once per snapshot into
 * per-family fragments at publish time (prom_render_snapshot).  A scrape is
 * a plan (prom_plan_new): the exposition as an ordered list of byte ranges,
 * each either text rendered for that scrape (every family's HELP/TYPE once,
 * the per-target health families from live state, the extras, OpenMetrics'
 * # EOF) or a snapshot fragment by reference, so serving it copies no
 * fragment.  prom_render writes a plan out into one buffer (--once, tests);
 * the HTTP side streams the plan itself (http.c). */
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

/* Upper bound of what one scrape renders itself (plan text) and of one
 * snapshot fragment; fragments served by reference do not count. */
#define PROM_SCRAPE_MAX_BYTES ((size_t)4 << 30)

/* Escape a label value into b (backslash, double quote, newline).  Bytes
 * that are not part of valid UTF-8 are written as U+FFFD, so a scrape
 * always parses whatever names an array reports. */
tw_err prom_escape_label(struct buf *b, const char *v);

/* Render all snapshot fragments into s->frag (called by snap_builder_finish). */
tw_err prom_render_snapshot(struct tw_snapshot *s);

/* One byte range of a plan: data[0..len) is the exposition from byte off on. */
struct prom_piece {
	const char *data;
	size_t len;
	size_t off;
};

struct prom_plan;

/* Plan a whole scrape of n targets (extra NULL: no process-wide families,
 * as /probe).  openmetrics selects the OpenMetrics 1.0 text format (counter
 * families without _total in TYPE, info families without _info, trailing
 * # EOF).  The plan points into the snapshots of v without holding a
 * reference: the caller keeps them alive until prom_plan_free.  Returns
 * NULL with *err set (TW_ERR_NOMEM, TW_ERR_TOO_BIG) on failure. */
struct prom_plan *prom_plan_new(int openmetrics, const struct prom_target_view *v, size_t n,
				const struct prom_extra *extra, tw_err *err);
void prom_plan_free(struct prom_plan *p);   /* NULL-safe */
/* Length of the whole exposition in bytes. */
size_t prom_plan_size(const struct prom_plan *p);
/* The pieces in order (none of them empty); *n receives their number. */
const struct prom_piece *prom_plan_pieces(const struct prom_plan *p, size_t *n);
/* Copy up to max bytes of the exposition from byte pos on into dst;
 * returns how many (0 when pos is at or past the end).  Any pos, in any
 * order: the plan is not changed. */
size_t prom_plan_read(const struct prom_plan *p, size_t pos, char *dst, size_t max);

/* Render a whole scrape into out: the plan of prom_plan_new, written out.
 * On failure out->err is set too. */
tw_err prom_render(struct buf *out, int openmetrics, const struct prom_target_view *v, size_t n,
		   const struct prom_extra *extra);

#endif
