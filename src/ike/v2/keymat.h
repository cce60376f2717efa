/* keymat: IKEv2 key derivation (RFC 7296 2.14, 2.17, 2.18) and the shared-key AUTH value
 * (2.15), on top of the crypto module's PRF. */
#ifndef IPSECD_IKEV2_KEYMAT_H
#define IPSECD_IKEV2_KEYMAT_H

#include <stddef.h>
#include <stdint.h>

#include "ipsecd/crypto.h"

struct ikev2_keys { /* owned; ikev2_keys_clear wipes them */
	uint16_t prf;
	struct crypto_chunk sk_d, sk_ai, sk_ar, sk_ei, sk_er, sk_pi, sk_pr;
};
void ikev2_keys_clear(struct ikev2_keys *k);

/* SKEYSEED = prf(Ni | Nr, g^ir), or for a rekey (old_sk_d given, with the old SA's PRF)
 * prf(SK_d(old), g^ir | Ni | Nr); then the seven keys from
 * prf+(SKEYSEED, Ni | Nr | SPIi | SPIr). 0 or -errno. */
int ikev2_derive_ike_keys(uint16_t prf, const struct crypto_chunk *old_sk_d, uint16_t old_prf,
			  const uint8_t *gir, size_t girlen, const uint8_t *ni, size_t nilen,
			  const uint8_t *nr, size_t nrlen, uint64_t spi_i, uint64_t spi_r,
			  size_t encr_key_len, size_t integ_key_len, struct ikev2_keys *out);
/* KEYMAT = prf+(SK_d, [g^ir |] Ni | Nr): len bytes into out. */
int ikev2_derive_child_keys(uint16_t prf, const struct crypto_chunk *sk_d, const uint8_t *gir,
			    size_t girlen, const uint8_t *ni, size_t nilen, const uint8_t *nr,
			    size_t nrlen, uint8_t *out, size_t len);
/* AUTH = prf(prf(secret, "Key Pad for IKEv2"), msg | nonce | prf(SK_p, id_body)). */
int ikev2_psk_auth(uint16_t prf, const uint8_t *secret, size_t secretlen, const uint8_t *msg,
		   size_t msglen, const uint8_t *nonce, size_t noncelen,
		   const struct crypto_chunk *sk_p, const uint8_t *id_body, size_t idlen,
		   uint8_t *out, size_t *outlen);

#endif
