/* ike_flood: a flood of IKEv2 IKE_SA_INIT requests against a responder in a test network,
 * for the integration scenario 98-ikev2-flood. Every request is one a responder really
 * works on: one proposal (AES-CBC-256, HMAC-SHA256 PRF and integrity, ECP-256), a KE
 * holding a valid P-256 public value (made once with OpenSSL), and a nonce.
 *
 *   ike_flood -m spoof  -d DST -s PREFIX [-i SPI|random] -r PPS -t SECONDS
 *       Raw IPv4+UDP datagrams (IP_HDRINCL) from random addresses inside PREFIX and
 *       random ports, the initiator's SPI fixed (reused by every source) or random. Needs
 *       CAP_NET_RAW. Nobody answers cookies: the answers go to addresses nobody has.
 *   ike_flood -m cookie -d DST -b SRC [-n PORTS] -r PPS -t SECONDS
 *       Real UDP sockets bound to SRC, PORTS of them (16 unless told, each its own
 *       ephemeral port), each sending new requests with random SPIs and nonces in turn;
 *       every COOKIE notify answered (RFC 7296 2.6) is returned at once in the same
 *       request again, as a well-behaved initiator would, so the responder spends a key
 *       exchange on each one its limits let through.
 *
 * PPS new requests a second at most (1 to 1000000; past what the machine can send, it
 * sends as fast as it can), for SECONDS (1 to 60): then, or on SIGINT/SIGTERM, it stops
 * and prints one line of key=value counts. Destinations and source prefixes must lie in
 * the ranges reserved for documentation, benchmarks and private networks (RFC 5737,
 * RFC 2544, RFC 1918): it is a tool for test namespaces, never for a real network.
 * Answers are read only through the bounds-checked decoder of src/wire. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sendmmsg, recvmmsg */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "ipsecd/buf.h"
#include "ipsecd/wire.h"

#define MAX_SECONDS 60
#define MAX_PPS	    1000000
#define MAX_PORTS   256
#define BATCH	    64
#define NONCE_LEN   32
#define P256_LEN    64 /* x | y (RFC 5903 7) */
#define GROUP_P256  19
#define PKT_MAX	    512

enum mode { MODE_SPOOF, MODE_COOKIE };

struct opts {
	enum mode mode;
	struct in_addr dst, src; /* src: the prefix (spoof) or the address (cookie) */
	unsigned src_len;	 /* prefix length (spoof) */
	uint16_t port;
	bool fixed_spi;
	uint64_t spi;
	unsigned pps, seconds, nports;
};

struct counts {
	unsigned long long sent, resent, cookies, answered, other, errors;
};

static volatile sig_atomic_t stop;
static uint64_t rng_state;
static uint8_t ke_pub[P256_LEN];
static uint64_t nonce_key;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* xorshift64*: addresses, ports, SPIs and nonces need to differ, not to be secret. */
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- what may be flooded --- */

static bool in_prefix(uint32_t a, uint32_t net, unsigned len)
{
	uint32_t mask = len ? ~0u << (32 - len) : 0;

	return (a & mask) == (net & mask);
}

/* Whether PREFIX/LEN lies inside a range no real host on the Internet has. */
static bool test_range(struct in_addr addr, unsigned len)
{
	static const struct {
		const char *net;
		unsigned len;
	} ok[] = {{"192.0.2.0", 24}, {"198.51.100.0", 24}, {"203.0.113.0", 24}, {"198.18.0.0", 15},
		  {"10.0.0.0", 8},   {"172.16.0.0", 12},   {"192.168.0.0", 16}};
	uint32_t a = ntohl(addr.s_addr);

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct in_addr n;

		inet_pton(AF_INET, ok[i].net, &n);
		if (len >= ok[i].len && in_prefix(a, ntohl(n.s_addr), ok[i].len))
			return true;
	}
	return false;
}

/* --- the request --- */

