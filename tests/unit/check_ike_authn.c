/* check_ike_authn: IKEv2 authentication with certificates (auth-method=digital-signature)
 * and bare RSA keys (auth-method=rsa-key) between two engines in one process (a initiates,
 * b is a passive responder), over the fakes of fake_env.c and the test PKI of
 * pki_fixture.c. Each end has a certificate store and keys of its own, which the engine
 * reaches through ike_deps .pki and .key. The tests assert the CERT payloads on the wire
 * (opened with the receiver's keys), the SA states and authenticated IDs (ike_walk), both
 * fake kernels, the statistics, the reason logged for a refusal, and the chain cache. */
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "fake_env.h"
#include "ike_internal.h" /* inner(): the receiver's SK keys open a message */
#include "v2/state.h"
#include "ipsecd/conf.h"
#include "ipsecd/crypto.h"
#include "ipsecd/eap.h"
#include "ipsecd/ike.h"
#include "ipsecd/log.h"
#include "ipsecd/pki.h"
#include "ipsecd/sig.h"
#include "ipsecd/wire.h"
#include "pki_fixture.h"

#define REQID 0x49000001u
#define A_SPI 0xa0000100u /* first SPI a's kernel gives out */
#define B_SPI 0xb0000100u

/* The engine checks certificates at time(NULL), while the fixture's dates are fixed and the
 * machine's clock may say anything: this definition takes the place of libc's for the whole
 * program (OpenSSL's calls included), so the tests' present is T_NOW, 2026-06-01. */
static time_t wall = T_NOW;

time_t time(time_t *t)
{
	if (t)
		*t = wall;
	return wall;
}

static struct pki_fixture fx; /* built once, before the tests fork */
static X509 *leaf;	      /* "CN=leaf-30, O=test" by inter, no SAN, stranger_key's */

/* --- the two ends --- */

struct key_ref {
	const char *name;
	EVP_PKEY *key;
};

struct end {
	const char *name;
	struct conf *c;
	struct kern *k;
	struct net *n;
	struct ike *ike;
	struct pki_store *store;
	struct key_ref keys[4];
	size_t nkeys;
};

static struct loop *lp;
static struct end A = {.name = "a"}, B = {.name = "b"};

/* A file of the fixture's directory an end imports into its store: a certificate named
 * name (a /certificate item of its configuration too), or a key or CRL (name NULL). */
struct cred {
	const char *file, *name, *pass;
};

/* A key file an end loads as /ip ipsec key name. */
struct key_file {
	const char *name, *file;
};

/* What differs between tests: an end's credentials and its identities (the properties
 * after peer=, one identity each, in order). */
struct side {
	struct cred certs[6];
	struct key_file keys[3];
	const char *ids[3];
};

/* Configuration lines after the rest of a's and b's, or NULL (setup clears them). */
static const char *more[2];
/* Both peers' exchange-mode: ike2 unless an IKEv1 test says main or aggressive. */
static const char *xmode;
static const char *xmode_hybrid; /* the hybrid tests': main unless a test says otherwise */

/* The fixture's credentials, as struct cred initialisers. */
/* clang-format off */
#define CA    {"ca.pem", "ca", NULL}
#define INTER {"inter.pem", "inter", NULL}
#define CRL   {"crl.pem", NULL, NULL}
#define MOON  {"moon.pem", "moon", NULL}, {"moon.key", NULL, NULL}
#define SUN   {"sun.pem", "sun", NULL}, {"sun-p8.key", NULL, PKI_FIX_PASS}
/* clang-format on */
#define DS(c)  "auth-method=digital-signature certificate=" c
#define RSA(k) "auth-method=rsa-key key=" k

/* Mirror images: a (192.0.2.1, 10.1.0.0/24) initiates to b (192.0.2.2, 10.2.0.0/24). */
static const struct {
	const char *peer_name, *me, *them, *my_net, *their_net, *extra;
} fixed[2] = {
	{"b", "192.0.2.1", "192.0.2.2", "10.1.0.0/24", "10.2.0.0/24", ""},
	{"a", "192.0.2.2", "192.0.2.1", "10.2.0.0/24", "10.1.0.0/24", " passive=yes"},
};

static const char *path_of(const char *file)
{
	static char buf[4][256];
	static unsigned next;
	char *p = buf[next++ % 4];

	return pki_fixture_path(&fx, file, p, sizeof(buf[0]));
}

static struct conf *load(const char *text)
{
	struct conf *c = conf_new();
	struct conf_diags ds;

	conf_diags_init(&ds);
	if (!c || conf_load_buf(c, "t.conf", text, strlen(text), CONF_FROM_FILE, &ds) < 0) {
		conf_diags_print(&ds, stderr);
		ck_abort_msg("configuration does not load:\n%s", text);
	}
	conf_diags_free(&ds);
	return c;
}

static struct conf *conf_for(int i, const struct side *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct conf *c;

	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"/ip ipsec profile\n"
		"set [ find default=yes ] dh-group=ecp256 enc-algorithm=aes-256 "
		"hash-algorithm=sha256 dpd-interval=disable-dpd lifetime=1d\n"
		"/ip ipsec proposal\n"
		"set [ find default=yes ] auth-algorithms=sha256 enc-algorithms=aes-256-cbc "
		"pfs-group=ecp256\n"
		"/ip ipsec peer\n"
		"add name=%s address=%s/32 local-address=%s exchange-mode=%s%s\n",
		fixed[i].peer_name, fixed[i].them, fixed[i].me, xmode, fixed[i].extra);
	fprintf(f, "/certificate\n");
	for (size_t j = 0; j < 6 && s->certs[j].file; j++)
		if (s->certs[j].name)
			fprintf(f, "import file-name=%s name=%s\n", path_of(s->certs[j].file),
				s->certs[j].name);
	fprintf(f, "/ip ipsec key\n");
	for (size_t j = 0; j < 3 && s->keys[j].file; j++)
		fprintf(f, "import file-name=%s name=%s\n", path_of(s->keys[j].file),
			s->keys[j].name);
	fprintf(f, "/ip ipsec identity\n");
	for (size_t j = 0; j < 3 && s->ids[j]; j++)
		fprintf(f, "add peer=%s %s\n", fixed[i].peer_name, s->ids[j]);
	fprintf(f,
		"/ip ipsec policy\n"
		"add src-address=%s dst-address=%s peer=%s tunnel=yes\n",
		fixed[i].my_net, fixed[i].their_net, fixed[i].peer_name);
	if (more[i])
		fputs(more[i], f);
	ck_assert_int_eq(fclose(f), 0);
	c = load(text);
	free(text);
	return c;
}

static struct pki_store *pki_of(void *arg)
{
	return ((struct end *)arg)->store;
}

static EVP_PKEY *key_of(void *arg, const char *name)
{
	struct end *e = arg;

	for (size_t i = 0; i < e->nkeys; i++)
		if (!strcmp(e->keys[i].name, name))
			return e->keys[i].key;
	return NULL;
}

static uint32_t reqid_of(void *arg, const struct conf *c, const struct conf_item *pol)
{
	(void)arg;
	(void)c;
	(void)pol;
	return REQID;
}

static void import(struct pki_store *s, const struct cred *cr)
{
	char msg[PKI_MSG_MAX];
	int r = pki_store_import(s, path_of(cr->file), cr->name, cr->pass, 0, msg, sizeof(msg));

	ck_assert_msg(r == 0, "%s: %d %s", cr->file, r, msg);
}

/* --- a fake RADIUS server for b (auth-method=eap-radius): eap.h's EAP-MSCHAPv2
 * authenticator behind radius_auth, answering when the test runs it --- */

#define EAP_USER "alice"
#define EAP_PASS "Through the Looking-Glass"

static struct {
	struct eap_ms_auth *auth;
	bool pending, hold, reject_all;
	radius_cb cb;
	void *cbarg;
	uint8_t eap[RADIUS_MAX_LEN];
	size_t eap_len;
	unsigned requests, cancelled;
	unsigned with_state; /* requests that carried the State of the last Challenge */
	char user[64];
	bool framed; /* the Accept gives Framed-IP-Address 10.8.0.77 */
	/* accounting: every request b sent, in order */
	unsigned nacct;
	struct {
		enum radius_acct_status status;
		char session_id[40], user[64];
		uint64_t in_octets, out_octets;
		uint32_t in_packets, out_packets, session_time, cause;
		bool framed_ip;
		struct in_addr framed;
	} acct[8];
} rad;

static struct radius_handle *rad_acct(void *arg, const struct radius_acct_req *q, radius_cb cb,
				      void *cbarg)
{
	(void)arg;
	(void)cb;
	(void)cbarg;
	ck_assert_uint_lt(rad.nacct, 8);
	rad.acct[rad.nacct].status = q->status;
	snprintf(rad.acct[rad.nacct].session_id, sizeof(rad.acct[0].session_id), "%s",
		 q->session_id);
	snprintf(rad.acct[rad.nacct].user, sizeof(rad.acct[0].user), "%s", q->user);
	rad.acct[rad.nacct].in_octets = q->in_octets;
	rad.acct[rad.nacct].out_octets = q->out_octets;
	rad.acct[rad.nacct].in_packets = q->in_packets;
	rad.acct[rad.nacct].out_packets = q->out_packets;
	rad.acct[rad.nacct].session_time = q->session_time;
	rad.acct[rad.nacct].cause = q->terminate_cause;
	rad.acct[rad.nacct].framed_ip = q->framed_ip != NULL;
	if (q->framed_ip)
		rad.acct[rad.nacct].framed = *q->framed_ip;
	rad.nacct++;
	return (struct radius_handle *)&rad.acct; /* fire and forget: never completed */
}

/* The kernel's counters: b's inbound SAs (to 192.0.2.2) carried 1000 bytes in 10 packets,
 * its outbound ones 2000 in 20. */
static int sa_counters(void *arg, const struct kern_sa_id *id, uint64_t *bytes, uint64_t *packets)
{
	bool in = fake_addr_is(&id->dst, "192.0.2.2");

	(void)arg;
	*bytes = in ? 1000 : 2000;
	*packets = in ? 10 : 20;
	return 0;
}

static bool rad_password(void *arg, const char *user, char *pw, size_t len)
{
	(void)arg;
	if (strcmp(user, EAP_USER))
		return false;
	snprintf(pw, len, "%s", EAP_PASS);
	return true;
}

static struct radius_handle *rad_auth(void *arg, const struct radius_req *q, radius_cb cb,
				      void *cbarg)
{
	(void)arg;
	ck_assert(!rad.pending);
	ck_assert_uint_le(q->eap_len, sizeof(rad.eap));
	memcpy(rad.eap, q->eap, q->eap_len);
	rad.eap_len = q->eap_len;
	snprintf(rad.user, sizeof(rad.user), "%s", q->user);
	/* RFC 2865 5.24: the State of a Challenge goes back unchanged with the next request */
	if (q->state_len == 4 && !memcmp(q->state, "st8e", 4))
		rad.with_state++;
	else
		ck_assert_uint_eq(q->state_len, 0);
	rad.cb = cb;
	rad.cbarg = cbarg;
	rad.pending = true;
	rad.requests++;
	return (struct radius_handle *)&rad;
}

static void rad_cancel(void *arg, struct radius_handle *h)
{
	(void)arg;
	ck_assert_ptr_eq(h, (void *)&rad);
	rad.pending = false;
	rad.cancelled++;
}

