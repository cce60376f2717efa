/* check_radius: the RADIUS codec. Authenticators, Message-Authenticator and MPPE key
 * encryption are recomputed here with OpenSSL directly, not with the code under test. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ipsecd/crypto.h"
#include "ipsecd/radius.h"

static const char secret[] = "testing123";
static const uint8_t req_auth[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

static void md5(const void *a, size_t alen, const void *b, size_t blen, const void *c, size_t clen,
		uint8_t out[16])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned n;

	EVP_DigestInit_ex(ctx, EVP_md5(), NULL);
	EVP_DigestUpdate(ctx, a, alen);
	if (blen)
		EVP_DigestUpdate(ctx, b, blen);
	if (clen)
		EVP_DigestUpdate(ctx, c, clen);
	EVP_DigestFinal_ex(ctx, out, &n);
	EVP_MD_CTX_free(ctx);
}

static void hmac_md5(const uint8_t *p, size_t len, uint8_t out[16])
{
	unsigned n = 16;

	HMAC(EVP_md5(), secret, (int)strlen(secret), p, len, out, &n);
}

static void build_request(struct wbuf *w, const uint8_t *eap, size_t eaplen)
{
	radius_enc_begin(w, RADIUS_ACCESS_REQUEST, 42, req_auth);
	ck_assert(radius_put_ma(w));
	ck_assert(radius_put_str(w, RADIUS_A_USER_NAME, "alice"));
	ck_assert(radius_put_split(w, RADIUS_A_EAP_MESSAGE, eap, eaplen));
	ck_assert_int_eq(radius_enc_finish(w, secret, strlen(secret), NULL), 0);
}

START_TEST(request_roundtrip)
{
	uint8_t eap[600], mac[16], copy[4096];
	struct wbuf w;
	static struct radius_pkt pkt;
	const struct radius_attr *a;
	int i = -1, n = 0;
	size_t total = 0;

	for (size_t k = 0; k < sizeof(eap); k++)
		eap[k] = (uint8_t)k;
	wbuf_init(&w);
	build_request(&w, eap, sizeof(eap));
	ck_assert_int_eq(radius_decode(w.p, w.len, &pkt), 0);
	ck_assert_uint_eq(pkt.code, RADIUS_ACCESS_REQUEST);
	ck_assert_uint_eq(pkt.id, 42);
	ck_assert_uint_eq(pkt.len, w.len);
	ck_assert_mem_eq(pkt.auth, req_auth, 16);
	/* EAP-Message split at 253 (RFC 3579 3.1): 253 + 253 + 94 */
	while ((a = radius_find(&pkt, RADIUS_A_EAP_MESSAGE, &i))) {
		ck_assert_mem_eq(a->value, eap + total, a->len);
		total += a->len;
		n++;
	}
	ck_assert_int_eq(n, 3);
	ck_assert_uint_eq(total, sizeof(eap));
	/* Message-Authenticator: HMAC-MD5 over the packet with the field zeroed */
	ck_assert_int_eq(pkt.ma_index, 0);
	memcpy(copy, w.p, w.len);
	memset(copy + 22, 0, 16);
	hmac_md5(copy, w.len, mac);
	ck_assert_mem_eq(mac, w.p + 22, 16);
	ck_assert_int_eq(radius_verify_request(&pkt, secret, strlen(secret)), 0);
	w.p[w.len - 1] ^= 1;
	ck_assert_int_eq(radius_decode(w.p, w.len, &pkt), 0);
	ck_assert_int_eq(radius_verify_request(&pkt, secret, strlen(secret)), -EBADMSG);
	wbuf_free(&w);
}
END_TEST

