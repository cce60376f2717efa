/* authn: how each end of an IKE SA proves who it is (RFC 7296 2.15): a pre-shared key,
 * a certificate and its private key (auth-method=digital-signature, RFC 7427 signatures,
 * the peer's chain checked against the store's CAs and CRLs, its ID against the
 * certificate as RFC 4945 says), or a bare RSA key (auth-method=rsa-key, keys from
 * /ip ipsec key); with auth-method=eap the gateway's certificate and signature (eap.c
 * does the EAP). The SIGNATURE_HASH_ALGORITHMS and CERTREQ of IKE_SA_INIT are here too. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ipsecd/log.h"
#include "ipsecd/pki.h"
#include "ipsecd/sig.h"
#include "v2.h"

#define MAX_CA_HASHES 32

static struct pki_store *store_of(const struct ike_sa *sa)
{
	const struct ike_deps *d = &sa->eng->d;

	return d->pki ? d->pki(d->arg) : NULL;
}

static EVP_PKEY *key_named(const struct ike_sa *sa, const char *name)
{
	const struct ike_deps *d = &sa->eng->d;

	return d->key && name && *name ? d->key(d->arg, name) : NULL;
}

static bool uses_certificates(const struct conf_item *id)
{
	enum ike_auth m = ike_auth_of(id);

	return m == IKE_AUTH_SIGNATURE || m == IKE_AUTH_EAP_RADIUS;
}

/* --- IKE_SA_INIT: what each end can verify --- */

void ikev2_authn_put_init(struct ike_sa *sa, struct ikev2_enc *e, bool response)
{
	uint16_t ids[8];
	uint8_t data[16];
	size_t n = sig_hash_algorithms(ids, 8);

	for (size_t i = 0; i < n; i++) {
		data[2 * i] = (uint8_t)(ids[i] >> 8);
		data[2 * i + 1] = (uint8_t)ids[i];
	}
	ikev2_put_notify(e, 0, IKEV2_N_SIGNATURE_HASH_ALGORITHMS, NULL, 0, data, 2 * n);
	/* 1.2: the responder may ask for certificates in its IKE_SA_INIT response */
	size_t nid;
	const struct conf_item *const *idv = ike_view_identities(sa->eng->view, sa->peer, &nid);

	for (size_t i = 0; response && i < nid; i++) {
		if (uses_certificates(idv[i])) {
			ikev2_authn_put_certreq(sa, e);
			break;
		}
	}
}

void ikev2_authn_read_init(struct ike_sa *sa, const struct ikev2_msg *m)
{
	const struct ikev2_notify *n = ikev2_notify_find(m, IKEV2_N_SIGNATURE_HASH_ALGORITHMS);

	sa->v2->peer_7427 = n != NULL;
	sa->v2->npeer_hashes = 0;
	for (size_t i = 0; n && i + 1 < n->data.len; i += 2)
		if (sa->v2->npeer_hashes <
		    sizeof(sa->v2->peer_hashes) / sizeof(sa->v2->peer_hashes[0]))
			sa->v2->peer_hashes[sa->v2->npeer_hashes++] =
				(uint16_t)(n->data.ptr[i] << 8 | n->data.ptr[i + 1]);
	sa->v2->peer_certreq = ikev2_has(m, IKEV2_PLD_CERTREQ);
}

void ikev2_authn_put_certreq(struct ike_sa *sa, struct ikev2_enc *e)
{
	struct pki_store *s = store_of(sa);
	uint8_t hashes[20 * MAX_CA_HASHES];
	size_t n = s ? pki_store_ca_hashes(s, hashes, MAX_CA_HASHES) : 0;

	if (n > MAX_CA_HASHES)
		n = MAX_CA_HASHES;
	if (n)
		ikev2_put_cert(e, IKEV2_PLD_CERTREQ, IKEV2_CERT_X509_SIG, hashes, 20 * n);
}

/* --- our side --- */

void ikev2_authn_clear(struct ikev2_authn *a)
{
	crypto_chunk_clear(&a->psk);
	crypto_prf_free(a->psk_prf);
	memset(a, 0, sizeof(*a));
}

