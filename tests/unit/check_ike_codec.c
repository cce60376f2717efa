/* check_ike_codec: the IKEv2 message codec (src/wire/): bytes written out by hand from the
 * RFC 7296 layouts decode to the right fields and encode back to the same bytes; every
 * message the engine sends round-trips through encoder and decoder field by field; every
 * truncation and bit flip of them fails cleanly; malformed lengths, counts over the caps,
 * unknown and duplicate payloads and foreign versions are refused as they should be; and the
 * per-exchange payload rules accept what RFC 7296 allows and nothing else. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/wire.h"

#define BIT(t) (UINT32_C(1) << ((t)-32))

static uint8_t pat[1024]; /* payload data: pat[i] = i * 7 + 3 */

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

static uint8_t hexbuf[8192];

/* A message of header (IKE_SA_INIT request) + the payloads in hex, first payload `first`. */
static int dec_hex(uint8_t first, const char *hex, struct ikev2_msg *m)
{
	size_t n = unhex(hex, hexbuf + IKEV2_HDR_LEN, sizeof(hexbuf) - IKEV2_HDR_LEN);
	size_t len = n + IKEV2_HDR_LEN;

	unhex("0102030405060708 0000000000000000 00 20 22 08 00000000 00000000", hexbuf,
	      IKEV2_HDR_LEN);
	hexbuf[16] = first;
	hexbuf[24] = (uint8_t)(len >> 24);
	hexbuf[25] = (uint8_t)(len >> 16);
	hexbuf[26] = (uint8_t)(len >> 8);
	hexbuf[27] = (uint8_t)len;
	return ikev2_decode(hexbuf, len, m);
}

static int dec_inner_hex(uint8_t first, const char *hex, struct ikev2_msg *m)
{
	size_t n = unhex(hex, hexbuf, sizeof(hexbuf));

	memset(m, 0, sizeof(*m));
	return ikev2_decode_inner(hexbuf, n, first, m);
}

static void assert_bytes(struct wire_bytes b, const void *p, size_t len)
{
	ck_assert_uint_eq(b.len, len);
	if (len)
		ck_assert_mem_eq(b.ptr, p, len);
}

static void assert_same(struct wire_bytes a, struct wire_bytes b)
{
	assert_bytes(a, b.ptr, b.len);
}

static void assert_sa_eq(const struct ikev2_sa *a, const struct ikev2_sa *b)
{
	ck_assert_uint_eq(a->n, b->n);
	for (unsigned int i = 0; i < a->n; i++) {
		const struct ikev2_proposal *p = &a->p[i], *q = &b->p[i];

		ck_assert_uint_eq(p->num, q->num);
		ck_assert_uint_eq(p->proto, q->proto);
		ck_assert_uint_eq(p->spi_size, q->spi_size);
		ck_assert(p->spi == q->spi);
		ck_assert_uint_eq(p->ntrans, q->ntrans);
		for (unsigned int j = 0; j < p->ntrans; j++) {
			ck_assert_uint_eq(p->t[j].type, q->t[j].type);
			ck_assert_uint_eq(p->t[j].id, q->t[j].id);
			ck_assert_uint_eq(p->t[j].keylen, q->t[j].keylen);
			ck_assert_uint_eq(p->t[j].unknown_attr, q->t[j].unknown_attr);
		}
	}
}

static void assert_ts_eq(const struct ikev2_ts_set *a, const struct ikev2_ts_set *b)
{
	ck_assert_uint_eq(a->n, b->n);
	ck_assert_uint_eq(a->nunknown, b->nunknown);
	for (unsigned int i = 0; i < a->n; i++)
		ck_assert_mem_eq(&a->ts[i], &b->ts[i], sizeof(a->ts[i]));
}

static void assert_cp_eq(const struct ikev2_cp *a, const struct ikev2_cp *b)
{
	ck_assert_uint_eq(a->type, b->type);
	ck_assert_uint_eq(a->n, b->n);
	for (unsigned int i = 0; i < a->n; i++) {
		ck_assert_uint_eq(a->a[i].type, b->a[i].type);
		assert_same(a->a[i].value, b->a[i].value);
	}
}

/* Two decoded messages say the same, wherever their bytes are and in whatever order their
 * payloads came. */
static void assert_msg_eq(const struct ikev2_msg *a, const struct ikev2_msg *b)
{
	ck_assert(a->hdr.spi_i == b->hdr.spi_i && a->hdr.spi_r == b->hdr.spi_r);
	ck_assert_uint_eq(a->hdr.version, b->hdr.version);
	ck_assert_uint_eq(a->hdr.exch, b->hdr.exch);
	ck_assert_uint_eq(a->hdr.flags, b->hdr.flags);
	ck_assert_uint_eq(a->hdr.msgid, b->hdr.msgid);
	ck_assert_uint_eq(a->present, b->present);
	assert_sa_eq(&a->sa, &b->sa);
	ck_assert_uint_eq(a->ke.group, b->ke.group);
	assert_same(a->ke.data, b->ke.data);
	ck_assert_uint_eq(a->idi.type, b->idi.type);
	assert_same(a->idi.body, b->idi.body);
	ck_assert_uint_eq(a->idr.type, b->idr.type);
	assert_same(a->idr.body, b->idr.body);
	ck_assert_uint_eq(a->auth.method, b->auth.method);
	assert_same(a->auth.data, b->auth.data);
	assert_same(a->nonce, b->nonce);
	assert_ts_eq(&a->tsi, &b->tsi);
	assert_ts_eq(&a->tsr, &b->tsr);
	assert_cp_eq(&a->cp, &b->cp);
	assert_same(a->eap, b->eap);
	ck_assert_uint_eq(a->nnotify, b->nnotify);
	for (unsigned int i = 0; i < a->nnotify; i++) {
		ck_assert_uint_eq(a->notify[i].proto, b->notify[i].proto);
		ck_assert_uint_eq(a->notify[i].type, b->notify[i].type);
		assert_same(a->notify[i].spi, b->notify[i].spi);
		assert_same(a->notify[i].data, b->notify[i].data);
	}
	ck_assert_uint_eq(a->ndelete, b->ndelete);
	for (unsigned int i = 0; i < a->ndelete; i++) {
		ck_assert_uint_eq(a->del[i].proto, b->del[i].proto);
		ck_assert_uint_eq(a->del[i].spi_size, b->del[i].spi_size);
		ck_assert_uint_eq(a->del[i].nspi, b->del[i].nspi);
		assert_same(a->del[i].spis, b->del[i].spis);
	}
	ck_assert_uint_eq(a->nvendor, b->nvendor);
	for (unsigned int i = 0; i < a->nvendor; i++)
		assert_same(a->vendor[i], b->vendor[i]);
	ck_assert_uint_eq(a->ncert, b->ncert);
	ck_assert_uint_eq(a->ncertreq, b->ncertreq);
	for (unsigned int i = 0; i < a->ncert; i++)
		assert_same(a->cert[i].data, b->cert[i].data);
	for (unsigned int i = 0; i < a->ncertreq; i++)
		assert_same(a->certreq[i].data, b->certreq[i].data);
	ck_assert_uint_eq(a->unsupported_critical, b->unsupported_critical);
}

/* Every payload a decoded message holds, through the encoder. */
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

/* Decodes w's message, and its SK body as plaintext when it has one. */
static int decode_all(const struct wbuf *w, struct ikev2_msg *m)
{
	int err = ikev2_decode(w->p, w->len, m);

	if (err || !ikev2_has(m, IKEV2_PLD_SK))
		return err;
	return ikev2_decode_inner(m->sk.ptr, m->sk.len, m->sk_next, m);
}

/* --- the messages the engine sends --- */

static const struct ikev2_sa sa_ike = {
	.n = 2,
	.p = {{.num = 1,
	       .proto = IKEV2_PROTO_IKE,
	       .ntrans = 4,
	       .t = {{IKEV2_TRANS_ENCR, 12, 256, false},
		     {IKEV2_TRANS_PRF, 5, 0, false},
		     {IKEV2_TRANS_INTEG, 12, 0, false},
		     {IKEV2_TRANS_DH, 19, 0, false}}},
	      {.num = 2,
	       .proto = IKEV2_PROTO_IKE,
	       .ntrans = 4,
	       .t = {{IKEV2_TRANS_ENCR, 20, 128, false},
		     {IKEV2_TRANS_PRF, 7, 0, false},
		     {IKEV2_TRANS_DH, 31, 0, false},
		     {IKEV2_TRANS_DH, 19, 0, false}}}},
};

static const struct ikev2_sa sa_ike_rekey = {
	.n = 1,
	.p = {{.num = 1,
	       .proto = IKEV2_PROTO_IKE,
	       .spi_size = 8,
	       .spi = UINT64_C(0x1122334455667788),
	       .ntrans = 3,
	       .t = {{IKEV2_TRANS_ENCR, 20, 256, false},
		     {IKEV2_TRANS_PRF, 7, 0, false},
		     {IKEV2_TRANS_DH, 31, 0, false}}}},
};

static const struct ikev2_sa sa_esp = {
	.n = 2,
	.p = {{.num = 1,
	       .proto = IKEV2_PROTO_ESP,
	       .spi_size = 4,
	       .spi = 0xc0ffee01,
	       .ntrans = 3,
	       .t = {{IKEV2_TRANS_ENCR, 20, 256, false},
		     {IKEV2_TRANS_ESN, 1, 0, false},
		     {IKEV2_TRANS_ESN, 0, 0, false}}},
	      {.num = 2,
	       .proto = IKEV2_PROTO_AH,
	       .spi_size = 4,
	       .spi = 0xc0ffee02,
	       .ntrans = 2,
	       .t = {{IKEV2_TRANS_INTEG, 12, 0, false}, {IKEV2_TRANS_ESN, 0, 0, false}}}},
};

