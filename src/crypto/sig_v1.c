/* sig_v1: the SIG payload of IKEv1 phase 1 (RFC 2409 5.1). What is signed is HASH_I or
 * HASH_R, already the negotiated PRF's output, and it is signed as it is, no digest of it
 * taken first: an RSA key makes a PKCS#1 v1.5 type 1 block of the bare hash, without the
 * DigestInfo of a hash algorithm (RFC 2409 leaves the encoding to the key type, and every
 * IKEv1 implementation, strongSwan, racoon and RouterOS alike, does so); an ECDSA key
 * (RFC 4754, authentication methods 9/10/11 by curve) takes the hash as the digest it
 * signs, r | s each padded to the curve's size as in RFC 4754 7. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "ipsecd/sig.h"

enum { V1_RSA = 3, V1_ECDSA_256 = 9, V1_ECDSA_384 = 10, V1_ECDSA_521 = 11 };

int sig_v1_method(EVP_PKEY *key)
{
	if (!key)
		return -ENOTSUP;
	if (EVP_PKEY_is_a(key, "RSA"))
		return V1_RSA;
	if (!EVP_PKEY_is_a(key, "EC"))
		return -ENOTSUP;
	switch (EVP_PKEY_get_bits(key)) {
	case 256:
		return V1_ECDSA_256;
	case 384:
		return V1_ECDSA_384;
	case 521:
		return V1_ECDSA_521;
	default:
		return -ENOTSUP;
	}
}

/* r and s bytes each for an ECDSA method, 0 for the others. */
static size_t coord_of(int method)
{
	return method == V1_ECDSA_256	? 32
	       : method == V1_ECDSA_384 ? 48
	       : method == V1_ECDSA_521 ? 66
					: 0;
}

static EVP_PKEY_CTX *ctx_for(EVP_PKEY *key, bool sign)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	bool ok = ctx && (sign ? EVP_PKEY_sign_init(ctx) : EVP_PKEY_verify_init(ctx)) > 0;

	if (ok && EVP_PKEY_is_a(key, "RSA"))
		ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0;
	if (!ok) {
		EVP_PKEY_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

/* A DER ECDSA-Sig-Value into r | s of coord bytes each, in out (2 * coord bytes). */
static int der_to_raw(const uint8_t *der, size_t len, size_t coord, uint8_t *out)
{
	const unsigned char *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
	const BIGNUM *r = NULL, *s = NULL;
	bool ok = false;

	if (sig) {
		ECDSA_SIG_get0(sig, &r, &s);
		ok = BN_bn2binpad(r, out, (int)coord) == (int)coord &&
		     BN_bn2binpad(s, out + coord, (int)coord) == (int)coord;
	}
	ECDSA_SIG_free(sig);
	return ok ? 0 : -EIO;
}

/* r | s back to DER in *der (OPENSSL_free); its length or -ENOMEM. */
static int raw_to_der(const uint8_t *raw, size_t coord, uint8_t **der)
{
	BIGNUM *r = BN_bin2bn(raw, (int)coord, NULL), *s = BN_bin2bn(raw + coord, (int)coord, NULL);
	ECDSA_SIG *sig = ECDSA_SIG_new();
	int n = -ENOMEM;

	*der = NULL;
	if (r && s && sig && ECDSA_SIG_set0(sig, r, s)) {
		r = s = NULL; /* sig owns them */
		n = i2d_ECDSA_SIG(sig, der);
		if (n <= 0)
			n = -ENOMEM;
	}
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(sig);
	return n;
}

int sig_v1_sign(EVP_PKEY *key, const uint8_t *hash, size_t hlen, struct crypto_chunk *out)
{
	int method = sig_v1_method(key);
	size_t coord = coord_of(method), n = 0;
	EVP_PKEY_CTX *ctx = method > 0 ? ctx_for(key, true) : NULL;
	uint8_t *buf = NULL;
	int r = method < 0 ? method : -EINVAL;

	*out = (struct crypto_chunk){0};
	if (ctx && EVP_PKEY_sign(ctx, NULL, &n, hash, hlen) > 0 && (buf = malloc(n))) {
		r = EVP_PKEY_sign(ctx, buf, &n, hash, hlen) > 0 ? 0 : -EINVAL;
		if (r == 0 && coord) {
			out->ptr = malloc(2 * coord);
			r = out->ptr ? der_to_raw(buf, n, coord, out->ptr) : -ENOMEM;
			out->len = 2 * coord;
		} else if (r == 0) {
			out->ptr = buf;
			out->len = n;
			buf = NULL;
		}
	}
	free(buf);
	EVP_PKEY_CTX_free(ctx);
	if (r < 0)
		crypto_chunk_clear(out);
	ERR_clear_error();
	return r;
}

static const char *method_name(int method)
{
	switch (method) {
	case V1_RSA:
		return "RSA PKCS#1 v1.5";
	case V1_ECDSA_256:
		return "ECDSA P-256";
	case V1_ECDSA_384:
		return "ECDSA P-384";
	case V1_ECDSA_521:
		return "ECDSA P-521";
	default:
		return "?";
	}
}

/* 1 valid, 0 not, -errno when it cannot be checked. */
static int check(EVP_PKEY *pub, size_t coord, const uint8_t *sig, size_t len, const uint8_t *hash,
		 size_t hlen)
{
	EVP_PKEY_CTX *ctx = ctx_for(pub, false);
	uint8_t *der = NULL;
	int n = (int)len, r = -ENOMEM;

	if (ctx && coord)
		n = raw_to_der(sig, coord, &der);
	if (ctx && n >= 0)
		r = EVP_PKEY_verify(ctx, der ? der : sig, (size_t)n, hash, hlen) == 1;
	OPENSSL_free(der);
	EVP_PKEY_CTX_free(ctx);
	return r;
}

int sig_v1_verify(EVP_PKEY *pub, uint16_t method, const uint8_t *sig, size_t len,
		  const uint8_t *hash, size_t hlen, char *why, size_t whylen)
{
	int mine = sig_v1_method(pub);
	size_t coord = coord_of(method);
	size_t want = coord ? 2 * coord : pub ? (size_t)EVP_PKEY_get_size(pub) : 0;
	int r;

	if (mine < 0 || mine != method) {
		snprintf(why, whylen, "authentication method %u does not fit the peer's %s key",
			 method, mine < 0 ? "unusable" : method_name(mine));
		return -EINVAL;
	}
	if (len != want) {
		snprintf(why, whylen, "%s signature of %zu bytes, not %zu", method_name(mine), len,
			 want);
		return -EBADMSG;
	}
	r = check(pub, coord, sig, len, hash, hlen);
	ERR_clear_error();
	if (r < 0) {
		snprintf(why, whylen, "%s: out of memory", method_name(mine));
		return r;
	}
	snprintf(why, whylen, r ? "%s" : "%s signature does not verify", method_name(mine));
	return r ? 0 : -EBADMSG;
}
