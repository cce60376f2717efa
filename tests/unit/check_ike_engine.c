/* check_ike_engine: two IKEv2 engines in one process (a initiates, b is a passive
 * responder) talking through the fake net of fake_env.c, with fake kernels and one fake
 * clock. The tests assert SA states (ike_walk, ike_stats), the datagrams on the wire (when,
 * which exchange, which bytes) and what each fake kernel holds and was asked: the handshake,
 * NAT traversal, the retransmission back-off and dead peers, the response cache, malformed
 * input, a wrong PSK, kill, INITIAL_CONTACT, configuration changes, and CHILD SA rekeys
 * (with collisions), expiries and IKE SA rekeys. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_env.h"
#include "ike_internal.h" /* has_notify(): the receiver's SK keys open a message */
#include "v2/v2.h"	  /* fragments made and counted through the engine's own calls */
#include "ipsecd/conf.h"
#include "ipsecd/crypto.h"
#include "ipsecd/ike.h"
#include "ipsecd/log.h"
#include "ipsecd/strbuf.h"
#include "ipsecd/wire.h"
#include "ipsecd/wire_v1.h"
#include "v2/v2.h" /* ikev2_protect(): requests the engine would never send */
#include "v1/v1.h" /* ikev1_frag_held(): what IKEv1 reassembly keeps */

#define REQID 0x49000001u
#define A_SPI 0xa0000100u /* first SPI a's kernel gives out */
#define B_SPI 0xb0000100u

/* --- the two ends --- */

struct end {
	const char *name;
	struct conf *c;
	struct kern *k;
	struct net *n;
	struct ike *ike;
};

static struct loop *lp;
static struct end A = {.name = "a"}, B = {.name = "b"}, C = {.name = "c"}; /* c: 3 ends */

/* What went over the wire, in order. */
struct seen {
	bool from_a, dropped, natt;
	double when;
	uint8_t exch, flags;
	uint32_t msgid;
	size_t len;
	unsigned frag; /* RFC 7383 Fragment Number; 0: not a fragment */
};
static struct seen wire[256];
static size_t nwire;

/* Decides each datagram's fate: true delivers it. NULL delivers everything. */
static bool (*filter)(bool from_a, struct fake_dgram *d);
/* Delivers datagrams to the NAT-T port without the non-ESP marker (and the reverse), which
 * a real net drops: to look at one end of NAT-T whatever the other does. */
static bool lenient_net;
/* small_path: datagrams longer, IPv4 and UDP headers counted, are lost */
static unsigned path_mtu;
static unsigned lose_num, lost_frags; /* lose_one_frag */

/* The tunnel's policy has REQID; a policy of peer "x" (test_reload_keeps_child) another. */
static uint32_t reqid_of(void *arg, const struct conf *c, const struct conf_item *pol)
{
	const char *peer = conf_str(pol, CONF_POLICY_PEER);

	(void)arg;
	(void)c;
	if (conf_bool(pol, CONF_POLICY_TEMPLATE))
		return 0; /* templates are never installed */
	return peer && !strcmp(peer, "x") ? REQID + 1 : REQID;
}

/* What a test may change of an end's configuration. */
struct side {
	const char *secret;
	const char *dpd;	/* the profile's dpd-interval */
	const char *lifetime;	/* the profile's lifetime */
	const char *peer;	/* the other end's address as this one sees it */
	const char *esp_enc;	/* the proposal's enc-algorithms; NULL: aes-256-cbc */
	const char *my_id;	/* the identity's my-id; NULL: auto */
	const char *dpd_max;	/* the profile's dpd-maximum-failures; NULL: 5 */
	const char *prefix;	/* configuration before the rest; NULL: none */
	const char *mode;	/* the peer's exchange-mode; NULL: ike2 */
	const char *p1_enc;	/* the profile's enc-algorithm; NULL: aes-256 */
	const char *peer_extra; /* more properties of the peer item; NULL: none */
};

struct opts {
	struct side a, b;
};

static const struct opts defaults = {
	.a = {.secret = "test-secret-0123456789",
	      .dpd = "disable-dpd",
	      .lifetime = "1d",
	      .peer = "192.0.2.2"},
	.b = {.secret = "test-secret-0123456789",
	      .dpd = "disable-dpd",
	      .lifetime = "1d",
	      .peer = "192.0.2.1"},
};

/* What does not change: mirror images, a (192.0.2.1, 10.1.0.0/24) initiates to b
 * (192.0.2.2, 10.2.0.0/24), which is passive. */
static const struct {
	const char *peer_name, *me, *my_net, *their_net, *extra;
} fixed[2] = {
	{"b", "192.0.2.1", "10.1.0.0/24", "10.2.0.0/24", ""},
	{"a", "192.0.2.2", "10.2.0.0/24", "10.1.0.0/24", " passive=yes"},
};

static struct conf *load(const char *text)
{
	struct conf *c = conf_new();
	struct conf_diags ds;

	conf_diags_init(&ds);
	if (!c || conf_load_buf(c, "t.conf", text, strlen(text), CONF_FROM_FILE, &ds) < 0) {
		conf_diags_print(&ds, stderr);
		ck_abort_msg("configuration does not load");
	}
	conf_diags_free(&ds);
	return c;
}

static struct conf *conf_for(int i, const struct side *o)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "%s"
		 "/ip ipsec profile\n"
		 "set [ find default=yes ] dh-group=ecp256 enc-algorithm=%s "
		 "hash-algorithm=sha256 dpd-interval=%s dpd-maximum-failures=%s lifetime=%s\n"
		 "/ip ipsec proposal\n"
		 "set [ find default=yes ] auth-algorithms=sha256 enc-algorithms=%s "
		 "pfs-group=ecp256\n"
		 "/ip ipsec peer\n"
		 "add name=%s address=%s%s local-address=%s exchange-mode=%s%s%s\n"
		 "/ip ipsec identity\n"
		 "add peer=%s secret=\"%s\"%s%s\n"
		 "/ip ipsec policy\n"
		 "add src-address=%s dst-address=%s peer=%s tunnel=yes\n",
		 o->prefix ? o->prefix : "", o->p1_enc ? o->p1_enc : "aes-256", o->dpd,
		 o->dpd_max ? o->dpd_max : "5", o->lifetime,
		 o->esp_enc ? o->esp_enc : "aes-256-cbc", fixed[i].peer_name, o->peer,
		 strchr(o->peer, '/') ? "" : "/32", fixed[i].me, o->mode ? o->mode : "ike2",
		 fixed[i].extra, o->peer_extra ? o->peer_extra : "", fixed[i].peer_name, o->secret,
		 o->my_id ? " my-id=" : "", o->my_id ? o->my_id : "", fixed[i].my_net,
		 fixed[i].their_net, fixed[i].peer_name);
	return load(text);
}

/* --- a fake RADIUS server for b (xauth-use-radius=yes, accounting=yes): it keeps each
 * Access-Request until the test answers it (rad_answer) --- */

#define RAD_MAX 4

static bool b_without_radius; /* b has no RADIUS client (no /radius for service=ipsec) */

static struct {
	unsigned n; /* Access-Requests so far; each one waits until answered or cancelled */
	struct {
		bool pending;
		char user[64], password[130], calling[64];
		uint32_t nas_port;
		radius_cb cb;
		void *cbarg;
	} req[RAD_MAX];
	unsigned cancelled;
	unsigned nacct; /* Accounting-Requests, in order */
	struct {
		enum radius_acct_status status;
		char user[64];
		uint64_t in_octets, out_octets;
		uint32_t in_packets, out_packets, cause;
		bool framed_ip;
	} acct[8];
} rad;

static struct radius_handle *rad_auth(void *arg, const struct radius_req *q, radius_cb cb,
				      void *cbarg)
{
	char a[INET6_ADDRSTRLEN] = "";

	(void)arg;
	ck_assert_uint_lt(rad.n, RAD_MAX);
	if (q->calling && q->calling->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)q->calling)->sin_addr, a,
			  sizeof(a));
	rad.req[rad.n].pending = true;
	snprintf(rad.req[rad.n].user, sizeof(rad.req[0].user), "%s", q->user);
	snprintf(rad.req[rad.n].password, sizeof(rad.req[0].password), "%s",
		 q->password ? q->password : "(none)");
	snprintf(rad.req[rad.n].calling, sizeof(rad.req[0].calling), "%s", a);
	rad.req[rad.n].nas_port = q->nas_port;
	rad.req[rad.n].cb = cb;
	rad.req[rad.n].cbarg = cbarg;
	return (struct radius_handle *)&rad.req[rad.n++];
}

static void rad_cancel(void *arg, struct radius_handle *h)
{
	(void)arg;
	for (unsigned i = 0; i < rad.n; i++)
		if (h == (void *)&rad.req[i]) {
			ck_assert(rad.req[i].pending);
			rad.req[i].pending = false;
			rad.cancelled++;
			return;
		}
	ck_abort_msg("an unknown RADIUS handle cancelled");
}

static struct radius_handle *rad_acct(void *arg, const struct radius_acct_req *q, radius_cb cb,
				      void *cbarg)
{
	(void)arg;
	(void)cb;
	(void)cbarg;
	ck_assert_uint_lt(rad.nacct, 8);
	rad.acct[rad.nacct].status = q->status;
	snprintf(rad.acct[rad.nacct].user, sizeof(rad.acct[0].user), "%s", q->user);
	rad.acct[rad.nacct].in_octets = q->in_octets;
	rad.acct[rad.nacct].out_octets = q->out_octets;
	rad.acct[rad.nacct].in_packets = q->in_packets;
	rad.acct[rad.nacct].out_packets = q->out_packets;
	rad.acct[rad.nacct].cause = q->terminate_cause;
	rad.acct[rad.nacct].framed_ip = q->framed_ip != NULL;
	rad.nacct++;
	return (struct radius_handle *)&rad.acct; /* fire and forget: never completed */
}

/* b's kernel counters: its inbound SAs (to 192.0.2.2) carried 1000 bytes in 10 packets,
 * its outbound ones 2000 in 20. */
static int sa_counters(void *arg, const struct kern_sa_id *id, uint64_t *bytes, uint64_t *packets)
{
	bool in = fake_addr_is(&id->dst, "192.0.2.2");

	(void)arg;
	*bytes = in ? 1000 : 2000;
	*packets = in ? 10 : 20;
	return 0;
}

/* Answers Access-Request i (framed: Framed-IP-Address 10.8.0.77 in an Accept). */
static void rad_answer(unsigned i, enum radius_result res, bool framed)
{
	static struct radius_reply r;

	ck_assert_uint_lt(i, rad.n);
	ck_assert(rad.req[i].pending);
	rad.req[i].pending = false;
	memset(&r, 0, sizeof(r));
	r.result = res;
	r.server = "fake";
	r.has_framed_ip = framed;
	r.framed_ip.s_addr = htonl(0x0a08004d);
	if (res == RADIUS_RES_REJECT)
		snprintf(r.reply_message, sizeof(r.reply_message), "bad password");
	rad.req[i].cb(rad.req[i].cbarg, &r);
}

static void end_up(struct end *e, bool a, const struct opts *o)
{
	e->c = conf_for(a ? 0 : 1, a ? &o->a : &o->b);
	e->k = fake_kern_new(lp, a ? A_SPI : B_SPI);
	e->n = fake_net_new(lp);
	ck_assert_ptr_nonnull(e->k);
	ck_assert_ptr_nonnull(e->n);
	struct ike_deps d = {.loop = lp,
			     .kern = e->k,
			     .net = e->n,
			     .policy_reqid = reqid_of,
			     .radius_auth = a || b_without_radius ? NULL : rad_auth,
			     .radius_cancel = a || b_without_radius ? NULL : rad_cancel,
			     .radius_acct = a ? NULL : rad_acct,
			     .sa_counters = a ? NULL : sa_counters,
			     .arg = e};

	e->ike = ike_new(&d);
	ck_assert_ptr_nonnull(e->ike);
}

static void ends_up(const struct opts *o)
{
	end_up(&A, true, o);
	end_up(&B, false, o);
}

static void setup(void)
{
	lp = fake_loop_new(1000.0);
	ck_assert_ptr_nonnull(lp);
	nwire = 0;
	filter = NULL;
	lenient_net = false;
	path_mtu = 0;
	lost_frags = 0;
	A.ike = B.ike = NULL;
	memset(&rad, 0, sizeof(rad));
	b_without_radius = false;
}

static void end_down(struct end *e)
{
	ike_free(e->ike);
	e->ike = NULL;
	if (e->k)
		fake_kern_run(e->k); /* answers to tokens of SPI requests in flight free them */
	fake_kern_free(e->k);
	fake_net_free(e->n);
	conf_free(e->c);
	e->k = NULL;
	e->n = NULL;
	e->c = NULL;
}

static void teardown(void)
{
	end_down(&A);
	end_down(&B);
	end_down(&C);
	fake_loop_free(lp);
	lp = NULL;
}

/* --- driving --- */

/* Fragment Number of an SKF message (RFC 7383 2.5), 0 for others. */
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
		struct seen *s = nwire < sizeof(wire) / sizeof(wire[0]) ? &wire[nwire++] : NULL;
		bool deliver = !filter || filter(from == &A, d);

		/* the receiving net: the NAT-T port wants the non-ESP marker, the IKE port none */
		deliver = deliver && (lenient_net || d->natt == (d->remote.port == 4500));

		if (s) {
			*s = (struct seen){.from_a = from == &A,
					   .dropped = !deliver,
					   .natt = d->natt,
					   .when = d->when,
					   .len = d->len,
					   .frag = frag_num(d)};
			if (d->len >= 28) {
				s->exch = d->data[18];
				s->flags = d->data[19];
				s->msgid = (uint32_t)d->data[20] << 24 |
					   (uint32_t)d->data[21] << 16 |
					   (uint32_t)d->data[22] << 8 | d->data[23];
			}
		}
		if (deliver) {
			struct net_pkt p;

			fake_net_pkt(d, &p);
			ike_recv(to->ike, &p);
		}
		free(d);
		n++;
	}
	return n;
}

/* One round: kernel answers, timers due now, datagrams both ways. */
static unsigned step(void)
{
	unsigned n = fake_kern_run(A.k) + fake_kern_run(B.k) + fake_loop_run_due(lp);

	return n + flush(&A, &B) + flush(&B, &A);
}

static void settle(void)
{
	for (int i = 0; step(); i++)
		ck_assert_int_lt(i, 1000);
}

/* Lets time pass until t, everything happening at its own time. */
static void run_until(double t)
{
	double next;

	settle();
	while ((next = fake_loop_next(lp)) >= 0 && next <= t) {
		fake_loop_run_until(lp, next);
		settle();
	}
	fake_loop_run_until(lp, t);
	settle();
}

static void start(void)
{
	ike_apply(B.ike, B.c);
	ike_apply(A.ike, A.c);
	settle();
}

/* --- looking at the ends --- */

struct walk {
	unsigned n;
	struct ike_peer_info i[8];
	char state[8][32];
};

static void walk_one(void *arg, const struct ike_peer_info *i)
{
	struct walk *w = arg;

	if (w->n < 8) {
		w->i[w->n] = *i;
		snprintf(w->state[w->n], sizeof(w->state[0]), "%s", i->state);
		w->i[w->n].state = w->state[w->n];
		w->i[w->n].peer = "";
		w->i[w->n].last_error = "";
		w->n++;
	}
}

static struct walk walk(const struct end *e)
{
	struct walk w = {0};

	ike_walk(e->ike, walk_one, &w);
	return w;
}

static unsigned established(const struct end *e)
{
	struct walk w = walk(e);
	unsigned n = 0;

	for (unsigned i = 0; i < w.n; i++)
		n += !strcmp(w.state[i], "established");
	return n;
}

static const struct conf_item *policy_of(const struct end *e)
{
	for (size_t i = 0; i < conf_count(e->c, CONF_M_POLICY); i++) {
		const struct conf_item *p = conf_item_at(e->c, CONF_M_POLICY, i);
		const char *peer = conf_str(p, CONF_POLICY_PEER);

		if (peer && *peer && strcmp(peer, "x")) /* x: test_reload_keeps_child's */
			return p;
	}
	ck_abort_msg("no policy");
	return NULL;
}

static unsigned ph2(const struct end *e)
{
	const char *state;
	unsigned n;

	ike_policy_ph2(e->ike, policy_of(e), &state, &n);
	ck_assert_str_eq(state, n ? "established" : "no-phase2");
	return n;
}

/* The installed (non-larval) SA of e's kernel with that destination; exactly one. */
static const struct kern_sa *sa_to(const struct end *e, const char *dst)
{
	const struct kern_sa *sa;
	size_t n = fake_kern_sa_to(e->k, dst, &sa);

	ck_assert_msg(n == 1, "%s: %zu SAs to %s, not 1", e->name, n, dst);
	return sa;
}

static bool zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* The same SA seen from both ends (one's outbound is the other's inbound): SPI, algorithms
 * and keys; with a NAT between them the addresses and ports differ. */
static void same_keys(const struct kern_sa *x, const struct kern_sa *y)
{
	ck_assert_uint_eq(x->id.spi, y->id.spi);
	ck_assert_uint_eq(x->id.proto, y->id.proto);
	ck_assert_ptr_eq(x->enc, y->enc);
	ck_assert_ptr_eq(x->auth, y->auth);
	ck_assert_uint_eq(x->enc_key.len, y->enc_key.len);
	ck_assert_uint_eq(x->auth_key.len, y->auth_key.len);
	ck_assert(!memcmp(x->enc_key.bytes, y->enc_key.bytes, x->enc_key.len));
	ck_assert(!memcmp(x->auth_key.bytes, y->auth_key.bytes, x->auth_key.len));
	ck_assert(!zero(x->enc_key.bytes, x->enc_key.len));
	ck_assert(!zero(x->auth_key.bytes, x->auth_key.len));
	ck_assert_uint_eq(x->tunnel, y->tunnel);
	ck_assert_uint_eq(x->reqid, y->reqid);
}

/* The same SA without a NAT: addresses and encapsulation match too. */
static void same_sa(const struct kern_sa *x, const struct kern_sa *y)
{
	same_keys(x, y);
	ck_assert(!memcmp(&x->id.dst, &y->id.dst, sizeof(x->id.dst)));
	ck_assert(!memcmp(&x->src, &y->src, sizeof(x->src)));
	ck_assert_uint_eq(x->encap_sport, y->encap_sport);
	ck_assert_uint_eq(x->encap_dport, y->encap_dport);
}

/* Both ends hold exactly one CHILD SA pair, keyed alike across; returns a's SPIs. */
static void check_child_pair(uint32_t *a_in, uint32_t *a_out)
{
	ck_assert_uint_eq(fake_kern_nsa(A.k, true), 2);
	ck_assert_uint_eq(fake_kern_nsa(B.k, true), 2);
	const struct kern_sa *ao = sa_to(&A, "192.0.2.2"), *ai = sa_to(&A, "192.0.2.1");
	const struct kern_sa *bo = sa_to(&B, "192.0.2.1"), *bi = sa_to(&B, "192.0.2.2");

	same_sa(ao, bi);
	same_sa(bo, ai);
	ck_assert(fake_addr_is(&ao->src, "192.0.2.1"));
	ck_assert(fake_addr_is(&bo->src, "192.0.2.2"));
	/* each end's inbound SPI is one its own kernel gave out */
	ck_assert_uint_eq(ai->id.spi & 0xff000000u, A_SPI & 0xff000000u);
	ck_assert_uint_eq(bi->id.spi & 0xff000000u, B_SPI & 0xff000000u);
	ck_assert_uint_eq(ao->id.proto, IPPROTO_ESP);
	ck_assert_str_eq(ao->enc->name, "aes-256-cbc");
	ck_assert_str_eq(ao->auth->name, "sha256");
	ck_assert_uint_eq(ao->reqid, REQID);
	ck_assert_uint_eq(ai->reqid, REQID);
	ck_assert_uint_eq(bo->reqid, REQID);
	ck_assert_uint_eq(bi->reqid, REQID);
	ck_assert(ao->tunnel);
	ck_assert_uint_eq(ao->encap_sport, 0); /* no NAT: no UDP encapsulation */
	ck_assert_uint_eq(ai->encap_dport, 0);
	ck_assert_uint_gt(ai->replay_window, 0);
	ck_assert_uint_gt(ao->lft.hard_add, ao->lft.soft_add);
	ck_assert_uint_gt(ao->lft.soft_add, 0);
	/* the two directions have keys of their own */
	ck_assert(memcmp(ao->enc_key.bytes, ai->enc_key.bytes, ao->enc_key.len));
	ck_assert(memcmp(ao->auth_key.bytes, ai->auth_key.bytes, ao->auth_key.len));
	if (a_in)
		*a_in = ai->id.spi;
	if (a_out)
		*a_out = ao->id.spi;
}

static void establish(void)
{
	start();
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(established(&B), 1);
}

/* Times (from t0) of the datagrams one end sent, of one exchange. */
static size_t times_of(bool from_a, uint8_t exch, bool response, double t0, double *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < nwire; i++)
		if (wire[i].from_a == from_a && wire[i].exch == exch &&
		    !!(wire[i].flags & IKEV2_FLAG_RESPONSE) == response && n < max)
			out[n++] = wire[i].when - t0;
	return n;
}

/* The notify types in a protected message, opened with the receiver's keys: a peek through
 * the engine's internals, as the notify is encrypted. Returns whether `type` is there. */
static bool has_notify(const struct end *rx, const struct fake_dgram *d, uint16_t type)
{
	static struct ikev2_msg m;
	uint8_t plain[2048];
	size_t plen = 0;

	ck_assert_int_eq(ikev2_decode(d->data, d->len, &m), 0);
	bool from_i = m.hdr.flags & IKEV2_FLAG_INITIATOR;
	struct ike_sa *sa = ike_tab_get(&rx->ike->sas, from_i ? m.hdr.spi_r : m.hdr.spi_i);

	ck_assert_ptr_nonnull(sa);
	ck_assert_ptr_nonnull(sa->v2->sk_in);
	ck_assert_uint_le(m.sk.len, sizeof(plain));
	ck_assert_int_eq(crypto_sk_open(sa->v2->sk_in, d->data, m.sk_aad_len, m.sk.ptr, m.sk.len,
					plain, &plen),
			 0);
	ck_assert_int_eq(ikev2_decode_inner(plain, plen, m.sk_next, &m), 0);
	for (unsigned i = 0; i < m.nnotify; i++)
		if (m.notify[i].type == type)
			return true;
	return false;
}

/* --- the handshake --- */

START_TEST(test_handshake)
{
	ends_up(&defaults);
	establish();

	struct walk wa = walk(&A), wb = walk(&B);

	ck_assert_uint_eq(wa.n, 1);
	ck_assert_uint_eq(wb.n, 1);
	ck_assert(!wa.i[0].responder);
	ck_assert(wb.i[0].responder);
	ck_assert_uint_eq(wa.i[0].spi_i, wb.i[0].spi_i);
	ck_assert_uint_eq(wa.i[0].spi_r, wb.i[0].spi_r);
	ck_assert_uint_ne(wa.i[0].spi_r, 0);
	ck_assert(!wa.i[0].natt);
	ck_assert_uint_eq(wa.i[0].ph2_total, 1);
	ck_assert_uint_eq(wb.i[0].ph2_total, 1);
	ck_assert_uint_eq(wa.i[0].remote.port, 500);
	ck_assert_uint_eq(wb.i[0].remote.port, 500);
	ck_assert_uint_eq(ph2(&A), 1);
	ck_assert_uint_eq(ph2(&B), 1);

	/* IKE_SA_INIT and IKE_AUTH, one request and one response each, nothing else */
	ck_assert_uint_eq(nwire, 4);
	ck_assert_uint_eq(wire[0].exch, IKEV2_EXCH_IKE_SA_INIT);
	ck_assert(wire[0].from_a);
	ck_assert_uint_eq(wire[1].exch, IKEV2_EXCH_IKE_SA_INIT);
	ck_assert(!wire[1].from_a);
	ck_assert_uint_eq(wire[2].exch, IKEV2_EXCH_IKE_AUTH);
	ck_assert_uint_eq(wire[2].msgid, 1);
	ck_assert_uint_eq(wire[3].exch, IKEV2_EXCH_IKE_AUTH);
	ck_assert_uint_eq(wire[3].flags & IKEV2_FLAG_RESPONSE, IKEV2_FLAG_RESPONSE);

	/* kernels: one SPI each, the inbound SA replaces its larval one, the outbound is added */
	uint32_t a_in, a_out;

	check_child_pair(&a_in, &a_out);
	ck_assert_uint_eq(a_in, A_SPI);
	ck_assert_uint_eq(a_out, B_SPI);
	for (int i = 0; i < 2; i++) {
		struct kern *k = i ? B.k : A.k;

		ck_assert_uint_eq(fake_kern_count(k, FAKE_KOP_ALLOCSPI, true), 1);
		ck_assert_uint_eq(fake_kern_count(k, FAKE_KOP_UPDATE, true), 1);
		ck_assert_uint_eq(fake_kern_count(k, FAKE_KOP_ADD, true), 1);
		ck_assert_uint_eq(fake_kern_count(k, FAKE_KOP_DEL, false), 0);
		ck_assert_uint_eq(fake_kern_nops(k), 3);
		ck_assert_uint_eq(fake_kern_unsent(k), 0);
	}
	ck_assert_uint_eq(ike_stats(A.ike)->established, 1);
	ck_assert_uint_eq(ike_stats(B.ike)->established, 1);
	ck_assert_uint_eq(ike_stats(A.ike)->failed, 0);
	ck_assert_uint_eq(ike_stats(B.ike)->failed, 0);
	ck_assert_uint_eq(ike_stats(A.ike)->retransmits, 0);

	/* a quiet hour later: nothing was sent (no DPD configured), the SAs stand */
	run_until(1000 + 3600);
	ck_assert_uint_eq(nwire, 4);
	ck_assert_uint_eq(fake_net_keepalives(A.n), 0); /* no NAT: no keepalives */
	ck_assert_uint_eq(fake_net_keepalives(B.n), 0);
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(established(&B), 1);
}
END_TEST

/* RFC 7296 2.12: the responder's key pair is the shared one, and the engine drops it once
 * it is CRYPTO_DH_REUSE_AGE old even when no exchange comes; the initiator's is its own. */
START_TEST(test_responder_dh_reuse)
{
	ends_up(&defaults);
	double t0 = loop_now(lp);

	establish();
	ck_assert(B.ike->dh_armed);
	ck_assert(!A.ike->dh_armed);
	size_t armed = fake_loop_armed(lp);

	run_until(t0 + CRYPTO_DH_REUSE_AGE + 0.001);
	ck_assert(!B.ike->dh_armed);
	ck_assert_uint_eq(fake_loop_armed(lp), armed - 1);
	ck_assert(crypto_dh_reuse_expire(loop_now(lp)) == 0); /* no key is left to drop */
	ck_assert_uint_eq(established(&B), 1);
}
END_TEST

/* The first SA of an end's engine, or NULL. */
static struct ike_sa *first_sa(const struct end *e)
{
	size_t pos = 0;

	return ike_tab_next(&e->ike->sas, &pos);
}

/* An IKE_AUTH request held for its SPI is decrypted once: the replay takes the inner
 * payloads kept when it came, so a change to the held datagram's ICV goes unseen. */
START_TEST(test_held_request_opened_once)
{
	struct ike_sa *sa = NULL;

	ends_up(&defaults);
	ike_apply(B.ike, B.c);
	ike_apply(A.ike, A.c);
	for (int i = 0; i < 20 && !(sa && sa->v2->held); i++) { /* B's kernel does not answer */
		fake_kern_run(A.k);
		fake_loop_run_due(lp);
		flush(&A, &B);
		flush(&B, &A);
		sa = first_sa(&B);
	}
	ck_assert(sa && sa->v2->held);
	ck_assert_uint_gt(sa->v2->held_data.len,
			  sa->v2->held_pkt.len);	       /* the inner payloads kept */
	sa->v2->held_data.p[sa->v2->held_pkt.len - 1] ^= 0x01; /* the ICV's last byte */
	settle();
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(established(&B), 1);
	ck_assert_uint_eq(ike_stats(B.ike)->rx_auth_failed, 0);
}
END_TEST

/* --- CHILD SAs that fail --- */

static void last_error_one(void *arg, const struct ike_peer_info *i)
{
	snprintf(arg, 200, "%s", i->last_error);
}

static void last_error(const struct end *e, char out[200])
{
	out[0] = 0;
	ike_walk(e->ike, last_error_one, out);
}

/* The responder accepts another cipher: the IKE SA stands without a CHILD SA, the refusal
 * is logged with both offers, and neither kernel keeps the SPI it gave for it. */
START_TEST(test_first_child_refused)
{
	struct opts o = defaults;
	char why[200];

	o.b.esp_enc = "aes-128-gcm";
	ends_up(&o);
	establish();
	ck_assert_uint_eq(ph2(&A), 0);
	ck_assert_uint_eq(ph2(&B), 0);
	last_error(&A, why);
	ck_assert_msg(strstr(why, "CHILD SA refused by the peer: NO_PROPOSAL_CHOSEN") != NULL,
		      "a: %s", why);
	ck_assert_msg(strstr(why, "aes-256-cbc") != NULL, "a: %s", why);
	last_error(&B, why);
	ck_assert_msg(strstr(why, "no CHILD SA proposal chosen") != NULL, "b: %s", why);
	for (int i = 0; i < 2; i++) {
		struct kern *k = i ? B.k : A.k;

		ck_assert_uint_eq(fake_kern_count(k, FAKE_KOP_ALLOCSPI, true), 1);
		ck_assert_uint_eq(fake_kern_count(k, FAKE_KOP_DEL, true), 1);
		ck_assert_uint_eq(fake_kern_nsa(k, true), 0);
	}
}
END_TEST

