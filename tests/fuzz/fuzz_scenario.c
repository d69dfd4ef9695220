/* fuzz_scenario.c: libFuzzer target for the simulator's scenario loader
 * (src/sim/scenario.c, sim_scenario_load_string).  After a successful load
 * it checks the growth model at a spread of scenario times: a pool's added
 * use never exceeds its free space, never shrinks as time passes, equals
 * the sum of what its volumes gained, reaches exactly `free` once the pool
 * is full, and no volume grows past its provisioned size.  Inputs whose
 * volumes_generate would make more than MAX_GENERATED volumes are skipped.
 * Time UINT64_MAX is SIM_NEVER, "never reached", so it is not sampled. */
#include "config.h"
#include "fuzz.h"

#include <string.h>

#include "sim/scenario.h"
#include "ytree.h"

#define MAX_GENERATED 20000

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Add up volumes_generate.count over the tree as the loader will see it
 * (an alias counts once per use); *budget caps the walk. */
static uint64_t generated(const struct ynode *n, size_t *budget)
{
	uint64_t sum = 0, c;
	if (!n || !*budget)
		return 0;
	--*budget;
	if (n->type == Y_SEQ) {
		for (size_t i = 0; i < n->n; i++)
			sum = sat_add(sum, generated(n->items[i], budget));
	} else if (n->type == Y_MAP) {
		for (size_t i = 0; i < n->n; i++) {
			const struct ynode *k = n->pairs[i].key, *v = n->pairs[i].val;
			const struct ynode *cn = v->type == Y_MAP ? ymap_get(v, "count") : NULL;
			if (k->type == Y_SCALAR && !strcmp(k->str, "volumes_generate") && cn &&
			    cn->type == Y_SCALAR && !tw_parse_u64(cn->str, &c))
				sum = sat_add(sum, c);
			sum = sat_add(sum, generated(v, budget));
		}
	}
	return sum;
}

/* 1 if the input would generate more than MAX_GENERATED volumes (the
 * loader allows 10 million per pool, which only measures the machine). */
static int too_many_volumes(const uint8_t *d, size_t n)
{
	struct ydoc *doc = NULL;
	char msg[64];
	size_t budget = 100000;
	uint64_t sum;
	if (!memmem(d, n, "volumes_generate", 16))
		return 0;
	if (ydoc_load_string("f", (const char *)d, n, &doc, msg, sizeof msg) != TW_OK)
		return 0;
	sum = generated(doc->root, &budget);
	ydoc_free(doc);
	return !budget || sum > MAX_GENERATED;
}

static void check_pool(const struct sim_pool *p)
{
	/* ascending: sim_time_ns(1e12) saturates at 1.8e19, past UINT64_MAX / 2 */
	const uint64_t times[] = { 0, 1, 999999999, 1000000000, 60000000000ULL,
				   3600000000000ULL, 86400000000000ULL, 31536000000000000ULL,
				   UINT64_MAX / 2, sim_time_ns(1e12), UINT64_MAX - 1 };
	uint64_t prev = 0;
	int exact = p->nvols <= 2000;

	for (size_t k = 1; k < TW_ARRAY_LEN(times); k++)
		if (times[k] < times[k - 1])
			fuzz_fail("fuzz_scenario: sample times out of order at %zu", k);

	for (size_t k = 0; k < TW_ARRAY_LEN(times) + 3; k++) {
		uint64_t t, added;
		unsigned __int128 sum = 0;
		if (k < TW_ARRAY_LEN(times))
			t = times[k];
		else if (p->full_at_ns == SIM_NEVER)
			continue;
		else /* just before, at and after the instant the pool fills */
			t = p->full_at_ns + (k - TW_ARRAY_LEN(times)) - (p->full_at_ns ? 1 : 0);
		added = sim_pool_added_at(p, t);
		if (added > p->free)
			fuzz_fail("pool %s: added %llu > free %llu at t=%llu", p->name,
				  (unsigned long long)added, (unsigned long long)p->free,
				  (unsigned long long)t);
		if (k < TW_ARRAY_LEN(times) && added < prev)
			fuzz_fail("pool %s: use shrinks with time at t=%llu", p->name,
				  (unsigned long long)t);
		if (k < TW_ARRAY_LEN(times))
			prev = added;
		if (t >= p->full_at_ns && added != p->free)
			fuzz_fail("pool %s: full but added %llu != free %llu", p->name,
				  (unsigned long long)added, (unsigned long long)p->free);
		if (!exact)
			continue;
		for (size_t i = 0; i < p->nvols; i++) {
			const struct sim_volume *v = &p->vols[i];
			uint64_t c = sim_volume_consumed_at(p, v, t);
			uint64_t cap = v->provisioned > v->consumed ? v->provisioned : v->consumed;
			if (c < v->consumed || c > cap)
				fuzz_fail("volume %s: consumed %llu outside [%llu, %llu]", v->name,
					  (unsigned long long)c, (unsigned long long)v->consumed,
					  (unsigned long long)cap);
			sum += c - v->consumed;
		}
		if (sum != added)
			fuzz_fail("pool %s: volumes gained %llu, pool added %llu at t=%llu", p->name,
				  (unsigned long long)sum, (unsigned long long)added,
				  (unsigned long long)t);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim_scenario *sc = NULL;
	char msg[512];
	tw_err e;

	if (too_many_volumes(data, size))
		return 0;
	msg[0] = '\0';
	e = sim_scenario_load_string("fuzz.yml", (const char *)data, size, fuzz_tmpdir(), &sc, msg,
				     sizeof msg);
	if (!memchr(msg, '\0', sizeof msg))
		fuzz_fail("message not terminated");
	if (e) {
		if (sc)
			fuzz_fail("load failed but set *out");
		return 0;
	}
	(void)sim_scenario_check(sc, msg, sizeof msg);
	for (size_t i = 0; i < sc->narrays; i++) {
		struct sim_array *a = &sc->arrays[i];
		if (sim_scenario_find(sc, a->name) != a)
			fuzz_fail("array names are not unique: %s", a->name);
		if (a->snmp.listen) {
			char host[256];
			unsigned port;
			(void)sim_listen_parse(a->snmp.listen, host, sizeof host, &port, msg,
					       sizeof msg);
		}
		for (size_t j = 0; j < a->npools; j++)
			check_pool(&a->pools[j]);
	}
	sim_scenario_free(sc);
	return 0;
}