/* Answers the request waiting, if any (and not held). */
static unsigned rad_run(void)
{
	static struct radius_reply r;
	struct eap_pkt e;
	struct wbuf out;
	enum eap_status st = EAP_ST_CONTINUE;

	if (!rad.pending || rad.hold)
		return 0;
	rad.pending = false;
	memset(&r, 0, sizeof(r));
	r.server = "fake";
	wbuf_init(&out);
	ck_assert_int_eq(eap_decode(rad.eap, rad.eap_len, &e), 0);
	if (e.type == EAP_T_IDENTITY) {
		eap_ms_auth_free(rad.auth);
		rad.auth = eap_ms_auth_new("fake-radius", rad_password, NULL);
		ck_assert_int_eq(eap_ms_auth_start(rad.auth, (uint8_t)(e.id + 1), &out), 0);
	} else {
		ck_assert_ptr_nonnull(rad.auth);
		ck_assert_int_eq(eap_ms_auth_process(rad.auth, rad.eap, rad.eap_len, &out, &st), 0);
	}
	r.result = st == EAP_ST_SUCCESS	  ? RADIUS_RES_ACCEPT
		   : st == EAP_ST_FAILURE ? RADIUS_RES_REJECT
					  : RADIUS_RES_CHALLENGE;
	if (rad.reject_all)
		r.result = RADIUS_RES_REJECT;
	memcpy(r.eap, out.p, out.len);
	r.eap_len = out.len;
	r.state.len = 4;
	memcpy(r.state.data, "st8e", 4);
	if (st == EAP_ST_SUCCESS) {
		const uint8_t *msk = eap_ms_auth_msk(rad.auth);

		memcpy(r.recv_key, msk, 16);
		memcpy(r.send_key, msk + 16, 16);
		r.recv_key_len = r.send_key_len = 16;
		r.has_framed_ip = rad.framed;
		r.framed_ip.s_addr = htonl(0x0a08004d);
	}
	wbuf_free(&out);
	rad.cb(rad.cbarg, &r);
	return 1;
}

static void end_up(struct end *e, int i, const struct side *s)
{
	e->c = conf_for(i, s);
	e->k = fake_kern_new(lp, i ? B_SPI : A_SPI);
	e->n = fake_net_new(lp);
	e->store = pki_store_new();
	ck_assert_ptr_nonnull(e->k);
	ck_assert_ptr_nonnull(e->n);
	ck_assert_ptr_nonnull(e->store);
	for (size_t j = 0; j < 6 && s->certs[j].file; j++)
		import(e->store, &s->certs[j]);
	for (size_t j = 0; j < 3 && s->keys[j].file; j++) {
		struct sig_err err = {0};
		bool priv;

		ck_assert_msg(sig_key_load(path_of(s->keys[j].file), NULL, &e->keys[j].key, &priv,
					   &err) == 0,
			      "%s: %s", s->keys[j].file, err.msg);
		e->keys[j].name = s->keys[j].name;
		e->nkeys++;
	}
	struct ike_deps d = {.loop = lp,
			     .kern = e->k,
			     .net = e->n,
			     .policy_reqid = reqid_of,
			     .pki = pki_of,
			     .key = key_of,
			     .radius_auth = i ? rad_auth : NULL,
			     .radius_cancel = i ? rad_cancel : NULL,
			     .radius_acct = i ? rad_acct : NULL,
			     .sa_counters = i ? sa_counters : NULL,
			     .arg = e};

	e->ike = ike_new(&d);
	ck_assert_ptr_nonnull(e->ike);
}

static void ends_up(const struct side *a, const struct side *b)
{
	end_up(&A, 0, a);
	end_up(&B, 1, b);
}

static void end_down(struct end *e)
{
	ike_free(e->ike);
	if (e->k)
		fake_kern_run(e->k); /* answers to SPI requests in flight free their tokens */
	fake_kern_free(e->k);
	fake_net_free(e->n);
	conf_free(e->c);
	pki_store_free(e->store);
	for (size_t i = 0; i < e->nkeys; i++)
		sig_key_free(e->keys[i].key);
	*e = (struct end){.name = e->name};
}

/* --- the log: where a refusal says why --- */

static FILE *log_file;
static int real_stderr = -1;

/* Everything logged so far (the caller frees it), or NULL. */
static char *read_log(void)
{
	struct stat st;
	char *text;
	ssize_t got;

	fflush(stderr);
	if (!log_file || fstat(fileno(log_file), &st) < 0 ||
	    !(text = malloc((size_t)st.st_size + 1)))
		return NULL;
	got = pread(fileno(log_file), text, (size_t)st.st_size, 0);
	text[got > 0 ? got : 0] = '\0';
	return text;
}

/* With IKE_TEST_DEBUG, the log goes where it would have gone, once the test is over (a
 * failed assertion ends the test's process: then from atexit). */
static void log_dump(void)
{
	char *text = getenv("IKE_TEST_DEBUG") && real_stderr >= 0 ? read_log() : NULL;

	if (text && write(real_stderr, text, strlen(text)) < 0)
		perror("write");
	free(text);
}

