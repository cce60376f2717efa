/* bench_ike_mem: the memory one established IKE SA with one CHILD SA costs the daemon.
 * The daemon's side is one IKE engine (passive responder, peer "rw" = 10.0.0.0/8) on the
 * real loop (libev) with the light kernel and net fakes of bench_ike_env.c. The initiators
 * run in a forked child process, N + W peers 10.0.0.1, 10.0.0.2, ... (one peer item, one
 * IKE SA and one CHILD SA each), B at a time; datagrams go through a SOCK_SEQPACKET
 * socketpair. So the daemon's RSS holds nothing of theirs.
 *
 * After W warm-up SAs (OpenSSL's and libev's one-time allocations, the tables' first
 * growth) the bench takes the RSS and mallinfo2() as the baseline, lets the peers
 * establish N more, and prints the RSS delta / N (the requirement's figure), the malloc
 * in-use delta / N, a breakdown of where that goes (walking the engine's SAs), and the
 * time to seal and open one SK payload, the per-message CPU cost of the SK code.
 *
 * With -c C, then the cost of a cookie (RFC 7296 2.6; issue 14's flood): an engine like the
 * daemon's but with cookies=always takes C copies of the first IKE_SA_INIT request the
 * daemon got, each from another address, and answers each with a COOKIE; the bench prints
 * the CPU time of those ike_recv calls (the answers' sendmsg included, the bench's reading
 * them back not) as cookies per CPU-second.
 *
 * With -1, every peer is IKEv1 (exchange-mode=main: main mode with a pre-shared key and
 * one quick mode) instead of IKEv2; phase 1 has no AES-GCM, so it goes with -a cbc.
 *
 *   bench_ike_mem [-1] [-a cbc|gcm] [-b B] [-w W] [-c C] [N]   N 10000, W 100, B 50, C 0,
 *                                                              IKE SA aes-256-cbc
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* open_memstream, malloc_usable_size */
#endif
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_ike_env.h"
#include "ike_internal.h"
#include "v2/state.h"
#include "ipsecd/conf.h"
#include "ipsecd/crypto.h"
#include "ipsecd/ike.h"
#include "ipsecd/log.h"
#include "ipsecd/loop.h"

#define MAX_SAS	    (1L << 22) /* peers are 10.0.0.1 + i */
#define DAEMON_ADDR "192.0.2.1"
#define SECRET	    "bench-secret-0123456789"
#define RX_BATCH    64 /* datagrams per readiness, as the real net (NET_RX_BATCH) */

/* The IKE SA's algorithms: profile enc-algorithm and the SK transforms they become. */
struct algs {
	const char *name, *profile_enc;
	uint16_t encr, keybits, integ; /* IANA ids (RFC 7296 3.3.2, RFC 5282) */
};

static const struct algs algsets[] = {
	{"cbc", "aes-256", 12, 256, 12},    /* ENCR_AES_CBC, AUTH_HMAC_SHA2_256_128 */
	{"gcm", "aes-256-gcm", 20, 256, 0}, /* ENCR_AES_GCM_16 */
};

struct opts {
	long n, warmup, batch;
	long others;  /* -k: peers configured besides rw, each with an identity and a policy */
	long cookies; /* -c: IKE_SA_INIT requests answered with a COOKIE, timed */
	bool rekey;   /* -r: then a CHILD SA rekey wave over every SA at once */
	const struct algs *alg;
};

/* --- measuring --- */

struct mem {
	long rss;	  /* bytes resident */
	size_t used, sys; /* malloc: in use, and taken from the system (arena + mmap) */
};

static struct mem mem_now(void)
{
	struct mallinfo2 mi = mallinfo2();
	struct mem m = {.used = mi.uordblks + mi.hblkhd, .sys = mi.arena + mi.hblkhd};
	FILE *f = fopen("/proc/self/statm", "r");
	long size = 0, pages = 0;

	if (!f || fscanf(f, "%ld %ld", &size, &pages) != 2) {
		perror("bench_ike_mem: /proc/self/statm");
		exit(1);
	}
	fclose(f);
	m.rss = pages * sysconf(_SC_PAGESIZE);
	return m;
}

