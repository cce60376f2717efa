/* dh: the IKEv2 Diffie-Hellman groups. MODP (RFC 2409, RFC 3526) with public values and
 * g^ir padded to the prime's length (RFC 7296 2.14), ECP with the RFC 5903 encoding
 * (x | y as KE data, x as the shared secret) and Curve25519 (RFC 8031). The ec2n groups
 * (3, 4) have no OpenSSL 3 support and are unknown here. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "internal.h"

#define MAX_PUB	     1024 /* modp8192 */
#define MAX_EC_COORD 66	  /* P-521 */

enum kind { MODP, ECP, X25519 };

struct group {
	uint16_t id;
	enum kind kind;
	const char *name; /* OpenSSL's group name; NULL: MODP given by .prime */
	BIGNUM *(*prime)(BIGNUM *);
	size_t len; /* KE data length */
};

static const struct group groups[] = {
	{1, MODP, NULL, BN_get_rfc2409_prime_768, 96},
	{2, MODP, NULL, BN_get_rfc2409_prime_1024, 128},
	{5, MODP, "modp_1536", NULL, 192},
	{14, MODP, "modp_2048", NULL, 256},
	{15, MODP, "modp_3072", NULL, 384},
	{16, MODP, "modp_4096", NULL, 512},
	{17, MODP, "modp_6144", NULL, 768},
	{18, MODP, "modp_8192", NULL, 1024},
	{19, ECP, "P-256", NULL, 64},
	{20, ECP, "P-384", NULL, 96},
	{21, ECP, "P-521", NULL, 132},
	{31, X25519, NULL, NULL, 32},
};

struct crypto_dh {
	const struct group *g;
	EVP_PKEY *key; /* our key pair; OpenSSL wipes the private part when freeing it */
	/* derivations with key, set up at the first one and kept while the key is: a reused
	 * key (below) derives many times, and only the peer changes */
	EVP_PKEY_CTX *derive;
	unsigned refs; /* its holders: callers, and the group's reuse slot */
	uint8_t pub[MAX_PUB];
	size_t publen;
};

/* RFC 7296 2.12: a responder may reuse its Diffie-Hellman value across IKE SAs for a short
 * time. Each group's current key is shared until it has served max_uses key exchanges or
 * is max_age seconds old; then (or when crypto_dh_reuse_expire sees it old) it is dropped,
 * and wiped once the last holder frees it. */
static struct reuse_slot {
	struct crypto_dh *dh; /* NULL: none yet */
	unsigned uses;
	double born;
} reuse_slots[N(groups)];

static struct {
	unsigned max_uses;
	double max_age;
} reuse_policy = {CRYPTO_DH_REUSE_USES, CRYPTO_DH_REUSE_AGE};

static const struct group *group_find(uint16_t id)
{
	for (size_t i = 0; i < N(groups); i++)
		if (groups[i].id == id)
			return &groups[i];
	return NULL;
}

/* The group's domain parameters, or NULL (X25519 has none: it is one fixed curve). */
static EVP_PKEY *domain(const struct group *g)
{
	const char *alg = g->kind == MODP ? "DH" : "EC";
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, alg, NULL);
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	BIGNUM *p = g->prime ? g->prime(NULL) : NULL, *two = BN_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY *pk = NULL;
	int ok = ctx && b && two && BN_set_word(two, 2);

	if (ok && g->name) /* the RFC 3526 groups and the curves OpenSSL knows by name */
		ok = OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, g->name, 0);
	else if (ok) /* RFC 2409 6.1, 6.2: the prime, generator 2 */
		ok = p && OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_FFC_P, p) &&
		     OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_FFC_G, two);
	if (ok && (params = OSSL_PARAM_BLD_to_param(b)) && EVP_PKEY_fromdata_init(ctx) > 0)
		EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_KEY_PARAMETERS, params);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	BN_free(p);
	BN_free(two);
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

/* The group's key generation, set up at first use and kept: building the domain
 * parameters (a MODP prime's BIGNUMs, a curve looked up by name) is not redone for every
 * IKE SA. NULL when OpenSSL cannot do the group. */
static EVP_PKEY_CTX *keygen_ctx(const struct group *g)
{
	static EVP_PKEY_CTX *ready[N(groups)];
	EVP_PKEY_CTX **c = &ready[g - groups];
	EVP_PKEY *params;

	if (*c)
		return *c;
	if (g->kind == X25519) {
		*c = EVP_PKEY_CTX_new_from_name(NULL, "X25519", NULL);
	} else if ((params = domain(g)) != NULL) {
		*c = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
		EVP_PKEY_free(params); /* the context holds its own reference */
	}
	if (*c && EVP_PKEY_keygen_init(*c) <= 0) {
		EVP_PKEY_CTX_free(*c);
		*c = NULL;
	}
	ERR_clear_error();
	return *c;
}

