/* test_webcfg.c: unit tests for the web config (src/webcfg.c): good and bad
 * exporter-toolkit files with file:line:col errors, bcrypt verification, the
 * verified-password cache, TLS change detection.
 *
 * Certificates and keys are made at test time with GnuTLS in a fresh
 * mkdtemp() directory (nothing private is committed); bcrypt hashes are made
 * with libcrypt's crypt_gensalt_rn/crypt_rn, and two published bcrypt test
 * vectors check the verifier against an outside reference. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <crypt.h>
#include <dirent.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "webcfg.h"

struct env {
	char dir[256];
	char path[512];   /* the web config, dir/w.yml */
	char msg[1024];
	char hash[CRYPT_OUTPUT_SIZE];   /* bcrypt of "s3cret", cost 4 */
};

/* ---- fixtures made at run time ---- */

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char p[600];
	FILE *f;
	snprintf(p, sizeof p, "%s/%s", dir, name);
	f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* A P-256 key and a certificate for it, signed by issuer (NULL: self-signed). */
static void make_cert(const char *dir, const char *base, const char *cn, int is_ca,
		      gnutls_x509_crt_t issuer, gnutls_x509_privkey_t issuer_key,
		      gnutls_x509_crt_t *crt_out, gnutls_x509_privkey_t *key_out)
{
	gnutls_x509_crt_t crt;
	gnutls_x509_privkey_t key;
	gnutls_datum_t pem;
	unsigned char serial[8];
	char name[300];
	time_t now = time(NULL);

	assert_int_equal(gnutls_x509_privkey_init(&key), 0);
	assert_int_equal(gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
						      GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0),
			 0);
	assert_int_equal(gnutls_x509_crt_init(&crt), 0);
	assert_int_equal(gnutls_x509_crt_set_version(crt, 3), 0);
	assert_int_equal(gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial), 0);
	serial[0] &= 0x7f;
	assert_int_equal(gnutls_x509_crt_set_serial(crt, serial, sizeof serial), 0);
	assert_int_equal(gnutls_x509_crt_set_activation_time(crt, now - 60), 0);
	assert_int_equal(gnutls_x509_crt_set_expiration_time(crt, now + 3600), 0);
	assert_int_equal(gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
						       (unsigned)strlen(cn)), 0);
	assert_int_equal(gnutls_x509_crt_set_key(crt, key), 0);
	assert_int_equal(gnutls_x509_crt_set_basic_constraints(crt, is_ca, -1), 0);
	assert_int_equal(gnutls_x509_crt_set_key_usage(crt, is_ca ? GNUTLS_KEY_KEY_CERT_SIGN
								  : GNUTLS_KEY_DIGITAL_SIGNATURE),
			 0);
	assert_int_equal(gnutls_x509_crt_sign2(crt, issuer ? issuer : crt,
					       issuer_key ? issuer_key : key, GNUTLS_DIG_SHA256, 0),
			 0);
	assert_int_equal(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &pem), 0);
	snprintf(name, sizeof name, "%s.crt", base);
	write_file(dir, name, pem.data, pem.size);
	gnutls_free(pem.data);
	assert_int_equal(gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &pem), 0);
	snprintf(name, sizeof name, "%s.key", base);
	write_file(dir, name, pem.data, pem.size);
	gnutls_free(pem.data);
	if (crt_out)
		*crt_out = crt;
	else
		gnutls_x509_crt_deinit(crt);
	if (key_out)
		*key_out = key;
	else
		gnutls_x509_privkey_deinit(key);
}

static void make_hash(const char *prefix, const char *password, char *out, size_t outlen)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = calloc(1, sizeof *cd);
	const char *r;
	assert_non_null(cd);
	assert_non_null(crypt_gensalt_rn(prefix, 4, NULL, 0, salt, (int)sizeof salt));
	r = crypt_rn(password, salt, cd, (int)sizeof *cd);
	assert_non_null(r);
	assert_true(strlen(r) < outlen);
	snprintf(out, outlen, "%s", r);
	free(cd);
}

