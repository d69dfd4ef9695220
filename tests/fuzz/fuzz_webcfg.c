/* fuzz_webcfg.c: libFuzzer target for the --web.config.file parser
 * (src/webcfg.c, webcfg_load_string), as if the file were
 * $TMP/web.yml.  A private temporary directory holds what a config may name:
 * cert.pem with its key key.pem (a fresh P-256 self-signed certificate, made
 * with GnuTLS at start-up, so nothing private is committed), ca.pem (the
 * same certificate) and other.key (a key that does not match).  Inputs whose
 * *_file names contain '/' are skipped, so the parser only ever opens files
 * in that directory.  Invariants: the summary never shows a bcrypt hash or
 * key material; a config is TLS-equal to itself; with cheap hashes (cost
 * <= 5) basic-auth checks run (and cache) without trouble. */
#include "config.h"
#include "fuzz.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "webcfg.h"
#include "ytree.h"

static char web_name[600];
static char key_snippet[41]; /* from the middle of key.pem: must never be shown */

static void write_datum(const char *name, const gnutls_datum_t *d)
{
	char *s = malloc(d->size + 1);
	if (!s)
		fuzz_fail("out of memory");
	memcpy(s, d->data, d->size);
	s[d->size] = '\0';
	fuzz_write_file(name, s, 0600);
	free(s);
}

static void make_key(const char *name, gnutls_x509_privkey_t *out)
{
	gnutls_datum_t pem;
	if (gnutls_x509_privkey_init(out) ||
	    gnutls_x509_privkey_generate(*out, GNUTLS_PK_ECDSA,
					 GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) ||
	    gnutls_x509_privkey_export2(*out, GNUTLS_X509_FMT_PEM, &pem))
		fuzz_fail("cannot make a key");
	write_datum(name, &pem);
	gnutls_free(pem.data);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	gnutls_x509_privkey_t key, other;
	gnutls_x509_crt_t crt;
	gnutls_datum_t pem;
	unsigned char serial[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	time_t now = time(NULL);

	(void)argc;
	(void)argv;
	make_key("key.pem", &key);
	{
		gnutls_datum_t k;
		if (gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &k) || k.size < 100)
			fuzz_fail("cannot export the key");
		memcpy(key_snippet, k.data + 40, sizeof key_snippet - 1);
		gnutls_free(k.data);
	}
	make_key("other.key", &other);
	if (gnutls_x509_crt_init(&crt) || gnutls_x509_crt_set_version(crt, 3) ||
	    gnutls_x509_crt_set_serial(crt, serial, sizeof serial) ||
	    gnutls_x509_crt_set_activation_time(crt, now - 60) ||
	    gnutls_x509_crt_set_expiration_time(crt, now + 86400) ||
	    gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "localhost", 9) ||
	    gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "localhost", 9,
						 GNUTLS_FSAN_SET) ||
	    gnutls_x509_crt_set_key(crt, key) || gnutls_x509_crt_set_basic_constraints(crt, 1, -1) ||
	    gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0) ||
	    gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &pem))
		fuzz_fail("cannot make a certificate");
	write_datum("cert.pem", &pem);
	write_datum("ca.pem", &pem);
	gnutls_free(pem.data);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
	gnutls_x509_privkey_deinit(other);
	snprintf(web_name, sizeof web_name, "%s/web.yml", fuzz_tmpdir());
	return 0;
}

/* 1 if some *_file value under any tls_server_config names a path with '/'. */
static int names_outside_paths(const uint8_t *data, size_t size)
{
	struct ydoc *d = NULL;
	char msg[256];
	int bad = 0;
	if (ydoc_load_string("f", (const char *)data, size, &d, msg, sizeof msg) != TW_OK)
		return 0; /* the parser will refuse it too */
	if (d->root && d->root->type == Y_MAP) {
		for (size_t i = 0; i < d->root->n; i++) {
			const struct ynode *k = d->root->pairs[i].key, *v = d->root->pairs[i].val;
			if (k->type != Y_SCALAR || strcmp(k->str, "tls_server_config") ||
			    v->type != Y_MAP)
				continue;
			for (size_t j = 0; j < v->n; j++) {
				const struct ynode *fk = v->pairs[j].key, *fv = v->pairs[j].val;
				if (fk->type == Y_SCALAR && strstr(fk->str, "_file") &&
				    fv->type == Y_SCALAR && strchr(fv->str, '/'))
					bad = 1;
			}
		}
	}
	ydoc_free(d);
	return bad;
}

static int has(const char *field, const char *s)
{
	return field && strstr(field, s);
}

/* 1 if s is inside a field the summary may show (the input can put a hash
 * in a header value or a user name too, with aliases even the same one). */
static int shown_elsewhere(const struct webcfg *w, const char *s)
{
	int r = has(w->file, s) || has(w->cert_file, s) || has(w->key_file, s) ||
		has(w->client_ca_file, s) || has(w->priorities, s);
	for (size_t i = 0; i < w->nusers; i++)
		r |= has(w->users[i].name, s);
	for (size_t i = 0; i < w->nheaders; i++)
		r |= has(w->headers[i].name, s) || has(w->headers[i].value, s);
	for (size_t i = 0; i < w->nallowed_sans; i++)
		r |= has(w->allowed_sans[i], s);
	return r;
}

static int cheap_hashes(const struct webcfg *w)
{
	for (size_t i = 0; i < w->nusers; i++) {
		const char *h = w->users[i].hash;
		if (!h || strlen(h) < 7 || h[4] != '0' || h[5] > '5')
			return 0;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct webcfg *w = NULL;
	char msg[1024];
	struct buf b;
	int in_input;
	tw_err e;

	if (!web_name[0])
		LLVMFuzzerInitialize(NULL, NULL);
	if (names_outside_paths(data, size))
		return 0;
	msg[0] = '\0';
	e = webcfg_load_string(web_name, (const char *)data, size, &w, msg, sizeof msg);
	if (!memchr(msg, '\0', sizeof msg))
		fuzz_fail("message not terminated");
	/* (libFuzzer learns the snippet from these very strstr calls: an input
	 * that holds it may well see it quoted back) */
	in_input = memmem(data, size, key_snippet, strlen(key_snippet)) != NULL;
	if (!in_input && strstr(msg, key_snippet))
		fuzz_fail("error message shows key material");
	if (e) {
		if (w)
			fuzz_fail("load failed but set *out");
		return 0;
	}
	buf_init(&b, 0);
	webcfg_describe(w, &b);
	if (!in_input && b.data && strstr(b.data, key_snippet))
		fuzz_fail("summary shows key material");
	for (size_t i = 0; i < w->nusers && b.data; i++)
		if (strstr(b.data, w->users[i].hash) && !shown_elsewhere(w, w->users[i].hash))
			fuzz_fail("summary shows the bcrypt hash of user %zu", i);
	buf_free(&b);
	if (!webcfg_tls_same(w, w))
		fuzz_fail("config not TLS-equal to itself");
	if (!webcfg_auth_required(w) != !w->nusers)
		fuzz_fail("auth_required disagrees with the user list");
	if (cheap_hashes(w) && w->nusers <= 4) {
		struct webcfg *r = webcfg_ref(w);
		(void)webcfg_check_basic(w, w->nusers ? w->users[0].name : "u", "password");
		(void)webcfg_check_basic(w, "nobody", "");
		webcfg_unref(r);
	}
	webcfg_unref(w);
	return 0;
}
