/* fuzz_auth: what a peer sends for certificate and raw-key authentication, on untrusted
 * bytes (libFuzzer target). The first byte picks the path:
 *   AUTH data   sig_verify under each method with P-256, RSA and Ed25519 keys made once,
 *               and the same bytes as IKEv1's SIG data through sig_v1_verify; garbage
 *               must never verify
 *   CERT data   pki_cert_from_der, then the rest of the bytes as an ID of every type
 *               against the certificate and through pki_id_str
 *   SPKI        sig_key_from_spki (a raw public key)
 * Ids and certificate texts end up in logs, so pki_id_str must always NUL-terminate. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ipsecd/pki.h"
#include "ipsecd/sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static EVP_PKEY *keys[3];
static const uint8_t octets[] = "IKE_SA_INIT | nonce | prf(SK_p, ID)";
static const uint8_t id_types[] = {1, 2, 3, 5, 9, 10, 11, 0, 255};

static void init(void)
{
	if (keys[0])
		return;
	keys[0] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	keys[1] = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	keys[2] = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!keys[0] || !keys[1] || !keys[2])
		abort();
}

static void auth_data(uint8_t sel, const uint8_t *p, size_t n)
{
	static const uint8_t methods[] = {1, 9, 10, 11, 14, 2, 0, 255};
	static const uint16_t v1_methods[] = {3, 9, 10, 11, 64221};
	char why[160];

	why[0] = 'x';
	if (sig_verify(keys[sel % 3], methods[(sel / 3) % 8], p, n, octets, sizeof(octets), why,
		       sizeof(why)) == 0)
		abort(); /* random bytes are no valid signature */
	if (!memchr(why, '\0', sizeof(why)))
		abort();
	why[0] = 'x';
	if (sig_v1_verify(keys[sel % 3], v1_methods[(sel / 3) % 5], p, n, octets, 32, why,
			  sizeof(why)) == 0)
		abort();
	if (!memchr(why, '\0', sizeof(why)))
		abort();
}

/* The first byte says how long the certificate is (16-byte units); the rest is an ID. */
static void cert_data(const uint8_t *p, size_t n)
{
	char buf[128];

	if (n < 1)
		return;
	size_t cl = (size_t)p[0] * 16 < n - 1 ? (size_t)p[0] * 16 : n - 1;
	const uint8_t *id = p + 1 + cl;
	size_t idlen = n - 1 - cl;
	X509 *x = pki_cert_from_der(p + 1, cl);

	for (size_t i = 0; i < sizeof(id_types); i++) {
		if (x)
			(void)pki_cert_matches_id(x, id_types[i], id, idlen);
		pki_id_str(id_types[i], id, idlen, buf, sizeof(buf));
		if (!memchr(buf, '\0', sizeof(buf)))
			abort();
	}
	if (x) {
		uint8_t type, out[256];
		size_t len = sizeof(out);

		(void)pki_cert_default_id(x, &type, out, &len);
		X509_free(x);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	init();
	switch (data[0] % 3) {
	case 0:
		auth_data(data[0] / 3, data + 1, size - 1);
		break;
	case 1:
		cert_data(data + 1, size - 1);
		break;
	default:
		sig_key_free(sig_key_from_spki(data + 1, size - 1));
		break;
	}
	return 0;
}
