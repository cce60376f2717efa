/* check_eap: the EAP codec, EAP-TLS fragments, and EAP-MSCHAPv2 against RFC 2759 9.2 and
 * RFC 3079 3.5.3's vectors, then both state machines talking to each other. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/crypto.h"
#include "ipsecd/eap.h"

/* RFC 2759 9.2 */
static const uint8_t auth_chal[16] = {0x5B, 0x5D, 0x7C, 0x7D, 0x7B, 0x3F, 0x2F, 0x3E,
				      0x3C, 0x2C, 0x60, 0x21, 0x32, 0x26, 0x26, 0x28};
static const uint8_t peer_chal[16] = {0x21, 0x40, 0x23, 0x24, 0x25, 0x5E, 0x26, 0x2A,
				      0x28, 0x29, 0x5F, 0x2B, 0x3A, 0x33, 0x7C, 0x7E};
static const uint8_t challenge[8] = {0xD0, 0x2E, 0x43, 0x86, 0xBC, 0xE9, 0x12, 0x26};
static const uint8_t pw_hash[16] = {0x44, 0xEB, 0xBA, 0x8D, 0x53, 0x12, 0xB8, 0xD6,
				    0x11, 0x47, 0x44, 0x11, 0xF5, 0x69, 0x89, 0xAE};
static const uint8_t nt_resp[24] = {0x82, 0x30, 0x9E, 0xCD, 0x8D, 0x70, 0x8B, 0x5E,
				    0xA0, 0x8F, 0xAA, 0x39, 0x81, 0xCD, 0x83, 0x54,
				    0x42, 0x33, 0x11, 0x4A, 0x3D, 0x85, 0xD6, 0xDF};
/* RFC 3079 3.5.3 */
static const uint8_t master_key[16] = {0xFD, 0xEC, 0xE3, 0x71, 0x7A, 0x8C, 0x83, 0x8C,
				       0xB3, 0x88, 0xE5, 0x27, 0xAE, 0x3C, 0xDD, 0x31};
static const uint8_t send_start_key[16] = {0x8B, 0x7C, 0xDC, 0x14, 0x9B, 0x99, 0x3A, 0x1B,
					   0xA1, 0x18, 0xCB, 0x15, 0x3F, 0x56, 0xDC, 0xCB};

static void setup(void)
{
	ck_assert_int_eq(crypto_init(), 0);
}

START_TEST(rfc2759_vectors)
{
	uint8_t h[16], c[8], nt[24];
	char s[43];

	ck_assert_int_eq(eap_ms_password_hash("clientPass", h), 0);
	ck_assert_mem_eq(h, pw_hash, 16);
	ck_assert_int_eq(eap_ms_challenge_hash(peer_chal, auth_chal, "User", c), 0);
	ck_assert_mem_eq(c, challenge, 8);
	/* the domain is not part of the hash (RFC 2759 8.2) */
	ck_assert_int_eq(eap_ms_challenge_hash(peer_chal, auth_chal, "ACME\\User", c), 0);
	ck_assert_mem_eq(c, challenge, 8);
	ck_assert_int_eq(eap_ms_nt_response(auth_chal, peer_chal, "User", h, nt), 0);
	ck_assert_mem_eq(nt, nt_resp, 24);
	ck_assert_int_eq(eap_ms_auth_response(h, nt, peer_chal, auth_chal, "User", s), 0);
	ck_assert_str_eq(s, "S=407A5589115FD0D6209F510FE9C04566932CDA56");
}
END_TEST

START_TEST(rfc3079_keys)
{
	uint8_t m[16], k[16], msk[EAP_MS_MSK_LEN];

	ck_assert_int_eq(eap_ms_master_key(pw_hash, nt_resp, m), 0);
	ck_assert_mem_eq(m, master_key, 16);
	/* the example is the server's send key: the client's receive key */
	ck_assert_int_eq(eap_ms_start_key(m, true, true, k), 0);
	ck_assert_mem_eq(k, send_start_key, 16);
	ck_assert_int_eq(eap_ms_start_key(m, false, false, k), 0);
	ck_assert_mem_eq(k, send_start_key, 16);
	/* MSK = server recv || server send */
	ck_assert_int_eq(eap_ms_msk(pw_hash, nt_resp, msk), 0);
	ck_assert_mem_eq(msk + 16, send_start_key, 16);
	ck_assert_int_eq(eap_ms_start_key(m, true, false, k), 0);
	ck_assert_mem_eq(msk, k, 16);
}
END_TEST

