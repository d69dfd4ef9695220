/* test_buf.c: the capped buffer: growth, exact reservations, cap, sticky
 * errors, detach. */
#include "config.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"

static void test_grow_and_detach(void **state)
{
	struct buf b;
	size_t len;
	char *p;
	buf_init(&b, 0);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(buf_puts(&b, "abc"), TW_OK);
	assert_int_equal(b.len, 3000);
	assert_int_equal(b.data[b.len], '\0');
	assert_int_equal(buf_printf(&b, "%d-%s", 42, "x"), TW_OK);
	assert_string_equal(b.data + 3000, "42-x");
	buf_put_u64(&b, UINT64_MAX);
	assert_string_equal(b.data + 3004, "18446744073709551615");
	p = buf_detach(&b, &len);
	assert_int_equal(len, 3024);
	assert_null(b.data);
	free(p);
	buf_free(&b);
	buf_free(NULL);
}

static void test_cap(void **state)
{
	struct buf b;
	char big[300];
	memset(big, 'x', sizeof big);
	buf_init(&b, 10);
	assert_int_equal(buf_append(&b, "0123456789", 10), TW_OK);
	assert_int_equal(buf_putc(&b, 'z'), TW_ERR_TOO_BIG);
	assert_true(buf_failed(&b));
	assert_int_equal(b.len, 10);                       /* unchanged on failure */
	assert_int_equal(buf_puts(&b, "a"), TW_ERR_TOO_BIG); /* sticky */
	buf_reset(&b);
	assert_false(buf_failed(&b));
	assert_int_equal(buf_printf(&b, "%.*s", 300, big), TW_ERR_TOO_BIG);
	buf_free(&b);
}

static void test_empty_detach(void **state)
{
	struct buf b;
	size_t len = 99;
	char *p;
	buf_init(&b, 0);
	p = buf_detach(&b, &len);
	assert_non_null(p);
	assert_int_equal(len, 0);
	assert_string_equal(p, "");
	free(p);
}

static void test_reserve_exact(void **state)
{
	struct buf b;
	size_t len = 99;
	char *p;
	(void)state;
	buf_init(&b, 100);
	assert_int_equal(buf_reserve_exact(&b, 0), TW_OK);
	assert_int_equal(b.alloc, 1);
	assert_string_equal(b.data, "");           /* terminated before any append */
	assert_int_equal(buf_reserve_exact(&b, 40), TW_OK);
	assert_int_equal(b.alloc, 41);             /* no doubling slack */
	assert_int_equal(buf_append(&b, "0123456789", 10), TW_OK);
	assert_int_equal(buf_reserve_exact(&b, 30), TW_OK);
	assert_int_equal(b.alloc, 41);             /* already there */
	assert_int_equal(buf_reserve_exact(&b, 91), TW_ERR_TOO_BIG);
	assert_true(buf_failed(&b));
	assert_int_equal(b.len, 10);
	buf_reset(&b);
	buf_free(&b);
	buf_init(&b, 0);
	assert_int_equal(buf_reserve(&b, 5), TW_OK);
	p = buf_detach(&b, &len);                  /* reserved, never appended */
	assert_int_equal(len, 0);
	assert_string_equal(p, "");
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow_and_detach),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_empty_detach),
		cmocka_unit_test(test_reserve_exact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
