/* check_net: the IKE sockets over loopback (src/net). Opened on kernel-picked ports with the
 * SPD bypass optional, so no root is needed: IKE messages arrive on both ports and families
 * with the right local address, the non-ESP marker is stripped, keepalives, unmarked and short
 * datagrams are counted and dropped, a busy socket is read in bounded batches, sends leave
 * from the right port (with the marker on NAT-T), and a required bypass that fails is an
 * error. Also the datagram classifier and the address helpers. Waits only with poll(). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipsecd/net.h"
#include "dgram.h"

#define WAIT_MS 2000 /* a datagram over loopback comes at once; this only bounds a failure */
#define MSG_LEN 40

/* What the callback saw. */
struct rx {
	int count;
	struct net_pkt last; /* data points into buf */
	uint8_t buf[2048];
};

static void on_pkt(void *arg, const struct net_pkt *p)
{
	struct rx *rx = arg;

	ck_assert_uint_le(p->len, sizeof(rx->buf));
	memcpy(rx->buf, p->data, p->len);
	rx->last = *p;
	rx->last.data = rx->buf;
	rx->count++;
}

static struct net *open_net(struct rx *rx)
{
	char msg[256] = "";
	int err = 1;
	struct net *n = net_open(0, 0, NET_BYPASS_OPTIONAL, on_pkt, rx, &err, msg, sizeof(msg));

	ck_assert_msg(n != NULL, "net_open: %d %s", err, msg);
	return n;
}

static struct net_addr loopback(int family, uint16_t port)
{
	struct net_addr a = {.family = (uint8_t)family, .port = port};

	ck_assert_int_eq(inet_pton(family, family == AF_INET ? "127.0.0.1" : "::1", a.bytes), 1);
	return a;
}

/* A plain UDP socket on loopback, port kernel-picked; its address in *self. */
static int plain_socket(int family, struct net_addr *self)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	*self = loopback(family, 0);
	len = net_addr_to_sockaddr(self, &ss);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&ss, len), 0);
	len = sizeof(ss);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	net_addr_from_sockaddr(self, (struct sockaddr *)&ss);
	return fd;
}

static void send_raw(int fd, const struct net_addr *to, const void *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = net_addr_to_sockaddr(to, &ss);

	ck_assert_int_eq(sendto(fd, buf, len, 0, (struct sockaddr *)&ss, sl), (ssize_t)len);
}

/* An IKE-looking message of len bytes, first byte tag (never zero: not a marker). */
static void make_msg(uint8_t *buf, size_t len, uint8_t tag)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(tag + i);
}

/* Sends msg to the net's socket as a peer would: with the marker on NAT-T. */
static void send_ike(int fd, const struct net_addr *to, bool natt, const uint8_t *msg, size_t len)
{
	uint8_t buf[2048] = {0};
	size_t off = natt ? 4 : 0;

	memcpy(buf + off, msg, len);
	send_raw(fd, to, buf, len + off);
}

/* The net fd of one family and port: net_fds() lists IKE v4, v6, then NAT-T v4, v6. */
static int net_fd(const struct net *n, int family, bool natt)
{
	int fds[NET_MAX_FDS];

	ck_assert_uint_eq(net_fds(n, fds, NET_MAX_FDS), 4);
	return fds[(natt ? 2 : 0) + (family == AF_INET6)];
}

static bool readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, WAIT_MS) == 1;
}

/* Reads fd until the callback has seen want messages. */
static void pump(struct net *n, int fd, struct rx *rx, int want)
{
	while (rx->count < want) {
		ck_assert_msg(readable(fd), "nothing arrived");
		net_on_ready(n, fd);
	}
}

static const int families[] = {AF_INET, AF_INET6};

