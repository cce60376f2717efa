/* check_ikev1_keys: IKEv1 keying material and message protection (src/crypto/v1.c,
 * src/ike/v1/keymat.c). Every derivation against the RFC 2409 formula computed here step
 * by step with EVP_MAC / EVP_Digest over concatenated buffers; one whole main mode with a
 * pre-shared key and a quick mode against a vector produced independently in Python
 * (tests/unit/data/ikev1_mm_psk_vector.py); CBC round trips and IV chains against OpenSSL
 * driven directly; ECP g^xy as the x coordinate against the test's own ECDH; and wiping,
 * watched through a wrapped free() (-Wl,--wrap=free). */
#include <check.h>
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "ipsecd/crypto.h"
#include "ipsecd/crypto_v1.h"
#include "keymat.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* --- free() watched: what a buffer held when it was freed --- */

static struct watch {
	const void *ptr;
	size_t len; /* bytes to capture; 0: malloc_usable_size */
	uint8_t seen[256];
	size_t seenlen;
	bool hit;
} watches[8];

void __real_free(void *p);
void __wrap_free(void *p);
void __wrap_free(void *p)
{
	for (size_t i = 0; p && i < N(watches); i++) {
		struct watch *w = &watches[i];
		size_t n = w->len ? w->len : malloc_usable_size(p);

		if (w->ptr != p || w->hit)
			continue;
		w->seenlen = n < sizeof(w->seen) ? n : sizeof(w->seen);
		memcpy(w->seen, p, w->seenlen);
		w->hit = true;
	}
	__real_free(p);
}

static void watch(size_t i, const void *p, size_t len)
{
	watches[i] = (struct watch){.ptr = p, .len = len};
}

static void assert_wiped(size_t i)
{
	ck_assert_msg(watches[i].hit, "watch %zu: never freed", i);
	for (size_t j = 0; j < watches[i].seenlen; j++)
		ck_assert_msg(watches[i].seen[j] == 0, "watch %zu: byte %zu not wiped", i, j);
}

/* --- helpers and the test's own PRF and hash --- */

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
		p[i] = (uint8_t)(seed + i * 37 + (i >> 3));
}

static const struct hash_case {
	uint16_t v1;
	const char *md;
	size_t len;
} hashes[] = {
	{CRYPTO_V1_HASH_SHA1, "SHA1", 20},	 {CRYPTO_V1_HASH_SHA2_256, "SHA256", 32},
	{CRYPTO_V1_HASH_SHA2_384, "SHA384", 48}, {CRYPTO_V1_HASH_SHA2_512, "SHA512", 64},
	{CRYPTO_V1_HASH_MD5, "MD5", 16},
};

/* MD5 runs only where this OpenSSL offers it; the others must be there. */
static bool hash_available(const struct hash_case *h)
{
	EVP_MD *md = EVP_MD_fetch(NULL, h->md, NULL);
	bool ok = md != NULL;

	EVP_MD_free(md);
	ck_assert(ok || h->v1 == CRYPTO_V1_HASH_MD5);
	ck_assert(crypto_v1_hash_supported(h->v1) == ok);
	return ok;
}

/* HMAC-md(key, msg) with EVP_MAC directly. */
static size_t ref_prf(const struct hash_case *h, const uint8_t *key, size_t klen,
		      const uint8_t *msg, size_t mlen, uint8_t *out)
{
	static const uint8_t nokey;
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)h->md, 0),
		OSSL_PARAM_construct_end()};
	size_t n = 0;

	ck_assert_ptr_nonnull(ctx);
	ck_assert(EVP_MAC_init(ctx, klen ? key : &nokey, klen, params));
	ck_assert(EVP_MAC_update(ctx, msg, mlen));
	ck_assert(EVP_MAC_final(ctx, out, &n, 64));
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	ck_assert_uint_eq(n, h->len);
	return n;
}

static void ref_hash(const struct hash_case *h, const uint8_t *msg, size_t mlen, uint8_t *out)
{
	unsigned n = 0;

	ck_assert(EVP_Digest(msg, mlen, out, &n, EVP_get_digestbyname(h->md), NULL));
	ck_assert_uint_eq(n, h->len);
}

/* A growing buffer the reference computations concatenate their inputs into. */
struct cat {
	uint8_t b[4096];
	size_t n;
};

static struct cat *cat_new(void)
{
	struct cat *c = calloc(1, sizeof(*c));

	ck_assert_ptr_nonnull(c);
	return c;
}

static void put(struct cat *c, const void *p, size_t len)
{
	ck_assert_uint_le(c->n + len, sizeof(c->b));
	if (len)
		memcpy(c->b + c->n, p, len);
	c->n += len;
}

static void put_u8(struct cat *c, uint8_t v)
{
	put(c, &v, 1);
}

static void put_be32(struct cat *c, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

	put(c, b, 4);
}

/* A phase 1 with made-up but well-formed pieces. */
struct p1_bytes {
	uint8_t gxi[96], gxr[96], ni[32], nr[24], sai[44], idi[8], idr[12], gxy[48];
};

static struct ikev1_p1 p1_of(struct p1_bytes *b, uint16_t hash)
{
	struct ikev1_p1 p = {.hash = hash};

