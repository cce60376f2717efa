/* route: routes and routing rules for a mode-config client. Its policies carry traffic
 * from its virtual address only, so the networks behind the gateway are routed with that
 * address as the preferred source, in a table of their own that a rule consults before
 * the main one (as strongSwan does with table 220): the host's own routes stay untouched.
 * The next hop is the one towards the gateway, which RTM_GETROUTE tells.
 *
 * Messages are built with libnl-3's nlmsg/nla API and sent through ifaddr.c's
 * NETLINK_ROUTE request; what ipsecd adds carries protocol KERN_RTPROT_OWN, and what it
 * removes names it, so that a route or rule someone else made is never taken away. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <linux/fib_rules.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <sys/socket.h>

#include "internal.h"

#define GET_WAIT_MS 1000

static size_t addr_len(uint8_t family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

static int put_addr(struct nl_msg *msg, int type, const struct kern_addr *a)
{
	return nla_put(msg, type, (int)addr_len(a->family), a->bytes);
}

struct nl_msg *kern_route_msg(bool add, const struct kern_route *r)
{
	size_t alen = addr_len(r->dst.family);
	bool via = r->gateway.family && r->gateway.family == r->dst.family;
	struct rtmsg rt = {.rtm_family = r->dst.family,
			   .rtm_dst_len = r->plen,
			   .rtm_table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC,
			   .rtm_protocol = KERN_RTPROT_OWN,
			   .rtm_type = RTN_UNICAST};
	struct nl_msg *msg;

	if (!alen || r->plen > alen * 8 || !r->table ||
	    (r->src.family && r->src.family != r->dst.family))
		return NULL;
	if (add && r->ifindex <= 0)
		return NULL;
	/* on the link without a next hop; a removal matches any scope */
	rt.rtm_scope = !add ? RT_SCOPE_NOWHERE : via ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	msg = nlmsg_alloc_simple(add ? RTM_NEWROUTE : RTM_DELROUTE,
				 add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	if (!msg)
		return NULL;
	if (nlmsg_append(msg, &rt, sizeof(rt), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, RTA_TABLE, r->table) < 0 || put_addr(msg, RTA_DST, &r->dst) < 0 ||
	    (r->src.family && put_addr(msg, RTA_PREFSRC, &r->src) < 0) ||
	    (add && via && put_addr(msg, RTA_GATEWAY, &r->gateway) < 0) ||
	    (add && nla_put_u32(msg, RTA_OIF, (uint32_t)r->ifindex) < 0)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct nl_msg *kern_rule_msg(bool add, uint8_t family, uint32_t table, uint32_t prio)
{
	struct fib_rule_hdr frh = {.family = family,
				   .table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC,
				   .action = FR_ACT_TO_TBL};
	struct nl_msg *msg;

	if (!addr_len(family) || !table)
		return NULL;
	/* EXCL: the kernel refuses a second identical rule (-EEXIST) rather than add it */
	msg = nlmsg_alloc_simple(add ? RTM_NEWRULE : RTM_DELRULE,
				 add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	if (!msg)
		return NULL;
	if (nlmsg_append(msg, &frh, sizeof(frh), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, FRA_TABLE, table) < 0 || nla_put_u32(msg, FRA_PRIORITY, prio) < 0 ||
	    nla_put_u8(msg, FRA_PROTOCOL, KERN_RTPROT_OWN) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static void route_request(struct kern *k, bool add, const struct kern_route *r, kern_done_fn done,
			  void *arg)
{
	struct nl_msg *msg = kern_route_msg(add, r);
	char ext[200] = "", why[300], dst[46];
	int err = msg ? kern_route_request(k, msg, ext, sizeof(ext)) : -EINVAL;

	nlmsg_free(msg);
	if (!done)
		return;
	if (!err) {
		done(arg, 0, NULL);
		return;
	}
	snprintf(why, sizeof(why), "%s the route to %s/%u in table %u: %s%s%s",
		 add ? "adding" : "removing", kern_addr_str(&r->dst, dst, sizeof(dst)), r->plen,
		 r->table, msg ? strerror(-err) : "not a route ipsecd can express",
		 ext[0] ? ": " : "", ext);
	done(arg, err, why);
}

void kern_route_add(struct kern *k, const struct kern_route *r, kern_done_fn done, void *arg)
{
	route_request(k, true, r, done, arg);
}

void kern_route_del(struct kern *k, const struct kern_route *r, kern_done_fn done, void *arg)
{
	route_request(k, false, r, done, arg);
}

static int rule_request(struct kern *k, bool add, uint8_t family, uint32_t table, uint32_t prio)
{
	struct nl_msg *msg = kern_rule_msg(add, family, table, prio);
	char ext[200];
	int err = msg ? kern_route_request(k, msg, ext, sizeof(ext)) : -EINVAL;

	nlmsg_free(msg);
	if (add && err == -EEXIST)
		return 0; /* ours is there already */
	if (!add && err == -ENOENT)
		return 0;
	if (family == AF_INET6 && (err == -EAFNOSUPPORT || err == -EOPNOTSUPP))
		return 0; /* no IPv6 in this kernel */
	return err;
}

int kern_rule_ensure(struct kern *k, uint32_t table, uint32_t priority)
{
	int err = rule_request(k, true, AF_INET, table, priority);

	return err ? err : rule_request(k, true, AF_INET6, table, priority);
}

int kern_rule_remove(struct kern *k, uint32_t table, uint32_t priority)
{
	int err4 = rule_request(k, false, AF_INET, table, priority);
	int err6 = rule_request(k, false, AF_INET6, table, priority);

	return err4 ? err4 : err6;
}

/* --- RTM_GETROUTE --- */

static void take_addr(const struct nlattr *a, uint8_t family, struct kern_addr *out)
{
	size_t alen = addr_len(family);

	if (a && (size_t)nla_len(a) == alen) {
		out->family = family;
		memcpy(out->bytes, nla_data(a), alen);
	}
}

/* The answer to seq: RTM_NEWROUTE parsed into the outputs, or an error. */
static int get_answer(int fd, uint32_t seq, struct kern_addr *gateway, int *ifindex,
		      struct kern_addr *src)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	unsigned char buf[8192];

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && errno == EAGAIN && poll(&p, 1, GET_WAIT_MS) > 0)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		int left = (int)n;

		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; nlmsg_ok(h, left);
		     h = nlmsg_next(h, &left)) {
			struct nlattr *tb[RTA_MAX + 1];
			const struct rtmsg *rt = nlmsg_data(h);

			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				int err = -EIO;

				xfrm_parse_ack(h, &err, NULL, 0);
				return err ? err : -EIO;
			}
			if (h->nlmsg_type != RTM_NEWROUTE ||
			    nlmsg_parse(h, sizeof(*rt), tb, RTA_MAX, NULL) < 0)
				return -EIO;
			if (rt->rtm_type == RTN_UNREACHABLE || rt->rtm_type == RTN_PROHIBIT ||
			    rt->rtm_type == RTN_BLACKHOLE)
				return -ENETUNREACH;
			take_addr(tb[RTA_GATEWAY], rt->rtm_family, gateway);
			take_addr(tb[RTA_PREFSRC], rt->rtm_family, src);
			if (tb[RTA_OIF])
				*ifindex = (int)nla_get_u32(tb[RTA_OIF]);
			return 0;
		}
	}
}

