/* check_ikev1_codec: the IKEv1 (ISAKMP) message codec (src/wire/ikev1_*.c). Messages written
 * out by hand from the RFC 2408 / 2407 / 3947 and mode-cfg layouts (the payload sets
 * strongSwan 5.9.8 and Libreswan send: a Main Mode SA of three transforms, an Aggressive Mode
 * first message with XAuth, a Quick Mode SA of ESP transforms with lifetimes, an XAuth reply
 * in an ATTR payload, NAT-D) decode to the right fields and encode back to the same bytes;
 * every payload round-trips through encoder and decoder; every truncation and bit flip fails
 * cleanly (the buffers are exactly sized, so ASan sees any read past them); and malformed
 * input is refused with the right error, notify and a reason. The fuzzer's seeds
 * (fuzz/corpus/ikev1_msg) are checked to decode, so that the corpus stays valid. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/wire_v1.h"

static struct ikev1_msg m, m2; /* 28 KiB each: off the stack */

/* --- helpers --- */

/* Hex digits to bytes, skipping anything else (spaces, '|'). */
static size_t unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v = *s >= '0' && *s <= '9'	 ? *s - '0'
			: *s >= 'a' && *s <= 'f' ? *s - 'a' + 10
						 : -1;
		if (v < 0)
			continue;
		if (hi < 0) {
			hi = v;
			continue;
		}
		ck_assert_uint_lt(n, max);
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	ck_assert_int_eq(hi, -1);
	return n;
}

/* A malloc'd copy of exactly the bytes in hex (ASan catches a read past them). */
static uint8_t *bytes(const char *hex, size_t *len)
{
	static uint8_t tmp[8192];
	uint8_t *p;

	*len = unhex(hex, tmp, sizeof(tmp));
	p = malloc(*len ? *len : 1);
	ck_assert_ptr_nonnull(p);
	memcpy(p, tmp, *len);
	return p;
}

/* A message: the header (main mode, first message) with next = first, the payloads in hex,
 * and the length patched in. */
static uint8_t *message(uint8_t exch, uint8_t flags, uint8_t first, const char *hex, size_t *len)
{
	static uint8_t tmp[8192];
	size_t n;
	uint8_t *p;

	n = unhex("0102030405060708 0000000000000000", tmp, 16);
	tmp[n++] = first;
	tmp[n++] = IKEV1_VERSION;
	tmp[n++] = exch;
	tmp[n++] = flags;
	memset(tmp + n, 0, 8);
	n += 8;
	n += unhex(hex, tmp + n, sizeof(tmp) - n);
	tmp[24] = (uint8_t)(n >> 24);
	tmp[25] = (uint8_t)(n >> 16);
	tmp[26] = (uint8_t)(n >> 8);
	tmp[27] = (uint8_t)n;
	p = malloc(n);
	ck_assert_ptr_nonnull(p);
	memcpy(p, tmp, n);
	*len = n;
	return p;
}

/* Decodes payloads in hex as a decrypted chain, refusal expected with `err`, `notify`. */
static void refuse_chain(uint8_t first, const char *hex, int err, uint16_t notify)
{
	size_t len;
	uint8_t *p = bytes(hex, &len);

	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(ikev1_decode_chain(p, len, first, &m), err);
	ck_assert_uint_eq(m.why_notify, notify);
	ck_assert_ptr_nonnull(m.why);
	free(p);
}

static void refuse_msg(uint8_t first, const char *hex, int err, uint16_t notify)
{
	size_t len;
	uint8_t *p = message(IKEV1_EXCH_IDPROT, 0, first, hex, &len);

	ck_assert_int_eq(ikev1_decode(p, len, &m), err);
	ck_assert_uint_eq(m.why_notify, notify);
	ck_assert_ptr_nonnull(m.why);
	free(p);
}

static void assert_bytes(struct wire_bytes b, const char *hex)
{
	uint8_t want[1024];
	size_t n = unhex(hex, want, sizeof(want));

	ck_assert_uint_eq(b.len, n);
	if (n)
		ck_assert_mem_eq(b.ptr, want, n);
}

static uint64_t attr_u(const struct ikev1_attr *a)
{
	uint64_t v = 0;

	ck_assert_int_eq(ikev1_attr_uint(a, &v), 0);
	return v;
}

/* Encodes every payload of m, in a canonical order, after a header like m's (clear) or as a
 * bare chain (chain != NULL); returns the bytes in w. */
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

/* --- known messages --- */

/* Main Mode, first message: SA (IPsec DOI, identity only) of one ISAKMP proposal with three
 * transforms (AES-256/SHA2-256/XAuthInitPSK/modp2048/28800 s as a TLV life; 3DES/SHA1/PSK/
 * modp1024/28800 s as TV; AES-128/SHA1/PSK/modp1536/86400 s), then the RFC 3947 and DPD
 * Vendor IDs. */
static const char mm1[] =
	/* SA */ "0d 00 0084 00000001 00000001"
		 /* P */ "00 00 0078 01 01 00 03"
		 /* T1 */ "03 00 0028 01 01 0000 8001 0007 800e 0100 8002 0004 8003 fde9 8004 000e"
		 "800b 0001 000c 0004 00007080"
		 /* T2 */ "03 00 0020 02 01 0000 8001 0005 8002 0002 8003 0001 8004 0002 800b 0001"
		 "800c 7080"
		 /* T3 */ "00 00 0028 03 01 0000 8001 0007 800e 0080 8002 0002 8003 0001 8004 0005"
		 "800b 0001 000c 0004 00015180"
		 /* VID */ "0d 00 0014 4a131c81070358455c5728f20e95452f"
		 /* VID */ "00 00 0014 afcad71368a1f1c96b8696fc77570100";

START_TEST(test_known_main_mode_sa)
{
	size_t len;
	uint8_t *p = message(IKEV1_EXCH_IDPROT, 0, IKEV1_PLD_SA, mm1, &len);
	const struct ikev1_transform *t;
	struct ikev1_enc e;
	struct wbuf w;

	ck_assert_uint_eq(len, 200);
	ck_assert_int_eq(ikev1_decode(p, len, &m), 0);
	ck_assert_uint_eq(m.hdr.icookie, 0x0102030405060708ULL);
	ck_assert_uint_eq(m.hdr.rcookie, 0);
	ck_assert_uint_eq(m.hdr.exch, IKEV1_EXCH_IDPROT);
	ck_assert_uint_eq(m.hdr.length, 200);
	ck_assert(ikev1_has(&m, IKEV1_PLD_SA) && ikev1_has(&m, IKEV1_PLD_VENDOR));
	ck_assert(!ikev1_has(&m, IKEV1_PLD_KE));
	ck_assert_uint_eq(m.sa.doi, IKEV1_DOI_IPSEC);
	ck_assert_uint_eq(m.sa.situation, IKEV1_SIT_IDENTITY_ONLY);
	ck_assert_uint_eq(m.sa.nprop, 1);
	ck_assert_uint_eq(m.sa.p[0].proto, IKEV1_PROTO_ISAKMP);
	ck_assert_uint_eq(m.sa.p[0].spi_size, 0);
	ck_assert_uint_eq(m.sa.p[0].ntrans, 3);
	ck_assert_uint_eq(m.sa.ntrans, 3);
	ck_assert_uint_eq(m.sa.nattr, 7 + 6 + 7);
	t = ikev1_prop_trans(&m.sa, &m.sa.p[0], 0);
	ck_assert_uint_eq(t->num, 1);
	ck_assert_uint_eq(t->id, IKEV1_KEY_IKE);
	ck_assert_uint_eq(t->nattr, 7);
	ck_assert_uint_eq(ikev1_trans_attr(&m.sa, t, 0)->type, IKEV1_P1_ENCR);
	ck_assert_uint_eq(ikev1_trans_attr(&m.sa, t, 0)->val, IKEV1_ENCR_AES_CBC);
	ck_assert_uint_eq(ikev1_trans_attr(&m.sa, t, 1)->val, 256);
	ck_assert_uint_eq(ikev1_trans_attr(&m.sa, t, 3)->val, IKEV1_AUTH_XAUTH_INIT_PSK);
	ck_assert(!ikev1_trans_attr(&m.sa, t, 6)->tv);
	ck_assert_uint_eq(ikev1_trans_attr(&m.sa, t, 6)->type, IKEV1_P1_LIFE_DURATION);
	ck_assert_uint_eq(attr_u(ikev1_trans_attr(&m.sa, t, 6)), 28800);
	t = ikev1_prop_trans(&m.sa, &m.sa.p[0], 1);
	ck_assert_uint_eq(t->num, 2);
	ck_assert(ikev1_trans_attr(&m.sa, t, 5)->tv);
	ck_assert_uint_eq(attr_u(ikev1_trans_attr(&m.sa, t, 5)), 28800);
	t = ikev1_prop_trans(&m.sa, &m.sa.p[0], 2);
	ck_assert_uint_eq(attr_u(ikev1_trans_attr(&m.sa, t, 6)), 86400);
	ck_assert_uint_eq(m.nvendor, 2);
	assert_bytes(m.vendor[0], "4a131c81070358455c5728f20e95452f");
	assert_bytes(m.vendor[1], "afcad71368a1f1c96b8696fc77570100");
	/* SAi_b: the SA payload without its generic header */
	ck_assert_ptr_eq(m.sa_body.ptr, p + 28 + 4);
	ck_assert_uint_eq(m.sa_body.len, 0x84 - 4);

	/* and back to the same bytes */
	wbuf_init(&w);
	ikev1_enc_begin(&e, &w, &m.hdr);
	put_all(&e, &m);
	ikev1_enc_end(&e);
	ck_assert(!w.err);
	ck_assert_uint_eq(w.len, len);
	ck_assert_mem_eq(w.p, p, len);
	wbuf_free(&w);
	free(p);
}
END_TEST

