/* webcfg.c: the exporter-toolkit web config (see webcfg.h).  Parses the YAML
 * tree into struct webcfg, reads and checks the PEM files with GnuTLS, builds
 * the GnuTLS priority string, verifies basic-auth passwords with libcrypt's
 * bcrypt behind a small cache, and applies the client-certificate policy to
 * TLS sessions for http.c. */
#include "config.h"
#include "webcfg.h"
#include "buf.h"
#include "ytree.h"

#include <arpa/inet.h>
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PEM_MAX_BYTES ((size_t)1 << 20)
#define AUTH_CACHE_SLOTS 32
#define SHA256_LEN 32

struct cache_ent {
	unsigned char key[SHA256_LEN];
	uint64_t used;   /* tick of last use; 0 = empty */
};

struct webcfg_priv {
	atomic_uint refs;
	pthread_mutex_t mu;        /* cache, tick, counters */
	pthread_mutex_t crypt_mu;  /* one bcrypt at a time; guards cd */
	struct crypt_data *cd;
	unsigned char salt[32];
	struct cache_ent cache[AUTH_CACHE_SLOTS];
	uint64_t tick;
	unsigned long bcrypt_runs, cache_hits;
};

static const char *const client_auth_names[] = {
	[WEBCFG_NO_CLIENT_CERT] = "NoClientCert",
	[WEBCFG_REQUEST_CLIENT_CERT] = "RequestClientCert",
	[WEBCFG_REQUIRE_ANY_CLIENT_CERT] = "RequireAnyClientCert",
	[WEBCFG_VERIFY_CLIENT_CERT_IF_GIVEN] = "VerifyClientCertIfGiven",
	[WEBCFG_REQUIRE_AND_VERIFY_CLIENT_CERT] = "RequireAndVerifyClientCert",
};

/* Headers the exporter toolkit lets a web config add, with their allowed
 * values (NULL: any value). */
static const struct {
	const char *name;
	const char *values[3];
} allowed_headers[] = {
	{ "Strict-Transport-Security", { NULL } },
	{ "X-Content-Type-Options", { "nosniff", NULL } },
	{ "X-Frame-Options", { "deny", "sameorigin", NULL } },
	{ "X-XSS-Protection", { NULL } },
	{ "Content-Security-Policy", { NULL } },
};

static const struct {
	const char *name;   /* Go crypto/tls name */
	const char *group;  /* GnuTLS priority keyword */
} curves[] = {
	{ "CurveP256", "GROUP-SECP256R1" },
	{ "CurveP384", "GROUP-SECP384R1" },
	{ "CurveP521", "GROUP-SECP521R1" },
	{ "X25519", "GROUP-X25519" },
};

/* ---------------------------------------------------------------- helpers */

/* Constant time in the contents: looks at max(len a, len b) bytes. */
static int ct_streq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), n = la > lb ? la : lb;
	unsigned char d = (unsigned char)(la != lb);
	for (size_t i = 0; i < n; i++) {
		unsigned char x = i < la ? (unsigned char)a[i] : 0;
		unsigned char y = i < lb ? (unsigned char)b[i] : 0;
		d |= (unsigned char)(x ^ y);
	}
	return d == 0;
}

static int ct_memeq(const unsigned char *a, const unsigned char *b, size_t n)
{
	unsigned char d = 0;
	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

static int is_null(const struct ynode *n)
{
	return !n || (n->type == Y_SCALAR && n->plain &&
		      (!n->str[0] || !strcmp(n->str, "~") || !strcmp(n->str, "null") ||
		       !strcmp(n->str, "Null") || !strcmp(n->str, "NULL")));
}

/* Read a whole (small) file into a NUL-terminated string. */
static tw_err read_small_file(const char *path, char **out, char *err, size_t errlen)
{
	struct buf b;
	char chunk[4096];
	int fd;
	tw_err e = TW_OK;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tw_seterr(err, errlen, TW_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
	buf_init(&b, PEM_MAX_BYTES);
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = tw_seterr(err, errlen, TW_ERR_IO, "cannot read '%s': %s", path,
				      strerror(errno));
			break;
		}
		if (r == 0)
			break;
		if (buf_append(&b, chunk, (size_t)r) != TW_OK) {
			e = b.err == TW_ERR_TOO_BIG
				? tw_seterr(err, errlen, TW_ERR_TOO_BIG, "'%s' is larger than %zu bytes",
					    path, PEM_MAX_BYTES)
				: TW_ERR_NOMEM;
			break;
		}
	}
	close(fd);
	if (e == TW_OK) {
		size_t len;
		*out = buf_detach(&b, &len);
		if (!*out)
			e = TW_ERR_NOMEM;
		else if (strlen(*out) != len)
			e = tw_seterr(err, errlen, TW_ERR_PARSE, "'%s' contains a NUL byte (not PEM)",
				      path);
		if (e) {
			free(*out);
			*out = NULL;
		}
	}
	buf_free(&b);
	return e;
}

/* Toolkit semantics: an empty or absolute name is kept, a relative one is
 * taken relative to the web config's directory. */
static char *join_dir(const char *dir, const char *name)
{
	struct buf b;
	size_t len;
	if (!name[0] || name[0] == '/' || !dir || !dir[0] || !strcmp(dir, "."))
		return tw_strdup(name);
	buf_init(&b, 0);
	buf_puts(&b, dir);
	buf_putc(&b, '/');
	buf_puts(&b, name);
	if (buf_failed(&b)) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b, &len);
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return tw_strdup(".");
	if (slash == path)
		return tw_strdup("/");
	return tw_strndup(path, (size_t)(slash - path));
}

