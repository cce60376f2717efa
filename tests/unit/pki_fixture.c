/* pki_fixture: the test PKI of check_pki, made with OpenSSL directly (see pki_fixture.h). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pki_fixture.h"

struct spec {
	const char *o, *cn;
	bool ca;
	time_t from, until;
	long serial;
	const char *san; /* X509v3 config syntax, or NULL */
};

static X509_NAME *make_name(const char *o, const char *cn)
{
	X509_NAME *n = X509_NAME_new();

	/* encoding order O, CN: printed most specific first as "CN=..., O=..." */
	if (!n ||
	    !X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)o, -1, -1,
					0) ||
	    !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1,
					0)) {
		X509_NAME_free(n);
		return NULL;
	}
	return n;
}

static bool add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	bool ok;

	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value);
	ok = ext && X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

/* Ed25519 signs without a separate digest. */
static const EVP_MD *md_for(EVP_PKEY *signer)
{
	return EVP_PKEY_is_a(signer, "ED25519") ? NULL : EVP_sha256();
}

/* issuer NULL: self-signed with key. */
static X509 *make_cert(const struct spec *s, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key)
{
	X509 *x = X509_new();
	X509_NAME *n = make_name(s->o, s->cn);
	EVP_PKEY *signer = issuer ? issuer_key : key;
	bool ok = x && n && X509_set_version(x, 2) &&
		  ASN1_INTEGER_set(X509_get_serialNumber(x), s->serial) &&
		  X509_set_subject_name(x, n) &&
		  X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n) &&
		  ASN1_TIME_set(X509_getm_notBefore(x), s->from) &&
		  ASN1_TIME_set(X509_getm_notAfter(x), s->until) && X509_set_pubkey(x, key) &&
		  add_ext(x, issuer, NID_subject_key_identifier, "hash");

	if (ok && issuer)
		ok = add_ext(x, issuer, NID_authority_key_identifier, "keyid:always");
	if (ok && s->ca)
		ok = add_ext(x, issuer, NID_basic_constraints, "critical,CA:TRUE") &&
		     add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
	else if (ok)
		ok = add_ext(x, issuer, NID_key_usage, "critical,digitalSignature");
	if (ok && s->san)
		ok = add_ext(x, issuer, NID_subject_alt_name, s->san);
	ok = ok && X509_sign(x, signer, md_for(signer)) > 0;
	X509_NAME_free(n);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static X509_CRL *make_crl(X509 *ca, EVP_PKEY *key, time_t this_update, time_t next_update,
			  const long *serials, size_t n)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_new();
	bool ok = crl && t && X509_CRL_set_version(crl, 1) &&
		  X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca)) &&
		  ASN1_TIME_set(t, this_update) && X509_CRL_set1_lastUpdate(crl, t) &&
		  ASN1_TIME_set(t, next_update) && X509_CRL_set1_nextUpdate(crl, t);

	for (size_t i = 0; ok && i < n; i++) {
		X509_REVOKED *r = X509_REVOKED_new();
		ASN1_INTEGER *sn = ASN1_INTEGER_new();

		ok = r && sn && ASN1_INTEGER_set(sn, serials[i]) &&
		     X509_REVOKED_set_serialNumber(r, sn) &&
		     ASN1_TIME_set(t, this_update - 86400) &&
		     X509_REVOKED_set_revocationDate(r, t) && X509_CRL_add0_revoked(crl, r);
		if (!ok)
			X509_REVOKED_free(r);
		ASN1_INTEGER_free(sn);
	}
	ok = ok && X509_CRL_sort(crl) && X509_CRL_sign(crl, key, EVP_sha256()) > 0;
	ASN1_TIME_free(t);
	if (!ok) {
		X509_CRL_free(crl);
		return NULL;
	}
	return crl;
}

X509 *pki_fixture_leaf(const struct pki_fixture *f, long serial)
{
	char cn[32];
	struct spec s = {"test", cn, false, T_2024, T_2030, serial, NULL};

	snprintf(cn, sizeof(cn), "leaf-%ld", serial);
	return make_cert(&s, f->stranger_key, f->inter, f->inter_key);
}

X509_CRL *pki_fixture_crl(const struct pki_fixture *f, time_t this_update, const long *serials,
			  size_t n)
{
	return make_crl(f->ca, f->ca_key, this_update, this_update + 365 * 86400, serials, n);
}

const char *pki_fixture_path(const struct pki_fixture *f, const char *file, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", f->dir, file);
	return buf;
}

/* --- files --- */

enum what {
	W_CERT_PEM,
	W_CERT_DER,
	W_KEY_P8,
	W_KEY_P8_DER,
	W_KEY_TRAD_ENC,
	W_KEY_P8_ENC,
	W_KEY_P8_ENC_DER,
	W_CRL_PEM,
	W_CRL_DER
};