static int setup(void **state)
{
	struct env *v = calloc(1, sizeof *v);
	const char *tmp = getenv("TMPDIR");
	gnutls_x509_crt_t ca;
	gnutls_x509_privkey_t cakey;
	if (!v)
		return -1;
	snprintf(v->dir, sizeof v->dir, "%s/test_webcfg.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(v->dir)) {
		free(v);
		return -1;
	}
	snprintf(v->path, sizeof v->path, "%s/w.yml", v->dir);
	make_cert(v->dir, "ca", "thinwatch test CA", 1, NULL, NULL, &ca, &cakey);
	make_cert(v->dir, "server", "localhost", 0, ca, cakey, NULL, NULL);
	make_cert(v->dir, "other", "someone else", 0, ca, cakey, NULL, NULL);
	gnutls_x509_crt_deinit(ca);
	gnutls_x509_privkey_deinit(cakey);
	make_hash("$2b$", "s3cret", v->hash, sizeof v->hash);
	*state = v;
	return 0;
}

static int teardown(void **state)
{
	struct env *v = *state;
	DIR *dh = opendir(v->dir);
	struct dirent *de;
	char p[600];
	while (dh && (de = readdir(dh))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof p, "%s/%s", v->dir, de->d_name);
		unlink(p);
	}
	if (dh)
		closedir(dh);
	rmdir(v->dir);
	free(v);
	return 0;
}

static struct webcfg *load_ok(struct env *v, const char *yaml)
{
	struct webcfg *w = NULL;
	tw_err e;
	write_file(v->dir, "w.yml", yaml, strlen(yaml));
	v->msg[0] = '\0';
	e = webcfg_load(v->path, &w, v->msg, sizeof v->msg);
	if (e)
		print_error("unexpected error: %s\n", v->msg);
	assert_int_equal(e, TW_OK);
	assert_non_null(w);
	return w;
}

/* Load yaml, expect failure with "PATH:line:col: " and phrase in the message. */
static void load_bad(struct env *v, const char *yaml, int line, int col, const char *phrase)
{
	struct webcfg *w = NULL;
	char prefix[600];
	tw_err e;
	write_file(v->dir, "w.yml", yaml, strlen(yaml));
	v->msg[0] = '\0';
	e = webcfg_load(v->path, &w, v->msg, sizeof v->msg);
	if (e == TW_OK)
		print_error("expected an error for:\n%s", yaml);
	assert_int_not_equal(e, TW_OK);
	assert_null(w);
	if (line)
		snprintf(prefix, sizeof prefix, "%s:%d:%d: ", v->path, line, col);
	else
		snprintf(prefix, sizeof prefix, "%s", v->path);
	if (strncmp(v->msg, prefix, strlen(prefix)) != 0 || !strstr(v->msg, phrase)) {
		print_error("expected prefix '%s' and phrase '%s'\n     got '%s'\n", prefix, phrase,
			    v->msg);
		fail();
	}
}

/* ---- good files ---- */

static void test_empty_file(void **state)
{
	struct env *v = *state;
	struct webcfg *w = load_ok(v, "");
	assert_int_equal(w->tls, 0);
	assert_int_equal(webcfg_auth_required(w), 0);
	assert_int_equal(webcfg_check_basic(w, NULL, NULL), 1);
	assert_int_equal(webcfg_tls_same(w, NULL), 1);
	webcfg_unref(w);
	w = load_ok(v, "# comments only\ntls_server_config:\nbasic_auth_users: {}\n");
	assert_int_equal(w->tls, 0);
	assert_int_equal(w->nusers, 0);
	webcfg_unref(w);
}

