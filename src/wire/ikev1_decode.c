/* ikev1_decode: the ISAKMP header and payload chain, bytes to struct ikev1_msg (RFC 2408 3,
 * RFC 2407 4.6, RFC 3947 5, mode-cfg and Cisco fragments). Structure only: every length is
 * checked against what is left through struct rbuf before it is used, repeated payloads are
 * capped, singletons may appear once; what the values mean, and which payloads an exchange
 * carries, is the engine's business. SA and ATTR are read in ikev1_decode_sa.c. */
#include <errno.h>
#include <string.h>

#include "ikev1_internal.h"

/* Payloads that may appear once per message. */
#define SINGLETONS                                                                                 \
	(ikev1_pld_bit(IKEV1_PLD_SA) | ikev1_pld_bit(IKEV1_PLD_KE) |                               \
	 ikev1_pld_bit(IKEV1_PLD_SIG) | ikev1_pld_bit(IKEV1_PLD_NONCE) |                           \
	 ikev1_pld_bit(IKEV1_PLD_ATTR) | ikev1_pld_bit(IKEV1_PLD_FRAGMENT))

int ikev1_fail(struct ikev1_msg *m, int err, uint16_t notify, const char *why)
{
	m->why_notify = notify;
	m->why = why;
	return err;
}

static int malformed(struct ikev1_msg *m, const char *why)
{
	return ikev1_fail(m, -EBADMSG, IKEV1_N_PAYLOAD_MALFORMED, why);
}

static int too_many(struct ikev1_msg *m, const char *why)
{
	return ikev1_fail(m, -E2BIG, IKEV1_N_PAYLOAD_MALFORMED, why);
}

/* --- payloads --- */

/* KE (3.7), SIG (3.12): the body is the data, which cannot be empty. */
static int dec_data(struct rbuf *b, struct wire_bytes *out, struct ikev1_msg *m)
{
	if (!rbuf_left(b))
		return malformed(m, "empty KE or SIG payload");
	ikev1_rest(b, out);
	return 0;
}

static int dec_nonce(struct rbuf *b, struct ikev1_msg *m)
{
	size_t n = rbuf_left(b);

	/* RFC 2409 5: between 8 and 256 bytes */
	if (n < IKEV1_NONCE_MIN || n > IKEV1_NONCE_MAX)
		return malformed(m, "nonce shorter than 8 or longer than 256 bytes");
	ikev1_rest(b, &m->nonce);
	return 0;
}

/* Bytes of an address ID's data (RFC 2407 4.6.2.2-4.6.2.4, 4.6.2.6-4.6.2.9): an address, or
 * two (address and mask, or range start and end); 0 for the other types. */
static size_t id_addr_len(uint8_t type, unsigned int *count)
{
	*count = 1;
	switch (type) {
	case IKEV1_ID_IPV4_ADDR:
		return 4;
	case IKEV1_ID_IPV6_ADDR:
		return 16;
	case IKEV1_ID_IPV4_ADDR_SUBNET:
	case IKEV1_ID_IPV4_ADDR_RANGE:
		*count = 2;
		return 4;
	case IKEV1_ID_IPV6_ADDR_SUBNET:
	case IKEV1_ID_IPV6_ADDR_RANGE:
		*count = 2;
		return 16;
	}
	return 0;
}

/* RFC 2407 4.6.2: type, protocol, port, data. */
static int dec_id(struct rbuf *b, struct ikev1_msg *m)
{
	struct ikev1_id *id = &m->id[m->nid];
	struct rbuf all = *b;
	unsigned int count;
	size_t alen;

	if (m->nid >= IKEV1_MAX_ID)
		return ikev1_fail(m, -E2BIG, IKEV1_N_INVALID_ID_INFORMATION,
				  "more than two ID payloads");
	memset(id, 0, sizeof(*id));
	ikev1_rest(&all, &id->body);
	if (!rbuf_u8(b, &id->type) || !rbuf_u8(b, &id->proto) || !rbuf_u16(b, &id->port))
		return ikev1_fail(m, -EBADMSG, IKEV1_N_INVALID_ID_INFORMATION, "short ID payload");
	ikev1_rest(b, &id->data);
	alen = id_addr_len(id->type, &count);
	if (alen && id->data.len != alen * count)
		return ikev1_fail(m, -EBADMSG, IKEV1_N_INVALID_ID_INFORMATION,
				  "address ID of the wrong length");
	if (alen) {
		memcpy(id->addr, id->data.ptr, alen);
		if (count == 2)
			memcpy(id->addr2, id->data.ptr + alen, alen);
	}
	m->nid++;
	return 0;
}