static const struct ikev2_ts_set ts_i = {
	.n = 2,
	.ts = {{.type = IKEV2_TS_IPV4_ADDR_RANGE,
		.end_port = 65535,
		.start = {10, 1, 0, 0},
		.end = {10, 1, 255, 255}},
	       {.type = IKEV2_TS_IPV6_ADDR_RANGE,
		.proto = 6,
		.start_port = 443,
		.end_port = 443,
		.start = {0x20, 0x01, 0x0d, 0xb8},
		.end = {0x20, 0x01, 0x0d, 0xb8, [15] = 0xff}}},
};

static const struct ikev2_ts_set ts_r = {
	.n = 1,
	.ts = {{.type = IKEV2_TS_IPV4_ADDR_RANGE,
		.proto = 17,
		.start_port = 500,
		.end_port = 4500,
		.start = {192, 0, 2, 1},
		.end = {192, 0, 2, 1}}},
};

static const uint8_t ip4[] = {10, 9, 0, 7}, dns4[] = {10, 9, 0, 1};
static const struct ikev2_cp cp_req = {.type = 1, .n = 2, .a = {{1, {NULL, 0}}, {3, {NULL, 0}}}};
static const struct ikev2_cp cp_reply = {
	.type = 2, .n = 2, .a = {{1, {ip4, sizeof(ip4)}}, {3, {dns4, sizeof(dns4)}}}};

static const uint8_t eap_identity[] = {2, 1, 0, 9, 1, 'u', 's', 'e', 'r'};
static const uint8_t esp_spis[] = {0xc0, 0xff, 0xee, 0x01, 0xc0, 0xff, 0xee, 0x02};
#define ID_I "moon.strongswan.org"
#define ID_R "sun@strongswan.org"

static void fill_sa_init_req(struct ikev2_enc *e)
{
	ikev2_put_sa(e, &sa_ike);
	ikev2_put_ke(e, 19, pat, 64);
	ikev2_put_nonce(e, pat + 1, 32);
	ikev2_put_notify(e, 0, IKEV2_N_NAT_DETECTION_SOURCE_IP, NULL, 0, pat + 2, 20);
	ikev2_put_notify(e, 0, IKEV2_N_NAT_DETECTION_DESTINATION_IP, NULL, 0, pat + 3, 20);
	ikev2_put_notify(e, 0, IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0, NULL, 0);
	ikev2_put_vendor(e, pat + 4, 16);
}

static void check_sa_init_req(const struct ikev2_msg *m)
{
	ck_assert_uint_eq(m->present, BIT(IKEV2_PLD_SA) | BIT(IKEV2_PLD_KE) | BIT(IKEV2_PLD_NONCE) |
					      BIT(IKEV2_PLD_NOTIFY) | BIT(IKEV2_PLD_VENDOR));
	assert_sa_eq(&m->sa, &sa_ike);
	ck_assert_uint_eq(m->ke.group, 19);
	assert_bytes(m->ke.data, pat, 64);
	assert_bytes(m->nonce, pat + 1, 32);
	ck_assert_uint_eq(m->nnotify, 3);
	ck_assert_uint_eq(m->notify[0].type, IKEV2_N_NAT_DETECTION_SOURCE_IP);
	ck_assert_uint_eq(m->notify[0].spi_size, 0);
	assert_bytes(m->notify[0].data, pat + 2, 20);
	ck_assert_uint_eq(m->notify[1].type, IKEV2_N_NAT_DETECTION_DESTINATION_IP);
	assert_bytes(m->notify[1].data, pat + 3, 20);
	ck_assert_uint_eq(m->notify[2].type, IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED);
	ck_assert_uint_eq(m->notify[2].data.len, 0);
	ck_assert_uint_eq(m->nvendor, 1);
	assert_bytes(m->vendor[0], pat + 4, 16);
}

static void fill_sa_init_resp(struct ikev2_enc *e)
{
	struct ikev2_sa sa = sa_ike;

	sa.n = 1;
	ikev2_put_sa(e, &sa);
	ikev2_put_ke(e, 19, pat + 5, 64);
	ikev2_put_nonce(e, pat + 6, 32);
	ikev2_put_notify(e, 0, IKEV2_N_NAT_DETECTION_SOURCE_IP, NULL, 0, pat + 7, 20);
	ikev2_put_notify(e, 0, IKEV2_N_NAT_DETECTION_DESTINATION_IP, NULL, 0, pat + 8, 20);
	ikev2_put_cert(e, IKEV2_PLD_CERTREQ, 4, pat + 9, 40);
	ikev2_put_notify(e, 0, IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0, NULL, 0);
}

static void check_sa_init_resp(const struct ikev2_msg *m)
{
	ck_assert_uint_eq(m->sa.n, 1);
	assert_sa_eq(&m->sa, &(struct ikev2_sa){.n = 1, .p = {sa_ike.p[0]}});
	assert_bytes(m->ke.data, pat + 5, 64);
	assert_bytes(m->nonce, pat + 6, 32);
	ck_assert_uint_eq(m->nnotify, 3);
	ck_assert_uint_eq(m->ncertreq, 1);
	ck_assert_uint_eq(m->certreq[0].encoding, 4);
	assert_bytes(m->certreq[0].data, pat + 9, 40);
}

static void fill_auth_req(struct ikev2_enc *e)
{
	ikev2_put_id(e, IKEV2_PLD_IDI, IKEV2_ID_FQDN, (const uint8_t *)ID_I, strlen(ID_I));
	ikev2_put_cert(e, IKEV2_PLD_CERT, 4, pat + 10, 300);
	ikev2_put_cert(e, IKEV2_PLD_CERTREQ, 4, pat + 11, 20);
	ikev2_put_notify(e, 0, IKEV2_N_INITIAL_CONTACT, NULL, 0, NULL, 0);
	ikev2_put_id(e, IKEV2_PLD_IDR, IKEV2_ID_RFC822_ADDR, (const uint8_t *)ID_R, strlen(ID_R));
	ikev2_put_auth(e, IKEV2_AUTH_DIGITAL_SIGNATURE, pat + 12, 80);
	ikev2_put_cp(e, &cp_req);
	ikev2_put_notify(e, 0, IKEV2_N_USE_TRANSPORT_MODE, NULL, 0, NULL, 0);
	ikev2_put_sa(e, &sa_esp);
	ikev2_put_ts(e, IKEV2_PLD_TSI, &ts_i);
	ikev2_put_ts(e, IKEV2_PLD_TSR, &ts_r);
}

static void check_auth_req(const struct ikev2_msg *m)
{
	ck_assert_uint_eq(m->idi.type, IKEV2_ID_FQDN);
	assert_bytes(m->idi.data, ID_I, strlen(ID_I));
	assert_bytes(m->idi.body, "\x02\0\0\0" ID_I, 4 + strlen(ID_I));
	ck_assert_uint_eq(m->idr.type, IKEV2_ID_RFC822_ADDR);
	assert_bytes(m->idr.data, ID_R, strlen(ID_R));
	ck_assert_uint_eq(m->ncert, 1);
	assert_bytes(m->cert[0].data, pat + 10, 300);
	ck_assert_uint_eq(m->ncertreq, 1);
	ck_assert_uint_eq(m->auth.method, IKEV2_AUTH_DIGITAL_SIGNATURE);
	assert_bytes(m->auth.data, pat + 12, 80);
	assert_cp_eq(&m->cp, &cp_req);
	ck_assert_uint_eq(m->nnotify, 2);
	ck_assert_uint_eq(m->notify[1].type, IKEV2_N_USE_TRANSPORT_MODE);
	assert_sa_eq(&m->sa, &sa_esp);
	assert_ts_eq(&m->tsi, &ts_i);
	assert_ts_eq(&m->tsr, &ts_r);
}

static void fill_auth_resp(struct ikev2_enc *e)
{
	struct ikev2_sa sa = sa_esp;

	sa.n = 1;
	ikev2_put_id(e, IKEV2_PLD_IDR, IKEV2_ID_RFC822_ADDR, (const uint8_t *)ID_R, strlen(ID_R));
	ikev2_put_auth(e, IKEV2_AUTH_SHARED_KEY, pat + 13, 32);
	ikev2_put_cp(e, &cp_reply);
	ikev2_put_sa(e, &sa);
	ikev2_put_ts(e, IKEV2_PLD_TSI, &ts_i);
	ikev2_put_ts(e, IKEV2_PLD_TSR, &ts_r);
}

static void check_auth_resp(const struct ikev2_msg *m)
{
	ck_assert_uint_eq(m->auth.method, IKEV2_AUTH_SHARED_KEY);
	assert_cp_eq(&m->cp, &cp_reply);
	ck_assert_uint_eq(m->sa.n, 1);
	ck_assert(m->sa.p[0].spi == 0xc0ffee01);
	assert_ts_eq(&m->tsr, &ts_r);
}

static void fill_child_req(struct ikev2_enc *e)
{
	ikev2_put_notify(e, IKEV2_PROTO_ESP, IKEV2_N_REKEY_SA, esp_spis, 4, NULL, 0);
	ikev2_put_sa(e, &sa_esp);
	ikev2_put_nonce(e, pat + 14, 32);
	ikev2_put_ke(e, 31, pat + 15, 32);
	ikev2_put_ts(e, IKEV2_PLD_TSI, &ts_i);
	ikev2_put_ts(e, IKEV2_PLD_TSR, &ts_r);
}

static void check_child_req(const struct ikev2_msg *m)
{
	ck_assert_uint_eq(m->nnotify, 1);
	ck_assert_uint_eq(m->notify[0].proto, IKEV2_PROTO_ESP);
	ck_assert_uint_eq(m->notify[0].spi_size, 4);
	ck_assert_uint_eq(m->notify[0].type, IKEV2_N_REKEY_SA);
	assert_bytes(m->notify[0].spi, esp_spis, 4);
	ck_assert_uint_eq(m->notify[0].data.len, 0);
	assert_sa_eq(&m->sa, &sa_esp);
	ck_assert_uint_eq(m->ke.group, 31);
	assert_bytes(m->nonce, pat + 14, 32);
}

