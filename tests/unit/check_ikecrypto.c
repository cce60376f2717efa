/* check_ikecrypto: the crypto module (src/crypto) and IKEv2 key derivation (keymat.c).
 * Diffie-Hellman against a party the test computes itself (BIGNUM and EC_POINT arithmetic
 * with the RFC primes and curves), HMAC against RFC 2202 and RFC 4231, prf+ and the keymat
 * against an independent EVP_MAC computation here, and the SK payload against OpenSSL
 * ciphers driven directly by the test in the RFC 7296 3.14 / RFC 5282 layout. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>

#include "ipsecd/crypto.h"
#include "keymat.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static size_t unhex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = strlen(hex) / 2;

	ck_assert_uint_le(n, max);
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 131 + (i >> 8));
}

/* --- the test's own HMAC and prf+ (EVP_MAC over one concatenated buffer) --- */

static const char *md_of_prf(uint16_t prf, size_t *len)
{
	switch (prf) {
	case 1:
		*len = 16;
		return "MD5";
	case 2:
		*len = 20;
		return "SHA1";
	case 5:
		*len = 32;
		return "SHA256";
	case 6:
		*len = 48;
		return "SHA384";
	case 7:
		*len = 64;
		return "SHA512";
	}
	ck_abort_msg("no digest for prf %u", prf);
	return NULL;
}

static size_t ref_hmac(const char *md, const uint8_t *key, size_t klen, const uint8_t *msg,
		       size_t mlen, uint8_t *out)
{
	static const uint8_t nokey;
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md, 0),
		OSSL_PARAM_construct_end()};
	size_t n = 0;

	ck_assert_ptr_nonnull(ctx);
	ck_assert(EVP_MAC_init(ctx, klen ? key : &nokey, klen, params));
	ck_assert(EVP_MAC_update(ctx, msg, mlen));
	ck_assert(EVP_MAC_final(ctx, out, &n, 64));
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return n;
}

static size_t ref_prf(uint16_t prf, const uint8_t *key, size_t klen, const uint8_t *msg,
		      size_t mlen, uint8_t *out)
{
	size_t hl;
	const char *md = md_of_prf(prf, &hl);

	ck_assert_uint_eq(ref_hmac(md, key, klen, msg, mlen, out), hl);
	return hl;
}

/* RFC 7296 2.13: T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n). */
static void ref_prf_plus(uint16_t prf, const uint8_t *key, size_t klen, const uint8_t *seed,
			 size_t slen, uint8_t *out, size_t outlen)
{
	uint8_t *msg = malloc(64 + slen + 1), t[64];
	size_t tlen = 0, done = 0;

	ck_assert_ptr_nonnull(msg);
	for (unsigned n = 1; done < outlen; n++) {
		ck_assert_uint_le(n, 255);
		memcpy(msg, t, tlen);
		memcpy(msg + tlen, seed, slen);
		msg[tlen + slen] = (uint8_t)n;
		tlen = ref_prf(prf, key, klen, msg, tlen + slen + 1, t);
		size_t take = outlen - done < tlen ? outlen - done : tlen;

		memcpy(out + done, t, take);
		done += take;
	}
	free(msg);
}

/* --- Diffie-Hellman --- */

enum dh_kind { MODP, ECP, X25519 };

static const struct dh_case {
	uint16_t id;
	enum dh_kind kind;
	size_t publen, sharedlen; /* MODP: the prime's length; ECP: x | y and x */
} dh_cases[] = {
	{1, MODP, 96, 96},    {2, MODP, 128, 128},  {5, MODP, 192, 192},  {14, MODP, 256, 256},
	{15, MODP, 384, 384}, {16, MODP, 512, 512}, {17, MODP, 768, 768}, {18, MODP, 1024, 1024},
	{19, ECP, 64, 32},    {20, ECP, 96, 48},    {21, ECP, 132, 66},	  {31, X25519, 32, 32},
};

/* RFC 2409 6.1/6.2 and RFC 3526 primes, as OpenSSL carries them. */
static BIGNUM *ref_prime(uint16_t id)
{
	switch (id) {
	case 1:
		return BN_get_rfc2409_prime_768(NULL);
	case 2:
		return BN_get_rfc2409_prime_1024(NULL);
	case 5:
		return BN_get_rfc3526_prime_1536(NULL);
	case 14:
		return BN_get_rfc3526_prime_2048(NULL);
	case 15:
		return BN_get_rfc3526_prime_3072(NULL);
	case 16:
		return BN_get_rfc3526_prime_4096(NULL);
	case 17:
		return BN_get_rfc3526_prime_6144(NULL);
	case 18:
		return BN_get_rfc3526_prime_8192(NULL);
	}
	return NULL;
}

static int ref_curve(uint16_t id)
{
	return id == 19 ? NID_X9_62_prime256v1 : id == 20 ? NID_secp384r1 : NID_secp521r1;
}

static struct crypto_dh *dh_new_ok(uint16_t id)
{
	struct crypto_dh *dh = crypto_dh_new(id);

	ck_assert_msg(dh != NULL, "group %u", id);
	ck_assert_uint_eq(crypto_dh_group(dh), id);
	return dh;
}

START_TEST(test_dh_agree)
{
	const struct dh_case *c = &dh_cases[_i];
	struct crypto_dh *a, *b;
	struct crypto_chunk sa, sb;
	const uint8_t *pa, *pb;
	size_t la, lb;

	ck_assert_msg(crypto_dh_supported(c->id), "group %u", c->id);
	ck_assert_uint_eq(crypto_dh_pub_len(c->id), c->publen);
	a = dh_new_ok(c->id);
	b = dh_new_ok(c->id);
	pa = crypto_dh_public(a, &la);
	pb = crypto_dh_public(b, &lb);
	ck_assert_uint_eq(la, c->publen);
	ck_assert_uint_eq(lb, c->publen);
	ck_assert(memcmp(pa, pb, la) != 0);
	ck_assert_int_eq(crypto_dh_shared(a, pb, lb, &sa), 0);
	ck_assert_int_eq(crypto_dh_shared(b, pa, la, &sb), 0);
	ck_assert_uint_eq(sa.len, c->sharedlen);
	ck_assert_uint_eq(sb.len, c->sharedlen);
	ck_assert_mem_eq(sa.ptr, sb.ptr, sa.len);
	crypto_chunk_clear(&sa);
	ck_assert_ptr_null(sa.ptr);
	ck_assert_uint_eq(sa.len, 0);
	crypto_chunk_clear(&sb);
	crypto_dh_free(a);
	crypto_dh_free(b);
}
END_TEST

/* The other party is the test: y = 2^x mod p with the RFC prime. True when the shared
 * value has a leading zero byte. */
static bool ref_modp(struct crypto_dh *dh, const struct dh_case *c)
{
	BN_CTX *bc = BN_CTX_new();
	BIGNUM *p = ref_prime(c->id), *g = BN_new(), *x = BN_new(), *y = BN_new(), *theirs = NULL,
	       *k = BN_new();
	uint8_t ke[1024], want[1024];
	const uint8_t *pub;
	size_t publen;
	struct crypto_chunk s;

	ck_assert(bc && p && g && x && y && k);
	ck_assert_uint_eq((size_t)BN_num_bytes(p), c->publen);
	ck_assert(BN_set_word(g, 2) && BN_rand(x, 320, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY));
	ck_assert(BN_mod_exp(y, g, x, p, bc));
	ck_assert_int_eq(BN_bn2binpad(y, ke, (int)c->publen), (int)c->publen);
	pub = crypto_dh_public(dh, &publen);
	theirs = BN_bin2bn(pub, (int)publen, NULL);
	ck_assert_ptr_nonnull(theirs);
	ck_assert_int_lt(BN_cmp(theirs, p), 0); /* a value of this group */
	ck_assert(BN_mod_exp(k, theirs, x, p, bc));
	ck_assert_int_eq(BN_bn2binpad(k, want, (int)c->publen), (int)c->publen);
	ck_assert_int_eq(crypto_dh_shared(dh, ke, c->publen, &s), 0);
	ck_assert_uint_eq(s.len, c->sharedlen);
	ck_assert_mem_eq(s.ptr, want, s.len); /* leading zeros kept */
	crypto_chunk_clear(&s);
	bool zero = want[0] == 0;

	BN_free(p);
	BN_free(g);
	BN_free(x);
	BN_free(y);
	BN_free(theirs);
	BN_free(k);
	BN_CTX_free(bc);
	return zero;
}