/* Signed per-SA delta of two byte counts. */
static long per(size_t after, size_t before, long n)
{
	return ((long)after - (long)before) / n;
}

/* --- configurations --- */

static void peer_addr(long i, char *buf, size_t len)
{
	uint32_t a = 0x0a000001u + (uint32_t)i;

	snprintf(buf, len, "10.%u.%u.%u", a >> 16 & 255, a >> 8 & 255, a & 255);
}

static void common_conf(FILE *f, const struct algs *alg)
{
	fprintf(f,
		"/ip ipsec profile\n"
		"set [ find default=yes ] dh-group=ecp256 enc-algorithm=%s hash-algorithm=sha256 "
		"dpd-interval=0s lifetime=1d\n"
		"/ip ipsec proposal\n"
		"set [ find default=yes ] auth-algorithms=sha256 enc-algorithms=aes-256-cbc "
		"pfs-group=none\n",
		alg->profile_enc);
}

static const char *exchange_mode = "ike2"; /* -1: main */

/* The daemon: one passive peer for all of 10.0.0.0/8, one road-warrior policy; and
 * `others` more peers (100.64.0.0/10 hosts, none of which the initiators use), each with
 * its identity and a policy, for the cost of a large configuration. */
static struct conf *daemon_conf(const struct algs *alg, long others)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		exit(1);
	common_conf(f, alg);
	fputs("/ip ipsec peer\n"
	      "add name=rw address=10.0.0.0/8 local-address=" DAEMON_ADDR " exchange-mode=",
	      f);
	fputs(exchange_mode, f);
	fputs(" passive=yes\n"
	      "/ip ipsec identity\n"
	      "add peer=rw secret=\"" SECRET "\"\n"
	      "/ip ipsec policy\n"
	      "add src-address=172.16.0.0/12 dst-address=10.0.0.0/8 peer=rw tunnel=yes\n",
	      f);
	for (long i = 0; i < others; i++) {
		long a = 0x64400001 + i; /* 100.64.0.1 on */

		fprintf(f,
			"/ip ipsec peer add name=o%ld address=%ld.%ld.%ld.%ld/32 "
			"exchange-mode=%s "
			"passive=yes\n"
			"/ip ipsec identity add peer=o%ld secret=\"o%ld-secret\"\n"
			"/ip ipsec policy add src-address=172.16.0.0/12 "
			"dst-address=%ld.%ld.%ld.%ld/32 "
			"peer=o%ld tunnel=yes\n",
			i, a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255, exchange_mode, i, i,
			a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255, i);
	}
	fclose(f);
	return bench_conf_load("daemon", text, len);
}

/* Peers first..first+n-1, each its own address, identity and host-to-net policy. */
static struct conf *peers_conf(const struct algs *alg, long first, long n)
{
	char *text = NULL, a[32];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		exit(1);
	common_conf(f, alg);
	fputs("/ip ipsec peer\n", f);
	for (long i = first; i < first + n; i++) {
		peer_addr(i, a, sizeof(a));
		fprintf(f,
			"add name=p%ld address=" DAEMON_ADDR "/32 local-address=%s "
			"exchange-mode=%s\n",
			i, a, exchange_mode);
	}
	fputs("/ip ipsec identity\n", f);
	for (long i = first; i < first + n; i++)
		fprintf(f, "add peer=p%ld secret=\"" SECRET "\"\n", i);
	fputs("/ip ipsec policy\n", f);
	for (long i = first; i < first + n; i++) {
		peer_addr(i, a, sizeof(a));
		fprintf(f, "add src-address=%s/32 dst-address=172.16.0.0/12 peer=p%ld tunnel=yes\n",
			a, i);
	}
	fclose(f);
	return bench_conf_load("peers", text, len);
}

/* --- the peers (child process): B initiators at a time, one engine per batch --- */

/* The conf is never freed: the process exits when the daemon is done. */
static struct ike *peers_batch(struct bench_batches *bs, long b)
{
	const struct opts *o = bs->arg;
	struct conf *c = peers_conf(o->alg, b * o->batch, o->batch);
	struct ike *e = bench_engine(bs->l, bs->k, bs->n, NULL);

	ike_apply(e, c);
	return e;
}

