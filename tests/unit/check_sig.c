/* check_sig: IKEv2 signature authentication (src/crypto/sig.c) and key files (keygen.c).
 * Keys are generated at test time. Every method and hash signs, verifies, and fails on a
 * flipped bit, a wrong key or a key of the wrong kind; the AlgorithmIdentifiers we send are
 * compared with the DER OpenSSL produces itself (i2d_X509_ALGOR and the signature
 * provider's algorithm-id) and with RFC 7427 A.4.3; signatures are cross-checked both ways
 * with plain EVP_DigestSign/EVP_DigestVerify driven by the test; malformed AUTH data and
 * AlgorithmIdentifiers (every truncation, bit flips, garbage) fail cleanly. */
#define _GNU_SOURCE /* nftw */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "ipsecd/crypto.h"
#include "ipsecd/sig.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

enum { RSA_A, RSA_B, P256_A, P256_B, P384_A, P384_B, P521_A, P521_B, ED_A, ED_B, NKEYS };
static EVP_PKEY *keys[NKEYS];

static bool gen_keys(void)
{
	static const char *curves[] = {"P-256", "P-384", "P-521"};

	for (int i = 0; i < 2; i++) {
		keys[RSA_A + i] = EVP_RSA_gen(2048);
		for (int c = 0; c < 3; c++)
			keys[P256_A + 2 * c + i] = EVP_EC_gen(curves[c]);
		keys[ED_A + i] = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	}
	for (int i = 0; i < NKEYS; i++)
		if (!keys[i])
			return false;
	return true;
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 131 + (i >> 8));
}

static void flip(uint8_t *p, size_t bit)
{
	p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
}

/* --- the cases: every method and hash --- */

struct sig_case {
	int key, other, wrong; /* signer, another key of its kind, a key of another kind */
	uint8_t method;
	uint16_t hash;
	bool pkcs1;	/* sig_sign_pkcs1 */
	const char *md; /* OpenSSL's digest for the reference; NULL for Ed25519 */
	int pad;	/* RSA padding for the reference; 0 for others */
	size_t coord;	/* methods 9/10/11: bytes of r and of s */
};

static const struct sig_case cases[] = {
	{RSA_A, RSA_B, P256_A, 1, 0, false, "SHA1", RSA_PKCS1_PADDING, 0},
	{RSA_A, RSA_B, P256_A, 14, 2, false, "SHA256", RSA_PKCS1_PSS_PADDING, 0},
	{RSA_A, RSA_B, P384_A, 14, 3, false, "SHA384", RSA_PKCS1_PSS_PADDING, 0},
	{RSA_A, RSA_B, ED_A, 14, 4, false, "SHA512", RSA_PKCS1_PSS_PADDING, 0},
	{RSA_A, RSA_B, P256_A, 14, 2, true, "SHA256", RSA_PKCS1_PADDING, 0},
	{RSA_A, RSA_B, P521_A, 14, 3, true, "SHA384", RSA_PKCS1_PADDING, 0},
	{RSA_A, RSA_B, ED_A, 14, 4, true, "SHA512", RSA_PKCS1_PADDING, 0},
	{P256_A, P256_B, P384_A, 9, 0, false, "SHA256", 0, 32},
	{P256_A, P256_B, RSA_A, 14, 2, false, "SHA256", 0, 0},
	{P256_A, P256_B, ED_A, 14, 3, false, "SHA384", 0, 0},
	{P256_A, P256_B, RSA_A, 14, 4, false, "SHA512", 0, 0},
	{P384_A, P384_B, P256_A, 10, 0, false, "SHA384", 0, 48},
	{P384_A, P384_B, RSA_A, 14, 2, false, "SHA256", 0, 0},
	{P384_A, P384_B, ED_A, 14, 3, false, "SHA384", 0, 0},
	{P384_A, P384_B, RSA_A, 14, 4, false, "SHA512", 0, 0},
	{P521_A, P521_B, P256_A, 11, 0, false, "SHA512", 0, 66},
	{P521_A, P521_B, RSA_A, 14, 2, false, "SHA256", 0, 0},
	{P521_A, P521_B, ED_A, 14, 3, false, "SHA384", 0, 0},
	{P521_A, P521_B, RSA_A, 14, 4, false, "SHA512", 0, 0},
	{ED_A, ED_B, P256_A, 14, 5, false, NULL, 0, 0},
	{ED_A, ED_B, RSA_A, 14, 5, false, NULL, 0, 0},
};

static int do_sign(const struct sig_case *c, const uint8_t *msg, size_t len,
		   struct crypto_chunk *out)
{
	if (c->pkcs1)
		return sig_sign_pkcs1(keys[c->key], c->method, c->hash, msg, len, out);
	return sig_sign(keys[c->key], c->method, c->hash, msg, len, out);
}

/* --- the test's own EVP --- */

static EVP_MD_CTX *ref_ctx(EVP_PKEY *key, const char *md, int pad, int salt, const char *mgf,
			   bool sign, EVP_PKEY_CTX **pc)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	ck_assert_ptr_nonnull(c);
	if (sign)
		ck_assert_int_gt(EVP_DigestSignInit_ex(c, pc, md, NULL, NULL, key, NULL), 0);
	else
		ck_assert_int_gt(EVP_DigestVerifyInit_ex(c, pc, md, NULL, NULL, key, NULL), 0);
	if (pad)
		ck_assert_int_gt(EVP_PKEY_CTX_set_rsa_padding(*pc, pad), 0);
	if (pad == RSA_PKCS1_PSS_PADDING) {
		ck_assert_int_gt(EVP_PKEY_CTX_set_rsa_pss_saltlen(*pc, salt), 0);
		ck_assert_int_gt(EVP_PKEY_CTX_set_rsa_mgf1_md_name(*pc, mgf ? mgf : md, NULL), 0);
	}
	return c;
}

/* The DER AlgorithmIdentifier OpenSSL's signature provider reports for the setup. */
static size_t ref_alg_id(EVP_PKEY *key, const char *md, int pad, int salt, const char *mgf,
			 uint8_t *out, size_t max)
{
	EVP_PKEY_CTX *pc = NULL;
	EVP_MD_CTX *c = ref_ctx(key, md, pad, salt, mgf, true, &pc);
	OSSL_PARAM p[] = {
		OSSL_PARAM_construct_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, out, max),
		OSSL_PARAM_construct_end()};

	ck_assert_int_gt(EVP_PKEY_CTX_get_params(pc, p), 0);
	ck_assert(OSSL_PARAM_modified(p));
	EVP_MD_CTX_free(c);
	return p[0].return_size;
}

static size_t ref_sign(EVP_PKEY *key, const char *md, int pad, int salt, const uint8_t *msg,
		       size_t len, uint8_t *sig, size_t max)
{
	EVP_PKEY_CTX *pc = NULL;
	EVP_MD_CTX *c = ref_ctx(key, md, pad, salt, NULL, true, &pc);
	size_t n = max;

	ck_assert_int_eq(EVP_DigestSign(c, sig, &n, msg, len), 1);
	EVP_MD_CTX_free(c);
	return n;
}

static int ref_verify(EVP_PKEY *key, const char *md, int pad, int salt, const uint8_t *msg,
		      size_t len, const uint8_t *sig, size_t siglen)
{
	EVP_PKEY_CTX *pc = NULL;
	EVP_MD_CTX *c = ref_ctx(key, md, pad, salt, NULL, false, &pc);
	int r = EVP_DigestVerify(c, sig, siglen, msg, len);

	EVP_MD_CTX_free(c);
	return r;
}

/* RFC 4754 7 by hand: DER ECDSA-Sig-Value <-> r | s. */
static size_t ref_der_to_raw(const uint8_t *der, size_t len, size_t coord, uint8_t *raw)
{
	const unsigned char *p = der;
	ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)len);
	const BIGNUM *r = NULL, *ss = NULL;

	ck_assert_ptr_nonnull(s);
	ECDSA_SIG_get0(s, &r, &ss);
	ck_assert_int_eq(BN_bn2binpad(r, raw, (int)coord), (int)coord);
	ck_assert_int_eq(BN_bn2binpad(ss, raw + coord, (int)coord), (int)coord);
	ECDSA_SIG_free(s);
	return 2 * coord;
}