START_TEST(test_open)
{
	struct rx rx = {0};
	struct net *n = open_net(&rx);
	int fds[NET_MAX_FDS];

	ck_assert_uint_ne(net_port(n, false), 0);
	ck_assert_uint_ne(net_port(n, true), 0);
	ck_assert_uint_ne(net_port(n, false), net_port(n, true));
	ck_assert_uint_eq(net_fds(n, fds, NET_MAX_FDS), 4);
	ck_assert_uint_eq(net_fds(n, fds, 1), 1);
	for (int i = 0; i < 4; i++) {
		ck_assert(fcntl(fds[i], F_GETFL) & O_NONBLOCK);
		ck_assert(fcntl(fds[i], F_GETFD) & FD_CLOEXEC);
	}
	net_on_ready(n, -1); /* not ours: ignored */
	net_on_ready(n, STDIN_FILENO);
	net_close(n);
	net_close(NULL);
}
END_TEST

START_TEST(test_open_errors)
{
	struct rx rx = {0};
	struct net *n = open_net(&rx), *n2;
	uint16_t port = net_port(n, false);
	char msg[256], want[64];
	int err = 0;

	ck_assert_ptr_null(net_open(7, 7, NET_BYPASS_OPTIONAL, on_pkt, &rx, &err, msg, 256));
	ck_assert_int_eq(err, -EINVAL);
	n2 = net_open(port, 0, NET_BYPASS_OPTIONAL, on_pkt, &rx, &err, msg, sizeof(msg));
	ck_assert_ptr_null(n2);
	ck_assert_int_eq(err, -EADDRINUSE);
	snprintf(want, sizeof(want), "IKE socket IPv4 port %u: bind: ", (unsigned)port);
	ck_assert_msg(strstr(msg, want) == msg, "%s", msg);
	n2 = net_open(0, net_port(n, true), NET_BYPASS_OPTIONAL, on_pkt, &rx, &err, msg, 256);
	ck_assert_ptr_null(n2);
	ck_assert_int_eq(err, -EADDRINUSE);
	ck_assert_msg(strstr(msg, "NAT-T socket IPv4 port ") == msg, "%s", msg);
	net_close(n);
}
END_TEST

/* Loop i: family i / 2, NAT-T port when i is odd. */
START_TEST(test_recv)
{
	int family = families[_i / 2];
	bool natt = _i % 2;
	struct rx rx = {0};
	struct net *n = open_net(&rx);
	struct net_addr peer, to = loopback(family, net_port(n, natt));
	int fd = plain_socket(family, &peer);
	uint8_t msg[MSG_LEN];

	make_msg(msg, sizeof(msg), 0x11);
	send_ike(fd, &to, natt, msg, sizeof(msg));
	pump(n, net_fd(n, family, natt), &rx, 1);
	ck_assert_uint_eq(rx.last.len, sizeof(msg));
	ck_assert_mem_eq(rx.last.data, msg, sizeof(msg));
	ck_assert(rx.last.natt == natt);
	ck_assert(net_addr_eq(&rx.last.local, &to)); /* 127.0.0.1 / ::1, the bound port */
	ck_assert(net_addr_eq(&rx.last.remote, &peer));
	ck_assert_uint_eq(net_stats(n)->rx, 1);
	ck_assert_uint_eq(net_stats(n)->rx_bytes, sizeof(msg));
	close(fd);
	net_close(n);
}
END_TEST

/* The kernel drops keepalives on UDP_ENCAP sockets before they reach us; whichever of the two
 * handles one, it never reaches the callback and nothing counts it as malformed. */
START_TEST(test_keepalive_rx)
{
	int family = families[_i];
	struct rx rx = {0};
	struct net *n = open_net(&rx);
	struct net_addr peer, to = loopback(family, net_port(n, true));
	int fd = plain_socket(family, &peer);
	uint8_t ka = 0xff, msg[MSG_LEN];
	const struct net_stats *st = net_stats(n);

	make_msg(msg, sizeof(msg), 0x22);
	send_raw(fd, &to, &ka, 1);
	send_ike(fd, &to, true, msg, sizeof(msg)); /* behind it in the queue */
	pump(n, net_fd(n, family, true), &rx, 1);
	ck_assert_mem_eq(rx.last.data, msg, sizeof(msg));
	ck_assert_uint_eq(st->rx, 1);
	ck_assert_uint_le(st->keepalives_rx, 1);
	ck_assert_uint_eq(st->dropped_no_marker + st->dropped_short + st->rx_errors, 0);
	close(fd);
	net_close(n);
}
END_TEST

