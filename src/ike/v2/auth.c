/* auth: the IKE_AUTH exchange (RFC 7296 1.2, 2.15) and the first CHILD SA it carries;
 * authn.c does the proving (PSK, certificates, RSA keys). The responder picks the
 * identity by the ID the initiator sent. An EAP client's rounds (2.16) are eap.c's. INITIAL_CONTACT
 * (2.4) is sent when the peer's send-initial-contact says so and, received, removes older IKE SAs
 * with that peer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/log.h"
#include "tmpl.h"
#include "v2.h"

/* The initiator's identity and its credentials; NULL with the reason logged. */
static const struct conf_item *identity(struct ike_sa *sa, struct ikev2_authn *a)
{
	const struct conf_item *id = ike_identity_of(sa->eng, sa->peer);

	if (!id) {
		ike_sa_fail(sa, "no identity for this peer");
		return NULL;
	}
	return ikev2_authn_load(sa, id, a) == 0 ? id : NULL;
}

/* ID payload body as AUTH signs it: type, 3 reserved bytes, data (2.15). */
static size_t id_body(uint8_t type, const uint8_t *data, size_t len, uint8_t *out)
{
	out[0] = type;
	out[1] = out[2] = out[3] = 0;
	memcpy(out + 4, data, len);
	return len + 4;
}

static bool initial_contact(const struct ike_sa *sa)
{
	const struct conf_item *peer = ike_peer_find(sa->eng->conf, sa->peer);

	return peer && conf_bool(peer, CONF_PEER_SEND_INITIAL_CONTACT);
}

/* How the identity makes CHILD SAs from templates (tmpl.h), kept for the SA's life. */
static void remember_generate(struct ike_sa *sa, const struct conf_item *id)
{
	const char *group = conf_str(id, CONF_IDENTITY_POLICY_TEMPLATE_GROUP);

	sa->gen_mode = (uint8_t)ike_gen_mode_of(id);
	free(sa->gen_group);
	sa->gen_group = strdup(group && *group ? group : "default");
	if (!sa->gen_group)
		sa->gen_mode = IKE_GEN_NO;
}

/* --- initiator --- */

static void auth_send(struct ike_sa *sa)
{
	struct ikev2_authn a;
	uint8_t idv[255], body[260];
	size_t idlen, blen;
	uint8_t idtype;
	struct wbuf in, out;
	struct ikev2_enc e;
	int r;

	const struct conf_item *id = identity(sa, &a);

	if (!id)
		goto dead;
	remember_generate(sa, id);
	ikev2_authn_my_id(sa, &a, &idtype, idv, &idlen);
	blen = id_body(idtype, idv, idlen, body);
	wbuf_init(&in);
	wbuf_init(&out);
	in.secret = true;
	ikev2_enc_inner_begin(&e, &in);
	ikev2_put_id(&e, IKEV2_PLD_IDI, idtype, idv, idlen);
	ikev2_authn_put_cert(sa, &a, true, &e);
	if (initial_contact(sa))
		ikev2_put_notify(&e, 0, IKEV2_N_INITIAL_CONTACT, NULL, 0, NULL, 0);
	if (ikev2_cp_asks(sa, id))
		ikev2_cp_put_request(sa, &e);
	if (a.kind == IKEV2_AUTHN_EAP) {
		/* 2.16: no AUTH asks for EAP; CERTREQ asks for the gateway's certificate */
		ikev2_authn_put_certreq(sa, &e);
		r = ikev2_eap_client_begin(sa, id, body, blen);
	} else {
		r = ikev2_authn_put_auth(sa, &a, body, blen, &e);
	}
	ikev2_authn_clear(&a);
	if (r < 0) {
		wbuf_free(&in);
		wbuf_free(&out);
		goto dead;
	}
	if (sa->creating && ikev2_child_put_offer(sa, sa->creating, &e, false) < 0) {
		ike_child_free(sa->creating, true);
		sa->creating = NULL;
	}
	r = ikev2_protect(sa, IKEV2_EXCH_IKE_AUTH, false, sa->v2->msgid_out, &e, &out);
	wbuf_free(&in);
	if (r < 0) {
		wbuf_free(&out);
		goto dead;
	}
	sa->state = IKE_STATE_AUTH_SENT;
	ikev2_send_request(sa, IKE_REQ_AUTH, &out);
	return;
dead:
	ike_sa_destroy(sa, true);
}

static void auth_spi_ready(struct ike_sa *sa, int err, uint32_t spi)
{
	if (err < 0 || !sa->creating) {
		log_error(LOG_KERNEL, sa->ctx, "no SPI from the kernel: %s", strerror(-err));
		if (sa->creating)
			ike_child_free(sa->creating, true);
		sa->creating = NULL;
	} else {
		sa->creating->spi_in = spi;
	}
	auth_send(sa);
}

void ikev2_auth_start(struct ike_sa *sa)
{
	const struct conf_item *pol = ike_policy_by_id(sa->eng, sa->pending_policy);

	sa->pending_policy = 0;
	if (pol && (sa->creating = ikev2_child_new(sa, pol))) {
		ike_alloc_spi(sa, sa->creating->proto, auth_spi_ready);
		return;
	}
	auth_send(sa);
}

