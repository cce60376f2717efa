/* crypto: the only door to OpenSSL (EVP and EVP_MAC only). IKEv2 transforms are named by
 * their IANA transform ids (RFC 7296 3.3.2): Diffie-Hellman groups, PRFs and prf+, the SK
 * payload's cipher and integrity, random bytes, SHA-1. Secrets live in crypto_chunk or in
 * the opaque objects and are wiped before they are freed. */
#ifndef IPSECD_CRYPTO_H
#define IPSECD_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct crypto_chunk { /* an owned byte string (malloc) */
	uint8_t *ptr;
	size_t len;
};
/* Wipes and frees; ptr = NULL, len = 0. Accepts NULL. */
void crypto_chunk_clear(struct crypto_chunk *c);
/* OPENSSL_cleanse for callers outside this module; NULL or 0 bytes do nothing. */
void crypto_cleanse(void *p, size_t len);
/* Constant-time equality (ICVs, AUTH, cookies). */
bool crypto_memeq(const void *a, const void *b, size_t len);

/* Loads OpenSSL's default and (for DES and Blowfish) legacy providers; idempotent. Without
 * the legacy provider DES and Blowfish are unsupported. 0, or -EIO when even the default
 * provider is missing. */
int crypto_init(void);
/* len random bytes (RAND_bytes; small requests from a fork-safe page of its output) into
 * buf. 0 or -EIO. */
int crypto_random(void *buf, size_t len);

struct crypto_iov { /* one piece of a PRF's input, borrowed */
	const void *ptr;
	size_t len;
};
/* SHA-1 of the pieces (NAT-D, RFC 7296 2.23). 0 or -EIO. */
int crypto_sha1(const struct crypto_iov *iov, size_t n, uint8_t out[20]);
/* SHA-256 of the pieces (cookies, RFC 7296 2.6). 0 or -EIO. */
int crypto_sha256(const struct crypto_iov *iov, size_t n, uint8_t out[32]);

/* What this OpenSSL can do, by transform id; 0 or false when unknown or unsupported.
 * keylen_bits is the Key Length attribute, 0 when none was sent: DES and 3DES take none
 * (or their own size), Blowfish defaults to 128 and takes 128..448, AES and Camellia
 * require 128, 192 or 256. */
bool crypto_encr_supported(uint16_t id, uint16_t keylen_bits);
bool crypto_encr_is_aead(uint16_t id);
/* Bytes of keying material an SK cipher takes from prf+ (AES-GCM: the key and a 4-byte
 * salt, RFC 5282 7.1). */
size_t crypto_encr_key_len(uint16_t id, uint16_t keylen_bits);
bool crypto_prf_supported(uint16_t id);
size_t crypto_prf_key_len(uint16_t id); /* the preferred key size: the output size */
size_t crypto_prf_out_len(uint16_t id);
bool crypto_integ_supported(uint16_t id);
size_t crypto_integ_key_len(uint16_t id);
size_t crypto_integ_icv_len(uint16_t id);
bool crypto_dh_supported(uint16_t group);
/* The exact length of the group's KE data. */
size_t crypto_dh_pub_len(uint16_t group);

/* Diffie-Hellman: MODP (RFC 2409, 3526), ECP (RFC 5903), Curve25519 (RFC 8031). */
struct crypto_dh;
/* Generates a key pair of ours; the caller frees it with crypto_dh_free. NULL when the
 * group is unknown or unsupported or generation failed. */
struct crypto_dh *crypto_dh_new(uint16_t group);
/* RFC 7296 2.12: a key pair of the group that is shared, for a bounded time, by the key
 * exchanges that ask for one: the group's current key until it has served
 * CRYPTO_DH_REUSE_USES exchanges or is CRYPTO_DH_REUSE_AGE seconds old (now: the caller's
 * clock, seconds), then a new one. The nonces, new in every exchange, keep each SA's keys
 * apart; what is given up is forward secrecy among the SAs that shared a key while it
 * lives. Freed with crypto_dh_free like crypto_dh_new's; NULL as crypto_dh_new. */
struct crypto_dh *crypto_dh_reused(uint16_t group, double now);
#define CRYPTO_DH_REUSE_USES 128
#define CRYPTO_DH_REUSE_AGE  2.0
/* Drops the shared keys that are spent at now (HUGE_VAL: all of them; each is wiped when
 * its last holder frees it). Returns the seconds until the next one is due, 0 when none
 * is left: a caller keeps no key longer than CRYPTO_DH_REUSE_AGE by calling it then. */
double crypto_dh_reuse_expire(double now);
/* Sets the limits (tests); max_uses <= 1 or max_age <= 0 turns reuse off. Drops the
 * shared keys. */
