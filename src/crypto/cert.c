/* cert: the X.509 store. Certificates, CRLs and private keys read from files (PEM, DER,
 * PKCS#8, PKCS#12), the facts /certificate print shows, lookups by name, subject and
 * SubjectPublicKeyInfo hash, and chain verification (X509_verify_cert) with a bounded
 * cache of results. */
#define _GNU_SOURCE /* memmem */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cert_internal.h"

#define MAX_KEYS  8 /* private keys in one file */
#define MAX_DEPTH 8 /* certificates between the leaf and the trust anchor */

struct cache_slot {
	uint8_t key[32];    /* SHA-256 over the leaf's and the untrusted certificates' hashes */
	uint64_t gen;	    /* the store's generation when computed; 0: empty */
	time_t from, until; /* usable while from <= now <= until */
	int result;
	char reason[PKI_MSG_MAX];
};

struct parsed_slot {	 /* pki_store_cert_from_der's cache */
	uint8_t key[32]; /* SHA-256 of the DER */
	X509 *x;	 /* a reference held by the cache */
	char *subject;	 /* pki_dn_line of its subject, made at first use */
};

struct pki_store {
	struct pki_entry **ent;
	size_t n, cap;
	struct pki_crl **crl;
	size_t ncrl, crlcap;
	uint64_t gen;
	X509_STORE *xs;		  /* the trust anchors and CRLs, for X509_verify_cert */
	uint64_t xs_gen;	  /* the generation xs was built in */
	struct cache_slot *cache; /* PKI_CACHE_SIZE slots, allocated on first use */
	size_t cache_next;	  /* the slot filled next: the oldest */
	uint64_t hits, misses;
	struct parsed_slot *parsed; /* PKI_CACHE_SIZE slots, allocated on first use */
	size_t parsed_next;	    /* the slot filled next: the oldest */
};

/* What one file held. */
struct parsed {
	STACK_OF(X509) *certs;
	STACK_OF(X509_CRL) *crls;
	EVP_PKEY *keys[MAX_KEYS];
	size_t nkeys;
	bool has_key; /* a private key, whether or not it could be read */
};

struct pass {
	const char *pw; /* NULL: none given */
	bool asked;	/* something in the file was encrypted */
};

__attribute__((format(printf, 4, 5))) static int fail(char *msg, size_t size, int err,
						      const char *fmt, ...)
{
	va_list ap;

	if (msg && size) {
		va_start(ap, fmt);
		vsnprintf(msg, size, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* --- entries and CRLs --- */

static void entry_free(struct pki_entry *e)
{
	if (!e)
		return;
	free(e->name);
	X509_free(e->cert);
	EVP_PKEY_free(e->key); /* OpenSSL wipes private key material when freeing */
	free(e->subject);
	free(e->issuer);
	free(e->common_name);
	OPENSSL_free(e->der);
	free(e);
}

static void crl_free(struct pki_crl *c)
{
	if (!c)
		return;
	free(c->name);
	X509_CRL_free(c->crl);
	free(c->issuer);
	free(c);
}

static char *common_name(const X509 *x)
{
	const X509_NAME *n = X509_get_subject_name(x);
	unsigned char *utf8 = NULL;
	char *cn = NULL;
	int i = -1, last = -1, len;

	while ((i = X509_NAME_get_index_by_NID(n, NID_commonName, i)) >= 0)
		last = i; /* the most specific one */
	if (last < 0)
		return strdup("");
	len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, last)));
	if (len >= 0 && (cn = malloc((size_t)len + 1)) != NULL) {
		for (int j = 0; j < len; j++) /* no control characters into print or logs */
			cn[j] = utf8[j] < 0x20 || utf8[j] == 0x7f ? '?' : (char)utf8[j];
		cn[len] = '\0';
	}
	OPENSSL_free(utf8);
	return cn;
}

/* SHA-256, fetched once: naming a digest at every use makes OpenSSL 3 look it up (and take
 * its locks) each time, and the parse and verify caches hash at every handshake. NULL when
 * the provider has none. */
static const EVP_MD *sha256(void)
{
	static EVP_MD *md;

	if (!md)
		md = EVP_MD_fetch(NULL, "SHA256", NULL);
	return md;
}

static void parsed_slot_clear(struct parsed_slot *p)
{
	X509_free(p->x);
	free(p->subject);
	*p = (struct parsed_slot){0};
}

static bool spki_sha1(const X509 *x, uint8_t out[20])
{
	unsigned char *der = NULL;
	int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	bool ok = len > 0 && EVP_Digest(der, (size_t)len, out, NULL, EVP_sha1(), NULL);

	OPENSSL_free(der);
	return ok;
}

