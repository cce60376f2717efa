/* eap: EAP packets (RFC 3748 4, 5), the EAP-MSCHAPv2 framing
 * (draft-kamath-pppext-eap-mschapv2-02 2) and the EAP-TLS header with its fragmentation
 * (RFC 5216 3.1, 3.2; PEAP and TTLS share it). Structure only; bytes are borrowed. */
#include <errno.h>
#include <string.h>

#include "ipsecd/eap.h"

static bool rest(struct rbuf *r, struct eap_bytes *b)
{
	b->len = rbuf_left(r);
	return rbuf_bytes(r, b->len, &b->ptr);
}

int eap_decode(const uint8_t *p, size_t len, struct eap_pkt *e)
{
	struct rbuf r, body;

	memset(e, 0, sizeof(*e));
	rbuf_init(&r, p, len);
	if (!rbuf_u8(&r, &e->code) || !rbuf_u8(&r, &e->id) || !rbuf_u16(&r, &e->len) ||
	    e->len < EAP_HDR_LEN || e->len > len || !rbuf_sub(&r, e->len - EAP_HDR_LEN, &body))
		return -EBADMSG;
	switch (e->code) {
	case EAP_CODE_SUCCESS:
	case EAP_CODE_FAILURE: /* RFC 3748 4.2: no data */
		return e->len == EAP_HDR_LEN ? 0 : -EBADMSG;
	case EAP_CODE_REQUEST:
	case EAP_CODE_RESPONSE:
		break;
	default:
		return -EBADMSG;
	}
	if (!rbuf_u8(&body, &e->type))
		return -EBADMSG;
	if (e->type == EAP_T_EXPANDED) { /* RFC 3748 5.7: 3-byte Vendor-Id, 4-byte type */
		const uint8_t *v;

		if (!rbuf_bytes(&body, 3, &v) || !rbuf_u32(&body, &e->vendor_type))
			return -EBADMSG;
		e->vendor_id = (uint32_t)v[0] << 16 | (uint32_t)v[1] << 8 | v[2];
	}
	return rest(&body, &e->data) ? 0 : -EBADMSG;
}

void eap_encode(struct wbuf *w, uint8_t code, uint8_t id, uint8_t type, const void *data,
		size_t len)
{
	size_t start = wbuf_mark(w);

	wbuf_u8(w, code);
	wbuf_u8(w, id);
	wbuf_u16(w, 0);
	if (code == EAP_CODE_REQUEST || code == EAP_CODE_RESPONSE) {
		wbuf_u8(w, type);
		wbuf_bytes(w, data, len);
	}
	wbuf_patch_u16(w, start + 2, (uint16_t)(w->len - start));
	if (w->len - start > EAP_MAX_LEN)
		w->err = true;
}

void eap_put_identity(struct wbuf *w, uint8_t code, uint8_t id, const char *identity)
{
	eap_encode(w, code, id, EAP_T_IDENTITY, identity, strlen(identity));
}

void eap_put_nak(struct wbuf *w, uint8_t id, const uint8_t *types, size_t n)
{
	static const uint8_t none;

	eap_encode(w, EAP_CODE_RESPONSE, id, EAP_T_NAK, n ? types : &none, n ? n : 1);
}

const char *eap_type_name(uint8_t type)
{
	switch (type) {
	case EAP_T_IDENTITY:
		return "Identity";
	case EAP_T_NOTIFICATION:
		return "Notification";
	case EAP_T_NAK:
		return "Nak";
	case EAP_T_MD5:
		return "MD5-Challenge";
	case EAP_T_TLS:
		return "EAP-TLS";
	case EAP_T_TTLS:
		return "EAP-TTLS";
	case EAP_T_PEAP:
		return "PEAP";
	case EAP_T_MSCHAPV2:
		return "EAP-MSCHAPv2";
	case EAP_T_EXPANDED:
		return "Expanded";
	}
	return "unknown";
}