/* An Access-Accept signed as a server would, checked byte for byte against MD5 here. */
static void build_accept(struct wbuf *w, const uint8_t *send_key, const uint8_t *recv_key)
{
	struct wbuf k;
	uint8_t ip[4] = {10, 0, 0, 9};

	radius_enc_begin(w, RADIUS_ACCESS_ACCEPT, 42, NULL);
	ck_assert(radius_put_ma(w));
	ck_assert(radius_put(w, RADIUS_A_FRAMED_IP_ADDRESS, ip, 4));
	ck_assert(radius_put_u32(w, RADIUS_A_SESSION_TIMEOUT, 3600));
	ck_assert(radius_put(w, RADIUS_A_CLASS, "cls", 3));
	ck_assert(radius_put_str(w, RADIUS_A_REPLY_MESSAGE, "welcome"));
	ck_assert(radius_put(w, RADIUS_A_EAP_MESSAGE, "\x03\x05\x00\x04", 4));
	wbuf_init(&k);
	ck_assert_int_eq(
		radius_mppe_encrypt(send_key, 32, 0x1234, secret, strlen(secret), req_auth, &k), 0);
	ck_assert(radius_put_vsa(w, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_MPPE_SEND_KEY, k.p, k.len));
	wbuf_reset(&k);
	ck_assert_int_eq(
		radius_mppe_encrypt(recv_key, 32, 0x0042, secret, strlen(secret), req_auth, &k), 0);
	ck_assert(radius_put_vsa(w, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_MPPE_RECV_KEY, k.p, k.len));
	wbuf_free(&k);
	ck_assert_int_eq(radius_enc_finish(w, secret, strlen(secret), req_auth), 0);
}

START_TEST(reply_authenticators)
{
	uint8_t sk[32], rk[32], md[16], copy[4096], mac[16];
	struct wbuf w;
	static struct radius_pkt pkt;
	static struct radius_reply r;
	const char *why;

	memset(sk, 0xa5, 32);
	memset(rk, 0x3c, 32);
	wbuf_init(&w);
	build_accept(&w, sk, rk);
	/* Response Authenticator = MD5(Code+ID+Length+RequestAuth+Attributes+Secret) */
	memcpy(copy, w.p, w.len);
	memcpy(copy + 4, req_auth, 16);
	md5(copy, w.len, secret, strlen(secret), NULL, 0, md);
	ck_assert_mem_eq(md, w.p + 4, 16);
	/* and the Message-Authenticator over the request's authenticator */
	memset(copy + 22, 0, 16);
	hmac_md5(copy, w.len, mac);
	ck_assert_mem_eq(mac, w.p + 22, 16);

	ck_assert_int_eq(radius_decode(w.p, w.len, &pkt), 0);
	ck_assert_int_eq(radius_verify_reply(&pkt, req_auth, secret, strlen(secret), true, &why),
			 0);
	ck_assert_int_eq(radius_reply_parse(&pkt, req_auth, secret, strlen(secret), &r), 0);
	ck_assert_int_eq(r.result, RADIUS_RES_ACCEPT);
	ck_assert(r.has_framed_ip);
	ck_assert_uint_eq(ntohl(r.framed_ip.s_addr), 0x0a000009);
	ck_assert_uint_eq(r.session_timeout, 3600);
	ck_assert_uint_eq(r.nclass, 1);
	ck_assert_str_eq(r.reply_message, "welcome");
	ck_assert_uint_eq(r.eap_len, 4);
	ck_assert_uint_eq(r.send_key_len, 32);
	ck_assert_mem_eq(r.send_key, sk, 32);
	ck_assert_uint_eq(r.recv_key_len, 32);
	ck_assert_mem_eq(r.recv_key, rk, 32);
	radius_reply_clear(&r);
	ck_assert_uint_eq(r.send_key[0], 0);

	/* a different request authenticator, a different secret: refused */
	ck_assert_int_eq(radius_verify_reply(&pkt, w.p + 4, secret, strlen(secret), true, &why),
			 -EBADMSG);
	ck_assert_int_eq(radius_verify_reply(&pkt, req_auth, "x", 1, true, &why), -EBADMSG);
	wbuf_free(&w);
}
END_TEST

