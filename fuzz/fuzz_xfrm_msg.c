/* fuzz_xfrm_msg: bytes as the kernel's netlink messages, read by every XFRM parser
 * (src/kernel/xfrm_msg.c) whatever their type, as the event and dump readers would. A
 * parser may refuse; it must never read past the message. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xfrm_msg.h"

static void parse_all(const struct nlmsghdr *h)
{
	struct kern_sa_info sa;
	struct kern_sp sp;
	struct kern_acquire acq;
	struct kern_sa_id id;
	struct kern_addr addr;
	uint32_t u32;
	uint16_t port;
	enum kern_dir dir;
	bool hard;
	int err;
	char msg[64];

	xfrm_parse_sa(h, &sa);
	xfrm_parse_sp(h, &sp);
	xfrm_parse_acquire(h, &acq);
	xfrm_parse_expire(h, &id, &u32, &hard);
	xfrm_parse_mapping(h, &id, &addr, &port);
	xfrm_parse_delsa(h, &id, &u32);
	xfrm_parse_delpolicy(h, &u32, &dir);
	xfrm_parse_ack(h, &err, msg, sizeof(msg));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of exactly size bytes, aligned as recv() would leave it, so that ASan
	 * sees any read past the end */
	struct nlmsghdr *buf = malloc(size ? size : 1);
	int len = (int)size;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	for (struct nlmsghdr *h = buf; nlmsg_ok(h, len); h = nlmsg_next(h, &len))
		parse_all(h);
	free(buf);
	return 0;
}