/* Traffic for the tunnel's policy with no SA: a's kernel sends an ACQUIRE. */
static void acquire_a(void)
{
	struct kern_acquire acq = {.dir = KERN_DIR_OUT};

	acq.tmpl.reqid = REQID;
	ike_acquire(A.ike, &acq);
	settle();
}

/* The kernel refuses the initiator's outbound SA: the CHILD SA does not count as
 * established, the peer is told to delete its half, and both kernels end up empty; the
 * next ACQUIRE negotiates the CHILD SA again in the same IKE SA. */
START_TEST(test_child_install_refused)
{
	char why[200];

	ends_up(&defaults);
	fake_kern_refuse(A.k, FAKE_KOP_ADD, 1);
	establish();
	last_error(&A, why);
	ck_assert_msg(strstr(why, "could not be installed in the kernel") != NULL, "a: %s", why);
	ck_assert_uint_eq(ph2(&A), 0);
	ck_assert_uint_eq(ph2(&B), 0);
	ck_assert_uint_eq(nwire, 6);
	ck_assert_uint_eq(wire[4].exch, IKEV2_EXCH_INFORMATIONAL);
	ck_assert(wire[4].from_a);
	ck_assert_uint_eq(fake_kern_nsa(A.k, true), 0);
	ck_assert_uint_eq(fake_kern_nsa(B.k, true), 0);
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(established(&B), 1);
	acquire_a();
	ck_assert_uint_eq(ph2(&A), 1);
	ck_assert_uint_eq(ph2(&B), 1);
	check_child_pair(NULL, NULL);
	ck_assert_uint_eq(walk(&A).n, 1);
}
END_TEST

/* --- retransmission and dead peers --- */

static bool drop_from_b(bool from_a, struct fake_dgram *d)
{
	(void)d;
	return from_a;
}

static bool drop_from_a(bool from_a, struct fake_dgram *d)
{
	(void)d;
	return !from_a;
}

static const double backoff[] = {0, 2, 6, 14, 30, 62}; /* 2, 4, 8, 16, 32 s apart */

START_TEST(test_init_retransmit)
{
	double t[16];

	ends_up(&defaults);
	filter = drop_from_b;
	start();
	ck_assert_uint_eq(walk(&A).n, 1);
	ck_assert_str_eq(walk(&A).state[0], "sa-init-sent");

	run_until(1000 + 125.9);
	ck_assert_uint_eq(walk(&A).n, 1);
	ck_assert_uint_eq(times_of(true, IKEV2_EXCH_IKE_SA_INIT, false, 1000, t, 16), 6);
	for (int i = 0; i < 6; i++)
		ck_assert_double_eq_tol(t[i], backoff[i], 1e-9);
	/* every retransmission is the same bytes */
	for (size_t i = 1; i < nwire; i++)
		if (wire[i].from_a)
			ck_assert_uint_eq(wire[i].len, wire[0].len);
	ck_assert_uint_eq(ike_stats(A.ike)->retransmits, 5);

	/* 64 s after the last one the peer is dead */
	run_until(1000 + 126);
	ck_assert_uint_eq(walk(&A).n, 0);
	ck_assert_uint_eq(ike_stats(A.ike)->failed, 1);
	run_until(1000 + 600);
	ck_assert_uint_eq(times_of(true, IKEV2_EXCH_IKE_SA_INIT, false, 1000, t, 16), 6);
	/* b's half-open SAs timed out too; nobody touched a kernel */
	ck_assert_uint_eq(walk(&B).n, 0);
	ck_assert_uint_eq(fake_kern_nops(A.k), 0);
	ck_assert_uint_eq(fake_kern_nsa(B.k, true), 0);
	ck_assert_uint_eq(fake_loop_armed(lp), 0);
}
END_TEST

/* dead peer detection: the liveness check goes unanswered; the checker retransmits it on the
 * same back-off, then deletes its SAs and their kernel entries. */
static void dpd_dead(struct end *checker, struct end *silent)
{
	bool from_a = checker == &A;
	uint32_t c_in, c_out, a_in, a_out;
	double t[16];

	establish();
	check_child_pair(&a_in, &a_out);
	c_in = from_a ? a_in : a_out;
	c_out = from_a ? a_out : a_in;
	nwire = 0;
	filter = from_a ? drop_from_b : drop_from_a;

	run_until(1000 + 10 + 125.9);
	ck_assert_uint_eq(established(checker), 1);
	ck_assert_uint_eq(times_of(from_a, IKEV2_EXCH_INFORMATIONAL, false, 1000 + 10, t, 16), 6);
	for (int i = 0; i < 6; i++)
		ck_assert_double_eq_tol(t[i], backoff[i], 1e-9);
	ck_assert_uint_eq(ike_stats(checker->ike)->retransmits, 5);
	ck_assert_uint_eq(fake_kern_count(checker->k, FAKE_KOP_DEL, false), 0);

	run_until(1000 + 10 + 126);
	ck_assert_uint_eq(walk(checker).n, 0);
	ck_assert_uint_eq(ike_stats(checker->ike)->failed, 1);
	ck_assert_uint_eq(fake_kern_nsa(checker->k, true), 0);
	ck_assert(fake_kern_deleted(checker->k, IPPROTO_ESP, c_in));
	ck_assert(fake_kern_deleted(checker->k, IPPROTO_ESP, c_out));
	ck_assert_uint_eq(fake_kern_unsent(checker->k), 0);
	/* the silent end knows nothing of it */
	ck_assert_uint_eq(established(silent), 1);
	ck_assert_uint_eq(fake_kern_nsa(silent->k, true), 2);
}

START_TEST(test_dpd_initiator)
{
	struct opts o = defaults;

	o.a.dpd = "10s";
	ends_up(&o);
	dpd_dead(&A, &B);
}
END_TEST

/* The same with the responder checking: its life timer must run DPD as the initiator's does. */
START_TEST(test_dpd_responder)
{
	struct opts o = defaults;

	o.b.dpd = "10s";
	ends_up(&o);
	dpd_dead(&B, &A);
}
END_TEST

/* dpd-maximum-failures sets how many retransmissions a liveness check gets before the peer
 * is dead (it was fixed at 5): 2 gives up 2 + 4 + 8 s after the check; 7 waits 64 s
 * after each of the later ones. */
START_TEST(test_dpd_maximum_failures)
{
	static const struct {
		const char *max;
		unsigned n;
		double t[8], dead;
	} c[] = {{"2", 2, {0, 2, 6}, 14}, {"7", 7, {0, 2, 6, 14, 30, 62, 126, 190}, 254}};

	for (size_t k = 0; k < 2; k++) {
		struct opts o = defaults;
		double t[16];

		o.a.dpd = "10s";
		o.a.dpd_max = c[k].max;
		if (k) { /* the fixture set up the first */
			teardown();
			setup();
		}
		ends_up(&o);
		establish();
		nwire = 0;
		filter = drop_from_b;
		run_until(1000 + 10 + c[k].dead - 0.1);
		ck_assert_uint_eq(established(&A), 1);
		ck_assert_uint_eq(times_of(true, IKEV2_EXCH_INFORMATIONAL, false, 1000 + 10, t, 16),
				  c[k].n + 1);
		for (unsigned i = 0; i <= c[k].n; i++)
			ck_assert_double_eq_tol(t[i], c[k].t[i], 1e-9);
		run_until(1000 + 10 + c[k].dead);
		ck_assert_msg(walk(&A).n == 0, "dpd-maximum-failures=%s", c[k].max);
	}
}
END_TEST

/* DPD answered: one empty INFORMATIONAL each way per interval, nothing else. */
START_TEST(test_dpd_alive)
{
	struct opts o = defaults;
	double t[16];

	o.a.dpd = "10s";
	ends_up(&o);
	establish();
	nwire = 0;
	run_until(1000 + 35);
	ck_assert_uint_eq(times_of(true, IKEV2_EXCH_INFORMATIONAL, false, 1000, t, 16), 3);
	ck_assert_double_eq_tol(t[0], 10, 1e-9);
	ck_assert_double_eq_tol(t[1], 20, 1e-9);
	ck_assert_double_eq_tol(t[2], 30, 1e-9);
	ck_assert_uint_eq(times_of(false, IKEV2_EXCH_INFORMATIONAL, true, 1000, t, 16), 3);
	ck_assert_uint_eq(nwire, 6);
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(ike_stats(A.ike)->retransmits, 0);
}
END_TEST

/* --- the response cache --- */

static struct fake_dgram *held_auth, *auth_reply;

static struct fake_dgram *copy_dgram(const struct fake_dgram *d)
{
	struct fake_dgram *c = malloc(sizeof(*c) + d->len);

	ck_assert_ptr_nonnull(c);
	memcpy(c, d, sizeof(*c) + d->len);
	c->next = NULL;
	return c;
}

/* Keeps a copy of a's IKE_AUTH request and of b's first IKE_AUTH response. */
static bool keep_auth(bool from_a, struct fake_dgram *d)
{
	if (from_a && d->data[18] == IKEV2_EXCH_IKE_AUTH && !held_auth)
		held_auth = copy_dgram(d);
	if (!from_a && d->data[18] == IKEV2_EXCH_IKE_AUTH && !auth_reply)
		auth_reply = copy_dgram(d);
	return true;
}

/* Holds a's IKE_AUTH request back (not delivered). */
static bool hold_auth(bool from_a, struct fake_dgram *d)
{
	if (from_a && d->data[18] == IKEV2_EXCH_IKE_AUTH && !held_auth) {
		held_auth = copy_dgram(d);
		return false;
	}
	return true;
}

static void deliver(struct end *to, const struct fake_dgram *d)
{
	struct net_pkt p;

	fake_net_pkt(d, &p);
	ike_recv(to->ike, &p);
}

static struct fake_dgram *held_init;

static void cache_teardown(void)
{
	free(held_auth);
	free(auth_reply);
	free(held_init);
	held_auth = auth_reply = held_init = NULL;
}

START_TEST(test_duplicate_auth)
{
	ends_up(&defaults);
	filter = keep_auth;
	establish();
	ck_assert_ptr_nonnull(held_auth);
	ck_assert_ptr_nonnull(auth_reply);
	size_t ops = fake_kern_nops(B.k);

	/* the same request again: the cached response, byte for byte, and nothing else */
	deliver(&B, held_auth);
	ck_assert_uint_eq(fake_net_queued(B.n), 1);
	struct fake_dgram *again = fake_net_pop(B.n);

	ck_assert_uint_eq(again->len, auth_reply->len);
	ck_assert(!memcmp(again->data, auth_reply->data, again->len));
	fake_kern_run(B.k);
	ck_assert_uint_eq(fake_kern_nops(B.k), ops);
	ck_assert_uint_eq(walk(&B).i[0].ph2_total, 1);
	ck_assert_uint_eq(ph2(&B), 1);

	/* a has its answer already: the duplicate response is dropped */
	uint64_t dropped = ike_stats(A.ike)->rx_dropped;

	deliver(&A, again);
	free(again);
	settle();
	ck_assert_uint_eq(ike_stats(A.ike)->rx_dropped, dropped + 1);
	ck_assert_uint_eq(ph2(&A), 1);
	check_child_pair(NULL, NULL);
	ck_assert_uint_eq(fake_kern_count(B.k, FAKE_KOP_ALLOCSPI, false), 1);
	ck_assert_uint_eq(fake_kern_count(A.k, FAKE_KOP_ALLOCSPI, false), 1);
	ck_assert_uint_eq(ike_stats(B.ike)->established, 1);
}
END_TEST

/* The duplicate arrives while b waits for the kernel's SPI: it is the request b holds, so
 * one response goes out and one SPI is asked for. */
START_TEST(test_duplicate_auth_held)
{
	ends_up(&defaults);
	filter = hold_auth;
	start();
	ck_assert_ptr_nonnull(held_auth);
	ck_assert_uint_eq(established(&A), 0);

	deliver(&B, held_auth);
	deliver(&B, held_auth);
	ck_assert_uint_eq(fake_net_queued(B.n), 0);
	fake_kern_run(B.k);
	ck_assert_uint_eq(fake_net_queued(B.n), 1);
	deliver(&B, held_auth); /* and once more after the answer: from the cache */
	ck_assert_uint_eq(fake_net_queued(B.n), 2);
	filter = NULL;
	settle();
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(established(&B), 1);
	ck_assert_uint_eq(fake_kern_count(B.k, FAKE_KOP_ALLOCSPI, false), 1);
	ck_assert_uint_eq(fake_kern_count(B.k, FAKE_KOP_UPDATE, false), 1);
	ck_assert_uint_eq(fake_kern_count(B.k, FAKE_KOP_ADD, false), 1);
	ck_assert_uint_eq(ph2(&A), 1);
	ck_assert_uint_eq(ph2(&B), 1);
	check_child_pair(NULL, NULL);
}
END_TEST

/* Lost responses: the request is retransmitted 2 s later and answered from the cache with
 * the same bytes; the responder makes no second CHILD SA. */
static struct fake_dgram *lost;
static uint8_t lose_exch;

static bool lose_first_answer(bool from_a, struct fake_dgram *d)
{
	if (!from_a && d->data[18] == lose_exch && !lost) {
		lost = copy_dgram(d);
		return false;
	}
	return true;
}

static void lost_teardown(void)
{
	free(lost);
	lost = NULL;
}

static void check_answered_again(size_t from)
{
	size_t n = 0;

	for (size_t i = from; i < nwire; i++) {
		if (wire[i].from_a || wire[i].exch != lose_exch)
			continue;
		n++;
		ck_assert_uint_eq(wire[i].len, lost->len);
	}
	ck_assert_uint_eq(n, 2); /* the lost one and the answer to the retransmission */
}

START_TEST(test_auth_response_lost)
{
	double t[8];

	ends_up(&defaults);
	lose_exch = IKEV2_EXCH_IKE_AUTH;
	filter = lose_first_answer;
	start();
	ck_assert_ptr_nonnull(lost);
	ck_assert_uint_eq(established(&A), 0);
	ck_assert_uint_eq(established(&B), 1);
	run_until(1000 + 2);
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(times_of(true, IKEV2_EXCH_IKE_AUTH, false, 1000, t, 8), 2);
	ck_assert_double_eq_tol(t[1], 2, 1e-9);
	check_answered_again(0);
	ck_assert_uint_eq(ike_stats(A.ike)->retransmits, 1);
	ck_assert_uint_eq(fake_kern_count(B.k, FAKE_KOP_ALLOCSPI, false), 1);
	ck_assert_uint_eq(fake_kern_count(B.k, FAKE_KOP_ADD, false), 1);
	ck_assert_uint_eq(ph2(&B), 1);
	check_child_pair(NULL, NULL);
}
END_TEST

START_TEST(test_create_child_response_lost)
{
	uint32_t old_in, old_out, new_in;

	ends_up(&defaults);
	establish();
	check_child_pair(&old_in, &old_out);
	size_t w0 = nwire, b_adds = fake_kern_count(B.k, FAKE_KOP_ADD, false);
	struct kern_sa_id id = sa_to(&A, "192.0.2.1")->id;

	lose_exch = IKEV2_EXCH_CREATE_CHILD_SA;
	filter = lose_first_answer;
	ike_expire(A.ike, &id, false);
	settle();
	ck_assert_ptr_nonnull(lost);
	/* b made the new pair; a has not heard of it yet */
	ck_assert_uint_eq(fake_kern_nsa(B.k, false), 4);
	ck_assert_uint_eq(fake_kern_nsa(A.k, false), 2);
	run_until(1000 + 2);
	check_answered_again(w0);
	ck_assert_uint_eq(fake_kern_count(B.k, FAKE_KOP_ADD, false), b_adds + 1);
	check_child_pair(&new_in, NULL);
	ck_assert_uint_ne(new_in, old_in);
	ck_assert(fake_kern_deleted(B.k, IPPROTO_ESP, old_out));
	ck_assert_uint_eq(ph2(&A), 1);
	ck_assert_uint_eq(ph2(&B), 1);
}
END_TEST

/* --- cookies (2.6) --- */

/* The COOKIE notify of a plain IKE_SA_INIT message, or NULL (then also for other
 * exchanges). m holds the decoded message; its pointers point into d. */
static const struct ikev2_notify *init_cookie(const struct fake_dgram *d, struct ikev2_msg *m)
{
	if (d->len < 28 || d->data[18] != IKEV2_EXCH_IKE_SA_INIT)
		return NULL;
	ck_assert_int_eq(ikev2_decode(d->data, d->len, m), 0);
	for (unsigned i = 0; i < m->nnotify; i++)
		if (m->notify[i].type == IKEV2_N_COOKIE)
			return &m->notify[i];
	return NULL;
}

static unsigned cookies_asked, cookies_returned, init_requests;
static bool forge; /* count_cookies alters each cookie a returns */

static bool count_cookies(bool from_a, struct fake_dgram *d)
{
	static struct ikev2_msg m;
	const struct ikev2_notify *n = init_cookie(d, &m);

	if (from_a && d->data[18] == IKEV2_EXCH_IKE_SA_INIT)
		init_requests++;
	if (n && from_a) {
		cookies_returned++;
		if (forge)
			d->data[(size_t)(n->data.ptr - d->data) + 20] ^= 1;
	}
	cookies_asked += n && !from_a;
	return true;
}

/* b asks for cookies from threshold half-open SAs on. */
static void cookie_threshold(unsigned threshold)
{
	struct ike_limits l;

	ike_limits_default(&l);
	l.cookie_threshold = threshold;
	if (threshold == 0)
		l.cookies = IKE_COOKIES_ALWAYS;
	ike_set_limits(B.ike, &l);
}

static void cookie_setup(void)
{
	cookies_asked = cookies_returned = init_requests = 0;
	forge = false;
}

/* b asks for a cookie at the first IKE_SA_INIT; a returns it and the rest goes as ever. */
START_TEST(test_cookie_asked)
{
	ends_up(&defaults);
	cookie_threshold(0);
	filter = count_cookies;
	establish();
	ck_assert_uint_eq(init_requests, 2);
	ck_assert_uint_eq(cookies_asked, 1);
	ck_assert_uint_eq(cookies_returned, 1);
	ck_assert_uint_eq(ph2(&B), 1);
	check_child_pair(&(uint32_t){0}, &(uint32_t){0});
}
END_TEST

/* Under the threshold nobody is asked. */
START_TEST(test_cookie_under_threshold)
{
	ends_up(&defaults);
	cookie_threshold(1); /* no half-open SA when a's request comes */
	filter = count_cookies;
	establish();
	ck_assert_uint_eq(init_requests, 1);
	ck_assert_uint_eq(cookies_asked, 0);
}
END_TEST

/* A cookie that is not the one b made gets a new cookie, never an IKE SA; a gives up
 * after its retries. */
START_TEST(test_cookie_forged)
{
	ends_up(&defaults);
	cookie_threshold(0);
	filter = count_cookies;
	forge = true;
	start();
	run_until(1000 + 600);
	ck_assert_uint_ge(cookies_returned, 1);
	ck_assert_uint_eq(cookies_asked, cookies_returned + 1);
	ck_assert_uint_eq(B.ike->half.n, 0);
	ck_assert_uint_eq(walk(&B).n, 0);
	ck_assert_uint_eq(established(&A), 0);
	ck_assert_uint_eq(ike_stats(B.ike)->rx_malformed, 0);
}
END_TEST

/* Holds back a's first request that returns a cookie. */
static bool hold_cookie_init(bool from_a, struct fake_dgram *d)
{
	static struct ikev2_msg m;

	if (!from_a || !init_cookie(d, &m))
		return true;
	if (!held_init)
		held_init = copy_dgram(d);
	return false;
}

/* A cookie is good while its secret is current or the one before (sa_init.c: a secret is
 * replaced at its first use after 120 s, and is no one's predecessor once 240 s old). */
static const struct {
	double after;
	bool good;
} cookie_ages[] = {{10, true}, {180, true}, {300, false}};

START_TEST(test_cookie_age)
{
	static struct ikev2_msg m;
	struct fake_dgram *d;
	bool asked_again = false;

	ends_up(&defaults);
	cookie_threshold(0);
	filter = hold_cookie_init;
	start();
	ck_assert_ptr_nonnull(held_init);
	ck_assert_int_eq(ike_kill(A.ike, NULL), 1); /* a stops trying */
	filter = NULL;
	run_until(held_init->when + cookie_ages[_i].after);
	deliver(&B, held_init);
	while ((d = fake_net_pop(B.n))) {
		asked_again |= init_cookie(d, &m) != NULL;
		free(d);
	}
	ck_assert_uint_eq(B.ike->half.n, cookie_ages[_i].good ? 1 : 0);
	ck_assert(asked_again == !cookie_ages[_i].good);
}
END_TEST

/* --- malformed input --- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint8_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint8_t)(rng >> 24);
}

static bool hold_init(bool from_a, struct fake_dgram *d)
{
	if (from_a && d->data[18] == IKEV2_EXCH_IKE_SA_INIT && !held_init) {
		held_init = copy_dgram(d);
		return false;
	}
	return true;
}

static void put_len(uint8_t *p, size_t len)
{
	p[24] = (uint8_t)(len >> 24);
	p[25] = (uint8_t)(len >> 16);
	p[26] = (uint8_t)(len >> 8);
	p[27] = (uint8_t)len;
}

/* Hands b bytes as from a; expects them counted as malformed and nothing else. */
static void expect_malformed(const uint8_t *data, size_t len)
{
	struct fake_dgram *d = calloc(1, sizeof(*d) + len);
	uint64_t before = ike_stats(B.ike)->rx_malformed;

	ck_assert_ptr_nonnull(d);
	d->local.family = d->remote.family = AF_INET;
	inet_pton(AF_INET, "192.0.2.1", d->local.bytes);
	inet_pton(AF_INET, "192.0.2.2", d->remote.bytes);
	d->local.port = d->remote.port = 500;
	d->len = len;
	memcpy(d->data, data, len);
	deliver(&B, d);
	free(d);
	ck_assert_msg(ike_stats(B.ike)->rx_malformed == before + 1, "%zu bytes not counted", len);
	ck_assert_uint_eq(fake_net_queued(B.n), 0);
	ck_assert_uint_eq(walk(&B).n, 0);
}

/* Before any SA: random bytes, random payloads behind a plausible IKE_SA_INIT header, and
 * the real request cut short are all counted and dropped; the real one still works. */
START_TEST(test_malformed_init)
{
	uint8_t buf[600];

	ends_up(&defaults);
	filter = hold_init;
	start();
	ck_assert_ptr_nonnull(held_init);
	ck_assert_uint_le(held_init->len, sizeof(buf));

	/* random bytes, 28 to 300 of them (net drops shorter ones) */
	for (int i = 0; i < 200; i++) {
		size_t len = 28 + rnd() % 273;

		for (size_t j = 0; j < len; j++)
			buf[j] = rnd();
		buf[17] = 0x20 |
			  (buf[17] & 15); /* version 2.x (others: test_invalid_major_version) */
		expect_malformed(buf, len);
	}
	/* random payloads behind a plausible header, its length right */
	for (int i = 0; i < 200; i++) {
		size_t len = 32 + rnd() % 269;

		memcpy(buf, held_init->data, 28);
		for (size_t j = 28; j < len; j++)
			buf[j] = rnd();
		buf[16] = (uint8_t)(33 + rnd() % 16); /* next payload: SA .. SK */
		put_len(buf, len);
		expect_malformed(buf, len);
	}
	/* the real request cut short, header length as it was and as it would be */
	for (size_t len = 28; len < held_init->len; len++) {
		memcpy(buf, held_init->data, len);
		expect_malformed(buf, len);
		put_len(buf, len);
		expect_malformed(buf, len);
	}
	ck_assert_uint_eq(ike_stats(B.ike)->rx_no_sa, 0);
	ck_assert_uint_eq(fake_kern_nops(B.k), 0);

	deliver(&B, held_init);
	filter = NULL;
	settle();
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(established(&B), 1);
	check_child_pair(NULL, NULL);
}
END_TEST

/* An IKE_AUTH request cut short is malformed; with its ICV or its SK body changed it fails
 * the integrity check; none is answered, none reaches the kernel; the real one still works. */
START_TEST(test_malformed_protected)
{
	struct fake_dgram *d;
	struct ikev2_msg *m = calloc(1, sizeof(*m));

	ck_assert_ptr_nonnull(m);
	ends_up(&defaults);
	filter = hold_auth;
	start();
	ck_assert_ptr_nonnull(held_auth);
	ck_assert_int_eq(ikev2_decode(held_auth->data, held_auth->len, m), 0);
	size_t sk_off = m->sk_aad_len;

	free(m);
	for (size_t len = 28; len < held_auth->len; len++) {
		uint64_t before = ike_stats(B.ike)->rx_malformed;

		d = copy_dgram(held_auth);
		d->len = len;
		if (len % 2)
			put_len(d->data, len);
		deliver(&B, d);
		free(d);
		ck_assert_uint_eq(ike_stats(B.ike)->rx_malformed, before + 1);
	}
	for (int i = 0; i < 50; i++) {
		d = copy_dgram(held_auth);
		if (i == 0)
			d->data[d->len - 1] ^= 0x01; /* the ICV */
		else
			for (size_t j = sk_off; j < d->len; j++)
				d->data[j] = rnd();
		deliver(&B, d);
		free(d);
		ck_assert_uint_eq(ike_stats(B.ike)->rx_auth_failed, (uint64_t)i + 1);
	}
	ck_assert_uint_eq(fake_net_queued(B.n), 0);
	ck_assert_uint_eq(fake_kern_nops(B.k), 0);
	ck_assert_uint_eq(established(&B), 0);

	deliver(&B, held_auth);
	filter = NULL;
	settle();
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(established(&B), 1);
	check_child_pair(NULL, NULL);
}
END_TEST

/* --- authentication failure --- */

static bool auth_failed_seen;

static bool peek_auth_reply(bool from_a, struct fake_dgram *d)
{
	if (!from_a && d->data[18] == IKEV2_EXCH_IKE_AUTH)
		auth_failed_seen = has_notify(&A, d, IKEV2_N_AUTHENTICATION_FAILED);
	return true;
}

START_TEST(test_wrong_psk)
{
	struct opts o = defaults;

	o.b.secret = "another-secret-9876543210";
	ends_up(&o);
	auth_failed_seen = false;
	filter = peek_auth_reply;
	start();
	ck_assert(auth_failed_seen);
	ck_assert_uint_eq(walk(&A).n, 0);
	ck_assert_uint_eq(walk(&B).n, 0);
	ck_assert_uint_eq(ike_stats(A.ike)->established, 0);
	ck_assert_uint_eq(ike_stats(B.ike)->established, 0);
	ck_assert_uint_eq(ike_stats(A.ike)->failed, 1);
	ck_assert_uint_eq(ike_stats(B.ike)->failed, 1);
	for (int i = 0; i < 2; i++) {
		struct kern *k = i ? B.k : A.k;

		/* the SPI each asked for is given back; no SA ever got keys */
		ck_assert_uint_eq(fake_kern_count(k, FAKE_KOP_ADD, false), 0);
		ck_assert_uint_eq(fake_kern_count(k, FAKE_KOP_UPDATE, false), 0);
		ck_assert_uint_eq(fake_kern_nsa(k, true), 0);
		ck_assert_uint_eq(fake_kern_unsent(k), 0);
	}
	ck_assert_uint_eq(ph2(&A), 0);
	ck_assert_uint_eq(ph2(&B), 0);
	/* and nothing more happens: a does not retry on its own */
	run_until(1000 + 600);
	ck_assert_uint_eq(nwire, 4);
}
END_TEST

/* --- kill --- */

START_TEST(test_kill)
{
	struct kern_addr other = {.family = AF_INET}, peer = {.family = AF_INET};
	uint32_t a_in, a_out;

	ends_up(&defaults);
	establish();
	check_child_pair(&a_in, &a_out);
	inet_pton(AF_INET, "192.0.2.99", other.bytes);
	inet_pton(AF_INET, "192.0.2.2", peer.bytes);
	ck_assert_int_eq(ike_kill(A.ike, &other), 0);
	ck_assert_uint_eq(established(&A), 1);
	nwire = 0;

	ck_assert_int_eq(ike_kill(A.ike, &peer), 1);
	ck_assert_uint_eq(walk(&A).n, 0);
	ck_assert_uint_eq(fake_net_queued(A.n), 1); /* the delete */
	settle();
	ck_assert_uint_eq(wire[0].exch, IKEV2_EXCH_INFORMATIONAL);
	ck_assert(wire[0].from_a);
	/* a cleaned its kernel, b did when the delete came, and answered it */
	ck_assert_uint_eq(fake_kern_nsa(A.k, true), 0);
	ck_assert(fake_kern_deleted(A.k, IPPROTO_ESP, a_in));
	ck_assert(fake_kern_deleted(A.k, IPPROTO_ESP, a_out));
	ck_assert_uint_eq(walk(&B).n, 0);
	ck_assert_uint_eq(fake_kern_nsa(B.k, true), 0);
	ck_assert(fake_kern_deleted(B.k, IPPROTO_ESP, a_in));
	ck_assert(fake_kern_deleted(B.k, IPPROTO_ESP, a_out));
	ck_assert_uint_eq(fake_kern_count(B.k, FAKE_KOP_DEL, false), 2);
	ck_assert_uint_eq(nwire, 2);
	ck_assert_uint_eq(wire[1].flags & IKEV2_FLAG_RESPONSE, IKEV2_FLAG_RESPONSE);
	ck_assert_uint_eq(ike_stats(A.ike)->rx_no_sa, 1); /* that answer: a forgot the SA */
	ck_assert_uint_eq(ph2(&A), 0);
	ck_assert_uint_eq(ph2(&B), 0);
}
END_TEST

