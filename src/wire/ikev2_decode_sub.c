/* ikev2_decode_sub: the IKEv2 payloads built of substructures, each with a length of its
 * own that must fit in what its parent left: SA (proposals, transforms, attributes; RFC 7296
 * 3.3), Traffic Selectors (3.13) and Configuration (3.15). Also the two helpers every
 * payload decoder borrows its byte strings with. */
#include <errno.h>
#include <string.h>

#include "internal.h"

bool ikev2_take(struct rbuf *b, size_t n, struct wire_bytes *out)
{
	if (!rbuf_bytes(b, n, &out->ptr))
		return false;
	out->len = n;
	return true;
}

bool ikev2_rest(struct rbuf *b, struct wire_bytes *out)
{
	return ikev2_take(b, rbuf_left(b), out);
}

/* --- SA --- */

/* RFC 7296 3.3.5: Key Length, in TV form, is the only attribute defined. Anything else (an
 * unknown type, a TLV, a second or a zero Key Length) is skipped and marks the transform,
 * which the responder must then ignore (3.3.6). */
static int dec_attrs(struct rbuf *b, struct ikev2_transform *t)
{
	uint16_t type, val;

	while (rbuf_left(b)) {
		if (!rbuf_u16(b, &type) || !rbuf_u16(b, &val))
			return -EBADMSG;
		if (!(type & IKEV2_ATTR_TV)) {
			if (!rbuf_skip(b, val)) /* TLV: val is the value's length */
				return -EBADMSG;
			t->unknown_attr = true;
		} else if ((type & ~IKEV2_ATTR_TV) == IKEV2_ATTR_KEY_LENGTH && !t->keylen && val) {
			t->keylen = val;
		} else {
			t->unknown_attr = true;
		}
	}
	return 0;
}

/* A substructure's Last Substruc byte says whether another follows: it must agree with
 * what its parent has left. */
static bool last_ok(uint8_t last, uint8_t more, const struct rbuf *parent)
{
	return last == (rbuf_left(parent) ? more : 0);
}

/* RFC 7296 3.3.2: last, reserved, length, type, reserved, id, attributes. */
static int dec_transform(struct rbuf *b, struct ikev2_transform *t)
{
	struct rbuf body;
	uint8_t last, res;
	uint16_t len;

	memset(t, 0, sizeof(*t));
	if (!rbuf_u8(b, &last) || !rbuf_u8(b, &res) || !rbuf_u16(b, &len))
		return -EBADMSG;
	if (len < IKEV2_TRANS_HDR_LEN || !rbuf_sub(b, len - 4, &body))
		return -EBADMSG;
	if (!last_ok(last, IKEV2_TRANS_MORE, b))
		return -EBADMSG;
	if (!rbuf_u8(&body, &t->type) || !rbuf_skip(&body, 1) || !rbuf_u16(&body, &t->id))
		return -EBADMSG;
	return dec_attrs(&body, t);
}

/* SPIs are 0, 4 (AH, ESP) or 8 (IKE rekeying) bytes long (RFC 7296 3.3.1). */
static bool dec_spi(struct rbuf *b, uint8_t size, uint64_t *spi)
{
	uint32_t v;

	switch (size) {
	case 0:
		*spi = 0;
		return true;
	case 4:
		if (!rbuf_u32(b, &v))
			return false;
		*spi = v;
		return true;
	case 8:
		return rbuf_u64(b, spi);
	}
	return false;
}

/* RFC 7296 3.3.1: last, reserved, length, number, protocol, SPI size, number of transforms,
 * SPI, transforms; the count must match the transforms present. */
static int dec_proposal(struct rbuf *b, struct ikev2_proposal *p)
{
	struct rbuf body;
	uint8_t last, res, count;
	uint16_t len;
	int err;

	if (!rbuf_u8(b, &last) || !rbuf_u8(b, &res) || !rbuf_u16(b, &len))
		return -EBADMSG;
	if (len < IKEV2_PROP_HDR_LEN || !rbuf_sub(b, len - 4, &body))
		return -EBADMSG;
	if (!last_ok(last, IKEV2_PROP_MORE, b))
		return -EBADMSG;
	if (!rbuf_u8(&body, &p->num) || !rbuf_u8(&body, &p->proto) ||
	    !rbuf_u8(&body, &p->spi_size) || !rbuf_u8(&body, &count))
		return -EBADMSG;
	if (!dec_spi(&body, p->spi_size, &p->spi))
		return -EBADMSG;
	if (count > IKEV2_MAX_TRANSFORMS)
		return -E2BIG;
	for (p->ntrans = 0; rbuf_left(&body); p->ntrans++) {
		if (p->ntrans == count)
			return -EBADMSG;
		err = dec_transform(&body, &p->t[p->ntrans]);
		if (err)
			return err;
	}
	return p->ntrans == count ? 0 : -EBADMSG;
}