static void fill_ike_rekey_resp(struct ikev2_enc *e)
{
	ikev2_put_sa(e, &sa_ike_rekey);
	ikev2_put_nonce(e, pat + 16, 64);
	ikev2_put_ke(e, 31, pat + 17, 32);
}

static void check_ike_rekey_resp(const struct ikev2_msg *m)
{
	assert_sa_eq(&m->sa, &sa_ike_rekey);
	assert_bytes(m->nonce, pat + 16, 64);
	assert_bytes(m->ke.data, pat + 17, 32);
}

static void fill_info_delete(struct ikev2_enc *e)
{
	ikev2_put_delete(e, IKEV2_PROTO_ESP, 4, 2, esp_spis);
	ikev2_put_delete(e, IKEV2_PROTO_IKE, 0, 0, NULL);
}

static void check_info_delete(const struct ikev2_msg *m)
{
	ck_assert_uint_eq(m->ndelete, 2);
	ck_assert_uint_eq(m->del[0].proto, IKEV2_PROTO_ESP);
	ck_assert_uint_eq(m->del[0].spi_size, 4);
	ck_assert_uint_eq(m->del[0].nspi, 2);
	assert_bytes(m->del[0].spis, esp_spis, 8);
	ck_assert_uint_eq(m->del[1].proto, IKEV2_PROTO_IKE);
	ck_assert_uint_eq(m->del[1].nspi, 0);
}

static void fill_eap(struct ikev2_enc *e)
{
	ikev2_put_eap(e, eap_identity, sizeof(eap_identity));
	ikev2_put_vendor(e, pat + 18, 20);
}

static void check_eap(const struct ikev2_msg *m)
{
	assert_bytes(m->eap, eap_identity, sizeof(eap_identity));
}

static void fill_nothing(struct ikev2_enc *e)
{
	(void)e;
}

static void check_nothing(const struct ikev2_msg *m)
{
	ck_assert_uint_eq(m->present, BIT(IKEV2_PLD_SK));
	ck_assert_uint_eq(m->sk_next, IKEV2_PLD_NONE);
}

static const struct msg_case {
	const char *name;
	uint8_t exch, flags;
	bool prot;
	void (*fill)(struct ikev2_enc *e);
	void (*check)(const struct ikev2_msg *m);
} cases[] = {
	{"IKE_SA_INIT request", IKEV2_EXCH_IKE_SA_INIT, IKEV2_FLAG_INITIATOR, false,
	 fill_sa_init_req, check_sa_init_req},
	{"IKE_SA_INIT response", IKEV2_EXCH_IKE_SA_INIT, IKEV2_FLAG_RESPONSE, false,
	 fill_sa_init_resp, check_sa_init_resp},
	{"IKE_AUTH request", IKEV2_EXCH_IKE_AUTH, IKEV2_FLAG_INITIATOR, true, fill_auth_req,
	 check_auth_req},
	{"IKE_AUTH response", IKEV2_EXCH_IKE_AUTH, IKEV2_FLAG_RESPONSE, true, fill_auth_resp,
	 check_auth_resp},
	{"IKE_AUTH EAP", IKEV2_EXCH_IKE_AUTH, IKEV2_FLAG_INITIATOR, true, fill_eap, check_eap},
	{"CREATE_CHILD_SA rekey", IKEV2_EXCH_CREATE_CHILD_SA, IKEV2_FLAG_INITIATOR, true,
	 fill_child_req, check_child_req},
	{"CREATE_CHILD_SA IKE rekey response", IKEV2_EXCH_CREATE_CHILD_SA, IKEV2_FLAG_RESPONSE,
	 true, fill_ike_rekey_resp, check_ike_rekey_resp},
	{"INFORMATIONAL delete", IKEV2_EXCH_INFORMATIONAL, IKEV2_FLAG_INITIATOR, true,
	 fill_info_delete, check_info_delete},
	{"INFORMATIONAL empty", IKEV2_EXCH_INFORMATIONAL, IKEV2_FLAG_RESPONSE, true, fill_nothing,
	 check_nothing},
};
#define NCASES ((int)(sizeof(cases) / sizeof(cases[0])))

static const struct ikev2_hdr case_hdr = {
	.spi_i = UINT64_C(0x0123456789abcdef),
	.spi_r = UINT64_C(0xfedcba9876543210),
	.version = IKEV2_VERSION,
	.msgid = 5,
};

/* Builds a case: clear payloads, or payloads in an SK whose body is their plaintext. */
static void build(const struct msg_case *c, struct wbuf *w)
{
	struct ikev2_hdr h = case_hdr;
	struct ikev2_enc e, ie;
	struct wbuf in;

	h.exch = c->exch;
	h.flags = c->flags;
	wbuf_init(w);
	ikev2_enc_begin(&e, w, &h);
	if (c->prot) {
		wbuf_init(&in);
		ikev2_enc_inner_begin(&ie, &in);
		c->fill(&ie);
		ikev2_put_sk(&e, &ie, in.len);
		wbuf_bytes(w, in.p, in.len);
		ck_assert(!in.err);
		wbuf_free(&in);
	} else {
		c->fill(&e);
	}
	ikev2_enc_end(&e);
	ck_assert(!w->err);
}

/* The same message built again from what was decoded, payloads in put_all's order. */
static void rebuild(const struct ikev2_msg *m, bool prot, struct wbuf *w)
{
	struct ikev2_enc e, ie;
	struct wbuf in;

	wbuf_init(w);
	ikev2_enc_begin(&e, w, &m->hdr);
	if (prot) {
		wbuf_init(&in);
		ikev2_enc_inner_begin(&ie, &in);
		put_all(&ie, m);
		ikev2_put_sk(&e, &ie, in.len);
		wbuf_bytes(w, in.p, in.len);
		wbuf_free(&in);
	} else {
		put_all(&e, m);
	}
	ikev2_enc_end(&e);
	ck_assert(!w->err);
}

/* --- round trips --- */

START_TEST(test_roundtrip)
{
	const struct msg_case *c = &cases[_i];
	struct ikev2_msg *m = malloc(sizeof(*m)), *m2 = malloc(sizeof(*m2));
	struct wbuf w, w2;
	const char *why;

	build(c, &w);
	ck_assert_msg(decode_all(&w, m) == 0, "%s", c->name);
	ck_assert_uint_eq(m->hdr.length, w.len);
	ck_assert_uint_eq(m->hdr.exch, c->exch);
	ck_assert_uint_eq(m->hdr.flags, c->flags);
	ck_assert(m->hdr.spi_i == case_hdr.spi_i && m->hdr.spi_r == case_hdr.spi_r);
	ck_assert_uint_eq(m->hdr.msgid, 5);
	ck_assert_uint_eq(ikev2_has(m, IKEV2_PLD_SK), c->prot);
	if (c->prot) {
		ck_assert_uint_eq(m->hdr.next, IKEV2_PLD_SK);
		ck_assert_uint_eq(m->sk_hdr_off, IKEV2_HDR_LEN);
		ck_assert_uint_eq(m->sk_aad_len, IKEV2_HDR_LEN + 4);
		ck_assert_ptr_eq(m->sk.ptr, w.p + IKEV2_HDR_LEN + 4);
	}
	c->check(m);
	ck_assert_msg(ikev2_check_rules(m, c->prot, &why) == 0, "%s: %s", c->name, why);
	rebuild(m, c->prot, &w2);
	ck_assert_int_eq(decode_all(&w2, m2), 0);
	assert_msg_eq(m, m2);
	wbuf_free(&w);
	wbuf_free(&w2);
	free(m);
	free(m2);
}
END_TEST

/* A fragment (RFC 7383 2.5): number, total and the AAD that covers them. */
START_TEST(test_roundtrip_skf)
{
	struct ikev2_hdr h = case_hdr;
	struct ikev2_msg m;
	struct ikev2_enc e;
	struct wbuf w;
	size_t off;

	h.exch = IKEV2_EXCH_IKE_AUTH;
	wbuf_init(&w);
	ikev2_enc_begin(&e, &w, &h);
	off = ikev2_put_skf(&e, IKEV2_PLD_IDI, 1, 3, 100);
	wbuf_bytes(&w, pat, 100);
	ikev2_enc_end(&e);
	ck_assert_uint_eq(off, IKEV2_HDR_LEN);
	ck_assert_int_eq(ikev2_decode(w.p, w.len, &m), 0);
	ck_assert_uint_eq(m.present, BIT(IKEV2_PLD_SKF));
	ck_assert_uint_eq(m.frag_num, 1);
	ck_assert_uint_eq(m.frag_total, 3);
	ck_assert_uint_eq(m.sk_next, IKEV2_PLD_IDI);
	ck_assert_uint_eq(m.sk_aad_len, IKEV2_HDR_LEN + 8);
	assert_bytes(m.sk, pat, 100);
	ck_assert_mem_eq(w.p + off, "\x23\x00\x00\x6c\x00\x01\x00\x03", 8);
	wbuf_free(&w);
}
END_TEST

/* --- hand-written bytes (RFC 7296 3.1-3.13 layouts) --- */

