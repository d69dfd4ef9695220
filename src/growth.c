/* growth.c: per-pool use history and growth estimate (see growth.h). */
#include "config.h"
#include "growth.h"
#include "tw.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double growth_slope(const double *t, const double *used, size_t n)
{
	double mt = 0, mu = 0, sxx = 0, sxy = 0;
	if (n < 2)
		return NAN;
	for (size_t i = 0; i < n; i++) {
		mt += t[i];
		mu += used[i];
	}
	mt /= (double)n;
	mu /= (double)n;
	for (size_t i = 0; i < n; i++) {
		sxx += (t[i] - mt) * (t[i] - mt);
		sxy += (t[i] - mt) * (used[i] - mu);
	}
	if (sxx <= 0)
		return NAN;
	return sxy / sxx;
}

double growth_time_to_full(uint64_t free_bytes, double rate)
{
	if (free_bytes == 0)
		return 0;
	if (isnan(rate) || rate <= 0)
		return NAN;
	return (double)free_bytes / rate;
}

struct growth_series *growth_add(struct growth *g, const char *pool, double t, double used)
{
	struct growth_series *s = NULL;
	for (size_t i = 0; i < g->n; i++)
		if (strcmp(g->s[i].pool, pool) == 0)
			s = &g->s[i];
	if (!s) {
		struct growth_series *p = realloc(g->s, (g->n + 1) * sizeof *p);
		if (!p)
			return NULL;
		g->s = p;
		s = &g->s[g->n];
		memset(s, 0, sizeof *s);
		if (!(s->pool = tw_strdup(pool)))
			return NULL;
		g->n++;
	}
	/* ring buffer, oldest overwritten; order does not matter for the fit */
	s->t[s->head] = t;
	s->used[s->head] = used;
	s->head = (s->head + 1) % GROWTH_SAMPLES;
	if (s->n < GROWTH_SAMPLES)
		s->n++;
	return s;
}

void growth_free(struct growth *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++)
		free(g->s[i].pool);
	free(g->s);
	g->s = NULL;
	g->n = 0;
}