/* ------------------------------------------------------------- lifecycle */

static void webcfg_destroy(struct webcfg *w)
{
	if (!w)
		return;
	free(w->file);
	free(w->cert_file);
	free(w->key_file);
	free(w->client_ca_file);
	free(w->cert_pem);
	if (w->key_pem) {
		explicit_bzero(w->key_pem, strlen(w->key_pem));
		free(w->key_pem);
	}
	free(w->client_ca_pem);
	free(w->priorities);
	for (size_t i = 0; i < w->nallowed_sans; i++)
		free(w->allowed_sans[i]);
	free(w->allowed_sans);
	for (size_t i = 0; i < w->nheaders; i++) {
		free(w->headers[i].name);
		free(w->headers[i].value);
	}
	free(w->headers);
	for (size_t i = 0; i < w->nusers; i++) {
		free(w->users[i].name);
		free(w->users[i].hash);
	}
	free(w->users);
	if (w->priv) {
		pthread_mutex_destroy(&w->priv->mu);
		pthread_mutex_destroy(&w->priv->crypt_mu);
		if (w->priv->cd) {
			explicit_bzero(w->priv->cd, sizeof *w->priv->cd);
			free(w->priv->cd);
		}
		explicit_bzero(w->priv, sizeof *w->priv);
		free(w->priv);
	}
	free(w);
}

struct webcfg *webcfg_ref(struct webcfg *w)
{
	if (w)
		atomic_fetch_add(&w->priv->refs, 1);
	return w;
}

void webcfg_unref(struct webcfg *w)
{
	if (w && atomic_fetch_sub(&w->priv->refs, 1) == 1)
		webcfg_destroy(w);
}

/* --------------------------------------------------------------- parsing */

struct pctx {
	const struct ydoc *d;
	const char *dir;
	char *msg;
	size_t msglen;
};

static tw_err get_str(struct pctx *p, const struct ynode *n, const char *what, char **out)
{
	const char *s;
	tw_err e = ynode_str(p->d, n, what, &s, p->msg, p->msglen);
	if (e)
		return e;
	*out = tw_strdup(s);
	return *out ? TW_OK : TW_ERR_NOMEM;
}

/* A sequence of strings (or null = empty). */
static tw_err get_str_list(struct pctx *p, const struct ynode *n, const char *what,
			   char ***out, size_t *count)
{
	tw_err e;
	*out = NULL;
	*count = 0;
	if (is_null(n))
		return TW_OK;
	if ((e = ynode_expect(p->d, n, Y_SEQ, what, p->msg, p->msglen)))
		return e;
	*out = calloc(n->n ? n->n : 1, sizeof **out);
	if (!*out)
		return TW_ERR_NOMEM;
	for (size_t i = 0; i < n->n; i++) {
		if ((e = get_str(p, n->items[i], what, &(*out)[i])))
			return e;
		*count = i + 1;
	}
	return TW_OK;
}

