/* check_radius_client: the client on a real libev loop against fake servers on localhost
 * UDP sockets in this process: a reply, a retransmission, failover to the second server,
 * a timeout, a reply with a bad authenticator dropped, cancellation, accounting. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipsecd/crypto.h"
#include "ipsecd/loop.h"
#include "ipsecd/radius.h"

enum mode { SILENT, ANSWER, DROP_FIRST, BAD_THEN_GOOD, ONLY_BAD, REJECT_NO_MA, ACCEPT_NO_MA };

struct fake {
	int fd;
	uint16_t port;
	struct loop_io *io;
	enum mode mode;
	const char *secret;
	int received;
	uint8_t first_id, first_auth[16];
	bool same_retransmit;	     /* every copy had the first's id and authenticator */
	struct radius_acct_req seen; /* accounting: what arrived */
	uint32_t status, in_giga;
};

static struct loop *lp;
static struct radius_reply got;
static int calls;

static void reply(struct fake *f, const struct radius_pkt *req, struct sockaddr_in *to,
		  const char *secret)
{
	struct wbuf w;
	uint8_t code = req->code == RADIUS_ACCOUNTING_REQUEST ? RADIUS_ACCOUNTING_RESPONSE
							      : RADIUS_ACCESS_ACCEPT;
	uint8_t ip[4] = {10, 9, 8, 7}, key[16] = {7};

	wbuf_init(&w);
	radius_enc_begin(&w, code, req->id, NULL);
	if (code == RADIUS_ACCESS_ACCEPT) {
		struct wbuf k;

		radius_put_ma(&w);
		radius_put(&w, RADIUS_A_FRAMED_IP_ADDRESS, ip, 4);
		radius_put(&w, RADIUS_A_EAP_MESSAGE, "\x03\x01\x00\x04", 4);
		wbuf_init(&k);
		radius_mppe_encrypt(key, 16, 1, secret, strlen(secret), req->auth, &k);
		radius_put_vsa(&w, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_MPPE_RECV_KEY, k.p, k.len);
		wbuf_free(&k);
	}
	radius_enc_finish(&w, secret, strlen(secret), req->auth);
	sendto(f->fd, w.p, w.len, 0, (struct sockaddr *)to, sizeof(*to));
	wbuf_free(&w);
}

/* A bare reply of code without Message-Authenticator or EAP-Message, as FreeRADIUS 3.2.1
 * sends an Access-Reject for a user it cannot authenticate. */
static void reply_bare(struct fake *f, const struct radius_pkt *req, struct sockaddr_in *to,
		       uint8_t code)
{
	struct wbuf w;

	wbuf_init(&w);
	radius_enc_begin(&w, code, req->id, NULL);
	radius_put_str(&w, RADIUS_A_REPLY_MESSAGE, "no");
	radius_enc_finish(&w, f->secret, strlen(f->secret), req->auth);
	sendto(f->fd, w.p, w.len, 0, (struct sockaddr *)to, sizeof(*to));
	wbuf_free(&w);
}

static void note_acct(struct fake *f, const struct radius_pkt *p)
{
	const struct radius_attr *a;
	int i = -1;

	if ((a = radius_find(p, RADIUS_A_ACCT_STATUS_TYPE, &i)))
		f->status = (uint32_t)a->value[3];
	i = -1;
	if ((a = radius_find(p, RADIUS_A_ACCT_INPUT_GIGAWORDS, &i)))
		f->in_giga = (uint32_t)a->value[3];
}

static void fake_read(struct loop_io *w, int fd, int events, void *arg)
{
	struct fake *f = arg;
	static struct radius_pkt p;
	uint8_t buf[4096];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);

	if (n < 0 || radius_decode(buf, (size_t)n, &p) ||
	    radius_verify_request(&p, f->secret, strlen(f->secret)))
		return; /* a server drops what does not verify */
	if (f->received++ == 0) {
		f->first_id = p.id;
		memcpy(f->first_auth, p.auth, 16);
		f->same_retransmit = true;
	} else if (p.id != f->first_id || memcmp(p.auth, f->first_auth, 16)) {
		f->same_retransmit = false;
	}
	note_acct(f, &p);
	switch (f->mode) {
	case SILENT:
		return;
	case DROP_FIRST:
		if (f->received == 1)
			return;
		break;
	case BAD_THEN_GOOD:
		reply(f, &p, &from, "wrong-secret");
		break;
	case ONLY_BAD:
		reply(f, &p, &from, "wrong-secret");
		return;
	case REJECT_NO_MA:
		reply_bare(f, &p, &from, RADIUS_ACCESS_REJECT);
		return;
	case ACCEPT_NO_MA:
		reply_bare(f, &p, &from, RADIUS_ACCESS_ACCEPT);
		return;
	case ANSWER:
		break;
	}
	reply(f, &p, &from, f->secret);
}

static void fake_open(struct fake *f, enum mode mode)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);

	memset(f, 0, sizeof(*f));
	f->mode = mode;
	f->secret = "s3cret";
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(f->fd, 0);
	ck_assert_int_eq(bind(f->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(f->fd, (struct sockaddr *)&a, &len), 0);
	f->port = ntohs(a.sin_port);
	f->io = loop_io_new(lp, f->fd, LOOP_READ, fake_read, f);
}

