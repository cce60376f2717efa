/* ikev2_decode: IKEv2 message header and payload chain, bytes to struct ikev2_msg
 * (RFC 7296 3, RFC 7383 2.5). Structure only: every length is checked against what is left
 * through struct rbuf before it is used, repeated items are capped, singletons may appear
 * once; what the values mean is the engine's business. The substructures of SA, TS and CP
 * payloads are read in ikev2_decode_sub.c. */
#include <errno.h>
#include <string.h>

#include "internal.h"

#define IKEV2_NONCE_MIN 16 /* RFC 7296 3.9 */
#define IKEV2_NONCE_MAX 256

/* Payload types this codec reads, and those that may appear once per message. */
#define KNOWN_PAYLOADS                                                                             \
	(IKEV2_BIT(IKEV2_PLD_SA) | IKEV2_BIT(IKEV2_PLD_KE) | IKEV2_BIT(IKEV2_PLD_IDI) |            \
	 IKEV2_BIT(IKEV2_PLD_IDR) | IKEV2_BIT(IKEV2_PLD_CERT) | IKEV2_BIT(IKEV2_PLD_CERTREQ) |     \
	 IKEV2_BIT(IKEV2_PLD_AUTH) | IKEV2_BIT(IKEV2_PLD_NONCE) | IKEV2_BIT(IKEV2_PLD_NOTIFY) |    \
	 IKEV2_BIT(IKEV2_PLD_DELETE) | IKEV2_BIT(IKEV2_PLD_VENDOR) | IKEV2_BIT(IKEV2_PLD_TSI) |    \
	 IKEV2_BIT(IKEV2_PLD_TSR) | IKEV2_BIT(IKEV2_PLD_SK) | IKEV2_BIT(IKEV2_PLD_CP) |            \
	 IKEV2_BIT(IKEV2_PLD_EAP) | IKEV2_BIT(IKEV2_PLD_SKF))
#define SINGLETONS                                                                                 \
	(IKEV2_BIT(IKEV2_PLD_SA) | IKEV2_BIT(IKEV2_PLD_KE) | IKEV2_BIT(IKEV2_PLD_IDI) |            \
	 IKEV2_BIT(IKEV2_PLD_IDR) | IKEV2_BIT(IKEV2_PLD_AUTH) | IKEV2_BIT(IKEV2_PLD_NONCE) |       \
	 IKEV2_BIT(IKEV2_PLD_TSI) | IKEV2_BIT(IKEV2_PLD_TSR) | IKEV2_BIT(IKEV2_PLD_SK) |           \
	 IKEV2_BIT(IKEV2_PLD_CP) | IKEV2_BIT(IKEV2_PLD_EAP) | IKEV2_BIT(IKEV2_PLD_SKF))

/* EAP codes (RFC 3748 4, RFC 6696 5.3 for Initiate and Finish). */
#define EAP_REQUEST  1
#define EAP_RESPONSE 2
#define EAP_SUCCESS  3
#define EAP_FAILURE  4
#define EAP_FINISH   6

/* One generic payload header (RFC 7296 3.2) and the reader over its body. */
struct pld {
	uint8_t type, next;
	bool critical;
	size_t off; /* of the generic header in the buffer being decoded */
	struct rbuf body;
};

static bool is_known(uint8_t type)
{
	return type >= 32 && type < 64 && (KNOWN_PAYLOADS & IKEV2_BIT(type));
}

static bool is_singleton(uint8_t type)
{
	return SINGLETONS & IKEV2_BIT(type);
}

/* --- payloads of a fixed prefix and a variable rest --- */

static int dec_ke(struct rbuf *b, struct ikev2_ke *ke)
{
	/* RFC 7296 3.4: group, two reserved bytes, key exchange data */
	if (!rbuf_u16(b, &ke->group) || !rbuf_skip(b, 2) || !ikev2_rest(b, &ke->data))
		return -EBADMSG;
	return 0;
}

static int dec_id(struct rbuf *b, struct ikev2_id *id)
{
	/* RFC 7296 3.5: type, three reserved bytes, data; AUTH signs all of it (2.15) */
	struct rbuf all = *b;

	if (!ikev2_rest(&all, &id->body) || !rbuf_u8(b, &id->type) || !rbuf_skip(b, 3) ||
	    !ikev2_rest(b, &id->data))
		return -EBADMSG;
	return 0;
}

static int dec_cert(struct rbuf *b, struct ikev2_cert *c, uint8_t *n)
{
	/* RFC 7296 3.6, 3.7: encoding, then certificate data or CA hashes */
	if (*n >= IKEV2_MAX_CERT)
		return -E2BIG;
	if (!rbuf_u8(b, &c[*n].encoding) || !ikev2_rest(b, &c[*n].data))
		return -EBADMSG;
	(*n)++;
	return 0;
}

static int dec_auth(struct rbuf *b, struct ikev2_auth *a)
{
	/* RFC 7296 3.8: method, three reserved bytes, authentication data */
	if (!rbuf_u8(b, &a->method) || !rbuf_skip(b, 3) || !ikev2_rest(b, &a->data))
		return -EBADMSG;
	return 0;
}

