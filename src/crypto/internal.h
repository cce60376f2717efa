/* The crypto module's tables, shared by its files. */
#ifndef IPSECD_CRYPTO_INTERNAL_H
#define IPSECD_CRYPTO_INTERNAL_H

#include "ipsecd/crypto.h"

enum {
	CRYPTO_ENCR_DES = 2,
	CRYPTO_ENCR_3DES = 3,
	CRYPTO_ENCR_BLOWFISH = 7,
	CRYPTO_ENCR_AES_CBC = 12,
	CRYPTO_ENCR_AES_GCM_8 = 18,
	CRYPTO_ENCR_AES_GCM_12 = 19,
	CRYPTO_ENCR_AES_GCM_16 = 20,
	CRYPTO_ENCR_CAMELLIA_CBC = 23,
};

struct crypto_encr {
	uint16_t id, key_bits;
	const char *ossl;
	uint8_t iv;   /* bytes of IV in the SK payload (CBC: one block) */
	uint8_t icv;  /* AEAD: the tag's length; 0 for CBC */
	uint8_t salt; /* AEAD: bytes of salt after the key */
};

struct crypto_hash {
	uint16_t prf, integ; /* transform ids */
	const char *ossl;
	uint8_t out; /* digest length = PRF output and key length */
	uint8_t icv; /* truncated integrity check value */
};

const struct crypto_encr *crypto_encr_find(uint16_t id, uint16_t keylen_bits);
const struct crypto_hash *crypto_hash_by_prf(uint16_t id);
const struct crypto_hash *crypto_hash_by_integ(uint16_t id);
/* An HMAC with an OpenSSL digest name (PRF and the SK payload's integrity). */
struct crypto_prf *crypto_prf_hmac(const char *digest, size_t outlen, const uint8_t *key,
				   size_t keylen);

#endif
