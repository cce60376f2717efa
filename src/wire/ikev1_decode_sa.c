/* ikev1_decode_sa: the IKEv1 payloads built of substructures, each length checked against
 * what its parent left: the SA payload with its Proposal and Transform payloads and their
 * data attributes (RFC 2408 3.3-3.6, RFC 2407 4.6.1), and the mode-config ATTR payload
 * (draft-ietf-ipsec-isakmp-mode-cfg-05 3.2). Also the helpers every IKEv1 payload decoder
 * borrows its byte strings with. */
#include <errno.h>
#include <string.h>

#include "ikev1_internal.h"

bool ikev1_take(struct rbuf *b, size_t n, struct wire_bytes *out)
{
	if (!rbuf_bytes(b, n, &out->ptr))
		return false;
	out->len = n;
	return true;
}

bool ikev1_rest(struct rbuf *b, struct wire_bytes *out)
{
	return ikev1_take(b, rbuf_left(b), out);
}

/* RFC 2408 3.3: AF set, the low 16 bits are the value (TV); clear, they are the length of the
 * value that follows (TLV). */
bool ikev1_dec_attr(struct rbuf *b, struct ikev1_attr *a)
{
	uint16_t type, v;

	memset(a, 0, sizeof(*a));
	if (!rbuf_u16(b, &type) || !rbuf_u16(b, &v))
		return false;
	a->type = type & ~IKEV1_ATTR_AF;
	a->tv = type & IKEV1_ATTR_AF;
	if (a->tv) {
		a->val = v;
		return true;
	}
	return ikev1_take(b, v, &a->value);
}

/* Proposals and transforms are payloads of their own whose Next Payload says whether another
 * of their kind follows (RFC 2408 3.5, 3.6): it must agree with what the parent has left. */
static bool next_ok(uint8_t next, uint8_t more, const struct rbuf *parent)
{
	return next == (rbuf_left(parent) ? more : IKEV1_PLD_NONE);
}

/* RFC 2408 3.6: next, reserved, length, number, id, two reserved bytes, attributes. */
static int dec_transform(struct rbuf *b, struct ikev1_msg *m)
{
	struct ikev1_sa *sa = &m->sa;
	struct ikev1_transform *t = &sa->t[sa->ntrans];
	struct rbuf body;
	uint8_t next, res;
	uint16_t len;

	if (!rbuf_u8(b, &next) || !rbuf_u8(b, &res) || !rbuf_u16(b, &len) ||
	    len < IKEV1_TRANS_HDR_LEN)
		return ikev1_fail(m, -EBADMSG, IKEV1_N_BAD_PROPOSAL_SYNTAX, "short transform");
	if (!rbuf_sub(b, len - IKEV1_GEN_HDR_LEN, &body))
		return ikev1_fail(m, -EBADMSG, IKEV1_N_BAD_PROPOSAL_SYNTAX,
				  "transform length past the proposal's end");
	if (!next_ok(next, IKEV1_PLD_TRANSFORM, b))
		return ikev1_fail(m, -EBADMSG, IKEV1_N_BAD_PROPOSAL_SYNTAX,
				  "transform's next payload disagrees with the proposal's length");
	memset(t, 0, sizeof(*t));
	rbuf_u8(&body, &t->num);
	rbuf_u8(&body, &t->id);
	rbuf_skip(&body, 2);
	t->first_attr = sa->nattr;
	while (rbuf_left(&body)) {
		if (sa->nattr == IKEV1_MAX_SA_ATTRS)
			return ikev1_fail(m, -E2BIG, IKEV1_N_PAYLOAD_MALFORMED,
					  "too many attributes in the SA");
		if (!ikev1_dec_attr(&body, &sa->a[sa->nattr]))
			return ikev1_fail(m, -EBADMSG, IKEV1_N_BAD_PROPOSAL_SYNTAX,
					  "attribute past the transform's end");
		sa->nattr++;
		t->nattr++;
	}
	sa->ntrans++;
	return 0;
}

/* RFC 2408 3.5: next, reserved, length, number, protocol, SPI size, number of transforms,
 * SPI, transforms; the count must match the transforms present. */
