/* keymat: IKEv2 key derivation (RFC 7296 2.14, 2.17, 2.18) and the shared-key AUTH value
 * (2.15), on top of the crypto module's PRF. PRFs are named by IANA transform id. */
#ifndef IPSECD_IKEV2_KEYMAT_H
#define IPSECD_IKEV2_KEYMAT_H

#include <stddef.h>
#include <stdint.h>

#include "ipsecd/crypto.h"

struct ikev2_keys { /* all owned; ikev2_keys_clear wipes and frees them */
	uint16_t prf;
	struct crypto_chunk sk_d, sk_ai, sk_ar, sk_ei, sk_er, sk_pi, sk_pr;
};
/* Wipes and frees the seven keys (prf is kept). Accepts NULL. */
void ikev2_keys_clear(struct ikev2_keys *k);

/* 2.14: SKEYSEED = prf(Ni | Nr, g^ir); for a rekey (2.18: old_sk_d given) SKEYSEED =
 * prf(SK_d (old), g^ir (new) | Ni | Nr) with old_prf, the old IKE SA's PRF. Then the seven
 * keys from prf+ (SKEYSEED, Ni | Nr | SPIi | SPIr) with prf, the SPIs as 8 bytes each in
 * network order: SK_d, SK_pi, SK_pr of the PRF's output length, SK_a* integ_key_len and
 * SK_e* encr_key_len bytes (crypto_integ_key_len, crypto_encr_key_len; 0 is allowed).
 * out must be zeroed or hold keys; on success its keys are cleared and replaced (out may be
 * the struct old_sk_d lives in), on failure it is untouched. 0, -EINVAL (unknown PRF, a
 * nonce over 256 bytes), -ENOMEM or -EIO. */
int ikev2_derive_ike_keys(uint16_t prf, const struct crypto_chunk *old_sk_d, uint16_t old_prf,
			  const uint8_t *gir, size_t girlen, const uint8_t *ni, size_t nilen,
			  const uint8_t *nr, size_t nrlen, uint64_t spi_i, uint64_t spi_r,
			  size_t encr_key_len, size_t integ_key_len, struct ikev2_keys *out);
/* 2.17: KEYMAT = prf+ (SK_d, [g^ir (new) |] Ni | Nr), len bytes into out (the caller's;
 * the caller splits it). gir NULL: no PFS. 0 or -errno (-EINVAL past 255 PRF blocks). */
int ikev2_derive_child_keys(uint16_t prf, const struct crypto_chunk *sk_d, const uint8_t *gir,
			    size_t girlen, const uint8_t *ni, size_t nilen, const uint8_t *nr,
			    size_t nrlen, uint8_t *out, size_t len);
/* 2.15: AUTH = prf(prf(secret, "Key Pad for IKEv2"), msg | nonce | prf(SK_p, id_body))
 * for the side whose AUTH it is: msg the IKE_SA_INIT message that side sent, nonce the
 * other side's, sk_p that side's SK_pi or SK_pr, id_body its ID payload body after the
 * generic header. out holds the PRF's output length; *outlen gets it (0 on failure).
 * 0 or -errno. */
int ikev2_psk_auth(uint16_t prf, const uint8_t *secret, size_t secretlen, const uint8_t *msg,
		   size_t msglen, const uint8_t *nonce, size_t noncelen,
		   const struct crypto_chunk *sk_p, const uint8_t *id_body, size_t idlen,
		   uint8_t *out, size_t *outlen);
/* The same in two steps, for both AUTH of one exchange with one secret: a PRF keyed with
 * prf(secret, "Key Pad for IKEv2") (NULL on error; crypto_prf_free), then AUTH with it
 * (-EINVAL when k is NULL or not of prf). */
struct crypto_prf *ikev2_psk_prf(uint16_t prf, const uint8_t *secret, size_t secretlen);
int ikev2_psk_auth_with(struct crypto_prf *k, uint16_t prf, const uint8_t *msg, size_t msglen,
			const uint8_t *nonce, size_t noncelen, const struct crypto_chunk *sk_p,
			const uint8_t *id_body, size_t idlen, uint8_t *out, size_t *outlen);

#endif
