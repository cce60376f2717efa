/* info: the INFORMATIONAL exchange (RFC 7296 1.4): deleting CHILD SAs and IKE SAs in
 * both directions (1.4.1), and liveness checks (2.4): an empty request that, unanswered
 * after the retransmissions, declares the peer dead (msg.c), which deletes its SAs from
 * the kernel and leaves the policies to trigger a new negotiation. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/log.h"
#include "v2.h"

static uint8_t wire_proto(const struct ike_child *c)
{
	return c->proto == IPPROTO_AH ? IKEV2_PROTO_AH : IKEV2_PROTO_ESP;
}

static void put_spi(uint8_t *p, uint32_t spi)
{
	p[0] = (uint8_t)(spi >> 24);
	p[1] = (uint8_t)(spi >> 16);
	p[2] = (uint8_t)(spi >> 8);
	p[3] = (uint8_t)spi;
}

static int send_info(struct ike_sa *sa, enum ike_req_kind kind, struct ikev2_enc *e)
{
	struct wbuf out;
	int r;

	wbuf_init(&out);
	r = ikev2_protect(sa, IKEV2_EXCH_INFORMATIONAL, false, sa->v2->msgid_out, e, &out);
	if (r == 0)
		ikev2_send_request(sa, kind, &out);
	wbuf_free(&out);
	return r;
}

void ikev2_dpd_start(struct ike_sa *sa)
{
	struct wbuf in;
	struct ikev2_enc e;

	wbuf_init(&in);
	ikev2_enc_inner_begin(&e, &in);
	log_debug(LOG_IKE, sa->ctx, "liveness check");
	send_info(sa, IKE_REQ_INFO, &e);
	wbuf_free(&in);
}

/* Deletes of CHILD SAs wait in the children list (state DELETING) until the window is
 * free; one request carries all of them. */
void ikev2_queue_delete_child(struct ike_sa *sa, struct ike_child *c)
{
	c->state = CHILD_STATE_DELETING;
	sa->tasks |= IKE_TASK_DELETE;
	ikev2_run_tasks(sa);
}

void ikev2_delete_child_start(struct ike_sa *sa, struct ike_child *c)
{
	ikev2_queue_delete_child(sa, c);
}

void ikev2_delete_start(struct ike_sa *sa)
{
	uint8_t spis[IKEV2_MAX_DELETE * 4];
	uint16_t n = 0;
	uint8_t proto = IKEV2_PROTO_ESP;
	struct wbuf in;
	struct ikev2_enc e;

	for (struct ike_child *c = sa->children; c && n < IKEV2_MAX_DELETE; c = c->next)
		if (c->state == CHILD_STATE_DELETING && !c->delete_sent) {
			proto = wire_proto(c); /* one protocol per payload: ESP, mostly */
			put_spi(spis + 4 * n++, c->spi_in);
			c->delete_sent = true;
		}
	if (!n) {
		ikev2_run_tasks(sa);
		return;
	}
	wbuf_init(&in);
	ikev2_enc_inner_begin(&e, &in);
	ikev2_put_delete(&e, proto, 4, n, spis);
	send_info(sa, IKE_REQ_DELETE_CHILD, &e);
	wbuf_free(&in);
}

/* Best effort on the way out: one delete, no retransmission (1.4.1 allows it). */
void ikev2_send_delete_ike(struct ike_sa *sa)
{
	struct wbuf in, out;
	struct ikev2_enc e;

	if (!sa->v2->sk_out || sa->state != IKE_STATE_ESTABLISHED)
		return;
	wbuf_init(&in);
	wbuf_init(&out);
	ikev2_enc_inner_begin(&e, &in);
	ikev2_put_delete(&e, IKEV2_PROTO_IKE, 0, 0, NULL);
	if (ikev2_protect(sa, IKEV2_EXCH_INFORMATIONAL, false, sa->v2->msgid_out, &e, &out) == 0)
		ikev2_send_raw(sa, &out);
	sa->state = IKE_STATE_DELETING;
	wbuf_free(&in);
	wbuf_free(&out);
}

/* 2.21.2: the initiator refused the responder's IKE_AUTH: a separate INFORMATIONAL tells
 * the responder, which holds an established SA by now. Best effort, as above; the IKE_AUTH
 * exchange is over, so this is the next message ID. */
