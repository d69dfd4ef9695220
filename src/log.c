/* log.c: logfmt / JSON line logger (see log.h).  The level and format are
 * set once by main.c before threads start and only read afterwards. */
#include "config.h"
#include "log.h"
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum tw_log_level log_min = TW_LOG_INFO;
static enum tw_log_format log_fmt = TW_LOG_LOGFMT;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

void tw_log_setup(enum tw_log_level min, enum tw_log_format fmt)
{
	log_min = min;
	log_fmt = fmt;
}

int tw_log_parse_level(const char *s, enum tw_log_level *out)
{
	for (size_t i = 0; i < TW_ARRAY_LEN(level_names); i++)
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum tw_log_level)i;
			return 0;
		}
	return -1;
}

int tw_log_parse_format(const char *s, enum tw_log_format *out)
{
	if (strcmp(s, "logfmt") == 0)
		*out = TW_LOG_LOGFMT;
	else if (strcmp(s, "json") == 0)
		*out = TW_LOG_JSON;
	else
		return -1;
	return 0;
}

int tw_log_enabled(enum tw_log_level lvl)
{
	return lvl >= log_min;
}

static void put_value(struct buf *b, const char *v)
{
	int quote = (log_fmt == TW_LOG_JSON) || *v == '\0';
	for (const char *p = v; *p && !quote; p++)
		if (*p == ' ' || *p == '"' || *p == '=' || (unsigned char)*p < 0x20)
			quote = 1;
	if (quote)
		buf_putc(b, '"');
	for (const char *p = v; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"' || c == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, (char)c);
		} else if (c == '\n') {
			buf_puts(b, "\\n");
		} else if (c < 0x20) {
			buf_printf(b, "\\u%04x", c);
		} else {
			buf_putc(b, (char)c);
		}
	}
	if (quote)
		buf_putc(b, '"');
}

static void put_pair(struct buf *b, int first, const char *k, const char *v)
{
	if (log_fmt == TW_LOG_JSON) {
		buf_puts(b, first ? "{\"" : ",\"");
		buf_puts(b, k);
		buf_puts(b, "\":");
	} else {
		if (!first)
			buf_putc(b, ' ');
		buf_puts(b, k);
		buf_putc(b, '=');
	}
	put_value(b, v ? v : "");
}

void tw_log(enum tw_log_level lvl, const char *msg, ...)
{
	struct buf b;
	char ts[64];
	struct timespec now;
	struct tm tm;
	va_list ap;
	const char *k;

	if (lvl < log_min)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 now.tv_nsec / 1000000);
	buf_init(&b, 64 * 1024);
	put_pair(&b, 1, "ts", ts);
	put_pair(&b, 0, "level", level_names[lvl]);
	put_pair(&b, 0, "msg", msg);
	va_start(ap, msg);
	while ((k = va_arg(ap, const char *)) != NULL) {
		const char *v = va_arg(ap, const char *);
		put_pair(&b, 0, k, v);
	}
	va_end(ap);
	if (log_fmt == TW_LOG_JSON)
		buf_putc(&b, '}');
	buf_putc(&b, '\n');
	if (!buf_failed(&b)) {
		ssize_t w = write(STDERR_FILENO, b.data, b.len);
		(void)w;
	}
	buf_free(&b);
}