static void free_str_list(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

static tw_err parse_version(struct pctx *p, const struct ynode *n, const char *what,
			    unsigned *out)
{
	const char *s;
	tw_err e = ynode_str(p->d, n, what, &s, p->msg, p->msglen);
	if (e)
		return e;
	if (!strcmp(s, "TLS10"))
		*out = 10;
	else if (!strcmp(s, "TLS11"))
		*out = 11;
	else if (!strcmp(s, "TLS12"))
		*out = 12;
	else if (!strcmp(s, "TLS13"))
		*out = 13;
	else
		return yerr(p->msg, p->msglen, p->d, n,
			    "%s: expected one of TLS10, TLS11, TLS12, TLS13, got '%s'", what, s);
	return TW_OK;
}

/* Check PEM material with GnuTLS the way libmicrohttpd will load it. */
static tw_err check_key_pair(struct pctx *p, const struct ynode *at, const char *cert,
			     const char *key)
{
	gnutls_certificate_credentials_t cr;
	gnutls_datum_t c = { (unsigned char *)cert, (unsigned)strlen(cert) };
	gnutls_datum_t k = { (unsigned char *)key, (unsigned)strlen(key) };
	int rc;
	if (gnutls_certificate_allocate_credentials(&cr) < 0)
		return TW_ERR_NOMEM;
	rc = gnutls_certificate_set_x509_key_mem(cr, &c, &k, GNUTLS_X509_FMT_PEM);
	gnutls_certificate_free_credentials(cr);
	if (rc < 0)
		return yerr(p->msg, p->msglen, p->d, at,
			    "tls_server_config: cannot use the certificate and key: %s",
			    gnutls_strerror(rc));
	return TW_OK;
}

static tw_err check_ca(struct pctx *p, const struct ynode *at, const char *ca)
{
	gnutls_certificate_credentials_t cr;
	gnutls_datum_t c = { (unsigned char *)ca, (unsigned)strlen(ca) };
	int rc;
	if (gnutls_certificate_allocate_credentials(&cr) < 0)
		return TW_ERR_NOMEM;
	rc = gnutls_certificate_set_x509_trust_mem(cr, &c, GNUTLS_X509_FMT_PEM);
	gnutls_certificate_free_credentials(cr);
	if (rc < 0)
		return yerr(p->msg, p->msglen, p->d, at, "tls_server_config: client CA: %s",
			    gnutls_strerror(rc));
	if (rc == 0)
		return yerr(p->msg, p->msglen, p->d, at,
			    "tls_server_config: client CA: no PEM certificates found");
	return TW_OK;
}

/* Inline PEM (cert/key/client_ca) or a file (cert_file/...), not both. */
static tw_err get_pem(struct pctx *p, const struct ynode *tls, const char *inline_key,
		      const char *file_key, char **path_out, char **pem_out,
		      const struct ynode **where)
{
	const struct ynode *ni = ymap_get(tls, inline_key), *nf = ymap_get(tls, file_key);
	char what[64], rerr[400];
	tw_err e;

	*path_out = *pem_out = NULL;
	if (is_null(ni))
		ni = NULL;
	if (is_null(nf))
		nf = NULL;
	*where = nf ? nf : ni;
	if (ni && nf)
		return yerr(p->msg, p->msglen, p->d, ni, "tls_server_config: set %s or %s, not both",
			    inline_key, file_key);
	if (ni) {
		snprintf(what, sizeof what, "tls_server_config.%s", inline_key);
		return get_str(p, ni, what, pem_out);
	}
	if (!nf)
		return TW_OK;
	snprintf(what, sizeof what, "tls_server_config.%s", file_key);
	{
		const char *s;
		if ((e = ynode_str(p->d, nf, what, &s, p->msg, p->msglen)))
			return e;
		if (!s[0])
			return yerr(p->msg, p->msglen, p->d, nf, "%s: empty file name", what);
		*path_out = join_dir(p->dir, s);
		if (!*path_out)
			return TW_ERR_NOMEM;
	}
	e = read_small_file(*path_out, pem_out, rerr, sizeof rerr);
	if (e == TW_ERR_NOMEM)
		return e;
	if (e)
		return yerr(p->msg, p->msglen, p->d, nf, "%s: %s", what, rerr);
	return TW_OK;
}

static tw_err build_priorities(struct webcfg *w, char **curve_list, size_t ncurves)
{
	static const char *const vers[] = { "TLS1.0", "TLS1.1", "TLS1.2", "TLS1.3" };
	struct buf b;
	size_t len;

	buf_init(&b, 4096);
	buf_puts(&b, "NORMAL:-VERS-ALL");
	for (unsigned v = w->max_version; v >= w->min_version && v >= 10; v--)
		buf_printf(&b, ":+VERS-%s", vers[v - 10]);
	if (w->prefer_server_cipher_suites)
		buf_puts(&b, ":%SERVER_PRECEDENCE");
	if (ncurves) {
		buf_puts(&b, ":-GROUP-ALL");
		for (size_t i = 0; i < ncurves; i++)
			for (size_t j = 0; j < TW_ARRAY_LEN(curves); j++)
				if (!strcmp(curve_list[i], curves[j].name))
					buf_printf(&b, ":+%s", curves[j].group);
	}
	if (buf_failed(&b)) {
		buf_free(&b);
		return TW_ERR_NOMEM;
	}
	w->priorities = buf_detach(&b, &len);
	return w->priorities ? TW_OK : TW_ERR_NOMEM;
}

static tw_err parse_tls(struct pctx *p, struct webcfg *w, const struct ynode *tls)
{
	static const char *const keys[] = {
		"cert_file", "key_file", "cert", "key", "client_ca_file", "client_ca",
		"client_auth_type", "client_allowed_sans", "min_version", "max_version",
		"cipher_suites", "curve_preferences", "prefer_server_cipher_suites", NULL
	};
	const struct ynode *n, *cert_at = NULL, *key_at = NULL, *ca_at = NULL, *auth_at;
	char **curve_list = NULL, **ciphers = NULL;
	size_t ncurves = 0, nciphers = 0;
	int enabled;
	tw_err e;

	if ((e = ynode_expect(p->d, tls, Y_MAP, "tls_server_config", p->msg, p->msglen)) ||
	    (e = ymap_check_keys(p->d, tls, keys, p->msg, p->msglen)))
		return e;

	if ((e = get_pem(p, tls, "cert", "cert_file", &w->cert_file, &w->cert_pem, &cert_at)) ||
	    (e = get_pem(p, tls, "key", "key_file", &w->key_file, &w->key_pem, &key_at)) ||
	    (e = get_pem(p, tls, "client_ca", "client_ca_file", &w->client_ca_file,
			 &w->client_ca_pem, &ca_at)))
		return e;

	auth_at = ymap_get(tls, "client_auth_type");
	if (!is_null(auth_at)) {
		const char *s;
		size_t i;
		if ((e = ynode_str(p->d, auth_at, "tls_server_config.client_auth_type", &s, p->msg,
				   p->msglen)))
			return e;
		for (i = 0; i < TW_ARRAY_LEN(client_auth_names); i++)
			if (!strcmp(s, client_auth_names[i]))
				break;
		if (i < TW_ARRAY_LEN(client_auth_names))
			w->client_auth = (enum webcfg_client_auth)i;
		else if (!strcmp(s, "RequireClientCert")) /* the toolkit's old name */
			w->client_auth = WEBCFG_REQUIRE_ANY_CLIENT_CERT;
		else if (!s[0])
			w->client_auth = WEBCFG_NO_CLIENT_CERT;
		else
			return yerr(p->msg, p->msglen, p->d, auth_at,
				    "tls_server_config.client_auth_type: expected one of NoClientCert, "
				    "RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, "
				    "RequireAndVerifyClientCert, got '%s'", s);
	} else {
		auth_at = NULL;
	}

	if ((n = ymap_get(tls, "min_version")) && !is_null(n) &&
	    (e = parse_version(p, n, "tls_server_config.min_version", &w->min_version)))
		return e;
	if ((n = ymap_get(tls, "max_version")) && !is_null(n) &&
	    (e = parse_version(p, n, "tls_server_config.max_version", &w->max_version)))
		return e;
	if (w->min_version > w->max_version)
		return yerr(p->msg, p->msglen, p->d, ymap_get(tls, "min_version"),
			    "tls_server_config: min_version TLS%u is above max_version TLS%u",
			    w->min_version, w->max_version);
	if ((n = ymap_get(tls, "prefer_server_cipher_suites")) && !is_null(n) &&
	    (e = ynode_bool(p->d, n, "tls_server_config.prefer_server_cipher_suites",
			    &w->prefer_server_cipher_suites, p->msg, p->msglen)))
		return e;

	n = ymap_get(tls, "cipher_suites");
	if ((e = get_str_list(p, n, "tls_server_config.cipher_suites", &ciphers, &nciphers)))
		goto out;
	if (nciphers) {
		e = yerr(p->msg, p->msglen, p->d, n,
			 "tls_server_config.cipher_suites is not supported: thinwatch's TLS "
			 "(GnuTLS) cannot restrict itself to a list of Go cipher suites; remove it "
			 "and use min_version to exclude old protocols");
		goto out;
	}
	n = ymap_get(tls, "curve_preferences");
	if ((e = get_str_list(p, n, "tls_server_config.curve_preferences", &curve_list, &ncurves)))
		goto out;
	for (size_t i = 0; i < ncurves; i++) {
		size_t j;
		for (j = 0; j < TW_ARRAY_LEN(curves); j++)
			if (!strcmp(curve_list[i], curves[j].name))
				break;
		if (j == TW_ARRAY_LEN(curves)) {
			e = yerr(p->msg, p->msglen, p->d, n->items[i],
				 "tls_server_config.curve_preferences: unknown or unsupported curve "
				 "'%s' (expected CurveP256, CurveP384, CurveP521 or X25519)",
				 curve_list[i]);
			goto out;
		}
	}
	n = ymap_get(tls, "client_allowed_sans");
	if ((e = get_str_list(p, n, "tls_server_config.client_allowed_sans", &w->allowed_sans,
			      &w->nallowed_sans)))
		goto out;

	/* The toolkit's rules, plus: settings that would do nothing are errors. */
	enabled = w->cert_pem || w->key_pem || w->client_ca_pem || auth_at;
	if (!enabled) {
		const char *const moot[] = { "min_version", "max_version", "curve_preferences",
					     "client_allowed_sans", "prefer_server_cipher_suites",
					     NULL };
		for (size_t i = 0; moot[i]; i++)
			if ((n = ymap_get(tls, moot[i])) && !is_null(n)) {
				e = yerr(p->msg, p->msglen, p->d, n,
					 "tls_server_config.%s is set but TLS is off (no cert_file or "
					 "cert): it would have no effect", moot[i]);
				goto out;
			}
		goto out;
	}
	if (!w->cert_pem) {
		e = yerr(p->msg, p->msglen, p->d, tls, "tls_server_config: missing one of cert or cert_file");
		goto out;
	}
	if (!w->key_pem) {
		e = yerr(p->msg, p->msglen, p->d, tls, "tls_server_config: missing one of key or key_file");
		goto out;
	}
	if ((e = check_key_pair(p, key_at ? key_at : cert_at, w->cert_pem, w->key_pem)))
		goto out;
	if (w->client_ca_pem) {
		if ((e = check_ca(p, ca_at, w->client_ca_pem)))
			goto out;
		if (w->client_auth == WEBCFG_NO_CLIENT_CERT) {
			e = yerr(p->msg, p->msglen, p->d, ca_at,
				 "tls_server_config: a client CA is set but client_auth_type is "
				 "NoClientCert (set client_auth_type, e.g. RequireAndVerifyClientCert)");
			goto out;
		}
	} else if (w->client_auth == WEBCFG_VERIFY_CLIENT_CERT_IF_GIVEN ||
		   w->client_auth == WEBCFG_REQUIRE_AND_VERIFY_CLIENT_CERT) {
		e = yerr(p->msg, p->msglen, p->d, auth_at,
			 "tls_server_config: client_auth_type %s needs client_ca_file (or client_ca) "
			 "to verify client certificates against",
			 client_auth_names[w->client_auth]);
		goto out;
	}
	if (w->nallowed_sans && w->client_auth != WEBCFG_REQUIRE_ANY_CLIENT_CERT &&
	    w->client_auth != WEBCFG_REQUIRE_AND_VERIFY_CLIENT_CERT) {
		e = yerr(p->msg, p->msglen, p->d, ymap_get(tls, "client_allowed_sans"),
			 "tls_server_config.client_allowed_sans requires client_auth_type "
			 "RequireAnyClientCert or RequireAndVerifyClientCert");
		goto out;
	}
	w->tls = 1;
	if ((e = build_priorities(w, curve_list, ncurves)))
		goto out;
	{
		gnutls_priority_t pc;
		const char *errpos = NULL;
		int rc = gnutls_priority_init(&pc, w->priorities, &errpos);
		if (rc < 0) {
			e = yerr(p->msg, p->msglen, p->d, tls,
				 "tls_server_config: GnuTLS rejects the TLS settings (priority '%s' at "
				 "'%s'): %s", w->priorities, errpos ? errpos : "?", gnutls_strerror(rc));
			goto out;
		}
		gnutls_priority_deinit(pc);
	}
out:
	free_str_list(curve_list, ncurves);
	free_str_list(ciphers, nciphers);
	return e;
}

static tw_err parse_http(struct pctx *p, struct webcfg *w, const struct ynode *h)
{
	static const char *const keys[] = { "http2", "headers", NULL };
	const struct ynode *n;
	tw_err e;

	if ((e = ynode_expect(p->d, h, Y_MAP, "http_server_config", p->msg, p->msglen)) ||
	    (e = ymap_check_keys(p->d, h, keys, p->msg, p->msglen)))
		return e;
	if ((n = ymap_get(h, "http2")) && !is_null(n) &&
	    (e = ynode_bool(p->d, n, "http_server_config.http2", &w->http2, p->msg, p->msglen)))
		return e;
	n = ymap_get(h, "headers");
	if (is_null(n))
		return TW_OK;
	if ((e = ynode_expect(p->d, n, Y_MAP, "http_server_config.headers", p->msg, p->msglen)))
		return e;
	w->headers = calloc(n->n ? n->n : 1, sizeof *w->headers);
	if (!w->headers)
		return TW_ERR_NOMEM;
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *k = n->pairs[i].key, *v = n->pairs[i].val;
		const char *val;
		size_t j;
		int ok;
		for (j = 0; j < TW_ARRAY_LEN(allowed_headers); j++)
			if (!strcmp(k->str, allowed_headers[j].name))
				break;
		if (j == TW_ARRAY_LEN(allowed_headers))
			return yerr(p->msg, p->msglen, p->d, k,
				    "http_server_config.headers: HTTP header '%s' can not be configured "
				    "(allowed: Strict-Transport-Security, X-Content-Type-Options, "
				    "X-Frame-Options, X-XSS-Protection, Content-Security-Policy)", k->str);
		if ((e = ynode_str(p->d, v, "http_server_config.headers value", &val, p->msg,
				   p->msglen)))
			return e;
		if (strpbrk(val, "\r\n"))
			return yerr(p->msg, p->msglen, p->d, v,
				    "http_server_config.headers.%s: line breaks are not allowed", k->str);
		ok = allowed_headers[j].values[0] == NULL;
		for (size_t m = 0; allowed_headers[j].values[m]; m++)
			if (!strcmp(val, allowed_headers[j].values[m]))
				ok = 1;
		if (!ok)
			return yerr(p->msg, p->msglen, p->d, v,
				    "http_server_config.headers.%s: expected %s%s%s, got '%s'", k->str,
				    allowed_headers[j].values[0],
				    allowed_headers[j].values[1] ? " or " : "",
				    allowed_headers[j].values[1] ? allowed_headers[j].values[1] : "", val);
		for (size_t m = 0; m < i; m++)
			if (!strcmp(w->headers[m].name, k->str))
				return yerr(p->msg, p->msglen, p->d, k, "duplicate header '%s'", k->str);
		w->headers[i].name = tw_strdup(k->str);
		w->headers[i].value = tw_strdup(val);
		w->nheaders = i + 1;
		if (!w->headers[i].name || !w->headers[i].value)
			return TW_ERR_NOMEM;
	}
	return TW_OK;
}

