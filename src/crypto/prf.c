/* prf: HMAC as the IKEv2 PRF and integrity algorithm, through EVP_MAC with a keyed base
 * context duplicated for each use, and prf+ (RFC 7296 2.13). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "internal.h"

struct crypto_prf {
	EVP_MAC_CTX *ctx;
	size_t len;
};

struct crypto_prf *crypto_prf_hmac(const char *digest, size_t outlen, const uint8_t *key,
				   size_t keylen)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	struct crypto_prf *p = calloc(1, sizeof(*p));
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0),
		OSSL_PARAM_construct_end()};
	static const uint8_t none;

	if (!mac || !p || !(p->ctx = EVP_MAC_CTX_new(mac)) ||
	    !EVP_MAC_init(p->ctx, keylen ? key : &none, keylen, params)) {
		EVP_MAC_free(mac);
		crypto_prf_free(p);
		return NULL;
	}
	EVP_MAC_free(mac); /* the context keeps its own reference */
	p->len = outlen;
	return p;
}

struct crypto_prf *crypto_prf_new(uint16_t id, const uint8_t *key, size_t keylen)
{
	const struct crypto_hash *h = crypto_hash_by_prf(id);

	return h ? crypto_prf_hmac(h->ossl, h->out, key, keylen) : NULL;
}

void crypto_prf_free(struct crypto_prf *p)
{
	if (!p)
		return;
	EVP_MAC_CTX_free(p->ctx); /* OpenSSL wipes the key schedule */
	free(p);
}

size_t crypto_prf_len(const struct crypto_prf *p)
{
	return p->len;
}

int crypto_prf_run(struct crypto_prf *p, const struct crypto_iov *iov, size_t n, uint8_t *out)
{
	EVP_MAC_CTX *c = EVP_MAC_CTX_dup(p->ctx);
	size_t len = 0;
	int ok = c != NULL;

	for (size_t i = 0; ok && i < n; i++)
		ok = !iov[i].len || EVP_MAC_update(c, iov[i].ptr, iov[i].len);
	ok = ok && EVP_MAC_final(c, out, &len, p->len) && len == p->len;
	EVP_MAC_CTX_free(c);
	return ok ? 0 : -EIO;
}

int crypto_prf_plus(uint16_t id, const uint8_t *key, size_t keylen, const struct crypto_iov *seed,
		    size_t nseed, uint8_t *out, size_t outlen)
{
	struct crypto_prf *p = crypto_prf_new(id, key, keylen);
	struct crypto_iov iov[10];
	uint8_t t[64], n = 1;
	size_t done = 0, tlen = 0;
	int r = 0;

	if (!p || nseed > 8 || (outlen + p->len - 1) / p->len > 255) {
		crypto_prf_free(p);
		return p ? -EINVAL : -EIO;
	}
	while (done < outlen && r == 0) {
		/* T(n) = prf(K, T(n-1) | S | n) */
		iov[0] = (struct crypto_iov){t, tlen};
		memcpy(iov + 1, seed, nseed * sizeof(*seed));
		iov[nseed + 1] = (struct crypto_iov){&n, 1};
		r = crypto_prf_run(p, iov, nseed + 2, t);
		tlen = p->len;
		size_t take = outlen - done < tlen ? outlen - done : tlen;

		memcpy(out + done, t, take);
		done += take;
		n++;
	}
	crypto_cleanse(t, sizeof(t));
	crypto_prf_free(p);
	return r;
}
