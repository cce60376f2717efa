/* fuzz_ikev1_msg: bytes as an IKEv1 (ISAKMP) message off the wire, through the codec
 * (src/wire/ikev1_*.c). The decoder may refuse, with a reason; it must never read outside
 * the message. When it accepts, an encrypted body is also read as if it were the decrypted
 * chain, and what was decoded is encoded again (payloads in a canonical order) and decoded
 * once more: both decodes must give the same fields (reserved bytes aside, which the decoded
 * form does not keep and the encoder writes as zero: the SA body is compared by length). The input
 * is also read as a bare decrypted chain whose first payload type is its first byte, which reaches
 * every payload decoder without a header in the way. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/wire_v1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

static bool same(struct wire_bytes a, struct wire_bytes b)
{
	return a.len == b.len && (!a.len || !memcmp(a.ptr, b.ptr, a.len));
}

static void check_inside(struct wire_bytes b, const uint8_t *buf, size_t len)
{
	check(!b.len || (b.ptr >= buf && b.len <= len && b.ptr - buf <= (ptrdiff_t)(len - b.len)));
}

static void put_all(struct ikev1_enc *e, const struct ikev1_msg *d)
{
	for (unsigned int i = 0; i < d->nhash; i++)
		ikev1_put_hash(e, d->hash[i].ptr, d->hash[i].len);
	if (ikev1_has(d, IKEV1_PLD_SA))
		ikev1_put_sa(e, &d->sa);
	if (ikev1_has(d, IKEV1_PLD_KE))
		ikev1_put_ke(e, d->ke.ptr, d->ke.len);
	if (ikev1_has(d, IKEV1_PLD_NONCE))
		ikev1_put_nonce(e, d->nonce.ptr, d->nonce.len);
	for (unsigned int i = 0; i < d->nid; i++)
		ikev1_put_id(e, d->id[i].type, d->id[i].proto, d->id[i].port, d->id[i].data.ptr,
			     d->id[i].data.len);
	for (unsigned int i = 0; i < d->ncert; i++)
		ikev1_put_cert(e, IKEV1_PLD_CERT, d->cert[i].encoding, d->cert[i].data.ptr,
			       d->cert[i].data.len);
	for (unsigned int i = 0; i < d->ncertreq; i++)
		ikev1_put_cert(e, IKEV1_PLD_CERTREQ, d->certreq[i].encoding, d->certreq[i].data.ptr,
			       d->certreq[i].data.len);
	if (ikev1_has(d, IKEV1_PLD_SIG))
		ikev1_put_sig(e, d->sig.ptr, d->sig.len);
	for (unsigned int i = 0; i < d->nnotify; i++)
		ikev1_put_notify(e, d->notify[i].doi, d->notify[i].proto, d->notify[i].type,
				 d->notify[i].spi.ptr, d->notify[i].spi.len, d->notify[i].data.ptr,
				 d->notify[i].data.len);
	for (unsigned int i = 0; i < d->ndelete; i++)
		ikev1_put_delete(e, d->del[i].doi, d->del[i].proto, d->del[i].spi_size,
				 d->del[i].nspi, d->del[i].spis.ptr);
	for (unsigned int i = 0; i < d->nvendor; i++)
		ikev1_put_vendor(e, d->vendor[i].ptr, d->vendor[i].len);
	if (ikev1_has(d, IKEV1_PLD_ATTR))
		ikev1_put_cfg(e, &d->cfg);
	for (unsigned int i = 0; i < d->nnatd; i++)
		ikev1_put_natd(e, d->natd_type[i], d->natd[i].ptr, d->natd[i].len);
	for (unsigned int i = 0; i < d->nnatoa; i++)
		ikev1_put_natoa(e, d->natoa[i].type, &d->natoa[i]);
	if (ikev1_has(d, IKEV1_PLD_FRAGMENT))
		ikev1_put_frag(e, d->frag.id, d->frag.num, d->frag.last, d->frag.data.ptr,
			       d->frag.data.len);
}

static bool same_attr(const struct ikev1_attr *a, const struct ikev1_attr *b)
{
	return a->type == b->type && a->tv == b->tv && a->val == b->val && same(a->value, b->value);
}

static bool same_sa(const struct ikev1_sa *a, const struct ikev1_sa *b)
{
	if (a->doi != b->doi || a->situation != b->situation || a->nprop != b->nprop ||
	    a->ntrans != b->ntrans || a->nattr != b->nattr)
		return false;
	for (unsigned int i = 0; i < a->nprop; i++) {
		const struct ikev1_proposal *p = &a->p[i], *q = &b->p[i];

		if (p->num != q->num || p->proto != q->proto || p->spi_size != q->spi_size ||
		    memcmp(p->spi, q->spi, p->spi_size) || p->first_trans != q->first_trans ||
		    p->ntrans != q->ntrans)
			return false;
	}
	for (unsigned int i = 0; i < a->ntrans; i++)
		if (a->t[i].num != b->t[i].num || a->t[i].id != b->t[i].id ||
		    a->t[i].first_attr != b->t[i].first_attr || a->t[i].nattr != b->t[i].nattr)
			return false;
	for (unsigned int i = 0; i < a->nattr; i++)
		if (!same_attr(&a->a[i], &b->a[i]))
			return false;
	return true;
}

static bool same_lists(const struct ikev1_msg *a, const struct ikev1_msg *b)
{
	if (a->nid != b->nid || a->nhash != b->nhash || a->ncert != b->ncert ||
	    a->ncertreq != b->ncertreq || a->nnotify != b->nnotify || a->ndelete != b->ndelete ||
	    a->nvendor != b->nvendor || a->nnatd != b->nnatd || a->nnatoa != b->nnatoa)
		return false;
	for (unsigned int i = 0; i < a->nid; i++)
		if (a->id[i].type != b->id[i].type || a->id[i].proto != b->id[i].proto ||
		    a->id[i].port != b->id[i].port || !same(a->id[i].body, b->id[i].body) ||
		    memcmp(a->id[i].addr, b->id[i].addr, 16) ||
		    memcmp(a->id[i].addr2, b->id[i].addr2, 16))
			return false;
	for (unsigned int i = 0; i < a->nhash; i++)
		if (!same(a->hash[i], b->hash[i]))
			return false;
	for (unsigned int i = 0; i < a->ncert; i++)
		if (a->cert[i].encoding != b->cert[i].encoding ||
		    !same(a->cert[i].data, b->cert[i].data))
			return false;
	for (unsigned int i = 0; i < a->ncertreq; i++)
		if (a->certreq[i].encoding != b->certreq[i].encoding ||
		    !same(a->certreq[i].data, b->certreq[i].data))
			return false;
	for (unsigned int i = 0; i < a->nnotify; i++)
		if (a->notify[i].doi != b->notify[i].doi ||
		    a->notify[i].proto != b->notify[i].proto ||
		    a->notify[i].type != b->notify[i].type ||
		    !same(a->notify[i].spi, b->notify[i].spi) ||
		    !same(a->notify[i].data, b->notify[i].data))
			return false;
	for (unsigned int i = 0; i < a->ndelete; i++)
		if (a->del[i].doi != b->del[i].doi || a->del[i].proto != b->del[i].proto ||
		    a->del[i].spi_size != b->del[i].spi_size || a->del[i].nspi != b->del[i].nspi ||
		    !same(a->del[i].spis, b->del[i].spis))
			return false;
	for (unsigned int i = 0; i < a->nvendor; i++)
		if (!same(a->vendor[i], b->vendor[i]))
			return false;
	for (unsigned int i = 0; i < a->nnatd; i++)
		if (a->natd_type[i] != b->natd_type[i] || !same(a->natd[i], b->natd[i]))
			return false;
	for (unsigned int i = 0; i < a->nnatoa; i++)
		if (a->natoa[i].type != b->natoa[i].type ||
		    a->natoa[i].id_type != b->natoa[i].id_type ||
		    memcmp(a->natoa[i].addr, b->natoa[i].addr, 16))
			return false;
	return true;
}

static bool same_cfg(const struct ikev1_cfg *a, const struct ikev1_cfg *b)
{
	if (a->type != b->type || a->ident != b->ident || a->n != b->n)
		return false;
	for (unsigned int i = 0; i < a->n; i++)
		if (!same_attr(&a->a[i], &b->a[i]))
			return false;
	return true;
}

/* The payloads only: headers, chain extents and padding are compared by the callers. */
static bool same_payloads(const struct ikev1_msg *a, const struct ikev1_msg *b)
{
	return a->present == b->present && same_sa(&a->sa, &b->sa) &&
	       a->sa_body.len == b->sa_body.len && same(a->ke, b->ke) && same(a->nonce, b->nonce) &&
	       same(a->sig, b->sig) && same_cfg(&a->cfg, &b->cfg) && a->frag.id == b->frag.id &&
	       a->frag.num == b->frag.num && a->frag.last == b->frag.last &&
	       same(a->frag.data, b->frag.data) && same_lists(a, b);
}