static tw_err parse_users(struct pctx *p, struct webcfg *w, const struct ynode *u)
{
	tw_err e;
	if (is_null(u))
		return TW_OK;
	if ((e = ynode_expect(p->d, u, Y_MAP, "basic_auth_users", p->msg, p->msglen)))
		return e;
	w->users = calloc(u->n ? u->n : 1, sizeof *w->users);
	if (!w->users)
		return TW_ERR_NOMEM;
	for (size_t i = 0; i < u->n; i++) {
		const struct ynode *k = u->pairs[i].key, *v = u->pairs[i].val;
		const char *hash;
		if (!k->str[0] || strchr(k->str, ':'))
			return yerr(p->msg, p->msglen, p->d, k,
				    "basic_auth_users: user name '%s' is empty or contains ':'", k->str);
		for (size_t m = 0; m < i; m++)
			if (!strcmp(w->users[m].name, k->str))
				return yerr(p->msg, p->msglen, p->d, k, "basic_auth_users: duplicate user '%s'",
					    k->str);
		if ((e = ynode_str(p->d, v, "basic_auth_users value", &hash, p->msg, p->msglen)))
			return e;
		if (!webcfg_is_bcrypt(hash))
			return yerr(p->msg, p->msglen, p->d, v,
				    "basic_auth_users.%s: expected a bcrypt hash ($2y$, $2b$ or $2a$ with "
				    "cost 04-31, 60 characters), e.g. from 'htpasswd -nBC 10 %s'",
				    k->str, k->str);
		w->users[i].name = tw_strdup(k->str);
		w->users[i].hash = tw_strdup(hash);
		w->nusers = i + 1;
		if (!w->users[i].name || !w->users[i].hash)
			return TW_ERR_NOMEM;
	}
	return TW_OK;
}

