/* The IKEv2 exchanges' shared helpers: message protection and I/O (msg.c), and the entry
 * points of each exchange's file. Only src/ike/ includes this. */
#ifndef IPSECD_IKEV2_V2_H
#define IPSECD_IKEV2_V2_H

#include "../ike_internal.h"
#include "state.h"

struct pki_entry;
struct ikev2_authn;

/* RFC 7296 2.1: retransmission with back-off; after the last one the peer is dead. */
#define IKEV2_RTX_BASE	2.0
#define IKEV2_RTX_MAX	5    /* retransmissions before giving up: dpd-maximum-failures */
#define IKEV2_RTX_CAP	64.0 /* the longest wait after one of them, in seconds */
#define IKEV2_NONCE_LEN 32

/* msg.c */
/* A header for sa's next message. */
void ikev2_hdr_for(const struct ike_sa *sa, uint8_t exch, bool response, uint32_t msgid,
		   struct ikev2_hdr *h);
/* Encrypts the inner payloads in `inner` (an inner chain over a wbuf) into a complete
 * message in out. 0 or -errno. */
int ikev2_protect(struct ike_sa *sa, uint8_t exch, bool response, uint32_t msgid,
		  struct ikev2_enc *inner, struct wbuf *out);
/* Sends a new request (out is taken over) and arms retransmission. */
void ikev2_send_request(struct ike_sa *sa, enum ike_req_kind kind, struct wbuf *out);
/* Sends a response (out is taken over and cached for duplicate requests). */
void ikev2_send_response(struct ike_sa *sa, struct wbuf *out);
/* Sends raw bytes to the SA's peer (no caching, no retransmission). */
void ikev2_send_raw(struct ike_sa *sa, const struct wbuf *out);
/* A protected response carrying one notify (errors, RFC 7296 2.21.2). */
void ikev2_respond_notify(struct ike_sa *sa, uint8_t exch, uint32_t msgid, uint16_t type,
			  const uint8_t *data, size_t len);
/* The request is done (reply handled): stop retransmitting, run what waits. */
void ikev2_request_done(struct ike_sa *sa);
/* First notify of that type, or NULL. */
const struct ikev2_notify *ikev2_notify_find(const struct ikev2_msg *m, uint16_t type);
/* The first error notify (type < 16384), or NULL. */
const struct ikev2_notify *ikev2_error_notify(const struct ikev2_msg *m);

/* frag.c: IKEv2 fragmentation (RFC 7383) */
#define IKEV2_FRAG_TIMEOUT   20.0	 /* seconds an incomplete message is kept */
#define IKEV2_FRAG_MAX_BYTES (64 * 1024) /* fragments kept per IKE SA, both directions */
/* N(IKEV2_FRAGMENTATION_SUPPORTED) in IKE_SA_INIT (a responder's only after the peer's);
 * reading the peer's turns fragmentation on for the SA when the engine has it on. */
void ikev2_frag_put_init(struct ike_sa *sa, struct ikev2_enc *e);
void ikev2_frag_read_init(struct ike_sa *sa, const struct ikev2_msg *m);
/* Whether a protected message of msglen bytes goes as fragments. */
bool ikev2_frag_wanted(const struct ike_sa *sa, size_t msglen);
/* Seals inner payloads (len bytes, the first of type first) as SKF messages with header h,
 * appended to out back to back. 0, -EMSGSIZE (more than IKEV2_MAX_FRAGMENTS) or -errno. */
int ikev2_frag_seal(struct ike_sa *sa, const struct ikev2_hdr *h, uint8_t first,
		    const uint8_t *plain, size_t len, struct wbuf *out);
/* Checks, opens and keeps one SKF message (msgid_ok passed it; dup: a request answered
 * already). 0: the message is whole, its inner payloads in *plain (the caller frees it)
 * and m->sk_next set; for dup, fragment 1 (answer it again), *plain untouched. 1: nothing
 * to do yet. -errno: dropped (counted). */
int ikev2_frag_open(struct ike_sa *sa, const struct net_pkt *p, struct ikev2_msg *m, bool dup,
		    uint8_t **plain, size_t *plen);
