/* pki_fixture: a test PKI made with OpenSSL at test time, for check_pki. Fixed validity
 * dates, so results do not depend on the clock; files written into a mkdtemp directory
 * with mode 0600.
 *
 *   ca        "CN=Test CA, O=test"            RSA-2048, self-signed, 2020..2040
 *   inter     "CN=Test Intermediate, O=test"  ECDSA P-256, by ca, 2020..2040
 *   other_ca  "CN=Other CA, O=other"          ECDSA P-256, self-signed, 2020..2040
 *   moon      "CN=moon, O=test"   RSA-2048 by ca, 2024..2030, serial 10; SANs
 *             DNS:moon.example.org, DNS:Moon.Alt.Example, IP:192.0.2.1, IP:2001:db8::1,
 *             email:moon@example.org
 *   sun       "CN=sun, O=test"    ECDSA P-256 by inter; SANs email:sun@example.org,
 *             DNS:sun.example.org
 *   carol     "CN=carol, O=test"  Ed25519 by ca; SAN IP:198.51.100.7
 *   expired   "CN=old, O=test"    ECDSA by ca, 2020-01-01..2026-01-01, no SAN
 *   revoked   "CN=venus.example.org, O=test"  ECDSA by ca, serial 14, no SAN
 *   stranger  "CN=stranger, O=other"          ECDSA by other_ca
 *   crl       by ca, 2026-01-01..2027-01-01, revokes serial 14 (revoked)
 *   crl2      by ca, 2026-03-01..2027-03-01, revokes 14 and 10 (moon)
 *
 * Files: ca.pem ca.der inter.pem other-ca.pem moon.pem moon.der moon.key (PKCS#8 PEM)
 * moon-key.der (PKCS#8 DER) moon-trad.key (RSA PRIVATE KEY, Proc-Type encrypted)
 * moon-full.pem (ca, moon, moon's key) sun.pem sun-p8.key (encrypted PKCS#8 PEM)
 * sun-p8.der (encrypted PKCS#8 DER) carol.p12 (key, cert, ca) carol-nopass.p12 crl.pem
 * crl.der crl2.pem expired.pem revoked.pem stranger.pem garbage.bin. The passphrase of
 * everything encrypted is PKI_FIX_PASS. */
#ifndef PKI_FIXTURE_H
#define PKI_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#define PKI_FIX_PASS "correct horse"

#define T_2020 ((time_t)1577836800) /* 2020-01-01 00:00:00 UTC */
#define T_2024 ((time_t)1704067200)
#define T_2026 ((time_t)1767225600)
#define T_NOW  ((time_t)1780272000) /* 2026-06-01: the tests' present */
#define T_2027 ((time_t)1798761600)
#define T_2028 ((time_t)1830297600)
#define T_2030 ((time_t)1893456000)
#define T_2031 ((time_t)1924992000)
#define T_2040 ((time_t)2208988800)

struct pki_fixture {
	char dir[64];
	EVP_PKEY *ca_key, *inter_key, *other_key, *moon_key, *sun_key, *carol_key;
	EVP_PKEY *expired_key, *revoked_key, *stranger_key;
	X509 *ca, *inter, *other_ca, *moon, *sun, *carol, *expired, *revoked, *stranger;
	X509_CRL *crl, *crl2;
};

/* Makes the keys, certificates, CRLs and files. false on any failure. */
bool pki_fixture_build(struct pki_fixture *f);
/* Frees everything and removes the directory. */
void pki_fixture_free(struct pki_fixture *f);
/* A fresh leaf "CN=leaf-<serial>, O=test" (ECDSA, stranger_key's public key) issued by
 * inter, 2024..2030; the caller X509_frees it. NULL on failure. */
X509 *pki_fixture_leaf(const struct pki_fixture *f, long serial);
/* A CRL by ca, valid for a year from this_update, revoking the serials; the caller
 * X509_CRL_frees it. NULL on failure. */
X509_CRL *pki_fixture_crl(const struct pki_fixture *f, time_t this_update, const long *serials,
			  size_t n);
/* f->dir/file into buf; returns buf. */
const char *pki_fixture_path(const struct pki_fixture *f, const char *file, char *buf, size_t size);

#endif