static int peers_main(const struct opts *o, int fd)
{
	struct bench_batches bs = {.batch = o->batch,
				   .nbatch = (o->n + o->warmup) / o->batch,
				   .who = "peers",
				   .arg = (void *)o,
				   .make = peers_batch};

	return bench_batches_run(&bs, fd);
}

/* --- the daemon (this process) --- */

struct daemon {
	const struct opts *o;
	struct loop *l;
	struct kern *k;
	struct net *n;
	struct conf *c;
	struct ike *e;
	bool have_base, done, failed;
	long wave_until; /* the rekey wave is over when the kernel deleted this many SAs */
	struct mem base, end;
	double wall0, wall1, cpu0, cpu1;
	uint8_t *init_req; /* the first IKE_SA_INIT request, for -c (its bytes in init_pkt) */
	struct net_pkt init_pkt;
};

static void daemon_check(struct daemon *d)
{
	const struct ike_stats *st = ike_stats(d->e);

	if (st->failed) {
		fprintf(stderr, "bench_ike_mem: the daemon failed an exchange\n");
		d->failed = true;
		loop_break(d->l);
		return;
	}
	if (d->wave_until) {
		if (bench_kern_deleted(d->k) >= d->wave_until) {
			d->done = true;
			loop_break(d->l);
		}
		return;
	}
	/* a count is reached when its SAs are established and their CHILD SAs keyed at both
	 * ends: an IKEv1 responder keys its outbound SA on quick mode's last message */
	if (!d->have_base && st->established >= (uint64_t)d->o->warmup &&
	    bench_kern_keyed(d->k) >= 2 * (long)d->o->warmup) {
		d->have_base = true;
		d->base = mem_now();
		d->wall0 = bench_now_ms(CLOCK_MONOTONIC);
		d->cpu0 = bench_now_ms(CLOCK_PROCESS_CPUTIME_ID);
	}
	if (st->established >= (uint64_t)(d->o->warmup + d->o->n) &&
	    bench_kern_keyed(d->k) >= 2 * (long)(d->o->warmup + d->o->n)) {
		d->end = mem_now();
		d->wall1 = bench_now_ms(CLOCK_MONOTONIC);
		d->cpu1 = bench_now_ms(CLOCK_PROCESS_CPUTIME_ID);
		d->done = true;
		loop_break(d->l);
	}
}

/* Keeps p when it is an IKE_SA_INIT request (RFC 7296 3.1: exchange type 34 at byte 18,
 * the Initiator flag in byte 19). */
static void keep_init_req(struct daemon *d, const struct net_pkt *p)
{
	if (p->len < 28 || p->data[18] != 34 || !(p->data[19] & 0x08))
		return;
	if (!(d->init_req = malloc(p->len)))
		exit(1);
	memcpy(d->init_req, p->data, p->len);
	d->init_pkt = *p;
	d->init_pkt.data = d->init_req;
}

static void daemon_rx(struct loop_io *w, int fd, int events, void *arg)
{
	static uint8_t buf[BENCH_DGRAM_MAX];
	struct daemon *d = arg;
	struct net_pkt p;
	int r = 1;

	(void)w;
	(void)events;
	for (int i = 0; i < RX_BATCH && !d->done && (r = bench_net_recv(fd, buf, &p)) > 0; i++) {
		if (d->o->cookies && !d->init_req)
			keep_init_req(d, &p);
		ike_recv(d->e, &p);
		bench_kern_run(d->k);
		daemon_check(d);
	}
	if (r < 0) {
		fprintf(stderr, "bench_ike_mem: the peers went away\n");
		d->failed = true;
		loop_break(d->l);
	}
}

static bool daemon_verify(struct daemon *d, long total)
{
	long bad = 0;
	const struct ike_stats *st = ike_stats(d->e);

	ike_walk(d->e, bench_count_unready, &bad);
	if (bad || (long)d->e->sas.n != total || bench_kern_keyed(d->k) != 2 * total) {
		fprintf(stderr,
			"bench_ike_mem: %ld SAs not established with one CHILD SA; %zu IKE SAs, "
			"%ld kernel SAs keyed (want %ld and %ld)\n",
			bad, d->e->sas.n, bench_kern_keyed(d->k), total, 2 * total);
		return false;
	}
	bench_note_stats(st);
	return true;
}