/* RFC 2548 2.4.2 computed here: b1 = MD5(S + R + A), c1 = p1 ^ b1, b2 = MD5(S + c1) ... */
START_TEST(mppe_independent)
{
	uint8_t key[32], plain[48] = {32}, b[16], cipher[50], out[64];
	uint8_t salt[2] = {0x81, 0x23};
	size_t outlen;

	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(i * 3 + 1);
	memcpy(plain + 1, key, 32);
	memcpy(cipher, salt, 2);
	md5(secret, strlen(secret), req_auth, 16, salt, 2, b);
	for (int i = 0; i < 48; i++) {
		if (i && i % 16 == 0)
			md5(secret, strlen(secret), cipher + 2 + i - 16, 16, NULL, 0, b);
		cipher[2 + i] = plain[i] ^ b[i % 16];
	}
	ck_assert_int_eq(radius_mppe_decrypt(cipher, sizeof(cipher), secret, strlen(secret),
					     req_auth, out, &outlen),
			 0);
	ck_assert_uint_eq(outlen, 32);
	ck_assert_mem_eq(out, key, 32);
	/* the salt's high bit, the length, a bad key-length byte */
	cipher[0] &= 0x7f;
	ck_assert_int_eq(radius_mppe_decrypt(cipher, sizeof(cipher), secret, strlen(secret),
					     req_auth, out, &outlen),
			 -EBADMSG);
	cipher[0] |= 0x80;
	ck_assert_int_eq(
		radius_mppe_decrypt(cipher, 33, secret, strlen(secret), req_auth, out, &outlen),
		-EBADMSG);
	cipher[2] ^= 0x40; /* the length byte now says 96 */
	ck_assert_int_eq(radius_mppe_decrypt(cipher, sizeof(cipher), secret, strlen(secret),
					     req_auth, out, &outlen),
			 -EBADMSG);
}
END_TEST

/* RFC 2865 5.2, computed here. */
START_TEST(user_password)
{
	struct wbuf w;
	static struct radius_pkt pkt;
	const struct radius_attr *a;
	uint8_t b[16];
	int i = -1;

	wbuf_init(&w);
	radius_enc_begin(&w, RADIUS_ACCESS_REQUEST, 1, req_auth);
	ck_assert(radius_put_password(&w, "0123456789abcdefXY", secret, strlen(secret)));
	ck_assert_int_eq(radius_enc_finish(&w, secret, strlen(secret), NULL), 0);
	ck_assert_int_eq(radius_decode(w.p, w.len, &pkt), 0);
	ck_assert_ptr_nonnull(a = radius_find(&pkt, RADIUS_A_USER_PASSWORD, &i));
	ck_assert_uint_eq(a->len, 32);
	md5(secret, strlen(secret), req_auth, 16, NULL, 0, b);
	for (int k = 0; k < 16; k++)
		ck_assert_uint_eq(a->value[k] ^ b[k], (uint8_t) "0123456789abcdef"[k]);
	md5(secret, strlen(secret), a->value, 16, NULL, 0, b);
	ck_assert_uint_eq(a->value[16] ^ b[0], 'X');
	ck_assert_uint_eq(a->value[17] ^ b[1], 'Y');
	ck_assert_uint_eq(a->value[18] ^ b[2], 0);
	wbuf_free(&w);
}
END_TEST

START_TEST(accounting_authenticator)
{
	struct wbuf w;
	static struct radius_pkt pkt;
	uint8_t copy[256], md[16];

	wbuf_init(&w);
	radius_enc_begin(&w, RADIUS_ACCOUNTING_REQUEST, 5, NULL);
	ck_assert(radius_put_u32(&w, RADIUS_A_ACCT_STATUS_TYPE, RADIUS_ACCT_START));
	ck_assert(radius_put_str(&w, RADIUS_A_ACCT_SESSION_ID, "ike-1"));
	ck_assert_int_eq(radius_enc_finish(&w, secret, strlen(secret), NULL), 0);
	memcpy(copy, w.p, w.len);
	memset(copy + 4, 0, 16); /* RFC 2866 3: over sixteen zeros */
	md5(copy, w.len, secret, strlen(secret), NULL, 0, md);
	ck_assert_mem_eq(md, w.p + 4, 16);
	ck_assert_int_eq(radius_decode(w.p, w.len, &pkt), 0);
	ck_assert_int_eq(radius_verify_request(&pkt, secret, strlen(secret)), 0);
	wbuf_free(&w);
}
END_TEST