	fill(b->gxi, sizeof(b->gxi), 1);
	fill(b->gxr, sizeof(b->gxr), 2);
	fill(b->ni, sizeof(b->ni), 3);
	fill(b->nr, sizeof(b->nr), 4);
	fill(b->sai, sizeof(b->sai), 5);
	fill(b->idi, sizeof(b->idi), 6);
	fill(b->idr, sizeof(b->idr), 7);
	fill(b->gxy, sizeof(b->gxy), 8);
	p.gxi = (struct crypto_iov){b->gxi, sizeof(b->gxi)};
	p.gxr = (struct crypto_iov){b->gxr, sizeof(b->gxr)};
	p.ni = (struct crypto_iov){b->ni, sizeof(b->ni)};
	p.nr = (struct crypto_iov){b->nr, sizeof(b->nr)};
	p.sai_b = (struct crypto_iov){b->sai, sizeof(b->sai)};
	memcpy(p.cky_i, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	memcpy(p.cky_r, "\x99\xaa\xbb\xcc\xdd\xee\xff\x01", 8);
	return p;
}

/* --- algorithms --- */

START_TEST(test_hash_table)
{
	const struct hash_case *h = &hashes[_i];
	uint8_t msg[300], want[64], got[64];
	struct crypto_iov iov[] = {{msg, 100}, {NULL, 0}, {msg + 100, 200}};

	ck_assert_uint_eq(crypto_v1_hash_len(h->v1), h->len);
	ck_assert_uint_ne(crypto_v1_prf_id(h->v1), 0);
	ck_assert_uint_eq(crypto_prf_out_len(crypto_v1_prf_id(h->v1)), h->len);
	if (!hash_available(h))
		return;
	fill(msg, sizeof(msg), 9);
	ref_hash(h, msg, sizeof(msg), want);
	ck_assert_int_eq(crypto_v1_hash(h->v1, iov, 3, got), 0);
	ck_assert_mem_eq(got, want, h->len);
}
END_TEST

START_TEST(test_unknown_algorithms)
{
	uint8_t out[64];
	struct crypto_iov iov = {out, 1};

	/* Tiger (3) and unassigned values */
	ck_assert(!crypto_v1_hash_supported(3));
	ck_assert(!crypto_v1_hash_supported(0));
	ck_assert(!crypto_v1_hash_supported(7));
	ck_assert_uint_eq(crypto_v1_hash_len(3), 0);
	ck_assert_uint_eq(crypto_v1_prf_id(3), 0);
	ck_assert_int_eq(crypto_v1_hash(3, &iov, 1, out), -EINVAL);
	/* IDEA (2), RC5 (4), CAST (6) and AES with a bad key length */
	ck_assert(!crypto_v1_encr_supported(2, 0));
	ck_assert(!crypto_v1_encr_supported(4, 0));
	ck_assert(!crypto_v1_encr_supported(6, 0));
	ck_assert(!crypto_v1_encr_supported(CRYPTO_V1_ENCR_AES_CBC, 100));
	ck_assert(!crypto_v1_encr_supported(CRYPTO_V1_ENCR_AES_CBC, 512));
	ck_assert(!crypto_v1_encr_supported(CRYPTO_V1_ENCR_3DES, 128));
	ck_assert_uint_eq(crypto_v1_encr_key_len(6, 0), 0);
	ck_assert_uint_eq(crypto_v1_encr_block_len(6), 0);
}
END_TEST

START_TEST(test_encr_table)
{
	ck_assert(crypto_v1_encr_supported(CRYPTO_V1_ENCR_AES_CBC, 128));
	ck_assert(crypto_v1_encr_supported(CRYPTO_V1_ENCR_AES_CBC, 192));
	ck_assert(crypto_v1_encr_supported(CRYPTO_V1_ENCR_AES_CBC, 256));
	ck_assert(crypto_v1_encr_supported(CRYPTO_V1_ENCR_AES_CBC, 0));
	ck_assert_uint_eq(crypto_v1_encr_key_len(CRYPTO_V1_ENCR_AES_CBC, 0), 16);
	ck_assert_uint_eq(crypto_v1_encr_key_len(CRYPTO_V1_ENCR_AES_CBC, 256), 32);
	ck_assert_uint_eq(crypto_v1_encr_block_len(CRYPTO_V1_ENCR_AES_CBC), 16);
	ck_assert(crypto_v1_encr_supported(CRYPTO_V1_ENCR_3DES, 0)); /* default provider */
	ck_assert_uint_eq(crypto_v1_encr_key_len(CRYPTO_V1_ENCR_3DES, 0), 24);
	ck_assert_uint_eq(crypto_v1_encr_block_len(CRYPTO_V1_ENCR_3DES), 8);
	ck_assert_uint_eq(crypto_v1_encr_key_len(CRYPTO_V1_ENCR_CAMELLIA, 0), 0);
	ck_assert_uint_eq(crypto_v1_encr_block_len(CRYPTO_V1_ENCR_CAMELLIA), 16);
	ck_assert_uint_eq(crypto_v1_encr_key_len(CRYPTO_V1_ENCR_BLOWFISH, 0), 16);
}
END_TEST

START_TEST(test_dh_groups)
{
	static const uint16_t ok[] = {2, 5, 14, 15, 16, 17, 18, 19, 20, 21};

	ck_assert(!crypto_v1_dh_supported(1)); /* 768 bits: refused */
	ck_assert(!crypto_v1_dh_supported(3)); /* EC2N */
	ck_assert(!crypto_v1_dh_supported(4));
	ck_assert(!crypto_v1_dh_supported(22));
	ck_assert(!crypto_v1_dh_supported(31)); /* no IKEv1 Curve25519 */
	for (size_t i = 0; i < N(ok); i++)
		ck_assert_msg(crypto_v1_dh_supported(ok[i]), "group %u", ok[i]);
}
END_TEST

/* RFC 5903 7 and its errata: IKEv1's g^xy for ECP is the x coordinate alone, as for IKEv2;
 * checked against an ECDH the test runs itself (OpenSSL's derive gives x). */
START_TEST(test_dh_ecp_x_only)
{
	static const struct {
		uint16_t group;
		const char *curve;
		size_t coord;
	} c[] = {{19, "P-256", 32}, {20, "P-384", 48}, {21, "P-521", 66}};
	struct crypto_dh *dh = crypto_dh_new(c[_i].group);
	EVP_PKEY *mine = EVP_PKEY_Q_keygen(NULL, NULL, "EC", c[_i].curve);
	EVP_PKEY *theirs = EVP_PKEY_new();
	uint8_t *enc = NULL, pt[1 + 2 * 66], want[66];
	size_t n, publen, wantlen = sizeof(want);
	const uint8_t *pub;
	struct crypto_chunk got;
	EVP_PKEY_CTX *ctx;

	ck_assert_ptr_nonnull(dh);
	ck_assert_ptr_nonnull(mine);
	n = EVP_PKEY_get1_encoded_public_key(mine, &enc);
	ck_assert_uint_eq(n, 1 + 2 * c[_i].coord);
	ck_assert_int_eq(crypto_dh_shared(dh, enc + 1, n - 1, &got), 0); /* KE data: x | y */
	pub = crypto_dh_public(dh, &publen);
	ck_assert_uint_eq(publen, 2 * c[_i].coord);
	pt[0] = 4;
	memcpy(pt + 1, pub, publen);
	ck_assert(EVP_PKEY_copy_parameters(theirs, mine));
	ck_assert(EVP_PKEY_set1_encoded_public_key(theirs, pt, publen + 1));
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, mine, NULL);
	ck_assert(EVP_PKEY_derive_init(ctx) > 0 && EVP_PKEY_derive_set_peer(ctx, theirs) > 0);
	ck_assert(EVP_PKEY_derive(ctx, want, &wantlen) > 0);
	ck_assert_uint_eq(wantlen, c[_i].coord);
	ck_assert_uint_eq(got.len, c[_i].coord);
	ck_assert_mem_eq(got.ptr, want, wantlen);
	crypto_chunk_clear(&got);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(theirs);
	EVP_PKEY_free(mine);
	OPENSSL_free(enc);
	crypto_dh_free(dh);
}
END_TEST

/* --- phase 1 derivations, step by step --- */

START_TEST(test_skeyid_forms)
{
	const struct hash_case *h = &hashes[_i];
	struct p1_bytes b;
	struct ikev1_p1 p = p1_of(&b, h->v1);
	struct cat *c = cat_new(), *k = cat_new();
	uint8_t want[64], nh[64];
	static const uint8_t psk[] = "a pre-shared key of some length, longer than a block of "
				     "SHA-1's HMAC, which is 64 bytes, so it gets hashed first";
	struct crypto_chunk s;

	if (!hash_available(h))
		goto out;
	/* signatures: prf(Ni_b | Nr_b, g^xy) */
	put(k, b.ni, sizeof(b.ni));
	put(k, b.nr, sizeof(b.nr));
	ref_prf(h, k->b, k->n, b.gxy, sizeof(b.gxy), want);
	ck_assert_int_eq(ikev1_skeyid_sig(&p, b.gxy, sizeof(b.gxy), &s), 0);
	ck_assert_uint_eq(s.len, h->len);
	ck_assert_mem_eq(s.ptr, want, h->len);
	crypto_chunk_clear(&s);
	/* pre-shared key: prf(psk, Ni_b | Nr_b) */
	ref_prf(h, psk, sizeof(psk) - 1, k->b, k->n, want);
	ck_assert_int_eq(ikev1_skeyid_psk(&p, psk, sizeof(psk) - 1, &s), 0);
	ck_assert_mem_eq(s.ptr, want, h->len);
	crypto_chunk_clear(&s);
	/* public key encryption: prf(hash(Ni_b | Nr_b), CKY-I | CKY-R) */
	ref_hash(h, k->b, k->n, nh);
	put(c, p.cky_i, 8);
	put(c, p.cky_r, 8);
	ref_prf(h, nh, h->len, c->b, c->n, want);
	ck_assert_int_eq(ikev1_skeyid_pke(&p, &s), 0);
	ck_assert_mem_eq(s.ptr, want, h->len);
	crypto_chunk_clear(&s);
out:
	free(c);
	free(k);
}
END_TEST