static tw_err new_priv(struct webcfg *w)
{
	struct webcfg_priv *v = calloc(1, sizeof *v);
	if (!v)
		return TW_ERR_NOMEM;
	w->priv = v;
	atomic_init(&v->refs, 1);
	pthread_mutex_init(&v->mu, NULL);
	pthread_mutex_init(&v->crypt_mu, NULL);
	if (gnutls_rnd(GNUTLS_RND_NONCE, v->salt, sizeof v->salt) < 0)
		return TW_ERR_INTERNAL;
	return TW_OK;
}

static tw_err parse_doc(const struct ydoc *d, const char *path, struct webcfg **out, char *msg,
			size_t msglen)
{
	static const char *const keys[] = { "tls_server_config", "http_server_config",
					    "basic_auth_users", NULL };
	struct webcfg *w;
	struct pctx p = { d, NULL, msg, msglen };
	char *dir;
	const struct ynode *n;
	tw_err e;

	w = calloc(1, sizeof *w);
	dir = dir_of(path);
	if (!w || !dir || (e = new_priv(w)) != TW_OK) {
		free(dir);
		webcfg_destroy(w);
		return tw_seterr(msg, msglen, TW_ERR_NOMEM, "%s: out of memory", path);
	}
	p.dir = dir;
	w->min_version = 12;
	w->max_version = 13;
	w->prefer_server_cipher_suites = 1;
	w->http2 = -1;
	w->file = tw_strdup(path);
	if (!w->file) {
		e = TW_ERR_NOMEM;
		goto out;
	}
	if (!d->root || is_null(d->root)) { /* an empty file: plain HTTP, no auth */
		e = TW_OK;
		goto out;
	}
	if ((e = ynode_expect(d, d->root, Y_MAP, "the web config", msg, msglen)) ||
	    (e = ymap_check_keys(d, d->root, keys, msg, msglen)))
		goto out;
	if ((n = ymap_get(d->root, "tls_server_config")) && !is_null(n) &&
	    (e = parse_tls(&p, w, n)))
		goto out;
	if ((n = ymap_get(d->root, "http_server_config")) && !is_null(n) &&
	    (e = parse_http(&p, w, n)))
		goto out;
	if ((e = parse_users(&p, w, ymap_get(d->root, "basic_auth_users"))))
		goto out;
out:
	free(dir);
	if (e) {
		if (e == TW_ERR_NOMEM)
			tw_seterr(msg, msglen, e, "%s: out of memory", path);
		webcfg_destroy(w);
		return e;
	}
	*out = w;
	return TW_OK;
}

