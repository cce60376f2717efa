/* check_ikev1_prop: src/ike/v1/prop1.c. Phase 1 and quick mode offers built from profile
 * and proposal items, encoded (ikev1_put_sa) and decoded (ikev1_decode_chain) back; the
 * responder's choice in the peer's order, with unknown attributes, both lifetime forms,
 * Windows' two lifetimes in one transform, AES-GCM without auth, the mode and PFS rules
 * and each proposal-check; the initiator's check of the reply; the replies. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/buf.h"
#include "prop1.h"

static struct conf *conf;
static struct ikev1_sa_buf ours, reply;
static struct ikev1_sa peer; /* what a peer sent, built by hand */
/* Two of each, so that a reply built from one decoded SA can be encoded into the other. */
static struct ikev1_msg msgs[2];
static struct wbuf bufs[2];
static unsigned cur;
static const struct ikev1_sa *last; /* what wire() decoded last */
static char err[256];

static const struct ikev1_mode tunnel = {.tunnel = true};
static const struct ikev1_mode transport = {.tunnel = false};

/* --- helpers --- */

static void load(const char *script)
{
	struct conf_diags ds;

	conf_free(conf);
	conf = conf_new();
	conf_diags_init(&ds);
	ck_assert_msg(conf_load_buf(conf, "test", script, strlen(script), CONF_FROM_FILE, &ds) == 0,
		      "script refused: %s", ds.n ? ds.d[0].msg : "?");
	conf_diags_free(&ds);
}

static const struct conf_item *profile(const char *args)
{
	char s[512];

	snprintf(s, sizeof(s), "/ip ipsec profile add name=p %s\n", args);
	load(s);
	return conf_find(conf, CONF_M_PROFILE, "p");
}

static const struct conf_item *proposal(const char *args)
{
	char s[512];

	snprintf(s, sizeof(s), "/ip ipsec proposal add name=pr %s\n", args);
	load(s);
	return conf_find(conf, CONF_M_PROPOSAL, "pr");
}

static void teardown(void)
{
	conf_free(conf);
	conf = NULL;
	wbuf_free(&bufs[0]);
	wbuf_free(&bufs[1]);
}

/* sa encoded as an SA payload and decoded again; the result's strings point into the
 * buffer of this call, which the next call but one reuses. */
static const struct ikev1_sa *wire(const struct ikev1_sa *sa)
{
	struct ikev1_msg *m = &msgs[cur ^= 1];
	struct wbuf *w = &bufs[cur];
	struct ikev1_enc e;

	wbuf_free(w);
	wbuf_init(w);
	ikev1_enc_chain_begin(&e, w);
	ikev1_put_sa(&e, sa);
	ck_assert(!w->err);
	memset(m, 0, sizeof(*m)); /* ikev1_decode_chain adds to what is there */
	ck_assert_int_eq(ikev1_decode_chain(w->p, w->len, IKEV1_PLD_SA, m), 0);
	ck_assert_int_eq(m->sa.nprop, sa->nprop);
	ck_assert_int_eq(m->sa.ntrans, sa->ntrans);
	ck_assert_int_eq(m->sa.nattr, sa->nattr);
	last = &m->sa;
	return last;
}

/* The value of attribute type in transform i of sa; -1 when it is not there. */
static long attr(const struct ikev1_sa *sa, unsigned i, uint16_t type)
{
	const struct ikev1_transform *t = &sa->t[i];

	for (unsigned k = 0; k < t->nattr; k++) {
		const struct ikev1_attr *a = ikev1_trans_attr(sa, t, k);
		uint64_t v;

		if (a->type == type) {
			ck_assert_int_eq(ikev1_attr_uint(a, &v), 0);
			return (long)v;
		}
	}
	return -1;
}

/* A peer's SA, built the way the decoder leaves one. */
static void p_begin(void)
{
	memset(&peer, 0, sizeof(peer));
	peer.doi = IKEV1_DOI_IPSEC;
	peer.situation = IKEV1_SIT_IDENTITY_ONLY;
}

static void p_prop(uint8_t num, uint8_t proto, uint32_t spi)
{
	struct ikev1_proposal *p = &peer.p[peer.nprop++];

	p->num = num;
	p->proto = proto;
	p->first_trans = peer.ntrans;
	if (proto != IKEV1_PROTO_ISAKMP) {
		p->spi_size = 4;
		p->spi[0] = (uint8_t)(spi >> 24);
		p->spi[1] = (uint8_t)(spi >> 16);
		p->spi[2] = (uint8_t)(spi >> 8);
		p->spi[3] = (uint8_t)spi;
	}
}

static void p_trans(uint8_t id)
{
	struct ikev1_proposal *p = &peer.p[peer.nprop - 1];
	struct ikev1_transform *t = &peer.t[peer.ntrans++];

	t->num = ++p->ntrans;
	t->id = id;
	t->first_attr = peer.nattr;
}

static void p_tv(uint16_t type, uint16_t val)
{
	peer.t[peer.ntrans - 1].nattr++;
	peer.a[peer.nattr++] = (struct ikev1_attr){.type = type, .tv = true, .val = val};
}

static void p_tlv(uint16_t type, const uint8_t *b, size_t len)
{
	peer.t[peer.ntrans - 1].nattr++;
	peer.a[peer.nattr++] = (struct ikev1_attr){.type = type, .value = {b, len}};
}

/* A phase 1 transform: cipher (keylen 0: none), hash, auth method, group, life (0: none). */
static void p1_trans(uint16_t encr, uint16_t keylen, uint16_t hash, uint16_t auth, uint16_t group,
		     uint16_t life)
{
	p_trans(IKEV1_KEY_IKE);
	p_tv(IKEV1_P1_ENCR, encr);
	if (keylen)
		p_tv(IKEV1_P1_KEY_LENGTH, keylen);
	p_tv(IKEV1_P1_HASH, hash);
	p_tv(IKEV1_P1_AUTH_METHOD, auth);
	p_tv(IKEV1_P1_GROUP_DESC, group);
	if (life) {
		p_tv(IKEV1_P1_LIFE_TYPE, IKEV1_LIFE_SECONDS);
		p_tv(IKEV1_P1_LIFE_DURATION, life);
	}
}

/* An ESP transform: id, keylen (0: none), auth (0: none), encap, group (0: none), life. */
static void esp_trans(uint8_t id, uint16_t keylen, uint16_t auth, uint16_t encap, uint16_t group,
		      uint16_t life)
{
	p_trans(id);
	if (life) {
		p_tv(IKEV1_P2_SA_LIFE_TYPE, IKEV1_LIFE_SECONDS);
		p_tv(IKEV1_P2_SA_LIFE_DURATION, life);
	}
	if (encap)
		p_tv(IKEV1_P2_ENCAP_MODE, encap);
	if (auth)
		p_tv(IKEV1_P2_AUTH_ALG, auth);
	if (keylen)
		p_tv(IKEV1_P2_KEY_LENGTH, keylen);
	if (group)
		p_tv(IKEV1_P2_GROUP_DESC, group);
}