/* The message of that direction was handled (answered, or its reply taken): what was kept
 * of it goes. */
void ikev2_frag_done(struct ike_sa *sa, bool response);
/* Bytes kept for reassembly now. */
size_t ikev2_frag_held(const struct ike_sa *sa);
/* Frees what is kept (the IKE SA goes). */
void ikev2_frag_free(struct ike_sa *sa);

/* sa_init.c */
int ikev2_sa_init_start(struct ike_sa *sa);
void ikev2_sa_init_request(struct ike *eng, const struct net_pkt *p, const struct ikev2_msg *m);
/* 2.5: answers a request of a higher major version (req as ikev2_decode left it). */
void ikev2_answer_major_version(struct ike *eng, const struct net_pkt *p,
				const struct ikev2_hdr *req);
void ikev2_sa_init_reply(struct ike_sa *sa, const struct ikev2_msg *m, const struct net_pkt *p);
/* Derives the IKE SA's keys and SK contexts from the DH result and nonces. */
/* A responder's key pair for group: the shared one of RFC 7296 2.12 (crypto_dh_reused),
 * kept no longer than its time by the engine's timer (sa_init.c). Freed with crypto_dh_free. */
int ikev2_sa_keys(struct ike_sa *sa, const uint8_t *peer_ke, size_t len,
		  const struct ikev2_keys *old);
/* NAT detection data: SHA-1(SPIi | SPIr | IP | port) (2.23). */
void ikev2_natd_hash(uint64_t spi_i, uint64_t spi_r, const struct net_addr *a, uint8_t out[20]);

/* auth.c */
void ikev2_auth_start(struct ike_sa *sa);
void ikev2_auth_request(struct ike_sa *sa, const struct ikev2_msg *m);
void ikev2_auth_reply(struct ike_sa *sa, const struct ikev2_msg *m);

/* Frees (wiping) an IKE SA's EAP state; NULL is fine. */
void ikev2_eap_free(struct ikev2_eap *x);
/* Frees a gateway's EAP state, cancelling its RADIUS request; none is fine. */
void ikev2_eap_gw_free(struct ike_sa *sa);
/* eap.c: the EAP client in IKE_AUTH (2.16), state in sa->v2->eap. begin: for an identity with
 * auth-method=eap, before the first IKE_AUTH request (idi: our ID payload body, which our
 * final AUTH covers); 0 or -errno (logged). reply: a response to an IKE_AUTH request while
 * sa->v2->eap is set: 0 when the next request is out, 1 when the gateway's MSK-based AUTH
 * checked (the caller completes IKE_AUTH with this message: CP, CHILD SA), or -errno with
 * the reason logged (the caller destroys the SA). */
int ikev2_eap_client_begin(struct ike_sa *sa, const struct conf_item *id, const uint8_t *idi,
			   size_t len);
int ikev2_eap_client_reply(struct ike_sa *sa, const struct ikev2_msg *m,
			   const struct conf_item *id);

/* eap_gw.c: the gateway's side (auth-method=eap-radius), state in sa->v2->eap_gw. start: the
 * first IKE_AUTH request (no AUTH) of a client whose identity is a (loaded, eap_gw): our
 * IDr, CERT and signature and the first EAP Request go back; 0 or -errno (logged; the
 * caller refuses). request: every later IKE_AUTH request of that SA. */
int ikev2_eap_gw_start(struct ike_sa *sa, const struct ikev2_msg *m, const struct ikev2_authn *a,
		       const struct conf_item *id);
void ikev2_eap_gw_request(struct ike_sa *sa, const struct ikev2_msg *m);
/* auth.c: the responder's last step: AUTH (signed, or with msk keyed by the EAP MSK), CP
 * and the CHILD SA m asked for, as the response to msgid; then established. */
void ikev2_auth_accept(struct ike_sa *sa, const struct ikev2_msg *m, uint32_t msgid,
		       const struct ikev2_authn *a, const struct conf_item *id,
		       const struct crypto_chunk *msk);