/* 2.4: INITIAL_CONTACT says this is the only IKE SA between the two authenticated
 * identities: the others of the same peer item and remote ID, from whatever address, are
 * stale. SAs of other identities (other clients behind the same NAT) and half-open ones
 * (not authenticated) stay. Each stale SA is deleted as on kill-connections; a peer that
 * rebooted ignores the DELETE. */
static void drop_older(struct ike_sa *sa)
{
	struct ike_sa *o;

	ike_sa_index_id(sa);
	while ((o = ike_sa_next_same_id(sa, NULL))) {
		log_info(LOG_IKE, o->ctx, "replaced by ike#%u: the peer (%s) sent INITIAL_CONTACT",
			 sa->serial, sa->remote_id);
		if (o->state == IKE_STATE_ESTABLISHED)
			ikev2_send_delete_ike(o);
		ike_sa_destroy(o, true); /* and its rekey in progress, which may come next */
	}
}

void ikev2_auth_reply(struct ike_sa *sa, const struct ikev2_msg *m)
{
	struct ikev2_authn a = {0};
	const struct conf_item *id = identity(sa, &a);
	const struct ikev2_notify *n = ikev2_error_notify(m);
	struct ike_child *c = sa->creating;
	int r;

	if (id && sa->v2->eap) { /* 2.16: the EAP rounds, then the MSK's AUTH */
		if ((r = ikev2_eap_client_reply(sa, m, id)) == 0) {
			ikev2_authn_clear(&a);
			return;
		}
		sa->creating = NULL;
		if (r < 0)
			goto dead;
		ikev2_authn_clear(&a);
		goto authenticated;
	}
	sa->creating = NULL;
	if (!id || (n && !ikev2_has(m, IKEV2_PLD_AUTH))) {
		if (n)
			ike_sa_fail(sa, "peer refused IKE_AUTH: %s", ikev2_notify_name(n->type));
		goto dead;
	}
	if (!ikev2_has(m, IKEV2_PLD_IDR) || !ikev2_has(m, IKEV2_PLD_AUTH)) {
		ike_sa_fail(sa, "IKE_AUTH response lacks IDr or AUTH");
		ikev2_send_auth_failed(sa);
		goto dead;
	}
	if (ikev2_authn_check_peer(sa, &a, m, &m->idr) < 0) {
		ikev2_send_auth_failed(sa);
		goto dead;
	}
	ikev2_authn_clear(&a);
authenticated:
	sa->last_error[0] = '\0'; /* authenticated: what failed before is history */
	ike_sa_established(sa);
	log_info(LOG_IKE, sa->ctx, "IKE SA established (initiator) with %s", sa->remote_id);
	if (ikev2_cp_asks(sa, id) && ikev2_cp_take_reply(sa, m) < 0) {
		/* a mode-config client without an address has nothing to carry */
		if (c)
			ike_child_free(c, true);
		ikev2_request_done(sa); /* the delete takes the next message ID */
		ikev2_send_delete_ike(sa);
		ike_sa_destroy(sa, true);
		return;
	}
	if (c && ikev2_child_complete(sa, c, m, sa->ni.ptr, sa->ni.len, sa->nr.ptr, sa->nr.len,
				      NULL) == 0)
		ikev2_child_attach(sa, c);
	else if (c)
		ike_child_free(c, true);
	ikev2_request_done(sa);
	return;
dead:
	ikev2_authn_clear(&a);
	if (c)
		ike_child_free(c, true);
	ike_sa_destroy(sa, true);
}

/* --- responder --- */

/* Our IKE_AUTH response to msgid, with what the request m asked for (CP, CHILD SA). With
 * msk (EAP, 2.16) only AUTH keyed with it: IDr and CERT went with the first response. */
