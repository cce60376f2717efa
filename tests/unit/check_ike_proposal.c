/* check_ike_proposal: src/ike/proposal.c and algs.c. Offers built from profile and
 * proposal items, transform by transform; the responder's choice by our preference (RFC
 * 7296 2.7) with the peer's KE group preferred, optional types (INTEG with AES-GCM, DH,
 * ESN), unknown attributes and types (3.3.6); the initiator's check of the reply; the
 * reply built from a choice; the log text; and the name and kernel tables. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proposal.h"

static struct conf *conf;

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

/* A proposal's transforms as "E12/256 P5 I12 D14 N0" (Encr, Prf, Integ, Dh, esN). */
static const char *trans(const struct ikev2_proposal *p)
{
	static char buf[512];
	size_t at = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < p->ntrans; i++) {
		const struct ikev2_transform *t = &p->t[i];

		at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s%c%u", i ? " " : "",
				       " EPIDN"[t->type], t -> id);
		if (t->keylen)
			at += (size_t)snprintf(buf + at, sizeof(buf) - at, "/%u", t->keylen);
	}
	return buf;
}

/* Builds a proposal from the same notation. */
static void mkprop(struct ikev2_proposal *p, uint8_t num, uint8_t proto, const char *spec)
{
	memset(p, 0, sizeof(*p));
	p->num = num;
	p->proto = proto;
	while (*spec) {
		struct ikev2_transform *t = &p->t[p->ntrans++];
		char *end;

		t->type = (uint8_t)(strchr(" EPIDN", *spec) - " EPIDN");
		t->id = (uint16_t)strtoul(spec + 1, &end, 10);
		if (*end == '/')
			t->keylen = (uint16_t)strtoul(end + 1, &end, 10);
		if (*end == '?') { /* an attribute we do not understand */
			t->unknown_attr = true;
			end++;
		}
		spec = end + (*end == ' ');
	}
}

/* An SA payload of up to three proposals (NULL ends); ESP proposals get SPI 0x1000+num. */
static void mksa(struct ikev2_sa *sa, uint8_t proto, const char *a, const char *b, const char *c)
{
	const char *spec[] = {a, b, c};

	memset(sa, 0, sizeof(*sa));
	for (int i = 0; i < 3 && spec[i]; i++) {
		mkprop(&sa->p[sa->n], (uint8_t)(i + 1), proto, spec[i]);
		if (proto != IKEV2_PROTO_IKE) {
			sa->p[sa->n].spi_size = 4;
			sa->p[sa->n].spi = 0x1000u + (unsigned)i + 1;
		}
		sa->n++;
	}
}

static bool refuse_modp1024(uint8_t type, uint16_t id, uint16_t keylen)
{
	(void)keylen;
	return !(type == IKEV2_TRANS_DH && id == 2);
}

static bool refuse_blowfish(uint8_t type, uint16_t id, uint16_t keylen)
{
	(void)keylen;
	return !(type == IKEV2_TRANS_ENCR && id == IKE_ENCR_BLOWFISH);
}

static unsigned ncalls;

static bool count_calls(uint8_t type, uint16_t id, uint16_t keylen)
{
	(void)type;
	(void)id;
	(void)keylen;
	ncalls++;
	return true;
}

static void teardown(void)
{
	conf_free(conf);
	conf = NULL;
}

/* --- IKE SA offers --- */

START_TEST(offer_ike_basic)
{
	const struct conf_item *it = profile("enc-algorithm=aes-256,aes-128 hash-algorithm=sha256 "
					     "dh-group=modp2048,ecp256");
	struct ikev2_sa sa;
	char err[160] = "";

	ck_assert_int_eq(ike_offer_ike(it, NULL, &sa, err, sizeof(err)), 0);
	ck_assert_uint_eq(sa.n, 1);
	ck_assert_uint_eq(sa.p[0].num, 1);
	ck_assert_uint_eq(sa.p[0].proto, IKEV2_PROTO_IKE);
	ck_assert_uint_eq(sa.p[0].spi_size, 0);
	ck_assert(sa.p[0].spi == 0);
	ck_assert_str_eq(trans(&sa.p[0]), "E12/256 E12/128 P5 I12 D14 D19");
	ck_assert_uint_eq(ike_offer_dh(&sa), 14);
}
END_TEST

START_TEST(offer_ike_gcm)
{
	const struct conf_item *it = profile("enc-algorithm=aes-256-gcm,aes-128,aes-128-gcm,3des "
					     "hash-algorithm=sha384 dh-group=curve25519,modp2048");
	struct ikev2_sa sa;
	char err[160] = "";

	ck_assert_int_eq(ike_offer_ike(it, NULL, &sa, err, sizeof(err)), 0);
	ck_assert_uint_eq(sa.n, 2);
	ck_assert_uint_eq(sa.p[0].num, 1);
	ck_assert_str_eq(trans(&sa.p[0]), "E12/128 E3 P6 I13 D31 D14");
	/* RFC 5282 8: no integrity transform with AES-GCM */
	ck_assert_uint_eq(sa.p[1].num, 2);
	ck_assert_uint_eq(sa.p[1].proto, IKEV2_PROTO_IKE);
	ck_assert_str_eq(trans(&sa.p[1]), "E20/256 E20/128 P6 D31 D14");
}
END_TEST

START_TEST(offer_ike_gcm_only)
{
	const struct conf_item *it =
		profile("enc-algorithm=aes-192-gcm hash-algorithm=sha512 dh-group=ecp384");
	struct ikev2_sa sa;
	char err[160] = "";

	ck_assert_int_eq(ike_offer_ike(it, NULL, &sa, err, sizeof(err)), 0);
	ck_assert_uint_eq(sa.n, 1);
	ck_assert_uint_eq(sa.p[0].num, 1);
	ck_assert_str_eq(trans(&sa.p[0]), "E20/192 P7 D20");
}
END_TEST