START_TEST(test_skeyid_bad)
{
	struct p1_bytes b;
	struct ikev1_p1 p = p1_of(&b, 3); /* Tiger */
	uint8_t big[IKEV1_MAX_NONCE + 1] = {0};
	struct crypto_chunk s = {(uint8_t *)1, 1};

	ck_assert_int_eq(ikev1_skeyid_sig(&p, b.gxy, 8, &s), -EINVAL);
	ck_assert_ptr_null(s.ptr);
	ck_assert_int_eq(ikev1_skeyid_psk(&p, big, 4, &s), -EINVAL);
	ck_assert_int_eq(ikev1_skeyid_pke(&p, &s), -EINVAL);
	p.hash = CRYPTO_V1_HASH_SHA1;
	p.ni = (struct crypto_iov){big, sizeof(big)};
	ck_assert_int_eq(ikev1_skeyid_sig(&p, b.gxy, 8, &s), -EINVAL);
	ck_assert_int_eq(ikev1_skeyid_psk(&p, big, 4, &s), -EINVAL);
	ck_assert_int_eq(ikev1_skeyid_pke(&p, &s), -EINVAL);
	ck_assert_ptr_null(s.ptr);
}
END_TEST

/* SKEYID_d/a/e and the cipher key at every length a cipher takes: truncated when SKEYID_e
 * is long enough, expanded (appendix B) otherwise. */
START_TEST(test_derive_keys)
{
	static const size_t klen[] = {0, 8, 16, 24, 32, 56};
	const struct hash_case *h = &hashes[_i];
	struct p1_bytes b;
	struct ikev1_p1 p = p1_of(&b, h->v1);
	uint8_t sk[40], d[64], a[64], e[64], ka[64 * 3], t[64];
	struct crypto_chunk skeyid = {sk, sizeof(sk)};
	struct ikev1_keys k = {0};

	if (!hash_available(h))
		return;
	fill(sk, sizeof(sk), 10);
	for (size_t i = 0; i < N(klen); i++) {
		struct cat *c = cat_new();

		put(c, b.gxy, sizeof(b.gxy)); /* g^xy | CKY-I | CKY-R | 0 */
		put(c, p.cky_i, 8);
		put(c, p.cky_r, 8);
		put_u8(c, 0);
		ref_prf(h, sk, sizeof(sk), c->b, c->n, d);
		c->n = 0; /* SKEYID_d | g^xy | CKY-I | CKY-R | 1 */
		put(c, d, h->len);
		put(c, b.gxy, sizeof(b.gxy));
		put(c, p.cky_i, 8);
		put(c, p.cky_r, 8);
		put_u8(c, 1);
		ref_prf(h, sk, sizeof(sk), c->b, c->n, a);
		c->n = 0;
		put(c, a, h->len);
		put(c, b.gxy, sizeof(b.gxy));
		put(c, p.cky_i, 8);
		put(c, p.cky_r, 8);
		put_u8(c, 2);
		ref_prf(h, sk, sizeof(sk), c->b, c->n, e);
		if (klen[i] <= h->len) {
			memcpy(ka, e, klen[i]);
		} else { /* K1 = prf(SKEYID_e, 0), Kn = prf(SKEYID_e, Kn-1) */
			static const uint8_t zero;

			ref_prf(h, e, h->len, &zero, 1, t);
			memcpy(ka, t, h->len);
			for (size_t got = h->len; got < klen[i]; got += h->len) {
				ref_prf(h, e, h->len, t, h->len, t);
				memcpy(ka + got, t, h->len);
			}
		}
		ck_assert_int_eq(ikev1_derive_keys(&p, &skeyid, b.gxy, sizeof(b.gxy), klen[i], &k),
				 0);
		ck_assert_uint_eq(k.hash, h->v1);
		ck_assert_mem_eq(k.skeyid.ptr, sk, sizeof(sk));
		ck_assert_uint_eq(k.skeyid_d.len, h->len);
		ck_assert_mem_eq(k.skeyid_d.ptr, d, h->len);
		ck_assert_mem_eq(k.skeyid_a.ptr, a, h->len);
		ck_assert_mem_eq(k.skeyid_e.ptr, e, h->len);
		ck_assert_uint_eq(k.enc_key.len, klen[i]);
		if (klen[i])
			ck_assert_mem_eq(k.enc_key.ptr, ka, klen[i]);
		free(c);
	}
	ikev1_keys_clear(&k);
	ck_assert_ptr_null(k.skeyid.ptr);
	ck_assert_ptr_null(k.enc_key.ptr);
	ck_assert_uint_eq(k.skeyid_e.len, 0);
}
END_TEST

START_TEST(test_derive_keys_bad)
{
	struct p1_bytes b;
	struct ikev1_p1 p = p1_of(&b, 3);
	uint8_t sk[20] = {1};
	struct crypto_chunk skeyid = {sk, sizeof(sk)};
	struct ikev1_keys k = {.hash = 77};

	ck_assert_int_eq(ikev1_derive_keys(&p, &skeyid, b.gxy, 32, 16, &k), -EINVAL);
	ck_assert_uint_eq(k.hash, 77); /* untouched */
	p.hash = CRYPTO_V1_HASH_SHA1;
	ck_assert_int_eq(ikev1_derive_keys(&p, &skeyid, b.gxy, 32, 4096, &k), -EINVAL);
	ck_assert_int_eq(ikev1_expand_enc_key(3, sk, 20, sk, 4), -EINVAL);
}
END_TEST

START_TEST(test_hash_ir)
{
	const struct hash_case *h = &hashes[_i];
	struct p1_bytes b;
	struct ikev1_p1 p = p1_of(&b, h->v1);
	uint8_t sk[33], want[64], got[64];
	struct crypto_chunk skeyid = {sk, sizeof(sk)};
	struct crypto_iov idi = {b.idi, sizeof(b.idi)}, idr = {b.idr, sizeof(b.idr)};
	struct cat *c = cat_new();

	if (!hash_available(h))
		goto out;
	fill(sk, sizeof(sk), 11);
	/* HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b) */
	put(c, b.gxi, sizeof(b.gxi));
	put(c, b.gxr, sizeof(b.gxr));
	put(c, p.cky_i, 8);
	put(c, p.cky_r, 8);
	put(c, b.sai, sizeof(b.sai));
	put(c, b.idi, sizeof(b.idi));
	ref_prf(h, sk, sizeof(sk), c->b, c->n, want);
	ck_assert_int_eq(ikev1_hash_i(&p, &skeyid, &idi, got), 0);
	ck_assert_mem_eq(got, want, h->len);
	/* HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b) */
	c->n = 0;
	put(c, b.gxr, sizeof(b.gxr));
	put(c, b.gxi, sizeof(b.gxi));
	put(c, p.cky_r, 8);
	put(c, p.cky_i, 8);
	put(c, b.sai, sizeof(b.sai));
	put(c, b.idr, sizeof(b.idr));
	ref_prf(h, sk, sizeof(sk), c->b, c->n, want);
	ck_assert_int_eq(ikev1_hash_r(&p, &skeyid, &idr, got), 0);
	ck_assert_mem_eq(got, want, h->len);
out:
	free(c);
}
END_TEST

