/* sig: public-key authentication for IKEv2 (RFC 7296 2.15): the AUTH payload's data for the
 * signature methods (1 RSA, 9/10/11 ECDSA of RFC 4754, 14 Digital Signature of RFC 7427 with
 * RSASSA-PKCS1-v1_5, RSASSA-PSS, ECDSA and Ed25519 of RFC 8420), the choice of method and
 * hash, and the key files behind `/ip ipsec key` (keygen.c). Keys are OpenSSL's EVP_PKEY;
 * the typedef below lets callers hold them without including OpenSSL. */
#ifndef IPSECD_SIG_H
#define IPSECD_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipsecd/crypto.h"

typedef struct evp_pkey_st EVP_PKEY; /* as <openssl/types.h> has it (C11 allows both) */

/* RFC 7427 7, RFC 8420: hash algorithm ids of the SIGNATURE_HASH_ALGORITHMS notify. */
enum sig_hash {
	SIG_HASH_SHA1 = 1, /* known, never used for method 14 (RFC 8247 3.2) */
	SIG_HASH_SHA256 = 2,
	SIG_HASH_SHA384 = 3,
	SIG_HASH_SHA512 = 4,
	SIG_HASH_IDENTITY = 5, /* Ed25519 signs the octets themselves */
};

/* The list we announce in our SIGNATURE_HASH_ALGORITHMS notify (RFC 7427 4): sha256,
 * sha384, sha512, identity, in that order. Writes at most max ids into out and returns how
 * many were written. */
size_t sig_hash_algorithms(uint16_t *out, size_t max);

/* The AUTH method and hash to sign with key. peer_supports_7427: the peer sent
 * SIGNATURE_HASH_ALGORITHMS, listing peer_hashes[0..n) (unknown ids are skipped). Then
 * method 14 with the first hash of ours the peer listed: RSA sha256, sha384, sha512;
 * ECDSA the curve's own hash first (P-256 sha256, P-384 sha384, P-521 sha512), then the
 * stronger, then the weaker; Ed25519 identity. Without the notify, or with no hash in
 * common, the classic method: RSA 1 (*hash = SIG_HASH_SHA1), ECDSA on P-256/384/521 9/10/11
 * (*hash = the curve's hash); Ed25519 has none and gets method 14 with identity all the same
 * unless the peer's list lacks identity. 0, or -ENOTSUP when nothing fits (key type, curve,
 * an Ed25519 key and a peer that listed hashes but not identity). */
int sig_choose(EVP_PKEY *key, bool peer_supports_7427, const uint16_t *peer_hashes, size_t n,
	       uint8_t *method, uint16_t *hash);

/* Signs octets (RFC 7296 2.15: the signed octets) with the private key and sets *auth_data
 * (not freed first; the caller's to crypto_chunk_clear) to the AUTH payload's data for
 * method: method 1 RSASSA-PKCS1-v1_5 with SHA-1 (the hash strongSwan and every classic peer
 * use; hash 0 or SIG_HASH_SHA1); 9/10/11 ECDSA over SHA-256/384/512 as r | s, each zero-padded
 * to the curve's size, 64/96/132 bytes (RFC 4754 7; hash 0 or the method's); 14 the 1-byte
 * length and DER AlgorithmIdentifier of RFC 7427 3 followed by the signature: RSA keys sign
 * RSASSA-PSS (RFC 8247 3.2: MUST) with MGF1 of the same hash and a salt as long as the hash,
 * ECDSA keys a DER ECDSA-Sig-Value, Ed25519 keys (hash identity) pure Ed25519.
 * 0; -EINVAL when key and method or hash do not go together (method 9 with a P-384 key,
 * identity with an RSA key) or the key is too small for the scheme; -ENOTSUP for an unknown
 * method or hash or a key type without signatures here; -ENOMEM; -EIO. */
int sig_sign(EVP_PKEY *key, uint8_t method, uint16_t hash, const uint8_t *octets, size_t len,
	     struct crypto_chunk *auth_data);
/* sig_sign with RSASSA-PKCS1-v1_5 instead of PSS for an RSA key under method 14 (peers that
 * verify no PSS); any other method or key as sig_sign. */
int sig_sign_pkcs1(EVP_PKEY *key, uint8_t method, uint16_t hash, const uint8_t *octets, size_t len,
		   struct crypto_chunk *auth_data);

/* Checks an AUTH payload's data auth_data[0..len) (untrusted) for method against the peer's
 * public key pub and the octets we computed. Method 14 accepts the AlgorithmIdentifiers
 * sha{256,384,512}WithRSAEncryption, ecdsa-with-SHA{256,384,512} (parameters absent or NULL),
 * id-Ed25519 (absent) and RSASSA-PSS with a SHA-2 hash, MGF1 of the same hash, any explicit
 * salt length and trailer field 1. Returns 0 when the signature is valid, why (NUL-terminated,
 * truncated to whylen) then naming the scheme ("RSASSA-PSS SHA-256"); else why says what is
 * wrong and the result is -EBADMSG (the signature does not verify or has the wrong length),
 * -EINVAL (malformed AUTH data or AlgorithmIdentifier, or a key that does not fit the method:
 * method 9 with a P-384 key, an ECDSA AlgorithmIdentifier with an RSA key), -ENOTSUP (a method,
 * algorithm or hash not supported: SHA-1 under method 14, Ed448, DSA), -ENOMEM or -EIO. */
