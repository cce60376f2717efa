/* crypto_v1: what IKEv1 needs from OpenSSL beyond crypto.h. Algorithms are named by their
 * IKEv1 attribute values (RFC 2409 appendix A, IANA's registry for SHA-2): the negotiated hash
 * (plain, for IVs; its HMAC is the PRF, used through crypto_prf_* with crypto_v1_prf_id),
 * the Diffie-Hellman groups IKEv1 may use, and the CBC encryption of ISAKMP messages with
 * an IV the caller chains (RFC 2409 appendix B). Keys are wiped before they are freed. */
#ifndef IPSECD_CRYPTO_V1_H
#define IPSECD_CRYPTO_V1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipsecd/crypto.h"

/* Hash Algorithm attribute (class 2). */
enum {
	CRYPTO_V1_HASH_MD5 = 1,
	CRYPTO_V1_HASH_SHA1 = 2,
	CRYPTO_V1_HASH_SHA2_256 = 4,
	CRYPTO_V1_HASH_SHA2_384 = 5,
	CRYPTO_V1_HASH_SHA2_512 = 6,
};

/* Encryption Algorithm attribute (class 1). */
enum {
	CRYPTO_V1_ENCR_DES = 1,
	CRYPTO_V1_ENCR_BLOWFISH = 3,
	CRYPTO_V1_ENCR_3DES = 5,
	CRYPTO_V1_ENCR_AES_CBC = 7,
	CRYPTO_V1_ENCR_CAMELLIA = 8,
};

#define CRYPTO_V1_MAX_HASH  64 /* bytes: SHA-512 */
#define CRYPTO_V1_MAX_BLOCK 16 /* bytes: AES, Camellia */

/* Is the hash known and can this OpenSSL compute it? MD5 only where the loaded providers
 * offer it (not in FIPS mode); Tiger (3) is unknown. */
bool crypto_v1_hash_supported(uint16_t hash);
size_t crypto_v1_hash_len(uint16_t hash); /* the digest length, 0 when unknown */
/* The IKEv2 PRF transform id of HMAC with this hash, for crypto_prf_new and friends: IKEv1
 * negotiates no PRF of its own, the PRF is the hash's HMAC with its whole output (RFC 2409
 * 4, RFC 4868 2.4). 0 when unknown. */
uint16_t crypto_v1_prf_id(uint16_t hash);
/* hash(piece 0 | piece 1 | ...), the plain digest (not the PRF), into out
 * (crypto_v1_hash_len bytes). 0, -EINVAL (unknown or unsupported hash) or -EIO. */
int crypto_v1_hash(uint16_t hash, const struct crypto_iov *iov, size_t n, uint8_t *out);

/* May IKEv1 use the Diffie-Hellman group, and does crypto_dh support it? MODP 2, 5, 14-18
 * and ECP 19-21; group 1 (768 bits) is refused as too weak, Curve25519 has no IKEv1 value.
 * The KE data and g^xy are the same bytes as in IKEv2 (crypto_dh_public, crypto_dh_shared):
 * for ECP the shared secret is the x coordinate alone (RFC 5903 7 and its errata). */
bool crypto_v1_dh_supported(uint16_t group);

/* Is the cipher known at this Key Length attribute (0: none sent) and can this OpenSSL do
 * it? 3DES and DES take no attribute (or their own size), Blowfish defaults to 128 bits,
 * AES without an attribute is read as AES-128; AES and Camellia otherwise take 128, 192 or
 * 256. DES and Blowfish need OpenSSL's legacy provider. */
bool crypto_v1_encr_supported(uint16_t encr, uint16_t keylen_bits);
size_t crypto_v1_encr_key_len(uint16_t encr, uint16_t keylen_bits); /* bytes, 0: unknown */
size_t crypto_v1_encr_block_len(uint16_t encr);			    /* bytes, 0: unknown */

/* One ISAKMP SA's message encryption (both directions share the key). */
struct crypto_v1_cbc;
/* key (copied): crypto_v1_encr_key_len bytes. The caller frees the result with
 * crypto_v1_cbc_free. NULL when the cipher is unknown or unsupported or keylen is wrong. */
struct crypto_v1_cbc *crypto_v1_cbc_new(uint16_t encr, uint16_t keylen_bits, const uint8_t *key,
					size_t keylen);
void crypto_v1_cbc_free(struct crypto_v1_cbc *c); /* accepts NULL; the key is wiped */
size_t crypto_v1_cbc_block_len(const struct crypto_v1_cbc *c);
/* Ciphertext length for plainlen bytes of payloads: always at least one byte of padding,
 * so a whole block is added when plainlen is a multiple of the block size. */
size_t crypto_v1_cbc_sealed_len(const struct crypto_v1_cbc *c, size_t plainlen);
/* Encrypts the payload chain plain[0..plainlen) with iv (one block) into out, exactly
 * crypto_v1_cbc_sealed_len(c, plainlen) = outlen bytes. The padding is zeros but for its
 * last octet, the number of padding octets before it: strongSwan pads with zeros and reads
 * no padding back, racoon pads with random bytes and a count and by default reads none
 * back, with pad_strict it trims by that count, which this layout satisfies. next_iv (one
 * block, may be iv) gets the last ciphertext block: the IV of the next message in the same
 * exchange. 0, -EINVAL (outlen), -ENOMEM or -EIO; out and next_iv are untouched on
 * failure. */
int crypto_v1_cbc_encrypt(struct crypto_v1_cbc *c, const uint8_t *iv, const uint8_t *plain,
			  size_t plainlen, uint8_t *out, size_t outlen, uint8_t *next_iv);
/* Decrypts in[0..inlen), a whole number of blocks, with iv into plain (inlen bytes, the
 * caller's; it may be in), padding included: the payload chain's own lengths say where it ends, and
 * what follows is not looked at (be liberal: peers pad with zeros, random bytes or a length).
 * Nothing is authenticated here: the HASH payload inside is what the caller checks. next_iv
 * (may be iv) gets the last ciphertext block, to be kept only once the message proved
 * authentic. -EBADMSG for an empty or unaligned inlen (plain and next_iv untouched), -EIO
 * when OpenSSL fails (plain wiped). */
int crypto_v1_cbc_decrypt(struct crypto_v1_cbc *c, const uint8_t *iv, const uint8_t *in,
			  size_t inlen, uint8_t *plain, uint8_t *next_iv);

#endif
