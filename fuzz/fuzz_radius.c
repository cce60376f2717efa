/* fuzz_radius: bytes as a RADIUS reply off the wire, through the codec (src/radius/). The
 * decoder may refuse; it must never read outside the packet. Accepted packets go through
 * the authenticator checks and the reply decoder (MPPE decryption included), are
 * re-encoded attribute by attribute and decoded again: both decodes must agree. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/radius.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t req_auth[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

static void check(bool ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct radius_pkt p, q;
	static struct radius_reply r;
	uint8_t *buf = malloc(size ? size : 1);
	const char *why;
	struct wbuf w;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (radius_decode(buf, size, &p) == 0) {
		check(p.len <= size && p.len >= RADIUS_HDR_LEN);
		radius_verify_reply(&p, req_auth, "secret", 6, false, &why);
		radius_verify_request(&p, "secret", 6);
		if (radius_reply_parse(&p, req_auth, "secret", 6, &r) == 0)
			check(r.eap_len <= sizeof(r.eap));
		radius_reply_clear(&r);
		wbuf_init(&w);
		radius_enc_begin(&w, p.code, p.id, p.auth);
		for (unsigned int i = 0; i < p.nattr; i++)
			check(radius_put(&w, p.attr[i].type, p.attr[i].value, p.attr[i].len));
		wbuf_patch_u16(&w, 2, (uint16_t)w.len);
		check(!w.err && w.len == p.len && !memcmp(w.p, buf, w.len));
		check(radius_decode(w.p, w.len, &q) == 0 && q.nattr == p.nattr);
		wbuf_free(&w);
		radius_code_name(p.code);
	}
	free(buf);
	return 0;
}