static bool fingerprint(const uint8_t *der, size_t len, char hex[65])
{
	uint8_t md[32];
	unsigned n = 0;

	if (!sha256() || !EVP_Digest(der, len, md, &n, sha256(), NULL) || n != 32)
		return false;
	for (unsigned i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return true;
}

/* A new entry holding a reference to x; its facts computed. NULL when out of memory. */
static struct pki_entry *entry_new(const char *name, X509 *x)
{
	struct pki_entry *e = calloc(1, sizeof(*e));
	int len;

	if (!e || !X509_up_ref(x)) {
		free(e);
		return NULL;
	}
	e->cert = x;
	len = i2d_X509(x, &e->der);
	e->der_len = len > 0 ? (size_t)len : 0;
	e->ca = (X509_get_extension_flags(x) & EXFLAG_CA) != 0;
	e->trusted = e->ca; /* every CA certificate imported is a trust anchor */
	e->name = strdup(name);
	e->subject = pki_dn_line(X509_get_subject_name(x));
	e->issuer = pki_dn_line(X509_get_issuer_name(x));
	e->common_name = common_name(x);
	e->not_before = pki_asn1_time(X509_get0_notBefore(x));
	e->not_after = pki_asn1_time(X509_get0_notAfter(x));
	if (!e->der || !e->name || !e->subject || !e->issuer || !e->common_name ||
	    !fingerprint(e->der, e->der_len, e->fingerprint) || !spki_sha1(x, e->spki_sha1)) {
		entry_free(e);
		return NULL;
	}
	return e;
}

static struct pki_crl *crl_new(const char *name, X509_CRL *crl)
{
	struct pki_crl *c = calloc(1, sizeof(*c));

	if (!c || !X509_CRL_up_ref(crl)) {
		free(c);
		return NULL;
	}
	c->crl = crl;
	c->name = strdup(name);
	c->issuer = pki_dn_line(X509_CRL_get_issuer(crl));
	c->this_update = pki_asn1_time(X509_CRL_get0_lastUpdate(crl));
	c->next_update = pki_asn1_time(X509_CRL_get0_nextUpdate(crl));
	if (!c->name || !c->issuer) {
		crl_free(c);
		return NULL;
	}
	return c;
}

/* Room for one more of n elements of elsize bytes: arr itself or a larger copy, or NULL
 * (arr untouched) when out of memory. */
static void *grow(void *arr, size_t *cap, size_t n, size_t elsize)
{
	size_t ncap = *cap ? *cap * 2 : 16;
	void *p;

	if (n < *cap)
		return arr;
	if (!(p = realloc(arr, ncap * elsize)))
		return NULL;
	*cap = ncap;
	return p;
}

static struct pki_crl *crl_of(const struct pki_store *s, const X509_NAME *issuer)
{
	for (size_t i = 0; i < s->ncrl; i++)
		if (!X509_NAME_cmp(X509_CRL_get_issuer(s->crl[i]->crl), issuer))
			return s->crl[i];
	return NULL;
}

/* The store's CA certificate that issued e, other than e itself, or NULL. */
static const struct pki_entry *issuer_of(const struct pki_store *s, const struct pki_entry *e)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct pki_entry *ca = s->ent[i];

		if (ca->ca && ca != e && X509_cmp(ca->cert, e->cert) &&
		    X509_check_issued(ca->cert, e->cert) == X509_V_OK)
			return ca;
	}
	return NULL;
}

/* After any change: the CRL facts and the issuers again, and a new generation (the cache
 * and the X509_STORE go stale). */
static void changed(struct pki_store *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct pki_entry *e = s->ent[i];
		struct pki_crl *c = crl_of(s, X509_get_issuer_name(e->cert));
		X509_REVOKED *rev = NULL;

		e->crl = crl_of(s, X509_get_subject_name(e->cert)) != NULL;
		e->revoked = c && X509_CRL_get0_by_cert(c->crl, &rev, e->cert) == 1;
		e->issued_by = issuer_of(s, e);
	}
	s->gen++;
}

struct pki_store *pki_store_new(void)
{
	struct pki_store *s = calloc(1, sizeof(*s));

	if (s)
		s->gen = 1; /* cache slots of generation 0 are empty */
	return s;
}

void pki_store_free(struct pki_store *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		entry_free(s->ent[i]);
	for (size_t i = 0; i < s->ncrl; i++)
		crl_free(s->crl[i]);
	free(s->ent);
	free(s->crl);
	X509_STORE_free(s->xs);
	free(s->cache);
	for (size_t i = 0; s->parsed && i < PKI_CACHE_SIZE; i++)
		parsed_slot_clear(&s->parsed[i]);
	free(s->parsed);
	free(s);
}

uint64_t pki_store_generation(const struct pki_store *s)
{
	return s->gen;
}

/* --- reading a file --- */

/* The file's bytes (NUL-terminated; the caller wipes and frees them) and mode. O_NONBLOCK:
 * a FIFO is refused as not a regular file instead of waiting at open() for a writer. */
static int read_file(const char *path, uint8_t **buf, size_t *len, mode_t *mode, char *msg,
		     size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), e = 0;
	struct stat st;
	size_t got = 0, want;

	*buf = NULL;
	if (fd < 0 || fstat(fd, &st) < 0)
		e = errno;
	else if (!S_ISREG(st.st_mode))
		e = EINVAL;
	else if (st.st_size > PKI_FILE_MAX)
		e = EFBIG;
	else if (!(*buf = malloc((size_t)st.st_size + 1)))
		e = ENOMEM;
	want = e ? 0 : (size_t)st.st_size;
	while (!e && got < want) {
		ssize_t n = read(fd, *buf + got, want - got);

		if (n < 0 && errno != EINTR)
			e = errno;
		else if (n == 0)
			break; /* shrunk meanwhile: take what is there */
		else if (n > 0)
			got += (size_t)n;
	}
	if (fd >= 0)
		close(fd);
	if (e) {
		if (*buf)
			OPENSSL_clear_free(*buf, want + 1);
		*buf = NULL;
		return fail(msg, size, -e, "%s: %s", path,
			    e == EINVAL ? "not a regular file" : strerror(e));
	}
	(*buf)[got] = '\0';
	*len = got;
	*mode = st.st_mode & 07777;
	return 0;
}

static int pass_cb(char *buf, int size, int rwflag, void *u)
{
	struct pass *p = u;
	size_t n;

	(void)rwflag;
	p->asked = true;
	if (!p->pw || (n = strlen(p->pw)) > (size_t)size)
		return -1;
	memcpy(buf, p->pw, n); /* OpenSSL wipes buf after use */
	return (int)n;
}

static int bad_pass(const struct pass *pw, const char *path, char *msg, size_t size)
{
	return fail(msg, size, -EKEYREJECTED, "%s: %s", path,
		    pw->pw ? "wrong passphrase" : "encrypted; a passphrase is needed");
}

static int add_key(struct parsed *pf, EVP_PKEY *k, const char *path, char *msg, size_t size)
{
	pf->has_key = true;
	if (pf->nkeys == MAX_KEYS) {
		EVP_PKEY_free(k);
		return fail(msg, size, -EINVAL, "%s: more than %d private keys", path, MAX_KEYS);
	}
	pf->keys[pf->nkeys++] = k;
	return 0;
}

