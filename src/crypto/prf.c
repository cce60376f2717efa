/* prf: HMAC as the IKEv2 PRF and integrity algorithm, through EVP_MAC, and prf+ (RFC 7296
 * 2.13). A PRF is one context keyed once: each use starts it again with EVP_MAC_init and
 * no key, which keeps the key's inner and outer pads, so a use costs the hash of its input
 * and nothing is allocated or looked up. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "internal.h"

struct crypto_prf {
	EVP_MAC_CTX *ctx; /* keyed once */
	size_t len;
	bool fresh; /* just keyed: the first use need not start it again */
};

/* One keyless HMAC context per digest, made at first use: a PRF is a copy of it given its
 * key. Fetching HMAC and naming its digest at each use made OpenSSL 3 look both up (and
 * take its locks) every time, a dozen times per handshake. */
static struct {
	const char *name; /* as asked: the tables' names, compared by pointer first */
	char digest[16];
	EVP_MAC_CTX *ctx;
} bases[8];

static EVP_MAC_CTX *hmac_base(const char *digest)
{
	size_t i = 0;
	EVP_MAC *mac;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0),
		OSSL_PARAM_construct_end()};

	for (; i < N(bases) && bases[i].ctx; i++)
		if (bases[i].name == digest || !strcmp(bases[i].digest, digest))
			return bases[i].ctx;
	if (i == N(bases) || strlen(digest) >= sizeof(bases[i].digest))
		return NULL;
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	bases[i].ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	EVP_MAC_free(mac); /* the context holds its own reference */
	if (bases[i].ctx && !EVP_MAC_CTX_set_params(bases[i].ctx, params)) {
		EVP_MAC_CTX_free(bases[i].ctx);
		bases[i].ctx = NULL;
	}
	ERR_clear_error();
	if (bases[i].ctx) {
		bases[i].name = digest;
		snprintf(bases[i].digest, sizeof(bases[i].digest), "%s", digest);
	}
	return bases[i].ctx;
}

struct crypto_prf *crypto_prf_hmac(const char *digest, size_t outlen, const uint8_t *key,
				   size_t keylen)
{
	static const uint8_t none; /* a zero-length key still needs a pointer */
	EVP_MAC_CTX *base = hmac_base(digest);
	struct crypto_prf *p = base ? calloc(1, sizeof(*p)) : NULL;

	if (!p || !(p->ctx = EVP_MAC_CTX_dup(base)) ||
	    !EVP_MAC_init(p->ctx, keylen ? key : &none, keylen, NULL)) {
		crypto_prf_free(p);
		ERR_clear_error();
		return NULL;
	}
	p->len = outlen;
	p->fresh = true;
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
	EVP_MAC_CTX_free(p->ctx); /* OpenSSL wipes the HMAC key it holds */
	free(p);
}

size_t crypto_prf_len(const struct crypto_prf *p)
{
	return p ? p->len : 0;
}

static bool feed(EVP_MAC_CTX *c, const struct crypto_iov *iov, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (iov[i].len && !EVP_MAC_update(c, iov[i].ptr, iov[i].len))
			return false;
	return true;
}

/* prf(K, head | pieces | tail) into out (crypto_prf_len bytes), head and tail optional:
 * the context started again (unless just keyed), fed, finished. */
static int run(struct crypto_prf *p, const struct crypto_iov *head, const struct crypto_iov *iov,
	       size_t n, const struct crypto_iov *tail, uint8_t *out)
{
	size_t len = 0;
	bool ok = p->fresh || EVP_MAC_init(p->ctx, NULL, 0, NULL);

	p->fresh = false;
	ok = ok && (!head || feed(p->ctx, head, 1)) && feed(p->ctx, iov, n) &&
	     (!tail || feed(p->ctx, tail, 1));
	ok = ok && EVP_MAC_final(p->ctx, out, &len, p->len) && len == p->len;
	if (!ok)
		ERR_clear_error();
	return ok ? 0 : -EIO;
}

int crypto_prf_run(struct crypto_prf *p, const struct crypto_iov *iov, size_t n, uint8_t *out)
{
	return run(p, NULL, iov, n, NULL, out);
}

/* T(n) = prf(K, T(n-1) | S | n), T(0) empty. */
static int prf_plus_block(struct crypto_prf *p, uint8_t *t, size_t tlen,
			  const struct crypto_iov *seed, size_t nseed, uint8_t n)
{
	struct crypto_iov prev = {t, tlen}, ctr = {&n, 1};

	return run(p, &prev, seed, nseed, &ctr, t);
}

int crypto_prf_plus(uint16_t id, const uint8_t *key, size_t keylen, const struct crypto_iov *seed,
		    size_t nseed, uint8_t *out, size_t outlen)
{
	size_t hl = crypto_prf_out_len(id), done = 0;
	struct crypto_prf *p;
	uint8_t t[CRYPTO_MAX_MD];
	int r = 0;

	if (!hl || outlen / hl > 255 || (outlen / hl == 255 && outlen % hl))
		return -EINVAL; /* unknown PRF, or more than 255 blocks (2.13) */
	if (!(p = crypto_prf_new(id, key, keylen)))
		return -EIO;
	for (unsigned n = 1; done < outlen && r == 0; n++) {
		size_t take = outlen - done < hl ? outlen - done : hl;

		r = prf_plus_block(p, t, n == 1 ? 0 : hl, seed, nseed, (uint8_t)n);
		if (r == 0)
			memcpy(out + done, t, take);
		done += take;
	}
	crypto_cleanse(t, sizeof(t));
	crypto_prf_free(p);
	if (r)
		crypto_cleanse(out, outlen);
	return r;
}
