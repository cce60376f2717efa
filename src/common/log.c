/* log: one line per event, by topic and level, to stderr or syslog. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "ipsecd/log.h"

static const char *const topic_names[LOG_TOPICS] = {"ike", "kernel", "config",
						    "ctl", "net",    "main"};
static const char *const level_names[] = {"error", "warning", "info", "debug", "packet"};
static const int syslog_prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG, LOG_DEBUG};

static bool use_syslog;
static bool to_journal; /* stderr is systemd's journal: "<N>" levels, no time stamps */
static enum log_level levels[LOG_TOPICS] = {LOG_LVL_INFO, LOG_LVL_INFO, LOG_LVL_INFO,
					    LOG_LVL_INFO, LOG_LVL_INFO, LOG_LVL_INFO};

/* systemd.exec(5): $JOURNAL_STREAM is "DEVICE:INODE" of the stream it gave as stderr. */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && fstat(STDERR_FILENO, &st) == 0 &&
	       (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_init(const char *ident, bool to_syslog, enum log_level level)
{
	use_syslog = to_syslog;
	to_journal = !to_syslog && stderr_is_journal();
	for (int t = 0; t < LOG_TOPICS; t++)
		levels[t] = level;
	if (to_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_open_syslog(const char *ident)
{
	use_syslog = true;
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_set_level(enum log_topic t, enum log_level level)
{
	levels[t] = level;
}

bool log_enabled(enum log_topic t, enum log_level level)
{
	return level <= levels[t];
}

void log_msg(enum log_topic t, enum log_level level, const char *ctx, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!log_enabled(t, level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (use_syslog) {
		syslog(syslog_prio[level], "[%s] %s%s%s", topic_names[t], ctx ? ctx : "",
		       ctx ? ": " : "", msg);
		return;
	}
	struct timespec ts;
	struct tm tm;
	char stamp[32];

	if (to_journal) { /* sd-daemon(3) prefixes: the journal keeps the level */
		fprintf(stderr, "<%d>%s %s: %s%s%s\n", syslog_prio[level], topic_names[t],
			level_names[level], ctx ? ctx : "", ctx ? ": " : "", msg);
		return;
	}

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld %s %s: %s%s%s\n", stamp, ts.tv_nsec / 1000000, topic_names[t],
		level_names[level], ctx ? ctx : "", ctx ? ": " : "", msg);
}

static int find_word(const char *const *words, int n, const char *w, size_t len)
{
	for (int i = 0; i < n; i++)
		if (strlen(words[i]) == len && strncmp(words[i], w, len) == 0)
			return i;
	return -1;
}

int log_parse_spec(const char *spec)
{
	const char *eq = strchr(spec, '=');
	int nlevels = (int)(sizeof(level_names) / sizeof(level_names[0]));

	if (!eq) {
		int l = find_word(level_names, nlevels, spec, strlen(spec));

		if (l < 0)
			return -EINVAL;
		for (int t = 0; t < LOG_TOPICS; t++)
			levels[t] = (enum log_level)l;
		return 0;
	}
	int t = find_word(topic_names, LOG_TOPICS, spec, (size_t)(eq - spec));
	int l = find_word(level_names, nlevels, eq + 1, strlen(eq + 1));

	if (t < 0 || l < 0)
		return -EINVAL;
	levels[t] = (enum log_level)l;
	return 0;
}