/* cp.c: mode-config in IKE_AUTH. respond: the gateway's CFG_REPLY to the request in m
 * (when id's mode-config serves one); 0, or INTERNAL_ADDRESS_FAILURE when no address
 * could be leased. asks: id's mode-config is a client's; put_request: our CFG_REQUEST;
 * take_reply: the gateway's CFG_REPLY (address, DNS, split networks; the address goes on
 * our interface), 0 or -ENOENT (no address given). remove_vip: off the interface again. */
int ikev2_cp_respond(struct ike_sa *sa, const struct conf_item *id, const struct ikev2_msg *m,
		     struct ikev2_enc *e);
bool ikev2_cp_asks(const struct ike_sa *sa, const struct conf_item *id);
void ikev2_cp_put_request(struct ike_sa *sa, struct ikev2_enc *e);
int ikev2_cp_take_reply(struct ike_sa *sa, const struct ikev2_msg *m);

/* child.c */
/* Our CHILD SA offer for a policy (pfs: with its pfs-group's DH). */
int ikev2_child_offer(struct ike_sa *sa, const struct conf_item *pol, bool pfs,
		      struct ikev2_sa *out);
/* Writes [N(USE_TRANSPORT_MODE),] SA, TSi, TSr for a new child (initiator) into inner. */
int ikev2_child_put_offer(struct ike_sa *sa, struct ike_child *c, struct ikev2_enc *inner,
			  bool pfs);
/* The responder's narrowed TSi, TSr of a child it made. */
void ikev2_child_put_ts(struct ike_child *c, struct ikev2_enc *inner);
void ikev2_child_attach(struct ike_sa *sa, struct ike_child *c);
uint8_t ikev2_policy_proto(const struct conf_item *pol);
uint8_t ikev2_proto_ipproto(uint8_t ikev2_proto);
/* Responder: picks policy, proposal and TS for the peer's request, installs, and writes
 * SA, [KE,] TSi, TSr into inner. Returns 0 or a notify type to answer with. */
int ikev2_child_respond(struct ike_sa *sa, const struct ikev2_msg *m, const uint8_t *ni,
			size_t nilen, const uint8_t *nr, size_t nrlen, struct crypto_dh *dh,
			const struct ike_child *old, struct ikev2_enc *inner,
			struct ike_child **out);
/* Initiator: the reply to our offer. Returns 0 or -errno (logged). */
int ikev2_child_complete(struct ike_sa *sa, struct ike_child *c, const struct ikev2_msg *m,
			 const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
			 struct crypto_dh *dh);
void ikev2_create_child_request(struct ike_sa *sa, const struct ikev2_msg *m);
void ikev2_create_child_reply(struct ike_sa *sa, const struct ikev2_msg *m);
void ikev2_child_start(struct ike_sa *sa);
/* What the core calls IKEv2 through (ikev2_ops, ikev2.c). */
void ikev2_recv(struct ike *eng, const struct net_pkt *p);
int ikev2_initiate(struct ike *eng, const struct conf_item *peer, const struct conf_item *policy,
		   const struct kern_sel *acquired);
void ikev2_run_tasks(struct ike_sa *sa);
void ikev2_send_delete_ike(struct ike_sa *sa);
void ikev2_child_rekey_start(struct ike_sa *sa);

/* ikev2.c */
/* A new child of sa for a policy (proto, mode, reqid), not yet in any table. */
struct ike_child *ikev2_child_new(struct ike_sa *sa, const struct conf_item *pol);
/* authn.c: how each end proves who it is */
/* EAP: auth-method=eap, our proof is EAP (eap.c); the gateway's is a certificate */
enum ikev2_authn_kind { IKEV2_AUTHN_PSK, IKEV2_AUTHN_CERT, IKEV2_AUTHN_RSA_KEY, IKEV2_AUTHN_EAP };
struct ikev2_authn { /* our credentials under one identity */
	const struct conf_item *id;
	enum ikev2_authn_kind kind;
	struct crypto_chunk psk;      /* PSK */
	struct crypto_prf *psk_prf;   /* PSK: keyed with prf(psk, "Key Pad for IKEv2") (2.15) */
	const struct pki_entry *cert; /* CERT: ours, with its key */
	struct evp_pkey_st *key;      /* CERT, RSA_KEY: our private key */
	bool eap_gw; /* CERT for auth-method=eap-radius: the client's proof is EAP */
};
/* SIGNATURE_HASH_ALGORITHMS, and CERTREQ in a response when the peer has a certificate
 * identity; reading the peer's. */
