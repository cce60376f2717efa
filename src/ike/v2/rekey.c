/* rekey: IKE SA rekeying with CREATE_CHILD_SA (RFC 7296 1.3.2, 2.18). A new IKE SA is
 * keyed from the old one's SK_d and a fresh Diffie-Hellman, the CHILD SAs move to it,
 * and the old one is deleted by the end that started the rekey. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/log.h"
#include "ipsecd/loop.h"
#include "v2.h"

static int offer(struct ike_sa *sa, uint64_t spi, struct ikev2_sa *out)
{
	const struct conf_item *peer = ike_peer_find(sa->eng->conf, sa->peer);
	const struct conf_item *prof = peer ? ike_profile_of(sa->eng->conf, peer) : NULL;
	char err[160];

	if (!prof || ike_offer_ike(prof, ikev2_ike_supported, out, err, sizeof(err)) < 0)
		return -EINVAL;
	for (unsigned i = 0; i < out->n; i++) {
		out->p[i].spi_size = 8;
		out->p[i].spi = spi;
	}
	return 0;
}

static int nonce(struct crypto_chunk *n)
{
	n->ptr = malloc(IKEV2_NONCE_LEN);
	n->len = IKEV2_NONCE_LEN;
	return n->ptr ? crypto_random(n->ptr, n->len) : -ENOMEM;
}

static int copy(struct crypto_chunk *c, const struct wire_bytes *b)
{
	c->ptr = malloc(b->len ? b->len : 1);
	if (!c->ptr)
		return -ENOMEM;
	memcpy(c->ptr, b->ptr, b->len);
	c->len = b->len;
	return 0;
}

/* The CHILD SAs and the NAT state go to the new IKE SA; message counters start anew. */
static void move_children(struct ike_sa *from, struct ike_sa *to)
{
	to->children = from->children;
	to->nchildren = from->nchildren;
	from->children = NULL;
	from->nchildren = 0;
	for (struct ike_child *c = to->children; c; c = c->next)
		c->ike = to;
	to->natt = from->natt;
	to->nat_here = from->nat_here;
	to->nat_there = from->nat_there;
	/* who authenticated stays: active-peers, and INITIAL_CONTACT's scope (2.4) */
	if (from->remote_id && !to->remote_id)
		to->remote_id = strdup(from->remote_id);
	if (from->remote_cert && !to->remote_cert)
		to->remote_cert = strdup(from->remote_cert);
	to->v2->frag_on = from->v2->frag_on; /* RFC 7383 2.3: announced once for the IKE SA */
	/* and so do the mode-config address (its lease, its place on our interface) and
	 * what the identity said of generated policies */
	to->vip = from->vip;
	ike_sa_index_vip(to);
	to->vip_leased = from->vip_leased;
	to->vip_on_if = from->vip_on_if;
	to->vip_ifindex = from->vip_ifindex;
	to->vip_radius = from->vip_radius;
	from->vip_leased = from->vip_on_if = from->vip_radius = false;
	ike_acct_move(from, to);
	if (to->nroutes) /* (its routes are dropped: from's go on, counted once) */
		to->eng->routed_sas--;
	free(to->routes);
	to->routes = from->routes;
	to->nroutes = from->nroutes;
	from->routes = NULL;
	from->nroutes = 0;
	to->gen_mode = from->gen_mode;
	free(to->gen_group);
	to->gen_group = from->gen_group;
	from->gen_group = NULL;
	free(to->split);
	to->split = from->split;
	to->nsplit = from->nsplit;
	from->split = NULL;
	from->nsplit = 0;
	for (struct ike_child *c = to->children; c; c = c->next)
		if (c->gp)
			ike_gpol_moved(c->gp, to);
}

/* --- initiator --- */

void ikev2_ike_rekey_start(struct ike_sa *sa)
{
	struct ike_sa *n = ike_sa_new(sa->eng, &ikev2_ops, sa->peer, true, &sa->local, &sa->remote);
	struct ikev2_sa o;
	struct wbuf in, out;
	struct ikev2_enc e;
	size_t publen;

	if (!n)
		return;
	n->alg.dh = sa->alg.dh;
	if (offer(sa, n->spi_i, &o) < 0 || nonce(&n->ni) < 0 ||
	    !(n->dh = crypto_dh_new(sa->alg.dh))) {
		ike_sa_destroy(n, false);
		return;
	}
	n->state = IKE_STATE_INIT_SENT;
	sa->v2->new_ike = n;
	const uint8_t *pub = crypto_dh_public(n->dh, &publen);

	wbuf_init(&in);
	wbuf_init(&out);
	ikev2_enc_inner_begin(&e, &in);
	ikev2_put_sa(&e, &o);
	ikev2_put_nonce(&e, n->ni.ptr, n->ni.len);
	ikev2_put_ke(&e, sa->alg.dh, pub, publen);
	if (ikev2_protect(sa, IKEV2_EXCH_CREATE_CHILD_SA, false, sa->v2->msgid_out, &e, &out) ==
	    0) {
		log_info(LOG_IKE, sa->ctx, "rekeying the IKE SA");
		ikev2_send_request(sa, IKE_REQ_IKE_REKEY, &out);
	}
	wbuf_free(&in);
	wbuf_free(&out);
}

