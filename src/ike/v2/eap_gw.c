/* eap_gw: IKEv2 with EAP (RFC 7296 2.16), the gateway's side (auth-method=eap-radius):
 * our certificate and signature go with the first response and an EAP-Request/Identity;
 * every EAP Response the client sends is relayed to the RADIUS servers (RFC 3579, through
 * ike_deps.radius_auth) and their EAP goes back; after an Access-Accept the client's AUTH
 * is checked with the MSK from MS-MPPE-Recv-Key || Send-Key, and our last response carries
 * our MSK-based AUTH, CP and the CHILD SA the first request asked for (its payloads are
 * kept until then). While RADIUS answers, the client's retransmissions of the request are
 * dropped: it is answered once, when the reply comes.
 * Without a certificate (RouterOS: "only clients supporting EAP-only will be able to
 * connect") the gateway does EAP-only authentication (RFC 5998): the client must have sent
 * EAP_ONLY_AUTHENTICATION, our first response has no CERT and no AUTH, and the EAP method
 * RADIUS ran must be one that authenticates the server too and yields keys, so that the
 * AUTH keyed with the MSK is the gateway's proof. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/eap.h"
#include "ipsecd/log.h"
#include "ipsecd/pki.h"
#include "v2.h"

#define EAP_GW_MAX_ROUNDS 50 /* EAP-TLS flights take a few dozen; more is a loop */

struct ikev2_eap_gw {
	const struct conf_item *id;
	struct radius_handle *h; /* a RADIUS request is out: hold the IKE request */
	uint32_t msgid;		 /* of the IKE_AUTH request it answers */
	uint8_t eap_id;		 /* our last EAP Identifier */
	unsigned rounds;
	bool accepted;	/* Access-Accept: the MSK is there */
	bool eap_only;	/* RFC 5998: no certificate, the MSK's AUTH is all our proof */
	uint8_t method; /* the EAP method type of the client's last Response */
	char user[RADIUS_ATTR_MAX + 1];
	struct radius_bytes state;
	uint8_t msk[2 * RADIUS_MPPE_KEY_MAX];
	size_t msk_len;
	uint8_t idi[260];
	size_t idi_len;
	uint8_t *first; /* the first request's inner payloads, for CP, SA and TS */
	size_t first_len;
	uint8_t first_type;
	struct ikev2_hdr first_hdr;
};

void ikev2_eap_gw_free(struct ike_sa *sa)
{
	struct ikev2_eap_gw *g = sa->v2->eap_gw;
	const struct ike_deps *d = &sa->eng->d;

	if (!g)
		return;
	if (g->h && d->radius_cancel)
		d->radius_cancel(d->arg, g->h);
	free(g->first);
	crypto_cleanse(g, sizeof(*g));
	free(g);
	sa->v2->eap_gw = NULL;
}

/* RFC 5998 4: EAP methods that authenticate both ends and derive keys, so that the MSK
 * binds the gateway; EAP-MSCHAPv2 and PEAP check the server as well (the authenticator
 * response, the TLS server certificate). */
static bool mutual_method(uint8_t type)
{
	static const uint8_t safe[] = {
		EAP_T_TLS,	EAP_T_TTLS,    EAP_T_PEAP,    EAP_T_MSCHAPV2, 18 /* SIM */,
		23 /* AKA */,	43 /* FAST */, 46 /* PAX */,  47 /* PSK */,   48 /* SAKE */,
		49 /* IKEv2 */, 50 /* AKA' */, 51 /* GPSK */, 52 /* pwd */,   53 /* EKE */};

	for (size_t i = 0; i < sizeof(safe); i++)
		if (safe[i] == type)
			return true;
	return false;
}

/* An IKE_AUTH response to msgid carrying one EAP message. */
static void send_eap(struct ike_sa *sa, uint32_t msgid, const uint8_t *eap, size_t len)
{
	struct wbuf in, out;
	struct ikev2_enc e;

	wbuf_init(&in);
	wbuf_init(&out);
	ikev2_enc_inner_begin(&e, &in);
	ikev2_put_eap(&e, eap, len);
	if (ikev2_protect(sa, IKEV2_EXCH_IKE_AUTH, true, msgid, &e, &out) == 0)
		ikev2_send_response(sa, &out);
	wbuf_free(&in);
	wbuf_free(&out);
}