static bool no_md5(uint8_t type, uint16_t id, uint16_t keylen)
{
	(void)keylen;
	return !(type == IKEV2_TRANS_PRF && id == 1);
}

/* --- the human form for logs --- */

START_TEST(test_p1_str)
{
	char buf[256];

	p_begin();
	p_prop(1, IKEV1_PROTO_ISAKMP, 0);
	p1_trans(IKEV1_ENCR_AES_CBC, 128, IKEV1_HASH_SHA1, IKEV1_AUTH_PSK, 2, 0);
	p1_trans(IKEV1_ENCR_AES_CBC, 256, IKEV1_HASH_SHA2_256, IKEV1_AUTH_PSK, 14, 28800);
	p1_trans(IKEV1_ENCR_3DES_CBC, 0, IKEV1_HASH_MD5, IKEV1_AUTH_RSA_SIG, 2, 0);
	ck_assert_uint_eq(ikev1_p1_str(&peer, buf, sizeof(buf)), strlen(buf));
	ck_assert_str_eq(buf, "aes-128-cbc/sha1/modp1024, aes-256-cbc/sha256/modp2048, "
			      "3des/md5/modp1024 (RSASignature)");
	/* cut short: terminated, and the length the whole needs */
	ck_assert_uint_eq(ikev1_p1_str(&peer, buf, 10), strlen("aes-128-cbc/sha1/modp1024, "
							       "aes-256-cbc/sha256/modp2048, "
							       "3des/md5/modp1024 (RSASignature)"));
	ck_assert_str_eq(buf, "aes-128-c");
}
END_TEST

/* --- phase 1 offers --- */

START_TEST(test_p1_offer)
{
	const struct conf_item *it =
		profile("enc-algorithm=aes-256,3des dh-group=modp2048,modp1024 "
			"hash-algorithm=sha256 lifetime=1d");
	const struct ikev1_sa *sa = &ours.sa;

	ck_assert_int_eq(ikev1_offer_p1(it, IKEV1_AUTH_PSK, NULL, &ours, err, sizeof(err)), 0);
	ck_assert_int_eq(sa->nprop, 1);
	ck_assert_int_eq(sa->p[0].proto, IKEV1_PROTO_ISAKMP);
	ck_assert_int_eq(sa->p[0].spi_size, 0);
	ck_assert_int_eq(sa->ntrans, 4); /* enc x group, in the profile's order */
	for (unsigned i = 0; i < 4; i++) {
		ck_assert_int_eq(sa->t[i].num, i + 1);
		ck_assert_int_eq(sa->t[i].id, IKEV1_KEY_IKE);
		ck_assert_int_eq(attr(sa, i, IKEV1_P1_HASH), IKEV1_HASH_SHA2_256);
		ck_assert_int_eq(attr(sa, i, IKEV1_P1_AUTH_METHOD), IKEV1_AUTH_PSK);
		ck_assert_int_eq(attr(sa, i, IKEV1_P1_LIFE_TYPE), IKEV1_LIFE_SECONDS);
		ck_assert_int_eq(attr(sa, i, IKEV1_P1_LIFE_DURATION), 86400);
	}
	ck_assert_int_eq(attr(sa, 0, IKEV1_P1_ENCR), IKEV1_ENCR_AES_CBC);
	ck_assert_int_eq(attr(sa, 0, IKEV1_P1_KEY_LENGTH), 256);
	ck_assert_int_eq(attr(sa, 0, IKEV1_P1_GROUP_DESC), 14);
	ck_assert_int_eq(attr(sa, 1, IKEV1_P1_GROUP_DESC), 2);
	ck_assert_int_eq(attr(sa, 2, IKEV1_P1_ENCR), IKEV1_ENCR_3DES_CBC);
	ck_assert_int_eq(attr(sa, 2, IKEV1_P1_KEY_LENGTH), -1);
	/* 86400 does not fit 16 bits: a 4-byte TLV, pointing into ours */
	const struct ikev1_attr *d = ikev1_trans_attr(sa, &sa->t[0], 6);

	ck_assert_int_eq(d->type, IKEV1_P1_LIFE_DURATION);
	ck_assert(!d->tv);
	ck_assert_uint_eq(d->value.len, 4);
	ck_assert_ptr_eq(d->value.ptr, ours.life[0]);
	/* and the wire agrees */
	sa = wire(&ours.sa);
	ck_assert_int_eq(attr(sa, 3, IKEV1_P1_LIFE_DURATION), 86400);
	ck_assert_int_eq(attr(sa, 3, IKEV1_P1_GROUP_DESC), 2);
}
END_TEST

START_TEST(test_p1_offer_short_life_and_lifebytes)
{
	const struct conf_item *it = profile("lifetime=8h lifebytes=1048576");

	ck_assert_int_eq(ikev1_offer_p1(it, IKEV1_AUTH_RSA_SIG, NULL, &ours, err, sizeof(err)), 0);
	/* default aes-128, sha1, modp1024 and modp2048 */
	ck_assert_int_eq(ours.sa.ntrans, 2);
	ck_assert_int_eq(attr(&ours.sa, 0, IKEV1_P1_KEY_LENGTH), 128);
	ck_assert_int_eq(attr(&ours.sa, 0, IKEV1_P1_HASH), IKEV1_HASH_SHA1);
	ck_assert(ikev1_trans_attr(&ours.sa, &ours.sa.t[0], 6)->tv); /* 28800 fits */
	/* lifebytes, added as kilobytes after the seconds */
	ck_assert_int_eq(ours.sa.t[0].nattr, 9);
	ck_assert_int_eq(ikev1_trans_attr(&ours.sa, &ours.sa.t[0], 7)->val, IKEV1_LIFE_KILOBYTES);
	ck_assert_int_eq(ikev1_trans_attr(&ours.sa, &ours.sa.t[0], 8)->val, 1024);
}
END_TEST

START_TEST(test_p1_offer_refusals)
{
	const struct conf_item *it = profile("enc-algorithm=aes-256-gcm");

	ck_assert_int_eq(ikev1_offer_p1(it, IKEV1_AUTH_PSK, NULL, &ours, err, sizeof(err)),
			 -EINVAL);
	ck_assert_msg(strstr(err, "aes-256-gcm") && strstr(err, "GCM"), "%s", err);
	it = profile("hash-algorithm=md5");
	ck_assert_int_eq(ikev1_offer_p1(it, IKEV1_AUTH_PSK, no_md5, &ours, err, sizeof(err)),
			 -EINVAL);
	ck_assert_msg(strstr(err, "md5"), "%s", err);
	ck_assert_int_eq(ikev1_offer_p1(it, IKEV1_AUTH_PSK, NULL, &ours, err, sizeof(err)), 0);
	ck_assert_int_eq(attr(&ours.sa, 0, IKEV1_P1_HASH), IKEV1_HASH_MD5);
}
END_TEST

/* --- phase 1 choice --- */

