/* log.h: one-line-per-event logging to stderr in logfmt (default) or JSON.
 * Call as tw_log(TW_LOG_WARN, "target", name, "msg", "poll failed", "reason", r, NULL):
 * key/value string pairs ending with NULL.  Values are quoted/escaped as
 * needed.  Thread-safe (one write(2) per line).  Secrets must never be passed. */
#ifndef TW_LOG_H
#define TW_LOG_H

enum tw_log_level { TW_LOG_DEBUG, TW_LOG_INFO, TW_LOG_WARN, TW_LOG_ERROR };
enum tw_log_format { TW_LOG_LOGFMT, TW_LOG_JSON };

/* Configure once at start-up (main.c); defaults: info, logfmt. */
void tw_log_setup(enum tw_log_level min, enum tw_log_format fmt);
int tw_log_parse_level(const char *s, enum tw_log_level *out);
int tw_log_parse_format(const char *s, enum tw_log_format *out);
int tw_log_enabled(enum tw_log_level lvl);
void tw_log(enum tw_log_level lvl, const char *msg, ...);

#endif
