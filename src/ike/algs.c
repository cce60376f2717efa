/* algs: the names of the configuration (profile enc-algorithm, hash-algorithm, dh-group;
 * proposal enc-algorithms, auth-algorithms, pfs-group) as IKEv2 transform ids (RFC 7296
 * 3.3.2 and the IANA IKEv2 registry), the names of transforms for logs, and the kernel
 * algorithm (kern_alg.h) of a negotiated ESP/AH transform. Tables only, so a name added
 * to the configuration is one row here. */
#include <stdio.h>
#include <string.h>

#include "proposal.h"

struct alg {
	const char *name;
	uint8_t type;	 /* enum ikev2_trans_type */
	uint16_t id;	 /* the IKEv2 transform id */
	uint16_t keylen; /* Key Length attribute (RFC 7296 3.3.5); 0 when none is sent */
};

#define ENCR(n, i, k)                                                                              \
	{                                                                                          \
		n, IKEV2_TRANS_ENCR, i, k                                                          \
	}
#define PRF(n, i)                                                                                  \
	{                                                                                          \
		n, IKEV2_TRANS_PRF, i, 0                                                           \
	}
#define INTEG(n, i)                                                                                \
	{                                                                                          \
		n, IKEV2_TRANS_INTEG, i, 0                                                         \
	}
#define DH(n, i)                                                                                   \
	{                                                                                          \
		n, IKEV2_TRANS_DH, i, 0                                                            \
	}

/* The first row of a (type, id, keylen) is its name in logs and in kern_alg.h; later rows
 * are the other spellings the configuration uses (profile "aes-128" is AES-CBC). */
static const struct alg algs[] = {
	ENCR("des", IKE_ENCR_DES, 0),
	ENCR("3des", IKE_ENCR_3DES, 0),
	ENCR("blowfish", IKE_ENCR_BLOWFISH, 128), /* the kernel's and strongSwan's size */
	ENCR("null", IKE_ENCR_NULL, 0),
	ENCR("aes-128-cbc", IKE_ENCR_AES_CBC, 128),
	ENCR("aes-192-cbc", IKE_ENCR_AES_CBC, 192),
	ENCR("aes-256-cbc", IKE_ENCR_AES_CBC, 256),
	ENCR("aes-128", IKE_ENCR_AES_CBC, 128),
	ENCR("aes-192", IKE_ENCR_AES_CBC, 192),
	ENCR("aes-256", IKE_ENCR_AES_CBC, 256),
	ENCR("aes-128-ctr", IKE_ENCR_AES_CTR, 128),
	ENCR("aes-192-ctr", IKE_ENCR_AES_CTR, 192),
	ENCR("aes-256-ctr", IKE_ENCR_AES_CTR, 256),
	/* RFC 4106 8 / RFC 5282 7: the 16-byte ICV is the only one we offer */
	ENCR("aes-128-gcm", IKE_ENCR_AES_GCM_16, 128),
	ENCR("aes-192-gcm", IKE_ENCR_AES_GCM_16, 192),
	ENCR("aes-256-gcm", IKE_ENCR_AES_GCM_16, 256),
	/* peers' shorter ICVs: named for logs, never offered, no kernel row (its ICV is 16) */
	ENCR("aes-128-gcm-8", IKE_ENCR_AES_GCM_8, 128),
	ENCR("aes-192-gcm-8", IKE_ENCR_AES_GCM_8, 192),
	ENCR("aes-256-gcm-8", IKE_ENCR_AES_GCM_8, 256),
	ENCR("aes-128-gcm-12", IKE_ENCR_AES_GCM_12, 128),
	ENCR("aes-192-gcm-12", IKE_ENCR_AES_GCM_12, 192),
	ENCR("aes-256-gcm-12", IKE_ENCR_AES_GCM_12, 256),
	ENCR("camellia-128", IKE_ENCR_CAMELLIA_CBC, 128),
	ENCR("camellia-192", IKE_ENCR_CAMELLIA_CBC, 192),
	ENCR("camellia-256", IKE_ENCR_CAMELLIA_CBC, 256),
	/* twofish has no IKEv2 id: no row, so a proposal naming it is refused */

	/* RFC 7296 3.3.2 and RFC 4868 2 */
	PRF("md5", 1),
	PRF("sha1", 2),
	PRF("sha256", 5),
	PRF("sha384", 6),
	PRF("sha512", 7),
	INTEG("md5", 1),  /* AUTH_HMAC_MD5_96 */
	INTEG("sha1", 2), /* AUTH_HMAC_SHA1_96 */
	INTEG("sha256", 12),
	INTEG("sha384", 13),
	INTEG("sha512", 14),
	INTEG("null", 0), /* NONE: no integrity transform at all */

	/* RFC 7296 App. B, RFC 3526, RFC 5903, RFC 8031 */
	DH("modp768", 1),
	DH("modp1024", 2),
	DH("ec2n155", 3),
	DH("ec2n185", 4),
	DH("modp1536", 5),
	DH("modp2048", 14),
	DH("modp3072", 15),
	DH("modp4096", 16),
	DH("modp6144", 17),
	DH("modp8192", 18),
	DH("ecp256", 19),
	DH("ecp384", 20),
	DH("ecp521", 21),
	DH("curve25519", 31),

	{"no-esn", IKEV2_TRANS_ESN, 0, 0},
	{"esn", IKEV2_TRANS_ESN, 1, 0},
};

