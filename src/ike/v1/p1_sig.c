/* p1_sig: IKEv1 phase 1 authenticated by signatures (RFC 2409 5.1), for p1.c's main and
 * aggressive modes: auth-method=digital-signature (a certificate and its key; the peer's
 * certificate, sent in CERT payloads or pinned by remote-certificate, checked against the
 * store's CAs and CRLs and its ID against the certificate as for IKEv2, RFC 4945) and
 * auth-method=rsa-key (bare keys of /ip ipsec key, key= ours, remote-key= the peer's),
 * and auth-method=rsa-signature-hybrid (draft-ietf-ipsec-isakmp-hybrid-auth-05,
 * HybridInitRSA 64221 as strongSwan and RouterOS number it: only the responder, a
 * gateway, signs with its RSA certificate; the initiator proves nothing in phase 1 but
 * sends HASH_I, and passes XAuth after it, cfg.c). The authentication method of the
 * proposal follows our key: 3 for RSA, RFC 4754's 9, 10 or 11 for ECDSA on P-256, P-384
 * or P-521; both ends must use the same. HASH_I and HASH_R are what p1.c computes for a
 * pre-shared key (with SKEYID of 5.1's signature form), and the SIG payload carries their
 * signature (crypto's sig_v1_*). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ipsecd/log.h"
#include "ipsecd/pki.h"
#include "ipsecd/sig.h"
#include "v1.h"

#define MAX_CA_HASHES  32
#define SENT_CHAIN_MAX 4 /* intermediate CA certificates sent after ours, at most */

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

static bool hybrid(const struct conf_item *id)
{
	return ike_auth_of(id) == IKE_AUTH_HYBRID;
}

/* Certificates prove one end at least: ours, the peer's, or (hybrid) the gateway's. */
static bool with_cert(const struct conf_item *id)
{
	return hybrid(id) || ike_auth_of(id) == IKE_AUTH_SIGNATURE;
}

bool ikev1_sig_used(const struct conf_item *id)
{
	return with_cert(id) || ike_auth_of(id) == IKE_AUTH_RSA_KEY;
}

bool ikev1_auth_is_sig(uint16_t method)
{
	return method == IKEV1_AUTH_RSA_SIG || method == IKEV1_AUTH_ECDSA_256 ||
	       method == IKEV1_AUTH_ECDSA_384 || method == IKEV1_AUTH_ECDSA_521 ||
	       method == IKEV1_AUTH_HYBRID_INIT_RSA;
}

bool ikev1_sig_signs(uint16_t method, bool initiator)
{
	return ikev1_auth_is_sig(method) && !(method == IKEV1_AUTH_HYBRID_INIT_RSA && initiator);
}

/* Our certificate's entry (digital-signature), NULL with the reason logged. */
static const struct pki_entry *my_cert(struct ike_sa *sa, const struct conf_item *id)
{
	struct pki_store *s = store_of(sa);
	const char *name = conf_str(id, CONF_IDENTITY_CERTIFICATE);
	const struct pki_entry *e = s && name ? pki_store_find(s, name) : NULL;

	if (!e || !e->key)
		ike_sa_fail(sa, "certificate=%s %s", name ? name : "",
			    e ? "has no private key loaded" : "is not loaded");
	return e && e->key ? e : NULL;
}

/* Our private key, NULL with the reason logged. */
static EVP_PKEY *my_key(struct ike_sa *sa, const struct conf_item *id)
{
	const struct pki_entry *e;
	const char *name;
	EVP_PKEY *k;
	bool priv = false;

	if (with_cert(id))
		return (e = my_cert(sa, id)) ? e->key : NULL;
	name = conf_str(id, CONF_IDENTITY_KEY);
	if ((k = key_named(sa, name)))
		sig_key_info(k, &(unsigned){0}, &(bool){0}, &priv);
	if (!priv)
		ike_sa_fail(sa, "key=%s %s", name ? name : "",
			    k ? "has no private half" : "is not loaded");
	return priv ? k : NULL;
}

