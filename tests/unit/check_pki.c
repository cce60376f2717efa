/* check_pki: the X.509 store, chain verification and its cache, and IKEv2 identities
 * against certificates (src/crypto/cert.c, cert_id.c). The PKI is made by pki_fixture.c
 * at test time with fixed dates; expected fingerprints, hashes and DER encodings are
 * computed here with OpenSSL directly, not taken from the module. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ipsecd/pki.h"
#include "pki_fixture.h"

static struct pki_fixture fx; /* built once in main, inherited by the forked tests */

static const char *fpath(const char *file)
{
	static char buf[4][256];
	static int next;

	next = (next + 1) % 4;
	return pki_fixture_path(&fx, file, buf[next], sizeof(buf[next]));
}

/* Imports and asserts success with no message. */
static void import_ok(struct pki_store *s, const char *file, const char *name, const char *pass)
{
	char msg[PKI_MSG_MAX];
	int r = pki_store_import(s, fpath(file), name, pass, 0, msg, sizeof(msg));

	ck_assert_msg(r == 0, "import %s: %d %s", file, r, msg);
	ck_assert_str_eq(msg, "");
}

static int import(struct pki_store *s, const char *file, const char *name, const char *pass,
		  char *msg)
{
	return pki_store_import(s, fpath(file), name, pass, 0, msg, PKI_MSG_MAX);
}