/* RFC 5903: KE data x | y, shared secret x, both padded to the field size. */
static bool ref_ecp(struct crypto_dh *dh, const struct dh_case *c)
{
	EC_GROUP *grp = EC_GROUP_new_by_curve_name(ref_curve(c->id));
	BN_CTX *bc = BN_CTX_new();
	BIGNUM *k = BN_new(), *sx = BN_new();
	EC_POINT *q = grp ? EC_POINT_new(grp) : NULL, *peer = grp ? EC_POINT_new(grp) : NULL,
		 *sp = grp ? EC_POINT_new(grp) : NULL;
	uint8_t ke[1 + 132], oct[1 + 132], want[66];
	const uint8_t *pub;
	size_t publen, cs = c->sharedlen;
	struct crypto_chunk s;

	ck_assert(grp && bc && k && sx && q && peer && sp);
	/* the test's key pair: k and Q = kG */
	ck_assert(BN_rand_range(k, EC_GROUP_get0_order(grp)) && !BN_is_zero(k));
	ck_assert(EC_POINT_mul(grp, q, k, NULL, NULL, bc));
	ck_assert_uint_eq(
		EC_POINT_point2oct(grp, q, POINT_CONVERSION_UNCOMPRESSED, ke, sizeof(ke), bc),
		1 + c->publen);
	ck_assert_uint_eq(ke[0], 4);
	/* ours as a point (oct2point checks that it is on the curve), then x of kP */
	pub = crypto_dh_public(dh, &publen);
	oct[0] = 4;
	memcpy(oct + 1, pub, publen);
	ck_assert(EC_POINT_oct2point(grp, peer, oct, 1 + publen, bc));
	ck_assert(EC_POINT_mul(grp, sp, NULL, peer, k, bc));
	ck_assert(EC_POINT_get_affine_coordinates(grp, sp, sx, NULL, bc));
	ck_assert_int_eq(BN_bn2binpad(sx, want, (int)cs), (int)cs);
	ck_assert_int_eq(crypto_dh_shared(dh, ke + 1, c->publen, &s), 0);
	ck_assert_uint_eq(s.len, cs);
	ck_assert_mem_eq(s.ptr, want, cs);
	crypto_chunk_clear(&s);
	bool zero = want[0] == 0;

	EC_POINT_free(q);
	EC_POINT_free(peer);
	EC_POINT_free(sp);
	BN_free(k);
	BN_free(sx);
	BN_CTX_free(bc);
	EC_GROUP_free(grp);
	return zero;
}

static void ref_x25519(struct crypto_dh *dh)
{
	EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new_from_name(NULL, "X25519", NULL), *dc = NULL;
	EVP_PKEY *mine = NULL, *peer;
	uint8_t ke[32], want[32];
	size_t kelen = sizeof(ke), wlen = sizeof(want), publen;
	const uint8_t *pub = crypto_dh_public(dh, &publen);
	struct crypto_chunk s;

	ck_assert(kc && EVP_PKEY_keygen_init(kc) > 0 && EVP_PKEY_keygen(kc, &mine) > 0);
	ck_assert(EVP_PKEY_get_raw_public_key(mine, ke, &kelen) && kelen == 32);
	peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, pub, publen);
	dc = EVP_PKEY_CTX_new(mine, NULL);
	ck_assert(peer && dc && EVP_PKEY_derive_init(dc) > 0);
	ck_assert(EVP_PKEY_derive_set_peer(dc, peer) > 0);
	ck_assert(EVP_PKEY_derive(dc, want, &wlen) > 0 && wlen == 32);
	ck_assert_int_eq(crypto_dh_shared(dh, ke, sizeof(ke), &s), 0);
	ck_assert_uint_eq(s.len, 32);
	ck_assert_mem_eq(s.ptr, want, 32);
	crypto_chunk_clear(&s);
	EVP_PKEY_CTX_free(dc);
	EVP_PKEY_CTX_free(kc);
	EVP_PKEY_free(mine);
	EVP_PKEY_free(peer);
}

START_TEST(test_dh_reference)
{
	const struct dh_case *c = &dh_cases[_i];
	struct crypto_dh *dh = dh_new_ok(c->id);

	if (c->kind == MODP)
		ref_modp(dh, c);
	else if (c->kind == ECP)
		ref_ecp(dh, c);
	else
		ref_x25519(dh);
	crypto_dh_free(dh);
}
END_TEST

/* Values are fixed-length: a shared secret or public value that happens to start with a
 * zero byte (1 in 256) keeps it. Tried until it happens. */
START_TEST(test_dh_leading_zero)
{
	static const size_t which[] = {0, 1, 8, 10}; /* modp768, modp1024, ecp256, ecp521 */
	const struct dh_case *c = &dh_cases[which[_i]];
	struct crypto_dh *dh = NULL;
	const uint8_t *pub;
	size_t publen, tries = 0;
	bool zero = false;

	while (!zero && tries++ < 20000) {
		crypto_dh_free(dh);
		dh = dh_new_ok(c->id);
		pub = crypto_dh_public(dh, &publen);
		ck_assert_uint_eq(publen, c->publen);
		zero = pub[0] == 0;
	}
	ck_assert_msg(zero, "no public value with a leading zero in %zu keys", tries);
	for (zero = false, tries = 0; !zero && tries++ < 20000;)
		zero = c->kind == MODP ? ref_modp(dh, c) : ref_ecp(dh, c);
	ck_assert_msg(zero, "no shared value with a leading zero in %zu tries", tries);
	crypto_dh_free(dh);
}
END_TEST

START_TEST(test_dh_unsupported)
{
	static const uint16_t ids[] = {0, 3, 4, 6, 13, 22, 23, 24, 25, 26, 30, 32, 0xffff};

	for (size_t i = 0; i < N(ids); i++) {
		ck_assert_msg(!crypto_dh_supported(ids[i]), "group %u", ids[i]);
		ck_assert_ptr_null(crypto_dh_new(ids[i]));
	}
	crypto_dh_free(NULL);
}
END_TEST

static void refused(struct crypto_dh *dh, const uint8_t *v, size_t len, const char *what)
{
	struct crypto_chunk s = {(uint8_t *)"x", 1};

	ck_assert_msg(crypto_dh_shared(dh, v, len, &s) == -EINVAL, "group %u: %s accepted",
		      crypto_dh_group(dh), what);
	ck_assert_ptr_null(s.ptr);
	ck_assert_uint_eq(s.len, 0);
}

START_TEST(test_dh_bad_length)
{
	const struct dh_case *c = &dh_cases[_i];
	struct crypto_dh *a = dh_new_ok(c->id), *b = dh_new_ok(c->id);
	uint8_t v[1025];
	size_t len;
	const uint8_t *pb = crypto_dh_public(b, &len);

	memcpy(v, pb, len);
	v[len] = 0;
	refused(a, v, len - 1, "one byte short");
	refused(a, v, len + 1, "one byte long");
	refused(a, v, 0, "empty");
	refused(a, v + 1, len - 1, "shifted and short");
	crypto_dh_free(a);
	crypto_dh_free(b);
}
END_TEST

START_TEST(test_dh_modp_bad_values)
{
	const struct dh_case *c = &dh_cases[_i];
	struct crypto_dh *dh = dh_new_ok(c->id);
	BIGNUM *p = ref_prime(c->id), *v = BN_new();
	uint8_t buf[1024];
	size_t n = c->publen, publen;
	struct crypto_chunk s;

	ck_assert(c->kind == MODP && p && v);
	memset(buf, 0, n);
	refused(dh, buf, n, "0");
	buf[n - 1] = 1;
	refused(dh, buf, n, "1");
	ck_assert(BN_copy(v, p) && BN_sub_word(v, 1));
	ck_assert_int_eq(BN_bn2binpad(v, buf, (int)n), (int)n);
	refused(dh, buf, n, "p-1");
	ck_assert_int_eq(BN_bn2binpad(p, buf, (int)n), (int)n);
	refused(dh, buf, n, "p");
	memset(buf, 0xff, n);
	refused(dh, buf, n, "2^n-1 > p");
	/* g itself is a fine value: g^x is then our own public value */
	memset(buf, 0, n);
	buf[n - 1] = 2;
	ck_assert_int_eq(crypto_dh_shared(dh, buf, n, &s), 0);
	ck_assert_mem_eq(s.ptr, crypto_dh_public(dh, &publen), n);
	crypto_chunk_clear(&s);
	BN_free(p);
	BN_free(v);
	crypto_dh_free(dh);
}
END_TEST