static void log_capture(void)
{
	static bool dump_at_exit;

	fflush(stderr);
	log_file = tmpfile();
	real_stderr = dup(STDERR_FILENO);
	ck_assert_ptr_nonnull(log_file);
	ck_assert_int_ge(real_stderr, 0);
	ck_assert_int_ge(dup2(fileno(log_file), STDERR_FILENO), 0);
	log_set_level(LOG_IKE, getenv("IKE_TEST_DEBUG") ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	if (!dump_at_exit)
		dump_at_exit = atexit(log_dump) == 0;
}

static void log_release(void)
{
	if (real_stderr < 0)
		return;
	log_dump();
	fflush(stderr);
	dup2(real_stderr, STDERR_FILENO);
	close(real_stderr);
	real_stderr = -1;
	fclose(log_file);
	log_file = NULL;
}

static void expect_logged(const char *what)
{
	char *text = read_log();

	ck_assert_ptr_nonnull(text);
	ck_assert_msg(strstr(text, what) != NULL, "not logged: \"%s\"; the log:\n%s", what, text);
	free(text);
}

/* --- the wire --- */

/* An IKE_AUTH message as its receiver opened it. */
struct auth_msg {
	unsigned seen, ncert, ncertreq;
	const char *cert[IKEV2_MAX_CERT]; /* the fixture certificate each CERT carries */
	uint8_t method;			  /* of its AUTH payload, 0 without one */
	bool auth_failed;		  /* it carries AUTHENTICATION_FAILED */
};
static struct auth_msg auth_req, auth_resp; /* the last ones seen */
static bool info_auth_failed; /* an INFORMATIONAL request said AUTHENTICATION_FAILED */

static const char *which_cert(const struct ikev2_cert *c)
{
	const struct {
		const char *name;
		X509 *x;
	} all[] = {{"ca", fx.ca},	    {"inter", fx.inter},       {"other_ca", fx.other_ca},
		   {"moon", fx.moon},	    {"sun", fx.sun},	       {"expired", fx.expired},
		   {"revoked", fx.revoked}, {"stranger", fx.stranger}, {"leaf", leaf}};
	X509 *x = c->encoding == IKEV2_CERT_X509_SIG ? pki_cert_from_der(c->data.ptr, c->data.len)
						     : NULL;
	const char *name = "?";

	for (size_t i = 0; x && i < sizeof(all) / sizeof(all[0]); i++)
		if (!X509_cmp(x, all[i].x))
			name = all[i].name;
	X509_free(x);
	return name;
}

/* Opens a protected message with the keys of its receiver rx: a peek through the engine's
 * internals, as the payloads are encrypted. Fragments (RFC 7383) are opened one by one and
 * pieced together here, in the order sent; m is the whole message once the last is in. m
 * points into a buffer of inner's until the next call. false when rx has no SA for it or
 * the message is not whole yet. */
static bool inner(const struct end *rx, const struct fake_dgram *d, struct ikev2_msg *m)
{
	static uint8_t plain[16384];
	static size_t plen;
	static uint8_t first;
	size_t n = 0;

	ck_assert_int_eq(ikev2_decode(d->data, d->len, m), 0);
	bool from_i = m->hdr.flags & IKEV2_FLAG_INITIATOR;
	struct ike_sa *sa = ike_tab_get(&rx->ike->sas, from_i ? m->hdr.spi_r : m->hdr.spi_i);

	if (!sa || !sa->v2->sk_in)
		return false;
	bool frag = m->present & (1u << (IKEV2_PLD_SKF - 32));

	if (!frag || m->frag_num == 1) {
		plen = 0;
		first = m->sk_next;
	} else {
		ck_assert_uint_eq(m->sk_next, IKEV2_PLD_NONE); /* 2.5: only fragment 1 names it */
	}
	ck_assert_uint_le(plen + m->sk.len, sizeof(plain));
	ck_assert_int_eq(crypto_sk_open(sa->v2->sk_in, d->data, m->sk_aad_len, m->sk.ptr, m->sk.len,
					plain + plen, &n),
			 0);
	plen += n;
	if (frag && m->frag_num < m->frag_total)
		return false;
	ck_assert_int_eq(ikev2_decode_inner(plain, plen, first, m), 0);
	return true;
}

static bool has_auth_failed(const struct ikev2_msg *m)
{
	for (unsigned i = 0; i < m->nnotify; i++)
		if (m->notify[i].type == IKEV2_N_AUTHENTICATION_FAILED)
			return true;
	return false;
}

/* Notes what an IKE_AUTH message carries, and whether an INFORMATIONAL request carries
 * AUTHENTICATION_FAILED. */
static void look_at(bool from_a, const struct fake_dgram *d)
{
	static struct ikev2_msg m;
	struct auth_msg *am;

	if (!inner(from_a ? &B : &A, d, &m))
		return;
	bool response = m.hdr.flags & IKEV2_FLAG_RESPONSE;

	if (m.hdr.exch == IKEV2_EXCH_INFORMATIONAL) {
		info_auth_failed |= !response && has_auth_failed(&m);
		return;
	}
	am = response ? &auth_resp : &auth_req;
	*am = (struct auth_msg){.seen = am->seen + 1,
				.ncert = m.ncert,
				.ncertreq = m.ncertreq,
				.auth_failed = has_auth_failed(&m)};
	for (unsigned i = 0; i < m.ncert; i++)
		am->cert[i] = which_cert(&m.cert[i]);
	if (m.present & (1u << (IKEV2_PLD_AUTH - 32)))
		am->method = m.auth.method;
}

static unsigned path_mtu;      /* datagrams longer are lost on the way; 0: none are */
static unsigned nsent[2];      /* messages a and b sent */
static unsigned nfragments[2]; /* of them, in fragments: datagrams */
static size_t largest[2];      /* the longest datagram each sent */

/* Fragment number of an SKF message (RFC 7383 2.5), 0 for others. */
static unsigned frag_num(const struct fake_dgram *d)
{
	if (d->len < IKEV2_HDR_LEN + 8 || d->data[16] != IKEV2_PLD_SKF)
		return 0;
	return (unsigned)d->data[IKEV2_HDR_LEN + 4] << 8 | d->data[IKEV2_HDR_LEN + 5];
}

static unsigned flush(struct end *from, struct end *to)
{
	struct fake_dgram *d;
	unsigned n = 0;

	while ((d = fake_net_pop(from->n))) {
		struct net_pkt p;
		unsigned num = frag_num(d);

		nsent[from == &B] += num <= 1;
		nfragments[from == &B] += num > 0;
		if (d->len > largest[from == &B])
			largest[from == &B] = d->len;
		/* IPv4 and UDP headers, and the non-ESP marker on the NAT-T port */
		if (!path_mtu || d->len + 28 + (d->natt ? 4 : 0) <= path_mtu) {
			if (d->len >= 28 && (d->data[18] == IKEV2_EXCH_IKE_AUTH ||
					     d->data[18] == IKEV2_EXCH_INFORMATIONAL))
				look_at(from == &A, d);
			fake_net_pkt(d, &p);
			ike_recv(to->ike, &p);
		}
		free(d);
		n++;
	}
	return n;
}

/* Kernel answers, timers due now and datagrams both ways, until nothing moves. */
static void settle(void)
{
	for (int i = 0;; i++) {
		unsigned n =
			fake_kern_run(A.k) + fake_kern_run(B.k) + fake_loop_run_due(lp) + rad_run();

		if (!(n + flush(&A, &B) + flush(&B, &A)))
			break;
		ck_assert_int_lt(i, 1000);
	}
}

static void start(void)
{
	ike_apply(B.ike, B.c);
	ike_apply(A.ike, A.c);
	settle();
}

/* --- fixtures --- */

static void setup(void)
{
	wall = T_NOW;
	lp = fake_loop_new(1000.0);
	ck_assert_ptr_nonnull(lp);
	memset(&auth_req, 0, sizeof(auth_req));
	memset(&auth_resp, 0, sizeof(auth_resp));
	info_auth_failed = false;
	nsent[0] = nsent[1] = 0;
	nfragments[0] = nfragments[1] = 0;
	largest[0] = largest[1] = 0;
	path_mtu = 0;
	memset(&rad, 0, sizeof(rad));
	more[0] = more[1] = NULL;
	xmode = "ike2";
	xmode_hybrid = "main";
	log_capture();
}

static void teardown(void)
{
	end_down(&A);
	end_down(&B);
	fake_loop_free(lp);
	lp = NULL;
	eap_ms_auth_free(rad.auth);
	rad.auth = NULL;
	log_release();
}

/* --- looking at the ends --- */

struct peer_seen {
	unsigned n;
	char state[32], remote_id[256], remote_cert[256], eap_identity[256];
	struct net_addr dynamic_address;
};

static void walk_one(void *arg, const struct ike_peer_info *i)
{
	struct peer_seen *w = arg;

	if (w->n++)
		return;
	snprintf(w->state, sizeof(w->state), "%s", i->state);
	snprintf(w->remote_id, sizeof(w->remote_id), "%s", i->remote_id);
	snprintf(w->remote_cert, sizeof(w->remote_cert), "%s", i->remote_cert);
	snprintf(w->eap_identity, sizeof(w->eap_identity), "%s", i->eap_identity);
	w->dynamic_address = i->dynamic_address;
}

/* How many IKE SAs e has, and what ike_walk says of the first. */
static struct peer_seen walk(const struct end *e)
{
	struct peer_seen w = {0};

	ike_walk(e->ike, walk_one, &w);
	return w;
}

/* The installed (non-larval) SA of e's kernel with that destination; exactly one. */
static const struct kern_sa *sa_to(const struct end *e, const char *dst)
{
	const struct kern_sa *sa;
	size_t n = fake_kern_sa_to(e->k, dst, &sa);

	ck_assert_msg(n == 1, "%s: %zu SAs to %s, not 1", e->name, n, dst);
	return sa;
}

/* One end's outbound SA is the other's inbound: SPI, algorithms and keys. */
static void same_sa(const struct kern_sa *x, const struct kern_sa *y)
{
	ck_assert_uint_eq(x->id.spi, y->id.spi);
	ck_assert_uint_eq(x->id.proto, IPPROTO_ESP);
	ck_assert_uint_eq(y->id.proto, IPPROTO_ESP);
	ck_assert_ptr_eq(x->enc, y->enc);
	ck_assert_ptr_eq(x->auth, y->auth);
	ck_assert_uint_gt(x->enc_key.len, 0);
	ck_assert_uint_eq(x->enc_key.len, y->enc_key.len);
	ck_assert_uint_eq(x->auth_key.len, y->auth_key.len);
	ck_assert(!memcmp(x->enc_key.bytes, y->enc_key.bytes, x->enc_key.len));
	ck_assert(!memcmp(x->auth_key.bytes, y->auth_key.bytes, x->auth_key.len));
	ck_assert_uint_eq(x->reqid, REQID);
}

/* Both ends established one IKE SA, and each kernel holds the CHILD SA's two SAs, keyed
 * alike across. */
static void expect_up(void)
{
	struct peer_seen wa = walk(&A), wb = walk(&B);

	ck_assert_uint_eq(wa.n, 1);
	ck_assert_uint_eq(wb.n, 1);
	ck_assert_str_eq(wa.state, "established");
	ck_assert_str_eq(wb.state, "established");
	ck_assert_uint_eq(ike_stats(A.ike)->established, 1);
	ck_assert_uint_eq(ike_stats(B.ike)->established, 1);
	ck_assert_uint_eq(ike_stats(A.ike)->failed, 0);
	ck_assert_uint_eq(ike_stats(B.ike)->failed, 0);
	ck_assert_uint_eq(fake_kern_nsa(A.k, true), 2);
	ck_assert_uint_eq(fake_kern_nsa(B.k, true), 2);
	same_sa(sa_to(&A, "192.0.2.2"), sa_to(&B, "192.0.2.2"));
	same_sa(sa_to(&B, "192.0.2.1"), sa_to(&A, "192.0.2.1"));
	ck_assert_uint_eq(auth_req.seen, 1);
	ck_assert_uint_eq(auth_resp.seen, 1);
}

/* Neither end has an IKE SA, nor has either kernel an SA with keys. */
static void expect_nothing(void)
{
	ck_assert_uint_eq(walk(&A).n, 0);
	ck_assert_uint_eq(walk(&B).n, 0);
	for (int i = 0; i < 2; i++) {
		struct kern *k = i ? B.k : A.k;

		ck_assert_uint_eq(fake_kern_count(k, FAKE_KOP_ADD, false), 0);
		ck_assert_uint_eq(fake_kern_count(k, FAKE_KOP_UPDATE, false), 0);
		ck_assert_uint_eq(fake_kern_nsa(k, true), 0);
	}
	ck_assert_uint_eq(ike_stats(A.ike)->established, 0);
	ck_assert_uint_eq(ike_stats(B.ike)->established, 0);
}

/* b refused a's IKE_AUTH with AUTHENTICATION_FAILED and logged why; nothing is left. */
static void expect_refused_by_b(const char *why)
{
	ck_assert_uint_eq(auth_req.seen, 1);
	ck_assert_uint_eq(auth_resp.seen, 1);
	ck_assert(auth_resp.auth_failed);
	ck_assert_uint_eq(auth_resp.method, 0); /* no AUTH of b's */
	ck_assert_uint_eq(nsent[0], 2);		/* a has nothing more to say */
	ck_assert_uint_eq(nsent[1], 2);
	expect_nothing();
	ck_assert_uint_eq(ike_stats(B.ike)->failed, 1);
	ck_assert_uint_eq(ike_stats(A.ike)->failed, 1);
	expect_logged(why);
	expect_logged("peer refused IKE_AUTH: AUTHENTICATION_FAILED");
}

/* a refused b's IKE_AUTH response, which b had taken as the IKE SA's establishment: a
 * logged why and told b in an INFORMATIONAL (RFC 7296 2.21.2), and b removed the CHILD SA
 * it had installed. */
static void expect_refused_by_a(const char *why)
{
	ck_assert_uint_eq(auth_resp.seen, 1);
	ck_assert(!auth_resp.auth_failed);
	ck_assert_uint_eq(nsent[0], 3); /* IKE_SA_INIT, IKE_AUTH, the INFORMATIONAL */
	ck_assert(info_auth_failed);
	ck_assert_uint_eq(walk(&A).n, 0);
	ck_assert_uint_eq(walk(&B).n, 0);
	ck_assert_uint_eq(ike_stats(A.ike)->failed, 1);
	ck_assert_uint_eq(ike_stats(A.ike)->established, 0);
	ck_assert_uint_eq(ike_stats(B.ike)->failed, 1);
	ck_assert_uint_eq(fake_kern_count(A.k, FAKE_KOP_ADD, false), 0);
	ck_assert_uint_eq(fake_kern_count(A.k, FAKE_KOP_UPDATE, false), 0);
	ck_assert_uint_eq(fake_kern_nsa(A.k, true), 0);
	ck_assert_uint_eq(fake_kern_count(B.k, FAKE_KOP_ADD, true), 1);
	ck_assert_uint_eq(fake_kern_nsa(B.k, true), 0);
	expect_logged(why);
	expect_logged("peer a ike#1: the peer refused our authentication (AUTHENTICATION_FAILED)");
}

/* --- 1. certificate chains --- */

/* a's certificate comes from the intermediate CA, which only a holds: a sends it after its
 * own (not the root), and b, trusting the root alone, accepts. b's RSA certificate comes
 * from the root. */
START_TEST(test_chain_from_initiator)
{
	const struct side a = {{CA, INTER, SUN}, {{0}}, {DS("sun")}};
	const struct side b = {{CA, MOON}, {{0}}, {DS("moon")}};

	ends_up(&a, &b);
	start();
	expect_up();
	ck_assert_uint_eq(auth_req.ncert, 2);
	ck_assert_str_eq(auth_req.cert[0], "sun");
	ck_assert_str_eq(auth_req.cert[1], "inter");
	ck_assert_uint_eq(auth_req.ncertreq, 1);
	ck_assert_uint_eq(auth_req.method, IKEV2_AUTH_DIGITAL_SIGNATURE);
	ck_assert_uint_eq(auth_resp.ncert, 1);
	ck_assert_str_eq(auth_resp.cert[0], "moon");
	ck_assert_uint_eq(auth_resp.ncertreq, 0);
	ck_assert_uint_eq(auth_resp.method, IKEV2_AUTH_DIGITAL_SIGNATURE);

	struct peer_seen wa = walk(&A), wb = walk(&B);

	/* my-id=auto: each certificate's first subjectAltName */
	ck_assert_str_eq(wb.remote_id, "sun@example.org");
	ck_assert_str_eq(wb.remote_cert, "CN=sun, O=test");
	ck_assert_str_eq(wa.remote_id, "moon.example.org");
	ck_assert_str_eq(wa.remote_cert, "CN=moon, O=test");
	expect_logged("IKE SA established (responder) with sun@example.org");
}
END_TEST

/* The same the other way: the responder sends the intermediate in its IKE_AUTH response. */
START_TEST(test_chain_from_responder)
{
	const struct side a = {{CA, MOON}, {{0}}, {DS("moon")}};
	const struct side b = {{CA, INTER, SUN}, {{0}}, {DS("sun")}};

	ends_up(&a, &b);
	start();
	expect_up();
	ck_assert_uint_eq(auth_req.ncert, 1);
	ck_assert_str_eq(auth_req.cert[0], "moon");
	ck_assert_uint_eq(auth_resp.ncert, 2);
	ck_assert_str_eq(auth_resp.cert[0], "sun");
	ck_assert_str_eq(auth_resp.cert[1], "inter");
	ck_assert_str_eq(walk(&A).remote_cert, "CN=sun, O=test");
	ck_assert_str_eq(walk(&B).remote_cert, "CN=moon, O=test");
}
END_TEST

/* Without the intermediate a sends its certificate alone, and b cannot build the chain. */
START_TEST(test_chain_incomplete)
{
	const struct side a = {{CA, SUN}, {{0}}, {DS("sun")}};
	const struct side b = {{CA, MOON}, {{0}}, {DS("moon")}};

	ends_up(&a, &b);
	start();
	ck_assert_uint_eq(auth_req.ncert, 1);
	ck_assert_str_eq(auth_req.cert[0], "sun");
	expect_refused_by_b("the peer's certificate is refused: certificate CN=sun, O=test: "
			    "issuer CN=Test Intermediate, O=test is not trusted");
}
END_TEST

/* --- 2. IDs --- */

/* my-id=auto sends the first subjectAltName, which remote-id names. */
START_TEST(test_remote_id_san)
{
	const struct side a = {
		{CA, MOON}, {{0}}, {DS("moon") " my-id=auto remote-id=user-fqdn:sun@example.org"}};
	const struct side b = {
		{CA, INTER, SUN}, {{0}}, {DS("sun") " remote-id=fqdn:moon.example.org"}};

	ends_up(&a, &b);
	start();
	expect_up();
	ck_assert_str_eq(walk(&B).remote_id, "moon.example.org");
	ck_assert_str_eq(walk(&A).remote_id, "sun@example.org");
}
END_TEST

/* Another subjectAltName of the certificate, in another case than the certificate's. */
START_TEST(test_remote_id_other_san)
{
	const struct side a = {{CA, MOON}, {{0}}, {DS("moon") " my-id=fqdn:moon.alt.example"}};
	const struct side b = {
		{CA, INTER, SUN}, {{0}}, {DS("sun") " remote-id=fqdn:moon.alt.example"}};

	ends_up(&a, &b);
	start();
	expect_up();
	ck_assert_str_eq(walk(&B).remote_id, "moon.alt.example");
}
END_TEST

/* A certificate without subjectAltName: my-id=auto sends its subject. */
START_TEST(test_my_id_dn)
{
	const struct side a = {
		{CA, INTER, {"leaf.pem", "leaf", NULL}, {"stranger.key", NULL, NULL}},
		{{0}},
		{DS("leaf")}};
	const struct side b = {{CA, MOON}, {{0}}, {DS("moon")}};

	ends_up(&a, &b);
	start();
	expect_up();
	ck_assert_str_eq(auth_req.cert[0], "leaf");
	ck_assert_str_eq(walk(&B).remote_id, "CN=leaf-30, O=test");
	ck_assert_str_eq(walk(&B).remote_cert, "CN=leaf-30, O=test");
}
END_TEST

/* b's only identity wants another ID: no identity is found for a. */
START_TEST(test_remote_id_mismatch)
{
	const struct side a = {{CA, MOON}, {{0}}, {DS("moon")}};
	const struct side b = {
		{CA, INTER, SUN}, {{0}}, {DS("sun") " remote-id=fqdn:other.example.org"}};

	ends_up(&a, &b);
	start();
	expect_refused_by_b("no identity of peer a accepts the peer's ID moon.example.org");
}
END_TEST

/* An ID that the certificate does not carry, with remote-id=auto. */
START_TEST(test_id_not_in_cert)
{
	const struct side a = {{CA, MOON}, {{0}}, {DS("moon") " my-id=fqdn:elsewhere.example.org"}};
	const struct side b = {{CA, INTER, SUN}, {{0}}, {DS("sun")}};

	ends_up(&a, &b);
	start();
	expect_refused_by_b("the peer's ID elsewhere.example.org is not in its certificate "
			    "CN=moon, O=test");
}
END_TEST

/* --- 3. certificates refused --- */

/* b loaded the CA's CRL, which lists a's certificate. */
START_TEST(test_revoked)
{
	const struct side a = {{CA, {"revoked.pem", "venus", NULL}, {"revoked.key", NULL, NULL}},
			       {{0}},
			       {DS("venus")}};
	const struct side b = {{CA, CRL, MOON}, {{0}}, {DS("moon")}};

	ends_up(&a, &b);
	start();
	expect_refused_by_b("the peer's certificate is refused: certificate CN=venus.example.org, "
			    "O=test: revoked (CRL of CN=Test CA, O=test)");
}
END_TEST

/* The same without the CRL: nothing says it is revoked. */
START_TEST(test_revoked_unknown)
{
	const struct side a = {{CA, {"revoked.pem", "venus", NULL}, {"revoked.key", NULL, NULL}},
			       {{0}},
			       {DS("venus")}};
	const struct side b = {{CA, MOON}, {{0}}, {DS("moon")}};

	ends_up(&a, &b);
	start();
	expect_up();
	ck_assert_str_eq(walk(&B).remote_id, "CN=venus.example.org, O=test");
}
END_TEST

/* a's certificate comes from a CA that b does not know. */
START_TEST(test_untrusted_ca)
{
	const struct side a = {
		{CA, {"stranger.pem", "stranger", NULL}, {"stranger.key", NULL, NULL}},
		{{0}},
		{DS("stranger")}};
	const struct side b = {{CA, MOON}, {{0}}, {DS("moon")}};

	ends_up(&a, &b);
	start();
	expect_refused_by_b("the peer's certificate is refused: certificate CN=stranger, O=other: "
			    "issuer CN=Other CA, O=other is not trusted");
}
END_TEST

/* a's certificate expired on 2026-01-01, before the tests' present. */
START_TEST(test_expired)
{
	const struct side a = {{CA, {"expired.pem", "old", NULL}, {"expired.key", NULL, NULL}},
			       {{0}},
			       {DS("old")}};
	const struct side b = {{CA, MOON}, {{0}}, {DS("moon")}};

	ends_up(&a, &b);
	start();
	expect_refused_by_b("the peer's certificate is refused: certificate CN=old, O=test: "
			    "expired on 2026-01-01");
}
END_TEST

/* The engine's clock is the tests' wall clock: in 2031 moon's certificate (2024..2030) has
 * expired, whatever the machine's clock says. */
START_TEST(test_expired_later)
{
	const struct side a = {{CA, MOON}, {{0}}, {DS("moon")}};
	const struct side b = {{CA, INTER, SUN}, {{0}}, {DS("sun")}};

	wall = T_2031;
	ends_up(&a, &b);
	start();
	expect_refused_by_b("the peer's certificate is refused: certificate CN=moon, O=test: "
			    "expired on 2030-01-01");
}
END_TEST

/* a refuses b's certificate. */
START_TEST(test_refused_by_initiator)
{
	const struct side a = {{CA, CRL, MOON}, {{0}}, {DS("moon")}};
	const struct side b = {{CA, {"revoked.pem", "venus", NULL}, {"revoked.key", NULL, NULL}},
			       {{0}},
			       {DS("venus")}};

	ends_up(&a, &b);
	start();
	ck_assert_str_eq(auth_resp.cert[0], "revoked");
	expect_refused_by_a("peer b ike#1: the peer's certificate is refused: certificate "
			    "CN=venus.example.org, O=test: revoked (CRL of CN=Test CA, O=test)");
}
END_TEST

/* --- 4. pinned certificates and remote-id=ignore --- */

/* b pins a's certificate: accepted for being that one. */
START_TEST(test_pin_accepted)
{
	const struct side a = {{CA, MOON}, {{0}}, {DS("moon")}};
	const struct side b = {{CA, INTER, SUN, {"moon.pem", "moon", NULL}},
			       {{0}},
			       {DS("sun") " remote-certificate=moon"}};

	ends_up(&a, &b);
	start();
	expect_up();
	ck_assert_str_eq(walk(&B).remote_cert, "CN=moon, O=test");
}
END_TEST

/* b pins another certificate: a's is refused, though b trusts the CA that issued it. */
START_TEST(test_pin_refused)
{
	const struct side a = {{CA, MOON}, {{0}}, {DS("moon")}};
	const struct side b = {{CA, INTER, SUN, {"stranger.pem", "stranger", NULL}},
			       {{0}},
			       {DS("sun") " remote-certificate=stranger"}};

	ends_up(&a, &b);
	start();
	expect_refused_by_b(
		"the peer's certificate CN=moon, O=test is not remote-certificate=stranger");
}
END_TEST

/* b pins a certificate that a loaded CRL revokes: refused, as it would be unpinned. */
START_TEST(test_pin_revoked)
{
	const struct side a = {{CA, {"revoked.pem", "venus", NULL}, {"revoked.key", NULL, NULL}},
			       {{0}},
			       {DS("venus")}};
	const struct side b = {{CA, CRL, MOON, {"revoked.pem", "venus", NULL}},
			       {{0}},
			       {DS("moon") " remote-certificate=venus"}};

	ends_up(&a, &b);
	start();
	ck_assert(pki_store_find(B.store, "venus")->revoked);
	expect_refused_by_b("remote-certificate=venus is revoked");
}
END_TEST

/* match-by=certificate: b picks the identity that pins the certificate a sent, not the
 * first one. */
START_TEST(test_match_by_certificate)
{
	const struct side a = {{CA, MOON}, {{0}}, {DS("moon")}};
	const struct side b = {
		{CA, INTER, SUN, {"moon.pem", "moon", NULL}, {"stranger.pem", "stranger", NULL}},
		{{0}},
		{DS("sun") " match-by=certificate remote-certificate=stranger",
		 DS("sun") " match-by=certificate remote-certificate=moon"}};

	ends_up(&a, &b);
	start();
	expect_up();
	ck_assert_str_eq(walk(&B).remote_cert, "CN=moon, O=test");
}
END_TEST

/* remote-id=ignore takes an ID that is not in the certificate (test_id_not_in_cert refuses
 * the same with auto). */
START_TEST(test_remote_id_ignore)
{
	const struct side a = {{CA, MOON}, {{0}}, {DS("moon") " my-id=fqdn:elsewhere.example.org"}};
	const struct side b = {{CA, INTER, SUN}, {{0}}, {DS("sun") " remote-id=ignore"}};

	ends_up(&a, &b);
	start();
	expect_up();
	ck_assert_str_eq(walk(&B).remote_id, "elsewhere.example.org");
	ck_assert_str_eq(walk(&B).remote_cert, "CN=moon, O=test");
	expect_logged("remote-id=ignore: the peer's ID elsewhere.example.org is not checked");
}
END_TEST

/* --- 5. RSA keys --- */

/* a signs with the fixture's moon key, b with a key from sig_key_generate; each holds the
 * other's public half, as key export-pub-key writes it. */
/* clang-format off */
#define A_KEYS(remote) {{"mine", "moon.key"}, {"theirs", remote}}
#define B_KEYS(remote) {{"mine", "gen.key"}, {"theirs", remote}}
/* clang-format on */
#define RSA_ID RSA("mine") " remote-key=theirs"

START_TEST(test_rsa_key)
{
	const struct side a = {{{0}}, A_KEYS("gen.pub"), {RSA_ID}};
	const struct side b = {{{0}}, B_KEYS("moon.pub"), {RSA_ID}};

	ends_up(&a, &b);
	start();
	expect_up();
	ck_assert_uint_eq(auth_req.ncert, 0);
	ck_assert_uint_eq(auth_resp.ncert, 0);
	ck_assert_uint_eq(auth_req.ncertreq, 0);
	ck_assert_uint_eq(auth_req.method, IKEV2_AUTH_DIGITAL_SIGNATURE);
	ck_assert_uint_eq(auth_resp.method, IKEV2_AUTH_DIGITAL_SIGNATURE);
	/* my-id=auto with a key: the address */
	ck_assert_str_eq(walk(&B).remote_id, "192.0.2.1");
	ck_assert_str_eq(walk(&A).remote_id, "192.0.2.2");
	ck_assert_str_eq(walk(&B).remote_cert, "");
}
END_TEST

/* b's remote-key is not a's key. */
START_TEST(test_rsa_key_wrong)
{
	const struct side a = {{{0}}, A_KEYS("gen.pub"), {RSA_ID}};
	const struct side b = {{{0}}, B_KEYS("wrong.pub"), {RSA_ID}};

	ends_up(&a, &b);
	start();
	expect_refused_by_b("AUTHENTICATION_FAILED: the peer's signature (method 14) is not valid");
}
END_TEST

/* a's remote-key is not b's key. */
START_TEST(test_rsa_key_wrong_initiator)
{
	const struct side a = {{{0}}, A_KEYS("wrong.pub"), {RSA_ID}};
	const struct side b = {{{0}}, B_KEYS("moon.pub"), {RSA_ID}};

	ends_up(&a, &b);
	start();
	expect_refused_by_a("peer b ike#1: AUTHENTICATION_FAILED: the peer's signature (method 14) "
			    "is not valid");
}
END_TEST

/* --- 6. the chain cache --- */

static void again(void)
{
	ck_assert_int_eq(ike_kill(A.ike, NULL), 1);
	settle();
	ck_assert_uint_eq(walk(&B).n, 0);
	ike_apply(A.ike, A.c);
	settle();
	ck_assert_str_eq(walk(&A).state, "established");
	ck_assert_str_eq(walk(&B).state, "established");
}

static void cache_is(const struct end *e, uint64_t hits, uint64_t misses)
{
	struct pki_cache_stats st;

	pki_store_cache_stats(e->store, &st);
	ck_assert_msg(st.hits == hits && st.misses == misses,
		      "%s: %llu hits, %llu misses; expected %llu and %llu", e->name,
		      (unsigned long long)st.hits, (unsigned long long)st.misses,
		      (unsigned long long)hits, (unsigned long long)misses);
}

/* Three handshakes with the same chain verify it once at each end; a change of b's store
 * makes b verify it anew, and so does the passing of sun's notAfter. */
START_TEST(test_chain_cache)
{
	const struct side a = {{CA, INTER, SUN}, {{0}}, {DS("sun")}};
	const struct side b = {{CA, MOON}, {{0}}, {DS("moon")}};

	ends_up(&a, &b);
	start();
	expect_up();
	cache_is(&B, 0, 1);
	cache_is(&A, 0, 1);
	again();
	again();
	ck_assert_uint_eq(auth_req.seen, 3);
	ck_assert_uint_eq(auth_req.ncert, 2); /* the same chain each time */
	ck_assert_uint_eq(ike_stats(B.ike)->established, 3);
	cache_is(&B, 2, 1);
	cache_is(&A, 2, 1);
	import(B.store, &(struct cred)CRL);
	again();
	cache_is(&B, 2, 2);
	cache_is(&A, 3, 1);
	/* a cached result holds only within the chain's validity: past sun's notAfter (2030),
	 * b checks anew and refuses */
	wall = T_2031;
	ck_assert_int_eq(ike_kill(A.ike, NULL), 1);
	settle();
	ike_apply(A.ike, A.c);
	settle();
	cache_is(&B, 2, 3);
	cache_is(&A, 3, 1);
	ck_assert(auth_resp.auth_failed);
	ck_assert_uint_eq(walk(&A).n, 0);
	ck_assert_uint_eq(walk(&B).n, 0);
	expect_logged(
		"peer a ike#9: the peer's certificate is refused: certificate CN=sun, O=test: "
		"expired on 2030-01-01");
}
END_TEST

/* --- 7. fragmentation (RFC 7383) --- */

/* A path that loses datagrams over 1280 bytes. a's IKE_AUTH, with its certificate and the
 * intermediate CA's, does not fit in one, nor does b's with its RSA certificate: both go
 * in fragments of the default size, and both ends come up. */
START_TEST(test_frag_small_path)
{
	const struct side a = {{CA, INTER, SUN}, {{0}}, {DS("sun")}};
	const struct side b = {{CA, MOON}, {{0}}, {DS("moon")}};

	ends_up(&a, &b);
	path_mtu = IKE_FRAGMENT_SIZE;
	start();
	expect_up();
	ck_assert_uint_eq(auth_req.ncert, 2);
	ck_assert_str_eq(auth_req.cert[0], "sun");
	ck_assert_str_eq(auth_req.cert[1], "inter");
	ck_assert_uint_eq(auth_resp.ncert, 1);
	ck_assert_str_eq(auth_resp.cert[0], "moon");
	ck_assert_uint_ge(nfragments[0], 2);
	ck_assert_uint_ge(nfragments[1], 2);
	ck_assert_uint_le(largest[0] + 28, IKE_FRAGMENT_SIZE);
	ck_assert_uint_le(largest[1] + 28, IKE_FRAGMENT_SIZE);
	ck_assert_uint_eq(ike_stats(B.ike)->rx_reassembled, 1);
	ck_assert_uint_eq(ike_stats(A.ike)->rx_reassembled, 1);
}
END_TEST

/* The same with fragmentation off at b: b does not announce it, a sends its IKE_AUTH
 * whole, and the path loses it. */
START_TEST(test_frag_off_small_path)
{
	const struct side a = {{CA, INTER, SUN}, {{0}}, {DS("sun")}};
	const struct side b = {{CA, MOON}, {{0}}, {DS("moon")}};

	ends_up(&a, &b);
	ike_set_fragment_size(B.ike, 0);
	path_mtu = IKE_FRAGMENT_SIZE;
	start();
	ck_assert_uint_eq(nfragments[0], 0);
	ck_assert_uint_gt(largest[0] + 28, IKE_FRAGMENT_SIZE);
	ck_assert_uint_eq(auth_req.seen, 0);
	ck_assert_str_eq(walk(&A).state, "auth-sent");
	ck_assert_uint_eq(ike_stats(B.ike)->established, 0);
}
END_TEST

/* --- EAP (RFC 7296 2.16): a is an EAP-MSCHAPv2 client (auth-method=eap), b an eap-radius
 * gateway with moon's certificate whose RADIUS is the fake above --- */

#define EAP_CLIENT(pw)                                                                             \
	"auth-method=eap eap-methods=eap-peap,eap-mschapv2 username=" EAP_USER " password=\"" pw   \
	"\" remote-id=fqdn:moon.example.org"

static const struct side eap_gw = {.certs = {CA, MOON},
				   .ids = {"auth-method=eap-radius certificate=moon"}};

START_TEST(test_eap_mschapv2)
{
	const struct side a = {.certs = {CA}, .ids = {EAP_CLIENT(EAP_PASS)}};

	ends_up(&a, &eap_gw);
	start();
	struct peer_seen wa = walk(&A), wb = walk(&B);

	ck_assert_uint_eq(wa.n, 1);
	ck_assert_uint_eq(wb.n, 1);
	ck_assert_str_eq(wa.state, "established");
	ck_assert_str_eq(wb.state, "established");
	ck_assert_str_eq(wb.remote_id, EAP_USER);
	ck_assert_str_eq(rad.user, EAP_USER);
	ck_assert(strstr(wa.remote_cert, "CN=moon"));
	same_sa(sa_to(&A, "192.0.2.2"), sa_to(&B, "192.0.2.2"));
	same_sa(sa_to(&B, "192.0.2.1"), sa_to(&A, "192.0.2.1"));
	/* identity, challenge, success ack: three Access-Requests; five IKE_AUTH rounds
	 * (no AUTH, those three EAP Responses, the MSK's AUTH) */
	ck_assert_uint_eq(rad.requests, 3);
	ck_assert_uint_eq(rad.with_state, 2); /* all but the first */
	ck_assert_uint_eq(auth_req.seen, 5);
	ck_assert_uint_eq(auth_resp.seen, 5);
	ck_assert_uint_eq(auth_req.method, IKEV2_AUTH_SHARED_KEY); /* the MSK's */
	ck_assert_uint_eq(auth_resp.method, IKEV2_AUTH_SHARED_KEY);
	expect_logged("EAP-MSCHAPv2 succeeded for user alice");
	expect_logged("EAP user alice authenticated");
}
END_TEST

/* accounting=yes: Start when the CHILD SA is up, Interim-Update every interim-update with
 * the kernel's counters, Stop with them and the cause when the IKE SA goes; the user shows
 * in ike_walk as eap_identity. */
START_TEST(test_eap_accounting)
{
	const struct side a = {.certs = {CA}, .ids = {EAP_CLIENT(EAP_PASS)}};
	more[1] = "/ip ipsec settings\nset accounting=yes interim-update=30s\n";
	ends_up(&a, &eap_gw);
	start();
	struct peer_seen wb = walk(&B);

	ck_assert_str_eq(wb.state, "established");
	ck_assert_str_eq(wb.eap_identity, EAP_USER);
	ck_assert_str_eq(walk(&A).eap_identity, ""); /* a authenticated no RADIUS user */
	ck_assert_uint_eq(rad.nacct, 1);
	ck_assert_int_eq(rad.acct[0].status, RADIUS_ACCT_START);
	ck_assert_str_eq(rad.acct[0].user, EAP_USER);
	ck_assert_uint_gt(strlen(rad.acct[0].session_id), 0);
	ck_assert_uint_eq(rad.acct[0].in_octets, 0);

	fake_loop_run_until(lp, loop_now(lp) + 29);
	ck_assert_uint_eq(rad.nacct, 1);
	fake_loop_run_until(lp, loop_now(lp) + 2);
	ck_assert_uint_eq(rad.nacct, 2);
	ck_assert_int_eq(rad.acct[1].status, RADIUS_ACCT_INTERIM);
	ck_assert_str_eq(rad.acct[1].session_id, rad.acct[0].session_id);
	ck_assert_uint_eq(rad.acct[1].in_octets, 1000);
	ck_assert_uint_eq(rad.acct[1].out_octets, 2000);
	ck_assert_uint_eq(rad.acct[1].in_packets, 10);
	ck_assert_uint_eq(rad.acct[1].out_packets, 20);
	ck_assert_uint_ge(rad.acct[1].session_time, 30);

	struct ike_kill_filter f = {.remote_id = EAP_USER};

	ck_assert_int_eq(ike_kill_where(B.ike, &f), 1);
	ck_assert_uint_eq(rad.nacct, 3);
	ck_assert_int_eq(rad.acct[2].status, RADIUS_ACCT_STOP);
	ck_assert_str_eq(rad.acct[2].session_id, rad.acct[0].session_id);
	ck_assert_uint_eq(rad.acct[2].in_octets, 1000);
	ck_assert_uint_eq(rad.acct[2].out_octets, 2000);
	ck_assert_uint_eq(rad.acct[2].cause, RADIUS_TERM_ADMIN_RESET);
	expect_logged("RADIUS accounting: Start for alice");
	expect_logged("RADIUS accounting: Stop for alice");
	settle();
	ck_assert_uint_eq(rad.nacct, 3); /* nothing more once the session ended */
}
END_TEST

static void count_lease(void *arg, const struct ike_lease_info *l)
{
	(void)l;
	(*(unsigned *)arg)++;
}

/* A Framed-IP-Address in the Access-Accept is what mode-config gives, instead of a lease
 * of the pool (the mode-config setup of check_ike_engine's test_rw_client_routes). */
START_TEST(test_eap_framed_ip)
{
	const struct side a = {.certs = {CA}}, b = {.certs = {CA, MOON}};
	const char *common = "/ip ipsec profile\n"
			     "set [ find default=yes ] dh-group=ecp256 enc-algorithm=aes-256 "
			     "hash-algorithm=sha256 dpd-interval=disable-dpd lifetime=1d\n"
			     "/ip ipsec proposal\n"
			     "set [ find default=yes ] auth-algorithms=sha256 "
			     "enc-algorithms=aes-256-cbc pfs-group=none\n";
	char text[4096];

	ends_up(&a, &b);
	conf_free(A.c);
	conf_free(B.c);
	snprintf(text, sizeof(text),
		 "%s/certificate\nimport file-name=%s name=ca\n"
		 "/ip ipsec policy group\nadd name=cl\n"
		 "/ip ipsec policy\nadd template=yes group=cl dst-address=0.0.0.0/0\n"
		 "/ip ipsec peer\nadd name=b address=192.0.2.2/32 local-address=192.0.2.1 "
		 "exchange-mode=ike2\n"
		 "/ip ipsec identity\nadd peer=b %s generate-policy=port-strict "
		 "mode-config=request-only policy-template-group=cl\n",
		 common, path_of("ca.pem"), EAP_CLIENT(EAP_PASS));
	A.c = load(text);
	snprintf(text, sizeof(text),
		 "%s/certificate\nimport file-name=%s name=ca\nimport file-name=%s name=moon\n"
		 "/ip pool\nadd name=rw ranges=10.8.0.10-10.8.0.11\n"
		 "/ip ipsec mode-config\nadd name=rw responder=yes address-pool=rw\n"
		 "/ip ipsec policy group\nadd name=rw\n"
		 "/ip ipsec policy\nadd template=yes group=rw src-address=0.0.0.0/0 "
		 "dst-address=10.8.0.0/24\n"
		 "/ip ipsec peer\nadd name=a address=0.0.0.0/0 local-address=192.0.2.2 "
		 "passive=yes exchange-mode=ike2\n"
		 "/ip ipsec identity\nadd peer=a auth-method=eap-radius certificate=moon "
		 "generate-policy=port-strict mode-config=rw policy-template-group=rw\n",
		 common, path_of("ca.pem"), path_of("moon.pem"));
	B.c = load(text);
	ck_assert_ptr_nonnull(A.c);
	ck_assert_ptr_nonnull(B.c);
	rad.framed = true;
	start();
	struct peer_seen wa = walk(&A), wb = walk(&B);
	char got[INET_ADDRSTRLEN];

	ck_assert_str_eq(wb.state, "established");
	ck_assert_uint_eq(wb.dynamic_address.family, AF_INET);
	inet_ntop(AF_INET, wb.dynamic_address.bytes, got, sizeof(got));
	ck_assert_str_eq(got, "10.8.0.77");
	ck_assert_uint_eq(wa.dynamic_address.family, AF_INET); /* the client got it */
	ck_assert_mem_eq(wa.dynamic_address.bytes, wb.dynamic_address.bytes, 4);
	expect_logged("10.8.0.77 given to alice (RADIUS Framed-IP-Address)");
	unsigned leases = 0;

	ike_lease_walk(B.ike, count_lease, &leases);
	ck_assert_uint_eq(leases, 0); /* no lease of the pool was taken */
}
END_TEST

/* Time passes until `until`, timers firing at their own times, messages delivered. */
static void pass_time(double until)
{
	double next;

	while ((next = fake_loop_next(lp)) >= 0 && next <= until) {
		fake_loop_run_until(lp, next);
		settle();
	}
	fake_loop_run_until(lp, until);
	settle();
}

/* The session outlives rekeys: CHILD SAs rekeyed (what the old ones counted is kept for the
 * Stop) and the IKE SA rekeyed (the session moves to the new one: one Start, one Stop). */
START_TEST(test_eap_accounting_rekeys)
{
	static const char rekeys[] = "/ip ipsec profile\nset [ find default=yes ] lifetime=20m\n"
				     "/ip ipsec settings\nset accounting=yes\n";
	const struct side a = {.certs = {CA}, .ids = {EAP_CLIENT(EAP_PASS)}};

	more[0] = more[1] = rekeys;
	ends_up(&a, &eap_gw);
	start();
	ck_assert_str_eq(walk(&B).state, "established");
	ck_assert_uint_eq(rad.nacct, 1);
	/* the kernel's soft expiry of b's inbound SA: b rekeys the CHILD SA */
	struct kern_sa_id id = sa_to(&B, "192.0.2.2")->id;

	ike_expire(B.ike, &id, false);
	settle();
	ck_assert(fake_kern_deleted(B.k, IPPROTO_ESP, id.spi));
	pass_time(loop_now(lp) + 25 * 60);
	expect_logged("IKE SA rekeyed");
	ck_assert_uint_eq(walk(&B).n, 1);
	ck_assert_str_eq(walk(&B).eap_identity, EAP_USER);
	ck_assert_uint_eq(rad.nacct, 1); /* no second Start */
	ck_assert_int_eq(ike_kill_where(B.ike, &(struct ike_kill_filter){0}), 1);
	ck_assert_uint_eq(rad.nacct, 2);
	ck_assert_int_eq(rad.acct[1].status, RADIUS_ACCT_STOP);
	ck_assert_str_eq(rad.acct[1].session_id, rad.acct[0].session_id);
	/* 1000 bytes in and 2000 out for each of its two CHILD SAs */
	ck_assert_uint_eq(rad.acct[1].in_octets, 2000);
	ck_assert_uint_eq(rad.acct[1].in_octets % 1000, 0);
	ck_assert_uint_eq(rad.acct[1].out_octets, 2 * rad.acct[1].in_octets);
	ck_assert_uint_ge(rad.acct[1].session_time, 25 * 60);
}
END_TEST

/* accounting=no (the default): nothing is sent, the user still shows. */
START_TEST(test_eap_no_accounting)
{
	const struct side a = {.certs = {CA}, .ids = {EAP_CLIENT(EAP_PASS)}};

	ends_up(&a, &eap_gw);
	start();
	ck_assert_str_eq(walk(&B).eap_identity, EAP_USER);
	ike_kill_where(B.ike, &(struct ike_kill_filter){0});
	ck_assert_uint_eq(rad.nacct, 0);
}
END_TEST

START_TEST(test_eap_wrong_password)
{
	const struct side a = {.certs = {CA}, .ids = {EAP_CLIENT("Alice in Wonderland")}};

	ends_up(&a, &eap_gw);
	start();
	expect_nothing();
	ck_assert_uint_eq(ike_stats(A.ike)->failed, 1);
	ck_assert_uint_eq(ike_stats(B.ike)->failed, 1);
	expect_logged("EAP-MSCHAPv2 failed for user alice");
	expect_logged("RADIUS fake rejected EAP user alice");
}
END_TEST

/* While RADIUS answers, a's retransmissions of the request are dropped, not relayed
 * again; the one answer comes when RADIUS does. */
START_TEST(test_eap_radius_slow)
{
	const struct side a = {.certs = {CA}, .ids = {EAP_CLIENT(EAP_PASS)}};

	ends_up(&a, &eap_gw);
	rad.hold = true;
	start();
	ck_assert(rad.pending);
	ck_assert_uint_eq(rad.requests, 1);
	fake_loop_run_until(lp, fake_loop_next(lp) + 0.01); /* a retransmits */
	settle();
	fake_loop_run_until(lp, fake_loop_next(lp) + 0.01);
	settle();
	ck_assert_uint_eq(rad.requests, 1);
	ck_assert_uint_ge(ike_stats(B.ike)->rx_dropped, 2);
	rad.hold = false;
	settle();
	ck_assert_str_eq(walk(&A).state, "established");
	ck_assert_str_eq(walk(&B).state, "established");
	ck_assert_uint_eq(rad.requests, 3);
}
END_TEST

/* The early-Success trap, through IKE: a gateway whose RADIUS says Accept before the
 * method finished is refused by the client. */
START_TEST(test_eap_early_success)
{
	const struct side a = {.certs = {CA}, .ids = {EAP_CLIENT(EAP_PASS)}};

	ends_up(&a, &eap_gw);
	rad.hold = true;
	start();
	ck_assert(rad.pending);
	/* answer the identity with an Accept carrying EAP-Success and made-up keys */
	static struct radius_reply r;

	memset(&r, 0, sizeof(r));
	r.result = RADIUS_RES_ACCEPT;
	r.server = "fake";
	r.eap[0] = EAP_CODE_SUCCESS;
	r.eap[1] = 2;
	r.eap[3] = 4;
	r.eap_len = 4;
	r.recv_key_len = r.send_key_len = 16;
	rad.pending = false;
	rad.cb(rad.cbarg, &r);
	settle();
	ck_assert_uint_eq(walk(&A).n, 0);
	ck_assert_uint_eq(ike_stats(A.ike)->established, 0);
	expect_logged("EAP failed for user alice: an EAP-Success before any method ran");
}
END_TEST

/* No /radius server answers: the gateway's log line names the timeout and the tries, the
 * client gets EAP-Failure and neither end keeps anything. */
START_TEST(test_eap_radius_timeout)
{
	const struct side a = {.certs = {CA}, .ids = {EAP_CLIENT(EAP_PASS)}};
	static struct radius_reply r;

	ends_up(&a, &eap_gw);
	rad.hold = true;
	start();
	ck_assert(rad.pending);
	memset(&r, 0, sizeof(r));
	r.result = RADIUS_RES_TIMEOUT;
	r.timeout_ms = 1000;
	r.tries = 3;
	r.waited_ms = 3001;
	rad.pending = false;
	rad.cb(rad.cbarg, &r);
	settle();
	expect_nothing();
	ck_assert_uint_eq(ike_stats(B.ike)->failed, 1);
	expect_logged("RADIUS: no server answered for EAP user alice in 3001 ms (/radius "
		      "timeout=1000ms, 3 tries per server)");
}
END_TEST

/* eap-radius without a certificate is EAP-only (RFC 5998): a client that does not send
 * EAP_ONLY_AUTHENTICATION (ipsecd's) is refused before any RADIUS round, with the reason. */
START_TEST(test_eap_only_not_offered)
{
	const struct side a = {.certs = {CA}, .ids = {EAP_CLIENT(EAP_PASS)}};
	const struct side b = {.certs = {CA},
			       .ids = {"auth-method=eap-radius my-id=fqdn:moon.example.org"}};

	ends_up(&a, &b);
	start();
	expect_nothing();
	ck_assert_uint_eq(rad.requests, 0);
	expect_logged("auth-method=eap-radius without certificate= is EAP-only authentication "
		      "(RFC 5998), which the client did not offer");
}
END_TEST

/* eap-tls with a certificate= that has no private key: refused before IKE_AUTH. */
START_TEST(test_eap_tls_no_key)
{
	const struct side a = {.certs = {CA},
			       .ids = {"auth-method=eap eap-methods=eap-tls certificate=ca "
				       "remote-id=fqdn:moon.example.org"}};

	ends_up(&a, &eap_gw);
	start();
	ck_assert_uint_eq(walk(&A).n, 0);
	ck_assert_uint_eq(ike_stats(B.ike)->established, 0); /* b's half-open SA times out */
	ck_assert_uint_eq(auth_req.seen, 0);
	expect_logged("eap-methods=eap-tls: certificate=ca has no private key loaded");
}
END_TEST

/* --- 7. IKEv1 phase 1 by signatures (RFC 2409 5.1) --- */

/* Both ends established one ISAKMP SA and hold the IPsec SA pair, keyed alike across. */
static void expect_v1_up(void)
{
	struct peer_seen wa = walk(&A), wb = walk(&B);

	ck_assert_uint_eq(wa.n, 1);
	ck_assert_uint_eq(wb.n, 1);
	ck_assert_str_eq(wa.state, "established");
	ck_assert_str_eq(wb.state, "established");
	ck_assert_uint_eq(fake_kern_nsa(A.k, true), 2);
	ck_assert_uint_eq(fake_kern_nsa(B.k, true), 2);
	same_sa(sa_to(&A, "192.0.2.2"), sa_to(&B, "192.0.2.2"));
	same_sa(sa_to(&B, "192.0.2.1"), sa_to(&A, "192.0.2.1"));
	ck_assert_uint_eq(ike_stats(A.ike)->rx_auth_failed, 0);
	ck_assert_uint_eq(ike_stats(B.ike)->rx_auth_failed, 0);
}

/* b refused a's proof and said so (AUTHENTICATION-FAILED), a gave up: nothing is left. */
static void expect_v1_refused_by_b(const char *why)
{
	expect_nothing();
	ck_assert_uint_eq(ike_stats(B.ike)->rx_auth_failed, 1);
	expect_logged(why);
	expect_logged("peer says AUTHENTICATION-FAILED");
}

/* Main mode, RSA: the fixture's one RSA leaf at both ends; CERT, SIG (method 3), and
 * my-id=auto the certificate's first subjectAltName. */
START_TEST(test_v1_main_rsa_cert)
{
	const struct side a = {{CA, MOON}, {{0}}, {DS("moon")}};
	const struct side b = {{CA, MOON}, {{0}}, {DS("moon") " remote-id=fqdn:moon.example.org"}};

	xmode = "main";
	ends_up(&a, &b);
	start();
	expect_v1_up();
	ck_assert_str_eq(walk(&B).remote_id, "moon.example.org");
	ck_assert_str_eq(walk(&B).remote_cert, "CN=moon, O=test");
	ck_assert_str_eq(walk(&A).remote_cert, "CN=moon, O=test");
	expect_logged("ISAKMP SA established (main mode, responder) with moon.example.org");
}
END_TEST

/* Aggressive mode, ECDSA P-256 (RFC 4754 method 9): a's certificate by the intermediate,
 * which a sends after its own; b's without subjectAltName, so its ID is its subject. */
START_TEST(test_v1_aggressive_ecdsa)
{
	const struct side a = {{CA, INTER, SUN}, {{0}}, {DS("sun")}};
	const struct side b = {
		{CA, INTER, {"leaf.pem", "leaf", NULL}, {"stranger.key", NULL, NULL}},
		{{0}},
		{DS("leaf") " remote-id=user-fqdn:sun@example.org"}};

	xmode = "aggressive";
	ends_up(&a, &b);
	start();
	expect_v1_up();
	ck_assert_str_eq(walk(&B).remote_id, "sun@example.org");
	ck_assert_str_eq(walk(&B).remote_cert, "CN=sun, O=test");
	ck_assert_str_eq(walk(&A).remote_id, "CN=leaf-30, O=test");
	expect_logged("ISAKMP SA established (aggressive mode, initiator) with CN=leaf-30");
}
END_TEST

/* Main mode with bare RSA keys (auth-method=rsa-key): IDs are the addresses. */
START_TEST(test_v1_rsa_key)
{
	const struct side a = {{{0}}, A_KEYS("gen.pub"), {RSA_ID}};
	const struct side b = {{{0}}, B_KEYS("moon.pub"), {RSA_ID}};

	xmode = "main";
	ends_up(&a, &b);
	start();
	expect_v1_up();
	ck_assert_str_eq(walk(&B).remote_id, "192.0.2.1");
	ck_assert_str_eq(walk(&A).remote_id, "192.0.2.2");
	ck_assert_str_eq(walk(&B).remote_cert, "");
}
END_TEST

/* b's remote-key is not a's key: a's SIG does not verify. */
START_TEST(test_v1_rsa_key_wrong)
{
	const struct side a = {{{0}}, A_KEYS("gen.pub"), {RSA_ID}};
	const struct side b = {{{0}}, B_KEYS("wrong.pub"), {RSA_ID}};

	xmode = "main";
	ends_up(&a, &b);
	start();
	expect_v1_refused_by_b("the peer's SIG is not valid: RSA PKCS#1 v1.5 signature does not "
			       "verify");
}
END_TEST

/* a's certificate comes from a CA that b does not know. */
START_TEST(test_v1_untrusted_ca)
{
	const struct side a = {
		{CA, {"stranger.pem", "stranger", NULL}, {"stranger.key", NULL, NULL}},
		{{0}},
		{DS("stranger")}};
	const struct side b = {{CA, INTER, SUN}, {{0}}, {DS("sun")}};

	xmode = "main";
	ends_up(&a, &b);
	start();
	expect_v1_refused_by_b("the peer's certificate is refused: certificate CN=stranger, "
			       "O=other: issuer CN=Other CA, O=other is not trusted");
}
END_TEST

/* b loaded the CA's CRL, which lists a's certificate. */
START_TEST(test_v1_revoked)
{
	const struct side a = {{CA, {"revoked.pem", "venus", NULL}, {"revoked.key", NULL, NULL}},
			       {{0}},
			       {DS("venus")}};
	const struct side b = {{CA, CRL, INTER, SUN}, {{0}}, {DS("sun")}};

	xmode = "main";
	ends_up(&a, &b);
	start();
	expect_v1_refused_by_b("the peer's certificate is refused: certificate "
			       "CN=venus.example.org, O=test: revoked (CRL of CN=Test CA, O=test)");
}
END_TEST

/* b's only identity wants another ID than the one a's certificate gives: no identity is
 * found for a (the same choice as IKEv2's, test_remote_id_mismatch). */
START_TEST(test_v1_remote_id_mismatch)
{
	const struct side a = {{CA, INTER, SUN}, {{0}}, {DS("sun")}};
	const struct side b = {
		{CA, INTER, {"leaf.pem", "leaf", NULL}, {"stranger.key", NULL, NULL}},
		{{0}},
		{DS("leaf") " remote-id=fqdn:other.example.org"}};

	xmode = "main";
	ends_up(&a, &b);
	start();
	expect_v1_refused_by_b("no identity of peer a accepts the peer's ID sun@example.org");
}
END_TEST

/* An ID that a's certificate does not carry, with remote-id=auto. */
START_TEST(test_v1_id_not_in_cert)
{
	const struct side a = {{CA, MOON}, {{0}}, {DS("moon") " my-id=fqdn:elsewhere.example.org"}};
	const struct side b = {{CA, MOON}, {{0}}, {DS("moon")}};

	xmode = "main";
	ends_up(&a, &b);
	start();
	expect_v1_refused_by_b("the peer's ID elsewhere.example.org is not in its certificate "
			       "CN=moon, O=test");
}
END_TEST

/* Hybrid (HybridInitRSA): b, the gateway, signs with its RSA certificate; a, with no
 * certificate, sends HASH_I and passes XAuth against b's /ip ipsec user. */
#define HYBRID "auth-method=rsa-signature-hybrid"

static void hybrid_up(const char *password)
{
	static char client[128];
	const struct side b = {{CA, MOON}, {{0}}, {HYBRID " certificate=moon"}};
	struct side a = {{CA}, {{0}}, {client}};

	snprintf(client, sizeof(client), HYBRID " username=alice password=%s", password);
	more[1] = "/ip ipsec user\nadd name=alice password=secret-pw\n";
	xmode = xmode_hybrid;
	ends_up(&a, &b);
	start();
}

START_TEST(test_v1_hybrid)
{
	hybrid_up("secret-pw");
	expect_v1_up();
	ck_assert_str_eq(walk(&A).remote_id, "moon.example.org");
	ck_assert_str_eq(walk(&A).remote_cert, "CN=moon, O=test");
	ck_assert_str_eq(walk(&B).remote_id, "192.0.2.1");
	ck_assert_str_eq(walk(&B).remote_cert, "");
	expect_logged("XAuth: the gateway accepted us");
}
END_TEST

/* The wrong XAuth password: phase 1 stands, XAuth fails, nothing is installed. */
START_TEST(test_v1_hybrid_wrong_password)
{
	hybrid_up("wrong-pw");
	ck_assert_uint_eq(walk(&A).n, 0);
	ck_assert_uint_eq(walk(&B).n, 0); /* the gateway deleted the ISAKMP SA */
	ck_assert_uint_eq(fake_kern_nsa(A.k, true), 0);
	ck_assert_uint_eq(fake_kern_nsa(B.k, true), 0);
	expect_logged("XAuth: the gateway refused our user name or password");
}
END_TEST

/* --- 8. IKEv1: the responder's identity by the initiator's ID (ident.c, as IKEv2) --- */

/* b's first identity wants another ID; its second names a's, and signs with venus's
 * certificate: b chooses it by the ID a sent (in main mode, encrypted, with a's
 * certificate). ECDSA P-256 all: both identities must do the method a proposes. */
#define LEAF                                                                                       \
	{"leaf.pem", "leaf", NULL},                                                                \
	{                                                                                          \
		"stranger.key", NULL, NULL                                                         \
	}
#define VENUS                                                                                      \
	{"revoked.pem", "venus", NULL},                                                            \
	{                                                                                          \
		"revoked.key", NULL, NULL                                                          \
	}
static const struct side two_ids_b = {{CA, INTER, LEAF, VENUS},
				      {{0}},
				      {DS("leaf") " remote-id=fqdn:other.example.org",
				       DS("venus") " remote-id=user-fqdn:sun@example.org"}};

static void v1_two_ids_up(const char *mode)
{
	const struct side a = {{CA, INTER, SUN}, {{0}}, {DS("sun")}};

	xmode = mode;
	ends_up(&a, &two_ids_b);
	start();
	expect_v1_up();
	ck_assert_str_eq(walk(&B).remote_id, "sun@example.org");
	ck_assert_str_eq(walk(&A).remote_cert, "CN=venus.example.org, O=test");
}

START_TEST(test_v1_id_picks_identity_main)
{
	v1_two_ids_up("main");
}
END_TEST

/* Aggressive mode: the ID comes in the clear with the first message, before a's
 * certificate. */
START_TEST(test_v1_id_picks_identity_aggressive)
{
	v1_two_ids_up("aggressive");
}
END_TEST

START_TEST(test_v1_id_picks_identity_base)
{
	v1_two_ids_up("base");
}
END_TEST

/* An ID that none of b's identities names: refused before any proof, in aggressive mode
 * at the first message (INVALID-ID-INFORMATION), in main mode at the fifth. */
static void v1_unknown_id(const char *mode)
{
	const struct side a = {
		{CA, INTER, SUN}, {{0}}, {DS("sun") " my-id=fqdn:stranger.example.org"}};

	xmode = mode;
	ends_up(&a, &two_ids_b);
	start();
	expect_nothing();
	ck_assert_uint_eq(ike_stats(B.ike)->rx_auth_failed, 1);
	expect_logged("no identity of peer a accepts the peer's ID stranger.example.org");
}

START_TEST(test_v1_unknown_id_main)
{
	v1_unknown_id("main");
	expect_logged("peer says AUTHENTICATION-FAILED");
}
END_TEST

START_TEST(test_v1_unknown_id_aggressive)
{
	v1_unknown_id("aggressive");
	expect_logged("peer says INVALID-ID-INFORMATION during phase 1");
}
END_TEST

/* Two identities that take any ID, a pre-shared key's first: in aggressive and base mode
 * b passes over it, a proposing signatures only. */
static void v1_method_picks(const char *mode)
{
	const struct side a = {{CA, MOON}, {{0}}, {DS("moon")}};
	const struct side b = {
		{CA, MOON},
		{{0}},
		{"auth-method=pre-shared-key secret=some-key-0123456789", DS("moon")}};

	xmode = mode;
	ends_up(&a, &b);
	start();
	expect_v1_up();
	ck_assert_str_eq(walk(&B).remote_cert, "CN=moon, O=test");
}

START_TEST(test_v1_method_picks_identity_aggressive)
{
	v1_method_picks("aggressive");
}
END_TEST

START_TEST(test_v1_method_picks_identity_base)
{
	v1_method_picks("base");
}
END_TEST

/* match-by=certificate: b takes the identity that pins the certificate a sent. */
START_TEST(test_v1_match_by_certificate)
{
	const struct side a = {{CA, INTER, SUN}, {{0}}, {DS("sun")}};
	const struct side b = {
		{CA, INTER, LEAF, {"sun.pem", "sun", NULL}, {"stranger.pem", "stranger", NULL}},
		{{0}},
		{DS("leaf") " match-by=certificate remote-certificate=stranger",
		 DS("leaf") " match-by=certificate remote-certificate=sun"}};

	xmode = "main";
	ends_up(&a, &b);
	start();
	expect_v1_up();
	ck_assert_str_eq(walk(&B).remote_cert, "CN=sun, O=test");
}
END_TEST

/* Pre-shared keys: aggressive mode's ID, in the clear, picks b's identity and so its key;
 * main mode's cannot (the key must decrypt it): b takes its first identity by address, and
 * its key is not a's. */
#define PSK_ID(secret, rest) "auth-method=pre-shared-key secret=" secret " " rest

static void v1_psk_two_ids(const char *mode)
{
	const struct side a = {
		{{0}}, {{0}}, {PSK_ID("second-key-0123456789", "my-id=fqdn:alice.example")}};
	const struct side b = {{{0}},
			       {{0}},
			       {PSK_ID("first-key-0123456789", "remote-id=fqdn:other.example"),
				PSK_ID("second-key-0123456789", "remote-id=fqdn:alice.example")}};

	xmode = mode;
	ends_up(&a, &b);
	start();
}

START_TEST(test_v1_psk_id_picks_key_aggressive)
{
	v1_psk_two_ids("aggressive");
	expect_v1_up();
	ck_assert_str_eq(walk(&B).remote_id, "alice.example");
}
END_TEST

START_TEST(test_v1_psk_main_by_address)
{
	v1_psk_two_ids("main");
	ck_assert_uint_eq(walk(&B).n, 0);
	ck_assert_uint_eq(ike_stats(A.ike)->established, 0);
	ck_assert_uint_eq(ike_stats(B.ike)->rx_auth_failed, 1);
	expect_logged("the pre-shared keys differ");
}
END_TEST

/* --- 9. IKEv1 base mode with signatures (racoon's hashes, keymat.c) --- */

START_TEST(test_v1_base_rsa_cert)
{
	const struct side a = {{CA, MOON}, {{0}}, {DS("moon")}};
	const struct side b = {{CA, MOON}, {{0}}, {DS("moon") " remote-id=fqdn:moon.example.org"}};

	xmode = "base";
	ends_up(&a, &b);
	start();
	expect_v1_up();
	ck_assert_str_eq(walk(&B).remote_cert, "CN=moon, O=test");
	ck_assert_str_eq(walk(&A).remote_cert, "CN=moon, O=test");
	expect_logged("ISAKMP SA established (base mode, responder) with moon.example.org");
}
END_TEST

/* ECDSA P-256 (RFC 4754 method 9) at both ends, a's certificate by the intermediate. */
START_TEST(test_v1_base_ecdsa)
{
	const struct side a = {{CA, INTER, SUN}, {{0}}, {DS("sun")}};
	const struct side b = {
		{CA, INTER, {"leaf.pem", "leaf", NULL}, {"stranger.key", NULL, NULL}},
		{{0}},
		{DS("leaf") " remote-id=user-fqdn:sun@example.org"}};

	xmode = "base";
	ends_up(&a, &b);
	start();
	expect_v1_up();
	ck_assert_str_eq(walk(&B).remote_cert, "CN=sun, O=test");
	ck_assert_str_eq(walk(&A).remote_id, "CN=leaf-30, O=test");
}
END_TEST

START_TEST(test_v1_base_rsa_key)
{
	const struct side a = {{{0}}, A_KEYS("gen.pub"), {RSA_ID}};
	const struct side b = {{{0}}, B_KEYS("moon.pub"), {RSA_ID}};

	xmode = "base";
	ends_up(&a, &b);
	start();
	expect_v1_up();
	ck_assert_str_eq(walk(&B).remote_id, "192.0.2.1");
	ck_assert_str_eq(walk(&A).remote_id, "192.0.2.2");
}
END_TEST

/* The responder refuses the initiator's SIG_I (its remote-key is another key). */
START_TEST(test_v1_base_sig_i_wrong)
{
	const struct side a = {{{0}}, A_KEYS("gen.pub"), {RSA_ID}};
	const struct side b = {{{0}}, B_KEYS("wrong.pub"), {RSA_ID}};

	xmode = "base";
	ends_up(&a, &b);
	start();
	expect_v1_refused_by_b("the peer's SIG is not valid");
}
END_TEST

/* The initiator refuses the responder's SIG_R: nothing is installed at a, and b's
 * half-made SA gets no quick mode. */
START_TEST(test_v1_base_sig_r_wrong)
{
	const struct side a = {{{0}}, A_KEYS("wrong.pub"), {RSA_ID}};
	const struct side b = {{{0}}, B_KEYS("moon.pub"), {RSA_ID}};

	xmode = "base";
	ends_up(&a, &b);
	start();
	ck_assert_uint_eq(walk(&A).n, 0);
	ck_assert_uint_eq(fake_kern_nsa(A.k, true), 0);
	ck_assert_uint_eq(fake_kern_nsa(B.k, true), 0);
	ck_assert_uint_eq(ike_stats(A.ike)->rx_auth_failed, 1);
	expect_logged("the peer's SIG is not valid: RSA PKCS#1 v1.5 signature does not verify");
}
END_TEST

/* An untrusted certificate in base mode's third message. */
START_TEST(test_v1_base_untrusted_ca)
{
	const struct side a = {
		{CA, {"stranger.pem", "stranger", NULL}, {"stranger.key", NULL, NULL}},
		{{0}},
		{DS("stranger")}};
	const struct side b = {{CA, INTER, SUN}, {{0}}, {DS("sun")}};

	xmode = "base";
	ends_up(&a, &b);
	start();
	expect_v1_refused_by_b("the peer's certificate is refused");
}
END_TEST

START_TEST(test_v1_base_hybrid)
{
	xmode_hybrid = "base";
	hybrid_up("secret-pw");
	expect_v1_up();
	ck_assert_str_eq(walk(&A).remote_cert, "CN=moon, O=test");
	ck_assert_str_eq(walk(&B).remote_cert, "");
	expect_logged("XAuth: the gateway accepted us");
}
END_TEST

static Suite *ike_authn_suite(void)
{
	Suite *s = suite_create("ike_authn");
	TCase *chain = tcase_create("chains"), *id = tcase_create("IDs");
	TCase *bad = tcase_create("refused certificates"), *pin = tcase_create("pinning");
	TCase *rsa = tcase_create("RSA keys"), *cache = tcase_create("chain cache");
	TCase *frag = tcase_create("fragmentation"), *eap = tcase_create("EAP");
	TCase *v1 = tcase_create("IKEv1");
	TCase *all[] = {chain, id, bad, pin, rsa, cache, frag, eap, v1};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		tcase_add_checked_fixture(all[i], setup, teardown);
		suite_add_tcase(s, all[i]);
	}
	tcase_add_test(chain, test_chain_from_initiator);
	tcase_add_test(chain, test_chain_from_responder);
	tcase_add_test(chain, test_chain_incomplete);
	tcase_add_test(id, test_remote_id_san);
	tcase_add_test(id, test_remote_id_other_san);
	tcase_add_test(id, test_my_id_dn);
	tcase_add_test(id, test_remote_id_mismatch);
	tcase_add_test(id, test_id_not_in_cert);
	tcase_add_test(bad, test_revoked);
	tcase_add_test(bad, test_revoked_unknown);
	tcase_add_test(bad, test_untrusted_ca);
	tcase_add_test(bad, test_expired);
	tcase_add_test(bad, test_expired_later);
	tcase_add_test(bad, test_refused_by_initiator);
	tcase_add_test(pin, test_pin_accepted);
	tcase_add_test(pin, test_pin_refused);
	tcase_add_test(pin, test_pin_revoked);
	tcase_add_test(pin, test_match_by_certificate);
	tcase_add_test(pin, test_remote_id_ignore);
	tcase_add_test(rsa, test_rsa_key);
	tcase_add_test(rsa, test_rsa_key_wrong);
	tcase_add_test(rsa, test_rsa_key_wrong_initiator);
	tcase_add_test(cache, test_chain_cache);
	tcase_add_test(frag, test_frag_small_path);
	tcase_add_test(frag, test_frag_off_small_path);
	tcase_add_test(eap, test_eap_mschapv2);
	tcase_add_test(eap, test_eap_wrong_password);
	tcase_add_test(eap, test_eap_accounting);
	tcase_add_test(eap, test_eap_no_accounting);
	tcase_add_test(eap, test_eap_framed_ip);
	tcase_add_test(eap, test_eap_accounting_rekeys);
	tcase_add_test(eap, test_eap_radius_slow);
	tcase_add_test(eap, test_eap_early_success);
	tcase_add_test(eap, test_eap_tls_no_key);
	tcase_add_test(eap, test_eap_radius_timeout);
	tcase_add_test(eap, test_eap_only_not_offered);
	tcase_add_test(v1, test_v1_main_rsa_cert);
	tcase_add_test(v1, test_v1_aggressive_ecdsa);
	tcase_add_test(v1, test_v1_rsa_key);
	tcase_add_test(v1, test_v1_rsa_key_wrong);
	tcase_add_test(v1, test_v1_untrusted_ca);
	tcase_add_test(v1, test_v1_revoked);
	tcase_add_test(v1, test_v1_remote_id_mismatch);
	tcase_add_test(v1, test_v1_id_not_in_cert);
	tcase_add_test(v1, test_v1_hybrid);
	tcase_add_test(v1, test_v1_hybrid_wrong_password);
	tcase_add_test(v1, test_v1_id_picks_identity_main);
	tcase_add_test(v1, test_v1_id_picks_identity_aggressive);
	tcase_add_test(v1, test_v1_id_picks_identity_base);
	tcase_add_test(v1, test_v1_unknown_id_main);
	tcase_add_test(v1, test_v1_unknown_id_aggressive);
	tcase_add_test(v1, test_v1_match_by_certificate);
	tcase_add_test(v1, test_v1_method_picks_identity_aggressive);
	tcase_add_test(v1, test_v1_method_picks_identity_base);
	tcase_add_test(v1, test_v1_psk_id_picks_key_aggressive);
	tcase_add_test(v1, test_v1_psk_main_by_address);
	tcase_add_test(v1, test_v1_base_rsa_cert);
	tcase_add_test(v1, test_v1_base_ecdsa);
	tcase_add_test(v1, test_v1_base_rsa_key);
	tcase_add_test(v1, test_v1_base_sig_i_wrong);
	tcase_add_test(v1, test_v1_base_sig_r_wrong);
	tcase_add_test(v1, test_v1_base_untrusted_ca);
	tcase_add_test(v1, test_v1_base_hybrid);
	return s;
}

