/* fuzz_cfg.c: libFuzzer target for the config loader (src/cfg.c) through
 * cfg_load_string.  Secret files resolve in a private temporary directory
 * holding a few prepared files (good ones mode 0600, one world-readable,
 * an empty one, a two-line one); --enable-fuzzing builds also never read a
 * secret from any other directory (FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
 * in cfg.c).  Invariants: no error message and no --dry-run summary ever
 * contains a secret read from a file; a loaded target equals itself and the
 * same target loaded again; shards cover every target exactly once. */
#include "config.h"
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cfg.h"

#define MARK "FUZZSECRET"

static const char *secret_dir;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	secret_dir = fuzz_tmpdir();
	fuzz_write_file("pw", MARK "-password-1\n", 0600);
	fuzz_write_file("auth", MARK "-auth-2\r\n", 0600);
	fuzz_write_file("priv", MARK "-priv-3", 0600);
	fuzz_write_file("token", MARK "-token-4\n", 0400);
	fuzz_write_file("world", MARK "-world-5\n", 0644);
	fuzz_write_file("empty", "", 0600);
	fuzz_write_file("twolines", MARK "-6\nmore\n", 0600);
	fuzz_write_file("ca.pem", "not checked by the config loader\n", 0644);
	return 0;
}

static int has_mark(const char *s, size_t n)
{
	return n >= sizeof MARK - 1 && memmem(s, n, MARK, sizeof MARK - 1) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tw_config *c = NULL, *c2 = NULL;
	char msg[1024];
	struct buf b;
	int input_has_mark = has_mark((const char *)data, size);
	unsigned shards = 3, seen = 0;
	tw_err e;

	if (!secret_dir)
		LLVMFuzzerInitialize(NULL, NULL);
	msg[0] = '\0';
	e = cfg_load_string("fuzz.yml", (const char *)data, size, secret_dir, &c, msg, sizeof msg);
	if (!memchr(msg, '\0', sizeof msg))
		fuzz_fail("message not terminated");
	if (!input_has_mark && has_mark(msg, strlen(msg)))
		fuzz_fail("error message shows a secret: %s", msg);
	if (e) {
		if (c)
			fuzz_fail("cfg_load_string failed but set *out");
		return 0;
	}
	if (!c)
		fuzz_fail("cfg_load_string succeeded without a config");

	buf_init(&b, 0);
	cfg_describe(c, &b);
	if (!input_has_mark && b.data && has_mark(b.data, b.len))
		fuzz_fail("cfg_describe shows a secret");
	buf_free(&b);

	if (cfg_load_string("fuzz.yml", (const char *)data, size, secret_dir, &c2, msg,
			    sizeof msg) != TW_OK)
		fuzz_fail("second load of the same config failed: %s", msg);
	if (c2->ntargets != c->ntargets)
		fuzz_fail("second load has a different number of targets");
	for (size_t i = 0; i < c->ntargets; i++) {
		const struct tw_target *t = &c->targets[i];
		if (!cfg_target_equal(t, t) || !cfg_target_equal(t, &c2->targets[i]))
			fuzz_fail("target %zu differs from itself", i);
		if (!cfg_driver_known(t->driver))
			fuzz_fail("target %zu has an unknown driver", i);
		(void)cfg_pool_threshold(t, "pool0");
		for (size_t j = 0; j < t->npools; j++)
			(void)cfg_pool_threshold(t, t->pools[j].pool);
		if (cfg_shard_of(t->name, shards) >= shards)
			fuzz_fail("cfg_shard_of out of range");
	}
	for (unsigned s = 0; s < shards; s++) {
		struct tw_config *k = NULL;
		if (cfg_load_string("fuzz.yml", (const char *)data, size, secret_dir, &k, msg,
				    sizeof msg) != TW_OK)
			fuzz_fail("reload failed");
		seen += (unsigned)cfg_retain_shard(k, s, shards);
		cfg_free(k);
	}
	if (seen != c->ntargets)
		fuzz_fail("shards hold %u targets, the config %zu", seen, c->ntargets);
	cfg_free(c2);
	cfg_free(c);
	return 0;
}
