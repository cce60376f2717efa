/* keymat: IKEv1 key derivation (RFC 2409 5, 5.5, appendix B), the phase 1 and phase 2
 * HASH values, and the CBC IVs with their per-exchange chains, on the crypto module's PRF
 * (HMAC of the negotiated hash) and plain hash only. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "keymat.h"

#define MAX_PRF CRYPTO_V1_MAX_HASH

void ikev1_keys_clear(struct ikev1_keys *k)
{
	if (!k)
		return;
	crypto_chunk_clear(&k->skeyid);
	crypto_chunk_clear(&k->skeyid_d);
	crypto_chunk_clear(&k->skeyid_a);
	crypto_chunk_clear(&k->skeyid_e);
	crypto_chunk_clear(&k->enc_key);
}

/* prf(key, iov...) with a one-use instance; out holds the PRF's output length. */
static int prf_once(uint16_t hash, const uint8_t *key, size_t keylen, const struct crypto_iov *iov,
		    size_t n, uint8_t *out)
{
	uint16_t id = crypto_v1_prf_id(hash);
	struct crypto_prf *p = id ? crypto_prf_new(id, key, keylen) : NULL;
	int r = !id ? -EINVAL : p ? crypto_prf_run(p, iov, n, out) : -EIO;

	crypto_prf_free(p);
	return r;
}

/* prf(key, iov...) into a new chunk. */
static int prf_chunk(uint16_t hash, const uint8_t *key, size_t keylen, const struct crypto_iov *iov,
		     size_t n, struct crypto_chunk *out)
{
	size_t len = crypto_v1_hash_len(hash);
	int r;

	*out = (struct crypto_chunk){0};
	if (!len)
		return -EINVAL;
	if (!(out->ptr = malloc(len)))
		return -ENOMEM;
	out->len = len;
	if ((r = prf_once(hash, key, keylen, iov, n, out->ptr)) < 0)
		crypto_chunk_clear(out);
	return r;
}

static bool nonces_ok(const struct ikev1_p1 *p)
{
	return p->ni.len <= IKEV1_MAX_NONCE && p->nr.len <= IKEV1_MAX_NONCE;
}

/* Ni_b | Nr_b into buf (2 * IKEV1_MAX_NONCE bytes); its length. */
static size_t nonces(const struct ikev1_p1 *p, uint8_t *buf)
{
	if (p->ni.len)
		memcpy(buf, p->ni.ptr, p->ni.len);
	if (p->nr.len)
		memcpy(buf + p->ni.len, p->nr.ptr, p->nr.len);
	return p->ni.len + p->nr.len;
}

int ikev1_skeyid_sig(const struct ikev1_p1 *p, const uint8_t *gxy, size_t gxylen,
		     struct crypto_chunk *out)
{
	uint8_t k[2 * IKEV1_MAX_NONCE];
	struct crypto_iov iov[] = {{gxy, gxylen}};
	int r;

	*out = (struct crypto_chunk){0};
	if (!nonces_ok(p))
		return -EINVAL;
	r = prf_chunk(p->hash, k, nonces(p, k), iov, 1, out); /* prf(Ni_b | Nr_b, g^xy) */
	crypto_cleanse(k, sizeof(k));
	return r;
}

int ikev1_skeyid_psk(const struct ikev1_p1 *p, const uint8_t *psk, size_t psklen,
		     struct crypto_chunk *out)
{
	struct crypto_iov iov[] = {p->ni, p->nr}; /* prf(pre-shared-key, Ni_b | Nr_b) */

	*out = (struct crypto_chunk){0};
	if (!nonces_ok(p))
		return -EINVAL;
	return prf_chunk(p->hash, psk, psklen, iov, 2, out);
}

int ikev1_skeyid_pke(const struct ikev1_p1 *p, struct crypto_chunk *out)
{
	struct crypto_iov n[] = {p->ni, p->nr}, cky[] = {{p->cky_i, 8}, {p->cky_r, 8}};
	uint8_t k[MAX_PRF];
	int r;

	*out = (struct crypto_chunk){0};
	if (!nonces_ok(p))
		return -EINVAL;
	r = crypto_v1_hash(p->hash, n, 2, k); /* prf(hash(Ni_b | Nr_b), CKY-I | CKY-R) */
	if (r == 0)
		r = prf_chunk(p->hash, k, crypto_v1_hash_len(p->hash), cky, 2, out);
	crypto_cleanse(k, sizeof(k));
	return r;
}

