/* xfrm_msg: the XFRM netlink messages (linux/xfrm.h) ipsecd sends and the ones it reads,
 * built and parsed with libnl-3's message and attribute API. SA messages carry keys: they
 * are built in messages wiped before they are freed (DESIGN.md §5), never in libnl-xfrm
 * objects, which free keys unwiped. What the kernel sends is checked length by length:
 * nlmsg_parse() validates every attribute against the minimum sizes below. */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <netlink/attr.h>
#include <sys/socket.h>

#include "xfrm_msg.h"

#define BIG_MSG 4096

static struct nla_policy attr_policy[XFRMA_MAX + 1] = {
	[XFRMA_ALG_AUTH] = {.minlen = sizeof(struct xfrm_algo)},
	[XFRMA_ALG_CRYPT] = {.minlen = sizeof(struct xfrm_algo)},
	[XFRMA_ALG_AEAD] = {.minlen = sizeof(struct xfrm_algo_aead)},
	[XFRMA_ALG_AUTH_TRUNC] = {.minlen = sizeof(struct xfrm_algo_auth)},
	[XFRMA_ENCAP] = {.minlen = sizeof(struct xfrm_encap_tmpl)},
	[XFRMA_TMPL] = {.minlen = 0},
	[XFRMA_SA] = {.minlen = sizeof(struct xfrm_usersa_info)},
	[XFRMA_POLICY] = {.minlen = sizeof(struct xfrm_userpolicy_info)},
	[XFRMA_REPLAY_VAL] = {.minlen = sizeof(struct xfrm_replay_state)},
	[XFRMA_REPLAY_ESN_VAL] = {.minlen = sizeof(struct xfrm_replay_state_esn)},
};

/* --- our structs -> the kernel's --- */

static void put_addr(xfrm_address_t *x, const uint8_t *bytes, uint8_t family)
{
	memset(x, 0, sizeof(*x));
	memcpy(x, bytes, family == AF_INET6 ? 16 : 4);
}

static void get_addr(struct kern_addr *a, const xfrm_address_t *x, uint16_t family)
{
	memset(a, 0, sizeof(*a));
	if (family != AF_INET && family != AF_INET6)
		return;
	a->family = (uint8_t)family;
	memcpy(a->bytes, x, family == AF_INET6 ? 16 : 4);
}

static void put_sel(struct xfrm_selector *x, const struct kern_sel *s, uint8_t family)
{
	memset(x, 0, sizeof(*x));
	x->family = s->family ? s->family : family;
	if (!s->family)
		return;
	put_addr(&x->saddr, s->src, s->family);
	put_addr(&x->daddr, s->dst, s->family);
	x->prefixlen_s = s->src_plen;
	x->prefixlen_d = s->dst_plen;
	x->proto = s->proto;
	x->sport = htons(s->sport);
	x->sport_mask = s->sport ? 0xffff : 0;
	x->dport = htons(s->dport);
	x->dport_mask = s->dport ? 0xffff : 0;
}

static void get_sel(struct kern_sel *s, const struct xfrm_selector *x)
{
	memset(s, 0, sizeof(*s));
	if (x->family != AF_INET && x->family != AF_INET6)
		return;
	s->family = (uint8_t)x->family;
	memcpy(s->src, &x->saddr, x->family == AF_INET6 ? 16 : 4);
	memcpy(s->dst, &x->daddr, x->family == AF_INET6 ? 16 : 4);
	s->src_plen = x->prefixlen_s;
	s->dst_plen = x->prefixlen_d;
	s->proto = x->proto;
	s->sport = x->sport_mask ? ntohs(x->sport) : 0;
	s->dport = x->dport_mask ? ntohs(x->dport) : 0;
}

static __u64 limit(uint64_t v)
{
	return v ? v : XFRM_INF;
}

