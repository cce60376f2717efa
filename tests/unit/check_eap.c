/* check_eap: the EAP codec, EAP-TLS fragments, and EAP-MSCHAPv2 against RFC 2759 9.2 and
 * RFC 3079 3.5.3's vectors, then both state machines talking to each other; then the
 * EAP-TLS, PEAP and TTLS peer against fake_tls_server (OpenSSL as the server) and the
 * client choosing among its methods. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/crypto.h"
#include "fake_tls_server.h"
#include "ipsecd/eap.h"
#include "ipsecd/eap_tls.h"
#include "ipsecd/pki.h"
#include "pki_fixture.h"

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

/* --- EAP-TLS, PEAP, TTLS --- */

static struct pki_fixture fx;
static struct pki_store *store;

/* The store trusts ca and inter and holds sun (by inter) with its key: our certificate. */
static void tls_setup(void)
{
	char path[128], msg[PKI_MSG_MAX];

	ck_assert_int_eq(crypto_init(), 0);
	ck_assert(pki_fixture_build(&fx));
	store = pki_store_new();
	ck_assert_int_eq(pki_store_import(store,
					  pki_fixture_path(&fx, "ca.pem", path, sizeof(path)), "ca",
					  NULL, 0, msg, sizeof(msg)),
			 0);
	ck_assert_int_eq(pki_store_import(store,
					  pki_fixture_path(&fx, "inter.pem", path, sizeof(path)),
					  "inter", NULL, 0, msg, sizeof(msg)),
			 0);
	ck_assert_int_eq(pki_store_import(store,
					  pki_fixture_path(&fx, "sun.pem", path, sizeof(path)),
					  "sun", NULL, 0, msg, sizeof(msg)),
			 0);
	ck_assert_int_eq(pki_store_import(store,
					  pki_fixture_path(&fx, "sun-p8.key", path, sizeof(path)),
					  NULL, PKI_FIX_PASS, 0, msg, sizeof(msg)),
			 0);
}

static void tls_teardown(void)
{
	pki_store_free(store);
	pki_fixture_free(&fx);
}

static struct eap_tls_peer *peer_of(uint8_t type, size_t frag)
{
	struct eap_tls_conf c = {.type = type,
				 .store = store,
				 .cert = pki_store_find(store, "sun"),
				 .user = "User",
				 .password = "clientPass",
				 .frag = frag,
				 .now = T_NOW};
	char why[128];
	struct eap_tls_peer *p = eap_tls_peer_new(&c, why, sizeof(why));

	ck_assert_msg(p != NULL, "%s", why);
	return p;
}

/* Server and peer talk until one ends; the peer's status; *srv the server's (1 Success,
 * -1 Failure, 0 still going). */
static enum eap_status tls_converse(struct tls_srv *s, struct eap_tls_peer *p, int *srv,
				    int *rounds)
{
	struct wbuf req, resp;
	enum eap_status st = EAP_ST_CONTINUE;

	wbuf_init(&req);
	wbuf_init(&resp);
	tls_srv_start(s, &req);
	*srv = 0;
	for (*rounds = 0; *rounds < 1000; ++*rounds) {
		wbuf_reset(&resp);
		if (eap_tls_peer_process(p, req.p, req.len, &resp, &st) < 0 ||
		    st != EAP_ST_CONTINUE)
			break;
		wbuf_reset(&req);
		*srv = tls_srv_process(s, resp.p, resp.len, &req);
	}
	wbuf_free(&req);
	wbuf_free(&resp);
	return st;
}

static void tls_run(uint8_t type, size_t srv_frag, size_t peer_frag, const char *srv_pw,
		    enum eap_status want)
{
	struct tls_srv *s =
		tls_srv_new(type, fx.moon, fx.moon_key, NULL, srv_frag, srv_pw ? srv_pw : "x");
	struct eap_tls_peer *p = peer_of(type, peer_frag);
	int srv, rounds;
	enum eap_status st = tls_converse(s, p, &srv, &rounds);

	ck_assert_msg(st == want, "status %d, error: %s", st, eap_tls_peer_error(p));
	if (want == EAP_ST_SUCCESS) {
		ck_assert_int_eq(srv, 1);
		ck_assert_ptr_nonnull(eap_tls_peer_msk(p));
		ck_assert_mem_eq(eap_tls_peer_msk(p), tls_srv_msk(s), EAP_TLS_MSK_LEN);
		ck_assert_str_eq(eap_tls_peer_error(p), "");
		/* EAP-TLS: our certificate went; small fragments: many rounds */
		ck_assert(type != EAP_T_TLS || tls_srv_got_client_cert(s));
		ck_assert(srv_frag > 200 || rounds > 10);
	} else {
		ck_assert_ptr_null(eap_tls_peer_msk(p));
		ck_assert_str_ne(eap_tls_peer_error(p), "");
	}
	eap_tls_peer_free(p);
	tls_srv_free(s);
}

