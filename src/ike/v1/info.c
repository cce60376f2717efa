/* info: IKEv1 informational exchanges (RFC 2408 4.8, RFC 2409 5.7): deletes of the ISAKMP
 * SA and of IPsec SAs, notifies, and dead peer detection (RFC 3706: R-U-THERE and its
 * ACK, with a sequence number). All after phase 1 are protected: HDR*, HASH(1), N/D. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/log.h"
#include "ipsecd/loop.h"
#include "v1.h"

static void cookies(const struct ike_sa *sa, uint8_t out[16])
{
	uint64_t a = sa->spi_i, b = sa->spi_r;

	for (int i = 7; i >= 0; i--, a >>= 8, b >>= 8) {
		out[i] = (uint8_t)a;
		out[8 + i] = (uint8_t)b;
	}
}

/* --- sending --- */

struct one_notify {
	uint8_t proto;
	uint16_t type;
	const uint8_t *spi;
	size_t spilen;
	const uint8_t *data;
	size_t len;
};

static void build_notify(struct ikev1_enc *e, void *arg)
{
	const struct one_notify *n = arg;

	ikev1_put_notify(e, IKEV1_DOI_IPSEC, n->proto, n->type, n->spi, n->spilen, n->data, n->len);
}

struct one_delete {
	uint8_t proto, spi_size;
	const uint8_t *spis;
};

static void build_delete(struct ikev1_enc *e, void *arg)
{
	const struct one_delete *d = arg;

	ikev1_put_delete(e, IKEV1_DOI_IPSEC, d->proto, d->spi_size, 1, d->spis);
}

static void send_info(struct ike_sa *sa, void (*build)(struct ikev1_enc *e, void *arg), void *arg)
{
	uint32_t mid;

	if (!sa->v1 || sa->v1->p1 != IKEV1_P1_DONE)
		return;
	mid = ikev1_new_mid(sa);
	if (ikev1_send_hashed(sa, IKEV1_EXCH_INFORMATIONAL, mid, build, arg, NULL) < 0)
		log_debug(LOG_IKE, sa->ctx, "informational message could not be sent");
	ikev1_ivs_forget(&sa->v1->ivs, mid);
}

void ikev1_notify_protected(struct ike_sa *sa, uint16_t type)
{
	struct one_notify n = {.proto = IKEV1_PROTO_ISAKMP, .type = type};
	uint8_t spi[16];

	cookies(sa, spi);
	n.spi = spi;
	n.spilen = 16;
	send_info(sa, build_notify, &n);
}

/* A delete of c (the SPI the peer sends to: our inbound one) under sa. */
static void send_delete_child(struct ike_sa *sa, const struct ike_child *c)
{
	uint8_t spi[4] = {(uint8_t)(c->spi_in >> 24), (uint8_t)(c->spi_in >> 16),
			  (uint8_t)(c->spi_in >> 8), (uint8_t)c->spi_in};
	struct one_delete d = {.proto = c->proto == IPPROTO_AH ? IKEV1_PROTO_AH : IKEV1_PROTO_ESP,
			       .spi_size = 4,
			       .spis = spi};

	send_info(sa, build_delete, &d);
}

/* The IPsec SAs first, as strongSwan does: a peer may keep them past the ISAKMP SA (RFC
 * 2409 lets it; ipsecd holds them a while for a new ISAKMP SA). */
void ikev1_send_delete_isakmp(struct ike_sa *sa)
{
	uint8_t spi[16];
	struct one_delete d = {.proto = IKEV1_PROTO_ISAKMP, .spi_size = 16, .spis = spi};

	if (!sa->v1 || sa->v1->p1 != IKEV1_P1_DONE || sa->state != IKE_STATE_ESTABLISHED)
		return;
	for (const struct ike_child *c = sa->children; c; c = c->next)
		if (c->state == CHILD_STATE_INSTALLED)
			send_delete_child(sa, c);
	cookies(sa, spi);
	send_info(sa, build_delete, &d);
	log_info(LOG_IKE, sa->ctx, "ISAKMP SA deleted");
}

static void unlink_child(struct ike_sa *sa, struct ike_child *c)
{
	for (struct ike_child **pp = &sa->children; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			sa->nchildren--;
			return;
		}
}

/* Tells the peer (the SPI it sends to: our inbound one) under sa and removes ours at once:
 * IKEv1 deletes are not answered. c may belong to another ISAKMP SA with the peer (one sa
 * replaces). */
void ikev1_delete_child(struct ike_sa *sa, struct ike_child *c)
{
	send_delete_child(sa, c);
	log_info(LOG_IKE, sa->ctx, "IPsec SA #%u deleted (spi in %08x out %08x)", c->serial,
		 c->spi_in, c->spi_out);
	unlink_child(c->ike, c);
	ike_child_free(c, true);
}