static void test_full_file(void **state)
{
	struct env *v = *state;
	char yaml[2048], ca_abs[600];
	struct webcfg *w, *w2;
	struct buf b;

	snprintf(ca_abs, sizeof ca_abs, "%s/ca.crt", v->dir);
	snprintf(yaml, sizeof yaml,
		 "tls_server_config:\n"
		 "  cert_file: server.crt\n"            /* relative: next to w.yml */
		 "  key_file: server.key\n"
		 "  client_auth_type: RequireAndVerifyClientCert\n"
		 "  client_ca_file: %s\n"               /* absolute */
		 "  client_allowed_sans: [scraper.example, 127.0.0.1]\n"
		 "  min_version: TLS13\n"
		 "  max_version: TLS13\n"
		 "  cipher_suites: []\n"
		 "  curve_preferences: [X25519, CurveP256]\n"
		 "  prefer_server_cipher_suites: false\n"
		 "http_server_config:\n"
		 "  http2: false\n"
		 "  headers:\n"
		 "    X-Frame-Options: deny\n"
		 "    Strict-Transport-Security: max-age=31536000\n"
		 "basic_auth_users:\n"
		 "  alice: %s\n"
		 "  bob: '%s'\n",
		 ca_abs, v->hash, v->hash);
	w = load_ok(v, yaml);
	assert_int_equal(w->tls, 1);
	assert_int_equal(w->client_auth, WEBCFG_REQUIRE_AND_VERIFY_CLIENT_CERT);
	assert_non_null(w->cert_file);
	assert_non_null(strstr(w->cert_file, v->dir));
	assert_string_equal(strrchr(w->cert_file, '/'), "/server.crt");
	assert_string_equal(w->client_ca_file, ca_abs);
	assert_non_null(strstr(w->cert_pem, "BEGIN CERTIFICATE"));
	assert_non_null(strstr(w->key_pem, "PRIVATE KEY"));
	assert_non_null(strstr(w->client_ca_pem, "BEGIN CERTIFICATE"));
	assert_int_equal(w->min_version, 13);
	assert_int_equal(w->max_version, 13);
	assert_non_null(strstr(w->priorities, "+VERS-TLS1.3"));
	assert_null(strstr(w->priorities, "+VERS-TLS1.2"));
	assert_null(strstr(w->priorities, "%SERVER_PRECEDENCE"));
	assert_non_null(strstr(w->priorities, "-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1"));
	assert_int_equal(w->nallowed_sans, 2);
	assert_int_equal(w->http2, 0);
	assert_int_equal(w->nheaders, 2);
	assert_string_equal(w->headers[0].name, "X-Frame-Options");
	assert_string_equal(w->headers[0].value, "deny");
	assert_int_equal(w->nusers, 2);
	assert_int_equal(webcfg_auth_required(w), 1);

	/* The summary names what matters and never a hash or key. */
	buf_init(&b, 0);
	webcfg_describe(w, &b);
	assert_non_null(strstr(b.data, "RequireAndVerifyClientCert"));
	assert_non_null(strstr(b.data, "2 users"));
	assert_null(strstr(b.data, v->hash));
	assert_null(strstr(b.data, "PRIVATE"));
	buf_free(&b);

	/* Same TLS material: same listener; other min_version: a new one. */
	w2 = load_ok(v, yaml);
	assert_int_equal(webcfg_tls_same(w, w2), 1);
	webcfg_unref(w2);
	{
		char *p = strstr(yaml, "scraper.example");
		assert_non_null(p);
		p[0] = 'S'; /* another allowed SAN: the listener checks SANs, so not the same */
		w2 = load_ok(v, yaml);
		assert_int_equal(webcfg_tls_same(w, w2), 0);
		webcfg_unref(w2);
	}
	w2 = load_ok(v, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n");
	assert_int_equal(webcfg_tls_same(w, w2), 0);
	assert_int_equal(w2->min_version, 12);
	assert_int_equal(w2->max_version, 13);
	assert_non_null(strstr(w2->priorities, "+VERS-TLS1.3:+VERS-TLS1.2"));
	assert_non_null(strstr(w2->priorities, "%SERVER_PRECEDENCE"));
	assert_int_equal(webcfg_tls_same(w2, NULL), 0);
	/* References: the last unref frees (checked by valgrind/ASan runs). */
	assert_ptr_equal(webcfg_ref(w2), w2);
	webcfg_unref(w2);
	webcfg_unref(w2);
	webcfg_unref(w);
	webcfg_unref(NULL);
}

static void test_inline_pem_and_aliases(void **state)
{
	struct env *v = *state;
	struct webcfg *w;
	struct buf y;
	char p[600], *pem;
	FILE *f;
	long n;

	snprintf(p, sizeof p, "%s/server.crt", v->dir);
	f = fopen(p, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	pem = calloc(1, (size_t)n + 1);
	assert_non_null(pem);
	assert_int_equal(fread(pem, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	/* Inline cert as a YAML block scalar; "RequireClientCert" is the toolkit's old name. */
	buf_init(&y, 0);
	buf_puts(&y, "tls_server_config:\n  key_file: server.key\n"
		     "  client_auth_type: RequireClientCert\n  cert: |\n");
	for (char *line = strtok(pem, "\n"); line; line = strtok(NULL, "\n"))
		buf_printf(&y, "    %s\n", line);
	w = load_ok(v, y.data);
	assert_int_equal(w->tls, 1);
	assert_null(w->cert_file);
	assert_int_equal(w->client_auth, WEBCFG_REQUIRE_ANY_CLIENT_CERT);
	webcfg_unref(w);
	buf_free(&y);
	free(pem);
}

/* ---- bad files: every error names file:line:col ---- */

static void test_bad_files(void **state)
{
	struct env *v = *state;
	char yaml[1024];

	load_bad(v, "tls_config: {}\n", 1, 1, "unknown key 'tls_config'");
	load_bad(v, "tls_server_config:\n  cert_file: server.crt\n  keyfile: server.key\n", 3, 3,
		 "unknown key 'keyfile'");
	load_bad(v, "http_server_config:\n  http3: true\n", 2, 3, "unknown key 'http3'");
	load_bad(v, "tls_server_config: [a]\n", 1, 20, "tls_server_config");
	load_bad(v, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
		    "  client_auth_type: RequireSomething\n", 4, 21, "RequireAndVerifyClientCert");
	load_bad(v, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
		    "  min_version: TLS1.2\n", 4, 16, "expected one of TLS10, TLS11, TLS12, TLS13");
	load_bad(v, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
		    "  min_version: TLS13\n  max_version: TLS12\n", 4, 16, "above max_version");
	load_bad(v, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
		    "  cipher_suites: [TLS_AES_128_GCM_SHA256]\n", 4, 18, "not supported");
	load_bad(v, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
		    "  curve_preferences: [X25519, CurveP999]\n", 4, 31, "unsupported curve 'CurveP999'");
	load_bad(v, "tls_server_config:\n  cert_file: server.crt\n", 2, 3,
		 "missing one of key or key_file");
	load_bad(v, "tls_server_config:\n  key_file: server.key\n", 2, 3,
		 "missing one of cert or cert_file");
	load_bad(v, "tls_server_config:\n  cert_file: nosuch.crt\n  key_file: server.key\n", 2, 14,
		 "cannot read");
	load_bad(v, "tls_server_config:\n  cert_file: ''\n  key_file: server.key\n", 2, 14,
		 "empty file name");
	/* A key that is not the certificate's. */
	load_bad(v, "tls_server_config:\n  cert_file: server.crt\n  key_file: other.key\n", 3, 13,
		 "cannot use the certificate and key");
	/* A key file that is not a key at all. */
	load_bad(v, "tls_server_config:\n  cert_file: server.crt\n  key_file: w.yml\n", 3, 13,
		 "cannot use the certificate and key");
	load_bad(v, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
		    "  client_ca_file: ca.crt\n", 4, 19, "NoClientCert");
	load_bad(v, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
		    "  client_ca_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n",
		 4, 19, "client CA");
	load_bad(v, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
		    "  client_auth_type: RequireAndVerifyClientCert\n", 4, 21, "needs client_ca_file");
	load_bad(v, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
		    "  client_ca_file: ca.crt\n  client_auth_type: VerifyClientCertIfGiven\n"
		    "  client_allowed_sans: [x]\n", 6, 24, "client_allowed_sans requires");
	load_bad(v, "tls_server_config:\n  cert_file: server.crt\n  cert: inline\n"
		    "  key_file: server.key\n", 3, 9, "not both");
	/* Settings that would do nothing without TLS are refused, not ignored. */
	load_bad(v, "tls_server_config:\n  min_version: TLS13\n", 2, 16, "TLS is off");
	load_bad(v, "http_server_config:\n  headers:\n    X-Powered-By: thinwatch\n", 3, 5,
		 "can not be configured");
	load_bad(v, "http_server_config:\n  headers:\n    X-Frame-Options: allow\n", 3, 22,
		 "expected deny or sameorigin");
	load_bad(v, "http_server_config:\n  http2: maybe\n", 2, 10, "expected true or false");
	load_bad(v, "basic_auth_users:\n  alice: plaintext\n", 2, 10, "expected a bcrypt hash");
	load_bad(v, "basic_auth_users:\n  alice: $1$abcdefgh$abcdefghijklmnopqrstuv\n", 2, 10,
		 "expected a bcrypt hash");
	snprintf(yaml, sizeof yaml, "basic_auth_users:\n  'a:b': %s\n", v->hash);
	load_bad(v, yaml, 2, 3, "contains ':'");
	snprintf(yaml, sizeof yaml, "basic_auth_users:\n  - alice: %s\n", v->hash);
	load_bad(v, yaml, 2, 3, "basic_auth_users");
	load_bad(v, "tls_server_config:\n  cert_file: [server.crt\n", 3, 1, "");
	/* A missing web config file: an error naming it. */
	{
		struct webcfg *w = NULL;
		char p[600];
		snprintf(p, sizeof p, "%s/absent.yml", v->dir);
		assert_int_not_equal(webcfg_load(p, &w, v->msg, sizeof v->msg), TW_OK);
		assert_null(w);
		assert_non_null(strstr(v->msg, "absent.yml"));
	}
}

/* ---- bcrypt ---- */

static void test_bcrypt_verify(void **state)
{
	struct env *v = *state;
	char h[CRYPT_OUTPUT_SIZE];

	assert_int_equal(webcfg_is_bcrypt(v->hash), 1);
	assert_int_equal(webcfg_bcrypt_verify("s3cret", v->hash), 1);
	assert_int_equal(webcfg_bcrypt_verify("s3cret ", v->hash), 0);
	assert_int_equal(webcfg_bcrypt_verify("", v->hash), 0);
	assert_int_equal(webcfg_bcrypt_verify("S3cret", v->hash), 0);
	/* htpasswd -B writes $2y$, Python bcrypt $2b$, old tools $2a$: all verify. */
	make_hash("$2y$", "pässword", h, sizeof h);
	assert_int_equal(strncmp(h, "$2y$04$", 7), 0);
	assert_int_equal(webcfg_bcrypt_verify("pässword", h), 1);
	assert_int_equal(webcfg_bcrypt_verify("password", h), 0);
	make_hash("$2a$", "x", h, sizeof h);
	assert_int_equal(webcfg_bcrypt_verify("x", h), 1);
	/* Published test vectors (OpenBSD / Openwall crypt_blowfish). */
	assert_int_equal(webcfg_bcrypt_verify(
		"U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"), 1);
	assert_int_equal(webcfg_bcrypt_verify(
		"U*U*", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK"), 1);
	assert_int_equal(webcfg_bcrypt_verify(
		"U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK"), 0);
	/* Malformed hashes never verify (and never crash). */
	assert_int_equal(webcfg_is_bcrypt("$2b$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"),
			 0);
	assert_int_equal(webcfg_is_bcrypt("$2b$10$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe"),
			 0);
	assert_int_equal(webcfg_is_bcrypt("$2x$10$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"),
			 0);
	assert_int_equal(webcfg_bcrypt_verify("U*U", "$2a$05$short"), 0);
	assert_int_equal(webcfg_bcrypt_verify("U*U", ""), 0);
}

static void test_basic_auth_cache(void **state)
{
	struct env *v = *state;
	struct webcfg_auth_stats st;
	struct webcfg *w;
	struct buf y;

	buf_init(&y, 0);
	buf_printf(&y, "basic_auth_users:\n  alice: %s\n  bob: %s\n", v->hash, v->hash);
	/* 40 more users with the same password: more successes than cache slots. */
	for (int i = 0; i < 40; i++)
		buf_printf(&y, "  u%02d: %s\n", i, v->hash);
	w = load_ok(v, y.data);
	buf_free(&y);

	assert_int_equal(webcfg_check_basic(w, "alice", "s3cret"), 1);
	webcfg_auth_stats(w, &st);
	assert_int_equal(st.bcrypt_runs, 1);
	assert_int_equal(st.cache_hits, 0);
	/* The same pair again: answered from the cache, no bcrypt. */
	for (int i = 0; i < 5; i++)
		assert_int_equal(webcfg_check_basic(w, "alice", "s3cret"), 1);
	webcfg_auth_stats(w, &st);
	assert_int_equal(st.bcrypt_runs, 1);
	assert_int_equal(st.cache_hits, 5);
	/* A wrong password for a cached user is checked (and not cached). */
	assert_int_equal(webcfg_check_basic(w, "alice", "s3cret!"), 0);
	assert_int_equal(webcfg_check_basic(w, "alice", "s3cret!"), 0);
	assert_int_equal(webcfg_check_basic(w, "alice", ""), 0);
	webcfg_auth_stats(w, &st);
	assert_int_equal(st.bcrypt_runs, 4);
	/* Another user with the same password is a different pair. */
	assert_int_equal(webcfg_check_basic(w, "bob", "s3cret"), 1);
	webcfg_auth_stats(w, &st);
	assert_int_equal(st.bcrypt_runs, 5);
	/* Unknown users fail, after paying a bcrypt like everyone else. */
	assert_int_equal(webcfg_check_basic(w, "mallory", "s3cret"), 0);
	assert_int_equal(webcfg_check_basic(w, "Alice", "s3cret"), 0);
	assert_int_equal(webcfg_check_basic(w, "alic", "s3cret"), 0);
	webcfg_auth_stats(w, &st);
	assert_int_equal(st.bcrypt_runs, 8);
	assert_int_equal(webcfg_check_basic(w, NULL, "s3cret"), 0);
	assert_int_equal(webcfg_check_basic(w, "alice", NULL), 0);
	/* The cache is bounded: 40 other good pairs push alice out. */
	for (int i = 0; i < 40; i++) {
		char u[8];
		snprintf(u, sizeof u, "u%02d", i);
		assert_int_equal(webcfg_check_basic(w, u, "s3cret"), 1);
	}
	webcfg_auth_stats(w, &st);
	assert_int_equal(st.bcrypt_runs, 48);
	assert_int_equal(webcfg_check_basic(w, "alice", "s3cret"), 1);
	webcfg_auth_stats(w, &st);
	assert_int_equal(st.bcrypt_runs, 49);
	/* ... and the most recent ones are still there. */
	assert_int_equal(webcfg_check_basic(w, "u39", "s3cret"), 1);
	webcfg_auth_stats(w, &st);
	assert_int_equal(st.bcrypt_runs, 49);
	webcfg_unref(w);
}

/* ---- change detection ---- */

static void test_stamp(void **state)
{
	struct env *v = *state;
	struct webcfg_stamp a, b;
	struct webcfg *w = load_ok(v, "tls_server_config:\n  cert_file: server.crt\n"
				      "  key_file: server.key\n");
	char p[600], q[600];

	webcfg_stamp_get(v->path, w, &a);
	webcfg_stamp_get(v->path, w, &b);
	assert_int_equal(webcfg_stamp_equal(&a, &b), 1);
	/* Replacing the certificate (a new inode, as cert managers do) is seen. */
	snprintf(p, sizeof p, "%s/other.crt", v->dir);
	snprintf(q, sizeof q, "%s/server.crt", v->dir);
	assert_int_equal(rename(p, q), 0);
	webcfg_stamp_get(v->path, w, &b);
	assert_int_equal(webcfg_stamp_equal(&a, &b), 0);
	/* So is a missing key file. */
	webcfg_stamp_get(v->path, w, &a);
	snprintf(p, sizeof p, "%s/server.key", v->dir);
	assert_int_equal(unlink(p), 0);
	webcfg_stamp_get(v->path, w, &b);
	assert_int_equal(webcfg_stamp_equal(&a, &b), 0);
	webcfg_unref(w);
	/* Without a config only the file itself counts. */
	webcfg_stamp_get(v->path, NULL, &a);
	assert_int_equal(a.f[0].exists, 1);
	assert_int_equal(a.f[1].exists, 0);
}

static void test_session_check_without_tls(void **state)
{
	struct env *v = *state;
	struct webcfg *w = load_ok(v, "basic_auth_users: {}\n");
	char msg[200];
	assert_int_equal(webcfg_tls_session_check(w, NULL, msg, sizeof msg), TW_OK);
	assert_int_equal(webcfg_tls_session_check(NULL, NULL, msg, sizeof msg), TW_OK);
	webcfg_tls_session_setup(w, NULL);
	webcfg_unref(w);
	w = load_ok(v, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
		       "  client_auth_type: RequireAnyClientCert\n");
	assert_int_equal(webcfg_tls_session_check(w, NULL, msg, sizeof msg), TW_ERR_AUTH);
	webcfg_unref(w);
}

static void test_load_string(void **state)
{
	struct env *v = *state;
	struct webcfg *w = NULL;
	char name[600];
	static const char text[] = "tls_server_config:\n  cert_file: server.crt\n"
				   "  key_file: server.key\n";
	snprintf(name, sizeof name, "%s/virtual.yml", v->dir);
	assert_int_equal(webcfg_load_string(name, text, strlen(text), &w, v->msg, sizeof v->msg),
			 TW_OK);
	assert_int_equal(w->tls, 1);
	webcfg_unref(w);
	assert_int_not_equal(webcfg_load_string(NULL, "a: [", 4, &w, v->msg, sizeof v->msg),
			     TW_OK);
	assert_null(w);
	assert_non_null(strstr(v->msg, "<web config>:"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inline_pem_and_aliases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bcrypt_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_basic_auth_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stamp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_check_without_tls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_string, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
