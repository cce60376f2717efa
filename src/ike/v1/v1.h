/* The IKEv1 engine's shared state and helpers (RFC 2408, 2409): an ISAKMP SA is a struct
 * ike_sa of the core with a struct ikev1_state beside it; its phase 1 (main, aggressive
 * mode: p1.c), its quick modes (qm.c), informational exchanges (info.c), and message
 * protection and I/O (v1.c). Only src/ike/v1/ includes this. */
#ifndef IPSECD_IKEV1_V1_H
#define IPSECD_IKEV1_V1_H

#include "../ike_internal.h"
#include "ipsecd/crypto_v1.h"
#include "ipsecd/wire_v1.h"
#include "keymat.h"
#include "prop1.h"

#define IKEV1_NONCE_LEN 32
#define IKEV1_RTX_BASE	2.0
#define IKEV1_QM_MAX	8 /* quick modes in progress at once per ISAKMP SA */
/* Fragmentation (frag.c): fragments of one message, messages reassembled at once and the
 * bytes they hold engine-wide, and how long an incomplete one is kept (as for IKEv2). */
#define IKEV1_FRAG_MAX	     64
#define IKEV1_FRAG_SETS	     16
#define IKEV1_FRAG_MAX_BYTES (256 * 1024)
#define IKEV1_FRAG_TIMEOUT   20.0

enum ikev1_p1_state {
	IKEV1_MM_I1, /* initiator: SA sent */
	IKEV1_MM_R1, /* responder: SA answered */
	IKEV1_MM_I2, /* initiator: KE, Ni sent */
	IKEV1_MM_R2, /* responder: KE, Nr answered */
	IKEV1_MM_I3, /* initiator: ID, HASH_I sent */
	IKEV1_AM_I1, /* aggressive initiator: SA, KE, Ni, ID sent */
	IKEV1_AM_R1, /* aggressive responder: answered, waiting for HASH_I */
	IKEV1_BM_I1, /* base initiator: SA, Ni, IDii sent */
	IKEV1_BM_R1, /* base responder: SA, Nr, IDir answered, waiting for KE, HASH_I */
	IKEV1_BM_I2, /* base initiator: KE, HASH_I sent */
	IKEV1_P1_DONE,
};

/* A quick mode in progress (RFC 2409 5.5). */
struct ikev1_qm {
	struct ikev1_qm *next;
	uint32_t mid;
	bool initiator;
	bool answered; /* responder: QM2 sent, waiting for HASH(3) */
	struct ike_child *child;
	struct ike_child *rekeys; /* the child this one replaces, or NULL */
	struct crypto_chunk ni, nr;
	struct crypto_dh *dh;		/* PFS */
	struct crypto_chunk gqm;	/* PFS: the shared secret, until the keys are made */
	struct wbuf last;		/* our last message, for retransmission */
	uint16_t pfs;			/* the group asked for, 0: none */
	uint32_t life;			/* seconds agreed */
	struct ikev2_ts_set ts_l, ts_r; /* the IDs (our side, theirs) as selectors */
	bool spi_failed;		/* the kernel gave no SPI */
	bool done;			/* finished: kept QM_KEEP s to answer repeats */
	double done_at;
	struct wbuf held; /* responder: the request's payloads, until the kernel gives an SPI */
};