/* A private key from DER: PKCS#8 (plain or encrypted) or a type-specific structure. */
static int decode_key(struct parsed *pf, const uint8_t *der, size_t len, struct pass *pw,
		      const char *path, char *msg, size_t size)
{
	EVP_PKEY *k = NULL;
	OSSL_DECODER_CTX *dc =
		OSSL_DECODER_CTX_new_for_pkey(&k, "DER", NULL, NULL, EVP_PKEY_KEYPAIR, NULL, NULL);
	const unsigned char *p = der;
	size_t left = len;
	int ok = dc && OSSL_DECODER_CTX_set_pem_password_cb(dc, pass_cb, pw) &&
		 OSSL_DECODER_from_data(dc, &p, &left) && left == 0 && k;

	OSSL_DECODER_CTX_free(dc);
	if (ok)
		return add_key(pf, k, path, msg, size);
	EVP_PKEY_free(k);
	if (pw->asked) {
		pf->has_key = true;
		return bad_pass(pw, path, msg, size);
	}
	return fail(msg, size, -EINVAL, "%s: unreadable private key", path);
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && !strcmp(s + n - t, tail);
}

/* One PEM block; blocks of other kinds (public keys, parameters) are skipped. */
static int pem_block(struct parsed *pf, const char *name, char *hdr, unsigned char *data, long len,
		     struct pass *pw, const char *path, char *msg, size_t size)
{
	const unsigned char *p = data;
	EVP_CIPHER_INFO ci;
	X509_CRL *crl;
	X509 *x;

	if (!strcmp(name, "CERTIFICATE") || !strcmp(name, "X509 CERTIFICATE") ||
	    !strcmp(name, "TRUSTED CERTIFICATE")) {
		x = name[0] == 'T' ? d2i_X509_AUX(NULL, &p, len) : d2i_X509(NULL, &p, len);
		if (!x || p != data + len || !sk_X509_push(pf->certs, x)) {
			X509_free(x);
			return fail(msg, size, -EINVAL, "%s: malformed certificate", path);
		}
	} else if (!strcmp(name, "X509 CRL")) {
		crl = d2i_X509_CRL(NULL, &p, len);
		if (!crl || p != data + len || !sk_X509_CRL_push(pf->crls, crl)) {
			X509_CRL_free(crl);
			return fail(msg, size, -EINVAL, "%s: malformed CRL", path);
		}
	} else if (ends_with(name, "PRIVATE KEY")) {
		pf->has_key = true;
		/* RFC 1421 encryption ("Proc-Type: 4,ENCRYPTED") is undone here, PKCS#8's by
		 * the decoder */
		if (!PEM_get_EVP_CIPHER_INFO(hdr, &ci))
			return fail(msg, size, -EINVAL, "%s: unknown key encryption", path);
		if (ci.cipher && !PEM_do_header(&ci, data, &len, pass_cb, pw))
			return bad_pass(pw, path, msg, size);
		return decode_key(pf, data, (size_t)len, pw, path, msg, size);
	}
	return 0;
}

static int parse_pem(struct parsed *pf, const uint8_t *buf, size_t len, struct pass *pw,
		     const char *path, char *msg, size_t size)
{
	BIO *b = BIO_new_mem_buf(buf, (int)len);
	char *name = NULL, *hdr = NULL;
	unsigned char *data = NULL;
	long dlen = 0;
	int r = b ? 0 : -ENOMEM;

	while (r == 0 && PEM_read_bio(b, &name, &hdr, &data, &dlen) == 1) {
		r = pem_block(pf, name, hdr, data, dlen, pw, path, msg, size);
		OPENSSL_free(name);
		OPENSSL_free(hdr);
		OPENSSL_clear_free(data, (size_t)dlen);
	}
	if (r == 0 && ERR_GET_REASON(ERR_peek_last_error()) != PEM_R_NO_START_LINE)
		r = fail(msg, size, -EINVAL, "%s: malformed PEM", path);
	BIO_free(b);
	return r;
}

/* PKCS#12 (RFC 7292): the key, its certificate and the CA chain. The MAC is checked first,
 * so a wrong passphrase is told apart from a damaged file. */
static int parse_p12(struct parsed *pf, PKCS12 *p12, struct pass *pw, const char *path, char *msg,
		     size_t size)
{
	const char *use = pw->pw;
	STACK_OF(X509) *ca = NULL;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	int r = 0;

	pf->has_key = true; /* until the contents show otherwise */
	if (PKCS12_mac_present(p12)) {
		if (use && *use && !PKCS12_verify_mac(p12, use, -1))
			return bad_pass(pw, path, msg, size);
		if ((!use || !*use) && !PKCS12_verify_mac(p12, NULL, 0) &&
		    !PKCS12_verify_mac(p12, "", 0))
			return bad_pass(pw, path, msg, size);
	}
	if (!PKCS12_parse(p12, use, &key, &cert, &ca))
		return bad_pass(pw, path, msg, size);
	pf->has_key = key != NULL;
	if (cert && !sk_X509_push(pf->certs, cert)) {
		X509_free(cert);
		r = -ENOMEM;
	}
	while (sk_X509_num(ca) > 0) {
		X509 *x = sk_X509_shift(ca);

		if (!sk_X509_push(pf->certs, x)) {
			X509_free(x);
			r = -ENOMEM;
		}
	}
	sk_X509_free(ca);
	if (key && r == 0)
		return add_key(pf, key, path, msg, size);
	EVP_PKEY_free(key);
	return r ? fail(msg, size, r, "%s: out of memory", path) : 0;
}

/* One DER object: a certificate, a CRL, a PKCS#12 bundle or a private key, the whole file. */
static int parse_der(struct parsed *pf, const uint8_t *buf, size_t len, struct pass *pw,
		     const char *path, char *msg, size_t size)
{
	const unsigned char *p = buf;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	X509_CRL *crl = NULL;
	PKCS12 *p12 = NULL;
	int r;

	if (x && p == buf + len && sk_X509_push(pf->certs, x))
		return 0;
	X509_free(x);
	p = buf;
	if ((crl = d2i_X509_CRL(NULL, &p, (long)len)) && p == buf + len &&
	    sk_X509_CRL_push(pf->crls, crl))
		return 0;
	X509_CRL_free(crl);
	p = buf;
	if ((p12 = d2i_PKCS12(NULL, &p, (long)len)) && p == buf + len) {
		r = parse_p12(pf, p12, pw, path, msg, size);
		PKCS12_free(p12);
		return r;
	}
	PKCS12_free(p12);
	ERR_clear_error();
	r = decode_key(pf, buf, len, pw, path, msg, size);
	if (r == -EINVAL)
		r = fail(msg, size, -EINVAL,
			 "%s: not a certificate, CRL, private key or PKCS#12 file", path);
	return r;
}