void ikev1_dpd_start(struct ike_sa *sa)
{
	struct ikev1_state *v = sa->v1;
	uint8_t spi[16], seq[4];
	struct one_notify n = {.proto = IKEV1_PROTO_ISAKMP,
			       .type = IKEV1_N_R_U_THERE,
			       .spi = spi,
			       .spilen = 16,
			       .data = seq,
			       .len = 4};

	if (!v->dpd_vid) /* RFC 3706 2: only to a peer that said it does DPD */
		return;
	if (!v->dpd_seq && crypto_random(&v->dpd_seq, sizeof(v->dpd_seq)) < 0)
		v->dpd_seq = 1;
	v->dpd_seq = (v->dpd_seq + 1) & 0x7fffffff; /* 2.4: room to go up */
	seq[0] = (uint8_t)(v->dpd_seq >> 24), seq[1] = (uint8_t)(v->dpd_seq >> 16);
	seq[2] = (uint8_t)(v->dpd_seq >> 8), seq[3] = (uint8_t)v->dpd_seq;
	cookies(sa, spi);
	send_info(sa, build_notify, &n);
	if (!v->dpd_out) {
		v->dpd_out = true;
		ikev1_arm(sa);
	}
}

void ikev1_notify_plain(struct ike *eng, const struct net_pkt *p, const struct ikev1_hdr *h,
			uint16_t type)
{
	struct ikev1_hdr hdr = *h;
	struct ikev1_enc e;
	struct wbuf w;

	hdr.exch = IKEV1_EXCH_INFORMATIONAL;
	hdr.flags = 0;
	hdr.msgid = 0;
	wbuf_init(&w);
	ikev1_enc_begin(&e, &w, &hdr);
	ikev1_put_notify(&e, IKEV1_DOI_IPSEC, IKEV1_PROTO_ISAKMP, type, NULL, 0, NULL, 0);
	ikev1_enc_end(&e);
	if (!w.err)
		net_send(eng->d.net, &p->local, &p->remote, p->natt, w.p, w.len);
	wbuf_free(&w);
}

/* --- receiving --- */

/* Our IPsec SA that the peer sends to on spi: under sa, or under another ISAKMP SA with
 * the same peer (a delete may come under the ISAKMP SA that replaced the one that made it).
 * "The same peer" here and below: the same peer item and remote ID, whose SAs are listed
 * together (ike_sa_next_same_id), so a gateway whose one peer item serves thousands of
 * clients looks at one client's SAs, not at all of them. */
static struct ike_child *child_of_peer(struct ike_sa *sa, uint8_t proto, uint32_t spi)
{
	uint8_t ipproto = proto == IKEV1_PROTO_AH ? IPPROTO_AH : IPPROTO_ESP;
	struct ike_sa *o = NULL;

	for (struct ike_child *c = sa->children; c; c = c->next)
		if (c->spi_out == spi && c->proto == ipproto)
			return c;
	while ((o = ike_sa_next_same_id(sa, o)))
		if (o->v1)
			for (struct ike_child *c = o->children; c; c = c->next)
				if (c->spi_out == spi && c->proto == ipproto)
					return c;
	return NULL;
}

