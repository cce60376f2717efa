/* sig: the AUTH payload's data for IKEv2 public-key authentication (RFC 7296 2.15, 3.8):
 * method 1 (RSASSA-PKCS1-v1_5 with SHA-1), 9/10/11 (ECDSA, RFC 4754: r | s) and 14 (RFC 7427:
 * a length-prefixed AlgorithmIdentifier before the signature): the message is digested and
 * the digest signed or checked with EVP_PKEY_sign and EVP_PKEY_verify, Ed25519's message
 * with EVP_DigestSign and EVP_DigestVerify. We emit the DER of RFC 7427 Appendix A and RFC 8420;
 * a peer's AlgorithmIdentifier is decoded and checked field by field. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "ipsecd/buf.h"
#include "ipsecd/sig.h"
#include "internal.h"

#define MAX_EC_COORD 66	  /* P-521 */
#define MAX_PSS_SALT 1024 /* more than any modulus we would verify with leaves room for */

enum { AUTH_RSA = 1, AUTH_ECDSA_256 = 9, AUTH_ECDSA_384 = 10, AUTH_ECDSA_521 = 11, AUTH_DS = 14 };

enum kind { K_NONE, K_RSA, K_EC, K_ED25519 };

struct hash {
	uint16_t id; /* RFC 7427 hash algorithm id */
	int nid;
	const char *md, *name;
	int len;
};

static const struct hash hashes[] = {
	{SIG_HASH_SHA1, NID_sha1, "SHA1", "SHA-1", 20},
	{SIG_HASH_SHA256, NID_sha256, "SHA256", "SHA-256", 32},
	{SIG_HASH_SHA384, NID_sha384, "SHA384", "SHA-384", 48},
	{SIG_HASH_SHA512, NID_sha512, "SHA512", "SHA-512", 64},
};

/* The AlgorithmIdentifiers we send, DER as in RFC 7427 Appendix A and RFC 8420 4. */
/* A.1.2-A.1.4: sha{256,384,512}WithRSAEncryption, parameters NULL */
static const uint8_t pkcs1_sha256[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
				       0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00};
static const uint8_t pkcs1_sha384[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
				       0xf7, 0x0d, 0x01, 0x01, 0x0c, 0x05, 0x00};
static const uint8_t pkcs1_sha512[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
				       0xf7, 0x0d, 0x01, 0x01, 0x0d, 0x05, 0x00};
/* A.4.3: RSASSA-PSS with SHA-256, MGF1-SHA-256, salt 32 (RFC 4055 3.1); SHA-384 and SHA-512
 * likewise with their OIDs and salts of 48 and 64 */
static const uint8_t pss_sha256[] = {
	0x30, 0x41, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a, 0x30,
	0x34, 0xa0, 0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04,
	0x02, 0x01, 0x05, 0x00, 0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
	0xf7, 0x0d, 0x01, 0x01, 0x08, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
	0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0xa2, 0x03, 0x02, 0x01, 0x20};
static const uint8_t pss_sha384[] = {
	0x30, 0x41, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a, 0x30,
	0x34, 0xa0, 0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04,
	0x02, 0x02, 0x05, 0x00, 0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
	0xf7, 0x0d, 0x01, 0x01, 0x08, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
	0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0xa2, 0x03, 0x02, 0x01, 0x30};
static const uint8_t pss_sha512[] = {
	0x30, 0x41, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a, 0x30,
	0x34, 0xa0, 0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04,
	0x02, 0x03, 0x05, 0x00, 0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
	0xf7, 0x0d, 0x01, 0x01, 0x08, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
	0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0xa2, 0x03, 0x02, 0x01, 0x40};