struct ikev1_state {
	enum ikev1_p1_state p1;
	uint8_t exch;	      /* IKEV1_EXCH_IDPROT, _AGGRESSIVE or _BASE */
	uint16_t auth_method; /* as negotiated (IKEV1_AUTH_PSK, ...) */
	uint16_t hash;	      /* the negotiated Hash Algorithm (IKEv1 value) */
	uint32_t life;	      /* phase 1 lifetime, seconds */
	struct ikev1_keys keys;
	struct crypto_v1_cbc *cbc;
	struct ikev1_ivs ivs;
	struct crypto_chunk sai_b;	  /* the initiator's SA payload body */
	struct crypto_chunk gxi, gxr;	  /* KE payload bodies */
	struct crypto_chunk idi_b, idr_b; /* ID payload bodies, phase 1 */
	struct crypto_chunk psk;	  /* the pre-shared key, until SKEYID is made */
	bool nat_vid;			  /* the peer speaks RFC 3947 (or a draft) */
	bool nat_draft;			  /* ... only a draft: draft payload types and modes */
	bool dpd_vid;			  /* the peer does RFC 3706 DPD */
	bool frag_vid;			  /* the peer takes fragments (frag.c) */
	uint16_t frag_id;		  /* the fragment ID of our last message in fragments */
	uint32_t dpd_seq;		  /* our last R-U-THERE sequence number */
	bool dpd_out;			  /* an R-U-THERE of ours is unanswered */
	uint8_t last_rx[20];		  /* digest of the last message handled (duplicates) */
	bool have_last_rx;
	uint8_t p1_rx[20]; /* digest of the last phase 1 message taken (its repeats) */
	bool have_p1_rx;
	struct ikev1_qm *qms;
	unsigned nqms;
	/* the transaction exchange (cfg.c): XAuth to pass, mode-config to get, the message
	 * of ours that waits for an answer */
	bool xauth_pending, xauth_ok, cfg_pending, cfg_waiting;
	bool xauth_status_sent; /* gateway: its STATUS (SET) went out, only an ACK is due */
	uint32_t cfg_mid;
	struct wbuf cfg_last;
	struct loop_timer *push;       /* (gateway) mode-config SET unless the client asks */
	struct loop_timer *retire;     /* the replaced ISAKMP SA's end (replace.c) */
	bool pushing;		       /* (gateway) our SET waits for its ACK */
	char *xauth_user;	       /* (gateway) who passed XAuth, or is being checked */
	uint16_t xauth_ident;	       /* the Identifier of the client's XAuth REPLY */
	struct radius_handle *xauth_h; /* (gateway) the user is with RADIUS (xauth.c) */
	/* Phase 1 "rekey" (RFC 2409 has none): a new ISAKMP SA replaces an old one; the new
	 * one's replaces is the old one's serial until the old one is retired */
	uint32_t replaces;
	/* (responder) the identity chosen by the peer's ID (p1_id.c), by item id */
	uint32_t ident;
	bool ident_chosen;
};

/* v1.c: the engine's entry points and message I/O */
extern const struct ike_version_ops ikev1_ops;
void ikev1_recv(struct ike *eng, const struct net_pkt *p);
int ikev1_initiate(struct ike *eng, const struct conf_item *peer, const struct conf_item *policy,
		   const struct kern_sel *acquired);
/* A header of sa for an exchange. */
void ikev1_hdr_for(const struct ike_sa *sa, uint8_t exch, uint32_t mid, bool encrypted,
		   struct ikev1_hdr *h);
/* Encrypts the chain in plain (first payload `first`) into a whole message in out with
 * header h, and moves the exchange's IV on. 0 or -errno. */
int ikev1_seal(struct ike_sa *sa, const struct ikev1_hdr *h, uint8_t first,
	       const struct wbuf *plain, struct wbuf *out);
/* Sends out to the peer (and keeps no copy). */
void ikev1_send(struct ike_sa *sa, const struct wbuf *out);
/* Sends out and keeps it as the message to retransmit until the exchange moves on
 * (phase 1's in sa->req_pkt; a quick mode's in its qm->last); arms the timer. */
void ikev1_send_p1(struct ike_sa *sa, struct wbuf *out, bool expect_reply);
void ikev1_send_qm(struct ike_sa *sa, struct ikev1_qm *qm, struct wbuf *out, bool expect_reply);
/* The retransmission timer: (re)started; stopped when nothing waits for an answer. */
void ikev1_arm(struct ike_sa *sa);
void ikev1_disarm(struct ike_sa *sa);
/* HASH(1)-style message of an exchange after phase 1: HDR*, HASH(1), then what build
 * puts in; a copy of what was sent into keep (when not NULL). 0 or -errno. */