bool crypto_dh_supported(uint16_t group)
{
	const struct group *g = group_find(group);

	return g && keygen_ctx(g); /* cheap after the first call: a proposal lists many */
}

size_t crypto_dh_pub_len(uint16_t group)
{
	const struct group *g = group_find(group);

	return g ? g->len : 0;
}

uint16_t crypto_dh_group(const struct crypto_dh *dh)
{
	return dh->g->id;
}

const uint8_t *crypto_dh_public(const struct crypto_dh *dh, size_t *len)
{
	*len = dh->publen;
	return dh->pub;
}

void crypto_dh_free(struct crypto_dh *dh)
{
	if (!dh || --dh->refs > 0)
		return;
	EVP_PKEY_CTX_free(dh->derive);
	EVP_PKEY_free(dh->key);
	free(dh);
}

static EVP_PKEY *generate(const struct group *g)
{
	EVP_PKEY_CTX *ctx = keygen_ctx(g);
	EVP_PKEY *key = NULL;

	if (ctx)
		EVP_PKEY_keygen(ctx, &key);
	return key;
}

/* Our public value as KE data: MODP left-padded to the prime's length, ECP without the
 * 0x04 of the uncompressed point (RFC 5903 7), X25519 as it is (RFC 8031 2). */
static bool export_public(struct crypto_dh *dh)
{
	const struct group *g = dh->g;
	uint8_t enc[1 + MAX_PUB]; /* read straight in: get1_ asks twice and allocates */
	size_t n = 0;
	bool ok = false;

	if (!EVP_PKEY_get_octet_string_param(dh->key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, enc,
					     sizeof(enc), &n))
		n = 0;
	if (g->kind == ECP && n == g->len + 1 && enc[0] == 4) {
		memcpy(dh->pub, enc + 1, g->len);
		ok = true;
	} else if (g->kind != ECP && n > 0 && n <= g->len) {
		memset(dh->pub, 0, g->len - n);
		memcpy(dh->pub + g->len - n, enc, n);
		ok = g->kind == MODP || n == g->len;
	}
	dh->publen = g->len;
	return ok;
}

struct crypto_dh *crypto_dh_new(uint16_t group)
{
	const struct group *g = group_find(group);
	struct crypto_dh *dh = g ? calloc(1, sizeof(*dh)) : NULL;

	if (!dh)
		return NULL;
	dh->g = g;
	dh->refs = 1;
	dh->key = generate(g);
	if (!dh->key || !export_public(dh)) {
		crypto_dh_free(dh);
		dh = NULL;
	}
	ERR_clear_error();
	return dh;
}

/* A MODP or ECP peer's public key, one per group kept for the process and given each
 * peer's value in turn, with the context that checks it. Making an EVP_PKEY per handshake
 * (its parameters copied, OpenSSL 3.0 searching its whole names table for the key's type)
 * and a context to check it cost a tenth of an ECP handshake. It holds public values
 * only; a derivation is done with it before the next one is set. */
static struct peer_slot {
	EVP_PKEY *key;
	EVP_PKEY_CTX *check;
} peer_slots[N(groups)];

static struct peer_slot *peer_slot(const struct crypto_dh *dh)
{
	struct peer_slot *s = &peer_slots[dh->g - groups];

	if (s->check)
		return s;
	EVP_PKEY_free(s->key);
	if (!(s->key = EVP_PKEY_new()) || !EVP_PKEY_copy_parameters(s->key, dh->key) ||
	    !(s->check = EVP_PKEY_CTX_new_from_pkey(NULL, s->key, NULL))) {
		EVP_PKEY_free(s->key);
		s->key = NULL;
		return NULL;
	}
	return s;
}

/* The peer's public key in our group from its KE data (length already checked), if it may
 * be used (RFC 6989: all the more since a responder reuses its key, crypto_dh_reused).
 * A MODP value must lie in 2..p-2, and in the prime-order subgroup where OpenSSL knows q
 * (EVP_PKEY_public_check). An ECP point must be on the curve and not the point at infinity
 * (RFC 6989 2.3); the curves of RFC 5903 have prime order (cofactor 1), so every such
 * point is in the group. Decoding checks all of it: an uncompressed point (0x04 | x | y)
 * cannot encode infinity, and OpenSSL refuses coordinates past the field prime and points
 * off the curve as it sets them (EC_POINT_oct2point; check_ikecrypto's bad points prove
 * it). EVP_PKEY_public_check_quick would redo the curve equation after an inversion, a
 * twentieth of a handshake for nothing. X25519 takes any value (RFC 8031 2.3: the result is
 * checked instead). Borrowed for ECP and MODP (the group's slot), the caller's to free for
 * X25519: *owned says which. */