/* A.3.2-A.3.4: ecdsa-with-SHA{256,384,512}, no parameters (RFC 5758 3.2) */
static const uint8_t ecdsa_sha256[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
				       0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
static const uint8_t ecdsa_sha384[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
				       0x48, 0xce, 0x3d, 0x04, 0x03, 0x03};
static const uint8_t ecdsa_sha512[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
				       0x48, 0xce, 0x3d, 0x04, 0x03, 0x04};
/* RFC 8420 4 (RFC 8410 3): id-Ed25519, no parameters */
static const uint8_t ed25519[] = {0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70};

/* One method 14 signature algorithm. */
struct ds_alg {
	enum kind kind;
	uint16_t hash;
	bool pss;
	int nid; /* the AlgorithmIdentifier's OID; NID_rsassaPss for all three PSS rows */
	const char *name;
	const uint8_t *der;
	uint8_t derlen;
};

#define DER(a) a, sizeof(a)

static const struct ds_alg ds_algs[] = {
	{K_RSA, SIG_HASH_SHA256, true, NID_rsassaPss, "RSASSA-PSS SHA-256", DER(pss_sha256)},
	{K_RSA, SIG_HASH_SHA384, true, NID_rsassaPss, "RSASSA-PSS SHA-384", DER(pss_sha384)},
	{K_RSA, SIG_HASH_SHA512, true, NID_rsassaPss, "RSASSA-PSS SHA-512", DER(pss_sha512)},
	{K_RSA, SIG_HASH_SHA256, false, NID_sha256WithRSAEncryption, "RSASSA-PKCS1-v1_5 SHA-256",
	 DER(pkcs1_sha256)},
	{K_RSA, SIG_HASH_SHA384, false, NID_sha384WithRSAEncryption, "RSASSA-PKCS1-v1_5 SHA-384",
	 DER(pkcs1_sha384)},
	{K_RSA, SIG_HASH_SHA512, false, NID_sha512WithRSAEncryption, "RSASSA-PKCS1-v1_5 SHA-512",
	 DER(pkcs1_sha512)},
	{K_EC, SIG_HASH_SHA256, false, NID_ecdsa_with_SHA256, "ECDSA SHA-256", DER(ecdsa_sha256)},
	{K_EC, SIG_HASH_SHA384, false, NID_ecdsa_with_SHA384, "ECDSA SHA-384", DER(ecdsa_sha384)},
	{K_EC, SIG_HASH_SHA512, false, NID_ecdsa_with_SHA512, "ECDSA SHA-512", DER(ecdsa_sha512)},
	{K_ED25519, SIG_HASH_IDENTITY, false, NID_ED25519, "Ed25519", DER(ed25519)},
};

/* RFC 4754: one curve and one hash per method, r and s each padded to the curve's size. */
struct ecdsa_method {
	uint8_t method;
	int curve;
	uint16_t hash;
	size_t coord;
	const char *name;
};

static const struct ecdsa_method ecdsa_methods[] = {
	{AUTH_ECDSA_256, NID_X9_62_prime256v1, SIG_HASH_SHA256, 32, "ECDSA P-256 SHA-256"},
	{AUTH_ECDSA_384, NID_secp384r1, SIG_HASH_SHA384, 48, "ECDSA P-384 SHA-384"},
	{AUTH_ECDSA_521, NID_secp521r1, SIG_HASH_SHA512, 66, "ECDSA P-521 SHA-512"},
};

/* How to sign or check one signature, whatever the method. */
struct scheme {
	enum kind kind;
	const struct hash *h;	 /* NULL for Ed25519 */
	int pad;		 /* RSA: RSA_PKCS1_PADDING or RSA_PKCS1_PSS_PADDING */
	int salt;		 /* PSS salt length */
	size_t coord;		 /* methods 9/10/11: r | s of this many bytes each; else 0 */
	const struct ds_alg *ds; /* method 14: what goes before the signature */
	char name[48];
};

static void say(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || !whylen)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

static const struct hash *hash_by_id(uint16_t id)
{
	for (size_t i = 0; i < N(hashes); i++)
		if (hashes[i].id == id)
			return &hashes[i];
	return NULL;
}

static const struct hash *hash_by_nid(int nid)
{
	for (size_t i = 0; i < N(hashes); i++)
		if (hashes[i].nid == nid)
			return &hashes[i];
	return NULL;
}

static const struct ecdsa_method *ecdsa_by_method(uint8_t method)
{
	for (size_t i = 0; i < N(ecdsa_methods); i++)
		if (ecdsa_methods[i].method == method)
			return &ecdsa_methods[i];
	return NULL;
}

/* --- what a key is, kept per key ---
 *
 * Asking a provider key for its type and curve costs several microseconds, and a handshake
 * asks three times for each key; setting up a signature operation costs more (OpenSSL 3
 * looks the algorithm up by name at every EVP_DigestSignInit). The keys a daemon uses
 * repeat (its own, and a peer's from a cached certificate), so the last KEY_CACHE keys
 * keep their kind and curve and one prepared EVP_PKEY_CTX for signing and one for
 * verifying, each with the digest and padding it was last set up for; a signature is then
 * a digest (of a digest fetched once) and one EVP_PKEY_sign or EVP_PKEY_verify, as
 * `openssl speed` measures them. A slot holds a reference, so a key's address is not
 * reused while it is cached. Single-threaded, as the daemon is. */

#define KEY_CACHE 32

/* A signature operation prepared for one scheme (hash, padding, salt). */
struct op {
	EVP_PKEY_CTX *ctx; /* NULL: none yet */
	const struct hash *h;
	int pad, salt;
};

struct key_slot {
	EVP_PKEY *key; /* a reference; NULL: free slot */
	enum kind kind;
	int curve;
	struct op sign, verify;
	unsigned long used; /* for eviction: the least recently used goes */
};

static struct key_slot key_cache[KEY_CACHE];
static unsigned long key_clock;
static EVP_MD *md_cache[N(hashes)]; /* fetched at first use */

static void slot_clear(struct key_slot *k)
{
	EVP_PKEY_CTX_free(k->sign.ctx);
	EVP_PKEY_CTX_free(k->verify.ctx);
	EVP_PKEY_free(k->key);
	*k = (struct key_slot){0};
}

void sig_cache_clear(void)
{
	for (size_t i = 0; i < KEY_CACHE; i++)
		slot_clear(&key_cache[i]);
	for (size_t i = 0; i < N(hashes); i++) {
		EVP_MD_free(md_cache[i]);
		md_cache[i] = NULL;
	}
}

/* The digest of h, fetched once; NULL when the provider has none. */
static const EVP_MD *md_of(const struct hash *h)
{
	size_t i = (size_t)(h - hashes);

	if (!md_cache[i])
		md_cache[i] = EVP_MD_fetch(NULL, h->md, NULL);
	return md_cache[i];
}

/* The key's kind and, for EC, its curve's NID (NID_undef when unknown). */
static enum kind key_kind_uncached(EVP_PKEY *key, int *curve)
{
	char name[64];

	*curve = NID_undef;
	if (!key)
		return K_NONE;
	if (EVP_PKEY_is_a(key, "RSA"))
		return K_RSA;
	if (EVP_PKEY_is_a(key, "ED25519"))
		return K_ED25519;
	if (!EVP_PKEY_is_a(key, "EC"))
		return K_NONE;
	if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name),
					   NULL)) {
		*curve = OBJ_txt2nid(name);
		if (*curve == NID_undef)
			*curve = EC_curve_nist2nid(name);
	}
	ERR_clear_error();
	return K_EC;
}