START_TEST(test_hash_base)
{
	const struct hash_case *h = &hashes[_i];
	struct p1_bytes b;
	struct ikev1_p1 p = p1_of(&b, h->v1);
	uint8_t sk[20], want[64], got[64], key[64];
	struct crypto_chunk skeyid = {sk, sizeof(sk)};
	struct crypto_iov idi = {b.idi, sizeof(b.idi)};
	struct cat *c = cat_new(), *m = cat_new();

	if (!hash_available(h))
		goto out;
	fill(sk, sizeof(sk), 12);
	/* HASH_I = prf(K, g^xi | CKY-I | CKY-R | SAi_b | IDii_b) */
	put(m, b.gxi, sizeof(b.gxi));
	put(m, p.cky_i, 8);
	put(m, p.cky_r, 8);
	put(m, b.sai, sizeof(b.sai));
	put(m, b.idi, sizeof(b.idi));
	ref_prf(h, sk, sizeof(sk), m->b, m->n, want); /* K = SKEYID */
	ck_assert_int_eq(ikev1_hash_base_i(&p, &skeyid, &idi, got), 0);
	ck_assert_mem_eq(got, want, h->len);
	put(c, b.nr, sizeof(b.nr)); /* K = hash(Nr_b | Ni_b), racoon's order */
	put(c, b.ni, sizeof(b.ni));
	ref_hash(h, c->b, c->n, key);
	ref_prf(h, key, h->len, m->b, m->n, want);
	ck_assert_int_eq(ikev1_hash_base_i(&p, NULL, &idi, got), 0);
	ck_assert_mem_eq(got, want, h->len);
	/* HASH_R = prf(hash(Ni_b | Nr_b), g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b) */
	c->n = m->n = 0;
	put(c, b.ni, sizeof(b.ni));
	put(c, b.nr, sizeof(b.nr));
	ref_hash(h, c->b, c->n, key);
	put(m, b.gxi, sizeof(b.gxi));
	put(m, b.gxr, sizeof(b.gxr));
	put(m, p.cky_i, 8);
	put(m, p.cky_r, 8);
	put(m, b.sai, sizeof(b.sai));
	put(m, b.idi, sizeof(b.idi));
	ref_prf(h, key, h->len, m->b, m->n, want);
	ck_assert_int_eq(ikev1_hash_base_r_sig(&p, &idi, got), 0);
	ck_assert_mem_eq(got, want, h->len);
out:
	free(c);
	free(m);
}
END_TEST

/* --- phase 2 --- */

START_TEST(test_hash_phase2)
{
	const struct hash_case *h = &hashes[_i];
	uint8_t a[64], ni[16], nr[40], rest[77], want[64], got[64];
	struct crypto_chunk skeyid_a = {a, h->len};
	struct crypto_iov vni = {ni, sizeof(ni)}, vnr = {nr, sizeof(nr)};
	const uint32_t mid = 0xdeadbeef;
	struct cat *c = cat_new();

	if (!hash_available(h))
		goto out;
	fill(a, sizeof(a), 13);
	fill(ni, sizeof(ni), 14);
	fill(nr, sizeof(nr), 15);
	fill(rest, sizeof(rest), 16);
	/* HASH(1), informational, transaction: prf(SKEYID_a, M-ID | rest) */
	put_be32(c, mid);
	put(c, rest, sizeof(rest));
	ref_prf(h, a, h->len, c->b, c->n, want);
	ck_assert_int_eq(ikev1_hash_mid(h->v1, &skeyid_a, mid, NULL, rest, sizeof(rest), got), 0);
	ck_assert_mem_eq(got, want, h->len);
	/* HASH(2) = prf(SKEYID_a, M-ID | Ni_b | rest) */
	c->n = 0;
	put_be32(c, mid);
	put(c, ni, sizeof(ni));
	put(c, rest, sizeof(rest));
	ref_prf(h, a, h->len, c->b, c->n, want);
	ck_assert_int_eq(ikev1_hash_mid(h->v1, &skeyid_a, mid, &vni, rest, sizeof(rest), got), 0);
	ck_assert_mem_eq(got, want, h->len);
	/* HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b) */
	c->n = 0;
	put_u8(c, 0);
	put_be32(c, mid);
	put(c, ni, sizeof(ni));
	put(c, nr, sizeof(nr));
	ref_prf(h, a, h->len, c->b, c->n, want);
	ck_assert_int_eq(ikev1_hash_qm3(h->v1, &skeyid_a, mid, &vni, &vnr, got), 0);
	ck_assert_mem_eq(got, want, h->len);
	ck_assert_int_eq(ikev1_hash_qm3(3, &skeyid_a, mid, &vni, &vnr, got), -EINVAL);
out:
	free(c);
}
END_TEST

/* KEYMAT at lengths below, at and across PRF blocks, with and without PFS, and with a
 * 2-byte (IPComp CPI) and a 4-byte SPI. */
START_TEST(test_keymat)
{
	static const size_t lens[] = {1, 16, 20, 36, 52, 64, 65, 100, 200};
	const struct hash_case *h = &hashes[_i];
	uint8_t d[64], ni[20], nr[20], gqm[48], spi[4] = {0xc0, 0x01, 0xd0, 0x0d};
	uint8_t want[256], got[256], t[64];
	struct crypto_chunk skeyid_d = {d, h->len};
	struct crypto_iov vni = {ni, sizeof(ni)}, vnr = {nr, sizeof(nr)};

	if (!hash_available(h))
		return;
	fill(d, sizeof(d), 17);
	fill(ni, sizeof(ni), 18);
	fill(nr, sizeof(nr), 19);
	fill(gqm, sizeof(gqm), 20);
	for (size_t i = 0; i < N(lens) * 4; i++) {
		size_t len = lens[i / 4], spilen = i & 1 ? 2 : 4;
		bool pfs = i & 2;
		struct cat *seed = cat_new(), *m = cat_new();

		if (pfs)
			put(seed, gqm, sizeof(gqm));
		put_u8(seed, 3); /* ESP */
		put(seed, spi, spilen);
		put(seed, ni, sizeof(ni));
		put(seed, nr, sizeof(nr));
		ref_prf(h, d, h->len, seed->b, seed->n, t); /* K1 */
		memcpy(want, t, h->len < len ? h->len : len);
		for (size_t done = h->len; done < len; done += h->len) { /* Kn */
			m->n = 0;
			put(m, t, h->len);
			put(m, seed->b, seed->n);
			ref_prf(h, d, h->len, m->b, m->n, t);
			memcpy(want + done, t, len - done < h->len ? len - done : h->len);
		}
		memset(got, 0xee, sizeof(got));
		ck_assert_int_eq(ikev1_keymat(h->v1, &skeyid_d, pfs ? gqm : NULL, sizeof(gqm), 3,
					      spi, spilen, &vni, &vnr, got, len),
				 0);
		ck_assert_mem_eq(got, want, len);
		ck_assert_uint_eq(got[len], 0xee); /* nothing past len */
		free(seed);
		free(m);
	}
}
END_TEST