static int make_ke(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	uint8_t pt[1 + P256_LEN];
	size_t len = 0;
	int r = -1;

	if (k &&
	    EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt, sizeof(pt),
					    &len) &&
	    len == sizeof(pt) && pt[0] == 4) {
		memcpy(ke_pub, pt + 1, P256_LEN); /* without the uncompressed-point octet */
		r = 0;
	}
	EVP_PKEY_free(k);
	return r;
}

/* The nonce of the request with this SPI: the same again when it is resent with a cookie
 * (the cookie covers Ni, 2.6), without remembering anything. */
static void nonce_for(uint64_t spi, uint8_t out[NONCE_LEN])
{
	for (unsigned i = 0; i < NONCE_LEN / 8; i++) {
		uint64_t v = splitmix(spi ^ nonce_key ^ i);

		memcpy(out + 8 * i, &v, 8);
	}
}

/* IKE_SA_INIT request with SPIi spi, the cookie first if there is one, the nonce last. */
static void build_init(struct wbuf *w, uint64_t spi, const uint8_t *cookie, size_t cookie_len)
{
	struct ikev2_hdr h = {.spi_i = spi,
			      .version = IKEV2_VERSION,
			      .exch = IKEV2_EXCH_IKE_SA_INIT,
			      .flags = IKEV2_FLAG_INITIATOR};
	struct ikev2_sa sa = {.n = 1};
	struct ikev2_proposal *p = &sa.p[0];
	uint8_t nonce[NONCE_LEN];
	struct ikev2_enc e;

	*p = (struct ikev2_proposal){.num = 1, .proto = IKEV2_PROTO_IKE, .ntrans = 4};
	p->t[0] = (struct ikev2_transform){.type = IKEV2_TRANS_ENCR, .id = 12, .keylen = 256};
	p->t[1] = (struct ikev2_transform){.type = IKEV2_TRANS_PRF, .id = 5};
	p->t[2] = (struct ikev2_transform){.type = IKEV2_TRANS_INTEG, .id = 12};
	p->t[3] = (struct ikev2_transform){.type = IKEV2_TRANS_DH, .id = GROUP_P256};
	nonce_for(spi, nonce);
	wbuf_reset(w);
	ikev2_enc_begin(&e, w, &h);
	if (cookie_len)
		ikev2_put_notify(&e, 0, IKEV2_N_COOKIE, NULL, 0, cookie, cookie_len);
	ikev2_put_sa(&e, &sa);
	ikev2_put_ke(&e, GROUP_P256, ke_pub, sizeof(ke_pub));
	ikev2_put_nonce(&e, nonce, sizeof(nonce));
	ikev2_enc_end(&e);
}

static void put_spi(uint8_t *ike, uint64_t spi)
{
	for (int i = 0; i < 8; i++)
		ike[i] = (uint8_t)(spi >> (56 - 8 * i));
}

/* --- spoof: raw IPv4 --- */

