/* check_xfrm: the XFRM messages ipsecd builds, read back by its own parsers and checked
 * field by field against linux/xfrm.h (src/kernel/xfrm_msg.c); malformed kernel messages
 * refused; and, as root, the real kernel in a private network namespace: policies added,
 * dumped, updated and deleted in batches, ALLOCSPI, events of deletions by others, and the
 * IKE socket bypass; an SA of a protocol the kernel lacks explained; a mode-config
 * client's address, routes in a table of their own and the rule that consults it. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <linux/xfrm.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "ipsecd/kernel.h"
#include "internal.h" /* kern_ifaddr_msg, kern_route_msg, kern_rule_msg */
#include "xfrm_msg.h"

static struct kern_addr v4(const char *s)
{
	struct kern_addr a = {.family = AF_INET};

	ck_assert_int_eq(inet_pton(AF_INET, s, a.bytes), 1);
	return a;
}

static struct kern_sel sel4(const char *src, int splen, const char *dst, int dplen)
{
	struct kern_sel s = {
		.family = AF_INET, .src_plen = (uint8_t)splen, .dst_plen = (uint8_t)dplen};

	ck_assert_int_eq(inet_pton(AF_INET, src, s.src), 1);
	ck_assert_int_eq(inet_pton(AF_INET, dst, s.dst), 1);
	return s;
}

static struct kern_sa esp_sa(void)
{
	struct kern_sa sa = {0};

	sa.id.dst = v4("192.0.2.2");
	sa.id.proto = IPPROTO_ESP;
	sa.id.spi = 0x1002;
	sa.src = v4("192.0.2.1");
	sa.reqid = KERN_REQID_OWN | 7;
	sa.tunnel = true;
	sa.enc = kern_alg_find("aes-128-cbc");
	sa.auth = kern_alg_find_kind("sha256", KERN_ALG_AUTH);
	sa.enc_key.len = 16;
	memset(sa.enc_key.bytes, 0xaa, 16);
	sa.auth_key.len = 32;
	memset(sa.auth_key.bytes, 0xbb, 32);
	sa.replay_window = 32;
	sa.lft = (struct kern_lifetime){.soft_add = 2700, .hard_add = 3600, .hard_bytes = 1 << 30};
	return sa;
}

START_TEST(test_sa_round_trip)
{
	struct kern_sa sa = esp_sa();
	struct nl_msg *m = xfrm_msg_sa_add(&sa, false);
	struct kern_sa_info info;

	ck_assert_ptr_nonnull(m);
	struct nlmsghdr *h = nlmsg_hdr(m);

	ck_assert_int_eq(h->nlmsg_type, XFRM_MSG_NEWSA);
	/* what the kernel reads: the fixed header */
	const struct xfrm_usersa_info *p = nlmsg_data(h);

	ck_assert_uint_eq(ntohl(p->id.spi), 0x1002);
	ck_assert_uint_eq(p->mode, XFRM_MODE_TUNNEL);
	ck_assert_uint_eq(p->lft.hard_add_expires_seconds, 3600);
	ck_assert(p->lft.soft_byte_limit == XFRM_INF);
	ck_assert_uint_eq(p->replay_window, 32);
	/* and our parser gives back what went in */
	ck_assert_int_eq(xfrm_parse_sa(h, &info), 0);
	ck_assert_str_eq(info.enc_kname, "cbc(aes)");
	ck_assert_str_eq(info.auth_kname, "hmac(sha256)");
	ck_assert_uint_eq(info.enc_key_bits, 128);
	ck_assert_mem_eq(info.sa.enc_key.bytes, sa.enc_key.bytes, 16);
	ck_assert_mem_eq(info.sa.auth_key.bytes, sa.auth_key.bytes, 32);
	ck_assert_mem_eq(&info.sa.id, &sa.id, sizeof(sa.id));
	ck_assert_uint_eq(info.sa.reqid, sa.reqid);
	ck_assert_uint_eq(info.sa.lft.soft_add, 2700);
	ck_assert_uint_eq(info.sa.lft.hard_bytes, 1 << 30);
	ck_assert(!info.larval);
	xfrm_msg_free_wiped(m);
}
END_TEST

START_TEST(test_sa_aead_esn_encap)
{
	struct kern_sa sa = esp_sa();
	struct kern_sa_info info;

	sa.enc = kern_alg_find("aes-256-gcm");
	sa.auth = NULL;
	sa.enc_key.len = 36; /* 256-bit key + 32-bit salt */
	sa.esn = true;
	sa.replay_window = 128;
	sa.encap_sport = 4500;
	sa.encap_dport = 4501;
	struct nl_msg *m = xfrm_msg_sa_add(&sa, true);

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(nlmsg_hdr(m)->nlmsg_type, XFRM_MSG_UPDSA);
	ck_assert_int_eq(xfrm_parse_sa(nlmsg_hdr(m), &info), 0);
	ck_assert_str_eq(info.enc_kname, "rfc4106(gcm(aes))");
	ck_assert_uint_eq(info.enc_key_bits, 288);
	ck_assert_str_eq(info.auth_kname, "");
	ck_assert(info.sa.esn);
	ck_assert_uint_eq(info.sa.replay_window, 128);
	ck_assert_uint_eq(info.sa.encap_sport, 4500);
	ck_assert_uint_eq(info.sa.encap_dport, 4501);
	xfrm_msg_free_wiped(m);
	sa.enc_key.len = 65; /* longer than any key: refused, not truncated */
	ck_assert_ptr_null(xfrm_msg_sa_add(&sa, false));
}
END_TEST