/* CERT (3.9): encoding, data; CERTREQ (3.10): type, certificate authority (may be empty). */
static int dec_cert(struct rbuf *b, struct ikev1_cert *c, uint8_t *n, struct ikev1_msg *m)
{
	if (*n >= IKEV1_MAX_CERT)
		return too_many(m, "too many CERT or CERTREQ payloads");
	if (!rbuf_u8(b, &c[*n].encoding))
		return ikev1_fail(m, -EBADMSG, IKEV1_N_INVALID_CERT_ENCODING,
				  "CERT or CERTREQ without an encoding");
	ikev1_rest(b, &c[*n].data);
	(*n)++;
	return 0;
}

/* HASH (3.11), NAT-D (RFC 3947 3.2) and VID (3.16): the data, in a list. */
static int dec_listed(struct rbuf *b, struct wire_bytes *list, uint8_t *n, uint8_t cap,
		      struct ikev1_msg *m)
{
	if (*n >= cap)
		return too_many(m, "too many HASH, NAT-D or VID payloads");
	if (!rbuf_left(b))
		return malformed(m, "empty HASH, NAT-D or VID payload");
	ikev1_rest(b, &list[*n]);
	(*n)++;
	return 0;
}

/* RFC 2408 3.14: DOI, protocol, SPI size, type, SPI, data. */
static int dec_notify(struct rbuf *b, struct ikev1_msg *m)
{
	struct ikev1_notify *n = &m->notify[m->nnotify];

	if (m->nnotify >= IKEV1_MAX_NOTIFY)
		return too_many(m, "too many notify payloads");
	memset(n, 0, sizeof(*n));
	if (!rbuf_u32(b, &n->doi) || !rbuf_u8(b, &n->proto) || !rbuf_u8(b, &n->spi_size) ||
	    !rbuf_u16(b, &n->type))
		return malformed(m, "short notify payload");
	if (n->spi_size > IKEV1_MAX_SPI)
		return ikev1_fail(m, -EBADMSG, IKEV1_N_INVALID_SPI, "notify SPI over 16 bytes");
	if (!ikev1_take(b, n->spi_size, &n->spi))
		return malformed(m, "notify SPI past the payload's end");
	ikev1_rest(b, &n->data);
	m->nnotify++;
	return 0;
}

/* RFC 2408 3.15: DOI, protocol, SPI size, number of SPIs, the SPIs and nothing else. */
static int dec_delete(struct rbuf *b, struct ikev1_msg *m)
{
	struct ikev1_delete *d = &m->del[m->ndelete];

	if (m->ndelete >= IKEV1_MAX_DELETE)
		return too_many(m, "too many delete payloads");
	memset(d, 0, sizeof(*d));
	if (!rbuf_u32(b, &d->doi) || !rbuf_u8(b, &d->proto) || !rbuf_u8(b, &d->spi_size) ||
	    !rbuf_u16(b, &d->nspi))
		return malformed(m, "short delete payload");
	if (d->spi_size > IKEV1_MAX_SPI)
		return ikev1_fail(m, -EBADMSG, IKEV1_N_INVALID_SPI, "delete SPIs over 16 bytes");
	if (rbuf_left(b) != (size_t)d->nspi * d->spi_size)
		return malformed(m, "delete SPIs disagree with their count and size");
	ikev1_rest(b, &d->spis);
	m->ndelete++;
	return 0;
}

/* RFC 3947 5.2: ID type, three reserved bytes, an IPv4 or IPv6 address. */
static int dec_natoa(struct rbuf *b, uint8_t type, struct ikev1_msg *m)
{
	struct ikev1_natoa *oa = &m->natoa[m->nnatoa];
	size_t alen;

	if (m->nnatoa >= IKEV1_MAX_NATOA)
		return too_many(m, "more than two NAT-OA payloads");
	memset(oa, 0, sizeof(*oa));
	oa->type = type;
	if (!rbuf_u8(b, &oa->id_type) || !rbuf_skip(b, 3))
		return malformed(m, "short NAT-OA payload");
	if (oa->id_type == IKEV1_ID_IPV4_ADDR)
		alen = 4;
	else if (oa->id_type == IKEV1_ID_IPV6_ADDR)
		alen = 16;
	else
		return malformed(m, "NAT-OA of an ID type other than an address");
	if (rbuf_left(b) != alen)
		return malformed(m, "NAT-OA address of the wrong length");
	rbuf_copy(b, oa->addr, alen);
	m->nnatoa++;
	return 0;
}

/* Cisco's fragment payload as strongSwan sends it: fragment id, number (from 1), flags, and
 * a piece of the whole message. */