int ikev1_send_hashed(struct ike_sa *sa, uint8_t exch, uint32_t mid,
		      void (*build)(struct ikev1_enc *e, void *arg), void *arg, struct wbuf *keep);
/* A fresh message ID for an exchange of ours (not 0, not one in use). */
uint32_t ikev1_new_mid(struct ike_sa *sa);
/* The profile of sa's peer. */
const struct conf_item *ikev1_profile(const struct ike_sa *sa);
/* Whether the crypto module / kernel can do an IKEv2-numbered transform. */
bool ikev1_p1_supported(uint8_t type, uint16_t id, uint16_t keylen);
bool ikev1_p2_supported(uint8_t type, uint16_t id, uint16_t keylen);
void ikev1_state_free(struct ike_sa *sa);

/* p1.c: phase 1 */
int ikev1_p1_start(struct ike_sa *sa);
/* A phase 1 message for sa (NULL: a new responder SA is made for it). */
void ikev1_p1_recv(struct ike *eng, struct ike_sa *sa, const struct net_pkt *p,
		   const struct ikev1_msg *m);
/* An informational in the clear for sa during phase 1: an error notify ends it. */
void ikev1_p1_notified(struct ike_sa *sa, const struct ikev1_msg *m);

/* p1_sig.c: phase 1 by signatures (digital-signature, rsa-key) */
/* Whether the identity signs (auth-method=digital-signature or rsa-key). */
bool ikev1_sig_used(const struct conf_item *id);
/* Whether a negotiated authentication method is a signature's (3, 9, 10, 11, hybrid
 * 64221): SKEYID of RFC 2409 5.1's signature form. */
bool ikev1_auth_is_sig(uint16_t method);
/* Whether the initiator (or the responder) proves itself by SIG under method: with a
 * signature method both do; under hybrid only the responder, the initiator by HASH_I. */
bool ikev1_sig_signs(uint16_t method, bool initiator);
/* The authentication method our key gives (3 RSA, 9/10/11 ECDSA); 0 with the reason
 * logged when the certificate or key is missing or cannot sign. */
uint16_t ikev1_sig_method(struct ike_sa *sa, const struct conf_item *id);
/* my-id=auto with a certificate: its first subjectAltName, else its subject (as IKEv2);
 * 0, or -ENOENT when ike_my_id decides. */
int ikev1_sig_my_id(struct ike_sa *sa, const struct conf_item *id, uint8_t *type, uint8_t *buf,
		    size_t *len);
/* CERTREQ payloads naming the CAs we trust, when the SA's identity uses certificates. */
void ikev1_sig_put_certreq(struct ike_sa *sa, struct ikev1_enc *e);
/* Whether the identity's certificate or key signs with method (quietly: for weighing
 * identities, p1_id.c). */
bool ikev1_sig_fits(struct ike_sa *sa, const struct conf_item *id, uint16_t method);
/* Our CERT payloads (with a certificate) and SIG over hash (HASH_I or HASH_R). 0 or
 * -errno, logged. */
int ikev1_sig_put(struct ike_sa *sa, const struct conf_item *id, const uint8_t *hash, size_t hlen,
		  struct ikev1_enc *e);
/* The peer's ID payload body id_b, certificate (CERT payloads of m or remote-certificate)
 * and SIG of m over hash; sa->remote_id (and remote_cert) on success. 0 or -EPERM
 * (logged), -EBADMSG. */
int ikev1_sig_check(struct ike_sa *sa, const struct conf_item *id, const struct ikev1_msg *m,
		    const struct crypto_chunk *id_b, const uint8_t *hash, size_t hlen);