START_TEST(test_known_header)
{
	static const char hex[] = "0102030405060708 a1a2a3a4a5a6a7a8" /* SPIs */
				  "00 20 22 08"			      /* next, 2.0, SA_INIT, I */
				  "00000000 0000001c";		      /* message id, length 28 */
	uint8_t want[IKEV2_HDR_LEN];
	struct ikev2_msg m;
	struct ikev2_hdr h;
	struct ikev2_enc e;
	struct wbuf w;

	ck_assert_uint_eq(unhex(hex, want, sizeof(want)), IKEV2_HDR_LEN);
	ck_assert_int_eq(ikev2_decode(want, sizeof(want), &m), 0);
	ck_assert(m.hdr.spi_i == UINT64_C(0x0102030405060708));
	ck_assert(m.hdr.spi_r == UINT64_C(0xa1a2a3a4a5a6a7a8));
	ck_assert_uint_eq(m.hdr.next, 0);
	ck_assert_uint_eq(m.hdr.version, 0x20);
	ck_assert_uint_eq(m.hdr.exch, IKEV2_EXCH_IKE_SA_INIT);
	ck_assert_uint_eq(m.hdr.flags, IKEV2_FLAG_INITIATOR);
	ck_assert_uint_eq(m.hdr.msgid, 0);
	ck_assert_uint_eq(m.hdr.length, 28);
	ck_assert_uint_eq(m.present, 0);
	ck_assert_int_eq(ikev2_decode_hdr(want, sizeof(want), &h), 0);
	ck_assert(h.spi_r == m.hdr.spi_r);
	wbuf_init(&w);
	ikev2_enc_begin(&e, &w, &m.hdr);
	ikev2_enc_end(&e);
	ck_assert_uint_eq(w.len, sizeof(want));
	ck_assert_mem_eq(w.p, want, sizeof(want));
	wbuf_free(&w);
}
END_TEST

START_TEST(test_known_sa)
{
	static const char sa[] =
		"00 00 0050"			  /* SA payload, 80 bytes */
		"02 00 002c 01 01 00 04"	  /* proposal 1: more, 44, IKE, no SPI, 4 */
		"03 00 000c 01 00 000c 800e 0100" /* ENCR AES-CBC, Key Length 256 */
		"03 00 0008 02 00 0005"		  /* PRF HMAC-SHA2-256 */
		"03 00 0008 03 00 000c"		  /* INTEG HMAC-SHA2-256-128 */
		"00 00 0008 04 00 0013"		  /* DH 19, last */
		"00 00 0020 02 03 04 02 c0ffee01" /* proposal 2: last, 32, ESP, SPI, 2 */
		"03 00 000c 01 00 0014 800e 0080" /* ENCR AES-GCM-16, Key Length 128 */
		"00 00 0008 05 00 0000";	  /* ESN none */
	struct ikev2_msg m;
	struct ikev2_enc e;
	struct wbuf w;
	const struct ikev2_proposal *p;

	ck_assert_int_eq(dec_hex(IKEV2_PLD_SA, sa, &m), 0);
	ck_assert_uint_eq(m.present, BIT(IKEV2_PLD_SA));
	ck_assert_uint_eq(m.sa.n, 2);
	p = &m.sa.p[0];
	ck_assert(p->num == 1 && p->proto == IKEV2_PROTO_IKE && p->spi_size == 0 && p->spi == 0);
	ck_assert_uint_eq(p->ntrans, 4);
	ck_assert(p->t[0].type == 1 && p->t[0].id == 12 && p->t[0].keylen == 256);
	ck_assert(p->t[1].type == 2 && p->t[1].id == 5 && p->t[1].keylen == 0);
	ck_assert(p->t[2].type == 3 && p->t[2].id == 12);
	ck_assert(p->t[3].type == 4 && p->t[3].id == 19);
	p = &m.sa.p[1];
	ck_assert(p->num == 2 && p->proto == IKEV2_PROTO_ESP && p->spi_size == 4);
	ck_assert(p->spi == 0xc0ffee01);
	ck_assert(p->ntrans == 2 && p->t[0].id == 20 && p->t[0].keylen == 128);
	ck_assert(p->t[1].type == IKEV2_TRANS_ESN && p->t[1].id == 0 && !p->t[1].unknown_attr);
	/* and back to the same bytes */
	wbuf_init(&w);
	ikev2_enc_begin(&e, &w, &m.hdr);
	ikev2_put_sa(&e, &m.sa);
	ikev2_enc_end(&e);
	ck_assert_uint_eq(w.len, m.hdr.length);
	ck_assert_mem_eq(w.p, hexbuf, w.len);
	wbuf_free(&w);
}
END_TEST

/* Re-encodes inner payloads of m with fill and compares with hexbuf[0..n). */
static void assert_inner_bytes(const char *hex, void (*fill)(struct ikev2_enc *, const void *),
			       const void *arg)
{
	uint8_t want[512];
	size_t n = unhex(hex, want, sizeof(want));
	struct ikev2_enc e;
	struct wbuf w;

	wbuf_init(&w);
	ikev2_enc_inner_begin(&e, &w);
	fill(&e, arg);
	ck_assert(!w.err);
	ck_assert_uint_eq(w.len, n);
	ck_assert_mem_eq(w.p, want, n);
	wbuf_free(&w);
}

static const char ts_hex[] =
	"2d 00 0040 02 000000"			 /* TSi, 64 bytes, two selectors */
	"07 00 0010 0000 ffff 00000000 ffffffff" /* IPv4, any protocol and port, everything */
	"08 06 0028 0050 0050"			 /* IPv6, TCP port 80 */
	"20010db8 00000000 00000000 00000001 20010db8 00000000 00000000 000000ff"
	"00 00 0018 01 000000"			  /* TSr, 24 bytes, one selector */
	"07 11 0010 01f4 01f4 c0000201 c0000201"; /* UDP 500, 192.0.2.1 */

static void fill_ts(struct ikev2_enc *e, const void *arg)
{
	const struct ikev2_msg *m = arg;

	ikev2_put_ts(e, IKEV2_PLD_TSI, &m->tsi);
	ikev2_put_ts(e, IKEV2_PLD_TSR, &m->tsr);
}

START_TEST(test_known_ts)
{
	static const uint8_t v6end[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0xff};
	struct ikev2_msg m;
	const struct ikev2_ts *ts;

	ck_assert_int_eq(dec_inner_hex(IKEV2_PLD_TSI, ts_hex, &m), 0);
	ck_assert_uint_eq(m.present, BIT(IKEV2_PLD_TSI) | BIT(IKEV2_PLD_TSR));
	ck_assert(m.tsi.n == 2 && m.tsi.nunknown == 0 && m.tsr.n == 1);
	ts = &m.tsi.ts[0];
	ck_assert(ts->type == 7 && ts->proto == 0 && ts->start_port == 0 && ts->end_port == 65535);
	ck_assert_mem_eq(ts->start, "\0\0\0\0", 4);
	ck_assert_mem_eq(ts->end, "\xff\xff\xff\xff", 4);
	ts = &m.tsi.ts[1];
	ck_assert(ts->type == 8 && ts->proto == 6 && ts->start_port == 80 && ts->end_port == 80);
	ck_assert_uint_eq(ts->start[15], 1);
	ck_assert_mem_eq(ts->end, v6end, 16);
	ts = &m.tsr.ts[0];
	ck_assert(ts->proto == 17 && ts->start_port == 500 && ts->end_port == 500);
	ck_assert_mem_eq(ts->start, "\xc0\x00\x02\x01", 4);
	assert_inner_bytes(ts_hex, fill_ts, &m);
}
END_TEST

static const char notify_hex[] =
	"29 00 001c 00 00 4004" /* N(NAT_DETECTION_SOURCE_IP), 20 bytes of hash */
	"000102030405060708090a0b0c0d0e0f10111213"
	"29 00 000c 03 04 4009 12345678" /* N(REKEY_SA), ESP SPI */
	"00 00 0008 00 00 402e";	 /* N(IKEV2_FRAGMENTATION_SUPPORTED) */

static void fill_notifies(struct ikev2_enc *e, const void *arg)
{
	const struct ikev2_msg *m = arg;

	for (unsigned int i = 0; i < m->nnotify; i++)
		ikev2_put_notify(e, m->notify[i].proto, m->notify[i].type, m->notify[i].spi.ptr,
				 m->notify[i].spi.len, m->notify[i].data.ptr,
				 m->notify[i].data.len);
}

START_TEST(test_known_notify)
{
	struct ikev2_msg m;
	uint8_t hash[20];

	for (unsigned int i = 0; i < sizeof(hash); i++)
		hash[i] = (uint8_t)i;
	ck_assert_int_eq(dec_inner_hex(IKEV2_PLD_NOTIFY, notify_hex, &m), 0);
	ck_assert_uint_eq(m.nnotify, 3);
	ck_assert(m.notify[0].proto == 0 && m.notify[0].spi_size == 0);
	ck_assert_uint_eq(m.notify[0].type, IKEV2_N_NAT_DETECTION_SOURCE_IP);
	assert_bytes(m.notify[0].data, hash, 20);
	ck_assert(m.notify[1].proto == IKEV2_PROTO_ESP && m.notify[1].spi_size == 4);
	ck_assert_uint_eq(m.notify[1].type, IKEV2_N_REKEY_SA);
	assert_bytes(m.notify[1].spi, "\x12\x34\x56\x78", 4);
	ck_assert_uint_eq(m.notify[1].data.len, 0);
	ck_assert_uint_eq(m.notify[2].type, IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED);
	assert_inner_bytes(notify_hex, fill_notifies, &m);
}
END_TEST

static const char delete_hex[] = "2a 00 0010 03 04 0002 11223344 55667788" /* ESP, two SPIs */
				 "00 00 0008 01 00 0000";		   /* the IKE SA */

static void fill_deletes(struct ikev2_enc *e, const void *arg)
{
	const struct ikev2_msg *m = arg;

	for (unsigned int i = 0; i < m->ndelete; i++)
		ikev2_put_delete(e, m->del[i].proto, m->del[i].spi_size, m->del[i].nspi,
				 m->del[i].spis.ptr);
}

