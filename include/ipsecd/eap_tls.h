/* eap_tls: ipsecd as the peer (client) of the TLS-based EAP methods: EAP-TLS (RFC 5216),
 * PEAPv0 with EAP-MSCHAPv2 inside (draft-josefsson-pppext-eap-tls-eap, as Microsoft and
 * strongSwan run it) and EAP-TTLSv0 with EAP-MSCHAPv2 in an EAP-Message AVP (RFC 5281).
 * TLS is OpenSSL's over memory BIOs; the EAP framing, fragmentation and reassembly are
 * eap.h's. TLS 1.2 only: strongSwan 5.9.8 over TLS 1.3 sends EAP-Success without the
 * commitment message RFC 9190 2.5 requires, so RFC 9190 is not done. The server's chain is
 * checked against the pki store (pki_verify), the same CAs and CRLs IKEv2 uses.
 * Also the client that runs the configured methods in order (eap_client). */
#ifndef IPSECD_EAP_TLS_H
#define IPSECD_EAP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ipsecd/eap.h"

struct pki_store;
struct pki_entry;

#define EAP_TLS_MSK_LEN	 64   /* MSK; the EMSK, as long, follows it */
#define EAP_TLS_FRAG_MAX 1000 /* TLS bytes in one EAP Response: IKE messages stay small */

struct eap_tls_conf {
	uint8_t type;		      /* EAP_T_TLS, EAP_T_PEAP or EAP_T_TTLS */
	struct pki_store *store;      /* verifies the server's chain; required */
	const struct pki_entry *cert; /* ours, with its key (EAP-TLS); NULL: none sent */
	const char *user;	      /* PEAP/TTLS: the inner EAP-MSCHAPv2 user, */
	const char *password;	      /* and password */
	size_t frag;		      /* 0: EAP_TLS_FRAG_MAX */
	time_t now;		      /* 0: the clock; tests pin it */
};

struct eap_tls_peer;

/* NULL when out of memory or the configuration cannot work (no store, EAP-TLS without a
 * certificate and key, PEAP/TTLS without a user); why says which (why_len bytes). */
struct eap_tls_peer *eap_tls_peer_new(const struct eap_tls_conf *c, char *why, size_t why_len);
void eap_tls_peer_free(struct eap_tls_peer *p);
/* One EAP Request, Success or Failure from the server; the Response goes to out.
 * EAP_ST_SUCCESS only for an EAP-Success after the whole method succeeded (an early one
 * is a failure). Negative for a packet this method cannot take; eap_tls_peer_error says
 * why, as it does after EAP_ST_FAILURE. */
int eap_tls_peer_process(struct eap_tls_peer *p, const uint8_t *pkt, size_t len, struct wbuf *out,
			 enum eap_status *st);
/* The MSK (EAP_TLS_MSK_LEN bytes) after EAP_ST_SUCCESS, NULL before. */
const uint8_t *eap_tls_peer_msk(const struct eap_tls_peer *p);
const char *eap_tls_peer_error(const struct eap_tls_peer *p);
/* The TLS version negotiated ("TLSv1.2"), "" before the handshake. */
const char *eap_tls_peer_version(const struct eap_tls_peer *p);

/* --- the client: the configured methods in order --- */

struct eap_client_conf {
	const char *identity;	     /* the EAP-Response/Identity */
	const uint8_t *methods;	     /* EAP types we accept, in order of preference */
	size_t nmethods;	     /* EAP_T_MSCHAPV2, EAP_T_TLS, EAP_T_PEAP, EAP_T_TTLS */
	const char *user, *password; /* EAP-MSCHAPv2, alone or inside PEAP/TTLS */
	struct pki_store *store;
	const struct pki_entry *cert;
	time_t now;
};

struct eap_client;

struct eap_client *eap_client_new(const struct eap_client_conf *c);
void eap_client_free(struct eap_client *c);
/* As eap_tls_peer_process. A Request of a type we do not accept is answered with a Nak
 * listing ours; the first Request of an accepted type starts that method. */
int eap_client_process(struct eap_client *c, const uint8_t *pkt, size_t len, struct wbuf *out,
		       enum eap_status *st);
/* The MSK after EAP_ST_SUCCESS (*len set), NULL before. */
const uint8_t *eap_client_msk(const struct eap_client *c, size_t *len);
/* The method running or last run (0: none yet), and why it failed ("" when it did not). */
uint8_t eap_client_method(const struct eap_client *c);
/* The TLS version of a TLS-based method, "" for others. */
const char *eap_client_tls_version(const struct eap_client *c);
const char *eap_client_error(const struct eap_client *c);

#endif