uint16_t ikev1_sig_method(struct ike_sa *sa, const struct conf_item *id)
{
	EVP_PKEY *k;
	int m;

	if (hybrid(id) && sa->initiator) /* the XAuth client: no key of ours */
		return IKEV1_AUTH_HYBRID_INIT_RSA;
	k = my_key(sa, id);
	m = k ? sig_v1_method(k) : -ENOENT;
	if (hybrid(id) && m > 0 && m != IKEV1_AUTH_RSA_SIG) {
		ike_sa_fail(sa, "auth-method=rsa-signature-hybrid needs an RSA certificate");
		return 0;
	}
	if (hybrid(id) && m > 0)
		return IKEV1_AUTH_HYBRID_INIT_RSA;
	if (k && m < 0)
		ike_sa_fail(sa,
			    "our %s key cannot sign over IKEv1 (RSA or ECDSA on P-256, P-384 "
			    "or P-521 can)",
			    EVP_PKEY_get0_type_name(k));
	return m > 0 ? (uint16_t)m : 0;
}

bool ikev1_sig_fits(struct ike_sa *sa, const struct conf_item *id, uint16_t method)
{
	struct pki_store *s = store_of(sa);
	const struct pki_entry *e =
		s && with_cert(id) ? pki_store_find(s, conf_str(id, CONF_IDENTITY_CERTIFICATE))
				   : NULL;
	EVP_PKEY *k = with_cert(id) ? (e ? e->key : NULL)
				    : key_named(sa, conf_str(id, CONF_IDENTITY_KEY));
	int m = k ? sig_v1_method(k) : -ENOENT;

	if (hybrid(id))
		return method == IKEV1_AUTH_HYBRID_INIT_RSA && m == IKEV1_AUTH_RSA_SIG;
	return m > 0 && m == method;
}

int ikev1_sig_my_id(struct ike_sa *sa, const struct conf_item *id, uint8_t *type, uint8_t *buf,
		    size_t *len)
{
	const char *my = conf_str(id, CONF_IDENTITY_MY_ID);
	const struct pki_entry *e;
	size_t room = 255;

	/* my-id=auto: the certificate's first subjectAltName, else its subject (a hybrid
	 * initiator has none: its address) */
	if (!with_cert(id) || (my && strcmp(my, "auto")) || (hybrid(id) && sa->initiator) ||
	    !(e = my_cert(sa, id)) || pki_cert_default_id(e->cert, type, buf, &room) < 0)
		return -ENOENT;
	*len = room;
	return 0;
}

/* --- what we send --- */

void ikev1_sig_put_certreq(struct ike_sa *sa, struct ikev1_enc *e)
{
	const struct conf_item *id = ikev1_identity(sa);
	struct pki_store *s = store_of(sa);
	size_t n = s ? pki_store_count(s) : 0;

	/* RFC 2408 3.10: one CERTREQ per CA we trust, each naming it by its subject DN */
	if (!id || !with_cert(id))
		return;
	for (size_t i = 0, sent = 0; i < n && sent < MAX_CA_HASHES; i++) {
		const struct pki_entry *c = pki_store_entry(s, i);
		X509_NAME *dn = c->ca && c->trusted ? X509_get_subject_name(c->cert) : NULL;
		unsigned char *der = NULL;
		int len = dn ? i2d_X509_NAME(dn, &der) : 0;

		if (len > 0) {
			ikev1_put_cert(e, IKEV1_PLD_CERTREQ, IKEV1_CERT_X509_SIG, der, (size_t)len);
			sent++;
		}
		OPENSSL_free(der);
	}
}