/* --- EAP-MSCHAPv2 --- */

int eap_mschapv2_decode(const struct eap_pkt *e, struct eap_mschapv2 *m)
{
	struct rbuf r;
	uint16_t ms_len;
	uint8_t vsize;

	memset(m, 0, sizeof(*m));
	if (e->type != EAP_T_MSCHAPV2 || e->code > EAP_CODE_RESPONSE)
		return -EBADMSG;
	rbuf_init(&r, e->data.ptr, e->data.len);
	if (!rbuf_u8(&r, &m->op))
		return -EBADMSG;
	/* the peer acknowledges a Success or Failure with the OpCode alone */
	if (e->code == EAP_CODE_RESPONSE && (m->op == EAP_MS_SUCCESS || m->op == EAP_MS_FAILURE))
		return rbuf_left(&r) ? -EBADMSG : 0;
	/* MS-Length: from the OpCode to the end, the EAP Length less 5 */
	if (!rbuf_u8(&r, &m->ms_id) || !rbuf_u16(&r, &ms_len) || ms_len != e->data.len)
		return -EBADMSG;
	switch (m->op) {
	case EAP_MS_CHALLENGE:
		if (e->code != EAP_CODE_REQUEST || !rbuf_u8(&r, &vsize) || vsize != 16 ||
		    !rbuf_bytes(&r, 16, &m->challenge))
			return -EBADMSG;
		return rest(&r, &m->name) ? 0 : -EBADMSG;
	case EAP_MS_RESPONSE:
		if (e->code != EAP_CODE_RESPONSE || !rbuf_u8(&r, &vsize) || vsize != 49 ||
		    !rbuf_bytes(&r, 16, &m->peer_challenge) || !rbuf_skip(&r, 8) ||
		    !rbuf_bytes(&r, 24, &m->nt_response) || !rbuf_u8(&r, &m->flags))
			return -EBADMSG;
		return rest(&r, &m->name) ? 0 : -EBADMSG;
	case EAP_MS_SUCCESS:
	case EAP_MS_FAILURE:
		return e->code == EAP_CODE_REQUEST && rest(&r, &m->message) ? 0 : -EBADMSG;
	case EAP_MS_CHANGE_PASSWORD:
		return -ENOTSUP;
	}
	return -EBADMSG;
}

/* OpCode, MS-CHAPv2-ID, MS-Length (patched by ms_end), inside an EAP header. */
static size_t ms_begin(struct wbuf *w, uint8_t code, uint8_t id, uint8_t op, uint8_t ms_id)
{
	size_t start = wbuf_mark(w);

	wbuf_u8(w, code);
	wbuf_u8(w, id);
	wbuf_u16(w, 0);
	wbuf_u8(w, EAP_T_MSCHAPV2);
	wbuf_u8(w, op);
	wbuf_u8(w, ms_id);
	wbuf_u16(w, 0);
	return start;
}

static void ms_end(struct wbuf *w, size_t start)
{
	wbuf_patch_u16(w, start + 2, (uint16_t)(w->len - start));
	wbuf_patch_u16(w, start + 7, (uint16_t)(w->len - start - 5));
}

void eap_put_ms_challenge(struct wbuf *w, uint8_t id, const uint8_t challenge[16], const char *name)
{
	size_t s = ms_begin(w, EAP_CODE_REQUEST, id, EAP_MS_CHALLENGE, id);

	wbuf_u8(w, 16);
	wbuf_bytes(w, challenge, 16);
	wbuf_bytes(w, name, strlen(name));
	ms_end(w, s);
}

void eap_put_ms_response(struct wbuf *w, uint8_t id, uint8_t ms_id, const uint8_t peer_chal[16],
			 const uint8_t nt_response[24], const char *name)
{
	size_t s = ms_begin(w, EAP_CODE_RESPONSE, id, EAP_MS_RESPONSE, ms_id);

	wbuf_u8(w, 49);
	wbuf_bytes(w, peer_chal, 16);
	wbuf_zero(w, 8);
	wbuf_bytes(w, nt_response, 24);
	wbuf_u8(w, 0); /* Flags */
	wbuf_bytes(w, name, strlen(name));
	ms_end(w, s);
}