tw_err webcfg_load(const char *path, struct webcfg **out, char *msg, size_t msglen)
{
	struct ydoc *d = NULL;
	tw_err e;
	*out = NULL;
	if ((e = ydoc_load_file(path, &d, msg, msglen)))
		return e;
	e = parse_doc(d, path, out, msg, msglen);
	ydoc_free(d);
	return e;
}

tw_err webcfg_load_string(const char *name, const char *text, size_t len, struct webcfg **out,
			  char *msg, size_t msglen)
{
	struct ydoc *d = NULL;
	tw_err e;
	*out = NULL;
	if (!name)
		name = "<web config>";
	if ((e = ydoc_load_string(name, text, len, &d, msg, msglen)))
		return e;
	e = parse_doc(d, name, out, msg, msglen);
	ydoc_free(d);
	return e;
}

/* ----------------------------------------------------------- comparisons */

static int str_same(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

int webcfg_tls_same(const struct webcfg *a, const struct webcfg *b)
{
	int ta = a && a->tls, tb = b && b->tls;
	if (ta != tb)
		return 0;
	if (!ta)
		return 1;
	if (a->client_auth != b->client_auth || !str_same(a->cert_pem, b->cert_pem) ||
	    !str_same(a->key_pem, b->key_pem) || !str_same(a->client_ca_pem, b->client_ca_pem) ||
	    !str_same(a->priorities, b->priorities) || a->nallowed_sans != b->nallowed_sans)
		return 0;
	for (size_t i = 0; i < a->nallowed_sans; i++)
		if (strcmp(a->allowed_sans[i], b->allowed_sans[i]) != 0)
			return 0;
	return 1;
}

void webcfg_describe(const struct webcfg *w, struct buf *out)
{
	buf_printf(out, "web config %s: ", w->file);
	if (w->tls) {
		buf_printf(out, "TLS on (TLS 1.%u to 1.%u, client auth %s", w->min_version - 10,
			   w->max_version - 10, client_auth_names[w->client_auth]);
		if (w->cert_file)
			buf_printf(out, ", cert_file %s", w->cert_file);
		if (w->client_ca_file)
			buf_printf(out, ", client_ca_file %s", w->client_ca_file);
		if (w->nallowed_sans)
			buf_printf(out, ", %zu allowed client SANs", w->nallowed_sans);
		buf_puts(out, ")");
	} else {
		buf_puts(out, "TLS off");
	}
	if (w->nusers)
		buf_printf(out, ", basic auth for %zu user%s", w->nusers, w->nusers == 1 ? "" : "s");
	else
		buf_puts(out, ", no basic auth");
	if (w->nheaders)
		buf_printf(out, ", %zu extra response header%s", w->nheaders,
			   w->nheaders == 1 ? "" : "s");
	buf_puts(out, "\n");
}

/* ------------------------------------------------------------ basic auth */

int webcfg_is_bcrypt(const char *s)
{
	static const char b64[] =
		"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	int cost;
	if (strlen(s) != 60 || s[0] != '$' || s[1] != '2' ||
	    (s[2] != 'a' && s[2] != 'b' && s[2] != 'y') || s[3] != '$' || s[6] != '$')
		return 0;
	if (s[4] < '0' || s[4] > '9' || s[5] < '0' || s[5] > '9')
		return 0;
	cost = (s[4] - '0') * 10 + (s[5] - '0');
	if (cost < 4 || cost > 31)
		return 0;
	for (size_t i = 7; i < 60; i++)
		if (!strchr(b64, s[i]) || !s[i])
			return 0;
	return 1;
}

static int bcrypt_with(struct crypt_data *cd, const char *password, const char *hash)
{
	const char *r;
	if (!webcfg_is_bcrypt(hash))
		return 0;
	memset(cd, 0, sizeof *cd);
	r = crypt_rn(password, hash, cd, (int)sizeof *cd);
	return r && r[0] == '$' && ct_streq(r, hash);
}

int webcfg_bcrypt_verify(const char *password, const char *hash)
{
	struct crypt_data *cd = malloc(sizeof *cd);
	int ok;
	if (!cd)
		return 0;
	ok = bcrypt_with(cd, password, hash);
	explicit_bzero(cd, sizeof *cd);
	free(cd);
	return ok;
}

int webcfg_auth_required(const struct webcfg *w)
{
	return w && w->nusers > 0;
}

static int cache_key(const struct webcfg *w, const char *user, const char *pass,
		     const char *hash, unsigned char out[SHA256_LEN])
{
	gnutls_hash_hd_t h;
	uint64_t lu = strlen(user), lp = strlen(pass);
	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0)
		return -1;
	gnutls_hash(h, w->priv->salt, sizeof w->priv->salt);
	gnutls_hash(h, &lu, sizeof lu);
	gnutls_hash(h, user, (size_t)lu);
	gnutls_hash(h, &lp, sizeof lp);
	gnutls_hash(h, pass, (size_t)lp);
	gnutls_hash(h, hash, strlen(hash));
	gnutls_hash_deinit(h, out);
	return 0;
}

