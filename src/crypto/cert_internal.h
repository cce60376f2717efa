/* The X.509 files' shared helpers (cert.c, cert_id.c), for them and nobody else. */
#ifndef IPSECD_CERT_INTERNAL_H
#define IPSECD_CERT_INTERNAL_H

#include <time.h>

#include <openssl/x509.h>

#include "ipsecd/pki.h"

/* An ASN1_TIME as seconds since the epoch; 0 when t is NULL or malformed. */
time_t pki_asn1_time(const ASN1_TIME *t);
/* "2026-01-01 00:00:00 UTC" into buf. */
void pki_time_str(time_t t, char *buf, size_t size);

#endif