START_TEST(test_known_delete)
{
	struct ikev2_msg m;

	ck_assert_int_eq(dec_inner_hex(IKEV2_PLD_DELETE, delete_hex, &m), 0);
	ck_assert_uint_eq(m.ndelete, 2);
	ck_assert(m.del[0].proto == 3 && m.del[0].spi_size == 4 && m.del[0].nspi == 2);
	assert_bytes(m.del[0].spis, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	ck_assert(m.del[1].proto == 1 && m.del[1].spi_size == 0 && m.del[1].nspi == 0);
	ck_assert_uint_eq(m.del[1].spis.len, 0);
	assert_inner_bytes(delete_hex, fill_deletes, &m);
}
END_TEST

START_TEST(test_known_misc)
{
	static const char hex[] = "27 00 000c 02 000000 61626364"	   /* IDi FQDN "abcd" */
				  "2f 00 0010 02 aabbcc 00010203 04050607" /* AUTH PSK */
				  "30 80 000c 01 000000 8001 0000" /* CP (critical bit, R bit) */
				  "00 00 0008 03 07 0004";	   /* EAP Success */
	struct ikev2_msg m;

	ck_assert_int_eq(dec_inner_hex(IKEV2_PLD_IDI, hex, &m), 0);
	ck_assert_uint_eq(m.idi.type, IKEV2_ID_FQDN);
	assert_bytes(m.idi.data, "abcd", 4);
	assert_bytes(m.idi.body, "\x02\0\0\0abcd", 8);
	ck_assert_uint_eq(m.auth.method, IKEV2_AUTH_SHARED_KEY);
	assert_bytes(m.auth.data, "\0\1\2\3\4\5\6\7", 8);
	ck_assert(m.cp.type == 1 && m.cp.n == 1 && m.cp.a[0].type == 1 && !m.cp.a[0].value.len);
	assert_bytes(m.eap, "\x03\x07\x00\x04", 4);
	ck_assert_uint_eq(m.unsupported_critical, 0);
}
END_TEST

/* --- malformed input --- */

/* Every byte strings of m lies inside buf[0..len). */
static void assert_within(const struct ikev2_msg *m, const uint8_t *buf, size_t len)
{
	const struct wire_bytes *all[] = {&m->ke.data,	&m->idi.data, &m->idi.body,
					  &m->idr.data, &m->idr.body, &m->auth.data,
					  &m->nonce,	&m->eap,      &m->sk};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i]->len)
			ck_assert(all[i]->ptr >= buf && all[i]->ptr + all[i]->len <= buf + len);
	for (unsigned int i = 0; i < m->nnotify; i++)
		ck_assert(!m->notify[i].data.len ||
			  m->notify[i].data.ptr + m->notify[i].data.len <= buf + len);
}

START_TEST(test_truncations)
{
	const struct msg_case *c = &cases[_i];
	struct ikev2_msg m;
	struct wbuf w;
	uint8_t *cut;

	build(c, &w);
	for (size_t n = 0; n < w.len; n++) {
		cut = malloc(n ? n : 1); /* exactly n bytes, so ASan sees a read past them */
		memcpy(cut, w.p, n);
		ck_assert_int_ne(ikev2_decode(cut, n, &m), 0);
		if (n >= IKEV2_HDR_LEN) { /* a length that agrees: the payloads are cut */
			cut[24] = (uint8_t)(n >> 24);
			cut[25] = (uint8_t)(n >> 16);
			cut[26] = (uint8_t)(n >> 8);
			cut[27] = (uint8_t)n;
			ck_assert_msg(ikev2_decode(cut, n, &m) == -EBADMSG, "%s cut at %zu",
				      c->name, n);
		}
		free(cut);
	}
	ck_assert_int_eq(ikev2_decode(w.p, w.len, &m), 0);
	for (size_t n = 0; c->prot && n < m.sk.len; n++) {
		struct ikev2_msg inner = m;

		cut = malloc(n ? n : 1);
		memcpy(cut, m.sk.ptr, n);
		ck_assert_msg(ikev2_decode_inner(cut, n, m.sk_next, &inner) == -EBADMSG,
			      "%s inner cut at %zu", c->name, n);
		free(cut);
	}
	wbuf_free(&w);
}
END_TEST

START_TEST(test_bit_flips)
{
	const struct msg_case *c = &cases[_i];
	struct ikev2_msg *m = malloc(sizeof(*m));
	struct wbuf w;

	build(c, &w);
	for (size_t bit = 0; bit < w.len * 8; bit++) {
		w.p[bit / 8] ^= (uint8_t)(1u << bit % 8);
		if (decode_all(&w, m) == 0)
			assert_within(m, w.p, w.len);
		w.p[bit / 8] ^= (uint8_t)(1u << bit % 8);
	}
	wbuf_free(&w);
	free(m);
}
END_TEST

START_TEST(test_header)
{
	uint8_t b[IKEV2_HDR_LEN];
	struct ikev2_msg m;
	struct ikev2_hdr h;

	unhex("0102030405060708 0000000000000000 00 20 22 08 00000000 0000001c", b, sizeof(b));
	ck_assert_int_eq(ikev2_decode(b, sizeof(b), &m), 0);
	ck_assert_int_eq(ikev2_decode(b, 27, &m), -EBADMSG);
	ck_assert_int_eq(ikev2_decode_hdr(b, 27, &h), -EBADMSG);
	ck_assert_int_eq(ikev2_decode(NULL, 0, &m), -EBADMSG);
	b[17] = 0x30; /* version 3.0 */
	ck_assert_int_eq(ikev2_decode(b, sizeof(b), &m), -EPROTONOSUPPORT);
	ck_assert_int_eq(ikev2_decode_hdr(b, sizeof(b), &h), -EPROTONOSUPPORT);
	b[17] = 0x10; /* IKEv1 */
	ck_assert_int_eq(ikev2_decode(b, sizeof(b), &m), -EPROTONOSUPPORT);
	b[17] = 0x2f; /* a higher minor version is fine (RFC 7296 2.5) */
	ck_assert_int_eq(ikev2_decode(b, sizeof(b), &m), 0);
	b[17] = 0x20;
	b[19] = 0xff; /* the X bits are ignored (3.1) */
	ck_assert_int_eq(ikev2_decode(b, sizeof(b), &m), 0);
	ck_assert_uint_eq(m.hdr.flags, 0x38);
	b[27] = 0x1d; /* length beyond the buffer */
	ck_assert_int_eq(ikev2_decode(b, sizeof(b), &m), -EBADMSG);
	ck_assert_int_eq(ikev2_decode_hdr(b, sizeof(b), &h), 0); /* routing needs no more */
	b[27] = 0x1b;
	ck_assert_int_eq(ikev2_decode_hdr(b, sizeof(b), &h), -EBADMSG);
	b[27] = 0x1c;
	b[16] = IKEV2_PLD_NONCE; /* a first payload that is not there */
	ck_assert_int_eq(ikev2_decode(b, sizeof(b), &m), -EBADMSG);
}
END_TEST

