/* eap: IKEv2 with EAP (RFC 7296 2.16), the client's side (auth-method=eap). The first
 * IKE_AUTH request leaves AUTH out; the gateway answers with IDr, CERT and its AUTH (a
 * signature, checked as for digital-signature identities) and the first EAP Request; the
 * EAP conversation runs over further IKE_AUTH exchanges (eap_tls.h's client: the methods
 * of eap-methods in order, EAP-MSCHAPv2 with the identity's username and password, EAP-TLS
 * with its certificate, PEAP and TTLS with EAP-MSCHAPv2 inside, the TLS server checked
 * against the certificate store); after EAP-Success each end sends an AUTH keyed
 * with the MSK (2.16: the shared secret is the MSK, with the key pad of 2.15), and the
 * last response carries what a one-round IKE_AUTH response carries (CP, SA, TSi, TSr). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/eap_tls.h"
#include "ipsecd/pki.h"
#include "ipsecd/log.h"
#include "v2.h"

enum eap_phase {
	EAP_PH_FIRST,	/* our IKE_AUTH without AUTH is out: the gateway's AUTH comes next */
	EAP_PH_RUNNING, /* an EAP Response is out */
	EAP_PH_AUTH,	/* our MSK-based AUTH is out */
};

struct ikev2_eap {
	enum eap_phase phase;
	struct eap_client *peer;
	char *user;		    /* the EAP identity, for logs */
	uint8_t idi[260], idr[260]; /* the ID payload bodies each AUTH covers */
	size_t idi_len, idr_len;
	unsigned rounds;
	bool done; /* the gateway's MSK-based AUTH is valid */
};

/* EAP-MSCHAPv2 needs 3 or 4 rounds, EAP-TLS about 4 plus one per fragment (a chain of a
 * few kB: 10 or so), PEAP/TTLS 5 more; a gateway looping is refused */
#define EAP_MAX_ROUNDS 64

void ikev2_eap_free(struct ikev2_eap *x)
{
	if (!x)
		return;
	eap_client_free(x->peer);
	free(x->user);
	crypto_cleanse(x, sizeof(*x));
	free(x);
}

/* The EAP type of each eap-methods choice, in menus.c's order of the choices. */
static const uint8_t method_types[] = {EAP_T_MSCHAPV2, EAP_T_PEAP, EAP_T_TLS, EAP_T_TTLS};

/* eap-methods as EAP types, in order; false (the SA failed) when there is none. */
static bool methods_of(struct ike_sa *sa, const struct conf_item *id, uint8_t *types, size_t *n,
		       bool *tls)
{
	const struct conf_list *l = conf_enums(id, CONF_IDENTITY_EAP_METHODS);
	const size_t known = sizeof(method_types) / sizeof(method_types[0]);

	*n = 0;
	*tls = false;
	for (uint32_t i = 0; l && i < l->n && *n < known; i++) {
		if (l->v[i] >= known)
			continue;
		types[*n] = method_types[l->v[i]];
		*tls |= types[*n] == EAP_T_TLS;
		(*n)++;
	}
	if (!*n)
		ike_sa_fail(sa, "eap-methods: none is set");
	return *n > 0;
}

/* certificate= (EAP-TLS's client certificate), NULL when unset. false: set but unusable. */
static bool eap_cert(struct ike_sa *sa, const struct conf_item *id, struct pki_store *store,
		     bool tls, const struct pki_entry **out)
{
	const char *name = conf_str(id, CONF_IDENTITY_CERTIFICATE);

	*out = store && name && *name ? pki_store_find(store, name) : NULL;
	if (tls && (!*out || !(*out)->key)) {
		ike_sa_fail(sa, "eap-methods=eap-tls: certificate=%s %s", name ? name : "",
			    *out ? "has no private key loaded" : "is not loaded");
		return false;
	}
	return true;
}

static struct eap_client *client_new(struct ike_sa *sa, const struct conf_item *id,
				     const char *ident)
{
	const struct ike_deps *d = &sa->eng->d;
	struct pki_store *store = d->pki ? d->pki(d->arg) : NULL;
	struct eap_client_conf c = {.identity = ident,
				    .user = conf_str(id, CONF_IDENTITY_USERNAME),
				    .password = conf_str(id, CONF_IDENTITY_PASSWORD),
				    .store = store};
	uint8_t types[4];
	bool tls;
	struct eap_client *x;

	if (!methods_of(sa, id, types, &c.nmethods, &tls) || !eap_cert(sa, id, store, tls, &c.cert))
		return NULL;
	c.methods = types;
	if (!(x = eap_client_new(&c)))
		ike_sa_fail(sa, "out of memory for EAP");
	return x;
}