START_TEST(malformed)
{
	uint8_t sk[32] = {1}, rk[32] = {2};
	struct wbuf w;
	static struct radius_pkt pkt;
	static struct radius_reply r;
	const char *why;

	wbuf_init(&w);
	build_accept(&w, sk, rk);
	/* every truncation is refused (the Length field then exceeds the datagram) */
	for (size_t n = 0; n < w.len; n++)
		ck_assert_int_ne(radius_decode(w.p, n, &pkt), 0);
	/* trailing bytes past Length are ignored (RFC 2865 3) */
	{
		uint8_t *big = calloc(1, w.len + 10);

		memcpy(big, w.p, w.len);
		ck_assert_int_eq(radius_decode(big, w.len + 10, &pkt), 0);
		ck_assert_uint_eq(pkt.len, w.len);
		free(big);
	}
	/* every single bit flip is either malformed or fails authentication */
	for (size_t i = 0; i < w.len * 8; i++) {
		w.p[i / 8] ^= (uint8_t)(1 << (i % 8));
		if (radius_decode(w.p, w.len, &pkt) == 0)
			ck_assert_int_ne(radius_verify_reply(&pkt, req_auth, secret, strlen(secret),
							     true, &why),
					 0);
		w.p[i / 8] ^= (uint8_t)(1 << (i % 8));
	}
	/* an attribute of length 1, a second Message-Authenticator, a short one */
	{
		static const uint8_t len1[] = {2, 1, 0, 22, 0, 0, 0, 0, 0, 0, 0,
					       0, 0, 0, 0,  0, 0, 0, 0, 0, 1, 1};
		uint8_t two[20 + 36] = {2, 1, 0, 56};

		ck_assert_int_eq(radius_decode(len1, sizeof(len1), &pkt), -EBADMSG);
		two[20] = two[38] = RADIUS_A_MESSAGE_AUTHENTICATOR;
		two[21] = two[39] = 18;
		ck_assert_int_eq(radius_decode(two, sizeof(two), &pkt), -EBADMSG);
		two[21] = 17;
		two[3] = 39;
		ck_assert_int_eq(radius_decode(two, 39, &pkt), -EBADMSG);
	}
	/* a reply without Message-Authenticator when one is required */
	wbuf_reset(&w);
	radius_enc_begin(&w, RADIUS_ACCESS_REJECT, 1, NULL);
	ck_assert_int_eq(radius_enc_finish(&w, secret, strlen(secret), req_auth), 0);
	ck_assert_int_eq(radius_decode(w.p, w.len, &pkt), 0);
	ck_assert_int_eq(radius_verify_reply(&pkt, req_auth, secret, strlen(secret), true, &why),
			 -EBADMSG);
	ck_assert_int_eq(radius_verify_reply(&pkt, req_auth, secret, strlen(secret), false, &why),
			 0);
	/* an EAP-Message whose own length disagrees with what was reassembled */
	wbuf_reset(&w);
	radius_enc_begin(&w, RADIUS_ACCESS_CHALLENGE, 1, NULL);
	ck_assert(radius_put(&w, RADIUS_A_EAP_MESSAGE, "\x01\x05\x00\x09\x01", 5));
	ck_assert_int_eq(radius_enc_finish(&w, secret, strlen(secret), req_auth), 0);
	ck_assert_int_eq(radius_decode(w.p, w.len, &pkt), 0);
	ck_assert_int_eq(radius_reply_parse(&pkt, req_auth, secret, strlen(secret), &r), -EBADMSG);
	wbuf_free(&w);
}
END_TEST

START_TEST(encoder_limits)
{
	uint8_t big[300] = {0};
	struct wbuf w;

	wbuf_init(&w);
	radius_enc_begin(&w, RADIUS_ACCESS_REQUEST, 1, req_auth);
	ck_assert(!radius_put(&w, RADIUS_A_STATE, big, 254));
	ck_assert(radius_put(&w, RADIUS_A_STATE, big, 253));
	ck_assert(!radius_put_str(&w, RADIUS_A_USER_NAME, ""));
	for (int i = 0; i < 15; i++)
		radius_put(&w, RADIUS_A_STATE, big, 253);
	ck_assert_uint_le(w.len, RADIUS_MAX_LEN);
	ck_assert(!radius_put(&w, RADIUS_A_STATE, big, 253));
	wbuf_free(&w);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("radius");
	TCase *tc = tcase_create("codec");
	SRunner *sr;
	int failed;

	crypto_init();
	tcase_add_test(tc, request_roundtrip);
	tcase_add_test(tc, reply_authenticators);
	tcase_add_test(tc, mppe_independent);
	tcase_add_test(tc, user_password);
	tcase_add_test(tc, accounting_authenticator);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, encoder_limits);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
