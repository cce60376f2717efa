/* tls_keys: the OpenSSL side of the TLS-based EAP methods. The server's certificate chain
 * is checked by pki_verify against the store IKEv2 uses (its CAs, CRLs and cache) instead
 * of OpenSSL's own store; our certificate and key are the identity's. The keys come from
 * the TLS exporter: "client EAP encryption" for EAP-TLS (RFC 5216 2.3) and PEAP,
 * "ttls keying material" for TTLS (RFC 5281 8); the first 64 bytes are the MSK, the next
 * 64 the EMSK. */
#include <errno.h>
#include <string.h>

#include <openssl/x509.h>

#include "ipsecd/pki.h"
#include "tls_internal.h"

static int verify_server(X509_STORE_CTX *x, void *arg)
{
	struct eap_tls_peer *p = arg;
	X509 *leaf = X509_STORE_CTX_get0_cert(x);
	char why[PKI_MSG_MAX];
	time_t now = p->now ? p->now : time(NULL);

	if (!leaf) {
		eap_tls_fail(p, "the TLS server sent no certificate");
		X509_STORE_CTX_set_error(x, X509_V_ERR_UNSPECIFIED);
		return 0;
	}
	if (pki_verify(p->store, leaf, X509_STORE_CTX_get0_untrusted(x), now, why, sizeof(why)) <
	    0) {
		eap_tls_fail(p, "the TLS server's certificate is refused: %s", why);
		X509_STORE_CTX_set_error(x, X509_V_ERR_CERT_UNTRUSTED);
		return 0;
	}
	return 1;
}

/* Our certificate, its key and the intermediate CAs above it (not the root). */
static int use_cert(struct eap_tls_peer *p, const struct pki_entry *c)
{
	if (!c->key) {
		eap_tls_fail(p, "certificate %s has no private key loaded", c->name);
		return -ENOENT;
	}
	if (SSL_use_certificate(p->ssl, c->cert) != 1 || SSL_use_PrivateKey(p->ssl, c->key) != 1) {
		eap_tls_fail(p, "certificate %s cannot be used for TLS", c->name);
		return -EINVAL;
	}
	for (const struct pki_entry *i = c->issued_by; i && i->issued_by; i = i->issued_by)
		if (SSL_add1_chain_cert(p->ssl, i->cert) != 1)
			return -ENOMEM;
	return 0;
}

int eap_tls_ssl_setup(struct eap_tls_peer *p, const struct eap_tls_conf *c)
{
	if (!(p->ctx = SSL_CTX_new(TLS_client_method())) ||
	    /* 1.2 only: strongSwan 5.9.8 runs EAP-TLS over 1.3 without RFC 9190's commitment
	     * message (its EAP-Success follows our Finished), which a peer must not accept */
	    SSL_CTX_set_min_proto_version(p->ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(p->ctx, TLS1_2_VERSION) != 1)
		return -ENOMEM;
	/* strongSwan's TLS server sends no renegotiation_info (RFC 5746): allow that, and
	 * never renegotiate, which is what the extension protects */
	SSL_CTX_set_options(p->ctx, SSL_OP_LEGACY_SERVER_CONNECT | SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_verify(p->ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_cert_verify_callback(p->ctx, verify_server, p);
	SSL_CTX_set_session_cache_mode(p->ctx, SSL_SESS_CACHE_OFF);
	if (!(p->ssl = SSL_new(p->ctx)) || !(p->rbio = BIO_new(BIO_s_mem())) ||
	    !(p->wbio = BIO_new(BIO_s_mem()))) {
		BIO_free(p->rbio);
		BIO_free(p->wbio);
		p->rbio = p->wbio = NULL;
		return -ENOMEM;
	}
	SSL_set_bio(p->ssl, p->rbio, p->wbio);
	SSL_set_connect_state(p->ssl);
	return c->type == EAP_T_TLS && c->cert ? use_cert(p, c->cert) : 0;
}

int eap_tls_derive(struct eap_tls_peer *p)
{
	const char *label =
		p->type == EAP_T_TTLS ? "ttls keying material" : "client EAP encryption";

	if (SSL_export_keying_material(p->ssl, p->keys, sizeof(p->keys), label, strlen(label), NULL,
				       0, 0) != 1) {
		eap_tls_fail(p, "the TLS key export failed");
		return -EIO;
	}
	p->keyed = true;
	return 0;
}
