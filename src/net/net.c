/* net: opens the IKE and NAT-T sockets, reads datagrams off them (pktinfo for the local
 * address, the non-ESP marker stripped) and sends IKE messages and NAT keepalives from a
 * chosen source address. Classification of what arrives is in dgram.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/udp.h>

#include "ipsecd/kernel.h"
#include "ipsecd/log.h"
#include "ipsecd/net.h"
#include "dgram.h"

/* With port 0, how often to retry when the port the kernel picked for IPv4 is taken on IPv6. */
#define NET_PORT_TRIES 16

struct net_sock {
	int fd; /* -1: not open (no IPv6 in this kernel) */
	uint8_t family;
	bool natt;
};

/* Control data large enough for either pktinfo, aligned for cmsghdr. */
union net_cmsg {
	struct cmsghdr align;
	uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
};

/* One datagram of a recvmmsg batch. The buffers take the largest datagram, but only the
 * pages a datagram touches become resident. */
struct net_rx_slot {
	struct sockaddr_storage from;
	union net_cmsg ctl;
	struct iovec iov;
	uint8_t buf[NET_DGRAM_MAX];
};

/* One datagram of a sendmmsg batch: what the engine sends while it handles a batch of
 * received ones (answers, cookies) goes out in one system call at the end. */
struct net_tx_slot {
	struct sockaddr_storage to;
	union net_cmsg ctl;
	struct iovec iov;
	bool keepalive;
	uint8_t buf[NET_TX_SLOT];
};

struct net {
	struct net_sock sock[2][2]; /* [natt][ipv6] */
	uint16_t port[2];	    /* [natt] */
	unsigned flags;
	bool no_ipv6;
	net_recv_fn fn;
	void *arg;
	struct net_stats stats;
	struct mmsghdr mmsg[NET_RX_MMSG];
	struct net_rx_slot *rx; /* NET_RX_MMSG of them */
	bool batching;		/* in net_on_ready: sends wait in tx, to go out together */
	int tx_fd;		/* the socket of the datagrams in tx */
	unsigned ntx;
	struct mmsghdr txm[NET_TX_MMSG];
	struct net_tx_slot *tx; /* NET_TX_MMSG of them */
};

static void tx_flush(struct net *n);
static void log_send_error(const struct net_addr *remote, bool natt, const char *what, int err);

static const char *sock_name(bool natt)
{
	return natt ? "NAT-T" : "IKE";
}

static const char *family_name(int family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

static int set_int(int fd, int level, int opt, int val)
{
	return setsockopt(fd, level, opt, &val, sizeof(val)) < 0 ? -errno : 0;
}

/* The options every IKE socket needs before bind; *step names the one that failed. */
static int sock_setup(int fd, int family, bool natt, unsigned flags, const char **step)
{
	int err;

	if (family == AF_INET6) {
		*step = "IPV6_V6ONLY";
		if ((err = set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1)))
			return err;
		*step = "IPV6_RECVPKTINFO";
		if ((err = set_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)))
			return err;
	} else {
		*step = "IP_PKTINFO";
		if ((err = set_int(fd, IPPROTO_IP, IP_PKTINFO, 1)))
			return err;
	}
	/* Room for bursts (a flood, many peers at once): beyond net.core.rmem_max when root
	 * (SO_RCVBUFFORCE), else as far as it allows. */
	*step = "SO_RCVBUF";
	if (set_int(fd, SOL_SOCKET, SO_RCVBUFFORCE, NET_RCVBUF) < 0 &&
	    (err = set_int(fd, SOL_SOCKET, SO_RCVBUF, NET_RCVBUF)))
		return err;
	*step = "SO_SNDBUF";
	if (set_int(fd, SOL_SOCKET, SO_SNDBUFFORCE, NET_SNDBUF) < 0 &&
	    (err = set_int(fd, SOL_SOCKET, SO_SNDBUF, NET_SNDBUF)))
		return err;
	/* RFC 3948: the kernel takes ESP-in-UDP off this socket and passes IKE through. */
	*step = "UDP_ENCAP";
	if (natt && (err = set_int(fd, IPPROTO_UDP, UDP_ENCAP, UDP_ENCAP_ESPINUDP)))
		return err;
	/* DESIGN.md §5: IKE itself must never be caught by an IPsec policy. */
	*step = "SPD bypass";
	err = kern_socket_bypass(fd, family);
	if (err && (flags & NET_BYPASS_OPTIONAL)) {
		log_debug(LOG_NET, NULL, "%s socket %s: no SPD bypass (%s), going on without",
			  sock_name(natt), family_name(family), strerror(-err));
		err = 0;
	}
	return err;
}