START_TEST(password_utf8)
{
	uint8_t a[16], b[16];

	ck_assert_int_eq(eap_ms_password_hash("p\xc3\xa4ss", a), 0); /* "päss" */
	ck_assert_int_eq(eap_ms_password_hash("pass", b), 0);
	ck_assert_mem_ne(a, b, 16);
	ck_assert_int_eq(eap_ms_password_hash("bad\xc3", a), -EINVAL);
}
END_TEST

/* The MS-CHAPv2 challenge built by hand, byte by byte (draft-kamath 2.1). */
START_TEST(codec_ms_challenge)
{
	static const uint8_t want[] = {1,    7,	   0,	 30,   26,   1,	   7,	 0,    25,   16,
				       0x5B, 0x5D, 0x7C, 0x7D, 0x7B, 0x3F, 0x2F, 0x3E, 0x3C, 0x2C,
				       0x60, 0x21, 0x32, 0x26, 0x26, 0x28, 's',	 'r',  'v',  'r'};
	struct wbuf w;
	struct eap_pkt e;
	struct eap_mschapv2 m;

	wbuf_init(&w);
	eap_put_ms_challenge(&w, 7, auth_chal, "srvr");
	ck_assert_uint_eq(w.len, sizeof(want));
	ck_assert_mem_eq(w.p, want, sizeof(want));
	ck_assert_int_eq(eap_decode(w.p, w.len, &e), 0);
	ck_assert_uint_eq(e.type, EAP_T_MSCHAPV2);
	ck_assert_int_eq(eap_mschapv2_decode(&e, &m), 0);
	ck_assert_uint_eq(m.op, EAP_MS_CHALLENGE);
	ck_assert_mem_eq(m.challenge, auth_chal, 16);
	ck_assert_uint_eq(m.name.len, 4);
	/* every truncation and a wrong MS-Length fail */
	for (size_t n = 0; n < w.len; n++) {
		uint8_t *cut = malloc(n ? n : 1);

		memcpy(cut, w.p, n);
		if (n >= 4)
			cut[3] = (uint8_t)n; /* EAP length consistent, content short */
		ck_assert(eap_decode(cut, n, &e) != 0 || eap_mschapv2_decode(&e, &m) != 0);
		free(cut);
	}
	w.p[8] ^= 1;
	ck_assert_int_eq(eap_decode(w.p, w.len, &e), 0);
	ck_assert_int_eq(eap_mschapv2_decode(&e, &m), -EBADMSG);
	wbuf_free(&w);
}
END_TEST