struct spoof_pkt {
	uint8_t b[PKT_MAX];
	size_t len;
};

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* A new source address and port, SPI (unless fixed) and nonce into the packet. */
static void spoof_vary(const struct opts *o, struct spoof_pkt *pk)
{
	struct ip *ip = (struct ip *)pk->b;
	struct udphdr *udp = (struct udphdr *)(pk->b + sizeof(*ip));
	uint8_t *ike = pk->b + sizeof(*ip) + sizeof(*udp);
	size_t ulen = pk->len - sizeof(*ip);
	uint32_t host = o->src_len < 32 ? (uint32_t)rnd() & (~0u >> o->src_len) : 0;
	uint64_t spi = o->fixed_spi ? o->spi : rnd() | 1;
	uint8_t pseudo[12];
	uint16_t c;

	ip->ip_src.s_addr = htonl(ntohl(o->src.s_addr) | host);
	udp->uh_sport = htons((uint16_t)(1024 + rnd() % 64512));
	udp->uh_sum = 0;
	put_spi(ike, spi);
	nonce_for(rnd(), ike + (pk->len - sizeof(*ip) - sizeof(*udp)) - NONCE_LEN);
	memcpy(pseudo, &ip->ip_src, 4);
	memcpy(pseudo + 4, &ip->ip_dst, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_UDP;
	pseudo[10] = (uint8_t)(ulen >> 8);
	pseudo[11] = (uint8_t)ulen;
	c = fold(sum16((const uint8_t *)udp, ulen, sum16(pseudo, sizeof(pseudo), 0)));
	udp->uh_sum = htons(c ? c : 0xffff);
}

static int spoof_template(const struct opts *o, struct spoof_pkt *pk)
{
	struct ip *ip = (struct ip *)pk->b;
	struct udphdr *udp = (struct udphdr *)(pk->b + sizeof(*ip));
	struct wbuf w;
	int r = -1;

	wbuf_init(&w);
	build_init(&w, 1, NULL, 0);
	if (!w.err && sizeof(*ip) + sizeof(*udp) + w.len <= sizeof(pk->b)) {
		memset(pk->b, 0, sizeof(pk->b));
		pk->len = sizeof(*ip) + sizeof(*udp) + w.len;
		ip->ip_v = 4;
		ip->ip_hl = sizeof(*ip) / 4;
		ip->ip_len = htons((uint16_t)pk->len);
		ip->ip_ttl = 64;
		ip->ip_p = IPPROTO_UDP;
		ip->ip_dst = o->dst;
		udp->uh_dport = htons(o->port);
		udp->uh_ulen = htons((uint16_t)(sizeof(*udp) + w.len));
		memcpy(pk->b + sizeof(*ip) + sizeof(*udp), w.p, w.len);
		r = 0;
	}
	wbuf_free(&w);
	return r;
}

/* The next count packets are due at this moment (by the rate), at most BATCH. */
static unsigned due(const struct opts *o, double t0, unsigned long long done)
{
	double want = (now_mono() - t0) * o->pps;

	if (want <= (double)done)
		return 0;
	return want - (double)done >= BATCH ? BATCH : (unsigned)(want - (double)done) + 1;
}

static void nap(void)
{
	struct timespec ts = {0, 200000}; /* 0.2 ms */

	nanosleep(&ts, NULL);
}

static int run_spoof(const struct opts *o, struct counts *c)
{
	static struct spoof_pkt pk[BATCH];
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr = o->dst};
	int s = socket(AF_INET, SOCK_RAW, IPPROTO_RAW); /* IP_HDRINCL implied */
	double t0 = now_mono(), end = t0 + o->seconds;

	if (s < 0) {
		perror("ike_flood: raw socket (needs CAP_NET_RAW)");
		return -1;
	}
	if (spoof_template(o, &pk[0]) < 0) {
		fprintf(stderr, "ike_flood: cannot build the request\n");
		close(s);
		return -1;
	}
	for (unsigned i = 0; i < BATCH; i++) {
		pk[i] = pk[0];
		iov[i] = (struct iovec){pk[i].b, pk[i].len};
		mm[i].msg_hdr = (struct msghdr){.msg_name = &to,
						.msg_namelen = sizeof(to),
						.msg_iov = &iov[i],
						.msg_iovlen = 1};
	}
	while (!stop && now_mono() < end) {
		unsigned n = due(o, t0, c->sent + c->errors);
		int r;

		if (!n) {
			nap();
			continue;
		}
		for (unsigned i = 0; i < n; i++)
			spoof_vary(o, &pk[i]);
		r = sendmmsg(s, mm, n, 0);
		if (r < 0) {
			c->errors += n;
			continue;
		}
		c->sent += (unsigned)r;
		c->errors += n - (unsigned)r;
	}
	close(s);
	return 0;
}

/* --- cookie: real sockets, cookies answered --- */

static int cookie_sockets(const struct opts *o, struct pollfd *pfd)
{
	struct sockaddr_in from = {.sin_family = AF_INET, .sin_addr = o->src};

	for (unsigned i = 0; i < o->nports; i++) {
		pfd[i] = (struct pollfd){.fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0),
					 .events = POLLIN};
		if (pfd[i].fd < 0 || bind(pfd[i].fd, (struct sockaddr *)&from, sizeof(from)) < 0) {
			perror("ike_flood: UDP socket");
			return -1;
		}
	}
	return 0;
}

