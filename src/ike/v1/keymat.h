/* keymat: IKEv1 keying material and the values that authenticate its messages (RFC 2409
 * 5, 5.5, 5.6, appendix B): SKEYID and its three children, the ISAKMP SA's cipher key,
 * HASH_I/HASH_R (and base mode's), the CBC IVs and their chaining per exchange, the
 * phase 2 HASH payloads and the IPsec SAs' KEYMAT. The PRF is the HMAC of the negotiated
 * hash (crypto_v1_prf_id); algorithms are named by their IKEv1 values (crypto_v1.h). Byte
 * strings are borrowed as struct crypto_iov; what is derived is owned and wiped. */
#ifndef IPSECD_IKEV1_KEYMAT_H
#define IPSECD_IKEV1_KEYMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipsecd/crypto.h"
#include "ipsecd/crypto_v1.h"

#define IKEV1_MAX_NONCE 256 /* RFC 2409 5: nonces are 8 to 256 octets */

/* What one phase 1 exchanged, as it went over the wire (borrowed). */
struct ikev1_p1 {
	uint16_t hash;		    /* Hash Algorithm attribute: the PRF is its HMAC */
	struct crypto_iov gxi, gxr; /* KE payload bodies: g^xi, g^xr */
	struct crypto_iov ni, nr;   /* Nonce payload bodies: Ni_b, Nr_b */
	uint8_t cky_i[8], cky_r[8]; /* the ISAKMP header's cookies */
	struct crypto_iov sai_b;    /* the initiator's SA payload body, after the generic header */
};

struct ikev1_keys { /* all owned; ikev1_keys_clear wipes and frees them */
	uint16_t hash;
	struct crypto_chunk skeyid, skeyid_d, skeyid_a, skeyid_e;
	struct crypto_chunk enc_key; /* the ISAKMP SA's cipher key, from SKEYID_e */
};
/* Wipes and frees the keys (hash is kept). Accepts NULL. */
void ikev1_keys_clear(struct ikev1_keys *k);

/* RFC 2409 5, SKEYID by authentication method, into *out (set, not freed first; the
 * caller's to crypto_chunk_clear). All are 0, -EINVAL (unknown hash, a nonce over
 * IKEV1_MAX_NONCE), -ENOMEM or -EIO; *out is empty on failure.
 * Signatures (also hybrid, draft-ietf-ipsec-isakmp-hybrid-auth, and base mode):
 * prf(Ni_b | Nr_b, g^xy). */
int ikev1_skeyid_sig(const struct ikev1_p1 *p, const uint8_t *gxy, size_t gxylen,
		     struct crypto_chunk *out);
/* Pre-shared key (also XAuth over PSK and base mode): prf(pre-shared-key, Ni_b | Nr_b). */
int ikev1_skeyid_psk(const struct ikev1_p1 *p, const uint8_t *psk, size_t psklen,
		     struct crypto_chunk *out);
/* Public key encryption (both forms): prf(hash(Ni_b | Nr_b), CKY-I | CKY-R). */
int ikev1_skeyid_pke(const struct ikev1_p1 *p, struct crypto_chunk *out);

/* RFC 2409 5 and appendix B, from SKEYID (copied into out->skeyid):
 *   SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0)
 *   SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1)
 *   SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2)
 * (the digits one octet each) and the cipher key of enc_key_len bytes
 * (crypto_v1_encr_key_len; 0 allowed) by ikev1_expand_enc_key. out must be zeroed or hold
 * keys; on success they are cleared and replaced, on failure out is untouched. 0, -EINVAL,
 * -ENOMEM or -EIO. */
int ikev1_derive_keys(const struct ikev1_p1 *p, const struct crypto_chunk *skeyid,
		      const uint8_t *gxy, size_t gxylen, size_t enc_key_len,
		      struct ikev1_keys *out);
/* Appendix B: SKEYID_e itself truncated when it is long enough, else Ka = K1 | K2 | ...
 * truncated, K1 = prf(SKEYID_e, 0) (one zero octet), Kn = prf(SKEYID_e, Kn-1). outlen bytes
 * into out. 0, -EINVAL or -EIO (out wiped then). */
int ikev1_expand_enc_key(uint16_t hash, const uint8_t *skeyid_e, size_t len, uint8_t *out,
			 size_t outlen);

/* RFC 2409 5, main and aggressive mode, the PRF's output length into out
 * (crypto_v1_hash_len):
 *   HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b)
 *   HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b)
 * id_b: the ID payload body (after the generic header) of the side whose hash it is. Base
 * mode's HASH_R with a pre-shared key is this HASH_R too. 0, -EINVAL or -EIO. */
int ikev1_hash_i(const struct ikev1_p1 *p, const struct crypto_chunk *skeyid,
		 const struct crypto_iov *idii_b, uint8_t *out);
int ikev1_hash_r(const struct ikev1_p1 *p, const struct crypto_chunk *skeyid,
		 const struct crypto_iov *idir_b, uint8_t *out);