START_TEST(test_iv_derivation)
{
	const struct hash_case *h = &hashes[_i];
	struct p1_bytes b;
	struct ikev1_p1 p = p1_of(&b, h->v1);
	uint8_t want[64], iv[16], last[16];
	struct cat *c = cat_new();

	if (!hash_available(h))
		goto out;
	for (size_t block = 8; block <= 16; block += 8) {
		/* phase 1: hash(g^xi | g^xr), the hash and not its HMAC, truncated */
		c->n = 0;
		put(c, b.gxi, sizeof(b.gxi));
		put(c, b.gxr, sizeof(b.gxr));
		ref_hash(h, c->b, c->n, want);
		ck_assert_int_eq(ikev1_iv_phase1(&p, block, iv), 0);
		ck_assert_mem_eq(iv, want, block);
		/* a new M-ID: hash(last phase 1 block | M-ID) */
		fill(last, sizeof(last), 21);
		c->n = 0;
		put(c, last, block);
		put_be32(c, 0x01020304);
		ref_hash(h, c->b, c->n, want);
		ck_assert_int_eq(ikev1_iv_mid(h->v1, last, block, 0x01020304, iv), 0);
		ck_assert_mem_eq(iv, want, block);
		ck_assert_int_eq(ikev1_iv_mid(h->v1, last, block, 0x01020304, last), 0);
		ck_assert_mem_eq(last, want, block); /* in place */
	}
	ck_assert_int_eq(ikev1_iv_phase1(&p, 0, iv), -EINVAL);
	ck_assert_int_eq(ikev1_iv_phase1(&p, h->len + 1, want), -EINVAL);
out:
	free(c);
}
END_TEST

/* The chains: M-ID 0 continues phase 1's; a new M-ID starts from phase 1's last block and
 * then continues on its own; forgetting an M-ID starts it over; the stalest slot goes. */
START_TEST(test_iv_chains)
{
	struct p1_bytes b;
	struct ikev1_p1 p = p1_of(&b, CRYPTO_V1_HASH_SHA2_256);
	struct ikev1_ivs s;
	uint8_t iv[16], want[16], blk[16], p1last[16];

	ck_assert_int_eq(ikev1_ivs_init(&s, &p, 16), 0);
	ck_assert_int_eq(ikev1_iv_phase1(&p, 16, want), 0);
	ck_assert_int_eq(ikev1_ivs_get(&s, 0, iv), 0);
	ck_assert_mem_eq(iv, want, 16);
	fill(p1last, 16, 22);
	ikev1_ivs_set(&s, 0, p1last); /* phase 1's last message */
	ck_assert_int_eq(ikev1_ivs_get(&s, 0, iv), 0);
	ck_assert_mem_eq(iv, p1last, 16);
	ck_assert_int_eq(ikev1_ivs_get(&s, 7, iv), 0);
	ck_assert_int_eq(ikev1_iv_mid(p.hash, p1last, 16, 7, want), 0);
	ck_assert_mem_eq(iv, want, 16);
	fill(blk, 16, 23);
	ikev1_ivs_set(&s, 7, blk);
	ck_assert_int_eq(ikev1_ivs_get(&s, 7, iv), 0);
	ck_assert_mem_eq(iv, blk, 16);
	ck_assert_int_eq(ikev1_ivs_get(&s, 8, iv), 0); /* another exchange is unaffected */
	ck_assert_int_eq(ikev1_iv_mid(p.hash, p1last, 16, 8, want), 0);
	ck_assert_mem_eq(iv, want, 16);
	ikev1_ivs_forget(&s, 7);
	ck_assert_int_eq(ikev1_ivs_get(&s, 7, iv), 0);
	ck_assert_int_eq(ikev1_iv_mid(p.hash, p1last, 16, 7, want), 0);
	ck_assert_mem_eq(iv, want, 16);
	/* fill every slot, then one more: M-ID 100, the stalest, goes */
	for (uint32_t m = 100; m < 100 + IKEV1_IV_SLOTS; m++) {
		fill(blk, 16, m);
		ikev1_ivs_set(&s, m, blk);
	}
	fill(blk, 16, 101);
	ikev1_ivs_set(&s, 101, blk); /* refreshed: 100 stays the stalest */
	fill(blk, 16, 999);
	ikev1_ivs_set(&s, 999, blk);
	ck_assert_int_eq(ikev1_ivs_get(&s, 100, iv), 0);
	ck_assert_int_eq(ikev1_iv_mid(p.hash, p1last, 16, 100, want), 0);
	ck_assert_mem_eq(iv, want, 16);
	ck_assert_int_eq(ikev1_ivs_get(&s, 101, iv), 0);
	fill(want, 16, 101);
	ck_assert_mem_eq(iv, want, 16);
	ck_assert_int_eq(ikev1_ivs_get(&s, 999, iv), 0);
	fill(want, 16, 999);
	ck_assert_mem_eq(iv, want, 16);
	ikev1_ivs_clear(&s);
	for (size_t i = 0; i < sizeof(s); i++)
		ck_assert_uint_eq(((uint8_t *)&s)[i], 0);
	ikev1_ivs_clear(NULL);
	ck_assert_int_eq(ikev1_ivs_init(&s, &p, 32), -EINVAL);
}
END_TEST

/* --- CBC --- */

static const struct cbc_case {
	uint16_t encr, bits;
	const char *ossl;
	size_t key, block;
} cbcs[] = {
	{CRYPTO_V1_ENCR_AES_CBC, 128, "AES-128-CBC", 16, 16},
	{CRYPTO_V1_ENCR_AES_CBC, 192, "AES-192-CBC", 24, 16},
	{CRYPTO_V1_ENCR_AES_CBC, 256, "AES-256-CBC", 32, 16},
	{CRYPTO_V1_ENCR_3DES, 0, "DES-EDE3-CBC", 24, 8},
};

/* Decrypts with OpenSSL directly, no padding removed. */
static void ref_decrypt(const struct cbc_case *k, const uint8_t *key, const uint8_t *iv,
			const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, k->ossl, NULL);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, f = 0;

	ck_assert(c && ctx && EVP_DecryptInit_ex2(ctx, c, key, iv, NULL));
	ck_assert(EVP_CIPHER_CTX_set_padding(ctx, 0));
	ck_assert(EVP_DecryptUpdate(ctx, out, &n, in, (int)len));
	ck_assert(EVP_DecryptFinal_ex(ctx, out + n, &f));
	ck_assert_uint_eq((size_t)(n + f), len);
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
}

/* Two messages of one exchange each way: the second's IV is the first's last block. The
 * padding is at least one octet, zeros and the count of the others last. */
START_TEST(test_cbc_roundtrip)
{
	const struct cbc_case *k = &cbcs[_i];
	uint8_t key[32], iv0[16], iv[16], riv[16], plain[80], ct[96], ref[96], back[96];
	struct crypto_v1_cbc *c;

	fill(key, sizeof(key), 30);
	fill(iv0, sizeof(iv0), 31);
	fill(plain, sizeof(plain), 32);
	c = crypto_v1_cbc_new(k->encr, k->bits, key, k->key);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(crypto_v1_cbc_block_len(c), k->block);
	for (size_t len = 0; len <= 64; len++) {
		size_t out = crypto_v1_cbc_sealed_len(c, len), pad = out - len;

		ck_assert_uint_eq(out % k->block, 0);
		ck_assert(pad >= 1 && pad <= k->block);
		memcpy(iv, iv0, k->block);
		memcpy(riv, iv0, k->block);
		for (int msg = 0; msg < 2; msg++) {
			uint8_t prev[16];

			memcpy(prev, iv, k->block);
			ck_assert_int_eq(
				crypto_v1_cbc_encrypt(c, iv, plain + msg, len, ct, out, iv), 0);
			ck_assert_mem_eq(iv, ct + out - k->block, k->block); /* next IV */
			ref_decrypt(k, key, prev, ct, out, ref);
			if (len)
				ck_assert_mem_eq(ref, plain + msg, len);
			for (size_t j = len; j + 1 < out; j++)
				ck_assert_uint_eq(ref[j], 0);
			ck_assert_uint_eq(ref[out - 1], pad - 1);
			/* the receiver, its own chain */
			ck_assert_int_eq(crypto_v1_cbc_decrypt(c, riv, ct, out, back, riv), 0);
			ck_assert_mem_eq(back, ref, out);
			ck_assert_mem_eq(riv, iv, k->block);
		}
	}
	/* in place */
	memcpy(back, plain, 32);
	ck_assert_int_eq(crypto_v1_cbc_encrypt(c, iv0, back, 32, ct, 32 + k->block, iv), 0);
	memcpy(back, ct, 32 + k->block);
	ck_assert_int_eq(crypto_v1_cbc_decrypt(c, iv0, back, 32 + k->block, back, riv), 0);
	ck_assert_mem_eq(back, plain, 32);
	crypto_v1_cbc_free(c);
}
END_TEST