static void delete_rx(struct ike_sa *sa, const struct ikev1_delete *d, bool *ike_gone)
{
	if (d->proto == IKEV1_PROTO_ISAKMP) {
		*ike_gone = true;
		return;
	}
	if ((d->proto != IKEV1_PROTO_ESP && d->proto != IKEV1_PROTO_AH) || d->spi_size != 4)
		return;
	for (uint16_t i = 0; i < d->nspi; i++) {
		const uint8_t *s = d->spis.ptr + 4 * (size_t)i;
		uint32_t spi =
			(uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 | (uint32_t)s[2] << 8 | s[3];

		struct ike_child *c = child_of_peer(sa, d->proto, spi);

		if (c) {
			log_info(LOG_IKE, sa->ctx, "peer deleted IPsec SA #%u (spi %08x)",
				 c->serial, spi);
			unlink_child(c->ike, c);
			ike_child_free(c, true);
		}
	}
}

static void notify_rx(struct ike_sa *sa, const struct ikev1_notify *n)
{
	struct ikev1_state *v = sa->v1;

	if (n->type == IKEV1_N_R_U_THERE && n->data.len == 4) {
		struct one_notify a = {.proto = IKEV1_PROTO_ISAKMP,
				       .type = IKEV1_N_R_U_THERE_ACK,
				       .spi = n->spi.ptr,
				       .spilen = n->spi.len,
				       .data = n->data.ptr,
				       .len = 4};

		send_info(sa, build_notify, &a);
	} else if (n->type == IKEV1_N_R_U_THERE_ACK && n->data.len == 4) {
		uint32_t seq = (uint32_t)n->data.ptr[0] << 24 | (uint32_t)n->data.ptr[1] << 16 |
			       (uint32_t)n->data.ptr[2] << 8 | n->data.ptr[3];

		if (v->dpd_out && seq == v->dpd_seq) {
			v->dpd_out = false;
			sa->rtx_count = 0;
			ikev1_disarm(sa);
		}
	} else if (n->type == IKEV1_N_INITIAL_CONTACT) { /* base mode's (p1_id.c) */
		ikev1_p1_initial_contact(sa);
	} else if (n->type && n->type < 16384) {
		ikev1_qm_refused(sa, n);
	}
}

/* How long the IPsec SAs of an ISAKMP SA the peer deleted wait for a new one to take them. */
#define ORPHAN_WAIT 30.0

static void move_children(struct ike_sa *from, struct ike_sa *to)
{
	log_info(LOG_IKE, from->ctx, "its %u IPsec SA(s) go to ike#%u", from->nchildren,
		 to->serial);
	while (from->children) {
		struct ike_child *c = from->children;

		from->children = c->next;
		from->nchildren--;
		c->ike = to;
		c->next = to->children;
		to->children = c;
		to->nchildren++;
	}
}

/* The newest other established ISAKMP SA with sa's peer, or NULL. */
static struct ike_sa *newest_other(struct ike_sa *sa)
{
	struct ike_sa *o = NULL, *to = NULL;

	while ((o = ike_sa_next_same_id(sa, o)))
		if (o->v1 && o->state == IKE_STATE_ESTABLISHED &&
		    (!to || o->established > to->established))
			to = o;
	return to;
}

/* The peer deleted sa, which still has IPsec SAs, and no newer ISAKMP SA is there to take
 * them: they stay ORPHAN_WAIT s in sa, held as deleting, for one to come (strongSwan,
 * reauthenticating, deletes the old IKE_SA two seconds after it starts the new one, done
 * or not); then they go (on_life). */
static void hold(struct ike_sa *sa)
{
	log_info(LOG_IKE, sa->ctx,
		 "its %u IPsec SA(s) wait %.0f s for a new ISAKMP SA with the peer", sa->nchildren,
		 ORPHAN_WAIT);
	sa->state = IKE_STATE_DELETING;
	sa->v1->dpd_out = false;
	loop_timer_free(sa->rtx);
	sa->rtx = NULL;
	sa->rekey_at = ike_now(sa->eng) + ORPHAN_WAIT;
	ike_sa_schedule(sa);
}

/* The same address (the port may have moved with a NAT's mapping): IDs may be shared (an
 * XAuth group's), the held IPsec SAs go only to the host that made them. */
static bool same_host(const struct ike_sa *a, const struct ike_sa *b)
{
	return a->remote.family == b->remote.family &&
	       !memcmp(a->remote.bytes, b->remote.bytes, sizeof(a->remote.bytes));
}

void ikev1_take_held(struct ike_sa *sa)
{
	struct ike_sa *o;

	do {
		o = NULL;
		while ((o = ike_sa_next_same_id(sa, o)))
			if (o->v1 && o->state == IKE_STATE_DELETING && o->children &&
			    same_host(o, sa))
				break;
		if (o) {
			move_children(o, sa);
			ike_sa_destroy(o, true);
		}
	} while (o);
}

int ikev1_info_recv(struct ike_sa *sa, const struct ikev1_msg *m)
{
	const struct wire_bytes *h = &m->hash[0];
	const uint8_t *rest = h->ptr + h->len;
	size_t restlen = (size_t)(m->chain.ptr + m->chain.len - rest);
	uint8_t want[CRYPTO_V1_MAX_HASH];
	size_t hl = crypto_v1_hash_len(sa->v1->hash);
	bool ike_gone = false;

	if (ikev1_hash_mid(sa->v1->hash, &sa->v1->keys.skeyid_a, m->hdr.msgid, NULL, rest, restlen,
			   want) < 0 ||
	    h->len != hl || !crypto_memeq(h->ptr, want, hl))
		return -EPERM;
	ikev1_ivs_forget(&sa->v1->ivs, m->hdr.msgid);
	for (unsigned i = 0; i < m->nnotify; i++)
		notify_rx(sa, &m->notify[i]);
	for (unsigned i = 0; i < m->ndelete; i++)
		delete_rx(sa, &m->del[i], &ike_gone);
	if (ike_gone) {
		struct ike_sa *to = newest_other(sa);

		log_info(LOG_IKE, sa->ctx, "peer deleted the ISAKMP SA");
		ike_acct_cause(sa, RADIUS_TERM_USER_REQUEST);
		/* its IPsec SAs live on in IKEv1 (RFC 2409 leaves them to their lifetime): a
		 * newer ISAKMP SA with the peer (strongSwan reauthenticating) takes them, as
		 * strongSwan does, now or when it comes; if none comes, like strongSwan and
		 * RouterOS, ipsecd removes them */
		if (sa->children && to)
			move_children(sa, to);
		else if (sa->children) {
			hold(sa);
			return 1;
		}
		ike_sa_destroy(sa, true);
		return 1;
	}
	return 0;
}