int ikev1_expand_enc_key(uint16_t hash, const uint8_t *skeyid_e, size_t len, uint8_t *out,
			 size_t outlen)
{
	static const uint8_t zero;
	size_t hl = crypto_v1_hash_len(hash), done = 0;
	uint8_t k[MAX_PRF];
	int r = 0;

	if (!hl)
		return -EINVAL;
	if (len >= outlen) { /* long enough: its first outlen bytes */
		if (outlen)
			memcpy(out, skeyid_e, outlen);
		return 0;
	}
	while (done < outlen && r == 0) { /* K1 = prf(SKEYID_e, 0), Kn = prf(SKEYID_e, Kn-1) */
		struct crypto_iov in =
			done ? (struct crypto_iov){k, hl} : (struct crypto_iov){&zero, 1};
		size_t take = outlen - done < hl ? outlen - done : hl;

		r = prf_once(hash, skeyid_e, len, &in, 1, k);
		if (r == 0)
			memcpy(out + done, k, take);
		done += take;
	}
	crypto_cleanse(k, sizeof(k));
	if (r)
		crypto_cleanse(out, outlen);
	return r;
}

/* SKEYID_x = prf(SKEYID, [prev |] g^xy | CKY-I | CKY-R | digit). */
static int child(const struct ikev1_p1 *p, const struct crypto_chunk *skeyid,
		 const struct crypto_chunk *prev, const uint8_t *gxy, size_t gxylen, uint8_t digit,
		 struct crypto_chunk *out)
{
	struct crypto_iov iov[] = {{prev ? prev->ptr : NULL, prev ? prev->len : 0},
				   {gxy, gxylen},
				   {p->cky_i, 8},
				   {p->cky_r, 8},
				   {&digit, 1}};

	return prf_chunk(p->hash, skeyid->ptr, skeyid->len, iov, 5, out);
}

static int copy_chunk(struct crypto_chunk *dst, const uint8_t *src, size_t len)
{
	if (!(dst->ptr = malloc(len ? len : 1)))
		return -ENOMEM;
	if (len)
		memcpy(dst->ptr, src, len);
	dst->len = len;
	return 0;
}

int ikev1_derive_keys(const struct ikev1_p1 *p, const struct crypto_chunk *skeyid,
		      const uint8_t *gxy, size_t gxylen, size_t enc_key_len, struct ikev1_keys *out)
{
	struct ikev1_keys k = {.hash = p->hash};
	int r = crypto_v1_hash_len(p->hash) && enc_key_len <= 1024 ? 0 : -EINVAL;

	if (r == 0)
		r = copy_chunk(&k.skeyid, skeyid->ptr, skeyid->len);
	if (r == 0)
		r = child(p, skeyid, NULL, gxy, gxylen, 0, &k.skeyid_d);
	if (r == 0)
		r = child(p, skeyid, &k.skeyid_d, gxy, gxylen, 1, &k.skeyid_a);
	if (r == 0)
		r = child(p, skeyid, &k.skeyid_a, gxy, gxylen, 2, &k.skeyid_e);
	if (r == 0 && !(k.enc_key.ptr = malloc(enc_key_len ? enc_key_len : 1)))
		r = -ENOMEM;
	if (r == 0) {
		k.enc_key.len = enc_key_len;
		r = ikev1_expand_enc_key(p->hash, k.skeyid_e.ptr, k.skeyid_e.len, k.enc_key.ptr,
					 enc_key_len);
	}
	if (r < 0) {
		ikev1_keys_clear(&k);
		return r;
	}
	ikev1_keys_clear(out);
	*out = k;
	return 0;
}

