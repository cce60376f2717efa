/* ikev1_encode: struct values to ISAKMP wire format (RFC 2408 3, RFC 2407 4.6, RFC 3947 5,
 * mode-cfg, Cisco fragments), appended to a struct wbuf; the mirror of ikev1_decode.c. Each
 * put_* writes one payload with its generic header, names it in the previous next-payload
 * byte (patched by offset: the wbuf may move) and patches its own length when done.
 * Reserved fields are sent as zero. A value the wire cannot carry (a payload over 65535
 * bytes, an SPI over 16 bytes, counts over the caps or inconsistent indexes in an SA) sets
 * w->err like a failed allocation, so nothing half written is sent; with w->err set every
 * call is harmless. */
#include <stdint.h>

#include "ikev1_internal.h"

static void chain_link(struct ikev1_enc *e, uint8_t type)
{
	if (!e->first)
		e->first = type;
	if (e->next_off != SIZE_MAX)
		wbuf_patch_u8(e->w, e->next_off, type);
}

static size_t pld_begin(struct ikev1_enc *e, uint8_t type)
{
	size_t off;

	chain_link(e, type);
	off = wbuf_mark(e->w);
	wbuf_u8(e->w, IKEV1_PLD_NONE);
	wbuf_u8(e->w, 0);
	wbuf_u16(e->w, 0);
	e->next_off = off;
	return off;
}

static void pld_end(struct ikev1_enc *e, size_t off)
{
	size_t len;

	if (e->w->err)
		return;
	len = e->w->len - off;
	if (len > UINT16_MAX) {
		e->w->err = true;
		return;
	}
	wbuf_patch_u16(e->w, off + 2, (uint16_t)len);
}

void ikev1_enc_begin(struct ikev1_enc *e, struct wbuf *w, const struct ikev1_hdr *h)
{
	e->w = w;
	e->hdr_off = wbuf_mark(w);
	e->next_off = e->hdr_off + IKEV1_HDR_NEXT_OFF;
	e->first = 0;
	/* RFC 2408 3.1; next and length are filled in later. A zero version means 1.0. */
	wbuf_u64(w, h->icookie);
	wbuf_u64(w, h->rcookie);
	wbuf_u8(w, IKEV1_PLD_NONE);
	wbuf_u8(w, h->version ? h->version : IKEV1_VERSION);
	wbuf_u8(w, h->exch);
	wbuf_u8(w, h->flags);
	wbuf_u32(w, h->msgid);
	wbuf_u32(w, 0);
}

void ikev1_enc_chain_begin(struct ikev1_enc *e, struct wbuf *w)
{
	e->w = w;
	e->hdr_off = SIZE_MAX;
	e->next_off = SIZE_MAX;
	e->first = 0;
}

void ikev1_enc_end(struct ikev1_enc *e)
{
	size_t len;

	if (e->hdr_off == SIZE_MAX || e->w->err)
		return;
	len = e->w->len - e->hdr_off;
	if (len > IKEV1_MAX_MSG) {
		e->w->err = true;
		return;
	}
	wbuf_patch_u32(e->w, e->hdr_off + IKEV1_HDR_LEN_OFF, (uint32_t)len);
}

void ikev1_put_encrypted(struct ikev1_enc *e, uint8_t first, const uint8_t *ct, size_t len)
{
	/* RFC 2408 3.1: the header's Next Payload names the first payload inside */
	if (e->hdr_off == SIZE_MAX) {
		e->w->err = true;
		return;
	}
	wbuf_patch_u8(e->w, e->hdr_off + IKEV1_HDR_NEXT_OFF, first);
	e->next_off = SIZE_MAX;
	wbuf_bytes(e->w, ct, len);
}

/* --- SA (RFC 2408 3.4-3.6) --- */

static void put_attr(struct wbuf *w, const struct ikev1_attr *a)
{
	if (a->type & IKEV1_ATTR_AF || a->value.len > UINT16_MAX) {
		w->err = true;
		return;
	}
	if (a->tv) {
		wbuf_u16(w, IKEV1_ATTR_AF | a->type);
		wbuf_u16(w, a->val);
		return;
	}
	wbuf_u16(w, a->type);
	wbuf_u16(w, (uint16_t)a->value.len);
	wbuf_bytes(w, a->value.ptr, a->value.len);
}