/* key's slot, made (evicting the least recently used) when it has none; NULL for NULL. */
static struct key_slot *key_slot(EVP_PKEY *key)
{
	struct key_slot *old = &key_cache[0];

	if (!key)
		return NULL;
	for (size_t i = 0; i < KEY_CACHE; i++) {
		struct key_slot *k = &key_cache[i];

		if (k->key == key) {
			k->used = ++key_clock;
			return k;
		}
		if (k->used < old->used)
			old = k;
	}
	slot_clear(old);
	if (!EVP_PKEY_up_ref(key))
		return NULL;
	old->key = key;
	old->kind = key_kind_uncached(key, &old->curve);
	old->used = ++key_clock;
	return old;
}

static enum kind key_kind(EVP_PKEY *key, int *curve)
{
	struct key_slot *k = key_slot(key);

	if (!k)
		return key_kind_uncached(key, curve);
	*curve = k->curve;
	return k->kind;
}

/* "EC P-384" or "RSA" for messages. */
static const char *key_desc(EVP_PKEY *key, char *buf, size_t len)
{
	const char *type = key ? EVP_PKEY_get0_type_name(key) : NULL;
	int curve;

	if (key_kind(key, &curve) == K_EC && curve != NID_undef) {
		const char *nist = EC_curve_nid2nist(curve);

		snprintf(buf, len, "EC %s", nist ? nist : OBJ_nid2sn(curve));
	} else {
		snprintf(buf, len, "%s", type ? type : "unknown");
	}
	return buf;
}

size_t sig_hash_algorithms(uint16_t *out, size_t max)
{
	static const uint16_t ours[] = {SIG_HASH_SHA256, SIG_HASH_SHA384, SIG_HASH_SHA512,
					SIG_HASH_IDENTITY};
	size_t n = max < N(ours) ? max : N(ours);

	for (size_t i = 0; i < n; i++)
		out[i] = ours[i];
	return n;
}

/* --- choosing --- */

static bool listed(uint16_t id, const uint16_t *list, size_t n)
{
	for (size_t i = 0; list && i < n; i++)
		if (list[i] == id)
			return true;
	return false;
}

/* Our preference among the method 14 hashes for the key: 3 ids, 0 ends the list early. */
static const uint16_t *preference(enum kind kind, int curve)
{
	static const uint16_t p256[] = {SIG_HASH_SHA256, SIG_HASH_SHA384, SIG_HASH_SHA512},
			      p384[] = {SIG_HASH_SHA384, SIG_HASH_SHA512, SIG_HASH_SHA256},
			      p521[] = {SIG_HASH_SHA512, SIG_HASH_SHA384, SIG_HASH_SHA256},
			      ed[] = {SIG_HASH_IDENTITY, 0, 0};

	if (kind == K_ED25519)
		return ed;
	if (kind == K_EC && curve == NID_secp384r1)
		return p384;
	if (kind == K_EC && curve == NID_secp521r1)
		return p521;
	return p256; /* RSA and the other curves too */
}