static void send_init(const struct opts *o, int fd, uint64_t spi, const uint8_t *cookie,
		      size_t cookie_len, struct counts *c)
{
	struct sockaddr_in to = {
		.sin_family = AF_INET, .sin_addr = o->dst, .sin_port = htons(o->port)};
	struct wbuf w;

	wbuf_init(&w);
	build_init(&w, spi, cookie, cookie_len);
	if (w.err || sendto(fd, w.p, w.len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		c->errors++;
	else if (cookie_len)
		c->resent++;
	else
		c->sent++;
	wbuf_free(&w);
}

/* An answer: a cookie is returned in the request again; the rest only counted. */
static void cookie_answer(const struct opts *o, int fd, const uint8_t *b, size_t len,
			  struct counts *c)
{
	static struct ikev2_msg m; /* large: kept off the stack */
	const struct ikev2_notify *cookie = NULL;

	if (ikev2_decode(b, len, &m) < 0 || m.hdr.exch != IKEV2_EXCH_IKE_SA_INIT ||
	    !(m.hdr.flags & IKEV2_FLAG_RESPONSE)) {
		c->other++;
		return;
	}
	if (ikev2_has(&m, IKEV2_PLD_SA)) {
		c->answered++;
		return;
	}
	for (unsigned i = 0; i < m.nnotify; i++)
		if (m.notify[i].type == IKEV2_N_COOKIE)
			cookie = &m.notify[i];
	if (!cookie || cookie->data.len < 1 || cookie->data.len > 64) {
		c->other++;
		return;
	}
	c->cookies++;
	send_init(o, fd, m.hdr.spi_i, cookie->data.ptr, cookie->data.len, c);
}

static void cookie_receive(const struct opts *o, struct pollfd *pfd, int timeout_ms,
			   struct counts *c)
{
	static uint8_t buf[BATCH][2048];
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];

	if (poll(pfd, o->nports, timeout_ms) <= 0)
		return;
	for (unsigned i = 0; i < o->nports; i++) {
		int n;

		if (!(pfd[i].revents & POLLIN))
			continue;
		for (unsigned j = 0; j < BATCH; j++) {
			iov[j] = (struct iovec){buf[j], sizeof(buf[j])};
			mm[j].msg_hdr = (struct msghdr){.msg_iov = &iov[j], .msg_iovlen = 1};
		}
		n = recvmmsg(pfd[i].fd, mm, BATCH, MSG_DONTWAIT, NULL);
		for (int j = 0; j < n; j++)
			cookie_answer(o, pfd[i].fd, buf[j], mm[j].msg_len, c);
	}
}

static int run_cookie(const struct opts *o, struct counts *c)
{
	struct pollfd pfd[MAX_PORTS];
	double t0 = now_mono(), end = t0 + o->seconds;
	unsigned next = 0;
	int r = 0;

	for (unsigned i = 0; i < o->nports; i++)
		pfd[i].fd = -1;
	if (cookie_sockets(o, pfd) < 0) {
		r = -1;
		goto out;
	}
	while (!stop && now_mono() < end) {
		unsigned n = due(o, t0, c->sent + c->errors);

		for (unsigned i = 0; i < n; i++, next = (next + 1) % o->nports)
			send_init(o, pfd[next].fd, rnd() | 1, NULL, 0, c);
		cookie_receive(o, pfd, n ? 0 : 1, c);
	}
out:
	for (unsigned i = 0; i < o->nports; i++)
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	return r;
}

/* --- options --- */

static bool parse_uint(const char *s, unsigned long min, unsigned long max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

static bool parse_addr(const char *s, struct in_addr *a, unsigned *len)
{
	char tmp[INET_ADDRSTRLEN + 4];
	char *slash;

	if (strlen(s) >= sizeof(tmp))
		return false;
	strcpy(tmp, s);
	slash = strchr(tmp, '/');
	if (slash) {
		*slash = '\0';
		if (!len || !parse_uint(slash + 1, 8, 32, len))
			return false;
	} else if (len) {
		*len = 32;
	}
	return inet_pton(AF_INET, tmp, a) == 1;
}

static bool parse_spi(const char *s, struct opts *o)
{
	char *end;

	if (!strcmp(s, "random")) {
		o->fixed_spi = false;
		return true;
	}
	errno = 0;
	o->spi = strtoull(s, &end, 16);
	o->fixed_spi = true;
	return !errno && end != s && !*end && o->spi;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: ike_flood -m spoof -d DST -s PREFIX [-i SPI|random] -r PPS -t SECONDS\n"
		"       ike_flood -m cookie -d DST -b SRC [-n PORTS] -r PPS -t SECONDS\n"
		"  PPS 1..%d, SECONDS 1..%d, PORTS 1..%d; DST, PREFIX and SRC in RFC 5737,\n"
		"  RFC 2544 or RFC 1918 ranges only\n",
		MAX_PPS, MAX_SECONDS, MAX_PORTS);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	bool have_dst = false, have_src = false, have_mode = false;
	int ch;

	*o = (struct opts){.port = 500, .nports = 16};
	while ((ch = getopt(argc, argv, "m:d:s:b:i:n:r:t:")) != -1) {
		bool ok = true;

		switch (ch) {
		case 'm':
			have_mode = !strcmp(optarg, "spoof") || !strcmp(optarg, "cookie");
			o->mode = strcmp(optarg, "spoof") ? MODE_COOKIE : MODE_SPOOF;
			ok = have_mode;
			break;
		case 'd':
			ok = have_dst = parse_addr(optarg, &o->dst, NULL);
			break;
		case 's':
		case 'b':
			ok = have_src = parse_addr(optarg, &o->src, ch == 's' ? &o->src_len : NULL);
			break;
		case 'i':
			ok = parse_spi(optarg, o);
			break;
		case 'n':
			ok = parse_uint(optarg, 1, MAX_PORTS, &o->nports);
			break;
		case 'r':
			ok = parse_uint(optarg, 1, MAX_PPS, &o->pps);
			break;
		case 't':
			ok = parse_uint(optarg, 1, MAX_SECONDS, &o->seconds);
			break;
		default:
			ok = false;
		}
		if (!ok) {
			fprintf(stderr, "ike_flood: bad -%c %s\n", ch, optarg ? optarg : "");
			return -1;
		}
	}
	if (optind != argc || !have_mode || !have_dst || !have_src || !o->pps || !o->seconds) {
		usage();
		return -1;
	}
	if (o->mode == MODE_COOKIE)
		o->src_len = 32;
	if (!test_range(o->dst, 32) || !test_range(o->src, o->src_len)) {
		fprintf(stderr, "ike_flood: addresses outside the test ranges refused\n");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct counts c = {0};
	struct sigaction sa = {.sa_handler = on_signal};
	double t0, secs;
	int r;

	if (parse_opts(argc, argv, &o) < 0)
		return 2;
	if (getrandom(&rng_state, sizeof(rng_state), 0) != sizeof(rng_state) ||
	    getrandom(&nonce_key, sizeof(nonce_key), 0) != sizeof(nonce_key) || make_ke() < 0) {
		fprintf(stderr, "ike_flood: no randomness or no P-256 key\n");
		return 1;
	}
	rng_state |= 1;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	alarm(o.seconds + 5); /* a backstop: SIGALRM's default action ends it */
	t0 = now_mono();
	r = o.mode == MODE_SPOOF ? run_spoof(&o, &c) : run_cookie(&o, &c);
	secs = now_mono() - t0;
	printf("ike_flood: mode=%s spi=%s sent=%llu resent=%llu cookies=%llu answered=%llu "
	       "other=%llu errors=%llu seconds=%.1f pps=%.0f\n",
	       o.mode == MODE_SPOOF ? "spoof" : "cookie", o.fixed_spi ? "fixed" : "random", c.sent,
	       c.resent, c.cookies, c.answered, c.other, c.errors, secs,
	       secs > 0 ? (double)(c.sent + c.resent) / secs : 0.0);
	return r < 0 ? 1 : 0;
}