static void put_transform(struct wbuf *w, const struct ikev1_sa *sa,
			  const struct ikev1_transform *t, bool last)
{
	size_t off = wbuf_mark(w);

	if ((size_t)t->first_attr + t->nattr > sa->nattr) {
		w->err = true;
		return;
	}
	wbuf_u8(w, last ? IKEV1_PLD_NONE : IKEV1_PLD_TRANSFORM);
	wbuf_u8(w, 0);
	wbuf_u16(w, 0);
	wbuf_u8(w, t->num);
	wbuf_u8(w, t->id);
	wbuf_u16(w, 0);
	for (unsigned int i = 0; i < t->nattr; i++)
		put_attr(w, ikev1_trans_attr(sa, t, i));
	if (wbuf_mark(w) - off > UINT16_MAX)
		w->err = true;
	else
		wbuf_patch_u16(w, off + 2, (uint16_t)(wbuf_mark(w) - off));
}

static void put_proposal(struct wbuf *w, const struct ikev1_sa *sa, const struct ikev1_proposal *p,
			 bool last)
{
	size_t off = wbuf_mark(w);

	if (p->spi_size > IKEV1_MAX_SPI || !p->ntrans ||
	    (size_t)p->first_trans + p->ntrans > sa->ntrans) {
		w->err = true;
		return;
	}
	wbuf_u8(w, last ? IKEV1_PLD_NONE : IKEV1_PLD_PROPOSAL);
	wbuf_u8(w, 0);
	wbuf_u16(w, 0);
	wbuf_u8(w, p->num);
	wbuf_u8(w, p->proto);
	wbuf_u8(w, p->spi_size);
	wbuf_u8(w, p->ntrans);
	wbuf_bytes(w, p->spi, p->spi_size);
	for (unsigned int i = 0; i < p->ntrans; i++)
		put_transform(w, sa, ikev1_prop_trans(sa, p, i), i + 1 == p->ntrans);
	if (wbuf_mark(w) - off > UINT16_MAX)
		w->err = true;
	else
		wbuf_patch_u16(w, off + 2, (uint16_t)(wbuf_mark(w) - off));
}

size_t ikev1_put_sa(struct ikev1_enc *e, const struct ikev1_sa *sa)
{
	size_t off = pld_begin(e, IKEV1_PLD_SA);

	if (!sa->nprop || sa->nprop > IKEV1_MAX_PROPOSALS || sa->ntrans > IKEV1_MAX_TRANSFORMS ||
	    sa->nattr > IKEV1_MAX_SA_ATTRS) {
		e->w->err = true;
		return off;
	}
	wbuf_u32(e->w, sa->doi ? sa->doi : IKEV1_DOI_IPSEC);
	wbuf_u32(e->w, sa->situation ? sa->situation : IKEV1_SIT_IDENTITY_ONLY);
	for (unsigned int i = 0; i < sa->nprop; i++)
		put_proposal(e->w, sa, &sa->p[i], i + 1 == sa->nprop);
	pld_end(e, off);
	return off;
}

/* --- payloads of a fixed prefix and a variable rest --- */

/* KE (3.7), HASH (3.11), SIG (3.12), Nonce (3.13), VID (3.16), NAT-D: only their data. */
static size_t put_raw(struct ikev1_enc *e, uint8_t type, const uint8_t *data, size_t len)
{
	size_t off = pld_begin(e, type);

	wbuf_bytes(e->w, data, len);
	pld_end(e, off);
	return off;
}

size_t ikev1_put_ke(struct ikev1_enc *e, const uint8_t *data, size_t len)
{
	return put_raw(e, IKEV1_PLD_KE, data, len);
}

size_t ikev1_put_hash(struct ikev1_enc *e, const uint8_t *data, size_t len)
{
	return put_raw(e, IKEV1_PLD_HASH, data, len);
}

size_t ikev1_put_sig(struct ikev1_enc *e, const uint8_t *data, size_t len)
{
	return put_raw(e, IKEV1_PLD_SIG, data, len);
}

size_t ikev1_put_nonce(struct ikev1_enc *e, const uint8_t *data, size_t len)
{
	return put_raw(e, IKEV1_PLD_NONCE, data, len);
}

size_t ikev1_put_vendor(struct ikev1_enc *e, const uint8_t *data, size_t len)
{
	return put_raw(e, IKEV1_PLD_VENDOR, data, len);
}

size_t ikev1_put_natd(struct ikev1_enc *e, enum ikev1_pld_type t, const uint8_t *hash, size_t len)
{
	if (t != IKEV1_PLD_NATD && t != IKEV1_PLD_NATD_DRAFT) {
		e->w->err = true;
		return wbuf_mark(e->w);
	}
	return put_raw(e, (uint8_t)t, hash, len);
}