static int dec_nonce(struct rbuf *b, struct wire_bytes *nonce)
{
	size_t n = rbuf_left(b);

	/* RFC 7296 3.9: between 16 and 256 octets */
	if (n < IKEV2_NONCE_MIN || n > IKEV2_NONCE_MAX || !ikev2_rest(b, nonce))
		return -EBADMSG;
	return 0;
}

static int dec_notify(struct rbuf *b, struct ikev2_msg *m)
{
	struct ikev2_notify *n = &m->notify[m->nnotify];

	/* RFC 7296 3.10: protocol, SPI size, type, SPI, data */
	if (m->nnotify >= IKEV2_MAX_NOTIFY)
		return -E2BIG;
	if (!rbuf_u8(b, &n->proto) || !rbuf_u8(b, &n->spi_size) || !rbuf_u16(b, &n->type) ||
	    !ikev2_take(b, n->spi_size, &n->spi) || !ikev2_rest(b, &n->data))
		return -EBADMSG;
	m->nnotify++;
	return 0;
}

static int dec_delete(struct rbuf *b, struct ikev2_msg *m)
{
	struct ikev2_delete *d = &m->del[m->ndelete];

	/* RFC 7296 3.11: protocol, SPI size, number of SPIs, the SPIs and nothing else */
	if (m->ndelete >= IKEV2_MAX_DELETE)
		return -E2BIG;
	if (!rbuf_u8(b, &d->proto) || !rbuf_u8(b, &d->spi_size) || !rbuf_u16(b, &d->nspi))
		return -EBADMSG;
	if (rbuf_left(b) != (size_t)d->nspi * d->spi_size || !ikev2_rest(b, &d->spis))
		return -EBADMSG;
	m->ndelete++;
	return 0;
}

static int dec_vendor(struct rbuf *b, struct ikev2_msg *m)
{
	/* RFC 7296 3.12: the Vendor ID is the whole body */
	if (m->nvendor >= IKEV2_MAX_VENDOR)
		return -E2BIG;
	if (!ikev2_rest(b, &m->vendor[m->nvendor]))
		return -EBADMSG;
	m->nvendor++;
	return 0;
}

/* RFC 7296 3.16: the body is one EAP message; its own header must agree with the payload
 * (RFC 3748 4: Request and Response carry a Type, Success and Failure nothing). */
static int dec_eap(struct rbuf *b, struct wire_bytes *eap)
{
	struct rbuf hdr;
	uint8_t code, ident;
	uint16_t len;

	if (!ikev2_rest(b, eap))
		return -EBADMSG;
	rbuf_init(&hdr, eap->ptr, eap->len);
	if (!rbuf_u8(&hdr, &code) || !rbuf_u8(&hdr, &ident) || !rbuf_u16(&hdr, &len))
		return -EBADMSG;
	if (len != eap->len || code < EAP_REQUEST || code > EAP_FINISH)
		return -EBADMSG;
	if ((code == EAP_REQUEST || code == EAP_RESPONSE) && len < 5)
		return -EBADMSG;
	if ((code == EAP_SUCCESS || code == EAP_FAILURE) && len != 4)
		return -EBADMSG;
	return 0;
}

static int dec_known(struct ikev2_msg *m, uint8_t type, struct rbuf *b)
{
	switch (type) {
	case IKEV2_PLD_SA:
		return ikev2_dec_sa(b, &m->sa);
	case IKEV2_PLD_KE:
		return dec_ke(b, &m->ke);
	case IKEV2_PLD_IDI:
		return dec_id(b, &m->idi);
	case IKEV2_PLD_IDR:
		return dec_id(b, &m->idr);
	case IKEV2_PLD_CERT:
		return dec_cert(b, m->cert, &m->ncert);
	case IKEV2_PLD_CERTREQ:
		return dec_cert(b, m->certreq, &m->ncertreq);
	case IKEV2_PLD_AUTH:
		return dec_auth(b, &m->auth);
	case IKEV2_PLD_NONCE:
		return dec_nonce(b, &m->nonce);
	case IKEV2_PLD_NOTIFY:
		return dec_notify(b, m);
	case IKEV2_PLD_DELETE:
		return dec_delete(b, m);
	case IKEV2_PLD_VENDOR:
		return dec_vendor(b, m);
	case IKEV2_PLD_TSI:
		return ikev2_dec_ts(b, &m->tsi);
	case IKEV2_PLD_TSR:
		return ikev2_dec_ts(b, &m->tsr);
	case IKEV2_PLD_CP:
		return ikev2_dec_cp(b, &m->cp);
	case IKEV2_PLD_EAP:
		return dec_eap(b, &m->eap);
	}
	return -EBADMSG; /* SK and SKF are read by dec_sk */
}

/* --- the chain --- */

/* RFC 7296 3.14, RFC 7383 2.5: SK or SKF ends the clear part and must be the last payload;
 * after its generic header (and SKF's fragment numbers) come IV | ciphertext | ICV. */
