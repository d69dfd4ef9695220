/* webcfg.h: the --web.config.file of the metrics endpoint, in the Prometheus
 * exporter-toolkit format (tls_server_config, http_server_config,
 * basic_auth_users), loaded into an immutable, reference-counted struct
 * webcfg.  Everything that needs GnuTLS or libcrypt for the endpoint lives
 * behind this header: checking the certificate, key and CA files, building
 * the GnuTLS priority string, setting up client-certificate checks on a TLS
 * session, and verifying basic-auth passwords against bcrypt hashes (with a
 * small cache so a scrape every few seconds does not pay for bcrypt).
 *
 * Relative file names inside the web config resolve against the directory of
 * the web config file, as in the exporter toolkit.  Errors name
 * file:line:col.  Options that thinwatch cannot honour with libmicrohttpd and
 * GnuTLS (cipher_suites) are refused with an error, never ignored. */
#ifndef TW_WEBCFG_H
#define TW_WEBCFG_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>
#include "tw.h"

struct buf;

enum webcfg_client_auth {
	WEBCFG_NO_CLIENT_CERT = 0,
	WEBCFG_REQUEST_CLIENT_CERT,          /* asked for, not required, not verified */
	WEBCFG_REQUIRE_ANY_CLIENT_CERT,      /* required, not verified */
	WEBCFG_VERIFY_CLIENT_CERT_IF_GIVEN,  /* asked for; verified against client_ca if sent */
	WEBCFG_REQUIRE_AND_VERIFY_CLIENT_CERT
};

struct webcfg_header {
	char *name, *value;
};

struct webcfg_user {
	char *name;
	char *hash;    /* bcrypt ($2a$, $2b$, $2y$); never printed */
};

struct webcfg_priv;

struct webcfg {
	char *file;                  /* the web config file as given */
	int tls;                     /* 1 when tls_server_config names a certificate */
	char *cert_file, *key_file, *client_ca_file;  /* resolved paths; NULL when inline/unset */
	char *cert_pem, *key_pem, *client_ca_pem;     /* contents (NUL-terminated) or NULL */
	enum webcfg_client_auth client_auth;
	unsigned min_version, max_version;  /* 10, 11, 12, 13 (TLS 1.x); defaults 12 and 13 */
	int prefer_server_cipher_suites;    /* default 1 */
	char *priorities;            /* GnuTLS priority string for the TLS listener, or NULL */
	char **allowed_sans;         /* client_allowed_sans; the client cert must carry one */
	size_t nallowed_sans;
	int http2;                   /* -1 unset, 0, 1 (HTTP/2 is never served: see http.c) */
	struct webcfg_header *headers;
	size_t nheaders;
	struct webcfg_user *users;   /* basic_auth_users; none = no authentication */
	size_t nusers;
	struct webcfg_priv *priv;    /* reference count, password cache */
};

/* Load and validate a web config file: YAML shape, bcrypt hashes, readable
 * certificate/key/CA files that GnuTLS accepts, a key that matches its
 * certificate, a priority string GnuTLS accepts.  The result holds one
 * reference.  On error returns non-OK with "file:line:col: ..." in msg. */
tw_err webcfg_load(const char *path, struct webcfg **out, char *msg, size_t msglen);
/* The same from memory (fuzzing, tests); relative file names resolve against
 * the directory part of name. */
tw_err webcfg_load_string(const char *name, const char *text, size_t len, struct webcfg **out,
			  char *msg, size_t msglen);

/* Reference counting (thread-safe).  Both are NULL-safe; the last unref frees. */
struct webcfg *webcfg_ref(struct webcfg *w);
void webcfg_unref(struct webcfg *w);

/* 1 when a listener set up for a can serve b unchanged: same TLS on/off,
 * certificate, key, client CA, client auth type, allowed client SANs and
 * priorities.  (Headers and users may differ: they are read per request.)  NULL means "no web
 * config" and equals a config without TLS. */
int webcfg_tls_same(const struct webcfg *a, const struct webcfg *b);

/* One-paragraph summary for --dry-run and logs; no secrets (user names and
 * counts, never hashes or key material). */
void webcfg_describe(const struct webcfg *w, struct buf *out);

/* ---- basic auth ---- */

/* 1 when requests must carry basic-auth credentials. NULL-safe (0). */
int webcfg_auth_required(const struct webcfg *w);

/* 1 if user/pass match a configured user's bcrypt hash, else 0.  Unknown users
 * cost a bcrypt against a decoy hash, names are compared in constant time,
 * and bcrypt runs one at a time per config.  Successful pairs are cached
 * (SHA-256 of a per-config salt, user, password and hash; bounded, least
 * recently used evicted), so repeated scrapes with the same credentials cost
 * a hash lookup.  Failures are not cached, so they cannot evict good pairs.
 * Thread-safe.  Returns 1 for any input when no users are configured. */
int webcfg_check_basic(struct webcfg *w, const char *user, const char *pass);

/* Counters for tests and debug logs. */
struct webcfg_auth_stats {
	unsigned long bcrypt_runs;
	unsigned long cache_hits;
};
void webcfg_auth_stats(const struct webcfg *w, struct webcfg_auth_stats *out);

/* Verify one password against one bcrypt hash with libcrypt's crypt_rn
 * (constant-time comparison of the result).  1 = match, 0 = no match or a
 * malformed hash. */
int webcfg_bcrypt_verify(const char *password, const char *hash);

/* 1 if s looks like a bcrypt hash libcrypt can check ($2a$/$2b$/$2y$, cost
 * 04..31, 53 characters of bcrypt base64). */
int webcfg_is_bcrypt(const char *s);

/* ---- TLS sessions (session is a gnutls_session_t) ---- */

/* Call for each new TLS connection before its handshake (libmicrohttpd's
 * connection-notify callback): asks for a client certificate as the client
 * auth type says, requires one for Require*, and for
 * RequireAndVerifyClientCert makes the handshake itself verify it against
 * client_ca (the listener must have been given client_ca_pem as its trust). */
void webcfg_tls_session_setup(const struct webcfg *w, void *session);

/* Call once per request on a TLS connection: checks what the handshake could
 * not (VerifyClientCertIfGiven with a certificate sent, client_allowed_sans,
 * and again RequireAndVerifyClientCert).  TW_OK or TW_ERR_AUTH with a reason
 * in msg that is safe to send to the client. */
tw_err webcfg_tls_session_check(const struct webcfg *w, void *session, char *msg, size_t msglen);

/* ---- change detection ---- */

/* What the web config and the files it names looked like on disk. */
struct webcfg_stamp {
	struct {
		int exists;
		dev_t dev;
		ino_t ino;
		off_t size;
		struct timespec mtime, ctime;
	} f[4];   /* web config, cert_file, key_file, client_ca_file */
};
/* Stat path and the files w names (w may be NULL: only path). */
void webcfg_stamp_get(const char *path, const struct webcfg *w, struct webcfg_stamp *out);
int webcfg_stamp_equal(const struct webcfg_stamp *a, const struct webcfg_stamp *b);

#endif
