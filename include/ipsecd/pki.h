/* pki: X.509 for IKEv2 certificate authentication (RFC 7296 2.15, 3.6, 3.7; RFC 4945). A
 * store of certificates, CA certificates, CRLs and private keys read from files; chain
 * verification against the store's trust anchors and CRLs, with a result cache; matching
 * IKEv2 IDs against certificates and turning configured ID text into ID payload data.
 * OpenSSL's X509 and EVP_PKEY cross this interface as they are; nothing here logs: errors
 * and warnings come back as text for the caller, who knows the context, to log once. */
#ifndef IPSECD_PKI_H
#define IPSECD_PKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

#ifdef SYSCONFDIR
#define PKI_DEFAULT_DIR SYSCONFDIR "/ipsecd/certs"
#else
#define PKI_DEFAULT_DIR "/etc/ipsecd/certs"
#endif

#define PKI_MSG_MAX    512     /* enough for any message or reason text, NUL included */
#define PKI_FILE_MAX   1048576 /* bytes: a larger file is refused */
#define PKI_CACHE_SIZE 256     /* verification results kept, the oldest evicted first */

/* IKEv2 ID types (RFC 7296 3.5) this module deals in. */
enum pki_id_type {
	PKI_ID_AUTO = 0, /* pki_id_parse's "auto": the caller derives the ID */
	PKI_ID_IPV4_ADDR = 1,
	PKI_ID_FQDN = 2,
	PKI_ID_RFC822_ADDR = 3,
	PKI_ID_IPV6_ADDR = 5,
	PKI_ID_DER_ASN1_DN = 9,
	PKI_ID_KEY_ID = 11,
};

/* One certificate of the store and the facts /certificate print shows. Owned by the store,
 * valid until the entry is removed or replaced or the store freed; read-only to callers. */
struct pki_entry {
	char *name;
	X509 *cert;
	EVP_PKEY *key;	      /* the matching private key, or NULL */
	bool ca;	      /* basicConstraints CA:TRUE */
	bool trusted;	      /* a trust anchor: every CA unless pki_store_set_trusted said no */
	bool crl;	      /* a CRL issued by this certificate is loaded */
	bool revoked;	      /* a loaded CRL of its issuer lists it */
	char *subject;	      /* one line, most specific first: "CN=moon, O=test" */
	char *issuer;	      /* the same for the issuer */
	char *common_name;    /* the subject's CN, "" when it has none */
	char fingerprint[65]; /* SHA-256 of the DER, lowercase hex without colons */
	time_t not_before;    /* validity, UTC */
	time_t not_after;
	uint8_t spki_sha1[20]; /* SHA-1 of the DER SubjectPublicKeyInfo (RFC 7296 3.7) */
	uint8_t *der;	       /* the certificate's DER, as a CERT payload carries it */
	size_t der_len;
	const struct pki_entry *issued_by; /* the store's CA certificate that issued this one
					    * (never itself), or NULL */
};

/* A loaded CRL; at most one per issuer. Owned by the store, like entries. */
struct pki_crl {
	char *name;
	X509_CRL *crl;
	char *issuer; /* one-line DN */
	time_t this_update;
	time_t next_update; /* 0 when the CRL has none */
};

struct pki_cache_stats {
	uint64_t hits, misses; /* pki_verify calls answered from the cache, and not */
	size_t entries;	       /* results held now */
};

/* --- the store (cert.c) --- */

struct pki_store;

/* An empty store; the caller frees it with pki_store_free. NULL when out of memory. */
struct pki_store *pki_store_new(void);
/* Frees every certificate, key and CRL; accepts NULL. */
void pki_store_free(struct pki_store *s);

enum pki_import_flags {
	/* A private key in a file readable by group or others is imported, with a warning,
	 * instead of refused. */
	PKI_IMPORT_WARN_ONLY = 1u << 0,
};