/* The IKE SA dies while the kernel has yet to give the SPI of its first CHILD SA: the
 * larval SA the answer creates is deleted. */
START_TEST(test_kill_during_spi)
{
	ends_up(&defaults);
	ike_apply(B.ike, B.c);
	ike_apply(A.ike, A.c);
	fake_loop_run_due(lp);
	flush(&A, &B);
	fake_kern_run(B.k);
	flush(&B, &A); /* a has its IKE_SA_INIT answer and asks its kernel for an SPI */
	ck_assert_uint_eq(fake_kern_unsent(A.k), 0);
	ck_assert_uint_eq(fake_kern_nops(A.k), 0);
	ck_assert_int_eq(ike_kill(A.ike, NULL), 1);
	settle();
	ck_assert_uint_eq(fake_kern_count(A.k, FAKE_KOP_ALLOCSPI, true), 1);
	ck_assert_uint_eq(fake_kern_count(A.k, FAKE_KOP_DEL, true), 1);
	ck_assert_uint_eq(fake_kern_nsa(A.k, true), 0);
	ck_assert_uint_eq(fake_kern_unsent(A.k), 0);
	ck_assert_uint_eq(walk(&A).n, 0);
	ck_assert_uint_eq(fake_kern_nsa(B.k, true), 0);
}
END_TEST

/* A configuration without the peer: its SAs are deleted, on both ends. */
START_TEST(test_apply_removes_peer)
{
	uint32_t a_in, a_out;
	struct conf *empty = load("/ip ipsec peer\nadd name=other address=203.0.113.1/32 "
				  "exchange-mode=ike2 passive=yes\n");

	ends_up(&defaults);
	establish();
	check_child_pair(&a_in, &a_out);
	ike_apply(B.ike, empty);
	conf_free(B.c);
	B.c = empty;
	settle();
	ck_assert_uint_eq(walk(&B).n, 0);
	ck_assert_uint_eq(walk(&A).n, 0);
	ck_assert_uint_eq(fake_kern_nsa(A.k, true), 0);
	ck_assert_uint_eq(fake_kern_nsa(B.k, true), 0);
	ck_assert(fake_kern_deleted(A.k, IPPROTO_ESP, a_in));
	ck_assert(fake_kern_deleted(B.k, IPPROTO_ESP, a_out));
}
END_TEST

static bool drop_a_deletes(bool from_a, struct fake_dgram *d)
{
	return !(from_a && d->data[18] == IKEV2_EXCH_INFORMATIONAL);
}

/* a lost its state (its delete never arrived); its new IKE SA says INITIAL_CONTACT and b
 * drops the old one with its CHILD SAs (2.4). */
START_TEST(test_initial_contact)
{
	uint32_t old_in, old_out, new_in, new_out;

	ends_up(&defaults);
	establish();
	check_child_pair(&old_in, &old_out);
	filter = drop_a_deletes;
	ck_assert_int_eq(ike_kill(A.ike, NULL), 1);
	settle();
	ck_assert_uint_eq(established(&B), 1);
	filter = NULL;
	ike_apply(A.ike, A.c);
	settle();
	ck_assert_uint_eq(walk(&A).n, 1);
	ck_assert_uint_eq(walk(&B).n, 1);
	ck_assert_uint_eq(established(&B), 1);
	check_child_pair(&new_in, &new_out);
	ck_assert_uint_ne(new_in, old_in);
	ck_assert(fake_kern_deleted(B.k, IPPROTO_ESP, old_in));
	ck_assert(fake_kern_deleted(B.k, IPPROTO_ESP, old_out));
	ck_assert_uint_eq(ph2(&B), 1);
}
END_TEST

/* A reload that adds a peer and its policy in front of the others gives every item a
 * new id; the tunnel's CHILD SA follows its policy (by reqid) and nothing is negotiated
 * again (before, the policy's new id had no CHILD SA, so a second one was made). */
START_TEST(test_reload_keeps_child)
{
	struct opts o = defaults;
	uint32_t in0, out0, in1, out1;
	struct conf *old;
	uint64_t followed;

	ends_up(&defaults);
	establish();
	check_child_pair(&in0, &out0);
	o.a.prefix = "/ip ipsec peer\nadd name=x address=198.51.100.99/32 exchange-mode=ike2 "
		     "passive=yes\n/ip ipsec policy\nadd src-address=10.7.0.0/24 "
		     "dst-address=10.8.0.0/24 peer=x tunnel=yes\n";
	old = A.c;
	A.c = conf_for(0, &o.a);
	followed = ike_stats(A.ike)->followed;
	ike_apply(A.ike, A.c);
	conf_free(old);
	ck_assert_uint_eq(ike_stats(A.ike)->followed, followed + 1); /* a whole one: every SA */
	nwire = 0;
	settle();
	ck_assert_uint_eq(nwire, 0);
	check_child_pair(&in1, &out1);
	ck_assert_uint_eq(in1, in0);
	ck_assert_uint_eq(out1, out0);
	ck_assert_uint_eq(ph2(&A), 1);
	ck_assert_uint_eq(walk(&A).n, 1);
}
END_TEST

/* The same reload as the daemon takes it: the new file adopted into the running model
 * (conf_adopt) and the engine given only what changed; the tunnel keeps its CHILD SA. */
START_TEST(test_reload_changes_keeps_child)
{
	struct opts o = defaults;
	uint32_t in0, out0, in1, out1;
	const struct conf_item *peer;
	struct conf_changes *ch;
	uint64_t followed;

	ends_up(&defaults);
	establish();
	check_child_pair(&in0, &out0);
	peer = conf_item_at(A.c, CONF_M_PEER, 0);
	o.a.prefix = "/ip ipsec peer\nadd name=x address=198.51.100.99/32 exchange-mode=ike2 "
		     "passive=yes\n/ip ipsec policy\nadd src-address=10.7.0.0/24 "
		     "dst-address=10.8.0.0/24 peer=x tunnel=yes\n";
	followed = ike_stats(A.ike)->followed;
	ch = conf_adopt(A.c, conf_for(0, &o.a));
	ck_assert_uint_eq(conf_changes_walk(ch, NULL, NULL), 2); /* the peer, the policy */
	ike_apply_changes(A.ike, A.c, ch);
	conf_changes_free(ch);
	/* the tunnel's SA was not looked at: the change touched only peer x */
	ck_assert_uint_eq(ike_stats(A.ike)->followed, followed);
	ck_assert_ptr_eq(conf_find(A.c, CONF_M_PEER, conf_str(peer, CONF_PEER_NAME)), peer);
	nwire = 0;
	settle();
	ck_assert_uint_eq(nwire, 0);
	check_child_pair(&in1, &out1);
	ck_assert_uint_eq(in1, in0);
	ck_assert_uint_eq(out1, out0);
	ck_assert_uint_eq(ph2(&A), 1);
	ck_assert_uint_eq(walk(&A).n, 1);
}
END_TEST

/* A change that touches the tunnel's own peer (a second policy of it, added and then
 * removed) looks at that peer's SA and no other, and the CHILD SA stays. */
START_TEST(test_reload_changes_follows_touched)
{
	struct opts o = defaults;
	uint32_t in0, out0, in1, out1;
	struct conf_changes *ch;
	uint64_t followed;
	const char *peer;

	ends_up(&defaults);
	establish();
	check_child_pair(&in0, &out0);
	peer = conf_str(conf_item_at(A.c, CONF_M_PEER, 0), CONF_PEER_NAME);
	char extra[200];

	snprintf(extra, sizeof(extra),
		 "/ip ipsec policy\nadd src-address=10.7.0.0/24 dst-address=10.8.0.0/24 "
		 "peer=%s tunnel=yes level=unique\n",
		 peer);
	o.a.prefix = extra;
	followed = ike_stats(A.ike)->followed;
	ch = conf_adopt(A.c, conf_for(0, &o.a));
	ck_assert_uint_eq(conf_changes_walk(ch, NULL, NULL), 1);
	ike_apply_changes(A.ike, A.c, ch);
	conf_changes_free(ch);
	ck_assert_uint_eq(ike_stats(A.ike)->followed, followed + 1);
	ch = conf_adopt(A.c, conf_for(0, &defaults.a));
	ck_assert_uint_eq(conf_changes_walk(ch, NULL, NULL), 1);
	ike_apply_changes(A.ike, A.c, ch);
	conf_changes_free(ch);
	ck_assert_uint_eq(ike_stats(A.ike)->followed, followed + 2);
	settle();
	check_child_pair(&in1, &out1);
	ck_assert_uint_eq(in1, in0);
	ck_assert_uint_eq(out1, out0);
	ck_assert_uint_eq(walk(&A).n, 1);
}
END_TEST

/* An address for the index test: IPv4 or IPv6 text and a port. */
static struct net_addr at(const char *ip, uint16_t port)
{
	struct net_addr a = {.family = strchr(ip, ':') ? AF_INET6 : AF_INET, .port = port};

	ck_assert_int_eq(inet_pton(a.family, ip, a.bytes), 1);
	return a;
}

/* The SAs ike_sa_next_same_id finds like like, as a bit set of their places in sa[]. */
static unsigned found_like(struct ike_sa *const *sa, size_t n, const struct ike_sa *like)
{
	unsigned bits = 0, guard = 0;

	for (struct ike_sa *o = NULL; (o = ike_sa_next_same_id(like, o)) != NULL;) {
		size_t i = 0;

		while (i < n && sa[i] != o)
			i++;
		ck_assert_msg(i < n, "an SA that is not one of the test's");
		ck_assert_msg(!(bits & 1u << i), "SA %zu found twice", i);
		bits |= 1u << i;
		ck_assert_uint_lt(++guard, 100);
	}
	return bits;
}

static struct ike_sa *sa_with_id(const char *peer, const char *id, const struct net_addr *r)
{
	struct net_addr local = at("192.0.2.1", 500);
	struct ike_sa *sa = ike_sa_new(A.ike, &ikev2_ops, peer, false, &local, r);

	ck_assert_ptr_nonnull(sa);
	sa->remote_id = id ? strdup(id) : NULL;
	ike_sa_index_id(sa);
	return sa;
}

/* INITIAL_CONTACT's look-up by identity (2.4): exactly the other SAs of the same peer
 * item and remote ID, from any address, through SAs going at the head, in the middle and
 * at the tail of an identity's list; unauthenticated SAs are never listed. */
START_TEST(test_sa_index_by_identity)
{
	struct net_addr nat = at("198.51.100.7", 4500), other = at("198.51.100.8", 500),
			v6 = at("2001:db8::7", 500);
	struct ike_sa *sa[7];

	ends_up(&defaults);
	sa[0] = sa_with_id("b", "fqdn:c1", &nat);
	sa[1] = sa_with_id("b", "fqdn:c2", &nat); /* another client behind the same NAT */
	sa[2] = sa_with_id("b", "fqdn:c1", &other);
	sa[3] = sa_with_id("b2", "fqdn:c1", &nat); /* another peer item */
	sa[4] = sa_with_id("b", "fqdn:c1", &v6);
	sa[5] = sa_with_id("b", NULL, &nat);	  /* half-open: no identity yet */
	sa[6] = sa_with_id("bf", "qdn:c1", &nat); /* the same text split elsewhere */
	ck_assert_uint_eq(found_like(sa, 7, sa[0]), 1u << 2 | 1u << 4);
	ck_assert_uint_eq(found_like(sa, 7, sa[2]), 1u << 0 | 1u << 4);
	ck_assert_uint_eq(found_like(sa, 7, sa[1]), 0);
	ck_assert_uint_eq(found_like(sa, 7, sa[3]), 0);
	ck_assert_uint_eq(found_like(sa, 7, sa[5]), 0);
	ck_assert_uint_eq(found_like(sa, 7, sa[6]), 0);
	/* the list of (b, fqdn:c1) is 4, 2, 0 (the last listed first): middle, head, last */
	ike_sa_destroy(sa[2], false);
	ck_assert_uint_eq(found_like(sa, 7, sa[0]), 1u << 4);
	ike_sa_destroy(sa[4], false);
	ck_assert_uint_eq(found_like(sa, 7, sa[0]), 0);
	ck_assert_uint_eq(found_like(sa, 7, sa[1]), 0);
	sa[2] = sa_with_id("b", "fqdn:c1", &other);
	ck_assert_uint_eq(found_like(sa, 7, sa[2]), 1u << 0);
	ike_sa_destroy(sa[0], false);
	ck_assert_uint_eq(found_like(sa, 7, sa[2]), 0);
	for (size_t i = 1; i < 7; i++)
		if (i != 4)
			ike_sa_destroy(sa[i], false);
	ck_assert_uint_eq(walk(&A).n, 0);
}
END_TEST

/* kill-connections names SAs by serial, address, remote ID or mode-config address: it
 * takes its candidates from the index of what it names (not from every SA), follows an SA
 * whose NAT mapping moved, and kills exactly what matches. */
START_TEST(test_kill_by_index)
{
	struct net_addr nat = at("198.51.100.7", 4500), other = at("198.51.100.8", 500),
			moved = at("198.51.100.9", 4501), v6 = at("2001:db8::7", 500);
	struct ike_kill_filter f = {0};
	struct ike_sa *sa[6];
	uint32_t *serials = NULL;

	ends_up(&defaults);
	sa[0] = sa_with_id("b", "fqdn:c1", &nat);
	sa[1] = sa_with_id("b", "fqdn:c2", &nat);
	sa[2] = sa_with_id("b", "fqdn:c1", &other);
	sa[3] = sa_with_id("b", "fqdn:c3", &v6);
	sa[4] = sa_with_id("b", NULL, &other);
	sa[5] = sa_with_id("b2", "fqdn:c4", &other);
	sa[1]->vip = at("10.9.0.2", 0);
	ike_sa_index_vip(sa[1]);
	f.remote = (struct kern_addr){.family = AF_INET};
	memcpy(f.remote.bytes, nat.bytes, 4);
	ck_assert_uint_eq(ike_sa_candidates(A.ike, &f, &serials), 2);
	free(serials);
	f = (struct ike_kill_filter){.remote_id = "fqdn:c1"};
	ck_assert_uint_eq(ike_sa_candidates(A.ike, &f, &serials), 2);
	free(serials);
	/* sa[2]'s NAT mapping moved: found at its new address, no longer at its old one */
	ike_sa_set_remote(sa[2], &moved);
	f = (struct ike_kill_filter){.remote = {.family = AF_INET}};
	memcpy(f.remote.bytes, other.bytes, 4);
	ck_assert_uint_eq(ike_sa_candidates(A.ike, &f, &serials), 2); /* sa[4], sa[5] */
	free(serials);
	memcpy(f.remote.bytes, moved.bytes, 4);
	f.remote_id = "fqdn:c2"; /* no SA at that address has that ID */
	ck_assert_int_eq(ike_kill_where(A.ike, &f), 0);
	f.remote_id = "fqdn:c1";
	ck_assert_int_eq(ike_kill_where(A.ike, &f), 1); /* sa[2] */
	f = (struct ike_kill_filter){.dynamic_address = {.family = AF_INET}};
	memcpy(f.dynamic_address.bytes, sa[1]->vip.bytes, 4);
	ck_assert_int_eq(ike_kill_where(A.ike, &f), 1); /* sa[1] */
	f = (struct ike_kill_filter){.serial = sa[5]->serial};
	ck_assert_int_eq(ike_kill_where(A.ike, &f), 1);
	ck_assert_int_eq(ike_kill_where(A.ike, &f), 0); /* gone: its serial names nothing */
	f = (struct ike_kill_filter){.remote = {.family = AF_INET6}};
	memcpy(f.remote.bytes, v6.bytes, 16);
	ck_assert_int_eq(ike_kill_where(A.ike, &f), 1); /* sa[3] */
	ck_assert_uint_eq(walk(&A).n, 2);		/* sa[0], sa[4] */
	ck_assert_int_eq(ike_kill_where(A.ike, &(struct ike_kill_filter){0}), 2);
	ck_assert_uint_eq(walk(&A).n, 0);
}
END_TEST

/* The SPIi of b's established IKE SAs, in walk order. */
static size_t b_spis(uint64_t *out, size_t max)
{
	struct walk w = walk(&B);
	size_t n = 0;

	for (unsigned i = 0; i < w.n && n < max; i++)
		if (!strcmp(w.state[i], "established"))
			out[n++] = w.i[i].spi_i;
	return n;
}

static bool spi_in(uint64_t spi, const uint64_t *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == spi)
			return true;
	return false;
}

/* a comes up again as a new client with my_id, from the same address and having lost
 * its state (nothing it sent while going reaches b): it says INITIAL_CONTACT. Returns the
 * new IKE SA's SPIi. */
static uint64_t client_comes_up(struct opts *o, const char *my_id)
{
	uint64_t spi;

	end_down(&A);
	o->a.my_id = my_id;
	end_up(&A, true, o);
	ike_apply(A.ike, A.c);
	settle();
	ck_assert_uint_eq(established(&A), 1);
	spi = walk(&A).i[0].spi_i;
	return spi;
}

/* Clients behind one NAT address with their own IDs: one's INITIAL_CONTACT replaces only
 * that identity's old IKE SA, never another client's (2.4). */
START_TEST(test_initial_contact_per_identity)
{
	struct opts o = defaults;
	uint64_t c1, c2, c2b, c1b, have[8];
	size_t n;

	ends_up(&defaults);
	ike_apply(B.ike, B.c);
	c1 = client_comes_up(&o, "fqdn:c1.example");
	c2 = client_comes_up(&o, "fqdn:c2.example");
	n = b_spis(have, 8);
	ck_assert_uint_eq(n, 2);
	ck_assert_msg(spi_in(c1, have, n), "c2's INITIAL_CONTACT took c1's IKE SA");
	ck_assert(spi_in(c2, have, n));
	c2b = client_comes_up(&o, "fqdn:c2.example"); /* c2 reboots */
	n = b_spis(have, 8);
	ck_assert_uint_eq(n, 2);
	ck_assert(spi_in(c1, have, n));
	ck_assert(spi_in(c2b, have, n));
	ck_assert(!spi_in(c2, have, n));
	c1b = client_comes_up(&o, "fqdn:c1.example"); /* c1 reboots */
	n = b_spis(have, 8);
	ck_assert_uint_eq(n, 2);
	ck_assert(spi_in(c1b, have, n));
	ck_assert(spi_in(c2b, have, n));
	ck_assert(!spi_in(c1, have, n));
}
END_TEST

/* --- rekeys --- */

/* The kernel's soft expiry of the outbound SA rekeys too (both SAs of a pair expire, the
 * outbound one is found by SPI and the peer's address); an outbound SPI towards another
 * address is nobody's. */
static void count_sa(void *arg, const struct ike_peer_info *i)
{
	(void)i;
	(*(unsigned *)arg)++;
}

static unsigned ike_sas(const struct end *e)
{
	unsigned n = 0;

	ike_walk(e->ike, count_sa, &n);
	return n;
}

/* A configuration of many non-passive peers starts them 256 a turn, not all at once (each
 * turn 10 ms after the last): 600 peers, 256 after the first turn, all of them later. */
START_TEST(test_start_paced)
{
	struct strbuf t = STRBUF_INIT;

	ends_up(&defaults);
	for (int i = 0; i < 600; i++)
		sb_printf(
			&t,
			"/ip ipsec peer add name=p%d address=10.9.%d.%d/32 local-address=192.0.2.1 "
			"exchange-mode=ike2\n"
			"/ip ipsec identity add peer=p%d secret=x\n"
			"/ip ipsec policy add src-address=10.1.%d.%d/32 dst-address=10.2.%d.%d/32 "
			"peer=p%d tunnel=yes\n",
			i, i / 256, i % 256, i, i / 256, i % 256, i / 256, i % 256, i);
	conf_free(A.c);
	A.c = load(sb_str(&t));
	sb_free(&t);
	ck_assert_ptr_nonnull(A.c);
	ike_apply(A.ike, A.c);
	settle();
	ck_assert_uint_eq(ike_sas(&A), 256);
	run_until(1000 + 0.015);
	ck_assert_uint_eq(ike_sas(&A), 512);
	run_until(1000 + 1);
	ck_assert_uint_eq(ike_sas(&A), 600);
}
END_TEST

START_TEST(test_child_rekey_on_outbound_expiry)
{
	uint32_t old_in, old_out, new_in;

	ends_up(&defaults);
	establish();
	check_child_pair(&old_in, &old_out);
	struct kern_sa_id id = sa_to(&A, "192.0.2.2")->id, other = id;

	ck_assert_uint_eq(id.spi, old_out);
	inet_pton(AF_INET, "192.0.2.99", other.dst.bytes);
	nwire = 0;
	ike_expire(A.ike, &other, false);
	settle();
	ck_assert_uint_eq(nwire, 0);
	ike_expire(A.ike, &id, false);
	settle();
	ck_assert_uint_eq(wire[0].exch, IKEV2_EXCH_CREATE_CHILD_SA);
	ck_assert(wire[0].from_a);
	check_child_pair(&new_in, NULL);
	ck_assert_uint_ne(new_in, old_in);
	ck_assert(fake_kern_deleted(A.k, IPPROTO_ESP, old_out));
}
END_TEST

START_TEST(test_child_rekey)
{
	uint32_t old_in, old_out, new_in, new_out;
	const struct kern_sa *ai;

	ends_up(&defaults);
	establish();
	check_child_pair(&old_in, &old_out);
	ai = sa_to(&A, "192.0.2.1");
	struct kern_sa_id id = ai->id;

	nwire = 0;
	ike_expire(A.ike, &id, false);
	settle();
	/* CREATE_CHILD_SA, then the delete of the old pair */
	ck_assert_uint_eq(nwire, 4);
	ck_assert_uint_eq(wire[0].exch, IKEV2_EXCH_CREATE_CHILD_SA);
	ck_assert(wire[0].from_a);
	ck_assert_uint_eq(wire[1].exch, IKEV2_EXCH_CREATE_CHILD_SA);
	ck_assert_uint_eq(wire[2].exch, IKEV2_EXCH_INFORMATIONAL);
	ck_assert(wire[2].from_a);
	ck_assert_uint_eq(wire[3].exch, IKEV2_EXCH_INFORMATIONAL);

	check_child_pair(&new_in, &new_out);
	ck_assert_uint_ne(new_in, old_in);
	ck_assert_uint_ne(new_out, old_out);
	ck_assert(fake_kern_deleted(A.k, IPPROTO_ESP, old_in));
	ck_assert(fake_kern_deleted(A.k, IPPROTO_ESP, old_out));
	ck_assert(fake_kern_deleted(B.k, IPPROTO_ESP, old_in));
	ck_assert(fake_kern_deleted(B.k, IPPROTO_ESP, old_out));
	ck_assert(!fake_kern_deleted(A.k, IPPROTO_ESP, new_in));
	ck_assert(!fake_kern_deleted(B.k, IPPROTO_ESP, new_out));
	ck_assert_uint_eq(fake_kern_unsent(A.k), 0);
	ck_assert_uint_eq(fake_kern_unsent(B.k), 0);
	ck_assert_uint_eq(ph2(&A), 1);
	ck_assert_uint_eq(ph2(&B), 1);
	ck_assert_uint_eq(walk(&A).i[0].ph2_total, 1);
	ck_assert_uint_eq(walk(&B).i[0].ph2_total, 1);
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(established(&B), 1);

	/* the new pair is the one the engines know: its soft expiry rekeys again */
	ai = sa_to(&A, "192.0.2.1");
	id = ai->id;
	ike_expire(A.ike, &id, false);
	settle();
	check_child_pair(&old_in, &old_out);
	ck_assert_uint_ne(old_in, new_in);
	ck_assert(fake_kern_deleted(B.k, IPPROTO_ESP, new_in));
}
END_TEST

/* Both ends rekey the same CHILD SA at once (2.8.1): of the two new pairs the one made by
 * the exchange with the lowest nonce is deleted by its initiator; one pair is left, the
 * same on both ends, and the old one is gone. */
START_TEST(test_child_rekey_collision)
{
	uint32_t old_in, old_out, new_in, new_out;

	ends_up(&defaults);
	establish();
	check_child_pair(&old_in, &old_out);
	struct kern_sa_id ia = sa_to(&A, "192.0.2.1")->id, ib = sa_to(&B, "192.0.2.2")->id;

	ike_expire(A.ike, &ia, false);
	ike_expire(B.ike, &ib, false);
	settle();
	check_child_pair(&new_in, &new_out);
	ck_assert_uint_ne(new_in, old_in);
	ck_assert_uint_ne(new_out, old_out);
	ck_assert(fake_kern_deleted(A.k, IPPROTO_ESP, old_in));
	ck_assert(fake_kern_deleted(B.k, IPPROTO_ESP, old_in));
	ck_assert(fake_kern_deleted(A.k, IPPROTO_ESP, old_out));
	ck_assert(fake_kern_deleted(B.k, IPPROTO_ESP, old_out));
	ck_assert_uint_eq(ph2(&A), 1);
	ck_assert_uint_eq(ph2(&B), 1);
	ck_assert_uint_eq(walk(&A).i[0].ph2_total, 1);
	ck_assert_uint_eq(walk(&B).i[0].ph2_total, 1);
	ck_assert_uint_eq(fake_kern_unsent(A.k), 0);
	ck_assert_uint_eq(fake_kern_unsent(B.k), 0);
}
END_TEST

static unsigned dropped_b_rekeys;

/* Holds back b's first CREATE_CHILD_SA request: it comes again 2 s later. */
static bool drop_b_first_rekey(bool from_a, struct fake_dgram *d)
{
	if (from_a || d->len < 28 || d->data[18] != IKEV2_EXCH_CREATE_CHILD_SA ||
	    (d->data[19] & IKEV2_FLAG_RESPONSE) || dropped_b_rekeys)
		return true;
	dropped_b_rekeys++;
	return false;
}

/* Both ends rekey, but b's request is late: a's rekey completes and a deletes the old SA
 * first. b's rekey of an SA a no longer has fails (2.25), and one CHILD SA remains. */
START_TEST(test_child_rekey_collision_late)
{
	uint32_t old_in, old_out, new_in, new_out;

	ends_up(&defaults);
	establish();
	check_child_pair(&old_in, &old_out);
	struct kern_sa_id ia = sa_to(&A, "192.0.2.1")->id, ib = sa_to(&B, "192.0.2.2")->id;

	dropped_b_rekeys = 0;
	filter = drop_b_first_rekey;
	ike_expire(A.ike, &ia, false);
	ike_expire(B.ike, &ib, false);
	run_until(1000 + 20);
	ck_assert_uint_eq(dropped_b_rekeys, 1);
	check_child_pair(&new_in, &new_out);
	ck_assert_uint_ne(new_in, old_in);
	ck_assert_uint_ne(new_out, old_out);
	ck_assert_uint_eq(ph2(&A), 1);
	ck_assert_uint_eq(ph2(&B), 1);
	ck_assert_uint_eq(walk(&A).i[0].ph2_total, 1);
	ck_assert_uint_eq(walk(&B).i[0].ph2_total, 1);
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(established(&B), 1);
}
END_TEST

/* Hard expiry: the CHILD SA is deleted on both ends, the IKE SA stays. */
START_TEST(test_child_hard_expire)
{
	uint32_t a_in, a_out;

	ends_up(&defaults);
	establish();
	check_child_pair(&a_in, &a_out);
	struct kern_sa_id id = sa_to(&A, "192.0.2.1")->id;

	ike_expire(A.ike, &id, true);
	settle();
	ck_assert_uint_eq(fake_kern_nsa(A.k, true), 0);
	ck_assert_uint_eq(fake_kern_nsa(B.k, true), 0);
	ck_assert(fake_kern_deleted(B.k, IPPROTO_ESP, a_out));
	ck_assert(fake_kern_deleted(B.k, IPPROTO_ESP, a_in));
	ck_assert_uint_eq(ph2(&A), 0);
	ck_assert_uint_eq(ph2(&B), 0);
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(established(&B), 1);
}
END_TEST

/* Someone removed a's inbound SA (installed-sa flush, ip xfrm): the CHILD SA is deleted
 * with the peer, so b stops sending into a hole, and the IKE SA stays. */
START_TEST(test_child_sa_removed_by_other)
{
	uint32_t a_in, a_out;

	ends_up(&defaults);
	establish();
	check_child_pair(&a_in, &a_out);
	struct kern_sa_id id = sa_to(&A, "192.0.2.1")->id;

	nwire = 0;
	ike_sa_deleted(A.ike, &id);
	settle();
	ck_assert_uint_eq(nwire, 2);
	ck_assert_uint_eq(wire[0].exch, IKEV2_EXCH_INFORMATIONAL);
	ck_assert(wire[0].from_a);
	ck_assert(fake_kern_deleted(B.k, IPPROTO_ESP, a_in));
	ck_assert(fake_kern_deleted(B.k, IPPROTO_ESP, a_out));
	ck_assert(fake_kern_deleted(A.k, IPPROTO_ESP, a_out));
	ck_assert_uint_eq(ph2(&A), 0);
	ck_assert_uint_eq(ph2(&B), 0);
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(established(&B), 1);
	/* a second notice of the same SA (the kernel's own event) changes nothing */
	ike_sa_deleted(A.ike, &id);
	settle();
	ck_assert_uint_eq(nwire, 2);
	/* traffic negotiates the tunnel again, in the same IKE SA */
	acquire_a();
	ck_assert_uint_eq(ph2(&A), 1);
	ck_assert_uint_eq(ph2(&B), 1);
	check_child_pair(NULL, NULL);
	ck_assert_uint_eq(walk(&A).n, 1);
}
END_TEST