START_TEST(tls_exchange)
{
	tls_run(EAP_T_TLS, 1400, 0, NULL, EAP_ST_SUCCESS);
	/* both sides fragment: L on the first, M on all but the last, ACKs between */
	tls_run(EAP_T_TLS, 100, 150, NULL, EAP_ST_SUCCESS);
	/* tiny fragments from the server: hundreds of rounds */
	tls_run(EAP_T_TLS, 16, 1000, NULL, EAP_ST_SUCCESS);
}
END_TEST

START_TEST(peap_ttls_exchange)
{
	tls_run(EAP_T_PEAP, 300, 0, "clientPass", EAP_ST_SUCCESS);
	tls_run(EAP_T_TTLS, 300, 0, "clientPass", EAP_ST_SUCCESS);
	/* the wrong password: the inner method fails, so does the whole */
	tls_run(EAP_T_PEAP, 300, 0, "other", EAP_ST_FAILURE);
	tls_run(EAP_T_TTLS, 300, 0, "other", EAP_ST_FAILURE);
}
END_TEST

/* strongSwan's TTLS server ends a failed phase 2 with a close_notify: a failure that
 * says so, not a protocol error. */
START_TEST(ttls_tunnel_closed)
{
	struct tls_srv *s = tls_srv_new(EAP_T_TTLS, fx.moon, fx.moon_key, NULL, 1000, "other");
	struct eap_tls_peer *p = peer_of(EAP_T_TTLS, 0);
	int srv, rounds;

	tls_srv_close_on_failure(s);
	ck_assert_int_eq(tls_converse(s, p, &srv, &rounds), EAP_ST_FAILURE);
	ck_assert_msg(strstr(eap_tls_peer_error(p), "closed the TLS tunnel"), "%s",
		      eap_tls_peer_error(p));
	ck_assert_ptr_null(eap_tls_peer_msk(p));
	eap_tls_peer_free(p);
	tls_srv_free(s);
}
END_TEST

/* A server certificate from a CA the store does not have: the handshake is refused. */
START_TEST(tls_bad_server_cert)
{
	struct tls_srv *s = tls_srv_new(EAP_T_TLS, fx.stranger, fx.stranger_key, NULL, 1000, "x");
	struct eap_tls_peer *p = peer_of(EAP_T_TLS, 0);
	int srv, rounds;

	ck_assert_int_eq(tls_converse(s, p, &srv, &rounds), EAP_ST_FAILURE);
	ck_assert_msg(strstr(eap_tls_peer_error(p), "certificate is refused"), "%s",
		      eap_tls_peer_error(p));
	ck_assert_ptr_null(eap_tls_peer_msk(p));
	eap_tls_peer_free(p);
	tls_srv_free(s);
	/* an expired one, issued by the trusted CA */
	s = tls_srv_new(EAP_T_PEAP, fx.expired, fx.expired_key, NULL, 1000, "clientPass");
	p = peer_of(EAP_T_PEAP, 0);
	ck_assert_int_eq(tls_converse(s, p, &srv, &rounds), EAP_ST_FAILURE);
	ck_assert_ptr_nonnull(strstr(eap_tls_peer_error(p), "refused"));
	eap_tls_peer_free(p);
	tls_srv_free(s);
}
END_TEST

/* Feeds pkt to a fresh EAP-TLS peer after its Start; the result and status. */
static int after_start(const uint8_t *pkt, size_t len, enum eap_status *st,
		       struct eap_tls_peer **pp)
{
	static const uint8_t start[] = {1, 1, 0, 6, EAP_T_TLS, EAP_TLS_S};
	struct eap_tls_peer *p = peer_of(EAP_T_TLS, 100);
	struct wbuf out;
	int r;

	wbuf_init(&out);
	ck_assert_int_eq(eap_tls_peer_process(p, start, sizeof(start), &out, st), 0);
	ck_assert_int_eq(*st, EAP_ST_CONTINUE);
	ck_assert_uint_gt(out.len, 10); /* the first fragment of the ClientHello, with L and M */
	ck_assert_uint_eq(out.p[5], EAP_TLS_L | EAP_TLS_M);
	wbuf_reset(&out);
	r = eap_tls_peer_process(p, pkt, len, &out, st);
	wbuf_free(&out);
	*pp = p;
	return r;
}