int sig_choose(EVP_PKEY *key, bool peer_supports_7427, const uint16_t *peer_hashes, size_t n,
	       uint8_t *method, uint16_t *hash)
{
	int curve;
	enum kind kind = key_kind(key, &curve);
	const uint16_t *pref = preference(kind, curve);

	if (kind == K_NONE)
		return -ENOTSUP;
	for (size_t i = 0; peer_supports_7427 && i < 3 && pref[i]; i++) {
		if (listed(pref[i], peer_hashes, n)) {
			*method = AUTH_DS;
			*hash = pref[i];
			return 0;
		}
	}
	/* RFC 7427 4: no common hash, or no notify: the classic method of RFC 7296 3.8 */
	if (kind == K_RSA) {
		*method = AUTH_RSA;
		*hash = SIG_HASH_SHA1;
		return 0;
	}
	for (size_t i = 0; kind == K_EC && i < N(ecdsa_methods); i++) {
		if (ecdsa_methods[i].curve == curve) {
			*method = ecdsa_methods[i].method;
			*hash = ecdsa_methods[i].hash;
			return 0;
		}
	}
	if (kind == K_ED25519 && !peer_supports_7427) { /* no classic method: try anyway */
		*method = AUTH_DS;
		*hash = SIG_HASH_IDENTITY;
		return 0;
	}
	return -ENOTSUP;
}

/* --- the scheme of a method --- */

static int classic_scheme(EVP_PKEY *key, uint8_t method, struct scheme *s, char *why, size_t whylen)
{
	char kd[48];
	int curve;
	enum kind kind = key_kind(key, &curve);
	const struct ecdsa_method *em = ecdsa_by_method(method);

	if (method == AUTH_RSA) {
		if (kind != K_RSA) {
			say(why, whylen, "AUTH method 1 (RSA signature) with an %s key",
			    key_desc(key, kd, sizeof(kd)));
			return -EINVAL;
		}
		*s = (struct scheme){K_RSA, hash_by_id(SIG_HASH_SHA1), RSA_PKCS1_PADDING, 0, 0,
				     NULL,  "RSASSA-PKCS1-v1_5 SHA-1"};
		return 0;
	}
	if (kind != K_EC || curve != em->curve) {
		say(why, whylen, "AUTH method %u (%s) with an %s key", method, em->name,
		    key_desc(key, kd, sizeof(kd)));
		return -EINVAL;
	}
	*s = (struct scheme){K_EC, hash_by_id(em->hash), 0, 0, em->coord, NULL, ""};
	snprintf(s->name, sizeof(s->name), "%s", em->name);
	return 0;
}

/* The salt length we use with a's PSS, the hash's length (RFC 4055 3.1's advice); 0 for
 * the others. */
static int default_salt(const struct ds_alg *a)
{
	return a->pss ? hash_by_id(a->hash)->len : 0;
}

/* The scheme of a method 14 algorithm, with the key it needs checked. */
static int ds_scheme(EVP_PKEY *key, const struct ds_alg *a, int salt, struct scheme *s, char *why,
		     size_t whylen)
{
	char kd[48];
	int curve;
	enum kind kind = key_kind(key, &curve);

	if (kind != a->kind) {
		say(why, whylen, "%s signature with an %s key", a->name,
		    key_desc(key, kd, sizeof(kd)));
		return -EINVAL;
	}
	*s = (struct scheme){a->kind, hash_by_id(a->hash), 0, salt, 0, a, ""};
	if (kind == K_RSA)
		s->pad = a->pss ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING;
	if (a->pss && salt != s->h->len)
		snprintf(s->name, sizeof(s->name), "%s salt %d", a->name, salt);
	else
		snprintf(s->name, sizeof(s->name), "%s", a->name);
	return 0;
}

static int sign_scheme(EVP_PKEY *key, uint8_t method, uint16_t hash, bool pkcs1, struct scheme *s)
{
	int curve;
	enum kind kind = key_kind(key, &curve);
	const struct ecdsa_method *em = ecdsa_by_method(method);

	if (kind == K_NONE)
		return -ENOTSUP;
	if (method == AUTH_RSA && hash != 0 && hash != SIG_HASH_SHA1)
		return -EINVAL;
	if (em && hash != 0 && hash != em->hash)
		return -EINVAL;
	if (method == AUTH_RSA || em)
		return classic_scheme(key, method, s, NULL, 0);
	if (method != AUTH_DS || hash < SIG_HASH_SHA256 || hash > SIG_HASH_IDENTITY)
		return -ENOTSUP;
	for (size_t i = 0; i < N(ds_algs); i++) {
		const struct ds_alg *a = &ds_algs[i];

		if (a->kind == kind && a->hash == hash && a->pss == (kind == K_RSA && !pkcs1))
			return ds_scheme(key, a, default_salt(a), s, NULL, 0);
	}
	return -EINVAL; /* identity with RSA or EC, a SHA-2 hash with Ed25519 */
}