/* IKE SA rekey when 90% of the profile's lifetime has passed (the initiator's share): the
 * new IKE SA takes the CHILD SA, the old one is deleted, the kernel is not touched. */
START_TEST(test_ike_rekey)
{
	struct opts o = defaults;
	uint32_t a_in, a_out;

	o.a.lifetime = "100s";
	ends_up(&o);
	establish();
	check_child_pair(&a_in, &a_out);
	struct walk w0 = walk(&A);
	size_t ka = fake_kern_nops(A.k), kb = fake_kern_nops(B.k);

	nwire = 0;
	run_until(1000 + 89.9);
	ck_assert_uint_eq(nwire, 0);
	run_until(1000 + 91);
	ck_assert_uint_ge(nwire, 3);
	ck_assert_uint_eq(wire[0].exch, IKEV2_EXCH_CREATE_CHILD_SA);
	ck_assert_double_eq_tol(wire[0].when, 1000 + 90, 1e-9);

	struct walk wa = walk(&A), wb = walk(&B);

	ck_assert_uint_eq(wa.n, 1);
	ck_assert_uint_eq(wb.n, 1);
	ck_assert_str_eq(wa.state[0], "established");
	ck_assert_str_eq(wb.state[0], "established");
	ck_assert_uint_ne(wa.i[0].spi_i, w0.i[0].spi_i);
	ck_assert_uint_eq(wa.i[0].spi_i, wb.i[0].spi_i);
	ck_assert_uint_eq(wa.i[0].spi_r, wb.i[0].spi_r);
	ck_assert_uint_eq(wa.i[0].ph2_total, 1);
	ck_assert_uint_eq(wb.i[0].ph2_total, 1);
	ck_assert_uint_eq(fake_kern_nops(A.k), ka);
	ck_assert_uint_eq(fake_kern_nops(B.k), kb);
	check_child_pair(NULL, NULL);
	/* no NAT was ever there: the new IKE SAs send no NAT keepalives */
	run_until(1000 + 150);
	ck_assert_uint_eq(fake_net_keepalives(A.n), 0);
	ck_assert_uint_eq(fake_net_keepalives(B.n), 0);

	/* the CHILD SA lives in the new IKE SA: kill removes it on both ends */
	ck_assert_int_eq(ike_kill(A.ike, NULL), 1);
	settle();
	ck_assert_uint_eq(walk(&B).n, 0);
	ck_assert_uint_eq(fake_kern_nsa(A.k, true), 0);
	ck_assert_uint_eq(fake_kern_nsa(B.k, true), 0);
}
END_TEST

/* --- NAT traversal --- */

/* A NAT in front of a: 192.0.2.1 ports 500 and 4500 leave as 198.51.100.7 ports 40000 and
 * 40001, and answers to those come back. */
static bool nat_a(bool from_a, struct fake_dgram *d)
{
	struct net_addr *x = from_a ? &d->local : &d->remote;
	uint8_t inside[4], outside[4];

	inet_pton(AF_INET, "192.0.2.1", inside);
	inet_pton(AF_INET, "198.51.100.7", outside);
	if (from_a) {
		memcpy(x->bytes, outside, 4);
		x->port = x->port == 4500 ? 40001 : 40000;
		return true;
	}
	if (memcmp(x->bytes, outside, 4) || (x->port != 40000 && x->port != 40001))
		return false; /* no mapping for it */
	memcpy(x->bytes, inside, 4);
	x->port = x->port == 40001 ? 4500 : 500;
	return true;
}

/* The initiator's half of NAT-T: it moves to 4500, installs SAs with the ports ESP in UDP
 * really uses, and sends keepalives. b's answers reach it even if b gets NAT-T wrong. */
START_TEST(test_nat_initiator)
{
	struct opts o = defaults;

	o.b.peer = "198.51.100.7";
	ends_up(&o);
	filter = nat_a;
	lenient_net = true;
	start();
	ck_assert_uint_eq(established(&A), 1);
	/* a finds the NAT in front of it and moves to 4500 after IKE_SA_INIT (2.23) */
	ck_assert_uint_eq(wire[0].exch, IKEV2_EXCH_IKE_SA_INIT);
	ck_assert(!wire[0].natt);
	ck_assert_uint_eq(wire[2].exch, IKEV2_EXCH_IKE_AUTH);
	ck_assert(wire[2].natt);
	struct walk wa = walk(&A);

	ck_assert_uint_eq(wa.n, 1);
	ck_assert(wa.i[0].natt);
	ck_assert_uint_eq(wa.i[0].remote.port, 4500);

	/* ESP in UDP from a's NAT-T socket (4500) to b's (4500), both directions */
	const struct kern_sa *ao = sa_to(&A, "192.0.2.2"), *ai = sa_to(&A, "192.0.2.1");

	ck_assert_uint_eq(ao->encap_dport, 4500);
	ck_assert_uint_eq(ai->encap_sport, 4500);
	ck_assert_uint_eq(ao->encap_sport, 4500);
	ck_assert_uint_eq(ai->encap_dport, 4500);

	/* a, behind the NAT, keeps its mapping alive every 20 s (RFC 3948 4) */
	run_until(1000 + 60);
	ck_assert_uint_eq(fake_net_keepalives(A.n), 3);
}
END_TEST

/* The responder's half: IKE_AUTH came to its NAT-T port from the NAT's port 40001, so it
 * answers there on its NAT-T socket, and its SAs are UDP-encapsulated to that port. */
START_TEST(test_nat_responder)
{
	struct opts o = defaults;

	o.b.peer = "198.51.100.7";
	ends_up(&o);
	filter = nat_a;
	start();
	ck_assert_uint_ge(nwire, 4);
	ck_assert_uint_eq(wire[3].exch, IKEV2_EXCH_IKE_AUTH);
	ck_assert(!wire[3].from_a);
	ck_assert_msg(wire[3].natt, "b answered IKE_AUTH without NAT-T (no non-ESP marker)");
	ck_assert(!wire[3].dropped);
	ck_assert_uint_eq(nwire, 4);
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(established(&B), 1);
	struct walk wb = walk(&B);

	ck_assert(wb.i[0].natt);
	ck_assert_uint_eq(wb.i[0].remote.port, 40001);

	const struct kern_sa *ao = sa_to(&A, "192.0.2.2"), *ai = sa_to(&A, "192.0.2.1");
	const struct kern_sa *bo = sa_to(&B, "198.51.100.7"), *bi = sa_to(&B, "192.0.2.2");

	same_keys(ao, bi);
	same_keys(bo, ai);
	ck_assert(fake_addr_is(&bi->src, "198.51.100.7"));
	ck_assert_uint_eq(bi->encap_sport, 40001);
	ck_assert_uint_eq(bi->encap_dport, 4500);
	ck_assert_uint_eq(bo->encap_sport, 4500);
	ck_assert_uint_eq(bo->encap_dport, 40001);
	/* b is not behind a NAT: no keepalives from it */
	run_until(1000 + 60);
	ck_assert_uint_eq(fake_net_keepalives(B.n), 0);
}
END_TEST

/* No NAT, but a moves IKE to the NAT-T port after IKE_SA_INIT anyway, as strongSwan does
 * (2.23 allows it). b follows it to 4500 for IKE, but ESP stays plain on both ends and
 * neither shows a NAT: ESP in UDP at one end only carries nothing. */
static bool float_a(bool from_a, struct fake_dgram *d)
{
	if (from_a && d->len >= 28 && d->data[18] != IKEV2_EXCH_IKE_SA_INIT) {
		d->local.port = 4500;
		d->remote.port = 4500;
		d->natt = true;
	}
	return true;
}

START_TEST(test_natt_port_without_nat)
{
	struct opts o = defaults;

	ends_up(&o);
	filter = float_a;
	start();
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(established(&B), 1);
	ck_assert_uint_ge(nwire, 4);
	ck_assert_uint_eq(wire[3].exch, IKEV2_EXCH_IKE_AUTH);
	ck_assert_msg(wire[3].natt, "b did not follow a to the NAT-T port");
	struct walk wb = walk(&B);

	ck_assert_uint_eq(wb.n, 1);
	ck_assert_uint_eq(wb.i[0].remote.port, 4500);
	ck_assert_msg(!wb.i[0].natt, "b shows natt-peer=yes without a NAT");
	const struct kern_sa *bo = sa_to(&B, "192.0.2.1"), *bi = sa_to(&B, "192.0.2.2");

	ck_assert_uint_eq(bo->encap_sport, 0);
	ck_assert_uint_eq(bo->encap_dport, 0);
	ck_assert_uint_eq(bi->encap_sport, 0);
	ck_assert_uint_eq(bi->encap_dport, 0);
	check_child_pair(NULL, NULL);
	run_until(1000 + 60);
	ck_assert_uint_eq(fake_net_keepalives(A.n), 0);
	ck_assert_uint_eq(fake_net_keepalives(B.n), 0);
}
END_TEST

/* --- requests the responder must refuse without losing the IKE SA --- */

/* --- fragmentation (RFC 7383) --- */

static size_t on_path(const struct fake_dgram *d)
{
	return d->len + 28 + (d->natt ? 4 : 0);
}

static bool small_path(bool from_a, struct fake_dgram *d)
{
	(void)from_a;
	return !path_mtu || on_path(d) <= path_mtu;
}

/* FQDN IDs of 250 bytes make IKE_AUTH larger than IKE_SA_INIT, as certificates do. */
#define LONG_LABEL   "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvw" /* 60 */
#define LONG_ID(end) "fqdn:" end "." LONG_LABEL "." LONG_LABEL "." LONG_LABEL "." LONG_LABEL

/* Each end's fragment size, and the path's MTU; a's IKE SA lifetime. */
static void frag_up_life(unsigned a_size, unsigned b_size, unsigned mtu, const char *life)
{
	struct opts o = defaults;

	o.a.lifetime = life;
	o.a.my_id = LONG_ID("a");
	o.b.my_id = LONG_ID("b");
	ends_up(&o);
	ike_set_fragment_size(A.ike, a_size);
	ike_set_fragment_size(B.ike, b_size);
	path_mtu = mtu;
	filter = small_path;
}

static void frag_up(unsigned a_size, unsigned b_size, unsigned mtu)
{
	frag_up_life(a_size, b_size, mtu, defaults.a.lifetime);
}

static struct ike_sa *sa_of(const struct end *e)
{
	size_t pos = 0;
	struct ike_sa *sa = ike_tab_next(&e->ike->sas, &pos);

	ck_assert_ptr_nonnull(sa);
	return sa;
}

/* kill-connections told apart: clients behind one NAT share a remote address, so a kill
 * names the dynamic address, the ID or the serial too; every field given must match. */
START_TEST(test_kill_where)
{
	struct ike_kill_filter f = {.remote = {.family = AF_INET}};
	struct ike_sa *sa;
	struct walk w;
	char id[128];

	ends_up(&defaults);
	establish();
	sa = sa_of(&A);
	inet_pton(AF_INET, "10.8.0.11", sa->vip.bytes);
	sa->vip.family = AF_INET; /* as if b's mode-config had given it */
	sa->vip_leased = false;
	w = walk(&A);
	ck_assert_uint_eq(w.n, 1);
	ck_assert_uint_eq(w.i[0].dynamic_address.family, AF_INET);
	ck_assert_mem_eq(w.i[0].dynamic_address.bytes, sa->vip.bytes, 4);
	ck_assert(w.i[0].dynamic_ours);
	ck_assert_str_ne(w.i[0].remote_id, "");
	snprintf(id, sizeof(id), "%s", w.i[0].remote_id);
	sa->vip_leased = true; /* now as if we were b, the gateway that leased it */
	ck_assert(!walk(&A).i[0].dynamic_ours);
	sa->vip_leased = false; /* no pool holds it: nothing to give back at the kill */

	inet_pton(AF_INET, "192.0.2.2", f.remote.bytes);
	f.remote_port = (uint16_t)(w.i[0].remote.port + 1);
	ck_assert_int_eq(ike_kill_where(A.ike, &f), 0);
	f.remote_port = w.i[0].remote.port;
	f.dynamic_address.family = AF_INET;
	inet_pton(AF_INET, "10.8.0.12", f.dynamic_address.bytes);
	ck_assert_int_eq(ike_kill_where(A.ike, &f), 0);
	inet_pton(AF_INET, "10.8.0.11", f.dynamic_address.bytes);
	f.remote_id = "someone-else";
	ck_assert_int_eq(ike_kill_where(A.ike, &f), 0);
	f.remote_id = id;
	f.serial = w.i[0].serial + 1;
	ck_assert_int_eq(ike_kill_where(A.ike, &f), 0);
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(fake_net_queued(A.n), 0);

	f.serial = w.i[0].serial;
	ck_assert_int_eq(ike_kill_where(A.ike, &f), 1);
	ck_assert_uint_eq(walk(&A).n, 0);
	ck_assert_uint_eq(fake_net_queued(A.n), 1); /* the delete */
	settle();
	ck_assert_uint_eq(walk(&B).n, 0);
	ck_assert_uint_eq(ph2(&B), 0);
}
END_TEST

/* A filter with nothing set kills everything, as ike_kill(NULL) does. */
START_TEST(test_kill_where_any)
{
	struct ike_kill_filter f = {0};

	ends_up(&defaults);
	establish();
	ck_assert_int_eq(ike_kill_where(A.ike, &f), 1);
	ck_assert_uint_eq(walk(&A).n, 0);
	settle();
	ck_assert_uint_eq(walk(&B).n, 0);
}
END_TEST

/* Sends b a CREATE_CHILD_SA request under a's IKE SA (its keys, message ID msgid) that
 * rekeys the IKE SA (RFC 7296 1.3.2) with ke as the KE data. */
static void send_ike_rekey(struct ike_sa *asa, uint32_t msgid, const uint8_t *ke, size_t kelen)
{
	struct ikev2_sa offer;
	struct wbuf in, out;
	struct ikev2_enc e;
	uint8_t nonce[32];
	struct net_pkt p = {.local = asa->remote, .remote = asa->local, .natt = asa->natt};

	memset(nonce, 0x5a, sizeof(nonce));
	wbuf_init(&in);
	wbuf_init(&out);
	ikev2_enc_inner_begin(&e, &in);
	ike_chosen_to_sa(&asa->alg, 8, 0x0102030405060708ull, &offer);
	ikev2_put_sa(&e, &offer);
	ikev2_put_nonce(&e, nonce, sizeof(nonce));
	ikev2_put_ke(&e, asa->alg.dh, ke, kelen);
	ck_assert_int_eq(ikev2_protect(asa, IKEV2_EXCH_CREATE_CHILD_SA, false, msgid, &e, &out), 0);
	p.data = out.p;
	p.len = out.len;
	ike_recv(B.ike, &p);
	wbuf_free(&in);
	wbuf_free(&out);
}

/* 7296 2.21.3, 1.3.2: an IKE SA rekey whose KE is no point of the group (all zero, or the
 * wrong length) is answered INVALID_SYNTAX; the IKE SA and its message IDs go on, and the
 * next rekey succeeds (before, no answer came and the next message ID was refused). */
START_TEST(test_ike_rekey_bad_ke)
{
	struct opts o = defaults;
	static const uint8_t zero[64], short_ke[10];
	struct fake_dgram *d;

	o.a.lifetime = "100s";
	ends_up(&o);
	establish();
	struct ike_sa *asa = sa_of(&A);
	uint64_t spi0 = asa->spi_i;

	for (int i = 0; i < 2; i++) {
		send_ike_rekey(asa, asa->v2->msgid_out, i ? short_ke : zero,
			       i ? sizeof(short_ke) : 64);
		asa->v2->msgid_out++; /* that request was a's as far as b knows */
		d = fake_net_pop(B.n);
		ck_assert_ptr_nonnull(d);
		ck_assert_msg(has_notify(&A, d, IKEV2_N_INVALID_SYNTAX), "case %d", i);
		free(d);
		ck_assert_uint_eq(walk(&B).n, 1);
		ck_assert_uint_eq(established(&B), 1);
	}
	run_until(1000 + 91);
	struct walk wa = walk(&A), wb = walk(&B);

	ck_assert_uint_eq(wa.n, 1);
	ck_assert_uint_eq(wb.n, 1);
	ck_assert_str_eq(wb.state[0], "established");
	ck_assert_uint_ne(wa.i[0].spi_i, spi0);
	ck_assert_uint_eq(wa.i[0].spi_i, wb.i[0].spi_i);
}
END_TEST

static bool drop_a_auth(bool from_a, struct fake_dgram *d)
{
	return !(from_a && d->data[18] == IKEV2_EXCH_IKE_AUTH);
}

/* 1.2: IKE_AUTH comes second. A CREATE_CHILD_SA on a half-open SA is dropped unanswered
 * and leaves message ID 1 to IKE_AUTH (before, it was answered TEMPORARY_FAILURE, which
 * used up ID 1: the real IKE_AUTH got that answer from the cache). */
START_TEST(test_create_child_before_auth)
{
	static const uint8_t zero[64];

	ends_up(&defaults);
	filter = drop_a_auth;
	start();
	struct ike_sa *asa = sa_of(&A);

	ck_assert_uint_eq(established(&B), 0);
	/* what the half-open SA keeps: the messages AUTH signs, no DH object, no second
	 * copy of its response */
	struct ike_sa *bsa = sa_of(&B);

	ck_assert_ptr_null(bsa->dh);
	ck_assert_uint_eq(bsa->resp_pkt.len, 0);
	ck_assert_uint_gt(bsa->v2->init_ours.len, 0);
	ck_assert_uint_gt(bsa->v2->init_theirs.len, 0);
	send_ike_rekey(asa, 1, zero, sizeof(zero));
	ck_assert_uint_eq(fake_net_queued(B.n), 0);
	ck_assert_uint_eq(ike_stats(B.ike)->rx_dropped, 1);
	filter = NULL;
	run_until(1000 + 10); /* a retransmits its IKE_AUTH */
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(established(&B), 1);
	check_child_pair(NULL, NULL);
}
END_TEST

/* 2.5: a request of a higher major version gets INVALID_MAJOR_VERSION, unauthenticated,
 * with our version in its header; a response of one gets nothing. */
START_TEST(test_invalid_major_version)
{
	uint8_t msg[28] = {1, 2, 3, 4, 5, 6, 7, 8};
	struct net_pkt p = {.data = msg, .len = sizeof(msg)};
	struct fake_dgram *d;
	struct ikev2_hdr h;

	ends_up(&defaults);
	p.remote = at("192.0.2.1", 500);
	p.local = at("192.0.2.2", 500);
	msg[17] = 0x30; /* version 3.0 */
	msg[18] = IKEV2_EXCH_IKE_SA_INIT;
	msg[19] = IKEV2_FLAG_INITIATOR;
	msg[27] = 28;
	ike_recv(B.ike, &p);
	d = fake_net_pop(B.n);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(ikev2_decode_hdr(d->data, d->len, &h), 0);
	ck_assert_uint_eq(h.version, IKEV2_VERSION);
	ck_assert_uint_eq(h.exch, IKEV2_EXCH_INFORMATIONAL);
	ck_assert(h.flags & IKEV2_FLAG_RESPONSE);
	ck_assert_uint_eq(h.spi_i, 0x0102030405060708ull);
	static struct ikev2_msg m;

	ck_assert_int_eq(ikev2_decode(d->data, d->len, &m), 0);
	ck_assert_uint_eq(m.nnotify, 1);
	ck_assert_uint_eq(m.notify[0].type, IKEV2_N_INVALID_MAJOR_VERSION);
	free(d);
	msg[19] = IKEV2_FLAG_RESPONSE;
	ike_recv(B.ike, &p);
	ck_assert_uint_eq(fake_net_queued(B.n), 0);
	ck_assert_uint_eq(walk(&B).n, 0);
}
END_TEST

/* --- half-open limits --- */

/* b answers everyone; a's first IKE_SA_INIT request, taken off the wire (b has not
 * seen it). */
static struct fake_dgram *a_init(void)
{
	struct fake_dgram *d;
	struct opts o = defaults;

	o.b.peer = "0.0.0.0/0";
	ends_up(&o);

	ike_apply(B.ike, B.c);
	ike_apply(A.ike, A.c);
	for (int i = 0; i < 100 && !fake_net_queued(A.n); i++)
		(void)(fake_kern_run(A.k) + fake_loop_run_due(lp));
	d = fake_net_pop(A.n);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(d->data[18], IKEV2_EXCH_IKE_SA_INIT);
	return d;
}

/* d again from 198.51.100.HOST port PORT (0: d's own source), with SPIi spi (0: d's). */
static void init_from(const struct fake_dgram *d, unsigned host, uint16_t port, uint64_t spi)
{
	struct fake_dgram *c = malloc(sizeof(*c) + d->len);
	struct net_pkt p;

	ck_assert_ptr_nonnull(c);
	memcpy(c, d, sizeof(*c) + d->len);
	if (host) {
		uint8_t ip[4] = {198, 51, 100 + (uint8_t)(host >> 8), (uint8_t)host};

		memcpy(c->local.bytes, ip, 4);
	}
	if (port)
		c->local.port = port;
	for (int i = 0; spi && i < 8; i++)
		c->data[i] = (uint8_t)(spi >> (56 - 8 * i));
	fake_net_pkt(c, &p);
	ike_recv(B.ike, &p);
	free(c);
}

/* What b sent since the last call: IKE_SA_INIT answers with an SA (new half-open SAs)
 * and COOKIE answers, dropped from the wire. */
static void b_answers(unsigned *offers, unsigned *cookies)
{
	static struct ikev2_msg m;
	struct fake_dgram *d;

	*offers = *cookies = 0;
	while ((d = fake_net_pop(B.n))) {
		if (init_cookie(d, &m))
			++*cookies;
		else if (ikev2_has(&m, IKEV2_PLD_SA))
			++*offers;
		free(d);
	}
}

static void set_limits(enum ike_cookies cookies, unsigned per_address, unsigned total)
{
	struct ike_limits l;

	ike_limits_default(&l);
	l.cookies = cookies;
	l.half_open_per_address = per_address;
	l.half_open_limit = total;
	l.half_open_timeout = 10;
	ike_set_limits(B.ike, &l);
}

/* Every initiator counts, whatever SPI it picks: one SPIi from 200 addresses, or from one
 * address and 200 ports, makes cookies come at the threshold (the table was keyed by
 * SPIi alone: one entry for all, replaced by each, and never a cookie). The first
 * initiator's state is never taken over: its retransmission gets its own answer, and its
 * handshake completes. */
START_TEST(test_half_open_spi_reuse)
{
	struct fake_dgram *d;
	unsigned offers, cookies;

	d = a_init();
	set_limits(IKE_COOKIES_AUTO, 0, 0); /* cookies from 32 on */
	init_from(d, 0, 0, 0);		    /* a's own */
	b_answers(&offers, &cookies);
	ck_assert_uint_eq(offers, 1);
	for (unsigned h = 1; h <= 200; h++)
		init_from(d, h, 500, 0);
	b_answers(&offers, &cookies);
	ck_assert_uint_eq(offers, IKE_COOKIE_THRESHOLD - 1);
	ck_assert_uint_eq(cookies, 200 - (IKE_COOKIE_THRESHOLD - 1));
	ck_assert_uint_eq(B.ike->half.n, IKE_COOKIE_THRESHOLD);
	set_limits(IKE_COOKIES_NEVER, 0, 0);
	for (uint16_t port = 1000; port < 1200; port++)
		init_from(d, 7, port, 0);
	b_answers(&offers, &cookies);
	ck_assert_uint_eq(offers, 200);
	ck_assert_uint_eq(B.ike->half.n, IKE_COOKIE_THRESHOLD + 200);
	ck_assert_uint_eq(B.ike->st.half_open, B.ike->half.n);
	/* a's retransmission: answered from a's own half-open SA, nothing new */
	init_from(d, 0, 0, 0);
	b_answers(&offers, &cookies);
	ck_assert_uint_eq(offers, 1);
	ck_assert_uint_eq(B.ike->half.n, IKE_COOKIE_THRESHOLD + 200);
	free(d);
	/* a retransmits on its own and completes with the SA b keeps for it */
	run_until(1000 + 5);
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(B.ike->st.established, 1); /* (walk shows only 8 of b's SAs) */
	ck_assert_uint_eq(B.ike->half.n, IKE_COOKIE_THRESHOLD + 199);
}
END_TEST

/* half-open-per-address: one address gets that many, others are not held back by it. */
START_TEST(test_half_open_per_address)
{
	struct fake_dgram *d;
	unsigned offers, cookies;

	d = a_init();
	set_limits(IKE_COOKIES_NEVER, 5, 0);
	for (uint16_t port = 1000; port < 1010; port++)
		init_from(d, 9, port, 0x1122334455667700ull + port);
	b_answers(&offers, &cookies);
	ck_assert_uint_eq(offers, 5);
	ck_assert_uint_eq(B.ike->st.half_open_refused_address, 5);
	init_from(d, 10, 1000, 0);
	b_answers(&offers, &cookies);
	ck_assert_uint_eq(offers, 1);
	ck_assert_uint_eq(B.ike->half.n, 6);
	free(d);
}
END_TEST

/* half-open-limit caps them all; the half-open timeout frees them, the per-address
 * counts with them, and the same addresses are welcome again. */
START_TEST(test_half_open_limit_and_timeout)
{
	struct fake_dgram *d;
	unsigned offers, cookies;

	d = a_init();
	set_limits(IKE_COOKIES_NEVER, 0, 10);
	for (unsigned h = 1; h <= 20; h++)
		init_from(d, h, 500, 0);
	b_answers(&offers, &cookies);
	ck_assert_uint_eq(offers, 10);
	ck_assert_uint_eq(cookies, 0);
	ck_assert_uint_eq(B.ike->st.half_open_refused_total, 10);
	ck_assert_uint_eq(B.ike->st.half_open_peak, 10);
	run_until(1000 + 11);
	ck_assert_uint_eq(B.ike->half.n, 0);
	ck_assert_uint_eq(B.ike->half_src.n, 0);
	ck_assert_uint_eq(walk(&B).n, 0);
	set_limits(IKE_COOKIES_NEVER, 1, 10);
	init_from(d, 1, 500, 0);
	b_answers(&offers, &cookies);
	ck_assert_uint_eq(offers, 1);
	free(d);
}
END_TEST

/* cookies=never asks nobody, however many are half-open; cookies=always asks everybody. */
START_TEST(test_cookies_never_always)
{
	struct fake_dgram *d;
	unsigned offers, cookies;

	d = a_init();
	set_limits(IKE_COOKIES_NEVER, 0, 0);
	for (unsigned h = 1; h <= 100; h++)
		init_from(d, h, 500, 0);
	b_answers(&offers, &cookies);
	ck_assert_uint_eq(offers, 100);
	ck_assert_uint_eq(cookies, 0);
	set_limits(IKE_COOKIES_ALWAYS, 0, 0);
	init_from(d, 300, 500, 0);
	b_answers(&offers, &cookies);
	ck_assert_uint_eq(offers, 0);
	ck_assert_uint_eq(cookies, 1);
	free(d);
}
END_TEST

/* Datagrams on the wire of one exchange and direction from one end since wire[from]: how
 * many, and of them how many fragments; every one fits the path. */
static unsigned frags_sent(size_t from, bool from_a, uint8_t exch, bool response, unsigned *nfrag)
{
	unsigned n = 0;

	*nfrag = 0;
	for (size_t i = from; i < nwire; i++) {
		if (wire[i].from_a != from_a || wire[i].exch != exch ||
		    !!(wire[i].flags & IKEV2_FLAG_RESPONSE) != response)
			continue;
		n++;
		*nfrag += wire[i].frag > 0;
		if (path_mtu)
			ck_assert_uint_le(wire[i].len + 28, path_mtu);
	}
	return n;
}

/* A path that loses datagrams over 300 bytes: with fragmentation on both ends the IKE_AUTH
 * request and response cross it in fragments (b holds the request for an SPI and handles
 * it again whole), both ends come up, and nothing is kept once each message is handled.
 * A CHILD SA rekey later goes in fragments too. */
START_TEST(test_frag_auth)
{
	unsigned nf;

	frag_up(300, 300, 300);
	establish();
	check_child_pair(NULL, NULL);
	ck_assert_uint_ge(frags_sent(0, true, IKEV2_EXCH_IKE_AUTH, false, &nf), 2);
	ck_assert_uint_eq(nf, frags_sent(0, true, IKEV2_EXCH_IKE_AUTH, false, &nf));
	ck_assert_uint_ge(frags_sent(0, false, IKEV2_EXCH_IKE_AUTH, true, &nf), 2);
	ck_assert_uint_eq(nf, frags_sent(0, false, IKEV2_EXCH_IKE_AUTH, true, &nf));
	for (size_t i = 0; i < nwire; i++)
		ck_assert(!wire[i].dropped);
	ck_assert_uint_eq(ike_stats(B.ike)->rx_reassembled, 1);
	ck_assert_uint_eq(ike_stats(A.ike)->rx_reassembled, 1);
	ck_assert_uint_eq(ikev2_frag_held(sa_of(&A)), 0);
	ck_assert_uint_eq(ikev2_frag_held(sa_of(&B)), 0);
	ck_assert_uint_eq(fake_kern_count(B.k, FAKE_KOP_ALLOCSPI, false), 1);

	struct kern_sa_id id = sa_to(&A, "192.0.2.1")->id;
	size_t w0 = nwire;

	ike_expire(A.ike, &id, false);
	settle();
	ck_assert_uint_ge(frags_sent(w0, true, IKEV2_EXCH_CREATE_CHILD_SA, false, &nf), 2);
	ck_assert_uint_ge(frags_sent(w0, false, IKEV2_EXCH_CREATE_CHILD_SA, true, &nf), 2);
	ck_assert_uint_eq(ike_stats(B.ike)->rx_reassembled, 2);
	ck_assert_uint_eq(ike_stats(A.ike)->rx_reassembled, 2);
	ck_assert_uint_eq(ph2(&A), 1);
	ck_assert_uint_eq(ph2(&B), 1);
}
END_TEST