int ikev2_authn_load(struct ike_sa *sa, const struct conf_item *id, struct ikev2_authn *a)
{
	enum ike_auth method = ike_auth_of(id);
	struct pki_store *s = store_of(sa);

	memset(a, 0, sizeof(*a));
	a->id = id;
	if (method == IKE_AUTH_PSK) {
		a->kind = IKEV2_AUTHN_PSK;
		if (ike_psk(id, &a->psk) < 0) {
			ike_sa_fail(sa, "the identity has no secret");
			return -ENOENT;
		}
		/* made once for the peer's AUTH and ours */
		if (!(a->psk_prf = ikev2_psk_prf(sa->alg.prf, a->psk.ptr, a->psk.len))) {
			ike_sa_fail(sa, "the PRF could not be keyed with the secret");
			return -EIO;
		}
		return 0;
	}
	if (uses_certificates(id)) {
		const char *name = conf_str(id, CONF_IDENTITY_CERTIFICATE);

		a->kind = IKEV2_AUTHN_CERT;
		a->eap_gw = method == IKE_AUTH_EAP_RADIUS;
		if (a->eap_gw && (!name || !*name || !strcmp(name, "none")))
			return 0; /* no certificate: EAP-only (RFC 5998, eap_gw.c) */
		a->cert = s && name ? pki_store_find(s, name) : NULL;
		if (!a->cert || !a->cert->key) {
			ike_sa_fail(sa, "certificate=%s %s", name ? name : "",
				    a->cert ? "has no private key loaded" : "is not loaded");
			return -ENOENT;
		}
		a->key = a->cert->key;
		return 0;
	}
	if (method == IKE_AUTH_RSA_KEY) {
		const char *name = conf_str(id, CONF_IDENTITY_KEY);
		bool priv = false;

		a->kind = IKEV2_AUTHN_RSA_KEY;
		a->key = key_named(sa, name);
		if (a->key)
			sig_key_info(a->key, &(unsigned){0}, &(bool){0}, &priv);
		if (!priv) {
			ike_sa_fail(sa, "key=%s %s", name ? name : "",
				    a->key ? "has no private half" : "is not loaded");
			return -ENOENT;
		}
		return 0;
	}
	if (method == IKE_AUTH_EAP) {
		/* 2.16: we prove ourselves with EAP (eap.c), the gateway with a signature */
		a->kind = IKEV2_AUTHN_EAP;
		return 0;
	}
	ike_sa_fail(sa, "auth-method=%s is not implemented for IKEv2 yet",
		    ike_choice(id, CONF_IDENTITY_AUTH_METHOD));
	return -ENOTSUP;
}

void ikev2_authn_my_id(struct ike_sa *sa, const struct ikev2_authn *a, uint8_t *type, uint8_t *buf,
		       size_t *len)
{
	const char *my = conf_str(a->id, CONF_IDENTITY_MY_ID);
	size_t room = 255;

	/* my-id=auto: with a certificate its first subjectAltName, else its subject */
	if (a->kind == IKEV2_AUTHN_CERT && a->cert && (!my || !strcmp(my, "auto")) &&
	    pki_cert_default_id(a->cert->cert, type, buf, &room) == 0) {
		*len = room;
		return;
	}
	ike_my_id(a->id, &sa->local, type, buf, len);
}

/* RFC 7296 2.15: the message the signer sent in IKE_SA_INIT | the other end's nonce |
 * prf(SK_p of the signer, the signer's ID payload body). */
static int signed_octets(struct ike_sa *sa, bool ours, const uint8_t *body, size_t blen,
			 struct crypto_chunk *out)
{
	const struct wbuf *msg = ours ? &sa->v2->init_ours : &sa->v2->init_theirs;
	bool signer_is_i = ours == sa->initiator;
	const struct crypto_chunk *nonce = signer_is_i ? &sa->nr : &sa->ni;
	const struct crypto_chunk *skp = signer_is_i ? &sa->v2->keys.sk_pi : &sa->v2->keys.sk_pr;
	struct crypto_prf *prf = crypto_prf_new(sa->alg.prf, skp->ptr, skp->len);
	size_t pl = prf ? crypto_prf_len(prf) : 0;
	struct crypto_iov id = {body, blen};

	out->len = msg->len + nonce->len + pl;
	out->ptr = prf ? malloc(out->len) : NULL;
	if (!out->ptr || crypto_prf_run(prf, &id, 1, out->ptr + msg->len + nonce->len) < 0) {
		crypto_prf_free(prf);
		crypto_chunk_clear(out);
		return -ENOMEM;
	}
	crypto_prf_free(prf);
	memcpy(out->ptr, msg->p, msg->len);
	memcpy(out->ptr + msg->len, nonce->ptr, nonce->len);
	return 0;
}