START_TEST(test_sp_round_trip)
{
	struct kern_sp sp = {.sel = sel4("10.1.0.0", 24, "10.2.0.0", 24),
			     .dir = KERN_DIR_FWD,
			     .priority = 10005,
			     .index = KERN_SP_INDEX_OWN | 3 << 3 | KERN_DIR_FWD,
			     .ntmpl = 2};
	struct kern_sp back;

	sp.sel.proto = IPPROTO_TCP;
	sp.sel.dport = 443;
	sp.tmpl[0] = (struct kern_tmpl){.proto = IPPROTO_ESP,
					.tunnel = true,
					.level = KERN_LEVEL_UNIQUE,
					.reqid = 9,
					.src = v4("192.0.2.2"),
					.dst = v4("192.0.2.1")};
	sp.tmpl[1] = (struct kern_tmpl){.proto = IPPROTO_AH, .level = KERN_LEVEL_USE, .reqid = 9};
	struct nl_msg *m = xfrm_msg_sp_add(&sp, false);

	ck_assert_ptr_nonnull(m);
	const struct xfrm_userpolicy_info *p = nlmsg_data(nlmsg_hdr(m));

	ck_assert_uint_eq(p->sel.dport, htons(443));
	ck_assert_uint_eq(p->sel.dport_mask, 0xffff);
	ck_assert_uint_eq(p->sel.sport_mask, 0);
	ck_assert_uint_eq(p->action, XFRM_POLICY_ALLOW);
	ck_assert_int_eq(xfrm_parse_sp(nlmsg_hdr(m), &back), 0);
	ck_assert_mem_eq(&back.sel, &sp.sel, sizeof(sp.sel));
	ck_assert_uint_eq(back.dir, KERN_DIR_FWD);
	ck_assert_uint_eq(back.priority, 10005);
	ck_assert_uint_eq(back.index, sp.index);
	ck_assert_uint_eq(back.ntmpl, 2);
	ck_assert_mem_eq(&back.tmpl[0], &sp.tmpl[0], sizeof(sp.tmpl[0]));
	ck_assert_uint_eq(back.tmpl[1].proto, IPPROTO_AH);
	ck_assert_uint_eq(back.tmpl[1].level, KERN_LEVEL_USE);
	ck_assert(!back.tmpl[1].tunnel);
	nlmsg_free(m);

	sp.block = true;
	sp.ntmpl = 0;
	m = xfrm_msg_sp_add(&sp, true);
	ck_assert_int_eq(nlmsg_hdr(m)->nlmsg_type, XFRM_MSG_UPDPOLICY);
	ck_assert_int_eq(xfrm_parse_sp(nlmsg_hdr(m), &back), 0);
	ck_assert(back.block);
	ck_assert_uint_eq(back.ntmpl, 0);
	nlmsg_free(m);
}
END_TEST

START_TEST(test_truncated_refused)
{
	struct kern_sa sa = esp_sa();
	struct nl_msg *m = xfrm_msg_sa_add(&sa, false);
	struct nlmsghdr *h = nlmsg_hdr(m);
	struct kern_sa_info info;
	struct kern_sp sp;
	uint32_t full = h->nlmsg_len;

	/* every length short of the whole: refused or parsed without reading past it */
	for (uint32_t len = 0; len < full; len++) {
		h->nlmsg_len = len;
		int r = xfrm_parse_sa(h, &info);

		if (len < NLMSG_HDRLEN + sizeof(struct xfrm_usersa_info))
			ck_assert_int_eq(r, -EINVAL);
	}
	h->nlmsg_len = NLMSG_HDRLEN + 4;
	ck_assert_int_eq(xfrm_parse_sp(h, &sp), -EINVAL);
	xfrm_msg_free_wiped(m);
}
END_TEST

START_TEST(test_ack_parse)
{
	/* an error with NETLINK_CAP_ACK and an extended-ack message */
	unsigned char buf[256] = {0};
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct nlmsgerr *e = NLMSG_DATA(h);
	struct nlattr *a = (struct nlattr *)(e + 1);
	const char text[] = "Requested encryption algorithm not found";
	char msg[128];
	int err;

	e->error = -ENOSYS;
	a->nla_type = NLMSGERR_ATTR_MSG;
	a->nla_len = (uint16_t)(NLA_HDRLEN + sizeof(text));
	memcpy((char *)a + NLA_HDRLEN, text, sizeof(text));
	h->nlmsg_type = NLMSG_ERROR;
	h->nlmsg_flags = NLM_F_CAPPED | NLM_F_ACK_TLVS;
	h->nlmsg_len = (uint32_t)(NLMSG_HDRLEN + sizeof(*e) + NLA_ALIGN(a->nla_len));
	ck_assert_int_eq(xfrm_parse_ack(h, &err, msg, sizeof(msg)), 0);
	ck_assert_int_eq(err, -ENOSYS);
	ck_assert_str_eq(msg, text);
	/* an attribute claiming more than is there is not read */
	a->nla_len = 200;
	ck_assert_int_eq(xfrm_parse_ack(h, &err, msg, sizeof(msg)), 0);
	ck_assert_str_eq(msg, "");
	/* too short for an nlmsgerr */
	h->nlmsg_len = NLMSG_HDRLEN + 2;
	ck_assert_int_eq(xfrm_parse_ack(h, &err, msg, sizeof(msg)), -EINVAL);
}
END_TEST

