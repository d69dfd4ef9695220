/* twmib.c: scenario array -> THINWATCH-MIB table (see twmib.h).  Entries are
 * emitted in OID order (system group, scalars, pool columns, volume columns),
 * so simdata_finish has nothing to sort; the entries that move with time are
 * looked up once and updated in place. */
#include "config.h"
#include "sim/twmib.h"
#include "sim/scenario.h"
#include "sim/simdata.h"
#include "buf.h"

#include <stdlib.h>
#include <string.h>

struct dyn_pool {
	const struct sim_pool *p;
	size_t used_idx, free_idx;
};

struct dyn_vol {
	const struct sim_pool *p;
	const struct sim_volume *v;
	size_t idx;
};

struct twmib {
	struct simdata *sd;
	size_t uptime_idx;
	struct dyn_pool *pools;   /* pools with growing volumes */
	size_t npools;
	struct dyn_vol *vols;     /* growing volumes */
	size_t nvols;
};

static const uint32_t sys_oid[] = { 1, 3, 6, 1, 2, 1, 1 };
static const uint32_t tw_oid[] = { TWMIB_ENTERPRISE };
#define TW_LEN TW_ARRAY_LEN(tw_oid)

/* OID builder: a base plus a few sub-ids (all OIDs here are short). */
struct oidb {
	uint32_t o[16];
	size_t n;
};

static struct oidb *oidb(struct oidb *b, const uint32_t *base, size_t blen, size_t extra,
			 const uint32_t *more)
{
	memcpy(b->o, base, blen * sizeof *base);
	memcpy(b->o + blen, more, extra * sizeof *more);
	b->n = blen + extra;
	return b;
}

#define SYS(b, ...) oidb((b), sys_oid, TW_ARRAY_LEN(sys_oid), \
			 TW_ARRAY_LEN(((const uint32_t[]){ __VA_ARGS__ })), \
			 (const uint32_t[]){ __VA_ARGS__ })
#define TW(b, ...) oidb((b), tw_oid, TW_LEN, TW_ARRAY_LEN(((const uint32_t[]){ __VA_ARGS__ })), \
			(const uint32_t[]){ __VA_ARGS__ })

static tw_err add_str(struct simdata *sd, const struct oidb *b, const char *s)
{
	return simdata_add_bytes(sd, b->o, b->n, SIMDATA_OCTETS, s, strlen(s));
}

static tw_err render_system(struct simdata *sd, const struct sim_array *a)
{
	static const uint32_t simulator[] = { TWMIB_ENTERPRISE, 3, 1 };
	struct oidb b;
	struct buf descr;
	tw_err e;

	buf_init(&descr, 1024);
	buf_printf(&descr, "thinwatch-sim %s array %s (%s %s)", PACKAGE_VERSION, a->name,
		   a->vendor ? a->vendor : "thinwatch", a->model ? a->model : "thinwatch-sim");
	if (buf_failed(&descr)) {
		buf_free(&descr);
		return TW_ERR_NOMEM;
	}
	e = add_str(sd, SYS(&b, 1, 0), descr.data);
	buf_free(&descr);
	if (e)
		return e;
	SYS(&b, 2, 0);
	if ((e = simdata_add_oid(sd, b.o, b.n, simulator, TW_ARRAY_LEN(simulator))))
		return e;
	SYS(&b, 3, 0);
	if ((e = simdata_add_uint(sd, b.o, b.n, SIMDATA_TIMETICKS, 0)))
		return e;
	return add_str(sd, SYS(&b, 5, 0), a->name);
}

static tw_err render_thinwatch(struct simdata *sd, const struct sim_array *a)
{
	struct oidb b;
	struct buf serial;
	uint32_t pi, vi;
	tw_err e = TW_OK;

	/* twArray scalars */
	buf_init(&serial, 512);
	if (a->serial)
		buf_puts(&serial, a->serial);
	else
		buf_printf(&serial, "sim-%s", a->name);
	if (buf_failed(&serial)) {
		buf_free(&serial);
		return TW_ERR_NOMEM;
	}
	if ((e = add_str(sd, TW(&b, 1, 1, 1, 0), a->vendor ? a->vendor : "thinwatch")))
		goto out;
	if ((e = add_str(sd, TW(&b, 1, 1, 2, 0), a->model ? a->model : "thinwatch-sim")))
		goto out;
	if ((e = add_str(sd, TW(&b, 1, 1, 3, 0), serial.data)))
		goto out;
	if ((e = add_str(sd, TW(&b, 1, 1, 4, 0), a->version ? a->version : PACKAGE_VERSION)))
		goto out;

	/* twPoolTable: column by column */
	for (uint32_t col = 2; col <= 5; col++) {
		for (pi = 0; pi < a->npools; pi++) {
			const struct sim_pool *p = &a->pools[pi];
			uint64_t v = col == 3 ? p->capacity : col == 4 ? p->used : p->free;
			TW(&b, 1, 2, 1, col, pi + 1);
			e = col == 2 ? add_str(sd, &b, p->name)
				     : simdata_add_uint(sd, b.o, b.n, SIMDATA_COUNTER64, v);
			if (e)
				goto out;
		}
	}

	/* twVolumeTable: column by column, volumes numbered across pools */
	for (uint32_t col = 2; col <= 7; col++) {
		vi = 0;
		for (pi = 0; pi < a->npools; pi++) {
			const struct sim_pool *p = &a->pools[pi];
			for (size_t k = 0; k < p->nvols; k++) {
				const struct sim_volume *v = &p->vols[k];
				vi++;
				TW(&b, 1, 3, 1, col, vi);
				switch (col) {
				case 2: e = add_str(sd, &b, v->name); break;
				case 3:
					e = simdata_add_uint(sd, b.o, b.n, SIMDATA_GAUGE32, pi + 1);
					break;
				case 4:
					e = simdata_add_uint(sd, b.o, b.n, SIMDATA_COUNTER64,
							     v->provisioned);
					break;
				case 5:
					e = simdata_add_uint(sd, b.o, b.n, SIMDATA_COUNTER64, v->consumed);
					break;
				case 6: e = simdata_add_int(sd, b.o, b.n, v->thin ? 1 : 2); break;
				default: e = add_str(sd, &b, v->wwn); break;
				}
				if (e)
					goto out;
			}
		}
	}
out:
	buf_free(&serial);
	return e;
}