#define SENT_CHAIN_MAX 4 /* intermediate CA certificates sent after ours, at most */

void ikev2_authn_put_cert(struct ike_sa *sa, const struct ikev2_authn *a, bool certreq,
			  struct ikev2_enc *e)
{
	const struct pki_entry *cur = a->cert;

	if (a->kind != IKEV2_AUTHN_CERT)
		return;
	ikev2_put_cert(e, IKEV2_PLD_CERT, IKEV2_CERT_X509_SIG, cur->der, cur->der_len);
	/* RFC 7296 3.6: then the intermediate CAs up to, not including, the self-signed root,
	 * which the peer must trust on its own; the peer needs them when it holds the root
	 * only. The store found each certificate's issuer when it last changed. */
	for (int n = 0; n < SENT_CHAIN_MAX && (cur = cur->issued_by); n++) {
		if (X509_get_extension_flags(cur->cert) & EXFLAG_SS)
			break;
		ikev2_put_cert(e, IKEV2_PLD_CERT, IKEV2_CERT_X509_SIG, cur->der, cur->der_len);
	}
	/* RFC 7296 3.7: asking for the peer's certificate, by the CAs we trust */
	if (certreq)
		ikev2_authn_put_certreq(sa, e);
}

/* AUTH with k, the PRF keyed with the secret's pad key: ours or the peer's. */
static int psk_auth(struct ike_sa *sa, struct crypto_prf *k, bool ours, const uint8_t *body,
		    size_t blen, uint8_t *out, size_t *outlen)
{
	/* each end signs the IKE_SA_INIT message it sent and the other end's nonce */
	const struct wbuf *msg = ours ? &sa->v2->init_ours : &sa->v2->init_theirs;
	bool signer_is_i = ours == sa->initiator;
	const struct crypto_chunk *nonce = signer_is_i ? &sa->nr : &sa->ni;
	const struct crypto_chunk *skp = signer_is_i ? &sa->v2->keys.sk_pi : &sa->v2->keys.sk_pr;

	return ikev2_psk_auth_with(k, sa->alg.prf, msg->p, msg->len, nonce->ptr, nonce->len, skp,
				   body, blen, out, outlen);
}

int ikev2_authn_put_auth(struct ike_sa *sa, const struct ikev2_authn *a, const uint8_t *body,
			 size_t blen, struct ikev2_enc *e)
{
	struct crypto_chunk octets = {0}, data = {0};
	uint8_t method = IKEV2_AUTH_SHARED_KEY;
	uint16_t hash = 0;
	int r;

	if (a->kind == IKEV2_AUTHN_EAP) {
		ike_sa_fail(sa, "auth-method=eap is a client's: it cannot answer an initiator");
		return -ENOTSUP;
	}
	if (a->kind == IKEV2_AUTHN_PSK) {
		uint8_t mac[64];
		size_t mlen = 0;

		r = psk_auth(sa, a->psk_prf, true, body, blen, mac, &mlen);
		if (r == 0)
			ikev2_put_auth(e, IKEV2_AUTH_SHARED_KEY, mac, mlen);
		crypto_cleanse(mac, sizeof(mac));
		return r;
	}
	if ((r = sig_choose(a->key, sa->v2->peer_7427, sa->v2->peer_hashes, sa->v2->npeer_hashes,
			    &method, &hash)) < 0) {
		ike_sa_fail(sa, "no signature scheme fits our key and the peer's hash list");
		return r;
	}
	if ((r = signed_octets(sa, true, body, blen, &octets)) == 0 &&
	    (r = sig_sign(a->key, method, hash, octets.ptr, octets.len, &data)) == 0)
		ikev2_put_auth(e, method, data.ptr, data.len);
	else
		ike_sa_fail(sa, "AUTH could not be signed: %s", strerror(-r));
	crypto_chunk_clear(&octets);
	crypto_chunk_clear(&data);
	return r;
}

int ikev2_authn_psk(struct ike_sa *sa, const struct crypto_chunk *psk, bool ours,
		    const uint8_t *body, size_t blen, uint8_t *out, size_t *outlen)
{
	struct crypto_prf *k = ikev2_psk_prf(sa->alg.prf, psk->ptr, psk->len);
	int r = psk_auth(sa, k, ours, body, blen, out, outlen);

	crypto_prf_free(k);
	return r;
}