void ikev2_send_auth_failed(struct ike_sa *sa)
{
	struct wbuf in, out;
	struct ikev2_enc e;

	if (!sa->v2->sk_out)
		return;
	wbuf_init(&in);
	wbuf_init(&out);
	ikev2_enc_inner_begin(&e, &in);
	ikev2_put_notify(&e, 0, IKEV2_N_AUTHENTICATION_FAILED, NULL, 0, NULL, 0);
	if (ikev2_protect(sa, IKEV2_EXCH_INFORMATIONAL, false, sa->v2->msgid_out + 1, &e, &out) ==
	    0)
		ikev2_send_raw(sa, &out);
	wbuf_free(&in);
	wbuf_free(&out);
}

static void forget_children(struct ike_sa *sa, bool only_deleting)
{
	struct ike_child **pp = &sa->children;

	while (*pp) {
		struct ike_child *c = *pp;

		if (only_deleting && !(c->state == CHILD_STATE_DELETING && c->delete_sent)) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		sa->nchildren--;
		if (sa->rekeying == c) /* our rekey of it is in flight: its reply finds none */
			sa->rekeying = NULL;
		for (struct ike_child *o = sa->children; o; o = o->next)
			if (o->replaced_by == c)
				o->replaced_by = NULL;
		log_info(LOG_IKE, sa->ctx, "CHILD SA #%u deleted", c->serial);
		ike_child_free(c, true);
	}
}

void ikev2_informational_reply(struct ike_sa *sa, const struct ikev2_msg *m)
{
	(void)m;
	if (sa->v2->req == IKE_REQ_DELETE_CHILD)
		forget_children(sa, true);
	ikev2_request_done(sa);
}

/* The peer deletes CHILD SAs by the SPIs it receives on (our outbound ones); the answer
 * names ours for the same SAs (1.4.1). */
static uint16_t delete_children(struct ike_sa *sa, const struct ikev2_delete *d, uint8_t *out)
{
	uint16_t n = 0;

	for (uint16_t i = 0; i < d->nspi && n < IKEV2_MAX_DELETE; i++) {
		const uint8_t *p = d->spis.ptr + 4 * i;
		uint32_t spi =
			(uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];

		for (struct ike_child *c = sa->children; c; c = c->next) {
			if (c->spi_out != spi || wire_proto(c) != d->proto)
				continue;
			if (!c->delete_sent) /* a delete of ours crossing theirs needs no answer */
				put_spi(out + 4 * n++, c->spi_in);
			c->state = CHILD_STATE_DELETING;
			c->delete_sent = true;
			break;
		}
	}
	return n;
}

void ikev2_informational_request(struct ike_sa *sa, const struct ikev2_msg *m)
{
	const struct ikev2_notify *err = ikev2_error_notify(m);
	/* the initiator refused our IKE_AUTH response (2.21.2): the SA is not one */
	bool refused = err && err->type == IKEV2_N_AUTHENTICATION_FAILED;
	uint8_t spis[IKEV2_MAX_DELETE * 4];
	struct wbuf in, out;
	struct ikev2_enc e;
	bool ike = refused;

	if (refused)
		ike_sa_fail(sa, "the peer refused our authentication (AUTHENTICATION_FAILED)");
	wbuf_init(&in);
	wbuf_init(&out);
	ikev2_enc_inner_begin(&e, &in);
	for (unsigned i = 0; i < m->ndelete; i++) {
		const struct ikev2_delete *d = &m->del[i];

		if (d->proto == IKEV2_PROTO_IKE) {
			ike = true;
		} else if (d->spi_size == 4) {
			uint16_t n = delete_children(sa, d, spis);

			if (n)
				ikev2_put_delete(&e, d->proto, 4, n, spis);
		}
	}
	if (ike)
		wbuf_reset(&in), ikev2_enc_inner_begin(&e, &in);
	if (ikev2_protect(sa, IKEV2_EXCH_INFORMATIONAL, true, m->hdr.msgid, &e, &out) == 0)
		ikev2_send_response(sa, &out);
	wbuf_free(&in);
	wbuf_free(&out);
	if (ike) {
		if (!refused)
			log_info(LOG_IKE, sa->ctx, "peer deleted the IKE SA");
		ike_acct_cause(sa, RADIUS_TERM_USER_REQUEST);
		ike_sa_destroy(sa, true);
		return;
	}
	forget_children(sa, true);
}
