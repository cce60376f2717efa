/* ikev2_encode: struct values to IKEv2 wire format (RFC 7296 3, RFC 7383 2.5), appended to a
 * struct wbuf. Each put_* writes one payload with its generic header, links it into the
 * chain by patching the previous next-payload byte (by offset: the wbuf may move) and
 * patches its own length when done. Reserved fields are sent as zero. A value the wire
 * cannot carry (a payload over 65535 bytes, an SPI size other than 0/4/8, an unknown TS
 * type, counts over the caps) sets w->err like a failed allocation, so that nothing half
 * written is sent; with w->err set every call is harmless. */
#include <stdint.h>

#include "internal.h"

/* Names `type` in the previous payload's (or the header's) next-payload byte. */
static void chain_link(struct ikev2_enc *e, uint8_t type)
{
	if (!e->first)
		e->first = type;
	if (e->next_off != SIZE_MAX)
		wbuf_patch_u8(e->w, e->next_off, type);
}

/* Starts a payload: its generic header with the length left to pld_end. */
static size_t pld_begin(struct ikev2_enc *e, uint8_t type)
{
	size_t off;

	chain_link(e, type);
	off = wbuf_mark(e->w);
	wbuf_u8(e->w, IKEV2_PLD_NONE);
	wbuf_u8(e->w, 0); /* critical bit clear: every payload here is one the peer knows */
	wbuf_u16(e->w, 0);
	e->next_off = off;
	return off;
}

/* Patches the payload length to cover everything since off, plus `more` bytes the caller
 * still has to append (SK bodies). */
static void pld_end(struct ikev2_enc *e, size_t off, size_t more)
{
	size_t len;

	if (e->w->err)
		return;
	len = e->w->len - off;
	if (more > UINT16_MAX || len + more > UINT16_MAX) {
		e->w->err = true;
		return;
	}
	wbuf_patch_u16(e->w, off + 2, (uint16_t)(len + more));
}

void ikev2_enc_begin(struct ikev2_enc *e, struct wbuf *w, const struct ikev2_hdr *h)
{
	e->w = w;
	e->hdr_off = wbuf_mark(w);
	e->next_off = e->hdr_off + IKEV2_HDR_NEXT_OFF;
	e->first = 0;
	/* RFC 7296 3.1; h->next and h->length are filled in as payloads are added. A zero
	 * version means the one this codec speaks. */
	wbuf_u64(w, h->spi_i);
	wbuf_u64(w, h->spi_r);
	wbuf_u8(w, IKEV2_PLD_NONE);
	wbuf_u8(w, h->version ? h->version : IKEV2_VERSION);
	wbuf_u8(w, h->exch);
	wbuf_u8(w, h->flags);
	wbuf_u32(w, h->msgid);
	wbuf_u32(w, 0);
}

void ikev2_enc_inner_begin(struct ikev2_enc *e, struct wbuf *w)
{
	e->w = w;
	e->hdr_off = SIZE_MAX;
	e->next_off = SIZE_MAX;
	e->first = 0;
}

void ikev2_enc_end(struct ikev2_enc *e)
{
	size_t len;

	if (e->hdr_off == SIZE_MAX || e->w->err)
		return;
	len = e->w->len - e->hdr_off;
	if (len > UINT32_MAX) {
		e->w->err = true;
		return;
	}
	wbuf_patch_u32(e->w, e->hdr_off + IKEV2_HDR_LEN_OFF, (uint32_t)len);
}

/* --- SA (RFC 7296 3.3) --- */

static void put_transform(struct wbuf *w, const struct ikev2_transform *t, bool last)
{
	size_t off = wbuf_mark(w);

	wbuf_u8(w, last ? 0 : IKEV2_TRANS_MORE);
	wbuf_u8(w, 0);
	wbuf_u16(w, 0);
	wbuf_u8(w, t->type);
	wbuf_u8(w, 0);
	wbuf_u16(w, t->id);
	if (t->keylen) {
		wbuf_u16(w, IKEV2_ATTR_TV | IKEV2_ATTR_KEY_LENGTH);
		wbuf_u16(w, t->keylen);
	}
	wbuf_patch_u16(w, off + 2, (uint16_t)(wbuf_mark(w) - off));
}