/* Without the marker, only datagrams of up to 8 bytes reach the socket: longer ones the
 * kernel takes for ESP. */
START_TEST(test_no_marker)
{
	static const uint8_t bad[][6] = {{0x00}, {0xff, 0xff}, {1, 2, 3, 4, 5, 6}};
	static const size_t bad_len[] = {1, 2, 6};
	int family = families[_i];
	struct rx rx = {0};
	struct net *n = open_net(&rx);
	struct net_addr peer, to = loopback(family, net_port(n, true));
	int fd = plain_socket(family, &peer);
	uint8_t msg[MSG_LEN];

	for (size_t i = 0; i < 3; i++)
		send_raw(fd, &to, bad[i], bad_len[i]);
	make_msg(msg, sizeof(msg), 0x33);
	send_ike(fd, &to, true, msg, sizeof(msg));
	pump(n, net_fd(n, family, true), &rx, 1);
	ck_assert_int_eq(rx.count, 1);
	ck_assert_mem_eq(rx.last.data, msg, sizeof(msg));
	ck_assert_uint_eq(net_stats(n)->dropped_no_marker, 3);
	ck_assert_uint_eq(net_stats(n)->keepalives_rx, 0);
	ck_assert_uint_eq(net_stats(n)->rx, 1);
	close(fd);
	net_close(n);
}
END_TEST

/* Loop i as in test_recv. Shorter than 28 bytes after the marker: dropped. */
START_TEST(test_short)
{
	int family = families[_i / 2];
	bool natt = _i % 2;
	struct rx rx = {0};
	struct net *n = open_net(&rx);
	struct net_addr peer, to = loopback(family, net_port(n, natt));
	int fd = plain_socket(family, &peer);
	uint8_t msg[MSG_LEN];

	make_msg(msg, sizeof(msg), 0x44);
	send_ike(fd, &to, natt, msg, 27);
	send_ike(fd, &to, natt, msg, 0);
	send_ike(fd, &to, natt, msg, 28); /* the shortest that passes */
	pump(n, net_fd(n, family, natt), &rx, 1);
	ck_assert_int_eq(rx.count, 1);
	ck_assert_uint_eq(rx.last.len, 28);
	ck_assert_uint_eq(net_stats(n)->dropped_short, 2);
	ck_assert_uint_eq(net_stats(n)->rx, 1);
	close(fd);
	net_close(n);
}
END_TEST

/* One call reads at most NET_RX_BATCH datagrams; the rest on the next readiness. */
START_TEST(test_batch)
{
	enum { TOTAL = NET_RX_BATCH + 5 };
	struct rx rx = {0};
	struct net *n = open_net(&rx);
	struct net_addr peer, to = loopback(AF_INET, net_port(n, false));
	int fd = plain_socket(AF_INET, &peer), nfd = net_fd(n, AF_INET, false), calls = 0;
	uint8_t msg[MSG_LEN];

	make_msg(msg, sizeof(msg), 0x55);
	for (int i = 0; i < TOTAL; i++)
		send_ike(fd, &to, false, msg, sizeof(msg));
	while (rx.count < TOTAL) {
		int before = rx.count;

		ck_assert(readable(nfd));
		net_on_ready(n, nfd);
		ck_assert_int_le(rx.count - before, NET_RX_BATCH);
		calls++;
	}
	ck_assert_int_ge(calls, 2);
	ck_assert_uint_eq(net_stats(n)->rx, TOTAL);
	close(fd);
	net_close(n);
}
END_TEST