/* A peer's padding is not looked at: random bytes, no count, a count too large. */
START_TEST(test_cbc_liberal_padding)
{
	uint8_t key[16], iv[16], next[16], plain[48], ct[48], back[48];
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	struct crypto_v1_cbc *c;
	int n = 0;

	fill(key, sizeof(key), 33);
	fill(iv, sizeof(iv), 34);
	fill(plain, sizeof(plain), 35);
	plain[47] = 0xff; /* "255 bytes of padding" */
	ck_assert(EVP_EncryptInit_ex2(ctx, EVP_aes_128_cbc(), key, iv, NULL));
	ck_assert(EVP_CIPHER_CTX_set_padding(ctx, 0));
	ck_assert(EVP_EncryptUpdate(ctx, ct, &n, plain, 48) && n == 48);
	EVP_CIPHER_CTX_free(ctx);
	c = crypto_v1_cbc_new(CRYPTO_V1_ENCR_AES_CBC, 128, key, 16);
	ck_assert_int_eq(crypto_v1_cbc_decrypt(c, iv, ct, 48, back, next), 0);
	ck_assert_mem_eq(back, plain, 48);
	ck_assert_mem_eq(next, ct + 32, 16);
	crypto_v1_cbc_free(c);
}
END_TEST

/* Empty, short, odd and unaligned ciphertext is refused before anything is written. */
START_TEST(test_cbc_bad_lengths)
{
	static const size_t bad[] = {0, 1, 7, 8, 15, 17, 31, 33, 47};
	const struct cbc_case *k = &cbcs[_i];
	uint8_t key[32] = {0}, iv[16] = {0}, in[64] = {0}, out[64], next[16];
	struct crypto_v1_cbc *c = crypto_v1_cbc_new(k->encr, k->bits, key, k->key);

	ck_assert_ptr_nonnull(c);
	for (size_t i = 0; i < N(bad); i++) {
		if (bad[i] && bad[i] % k->block == 0)
			continue; /* 8 is a whole 3DES block */
		memset(out, 0x5a, sizeof(out));
		memset(next, 0x5a, sizeof(next));
		ck_assert_int_eq(crypto_v1_cbc_decrypt(c, iv, in, bad[i], out, next), -EBADMSG);
		for (size_t j = 0; j < sizeof(out); j++)
			ck_assert_uint_eq(out[j], 0x5a);
		for (size_t j = 0; j < sizeof(next); j++)
			ck_assert_uint_eq(next[j], 0x5a);
	}
	ck_assert_int_eq(crypto_v1_cbc_encrypt(c, iv, in, 16, out, 16, next), -EINVAL);
	ck_assert_int_eq(crypto_v1_cbc_encrypt(c, iv, in, 16, out, 64, next), -EINVAL);
	crypto_v1_cbc_free(c);
}
END_TEST

START_TEST(test_cbc_new_bad)
{
	uint8_t key[64] = {0};

	ck_assert_ptr_null(crypto_v1_cbc_new(CRYPTO_V1_ENCR_AES_CBC, 128, key, 32));
	ck_assert_ptr_null(crypto_v1_cbc_new(CRYPTO_V1_ENCR_AES_CBC, 0, key, 32));
	ck_assert_ptr_null(crypto_v1_cbc_new(CRYPTO_V1_ENCR_AES_CBC, 100, key, 13));
	ck_assert_ptr_null(crypto_v1_cbc_new(CRYPTO_V1_ENCR_3DES, 0, key, 16));
	ck_assert_ptr_null(crypto_v1_cbc_new(6, 0, key, 16));	 /* CAST */
	ck_assert_ptr_null(crypto_v1_cbc_new(20, 128, key, 16)); /* not an IKEv1 cipher */
	crypto_v1_cbc_free(NULL);
}
END_TEST

/* --- wiping --- */

START_TEST(test_keys_wiped)
{
	struct p1_bytes b;
	struct ikev1_p1 p = p1_of(&b, CRYPTO_V1_HASH_SHA1);
	uint8_t sk[20], key[32];
	struct crypto_chunk skeyid = {sk, sizeof(sk)}, s;
	struct ikev1_keys k = {0};
	struct crypto_v1_cbc *c;

	fill(sk, sizeof(sk), 40);
	ck_assert_int_eq(ikev1_derive_keys(&p, &skeyid, b.gxy, 32, 32, &k), 0);
	watch(0, k.skeyid.ptr, k.skeyid.len);
	watch(1, k.skeyid_d.ptr, k.skeyid_d.len);
	watch(2, k.skeyid_a.ptr, k.skeyid_a.len);
	watch(3, k.skeyid_e.ptr, k.skeyid_e.len);
	watch(4, k.enc_key.ptr, k.enc_key.len);
	ikev1_keys_clear(&k);
	for (size_t i = 0; i < 5; i++)
		assert_wiped(i);
	/* the derivation replacing keys wipes the old ones */
	ck_assert_int_eq(ikev1_derive_keys(&p, &skeyid, b.gxy, 32, 16, &k), 0);
	watch(0, k.skeyid_e.ptr, k.skeyid_e.len);
	watch(1, k.enc_key.ptr, k.enc_key.len);
	ck_assert_int_eq(ikev1_derive_keys(&p, &skeyid, b.gxy, 32, 16, &k), 0);
	assert_wiped(0);
	assert_wiped(1);
	ikev1_keys_clear(&k);
	/* SKEYID chunks */
	ck_assert_int_eq(ikev1_skeyid_psk(&p, sk, sizeof(sk), &s), 0);
	watch(0, s.ptr, s.len);
	crypto_chunk_clear(&s);
	assert_wiped(0);
	/* the cipher object, whole */
	memset(key, 0xa5, sizeof(key));
	c = crypto_v1_cbc_new(CRYPTO_V1_ENCR_AES_CBC, 256, key, 32);
	ck_assert_ptr_nonnull(c);
	watch(0, c, 0);
	crypto_v1_cbc_free(c);
	assert_wiped(0);
	memset(watches, 0, sizeof(watches));
}
END_TEST

/* --- one main mode and quick mode against the Python vector --- */

/* Produced by tests/unit/data/ikev1_mm_psk_vector.py (Python 3 hashlib, hmac and the
 * cryptography package, from RFC 2409 5, 5.5, appendix B and RFC 5903; nothing of ipsecd):
 * main mode, pre-shared key, SHA-1, AES-256-CBC (so appendix B's expansion), ECP group 19
 * with fixed private scalars; messages 5 and 6 encrypted, then quick mode M-ID 0x1a2b3c4d
 * with its first two messages encrypted, HASH(1..3), and ESP KEYMAT without and with PFS. */
