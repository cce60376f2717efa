/* sk: the SK payload's protection (RFC 7296 3.14): CBC ciphers with a truncated HMAC
 * over the whole message, or AES-GCM (RFC 5282) with the message up to the SK header as
 * additional data and a nonce of the key's salt and the payload's IV. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "internal.h"

struct crypto_sk {
	const struct crypto_encr *e;
	EVP_CIPHER *cipher;
	EVP_CIPHER_CTX *ctx;
	uint8_t key[32], salt[4];
	size_t block, icv;
	struct crypto_prf *integ; /* NULL with AES-GCM */
};

void crypto_sk_free(struct crypto_sk *sk)
{
	if (!sk)
		return;
	EVP_CIPHER_CTX_free(sk->ctx);
	EVP_CIPHER_free(sk->cipher);
	crypto_prf_free(sk->integ);
	crypto_cleanse(sk, sizeof(*sk));
	free(sk);
}

struct crypto_sk *crypto_sk_new(uint16_t encr_id, uint16_t keylen_bits, uint16_t integ_id,
				const uint8_t *ekey, size_t eklen, const uint8_t *akey,
				size_t aklen)
{
	const struct crypto_encr *e = crypto_encr_find(encr_id, keylen_bits);
	const struct crypto_hash *h = integ_id ? crypto_hash_by_integ(integ_id) : NULL;
	struct crypto_sk *sk = calloc(1, sizeof(*sk));

	if (!sk || !e || eklen != e->key_bits / 8u + e->salt || (!e->icv && !h) ||
	    (h && aklen != h->out)) {
		free(sk);
		return NULL;
	}
	sk->e = e;
	memcpy(sk->key, ekey, e->key_bits / 8);
	memcpy(sk->salt, ekey + e->key_bits / 8, e->salt);
	sk->cipher = EVP_CIPHER_fetch(NULL, e->ossl, NULL);
	sk->ctx = EVP_CIPHER_CTX_new();
	sk->block = e->icv ? 1 : e->iv;
	sk->icv = e->icv ? e->icv : (h ? h->icv : 0);
	if (h)
		sk->integ = crypto_prf_hmac(h->ossl, h->out, akey, aklen);
	if (!sk->cipher || !sk->ctx || (h && !sk->integ)) {
		crypto_sk_free(sk);
		return NULL;
	}
	return sk;
}

/* Padded plaintext length: the pad-length byte included, a whole number of blocks. */
static size_t padded(const struct crypto_sk *sk, size_t plainlen)
{
	return (plainlen + 1 + sk->block - 1) / sk->block * sk->block;
}

size_t crypto_sk_sealed_len(const struct crypto_sk *sk, size_t plainlen)
{
	return sk->e->iv + padded(sk, plainlen) + sk->icv;
}

static int cipher(struct crypto_sk *sk, bool enc, const uint8_t *iv, const uint8_t *aad,
		  size_t aadlen, const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t nonce[12];
	int n = 0, f = 0, ok;

	if (sk->e->icv) {
		memcpy(nonce, sk->salt, 4);
		memcpy(nonce + 4, iv, 8);
		iv = nonce;
	}
	ok = EVP_CipherInit_ex2(sk->ctx, sk->cipher, sk->key, iv, enc, NULL) &&
	     EVP_CIPHER_CTX_set_padding(sk->ctx, 0);
	if (ok && sk->e->icv)
		ok = EVP_CipherUpdate(sk->ctx, NULL, &n, aad, (int)aadlen);
	ok = ok && EVP_CipherUpdate(sk->ctx, out, &n, in, (int)len);
	if (ok && !enc && sk->e->icv) /* the tag to check follows the ciphertext */
		ok = EVP_CIPHER_CTX_ctrl(sk->ctx, EVP_CTRL_AEAD_SET_TAG, (int)sk->icv,
					 (void *)(in + len));
	ok = ok && EVP_CipherFinal_ex(sk->ctx, out + n, &f);
	if (ok && enc && sk->e->icv)
		ok = EVP_CIPHER_CTX_ctrl(sk->ctx, EVP_CTRL_AEAD_GET_TAG, (int)sk->icv, out + len);
	return ok && (size_t)(n + f) == len ? 0 : -EBADMSG;
}

static int icv(struct crypto_sk *sk, const uint8_t *aad, size_t aadlen, const uint8_t *body,
	       size_t len, uint8_t *out)
{
	struct crypto_iov iov[] = {{aad, aadlen}, {body, len}};

	return crypto_prf_run(sk->integ, iov, 2, out);
}

int crypto_sk_seal(struct crypto_sk *sk, const uint8_t *aad, size_t aadlen, const uint8_t *plain,
		   size_t plainlen, uint8_t *out, size_t outlen)
{
	size_t plen = padded(sk, plainlen), ivlen = sk->e->iv;
	uint8_t *buf, mac[64];
	int r;

	if (outlen != crypto_sk_sealed_len(sk, plainlen) || !(buf = malloc(plen)))
		return -EINVAL;
	memcpy(buf, plain, plainlen);
	memset(buf + plainlen, 0, plen - plainlen);
	buf[plen - 1] = (uint8_t)(plen - plainlen - 1);
	r = crypto_random(out, ivlen);
	if (r == 0)
		r = cipher(sk, true, out, aad, aadlen, buf, plen, out + ivlen);
	if (r == 0 && sk->integ && (r = icv(sk, aad, aadlen, out, ivlen + plen, mac)) == 0)
		memcpy(out + ivlen + plen, mac, sk->icv);
	crypto_cleanse(buf, plen);
	crypto_cleanse(mac, sizeof(mac));
	free(buf);
	return r;
}

int crypto_sk_open(struct crypto_sk *sk, const uint8_t *aad, size_t aadlen, const uint8_t *in,
		   size_t inlen, uint8_t *plain, size_t *plainlen)
{
	size_t ivlen = sk->e->iv, clen;
	uint8_t mac[64];

	if (inlen < ivlen + sk->icv + sk->block)
		return -EBADMSG;
	clen = inlen - ivlen - sk->icv;
	if (clen % sk->block)
		return -EBADMSG;
	if (sk->integ && (icv(sk, aad, aadlen, in, ivlen + clen, mac) < 0 ||
			  !crypto_memeq(mac, in + ivlen + clen, sk->icv)))
		return -EBADMSG;
	if (cipher(sk, false, in, aad, aadlen, in + ivlen, clen, plain) < 0)
		return -EBADMSG;
	uint8_t pad = plain[clen - 1];

	if ((size_t)pad + 1 > clen)
		return -EBADMSG;
	*plainlen = clen - pad - 1;
	return 0;
}