#define NALGS (sizeof(algs) / sizeof(algs[0]))

static const struct alg *by_id(uint8_t type, uint16_t id, uint16_t keylen)
{
	for (size_t i = 0; i < NALGS; i++)
		if (algs[i].type == type && algs[i].id == id && algs[i].keylen == keylen)
			return &algs[i];
	return NULL;
}

bool ike_alg_id(uint8_t type, const char *name, uint16_t *id, uint16_t *keylen)
{
	for (size_t i = 0; name && i < NALGS; i++)
		if (algs[i].type == type && !strcmp(algs[i].name, name)) {
			*id = algs[i].id;
			*keylen = algs[i].keylen;
			return true;
		}
	return false;
}

bool ike_encr_is_aead(uint16_t id)
{
	return id == IKE_ENCR_AES_GCM_8 || id == IKE_ENCR_AES_GCM_12 || id == IKE_ENCR_AES_GCM_16;
}

uint16_t ike_dh_id(const char *name)
{
	uint16_t id, keylen;

	return ike_alg_id(IKEV2_TRANS_DH, name, &id, &keylen) ? id : 0;
}

const char *ike_transform_name(uint8_t type, uint16_t id, uint16_t keylen)
{
	static const char *const types[] = {NULL, "encr", "prf", "integ", "dh", "esn"};
	static char buf[40];
	const struct alg *a = by_id(type, id, keylen);
	int n;

	if (a)
		return a->name;
	if (type == IKEV2_TRANS_DH && id == 0)
		return "none";
	/* not ours: the numbers, so that a log line still says what the peer sent */
	if (type >= 1 && type <= 5)
		n = snprintf(buf, sizeof(buf), "%s-%u", types[type], id);
	else
		n = snprintf(buf, sizeof(buf), "type%u-%u", type, id);
	if (keylen && n > 0 && (size_t)n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - (size_t)n, "-%u", keylen);
	return buf;
}

const struct kern_alg *ike_kern_enc(uint16_t encr, uint16_t keylen)
{
	const struct alg *a = by_id(IKEV2_TRANS_ENCR, encr, keylen);

	/* kern_alg.h's names are the first rows' (aes-128-cbc); GCM-8/12 have none */
	return a ? kern_alg_find_kind(a->name, KERN_ALG_ENC) : NULL;
}

const struct kern_alg *ike_kern_integ(uint16_t integ)
{
	const struct alg *a = integ ? by_id(IKEV2_TRANS_INTEG, integ, 0) : NULL;

	return a ? kern_alg_find_kind(a->name, KERN_ALG_AUTH) : NULL;
}