START_TEST(test_p1_round_trip)
{
	const struct conf_item *it = profile("enc-algorithm=aes-256,aes-128 dh-group=modp2048 "
					     "hash-algorithm=sha512");
	struct ike_chosen c;
	uint32_t life;
	unsigned trans;

	ck_assert_int_eq(ikev1_offer_p1(it, IKEV1_AUTH_PSK, NULL, &ours, err, sizeof(err)), 0);
	ck_assert_int_eq(
		ikev1_choose_p1(&ours.sa, wire(&ours.sa), IKEV1_AUTH_PSK, &c, &life, &trans), 0);
	ck_assert_int_eq(trans, 0);
	ck_assert_int_eq(c.proto, IKEV2_PROTO_IKE);
	ck_assert_int_eq(c.num, 1);
	ck_assert_int_eq(c.encr, IKE_ENCR_AES_CBC);
	ck_assert_int_eq(c.encr_keylen, 256);
	ck_assert_int_eq(c.prf, 7);
	ck_assert_int_eq(c.integ, 0);
	ck_assert_int_eq(c.dh, 14);
	ck_assert_uint_eq(life, 86400);
	/* another auth method: nothing */
	ck_assert_int_eq(ikev1_choose_p1(&ours.sa, last, IKEV1_AUTH_RSA_SIG, &c, &life, &trans),
			 -ENOENT);

	/* the reply: only the chosen transform, attributes as sent; the initiator takes it */
	ikev1_reply_p1(last, 0, &reply.sa);
	ck_assert_int_eq(reply.sa.nprop, 1);
	ck_assert_int_eq(reply.sa.ntrans, 1);
	ck_assert_int_eq(reply.sa.nattr, last->t[0].nattr);
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(ikev1_accept_p1(&ours.sa, wire(&reply.sa), &c, &life), 0);
	ck_assert_int_eq(c.encr_keylen, 256);
	ck_assert_int_eq(c.dh, 14);
	ck_assert_uint_eq(life, 86400);
}
END_TEST

START_TEST(test_p1_peer_order)
{
	const struct conf_item *it =
		profile("enc-algorithm=aes-128,3des dh-group=modp2048,modp1024");
	struct ike_chosen c;
	uint32_t life;
	unsigned trans;

	ck_assert_int_eq(ikev1_offer_p1(it, IKEV1_AUTH_PSK, NULL, &ours, err, sizeof(err)), 0);
	p_begin();
	p_prop(1, IKEV1_PROTO_ISAKMP, 0);
	p1_trans(IKEV1_ENCR_AES_CBC, 256, IKEV1_HASH_SHA1, IKEV1_AUTH_PSK, 14, 0);   /* not ours */
	p1_trans(IKEV1_ENCR_3DES_CBC, 0, IKEV1_HASH_SHA1, IKEV1_AUTH_RSA_SIG, 2, 0); /* method */
	p1_trans(IKEV1_ENCR_3DES_CBC, 0, IKEV1_HASH_SHA1, IKEV1_AUTH_PSK, 2, 3600);
	p1_trans(IKEV1_ENCR_AES_CBC, 128, IKEV1_HASH_SHA1, IKEV1_AUTH_PSK, 14, 0);
	ck_assert_int_eq(ikev1_choose_p1(&ours.sa, wire(&peer), IKEV1_AUTH_PSK, &c, &life, &trans),
			 0);
	/* their first acceptable one, though ours prefers aes-128 */
	ck_assert_int_eq(trans, 2);
	ck_assert_int_eq(c.num, 3);
	ck_assert_int_eq(c.encr, IKE_ENCR_3DES);
	ck_assert_int_eq(c.encr_keylen, 0);
	ck_assert_int_eq(c.prf, 2);
	ck_assert_int_eq(c.dh, 2);
	ck_assert_uint_eq(life, 3600); /* shorter than our 1d: theirs */

	/* the reply carries their transform number and attributes */
	ikev1_reply_p1(last, trans, &reply.sa);
	ck_assert_int_eq(reply.sa.t[0].num, 3);
	ck_assert_int_eq(attr(&reply.sa, 0, IKEV1_P1_LIFE_DURATION), 3600);
}
END_TEST

START_TEST(test_p1_unknown_and_life_forms)
{
	const struct conf_item *it = profile("enc-algorithm=aes-128 dh-group=modp2048 lifetime=1h");
	static const uint8_t long_life[] = {0, 0x01, 0x51, 0x80}; /* 86400 */
	struct ike_chosen c;
	uint32_t life;
	unsigned trans;

	ck_assert_int_eq(ikev1_offer_p1(it, IKEV1_AUTH_PSK, NULL, &ours, err, sizeof(err)), 0);
	p_begin();
	p_prop(1, IKEV1_PROTO_ISAKMP, 0);
	p1_trans(IKEV1_ENCR_AES_CBC, 128, IKEV1_HASH_SHA1, IKEV1_AUTH_PSK, 14, 0);
	p_tv(IKEV1_P1_PRF, 1); /* RFC 2409 defines no PRF: unknown */
	p1_trans(IKEV1_ENCR_AES_CBC, 128, IKEV1_HASH_SHA1, IKEV1_AUTH_PSK, 14, 0);
	p_tv(IKEV1_P1_GROUP_TYPE, IKEV1_GROUP_TYPE_MODP); /* a group not by description */
	p1_trans(IKEV1_ENCR_AES_CBC, 128, IKEV1_HASH_SHA1, IKEV1_AUTH_PSK, 14, 0);
	p_tv(IKEV1_P1_LIFE_TYPE, IKEV1_LIFE_SECONDS);
	p_tlv(IKEV1_P1_LIFE_DURATION, long_life, sizeof(long_life));
	ck_assert_int_eq(ikev1_choose_p1(&ours.sa, wire(&peer), IKEV1_AUTH_PSK, &c, &life, &trans),
			 0);
	ck_assert_int_eq(trans, 2);
	ck_assert_uint_eq(life, 3600); /* theirs is longer: ours */

	/* AES without Key Length is AES-128 */
	p_begin();
	p_prop(1, IKEV1_PROTO_ISAKMP, 0);
	p1_trans(IKEV1_ENCR_AES_CBC, 0, IKEV1_HASH_SHA1, IKEV1_AUTH_PSK, 14, 0);
	ck_assert_int_eq(ikev1_choose_p1(&ours.sa, wire(&peer), IKEV1_AUTH_PSK, &c, &life, &trans),
			 0);
	ck_assert_int_eq(c.encr_keylen, 128);
	ck_assert_uint_eq(life, 3600); /* they gave none */
}
END_TEST