static void parsed_clear(struct parsed *pf)
{
	sk_X509_pop_free(pf->certs, X509_free);
	sk_X509_CRL_pop_free(pf->crls, X509_CRL_free);
	for (size_t i = 0; i < pf->nkeys; i++)
		EVP_PKEY_free(pf->keys[i]);
}

static int parse(struct parsed *pf, const uint8_t *buf, size_t len, const char *passphrase,
		 const char *path, char *msg, size_t size)
{
	struct pass pw = {passphrase, false};
	int r;

	pf->certs = sk_X509_new_null();
	pf->crls = sk_X509_CRL_new_null();
	if (!pf->certs || !pf->crls)
		return fail(msg, size, -ENOMEM, "%s: out of memory", path);
	ERR_clear_error(); /* parse_pem reads the last error */
	if (memmem(buf, len, "-----BEGIN ", 11))
		r = parse_pem(pf, buf, len, &pw, path, msg, size);
	else
		r = parse_der(pf, buf, len, &pw, path, msg, size);
	ERR_clear_error();
	if (r == 0 && !sk_X509_num(pf->certs) && !sk_X509_CRL_num(pf->crls) && !pf->nkeys)
		r = fail(msg, size, -EINVAL, "%s: no certificate, CRL or private key", path);
	for (int i = 0; r == 0 && i < sk_X509_num(pf->certs); i++)
		if (X509_get_extension_flags(sk_X509_value(pf->certs, i)) & EXFLAG_INVALID)
			r = fail(msg, size, -EINVAL, "%s: certificate %d has invalid extensions",
				 path, i + 1);
	return r;
}

/* --- importing what was parsed --- */

static ssize_t index_of(const struct pki_store *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->ent[i]->name, name))
			return (ssize_t)i;
	return -1;
}

static struct pki_entry *by_fingerprint(const struct pki_store *s, const char *fp)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->ent[i]->fingerprint, fp))
			return s->ent[i];
	return NULL;
}

static bool key_fits(EVP_PKEY *k, const X509 *x)
{
	return EVP_PKEY_eq(X509_get0_pubkey(x), k) == 1;
}

/* Which certificate each key belongs to: one in the file (owner >= 0), else one already in
 * the store (*attach). */
static int match_keys(const struct pki_store *s, const struct parsed *pf, int owner[],
		      struct pki_entry *attach[], const char *path, char *msg, size_t size)
{
	for (size_t k = 0; k < pf->nkeys; k++) {
		owner[k] = -1;
		attach[k] = NULL;
		for (int i = 0; owner[k] < 0 && i < sk_X509_num(pf->certs); i++)
			if (key_fits(pf->keys[k], sk_X509_value(pf->certs, i)))
				owner[k] = i;
		for (size_t i = 0; owner[k] < 0 && !attach[k] && i < s->n; i++)
			if (key_fits(pf->keys[k], s->ent[i]->cert))
				attach[k] = s->ent[i];
		ERR_clear_error();
		if (owner[k] < 0 && !attach[k])
			return fail(msg, size, -ENOKEY,
				    "%s: no certificate matches the private key; import the "
				    "certificate first",
				    path);
	}
	return 0;
}

/* A CRL must verify with its issuer's key when the file or the store has the issuer. */
static int check_crls(const struct pki_store *s, const struct parsed *pf, const char *path,
		      char *msg, size_t size)
{
	for (int i = 0; i < sk_X509_CRL_num(pf->crls); i++) {
		X509_CRL *crl = sk_X509_CRL_value(pf->crls, i);
		const X509_NAME *iss = X509_CRL_get_issuer(crl);
		X509 *ca = NULL;

		for (size_t j = 0; !ca && j < s->n; j++)
			if (s->ent[j]->ca &&
			    !X509_NAME_cmp(X509_get_subject_name(s->ent[j]->cert), iss))
				ca = s->ent[j]->cert;
		for (int j = 0; !ca && j < sk_X509_num(pf->certs); j++)
			if (!X509_NAME_cmp(X509_get_subject_name(sk_X509_value(pf->certs, j)), iss))
				ca = sk_X509_value(pf->certs, j);
		if (ca && X509_CRL_verify(crl, X509_get0_pubkey(ca)) != 1) {
			char *dn = pki_dn_line(iss);

			fail(msg, size, -EBADMSG, "%s: CRL of %s: signature does not verify", path,
			     dn ? dn : "?");
			free(dn);
			ERR_clear_error();
			return -EBADMSG;
		}
	}
	return 0;
}

/* The name of the file's n-th object: name, name_1, name_2, ... */
static void nth_name(char *out, size_t size, const char *name, int n)
{
	if (n == 0)
		snprintf(out, size, "%.200s", name);
	else
		snprintf(out, size, "%.200s_%d", name, n);
}

/* Adds e (taking it), replacing an entry of the same name; a certificate already present
 * stays as it is, gaining key if it had none. */
static int put_entry(struct pki_store *s, struct pki_entry *e, EVP_PKEY *key)
{
	struct pki_entry *old = by_fingerprint(s, e->fingerprint);
	ssize_t at;
	void *p;

	if (old) {
		if (key && !old->key && EVP_PKEY_up_ref(key))
			old->key = key;
		entry_free(e);
		return 0;
	}
	if (key && EVP_PKEY_up_ref(key))
		e->key = key;
	if ((at = index_of(s, e->name)) >= 0) {
		if (!e->key && s->ent[at]->key && key_fits(s->ent[at]->key, e->cert)) {
			e->key = s->ent[at]->key; /* a renewed certificate, the same key */
			s->ent[at]->key = NULL;
		}
		entry_free(s->ent[at]);
		s->ent[at] = e;
		return 0;
	}
	if (!(p = grow(s->ent, &s->cap, s->n, sizeof(*s->ent)))) {
		entry_free(e);
		return -ENOMEM;
	}
	s->ent = p;
	s->ent[s->n++] = e;
	return 0;
}

/* Adds a CRL (taking it): it replaces the one of the same issuer unless that one is newer,
 * or else one of the same name. */