void eap_put_ms_result(struct wbuf *w, uint8_t id, uint8_t op, uint8_t ms_id, const char *message)
{
	size_t s = ms_begin(w, EAP_CODE_REQUEST, id, op, ms_id);

	wbuf_bytes(w, message, strlen(message));
	ms_end(w, s);
}

void eap_put_ms_ack(struct wbuf *w, uint8_t id, uint8_t op)
{
	eap_encode(w, EAP_CODE_RESPONSE, id, EAP_T_MSCHAPV2, &op, 1);
}

/* --- EAP-TLS header and fragments --- */

int eap_tls_decode(const struct eap_pkt *e, struct eap_tls *t)
{
	struct rbuf r;

	memset(t, 0, sizeof(*t));
	if (e->code > EAP_CODE_RESPONSE)
		return -EBADMSG;
	rbuf_init(&r, e->data.ptr, e->data.len);
	if (!rbuf_u8(&r, &t->flags))
		return -EBADMSG;
	if (t->flags & EAP_TLS_L) {
		if (!rbuf_u32(&r, &t->tls_len))
			return -EBADMSG;
		if (t->tls_len > EAP_TLS_MAX_MSG)
			return -E2BIG;
	}
	if (!rest(&r, &t->data))
		return -EBADMSG;
	/* RFC 5216 3.2: the total length covers at least this fragment */
	if ((t->flags & EAP_TLS_L) && t->data.len > t->tls_len)
		return -EBADMSG;
	return 0;
}

void eap_put_tls_fragment(struct wbuf *w, uint8_t code, uint8_t id, uint8_t type, uint8_t version,
			  const uint8_t *msg, size_t len, size_t *off, size_t frag)
{
	size_t start = wbuf_mark(w), n = len - *off > frag ? frag : len - *off;
	uint8_t flags = version & EAP_TLS_VERSION;

	if (*off == 0 && n < len)
		flags |= EAP_TLS_L;
	if (*off + n < len)
		flags |= EAP_TLS_M;
	wbuf_u8(w, code);
	wbuf_u8(w, id);
	wbuf_u16(w, 0);
	wbuf_u8(w, type);
	wbuf_u8(w, flags);
	if (flags & EAP_TLS_L)
		wbuf_u32(w, (uint32_t)len);
	wbuf_bytes(w, msg + *off, n);
	wbuf_patch_u16(w, start + 2, (uint16_t)(w->len - start));
	*off += n;
}

void eap_tls_reasm_init(struct eap_tls_reasm *r)
{
	memset(r, 0, sizeof(*r));
	wbuf_init(&r->buf);
	r->buf.secret = true;
}

int eap_tls_reasm_add(struct eap_tls_reasm *r, const struct eap_tls *t)
{
	if (!r->active) {
		wbuf_reset(&r->buf);
		r->expect = (t->flags & EAP_TLS_L) ? t->tls_len : 0;
		r->active = true;
	} else if ((t->flags & EAP_TLS_L) && t->tls_len != r->expect) {
		return -EBADMSG;
	}
	if (r->buf.len + t->data.len > EAP_TLS_MAX_MSG)
		return -E2BIG;
	if (r->expect && r->buf.len + t->data.len > r->expect)
		return -EBADMSG;
	wbuf_bytes(&r->buf, t->data.ptr, t->data.len);
	if (r->buf.err)
		return -ENOMEM;
	if (t->flags & EAP_TLS_M)
		return 0;
	r->active = false;
	return !r->expect || r->buf.len == r->expect ? 1 : -EBADMSG;
}

void eap_tls_reasm_free(struct eap_tls_reasm *r)
{
	wbuf_free(&r->buf);
	r->active = false;
}