static void put_proposal(struct wbuf *w, const struct ikev2_proposal *p, bool last)
{
	size_t off = wbuf_mark(w);

	if (p->ntrans > IKEV2_MAX_TRANSFORMS ||
	    (p->spi_size != 0 && p->spi_size != 4 && p->spi_size != 8)) {
		w->err = true;
		return;
	}
	wbuf_u8(w, last ? 0 : IKEV2_PROP_MORE);
	wbuf_u8(w, 0);
	wbuf_u16(w, 0);
	wbuf_u8(w, p->num);
	wbuf_u8(w, p->proto);
	wbuf_u8(w, p->spi_size);
	wbuf_u8(w, p->ntrans);
	if (p->spi_size == 4)
		wbuf_u32(w, (uint32_t)p->spi);
	else if (p->spi_size == 8)
		wbuf_u64(w, p->spi);
	for (unsigned int i = 0; i < p->ntrans; i++)
		put_transform(w, &p->t[i], i + 1 == p->ntrans);
	/* at most 8 + 8 + 32 * 12 bytes: always fits the 16-bit length */
	wbuf_patch_u16(w, off + 2, (uint16_t)(wbuf_mark(w) - off));
}

void ikev2_put_sa(struct ikev2_enc *e, const struct ikev2_sa *sa)
{
	size_t off = pld_begin(e, IKEV2_PLD_SA);

	if (sa->n > IKEV2_MAX_PROPOSALS) {
		e->w->err = true;
		return;
	}
	for (unsigned int i = 0; i < sa->n; i++)
		put_proposal(e->w, &sa->p[i], i + 1 == sa->n);
	pld_end(e, off, 0);
}

/* --- payloads of a fixed prefix and a variable rest --- */

void ikev2_put_ke(struct ikev2_enc *e, uint16_t group, const uint8_t *data, size_t len)
{
	size_t off = pld_begin(e, IKEV2_PLD_KE);

	wbuf_u16(e->w, group); /* RFC 7296 3.4 */
	wbuf_u16(e->w, 0);
	wbuf_bytes(e->w, data, len);
	pld_end(e, off, 0);
}

/* ID (3.5) and AUTH (3.8) share a layout: one type byte, three reserved, data. */
static void put_typed(struct ikev2_enc *e, uint8_t pld, uint8_t type, const uint8_t *data,
		      size_t len)
{
	size_t off = pld_begin(e, pld);

	wbuf_u8(e->w, type);
	wbuf_zero(e->w, 3);
	wbuf_bytes(e->w, data, len);
	pld_end(e, off, 0);
}

void ikev2_put_id(struct ikev2_enc *e, enum ikev2_pld_type t, uint8_t type, const uint8_t *data,
		  size_t len)
{
	if (t != IKEV2_PLD_IDI && t != IKEV2_PLD_IDR) {
		e->w->err = true;
		return;
	}
	put_typed(e, (uint8_t)t, type, data, len);
}

void ikev2_put_auth(struct ikev2_enc *e, uint8_t method, const uint8_t *data, size_t len)
{
	put_typed(e, IKEV2_PLD_AUTH, method, data, len);
}

/* Payloads that are nothing but their body: Nonce (3.9), Vendor ID (3.12), EAP (3.16). */
static void put_raw(struct ikev2_enc *e, uint8_t pld, const uint8_t *data, size_t len)
{
	size_t off = pld_begin(e, pld);

	wbuf_bytes(e->w, data, len);
	pld_end(e, off, 0);
}

void ikev2_put_nonce(struct ikev2_enc *e, const uint8_t *data, size_t len)
{
	put_raw(e, IKEV2_PLD_NONCE, data, len);
}

void ikev2_put_vendor(struct ikev2_enc *e, const uint8_t *data, size_t len)
{
	put_raw(e, IKEV2_PLD_VENDOR, data, len);
}

void ikev2_put_eap(struct ikev2_enc *e, const uint8_t *data, size_t len)
{
	put_raw(e, IKEV2_PLD_EAP, data, len);
}

void ikev2_put_notify(struct ikev2_enc *e, uint8_t proto, uint16_t type, const uint8_t *spi,
		      size_t spilen, const uint8_t *data, size_t len)
{
	size_t off = pld_begin(e, IKEV2_PLD_NOTIFY);

	if (spilen > UINT8_MAX) {
		e->w->err = true;
		return;
	}
	wbuf_u8(e->w, proto); /* RFC 7296 3.10 */
	wbuf_u8(e->w, (uint8_t)spilen);
	wbuf_u16(e->w, type);
	wbuf_bytes(e->w, spi, spilen);
	wbuf_bytes(e->w, data, len);
	pld_end(e, off, 0);
}

