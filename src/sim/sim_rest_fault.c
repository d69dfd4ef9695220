/* sim_rest_fault.c: how the simulator's REST arrays act out their fault
 * personalities (sim_fault.h): answers made up in place of the vendor's
 * (HTTP 5xx/429, a redirect, malformed JSON), bends of the vendor's real
 * answer (cut in half, numbers as strings, invalid UTF-8), bodies streamed
 * by a reader callback so that none of them is ever held in memory (100 MiB,
 * never-ending, slow drip, deeply nested), and the certificate for the
 * wrong name.  The core (sim_rest.c) decides when; this file only shapes
 * the bytes. */
#include "config.h"
#include "sim/sim_rest_int.h"
#include "buf.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DRIP_DEFAULT_MS 100u
#define ENDLESS_DEFAULT_MS 10u
#define ENDLESS_CHUNK 1024
#define WRONG_NAME "wrong-name.invalid"

/* ---- answers made up in place of the vendor's ------------------------------ */

int sr_fault_before(const struct sim_fault *f, const struct sr_req *rq, const char *self,
		    struct sr_resp *rs)
{
	char num[32];
	switch (f->type) {
	case SIM_FAULT_HTTP500:
	case SIM_FAULT_HTTP503:
	case SIM_FAULT_HTTP429: {
		unsigned st = f->type == SIM_FAULT_HTTP500 ? 500 : f->type == SIM_FAULT_HTTP503 ? 503
											    : 429;
		char text[96];
		snprintf(text, sizeof text, "simulated HTTP %u (thinwatch-sim fault %s)", st,
			 sim_fault_name(f->type));
		sr_json(rs, st, json_pack("{s:{s:s,s:s}}", "error", "message", text, "code", "sim"));
		if (st != 500 && f->retry_after) {
			snprintf(num, sizeof num, "%u", f->retry_after);
			sr_header_add(rs, "Retry-After", num);
		}
		return 1;
	}
	case SIM_FAULT_REDIRECT: {
		struct buf loc;
		buf_init(&loc, 4096);
		if (f->to[0])
			buf_puts(&loc, f->to);
		else
			buf_puts(&loc, self);
		buf_puts(&loc, rq->path);
		sr_text(rs, 302, "moved\n");
		if (!buf_failed(&loc))
			sr_header_add(rs, "Location", loc.data);
		buf_free(&loc);
		return 1;
	}
	case SIM_FAULT_GARBAGE:
		sr_text(rs, 200, "{\"items\": [{\"name\": \"vol1\",, \"provisioned\": }]");
		rs->ctype = "application/json";
		return 1;
	default:
		return 0;
	}
}

/* ---- bends of the vendor's answer ---------------------------------------- */

/* Every number in j (recursively) replaced by a string of its digits. */
static json_t *numbers_to_strings(json_t *j)
{
	const char *k;
	json_t *v;
	size_t i;
	char num[64];
	if (json_is_integer(j)) {
		snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		return json_string(num);
	}
	if (json_is_real(j)) {
		snprintf(num, sizeof num, "%.17g", json_real_value(j));
		return json_string(num);
	}
	if (json_is_object(j)) {
		json_object_foreach(j, k, v) {
			json_t *n = numbers_to_strings(v);
			if (n != v)
				json_object_set_new(j, k, n);
		}
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v) {
			json_t *n = numbers_to_strings(v);
			if (n != v)
				json_array_set_new(j, i, n);
		}
	}
	return j;
}

static void wrong_type(struct sr_resp *rs)
{
	json_t *j = rs->body ? json_loadb(rs->body, rs->len, 0, NULL) : NULL;
	json_t *n;
	if (!j)
		return;
	n = numbers_to_strings(j);
	if (n != j) { /* the whole answer was a number */
		json_decref(j);
		j = n;
	}
	sr_json(rs, rs->status, j);
}

/* 0xC3 0x28: a two-byte lead followed by a byte that cannot continue it. */
static void bad_utf8(struct sr_resp *rs)
{
	static const char bad[] = "\xc3\x28";
	const char *at = NULL;
	char *nb;
	size_t off;
	if (rs->body)
		at = strstr(rs->body, ":\"");
	if (!at && rs->body)
		at = strstr(rs->body, "[\"");
	if (!at) {
		sr_text(rs, rs->status ? rs->status : 200, "{\"name\":\"\xc3\x28\"}");
		rs->ctype = "application/json";
		return;
	}
	off = (size_t)(at - rs->body) + 2;
	if (!(nb = malloc(rs->len + sizeof bad)))
		return;
	memcpy(nb, rs->body, off);
	memcpy(nb + off, bad, sizeof bad - 1);
	memcpy(nb + off + sizeof bad - 1, rs->body + off, rs->len - off);
	nb[rs->len + sizeof bad - 1] = '\0';
	free(rs->body);
	rs->body = nb;
	rs->len += sizeof bad - 1;
}