size_t ikev1_put_id(struct ikev1_enc *e, uint8_t type, uint8_t proto, uint16_t port,
		    const uint8_t *data, size_t len)
{
	size_t off = pld_begin(e, IKEV1_PLD_ID);

	wbuf_u8(e->w, type); /* RFC 2407 4.6.2 */
	wbuf_u8(e->w, proto);
	wbuf_u16(e->w, port);
	wbuf_bytes(e->w, data, len);
	pld_end(e, off);
	return off;
}

size_t ikev1_put_cert(struct ikev1_enc *e, enum ikev1_pld_type t, uint8_t encoding,
		      const uint8_t *data, size_t len)
{
	size_t off;

	if (t != IKEV1_PLD_CERT && t != IKEV1_PLD_CERTREQ) {
		e->w->err = true;
		return wbuf_mark(e->w);
	}
	off = pld_begin(e, (uint8_t)t);
	wbuf_u8(e->w, encoding); /* RFC 2408 3.9, 3.10 */
	wbuf_bytes(e->w, data, len);
	pld_end(e, off);
	return off;
}

size_t ikev1_put_notify(struct ikev1_enc *e, uint32_t doi, uint8_t proto, uint16_t type,
			const uint8_t *spi, size_t spilen, const uint8_t *data, size_t len)
{
	size_t off = pld_begin(e, IKEV1_PLD_NOTIFY);

	if (spilen > IKEV1_MAX_SPI) {
		e->w->err = true;
		return off;
	}
	wbuf_u32(e->w, doi); /* RFC 2408 3.14 */
	wbuf_u8(e->w, proto);
	wbuf_u8(e->w, (uint8_t)spilen);
	wbuf_u16(e->w, type);
	wbuf_bytes(e->w, spi, spilen);
	wbuf_bytes(e->w, data, len);
	pld_end(e, off);
	return off;
}

size_t ikev1_put_delete(struct ikev1_enc *e, uint32_t doi, uint8_t proto, uint8_t spi_size,
			uint16_t nspi, const uint8_t *spis)
{
	size_t off = pld_begin(e, IKEV1_PLD_DELETE);

	if (spi_size > IKEV1_MAX_SPI) {
		e->w->err = true;
		return off;
	}
	wbuf_u32(e->w, doi); /* RFC 2408 3.15 */
	wbuf_u8(e->w, proto);
	wbuf_u8(e->w, spi_size);
	wbuf_u16(e->w, nspi);
	wbuf_bytes(e->w, spis, (size_t)nspi * spi_size);
	pld_end(e, off);
	return off;
}

size_t ikev1_put_cfg(struct ikev1_enc *e, const struct ikev1_cfg *cfg)
{
	size_t off = pld_begin(e, IKEV1_PLD_ATTR);

	if (cfg->n > IKEV1_MAX_CFG_ATTR) {
		e->w->err = true;
		return off;
	}
	wbuf_u8(e->w, cfg->type); /* mode-cfg-05 3.2 */
	wbuf_u8(e->w, 0);
	wbuf_u16(e->w, cfg->ident);
	for (unsigned int i = 0; i < cfg->n; i++)
		put_attr(e->w, &cfg->a[i]);
	pld_end(e, off);
	return off;
}

size_t ikev1_put_natoa(struct ikev1_enc *e, enum ikev1_pld_type t, const struct ikev1_natoa *oa)
{
	size_t off, alen;

	if (t != IKEV1_PLD_NATOA && t != IKEV1_PLD_NATOA_DRAFT) {
		e->w->err = true;
		return wbuf_mark(e->w);
	}
	off = pld_begin(e, (uint8_t)t);
	if (oa->id_type == IKEV1_ID_IPV4_ADDR)
		alen = 4;
	else if (oa->id_type == IKEV1_ID_IPV6_ADDR)
		alen = 16;
	else {
		e->w->err = true;
		return off;
	}
	wbuf_u8(e->w, oa->id_type); /* RFC 3947 5.2 */
	wbuf_zero(e->w, 3);
	wbuf_bytes(e->w, oa->addr, alen);
	pld_end(e, off);
	return off;
}

size_t ikev1_put_frag(struct ikev1_enc *e, uint16_t id, uint8_t num, bool last, const uint8_t *data,
		      size_t len)
{
	size_t off = pld_begin(e, IKEV1_PLD_FRAGMENT);

	if (!num) {
		e->w->err = true;
		return off;
	}
	wbuf_u16(e->w, id);
	wbuf_u8(e->w, num);
	wbuf_u8(e->w, last ? IKEV1_FRAG_LAST : 0);
	wbuf_bytes(e->w, data, len);
	pld_end(e, off);
	return off;
}