static bool same_hdr(const struct ikev1_hdr *a, const struct ikev1_hdr *b)
{
	return a->icookie == b->icookie && a->rcookie == b->rcookie && a->version == b->version &&
	       a->exch == b->exch && a->flags == b->flags && a->msgid == b->msgid;
}

static void check_all_inside(const struct ikev1_msg *m, const uint8_t *buf, size_t len)
{
	check_inside(m->enc, buf, len);
	check_inside(m->chain, buf, len);
	check_inside(m->sa_body, buf, len);
	check_inside(m->ke, buf, len);
	check_inside(m->nonce, buf, len);
	check_inside(m->frag.data, buf, len);
	for (unsigned int i = 0; i < m->nid; i++)
		check_inside(m->id[i].body, buf, len);
	for (unsigned int i = 0; i < m->nnotify; i++)
		check_inside(m->notify[i].data, buf, len);
	for (unsigned int i = 0; i < m->ndelete; i++)
		check_inside(m->del[i].spis, buf, len);
	for (unsigned int i = 0; i < m->sa.nattr; i++)
		check_inside(m->sa.a[i].value, buf, len);
	for (unsigned int i = 0; i < m->cfg.n; i++)
		check_inside(m->cfg.a[i].value, buf, len);
}

/* m (a clear message, or a chain with the header it came under) encoded again: clear when
 * !encrypted, else as a chain behind an E-flagged header; decoded and compared. A chain led
 * by a fragment payload is read in the clear even behind E (racoon's fragments). */