/* --- where it goes --- */

/* A malloc chunk's size: what it can hold plus the 8-byte header (glibc, 64-bit). */
static size_t chunk(const void *p)
{
	return p ? malloc_usable_size((void *)p) + sizeof(size_t) : 0;
}

static size_t chunk_c(const struct crypto_chunk *c)
{
	return chunk(c->ptr);
}

enum part {
	P_SA,
	P_PEER,
	P_KEYS,
	P_NONCES,
	P_INIT,
	P_REQ,
	P_RESP,
	P_CHILD,
	P_SK,
	P_DH,
	P_TIMER,
	P_TABLES,
	P_N
};

static const char *const part_name[P_N] = {
	"struct ike_sa (+ its ikev2_state)",
	"peer name, remote ID, cert subject",
	"keys SK_d, SK_a*, SK_e*, SK_p*",
	"Ni, Nr",
	"IKE_SA_INIT messages",
	"last request (req_pkt)",
	"last response (resp_pkt)",
	"struct ike_child",
	"crypto_sk in + out (whole)",
	"DH objects",
	"timers (loop_timer + ev heap)",
	"SA tables (sas, half, children, at)",
};

/* malloc bytes one call of make() keeps, from a thousand of them. */
static long cost_of(void *(*make)(void *arg), void (*drop)(void *obj), void *arg)
{
	enum { K = 1000 };
	static void *objs[K];
	struct mem m0 = mem_now(), m1;

	for (int i = 0; i < K; i++)
		objs[i] = make(arg);
	m1 = mem_now();
	for (int i = 0; i < K; i++)
		drop(objs[i]);
	return per(m1.used, m0.used, K);
}

static struct crypto_sk *new_sk(const struct algs *a)
{
	uint8_t k[64] = {1};
	size_t ekl = crypto_encr_key_len(a->encr, a->keybits);
	size_t akl = a->integ ? crypto_integ_key_len(a->integ) : 0;
	struct crypto_sk *sk = crypto_sk_new(a->encr, a->keybits, a->integ, k, ekl, k, akl);

	if (!sk) {
		fprintf(stderr, "bench_ike_mem: crypto_sk_new failed\n");
		exit(1);
	}
	return sk;
}

/* A crypto_sk as an SA holds one: used once, so that whatever it sets up on first use
 * (OpenSSL allocates a cipher's state at its first init) is there. */
static void *make_sk(void *arg)
{
	uint8_t aad[32] = {0}, out[64];
	struct crypto_sk *sk = new_sk(arg);

	if (crypto_sk_seal(sk, aad, sizeof(aad), NULL, 0, out, crypto_sk_sealed_len(sk, 0)) < 0)
		exit(1);
	return sk;
}

static void drop_sk(void *obj)
{
	crypto_sk_free(obj);
}

static void on_never(struct loop_timer *w, void *arg)
{
	(void)w;
	(void)arg;
}

static void *make_timer(void *arg)
{
	return loop_timer_new(arg, 1e6, 0, on_never, NULL);
}

static void drop_timer(void *obj)
{
	loop_timer_free(obj);
}

/* What only an IKEv2 SA has (sa->v2). */
static void v2_parts(const struct ikev2_state *v, size_t sk_bytes, size_t *p)
{
	p[P_SA] += chunk(v);
	p[P_KEYS] += chunk_c(&v->keys.sk_d) + chunk_c(&v->keys.sk_ai) + chunk_c(&v->keys.sk_ar) +
		     chunk_c(&v->keys.sk_ei) + chunk_c(&v->keys.sk_er) + chunk_c(&v->keys.sk_pi) +
		     chunk_c(&v->keys.sk_pr);
	p[P_NONCES] += chunk_c(&v->child_ni);
	p[P_INIT] += chunk(v->init_ours.p) + chunk(v->init_theirs.p) + chunk_c(&v->cookie);
	p[P_REQ] += chunk(v->held_data.p);
	p[P_SK] += (v->sk_in ? sk_bytes : 0) + (v->sk_out ? sk_bytes : 0);
	p[P_DH] += v->child_dh ? 1 : 0;
}

