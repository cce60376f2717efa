/* fake_tls_server: an EAP-TLS, PEAPv0 or TTLSv0 server for check_eap, OpenSSL over memory
 * BIOs, with eap.h's EAP-MSCHAPv2 authenticator inside PEAP and TTLS (user "User"). */
#ifndef FAKE_TLS_SERVER_H
#define FAKE_TLS_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "ipsecd/buf.h"

struct tls_srv;

/* chain: more certificates to send after cert (may be NULL). password: "User"'s. */
struct tls_srv *tls_srv_new(uint8_t type, X509 *cert, EVP_PKEY *key, X509 *chain, size_t frag,
			    const char *password);
void tls_srv_free(struct tls_srv *s);
/* The Start Request. */
void tls_srv_start(struct tls_srv *s, struct wbuf *out);
/* A client Response: out gets the next Request, or EAP-Success (1) or EAP-Failure (-1). */
int tls_srv_process(struct tls_srv *s, const uint8_t *pkt, size_t len, struct wbuf *out);
/* "client EAP encryption" or "ttls keying material", 64 bytes, after the handshake. */
const uint8_t *tls_srv_msk(struct tls_srv *s);
bool tls_srv_got_client_cert(const struct tls_srv *s);
/* When the inner EAP-MSCHAPv2 fails, close the TLS tunnel (a close_notify alert) instead
 * of sending its Failure Request: what strongSwan's TTLS server does. */
void tls_srv_close_on_failure(struct tls_srv *s);

#endif