void ikev2_ike_rekey_reply(struct ike_sa *sa, const struct ikev2_msg *m)
{
	struct ike_sa *n = sa->v2->new_ike;
	struct ikev2_sa o;

	sa->v2->new_ike = NULL;
	if (!n)
		goto done;
	if (!ikev2_has(m, IKEV2_PLD_SA) || !ikev2_has(m, IKEV2_PLD_KE) ||
	    !ikev2_has(m, IKEV2_PLD_NONCE) || offer(sa, n->spi_i, &o) < 0 ||
	    ike_accept(&o, &m->sa, &n->alg) < 0 || n->alg.spi_size != 8 ||
	    m->ke.group != n->alg.dh || copy(&n->nr, &m->nonce) < 0) {
		const struct ikev2_notify *x = ikev2_error_notify(m);

		log_info(LOG_IKE, sa->ctx, "IKE SA rekey failed: %s",
			 x ? ikev2_notify_name(x->type) : "bad answer");
		ike_sa_destroy(n, false);
		goto done;
	}
	n->spi_r = n->alg.spi;
	if (ikev2_sa_keys(n, m->ke.data.ptr, m->ke.data.len, &sa->v2->keys) < 0) {
		ike_sa_destroy(n, false);
		goto done;
	}
	move_children(sa, n);
	n->last_seen = sa->last_seen;
	ike_sa_established(n);
	log_info(LOG_IKE, n->ctx, "IKE SA rekeyed (replaces ike#%u)", sa->serial);
	ikev2_request_done(sa);
	ikev2_send_delete_ike(sa); /* 2.18: the old one goes */
	ike_sa_destroy(sa, true);
	return;
done:
	ikev2_request_done(sa);
}

/* --- responder --- */

static int respond(struct ike_sa *sa, struct ike_sa *n, const struct ikev2_msg *m)
{
	struct ikev2_sa reply;
	struct wbuf in, out;
	struct ikev2_enc e;
	size_t publen;
	int r;

	if (copy(&n->ni, &m->nonce) < 0 || nonce(&n->nr) < 0 ||
	    !(n->dh = ike_responder_dh(sa->eng, n->alg.dh)))
		return -ENOMEM;
	if (ikev2_sa_keys(n, m->ke.data.ptr, m->ke.data.len, &sa->v2->keys) < 0)
		return -EBADMSG;
	const uint8_t *pub = crypto_dh_public(n->dh, &publen);

	wbuf_init(&in);
	wbuf_init(&out);
	ikev2_enc_inner_begin(&e, &in);
	ike_chosen_to_sa(&n->alg, 8, n->spi_r, &reply);
	ikev2_put_sa(&e, &reply);
	ikev2_put_nonce(&e, n->nr.ptr, n->nr.len);
	ikev2_put_ke(&e, n->alg.dh, pub, publen);
	r = ikev2_protect(sa, IKEV2_EXCH_CREATE_CHILD_SA, true, m->hdr.msgid, &e, &out);
	if (r == 0)
		ikev2_send_response(sa, &out);
	wbuf_free(&in);
	wbuf_free(&out);
	return r;
}

void ikev2_ike_rekey_request(struct ike_sa *sa, const struct ikev2_msg *m)
{
	struct ikev2_sa ours;
	struct ike_chosen ch;
	struct ike_sa *n;

	if (sa->v2->req == IKE_REQ_IKE_REKEY || !ikev2_has(m, IKEV2_PLD_KE) ||
	    offer(sa, 0, &ours) < 0 || ike_choose(&ours, &m->sa, m->ke.group, &ch) < 0 ||
	    ch.spi_size != 8) {
		/* a rekey of ours is under way: 2.8.1 lets us refuse; the peer retries */
		ikev2_respond_notify(sa, m->hdr.exch, m->hdr.msgid,
				     sa->v2->req == IKE_REQ_IKE_REKEY ? IKEV2_N_TEMPORARY_FAILURE
								      : IKEV2_N_NO_PROPOSAL_CHOSEN,
				     NULL, 0);
		return;
	}
	if (ch.dh != m->ke.group) {
		uint8_t g[2] = {(uint8_t)(ch.dh >> 8), (uint8_t)ch.dh};

		ikev2_respond_notify(sa, m->hdr.exch, m->hdr.msgid, IKEV2_N_INVALID_KE_PAYLOAD, g,
				     2);
		return;
	}
	if (!(n = ike_sa_new(sa->eng, &ikev2_ops, sa->peer, false, &sa->local, &sa->remote)))
		return;
	n->spi_i = ch.spi;
	n->alg = ch;
	int err = respond(sa, n, m);

	if (err < 0) {
		/* 2.21.3: the request is refused, the IKE SA goes on and the peer may try
		 * again; its message ID is used up, as with any answer */
		log_info(LOG_IKE, sa->ctx, "IKE SA rekey refused: %s",
			 err == -EBADMSG ? "the peer's KE is not a valid public value of its group"
					 : "out of memory");
		ike_sa_destroy(n, false);
		ikev2_respond_notify(sa, m->hdr.exch, m->hdr.msgid,
				     err == -EBADMSG ? IKEV2_N_INVALID_SYNTAX
						     : IKEV2_N_TEMPORARY_FAILURE,
				     NULL, 0);
		return;
	}
	move_children(sa, n);
	n->last_seen = sa->last_seen;
	ike_sa_established(n);
	sa->state = IKE_STATE_DELETING; /* the peer deletes it (2.18); if not, in 30 s */
	sa->rekey_at = 0;
	if (sa->life)
		loop_timer_again(sa->life, 30);
	log_info(LOG_IKE, n->ctx, "IKE SA rekeyed by the peer (replaces ike#%u)", sa->serial);
}