/* The IKE SA rekeyed (RFC 7383 2.3: fragmentation is announced once per IKE SA): the new
 * IKE SAs fragment too, and a CHILD SA rekey crosses the 300-byte path in fragments. */
START_TEST(test_frag_ike_rekey)
{
	unsigned nf;

	frag_up_life(300, 300, 300, "100s");
	establish();
	uint64_t spi0 = walk(&A).i[0].spi_i;

	run_until(1000 + 91);
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(established(&B), 1);
	ck_assert_uint_ne(walk(&A).i[0].spi_i, spi0);
	ck_assert(sa_of(&A)->v2->frag_on);
	ck_assert(sa_of(&B)->v2->frag_on);

	struct kern_sa_id id = sa_to(&A, "192.0.2.1")->id;
	size_t w0 = nwire;

	ike_expire(A.ike, &id, false);
	settle();
	ck_assert_uint_ge(frags_sent(w0, true, IKEV2_EXCH_CREATE_CHILD_SA, false, &nf), 2);
	ck_assert_uint_ge(nf, 2);
	for (size_t i = 0; i < nwire; i++)
		ck_assert(!wire[i].dropped);
	ck_assert_uint_eq(ph2(&A), 1);
	ck_assert_uint_eq(ph2(&B), 1);
}
END_TEST

/* The same path with fragmentation off at b: b does not announce it, a sends IKE_AUTH
 * whole, the path loses it and its retransmissions, and nothing comes up. */
START_TEST(test_frag_off_at_one_end)
{
	unsigned nf;

	frag_up(300, 0, 300);
	start();
	ck_assert_uint_eq(established(&A), 0);
	ck_assert_uint_eq(established(&B), 0);
	path_mtu = 0; /* for frags_sent: the lost one did not fit */
	ck_assert_uint_eq(frags_sent(0, true, IKEV2_EXCH_IKE_AUTH, false, &nf), 1);
	ck_assert_uint_eq(nf, 0);
	ck_assert(wire[nwire - 1].dropped);
	ck_assert_uint_gt(wire[nwire - 1].len + 28, 300);
}
END_TEST

/* Fragments taken off the path as they come, to be delivered by the test. */
static struct fake_dgram *taken[64];
static unsigned ntaken;
static uint8_t take_exch;
static bool take_from_a;

static bool take_frags(bool from_a, struct fake_dgram *d)
{
	if (from_a == take_from_a && d->data[18] == take_exch && frag_num(d) &&
	    ntaken < sizeof(taken) / sizeof(taken[0])) {
		taken[ntaken++] = copy_dgram(d);
		return false;
	}
	return true;
}

static void taken_teardown(void)
{
	for (unsigned i = 0; i < ntaken; i++)
		free(taken[i]);
	ntaken = 0;
}

/* a's IKE_AUTH fragments reach b last first, each twice, with a forged copy of one (its
 * ICV fails: not kept); b answers nothing until the last is in, holds the request for an
 * SPI, takes the whole set once more meanwhile as the request it holds, and then answers
 * once: one SPI, one CHILD SA. */
START_TEST(test_frag_out_of_order)
{
	frag_up(160, 160, 0);
	filter = take_frags;
	take_from_a = true;
	take_exch = IKEV2_EXCH_IKE_AUTH;
	start();
	unsigned n = ntaken;

	ck_assert_uint_ge(n, 3);
	ck_assert_uint_eq(established(&B), 0);
	for (unsigned i = n; i-- > 0;) {
		struct fake_dgram *forged = copy_dgram(taken[i]);

		forged->data[forged->len - 1] ^= 0x40;
		deliver(&B, forged);
		free(forged);
		deliver(&B, taken[i]);
		ck_assert_uint_gt(ikev2_frag_held(sa_of(&B)), 0); /* whole, until answered */
		deliver(&B, taken[i]);
		ck_assert_uint_eq(fake_net_queued(B.n), 0);
	}
	ck_assert_uint_eq(ike_stats(B.ike)->rx_auth_failed, n);
	ck_assert_uint_eq(ike_stats(B.ike)->rx_reassembled, 1);
	for (unsigned i = 0; i < n; i++)
		deliver(&B, taken[i]);
	ck_assert_uint_eq(fake_net_queued(B.n), 0);
	ck_assert_uint_eq(ike_stats(B.ike)->rx_reassembled, 1);
	fake_kern_run(B.k);
	ck_assert_uint_ge(fake_net_queued(B.n), 2); /* the response, in fragments */
	filter = NULL;
	settle();
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(established(&B), 1);
	check_child_pair(NULL, NULL);
	ck_assert_uint_eq(fake_kern_count(B.k, FAKE_KOP_ALLOCSPI, false), 1);
	ck_assert_uint_eq(fake_kern_count(B.k, FAKE_KOP_ADD, false), 1);
	ck_assert_uint_eq(ike_stats(B.ike)->rx_dropped, 0);
	ck_assert_uint_eq(ikev2_frag_held(sa_of(&B)), 0);
}
END_TEST

/* Loses fragment lose_num of the first transmission of a message from one end. */
static bool lose_one_frag(bool from_a, struct fake_dgram *d)
{
	if (from_a == take_from_a && d->data[18] == take_exch && frag_num(d) == lose_num &&
	    !lost_frags) {
		lost_frags++;
		return false;
	}
	return true;
}

/* Fragment 2 of a's IKE_AUTH request is lost: b keeps the others, a retransmits every
 * fragment 2 s later, b ignores those it has and completes the message with the missing
 * one. */
START_TEST(test_frag_request_lost)
{
	unsigned nf;

	frag_up(160, 160, 0);
	filter = lose_one_frag;
	take_from_a = true;
	take_exch = IKEV2_EXCH_IKE_AUTH;
	lose_num = 2;
	start();
	ck_assert_uint_eq(lost_frags, 1);
	ck_assert_uint_eq(established(&B), 0);
	ck_assert_uint_gt(ikev2_frag_held(sa_of(&B)), 0);
	unsigned first = frags_sent(0, true, IKEV2_EXCH_IKE_AUTH, false, &nf);

	run_until(1000 + 2);
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(established(&B), 1);
	ck_assert_uint_eq(ike_stats(A.ike)->retransmits, 1);
	ck_assert_uint_eq(frags_sent(0, true, IKEV2_EXCH_IKE_AUTH, false, &nf), 2 * first);
	ck_assert_uint_eq(nf, 2 * first);
	ck_assert_uint_eq(ike_stats(B.ike)->rx_reassembled, 1);
	ck_assert_uint_eq(fake_kern_count(B.k, FAKE_KOP_ALLOCSPI, false), 1);
	check_child_pair(NULL, NULL);
}
END_TEST

/* Fragment 1 of b's IKE_AUTH response is lost: b is up, a retransmits its request, and b
 * answers its fragment 1 with every fragment of the cached response, the same bytes
 * (lengths here), and makes nothing new. */
START_TEST(test_frag_response_lost)
{
	unsigned nf, first;

	frag_up(160, 160, 0);
	filter = lose_one_frag;
	take_from_a = false;
	take_exch = IKEV2_EXCH_IKE_AUTH;
	lose_num = 1;
	start();
	ck_assert_uint_eq(lost_frags, 1);
	ck_assert_uint_eq(established(&A), 0);
	ck_assert_uint_eq(established(&B), 1);
	first = frags_sent(0, false, IKEV2_EXCH_IKE_AUTH, true, &nf);
	ck_assert_uint_ge(first, 2);
	ck_assert_uint_eq(nf, first);
	size_t w0 = nwire;

	run_until(1000 + 2);
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(frags_sent(w0, false, IKEV2_EXCH_IKE_AUTH, true, &nf), first);
	for (size_t i = 0, j = w0; i < w0; i++) {
		if (wire[i].from_a || wire[i].exch != IKEV2_EXCH_IKE_AUTH)
			continue;
		while (wire[j].from_a)
			j++;
		ck_assert_uint_eq(wire[j].len, wire[i].len);
		ck_assert_uint_eq(wire[j].frag, wire[i].frag);
		j++;
	}
	ck_assert_uint_eq(fake_kern_count(B.k, FAKE_KOP_ALLOCSPI, false), 1);
	ck_assert_uint_eq(fake_kern_count(B.k, FAKE_KOP_ADD, false), 1);
	ck_assert_uint_eq(ike_stats(A.ike)->rx_reassembled, 1);
	check_child_pair(NULL, NULL);
}
END_TEST

/* Fragment 2 of each IKE_AUTH a sends is lost: b keeps the rest until the reassembly
 * timeout, then frees it and counts the message dropped; its half-open SA lives on. */
static bool lose_every_second(bool from_a, struct fake_dgram *d)
{
	return !(from_a && d->data[18] == IKEV2_EXCH_IKE_AUTH && frag_num(d) == 2);
}

START_TEST(test_frag_timeout)
{
	frag_up(160, 160, 0);
	filter = lose_every_second;
	start();
	struct ike_sa *b = sa_of(&B);
	size_t held = ikev2_frag_held(b);

	ck_assert_uint_gt(held, 0);
	run_until(1000 + IKEV2_FRAG_TIMEOUT - 0.5); /* retransmissions at 2, 6, 14 s add nothing */
	ck_assert_uint_eq(ikev2_frag_held(b), held);
	ck_assert_uint_eq(ike_stats(B.ike)->rx_frag_dropped, 0);
	run_until(1000 + IKEV2_FRAG_TIMEOUT + 0.5);
	ck_assert_uint_eq(ikev2_frag_held(sa_of(&B)), 0);
	ck_assert_ptr_eq(sa_of(&B), b);
	ck_assert_uint_eq(ike_stats(B.ike)->rx_frag_dropped, 1);
	ck_assert_uint_eq(ike_stats(B.ike)->rx_reassembled, 0);
	ck_assert_uint_eq(established(&B), 0);
}
END_TEST

/* Sends bytes from sa as fragments of request msgid, each delivered to `to` at once;
 * returns how many and checks that to never holds more than the limit. */
static unsigned send_frags(struct ike_sa *sa, uint32_t msgid, size_t len, struct end *to)
{
	uint8_t *plain = calloc(1, len);
	struct ikev2_hdr h;
	struct wbuf w;
	unsigned n = 0;

	ck_assert_ptr_nonnull(plain);
	wbuf_init(&w);
	ikev2_hdr_for(sa, IKEV2_EXCH_INFORMATIONAL, false, msgid, &h);
	ck_assert_int_eq(ikev2_frag_seal(sa, &h, IKEV2_PLD_NOTIFY, plain, len, &w), 0);
	for (size_t off = 0; off < w.len; n++) {
		struct ikev2_hdr fh;
		struct net_pkt p = {.local = sa->remote, .remote = sa->local};

		ck_assert_int_eq(ikev2_decode_hdr(w.p + off, w.len - off, &fh), 0);
		p.data = w.p + off;
		p.len = fh.length;
		ike_recv(to->ike, &p);
		ck_assert_uint_le(ikev2_frag_held(sa_of(to)), IKEV2_FRAG_MAX_BYTES);
		off += fh.length;
	}
	wbuf_free(&w);
	free(plain);
	return n;
}

/* Fragments of a 70 KB message (60 of 1280 bytes): b keeps them up to its 64 KiB limit,
 * then drops what it kept and ignores the rest of that message; a total over
 * IKEV2_MAX_FRAGMENTS or a number over the total is refused as malformed. b answers none
 * of it and the IKE SA goes on: a CHILD SA rekey works. */
START_TEST(test_frag_oversized)
{
	frag_up(IKE_FRAGMENT_SIZE, IKE_FRAGMENT_SIZE, 0);
	establish();
	struct ike_sa *a = sa_of(&A), *b = sa_of(&B);
	unsigned n = send_frags(a, a->v2->msgid_out, 70000, &B);

	ck_assert_uint_ge(n, 60);
	ck_assert_uint_le(n, IKEV2_MAX_FRAGMENTS);
	ck_assert_uint_eq(ike_stats(B.ike)->rx_frag_dropped, 1);
	ck_assert_uint_eq(ikev2_frag_held(b), 0);
	ck_assert_uint_eq(fake_net_queued(B.n), 0);
	ck_assert_uint_eq(ike_stats(B.ike)->rx_reassembled, 0);

	/* the same message again: its fragments are ignored until the reassembly timeout */
	send_frags(a, a->v2->msgid_out, 70000, &B);
	ck_assert_uint_eq(ikev2_frag_held(b), 0);
	ck_assert_uint_eq(ike_stats(B.ike)->rx_frag_dropped, 1);

	/* a Total Fragments of 65, a Fragment Number over the total: malformed */
	struct wbuf w;
	struct ikev2_hdr h;
	uint8_t plain[64] = {0};
	uint64_t malformed = ike_stats(B.ike)->rx_malformed;

	wbuf_init(&w);
	ikev2_hdr_for(a, IKEV2_EXCH_INFORMATIONAL, false, a->v2->msgid_out, &h);
	ck_assert_int_eq(ikev2_frag_seal(a, &h, IKEV2_PLD_NOTIFY, plain, sizeof(plain), &w), 0);
	for (int i = 0; i < 2; i++) {
		struct net_pkt p = {
			.local = a->remote, .remote = a->local, .data = w.p, .len = w.len};

		w.p[IKEV2_HDR_LEN + 4 + 2 * i] = 0;
		w.p[IKEV2_HDR_LEN + 5 + 2 * i] = i ? 0 : IKEV2_MAX_FRAGMENTS + 1;
		if (i) /* number 1 of total 0 */
			w.p[IKEV2_HDR_LEN + 5] = 1;
		ike_recv(B.ike, &p);
		ck_assert_uint_eq(ike_stats(B.ike)->rx_malformed, malformed + 1 + (unsigned)i);
	}
	wbuf_free(&w);
	ck_assert_uint_eq(ikev2_frag_held(b), 0);

	struct kern_sa_id id = sa_to(&A, "192.0.2.1")->id;

	ike_expire(A.ike, &id, false);
	settle();
	ck_assert_uint_eq(ph2(&A), 1);
	ck_assert_uint_eq(ph2(&B), 1);
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(established(&B), 1);
}
END_TEST

/* --- rekey slots --- */

static unsigned waiting(const struct ike *eng)
{
	unsigned n = 0;

	for (const struct ike_sa *sa = eng->wait_head; sa; sa = sa->wait_next) {
		ck_assert(sa->waits_slot);
		ck_assert(sa->wait_next ? sa->wait_next->wait_prev == sa : eng->wait_tail == sa);
		n++;
	}
	return n;
}

/* IKE_SLOTS rekeys at once, the rest in line in order; an SA that goes leaves the line
 * and its slot; a freed slot goes to the line. */
START_TEST(test_rekey_slots)
{
	enum { N = IKE_SLOTS + 4 };
	struct net_addr l = at("192.0.2.1", 500), r = at("192.0.2.2", 500);
	struct ike_sa *sa[N];

	ends_up(&defaults);
	for (int i = 0; i < N; i++) {
		sa[i] = ike_sa_new(A.ike, &ikev2_ops, "b", true, &l, &r);
		ck_assert_ptr_nonnull(sa[i]);
		ck_assert(ike_slot_take(sa[i]) == (i < IKE_SLOTS));
		ck_assert(ike_slot_take(sa[i]) == (i < IKE_SLOTS)); /* again: no change */
	}
	ck_assert_uint_eq(A.ike->slots_busy, IKE_SLOTS);
	ck_assert_uint_eq(waiting(A.ike), 4);
	ck_assert_ptr_eq(A.ike->wait_head, sa[IKE_SLOTS]);
	ike_sa_destroy(sa[IKE_SLOTS + 1], false); /* from the middle of the line */
	ck_assert_uint_eq(waiting(A.ike), 3);
	ike_sa_destroy(sa[0], false); /* a slot frees: the line runs its tasks */
	ck_assert_uint_lt(A.ike->slots_busy, IKE_SLOTS);
	ck_assert_uint_eq(waiting(A.ike), 0);
	for (int i = 1; i < N; i++)
		if (i != IKE_SLOTS + 1)
			ike_sa_destroy(sa[i], false);
	ck_assert_uint_eq(A.ike->slots_busy, 0);
}
END_TEST

/* --- the configuration's index (view.c) --- */

static uint32_t reqid_plus(void *arg, const struct conf *c, const struct conf_item *pol)
{
	(void)arg;
	(void)c;
	return pol->id + 100;
}

static const char *peer_v(const struct ike_view *v, const char *remote, const char *local,
			  uint8_t major)
{
	struct net_addr r = at(remote, 500), l = at(local, 500);
	const struct conf_item *p = ike_view_peer_for_addr(v, &r, &l, major);

	return p ? conf_str(p, CONF_PEER_NAME) : "-";
}

static const char *peer_at(const struct ike_view *v, const char *remote, const char *local)
{
	return peer_v(v, remote, local, 2);
}

/* Longest prefix first; local-address narrows; the first among equals; disabled peers
 * take nothing; IPv6 apart; identities and policies filed under their peer. */
START_TEST(test_view_lookups)
{
	struct conf *c =
		load("/ip ipsec peer\n"
		     "add name=wide address=10.0.0.0/8 exchange-mode=ike2\n"
		     "add name=mid address=10.1.0.0/16 exchange-mode=ike2\n"
		     "add name=here address=10.1.2.3/32 local-address=192.0.2.9 "
		     "exchange-mode=ike2\n"
		     "add name=host address=10.1.2.3/32 exchange-mode=ike2\n"
		     "add name=host2 address=10.1.2.3/32 exchange-mode=ike2\n"
		     "add name=off address=10.1.2.4/32 exchange-mode=ike2 disabled=yes\n"
		     "add name=odd address=10.1.2.128/25 exchange-mode=ike2\n"
		     "add name=v6 address=2001:db8::/32 exchange-mode=ike2\n"
		     "add name=v6h address=2001:db8::5/128 exchange-mode=ike2\n"
		     "add name=old1 address=10.1.2.3/32 exchange-mode=main\n"
		     "add name=agg address=10.1.2.77/32 exchange-mode=aggressive\n"
		     "/ip ipsec identity\n"
		     "add peer=wide secret=a disabled=yes\n"
		     "add peer=wide secret=b\n"
		     "add peer=mid secret=c\n"
		     "/ip ipsec policy\n"
		     "add src-address=10.9.0.0/24 dst-address=10.8.0.0/24 peer=mid tunnel=yes\n"
		     "add src-address=10.9.1.0/24 dst-address=10.8.1.0/24 peer=mid tunnel=yes "
		     "disabled=yes\n");
	struct ike_view *v = ike_view_build(c, reqid_plus, NULL);
	size_t n;

	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(peer_at(v, "10.1.2.3", "192.0.2.9"), "here");
	/* several peers on one address: the request's IKE version is part of the choice */
	ck_assert_str_eq(peer_v(v, "10.1.2.3", "192.0.2.1", 1), "old1");
	ck_assert_str_eq(peer_v(v, "10.1.2.77", "192.0.2.1", 1), "agg");
	ck_assert_str_eq(peer_at(v, "10.1.2.77", "192.0.2.1"), "mid"); /* not agg: IKEv1 */
	ck_assert_str_eq(peer_v(v, "10.1.2.5", "192.0.2.1", 1), "-");
	ck_assert_str_eq(peer_at(v, "10.1.2.3", "192.0.2.8"), "host");
	ck_assert_str_eq(peer_at(v, "10.1.2.4", "192.0.2.8"), "mid");
	ck_assert_str_eq(peer_at(v, "10.1.2.200", "192.0.2.8"), "odd");
	ck_assert_str_eq(peer_at(v, "10.1.2.127", "192.0.2.8"), "mid");
	ck_assert_str_eq(peer_at(v, "10.2.0.1", "192.0.2.8"), "wide");
	ck_assert_str_eq(peer_at(v, "11.0.0.1", "192.0.2.8"), "-");
	ck_assert_str_eq(peer_at(v, "2001:db8::5", "2001:db8::1"), "v6h");
	ck_assert_str_eq(peer_at(v, "2001:db8::6", "2001:db8::1"), "v6");
	ck_assert_str_eq(peer_at(v, "2001:db9::5", "2001:db8::1"), "-");
	const struct conf_item *const *ids = ike_view_identities(v, "wide", &n);

	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(conf_str(ids[0], CONF_IDENTITY_SECRET), "b");
	ike_view_identities(v, "host", &n);
	ck_assert_uint_eq(n, 0);
	const struct conf_item *const *pols = ike_view_policies(v, "mid", &n);

	ck_assert_uint_eq(n, 1); /* the disabled one is not negotiated */
	ck_assert_ptr_eq(ike_view_policy_by_reqid(v, pols[0]->id + 100), pols[0]);
	ck_assert_ptr_eq(ike_view_policy(v, pols[0]->id), pols[0]);
	ck_assert_ptr_null(ike_view_policy(v, 999999));
	ck_assert_ptr_eq(ike_view_profile(v, "wide"), conf_find(c, CONF_M_PROFILE, "default"));
	ck_assert_ptr_null(ike_view_peer(v, "nobody"));
	ike_view_free(v);
	conf_free(c);
}
END_TEST

/* Identities by the ID they name: one probe finds a user's among thousands; those that
 * take any ID come after, in configuration order; another peer's are never offered. */
START_TEST(test_view_identities_by_id)
{
	enum { NUSERS = 3000 };
	struct strbuf text = STRBUF_INIT;
	const struct conf_item *out[8];
	uint32_t pos[8];
	size_t n;

	sb_puts(&text, "/ip ipsec peer\nadd name=gw address=0.0.0.0/0 exchange-mode=ike2\n"
		       "add name=other address=10.0.0.1/32 exchange-mode=ike2\n"
		       "/ip ipsec identity\n");
	for (int i = 0; i < NUSERS; i++)
		sb_printf(&text, "add peer=gw remote-id=user-fqdn:u%d@example.org secret=s%d\n", i,
			  i);
	sb_puts(&text, "add peer=gw secret=any\n"
		       "add peer=gw remote-id=address:192.0.2.7 secret=a\n"
		       "add peer=other remote-id=user-fqdn:u7@example.org secret=o\n");
	struct conf *c = load(sb_str(&text));
	struct ike_view *v = ike_view_build(c, NULL, NULL);
	const uint8_t addr[4] = {192, 0, 2, 7};

	ck_assert_ptr_nonnull(v);
	n = ike_view_identities_for(v, "gw", IKEV2_ID_RFC822_ADDR,
				    (const uint8_t *)"u1234@example.org", 17, out, pos, 8);
	ck_assert_uint_eq(n, 2); /* its own, then the one with remote-id=auto */
	ck_assert_str_eq(conf_str(out[0], CONF_IDENTITY_SECRET), "s1234");
	ck_assert_uint_eq(pos[0], 1234);
	ck_assert_str_eq(conf_str(out[1], CONF_IDENTITY_SECRET), "any");
	ck_assert_uint_eq(pos[1], NUSERS);
	n = ike_view_identities_for(v, "gw", IKEV2_ID_IPV4_ADDR, addr, 4, out, pos, 8);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(conf_str(out[0], CONF_IDENTITY_SECRET), "a");
	n = ike_view_identities_for(v, "gw", IKEV2_ID_FQDN, (const uint8_t *)"u1234@example.org",
				    17, out, pos, 8);
	ck_assert_uint_eq(n, 1); /* another type: only auto */
	n = ike_view_identities_for(v, "other", IKEV2_ID_RFC822_ADDR,
				    (const uint8_t *)"u7@example.org", 14, out, pos, 8);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(conf_str(out[0], CONF_IDENTITY_SECRET), "o");
	ike_view_free(v);
	conf_free(c);
	sb_free(&text);
}
END_TEST

/* The index answers as a walk over every peer would, for random prefixes, local
 * addresses and disabled peers, at 1,500 peers. */
START_TEST(test_view_matches_walk)
{
	enum { NPEERS = 1500, NPROBES = 20000 };
	struct strbuf text = STRBUF_INIT;

	sb_puts(&text, "/ip ipsec peer\n");
	for (int i = 0; i < NPEERS; i++) {
		unsigned plen = 8 + rnd() % 25;

		sb_printf(&text, "add name=p%d address=10.%u.%u.%u/%u exchange-mode=ike2%s%s\n", i,
			  rnd() % 4, rnd() % 4, rnd(), plen, rnd() % 8 ? "" : " disabled=yes",
			  rnd() % 6 ? "" : " local-address=192.0.2.9");
	}
	struct conf *c = load(sb_str(&text));
	struct ike_view *v = ike_view_build(c, NULL, NULL);

	ck_assert_ptr_nonnull(v);
	for (int k = 0; k < NPROBES; k++) {
		struct net_addr r = {.family = AF_INET, .port = 500}, l = at("192.0.2.8", 500);
		const struct conf_item *want = NULL;
		int best = -1;

		r.bytes[0] = 10;
		r.bytes[1] = (uint8_t)(rnd() % 4);
		r.bytes[2] = (uint8_t)(rnd() % 4);
		r.bytes[3] = rnd();
		if (rnd() % 2)
			l = at("192.0.2.9", 500);
		for (size_t i = 0; i < conf_count(c, CONF_M_PEER); i++) {
			const struct conf_item *p = conf_item_at(c, CONF_M_PEER, i);
			const struct conf_addr *a = conf_addr(p, CONF_PEER_ADDRESS);
			const struct conf_addr *la = conf_addr(p, CONF_PEER_LOCAL_ADDRESS);
			uint32_t pa = (uint32_t)a->bytes[0] << 24 | (uint32_t)a->bytes[1] << 16 |
				      (uint32_t)a->bytes[2] << 8 | a->bytes[3];
			uint32_t ra = (uint32_t)r.bytes[0] << 24 | (uint32_t)r.bytes[1] << 16 |
				      (uint32_t)r.bytes[2] << 8 | r.bytes[3];
			uint32_t mask = a->plen ? ~0u << (32 - a->plen) : 0;

			if (conf_bool(p, CONF_PEER_DISABLED) || (pa & mask) != (ra & mask))
				continue;
			if (la->family && memcmp(la->bytes, l.bytes, 4))
				continue;
			if (a->plen > best) {
				best = a->plen;
				want = p;
			}
		}
		ck_assert_ptr_eq(ike_view_peer_for_addr(v, &r, &l, 2), want);
	}
	ike_view_free(v);
	conf_free(c);
	sb_free(&text);
}
END_TEST

/* --- road warriors: mode-config, pools, templates, generated policies --- */

static const char rw_common[] =
	"/ip ipsec profile\n"
	"set [ find default=yes ] dh-group=ecp256 enc-algorithm=aes-256 hash-algorithm=sha256 "
	"dpd-interval=disable-dpd lifetime=1d\n"
	"/ip ipsec proposal\n"
	"set [ find default=yes ] auth-algorithms=sha256 enc-algorithms=aes-256-cbc "
	"pfs-group=none\n";

/* a (192.0.2.1) is a mode-config client of gateway b (192.0.2.2) whose LAN is 10.2.0.0/24;
 * the client's template asks for client_dst, the gateway's pool is ranges. */
static void rw_up(const char *ranges, const char *client_dst, const char *gw_extra)
{
	char text[2048];

	ends_up(&defaults);
	conf_free(A.c);
	conf_free(B.c);
	snprintf(text, sizeof(text),
		 "%s/ip ipsec mode-config\nadd name=cl responder=no\n"
		 "/ip ipsec policy group\nadd name=cl\n"
		 "/ip ipsec policy\nadd template=yes group=cl dst-address=%s\n"
		 "/ip ipsec peer\nadd name=b address=192.0.2.2/32 local-address=192.0.2.1 "
		 "exchange-mode=ike2\n"
		 "/ip ipsec identity\nadd peer=b secret=\"rw-secret-0123456789\" "
		 "generate-policy=port-strict mode-config=cl policy-template-group=cl\n",
		 rw_common, client_dst);
	A.c = load(text);
	snprintf(text, sizeof(text),
		 "%s/ip pool\nadd name=rw ranges=%s\n"
		 "/ip ipsec mode-config\nadd name=rw responder=yes address-pool=rw "
		 "split-include=10.2.0.0/24 static-dns=10.2.0.53%s\n"
		 "/ip ipsec policy group\nadd name=rw\n"
		 "/ip ipsec policy\nadd template=yes group=rw src-address=10.2.0.0/24 "
		 "dst-address=10.8.0.0/24\n"
		 "/ip ipsec peer\nadd name=a address=0.0.0.0/0 local-address=192.0.2.2 passive=yes "
		 "exchange-mode=ike2\n"
		 "/ip ipsec identity\nadd peer=a secret=\"rw-secret-0123456789\" "
		 "generate-policy=port-strict mode-config=rw policy-template-group=rw\n",
		 rw_common, ranges, gw_extra);
	B.c = load(text);
}

