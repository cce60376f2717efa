/* create: the CREATE_CHILD_SA exchange (RFC 7296 1.3) for new CHILD SAs and CHILD SA
 * rekeys (1.3.3), with PFS when the proposal has a pfs-group; IKE SA rekeys arrive here
 * too and go to rekey.c. Simultaneous rekeys of one CHILD SA are resolved as 2.8.1 says:
 * the SA made by the exchange with the lowest nonce is deleted by whoever made it. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/log.h"
#include "v2.h"

static void min_nonce(struct ike_child *c, const uint8_t *a, size_t alen, const uint8_t *b,
		      size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int cmp = memcmp(a, b, n);
	const uint8_t *lo = cmp < 0 || (cmp == 0 && alen <= blen) ? a : b;
	size_t lolen = lo == a ? alen : blen;

	c->nonce_len = (uint8_t)(lolen < sizeof(c->nonce) ? lolen : sizeof(c->nonce));
	memcpy(c->nonce, lo, c->nonce_len);
}

static int nonce_cmp(const struct ike_child *a, const struct ike_child *b)
{
	size_t n = a->nonce_len < b->nonce_len ? a->nonce_len : b->nonce_len;
	int cmp = memcmp(a->nonce, b->nonce, n);

	return cmp ? cmp : (int)a->nonce_len - (int)b->nonce_len;
}

static bool pfs_wanted(struct ike_sa *sa, const struct conf_item *pol, uint16_t *group)
{
	const struct conf_item *prop = ike_proposal_of(sa->eng->conf, pol);
	const char *g = prop ? ike_choice(prop, CONF_PROPOSAL_PFS_GROUP) : "none";

	*group = ike_dh_id(g);
	return *group != 0;
}

/* --- initiator --- */

static void child_send(struct ike_sa *sa, int err, uint32_t spi)
{
	struct ike_child *c = sa->creating;
	const struct conf_item *pol = c ? ike_policy_by_id(sa->eng, c->policy_id) : NULL;
	struct wbuf in, out;
	struct ikev2_enc e;
	uint16_t group = 0;
	int r = -EINVAL;

	if (!c || err < 0 || !pol)
		goto fail;
	c->spi_in = spi;
	crypto_dh_free(sa->v2->child_dh);
	sa->v2->child_dh = NULL;
	if (pfs_wanted(sa, pol, &group) && !(sa->v2->child_dh = crypto_dh_new(group)))
		goto fail;
	crypto_chunk_clear(&sa->v2->child_ni);
	sa->v2->child_ni.ptr = malloc(IKEV2_NONCE_LEN);
	sa->v2->child_ni.len = IKEV2_NONCE_LEN;
	if (!sa->v2->child_ni.ptr || crypto_random(sa->v2->child_ni.ptr, sa->v2->child_ni.len) < 0)
		goto fail;
	wbuf_init(&in);
	wbuf_init(&out);
	in.secret = true;
	ikev2_enc_inner_begin(&e, &in);
	if (sa->rekeying) {
		uint8_t old[4] = {(uint8_t)(sa->rekeying->spi_in >> 24),
				  (uint8_t)(sa->rekeying->spi_in >> 16),
				  (uint8_t)(sa->rekeying->spi_in >> 8),
				  (uint8_t)sa->rekeying->spi_in};

		ikev2_put_notify(&e, c->proto == IPPROTO_AH ? IKEV2_PROTO_AH : IKEV2_PROTO_ESP,
				 IKEV2_N_REKEY_SA, old, 4, NULL, 0);
	}
	if (ikev2_child_put_offer(sa, c, &e, sa->v2->child_dh != NULL) == 0) {
		ikev2_put_nonce(&e, sa->v2->child_ni.ptr, sa->v2->child_ni.len);
		if (sa->v2->child_dh) {
			size_t publen;
			const uint8_t *pub = crypto_dh_public(sa->v2->child_dh, &publen);

			ikev2_put_ke(&e, group, pub, publen);
		}
		r = ikev2_protect(sa, IKEV2_EXCH_CREATE_CHILD_SA, false, sa->v2->msgid_out, &e,
				  &out);
	}
	wbuf_free(&in);
	if (r == 0)
		ikev2_send_request(sa, sa->rekeying ? IKE_REQ_CHILD_REKEY : IKE_REQ_CHILD, &out);
	wbuf_free(&out);
	if (r == 0)
		return;
fail:
	if (c)
		ike_child_free(c, true);
	sa->creating = NULL;
	sa->rekeying = NULL;
	ikev2_run_tasks(sa);
}