static int dec_sk(struct pld *g, const struct rbuf *r, struct ikev2_msg *m)
{
	if (rbuf_left(r))
		return -EBADMSG;
	m->sk_next = g->next;
	m->sk_hdr_off = g->off;
	m->sk_aad_len = g->off + IKEV2_GEN_HDR_LEN;
	if (g->type == IKEV2_PLD_SKF) {
		if (!rbuf_u16(&g->body, &m->frag_num) || !rbuf_u16(&g->body, &m->frag_total))
			return -EBADMSG;
		if (m->frag_num == 0 || m->frag_total < m->frag_num)
			return -EBADMSG;
		if (m->frag_total > IKEV2_MAX_FRAGMENTS)
			return -E2BIG;
		m->sk_aad_len += 4;
	}
	return ikev2_rest(&g->body, &m->sk) ? 0 : -EBADMSG;
}

/* One payload whose generic header has been read. RFC 7296 3.2: an unknown payload is
 * skipped, and remembered when its critical bit is set; the bit means nothing on a known
 * payload. */
static int dec_payload(struct pld *g, struct ikev2_msg *m)
{
	int err;

	if (!is_known(g->type)) {
		if (g->critical && !m->unsupported_critical)
			m->unsupported_critical = g->type;
		return 0;
	}
	if (is_singleton(g->type) && ikev2_has(m, g->type))
		return -EBADMSG;
	err = dec_known(m, g->type, &g->body);
	if (err)
		return err;
	if (g->body.err || rbuf_left(&g->body))
		return -EBADMSG;
	m->present |= IKEV2_BIT(g->type);
	return 0;
}

/* Reads payloads from r, the first of type `type`, until one names no next payload (which
 * must end r) or an SK/SKF payload (only when !inner). */
static int dec_chain(struct rbuf *r, uint8_t type, struct ikev2_msg *m, bool inner)
{
	struct pld g;
	uint8_t flags;
	uint16_t len;
	int err;

	while (type != IKEV2_PLD_NONE) {
		g.type = type;
		g.off = r->off;
		if (!rbuf_u8(r, &g.next) || !rbuf_u8(r, &flags) || !rbuf_u16(r, &len))
			return -EBADMSG;
		if (len < IKEV2_GEN_HDR_LEN || !rbuf_sub(r, len - IKEV2_GEN_HDR_LEN, &g.body))
			return -EBADMSG;
		g.critical = flags & IKEV2_CRITICAL;
		if (type == IKEV2_PLD_SK || type == IKEV2_PLD_SKF) {
			/* RFC 7383 2.5: nothing encrypted is nested in an encrypted payload */
			if (inner || ikev2_has(m, IKEV2_PLD_SK) || ikev2_has(m, IKEV2_PLD_SKF))
				return -EBADMSG;
			err = dec_sk(&g, r, m);
			if (!err)
				m->present |= IKEV2_BIT(type);
			return err;
		}
		err = dec_payload(&g, m);
		if (err)
			return err;
		type = g.next;
	}
	return rbuf_left(r) ? -EBADMSG : 0;
}

/* RFC 7296 3.1. The version is checked first so that an IKEv1 or future message gets
 * INVALID_MAJOR_VERSION rather than a syntax error; the X flag bits are ignored. */
int ikev2_decode_hdr(const uint8_t *buf, size_t len, struct ikev2_hdr *h)
{
	struct rbuf r;

	rbuf_init(&r, buf, len);
	if (!rbuf_u64(&r, &h->spi_i) || !rbuf_u64(&r, &h->spi_r) || !rbuf_u8(&r, &h->next) ||
	    !rbuf_u8(&r, &h->version) || !rbuf_u8(&r, &h->exch) || !rbuf_u8(&r, &h->flags) ||
	    !rbuf_u32(&r, &h->msgid) || !rbuf_u32(&r, &h->length))
		return -EBADMSG;
	if (h->version >> 4 != IKEV2_VERSION >> 4)
		return -EPROTONOSUPPORT;
	if (h->length < IKEV2_HDR_LEN || h->length > IKEV2_MAX_MSG)
		return -EBADMSG;
	h->flags &= IKEV2_FLAGS_KNOWN;
	return 0;
}

int ikev2_decode(const uint8_t *buf, size_t len, struct ikev2_msg *m)
{
	struct rbuf r;
	int err;

	memset(m, 0, sizeof(*m));
	err = ikev2_decode_hdr(buf, len, &m->hdr);
	if (err)
		return err;
	if (m->hdr.length != len)
		return -EBADMSG;
	rbuf_init(&r, buf, len);
	rbuf_skip(&r, IKEV2_HDR_LEN);
	return dec_chain(&r, m->hdr.next, m, false);
}

int ikev2_decode_inner(const uint8_t *buf, size_t len, uint8_t first, struct ikev2_msg *m)
{
	struct rbuf r;

	rbuf_init(&r, buf, len);
	return dec_chain(&r, first, m, true);
}
