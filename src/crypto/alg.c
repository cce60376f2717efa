/* alg: OpenSSL's providers, random bytes, SHA-1, wiping and constant-time helpers, and the
 * tables from IKEv2 transform ids (RFC 7296 3.3.2, RFC 4868, RFC 5282) to OpenSSL names. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "internal.h"

void crypto_cleanse(void *p, size_t len)
{
	if (p && len)
		OPENSSL_cleanse(p, len);
}

void crypto_chunk_clear(struct crypto_chunk *c)
{
	if (!c)
		return;
	crypto_cleanse(c->ptr, c->len);
	free(c->ptr);
	c->ptr = NULL;
	c->len = 0;
}

bool crypto_memeq(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

int crypto_init(void)
{
	static OSSL_PROVIDER *deflt, *legacy;

	/* Loading any provider by hand stops OpenSSL's implicit load of "default". */
	if (!deflt)
		deflt = OSSL_PROVIDER_load(NULL, "default");
	if (!legacy) /* DES and Blowfish; without it they are simply unsupported */
		legacy = OSSL_PROVIDER_load(NULL, "legacy");
	ERR_clear_error();
	return deflt ? 0 : -EIO;
}

static int rand_direct(uint8_t *p, size_t len)
{
	while (len) { /* RAND_bytes takes an int */
		int n = len > INT_MAX ? INT_MAX : (int)len;

		if (RAND_bytes(p, n) != 1)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Small requests are served from a page of RAND_bytes output: a call costs a microsecond
 * or two whatever its length (the DRBG's lock, its reseed and fork checks), and a
 * handshake asks for half a dozen pieces of 8 to 32 bytes (SPI, nonce, IVs). What is
 * handed out is wiped from the page. The kernel zeroes the page in a child after fork
 * (MADV_WIPEONFORK): the child finds it empty and refills it, so two processes never hand
 * out the same bytes. Where the kernel cannot do that, every call goes to RAND_bytes. */
#define POOL_PAGE  4096
#define POOL_TAKES 256 /* larger requests go to RAND_bytes */

static struct rand_pool {
	size_t left; /* bytes at the end of b not yet handed out; 0 after a fork */
	uint8_t b[POOL_PAGE - sizeof(size_t)];
} * pool;
static bool pool_failed;

static struct rand_pool *pool_get(void)
{
	void *p;

	if (pool || pool_failed)
		return pool;
	p = mmap(NULL, POOL_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED && madvise(p, POOL_PAGE, MADV_WIPEONFORK) == 0) {
		madvise(p, POOL_PAGE, MADV_DONTDUMP); /* best effort: not in a core file */
		pool = p;
	} else {
		if (p != MAP_FAILED)
			munmap(p, POOL_PAGE);
		pool_failed = true;
	}
	return pool;
}

int crypto_random(void *buf, size_t len)
{
	struct rand_pool *rp = len <= POOL_TAKES ? pool_get() : NULL;
	uint8_t *from;

	if (!rp)
		return rand_direct(buf, len);
	if (rp->left < len) {
		if (rand_direct(rp->b, sizeof(rp->b)) < 0)
			return -EIO;
		rp->left = sizeof(rp->b);
	}
	from = rp->b + sizeof(rp->b) - rp->left;
	memcpy(buf, from, len);
	OPENSSL_cleanse(from, len);
	rp->left -= len;
	return 0;
}

/* --- OpenSSL's methods, fetched once --- */

/* Naming an algorithm at each use (EVP_sha1(), EVP_CIPHER_fetch per SA) makes OpenSSL 3
 * look the name up and take its locks every time. The methods hold no keys or state: one
 * of each is fetched at first use and kept for the life of the process. A failed fetch is
 * not remembered (crypto_init may load a provider later). */
static struct {
	const char *name;
	EVP_CIPHER *cipher;
	EVP_MD *md;
} fetched[32];

static bool name_is(const char *a, const char *b)
{
	return a == b || !strcmp(a, b);
}

const EVP_CIPHER *crypto_cipher(const char *name)
{
	size_t i = 0;

	for (; i < N(fetched) && fetched[i].name; i++)
		if (fetched[i].cipher && name_is(fetched[i].name, name))
			return fetched[i].cipher;
	if (i == N(fetched) || !(fetched[i].cipher = EVP_CIPHER_fetch(NULL, name, NULL))) {
		ERR_clear_error();
		return NULL;
	}
	fetched[i].name = name;
	return fetched[i].cipher;
}

const EVP_MD *crypto_md(const char *name)
{
	size_t i = 0;

	for (; i < N(fetched) && fetched[i].name; i++)
		if (fetched[i].md && name_is(fetched[i].name, name))
			return fetched[i].md;
	if (i == N(fetched) || !(fetched[i].md = EVP_MD_fetch(NULL, name, NULL))) {
		ERR_clear_error();
		return NULL;
	}
	fetched[i].name = name;
	return fetched[i].md;
}

/* The digest name's hash of the pieces, outlen bytes. */
static int digest(const char *name, const struct crypto_iov *iov, size_t n, uint8_t *out,
		  unsigned outlen)
{
	const EVP_MD *md = crypto_md(name);
	EVP_MD_CTX *ctx = md ? EVP_MD_CTX_new() : NULL; /* its free wipes the state */
	unsigned len = 0;
	int ok = ctx && EVP_DigestInit_ex2(ctx, md, NULL);

	for (size_t i = 0; ok && i < n; i++)
		ok = !iov[i].len || EVP_DigestUpdate(ctx, iov[i].ptr, iov[i].len);
	ok = ok && EVP_DigestFinal_ex(ctx, out, &len) && len == outlen;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

int crypto_sha1(const struct crypto_iov *iov, size_t n, uint8_t out[20])
{
	return digest("SHA1", iov, n, out, 20);
}

int crypto_sha256(const struct crypto_iov *iov, size_t n, uint8_t out[32])
{
	return digest("SHA256", iov, n, out, 32);
}

/* --- ciphers --- */

struct encr_row {
	uint16_t id;
	uint16_t min_bits, max_bits; /* Key Length attribute range (steps of 8) */
	uint16_t def_bits;	     /* when no attribute was sent; 0: one is required */
	const char *ossl;
	uint8_t iv, block, icv, salt;
};

static const struct encr_row encrs[] = {
	{CRYPTO_ENCR_DES, 64, 64, 64, "DES-CBC", 8, 8, 0, 0},
	{CRYPTO_ENCR_3DES, 192, 192, 192, "DES-EDE3-CBC", 8, 8, 0, 0},
	/* RFC 2451 2.2: variable key size, 128 bits when the attribute is absent */
	{CRYPTO_ENCR_BLOWFISH, 128, 448, 128, "BF-CBC", 8, 8, 0, 0},
	{CRYPTO_ENCR_AES_CBC, 128, 128, 0, "AES-128-CBC", 16, 16, 0, 0},
	{CRYPTO_ENCR_AES_CBC, 192, 192, 0, "AES-192-CBC", 16, 16, 0, 0},
	{CRYPTO_ENCR_AES_CBC, 256, 256, 0, "AES-256-CBC", 16, 16, 0, 0},
	{CRYPTO_ENCR_CAMELLIA_CBC, 128, 128, 0, "CAMELLIA-128-CBC", 16, 16, 0, 0},
	{CRYPTO_ENCR_CAMELLIA_CBC, 192, 192, 0, "CAMELLIA-192-CBC", 16, 16, 0, 0},
	{CRYPTO_ENCR_CAMELLIA_CBC, 256, 256, 0, "CAMELLIA-256-CBC", 16, 16, 0, 0},
	/* RFC 5282: 8-byte IV in the payload, 4-byte salt from the keying material */
	{CRYPTO_ENCR_AES_GCM_8, 128, 128, 0, "AES-128-GCM", 8, 1, 8, 4},
	{CRYPTO_ENCR_AES_GCM_8, 192, 192, 0, "AES-192-GCM", 8, 1, 8, 4},
	{CRYPTO_ENCR_AES_GCM_8, 256, 256, 0, "AES-256-GCM", 8, 1, 8, 4},
	{CRYPTO_ENCR_AES_GCM_12, 128, 128, 0, "AES-128-GCM", 8, 1, 12, 4},
	{CRYPTO_ENCR_AES_GCM_12, 192, 192, 0, "AES-192-GCM", 8, 1, 12, 4},
	{CRYPTO_ENCR_AES_GCM_12, 256, 256, 0, "AES-256-GCM", 8, 1, 12, 4},
	{CRYPTO_ENCR_AES_GCM_16, 128, 128, 0, "AES-128-GCM", 8, 1, 16, 4},
	{CRYPTO_ENCR_AES_GCM_16, 192, 192, 0, "AES-192-GCM", 8, 1, 16, 4},
	{CRYPTO_ENCR_AES_GCM_16, 256, 256, 0, "AES-256-GCM", 8, 1, 16, 4},
};

bool crypto_encr_find(uint16_t id, uint16_t keylen_bits, struct crypto_encr *out)
{
	for (size_t i = 0; i < N(encrs); i++) {
		const struct encr_row *r = &encrs[i];
		uint16_t bits = keylen_bits ? keylen_bits : r->def_bits;

		if (r->id != id || bits < r->min_bits || bits > r->max_bits || bits % 8)
			continue;
		*out = (struct crypto_encr){id, bits, r->ossl, r->iv, r->block, r->icv, r->salt};
		return true;
	}
	return false;
}

bool crypto_encr_supported(uint16_t id, uint16_t keylen_bits)
{
	struct crypto_encr e;

	return crypto_encr_find(id, keylen_bits, &e) && crypto_cipher(e.ossl);
}

bool crypto_encr_is_aead(uint16_t id)
{
	return id == CRYPTO_ENCR_AES_GCM_8 || id == CRYPTO_ENCR_AES_GCM_12 ||
	       id == CRYPTO_ENCR_AES_GCM_16;
}

size_t crypto_encr_key_len(uint16_t id, uint16_t keylen_bits)
{
	struct crypto_encr e;

	return crypto_encr_find(id, keylen_bits, &e) ? e.key_bits / 8u + e.salt : 0;
}

/* --- hashes: PRF and integrity --- */

static const struct crypto_hash hashes[] = {
	{1, 1, "MD5", 16, 12},	   /* PRF_HMAC_MD5, AUTH_HMAC_MD5_96 (RFC 2403) */
	{2, 2, "SHA1", 20, 12},	   /* PRF_HMAC_SHA1, AUTH_HMAC_SHA1_96 (RFC 2404) */
	{5, 12, "SHA256", 32, 16}, /* RFC 4868: key = output size, ICV = half of it */
	{6, 13, "SHA384", 48, 24}, {7, 14, "SHA512", 64, 32},
};

const struct crypto_hash *crypto_hash_by_prf(uint16_t id)
{
	for (size_t i = 0; i < N(hashes); i++)
		if (hashes[i].prf == id)
			return &hashes[i];
	return NULL;
}

const struct crypto_hash *crypto_hash_by_integ(uint16_t id)
{
	for (size_t i = 0; i < N(hashes); i++)
		if (hashes[i].integ == id)
			return &hashes[i];
	return NULL;
}

static bool md_ok(const struct crypto_hash *h)
{
	return h && crypto_md(h->ossl);
}

bool crypto_prf_supported(uint16_t id)
{
	return md_ok(crypto_hash_by_prf(id));
}

size_t crypto_prf_key_len(uint16_t id)
{
	const struct crypto_hash *h = crypto_hash_by_prf(id);

	return h ? h->out : 0;
}

size_t crypto_prf_out_len(uint16_t id)
{
	return crypto_prf_key_len(id);
}

bool crypto_integ_supported(uint16_t id)
{
	return md_ok(crypto_hash_by_integ(id));
}

size_t crypto_integ_key_len(uint16_t id)
{
	const struct crypto_hash *h = crypto_hash_by_integ(id);

	return h ? h->out : 0;
}

size_t crypto_integ_icv_len(uint16_t id)
{
	const struct crypto_hash *h = crypto_hash_by_integ(id);

	return h ? h->icv : 0;
}