START_TEST(test_p1_accept_refusals)
{
	const struct conf_item *it = profile("enc-algorithm=aes-128 dh-group=modp2048");
	struct ike_chosen c;
	uint32_t life;

	ck_assert_int_eq(ikev1_offer_p1(it, IKEV1_AUTH_PSK, NULL, &ours, err, sizeof(err)), 0);
	/* a transform we did not offer */
	p_begin();
	p_prop(1, IKEV1_PROTO_ISAKMP, 0);
	p1_trans(IKEV1_ENCR_AES_CBC, 256, IKEV1_HASH_SHA1, IKEV1_AUTH_PSK, 14, 0);
	ck_assert_int_eq(ikev1_accept_p1(&ours.sa, wire(&peer), &c, &life), -EBADMSG);
	/* two transforms, both ours */
	p_begin();
	p_prop(1, IKEV1_PROTO_ISAKMP, 0);
	p1_trans(IKEV1_ENCR_AES_CBC, 128, IKEV1_HASH_SHA1, IKEV1_AUTH_PSK, 14, 0);
	p1_trans(IKEV1_ENCR_AES_CBC, 128, IKEV1_HASH_SHA1, IKEV1_AUTH_PSK, 14, 0);
	ck_assert_int_eq(ikev1_accept_p1(&ours.sa, wire(&peer), &c, &life), -EBADMSG);
	/* one, ours, with a longer lifetime than we offered: ours */
	p_begin();
	p_prop(1, IKEV1_PROTO_ISAKMP, 0);
	p1_trans(IKEV1_ENCR_AES_CBC, 128, IKEV1_HASH_SHA1, IKEV1_AUTH_PSK, 14, 0);
	ck_assert_int_eq(ikev1_accept_p1(&ours.sa, wire(&peer), &c, &life), 0);
	ck_assert_uint_eq(life, 86400);
}
END_TEST

/* --- quick mode offers --- */

START_TEST(test_p2_offer)
{
	const struct conf_item *it = proposal("enc-algorithms=aes-256-cbc,aes-128-gcm "
					      "auth-algorithms=sha1,sha256 pfs-group=modp2048 "
					      "lifetime=30m");
	const struct ikev1_sa *sa = &ours.sa;

	ck_assert_int_eq(ikev1_offer_p2(it, IKEV1_PROTO_ESP, true, &tunnel, 0x11223344, NULL, &ours,
					err, sizeof(err)),
			 0);
	ck_assert_int_eq(sa->nprop, 1);
	ck_assert_int_eq(sa->p[0].proto, IKEV1_PROTO_ESP);
	ck_assert_int_eq(sa->p[0].spi_size, 4);
	ck_assert_int_eq(sa->p[0].spi[0], 0x11);
	ck_assert_int_eq(sa->p[0].spi[3], 0x44);
	ck_assert_int_eq(sa->ntrans, 3);
	ck_assert_int_eq(sa->t[0].id, IKEV1_ESP_AES);
	ck_assert_int_eq(attr(sa, 0, IKEV1_P2_AUTH_ALG), IKEV1_AUTH_ALG_HMAC_SHA1);
	ck_assert_int_eq(sa->t[1].id, IKEV1_ESP_AES);
	ck_assert_int_eq(attr(sa, 1, IKEV1_P2_AUTH_ALG), IKEV1_AUTH_ALG_HMAC_SHA2_256);
	ck_assert_int_eq(sa->t[2].id, IKEV1_ESP_AES_GCM_16);
	ck_assert_int_eq(attr(sa, 2, IKEV1_P2_AUTH_ALG), -1);
	ck_assert_int_eq(attr(sa, 2, IKEV1_P2_KEY_LENGTH), 128);
	for (unsigned i = 0; i < 3; i++) {
		ck_assert_int_eq(attr(sa, i, IKEV1_P2_ENCAP_MODE), IKEV1_ENCAP_TUNNEL);
		ck_assert_int_eq(attr(sa, i, IKEV1_P2_GROUP_DESC), 14);
		ck_assert_int_eq(attr(sa, i, IKEV1_P2_SA_LIFE_TYPE), IKEV1_LIFE_SECONDS);
		ck_assert_int_eq(attr(sa, i, IKEV1_P2_SA_LIFE_DURATION), 1800);
	}
	sa = wire(&ours.sa);
	ck_assert_int_eq(attr(sa, 1, IKEV1_P2_KEY_LENGTH), 256);
	ck_assert_int_eq(sa->p[0].spi[1], 0x22);

	/* without PFS no group; NAT: the UDP values, RFC 3947 or the draft's */
	const struct ikev1_mode udp = {.tunnel = false, .udp = true};
	const struct ikev1_mode draft = {.tunnel = true, .udp = true, .draft = true};

	ck_assert_int_eq(
		ikev1_offer_p2(it, IKEV1_PROTO_ESP, false, &udp, 1, NULL, &ours, err, sizeof(err)),
		0);
	ck_assert_int_eq(attr(&ours.sa, 0, IKEV1_P2_GROUP_DESC), -1);
	ck_assert_int_eq(attr(&ours.sa, 0, IKEV1_P2_ENCAP_MODE), IKEV1_ENCAP_UDP_TRANSPORT);
	ck_assert_int_eq(ikev1_offer_p2(it, IKEV1_PROTO_ESP, false, &draft, 1, NULL, &ours, err,
					sizeof(err)),
			 0);
	ck_assert_int_eq(attr(&ours.sa, 0, IKEV1_P2_ENCAP_MODE), IKEV1_ENCAP_UDP_TUNNEL_DRAFT);
}
END_TEST

START_TEST(test_p2_offer_ah_and_others)
{
	const struct conf_item *it = proposal("auth-algorithms=sha256,md5 lifetime=1d");

	ck_assert_int_eq(ikev1_offer_p2(it, IKEV1_PROTO_AH, false, &transport, 1, NULL, &ours, err,
					sizeof(err)),
			 0);
	ck_assert_int_eq(ours.sa.p[0].proto, IKEV1_PROTO_AH);
	ck_assert_int_eq(ours.sa.ntrans, 2);
	ck_assert_int_eq(ours.sa.t[0].id, IKEV1_AH_SHA2_256);
	ck_assert_int_eq(attr(&ours.sa, 0, IKEV1_P2_AUTH_ALG), IKEV1_AUTH_ALG_HMAC_SHA2_256);
	ck_assert_int_eq(ours.sa.t[1].id, IKEV1_AH_MD5);
	ck_assert_int_eq(attr(&ours.sa, 1, IKEV1_P2_AUTH_ALG), IKEV1_AUTH_ALG_HMAC_MD5);
	ck_assert_int_eq(attr(&ours.sa, 0, IKEV1_P2_SA_LIFE_DURATION), 86400); /* TLV */
	ck_assert_int_eq(attr(wire(&ours.sa), 1, IKEV1_P2_SA_LIFE_DURATION), 86400);

	it = proposal("enc-algorithms=null,3des,camellia-192 auth-algorithms=sha512");
	ck_assert_int_eq(ikev1_offer_p2(it, IKEV1_PROTO_ESP, false, &tunnel, 1, NULL, &ours, err,
					sizeof(err)),
			 0);
	ck_assert_int_eq(ours.sa.t[0].id, IKEV1_ESP_NULL);
	ck_assert_int_eq(ours.sa.t[1].id, IKEV1_ESP_3DES);
	ck_assert_int_eq(attr(&ours.sa, 1, IKEV1_P2_KEY_LENGTH), -1);
	ck_assert_int_eq(ours.sa.t[2].id, IKEV1_ESP_CAMELLIA);
	ck_assert_int_eq(attr(&ours.sa, 2, IKEV1_P2_KEY_LENGTH), 192);
	ck_assert_int_eq(attr(&ours.sa, 2, IKEV1_P2_AUTH_ALG), IKEV1_AUTH_ALG_HMAC_SHA2_512);

	it = proposal("pfs-group=none");
	ck_assert_int_eq(ikev1_offer_p2(it, IKEV1_PROTO_ESP, true, &tunnel, 1, NULL, &ours, err,
					sizeof(err)),
			 -EINVAL);
	ck_assert_msg(strstr(err, "pfs-group"), "%s", err);
}
END_TEST

