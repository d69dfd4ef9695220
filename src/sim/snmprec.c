/* snmprec.c: snmpsim .snmprec and `snmpwalk -On` text -> simdata (see
 * snmprec.h).  Line-oriented; every error names the file and line. */
#include "config.h"
#include "sim/snmprec.h"
#include "sim/simdata.h"
#include "buf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SNMPREC_MAX_FILE ((size_t)512 << 20)
#define VALUE_MAX 65535

struct loader {
	const char *name;
	struct simdata *sd;
	size_t records;
	size_t line;        /* line number being parsed (of the record's start) */
	char *msg;
	size_t msglen;
	unsigned char *bytes; /* VALUE_MAX scratch: decoded hex */
	char *unq;            /* VALUE_MAX scratch: unquoted STRING */
};

static tw_err lerr(struct loader *l, const char *what, const char *s, size_t n)
{
	if (n > 60)
		n = 60;
	return tw_seterr(l->msg, l->msglen, TW_ERR_PARSE, "%s:%zu: %s: '%.*s'", l->name, l->line,
			 what, (int)n, s);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex digits, optionally separated by spaces, newlines or colons, into out.
 * Returns the byte count or -1. */
static long parse_hex(const char *s, size_t n, unsigned char *out, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < n;) {
		int hi, lo;
		if (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t' || s[i] == ':') {
			i++;
			continue;
		}
		if (i + 1 >= n || (hi = hexval((unsigned char)s[i])) < 0 ||
		    (lo = hexval((unsigned char)s[i + 1])) < 0 || k >= max)
			return -1;
		out[k++] = (unsigned char)(hi << 4 | lo);
		i += 2;
	}
	return (long)k;
}

static int parse_u64n(const char *s, size_t n, uint64_t *out)
{
	char tmp[32];
	if (n == 0 || n >= sizeof tmp)
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	return tw_parse_u64(tmp, out);
}

static int parse_i64n(const char *s, size_t n, int64_t *out)
{
	char tmp[32];
	if (n == 0 || n >= sizeof tmp)
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	return tw_parse_i64(tmp, out);
}

static int parse_ipv4(const char *s, size_t n, unsigned char ip[4])
{
	size_t i = 0;
	for (int k = 0; k < 4; k++) {
		unsigned v = 0, digits = 0;
		while (i < n && isdigit((unsigned char)s[i]) && digits < 4) {
			v = v * 10 + (unsigned)(s[i++] - '0');
			digits++;
		}
		if (!digits || v > 255)
			return -1;
		ip[k] = (unsigned char)v;
		if (k < 3) {
			if (i >= n || s[i] != '.')
				return -1;
			i++;
		}
	}
	return i == n ? 0 : -1;
}

/* Add one value given its BER tag and text (hex or not). */
static tw_err add_value(struct loader *l, const uint32_t *oid, size_t olen, unsigned tag,
			int hex, const char *v, size_t vn)
{
	unsigned char *bytes = l->bytes;
	uint64_t u;
	int64_t i;
	tw_err e;

	switch (tag) {
	case SIMDATA_INTEGER:
		if (parse_i64n(v, vn, &i) || i < INT32_MIN || i > INT32_MAX)
			return lerr(l, "expected an Integer32", v, vn);
		e = simdata_add_int(l->sd, oid, olen, i);
		break;
	case SIMDATA_OCTETS:
	case SIMDATA_OPAQUE:
		if (hex) {
			long n = parse_hex(v, vn, bytes, VALUE_MAX);
			if (n < 0)
				return lerr(l, "expected hex digits", v, vn);
			e = simdata_add_bytes(l->sd, oid, olen, (enum simdata_type)tag, bytes, (size_t)n);
		} else {
			if (vn > VALUE_MAX)
				return lerr(l, "value too long", v, vn);
			e = simdata_add_bytes(l->sd, oid, olen, (enum simdata_type)tag, v, vn);
		}
		break;
	case SIMDATA_NULL:
		e = simdata_add_null(l->sd, oid, olen);
		break;
	case SIMDATA_OID: {
		uint32_t val[SIMDATA_MAX_OID];
		size_t vlen;
		if (simdata_oid_parse(v, vn, val, SIMDATA_MAX_OID, &vlen))
			return lerr(l, "expected an OID value", v, vn);
		e = simdata_add_oid(l->sd, oid, olen, val, vlen);
		break;
	}
	case SIMDATA_IPADDRESS: {
		unsigned char ip[4];
		if (hex ? parse_hex(v, vn, ip, 4) != 4 : parse_ipv4(v, vn, ip) != 0)
			return lerr(l, "expected an IPv4 address", v, vn);
		e = simdata_add_bytes(l->sd, oid, olen, SIMDATA_IPADDRESS, ip, 4);
		break;
	}
	case SIMDATA_COUNTER32:
	case SIMDATA_GAUGE32:
	case SIMDATA_TIMETICKS:
	case SIMDATA_COUNTER64:
		if (parse_u64n(v, vn, &u) || (tag != SIMDATA_COUNTER64 && u > UINT32_MAX))
			return lerr(l, tag == SIMDATA_COUNTER64 ? "expected a Counter64"
								 : "expected an unsigned 32-bit number",
				    v, vn);
		e = simdata_add_uint(l->sd, oid, olen, (enum simdata_type)tag, u);
		break;
	default:
		return tw_seterr(l->msg, l->msglen, TW_ERR_PARSE, "%s:%zu: unsupported type %u",
				 l->name, l->line, tag);
	}
	if (e == TW_ERR_NOMEM)
		return tw_seterr(l->msg, l->msglen, e, "%s: out of memory", l->name);
	if (e)
		return lerr(l, "bad record", v, vn);
	l->records++;
	return TW_OK;
}