struct leases {
	unsigned n, held;
	char addr[4][INET6_ADDRSTRLEN];
	char owner[4][64];
};

static void lease_one(void *arg, const struct ike_lease_info *l)
{
	struct leases *w = arg;

	if (w->n < 4) {
		inet_ntop(l->addr.family, l->addr.bytes, w->addr[w->n], sizeof(w->addr[0]));
		snprintf(w->owner[w->n], sizeof(w->owner[0]), "%s", l->owner);
	}
	w->n++;
	w->held += l->held;
}

static struct leases leases(const struct end *e)
{
	struct leases w = {0};

	ike_lease_walk(e->ike, lease_one, &w);
	return w;
}

/* The kernel policy of e with that direction whose selector runs src -> dst (prefixes). */
static const struct kern_sp *sp_of(const struct end *e, enum kern_dir dir, const char *src,
				   unsigned splen, const char *dst, unsigned dplen)
{
	for (size_t i = 0; i < fake_kern_nsp(e->k); i++) {
		const struct kern_sp *sp = fake_kern_sp_at(e->k, i);
		struct kern_addr s = {.family = AF_INET}, d = {.family = AF_INET};

		memcpy(s.bytes, sp->sel.src, 16);
		memcpy(d.bytes, sp->sel.dst, 16);
		if (sp->dir == dir && fake_addr_is(&s, src) && fake_addr_is(&d, dst) &&
		    sp->sel.src_plen == splen && sp->sel.dst_plen == dplen)
			return sp;
	}
	return NULL;
}

static void count_gen(void *arg, const struct ike_gen_policy_info *i)
{
	(void)i;
	(*(unsigned *)arg)++;
}

static unsigned gen_policies(const struct end *e)
{
	unsigned n = 0;

	ike_gen_policy_walk(e->ike, count_gen, &n);
	return n;
}

START_TEST(test_rw_client_gateway)
{
	fake_kern_next_hop("192.0.2.254");
	rw_up("10.8.0.10-10.8.0.11", "10.2.0.0/24", "");
	start();
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(established(&B), 1);

	/* the gateway leased the first address to the client's ID */
	struct leases l = leases(&B);
	struct walk wb = walk(&B), wa = walk(&A);

	ck_assert_uint_eq(l.n, 1);
	ck_assert_uint_eq(l.held, 1);
	ck_assert_str_eq(l.addr[0], "10.8.0.10");
	ck_assert_str_eq(l.owner[0], wb.i[0].remote_id);
	char a[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET, wb.i[0].dynamic_address.bytes, a, sizeof(a));
	ck_assert_str_eq(a, "10.8.0.10");
	ck_assert(!wb.i[0].dynamic_ours);
	inet_ntop(AF_INET, wa.i[0].dynamic_address.bytes, a, sizeof(a));
	ck_assert_str_eq(a, "10.8.0.10");
	ck_assert(wa.i[0].dynamic_ours);

	/* the client put it on its interface */
	const struct kern_addr *ifa;

	ck_assert_uint_eq(fake_kern_nifaddr(A.k, &ifa), 1);
	ck_assert(fake_addr_is(&ifa[0], "10.8.0.10"));

	/* policies: out, in and fwd at each end, for the CHILD SA's reqid */
	const struct kern_sp *bo = sp_of(&B, KERN_DIR_OUT, "10.2.0.0", 24, "10.8.0.10", 32);
	const struct kern_sp *ao = sp_of(&A, KERN_DIR_OUT, "10.8.0.10", 32, "10.2.0.0", 24);

	ck_assert_ptr_nonnull(bo);
	ck_assert_ptr_nonnull(sp_of(&B, KERN_DIR_IN, "10.8.0.10", 32, "10.2.0.0", 24));
	ck_assert_ptr_nonnull(sp_of(&B, KERN_DIR_FWD, "10.8.0.10", 32, "10.2.0.0", 24));
	ck_assert_ptr_nonnull(ao);
	ck_assert_ptr_nonnull(sp_of(&A, KERN_DIR_IN, "10.2.0.0", 24, "10.8.0.10", 32));
	ck_assert_uint_eq(fake_kern_nsp(A.k), 3);
	ck_assert_uint_eq(fake_kern_nsp(B.k), 3);
	ck_assert(kern_sp_index_ours(bo->index) && kern_reqid_ours(bo->tmpl[0].reqid));
	ck_assert(bo->tmpl[0].tunnel && fake_addr_is(&bo->tmpl[0].dst, "192.0.2.1"));
	ck_assert_uint_eq(sa_to(&B, "192.0.2.1")->reqid, bo->tmpl[0].reqid);
	ck_assert_uint_eq(sa_to(&A, "192.0.2.2")->reqid, ao->tmpl[0].reqid);
	ck_assert_uint_eq(gen_policies(&B), 1);
	ck_assert_uint_eq(gen_policies(&A), 1);

	/* the client routes the gateway's LAN from its address, via the next hop towards the
	 * gateway, in a table of its own that a rule consults; the gateway routes nothing */
	const struct kern_route *rt;
	uint32_t table, prio;

	ck_assert_uint_eq(fake_kern_nroutes(A.k, &rt), 1);
	ck_assert(fake_addr_is(&rt[0].dst, "10.2.0.0") && rt[0].plen == 24);
	ck_assert(fake_addr_is(&rt[0].src, "10.8.0.10"));
	ck_assert(fake_addr_is(&rt[0].gateway, "192.0.2.254"));
	ck_assert_int_eq(rt[0].ifindex, FAKE_IFINDEX);
	ck_assert_uint_eq(rt[0].table, 220);
	ck_assert(fake_kern_rule(A.k, &table, &prio));
	ck_assert_uint_eq(table, 220);
	ck_assert_uint_eq(prio, 220);
	ck_assert_uint_eq(fake_kern_nroutes(B.k, &rt), 0);
	ck_assert(!fake_kern_rule(B.k, &table, &prio));

	/* the gateway kills the client: lease free (remembered), policies, address, routes
	 * and rule gone */
	ck_assert_int_eq(ike_kill(B.ike, NULL), 1);
	settle();
	l = leases(&B);
	ck_assert_uint_eq(l.held, 0);
	ck_assert_uint_eq(fake_kern_nsp(B.k), 0);
	ck_assert_uint_eq(fake_kern_nsp(A.k), 0);
	ck_assert_uint_eq(fake_kern_nifaddr(A.k, &ifa), 0);
	ck_assert_uint_eq(fake_kern_nroutes(A.k, &rt), 0);
	ck_assert(!fake_kern_rule(A.k, &table, &prio));
	ck_assert_uint_eq(gen_policies(&B), 0);
	ck_assert_uint_eq(established(&A), 0);
	fake_kern_next_hop(NULL);
}
END_TEST

/* A client whose tunnel takes everything (0.0.0.0/0, no split-include) routes everything
 * from its address, except the gateway's own address, which keeps leaving from the
 * physical one on the link; its routes survive an IKE SA rekey, and the engine stopping
 * takes them and the rule away. */
START_TEST(test_rw_client_full_tunnel)
{
	char text[2048];

	ends_up(&defaults);
	conf_free(A.c);
	conf_free(B.c);
	snprintf(text, sizeof(text),
		 "/ip ipsec profile\n"
		 "set [ find default=yes ] dh-group=ecp256 enc-algorithm=aes-256 "
		 "hash-algorithm=sha256 dpd-interval=disable-dpd lifetime=100s\n"
		 "/ip ipsec proposal\nset [ find default=yes ] auth-algorithms=sha256 "
		 "enc-algorithms=aes-256-cbc pfs-group=none\n"
		 "/ip ipsec policy group\nadd name=cl\n"
		 "/ip ipsec policy\nadd template=yes group=cl dst-address=0.0.0.0/0\n"
		 "/ip ipsec peer\nadd name=b address=192.0.2.2/32 local-address=192.0.2.1 "
		 "exchange-mode=ike2\n"
		 "/ip ipsec identity\nadd peer=b secret=\"rw-secret-0123456789\" "
		 "generate-policy=port-strict mode-config=request-only "
		 "policy-template-group=cl\n");
	A.c = load(text);
	snprintf(text, sizeof(text),
		 "%s/ip pool\nadd name=rw ranges=10.8.0.10-10.8.0.11\n"
		 "/ip ipsec mode-config\nadd name=rw responder=yes address-pool=rw\n"
		 "/ip ipsec policy group\nadd name=rw\n"
		 "/ip ipsec policy\nadd template=yes group=rw src-address=0.0.0.0/0 "
		 "dst-address=10.8.0.0/24\n"
		 "/ip ipsec peer\nadd name=a address=0.0.0.0/0 local-address=192.0.2.2 passive=yes "
		 "exchange-mode=ike2\n"
		 "/ip ipsec identity\nadd peer=a secret=\"rw-secret-0123456789\" "
		 "generate-policy=port-strict mode-config=rw policy-template-group=rw\n",
		 rw_common);
	B.c = load(text);
	start();
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_ptr_nonnull(sp_of(&A, KERN_DIR_OUT, "10.8.0.10", 32, "0.0.0.0", 0));

	const struct kern_route *rt;
	uint32_t table, prio;
	bool all = false, gw = false;

	ck_assert_uint_eq(fake_kern_nroutes(A.k, &rt), 2);
	for (size_t i = 0; i < 2; i++) {
		ck_assert_uint_eq(rt[i].table, 220);
		ck_assert_uint_eq(rt[i].gateway.family, 0); /* the gateway is on the link */
		if (rt[i].plen == 0) {
			all = true;
			ck_assert(fake_addr_is(&rt[i].src, "10.8.0.10"));
		} else {
			gw = true;
			ck_assert(fake_addr_is(&rt[i].dst, "192.0.2.2") && rt[i].plen == 32);
			ck_assert(fake_addr_is(&rt[i].src, "192.0.2.1"));
		}
	}
	ck_assert(all && gw);
	ck_assert(fake_kern_rule(A.k, &table, &prio));

	/* the client rekeys its IKE SA (at 90% of 100 s): the routes stay, none added */
	struct walk w0 = walk(&A);

	run_until(1000 + 95);
	struct walk w1 = walk(&A);

	ck_assert_uint_eq(w1.n, 1);
	ck_assert_uint_ne(w1.i[0].spi_i, w0.i[0].spi_i);
	ck_assert_uint_eq(fake_kern_nroutes(A.k, &rt), 2);
	ck_assert(fake_kern_rule(A.k, &table, &prio));

	/* the client's engine stops: address, routes and rule go */
	ike_free(A.ike);
	A.ike = NULL;
	const struct kern_addr *ifa;

	ck_assert_uint_eq(fake_kern_nroutes(A.k, &rt), 0);
	ck_assert(!fake_kern_rule(A.k, &table, &prio));
	ck_assert_uint_eq(fake_kern_nifaddr(A.k, &ifa), 0);
}
END_TEST

/* A client that comes back gets its address again, though another one was never used. */
START_TEST(test_rw_same_address_again)
{
	rw_up("10.8.0.10-10.8.0.11", "10.2.0.0/24", "");
	start();
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_int_eq(ike_kill(A.ike, NULL), 1);
	settle();
	ck_assert_uint_eq(leases(&B).held, 0);
	ike_apply(A.ike, A.c); /* the client dials in again */
	settle();
	ck_assert_uint_eq(established(&A), 1);

	struct leases l = leases(&B);

	ck_assert_uint_eq(l.held, 1);
	ck_assert_str_eq(l.addr[0], "10.8.0.10");
	ck_assert_ptr_nonnull(sp_of(&B, KERN_DIR_OUT, "10.2.0.0", 24, "10.8.0.10", 32));
}
END_TEST

/* No address of the family asked for: INTERNAL_ADDRESS_FAILURE, no CHILD SA, and the
 * client gives the IKE SA up. */
START_TEST(test_rw_pool_exhausted)
{
	rw_up("2001:db8::10", "10.2.0.0/24", "");
	start();
	ck_assert_uint_eq(leases(&B).n, 0);
	ck_assert_uint_eq(fake_kern_nsp(B.k), 0);
	ck_assert_uint_eq(fake_kern_nsp(A.k), 0);
	ck_assert_uint_eq(fake_kern_nsa(B.k, false), 0);
	ck_assert_uint_eq(established(&A), 0);
	ck_assert_uint_eq(established(&B), 0);
}
END_TEST

/* The client asks for a network no template of the gateway's group has: TS_UNACCEPTABLE,
 * no CHILD SA and no policy at either end. */
START_TEST(test_rw_no_template)
{
	rw_up("10.8.0.10-10.8.0.11", "172.16.0.0/24", "");
	start();
	ck_assert_uint_eq(fake_kern_nsp(B.k), 0);
	ck_assert_uint_eq(fake_kern_nsp(A.k), 0);
	ck_assert_uint_eq(fake_kern_nsa(B.k, false), 0);
	ck_assert_uint_eq(fake_kern_nsa(A.k, false), 0);
	ck_assert_uint_eq(gen_policies(&B), 0);
}
END_TEST

/* A CHILD SA rekey keeps the generated policies (same reqid), and the old SA goes. */
START_TEST(test_rw_child_rekey)
{
	rw_up("10.8.0.10-10.8.0.11", "10.2.0.0/24", "");
	start();
	const struct kern_sa *old = sa_to(&B, "192.0.2.1");
	uint32_t reqid = old->reqid, spi = old->id.spi;

	ike_expire(B.ike, &old->id, false); /* soft expiry: b rekeys */
	settle();
	const struct kern_sa *now = sa_to(&B, "192.0.2.1");

	ck_assert_uint_ne(now->id.spi, spi);
	ck_assert_uint_eq(now->reqid, reqid);
	ck_assert_uint_eq(fake_kern_nsp(B.k), 3);
	ck_assert_uint_eq(fake_kern_nsp(A.k), 3);
	ck_assert_uint_eq(sa_to(&A, "192.0.2.2")->reqid,
			  sp_of(&A, KERN_DIR_OUT, "10.8.0.10", 32, "10.2.0.0", 24)->tmpl[0].reqid);
	ck_assert_uint_eq(gen_policies(&B), 1);
}
END_TEST

/* --- IKEv1 --- */

static void v1_up(const char *mode)
{
	struct opts o = defaults;

	o.a.mode = o.b.mode = mode;
	ends_up(&o);
}

/* Main mode with a pre-shared key, then quick mode: both ends hold the same two ESP SAs
 * (keys and SPIs crossed), policies' reqid, tunnel mode. */
START_TEST(test_v1_main_mode)
{
	v1_up("main");
	start();
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(established(&B), 1);
	check_child_pair(NULL, NULL);
	ck_assert_uint_eq(sa_to(&B, "192.0.2.1")->reqid, REQID);
	ck_assert(sa_to(&B, "192.0.2.1")->tunnel);
	ck_assert_uint_eq(ph2(&A), 1);
	ck_assert_uint_eq(ph2(&B), 1);
}
END_TEST

START_TEST(test_v1_aggressive_mode)
{
	v1_up("aggressive");
	start();
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(established(&B), 1);
	check_child_pair(NULL, NULL);
}
END_TEST

/* Different keys: HASH_I fails at the responder, nothing is installed. */
START_TEST(test_v1_wrong_psk)
{
	struct opts o = defaults;

	o.a.mode = o.b.mode = "main";
	o.b.secret = "another-secret-0123456789";
	ends_up(&o);
	start();
	ck_assert_uint_eq(established(&B), 0);
	ck_assert_uint_eq(fake_kern_nsa(A.k, false), 0);
	ck_assert_uint_eq(fake_kern_nsa(B.k, false), 0);
	ck_assert_uint_ge(ike_stats(B.ike)->rx_auth_failed, 1);
}
END_TEST

/* A kill deletes the ISAKMP SA and the IPsec SAs with it at both ends. */
START_TEST(test_v1_delete)
{
	v1_up("main");
	start();
	ck_assert_uint_eq(established(&B), 1);
	ck_assert_int_eq(ike_kill(A.ike, NULL), 1);
	settle();
	ck_assert_uint_eq(established(&B), 0);
	ck_assert_uint_eq(fake_kern_nsa(A.k, false), 0);
	ck_assert_uint_eq(fake_kern_nsa(B.k, false), 0);
}
END_TEST

/* XAuth over a pre-shared key: the gateway (b, passive) asks a's user name and password,
 * checks them against /ip ipsec user and only then takes a quick mode. */
static void xauth_up_from(const char *mode, const char *password, const char *a_extra,
			  const char *b_extra, const char *b_peer)
{
	static char pa[512], pb[512];
	struct opts o = defaults;

	o.a.mode = o.b.mode = mode;
	if (b_peer)
		o.b.peer = b_peer;
	snprintf(pa, sizeof(pa), "%s", a_extra);
	snprintf(pb, sizeof(pb), "/ip ipsec user\nadd name=alice password=%s\n%s", password,
		 b_extra);
	o.a.prefix = pa;
	o.b.prefix = pb;
	ends_up(&o);
	conf_free(A.c);
	conf_free(B.c);
	/* the identities take the method and the client's credentials */
	A.c = conf_for(0, &o.a);
	B.c = conf_for(1, &o.b);
	for (int e = 0; e < 2; e++) {
		struct conf *c = e ? B.c : A.c;
		struct conf_item *id = conf_item_at(c, CONF_M_IDENTITY, 0);

		ck_assert_int_eq(
			conf_set_text(c, id, CONF_IDENTITY_AUTH_METHOD, "pre-shared-key-xauth"), 0);
		if (!e) {
			ck_assert_int_eq(conf_set_text(c, id, CONF_IDENTITY_USERNAME, "alice"), 0);
			ck_assert_int_eq(conf_set_text(c, id, CONF_IDENTITY_PASSWORD, "secret-pw"),
					 0);
		}
	}
}

static void xauth_up(const char *password, const char *a_extra, const char *b_extra)
{
	xauth_up_from("main", password, a_extra, b_extra, NULL);
}

static void xauth_up_mode(const char *mode, const char *password, const char *a_extra,
			  const char *b_extra)
{
	xauth_up_from(mode, password, a_extra, b_extra, NULL);
}

START_TEST(test_v1_xauth)
{
	xauth_up_mode("main", "secret-pw", "", "");
	start();
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(established(&B), 1);
	check_child_pair(NULL, NULL);
	ck_assert_str_eq(walk(&B).i[0].xauth_user, "alice"); /* active-peers' xauth-user */
	ck_assert_str_eq(walk(&B).i[0].eap_identity, "");
	ck_assert_uint_eq(rad.n, 0); /* /ip ipsec user, not RADIUS */
}
END_TEST

START_TEST(test_v1_xauth_wrong_password)
{
	xauth_up_mode("main", "another-pw", "", "");
	start();
	ck_assert_uint_eq(fake_kern_nsa(A.k, false), 0);
	ck_assert_uint_eq(fake_kern_nsa(B.k, false), 0);
	ck_assert_uint_eq(established(&B), 0); /* the gateway deleted the ISAKMP SA */
}
END_TEST

/* --- XAuth over RADIUS (/ip ipsec settings xauth-use-radius=yes): b's own user alice has
 * another password, so only RADIUS can let a in (/ip ipsec user is not consulted) --- */

#define XAUTH_RADIUS "/ip ipsec settings\nset xauth-use-radius=yes\n"

/* a's XAuth REPLY reached b, which waits for RADIUS with nothing installed. */
static void xauth_radius_waits(void)
{
	ck_assert_uint_eq(rad.n, 1);
	ck_assert(rad.req[0].pending);
	ck_assert_str_eq(rad.req[0].user, "alice");
	ck_assert_str_eq(rad.req[0].password, "secret-pw");
	ck_assert_str_eq(rad.req[0].calling, "192.0.2.1");
	ck_assert_uint_ne(rad.req[0].nas_port, 0);
	ck_assert_uint_eq(fake_kern_nsa(A.k, false), 0);
	ck_assert_uint_eq(fake_kern_nsa(B.k, false), 0);
}

START_TEST(test_v1_xauth_radius_accept)
{
	xauth_up("not-alices-pw", "", XAUTH_RADIUS);
	start();
	xauth_radius_waits();
	/* time passes while RADIUS thinks: nothing is asked twice, nothing gives up */
	run_until(1000 + 20);
	ck_assert_uint_eq(rad.n, 1);
	ck_assert_uint_eq(walk(&B).n, 1);
	rad_answer(0, RADIUS_RES_ACCEPT, false);
	settle();
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(established(&B), 1);
	check_child_pair(NULL, NULL);
	ck_assert_str_eq(walk(&B).i[0].xauth_user, "alice");
	ck_assert_uint_eq(rad.nacct, 0); /* accounting=no */
}
END_TEST

START_TEST(test_v1_xauth_radius_reject)
{
	xauth_up("secret-pw", "", XAUTH_RADIUS); /* the local user would pass: RADIUS decides */
	start();
	xauth_radius_waits();
	rad_answer(0, RADIUS_RES_REJECT, false);
	settle();
	ck_assert_uint_eq(fake_kern_nsa(A.k, false), 0);
	ck_assert_uint_eq(fake_kern_nsa(B.k, false), 0);
	ck_assert_uint_eq(walk(&B).n, 0); /* b deleted the ISAKMP SA */
	ck_assert_uint_eq(established(&A), 0);
	ck_assert_uint_ge(ike_stats(B.ike)->failed, 1);
}
END_TEST

/* xauth-use-radius=yes without a RADIUS client: the user fails at once. */
START_TEST(test_v1_xauth_radius_no_server)
{
	b_without_radius = true;
	xauth_up("secret-pw", "", XAUTH_RADIUS);
	start();
	ck_assert_uint_eq(rad.n, 0);
	ck_assert_uint_eq(walk(&B).n, 0);
	ck_assert_uint_eq(fake_kern_nsa(B.k, false), 0);
}
END_TEST

/* A third end, c: a client like a from 192.0.2.3, user bob. */

static void c_up(void)
{
	struct side s = defaults.a;
	struct conf_item *peer, *id;

	s.mode = "main";
	C.c = conf_for(0, &s);
	peer = conf_item_at(C.c, CONF_M_PEER, 0);
	id = conf_item_at(C.c, CONF_M_IDENTITY, 0);
	ck_assert_int_eq(conf_set_text(C.c, peer, CONF_PEER_LOCAL_ADDRESS, "192.0.2.3"), 0);
	ck_assert_int_eq(conf_set_text(C.c, id, CONF_IDENTITY_AUTH_METHOD, "pre-shared-key-xauth"),
			 0);
	ck_assert_int_eq(conf_set_text(C.c, id, CONF_IDENTITY_USERNAME, "bob"), 0);
	ck_assert_int_eq(conf_set_text(C.c, id, CONF_IDENTITY_PASSWORD, "bobs-pw"), 0);
	C.k = fake_kern_new(lp, 0xc0000100u);
	C.n = fake_net_new(lp);
	ck_assert_ptr_nonnull(C.k);
	ck_assert_ptr_nonnull(C.n);
	struct ike_deps d = {
		.loop = lp, .kern = C.k, .net = C.n, .policy_reqid = reqid_of, .arg = &C};

	C.ike = ike_new(&d);
	ck_assert_ptr_nonnull(C.ike);
	ike_apply(C.ike, C.c);
}

/* b's datagrams to a or c, by address. */
static unsigned flush_from_b(void)
{
	struct fake_dgram *d;
	unsigned n = 0;

	while ((d = fake_net_pop(B.n))) {
		struct net_pkt p;
		struct kern_addr to = {.family = d->remote.family};

		memcpy(to.bytes, d->remote.bytes, sizeof(to.bytes));
		fake_net_pkt(d, &p);
		ike_recv(fake_addr_is(&to, "192.0.2.3") ? C.ike : A.ike, &p);
		free(d);
		n++;
	}
	return n;
}

static void settle3(void)
{
	for (int i = 0; i < 1000; i++)
		if (!(fake_kern_run(A.k) + fake_kern_run(B.k) + fake_kern_run(C.k) +
		      fake_loop_run_due(lp) + flush(&A, &B) + flush(&C, &B) + flush_from_b()))
			return;
	ck_abort_msg("three ends do not settle");
}

/* RADIUS never answers for a (timeout) while c negotiates: c is accepted, gets its IPsec
 * SAs, and keeps them when a's ISAKMP SA goes. */
START_TEST(test_v1_xauth_radius_timeout_other_peer)
{
	xauth_up_from("main", "not-alices-pw", "", XAUTH_RADIUS, "192.0.2.0/24");
	start();
	xauth_radius_waits();
	c_up();
	settle3();
	ck_assert_uint_eq(rad.n, 2);
	ck_assert_str_eq(rad.req[1].user, "bob");
	ck_assert_str_eq(rad.req[1].password, "bobs-pw");
	ck_assert_str_eq(rad.req[1].calling, "192.0.2.3");
	ck_assert(rad.req[0].pending); /* a still waits */
	rad_answer(1, RADIUS_RES_ACCEPT, false);
	settle3();
	ck_assert_uint_eq(established(&C), 1);
	ck_assert_uint_eq(fake_kern_nsa(C.k, false), 2);
	ck_assert_uint_eq(fake_kern_nsa(B.k, false), 2);
	rad_answer(0, RADIUS_RES_TIMEOUT, false);
	settle3();
	ck_assert_uint_eq(walk(&A).n, 0);
	ck_assert_uint_eq(fake_kern_nsa(A.k, false), 0);
	ck_assert_uint_eq(walk(&B).n, 1); /* c's */
	ck_assert_str_eq(walk(&B).i[0].xauth_user, "bob");
	ck_assert_uint_eq(established(&C), 1);
	ck_assert_uint_eq(fake_kern_nsa(B.k, false), 2);
	ck_assert_uint_eq(rad.cancelled, 0);
}
END_TEST

/* The Access-Accept's Framed-IP-Address is a's mode-config address: no lease is taken. */
START_TEST(test_v1_xauth_radius_framed_ip)
{
	xauth_up("not-alices-pw", "",
		 XAUTH_RADIUS "/ip pool\nadd name=rw ranges=10.8.0.10-10.8.0.11\n"
			      "/ip ipsec mode-config\nadd name=rw responder=yes address-pool=rw\n");
	struct conf_item *ida = conf_item_at(A.c, CONF_M_IDENTITY, 0);
	struct conf_item *idb = conf_item_at(B.c, CONF_M_IDENTITY, 0);
	char a[INET6_ADDRSTRLEN];

	ck_assert_int_eq(conf_set_text(A.c, ida, CONF_IDENTITY_MODE_CONFIG, "request-only"), 0);
	ck_assert_int_eq(conf_set_text(B.c, idb, CONF_IDENTITY_MODE_CONFIG, "rw"), 0);
	start();
	xauth_radius_waits();
	rad_answer(0, RADIUS_RES_ACCEPT, true);
	settle();
	ck_assert_uint_eq(established(&A), 1);
	inet_ntop(AF_INET, walk(&A).i[0].dynamic_address.bytes, a, sizeof(a));
	ck_assert_str_eq(a, "10.8.0.77");
	inet_ntop(AF_INET, walk(&B).i[0].dynamic_address.bytes, a, sizeof(a));
	ck_assert_str_eq(a, "10.8.0.77");
	ck_assert_uint_eq(leases(&B).held, 0);
	check_child_pair(NULL, NULL);
}
END_TEST

/* accounting=yes: Start with the first IPsec SA, Interim-Update every interim-update, Stop
 * when a deletes, with what b's kernel counted and the cause. */
START_TEST(test_v1_xauth_radius_accounting)
{
	xauth_up("not-alices-pw", "",
		 "/ip ipsec settings\nset xauth-use-radius=yes accounting=yes "
		 "interim-update=1m\n");
	start();
	xauth_radius_waits();
	ck_assert_uint_eq(rad.nacct, 0);
	rad_answer(0, RADIUS_RES_ACCEPT, false);
	settle();
	ck_assert_uint_eq(established(&B), 1);
	ck_assert_uint_eq(rad.nacct, 1);
	ck_assert_int_eq(rad.acct[0].status, RADIUS_ACCT_START);
	ck_assert_str_eq(rad.acct[0].user, "alice");
	run_until(loop_now(lp) + 61);
	ck_assert_uint_eq(rad.nacct, 2);
	ck_assert_int_eq(rad.acct[1].status, RADIUS_ACCT_INTERIM);
	ck_assert_uint_eq(rad.acct[1].in_octets, 1000);
	ck_assert_uint_eq(rad.acct[1].out_octets, 2000);
	ck_assert_int_eq(ike_kill(A.ike, NULL), 1);
	settle();
	ck_assert_uint_eq(walk(&B).n, 0);
	ck_assert_uint_eq(rad.nacct, 3);
	ck_assert_int_eq(rad.acct[2].status, RADIUS_ACCT_STOP);
	ck_assert_str_eq(rad.acct[2].user, "alice");
	ck_assert_uint_eq(rad.acct[2].in_octets, 1000);
	ck_assert_uint_eq(rad.acct[2].out_octets, 2000);
	ck_assert_uint_eq(rad.acct[2].in_packets, 10);
	ck_assert_uint_eq(rad.acct[2].out_packets, 20);
	ck_assert_uint_eq(rad.acct[2].cause, RADIUS_TERM_USER_REQUEST);
}
END_TEST

/* The ISAKMP SA goes while RADIUS thinks: the request is cancelled, no callback comes. */
START_TEST(test_v1_xauth_radius_cancel)
{
	xauth_up("not-alices-pw", "", XAUTH_RADIUS);
	start();
	xauth_radius_waits();
	ck_assert_int_eq(ike_kill(B.ike, NULL), 1);
	ck_assert_uint_eq(rad.cancelled, 1);
	ck_assert(!rad.req[0].pending);
}
END_TEST