START_TEST(test_life_check_of)
{
	ck_assert_int_eq(ikev1_life_check_of(NULL), IKEV1_CHECK_OBEY);
	ck_assert_int_eq(ikev1_life_check_of(profile("")), IKEV1_CHECK_OBEY);
	ck_assert_int_eq(ikev1_life_check_of(profile("proposal-check=claim")), IKEV1_CHECK_CLAIM);
	ck_assert_int_eq(ikev1_life_check_of(profile("proposal-check=strict")), IKEV1_CHECK_STRICT);
	ck_assert_int_eq(ikev1_life_check_of(profile("proposal-check=exact")), IKEV1_CHECK_EXACT);
}
END_TEST

/* --- quick mode choice --- */

/* Ours: ESP aes-256-cbc and aes-128-cbc with sha1, tunnel, no PFS, 30 minutes. */
static void esp_ours(const char *extra)
{
	char args[256];

	snprintf(args, sizeof(args),
		 "enc-algorithms=aes-256-cbc,aes-128-cbc auth-algorithms=sha1 "
		 "lifetime=30m %s",
		 extra);
	ck_assert_int_eq(ikev1_offer_p2(proposal(args), IKEV1_PROTO_ESP,
					strstr(extra, "pfs-group=modp") != NULL, &tunnel,
					0xaabbccdd, NULL, &ours, err, sizeof(err)),
			 0);
}

static int choose(const struct ikev1_mode *mode, uint16_t pfs, enum ikev1_life_check check,
		  struct ike_chosen *c, uint32_t *life, bool *claim, unsigned *trans, char *why,
		  size_t whylen)
{
	return ikev1_choose_p2(&ours.sa, wire(&peer), mode, pfs, check, c, life, claim, trans, why,
			       whylen);
}

START_TEST(test_p2_round_trip)
{
	struct ike_chosen c;
	uint32_t life;
	bool claim = true;
	unsigned trans;
	char why[200];

	esp_ours("");
	ck_assert_int_eq(ikev1_choose_p2(&ours.sa, wire(&ours.sa), &tunnel, 0, IKEV1_CHECK_EXACT,
					 &c, &life, &claim, &trans, why, sizeof(why)),
			 0);
	ck_assert_int_eq(trans, 0);
	ck_assert_int_eq(c.proto, IKEV2_PROTO_ESP);
	ck_assert_int_eq(c.spi_size, 4);
	ck_assert_uint_eq(c.spi, 0xaabbccdd);
	ck_assert_int_eq(c.encr, IKE_ENCR_AES_CBC);
	ck_assert_int_eq(c.encr_keylen, 256);
	ck_assert_int_eq(c.integ, 2);
	ck_assert_int_eq(c.dh, 0);
	ck_assert_uint_eq(life, 1800);
	ck_assert(!claim);

	/* the responder's reply with its SPI; the initiator accepts it */
	ikev1_reply_p2(last, trans, 0x01020304, life, &reply);
	ck_assert_int_eq(reply.sa.ntrans, 1);
	ck_assert_int_eq(ikev1_accept_p2(&ours.sa, wire(&reply.sa), &c, &life), 0);
	ck_assert_uint_eq(c.spi, 0x01020304);
	ck_assert_int_eq(c.encr_keylen, 256);
	ck_assert_uint_eq(life, 1800);
}
END_TEST

START_TEST(test_p2_peer_order)
{
	struct ike_chosen c;
	uint32_t life;
	bool claim;
	unsigned trans;
	char why[200];

	esp_ours("");
	/* Libreswan-like: several proposals; the first has nothing of ours */
	p_begin();
	p_prop(1, IKEV1_PROTO_ESP, 0x100);
	esp_trans(IKEV1_ESP_AES, 256, IKEV1_AUTH_ALG_HMAC_SHA2_256, IKEV1_ENCAP_TUNNEL, 0, 1800);
	p_prop(2, IKEV1_PROTO_ESP, 0x200);
	esp_trans(IKEV1_ESP_AES, 128, IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_ENCAP_TUNNEL, 0, 1800);
	esp_trans(IKEV1_ESP_AES, 256, IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_ENCAP_TUNNEL, 0, 1800);
	ck_assert_int_eq(
		choose(&tunnel, 0, IKEV1_CHECK_OBEY, &c, &life, &claim, &trans, why, sizeof(why)),
		0);
	/* their order: aes-128 though ours prefers aes-256 */
	ck_assert_int_eq(trans, 1);
	ck_assert_int_eq(c.encr_keylen, 128);
	ck_assert_uint_eq(c.spi, 0x200);
	ck_assert_int_eq(c.num, 1);
}
END_TEST

START_TEST(test_p2_proposal_check)
{
	struct ike_chosen c;
	uint32_t life;
	bool claim;
	unsigned trans;
	char why[200];

	esp_ours(""); /* 1800 s */
	p_begin();
	p_prop(1, IKEV1_PROTO_ESP, 1);
	esp_trans(IKEV1_ESP_AES, 256, IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_ENCAP_TUNNEL, 0, 3600);

	ck_assert_int_eq(
		choose(&tunnel, 0, IKEV1_CHECK_OBEY, &c, &life, &claim, &trans, why, sizeof(why)),
		0);
	ck_assert_uint_eq(life, 3600);
	ck_assert(!claim);
	ck_assert_int_eq(
		choose(&tunnel, 0, IKEV1_CHECK_CLAIM, &c, &life, &claim, &trans, why, sizeof(why)),
		0);
	ck_assert_uint_eq(life, 1800);
	ck_assert(claim);
	ck_assert_int_eq(
		choose(&tunnel, 0, IKEV1_CHECK_STRICT, &c, &life, &claim, &trans, why, sizeof(why)),
		-ENOENT);
	ck_assert_msg(strstr(why, "3600") && strstr(why, "strict"), "%s", why);
	ck_assert_int_eq(
		choose(&tunnel, 0, IKEV1_CHECK_EXACT, &c, &life, &claim, &trans, why, sizeof(why)),
		-ENOENT);
	ck_assert_msg(strstr(why, "exact"), "%s", why);

	/* shorter: claim and strict take it, exact still refuses */
	p_begin();
	p_prop(1, IKEV1_PROTO_ESP, 1);
	esp_trans(IKEV1_ESP_AES, 256, IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_ENCAP_TUNNEL, 0, 900);
	ck_assert_int_eq(
		choose(&tunnel, 0, IKEV1_CHECK_CLAIM, &c, &life, &claim, &trans, why, sizeof(why)),
		0);
	ck_assert_uint_eq(life, 900);
	ck_assert(!claim);
	ck_assert_int_eq(
		choose(&tunnel, 0, IKEV1_CHECK_STRICT, &c, &life, &claim, &trans, why, sizeof(why)),
		0);
	ck_assert_uint_eq(life, 900);
	ck_assert_int_eq(
		choose(&tunnel, 0, IKEV1_CHECK_EXACT, &c, &life, &claim, &trans, why, sizeof(why)),
		-ENOENT);

	/* no lifetime at all: RFC 2407's 28800 s, longer than ours */
	p_begin();
	p_prop(1, IKEV1_PROTO_ESP, 1);
	esp_trans(IKEV1_ESP_AES, 256, IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_ENCAP_TUNNEL, 0, 0);
	ck_assert_int_eq(
		choose(&tunnel, 0, IKEV1_CHECK_OBEY, &c, &life, &claim, &trans, why, sizeof(why)),
		0);
	ck_assert_uint_eq(life, 28800);
	ck_assert_int_eq(
		choose(&tunnel, 0, IKEV1_CHECK_STRICT, &c, &life, &claim, &trans, why, sizeof(why)),
		-ENOENT);
}
END_TEST