/* RTM_NEWADDR / RTM_DELADDR as rtnetlink reads them: ifaddrmsg, then IFA_LOCAL and
 * IFA_ADDRESS; what cannot be an address on an interface is not built. */
START_TEST(test_ifaddr_msg)
{
	struct kern_addr a = v4("10.8.0.11"), six = {.family = AF_INET6}, none = {0};
	struct nl_msg *m = kern_ifaddr_msg(true, 3, &a, 32);
	struct nlmsghdr *h = nlmsg_hdr(m);
	struct ifaddrmsg *ifa = nlmsg_data(h);
	struct nlattr *tb[IFA_MAX + 1];

	ck_assert_uint_eq(h->nlmsg_type, RTM_NEWADDR);
	ck_assert_uint_eq(h->nlmsg_flags, NLM_F_CREATE | NLM_F_REPLACE);
	ck_assert_uint_eq(ifa->ifa_family, AF_INET);
	ck_assert_uint_eq(ifa->ifa_prefixlen, 32);
	ck_assert_uint_eq(ifa->ifa_index, 3);
	ck_assert_int_eq(nlmsg_parse(h, sizeof(*ifa), tb, IFA_MAX, NULL), 0);
	ck_assert_ptr_nonnull(tb[IFA_LOCAL]);
	ck_assert_int_eq(nla_len(tb[IFA_LOCAL]), 4);
	ck_assert_mem_eq(nla_data(tb[IFA_LOCAL]), a.bytes, 4);
	ck_assert_mem_eq(nla_data(tb[IFA_ADDRESS]), a.bytes, 4);
	nlmsg_free(m);

	inet_pton(AF_INET6, "2001:db8::11", six.bytes);
	m = kern_ifaddr_msg(false, 2, &six, 128);
	h = nlmsg_hdr(m);
	ifa = nlmsg_data(h);
	ck_assert_uint_eq(h->nlmsg_type, RTM_DELADDR);
	ck_assert_uint_eq(ifa->ifa_family, AF_INET6);
	ck_assert_uint_eq(ifa->ifa_flags, IFA_F_NODAD);
	ck_assert_int_eq(nlmsg_parse(h, sizeof(*ifa), tb, IFA_MAX, NULL), 0);
	ck_assert_int_eq(nla_len(tb[IFA_ADDRESS]), 16);
	ck_assert_mem_eq(nla_data(tb[IFA_ADDRESS]), six.bytes, 16);
	nlmsg_free(m);

	ck_assert_ptr_null(kern_ifaddr_msg(true, 3, &a, 33));
	ck_assert_ptr_null(kern_ifaddr_msg(true, 0, &a, 32));
	ck_assert_ptr_null(kern_ifaddr_msg(true, 3, &none, 0));
	ck_assert_int_eq(kern_ifindex_of(&none), -EINVAL);
}
END_TEST

static struct kern_addr v6(const char *s)
{
	struct kern_addr a = {.family = AF_INET6};

	ck_assert_int_eq(inet_pton(AF_INET6, s, a.bytes), 1);
	return a;
}

/* RTM_NEWROUTE / RTM_DELROUTE as rtnetlink reads them: rtmsg (ours by its protocol, the
 * table also as RTA_TABLE for tables past 255), then RTA_DST, RTA_PREFSRC, RTA_GATEWAY and
 * RTA_OIF; a removal names what identifies the route only, any scope. */