static int sock_bind(int fd, int family, uint16_t port, uint16_t *bound, const char **step)
{
	struct net_addr any = {.family = (uint8_t)family, .port = port};
	struct sockaddr_storage ss;
	socklen_t len = net_addr_to_sockaddr(&any, &ss);

	*step = "bind";
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		return -errno;
	*step = "getsockname";
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	net_addr_from_sockaddr(&any, (struct sockaddr *)&ss);
	*bound = any.port;
	return 0;
}

/* Opens, sets up and binds one socket into n->sock; the bound port in *bound. On failure,
 * the message in errbuf. */
static int sock_open(struct net *n, int family, bool natt, uint16_t port, uint16_t *bound,
		     char *errbuf, size_t errlen)
{
	struct net_sock *s = &n->sock[natt][family == AF_INET6];
	const char *step = "socket";
	int err = 0;
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);

	if (fd < 0)
		err = -errno;
	else if (!(err = sock_setup(fd, family, natt, n->flags, &step)))
		err = sock_bind(fd, family, port, bound, &step);
	if (err) {
		if (fd >= 0)
			close(fd);
		snprintf(errbuf, errlen, "%s socket %s port %u: %s: %s", sock_name(natt),
			 family_name(family), (unsigned)port, step, strerror(-err));
		return err;
	}
	s->fd = fd;
	return 0;
}

static void sock_close(struct net_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* Opens the IPv4 and IPv6 sockets of one port. With port 0 the kernel picks IPv4's, and
 * IPv6 binds the same one, so the port is one number; if IPv6 has it taken, try again. */
static int open_port(struct net *n, bool natt, uint16_t port, char *errbuf, size_t errlen)
{
	for (int tries = 1;; tries++) {
		uint16_t bound = 0, bound6 = 0;
		int err = sock_open(n, AF_INET, natt, port, &bound, errbuf, errlen);

		if (err)
			return err;
		if (!n->no_ipv6)
			err = sock_open(n, AF_INET6, natt, bound, &bound6, errbuf, errlen);
		if (err == -EAFNOSUPPORT) {
			log_info(LOG_NET, NULL, "no IPv6 in this kernel: IKE over IPv4 only");
			n->no_ipv6 = true;
			err = 0;
		}
		if (err == -EADDRINUSE && port == 0 && tries < NET_PORT_TRIES) {
			sock_close(&n->sock[natt][0]);
			continue;
		}
		n->port[natt] = bound;
		return err;
	}
}

struct net *net_open(uint16_t ike_port, uint16_t natt_port, unsigned flags, net_recv_fn fn,
		     void *arg, int *err, char *errbuf, size_t errlen)
{
	struct net *n;

	if (ike_port && ike_port == natt_port) {
		snprintf(errbuf, errlen, "IKE and NAT-T sockets on the same port %u",
			 (unsigned)ike_port);
		*err = -EINVAL;
		return NULL;
	}
	if (!(n = calloc(1, sizeof(*n))) || !(n->rx = calloc(NET_RX_MMSG, sizeof(*n->rx))) ||
	    !(n->tx = calloc(NET_TX_MMSG, sizeof(*n->tx)))) {
		if (n)
			free(n->rx);
		free(n);
		snprintf(errbuf, errlen, "IKE sockets: %s", strerror(ENOMEM));
		*err = -ENOMEM;
		return NULL;
	}
	for (int natt = 0; natt < 2; natt++)
		for (int v6 = 0; v6 < 2; v6++)
			n->sock[natt][v6] = (struct net_sock){
				.fd = -1, .family = v6 ? AF_INET6 : AF_INET, .natt = natt};
	n->flags = flags;
	n->fn = fn;
	n->arg = arg;
	if ((*err = open_port(n, false, ike_port, errbuf, errlen)) ||
	    (*err = open_port(n, true, natt_port, errbuf, errlen))) {
		net_close(n);
		return NULL;
	}
	return n;
}

void net_close(struct net *n)
{
	if (!n)
		return;
	for (int natt = 0; natt < 2; natt++)
		for (int v6 = 0; v6 < 2; v6++)
			sock_close(&n->sock[natt][v6]);
	free(n->rx);
	free(n->tx);
	free(n);
}

size_t net_fds(const struct net *n, int *fds, size_t max)
{
	size_t k = 0;

	for (int natt = 0; natt < 2; natt++)
		for (int v6 = 0; v6 < 2; v6++)
			if (n->sock[natt][v6].fd >= 0 && k < max)
				fds[k++] = n->sock[natt][v6].fd;
	return k;
}

uint16_t net_port(const struct net *n, bool natt)
{
	return n->port[natt];
}

const struct net_stats *net_stats(const struct net *n)
{
	return &n->stats;
}

/* The datagram's destination address, from IP_PKTINFO / IPV6_PKTINFO. */
static bool local_from_cmsg(struct msghdr *m, uint16_t port, struct net_addr *local)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			*local = (struct net_addr){.family = AF_INET, .port = port};
			memcpy(local->bytes, &pi.ipi_addr, 4);
			return true;
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			*local = (struct net_addr){.family = AF_INET6, .port = port};
			memcpy(local->bytes, &pi.ipi6_addr, 16);
			return true;
		}
	}
	return false;
}