/* p1_id.c: IDs and identities of phase 1 */
/* The SA's identity: a responder's chosen one, else the peer's first; NULL if none. */
const struct conf_item *ikev1_identity(const struct ike_sa *sa);
/* The same, with the reason given to ike_sa_fail when there is none. */
const struct conf_item *ikev1_p1_identity(struct ike_sa *sa);
/* Responder: the identity for the ID of m (and its certificate, unless cert_later: it
 * comes in a later message) among those that do the negotiated method (before the
 * proposal is chosen: one the initiator proposes in m); it is the SA's identity from
 * then on. 0 or -EPERM (logged). */
int ikev1_p1_choose(struct ike_sa *sa, const struct ikev1_msg *m, bool cert_later);
/* Our ID payload body from the identity (my-id, or the certificate's), for the HASH. */
int ikev1_p1_my_id(struct ike_sa *sa, const struct conf_item *id, struct crypto_chunk *body);
void ikev1_p1_put_id(struct ikev1_enc *e, const struct crypto_chunk *body);
/* The peer's ID against the identity's remote-id; sa->remote_id on success. */
int ikev1_p1_check_id(struct ike_sa *sa, const struct conf_item *id, const struct ikev1_id *pid);
/* Whether we send INITIAL-CONTACT (send-initial-contact, and not when replacing). */
bool ikev1_p1_wants_ic(const struct ike_sa *sa);
/* INITIAL-CONTACT from the peer of sa: its older ISAKMP SAs with the same ID go; _rx
 * looks for it among m's notifies. */
void ikev1_p1_initial_contact(struct ike_sa *sa);
void ikev1_p1_initial_contact_rx(struct ike_sa *sa, const struct ikev1_msg *m);

/* p1_nat.c: vendor IDs, NAT discovery and the move to port 4500 */
/* A cookie as the eight bytes of the ISAKMP header. */
void ikev1_cookie_bytes(uint64_t c, uint8_t out[8]);
/* Our vendor IDs (NAT-T unless the profile has nat-traversal=no, DPD, fragmentation). */
void ikev1_p1_put_vids(struct ike_sa *sa, struct ikev1_enc *e);
/* The peer's: which NAT-T (RFC or draft), DPD, fragmentation it speaks. */
void ikev1_p1_read_vids(struct ike_sa *sa, const struct ikev1_msg *m);
/* Our NAT-D payloads (the destination's hash first), when the peer speaks NAT-T. */
void ikev1_p1_put_natd(struct ike_sa *sa, struct ikev1_enc *e);
/* The peer's NAT-D: sa->nat_here, sa->nat_there. */
void ikev1_p1_read_natd(struct ike_sa *sa, const struct ikev1_msg *m);
/* Initiator: to port 4500 when a NAT was found; responder: after a peer that did. */
void ikev1_p1_float(struct ike_sa *sa);
void ikev1_p1_follow_float(struct ike_sa *sa, const struct net_pkt *p);

/* The pieces of p1.c that base.c shares (what they do is said in p1.c). */
int ikev1_p1_offer(struct ike_sa *sa, const struct conf_item *id, struct ikev1_sa_buf *out);
int ikev1_p1_take_choice(struct ike_sa *sa, const struct ike_chosen *ch, uint32_t life);
int ikev1_p1_keep(struct crypto_chunk *c, const void *p, size_t len);
int ikev1_p1_new_nonce(struct crypto_chunk *n);
/* A message in the clear; 0, or -EIO when build failed and nothing went. */
int ikev1_p1_send_plain(struct ike_sa *sa, uint8_t exch, bool expect_reply,
			void (*build)(struct ike_sa *sa, struct ikev1_enc *e, void *arg),
			void *arg);