START_TEST(test_route_msg)
{
	struct kern_route r = {.dst = v4("192.168.50.0"),
			       .plen = 24,
			       .src = v4("10.8.0.10"),
			       .gateway = v4("192.0.2.254"),
			       .ifindex = 3,
			       .table = 220};
	struct nl_msg *m = kern_route_msg(true, &r);
	struct nlmsghdr *h = nlmsg_hdr(m);
	struct rtmsg *rt = nlmsg_data(h);
	struct nlattr *tb[RTA_MAX + 1];

	ck_assert_uint_eq(h->nlmsg_type, RTM_NEWROUTE);
	ck_assert_uint_eq(h->nlmsg_flags, NLM_F_CREATE | NLM_F_REPLACE);
	ck_assert_uint_eq(rt->rtm_family, AF_INET);
	ck_assert_uint_eq(rt->rtm_dst_len, 24);
	ck_assert_uint_eq(rt->rtm_table, 220);
	ck_assert_uint_eq(rt->rtm_protocol, KERN_RTPROT_OWN);
	ck_assert_uint_eq(rt->rtm_scope, RT_SCOPE_UNIVERSE);
	ck_assert_uint_eq(rt->rtm_type, RTN_UNICAST);
	ck_assert_int_eq(nlmsg_parse(h, sizeof(*rt), tb, RTA_MAX, NULL), 0);
	ck_assert_uint_eq(nla_get_u32(tb[RTA_TABLE]), 220);
	ck_assert_mem_eq(nla_data(tb[RTA_DST]), r.dst.bytes, 4);
	ck_assert_int_eq(nla_len(tb[RTA_DST]), 4);
	ck_assert_mem_eq(nla_data(tb[RTA_PREFSRC]), r.src.bytes, 4);
	ck_assert_mem_eq(nla_data(tb[RTA_GATEWAY]), r.gateway.bytes, 4);
	ck_assert_uint_eq(nla_get_u32(tb[RTA_OIF]), 3);
	nlmsg_free(m);

	/* on the link (no next hop, or one of the other family), a table past 255 */
	r.gateway = v6("fe80::1");
	r.table = 1000;
	m = kern_route_msg(true, &r);
	h = nlmsg_hdr(m);
	rt = nlmsg_data(h);
	ck_assert_uint_eq(rt->rtm_scope, RT_SCOPE_LINK);
	ck_assert_uint_eq(rt->rtm_table, RT_TABLE_UNSPEC);
	ck_assert_int_eq(nlmsg_parse(h, sizeof(*rt), tb, RTA_MAX, NULL), 0);
	ck_assert_uint_eq(nla_get_u32(tb[RTA_TABLE]), 1000);
	ck_assert_ptr_null(tb[RTA_GATEWAY]);
	nlmsg_free(m);

	struct kern_route six = {.dst = v6("2001:db8:50::"),
				 .plen = 64,
				 .src = v6("2001:db8::11"),
				 .gateway = v6("fe80::1"),
				 .ifindex = 2,
				 .table = 220};

	m = kern_route_msg(false, &six);
	h = nlmsg_hdr(m);
	rt = nlmsg_data(h);
	ck_assert_uint_eq(h->nlmsg_type, RTM_DELROUTE);
	ck_assert_uint_eq(h->nlmsg_flags, 0);
	ck_assert_uint_eq(rt->rtm_family, AF_INET6);
	ck_assert_uint_eq(rt->rtm_scope, RT_SCOPE_NOWHERE);
	ck_assert_uint_eq(rt->rtm_protocol, KERN_RTPROT_OWN);
	ck_assert_int_eq(nlmsg_parse(h, sizeof(*rt), tb, RTA_MAX, NULL), 0);
	ck_assert_int_eq(nla_len(tb[RTA_DST]), 16);
	ck_assert_mem_eq(nla_data(tb[RTA_DST]), six.dst.bytes, 16);
	ck_assert_ptr_null(tb[RTA_GATEWAY]);
	ck_assert_ptr_null(tb[RTA_OIF]);
	nlmsg_free(m);

	/* what is not a route */
	six.plen = 129;
	ck_assert_ptr_null(kern_route_msg(true, &six));
	six.plen = 64;
	six.src = v4("10.8.0.10");
	ck_assert_ptr_null(kern_route_msg(true, &six));
	six.src.family = 0;
	six.ifindex = 0;
	ck_assert_ptr_null(kern_route_msg(true, &six));
	six.ifindex = 2;
	six.table = 0;
	ck_assert_ptr_null(kern_route_msg(true, &six));
}
END_TEST

/* RTM_NEWRULE "priority 220 from all lookup 220", exclusive so that it is never doubled,
 * ours by its protocol; RTM_DELRULE the same. */
START_TEST(test_rule_msg)
{
	struct nl_msg *m = kern_rule_msg(true, AF_INET, 220, 220);
	struct nlmsghdr *h = nlmsg_hdr(m);
	struct fib_rule_hdr *frh = nlmsg_data(h);
	struct nlattr *tb[FRA_MAX + 1];

	ck_assert_uint_eq(h->nlmsg_type, RTM_NEWRULE);
	ck_assert_uint_eq(h->nlmsg_flags, NLM_F_CREATE | NLM_F_EXCL);
	ck_assert_uint_eq(frh->family, AF_INET);
	ck_assert_uint_eq(frh->action, FR_ACT_TO_TBL);
	ck_assert_uint_eq(frh->table, 220);
	ck_assert_uint_eq(frh->src_len, 0);
	ck_assert_int_eq(nlmsg_parse(h, sizeof(*frh), tb, FRA_MAX, NULL), 0);
	ck_assert_uint_eq(nla_get_u32(tb[FRA_TABLE]), 220);
	ck_assert_uint_eq(nla_get_u32(tb[FRA_PRIORITY]), 220);
	ck_assert_uint_eq(nla_get_u8(tb[FRA_PROTOCOL]), KERN_RTPROT_OWN);
	nlmsg_free(m);

	m = kern_rule_msg(false, AF_INET6, 300, 220);
	h = nlmsg_hdr(m);
	frh = nlmsg_data(h);
	ck_assert_uint_eq(h->nlmsg_type, RTM_DELRULE);
	ck_assert_uint_eq(frh->family, AF_INET6);
	ck_assert_uint_eq(frh->table, RT_TABLE_UNSPEC);
	ck_assert_int_eq(nlmsg_parse(h, sizeof(*frh), tb, FRA_MAX, NULL), 0);
	ck_assert_uint_eq(nla_get_u32(tb[FRA_TABLE]), 300);
	nlmsg_free(m);
	ck_assert_ptr_null(kern_rule_msg(true, 0, 220, 220));
	ck_assert_ptr_null(kern_rule_msg(true, AF_INET, 0, 220));
}
END_TEST

