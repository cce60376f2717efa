/* dh: the IKEv2 Diffie-Hellman groups. MODP groups (RFC 2409, 3526) with public values
 * padded to the prime's length, ECP groups with the RFC 5903 encoding (x | y, and x as
 * the shared secret), Curve25519 (RFC 8031). ec2n155/185 have no OpenSSL 3 support. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "internal.h"

enum kind { MODP, ECP, X25519 };

struct group {
	uint16_t id;
	enum kind kind;
	const char *name; /* OpenSSL's group name, or NULL for an explicit prime */
	size_t len;	  /* KE data length */
};

static const struct group groups[] = {
	{1, MODP, NULL, 96},	      {2, MODP, NULL, 128},	     {5, MODP, "modp_1536", 192},
	{14, MODP, "modp_2048", 256}, {15, MODP, "modp_3072", 384},  {16, MODP, "modp_4096", 512},
	{17, MODP, "modp_6144", 768}, {18, MODP, "modp_8192", 1024}, {19, ECP, "P-256", 64},
	{20, ECP, "P-384", 96},	      {21, ECP, "P-521", 132},	     {31, X25519, NULL, 32},
};

/* RFC 2409 6.2: the 1024-bit Oakley group 2 prime; group 1 (768 bits) is its prefix
 * construction with different tail words. */
static const char modp1024_hex[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A0879"
	"8E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B"
	"0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF";
static const char modp768_hex[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A0879"
	"8E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A63A3620"
	"FFFFFFFFFFFFFFFF";

struct crypto_dh {
	const struct group *g;
	EVP_PKEY *key;
	uint8_t pub[1024];
	size_t publen;
};

static const struct group *group_find(uint16_t id)
{
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (groups[i].id == id)
			return &groups[i];
	return NULL;
}

bool crypto_dh_supported(uint16_t group)
{
	struct crypto_dh *dh = group_find(group) ? crypto_dh_new(group) : NULL;

	crypto_dh_free(dh);
	return dh != NULL;
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
	if (!dh)
		return;
	EVP_PKEY_free(dh->key);
	free(dh);
}

/* Domain parameters of an RFC 2409 group given by its prime (generator 2). */
static EVP_PKEY *explicit_params(const char *hex)
{
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	BIGNUM *p = NULL, *g = BN_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	EVP_PKEY *pk = NULL;

	if (b && g && ctx && BN_hex2bn(&p, hex) && BN_set_word(g, 2) &&
	    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_FFC_P, p) &&
	    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_FFC_G, g) &&
	    (params = OSSL_PARAM_BLD_to_param(b)) && EVP_PKEY_fromdata_init(ctx) > 0)
		EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_KEY_PARAMETERS, params);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	BN_free(p);
	BN_free(g);
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

static EVP_PKEY *generate(const struct group *g)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *params = NULL, *key = NULL;

	if (g->kind == MODP && !g->name) {
		params = explicit_params(g->id == 1 ? modp768_hex : modp1024_hex);
		ctx = params ? EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL) : NULL;
		if (ctx && EVP_PKEY_keygen_init(ctx) > 0)
			EVP_PKEY_keygen(ctx, &key);
	} else {
		const char *alg = g->kind == MODP ? "DH" : g->kind == ECP ? "EC" : "X25519";
		OSSL_PARAM p[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
								   (char *)g->name, 0),
				  OSSL_PARAM_construct_end()};

		ctx = EVP_PKEY_CTX_new_from_name(NULL, alg, NULL);
		if (ctx && EVP_PKEY_keygen_init(ctx) > 0 &&
		    (!g->name || EVP_PKEY_CTX_set_params(ctx, p) > 0))
			EVP_PKEY_keygen(ctx, &key);
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(params);
	return key;
}

struct crypto_dh *crypto_dh_new(uint16_t group)
{
	const struct group *g = group_find(group);
	struct crypto_dh *dh = g ? calloc(1, sizeof(*dh)) : NULL;
	unsigned char *enc = NULL;
	size_t n;

	if (!dh)
		return NULL;
	dh->g = g;
	dh->key = generate(g);
	n = dh->key ? EVP_PKEY_get1_encoded_public_key(dh->key, &enc) : 0;
	/* ECP: drop the 0x04 of the uncompressed point (RFC 5903 7) */
	size_t skip = g->kind == ECP ? 1 : 0;

	if (n != g->len + skip || (skip && enc[0] != 4)) {
		OPENSSL_free(enc);
		crypto_dh_free(dh);
		ERR_clear_error();
		return NULL;
	}
	memcpy(dh->pub, enc + skip, g->len);
	dh->publen = g->len;
	OPENSSL_free(enc);
	return dh;
}

static EVP_PKEY *peer_key(const struct crypto_dh *dh, const uint8_t *data, size_t len)
{
	EVP_PKEY *peer;
	uint8_t pt[1 + 132];

	if (dh->g->kind == X25519)
		return EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, data, len);
	if (!(peer = EVP_PKEY_new()) || !EVP_PKEY_copy_parameters(peer, dh->key)) {
		EVP_PKEY_free(peer);
		return NULL;
	}
	if (dh->g->kind == ECP) {
		pt[0] = 4;
		memcpy(pt + 1, data, len);
		data = pt;
		len++;
	}
	if (!EVP_PKEY_set1_encoded_public_key(peer, data, len)) {
		EVP_PKEY_free(peer);
		return NULL;
	}
	return peer;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

int crypto_dh_shared(struct crypto_dh *dh, const uint8_t *peer, size_t len,
		     struct crypto_chunk *out)
{
	EVP_PKEY *pk = len == dh->g->len ? peer_key(dh, peer, len) : NULL;
	EVP_PKEY_CTX *ctx = pk ? EVP_PKEY_CTX_new_from_pkey(NULL, dh->key, NULL) : NULL;
	size_t n = 0;
	int r = -EINVAL;

	out->ptr = NULL;
	out->len = 0;
	/* validate=1: MODP values must be in 2..p-2, points on the curve */
	if (ctx && EVP_PKEY_derive_init(ctx) > 0 &&
	    (dh->g->kind != MODP || EVP_PKEY_CTX_set_dh_pad(ctx, 1) > 0) &&
	    EVP_PKEY_derive_set_peer_ex(ctx, pk, 1) > 0 && EVP_PKEY_derive(ctx, NULL, &n) > 0 &&
	    (out->ptr = malloc(n)) && EVP_PKEY_derive(ctx, out->ptr, &n) > 0) {
		out->len = n;
		r = 0;
		if (dh->g->kind == X25519 && all_zero(out->ptr, n)) /* RFC 8031 2.3 */
			r = -EINVAL;
	}
	if (r < 0)
		crypto_chunk_clear(out);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	ERR_clear_error();
	return r;
}