static int put_crl(struct pki_store *s, struct pki_crl *c, char *msg, size_t size)
{
	struct pki_crl *old = crl_of(s, X509_CRL_get_issuer(c->crl));
	void *p;

	for (size_t i = 0; !old && i < s->ncrl; i++)
		if (!strcmp(s->crl[i]->name, c->name))
			old = s->crl[i];
	if (old && !X509_NAME_cmp(X509_CRL_get_issuer(old->crl), X509_CRL_get_issuer(c->crl)) &&
	    ASN1_TIME_compare(X509_CRL_get0_lastUpdate(c->crl),
			      X509_CRL_get0_lastUpdate(old->crl)) < 0) {
		fail(msg, size, 0, "kept the newer CRL %s of %s", old->name, old->issuer);
		crl_free(c);
		return 0;
	}
	for (size_t i = 0; old && i < s->ncrl; i++)
		if (s->crl[i] == old) {
			crl_free(old);
			s->crl[i] = c;
			return 0;
		}
	if (!(p = grow(s->crl, &s->crlcap, s->ncrl, sizeof(*s->crl)))) {
		crl_free(c);
		return -ENOMEM;
	}
	s->crl = p;
	s->crl[s->ncrl++] = c;
	return 0;
}

static EVP_PKEY *key_of(const struct parsed *pf, const int owner[], int cert)
{
	for (size_t k = 0; k < pf->nkeys; k++)
		if (owner[k] == cert)
			return pf->keys[k];
	return NULL;
}

/* Everything is checked; the entries go in. The certificate with a key comes first and
 * takes the name itself. */
static int commit(struct pki_store *s, const struct parsed *pf, const int owner[],
		  struct pki_entry *attach[], const char *name, char *msg, size_t size)
{
	int ncert = sk_X509_num(pf->certs), first = 0, seq = 0, r = 0;
	char nm[256];

	for (int i = 0; i < ncert; i++)
		if (key_of(pf, owner, i)) {
			first = i;
			break;
		}
	/* first, while the entries are sure to exist: a certificate below may replace one */
	for (size_t k = 0; k < pf->nkeys; k++)
		if (attach[k] && !attach[k]->key && EVP_PKEY_up_ref(pf->keys[k]))
			attach[k]->key = pf->keys[k];
	for (int j = 0; r == 0 && j < ncert; j++) {
		int i = j == 0 ? first : j <= first ? j - 1 : j;
		struct pki_entry *e;

		nth_name(nm, sizeof(nm), name, seq++);
		e = entry_new(nm, sk_X509_value(pf->certs, i));
		r = e ? put_entry(s, e, key_of(pf, owner, i)) : -ENOMEM;
	}
	for (int i = 0; r == 0 && i < sk_X509_CRL_num(pf->crls); i++) {
		struct pki_crl *c;

		nth_name(nm, sizeof(nm), name, seq++);
		c = crl_new(nm, sk_X509_CRL_value(pf->crls, i));
		r = c ? put_crl(s, c, msg, size) : -ENOMEM;
	}
	changed(s);
	return r;
}

/* "dir/moon.pem" -> "moon" */
static void base_name(const char *path, char *out, size_t size)
{
	const char *b = strrchr(path, '/');
	const char *dot;

	b = b ? b + 1 : path;
	dot = strrchr(b, '.');
	snprintf(out, size, "%.*s", (int)(dot && dot != b ? (size_t)(dot - b) : strlen(b)), b);
}

int pki_store_import(struct pki_store *s, const char *path, const char *name,
		     const char *passphrase, unsigned flags, char *msg, size_t msgsize)
{
	struct parsed pf = {0};
	struct pki_entry *attach[MAX_KEYS];
	int owner[MAX_KEYS], r;
	char warn[PKI_MSG_MAX] = "", base[256];
	uint8_t *buf = NULL;
	size_t len = 0;
	mode_t mode = 0;

	if (msg && msgsize)
		msg[0] = '\0';
	if ((r = read_file(path, &buf, &len, &mode, msg, msgsize)) < 0)
		return r;
	r = parse(&pf, buf, len, passphrase, path, msg, msgsize);
	OPENSSL_clear_free(buf, len + 1);
	if (pf.has_key && (mode & 077)) {
		if (!(flags & PKI_IMPORT_WARN_ONLY)) {
			r = fail(msg, msgsize, -EACCES,
				 "%s holds a private key but has mode %04o: it must not be "
				 "accessible by group or others (chmod 600)",
				 path, (unsigned)mode);
			goto out;
		}
		snprintf(warn, sizeof(warn), "%s holds a private key but has mode %04o (chmod 600)",
			 path, (unsigned)mode);
	}
	if (r == 0)
		r = match_keys(s, &pf, owner, attach, path, msg, msgsize);
	if (r == 0)
		r = check_crls(s, &pf, path, msg, msgsize);
	if (r == 0) {
		if (!name || !*name)
			base_name(path, base, sizeof(base));
		r = commit(s, &pf, owner, attach, name && *name ? name : base, msg, msgsize);
		if (r == -ENOMEM)
			fail(msg, msgsize, r, "%s: out of memory", path);
	}
	if (r == 0 && warn[0])
		fail(msg, msgsize, 0, "%s", warn);
out:
	parsed_clear(&pf);
	return r;
}