START_TEST(codec_basic)
{
	static const uint8_t success[] = {3, 9, 0, 4};
	static const uint8_t expanded[] = {1, 2, 0, 14, 254, 0, 0, 0x9f, 0, 0, 0, 1, 'x', 'y'};
	struct wbuf w;
	struct eap_pkt e;
	uint8_t t = EAP_T_TLS;

	ck_assert_int_eq(eap_decode(success, 4, &e), 0);
	ck_assert_uint_eq(e.code, EAP_CODE_SUCCESS);
	ck_assert_uint_eq(e.id, 9);
	ck_assert_int_eq(eap_decode(success, 3, &e), -EBADMSG);
	ck_assert_int_eq(eap_decode(expanded, sizeof(expanded), &e), 0);
	ck_assert_uint_eq(e.vendor_id, 0x9f);
	ck_assert_uint_eq(e.vendor_type, 1);
	ck_assert_uint_eq(e.data.len, 2);
	wbuf_init(&w);
	eap_put_identity(&w, EAP_CODE_RESPONSE, 3, "alice");
	ck_assert_int_eq(eap_decode(w.p, w.len, &e), 0);
	ck_assert_uint_eq(e.type, EAP_T_IDENTITY);
	ck_assert_mem_eq(e.data.ptr, "alice", 5);
	wbuf_reset(&w);
	eap_put_nak(&w, 4, &t, 1);
	ck_assert_int_eq(eap_decode(w.p, w.len, &e), 0);
	ck_assert_uint_eq(e.type, EAP_T_NAK);
	ck_assert_uint_eq(e.data.ptr[0], EAP_T_TLS);
	/* a Length past the buffer, under 4, or an unknown code */
	w.p[3]++;
	ck_assert_int_eq(eap_decode(w.p, w.len, &e), -EBADMSG);
	w.p[3] = 3;
	ck_assert_int_eq(eap_decode(w.p, w.len, &e), -EBADMSG);
	w.p[3] = 6;
	w.p[0] = 5;
	ck_assert_int_eq(eap_decode(w.p, w.len, &e), -EBADMSG);
	wbuf_free(&w);
}
END_TEST

START_TEST(tls_fragments)
{
	uint8_t msg[3000];
	struct eap_tls_reasm r;
	size_t off = 0;
	int frags = 0, res = 0;

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7);
	eap_tls_reasm_init(&r);
	while (off < sizeof(msg)) {
		struct wbuf w;
		struct eap_pkt e;
		struct eap_tls t;

		wbuf_init(&w);
		eap_put_tls_fragment(&w, EAP_CODE_REQUEST, 1, EAP_T_PEAP, 0, msg, sizeof(msg), &off,
				     1000);
		ck_assert_int_eq(eap_decode(w.p, w.len, &e), 0);
		ck_assert_int_eq(eap_tls_decode(&e, &t), 0);
		ck_assert_int_eq(!!(t.flags & EAP_TLS_L), frags == 0);
		ck_assert_int_eq(!!(t.flags & EAP_TLS_M), off < sizeof(msg));
		res = eap_tls_reasm_add(&r, &t);
		frags++;
		wbuf_free(&w);
	}
	ck_assert_int_eq(frags, 3);
	ck_assert_int_eq(res, 1);
	ck_assert_uint_eq(r.buf.len, sizeof(msg));
	ck_assert_mem_eq(r.buf.p, msg, sizeof(msg));
	eap_tls_reasm_free(&r);
}
END_TEST

START_TEST(tls_bad)
{
	/* L set, total smaller than this fragment; and a total past the cap */
	static const uint8_t small[] = {1, 1, 0, 12, 13, 0x80, 0, 0, 0, 1, 'a', 'b'};
	static const uint8_t big[] = {1, 1, 0, 10, 13, 0x80, 0, 2, 0, 0};
	struct eap_pkt e;
	struct eap_tls t;

	ck_assert_int_eq(eap_decode(small, sizeof(small), &e), 0);
	ck_assert_int_eq(eap_tls_decode(&e, &t), -EBADMSG);
	ck_assert_int_eq(eap_decode(big, sizeof(big), &e), 0);
	ck_assert_int_eq(eap_tls_decode(&e, &t), -E2BIG);
}
END_TEST

static bool lookup(void *arg, const char *user, char *pw, size_t len)
{
	if (strcmp(user, "User"))
		return false;
	strncpy(pw, arg, len);
	return true;
}

/* Runs authenticator and peer against each other; returns the peer's final status. */
static enum eap_status converse(const char *server_pw, const char *peer_pw,
				enum eap_status *auth_st, bool *keys_match)
{
	struct eap_ms_auth *a = eap_ms_auth_new("gw", lookup, (void *)server_pw);
	struct eap_ms_peer *p = eap_ms_peer_new("User", peer_pw);
	struct wbuf req, resp;
	enum eap_status pst = EAP_ST_CONTINUE;