int ikev2_dec_sa(struct rbuf *b, struct ikev2_sa *sa)
{
	int err;

	/* RFC 7296 3.3: one or more proposals */
	if (!rbuf_left(b))
		return -EBADMSG;
	for (sa->n = 0; rbuf_left(b); sa->n++) {
		if (sa->n == IKEV2_MAX_PROPOSALS)
			return -E2BIG;
		err = dec_proposal(b, &sa->p[sa->n]);
		if (err)
			return err;
	}
	return 0;
}

/* --- Traffic Selectors --- */

/* RFC 7296 3.13.1: type, protocol, selector length, then per type: ports and an address
 * range for 7 (IPv4, 16 bytes) and 8 (IPv6, 40 bytes). Other types (RFC 9478 security
 * labels, ...) are counted and skipped so the engine can answer TS_UNACCEPTABLE. */
static int dec_selector(struct rbuf *b, struct ikev2_ts_set *s)
{
	struct ikev2_ts *ts = &s->ts[s->n];
	struct rbuf body;
	uint8_t type, proto;
	uint16_t len;
	size_t alen;

	if (!rbuf_u8(b, &type) || !rbuf_u8(b, &proto) || !rbuf_u16(b, &len))
		return -EBADMSG;
	if (len < IKEV2_TS_HDR_LEN || !rbuf_sub(b, len - IKEV2_TS_HDR_LEN, &body))
		return -EBADMSG;
	if (type == IKEV2_TS_IPV4_ADDR_RANGE)
		alen = 4;
	else if (type == IKEV2_TS_IPV6_ADDR_RANGE)
		alen = 16;
	else {
		s->nunknown++;
		return 0;
	}
	if (len != (alen == 4 ? IKEV2_TS4_LEN : IKEV2_TS6_LEN))
		return -EBADMSG;
	memset(ts, 0, sizeof(*ts));
	ts->type = type;
	ts->proto = proto;
	if (!rbuf_u16(&body, &ts->start_port) || !rbuf_u16(&body, &ts->end_port) ||
	    !rbuf_copy(&body, ts->start, alen) || !rbuf_copy(&body, ts->end, alen))
		return -EBADMSG;
	s->n++;
	return 0;
}

int ikev2_dec_ts(struct rbuf *b, struct ikev2_ts_set *s)
{
	uint8_t count;
	int err;

	/* RFC 7296 3.13: number of TSs, three reserved bytes, the selectors */
	if (!rbuf_u8(b, &count) || !rbuf_skip(b, 3))
		return -EBADMSG;
	if (count > IKEV2_MAX_TS)
		return -E2BIG;
	s->n = 0;
	s->nunknown = 0;
	for (unsigned int i = 0; i < count; i++) {
		err = dec_selector(b, s);
		if (err)
			return err;
	}
	return 0; /* bytes beyond the count are refused by the caller */
}

/* --- Configuration --- */

int ikev2_dec_cp(struct rbuf *b, struct ikev2_cp *cp)
{
	struct ikev2_cp_attr *a;
	uint16_t type, len;

	/* RFC 7296 3.15: CFG type, three reserved bytes, attributes (3.15.1: R bit, type,
	 * length, value) */
	if (!rbuf_u8(b, &cp->type) || !rbuf_skip(b, 3))
		return -EBADMSG;
	for (cp->n = 0; rbuf_left(b); cp->n++) {
		if (cp->n == IKEV2_MAX_CP_ATTR)
			return -E2BIG;
		a = &cp->a[cp->n];
		if (!rbuf_u16(b, &type) || !rbuf_u16(b, &len) || !ikev2_take(b, len, &a->value))
			return -EBADMSG;
		a->type = type & ~IKEV2_CP_R_BIT;
	}
	return 0;
}