/* Aggressive Mode, first message: SA (AES-128/SHA1/XAuthInitPSK/modp1024/3600 s), KE, Ni,
 * IDii (FQDN moon.example, UDP port 500), the XAuth Vendor ID. */
static const char am1[] =
	"04 00 0038 00000001 00000001"
	"00 00 002c 01 01 00 01"
	"00 00 0024 01 01 0000 8001 0007 800e 0080 8002 0002 8003 fde9"
	"8004 0002 800b 0001 800c 0e10"
	/* KE */ "0a 00 0024 1111111111111111111111111111111111111111111111111111111111111111"
	/* Ni */ "05 00 0014 22222222222222222222222222222222"
	/* IDii */ "0d 00 0014 02 11 01f4 6d6f6f6e2e6578616d706c65"
	/* VID */ "00 00 000c 09002689dfd6b712";

START_TEST(test_known_aggressive)
{
	size_t len;
	uint8_t *p = message(IKEV1_EXCH_AGGRESSIVE, 0, IKEV1_PLD_SA, am1, &len);
	const struct ikev1_transform *t;
	struct ikev1_enc e;
	struct wbuf w;

	ck_assert_uint_eq(len, 172);
	ck_assert_int_eq(ikev1_decode(p, len, &m), 0);
	ck_assert_uint_eq(m.hdr.exch, IKEV1_EXCH_AGGRESSIVE);
	t = ikev1_prop_trans(&m.sa, &m.sa.p[0], 0);
	ck_assert_uint_eq(attr_u(ikev1_trans_attr(&m.sa, t, 3)), IKEV1_AUTH_XAUTH_INIT_PSK);
	ck_assert_uint_eq(attr_u(ikev1_trans_attr(&m.sa, t, 6)), 3600);
	ck_assert_uint_eq(m.ke.len, 32);
	assert_bytes(m.nonce, "22222222222222222222222222222222");
	ck_assert_uint_eq(m.nid, 1);
	ck_assert_uint_eq(m.id[0].type, IKEV1_ID_FQDN);
	ck_assert_uint_eq(m.id[0].proto, 17);
	ck_assert_uint_eq(m.id[0].port, 500);
	assert_bytes(m.id[0].data, "6d6f6f6e2e6578616d706c65");
	assert_bytes(m.id[0].body, "02 11 01f4 6d6f6f6e2e6578616d706c65");
	ck_assert_uint_eq(m.nvendor, 1);

	wbuf_init(&w);
	ikev1_enc_begin(&e, &w, &m.hdr);
	ikev1_put_sa(&e, &m.sa);
	ikev1_put_ke(&e, m.ke.ptr, m.ke.len);
	ikev1_put_nonce(&e, m.nonce.ptr, m.nonce.len);
	ikev1_put_id(&e, m.id[0].type, m.id[0].proto, m.id[0].port, m.id[0].data.ptr,
		     m.id[0].data.len);
	ikev1_put_vendor(&e, m.vendor[0].ptr, m.vendor[0].len);
	ikev1_enc_end(&e);
	ck_assert(!w.err);
	ck_assert_uint_eq(w.len, len);
	ck_assert_mem_eq(w.p, p, len);
	wbuf_free(&w);
	free(p);
}
END_TEST

/* Quick Mode, first message, decrypted: HASH(1), SA of one ESP proposal (SPI c1c2c3c4) with
 * AES-128/HMAC-SHA2-256/tunnel/modp2048, lifetimes of 3600 s and 10^7 KB as TLVs (4 and 8
 * bytes), and 3DES/HMAC-SHA1 in the draft UDP-encapsulated tunnel mode (61443) with a TV
 * life; Ni; IDci 192.168.1.0/24; IDcr 10.0.0.0/8 UDP 500; then 8 bytes of padding. */
static const char qm1[] = "01 00 0018 3333333333333333333333333333333333333333"
			  "0a 00 0064 00000001 00000001"
			  "00 00 0058 01 03 04 02 c1c2c3c4"
			  "03 00 0034 01 0c 0000 8001 0001 0002 0004 00000e10 8001 0002"
			  "0002 0008 0000000000989680 8004 0001 8005 0005 8006 0080 8003 000e"
			  "00 00 0018 02 03 0000 8001 0001 8002 0e10 8004 f003 8005 0002"
			  /* Ni */ "05 00 0014 44444444444444444444444444444444"
			  /* IDci */ "05 00 0010 04 00 0000 c0a80100 ffffff00"
			  /* IDcr */ "00 00 0010 04 11 01f4 0a000000 ff000000"
			  /* padding */ "00000000 00000007";

START_TEST(test_known_quick_mode)
{
	size_t len, hlen;
	uint8_t *p = bytes(qm1, &len);
	uint8_t *h = message(IKEV1_EXCH_QUICK, IKEV1_FLAG_ENCRYPTION, IKEV1_PLD_HASH,
			     "0011223344556677 8899aabbccddeeff", &hlen);
	const struct ikev1_proposal *pr;
	const struct ikev1_transform *t;
	static const uint8_t net[] = {192, 168, 1, 0}, mask[] = {255, 255, 255, 0};
	struct ikev1_enc e;
	struct wbuf w;

	/* the clear part: header and the encrypted body, left alone */
	ck_assert_int_eq(ikev1_decode(h, hlen, &m), 0);
	ck_assert_uint_eq(m.hdr.flags, IKEV1_FLAG_ENCRYPTION);
	assert_bytes(m.enc, "0011223344556677 8899aabbccddeeff");
	ck_assert_uint_eq(m.present, 0);

	/* the decrypted chain */
	ck_assert_int_eq(ikev1_decode_chain(p, len, m.hdr.next, &m), 0);
	ck_assert_uint_eq(m.pad_len, 8);
	ck_assert_ptr_eq(m.chain.ptr, p);
	ck_assert_uint_eq(m.chain.len, len - 8);
	ck_assert_uint_eq(m.nhash, 1);
	pr = &m.sa.p[0];
	ck_assert_uint_eq(pr->proto, IKEV1_PROTO_ESP);
	ck_assert_uint_eq(pr->spi_size, 4);
	ck_assert_mem_eq(pr->spi, "\xc1\xc2\xc3\xc4", 4);
	ck_assert_uint_eq(pr->ntrans, 2);
	t = ikev1_prop_trans(&m.sa, pr, 0);
	ck_assert_uint_eq(t->id, IKEV1_ESP_AES);
	ck_assert_uint_eq(t->nattr, 8);
	ck_assert_uint_eq(ikev1_trans_attr(&m.sa, t, 1)->type, IKEV1_P2_SA_LIFE_DURATION);
	ck_assert_uint_eq(attr_u(ikev1_trans_attr(&m.sa, t, 1)), 3600);
	ck_assert_uint_eq(attr_u(ikev1_trans_attr(&m.sa, t, 3)), 10000000);
	ck_assert_uint_eq(attr_u(ikev1_trans_attr(&m.sa, t, 4)), IKEV1_ENCAP_TUNNEL);
	ck_assert_uint_eq(attr_u(ikev1_trans_attr(&m.sa, t, 5)), IKEV1_AUTH_ALG_HMAC_SHA2_256);
	ck_assert_uint_eq(attr_u(ikev1_trans_attr(&m.sa, t, 6)), 128);
	t = ikev1_prop_trans(&m.sa, pr, 1);
	ck_assert_uint_eq(t->id, IKEV1_ESP_3DES);
	ck_assert_uint_eq(attr_u(ikev1_trans_attr(&m.sa, t, 2)), IKEV1_ENCAP_UDP_TUNNEL_DRAFT);
	ck_assert_uint_eq(m.nid, 2);
	ck_assert_uint_eq(m.id[0].type, IKEV1_ID_IPV4_ADDR_SUBNET);
	ck_assert_mem_eq(m.id[0].addr, net, 4);
	ck_assert_mem_eq(m.id[0].addr2, mask, 4);
	ck_assert_uint_eq(m.id[1].proto, 17);
	ck_assert_uint_eq(m.id[1].port, 500);
	ck_assert_uint_eq(m.id[1].addr[0], 10);

	/* the chain encodes back to the same bytes, padding aside */
	wbuf_init(&w);
	ikev1_enc_chain_begin(&e, &w);
	put_all(&e, &m);
	ck_assert(!w.err);
	ck_assert_uint_eq(e.first, IKEV1_PLD_HASH);
	ck_assert_uint_eq(w.len, len - 8);
	ck_assert_mem_eq(w.p, p, len - 8);
	wbuf_free(&w);
	free(p);
	free(h);
}
END_TEST