/* Imports every certificate, CRL and private key in the file at path: PEM (any number of
 * CERTIFICATE, X509 CRL, PRIVATE KEY, ENCRYPTED PRIVATE KEY, RSA/EC PRIVATE KEY blocks,
 * legacy-encrypted ones too), or one DER certificate, CRL, PKCS#8 key (plain or
 * encrypted) or PKCS#12 bundle (key, certificate and CA chain). passphrase (NULL: none)
 * unlocks encrypted keys and PKCS#12; it is not kept.
 * name (NULL or "": the file's base name without extension; 200 bytes at most are used)
 * goes to the certificate that has the key, or else the first; the other certificates,
 * then the CRLs, become name_1, name_2, ... A name in use is replaced (its key kept when it
 * fits the new certificate: a renewal); a certificate already present is kept as it is,
 * gaining the key if it lacked one. A key is attached to the certificate in the file or in
 * the store with the same public key. A CRL replaces an older one of the same issuer and
 * must verify with the issuer's key when the store has the issuer. A file that is not
 * usable as a whole changes nothing. A file holding a private key must not be accessible
 * by group or others.
 * Returns 0 (msg: "" or a warning), or -ENOENT, -EACCES (file mode or permissions), -EFBIG,
 * -EINVAL (nothing usable), -EKEYREJECTED (passphrase missing or wrong), -ENOKEY (a key
 * no certificate matches), -EBADMSG (a CRL's signature), -ENOMEM; msg says which file
 * and why. msg has msgsize bytes (PKI_MSG_MAX is enough) and is always NUL-terminated. */
int pki_store_import(struct pki_store *s, const char *path, const char *name,
		     const char *passphrase, unsigned flags, char *msg, size_t msgsize);
/* Imports every regular file of dir (NULL: PKI_DEFAULT_DIR) not starting with a dot, in
 * name order, each under its base name without extension and without passphrase; key
 * files are retried after the rest, so a key may sort before its certificate. report (may
 * be NULL) hears of each file that failed (err < 0) or warned (err 0). Returns how many
 * files imported, 0 for a missing directory, or a negative errno when dir is unreadable. */
int pki_store_load_dir(struct pki_store *s, const char *dir, unsigned flags,
		       void (*report)(void *arg, const char *path, int err, const char *msg),
		       void *arg);
/* Removes the certificate or CRL called name. 0 or -ENOENT. */
int pki_store_remove(struct pki_store *s, const char *name);
/* Makes a certificate a trust anchor or not (a CA that is not one can still be an
 * intermediate). 0, -ENOENT, or -EINVAL for a non-CA made trusted. */
int pki_store_set_trusted(struct pki_store *s, const char *name, bool trusted);
/* Bumped by every change of certificates, keys, trust or CRLs. */
uint64_t pki_store_generation(const struct pki_store *s);

size_t pki_store_count(const struct pki_store *s);
/* The i-th certificate, NULL past the end; likewise the CRLs. */
const struct pki_entry *pki_store_entry(const struct pki_store *s, size_t i);
size_t pki_store_crl_count(const struct pki_store *s);
const struct pki_crl *pki_store_crl(const struct pki_store *s, size_t i);
/* Lookups; NULL when absent. find_subject takes a DER Name (an ID_DER_ASN1_DN's data) and
 * compares canonically (X509_NAME_cmp), preferring an entry with a private key. */
const struct pki_entry *pki_store_find(const struct pki_store *s, const char *name);
const struct pki_entry *pki_store_find_subject(const struct pki_store *s, const uint8_t *der,
					       size_t len);
/* The trust anchor whose SubjectPublicKeyInfo has this SHA-1 (a CERTREQ entry). */
const struct pki_entry *pki_store_find_ca_hash(const struct pki_store *s, const uint8_t sha1[20]);
/* CERTREQ's Certification Authority data (RFC 7296 3.7): the 20-byte SHA-1 of each trust
 * anchor's SubjectPublicKeyInfo, concatenated into out (room for max hashes). Returns the
 * number of trust anchors, which may exceed max; only max are written then. */
size_t pki_store_ca_hashes(const struct pki_store *s, uint8_t *out, size_t max);
bool pki_entry_expired(const struct pki_entry *e, time_t now);

