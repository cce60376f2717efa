/* crypto_aaa: the old primitives RADIUS and EAP-MSCHAPv2 are built on: MD5 and HMAC-MD5
 * (RFC 2865 3, RFC 3579 3.2, RFC 2548 2.4.2), MD4 and single DES (RFC 2759 8). MD4 and DES
 * live in OpenSSL 3's legacy provider, loaded by crypto_init(); where it is missing those
 * two return -ENOPROTOOPT and crypto_aaa_legacy_error() says why. */
#ifndef IPSECD_CRYPTO_AAA_H
#define IPSECD_CRYPTO_AAA_H

#include <stddef.h>
#include <stdint.h>

#include "ipsecd/crypto.h"

/* MD5 of the pieces. 0 or -EIO. */
int crypto_md5(const struct crypto_iov *iov, size_t n, uint8_t out[16]);
/* HMAC-MD5 of the pieces under key. 0 or -EIO. */
int crypto_hmac_md5(const void *key, size_t keylen, const struct crypto_iov *iov, size_t n,
		    uint8_t out[16]);
/* MD4 of len bytes (RFC 1320). 0, or -ENOPROTOOPT without the legacy provider. */
int crypto_md4(const void *p, size_t len, uint8_t out[16]);
/* One DES-ECB block under a 56-bit key given as 7 bytes, parity bits inserted
 * (RFC 2759 8.6 DesEncrypt). 0, or -ENOPROTOOPT without the legacy provider. */
int crypto_des7_encrypt(const uint8_t key7[7], const uint8_t in[8], uint8_t out[8]);
/* The line to log when MD4 or DES is missing. */
const char *crypto_aaa_legacy_error(void);

#endif
