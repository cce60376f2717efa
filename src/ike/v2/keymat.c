/* keymat: IKEv2 key derivation and the shared-key AUTH value. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "keymat.h"

void ikev2_keys_clear(struct ikev2_keys *k)
{
	crypto_chunk_clear(&k->sk_d);
	crypto_chunk_clear(&k->sk_ai);
	crypto_chunk_clear(&k->sk_ar);
	crypto_chunk_clear(&k->sk_ei);
	crypto_chunk_clear(&k->sk_er);
	crypto_chunk_clear(&k->sk_pi);
	crypto_chunk_clear(&k->sk_pr);
}

static int prf_once(uint16_t id, const uint8_t *key, size_t keylen, const struct crypto_iov *iov,
		    size_t n, uint8_t *out)
{
	struct crypto_prf *p = crypto_prf_new(id, key, keylen);
	int r = p ? crypto_prf_run(p, iov, n, out) : -EIO;

	crypto_prf_free(p);
	return r;
}

static int take(struct crypto_chunk *c, const uint8_t **p, size_t len)
{
	c->ptr = malloc(len ? len : 1);
	if (!c->ptr)
		return -ENOMEM;
	memcpy(c->ptr, *p, len);
	c->len = len;
	*p += len;
	return 0;
}

int ikev2_derive_ike_keys(uint16_t prf, const struct crypto_chunk *old_sk_d, uint16_t old_prf,
			  const uint8_t *gir, size_t girlen, const uint8_t *ni, size_t nilen,
			  const uint8_t *nr, size_t nrlen, uint64_t spi_i, uint64_t spi_r,
			  size_t encr_key_len, size_t integ_key_len, struct ikev2_keys *out)
{
	size_t plen = crypto_prf_out_len(prf),
	       total = 3 * plen + 2 * (encr_key_len + integ_key_len);
	uint8_t seed[64], spis[16], *km;
	int r;

	if (!plen || nilen + nrlen > 512 || !(km = malloc(total)))
		return -EINVAL;
	for (int i = 0; i < 8; i++) {
		spis[i] = (uint8_t)(spi_i >> (56 - 8 * i));
		spis[8 + i] = (uint8_t)(spi_r >> (56 - 8 * i));
	}
	if (old_sk_d) { /* 2.18 */
		struct crypto_iov iov[] = {{gir, girlen}, {ni, nilen}, {nr, nrlen}};

		r = prf_once(old_prf, old_sk_d->ptr, old_sk_d->len, iov, 3, seed);
		plen = crypto_prf_out_len(old_prf);
	} else { /* 2.14: the nonces are the key */
		uint8_t k[512];
		struct crypto_iov iov[] = {{gir, girlen}};

		memcpy(k, ni, nilen);
		memcpy(k + nilen, nr, nrlen);
		r = prf_once(prf, k, nilen + nrlen, iov, 1, seed);
		crypto_cleanse(k, nilen + nrlen);
	}
	struct crypto_iov s[] = {{ni, nilen}, {nr, nrlen}, {spis, 16}};

	if (r == 0)
		r = crypto_prf_plus(prf, seed, plen, s, 3, km, total);
	const uint8_t *p = km;
	size_t pl = crypto_prf_out_len(prf);

	out->prf = prf;
	if (r == 0)
		r = take(&out->sk_d, &p, pl) | take(&out->sk_ai, &p, integ_key_len) |
		    take(&out->sk_ar, &p, integ_key_len) | take(&out->sk_ei, &p, encr_key_len) |
		    take(&out->sk_er, &p, encr_key_len) | take(&out->sk_pi, &p, pl) |
		    take(&out->sk_pr, &p, pl);
	crypto_cleanse(seed, sizeof(seed));
	crypto_cleanse(km, total);
	free(km);
	if (r)
		ikev2_keys_clear(out);
	return r ? -ENOMEM : 0;
}

int ikev2_derive_child_keys(uint16_t prf, const struct crypto_chunk *sk_d, const uint8_t *gir,
			    size_t girlen, const uint8_t *ni, size_t nilen, const uint8_t *nr,
			    size_t nrlen, uint8_t *out, size_t len)
{
	struct crypto_iov s[] = {{gir, gir ? girlen : 0}, {ni, nilen}, {nr, nrlen}};

	return crypto_prf_plus(prf, sk_d->ptr, sk_d->len, s, 3, out, len);
}

int ikev2_psk_auth(uint16_t prf, const uint8_t *secret, size_t secretlen, const uint8_t *msg,
		   size_t msglen, const uint8_t *nonce, size_t noncelen,
		   const struct crypto_chunk *sk_p, const uint8_t *id_body, size_t idlen,
		   uint8_t *out, size_t *outlen)
{
	static const char pad[] = "Key Pad for IKEv2"; /* 17 octets, no NUL (2.15) */
	size_t plen = crypto_prf_out_len(prf);
	uint8_t macid[64], key[64];
	struct crypto_iov id[] = {{id_body, idlen}}, kp[] = {{pad, sizeof(pad) - 1}};
	int r = plen ? prf_once(prf, sk_p->ptr, sk_p->len, id, 1, macid) : -EINVAL;

	if (r == 0)
		r = prf_once(prf, secret, secretlen, kp, 1, key);
	struct crypto_iov so[] = {{msg, msglen}, {nonce, noncelen}, {macid, plen}};

	if (r == 0)
		r = prf_once(prf, key, plen, so, 3, out);
	*outlen = r == 0 ? plen : 0;
	crypto_cleanse(key, sizeof(key));
	crypto_cleanse(macid, sizeof(macid));
	return r;
}