static const struct {
	const char *name, *hex;
} vec[] = {
	{"gxi", "0217e617f0b6443928278f96999e69a23a4f2c152bdf6d6cdf66e5b80282d4ed194a7debcb97712d2"
		"dda3ca85aa8765a56f45fc758599652f2897c65306e5794"},
	{"gxr", "d65a93977caa3d1b081852ff57a79e465f1660577304baead505dd3a48589cf350185e895372df622"
		"1ea3a137557e473fddb6755f05bd507c3c533fce9c91285"},
	{"gxy", "ccfc261f58193c98ca4ad4a53bbac6f0ee29bc4d48438090446908622ca79af6"},
	{"cky_i", "0123456789abcdef"},
	{"cky_r", "fedcba9876543210"},
	{"ni", "101112131415161718191a1b1c1d1e1f20212223"},
	{"nr", "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7"},
	{"psk", "6970736563642d76312d746573742d736563726574"},
	{"sai_b", "000000010000000100000024010100010000001c0101000080010007800e01008002000280030"
		  "00180040013"},
	{"idii_b", "011101f4c0a80001"},
	{"idir_b", "011101f4c0a80002"},
	{"skeyid", "ab24d9b7c11016459332f8c48d91d7476908b746"},
	{"skeyid_d", "c4a2feb8cef883ebefbb68186667024fe5cc5ea8"},
	{"skeyid_a", "fd1f0abbbc7062f33cae65b28cee751f12376ec9"},
	{"skeyid_e", "cb912762a1434c5185609e94a873267e119a634f"},
	{"ka", "f07dabcfdd74a9029c498565be462262a53e0701761431612b8fff9070ba02e3"},
	{"hash_i", "db189589edf5f0d5bedc8085da7ac60707a81d53"},
	{"hash_r", "4ba3f019603e8d0496dcc9342cee8c92611863d1"},
	{"iv1", "3901fb87adecea7486d80e6ce3e687f8"},
	{"c5", "3a92a4f5239d98e95764828a317743826e7628a0c36762fed52f3c985b271e420cb97639d05eb9ccf"
	       "c1161b2ab3b5e59"},
	{"c6", "c8af02faa672ccd44eecf33fc092d76e7c119e5bb6ab6582ab2cafb8bb31c0298dcad11df38bf602b"
	       "6156d0b18f5b010"},
	{"iv_qm", "617e7ef18dcb93ea0f37e1701b895ba9"},
	{"qm1_rest", "0a00001000000001000000010000000000000018101112131415161718191a1b1c1d1e1f2021"
		     "2223"},
	{"qm2_rest", "0a0000100000000100000001000000000000001ca0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1"
		     "b2b3b4b5b6b7"},
	{"hash1", "5fc1b9829b6c8e3af65c431fd4de5acca8121e62"},
	{"hash2", "5f7823e1ee1ffdb40742cc8c208b0cb56003b226"},
	{"hash3", "faf7ff0c4a2ea85f0dcdb5e2d63f278dbb01bf5f"},
	{"cq1", "1f7dc3d0e23e7e6eb8e8a5249019f8831998990bf3d5de6e137852a0d4e9aa4df01c6932ff9e8a3ca"
		"3e777152ad4f8a4596e73f3168db6ae1bcfcfa990f669c627a15f02ea45ed5f9c63652a883db3ea"},
	{"cq2", "a8a733f1f6c334fef6f2b08e3a1d37c254ef7c897b0da0a5581a0075bdc33530a754d8210049b0cb4"
		"b6c3122a9a3c87cb8a43a4fc1b39b2c31c1d0537c3e7d428187917bd40fd41dfede28fe7345e1c0"},
	{"keymat", "4193522171ada7efedc1ddf80c8248f44e9c40dfdf9e6e0dc17705590ea8dda76ada65da"},
	{"gqm", "5238f9f956812e75918895390fa057a2063aa66d4d5eefbe6ecdcf78342d2922"},
	{"keymat_pfs", "0c3b3aac11ed45795d1e78dd89e56283240b9d2d7098a010ce2c007b2df415ec8b29d1001d"
		       "c5a1132042be3440802e41e29552ea"},
};

struct bytes {
	uint8_t b[160];
	size_t n;
};

static struct bytes v(const char *name)
{
	struct bytes r = {.n = 0};

	for (size_t i = 0; i < N(vec); i++)
		if (!strcmp(vec[i].name, name)) {
			r.n = unhex(vec[i].hex, r.b, sizeof(r.b));
			return r;
		}
	ck_abort_msg("no vector value %s", name);
	return r;
}

static struct crypto_iov io(const struct bytes *b)
{
	return (struct crypto_iov){b->b, b->n};
}

/* A generic payload header (next, 0, length) and a body into c. */
static void payload(struct cat *c, uint8_t next, const uint8_t *body, size_t len)
{
	put_u8(c, next);
	put_u8(c, 0);
	put_u8(c, (uint8_t)((len + 4) >> 8));
	put_u8(c, (uint8_t)(len + 4));
	put(c, body, len);
}

/* Encrypts c's plaintext with the chain of mid and checks it against the vector's
 * ciphertext; the chain moves on. */
static void seal_check(struct crypto_v1_cbc *cbc, struct ikev1_ivs *s, uint32_t mid,
		       const struct cat *c, const char *name)
{
	struct bytes want = v(name);
	uint8_t iv[16], ct[160];

	ck_assert_uint_eq(crypto_v1_cbc_sealed_len(cbc, c->n), want.n);
	ck_assert_int_eq(ikev1_ivs_get(s, mid, iv), 0);
	ck_assert_int_eq(crypto_v1_cbc_encrypt(cbc, iv, c->b, c->n, ct, want.n, iv), 0);
	ck_assert_mem_eq(ct, want.b, want.n);
	ikev1_ivs_set(s, mid, iv);
}

/* The receiver's side of the same message: decrypt with its own chain, check. */
static void open_check(struct crypto_v1_cbc *cbc, struct ikev1_ivs *s, uint32_t mid,
		       const struct cat *c, const char *name)
{
	struct bytes in = v(name);
	uint8_t iv[16], pt[160];

	ck_assert_int_eq(ikev1_ivs_get(s, mid, iv), 0);
	ck_assert_int_eq(crypto_v1_cbc_decrypt(cbc, iv, in.b, in.n, pt, iv), 0);
	ck_assert_mem_eq(pt, c->b, c->n);
	ikev1_ivs_set(s, mid, iv);
}

