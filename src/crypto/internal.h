/* The crypto module's tables (alg.c), shared by its files and by nobody else. */
#ifndef IPSECD_CRYPTO_INTERNAL_H
#define IPSECD_CRYPTO_INTERNAL_H

#include <openssl/evp.h>

#include "ipsecd/crypto.h"

#define N(a) (sizeof(a) / sizeof((a)[0])) /* elements in an array */

/* IKEv2 ENCR transform ids this module knows (RFC 7296 3.3.2, RFC 5282). */
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

#define CRYPTO_MAX_KEY 56 /* bytes: Blowfish at 448 bits */
#define CRYPTO_MAX_MD  64 /* bytes: SHA-512 */

/* One SK cipher at one key size. */
struct crypto_encr {
	uint16_t id;
	uint16_t key_bits; /* the key size chosen */
	const char *ossl;  /* OpenSSL's cipher name */
	uint8_t iv;	   /* bytes of IV in the SK payload (CBC: one block) */
	uint8_t block;	   /* padding unit: the block size, 1 for AES-GCM */
	uint8_t icv;	   /* AEAD: the tag's length; 0 for CBC */
	uint8_t salt;	   /* AEAD: bytes of salt after the key */
};

/* One HMAC, as a PRF and as an integrity algorithm. */
struct crypto_hash {
	uint16_t prf, integ; /* transform ids */
	const char *ossl;    /* OpenSSL's digest name */
	uint8_t out;	     /* digest length = PRF output and key length */
	uint8_t icv;	     /* truncated integrity check value */
};

/* The facts of a cipher at its Key Length attribute (0: none sent) into *out.
 * false when the pair is unknown (whether OpenSSL has it is not checked). */
bool crypto_encr_find(uint16_t id, uint16_t keylen_bits, struct crypto_encr *out);
const struct crypto_hash *crypto_hash_by_prf(uint16_t id);
const struct crypto_hash *crypto_hash_by_integ(uint16_t id);
/* OpenSSL's cipher or digest by name, fetched at first use and kept (borrowed: never
 * freed by the caller). NULL when no provider has it. name must live as long as the
 * process (a table's name or a literal): it is kept, and compared by pointer first. */
const EVP_CIPHER *crypto_cipher(const char *name);
const EVP_MD *crypto_md(const char *name);
/* An HMAC keyed with key (copied) and the OpenSSL digest name (one that lives as long as
 * the process, as crypto_md's); the PRF's and the SK payload's integrity. Caller frees with
 * crypto_prf_free. NULL on error. */
struct crypto_prf *crypto_prf_hmac(const char *digest, size_t outlen, const uint8_t *key,
				   size_t keylen);

#endif