void sr_fault_after(const struct sim_fault *f, struct sr_resp *rs)
{
	if (rs->status < 200 || rs->status >= 300)
		return; /* the vendor's refusals and errors pass unbent */
	switch (f->type) {
	case SIM_FAULT_TRUNCATE:
		rs->len /= 2;
		if (rs->body)
			rs->body[rs->len] = '\0';
		break;
	case SIM_FAULT_WRONG_TYPE:
		wrong_type(rs);
		break;
	case SIM_FAULT_BAD_UTF8:
		bad_utf8(rs);
		break;
	default:
		break;
	}
}

/* ---- streamed bodies --------------------------------------------------------- */

int sr_fault_streams(const struct sim_fault *f)
{
	return f->type == SIM_FAULT_ENDLESS || f->type == SIM_FAULT_HUGE ||
	       f->type == SIM_FAULT_DRIP || f->type == SIM_FAULT_DEEP;
}

struct stream {
	enum sim_fault_type type;
	const int *stopping;   /* the server's flag; it outlives every connection */
	char *body;            /* endless, drip: the vendor's answer */
	size_t len;
	uint64_t total;        /* huge: bytes; deep: 2 x depth */
	unsigned delay_ms;
};

static void pause_ms(unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	static const char head[] = "{\"items\":[{\"name\":\"";
	static const char tail[] = "\"}]}";
	struct stream *st = cls;
	size_t n = 0;

	if (__atomic_load_n(st->stopping, __ATOMIC_RELAXED))
		return MHD_CONTENT_READER_END_WITH_ERROR;
	switch (st->type) {
	case SIM_FAULT_DRIP:
		if (pos >= st->len)
			return MHD_CONTENT_READER_END_OF_STREAM;
		pause_ms(st->delay_ms);
		out[0] = st->body[pos];
		return 1;
	case SIM_FAULT_ENDLESS:
		if (pos < st->len) {
			n = st->len - (size_t)pos < max ? st->len - (size_t)pos : max;
			memcpy(out, st->body + pos, n);
			return (ssize_t)n;
		}
		pause_ms(st->delay_ms);
		n = max < ENDLESS_CHUNK ? max : ENDLESS_CHUNK;
		memset(out, ' ', n);
		return (ssize_t)n;
	case SIM_FAULT_HUGE:
		for (; n < max && pos < st->total; n++, pos++) {
			if (pos < sizeof head - 1)
				out[n] = head[pos];
			else if (st->total >= sizeof head - 1 + sizeof tail - 1 &&
				 pos >= st->total - (sizeof tail - 1))
				out[n] = tail[pos - (st->total - (sizeof tail - 1))];
			else
				out[n] = 'x';
		}
		return n ? (ssize_t)n : MHD_CONTENT_READER_END_OF_STREAM;
	case SIM_FAULT_DEEP:
		for (; n < max && pos < st->total; n++, pos++)
			out[n] = pos < st->total / 2 ? '[' : ']';
		return n ? (ssize_t)n : MHD_CONTENT_READER_END_OF_STREAM;
	default:
		return MHD_CONTENT_READER_END_WITH_ERROR;
	}
}

static void stream_free(void *cls)
{
	struct stream *st = cls;
	free(st->body);
	free(st);
}

int sr_fault_queue_stream(void *conn, const struct sim_fault *f, struct sr_resp *rs,
			  const int *stopping)
{
	struct MHD_Response *r;
	struct stream *st = calloc(1, sizeof *st);
	uint64_t size = MHD_SIZE_UNKNOWN; /* chunked */
	unsigned status = 200;
	int ret;

	if (!st) {
		sr_resp_free(rs);
		return MHD_NO;
	}
	st->type = f->type;
	st->stopping = stopping;
	switch (f->type) {
	case SIM_FAULT_DRIP:
	case SIM_FAULT_ENDLESS:
		st->body = rs->body;   /* the vendor's answer, taken over */
		st->len = rs->len;
		rs->body = NULL;
		status = rs->status ? rs->status : 500;
		if (f->type == SIM_FAULT_DRIP) {
			st->delay_ms = f->delay_ms ? f->delay_ms : DRIP_DEFAULT_MS;
			size = st->len;
		} else {
			st->delay_ms = f->delay_ms ? f->delay_ms : ENDLESS_DEFAULT_MS;
		}
		break;
	case SIM_FAULT_HUGE:
		st->total = f->bytes;
		rs->ctype = "application/json";
		break;
	case SIM_FAULT_DEEP:
		st->total = 2 * (uint64_t)f->depth;
		size = st->total;
		rs->ctype = "application/json";
		break;
	default:
		break;
	}
	r = MHD_create_response_from_callback(size, f->type == SIM_FAULT_DRIP ? 64 : 64 * 1024,
					      stream_read, st, stream_free);
	if (!r) {
		stream_free(st);
		sr_resp_free(rs);
		return MHD_NO;
	}
	if (rs->ctype)
		MHD_add_response_header(r, "Content-Type", rs->ctype);
	for (size_t i = 0; i < rs->nhdr; i++)
		if (rs->hname[i] && rs->hval[i])
			MHD_add_response_header(r, rs->hname[i], rs->hval[i]);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	sr_resp_free(rs);
	return ret;
}