/* Ends the client's attempt: EAP-Failure as the response, and the SA goes. */
static void eap_fail(struct ike_sa *sa, uint32_t msgid)
{
	uint8_t f[4] = {EAP_CODE_FAILURE, sa->v2->eap_gw->eap_id, 0, 4};

	send_eap(sa, msgid, f, sizeof(f));
	ike_sa_destroy(sa, true);
}

int ikev2_eap_gw_start(struct ike_sa *sa, const struct ikev2_msg *m, const struct ikev2_authn *a,
		       const struct conf_item *id)
{
	const struct ike_deps *d = &sa->eng->d;
	struct ikev2_eap_gw *g;
	uint8_t idv[255], body[260];
	size_t idlen;
	uint8_t idtype;
	struct wbuf in, out, eap;
	struct ikev2_enc e;
	int r;

	if (!d->radius_auth) {
		ike_sa_fail(sa, "auth-method=eap-radius: no /radius server for service=ipsec");
		return -ENOENT;
	}
	if (m->idi.body.len > sizeof(g->idi) || !sa->eng->cur_plain)
		return -EBADMSG;
	if (!a->cert && !ikev2_notify_find(m, IKEV2_N_EAP_ONLY_AUTHENTICATION)) {
		ike_sa_fail(sa, "auth-method=eap-radius without certificate= is EAP-only "
				"authentication (RFC 5998), which the client did not offer");
		return -EPERM;
	}
	if (!(g = calloc(1, sizeof(*g))) || !(g->first = malloc(sa->eng->cur_plain_len + 1))) {
		free(g);
		return -ENOMEM;
	}
	g->id = id;
	memcpy(g->idi, m->idi.body.ptr, m->idi.body.len);
	g->idi_len = m->idi.body.len;
	memcpy(g->first, sa->eng->cur_plain, sa->eng->cur_plain_len);
	g->first_len = sa->eng->cur_plain_len;
	g->first_type = m->sk_next;
	g->first_hdr = m->hdr;
	g->eap_id = 1;
	g->eap_only = !a->cert;
	sa->v2->eap_gw = g;

	/* 2.16: IDr, CERT, AUTH (our signature), EAP-Request/Identity; RFC 5998: IDr and
	 * the EAP-Request only */
	ikev2_authn_my_id(sa, a, &idtype, idv, &idlen);
	body[0] = idtype;
	body[1] = body[2] = body[3] = 0;
	memcpy(body + 4, idv, idlen);
	wbuf_init(&in);
	wbuf_init(&out);
	wbuf_init(&eap);
	ikev2_enc_inner_begin(&e, &in);
	ikev2_put_id(&e, IKEV2_PLD_IDR, idtype, idv, idlen);
	r = 0;
	if (!g->eap_only) {
		ikev2_authn_put_cert(sa, a, false, &e);
		r = ikev2_authn_put_auth(sa, a, body, idlen + 4, &e);
	}
	if (r == 0) {
		eap_put_identity(&eap, EAP_CODE_REQUEST, g->eap_id, "");
		ikev2_put_eap(&e, eap.p, eap.len);
		if ((r = ikev2_protect(sa, IKEV2_EXCH_IKE_AUTH, true, m->hdr.msgid, &e, &out)) == 0)
			ikev2_send_response(sa, &out);
	}
	wbuf_free(&in);
	wbuf_free(&out);
	wbuf_free(&eap);
	if (r < 0) {
		ikev2_eap_gw_free(sa);
		return r;
	}
	char shown[256];

	pki_id_str(m->idi.type, m->idi.data.ptr, m->idi.data.len, shown, sizeof(shown));
	log_info(LOG_IKE, sa->ctx, "EAP for %s: identity request sent%s", shown,
		 g->eap_only ? " (EAP-only authentication (RFC 5998): no certificate)" : "");
	return 0;
}