static void log_drop(const struct net_pkt *p, size_t len, const char *why)
{
	char from[NET_ADDR_STRLEN];

	log_debug(LOG_NET, NULL, "dropped %zu bytes from %s on %s port: %s", len,
		  net_addr_str(&p->remote, from, sizeof(from)), sock_name(p->natt), why);
}

/* Counts what dgram.c made of the datagram in buf; true for an IKE message to deliver. */
static bool account(struct net *n, struct net_pkt *p, const uint8_t *buf, size_t len)
{
	size_t off = 0;

	switch (net_dgram_classify(p->natt, buf, len, &off)) {
	case NET_DGRAM_IKE:
		p->data = buf + off;
		p->len = len - off;
		n->stats.rx++;
		n->stats.rx_bytes += p->len;
		return true;
	case NET_DGRAM_KEEPALIVE:
		n->stats.keepalives_rx++;
		return false;
	case NET_DGRAM_SHORT:
		n->stats.dropped_short++;
		log_drop(p, len, "shorter than an IKE header");
		return false;
	case NET_DGRAM_LONG:
		n->stats.dropped_long++;
		log_drop(p, len, "too long");
		return false;
	case NET_DGRAM_NO_MARKER:
		n->stats.dropped_no_marker++;
		log_drop(p, len, "no non-ESP marker");
		return false;
	}
	return false;
}

static void log_rx(const struct net_pkt *p)
{
	char from[NET_ADDR_STRLEN], to[NET_ADDR_STRLEN];

	if (!log_enabled(LOG_NET, LOG_LVL_PACKET))
		return;
	log_msg(LOG_NET, LOG_LVL_PACKET, NULL, "received %zu bytes %s -> %s", p->len,
		net_addr_str(&p->remote, from, sizeof(from)),
		net_addr_str(&p->local, to, sizeof(to)));
}

/* Reads up to NET_RX_MMSG datagrams with one recvmmsg and delivers or counts each. The
 * number read, or -errno to stop reading (-EAGAIN: drained). */
static int recv_batch(struct net *n, const struct net_sock *s)
{
	int r;

	for (int i = 0; i < NET_RX_MMSG; i++) {
		struct net_rx_slot *x = &n->rx[i];

		x->iov = (struct iovec){.iov_base = x->buf, .iov_len = sizeof(x->buf)};
		n->mmsg[i].msg_hdr = (struct msghdr){.msg_name = &x->from,
						     .msg_namelen = sizeof(x->from),
						     .msg_iov = &x->iov,
						     .msg_iovlen = 1,
						     .msg_control = x->ctl.buf,
						     .msg_controllen = sizeof(x->ctl.buf)};
	}
	r = recvmmsg(s->fd, n->mmsg, NET_RX_MMSG, MSG_DONTWAIT, NULL);
	if (r < 0) {
		int err = -errno;

		if (err == -EINTR)
			return 0;
		if (err == -EAGAIN || err == -EWOULDBLOCK)
			return -EAGAIN;
		n->stats.rx_errors++;
		log_debug(LOG_NET, NULL, "%s socket %s: recvmmsg: %s", sock_name(s->natt),
			  family_name(s->family), strerror(-err));
		return err;
	}
	for (int i = 0; i < r; i++) {
		struct msghdr *m = &n->mmsg[i].msg_hdr;
		struct net_pkt p = {.natt = s->natt};
		size_t len = n->mmsg[i].msg_len;

		net_addr_from_sockaddr(&p.remote, (struct sockaddr *)&n->rx[i].from);
		if (m->msg_flags & MSG_TRUNC) { /* cannot be with 64 KiB buffers; if it were */
			n->stats.dropped_long++;
			log_drop(&p, len, "too long");
		} else if (!local_from_cmsg(m, n->port[s->natt], &p.local)) {
			n->stats.rx_errors++;
			log_drop(&p, len, "no destination address (pktinfo)");
		} else if (account(n, &p, n->rx[i].buf, len)) {
			log_rx(&p);
			n->fn(n->arg, &p);
		}
	}
	return r;
}