static void auth_respond(struct ike_sa *sa, const struct ikev2_msg *m, uint32_t msgid,
			 const struct ikev2_authn *a, const struct conf_item *id,
			 const struct crypto_chunk *msk)
{
	uint8_t idv[255], body[260], mac[64];
	size_t idlen, mlen = 0;
	uint8_t idtype;
	struct wbuf in, out;
	struct ikev2_enc e;
	struct ike_child *c = NULL;
	int notify = 0, r;

	ikev2_authn_my_id(sa, a, &idtype, idv, &idlen);
	size_t blen = id_body(idtype, idv, idlen, body);

	wbuf_init(&in);
	wbuf_init(&out);
	in.secret = true;
	ikev2_enc_inner_begin(&e, &in);
	if (msk) {
		if ((r = ikev2_authn_psk(sa, msk, true, body, blen, mac, &mlen)) == 0)
			ikev2_put_auth(&e, IKEV2_AUTH_SHARED_KEY, mac, mlen);
		crypto_cleanse(mac, sizeof(mac));
	} else {
		ikev2_put_id(&e, IKEV2_PLD_IDR, idtype, idv, idlen);
		ikev2_authn_put_cert(sa, a, false, &e); /* 1.2: no CERTREQ in a response */
		r = ikev2_authn_put_auth(sa, a, body, blen, &e);
	}
	if (r < 0) {
		wbuf_free(&in);
		wbuf_free(&out);
		return;
	}
	/* 3.15.4: without the address it asked for the client gets no CHILD SA */
	if ((notify = ikev2_cp_respond(sa, id, m, &e)))
		ikev2_put_notify(&e, 0, (uint16_t)notify, NULL, 0, NULL, 0);
	else if (ikev2_has(m, IKEV2_PLD_SA)) {
		notify = ikev2_child_respond(sa, m, sa->ni.ptr, sa->ni.len, sa->nr.ptr, sa->nr.len,
					     NULL, NULL, &e, &c);
		if (notify)
			/* 1.2: the IKE SA stands even when its first CHILD SA fails */
			ikev2_put_notify(&e, 0, (uint16_t)notify, NULL, 0, NULL, 0);
		else
			ikev2_child_put_ts(c, &e);
	}
	if (ikev2_protect(sa, IKEV2_EXCH_IKE_AUTH, true, msgid, &e, &out) == 0)
		ikev2_send_response(sa, &out);
	wbuf_free(&in);
	wbuf_free(&out);
	if (c)
		ikev2_child_attach(sa, c);
}

void ikev2_auth_accept(struct ike_sa *sa, const struct ikev2_msg *m, uint32_t msgid,
		       const struct ikev2_authn *a, const struct conf_item *id,
		       const struct crypto_chunk *msk)
{
	ike_half_del(sa);
	sa->last_error[0] = '\0'; /* authenticated: what failed before is history */
	remember_generate(sa, id);
	/* INITIAL_CONTACT first: the client's old SAs give back their lease, which this one
	 * may then get again */
	if (ikev2_notify_find(m, IKEV2_N_INITIAL_CONTACT))
		drop_older(sa);
	auth_respond(sa, m, msgid, a, id, msk);
	if (sa->v2->spare_spi) { /* the first CHILD SA was refused: its larval SA goes */
		ike_release_spi(sa, ikev2_proto_ipproto(m->sa.n ? m->sa.p[0].proto : 0),
				sa->v2->spare_spi);
		sa->v2->spare_spi = 0;
	}
	ike_sa_established(sa);
	log_info(LOG_IKE, sa->ctx, "IKE SA established (responder) with %s", sa->remote_id);
}

static void refuse_auth(struct ike_sa *sa, const struct ikev2_msg *m)
{
	ikev2_respond_notify(sa, m->hdr.exch, m->hdr.msgid, IKEV2_N_AUTHENTICATION_FAILED, NULL, 0);
	ike_sa_destroy(sa, true);
}

void ikev2_auth_request(struct ike_sa *sa, const struct ikev2_msg *m)
{
	struct ikev2_authn a = {0};
	const struct conf_item *id;

	if (sa->v2->eap_gw) { /* 2.16: the EAP rounds and the MSK's AUTH */
		ikev2_eap_gw_request(sa, m);
		return;
	}
	if (!ikev2_has(m, IKEV2_PLD_IDI)) {
		ike_sa_fail(sa, "IKE_AUTH request lacks IDi");
		refuse_auth(sa, m);
		return;
	}
	/* a CHILD SA needs an inbound SPI from the kernel first: ask, and come back with
	 * the same message (ikev2_defer replays it) */
	if (ikev2_has(m, IKEV2_PLD_SA) && !sa->v2->spare_spi && !sa->v2->spi_failed) {
		ikev2_defer(sa, m->sa.n ? m->sa.p[0].proto : IKEV2_PROTO_ESP);
		return;
	}
	if (!(id = ikev2_authn_identity_for(sa, m, &m->idi)) || ikev2_authn_load(sa, id, &a) < 0) {
		ikev2_authn_clear(&a);
		refuse_auth(sa, m);
		return;
	}
	if (!ikev2_has(m, IKEV2_PLD_AUTH) || a.eap_gw) { /* 2.16: the client asks for EAP */
		if (!a.eap_gw || ikev2_has(m, IKEV2_PLD_AUTH) ||
		    ikev2_eap_gw_start(sa, m, &a, id) < 0) {
			if (!a.eap_gw)
				ike_sa_fail(sa, "IKE_AUTH request without AUTH (EAP) for an "
						"identity that is not auth-method=eap-radius");
			else if (ikev2_has(m, IKEV2_PLD_AUTH))
				ike_sa_fail(sa, "auth-method=eap-radius: the client sent AUTH "
						"instead of asking for EAP");
			ikev2_authn_clear(&a);
			refuse_auth(sa, m);
			return;
		}
		ikev2_authn_clear(&a);
		return;
	}
	if (ikev2_authn_check_peer(sa, &a, m, &m->idi) < 0) {
		ikev2_authn_clear(&a);
		refuse_auth(sa, m);
		return;
	}
	ikev2_auth_accept(sa, m, m->hdr.msgid, &a, id, NULL);
	ikev2_authn_clear(&a);
}