/* The RADIUS server's answer to the EAP Response we relayed. */
static void radius_done(void *arg, const struct radius_reply *r)
{
	struct ike_sa *sa = arg;
	struct ikev2_eap_gw *g = sa->v2->eap_gw;
	struct eap_pkt ep;

	g->h = NULL;
	if (r->eap_len && eap_decode(r->eap, r->eap_len, &ep) == 0)
		g->eap_id = ep.id;
	switch (r->result) {
	case RADIUS_RES_CHALLENGE:
		if (!r->eap_len) {
			ike_sa_fail(sa, "RADIUS %s: Access-Challenge without EAP-Message",
				    r->server ? r->server : "");
			eap_fail(sa, g->msgid);
			return;
		}
		g->state = r->state;
		send_eap(sa, g->msgid, r->eap, r->eap_len);
		return;
	case RADIUS_RES_ACCEPT:
		if (g->eap_only && !mutual_method(g->method)) {
			ike_sa_fail(sa,
				    "EAP-only authentication (RFC 5998): EAP method %u of user %s "
				    "does not authenticate the server; give the identity a "
				    "certificate",
				    g->method, g->user);
			eap_fail(sa, g->msgid);
			return;
		}
		if (r->recv_key_len + r->send_key_len < 32) {
			ike_sa_fail(sa, "RADIUS %s accepted %s without MS-MPPE keys: no MSK",
				    r->server ? r->server : "", g->user);
			eap_fail(sa, g->msgid);
			return;
		}
		memcpy(g->msk, r->recv_key, r->recv_key_len);
		memcpy(g->msk + r->recv_key_len, r->send_key, r->send_key_len);
		g->msk_len = r->recv_key_len + r->send_key_len;
		g->accepted = true;
		if (ike_acct_begin(sa, g->user, r) < 0) {
			ike_sa_fail(sa, "out of memory for EAP user %s", g->user);
			eap_fail(sa, g->msgid);
			return;
		}
		log_info(LOG_IKE, sa->ctx, "RADIUS %s accepted EAP user %s",
			 r->server ? r->server : "", g->user);
		if (r->eap_len) {
			send_eap(sa, g->msgid, r->eap, r->eap_len);
		} else {
			uint8_t s[4] = {EAP_CODE_SUCCESS, g->eap_id, 0, 4};

			send_eap(sa, g->msgid, s, sizeof(s));
		}
		return;
	case RADIUS_RES_REJECT:
		ike_sa_fail(sa, "RADIUS %s rejected EAP user %s%s%s", r->server ? r->server : "",
			    g->user, r->reply_message[0] ? ": " : "", r->reply_message);
		break;
	case RADIUS_RES_TIMEOUT:
		ike_sa_fail(sa,
			    "RADIUS: no server answered for EAP user %s in %u ms (/radius "
			    "timeout=%ums, %u tries per server)",
			    g->user, r->waited_ms, r->timeout_ms, r->tries);
		break;
	default:
		ike_sa_fail(sa, "RADIUS: the request for EAP user %s could not be sent", g->user);
	}
	eap_fail(sa, g->msgid);
}

/* An IKE identity that reads as a user name (RFC 7296 3.5). */
static bool textual_id(uint8_t type)
{
	return type == IKEV2_ID_FQDN || type == IKEV2_ID_RFC822_ADDR || type == IKEV2_ID_KEY_ID;
}

/* An EAP Response from the client: to RADIUS. */
static void relay(struct ike_sa *sa, const struct ikev2_msg *m)
{
	struct ikev2_eap_gw *g = sa->v2->eap_gw;
	const struct ike_deps *d = &sa->eng->d;
	struct eap_pkt ep;
	struct radius_req q = {0};
	struct sockaddr_storage calling;
	struct wbuf idr;

	if (eap_decode(m->eap.ptr, m->eap.len, &ep) < 0 || ep.code != EAP_CODE_RESPONSE) {
		ike_sa_fail(sa, "the client's EAP message is not a Response");
		eap_fail(sa, m->hdr.msgid);
		return;
	}
	wbuf_init(&idr);
	if (ep.type == EAP_T_NAK && !g->user[0] && g->rounds == 0 && g->idi_len > 4 &&
	    textual_id(g->idi[0])) {
		/* strongSwan without its eap-identity plugin refuses the Identity Request:
		 * its IKE identity stands for the EAP identity, as strongSwan's own eap-radius
		 * gateway does, and RADIUS gets that Identity Response instead */
		size_t n = g->idi_len - 4 < RADIUS_ATTR_MAX ? g->idi_len - 4 : RADIUS_ATTR_MAX;

		memcpy(g->user, g->idi + 4, n);
		g->user[n] = '\0';
		eap_put_identity(&idr, EAP_CODE_RESPONSE, ep.id, g->user);
		log_info(LOG_IKE, sa->ctx,
			 "the client refused the EAP Identity Request: its IKE identity %s "
			 "stands for it",
			 g->user);
		eap_decode(idr.p, idr.len, &ep);
	}
	if (ep.type != EAP_T_IDENTITY && ep.type != EAP_T_NAK && ep.type != EAP_T_NOTIFICATION)
		g->method = ep.type;
	if (ep.type == EAP_T_IDENTITY && !g->user[0]) {
		size_t n = ep.data.len < RADIUS_ATTR_MAX ? ep.data.len : RADIUS_ATTR_MAX;

		memcpy(g->user, ep.data.ptr, n);
		g->user[n] = '\0';
		log_info(LOG_IKE, sa->ctx, "EAP identity %s: asking RADIUS", g->user);
	}
	if (++g->rounds > EAP_GW_MAX_ROUNDS) {
		ike_sa_fail(sa, "EAP for %s did not finish after %u rounds", g->user,
			    EAP_GW_MAX_ROUNDS);
		eap_fail(sa, m->hdr.msgid);
		wbuf_free(&idr);
		return;
	}
	net_addr_to_sockaddr(&sa->remote, &calling);
	q.user = g->user;
	q.eap = idr.len ? idr.p : m->eap.ptr;
	q.eap_len = idr.len ? idr.len : m->eap.len;
	q.state = g->state.len ? g->state.data : NULL;
	q.state_len = g->state.len;
	q.calling = (const struct sockaddr *)&calling;
	q.nas_port = sa->serial;
	g->msgid = m->hdr.msgid;
	g->h = d->radius_auth(d->arg, &q, radius_done, sa);
	wbuf_free(&idr);
	if (!g->h) {
		ike_sa_fail(sa, "RADIUS: the request for EAP user %s could not be sent", g->user);
		eap_fail(sa, m->hdr.msgid);
	}
}

