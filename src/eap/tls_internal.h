/* tls_internal: what the EAP-TLS engine (tls.c) shares with its TLS setup and keys
 * (tls_keys.c) and the phase-2 halves of PEAP (peap.c) and TTLS (ttls.c). */
#ifndef IPSECD_EAP_TLS_INTERNAL_H
#define IPSECD_EAP_TLS_INTERNAL_H

#include <openssl/ssl.h>

#include "ipsecd/eap_tls.h"

enum tls_state { TLS_IDLE, TLS_HANDSHAKE, TLS_OPEN, TLS_DONE };

struct eap_tls_peer {
	uint8_t type;
	enum tls_state state;
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *rbio, *wbio; /* the server's TLS bytes in, ours out */
	struct pki_store *store;
	time_t now;
	size_t frag;
	struct eap_tls_reasm in;
	struct wbuf out; /* our flight, sent in fragments from out_off */
	size_t out_off;
	struct eap_ms_peer *ms; /* PEAP/TTLS: the inner method */
	uint8_t inner_id;	/* the last inner Request's Identifier */
	bool phase2_ok;		/* PEAP/TTLS: the inner method succeeded */
	bool keyed;
	uint8_t keys[2 * EAP_TLS_MSK_LEN]; /* MSK || EMSK */
	char err[256];
};

/* tls_keys.c: the SSL_CTX/SSL for c, server chain checked with pki_verify. 0 or -errno
 * (p->err says why). */
int eap_tls_ssl_setup(struct eap_tls_peer *p, const struct eap_tls_conf *c);
/* The MSK and EMSK by the method's label (RFC 5216 2.3, RFC 5281 8). 0 or -EIO. */
int eap_tls_derive(struct eap_tls_peer *p);
/* p->err from printf-like text (the first error wins). */
void eap_tls_fail(struct eap_tls_peer *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Phase 2 (PEAP, TTLS): the server's decrypted data in; the plaintext reply, if any, out.
 * 0 or -errno (p->err set). */
int eap_peap_recv(struct eap_tls_peer *p, const uint8_t *d, size_t n, struct wbuf *reply);
int eap_ttls_recv(struct eap_tls_peer *p, const uint8_t *d, size_t n, struct wbuf *reply);
/* TTLS: the client speaks first in phase 2 (RFC 5281 11.1): its EAP-Response/Identity. */
int eap_ttls_start(struct eap_tls_peer *p, struct wbuf *reply);
/* PEAP/TTLS: whether the inner EAP-MSCHAPv2 proved both ends (feeds it the Success it
 * waits for). */
bool eap_tls_inner_ok(struct eap_tls_peer *p);

#endif