/* Every socket gets a receive buffer for bursts: NET_RCVBUF (doubled by the kernel) as
 * root, else what net.core.rmem_max allows, never the small default. */
START_TEST(test_rcvbuf)
{
	struct rx rx = {0};
	struct net *n = open_net(&rx);
	int fds[NET_MAX_FDS];
	long max = 0;
	FILE *f = fopen("/proc/sys/net/core/rmem_max", "r");

	if (f) {
		ck_assert_int_eq(fscanf(f, "%ld", &max), 1);
		fclose(f);
	}
	long want = geteuid() == 0 ? NET_RCVBUF : (max < NET_RCVBUF ? max : NET_RCVBUF);

	for (size_t i = 0; i < net_fds(n, fds, NET_MAX_FDS); i++) {
		int val = 0;
		socklen_t len = sizeof(val);

		ck_assert_int_eq(getsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &val, &len), 0);
		ck_assert_msg(val >= 2 * want, "fd %zu: SO_RCVBUF %d, want %ld", i, val, 2 * want);
	}
	net_close(n);
}
END_TEST

/* Reads one datagram from a plain socket; its source in *from. */
static size_t recv_raw(int fd, uint8_t *buf, size_t len, struct net_addr *from)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	ssize_t r;

	ck_assert(readable(fd));
	r = recvfrom(fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&ss, &sl);
	ck_assert_int_ge(r, 0);
	net_addr_from_sockaddr(from, (struct sockaddr *)&ss);
	return (size_t)r;
}

/* Answers every datagram at once, as the engine answers requests: the answers to one
 * batch go out together (sendmmsg), all of them, in order; one too long to wait in a
 * batch slot keeps its place. */
struct echo {
	struct net *n;
	int count;
};

static void on_echo(void *arg, const struct net_pkt *p)
{
	struct echo *e = arg;
	static uint8_t big[NET_TX_SLOT + 100];
	uint8_t msg[MSG_LEN];

	make_msg(msg, sizeof(msg), (uint8_t)e->count);
	if (e->count == 5) { /* the sixth answer is too long for a slot */
		memcpy(big, msg, sizeof(msg));
		ck_assert_int_eq(net_send(e->n, &p->local, &p->remote, false, big, sizeof(big)), 0);
	} else {
		ck_assert_int_eq(net_send(e->n, &p->local, &p->remote, false, msg, sizeof(msg)), 0);
	}
	e->count++;
}

START_TEST(test_send_batched)
{
	enum { TOTAL = 3 * NET_TX_MMSG + 7 };
	struct echo e = {0};
	char err[256] = "";
	int code = 0;

	e.n = net_open(0, 0, NET_BYPASS_OPTIONAL, on_echo, &e, &code, err, sizeof(err));
	ck_assert_msg(e.n != NULL, "net_open: %s", err);
	struct net_addr peer, to = loopback(AF_INET, net_port(e.n, false)), from;
	int fd = plain_socket(AF_INET, &peer), nfd = net_fd(e.n, AF_INET, false);
	uint8_t msg[MSG_LEN], got[NET_TX_SLOT + 200];

	make_msg(msg, sizeof(msg), 0x11);
	for (int i = 0; i < TOTAL; i++)
		send_ike(fd, &to, false, msg, sizeof(msg));
	while (e.count < TOTAL) {
		ck_assert(readable(nfd));
		net_on_ready(e.n, nfd);
	}
	for (int i = 0; i < TOTAL; i++) {
		size_t len = recv_raw(fd, got, sizeof(got), &from);

		ck_assert_uint_eq(len, i == 5 ? NET_TX_SLOT + 100 : MSG_LEN);
		make_msg(msg, sizeof(msg), (uint8_t)i);
		ck_assert_msg(!memcmp(got, msg, MSG_LEN), "answer %d out of order", i);
		ck_assert_uint_eq(from.port, net_port(e.n, false));
	}
	ck_assert_uint_eq(net_stats(e.n)->tx, TOTAL);
	ck_assert_uint_eq(net_stats(e.n)->send_errors, 0);
	close(fd);
	net_close(e.n);
}
END_TEST