void ikev1_p1_bytes(const struct ike_sa *sa, struct ikev1_p1 *p);
/* SKEYID (from the pre-shared key, then wiped), its children, the cipher, the IVs. */
int ikev1_p1_make_keys(struct ike_sa *sa, const uint8_t *peer_pub, size_t peer_len);
/* Main mode's HASH_I (initiator) or HASH_R over the ID body id_b. */
int ikev1_p1_hash(struct ike_sa *sa, bool initiator, const struct crypto_chunk *id_b, uint8_t *out);
void ikev1_p1_established(struct ike_sa *sa);
/* Our proof over our hash h: HASH, or [CERT,] SIG. 0 or -errno. */
int ikev1_p1_put_proof(struct ike_sa *sa, struct ikev1_enc *e, const uint8_t *h);
/* The peer's proof in m over our computation h of it (what: "HASH_I", "HASH_R"): 0 (a
 * SIG, its ID id_b checked too), 1 (a HASH: the ID is the caller's to check), or -EPERM
 * (logged), -EBADMSG. */
int ikev1_p1_check_proof(struct ike_sa *sa, const struct conf_item *id, const struct ikev1_msg *m,
			 const struct crypto_chunk *id_b, const uint8_t *h, const char *what);

/* base.c: base mode (RFC 2408 4.8), pre-shared keys or signatures */
/* The initiator's first message, with the offer p1.c made. 0 or -errno. */
int ikev1_base_start(struct ike_sa *sa, const struct ikev1_sa *offer);
/* The responder's answer to m, a new SA's first message, reply its chosen transform. */
void ikev1_base_respond(struct ike_sa *sa, const struct ikev1_msg *m, const struct ikev1_sa *reply);
/* The messages after the first (in the clear). */
void ikev1_base_recv(struct ike_sa *sa, const struct net_pkt *p, const struct ikev1_msg *m);

/* frag.c: IKEv1 fragmentation (Cisco's, as strongSwan and racoon speak it) */
extern const uint8_t ikev1_vid_frag[16];
/* Our vendor ID when the engine has fragmentation on. */
void ikev1_frag_put_vid(struct ike_sa *sa, struct ikev1_enc *e);
/* Whether vid is the peer's FRAGMENTATION (with or without capability flags) and the engine
 * has fragmentation on. */
bool ikev1_frag_vid(const struct ike *eng, const struct wire_bytes *vid);
/* Whether a message of msglen bytes to sa's peer goes in fragments. */
bool ikev1_frag_wanted(const struct ike_sa *sa, size_t msglen);
/* Sends the whole message out as fragments. 0, -EMSGSIZE (over IKEV1_FRAG_MAX) or -errno. */
int ikev1_frag_send(struct ike_sa *sa, const struct wbuf *out);
/* A datagram whose first payload is a fragment: kept. 0 with the whole message in *whole
 * (*len bytes, the caller's to free), 1 when it is not whole yet, or -errno (dropped:
 * malformed, over a limit, fragmentation off). */
int ikev1_frag_recv(struct ike *eng, const struct net_pkt *p, const struct ikev1_msg *m,
		    uint8_t **whole, size_t *len);
/* The bytes fragments hold now (tests). */
size_t ikev1_frag_held(const struct ike *eng);
void ikev1_frag_engine_free(struct ike *eng);

/* replace.c: a new ISAKMP SA in place of an old one */
/* Starts a new ISAKMP SA to replace old (at 90% of its lifetime): without INITIAL-CONTACT,
 * which would make the peer drop the old one's IPsec SAs at once (strongSwan does). 0 or
 * -errno. */
int ikev1_p1_replace(struct ike_sa *old);
/* sa, just established, replaces another: it rekeys the old one's IPsec SAs by quick
 * modes of its own (ikev1_p1_retire deletes the old one once none is left). */
void ikev1_p1_take_over(struct ike_sa *sa);
/* Deletes the ISAKMP SA that sa replaces, with the peer too, once no IPsec SA of the old
 * one is left; nothing before. */
void ikev1_p1_retire(struct ike_sa *sa);
/* The same RETIRE_GRACE after a quick mode of sa replaced a pair of the old one, the old
 * pairs sa's quick modes replaced deleted first (replace.c says why it waits). */