/* ---- snmpsim .snmprec ---- */

static tw_err snmprec_line(struct loader *l, const char *s, size_t n)
{
	const char *p1 = memchr(s, '|', n), *p2, *tag;
	uint32_t oid[SIMDATA_MAX_OID];
	size_t olen, tn;
	uint64_t t;
	int hex = 0;

	if (!p1 || !(p2 = memchr(p1 + 1, '|', (size_t)(s + n - p1 - 1))))
		return lerr(l, "expected OID|TYPE|VALUE", s, n);
	if (simdata_oid_parse(s, (size_t)(p1 - s), oid, SIMDATA_MAX_OID, &olen))
		return lerr(l, "bad OID", s, (size_t)(p1 - s));
	tag = p1 + 1;
	tn = (size_t)(p2 - tag);
	if (tn > 1 && tag[tn - 1] == 'x') {
		hex = 1;
		tn--;
	}
	if (parse_u64n(tag, tn, &t))
		return lerr(l, "bad type (variation modules are not supported)", tag,
			    (size_t)(p2 - tag));
	if (t >= 128 && t <= 130)
		return TW_OK; /* recorded exception: no value */
	return add_value(l, oid, olen, (unsigned)t, hex, p2 + 1, (size_t)(s + n - p2 - 1));
}

/* ---- snmpwalk -On text ---- */

/* Length of the OID at the start of a line if the line starts a walk record
 * ("OID = "), else 0; *val receives the offset of the value. */
static size_t walk_record_start(const char *s, size_t n, size_t *val)
{
	size_t i = 0;
	if (i < n && s[i] == '.')
		i++;
	if (i >= n || !isdigit((unsigned char)s[i]))
		return 0;
	while (i < n && (isdigit((unsigned char)s[i]) || s[i] == '.'))
		i++;
	if (i + 3 > n || memcmp(s + i, " = ", 3) != 0) {
		/* "OID =" with an empty value (a few agents print that) */
		if (i + 2 == n && memcmp(s + i, " =", 2) == 0) {
			*val = n;
			return i;
		}
		return 0;
	}
	*val = i + 3;
	return i;
}

/* Does a quoted value that starts at s (just after the opening quote) end
 * within these n bytes? */
static int quote_closed(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return 1;
	}
	return 0;
}

static int starts(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && memcmp(s, prefix, k) == 0;
}