static int visible(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static int load_one(struct pki_store *s, const char *dir, const char *file, unsigned flags,
		    bool last_try, void (*report)(void *, const char *, int, const char *),
		    void *arg)
{
	char path[4096], name[256], msg[PKI_MSG_MAX];
	struct stat st;
	int r;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return 1; /* subdirectories and the like: not ours */
	base_name(file, name, sizeof(name));
	r = pki_store_import(s, path, name, NULL, flags, msg, sizeof(msg));
	if (r == -ENOKEY && !last_try)
		return r; /* a key before its certificate: once more at the end */
	if (report && (r < 0 || msg[0]))
		report(arg, path, r, msg);
	return r;
}

int pki_store_load_dir(struct pki_store *s, const char *dir, unsigned flags,
		       void (*report)(void *arg, const char *path, int err, const char *msg),
		       void *arg)
{
	struct dirent **list = NULL;
	bool *again;
	int n, loaded = 0;

	dir = dir ? dir : PKI_DEFAULT_DIR;
	if ((n = scandir(dir, &list, visible, alphasort)) < 0)
		return errno == ENOENT ? 0 : -errno;
	again = calloc((size_t)n + 1, sizeof(*again));
	for (int i = 0; again && i < n; i++) {
		int r = load_one(s, dir, list[i]->d_name, flags, false, report, arg);

		again[i] = r == -ENOKEY;
		loaded += r == 0;
	}
	for (int i = 0; again && i < n; i++)
		if (again[i])
			loaded += load_one(s, dir, list[i]->d_name, flags, true, report, arg) == 0;
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	if (!again)
		return -ENOMEM;
	free(again);
	return loaded;
}

int pki_store_remove(struct pki_store *s, const char *name)
{
	ssize_t at = index_of(s, name);

	if (at >= 0) {
		entry_free(s->ent[at]);
		memmove(s->ent + at, s->ent + at + 1, (s->n - (size_t)at - 1) * sizeof(*s->ent));
		s->n--;
		changed(s);
		return 0;
	}
	for (size_t i = 0; i < s->ncrl; i++)
		if (!strcmp(s->crl[i]->name, name)) {
			crl_free(s->crl[i]);
			memmove(s->crl + i, s->crl + i + 1, (s->ncrl - i - 1) * sizeof(*s->crl));
			s->ncrl--;
			changed(s);
			return 0;
		}
	return -ENOENT;
}

int pki_store_set_trusted(struct pki_store *s, const char *name, bool trusted)
{
	ssize_t at = index_of(s, name);

	if (at < 0)
		return -ENOENT;
	if (trusted && !s->ent[at]->ca)
		return -EINVAL;
	s->ent[at]->trusted = trusted;
	changed(s);
	return 0;
}

/* --- lookups --- */

size_t pki_store_count(const struct pki_store *s)
{
	return s->n;
}

const struct pki_entry *pki_store_entry(const struct pki_store *s, size_t i)
{
	return i < s->n ? s->ent[i] : NULL;
}

size_t pki_store_crl_count(const struct pki_store *s)
{
	return s->ncrl;
}

const struct pki_crl *pki_store_crl(const struct pki_store *s, size_t i)
{
	return i < s->ncrl ? s->crl[i] : NULL;
}

const struct pki_entry *pki_store_find(const struct pki_store *s, const char *name)
{
	ssize_t at = index_of(s, name);

	return at >= 0 ? s->ent[at] : NULL;
}

const struct pki_entry *pki_store_find_subject(const struct pki_store *s, const uint8_t *der,
					       size_t len)
{
	const unsigned char *p = der;
	X509_NAME *n = d2i_X509_NAME(NULL, &p, (long)len);
	const struct pki_entry *found = NULL;

	for (size_t i = 0; n && p == der + len && i < s->n; i++)
		if (!X509_NAME_cmp(X509_get_subject_name(s->ent[i]->cert), n) &&
		    (!found || (!found->key && s->ent[i]->key)))
			found = s->ent[i];
	X509_NAME_free(n);
	ERR_clear_error();
	return found;
}

const struct pki_entry *pki_store_find_ca_hash(const struct pki_store *s, const uint8_t sha1[20])
{
	for (size_t i = 0; i < s->n; i++)
		if (s->ent[i]->trusted && !memcmp(s->ent[i]->spki_sha1, sha1, 20))
			return s->ent[i];
	return NULL;
}

size_t pki_store_ca_hashes(const struct pki_store *s, uint8_t *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		if (s->ent[i]->trusted) {
			if (n < max)
				memcpy(out + 20 * n, s->ent[i]->spki_sha1, 20);
			n++;
		}
	return n;
}

bool pki_entry_expired(const struct pki_entry *e, time_t now)
{
	return now > e->not_after;
}

X509 *pki_cert_from_der(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x = len <= PKI_FILE_MAX ? d2i_X509(NULL, &p, (long)len) : NULL;

	if (x && p != der + len) {
		X509_free(x);
		x = NULL;
	}
	ERR_clear_error();
	return x;
}

/* --- verification --- */

/* The trust anchors and CRLs as an X509_STORE, rebuilt after every change. */
static int trust_store(struct pki_store *s)
{
	X509_STORE *xs;
	int ok;

	if (s->xs && s->xs_gen == s->gen)
		return 0;
	ok = (xs = X509_STORE_new()) != NULL;
	for (size_t i = 0; ok && i < s->n; i++)
		if (s->ent[i]->trusted)
			ok = X509_STORE_add_cert(xs, s->ent[i]->cert);
	for (size_t i = 0; ok && i < s->ncrl; i++)
		ok = X509_STORE_add_crl(xs, s->crl[i]->crl);
	if (!ok) {
		X509_STORE_free(xs);
		return -ENOMEM;
	}
	X509_STORE_free(s->xs);
	s->xs = xs;
	s->xs_gen = s->gen;
	return 0;
}

struct vctx {
	char *reason;
	size_t size;
	bool told; /* reason holds the first failure */
};

/* "certificate CN=moon, O=test: revoked (CRL of CN=Test CA)" */
static void describe(X509_STORE_CTX *ctx, int err, struct vctx *v)
{
	X509 *x = X509_STORE_CTX_get_current_cert(ctx);
	X509_CRL *crl = X509_STORE_CTX_get0_current_crl(ctx);
	char *who = x ? pki_dn_line(X509_get_subject_name(x)) : NULL;
	/* OpenSSL forgets the CRL after warning that it is stale; without extended CRL
	 * support (indirect CRLs) a CRL is always that of the certificate's issuer */
	char *iss = crl ? pki_dn_line(X509_CRL_get_issuer(crl))
		    : x ? pki_dn_line(X509_get_issuer_name(x))
			: NULL;
	const char *w = who ? who : "(unknown)", *i = iss ? iss : "?";
	char when[40] = "?";

	switch (err) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		if (x)
			pki_time_str(pki_asn1_time(X509_get0_notAfter(x)), when, sizeof(when));
		fail(v->reason, v->size, 0, "certificate %s: expired on %s", w, when);
		break;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		if (x)
			pki_time_str(pki_asn1_time(X509_get0_notBefore(x)), when, sizeof(when));
		fail(v->reason, v->size, 0, "certificate %s: not valid before %s", w, when);
		break;
	case X509_V_ERR_CERT_REVOKED:
		fail(v->reason, v->size, 0, "certificate %s: revoked (CRL of %s)", w, i);
		break;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
		fail(v->reason, v->size, 0, "certificate %s: issuer %s is not trusted", w, i);
		break;
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		fail(v->reason, v->size, 0, "certificate %s: self-signed and not trusted", w);
		break;
	case X509_V_ERR_CRL_SIGNATURE_FAILURE:
		fail(v->reason, v->size, 0, "certificate %s: the CRL of %s does not verify", w, i);
		break;
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
		fail(v->reason, v->size, 0, "certificate %s: signature does not verify with %s", w,
		     i);
		break;
	default:
		fail(v->reason, v->size, 0, "certificate %s: %s", w,
		     X509_verify_cert_error_string(err));
	}
	free(who);
	free(iss);
	v->told = true;
}

