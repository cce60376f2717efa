/* notify: the service manager's readiness protocol (sd_notify(3)), spoken directly: one
 * datagram of "KEY=VALUE\n" lines per message on the AF_UNIX socket named by
 * $NOTIFY_SOCKET. READY=1, RELOADING=1 (with MONOTONIC_USEC=), STOPPING=1, STATUS= and
 * the watchdog's WATCHDOG=1, kicked from the loop at half of $WATCHDOG_USEC. Without
 * $NOTIFY_SOCKET every call does nothing. */
#ifndef IPSECD_NOTIFY_H
#define IPSECD_NOTIFY_H

#include <stddef.h>
#include <sys/types.h>

struct loop;
struct notify;

/* Writes the current one-line status into buf (for STATUS=). */
typedef void (*notify_status_fn)(void *arg, char *buf, size_t len);

/* Reads $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID; starts the watchdog timer and
 * the status timer (status_fn is asked every NOTIFY_STATUS_EVERY seconds and its answer
 * sent when it changed). NULL when there is no manager to tell (or its socket is
 * unusable: logged). The caller frees it with notify_free(). */
struct notify *notify_open(struct loop *l, notify_status_fn status_fn, void *arg);
void notify_free(struct notify *n);

/* READY=1 with the current status: at start once the configuration is in the kernel,
 * and again at the end of a reload. */
void notify_ready(struct notify *n);
/* RELOADING=1 and MONOTONIC_USEC= (systemd 253 wants the clock for Type=notify-reload;
 * older managers ignore the field). READY=1 must follow. */
void notify_reloading(struct notify *n);
void notify_stopping(struct notify *n);

#define NOTIFY_STATUS_EVERY 5.0 /* seconds: at most one STATUS= change per interval */

/* The watchdog's kick interval in seconds, half of usec (the text of $WATCHDOG_USEC),
 * when it is for us (pid, the text of $WATCHDOG_PID, is NULL or self); 0 for none or
 * nonsense. */
double notify_watchdog_interval(const char *usec, const char *pid, pid_t self);
/* Fills a sockaddr_un from $NOTIFY_SOCKET's text: a path, or "@name" for the abstract
 * namespace. Returns the address length to pass to sendto(), or -EINVAL. */
struct sockaddr_un;
int notify_addr(const char *text, struct sockaddr_un *sun);

#endif
