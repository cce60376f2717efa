/* alg: the ESP/AH algorithm table (ipsecd name -> XFRM name, key and ICV sizes, DESIGN.md
 * §5 and the kernel's net/xfrm/xfrm_algo.c), the message for a kernel that lacks an
 * algorithm, and the reading of /proc/crypto that says whether the kernel's choice of
 * driver for an algorithm is a hardware-accelerated one. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ipsecd/kern_alg.h"

#define ENC(n, k, bits)                                                                            \
	{                                                                                          \
		.name = n, .kname = k, .kind = KERN_ALG_ENC, .key_bits = bits                      \
	}
/* RFC 4106 4 and RFC 3686 5.1: the key carries a 32-bit salt (nonce) at its end. */
#define GCM(n, bits)                                                                               \
	{                                                                                          \
		.name = n, .kname = "rfc4106(gcm(aes))", .kind = KERN_ALG_AEAD,                    \
		.key_bits = (bits) + 32, .icv_bits = 128                                           \
	}
#define AUTH(n, k, bits, icv)                                                                      \
	{                                                                                          \
		.name = n, .kname = k, .kind = KERN_ALG_AUTH, .key_bits = bits, .icv_bits = icv    \
	}

/* Proposal enc-algorithms and auth-algorithms, manual-sa esp-enc-algorithm,
 * esp-auth-algorithm and ah-algorithm. Ciphers come before integrity algorithms so that
 * kern_alg_find("null") is the cipher. */
static const struct kern_alg algs[] = {
	ENC("null", "ecb(cipher_null)", 0),
	ENC("des", "cbc(des)", 64),
	ENC("3des", "cbc(des3_ede)", 192),
	ENC("aes-128-cbc", "cbc(aes)", 128),
	ENC("aes-192-cbc", "cbc(aes)", 192),
	ENC("aes-256-cbc", "cbc(aes)", 256),
	/* manual-sa's names (and the proposal's aliases) for the cbc ones */
	ENC("aes-128", "cbc(aes)", 128),
	ENC("aes-192", "cbc(aes)", 192),
	ENC("aes-256", "cbc(aes)", 256),
	ENC("aes-128-ctr", "rfc3686(ctr(aes))", 128 + 32),
	ENC("aes-192-ctr", "rfc3686(ctr(aes))", 192 + 32),
	ENC("aes-256-ctr", "rfc3686(ctr(aes))", 256 + 32),
	GCM("aes-128-gcm", 128),
	GCM("aes-192-gcm", 192),
	GCM("aes-256-gcm", 256),
	/* no size in the name: 128 bits, the kernel's and strongSwan's default */
	ENC("blowfish", "cbc(blowfish)", 128),
	ENC("twofish", "cbc(twofish)", 128),
	ENC("camellia-128", "cbc(camellia)", 128),
	ENC("camellia-192", "cbc(camellia)", 192),
	ENC("camellia-256", "cbc(camellia)", 256),
	/* RFC 2403, 2404, 4868: the key is the hash's length, the ICV truncated */
	AUTH("null", "digest_null", 0, 0),
	AUTH("md5", "hmac(md5)", 128, 96),
	AUTH("sha1", "hmac(sha1)", 160, 96),
	AUTH("sha256", "hmac(sha256)", 256, 128),
	AUTH("sha512", "hmac(sha512)", 512, 256),
};

static bool kind_fits(const struct kern_alg *a, enum kern_alg_kind kind)
{
	if (kind == KERN_ALG_AUTH)
		return a->kind == KERN_ALG_AUTH;
	return a->kind != KERN_ALG_AUTH;
}

const struct kern_alg *kern_alg_find_kind(const char *name, enum kern_alg_kind kind)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (!strcmp(algs[i].name, name) && kind_fits(&algs[i], kind))
			return &algs[i];
	return NULL;
}

const struct kern_alg *kern_alg_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (!strcmp(algs[i].name, name))
			return &algs[i];
	return NULL;
}

const struct kern_alg *kern_alg_by_kname(const char *kname, unsigned key_bits)
{
	const struct kern_alg *any = NULL;

	if (!kname)
		return NULL;
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		if (strcmp(algs[i].kname, kname))
			continue;
		if (algs[i].key_bits == key_bits)
			return &algs[i];
		if (!any)
			any = &algs[i];
	}
	return any;
}