static void roundtrip(const struct ikev1_msg *m, bool encrypted)
{
	static struct ikev1_msg m2;
	struct ikev1_hdr h = m->hdr;
	struct ikev1_enc e, c;
	struct wbuf w, cw;

	wbuf_init(&w);
	wbuf_init(&cw);
	if (encrypted) {
		ikev1_enc_chain_begin(&c, &cw);
		put_all(&c, m);
		ikev1_enc_begin(&e, &w, &h);
		ikev1_put_encrypted(&e, c.first, cw.p, cw.len);
	} else {
		ikev1_enc_begin(&e, &w, &h);
		put_all(&e, m);
	}
	ikev1_enc_end(&e);
	check(!w.err && !cw.err);
	if (encrypted && !cw.len) { /* nothing to encrypt: not a message the decoder takes */
		wbuf_free(&w);
		return;
	}
	check(ikev1_decode(w.p, w.len, &m2) == 0);
	check(same_hdr(&m->hdr, &m2.hdr) && m2.extra == 0);
	if (encrypted && c.first == IKEV1_PLD_FRAGMENT) {
		check(m2.enc.len == 0);
	} else if (encrypted) {
		check(same(m2.enc, (struct wire_bytes){cw.p, cw.len}));
		check(ikev1_decode_chain(m2.enc.ptr, m2.enc.len, m2.hdr.next, &m2) == 0);
		check(m2.pad_len == 0);
	}
	check(same_payloads(m, &m2));
	wbuf_free(&w);
	wbuf_free(&cw);
}

static void names(const struct ikev1_msg *m)
{
	ikev1_exch_name(m->hdr.exch);
	ikev1_pld_name(m->hdr.next);
	for (unsigned int i = 0; i < m->nnotify; i++)
		ikev1_notify_name(m->notify[i].type);
	for (unsigned int i = 0; i < m->sa.nattr; i++) {
		uint64_t v;

		ikev1_attr_uint(&m->sa.a[i], &v);
		ikev1_p1_attr_name(m->sa.a[i].type);
		ikev1_p2_attr_name(m->sa.a[i].type);
	}
	for (unsigned int i = 0; i < m->cfg.n; i++)
		ikev1_cfg_attr_name(m->cfg.a[i].type);
	for (unsigned int i = 0; i < m->nid; i++)
		ikev1_id_type_name(m->id[i].type);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ikev1_msg m, mc;
	uint8_t *buf = malloc(size ? size : 1); /* exactly size bytes: ASan sees past them */
	struct ikev1_hdr h;
	int r;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	ikev1_looks_like(buf, size);
	ikev1_decode_hdr(buf, size, &h);
	r = ikev1_decode(buf, size, &m);
	check(r == 0 || m.why);
	if (r == 0) {
		check_all_inside(&m, buf, size);
		names(&m);
		if (!(m.hdr.flags & IKEV1_FLAG_ENCRYPTION) || m.hdr.next == IKEV1_PLD_FRAGMENT) {
			roundtrip(&m, false);
		} else if (ikev1_decode_chain(m.enc.ptr, m.enc.len, m.hdr.next, &m) == 0) {
			check_all_inside(&m, buf, size);
			roundtrip(&m, true);
		}
	}
	/* the same bytes as a decrypted chain: first byte the first payload type */
	if (size) {
		memset(&mc, 0, sizeof(mc));
		mc.hdr = (struct ikev1_hdr){.version = IKEV1_VERSION,
					    .exch = IKEV1_EXCH_QUICK,
					    .flags = IKEV1_FLAG_ENCRYPTION};
		r = ikev1_decode_chain(buf + 1, size - 1, buf[0], &mc);
		check(r == 0 || mc.why);
		if (r == 0) {
			check_all_inside(&mc, buf, size);
			names(&mc);
			roundtrip(&mc, true);
		}
	}
	free(buf);
	return 0;
}