void ikev2_authn_put_init(struct ike_sa *sa, struct ikev2_enc *e, bool response);
void ikev2_authn_read_init(struct ike_sa *sa, const struct ikev2_msg *m);
void ikev2_authn_put_certreq(struct ike_sa *sa, struct ikev2_enc *e);
/* The identity's credentials; failing, the reason goes to ike_sa_fail. 0 or -errno. */
int ikev2_authn_load(struct ike_sa *sa, const struct conf_item *id, struct ikev2_authn *a);
void ikev2_authn_clear(struct ikev2_authn *a);
/* Our ID: my-id, or with my-id=auto and a certificate its first SAN, else its DN. */
void ikev2_authn_my_id(struct ike_sa *sa, const struct ikev2_authn *a, uint8_t *type, uint8_t *buf,
		       size_t *len);
/* CERT (and CERTREQ when asked) for a certificate identity; nothing otherwise. */
void ikev2_authn_put_cert(struct ike_sa *sa, const struct ikev2_authn *a, bool certreq,
			  struct ikev2_enc *e);
/* Our AUTH over our ID payload body. 0 or -errno (reason logged). */
int ikev2_authn_put_auth(struct ike_sa *sa, const struct ikev2_authn *a, const uint8_t *body,
			 size_t blen, struct ikev2_enc *e);
int ikev2_authn_psk(struct ike_sa *sa, const struct crypto_chunk *psk, bool ours,
		    const uint8_t *body, size_t blen, uint8_t *out, size_t *outlen);
/* The peer's ID, certificate and AUTH; records what it authenticated as. 0 or -EPERM. */
int ikev2_authn_check_peer(struct ike_sa *sa, const struct ikev2_authn *a,
			   const struct ikev2_msg *m, const struct ikev2_id *pid);
/* Responder: the identity of the SA's peer for the ID (and certificate) it sent. */
const struct conf_item *ikev2_authn_identity_for(struct ike_sa *sa, const struct ikev2_msg *m,
						 const struct ikev2_id *pid);

/* A CHILD SA's kernel SA was refused (ike_install_sa; its ops' child_install_failed). */
void ikev2_child_install_failed(struct ike_sa *sa, struct ike_child *c, int err, const char *msg);
/* Holds the request being handled until an inbound SPI is there, then handles it again. */
void ikev2_defer(struct ike_sa *sa, uint8_t ikev2_proto);
/* Whether the crypto module can do a transform (offers are filtered by it). */
bool ikev2_ike_supported(uint8_t type, uint16_t id, uint16_t keylen);

/* rekey.c */
void ikev2_ike_rekey_start(struct ike_sa *sa);
void ikev2_ike_rekey_request(struct ike_sa *sa, const struct ikev2_msg *m);
void ikev2_ike_rekey_reply(struct ike_sa *sa, const struct ikev2_msg *m);

/* info.c */
void ikev2_informational_request(struct ike_sa *sa, const struct ikev2_msg *m);
/* Tells the responder that its IKE_AUTH response was refused (AUTHENTICATION_FAILED). */
void ikev2_send_auth_failed(struct ike_sa *sa);
void ikev2_informational_reply(struct ike_sa *sa, const struct ikev2_msg *m);
void ikev2_dpd_start(struct ike_sa *sa);
void ikev2_delete_start(struct ike_sa *sa);
void ikev2_delete_child_start(struct ike_sa *sa, struct ike_child *c);
void ikev2_queue_delete_child(struct ike_sa *sa, struct ike_child *c);

#endif