/* Mode-config over IKEv1 (pull): a asks, b leases from its pool; then quick mode. */
START_TEST(test_v1_modecfg)
{
	xauth_up_mode("main", "secret-pw", "",
		      "/ip pool\nadd name=rw ranges=10.8.0.10-10.8.0.11\n"
		      "/ip ipsec mode-config\nadd name=rw responder=yes address-pool=rw "
		      "split-include=10.2.0.0/24 static-dns=10.2.0.53\n");
	struct conf_item *ida = conf_item_at(A.c, CONF_M_IDENTITY, 0);
	struct conf_item *idb = conf_item_at(B.c, CONF_M_IDENTITY, 0);

	ck_assert_int_eq(conf_set_text(A.c, ida, CONF_IDENTITY_MODE_CONFIG, "request-only"), 0);
	ck_assert_int_eq(conf_set_text(B.c, idb, CONF_IDENTITY_MODE_CONFIG, "rw"), 0);
	start();
	ck_assert_uint_eq(established(&A), 1);

	struct walk wa = walk(&A), wb = walk(&B);
	char a[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET, wa.i[0].dynamic_address.bytes, a, sizeof(a));
	ck_assert_str_eq(a, "10.8.0.10");
	inet_ntop(AF_INET, wb.i[0].dynamic_address.bytes, a, sizeof(a));
	ck_assert_str_eq(a, "10.8.0.10");
	ck_assert_uint_eq(leases(&B).held, 1);
	check_child_pair(NULL, NULL);
	/* the client put the address on its interface, and takes it off with the SA */
	const struct kern_addr *ifa;

	ck_assert_uint_eq(fake_kern_nifaddr(A.k, &ifa), 1);
	ck_assert(fake_addr_is(&ifa[0], "10.8.0.10"));
	ck_assert_int_eq(ike_kill(A.ike, NULL), 1);
	settle();
	ck_assert_uint_eq(fake_kern_nifaddr(A.k, &ifa), 0);
	ck_assert_uint_eq(leases(&B).held, 0);
}
END_TEST

/* A push-mode client (it never asks): a's mode-config REQUESTs are lost. b's XAuth goes
 * REQUEST, SET (status), and a answers each; after the status a's next transaction
 * messages (its REQUEST and repeats) are dropped until b's third, the pushed SET. */
static unsigned b_tx, a_tx_after_status;

static bool lose_modecfg_request(bool from_a, struct fake_dgram *d)
{
	if (d->len < 19 || d->data[18] != 6) /* IKEv1 TRANSACTION */
		return true;
	if (!from_a) {
		b_tx++;
		return true;
	}
	return b_tx != 2 || a_tx_after_status++ == 0;
}

START_TEST(test_v1_modecfg_push)
{
	xauth_up("secret-pw", "",
		 "/ip pool\nadd name=rw ranges=10.8.0.10-10.8.0.11\n"
		 "/ip ipsec mode-config\nadd name=rw responder=yes address-pool=rw "
		 "split-include=10.2.0.0/24\n");
	struct conf_item *ida = conf_item_at(A.c, CONF_M_IDENTITY, 0);
	struct conf_item *idb = conf_item_at(B.c, CONF_M_IDENTITY, 0);

	ck_assert_int_eq(conf_set_text(A.c, ida, CONF_IDENTITY_MODE_CONFIG, "request-only"), 0);
	ck_assert_int_eq(conf_set_text(B.c, idb, CONF_IDENTITY_MODE_CONFIG, "rw"), 0);
	b_tx = a_tx_after_status = 0;
	filter = lose_modecfg_request;
	start();
	run_until(1000 + 30);
	ck_assert_uint_eq(b_tx, 3); /* XAuth REQUEST, its status, then the push */
	ck_assert_uint_ge(a_tx_after_status, 2);
	ck_assert_uint_eq(established(&A), 1);

	struct walk wa = walk(&A), wb = walk(&B);
	char a[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET, wa.i[0].dynamic_address.bytes, a, sizeof(a));
	ck_assert_str_eq(a, "10.8.0.10");
	inet_ntop(AF_INET, wb.i[0].dynamic_address.bytes, a, sizeof(a));
	ck_assert_str_eq(a, "10.8.0.10");
	ck_assert_uint_eq(leases(&B).held, 1);
	check_child_pair(NULL, NULL);
}
END_TEST

/* Counts b's transaction messages, drops nothing. */
static bool count_transactions(bool from_a, struct fake_dgram *d)
{
	if (!from_a && d->len > 18 && d->data[18] == 6)
		b_tx++;
	return true;
}

/* An IKEv1 mode-config client with no static policy: after XAuth and mode-config it starts
 * quick mode from its template (its address to the template's dst-address), and both ends
 * generate their policies; a rekey keeps them (the same client's policies are shared by
 * the new SA, not refused as another client's). */
START_TEST(test_v1_modecfg_client_template)
{
	uint32_t old_in, new_in;

	xauth_up("secret-pw", "/ip ipsec policy\nadd template=yes dst-address=10.2.0.0/24\n",
		 "/ip pool\nadd name=rw ranges=10.8.0.10-10.8.0.11\n"
		 "/ip ipsec mode-config\nadd name=rw responder=yes address-pool=rw\n"
		 "/ip ipsec policy\nadd template=yes src-address=10.2.0.0/24 "
		 "dst-address=10.8.0.0/24\n");
	struct conf_item *ida = conf_item_at(A.c, CONF_M_IDENTITY, 0);
	struct conf_item *idb = conf_item_at(B.c, CONF_M_IDENTITY, 0);

	ck_assert_int_eq(conf_set_text(A.c, ida, CONF_IDENTITY_MODE_CONFIG, "request-only"), 0);
	ck_assert_int_eq(conf_set_text(A.c, ida, CONF_IDENTITY_GENERATE_POLICY, "port-strict"), 0);
	ck_assert_int_eq(
		conf_set_text(A.c, (struct conf_item *)policy_of(&A), CONF_POLICY_DISABLED, "yes"),
		0);
	ck_assert_int_eq(conf_set_text(B.c, idb, CONF_IDENTITY_MODE_CONFIG, "rw"), 0);
	ck_assert_int_eq(conf_set_text(B.c, idb, CONF_IDENTITY_GENERATE_POLICY, "port-strict"), 0);
	ck_assert_int_eq(
		conf_set_text(B.c, (struct conf_item *)policy_of(&B), CONF_POLICY_DISABLED, "yes"),
		0);
	start();
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(gen_policies(&A), 1);
	ck_assert_uint_eq(gen_policies(&B), 1);
	ck_assert_ptr_nonnull(sp_of(&A, KERN_DIR_OUT, "10.8.0.10", 32, "10.2.0.0", 24));
	ck_assert_ptr_nonnull(sp_of(&B, KERN_DIR_OUT, "10.2.0.0", 24, "10.8.0.10", 32));
	ck_assert_uint_eq(fake_kern_nsa(A.k, false), 2);
	ck_assert_uint_eq(sa_to(&A, "192.0.2.1")->reqid, sa_to(&A, "192.0.2.2")->reqid);
	old_in = sa_to(&A, "192.0.2.1")->id.spi;

	struct kern_sa_id id = sa_to(&A, "192.0.2.1")->id;

	ike_expire(A.ike, &id, false);
	settle();
	ck_assert_uint_eq(fake_kern_nsa(A.k, false), 2);
	new_in = sa_to(&A, "192.0.2.1")->id.spi;
	ck_assert_uint_ne(new_in, old_in);
	ck_assert_uint_eq(gen_policies(&A), 1);
	ck_assert_uint_eq(gen_policies(&B), 1);
	ck_assert_ptr_nonnull(sp_of(&B, KERN_DIR_OUT, "10.2.0.0", 24, "10.8.0.10", 32));
}
END_TEST

/* A client that asks is answered and never pushed to: b sends no SET after XAuth's. */
START_TEST(test_v1_modecfg_pull_no_push)
{
	xauth_up("secret-pw", "",
		 "/ip pool\nadd name=rw ranges=10.8.0.10-10.8.0.11\n"
		 "/ip ipsec mode-config\nadd name=rw responder=yes address-pool=rw\n");
	struct conf_item *ida = conf_item_at(A.c, CONF_M_IDENTITY, 0);
	struct conf_item *idb = conf_item_at(B.c, CONF_M_IDENTITY, 0);

	ck_assert_int_eq(conf_set_text(A.c, ida, CONF_IDENTITY_MODE_CONFIG, "request-only"), 0);
	ck_assert_int_eq(conf_set_text(B.c, idb, CONF_IDENTITY_MODE_CONFIG, "rw"), 0);
	b_tx = a_tx_after_status = 0;
	filter = count_transactions;
	start();
	run_until(1000 + 30);
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(b_tx, 3); /* XAuth REQUEST, its status, the REPLY: no SET more */
}
END_TEST

/* The responder accepts no transform of ours: it answers NO-PROPOSAL-CHOSEN in the
 * clear, and the initiator gives up at once instead of retransmitting into the void
 * (strongSwan answers so, and so does ipsecd). */
START_TEST(test_v1_no_proposal_chosen)
{
	struct opts o = defaults;

	o.a.mode = o.b.mode = "main";
	o.b.p1_enc = "aes-128";
	ends_up(&o);
	start();
	ck_assert_uint_eq(walk(&B).n, 0);
	ck_assert_msg(walk(&A).n == 0, "malformed %llu dropped %llu nosa %llu",
		      (unsigned long long)ike_stats(A.ike)->rx_malformed,
		      (unsigned long long)ike_stats(A.ike)->rx_dropped,
		      (unsigned long long)ike_stats(A.ike)
			      ->rx_no_sa); /* without waiting for a retransmission */
	ck_assert_uint_eq(ike_stats(A.ike)->retransmits, 0);
	ck_assert_uint_eq(ike_stats(A.ike)->failed, 1);
	ck_assert_uint_eq(ike_stats(B.ike)->failed, 1);
	ck_assert_uint_eq(fake_kern_nsa(A.k, false), 0);
}
END_TEST

/* Phase 1 agrees, the ESP proposals do not: b refuses the quick mode with an encrypted
 * NO-PROPOSAL-CHOSEN, a drops it at once (no retransmissions), logs both its offer and the
 * refusal, gives the SPI it reserved back, and keeps the ISAKMP SA. */
START_TEST(test_v1_quick_mode_refused)
{
	struct opts o = defaults;
	char why[200];

	o.a.mode = o.b.mode = "main";
	o.b.esp_enc = "aes-128-cbc";
	ends_up(&o);
	start();
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(established(&B), 1);
	ck_assert_uint_eq(ph2(&A), 0);
	last_error(&A, why);
	ck_assert_msg(strstr(why, "refused by the peer: NO-PROPOSAL-CHOSEN (we offered "
				  "aes-256-cbc/sha256") != NULL,
		      "a: %s", why);
	ck_assert_uint_eq(ike_stats(A.ike)->retransmits, 0);
	ck_assert_uint_eq(fake_kern_nsa(A.k, true), 0);
	ck_assert_uint_eq(fake_kern_nsa(B.k, true), 0);
}
END_TEST

/* Both SAs of the pair reach their soft lifetime (the kernel reports each): one quick
 * mode rekeys the pair, not two. */
START_TEST(test_v1_soft_expiry_both_sas)
{
	uint32_t old_in, old_out, new_in, new_out;

	v1_up("main");
	start();
	check_child_pair(&old_in, &old_out);
	struct kern_sa_id in = sa_to(&A, "192.0.2.1")->id, out = sa_to(&A, "192.0.2.2")->id;

	ike_expire(A.ike, &in, false);
	ike_expire(A.ike, &out, false);
	settle();
	ck_assert_uint_eq(ph2(&A), 1);
	ck_assert_uint_eq(ph2(&B), 1);
	check_child_pair(&new_in, &new_out);
	ck_assert_uint_ne(new_in, old_in);
	ck_assert(fake_kern_deleted(B.k, IPPROTO_ESP, old_in));
	ck_assert(fake_kern_deleted(B.k, IPPROTO_ESP, old_out));
}
END_TEST

/* At 90% of the ISAKMP SA's lifetime a new one replaces it: without INITIAL-CONTACT (b
 * keeps the old one's IPsec SAs until they are rekeyed), the IPsec SAs are rekeyed under
 * the new one; the old pair and the old ISAKMP SA are deleted at both ends 2 s later (a
 * strongSwan peer moves the old pairs to the new IKE_SA first); one ISAKMP SA and one
 * pair are left, the same at both ends. */
START_TEST(test_v1_isakmp_replaced)
{
	struct opts o = defaults;
	uint32_t old_in, old_out, new_in, new_out;

	o.a.mode = o.b.mode = "main";
	o.a.lifetime = o.b.lifetime = "100s";
	ends_up(&o);
	start();
	check_child_pair(&old_in, &old_out);
	struct walk w0 = walk(&A);

	run_until(1000 + 89);
	ck_assert_uint_eq(walk(&A).i[0].serial, w0.i[0].serial);
	run_until(1000 + 91); /* replaced and rekeyed: the old ones wait */
	ck_assert_uint_eq(walk(&A).n, 2);
	ck_assert(!fake_kern_deleted(B.k, IPPROTO_ESP, old_in));
	run_until(1000 + 95);

	struct walk wa = walk(&A), wb = walk(&B);

	ck_assert_uint_eq(wa.n, 1);
	ck_assert_uint_eq(wb.n, 1);
	ck_assert_uint_ne(wa.i[0].serial, w0.i[0].serial);
	ck_assert_str_eq(wa.state[0], "established");
	ck_assert_str_eq(wb.state[0], "established");
	ck_assert_uint_eq(wa.i[0].spi_i, wb.i[0].spi_i);
	ck_assert_uint_eq(wa.i[0].ph2_total, 1);
	ck_assert_uint_eq(wb.i[0].ph2_total, 1);
	check_child_pair(&new_in, &new_out);
	ck_assert_uint_ne(new_in, old_in);
	ck_assert(fake_kern_deleted(B.k, IPPROTO_ESP, old_in));
	ck_assert(!fake_kern_deleted(B.k, IPPROTO_ESP, new_in));
	ck_assert(!fake_kern_deleted(A.k, IPPROTO_ESP, new_out));
}
END_TEST

static bool drop_quick_mode(bool from_a, struct fake_dgram *d)
{
	(void)from_a;
	return d->len < 19 || d->data[18] != 32; /* IKEv1 QUICK */
}

static unsigned info_to_drop;

/* Drops the next info_to_drop informational messages of a's (its deletes of IPsec SAs
 * before that of the ISAKMP SA). */
static bool drop_info_from_a(bool from_a, struct fake_dgram *d)
{
	if (from_a && d->len > 19 && d->data[18] == 5 && info_to_drop) {
		info_to_drop--;
		return false;
	}
	return drop_quick_mode(from_a, d);
}

/* The peer deletes an ISAKMP SA whose IPsec SAs it has not rekeyed, having made a newer
 * one (strongSwan reauthenticating does that): the newer one takes the IPsec SAs, which
 * stay in the kernel. Here a's replacement's quick modes are lost, and a deletes its old
 * ISAKMP SA (kill) and b gets only that delete, not the one of the IPsec SAs: b keeps the
 * pair. */
START_TEST(test_v1_peer_deletes_replaced_isakmp)
{
	struct opts o = defaults;
	uint32_t old_in, old_out;

	o.a.mode = o.b.mode = "main";
	o.a.lifetime = o.b.lifetime = "100s";
	ends_up(&o);
	start();
	check_child_pair(&old_in, &old_out);
	uint32_t first = walk(&A).i[0].serial;

	filter = drop_quick_mode;
	run_until(1000 + 91);
	ck_assert_uint_eq(walk(&A).n, 2);
	ck_assert_uint_eq(walk(&B).n, 2);
	struct ike_kill_filter f = {.serial = first};

	info_to_drop = 1;
	filter = drop_info_from_a;
	ck_assert_int_eq(ike_kill_where(A.ike, &f), 1);
	settle();

	struct walk wb = walk(&B);

	ck_assert_uint_eq(wb.n, 1);
	ck_assert_uint_eq(wb.i[0].ph2_total, 1);
	ck_assert_uint_eq(ph2(&B), 1);
	ck_assert(!fake_kern_deleted(B.k, IPPROTO_ESP, old_in));
	ck_assert(!fake_kern_deleted(B.k, IPPROTO_ESP, old_out));
}
END_TEST

/* NAT-T (RFC 3947) with a behind a NAT, in main or aggressive mode: both find the NAT
 * by NAT-D, a moves to 4500 and b follows it to the NAT's port, and the IPsec SAs at both
 * ends are UDP-encapsulated between the ports really used. */
static void v1_nat(const char *mode)
{
	struct opts o = defaults;

	o.a.mode = o.b.mode = mode;
	o.b.peer = "198.51.100.7";
	ends_up(&o);
	filter = nat_a;
	lenient_net = true;
	start();
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(established(&B), 1);
	struct walk wa = walk(&A), wb = walk(&B);

	ck_assert(wa.i[0].natt);
	ck_assert(wb.i[0].natt);
	ck_assert_uint_eq(wb.i[0].remote.port, 40001);
	ck_assert_uint_eq(wa.i[0].remote.port, 4500);

	const struct kern_sa *ao = sa_to(&A, "192.0.2.2"), *ai = sa_to(&A, "192.0.2.1");
	const struct kern_sa *bo = sa_to(&B, "198.51.100.7"), *bi = sa_to(&B, "192.0.2.2");

	same_keys(ao, bi);
	same_keys(bo, ai);
	ck_assert_uint_eq(ao->encap_sport, 4500);
	ck_assert_uint_eq(ao->encap_dport, 4500);
	ck_assert_uint_eq(bi->encap_sport, 40001);
	ck_assert_uint_eq(bo->encap_dport, 40001);
	ck_assert_uint_eq(bo->encap_sport, 4500);
}

START_TEST(test_v1_nat_main)
{
	v1_nat("main");
}
END_TEST

START_TEST(test_v1_nat_aggressive)
{
	v1_nat("aggressive");
}
END_TEST

/* Loses b's first encrypted main mode message (its last: ID, HASH_R). */
static bool lose_mm6(bool from_a, struct fake_dgram *d)
{
	if (!from_a && d->len > 19 && d->data[18] == 2 && (d->data[19] & 1) && !lost) {
		lost = copy_dgram(d);
		return false;
	}
	return true;
}

/* The responder's last main mode message is lost: a sends its ID and HASH_I again, and
 * b, established already, answers with its last message again (it could not decrypt the
 * repeat with phase 1's IV, which had moved on, and dropped it). */
START_TEST(test_v1_main_mode_last_lost)
{
	v1_up("main");
	filter = lose_mm6;
	start();
	ck_assert_ptr_nonnull(lost);
	ck_assert_uint_eq(established(&B), 1);
	ck_assert_uint_eq(established(&A), 0);
	run_until(1000 + 5);
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(established(&B), 1);
	check_child_pair(NULL, NULL);
	ck_assert_uint_eq(walk(&A).n, 1);
	ck_assert_uint_eq(walk(&B).n, 1);
}
END_TEST

/* The peer deletes the ISAKMP SA alone (not its IPsec SAs) and no newer one is there:
 * b holds the pair for a new ISAKMP SA of the peer's (strongSwan, reauthenticating,
 * deletes the old IKE_SA before the new one may be up); the next one takes it, when it
 * comes without INITIAL-CONTACT (with one, the peer says it has nothing: the held pair
 * goes). Without a new one, the pair goes after 30 s. */
START_TEST(test_v1_peer_deletes_isakmp_alone)
{
	struct opts o = defaults;
	uint32_t old_in, old_out;

	o.a.mode = o.b.mode = "main";
	o.a.peer_extra = " send-initial-contact=no";
	ends_up(&o);
	start();
	check_child_pair(&old_in, &old_out);
	info_to_drop = 1;
	filter = drop_info_from_a;
	ck_assert_int_eq(ike_kill(A.ike, NULL), 1);
	settle();
	ck_assert_uint_eq(walk(&B).n, 1);
	ck_assert_str_eq(walk(&B).state[0], "deleting");
	ck_assert(!fake_kern_deleted(B.k, IPPROTO_ESP, old_in));
	filter = NULL;
	ike_apply(A.ike, A.c); /* a comes again: a new ISAKMP SA, and a quick mode */
	settle();
	struct walk wb = walk(&B);

	ck_assert_uint_eq(wb.n, 1);
	ck_assert_str_eq(wb.state[0], "established");
	ck_assert_uint_eq(wb.i[0].ph2_total, 2); /* the held pair and the new one */
	ck_assert(!fake_kern_deleted(B.k, IPPROTO_ESP, old_in));

	/* again, and a comes back with INITIAL-CONTACT: it deleted the ISAKMP SA just
	 * before, so its IPsec SAs are not lost (strongSwan reauthenticating does so) and
	 * the held pair is taken too */
	struct conf *was = A.c;

	info_to_drop = 1;
	filter = drop_info_from_a;
	ck_assert_int_eq(ike_kill(A.ike, NULL), 1);
	settle();
	ck_assert_uint_eq(walk(&B).n, 1);
	ck_assert_str_eq(walk(&B).state[0], "deleting");
	filter = NULL;
	o.a.peer_extra = NULL;
	A.c = conf_for(0, &o.a);
	ike_apply(A.ike, A.c);
	conf_free(was);
	settle();
	wb = walk(&B);
	ck_assert_uint_eq(wb.n, 1);
	ck_assert_str_eq(wb.state[0], "established");
	ck_assert_uint_eq(wb.i[0].ph2_total, 3);
	ck_assert(!fake_kern_deleted(B.k, IPPROTO_ESP, old_in));

	/* again, and this time nobody comes: the held pairs go after 30 s */
	info_to_drop = 1;
	filter = drop_info_from_a;
	ck_assert_int_eq(ike_kill(A.ike, NULL), 1);
	settle();
	ck_assert(!fake_kern_deleted(B.k, IPPROTO_ESP, old_in));
	run_until(1000 + 29);
	ck_assert_uint_eq(walk(&B).n, 1);
	run_until(1000 + 31);
	ck_assert_uint_eq(walk(&B).n, 0);
	ck_assert(fake_kern_deleted(B.k, IPPROTO_ESP, old_in));
	ck_assert_uint_eq(fake_kern_nsa(B.k, true), 0);
}
END_TEST

/* installed-sa flush (the SAs removed under the engine): a deletes the IPsec SAs with b,
 * keeps the ISAKMP SA, and the next ACQUIRE makes a new quick mode in it. */
START_TEST(test_v1_flush_then_acquire)
{
	uint32_t a_in, a_out;

	v1_up("main");
	start();
	check_child_pair(&a_in, &a_out);
	struct kern_sa_id id = sa_to(&A, "192.0.2.1")->id;

	ike_sa_deleted(A.ike, &id);
	settle();
	ck_assert(fake_kern_deleted(B.k, IPPROTO_ESP, a_in));
	ck_assert(fake_kern_deleted(B.k, IPPROTO_ESP, a_out));
	ck_assert_uint_eq(ph2(&A), 0);
	ck_assert_uint_eq(ph2(&B), 0);
	ck_assert_uint_eq(established(&A), 1);
	acquire_a();
	ck_assert_uint_eq(ph2(&A), 1);
	ck_assert_uint_eq(ph2(&B), 1);
	check_child_pair(NULL, NULL);
	ck_assert_uint_eq(walk(&A).n, 1);
}
END_TEST

/* After a kill, traffic (an ACQUIRE) brings a new ISAKMP SA and its quick mode up. */
START_TEST(test_v1_kill_then_acquire)
{
	v1_up("main");
	start();
	ck_assert_int_eq(ike_kill(A.ike, NULL), 1);
	settle();
	ck_assert_uint_eq(established(&A), 0);
	acquire_a();
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(established(&B), 1);
	check_child_pair(NULL, NULL);
}
END_TEST

/* generate-policy over IKEv1: b has no policy of its own for a; a template takes a's
 * quick mode IDs as they are, and its policies come and go with the IPsec SA. */
START_TEST(test_v1_generate_policy)
{
	struct opts o = defaults;

	o.a.mode = o.b.mode = "main";
	o.b.prefix = "/ip ipsec policy\nadd template=yes src-address=10.2.0.0/16 "
		     "dst-address=10.1.0.0/16\n";
	ends_up(&o);
	struct conf_item *idb = conf_item_at(B.c, CONF_M_IDENTITY, 0);
	struct conf_item *polb = (struct conf_item *)policy_of(&B);

	ck_assert_int_eq(conf_set_text(B.c, idb, CONF_IDENTITY_GENERATE_POLICY, "port-strict"), 0);
	ck_assert_int_eq(conf_set_text(B.c, polb, CONF_POLICY_DISABLED, "yes"), 0);
	start();
	ck_assert_uint_eq(established(&B), 1);
	ck_assert_uint_eq(fake_kern_nsa(B.k, false), 2);
	ck_assert_uint_eq(gen_policies(&B), 1);
	ck_assert_ptr_nonnull(sp_of(&B, KERN_DIR_OUT, "10.2.0.0", 24, "10.1.0.0", 24));
	ck_assert_int_eq(ike_kill(B.ike, NULL), 1);
	settle();
	ck_assert_uint_eq(gen_policies(&B), 0);
	ck_assert_uint_eq(fake_kern_nsp(B.k), 0);
}
END_TEST

/* L2TP/IPsec from behind a NAT: a asks for transport mode between its own address and
 * b's; b generates the policy from a template, and in b's kernel the client end is the
 * NAT's address (what b sees after decapsulation), not the private one a's IDs or
 * traffic selectors name. Both versions. */
static void generate_transport_behind_nat(const char *mode)
{
	struct opts o = defaults;

	o.a.mode = o.b.mode = mode;
	o.b.peer = "198.51.100.7";
	o.b.prefix = "/ip ipsec policy\nadd template=yes src-address=0.0.0.0/0 "
		     "dst-address=0.0.0.0/0\n";
	ends_up(&o);
	struct conf_item *pola = (struct conf_item *)policy_of(&A);
	struct conf_item *idb = conf_item_at(B.c, CONF_M_IDENTITY, 0);
	struct conf_item *polb = (struct conf_item *)policy_of(&B);

	ck_assert_int_eq(conf_set_text(A.c, pola, CONF_POLICY_TUNNEL, "no"), 0);
	ck_assert_int_eq(conf_set_text(A.c, pola, CONF_POLICY_SRC_ADDRESS, "192.0.2.1/32"), 0);
	ck_assert_int_eq(conf_set_text(A.c, pola, CONF_POLICY_DST_ADDRESS, "192.0.2.2/32"), 0);
	ck_assert_int_eq(conf_set_text(B.c, idb, CONF_IDENTITY_GENERATE_POLICY, "port-strict"), 0);
	ck_assert_int_eq(conf_set_text(B.c, polb, CONF_POLICY_DISABLED, "yes"), 0);
	filter = nat_a;
	lenient_net = true;
	start();
	ck_assert_uint_eq(established(&B), 1);
	ck_assert_uint_eq(gen_policies(&B), 1);
	ck_assert(!sa_to(&B, "198.51.100.7")->tunnel);
	ck_assert_ptr_nonnull(sp_of(&B, KERN_DIR_OUT, "192.0.2.2", 32, "198.51.100.7", 32));
	ck_assert_ptr_nonnull(sp_of(&B, KERN_DIR_IN, "198.51.100.7", 32, "192.0.2.2", 32));
	ck_assert_ptr_null(sp_of(&B, KERN_DIR_OUT, "192.0.2.2", 32, "192.0.2.1", 32));
}

START_TEST(test_v1_generate_transport_behind_nat)
{
	generate_transport_behind_nat("main");
}
END_TEST

START_TEST(test_v2_generate_transport_behind_nat)
{
	generate_transport_behind_nat(NULL);
}
END_TEST

static uint64_t bad_total(const struct ike_stats *st)
{
	return st->rx_no_sa + st->rx_malformed + st->rx_dropped;
}

/* The inputs that broke other IKEv1 daemons are dropped and counted, never answered with
 * state: a quick mode for an ISAKMP SA still in phase 1, an aggressive mode message with
 * a responder cookie nobody gave, IKEv2 payloads under an IKEv1 header and the reverse,
 * a notify whose SPI is over 16 bytes, and a delete of SAs that are gone. */