/* --- EVP --- */

/* Ed25519 signs the message itself (RFC 8032 PureEdDSA): one EVP_DigestSign or
 * EVP_DigestVerify, no digest first. */
static int eddsa_sign(EVP_PKEY *key, const uint8_t *msg, size_t len, struct crypto_chunk *out,
		      size_t off)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t n = 0;
	uint8_t *p;
	int r = -EINVAL;

	if (ctx && EVP_DigestSignInit_ex(ctx, NULL, NULL, NULL, NULL, key, NULL) > 0 &&
	    EVP_DigestSign(ctx, NULL, &n, msg, len) > 0) {
		r = -ENOMEM;
		if ((p = realloc(out->ptr, off + n)) != NULL) {
			out->ptr = p;
			out->len = off + n;
			r = EVP_DigestSign(ctx, p + off, &n, msg, len) > 0 ? 0 : -EINVAL;
		}
	}
	EVP_MD_CTX_free(ctx);
	return r;
}

static int eddsa_verify(EVP_PKEY *key, const uint8_t *msg, size_t len, const uint8_t *sig,
			size_t siglen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int r = -EINVAL;

	if (ctx && EVP_DigestVerifyInit_ex(ctx, NULL, NULL, NULL, NULL, key, NULL) > 0)
		r = EVP_DigestVerify(ctx, sig, siglen, msg, len) == 1 ? 0 : -EBADMSG;
	EVP_MD_CTX_free(ctx);
	return r;
}