int sig_verify(EVP_PKEY *pub, uint8_t method, const uint8_t *auth_data, size_t len,
	       const uint8_t *octets, size_t olen, char *why, size_t whylen);

/* IKEv1 phase 1 (RFC 2409 5.1, RFC 4754): the SIG payload over HASH_I or HASH_R, which is
 * signed as it is (sig_v1.c). The authentication method of key: 3 (RSA), 9/10/11 (ECDSA on
 * P-256/384/521), or -ENOTSUP. */
int sig_v1_method(EVP_PKEY *key);
/* Signs hash[0..hlen) with the private key into *out (the caller's to crypto_chunk_clear):
 * RSA a PKCS#1 v1.5 block of the bare hash (modulus-long), ECDSA r | s of the curve's size.
 * 0, -ENOTSUP (key type or curve), -EINVAL (no private half, hash too long), -ENOMEM. */
int sig_v1_sign(EVP_PKEY *key, const uint8_t *hash, size_t hlen, struct crypto_chunk *out);
/* Checks the peer's SIG data sig[0..len) (untrusted) for authentication method method
 * against pub and our hash. 0 valid (why names the scheme); -EINVAL (method and key do not
 * fit), -EBADMSG (wrong length, does not verify), -ENOMEM; why says which. */
int sig_v1_verify(EVP_PKEY *pub, uint16_t method, const uint8_t *sig, size_t len,
		  const uint8_t *hash, size_t hlen, char *why, size_t whylen);

/* Drops the per-key cache of key kinds (and the references it holds to keys): for leak
 * checkers at exit, and for tests. */
void sig_cache_clear(void);

/* --- key files (keygen.c) --- */

struct sig_err { /* why a key operation failed: -errno and a sentence for the user */
	int code;
	char msg[256];
};

/* A new RSA key of bits (1024, 2048 or 4096; else -EINVAL) written to path as unencrypted
 * PKCS#8 PEM, created with mode 0600 (O_EXCL: an existing file is refused with -EEXIST). On
 * success returns the key, the caller's to sig_key_free; NULL with *err filled otherwise (a
 * file left half-written is removed). */
EVP_PKEY *sig_key_generate(const char *path, unsigned bits, struct sig_err *err);
/* Reads a private or public key from path: PEM or DER, PKCS#8 (encrypted ones with
 * passphrase), traditional RSA PEM, SubjectPublicKeyInfo, PKCS#1 RSAPublicKey. A file holding
 * a private key must not be readable or writable by group or others (mode & 077: -EPERM, the
 * message names the file and its mode). Sets *key (the caller's to sig_key_free) and
 * *has_private; 0 or a negative errno with *err filled (-ENOENT, -EACCES, -EFBIG, -EBADMSG for
 * an undecodable or encrypted key without the right passphrase, ...). */
int sig_key_load(const char *path, const char *passphrase, EVP_PKEY **key, bool *has_private,
		 struct sig_err *err);
/* sig_key_load, but a private key file others may access is loaded, with the warning in
 * err->msg (err->code stays 0). */
int sig_key_load_lax(const char *path, const char *passphrase, EVP_PKEY **key, bool *has_private,
		     struct sig_err *err);
/* Writes key's public half to path as PEM SubjectPublicKeyInfo, mode 0644, refusing an
 * existing file (-EEXIST). 0 or a negative errno with *err filled. */
int sig_key_export_pub(EVP_PKEY *key, const char *path, struct sig_err *err);
/* The public half as PEM SubjectPublicKeyInfo text in *pem (malloc'd, NUL-terminated, the
 * caller's to free). 0, -ENOMEM or -EIO. */
int sig_key_pub_pem(EVP_PKEY *key, char **pem);
/* For `key print`: size in bits, whether RSA, whether the private half is there. */
void sig_key_info(EVP_PKEY *key, unsigned *bits, bool *is_rsa, bool *has_private);
/* Raw-key authentication: the two keys' public halves are the same key. false for NULL. */
bool sig_key_equal(EVP_PKEY *a, EVP_PKEY *b);
/* A public key from DER SubjectPublicKeyInfo (untrusted: a raw public key the peer sent,
 * RFC 7670); the whole buffer must be the one structure. NULL when it is not. The caller
 * frees it with sig_key_free. */
EVP_PKEY *sig_key_from_spki(const uint8_t *der, size_t len);
/* key's public half as DER SubjectPublicKeyInfo into *out (the caller's to
 * crypto_chunk_clear). 0, -ENOMEM or -EIO. */
int sig_key_spki(EVP_PKEY *key, struct crypto_chunk *out);
void sig_key_free(EVP_PKEY *key); /* accepts NULL; OpenSSL wipes the private half */

#endif