static size_t ref_raw_to_der(const uint8_t *raw, size_t coord, uint8_t *der)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	unsigned char *p = der;
	int n;

	ck_assert(ECDSA_SIG_set0(s, BN_bin2bn(raw, (int)coord, NULL),
				 BN_bin2bn(raw + coord, (int)coord, NULL)));
	n = i2d_ECDSA_SIG(s, &p);
	ck_assert_int_gt(n, 0);
	ECDSA_SIG_free(s);
	return (size_t)n;
}

/* i2d_X509_ALGOR of an OID with NULL (V_ASN1_NULL) or absent (V_ASN1_UNDEF) parameters. */
static size_t ref_algor(int nid, int ptype, uint8_t *out)
{
	X509_ALGOR *a = X509_ALGOR_new();
	unsigned char *p = out;
	int n;

	ck_assert(X509_ALGOR_set0(a, OBJ_nid2obj(nid), ptype, NULL));
	n = i2d_X509_ALGOR(a, &p);
	ck_assert_int_gt(n, 0);
	X509_ALGOR_free(a);
	return (size_t)n;
}

/* AUTH data for method 14 from an AlgorithmIdentifier and a signature. */
static size_t ds_data(const uint8_t *alg, size_t alen, const uint8_t *sig, size_t slen,
		      uint8_t *out)
{
	ck_assert_uint_le(alen, 255);
	out[0] = (uint8_t)alen;
	memcpy(out + 1, alg, alen);
	memcpy(out + 1 + alen, sig, slen);
	return 1 + alen + slen;
}

/* --- sign and verify --- */

/* The public half alone, as a peer's key arrives (SubjectPublicKeyInfo), verifies too. */
static void verify_with_public(EVP_PKEY *key, uint8_t method, const struct crypto_chunk *ad,
			       const uint8_t *msg, size_t len)
{
	struct crypto_chunk spki = {0};
	EVP_PKEY *pub;

	ck_assert_int_eq(sig_key_spki(key, &spki), 0);
	pub = sig_key_from_spki(spki.ptr, spki.len);
	ck_assert_ptr_nonnull(pub);
	ck_assert_int_eq(sig_verify(pub, method, ad->ptr, ad->len, msg, len, NULL, 0), 0);
	sig_key_free(pub);
	crypto_chunk_clear(&spki);
}

START_TEST(test_sign_verify)
{
	const struct sig_case *c = &cases[_i];
	struct crypto_chunk ad = {0};
	uint8_t msg[300], aid[128], ref[1024];
	char why[128] = "x";
	size_t off = 0;

	fill(msg, sizeof(msg), (unsigned)_i);
	ck_assert_int_eq(do_sign(c, msg, sizeof(msg), &ad), 0);
	ck_assert_int_eq(sig_verify(keys[c->key], c->method, ad.ptr, ad.len, msg, sizeof(msg), why,
				    sizeof(why)),
			 0);
	ck_assert_msg(why[0] != '\0', "no scheme named on success");
	verify_with_public(keys[c->key], c->method, &ad, msg, sizeof(msg));
	if (c->method == 14) {
		size_t n = ref_alg_id(keys[c->key], c->md, c->pad, RSA_PSS_SALTLEN_DIGEST, NULL,
				      aid, sizeof(aid));

		ck_assert_uint_eq(ad.ptr[0], n);
		ck_assert_mem_eq(ad.ptr + 1, aid, n);
		off = 1 + n;
	}
	if (c->coord) { /* RFC 4754: r | s, fixed size; the test checks it as DER */
		ck_assert_uint_eq(ad.len, 2 * c->coord);
		size_t dl = ref_raw_to_der(ad.ptr, c->coord, ref);

		ck_assert_int_eq(ref_verify(keys[c->key], c->md, 0, 0, msg, sizeof(msg), ref, dl),
				 1);
	} else {
		/* PSS checked with salt = hash length exactly (RSA_PSS_SALTLEN_DIGEST) */
		ck_assert_int_eq(ref_verify(keys[c->key], c->md, c->pad, RSA_PSS_SALTLEN_DIGEST,
					    msg, sizeof(msg), ad.ptr + off, ad.len - off),
				 1);
	}
	if (c->pad == RSA_PKCS1_PADDING) { /* deterministic: the very bytes OpenSSL makes */
		size_t n = ref_sign(keys[c->key], c->md, c->pad, 0, msg, sizeof(msg), ref,
				    sizeof(ref));

		ck_assert_uint_eq(ad.len - off, n);
		ck_assert_mem_eq(ad.ptr + off, ref, n);
	}
	if (c->method == 1)
		ck_assert_uint_eq(ad.len, 256);
	crypto_chunk_clear(&ad);
	ck_assert_ptr_null(ad.ptr);
}
END_TEST

START_TEST(test_tamper)
{
	const struct sig_case *c = &cases[_i];
	struct crypto_chunk ad = {0};
	uint8_t msg[200];
	char why[128];
	size_t prefix = 0;

	fill(msg, sizeof(msg), 7u + (unsigned)_i);
	ck_assert_int_eq(do_sign(c, msg, sizeof(msg), &ad), 0);
	if (c->method == 14)
		prefix = 1u + ad.ptr[0];
	/* a bit of the signed octets, first, middle, last */
	for (size_t bit = 0; bit < sizeof(msg) * 8; bit += sizeof(msg) * 8 / 2 - 1) {
		flip(msg, bit);
		ck_assert_int_eq(sig_verify(keys[c->key], c->method, ad.ptr, ad.len, msg,
					    sizeof(msg), why, sizeof(why)),
				 -EBADMSG);
		flip(msg, bit);
	}
	/* a bit of the signature: its first and last byte */
	size_t first = prefix * 8 + 3, last = ad.len * 8 - 1;

	flip(ad.ptr, first);
	ck_assert_int_eq(sig_verify(keys[c->key], c->method, ad.ptr, ad.len, msg, sizeof(msg), why,
				    sizeof(why)),
			 -EBADMSG);
	flip(ad.ptr, first);
	flip(ad.ptr, last);
	ck_assert_int_eq(sig_verify(keys[c->key], c->method, ad.ptr, ad.len, msg, sizeof(msg), why,
				    sizeof(why)),
			 -EBADMSG);
	flip(ad.ptr, last);
	/* every bit of the length and the AlgorithmIdentifier: never valid */
	for (size_t bit = 0; bit < prefix * 8; bit++) {
		flip(ad.ptr, bit);
		ck_assert_int_lt(sig_verify(keys[c->key], c->method, ad.ptr, ad.len, msg,
					    sizeof(msg), why, sizeof(why)),
				 0);
		flip(ad.ptr, bit);
	}
	/* another key of the same kind; a key of another kind */
	ck_assert_int_eq(sig_verify(keys[c->other], c->method, ad.ptr, ad.len, msg, sizeof(msg),
				    why, sizeof(why)),
			 -EBADMSG);
	ck_assert_int_eq(sig_verify(keys[c->wrong], c->method, ad.ptr, ad.len, msg, sizeof(msg),
				    why, sizeof(why)),
			 -EINVAL);
	ck_assert_msg(why[0] != '\0', "no reason given");
	/* and it still verifies untouched */
	ck_assert_int_eq(sig_verify(keys[c->key], c->method, ad.ptr, ad.len, msg, sizeof(msg), why,
				    sizeof(why)),
			 0);
	crypto_chunk_clear(&ad);
}
END_TEST

START_TEST(test_truncated)
{
	const struct sig_case *c = &cases[_i];
	struct crypto_chunk ad = {0};
	uint8_t msg[64], *buf;
	char why[128];

	fill(msg, sizeof(msg), 99);
	ck_assert_int_eq(do_sign(c, msg, sizeof(msg), &ad), 0);
	/* each truncation in a buffer of exactly that size, so ASan sees any overread */
	for (size_t len = 0; len < ad.len; len++) {
		buf = malloc(len ? len : 1);
		memcpy(buf, ad.ptr, len);
		ck_assert_int_lt(sig_verify(keys[c->key], c->method, len ? buf : NULL, len, msg,
					    sizeof(msg), why, sizeof(why)),
				 0);
		free(buf);
	}
	/* one byte too many */
	buf = malloc(ad.len + 1);
	memcpy(buf, ad.ptr, ad.len);
	buf[ad.len] = 0;
	ck_assert_int_lt(sig_verify(keys[c->key], c->method, buf, ad.len + 1, msg, sizeof(msg), why,
				    sizeof(why)),
			 0);
	free(buf);
	crypto_chunk_clear(&ad);
}
END_TEST