/* --- the real kernel, in a network namespace of our own (root only) --- */

static bool own_netns(void)
{
	return geteuid() == 0 && unshare(CLONE_NEWNET) == 0;
}

struct counted {
	int answers, errors;
	int last_err;
	uint32_t spi;
	size_t ours, others;
};

static void on_done(void *arg, int err, const char *msg)
{
	struct counted *c = arg;

	c->answers++;
	c->errors += err != 0;
	c->last_err = err;
}

static void count_sp(void *arg, const struct kern_sp *sp)
{
	struct counted *c = arg;

	if (kern_sp_index_ours(sp->index))
		c->ours++;
	else
		c->others++;
}

static struct kern_sp nth_policy(int i, enum kern_dir dir)
{
	char src[32], dst[32];

	snprintf(src, sizeof(src), "10.%d.%d.0", 1 + i / 256, i % 256);
	snprintf(dst, sizeof(dst), "10.200.%d.0", i % 256);
	struct kern_sp sp = {.sel = sel4(src, 24, dst, 24 - (i / 256)),
			     .dir = dir,
			     .priority = 10000 + (uint32_t)i,
			     .index = KERN_SP_INDEX_OWN | (uint32_t)i << 3 | dir,
			     .ntmpl = 1};

	sp.tmpl[0] = (struct kern_tmpl){.proto = IPPROTO_ESP,
					.tunnel = true,
					.reqid = KERN_REQID_OWN | 1,
					.src = v4("192.0.2.1"),
					.dst = v4("192.0.2.2")};
	return sp;
}

START_TEST(test_kernel_policies)
{
	struct counted c = {0};
	int err = 0;

	if (!own_netns()) {
		printf("check_xfrm: not root or no netns: real-kernel test skipped\n");
		return;
	}
	struct kern *k = kern_open(NULL, &err);

	ck_assert_msg(k != NULL, "kern_open: %s", strerror(-err));
	/* 1000 policies pipelined: more than one window and more than one batch */
	for (int i = 0; i < 1000; i++) {
		struct kern_sp sp = nth_policy(i, KERN_DIR_OUT);

		kern_sp_add(k, &sp, false, on_done, &c);
	}
	err = kern_wait(k, 10000);
	ck_assert_msg(err == 0, "wait %d: %d answers, %d errors (last %d), %zu pending", err,
		      c.answers, c.errors, c.last_err, kern_pending(k));
	ck_assert_int_eq(c.answers, 1000);
	ck_assert_int_eq(c.errors, 0);
	ck_assert_int_eq(kern_sp_dump(k, count_sp, &c), 0);
	ck_assert_uint_eq(c.ours, 1000);
	/* the same again: refused one by one, answered in order */
	c = (struct counted){0};
	struct kern_sp dup = nth_policy(5, KERN_DIR_OUT);

	dup.index = 0;
	kern_sp_add(k, &dup, false, on_done, &c);
	ck_assert_int_eq(kern_wait(k, 5000), 0);
	ck_assert_int_eq(c.last_err, -EEXIST);
	/* update keeps the index; delete by index */
	dup = nth_policy(5, KERN_DIR_OUT);
	dup.block = true;
	dup.ntmpl = 0;
	kern_sp_add(k, &dup, true, on_done, &c);
	kern_sp_del(k, &dup, on_done, &c);
	kern_sp_del(k, &dup, on_done, &c);
	ck_assert_int_eq(kern_wait(k, 5000), 0);
	ck_assert_int_eq(c.answers, 4);
	ck_assert_int_eq(c.last_err, -ENOENT);
	c = (struct counted){0};
	ck_assert_int_eq(kern_sp_dump(k, count_sp, &c), 0);
	ck_assert_uint_eq(c.ours, 999);
	kern_close(k);
}
END_TEST

static void got_spi(void *arg, int err, uint32_t spi)
{
	struct counted *c = arg;

	c->answers++;
	c->last_err = err;
	c->spi = spi;
}

struct seen_events {
	int sp_deleted;
	uint32_t index;
};

static void ev_sp_deleted(void *arg, uint32_t index, enum kern_dir dir)
{
	struct seen_events *s = arg;

	s->sp_deleted++;
	s->index = index;
}

struct got_sa {
	int n;
	uint32_t spi;
};

static void got_one_sa(void *arg, const struct kern_sa_info *i)
{
	struct got_sa *g = arg;

	g->n++;
	g->spi = i->sa.id.spi;
}