START_TEST(test_v1_bad_inputs)
{
	uint8_t msg[64] = {1, 2, 3, 4, 5, 6, 7, 8};
	struct net_pkt p = {.data = msg, .len = 28};
	const struct ike_stats *st;
	struct fake_dgram *d;

	v1_up("main");
	p.remote = at("192.0.2.1", 500);
	p.local = at("192.0.2.2", 500);
	st = ike_stats(B.ike);
	/* aggressive mode with a responder cookie b never gave */
	memset(msg + 8, 0x5a, 8);
	msg[17] = 0x10;
	msg[18] = IKEV1_EXCH_AGGRESSIVE;
	msg[27] = 28;
	ike_recv(B.ike, &p);
	ck_assert_uint_eq(bad_total(st), 1);
	/* a quick mode for no ISAKMP SA: no SA, dropped */
	msg[18] = IKEV1_EXCH_QUICK;
	msg[19] = IKEV1_FLAG_ENCRYPTION;
	msg[20] = 0x11; /* message ID */
	ike_recv(B.ike, &p);
	ck_assert_uint_eq(bad_total(st), 2);
	/* an IKEv2 IKE_SA_INIT's payloads under an IKEv1 header: malformed */
	memset(msg + 8, 0, 8);
	msg[16] = 33; /* IKEv2 SA */
	msg[18] = IKEV1_EXCH_IDPROT;
	msg[19] = 0;
	msg[20] = 0;
	msg[27] = 32;
	msg[28] = 0, msg[29] = 0x80, msg[30] = 0, msg[31] = 4;
	p.len = 32;
	ike_recv(B.ike, &p);
	ck_assert_uint_eq(bad_total(st), 3);
	/* a notify with a 17-byte SPI (in the clear) */
	msg[16] = IKEV1_PLD_NOTIFY;
	msg[18] = IKEV1_EXCH_INFORMATIONAL;
	memset(msg + 28, 0, 36);
	msg[31] = 36;		   /* payload length 12 + 17 + data */
	msg[35] = 1;		   /* DOI */
	msg[36] = 1, msg[37] = 17; /* protocol, SPI size */
	msg[27] = 64;
	p.len = 64;
	ike_recv(B.ike, &p);
	ck_assert_uint_eq(bad_total(st), 4);
	ck_assert_uint_eq(fake_net_queued(B.n), 0); /* none of it was answered */
	ck_assert_uint_eq(walk(&B).n, 0);
	/* a real exchange, then a quick mode from a before b finished phase 1 */
	ike_apply(B.ike, B.c);
	ike_apply(A.ike, A.c);
	fake_loop_run_due(lp);		  /* a initiates */
	while ((d = fake_net_pop(A.n))) { /* a's first message to b only */
		deliver(&B, d);
		free(d);
		break;
	}
	ck_assert_uint_eq(walk(&B).n, 1);
	memcpy(msg, &(uint64_t){0}, 8);
	d = fake_net_pop(B.n); /* b's answer: its cookie */
	ck_assert_ptr_nonnull(d);
	memcpy(msg, d->data, 16);
	free(d);
	memset(msg + 16, 0, 12);
	msg[16] = IKEV1_PLD_HASH;
	msg[17] = 0x10;
	msg[18] = IKEV1_EXCH_QUICK;
	msg[19] = IKEV1_FLAG_ENCRYPTION;
	msg[20] = 0x22;
	msg[27] = 44;
	p.len = 44;
	uint64_t before = bad_total(st);

	ike_recv(B.ike, &p);
	ck_assert_uint_eq(bad_total(st), before + 1);
	ck_assert_uint_eq(fake_net_queued(B.n), 0);
	/* both ends up (a repeats its first message, whose answer the test took), then a
	 * deletes twice: the second finds nothing and changes nothing */
	run_until(fake_loop_next(lp) + 1);
	ck_assert_uint_eq(established(&B), 1);
	ck_assert_int_eq(ike_kill(A.ike, NULL), 1);
	settle();
	ck_assert_int_eq(ike_kill(A.ike, NULL), 0);
	settle();
	ck_assert_uint_eq(established(&B), 0);
}
END_TEST

/* --- IKEv1 lifetimes (proposal-check) --- */

/* a's proposal lifetime a_life against b's 30m under b's proposal-check. */
static void v1_life_up(const char *a_life, const char *check)
{
	static char a_esp[64], b_p1[64];
	struct opts o = defaults;

	o.a.mode = o.b.mode = "main";
	snprintf(a_esp, sizeof(a_esp), "aes-256-cbc lifetime=%s", a_life);
	snprintf(b_p1, sizeof(b_p1), "aes-256 proposal-check=%s", check);
	o.a.esp_enc = a_esp;
	o.b.p1_enc = b_p1;
	ends_up(&o);
	start();
}

/* claim: b takes its shorter 30 minutes and says so (RESPONDER-LIFETIME); a installs
 * those, not its hour. */
START_TEST(test_v1_life_claim)
{
	v1_life_up("1h", "claim");
	check_child_pair(NULL, NULL);
	ck_assert_uint_eq(sa_to(&B, "192.0.2.1")->lft.hard_add, 1800);
	ck_assert_uint_eq(sa_to(&A, "192.0.2.2")->lft.hard_add, 1800);
	ck_assert_uint_eq(sa_to(&A, "192.0.2.1")->lft.hard_add, 1800);
}
END_TEST

/* strict: a shorter lifetime is taken by both ends, a longer one refused. */
START_TEST(test_v1_life_strict)
{
	v1_life_up("10m", "strict");
	check_child_pair(NULL, NULL);
	ck_assert_uint_eq(sa_to(&B, "192.0.2.1")->lft.hard_add, 600);
	ck_assert_uint_eq(sa_to(&B, "192.0.2.2")->lft.hard_add, 600);
	ck_assert_uint_eq(sa_to(&A, "192.0.2.2")->lft.hard_add, 600);
}
END_TEST

START_TEST(test_v1_life_strict_longer)
{
	v1_life_up("1h", "strict");
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(fake_kern_nsa(A.k, false), 0);
	ck_assert_uint_eq(fake_kern_nsa(B.k, false), 0);
}
END_TEST

/* --- IKEv1 base mode --- */

static unsigned base_msgs[2]; /* base mode datagrams seen, from a and from b */

static bool count_base(bool from_a, struct fake_dgram *d)
{
	if (d->len > 19 && d->data[18] == IKEV1_EXCH_BASE)
		base_msgs[from_a ? 0 : 1]++;
	return true;
}

/* Base mode with a pre-shared key (a initiates, b answers), then quick mode: four
 * messages in the clear, two each way, and the same ESP SAs at both ends. */
START_TEST(test_v1_base_mode)
{
	v1_up("base");
	base_msgs[0] = base_msgs[1] = 0;
	filter = count_base;
	start();
	ck_assert_uint_eq(base_msgs[0], 2);
	ck_assert_uint_eq(base_msgs[1], 2);
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(established(&B), 1);
	check_child_pair(NULL, NULL);
	ck_assert_uint_eq(ph2(&A), 1);
	ck_assert_uint_eq(ph2(&B), 1);
	ck_assert_uint_eq(ike_stats(A.ike)->retransmits, 0);
}
END_TEST

/* Different keys: b finds HASH_I wrong and says AUTHENTICATION-FAILED; a gives up at once
 * (no retransmission), nothing is installed at either end. */
START_TEST(test_v1_base_wrong_psk)
{
	struct opts o = defaults;

	o.a.mode = o.b.mode = "base";
	o.b.secret = "another-secret-0123456789";
	ends_up(&o);
	start();
	ck_assert_uint_eq(walk(&A).n, 0);
	ck_assert_uint_eq(walk(&B).n, 0);
	ck_assert_uint_eq(ike_stats(B.ike)->rx_auth_failed, 1);
	ck_assert_uint_eq(ike_stats(A.ike)->retransmits, 0);
	ck_assert_uint_eq(ike_stats(A.ike)->failed, 1);
	ck_assert_uint_eq(fake_kern_nsa(A.k, false), 0);
	ck_assert_uint_eq(fake_kern_nsa(B.k, false), 0);
}
END_TEST

static bool drop_all_info_from_a(bool from_a, struct fake_dgram *d)
{
	return !(from_a && d->len > 19 && d->data[18] == IKEV1_EXCH_INFORMATIONAL);
}

/* a lost its state in base mode (its deletes never arrived) and comes again: base mode's
 * messages are all in the clear, so its INITIAL-CONTACT follows phase 1 in a protected
 * informational; b drops the old ISAKMP SA with its IPsec SAs. With
 * send-initial-contact=no, b keeps both. */
static void base_comes_again(const char *peer_extra, uint32_t *old_in)
{
	struct opts o = defaults;
	uint32_t old_out;

	o.a.mode = o.b.mode = "base";
	o.a.peer_extra = peer_extra;
	ends_up(&o);
	start();
	check_child_pair(old_in, &old_out);
	filter = drop_all_info_from_a;
	ck_assert_int_eq(ike_kill(A.ike, NULL), 1);
	settle();
	ck_assert_uint_eq(established(&B), 1);
	filter = NULL;
	ike_apply(A.ike, A.c);
	settle();
	ck_assert_uint_eq(established(&A), 1);
}

START_TEST(test_v1_base_initial_contact)
{
	uint32_t old_in;

	base_comes_again(NULL, &old_in);
	ck_assert_uint_eq(walk(&B).n, 1);
	ck_assert_uint_eq(established(&B), 1);
	ck_assert(fake_kern_deleted(B.k, IPPROTO_ESP, old_in));
	ck_assert_uint_eq(ph2(&B), 1);
}
END_TEST

START_TEST(test_v1_base_no_initial_contact)
{
	uint32_t old_in;

	base_comes_again(" send-initial-contact=no", &old_in);
	ck_assert_uint_eq(walk(&B).n, 2);
	ck_assert(!fake_kern_deleted(B.k, IPPROTO_ESP, old_in));
}
END_TEST

/* One end in base mode, the other in main mode: b answers nothing, nothing is made. */
START_TEST(test_v1_base_against_main)
{
	struct opts o = defaults;

	o.a.mode = "base";
	o.b.mode = "main";
	ends_up(&o);
	start();
	ck_assert_uint_eq(walk(&B).n, 0);
	ck_assert_uint_eq(established(&A), 0);
	ck_assert_uint_eq(fake_kern_nsa(B.k, false), 0);
}
END_TEST

/* a behind a NAT: the NAT-D of messages 3 and 4 find it, a moves to port 4500 with its
 * quick mode and b follows it there; the ESP SAs are UDP-encapsulated. */
START_TEST(test_v1_base_nat)
{
	v1_nat("base");
}
END_TEST

/* XAuth after base mode: the transaction exchange runs as after main mode. */
START_TEST(test_v1_base_xauth)
{
	xauth_up_mode("base", "secret-pw", "", "");
	start();
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(established(&B), 1);
	check_child_pair(NULL, NULL);
}
END_TEST

START_TEST(test_v1_base_xauth_wrong_password)
{
	xauth_up_mode("base", "another-pw", "", "");
	start();
	ck_assert_uint_eq(fake_kern_nsa(A.k, false), 0);
	ck_assert_uint_eq(fake_kern_nsa(B.k, false), 0);
	ck_assert_uint_eq(established(&B), 0);
}
END_TEST

/* --- IKEv1 fragmentation --- */

static unsigned v1_frags[2]; /* IKEv1 fragment datagrams seen, from a and from b */

static bool count_v1_frags(bool from_a, struct fake_dgram *d)
{
	if (d->len > IKEV1_HDR_LEN && d->data[16] == IKEV1_PLD_FRAGMENT)
		v1_frags[from_a ? 0 : 1]++;
	return true;
}

/* Both ends announce fragmentation; with a fragment size of 200 bytes main mode's messages
 * from the second on go in fragments both ways (the first cannot: the peer has not
 * announced it yet), are made whole, and the tunnel comes up. */
START_TEST(test_v1_frag_handshake)
{
	v1_up("main");
	ike_set_fragment_size(A.ike, 200);
	ike_set_fragment_size(B.ike, 200);
	v1_frags[0] = v1_frags[1] = 0;
	filter = count_v1_frags;
	start();
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(established(&B), 1);
	check_child_pair(NULL, NULL);
	ck_assert_uint_gt(v1_frags[0], 1);
	ck_assert_uint_gt(v1_frags[1], 1);
	ck_assert_uint_ge(ike_stats(A.ike)->rx_reassembled, 1);
	ck_assert_uint_ge(ike_stats(B.ike)->rx_reassembled, 1);
	ck_assert_uint_eq(ike_stats(A.ike)->rx_frag_dropped, 0);
	ck_assert_uint_eq(ikev1_frag_held(A.ike) + ikev1_frag_held(B.ike), 0);
	ck_assert(wire[0].from_a && wire[0].exch == IKEV1_EXCH_IDPROT);
	for (unsigned i = 1; i < nwire; i++) /* but the first, none larger than the size */
		ck_assert_msg(wire[i].len <= 200 - 28, "datagram %u: %zu bytes", i, wire[i].len);
}
END_TEST

/* No fragmentation at b (size 0): a's messages go whole, b announces nothing, and a
 * fragment that comes all the same is dropped. */
START_TEST(test_v1_frag_off)
{
	v1_up("main");
	ike_set_fragment_size(A.ike, 200);
	ike_set_fragment_size(B.ike, 0);
	v1_frags[0] = v1_frags[1] = 0;
	filter = count_v1_frags;
	start();
	ck_assert_uint_eq(established(&B), 1);
	ck_assert_uint_eq(v1_frags[0] + v1_frags[1], 0);
}
END_TEST

/* a's first main mode message, held back: the tests cut it into fragments for b. */
static struct fake_dgram *v1_first;

static bool hold_v1_first(bool from_a, struct fake_dgram *d)
{
	if (from_a && !v1_first && d->len > IKEV1_HDR_LEN && d->data[18] == IKEV1_EXCH_IDPROT) {
		v1_first = copy_dgram(d);
		return false;
	}
	return true;
}

/* a's first messages (no responder cookie yet): its retransmissions of the held one. */
static bool drop_v1_first(bool from_a, struct fake_dgram *d)
{
	static const uint8_t zero[8];

	return !from_a || d->len < IKEV1_HDR_LEN || memcmp(d->data + 8, zero, 8);
}

static void v1_first_up(void)
{
	v1_up("main");
	v1_first = NULL;
	filter = hold_v1_first;
	start();
	ck_assert_ptr_nonnull(v1_first);
	ck_assert_uint_eq(walk(&B).n, 0);
	filter = drop_v1_first;
}

static void v1_first_teardown(void)
{
	free(v1_first);
	v1_first = NULL;
}

/* A fragment datagram from a to b under v1_first's cookies: fragment id, number, the last
 * flag, and data. */
static void send_fragment(uint16_t id, unsigned num, bool last, const uint8_t *data, size_t len)
{
	struct ikev1_hdr h;
	struct ikev1_enc e;
	struct wbuf w;
	struct fake_dgram *d;

	ck_assert_int_eq(ikev1_decode_hdr(v1_first->data, v1_first->len, &h), 0);
	h.msgid = 0;
	h.flags = 0;
	wbuf_init(&w);
	ikev1_enc_begin(&e, &w, &h);
	ikev1_put_frag(&e, id, (uint8_t)num, last, data, len);
	ikev1_enc_end(&e);
	ck_assert(!w.err);
	d = malloc(sizeof(*d) + w.len);
	ck_assert_ptr_nonnull(d);
	*d = *v1_first;
	d->len = w.len;
	memcpy(d->data, w.p, w.len);
	deliver(&B, d);
	free(d);
	wbuf_free(&w);
}

/* Piece num of n of a's first message as fragment num. */
static void send_piece(unsigned num, unsigned n)
{
	size_t each = (v1_first->len + n - 1) / n, off = (num - 1) * each;
	size_t len = v1_first->len - off < each ? v1_first->len - off : each;

	send_fragment(1, num, num == n, v1_first->data + off, len);
}

/* b made a's first message whole and answered it: the handshake goes on to the end. */
static void v1_first_answered(void)
{
	settle();
	ck_assert_uint_eq(ike_stats(B.ike)->rx_reassembled, 1);
	ck_assert_uint_eq(ikev1_frag_held(B.ike), 0);
	ck_assert_uint_eq(established(&A), 1);
	ck_assert_uint_eq(established(&B), 1);
}

START_TEST(test_v1_frag_in_order)
{
	v1_first_up();
	for (unsigned i = 1; i <= 3; i++)
		send_piece(i, 3);
	v1_first_answered();
}
END_TEST

START_TEST(test_v1_frag_out_of_order)
{
	v1_first_up();
	send_piece(3, 4);
	send_piece(1, 4);
	ck_assert_uint_eq(walk(&B).n, 0);
	send_piece(4, 4);
	send_piece(2, 4);
	v1_first_answered();
}
END_TEST

/* Duplicates add nothing; the message is made whole once. */
START_TEST(test_v1_frag_duplicates)
{
	v1_first_up();
	send_piece(1, 3);
	send_piece(1, 3);
	send_piece(2, 3);
	send_piece(2, 3);
	send_piece(3, 3);
	v1_first_answered();
	ck_assert_uint_eq(walk(&B).n, 1);
}
END_TEST

/* A fragment numbered past IKEV1_FRAG_MAX is dropped: the message never comes whole and
 * goes at the timeout. */
START_TEST(test_v1_frag_too_many)
{
	uint8_t piece[8] = {0};

	v1_first_up();
	for (unsigned i = 1; i < IKEV1_FRAG_MAX; i++)
		send_fragment(1, i, false, piece, sizeof(piece));
	uint64_t malformed = ike_stats(B.ike)->rx_malformed;

	send_fragment(1, IKEV1_FRAG_MAX + 1, true, piece, sizeof(piece));
	ck_assert_uint_eq(ike_stats(B.ike)->rx_malformed, malformed + 1);
	ck_assert_uint_eq(ikev1_frag_held(B.ike), (IKEV1_FRAG_MAX - 1) * sizeof(piece));
	run_until(loop_now(lp) + IKEV1_FRAG_TIMEOUT + 1);
	ck_assert_uint_eq(ikev1_frag_held(B.ike), 0);
	ck_assert_uint_eq(ike_stats(B.ike)->rx_frag_dropped, 1);
	ck_assert_uint_eq(ike_stats(B.ike)->rx_reassembled, 0);
	ck_assert_uint_eq(walk(&B).n, 0);
}
END_TEST

/* Two fragments of three, then the reassembly timeout: they go; the third alone makes
 * nothing. */
START_TEST(test_v1_frag_timeout)
{
	v1_first_up();
	send_piece(1, 3);
	send_piece(2, 3);
	ck_assert_uint_gt(ikev1_frag_held(B.ike), 0);
	run_until(loop_now(lp) + IKEV1_FRAG_TIMEOUT - 1);
	ck_assert_uint_gt(ikev1_frag_held(B.ike), 0); /* not before its time */
	run_until(loop_now(lp) + 2);
	ck_assert_uint_eq(ikev1_frag_held(B.ike), 0);
	ck_assert_uint_eq(ike_stats(B.ike)->rx_frag_dropped, 1);
	send_piece(3, 3);
	settle();
	ck_assert_uint_eq(ike_stats(B.ike)->rx_reassembled, 0);
	ck_assert_uint_eq(walk(&B).n, 0);
}
END_TEST

/* More than a message can hold (65535 bytes): the set is refused, its parts freed, and
 * the rest of its fragments is not kept again. */
START_TEST(test_v1_frag_oversize)
{
	static uint8_t piece[1400];

	v1_first_up();
	for (unsigned i = 1; i <= 46; i++)
		send_fragment(1, i, false, piece, sizeof(piece));
	ck_assert_uint_eq(ikev1_frag_held(B.ike), 46 * sizeof(piece));
	ck_assert_uint_eq(ike_stats(B.ike)->rx_frag_dropped, 0);
	send_fragment(1, 47, false, piece, sizeof(piece)); /* 65800 bytes */
	ck_assert_uint_eq(ikev1_frag_held(B.ike), 0);
	ck_assert_uint_eq(ike_stats(B.ike)->rx_frag_dropped, 1);
	send_fragment(1, 48, false, piece, sizeof(piece));
	send_fragment(1, 49, true, piece, 10);
	ck_assert_uint_eq(ikev1_frag_held(B.ike), 0);
	ck_assert_uint_eq(ike_stats(B.ike)->rx_reassembled, 0);
	ck_assert_uint_eq(ike_stats(B.ike)->rx_frag_dropped, 1);
}
END_TEST

/* Fragments numbered past the one flagged last, either way round: the set is refused. */
START_TEST(test_v1_frag_past_last)
{
	v1_first_up();
	send_fragment(1, 3, false, v1_first->data, 40);
	send_fragment(1, 2, true, v1_first->data, 40);
	ck_assert_uint_eq(ike_stats(B.ike)->rx_frag_dropped, 1);
	ck_assert_uint_eq(ikev1_frag_held(B.ike), 0);
	send_fragment(2, 1, true, v1_first->data, 40); /* whole: 40 bytes, malformed */
	send_fragment(3, 1, false, v1_first->data, 40);
	send_fragment(3, 3, false, v1_first->data, 40);
	send_fragment(3, 2, true, v1_first->data, 40);
	ck_assert_uint_eq(ike_stats(B.ike)->rx_frag_dropped, 2);
	ck_assert_uint_eq(ikev1_frag_held(B.ike), 0);
	ck_assert_uint_eq(ike_stats(B.ike)->rx_reassembled, 1);
	ck_assert_uint_eq(walk(&B).n, 0);
}
END_TEST

static Suite *ike_engine_suite(void)
{
	Suite *s = suite_create("ike_engine");
	TCase *hs = tcase_create("handshake"), *rtx = tcase_create("retransmission");
	TCase *bad = tcase_create("bad input"), *life = tcase_create("life cycle");
	TCase *cookie = tcase_create("cookies"), *frag = tcase_create("fragmentation");

	tcase_add_checked_fixture(hs, setup, teardown);
	tcase_add_checked_fixture(rtx, setup, teardown);
	tcase_add_checked_fixture(bad, setup, teardown);
	tcase_add_checked_fixture(life, setup, teardown);
	tcase_add_checked_fixture(rtx, NULL, cache_teardown);
	tcase_add_checked_fixture(rtx, NULL, lost_teardown);
	tcase_add_checked_fixture(bad, NULL, cache_teardown);
	tcase_add_test(hs, test_handshake);
	tcase_add_test(hs, test_responder_dh_reuse);
	tcase_add_test(hs, test_held_request_opened_once);
	tcase_add_test(hs, test_v1_main_mode);
	tcase_add_test(hs, test_v1_aggressive_mode);
	tcase_add_test(hs, test_v1_wrong_psk);
	tcase_add_test(hs, test_v1_delete);
	tcase_add_test(bad, test_v1_bad_inputs);
	tcase_add_test(hs, test_v1_xauth);
	tcase_add_test(hs, test_v1_xauth_wrong_password);
	tcase_add_test(hs, test_v1_xauth_radius_accept);
	tcase_add_test(hs, test_v1_xauth_radius_reject);
	tcase_add_test(hs, test_v1_xauth_radius_no_server);
	tcase_add_test(hs, test_v1_xauth_radius_timeout_other_peer);
	tcase_add_test(hs, test_v1_xauth_radius_framed_ip);
	tcase_add_test(hs, test_v1_xauth_radius_accounting);
	tcase_add_test(hs, test_v1_xauth_radius_cancel);
	tcase_add_test(hs, test_v1_modecfg);
	tcase_add_test(hs, test_v1_generate_policy);
	tcase_add_test(hs, test_v1_modecfg_push);
	tcase_add_test(hs, test_v1_modecfg_client_template);
	tcase_add_test(hs, test_v1_modecfg_pull_no_push);
	tcase_add_test(hs, test_v1_generate_transport_behind_nat);
	tcase_add_test(hs, test_v2_generate_transport_behind_nat);
	tcase_add_test(hs, test_v1_flush_then_acquire);
	tcase_add_test(hs, test_v1_no_proposal_chosen);
	tcase_add_test(hs, test_v1_quick_mode_refused);
	tcase_add_test(hs, test_v1_nat_main);
	tcase_add_test(hs, test_v1_nat_aggressive);
	tcase_add_test(hs, test_v1_life_claim);
	tcase_add_test(hs, test_v1_life_strict);
	tcase_add_test(hs, test_v1_life_strict_longer);
	tcase_add_test(hs, test_v1_base_mode);
	tcase_add_test(frag, test_v1_frag_handshake);
	tcase_add_test(frag, test_v1_frag_off);
	tcase_add_test(frag, test_v1_frag_in_order);
	tcase_add_test(frag, test_v1_frag_out_of_order);
	tcase_add_test(frag, test_v1_frag_duplicates);
	tcase_add_test(frag, test_v1_frag_too_many);
	tcase_add_test(frag, test_v1_frag_timeout);
	tcase_add_test(frag, test_v1_frag_oversize);
	tcase_add_test(frag, test_v1_frag_past_last);
	tcase_add_test(hs, test_v1_base_wrong_psk);
	tcase_add_test(hs, test_v1_base_against_main);
	tcase_add_test(hs, test_v1_base_initial_contact);
	tcase_add_test(hs, test_v1_base_no_initial_contact);
	tcase_add_test(hs, test_v1_base_nat);
	tcase_add_test(hs, test_v1_base_xauth);
	tcase_add_test(hs, test_v1_base_xauth_wrong_password);
	tcase_add_test(life, test_v1_soft_expiry_both_sas);
	tcase_add_test(life, test_v1_isakmp_replaced);
	tcase_add_test(life, test_v1_peer_deletes_replaced_isakmp);
	tcase_add_test(life, test_v1_peer_deletes_isakmp_alone);
	tcase_add_test(hs, test_v1_kill_then_acquire);
	tcase_add_test(hs, test_rw_client_gateway);
	tcase_add_test(life, test_rw_client_full_tunnel);
	tcase_add_test(hs, test_rw_same_address_again);
	tcase_add_test(hs, test_rw_pool_exhausted);
	tcase_add_test(hs, test_rw_no_template);
	tcase_add_test(life, test_rw_child_rekey);
	tcase_add_test(hs, test_nat_initiator);
	tcase_add_test(hs, test_nat_responder);
	tcase_add_test(hs, test_natt_port_without_nat);
	tcase_add_test(hs, test_first_child_refused);
	tcase_add_test(hs, test_child_install_refused);
	tcase_add_test(rtx, test_init_retransmit);
	tcase_add_test(rtx, test_dpd_initiator);
	tcase_add_test(rtx, test_dpd_responder);
	tcase_add_test(rtx, test_dpd_maximum_failures);
	tcase_add_test(rtx, test_dpd_alive);
	tcase_add_test(rtx, test_duplicate_auth);
	tcase_add_test(rtx, test_v1_main_mode_last_lost);
	tcase_add_test(rtx, test_duplicate_auth_held);
	tcase_add_test(rtx, test_auth_response_lost);
	tcase_add_test(rtx, test_create_child_response_lost);
	tcase_add_test(bad, test_malformed_init);
	tcase_add_test(bad, test_malformed_protected);
	tcase_add_test(bad, test_wrong_psk);
	tcase_add_test(life, test_kill);
	tcase_add_test(life, test_child_rekey);
	tcase_add_test(life, test_child_rekey_on_outbound_expiry);
	tcase_add_test(life, test_start_paced);
	tcase_add_test(life, test_child_rekey_collision);
	tcase_add_test(life, test_child_rekey_collision_late);
	tcase_add_test(life, test_child_hard_expire);
	tcase_add_test(life, test_child_sa_removed_by_other);
	tcase_add_test(life, test_kill_during_spi);
	tcase_add_test(life, test_kill_where);
	tcase_add_test(life, test_kill_where_any);
	tcase_add_test(life, test_apply_removes_peer);
	tcase_add_test(life, test_initial_contact);
	tcase_add_test(life, test_sa_index_by_identity);
	tcase_add_test(life, test_view_lookups);
	tcase_add_test(life, test_rekey_slots);
	tcase_add_test(life, test_reload_keeps_child);
	tcase_add_test(life, test_reload_changes_keeps_child);
	tcase_add_test(life, test_reload_changes_follows_touched);
	tcase_add_test(life, test_kill_by_index);
	tcase_add_test(life, test_view_matches_walk);
	tcase_add_test(life, test_view_identities_by_id);
	tcase_add_test(life, test_initial_contact_per_identity);
	tcase_add_test(life, test_ike_rekey);
	suite_add_tcase(s, hs);
	suite_add_tcase(s, rtx);
	suite_add_tcase(s, bad);
	suite_add_tcase(s, life);
	tcase_add_checked_fixture(cookie, setup, teardown);
	tcase_add_checked_fixture(cookie, cookie_setup, cache_teardown);
	tcase_add_test(cookie, test_cookie_asked);
	tcase_add_test(cookie, test_cookie_under_threshold);
	tcase_add_test(cookie, test_cookie_forged);
	tcase_add_test(cookie, test_half_open_spi_reuse);
	tcase_add_test(bad, test_ike_rekey_bad_ke);
	tcase_add_test(bad, test_create_child_before_auth);
	tcase_add_test(bad, test_invalid_major_version);
	tcase_add_test(cookie, test_half_open_per_address);
	tcase_add_test(cookie, test_half_open_limit_and_timeout);
	tcase_add_test(cookie, test_cookies_never_always);
	tcase_add_loop_test(cookie, test_cookie_age, 0,
			    (int)(sizeof(cookie_ages) / sizeof(cookie_ages[0])));
	suite_add_tcase(s, cookie);
	tcase_add_checked_fixture(frag, setup, teardown);
	tcase_add_checked_fixture(frag, NULL, taken_teardown);
	tcase_add_checked_fixture(frag, NULL, v1_first_teardown);
	tcase_add_test(frag, test_frag_auth);
	tcase_add_test(frag, test_frag_off_at_one_end);
	tcase_add_test(frag, test_frag_ike_rekey);
	tcase_add_test(frag, test_frag_out_of_order);
	tcase_add_test(frag, test_frag_request_lost);
	tcase_add_test(frag, test_frag_response_lost);
	tcase_add_test(frag, test_frag_timeout);
	tcase_add_test(frag, test_frag_oversized);
	suite_add_tcase(s, frag);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	log_init("check_ike_engine", false,
		 getenv("IKE_TEST_DEBUG") ? LOG_LVL_DEBUG : LOG_LVL_ERROR);
	if (crypto_init() < 0) {
		fprintf(stderr, "crypto_init failed\n");
		return EXIT_FAILURE;
	}
	sr = srunner_create(ike_engine_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
