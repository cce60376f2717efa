/* Internal to the kernel module: the state its socket files share. */
#ifndef IPSECD_KERNEL_INTERNAL_H
#define IPSECD_KERNEL_INTERNAL_H

#include <netlink/socket.h>

#include "xfrm_msg.h"

#define WINDOW 512 /* requests sent and not yet answered */

struct kern_req {
	uint32_t seq;
	bool spi; /* ALLOCSPI: the answer is an SA */
	kern_done_fn done;
	kern_spi_fn spi_done;
	void *arg;
	struct nl_msg *msg;	    /* until sent */
	const struct kern_alg *enc; /* to explain a missing algorithm */
	const struct kern_alg *auth;
};

struct kern {
	struct nl_sock *req, *dump, *ev;
	struct nl_sock *route; /* NETLINK_ROUTE, for ifaddr.c: opened on first use */
	struct kern_events events;
	struct kern_req *q; /* ring: [head, head+n) of cap; the first `sent` are in flight */
	size_t cap, head, n, sent;
	size_t batch_max; /* bytes per sendto(): BATCH_BYTES unless the socket refused it */
	uint32_t seq;
};

/* ifaddr.c: RTM_NEWADDR (add) or RTM_DELADDR for a on interface ifindex, header type and
 * flags set, seq/pid left 0; NULL when it cannot be expressed. Caller frees. */
struct nl_msg *kern_ifaddr_msg(bool add, int ifindex, const struct kern_addr *a, uint8_t plen);

#endif