/* A new EVP_PKEY_CTX set up to sign or verify digests of s's hash with key, or NULL. */
static EVP_PKEY_CTX *op_new(EVP_PKEY *key, const struct scheme *s, bool sign)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	const EVP_MD *md = md_of(s->h);
	bool ok = ctx && md && (sign ? EVP_PKEY_sign_init(ctx) : EVP_PKEY_verify_init(ctx)) > 0 &&
		  EVP_PKEY_CTX_set_signature_md(ctx, md) > 0;

	if (ok && s->kind == K_RSA)
		ok = EVP_PKEY_CTX_set_rsa_padding(ctx, s->pad) > 0;
	if (ok && s->pad == RSA_PKCS1_PSS_PADDING)
		ok = EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, s->salt) > 0 &&
		     EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) > 0;
	if (!ok) {
		EVP_PKEY_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

/* key's prepared operation for s, from its slot (made or remade when the scheme differs
 * from the last one), else a new one that *own holds for the caller to free. */
static EVP_PKEY_CTX *op_get(EVP_PKEY *key, const struct scheme *s, bool sign, EVP_PKEY_CTX **own)
{
	struct key_slot *k = key_slot(key);
	struct op *o = k ? (sign ? &k->sign : &k->verify) : NULL;

	*own = NULL;
	if (!o)
		return *own = op_new(key, s, sign);
	if (o->ctx && (o->h != s->h || o->pad != s->pad || o->salt != s->salt)) {
		EVP_PKEY_CTX_free(o->ctx);
		o->ctx = NULL;
	}
	if (!o->ctx && (o->ctx = op_new(key, s, sign)) != NULL) {
		o->h = s->h;
		o->pad = s->pad;
		o->salt = s->salt;
	}
	return o->ctx;
}

/* msg's digest of s's hash into dg (EVP_MAX_MD_SIZE); its length, or 0 on failure. */
static unsigned digest(const struct scheme *s, const uint8_t *msg, size_t len, uint8_t *dg)
{
	const EVP_MD *md = md_of(s->h);
	unsigned n = 0;

	return md && EVP_Digest(msg, len, dg, &n, md, NULL) > 0 ? n : 0;
}

/* Signs into out at offset off (out grows to fit); out->len ends after the signature. */
static int evp_sign(EVP_PKEY *key, const struct scheme *s, const uint8_t *msg, size_t len,
		    struct crypto_chunk *out, size_t off)
{
	uint8_t dg[EVP_MAX_MD_SIZE], *p;
	EVP_PKEY_CTX *own, *ctx;
	unsigned dlen;
	size_t n = 0;
	int r = -EINVAL; /* the key cannot do it: too small for the hash, no private half */

	if (s->kind == K_ED25519)
		return eddsa_sign(key, msg, len, out, off);
	ctx = op_get(key, s, true, &own);
	dlen = digest(s, msg, len, dg);
	if (ctx && dlen && EVP_PKEY_sign(ctx, NULL, &n, dg, dlen) > 0) {
		r = -ENOMEM;
		if ((p = realloc(out->ptr, off + n)) != NULL) {
			out->ptr = p;
			out->len =
				off + n; /* the most it can be; ECDSA's DER may come out shorter */
			r = EVP_PKEY_sign(ctx, p + off, &n, dg, dlen) > 0 ? 0 : -EINVAL;
			if (r == 0)
				out->len = off + n;
		}
	}
	EVP_PKEY_CTX_free(own);
	return r;
}

/* 0 when valid, -EBADMSG when not, -EINVAL when the key cannot check this scheme. */
static int evp_verify(EVP_PKEY *key, const struct scheme *s, const uint8_t *msg, size_t len,
		      const uint8_t *sig, size_t siglen)
{
	uint8_t dg[EVP_MAX_MD_SIZE];
	EVP_PKEY_CTX *own, *ctx;
	unsigned dlen;
	int r = -EINVAL;

	if (s->kind == K_ED25519)
		return eddsa_verify(key, msg, len, sig, siglen);
	ctx = op_get(key, s, false, &own);
	dlen = digest(s, msg, len, dg);
	if (ctx && dlen)
		r = EVP_PKEY_verify(ctx, sig, siglen, dg, dlen) == 1 ? 0 : -EBADMSG;
	EVP_PKEY_CTX_free(own);
	return r;
}

/* RFC 4754 7: a DER ECDSA-Sig-Value to r | s, each coord bytes. */
static int ecdsa_to_raw(const uint8_t *der, size_t len, size_t coord, uint8_t *out)
{
	const unsigned char *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
	const BIGNUM *r = NULL, *s = NULL;
	int ok = 0;

	if (sig) {
		ECDSA_SIG_get0(sig, &r, &s);
		ok = BN_bn2binpad(r, out, (int)coord) == (int)coord &&
		     BN_bn2binpad(s, out + coord, (int)coord) == (int)coord;
	}
	ECDSA_SIG_free(sig);
	return ok ? 0 : -EIO;
}

/* r | s (2 * coord bytes) to DER into *der (OPENSSL_free); the length, or -ENOMEM. */
static int ecdsa_to_der(const uint8_t *raw, size_t coord, uint8_t **der)
{
	BIGNUM *r = BN_bin2bn(raw, (int)coord, NULL), *s = BN_bin2bn(raw + coord, (int)coord, NULL);
	ECDSA_SIG *sig = ECDSA_SIG_new();
	int n = -ENOMEM;

	*der = NULL;
	if (r && s && sig && ECDSA_SIG_set0(sig, r, s)) {
		r = s = NULL; /* sig owns them now */
		n = i2d_ECDSA_SIG(sig, der);
		if (n <= 0)
			n = -ENOMEM;
	}
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(sig);
	return n;
}

/* --- signing --- */

static int sign_with(EVP_PKEY *key, uint8_t method, uint16_t hash, bool pkcs1,
		     const uint8_t *octets, size_t len, struct crypto_chunk *auth_data)
{
	struct crypto_chunk der = {0};
	struct scheme s;
	size_t off = 0;
	int r = sign_scheme(key, method, hash, pkcs1, &s);

	*auth_data = (struct crypto_chunk){0};
	if (r < 0)
		return r;
	if (s.ds) { /* RFC 7427 3: ASN.1 length, AlgorithmIdentifier, signature */
		if (!(auth_data->ptr = malloc(1u + s.ds->derlen)))
			return -ENOMEM;
		auth_data->ptr[0] = s.ds->derlen;
		memcpy(auth_data->ptr + 1, s.ds->der, s.ds->derlen);
		off = 1u + s.ds->derlen;
	}
	r = evp_sign(key, &s, octets, len, s.coord ? &der : auth_data, off);
	if (r == 0 && s.coord) {
		r = -ENOMEM;
		if ((auth_data->ptr = malloc(2 * s.coord)) != NULL) {
			auth_data->len = 2 * s.coord;
			r = ecdsa_to_raw(der.ptr, der.len, s.coord, auth_data->ptr);
		}
	}
	crypto_chunk_clear(&der);
	if (r < 0)
		crypto_chunk_clear(auth_data);
	ERR_clear_error();
	return r;
}

int sig_sign(EVP_PKEY *key, uint8_t method, uint16_t hash, const uint8_t *octets, size_t len,
	     struct crypto_chunk *auth_data)
{
	return sign_with(key, method, hash, false, octets, len, auth_data);
}

int sig_sign_pkcs1(EVP_PKEY *key, uint8_t method, uint16_t hash, const uint8_t *octets, size_t len,
		   struct crypto_chunk *auth_data)
{
	return sign_with(key, method, hash, true, octets, len, auth_data);
}

/* --- a peer's AlgorithmIdentifier (RFC 7427 3) --- */

/* A hash AlgorithmIdentifier inside RSASSA-PSS-params: parameters absent or NULL. */
static const struct hash *pss_hash(const X509_ALGOR *alg)
{
	const ASN1_OBJECT *obj;
	int ptype;

	X509_ALGOR_get0(&obj, &ptype, NULL, alg);
	if (ptype != V_ASN1_UNDEF && ptype != V_ASN1_NULL)
		return NULL;
	return hash_by_nid(OBJ_obj2nid(obj));
}

/* MGF1's hash: maskGenAlgorithm = { id-mgf1, AlgorithmIdentifier of the hash }. */
static const struct hash *pss_mgf1_hash(const X509_ALGOR *mgf)
{
	const ASN1_OBJECT *obj;
	const void *pval;
	int ptype;
	X509_ALGOR *inner;
	const struct hash *h = NULL;

	X509_ALGOR_get0(&obj, &ptype, &pval, mgf);
	if (OBJ_obj2nid(obj) != NID_mgf1 || ptype != V_ASN1_SEQUENCE)
		return NULL;
	inner = ASN1_item_unpack(pval, ASN1_ITEM_rptr(X509_ALGOR));
	if (inner)
		h = pss_hash(inner);
	X509_ALGOR_free(inner);
	return h;
}

/* RFC 4055 3.1: RSASSA-PSS-params, their defaults (SHA-1, MGF1-SHA-1, salt 20) included.
 * Accepted: a SHA-2 hash, MGF1 with the same hash, any salt length up to MAX_PSS_SALT,
 * trailer field 1. */
static int pss_check(const RSA_PSS_PARAMS *pp, const struct hash **h, int64_t *salt, char *why,
		     size_t whylen)
{
	int64_t trailer = 1;

	*salt = 20;
	if ((pp->saltLength && !ASN1_INTEGER_get_int64(salt, pp->saltLength)) ||
	    (pp->trailerField && !ASN1_INTEGER_get_int64(&trailer, pp->trailerField)) ||
	    *salt < 0 || *salt > MAX_PSS_SALT || trailer != 1) {
		say(why, whylen, "RSASSA-PSS parameters out of range");
		return -EINVAL;
	}
	*h = pp->hashAlgorithm ? pss_hash(pp->hashAlgorithm) : NULL;
	if (!*h || (*h)->id == SIG_HASH_SHA1) {
		say(why, whylen, "RSASSA-PSS with a hash other than SHA-256, -384 or -512");
		return -ENOTSUP;
	}
	if (!pp->maskGenAlgorithm || pss_mgf1_hash(pp->maskGenAlgorithm) != *h) {
		say(why, whylen, "RSASSA-PSS with a mask other than MGF1-%s", (*h)->name);
		return -ENOTSUP;
	}
	return 0;
}

static int pss_params(EVP_PKEY *key, int ptype, const void *pval, struct scheme *s, char *why,
		      size_t whylen)
{
	RSA_PSS_PARAMS *pp = NULL;
	const struct hash *h = NULL;
	int64_t salt;
	int r;

	if (ptype == V_ASN1_SEQUENCE)
		pp = ASN1_item_unpack(pval, ASN1_ITEM_rptr(RSA_PSS_PARAMS));
	if (!pp) {
		say(why, whylen, "RSASSA-PSS AlgorithmIdentifier without valid parameters");
		return -EINVAL;
	}
	r = pss_check(pp, &h, &salt, why, whylen);
	RSA_PSS_PARAMS_free(pp);
	if (r < 0)
		return r;
	for (size_t i = 0; i < N(ds_algs); i++)
		if (ds_algs[i].pss && ds_algs[i].hash == h->id)
			return ds_scheme(key, &ds_algs[i], (int)salt, s, why, whylen);
	say(why, whylen, "RSASSA-PSS with %s is not supported", h->name);
	return -ENOTSUP;
}

/* The scheme an AlgorithmIdentifier (exactly len bytes) names, checked against key. */
static int ds_decode(EVP_PKEY *key, const uint8_t *der, size_t len, struct scheme *s, char *why,
		     size_t whylen)
{
	const unsigned char *p = der;
	X509_ALGOR *alg;
	const ASN1_OBJECT *obj;
	const void *pval;
	int ptype, nid, r = -ENOTSUP;
	char oid[80];

	/* the very DER we send (as strongSwan does too): no decoding needed */
	for (size_t i = 0; i < N(ds_algs); i++) {
		const struct ds_alg *a = &ds_algs[i];

		if (a->derlen == len && !memcmp(a->der, der, len))
			return ds_scheme(key, a, default_salt(a), s, why, whylen);
	}
	alg = d2i_X509_ALGOR(NULL, &p, (long)len);
	if (!alg || p != der + len) {
		X509_ALGOR_free(alg);
		say(why, whylen, "AUTH data: the AlgorithmIdentifier is not valid DER");
		return -EINVAL;
	}
	X509_ALGOR_get0(&obj, &ptype, &pval, alg);
	nid = OBJ_obj2nid(obj);
	OBJ_obj2txt(oid, sizeof(oid), obj, 0);
	say(why, whylen, "signature algorithm %s is not supported", oid);
	if (nid == NID_rsassaPss)
		r = pss_params(key, ptype, pval, s, why, whylen);
	for (size_t i = 0; nid != NID_rsassaPss && i < N(ds_algs); i++) {
		if (ds_algs[i].nid != nid)
			continue;
		if (ptype == V_ASN1_UNDEF || ptype == V_ASN1_NULL) {
			r = ds_scheme(key, &ds_algs[i], 0, s, why, whylen);
		} else {
			say(why, whylen, "%s AlgorithmIdentifier with parameters", oid);
			r = -EINVAL;
		}
	}
	X509_ALGOR_free(alg);
	return r;
}

/* RFC 7427 3: the AUTH data of method 14 split into its AlgorithmIdentifier's scheme and the
 * signature. */
static int ds_parse(EVP_PKEY *key, const uint8_t *data, size_t len, struct scheme *s,
		    const uint8_t **sig, size_t *siglen, char *why, size_t whylen)
{
	struct rbuf rb;
	uint8_t alen = 0;
	const uint8_t *alg;

	rbuf_init(&rb, data, len);
	if (!rbuf_u8(&rb, &alen) || alen == 0 || !rbuf_bytes(&rb, alen, &alg)) {
		say(why, whylen, "AUTH data: %zu bytes, too short for an AlgorithmIdentifier of %u",
		    len, alen);
		return -EINVAL;
	}
	*siglen = rbuf_left(&rb);
	if (*siglen == 0 || !rbuf_bytes(&rb, *siglen, sig)) {
		say(why, whylen, "AUTH data: no signature after the AlgorithmIdentifier");
		return -EINVAL;
	}
	return ds_decode(key, alg, alen, s, why, whylen);
}

/* --- verifying --- */

/* r | s back to DER for EVP_DigestVerify. */
static int verify_raw_ecdsa(EVP_PKEY *pub, const struct scheme *s, const uint8_t *sig,
			    const uint8_t *octets, size_t olen)
{
	uint8_t *der = NULL;
	int n = ecdsa_to_der(sig, s->coord, &der), r = n;

	if (n >= 0)
		r = evp_verify(pub, s, octets, olen, der, (size_t)n);
	OPENSSL_free(der);
	return r;
}

static int verify_scheme(EVP_PKEY *pub, const struct scheme *s, const uint8_t *sig, size_t siglen,
			 const uint8_t *octets, size_t olen, char *why, size_t whylen)
{
	size_t want = s->coord ? 2 * s->coord : siglen;
	int r;

	if (s->kind == K_RSA) /* RFC 8017 8.2.2: exactly the modulus' length */
		want = (size_t)EVP_PKEY_get_size(pub);
	if (siglen != want) {
		say(why, whylen, "%s signature of %zu bytes, not %zu", s->name, siglen, want);
		return -EBADMSG;
	}
	if (s->coord)
		r = verify_raw_ecdsa(pub, s, sig, octets, olen);
	else
		r = evp_verify(pub, s, octets, olen, sig, siglen);
	if (r == 0)
		say(why, whylen, "%s", s->name);
	else if (r == -EBADMSG)
		say(why, whylen, "%s signature does not verify", s->name);
	else if (r == -EINVAL)
		say(why, whylen, "%s: the key cannot check this signature", s->name);
	else
		say(why, whylen, "%s: out of memory", s->name);
	return r;
}

int sig_verify(EVP_PKEY *pub, uint8_t method, const uint8_t *auth_data, size_t len,
	       const uint8_t *octets, size_t olen, char *why, size_t whylen)
{
	struct scheme s;
	const uint8_t *sig = auth_data;
	size_t siglen = len;
	int curve, r;

	say(why, whylen, "%s", "");
	if (key_kind(pub, &curve) == K_NONE) {
		say(why, whylen, "no signatures with a key of this type");
		r = -ENOTSUP;
	} else if (method == AUTH_RSA || ecdsa_by_method(method)) {
		r = classic_scheme(pub, method, &s, why, whylen);
	} else if (method == AUTH_DS) {
		r = ds_parse(pub, auth_data, len, &s, &sig, &siglen, why, whylen);
	} else {
		say(why, whylen, "AUTH method %u is not a signature method supported here", method);
		r = -ENOTSUP;
	}
	if (r == 0)
		r = verify_scheme(pub, &s, sig, siglen, octets, olen, why, whylen);
	ERR_clear_error();
	return r;
}
