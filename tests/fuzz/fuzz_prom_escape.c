/* fuzz_prom_escape.c: libFuzzer target for the exposition label escaper
 * (prom_escape_label in src/prom.c).  The input up to its first NUL is a
 * label value; the escaped text must contain no raw newline and no
 * unescaped double quote, use only the escapes \\ \" \n, be valid UTF-8,
 * and unescape back to the input when the input is valid UTF-8 (invalid
 * sequences are replaced, so the scrape stays parseable). */
#include "config.h"
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "prom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 1), *out = NULL;
	size_t inlen, n = 0;
	struct buf b;

	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	inlen = strlen(in);
	buf_init(&b, 0);
	buf_puts(&b, "x"); /* escaping appends */
	if (prom_escape_label(&b, in) != TW_OK)
		goto out;
	if (b.len < 1 || b.data[0] != 'x')
		fuzz_fail("escaping did not append");
	if (memchr(b.data, '\n', b.len))
		fuzz_fail("raw newline in an escaped label value");
	if (!fuzz_utf8_valid(b.data, b.len))
		fuzz_fail("escaped label value is not valid UTF-8");
	if (!(out = malloc(b.len + 1)))
		goto out;
	for (size_t i = 1; i < b.len; i++) {
		char c = b.data[i];
		if (c == '"')
			fuzz_fail("unescaped double quote at %zu", i);
		if (c == '\\') {
			if (++i >= b.len)
				fuzz_fail("escaped text ends in a backslash");
			switch (b.data[i]) {
			case '\\': c = '\\'; break;
			case '"': c = '"'; break;
			case 'n': c = '\n'; break;
			default: fuzz_fail("unknown escape \\%c", b.data[i]);
			}
		}
		out[n++] = c;
	}
	if (fuzz_utf8_valid(in, inlen) && (n != inlen || memcmp(in, out, n) != 0))
		fuzz_fail("unescape(escape(x)) != x for a valid UTF-8 x of %zu bytes", inlen);
out:
	buf_free(&b);
	free(out);
	free(in);
	return 0;
}