START_TEST(offer_ike_default_and_others)
{
	struct ikev2_sa sa;
	char err[160] = "";

	load("");
	ck_assert_int_eq(ike_offer_ike(conf_find(conf, CONF_M_PROFILE, "default"), NULL, &sa, err,
				       sizeof(err)),
			 0);
	ck_assert_str_eq(trans(&sa.p[0]), "E12/128 P2 I2 D2 D14");
	ck_assert_int_eq(ike_offer_ike(profile("enc-algorithm=blowfish,camellia-256,des "
					       "hash-algorithm=md5 dh-group=ecp521,modp8192"),
				       NULL, &sa, err, sizeof(err)),
			 0);
	ck_assert_str_eq(trans(&sa.p[0]), "E7/128 E23/256 E2 P1 I1 D21 D18");
}
END_TEST

START_TEST(offer_ike_unsupported)
{
	struct ikev2_sa sa;
	char err[160] = "";

	ck_assert_int_eq(ike_offer_ike(profile("dh-group=modp2048,modp1024"), refuse_modp1024, &sa,
				       err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "profile p: dh-group modp1024 is not supported here");
	ck_assert_int_eq(ike_offer_ike(profile("enc-algorithm=aes-128,blowfish"), refuse_blowfish,
				       &sa, err, sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "blowfish"));
	ncalls = 0;
	ck_assert_int_eq(ike_offer_ike(profile("enc-algorithm=aes-128,aes-256-gcm "
					       "hash-algorithm=sha256 dh-group=modp2048"),
				       count_calls, &sa, err, sizeof(err)),
			 0);
	/* aes-128 P I D, then aes-256-gcm P D */
	ck_assert_uint_eq(ncalls, 7);
}
END_TEST

/* --- CHILD SA offers --- */

START_TEST(offer_esp)
{
	const struct conf_item *it =
		proposal("enc-algorithms=aes-256-cbc,aes-128-gcm,aes-128-ctr,aes-256-gcm "
			 "auth-algorithms=sha256,sha1 pfs-group=ecp256");
	struct ikev2_sa sa;
	char err[160] = "";

	ck_assert_int_eq(ike_offer_child(it, IKEV2_PROTO_ESP, false, NULL, &sa, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(sa.n, 2);
	ck_assert_uint_eq(sa.p[0].proto, IKEV2_PROTO_ESP);
	ck_assert_uint_eq(sa.p[0].num, 1);
	ck_assert_str_eq(trans(&sa.p[0]), "E12/256 E13/128 I12 I2 N0");
	ck_assert_uint_eq(sa.p[1].num, 2);
	ck_assert_str_eq(trans(&sa.p[1]), "E20/128 E20/256 N0");
	ck_assert_uint_eq(ike_offer_dh(&sa), 0);

	ck_assert_int_eq(ike_offer_child(it, IKEV2_PROTO_ESP, true, NULL, &sa, err, sizeof(err)),
			 0);
	ck_assert_str_eq(trans(&sa.p[0]), "E12/256 E13/128 I12 I2 D19 N0");
	ck_assert_str_eq(trans(&sa.p[1]), "E20/128 E20/256 D19 N0");
	ck_assert_uint_eq(ike_offer_dh(&sa), 19);
	ike_offer_set_dh(&sa, 14);
	ck_assert_str_eq(trans(&sa.p[0]), "E12/256 E13/128 I12 I2 D14 N0");
	ck_assert_str_eq(trans(&sa.p[1]), "E20/128 E20/256 D14 N0");
}
END_TEST

START_TEST(offer_esp_defaults_and_aliases)
{
	struct ikev2_sa sa;
	char err[160] = "";

	load("");
	ck_assert_int_eq(ike_offer_child(conf_find(conf, CONF_M_PROPOSAL, "default"),
					 IKEV2_PROTO_ESP, true, NULL, &sa, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(sa.n, 1);
	ck_assert_str_eq(trans(&sa.p[0]), "E12/256 E12/192 E12/128 I2 D2 N0");
	/* the v6 spelling aes-128 is AES-CBC; blowfish and camellia carry their key length */
	ck_assert_int_eq(ike_offer_child(proposal("enc-algorithms=aes-128,blowfish,camellia-192,"
						  "3des,des auth-algorithms=md5,sha512"),
					 IKEV2_PROTO_ESP, false, NULL, &sa, err, sizeof(err)),
			 0);
	ck_assert_str_eq(trans(&sa.p[0]), "E12/128 E7/128 E23/192 E3 E2 I1 I14 N0");
}
END_TEST

START_TEST(offer_esp_null_auth)
{
	struct ikev2_sa sa;
	char err[160] = "";

	/* GCM with auth null: one proposal, no INTEG */
	ck_assert_int_eq(
		ike_offer_child(proposal("enc-algorithms=aes-256-gcm auth-algorithms=null"),
				IKEV2_PROTO_ESP, false, NULL, &sa, err, sizeof(err)),
		0);
	ck_assert_uint_eq(sa.n, 1);
	ck_assert_str_eq(trans(&sa.p[0]), "E20/256 N0");
	/* null next to a real one: the real one only */
	ck_assert_int_eq(ike_offer_child(proposal("enc-algorithms=aes-128-cbc "
						  "auth-algorithms=null,sha1"),
					 IKEV2_PROTO_ESP, false, NULL, &sa, err, sizeof(err)),
			 0);
	ck_assert_str_eq(trans(&sa.p[0]), "E12/128 I2 N0");
	/* ESP null encryption with sha1 is ESP-NULL, fine; with null integrity nothing */
	ck_assert_int_eq(ike_offer_child(proposal("enc-algorithms=null auth-algorithms=sha1"),
					 IKEV2_PROTO_ESP, false, NULL, &sa, err, sizeof(err)),
			 0);
	ck_assert_str_eq(trans(&sa.p[0]), "E11 I2 N0");
	ck_assert_int_eq(ike_offer_child(proposal("enc-algorithms=null auth-algorithms=null"),
					 IKEV2_PROTO_ESP, false, NULL, &sa, err, sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "proposal pr"));
}
END_TEST

START_TEST(offer_ah)
{
	const struct conf_item *it =
		proposal("enc-algorithms=aes-256-gcm auth-algorithms=sha512,md5 "
			 "pfs-group=modp3072");
	struct ikev2_sa sa;
	char err[160] = "";

	ck_assert_int_eq(ike_offer_child(it, IKEV2_PROTO_AH, false, NULL, &sa, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(sa.n, 1);
	ck_assert_uint_eq(sa.p[0].proto, IKEV2_PROTO_AH);
	ck_assert_str_eq(trans(&sa.p[0]), "I14 I1 N0");
	ck_assert_int_eq(ike_offer_child(it, IKEV2_PROTO_AH, true, NULL, &sa, err, sizeof(err)), 0);
	ck_assert_str_eq(trans(&sa.p[0]), "I14 I1 D15 N0");
	ck_assert_int_eq(ike_offer_child(it, IKEV2_PROTO_IKE, false, NULL, &sa, err, sizeof(err)),
			 -EINVAL);
	/* it is gone from here on */
	ck_assert_int_eq(ike_offer_child(proposal("auth-algorithms=null"), IKEV2_PROTO_AH, false,
					 NULL, &sa, err, sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "AH"));
}
END_TEST

START_TEST(offer_child_errors)
{
	struct ikev2_sa sa;
	char err[160] = "";

	ck_assert_int_eq(ike_offer_child(proposal("enc-algorithms=aes-128-cbc,twofish"),
					 IKEV2_PROTO_ESP, false, NULL, &sa, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "proposal pr: enc-algorithms twofish has no IKEv2 transform");
	ck_assert_int_eq(ike_offer_child(proposal("pfs-group=none"), IKEV2_PROTO_ESP, true, NULL,
					 &sa, err, sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "pfs-group"));
	/* without PFS, pfs-group=none is no matter */
	ck_assert_int_eq(ike_offer_child(proposal("pfs-group=none"), IKEV2_PROTO_ESP, false, NULL,
					 &sa, err, sizeof(err)),
			 0);
	ck_assert_int_eq(ike_offer_child(proposal("pfs-group=modp1024"), IKEV2_PROTO_ESP, true,
					 refuse_modp1024, &sa, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "proposal pr: pfs-group modp1024 is not supported here");
	/* a short err buffer is cut, not overrun */
	ck_assert_int_eq(ike_offer_child(proposal("enc-algorithms=twofish"), IKEV2_PROTO_ESP, false,
					 NULL, &sa, err, 8),
			 -EINVAL);
	ck_assert_str_eq(err, "proposa");
}
END_TEST

/* --- the responder's choice --- */

START_TEST(choose_our_preference)
{
	struct ikev2_sa ours, theirs;
	struct ike_chosen c;

	mksa(&ours, IKEV2_PROTO_IKE, "E12/256 E12/128 P5 I12 D14", NULL, NULL);
	mksa(&theirs, IKEV2_PROTO_IKE, "E12/128 E12/256 P2 P5 I2 I12 D14", NULL, NULL);
	ck_assert_int_eq(ike_choose(&ours, &theirs, 14, &c), 0);
	ck_assert_uint_eq(c.proto, IKEV2_PROTO_IKE);
	ck_assert_uint_eq(c.num, 1);
	ck_assert_uint_eq(c.encr, 12);
	ck_assert_uint_eq(c.encr_keylen, 256);
	ck_assert_uint_eq(c.prf, 5);
	ck_assert_uint_eq(c.integ, 12);
	ck_assert_uint_eq(c.dh, 14);
	ck_assert_uint_eq(c.esn, 0);
	/* the other way round: still ours that counts */
	mksa(&ours, IKEV2_PROTO_IKE, "E12/128 E12/256 P2 P5 I2 I12 D14", NULL, NULL);
	mksa(&theirs, IKEV2_PROTO_IKE, "E12/256 E12/128 P5 P2 I12 I2 D14", NULL, NULL);
	ck_assert_int_eq(ike_choose(&ours, &theirs, 14, &c), 0);
	ck_assert_uint_eq(c.encr_keylen, 128);
	ck_assert_uint_eq(c.prf, 2);
	ck_assert_uint_eq(c.integ, 2);
}
END_TEST

START_TEST(choose_proposal_order)
{
	struct ikev2_sa ours, theirs;
	struct ike_chosen c;

	/* our CBC proposal first, theirs GCM first: ours wins, their number is kept */
	mksa(&ours, IKEV2_PROTO_ESP, "E12/256 I12 N0", "E20/256 N0", NULL);
	mksa(&theirs, IKEV2_PROTO_ESP, "E20/256 N0", "E12/256 I12 N0", NULL);
	ck_assert_int_eq(ike_choose(&ours, &theirs, 0, &c), 0);
	ck_assert_uint_eq(c.num, 2);
	ck_assert_uint_eq(c.encr, 12);
	ck_assert_uint_eq(c.spi_size, 4);
	ck_assert(c.spi == 0x1002);
	mksa(&ours, IKEV2_PROTO_ESP, "E20/256 N0", "E12/256 I12 N0", NULL);
	ck_assert_int_eq(ike_choose(&ours, &theirs, 0, &c), 0);
	ck_assert_uint_eq(c.num, 1);
	ck_assert_uint_eq(c.encr, 20);
	ck_assert_uint_eq(c.integ, 0);
	ck_assert(c.spi == 0x1001);
}
END_TEST

START_TEST(choose_prefer_dh)
{
	struct ikev2_sa ours, theirs;
	struct ike_chosen c;

	mksa(&ours, IKEV2_PROTO_IKE, "E12/128 P5 I12 D14 D19", NULL, NULL);
	mksa(&theirs, IKEV2_PROTO_IKE, "E12/128 P5 I12 D19 D14", NULL, NULL);
	ck_assert_int_eq(ike_choose(&ours, &theirs, 19, &c), 0);
	ck_assert_uint_eq(c.dh, 19); /* their KE is usable: no INVALID_KE round */
	ck_assert_int_eq(ike_choose(&ours, &theirs, 0, &c), 0);
	ck_assert_uint_eq(c.dh, 14);
	ck_assert_int_eq(ike_choose(&ours, &theirs, 31, &c), 0);
	ck_assert_uint_eq(c.dh, 14); /* not in common: ours first, INVALID_KE follows */
	/* across proposals: a later one of ours with their KE group beats an earlier one */
	mksa(&ours, IKEV2_PROTO_IKE, "E12/128 P5 I12 D2", "E20/128 P5 D19", NULL);
	mksa(&theirs, IKEV2_PROTO_IKE, "E12/128 P5 I12 D2", "E20/128 P5 D19", NULL);
	ck_assert_int_eq(ike_choose(&ours, &theirs, 19, &c), 0);
	ck_assert_uint_eq(c.num, 2);
	ck_assert_uint_eq(c.encr, 20);
	ck_assert_uint_eq(c.dh, 19);
	ck_assert_int_eq(ike_choose(&ours, &theirs, 2, &c), 0);
	ck_assert_uint_eq(c.num, 1);
	ck_assert_int_eq(ike_choose(&ours, &theirs, 0, &c), 0);
	ck_assert_uint_eq(c.num, 1);
}
END_TEST

START_TEST(choose_ah_esp)
{
	struct ikev2_sa ours, theirs;
	struct ike_chosen c;

	mksa(&ours, IKEV2_PROTO_ESP, "E12/128 I2 N0", NULL, NULL);
	mksa(&theirs, IKEV2_PROTO_AH, "I2 N0", NULL, NULL);
	ck_assert_int_eq(ike_choose(&ours, &theirs, 0, &c), -ENOENT);
	/* their AH proposal 1 and ESP proposal 2: the ESP one */
	mksa(&theirs, IKEV2_PROTO_AH, "I2 N0", "E12/128 I2 N0", NULL);
	theirs.p[1].proto = IKEV2_PROTO_ESP;
	ck_assert_int_eq(ike_choose(&ours, &theirs, 0, &c), 0);
	ck_assert_uint_eq(c.proto, IKEV2_PROTO_ESP);
	ck_assert_uint_eq(c.num, 2);
	/* AH with AH: INTEG and ESN, nothing else */
	mksa(&ours, IKEV2_PROTO_AH, "I12 I2 N0", NULL, NULL);
	ck_assert_int_eq(ike_choose(&ours, &theirs, 0, &c), 0);
	ck_assert_uint_eq(c.proto, IKEV2_PROTO_AH);
	ck_assert_uint_eq(c.num, 1);
	ck_assert_uint_eq(c.encr, 0);
	ck_assert_uint_eq(c.integ, 2);
}
END_TEST

START_TEST(choose_gcm_integ)
{
	struct ikev2_sa ours, theirs;
	struct ike_chosen c;

	mksa(&ours, IKEV2_PROTO_ESP, "E20/128 N0", NULL, NULL);
	/* INTEG NONE said out loud (RFC 7296 3.3.3) is the same as none */
	mksa(&theirs, IKEV2_PROTO_ESP, "E20/128 I0 N0", NULL, NULL);
	ck_assert_int_eq(ike_choose(&ours, &theirs, 0, &c), 0);
	ck_assert_uint_eq(c.integ, 0);
	/* GCM with a real INTEG: not what we offered */
	mksa(&theirs, IKEV2_PROTO_ESP, "E20/128 I2 N0", NULL, NULL);
	ck_assert_int_eq(ike_choose(&ours, &theirs, 0, &c), -ENOENT);
	/* we want integrity, they offer none */
	mksa(&ours, IKEV2_PROTO_ESP, "E12/128 I2 N0", NULL, NULL);
	mksa(&theirs, IKEV2_PROTO_ESP, "E12/128 N0", NULL, NULL);
	ck_assert_int_eq(ike_choose(&ours, &theirs, 0, &c), -ENOENT);
}
END_TEST

START_TEST(choose_no_match)
{
	struct ikev2_sa ours, theirs;
	struct ike_chosen c;

	mksa(&ours, IKEV2_PROTO_IKE, "E12/256 P5 I12 D14", NULL, NULL);
	mksa(&theirs, IKEV2_PROTO_IKE, "E3 P1 I1 D2", NULL, NULL);
	ck_assert_int_eq(ike_choose(&ours, &theirs, 2, &c), -ENOENT);
	/* same cipher, other key length */
	mksa(&theirs, IKEV2_PROTO_IKE, "E12/128 P5 I12 D14", NULL, NULL);
	ck_assert_int_eq(ike_choose(&ours, &theirs, 14, &c), -ENOENT);
	/* a mandatory type missing */
	mksa(&theirs, IKEV2_PROTO_IKE, "E12/256 I12 D14", NULL, NULL);
	ck_assert_int_eq(ike_choose(&ours, &theirs, 14, &c), -ENOENT);
	theirs.n = 0;
	ck_assert_int_eq(ike_choose(&ours, &theirs, 0, &c), -ENOENT);
}
END_TEST

START_TEST(choose_unknown)
{
	struct ikev2_sa ours, theirs;
	struct ike_chosen c;

	/* RFC 7296 3.3.6: a transform with an attribute we do not know is not on offer */
	mksa(&ours, IKEV2_PROTO_IKE, "E12/256 E12/128 P5 I12 D14", NULL, NULL);
	mksa(&theirs, IKEV2_PROTO_IKE, "E12/256? E12/128 P5 I12 D14", NULL, NULL);
	ck_assert_int_eq(ike_choose(&ours, &theirs, 14, &c), 0);
	ck_assert_uint_eq(c.encr_keylen, 128);
	mksa(&theirs, IKEV2_PROTO_IKE, "E12/256? P5 I12 D14", NULL, NULL);
	ck_assert_int_eq(ike_choose(&ours, &theirs, 14, &c), -ENOENT);
	/* ... and a proposal with a transform type we do not know is unacceptable */
	mksa(&theirs, IKEV2_PROTO_IKE, "E12/256 P5 I12 D14", "E12/128 P5 I12 D14", NULL);
	theirs.p[0].t[theirs.p[0].ntrans++] = (struct ikev2_transform){.type = 6, .id = 1};
	ck_assert_int_eq(ike_choose(&ours, &theirs, 14, &c), 0);
	ck_assert_uint_eq(c.num, 2);
	ck_assert_uint_eq(c.encr_keylen, 128);
	/* unknown ids of a known type are simply not chosen */
	mksa(&theirs, IKEV2_PROTO_IKE, "E1024/256 E12/256 P5 P999 I12 D14 D4000", NULL, NULL);
	ck_assert_int_eq(ike_choose(&ours, &theirs, 4000, &c), 0);
	ck_assert_uint_eq(c.dh, 14);
}
END_TEST

START_TEST(choose_esn_dh_optional)
{
	struct ikev2_sa ours, theirs;
	struct ike_chosen c;

	mksa(&ours, IKEV2_PROTO_ESP, "E12/128 I2 N0", NULL, NULL);
	mksa(&theirs, IKEV2_PROTO_ESP, "E12/128 I2 N1", NULL, NULL);
	ck_assert_int_eq(ike_choose(&ours, &theirs, 0, &c), -ENOENT); /* ESN only */
	mksa(&theirs, IKEV2_PROTO_ESP, "E12/128 I2 N1 N0", NULL, NULL);
	ck_assert_int_eq(ike_choose(&ours, &theirs, 0, &c), 0);
	ck_assert_uint_eq(c.esn, 0);
	mksa(&theirs, IKEV2_PROTO_ESP, "E12/128 I2", NULL, NULL); /* tolerated: no ESN */
	ck_assert_int_eq(ike_choose(&ours, &theirs, 0, &c), 0);
	/* PFS optional on their side (DH NONE and a group), none on ours */
	mksa(&theirs, IKEV2_PROTO_ESP, "E12/128 I2 D14 D0 N0", NULL, NULL);
	ck_assert_int_eq(ike_choose(&ours, &theirs, 0, &c), 0);
	ck_assert_uint_eq(c.dh, 0);
	/* PFS required by them, not by us; and the other way round */
	mksa(&theirs, IKEV2_PROTO_ESP, "E12/128 I2 D14 N0", NULL, NULL);
	ck_assert_int_eq(ike_choose(&ours, &theirs, 14, &c), -ENOENT);
	mksa(&ours, IKEV2_PROTO_ESP, "E12/128 I2 D14 N0", NULL, NULL);
	mksa(&theirs, IKEV2_PROTO_ESP, "E12/128 I2 N0", NULL, NULL);
	ck_assert_int_eq(ike_choose(&ours, &theirs, 0, &c), -ENOENT);
	mksa(&theirs, IKEV2_PROTO_ESP, "E12/128 I2 D0 D14 N0", NULL, NULL);
	ck_assert_int_eq(ike_choose(&ours, &theirs, 14, &c), 0);
	ck_assert_uint_eq(c.dh, 14);
}
END_TEST

/* --- the initiator's check --- */

START_TEST(accept_good)
{
	struct ikev2_sa ours, reply;
	struct ike_chosen c;

	mksa(&ours, IKEV2_PROTO_IKE, "E12/256 E12/128 P5 I12 D14 D19", "E20/256 P5 D14 D19", NULL);
	mksa(&reply, IKEV2_PROTO_IKE, "D19 P5 E20/256", NULL, NULL);
	reply.p[0].num = 2;
	ck_assert_int_eq(ike_accept(&ours, &reply, &c), 0);
	ck_assert_uint_eq(c.num, 2);
	ck_assert_uint_eq(c.encr, 20);
	ck_assert_uint_eq(c.encr_keylen, 256);
	ck_assert_uint_eq(c.prf, 5);
	ck_assert_uint_eq(c.integ, 0);
	ck_assert_uint_eq(c.dh, 19);
	/* the number of another proposal: tolerated, the one that holds them all is found */
	reply.p[0].num = 1;
	ck_assert_int_eq(ike_accept(&ours, &reply, &c), 0);
	ck_assert_uint_eq(c.encr, 20);
	reply.p[0].num = 9;
	ck_assert_int_eq(ike_accept(&ours, &reply, &c), 0);
	/* ESP without its ESN transform: tolerated as NO_ESN */
	mksa(&ours, IKEV2_PROTO_ESP, "E12/128 I2 N0", NULL, NULL);
	mksa(&reply, IKEV2_PROTO_ESP, "E12/128 I2", NULL, NULL);
	ck_assert_int_eq(ike_accept(&ours, &reply, &c), 0);
	ck_assert_uint_eq(c.esn, 0);
	ck_assert(c.spi == 0x1001);
	ck_assert_uint_eq(c.spi_size, 4);
}
END_TEST

START_TEST(accept_bad)
{
	struct ikev2_sa ours, reply;
	struct ike_chosen c;

	mksa(&ours, IKEV2_PROTO_IKE, "E12/256 E12/128 P5 I12 D14 D19", "E20/256 P5 D14", NULL);
	/* two transforms of one type */
	mksa(&reply, IKEV2_PROTO_IKE, "E12/256 E12/128 P5 I12 D14", NULL, NULL);
	ck_assert_int_eq(ike_accept(&ours, &reply, &c), -EBADMSG);
	mksa(&reply, IKEV2_PROTO_IKE, "E12/256 P5 I12 D14 D19", NULL, NULL);
	ck_assert_int_eq(ike_accept(&ours, &reply, &c), -EBADMSG);
	/* a transform we never offered */
	mksa(&reply, IKEV2_PROTO_IKE, "E3 P5 I12 D14", NULL, NULL);
	ck_assert_int_eq(ike_accept(&ours, &reply, &c), -EBADMSG);
	mksa(&reply, IKEV2_PROTO_IKE, "E12/192 P5 I12 D14", NULL, NULL);
	ck_assert_int_eq(ike_accept(&ours, &reply, &c), -EBADMSG);
	/* transforms offered, but never together: GCM with INTEG, or GCM with group 19 */
	mksa(&reply, IKEV2_PROTO_IKE, "E20/256 P5 I12 D14", NULL, NULL);
	ck_assert_int_eq(ike_accept(&ours, &reply, &c), -EBADMSG);
	mksa(&reply, IKEV2_PROTO_IKE, "E20/256 P5 D19", NULL, NULL);
	ck_assert_int_eq(ike_accept(&ours, &reply, &c), -EBADMSG);
	/* a type left out that we offered */
	mksa(&reply, IKEV2_PROTO_IKE, "E12/256 P5 I12", NULL, NULL);
	ck_assert_int_eq(ike_accept(&ours, &reply, &c), -EBADMSG);
	/* an unknown attribute, an unknown type, another protocol */
	mksa(&reply, IKEV2_PROTO_IKE, "E12/256? P5 I12 D14", NULL, NULL);
	ck_assert_int_eq(ike_accept(&ours, &reply, &c), -EBADMSG);
	mksa(&reply, IKEV2_PROTO_IKE, "E12/256 P5 I12 D14", NULL, NULL);
	reply.p[0].t[reply.p[0].ntrans++] = (struct ikev2_transform){.type = 7, .id = 1};
	ck_assert_int_eq(ike_accept(&ours, &reply, &c), -EBADMSG);
	mksa(&reply, IKEV2_PROTO_ESP, "E12/256 P5 I12 D14", NULL, NULL);
	ck_assert_int_eq(ike_accept(&ours, &reply, &c), -EBADMSG);
	/* not exactly one proposal */
	mksa(&reply, IKEV2_PROTO_IKE, "E12/256 P5 I12 D14", "E12/256 P5 I12 D14", NULL);
	ck_assert_int_eq(ike_accept(&ours, &reply, &c), -EBADMSG);
	reply.n = 0;
	ck_assert_int_eq(ike_accept(&ours, &reply, &c), -EBADMSG);
	/* the good one, for contrast */
	mksa(&reply, IKEV2_PROTO_IKE, "E12/256 P5 I12 D14", NULL, NULL);
	ck_assert_int_eq(ike_accept(&ours, &reply, &c), 0);
}
END_TEST

START_TEST(chosen_round_trip)
{
	static const struct {
		uint8_t proto;
		const char *ours, *theirs, *reply;
		uint16_t ke;
	} cases[] = {
		{IKEV2_PROTO_IKE, "E12/256 P5 I12 D14 D19", "E12/256 P5 I12 D19",
		 "E12/256 P5 I12 D19", 19},
		{IKEV2_PROTO_IKE, "E20/128 P6 D31", "E20/128 P6 D31", "E20/128 P6 D31", 31},
		{IKEV2_PROTO_ESP, "E13/192 I14 N0", "E13/192 I14 N0", "E13/192 I14 N0", 0},
		{IKEV2_PROTO_ESP, "E20/256 D19 N0", "E20/256 D19 N0", "E20/256 D19 N0", 19},
		{IKEV2_PROTO_AH, "I12 N0", "I2 I12 N0", "I12 N0", 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ikev2_sa ours, theirs, sa;
		struct ike_chosen c, back;

		mksa(&ours, cases[i].proto, cases[i].ours, NULL, NULL);
		mksa(&theirs, cases[i].proto, cases[i].theirs, NULL, NULL);
		theirs.p[0].num = 3;
		ck_assert_int_eq(ike_choose(&ours, &theirs, cases[i].ke, &c), 0);
		ike_chosen_to_sa(&c, cases[i].proto == IKEV2_PROTO_IKE ? 0 : 4, 0xabcd, &sa);
		ck_assert_uint_eq(sa.n, 1);
		ck_assert_uint_eq(sa.p[0].num, 3);
		ck_assert_uint_eq(sa.p[0].proto, cases[i].proto);
		ck_assert(sa.p[0].spi == 0xabcd);
		ck_assert_str_eq(trans(&sa.p[0]), cases[i].reply);
		/* the initiator reads the same choice back from it */
		ck_assert_int_eq(ike_accept(&theirs, &sa, &back), 0);
		ck_assert_uint_eq(back.encr, c.encr);
		ck_assert_uint_eq(back.encr_keylen, c.encr_keylen);
		ck_assert_uint_eq(back.prf, c.prf);
		ck_assert_uint_eq(back.integ, c.integ);
		ck_assert_uint_eq(back.dh, c.dh);
		ck_assert_uint_eq(back.esn, c.esn);
		ck_assert_uint_eq(back.num, 3);
		ck_assert(back.spi == 0xabcd);
	}
}
END_TEST

/* --- text --- */

START_TEST(offer_text)
{
	struct ikev2_sa sa;
	char buf[256], err[160];

	ck_assert_int_eq(ike_offer_ike(profile("enc-algorithm=aes-256,aes-128,aes-256-gcm "
					       "hash-algorithm=sha256 dh-group=modp2048,ecp256"),
				       NULL, &sa, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(ike_offer_str(&sa, buf, sizeof(buf)), strlen(buf));
	ck_assert_str_eq(buf, "aes-256-cbc|aes-128-cbc/sha256/modp2048|ecp256, "
			      "aes-256-gcm/sha256/modp2048|ecp256");
	mksa(&sa, IKEV2_PROTO_IKE, "E3 P2 I1 D2", "E12/128 P5 I2 D14", NULL);
	ike_offer_str(&sa, buf, sizeof(buf));
	ck_assert_str_eq(buf, "3des/md5/prf-sha1/modp1024, aes-128-cbc/sha1/prf-sha256/modp2048");
	mksa(&sa, IKEV2_PROTO_ESP, "E20/128 D19 N1 N0", "E12/256 I12 N0", NULL);
	ike_offer_str(&sa, buf, sizeof(buf));
	ck_assert_str_eq(buf, "aes-128-gcm/ecp256/esn|no-esn, aes-256-cbc/sha256");
	mksa(&sa, IKEV2_PROTO_AH, "I12 I2 N0", NULL, NULL);
	ike_offer_str(&sa, buf, sizeof(buf));
	ck_assert_str_eq(buf, "ah:sha256|sha1");
	/* what is not ours by its numbers */
	mksa(&sa, IKEV2_PROTO_IKE, "E99/128 P5 I300 D1000", NULL, NULL);
	ike_offer_str(&sa, buf, sizeof(buf));
	ck_assert_str_eq(buf, "encr-99-128/integ-300/prf-sha256/dh-1000");
	sa.n = 0;
	ck_assert_uint_eq(ike_offer_str(&sa, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(offer_text_truncates)
{
	struct ikev2_sa sa;
	char buf[16];

	mksa(&sa, IKEV2_PROTO_IKE, "E12/256 P5 I12 D14", NULL, NULL);
	memset(buf, 'x', sizeof(buf));
	ck_assert_uint_eq(ike_offer_str(&sa, buf, 10), strlen("aes-256-cbc/sha256/modp2048"));
	ck_assert_str_eq(buf, "aes-256-c");
	ck_assert_int_eq(buf[10], 'x');
	ck_assert_uint_eq(ike_offer_str(&sa, buf, 1), 27);
	ck_assert_str_eq(buf, "");
	buf[0] = 'x';
	ck_assert_uint_eq(ike_offer_str(&sa, buf, 0), 27);
	ck_assert_int_eq(buf[0], 'x');
}
END_TEST

START_TEST(chosen_text)
{
	struct ike_chosen c = {.proto = IKEV2_PROTO_IKE,
			       .encr = 12,
			       .encr_keylen = 256,
			       .prf = 5,
			       .integ = 12,
			       .dh = 14};
	char buf[128];

	ike_chosen_str(&c, buf, sizeof(buf));
	ck_assert_str_eq(buf, "aes-256-cbc/sha256/modp2048");
	c = (struct ike_chosen){.proto = IKEV2_PROTO_ESP, .encr = 20, .encr_keylen = 128};
	ike_chosen_str(&c, buf, sizeof(buf));
	ck_assert_str_eq(buf, "aes-128-gcm");
	c = (struct ike_chosen){.proto = IKEV2_PROTO_AH, .integ = 2, .dh = 31};
	ike_chosen_str(&c, buf, sizeof(buf));
	ck_assert_str_eq(buf, "ah:sha1/curve25519");
}
END_TEST

/* --- names and the kernel --- */

START_TEST(names)
{
	ck_assert_str_eq(ike_transform_name(IKEV2_TRANS_ENCR, 12, 256), "aes-256-cbc");
	ck_assert_str_eq(ike_transform_name(IKEV2_TRANS_ENCR, 13, 192), "aes-192-ctr");
	ck_assert_str_eq(ike_transform_name(IKEV2_TRANS_ENCR, 20, 128), "aes-128-gcm");
	ck_assert_str_eq(ike_transform_name(IKEV2_TRANS_ENCR, 18, 256), "aes-256-gcm-8");
	ck_assert_str_eq(ike_transform_name(IKEV2_TRANS_ENCR, 19, 128), "aes-128-gcm-12");
	ck_assert_str_eq(ike_transform_name(IKEV2_TRANS_ENCR, 3, 0), "3des");
	ck_assert_str_eq(ike_transform_name(IKEV2_TRANS_ENCR, 7, 128), "blowfish");
	ck_assert_str_eq(ike_transform_name(IKEV2_TRANS_ENCR, 23, 192), "camellia-192");
	ck_assert_str_eq(ike_transform_name(IKEV2_TRANS_ENCR, 12, 0), "encr-12");
	ck_assert_str_eq(ike_transform_name(IKEV2_TRANS_PRF, 6, 0), "sha384");
	ck_assert_str_eq(ike_transform_name(IKEV2_TRANS_INTEG, 13, 0), "sha384");
	ck_assert_str_eq(ike_transform_name(IKEV2_TRANS_INTEG, 0, 0), "null");
	ck_assert_str_eq(ike_transform_name(IKEV2_TRANS_DH, 14, 0), "modp2048");
	ck_assert_str_eq(ike_transform_name(IKEV2_TRANS_DH, 31, 0), "curve25519");
	ck_assert_str_eq(ike_transform_name(IKEV2_TRANS_DH, 0, 0), "none");
	ck_assert_str_eq(ike_transform_name(IKEV2_TRANS_ESN, 0, 0), "no-esn");
	ck_assert_str_eq(ike_transform_name(9, 1, 0), "type9-1");

	ck_assert_uint_eq(ike_dh_id("modp768"), 1);
	ck_assert_uint_eq(ike_dh_id("ec2n185"), 4);
	ck_assert_uint_eq(ike_dh_id("modp2048"), 14);
	ck_assert_uint_eq(ike_dh_id("ecp521"), 21);
	ck_assert_uint_eq(ike_dh_id("curve25519"), 31);
	ck_assert_uint_eq(ike_dh_id("none"), 0);
	ck_assert_uint_eq(ike_dh_id("bogus"), 0);
	ck_assert_uint_eq(ike_dh_id(NULL), 0);
	ck_assert(ike_encr_is_aead(18) && ike_encr_is_aead(19) && ike_encr_is_aead(20));
	ck_assert(!ike_encr_is_aead(12) && !ike_encr_is_aead(13));
}
END_TEST

/* Every choice of the four algorithm lists of the table has an IKEv2 id, but twofish. */
START_TEST(names_cover_conf)
{
	static const struct {
		enum conf_menu_id m;
		int prop;
		uint8_t type;
	} lists[] = {
		{CONF_M_PROFILE, CONF_PROFILE_ENC_ALGORITHM, IKEV2_TRANS_ENCR},
		{CONF_M_PROFILE, CONF_PROFILE_HASH_ALGORITHM, IKEV2_TRANS_PRF},
		{CONF_M_PROFILE, CONF_PROFILE_HASH_ALGORITHM, IKEV2_TRANS_INTEG},
		{CONF_M_PROFILE, CONF_PROFILE_DH_GROUP, IKEV2_TRANS_DH},
		{CONF_M_PROPOSAL, CONF_PROPOSAL_ENC_ALGORITHMS, IKEV2_TRANS_ENCR},
		{CONF_M_PROPOSAL, CONF_PROPOSAL_AUTH_ALGORITHMS, IKEV2_TRANS_INTEG},
		{CONF_M_PROPOSAL, CONF_PROPOSAL_PFS_GROUP, IKEV2_TRANS_DH},
	};

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		const char *const *w = conf_menus[lists[i].m].props[lists[i].prop].choices;

		for (; *w; w++) {
			uint16_t id, kl;
			bool known = ike_alg_id(lists[i].type, *w, &id, &kl);

			ck_assert_msg(known == (strcmp(*w, "twofish") && strcmp(*w, "none")), "%s",
				      *w);
		}
	}
}
END_TEST

START_TEST(kernel_algs)
{
	const struct kern_alg *a;

	a = ike_kern_enc(12, 256);
	ck_assert_ptr_nonnull(a);
	ck_assert_str_eq(a->name, "aes-256-cbc");
	ck_assert_str_eq(a->kname, "cbc(aes)");
	a = ike_kern_enc(20, 128);
	ck_assert_ptr_nonnull(a);
	ck_assert_str_eq(a->name, "aes-128-gcm");
	ck_assert_int_eq(a->kind, KERN_ALG_AEAD);
	ck_assert_str_eq(ike_kern_enc(13, 192)->name, "aes-192-ctr");
	ck_assert_str_eq(ike_kern_enc(7, 128)->name, "blowfish");
	ck_assert_str_eq(ike_kern_enc(23, 256)->name, "camellia-256");
	ck_assert_str_eq(ike_kern_enc(11, 0)->kname, "ecb(cipher_null)");
	ck_assert_str_eq(ike_kern_enc(3, 0)->name, "3des");
	ck_assert_ptr_null(ike_kern_enc(18, 128)); /* 8-byte ICV: the kernel row is 16 */
	ck_assert_ptr_null(ike_kern_enc(12, 0));
	ck_assert_ptr_null(ike_kern_enc(99, 0));
	a = ike_kern_integ(12);
	ck_assert_ptr_nonnull(a);
	ck_assert_str_eq(a->name, "sha256");
	ck_assert_int_eq(a->kind, KERN_ALG_AUTH);
	ck_assert_str_eq(ike_kern_integ(2)->kname, "hmac(sha1)");
	ck_assert_str_eq(ike_kern_integ(1)->kname, "hmac(md5)");
	ck_assert_str_eq(ike_kern_integ(14)->kname, "hmac(sha512)");
	ck_assert_ptr_null(ike_kern_integ(0));
	ck_assert_ptr_null(ike_kern_integ(13)); /* sha384: not an ESP choice, no row */
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ike_proposal");
	TCase *o = tcase_create("offer"), *c = tcase_create("choose"), *t = tcase_create("text");

	tcase_add_checked_fixture(o, NULL, teardown);
	tcase_add_test(o, offer_ike_basic);
	tcase_add_test(o, offer_ike_gcm);
	tcase_add_test(o, offer_ike_gcm_only);
	tcase_add_test(o, offer_ike_default_and_others);
	tcase_add_test(o, offer_ike_unsupported);
	tcase_add_test(o, offer_esp);
	tcase_add_test(o, offer_esp_defaults_and_aliases);
	tcase_add_test(o, offer_esp_null_auth);
	tcase_add_test(o, offer_ah);
	tcase_add_test(o, offer_child_errors);
	suite_add_tcase(s, o);
	tcase_add_test(c, choose_our_preference);
	tcase_add_test(c, choose_proposal_order);
	tcase_add_test(c, choose_prefer_dh);
	tcase_add_test(c, choose_ah_esp);
	tcase_add_test(c, choose_gcm_integ);
	tcase_add_test(c, choose_no_match);
	tcase_add_test(c, choose_unknown);
	tcase_add_test(c, choose_esn_dh_optional);
	tcase_add_test(c, accept_good);
	tcase_add_test(c, accept_bad);
	tcase_add_test(c, chosen_round_trip);
	suite_add_tcase(s, c);
	tcase_add_checked_fixture(t, NULL, teardown);
	tcase_add_test(t, offer_text);
	tcase_add_test(t, offer_text_truncates);
	tcase_add_test(t, chosen_text);
	tcase_add_test(t, names);
	tcase_add_test(t, names_cover_conf);
	tcase_add_test(t, kernel_algs);
	suite_add_tcase(s, t);
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