START_TEST(tls_early_success)
{
	static const uint8_t success[] = {EAP_CODE_SUCCESS, 2, 0, 4};
	struct eap_tls_peer *p;
	enum eap_status st;

	ck_assert_int_eq(after_start(success, sizeof(success), &st, &p), 0);
	ck_assert_int_eq(st, EAP_ST_FAILURE);
	ck_assert_ptr_null(eap_tls_peer_msk(p));
	ck_assert_ptr_nonnull(strstr(eap_tls_peer_error(p), "before the method finished"));
	eap_tls_peer_free(p);
}
END_TEST

START_TEST(tls_bad_framing)
{
	/* data while our ClientHello's fragments wait for their ACK */
	static const uint8_t data[] = {1, 2, 0, 8, EAP_T_TLS, 0, 0x16, 0x03};
	/* a second Start; another method's Request; a Response */
	static const uint8_t start2[] = {1, 2, 0, 6, EAP_T_TLS, EAP_TLS_S};
	static const uint8_t md5[] = {1, 2, 0, 6, EAP_T_MD5, 0};
	static const uint8_t resp[] = {2, 2, 0, 6, EAP_T_TLS, 0};
	/* L past EAP_TLS_MAX_MSG */
	static const uint8_t huge[] = {1, 2, 0, 10, EAP_T_TLS, EAP_TLS_L, 0, 2, 0, 0};
	const struct {
		const uint8_t *p;
		size_t len;
		int err;
	} cases[] = {{data, sizeof(data), -EPROTO},
		     {start2, sizeof(start2), -EPROTO},
		     {md5, sizeof(md5), -EPROTO},
		     {resp, sizeof(resp), -EBADMSG},
		     {huge, sizeof(huge), -E2BIG}};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct eap_tls_peer *p;
		enum eap_status st;

		ck_assert_int_eq(after_start(cases[i].p, cases[i].len, &st, &p), cases[i].err);
		ck_assert_str_ne(eap_tls_peer_error(p), "");
		eap_tls_peer_free(p);
	}
}
END_TEST

/* The server's fragments: one past its L, and an inconsistent L on a later one. */
START_TEST(tls_bad_reassembly)
{
	static const uint8_t start[] = {1, 1, 0, 6, EAP_T_TLS, EAP_TLS_S};
	static const uint8_t ack[] = {1, 0, 0, 6, EAP_T_TLS, 0};
	static const uint8_t first[] = {1, 0, 0, 12, EAP_T_TLS, EAP_TLS_L | EAP_TLS_M,
					0, 0, 0, 3,  0x16,	0x03};
	static const uint8_t over[] = {1, 0, 0, 8, EAP_T_TLS, 0, 0x01, 0x02};
	struct eap_tls_peer *p = peer_of(EAP_T_TLS, 1000);
	struct wbuf out;
	enum eap_status st;
	uint8_t pkt[16];

	wbuf_init(&out);
	ck_assert_int_eq(eap_tls_peer_process(p, start, sizeof(start), &out, &st), 0);
	memcpy(pkt, first, sizeof(first));
	pkt[1] = 2;
	wbuf_reset(&out);
	ck_assert_int_eq(eap_tls_peer_process(p, pkt, sizeof(first), &out, &st), 0);
	ck_assert_uint_eq(out.len, 6); /* acknowledged */
	ck_assert_uint_eq(out.p[5], 0);
	memcpy(pkt, over, sizeof(over));
	pkt[1] = 3;
	wbuf_reset(&out);
	ck_assert_int_eq(eap_tls_peer_process(p, pkt, sizeof(over), &out, &st), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(eap_tls_peer_error(p), "do not add up"));
	(void)ack;
	wbuf_free(&out);
	eap_tls_peer_free(p);
}
END_TEST