int kern_alg_explain(const char *kname, int err, char *buf, size_t len)
{
	int n;

	if (buf && len > 0)
		buf[0] = '\0';
	if (err < 0)
		err = -err;
	if (!kname || !buf || len == 0 || (err != ENOENT && err != ENOSYS && err != EINVAL))
		return -EINVAL;
	n = snprintf(buf, len, "this kernel has no %s; load the module or choose another algorithm",
		     kname);
	if (n < 0)
		return -EINVAL;
	return (size_t)n >= len ? -ENOSPC : 0;
}

/* --- /proc/crypto: blocks of "key : value" lines separated by blank lines --- */

struct span {
	const char *p;
	size_t len;
};

struct crypto_entry {
	struct span name, driver;
	unsigned long long priority;
	bool internal;
};

static bool span_is(struct span s, const char *w)
{
	size_t n = strlen(w);

	return s.p && s.len == n && !memcmp(s.p, w, n);
}

static bool span_contains(struct span s, const char *w)
{
	size_t n = strlen(w);

	for (size_t i = 0; s.p && n <= s.len && i <= s.len - n; i++)
		if (!memcmp(s.p + i, w, n))
			return true;
	return false;
}

static struct span trim(const char *p, size_t len)
{
	while (len > 0 && (*p == ' ' || *p == '\t'))
		p++, len--;
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r'))
		len--;
	return (struct span){p, len};
}

/* A decimal priority; anything else (or too large) counts as the lowest. */
static unsigned long long parse_priority(struct span v)
{
	unsigned long long n = 0;

	if (v.len == 0 || v.len > 18)
		return 0;
	for (size_t i = 0; i < v.len; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return 0;
		n = n * 10 + (unsigned)(v.p[i] - '0');
	}
	return n;
}

/* Applies one line of an entry; a line without ':' is ignored. */
static void apply_line(struct crypto_entry *e, const char *line, size_t len)
{
	const char *colon = memchr(line, ':', len);
	struct span key, val;

	if (!colon)
		return;
	key = trim(line, (size_t)(colon - line));
	val = trim(colon + 1, len - (size_t)(colon - line) - 1);
	if (span_is(key, "name"))
		e->name = val;
	else if (span_is(key, "driver"))
		e->driver = val;
	else if (span_is(key, "priority"))
		e->priority = parse_priority(val);
	else if (span_is(key, "internal"))
		e->internal = span_is(val, "yes");
}

/* Drivers that run on something better than the generic C code: CPU instructions
 * (x86 aesni/avx/ssse3/clmul/sha-ni, arm64 -ce and neon, POWER vmx/p8, s390) or
 * offload engines (Intel QAT, NXP CAAM, AMD CCP, Chelsio, Inside Secure, IBM NX, ...). */
static const char *const accel_markers[] = {
	"aesni",  "-ce",   "qat",   "caam",  "ccp",    "chcr",	   "safexcel", "nx-",  "-avx",
	"-ni",	  "ssse3", "clmul", "neon",  "-vmx",   "p8_",	   "-s390",    "omap", "talitos",
	"ixp4xx", "mv-",   "atmel", "sun8i", "-arm64", "-padlock", "hisi",     NULL};

static bool driver_accelerated(struct span driver)
{
	for (size_t i = 0; accel_markers[i]; i++)
		if (span_contains(driver, accel_markers[i]))
			return true;
	return false;
}

/* Keeps e as the best so far if it is a usable entry for kname better than *best. */
static void consider(const struct crypto_entry *e, const char *kname, struct crypto_entry *best,
		     bool *found)
{
	if (e->internal || !e->driver.p || !span_is(e->name, kname))
		return;
	if (!*found || e->priority > best->priority) {
		*best = *e;
		*found = true;
	}
}

bool kern_alg_hw_accelerated(const char *proc_crypto_text, const char *kname)
{
	struct crypto_entry cur = {0}, best = {0};
	bool found = false;
	const char *p = proc_crypto_text;

	if (!p || !kname || !*kname)
		return false;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (trim(p, len).len == 0) {
			consider(&cur, kname, &best, &found);
			cur = (struct crypto_entry){0};
		} else {
			apply_line(&cur, p, len);
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	consider(&cur, kname, &best, &found);
	return found && driver_accelerated(best.driver);
}