START_TEST(test_p2_windows_two_lifetimes)
{
	static const uint8_t kb[] = {0x00, 0x03, 0xd0, 0x90};	/* 250000 KB */
	static const uint8_t secs[] = {0x00, 0x00, 0x0e, 0x10}; /* 3600 as a TLV */
	struct ike_chosen c;
	uint32_t life;
	bool claim;
	unsigned trans;
	char why[200];

	ck_assert_int_eq(ikev1_offer_p2(proposal("enc-algorithms=aes-256-cbc auth-algorithms=sha1 "
						 "pfs-group=none lifetime=1h"),
					IKEV1_PROTO_ESP, false, &transport, 1, NULL, &ours, err,
					sizeof(err)),
			 0);
	/* Windows: AES-256/SHA1 and 3DES/SHA1, transport, seconds and kilobytes */
	p_begin();
	p_prop(1, IKEV1_PROTO_ESP, 0xdead);
	p_trans(IKEV1_ESP_3DES);
	p_tv(IKEV1_P2_ENCAP_MODE, IKEV1_ENCAP_TRANSPORT);
	p_tv(IKEV1_P2_AUTH_ALG, IKEV1_AUTH_ALG_HMAC_SHA1);
	p_tv(IKEV1_P2_SA_LIFE_TYPE, IKEV1_LIFE_SECONDS);
	p_tv(IKEV1_P2_SA_LIFE_DURATION, 3600);
	p_tv(IKEV1_P2_SA_LIFE_TYPE, IKEV1_LIFE_KILOBYTES);
	p_tlv(IKEV1_P2_SA_LIFE_DURATION, kb, sizeof(kb));
	p_trans(IKEV1_ESP_AES);
	p_tv(IKEV1_P2_ENCAP_MODE, IKEV1_ENCAP_TRANSPORT);
	p_tv(IKEV1_P2_AUTH_ALG, IKEV1_AUTH_ALG_HMAC_SHA1);
	p_tv(IKEV1_P2_KEY_LENGTH, 256);
	p_tv(IKEV1_P2_SA_LIFE_TYPE, IKEV1_LIFE_KILOBYTES);
	p_tlv(IKEV1_P2_SA_LIFE_DURATION, kb, sizeof(kb));
	p_tv(IKEV1_P2_SA_LIFE_TYPE, IKEV1_LIFE_SECONDS);
	p_tlv(IKEV1_P2_SA_LIFE_DURATION, secs, sizeof(secs));
	ck_assert_int_eq(choose(&transport, 0, IKEV1_CHECK_EXACT, &c, &life, &claim, &trans, why,
				sizeof(why)),
			 0);
	ck_assert_int_eq(trans, 1);
	ck_assert_int_eq(c.encr, IKE_ENCR_AES_CBC);
	ck_assert_int_eq(c.encr_keylen, 256);
	ck_assert_uint_eq(c.spi, 0xdead);
	ck_assert_uint_eq(life, 3600); /* the seconds, not the kilobytes */

	/* the reply keeps both pairs as sent when the lifetime is theirs */
	ikev1_reply_p2(last, trans, 7, life, &reply);
	ck_assert_int_eq(reply.sa.nattr, 7);
	ck_assert_ptr_eq(reply.sa.a[6].value.ptr, last->a[last->t[1].first_attr + 6].value.ptr);
}
END_TEST

START_TEST(test_p2_unknown_attr_skipped)
{
	struct ike_chosen c;
	uint32_t life;
	bool claim;
	unsigned trans;
	char why[200];

	esp_ours("");
	p_begin();
	p_prop(1, IKEV1_PROTO_ESP, 1);
	esp_trans(IKEV1_ESP_AES, 256, IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_ENCAP_TUNNEL, 0, 1800);
	p_tv(IKEV1_P2_ESN, 1); /* RFC 4304: not ours */
	esp_trans(IKEV1_ESP_AES, 256, IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_ENCAP_TUNNEL, 0, 1800);
	p_tv(999, 1); /* nobody's */
	esp_trans(IKEV1_ESP_AES, 256, IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_ENCAP_TUNNEL, 0, 0);
	p_tv(IKEV1_P2_SA_LIFE_DURATION, 60); /* a duration without its type */
	esp_trans(IKEV1_ESP_AES, 128, IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_ENCAP_TUNNEL, 0, 1800);
	ck_assert_int_eq(
		choose(&tunnel, 0, IKEV1_CHECK_OBEY, &c, &life, &claim, &trans, why, sizeof(why)),
		0);
	ck_assert_int_eq(trans, 3);
	ck_assert_int_eq(c.encr_keylen, 128);
}
END_TEST

START_TEST(test_p2_gcm)
{
	struct ike_chosen c;
	uint32_t life;
	bool claim;
	unsigned trans;
	char why[200];

	ck_assert_int_eq(ikev1_offer_p2(proposal("enc-algorithms=aes-256-gcm auth-algorithms=null"),
					IKEV1_PROTO_ESP, false, &tunnel, 1, NULL, &ours, err,
					sizeof(err)),
			 0);
	ck_assert_int_eq(ours.sa.ntrans, 1);
	ck_assert_int_eq(attr(&ours.sa, 0, IKEV1_P2_AUTH_ALG), -1);
	p_begin();
	p_prop(1, IKEV1_PROTO_ESP, 1);
	/* with an Authentication Algorithm: not what we offer */
	esp_trans(IKEV1_ESP_AES_GCM_16, 256, IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_ENCAP_TUNNEL, 0, 1800);
	esp_trans(IKEV1_ESP_AES_GCM_16, 256, 0, IKEV1_ENCAP_TUNNEL, 0, 1800);
	ck_assert_int_eq(
		choose(&tunnel, 0, IKEV1_CHECK_OBEY, &c, &life, &claim, &trans, why, sizeof(why)),
		0);
	ck_assert_int_eq(trans, 1);
	ck_assert_int_eq(c.encr, IKE_ENCR_AES_GCM_16);
	ck_assert_int_eq(c.encr_keylen, 256);
	ck_assert_int_eq(c.integ, 0);
}
END_TEST