void crypto_dh_set_reuse(unsigned max_uses, double max_age);
void crypto_dh_free(struct crypto_dh *dh); /* accepts NULL; the private key is wiped */
uint16_t crypto_dh_group(const struct crypto_dh *dh);
/* Our public value as KE data (crypto_dh_pub_len bytes); borrowed until crypto_dh_free. */
const uint8_t *crypto_dh_public(const struct crypto_dh *dh, size_t *len);
/* g^ir from the peer's KE data, zero-padded to the modulus (MODP) or the x coordinate
 * (ECP). The length and the value are checked: 1 < y < p-1 for MODP, a point on the curve
 * for ECP, no all-zero result for Curve25519. *out is set (not freed first) and the
 * caller's to crypto_chunk_clear; on failure it is empty. 0, -EINVAL (bad peer value),
 * -ENOMEM or -EIO. */
int crypto_dh_shared(struct crypto_dh *dh, const uint8_t *peer, size_t len,
		     struct crypto_chunk *out);

/* PRF: HMAC through EVP_MAC, one context keyed once and started again for each use (no
 * allocation, no lookup per use). A PRF is not for two users at once. */
struct crypto_prf;
/* A PRF keyed with a copy of key (any length, 0 included). The caller frees it with
 * crypto_prf_free. NULL when the id is unknown or OpenSSL fails. */
struct crypto_prf *crypto_prf_new(uint16_t id, const uint8_t *key, size_t keylen);
void crypto_prf_free(struct crypto_prf *p); /* accepts NULL */
size_t crypto_prf_len(const struct crypto_prf *p);
/* prf(K, piece 0 | piece 1 | ...) into out (crypto_prf_len bytes). 0 or -EIO. */
int crypto_prf_run(struct crypto_prf *p, const struct crypto_iov *iov, size_t n, uint8_t *out);
/* RFC 7296 2.13: prf+ (K, S) = T1 | T2 | ..., Tn = prf(K, Tn-1 | S | n), S the seed pieces
 * concatenated; outlen bytes into out. -EINVAL for an unknown PRF or more than 255 blocks,
 * -EIO when OpenSSL fails (out is wiped then). */
int crypto_prf_plus(uint16_t id, const uint8_t *key, size_t keylen, const struct crypto_iov *seed,
		    size_t nseed, uint8_t *out, size_t outlen);

/* The SK payload's protection in one direction (RFC 7296 3.14, RFC 5282 for AES-GCM). */
struct crypto_sk;
/* ekey (copied): the cipher key, for AES-GCM followed by the 4-byte salt; eklen must be
 * crypto_encr_key_len. CBC ciphers need an integrity algorithm with akey (copied) of
 * crypto_integ_key_len bytes; AES-GCM takes integ_id 0 (RFC 5282 8). The caller frees the
 * result with crypto_sk_free. NULL on a bad or unsupported combination. */
struct crypto_sk *crypto_sk_new(uint16_t encr_id, uint16_t keylen_bits, uint16_t integ_id,
				const uint8_t *ekey, size_t eklen, const uint8_t *akey,
				size_t aklen);
void crypto_sk_free(struct crypto_sk *sk); /* accepts NULL; keys are wiped */
/* Length of the SK body (IV | ciphertext with padding and pad length | ICV) for plainlen
 * bytes of inner payloads. */
size_t crypto_sk_sealed_len(const struct crypto_sk *sk, size_t plainlen);
/* aad: the message from the IKE header through the SK payload's 4-byte generic header, its
 * lengths final. Writes exactly crypto_sk_sealed_len(sk, plainlen) = outlen bytes: the IV
 * (CBC: random; AES-GCM: 8 bytes counting up from a random start), the encrypted
 * plaintext, padding and pad-length byte, and the ICV (CBC: the truncated HMAC over
 * aad | IV | ciphertext; AES-GCM: the tag, with aad as additional data and salt | IV as
 * nonce). 0, -EINVAL (outlen), -ENOMEM or -EIO. */
int crypto_sk_seal(struct crypto_sk *sk, const uint8_t *aad, size_t aadlen, const uint8_t *plain,
		   size_t plainlen, uint8_t *out, size_t outlen);
/* Checks (in constant time) and decrypts an SK body in[0..inlen) = IV | ciphertext | ICV;
 * plain (inlen bytes, the caller's) gets the inner payloads without padding, *plainlen their
 * length. -EBADMSG when integrity, padding or lengths are wrong; plain is wiped then. */
int crypto_sk_open(struct crypto_sk *sk, const uint8_t *aad, size_t aadlen, const uint8_t *in,
		   size_t inlen, uint8_t *plain, size_t *plainlen);

#endif