int webcfg_check_basic(struct webcfg *w, const char *user, const char *pass)
{
	struct webcfg_priv *v;
	unsigned char key[SHA256_LEN];
	const char *hash;
	int idx = -1, ok = 0, have_key;

	if (!webcfg_auth_required(w))
		return 1;
	if (!user || !pass)
		return 0;
	v = w->priv;
	/* Look at every name so the time does not tell which users exist. */
	for (size_t i = 0; i < w->nusers; i++)
		if (ct_streq(w->users[i].name, user) && idx < 0)
			idx = (int)i;
	/* An unknown user costs a bcrypt too (against a real hash; result discarded). */
	hash = w->users[idx >= 0 ? (size_t)idx : 0].hash;
	have_key = cache_key(w, user, pass, hash, key) == 0;

	if (have_key && idx >= 0) {
		int hit = 0;
		pthread_mutex_lock(&v->mu);
		for (size_t i = 0; i < AUTH_CACHE_SLOTS; i++)
			if (v->cache[i].used && ct_memeq(v->cache[i].key, key, SHA256_LEN)) {
				v->cache[i].used = ++v->tick;
				hit = 1;
			}
		if (hit)
			v->cache_hits++;
		pthread_mutex_unlock(&v->mu);
		if (hit)
			return 1;
	}

	pthread_mutex_lock(&v->crypt_mu);
	if (!v->cd)
		v->cd = malloc(sizeof *v->cd);
	if (v->cd)
		ok = bcrypt_with(v->cd, pass, hash);
	pthread_mutex_unlock(&v->crypt_mu);
	if (idx < 0)
		ok = 0;

	pthread_mutex_lock(&v->mu);
	v->bcrypt_runs++;
	if (ok && have_key) {
		size_t victim = 0;
		for (size_t i = 0; i < AUTH_CACHE_SLOTS; i++) {
			if (!v->cache[i].used) {
				victim = i;
				break;
			}
			if (v->cache[i].used < v->cache[victim].used)
				victim = i;
		}
		memcpy(v->cache[victim].key, key, SHA256_LEN);
		v->cache[victim].used = ++v->tick;
	}
	pthread_mutex_unlock(&v->mu);
	explicit_bzero(key, sizeof key);
	return ok;
}

void webcfg_auth_stats(const struct webcfg *w, struct webcfg_auth_stats *out)
{
	memset(out, 0, sizeof *out);
	if (!w)
		return;
	pthread_mutex_lock(&w->priv->mu);
	out->bcrypt_runs = w->priv->bcrypt_runs;
	out->cache_hits = w->priv->cache_hits;
	pthread_mutex_unlock(&w->priv->mu);
}

/* ---------------------------------------------------------- TLS sessions */

void webcfg_tls_session_setup(const struct webcfg *w, void *session)
{
	gnutls_session_t s = session;
	if (!w || !w->tls || !s)
		return;
	switch (w->client_auth) {
	case WEBCFG_NO_CLIENT_CERT:
		gnutls_certificate_server_set_request(s, GNUTLS_CERT_IGNORE);
		break;
	case WEBCFG_REQUEST_CLIENT_CERT:
	case WEBCFG_VERIFY_CLIENT_CERT_IF_GIVEN:
		gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUEST);
		break;
	case WEBCFG_REQUIRE_ANY_CLIENT_CERT:
		gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUIRE);
		break;
	case WEBCFG_REQUIRE_AND_VERIFY_CLIENT_CERT:
		gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUIRE);
		gnutls_session_set_verify_cert(s, NULL, 0);
		break;
	}
}

static int san_allowed(const struct webcfg *w, const char *san, size_t len)
{
	for (size_t i = 0; i < w->nallowed_sans; i++)
		if (strlen(w->allowed_sans[i]) == len && !memcmp(w->allowed_sans[i], san, len))
			return 1;
	return 0;
}