static void put_lft(struct xfrm_lifetime_cfg *l, const struct kern_lifetime *k)
{
	l->soft_byte_limit = limit(k->soft_bytes);
	l->hard_byte_limit = limit(k->hard_bytes);
	l->soft_packet_limit = XFRM_INF;
	l->hard_packet_limit = XFRM_INF;
	l->soft_add_expires_seconds = k->soft_add;
	l->hard_add_expires_seconds = k->hard_add;
	l->soft_use_expires_seconds = k->soft_use;
	l->hard_use_expires_seconds = k->hard_use;
}

static uint64_t unlimit(__u64 v)
{
	return v == XFRM_INF ? 0 : v;
}

/* --- building --- */

void xfrm_msg_free_wiped(struct nl_msg *msg)
{
	if (!msg)
		return;
	struct nlmsghdr *h = nlmsg_hdr(msg);

	explicit_bzero(h, h->nlmsg_len);
	nlmsg_free(msg);
}

/* An algorithm attribute: the struct's fixed part from fixed/fixed_len, then the key. */
static int put_alg(struct nl_msg *msg, int type, const void *fixed, size_t fixed_len,
		   const struct kern_key *key)
{
	struct nlattr *a = nla_reserve(msg, type, (int)(fixed_len + key->len));

	if (!a)
		return -ENOMEM;
	memcpy(nla_data(a), fixed, fixed_len);
	memcpy((char *)nla_data(a) + fixed_len, key->bytes, key->len);
	return 0;
}

