/* v1: IKEv1's algorithms on top of the module's tables: the negotiated hash by its IKEv1
 * value (plain digest, and the IKEv2 PRF id of its HMAC), the groups IKEv1 may use, and
 * the CBC encryption of ISAKMP messages (RFC 2409 appendix B), whose IV the caller chains
 * from message to message. The context is made per message, as in sk.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "ipsecd/crypto_v1.h"
#include "internal.h"

/* IKEv1 hash value -> the IKEv2 PRF id of its HMAC (RFC 7296 3.3.2), whose row in alg.c
 * names the digest. */
static const struct {
	uint16_t v1, prf;
} hash_map[] = {
	{CRYPTO_V1_HASH_MD5, 1},      {CRYPTO_V1_HASH_SHA1, 2},	    {CRYPTO_V1_HASH_SHA2_256, 5},
	{CRYPTO_V1_HASH_SHA2_384, 6}, {CRYPTO_V1_HASH_SHA2_512, 7},
};

/* IKEv1 encryption value -> the IKEv2 ENCR id with the same cipher in CBC mode. */
static const struct {
	uint16_t v1, v2;
} encr_map[] = {
	{CRYPTO_V1_ENCR_DES, CRYPTO_ENCR_DES},
	{CRYPTO_V1_ENCR_BLOWFISH, CRYPTO_ENCR_BLOWFISH},
	{CRYPTO_V1_ENCR_3DES, CRYPTO_ENCR_3DES},
	{CRYPTO_V1_ENCR_AES_CBC, CRYPTO_ENCR_AES_CBC},
	{CRYPTO_V1_ENCR_CAMELLIA, CRYPTO_ENCR_CAMELLIA_CBC},
};

uint16_t crypto_v1_prf_id(uint16_t hash)
{
	for (size_t i = 0; i < N(hash_map); i++)
		if (hash_map[i].v1 == hash)
			return hash_map[i].prf;
	return 0;
}

static const struct crypto_hash *hash_find(uint16_t hash)
{
	uint16_t prf = crypto_v1_prf_id(hash);

	return prf ? crypto_hash_by_prf(prf) : NULL;
}

size_t crypto_v1_hash_len(uint16_t hash)
{
	const struct crypto_hash *h = hash_find(hash);

	return h ? h->out : 0;
}

bool crypto_v1_hash_supported(uint16_t hash)
{
	uint16_t prf = crypto_v1_prf_id(hash);

	return prf && crypto_prf_supported(prf); /* a digest fetch, MD5 refused in FIPS */
}

int crypto_v1_hash(uint16_t hash, const struct crypto_iov *iov, size_t n, uint8_t *out)
{
	const struct crypto_hash *h = hash_find(hash);
	EVP_MD *md = h ? EVP_MD_fetch(NULL, h->ossl, NULL) : NULL;
	EVP_MD_CTX *ctx = md ? EVP_MD_CTX_new() : NULL;
	unsigned len = 0;
	bool ok = ctx && EVP_DigestInit_ex2(ctx, md, NULL);
	int r = md ? -EIO : -EINVAL;

	for (size_t i = 0; ok && i < n; i++)
		ok = !iov[i].len || EVP_DigestUpdate(ctx, iov[i].ptr, iov[i].len);
	if (ok && EVP_DigestFinal_ex(ctx, out, &len) && len == h->out)
		r = 0;
	EVP_MD_CTX_free(ctx);
	EVP_MD_free(md);
	ERR_clear_error();
	return r;
}

bool crypto_v1_dh_supported(uint16_t group)
{
	/* RFC 2409 6.1 (768 bits) is out; 2, 5 (RFC 2409, 3526), 14-18 (RFC 3526), 19-21
	 * (RFC 5903) */
	bool allowed = group == 2 || group == 5 || (group >= 14 && group <= 21);

	return allowed && crypto_dh_supported(group);
}

/* The cipher's facts at the Key Length attribute, by its IKEv2 twin's row. */
static bool encr_find(uint16_t encr, uint16_t keylen_bits, struct crypto_encr *out)
{
	for (size_t i = 0; i < N(encr_map); i++) {
		if (encr_map[i].v1 != encr)
			continue;
		if (encr == CRYPTO_V1_ENCR_AES_CBC && keylen_bits == 0)
			keylen_bits = 128; /* peers that leave it out mean AES-128 */
		return crypto_encr_find(encr_map[i].v2, keylen_bits, out);
	}
	return false;
}

size_t crypto_v1_encr_key_len(uint16_t encr, uint16_t keylen_bits)
{
	struct crypto_encr e;

	return encr_find(encr, keylen_bits, &e) ? e.key_bits / 8u : 0;
}

size_t crypto_v1_encr_block_len(uint16_t encr)
{
	struct crypto_encr e;

	/* the block does not depend on the key size; any valid size finds the row */
	if (encr_find(encr, 0, &e) || encr_find(encr, 128, &e))
		return e.block;
	return 0;
}

