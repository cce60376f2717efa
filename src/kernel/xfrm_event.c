/* xfrm_event: the XFRM multicast groups read and handed to struct kern_events (ACQUIRE,
 * EXPIRE, MAPPING, and SAs or policies deleted or flushed by someone else); the per-socket
 * bypass that keeps IKE's own packets out of the SPD; names for logs. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <sys/socket.h>

#include "ipsecd/log.h"
#include "internal.h"

static void on_delsa(const struct kern_events *ev, const struct nlmsghdr *h)
{
	struct kern_sa_id id;
	uint32_t reqid;

	if (xfrm_parse_delsa(h, &id, &reqid) == 0 && ev->sa_deleted)
		ev->sa_deleted(ev->arg, &id, reqid);
}

static void on_delpolicy(const struct kern_events *ev, const struct nlmsghdr *h)
{
	uint32_t index;
	enum kern_dir dir;

	if (xfrm_parse_delpolicy(h, &index, &dir) == 0 && ev->sp_deleted)
		ev->sp_deleted(ev->arg, index, dir);
}

static void on_event(const struct kern_events *ev, uint32_t self, const struct nlmsghdr *h)
{
	struct kern_acquire acq;
	struct kern_sa_id id;
	struct kern_addr addr;
	uint32_t reqid;
	uint16_t port;
	bool hard;

	/* Notifications of our own requests carry our port: we know about those. */
	if (h->nlmsg_pid == self && self)
		return;
	switch (h->nlmsg_type) {
	case XFRM_MSG_ACQUIRE:
		if (xfrm_parse_acquire(h, &acq) == 0 && ev->acquire)
			ev->acquire(ev->arg, &acq);
		break;
	case XFRM_MSG_EXPIRE:
		if (xfrm_parse_expire(h, &id, &reqid, &hard) == 0 && ev->expire)
			ev->expire(ev->arg, &id, reqid, hard);
		break;
	case XFRM_MSG_MAPPING:
		if (xfrm_parse_mapping(h, &id, &addr, &port) == 0 && ev->mapping)
			ev->mapping(ev->arg, &id, &addr, port);
		break;
	case XFRM_MSG_DELSA:
		on_delsa(ev, h);
		break;
	case XFRM_MSG_DELPOLICY:
		on_delpolicy(ev, h);
		break;
	case XFRM_MSG_FLUSHSA:
	case XFRM_MSG_FLUSHPOLICY:
		if (ev->flushed)
			ev->flushed(ev->arg, h->nlmsg_type == XFRM_MSG_FLUSHSA);
		break;
	default: /* NEWSA, UPDSA, NEWPOLICY ... by others: nothing to do */
		break;
	}
}

void kern_on_event_ready(struct kern *k)
{
	const struct kern *v = k;
	uint32_t self = nl_socket_get_local_port(v->req);
	unsigned char *buf = NULL;
	struct sockaddr_nl who;
	int len;

	while ((len = nl_recv(v->ev, &who, &buf, NULL)) != 0) {
		if (len < 0) {
			if (len == -NLE_AGAIN)
				break;
			/* ENOBUFS: events were lost; the daemon keeps going on what it knows */
			log_warn(LOG_KERNEL, NULL, "kernel events: %s", nl_geterror(len));
			if (len != -NLE_NOMEM)
				break;
			continue;
		}
		struct nlmsghdr *h = (struct nlmsghdr *)buf;
		size_t total = (size_t)len;

		for (; nlmsg_ok(h, len); h = nlmsg_next(h, &len))
			on_event(&v->events, self, h);
		explicit_bzero(buf, total); /* NEWSA notifications carry keys */
		free(buf);
		buf = NULL;
	}
}

int kern_socket_bypass(int fd, int family)
{
	int level = family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
	int opt = family == AF_INET6 ? IPV6_XFRM_POLICY : IP_XFRM_POLICY;

	for (int dir = XFRM_POLICY_IN; dir <= XFRM_POLICY_OUT; dir++) {
		struct xfrm_userpolicy_info p = {.action = XFRM_POLICY_ALLOW, .dir = (__u8)dir};

		p.sel.family = (__u16)family;
		p.lft.soft_byte_limit = p.lft.hard_byte_limit = XFRM_INF;
		p.lft.soft_packet_limit = p.lft.hard_packet_limit = XFRM_INF;
		if (setsockopt(fd, level, opt, &p, sizeof(p)) < 0)
			return -errno;
	}
	return 0;
}

const char *kern_proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_ESP:
		return "esp";
	case IPPROTO_AH:
		return "ah";
	case IPPROTO_COMP:
		return "ipcomp";
	default:
		return "?";
	}
}

const char *kern_dir_name(enum kern_dir dir)
{
	return dir == KERN_DIR_IN ? "in" : dir == KERN_DIR_OUT ? "out" : "fwd";
}

const char *kern_addr_str(const struct kern_addr *a, char *buf, size_t len)
{
	if (!a->family || !inet_ntop(a->family, a->bytes, buf, (socklen_t)len))
		snprintf(buf, len, "any");
	return buf;
}