/* Signatures made by the test with plain EVP_DigestSign are accepted. */
START_TEST(test_independent)
{
	const struct sig_case *c = &cases[_i];
	uint8_t msg[150], aid[128], sig[1024], ad[1200], raw[132];
	char why[128];
	size_t n, alen = 0, len;

	fill(msg, sizeof(msg), 3u * (unsigned)_i);
	n = ref_sign(keys[c->key], c->md, c->pad, RSA_PSS_SALTLEN_DIGEST, msg, sizeof(msg), sig,
		     sizeof(sig));
	if (c->method == 14) {
		alen = ref_alg_id(keys[c->key], c->md, c->pad, RSA_PSS_SALTLEN_DIGEST, NULL, aid,
				  sizeof(aid));
		len = ds_data(aid, alen, sig, n, ad);
	} else if (c->coord) {
		len = ref_der_to_raw(sig, n, c->coord, raw);
		memcpy(ad, raw, len);
	} else {
		memcpy(ad, sig, n);
		len = n;
	}
	ck_assert_int_eq(
		sig_verify(keys[c->key], c->method, ad, len, msg, sizeof(msg), why, sizeof(why)),
		0);
	ck_assert_int_eq(
		sig_verify(keys[c->other], c->method, ad, len, msg, sizeof(msg), why, sizeof(why)),
		-EBADMSG);
}
END_TEST

/* One process, every case twice over, interleaved: each key's prepared sign and verify
 * operations (sig.c keeps one of each per key) follow the scheme asked for each time, and
 * still do after sig_cache_clear. Every signature is checked by the test's own EVP too. */
START_TEST(test_scheme_switch)
{
	uint8_t msg[120], aid[128], der[160];

	for (int round = 0; round < 3; round++) {
		if (round == 2)
			sig_cache_clear();
		for (size_t i = 0; i < N(cases); i++) {
			const struct sig_case *c = &cases[i];
			struct crypto_chunk ad = {0};
			size_t off = 0, n;

			fill(msg, sizeof(msg), (unsigned)(round * 100 + (int)i));
			ck_assert_int_eq(do_sign(c, msg, sizeof(msg), &ad), 0);
			ck_assert_int_eq(sig_verify(keys[c->key], c->method, ad.ptr, ad.len, msg,
						    sizeof(msg), NULL, 0),
					 0);
			ck_assert_int_eq(sig_verify(keys[c->other], c->method, ad.ptr, ad.len, msg,
						    sizeof(msg), NULL, 0),
					 -EBADMSG);
			if (c->method == 14)
				off = 1 + ref_alg_id(keys[c->key], c->md, c->pad,
						     RSA_PSS_SALTLEN_DIGEST, NULL, aid,
						     sizeof(aid));
			if (c->coord) {
				n = ref_raw_to_der(ad.ptr, c->coord, der);
				ck_assert_int_eq(ref_verify(keys[c->key], c->md, 0, 0, msg,
							    sizeof(msg), der, n),
						 1);
			} else {
				ck_assert_int_eq(ref_verify(keys[c->key], c->md, c->pad,
							    RSA_PSS_SALTLEN_DIGEST, msg,
							    sizeof(msg), ad.ptr + off,
							    ad.len - off),
						 1);
			}
			crypto_chunk_clear(&ad);
		}
	}
}
END_TEST

/* RFC 4754 7: r and s keep their size when they are short. One P-256 signature in 256 has
 * r, and one in 256 has s, with a leading zero byte: every signature is checked until both
 * were seen in ours and one in OpenSSL's (bounded: missing one in 8192 tries has odds of
 * about e^-32). */
START_TEST(test_ecdsa_short_coord)
{
	uint8_t msg[8] = {0}, der[80], raw[64];
	struct crypto_chunk ad = {0};
	bool r0 = false, s0 = false, theirs = false;
	size_t n;

	for (uint32_t i = 0; i < 8192 && !(r0 && s0 && theirs); i++) {
		memcpy(msg, &i, sizeof(i));
		ck_assert_int_eq(sig_sign(keys[P256_A], 9, 0, msg, sizeof(msg), &ad), 0);
		ck_assert_uint_eq(ad.len, 64);
		ck_assert_int_eq(
			sig_verify(keys[P256_A], 9, ad.ptr, ad.len, msg, sizeof(msg), NULL, 0), 0);
		n = ref_raw_to_der(ad.ptr, 32, der);
		ck_assert_int_eq(ref_verify(keys[P256_A], "SHA256", 0, 0, msg, sizeof(msg), der, n),
				 1);
		r0 = r0 || ad.ptr[0] == 0;
		s0 = s0 || ad.ptr[32] == 0;
		crypto_chunk_clear(&ad);
		n = ref_sign(keys[P256_A], "SHA256", 0, 0, msg, sizeof(msg), der, sizeof(der));
		if (n < 70) { /* r or s shorter than 32 bytes, or without its sign byte */
			ref_der_to_raw(der, n, 32, raw);
			ck_assert_int_eq(sig_verify(keys[P256_A], 9, raw, sizeof(raw), msg,
						    sizeof(msg), NULL, 0),
					 0);
			theirs = theirs || raw[0] == 0 || raw[32] == 0;
		}
	}
	ck_assert(r0 && s0 && theirs);
}
END_TEST

/* --- the AlgorithmIdentifier bytes --- */

static void prefix_of(EVP_PKEY *key, uint16_t hash, bool pkcs1, const uint8_t *want, size_t n)
{
	struct crypto_chunk ad = {0};
	uint8_t msg[16] = {1, 2, 3};
	int r = pkcs1 ? sig_sign_pkcs1(key, 14, hash, msg, sizeof(msg), &ad)
		      : sig_sign(key, 14, hash, msg, sizeof(msg), &ad);

	ck_assert_int_eq(r, 0);
	ck_assert_uint_gt(ad.len, 1 + n);
	ck_assert_uint_eq(ad.ptr[0], n);
	ck_assert_mem_eq(ad.ptr + 1, want, n);
	crypto_chunk_clear(&ad);
}

START_TEST(test_alg_id_bytes)
{
	/* RFC 7427 A.4.3: RSASSA-PSS with SHA-256 */
	static const uint8_t pss256[] = {
		0x30, 0x41, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a, 0x30,
		0x34, 0xa0, 0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04,
		0x02, 0x01, 0x05, 0x00, 0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
		0xf7, 0x0d, 0x01, 0x01, 0x08, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
		0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0xa2, 0x03, 0x02, 0x01, 0x20};
	uint8_t der[64];
	size_t n;

	prefix_of(keys[RSA_A], 2, false, pss256, sizeof(pss256));
	n = ref_algor(NID_sha256WithRSAEncryption, V_ASN1_NULL, der);
	ck_assert_uint_eq(n, 15);
	prefix_of(keys[RSA_A], 2, true, der, n);
	n = ref_algor(NID_sha512WithRSAEncryption, V_ASN1_NULL, der);
	prefix_of(keys[RSA_A], 4, true, der, n);
	n = ref_algor(NID_ecdsa_with_SHA256, V_ASN1_UNDEF, der);
	ck_assert_uint_eq(n, 12);
	prefix_of(keys[P256_A], 2, false, der, n);
	prefix_of(keys[P521_A], 2, false, der, n);
	n = ref_algor(NID_ecdsa_with_SHA384, V_ASN1_UNDEF, der);
	prefix_of(keys[P384_A], 3, false, der, n);
	n = ref_algor(NID_ED25519, V_ASN1_UNDEF, der);
	ck_assert_uint_eq(n, 7);
	prefix_of(keys[ED_A], 5, false, der, n);
}
END_TEST

/* RSASSA-PSS parameters other than ours: an explicit salt length is honoured, a hash or
 * MGF1 hash we do not take is refused. The AlgorithmIdentifiers come from OpenSSL. */
