/* xfrm_msg: XFRM netlink messages built from and parsed into the structs of kernel.h.
 * Pure: no sockets. Shared by the kernel module's socket code, its unit tests and its
 * fuzz target; nothing outside src/kernel includes it. */
#ifndef IPSECD_XFRM_MSG_H
#define IPSECD_XFRM_MSG_H

#include <netlink/msg.h>

#include "ipsecd/kernel.h"

/* Each returns a new message (header type and flags set, seq/pid left 0) or NULL when
 * out of memory or the input cannot be expressed (e.g. a key longer than its algorithm).
 * The caller frees SA messages with xfrm_msg_free_wiped(). */
struct nl_msg *xfrm_msg_sa_add(const struct kern_sa *sa, bool update);
struct nl_msg *xfrm_msg_sa_del(const struct kern_sa_id *id);
struct nl_msg *xfrm_msg_sa_get(const struct kern_sa_id *id);
struct nl_msg *xfrm_msg_sp_add(const struct kern_sp *sp, bool update);
struct nl_msg *xfrm_msg_sp_del(const struct kern_sp *sp);
struct nl_msg *xfrm_msg_alloc_spi(const struct kern_addr *src, const struct kern_addr *dst,
				  uint8_t proto, uint32_t reqid, uint32_t min, uint32_t max);
struct nl_msg *xfrm_msg_dump(int type);
/* Wipes the message's bytes (it may hold keys), then frees it. NULL is fine. */
void xfrm_msg_free_wiped(struct nl_msg *msg);

/* Parsers of what the kernel sends. Every length is checked against h->nlmsg_len, which
 * the caller has checked against what it received. Return 0 or -EINVAL. */
int xfrm_parse_sa(const struct nlmsghdr *h, struct kern_sa_info *out);
int xfrm_parse_sp(const struct nlmsghdr *h, struct kern_sp *out);
int xfrm_parse_acquire(const struct nlmsghdr *h, struct kern_acquire *out);
int xfrm_parse_expire(const struct nlmsghdr *h, struct kern_sa_id *id, uint32_t *reqid, bool *hard);
int xfrm_parse_mapping(const struct nlmsghdr *h, struct kern_sa_id *id, struct kern_addr *addr,
		       uint16_t *port);
/* XFRM_MSG_DELSA notification: the SA's id and, when present, its reqid. */
int xfrm_parse_delsa(const struct nlmsghdr *h, struct kern_sa_id *id, uint32_t *reqid);
int xfrm_parse_delpolicy(const struct nlmsghdr *h, uint32_t *index, enum kern_dir *dir);

/* An NLMSG_ERROR message: its error (0 = ack) and the kernel's extended-ack text, if
 * any, copied into msg (NUL-terminated, may be truncated). Returns 0 or -EINVAL. */
int xfrm_parse_ack(const struct nlmsghdr *h, int *error, char *msg, size_t len);

#endif