static bool write_obj(BIO *b, enum what w, const void *obj)
{
	const char *pw = PKI_FIX_PASS;
	int pl = (int)strlen(pw);

	switch (w) {
	case W_CERT_PEM:
		return PEM_write_bio_X509(b, obj);
	case W_CERT_DER:
		return i2d_X509_bio(b, obj);
	case W_KEY_P8:
		return PEM_write_bio_PrivateKey(b, obj, NULL, NULL, 0, NULL, NULL);
	case W_KEY_P8_DER:
		return i2d_PKCS8PrivateKey_bio(b, obj, NULL, NULL, 0, NULL, NULL);
	case W_KEY_TRAD_ENC:
		return PEM_write_bio_PrivateKey_traditional(
			b, obj, EVP_aes_128_cbc(), (const unsigned char *)pw, pl, NULL, NULL);
	case W_KEY_P8_ENC:
		return PEM_write_bio_PKCS8PrivateKey(b, obj, EVP_aes_256_cbc(), pw, pl, NULL, NULL);
	case W_KEY_P8_ENC_DER:
		return i2d_PKCS8PrivateKey_bio(b, obj, EVP_aes_256_cbc(), pw, pl, NULL, NULL);
	case W_CRL_PEM:
		return PEM_write_bio_X509_CRL(b, obj);
	case W_CRL_DER:
		return i2d_X509_CRL_bio(b, obj);
	}
	return false;
}

/* Writes the objects (NULL-terminated pairs) into file, mode 0600. */
static bool write_file(const struct pki_fixture *f, const char *file, enum what w1, const void *o1,
		       enum what w2, const void *o2, enum what w3, const void *o3)
{
	char path[256];
	BIO *b;
	bool ok;

	pki_fixture_path(f, file, path, sizeof(path));
	b = BIO_new_file(path, "wb");
	ok = b && write_obj(b, w1, o1) && (!o2 || write_obj(b, w2, o2)) &&
	     (!o3 || write_obj(b, w3, o3));
	BIO_free(b);
	return ok && chmod(path, 0600) == 0;
}

static bool write_one(const struct pki_fixture *f, const char *file, enum what w, const void *o)
{
	return write_file(f, file, w, o, w, NULL, w, NULL);
}

static bool write_p12(const struct pki_fixture *f, const char *file, const char *pass)
{
	STACK_OF(X509) *chain = sk_X509_new_null();
	PKCS12 *p12 = NULL;
	char path[256];
	BIO *b = NULL;
	bool ok = chain && sk_X509_push(chain, f->ca) &&
		  (p12 = PKCS12_create(pass, "carol", f->carol_key, f->carol, chain, 0, 0, 0, 0,
				       0)) != NULL &&
		  (b = BIO_new_file(pki_fixture_path(f, file, path, sizeof(path)), "wb")) != NULL &&
		  i2d_PKCS12_bio(b, p12) > 0;

	BIO_free(b);
	PKCS12_free(p12);
	sk_X509_free(chain);
	return ok && chmod(path, 0600) == 0;
}

static bool write_garbage(const struct pki_fixture *f)
{
	char path[256];
	FILE *fp = fopen(pki_fixture_path(f, "garbage.bin", path, sizeof(path)), "wb");
	bool ok = fp && fputs("this is not a certificate\n", fp) >= 0;

	return fp && !fclose(fp) && ok;
}

static bool write_files(const struct pki_fixture *f)
{
	return write_one(f, "ca.pem", W_CERT_PEM, f->ca) &&
	       write_one(f, "ca.der", W_CERT_DER, f->ca) &&
	       write_one(f, "inter.pem", W_CERT_PEM, f->inter) &&
	       write_one(f, "other-ca.pem", W_CERT_PEM, f->other_ca) &&
	       write_one(f, "moon.pem", W_CERT_PEM, f->moon) &&
	       write_one(f, "moon.der", W_CERT_DER, f->moon) &&
	       write_one(f, "moon.key", W_KEY_P8, f->moon_key) &&
	       write_one(f, "moon-key.der", W_KEY_P8_DER, f->moon_key) &&
	       write_one(f, "moon-trad.key", W_KEY_TRAD_ENC, f->moon_key) &&
	       write_file(f, "moon-full.pem", W_CERT_PEM, f->ca, W_CERT_PEM, f->moon, W_KEY_P8,
			  f->moon_key) &&
	       write_one(f, "sun.pem", W_CERT_PEM, f->sun) &&
	       write_one(f, "sun-p8.key", W_KEY_P8_ENC, f->sun_key) &&
	       write_one(f, "sun-p8.der", W_KEY_P8_ENC_DER, f->sun_key) &&
	       write_p12(f, "carol.p12", PKI_FIX_PASS) && write_p12(f, "carol-nopass.p12", "") &&
	       write_one(f, "crl.pem", W_CRL_PEM, f->crl) &&
	       write_one(f, "crl.der", W_CRL_DER, f->crl) &&
	       write_one(f, "crl2.pem", W_CRL_PEM, f->crl2) &&
	       write_one(f, "expired.pem", W_CERT_PEM, f->expired) &&
	       write_one(f, "revoked.pem", W_CERT_PEM, f->revoked) &&
	       write_one(f, "stranger.pem", W_CERT_PEM, f->stranger) && write_garbage(f);
}