START_TEST(test_pss_params)
{
	uint8_t msg[100], aid[128], sig[512], ad[700];
	char why[128];
	size_t alen, n, len;

	fill(msg, sizeof(msg), 5);
	/* salt 20 with SHA-256, said so in the parameters */
	alen = ref_alg_id(keys[RSA_A], "SHA256", RSA_PKCS1_PSS_PADDING, 20, NULL, aid, sizeof(aid));
	n = ref_sign(keys[RSA_A], "SHA256", RSA_PKCS1_PSS_PADDING, 20, msg, sizeof(msg), sig,
		     sizeof(sig));
	len = ds_data(aid, alen, sig, n, ad);
	ck_assert_int_eq(sig_verify(keys[RSA_A], 14, ad, len, msg, sizeof(msg), why, sizeof(why)),
			 0);
	ck_assert_str_eq(why, "RSASSA-PSS SHA-256 salt 20");
	/* the parameters say 32, the signature used 20 */
	alen = ref_alg_id(keys[RSA_A], "SHA256", RSA_PKCS1_PSS_PADDING, 32, NULL, aid, sizeof(aid));
	len = ds_data(aid, alen, sig, n, ad);
	ck_assert_int_eq(sig_verify(keys[RSA_A], 14, ad, len, msg, sizeof(msg), why, sizeof(why)),
			 -EBADMSG);
	/* MGF1 with another hash than the message's */
	alen = ref_alg_id(keys[RSA_A], "SHA256", RSA_PKCS1_PSS_PADDING, 32, "SHA384", aid,
			  sizeof(aid));
	len = ds_data(aid, alen, sig, n, ad);
	ck_assert_int_eq(sig_verify(keys[RSA_A], 14, ad, len, msg, sizeof(msg), why, sizeof(why)),
			 -ENOTSUP);
	/* PSS over SHA-1 */
	alen = ref_alg_id(keys[RSA_A], "SHA1", RSA_PKCS1_PSS_PADDING, 20, NULL, aid, sizeof(aid));
	n = ref_sign(keys[RSA_A], "SHA1", RSA_PKCS1_PSS_PADDING, 20, msg, sizeof(msg), sig,
		     sizeof(sig));
	len = ds_data(aid, alen, sig, n, ad);
	ck_assert_int_eq(sig_verify(keys[RSA_A], 14, ad, len, msg, sizeof(msg), why, sizeof(why)),
			 -ENOTSUP);
}
END_TEST

/* Hand-made AlgorithmIdentifiers that are malformed or not for us. */
START_TEST(test_alg_id_malformed)
{
	/* RFC 7427 A.4.1: RSASSA-PSS with empty parameters (all defaults: SHA-1) */
	static const uint8_t pss_empty[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
					    0xf7, 0x0d, 0x01, 0x01, 0x0a, 0x30, 0x00};
	/* RSASSA-PSS with SHA-1, MGF1-SHA-1 and salt 20 all spelled out (DER would omit them) */
	static const uint8_t pss_sha1[] = {
		0x30, 0x39, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01,
		0x0a, 0x30, 0x2c, 0xa0, 0x0b, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03,
		0x02, 0x1a, 0x05, 0x00, 0xa1, 0x18, 0x30, 0x16, 0x06, 0x09, 0x2a, 0x86,
		0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08, 0x30, 0x09, 0x06, 0x05, 0x2b,
		0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0xa2, 0x03, 0x02, 0x01, 0x14};
	/* RSASSA-PSS, parameters absent */
	static const uint8_t pss_none[] = {0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48,
					   0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a};
	/* A.4.3 with trailerField [3] INTEGER 2 added */
	static const uint8_t pss_trailer2[] = {
		0x30, 0x46, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01,
		0x0a, 0x30, 0x39, 0xa0, 0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48,
		0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0xa1, 0x1c, 0x30, 0x1a,
		0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08, 0x30,
		0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
		0x05, 0x00, 0xa2, 0x03, 0x02, 0x01, 0x20, 0xa3, 0x03, 0x02, 0x01, 0x02};
	/* ecdsa-with-SHA256 with an INTEGER parameter */
	static const uint8_t ecdsa_param[] = {0x30, 0x0d, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
					      0x3d, 0x04, 0x03, 0x02, 0x02, 0x01, 0x05};
	/* ecdsa-with-SHA256 followed by a stray byte inside the declared length */
	static const uint8_t ecdsa_trailing[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
						 0xce, 0x3d, 0x04, 0x03, 0x02, 0x00};
	static const struct {
		const uint8_t *alg;
		size_t len;
		int key, want;
	} bad[] = {
		{pss_empty, sizeof(pss_empty), RSA_A, -ENOTSUP},
		{pss_sha1, sizeof(pss_sha1), RSA_A, -ENOTSUP},
		{pss_none, sizeof(pss_none), RSA_A, -EINVAL},
		{pss_trailer2, sizeof(pss_trailer2), RSA_A, -EINVAL},
		{ecdsa_param, sizeof(ecdsa_param), P256_A, -EINVAL},
		{ecdsa_trailing, sizeof(ecdsa_trailing), P256_A, -EINVAL},
	};
	uint8_t msg[32] = {0}, sig[300], ad[400];
	char why[128];

	fill(sig, sizeof(sig), 1);
	for (size_t i = 0; i < N(bad); i++) {
		size_t len = ds_data(bad[i].alg, bad[i].len, sig, 256, ad);

		ck_assert_int_eq(sig_verify(keys[bad[i].key], 14, ad, len, msg, sizeof(msg), why,
					    sizeof(why)),
				 bad[i].want);
		ck_assert_msg(why[0] != '\0', "case %zu: no reason", i);
	}
	/* length byte 0; longer than what follows; an AlgorithmIdentifier and no signature */
	ad[0] = 0;
	ck_assert_int_eq(sig_verify(keys[RSA_A], 14, ad, 100, msg, sizeof(msg), why, sizeof(why)),
			 -EINVAL);
	ad[0] = 200;
	ck_assert_int_eq(sig_verify(keys[RSA_A], 14, ad, 100, msg, sizeof(msg), why, sizeof(why)),
			 -EINVAL);
	size_t len = ds_data(ecdsa_trailing, 12, sig, 0, ad);

	ck_assert_int_eq(sig_verify(keys[P256_A], 14, ad, len, msg, sizeof(msg), why, sizeof(why)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "no signature"));
}
END_TEST

/* SHA-1 under method 14, algorithms we do not have, key types without signatures. */
START_TEST(test_unsupported)
{
	uint8_t msg[50], der[64], sig[512], ad[600];
	char why[128];
	struct crypto_chunk ad2 = {0};
	size_t n, alen, len;
	EVP_PKEY *ed448 = EVP_PKEY_Q_keygen(NULL, NULL, "ED448");
	EVP_PKEY *x25519 = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");

	fill(msg, sizeof(msg), 11);
	/* a good RSASSA-PKCS1-v1_5 SHA-1 signature labelled sha1WithRSAEncryption */
	alen = ref_algor(NID_sha1WithRSAEncryption, V_ASN1_NULL, der);
	n = ref_sign(keys[RSA_A], "SHA1", RSA_PKCS1_PADDING, 0, msg, sizeof(msg), sig, sizeof(sig));
	len = ds_data(der, alen, sig, n, ad);
	ck_assert_int_eq(sig_verify(keys[RSA_A], 14, ad, len, msg, sizeof(msg), why, sizeof(why)),
			 -ENOTSUP);
	ck_assert_ptr_nonnull(strstr(why, "sha1WithRSAEncryption"));
	/* the same bytes as method 1 are fine */
	ck_assert_int_eq(sig_verify(keys[RSA_A], 1, sig, n, msg, sizeof(msg), why, sizeof(why)), 0);
	alen = ref_algor(NID_ecdsa_with_SHA1, V_ASN1_UNDEF, der);
	len = ds_data(der, alen, sig, 70, ad);
	ck_assert_int_eq(sig_verify(keys[P256_A], 14, ad, len, msg, sizeof(msg), why, sizeof(why)),
			 -ENOTSUP);
	alen = ref_algor(NID_dsa_with_SHA256, V_ASN1_UNDEF, der);
	len = ds_data(der, alen, sig, 70, ad);
	ck_assert_int_eq(sig_verify(keys[P256_A], 14, ad, len, msg, sizeof(msg), why, sizeof(why)),
			 -ENOTSUP);
	/* methods that are not signatures, or that we do not do */
	ck_assert_int_eq(sig_verify(keys[RSA_A], 2, sig, n, msg, sizeof(msg), why, sizeof(why)),
			 -ENOTSUP);
	ck_assert_int_eq(sig_verify(keys[RSA_A], 3, sig, n, msg, sizeof(msg), why, sizeof(why)),
			 -ENOTSUP);
	ck_assert_int_eq(sig_sign(keys[RSA_A], 2, 0, msg, sizeof(msg), &ad2), -ENOTSUP);
	ck_assert_int_eq(sig_sign(keys[RSA_A], 14, 1, msg, sizeof(msg), &ad2), -ENOTSUP);
	ck_assert_int_eq(sig_sign(keys[RSA_A], 14, 6, msg, sizeof(msg), &ad2), -ENOTSUP);
	ck_assert_int_eq(sig_sign(keys[RSA_A], 14, 0, msg, sizeof(msg), &ad2), -ENOTSUP);
	ck_assert_ptr_null(ad2.ptr);
	/* Ed448 and X25519 keys */
	ck_assert_ptr_nonnull(ed448);
	ck_assert_ptr_nonnull(x25519);
	ck_assert_int_eq(sig_sign(ed448, 14, 5, msg, sizeof(msg), &ad2), -ENOTSUP);
	ck_assert_int_eq(sig_sign(x25519, 14, 5, msg, sizeof(msg), &ad2), -ENOTSUP);
	ck_assert_int_eq(sig_verify(ed448, 14, ad, len, msg, sizeof(msg), why, sizeof(why)),
			 -ENOTSUP);
	uint8_t method = 0;
	uint16_t hash = 0;

	ck_assert_int_eq(sig_choose(ed448, false, NULL, 0, &method, &hash), -ENOTSUP);
	ck_assert_int_eq(sig_choose(NULL, false, NULL, 0, &method, &hash), -ENOTSUP);
	EVP_PKEY_free(ed448);
	EVP_PKEY_free(x25519);
}
END_TEST