START_TEST(test_p2_mode)
{
	const struct ikev1_mode udp = {.tunnel = true, .udp = true};
	struct ike_chosen c;
	uint32_t life;
	bool claim;
	unsigned trans;
	char why[200];

	esp_ours("");
	p_begin();
	p_prop(1, IKEV1_PROTO_ESP, 1);
	esp_trans(IKEV1_ESP_AES, 256, IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_ENCAP_TRANSPORT, 0, 1800);
	ck_assert_int_eq(
		choose(&tunnel, 0, IKEV1_CHECK_OBEY, &c, &life, &claim, &trans, why, sizeof(why)),
		-ENOENT);
	ck_assert_msg(strstr(why, "Transport") || strstr(why, "transport"), "%s", why);

	/* NAT: either UDP numbering, but not plain tunnel */
	p_begin();
	p_prop(1, IKEV1_PROTO_ESP, 1);
	esp_trans(IKEV1_ESP_AES, 256, IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_ENCAP_UDP_TUNNEL_DRAFT, 0,
		  1800);
	ck_assert_int_eq(
		choose(&udp, 0, IKEV1_CHECK_OBEY, &c, &life, &claim, &trans, why, sizeof(why)), 0);
	ck_assert_int_eq(
		choose(&tunnel, 0, IKEV1_CHECK_OBEY, &c, &life, &claim, &trans, why, sizeof(why)),
		-ENOENT);
	p_begin();
	p_prop(1, IKEV1_PROTO_ESP, 1);
	esp_trans(IKEV1_ESP_AES, 256, IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_ENCAP_UDP_TUNNEL, 0, 1800);
	ck_assert_int_eq(
		choose(&udp, 0, IKEV1_CHECK_OBEY, &c, &life, &claim, &trans, why, sizeof(why)), 0);
	p_begin();
	p_prop(1, IKEV1_PROTO_ESP, 1);
	esp_trans(IKEV1_ESP_AES, 256, IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_ENCAP_TUNNEL, 0, 1800);
	ck_assert_int_eq(
		choose(&udp, 0, IKEV1_CHECK_OBEY, &c, &life, &claim, &trans, why, sizeof(why)),
		-ENOENT);
}
END_TEST

START_TEST(test_p2_pfs)
{
	struct ike_chosen c;
	uint32_t life;
	bool claim;
	unsigned trans;
	char why[200];

	esp_ours("pfs-group=modp2048");
	ck_assert_int_eq(attr(&ours.sa, 0, IKEV1_P2_GROUP_DESC), 14);
	p_begin();
	p_prop(1, IKEV1_PROTO_ESP, 1);
	esp_trans(IKEV1_ESP_AES, 256, IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_ENCAP_TUNNEL, 2, 1800);
	esp_trans(IKEV1_ESP_AES, 256, IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_ENCAP_TUNNEL, 0, 1800);
	/* we want PFS with group 14: neither another group nor none will do */
	ck_assert_int_eq(
		choose(&tunnel, 14, IKEV1_CHECK_OBEY, &c, &life, &claim, &trans, why, sizeof(why)),
		-ENOENT);
	ck_assert_msg(strstr(why, "PFS") && strstr(why, "we want modp2048"), "%s", why);
	esp_trans(IKEV1_ESP_AES, 256, IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_ENCAP_TUNNEL, 14, 1800);
	ck_assert_int_eq(
		choose(&tunnel, 14, IKEV1_CHECK_OBEY, &c, &life, &claim, &trans, why, sizeof(why)),
		0);
	ck_assert_int_eq(trans, 2);
	ck_assert_int_eq(c.dh, 14);

	/* we want none: their group is taken (racoon, RouterOS), but not under exact */
	esp_ours("pfs-group=none");
	p_begin();
	p_prop(1, IKEV1_PROTO_ESP, 1);
	esp_trans(IKEV1_ESP_AES, 256, IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_ENCAP_TUNNEL, 14, 1800);
	ck_assert_int_eq(
		choose(&tunnel, 0, IKEV1_CHECK_OBEY, &c, &life, &claim, &trans, why, sizeof(why)),
		0);
	ck_assert_int_eq(c.dh, 14);
	ck_assert_int_eq(
		choose(&tunnel, 0, IKEV1_CHECK_EXACT, &c, &life, &claim, &trans, why, sizeof(why)),
		-ENOENT);
	ck_assert_msg(strstr(why, "modp2048"), "%s", why);
}
END_TEST

START_TEST(test_p2_bundle_and_proto)
{
	struct ike_chosen c;
	uint32_t life;
	bool claim;
	unsigned trans;
	char why[200];

	esp_ours("");
	/* AH+ESP under one number: a bundle we do not build */
	p_begin();
	p_prop(1, IKEV1_PROTO_AH, 1);
	p_trans(IKEV1_AH_SHA);
	p_tv(IKEV1_P2_AUTH_ALG, IKEV1_AUTH_ALG_HMAC_SHA1);
	p_prop(1, IKEV1_PROTO_ESP, 2);
	esp_trans(IKEV1_ESP_AES, 256, IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_ENCAP_TUNNEL, 0, 1800);
	ck_assert_int_eq(
		choose(&tunnel, 0, IKEV1_CHECK_OBEY, &c, &life, &claim, &trans, why, sizeof(why)),
		-ENOENT);
	/* the same ESP alone under another number */
	p_prop(2, IKEV1_PROTO_ESP, 3);
	esp_trans(IKEV1_ESP_AES, 256, IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_ENCAP_TUNNEL, 0, 1800);
	ck_assert_int_eq(
		choose(&tunnel, 0, IKEV1_CHECK_OBEY, &c, &life, &claim, &trans, why, sizeof(why)),
		0);
	ck_assert_uint_eq(c.spi, 3);
	ck_assert_int_eq(trans, 2);
}
END_TEST