static void child_begin(struct ike_sa *sa, const struct conf_item *pol, const struct ike_child *old)
{
	if (!pol || !(sa->creating = ikev2_child_new(sa, pol))) {
		sa->rekeying = NULL;
		ikev2_run_tasks(sa);
		return;
	}
	if (old && old->gp) { /* the new SA keeps the generated policies */
		sa->creating->gp = old->gp;
		ike_gpol_hold(old->gp);
		sa->creating->reqid = ike_gpol_reqid(old->gp);
		sa->creating->tunnel = old->tunnel;
	}
	ike_alloc_spi(sa, sa->creating->proto, child_send);
}

void ikev2_child_start(struct ike_sa *sa)
{
	const struct conf_item *pol = ike_policy_by_id(sa->eng, sa->pending_policy);

	sa->pending_policy = 0;
	child_begin(sa, pol, NULL);
}

void ikev2_child_rekey_start(struct ike_sa *sa)
{
	struct ike_child *old = sa->rekeying;

	if (!old || old->state != CHILD_STATE_INSTALLED) {
		sa->rekeying = NULL;
		ikev2_run_tasks(sa);
		return;
	}
	child_begin(sa, ike_policy_by_id(sa->eng, old->policy_id), old);
}

/* 2.8.1: both ends rekeyed `old`; the SA from the exchange with the lowest nonce goes. */
static void resolve_collision(struct ike_sa *sa, struct ike_child *ours, struct ike_child *old)
{
	struct ike_child *theirs = old->replaced_by;

	if (!theirs || theirs == ours)
		return;
	if (nonce_cmp(ours, theirs) < 0) {
		log_info(LOG_IKE, sa->ctx,
			 "simultaneous rekey: ours has the lowest nonce, "
			 "deleting CHILD SA #%u",
			 ours->serial);
		ikev2_queue_delete_child(sa, ours);
	}
}

void ikev2_create_child_reply(struct ike_sa *sa, const struct ikev2_msg *m)
{
	struct ike_child *c = sa->creating, *old = sa->rekeying;

	sa->creating = NULL;
	sa->rekeying = NULL;
	if (!c) {
		ikev2_request_done(sa);
		return;
	}
	if (ikev2_has(m, IKEV2_PLD_SA) && !ikev2_error_notify(m) &&
	    !ikev2_has(m, IKEV2_PLD_NONCE)) {
		ike_sa_fail(sa, "CREATE_CHILD_SA response lacks a Nonce");
		ike_child_free(c, true);
	} else if (ikev2_child_complete(sa, c, m, sa->v2->child_ni.ptr, sa->v2->child_ni.len,
					m->nonce.ptr, m->nonce.len, sa->v2->child_dh) < 0) {
		ike_child_free(c, true);
	} else {
		min_nonce(c, sa->v2->child_ni.ptr, sa->v2->child_ni.len, m->nonce.ptr,
			  m->nonce.len);
		ikev2_child_attach(sa, c);
		if (old) {
			old->state = CHILD_STATE_REKEYED;
			resolve_collision(sa, c, old);
			ikev2_queue_delete_child(sa, old); /* 1.3.3: the initiator deletes it */
		}
	}
	crypto_dh_free(sa->v2->child_dh);
	sa->v2->child_dh = NULL;
	crypto_chunk_clear(&sa->v2->child_ni);
	ikev2_request_done(sa);
}

/* --- responder --- */

static struct ike_child *rekeyed_child(struct ike_sa *sa, const struct ikev2_msg *m)
{
	const struct ikev2_notify *n = ikev2_notify_find(m, IKEV2_N_REKEY_SA);

	if (!n || n->spi.len != 4)
		return NULL;
	uint32_t spi = (uint32_t)n->spi.ptr[0] << 24 | (uint32_t)n->spi.ptr[1] << 16 |
		       (uint32_t)n->spi.ptr[2] << 8 | n->spi.ptr[3];

	for (struct ike_child *c = sa->children; c; c = c->next)
		if (c->spi_out == spi)
			return c;
	return NULL;
}

static void respond_child(struct ike_sa *sa, const struct ikev2_msg *m, struct crypto_dh *dh,
			  struct ike_child *old)
{
	struct crypto_chunk nr = {0};
	struct ike_child *c = NULL;
	struct wbuf in, out;
	struct ikev2_enc e;
	int notify;