/* Loop i as in test_recv; sent with and without a chosen source address. */
START_TEST(test_send)
{
	int family = families[_i / 2];
	bool natt = _i % 2;
	struct rx rx = {0};
	struct net *n = open_net(&rx);
	struct net_addr peer, from, src = loopback(family, net_port(n, natt));
	struct net_addr any = {0};
	int fd = plain_socket(family, &peer);
	uint8_t msg[MSG_LEN], got[2048], want[2048] = {0};
	size_t off = natt ? 4 : 0;

	make_msg(msg, sizeof(msg), 0x66);
	memcpy(want + off, msg, sizeof(msg));
	ck_assert_int_eq(net_send(n, &src, &peer, natt, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(recv_raw(fd, got, sizeof(got), &from), sizeof(msg) + off);
	ck_assert_mem_eq(got, want, sizeof(msg) + off);
	ck_assert(net_addr_eq(&from, &src));
	ck_assert_int_eq(net_send(n, &any, &peer, natt, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(recv_raw(fd, got, sizeof(got), &from), sizeof(msg) + off);
	ck_assert(net_addr_eq(&from, &src));
	ck_assert_int_eq(net_send(n, NULL, &peer, natt, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(recv_raw(fd, got, sizeof(got), &from), sizeof(msg) + off);
	ck_assert_uint_eq(net_stats(n)->tx, 3);
	ck_assert_uint_eq(net_stats(n)->tx_bytes, 3 * sizeof(msg));
	close(fd);
	net_close(n);
}
END_TEST

START_TEST(test_send_keepalive)
{
	int family = families[_i];
	struct rx rx = {0};
	struct net *n = open_net(&rx);
	struct net_addr peer, from, src = loopback(family, net_port(n, true));
	int fd = plain_socket(family, &peer);
	uint8_t got[16];

	ck_assert_int_eq(net_send_keepalive(n, &src, &peer), 0);
	ck_assert_uint_eq(recv_raw(fd, got, sizeof(got), &from), 1);
	ck_assert_uint_eq(got[0], 0xff);
	ck_assert(net_addr_eq(&from, &src));
	ck_assert_uint_eq(net_stats(n)->keepalives_tx, 1);
	ck_assert_uint_eq(net_stats(n)->tx, 0);
	close(fd);
	net_close(n);
}
END_TEST

START_TEST(test_send_errors)
{
	static uint8_t big[NET_DGRAM_MAX + 1];
	struct rx rx = {0};
	struct net *n = open_net(&rx);
	struct net_addr peer = loopback(AF_INET, 9), src6 = loopback(AF_INET6, 0);
	struct net_addr none = {0};

	ck_assert_int_eq(net_send(n, &src6, &peer, false, big, 40), -EINVAL);
	ck_assert_int_eq(net_send(n, NULL, &none, false, big, 40), -EAFNOSUPPORT);
	ck_assert_int_eq(net_send(n, NULL, &peer, true, big, 65532), -EMSGSIZE);
	ck_assert_int_eq(net_send(n, NULL, &peer, false, big, sizeof(big)), -EMSGSIZE);
	ck_assert_int_eq(net_send_keepalive(n, &src6, &peer), -EINVAL);
	ck_assert_uint_eq(net_stats(n)->send_errors, 5);
	ck_assert_uint_eq(net_stats(n)->tx + net_stats(n)->keepalives_tx, 0);
	net_close(n);
}
END_TEST

/* Two nets talking over NAT-T, both sockets with UDP_ENCAP: the marker goes on and comes off. */
START_TEST(test_net_to_net)
{
	int family = families[_i];
	struct rx rx_a = {0}, rx_b = {0};
	struct net *a = open_net(&rx_a), *b = open_net(&rx_b);
	struct net_addr from = loopback(family, net_port(a, true));
	struct net_addr to = loopback(family, net_port(b, true));
	uint8_t msg[MSG_LEN];

	make_msg(msg, sizeof(msg), 0x77);
	ck_assert_int_eq(net_send_keepalive(a, &from, &to), 0);
	ck_assert_int_eq(net_send(a, &from, &to, true, msg, sizeof(msg)), 0);
	pump(b, net_fd(b, family, true), &rx_b, 1);
	ck_assert_uint_eq(rx_b.last.len, sizeof(msg));
	ck_assert_mem_eq(rx_b.last.data, msg, sizeof(msg));
	ck_assert(rx_b.last.natt);
	ck_assert(net_addr_eq(&rx_b.last.remote, &from));
	ck_assert(net_addr_eq(&rx_b.last.local, &to));
	ck_assert_uint_eq(net_stats(b)->dropped_no_marker, 0);
	net_close(a);
	net_close(b);
}
END_TEST

/* Without CAP_NET_ADMIN the bypass fails; unless it is optional, so does net_open. */
START_TEST(test_bypass_required)
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct rx rx = {0};
		char msg[256] = "";
		int err = 0;
		struct net *n;

		if (geteuid() == 0 &&
		    (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534)))
			_exit(2);
		n = net_open(0, 0, 0, on_pkt, &rx, &err, msg, sizeof(msg));
		if (n || err != -EPERM || !strstr(msg, "IKE socket IPv4 port 0: SPD bypass: "))
			_exit(1);
		n = net_open(0, 0, NET_BYPASS_OPTIONAL, on_pkt, &rx, &err, msg, sizeof(msg));
		if (!n)
			_exit(3);
		net_close(n);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

START_TEST(test_classify)
{
	static uint8_t d[NET_DGRAM_MAX];
	size_t off = 99;

	memset(d, 0x5a, sizeof(d));
	ck_assert_int_eq(net_dgram_classify(false, d, 28, &off), NET_DGRAM_IKE);
	ck_assert_uint_eq(off, 0);
	ck_assert_int_eq(net_dgram_classify(false, d, NET_DGRAM_MAX, &off), NET_DGRAM_IKE);
	ck_assert_int_eq(net_dgram_classify(false, d, 27, &off), NET_DGRAM_SHORT);
	ck_assert_int_eq(net_dgram_classify(false, d, 0, &off), NET_DGRAM_SHORT);
	/* data is not read past NET_DGRAM_MAX: d is exactly that long */
	ck_assert_int_eq(net_dgram_classify(false, d, NET_DGRAM_MAX + 1, &off), NET_DGRAM_LONG);
	ck_assert_int_eq(net_dgram_classify(true, d, 100000, &off), NET_DGRAM_LONG);
	/* on port 500 a keepalive is just short */
	d[0] = 0xff;
	ck_assert_int_eq(net_dgram_classify(false, d, 1, &off), NET_DGRAM_SHORT);
	ck_assert_int_eq(net_dgram_classify(true, d, 1, &off), NET_DGRAM_KEEPALIVE);
	ck_assert_int_eq(net_dgram_classify(true, d, 2, &off), NET_DGRAM_NO_MARKER);
	ck_assert_int_eq(net_dgram_classify(true, d, 40, &off), NET_DGRAM_NO_MARKER);
	memset(d, 0, 4);
	ck_assert_int_eq(net_dgram_classify(true, d, 3, &off), NET_DGRAM_NO_MARKER);
	ck_assert_int_eq(net_dgram_classify(true, d, 4, &off), NET_DGRAM_SHORT);
	ck_assert_int_eq(net_dgram_classify(true, d, 31, &off), NET_DGRAM_SHORT);
	off = 99;
	ck_assert_int_eq(net_dgram_classify(true, d, 32, &off), NET_DGRAM_IKE);
	ck_assert_uint_eq(off, 4);
	ck_assert_int_eq(net_dgram_classify(true, d, NET_DGRAM_MAX, &off), NET_DGRAM_IKE);
	d[3] = 1; /* any non-zero byte breaks the marker */
	ck_assert_int_eq(net_dgram_classify(true, d, 32, &off), NET_DGRAM_NO_MARKER);
}
END_TEST

START_TEST(test_addr)
{
	struct net_addr a = {0}, b;
	struct sockaddr_storage ss;
	char buf[NET_ADDR_STRLEN];

	a.family = AF_INET;
	a.port = 500;
	ck_assert_int_eq(inet_pton(AF_INET, "192.0.2.1", a.bytes), 1);
	ck_assert_str_eq(net_addr_str(&a, buf, sizeof(buf)), "192.0.2.1[500]");
	ck_assert_uint_eq(net_addr_to_sockaddr(&a, &ss), sizeof(struct sockaddr_in));
	ck_assert_uint_eq(ntohs(((struct sockaddr_in *)&ss)->sin_port), 500);
	net_addr_from_sockaddr(&b, (struct sockaddr *)&ss);
	ck_assert(net_addr_eq(&a, &b));
	b.port = 4500;
	ck_assert(!net_addr_eq(&a, &b));
	b.port = 500;
	b.bytes[8] = 1; /* past an IPv4 address: not compared */
	ck_assert(net_addr_eq(&a, &b));
	b.bytes[3] = 2;
	ck_assert(!net_addr_eq(&a, &b));

	a = (struct net_addr){.family = AF_INET6, .port = 4500};
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8::1", a.bytes), 1);
	ck_assert_str_eq(net_addr_str(&a, buf, sizeof(buf)), "2001:db8::1[4500]");
	ck_assert_uint_eq(net_addr_to_sockaddr(&a, &ss), sizeof(struct sockaddr_in6));
	net_addr_from_sockaddr(&b, (struct sockaddr *)&ss);
	ck_assert(net_addr_eq(&a, &b));
	b.family = AF_INET;
	ck_assert(!net_addr_eq(&a, &b));
	ck_assert_str_eq(net_addr_str(&a, buf, 8), "2001:db");

	memset(&a, 0xee, sizeof(a));
	a.family = 0;
	ck_assert_str_eq(net_addr_str(&a, buf, sizeof(buf)), "%none");
	ck_assert_uint_eq(net_addr_to_sockaddr(&a, &ss), 0);
	ss.ss_family = AF_UNIX;
	net_addr_from_sockaddr(&b, (struct sockaddr *)&ss);
	ck_assert_uint_eq(b.family, 0);
	ck_assert_uint_eq(b.port, 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("net");
	TCase *sock = tcase_create("sockets"), *pure = tcase_create("pure");

	tcase_add_test(sock, test_open);
	tcase_add_test(sock, test_open_errors);
	tcase_add_loop_test(sock, test_recv, 0, 4);
	tcase_add_loop_test(sock, test_keepalive_rx, 0, 2);
	tcase_add_loop_test(sock, test_no_marker, 0, 2);
	tcase_add_loop_test(sock, test_short, 0, 4);
	tcase_add_test(sock, test_batch);
	tcase_add_test(sock, test_rcvbuf);
	tcase_add_test(sock, test_send_batched);
	tcase_add_loop_test(sock, test_send, 0, 4);
	tcase_add_loop_test(sock, test_send_keepalive, 0, 2);
	tcase_add_test(sock, test_send_errors);
	tcase_add_loop_test(sock, test_net_to_net, 0, 2);
	tcase_add_test(sock, test_bypass_required);
	suite_add_tcase(s, sock);
	tcase_add_test(pure, test_classify);
	tcase_add_test(pure, test_addr);
	suite_add_tcase(s, pure);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(suite());

	srunner_run_all(r, CK_NORMAL);
	int failed = srunner_ntests_failed(r);

	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
