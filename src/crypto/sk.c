/* sk: the SK payload's protection (RFC 7296 3.14): CBC ciphers with a truncated HMAC over
 * the message through the ciphertext, or AES-GCM (RFC 5282) with the message up to the SK
 * header as additional data and a nonce of the key's salt and the payload's IV.
 *
 * Each direction of an IKE SA keeps only its keys: the OpenSSL contexts are made for each
 * message and freed after it. Kept, an AES-CBC context and a keyed HMAC-SHA256 context
 * came to 1.7 KiB per direction, the better part of what an idle IKE SA costs; an IKE SA
 * sends a message every few minutes at most, and setting them up costs about a
 * microsecond a message. What is shared is OpenSSL's cipher method, fetched once for the
 * process (alg.c). bench/bench_ike_mem measures both. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "internal.h"

struct crypto_sk {
	struct crypto_encr e;
	const EVP_CIPHER *cipher;    /* OpenSSL's method, fetched once (alg.c): no state */
	const struct crypto_hash *h; /* the integrity algorithm; NULL with AES-GCM */
	size_t icv;		     /* bytes of ICV: the AEAD tag or the truncated HMAC */
	uint64_t iv_next;	     /* AES-GCM: the next IV, from a random start */
	uint8_t key[CRYPTO_MAX_KEY], salt[4];
	uint8_t akey[CRYPTO_MAX_MD]; /* h->out bytes */
};

void crypto_sk_free(struct crypto_sk *sk)
{
	if (!sk)
		return;
	crypto_cleanse(sk, sizeof(*sk));
	free(sk);
}

/* Are the cipher, the integrity algorithm and the key sizes a valid SK combination?
 * RFC 5282 8: a combined-mode cipher takes no integrity transform; CBC needs one. */
static bool sk_params_ok(const struct crypto_encr *e, uint16_t integ_id,
			 const struct crypto_hash *h, size_t eklen, size_t aklen)
{
	if (eklen != e->key_bits / 8u + e->salt)
		return false;
	if (e->icv)
		return integ_id == 0;
	return h && aklen == h->out && aklen <= CRYPTO_MAX_MD;
}

/* The HMAC keyed for one message; the caller frees it with crypto_prf_free. */
static struct crypto_prf *integ_new(const struct crypto_sk *sk)
{
	return crypto_prf_hmac(sk->h->ossl, sk->h->out, sk->akey, sk->h->out);
}

/* What a message will need is there: the cipher and, tried once, the digest. */
static bool sk_usable(const struct crypto_sk *sk)
{
	struct crypto_prf *p;

	if (!sk->cipher)
		return false;
	if (!sk->h)
		return true;
	p = integ_new(sk);
	crypto_prf_free(p);
	return p != NULL;
}

struct crypto_sk *crypto_sk_new(uint16_t encr_id, uint16_t keylen_bits, uint16_t integ_id,
				const uint8_t *ekey, size_t eklen, const uint8_t *akey,
				size_t aklen)
{
	const struct crypto_hash *h = integ_id ? crypto_hash_by_integ(integ_id) : NULL;
	struct crypto_sk *sk = calloc(1, sizeof(*sk));

	if (!sk || !crypto_encr_find(encr_id, keylen_bits, &sk->e) ||
	    !sk_params_ok(&sk->e, integ_id, h, eklen, aklen)) {
		free(sk);
		return NULL;
	}
	memcpy(sk->key, ekey, sk->e.key_bits / 8);
	memcpy(sk->salt, ekey + sk->e.key_bits / 8, sk->e.salt);
	sk->h = sk->e.icv ? NULL : h;
	if (sk->h)
		memcpy(sk->akey, akey, aklen);
	sk->icv = sk->e.icv ? sk->e.icv : h->icv;
	sk->cipher = crypto_cipher(sk->e.ossl);
	if (!sk_usable(sk) || (sk->e.icv && crypto_random(&sk->iv_next, sizeof(sk->iv_next)) < 0)) {
		crypto_sk_free(sk);
		ERR_clear_error();
		return NULL;
	}
	return sk;
}

/* Padded plaintext length: the pad-length byte included, a whole number of blocks. */
static size_t padded(const struct crypto_sk *sk, size_t plainlen)
{
	size_t b = sk->e.block;

	return (plainlen + 1 + b - 1) / b * b;
}

size_t crypto_sk_sealed_len(const struct crypto_sk *sk, size_t plainlen)
{
	return sk->e.iv + padded(sk, plainlen) + sk->icv;
}

/* Cipher set up for one message: key, IV or nonce, no padding of OpenSSL's (the SK
 * payload pads itself). Only a cipher of variable key size (Blowfish) needs its key length
 * set before the key; the others are named with theirs, and each setting is a parameter
 * OpenSSL 3 looks up by name. */
static bool cipher_start(struct crypto_sk *sk, EVP_CIPHER_CTX *ctx, int enc, const uint8_t *iv)
{
	int klen = sk->e.key_bits / 8;
	uint8_t nonce[12];
	bool ok;

	if (sk->e.icv) { /* RFC 5282 4: nonce = salt | IV */
		memcpy(nonce, sk->salt, 4);
		memcpy(nonce + 4, iv, 8);
		iv = nonce;
	}
	if (EVP_CIPHER_get_key_length(sk->cipher) == klen)
		ok = EVP_CipherInit_ex2(ctx, sk->cipher, sk->key, iv, enc, NULL);
	else
		ok = EVP_CipherInit_ex2(ctx, sk->cipher, NULL, NULL, enc, NULL) &&
		     EVP_CIPHER_CTX_set_key_length(ctx, klen) > 0 &&
		     EVP_CipherInit_ex2(ctx, NULL, sk->key, iv, enc, NULL);
	ok = ok && (sk->e.block == 1 || EVP_CIPHER_CTX_set_padding(ctx, 0));
	crypto_cleanse(nonce, sizeof(nonce));
	return ok;
}