START_TEST(test_main_mode_psk_vector)
{
	struct bytes gxi = v("gxi"), gxr = v("gxr"), gxy = v("gxy"), ni = v("ni"), nr = v("nr");
	struct bytes psk = v("psk"), sai = v("sai_b"), idi = v("idii_b"), idr = v("idir_b");
	struct bytes want, rest1 = v("qm1_rest"), rest2 = v("qm2_rest"), gqm = v("gqm");
	struct ikev1_p1 p = {.hash = CRYPTO_V1_HASH_SHA1,
			     .gxi = io(&gxi),
			     .gxr = io(&gxr),
			     .ni = io(&ni),
			     .nr = io(&nr),
			     .sai_b = io(&sai)};
	struct crypto_iov vidi = io(&idi), vidr = io(&idr), vni = io(&ni), vnr = io(&nr);
	struct crypto_chunk skeyid;
	struct ikev1_keys k = {0};
	struct ikev1_ivs si, sr;
	struct crypto_v1_cbc *cbc;
	uint8_t hi[20], hr[20], h1[20], h2[20], h3[20], km[64], spi[4] = {0xc0, 0xff, 0xee, 0x01};
	const uint32_t mid = 0x1a2b3c4d;
	struct cat *m = cat_new();

	unhex("0123456789abcdef", p.cky_i, 8);
	unhex("fedcba9876543210", p.cky_r, 8);
	ck_assert_int_eq(ikev1_skeyid_psk(&p, psk.b, psk.n, &skeyid), 0);
	want = v("skeyid");
	ck_assert_mem_eq(skeyid.ptr, want.b, want.n);
	ck_assert_int_eq(ikev1_derive_keys(&p, &skeyid, gxy.b, gxy.n,
					   crypto_v1_encr_key_len(CRYPTO_V1_ENCR_AES_CBC, 256), &k),
			 0);
	crypto_chunk_clear(&skeyid);
	want = v("skeyid_d");
	ck_assert_mem_eq(k.skeyid_d.ptr, want.b, want.n);
	want = v("skeyid_a");
	ck_assert_mem_eq(k.skeyid_a.ptr, want.b, want.n);
	want = v("skeyid_e");
	ck_assert_mem_eq(k.skeyid_e.ptr, want.b, want.n);
	want = v("ka");
	ck_assert_uint_eq(k.enc_key.len, 32);
	ck_assert_mem_eq(k.enc_key.ptr, want.b, want.n);
	ck_assert_int_eq(ikev1_hash_i(&p, &k.skeyid, &vidi, hi), 0);
	want = v("hash_i");
	ck_assert_mem_eq(hi, want.b, want.n);
	ck_assert_int_eq(ikev1_hash_r(&p, &k.skeyid, &vidr, hr), 0);
	want = v("hash_r");
	ck_assert_mem_eq(hr, want.b, want.n);

	/* messages 5 and 6: ID | HASH each, both ends keeping their chains */
	cbc = crypto_v1_cbc_new(CRYPTO_V1_ENCR_AES_CBC, 256, k.enc_key.ptr, k.enc_key.len);
	ck_assert_ptr_nonnull(cbc);
	ck_assert_int_eq(ikev1_ivs_init(&si, &p, 16), 0);
	ck_assert_int_eq(ikev1_ivs_init(&sr, &p, 16), 0);
	want = v("iv1");
	ck_assert_mem_eq(si.p1, want.b, 16);
	payload(m, 8, idi.b, idi.n);
	payload(m, 0, hi, 20);
	seal_check(cbc, &si, 0, m, "c5");
	open_check(cbc, &sr, 0, m, "c5");
	m->n = 0;
	payload(m, 8, idr.b, idr.n);
	payload(m, 0, hr, 20);
	seal_check(cbc, &sr, 0, m, "c6");
	open_check(cbc, &si, 0, m, "c6");

	/* quick mode: HASH(1) | SA | Ni, then HASH(2) | SA | Nr, each chained on the M-ID */
	ck_assert_int_eq(ikev1_hash_mid(p.hash, &k.skeyid_a, mid, NULL, rest1.b, rest1.n, h1), 0);
	want = v("hash1");
	ck_assert_mem_eq(h1, want.b, want.n);
	ck_assert_int_eq(ikev1_hash_mid(p.hash, &k.skeyid_a, mid, &vni, rest2.b, rest2.n, h2), 0);
	want = v("hash2");
	ck_assert_mem_eq(h2, want.b, want.n);
	ck_assert_int_eq(ikev1_hash_qm3(p.hash, &k.skeyid_a, mid, &vni, &vnr, h3), 0);
	want = v("hash3");
	ck_assert_mem_eq(h3, want.b, want.n);
	{
		uint8_t iv[16];

		ck_assert_int_eq(ikev1_ivs_get(&si, mid, iv), 0);
		want = v("iv_qm");
		ck_assert_mem_eq(iv, want.b, 16);
	}
	m->n = 0;
	payload(m, 1, h1, 20);
	put(m, rest1.b, rest1.n);
	seal_check(cbc, &si, mid, m, "cq1");
	open_check(cbc, &sr, mid, m, "cq1");
	m->n = 0;
	payload(m, 1, h2, 20);
	put(m, rest2.b, rest2.n);
	seal_check(cbc, &sr, mid, m, "cq2");
	open_check(cbc, &si, mid, m, "cq2");

	/* ESP KEYMAT for the SPI 0xc0ffee01: AES-128 and HMAC-SHA1 keys, then with PFS
	 * AES-256 and HMAC-SHA1 */
	ck_assert_int_eq(ikev1_keymat(p.hash, &k.skeyid_d, NULL, 0, 3, spi, 4, &vni, &vnr, km, 36),
			 0);
	want = v("keymat");
	ck_assert_mem_eq(km, want.b, want.n);
	ck_assert_int_eq(
		ikev1_keymat(p.hash, &k.skeyid_d, gqm.b, gqm.n, 3, spi, 4, &vni, &vnr, km, 52), 0);
	want = v("keymat_pfs");
	ck_assert_mem_eq(km, want.b, want.n);

	crypto_v1_cbc_free(cbc);
	ikev1_keys_clear(&k);
	ikev1_ivs_clear(&si);
	ikev1_ivs_clear(&sr);
	free(m);
}
END_TEST

static Suite *ikev1_keys_suite(void)
{
	Suite *s = suite_create("ikev1_keys");
	TCase *alg = tcase_create("algorithms"), *p1 = tcase_create("phase1");
	TCase *p2 = tcase_create("phase2"), *cbc = tcase_create("cbc");
	TCase *vecs = tcase_create("vectors");

	tcase_add_loop_test(alg, test_hash_table, 0, N(hashes));
	tcase_add_test(alg, test_unknown_algorithms);
	tcase_add_test(alg, test_encr_table);
	tcase_add_test(alg, test_dh_groups);
	tcase_add_loop_test(alg, test_dh_ecp_x_only, 0, 3);
	tcase_add_loop_test(p1, test_skeyid_forms, 0, N(hashes));
	tcase_add_test(p1, test_skeyid_bad);
	tcase_add_loop_test(p1, test_derive_keys, 0, N(hashes));
	tcase_add_test(p1, test_derive_keys_bad);
	tcase_add_loop_test(p1, test_hash_ir, 0, N(hashes));
	tcase_add_loop_test(p1, test_hash_base, 0, N(hashes));
	tcase_add_loop_test(p2, test_hash_phase2, 0, N(hashes));
	tcase_add_loop_test(p2, test_keymat, 0, N(hashes));
	tcase_add_loop_test(p2, test_iv_derivation, 0, N(hashes));
	tcase_add_test(p2, test_iv_chains);
	tcase_add_loop_test(cbc, test_cbc_roundtrip, 0, N(cbcs));
	tcase_add_test(cbc, test_cbc_liberal_padding);
	tcase_add_loop_test(cbc, test_cbc_bad_lengths, 0, N(cbcs));
	tcase_add_test(cbc, test_cbc_new_bad);
	tcase_add_test(cbc, test_keys_wiped);
	tcase_add_test(vecs, test_main_mode_psk_vector);
	suite_add_tcase(s, alg);
	suite_add_tcase(s, p1);
	suite_add_tcase(s, p2);
	suite_add_tcase(s, cbc);
	suite_add_tcase(s, vecs);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	if (crypto_init() < 0)
		return 99;
	sr = srunner_create(ikev1_keys_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