static bool crl_error(int err)
{
	switch (err) {
	case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
	case X509_V_ERR_CRL_SIGNATURE_FAILURE:
	case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
	case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
	case X509_V_ERR_KEYUSAGE_NO_CRL_SIGN:
	case X509_V_ERR_DIFFERENT_CRL_SCOPE:
	case X509_V_ERR_CRL_PATH_VALIDATION_ERROR:
	case X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION:
		return true;
	}
	return false;
}

/* Whether the certificate being checked is the top of a partial chain: a trusted CA that
 * is not self-signed. OpenSSL checks it against its issuer's CRL with its own key, which
 * fails; only a CRL we hold that lists it still counts (CERT_REVOKED is not a crl_error). */
static bool anchors_partial_chain(X509_STORE_CTX *ctx)
{
	STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
	int depth = X509_STORE_CTX_get_error_depth(ctx);

	return depth > 0 && depth == sk_X509_num(chain) - 1 &&
	       !(X509_get_extension_flags(sk_X509_value(chain, depth)) & EXFLAG_SS);
}

static int verify_cb(int ok, X509_STORE_CTX *ctx)
{
	struct vctx *v = X509_STORE_CTX_get_app_data(ctx);
	int err = X509_STORE_CTX_get_error(ctx);

	if (ok)
		return 1;
	switch (err) {
	case X509_V_ERR_UNABLE_TO_GET_CRL: /* the issuer has none loaded: not checked */
	case X509_V_ERR_CRL_HAS_EXPIRED:   /* stale, yet what it lists stays revoked */
	case X509_V_ERR_CRL_NOT_YET_VALID:
		return 1;
	}
	if (crl_error(err) && anchors_partial_chain(ctx))
		return 1;
	if (!v->told)
		describe(ctx, err, v);
	return 0;
}

/* Failures that the passing of time can change are not cached. */
static bool time_bound(int err)
{
	return err == X509_V_ERR_CERT_HAS_EXPIRED || err == X509_V_ERR_CERT_NOT_YET_VALID ||
	       err == X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD ||
	       err == X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD ||
	       err == X509_V_ERR_CRL_HAS_EXPIRED || err == X509_V_ERR_CRL_NOT_YET_VALID;
}

/* The leaf's untrusted companions: the peer's certificates and our CAs that are not
 * trust anchors. Borrowed references; the caller sk_X509_frees the stack only. */
static STACK_OF(X509) *companions(const struct pki_store *s, STACK_OF(X509) *untrusted)
{
	STACK_OF(X509) *sk = untrusted ? sk_X509_dup(untrusted) : sk_X509_new_null();

	for (size_t i = 0; sk && i < s->n; i++)
		if (s->ent[i]->ca && !s->ent[i]->trusted && !sk_X509_push(sk, s->ent[i]->cert)) {
			sk_X509_free(sk);
			return NULL;
		}
	return sk;
}

/* The validity common to all certificates of the chain. */
static void chain_window(STACK_OF(X509) *chain, time_t *from, time_t *until)
{
	for (int i = 0; i < sk_X509_num(chain); i++) {
		time_t nb = pki_asn1_time(X509_get0_notBefore(sk_X509_value(chain, i)));
		time_t na = pki_asn1_time(X509_get0_notAfter(sk_X509_value(chain, i)));

		*from = i == 0 || nb > *from ? nb : *from;
		*until = i == 0 || na < *until ? na : *until;
	}
}

/* One X509_verify_cert; 1 valid, 0 not (reason told, *err set), -1 OpenSSL failed. */
static int verify_once(struct pki_store *s, X509 *leaf, STACK_OF(X509) *more, time_t now,
		       unsigned long flags, struct cache_slot *slot, int *err)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	struct vctx v = {slot->reason, sizeof(slot->reason), false};
	X509_VERIFY_PARAM *param;
	int ok = -1;

	slot->reason[0] = '\0';
	*err = X509_V_ERR_OUT_OF_MEM;
	if (ctx && X509_STORE_CTX_init(ctx, s->xs, leaf, more)) {
		param = X509_STORE_CTX_get0_param(ctx);
		X509_VERIFY_PARAM_set_time(param, now);
		X509_VERIFY_PARAM_set_depth(param, MAX_DEPTH);
		X509_VERIFY_PARAM_set_flags(param, flags);
		X509_STORE_CTX_set_app_data(ctx, &v);
		X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
		ok = X509_verify_cert(ctx);
		*err = X509_STORE_CTX_get_error(ctx);
	}
	if (ok == 1)
		chain_window(X509_STORE_CTX_get0_chain(ctx), &slot->from, &slot->until);
	else if (ctx && !v.told)
		describe(ctx, *err, &v);
	X509_STORE_CTX_free(ctx);
	return ok;
}

/* Verification into slot: result, reason and the time window it holds for; *cacheable
 * false when the result must not be kept. A chain up to a self-signed root is tried first,
 * so that a trusted intermediate is still checked against its CA's CRL; only without one
 * may any trusted CA anchor the chain (a partial chain, its anchor not revocation-checked:
 * RFC 5280 6.1 checks the path, not the trust anchor). */