static void fake_close(struct fake *f)
{
	loop_io_free(f->io);
	close(f->fd);
}

static void add_server(struct radius_client_conf *c, struct fake *f)
{
	struct radius_server_conf *s = &c->server[c->nservers++];
	struct sockaddr_in *a = (struct sockaddr_in *)&s->addr;

	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->auth_port = s->acct_port = f->port;
	s->secret = (const uint8_t *)"s3cret";
	s->secretlen = 6;
}

static void done(void *arg, const struct radius_reply *r)
{
	calls++;
	got = *r;
	loop_break(lp);
}

static void guard(struct loop_timer *t, void *arg)
{
	loop_break(lp);
}

/* Servers that answer get a long timeout (a loaded machine must not make the client ask
 * twice); tests of silence, drops and failover a short one. */
enum { ANSWERS = 2000, QUIET = 250 };

static struct radius_client *client(struct fake *a, struct fake *b, unsigned timeout_ms)
{
	struct radius_client_conf conf = {.timeout_ms = timeout_ms, .tries = 2, .require_ma = true};
	struct radius_client *c;
	int err;

	add_server(&conf, a);
	if (b)
		add_server(&conf, b);
	c = radius_client_new(lp, &conf, &err);
	ck_assert_ptr_nonnull(c);
	return c;
}

static struct radius_handle *auth(struct radius_client *c)
{
	struct sockaddr_in peer = {.sin_family = AF_INET};
	uint8_t eap[300];
	struct radius_req req = {.user = "alice",
				 .eap = eap,
				 .eap_len = sizeof(eap),
				 .calling = (struct sockaddr *)&peer,
				 .nas_port = 17};

	memset(eap, 0, sizeof(eap));
	eap[0] = 2;
	eap[2] = 0x01;
	eap[3] = 0x2c;
	peer.sin_addr.s_addr = htonl(0xc0000201);
	return radius_auth(c, &req, done, NULL);
}

static void run(void)
{
	struct loop_timer *t = loop_timer_new(lp, 10, 0, guard, NULL);

	loop_run(lp);
	loop_timer_free(t);
}

static void setup(void)
{
	crypto_init();
	lp = loop_default();
	calls = 0;
	memset(&got, 0, sizeof(got));
}

START_TEST(accept_decoded)
{
	struct fake f;
	struct radius_client *c;

	fake_open(&f, ANSWER);
	c = client(&f, NULL, ANSWERS);
	ck_assert_ptr_nonnull(auth(c));
	ck_assert_uint_eq(radius_pending(c), 1);
	run();
	ck_assert_int_eq(calls, 1);
	ck_assert_int_eq(got.result, RADIUS_RES_ACCEPT);
	ck_assert(got.has_framed_ip);
	ck_assert_uint_eq(got.recv_key_len, 16);
	ck_assert_uint_eq(got.recv_key[0], 7);
	ck_assert_uint_eq(got.eap_len, 4);
	ck_assert_int_eq(f.received, 1);
	ck_assert_uint_eq(radius_pending(c), 0);
	radius_client_free(c);
	fake_close(&f);
}
END_TEST

START_TEST(retransmit)
{
	struct fake f;
	struct radius_client *c;

	fake_open(&f, DROP_FIRST);
	c = client(&f, NULL, QUIET);
	auth(c);
	run();
	ck_assert_int_eq(calls, 1);
	ck_assert_int_eq(got.result, RADIUS_RES_ACCEPT);
	ck_assert_int_eq(f.received, 2);
	ck_assert(f.same_retransmit); /* RFC 5080 2.2.1 */
	radius_client_free(c);
	fake_close(&f);
}
END_TEST

START_TEST(failover)
{
	struct fake a, b;
	struct radius_client *c;

	fake_open(&a, SILENT);
	fake_open(&b, ANSWER);
	c = client(&a, &b, QUIET);
	auth(c);
	run();
	ck_assert_int_eq(calls, 1);
	ck_assert_int_eq(got.result, RADIUS_RES_ACCEPT);
	ck_assert_int_eq(a.received, 2);
	ck_assert_int_eq(b.received, 1);
	radius_client_free(c);
	fake_close(&a);
	fake_close(&b);
}
END_TEST

START_TEST(timeout)
{
	struct fake a, b;
	struct radius_client *c;
	double t0;

	fake_open(&a, SILENT);
	fake_open(&b, SILENT);
	c = client(&a, &b, QUIET);
	t0 = loop_now(lp);
	auth(c);
	run();
	ck_assert_int_eq(calls, 1);
	ck_assert_int_eq(got.result, RADIUS_RES_TIMEOUT);
	ck_assert_int_eq(a.received, 2);
	ck_assert_int_eq(b.received, 2);
	/* what the caller's log line names: the timeout, the tries, the time it took */
	ck_assert_uint_eq(got.timeout_ms, QUIET);
	ck_assert_uint_eq(got.tries, 2);
	ck_assert_uint_ge(got.waited_ms, 4 * QUIET - 10);
	/* no sooner than 2 servers x 2 tries x the timeout (timers never fire early); the
	 * answer came from the client, not the guard (calls, result) */
	ck_assert_double_ge(loop_now(lp) - t0, 4 * QUIET / 1000.0 - 0.01);
	radius_client_free(c);
	fake_close(&a);
	fake_close(&b);
}
END_TEST