/* --- the files the fixture lacks --- */

static bool write_pem(const char *file, const void *obj, bool is_key)
{
	int fd = open(path_of(file), O_WRONLY | O_CREAT | O_EXCL, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	bool ok = f && (is_key ? PEM_write_PrivateKey(f, (EVP_PKEY *)obj, NULL, NULL, 0, NULL, NULL)
			       : PEM_write_X509(f, (X509 *)obj));

	if (f)
		ok = fclose(f) == 0 && ok;
	else if (fd >= 0)
		close(fd);
	return ok;
}

/* Private keys of the certificates that have none in a file, the leaf without SAN, and the
 * keys of rsa-key: gen.key from sig_key_generate, and public halves. */
static bool extra_files(void)
{
	struct sig_err err = {0};
	EVP_PKEY *gen;
	bool ok;

	if (!(leaf = pki_fixture_leaf(&fx, 30)))
		return false;
	gen = sig_key_generate(path_of("gen.key"), 2048, &err);
	ok = gen && write_pem("leaf.pem", leaf, false) &&
	     write_pem("revoked.key", fx.revoked_key, true) &&
	     write_pem("stranger.key", fx.stranger_key, true) &&
	     write_pem("expired.key", fx.expired_key, true) &&
	     sig_key_export_pub(gen, path_of("gen.pub"), &err) == 0 &&
	     sig_key_export_pub(fx.moon_key, path_of("moon.pub"), &err) == 0 &&
	     sig_key_export_pub(fx.ca_key, path_of("wrong.pub"), &err) == 0;
	if (!ok)
		fprintf(stderr, "check_ike_authn: %s\n", err.msg);
	sig_key_free(gen);
	return ok;
}

int main(void)
{
	SRunner *sr;
	int failed;

	log_init("check_ike_authn", false, LOG_LVL_ERROR);
	if (crypto_init() < 0) {
		fprintf(stderr, "crypto_init failed\n");
		return 99;
	}
	if (!pki_fixture_build(&fx) || !extra_files()) {
		fprintf(stderr, "check_ike_authn: cannot build the test PKI\n");
		X509_free(leaf);
		pki_fixture_free(&fx);
		return 99; /* a hard error */
	}
	sr = srunner_create(ike_authn_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	X509_free(leaf);
	pki_fixture_free(&fx);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