	*auth_st = EAP_ST_CONTINUE;
	wbuf_init(&req);
	wbuf_init(&resp);
	ck_assert_int_eq(eap_ms_auth_start(a, 1, &req), 0);
	for (int round = 0; round < 5 && pst == EAP_ST_CONTINUE; round++) {
		wbuf_reset(&resp);
		ck_assert_int_eq(eap_ms_peer_process(p, req.p, req.len, &resp, &pst), 0);
		if (pst != EAP_ST_CONTINUE || *auth_st != EAP_ST_CONTINUE)
			break;
		wbuf_reset(&req);
		ck_assert_int_eq(eap_ms_auth_process(a, resp.p, resp.len, &req, auth_st), 0);
	}
	*keys_match = eap_ms_auth_msk(a) && eap_ms_peer_msk(p) &&
		      !memcmp(eap_ms_auth_msk(a), eap_ms_peer_msk(p), EAP_MS_MSK_LEN);
	wbuf_free(&req);
	wbuf_free(&resp);
	eap_ms_auth_free(a);
	eap_ms_peer_free(p);
	return pst;
}

START_TEST(ms_exchange)
{
	enum eap_status ast;
	bool keys;

	ck_assert_int_eq(converse("clientPass", "clientPass", &ast, &keys), EAP_ST_SUCCESS);
	ck_assert_int_eq(ast, EAP_ST_SUCCESS);
	ck_assert(keys);
	ck_assert_int_eq(converse("clientPass", "wrong", &ast, &keys), EAP_ST_FAILURE);
	ck_assert_int_eq(ast, EAP_ST_FAILURE);
	ck_assert(!keys);
}
END_TEST

/* An EAP-Success right after our Response, before any "S=": refused. */
START_TEST(ms_early_success)
{
	struct eap_ms_peer *p = eap_ms_peer_new("User", "clientPass");
	struct wbuf w, out;
	enum eap_status st;
	static const uint8_t success[] = {3, 2, 0, 4};

	wbuf_init(&w);
	wbuf_init(&out);
	eap_put_ms_challenge(&w, 1, auth_chal, "gw");
	ck_assert_int_eq(eap_ms_peer_process(p, w.p, w.len, &out, &st), 0);
	ck_assert_int_eq(st, EAP_ST_CONTINUE);
	ck_assert_int_eq(eap_ms_peer_process(p, success, sizeof(success), &out, &st), 0);
	ck_assert_int_eq(st, EAP_ST_FAILURE);
	ck_assert_ptr_null(eap_ms_peer_msk(p));
	eap_ms_peer_free(p);
	wbuf_free(&w);
	wbuf_free(&out);
}
END_TEST

/* A Success Request with a wrong "S=" (an authenticator that does not know the password). */
START_TEST(ms_forged_authenticator)
{
	struct eap_ms_peer *p = eap_ms_peer_new("User", "clientPass");
	struct wbuf w, out;
	enum eap_status st;

	wbuf_init(&w);
	wbuf_init(&out);
	eap_put_ms_challenge(&w, 1, auth_chal, "gw");
	ck_assert_int_eq(eap_ms_peer_process(p, w.p, w.len, &out, &st), 0);
	wbuf_reset(&w);
	eap_put_ms_result(&w, 2, EAP_MS_SUCCESS, 1, "S=407A5589115FD0D6209F510FE9C04566932CDA56");
	ck_assert_int_eq(eap_ms_peer_process(p, w.p, w.len, &out, &st), 0);
	ck_assert_int_eq(st, EAP_ST_FAILURE);
	eap_ms_peer_free(p);
	wbuf_free(&w);
	wbuf_free(&out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("eap");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, rfc2759_vectors);
	tcase_add_test(tc, rfc3079_keys);
	tcase_add_test(tc, password_utf8);
	tcase_add_test(tc, codec_ms_challenge);
	tcase_add_test(tc, codec_basic);
	tcase_add_test(tc, tls_fragments);
	tcase_add_test(tc, tls_bad);
	tcase_add_test(tc, ms_exchange);
	tcase_add_test(tc, ms_early_success);
	tcase_add_test(tc, ms_forged_authenticator);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