/* Base mode (draft-ietf-ipsec-ike-base-mode as racoon computes it): the initiator sends its
 * hash with KE before it has g^xr, so g^xr is left out, and with signatures, before SKEYID
 * exists, the key is a hash of the nonces:
 *   HASH_I = prf(K, g^xi | CKY-I | CKY-R | SAi_b | IDii_b),
 *     K = SKEYID (skeyid given: pre-shared key, public key encryption) or
 *     K = hash(Nr_b | Ni_b) (skeyid NULL: signatures; this nonce order is racoon's)
 *   HASH_R (signatures) = prf(hash(Ni_b | Nr_b), g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b)
 * 0, -EINVAL or -EIO. */
int ikev1_hash_base_i(const struct ikev1_p1 *p, const struct crypto_chunk *skeyid,
		      const struct crypto_iov *idii_b, uint8_t *out);
int ikev1_hash_base_r_sig(const struct ikev1_p1 *p, const struct crypto_iov *idii_b, uint8_t *out);

/* Phase 2, informational and transaction exchanges (RFC 2409 5.5, 5.6; mode-config), the
 * PRF's output into out. M-ID in network byte order.
 *   prf(SKEYID_a, M-ID | [Ni_b |] rest)
 * rest: the message's payloads after the HASH payload, generic headers included (quick
 * mode: SA | Ni [| KE] [| IDci | IDcr]; informational: the N or D payload; transaction:
 * the attribute payload). ni NULL: HASH(1), an informational or a transaction HASH; ni
 * given (the initiator's Ni_b): quick mode's HASH(2). 0, -EINVAL or -EIO. */
int ikev1_hash_mid(uint16_t hash, const struct crypto_chunk *skeyid_a, uint32_t mid,
		   const struct crypto_iov *ni, const uint8_t *rest, size_t restlen, uint8_t *out);
/* Quick mode HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b), the 0 one octet. */
int ikev1_hash_qm3(uint16_t hash, const struct crypto_chunk *skeyid_a, uint32_t mid,
		   const struct crypto_iov *ni, const struct crypto_iov *nr, uint8_t *out);
/* RFC 2409 5.5: KEYMAT = K1 | K2 | ... truncated to len bytes (the caller's out),
 *   K1 = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b),
 *   Kn = prf(SKEYID_d, Kn-1 | [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b);
 * once per direction, with the SPI the receiving side chose (spilen bytes as in its
 * proposal). gqm NULL: no PFS. 0, -EINVAL or -EIO (out wiped then). */
int ikev1_keymat(uint16_t hash, const struct crypto_chunk *skeyid_d, const uint8_t *gqm,
		 size_t gqmlen, uint8_t protocol, const uint8_t *spi, size_t spilen,
		 const struct crypto_iov *ni, const struct crypto_iov *nr, uint8_t *out,
		 size_t len);

/* Appendix B, the first IV of phase 1: hash(g^xi | g^xr) truncated to the cipher's block
 * (block bytes into iv). 0, -EINVAL (unknown hash, block longer than its output) or -EIO. */
int ikev1_iv_phase1(const struct ikev1_p1 *p, size_t block, uint8_t *iv);
/* Appendix B, the first IV of an exchange after phase 1: hash(last phase 1 CBC output
 * block | M-ID) truncated; p1_last and iv block bytes (they may be the same buffer). */
int ikev1_iv_mid(uint16_t hash, const uint8_t *p1_last, size_t block, uint32_t mid, uint8_t *iv);

/* One ISAKMP SA's IV chains: phase 1's (M-ID 0) and those of the exchanges in progress,
 * each continuing from the last ciphertext block of the exchange's previous message
 * (appendix B). A fixed number of exchanges is kept; when they are all in use, the one
 * updated longest ago is dropped (its next message will fail its HASH). */
#define IKEV1_IV_SLOTS 8
struct ikev1_ivs {
	uint16_t hash;
	uint8_t block;
	uint8_t p1[CRYPTO_V1_MAX_BLOCK]; /* phase 1's chain; after phase 1, its last block */
	uint64_t tick;			 /* orders the slots' updates */
	struct {
		uint32_t mid; /* 0: free */
		uint64_t used;
		uint8_t iv[CRYPTO_V1_MAX_BLOCK];
	} slot[IKEV1_IV_SLOTS];
};
/* Starts phase 1's chain at ikev1_iv_phase1. 0 or -EINVAL / -EIO (block over
 * CRYPTO_V1_MAX_BLOCK, unknown hash). */
int ikev1_ivs_init(struct ikev1_ivs *s, const struct ikev1_p1 *p, size_t block);
/* The IV for the next message of exchange mid (0: phase 1) into iv (s->block bytes): the
 * one kept for it, or for an M-ID not seen yet, ikev1_iv_mid from phase 1's last block.
 * 0, -EINVAL or -EIO. */
int ikev1_ivs_get(struct ikev1_ivs *s, uint32_t mid, uint8_t *iv);
/* After a message of exchange mid was sent, or received and its HASH checked: next_iv is
 * its last ciphertext block (crypto_v1_cbc_encrypt/decrypt's next_iv). */
void ikev1_ivs_set(struct ikev1_ivs *s, uint32_t mid, const uint8_t *next_iv);
/* The exchange mid is over (not phase 1's: that chain stays). */
void ikev1_ivs_forget(struct ikev1_ivs *s, uint32_t mid);
void ikev1_ivs_clear(struct ikev1_ivs *s); /* wipes all; accepts NULL */

#endif