static int dec_frag(struct rbuf *b, struct ikev1_msg *m)
{
	struct ikev1_frag *f = &m->frag;

	if (!rbuf_u16(b, &f->id) || !rbuf_u8(b, &f->num) || !rbuf_u8(b, &f->flags))
		return malformed(m, "short fragment payload");
	if (!f->num)
		return malformed(m, "fragment number 0");
	f->last = f->flags & IKEV1_FRAG_LAST;
	ikev1_rest(b, &f->data);
	return 0;
}

static int dec_known(uint8_t type, struct rbuf *b, struct ikev1_msg *m)
{
	switch (type) {
	case IKEV1_PLD_SA:
		return ikev1_dec_sa(b, m);
	case IKEV1_PLD_KE:
		return dec_data(b, &m->ke, m);
	case IKEV1_PLD_ID:
		return dec_id(b, m);
	case IKEV1_PLD_CERT:
		return dec_cert(b, m->cert, &m->ncert, m);
	case IKEV1_PLD_CERTREQ:
		return dec_cert(b, m->certreq, &m->ncertreq, m);
	case IKEV1_PLD_HASH:
		return dec_listed(b, m->hash, &m->nhash, IKEV1_MAX_HASH, m);
	case IKEV1_PLD_SIG:
		return dec_data(b, &m->sig, m);
	case IKEV1_PLD_NONCE:
		return dec_nonce(b, m);
	case IKEV1_PLD_NOTIFY:
		return dec_notify(b, m);
	case IKEV1_PLD_DELETE:
		return dec_delete(b, m);
	case IKEV1_PLD_VENDOR:
		return dec_listed(b, m->vendor, &m->nvendor, IKEV1_MAX_VENDOR, m);
	case IKEV1_PLD_ATTR:
		return ikev1_dec_cfg(b, m);
	case IKEV1_PLD_NATD:
	case IKEV1_PLD_NATD_DRAFT:
		if (m->nnatd < IKEV1_MAX_NATD)
			m->natd_type[m->nnatd] = type;
		return dec_listed(b, m->natd, &m->nnatd, IKEV1_MAX_NATD, m);
	case IKEV1_PLD_NATOA:
	case IKEV1_PLD_NATOA_DRAFT:
		return dec_natoa(b, type, m);
	case IKEV1_PLD_FRAGMENT:
		return dec_frag(b, m);
	}
	/* RFC 2408 5.2: no critical bit to consult; an unknown type ends the message */
	if (type == IKEV1_PLD_PROPOSAL || type == IKEV1_PLD_TRANSFORM)
		return ikev1_fail(m, -EBADMSG, IKEV1_N_INVALID_PAYLOAD_TYPE,
				  "proposal or transform outside an SA");
	return ikev1_fail(m, -EBADMSG, IKEV1_N_INVALID_PAYLOAD_TYPE, "unknown payload type");
}

static int dec_payload(uint8_t type, struct rbuf *body, struct ikev1_msg *m)
{
	uint32_t bit = ikev1_pld_bit(type);
	int err;

	if ((bit & SINGLETONS) && (m->present & bit))
		return malformed(m, "payload repeated that may appear once");
	err = dec_known(type, body, m);
	if (err)
		return err;
	if (body->err || rbuf_left(body))
		return malformed(m, "bytes left over in a payload");
	m->present |= bit;
	return 0;
}

/* What follows the last payload of a clear message: Libreswan pads every IKEv1 message
 * it sends to a multiple of 4 octets (its aggressive mode request, with an empty CERTREQ,
 * comes with a zero octet after the last payload). Up to 3 zeros ending the message (r
 * spans it from its first octet) on such a boundary are that padding. r: a copy. */
static bool clear_padding(struct rbuf r)
{
	uint8_t z;

	if (rbuf_left(&r) > 3 || r.len % 4)
		return false;
	while (rbuf_left(&r))
		if (!rbuf_u8(&r, &z) || z)
			return false;
	return true;
}

/* Reads payloads from r, the first of type `type`, until one names no next payload. What
 * follows is padding when `padded` (a decrypted chain) or clear_padding, else an error. */
static int dec_chain(struct rbuf *r, uint8_t type, struct ikev1_msg *m, bool padded)
{
	size_t start = r->off;
	struct rbuf body;
	uint8_t next, res;
	uint16_t len;
	int err;

	while (type != IKEV1_PLD_NONE) {
		if (!rbuf_u8(r, &next) || !rbuf_u8(r, &res) || !rbuf_u16(r, &len))
			return malformed(m, "payload header past the end");
		if (len < IKEV1_GEN_HDR_LEN)
			return malformed(m, "payload length below 4");
		if (!rbuf_sub(r, len - IKEV1_GEN_HDR_LEN, &body))
			return malformed(m, "payload length past the end");
		err = dec_payload(type, &body, m);
		if (err)
			return err;
		type = next;
	}
	m->chain.ptr = r->p ? r->p + start : NULL;
	m->chain.len = r->off - start;
	if (rbuf_left(r) && !padded && !clear_padding(*r))
		return ikev1_fail(m, -EBADMSG, IKEV1_N_UNEQUAL_PAYLOAD_LENGTHS,
				  "bytes after the last payload");
	m->pad_len = rbuf_left(r);
	return 0;
}

