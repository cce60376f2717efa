/* peap: PEAPv0's phase 2 as a peer. Inside the tunnel the server's EAP packets come
 * without their 4-byte header (the outer one's Code and Identifier apply), except the
 * Result TLV that ends phase 2: a whole 11-byte EAP Request of type 33 (EAP-TLV) with
 * Result Success (1) or Failure (2), answered with the same TLV in a Response. The inner
 * method is EAP-MSCHAPv2 (and the Identity before it). No crypto binding: strongSwan's
 * server neither sends nor asks for one, and without it the MSK is the outer TLS's. */
#include <errno.h>
#include <string.h>

#include "tls_internal.h"

#define EAP_T_TLV	   33
#define TLV_RESULT	   0x8003 /* mandatory bit | Result */
#define TLV_RESULT_SUCCESS 1
#define TLV_RESULT_FAILURE 2
#define RESULT_PKT_LEN	   11

/* An EAP-TLV Result: 0 success, 1 failure, -1 not one. */
static int result_tlv(const uint8_t *d, size_t n, uint8_t *id)
{
	struct rbuf r;
	uint8_t code, type;
	uint16_t len, tlv, tlen, status;

	rbuf_init(&r, d, n);
	if (n != RESULT_PKT_LEN || !rbuf_u8(&r, &code) || !rbuf_u8(&r, id) || !rbuf_u16(&r, &len) ||
	    !rbuf_u8(&r, &type) || !rbuf_u16(&r, &tlv) || !rbuf_u16(&r, &tlen) ||
	    !rbuf_u16(&r, &status))
		return -1;
	if (code != EAP_CODE_REQUEST || len != n || type != EAP_T_TLV || tlv != TLV_RESULT ||
	    tlen != 2 || (status != TLV_RESULT_SUCCESS && status != TLV_RESULT_FAILURE))
		return -1;
	return status == TLV_RESULT_SUCCESS ? 0 : 1;
}

static void put_result(struct wbuf *w, uint8_t id, uint16_t status)
{
	wbuf_u8(w, EAP_CODE_RESPONSE);
	wbuf_u8(w, id);
	wbuf_u16(w, RESULT_PKT_LEN);
	wbuf_u8(w, EAP_T_TLV);
	wbuf_u16(w, TLV_RESULT);
	wbuf_u16(w, 2);
	wbuf_u16(w, status);
}

/* The server's Result: Success only after EAP-MSCHAPv2 proved the server too. */
static int result(struct eap_tls_peer *p, int failure, uint8_t id, struct wbuf *reply)
{
	bool ok = !failure && eap_tls_inner_ok(p);

	put_result(reply, id, ok ? TLV_RESULT_SUCCESS : TLV_RESULT_FAILURE);
	if (failure)
		eap_tls_fail(p, "PEAP: the server's inner result is Failure (user or password "
				"refused)");
	else if (!ok)
		eap_tls_fail(p, "PEAP: a Success result before EAP-MSCHAPv2 finished");
	return 0;
}

int eap_peap_recv(struct eap_tls_peer *p, const uint8_t *d, size_t n, struct wbuf *reply)
{
	struct wbuf pkt, resp;
	enum eap_status st;
	uint8_t id;
	int r = result_tlv(d, n, &id);

	if (r >= 0)
		return result(p, r, id, reply);
	if (n == 0 || n + EAP_HDR_LEN > EAP_MAX_LEN) {
		eap_tls_fail(p, "PEAP: an empty or oversized inner packet");
		return -EBADMSG;
	}
	/* the header the server left out, so that EAP-MSCHAPv2 sees a whole Request */
	wbuf_init(&pkt);
	wbuf_init(&resp);
	pkt.secret = resp.secret = true;
	eap_encode(&pkt, EAP_CODE_REQUEST, ++p->inner_id, d[0], d + 1, n - 1);
	r = pkt.err ? -ENOMEM : eap_ms_peer_process(p->ms, pkt.p, pkt.len, &resp, &st);
	if (r < 0 || st == EAP_ST_FAILURE)
		eap_tls_fail(p, "PEAP: the inner EAP-MSCHAPv2 failed (%s)",
			     r < 0 ? "an unexpected packet" : "the server's proof is wrong");
	else if (resp.len > EAP_HDR_LEN)
		wbuf_bytes(reply, resp.p + EAP_HDR_LEN, resp.len - EAP_HDR_LEN);
	wbuf_free(&pkt);
	wbuf_free(&resp);
	return r < 0 ? -EPROTO : 0;
}

bool eap_tls_inner_ok(struct eap_tls_peer *p)
{
	uint8_t success[EAP_HDR_LEN] = {EAP_CODE_SUCCESS, p->inner_id, 0, EAP_HDR_LEN};
	struct wbuf none;
	enum eap_status st;

	if (p->phase2_ok)
		return true;
	wbuf_init(&none);
	p->phase2_ok = eap_ms_peer_process(p->ms, success, sizeof(success), &none, &st) == 0 &&
		       st == EAP_ST_SUCCESS;
	wbuf_free(&none);
	return p->phase2_ok;
}