/* The EAP identity: username=, else (EAP-TLS) the certificate's common name. */
static const char *identity_of(const struct conf_item *id, const struct ike_sa *sa)
{
	const char *user = conf_str(id, CONF_IDENTITY_USERNAME);
	const char *cert = conf_str(id, CONF_IDENTITY_CERTIFICATE);
	const struct ike_deps *d = &sa->eng->d;
	struct pki_store *store = d->pki ? d->pki(d->arg) : NULL;
	const struct pki_entry *e = store && cert && *cert ? pki_store_find(store, cert) : NULL;

	if (user && *user)
		return user;
	return e && e->common_name[0] ? e->common_name : NULL;
}

int ikev2_eap_client_begin(struct ike_sa *sa, const struct conf_item *id, const uint8_t *idi,
			   size_t len)
{
	const char *ident = identity_of(id, sa);
	struct ikev2_eap *x;

	if (!ident) {
		ike_sa_fail(sa, "auth-method=eap needs username= (or, for eap-tls, a certificate= "
				"with a common name)");
		return -ENOENT;
	}
	x = calloc(1, sizeof(*x));
	if (!x || len > sizeof(x->idi) || !(x->user = strdup(ident))) {
		ikev2_eap_free(x);
		ike_sa_fail(sa, "out of memory for EAP");
		return -ENOMEM;
	}
	if (!(x->peer = client_new(sa, id, ident))) { /* it said why */
		ikev2_eap_free(x);
		return -EINVAL;
	}
	memcpy(x->idi, idi, len);
	x->idi_len = len;
	ikev2_eap_free(sa->v2->eap);
	sa->v2->eap = x;
	return 0;
}

/* The next IKE_AUTH request: an EAP payload, or our AUTH. 0 or -errno. */
static int send_next(struct ike_sa *sa, const struct wbuf *eap, const uint8_t *auth, size_t alen)
{
	struct wbuf in, out;
	struct ikev2_enc e;
	int r;

	ikev2_request_done(sa); /* the next request takes the next message ID */
	wbuf_init(&in);
	wbuf_init(&out);
	in.secret = true;
	ikev2_enc_inner_begin(&e, &in);
	if (eap)
		ikev2_put_eap(&e, eap->p, eap->len);
	else
		ikev2_put_auth(&e, IKEV2_AUTH_SHARED_KEY, auth, alen);
	r = ikev2_protect(sa, IKEV2_EXCH_IKE_AUTH, false, sa->v2->msgid_out, &e, &out);
	wbuf_free(&in);
	if (r < 0) {
		wbuf_free(&out);
		return r;
	}
	sa->state = IKE_STATE_AUTH_SENT;
	ikev2_send_request(sa, IKE_REQ_AUTH, &out);
	return 0;
}

/* AUTH over an ID body with the MSK as the shared key (ours: our signed octets). */
static int msk_auth(struct ike_sa *sa, bool ours, uint8_t *mac, size_t *mlen)
{
	struct ikev2_eap *x = sa->v2->eap;
	size_t klen = 0;
	const uint8_t *msk = eap_client_msk(x->peer, &klen);
	struct crypto_chunk key = {(uint8_t *)msk, klen};

	if (!msk)
		return -EPERM;
	return ours ? ikev2_authn_psk(sa, &key, true, x->idi, x->idi_len, mac, mlen)
		    : ikev2_authn_psk(sa, &key, false, x->idr, x->idr_len, mac, mlen);
}

