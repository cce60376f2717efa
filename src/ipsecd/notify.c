/* notify: sd_notify(3) without libsystemd. The protocol is one datagram per message on
 * the socket $NOTIFY_SOCKET names, stable since systemd 209; speaking it directly costs
 * fifty lines and keeps the daemon free of a library it would use for nothing else (and
 * runnable under other managers that speak the same protocol, such as s6 or dinit). */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ipsecd/log.h"
#include "ipsecd/loop.h"
#include "ipsecd/strbuf.h"
#include "notify.h"

#define STATUS_MAX 256

struct notify {
	int fd;
	struct sockaddr_un addr;
	socklen_t addrlen;
	struct loop_timer *watchdog;
	struct loop_timer *status_timer;
	notify_status_fn status_fn;
	void *arg;
	char status[STATUS_MAX]; /* the last STATUS= sent */
	bool failed;		 /* a send failed: logged once */
};

int notify_addr(const char *text, struct sockaddr_un *sun)
{
	size_t len = text ? strlen(text) : 0;

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (len < 2 || len >= sizeof(sun->sun_path) || (text[0] != '/' && text[0] != '@'))
		return -EINVAL;
	memcpy(sun->sun_path, text, len);
	if (text[0] == '@') /* abstract: the name is every byte after the leading NUL */
		sun->sun_path[0] = '\0';
	return (int)(offsetof(struct sockaddr_un, sun_path) + len + (text[0] == '/'));
}

double notify_watchdog_interval(const char *usec, const char *pid, pid_t self)
{
	char *end;
	unsigned long long us;
	long p;

	if (!usec || !*usec)
		return 0;
	if (pid && *pid) {
		errno = 0;
		p = strtol(pid, &end, 10);
		if (errno || *end || p != (long)self)
			return 0; /* the watchdog is another process's */
	}
	errno = 0;
	us = strtoull(usec, &end, 10);
	if (errno || *end || usec[0] == '-' || us == 0)
		return 0;
	return (double)us / 2e6;
}

static void send_msg(struct notify *n, const char *msg)
{
	if (sendto(n->fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&n->addr,
		   n->addrlen) >= 0) {
		n->failed = false;
		return;
	}
	if (!n->failed)
		log_warn(LOG_MAIN, NULL, "cannot tell the service manager (%s): %s",
			 n->addr.sun_path[0] ? n->addr.sun_path : "abstract socket",
			 strerror(errno));
	n->failed = true;
}

/* Sends head, with STATUS= appended when the status changed (or always). */
static void send_with_status(struct notify *n, const char *head, bool always)
{
	char status[STATUS_MAX] = "", msg[STATUS_MAX + 128];

	if (n->status_fn)
		n->status_fn(n->arg, status, sizeof(status));
	status[strcspn(status, "\n")] = '\0'; /* one line: a newline would end the field */
	if (!always && !strcmp(status, n->status)) {
		if (*head)
			send_msg(n, head);
		return;
	}
	snprintf(n->status, sizeof(n->status), "%s", status);
	snprintf(msg, sizeof(msg), "%s%sSTATUS=%s", head, *head ? "\n" : "", status);
	send_msg(n, msg);
}

static void on_watchdog(struct loop_timer *w, void *arg)
{
	(void)w;
	send_msg(arg, "WATCHDOG=1");
}

static void on_status(struct loop_timer *w, void *arg)
{
	(void)w;
	send_with_status(arg, "", false);
}

struct notify *notify_open(struct loop *l, notify_status_fn status_fn, void *arg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct notify *n;
	double every;

	if (!path || !*path)
		return NULL;
	n = xcalloc(1, sizeof(*n));
	int len = notify_addr(path, &n->addr);

	if (len < 0) {
		log_warn(LOG_MAIN, NULL,
			 "NOTIFY_SOCKET=%s: not a socket path or @name; "
			 "not telling the service manager",
			 path);
		free(n);
		return NULL;
	}
	n->addrlen = (socklen_t)len;
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (n->fd < 0) {
		log_warn(LOG_MAIN, NULL, "NOTIFY_SOCKET: %s", strerror(errno));
		free(n);
		return NULL;
	}
	n->status_fn = status_fn;
	n->arg = arg;
	every = notify_watchdog_interval(getenv("WATCHDOG_USEC"), getenv("WATCHDOG_PID"), getpid());
	if (every > 0) {
		n->watchdog = loop_timer_new(l, every, every, on_watchdog, n);
		log_info(LOG_MAIN, NULL, "watchdog: a sign of life every %.3f s", every);
	}
	if (status_fn)
		n->status_timer =
			loop_timer_new(l, NOTIFY_STATUS_EVERY, NOTIFY_STATUS_EVERY, on_status, n);
	return n;
}

void notify_free(struct notify *n)
{
	if (!n)
		return;
	loop_timer_free(n->watchdog);
	loop_timer_free(n->status_timer);
	close(n->fd);
	free(n);
}

void notify_ready(struct notify *n)
{
	if (n)
		send_with_status(n, "READY=1", true);
}

void notify_reloading(struct notify *n)
{
	struct timespec ts;
	char msg[64];

	if (!n)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000ull +
			 (unsigned long long)ts.tv_nsec / 1000u);
	send_msg(n, msg);
}

void notify_stopping(struct notify *n)
{
	if (n)
		send_msg(n, "STOPPING=1");
}
