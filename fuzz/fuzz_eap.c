/* fuzz_eap: bytes as an EAP packet, through the codec (src/eap/): the packet header, the
 * EAP-MSCHAPv2 framing, the EAP-TLS header and its reassembly, and both EAP-MSCHAPv2
 * state machines fed the packet. Nothing may read outside the packet; what decodes as
 * MSCHAPv2 Challenge is encoded again and must decode to the same fields. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/crypto.h"
#include "ipsecd/eap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

static bool pw(void *arg, const char *user, char *out, size_t len)
{
	strncpy(out, "pass", len);
	return true;
}

static void state_machines(const uint8_t *buf, size_t size)
{
	struct eap_ms_peer *peer = eap_ms_peer_new("user", "pass");
	struct eap_ms_auth *auth = eap_ms_auth_new("gw", pw, NULL);
	struct wbuf out;
	enum eap_status st;

	wbuf_init(&out);
	eap_ms_peer_process(peer, buf, size, &out, &st);
	wbuf_reset(&out);
	if (eap_ms_auth_start(auth, buf[1], &out) == 0) {
		wbuf_reset(&out);
		eap_ms_auth_process(auth, buf, size, &out, &st);
	}
	wbuf_free(&out);
	eap_ms_peer_free(peer);
	eap_ms_auth_free(auth);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	uint8_t *buf = malloc(size ? size : 1);
	struct eap_pkt e, e2;
	struct eap_mschapv2 m, m2;
	struct eap_tls t;
	struct eap_tls_reasm r;

	if (!init)
		init = crypto_init() == 0 || true;
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (eap_decode(buf, size, &e) == 0) {
		check(e.len <= size);
		eap_type_name(e.type);
		if (eap_mschapv2_decode(&e, &m) == 0 && m.op == EAP_MS_CHALLENGE) {
			struct wbuf w;
			char name[300];
			size_t n = m.name.len < sizeof(name) - 1 ? m.name.len : sizeof(name) - 1;

			memcpy(name, m.name.ptr, n);
			name[n] = '\0';
			wbuf_init(&w);
			eap_put_ms_challenge(&w, e.id, m.challenge, name);
			if (strlen(name) == m.name.len && m.ms_id == e.id) {
				check(eap_decode(w.p, w.len, &e2) == 0);
				check(eap_mschapv2_decode(&e2, &m2) == 0);
				check(!memcmp(m2.challenge, m.challenge, 16));
			}
			wbuf_free(&w);
		}
		eap_tls_reasm_init(&r);
		if (eap_tls_decode(&e, &t) == 0)
			eap_tls_reasm_add(&r, &t);
		eap_tls_reasm_free(&r);
		state_machines(buf, size);
	}
	free(buf);
	return 0;
}