/* --- the PKI --- */

static EVP_PKEY *ec(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

static EVP_PKEY *rsa(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
}

static bool make_keys(struct pki_fixture *f)
{
	f->ca_key = rsa();
	f->moon_key = rsa();
	f->inter_key = ec();
	f->other_key = ec();
	f->sun_key = ec();
	f->carol_key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	f->expired_key = ec();
	f->revoked_key = ec();
	f->stranger_key = ec();
	return f->ca_key && f->moon_key && f->inter_key && f->other_key && f->sun_key &&
	       f->carol_key && f->expired_key && f->revoked_key && f->stranger_key;
}

static bool make_certs(struct pki_fixture *f)
{
	static const struct spec ca = {"test", "Test CA", true, T_2020, T_2040, 1, NULL},
				 inter = {"test", "Test Intermediate", true, T_2020, T_2040, 2,
					  NULL},
				 other = {"other", "Other CA", true, T_2020, T_2040, 1, NULL},
				 moon = {"test",
					 "moon",
					 false,
					 T_2024,
					 T_2030,
					 10,
					 "DNS:moon.example.org, DNS:Moon.Alt.Example, "
					 "IP:192.0.2.1, IP:2001:db8::1, email:moon@example.org"},
				 sun = {"test",
					"sun",
					false,
					T_2024,
					T_2030,
					11,
					"email:sun@example.org, DNS:sun.example.org"},
				 carol = {"test", "carol",	    false, T_2024, T_2030,
					  12,	  "IP:198.51.100.7"},
				 expired = {"test", "old", false, T_2020, T_2026, 13, NULL},
				 revoked = {"test", "venus.example.org", false, T_2024, T_2030, 14,
					    NULL},
				 stranger = {"other", "stranger", false, T_2024, T_2030, 20, NULL};

	f->ca = make_cert(&ca, f->ca_key, NULL, NULL);
	f->other_ca = make_cert(&other, f->other_key, NULL, NULL);
	if (!f->ca || !f->other_ca)
		return false;
	f->inter = make_cert(&inter, f->inter_key, f->ca, f->ca_key);
	f->moon = make_cert(&moon, f->moon_key, f->ca, f->ca_key);
	f->carol = make_cert(&carol, f->carol_key, f->ca, f->ca_key);
	f->expired = make_cert(&expired, f->expired_key, f->ca, f->ca_key);
	f->revoked = make_cert(&revoked, f->revoked_key, f->ca, f->ca_key);
	f->stranger = make_cert(&stranger, f->stranger_key, f->other_ca, f->other_key);
	f->sun = f->inter ? make_cert(&sun, f->sun_key, f->inter, f->inter_key) : NULL;
	return f->inter && f->moon && f->carol && f->expired && f->revoked && f->stranger && f->sun;
}

bool pki_fixture_build(struct pki_fixture *f)
{
	static const long one[] = {14}, two[] = {14, 10};

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/check_pki.XXXXXX");
	if (!mkdtemp(f->dir)) {
		f->dir[0] = '\0';
		return false;
	}
	if (!make_keys(f) || !make_certs(f))
		return false;
	f->crl = make_crl(f->ca, f->ca_key, T_2026, T_2027, one, 1);
	f->crl2 = make_crl(f->ca, f->ca_key, T_2026 + 59 * 86400, T_2027 + 59 * 86400, two, 2);
	return f->crl && f->crl2 && write_files(f);
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	while (d && (e = readdir(d)) != NULL) {
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			remove_dir(path);
		else
			unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

void pki_fixture_free(struct pki_fixture *f)
{
	EVP_PKEY *keys[] = {f->ca_key,	    f->inter_key,   f->other_key,
			    f->moon_key,    f->sun_key,	    f->carol_key,
			    f->expired_key, f->revoked_key, f->stranger_key};
	X509 *certs[] = {f->ca,	   f->inter,   f->other_ca, f->moon,	f->sun,
			 f->carol, f->expired, f->revoked,  f->stranger};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		EVP_PKEY_free(keys[i]);
	for (size_t i = 0; i < sizeof(certs) / sizeof(certs[0]); i++)
		X509_free(certs[i]);
	X509_CRL_free(f->crl);
	X509_CRL_free(f->crl2);
	if (f->dir[0])
		remove_dir(f->dir);
	memset(f, 0, sizeof(*f));
}