/* Key and method that do not go together, signing and verifying. */
START_TEST(test_mismatch)
{
	static const struct {
		int key;
		uint8_t method;
		uint16_t hash;
	} bad[] = {
		{P384_A, 9, 0}, {P256_A, 10, 0}, {P256_A, 11, 0}, {RSA_A, 9, 0}, {P256_A, 1, 0},
		{ED_A, 1, 0},	{RSA_A, 14, 5},	 {P256_A, 14, 5}, {ED_A, 14, 2}, {ED_A, 14, 4},
		{RSA_A, 1, 2},	{P256_A, 9, 3},	 {P384_A, 10, 2},
	};
	struct crypto_chunk ad = {0};
	uint8_t msg[40];
	char why[128];

	fill(msg, sizeof(msg), 2);
	for (size_t i = 0; i < N(bad); i++) {
		ck_assert_int_eq(sig_sign(keys[bad[i].key], bad[i].method, bad[i].hash, msg,
					  sizeof(msg), &ad),
				 -EINVAL);
		ck_assert_ptr_null(ad.ptr);
		ck_assert_uint_eq(ad.len, 0);
	}
	/* method 9 data checked with a P-384 key under method 9 */
	ck_assert_int_eq(sig_sign(keys[P256_A], 9, 0, msg, sizeof(msg), &ad), 0);
	ck_assert_int_eq(
		sig_verify(keys[P384_A], 9, ad.ptr, ad.len, msg, sizeof(msg), why, sizeof(why)),
		-EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "P-384"));
	ck_assert_int_eq(
		sig_verify(keys[RSA_A], 9, ad.ptr, ad.len, msg, sizeof(msg), why, sizeof(why)),
		-EINVAL);
	ck_assert_int_eq(
		sig_verify(keys[P256_A], 1, ad.ptr, ad.len, msg, sizeof(msg), why, sizeof(why)),
		-EINVAL);
	crypto_chunk_clear(&ad);
	/* a public key cannot sign */
	{
		struct crypto_chunk spki = {0};
		EVP_PKEY *pub;

		ck_assert_int_eq(sig_key_spki(keys[P256_A], &spki), 0);
		pub = sig_key_from_spki(spki.ptr, spki.len);
		ck_assert_ptr_nonnull(pub);
		ck_assert_int_lt(sig_sign(pub, 9, 0, msg, sizeof(msg), &ad), 0);
		ck_assert_ptr_null(ad.ptr);
		sig_key_free(pub);
		crypto_chunk_clear(&spki);
	}
}
END_TEST

/* Garbage of every length under every method: never valid, never a crash. */
START_TEST(test_garbage)
{
	static const uint8_t methods[] = {1, 9, 10, 11, 14, 0, 2, 255};
	uint8_t msg[20] = {0};
	char why[16]; /* short: reasons are truncated, never overflowed */

	for (size_t len = 0; len <= 300; len++) {
		uint8_t *buf = malloc(len ? len : 1);

		fill(buf, len, (unsigned)len);
		if (len)
			buf[0] = (uint8_t)(len * 7); /* every AlgorithmIdentifier length */
		for (size_t m = 0; m < N(methods); m++)
			for (int k = 0; k < NKEYS; k += 2)
				ck_assert_int_lt(sig_verify(keys[k], methods[m], buf, len, msg,
							    sizeof(msg), why, sizeof(why)),
						 0);
		free(buf);
	}
	/* a NULL reason buffer is fine */
	ck_assert_int_lt(sig_verify(keys[RSA_A], 14, msg, sizeof(msg), msg, sizeof(msg), NULL, 0),
			 0);
}
END_TEST

/* --- choosing the method --- */

START_TEST(test_choose)
{
	static const uint16_t all[] = {1, 2, 3, 4, 5}, sha2[] = {2, 3, 4}, only384[] = {3},
			      only512[] = {4, 99}, sha1[] = {1}, ident[] = {5}, p256only[] = {2};
	static const struct {
		int key;
		bool peer7427;
		const uint16_t *list;
		size_t n;
		uint8_t method;
		uint16_t hash;
	} want[] = {
		{RSA_A, false, NULL, 0, 1, 1},
		{RSA_A, true, all, N(all), 14, 2},
		{RSA_A, true, only384, N(only384), 14, 3},
		{RSA_A, true, only512, N(only512), 14, 4},
		{RSA_A, true, sha1, N(sha1), 1, 1},
		{RSA_A, true, NULL, 0, 1, 1},
		{P256_A, false, NULL, 0, 9, 2},
		{P256_A, true, sha2, N(sha2), 14, 2},
		{P256_A, true, only512, N(only512), 14, 4},
		{P384_A, false, NULL, 0, 10, 3},
		{P384_A, true, sha2, N(sha2), 14, 3},
		{P384_A, true, p256only, N(p256only), 14, 2},
		{P384_A, true, ident, N(ident), 10, 3},
		{P521_A, false, NULL, 0, 11, 4},
		{P521_A, true, all, N(all), 14, 4},
		{P521_A, true, only384, N(only384), 14, 3},
		{ED_A, false, NULL, 0, 14, 5},
		{ED_A, true, all, N(all), 14, 5},
	};
	uint8_t msg[10] = {9}, method;
	uint16_t hash;
	struct crypto_chunk ad = {0};

	for (size_t i = 0; i < N(want); i++) {
		method = 0;
		hash = 0;
		ck_assert_int_eq(sig_choose(keys[want[i].key], want[i].peer7427, want[i].list,
					    want[i].n, &method, &hash),
				 0);
		ck_assert_msg(method == want[i].method && hash == want[i].hash,
			      "case %zu: method %u hash %u, want %u %u", i, method, hash,
			      want[i].method, want[i].hash);
		/* what was chosen can be signed and verified */
		ck_assert_int_eq(sig_sign(keys[want[i].key], method, hash, msg, sizeof(msg), &ad),
				 0);
		ck_assert_int_eq(sig_verify(keys[want[i].key], method, ad.ptr, ad.len, msg,
					    sizeof(msg), NULL, 0),
				 0);
		crypto_chunk_clear(&ad);
	}
	/* Ed25519 to a peer that listed hashes, identity not among them */
	ck_assert_int_eq(sig_choose(keys[ED_A], true, sha2, N(sha2), &method, &hash), -ENOTSUP);
}
END_TEST

