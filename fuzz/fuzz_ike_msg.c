/* fuzz_ike_msg: bytes as an IKEv2 message off the wire, through the codec (src/wire/). The
 * decoder may refuse; it must never read outside the message. When it accepts, the SK body
 * is also read as if it were the decrypted inner payloads, the payload rules are checked,
 * and what was decoded is encoded again and decoded once more: both decodes must say the
 * same (payload order, reserved bits and unknown payloads or attributes aside, which the
 * decoded form does not keep). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/wire.h"

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

/* Every byte string lies inside the buffer it was decoded from. */
static void check_inside(struct wire_bytes b, const uint8_t *buf, size_t len)
{
	check(!b.len || (b.ptr >= buf && b.len <= len && b.ptr - buf <= (ptrdiff_t)(len - b.len)));
}

static void put_all(struct ikev2_enc *e, const struct ikev2_msg *m)
{
	if (ikev2_has(m, IKEV2_PLD_SA))
		ikev2_put_sa(e, &m->sa);
	if (ikev2_has(m, IKEV2_PLD_KE))
		ikev2_put_ke(e, m->ke.group, m->ke.data.ptr, m->ke.data.len);
	if (ikev2_has(m, IKEV2_PLD_IDI))
		ikev2_put_id(e, IKEV2_PLD_IDI, m->idi.type, m->idi.data.ptr, m->idi.data.len);
	if (ikev2_has(m, IKEV2_PLD_IDR))
		ikev2_put_id(e, IKEV2_PLD_IDR, m->idr.type, m->idr.data.ptr, m->idr.data.len);
	for (unsigned int i = 0; i < m->ncert; i++)
		ikev2_put_cert(e, IKEV2_PLD_CERT, m->cert[i].encoding, m->cert[i].data.ptr,
			       m->cert[i].data.len);
	for (unsigned int i = 0; i < m->ncertreq; i++)
		ikev2_put_cert(e, IKEV2_PLD_CERTREQ, m->certreq[i].encoding, m->certreq[i].data.ptr,
			       m->certreq[i].data.len);
	if (ikev2_has(m, IKEV2_PLD_AUTH))
		ikev2_put_auth(e, m->auth.method, m->auth.data.ptr, m->auth.data.len);
	if (ikev2_has(m, IKEV2_PLD_NONCE))
		ikev2_put_nonce(e, m->nonce.ptr, m->nonce.len);
	for (unsigned int i = 0; i < m->nnotify; i++)
		ikev2_put_notify(e, m->notify[i].proto, m->notify[i].type, m->notify[i].spi.ptr,
				 m->notify[i].spi.len, m->notify[i].data.ptr,
				 m->notify[i].data.len);
	for (unsigned int i = 0; i < m->ndelete; i++)
		ikev2_put_delete(e, m->del[i].proto, m->del[i].spi_size, m->del[i].nspi,
				 m->del[i].spis.ptr);
	for (unsigned int i = 0; i < m->nvendor; i++)
		ikev2_put_vendor(e, m->vendor[i].ptr, m->vendor[i].len);
	if (ikev2_has(m, IKEV2_PLD_TSI))
		ikev2_put_ts(e, IKEV2_PLD_TSI, &m->tsi);
	if (ikev2_has(m, IKEV2_PLD_TSR))
		ikev2_put_ts(e, IKEV2_PLD_TSR, &m->tsr);
	if (ikev2_has(m, IKEV2_PLD_CP))
		ikev2_put_cp(e, &m->cp);
	if (ikev2_has(m, IKEV2_PLD_EAP))
		ikev2_put_eap(e, m->eap.ptr, m->eap.len);
}

static bool same_sa(const struct ikev2_sa *a, const struct ikev2_sa *b)
{
	if (a->n != b->n)
		return false;
	for (unsigned int i = 0; i < a->n; i++) {
		const struct ikev2_proposal *p = &a->p[i], *q = &b->p[i];

		if (p->num != q->num || p->proto != q->proto || p->spi_size != q->spi_size ||
		    p->spi != q->spi || p->ntrans != q->ntrans)
			return false;
		for (unsigned int j = 0; j < p->ntrans; j++)
			if (p->t[j].type != q->t[j].type || p->t[j].id != q->t[j].id ||
			    p->t[j].keylen != q->t[j].keylen)
				return false;
	}
	return true;
}

static bool same_ts(const struct ikev2_ts_set *a, const struct ikev2_ts_set *b)
{
	return a->n == b->n && !memcmp(a->ts, b->ts, a->n * sizeof(a->ts[0]));
}

static bool same_cp(const struct ikev2_cp *a, const struct ikev2_cp *b)
{
	if (a->type != b->type || a->n != b->n)
		return false;
	for (unsigned int i = 0; i < a->n; i++)
		if (a->a[i].type != b->a[i].type || !same(a->a[i].value, b->a[i].value))
			return false;
	return true;
}