bool crypto_v1_encr_supported(uint16_t encr, uint16_t keylen_bits)
{
	struct crypto_encr e;
	EVP_CIPHER *c = NULL;

	if (encr_find(encr, keylen_bits, &e))
		c = EVP_CIPHER_fetch(NULL, e.ossl, NULL);
	EVP_CIPHER_free(c);
	ERR_clear_error();
	return c != NULL;
}

struct crypto_v1_cbc {
	struct crypto_encr e;
	EVP_CIPHER *cipher; /* OpenSSL's shared method: no key, no state */
	uint8_t key[CRYPTO_MAX_KEY];
};

void crypto_v1_cbc_free(struct crypto_v1_cbc *c)
{
	if (!c)
		return;
	EVP_CIPHER_free(c->cipher);
	crypto_cleanse(c, sizeof(*c));
	free(c);
}

struct crypto_v1_cbc *crypto_v1_cbc_new(uint16_t encr, uint16_t keylen_bits, const uint8_t *key,
					size_t keylen)
{
	struct crypto_v1_cbc *c = calloc(1, sizeof(*c));

	if (!c || !encr_find(encr, keylen_bits, &c->e) || keylen != c->e.key_bits / 8u ||
	    c->e.icv || c->e.block > CRYPTO_V1_MAX_BLOCK) {
		free(c);
		return NULL;
	}
	memcpy(c->key, key, keylen);
	if (!(c->cipher = EVP_CIPHER_fetch(NULL, c->e.ossl, NULL))) {
		crypto_v1_cbc_free(c);
		ERR_clear_error();
		return NULL;
	}
	return c;
}

size_t crypto_v1_cbc_block_len(const struct crypto_v1_cbc *c)
{
	return c->e.block;
}

size_t crypto_v1_cbc_sealed_len(const struct crypto_v1_cbc *c, size_t plainlen)
{
	size_t b = c->e.block;

	return (plainlen / b + 1) * b;
}

/* CBC over len bytes (whole blocks) with a context of its own, no padding by OpenSSL. */
static bool cbc(struct crypto_v1_cbc *c, int enc, const uint8_t *iv, const uint8_t *in, size_t len,
		uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new(); /* its free wipes the key schedule */
	int n = 0, f = 0;
	bool ok = ctx && len <= 0x7fffffff &&
		  EVP_CipherInit_ex2(ctx, c->cipher, NULL, NULL, enc, NULL) &&
		  EVP_CIPHER_CTX_set_key_length(ctx, c->e.key_bits / 8) > 0 &&
		  EVP_CipherInit_ex2(ctx, NULL, c->key, iv, enc, NULL) &&
		  EVP_CIPHER_CTX_set_padding(ctx, 0) &&
		  EVP_CipherUpdate(ctx, out, &n, in, (int)len) &&
		  EVP_CipherFinal_ex(ctx, out + n, &f) && (size_t)n + (size_t)f == len;

	EVP_CIPHER_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

int crypto_v1_cbc_encrypt(struct crypto_v1_cbc *c, const uint8_t *iv, const uint8_t *plain,
			  size_t plainlen, uint8_t *out, size_t outlen, uint8_t *next_iv)
{
	size_t b = c->e.block, pad;
	uint8_t *buf;
	bool ok;

	if (outlen != crypto_v1_cbc_sealed_len(c, plainlen))
		return -EINVAL;
	if (!(buf = malloc(outlen)))
		return -ENOMEM;
	pad = outlen - plainlen; /* 1..b */
	if (plainlen)
		memcpy(buf, plain, plainlen);
	memset(buf + plainlen, 0, pad);
	buf[outlen - 1] = (uint8_t)(pad - 1);
	ok = cbc(c, 1, iv, buf, outlen, buf); /* in place: OpenSSL's CBC allows it */
	if (ok) {
		memcpy(out, buf, outlen);
		memcpy(next_iv, out + outlen - b, b);
	}
	crypto_cleanse(buf, outlen);
	free(buf);
	return ok ? 0 : -EIO;
}

int crypto_v1_cbc_decrypt(struct crypto_v1_cbc *c, const uint8_t *iv, const uint8_t *in,
			  size_t inlen, uint8_t *plain, uint8_t *next_iv)
{
	size_t b = c->e.block;
	uint8_t last[CRYPTO_V1_MAX_BLOCK];

	if (inlen == 0 || inlen % b)
		return -EBADMSG;
	memcpy(last, in + inlen - b, b); /* before plain, which may be in, is written */
	if (!cbc(c, 0, iv, in, inlen, plain)) {
		crypto_cleanse(plain, inlen);
		return -EIO;
	}
	memcpy(next_iv, last, b);
	return 0;
}