/* Our certificate, then the intermediate CAs up to, not including, a self-signed root. */
static void put_certs(const struct pki_entry *cur, struct ikev1_enc *e)
{
	ikev1_put_cert(e, IKEV1_PLD_CERT, IKEV1_CERT_X509_SIG, cur->der, cur->der_len);
	for (int n = 0; n < SENT_CHAIN_MAX && (cur = cur->issued_by); n++) {
		if (X509_get_extension_flags(cur->cert) & EXFLAG_SS)
			break;
		ikev1_put_cert(e, IKEV1_PLD_CERT, IKEV1_CERT_X509_SIG, cur->der, cur->der_len);
	}
}

int ikev1_sig_put(struct ike_sa *sa, const struct conf_item *id, const uint8_t *hash, size_t hlen,
		  struct ikev1_enc *e)
{
	struct crypto_chunk sig = {0};
	EVP_PKEY *k = my_key(sa, id);
	int r;

	if (!k)
		return -ENOENT;
	if (with_cert(id))
		put_certs(my_cert(sa, id), e);
	if ((r = sig_v1_sign(k, hash, hlen, &sig)) < 0) {
		ike_sa_fail(sa, "our SIG could not be made: %s", strerror(-r));
		return r;
	}
	ikev1_put_sig(e, sig.ptr, sig.len);
	crypto_chunk_clear(&sig);
	return 0;
}

/* --- the peer's side --- */

static const char *dn_str(X509 *cert, char *buf, size_t size)
{
	char *line = pki_dn_line(X509_get_subject_name(cert));

	snprintf(buf, size, "%s", line ? line : "?");
	free(line);
	return buf;
}

static X509 *x509_of(struct pki_store *s, const struct ikev1_cert *c)
{
	return c->encoding == IKEV1_CERT_X509_SIG
		       ? pki_store_cert_from_der(s, c->data.ptr, c->data.len)
		       : NULL;
}

/* remote-certificate: the pinned certificate, usable, and the one the peer sent if any. */
static X509 *pinned_cert(struct ike_sa *sa, const char *pin, X509 *sent, const char **subject)
{
	struct pki_store *s = store_of(sa);
	const struct pki_entry *p = s ? pki_store_find(s, pin) : NULL;
	char a[256];

	if (!p)
		ike_sa_fail(sa, "remote-certificate=%s is not loaded", pin);
	else if (sent && X509_cmp(sent, p->cert))
		ike_sa_fail(sa, "the peer's certificate %s is not remote-certificate=%s",
			    dn_str(sent, a, sizeof(a)), pin);
	else if (pki_entry_expired(p, time(NULL)))
		ike_sa_fail(sa, "remote-certificate=%s has expired", pin);
	else if (p->revoked)
		ike_sa_fail(sa, "remote-certificate=%s is revoked (a loaded CRL lists it)", pin);
	else {
		*subject = p->subject;
		return p->cert;
	}
	return NULL;
}

/* The peer's certificate: remote-certificate when pinned, else its first CERT with the
 * chain checked (the others are intermediates). *owned: the caller X509_frees it. */