START_TEST(test_dh_ecp_bad_points)
{
	const struct dh_case *c = &dh_cases[8 + _i];
	struct crypto_dh *dh = dh_new_ok(c->id);
	EC_GROUP *grp = EC_GROUP_new_by_curve_name(ref_curve(c->id));
	uint8_t oct[1 + 132], buf[132];
	size_t n = c->publen, publen;
	struct crypto_chunk s;

	ck_assert(c->kind == ECP && grp);
	ck_assert_uint_eq(EC_POINT_point2oct(grp, EC_GROUP_get0_generator(grp),
					     POINT_CONVERSION_UNCOMPRESSED, oct, sizeof(oct), NULL),
			  1 + n);
	/* the generator: the shared x is then our own public x */
	ck_assert_int_eq(crypto_dh_shared(dh, oct + 1, n, &s), 0);
	ck_assert_uint_eq(s.len, n / 2);
	ck_assert_mem_eq(s.ptr, crypto_dh_public(dh, &publen), n / 2);
	crypto_chunk_clear(&s);
	memcpy(buf, oct + 1, n);
	buf[n - 1] ^= 1; /* G's y changed: not on the curve */
	refused(dh, buf, n, "G with y^1");
	memcpy(buf, oct + 1, n);
	buf[n / 2 - 1] ^= 1; /* G's x changed */
	refused(dh, buf, n, "G with x^1");
	memset(buf, 0, n);
	refused(dh, buf, n, "(0, 0)");
	memset(buf, 0xff, n);
	refused(dh, buf, n, "coordinates past the field prime");
	/* G with x + p: on the curve modulo p, but not a field element (fits P-521's coordinate
	 * bytes only) */
	BIGNUM *p = BN_new(), *x = BN_new();

	ck_assert(p && x && EC_GROUP_get_curve(grp, p, NULL, NULL, NULL));
	ck_assert_ptr_nonnull(BN_bin2bn(oct + 1, (int)(n / 2), x));
	ck_assert(BN_add(x, x, p));
	if ((size_t)BN_num_bytes(x) <= n / 2) {
		memcpy(buf, oct + 1, n);
		ck_assert_int_eq(BN_bn2binpad(x, buf, (int)(n / 2)), (int)(n / 2));
		refused(dh, buf, n, "G with x + p");
	}
	BN_free(p);
	BN_free(x);
	EC_GROUP_free(grp);
	crypto_dh_free(dh);
}
END_TEST

