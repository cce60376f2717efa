/* aaa: MD5, HMAC-MD5, MD4 and single DES for RADIUS and EAP-MSCHAPv2. Weak primitives the
 * protocols fix; nothing else in ipsecd may use them. */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "internal.h"
#include "ipsecd/crypto_aaa.h"

static int hash(const char *name, const struct crypto_iov *iov, size_t n, uint8_t out[16])
{
	const EVP_MD *md = crypto_md(name);
	EVP_MD_CTX *ctx = md ? EVP_MD_CTX_new() : NULL;
	unsigned len = 0;
	int ok = ctx && EVP_DigestInit_ex2(ctx, md, NULL);

	for (size_t i = 0; ok && i < n; i++)
		ok = !iov[i].len || EVP_DigestUpdate(ctx, iov[i].ptr, iov[i].len);
	ok = ok && EVP_DigestFinal_ex(ctx, out, &len) && len == 16;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

int crypto_md5(const struct crypto_iov *iov, size_t n, uint8_t out[16])
{
	return hash("MD5", iov, n, out);
}

int crypto_hmac_md5(const void *key, size_t keylen, const struct crypto_iov *iov, size_t n,
		    uint8_t out[16])
{
	static EVP_MAC *mac;
	EVP_MAC_CTX *ctx;
	OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "MD5", 0),
			       OSSL_PARAM_construct_end()};
	size_t len = 0;
	int ok;

	if (!mac && !(mac = EVP_MAC_fetch(NULL, "HMAC", NULL))) {
		ERR_clear_error();
		return -EIO;
	}
	ctx = EVP_MAC_CTX_new(mac);
	ok = ctx && EVP_MAC_init(ctx, key, keylen, params);
	for (size_t i = 0; ok && i < n; i++)
		ok = !iov[i].len || EVP_MAC_update(ctx, iov[i].ptr, iov[i].len);
	ok = ok && EVP_MAC_final(ctx, out, &len, 16) && len == 16;
	EVP_MAC_CTX_free(ctx);
	if (!ok)
		ERR_clear_error();
	return ok ? 0 : -EIO;
}

int crypto_md4(const void *p, size_t len, uint8_t out[16])
{
	struct crypto_iov iov = {p, len};

	crypto_init(); /* idempotent: loads the legacy provider MD4 lives in */
	if (!crypto_md("MD4"))
		return -ENOPROTOOPT;
	return hash("MD4", &iov, 1, out);
}

int crypto_des7_encrypt(const uint8_t key7[7], const uint8_t in[8], uint8_t out[8])
{
	const EVP_CIPHER *des;
	EVP_CIPHER_CTX *ctx;
	uint8_t key[8];
	int len = 0, ok;

	crypto_init();
	if (!(des = crypto_cipher("DES-ECB")))
		return -ENOPROTOOPT;
	/* RFC 2759 8.6: spread 56 bits over 8 bytes, the low bit of each left for parity
	 * (which DES ignores) */
	for (int i = 0; i < 8; i++) {
		unsigned bit = (unsigned)i * 7, byte = bit / 8, shift = bit % 8;
		unsigned v = (unsigned)key7[byte] << 8 | (byte + 1 < 7 ? key7[byte + 1] : 0);

		key[i] = (uint8_t)((v >> (8 - shift)) & 0xfe);
	}
	ctx = EVP_CIPHER_CTX_new();
	ok = ctx && EVP_EncryptInit_ex2(ctx, des, key, NULL, NULL) &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) && EVP_EncryptUpdate(ctx, out, &len, in, 8) &&
	     len == 8;
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(key, sizeof(key));
	if (!ok)
		ERR_clear_error();
	return ok ? 0 : -EIO;
}

const char *crypto_aaa_legacy_error(void)
{
	return "MD4/DES unavailable: OpenSSL's legacy provider (legacy.so in OPENSSL_MODULES) "
	       "could not be loaded; EAP-MSCHAPv2 needs it";
}