static void sa_parts(const struct ike_sa *sa, size_t sk_bytes, size_t *p)
{
	p[P_SA] += chunk(sa);
	p[P_PEER] += chunk(sa->peer) + chunk(sa->remote_id) + chunk(sa->remote_cert);
	p[P_NONCES] += chunk_c(&sa->ni) + chunk_c(&sa->nr);
	p[P_REQ] += chunk(sa->req_pkt.p);
	p[P_RESP] += chunk(sa->resp_pkt.p);
	for (const struct ike_child *c = sa->children; c; c = c->next)
		p[P_CHILD] += chunk(c);
	/* an EVP_PKEY is more than its chunk: count that these exist */
	p[P_DH] += sa->dh ? 1 : 0;
	if (sa->v2)
		v2_parts(sa->v2, sk_bytes, p);
}

static void breakdown(struct daemon *d, long total, long malloc_per_sa)
{
	size_t p[P_N] = {0}, sum = 0, ndh;
	long sk = cost_of(make_sk, drop_sk, (void *)d->o->alg);
	long timer = cost_of(make_timer, drop_timer, d->l);
	struct ike_sa *sa;
	size_t pos = 0;

	while ((sa = ike_tab_next(&d->e->sas, &pos))) {
		sa_parts(sa, (size_t)sk, p);
		p[P_TIMER] += (sa->life ? 1 : 0) + (sa->rtx ? 1 : 0);
	}
	ndh = p[P_DH];
	p[P_DH] = 0; /* counted below as a number, not bytes */
	p[P_TIMER] *= (size_t)timer;
	p[P_TABLES] = (d->e->sas.cap + d->e->half.cap + d->e->half_src.cap + d->e->children.cap +
		       d->e->ids.cap + d->e->peer_sas.cap) *
		      sizeof(struct ike_tab_ent);
	printf("breakdown (bytes/SA, malloc chunks incl. headers; sizeof ike_sa %zu, "
	       "ikev2_state %zu, ike_child %zu):\n",
	       sizeof(struct ike_sa), sizeof(struct ikev2_state), sizeof(struct ike_child));
	for (int i = 0; i < P_N; i++) {
		if (i == P_DH) {
			printf("  %-34s %6zu left (of %ld SAs)\n", part_name[i], ndh, total);
			continue;
		}
		printf("  %-34s %6zu\n", part_name[i], p[i] / (size_t)total);
		sum += p[i];
	}
	printf("  %-34s %6zu (malloc delta %ld: %ld elsewhere or free-list growth)\n", "sum",
	       sum / (size_t)total, malloc_per_sa, malloc_per_sa - (long)(sum / (size_t)total));
	printf("  (one crypto_sk: %ld bytes; one timer: %ld bytes)\n", sk, timer);
}

/* --- the SK payload's per-message cost --- */

static void time_sk(const struct algs *a, size_t plainlen)
{
	enum { ITERS = 100000 };
	static uint8_t aad[32], plain[1024], sealed[2048], opened[2048];
	struct crypto_sk *out = new_sk(a), *in = new_sk(a);
	size_t body = crypto_sk_sealed_len(out, plainlen), olen = 0;
	double t0, t1, t2;
	int bad = 0;

	t0 = bench_now_ms(CLOCK_PROCESS_CPUTIME_ID);
	for (int i = 0; i < ITERS; i++)
		bad |= crypto_sk_seal(out, aad, sizeof(aad), plain, plainlen, sealed, body);
	t1 = bench_now_ms(CLOCK_PROCESS_CPUTIME_ID);
	for (int i = 0; i < ITERS; i++)
		bad |= crypto_sk_open(in, aad, sizeof(aad), sealed, body, opened, &olen);
	t2 = bench_now_ms(CLOCK_PROCESS_CPUTIME_ID);
	if (bad || olen != plainlen) {
		fprintf(stderr, "bench_ike_mem: SK seal/open failed\n");
		exit(1);
	}
	printf("sk %s, %4zu-byte payload: seal %.2f us, open %.2f us (CPU, %d each)\n", a->name,
	       plainlen, (t1 - t0) * 1e3 / ITERS, (t2 - t1) * 1e3 / ITERS, ITERS);
	crypto_sk_free(out);
	crypto_sk_free(in);
}