static const struct net_sock *find_sock(const struct net *n, int fd)
{
	for (int natt = 0; natt < 2; natt++)
		for (int v6 = 0; v6 < 2; v6++)
			if (fd >= 0 && n->sock[natt][v6].fd == fd)
				return &n->sock[natt][v6];
	return NULL;
}

void net_on_ready(struct net *n, int fd)
{
	const struct net_sock *s = find_sock(n, fd);
	int got = 0, r;

	/* at most NET_RX_BATCH, so that timers and the other sockets get their turn; what
	 * the engine sends meanwhile goes out in batches too */
	n->batching = true;
	while (s && got < NET_RX_BATCH && (r = recv_batch(n, s)) > 0) {
		got += r;
		if (r < NET_RX_MMSG)
			break;
	}
	n->batching = false;
	tx_flush(n);
}

/* Puts the source address into the control data of m (IP_PKTINFO / IPV6_PKTINFO). */
static void put_pktinfo(struct msghdr *m, union net_cmsg *ctl, const struct net_addr *local)
{
	struct cmsghdr *c;

	memset(ctl, 0, sizeof(*ctl));
	m->msg_control = ctl->buf;
	if (local->family == AF_INET) {
		struct in_pktinfo pi = {0};

		memcpy(&pi.ipi_spec_dst, local->bytes, 4);
		m->msg_controllen = CMSG_SPACE(sizeof(pi));
		c = CMSG_FIRSTHDR(m);
		*c = (struct cmsghdr){.cmsg_level = IPPROTO_IP,
				      .cmsg_type = IP_PKTINFO,
				      .cmsg_len = CMSG_LEN(sizeof(pi))};
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	} else {
		struct in6_pktinfo pi = {0};

		memcpy(&pi.ipi6_addr, local->bytes, 16);
		m->msg_controllen = CMSG_SPACE(sizeof(pi));
		c = CMSG_FIRSTHDR(m);
		*c = (struct cmsghdr){.cmsg_level = IPPROTO_IPV6,
				      .cmsg_type = IPV6_PKTINFO,
				      .cmsg_len = CMSG_LEN(sizeof(pi))};
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	}
}

/* Sends what waits in tx with sendmmsg; a datagram the kernel refuses is counted as a
 * failed send (it was counted as sent when queued). */
static void tx_flush(struct net *n)
{
	unsigned done = 0;

	while (done < n->ntx) {
		int r = sendmmsg(n->tx_fd, n->txm + done, n->ntx - done, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) { /* this one fails: count it, go on with the rest */
			struct net_tx_slot *x = &n->tx[done];
			bool natt = n->tx_fd == n->sock[1][0].fd || n->tx_fd == n->sock[1][1].fd;
			struct net_addr to;

			net_addr_from_sockaddr(&to, (struct sockaddr *)&x->to);
			n->stats.send_errors++;
			if (x->keepalive)
				n->stats.keepalives_tx--;
			else
				n->stats.tx--;
			log_send_error(&to, natt, x->keepalive ? "NAT keepalive" : "IKE message",
				       r < 0 ? -errno : -EIO);
			r = 1;
		}
		done += (unsigned)r;
	}
	n->ntx = 0;
}