START_TEST(test_hash_algorithms)
{
	uint16_t out[8] = {0};

	ck_assert_uint_eq(sig_hash_algorithms(out, N(out)), 4);
	ck_assert_uint_eq(out[0], 2);
	ck_assert_uint_eq(out[1], 3);
	ck_assert_uint_eq(out[2], 4);
	ck_assert_uint_eq(out[3], 5);
	ck_assert_uint_eq(out[4], 0);
	memset(out, 0, sizeof(out));
	ck_assert_uint_eq(sig_hash_algorithms(out, 2), 2);
	ck_assert_uint_eq(out[2], 0);
	ck_assert_uint_eq(sig_hash_algorithms(out, 0), 0);
}
END_TEST

/* --- key files --- */

/* A directory per run (unchecked fixture: removed in the parent even when a test failed) and
 * one inside it per test. */
static char base[64], dir[96];

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void base_setup(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(base, sizeof(base), "%s/check_sig.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(base))
		ck_abort_msg("mkdtemp %s: %s", base, strerror(errno));
}

static void base_teardown(void)
{
	nftw(base, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void dir_setup(void)
{
	snprintf(dir, sizeof(dir), "%s/t.XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void dir_teardown(void)
{
	nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

static const char *in_dir(const char *name)
{
	static char p[4][128];
	static int next;
	char *s = p[next++ % 4];

	snprintf(s, sizeof(p[0]), "%s/%s", dir, name);
	return s;
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static bool starts_with(const char *path, const char *text)
{
	char buf[64] = {0};
	FILE *f = fopen(path, "r");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	return n >= strlen(text) && memcmp(buf, text, strlen(text)) == 0;
}

/* Signs with one key, verifies with the other. */
static void sign_check(EVP_PKEY *priv, EVP_PKEY *pub)
{
	uint8_t msg[33], method;
	uint16_t hash;
	struct crypto_chunk ad = {0};

	fill(msg, sizeof(msg), 4);
	ck_assert_int_eq(sig_choose(priv, true, (const uint16_t[]){2, 5}, 2, &method, &hash), 0);
	ck_assert_int_eq(sig_sign(priv, method, hash, msg, sizeof(msg), &ad), 0);
	ck_assert_int_eq(sig_verify(pub, method, ad.ptr, ad.len, msg, sizeof(msg), NULL, 0), 0);
	crypto_chunk_clear(&ad);
}

START_TEST(test_generate)
{
	const char *path = in_dir("k.pem");
	struct sig_err err = {0};
	EVP_PKEY *key, *again, *loaded = NULL;
	unsigned bits;
	bool rsa, priv;

	umask(0); /* the mode must not depend on the umask (fork mode: this process only) */
	key = sig_key_generate(path, 1024, &err);
	ck_assert_msg(key != NULL, "%s", err.msg);
	ck_assert_int_eq(err.code, 0);
	ck_assert_uint_eq(mode_of(path), 0600);
	ck_assert(starts_with(path, "-----BEGIN PRIVATE KEY-----"));
	sig_key_info(key, &bits, &rsa, &priv);
	ck_assert_uint_eq(bits, 1024);
	ck_assert(rsa && priv);
	/* not again over the same file */
	again = sig_key_generate(path, 1024, &err);
	ck_assert_ptr_null(again);
	ck_assert_int_eq(err.code, -EEXIST);
	ck_assert_ptr_nonnull(strstr(err.msg, path));
	ck_assert_int_eq(sig_key_load(path, NULL, &loaded, &priv, &err), 0);
	ck_assert(priv);
	ck_assert(sig_key_equal(key, loaded));
	sign_check(loaded, key);
	sign_check(key, loaded);
	sig_key_free(loaded);
	sig_key_free(key);
	/* 2048 bits, the default of RouterOS */
	key = sig_key_generate(in_dir("k2048.pem"), 2048, &err);
	ck_assert_ptr_nonnull(key);
	sig_key_info(key, &bits, &rsa, &priv);
	ck_assert_uint_eq(bits, 2048);
	sig_key_free(key);
}
END_TEST

START_TEST(test_generate_bad_size)
{
	static const unsigned sizes[] = {0, 512, 1023, 3072, 8192};
	struct sig_err err;
	struct stat st;

	for (size_t i = 0; i < N(sizes); i++) {
		const char *path = in_dir("bad.pem");

		ck_assert_ptr_null(sig_key_generate(path, sizes[i], &err));
		ck_assert_int_eq(err.code, -EINVAL);
		ck_assert_ptr_nonnull(strstr(err.msg, "1024, 2048 or 4096"));
		ck_assert_int_eq(stat(path, &st), -1);
	}
	ck_assert_ptr_null(sig_key_generate(in_dir("bad.pem"), 512, NULL));
	/* a directory that does not exist */
	ck_assert_ptr_null(sig_key_generate(in_dir("no/such.pem"), 1024, &err));
	ck_assert_int_eq(err.code, -ENOENT);
}
END_TEST

START_TEST(test_load_mode)
{
	const char *path = in_dir("k.pem"), *pubpath = in_dir("k.pub");
	struct sig_err err;
	EVP_PKEY *key = sig_key_generate(path, 1024, &err), *loaded = NULL;
	bool priv = true;
	static const mode_t bad[] = {0644, 0640, 0604, 0660, 0601, 0610};

	ck_assert_ptr_nonnull(key);
	for (size_t i = 0; i < N(bad); i++) {
		char m[8];

		ck_assert_int_eq(chmod(path, bad[i]), 0);
		ck_assert_int_eq(sig_key_load(path, NULL, &loaded, &priv, &err), -EPERM);
		ck_assert_ptr_null(loaded);
		ck_assert(!priv);
		snprintf(m, sizeof(m), "%04o", (unsigned)bad[i]);
		ck_assert_ptr_nonnull(strstr(err.msg, path));
		ck_assert_msg(strstr(err.msg, m) != NULL, "%s lacks %s", err.msg, m);
		/* insecure-key-files=warn: loaded, with the same facts as a warning */
		ck_assert_int_eq(sig_key_load_lax(path, NULL, &loaded, &priv, &err), 0);
		ck_assert(loaded && priv);
		ck_assert_int_eq(err.code, 0);
		ck_assert_msg(strstr(err.msg, m) && strstr(err.msg, "loaded anyway"), "%s",
			      err.msg);
		sig_key_free(loaded);
		loaded = NULL;
	}
	ck_assert_int_eq(chmod(path, 0400), 0);
	ck_assert_int_eq(sig_key_load(path, NULL, &loaded, &priv, &err), 0);
	sig_key_free(loaded);
	/* a public key may be readable by all */
	ck_assert_int_eq(sig_key_export_pub(key, pubpath, &err), 0);
	ck_assert_int_eq(chmod(pubpath, 0666), 0);
	ck_assert_int_eq(sig_key_load(pubpath, NULL, &loaded, &priv, &err), 0);
	ck_assert(!priv);
	sig_key_free(loaded);
	sig_key_free(key);
}
END_TEST

START_TEST(test_export_pub)
{
	const char *path = in_dir("k.pem"), *pubpath = in_dir("k.pub");
	struct sig_err err;
	EVP_PKEY *key = sig_key_generate(path, 1024, &err), *pub = NULL;
	bool priv = true, rsa;
	unsigned bits;

	ck_assert_ptr_nonnull(key);
	umask(077);
	ck_assert_int_eq(sig_key_export_pub(key, pubpath, &err), 0);
	ck_assert_uint_eq(mode_of(pubpath), 0644);
	ck_assert(starts_with(pubpath, "-----BEGIN PUBLIC KEY-----"));
	ck_assert_int_eq(sig_key_load(pubpath, NULL, &pub, &priv, &err), 0);
	ck_assert(!priv);
	ck_assert(sig_key_equal(key, pub));
	sig_key_info(pub, &bits, &rsa, &priv);
	ck_assert(bits == 1024 && rsa && !priv);
	sign_check(key, pub);
	ck_assert_int_eq(sig_key_export_pub(key, pubpath, &err), -EEXIST);
	/* the text ipsecctl writes is the file's */
	char *pem = NULL, file[4096];
	FILE *f = fopen(pubpath, "r");
	size_t flen = f ? fread(file, 1, sizeof(file) - 1, f) : 0;

	if (f)
		fclose(f);
	file[flen] = '\0';
	ck_assert_int_eq(sig_key_pub_pem(key, &pem), 0);
	ck_assert_str_eq(pem, file);
	ck_assert_ptr_null(strstr(pem, "PRIVATE"));
	free(pem);
	/* another key is another key */
	ck_assert(!sig_key_equal(keys[RSA_A], pub));
	ck_assert(!sig_key_equal(keys[P256_A], pub));
	ck_assert(!sig_key_equal(NULL, pub));
	ck_assert(!sig_key_equal(pub, NULL));
	sig_key_free(pub);
	sig_key_free(key);
}
END_TEST

/* Writes key to path (mode 0600) with an OpenSSL encoder: output "PEM" or "DER", structure
 * "PrivateKeyInfo", "SubjectPublicKeyInfo" or "type-specific". */
static void write_encoded(EVP_PKEY *key, int selection, const char *output, const char *structure,
			  const char *pass, const char *path)
{
	OSSL_ENCODER_CTX *ctx =
		OSSL_ENCODER_CTX_new_for_pkey(key, selection, output, structure, NULL);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	BIO *b = BIO_new_fd(fd, BIO_CLOSE);

	ck_assert_int_ge(fd, 0);
	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_gt(OSSL_ENCODER_CTX_get_num_encoders(ctx), 0);
	if (pass) {
		ck_assert(OSSL_ENCODER_CTX_set_cipher(ctx, "AES-256-CBC", NULL));
		ck_assert(OSSL_ENCODER_CTX_set_passphrase(ctx, (const unsigned char *)pass,
							  strlen(pass)));
	}
	ck_assert(OSSL_ENCODER_to_bio(ctx, b));
	BIO_free(b);
	OSSL_ENCODER_CTX_free(ctx);
}

/* The mode check holds for every key type, not only RSA: a group- or world-readable EC or
 * Ed25519 private key is refused too (it loaded silently where the private half went
 * unseen, on OpenSSL 3.0.x releases before 3.0.22). */
START_TEST(test_load_mode_types)
{
	static const struct {
		int key;
		const char *structure;
	} f[] = {{P256_A, "PrivateKeyInfo"},
		 {P256_A, "type-specific"},
		 {P521_A, "PrivateKeyInfo"},
		 {ED_A, "PrivateKeyInfo"},
		 {RSA_A, "PrivateKeyInfo"}};

	for (size_t i = 0; i < N(f); i++) {
		char name[16];
		const char *path;
		EVP_PKEY *k = NULL;
		bool priv = true;
		struct sig_err err;

		snprintf(name, sizeof(name), "m%zu", i);
		path = in_dir(name);
		write_encoded(keys[f[i].key], EVP_PKEY_KEYPAIR, "PEM", f[i].structure, NULL, path);
		ck_assert_int_eq(chmod(path, 0644), 0);
		ck_assert_msg(sig_key_load(path, NULL, &k, &priv, &err) == -EPERM, "case %zu", i);
		ck_assert_ptr_null(k);
		ck_assert(!priv);
		ck_assert_int_eq(chmod(path, 0600), 0);
		ck_assert_msg(sig_key_load(path, NULL, &k, &priv, &err) == 0, "case %zu: %s", i,
			      err.msg);
		ck_assert_msg(priv, "case %zu: private half not seen", i);
		sig_key_free(k);
	}
}
END_TEST

START_TEST(test_load_formats)
{
	static const struct {
		int key, selection;
		const char *output, *structure, *head;
		bool priv;
	} f[] = {
		{RSA_A, EVP_PKEY_KEYPAIR, "PEM", "type-specific", "-----BEGIN RSA PRIVATE KEY",
		 true},
		{RSA_A, EVP_PKEY_KEYPAIR, "PEM", "PrivateKeyInfo", "-----BEGIN PRIVATE KEY", true},
		{RSA_A, EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo", NULL, true},
		{RSA_A, EVP_PKEY_PUBLIC_KEY, "PEM", "SubjectPublicKeyInfo", "-----BEGIN PUBLIC KEY",
		 false},
		{RSA_A, EVP_PKEY_PUBLIC_KEY, "DER", "SubjectPublicKeyInfo", NULL, false},
		{RSA_A, EVP_PKEY_PUBLIC_KEY, "PEM", "type-specific", "-----BEGIN RSA PUBLIC KEY",
		 false},
		{P256_A, EVP_PKEY_KEYPAIR, "PEM", "PrivateKeyInfo", "-----BEGIN PRIVATE KEY", true},
		{P384_A, EVP_PKEY_PUBLIC_KEY, "PEM", "SubjectPublicKeyInfo",
		 "-----BEGIN PUBLIC KEY", false},
		{ED_A, EVP_PKEY_KEYPAIR, "PEM", "PrivateKeyInfo", "-----BEGIN PRIVATE KEY", true},
	};
	struct sig_err err;

	for (size_t i = 0; i < N(f); i++) {
		char name[16];
		const char *path;
		EVP_PKEY *k = NULL;
		bool priv = !f[i].priv, rsa;
		unsigned bits;

		snprintf(name, sizeof(name), "f%zu", i);
		path = in_dir(name);
		write_encoded(keys[f[i].key], f[i].selection, f[i].output, f[i].structure, NULL,
			      path);
		if (f[i].head)
			ck_assert_msg(starts_with(path, f[i].head), "case %zu", i);
		ck_assert_msg(sig_key_load(path, NULL, &k, &priv, &err) == 0, "case %zu: %s", i,
			      err.msg);
		ck_assert_msg(priv == f[i].priv, "case %zu", i);
		ck_assert(sig_key_equal(k, keys[f[i].key]));
		sig_key_info(k, &bits, &rsa, &priv);
		ck_assert(priv == f[i].priv);
		ck_assert(rsa == (f[i].key == RSA_A));
		ck_assert_uint_eq(bits, (unsigned)EVP_PKEY_get_bits(keys[f[i].key]));
		if (f[i].priv)
			sign_check(k, keys[f[i].key]);
		sig_key_free(k);
	}
}
END_TEST

START_TEST(test_load_encrypted)
{
	const char *path = in_dir("enc.pem");
	struct sig_err err;
	EVP_PKEY *k = NULL;
	bool priv = false;

	write_encoded(keys[RSA_A], EVP_PKEY_KEYPAIR, "PEM", "EncryptedPrivateKeyInfo", "s3cret",
		      path);
	ck_assert(starts_with(path, "-----BEGIN ENCRYPTED PRIVATE KEY"));
	ck_assert_int_eq(sig_key_load(path, NULL, &k, &priv, &err), -ENOKEY);
	ck_assert_ptr_nonnull(strstr(err.msg, "passphrase"));
	ck_assert_ptr_null(k);
	ck_assert_int_eq(sig_key_load(path, "wrong", &k, &priv, &err), -ENOKEY);
	ck_assert_ptr_null(strstr(err.msg, "s3cret"));
	ck_assert_ptr_null(k);
	ck_assert_int_eq(sig_key_load(path, "s3cret", &k, &priv, &err), 0);
	ck_assert(priv);
	ck_assert(sig_key_equal(k, keys[RSA_A]));
	sig_key_free(k);
}
END_TEST

START_TEST(test_load_bad)
{
	struct sig_err err;
	EVP_PKEY *k = NULL;
	bool priv;
	const char *junk = in_dir("junk"), *empty = in_dir("empty");
	FILE *f = fopen(junk, "w");

	ck_assert_ptr_nonnull(f);
	fputs("-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----\n", f);
	fclose(f);
	ck_assert_int_eq(chmod(junk, 0600), 0);
	ck_assert_int_eq(sig_key_load(junk, NULL, &k, &priv, &err), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err.msg, junk));
	f = fopen(empty, "w");
	fclose(f);
	ck_assert_int_eq(sig_key_load(empty, NULL, &k, &priv, &err), -EBADMSG);
	ck_assert_int_eq(sig_key_load(in_dir("missing"), NULL, &k, &priv, &err), -ENOENT);
	ck_assert_int_eq(sig_key_load(dir, NULL, &k, &priv, &err), -EINVAL);
	/* a FIFO is refused, not waited on for a writer (the daemon's loop would stop) */
	ck_assert_int_eq(mkfifo(in_dir("fifo"), 0600), 0);
	alarm(10);
	ck_assert_int_eq(sig_key_load(in_dir("fifo"), NULL, &k, &priv, &err), -EINVAL);
	alarm(0);
	ck_assert_ptr_nonnull(strstr(err.msg, "fifo: not a regular file"));
	ck_assert_ptr_null(k);
}
END_TEST

START_TEST(test_spki)
{
	struct crypto_chunk der = {0};
	EVP_PKEY *pub;

	for (int i = 0; i < NKEYS; i += 2) {
		ck_assert_int_eq(sig_key_spki(keys[i], &der), 0);
		pub = sig_key_from_spki(der.ptr, der.len);
		ck_assert_ptr_nonnull(pub);
		ck_assert(sig_key_equal(pub, keys[i]));
		ck_assert(!sig_key_equal(pub, keys[i + 1]));
		sig_key_free(pub);
		for (size_t len = 0; len < der.len; len++) {
			uint8_t *buf = malloc(len ? len : 1);

			memcpy(buf, der.ptr, len);
			ck_assert_ptr_null(sig_key_from_spki(buf, len));
			free(buf);
		}
		uint8_t *longer = malloc(der.len + 1);

		memcpy(longer, der.ptr, der.len);
		longer[der.len] = 0;
		ck_assert_ptr_null(sig_key_from_spki(longer, der.len + 1));
		free(longer);
		crypto_chunk_clear(&der);
	}
	sig_key_free(NULL);
}
END_TEST

START_TEST(test_key_info)
{
	unsigned bits;
	bool rsa, priv;

	sig_key_info(keys[RSA_A], &bits, &rsa, &priv);
	ck_assert(bits == 2048 && rsa && priv);
	sig_key_info(keys[P256_A], &bits, &rsa, &priv);
	ck_assert(bits == 256 && !rsa && priv);
	sig_key_info(keys[P521_A], &bits, &rsa, &priv);
	ck_assert(bits == 521 && !rsa && priv);
	sig_key_info(keys[ED_A], &bits, &rsa, &priv);
	ck_assert(!rsa && priv);
	sig_key_info(NULL, &bits, &rsa, &priv);
	ck_assert(bits == 0 && !rsa && !priv);
}
END_TEST

/* IKEv1 SIG (RFC 2409 5.1): the method follows the key; RSA signs the bare hash in a
 * PKCS#1 v1.5 block (no DigestInfo: what strongSwan verifies), ECDSA the hash as its
 * digest, r | s of the curve's size. Another key, another hash, a flipped bit, another
 * method or length: refused. */
START_TEST(test_v1_sig)
{
	static const struct {
		int key, other, method;
		size_t len;
	} k[] = {{RSA_A, RSA_B, 3, 256},
		 {P256_A, P256_B, 9, 64},
		 {P384_A, P384_B, 10, 96},
		 {P521_A, P521_B, 11, 132}};
	uint8_t hash[32], other[32];
	char why[160];

	fill(hash, sizeof(hash), 7);
	fill(other, sizeof(other), 8);
	for (size_t i = 0; i < N(k); i++) {
		EVP_PKEY *key = keys[k[i].key];
		struct crypto_chunk sig = {0};

		ck_assert_int_eq(sig_v1_method(key), k[i].method);
		ck_assert_int_eq(sig_v1_sign(key, hash, sizeof(hash), &sig), 0);
		ck_assert_uint_eq(sig.len, k[i].len);
		ck_assert_int_eq(sig_v1_verify(key, (uint16_t)k[i].method, sig.ptr, sig.len, hash,
					       sizeof(hash), why, sizeof(why)),
				 0);
		ck_assert_int_eq(sig_v1_verify(keys[k[i].other], (uint16_t)k[i].method, sig.ptr,
					       sig.len, hash, sizeof(hash), why, sizeof(why)),
				 -EBADMSG);
		ck_assert_int_eq(sig_v1_verify(key, (uint16_t)k[i].method, sig.ptr, sig.len, other,
					       sizeof(other), why, sizeof(why)),
				 -EBADMSG);
		ck_assert_int_eq(sig_v1_verify(key, (uint16_t)k[i].method, sig.ptr, sig.len - 1,
					       hash, sizeof(hash), why, sizeof(why)),
				 -EBADMSG);
		ck_assert_int_eq(sig_v1_verify(key, k[i].method == 3 ? 9 : 3, sig.ptr, sig.len,
					       hash, sizeof(hash), why, sizeof(why)),
				 -EINVAL);
		sig.ptr[sig.len / 2] ^= 0x10;
		ck_assert_int_eq(sig_v1_verify(key, (uint16_t)k[i].method, sig.ptr, sig.len, hash,
					       sizeof(hash), why, sizeof(why)),
				 -EBADMSG);
		ck_assert_msg(strstr(why, "does not verify"), "%s", why);
		crypto_chunk_clear(&sig);
	}
	ck_assert_int_eq(sig_v1_method(keys[ED_A]), -ENOTSUP);
	struct crypto_chunk none = {0};

	ck_assert_int_eq(sig_v1_sign(keys[ED_A], hash, sizeof(hash), &none), -ENOTSUP);
	ck_assert_ptr_null(none.ptr);
}
END_TEST

/* The RSA block holds the hash itself: the public key recovers exactly it. */
START_TEST(test_v1_sig_rsa_bare)
{
	uint8_t hash[20], out[512];
	size_t outlen = sizeof(out);
	struct crypto_chunk sig = {0};
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, keys[RSA_A], NULL);

	fill(hash, sizeof(hash), 3);
	ck_assert_int_eq(sig_v1_sign(keys[RSA_A], hash, sizeof(hash), &sig), 0);
	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_gt(EVP_PKEY_verify_recover_init(ctx), 0);
	ck_assert_int_gt(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), 0);
	ck_assert_int_gt(EVP_PKEY_verify_recover(ctx, out, &outlen, sig.ptr, sig.len), 0);
	ck_assert_uint_eq(outlen, sizeof(hash));
	ck_assert(!memcmp(out, hash, sizeof(hash)));
	EVP_PKEY_CTX_free(ctx);
	crypto_chunk_clear(&sig);
}
END_TEST

static Suite *sig_suite(void)
{
	Suite *s = suite_create("sig");
	TCase *sig = tcase_create("sig");
	TCase *bad = tcase_create("malformed");
	TCase *kf = tcase_create("keyfile");

	tcase_set_timeout(sig, 60);
	tcase_set_timeout(bad, 60);
	tcase_set_timeout(kf, 60);
	tcase_add_loop_test(sig, test_sign_verify, 0, N(cases));
	tcase_add_loop_test(sig, test_independent, 0, N(cases));
	tcase_add_loop_test(sig, test_tamper, 0, N(cases));
	tcase_add_test(sig, test_scheme_switch);
	tcase_add_test(sig, test_ecdsa_short_coord);
	tcase_add_test(sig, test_alg_id_bytes);
	tcase_add_test(sig, test_pss_params);
	tcase_add_test(sig, test_choose);
	tcase_add_test(sig, test_hash_algorithms);
	tcase_add_test(sig, test_v1_sig);
	tcase_add_test(sig, test_v1_sig_rsa_bare);
	tcase_add_loop_test(bad, test_truncated, 0, N(cases));
	tcase_add_test(bad, test_alg_id_malformed);
	tcase_add_test(bad, test_unsupported);
	tcase_add_test(bad, test_mismatch);
	tcase_add_test(bad, test_garbage);
	tcase_add_unchecked_fixture(kf, base_setup, base_teardown);
	tcase_add_checked_fixture(kf, dir_setup, dir_teardown);
	tcase_add_test(kf, test_generate);
	tcase_add_test(kf, test_generate_bad_size);
	tcase_add_test(kf, test_load_mode);
	tcase_add_test(kf, test_load_mode_types);
	tcase_add_test(kf, test_export_pub);
	tcase_add_test(kf, test_load_formats);
	tcase_add_test(kf, test_load_encrypted);
	tcase_add_test(kf, test_load_bad);
	tcase_add_test(kf, test_spki);
	tcase_add_test(kf, test_key_info);
	suite_add_tcase(s, sig);
	suite_add_tcase(s, bad);
	suite_add_tcase(s, kf);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	if (crypto_init() < 0)
		return 99; /* a hard error: no default provider */
	if (!gen_keys()) {
		fprintf(stderr, "check_sig: generating the test keys failed\n");
		return 99;
	}
	sr = srunner_create(sig_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	for (int i = 0; i < NKEYS; i++)
		EVP_PKEY_free(keys[i]);
	return failed ? 1 : 0;
}