START_TEST(test_kernel_spi_events_bypass)
{
	struct seen_events seen = {0};
	struct kern_events ev = {.sp_deleted = ev_sp_deleted, .arg = &seen};
	struct counted c = {0};
	struct kern_addr a = v4("192.0.2.1"), b = v4("192.0.2.2");

	if (!own_netns()) {
		printf("check_xfrm: not root or no netns: real-kernel test skipped\n");
		return;
	}
	struct kern *k = kern_open(&ev, NULL);
	struct kern *other = kern_open(NULL, NULL);

	ck_assert_ptr_nonnull(k);
	ck_assert_ptr_nonnull(other);
	kern_alloc_spi(k, &a, &b, IPPROTO_ESP, KERN_REQID_OWN | 2, 0x1000, 0x1fff, got_spi, &c);
	ck_assert_int_eq(kern_wait(k, 5000), 0);
	ck_assert_int_eq(c.last_err, 0);
	ck_assert_uint_ge(c.spi, 0x1000);
	ck_assert_uint_le(c.spi, 0x1fff);

	/* the (larval) SA the SPI made, by its id alone; a neighbour's SPI finds nothing */
	struct kern_sa_id id = {.dst = b, .spi = c.spi, .proto = IPPROTO_ESP};
	struct got_sa g = {0};

	ck_assert_int_eq(kern_sa_get(k, &id, got_one_sa, &g), 0);
	ck_assert_int_eq(g.n, 1);
	ck_assert_uint_eq(g.spi, c.spi);
	id.spi = c.spi + 1;
	ck_assert_int_eq(kern_sa_get(k, &id, got_one_sa, &g), -ENOENT);
	ck_assert_int_eq(g.n, 1);

	/* a policy of ours deleted through another socket is an event; our own is not */
	struct kern_sp sp = nth_policy(1, KERN_DIR_IN), sp2 = nth_policy(2, KERN_DIR_IN);

	kern_sp_add(k, &sp, false, on_done, &c);
	kern_sp_add(k, &sp2, false, on_done, &c);
	kern_sp_del(k, &sp2, on_done, &c);
	ck_assert_int_eq(kern_wait(k, 5000), 0);
	kern_sp_del(other, &sp, on_done, &c);
	ck_assert_int_eq(kern_wait(other, 5000), 0);
	kern_on_event_ready(k);
	ck_assert_int_eq(seen.sp_deleted, 1);
	ck_assert_uint_eq(seen.index, sp.index);

	/* bypass: a UDP socket goes past a block-everything policy */
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct kern_sp block = {.sel = {.family = AF_INET}, .dir = KERN_DIR_OUT, .block = true};

	kern_sp_add(k, &block, false, on_done, &c);
	ck_assert_int_eq(kern_wait(k, 5000), 0);
	/* not over lo: the kernel never applies XFRM to loopback */
	ck_assert_int_eq(system("ip link add v0 type veth peer name v1 && "
				"ip addr add 192.0.2.1/24 dev v0 && ip link set v0 up && "
				"ip link set v1 up"),
			 0);
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(9)};

	ck_assert_int_eq(inet_pton(AF_INET, "192.0.2.9", &to.sin_addr), 1);
	ck_assert_int_lt(sendto(fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)), 0);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(kern_socket_bypass(fd, AF_INET), 0);
	ck_assert_int_eq(sendto(fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
	close(fd);
	kern_close(other);
	kern_close(k);
}
END_TEST

/* What on_explained saw of one SA added to the real kernel. */
struct explained {
	int answers;
	int err;
	char msg[256];
};

static void on_explained(void *arg, int err, const char *msg)
{
	struct explained *x = arg;

	x->answers++;
	x->err = err;
	snprintf(x->msg, sizeof(x->msg), "%s", msg ? msg : "");
}

/* Adds sa to the kernel and returns how it was answered. */
static struct explained add_sa_explained(struct kern *k, const struct kern_sa *sa)
{
	struct explained x = {0};

	kern_sa_add(k, sa, false, on_explained, &x);
	ck_assert_int_eq(kern_wait(k, 5000), 0);
	ck_assert_int_eq(x.answers, 1);
	return x;
}

/* A kernel without ESP or AH (CONFIG_INET_ESP/AH unset, as on the build machines)
 * refuses such an SA with EPROTONOSUPPORT; the message must say what to do, for AH (no
 * cipher, only integrity) as for ESP. On a kernel with them the SAs are simply added. */
START_TEST(test_kernel_no_esp_ah_explained)
{
	static const char hint[] = "this kernel has no ESP/AH support (esp4/esp6/ah4/ah6); "
				   "load the modules";
	struct kern_sa esp = esp_sa(), ah = esp_sa();

	if (!own_netns()) {
		printf("check_xfrm: not root or no netns: real-kernel test skipped\n");
		return;
	}
	struct kern *k = kern_open(NULL, NULL);

	ck_assert_ptr_nonnull(k);
	ah.id.proto = IPPROTO_AH;
	ah.id.spi = 0x2002;
	ah.enc = NULL;
	ah.enc_key.len = 0;
	ah.auth = kern_alg_find_kind("sha1", KERN_ALG_AUTH);
	ah.auth_key.len = 20;
	const struct kern_sa *sas[] = {&esp, &ah};

	for (size_t i = 0; i < 2; i++) {
		struct explained x = add_sa_explained(k, sas[i]);
		const char *what = i ? "AH" : "ESP";

		if (x.err == 0) {
			printf("check_xfrm: this kernel has %s: its explanation not tested\n",
			       what);
			continue;
		}
		ck_assert_msg(x.err == -EPROTONOSUPPORT, "%s SA: error %d (%s)", what, x.err,
			      x.msg);
		ck_assert_msg(!strcmp(x.msg, hint), "%s SA explained as '%s'", what, x.msg);
	}
	kern_close(k);
}
END_TEST

/* A client's address on an interface (loopback of a fresh namespace): added, found by
 * kern_ifindex_of, removed; the kernel's refusals come back through done. */
START_TEST(test_kernel_ifaddr)
{
	struct kern_addr a = v4("10.8.0.11"), six = {.family = AF_INET6};
	struct counted c = {0};
	struct kern *k;

	if (!own_netns()) {
		printf("check_xfrm: not root or no netns: real-kernel test skipped\n");
		return;
	}
	k = kern_open(NULL, NULL);
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(kern_ifindex_of(&a), -ENOENT);
	kern_ifaddr_add(k, 1, &a, 32, on_done, &c); /* lo is 1 in a new namespace */
	ck_assert_int_eq(c.answers, 1);
	ck_assert_int_eq(c.last_err, 0);
	ck_assert_int_eq(kern_ifindex_of(&a), 1);
	kern_ifaddr_add(k, 1, &a, 32, on_done, &c); /* again: replaced, not refused */
	ck_assert_int_eq(c.last_err, 0);
	inet_pton(AF_INET6, "2001:db8::11", six.bytes);
	kern_ifaddr_add(k, 1, &six, 128, on_done, &c);
	ck_assert_int_eq(c.last_err, 0);
	ck_assert_int_eq(kern_ifindex_of(&six), 1);

	kern_ifaddr_del(k, 1, &a, 32, on_done, &c);
	ck_assert_int_eq(c.last_err, 0);
	ck_assert_int_eq(kern_ifindex_of(&a), -ENOENT);
	kern_ifaddr_del(k, 1, &six, 128, on_done, &c);
	ck_assert_int_eq(c.last_err, 0);
	ck_assert_int_eq(c.errors, 0);
	kern_ifaddr_del(k, 1, &a, 32, on_done, &c); /* no longer there */
	ck_assert_int_eq(c.last_err, -EADDRNOTAVAIL);
	kern_ifaddr_add(k, 9999, &a, 32, on_done, &c); /* no such interface */
	ck_assert_int_eq(c.last_err, -ENODEV);
	kern_ifaddr_add(k, 1, &a, 40, on_done, &c); /* not expressible */
	ck_assert_int_eq(c.last_err, -EINVAL);
	ck_assert_int_eq(c.answers, 8);
	ck_assert_int_eq(kern_pending(k), 0);
	kern_close(k);
}
END_TEST

/* A veth pair, both ends up (IPv6 refuses a next hop on lo): index of the first. */
static int veth_up(const char *a, const char *b)
{
	struct nl_sock *s = nl_socket_alloc();
	struct nl_msg *m = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct nlattr *info, *data, *peer;

	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(nl_connect(s, NETLINK_ROUTE), 0);
	ck_assert_int_eq(nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO), 0);
	nla_put_string(m, IFLA_IFNAME, a);
	info = nla_nest_start(m, IFLA_LINKINFO);
	nla_put_string(m, IFLA_INFO_KIND, "veth");
	data = nla_nest_start(m, IFLA_INFO_DATA);
	peer = nla_nest_start(m, VETH_INFO_PEER);
	ck_assert_int_eq(nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO), 0);
	nla_put_string(m, IFLA_IFNAME, b);
	nla_nest_end(m, peer);
	nla_nest_end(m, data);
	nla_nest_end(m, info);
	ck_assert_int_ge(nl_send_auto(s, m), 0);
	ck_assert_int_eq(nl_wait_for_ack(s), 0);
	nlmsg_free(m);
	nl_socket_free(s);

	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	const char *names[] = {"lo", a, b};

	for (size_t i = 0; i < 3; i++) {
		struct ifreq r = {0};

		snprintf(r.ifr_name, sizeof(r.ifr_name), "%s", names[i]);
		ck_assert_int_eq(ioctl(fd, SIOCGIFFLAGS, &r), 0);
		r.ifr_flags |= IFF_UP;
		ck_assert_int_eq(ioctl(fd, SIOCSIFFLAGS, &r), 0);
	}
	close(fd);
	return (int)if_nametoindex(a);
}