/* --- cookies --- */

/* Reads back the answers waiting on fd: how many were IKE_SA_INIT responses with a COOKIE
 * notify (RFC 7296 3.10.1: type 16390 at offset 6 of the notify after the header). */
static long cookie_answers(int fd)
{
	static uint8_t buf[BENCH_DGRAM_MAX];
	struct net_pkt p;
	long n = 0;

	while (bench_net_recv(fd, buf, &p) > 0)
		n += p.len >= 28 + 8 && buf[18] == 34 && buf[16] == 41 &&
		     (buf[28 + 6] << 8 | buf[28 + 7]) == 16390;
	return n;
}

/* c copies of the daemon's first IKE_SA_INIT request, from 10.128.0.0 + i, to an engine
 * with the daemon's configuration and cookies=always: each is answered with a COOKIE. */
static bool time_cookies(struct daemon *d, long c)
{
	struct net_pkt p = d->init_pkt;
	struct ike_limits lim;
	struct net *n;
	struct ike *e;
	long answered = 0;
	double cpu = 0;
	int sv[2], sndbuf = 1 << 20;

	if (!d->init_req || socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0)
		return false;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	n = bench_net_new(sv[0]);
	e = bench_engine(d->l, d->k, n, NULL);
	ike_apply(e, d->c);
	ike_limits_default(&lim);
	lim.cookies = IKE_COOKIES_ALWAYS;
	ike_set_limits(e, &lim);
	for (long i = 0; i < c;) {
		double t0 = bench_now_ms(CLOCK_PROCESS_CPUTIME_ID);

		for (long j = 0; j < RX_BATCH && i < c; j++, i++) {
			uint32_t a = 0x0a800000u + (uint32_t)i;

			p.remote.bytes[1] = (uint8_t)(a >> 16);
			p.remote.bytes[2] = (uint8_t)(a >> 8);
			p.remote.bytes[3] = (uint8_t)a;
			ike_recv(e, &p);
		}
		cpu += bench_now_ms(CLOCK_PROCESS_CPUTIME_ID) - t0;
		answered += cookie_answers(sv[1]);
	}
	printf("cookies: %ld IKE_SA_INIT requests in %.0f ms CPU: %.0f cookies per CPU-second "
	       "(%.2f us each), %ld answered with a COOKIE, %zu half-open\n",
	       c, cpu, cpu > 0 ? (double)c * 1e3 / cpu : 0, cpu * 1e3 / (double)c, answered,
	       e->half.n);
	ike_free(e);
	bench_net_free(n);
	close(sv[0]);
	close(sv[1]);
	return answered == c;
}

/* --- the CHILD SA rekey wave --- */

static void wave_timeout(struct loop_timer *w, void *arg)
{
	struct daemon *d = arg;

	(void)w;
	fprintf(stderr, "bench_ike_mem: the rekey wave did not end in time\n");
	loop_break(d->l);
}

/* Every CHILD SA reaches its soft lifetime at once, as those of SAs made together do: the
 * daemon rekeys them all (CREATE_CHILD_SA, then deletes the old pair). Done when the
 * kernel has deleted every old SA; then each IKE SA must have exactly one CHILD SA, a
 * new one, installed, and no exchange may have failed. */