	nr.ptr = malloc(IKEV2_NONCE_LEN);
	nr.len = IKEV2_NONCE_LEN;
	if (!nr.ptr || crypto_random(nr.ptr, nr.len) < 0) {
		crypto_chunk_clear(&nr);
		return;
	}
	wbuf_init(&in);
	wbuf_init(&out);
	in.secret = true;
	ikev2_enc_inner_begin(&e, &in);
	notify = ikev2_child_respond(sa, m, m->nonce.ptr, m->nonce.len, nr.ptr, nr.len, dh, old, &e,
				     &c);
	if (notify) {
		wbuf_reset(&in);
		ikev2_enc_inner_begin(&e, &in);
		ikev2_put_notify(&e, 0, (uint16_t)notify, NULL, 0, NULL, 0);
	} else {
		ikev2_put_nonce(&e, nr.ptr, nr.len);
		if (dh) {
			size_t publen;
			const uint8_t *pub = crypto_dh_public(dh, &publen);

			ikev2_put_ke(&e, crypto_dh_group(dh), pub, publen);
		}
		ikev2_child_put_ts(c, &e);
		min_nonce(c, m->nonce.ptr, m->nonce.len, nr.ptr, nr.len);
	}
	if (ikev2_protect(sa, IKEV2_EXCH_CREATE_CHILD_SA, true, m->hdr.msgid, &e, &out) == 0)
		ikev2_send_response(sa, &out);
	wbuf_free(&in);
	wbuf_free(&out);
	crypto_chunk_clear(&nr);
	if (c) {
		ikev2_child_attach(sa, c);
		if (old) {
			old->replaced_by = c;
			/* we may be rekeying it too: our reply handler compares nonces */
			if (sa->rekeying != old)
				old->state = CHILD_STATE_REKEYED;
		}
	}
}

void ikev2_create_child_request(struct ike_sa *sa, const struct ikev2_msg *m)
{
	struct crypto_dh *dh = NULL;

	if (!ikev2_has(m, IKEV2_PLD_SA) || !ikev2_has(m, IKEV2_PLD_NONCE)) {
		ikev2_respond_notify(sa, m->hdr.exch, m->hdr.msgid, IKEV2_N_INVALID_SYNTAX, NULL,
				     0);
		return;
	}
	if (m->sa.n && m->sa.p[0].proto == IKEV2_PROTO_IKE) {
		ikev2_ike_rekey_request(sa, m);
		return;
	}
	if (!sa->v2->spare_spi && !sa->v2->spi_failed) {
		ikev2_defer(sa, m->sa.p[0].proto);
		return;
	}
	sa->v2->spi_failed = false;
	struct ike_child *old = rekeyed_child(sa, m);

	/* 2.25: a rekey of a CHILD SA we are deleting or have deleted (most likely after
	 * our own rekey of it won the race) fails: the peer keeps the SA our rekey made */
	if (ikev2_notify_find(m, IKEV2_N_REKEY_SA) &&
	    (!old || old->state == CHILD_STATE_DELETING)) {
		log_info(LOG_IKE, sa->ctx, "peer rekeys a CHILD SA we %s",
			 old ? "are deleting" : "do not have");
		ikev2_respond_notify(sa, m->hdr.exch, m->hdr.msgid,
				     old ? IKEV2_N_TEMPORARY_FAILURE : IKEV2_N_CHILD_SA_NOT_FOUND,
				     NULL, 0);
		if (sa->v2->spare_spi) {
			ike_release_spi(sa, ikev2_proto_ipproto(m->sa.p[0].proto),
					sa->v2->spare_spi);
			sa->v2->spare_spi = 0;
		}
		return;
	}
	if (ikev2_has(m, IKEV2_PLD_KE)) {
		if (!crypto_dh_supported(m->ke.group)) {
			ikev2_respond_notify(sa, m->hdr.exch, m->hdr.msgid,
					     IKEV2_N_NO_PROPOSAL_CHOSEN, NULL, 0);
			return;
		}
		dh = ike_responder_dh(sa->eng, m->ke.group);
	}
	respond_child(sa, m, dh, old);
	crypto_dh_free(dh);
	if (sa->v2->spare_spi) { /* not used: the request failed */
		ike_release_spi(sa, ikev2_proto_ipproto(m->sa.p[0].proto), sa->v2->spare_spi);
		sa->v2->spare_spi = 0;
	}
}
