/* What an IKEv2 SA keeps that IKEv1 and the core never use: its keys and SK protection,
 * the IKE_SA_INIT messages and cookie, fragment reassembly, the message-ID windows and the
 * request in flight, and EAP. Reached as sa->v2; made with the SA (ikev2_ops.sa_new) and freed
 * by ikev2_ops.sa_free. Only src/ike/v2/ (and the tests and benchmarks that look inside an SA)
 * include this. */
#ifndef IPSECD_IKEV2_STATE_H
#define IPSECD_IKEV2_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "ipsecd/buf.h"
#include "ipsecd/crypto.h"
#include "ipsecd/net.h"
#include "keymat.h"

struct ike_sa;
struct ikev2_frag_set;
struct ikev2_eap;
struct ikev2_eap_gw;

/* How the reply to our outstanding request is handled. */
enum ike_req_kind {
	IKE_REQ_NONE,
	IKE_REQ_SA_INIT,
	IKE_REQ_AUTH,
	IKE_REQ_CHILD,
	IKE_REQ_CHILD_REKEY,
	IKE_REQ_IKE_REKEY,
	IKE_REQ_INFO,
	IKE_REQ_DELETE_CHILD,
	IKE_REQ_DELETE,
};

struct ikev2_state {
	struct ikev2_keys keys;
	struct crypto_sk *sk_out, *sk_in;
	struct wbuf init_ours, init_theirs; /* IKE_SA_INIT messages, until AUTH is done */
	struct crypto_chunk cookie;
	uint16_t dh_group; /* the group our KE uses (initiator) */
	/* the peer's SIGNATURE_HASH_ALGORITHMS (RFC 7427 4) and CERTREQ, from IKE_SA_INIT */
	uint8_t npeer_hashes;
	bool peer_7427, peer_certreq;
	uint16_t peer_hashes[6];
	/* RFC 7383: both ends announced fragmentation; the fragments of a request [0] and of
	 * a response [1] being reassembled (frag.c) */
	bool frag_on;
	struct ikev2_frag_set *frags[2];

	/* requests we send (window 1) and receive (msgid_in: the next one we expect) */
	uint32_t msgid_out, msgid_in;
	enum ike_req_kind req;
	struct ike_sa *new_ike;	      /* IKE_REKEY: the SA being made */
	struct crypto_chunk child_ni; /* CREATE_CHILD_SA we started: our nonce */
	struct crypto_dh *child_dh;   /* and our PFS key */
	uint32_t spare_spi;	      /* an inbound SPI the kernel gave for a held request */
	bool spi_failed;	      /* the kernel gave none */
	bool held;		      /* a request waits for that SPI */
	struct net_pkt held_pkt;
	struct wbuf held_data;

	struct ikev2_eap *eap;	     /* (client) EAP in IKE_AUTH (eap.c), until established */
	struct ikev2_eap_gw *eap_gw; /* (gateway) the same for eap-radius (eap_gw.c) */
};

#endif