static bool rekey_wave(struct daemon *d, long total)
{
	struct kern_sa_id *old = calloc((size_t)total, sizeof(*old));
	struct ike_tab was = {0}; /* the old inbound SPIs */
	struct ike_sa *sa;
	size_t pos = 0, n = 0;
	long missed = 0;
	double wall0, cpu0;

	if (!old)
		return false;
	while ((sa = ike_tab_next(&d->e->sas, &pos)) && n < (size_t)total)
		for (struct ike_child *c = sa->children; c && n < (size_t)total; c = c->next) {
			old[n].proto = c->proto;
			old[n].spi = c->spi_in;
			old[n].dst.family = sa->local.family;
			memcpy(old[n].dst.bytes, sa->local.bytes, sizeof(old[n].dst.bytes));
			if (ike_tab_put(&was, (uint64_t)c->spi_in + 1, c) < 0)
				return false;
			n++;
		}
	d->done = false;
	d->wave_until = bench_kern_deleted(d->k) + 2 * (long)n;
	wall0 = bench_now_ms(CLOCK_MONOTONIC);
	cpu0 = bench_now_ms(CLOCK_PROCESS_CPUTIME_ID);
	for (size_t i = 0; i < n; i++)
		ike_expire(d->e, &old[i], false);
	bench_kern_run(d->k);
	struct loop_timer *limit = loop_timer_new(d->l, 60 + (double)n / 500, 0, wave_timeout, d);

	loop_run(d->l);
	loop_timer_free(limit);
	double wall = bench_now_ms(CLOCK_MONOTONIC) - wall0;
	double cpu = bench_now_ms(CLOCK_PROCESS_CPUTIME_ID) - cpu0;

	pos = 0;
	while ((sa = ike_tab_next(&d->e->sas, &pos))) {
		unsigned live = 0;
		bool renewed = true;

		for (struct ike_child *c = sa->children; c; c = c->next) {
			live += c->state == CHILD_STATE_INSTALLED;
			renewed = renewed && !ike_tab_get(&was, (uint64_t)c->spi_in + 1);
		}
		missed += live != 1 || !renewed;
	}
	ike_tab_free(&was);
	free(old);
	printf("rekey wave: %zu CHILD SAs in %.0f ms wall, daemon CPU %.0f ms (%.0f us each), "
	       "%ld IKE SAs without exactly one new CHILD SA, %llu failed exchanges, %llu "
	       "retransmissions\n",
	       n, wall, cpu, cpu * 1e3 / (double)(n ? n : 1), missed,
	       (unsigned long long)ike_stats(d->e)->failed,
	       (unsigned long long)ike_stats(d->e)->retransmits);
	return d->done && !missed && !ike_stats(d->e)->failed;
}

/* --- main --- */

static void report(struct daemon *d)
{
	long n = d->o->n;

	printf("handshakes: %ld in %.0f ms wall, daemon CPU %.0f ms (%.0f us/SA, %.0f per "
	       "CPU-second)\n",
	       n, d->wall1 - d->wall0, d->cpu1 - d->cpu0, (d->cpu1 - d->cpu0) * 1e3 / (double)n,
	       d->cpu1 > d->cpu0 ? (double)n * 1e3 / (d->cpu1 - d->cpu0) : 0);
	printf("rss: before %ld KiB, after %ld KiB, delta %ld KiB: %ld bytes/SA\n",
	       d->base.rss / 1024, d->end.rss / 1024, (d->end.rss - d->base.rss) / 1024,
	       (d->end.rss - d->base.rss) / n);
	printf("malloc: in use %+ld bytes/SA, taken from the system %+ld bytes/SA\n",
	       per(d->end.used, d->base.used, n), per(d->end.sys, d->base.sys, n));
	malloc_trim(0);
	printf("rss after malloc_trim(0): %ld bytes/SA over the baseline\n",
	       (mem_now().rss - d->base.rss) / n);
}

static int daemon_main(const struct opts *o, int fd)
{
	struct daemon d = {.o = o};
	long total = o->n + o->warmup;

	d.l = loop_default();
	d.k = bench_kern_new(0xa0000100u);
	d.n = bench_net_new(fd);
	d.c = daemon_conf(o->alg, o->others);
	if (!d.l || !d.k || !d.n || !loop_io_new(d.l, fd, LOOP_READ, daemon_rx, &d))
		return 1;
	d.e = bench_engine(d.l, d.k, d.n, NULL);
	double a0 = bench_now_ms(CLOCK_MONOTONIC);

	ike_apply(d.e, d.c);
	printf("apply: %ld peers in %.1f ms (no SA yet)\n", o->others + 1,
	       bench_now_ms(CLOCK_MONOTONIC) - a0);
	loop_run(d.l);
	if (d.failed || !d.done || !daemon_verify(&d, total)) {
		close(fd); /* the peers exit */
		return 1;
	}
	report(&d);
	double a1 = bench_now_ms(CLOCK_MONOTONIC);

	ike_apply(d.e, d.c); /* what a reload that changed nothing costs the engine */
	printf("apply again: %ld peers, %ld IKE SAs in %.1f ms\n", o->others + 1, total,
	       bench_now_ms(CLOCK_MONOTONIC) - a1);
	breakdown(&d, total, per(d.end.used, d.base.used, o->n));
	if (o->rekey && !rekey_wave(&d, total)) {
		close(fd);
		return 1;
	}
	if (o->cookies && !time_cookies(&d, o->cookies)) {
		fprintf(stderr, "bench_ike_mem: not every request was answered with a cookie\n");
		close(fd);
		return 1;
	}
	time_sk(o->alg, 0);   /* an empty INFORMATIONAL: DPD */
	time_sk(o->alg, 300); /* about a CREATE_CHILD_SA */
	close(fd);	      /* the peers exit */
	ike_free(d.e);
	conf_free(d.c);
	bench_net_free(d.n);
	bench_kern_free(d.k);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_ike_mem [-a cbc|gcm] [-b BATCH] [-w WARMUP] [-k PEERS] [-r] "
			"[-c COOKIES] "
			"[N]\n");
	exit(2);
}