/* Verifies leaf at time now, building the chain from the trust anchors, the store's other
 * CA certificates and untrusted (the peer's CERT payloads; may be NULL). Any trust anchor
 * may end the chain, but one up to a self-signed root is preferred, so that a trusted
 * intermediate is still checked against its CA's CRL. CRLs are checked for every
 * certificate of the chain whose issuer has one loaded; an issuer without a CRL does not
 * fail the chain (no CRL means "not checked", as most admins expect), and a CRL past its
 * nextUpdate still revokes what it lists without failing the rest. The result is cached
 * by the leaf and untrusted certificates until the store's generation changes, and a
 * cached result is used only while now lies within the chain's validity. leaf and
 * untrusted are borrowed. The store is not for sharing between threads: this call, too,
 * changes it (the cache).
 * 0: valid (reason ""). -EPERM: not valid, reason (reasonsize bytes, PKI_MSG_MAX is
 * enough) names the certificate and why: "certificate CN=moon, O=test: revoked (CRL of
 * CN=Test CA)". -ENOMEM when OpenSSL fails. */
int pki_verify(struct pki_store *s, X509 *leaf, STACK_OF(X509) *untrusted, time_t now, char *reason,
	       size_t reasonsize);
void pki_store_cache_stats(const struct pki_store *s, struct pki_cache_stats *out);

/* A certificate from exactly len bytes of DER (a CERT payload's data, encoding 4); the
 * caller X509_frees it. NULL when the bytes are not one certificate. */
X509 *pki_cert_from_der(const uint8_t *der, size_t len);
/* pki_cert_from_der through s's cache of the last PKI_CACHE_SIZE certificates parsed,
 * keyed by the SHA-256 of the DER: a peer's certificate is parsed once, not at every
 * handshake (parsing costs more than a P-256 signature). The caller X509_frees the result
 * as before (it holds a reference). s may be NULL: no cache. */
X509 *pki_store_cert_from_der(struct pki_store *s, const uint8_t *der, size_t len);
/* The pki_dn_line of the subject of x, a certificate pki_store_cert_from_der returned and
 * still caches, made once per certificate and kept with it (valid until the next
 * pki_store_cert_from_der or pki_store_free); NULL when x is not cached there. */
const char *pki_store_cert_subject(struct pki_store *s, const X509 *x);

/* --- identities (cert_id.c) --- */

/* A DN on one line, most specific RDN first, ", " between RDNs: "CN=moon, O=test"
 * (RFC 4514 order and escaping, UTF-8 kept, control characters escaped). The caller frees
 * it; NULL when out of memory. */
char *pki_dn_line(const X509_NAME *n);

/* Whether the ID is one the certificate vouches for (RFC 4945 3.1): IPV4_ADDR, IPV6_ADDR,
 * FQDN and RFC822_ADDR must be a subjectAltName of that kind (DNS names and e-mail
 * addresses compared case-insensitively; an FQDN is never matched against the subject's
 * CN), DER_ASN1_DN must equal the subject (canonical comparison). KEY_ID never matches. */
bool pki_cert_matches_id(const X509 *cert, uint8_t type, const uint8_t *data, size_t len);
/* The ID to send for my-id=auto with this certificate: its first subjectAltName that is a
 * DNS name (FQDN), e-mail address (RFC822_ADDR) or IP address, else the subject DN (DER).
 * *len: in, the room in out; out, the bytes written. 0, -ENOSPC or -ENOENT (no SAN and an
 * empty subject). */
int pki_cert_default_id(const X509 *cert, uint8_t *type, uint8_t *out, size_t *len);
/* The ID for logs and print: addresses as usual, names with non-printable bytes escaped
 * (\xNN), a DN on one line ("CN=moon, O=test"), a KEY_ID as text when printable, else 0x
 * and hex. Always NUL-terminated (truncated to size); returns buf. */
const char *pki_id_str(uint8_t type, const uint8_t *data, size_t len, char *buf, size_t size);
/* A configured ID into ID payload data. kind: "address" (IPv4 or IPv6), "fqdn",
 * "user-fqdn", "key-id" (text, or 0x and an even number of hex digits), "dn" or "asn1dn"
 * (RFC 4514 text, most specific first, "CN=moon, O=test", or OpenSSL's slash form in
 * encoding order, "/O=test/CN=moon"), "auto" (type PKI_ID_AUTO, no data). *len: in, the
 * room in out; out, the bytes written. 0, -EINVAL or -ENOSPC. */
int pki_id_parse(const char *kind, const char *text, uint8_t *type, uint8_t *out, size_t *len);

#endif