/* The rules of a family with our protocol in table 220 at priority 220: how many there
 * are, found by deleting them one by one. */
static int rules_of(struct kern *k, uint8_t family)
{
	int n = 0;

	for (;;) {
		struct nl_msg *m = kern_rule_msg(false, family, 220, 220);
		char ext[200];
		int err = kern_route_request(k, m, ext, sizeof(ext));

		nlmsg_free(m);
		if (err)
			return err == -ENOENT ? n : err;
		n++;
	}
}

/* A route in table 220 with the client's address as source, via a next hop: the kernel
 * takes it once the rule is there (ensured twice, there is one rule), RTM_GETROUTE finds
 * the next hop and source, and everything goes again; for IPv4 and IPv6. */
static void route_cycle(struct kern *k, int ifindex, struct kern_addr vip, struct kern_addr net,
			uint8_t plen, struct kern_addr hop, struct kern_addr probe)
{
	struct kern_route r = {.dst = net,
			       .plen = plen,
			       .src = vip,
			       .gateway = hop,
			       .ifindex = ifindex,
			       .table = 220};
	struct kern_addr gw, src;
	struct counted c = {0};
	int oif;

	/* the next hop itself is on the link */
	ck_assert_int_eq(kern_route_get(&hop, &gw, &oif, &src), 0);
	ck_assert_uint_eq(gw.family, 0);
	ck_assert_int_eq(oif, ifindex);
	ck_assert_uint_eq(src.family, hop.family);
	ck_assert_int_eq(kern_route_get(&probe, &gw, &oif, &src), -ENETUNREACH);

	kern_route_add(k, &r, on_done, &c);
	ck_assert_int_eq(c.last_err, 0);
	kern_route_add(k, &r, on_done, &c); /* again: replaced */
	ck_assert_int_eq(c.last_err, 0);
	/* table 220 is not consulted yet */
	ck_assert_int_eq(kern_route_get(&probe, &gw, &oif, &src), -ENETUNREACH);
	ck_assert_int_eq(kern_rule_ensure(k, 220, 220), 0);
	ck_assert_int_eq(kern_rule_ensure(k, 220, 220), 0);
	ck_assert_int_eq(kern_route_get(&probe, &gw, &oif, &src), 0);
	ck_assert_mem_eq(&gw, &hop, sizeof(gw));
	ck_assert_mem_eq(&src, &vip, sizeof(src));
	ck_assert_int_eq(oif, ifindex);

	kern_route_del(k, &r, on_done, &c);
	ck_assert_int_eq(c.last_err, 0);
	ck_assert_int_eq(kern_route_get(&probe, &gw, &oif, &src), -ENETUNREACH);
	kern_route_del(k, &r, on_done, &c); /* no longer there */
	ck_assert_int_eq(c.last_err, -ESRCH);
	ck_assert_int_eq(c.errors, 1);
	ck_assert_int_eq(c.answers, 4);
	ck_assert_int_eq(rules_of(k, AF_INET), 1);
	ck_assert_int_eq(rules_of(k, AF_INET6), 1);
}