/* The client: Identity, a Nak for a method not configured, then the one it accepts. */
START_TEST(client_nak)
{
	static const uint8_t ident[] = {1, 1, 0, 5, EAP_T_IDENTITY};
	static const uint8_t md5[] = {1, 2, 0, 6, EAP_T_MD5, 0};
	static const uint8_t early[] = {EAP_CODE_SUCCESS, 3, 0, 4};
	const uint8_t methods[] = {EAP_T_TTLS, EAP_T_TLS};
	struct eap_client_conf c = {.identity = "sun",
				    .methods = methods,
				    .nmethods = 2,
				    .store = store,
				    .cert = pki_store_find(store, "sun"),
				    .now = T_NOW};
	struct eap_client *x = eap_client_new(&c);
	struct wbuf out;
	enum eap_status st;
	size_t mlen;

	wbuf_init(&out);
	ck_assert_int_eq(eap_client_process(x, ident, sizeof(ident), &out, &st), 0);
	ck_assert_mem_eq(out.p, ((const uint8_t[]){2, 1, 0, 8, 1, 's', 'u', 'n'}), 8);
	wbuf_reset(&out);
	ck_assert_int_eq(eap_client_process(x, md5, sizeof(md5), &out, &st), 0);
	ck_assert_uint_eq(out.len, 7); /* a Nak with ours, in order */
	ck_assert_mem_eq(out.p, ((const uint8_t[]){2, 2, 0, 7, EAP_T_NAK, EAP_T_TTLS, EAP_T_TLS}),
			 7);
	ck_assert_int_eq(eap_client_method(x), 0);
	wbuf_reset(&out);
	ck_assert_int_eq(eap_client_process(x, early, sizeof(early), &out, &st), 0);
	ck_assert_int_eq(st, EAP_ST_FAILURE);
	ck_assert_ptr_null(eap_client_msk(x, &mlen));
	eap_client_free(x);
	wbuf_free(&out);
}
END_TEST

/* The client runs EAP-TLS against the server: the MSK comes out. */
START_TEST(client_tls)
{
	const uint8_t methods[] = {EAP_T_MSCHAPV2, EAP_T_TLS};
	struct eap_client_conf c = {.identity = "sun",
				    .methods = methods,
				    .nmethods = 2,
				    .store = store,
				    .cert = pki_store_find(store, "sun"),
				    .now = T_NOW};
	struct eap_client *x = eap_client_new(&c);
	struct tls_srv *s = tls_srv_new(EAP_T_TLS, fx.moon, fx.moon_key, NULL, 500, "x");
	struct wbuf req, resp;
	enum eap_status st = EAP_ST_CONTINUE;
	size_t mlen = 0;

	wbuf_init(&req);
	wbuf_init(&resp);
	tls_srv_start(s, &req);
	for (int i = 0; i < 40 && st == EAP_ST_CONTINUE; i++) {
		wbuf_reset(&resp);
		ck_assert_int_eq(eap_client_process(x, req.p, req.len, &resp, &st), 0);
		wbuf_reset(&req);
		if (st == EAP_ST_CONTINUE)
			tls_srv_process(s, resp.p, resp.len, &req);
	}
	ck_assert_int_eq(st, EAP_ST_SUCCESS);
	ck_assert_int_eq(eap_client_method(x), EAP_T_TLS);
	ck_assert_ptr_nonnull(eap_client_msk(x, &mlen));
	ck_assert_uint_eq(mlen, EAP_TLS_MSK_LEN);
	ck_assert_mem_eq(eap_client_msk(x, &mlen), tls_srv_msk(s), EAP_TLS_MSK_LEN);
	tls_srv_free(s);
	eap_client_free(x);
	wbuf_free(&req);
	wbuf_free(&resp);
}
END_TEST

/* What a peer refuses to be made for. */
START_TEST(tls_conf_refused)
{
	struct eap_tls_conf c = {.type = EAP_T_TLS, .store = store};
	char why[128];

	ck_assert_ptr_null(eap_tls_peer_new(&c, why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "certificate"));
	c.type = EAP_T_PEAP;
	ck_assert_ptr_null(eap_tls_peer_new(&c, why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "username"));
	c.store = NULL;
	ck_assert_ptr_null(eap_tls_peer_new(&c, why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "store"));
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
	tc = tcase_create("tls");
	tcase_add_unchecked_fixture(tc, tls_setup, tls_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, tls_exchange);
	tcase_add_test(tc, peap_ttls_exchange);
	tcase_add_test(tc, tls_bad_server_cert);
	tcase_add_test(tc, ttls_tunnel_closed);
	tcase_add_test(tc, tls_early_success);
	tcase_add_test(tc, tls_bad_framing);
	tcase_add_test(tc, tls_bad_reassembly);
	tcase_add_test(tc, client_nak);
	tcase_add_test(tc, client_tls);
	tcase_add_test(tc, tls_conf_refused);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