static X509 *peer_cert(struct ike_sa *sa, const struct conf_item *id, const struct ikev1_msg *m,
		       bool *owned, const char **subject)
{
	struct pki_store *s = store_of(sa);
	const char *pin = conf_str(id, CONF_IDENTITY_REMOTE_CERTIFICATE);
	X509 *sent = NULL, *x;
	char why[PKI_MSG_MAX];
	unsigned i;

	*owned = false;
	*subject = NULL;
	for (i = 0; i < m->ncert && !sent; i++)
		sent = x509_of(s, &m->cert[i]);
	if (pin && *pin) {
		x = pinned_cert(sa, pin, sent, subject);
		X509_free(sent);
		return x;
	}
	if (!sent) {
		ike_sa_fail(sa, "the peer sent no X.509 certificate and remote-certificate is not "
				"set");
		return NULL;
	}
	STACK_OF(X509) *chain = sk_X509_new_null();

	for (; chain && i < m->ncert; i++)
		if ((x = x509_of(s, &m->cert[i])) && !sk_X509_push(chain, x))
			X509_free(x);
	int r = s ? pki_verify(s, sent, chain, time(NULL), why, sizeof(why)) : -EPERM;

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

/* The peer's ID against remote-id and, with a certificate, the certificate (RFC 4945). */
static int check_id(struct ike_sa *sa, const struct conf_item *id, X509 *cert, uint8_t type,
		    const uint8_t *data, size_t len, const char *shown)
{
	const char *want = conf_str(id, CONF_IDENTITY_REMOTE_ID);
	char why[160], a[256];

	if (cert && want && !strcmp(want, "ignore")) {
		log_info(LOG_IKE, sa->ctx,
			 "remote-id=ignore: the peer's ID %s is not checked against its "
			 "certificate",
			 shown);
		return 0;
	}
	if (!ike_remote_id_ok(id, &sa->remote, type, data, len, why, sizeof(why))) {
		ike_sa_fail(sa, "%s (it sent %s)", why, shown);
		return -EPERM;
	}
	if (cert && !pki_cert_matches_id(cert, type, data, len)) {
		ike_sa_fail(sa, "the peer's ID %s is not in its certificate %s", shown,
			    dn_str(cert, a, sizeof(a)));
		return -EPERM;
	}
	return 0;
}

static int check_sig(struct ike_sa *sa, EVP_PKEY *pub, const struct ikev1_msg *m,
		     const uint8_t *hash, size_t hlen)
{
	uint16_t method = sa->v1->auth_method;
	char why[160];

	if (method == IKEV1_AUTH_HYBRID_INIT_RSA) /* the gateway's RSA signature */
		method = IKEV1_AUTH_RSA_SIG;
	if (!ikev1_has(m, IKEV1_PLD_SIG)) {
		ike_sa_fail(sa, "the peer's phase 1 message lacks its SIG payload");
		return -EPERM;
	}
	if (sig_v1_verify(pub, method, m->sig.ptr, m->sig.len, hash, hlen, why, sizeof(why)) < 0) {
		ike_sa_fail(sa, "the peer's SIG is not valid: %s", why);
		return -EPERM;
	}
	log_debug(LOG_IKE, sa->ctx, "the peer's SIG is valid: %s", why);
	return 0;
}

static void remember(char **where, const char *text)
{
	free(*where);
	*where = strdup(text);
}

int ikev1_sig_check(struct ike_sa *sa, const struct conf_item *id, const struct ikev1_msg *m,
		    const struct crypto_chunk *id_b, const uint8_t *hash, size_t hlen)
{
	const uint8_t *data = id_b->ptr + 4;
	size_t len = id_b->len - 4;
	char shown[256], dn[256];
	int r = -EPERM;

	if (id_b->len < 4)
		return -EBADMSG;
	pki_id_str(id_b->ptr[0], data, len, shown, sizeof(shown));
	if (with_cert(id)) {
		bool owned;
		const char *subject;
		X509 *cert = peer_cert(sa, id, m, &owned, &subject);

		if (cert && check_id(sa, id, cert, id_b->ptr[0], data, len, shown) == 0 &&
		    (r = check_sig(sa, X509_get0_pubkey(cert), m, hash, hlen)) == 0)
			remember(&sa->remote_cert,
				 subject ? subject : dn_str(cert, dn, sizeof(dn)));
		if (owned)
			X509_free(cert);
	} else if (check_id(sa, id, NULL, id_b->ptr[0], data, len, shown) == 0) {
		const char *name = conf_str(id, CONF_IDENTITY_REMOTE_KEY);
		EVP_PKEY *pub = key_named(sa, name);

		if (!pub)
			ike_sa_fail(sa, "remote-key=%s is not loaded", name ? name : "");
		else
			r = check_sig(sa, pub, m, hash, hlen);
	}
	if (r == 0)
		remember(&sa->remote_id, shown);
	return r;
}