static void parse(int argc, char **argv, struct opts *o)
{
	int opt;

	while ((opt = getopt(argc, argv, "1a:b:c:k:rw:")) != -1) {
		if (opt == '1') {
			exchange_mode = "main";
		} else if (opt == 'a') {
			o->alg = !strcmp(optarg, "cbc")	  ? &algsets[0]
				 : !strcmp(optarg, "gcm") ? &algsets[1]
							  : NULL;
			if (!o->alg)
				usage();
		} else if (opt == 'b') {
			o->batch = bench_parse_n("BATCH", optarg, 1, MAX_SAS);
		} else if (opt == 'c') {
			o->cookies = bench_parse_n("COOKIES", optarg, 1, 100000000);
		} else if (opt == 'r') {
			o->rekey = true;
		} else if (opt == 'k') {
			o->others = bench_parse_n("PEERS", optarg, 0, 1000000);
		} else if (opt == 'w') {
			o->warmup = bench_parse_n("WARMUP", optarg, 1, MAX_SAS);
		} else {
			usage();
		}
	}
	if (optind < argc)
		o->n = bench_parse_n("N", argv[optind++], 1, MAX_SAS);
	if (optind < argc)
		usage();
	/* whole batches: no half-open SA at either snapshot */
	o->warmup = (o->warmup + o->batch - 1) / o->batch * o->batch;
	o->n = (o->n + o->batch - 1) / o->batch * o->batch;
	if (o->n + o->warmup > MAX_SAS)
		usage();
	if (!strcmp(exchange_mode, "main") && o->alg == &algsets[1]) {
		fprintf(stderr, "bench_ike_mem: -1 takes -a cbc: IKEv1 has no AES-GCM for the "
				"ISAKMP SA (every handshake would fail)\n");
		exit(2);
	}
}

int main(int argc, char **argv)
{
	struct opts o = {.n = 10000, .warmup = 100, .batch = 50, .alg = &algsets[0]};
	int sv[2], status = 0, sndbuf = 1 << 20;
	pid_t pid;

	parse(argc, argv, &o);
	log_init("bench_ike_mem", false, getenv("BENCH_DEBUG") ? LOG_LVL_DEBUG : LOG_LVL_WARNING);
	if (crypto_init() < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0) {
		perror("bench_ike_mem: setup");
		return 1;
	}
	for (int i = 0; i < 2; i++) /* capped at wmem_max: then B must stay small */
		setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	printf("bench_ike_mem: %ld IKE SAs (+%ld warm-up) with one CHILD SA each, peers in a "
	       "child process %ld at a time; IKE SA %s/sha256/ecp256, PSK\n",
	       o.n, o.warmup, o.batch, o.alg->profile_enc);
	fflush(stdout);
	if ((pid = fork()) < 0) {
		perror("bench_ike_mem: fork");
		return 1;
	}
	if (pid == 0) {
		close(sv[0]);
		exit(peers_main(&o, sv[1]));
	}
	close(sv[1]);
	int r = daemon_main(&o, sv[0]);

	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "bench_ike_mem: the peers' process failed\n");
		r = 1;
	}
	return r;
}
