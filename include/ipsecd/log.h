/* log: topics x levels, to stderr (-F) or syslog (DESIGN.md §4). */
#ifndef IPSECD_LOG_H
#define IPSECD_LOG_H

#include <stdbool.h>

enum log_topic { LOG_IKE, LOG_KERNEL, LOG_CONFIG, LOG_CTL, LOG_NET, LOG_MAIN, LOG_TOPICS };
enum log_level { LOG_LVL_ERROR, LOG_LVL_WARNING, LOG_LVL_INFO, LOG_LVL_DEBUG, LOG_LVL_PACKET };

/* to_syslog: false writes to stderr. level: the most verbose level printed, for all topics. */
void log_init(const char *ident, bool to_syslog, enum log_level level);
/* Sends lines to syslog from now on, keeping the levels. */
void log_open_syslog(const char *ident);
void log_set_level(enum log_topic t, enum log_level level);
bool log_enabled(enum log_topic t, enum log_level level);
/* ctx: the peer/SA a line concerns ("peer office2 ike#17"), or NULL. */
void log_msg(enum log_topic t, enum log_level level, const char *ctx, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Parses "ike=debug", "debug", "config=packet"; returns 0 or -EINVAL. */
int log_parse_spec(const char *spec);

#define log_error(t, ctx, ...) log_msg(t, LOG_LVL_ERROR, ctx, __VA_ARGS__)
#define log_warn(t, ctx, ...)  log_msg(t, LOG_LVL_WARNING, ctx, __VA_ARGS__)
#define log_info(t, ctx, ...)  log_msg(t, LOG_LVL_INFO, ctx, __VA_ARGS__)
#define log_debug(t, ctx, ...)                                                                     \
	do {                                                                                       \
		if (log_enabled(t, LOG_LVL_DEBUG))                                                 \
			log_msg(t, LOG_LVL_DEBUG, ctx, __VA_ARGS__);                               \
	} while (0)

#endif