static void copy_file(const char *from, const char *to, mode_t mode)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	char buf[4096];
	size_t n;

	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
	fclose(in);
	ck_assert_int_eq(fclose(out), 0);
	ck_assert_int_eq(chmod(to, mode), 0);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void sha256_hex(const X509 *x, char out[65])
{
	uint8_t md[32];
	unsigned n = 0;

	ck_assert(X509_digest(x, EVP_sha256(), md, &n));
	ck_assert_uint_eq(n, 32);
	for (unsigned i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

/* RFC 7296 3.7: SHA-1 of the whole DER SubjectPublicKeyInfo. */
static void spki_sha1(const X509 *x, uint8_t out[20])
{
	unsigned char *der = NULL;
	int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);

	ck_assert_int_gt(len, 0);
	ck_assert(EVP_Digest(der, (size_t)len, out, NULL, EVP_sha1(), NULL));
	OPENSSL_free(der);
}

static size_t subject_der(const X509 *x, uint8_t *out, size_t max)
{
	unsigned char *der = NULL;
	int len = i2d_X509_NAME(X509_get_subject_name(x), &der);

	ck_assert_int_gt(len, 0);
	ck_assert_uint_le((size_t)len, max);
	memcpy(out, der, (size_t)len);
	OPENSSL_free(der);
	return (size_t)len;
}

static struct pki_store *store_with(const char *const *files)
{
	struct pki_store *s = pki_store_new();

	ck_assert_ptr_nonnull(s);
	for (size_t i = 0; files && files[i]; i++)
		import_ok(s, files[i], NULL, NULL);
	return s;
}

static STACK_OF(X509) *stack_of(X509 *a, X509 *b)
{
	STACK_OF(X509) *sk = sk_X509_new_null();

	ck_assert_ptr_nonnull(sk);
	ck_assert(sk_X509_push(sk, a));
	if (b)
		ck_assert(sk_X509_push(sk, b));
	return sk;
}

static int verify(struct pki_store *s, X509 *leaf, STACK_OF(X509) *more, time_t now, char *why)
{
	return pki_verify(s, leaf, more, now, why, PKI_MSG_MAX);
}

/* --- importing --- */

START_TEST(test_import_pem_cert)
{
	struct pki_store *s = pki_store_new();
	uint64_t gen = pki_store_generation(s);
	const struct pki_entry *e;
	char fp[65];

	import_ok(s, "ca.pem", "root", NULL);
	ck_assert_uint_gt(pki_store_generation(s), gen);
	ck_assert_uint_eq(pki_store_count(s), 1);
	e = pki_store_find(s, "root");
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_eq(pki_store_entry(s, 0), e);
	ck_assert_ptr_null(pki_store_entry(s, 1));
	ck_assert(e->ca);
	ck_assert(e->trusted);
	ck_assert(!e->crl);
	ck_assert(!e->revoked);
	ck_assert_ptr_null(e->key);
	ck_assert_str_eq(e->subject, "CN=Test CA, O=test");
	ck_assert_str_eq(e->issuer, "CN=Test CA, O=test");
	ck_assert_str_eq(e->common_name, "Test CA");
	sha256_hex(fx.ca, fp);
	ck_assert_str_eq(e->fingerprint, fp);
	ck_assert_int_eq(e->not_before, T_2020);
	ck_assert_int_eq(e->not_after, T_2040);
	ck_assert(!pki_entry_expired(e, T_NOW));
	ck_assert(pki_entry_expired(e, T_2040 + 1));
	ck_assert_int_eq(X509_cmp(e->cert, fx.ca), 0);
	pki_store_free(s);
}
END_TEST

START_TEST(test_import_der_cert)
{
	struct pki_store *s = pki_store_new();
	const struct pki_entry *e;
	char fp[65];

	import_ok(s, "moon.der", NULL, NULL); /* named after the file */
	e = pki_store_find(s, "moon");
	ck_assert_ptr_nonnull(e);
	sha256_hex(fx.moon, fp);
	ck_assert_str_eq(e->fingerprint, fp);
	ck_assert(!e->ca);
	ck_assert(!e->trusted);
	ck_assert_str_eq(e->subject, "CN=moon, O=test");
	ck_assert_str_eq(e->issuer, "CN=Test CA, O=test");
	ck_assert_int_eq(e->not_after, T_2030);
	pki_store_free(s);
}
END_TEST

/* key files in each form, each attached to the certificate with the same public key */
static const struct {
	const char *cert, *key, *entry, *pass;
	EVP_PKEY **want;
} key_cases[] = {
	{"moon.pem", "moon.key", "moon", NULL, &fx.moon_key},		   /* PKCS#8 PEM */
	{"moon.der", "moon-key.der", "moon", NULL, &fx.moon_key},	   /* PKCS#8 DER */
	{"moon.pem", "moon-trad.key", "moon", PKI_FIX_PASS, &fx.moon_key}, /* Proc-Type */
	{"sun.pem", "sun-p8.key", "sun", PKI_FIX_PASS, &fx.sun_key},	   /* encrypted PKCS#8 */
	{"sun.pem", "sun-p8.der", "sun", PKI_FIX_PASS, &fx.sun_key},	   /* the same in DER */
};

START_TEST(test_import_key)
{
	struct pki_store *s = pki_store_new();
	const struct pki_entry *e;
	uint64_t gen;

	import_ok(s, key_cases[_i].cert, NULL, NULL);
	gen = pki_store_generation(s);
	import_ok(s, key_cases[_i].key, "ignored", key_cases[_i].pass);
	ck_assert_uint_gt(pki_store_generation(s), gen);
	ck_assert_uint_eq(pki_store_count(s), 1); /* a key is no entry of its own */
	e = pki_store_find(s, key_cases[_i].entry);
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_nonnull(e->key);
	ck_assert_int_eq(EVP_PKEY_eq(e->key, *key_cases[_i].want), 1);
	pki_store_free(s);
}
END_TEST

static const char *const encrypted[] = {"moon-trad.key", "sun-p8.key", "sun-p8.der", "carol.p12"};

START_TEST(test_import_wrong_passphrase)
{
	struct pki_store *s = pki_store_new();
	char msg[PKI_MSG_MAX], want[300];
	uint64_t gen;

	import_ok(s, "moon.pem", NULL, NULL);
	import_ok(s, "sun.pem", NULL, NULL);
	gen = pki_store_generation(s);
	ck_assert_int_eq(import(s, encrypted[_i], NULL, "wrong", msg), -EKEYREJECTED);
	snprintf(want, sizeof(want), "%s: wrong passphrase", fpath(encrypted[_i]));
	ck_assert_str_eq(msg, want);
	ck_assert_int_eq(import(s, encrypted[_i], NULL, NULL, msg), -EKEYREJECTED);
	snprintf(want, sizeof(want), "%s: encrypted; a passphrase is needed", fpath(encrypted[_i]));
	ck_assert_str_eq(msg, want);
	/* nothing changed */
	ck_assert_uint_eq(pki_store_generation(s), gen);
	ck_assert_uint_eq(pki_store_count(s), 2);
	ck_assert_ptr_null(pki_store_find(s, "moon")->key);
	ck_assert_ptr_null(pki_store_find(s, "sun")->key);
	pki_store_free(s);
}
END_TEST

START_TEST(test_import_p12)
{
	struct pki_store *s = pki_store_new();
	const struct pki_entry *e;

	import_ok(s, _i ? "carol-nopass.p12" : "carol.p12", "carol", _i ? NULL : PKI_FIX_PASS);
	ck_assert_uint_eq(pki_store_count(s), 2);
	e = pki_store_find(s, "carol"); /* the certificate with the key takes the name */
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(X509_cmp(e->cert, fx.carol), 0);
	ck_assert_ptr_nonnull(e->key);
	ck_assert_int_eq(EVP_PKEY_eq(e->key, fx.carol_key), 1);
	ck_assert(!e->ca);
	e = pki_store_find(s, "carol_1"); /* the CA chain */
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(X509_cmp(e->cert, fx.ca), 0);
	ck_assert(e->ca);
	ck_assert(e->trusted);
	ck_assert_ptr_null(e->key);
	pki_store_free(s);
}
END_TEST

START_TEST(test_import_bundle)
{
	struct pki_store *s = pki_store_new();
	const struct pki_entry *e;

	/* CA first in the file, then moon and its key: moon takes the name */
	import_ok(s, "moon-full.pem", "gw", NULL);
	ck_assert_uint_eq(pki_store_count(s), 2);
	e = pki_store_find(s, "gw");
	ck_assert_int_eq(X509_cmp(e->cert, fx.moon), 0);
	ck_assert_int_eq(EVP_PKEY_eq(e->key, fx.moon_key), 1);
	e = pki_store_find(s, "gw_1");
	ck_assert_int_eq(X509_cmp(e->cert, fx.ca), 0);
	ck_assert(e->trusted);
	pki_store_free(s);
}
END_TEST

START_TEST(test_import_key_without_cert)
{
	struct pki_store *s = pki_store_new();
	char msg[PKI_MSG_MAX], want[300];

	import_ok(s, "sun.pem", NULL, NULL);
	ck_assert_int_eq(import(s, "moon.key", NULL, NULL, msg), -ENOKEY);
	snprintf(want, sizeof(want),
		 "%s: no certificate matches the private key; import the certificate first",
		 fpath("moon.key"));
	ck_assert_str_eq(msg, want);
	ck_assert_ptr_null(pki_store_find(s, "sun")->key);
	pki_store_free(s);
}
END_TEST

START_TEST(test_import_bad_files)
{
	struct pki_store *s = pki_store_new();
	char msg[PKI_MSG_MAX], want[300], path[256];

	ck_assert_int_eq(import(s, "garbage.bin", NULL, NULL, msg), -EINVAL);
	snprintf(want, sizeof(want), "%s: not a certificate, CRL, private key or PKCS#12 file",
		 fpath("garbage.bin"));
	ck_assert_str_eq(msg, want);
	ck_assert_int_eq(import(s, "nonexistent.pem", NULL, NULL, msg), -ENOENT);
	ck_assert_ptr_nonnull(strstr(msg, "nonexistent.pem: No such file"));
	ck_assert_int_eq(pki_store_import(s, fx.dir, NULL, NULL, 0, msg, sizeof(msg)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(msg, "not a regular file"));
	/* a FIFO is refused, not waited on for a writer (the daemon's loop would stop) */
	snprintf(path, sizeof(path), "%s/fifo.pem", fx.dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	alarm(10);
	ck_assert_int_eq(pki_store_import(s, path, NULL, NULL, 0, msg, sizeof(msg)), -EINVAL);
	alarm(0);
	ck_assert_ptr_nonnull(strstr(msg, "fifo.pem: not a regular file"));
	unlink(path);
	snprintf(path, sizeof(path), "%s/empty.pem", fx.dir);
	write_text(path, "");
	ck_assert_int_eq(pki_store_import(s, path, NULL, NULL, 0, msg, sizeof(msg)), -EINVAL);
	snprintf(path, sizeof(path), "%s/broken.pem", fx.dir);
	write_text(path, "-----BEGIN CERTIFICATE-----\nnot base64 !!\n-----END CERTIFICATE-----\n");
	ck_assert_int_eq(pki_store_import(s, path, NULL, NULL, 0, msg, sizeof(msg)), -EINVAL);
	snprintf(path, sizeof(path), "%s/nothing.pem", fx.dir);
	write_text(path, "-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n");
	ck_assert_int_eq(pki_store_import(s, path, NULL, NULL, 0, msg, sizeof(msg)), -EINVAL);
	snprintf(want, sizeof(want), "%s: no certificate, CRL or private key", path);
	ck_assert_str_eq(msg, want);
	ck_assert_uint_eq(pki_store_count(s), 0);
	ck_assert_uint_eq(pki_store_generation(s), 1);
	pki_store_free(s);
}
END_TEST

START_TEST(test_key_mode_refused)
{
	struct pki_store *s = pki_store_new();
	char msg[PKI_MSG_MAX], want[400], path[256];

	snprintf(path, sizeof(path), "%s/open-%d.key", fx.dir, _i);
	copy_file(fpath("moon.key"), path, _i ? 0640 : 0644);
	import_ok(s, "moon.pem", NULL, NULL);
	ck_assert_int_eq(pki_store_import(s, path, NULL, NULL, 0, msg, sizeof(msg)), -EACCES);
	snprintf(want, sizeof(want),
		 "%s holds a private key but has mode %s: it must not be accessible by group "
		 "or others (chmod 600)",
		 path, _i ? "0640" : "0644");
	ck_assert_str_eq(msg, want);
	ck_assert_ptr_null(pki_store_find(s, "moon")->key);
	/* warn-only: imported, and told */
	ck_assert_int_eq(
		pki_store_import(s, path, NULL, NULL, PKI_IMPORT_WARN_ONLY, msg, sizeof(msg)), 0);
	snprintf(want, sizeof(want), "%s holds a private key but has mode %s (chmod 600)", path,
		 _i ? "0640" : "0644");
	ck_assert_str_eq(msg, want);
	ck_assert_ptr_nonnull(pki_store_find(s, "moon")->key);
	pki_store_free(s);
}
END_TEST

START_TEST(test_cert_mode_free)
{
	struct pki_store *s = pki_store_new();
	char path[256];

	/* a certificate alone may be world-readable; a PKCS#12 with a key may not */
	snprintf(path, sizeof(path), "%s/public.pem", fx.dir);
	copy_file(fpath("ca.pem"), path, 0644);
	ck_assert_int_eq(pki_store_import(s, path, NULL, NULL, 0, NULL, 0), 0);
	snprintf(path, sizeof(path), "%s/open.p12", fx.dir);
	copy_file(fpath("carol.p12"), path, 0604);
	ck_assert_int_eq(pki_store_import(s, path, NULL, PKI_FIX_PASS, 0, NULL, 0), -EACCES);
	ck_assert_uint_eq(pki_store_count(s), 1);
	pki_store_free(s);
}
END_TEST

START_TEST(test_replace_and_duplicates)
{
	struct pki_store *s = pki_store_new();
	uint64_t gen;

	import_ok(s, "moon.pem", "x", NULL);
	import_ok(s, "moon.key", NULL, NULL);
	/* the same certificate again, even under another name: kept as it is, key and all */
	import_ok(s, "moon.der", "y", NULL);
	ck_assert_uint_eq(pki_store_count(s), 1);
	ck_assert_ptr_nonnull(pki_store_find(s, "x")->key);
	ck_assert_ptr_null(pki_store_find(s, "y"));
	/* another certificate under a name in use replaces it */
	gen = pki_store_generation(s);
	import_ok(s, "sun.pem", "x", NULL);
	ck_assert_uint_gt(pki_store_generation(s), gen);
	ck_assert_uint_eq(pki_store_count(s), 1);
	ck_assert_int_eq(X509_cmp(pki_store_find(s, "x")->cert, fx.sun), 0);
	ck_assert_ptr_null(pki_store_find(s, "x")->key);
	pki_store_free(s);
}
END_TEST

START_TEST(test_renewal_keeps_key)
{
	struct pki_store *s = pki_store_new();
	X509 *old = pki_fixture_leaf(&fx, 500), *renewed = pki_fixture_leaf(&fx, 501);
	char cert[256], key[256];
	BIO *b;

	ck_assert_ptr_nonnull(old);
	ck_assert_ptr_nonnull(renewed);
	snprintf(key, sizeof(key), "%s/leaf.key", fx.dir);
	b = BIO_new_file(key, "w");
	ck_assert(PEM_write_bio_PrivateKey(b, fx.stranger_key, NULL, NULL, 0, NULL, NULL));
	BIO_free(b);
	ck_assert_int_eq(chmod(key, 0600), 0);
	snprintf(cert, sizeof(cert), "%s/leaf-old.pem", fx.dir);
	b = BIO_new_file(cert, "w");
	ck_assert(PEM_write_bio_X509(b, old));
	BIO_free(b);
	ck_assert_int_eq(pki_store_import(s, cert, "leaf", NULL, 0, NULL, 0), 0);
	ck_assert_int_eq(pki_store_import(s, key, NULL, NULL, 0, NULL, 0), 0);
	/* the same name, a new certificate for the same key: the key stays */
	snprintf(cert, sizeof(cert), "%s/leaf-new.pem", fx.dir);
	b = BIO_new_file(cert, "w");
	ck_assert(PEM_write_bio_X509(b, renewed));
	BIO_free(b);
	ck_assert_int_eq(pki_store_import(s, cert, "leaf", NULL, 0, NULL, 0), 0);
	ck_assert_uint_eq(pki_store_count(s), 1);
	ck_assert_int_eq(X509_cmp(pki_store_find(s, "leaf")->cert, renewed), 0);
	ck_assert_int_eq(EVP_PKEY_eq(pki_store_find(s, "leaf")->key, fx.stranger_key), 1);
	X509_free(old);
	X509_free(renewed);
	pki_store_free(s);
}
END_TEST

START_TEST(test_remove_and_trust)
{
	const char *const files[] = {"ca.pem", "moon.pem", "crl.pem", NULL};
	struct pki_store *s = store_with(files);
	uint64_t gen = pki_store_generation(s);

	ck_assert_int_eq(pki_store_set_trusted(s, "moon", true), -EINVAL); /* not a CA */
	ck_assert_int_eq(pki_store_set_trusted(s, "nope", false), -ENOENT);
	ck_assert_int_eq(pki_store_set_trusted(s, "ca", false), 0);
	ck_assert(!pki_store_find(s, "ca")->trusted);
	ck_assert_uint_gt(pki_store_generation(s), gen);
	gen = pki_store_generation(s);
	ck_assert_int_eq(pki_store_remove(s, "crl"), 0);
	ck_assert_uint_eq(pki_store_crl_count(s), 0);
	ck_assert_uint_gt(pki_store_generation(s), gen);
	ck_assert(!pki_store_find(s, "ca")->crl);
	ck_assert_int_eq(pki_store_remove(s, "ca"), 0);
	ck_assert_int_eq(pki_store_remove(s, "ca"), -ENOENT);
	ck_assert_uint_eq(pki_store_count(s), 1);
	ck_assert_str_eq(pki_store_entry(s, 0)->name, "moon");
	pki_store_free(s);
}
END_TEST

/* Each entry's DER is its certificate's, and its issuer in the store is found whatever
 * the order of the imports, and found again when the store changes. */
START_TEST(test_issuers)
{
	const char *const files[] = {"sun.pem", "inter.pem", "ca.pem", NULL};
	struct pki_store *s = store_with(files);
	const struct pki_entry *sun = pki_store_find(s, "sun"), *inter = pki_store_find(s, "inter"),
			       *ca = pki_store_find(s, "ca");
	unsigned char *der = NULL;
	int len = i2d_X509(fx.sun, &der);

	ck_assert_int_gt(len, 0);
	ck_assert_uint_eq(sun->der_len, (size_t)len);
	ck_assert_mem_eq(sun->der, der, (size_t)len);
	OPENSSL_free(der);
	ck_assert_ptr_eq(sun->issued_by, inter);
	ck_assert_ptr_eq(inter->issued_by, ca);
	ck_assert_ptr_null(ca->issued_by); /* self-signed: not its own issuer */
	ck_assert_int_eq(pki_store_remove(s, "inter"), 0);
	ck_assert_ptr_null(pki_store_find(s, "sun")->issued_by);
	import_ok(s, "inter.pem", NULL, NULL);
	ck_assert_ptr_eq(pki_store_find(s, "sun")->issued_by, pki_store_find(s, "inter"));
	pki_store_free(s);
}
END_TEST

/* --- CRLs --- */

START_TEST(test_import_crl)
{
	const char *const files[] = {"ca.pem", "revoked.pem", "moon.pem", NULL};
	struct pki_store *s = store_with(files);
	const struct pki_crl *c;
	uint64_t gen = pki_store_generation(s);
	char msg[PKI_MSG_MAX];

	ck_assert(!pki_store_find(s, "revoked")->revoked);
	import_ok(s, _i ? "crl.der" : "crl.pem", NULL, NULL);
	ck_assert_uint_gt(pki_store_generation(s), gen);
	ck_assert_uint_eq(pki_store_crl_count(s), 1);
	c = pki_store_crl(s, 0);
	ck_assert_str_eq(c->name, "crl");
	ck_assert_str_eq(c->issuer, "CN=Test CA, O=test");
	ck_assert_int_eq(c->this_update, T_2026);
	ck_assert_int_eq(c->next_update, T_2027);
	ck_assert_ptr_null(pki_store_crl(s, 1));
	ck_assert(pki_store_find(s, "ca")->crl);
	ck_assert(!pki_store_find(s, "moon")->crl);
	ck_assert(pki_store_find(s, "revoked")->revoked);
	ck_assert(!pki_store_find(s, "moon")->revoked);
	/* the newer CRL replaces it; the older one then does not come back */
	import_ok(s, "crl2.pem", NULL, NULL);
	ck_assert_uint_eq(pki_store_crl_count(s), 1);
	ck_assert_str_eq(pki_store_crl(s, 0)->name, "crl2");
	ck_assert(pki_store_find(s, "moon")->revoked);
	ck_assert_int_eq(import(s, "crl.pem", NULL, NULL, msg), 0);
	ck_assert_str_eq(msg, "kept the newer CRL crl2 of CN=Test CA, O=test");
	ck_assert_str_eq(pki_store_crl(s, 0)->name, "crl2");
	pki_store_free(s);
}
END_TEST

START_TEST(test_import_crl_bad_signature)
{
	const char *const files[] = {"ca.pem", NULL};
	struct pki_store *s = store_with(files);
	X509_CRL *forged = X509_CRL_dup(fx.crl);
	char path[256], msg[PKI_MSG_MAX], want[400];
	BIO *b;

	/* the CA's name, the other CA's signature */
	ck_assert_ptr_nonnull(forged);
	ck_assert_int_gt(X509_CRL_sign(forged, fx.other_key, EVP_sha256()), 0);
	snprintf(path, sizeof(path), "%s/forged.crl", fx.dir);
	b = BIO_new_file(path, "w");
	ck_assert(PEM_write_bio_X509_CRL(b, forged));
	BIO_free(b);
	X509_CRL_free(forged);
	ck_assert_int_eq(pki_store_import(s, path, NULL, NULL, 0, msg, sizeof(msg)), -EBADMSG);
	snprintf(want, sizeof(want), "%s: CRL of CN=Test CA, O=test: signature does not verify",
		 path);
	ck_assert_str_eq(msg, want);
	ck_assert_uint_eq(pki_store_crl_count(s), 0);
	pki_store_free(s);
}
END_TEST

/* --- directories --- */

struct reports {
	int n;
	char path[4][256];
	int err[4];
};

static void on_report(void *arg, const char *path, int err, const char *msg)
{
	struct reports *r = arg;

	ck_assert_ptr_nonnull(msg);
	ck_assert_int_lt(r->n, 4);
	snprintf(r->path[r->n], sizeof(r->path[0]), "%s", path);
	r->err[r->n++] = err;
}

START_TEST(test_load_dir)
{
	struct pki_store *s = pki_store_new();
	struct reports rep = {0};
	char dir[256], p[300];

	snprintf(dir, sizeof(dir), "%s/certs", fx.dir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	/* moon.key sorts before moon.pem: it must wait for its certificate */
	const char *const files[] = {"ca.pem", "inter.pem", "moon.key", "moon.pem", "crl.pem"};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		copy_file(fpath(files[i]), p, 0600);
	}
	snprintf(p, sizeof(p), "%s/README", dir);
	write_text(p, "certificates go here\n");
	snprintf(p, sizeof(p), "%s/.hidden.pem", dir);
	write_text(p, "ignored\n");
	snprintf(p, sizeof(p), "%s/sub", dir);
	ck_assert_int_eq(mkdir(p, 0700), 0);

	ck_assert_int_eq(pki_store_load_dir(s, dir, 0, on_report, &rep), 5);
	ck_assert_int_eq(rep.n, 1);
	snprintf(p, sizeof(p), "%s/README", dir);
	ck_assert_str_eq(rep.path[0], p);
	ck_assert_int_eq(rep.err[0], -EINVAL);
	ck_assert_uint_eq(pki_store_count(s), 3);
	ck_assert(pki_store_find(s, "ca")->trusted);
	ck_assert(pki_store_find(s, "ca")->crl);
	ck_assert(pki_store_find(s, "inter")->trusted);
	ck_assert_ptr_nonnull(pki_store_find(s, "moon")->key);
	ck_assert_uint_eq(pki_store_crl_count(s), 1);
	/* a missing directory is no error */
	snprintf(p, sizeof(p), "%s/absent", fx.dir);
	ck_assert_int_eq(pki_store_load_dir(s, p, 0, on_report, &rep), 0);
	ck_assert_int_eq(rep.n, 1);
	pki_store_free(s);
}
END_TEST

/* --- lookups --- */

START_TEST(test_ca_hashes)
{
	const char *const files[] = {"ca.pem", "moon.pem", "inter.pem", NULL};
	struct pki_store *s = store_with(files);
	uint8_t want_ca[20], want_inter[20], got[3 * 20], zero[20] = {0};

	spki_sha1(fx.ca, want_ca);
	spki_sha1(fx.inter, want_inter);
	ck_assert_uint_eq(pki_store_ca_hashes(s, got, 3), 2); /* moon is no trust anchor */
	ck_assert_mem_eq(got, want_ca, 20);
	ck_assert_mem_eq(got + 20, want_inter, 20);
	ck_assert_str_eq(pki_store_find_ca_hash(s, want_ca)->name, "ca");
	ck_assert_str_eq(pki_store_find_ca_hash(s, want_inter)->name, "inter");
	ck_assert_ptr_null(pki_store_find_ca_hash(s, zero));
	/* room for one: the count still says two */
	memset(got, 0, sizeof(got));
	ck_assert_uint_eq(pki_store_ca_hashes(s, got, 1), 2);
	ck_assert_mem_eq(got, want_ca, 20);
	ck_assert_mem_eq(got + 20, zero, 20);
	/* no longer trusted: neither listed nor found */
	ck_assert_int_eq(pki_store_set_trusted(s, "inter", false), 0);
	ck_assert_uint_eq(pki_store_ca_hashes(s, got, 3), 1);
	ck_assert_ptr_null(pki_store_find_ca_hash(s, want_inter));
	pki_store_free(s);
}
END_TEST

START_TEST(test_find_subject)
{
	const char *const files[] = {"ca.pem", "moon.pem", "sun.pem", NULL};
	struct pki_store *s = store_with(files);
	uint8_t der[512];
	size_t len = sizeof(der);
	uint8_t type;

	len = subject_der(fx.moon, der, sizeof(der));
	ck_assert_str_eq(pki_store_find_subject(s, der, len)->name, "moon");
	ck_assert_ptr_null(pki_store_find_subject(s, der, len - 1));
	/* canonical comparison: case and the string type do not matter */
	len = sizeof(der);
	ck_assert_int_eq(pki_id_parse("dn", "cn=MOON, o=Test", &type, der, &len), 0);
	ck_assert_str_eq(pki_store_find_subject(s, der, len)->name, "moon");
	len = sizeof(der);
	ck_assert_int_eq(pki_id_parse("dn", "CN=Test CA, O=test", &type, der, &len), 0);
	ck_assert_str_eq(pki_store_find_subject(s, der, len)->name, "ca");
	len = sizeof(der);
	ck_assert_int_eq(pki_id_parse("dn", "CN=mars, O=test", &type, der, &len), 0);
	ck_assert_ptr_null(pki_store_find_subject(s, der, len));
	pki_store_free(s);
}
END_TEST

START_TEST(test_cert_from_der)
{
	unsigned char *der = NULL;
	int len = i2d_X509(fx.moon, &der);
	uint8_t *longer = malloc((size_t)len + 1);
	X509 *x;

	ck_assert_int_gt(len, 0);
	x = pki_cert_from_der(der, (size_t)len);
	ck_assert_ptr_nonnull(x);
	ck_assert_int_eq(X509_cmp(x, fx.moon), 0);
	X509_free(x);
	ck_assert_ptr_null(pki_cert_from_der(der, (size_t)len - 1));
	memcpy(longer, der, (size_t)len);
	longer[len] = 0;
	ck_assert_ptr_null(pki_cert_from_der(longer, (size_t)len + 1));
	ck_assert_ptr_null(pki_cert_from_der(der, 0));
	free(longer);
	OPENSSL_free(der);
}
END_TEST

/* --- verification --- */

START_TEST(test_verify_direct)
{
	const char *const files[] = {"ca.pem", NULL};
	struct pki_store *s = store_with(files);
	char why[PKI_MSG_MAX] = "x";

	ck_assert_int_eq(verify(s, fx.moon, NULL, T_NOW, why), 0); /* RSA by RSA */
	ck_assert_str_eq(why, "");
	ck_assert_int_eq(verify(s, fx.carol, NULL, T_NOW, why), 0); /* Ed25519 */
	ck_assert_int_eq(verify(s, fx.inter, NULL, T_NOW, why), 0);
	pki_store_free(s);
}
END_TEST

START_TEST(test_verify_bad_signature)
{
	const char *const files[] = {"ca.pem", NULL};
	struct pki_store *s = store_with(files);
	unsigned char *der = NULL;
	int len = i2d_X509(fx.moon, &der);
	X509 *bad;
	char why[PKI_MSG_MAX];

	/* the signature is the last field: flip its last bit */
	ck_assert_int_gt(len, 0);
	der[len - 1] ^= 1;
	bad = pki_cert_from_der(der, (size_t)len);
	ck_assert_ptr_nonnull(bad);
	ck_assert_int_eq(verify(s, bad, NULL, T_NOW, why), -EPERM);
	ck_assert_str_eq(why, "certificate CN=moon, O=test: signature does not verify with CN=Test "
			      "CA, O=test");
	ck_assert_int_eq(verify(s, fx.moon, NULL, T_NOW, why), 0);
	X509_free(bad);
	OPENSSL_free(der);
	pki_store_free(s);
}
END_TEST

START_TEST(test_verify_intermediate_sent)
{
	const char *const files[] = {"ca.pem", NULL};
	struct pki_store *s = store_with(files);
	STACK_OF(X509) *sent = stack_of(fx.inter, NULL);
	char why[PKI_MSG_MAX];

	ck_assert_int_eq(verify(s, fx.sun, sent, T_NOW, why), 0); /* ECDSA by ECDSA by RSA */
	ck_assert_int_eq(verify(s, fx.sun, NULL, T_NOW, why), -EPERM);
	ck_assert_str_eq(why,
			 "certificate CN=sun, O=test: issuer CN=Test Intermediate, O=test is not "
			 "trusted");
	sk_X509_free(sent);
	pki_store_free(s);
}
END_TEST

START_TEST(test_verify_intermediate_stored)
{
	const char *const files[] = {"ca.pem", "inter.pem", NULL};
	struct pki_store *s = store_with(files);
	char why[PKI_MSG_MAX];

	ck_assert_int_eq(verify(s, fx.sun, NULL, T_NOW, why), 0);
	/* not an anchor any more, yet still an intermediate up to the CA */
	ck_assert_int_eq(pki_store_set_trusted(s, "inter", false), 0);
	ck_assert_int_eq(verify(s, fx.sun, NULL, T_NOW, why), 0);
	ck_assert_int_eq(pki_store_remove(s, "ca"), 0);
	ck_assert_int_eq(verify(s, fx.sun, NULL, T_NOW, why), -EPERM);
	ck_assert_str_eq(why, "certificate CN=Test Intermediate, O=test: issuer CN=Test CA, "
			      "O=test is not trusted");
	/* the intermediate alone as the anchor (a partial chain) */
	ck_assert_int_eq(pki_store_set_trusted(s, "inter", true), 0);
	ck_assert_int_eq(verify(s, fx.sun, NULL, T_NOW, why), 0);
	pki_store_free(s);
}
END_TEST

START_TEST(test_verify_unknown_ca)
{
	const char *const files[] = {"ca.pem", "other-ca.pem", NULL};
	struct pki_store *s = store_with(files);
	STACK_OF(X509) *sent = stack_of(fx.other_ca, NULL);
	char why[PKI_MSG_MAX];

	ck_assert_int_eq(pki_store_remove(s, "other-ca"), 0);
	ck_assert_int_eq(verify(s, fx.stranger, NULL, T_NOW, why), -EPERM);
	ck_assert_str_eq(why,
			 "certificate CN=stranger, O=other: issuer CN=Other CA, O=other is not "
			 "trusted");
	/* the peer sending its own root does not help */
	ck_assert_int_eq(verify(s, fx.stranger, sent, T_NOW, why), -EPERM);
	ck_assert_str_eq(why, "certificate CN=Other CA, O=other: self-signed and not trusted");
	/* an empty store trusts nobody */
	struct pki_store *empty = pki_store_new();

	ck_assert_int_eq(verify(empty, fx.moon, NULL, T_NOW, why), -EPERM);
	ck_assert_str_eq(why, "certificate CN=moon, O=test: issuer CN=Test CA, O=test is not "
			      "trusted");
	pki_store_free(empty);
	sk_X509_free(sent);
	pki_store_free(s);
}
END_TEST

START_TEST(test_verify_times)
{
	const char *const files[] = {"ca.pem", NULL};
	struct pki_store *s = store_with(files);
	char why[PKI_MSG_MAX];

	ck_assert_int_eq(verify(s, fx.expired, NULL, T_NOW, why), -EPERM);
	ck_assert_str_eq(why, "certificate CN=old, O=test: expired on 2026-01-01 00:00:00 UTC");
	ck_assert_int_eq(verify(s, fx.expired, NULL, T_2026 - 1, why), 0);
	ck_assert_int_eq(verify(s, fx.moon, NULL, T_2024 - 1, why), -EPERM);
	ck_assert_str_eq(why,
			 "certificate CN=moon, O=test: not valid before 2024-01-01 00:00:00 UTC");
	pki_store_free(s);
}
END_TEST

START_TEST(test_verify_revoked)
{
	const char *const files[] = {"ca.pem", "crl.pem", NULL};
	struct pki_store *s = store_with(files);
	char why[PKI_MSG_MAX];

	ck_assert_int_eq(verify(s, fx.revoked, NULL, T_NOW, why), -EPERM);
	ck_assert_str_eq(why, "certificate CN=venus.example.org, O=test: revoked (CRL of CN=Test "
			      "CA, O=test)");
	ck_assert_int_eq(verify(s, fx.moon, NULL, T_NOW, why), 0);
	ck_assert_int_eq(verify(s, fx.carol, NULL, T_NOW, why), 0);
	pki_store_free(s);
}
END_TEST

START_TEST(test_verify_crl_policy)
{
	const char *const files[] = {"ca.pem", "inter.pem", "crl.pem", NULL};
	struct pki_store *s = store_with(files);
	char why[PKI_MSG_MAX];

	/* the intermediate has no CRL loaded: its leaf is not failed for that */
	ck_assert_int_eq(verify(s, fx.sun, NULL, T_NOW, why), 0);
	/* past the CRL's nextUpdate: what it lists is still revoked, the rest still valid */
	ck_assert_int_eq(verify(s, fx.moon, NULL, T_2028, why), 0);
	ck_assert_int_eq(verify(s, fx.revoked, NULL, T_2028, why), -EPERM);
	ck_assert_str_eq(why, "certificate CN=venus.example.org, O=test: revoked (CRL of CN=Test "
			      "CA, O=test)");
	pki_store_free(s);
}
END_TEST

static void write_crl(const char *path, X509_CRL *crl)
{
	BIO *b = BIO_new_file(path, "w");

	ck_assert_ptr_nonnull(b);
	ck_assert(PEM_write_bio_X509_CRL(b, crl));
	BIO_free(b);
}

START_TEST(test_verify_revoked_intermediate)
{
	const char *const files[] = {"ca.pem", "inter.pem", NULL};
	struct pki_store *s = store_with(files);
	static const long serial[] = {2}; /* inter */
	X509_CRL *crl = pki_fixture_crl(&fx, T_2026, serial, 1);
	char path[256], why[PKI_MSG_MAX];

	ck_assert_ptr_nonnull(crl);
	snprintf(path, sizeof(path), "%s/inter-revoked.crl", fx.dir);
	write_crl(path, crl);
	X509_CRL_free(crl);
	ck_assert_int_eq(verify(s, fx.sun, NULL, T_NOW, why), 0);
	ck_assert_int_eq(pki_store_import(s, path, NULL, NULL, 0, NULL, 0), 0);
	ck_assert(pki_store_find(s, "inter")->revoked);
	/* inter is a trust anchor too, yet the chain goes up to the root and its CRL */
	ck_assert_int_eq(verify(s, fx.sun, NULL, T_NOW, why), -EPERM);
	ck_assert_str_eq(why, "certificate CN=Test Intermediate, O=test: revoked (CRL of CN=Test "
			      "CA, O=test)");
	/* without the root, inter anchors a partial chain: the root's CRL cannot be checked
	 * any more, but what it lists stays revoked */
	ck_assert_int_eq(pki_store_remove(s, "ca"), 0);
	ck_assert_int_eq(verify(s, fx.sun, NULL, T_NOW, why), -EPERM);
	ck_assert_str_eq(why, "certificate CN=Test Intermediate, O=test: revoked (CRL of CN=Test "
			      "CA, O=test)");
	ck_assert_int_eq(pki_store_remove(s, "inter-revoked"), 0);
	import_ok(s, "crl.pem", NULL, NULL);
	ck_assert_int_eq(verify(s, fx.sun, NULL, T_NOW, why), 0);
	pki_store_free(s);
}
END_TEST

START_TEST(test_verify_crl_signature)
{
	struct pki_store *s = pki_store_new();
	X509_CRL *forged = X509_CRL_dup(fx.crl);
	char path[256], why[PKI_MSG_MAX];

	/* a CRL imported before its CA cannot be checked then; the chain checks it */
	ck_assert_ptr_nonnull(forged);
	ck_assert_int_gt(X509_CRL_sign(forged, fx.other_key, EVP_sha256()), 0);
	snprintf(path, sizeof(path), "%s/forged-early.crl", fx.dir);
	write_crl(path, forged);
	X509_CRL_free(forged);
	ck_assert_int_eq(pki_store_import(s, path, NULL, NULL, 0, NULL, 0), 0);
	import_ok(s, "ca.pem", NULL, NULL);
	import_ok(s, "inter.pem", NULL, NULL);
	ck_assert_int_eq(verify(s, fx.sun, NULL, T_NOW, why), -EPERM);
	ck_assert_str_eq(why, "certificate CN=Test Intermediate, O=test: the CRL of CN=Test CA, "
			      "O=test does not verify");
	ck_assert_int_eq(verify(s, fx.moon, NULL, T_NOW, why), -EPERM);
	ck_assert_str_eq(why, "certificate CN=moon, O=test: the CRL of CN=Test CA, O=test does not "
			      "verify");
	pki_store_free(s);
}
END_TEST

/* --- the cache --- */

static void stats_are(const struct pki_store *s, uint64_t hits, uint64_t misses)
{
	struct pki_cache_stats st;

	pki_store_cache_stats(s, &st);
	ck_assert_uint_eq(st.hits, hits);
	ck_assert_uint_eq(st.misses, misses);
}

START_TEST(test_cache_hit)
{
	const char *const files[] = {"ca.pem", "crl.pem", NULL};
	struct pki_store *s = store_with(files);
	struct pki_cache_stats st;
	char why[PKI_MSG_MAX];

	ck_assert_int_eq(verify(s, fx.moon, NULL, T_NOW, why), 0);
	stats_are(s, 0, 1);
	ck_assert_int_eq(verify(s, fx.moon, NULL, T_NOW + 3600, why), 0);
	stats_are(s, 1, 1);
	/* a refusal that time cannot change is kept too, reason and all */
	ck_assert_int_eq(verify(s, fx.revoked, NULL, T_NOW, why), -EPERM);
	stats_are(s, 1, 2);
	strcpy(why, "stale");
	ck_assert_int_eq(verify(s, fx.revoked, NULL, T_NOW, why), -EPERM);
	stats_are(s, 2, 2);
	ck_assert_str_eq(why, "certificate CN=venus.example.org, O=test: revoked (CRL of CN=Test "
			      "CA, O=test)");
	/* expiry is not cached: the clock may be set back */
	ck_assert_int_eq(verify(s, fx.expired, NULL, T_NOW, why), -EPERM);
	ck_assert_int_eq(verify(s, fx.expired, NULL, T_NOW, why), -EPERM);
	stats_are(s, 2, 4);
	pki_store_cache_stats(s, &st);
	ck_assert_uint_eq(st.entries, 2);
	pki_store_free(s);
}
END_TEST

/* pki_store_cert_from_der parses a DER once per store: the same bytes give the same X509;
 * its subject line is made once and kept; the verify cache keys a certificate parsed there
 * by the hash of its DER, which is the same key X509_digest gives a copy parsed elsewhere. */
START_TEST(test_store_parse_cache)
{
	const char *const files[] = {"ca.pem", NULL};
	struct pki_store *s = store_with(files);
	unsigned char *der = NULL;
	int len = i2d_X509(fx.moon, &der);
	X509 *a, *b, *bad;
	const char *subj;
	char why[PKI_MSG_MAX];

	ck_assert_int_gt(len, 0);
	a = pki_store_cert_from_der(s, der, (size_t)len);
	b = pki_store_cert_from_der(s, der, (size_t)len);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_eq(a, b);
	X509_free(b);
	subj = pki_store_cert_subject(s, a);
	ck_assert_ptr_nonnull(subj);
	ck_assert_str_eq(subj, "CN=moon, O=test");
	ck_assert_ptr_eq(pki_store_cert_subject(s, a), subj);
	ck_assert_ptr_null(pki_store_cert_subject(s, fx.moon)); /* not parsed here */
	ck_assert_ptr_null(pki_store_cert_subject(NULL, a));
	ck_assert_int_eq(verify(s, a, NULL, T_NOW, why), 0);
	stats_are(s, 0, 1);
	ck_assert_int_eq(verify(s, fx.moon, NULL, T_NOW, why), 0);
	stats_are(s, 1, 1);
	/* other bytes, another certificate: parsed anew, checked anew */
	der[len - 1] ^= 1;
	bad = pki_store_cert_from_der(s, der, (size_t)len);
	ck_assert_ptr_nonnull(bad);
	ck_assert_ptr_ne(bad, a);
	ck_assert_int_eq(verify(s, bad, NULL, T_NOW, why), -EPERM);
	stats_are(s, 1, 2);
	ck_assert_int_eq(verify(s, a, NULL, T_NOW, why), 0);
	stats_are(s, 2, 2);
	X509_free(bad);
	X509_free(a);
	OPENSSL_free(der);
	pki_store_free(s);
}
END_TEST

START_TEST(test_cache_generation)
{
	const char *const files[] = {"ca.pem", "crl.pem", NULL};
	struct pki_store *s = store_with(files);
	struct pki_cache_stats st;
	char why[PKI_MSG_MAX];
	uint64_t gen;

	ck_assert_int_eq(verify(s, fx.moon, NULL, T_NOW, why), 0);
	ck_assert_int_eq(verify(s, fx.moon, NULL, T_NOW, why), 0);
	stats_are(s, 1, 1);
	gen = pki_store_generation(s);
	import_ok(s, "crl2.pem", NULL, NULL); /* revokes moon too */
	ck_assert_uint_gt(pki_store_generation(s), gen);
	pki_store_cache_stats(s, &st);
	ck_assert_uint_eq(st.entries, 0);
	ck_assert_int_eq(verify(s, fx.moon, NULL, T_NOW, why), -EPERM);
	ck_assert_str_eq(why, "certificate CN=moon, O=test: revoked (CRL of CN=Test CA, O=test)");
	stats_are(s, 1, 2);
	/* removing the CA: nothing trusted any more */
	ck_assert_int_eq(verify(s, fx.carol, NULL, T_NOW, why), 0);
	ck_assert_int_eq(pki_store_remove(s, "ca"), 0);
	ck_assert_int_eq(verify(s, fx.carol, NULL, T_NOW, why), -EPERM);
	stats_are(s, 1, 4);
	pki_store_free(s);
}
END_TEST

START_TEST(test_cache_expiry_on_hit)
{
	const char *const files[] = {"ca.pem", NULL};
	struct pki_store *s = store_with(files);
	char why[PKI_MSG_MAX];

	ck_assert_int_eq(verify(s, fx.moon, NULL, T_NOW, why), 0);
	ck_assert_int_eq(verify(s, fx.moon, NULL, T_2030 - 1, why), 0);
	stats_are(s, 1, 1);
	/* the cached "valid" must not outlive notAfter */
	ck_assert_int_eq(verify(s, fx.moon, NULL, T_2031, why), -EPERM);
	ck_assert_str_eq(why, "certificate CN=moon, O=test: expired on 2030-01-01 00:00:00 UTC");
	stats_are(s, 1, 2);
	/* nor reach back before notBefore */
	ck_assert_int_eq(verify(s, fx.moon, NULL, T_2024 - 1, why), -EPERM);
	stats_are(s, 1, 3);
	/* and the entry is still good inside the window */
	ck_assert_int_eq(verify(s, fx.moon, NULL, T_NOW, why), 0);
	stats_are(s, 2, 3);
	pki_store_free(s);
}
END_TEST

START_TEST(test_cache_chain_window)
{
	const char *const files[] = {"ca.pem", NULL};
	struct pki_store *s = store_with(files);
	STACK_OF(X509) *sent = stack_of(fx.inter, NULL);
	char why[PKI_MSG_MAX];

	/* the intermediates are part of the key: without them, no hit */
	ck_assert_int_eq(verify(s, fx.sun, sent, T_NOW, why), 0);
	ck_assert_int_eq(verify(s, fx.sun, sent, T_NOW, why), 0);
	stats_are(s, 1, 1);
	ck_assert_int_eq(verify(s, fx.sun, NULL, T_NOW, why), -EPERM);
	stats_are(s, 1, 2);
	sk_X509_free(sent);
	pki_store_free(s);
}
END_TEST

START_TEST(test_cache_bounded)
{
	const char *const files[] = {"ca.pem", "inter.pem", NULL};
	struct pki_store *s = store_with(files);
	enum { N = PKI_CACHE_SIZE + 10 };
	X509 **leaf = calloc(N, sizeof(*leaf));
	struct pki_cache_stats st;
	char why[PKI_MSG_MAX];

	for (int i = 0; i < N; i++) {
		leaf[i] = pki_fixture_leaf(&fx, 1000 + i);
		ck_assert_ptr_nonnull(leaf[i]);
		ck_assert_int_eq(verify(s, leaf[i], NULL, T_NOW, why), 0);
	}
	pki_store_cache_stats(s, &st);
	ck_assert_uint_eq(st.entries, PKI_CACHE_SIZE);
	stats_are(s, 0, N);
	/* the oldest were evicted, the newest are there */
	ck_assert_int_eq(verify(s, leaf[N - 1], NULL, T_NOW, why), 0);
	stats_are(s, 1, N);
	ck_assert_int_eq(verify(s, leaf[10], NULL, T_NOW, why), 0); /* the oldest kept */
	stats_are(s, 2, N);
	ck_assert_int_eq(verify(s, leaf[9], NULL, T_NOW, why), 0); /* the newest evicted */
	stats_are(s, 2, N + 1);
	for (int i = 0; i < N; i++)
		X509_free(leaf[i]);
	free(leaf);
	pki_store_free(s);
}
END_TEST

/* --- identities --- */

static bool id_matches(X509 *x, const char *kind, const char *text)
{
	uint8_t buf[512], type;
	size_t len = sizeof(buf);

	ck_assert_int_eq(pki_id_parse(kind, text, &type, buf, &len), 0);
	return pki_cert_matches_id(x, type, buf, len);
}

START_TEST(test_id_san)
{
	ck_assert(id_matches(fx.moon, "fqdn", "moon.example.org"));
	ck_assert(id_matches(fx.moon, "fqdn", "MOON.Example.ORG"));
	ck_assert(id_matches(fx.moon, "fqdn", "moon.alt.example"));
	ck_assert(!id_matches(fx.moon, "fqdn", "moon")); /* the CN is not a DNS name */
	ck_assert(!id_matches(fx.moon, "fqdn", "example.org"));
	ck_assert(!id_matches(fx.moon, "fqdn", "moon.example.or"));
	ck_assert(!id_matches(fx.moon, "fqdn", "moon.example.org.x"));
	ck_assert(!id_matches(fx.moon, "fqdn", "moon@example.org"));
	ck_assert(id_matches(fx.moon, "address", "192.0.2.1"));
	ck_assert(!id_matches(fx.moon, "address", "192.0.2.2"));
	ck_assert(id_matches(fx.moon, "address", "2001:db8::1"));
	ck_assert(!id_matches(fx.moon, "address", "2001:db8::2"));
	ck_assert(id_matches(fx.moon, "user-fqdn", "moon@example.org"));
	ck_assert(id_matches(fx.moon, "user-fqdn", "Moon@EXAMPLE.org"));
	ck_assert(!id_matches(fx.moon, "user-fqdn", "sun@example.org"));
	ck_assert(!id_matches(fx.moon, "user-fqdn", "moon.example.org")); /* a DNS SAN */
	ck_assert(!id_matches(fx.moon, "key-id", "moon"));		  /* never */
	ck_assert(!id_matches(fx.moon, "key-id", "moon.example.org"));
	ck_assert(id_matches(fx.sun, "user-fqdn", "sun@example.org"));
	ck_assert(id_matches(fx.carol, "address", "198.51.100.7"));
	ck_assert(!id_matches(fx.carol, "fqdn", "carol"));
	/* RFC 4945 3.1.2: a host name in the CN alone does not count */
	ck_assert(!id_matches(fx.revoked, "fqdn", "venus.example.org"));
	/* wrong lengths for the type */
	static const uint8_t v4[4] = {192, 0, 2, 1};

	ck_assert(!pki_cert_matches_id(fx.moon, PKI_ID_IPV6_ADDR, v4, 4));
	ck_assert(pki_cert_matches_id(fx.moon, PKI_ID_IPV4_ADDR, v4, 4));
	ck_assert(!pki_cert_matches_id(fx.moon, PKI_ID_IPV4_ADDR, v4, 3));
	ck_assert(!pki_cert_matches_id(fx.moon, PKI_ID_FQDN, v4, 0));
	ck_assert(!pki_cert_matches_id(fx.moon, 10, v4, 4)); /* DER_ASN1_GN: unsupported */
}
END_TEST

START_TEST(test_id_dn)
{
	uint8_t want[512], got[512], type;
	size_t wlen = subject_der(fx.moon, want, sizeof(want)), len = sizeof(got);

	/* RFC 4514 text gives the certificate's own encoding */
	ck_assert_int_eq(pki_id_parse("dn", "CN=moon, O=test", &type, got, &len), 0);
	ck_assert_uint_eq(type, PKI_ID_DER_ASN1_DN);
	ck_assert_uint_eq(len, wlen);
	ck_assert_mem_eq(got, want, wlen);
	ck_assert(pki_cert_matches_id(fx.moon, type, got, len));
	ck_assert(!pki_cert_matches_id(fx.sun, type, got, len));
	ck_assert(!pki_cert_matches_id(fx.moon, type, got, len - 1));
	/* the slash form is in encoding order */
	len = sizeof(got);
	ck_assert_int_eq(pki_id_parse("asn1dn", "/O=test/CN=moon", &type, got, &len), 0);
	ck_assert_uint_eq(len, wlen);
	ck_assert_mem_eq(got, want, wlen);
	ck_assert(id_matches(fx.moon, "dn", "cn=Moon,o=TEST"));
	ck_assert(id_matches(fx.moon, "dn", "  CN = moon ;O=test  "));
	ck_assert(!id_matches(fx.moon, "dn", "O=test, CN=moon")); /* order matters */
	ck_assert(!id_matches(fx.moon, "dn", "CN=moon"));
	ck_assert(!id_matches(fx.moon, "dn", "CN=moon, O=test, C=CH"));
	ck_assert(id_matches(fx.sun, "dn", "CN=sun, O=test"));
	/* a DN with bytes after it is no DN */
	memcpy(got, want, wlen);
	got[wlen] = 0;
	ck_assert(!pki_cert_matches_id(fx.moon, PKI_ID_DER_ASN1_DN, got, wlen + 1));
}
END_TEST

static X509_NAME *parse_dn(const char *text)
{
	uint8_t der[512], type;
	size_t len = sizeof(der);
	const unsigned char *p = der;

	ck_assert_int_eq(pki_id_parse("dn", text, &type, der, &len), 0);
	return d2i_X509_NAME(NULL, &p, (long)len);
}

START_TEST(test_id_dn_syntax)
{
	X509_NAME *n = parse_dn("CN=a\\, b\\2Bc, O=\"x, y\", OU=\\ pad\\ ");
	char buf[64];
	uint8_t der[64], type;
	size_t len;

	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(X509_NAME_entry_count(n), 3);
	ck_assert_int_eq(X509_NAME_get_text_by_NID(n, NID_commonName, buf, sizeof(buf)), 6);
	ck_assert_str_eq(buf, "a, b+c");
	X509_NAME_get_text_by_NID(n, NID_organizationName, buf, sizeof(buf));
	ck_assert_str_eq(buf, "x, y");
	X509_NAME_get_text_by_NID(n, NID_organizationalUnitName, buf, sizeof(buf));
	ck_assert_str_eq(buf, " pad ");
	/* reversed: OU first in the encoding, CN last */
	ck_assert_int_eq(OBJ_obj2nid(X509_NAME_ENTRY_get_object(X509_NAME_get_entry(n, 0))),
			 NID_organizationalUnitName);
	ck_assert_int_eq(OBJ_obj2nid(X509_NAME_ENTRY_get_object(X509_NAME_get_entry(n, 2))),
			 NID_commonName);
	X509_NAME_free(n);
	/* a multi-valued RDN, and the aliases */
	n = parse_dn("CN=x + UID=y, E=a@b.c, C=CH");
	ck_assert_int_eq(X509_NAME_entry_count(n), 4);
	ck_assert_int_eq(X509_NAME_ENTRY_set(X509_NAME_get_entry(n, 2)),
			 X509_NAME_ENTRY_set(X509_NAME_get_entry(n, 3)));
	ck_assert_int_ne(X509_NAME_ENTRY_set(X509_NAME_get_entry(n, 1)),
			 X509_NAME_ENTRY_set(X509_NAME_get_entry(n, 2)));
	X509_NAME_get_text_by_NID(n, NID_pkcs9_emailAddress, buf, sizeof(buf));
	ck_assert_str_eq(buf, "a@b.c");
	X509_NAME_free(n);
	/* malformed */
	static const char *const bad[] = {"CN",	       "=x",	    "CN=",     "CN=moon,",
					  "CN=moon, ", ",CN=x",	    "FOO=bar", "CN=a\\",
					  "CN=\"open", "C=toolong", ""};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		len = sizeof(der);
		ck_assert_msg(pki_id_parse("dn", bad[i], &type, der, &len) == -EINVAL, "%s",
			      bad[i]);
		ck_assert_uint_eq(len, 0);
	}
	len = 4;
	ck_assert_int_eq(pki_id_parse("dn", "CN=moon, O=test", &type, der, &len), -ENOSPC);
}
END_TEST

START_TEST(test_id_parse)
{
	uint8_t out[64], type = 99;
	size_t len = sizeof(out);
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};

	ck_assert_int_eq(pki_id_parse("address", "192.0.2.1", &type, out, &len), 0);
	ck_assert_uint_eq(type, PKI_ID_IPV4_ADDR);
	ck_assert_uint_eq(len, 4);
	ck_assert_mem_eq(out, "\xc0\x00\x02\x01", 4);
	len = sizeof(out);
	ck_assert_int_eq(pki_id_parse("address", "2001:db8::1", &type, out, &len), 0);
	ck_assert_uint_eq(type, PKI_ID_IPV6_ADDR);
	ck_assert_uint_eq(len, 16);
	ck_assert_mem_eq(out, v6, 16);
	len = sizeof(out);
	ck_assert_int_eq(pki_id_parse("address", "moon", &type, out, &len), -EINVAL);
	len = sizeof(out);
	ck_assert_int_eq(pki_id_parse("fqdn", "vpn.example.org", &type, out, &len), 0);
	ck_assert_uint_eq(type, PKI_ID_FQDN);
	ck_assert_uint_eq(len, 15);
	ck_assert_mem_eq(out, "vpn.example.org", 15);
	len = sizeof(out);
	ck_assert_int_eq(pki_id_parse("fqdn", "a b", &type, out, &len), -EINVAL);
	len = sizeof(out);
	ck_assert_int_eq(pki_id_parse("fqdn", "", &type, out, &len), -EINVAL);
	len = sizeof(out);
	ck_assert_int_eq(pki_id_parse("user-fqdn", "joe@example.org", &type, out, &len), 0);
	ck_assert_uint_eq(type, PKI_ID_RFC822_ADDR);
	ck_assert_uint_eq(len, 15);
	len = sizeof(out);
	ck_assert_int_eq(pki_id_parse("key-id", "office-1", &type, out, &len), 0);
	ck_assert_uint_eq(type, PKI_ID_KEY_ID);
	ck_assert_uint_eq(len, 8);
	ck_assert_mem_eq(out, "office-1", 8);
	len = sizeof(out);
	ck_assert_int_eq(pki_id_parse("key-id", "0x0a0B00", &type, out, &len), 0);
	ck_assert_uint_eq(len, 3);
	ck_assert_mem_eq(out, "\x0a\x0b\x00", 3);
	len = sizeof(out);
	ck_assert_int_eq(pki_id_parse("key-id", "0xabc", &type, out, &len), -EINVAL);
	len = sizeof(out);
	ck_assert_int_eq(pki_id_parse("key-id", "0xzz", &type, out, &len), -EINVAL);
	len = sizeof(out);
	ck_assert_int_eq(pki_id_parse("auto", NULL, &type, out, &len), 0);
	ck_assert_uint_eq(type, PKI_ID_AUTO);
	ck_assert_uint_eq(len, 0);
	len = sizeof(out);
	ck_assert_int_eq(pki_id_parse("ipv4", "192.0.2.1", &type, out, &len), -EINVAL);
	len = 3;
	ck_assert_int_eq(pki_id_parse("address", "192.0.2.1", &type, out, &len), -ENOSPC);
	ck_assert_uint_eq(len, 0);
	len = 2;
	ck_assert_int_eq(pki_id_parse("key-id", "0x010203", &type, out, &len), -ENOSPC);
}
END_TEST

START_TEST(test_default_id)
{
	uint8_t out[512], want[512], type = 0;
	size_t len = sizeof(out), wlen;

	ck_assert_int_eq(pki_cert_default_id(fx.moon, &type, out, &len), 0);
	ck_assert_uint_eq(type, PKI_ID_FQDN); /* the first SAN */
	ck_assert_uint_eq(len, 16);
	ck_assert_mem_eq(out, "moon.example.org", 16);
	ck_assert(pki_cert_matches_id(fx.moon, type, out, len));
	len = sizeof(out);
	ck_assert_int_eq(pki_cert_default_id(fx.sun, &type, out, &len), 0);
	ck_assert_uint_eq(type, PKI_ID_RFC822_ADDR);
	ck_assert_uint_eq(len, 15);
	ck_assert_mem_eq(out, "sun@example.org", 15);
	len = sizeof(out);
	ck_assert_int_eq(pki_cert_default_id(fx.carol, &type, out, &len), 0);
	ck_assert_uint_eq(type, PKI_ID_IPV4_ADDR);
	ck_assert_uint_eq(len, 4);
	ck_assert_mem_eq(out, "\xc6\x33\x64\x07", 4);
	/* no SAN: the subject DN */
	len = sizeof(out);
	wlen = subject_der(fx.expired, want, sizeof(want));
	ck_assert_int_eq(pki_cert_default_id(fx.expired, &type, out, &len), 0);
	ck_assert_uint_eq(type, PKI_ID_DER_ASN1_DN);
	ck_assert_uint_eq(len, wlen);
	ck_assert_mem_eq(out, want, wlen);
	ck_assert(pki_cert_matches_id(fx.expired, type, out, len));
	len = 10;
	ck_assert_int_eq(pki_cert_default_id(fx.moon, &type, out, &len), -ENOSPC);
	len = 10;
	ck_assert_int_eq(pki_cert_default_id(fx.expired, &type, out, &len), -ENOSPC);
}
END_TEST

START_TEST(test_id_str)
{
	char buf[128], want[64];
	uint8_t dn[512];
	size_t dlen = subject_der(fx.moon, dn, sizeof(dn));
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};

	ck_assert_str_eq(pki_id_str(PKI_ID_IPV4_ADDR, (const uint8_t *)"\xc0\x00\x02\x01", 4, buf,
				    sizeof(buf)),
			 "192.0.2.1");
	ck_assert_str_eq(pki_id_str(PKI_ID_IPV6_ADDR, v6, 16, buf, sizeof(buf)), "2001:db8::1");
	ck_assert_str_eq(pki_id_str(PKI_ID_IPV6_ADDR, v6, 4, buf, sizeof(buf)),
			 "(malformed address, 4 bytes)");
	ck_assert_str_eq(
		pki_id_str(PKI_ID_FQDN, (const uint8_t *)"moon.example.org", 16, buf, sizeof(buf)),
		"moon.example.org");
	ck_assert_str_eq(
		pki_id_str(PKI_ID_RFC822_ADDR, (const uint8_t *)"a\nb\\c\0", 6, buf, sizeof(buf)),
		"a\\x0ab\\x5cc\\x00");
	ck_assert_str_eq(pki_id_str(PKI_ID_DER_ASN1_DN, dn, dlen, buf, sizeof(buf)),
			 "CN=moon, O=test");
	snprintf(want, sizeof(want), "(malformed DN, %zu bytes)", dlen - 1);
	ck_assert_str_eq(pki_id_str(PKI_ID_DER_ASN1_DN, dn, dlen - 1, buf, sizeof(buf)), want);
	ck_assert_str_eq(pki_id_str(PKI_ID_KEY_ID, (const uint8_t *)"office", 6, buf, sizeof(buf)),
			 "office");
	ck_assert_str_eq(
		pki_id_str(PKI_ID_KEY_ID, (const uint8_t *)"\x00\xff\x10", 3, buf, sizeof(buf)),
		"0x00ff10");
	ck_assert_str_eq(pki_id_str(10, dn, 7, buf, sizeof(buf)), "(ID type 10, 7 bytes)");
	/* truncated, still terminated */
	ck_assert_str_eq(pki_id_str(PKI_ID_FQDN, (const uint8_t *)"moon.example.org", 16, buf, 5),
			 "moon");
	ck_assert_str_eq(pki_id_str(PKI_ID_KEY_ID, (const uint8_t *)"\x00\xff\x10", 3, buf, 5),
			 "0x00");
}
END_TEST

