/* fuzz_eap_tls: bytes as what a TLS-based EAP server sends ipsecd's peer. The first byte
 * picks the part: the EAP-TLS framing engine (a PEAP or TTLS peer after its Start: the
 * fragments, acknowledgements and reassembly, and the TLS bytes OpenSSL gets), PEAP's
 * phase 2 (header-less inner packets, the Result TLV), TTLS's phase 2 (AVPs) or the client
 * choosing among its methods (Identity, Nak, Notification, Success). The rest is split
 * into packets, each led by one length byte. Nothing may read outside a packet or crash;
 * no Success may come out of it (the bytes cannot finish a TLS handshake). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/eap/tls_internal.h"
#include "ipsecd/crypto.h"
#include "ipsecd/pki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pki_store *store;

static void check(bool ok)
{
	if (!ok)
		abort();
}

static struct eap_tls_peer *peer(uint8_t type)
{
	struct eap_tls_conf c = {.type = type, .store = store, .user = "u", .password = "p"};
	char why[128];

	return eap_tls_peer_new(&c, why, sizeof(why));
}

/* The next packet: one length byte, then that many bytes (fewer at the end). */
static bool next(const uint8_t **d, size_t *n, const uint8_t **pkt, size_t *len)
{
	if (!*n)
		return false;
	*len = **d < *n - 1 ? **d : *n - 1;
	*pkt = *d + 1;
	*d += 1 + *len;
	*n -= 1 + *len;
	return true;
}

static void framing(uint8_t type, const uint8_t *d, size_t n)
{
	const uint8_t start[] = {1, 1, 0, 6, type, EAP_TLS_S};
	struct eap_tls_peer *p = peer(type);
	enum eap_status st = EAP_ST_CONTINUE;
	struct wbuf out;
	const uint8_t *pkt;
	size_t len;

	wbuf_init(&out);
	if (p && eap_tls_peer_process(p, start, sizeof(start), &out, &st) == 0)
		while (st == EAP_ST_CONTINUE && next(&d, &n, &pkt, &len)) {
			wbuf_reset(&out);
			if (eap_tls_peer_process(p, pkt, len, &out, &st) < 0)
				break;
		}
	check(st != EAP_ST_SUCCESS && (!p || !eap_tls_peer_msk(p)));
	wbuf_free(&out);
	eap_tls_peer_free(p);
}

static void phase2(uint8_t type, const uint8_t *d, size_t n)
{
	struct eap_tls_peer *p = peer(type);
	struct wbuf reply;
	const uint8_t *pkt;
	size_t len;

	wbuf_init(&reply);
	while (p && next(&d, &n, &pkt, &len)) {
		wbuf_reset(&reply);
		if ((type == EAP_T_PEAP ? eap_peap_recv(p, pkt, len, &reply)
					: eap_ttls_recv(p, pkt, len, &reply)) < 0)
			break;
	}
	if (p)
		eap_tls_inner_ok(p); /* forged inner successes cannot have proved the server */
	wbuf_free(&reply);
	eap_tls_peer_free(p);
}

static void client(const uint8_t *d, size_t n)
{
	const uint8_t methods[] = {EAP_T_PEAP, EAP_T_MSCHAPV2, EAP_T_TTLS};
	struct eap_client_conf c = {.identity = "u",
				    .methods = methods,
				    .nmethods = sizeof(methods),
				    .user = "u",
				    .password = "p",
				    .store = store};
	struct eap_client *x = eap_client_new(&c);
	enum eap_status st = EAP_ST_CONTINUE;
	struct wbuf out;
	const uint8_t *pkt;
	size_t len;

	wbuf_init(&out);
	while (x && st == EAP_ST_CONTINUE && next(&d, &n, &pkt, &len)) {
		wbuf_reset(&out);
		if (eap_client_process(x, pkt, len, &out, &st) < 0)
			break;
	}
	check(!x || !eap_client_msk(x, &len) || eap_client_method(x) == EAP_T_MSCHAPV2);
	wbuf_free(&out);
	eap_client_free(x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!store) {
		crypto_init();
		store = pki_store_new();
	}
	if (size < 1)
		return 0;
	switch (data[0] % 5) {
	case 0:
		framing(EAP_T_PEAP, data + 1, size - 1);
		break;
	case 1:
		framing(EAP_T_TTLS, data + 1, size - 1);
		break;
	case 2:
		phase2(EAP_T_PEAP, data + 1, size - 1);
		break;
	case 3:
		phase2(EAP_T_TTLS, data + 1, size - 1);
		break;
	default:
		client(data + 1, size - 1);
	}
	return 0;
}