/* One payload chain (after an IKE_SA_INIT header) each, malformed in one way. */
static const struct bad_case {
	uint8_t first;
	const char *hex;
	int err;
} bad_cases[] = {
	/* generic header: length below 4, beyond the end; trailing bytes; a missing next */
	{IKEV2_PLD_VENDOR, "00 00 0000 00000000", -EBADMSG},
	{IKEV2_PLD_VENDOR, "00 00 0003 00000000", -EBADMSG},
	{IKEV2_PLD_VENDOR, "00 00 0009 00000000", -EBADMSG},
	{IKEV2_PLD_VENDOR, "00 00 0004 00", -EBADMSG},
	{IKEV2_PLD_VENDOR, "2b 00 0004", -EBADMSG},
	{49, "00 80 0002", -EBADMSG}, /* unknown, but still a generic header */
	/* SA: no proposal; proposal length beyond the payload, below its header */
	{IKEV2_PLD_SA, "00 00 0004", -EBADMSG},
	{IKEV2_PLD_SA, "00 00 0014 00 00 0011 01 01 00 01 00 00 0008 01 00 000c", -EBADMSG},
	{IKEV2_PLD_SA, "00 00 0014 00 00 0007 01 01 00 01 00 00 0008 01 00 000c", -EBADMSG},
	/* transform count 2 with one present; count 1 with two */
	{IKEV2_PLD_SA, "00 00 0014 00 00 0010 01 01 00 02 00 00 0008 01 00 000c", -EBADMSG},
	{IKEV2_PLD_SA,
	 "00 00 001c 00 00 0018 01 01 00 01 03 00 0008 01 00 000c 00 00 0008 02 00 0005", -EBADMSG},
	/* Last Substruc: 2 on the last proposal, 0 on a transform with a next, 1 */
	{IKEV2_PLD_SA, "00 00 0014 02 00 0010 01 01 00 01 00 00 0008 01 00 000c", -EBADMSG},
	{IKEV2_PLD_SA,
	 "00 00 001c 00 00 0018 01 01 00 02 00 00 0008 01 00 000c 00 00 0008 02 00 0005", -EBADMSG},
	{IKEV2_PLD_SA, "00 00 0014 00 00 0010 01 01 00 01 01 00 0008 01 00 000c", -EBADMSG},
	/* transform length below 8, beyond the proposal; SPI size 3; attributes cut short */
	{IKEV2_PLD_SA, "00 00 0014 00 00 0010 01 01 00 01 00 00 0007 01 00 000c", -EBADMSG},
	{IKEV2_PLD_SA, "00 00 0014 00 00 0010 01 01 00 01 00 00 000c 01 00 000c", -EBADMSG},
	{IKEV2_PLD_SA, "00 00 0017 00 00 0013 01 03 03 01 aabbcc 00 00 0008 01 00 000c", -EBADMSG},
	{IKEV2_PLD_SA, "00 00 0016 00 00 0012 01 01 00 01 00 00 000a 01 00 000c 800e", -EBADMSG},
	{IKEV2_PLD_SA, "00 00 0019 00 00 0015 01 01 00 01 00 00 000d 01 00 000c 000e 0004 00",
	 -EBADMSG},
	/* more than 32 transforms announced */
	{IKEV2_PLD_SA, "00 00 000c 00 00 0008 01 01 00 21", -E2BIG},
	/* TS: selector length wrong for IPv4 and for IPv6, count above what is there,
	 * bytes after the count, selector beyond the payload, header cut, length below 4 */
	{IKEV2_PLD_TSI, "00 00 001c 01 000000 07 00 0014 0000 ffff 00000000 ffffffff 00000000",
	 -EBADMSG},
	{IKEV2_PLD_TSI, "00 00 0018 01 000000 08 00 0010 0000 ffff 00000000 ffffffff", -EBADMSG},
	{IKEV2_PLD_TSI, "00 00 0018 02 000000 07 00 0010 0000 ffff 00000000 ffffffff", -EBADMSG},
	{IKEV2_PLD_TSI, "00 00 001a 01 000000 07 00 0010 0000 ffff 00000000 ffffffff 0000",
	 -EBADMSG},
	{IKEV2_PLD_TSI, "00 00 0018 01 000000 07 00 0011 0000 ffff 00000000 ffffffff", -EBADMSG},
	{IKEV2_PLD_TSI, "00 00 000b 01 000000 07 00 00", -EBADMSG},
	{IKEV2_PLD_TSI, "00 00 000c 01 000000 09 00 0003", -EBADMSG},
	{IKEV2_PLD_TSI, "00 00 0008 11 000000", -E2BIG},
	/* Delete: SPI bytes other than count * size; header cut */
	{IKEV2_PLD_DELETE, "00 00 000c 03 04 0002 11223344", -EBADMSG},
	{IKEV2_PLD_DELETE, "00 00 0010 03 04 0001 11223344 55667788", -EBADMSG},
	{IKEV2_PLD_DELETE, "00 00 0007 03 04 00", -EBADMSG},
	/* Notify: SPI beyond the payload; header cut */
	{IKEV2_PLD_NOTIFY, "00 00 000a 03 04 4009 1234", -EBADMSG},
	{IKEV2_PLD_NOTIFY, "00 00 0007 00 00 40", -EBADMSG},
	/* KE, ID, AUTH, CERT shorter than their fixed part */
	{IKEV2_PLD_KE, "00 00 0007 0013 00", -EBADMSG},
	{IKEV2_PLD_IDI, "00 00 0007 02 0000", -EBADMSG},
	{IKEV2_PLD_AUTH, "00 00 0006 02 00", -EBADMSG},
	{IKEV2_PLD_CERT, "00 00 0004", -EBADMSG},
	/* CP: attribute value beyond the payload, attribute header cut */
	{IKEV2_PLD_CP, "00 00 000e 01 000000 0001 0004 0a00", -EBADMSG},
	{IKEV2_PLD_CP, "00 00 000b 01 000000 000100", -EBADMSG},
	/* EAP: length disagreeing, Success with data, Request without a type, code 0, cut */
	{IKEV2_PLD_EAP, "00 00 000a 01 01 0005 01 00", -EBADMSG},
	{IKEV2_PLD_EAP, "00 00 0009 03 01 0005 00", -EBADMSG},
	{IKEV2_PLD_EAP, "00 00 0008 01 01 0004", -EBADMSG},
	{IKEV2_PLD_EAP, "00 00 0008 00 01 0004", -EBADMSG},
	{IKEV2_PLD_EAP, "00 00 0007 03 01 00", -EBADMSG},
	/* SK not last; SKF numbers: 0, above the total, total above 64, cut */
	{IKEV2_PLD_SK, "29 00 0008 aabbccdd 00 00 0008 00 00 4000", -EBADMSG},
	{IKEV2_PLD_SKF, "00 00 0008 0000 0001", -EBADMSG},
	{IKEV2_PLD_SKF, "00 00 0008 0003 0002", -EBADMSG},
	{IKEV2_PLD_SKF, "00 00 0008 0001 0041", -E2BIG},
	{IKEV2_PLD_SKF, "00 00 0007 0001 00", -EBADMSG},
};

START_TEST(test_malformed)
{
	const struct bad_case *c = &bad_cases[_i];
	struct ikev2_msg m;

	ck_assert_msg(dec_hex(c->first, c->hex, &m) == c->err, "bad case %d: %s", _i, c->hex);
}
END_TEST

/* Payloads that are well-formed, if odd. */
START_TEST(test_odd_but_valid)
{
	struct ikev2_msg m;

	ck_assert_int_eq(dec_hex(IKEV2_PLD_VENDOR, "00 00 0004", &m), 0); /* empty V */
	ck_assert_int_eq(dec_hex(IKEV2_PLD_EAP, "00 00 0009 01 01 0005 01", &m), 0);
	ck_assert_int_eq(dec_hex(IKEV2_PLD_SKF, "00 00 0008 0040 0040", &m), 0);
	/* RFC 9478 security label: counted and skipped */
	ck_assert_int_eq(dec_hex(IKEV2_PLD_TSI,
				 "00 00 0020 02 000000 0a 00 0008 73797374"
				 "07 00 0010 0000 ffff 00000000 ffffffff",
				 &m),
			 0);
	ck_assert(m.tsi.n == 1 && m.tsi.nunknown == 1 && m.tsi.ts[0].type == 7);
}
END_TEST

START_TEST(test_sa_attributes)
{
	struct ikev2_msg m;

	/* a TLV attribute and an unknown TV attribute are skipped, and mark the transform */
	ck_assert_int_eq(dec_hex(IKEV2_PLD_SA,
				 "00 00 001e 00 00 001a 01 01 00 01"
				 "00 00 0012 01 00 000c 0011 0002 abcd 800e 0080",
				 &m),
			 0);
	ck_assert(m.sa.p[0].t[0].unknown_attr && m.sa.p[0].t[0].keylen == 128);
	ck_assert_int_eq(dec_hex(IKEV2_PLD_SA,
				 "00 00 0018 00 00 0014 01 01 00 01"
				 "00 00 000c 01 00 000c 8001 0001",
				 &m),
			 0);
	ck_assert(m.sa.p[0].t[0].unknown_attr && m.sa.p[0].t[0].keylen == 0);
	/* a second Key Length */
	ck_assert_int_eq(dec_hex(IKEV2_PLD_SA,
				 "00 00 001c 00 00 0018 01 01 00 01"
				 "00 00 0010 01 00 000c 800e 0080 800e 0100",
				 &m),
			 0);
	ck_assert(m.sa.p[0].t[0].unknown_attr && m.sa.p[0].t[0].keylen == 128);
	/* an 8-byte SPI */
	ck_assert_int_eq(dec_hex(IKEV2_PLD_SA,
				 "00 00 0014 00 00 0010 01 01 08 00"
				 "0102030405060708",
				 &m),
			 0);
	ck_assert(m.sa.p[0].spi == UINT64_C(0x0102030405060708) && m.sa.p[0].ntrans == 0);
}
END_TEST

START_TEST(test_nonce_bounds)
{
	struct ikev2_msg m;
	char hex[2 * 300 + 16];

	for (unsigned int n = 0; n <= 260; n++) {
		int len = snprintf(hex, sizeof(hex), "00 00 %04x", n + 4);

		for (unsigned int i = 0; i < n; i++)
			len += snprintf(hex + len, sizeof(hex) - (size_t)len, "ab");
		ck_assert_int_eq(dec_hex(IKEV2_PLD_NONCE, hex, &m),
				 n >= 16 && n <= 256 ? 0 : -EBADMSG);
	}
}
END_TEST

START_TEST(test_sk_placement)
{
	struct ikev2_msg m;

	ck_assert_int_eq(dec_hex(IKEV2_PLD_VENDOR, "2e 00 0004 29 00 0008 aabbccdd", &m), 0);
	ck_assert(ikev2_has(&m, IKEV2_PLD_SK) && m.sk_next == IKEV2_PLD_NOTIFY);
	ck_assert_uint_eq(m.sk_hdr_off, IKEV2_HDR_LEN + 4);
	ck_assert_uint_eq(m.sk_aad_len, IKEV2_HDR_LEN + 8);
	assert_bytes(m.sk, "\xaa\xbb\xcc\xdd", 4);
	/* nothing encrypted inside SK */
	ck_assert_int_eq(dec_inner_hex(IKEV2_PLD_SK, "00 00 0004", &m), -EBADMSG);
	ck_assert_int_eq(dec_inner_hex(IKEV2_PLD_SKF, "00 00 0008 0001 0001", &m), -EBADMSG);
}
END_TEST

START_TEST(test_unknown_payloads)
{
	struct ikev2_msg m;

	/* non-critical unknown (49) skipped; critical unknowns: the first is kept */
	ck_assert_int_eq(dec_hex(49, "32 00 0006 abcd 33 80 0004 2b 80 0005 ff 00 00 0004", &m), 0);
	ck_assert_uint_eq(m.unsupported_critical, 50);
	ck_assert_uint_eq(m.present, BIT(IKEV2_PLD_VENDOR));
	ck_assert_uint_eq(m.nvendor, 1);
	ck_assert_int_eq(dec_hex(49, "2b 00 0004 00 00 0004", &m), 0);
	ck_assert_uint_eq(m.unsupported_critical, 0);
	/* IKEv1 payload types are unknown here too */
	ck_assert_int_eq(dec_hex(1, "00 80 0004", &m), 0);
	ck_assert_uint_eq(m.unsupported_critical, 1);
}
END_TEST