static Suite *pki_suite(void)
{
	Suite *s = suite_create("pki");
	TCase *imp = tcase_create("import");
	TCase *ver = tcase_create("verify");
	TCase *cache = tcase_create("cache");
	TCase *id = tcase_create("id");

	tcase_add_test(imp, test_import_pem_cert);
	tcase_add_test(imp, test_import_der_cert);
	tcase_add_loop_test(imp, test_import_key, 0, sizeof(key_cases) / sizeof(key_cases[0]));
	tcase_add_loop_test(imp, test_import_wrong_passphrase, 0,
			    sizeof(encrypted) / sizeof(encrypted[0]));
	tcase_add_loop_test(imp, test_import_p12, 0, 2);
	tcase_add_test(imp, test_import_bundle);
	tcase_add_test(imp, test_import_key_without_cert);
	tcase_add_test(imp, test_import_bad_files);
	tcase_add_loop_test(imp, test_key_mode_refused, 0, 2);
	tcase_add_test(imp, test_cert_mode_free);
	tcase_add_test(imp, test_replace_and_duplicates);
	tcase_add_test(imp, test_renewal_keeps_key);
	tcase_add_test(imp, test_remove_and_trust);
	tcase_add_test(imp, test_issuers);
	tcase_add_loop_test(imp, test_import_crl, 0, 2);
	tcase_add_test(imp, test_import_crl_bad_signature);
	tcase_add_test(imp, test_load_dir);
	tcase_add_test(imp, test_ca_hashes);
	tcase_add_test(imp, test_find_subject);
	tcase_add_test(imp, test_cert_from_der);
	tcase_add_test(ver, test_verify_direct);
	tcase_add_test(ver, test_verify_bad_signature);
	tcase_add_test(ver, test_verify_intermediate_sent);
	tcase_add_test(ver, test_verify_intermediate_stored);
	tcase_add_test(ver, test_verify_unknown_ca);
	tcase_add_test(ver, test_verify_times);
	tcase_add_test(ver, test_verify_revoked);
	tcase_add_test(ver, test_verify_crl_policy);
	tcase_add_test(ver, test_verify_revoked_intermediate);
	tcase_add_test(ver, test_verify_crl_signature);
	tcase_add_test(cache, test_cache_hit);
	tcase_add_test(cache, test_store_parse_cache);
	tcase_add_test(cache, test_cache_generation);
	tcase_add_test(cache, test_cache_expiry_on_hit);
	tcase_add_test(cache, test_cache_chain_window);
	tcase_add_test(cache, test_cache_bounded);
	tcase_add_test(id, test_id_san);
	tcase_add_test(id, test_id_dn);
	tcase_add_test(id, test_id_dn_syntax);
	tcase_add_test(id, test_id_parse);
	tcase_add_test(id, test_default_id);
	tcase_add_test(id, test_id_str);
	suite_add_tcase(s, imp);
	suite_add_tcase(s, ver);
	suite_add_tcase(s, cache);
	suite_add_tcase(s, id);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	if (!pki_fixture_build(&fx)) {
		fprintf(stderr, "check_pki: cannot build the test PKI\n");
		pki_fixture_free(&fx);
		return 99; /* a hard error */
	}
	sr = srunner_create(pki_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	pki_fixture_free(&fx);
	return failed ? 1 : 0;
}