START_TEST(test_x25519_low_order)
{
	/* RFC 7748 5: u-coordinates of points of small order make the result all zeros,
	 * which RFC 8031 2.3 says to refuse. */
	static const char *const bad[] = {
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
		"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	};
	struct crypto_dh *dh = dh_new_ok(31);
	uint8_t u[32];
	size_t publen;
	struct crypto_chunk s;

	for (size_t i = 0; i < N(bad); i++) {
		unhex(bad[i], u, sizeof(u));
		refused(dh, u, 32, bad[i]);
	}
	/* the base point 9: the shared value is our own public value */
	memset(u, 0, sizeof(u));
	u[0] = 9;
	ck_assert_int_eq(crypto_dh_shared(dh, u, 32, &s), 0);
	ck_assert_mem_eq(s.ptr, crypto_dh_public(dh, &publen), 32);
	crypto_chunk_clear(&s);
	crypto_dh_free(dh);
}
END_TEST

/* --- PRF --- */

static const struct hmac_kat {
	uint16_t prf;
	const char *key;  /* hex */
	const char *data; /* text */
	const char *mac;  /* hex */
} hmac_kats[] = {
	/* RFC 2202 2: HMAC-MD5 test cases 1, 2, 6 */
	{1, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There", "9294727a3638bb1c13f48ef8158bfc9d"},
	{1, "4a656665", "what do ya want for nothing?", "750c783e6ab0b503eaa86e310a5db738"},
	{1,
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	 "Test Using Larger Than Block-Size Key - Hash Key First",
	 "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd"},
	/* RFC 2202 3: HMAC-SHA-1 test cases 1, 2, 6 */
	{2, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There",
	 "b617318655057264e28bc0b6fb378c8ef146be00"},
	{2, "4a656665", "what do ya want for nothing?", "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
	{2,
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	 "Test Using Larger Than Block-Size Key - Hash Key First",
	 "aa4ae5e15272d00e95705637ce8a3b55ed402112"},
	/* RFC 4231 4.2, 4.3, 4.7: test cases 1, 2, 6 */
	{5, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There",
	 "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
	{6, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There",
	 "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
	 "faea9ea9076ede7f4af152e8b2fa9cb6"},
	{7, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There",
	 "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
	 "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"},
	{5, "4a656665", "what do ya want for nothing?",
	 "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
	{6, "4a656665", "what do ya want for nothing?",
	 "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
	 "8e2240ca5e69e2c78b3239ecfab21649"},
	{7, "4a656665", "what do ya want for nothing?",
	 "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	 "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
	{5,
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	 "Test Using Larger Than Block-Size Key - Hash Key First",
	 "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
	{6,
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	 "Test Using Larger Than Block-Size Key - Hash Key First",
	 "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
	 "0c2ef6ab4030fe8296248df163f44952"},
	{7,
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	 "Test Using Larger Than Block-Size Key - Hash Key First",
	 "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
	 "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"},
};

START_TEST(test_hmac_kat)
{
	const struct hmac_kat *k = &hmac_kats[_i];
	uint8_t key[200], want[64], got[64];
	size_t kl = unhex(k->key, key, sizeof(key)), ml = unhex(k->mac, want, sizeof(want));
	struct crypto_prf *p = crypto_prf_new(k->prf, key, kl);
	struct crypto_iov iov = {k->data, strlen(k->data)};

	ck_assert(crypto_prf_supported(k->prf));
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(crypto_prf_len(p), ml);
	ck_assert_uint_eq(crypto_prf_out_len(k->prf), ml);
	ck_assert_int_eq(crypto_prf_run(p, &iov, 1, got), 0);
	ck_assert_mem_eq(got, want, ml);
	/* the keyed base context is reused: a second run gives the same answer */
	memset(got, 0, sizeof(got));
	ck_assert_int_eq(crypto_prf_run(p, &iov, 1, got), 0);
	ck_assert_mem_eq(got, want, ml);
	crypto_prf_free(p);
}
END_TEST

START_TEST(test_prf_iov_split)
{
	static const char data[] = "what do ya want for nothing?";
	uint8_t want[32], got[32];
	struct crypto_prf *p = crypto_prf_new(5, (const uint8_t *)"Jefe", 4);
	struct crypto_iov iov[] = {
		{data, 4}, {data + 4, 0}, {NULL, 0}, {data + 4, 20}, {data + 24, 4}};

	unhex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", want,
	      sizeof(want));
	ck_assert_int_eq(crypto_prf_run(p, iov, N(iov), got), 0);
	ck_assert_mem_eq(got, want, 32);
	crypto_prf_free(p);
}
END_TEST

START_TEST(test_prf_empty_key)
{
	static const uint8_t msg[] = "IKEv2";
	uint8_t want[64], got[64];
	struct crypto_iov iov = {msg, 5};

	for (uint16_t id = 1; id <= 7; id++) {
		if (id == 3 || id == 4)
			continue;
		struct crypto_prf *p = crypto_prf_new(id, NULL, 0);
		size_t hl = ref_prf(id, NULL, 0, msg, 5, want);

		ck_assert_ptr_nonnull(p);
		ck_assert_int_eq(crypto_prf_run(p, &iov, 1, got), 0);
		ck_assert_mem_eq(got, want, hl);
		crypto_prf_free(p);
	}
}
END_TEST

/* A PRF is one keyed context started again for each use: uses of different lengths in
 * turn (shorter than, across and past a block) each give what a fresh HMAC gives, and
 * none of them leaks into the next. */
START_TEST(test_prf_reuse)
{
	static const uint8_t key[] = "a key of thirty-two bytes or so.";
	static const size_t lens[] = {0, 45, 300, 1, 64, 45, 0, 200};
	uint8_t msg[300 + N(lens)], want[64], got[64]; /* use i starts at msg + i */

	fill(msg, sizeof(msg), 3);
	for (uint16_t id = 1; id <= 7; id++) {
		if (id == 3 || id == 4)
			continue;
		struct crypto_prf *p = crypto_prf_new(id, key, 32);

		ck_assert_ptr_nonnull(p);
		for (size_t i = 0; i < N(lens); i++) {
			struct crypto_iov iov = {msg + i, lens[i]};
			size_t hl = ref_prf(id, key, 32, msg + i, lens[i], want);

			memset(got, 0, sizeof(got));
			ck_assert_int_eq(crypto_prf_run(p, &iov, 1, got), 0);
			ck_assert_msg(!memcmp(got, want, hl), "prf %u, use %zu", id, i);
		}
		crypto_prf_free(p);
	}
}
END_TEST

START_TEST(test_alg_lengths)
{
	static const struct {
		uint16_t prf, integ;
		size_t out, icv;
	} h[] = {{1, 1, 16, 12}, {2, 2, 20, 12}, {5, 12, 32, 16}, {6, 13, 48, 24}, {7, 14, 64, 32}};

	for (size_t i = 0; i < N(h); i++) {
		ck_assert(crypto_prf_supported(h[i].prf));
		ck_assert_uint_eq(crypto_prf_key_len(h[i].prf), h[i].out);
		ck_assert_uint_eq(crypto_prf_out_len(h[i].prf), h[i].out);
		ck_assert(crypto_integ_supported(h[i].integ));
		ck_assert_uint_eq(crypto_integ_key_len(h[i].integ), h[i].out);
		ck_assert_uint_eq(crypto_integ_icv_len(h[i].integ), h[i].icv);
	}
	/* AES-XCBC and CMAC PRFs, AES-XCBC and GMAC integrity: not in the table */
	ck_assert(!crypto_prf_supported(4) && !crypto_prf_supported(8));
	ck_assert_ptr_null(crypto_prf_new(4, (const uint8_t *)"k", 1));
	ck_assert(!crypto_integ_supported(5) && !crypto_integ_supported(0));
	ck_assert_uint_eq(crypto_prf_out_len(99), 0);
	ck_assert_uint_eq(crypto_integ_icv_len(99), 0);
	/* RFC 5282: AES-GCM takes the key and 4 bytes of salt */
	ck_assert_uint_eq(crypto_encr_key_len(20, 128), 20);
	ck_assert_uint_eq(crypto_encr_key_len(19, 192), 28);
	ck_assert_uint_eq(crypto_encr_key_len(18, 256), 36);
	ck_assert_uint_eq(crypto_encr_key_len(12, 192), 24);
	ck_assert_uint_eq(crypto_encr_key_len(3, 0), 24);
	ck_assert_uint_eq(crypto_encr_key_len(23, 256), 32);
	ck_assert_uint_eq(crypto_encr_key_len(12, 100), 0);
	ck_assert(crypto_encr_is_aead(18) && crypto_encr_is_aead(19) && crypto_encr_is_aead(20));
	ck_assert(!crypto_encr_is_aead(12) && !crypto_encr_is_aead(3));
	ck_assert(crypto_encr_supported(12, 256) && !crypto_encr_supported(12, 0));
	ck_assert(!crypto_encr_supported(99, 128));
}
END_TEST

START_TEST(test_sha1_and_memeq)
{
	/* FIPS 180-2 appendix A.1 */
	uint8_t want[20], got[20];
	struct crypto_iov iov[] = {{"a", 1}, {"", 0}, {"bc", 2}};

	unhex("a9993e364706816aba3e25717850c26c9cd0d89d", want, sizeof(want));
	ck_assert_int_eq(crypto_sha1(iov, N(iov), got), 0);
	ck_assert_mem_eq(got, want, 20);
	ck_assert(crypto_memeq(got, want, 20));
	got[19] ^= 0x80;
	ck_assert(!crypto_memeq(got, want, 20));
	ck_assert(crypto_memeq(got, want, 0));
	crypto_chunk_clear(NULL);
}
END_TEST

static const uint16_t prf_ids[] = {1, 2, 5, 6, 7};

START_TEST(test_sha256)
{
	/* FIPS 180-2 appendix B.1 and B.2 (the second across two blocks), in pieces */
	static const char two[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	uint8_t want[32], got[32];
	struct crypto_iov abc[] = {{"ab", 2}, {NULL, 0}, {"c", 1}};
	struct crypto_iov longer[] = {{two, 5}, {two + 5, 50}, {two + 55, 1}};

	unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", want,
	      sizeof(want));
	ck_assert_int_eq(crypto_sha256(abc, N(abc), got), 0);
	ck_assert_mem_eq(got, want, 32);
	unhex("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", want,
	      sizeof(want));
	ck_assert_int_eq(crypto_sha256(longer, N(longer), got), 0);
	ck_assert_mem_eq(got, want, 32);
}
END_TEST

START_TEST(test_prf_plus)
{
	uint16_t id = prf_ids[_i];
	size_t hl = crypto_prf_out_len(id);
	const size_t lens[] = {1, hl - 1, hl, hl + 1, 2 * hl, 3 * hl + 5, 200, 255 * hl};
	uint8_t key[37], s1[32], s2[16], s3[8], seed[56];
	uint8_t *want = malloc(255 * 64), *got = malloc(255 * 64 + 1);
	struct crypto_iov iov[] = {{s1, sizeof(s1)}, {s2, sizeof(s2)}, {s3, sizeof(s3)}};

	ck_assert(want && got);
	fill(key, sizeof(key), 1);
	fill(s1, sizeof(s1), 2);
	fill(s2, sizeof(s2), 3);
	fill(s3, sizeof(s3), 4);
	memcpy(seed, s1, 32);
	memcpy(seed + 32, s2, 16);
	memcpy(seed + 48, s3, 8);
	for (size_t i = 0; i < N(lens); i++) {
		ref_prf_plus(id, key, sizeof(key), seed, sizeof(seed), want, lens[i]);
		memset(got, 0xee, lens[i] + 1);
		ck_assert_int_eq(crypto_prf_plus(id, key, sizeof(key), iov, N(iov), got, lens[i]),
				 0);
		ck_assert_msg(!memcmp(got, want, lens[i]), "prf %u, %zu bytes", id, lens[i]);
		ck_assert_uint_eq(got[lens[i]], 0xee); /* nothing written past the end */
	}
	/* one seed or the other split makes no difference: S is their concatenation */
	struct crypto_iov one = {seed, sizeof(seed)};

	ck_assert_int_eq(crypto_prf_plus(id, key, sizeof(key), &one, 1, got, 100), 0);
	ref_prf_plus(id, key, sizeof(key), seed, sizeof(seed), want, 100);
	ck_assert_mem_eq(got, want, 100);
	/* 2.13: at most 255 blocks */
	ck_assert_int_eq(crypto_prf_plus(id, key, sizeof(key), iov, N(iov), got, 255 * hl + 1),
			 -EINVAL);
	free(want);
	free(got);
}
END_TEST

START_TEST(test_prf_plus_bad_args)
{
	uint8_t key[20] = {1}, out[40];
	struct crypto_iov iov[9];

	for (size_t i = 0; i < N(iov); i++)
		iov[i] = (struct crypto_iov){key, 1};
	uint8_t seed[9], want[40];

	ck_assert_int_lt(crypto_prf_plus(99, key, sizeof(key), iov, 1, out, sizeof(out)), 0);
	/* many seed pieces: S is still their concatenation */
	memset(seed, key[0], sizeof(seed));
	ck_assert_int_eq(crypto_prf_plus(2, key, sizeof(key), iov, N(iov), out, sizeof(out)), 0);
	ref_prf_plus(2, key, sizeof(key), seed, sizeof(seed), want, sizeof(want));
	ck_assert_mem_eq(out, want, sizeof(out));
	/* nothing asked, nothing written */
	memset(out, 0xee, sizeof(out));
	ck_assert_int_eq(crypto_prf_plus(2, key, sizeof(key), iov, 1, out, 0), 0);
	ck_assert_uint_eq(out[0], 0xee);
}
END_TEST

/* --- the SK payload --- */

static const struct sk_case {
	uint16_t encr, bits, integ;
	size_t key, iv, block, icv, akey;
} sk_cases[] = {
	{12, 128, 1, 16, 16, 16, 12, 16},  {12, 128, 2, 16, 16, 16, 12, 20},
	{12, 128, 12, 16, 16, 16, 16, 32}, {12, 128, 13, 16, 16, 16, 24, 48},
	{12, 128, 14, 16, 16, 16, 32, 64}, {12, 192, 1, 24, 16, 16, 12, 16},
	{12, 192, 2, 24, 16, 16, 12, 20},  {12, 192, 12, 24, 16, 16, 16, 32},
	{12, 192, 13, 24, 16, 16, 24, 48}, {12, 192, 14, 24, 16, 16, 32, 64},
	{12, 256, 1, 32, 16, 16, 12, 16},  {12, 256, 2, 32, 16, 16, 12, 20},
	{12, 256, 12, 32, 16, 16, 16, 32}, {12, 256, 13, 32, 16, 16, 24, 48},
	{12, 256, 14, 32, 16, 16, 32, 64}, {3, 0, 2, 24, 8, 8, 12, 20},
	{3, 192, 12, 24, 8, 8, 16, 32},	   {23, 128, 2, 16, 16, 16, 12, 20},
	{23, 192, 12, 24, 16, 16, 16, 32}, {23, 256, 14, 32, 16, 16, 32, 64},
	{18, 128, 0, 20, 8, 1, 8, 0},	   {18, 192, 0, 28, 8, 1, 8, 0},
	{18, 256, 0, 36, 8, 1, 8, 0},	   {19, 128, 0, 20, 8, 1, 12, 0},
	{19, 192, 0, 28, 8, 1, 12, 0},	   {19, 256, 0, 36, 8, 1, 12, 0},
	{20, 128, 0, 20, 8, 1, 16, 0},	   {20, 192, 0, 28, 8, 1, 16, 0},
	{20, 256, 0, 36, 8, 1, 16, 0},
};

static const size_t sk_sizes[] = {0, 1, 15, 16, 17, 1000};

/* The two the test also does itself: AES-256-CBC with HMAC-SHA2-256-128, AES-256-GCM-16. */
static const struct sk_case cbc_case = {12, 256, 12, 32, 16, 16, 16, 32};
static const struct sk_case gcm_case = {20, 256, 0, 36, 8, 1, 16, 0};

struct sk_env {
	struct crypto_sk *sk;
	uint8_t ekey[36], akey[64], aad[32];
};

static void sk_env_new(struct sk_env *e, const struct sk_case *c)
{
	fill(e->ekey, sizeof(e->ekey), 11);
	fill(e->akey, sizeof(e->akey), 12);
	fill(e->aad, sizeof(e->aad), 13); /* IKE header and the SK payload's generic header */
	ck_assert(crypto_encr_supported(c->encr, c->bits));
	ck_assert_uint_eq(crypto_encr_key_len(c->encr, c->bits), c->key);
	if (c->integ) {
		ck_assert(crypto_integ_supported(c->integ));
		ck_assert_uint_eq(crypto_integ_key_len(c->integ), c->akey);
		ck_assert_uint_eq(crypto_integ_icv_len(c->integ), c->icv);
	}
	e->sk = crypto_sk_new(c->encr, c->bits, c->integ, e->ekey, c->key,
			      c->integ ? e->akey : NULL, c->akey);
	ck_assert_msg(e->sk != NULL, "encr %u/%u integ %u", c->encr, c->bits, c->integ);
}

/* IV | plaintext, padding and pad length to whole blocks | ICV */
static size_t sk_expected_len(const struct sk_case *c, size_t n)
{
	return c->iv + (n + 1 + c->block - 1) / c->block * c->block + c->icv;
}

static uint8_t *sk_seal(struct sk_env *e, const struct sk_case *c, const uint8_t *plain, size_t n,
			size_t *len)
{
	uint8_t *out;

	*len = crypto_sk_sealed_len(e->sk, n);
	ck_assert_uint_eq(*len, sk_expected_len(c, n));
	out = malloc(*len);
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(crypto_sk_seal(e->sk, e->aad, sizeof(e->aad), plain, n, out, *len), 0);
	return out;
}

static void sk_roundtrip(const struct sk_case *c)
{
	struct sk_env e;
	uint8_t plain[1000], back[1100];

	sk_env_new(&e, c);
	fill(plain, sizeof(plain), 14);
	for (size_t i = 0; i < N(sk_sizes); i++) {
		size_t n = sk_sizes[i], len, len2, got = 12345;
		uint8_t *a = sk_seal(&e, c, plain, n, &len), *b = sk_seal(&e, c, plain, n, &len2);

		ck_assert_int_eq(crypto_sk_open(e.sk, e.aad, sizeof(e.aad), a, len, back, &got), 0);
		ck_assert_uint_eq(got, n);
		ck_assert_mem_eq(back, plain, n);
		ck_assert(memcmp(a, b, c->iv) != 0); /* a fresh IV each time */
		ck_assert_int_eq(crypto_sk_open(e.sk, e.aad, sizeof(e.aad), b, len2, back, &got),
				 0);
		ck_assert_uint_eq(got, n);
		ck_assert_mem_eq(back, plain, n);
		/* a wrong output size is refused */
		ck_assert_int_lt(crypto_sk_seal(e.sk, e.aad, sizeof(e.aad), plain, n, b, len - 1),
				 0);
		free(a);
		free(b);
	}
	crypto_sk_free(e.sk);
}

START_TEST(test_sk_roundtrip)
{
	sk_roundtrip(&sk_cases[_i]);
	crypto_sk_free(NULL);
}
END_TEST

/* DES and Blowfish come from OpenSSL's legacy provider: tested where it is there. */
START_TEST(test_sk_legacy_roundtrip)
{
	static const struct sk_case legacy[] = {
		{2, 0, 2, 8, 8, 8, 12, 20},	{2, 64, 12, 8, 8, 8, 16, 32},
		{7, 0, 2, 16, 8, 8, 12, 20},	{7, 128, 12, 16, 8, 8, 16, 32},
		{7, 256, 13, 32, 8, 8, 24, 48}, {7, 448, 14, 56, 8, 8, 32, 64},
	};

	for (size_t i = 0; i < N(legacy); i++)
		if (crypto_encr_supported(legacy[i].encr, legacy[i].bits))
			sk_roundtrip(&legacy[i]);
}
END_TEST

/* After a failed open no unauthenticated plaintext is left in the caller's buffer. */
START_TEST(test_sk_failure_leaves_nothing)
{
	static const struct sk_case *const cases[] = {&cbc_case, &gcm_case};

	for (size_t i = 0; i < N(cases); i++) {
		struct sk_env e;
		uint8_t plain[64], back[128];
		size_t len, got = 99;
		uint8_t *m;

		sk_env_new(&e, cases[i]);
		fill(plain, sizeof(plain), 25);
		m = sk_seal(&e, cases[i], plain, sizeof(plain), &len);
		m[len - 1] ^= 0x80; /* the ICV / tag only: the ciphertext itself decrypts */
		ck_assert_int_eq(crypto_sk_open(e.sk, e.aad, sizeof(e.aad), m, len, back, &got),
				 -EBADMSG);
		ck_assert_uint_eq(got, 0);
		for (size_t k = 0; k + 8 <= sizeof(plain); k++)
			ck_assert_msg(memcmp(back, plain + k, 8) != 0 &&
					      memcmp(back + k, plain, 8) != 0,
				      "plaintext left at %zu", k);
		free(m);
		crypto_sk_free(e.sk);
	}
}
END_TEST

START_TEST(test_sk_tamper)
{
	const struct sk_case *c = &sk_cases[_i];
	struct sk_env e;
	uint8_t plain[1000], back[1100];

	sk_env_new(&e, c);
	fill(plain, sizeof(plain), 15);
	for (size_t i = 0; i < N(sk_sizes); i++) {
		size_t n = sk_sizes[i], len, got;
		uint8_t *m = sk_seal(&e, c, plain, n, &len);

		for (size_t k = 0; k < sizeof(e.aad); k++) {
			e.aad[k] ^= 0x01;
			ck_assert_msg(crypto_sk_open(e.sk, e.aad, sizeof(e.aad), m, len, back,
						     &got) == -EBADMSG,
				      "aad byte %zu of %zu accepted", k, n);
			e.aad[k] ^= 0x01;
		}
		for (size_t k = 0; k < len; k++) {
			uint8_t bit = (uint8_t)(1u << (k % 8));

			m[k] ^= bit;
			ck_assert_msg(crypto_sk_open(e.sk, e.aad, sizeof(e.aad), m, len, back,
						     &got) == -EBADMSG,
				      "body byte %zu of %zu (plain %zu) accepted", k, len, n);
			m[k] ^= bit;
		}
		/* shorter aad: the same bytes, one fewer */
		ck_assert_int_eq(crypto_sk_open(e.sk, e.aad, sizeof(e.aad) - 1, m, len, back, &got),
				 -EBADMSG);
		ck_assert_int_eq(crypto_sk_open(e.sk, e.aad, sizeof(e.aad), m, len, back, &got), 0);
		free(m);
	}
	crypto_sk_free(e.sk);
}
END_TEST

START_TEST(test_sk_truncated)
{
	const struct sk_case *c = &sk_cases[_i];
	struct sk_env e;
	uint8_t plain[100], back[300];

	sk_env_new(&e, c);
	fill(plain, sizeof(plain), 16);
	for (size_t n = 0; n < sizeof(plain); n += 33) {
		size_t len, got;
		uint8_t *m = sk_seal(&e, c, plain, n, &len), *longer = malloc(len + c->block);

		for (size_t cut = 0; cut < len; cut++)
			ck_assert_msg(crypto_sk_open(e.sk, e.aad, sizeof(e.aad), m, cut, back,
						     &got) == -EBADMSG,
				      "%zu of %zu bytes accepted", cut, len);
		ck_assert_ptr_nonnull(longer);
		memcpy(longer, m, len);
		memset(longer + len, 0, c->block);
		ck_assert_int_eq(crypto_sk_open(e.sk, e.aad, sizeof(e.aad), longer, len + c->block,
						back, &got),
				 -EBADMSG);
		/* the ICV dropped and the body taken as if it ended there */
		ck_assert_int_eq(crypto_sk_open(e.sk, e.aad, sizeof(e.aad), m + c->icv,
						len - c->icv, back, &got),
				 -EBADMSG);
		free(longer);
		free(m);
	}
	crypto_sk_free(e.sk);
}
END_TEST

START_TEST(test_sk_new_bad)
{
	uint8_t k[64] = {0};

	/* key material of the wrong length */
	ck_assert_ptr_null(crypto_sk_new(12, 128, 12, k, 15, k, 32));
	ck_assert_ptr_null(crypto_sk_new(12, 128, 12, k, 17, k, 32));
	ck_assert_ptr_null(crypto_sk_new(12, 128, 12, k, 16, k, 31));
	ck_assert_ptr_null(crypto_sk_new(20, 128, 0, k, 16, NULL, 0)); /* no salt */
	ck_assert_ptr_null(crypto_sk_new(20, 128, 0, k, 21, NULL, 0));
	/* CBC needs integrity */
	ck_assert_ptr_null(crypto_sk_new(12, 128, 0, k, 16, NULL, 0));
	/* unknown cipher, key size or integrity */
	ck_assert_ptr_null(crypto_sk_new(99, 128, 12, k, 16, k, 32));
	ck_assert_ptr_null(crypto_sk_new(12, 0, 12, k, 16, k, 32));
	ck_assert_ptr_null(crypto_sk_new(12, 160, 12, k, 20, k, 32));
	ck_assert_ptr_null(crypto_sk_new(12, 128, 99, k, 16, k, 32));
	/* RFC 5282 8: AES-GCM takes no integrity transform */
	ck_assert_ptr_null(crypto_sk_new(20, 128, 12, k, 20, k, 32));
	ck_assert_ptr_null(crypto_sk_new(18, 256, 2, k, 36, k, 20));
}
END_TEST

static int ref_cbc(bool enc, const uint8_t *key, const uint8_t *iv, const uint8_t *in, size_t len,
		   uint8_t *out)
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int n = 0, f = 0;
	int ok = x && EVP_CipherInit_ex(x, EVP_aes_256_cbc(), NULL, key, iv, enc) &&
		 EVP_CIPHER_CTX_set_padding(x, 0) && EVP_CipherUpdate(x, out, &n, in, (int)len) &&
		 EVP_CipherFinal_ex(x, out + n, &f);

	EVP_CIPHER_CTX_free(x);
	return ok && (size_t)(n + f) == len ? 0 : -1;
}

/* GCM with a 12-byte nonce; dec: tag in, enc: tag out. */
static int ref_gcm(bool enc, const uint8_t *key, const uint8_t nonce[12], const uint8_t *aad,
		   size_t aadlen, const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag,
		   size_t taglen)
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int n = 0, f = 0;
	int ok = x && EVP_CipherInit_ex(x, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) &&
		 EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) &&
		 EVP_CipherInit_ex(x, NULL, NULL, key, nonce, enc) &&
		 EVP_CipherUpdate(x, NULL, &n, aad, (int)aadlen) &&
		 EVP_CipherUpdate(x, out, &n, in, (int)len);

	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, (int)taglen, tag);
	ok = ok && EVP_CipherFinal_ex(x, out + n, &f) > 0;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, (int)taglen, tag);
	EVP_CIPHER_CTX_free(x);
	return ok && (size_t)(n + f) == len ? 0 : -1;
}

START_TEST(test_sk_cbc_layout)
{
	struct sk_env e;
	uint8_t plain[100], dec[128], mac[32], *mac_in;

	sk_env_new(&e, &cbc_case);
	fill(plain, sizeof(plain), 17);
	for (size_t n = 0; n <= sizeof(plain); n += 7) {
		size_t len, plen = (n / 16 + 1) * 16;
		uint8_t *m = sk_seal(&e, &cbc_case, plain, n, &len);

		ck_assert_uint_eq(len, 16 + plen + 16);
		/* ICV: HMAC-SHA-256 over aad | IV | ciphertext, first 16 bytes */
		mac_in = malloc(sizeof(e.aad) + 16 + plen);
		ck_assert_ptr_nonnull(mac_in);
		memcpy(mac_in, e.aad, sizeof(e.aad));
		memcpy(mac_in + sizeof(e.aad), m, 16 + plen);
		ref_hmac("SHA256", e.akey, 32, mac_in, sizeof(e.aad) + 16 + plen, mac);
		ck_assert_mem_eq(m + 16 + plen, mac, 16);
		/* IV first, then the plaintext, padding, and the pad length last */
		ck_assert_int_eq(ref_cbc(false, e.ekey, m, m + 16, plen, dec), 0);
		ck_assert_mem_eq(dec, plain, n);
		ck_assert_uint_eq(dec[plen - 1], plen - n - 1);
		ck_assert_uint_lt(dec[plen - 1], 16); /* the least padding that fits */
		free(mac_in);
		free(m);
	}
	crypto_sk_free(e.sk);
}
END_TEST

START_TEST(test_sk_gcm_layout)
{
	struct sk_env e;
	uint8_t plain[100], dec[128], nonce[12];

	sk_env_new(&e, &gcm_case);
	fill(plain, sizeof(plain), 18);
	for (size_t n = 0; n <= sizeof(plain); n += 7) {
		size_t len, got;
		uint8_t *m = sk_seal(&e, &gcm_case, plain, n, &len);

		ck_assert_uint_eq(len, 8 + n + 1 + 16);
		/* RFC 5282 4: nonce = salt (the last 4 bytes of the keying material) | IV */
		memcpy(nonce, e.ekey + 32, 4);
		memcpy(nonce + 4, m, 8);
		ck_assert_int_eq(ref_gcm(false, e.ekey, nonce, e.aad, sizeof(e.aad), m + 8, n + 1,
					 dec, m + 8 + n + 1, 16),
				 0);
		ck_assert_mem_eq(dec, plain, n);
		ck_assert_uint_eq(dec[n], 0); /* no padding, a pad length of 0 */
		/* the other way: the test seals, with 3 bytes of padding */
		uint8_t body[8 + 128 + 16], in[128], back[160];

		memcpy(in, plain, n);
		memset(in + n, 0xa5, 3);
		in[n + 3] = 3;
		fill(body, 8, (unsigned)n);
		memcpy(nonce + 4, body, 8);
		ck_assert_int_eq(ref_gcm(true, e.ekey, nonce, e.aad, sizeof(e.aad), in, n + 4,
					 body + 8, body + 8 + n + 4, 16),
				 0);
		ck_assert_int_eq(crypto_sk_open(e.sk, e.aad, sizeof(e.aad), body, 8 + n + 4 + 16,
						back, &got),
				 0);
		ck_assert_uint_eq(got, n);
		ck_assert_mem_eq(back, plain, n);
		free(m);
	}
	crypto_sk_free(e.sk);
}
END_TEST

/* An SK body the test builds: IV | E(plain | pad | padlen) | HMAC-SHA-256-128. */
static size_t ref_cbc_seal(const struct sk_env *e, const uint8_t *in, size_t inlen, uint8_t *out)
{
	uint8_t mac[32], *mac_in = malloc(sizeof(e->aad) + 16 + inlen);

	ck_assert_ptr_nonnull(mac_in);
	ck_assert_uint_eq(inlen % 16, 0);
	fill(out, 16, (unsigned)inlen + 77);
	ck_assert_int_eq(ref_cbc(true, e->ekey, out, in, inlen, out + 16), 0);
	memcpy(mac_in, e->aad, sizeof(e->aad));
	memcpy(mac_in + sizeof(e->aad), out, 16 + inlen);
	ref_hmac("SHA256", e->akey, 32, mac_in, sizeof(e->aad) + 16 + inlen, mac);
	memcpy(out + 16 + inlen, mac, 16);
	free(mac_in);
	return 16 + inlen + 16;
}

START_TEST(test_sk_cbc_foreign)
{
	struct sk_env e;
	uint8_t in[64], body[16 + 64 + 16], back[96];
	size_t len, got;

	sk_env_new(&e, &cbc_case);
	/* 10 bytes, then 21 bytes of non-zero padding (RFC 7296 3.14: any content, and more
	 * than needed is allowed), then the pad length */
	fill(in, 10, 19);
	memset(in + 10, 0x5c, 21);
	in[31] = 21;
	len = ref_cbc_seal(&e, in, 32, body);
	ck_assert_int_eq(crypto_sk_open(e.sk, e.aad, sizeof(e.aad), body, len, back, &got), 0);
	ck_assert_uint_eq(got, 10);
	ck_assert_mem_eq(back, in, 10);
	/* a pad length covering every byte and no payload: empty */
	in[31] = 31;
	len = ref_cbc_seal(&e, in, 32, body);
	ck_assert_int_eq(crypto_sk_open(e.sk, e.aad, sizeof(e.aad), body, len, back, &got), 0);
	ck_assert_uint_eq(got, 0);
	/* a pad length past the start of the plaintext, with a good ICV */
	in[31] = 32;
	len = ref_cbc_seal(&e, in, 32, body);
	ck_assert_int_eq(crypto_sk_open(e.sk, e.aad, sizeof(e.aad), body, len, back, &got),
			 -EBADMSG);
	in[31] = 255;
	len = ref_cbc_seal(&e, in, 32, body);
	ck_assert_int_eq(crypto_sk_open(e.sk, e.aad, sizeof(e.aad), body, len, back, &got),
			 -EBADMSG);
	/* a body that is not whole blocks, with a good ICV over it */
	uint8_t odd[16 + 20 + 16], mac[32], macin[32 + 36];

	fill(odd, 36, 20);
	memcpy(macin, e.aad, 32);
	memcpy(macin + 32, odd, 36);
	ref_hmac("SHA256", e.akey, 32, macin, sizeof(macin), mac);
	memcpy(odd + 36, mac, 16);
	ck_assert_int_eq(crypto_sk_open(e.sk, e.aad, sizeof(e.aad), odd, sizeof(odd), back, &got),
			 -EBADMSG);
	crypto_sk_free(e.sk);
}
END_TEST

/* --- keymat --- */

struct km_input {
	uint8_t gir[256], ni[32], nr[16], spis[16];
	uint64_t spi_i, spi_r;
};

static void km_input(struct km_input *in)
{
	fill(in->gir, sizeof(in->gir), 21);
	fill(in->ni, sizeof(in->ni), 22);
	fill(in->nr, sizeof(in->nr), 23);
	in->spi_i = UINT64_C(0x0123456789abcdef);
	in->spi_r = UINT64_C(0xfedcba9876543210);
	unhex("0123456789abcdeffedcba9876543210", in->spis, sizeof(in->spis));
}

/* The seven keys in the order of RFC 7296 2.14 from prf+(SKEYSEED, Ni | Nr | SPIi | SPIr). */
static void km_check(uint16_t prf, const uint8_t *skeyseed, size_t sslen, const struct km_input *in,
		     size_t ekl, size_t akl, const struct ikev2_keys *k)
{
	size_t pl = crypto_prf_out_len(prf), total = 3 * pl + 2 * (ekl + akl), at = 0;
	uint8_t seed[32 + 16 + 16], *km = malloc(total);
	const struct crypto_chunk *order[] = {&k->sk_d,	 &k->sk_ai, &k->sk_ar, &k->sk_ei,
					      &k->sk_er, &k->sk_pi, &k->sk_pr};
	const size_t lens[] = {pl, akl, akl, ekl, ekl, pl, pl};

	ck_assert_ptr_nonnull(km);
	memcpy(seed, in->ni, 32);
	memcpy(seed + 32, in->nr, 16);
	memcpy(seed + 48, in->spis, 16);
	ref_prf_plus(prf, skeyseed, sslen, seed, sizeof(seed), km, total);
	ck_assert_uint_eq(k->prf, prf);
	for (size_t i = 0; i < N(order); i++) {
		ck_assert_uint_eq(order[i]->len, lens[i]);
		ck_assert_msg(!memcmp(order[i]->ptr, km + at, lens[i]), "key %zu differs", i);
		at += lens[i];
	}
	free(km);
}

START_TEST(test_ike_keys_initial)
{
	uint16_t prf = prf_ids[_i];
	struct km_input in;
	uint8_t nonces[48], skeyseed[64];
	static const size_t kl[][2] = {{32, 32}, {36, 0}, {16, 20}};

	km_input(&in);
	memcpy(nonces, in.ni, 32);
	memcpy(nonces + 32, in.nr, 16);
	/* 2.14: SKEYSEED = prf(Ni | Nr, g^ir) */
	size_t sl = ref_prf(prf, nonces, sizeof(nonces), in.gir, sizeof(in.gir), skeyseed);

	for (size_t i = 0; i < N(kl); i++) {
		struct ikev2_keys k;

		memset(&k, 0, sizeof(k));
		ck_assert_int_eq(ikev2_derive_ike_keys(prf, NULL, 0, in.gir, sizeof(in.gir), in.ni,
						       32, in.nr, 16, in.spi_i, in.spi_r, kl[i][0],
						       kl[i][1], &k),
				 0);
		km_check(prf, skeyseed, sl, &in, kl[i][0], kl[i][1], &k);
		ikev2_keys_clear(&k);
		ck_assert_ptr_null(k.sk_d.ptr);
		ck_assert_ptr_null(k.sk_pr.ptr);
		ck_assert_uint_eq(k.sk_ei.len, 0);
	}
}
END_TEST

START_TEST(test_ike_keys_rekey)
{
	/* 2.18: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) with the old SA's PRF */
	static const uint16_t pairs[][2] = {{2, 7}, {7, 2}, {5, 5}, {1, 6}};
	uint16_t old_prf = pairs[_i][0], prf = pairs[_i][1];
	struct km_input in;
	uint8_t old[64], msg[256 + 48], skeyseed[64];
	struct crypto_chunk old_sk_d = {old, crypto_prf_out_len(old_prf)};
	struct ikev2_keys k;

	km_input(&in);
	fill(old, sizeof(old), 24);
	memcpy(msg, in.gir, 256);
	memcpy(msg + 256, in.ni, 32);
	memcpy(msg + 288, in.nr, 16);
	size_t sl = ref_prf(old_prf, old, old_sk_d.len, msg, sizeof(msg), skeyseed);

	memset(&k, 0, sizeof(k));
	ck_assert_int_eq(ikev2_derive_ike_keys(prf, &old_sk_d, old_prf, in.gir, sizeof(in.gir),
					       in.ni, 32, in.nr, 16, in.spi_i, in.spi_r, 32, 32,
					       &k),
			 0);
	km_check(prf, skeyseed, sl, &in, 32, 32, &k);
	ikev2_keys_clear(&k);
}
END_TEST

START_TEST(test_ike_keys_bad_prf)
{
	struct km_input in;
	struct ikev2_keys k;

	km_input(&in);
	memset(&k, 0, sizeof(k));
	ck_assert_int_lt(ikev2_derive_ike_keys(99, NULL, 0, in.gir, sizeof(in.gir), in.ni, 32,
					       in.nr, 16, in.spi_i, in.spi_r, 32, 32, &k),
			 0);
	ck_assert_ptr_null(k.sk_d.ptr);
}
END_TEST

START_TEST(test_ike_keys_contract)
{
	struct km_input in;
	struct ikev2_keys k, saved;
	uint8_t big[257], old[64], msg[256 + 48], skeyseed[64], d[64];

	km_input(&in);
	memset(&k, 0, sizeof(k));
	fill(big, sizeof(big), 26);
	/* RFC 7296 3.9: nonces are at most 256 bytes */
	ck_assert_int_eq(ikev2_derive_ike_keys(5, NULL, 0, in.gir, sizeof(in.gir), big, 257, in.nr,
					       16, in.spi_i, in.spi_r, 32, 32, &k),
			 -EINVAL);
	ck_assert_int_eq(ikev2_derive_ike_keys(5, NULL, 0, in.gir, sizeof(in.gir), in.ni, 32, big,
					       257, in.spi_i, in.spi_r, 32, 32, &k),
			 -EINVAL);
	ck_assert_int_eq(ikev2_derive_ike_keys(5, NULL, 0, in.gir, sizeof(in.gir), big, 256, big,
					       256, in.spi_i, in.spi_r, 32, 32, &k),
			 0);
	/* a failure leaves the keys there untouched */
	saved = k;
	memcpy(d, k.sk_d.ptr, k.sk_d.len);
	ck_assert_int_eq(ikev2_derive_ike_keys(99, NULL, 0, in.gir, sizeof(in.gir), in.ni, 32,
					       in.nr, 16, in.spi_i, in.spi_r, 32, 32, &k),
			 -EINVAL);
	ck_assert_ptr_eq(k.sk_d.ptr, saved.sk_d.ptr);
	ck_assert_ptr_eq(k.sk_pr.ptr, saved.sk_pr.ptr);
	ck_assert_uint_eq(k.sk_d.len, 32);
	ck_assert_mem_eq(k.sk_d.ptr, d, 32);
	/* a rekey into the struct that holds the old SK_d (2.18) */
	memcpy(old, k.sk_d.ptr, 32);
	memcpy(msg, in.gir, 256);
	memcpy(msg + 256, in.ni, 32);
	memcpy(msg + 288, in.nr, 16);
	size_t sl = ref_prf(5, old, 32, msg, sizeof(msg), skeyseed);

	ck_assert_int_eq(ikev2_derive_ike_keys(5, &k.sk_d, 5, in.gir, sizeof(in.gir), in.ni, 32,
					       in.nr, 16, in.spi_i, in.spi_r, 16, 20, &k),
			 0);
	km_check(5, skeyseed, sl, &in, 16, 20, &k);
	ikev2_keys_clear(&k);
	ikev2_keys_clear(NULL);
}
END_TEST

START_TEST(test_child_keys)
{
	uint16_t prf = prf_ids[_i];
	uint8_t skd[64], gir[32], ni[32], nr[24], msg[32 + 32 + 24];
	uint8_t got[2 * (36 + 64) + 1], want[2 * (36 + 64)];
	struct crypto_chunk sk_d = {skd, crypto_prf_out_len(prf)};
	static const size_t lens[] = {2 * (32 + 32), 2 * 36, 2 * (16 + 20), sizeof(want)};

	fill(skd, sizeof(skd), 31);
	fill(gir, sizeof(gir), 32);
	fill(ni, sizeof(ni), 33);
	fill(nr, sizeof(nr), 34);
	for (size_t i = 0; i < N(lens); i++) {
		size_t len = lens[i];

		/* 2.17: KEYMAT = prf+(SK_d, Ni | Nr) */
		memcpy(msg, ni, 32);
		memcpy(msg + 32, nr, 24);
		ref_prf_plus(prf, skd, sk_d.len, msg, 56, want, len);
		got[len] = 0xee;
		ck_assert_int_eq(
			ikev2_derive_child_keys(prf, &sk_d, NULL, 0, ni, 32, nr, 24, got, len), 0);
		ck_assert_mem_eq(got, want, len);
		ck_assert_uint_eq(got[len], 0xee);
		/* with PFS: KEYMAT = prf+(SK_d, g^ir (new) | Ni | Nr) */
		memcpy(msg, gir, 32);
		memcpy(msg + 32, ni, 32);
		memcpy(msg + 64, nr, 24);
		ref_prf_plus(prf, skd, sk_d.len, msg, sizeof(msg), want, len);
		ck_assert_int_eq(
			ikev2_derive_child_keys(prf, &sk_d, gir, 32, ni, 32, nr, 24, got, len), 0);
		ck_assert_mem_eq(got, want, len);
	}
}
END_TEST

START_TEST(test_psk_auth)
{
	uint16_t prf = prf_ids[_i];
	static const char secret[] = "a shared secret of no particular length";
	static const char pad[17] = {'K', 'e', 'y', ' ', 'P', 'a', 'd', ' ', 'f',
				     'o', 'r', ' ', 'I', 'K', 'E', 'v', '2'};
	static const uint8_t id_body[] = {2,   0,   0,	 0,   'v', 'p', 'n', '.', 'e', 'x',
					  'a', 'm', 'p', 'l', 'e', '.', 'o', 'r', 'g'};
	uint8_t msg[300 + 32 + 64], skp[64], macid[64], key[64], want[64], got[64];
	size_t pl = crypto_prf_out_len(prf), outlen = 0;
	struct crypto_chunk sk_p = {skp, pl};

	fill(msg, 300, 41);
	fill(msg + 300, 32, 42); /* the peer's nonce */
	fill(skp, sizeof(skp), 43);
	/* 2.15: AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <msg octets>) with
	 * <msg octets> = message | nonce | prf(SK_p, IDx') */
	ref_prf(prf, skp, pl, id_body, sizeof(id_body), macid);
	memcpy(msg + 332, macid, pl);
	ref_prf(prf, (const uint8_t *)secret, strlen(secret), (const uint8_t *)pad, sizeof(pad),
		key);
	ref_prf(prf, key, pl, msg, 332 + pl, want);
	ck_assert_int_eq(ikev2_psk_auth(prf, (const uint8_t *)secret, strlen(secret), msg, 300,
					msg + 300, 32, &sk_p, id_body, sizeof(id_body), got,
					&outlen),
			 0);
	ck_assert_uint_eq(outlen, pl);
	ck_assert_mem_eq(got, want, pl);
	/* a different secret, nonce or identity gives another value */
	ck_assert_int_eq(ikev2_psk_auth(prf, (const uint8_t *)secret, strlen(secret) - 1, msg, 300,
					msg + 300, 32, &sk_p, id_body, sizeof(id_body), got,
					&outlen),
			 0);
	ck_assert(memcmp(got, want, pl) != 0);
	ck_assert_int_eq(ikev2_psk_auth(prf, (const uint8_t *)secret, strlen(secret), msg, 300,
					msg + 300, 32, &sk_p, id_body, sizeof(id_body) - 1, got,
					&outlen),
			 0);
	ck_assert(memcmp(got, want, pl) != 0);
	/* in two steps, one keyed PRF for two AUTH values: the same result each time */
	struct crypto_prf *k = ikev2_psk_prf(prf, (const uint8_t *)secret, strlen(secret));

	ck_assert_ptr_nonnull(k);
	for (int i = 0; i < 2; i++) {
		memset(got, 0, sizeof(got));
		ck_assert_int_eq(ikev2_psk_auth_with(k, prf, msg, 300, msg + 300, 32, &sk_p,
						     id_body, sizeof(id_body), got, &outlen),
				 0);
		ck_assert_uint_eq(outlen, pl);
		ck_assert_mem_eq(got, want, pl);
	}
	crypto_prf_free(k);
}
END_TEST

START_TEST(test_psk_auth_bad_prf)
{
	uint8_t k[32] = {0}, out[64];
	struct crypto_chunk sk_p = {k, 32};
	size_t outlen = 99;

	ck_assert_int_lt(ikev2_psk_auth(99, k, 4, k, 4, k, 4, &sk_p, k, 4, out, &outlen), 0);
	ck_assert_uint_eq(outlen, 0);
	ck_assert_ptr_null(ikev2_psk_prf(99, k, 4));
	outlen = 99;
	ck_assert_int_eq(ikev2_psk_auth_with(NULL, 5, k, 4, k, 4, &sk_p, k, 4, out, &outlen),
			 -EINVAL);
	ck_assert_uint_eq(outlen, 0);
	/* a PRF of another length (SHA-512's against PRF_HMAC_SHA2_256) */
	struct crypto_prf *k512 = ikev2_psk_prf(7, k, 4);

	ck_assert_ptr_nonnull(k512);
	ck_assert_int_eq(ikev2_psk_auth_with(k512, 5, k, 4, k, 4, &sk_p, k, 4, out, &outlen),
			 -EINVAL);
	crypto_prf_free(k512);
}
END_TEST

static Suite *ikecrypto_suite(void)
{
	Suite *s = suite_create("ikecrypto");
	TCase *dh = tcase_create("dh");
	TCase *prf = tcase_create("prf");
	TCase *sk = tcase_create("sk");
	TCase *km = tcase_create("keymat");

	tcase_set_timeout(dh, 60);
	tcase_add_loop_test(dh, test_dh_agree, 0, N(dh_cases));
	tcase_add_loop_test(dh, test_dh_reference, 0, N(dh_cases));
	tcase_add_loop_test(dh, test_dh_bad_length, 0, N(dh_cases));
	tcase_add_loop_test(dh, test_dh_modp_bad_values, 0, 8);
	tcase_add_loop_test(dh, test_dh_ecp_bad_points, 0, 3);
	tcase_add_loop_test(dh, test_dh_leading_zero, 0, 4);
	tcase_add_test(dh, test_dh_unsupported);
	tcase_add_test(dh, test_x25519_low_order);
	tcase_add_loop_test(prf, test_hmac_kat, 0, N(hmac_kats));
	tcase_add_test(prf, test_prf_iov_split);
	tcase_add_test(prf, test_prf_empty_key);
	tcase_add_test(prf, test_prf_reuse);
	tcase_add_test(prf, test_alg_lengths);
	tcase_add_test(prf, test_sha1_and_memeq);
	tcase_add_test(prf, test_sha256);
	tcase_add_loop_test(prf, test_prf_plus, 0, N(prf_ids));
	tcase_add_test(prf, test_prf_plus_bad_args);
	tcase_add_loop_test(sk, test_sk_roundtrip, 0, N(sk_cases));
	tcase_add_loop_test(sk, test_sk_tamper, 0, N(sk_cases));
	tcase_add_loop_test(sk, test_sk_truncated, 0, N(sk_cases));
	tcase_add_test(sk, test_sk_legacy_roundtrip);
	tcase_add_test(sk, test_sk_failure_leaves_nothing);
	tcase_add_test(sk, test_sk_new_bad);
	tcase_add_test(sk, test_sk_cbc_layout);
	tcase_add_test(sk, test_sk_gcm_layout);
	tcase_add_test(sk, test_sk_cbc_foreign);
	tcase_add_loop_test(km, test_ike_keys_initial, 0, N(prf_ids));
	tcase_add_loop_test(km, test_ike_keys_rekey, 0, 4);
	tcase_add_test(km, test_ike_keys_bad_prf);
	tcase_add_test(km, test_ike_keys_contract);
	tcase_add_loop_test(km, test_child_keys, 0, N(prf_ids));
	tcase_add_loop_test(km, test_psk_auth, 0, N(prf_ids));
	tcase_add_test(km, test_psk_auth_bad_prf);
	suite_add_tcase(s, dh);
	suite_add_tcase(s, prf);
	suite_add_tcase(s, sk);
	suite_add_tcase(s, km);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	if (crypto_init() < 0)
		return 99; /* a hard error: no default provider */
	sr = srunner_create(ikecrypto_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