static tw_err check_sans(const struct webcfg *w, const gnutls_datum_t *leaf, char *msg,
			 size_t msglen)
{
	gnutls_x509_crt_t crt;
	int found = 0;
	if (gnutls_x509_crt_init(&crt) < 0)
		return tw_seterr(msg, msglen, TW_ERR_NOMEM, "out of memory");
	if (gnutls_x509_crt_import(crt, leaf, GNUTLS_X509_FMT_DER) < 0) {
		gnutls_x509_crt_deinit(crt);
		return tw_seterr(msg, msglen, TW_ERR_AUTH, "cannot parse the client certificate");
	}
	for (unsigned i = 0; !found; i++) {
		char san[1024], ip[INET6_ADDRSTRLEN];
		size_t sz = sizeof san - 1;
		unsigned crit = 0;
		int t = gnutls_x509_crt_get_subject_alt_name(crt, i, san, &sz, &crit);
		if (t == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (t < 0)
			continue;
		switch (t) {
		case GNUTLS_SAN_DNSNAME:
		case GNUTLS_SAN_RFC822NAME:
		case GNUTLS_SAN_URI:
			found = san_allowed(w, san, sz);
			break;
		case GNUTLS_SAN_IPADDRESS:
			if ((sz == 4 && inet_ntop(AF_INET, san, ip, sizeof ip)) ||
			    (sz == 16 && inet_ntop(AF_INET6, san, ip, sizeof ip)))
				found = san_allowed(w, ip, strlen(ip));
			break;
		default:
			break;
		}
	}
	gnutls_x509_crt_deinit(crt);
	if (!found)
		return tw_seterr(msg, msglen, TW_ERR_AUTH,
				 "the client certificate has none of the allowed SANs");
	return TW_OK;
}

tw_err webcfg_tls_session_check(const struct webcfg *w, void *session, char *msg, size_t msglen)
{
	gnutls_session_t s = session;
	const gnutls_datum_t *peers;
	unsigned npeers = 0, status = 0;
	int verify, rc;

	if (!w || !w->tls || w->client_auth == WEBCFG_NO_CLIENT_CERT ||
	    w->client_auth == WEBCFG_REQUEST_CLIENT_CERT)
		return TW_OK;
	if (!s)
		return tw_seterr(msg, msglen, TW_ERR_AUTH, "not a TLS connection");
	peers = gnutls_certificate_get_peers(s, &npeers);
	if (!peers || npeers == 0) {
		if (w->client_auth == WEBCFG_VERIFY_CLIENT_CERT_IF_GIVEN)
			return TW_OK;
		return tw_seterr(msg, msglen, TW_ERR_AUTH, "a client certificate is required");
	}
	verify = w->client_auth == WEBCFG_VERIFY_CLIENT_CERT_IF_GIVEN ||
		 w->client_auth == WEBCFG_REQUIRE_AND_VERIFY_CLIENT_CERT;
	if (verify) {
		rc = gnutls_certificate_verify_peers2(s, &status);
		if (rc < 0)
			return tw_seterr(msg, msglen, TW_ERR_AUTH,
					 "cannot verify the client certificate: %s",
					 gnutls_strerror(rc));
		if (status != 0) {
			gnutls_datum_t txt = { NULL, 0 };
			if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &txt,
									 0) >= 0 && txt.data) {
				tw_seterr(msg, msglen, TW_ERR_AUTH, "client certificate rejected: %s",
					  (const char *)txt.data);
				gnutls_free(txt.data);
				return TW_ERR_AUTH;
			}
			return tw_seterr(msg, msglen, TW_ERR_AUTH, "client certificate rejected");
		}
	}
	if (w->nallowed_sans)
		return check_sans(w, &peers[0], msg, msglen);
	return TW_OK;
}

/* -------------------------------------------------------- change detection */

static void stamp_one(const char *path, int i, struct webcfg_stamp *out)
{
	struct stat st;
	if (!path || stat(path, &st) != 0)
		return;
	out->f[i].exists = 1;
	out->f[i].dev = st.st_dev;
	out->f[i].ino = st.st_ino;
	out->f[i].size = st.st_size;
	out->f[i].mtime = st.st_mtim;
	out->f[i].ctime = st.st_ctim;
}

void webcfg_stamp_get(const char *path, const struct webcfg *w, struct webcfg_stamp *out)
{
	memset(out, 0, sizeof *out);
	stamp_one(path, 0, out);
	if (w) {
		stamp_one(w->cert_file, 1, out);
		stamp_one(w->key_file, 2, out);
		stamp_one(w->client_ca_file, 3, out);
	}
}

int webcfg_stamp_equal(const struct webcfg_stamp *a, const struct webcfg_stamp *b)
{
	for (size_t i = 0; i < TW_ARRAY_LEN(a->f); i++) {
		if (a->f[i].exists != b->f[i].exists)
			return 0;
		if (!a->f[i].exists)
			continue;
		if (a->f[i].dev != b->f[i].dev || a->f[i].ino != b->f[i].ino ||
		    a->f[i].size != b->f[i].size || a->f[i].mtime.tv_sec != b->f[i].mtime.tv_sec ||
		    a->f[i].mtime.tv_nsec != b->f[i].mtime.tv_nsec ||
		    a->f[i].ctime.tv_sec != b->f[i].ctime.tv_sec ||
		    a->f[i].ctime.tv_nsec != b->f[i].ctime.tv_nsec)
			return 0;
	}
	return 1;
}