void ikev2_put_delete(struct ikev2_enc *e, uint8_t proto, uint8_t spi_size, uint16_t nspi,
		      const uint8_t *spis)
{
	size_t off = pld_begin(e, IKEV2_PLD_DELETE);

	wbuf_u8(e->w, proto); /* RFC 7296 3.11 */
	wbuf_u8(e->w, spi_size);
	wbuf_u16(e->w, nspi);
	wbuf_bytes(e->w, spis, (size_t)nspi * spi_size);
	pld_end(e, off, 0);
}

void ikev2_put_cert(struct ikev2_enc *e, enum ikev2_pld_type t, uint8_t encoding,
		    const uint8_t *data, size_t len)
{
	size_t off;

	if (t != IKEV2_PLD_CERT && t != IKEV2_PLD_CERTREQ) {
		e->w->err = true;
		return;
	}
	off = pld_begin(e, (uint8_t)t);
	wbuf_u8(e->w, encoding); /* RFC 7296 3.6, 3.7 */
	wbuf_bytes(e->w, data, len);
	pld_end(e, off, 0);
}

/* --- TS (3.13), CP (3.15) --- */

static void put_selector(struct wbuf *w, const struct ikev2_ts *ts)
{
	size_t alen;

	if (ts->type == IKEV2_TS_IPV4_ADDR_RANGE)
		alen = 4;
	else if (ts->type == IKEV2_TS_IPV6_ADDR_RANGE)
		alen = 16;
	else {
		w->err = true;
		return;
	}
	wbuf_u8(w, ts->type);
	wbuf_u8(w, ts->proto);
	wbuf_u16(w, alen == 4 ? IKEV2_TS4_LEN : IKEV2_TS6_LEN);
	wbuf_u16(w, ts->start_port);
	wbuf_u16(w, ts->end_port);
	wbuf_bytes(w, ts->start, alen);
	wbuf_bytes(w, ts->end, alen);
}

void ikev2_put_ts(struct ikev2_enc *e, enum ikev2_pld_type t, const struct ikev2_ts_set *ts)
{
	size_t off;

	if ((t != IKEV2_PLD_TSI && t != IKEV2_PLD_TSR) || ts->n > IKEV2_MAX_TS) {
		e->w->err = true;
		return;
	}
	off = pld_begin(e, (uint8_t)t);
	wbuf_u8(e->w, ts->n);
	wbuf_zero(e->w, 3);
	for (unsigned int i = 0; i < ts->n; i++)
		put_selector(e->w, &ts->ts[i]);
	pld_end(e, off, 0);
}

void ikev2_put_cp(struct ikev2_enc *e, const struct ikev2_cp *cp)
{
	size_t off = pld_begin(e, IKEV2_PLD_CP);

	if (cp->n > IKEV2_MAX_CP_ATTR) {
		e->w->err = true;
		return;
	}
	wbuf_u8(e->w, cp->type);
	wbuf_zero(e->w, 3);
	for (unsigned int i = 0; i < cp->n; i++) {
		const struct ikev2_cp_attr *a = &cp->a[i];

		if (a->value.len > UINT16_MAX) {
			e->w->err = true;
			return;
		}
		wbuf_u16(e->w, a->type & ~IKEV2_CP_R_BIT);
		wbuf_u16(e->w, (uint16_t)a->value.len);
		wbuf_bytes(e->w, a->value.ptr, a->value.len);
	}
	pld_end(e, off, 0);
}

/* --- SK (3.14), SKF (RFC 7383 2.5) --- */

size_t ikev2_put_sk(struct ikev2_enc *e, const struct ikev2_enc *inner, size_t body_len)
{
	size_t off = pld_begin(e, IKEV2_PLD_SK);

	/* the SK payload's next byte names the first inner payload, and nothing follows */
	wbuf_patch_u8(e->w, off, inner ? inner->first : IKEV2_PLD_NONE);
	e->next_off = SIZE_MAX;
	pld_end(e, off, body_len);
	return off;
}

size_t ikev2_put_skf(struct ikev2_enc *e, uint8_t next, uint16_t num, uint16_t total,
		     size_t body_len)
{
	size_t off = pld_begin(e, IKEV2_PLD_SKF);

	wbuf_patch_u8(e->w, off, next);
	e->next_off = SIZE_MAX;
	wbuf_u16(e->w, num);
	wbuf_u16(e->w, total);
	pld_end(e, off, body_len);
	return off;
}