/* ---- the certificate for the wrong name ------------------------------------ */

static char *datum_take(gnutls_datum_t *d)
{
	char *s = tw_strndup((const char *)d->data, d->size);
	gnutls_free(d->data);
	d->data = NULL;
	return s;
}

tw_err sr_wrong_name_cert(const char *issuer_pem, const char *issuer_key_pem, char **cert_pem,
			  char **key_pem, char *msg, size_t msglen)
{
	gnutls_x509_crt_t ca = NULL, crt = NULL;
	gnutls_x509_privkey_t ca_key = NULL, key = NULL;
	gnutls_datum_t d = { NULL, 0 };
	gnutls_datum_t in;
	unsigned char serial[16];
	time_t now = time(NULL);
	int rc = 0;
	tw_err e = TW_OK;

	*cert_pem = *key_pem = NULL;
	if (gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial) != 0)
		memset(serial, 0x24, sizeof serial);
	serial[0] &= 0x7f;
#define G(x) do { if (rc >= 0) rc = (x); } while (0)
	G(gnutls_x509_crt_init(&ca));
	G(gnutls_x509_privkey_init(&ca_key));
	in.data = (unsigned char *)(uintptr_t)issuer_pem;
	in.size = (unsigned)strlen(issuer_pem);
	G(gnutls_x509_crt_import(ca, &in, GNUTLS_X509_FMT_PEM));
	in.data = (unsigned char *)(uintptr_t)issuer_key_pem;
	in.size = (unsigned)strlen(issuer_key_pem);
	G(gnutls_x509_privkey_import(ca_key, &in, GNUTLS_X509_FMT_PEM));
	G(gnutls_x509_privkey_init(&key));
	G(gnutls_x509_privkey_generate(key, GNUTLS_PK_EC,
				       GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0));
	G(gnutls_x509_crt_init(&crt));
	G(gnutls_x509_crt_set_version(crt, 3));
	G(gnutls_x509_crt_set_serial(crt, serial, sizeof serial));
	G(gnutls_x509_crt_set_activation_time(crt, now - 3600));
	G(gnutls_x509_crt_set_expiration_time(crt, now + 3600L * 24 * 365));
	G(gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, WRONG_NAME,
					sizeof WRONG_NAME - 1));
	G(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, WRONG_NAME,
					       sizeof WRONG_NAME - 1, GNUTLS_FSAN_APPEND));
	G(gnutls_x509_crt_set_basic_constraints(crt, 0, -1));
	G(gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE));
	G(gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0));
	G(gnutls_x509_crt_set_key(crt, key));
	G(gnutls_x509_crt_sign2(crt, ca, ca_key, GNUTLS_DIG_SHA256, 0));
	G(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d));
	if (rc >= 0 && !(*cert_pem = datum_take(&d)))
		e = TW_ERR_NOMEM;
	G(gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &d));
	if (rc >= 0 && !e && !(*key_pem = datum_take(&d)))
		e = TW_ERR_NOMEM;
#undef G
	if (rc < 0)
		e = tw_seterr(msg, msglen, TW_ERR_TLS,
			      "cannot make the wrong-name certificate: %s", gnutls_strerror(rc));
	else if (e)
		tw_seterr(msg, msglen, e, "out of memory");
	if (e) {
		free(*cert_pem);
		free(*key_pem);
		*cert_pem = *key_pem = NULL;
	}
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (key)
		gnutls_x509_privkey_deinit(key);
	if (ca)
		gnutls_x509_crt_deinit(ca);
	if (ca_key)
		gnutls_x509_privkey_deinit(ca_key);
	return e;
}