/* --- the peer's side --- */

static void remember(char **where, const char *text)
{
	free(*where);
	*where = strdup(text);
}

static const char *dn_str(X509 *cert, char *buf, size_t size)
{
	char *line = pki_dn_line(X509_get_subject_name(cert));

	snprintf(buf, size, "%s", line ? line : "?");
	free(line);
	return buf;
}

/* A CERT payload's X.509 certificate (parsed once per store), or NULL. */
static X509 *x509_of(struct pki_store *s, const struct ikev2_cert *c)
{
	return c->encoding == IKEV2_CERT_X509_SIG
		       ? pki_store_cert_from_der(s, c->data.ptr, c->data.len)
		       : NULL;
}

/* The peer's certificate: remote-certificate when the identity pins one, else the
 * first CERT payload, its chain checked. *owned: the caller X509_frees the result.
 * *subject: its subject line, held by the store, or NULL. */
static X509 *peer_cert(struct ike_sa *sa, const struct conf_item *id, const struct ikev2_msg *m,
		       bool *owned, const char **subject)
{
	struct pki_store *s = store_of(sa);
	const char *pin = conf_str(id, CONF_IDENTITY_REMOTE_CERTIFICATE);
	const struct pki_entry *pinned = s && pin && *pin ? pki_store_find(s, pin) : NULL;
	X509 *sent = NULL;
	char why[PKI_MSG_MAX], a[256];
	time_t now = time(NULL);

	*owned = false;
	*subject = NULL;
	for (unsigned i = 0; i < m->ncert && !sent; i++)
		sent = x509_of(s, &m->cert[i]);
	if (pin && *pin) {
		if (!pinned) {
			ike_sa_fail(sa, "remote-certificate=%s is not loaded", pin);
		} else if (sent && X509_cmp(sent, pinned->cert)) {
			ike_sa_fail(sa, "the peer's certificate %s is not remote-certificate=%s",
				    dn_str(sent, a, sizeof(a)), pin);
			pinned = NULL;
		} else if (pki_entry_expired(pinned, now)) {
			ike_sa_fail(sa, "remote-certificate=%s has expired", pin);
			pinned = NULL;
		} else if (pinned->revoked) {
			ike_sa_fail(sa, "remote-certificate=%s is revoked (a loaded CRL lists it)",
				    pin);
			pinned = NULL;
		}
		X509_free(sent);
		*subject = pinned ? pinned->subject : NULL;
		return pinned ? pinned->cert : NULL;
	}
	if (!sent) {
		ike_sa_fail(sa, "the peer sent no X.509 certificate and remote-certificate is not "
				"set");
		return NULL;
	}
	STACK_OF(X509) *chain = sk_X509_new_null();

	for (unsigned i = 1; chain && i < m->ncert; i++) {
		X509 *x = x509_of(s, &m->cert[i]);

		if (x && !sk_X509_push(chain, x))
			X509_free(x);
	}
	int r = s ? pki_verify(s, sent, chain, now, why, sizeof(why)) : -EPERM;

	sk_X509_pop_free(chain, X509_free);
	if (r < 0) {
		ike_sa_fail(sa, "the peer's certificate is refused: %s",
			    s ? why : "no certificates are loaded");
		X509_free(sent);
		return NULL;
	}
	*owned = true;
	*subject = pki_store_cert_subject(s, sent);
	return sent;
}

static int check_id_in_cert(struct ike_sa *sa, const struct conf_item *id, X509 *cert,
			    const struct ikev2_id *pid, const char *shown)
{
	const char *want = conf_str(id, CONF_IDENTITY_REMOTE_ID);
	char why[160];

	if (want && !strcmp(want, "ignore")) {
		log_info(LOG_IKE, sa->ctx,
			 "remote-id=ignore: the peer's ID %s is not checked against its "
			 "certificate",
			 shown);
		return 0;
	}
	if (!ike_remote_id_ok(id, &sa->remote, pid->type, pid->data.ptr, pid->data.len, why,
			      sizeof(why))) {
		ike_sa_fail(sa, "%s (it sent %s)", why, shown);
		return -EPERM;
	}
	if (!pki_cert_matches_id(cert, pid->type, pid->data.ptr, pid->data.len)) {
		char a[256];

		ike_sa_fail(sa, "the peer's ID %s is not in its certificate %s", shown,
			    dn_str(cert, a, sizeof(a)));
		return -EPERM;
	}
	return 0;
}