void ikev1_p1_retire_soon(struct ike_sa *sa);

/* qm.c: quick mode */
void ikev1_qm_start(struct ike_sa *sa, const struct conf_item *pol, struct ike_child *rekeys);
/* A decrypted quick mode message: 0, -EPERM (its HASH is wrong), or another -errno. */
int ikev1_qm_recv(struct ike_sa *sa, const struct ikev1_msg *m);
void ikev1_qm_free(struct ikev1_qm *qm, bool delete_kernel);
void ikev1_child_install_failed(struct ike_sa *sa, struct ike_child *c, int err, const char *msg);
/* An error notify of the peer's (RFC 2408 3.14.1) about a quick mode we started: the one
 * whose SPI it names (strongSwan names the initiator's), or, when it names none, the only
 * one of ours waiting, fails with the peer's reason and our offer in the log; any other is
 * only logged. */
void ikev1_qm_refused(struct ike_sa *sa, const struct ikev1_notify *n);

/* cfg.c: the transaction exchange: XAuth and mode-config */
void ikev1_cfg_start(struct ike_sa *sa);
/* 0, -EPERM (wrong HASH), or 1: the ISAKMP SA is gone (XAuth failed). */
int ikev1_cfg_recv(struct ike_sa *sa, const struct ikev1_msg *m);
bool ikev1_cfg_busy(const struct ike_sa *sa);
/* (gateway) no mode-config push for this SA any more: the client asked, or went on. */
void ikev1_cfg_no_push(struct ike_sa *sa);
/* The XAuth server's verdict on the user (SET XAUTH_STATUS, then the client's ACK). */
void ikev1_xauth_verdict(struct ike_sa *sa, bool ok);

/* xauth.c: the XAuth server's check of a user name and password, now (/ip ipsec user) or
 * later (RADIUS); either way it ends in ikev1_xauth_verdict, unless the SA goes first. */
void ikev1_xauth_check(struct ike_sa *sa, const struct wire_bytes *name,
		       const struct wire_bytes *password);
/* The SA goes: a RADIUS request of its is forgotten. */
void ikev1_xauth_cancel(struct ike_sa *sa);
/* The /ip ipsec user item of the user who passed XAuth here, NULL when RADIUS checked it
 * (or nobody passed). */
const struct conf_item *ikev1_xauth_local_user(const struct ike_sa *sa);

/* info.c: informational exchanges (notify, delete, DPD) */
/* 0, -EPERM (wrong HASH), or 1: the peer deleted the ISAKMP SA, which is gone. */
int ikev1_info_recv(struct ike_sa *sa, const struct ikev1_msg *m);
void ikev1_send_delete_isakmp(struct ike_sa *sa);
/* sa, just established, takes the IPsec SAs of ISAKMP SAs with the same peer that the
 * peer deleted before it was there (held for it; see info.c). */
void ikev1_take_held(struct ike_sa *sa);
void ikev1_delete_child(struct ike_sa *sa, struct ike_child *c);
/* Sends an R-U-THERE (RFC 3706) and waits for its ACK (retransmission sends another). */
void ikev1_dpd_start(struct ike_sa *sa);
/* An encrypted informational notify (HASH(1), N) about a quick mode we refuse. */
void ikev1_notify_protected(struct ike_sa *sa, uint16_t type);
/* An unencrypted notify about a message we cannot take (phase 1 errors). */
void ikev1_notify_plain(struct ike *eng, const struct net_pkt *p, const struct ikev1_hdr *h,
			uint16_t type);

/* Vendor IDs (RFC 3947, RFC 3706, XAuth, Cisco Unity, fragmentation). */
extern const uint8_t ikev1_vid_natt_rfc[16], ikev1_vid_natt_02[16], ikev1_vid_natt_03[16];
extern const uint8_t ikev1_vid_dpd[16];

#endif
