/* cfg.h: the typed, validated configuration (DESIGN.md "Config file").
 * cfg_load() parses YAML into struct tw_config; every error names
 * file:line:column and what was expected.  Secrets (community, passwords,
 * tokens) are held in struct tw_secret, which has no printer: code that logs
 * or renders must never touch .value. */
#ifndef TW_CFG_H
#define TW_CFG_H

#include <stddef.h>
#include <stdint.h>
#include "tw.h"

struct buf;

struct tw_secret {
	char *value;   /* NULL if unset; never logged */
	char *file;    /* file it came from, or NULL if inline */
};

struct tw_pool_override {
	char *pool;
	double overcommit_threshold;
};

enum tw_snmp_version { TW_SNMP_V1 = 1, TW_SNMP_V2C = 2, TW_SNMP_V3 = 3 };
enum tw_snmp_seclevel { TW_SEC_NOAUTH = 0, TW_SEC_AUTHNOPRIV, TW_SEC_AUTHPRIV };
enum tw_snmp_auth { TW_AUTH_NONE = 0, TW_AUTH_MD5, TW_AUTH_SHA, TW_AUTH_SHA224, TW_AUTH_SHA256,
		    TW_AUTH_SHA384, TW_AUTH_SHA512 };
enum tw_snmp_priv { TW_PRIV_NONE = 0, TW_PRIV_DES, TW_PRIV_AES, TW_PRIV_AES192, TW_PRIV_AES256 };

/* SNMP requests in flight per poll of one target (snmp.max_inflight). */
#define TW_SNMP_DEFAULT_INFLIGHT 16
#define TW_SNMP_MAX_INFLIGHT 64

struct tw_snmp_cfg {
	enum tw_snmp_version version;
	struct tw_secret community;    /* v1/v2c */
	unsigned max_repetitions;      /* default 50 */
	unsigned max_inflight;         /* requests in flight per poll, default 16 */
	char *username;                /* v3 */
	enum tw_snmp_seclevel security_level;
	enum tw_snmp_auth auth_protocol;
	struct tw_secret auth_password;
	enum tw_snmp_priv priv_protocol;
	struct tw_secret priv_password;
	char *context;                 /* v3 context name, may be NULL */
};

struct tw_tls_cfg {
	char *ca_file;
	int insecure_skip_verify;
};

struct tw_target {
	char *name;                    /* the `array` label */
	char *driver;                  /* "snmp", "ontap", ... */
	char *address;                 /* SNMP: host[:port] with optional transport prefix */
	char *url;                     /* REST base URL, trailing '/' removed */
	char *profile;                 /* SNMP profile name or path ("auto" allowed; default
					* "auto"; a relative path is made relative to the
					* config file's directory); NULL for REST targets;
					* "inline" when profile_inline is set */
	char *profile_inline;          /* `profile:` written as a mapping: the profile's YAML,
					* validated at load and re-serialized (profile.h:
					* profile_load_text reads it); else NULL */
	char *profile_inline_where;    /* "file:line" of that mapping, for messages */
	struct tw_snmp_cfg snmp;
	char *username;                /* REST */
	struct tw_secret password;     /* REST password_file */
	struct tw_secret api_token;    /* REST api_token_file */
	struct tw_tls_cfg tls;
	double interval;               /* seconds */
	double timeout;                /* seconds */
	unsigned retries;
	double staleness;              /* seconds: serve last good data this long after a failure;
					* always resolved (default max(3 x interval, 300)) */
	double overcommit_threshold;
	struct tw_pool_override *pools;
	size_t npools;
	uint64_t max_response_bytes;   /* REST */
	int line, col;                 /* where it was declared */
};

struct tw_config {
	char *file;
	/* global defaults; every target copies them unless it sets its own.
	 * staleness is 0 when global.staleness is not set: each target then
	 * uses max(3 x its interval, 5m) (see tw_target.staleness). */
	double interval, timeout, staleness;
	unsigned retries, concurrency;
	double overcommit_threshold;
	double backoff_max;            /* seconds, default 300 */
	char *listen_address;          /* web.listen_address (overridden by the flag); NULL if unset */
	char *profiles_dir;            /* optional: where bare profile names resolve */
	struct tw_target *targets;
	size_t ntargets;
	uint64_t max_response_bytes;   /* global default, 32 MiB */
	int secrets_allow_world_readable; /* global: accept secret files with mode & 077 */
};

/* Parse and validate a config file.  On error returns non-OK with
 * "file:line:col: what was expected" in msg; *out untouched. */
tw_err cfg_load(const char *path, struct tw_config **out, char *msg, size_t msglen);
/* The same from memory (tests, fuzzing): name is used in messages and kept
 * as tw_config.file; basedir resolves relative paths (profiles, secret
 * files); NULL leaves them relative to the current directory.  In builds
 * with FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION (--enable-fuzzing) the files
 * a config loaded this way names (secrets, tls.ca_file) are only ever opened
 * in basedir, by base name, whatever the path says (cfg_load is unchanged). */
tw_err cfg_load_string(const char *name, const char *text, size_t len, const char *basedir,
		       struct tw_config **out, char *msg, size_t msglen);
void cfg_free(struct tw_config *c);  /* NULL-safe */

/* Sharding (--shard=I/N): target `name` belongs to shard cfg_shard_of(name, N),
 * a stable hash of the name, so N instances with the same config split the
 * targets with no overlap and no gap.  cfg_retain_shard drops (frees) every
 * target not in `shard`; returns how many are kept.  shards <= 1 keeps all. */
unsigned cfg_shard_of(const char *name, unsigned shards);
size_t cfg_retain_shard(struct tw_config *c, unsigned shard, unsigned shards);

/* Threshold for a pool of a target: per-pool override, else target, else global. */
double cfg_pool_threshold(const struct tw_target *t, const char *pool);

/* Same target as before a reload: every setting equal, secret values and
 * per-pool thresholds included (pool order does not matter; line/col are
 * not compared, so moving a target within the file keeps its state). */
int cfg_target_equal(const struct tw_target *a, const struct tw_target *b);

/* Append a human summary of the config for --dry-run: global settings,
 * then per target its driver, address/url, profile, timing, thresholds and
 * which credentials are set ("community: <set>").  Never secret values. */
void cfg_describe(const struct tw_config *c, struct buf *out);

/* Whether a driver name is one the config accepts, and whether it is a REST
 * driver (url + credentials) rather than snmp (address + snmp section).  The
 * list lives in cfg.c so configs validate for drivers not compiled in yet;
 * the core still needs tw_driver_find() to succeed before polling. */
int cfg_driver_known(const char *driver);
int cfg_driver_is_rest(const char *driver);

/* Read a secret file: trims one trailing newline (or CRLF); refuses files
 * readable or writable by group or others (mode & 077) unless
 * allow_world_readable, files that are not regular, empty, larger than
 * 64 KiB, or holding a NUL byte or more than one line.  msg names the path
 * and the reason, never the content.  *out is freed by the caller. */
tw_err cfg_read_secret(const char *path, int allow_world_readable, char **out, char *msg,
		       size_t msglen);

#endif