/* Encrypts or decrypts len bytes (a whole number of blocks) with a context of its own;
 * for AES-GCM, aad is authenticated and the tag follows the data: written after out, or
 * read after in. */
static int cipher(struct crypto_sk *sk, int enc, const uint8_t *iv, const uint8_t *aad,
		  size_t aadlen, const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new(); /* its free wipes the key schedule */
	bool aead = sk->e.icv != 0;
	int n = 0, f = 0;
	bool ok =
		ctx && len <= 0x7fffffff && aadlen <= 0x7fffffff && cipher_start(sk, ctx, enc, iv);

	if (ok && aead && aadlen)
		ok = EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aadlen);
	ok = ok && EVP_CipherUpdate(ctx, out, &n, in, (int)len);
	if (ok && aead && !enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)sk->icv,
					 (void *)(in + len));
	ok = ok && EVP_CipherFinal_ex(ctx, out + n, &f) && (size_t)n + (size_t)f == len;
	if (ok && aead && enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, (int)sk->icv, out + len);
	EVP_CIPHER_CTX_free(ctx);
	ERR_clear_error();
	return ok ? 0 : enc ? -EIO : -EBADMSG;
}

/* The CBC modes' ICV: HMAC over aad | IV | ciphertext, truncated (RFC 7296 3.14). */
static int icv(struct crypto_sk *sk, const uint8_t *aad, size_t aadlen, const uint8_t *body,
	       size_t len, uint8_t out[CRYPTO_MAX_MD])
{
	struct crypto_iov iov[] = {{aad, aadlen}, {body, len}};
	struct crypto_prf *p = integ_new(sk);
	int r = p ? crypto_prf_run(p, iov, 2, out) : -EIO;

	crypto_prf_free(p);
	return r;
}

/* The IV for the next message: random for CBC (RFC 7296 3.14 wants it unpredictable);
 * for AES-GCM a counter from a random start, so it never repeats under one key. */
static int next_iv(struct crypto_sk *sk, uint8_t *iv)
{
	if (!sk->e.icv)
		return crypto_random(iv, sk->e.iv);
	for (int i = 0; i < 8; i++)
		iv[i] = (uint8_t)(sk->iv_next >> (56 - 8 * i));
	sk->iv_next++;
	return 0;
}

/* The plaintext, padded, is laid out where its ciphertext goes and encrypted in place; on
 * any failure out is wiped, so no plaintext is left in it. */
int crypto_sk_seal(struct crypto_sk *sk, const uint8_t *aad, size_t aadlen, const uint8_t *plain,
		   size_t plainlen, uint8_t *out, size_t outlen)
{
	size_t plen = padded(sk, plainlen), ivlen = sk->e.iv;
	uint8_t *body = out + ivlen, mac[CRYPTO_MAX_MD];
	int r;

	if (outlen != crypto_sk_sealed_len(sk, plainlen))
		return -EINVAL;
	if (plainlen)
		memmove(body, plain, plainlen);
	memset(body + plainlen, 0, plen - plainlen); /* padding, then its length */
	body[plen - 1] = (uint8_t)(plen - plainlen - 1);
	r = next_iv(sk, out);
	if (r == 0)
		r = cipher(sk, 1, out, aad, aadlen, body, plen, body);
	if (r == 0 && sk->h && (r = icv(sk, aad, aadlen, out, ivlen + plen, mac)) == 0)
		memcpy(out + ivlen + plen, mac, sk->icv);
	crypto_cleanse(mac, sizeof(mac));
	if (r)
		crypto_cleanse(out, outlen);
	return r;
}

static int open_checked(struct crypto_sk *sk, const uint8_t *aad, size_t aadlen, const uint8_t *in,
			size_t inlen, uint8_t *plain, size_t *plainlen)
{
	size_t ivlen = sk->e.iv, clen;
	uint8_t mac[CRYPTO_MAX_MD];
	uint8_t pad;
	bool ok;

	if (inlen < ivlen + sk->e.block + sk->icv)
		return -EBADMSG;
	clen = inlen - ivlen - sk->icv;
	if (clen % sk->e.block)
		return -EBADMSG;
	if (sk->h) { /* verify before decrypting anything */
		ok = icv(sk, aad, aadlen, in, ivlen + clen, mac) == 0 &&
		     crypto_memeq(mac, in + ivlen + clen, sk->icv);
		crypto_cleanse(mac, sizeof(mac));
		if (!ok)
			return -EBADMSG;
	}
	if (cipher(sk, 0, in, aad, aadlen, in + ivlen, clen, plain) < 0)
		return -EBADMSG;
	pad = plain[clen - 1]; /* RFC 7296 3.14: the padding's content is not checked */
	if ((size_t)pad + 1 > clen)
		return -EBADMSG;
	*plainlen = clen - pad - 1;
	return 0;
}

int crypto_sk_open(struct crypto_sk *sk, const uint8_t *aad, size_t aadlen, const uint8_t *in,
		   size_t inlen, uint8_t *plain, size_t *plainlen)
{
	int r = open_checked(sk, aad, aadlen, in, inlen, plain, plainlen);

	if (r < 0) { /* nothing unauthenticated is left behind */
		crypto_cleanse(plain, inlen);
		*plainlen = 0;
	}
	return r;
}