static bool same_lists(const struct ikev2_msg *a, const struct ikev2_msg *b)
{
	if (a->nnotify != b->nnotify || a->ndelete != b->ndelete || a->nvendor != b->nvendor ||
	    a->ncert != b->ncert || a->ncertreq != b->ncertreq)
		return false;
	for (unsigned int i = 0; i < a->nnotify; i++)
		if (a->notify[i].proto != b->notify[i].proto ||
		    a->notify[i].type != b->notify[i].type ||
		    !same(a->notify[i].spi, b->notify[i].spi) ||
		    !same(a->notify[i].data, b->notify[i].data))
			return false;
	for (unsigned int i = 0; i < a->ndelete; i++)
		if (a->del[i].proto != b->del[i].proto ||
		    a->del[i].spi_size != b->del[i].spi_size || a->del[i].nspi != b->del[i].nspi ||
		    !same(a->del[i].spis, b->del[i].spis))
			return false;
	for (unsigned int i = 0; i < a->nvendor; i++)
		if (!same(a->vendor[i], b->vendor[i]))
			return false;
	for (unsigned int i = 0; i < a->ncert; i++)
		if (a->cert[i].encoding != b->cert[i].encoding ||
		    !same(a->cert[i].data, b->cert[i].data))
			return false;
	for (unsigned int i = 0; i < a->ncertreq; i++)
		if (a->certreq[i].encoding != b->certreq[i].encoding ||
		    !same(a->certreq[i].data, b->certreq[i].data))
			return false;
	return true;
}

static bool same_msg(const struct ikev2_msg *a, const struct ikev2_msg *b)
{
	return a->hdr.spi_i == b->hdr.spi_i && a->hdr.spi_r == b->hdr.spi_r &&
	       a->hdr.version == b->hdr.version && a->hdr.exch == b->hdr.exch &&
	       a->hdr.flags == b->hdr.flags && a->hdr.msgid == b->hdr.msgid &&
	       a->present == b->present && same_sa(&a->sa, &b->sa) && a->ke.group == b->ke.group &&
	       same(a->ke.data, b->ke.data) && a->idi.type == b->idi.type &&
	       same(a->idi.data, b->idi.data) && a->idr.type == b->idr.type &&
	       same(a->idr.data, b->idr.data) && a->auth.method == b->auth.method &&
	       same(a->auth.data, b->auth.data) && same(a->nonce, b->nonce) &&
	       same_ts(&a->tsi, &b->tsi) && same_ts(&a->tsr, &b->tsr) && same_cp(&a->cp, &b->cp) &&
	       same(a->eap, b->eap) && same_lists(a, b) && same(a->sk, b->sk) &&
	       a->frag_num == b->frag_num && a->frag_total == b->frag_total;
}

/* Encodes m again: its payloads in the clear (inner == false, an SK/SKF body kept as it
 * was), or all inside an SK/SKF whose body is their plaintext; then decodes that and
 * compares. */
static void roundtrip(const struct ikev2_msg *m, bool inner)
{
	static struct ikev2_msg m2;
	struct wbuf w, in;
	struct ikev2_enc e, ie;
	struct ikev2_enc outer_first = {.first = m->sk_next}; /* what the SK header named */
	bool skf = ikev2_has(m, IKEV2_PLD_SKF);
	struct wire_bytes body = m->sk;

	wbuf_init(&w);
	wbuf_init(&in);
	ikev2_enc_begin(&e, &w, &m->hdr);
	ikev2_enc_inner_begin(&ie, &in);
	put_all(inner ? &ie : &e, m);
	if (inner) {
		body.ptr = in.p;
		body.len = in.len;
	}
	if (skf)
		ikev2_put_skf(&e, inner ? ie.first : m->sk_next, m->frag_num, m->frag_total,
			      body.len);
	else if (ikev2_has(m, IKEV2_PLD_SK))
		ikev2_put_sk(&e, inner ? &ie : &outer_first, body.len);
	if (skf || ikev2_has(m, IKEV2_PLD_SK))
		wbuf_bytes(&w, body.ptr, body.len);
	ikev2_enc_end(&e);
	check(!w.err && !in.err);
	check(ikev2_decode(w.p, w.len, &m2) == 0);
	if (inner)
		check(ikev2_decode_inner(m2.sk.ptr, m2.sk.len, m2.sk_next, &m2) == 0);
	if (inner) /* the body differs by design: compare what it held instead */
		m2.sk = m->sk;
	check(same_msg(m, &m2));
	wbuf_free(&w);
	wbuf_free(&in);
}

static void check_all_inside(const struct ikev2_msg *m, const uint8_t *buf, size_t len)
{
	check_inside(m->sk, buf, len);
	check_inside(m->nonce, buf, len);
	check_inside(m->ke.data, buf, len);
	check_inside(m->idi.body, buf, len);
	check_inside(m->auth.data, buf, len);
	for (unsigned int i = 0; i < m->nnotify; i++)
		check_inside(m->notify[i].data, buf, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ikev2_msg m, mi;
	uint8_t *buf = malloc(size ? size : 1); /* exactly size bytes: ASan sees past them */
	struct ikev2_hdr h;
	const char *why;
	bool prot;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	ikev2_decode_hdr(buf, size, &h);
	if (ikev2_decode(buf, size, &m) == 0) {
		check_all_inside(&m, buf, size);
		prot = ikev2_has(&m, IKEV2_PLD_SK) || ikev2_has(&m, IKEV2_PLD_SKF);
		ikev2_check_rules(&m, prot, &why);
		roundtrip(&m, false);
		mi = m;
		if (prot && ikev2_decode_inner(m.sk.ptr, m.sk.len, m.sk_next, &mi) == 0) {
			ikev2_check_rules(&mi, true, &why);
			roundtrip(&mi, true);
		}
		ikev2_exch_name(m.hdr.exch);
		ikev2_pld_name(m.hdr.next);
		for (unsigned int i = 0; i < m.nnotify; i++)
			ikev2_notify_name(m.notify[i].type);
	}
	free(buf);
	return 0;
}
