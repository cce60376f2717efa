/* notify_listen PATH: the service manager's end of the notify protocol, for
 * test-notify.sh. Binds a datagram socket at PATH and prints one line per message,
 *
 *	SECONDS pid=PID READY=1|STATUS=...
 *
 * (CLOCK_MONOTONIC seconds when it arrived, the sender's pid from its credentials as
 * systemd checks them, the message's lines joined by '|'), flushed at once, until killed. */
#define _GNU_SOURCE /* struct ucred */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd, one = 1;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "usage: notify_listen PATH\n");
		return 2;
	}
	strcpy(sun.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		perror(argv[1]);
		return 1;
	}
	for (;;) {
		char buf[4096], cbuf[CMSG_SPACE(sizeof(struct ucred))];
		struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf) - 1};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = cbuf,
				    .msg_controllen = sizeof(cbuf)};
		struct timespec ts;
		long pid = -1;
		ssize_t n = recvmsg(fd, &mh, 0);

		if (n < 0)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		buf[n] = '\0';
		for (char *p = buf; (p = strchr(p, '\n'));)
			*p = '|';
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
				struct ucred uc;

				memcpy(&uc, CMSG_DATA(c), sizeof(uc));
				pid = uc.pid;
			}
		printf("%ld.%03ld pid=%ld %s\n", (long)ts.tv_sec, ts.tv_nsec / 1000000, pid, buf);
		fflush(stdout);
	}
}
