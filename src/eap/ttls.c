/* ttls: EAP-TTLSv0's phase 2 as a peer (RFC 5281 10-11): the inner EAP packets, whole,
 * travel in EAP-Message AVPs (code 79, M bit) padded to 4 bytes. The client speaks first,
 * with its EAP-Response/Identity; the server then runs EAP-MSCHAPv2 inside and, when it
 * succeeds, sends the outer EAP-Success: the server's "S=" proof must have come first. */
#include <errno.h>
#include <string.h>

#include "tls_internal.h"

#define AVP_EAP_MESSAGE 79
#define AVP_FLAG_V	0x80
#define AVP_FLAG_M	0x40
#define AVP_HDR_LEN	8

static void put_eap_avp(struct wbuf *w, const uint8_t *eap, size_t len)
{
	wbuf_u32(w, AVP_EAP_MESSAGE);
	wbuf_u8(w, AVP_FLAG_M);
	wbuf_u8(w, (uint8_t)((len + AVP_HDR_LEN) >> 16));
	wbuf_u16(w, (uint16_t)(len + AVP_HDR_LEN));
	wbuf_bytes(w, eap, len);
	wbuf_zero(w, (4 - len % 4) % 4);
}

/* The EAP-Message AVPs of d, joined into eap (RFC 5281 11.1: a long message may span
 * several); other AVPs without the M bit are skipped, with it refused. */
static int eap_avps(struct eap_tls_peer *p, const uint8_t *d, size_t n, struct wbuf *eap)
{
	struct rbuf r, body;
	uint32_t code, vendor = 0;
	uint16_t len_lo;
	uint8_t flags, len_hi;
	size_t len;

	rbuf_init(&r, d, n);
	while (rbuf_left(&r)) {
		if (!rbuf_u32(&r, &code) || !rbuf_u8(&r, &flags) || !rbuf_u8(&r, &len_hi) ||
		    !rbuf_u16(&r, &len_lo) || (len = (size_t)len_hi << 16 | len_lo) < AVP_HDR_LEN ||
		    !rbuf_sub(&r, len - AVP_HDR_LEN, &body) ||
		    ((flags & AVP_FLAG_V) && !rbuf_u32(&body, &vendor)) ||
		    !rbuf_skip(&r, (4 - len % 4) % 4 < rbuf_left(&r) ? (4 - len % 4) % 4
								     : rbuf_left(&r))) {
			eap_tls_fail(p, "TTLS: a malformed AVP");
			return -EBADMSG;
		}
		if (code == AVP_EAP_MESSAGE && !(flags & AVP_FLAG_V)) {
			const uint8_t *b;
			size_t bl = rbuf_left(&body);

			if (rbuf_bytes(&body, bl, &b))
				wbuf_bytes(eap, b, bl);
		} else if (flags & AVP_FLAG_M) {
			eap_tls_fail(p, "TTLS: a mandatory AVP %u (vendor %u) we do not know", code,
				     vendor);
			return -ENOTSUP;
		}
	}
	return eap->err ? -ENOMEM : 0;
}

/* One inner EAP packet through EAP-MSCHAPv2; its answer, in an AVP, into reply. */
static int inner(struct eap_tls_peer *p, const uint8_t *eap, size_t len, struct wbuf *reply)
{
	struct wbuf resp;
	enum eap_status st = EAP_ST_CONTINUE;
	int r;

	wbuf_init(&resp);
	resp.secret = true;
	if (len >= 2)
		p->inner_id = eap[1];
	r = eap_ms_peer_process(p->ms, eap, len, &resp, &st);
	if (r < 0 || st == EAP_ST_FAILURE) {
		eap_tls_fail(p, "TTLS: the inner EAP-MSCHAPv2 failed (%s)",
			     r < 0 ? "an unexpected packet" : "refused or a wrong proof");
		r = r < 0 ? -EPROTO : 0;
	} else if (resp.len) {
		put_eap_avp(reply, resp.p, resp.len);
	}
	wbuf_free(&resp);
	return r;
}

int eap_ttls_recv(struct eap_tls_peer *p, const uint8_t *d, size_t n, struct wbuf *reply)
{
	struct wbuf eap;
	int r;

	wbuf_init(&eap);
	eap.secret = true;
	if ((r = eap_avps(p, d, n, &eap)) == 0 && eap.len)
		r = inner(p, eap.p, eap.len, reply);
	wbuf_free(&eap);
	return r;
}

int eap_ttls_start(struct eap_tls_peer *p, struct wbuf *reply)
{
	/* as if the server had asked: EAP-MSCHAPv2's peer answers with the user name */
	const uint8_t ask[] = {EAP_CODE_REQUEST, 0, 0, EAP_HDR_LEN + 1, EAP_T_IDENTITY};

	return inner(p, ask, sizeof(ask), reply);
}
