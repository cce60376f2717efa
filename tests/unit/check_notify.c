/* check_notify: the service manager's notify protocol as the daemon speaks it: the socket
 * address forms, the watchdog's interval and whose it is, and the datagrams themselves,
 * received on a socket of the test's own (a path and an abstract name). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ipsecd/log.h"
#include "ipsecd/loop.h"
#include "notify.h"

START_TEST(addr_forms)
{
	struct sockaddr_un sun;

	ck_assert_int_eq(notify_addr("/run/systemd/notify", &sun),
			 (int)(offsetof(struct sockaddr_un, sun_path) + 20));
	ck_assert_str_eq(sun.sun_path, "/run/systemd/notify");
	/* abstract: a leading NUL, and the length counts the name exactly */
	ck_assert_int_eq(notify_addr("@x/y", &sun),
			 (int)(offsetof(struct sockaddr_un, sun_path) + 4));
	ck_assert_int_eq(sun.sun_path[0], '\0');
	ck_assert_int_eq(memcmp(sun.sun_path + 1, "x/y", 3), 0);
	ck_assert_int_lt(notify_addr("", &sun), 0);
	ck_assert_int_lt(notify_addr("@", &sun), 0);
	ck_assert_int_lt(notify_addr("relative/path", &sun), 0);
	ck_assert_int_lt(notify_addr("vsock:2:1234", &sun), 0);
	ck_assert_int_lt(notify_addr(NULL, &sun), 0);
	char longpath[200];

	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	ck_assert_int_lt(notify_addr(longpath, &sun), 0);
}
END_TEST

START_TEST(watchdog_interval)
{
	/* half of WATCHDOG_USEC, as sd_watchdog_enabled(3) advises */
	ck_assert(notify_watchdog_interval("30000000", NULL, 42) == 15.0);
	ck_assert(notify_watchdog_interval("30000000", "", 42) == 15.0);
	ck_assert(notify_watchdog_interval("400000", "42", 42) == 0.2);
	/* another process's watchdog (a child of ours inherited the environment) */
	ck_assert(notify_watchdog_interval("400000", "43", 42) == 0);
	ck_assert(notify_watchdog_interval(NULL, NULL, 42) == 0);
	ck_assert(notify_watchdog_interval("", NULL, 42) == 0);
	ck_assert(notify_watchdog_interval("0", NULL, 42) == 0);
	ck_assert(notify_watchdog_interval("-5", NULL, 42) == 0);
	ck_assert(notify_watchdog_interval("10s", NULL, 42) == 0);
	ck_assert(notify_watchdog_interval("400000", "42x", 42) == 0);
}
END_TEST

/* A socket for the daemon's messages, named as NOTIFY_SOCKET says. */
static int listener(const char *text)
{
	struct sockaddr_un sun;
	int len = notify_addr(text, &sun);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ck_assert_int_gt(len, 0);
	ck_assert_int_ge(fd, 0);
	if (sun.sun_path[0])
		unlink(sun.sun_path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, (socklen_t)len), 0);
	struct timeval tv = {.tv_sec = 5};

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static const char *recv_msg(int fd)
{
	static char buf[1024];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	return buf;
}

static int nstatus;

static void status(void *arg, char *buf, size_t len)
{
	nstatus++;
	snprintf(buf, len, "%s\nsecond line dropped", (const char *)arg);
}

static void messages(const char *where)
{
	int fd = listener(where);
	struct timespec t0, t1;

	ck_assert_int_eq(setenv("NOTIFY_SOCKET", where, 1), 0);
	unsetenv("WATCHDOG_USEC");
	struct notify *n = notify_open(loop_default(), status, "2 peers");

	ck_assert_ptr_nonnull(n);
	notify_ready(n);
	ck_assert_str_eq(recv_msg(fd), "READY=1\nSTATUS=2 peers");
	ck_assert_int_eq(nstatus, 1);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	notify_reloading(n);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	const char *m = recv_msg(fd);
	unsigned long long us, lo = (unsigned long long)t0.tv_sec * 1000000 + t0.tv_nsec / 1000,
			       hi = (unsigned long long)t1.tv_sec * 1000000 + t1.tv_nsec / 1000;

	ck_assert_int_eq(sscanf(m, "RELOADING=1\nMONOTONIC_USEC=%llu", &us), 1);
	ck_assert(us >= lo && us <= hi);
	notify_ready(n); /* READY=1 after a reload carries the status even if unchanged */
	ck_assert_str_eq(recv_msg(fd), "READY=1\nSTATUS=2 peers");
	notify_stopping(n);
	ck_assert_str_eq(recv_msg(fd), "STOPPING=1");
	notify_free(n);
	close(fd);
	unsetenv("NOTIFY_SOCKET");
}

START_TEST(datagrams_on_a_path)
{
	char dir[] = "/tmp/check_notify.XXXXXX", path[64];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	messages(path);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(datagrams_on_an_abstract_socket)
{
	char name[64];

	snprintf(name, sizeof(name), "@ipsecd-check-notify-%ld", (long)getpid());
	messages(name);
}
END_TEST

START_TEST(without_a_manager)
{
	unsetenv("NOTIFY_SOCKET");
	ck_assert_ptr_null(notify_open(loop_default(), status, "x"));
	setenv("NOTIFY_SOCKET", "not-a-path", 1);
	ck_assert_ptr_null(notify_open(loop_default(), status, "x"));
	unsetenv("NOTIFY_SOCKET");
	/* every call takes NULL */
	notify_ready(NULL);
	notify_reloading(NULL);
	notify_stopping(NULL);
	notify_free(NULL);
}
END_TEST

static void on_stop(struct loop_timer *w, void *arg)
{
	(void)w;
	loop_break(arg);
}

/* The watchdog timer runs on the loop: WATCHDOG=1 at half the interval, and only then. */
START_TEST(watchdog_on_the_loop)
{
	char dir[] = "/tmp/check_notify.XXXXXX", path[64];
	struct loop *l = loop_default();
	int got = 0;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	int fd = listener(path);

	setenv("NOTIFY_SOCKET", path, 1);
	setenv("WATCHDOG_USEC", "100000", 1); /* a kick every 50 ms */
	unsetenv("WATCHDOG_PID");
	struct notify *n = notify_open(l, NULL, NULL);
	struct loop_timer *stop = loop_timer_new(l, 0.3, 0, on_stop, l);

	loop_run(l);
	loop_timer_free(stop);
	notify_free(n);
	struct timeval tv = {.tv_usec = 1};
	char buf[64];
	ssize_t r;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while ((r = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT)) > 0) {
		buf[r] = '\0';
		ck_assert_str_eq(buf, "WATCHDOG=1");
		got++;
	}
	/* 0.3 s at 50 ms: 6 at most (timers never fire early); at least one */
	ck_assert_int_ge(got, 1);
	ck_assert_int_le(got, 6);
	close(fd);
	unlink(path);
	rmdir(dir);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("notify");
	SRunner *sr;
	int failed;

	log_init("check_notify", false, LOG_LVL_ERROR);
	tcase_add_test(tc, addr_forms);
	tcase_add_test(tc, watchdog_interval);
	tcase_add_test(tc, datagrams_on_a_path);
	tcase_add_test(tc, datagrams_on_an_abstract_socket);
	tcase_add_test(tc, without_a_manager);
	tcase_add_test(tc, watchdog_on_the_loop);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
