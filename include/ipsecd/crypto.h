/* crypto: the only door to OpenSSL (EVP and EVP_MAC only). IKEv2 transforms are named by
 * their IANA transform ids (RFC 7296 3.3.2): Diffie-Hellman groups, PRFs and prf+, the SK
 * payload's cipher and integrity, random bytes, digests. Secrets live in crypto_chunk and
 * are wiped before they are freed. */
#ifndef IPSECD_CRYPTO_H
#define IPSECD_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct crypto_chunk { /* an owned byte string */
	uint8_t *ptr;
	size_t len;
};
/* Wipes and frees; ptr = NULL, len = 0. Accepts NULL. */
void crypto_chunk_clear(struct crypto_chunk *c);
void crypto_cleanse(void *p, size_t len);
/* Constant-time equality (ICVs, AUTH, cookies). */
bool crypto_memeq(const void *a, const void *b, size_t len);

/* Loads OpenSSL's default and (for DES and Blowfish) legacy providers; idempotent.
 * 0, or -EIO when even the default provider is missing. */
int crypto_init(void);
int crypto_random(void *buf, size_t len);

struct crypto_iov {
	const void *ptr;
	size_t len;
};
int crypto_sha1(const struct crypto_iov *iov, size_t n, uint8_t out[20]);

/* What this OpenSSL can do, by transform id. keylen_bits 0: the cipher's fixed size. */
bool crypto_encr_supported(uint16_t id, uint16_t keylen_bits);
bool crypto_encr_is_aead(uint16_t id);
/* Bytes of keying material an SK cipher takes (AES-GCM: the key and a 4-byte salt). */
size_t crypto_encr_key_len(uint16_t id, uint16_t keylen_bits);
bool crypto_prf_supported(uint16_t id);
size_t crypto_prf_key_len(uint16_t id);
size_t crypto_prf_out_len(uint16_t id);
bool crypto_integ_supported(uint16_t id);
size_t crypto_integ_key_len(uint16_t id);
size_t crypto_integ_icv_len(uint16_t id);
bool crypto_dh_supported(uint16_t group);
/* The exact length of the group's KE data. */
size_t crypto_dh_pub_len(uint16_t group);

/* Diffie-Hellman (MODP, ECP per RFC 5903, Curve25519 per RFC 8031). */
struct crypto_dh;
/* A key pair of ours; NULL when the group is unknown or generation failed. */
struct crypto_dh *crypto_dh_new(uint16_t group);
void crypto_dh_free(struct crypto_dh *dh);
uint16_t crypto_dh_group(const struct crypto_dh *dh);
/* Our public value as KE data; borrowed until crypto_dh_free. */
const uint8_t *crypto_dh_public(const struct crypto_dh *dh, size_t *len);
/* g^ir from the peer's KE data (length and value checked). out is the caller's to clear.
 * 0, -EINVAL (bad peer value) or -EIO. */
int crypto_dh_shared(struct crypto_dh *dh, const uint8_t *peer, size_t len,
		     struct crypto_chunk *out);

/* PRF: HMAC through EVP_MAC, a keyed context duplicated per use. */
struct crypto_prf;
struct crypto_prf *crypto_prf_new(uint16_t id, const uint8_t *key, size_t keylen);
void crypto_prf_free(struct crypto_prf *p);
size_t crypto_prf_len(const struct crypto_prf *p);
/* out holds crypto_prf_len bytes. 0 or -EIO. */
int crypto_prf_run(struct crypto_prf *p, const struct crypto_iov *iov, size_t n, uint8_t *out);
/* RFC 7296 2.13: prf+ (K, S) = T1 | T2 | ..., Tn = prf(K, Tn-1 | S | n); at most 255 blocks. */
int crypto_prf_plus(uint16_t id, const uint8_t *key, size_t keylen, const struct crypto_iov *seed,
		    size_t nseed, uint8_t *out, size_t outlen);

/* The SK payload's protection in one direction (RFC 7296 3.14, RFC 5282 for AES-GCM). */
struct crypto_sk;
/* ekey: for AES-GCM the key and then the 4-byte salt. integ_id 0 with an AEAD cipher. */
struct crypto_sk *crypto_sk_new(uint16_t encr_id, uint16_t keylen_bits, uint16_t integ_id,
				const uint8_t *ekey, size_t eklen, const uint8_t *akey,
				size_t aklen);
void crypto_sk_free(struct crypto_sk *sk);
/* Length of the SK body (IV | ciphertext with padding and pad length | ICV) for plainlen
 * bytes of inner payloads. */
size_t crypto_sk_sealed_len(const struct crypto_sk *sk, size_t plainlen);
/* aad: the message from the IKE header through the SK payload's generic header. Writes
 * exactly crypto_sk_sealed_len(sk, plainlen) bytes. 0 or -errno. */
int crypto_sk_seal(struct crypto_sk *sk, const uint8_t *aad, size_t aadlen, const uint8_t *plain,
		   size_t plainlen, uint8_t *out, size_t outlen);
/* Checks and decrypts an SK body; plain (inlen bytes) gets the inner payloads without
 * padding. -EBADMSG when integrity, padding or lengths are wrong. */
int crypto_sk_open(struct crypto_sk *sk, const uint8_t *aad, size_t aadlen, const uint8_t *in,
		   size_t inlen, uint8_t *plain, size_t *plainlen);

#endif