START_TEST(bad_authenticator_dropped)
{
	struct fake f;
	struct radius_client *c;

	/* a forged reply first, the real one right after: only the real one counts */
	fake_open(&f, BAD_THEN_GOOD);
	c = client(&f, NULL, ANSWERS);
	auth(c);
	run();
	ck_assert_int_eq(calls, 1);
	ck_assert_int_eq(got.result, RADIUS_RES_ACCEPT);
	radius_client_free(c);
	fake_close(&f);
	/* only forged replies: never trusted, the request times out */
	fake_open(&f, ONLY_BAD);
	c = client(&f, NULL, QUIET);
	auth(c);
	run();
	ck_assert_int_eq(calls, 2);
	ck_assert_int_eq(got.result, RADIUS_RES_TIMEOUT);
	ck_assert_int_eq(f.received, 2);
	radius_client_free(c);
	fake_close(&f);
}
END_TEST

START_TEST(reject_without_ma_taken)
{
	struct fake f;
	struct radius_client *c;

	/* RFC 3579 3.2 asks for a Message-Authenticator only with EAP-Message: a bare
	 * Access-Reject ends the request at once, even with require_ma */
	fake_open(&f, REJECT_NO_MA);
	c = client(&f, NULL, ANSWERS);
	auth(c);
	run();
	ck_assert_int_eq(calls, 1);
	ck_assert_int_eq(got.result, RADIUS_RES_REJECT);
	ck_assert_str_eq(got.reply_message, "no");
	ck_assert_int_eq(f.received, 1);
	radius_client_free(c);
	fake_close(&f);
}
END_TEST

START_TEST(accept_without_ma_dropped)
{
	struct fake f;
	struct radius_client *c;

	/* with require_ma an Access-Accept without one never counts (Blast-RADIUS) */
	fake_open(&f, ACCEPT_NO_MA);
	c = client(&f, NULL, QUIET);
	auth(c);
	run();
	ck_assert_int_eq(calls, 1);
	ck_assert_int_eq(got.result, RADIUS_RES_TIMEOUT);
	ck_assert_int_eq(f.received, 2);
	radius_client_free(c);
	fake_close(&f);
}
END_TEST

START_TEST(cancel)
{
	struct fake f;
	struct radius_client *c;
	struct radius_handle *h;

	fake_open(&f, SILENT);
	c = client(&f, NULL, QUIET);
	h = auth(c);
	auth(c); /* left outstanding: radius_client_free cancels it */
	radius_cancel(h);
	ck_assert_uint_eq(radius_pending(c), 1);
	{
		struct loop_timer *t = loop_timer_new(lp, 0.05, 0, guard, NULL);

		loop_run(lp);
		loop_timer_free(t);
	}
	radius_client_free(c);
	ck_assert_int_eq(calls, 0);
	fake_close(&f);
}
END_TEST

START_TEST(accounting)
{
	struct fake f;
	struct radius_client *c;
	struct radius_acct_req req = {
		.status = RADIUS_ACCT_START, .session_id = "ike-7", .user = "alice"};

	fake_open(&f, ANSWER);
	c = client(&f, NULL, ANSWERS);
	ck_assert_ptr_nonnull(radius_acct(c, &req, done, NULL));
	run();
	ck_assert_int_eq(got.result, RADIUS_RES_ACCT_OK);
	ck_assert_uint_eq(f.status, RADIUS_ACCT_START);
	req.status = RADIUS_ACCT_STOP;
	req.in_octets = 5ull << 32 | 1000;
	req.terminate_cause = RADIUS_TERM_USER_REQUEST;
	ck_assert_ptr_nonnull(radius_acct(c, &req, done, NULL));
	run();
	ck_assert_int_eq(calls, 2);
	ck_assert_int_eq(got.result, RADIUS_RES_ACCT_OK);
	ck_assert_uint_eq(f.status, RADIUS_ACCT_STOP);
	ck_assert_uint_eq(f.in_giga, 5);
	req.session_id = NULL;
	ck_assert_ptr_null(radius_acct(c, &req, done, NULL));
	radius_client_free(c);
	fake_close(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("radius_client");
	TCase *tc = tcase_create("loop");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, accept_decoded);
	tcase_add_test(tc, retransmit);
	tcase_add_test(tc, failover);
	tcase_add_test(tc, timeout);
	tcase_add_test(tc, bad_authenticator_dropped);
	tcase_add_test(tc, reject_without_ma_taken);
	tcase_add_test(tc, accept_without_ma_dropped);
	tcase_add_test(tc, cancel);
	tcase_add_test(tc, accounting);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