/* The client's AUTH keyed with the MSK; then ours, CP and the CHILD SA. */
static void finish(struct ike_sa *sa, const struct ikev2_msg *m)
{
	struct ikev2_eap_gw *g = sa->v2->eap_gw;
	struct crypto_chunk msk = {g->msk, g->msk_len};
	struct ikev2_authn a;
	struct ikev2_msg first;
	uint8_t want[64];
	size_t wlen = 0;
	bool ok = m->auth.method == IKEV2_AUTH_SHARED_KEY &&
		  ikev2_authn_psk(sa, &msk, false, g->idi, g->idi_len, want, &wlen) == 0 &&
		  m->auth.data.len == wlen && crypto_memeq(want, m->auth.data.ptr, wlen);

	crypto_cleanse(want, sizeof(want));
	if (!ok) {
		ike_sa_fail(sa, "AUTHENTICATION_FAILED: the client's AUTH does not match the EAP "
				"MSK");
		ikev2_respond_notify(sa, m->hdr.exch, m->hdr.msgid, IKEV2_N_AUTHENTICATION_FAILED,
				     NULL, 0);
		ike_sa_destroy(sa, true);
		return;
	}
	free(sa->remote_id);
	sa->remote_id = strdup(g->user);
	memset(&first, 0, sizeof(first));
	first.hdr = g->first_hdr;
	if (ikev2_decode_inner(g->first, g->first_len, g->first_type, &first) < 0 ||
	    ikev2_authn_load(sa, g->id, &a) < 0) {
		ikev2_respond_notify(sa, m->hdr.exch, m->hdr.msgid, IKEV2_N_AUTHENTICATION_FAILED,
				     NULL, 0);
		ike_sa_destroy(sa, true);
		return;
	}
	log_info(LOG_IKE, sa->ctx, "EAP user %s authenticated", g->user);
	ikev2_auth_accept(sa, &first, m->hdr.msgid, &a, g->id, &msk);
	ikev2_authn_clear(&a);
}

void ikev2_eap_gw_request(struct ike_sa *sa, const struct ikev2_msg *m)
{
	struct ikev2_eap_gw *g = sa->v2->eap_gw;

	if (g->h) { /* a retransmission while RADIUS answers: answered once, later */
		sa->eng->st.rx_dropped++;
		log_debug(LOG_IKE, sa->ctx, "IKE_AUTH request %u held for RADIUS: dropped",
			  m->hdr.msgid);
		return;
	}
	if (g->accepted && ikev2_has(m, IKEV2_PLD_AUTH)) {
		finish(sa, m);
	} else if (!g->accepted && ikev2_has(m, IKEV2_PLD_EAP)) {
		relay(sa, m);
	} else {
		ike_sa_fail(sa, "the client's IKE_AUTH request carries %s",
			    g->accepted ? "no AUTH after EAP-Success" : "no EAP payload");
		ikev2_respond_notify(sa, m->hdr.exch, m->hdr.msgid, IKEV2_N_AUTHENTICATION_FAILED,
				     NULL, 0);
		ike_sa_destroy(sa, true);
	}
}