/* One EAP message from the gateway: answer it, or after EAP-Success send AUTH. */
static int eap_step(struct ike_sa *sa, const struct ikev2_msg *m)
{
	struct ikev2_eap *x = sa->v2->eap;
	struct wbuf out;
	enum eap_status st;
	uint8_t mac[64];
	size_t mlen = 0;
	const char *method;
	int r;

	if (!ikev2_has(m, IKEV2_PLD_EAP)) {
		ike_sa_fail(sa, "the gateway's IKE_AUTH response carries no EAP payload");
		return -EBADMSG;
	}
	if (++x->rounds > EAP_MAX_ROUNDS) {
		ike_sa_fail(sa, "EAP: the gateway did not finish after %u rounds", EAP_MAX_ROUNDS);
		return -ELOOP;
	}
	wbuf_init(&out);
	out.secret = true;
	r = eap_client_process(x->peer, m->eap.ptr, m->eap.len, &out, &st);
	method = eap_type_name(eap_client_method(x->peer));
	if (r < 0) {
		ike_sa_fail(sa, "EAP: the gateway's message is not one %s expects: %s",
			    eap_client_method(x->peer) ? method : "the EAP client",
			    eap_client_error(x->peer));
	} else if (st == EAP_ST_FAILURE) {
		ike_sa_fail(sa, "%s failed for user %s: %s",
			    eap_client_method(x->peer) ? method : "EAP", x->user,
			    eap_client_error(x->peer));
		r = -EACCES;
	} else if (st == EAP_ST_SUCCESS) {
		const char *tls = eap_client_tls_version(x->peer);

		log_info(LOG_IKE, sa->ctx, "%s succeeded for user %s%s%s", method, x->user,
			 *tls ? " over " : "", tls);
		if ((r = msk_auth(sa, true, mac, &mlen)) == 0 &&
		    (r = send_next(sa, NULL, mac, mlen)) == 0)
			x->phase = EAP_PH_AUTH;
		crypto_cleanse(mac, sizeof(mac));
	} else if (!out.len) {
		ike_sa_fail(sa, "EAP: nothing to answer the gateway with");
		r = -EPROTO;
	} else if ((r = send_next(sa, &out, NULL, 0)) == 0) {
		x->phase = EAP_PH_RUNNING;
	}
	wbuf_free(&out);
	return r;
}

/* The first response: the gateway's ID, certificate and signature, and EAP's start. */
static int first_reply(struct ike_sa *sa, const struct ikev2_msg *m, const struct conf_item *id)
{
	struct ikev2_eap *x = sa->v2->eap;
	struct ikev2_authn a;
	int r;

	if (!ikev2_has(m, IKEV2_PLD_IDR) || !ikev2_has(m, IKEV2_PLD_AUTH)) {
		ike_sa_fail(sa, "the gateway's first IKE_AUTH response lacks IDr or AUTH");
		return -EBADMSG;
	}
	if (m->idr.body.len > sizeof(x->idr)) {
		ike_sa_fail(sa, "the gateway's IDr is too long");
		return -EBADMSG;
	}
	if ((r = ikev2_authn_load(sa, id, &a)) == 0)
		r = ikev2_authn_check_peer(sa, &a, m, &m->idr);
	ikev2_authn_clear(&a);
	if (r < 0)
		return r;
	memcpy(x->idr, m->idr.body.ptr, m->idr.body.len);
	x->idr_len = m->idr.body.len;
	log_info(LOG_IKE, sa->ctx, "the gateway %s is authenticated; EAP for user %s follows",
		 sa->remote_id, x->user);
	return eap_step(sa, m);
}

/* The last response: the gateway's AUTH keyed with the MSK. */
static int last_reply(struct ike_sa *sa, const struct ikev2_msg *m)
{
	uint8_t want[64];
	size_t wlen = 0;
	int r = -EPERM;

	if (!ikev2_has(m, IKEV2_PLD_AUTH))
		ike_sa_fail(sa, "the gateway's last IKE_AUTH response lacks AUTH");
	else if (m->auth.method != IKEV2_AUTH_SHARED_KEY)
		ike_sa_fail(sa, "the gateway's AUTH after EAP uses method %u, not the MSK",
			    m->auth.method);
	else if (msk_auth(sa, false, want, &wlen) < 0 || m->auth.data.len != wlen ||
		 !crypto_memeq(want, m->auth.data.ptr, wlen))
		ike_sa_fail(sa, "AUTHENTICATION_FAILED: the gateway's AUTH does not match the "
				"EAP MSK");
	else
		r = 0;
	sa->v2->eap->done = r == 0;
	crypto_cleanse(want, sizeof(want));
	return r;
}

int ikev2_eap_client_reply(struct ike_sa *sa, const struct ikev2_msg *m, const struct conf_item *id)
{
	struct ikev2_eap *x = sa->v2->eap;
	const struct ikev2_notify *n = ikev2_error_notify(m);
	int r;

	if (n && !ikev2_has(m, IKEV2_PLD_AUTH)) {
		ike_sa_fail(sa, "peer refused IKE_AUTH: %s", ikev2_notify_name(n->type));
		return -EPERM;
	}
	if (x->phase == EAP_PH_RUNNING)
		return eap_step(sa, m);
	r = x->phase == EAP_PH_FIRST ? first_reply(sa, m, id) : last_reply(sa, m);
	if (r == -EPERM) /* the gateway's AUTH is refused: tell it (as auth.c does) */
		ikev2_send_auth_failed(sa);
	return r < 0 ? r : x->phase == EAP_PH_AUTH && x->done ? 1 : 0;
}