int kern_route_get(const struct kern_addr *dst, struct kern_addr *gateway, int *ifindex,
		   struct kern_addr *src)
{
	size_t alen = addr_len(dst->family);
	struct rtmsg rt = {.rtm_family = dst->family, .rtm_dst_len = (uint8_t)(alen * 8)};
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	struct nl_sock *s = NULL;
	struct nl_msg *msg = NULL;
	int err = -ENOMEM;

	memset(gateway, 0, sizeof(*gateway));
	memset(src, 0, sizeof(*src));
	*ifindex = 0;
	if (!alen)
		return -EINVAL;
	if (!(s = nl_socket_alloc()) || !(msg = nlmsg_alloc_simple(RTM_GETROUTE, 0)) ||
	    nlmsg_append(msg, &rt, sizeof(rt), NLMSG_ALIGNTO) < 0 ||
	    put_addr(msg, RTA_DST, dst) < 0)
		goto out;
	if (nl_connect(s, NETLINK_ROUTE) < 0) {
		err = -EPROTONOSUPPORT;
		goto out;
	}
	struct nlmsghdr *h = nlmsg_hdr(msg);

	h->nlmsg_seq = 1;
	h->nlmsg_flags |= NLM_F_REQUEST;
	if (sendto(nl_socket_get_fd(s), h, h->nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0)
		err = -errno;
	else
		err = get_answer(nl_socket_get_fd(s), 1, gateway, ifindex, src);
out:
	nlmsg_free(msg);
	nl_socket_free(s);
	return err;
}
