/* keymat: IKEv2 key derivation (RFC 7296 2.14 IKE SA keys, 2.17 CHILD SA keying material,
 * 2.18 IKE SA rekey) and the shared-key AUTH value (2.15), built on the crypto module's PRF
 * and prf+ only. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "keymat.h"

#define MAX_PRF	  64  /* bytes: PRF_HMAC_SHA2_512 */
#define MAX_NONCE 256 /* RFC 7296 3.9: a nonce is 16 to 256 octets */

void ikev2_keys_clear(struct ikev2_keys *k)
{
	if (!k)
		return;
	crypto_chunk_clear(&k->sk_d);
	crypto_chunk_clear(&k->sk_ai);
	crypto_chunk_clear(&k->sk_ar);
	crypto_chunk_clear(&k->sk_ei);
	crypto_chunk_clear(&k->sk_er);
	crypto_chunk_clear(&k->sk_pi);
	crypto_chunk_clear(&k->sk_pr);
}

/* prf(key, iov...) with a one-use PRF instance; out holds its output length. */
static int prf_once(uint16_t id, const uint8_t *key, size_t keylen, const struct crypto_iov *iov,
		    size_t n, uint8_t *out)
{
	struct crypto_prf *p = crypto_prf_new(id, key, keylen);
	int r = p ? crypto_prf_run(p, iov, n, out) : -EINVAL;

	crypto_prf_free(p);
	return r;
}

/* SKEYSEED into seed (the deriving PRF's output length into *seedlen). */
static int skeyseed(uint16_t prf, const struct crypto_chunk *old_sk_d, uint16_t old_prf,
		    const uint8_t *gir, size_t girlen, const uint8_t *ni, size_t nilen,
		    const uint8_t *nr, size_t nrlen, uint8_t seed[MAX_PRF], size_t *seedlen)
{
	uint8_t k[2 * MAX_NONCE];
	int r;

	if (old_sk_d) {
		/* 2.18: prf(SK_d (old), g^ir (new) | Ni | Nr), with the old IKE SA's PRF since
		 * the rekeying exchange belongs to it */
		struct crypto_iov iov[] = {{gir, girlen}, {ni, nilen}, {nr, nrlen}};

		*seedlen = crypto_prf_out_len(old_prf);
		return prf_once(old_prf, old_sk_d->ptr, old_sk_d->len, iov, 3, seed);
	}
	/* 2.14: prf(Ni | Nr, g^ir); HMAC takes any key length, so the nonces are used whole */
	struct crypto_iov iov[] = {{gir, girlen}};

	if (nilen > MAX_NONCE || nrlen > MAX_NONCE)
		return -EINVAL;
	memcpy(k, ni, nilen);
	memcpy(k + nilen, nr, nrlen);
	*seedlen = crypto_prf_out_len(prf);
	r = prf_once(prf, k, nilen + nrlen, iov, 1, seed);
	crypto_cleanse(k, sizeof(k));
	return r;
}

/* Moves the next len bytes of keying material at *p into a new chunk. */
static int take(struct crypto_chunk *c, const uint8_t **p, size_t len)
{
	if (!(c->ptr = malloc(len ? len : 1)))
		return -ENOMEM;
	memcpy(c->ptr, *p, len);
	c->len = len;
	*p += len;
	return 0;
}

/* 2.14: {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} in that order. */
static int split(const uint8_t *km, size_t pl, size_t ekl, size_t akl, struct ikev2_keys *k)
{
	struct crypto_chunk *dst[] = {&k->sk_d,	 &k->sk_ai, &k->sk_ar, &k->sk_ei,
				      &k->sk_er, &k->sk_pi, &k->sk_pr};
	const size_t len[] = {pl, akl, akl, ekl, ekl, pl, pl};

	for (size_t i = 0; i < sizeof(dst) / sizeof(dst[0]); i++)
		if (take(dst[i], &km, len[i]) < 0)
			return -ENOMEM;
	return 0;
}