START_TEST(test_p2_accept_refusals)
{
	struct ike_chosen c;
	uint32_t life;

	esp_ours("pfs-group=modp2048");
	/* not offered: aes-192 */
	p_begin();
	p_prop(1, IKEV1_PROTO_ESP, 9);
	esp_trans(IKEV1_ESP_AES, 192, IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_ENCAP_TUNNEL, 14, 1800);
	ck_assert_int_eq(ikev1_accept_p2(&ours.sa, wire(&peer), &c, &life), -EBADMSG);
	/* two transforms */
	p_begin();
	p_prop(1, IKEV1_PROTO_ESP, 9);
	esp_trans(IKEV1_ESP_AES, 256, IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_ENCAP_TUNNEL, 14, 1800);
	esp_trans(IKEV1_ESP_AES, 128, IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_ENCAP_TUNNEL, 14, 1800);
	ck_assert_int_eq(ikev1_accept_p2(&ours.sa, wire(&peer), &c, &life), -EBADMSG);
	/* the group dropped */
	p_begin();
	p_prop(1, IKEV1_PROTO_ESP, 9);
	esp_trans(IKEV1_ESP_AES, 256, IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_ENCAP_TUNNEL, 0, 1800);
	ck_assert_int_eq(ikev1_accept_p2(&ours.sa, wire(&peer), &c, &life), -EBADMSG);
	/* another mode */
	p_begin();
	p_prop(1, IKEV1_PROTO_ESP, 9);
	esp_trans(IKEV1_ESP_AES, 256, IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_ENCAP_TRANSPORT, 14, 1800);
	ck_assert_int_eq(ikev1_accept_p2(&ours.sa, wire(&peer), &c, &life), -EBADMSG);
	/* ours, with a shorter lifetime */
	p_begin();
	p_prop(1, IKEV1_PROTO_ESP, 9);
	esp_trans(IKEV1_ESP_AES, 128, IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_ENCAP_TUNNEL, 14, 600);
	ck_assert_int_eq(ikev1_accept_p2(&ours.sa, wire(&peer), &c, &life), 0);
	ck_assert_uint_eq(life, 600);
	ck_assert_uint_eq(c.spi, 9);
	ck_assert_int_eq(c.dh, 14);
	ck_assert_int_eq(c.encr_keylen, 128);
}
END_TEST

START_TEST(test_p2_reply_life)
{
	struct ike_chosen c;
	uint32_t life;
	bool claim;
	unsigned trans;
	char why[200];

	esp_ours("");
	p_begin();
	p_prop(1, IKEV1_PROTO_ESP, 1);
	esp_trans(IKEV1_ESP_AES, 256, IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_ENCAP_TUNNEL, 0, 3600);
	ck_assert_int_eq(
		choose(&tunnel, 0, IKEV1_CHECK_CLAIM, &c, &life, &claim, &trans, why, sizeof(why)),
		0);
	ck_assert(claim);
	ikev1_reply_p2(last, trans, 0x55667788, life, &reply);
	ck_assert_int_eq(reply.sa.p[0].spi[0], 0x55);
	ck_assert_int_eq(reply.sa.p[0].spi[3], 0x88);
	ck_assert_int_eq(attr(wire(&reply.sa), 0, IKEV1_P2_SA_LIFE_DURATION), 1800);

	/* a lifetime over 16 bits goes as a TLV into reply; one they left out is added */
	p_begin();
	p_prop(1, IKEV1_PROTO_ESP, 1);
	esp_trans(IKEV1_ESP_AES, 256, IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_ENCAP_TUNNEL, 0, 0);
	ikev1_reply_p2(wire(&peer), 0, 1, 100000, &reply);
	ck_assert_int_eq(reply.sa.nattr, 5);
	ck_assert_ptr_eq(reply.sa.a[4].value.ptr, reply.life[0]);
	ck_assert_int_eq(attr(wire(&reply.sa), 0, IKEV1_P2_SA_LIFE_TYPE), IKEV1_LIFE_SECONDS);
	ck_assert_int_eq(attr(last, 0, IKEV1_P2_SA_LIFE_DURATION), 100000);
}
END_TEST

/* Their lifetime taken as it is (proposal-check obey; the quick-mode responder passes 0):
 * the reply carries it unchanged, never a Life Duration of 0, which Libreswan 4.10 takes
 * at its word and replaces the SA at once, over and over (scenario 140). */
START_TEST(test_p2_reply_life_theirs)
{
	struct ike_chosen c;
	uint32_t life;
	bool claim;
	unsigned trans;
	char why[200];

	esp_ours("");
	p_begin();
	p_prop(1, IKEV1_PROTO_ESP, 1);
	esp_trans(IKEV1_ESP_AES, 256, IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_ENCAP_TUNNEL, 0, 28800);
	ck_assert_int_eq(
		choose(&tunnel, 0, IKEV1_CHECK_OBEY, &c, &life, &claim, &trans, why, sizeof(why)),
		0);
	ck_assert(!claim);
	ck_assert_uint_eq(life, 28800);
	ikev1_reply_p2(last, trans, 0x55667788, claim ? life : 0, &reply);
	ck_assert_int_eq(attr(wire(&reply.sa), 0, IKEV1_P2_SA_LIFE_TYPE), IKEV1_LIFE_SECONDS);
	ck_assert_int_eq(attr(last, 0, IKEV1_P2_SA_LIFE_DURATION), 28800);

	/* none given: none in the reply either (RFC 2407's default for both ends) */
	p_begin();
	p_prop(1, IKEV1_PROTO_ESP, 1);
	esp_trans(IKEV1_ESP_AES, 256, IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_ENCAP_TUNNEL, 0, 0);
	ikev1_reply_p2(wire(&peer), 0, 1, 0, &reply);
	ck_assert_int_eq(reply.sa.nattr, peer.nattr);
	ck_assert_int_eq(attr(wire(&reply.sa), 0, IKEV1_P2_SA_LIFE_DURATION), -1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ikev1_prop");
	TCase *p1 = tcase_create("phase1"), *p2 = tcase_create("quick");

	tcase_add_checked_fixture(p1, NULL, teardown);
	tcase_add_checked_fixture(p2, NULL, teardown);
	tcase_add_test(p1, test_p1_offer);
	tcase_add_test(p1, test_p1_str);
	tcase_add_test(p1, test_p1_offer_short_life_and_lifebytes);
	tcase_add_test(p1, test_p1_offer_refusals);
	tcase_add_test(p1, test_p1_round_trip);
	tcase_add_test(p1, test_p1_peer_order);
	tcase_add_test(p1, test_p1_unknown_and_life_forms);
	tcase_add_test(p1, test_p1_accept_refusals);
	tcase_add_test(p2, test_p2_offer);
	tcase_add_test(p2, test_p2_offer_ah_and_others);
	tcase_add_test(p2, test_life_check_of);
	tcase_add_test(p2, test_p2_round_trip);
	tcase_add_test(p2, test_p2_peer_order);
	tcase_add_test(p2, test_p2_proposal_check);
	tcase_add_test(p2, test_p2_windows_two_lifetimes);
	tcase_add_test(p2, test_p2_unknown_attr_skipped);
	tcase_add_test(p2, test_p2_gcm);
	tcase_add_test(p2, test_p2_mode);
	tcase_add_test(p2, test_p2_pfs);
	tcase_add_test(p2, test_p2_bundle_and_proto);
	tcase_add_test(p2, test_p2_accept_refusals);
	tcase_add_test(p2, test_p2_reply_life);
	tcase_add_test(p2, test_p2_reply_life_theirs);
	suite_add_tcase(s, p1);
	suite_add_tcase(s, p2);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