static int check_signature(struct ike_sa *sa, EVP_PKEY *pub, const struct ikev2_msg *m,
			   const struct ikev2_id *pid)
{
	struct crypto_chunk octets = {0};
	char why[160];
	int r = signed_octets(sa, false, pid->body.ptr, pid->body.len, &octets);

	if (r == 0)
		r = sig_verify(pub, m->auth.method, m->auth.data.ptr, m->auth.data.len, octets.ptr,
			       octets.len, why, sizeof(why));
	else
		snprintf(why, sizeof(why), "%s", strerror(-r));
	crypto_chunk_clear(&octets);
	if (r < 0) {
		ike_sa_fail(sa,
			    "AUTHENTICATION_FAILED: the peer's signature (method %u) is not "
			    "valid: %s",
			    m->auth.method, why);
		return -EPERM;
	}
	log_debug(LOG_IKE, sa->ctx, "the peer's signature is valid: %s", why);
	return 0;
}

static int check_psk(struct ike_sa *sa, const struct ikev2_authn *a, const struct ikev2_msg *m,
		     const struct ikev2_id *pid)
{
	uint8_t want[64];
	size_t wlen = 0;

	if (m->auth.method != IKEV2_AUTH_SHARED_KEY) {
		ike_sa_fail(sa,
			    "peer authenticates with method %u; this identity uses a "
			    "pre-shared key",
			    m->auth.method);
		return -EPERM;
	}
	if (psk_auth(sa, a->psk_prf, false, pid->body.ptr, pid->body.len, want, &wlen) < 0 ||
	    m->auth.data.len != wlen || !crypto_memeq(want, m->auth.data.ptr, wlen)) {
		crypto_cleanse(want, sizeof(want));
		ike_sa_fail(sa, "AUTHENTICATION_FAILED: the peer's AUTH does not match our "
				"secret");
		return -EPERM;
	}
	crypto_cleanse(want, sizeof(want));
	return 0;
}

int ikev2_authn_check_peer(struct ike_sa *sa, const struct ikev2_authn *a,
			   const struct ikev2_msg *m, const struct ikev2_id *pid)
{
	char shown[256], why[160];
	int r = -EPERM;

	pki_id_str(pid->type, pid->data.ptr, pid->data.len, shown, sizeof(shown));
	if (a->kind == IKEV2_AUTHN_CERT || a->kind == IKEV2_AUTHN_EAP) {
		bool owned;
		const char *subject;
		X509 *cert = peer_cert(sa, a->id, m, &owned, &subject);
		char dn[256];

		if (cert && check_id_in_cert(sa, a->id, cert, pid, shown) == 0 &&
		    (r = check_signature(sa, X509_get0_pubkey(cert), m, pid)) == 0)
			remember(&sa->remote_cert,
				 subject ? subject : dn_str(cert, dn, sizeof(dn)));
		if (owned)
			X509_free(cert);
	} else if (!ike_remote_id_ok(a->id, &sa->remote, pid->type, pid->data.ptr, pid->data.len,
				     why, sizeof(why))) {
		ike_sa_fail(sa, "%s (it sent %s)", why, shown);
	} else if (a->kind == IKEV2_AUTHN_PSK) {
		r = check_psk(sa, a, m, pid);
	} else {
		const char *name = conf_str(a->id, CONF_IDENTITY_REMOTE_KEY);
		EVP_PKEY *pub = key_named(sa, name);

		if (!pub)
			ike_sa_fail(sa, "remote-key=%s is not loaded", name ? name : "");
		else
			r = check_signature(sa, pub, m, pid);
	}
	if (r == 0)
		remember(&sa->remote_id, shown);
	return r;
}

/* --- the responder's choice of identity (ident.c, shared with IKEv1) --- */

const struct conf_item *ikev2_authn_identity_for(struct ike_sa *sa, const struct ikev2_msg *m,
						 const struct ikev2_id *pid)
{
	struct ike_peer_id p = {.type = pid->type, .data = pid->data.ptr, .len = pid->data.len};

	if (m->ncert && m->cert[0].encoding == IKEV2_CERT_X509_SIG) {
		p.cert = m->cert[0].data.ptr;
		p.cert_len = m->cert[0].data.len;
	}
	return ike_identity_for(sa, &p, NULL, NULL);
}