/* The two main and aggressive mode hashes, in the order of the side whose hash it is. */
static int hash_p1(const struct ikev1_p1 *p, const struct crypto_chunk *skeyid, bool resp,
		   const struct crypto_iov *id_b, uint8_t *out)
{
	struct crypto_iov gi = p->gxi, gr = p->gxr, ci = {p->cky_i, 8}, cr = {p->cky_r, 8};
	struct crypto_iov iov[] = {resp ? gr : gi, resp ? gi : gr, resp ? cr : ci,
				   resp ? ci : cr, p->sai_b,	   *id_b};

	return prf_once(p->hash, skeyid->ptr, skeyid->len, iov, 6, out);
}

int ikev1_hash_i(const struct ikev1_p1 *p, const struct crypto_chunk *skeyid,
		 const struct crypto_iov *idii_b, uint8_t *out)
{
	return hash_p1(p, skeyid, false, idii_b, out);
}

int ikev1_hash_r(const struct ikev1_p1 *p, const struct crypto_chunk *skeyid,
		 const struct crypto_iov *idir_b, uint8_t *out)
{
	return hash_p1(p, skeyid, true, idir_b, out);
}

/* hash(a | b) into k: base mode's key with signatures. */
static int nonce_key(uint16_t hash, struct crypto_iov a, struct crypto_iov b, uint8_t *k)
{
	struct crypto_iov n[] = {a, b};

	return crypto_v1_hash(hash, n, 2, k);
}

int ikev1_hash_base_i(const struct ikev1_p1 *p, const struct crypto_chunk *skeyid,
		      const struct crypto_iov *idii_b, uint8_t *out)
{
	struct crypto_iov iov[] = {p->gxi, {p->cky_i, 8}, {p->cky_r, 8}, p->sai_b, *idii_b};
	uint8_t k[MAX_PRF];
	int r;

	if (skeyid)
		return prf_once(p->hash, skeyid->ptr, skeyid->len, iov, 5, out);
	r = nonce_key(p->hash, p->nr, p->ni, k); /* racoon's order: Nr_b | Ni_b */
	if (r == 0)
		r = prf_once(p->hash, k, crypto_v1_hash_len(p->hash), iov, 5, out);
	crypto_cleanse(k, sizeof(k));
	return r;
}

int ikev1_hash_base_r_sig(const struct ikev1_p1 *p, const struct crypto_iov *idii_b, uint8_t *out)
{
	struct crypto_iov iov[] = {p->gxi, p->gxr, {p->cky_i, 8}, {p->cky_r, 8}, p->sai_b, *idii_b};
	uint8_t k[MAX_PRF];
	int r = nonce_key(p->hash, p->ni, p->nr, k);

	if (r == 0)
		r = prf_once(p->hash, k, crypto_v1_hash_len(p->hash), iov, 6, out);
	crypto_cleanse(k, sizeof(k));
	return r;
}

