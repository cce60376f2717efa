/* ifaddr: addresses on interfaces (RTM_NEWADDR / RTM_DELADDR), for the address a
 * mode-config client is given: it sits on the interface towards its gateway while the
 * IKE SA lives. rtnetlink wants a NETLINK_ROUTE socket, not the XFRM ones: it is opened
 * on first use. The kernel handles an rtnetlink request inside the send, so its ack is
 * already queued when sendto() returns and reading it does not wait; done therefore runs
 * before the call returns, as it does when an XFRM request cannot be sent. */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <sys/socket.h>

#include "internal.h"

#define ACK_WAIT_MS 1000 /* only if the kernel did not answer within the send */

static size_t addr_len(uint8_t family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

struct nl_msg *kern_ifaddr_msg(bool add, int ifindex, const struct kern_addr *a, uint8_t plen)
{
	size_t alen = addr_len(a->family);
	struct ifaddrmsg ifa = {.ifa_family = a->family,
				.ifa_prefixlen = plen,
				.ifa_scope = RT_SCOPE_UNIVERSE,
				.ifa_index = (uint32_t)ifindex};
	struct nl_msg *msg;

	if (!alen || ifindex <= 0 || plen > alen * 8)
		return NULL;
	/* an IPv6 address is usable at once: no duplicate detection on a tunnel's address */
	if (a->family == AF_INET6)
		ifa.ifa_flags = IFA_F_NODAD;
	msg = nlmsg_alloc_simple(add ? RTM_NEWADDR : RTM_DELADDR,
				 add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	if (!msg)
		return NULL;
	if (nlmsg_append(msg, &ifa, sizeof(ifa), NLMSG_ALIGNTO) < 0 ||
	    nla_put(msg, IFA_LOCAL, (int)alen, a->bytes) < 0 ||
	    nla_put(msg, IFA_ADDRESS, (int)alen, a->bytes) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static int route_sock(struct kern *k)
{
	if (k->route)
		return 0;
	if (!(k->route = nl_socket_alloc()))
		return -ENOMEM;
	if (nl_connect(k->route, NETLINK_ROUTE) < 0) {
		nl_socket_free(k->route);
		k->route = NULL;
		return -EPROTONOSUPPORT;
	}
	int one = 1, fd = nl_socket_get_fd(k->route);

	nl_socket_disable_seq_check(k->route);
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	return 0;
}

/* Reads the answer to seq: 0, or -errno with the kernel's reason in ext. */
static int route_ack(struct kern *k, uint32_t seq, char *ext, size_t len)
{
	int fd = nl_socket_get_fd(k->route);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	unsigned char buf[4096];
	ssize_t n;

	for (;;) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN && poll(&p, 1, ACK_WAIT_MS) > 0)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		int left = (int)n;

		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; nlmsg_ok(h, left);
		     h = nlmsg_next(h, &left)) {
			int err = -EIO;

			if (h->nlmsg_seq != seq || h->nlmsg_type != NLMSG_ERROR)
				continue;
			if (xfrm_parse_ack(h, &err, ext, len) < 0)
				err = -EIO;
			return err;
		}
	}
}

static void ifaddr_request(struct kern *k, bool add, int ifindex, const struct kern_addr *a,
			   uint8_t plen, kern_done_fn done, void *arg)
{
	struct nl_msg *msg = kern_ifaddr_msg(add, ifindex, a, plen);
	char ext[200] = "", why[256];
	int err = msg ? route_sock(k) : -EINVAL;

	if (!err) {
		struct nlmsghdr *h = nlmsg_hdr(msg);
		struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};

		h->nlmsg_seq = ++k->seq;
		h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
		if (sendto(nl_socket_get_fd(k->route), h, h->nlmsg_len, 0,
			   (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
			err = -errno;
		else
			err = route_ack(k, h->nlmsg_seq, ext, sizeof(ext));
	}
	nlmsg_free(msg);
	if (!done)
		return;
	if (!err) {
		done(arg, 0, NULL);
		return;
	}
	snprintf(why, sizeof(why), "%s an address on interface %d: %s%s%s",
		 add ? "adding" : "removing", ifindex,
		 msg || err != -EINVAL ? strerror(-err) : "not an address, prefix or interface",
		 ext[0] ? ": " : "", ext);
	done(arg, err, why);
}

void kern_ifaddr_add(struct kern *k, int ifindex, const struct kern_addr *a, uint8_t plen,
		     kern_done_fn done, void *arg)
{
	ifaddr_request(k, true, ifindex, a, plen, done, arg);
}

void kern_ifaddr_del(struct kern *k, int ifindex, const struct kern_addr *a, uint8_t plen,
		     kern_done_fn done, void *arg)
{
	ifaddr_request(k, false, ifindex, a, plen, done, arg);
}

int kern_ifindex_of(const struct kern_addr *local)
{
	size_t alen = addr_len(local->family);
	struct ifaddrs *all, *i;
	int index = -ENOENT;

	if (!alen)
		return -EINVAL;
	if (getifaddrs(&all) < 0)
		return -errno;
	for (i = all; i && index < 0; i = i->ifa_next) {
		const void *have;

		if (!i->ifa_addr || i->ifa_addr->sa_family != local->family)
			continue;
		if (local->family == AF_INET)
			have = &((const struct sockaddr_in *)(const void *)i->ifa_addr)->sin_addr;
		else
			have = &((const struct sockaddr_in6 *)(const void *)i->ifa_addr)->sin6_addr;
		if (!memcmp(have, local->bytes, alen)) {
			unsigned idx = if_nametoindex(i->ifa_name);

			index = idx ? (int)idx : -errno;
		}
	}
	freeifaddrs(all);
	return index;
}