static int put_sa_algs(struct nl_msg *msg, const struct kern_sa *sa)
{
	const struct kern_alg *enc = sa->enc, *auth = sa->auth;

	if (enc && enc->kind == KERN_ALG_AEAD) {
		struct xfrm_algo_aead x = {.alg_key_len = sa->enc_key.len * 8u,
					   .alg_icv_len = enc->icv_bits};

		snprintf(x.alg_name, sizeof(x.alg_name), "%s", enc->kname);
		if (put_alg(msg, XFRMA_ALG_AEAD, &x, sizeof(x), &sa->enc_key) < 0)
			return -ENOMEM;
	} else if (enc) {
		struct xfrm_algo x = {.alg_key_len = sa->enc_key.len * 8u};

		snprintf(x.alg_name, sizeof(x.alg_name), "%s", enc->kname);
		if (put_alg(msg, XFRMA_ALG_CRYPT, &x, sizeof(x), &sa->enc_key) < 0)
			return -ENOMEM;
	}
	if (auth) {
		struct xfrm_algo_auth x = {.alg_key_len = sa->auth_key.len * 8u,
					   .alg_trunc_len = auth->icv_bits};

		snprintf(x.alg_name, sizeof(x.alg_name), "%s", auth->kname);
		if (put_alg(msg, XFRMA_ALG_AUTH_TRUNC, &x, sizeof(x), &sa->auth_key) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* RFC 4303 3.4.3; the kernel wants the bitmap form for ESN or windows over 32 packets. */
static int put_replay(struct nl_msg *msg, const struct kern_sa *sa, struct xfrm_usersa_info *p)
{
	if (!sa->esn && sa->replay_window <= 32) {
		p->replay_window = (__u8)sa->replay_window;
		return 0;
	}
	uint32_t bmp_len = (sa->replay_window + 31) / 32;
	size_t len = sizeof(struct xfrm_replay_state_esn) + bmp_len * sizeof(__u32);
	struct nlattr *a = nla_reserve(msg, XFRMA_REPLAY_ESN_VAL, (int)len);

	if (!a)
		return -ENOMEM;
	struct xfrm_replay_state_esn *r = nla_data(a);

	memset(r, 0, len);
	r->bmp_len = bmp_len;
	r->replay_window = sa->replay_window;
	if (sa->esn)
		p->flags |= XFRM_STATE_ESN;
	return 0;
}

struct nl_msg *xfrm_msg_sa_add(const struct kern_sa *sa, bool update)
{
	struct nl_msg *msg;
	struct xfrm_usersa_info *p;

	if (sa->enc_key.len > sizeof(sa->enc_key.bytes) ||
	    sa->auth_key.len > sizeof(sa->auth_key.bytes))
		return NULL;
	msg = nlmsg_alloc_simple(update ? XFRM_MSG_UPDSA : XFRM_MSG_NEWSA, 0);
	if (!msg)
		return NULL;
	p = nlmsg_reserve(msg, sizeof(*p), NLMSG_ALIGNTO);
	if (!p)
		goto fail;
	memset(p, 0, sizeof(*p));
	p->family = sa->id.dst.family;
	put_sel(&p->sel, &sa->sel, p->family);
	put_addr(&p->id.daddr, sa->id.dst.bytes, p->family);
	p->id.spi = htonl(sa->id.spi);
	p->id.proto = sa->id.proto;
	put_addr(&p->saddr, sa->src.bytes, p->family);
	p->reqid = sa->reqid;
	p->mode = sa->tunnel ? XFRM_MODE_TUNNEL : XFRM_MODE_TRANSPORT;
	put_lft(&p->lft, &sa->lft);
	if (put_sa_algs(msg, sa) < 0 || put_replay(msg, sa, p) < 0)
		goto fail;
	if (sa->encap_sport && sa->encap_dport) {
		struct xfrm_encap_tmpl e = {.encap_type = 2 /* UDP_ENCAP_ESPINUDP */,
					    .encap_sport = htons(sa->encap_sport),
					    .encap_dport = htons(sa->encap_dport)};

		if (nla_put(msg, XFRMA_ENCAP, sizeof(e), &e) < 0)
			goto fail;
	}
	return msg;
fail:
	xfrm_msg_free_wiped(msg);
	return NULL;
}

/* A message that is only its fixed header. */
static struct nl_msg *fixed_msg(int type, const void *hdr, size_t len)
{
	struct nl_msg *msg = nlmsg_alloc_simple(type, 0);

	if (msg && nlmsg_append(msg, (void *)hdr, len, NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct nl_msg *xfrm_msg_sa_del(const struct kern_sa_id *id)
{
	struct xfrm_usersa_id x = {
		.spi = htonl(id->spi), .family = id->dst.family, .proto = id->proto};

	put_addr(&x.daddr, id->dst.bytes, id->dst.family);
	return fixed_msg(XFRM_MSG_DELSA, &x, sizeof(x));
}

struct nl_msg *xfrm_msg_sa_get(const struct kern_sa_id *id)
{
	struct xfrm_usersa_id x = {
		.spi = htonl(id->spi), .family = id->dst.family, .proto = id->proto};

	put_addr(&x.daddr, id->dst.bytes, id->dst.family);
	return fixed_msg(XFRM_MSG_GETSA, &x, sizeof(x));
}

static void put_tmpl(struct xfrm_user_tmpl *t, const struct kern_tmpl *k, uint8_t family)
{
	memset(t, 0, sizeof(*t));
	t->id.proto = k->proto;
	t->family = k->tunnel ? k->dst.family : family;
	if (k->tunnel) {
		put_addr(&t->id.daddr, k->dst.bytes, k->dst.family);
		put_addr(&t->saddr, k->src.bytes, k->src.family);
	}
	t->reqid = k->reqid;
	t->mode = k->tunnel ? XFRM_MODE_TUNNEL : XFRM_MODE_TRANSPORT;
	t->share = k->level == KERN_LEVEL_UNIQUE ? XFRM_SHARE_UNIQUE : XFRM_SHARE_ANY;
	t->optional = k->level == KERN_LEVEL_USE;
	t->aalgos = t->ealgos = t->calgos = ~0u;
}

struct nl_msg *xfrm_msg_sp_add(const struct kern_sp *sp, bool update)
{
	struct nl_msg *msg;
	struct xfrm_userpolicy_info *p;
	struct xfrm_user_tmpl t[2];

	if (sp->ntmpl > 2)
		return NULL;
	msg = nlmsg_alloc_simple(update ? XFRM_MSG_UPDPOLICY : XFRM_MSG_NEWPOLICY, 0);
	if (!msg)
		return NULL;
	p = nlmsg_reserve(msg, sizeof(*p), NLMSG_ALIGNTO);
	if (!p)
		goto fail;
	memset(p, 0, sizeof(*p));
	put_sel(&p->sel, &sp->sel, sp->sel.family);
	put_lft(&p->lft, &(struct kern_lifetime){0});
	p->priority = sp->priority;
	p->index = sp->index;
	p->dir = (__u8)sp->dir;
	p->action = sp->block ? XFRM_POLICY_BLOCK : XFRM_POLICY_ALLOW;
	p->share = XFRM_SHARE_ANY;
	for (unsigned i = 0; i < sp->ntmpl; i++)
		put_tmpl(&t[i], &sp->tmpl[i], sp->sel.family);
	if (sp->ntmpl && nla_put(msg, XFRMA_TMPL, (int)(sp->ntmpl * sizeof(t[0])), t) < 0)
		goto fail;
	return msg;
fail:
	nlmsg_free(msg);
	return NULL;
}

struct nl_msg *xfrm_msg_sp_del(const struct kern_sp *sp)
{
	struct xfrm_userpolicy_id x = {.index = sp->index, .dir = (__u8)sp->dir};

	put_sel(&x.sel, &sp->sel, sp->sel.family);
	return fixed_msg(XFRM_MSG_DELPOLICY, &x, sizeof(x));
}

struct nl_msg *xfrm_msg_alloc_spi(const struct kern_addr *src, const struct kern_addr *dst,
				  uint8_t proto, uint32_t reqid, uint32_t min, uint32_t max)
{
	struct xfrm_userspi_info x = {.min = min, .max = max};

	x.info.family = dst->family;
	x.info.sel.family = dst->family;
	put_addr(&x.info.id.daddr, dst->bytes, dst->family);
	put_addr(&x.info.saddr, src->bytes, src->family);
	x.info.id.proto = proto;
	x.info.reqid = reqid;
	x.info.mode = XFRM_MODE_TUNNEL;
	return fixed_msg(XFRM_MSG_ALLOCSPI, &x, sizeof(x));
}

struct nl_msg *xfrm_msg_dump(int type)
{
	struct nl_msg *msg = nlmsg_alloc_simple(type, NLM_F_DUMP);
	/* GETSA and GETPOLICY dumps take an (empty) id as their fixed header. */
	size_t len = type == XFRM_MSG_GETSA ? sizeof(struct xfrm_usersa_id)
					    : sizeof(struct xfrm_userpolicy_id);

	if (msg && !nlmsg_reserve(msg, len, NLMSG_ALIGNTO)) {
		nlmsg_free(msg);
		return NULL;
	}
	if (msg)
		memset(nlmsg_data(nlmsg_hdr(msg)), 0, len);
	return msg;
}

/* --- parsing --- */

static int parse(const struct nlmsghdr *h, size_t hdrlen, struct nlattr **tb)
{
	if (!nlmsg_valid_hdr(h, (int)hdrlen))
		return -EINVAL;
	return nlmsg_parse((struct nlmsghdr *)h, (int)hdrlen, tb, XFRMA_MAX, attr_policy) < 0
		       ? -EINVAL
		       : 0;
}

/* Copies an algorithm's name and key out of an attribute whose fixed part is fixed_len
 * bytes. Every xfrm_algo* starts with the name (64 bytes) and the key length in bits;
 * the key must fit both the attribute and out. */
static int get_alg(const struct nlattr *a, size_t fixed_len, char *name, size_t name_len,
		   struct kern_key *out, unsigned *key_bits)
{
	__u32 bits;
	size_t key_len;

	memcpy(&bits, (const char *)nla_data(a) + offsetof(struct xfrm_algo, alg_key_len),
	       sizeof(bits));
	key_len = ((size_t)bits + 7) / 8;
	if ((size_t)nla_len(a) < fixed_len + key_len || key_len > sizeof(out->bytes))
		return -EINVAL;
	snprintf(name, name_len, "%.*s", 63, (const char *)nla_data(a));
	out->len = (uint8_t)key_len;
	memcpy(out->bytes, (const char *)nla_data(a) + fixed_len, key_len);
	*key_bits = bits;
	return 0;
}

static int parse_sa_algs(struct nlattr **tb, struct kern_sa_info *out)
{
	static const struct {
		int type;
		size_t fixed_len;
		bool enc;
	} kinds[] = {
		{XFRMA_ALG_AEAD, sizeof(struct xfrm_algo_aead), true},
		{XFRMA_ALG_CRYPT, sizeof(struct xfrm_algo), true},
		{XFRMA_ALG_AUTH_TRUNC, sizeof(struct xfrm_algo_auth), false},
		{XFRMA_ALG_AUTH, sizeof(struct xfrm_algo), false},
	};
	unsigned bits;

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const struct nlattr *a = tb[kinds[i].type];
		char *name = kinds[i].enc ? out->enc_kname : out->auth_kname;

		if (!a || name[0]) /* the truncated form of an integrity algorithm wins */
			continue;
		if (get_alg(a, kinds[i].fixed_len, name, sizeof(out->enc_kname),
			    kinds[i].enc ? &out->sa.enc_key : &out->sa.auth_key, &bits) < 0)
			return -EINVAL;
		if (kinds[i].enc)
			out->enc_key_bits = bits;
	}
	return 0;
}

static void get_sa_info(struct kern_sa_info *out, const struct xfrm_usersa_info *p)
{
	struct kern_sa *sa = &out->sa;

	get_addr(&sa->id.dst, &p->id.daddr, p->family);
	get_addr(&sa->src, &p->saddr, p->family);
	sa->id.proto = p->id.proto;
	sa->id.spi = ntohl(p->id.spi);
	sa->reqid = p->reqid;
	sa->tunnel = p->mode == XFRM_MODE_TUNNEL;
	get_sel(&sa->sel, &p->sel);
	sa->replay_window = p->replay_window;
	sa->esn = p->flags & XFRM_STATE_ESN;
	sa->lft.soft_bytes = unlimit(p->lft.soft_byte_limit);
	sa->lft.hard_bytes = unlimit(p->lft.hard_byte_limit);
	sa->lft.soft_add = p->lft.soft_add_expires_seconds;
	sa->lft.hard_add = p->lft.hard_add_expires_seconds;
	sa->lft.soft_use = p->lft.soft_use_expires_seconds;
	sa->lft.hard_use = p->lft.hard_use_expires_seconds;
	out->cur_bytes = p->curlft.bytes;
	out->cur_packets = p->curlft.packets;
	out->add_time = p->curlft.add_time;
	out->use_time = p->curlft.use_time;
	out->stats_replay = p->stats.replay;
	out->stats_integrity_failed = p->stats.integrity_failed;
}

int xfrm_parse_sa(const struct nlmsghdr *h, struct kern_sa_info *out)
{
	struct nlattr *tb[XFRMA_MAX + 1];
	struct xfrm_usersa_info p;

	memset(out, 0, sizeof(*out));
	if (parse(h, sizeof(p), tb) < 0)
		return -EINVAL;
	memcpy(&p, nlmsg_data(h), sizeof(p)); /* messages are 4-aligned; it has u64s */
	get_sa_info(out, &p);
	if (parse_sa_algs(tb, out) < 0) {
		explicit_bzero(out, sizeof(*out));
		return -EINVAL;
	}
	out->larval = !tb[XFRMA_ALG_AEAD] && !tb[XFRMA_ALG_CRYPT] && !tb[XFRMA_ALG_AUTH] &&
		      !tb[XFRMA_ALG_AUTH_TRUNC];
	if (tb[XFRMA_ENCAP]) {
		const struct xfrm_encap_tmpl *e = nla_data(tb[XFRMA_ENCAP]);

		out->sa.encap_sport = ntohs(e->encap_sport);
		out->sa.encap_dport = ntohs(e->encap_dport);
	}
	if (tb[XFRMA_REPLAY_ESN_VAL]) {
		const struct xfrm_replay_state_esn *r = nla_data(tb[XFRMA_REPLAY_ESN_VAL]);

		out->sa.replay_window = r->replay_window;
		out->replay_seen = r->seq;
	} else if (tb[XFRMA_REPLAY_VAL]) {
		out->replay_seen =
			((const struct xfrm_replay_state *)nla_data(tb[XFRMA_REPLAY_VAL]))->seq;
	}
	return 0;
}

static void get_tmpl(struct kern_tmpl *k, const struct xfrm_user_tmpl *t)
{
	memset(k, 0, sizeof(*k));
	k->proto = t->id.proto;
	k->tunnel = t->mode == XFRM_MODE_TUNNEL;
	k->reqid = t->reqid;
	k->level = t->optional			   ? KERN_LEVEL_USE
		   : t->share == XFRM_SHARE_UNIQUE ? KERN_LEVEL_UNIQUE
						   : KERN_LEVEL_REQUIRE;
	if (k->tunnel) {
		get_addr(&k->dst, &t->id.daddr, t->family);
		get_addr(&k->src, &t->saddr, t->family);
	}
}

static void get_sp(struct kern_sp *sp, const struct xfrm_userpolicy_info *p)
{
	memset(sp, 0, sizeof(*sp));
	get_sel(&sp->sel, &p->sel);
	sp->dir = p->dir <= KERN_DIR_FWD ? (enum kern_dir)p->dir : KERN_DIR_FWD;
	sp->block = p->action == XFRM_POLICY_BLOCK;
	sp->priority = p->priority;
	sp->index = p->index;
	sp->add_time = p->curlft.add_time;
	sp->use_time = p->curlft.use_time;
}

/* The templates of a policy: the XFRMA_TMPL attribute is an array of xfrm_user_tmpl. */
static void get_tmpls(struct kern_sp *sp, const struct nlattr *a)
{
	size_t n = a ? (size_t)nla_len(a) / sizeof(struct xfrm_user_tmpl) : 0;
	const struct xfrm_user_tmpl *t = a ? nla_data(a) : NULL;

	for (size_t i = 0; i < n && i < 2; i++)
		get_tmpl(&sp->tmpl[i], &t[i]);
	sp->ntmpl = (uint8_t)(n < 2 ? n : 2);
}

int xfrm_parse_sp(const struct nlmsghdr *h, struct kern_sp *out)
{
	struct nlattr *tb[XFRMA_MAX + 1];

	struct xfrm_userpolicy_info p;

	memset(out, 0, sizeof(*out));
	if (parse(h, sizeof(p), tb) < 0)
		return -EINVAL;
	memcpy(&p, nlmsg_data(h), sizeof(p));
	get_sp(out, &p);
	get_tmpls(out, tb[XFRMA_TMPL]);
	return 0;
}

int xfrm_parse_acquire(const struct nlmsghdr *h, struct kern_acquire *out)
{
	struct nlattr *tb[XFRMA_MAX + 1];
	struct xfrm_user_acquire acq, *p = &acq;
	struct kern_sp sp;

	memset(out, 0, sizeof(*out));
	if (parse(h, sizeof(acq), tb) < 0)
		return -EINVAL;
	memcpy(&acq, nlmsg_data(h), sizeof(acq));
	get_sp(&sp, &p->policy);
	get_tmpls(&sp, tb[XFRMA_TMPL]);
	out->sp_index = sp.index;
	out->dir = sp.dir;
	out->sel = sp.sel;
	if (sp.ntmpl)
		out->tmpl = sp.tmpl[0];
	else
		out->tmpl.proto = p->id.proto;
	get_addr(&out->src, &p->saddr, p->sel.family);
	get_addr(&out->dst, &p->id.daddr, p->sel.family);
	return 0;
}

int xfrm_parse_expire(const struct nlmsghdr *h, struct kern_sa_id *id, uint32_t *reqid, bool *hard)
{
	struct nlattr *tb[XFRMA_MAX + 1];
	struct xfrm_user_expire exp, *p = &exp;

	if (parse(h, sizeof(exp), tb) < 0)
		return -EINVAL;
	memcpy(&exp, nlmsg_data(h), sizeof(exp));
	get_addr(&id->dst, &p->state.id.daddr, p->state.family);
	id->proto = p->state.id.proto;
	id->spi = ntohl(p->state.id.spi);
	*reqid = p->state.reqid;
	*hard = p->hard;
	return 0;
}

int xfrm_parse_mapping(const struct nlmsghdr *h, struct kern_sa_id *id, struct kern_addr *addr,
		       uint16_t *port)
{
	struct nlattr *tb[XFRMA_MAX + 1];
	const struct xfrm_user_mapping *p = nlmsg_data(h);

	if (parse(h, sizeof(*p), tb) < 0)
		return -EINVAL;
	get_addr(&id->dst, &p->id.daddr, p->id.family);
	id->proto = p->id.proto;
	id->spi = ntohl(p->id.spi);
	get_addr(addr, &p->new_saddr, p->id.family);
	*port = ntohs(p->new_sport);
	return 0;
}

int xfrm_parse_delsa(const struct nlmsghdr *h, struct kern_sa_id *id, uint32_t *reqid)
{
	struct nlattr *tb[XFRMA_MAX + 1];
	const struct xfrm_usersa_id *p = nlmsg_data(h);

	if (parse(h, sizeof(*p), tb) < 0)
		return -EINVAL;
	get_addr(&id->dst, &p->daddr, p->family);
	id->proto = p->proto;
	id->spi = ntohl(p->spi);
	*reqid = 0;
	if (tb[XFRMA_SA]) /* copied: the attribute is only 4-aligned, the struct has u64s */
		memcpy(reqid,
		       (const char *)nla_data(tb[XFRMA_SA]) +
			       offsetof(struct xfrm_usersa_info, reqid),
		       sizeof(*reqid));
	return 0;
}

int xfrm_parse_delpolicy(const struct nlmsghdr *h, uint32_t *index, enum kern_dir *dir)
{
	struct nlattr *tb[XFRMA_MAX + 1];
	const struct xfrm_userpolicy_id *p = nlmsg_data(h);

	if (parse(h, sizeof(*p), tb) < 0)
		return -EINVAL;
	*index = p->index;
	*dir = p->dir <= KERN_DIR_FWD ? (enum kern_dir)p->dir : KERN_DIR_FWD;
	if (!*index && tb[XFRMA_POLICY])
		memcpy(index,
		       (const char *)nla_data(tb[XFRMA_POLICY]) +
			       offsetof(struct xfrm_userpolicy_info, index),
		       sizeof(*index));
	return 0;
}

/* With NETLINK_CAP_ACK the error carries only the request's header; with NETLINK_EXT_ACK
 * attributes may follow it (NLM_F_ACK_TLVS). */
int xfrm_parse_ack(const struct nlmsghdr *h, int *error, char *msg, size_t len)
{
	const struct nlmsgerr *e = nlmsg_data(h);
	size_t off = sizeof(*e);

	if (len)
		msg[0] = '\0';
	if (!nlmsg_valid_hdr(h, sizeof(*e)))
		return -EINVAL;
	*error = e->error;
	if (!(h->nlmsg_flags & NLM_F_CAPPED)) {
		/* the whole request follows: skip it if its length fits */
		if (e->msg.nlmsg_len < sizeof(struct nlmsghdr) ||
		    e->msg.nlmsg_len > (size_t)nlmsg_datalen(h) - sizeof(*e) + sizeof(e->msg))
			return 0;
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - sizeof(e->msg);
	}
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS) || off >= (size_t)nlmsg_datalen(h))
		return 0;
	const struct nlattr *a = (const struct nlattr *)((const char *)nlmsg_data(h) + off);
	int rem = nlmsg_datalen(h) - (int)off;

	for (; nla_ok(a, rem); a = nla_next(a, &rem))
		if (nla_type(a) == NLMSGERR_ATTR_MSG && len)
			snprintf(msg, len, "%.*s", nla_len(a), (const char *)nla_data(a));
	return 0;
}