/* Transaction exchange, decrypted: HASH, ATTR (REPLY, identifier 0x1234) with XAUTH_TYPE
 * generic (TV), XAUTH_USER_NAME "alice", XAUTH_USER_PASSWORD "s3cret"; 9 bytes of padding. */
static const char xauth_reply[] = "0e 00 0018 5555555555555555555555555555555555555555"
				  "00 00 001f 02 00 1234 c088 0000 4089 0005 616c696365"
				  "408a 0006 733363726574"
				  "000000000000000008";

START_TEST(test_known_xauth)
{
	size_t len;
	uint8_t *p = bytes(xauth_reply, &len);
	struct ikev1_enc e;
	struct wbuf w;

	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(ikev1_decode_chain(p, len, IKEV1_PLD_HASH, &m), 0);
	ck_assert_uint_eq(m.pad_len, 9);
	ck_assert(ikev1_has(&m, IKEV1_PLD_ATTR));
	ck_assert_uint_eq(m.cfg.type, IKEV1_CFG_REPLY);
	ck_assert_uint_eq(m.cfg.ident, 0x1234);
	ck_assert_uint_eq(m.cfg.n, 3);
	ck_assert_uint_eq(m.cfg.a[0].type, IKEV1_CFG_XAUTH_TYPE);
	ck_assert(m.cfg.a[0].tv);
	ck_assert_uint_eq(m.cfg.a[0].val, 0);
	ck_assert_uint_eq(m.cfg.a[1].type, IKEV1_CFG_XAUTH_USER_NAME);
	ck_assert(!m.cfg.a[1].tv);
	assert_bytes(m.cfg.a[1].value, "616c696365");
	ck_assert_uint_eq(m.cfg.a[2].type, IKEV1_CFG_XAUTH_USER_PASSWORD);
	assert_bytes(m.cfg.a[2].value, "733363726574");
	/* what HASH covers: the payloads after it, not the padding */
	ck_assert_ptr_eq(m.hash[0].ptr + m.hash[0].len, p + 24);
	ck_assert_ptr_eq(m.chain.ptr + m.chain.len, p + len - 9);

	wbuf_init(&w);
	ikev1_enc_chain_begin(&e, &w);
	put_all(&e, &m);
	ck_assert(!w.err);
	ck_assert_uint_eq(w.len, len - 9);
	ck_assert_mem_eq(w.p, p, len - 9);
	wbuf_free(&w);
	free(p);
}
END_TEST

/* Main Mode, third message: KE, Ni, two NAT-D (RFC 3947), and the same with the draft
 * payload type 130 (strongSwan and Libreswan send it when the peer's VID was a draft). */
START_TEST(test_known_natd)
{
	static const char mm3[] = "0a 00 0014 66666666666666666666666666666666"
				  "14 00 0014 77777777777777777777777777777777"
				  "14 00 0018 8888888888888888888888888888888888888888"
				  "00 00 0018 9999999999999999999999999999999999999999";
	static const char mm3_draft[] = "0a 00 0014 66666666666666666666666666666666"
					"82 00 0014 77777777777777777777777777777777"
					"82 00 0018 8888888888888888888888888888888888888888"
					"00 00 0018 9999999999999999999999999999999999999999";
	size_t len;
	uint8_t *p = message(IKEV1_EXCH_IDPROT, 0, IKEV1_PLD_KE, mm3, &len);

	ck_assert_int_eq(ikev1_decode(p, len, &m), 0);
	ck_assert_uint_eq(len, 116);
	ck_assert(ikev1_has(&m, IKEV1_PLD_NATD) && !ikev1_has(&m, IKEV1_PLD_NATD_DRAFT));
	ck_assert_uint_eq(m.nnatd, 2);
	assert_bytes(m.natd[0], "8888888888888888888888888888888888888888");
	assert_bytes(m.natd[1], "9999999999999999999999999999999999999999");
	free(p);
	p = message(IKEV1_EXCH_IDPROT, 0, IKEV1_PLD_KE, mm3_draft, &len);
	ck_assert_int_eq(ikev1_decode(p, len, &m), 0);
	ck_assert(ikev1_has(&m, IKEV1_PLD_NATD_DRAFT) && !ikev1_has(&m, IKEV1_PLD_NATD));
	ck_assert_uint_eq(m.nnatd, 2);
	free(p);
}
END_TEST

/* --- round trips, one per payload --- */