/* RFC 2408 3.1. The major version comes first so that an IKEv2 message gets
 * INVALID-MAJOR-VERSION rather than a syntax error; the minor version is not checked (as
 * strongSwan and Libreswan do not), flags outside E, C and A are refused (5.1). */
static int dec_hdr(const uint8_t *buf, size_t len, struct ikev1_hdr *h, uint16_t *notify,
		   const char **why)
{
	struct rbuf r;

	rbuf_init(&r, buf, len);
	*notify = IKEV1_N_PAYLOAD_MALFORMED;
	if (!rbuf_u64(&r, &h->icookie) || !rbuf_u64(&r, &h->rcookie) || !rbuf_u8(&r, &h->next) ||
	    !rbuf_u8(&r, &h->version) || !rbuf_u8(&r, &h->exch) || !rbuf_u8(&r, &h->flags) ||
	    !rbuf_u32(&r, &h->msgid) || !rbuf_u32(&r, &h->length)) {
		*why = "shorter than an ISAKMP header";
		return -EBADMSG;
	}
	if (h->version >> 4 != IKEV1_VERSION >> 4) {
		*notify = IKEV1_N_INVALID_MAJOR_VERSION;
		*why = "major version other than 1";
		return -EPROTONOSUPPORT;
	}
	if (h->flags & ~IKEV1_FLAGS_KNOWN) {
		*notify = IKEV1_N_INVALID_FLAGS;
		*why = "unknown header flags";
		return -EBADMSG;
	}
	if (h->length < IKEV1_HDR_LEN || h->length > IKEV1_MAX_MSG) {
		*notify = IKEV1_N_UNEQUAL_PAYLOAD_LENGTHS;
		*why = "header length below 28 or over 65535";
		return -EBADMSG;
	}
	return 0;
}

int ikev1_decode_hdr(const uint8_t *buf, size_t len, struct ikev1_hdr *h)
{
	uint16_t notify;
	const char *why;

	return dec_hdr(buf, len, h, &notify, &why);
}

bool ikev1_looks_like(const uint8_t *p, size_t len)
{
	/* RFC 2408 3.1, RFC 7296 3.1: both put the major version in the high nibble of byte 17 */
	return p && len >= IKEV1_HDR_LEN && p[17] >> 4 == IKEV1_VERSION >> 4;
}

int ikev1_decode(const uint8_t *buf, size_t len, struct ikev1_msg *m)
{
	struct rbuf r;
	int err;

	memset(m, 0, sizeof(*m));
	err = dec_hdr(buf, len, &m->hdr, &m->why_notify, &m->why);
	if (err)
		return err;
	if (m->hdr.length > len)
		return ikev1_fail(m, -EBADMSG, IKEV1_N_UNEQUAL_PAYLOAD_LENGTHS,
				  "header length past the datagram's end");
	m->extra = len - m->hdr.length;
	rbuf_init(&r, buf, m->hdr.length);
	rbuf_skip(&r, IKEV1_HDR_LEN);
	/* racoon sets E on its fragments, whose payload is in the clear: the pieces of the
	 * whole message, encrypted or not, are inside it */
	if ((m->hdr.flags & IKEV1_FLAG_ENCRYPTION) && m->hdr.next != IKEV1_PLD_FRAGMENT) {
		if (!rbuf_left(&r))
			return malformed(m, "encrypted message without a body");
		ikev1_rest(&r, &m->enc);
		return 0;
	}
	return dec_chain(&r, m->hdr.next, m, false);
}

int ikev1_decode_chain(const uint8_t *buf, size_t len, uint8_t first, struct ikev1_msg *m)
{
	struct rbuf r;

	m->why = NULL;
	m->why_notify = 0;
	rbuf_init(&r, buf, len);
	return dec_chain(&r, first, m, true);
}

/* RFC 2408 3.3: long attribute values are big-endian integers of any length. */
int ikev1_attr_uint(const struct ikev1_attr *a, uint64_t *v)
{
	size_t i = 0;

	if (a->tv) {
		*v = a->val;
		return 0;
	}
	if (!a->value.len)
		return -EBADMSG;
	while (i < a->value.len && !a->value.ptr[i])
		i++;
	if (a->value.len - i > 8)
		return -ERANGE;
	for (*v = 0; i < a->value.len; i++)
		*v = *v << 8 | a->value.ptr[i];
	return 0;
}