static int verify_chain(struct pki_store *s, X509 *leaf, STACK_OF(X509) *untrusted, time_t now,
			struct cache_slot *slot, bool *cacheable)
{
	STACK_OF(X509) *more = companions(s, untrusted);
	unsigned long flags = s->ncrl ? X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL : 0;
	int ok = -1, err = 0;

	if (more && trust_store(s) == 0)
		ok = verify_once(s, leaf, more, now, flags, slot, &err);
	if (ok == 0 && (err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
			err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY))
		ok = verify_once(s, leaf, more, now, flags | X509_V_FLAG_PARTIAL_CHAIN, slot, &err);
	slot->result = ok == 1 ? 0 : ok == 0 ? -EPERM : -ENOMEM;
	*cacheable = ok == 1 || (ok == 0 && !time_bound(err));
	if (ok != 1) {
		slot->from = pki_asn1_time(X509_get0_notBefore(leaf));
		slot->until = pki_asn1_time(X509_get0_notAfter(leaf));
	}
	if (ok < 0)
		fail(slot->reason, sizeof(slot->reason), 0, "out of memory");
	sk_X509_free(more);
	ERR_clear_error();
	return slot->result;
}

/* x's slot in the parse cache, or NULL when x is not (or no longer) cached there. */
static struct parsed_slot *parsed_find(const struct pki_store *s, const X509 *x)
{
	for (size_t i = 0; x && s->parsed && i < PKI_CACHE_SIZE; i++)
		if (s->parsed[i].x == x)
			return &s->parsed[i];
	return NULL;
}

/* x's SHA-256 fingerprint: the parse cache's key when x came from there (the hash of the
 * DER it was parsed from), else X509_digest's. */
static bool cert_sha256(const struct pki_store *s, X509 *x, uint8_t out[32])
{
	unsigned n = 0;

	const struct parsed_slot *p = parsed_find(s, x);

	if (p) {
		memcpy(out, p->key, 32);
		return true;
	}
	return sha256() && X509_digest(x, sha256(), out, &n) && n == 32;
}

static bool cache_key(const struct pki_store *s, X509 *leaf, STACK_OF(X509) *untrusted,
		      uint8_t key[32])
{
	const EVP_MD *h = sha256();
	EVP_MD_CTX *md = h ? EVP_MD_CTX_new() : NULL;
	uint8_t fp[32];
	unsigned n = 0;
	int ok = md && EVP_DigestInit_ex(md, h, NULL);

	ok = ok && cert_sha256(s, leaf, fp) && EVP_DigestUpdate(md, fp, 32);
	for (int i = 0; ok && i < sk_X509_num(untrusted); i++) /* num(NULL) is -1 */
		ok = cert_sha256(s, sk_X509_value(untrusted, i), fp) &&
		     EVP_DigestUpdate(md, fp, 32);
	ok = ok && EVP_DigestFinal_ex(md, key, &n);
	EVP_MD_CTX_free(md);
	return ok;
}

static struct cache_slot *cache_find(const struct pki_store *s, const uint8_t key[32])
{
	for (size_t i = 0; s->cache && i < PKI_CACHE_SIZE; i++)
		if (s->cache[i].gen == s->gen && !memcmp(s->cache[i].key, key, 32))
			return &s->cache[i];
	return NULL;
}

static void cache_put(struct pki_store *s, struct cache_slot *old, const struct cache_slot *c)
{
	if (!old && !s->cache && !(s->cache = calloc(PKI_CACHE_SIZE, sizeof(*s->cache))))
		return; /* no cache then */
	if (!old) {
		old = &s->cache[s->cache_next];
		s->cache_next = (s->cache_next + 1) % PKI_CACHE_SIZE;
	}
	*old = *c;
}

int pki_verify(struct pki_store *s, X509 *leaf, STACK_OF(X509) *untrusted, time_t now, char *reason,
	       size_t reasonsize)
{
	struct cache_slot c = {.gen = s->gen}, *hit = NULL;
	bool keyed = cache_key(s, leaf, untrusted, c.key), cacheable = false;

	if (keyed && (hit = cache_find(s, c.key)) && now >= hit->from && now <= hit->until) {
		s->hits++;
		fail(reason, reasonsize, 0, "%s", hit->reason);
		return hit->result;
	}
	s->misses++;
	verify_chain(s, leaf, untrusted, now, &c, &cacheable);
	if (keyed && cacheable)
		cache_put(s, hit, &c);
	fail(reason, reasonsize, 0, "%s", c.reason);
	return c.result;
}

void pki_store_cache_stats(const struct pki_store *s, struct pki_cache_stats *out)
{
	out->hits = s->hits;
	out->misses = s->misses;
	out->entries = 0;
	for (size_t i = 0; s->cache && i < PKI_CACHE_SIZE; i++)
		out->entries += s->cache[i].gen == s->gen;
}

X509 *pki_store_cert_from_der(struct pki_store *s, const uint8_t *der, size_t len)
{
	const EVP_MD *h = sha256();
	uint8_t key[32];
	X509 *x;

	if (!s || !h || !EVP_Digest(der, len, key, NULL, h, NULL))
		return pki_cert_from_der(der, len);
	for (size_t i = 0; s->parsed && i < PKI_CACHE_SIZE; i++)
		if (s->parsed[i].x && !memcmp(s->parsed[i].key, key, 32)) {
			X509_up_ref(s->parsed[i].x);
			return s->parsed[i].x;
		}
	if (!(x = pki_cert_from_der(der, len)))
		return NULL;
	if (!s->parsed && !(s->parsed = calloc(PKI_CACHE_SIZE, sizeof(*s->parsed))))
		return x;
	struct parsed_slot *slot = &s->parsed[s->parsed_next];

	s->parsed_next = (s->parsed_next + 1) % PKI_CACHE_SIZE;
	parsed_slot_clear(slot);
	memcpy(slot->key, key, 32);
	slot->x = x;
	X509_up_ref(x);
	return x;
}

const char *pki_store_cert_subject(struct pki_store *s, const X509 *x)
{
	struct parsed_slot *p = s ? parsed_find(s, x) : NULL;

	if (p && !p->subject)
		p->subject = pki_dn_line(X509_get_subject_name(x));
	return p ? p->subject : NULL;
}