static void trim(const char **s, size_t *n)
{
	while (*n && isspace((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

/* Leading (optionally signed) decimal number of s. */
static size_t number_len(const char *s, size_t n)
{
	size_t i = (n && s[0] == '-') ? 1 : 0;
	while (i < n && isdigit((unsigned char)s[i]))
		i++;
	return i;
}

static tw_err walk_record(struct loader *l, const char *rec, size_t n)
{
	char *unq = l->unq;
	size_t vstart, olen_chars = walk_record_start(rec, n, &vstart), olen, vn;
	uint32_t oid[SIMDATA_MAX_OID];
	const char *v;
	static const struct { const char *prefix; unsigned tag; int hex; } types[] = {
		{ "Hex-STRING:", SIMDATA_OCTETS, 1 },
		{ "STRING:", SIMDATA_OCTETS, 0 },
		{ "INTEGER:", SIMDATA_INTEGER, 0 },
		{ "Counter32:", SIMDATA_COUNTER32, 0 },
		{ "Counter64:", SIMDATA_COUNTER64, 0 },
		{ "Gauge32:", SIMDATA_GAUGE32, 0 },
		{ "UInteger32:", SIMDATA_GAUGE32, 0 },
		{ "Unsigned32:", SIMDATA_GAUGE32, 0 },
		{ "Timeticks:", SIMDATA_TIMETICKS, 0 },
		{ "OID:", SIMDATA_OID, 0 },
		{ "IpAddress:", SIMDATA_IPADDRESS, 0 },
		{ "Network Address:", SIMDATA_IPADDRESS, 1 },
		{ "OPAQUE:", SIMDATA_OPAQUE, 1 },
		{ "Opaque:", SIMDATA_OPAQUE, 1 },
		{ "BITS:", SIMDATA_OCTETS, 1 },
	};
	size_t t;

	if (simdata_oid_parse(rec, olen_chars, oid, SIMDATA_MAX_OID, &olen))
		return lerr(l, "bad OID", rec, olen_chars);
	v = rec + vstart;
	vn = n - vstart;
	if (starts(v, vn, "Wrong Type (should be ")) {
		const char *close = memchr(v, ')', vn);
		if (!close || close + 2 > v + vn || close[1] != ':')
			return lerr(l, "bad 'Wrong Type' value", v, vn);
		vn -= (size_t)(close + 2 - v);
		v = close + 2;
		trim(&v, &vn);
	}
	if (starts(v, vn, "No Such Object") || starts(v, vn, "No Such Instance") ||
	    starts(v, vn, "No more variables"))
		return TW_OK;
	if (starts(v, vn, "NULL") || vn == 0)
		return add_value(l, oid, olen, SIMDATA_NULL, 0, "", 0);
	if (vn == 2 && v[0] == '"' && v[1] == '"')
		return add_value(l, oid, olen, SIMDATA_OCTETS, 0, "", 0);
	for (t = 0; t < TW_ARRAY_LEN(types); t++)
		if (starts(v, vn, types[t].prefix))
			break;
	if (t == TW_ARRAY_LEN(types))
		return lerr(l, "unsupported value type", v, vn);
	v += strlen(types[t].prefix);
	vn -= strlen(types[t].prefix);
	trim(&v, &vn);

	switch (types[t].tag) {
	case SIMDATA_OCTETS:
		if (types[t].hex) {
			/* BITS: "80 00 a(0) c(2)": keep the hex pairs before the names */
			size_t k = 0, hexend = 0;
			while (k + 1 < vn && hexval((unsigned char)v[k]) >= 0 &&
			       hexval((unsigned char)v[k + 1]) >= 0 &&
			       (k + 2 == vn || isspace((unsigned char)v[k + 2]))) {
				k += 2;
				hexend = k;
				while (k < vn && isspace((unsigned char)v[k]))
					k++;
			}
			return add_value(l, oid, olen, SIMDATA_OCTETS, 1, v, hexend);
		}
		if (vn >= 2 && v[0] == '"' && v[vn - 1] == '"') {
			size_t k = 0;
			for (size_t i = 1; i + 1 < vn; i++) {
				if (v[i] == '\\' && i + 2 < vn)
					i++;
				if (k >= VALUE_MAX)
					return lerr(l, "value too long", v, vn);
				unq[k++] = v[i];
			}
			return add_value(l, oid, olen, SIMDATA_OCTETS, 0, unq, k);
		}
		return add_value(l, oid, olen, SIMDATA_OCTETS, 0, v, vn);
	case SIMDATA_INTEGER: {
		/* "up(1)" or "5" or "4096 Bytes" */
		const char *open = memchr(v, '(', vn);
		if (open && vn && v[vn - 1] == ')' && !isdigit((unsigned char)v[0]) && v[0] != '-')
			return add_value(l, oid, olen, SIMDATA_INTEGER, 0, open + 1,
					 (size_t)(v + vn - 1 - open - 1));
		return add_value(l, oid, olen, SIMDATA_INTEGER, 0, v, number_len(v, vn));
	}
	case SIMDATA_TIMETICKS:
		if (vn && v[0] == '(') {
			v++;
			vn--;
		}
		return add_value(l, oid, olen, SIMDATA_TIMETICKS, 0, v, number_len(v, vn));
	case SIMDATA_COUNTER32:
	case SIMDATA_COUNTER64:
	case SIMDATA_GAUGE32:
		return add_value(l, oid, olen, types[t].tag, 0, v, number_len(v, vn));
	case SIMDATA_OPAQUE:
		if (starts(v, vn, "Hex-STRING:") || starts(v, vn, "UInteger32:") ||
		    starts(v, vn, "Float:") || starts(v, vn, "Double:"))
			return lerr(l, "unsupported Opaque encoding", v, vn);
		return add_value(l, oid, olen, SIMDATA_OPAQUE, 1, v, vn);
	default:
		return add_value(l, oid, olen, types[t].tag, types[t].hex, v, vn);
	}
}

/* ---- driver ---- */

static tw_err load(struct loader *l, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	int walk = -1; /* format: -1 unknown, 0 snmprec, 1 walk */
	struct buf rec;
	size_t rec_line = 0;
	int open_quote = 0;
	tw_err e = TW_OK;

	buf_init(&rec, (size_t)VALUE_MAX * 4);
	for (size_t lineno = 1; p < end && !e; lineno++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p), vstart;
		const char *s = p;

		p = nl ? nl + 1 : end;
		if (n && s[n - 1] == '\r')
			n--;
		l->line = lineno;
		if (walk == 1 && open_quote) { /* inside a multi-line quoted STRING */
			buf_putc(&rec, '\n');
			buf_append(&rec, s, n);
			open_quote = !quote_closed(s, n);
			continue;
		}
		if (walk != 1) {
			size_t k = 0;
			while (k < n && isspace((unsigned char)s[k]))
				k++;
			if (k == n || s[k] == '#')
				continue;
		}
		if (walk == -1)
			walk = walk_record_start(s, n, &vstart) ? 1 : 0;
		if (!walk) {
			e = snmprec_line(l, s, n);
			continue;
		}
		if (walk_record_start(s, n, &vstart)) {
			if (rec.len) {
				l->line = rec_line;
				e = walk_record(l, rec.data, rec.len);
				if (e)
					break;
			}
			buf_reset(&rec);
			buf_append(&rec, s, n);
			rec_line = lineno;
			open_quote = n > vstart + 8 && starts(s + vstart, n - vstart, "STRING: \"") &&
				     !quote_closed(s + vstart + 9, n - vstart - 9);
		} else if (rec.len) {
			buf_putc(&rec, '\n'); /* Hex-STRING wrapped, or text after a value */
			buf_append(&rec, s, n);
		} else if (n) {
			e = lerr(l, "expected 'OID = TYPE: value'", s, n);
		}
		if (buf_failed(&rec))
			e = tw_seterr(l->msg, l->msglen, TW_ERR_TOO_BIG, "%s:%zu: record too long",
				      l->name, rec_line);
	}
	if (!e && walk == 1 && rec.len) {
		l->line = rec_line;
		if (open_quote)
			e = lerr(l, "unterminated string", rec.data, rec.len);
		else
			e = walk_record(l, rec.data, rec.len);
	}
	buf_free(&rec);
	return e;
}

tw_err snmprec_load_string(const char *name, const char *text, size_t len, struct simdata *sd,
			   size_t *nrecords, char *msg, size_t msglen)
{
	struct loader l = { name, sd, 0, 0, msg, msglen, NULL, NULL };
	tw_err e;

	l.bytes = malloc(VALUE_MAX);
	l.unq = malloc(VALUE_MAX);
	if (!l.bytes || !l.unq)
		e = tw_seterr(msg, msglen, TW_ERR_NOMEM, "out of memory");
	else
		e = load(&l, text, len);
	free(l.bytes);
	free(l.unq);
	if (nrecords)
		*nrecords = l.records;
	return e;
}

tw_err snmprec_load_file(const char *path, struct simdata *sd, size_t *nrecords, char *msg,
			 size_t msglen)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[65536];
	size_t r;
	tw_err e;

	if (!f)
		return tw_seterr(msg, msglen, TW_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
	buf_init(&b, SNMPREC_MAX_FILE);
	while ((r = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (buf_append(&b, chunk, r))
			break;
	if (ferror(f) || buf_failed(&b)) {
		e = buf_failed(&b) && b.err == TW_ERR_TOO_BIG
			    ? tw_seterr(msg, msglen, TW_ERR_TOO_BIG, "%s: larger than %zu bytes", path,
					SNMPREC_MAX_FILE)
			    : tw_seterr(msg, msglen, TW_ERR_IO, "%s: read error", path);
		fclose(f);
		buf_free(&b);
		return e;
	}
	fclose(f);
	e = snmprec_load_string(path, b.data ? b.data : "", b.len, sd, nrecords, msg, msglen);
	buf_free(&b);
	return e;
}