int ikev2_derive_ike_keys(uint16_t prf, const struct crypto_chunk *old_sk_d, uint16_t old_prf,
			  const uint8_t *gir, size_t girlen, const uint8_t *ni, size_t nilen,
			  const uint8_t *nr, size_t nrlen, uint64_t spi_i, uint64_t spi_r,
			  size_t encr_key_len, size_t integ_key_len, struct ikev2_keys *out)
{
	size_t pl = crypto_prf_out_len(prf), seedlen = 0, total;
	struct ikev2_keys k = {.prf = prf};
	uint8_t seed[MAX_PRF], spis[16], *km;
	int r;

	if (!pl || encr_key_len > 1024 || integ_key_len > 1024)
		return -EINVAL;
	total = 3 * pl + 2 * (encr_key_len + integ_key_len);
	if (!(km = malloc(total)))
		return -ENOMEM;
	for (int i = 0; i < 8; i++) { /* network byte order */
		spis[i] = (uint8_t)(spi_i >> (56 - 8 * i));
		spis[8 + i] = (uint8_t)(spi_r >> (56 - 8 * i));
	}
	struct crypto_iov s[] = {{ni, nilen}, {nr, nrlen}, {spis, 16}};

	r = skeyseed(prf, old_sk_d, old_prf, gir, girlen, ni, nilen, nr, nrlen, seed, &seedlen);
	if (r == 0) /* prf+ (SKEYSEED, Ni | Nr | SPIi | SPIr) with the new SA's PRF */
		r = crypto_prf_plus(prf, seed, seedlen, s, 3, km, total);
	if (r == 0)
		r = split(km, pl, encr_key_len, integ_key_len, &k);
	crypto_cleanse(seed, sizeof(seed));
	crypto_cleanse(km, total);
	free(km);
	if (r < 0) {
		ikev2_keys_clear(&k);
		return r;
	}
	ikev2_keys_clear(out); /* after the derivation: out may hold old_sk_d */
	*out = k;
	return 0;
}

int ikev2_derive_child_keys(uint16_t prf, const struct crypto_chunk *sk_d, const uint8_t *gir,
			    size_t girlen, const uint8_t *ni, size_t nilen, const uint8_t *nr,
			    size_t nrlen, uint8_t *out, size_t len)
{
	struct crypto_iov s[] = {{gir, gir ? girlen : 0}, {ni, nilen}, {nr, nrlen}};

	return crypto_prf_plus(prf, sk_d->ptr, sk_d->len, s, 3, out, len);
}

struct crypto_prf *ikev2_psk_prf(uint16_t prf, const uint8_t *secret, size_t secretlen)
{
	static const char pad[] = "Key Pad for IKEv2"; /* 17 octets, no NUL (2.15) */
	struct crypto_iov kp[] = {{pad, sizeof(pad) - 1}};
	size_t pl = crypto_prf_out_len(prf);
	uint8_t key[MAX_PRF];
	struct crypto_prf *k = NULL;

	if (pl && prf_once(prf, secret, secretlen, kp, 1, key) == 0)
		k = crypto_prf_new(prf, key, pl);
	crypto_cleanse(key, sizeof(key));
	return k;
}

int ikev2_psk_auth_with(struct crypto_prf *k, uint16_t prf, const uint8_t *msg, size_t msglen,
			const uint8_t *nonce, size_t noncelen, const struct crypto_chunk *sk_p,
			const uint8_t *id_body, size_t idlen, uint8_t *out, size_t *outlen)
{
	size_t pl = crypto_prf_out_len(prf);
	uint8_t macid[MAX_PRF];
	struct crypto_iov id[] = {{id_body, idlen}};
	struct crypto_iov signed_octets[] = {{msg, msglen}, {nonce, noncelen}, {macid, pl}};
	int r = pl && k && crypto_prf_len(k) == pl ? 0 : -EINVAL;

	*outlen = 0;
	if (r == 0) /* MACedIDForR/I = prf(SK_px, IDx') */
		r = prf_once(prf, sk_p->ptr, sk_p->len, id, 1, macid);
	if (r == 0) /* AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>) */
		r = crypto_prf_run(k, signed_octets, 3, out);
	if (r == 0)
		*outlen = pl;
	crypto_cleanse(macid, sizeof(macid));
	return r;
}

int ikev2_psk_auth(uint16_t prf, const uint8_t *secret, size_t secretlen, const uint8_t *msg,
		   size_t msglen, const uint8_t *nonce, size_t noncelen,
		   const struct crypto_chunk *sk_p, const uint8_t *id_body, size_t idlen,
		   uint8_t *out, size_t *outlen)
{
	struct crypto_prf *k = ikev2_psk_prf(prf, secret, secretlen);
	int r = ikev2_psk_auth_with(k, prf, msg, msglen, nonce, noncelen, sk_p, id_body, idlen, out,
				    outlen);

	crypto_prf_free(k);
	return r;
}