static const uint8_t pat[64] = {1,  2,	3,  4,	5,  6,	7,  8,	9,  10, 11, 12, 13, 14, 15, 16,
				17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static void build_sa(struct ikev1_sa *sa)
{
	static const uint8_t life[] = {0x00, 0x01, 0x51, 0x80};

	memset(sa, 0, sizeof(*sa));
	sa->doi = IKEV1_DOI_IPSEC;
	sa->situation = IKEV1_SIT_IDENTITY_ONLY;
	sa->nprop = 2;
	sa->p[0] = (struct ikev1_proposal){.num = 1,
					   .proto = IKEV1_PROTO_AH,
					   .spi_size = 4,
					   .spi = {9, 8, 7, 6},
					   .first_trans = 0,
					   .ntrans = 1};
	sa->p[1] = (struct ikev1_proposal){.num = 1,
					   .proto = IKEV1_PROTO_ESP,
					   .spi_size = 4,
					   .spi = {1, 2, 3, 4},
					   .first_trans = 1,
					   .ntrans = 2};
	sa->ntrans = 3;
	sa->t[0] = (struct ikev1_transform){
		.num = 1, .id = IKEV1_AH_SHA2_256, .first_attr = 0, .nattr = 1};
	sa->t[1] = (struct ikev1_transform){
		.num = 1, .id = IKEV1_ESP_AES_GCM_16, .first_attr = 1, .nattr = 3};
	sa->t[2] = (struct ikev1_transform){
		.num = 2, .id = IKEV1_ESP_NULL, .first_attr = 4, .nattr = 0};
	sa->nattr = 4;
	sa->a[0] = (struct ikev1_attr){.type = IKEV1_P2_AUTH_ALG, .tv = true, .val = 5};
	sa->a[1] = (struct ikev1_attr){.type = IKEV1_P2_KEY_LENGTH, .tv = true, .val = 256};
	sa->a[2] = (struct ikev1_attr){
		.type = IKEV1_P2_ENCAP_MODE, .tv = true, .val = IKEV1_ENCAP_UDP_TRANSPORT};
	sa->a[3] = (struct ikev1_attr){.type = IKEV1_P2_SA_LIFE_DURATION,
				       .value = {life, sizeof(life)}};
}

static void same_sa(const struct ikev1_sa *a, const struct ikev1_sa *b)
{
	ck_assert_uint_eq(a->nprop, b->nprop);
	ck_assert_uint_eq(a->ntrans, b->ntrans);
	ck_assert_uint_eq(a->nattr, b->nattr);
	for (unsigned int i = 0; i < a->nprop; i++) {
		ck_assert_uint_eq(a->p[i].num, b->p[i].num);
		ck_assert_uint_eq(a->p[i].proto, b->p[i].proto);
		ck_assert_uint_eq(a->p[i].spi_size, b->p[i].spi_size);
		ck_assert_mem_eq(a->p[i].spi, b->p[i].spi, a->p[i].spi_size);
		ck_assert_uint_eq(a->p[i].first_trans, b->p[i].first_trans);
		ck_assert_uint_eq(a->p[i].ntrans, b->p[i].ntrans);
	}
	for (unsigned int i = 0; i < a->ntrans; i++) {
		ck_assert_uint_eq(a->t[i].num, b->t[i].num);
		ck_assert_uint_eq(a->t[i].id, b->t[i].id);
		ck_assert_uint_eq(a->t[i].first_attr, b->t[i].first_attr);
		ck_assert_uint_eq(a->t[i].nattr, b->t[i].nattr);
	}
	for (unsigned int i = 0; i < a->nattr; i++) {
		ck_assert_uint_eq(a->a[i].type, b->a[i].type);
		ck_assert_uint_eq(a->a[i].tv, b->a[i].tv);
		ck_assert_uint_eq(a->a[i].val, b->a[i].val);
		ck_assert_uint_eq(a->a[i].value.len, b->a[i].value.len);
		if (a->a[i].value.len)
			ck_assert_mem_eq(a->a[i].value.ptr, b->a[i].value.ptr, a->a[i].value.len);
	}
}

enum {
	RT_SA,
	RT_KE,
	RT_ID,
	RT_CERT,
	RT_HASH,
	RT_SIG,
	RT_NONCE,
	RT_NOTIFY,
	RT_DELETE,
	RT_VENDOR,
	RT_ATTR,
	RT_NATD,
	RT_NATOA,
	RT_FRAG,
	RT_ALL,
	NRT
};

static struct ikev1_sa rt_sa; /* 30 KiB */

/* Writes payload kind i (all of them for RT_ALL) after a header, decodes, checks fields. */
START_TEST(test_roundtrip)
{
	struct ikev1_hdr h = {.icookie = 0x1111,
			      .rcookie = 0x2222,
			      .exch = IKEV1_EXCH_QUICK,
			      .flags = IKEV1_FLAG_COMMIT,
			      .msgid = 0xdeadbeef};
	static const uint8_t spis[] = {1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3};
	static const uint8_t cookies[16] = {0xaa, 0xbb};
	struct ikev1_natoa oa = {.id_type = IKEV1_ID_IPV6_ADDR, .addr = {0x20, 0x01, 0x0d, 0xb8}};
	struct ikev1_cfg cfg = {.type = IKEV1_CFG_SET, .ident = 7, .n = 3};
	static const uint8_t v4[] = {10, 1, 0, 0, 10, 1, 255, 255};
	struct ikev1_enc e;
	struct wbuf w;
	int i = _i;
	bool all = i == RT_ALL;
	uint8_t *copy;

	cfg.a[0] = (struct ikev1_attr){.type = IKEV1_CFG_INTERNAL_IP4_ADDRESS, .value = {v4, 4}};
	cfg.a[1] = (struct ikev1_attr){.type = IKEV1_CFG_XAUTH_STATUS, .tv = true, .val = 1};
	cfg.a[2] = (struct ikev1_attr){.type = IKEV1_CFG_UNITY_SPLIT_INCLUDE, .value = {v4, 8}};
	build_sa(&rt_sa);
	wbuf_init(&w);
	ikev1_enc_begin(&e, &w, &h);
	if (all || i == RT_HASH)
		ikev1_put_hash(&e, pat, 20);
	if (all || i == RT_SA)
		ikev1_put_sa(&e, &rt_sa);
	if (all || i == RT_KE)
		ikev1_put_ke(&e, pat, 64);
	if (all || i == RT_NONCE)
		ikev1_put_nonce(&e, pat, 32);
	if (all || i == RT_ID) {
		ikev1_put_id(&e, IKEV1_ID_IPV4_ADDR_RANGE, 6, 80, v4, 8);
		ikev1_put_id(&e, IKEV1_ID_USER_FQDN, 0, 0, (const uint8_t *)"a@b.c", 5);
	}
	if (all || i == RT_CERT) {
		ikev1_put_cert(&e, IKEV1_PLD_CERT, IKEV1_CERT_X509_SIG, pat, 40);
		ikev1_put_cert(&e, IKEV1_PLD_CERTREQ, IKEV1_CERT_X509_SIG, NULL, 0);
	}
	if (all || i == RT_SIG)
		ikev1_put_sig(&e, pat, 48);
	if (all || i == RT_NOTIFY) {
		ikev1_put_notify(&e, IKEV1_DOI_IPSEC, IKEV1_PROTO_ISAKMP, IKEV1_N_R_U_THERE,
				 cookies, 16, pat, 4);
		ikev1_put_notify(&e, IKEV1_DOI_IPSEC, IKEV1_PROTO_ESP, IKEV1_N_RESPONDER_LIFETIME,
				 spis, 4, pat, 8);
	}
	if (all || i == RT_DELETE)
		ikev1_put_delete(&e, IKEV1_DOI_IPSEC, IKEV1_PROTO_ESP, 4, 3, spis);
	if (all || i == RT_VENDOR)
		ikev1_put_vendor(&e, pat, 16);
	if (all || i == RT_ATTR)
		ikev1_put_cfg(&e, &cfg);
	if (all || i == RT_NATD) {
		ikev1_put_natd(&e, IKEV1_PLD_NATD, pat, 20);
		ikev1_put_natd(&e, IKEV1_PLD_NATD_DRAFT, pat + 1, 20);
	}
	if (all || i == RT_NATOA)
		ikev1_put_natoa(&e, IKEV1_PLD_NATOA_DRAFT, &oa);
	if (all || i == RT_FRAG)
		ikev1_put_frag(&e, 1, 3, true, pat, 50);
	ikev1_enc_end(&e);
	ck_assert(!w.err);
	copy = malloc(w.len);
	memcpy(copy, w.p, w.len);
	ck_assert_int_eq(ikev1_decode(copy, w.len, &m), 0);
	ck_assert_uint_eq(m.hdr.icookie, 0x1111);
	ck_assert_uint_eq(m.hdr.rcookie, 0x2222);
	ck_assert_uint_eq(m.hdr.version, IKEV1_VERSION);
	ck_assert_uint_eq(m.hdr.exch, IKEV1_EXCH_QUICK);
	ck_assert_uint_eq(m.hdr.flags, IKEV1_FLAG_COMMIT);
	ck_assert_uint_eq(m.hdr.msgid, 0xdeadbeef);
	ck_assert_uint_eq(m.hdr.length, w.len);
	if (all || i == RT_HASH)
		ck_assert(m.nhash == 1 && m.hash[0].len == 20 && !memcmp(m.hash[0].ptr, pat, 20));
	if (all || i == RT_SA)
		same_sa(&rt_sa, &m.sa);
	if (all || i == RT_KE)
		ck_assert(m.ke.len == 64 && !memcmp(m.ke.ptr, pat, 64));
	if (all || i == RT_NONCE)
		ck_assert(m.nonce.len == 32 && !memcmp(m.nonce.ptr, pat, 32));
	if (all || i == RT_ID) {
		ck_assert_uint_eq(m.nid, 2);
		ck_assert_uint_eq(m.id[0].type, IKEV1_ID_IPV4_ADDR_RANGE);
		ck_assert_uint_eq(m.id[0].proto, 6);
		ck_assert_uint_eq(m.id[0].port, 80);
		ck_assert_mem_eq(m.id[0].addr, v4, 4);
		ck_assert_mem_eq(m.id[0].addr2, v4 + 4, 4);
		ck_assert_uint_eq(m.id[1].type, IKEV1_ID_USER_FQDN);
		ck_assert(m.id[1].data.len == 5 && !memcmp(m.id[1].data.ptr, "a@b.c", 5));
	}
	if (all || i == RT_CERT) {
		ck_assert(m.ncert == 1 && m.cert[0].encoding == IKEV1_CERT_X509_SIG);
		ck_assert(m.cert[0].data.len == 40 && !memcmp(m.cert[0].data.ptr, pat, 40));
		ck_assert(m.ncertreq == 1 && m.certreq[0].data.len == 0);
	}
	if (all || i == RT_SIG)
		ck_assert(m.sig.len == 48 && !memcmp(m.sig.ptr, pat, 48));
	if (all || i == RT_NOTIFY) {
		ck_assert_uint_eq(m.nnotify, 2);
		ck_assert_uint_eq(m.notify[0].type, IKEV1_N_R_U_THERE);
		ck_assert_uint_eq(m.notify[0].doi, IKEV1_DOI_IPSEC);
		ck_assert_uint_eq(m.notify[0].proto, IKEV1_PROTO_ISAKMP);
		ck_assert(m.notify[0].spi_size == 16 && !memcmp(m.notify[0].spi.ptr, cookies, 16));
		ck_assert(m.notify[0].data.len == 4 && !memcmp(m.notify[0].data.ptr, pat, 4));
		ck_assert_uint_eq(m.notify[1].type, IKEV1_N_RESPONDER_LIFETIME);
		ck_assert_uint_eq(m.notify[1].spi.len, 4);
	}
	if (all || i == RT_DELETE) {
		ck_assert_uint_eq(m.ndelete, 1);
		ck_assert(m.del[0].proto == IKEV1_PROTO_ESP && m.del[0].spi_size == 4);
		ck_assert(m.del[0].nspi == 3 && !memcmp(m.del[0].spis.ptr, spis, 12));
	}
	if (all || i == RT_VENDOR)
		ck_assert(m.nvendor == 1 && m.vendor[0].len == 16);
	if (all || i == RT_ATTR) {
		ck_assert(m.cfg.type == IKEV1_CFG_SET && m.cfg.ident == 7 && m.cfg.n == 3);
		ck_assert(!m.cfg.a[0].tv && m.cfg.a[0].value.len == 4);
		ck_assert(m.cfg.a[1].tv && m.cfg.a[1].val == 1);
		ck_assert_uint_eq(m.cfg.a[2].type, IKEV1_CFG_UNITY_SPLIT_INCLUDE);
		ck_assert(!memcmp(m.cfg.a[2].value.ptr, v4, 8));
	}
	if (all || i == RT_NATD) {
		ck_assert(ikev1_has(&m, IKEV1_PLD_NATD) && ikev1_has(&m, IKEV1_PLD_NATD_DRAFT));
		ck_assert(m.nnatd == 2 && !memcmp(m.natd[1].ptr, pat + 1, 20));
	}
	if (all || i == RT_NATOA) {
		ck_assert(ikev1_has(&m, IKEV1_PLD_NATOA_DRAFT) && m.nnatoa == 1);
		ck_assert(m.natoa[0].id_type == IKEV1_ID_IPV6_ADDR);
		ck_assert_mem_eq(m.natoa[0].addr, oa.addr, 16);
	}
	if (all || i == RT_FRAG) {
		ck_assert(m.frag.id == 1 && m.frag.num == 3 && m.frag.last);
		ck_assert(m.frag.data.len == 50 && !memcmp(m.frag.data.ptr, pat, 50));
	}
	free(copy);
	wbuf_free(&w);
}
END_TEST

/* A protected message: the chain built apart, "encrypted" (here: copied), appended after the
 * header, whose next payload names the chain's first. */
START_TEST(test_roundtrip_encrypted)
{
	struct ikev1_hdr h = {.icookie = 1,
			      .rcookie = 2,
			      .exch = IKEV1_EXCH_INFORMATIONAL,
			      .flags = IKEV1_FLAG_ENCRYPTION,
			      .msgid = 5};
	struct ikev1_enc e, c;
	struct wbuf w, cw;

	wbuf_init(&w);
	wbuf_init(&cw);
	ikev1_enc_chain_begin(&c, &cw);
	ikev1_put_hash(&c, pat, 20);
	ikev1_put_notify(&c, IKEV1_DOI_IPSEC, IKEV1_PROTO_ISAKMP, IKEV1_N_R_U_THERE_ACK, pat, 16,
			 pat, 4);
	wbuf_zero(&cw, 12); /* padding */
	ikev1_enc_begin(&e, &w, &h);
	ikev1_put_encrypted(&e, c.first, cw.p, cw.len);
	ikev1_enc_end(&e);
	ck_assert(!w.err && !cw.err);
	ck_assert_int_eq(ikev1_decode(w.p, w.len, &m), 0);
	ck_assert_uint_eq(m.hdr.next, IKEV1_PLD_HASH);
	ck_assert_uint_eq(m.enc.len, cw.len);
	ck_assert_int_eq(ikev1_decode_chain(m.enc.ptr, m.enc.len, m.hdr.next, &m), 0);
	ck_assert_uint_eq(m.pad_len, 12);
	ck_assert_uint_eq(m.nnotify, 1);
	ck_assert_uint_eq(m.notify[0].type, IKEV1_N_R_U_THERE_ACK);
	wbuf_free(&w);
	wbuf_free(&cw);
}
END_TEST

/* racoon sets E on its fragments: the fragment payload is read in the clear all the same;
 * another first payload with E stays a body to decrypt. */
START_TEST(test_fragment_with_e_flag)
{
	struct ikev1_hdr h = {.icookie = 1,
			      .rcookie = 2,
			      .exch = IKEV1_EXCH_IDPROT,
			      .flags = IKEV1_FLAG_ENCRYPTION};
	struct ikev1_enc e;
	struct wbuf w;

	wbuf_init(&w);
	ikev1_enc_begin(&e, &w, &h);
	ikev1_put_frag(&e, 7, 2, false, pat, 40);
	ikev1_enc_end(&e);
	ck_assert(!w.err);
	ck_assert_int_eq(ikev1_decode(w.p, w.len, &m), 0);
	ck_assert(ikev1_has(&m, IKEV1_PLD_FRAGMENT));
	ck_assert_uint_eq(m.enc.len, 0);
	ck_assert(m.frag.id == 7 && m.frag.num == 2 && !m.frag.last);
	ck_assert_uint_eq(m.frag.data.len, 40);
	w.p[16] = IKEV1_PLD_HASH; /* the same bytes led by another type: encrypted */
	ck_assert_int_eq(ikev1_decode(w.p, w.len, &m), 0);
	ck_assert(!ikev1_has(&m, IKEV1_PLD_FRAGMENT));
	ck_assert_uint_eq(m.enc.len, w.len - IKEV1_HDR_LEN);
	wbuf_free(&w);
}
END_TEST

START_TEST(test_encoder_refuses)
{
	struct ikev1_hdr h = {0};
	struct ikev1_natoa oa = {.id_type = IKEV1_ID_FQDN};
	struct ikev1_enc e;
	struct wbuf w;
	static uint8_t big[70000];

	for (int k = 0; k < 8; k++) {
		wbuf_init(&w);
		ikev1_enc_begin(&e, &w, &h);
		switch (k) {
		case 0:
			ikev1_put_notify(&e, 1, 1, 1, big, 17, NULL, 0);
			break;
		case 1:
			ikev1_put_delete(&e, 1, 3, 17, 1, big);
			break;
		case 2:
			ikev1_put_natoa(&e, IKEV1_PLD_NATOA, &oa);
			break;
		case 3:
			ikev1_put_frag(&e, 1, 0, true, NULL, 0);
			break;
		case 4:
			ikev1_put_vendor(&e, big, sizeof(big));
			break;
		case 5:
			build_sa(&rt_sa);
			rt_sa.p[1].ntrans = 3; /* past sa->ntrans */
			ikev1_put_sa(&e, &rt_sa);
			break;
		case 6:
			build_sa(&rt_sa);
			rt_sa.a[0].type |= IKEV1_ATTR_AF;
			ikev1_put_sa(&e, &rt_sa);
			break;
		case 7:
			ikev1_put_cert(&e, IKEV1_PLD_HASH, 4, NULL, 0);
			break;
		}
		ikev1_enc_end(&e);
		ck_assert_msg(w.err, "case %d", k);
		wbuf_free(&w);
	}
}
END_TEST

/* --- malformed input --- */

static const char *const known[] = {mm1, am1};

/* Every prefix of a known message is refused (the header's length then exceeds it) and
 * nothing is read past the exact-size buffer. */
START_TEST(test_truncations)
{
	size_t len;
	uint8_t *p = message(_i ? IKEV1_EXCH_AGGRESSIVE : IKEV1_EXCH_IDPROT, 0, IKEV1_PLD_SA,
			     known[_i], &len);

	for (size_t n = 0; n < len; n++) {
		uint8_t *q = malloc(n ? n : 1);

		memcpy(q, p, n);
		ck_assert_int_lt(ikev1_decode(q, n, &m), 0);
		ck_assert_ptr_nonnull(m.why);
		free(q);
	}
	/* and every prefix of a decrypted chain, as a chain: accepted only at the end of a
	 * payload whose next is 0, which only the whole chain is */
	free(p);
	p = bytes(qm1, &len);
	for (size_t n = 0; n < len - 8; n++) {
		uint8_t *q = malloc(n ? n : 1);

		memcpy(q, p, n);
		memset(&m, 0, sizeof(m));
		ck_assert_int_lt(ikev1_decode_chain(q, n, IKEV1_PLD_HASH, &m), 0);
		free(q);
	}
	free(p);
}
END_TEST

/* Every single-bit flip of the known messages decodes or fails cleanly; when it decodes,
 * encoding what was decoded and decoding that again gives the same fields. */
START_TEST(test_bit_flips)
{
	size_t len;
	uint8_t *p = message(_i ? IKEV1_EXCH_AGGRESSIVE : IKEV1_EXCH_IDPROT, 0, IKEV1_PLD_SA,
			     known[_i], &len);

	for (size_t bit = 0; bit < len * 8; bit++) {
		struct ikev1_enc e;
		struct wbuf w;

		p[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		if (ikev1_decode(p, len, &m) == 0 && !(m.hdr.flags & IKEV1_FLAG_ENCRYPTION)) {
			wbuf_init(&w);
			ikev1_enc_begin(&e, &w, &m.hdr);
			put_all(&e, &m);
			ikev1_enc_end(&e);
			ck_assert(!w.err);
			ck_assert_int_eq(ikev1_decode(w.p, w.len, &m2), 0);
			ck_assert_uint_eq(m.present, m2.present);
			same_sa(&m.sa, &m2.sa);
			wbuf_free(&w);
		}
		p[bit / 8] ^= (uint8_t)(1 << (bit % 8));
	}
	free(p);
}
END_TEST

START_TEST(test_header)
{
	size_t len;
	uint8_t *p = message(IKEV1_EXCH_IDPROT, 0, IKEV1_PLD_NONE, "", &len);
	struct ikev1_hdr h;

	ck_assert_int_eq(ikev1_decode(p, len, &m), 0); /* a bare header is well formed */
	ck_assert_int_eq(ikev1_decode(p, 27, &m), -EBADMSG);
	ck_assert_str_eq(m.why, "shorter than an ISAKMP header");
	ck_assert_int_eq(ikev1_decode_hdr(p, 27, &h), -EBADMSG);
	ck_assert_int_eq(ikev1_decode_hdr(p, 28, &h), 0);
	p[17] = 0x20; /* IKEv2 */
	ck_assert_int_eq(ikev1_decode(p, len, &m), -EPROTONOSUPPORT);
	ck_assert_uint_eq(m.why_notify, IKEV1_N_INVALID_MAJOR_VERSION);
	p[17] = 0x1f; /* minor versions are not checked */
	ck_assert_int_eq(ikev1_decode(p, len, &m), 0);
	p[17] = IKEV1_VERSION;
	p[19] = 0x08; /* the IKEv2 Initiator bit */
	ck_assert_int_eq(ikev1_decode(p, len, &m), -EBADMSG);
	ck_assert_uint_eq(m.why_notify, IKEV1_N_INVALID_FLAGS);
	p[19] = IKEV1_FLAG_ENCRYPTION; /* encrypted, but no body */
	ck_assert_int_eq(ikev1_decode(p, len, &m), -EBADMSG);
	p[19] = 0;
	p[27] = 27; /* length below the header */
	ck_assert_int_eq(ikev1_decode(p, len, &m), -EBADMSG);
	ck_assert_uint_eq(m.why_notify, IKEV1_N_UNEQUAL_PAYLOAD_LENGTHS);
	p[27] = 29; /* past the datagram */
	ck_assert_int_eq(ikev1_decode(p, len, &m), -EBADMSG);
	ck_assert_uint_eq(m.why_notify, IKEV1_N_UNEQUAL_PAYLOAD_LENGTHS);
	free(p);

	/* bytes beyond the header's length are ignored and counted */
	p = bytes("0102030405060708 0000000000000000 00 10 02 00 00000000 0000001c deadbeef", &len);
	ck_assert_int_eq(ikev1_decode(p, len, &m), 0);
	ck_assert_uint_eq(m.extra, 4);
	free(p);
}
END_TEST

START_TEST(test_looks_like)
{
	size_t len;
	uint8_t *p = message(IKEV1_EXCH_IDPROT, 0, IKEV1_PLD_NONE, "", &len);

	ck_assert(ikev1_looks_like(p, len));
	ck_assert(!ikev1_looks_like(p, 27));
	ck_assert(!ikev1_looks_like(NULL, 0));
	p[17] = 0x20;
	ck_assert(!ikev1_looks_like(p, len));
	free(p);
}
END_TEST

START_TEST(test_malformed)
{
	/* payload length past the end, below 4, zero */
	refuse_msg(IKEV1_PLD_VENDOR, "00 00 0010 01020304", -EBADMSG, IKEV1_N_PAYLOAD_MALFORMED);
	refuse_msg(IKEV1_PLD_VENDOR, "00 00 0003 01020304", -EBADMSG, IKEV1_N_PAYLOAD_MALFORMED);
	refuse_msg(IKEV1_PLD_VENDOR, "00 00 0000", -EBADMSG, IKEV1_N_PAYLOAD_MALFORMED);
	refuse_msg(IKEV1_PLD_VENDOR, "00 00", -EBADMSG, IKEV1_N_PAYLOAD_MALFORMED);
	/* an empty VID, HASH or NAT-D */
	refuse_msg(IKEV1_PLD_VENDOR, "00 00 0004", -EBADMSG, IKEV1_N_PAYLOAD_MALFORMED);
	/* bytes after the last payload of a clear message */
	refuse_msg(IKEV1_PLD_VENDOR, "00 00 0005 01 00", -EBADMSG, IKEV1_N_UNEQUAL_PAYLOAD_LENGTHS);
	/* unknown payload types: IKEv1 has no critical bit to skip them by */
	refuse_msg(15, "00 00 0005 01", -EBADMSG, IKEV1_N_INVALID_PAYLOAD_TYPE);
	refuse_msg(200, "00 00 0005 01", -EBADMSG, IKEV1_N_INVALID_PAYLOAD_TYPE);
	refuse_msg(IKEV1_PLD_VENDOR, "85 00 0005 01 00 00 0005 01", -EBADMSG,
		   IKEV1_N_INVALID_PAYLOAD_TYPE);
	refuse_msg(IKEV1_PLD_PROPOSAL, "00 00 0008 01 01 00 00", -EBADMSG,
		   IKEV1_N_INVALID_PAYLOAD_TYPE);
	/* singletons twice */
	refuse_chain(IKEV1_PLD_NONCE, "0a 00 000c 0102030405060708 00 00 000c 0102030405060708",
		     -EBADMSG, IKEV1_N_PAYLOAD_MALFORMED);
	/* nonce bounds (RFC 2409 5) */
	refuse_chain(IKEV1_PLD_NONCE, "00 00 000b 01020304050607", -EBADMSG,
		     IKEV1_N_PAYLOAD_MALFORMED);
	/* ID: short, address of the wrong length, more than two */
	refuse_chain(IKEV1_PLD_ID, "00 00 0007 01 00 00", -EBADMSG, IKEV1_N_INVALID_ID_INFORMATION);
	refuse_chain(IKEV1_PLD_ID, "00 00 000b 01 00 0000 0a0000", -EBADMSG,
		     IKEV1_N_INVALID_ID_INFORMATION);
	refuse_chain(IKEV1_PLD_ID, "00 00 0010 06 00 0000 0a000000 ffffff00", -EBADMSG,
		     IKEV1_N_INVALID_ID_INFORMATION);
	refuse_chain(IKEV1_PLD_ID,
		     "05 00 0009 02 00 0000 61 05 00 0009 02 00 0000 61 00 00 0009 02 00 0000 61",
		     -E2BIG, IKEV1_N_INVALID_ID_INFORMATION);
	/* notify: SPI over 16 bytes, SPI past the end */
	refuse_chain(IKEV1_PLD_NOTIFY,
		     "00 00 001d 00000001 01 11 5dc0 0102030405060708090a0b0c0d0e0f1011", -EBADMSG,
		     IKEV1_N_INVALID_SPI);
	refuse_chain(IKEV1_PLD_NOTIFY, "00 00 000e 00000001 03 04 0018 0102", -EBADMSG,
		     IKEV1_N_PAYLOAD_MALFORMED);
	/* delete: oversized SPIs, SPIs disagreeing with their count */
	refuse_chain(IKEV1_PLD_DELETE,
		     "00 00 001d 00000001 03 11 0001 0102030405060708090a0b0c0d0e0f1011", -EBADMSG,
		     IKEV1_N_INVALID_SPI);
	refuse_chain(IKEV1_PLD_DELETE, "00 00 0014 00000001 03 04 0003 01020304 05060708", -EBADMSG,
		     IKEV1_N_PAYLOAD_MALFORMED);
	/* NAT-OA of a non-address type, of the wrong length */
	refuse_chain(IKEV1_PLD_NATOA, "00 00 000c 02 000000 0a000001", -EBADMSG,
		     IKEV1_N_PAYLOAD_MALFORMED);
	refuse_chain(IKEV1_PLD_NATOA, "00 00 000c 05 000000 0a000001", -EBADMSG,
		     IKEV1_N_PAYLOAD_MALFORMED);
	/* fragment number 0 */
	refuse_chain(IKEV1_PLD_FRAGMENT, "00 00 0009 0001 00 01 ff", -EBADMSG,
		     IKEV1_N_PAYLOAD_MALFORMED);
	/* ATTR: attribute TLV past the end */
	refuse_chain(IKEV1_PLD_ATTR, "00 00 000e 01 00 0000 4089 0005 6162", -EBADMSG,
		     IKEV1_N_PAYLOAD_MALFORMED);
	/* CERT without an encoding */
	refuse_chain(IKEV1_PLD_CERT, "00 00 0004", -EBADMSG, IKEV1_N_INVALID_CERT_ENCODING);
}
END_TEST

/* SA payloads, each with one defect. */
START_TEST(test_malformed_sa)
{
	/* DOI and situation this codec cannot read */
	refuse_chain(IKEV1_PLD_SA, "00 00 000c 00000002 00000001", -EOPNOTSUPP,
		     IKEV1_N_DOI_NOT_SUPPORTED);
	refuse_chain(IKEV1_PLD_SA, "00 00 000c 00000001 00000002", -EOPNOTSUPP,
		     IKEV1_N_SITUATION_NOT_SUPPORTED);
	/* no proposal */
	refuse_chain(IKEV1_PLD_SA, "00 00 000c 00000001 00000001", -EBADMSG,
		     IKEV1_N_BAD_PROPOSAL_SYNTAX);
	/* proposal length past the SA's end */
	refuse_chain(IKEV1_PLD_SA, "00 00 0014 00000001 00000001 00 00 0010 01 01 00 01", -EBADMSG,
		     IKEV1_N_BAD_PROPOSAL_SYNTAX);
	/* proposal SPI of 17 bytes */
	refuse_chain(IKEV1_PLD_SA,
		     "00 00 002d 00000001 00000001 00 00 0021 01 03 11 01"
		     "0102030405060708090a0b0c0d0e0f1011"
		     "00 00 0008 01 0c 0000",
		     -EBADMSG, IKEV1_N_INVALID_SPI);
	/* proposal's next says another follows, but nothing does */
	refuse_chain(IKEV1_PLD_SA,
		     "00 00 001c 00000001 00000001 02 00 0010 01 01 00 01 00 00 0008 01 01 0000",
		     -EBADMSG, IKEV1_N_BAD_PROPOSAL_SYNTAX);
	/* transform count 2, one transform */
	refuse_chain(IKEV1_PLD_SA,
		     "00 00 001c 00000001 00000001 00 00 0010 01 01 00 02 00 00 0008 01 01 0000",
		     -EBADMSG, IKEV1_N_BAD_PROPOSAL_SYNTAX);
	/* transform count 1, two transforms */
	refuse_chain(IKEV1_PLD_SA,
		     "00 00 0024 00000001 00000001 00 00 0018 01 01 00 01"
		     "03 00 0008 01 01 0000 00 00 0008 02 01 0000",
		     -EBADMSG, IKEV1_N_BAD_PROPOSAL_SYNTAX);
	/* count 0 */
	refuse_chain(IKEV1_PLD_SA, "00 00 0014 00000001 00000001 00 00 0008 01 01 00 00", -EBADMSG,
		     IKEV1_N_BAD_PROPOSAL_SYNTAX);
	/* transform shorter than its header */
	refuse_chain(IKEV1_PLD_SA,
		     "00 00 001c 00000001 00000001 00 00 0010 01 01 00 01 00 00 0007 01 01 0000",
		     -EBADMSG, IKEV1_N_BAD_PROPOSAL_SYNTAX);
	/* attribute TLV past the transform's end */
	refuse_chain(IKEV1_PLD_SA,
		     "00 00 0024 00000001 00000001 00 00 0018 01 01 00 01"
		     "00 00 0010 01 01 0000 000c 0008 00007080",
		     -EBADMSG, IKEV1_N_BAD_PROPOSAL_SYNTAX);
	/* half an attribute */
	refuse_chain(IKEV1_PLD_SA,
		     "00 00 001e 00000001 00000001 00 00 0012 01 01 00 01"
		     "00 00 000a 01 01 0000 8001",
		     -EBADMSG, IKEV1_N_BAD_PROPOSAL_SYNTAX);
}
END_TEST

/* Counts over the caps: 17 proposals, 129 transforms, 1025 attributes, 65 ATTR attributes,
 * 17 notifies, 33 VIDs. */
START_TEST(test_caps)
{
	static char hex[65536];
	size_t n;
	unsigned int i;

	/* 17 proposals of one transform each: 17 * 16 bytes */
	n = (size_t)sprintf(hex, "00 00 %04x 00000001 00000001", 12 + 17 * 16);
	for (i = 0; i < 17; i++)
		n += (size_t)sprintf(hex + n, "%02x 00 0010 %02x 01 00 01 00 00 0008 01 01 0000",
				     i < 16 ? 2 : 0, i + 1);
	refuse_chain(IKEV1_PLD_SA, hex, -E2BIG, IKEV1_N_PAYLOAD_MALFORMED);
	/* 16 proposals are fine */
	n = (size_t)sprintf(hex, "00 00 %04x 00000001 00000001", 12 + 16 * 16);
	for (i = 0; i < 16; i++)
		n += (size_t)sprintf(hex + n, "%02x 00 0010 %02x 01 00 01 00 00 0008 01 01 0000",
				     i < 15 ? 2 : 0, i + 1);
	memset(&m, 0, sizeof(m));
	{
		size_t len;
		uint8_t *p = bytes(hex, &len);

		ck_assert_int_eq(ikev1_decode_chain(p, len, IKEV1_PLD_SA, &m), 0);
		ck_assert_uint_eq(m.sa.nprop, 16);
		free(p);
	}
	/* 129 transforms in two proposals (100 + 29) */
	n = (size_t)sprintf(hex, "00 00 %04x 00000001 00000001", 12 + 16 + 129 * 8);
	n += (size_t)sprintf(hex + n, "02 00 %04x 01 01 00 64", 8 + 100 * 8);
	for (i = 0; i < 100; i++)
		n += (size_t)sprintf(hex + n, "%02x 00 0008 %02x 01 0000", i < 99 ? 3 : 0, i + 1);
	n += (size_t)sprintf(hex + n, "00 00 %04x 02 01 00 1d", 8 + 29 * 8);
	for (i = 0; i < 29; i++)
		n += (size_t)sprintf(hex + n, "%02x 00 0008 %02x 01 0000", i < 28 ? 3 : 0, i + 1);
	refuse_chain(IKEV1_PLD_SA, hex, -E2BIG, IKEV1_N_PAYLOAD_MALFORMED);
	/* 1025 attributes: 9 transforms of 114 TV attributes (1026) */
	n = (size_t)sprintf(hex, "00 00 %04x 00000001 00000001", 12 + 8 + 9 * (8 + 114 * 4));
	n += (size_t)sprintf(hex + n, "00 00 %04x 01 01 00 09", 8 + 9 * (8 + 114 * 4));
	for (i = 0; i < 9; i++) {
		n += (size_t)sprintf(hex + n, "%02x 00 %04x %02x 01 0000", i < 8 ? 3 : 0,
				     8 + 114 * 4, i + 1);
		for (unsigned int j = 0; j < 114; j++)
			n += (size_t)sprintf(hex + n, "8001 0007");
	}
	refuse_chain(IKEV1_PLD_SA, hex, -E2BIG, IKEV1_N_PAYLOAD_MALFORMED);
	/* 65 ATTR attributes */
	n = (size_t)sprintf(hex, "00 00 %04x 01 00 0000", 8 + 65 * 4);
	for (i = 0; i < 65; i++)
		n += (size_t)sprintf(hex + n, "0001 0000");
	refuse_chain(IKEV1_PLD_ATTR, hex, -E2BIG, IKEV1_N_PAYLOAD_MALFORMED);
	/* 17 notifies */
	for (n = 0, i = 0; i < 17; i++)
		n += (size_t)sprintf(hex + n, "%02x 00 000c 00000001 01 00 6002", i < 16 ? 11 : 0);
	refuse_chain(IKEV1_PLD_NOTIFY, hex, -E2BIG, IKEV1_N_PAYLOAD_MALFORMED);
	/* 33 VIDs */
	for (n = 0, i = 0; i < 33; i++)
		n += (size_t)sprintf(hex + n, "%02x 00 0005 %02x", i < 32 ? 13 : 0, i);
	refuse_chain(IKEV1_PLD_VENDOR, hex, -E2BIG, IKEV1_N_PAYLOAD_MALFORMED);
}
END_TEST

START_TEST(test_attr_uint)
{
	static const uint8_t nine[] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
	static const uint8_t big[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
	struct ikev1_attr a = {.tv = true, .val = 0xfde9};
	uint64_t v;

	ck_assert_int_eq(ikev1_attr_uint(&a, &v), 0);
	ck_assert_uint_eq(v, 65001);
	a = (struct ikev1_attr){.value = {nine, 9}}; /* a leading zero byte is no harm */
	ck_assert_int_eq(ikev1_attr_uint(&a, &v), 0);
	ck_assert_uint_eq(v, 0x0102030405060708ULL);
	a = (struct ikev1_attr){.value = {big, 9}};
	ck_assert_int_eq(ikev1_attr_uint(&a, &v), -ERANGE);
	a = (struct ikev1_attr){.value = {big, 0}};
	ck_assert_int_eq(ikev1_attr_uint(&a, &v), -EBADMSG);
	a = (struct ikev1_attr){.value = {big, 3}};
	ck_assert_int_eq(ikev1_attr_uint(&a, &v), 0);
	ck_assert_uint_eq(v, 0x010203);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(ikev1_exch_name(IKEV1_EXCH_IDPROT), "IDENTITY_PROTECTION");
	ck_assert_str_eq(ikev1_exch_name(IKEV1_EXCH_QUICK), "QUICK_MODE");
	ck_assert_str_eq(ikev1_exch_name(IKEV1_EXCH_TRANSACTION), "TRANSACTION");
	ck_assert_str_eq(ikev1_exch_name(99), "99");
	ck_assert_str_eq(ikev1_pld_name(IKEV1_PLD_NATD), "NAT-D");
	ck_assert_str_eq(ikev1_pld_name(IKEV1_PLD_NATD_DRAFT), "NAT-D(draft)");
	ck_assert_str_eq(ikev1_pld_name(IKEV1_PLD_FRAGMENT), "FRAG");
	ck_assert_str_eq(ikev1_pld_name(250), "250");
	ck_assert_str_eq(ikev1_notify_name(IKEV1_N_INITIAL_CONTACT), "INITIAL-CONTACT");
	ck_assert_str_eq(ikev1_notify_name(IKEV1_N_RESPONDER_LIFETIME), "RESPONDER-LIFETIME");
	ck_assert_str_eq(ikev1_notify_name(IKEV1_N_REPLAY_STATUS), "REPLAY-STATUS");
	ck_assert_str_eq(ikev1_notify_name(36136), "R-U-THERE");
	ck_assert_str_eq(ikev1_notify_name(36137), "R-U-THERE-ACK");
	ck_assert_str_eq(ikev1_notify_name(IKEV1_N_PAYLOAD_MALFORMED), "PAYLOAD-MALFORMED");
	ck_assert_str_eq(ikev1_notify_name(12345), "12345");
	ck_assert_str_eq(ikev1_p1_attr_name(IKEV1_P1_LIFE_DURATION), "Life Duration");
	ck_assert_str_eq(ikev1_p1_attr_name(IKEV1_P1_KEY_LENGTH), "Key Length");
	ck_assert_str_eq(ikev1_p2_attr_name(IKEV1_P2_ENCAP_MODE), "Encapsulation Mode");
	ck_assert_str_eq(ikev1_cfg_attr_name(16520), "XAUTH_TYPE");
	ck_assert_str_eq(ikev1_cfg_attr_name(16521), "XAUTH_USER_NAME");
	ck_assert_str_eq(ikev1_cfg_attr_name(16522), "XAUTH_USER_PASSWORD");
	ck_assert_str_eq(ikev1_cfg_attr_name(16527), "XAUTH_STATUS");
	ck_assert_str_eq(ikev1_cfg_attr_name(28672), "UNITY_BANNER");
	ck_assert_str_eq(ikev1_cfg_attr_name(28676), "UNITY_SPLIT_INCLUDE");
	ck_assert_str_eq(ikev1_cfg_attr_name(1), "INTERNAL_IP4_ADDRESS");
	ck_assert_str_eq(ikev1_auth_method_name(65001), "XAuthInitPreShared");
	ck_assert_str_eq(ikev1_auth_method_name(IKEV1_AUTH_PSK), "PreSharedKey");
	ck_assert_str_eq(ikev1_encap_mode_name(3), "UDP-Encapsulated-Tunnel");
	ck_assert_str_eq(ikev1_encap_mode_name(61444), "UDP-Encapsulated-Transport(draft)");
	ck_assert_str_eq(ikev1_id_type_name(IKEV1_ID_IPV4_ADDR_SUBNET), "ID_IPV4_ADDR_SUBNET");
}
END_TEST

/* Every seed of fuzz_ikev1_msg decodes; an encrypted one's body is a plaintext chain. */
START_TEST(test_seed_corpus)
{
	const char *top = getenv("top_srcdir");
	char dir[4096], path[4400];
	struct dirent *de;
	unsigned int seeds = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/fuzz/corpus/ikev1_msg", top ? top : "..");
	d = opendir(dir);
	ck_assert_msg(d != NULL, "%s", dir);
	while ((de = readdir(d))) {
		static uint8_t buf[65536];
		FILE *f;
		size_t len;

		if (de->d_name[0] == '.' || !strcmp(de->d_name, "README"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "rb");
		ck_assert_ptr_nonnull(f);
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		ck_assert_msg(ikev1_decode(buf, len, &m) == 0, "%s: %s", de->d_name, m.why);
		if ((m.hdr.flags & IKEV1_FLAG_ENCRYPTION) && m.hdr.next != IKEV1_PLD_FRAGMENT)
			ck_assert_msg(ikev1_decode_chain(m.enc.ptr, m.enc.len, m.hdr.next, &m) == 0,
				      "%s: %s", de->d_name, m.why);
		seeds++;
	}
	closedir(d);
	ck_assert_uint_ge(seeds, 10);
}
END_TEST

/* Libreswan pads every IKEv1 message it sends to a multiple of 4 octets, clear ones too
 * (its aggressive mode request with an empty CERTREQ: "padding IKEv1 message with 1
 * bytes"); the zeros after the last payload are taken as padding. */
START_TEST(test_clear_padding)
{
	size_t len;
	/* CERTREQ (X.509, no CA named: 5 octets), then a VID: 28 + 5 + 8 = 41, 3 zeros */
	uint8_t *p = message(IKEV1_EXCH_AGGRESSIVE, 0, IKEV1_PLD_CERTREQ,
			     "0d 00 0005 04 00 00 0008 01020304 000000", &len);

	ck_assert_uint_eq(len % 4, 0);
	ck_assert_msg(ikev1_decode(p, len, &m) == 0, "refused: %s", m.why);
	ck_assert_uint_eq(m.ncertreq, 1);
	ck_assert_uint_eq(m.certreq[0].data.len, 0);
	ck_assert_uint_eq(m.nvendor, 1);
	ck_assert_uint_eq(m.pad_len, 3);
	ck_assert_uint_eq(m.chain.len, 13);
	free(p);
	/* not zeros, more than 3, or not ending on a multiple of 4: bytes after the end */
	refuse_msg(IKEV1_PLD_CERTREQ, "0d 00 0005 04 00 00 0008 01020304 000001", -EBADMSG,
		   IKEV1_N_UNEQUAL_PAYLOAD_LENGTHS);
	refuse_msg(IKEV1_PLD_VENDOR, "00 00 0008 01020304 00000000", -EBADMSG,
		   IKEV1_N_UNEQUAL_PAYLOAD_LENGTHS);
	refuse_msg(IKEV1_PLD_CERTREQ, "0d 00 0005 04 00 00 0008 01020304 00", -EBADMSG,
		   IKEV1_N_UNEQUAL_PAYLOAD_LENGTHS);
}
END_TEST

static Suite *codec_suite(void)
{
	Suite *s = suite_create("ikev1_codec");
	TCase *known_tc = tcase_create("known");
	TCase *rt = tcase_create("roundtrip");
	TCase *bad = tcase_create("malformed");

	tcase_add_test(known_tc, test_known_main_mode_sa);
	tcase_add_test(known_tc, test_known_aggressive);
	tcase_add_test(known_tc, test_known_quick_mode);
	tcase_add_test(known_tc, test_known_xauth);
	tcase_add_test(known_tc, test_known_natd);
	tcase_add_test(known_tc, test_clear_padding);
	tcase_add_test(known_tc, test_names);
	tcase_add_test(known_tc, test_looks_like);
	tcase_add_test(known_tc, test_attr_uint);
	tcase_add_test(known_tc, test_seed_corpus);
	tcase_add_loop_test(rt, test_roundtrip, 0, NRT);
	tcase_add_test(rt, test_roundtrip_encrypted);
	tcase_add_test(rt, test_fragment_with_e_flag);
	tcase_add_test(rt, test_encoder_refuses);
	tcase_add_loop_test(bad, test_truncations, 0, 2);
	tcase_add_loop_test(bad, test_bit_flips, 0, 2);
	tcase_add_test(bad, test_header);
	tcase_add_test(bad, test_malformed);
	tcase_add_test(bad, test_malformed_sa);
	tcase_add_test(bad, test_caps);
	suite_add_tcase(s, known_tc);
	suite_add_tcase(s, rt);
	suite_add_tcase(s, bad);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(codec_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
