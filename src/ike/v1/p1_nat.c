/* p1_nat: what phase 1 learns of the peer beside authentication: its vendor IDs (NAT-T,
 * RFC 3947 and its drafts; DPD, RFC 3706; fragmentation, frag.c), NAT discovery (RFC
 * 3947 3: NAT-D payloads, which main and aggressive mode's p1.c and base mode's base.c
 * send and read) and the move to port 4500 that follows a NAT found (RFC 3947 4). */
#include <string.h>

#include "ipsecd/log.h"
#include "v1.h"

static bool natt_on(const struct ike_sa *sa)
{
	const struct conf_item *prof = ikev1_profile(sa);

	return !prof || conf_bool(prof, CONF_PROFILE_NAT_TRAVERSAL);
}

void ikev1_p1_put_vids(struct ike_sa *sa, struct ikev1_enc *e)
{
	if (natt_on(sa)) {
		ikev1_put_vendor(e, ikev1_vid_natt_rfc, 16);
		ikev1_put_vendor(e, ikev1_vid_natt_03, 16);
		ikev1_put_vendor(e, ikev1_vid_natt_02, 16);
	}
	ikev1_put_vendor(e, ikev1_vid_dpd, 16);
	ikev1_frag_put_vid(sa, e);
}

void ikev1_p1_read_vids(struct ike_sa *sa, const struct ikev1_msg *m)
{
	struct ikev1_state *v = sa->v1;
	bool rfc = false, draft = false;

	for (unsigned i = 0; i < m->nvendor; i++) {
		const struct wire_bytes *b = &m->vendor[i];

		if (b->len != 16)
			continue;
		rfc |= !memcmp(b->ptr, ikev1_vid_natt_rfc, 16);
		draft |= !memcmp(b->ptr, ikev1_vid_natt_02, 16) ||
			 !memcmp(b->ptr, ikev1_vid_natt_03, 16);
		v->dpd_vid |= !memcmp(b->ptr, ikev1_vid_dpd, 16);
	}
	for (unsigned i = 0; i < m->nvendor; i++)
		v->frag_vid |= ikev1_frag_vid(sa->eng, &m->vendor[i]);
	v->nat_vid = natt_on(sa) && (rfc || draft);
	v->nat_draft = !rfc && draft;
}

void ikev1_cookie_bytes(uint64_t c, uint8_t out[8])
{
	for (int i = 7; i >= 0; i--, c >>= 8)
		out[i] = (uint8_t)c;
}

/* RFC 3947 3.2: HASH(CKY-I | CKY-R | IP | Port) with the negotiated hash. */
static int natd_hash(const struct ike_sa *sa, const struct net_addr *a, uint8_t *out)
{
	uint8_t ci[8], cr[8], port[2] = {(uint8_t)(a->port >> 8), (uint8_t)a->port};
	struct crypto_iov iov[4] = {
		{ci, 8}, {cr, 8}, {a->bytes, a->family == AF_INET ? 4 : 16}, {port, 2}};

	ikev1_cookie_bytes(sa->spi_i, ci);
	ikev1_cookie_bytes(sa->spi_r, cr);
	return crypto_v1_hash(sa->v1->hash, iov, 4, out);
}

void ikev1_p1_put_natd(struct ike_sa *sa, struct ikev1_enc *e)
{
	enum ikev1_pld_type t = sa->v1->nat_draft ? IKEV1_PLD_NATD_DRAFT : IKEV1_PLD_NATD;
	uint8_t h[CRYPTO_V1_MAX_HASH];
	size_t hl = crypto_v1_hash_len(sa->v1->hash);

	if (!sa->v1->nat_vid)
		return;
	if (natd_hash(sa, &sa->remote, h) == 0) /* the first: the destination */
		ikev1_put_natd(e, t, h, hl);
	if (natd_hash(sa, &sa->local, h) == 0)
		ikev1_put_natd(e, t, h, hl);
}

/* The peer's NAT-D: its first is what it sees as our address (a NAT in front of us if it
 * differs), the others its own (one of them ours of it, else a NAT in front of it). */
void ikev1_p1_read_natd(struct ike_sa *sa, const struct ikev1_msg *m)
{
	uint8_t h[CRYPTO_V1_MAX_HASH];
	size_t hl = crypto_v1_hash_len(sa->v1->hash);
	bool there = true;

	if (!sa->v1->nat_vid || m->nnatd < 2)
		return;
	if (natd_hash(sa, &sa->local, h) == 0)
		sa->nat_here = m->natd[0].len != hl || memcmp(m->natd[0].ptr, h, hl);
	if (natd_hash(sa, &sa->remote, h) == 0)
		for (unsigned i = 1; i < m->nnatd; i++)
			there &= m->natd[i].len != hl || memcmp(m->natd[i].ptr, h, hl);
	sa->nat_there = there;
	if (sa->nat_here || sa->nat_there)
		log_info(LOG_IKE, sa->ctx, "NAT detected (%s)",
			 sa->nat_here && sa->nat_there ? "both ends"
			 : sa->nat_here		       ? "in front of us"
						       : "in front of the peer");
}

/* RFC 3947 4: with a NAT found, the initiator goes on from port 4500. */
void ikev1_p1_float(struct ike_sa *sa)
{
	if (!sa->initiator || !(sa->nat_here || sa->nat_there) || sa->natt)
		return;
	sa->natt = true;
	sa->local.port = net_port(sa->eng->d.net, true);
	sa->remote.port = 4500;
}

/* A peer that moved to port 4500 once a NAT was found (RFC 3947 4) is followed there. */
void ikev1_p1_follow_float(struct ike_sa *sa, const struct net_pkt *p)
{
	if (p->natt && !sa->natt && (sa->nat_here || sa->nat_there)) {
		sa->natt = true;
		sa->local = p->local;
		ike_sa_set_remote(sa, &p->remote);
	}
}