/* Queues the datagram for tx_flush; false when it cannot wait (too long for a slot). */
static bool tx_queue(struct net *n, int fd, const struct msghdr *m, bool keepalive)
{
	struct net_tx_slot *x;
	size_t len = 0;

	for (size_t i = 0; i < m->msg_iovlen; i++)
		len += m->msg_iov[i].iov_len;
	if (len > NET_TX_SLOT)
		return false;
	if (n->ntx && (fd != n->tx_fd || n->ntx == NET_TX_MMSG))
		tx_flush(n);
	x = &n->tx[n->ntx];
	len = 0;
	for (size_t i = 0; i < m->msg_iovlen; i++) {
		memcpy(x->buf + len, m->msg_iov[i].iov_base, m->msg_iov[i].iov_len);
		len += m->msg_iov[i].iov_len;
	}
	memcpy(&x->to, m->msg_name, m->msg_namelen);
	x->iov = (struct iovec){.iov_base = x->buf, .iov_len = len};
	x->keepalive = keepalive;
	n->txm[n->ntx].msg_hdr = (struct msghdr){.msg_name = &x->to,
						 .msg_namelen = m->msg_namelen,
						 .msg_iov = &x->iov,
						 .msg_iovlen = 1};
	if (m->msg_controllen) {
		memcpy(x->ctl.buf, m->msg_control, m->msg_controllen);
		n->txm[n->ntx].msg_hdr.msg_control = x->ctl.buf;
		n->txm[n->ntx].msg_hdr.msg_controllen = m->msg_controllen;
	}
	n->tx_fd = fd;
	n->ntx++;
	return true;
}

/* Sends the iovecs as one datagram on the IKE or NAT-T socket of remote's family; while a
 * received batch is handled, queued to go out with the others. */
static int send_iov(struct net *n, const struct net_addr *local, const struct net_addr *remote,
		    bool natt, struct iovec *iov, size_t niov, bool keepalive)
{
	struct sockaddr_storage to;
	union net_cmsg ctl;
	struct msghdr m = {.msg_name = &to, .msg_iov = iov, .msg_iovlen = niov};
	const struct net_sock *s;
	ssize_t r;

	if (remote->family != AF_INET && remote->family != AF_INET6)
		return -EAFNOSUPPORT;
	if (local && local->family && local->family != remote->family)
		return -EINVAL;
	s = &n->sock[natt][remote->family == AF_INET6];
	if (s->fd < 0)
		return -EAFNOSUPPORT;
	m.msg_namelen = net_addr_to_sockaddr(remote, &to);
	if (local && local->family)
		put_pktinfo(&m, &ctl, local);
	if (n->batching && tx_queue(n, s->fd, &m, keepalive))
		return 0;
	if (n->ntx)
		tx_flush(n); /* in order */
	do
		r = sendmsg(s->fd, &m, 0);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

static void log_send_error(const struct net_addr *remote, bool natt, const char *what, int err)
{
	char to[NET_ADDR_STRLEN];

	log_debug(LOG_NET, NULL, "sending %s to %s on %s port: %s", what,
		  net_addr_str(remote, to, sizeof(to)), sock_name(natt), strerror(-err));
}

int net_send(struct net *n, const struct net_addr *local, const struct net_addr *remote, bool natt,
	     const void *buf, size_t len)
{
	static const uint8_t marker[NET_NON_ESP_LEN];
	struct iovec iov[2];
	size_t niov = 0;
	int err;

	/* RFC 7296 2.23: IKE on the NAT-T port starts with four zero bytes. */
	if (natt)
		iov[niov++] = (struct iovec){.iov_base = (void *)marker, .iov_len = sizeof(marker)};
	iov[niov++] = (struct iovec){.iov_base = (void *)buf, .iov_len = len};
	if (len > NET_DGRAM_MAX - (natt ? NET_NON_ESP_LEN : 0))
		err = -EMSGSIZE;
	else
		err = send_iov(n, local, remote, natt, iov, niov, false);
	if (err) {
		n->stats.send_errors++;
		log_send_error(remote, natt, "IKE message", err);
		return err;
	}
	n->stats.tx++;
	n->stats.tx_bytes += len;
	return 0;
}

int net_send_keepalive(struct net *n, const struct net_addr *local, const struct net_addr *remote)
{
	uint8_t ka = 0xff;
	struct iovec iov = {.iov_base = &ka, .iov_len = sizeof(ka)};
	int err = send_iov(n, local, remote, true, &iov, 1, true);

	if (err) {
		n->stats.send_errors++;
		log_send_error(remote, true, "NAT keepalive", err);
		return err;
	}
	n->stats.keepalives_tx++;
	return 0;
}