START_TEST(test_duplicates)
{
	static const struct {
		uint8_t type;
		const char *body; /* one payload body, after the generic header */
	} single[] = {
		{IKEV2_PLD_SA, "00 00 0008 01 01 00 00"},
		{IKEV2_PLD_KE, "0013 0000 aabb"},
		{IKEV2_PLD_IDI, "02 000000 61"},
		{IKEV2_PLD_IDR, "02 000000 61"},
		{IKEV2_PLD_AUTH, "02 000000 61"},
		{IKEV2_PLD_NONCE, "00112233445566778899aabbccddeeff"},
		{IKEV2_PLD_TSI, "00 000000"},
		{IKEV2_PLD_TSR, "00 000000"},
		{IKEV2_PLD_CP, "01 000000"},
		{IKEV2_PLD_EAP, "03 01 0004"},
	};
	struct ikev2_msg m;
	char hex[256];

	for (size_t i = 0; i < sizeof(single) / sizeof(single[0]); i++) {
		uint8_t body[64];
		size_t n = unhex(single[i].body, body, sizeof(body));

		snprintf(hex, sizeof(hex), "%02x 00 %04zx %s 00 00 %04zx %s", single[i].type, n + 4,
			 single[i].body, n + 4, single[i].body);
		ck_assert_int_eq(dec_hex(single[i].type, hex, &m), -EBADMSG);
		snprintf(hex, sizeof(hex), "00 00 %04zx %s", n + 4, single[i].body);
		ck_assert_msg(dec_hex(single[i].type, hex, &m) == 0, "type %u", single[i].type);
		/* once in the clear part, again inside SK */
		ck_assert_int_eq(
			ikev2_decode_inner(hexbuf + IKEV2_HDR_LEN, n + 4, single[i].type, &m),
			-EBADMSG);
	}
	/* repeatable ones are fine twice */
	ck_assert_int_eq(
		dec_hex(IKEV2_PLD_NOTIFY, "29 00 0008 00 00 4000 00 00 0008 00 00 4000", &m), 0);
	ck_assert_uint_eq(m.nnotify, 2);
}
END_TEST

/* n payloads of `type`, each with the same body, as a hex chain. */
static const char *repeat(uint8_t type, const char *body, unsigned int n)
{
	static char hex[8192];
	uint8_t b[64];
	size_t len = unhex(body, b, sizeof(b)) + 4;
	int at = 0;

	for (unsigned int i = 0; i < n; i++)
		at += snprintf(hex + at, sizeof(hex) - (size_t)at, "%02x 00 %04zx %s ",
			       i + 1 < n ? type : 0, len, body);
	return hex;
}

START_TEST(test_caps)
{
	static const struct {
		uint8_t type;
		const char *body;
		unsigned int cap;
	} caps[] = {
		{IKEV2_PLD_NOTIFY, "00 00 4000", IKEV2_MAX_NOTIFY},
		{IKEV2_PLD_VENDOR, "aa", IKEV2_MAX_VENDOR},
		{IKEV2_PLD_DELETE, "01 00 0000", IKEV2_MAX_DELETE},
		{IKEV2_PLD_CERT, "04 aa", IKEV2_MAX_CERT},
		{IKEV2_PLD_CERTREQ, "04 aa", IKEV2_MAX_CERT},
	};
	struct ikev2_msg m;
	char hex[4096];
	int at;

	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		ck_assert_int_eq(
			dec_hex(caps[i].type, repeat(caps[i].type, caps[i].body, caps[i].cap), &m),
			0);
		ck_assert_int_eq(dec_hex(caps[i].type,
					 repeat(caps[i].type, caps[i].body, caps[i].cap + 1), &m),
				 -E2BIG);
	}
	/* 17 proposals of 8 bytes */
	at = snprintf(hex, sizeof(hex), "00 00 %04x", 4 + 17 * 8);
	for (int i = 0; i < 17; i++)
		at += snprintf(hex + at, sizeof(hex) - (size_t)at, " %02x 00 0008 %02x 01 00 00",
			       i < 16 ? 2 : 0, i + 1);
	ck_assert_int_eq(dec_hex(IKEV2_PLD_SA, hex, &m), -E2BIG);
	/* 33 CP attributes */
	at = snprintf(hex, sizeof(hex), "00 00 %04x 01 000000", 8 + 33 * 4);
	for (int i = 0; i < 33; i++)
		at += snprintf(hex + at, sizeof(hex) - (size_t)at, " 0001 0000");
	ck_assert_int_eq(dec_hex(IKEV2_PLD_CP, hex, &m), -E2BIG);
}
END_TEST

/* --- encoder edge cases --- */

START_TEST(test_encoder_refuses)
{
	struct ikev2_sa sa = sa_esp;
	struct ikev2_ts_set ts = ts_r;
	uint8_t *big = calloc(1, 65536);
	struct ikev2_enc e;
	struct wbuf w;
	size_t len;

	sa.p[0].spi_size = 3;
	ts.ts[0].type = 9;
	for (int what = 0; what < 7; what++) {
		wbuf_init(&w);
		ikev2_enc_inner_begin(&e, &w);
		if (what == 0)
			ikev2_put_sa(&e, &sa);
		else if (what == 1)
			ikev2_put_ts(&e, IKEV2_PLD_TSI, &ts);
		else if (what == 2)
			ikev2_put_notify(&e, 0, 1, pat, 256, NULL, 0);
		else if (what == 3)
			ikev2_put_vendor(&e, big, 65532); /* 65536 with its header */
		else if (what == 4)
			ikev2_put_id(&e, IKEV2_PLD_AUTH, 1, pat, 4);
		else if (what == 5)
			ikev2_put_cert(&e, IKEV2_PLD_SA, 1, pat, 4);
		else
			ikev2_put_sk(&e, NULL, 65532);
		ck_assert_msg(w.err, "case %d", what);
		wbuf_free(&w);
	}
	/* with err set, every call is harmless and appends nothing */
	wbuf_init(&w);
	ikev2_enc_begin(&e, &w, &case_hdr);
	w.err = true;
	len = w.len;
	fill_auth_req(&e);
	fill_sa_init_req(&e);
	fill_info_delete(&e);
	fill_eap(&e);
	ikev2_put_sk(&e, &e, 10);
	ikev2_put_skf(&e, 0, 1, 1, 10);
	ikev2_enc_end(&e);
	ck_assert_uint_eq(w.len, len);
	wbuf_free(&w);
	/* the biggest payload that fits */
	wbuf_init(&w);
	ikev2_enc_inner_begin(&e, &w);
	ikev2_put_vendor(&e, big, 65531);
	ck_assert(!w.err);
	ck_assert_uint_eq(w.len, 65535);
	wbuf_free(&w);
	free(big);
}
END_TEST

/* --- payload rules --- */

static const uint32_t N = BIT(IKEV2_PLD_NOTIFY), V = BIT(IKEV2_PLD_VENDOR), SA = BIT(IKEV2_PLD_SA),
		      KE = BIT(IKEV2_PLD_KE), NO = BIT(IKEV2_PLD_NONCE), IDI = BIT(IKEV2_PLD_IDI),
		      IDR = BIT(IKEV2_PLD_IDR), AU = BIT(IKEV2_PLD_AUTH), TSI = BIT(IKEV2_PLD_TSI),
		      TSR = BIT(IKEV2_PLD_TSR), CP = BIT(IKEV2_PLD_CP), EAP = BIT(IKEV2_PLD_EAP),
		      D = BIT(IKEV2_PLD_DELETE), CERT = BIT(IKEV2_PLD_CERT),
		      CREQ = BIT(IKEV2_PLD_CERTREQ);

static const struct rule_case {
	uint8_t exch;
	bool resp, prot;
	uint32_t present;
	bool ok;
} rule_cases[] = {
	{IKEV2_EXCH_IKE_SA_INIT, false, false, SA | KE | NO | N | V, true},
	{IKEV2_EXCH_IKE_SA_INIT, false, false, SA | KE | NO, true},
	{IKEV2_EXCH_IKE_SA_INIT, false, false, SA | NO, false},		 /* no KE */
	{IKEV2_EXCH_IKE_SA_INIT, false, false, SA | KE | NO | D, false}, /* D */
	{IKEV2_EXCH_IKE_SA_INIT, false, false, SA | KE | NO | IDI, false},
	{IKEV2_EXCH_IKE_SA_INIT, false, false, N, false},	    /* notify-only request */
	{IKEV2_EXCH_IKE_SA_INIT, false, true, SA | KE | NO, false}, /* protected */
	{IKEV2_EXCH_IKE_SA_INIT, true, false, SA | KE | NO | CREQ | N | V, true},
	{IKEV2_EXCH_IKE_SA_INIT, true, false, N, true}, /* INVALID_KE_PAYLOAD, COOKIE */
	{IKEV2_EXCH_IKE_SA_INIT, true, false, N | V, true},
	{IKEV2_EXCH_IKE_SA_INIT, true, false, SA | KE | N, false},
	{IKEV2_EXCH_IKE_SA_INIT, true, false, 0, false},
	{IKEV2_EXCH_IKE_AUTH, false, true, IDI | CERT | CREQ | IDR | AU | CP | SA | TSI | TSR | N,
	 true},
	{IKEV2_EXCH_IKE_AUTH, false, true, IDI | SA | TSI | TSR, true}, /* EAP wanted */
	{IKEV2_EXCH_IKE_AUTH, false, true, EAP, true},
	{IKEV2_EXCH_IKE_AUTH, false, true, AU, true},
	{IKEV2_EXCH_IKE_AUTH, false, true, IDI | AU | SA | TSI, false},	 /* no TSr */
	{IKEV2_EXCH_IKE_AUTH, false, true, IDI | AU | TSI | TSR, false}, /* no SA */
	{IKEV2_EXCH_IKE_AUTH, false, true, N, false},
	{IKEV2_EXCH_IKE_AUTH, false, true, 0, false},
	{IKEV2_EXCH_IKE_AUTH, false, true, IDI | AU | KE, false},
	{IKEV2_EXCH_IKE_AUTH, false, true, IDI | AU | D, false},
	{IKEV2_EXCH_IKE_AUTH, false, false, IDI | AU | SA | TSI | TSR, false}, /* clear */
	{IKEV2_EXCH_IKE_AUTH, true, true, IDR | CERT | AU | CP | SA | TSI | TSR | N | V, true},
	{IKEV2_EXCH_IKE_AUTH, true, true, IDR | AU | N, true}, /* child failed, 2.21.2 */
	{IKEV2_EXCH_IKE_AUTH, true, true, N, true},	       /* AUTHENTICATION_FAILED */
	{IKEV2_EXCH_IKE_AUTH, true, true, IDR | AU | EAP, true},
	{IKEV2_EXCH_IKE_AUTH, true, true, IDR | AU | CREQ, false},
	{IKEV2_EXCH_IKE_AUTH, true, true, IDR | AU | SA, false},
	{IKEV2_EXCH_IKE_AUTH, true, true, V, false},
	{IKEV2_EXCH_CREATE_CHILD_SA, false, true, N | SA | NO | KE | TSI | TSR, true},
	{IKEV2_EXCH_CREATE_CHILD_SA, false, true, SA | NO | KE, true}, /* IKE rekey */
	{IKEV2_EXCH_CREATE_CHILD_SA, false, true, SA | NO | TSI, false},
	{IKEV2_EXCH_CREATE_CHILD_SA, false, true, SA | KE | TSI | TSR, false}, /* no nonce */
	{IKEV2_EXCH_CREATE_CHILD_SA, false, true, N, false},
	{IKEV2_EXCH_CREATE_CHILD_SA, false, true, SA | NO | IDI, false},
	{IKEV2_EXCH_CREATE_CHILD_SA, true, true, SA | NO | TSI | TSR, true},
	{IKEV2_EXCH_CREATE_CHILD_SA, true, true, N, true}, /* NO_PROPOSAL_CHOSEN */
	{IKEV2_EXCH_CREATE_CHILD_SA, true, true, NO | TSI | TSR, false},
	{IKEV2_EXCH_INFORMATIONAL, false, true, 0, true},
	{IKEV2_EXCH_INFORMATIONAL, false, true, D | N | V, true},
	{IKEV2_EXCH_INFORMATIONAL, true, true, D, true},
	{IKEV2_EXCH_INFORMATIONAL, true, true, CP, true},
	{IKEV2_EXCH_INFORMATIONAL, false, true, SA, false},
	{IKEV2_EXCH_INFORMATIONAL, false, true, AU, false},
	/* RFC 7296 1.5: clear notifications outside an IKE SA */
	{IKEV2_EXCH_INFORMATIONAL, false, false, N, true},
	{IKEV2_EXCH_IKE_AUTH, true, false, N, true},
	{IKEV2_EXCH_INFORMATIONAL, false, false, D, false},
	{IKEV2_EXCH_INFORMATIONAL, false, false, N | V, false},
	{IKEV2_EXCH_INFORMATIONAL, false, false, 0, false},
	{40, false, true, N, false}, /* unknown exchange */
};