static EVP_PKEY *peer_key(const struct crypto_dh *dh, const uint8_t *data, size_t len, bool *owned)
{
	uint8_t pt[1 + 2 * MAX_EC_COORD];
	struct peer_slot *s;

	*owned = dh->g->kind == X25519;
	if (*owned)
		return EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, data, len);
	if (!(s = peer_slot(dh)))
		return NULL;
	if (dh->g->kind == ECP) { /* back to an uncompressed point */
		pt[0] = 4;
		memcpy(pt + 1, data, len);
		data = pt;
		len++;
	}
	if (!EVP_PKEY_set1_encoded_public_key(s->key, data, len))
		return NULL;
	return dh->g->kind == ECP || EVP_PKEY_public_check(s->check) == 1 ? s->key : NULL;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* The key's derivation context, made at its first derivation. NULL on error. */
static EVP_PKEY_CTX *derive_ctx(struct crypto_dh *dh)
{
	if (dh->derive)
		return dh->derive;
	dh->derive = EVP_PKEY_CTX_new_from_pkey(NULL, dh->key, NULL);
	if (dh->derive && (EVP_PKEY_derive_init(dh->derive) <= 0 ||
			   (dh->g->kind == MODP && EVP_PKEY_CTX_set_dh_pad(dh->derive, 1) <= 0))) {
		EVP_PKEY_CTX_free(dh->derive);
		dh->derive = NULL;
	}
	return dh->derive;
}

/* Derives into out (allocated here) from a peer value peer_key accepted. The context
 * keeps a reference to the peer's key until the next derivation sets another. */
static int derive(struct crypto_dh *dh, EVP_PKEY *peer, struct crypto_chunk *out)
{
	EVP_PKEY_CTX *ctx = derive_ctx(dh);
	size_t n = 0;
	int r = -EINVAL;

	if (ctx && EVP_PKEY_derive_set_peer_ex(ctx, peer, 0) > 0 &&
	    EVP_PKEY_derive(ctx, NULL, &n) > 0) {
		r = -ENOMEM;
		if ((out->ptr = malloc(n)) != NULL) {
			out->len = n;
			r = EVP_PKEY_derive(ctx, out->ptr, &out->len) > 0 ? 0 : -EINVAL;
		}
	}
	return r;
}

int crypto_dh_shared(struct crypto_dh *dh, const uint8_t *peer, size_t len,
		     struct crypto_chunk *out)
{
	bool owned = false;
	EVP_PKEY *pk = len == dh->g->len ? peer_key(dh, peer, len, &owned) : NULL;
	int r = -EINVAL;

	*out = (struct crypto_chunk){0};
	if (pk)
		r = derive(dh, pk, out);
	/* RFC 7296 2.14, RFC 5903 7: as long as the modulus, or one coordinate */
	if (r == 0 && out->len != (dh->g->kind == ECP ? len / 2 : len))
		r = -EIO;
	if (r == 0 && dh->g->kind == X25519 && all_zero(out->ptr, out->len))
		r = -EINVAL; /* RFC 8031 2.3: the peer sent a low-order point */
	if (r < 0)
		crypto_chunk_clear(out);
	if (owned)
		EVP_PKEY_free(pk);
	ERR_clear_error();
	return r;
}

/* --- reuse (RFC 7296 2.12) --- */

void crypto_dh_set_reuse(unsigned max_uses, double max_age)
{
	reuse_policy.max_uses = max_uses;
	reuse_policy.max_age = max_age;
	crypto_dh_reuse_expire(HUGE_VAL);
}

static bool spent(const struct reuse_slot *s, double now)
{
	return s->uses >= reuse_policy.max_uses || now < s->born ||
	       now - s->born >= reuse_policy.max_age;
}

static void slot_drop(struct reuse_slot *s)
{
	crypto_dh_free(s->dh); /* wiped now, or when its last holder is done */
	*s = (struct reuse_slot){0};
}

struct crypto_dh *crypto_dh_reused(uint16_t group, double now)
{
	const struct group *g = group_find(group);
	struct reuse_slot *s = g ? &reuse_slots[g - groups] : NULL;

	if (!s || reuse_policy.max_uses <= 1 || reuse_policy.max_age <= 0)
		return crypto_dh_new(group); /* reuse is off */
	if (s->dh && spent(s, now))
		slot_drop(s);
	if (!s->dh) {
		if (!(s->dh = crypto_dh_new(group)))
			return NULL;
		s->born = now;
	}
	s->uses++;
	s->dh->refs++;
	return s->dh;
}

double crypto_dh_reuse_expire(double now)
{
	double next = 0;

	for (size_t i = 0; i < N(reuse_slots); i++) {
		struct reuse_slot *s = &reuse_slots[i];
		double left;

		if (!s->dh)
			continue;
		if (now == HUGE_VAL || spent(s, now)) {
			slot_drop(s);
			continue;
		}
		left = s->born + reuse_policy.max_age - now;
		if (!next || left < next)
			next = left;
	}
	return next;
}