/* Remember where the time-dependent values live. */
static tw_err index_dynamic(struct twmib *m, const struct sim_array *a)
{
	struct oidb b;
	size_t ngrow = 0, npg = 0;
	uint32_t vi = 0;

	SYS(&b, 3, 0);
	m->uptime_idx = simdata_find(m->sd, b.o, b.n);
	for (size_t pi = 0; pi < a->npools; pi++) {
		ngrow += a->pools[pi].ngrowing;
		npg += a->pools[pi].ngrowing ? 1 : 0;
	}
	m->pools = calloc(npg ? npg : 1, sizeof *m->pools);
	m->vols = calloc(ngrow ? ngrow : 1, sizeof *m->vols);
	if (!m->pools || !m->vols)
		return TW_ERR_NOMEM;
	for (size_t pi = 0; pi < a->npools; pi++) {
		const struct sim_pool *p = &a->pools[pi];
		if (p->ngrowing) {
			struct dyn_pool *dp = &m->pools[m->npools++];
			dp->p = p;
			TW(&b, 1, 2, 1, 4, (uint32_t)pi + 1);
			dp->used_idx = simdata_find(m->sd, b.o, b.n);
			b.o[b.n - 2] = 5;
			dp->free_idx = simdata_find(m->sd, b.o, b.n);
		}
		for (size_t k = 0; k < p->nvols; k++) {
			++vi;
			if (!p->vols[k].growth)
				continue;
			TW(&b, 1, 3, 1, 5, vi);
			m->vols[m->nvols].p = p;
			m->vols[m->nvols].v = &p->vols[k];
			m->vols[m->nvols].idx = simdata_find(m->sd, b.o, b.n);
			m->nvols++;
		}
	}
	return TW_OK;
}

tw_err twmib_new(const struct sim_array *a, struct twmib **out, char *msg, size_t msglen)
{
	struct twmib *m = calloc(1, sizeof *m);
	size_t nvols = 0;
	tw_err e;

	*out = NULL;
	for (size_t i = 0; i < a->npools; i++)
		nvols += a->pools[i].nvols;
	if (a->npools > UINT32_MAX || nvols > UINT32_MAX) {
		free(m);
		return tw_seterr(msg, msglen, TW_ERR_TOO_BIG, "array '%s': too many rows", a->name);
	}
	if (!m || !(m->sd = simdata_new())) {
		free(m);
		return tw_seterr(msg, msglen, TW_ERR_NOMEM, "out of memory");
	}
	if ((e = render_system(m->sd, a)) || (e = render_thinwatch(m->sd, a)) ||
	    (e = simdata_finish(m->sd, NULL)) || (e = index_dynamic(m, a))) {
		twmib_free(m);
		return tw_seterr(msg, msglen, e, "array '%s': cannot render THINWATCH-MIB: %s",
				 a->name, tw_strerror(e));
	}
	*out = m;
	return TW_OK;
}

void twmib_free(struct twmib *m)
{
	if (!m)
		return;
	simdata_free(m->sd);
	free(m->pools);
	free(m->vols);
	free(m);
}

struct simdata *twmib_data(struct twmib *m)
{
	return m->sd;
}

void twmib_update(struct twmib *m, uint64_t t_ns, uint32_t uptime_ticks)
{
	if (m->uptime_idx != SIMDATA_NONE)
		simdata_set_uint(m->sd, m->uptime_idx, uptime_ticks);
	for (size_t i = 0; i < m->npools; i++) {
		const struct dyn_pool *dp = &m->pools[i];
		uint64_t added = sim_pool_added_at(dp->p, t_ns);
		simdata_set_uint(m->sd, dp->used_idx, dp->p->used + added);
		simdata_set_uint(m->sd, dp->free_idx, dp->p->free - added);
	}
	for (size_t i = 0; i < m->nvols; i++) {
		const struct dyn_vol *dv = &m->vols[i];
		simdata_set_uint(m->sd, dv->idx, sim_volume_consumed_at(dv->p, dv->v, t_ns));
	}
}