START_TEST(test_kernel_routes)
{
	struct counted c = {0};
	struct kern *k;
	int ifindex;

	if (!own_netns()) {
		printf("check_xfrm: not root or no netns: real-kernel test skipped\n");
		return;
	}
	k = kern_open(NULL, NULL);
	ck_assert_ptr_nonnull(k);
	ifindex = veth_up("rw0", "rw1");
	ck_assert_int_gt(ifindex, 1);
	struct kern_addr vip = v4("10.8.0.11"), mine = v4("192.0.2.1"), vip6 = v6("2001:db8::11"),
			 mine6 = v6("2001:db8:1::1");

	kern_ifaddr_add(k, ifindex, &mine, 24, on_done, &c);
	kern_ifaddr_add(k, ifindex, &vip, 32, on_done, &c);
	kern_ifaddr_add(k, ifindex, &mine6, 64, on_done, &c);
	kern_ifaddr_add(k, ifindex, &vip6, 128, on_done, &c);
	ck_assert_int_eq(c.errors, 0);

	route_cycle(k, ifindex, vip, v4("192.168.50.0"), 24, v4("192.0.2.254"), v4("192.168.50.1"));
	route_cycle(k, ifindex, vip6, v6("2001:db8:50::"), 64, v6("2001:db8:1::fe"),
		    v6("2001:db8:50::1"));

	/* ensure, remove: none left, and removing none is no error */
	ck_assert_int_eq(kern_rule_ensure(k, 220, 220), 0);
	ck_assert_int_eq(kern_rule_remove(k, 220, 220), 0);
	ck_assert_int_eq(rules_of(k, AF_INET), 0);
	ck_assert_int_eq(rules_of(k, AF_INET6), 0);
	ck_assert_int_eq(kern_rule_remove(k, 220, 220), 0);

	/* a source that is no address of ours is refused, explained */
	struct kern_route bad = {.dst = v4("192.168.51.0"),
				 .plen = 24,
				 .src = v4("10.9.9.9"),
				 .ifindex = ifindex,
				 .table = 220};

	kern_route_add(k, &bad, on_done, &c);
	ck_assert_int_eq(c.last_err, -EINVAL);
	kern_close(k);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("xfrm");
	TCase *t = tcase_create("messages");

	tcase_add_test(t, test_sa_round_trip);
	tcase_add_test(t, test_sa_aead_esn_encap);
	tcase_add_test(t, test_sp_round_trip);
	tcase_add_test(t, test_truncated_refused);
	tcase_add_test(t, test_ack_parse);
	tcase_add_test(t, test_ifaddr_msg);
	tcase_add_test(t, test_route_msg);
	tcase_add_test(t, test_rule_msg);
	suite_add_tcase(s, t);
	/* each runs forked (check's default), so its namespace dies with it */
	t = tcase_create("kernel");
	tcase_add_test(t, test_kernel_policies);
	tcase_add_test(t, test_kernel_spi_events_bypass);
	tcase_add_test(t, test_kernel_no_esp_ah_explained);
	tcase_add_test(t, test_kernel_ifaddr);
	tcase_add_test(t, test_kernel_routes);
	suite_add_tcase(s, t);
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