static void put32(uint8_t b[4], uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

int ikev1_hash_mid(uint16_t hash, const struct crypto_chunk *skeyid_a, uint32_t mid,
		   const struct crypto_iov *ni, const uint8_t *rest, size_t restlen, uint8_t *out)
{
	uint8_t m[4];
	struct crypto_iov none = {NULL, 0};
	struct crypto_iov iov[] = {{m, 4}, ni ? *ni : none, {rest, restlen}};

	put32(m, mid);
	return prf_once(hash, skeyid_a->ptr, skeyid_a->len, iov, 3, out);
}

int ikev1_hash_qm3(uint16_t hash, const struct crypto_chunk *skeyid_a, uint32_t mid,
		   const struct crypto_iov *ni, const struct crypto_iov *nr, uint8_t *out)
{
	uint8_t z[5] = {0}; /* 0 | M-ID */
	struct crypto_iov iov[] = {{z, 5}, *ni, *nr};

	put32(z + 1, mid);
	return prf_once(hash, skeyid_a->ptr, skeyid_a->len, iov, 3, out);
}

int ikev1_keymat(uint16_t hash, const struct crypto_chunk *skeyid_d, const uint8_t *gqm,
		 size_t gqmlen, uint8_t protocol, const uint8_t *spi, size_t spilen,
		 const struct crypto_iov *ni, const struct crypto_iov *nr, uint8_t *out, size_t len)
{
	size_t hl = crypto_v1_hash_len(hash), done = 0;
	uint8_t k[MAX_PRF];
	int r = hl ? 0 : -EINVAL;

	while (done < len && r == 0) {
		struct crypto_iov iov[] = {{k, done ? hl : 0},
					   {gqm, gqm ? gqmlen : 0},
					   {&protocol, 1},
					   {spi, spilen},
					   *ni,
					   *nr};
		size_t take = len - done < hl ? len - done : hl;

		r = prf_once(hash, skeyid_d->ptr, skeyid_d->len, iov, 6, k);
		if (r == 0)
			memcpy(out + done, k, take);
		done += take;
	}
	crypto_cleanse(k, sizeof(k));
	if (r)
		crypto_cleanse(out, len);
	return r;
}

/* hash(a | b) truncated to block bytes into iv. */
static int iv_hash(uint16_t hash, struct crypto_iov a, struct crypto_iov b, size_t block,
		   uint8_t *iv)
{
	struct crypto_iov iov[] = {a, b};
	uint8_t h[MAX_PRF];
	size_t hl = crypto_v1_hash_len(hash);
	int r = hl && block && block <= hl ? crypto_v1_hash(hash, iov, 2, h) : -EINVAL;

	if (r == 0)
		memcpy(iv, h, block);
	crypto_cleanse(h, sizeof(h));
	return r;
}

int ikev1_iv_phase1(const struct ikev1_p1 *p, size_t block, uint8_t *iv)
{
	return iv_hash(p->hash, p->gxi, p->gxr, block, iv);
}

int ikev1_iv_mid(uint16_t hash, const uint8_t *p1_last, size_t block, uint32_t mid, uint8_t *iv)
{
	uint8_t m[4], last[CRYPTO_V1_MAX_BLOCK];

	if (block > sizeof(last))
		return -EINVAL;
	memcpy(last, p1_last, block); /* iv may be p1_last */
	put32(m, mid);
	return iv_hash(hash, (struct crypto_iov){last, block}, (struct crypto_iov){m, 4}, block,
		       iv);
}

int ikev1_ivs_init(struct ikev1_ivs *s, const struct ikev1_p1 *p, size_t block)
{
	*s = (struct ikev1_ivs){.hash = p->hash, .block = (uint8_t)block};
	if (block > CRYPTO_V1_MAX_BLOCK)
		return -EINVAL;
	return ikev1_iv_phase1(p, block, s->p1);
}

static int slot_find(const struct ikev1_ivs *s, uint32_t mid)
{
	for (int i = 0; i < IKEV1_IV_SLOTS; i++)
		if (s->slot[i].mid == mid)
			return i;
	return -1;
}

int ikev1_ivs_get(struct ikev1_ivs *s, uint32_t mid, uint8_t *iv)
{
	int i = mid ? slot_find(s, mid) : -1;

	if (mid == 0)
		memcpy(iv, s->p1, s->block);
	else if (i >= 0)
		memcpy(iv, s->slot[i].iv, s->block);
	else
		return ikev1_iv_mid(s->hash, s->p1, s->block, mid, iv);
	return 0;
}

void ikev1_ivs_set(struct ikev1_ivs *s, uint32_t mid, const uint8_t *next_iv)
{
	int i = mid ? slot_find(s, mid) : -1;

	if (mid == 0) {
		memcpy(s->p1, next_iv, s->block);
		return;
	}
	if (i < 0) { /* a free slot (used 0), else the one updated longest ago */
		i = 0;
		for (int j = 1; j < IKEV1_IV_SLOTS; j++)
			if (s->slot[j].used < s->slot[i].used)
				i = j;
	}
	s->slot[i].mid = mid;
	s->slot[i].used = ++s->tick;
	memcpy(s->slot[i].iv, next_iv, s->block);
}

void ikev1_ivs_forget(struct ikev1_ivs *s, uint32_t mid)
{
	int i = mid ? slot_find(s, mid) : -1;

	if (i >= 0) {
		crypto_cleanse(&s->slot[i], sizeof(s->slot[i]));
		s->slot[i].mid = 0;
	}
}

void ikev1_ivs_clear(struct ikev1_ivs *s)
{
	crypto_cleanse(s, s ? sizeof(*s) : 0);
}