START_TEST(test_rules)
{
	const struct rule_case *c = &rule_cases[_i];
	struct ikev2_msg m;
	const char *why = "unset";
	int err;

	memset(&m, 0, sizeof(m));
	m.hdr.exch = c->exch;
	m.hdr.flags = c->resp ? IKEV2_FLAG_RESPONSE : IKEV2_FLAG_INITIATOR;
	m.present = c->present;
	m.nnotify = c->present & N ? 2 : 0;
	m.nvendor = c->present & V ? 1 : 0;
	m.ndelete = c->present & D ? 3 : 0;
	m.ncert = c->present & CERT ? 2 : 0;
	m.ncertreq = c->present & CREQ ? 1 : 0;
	if (c->prot) {
		m.present |= BIT(IKEV2_PLD_SK);
		m.hdr.next = IKEV2_PLD_SK;
	}
	err = ikev2_check_rules(&m, c->prot, &why);
	ck_assert_msg(c->ok ? err == 0 : err == -EBADMSG, "rule case %d: %d (%s)", _i, err,
		      why ? why : "-");
	ck_assert(c->ok ? why == NULL : why != NULL);
}
END_TEST

START_TEST(test_rules_protection)
{
	struct ikev2_msg m;
	const char *why;

	memset(&m, 0, sizeof(m));
	m.hdr.exch = IKEV2_EXCH_INFORMATIONAL;
	m.present = BIT(IKEV2_PLD_SK) | N;
	m.nnotify = 1;
	m.hdr.next = IKEV2_PLD_NOTIFY; /* a clear N before SK */
	ck_assert_int_eq(ikev2_check_rules(&m, true, &why), -EBADMSG);
	ck_assert_str_eq(why, "payload outside SK");
	m.hdr.next = IKEV2_PLD_SKF;
	m.present = BIT(IKEV2_PLD_SKF) | N;
	ck_assert_int_eq(ikev2_check_rules(&m, true, &why), 0);
	ck_assert_int_eq(ikev2_check_rules(&m, false, &why), -EBADMSG); /* SK, said clear */
	m.present = N;
	m.hdr.next = IKEV2_PLD_NOTIFY;
	ck_assert_int_eq(ikev2_check_rules(&m, true, &why), -EBADMSG); /* said protected */
	/* too many of a kind the exchange allows once */
	m.hdr.exch = IKEV2_EXCH_IKE_AUTH;
	m.hdr.next = IKEV2_PLD_SK;
	m.present = BIT(IKEV2_PLD_SK) | IDI | AU | CERT;
	m.ncert = IKEV2_MAX_CERT;
	ck_assert_int_eq(ikev2_check_rules(&m, true, &why), 0);
	m.present = BIT(IKEV2_PLD_SK) | IDI | AU | D;
	m.ndelete = 1;
	ck_assert_int_eq(ikev2_check_rules(&m, true, &why), -EBADMSG);
	ck_assert_str_eq(why, "IKE_AUTH request: D not allowed");
}
END_TEST

/* --- names --- */

START_TEST(test_names)
{
	static const uint16_t notifies[] = {
		1,     4,     5,     7,	    9,	   11,	  14,	 17,	24,    34,    35,    36,
		37,    38,    39,    43,    44,	   16384, 16385, 16386, 16387, 16388, 16389, 16390,
		16391, 16392, 16393, 16394, 16395, 16396, 16404, 16406, 16430, 16431};

	ck_assert_str_eq(ikev2_exch_name(IKEV2_EXCH_IKE_SA_INIT), "IKE_SA_INIT");
	ck_assert_str_eq(ikev2_exch_name(IKEV2_EXCH_IKE_AUTH), "IKE_AUTH");
	ck_assert_str_eq(ikev2_exch_name(IKEV2_EXCH_CREATE_CHILD_SA), "CREATE_CHILD_SA");
	ck_assert_str_eq(ikev2_exch_name(IKEV2_EXCH_INFORMATIONAL), "INFORMATIONAL");
	ck_assert_str_eq(ikev2_exch_name(255), "255");
	ck_assert_str_eq(ikev2_notify_name(IKEV2_N_NO_PROPOSAL_CHOSEN), "NO_PROPOSAL_CHOSEN");
	ck_assert_str_eq(ikev2_notify_name(IKEV2_N_SIGNATURE_HASH_ALGORITHMS),
			 "SIGNATURE_HASH_ALGORITHMS");
	ck_assert_str_eq(ikev2_notify_name(65535), "65535");
	ck_assert_str_eq(ikev2_notify_name(2), "2");
	for (size_t i = 0; i < sizeof(notifies) / sizeof(notifies[0]); i++) {
		const char *s = ikev2_notify_name(notifies[i]);

		ck_assert_msg(s[0] < '0' || s[0] > '9', "notify %u has no name", notifies[i]);
	}
	ck_assert_str_eq(ikev2_pld_name(IKEV2_PLD_SA), "SA");
	ck_assert_str_eq(ikev2_pld_name(IKEV2_PLD_SKF), "SKF");
	ck_assert_str_eq(ikev2_pld_name(IKEV2_PLD_NOTIFY), "N");
	ck_assert_str_eq(ikev2_pld_name(0), "NONE");
	ck_assert_str_eq(ikev2_pld_name(49), "49");
	ck_assert_str_eq(ikev2_pld_name(255), "255");
	for (uint8_t t = IKEV2_PLD_SA; t <= IKEV2_PLD_EAP; t++)
		ck_assert(ikev2_pld_name(t)[0] > '9');
}
END_TEST

static Suite *ike_codec_suite(void)
{
	Suite *s = suite_create("ike_codec");
	TCase *rt = tcase_create("roundtrip");
	TCase *known = tcase_create("known");
	TCase *bad = tcase_create("malformed");
	TCase *rules = tcase_create("rules");

	tcase_add_loop_test(rt, test_roundtrip, 0, NCASES);
	tcase_add_test(rt, test_roundtrip_skf);
	tcase_add_test(rt, test_encoder_refuses);
	tcase_add_test(known, test_known_header);
	tcase_add_test(known, test_known_sa);
	tcase_add_test(known, test_known_ts);
	tcase_add_test(known, test_known_notify);
	tcase_add_test(known, test_known_delete);
	tcase_add_test(known, test_known_misc);
	tcase_add_loop_test(bad, test_truncations, 0, NCASES);
	tcase_add_loop_test(bad, test_bit_flips, 0, NCASES);
	tcase_add_test(bad, test_header);
	tcase_add_loop_test(bad, test_malformed, 0,
			    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(bad, test_odd_but_valid);
	tcase_add_test(bad, test_sa_attributes);
	tcase_add_test(bad, test_nonce_bounds);
	tcase_add_test(bad, test_sk_placement);
	tcase_add_test(bad, test_unknown_payloads);
	tcase_add_test(bad, test_duplicates);
	tcase_add_test(bad, test_caps);
	tcase_add_loop_test(rules, test_rules, 0,
			    (int)(sizeof(rule_cases) / sizeof(rule_cases[0])));
	tcase_add_test(rules, test_rules_protection);
	tcase_add_test(rules, test_names);
	suite_add_tcase(s, rt);
	suite_add_tcase(s, known);
	suite_add_tcase(s, bad);
	suite_add_tcase(s, rules);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 7 + 3);
	sr = srunner_create(ike_codec_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