static int dec_proposal(struct rbuf *b, struct ikev1_msg *m)
{
	struct ikev1_sa *sa = &m->sa;
	struct ikev1_proposal *p = &sa->p[sa->nprop];
	struct rbuf body;
	uint8_t next, res, count;
	uint16_t len;
	int err;

	if (!rbuf_u8(b, &next) || !rbuf_u8(b, &res) || !rbuf_u16(b, &len) ||
	    len < IKEV1_PROP_HDR_LEN)
		return ikev1_fail(m, -EBADMSG, IKEV1_N_BAD_PROPOSAL_SYNTAX, "short proposal");
	if (!rbuf_sub(b, len - IKEV1_GEN_HDR_LEN, &body))
		return ikev1_fail(m, -EBADMSG, IKEV1_N_BAD_PROPOSAL_SYNTAX,
				  "proposal length past the SA's end");
	if (!next_ok(next, IKEV1_PLD_PROPOSAL, b))
		return ikev1_fail(m, -EBADMSG, IKEV1_N_BAD_PROPOSAL_SYNTAX,
				  "proposal's next payload disagrees with the SA's length");
	memset(p, 0, sizeof(*p));
	rbuf_u8(&body, &p->num);
	rbuf_u8(&body, &p->proto);
	rbuf_u8(&body, &p->spi_size);
	rbuf_u8(&body, &count);
	if (p->spi_size > IKEV1_MAX_SPI)
		return ikev1_fail(m, -EBADMSG, IKEV1_N_INVALID_SPI, "proposal SPI over 16 bytes");
	if (!rbuf_copy(&body, p->spi, p->spi_size))
		return ikev1_fail(m, -EBADMSG, IKEV1_N_BAD_PROPOSAL_SYNTAX,
				  "proposal SPI past the proposal's end");
	if (!count)
		return ikev1_fail(m, -EBADMSG, IKEV1_N_BAD_PROPOSAL_SYNTAX,
				  "proposal without transforms");
	p->first_trans = sa->ntrans;
	while (rbuf_left(&body)) {
		if (p->ntrans == count)
			return ikev1_fail(m, -EBADMSG, IKEV1_N_BAD_PROPOSAL_SYNTAX,
					  "more transforms than the proposal counts");
		if (sa->ntrans == IKEV1_MAX_TRANSFORMS)
			return ikev1_fail(m, -E2BIG, IKEV1_N_PAYLOAD_MALFORMED,
					  "too many transforms in the SA");
		err = dec_transform(&body, m);
		if (err)
			return err;
		p->ntrans++;
	}
	if (p->ntrans != count)
		return ikev1_fail(m, -EBADMSG, IKEV1_N_BAD_PROPOSAL_SYNTAX,
				  "fewer transforms than the proposal counts");
	sa->nprop++;
	return 0;
}

/* RFC 2408 3.4, RFC 2407 4.6.1: DOI, situation, proposals. Only the IPsec DOI with
 * SIT_IDENTITY_ONLY is read: secrecy and integrity situations add labelled-domain fields
 * nobody sends. The body is kept whole for the phase 1 HASH (SAi_b, RFC 2409 5). */
int ikev1_dec_sa(struct rbuf *b, struct ikev1_msg *m)
{
	struct ikev1_sa *sa = &m->sa;
	struct rbuf all = *b;
	int err;

	ikev1_rest(&all, &m->sa_body);
	if (!rbuf_u32(b, &sa->doi))
		return ikev1_fail(m, -EBADMSG, IKEV1_N_PAYLOAD_MALFORMED, "SA without a DOI");
	if (sa->doi != IKEV1_DOI_IPSEC)
		return ikev1_fail(m, -EOPNOTSUPP, IKEV1_N_DOI_NOT_SUPPORTED,
				  "SA of a DOI other than IPsec");
	if (!rbuf_u32(b, &sa->situation))
		return ikev1_fail(m, -EBADMSG, IKEV1_N_PAYLOAD_MALFORMED, "SA without a situation");
	if (sa->situation != IKEV1_SIT_IDENTITY_ONLY)
		return ikev1_fail(m, -EOPNOTSUPP, IKEV1_N_SITUATION_NOT_SUPPORTED,
				  "SA situation other than SIT_IDENTITY_ONLY");
	if (!rbuf_left(b))
		return ikev1_fail(m, -EBADMSG, IKEV1_N_BAD_PROPOSAL_SYNTAX, "SA without proposals");
	while (rbuf_left(b)) {
		if (sa->nprop == IKEV1_MAX_PROPOSALS)
			return ikev1_fail(m, -E2BIG, IKEV1_N_PAYLOAD_MALFORMED,
					  "too many proposals in the SA");
		err = dec_proposal(b, m);
		if (err)
			return err;
	}
	return 0;
}

/* mode-cfg-05 3.2: type, reserved, identifier, attributes (TV or TLV as in RFC 2408 3.3). */
int ikev1_dec_cfg(struct rbuf *b, struct ikev1_msg *m)
{
	struct ikev1_cfg *c = &m->cfg;
	uint8_t res;

	if (!rbuf_u8(b, &c->type) || !rbuf_u8(b, &res) || !rbuf_u16(b, &c->ident))
		return ikev1_fail(m, -EBADMSG, IKEV1_N_PAYLOAD_MALFORMED, "short ATTR payload");
	for (c->n = 0; rbuf_left(b); c->n++) {
		if (c->n == IKEV1_MAX_CFG_ATTR)
			return ikev1_fail(m, -E2BIG, IKEV1_N_PAYLOAD_MALFORMED,
					  "too many ATTR attributes");
		if (!ikev1_dec_attr(b, &c->a[c->n]))
			return ikev1_fail(m, -EBADMSG, IKEV1_N_PAYLOAD_MALFORMED,
					  "attribute past the ATTR payload's end");
	}
	return 0;
}
