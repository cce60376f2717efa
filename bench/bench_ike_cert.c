/* bench_ike_cert: the CPU one handshake costs the daemon as responder, with a pre-shared key
 * and with ECDSA P-256 certificates. The daemon's side is one IKE engine (passive responder,
 * peer "rw" = 10.0.0.1) on the real loop (libev) with the light kernel and net fakes of
 * bench_ike_env.c; the initiator, one peer with one identity, runs in a forked child
 * process, so only the responder's CPU is counted. Handshakes run one after another, each a
 * full IKE_SA_INIT + IKE_AUTH with one CHILD SA: once it is up the initiator forgets its IKE
 * SA without a word and starts the next one, whose INITIAL_CONTACT (RFC 7296 2.4) makes the
 * daemon drop the old one; no INFORMATIONAL exchange is measured. Both modes use the same
 * profile (aes-256/sha256, ecp256) and proposal.
 *
 * Each mode runs in a process of its own (neither inherits the other's loop or OpenSSL
 * state), both alive at once. After W warm-up handshakes each, main has them take turns:
 * a block of B handshakes in one mode, then a block in the other (which mode goes first
 * alternates), until N each. A VM's speed can drift by a quarter over seconds; two modes
 * run one after the other would each see a different machine, blocks taken in turns see
 * the same one. The daemon's CPU time (CLOCK_PROCESS_CPUTIME_ID) is taken over each
 * block; the bench prints, for each mode, the mean and the median per handshake over its
 * blocks; the certificate mode's extra as the median over the rounds of the two blocks'
 * difference (a burst of other work in one block hardly moves it; the difference of the
 * means is printed too); the chain verifications the daemon's certificate store did (its
 * cache should answer all but the first); and the CPU of the certificate calls the
 * responder makes, one by one, so that an extra over budget can be traced.
 *
 * All the processes run on one CPU (-c, by default the lowest this process may use), as
 * `openssl speed` does. Left to the scheduler, the daemon's CPU idles while the peer on the
 * other one answers; a VM's host may then resume that virtual CPU on another physical core,
 * and the next message meets cold caches. On the 2-CPU VM this was written on, that made
 * the PSK handshake swing between 205 and 280 us from one run to the next, and the
 * certificate mode's extra between 82 and 127 us, while on one CPU both held within 2%.
 * -c any measures that case too.
 *
 * The certificates come from DIR (run-ike-cert-bench.sh makes it with the pki_make of
 * tests/integration/pki.sh): ca.pem, daemon-bundle.pem and peer-bundle.pem (an ECDSA P-256
 * certificate for DNS:daemon.bench and DNS:peer.bench, each followed by its key), and
 * ca.crl when there is one.
 *
 *   bench_ike_cert [-m psk|cert|both] [-p DIR] [-w W] [-b B] [-c CPU|any] [N]
 *                                        N 2000, W 50, B 20, both modes, the lowest CPU
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* open_memstream */
#endif
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "bench_ike_env.h"
#include "ike_internal.h"
#include "ipsecd/conf.h"
#include "ipsecd/crypto.h"
#include "ipsecd/ike.h"
#include "ipsecd/log.h"
#include "ipsecd/loop.h"
#include "ipsecd/pki.h"
#include "ipsecd/sig.h"

#define MAX_N	    10000000L
#define DAEMON_ADDR "192.0.2.1"
#define PEER_ADDR   "10.0.0.1"
#define SECRET	    "bench-secret-0123456789"
#define RX_BATCH    64 /* datagrams per readiness, as the real net (NET_RX_BATCH) */

enum mode { M_PSK, M_CERT, M_N };

static const char *const mode_name[M_N] = {"psk", "cert"};

struct opts {
	long n, warmup, block;
	bool run[M_N];
	const char *dir; /* the PKI, for cert */
	int cpu;	 /* every process on this CPU; -1: any */
};

/* A mode's figures, summed over its blocks. */
struct result {
	bool ok;
	double cpu_ms, wall_ms;
	struct pki_cache_stats during, total; /* the daemon's chain verifications */
	double *block_us;		      /* CPU per handshake in each block */
	size_t nblocks;
};

/* --- credentials --- */

static bool import(struct pki_store *s, const char *dir, const char *file, const char *name)
{
	char path[4096], msg[PKI_MSG_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (pki_store_import(s, path, name, NULL, 0, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "bench_ike_cert: %s\n", msg);
		return false;
	}
	return true;
}

static bool has_crl(const char *dir)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/ca.crl", dir);
	return stat(path, &st) == 0;
}

/* The CA, the CRL when there is one, and own's certificate with its key, as the daemon's
 * credentials would hold them. NULL (said why) on failure. */
static struct pki_store *load_store(const char *dir, const char *own)
{
	struct pki_store *s = pki_store_new();
	char bundle[64];

	snprintf(bundle, sizeof(bundle), "%s-bundle.pem", own);
	if (!s || !import(s, dir, "ca.pem", "ca") || !import(s, dir, bundle, own) ||
	    (has_crl(dir) && !import(s, dir, "ca.crl", "ca-crl"))) {
		pki_store_free(s);
		return NULL;
	}
	return s;
}

/* --- configurations --- */

static void common_conf(FILE *f, enum mode m, const char *dir, const char *own)
{
	if (m == M_CERT) {
		fprintf(f, "/certificate import file-name=%s/ca.pem name=ca\n", dir);
		fprintf(f, "/certificate import file-name=%s/%s-bundle.pem name=%s\n", dir, own,
			own);
		if (has_crl(dir))
			fprintf(f, "/certificate import file-name=%s/ca.crl name=ca-crl\n", dir);
	}
	fputs("/ip ipsec profile\n"
	      "set [ find default=yes ] dh-group=ecp256 enc-algorithm=aes-256 "
	      "hash-algorithm=sha256 "
	      "dpd-interval=0s lifetime=1d\n"
	      "/ip ipsec proposal\n"
	      "set [ find default=yes ] auth-algorithms=sha256 enc-algorithms=aes-256-cbc "
	      "pfs-group=none\n",
	      f);
}

static void identity_conf(FILE *f, enum mode m, const char *peer, const char *own)
{
	fputs("/ip ipsec identity\n", f);
	if (m == M_PSK)
		fprintf(f, "add peer=%s secret=\"" SECRET "\"\n", peer);
	else
		fprintf(f, "add peer=%s auth-method=digital-signature certificate=%s\n", peer, own);
}

/* The daemon: one passive peer, one road-warrior policy. */
static struct conf *daemon_conf(enum mode m, const char *dir)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		exit(1);
	common_conf(f, m, dir, "daemon");
	fputs("/ip ipsec peer\n"
	      "add name=rw address=" PEER_ADDR "/32 local-address=" DAEMON_ADDR
	      " exchange-mode=ike2 "
	      "passive=yes\n",
	      f);
	identity_conf(f, m, "rw", "daemon");
	fputs("/ip ipsec policy\n"
	      "add src-address=172.16.0.0/12 dst-address=" PEER_ADDR "/32 peer=rw tunnel=yes\n",
	      f);
	fclose(f);
	return bench_conf_load("daemon", text, len);
}

/* The peer: one initiating peer (send-initial-contact=yes, the default), a host-to-net
 * policy. */
static struct conf *peer_conf(enum mode m, const char *dir)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		exit(1);
	common_conf(f, m, dir, "peer");
	fputs("/ip ipsec peer\n"
	      "add name=gw address=" DAEMON_ADDR "/32 local-address=" PEER_ADDR
	      " exchange-mode=ike2\n",
	      f);
	identity_conf(f, m, "gw", "peer");
	fputs("/ip ipsec policy\n"
	      "add src-address=" PEER_ADDR "/32 dst-address=172.16.0.0/12 peer=gw tunnel=yes\n",
	      f);
	fclose(f);
	return bench_conf_load("peer", text, len);
}

/* --- the peer (child process): one handshake after another --- */

struct peer {
	struct loop *l;
	struct kern *k;
	struct conf *c;
	struct ike *e;
	uint64_t total; /* handshakes asked for so far */
	uint64_t done;	/* and made */
};

/* The IKE SA just established is forgotten here without a delete (its successor's
 * INITIAL_CONTACT removes it at the daemon), and the next one started while the daemon
 * has asked for more. */
static void peer_next(struct peer *p)
{
	const struct ike_stats *st = ike_stats(p->e);
	struct ike_sa *sa;
	size_t pos = 0;

	if (st->failed) {
		fprintf(stderr, "bench_ike_cert: the peer failed a handshake\n");
		exit(1);
	}
	if (st->established == p->done)
		return;
	p->done = st->established;
	while ((sa = ike_tab_next(&p->e->sas, &pos)))
		if (sa->state == IKE_STATE_ESTABLISHED)
			ike_sa_destroy(sa, true);
	bench_kern_run(p->k);
	if (p->done < p->total)
		ike_apply(p->e, p->c); /* initiates on the loop's next turn */
}

static void peer_rx(struct loop_io *w, int fd, int events, void *arg)
{
	static uint8_t buf[BENCH_DGRAM_MAX];
	struct peer *p = arg;
	struct net_pkt pkt;
	int r = 1;

	(void)w;
	(void)events;
	for (int i = 0; i < RX_BATCH && (r = bench_net_recv(fd, buf, &pkt)) > 0; i++) {
		ike_recv(p->e, &pkt);
		bench_kern_run(p->k);
		peer_next(p);
	}
	if (r < 0) /* the daemon is done */
		loop_break(p->l);
}

/* The daemon asks for a block of handshakes: start when idle. */
static void peer_go(struct loop_io *w, int fd, int events, void *arg)
{
	struct peer *p = arg;
	int32_t count;

	(void)w;
	(void)events;
	if (read(fd, &count, sizeof(count)) != (ssize_t)sizeof(count) || count <= 0) {
		loop_break(p->l);
		return;
	}
	if (p->done == p->total)
		ike_apply(p->e, p->c);
	p->total += (uint64_t)count;
}

static int peer_main(enum mode m, const char *dir, int fd, int go)
{
	struct peer p = {0};
	struct pki_store *s = m == M_CERT ? load_store(dir, "peer") : NULL;
	struct net *n = bench_net_new(fd);

	p.l = loop_default();
	p.k = bench_kern_new(0xb0000100u);
	if (!p.l || !p.k || !n || (m == M_CERT && !s) ||
	    !loop_io_new(p.l, fd, LOOP_READ, peer_rx, &p) ||
	    !loop_io_new(p.l, go, LOOP_READ, peer_go, &p))
		return 1;
	p.c = peer_conf(m, dir);
	p.e = bench_engine(p.l, p.k, n, s);
	loop_run(p.l);
	return 0; /* exit() frees it all; nothing of it is measured */
}

/* --- the daemon (the mode's process) --- */

/* What a mode's process tells main after each block, and at the end. */
struct block {
	bool ok;
	double cpu_ms, wall_ms;	      /* the daemon's, over the block */
	struct pki_cache_stats cache; /* its chain verifications during the block */
};

struct daemon {
	struct loop *l;
	struct kern *k;
	struct ike *e;
	struct pki_store *store;
	int ctl, go;	 /* main's socket; the peer's pipe */
	uint64_t target; /* the block ends when this many are established */
	bool busy, done, failed;
	double wall0, cpu0;
	struct pki_cache_stats c0;
};

static void cache_stats(const struct daemon *d, struct pki_cache_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (d->store)
		pki_store_cache_stats(d->store, out);
}

static void daemon_fail(struct daemon *d, const char *why)
{
	fprintf(stderr, "bench_ike_cert: %s\n", why);
	d->failed = true;
	loop_break(d->l);
}

static void daemon_check(struct daemon *d)
{
	const struct ike_stats *st = ike_stats(d->e);
	struct block b = {.ok = true};

	if (st->failed) {
		daemon_fail(d, "the daemon failed a handshake");
		return;
	}
	if (!d->busy || st->established < d->target)
		return;
	d->busy = false;
	b.cpu_ms = bench_now_ms(CLOCK_PROCESS_CPUTIME_ID) - d->cpu0;
	b.wall_ms = bench_now_ms(CLOCK_MONOTONIC) - d->wall0;
	cache_stats(d, &b.cache);
	b.cache.hits -= d->c0.hits;
	b.cache.misses -= d->c0.misses;
	if (write(d->ctl, &b, sizeof(b)) != (ssize_t)sizeof(b))
		daemon_fail(d, "main went away");
}

static void daemon_rx(struct loop_io *w, int fd, int events, void *arg)
{
	static uint8_t buf[BENCH_DGRAM_MAX];
	struct daemon *d = arg;
	struct net_pkt p;
	int r = 1;

	(void)w;
	(void)events;
	for (int i = 0; i < RX_BATCH && !d->failed && (r = bench_net_recv(fd, buf, &p)) > 0; i++) {
		ike_recv(d->e, &p);
		bench_kern_run(d->k);
		daemon_check(d);
	}
	if (r < 0)
		daemon_fail(d, "the peer went away");
}

/* main asks for a block of count handshakes (0: the end): the clocks start, and the
 * peer is told. */
static void daemon_go(struct loop_io *w, int fd, int events, void *arg)
{
	struct daemon *d = arg;
	int32_t count;

	(void)w;
	(void)events;
	if (read(fd, &count, sizeof(count)) != (ssize_t)sizeof(count) || count <= 0) {
		d->done = true;
		loop_break(d->l);
		return;
	}
	if (d->busy) {
		daemon_fail(d, "a block was asked for during another");
		return;
	}
	d->busy = true;
	d->target = ike_stats(d->e)->established + (uint64_t)count;
	cache_stats(d, &d->c0);
	d->wall0 = bench_now_ms(CLOCK_MONOTONIC);
	d->cpu0 = bench_now_ms(CLOCK_PROCESS_CPUTIME_ID);
	if (write(d->go, &count, sizeof(count)) != (ssize_t)sizeof(count))
		daemon_fail(d, "the peer went away");
}

/* INITIAL_CONTACT left one IKE SA, established with one CHILD SA keyed in the kernel. */
static bool daemon_verify(struct daemon *d)
{
	const struct ike_stats *st = ike_stats(d->e);
	long bad = 0;

	ike_walk(d->e, bench_count_unready, &bad);
	if (bad || d->e->sas.n != 1 || bench_kern_keyed(d->k) != 2) {
		fprintf(stderr,
			"bench_ike_cert: at the end %zu IKE SAs (%ld not established with one "
			"CHILD SA), %ld kernel SAs keyed (want 1, 0 and 2)\n",
			d->e->sas.n, bad, bench_kern_keyed(d->k));
		return false;
	}
	bench_note_stats(st);
	return true;
}

/* Runs blocks as main asks; at the end, a last block: ok, and the cache's totals. */
static int daemon_main(enum mode m, const char *dir, int fd, int ctl, int go)
{
	struct daemon d = {.ctl = ctl, .go = go};
	struct net *n = bench_net_new(fd);
	struct block end = {0};
	struct conf *c;

	d.l = loop_default();
	d.k = bench_kern_new(0xa0000100u);
	d.store = m == M_CERT ? load_store(dir, "daemon") : NULL;
	if (!d.l || !d.k || !n || (m == M_CERT && !d.store) ||
	    !loop_io_new(d.l, fd, LOOP_READ, daemon_rx, &d) ||
	    !loop_io_new(d.l, ctl, LOOP_READ, daemon_go, &d)) {
		close(fd); /* the peer exits */
		return 1;
	}
	c = daemon_conf(m, dir);
	d.e = bench_engine(d.l, d.k, n, d.store);
	ike_apply(d.e, c);
	loop_run(d.l);
	end.ok = !d.failed && d.done && daemon_verify(&d);
	cache_stats(&d, &end.cache);
	close(fd); /* the peer exits */
	close(go);
	if (write(ctl, &end, sizeof(end)) != (ssize_t)sizeof(end))
		end.ok = false;
	ike_free(d.e);
	conf_free(c);
	pki_store_free(d.store);
	bench_net_free(n);
	bench_kern_free(d.k);
	return end.ok ? 0 : 1;
}

/* One mode in this process: the peer forked off, the daemon here. */
static int mode_main(enum mode m, const char *dir, int ctl)
{
	int sv[2], go[2], status = 0, r;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0 || pipe(go) < 0) {
		perror("bench_ike_cert: socketpair");
		return 1;
	}
	if ((pid = fork()) < 0) {
		perror("bench_ike_cert: fork");
		return 1;
	}
	if (pid == 0) {
		close(sv[0]);
		close(go[1]);
		close(ctl);
		exit(peer_main(m, dir, sv[1], go[0]));
	}
	close(sv[1]);
	close(go[0]);
	r = daemon_main(m, dir, sv[0], ctl, go[1]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "bench_ike_cert: the peer's process failed\n");
		r = 1;
	}
	return r;
}

/* --- main: the modes' blocks, interleaved --- */

struct run {
	pid_t pid;
	int ctl; /* to the mode's daemon; -1: not running */
	struct result res;
};

static bool mode_start(enum mode m, const char *dir, struct run *r)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0 || (r->pid = fork()) < 0) {
		perror("bench_ike_cert: fork");
		return false;
	}
	if (r->pid == 0) {
		close(sv[0]);
		exit(mode_main(m, dir, sv[1]));
	}
	close(sv[1]);
	r->ctl = sv[0];
	return true;
}

/* One block of count handshakes (0: the end) in mode m; false when it failed. */
static bool mode_block(enum mode m, struct run *r, int32_t count, struct block *b)
{
	if (write(r->ctl, &count, sizeof(count)) != (ssize_t)sizeof(count) ||
	    read(r->ctl, b, sizeof(*b)) != (ssize_t)sizeof(*b) || !b->ok) {
		fprintf(stderr, "bench_ike_cert: the %s run failed\n", mode_name[m]);
		return false;
	}
	return true;
}

static bool mode_end(enum mode m, struct run *r)
{
	struct block b;
	int status = 0;
	bool ok = mode_block(m, r, 0, &b);

	close(r->ctl);
	if (waitpid(r->pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "bench_ike_cert: the %s run failed\n", mode_name[m]);
		ok = false;
	}
	r->res.total = b.cache;
	r->res.ok = ok;
	return ok;
}

/* The warm-up, then blocks of o->block handshakes until o->n, the modes taking turns
 * (the first mode of a round alternates), so that a machine whose speed drifts over
 * seconds slows both alike. */
static bool run_modes(const struct opts *o, struct run *runs)
{
	size_t rounds = (size_t)((o->n + o->block - 1) / o->block);
	struct block b;
	long left = o->n;

	for (int m = 0; m < M_N; m++)
		if (o->run[m] && (!(runs[m].res.block_us = calloc(rounds, sizeof(double))) ||
				  !mode_start((enum mode)m, o->dir, &runs[m]) ||
				  !mode_block((enum mode)m, &runs[m], (int32_t)o->warmup, &b)))
			return false;
	for (size_t round = 0; left > 0; round++) {
		int32_t count = (int32_t)(left < o->block ? left : o->block);

		for (int i = 0; i < M_N; i++) {
			enum mode m = (enum mode)(round % 2 ? M_N - 1 - i : i);
			struct result *res = &runs[m].res;

			if (!o->run[m])
				continue;
			if (!mode_block(m, &runs[m], count, &b))
				return false;
			res->cpu_ms += b.cpu_ms;
			res->wall_ms += b.wall_ms;
			res->during.hits += b.cache.hits;
			res->during.misses += b.cache.misses;
			res->block_us[res->nblocks++] = b.cpu_ms * 1e3 / count;
		}
		left -= count;
	}
	for (int m = 0; m < M_N; m++)
		if (o->run[m] && !mode_end((enum mode)m, &runs[m]))
			return false;
	return true;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of v[0..n) (the upper middle for an even n); v is sorted. */
static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n ? v[n / 2] : 0;
}

/* The median over the rounds of (cert - psk) per handshake: a burst of other work on the
 * machine during one block moves it little, where it moves the means a lot. */
static double extra_us(const struct run *runs)
{
	const struct result *p = &runs[M_PSK].res, *c = &runs[M_CERT].res;
	size_t n = p->nblocks < c->nblocks ? p->nblocks : c->nblocks;
	double *d = calloc(n ? n : 1, sizeof(*d)), r;

	if (!d)
		exit(1);
	for (size_t i = 0; i < n; i++)
		d[i] = c->block_us[i] - p->block_us[i];
	r = median(d, n);
	free(d);
	return r;
}

static double per_hs_us(const struct opts *o, const struct result *r)
{
	return r->cpu_ms * 1e3 / (double)o->n;
}

static void report_mode(const struct opts *o, enum mode m, struct result *r)
{
	printf("%s: %ld handshakes, responder CPU %.1f ms (mean %.1f us), %.1f us/handshake "
	       "(median of %zu blocks; wall %.0f ms)",
	       mode_name[m], o->n, r->cpu_ms, per_hs_us(o, r), median(r->block_us, r->nblocks),
	       r->nblocks, r->wall_ms);
	if (m == M_CERT)
		printf("; chain verifications %llu, cache hits %llu (all handshakes: %llu and "
		       "%llu)",
		       (unsigned long long)r->during.misses, (unsigned long long)r->during.hits,
		       (unsigned long long)r->total.misses, (unsigned long long)r->total.hits);
	printf("\n");
	fflush(stdout);
}

/* --- the certificate calls the responder makes, one by one --- */

enum { K = 2000 };

struct parts {
	struct pki_store *daemon, *peer;
	const struct pki_entry *mine, *theirs;
	uint8_t *der; /* the peer's certificate, as its CERT payload carries it */
	size_t dlen;
	uint8_t octets[480];	 /* about what AUTH signs with ecp256: IKE_SA_INIT, nonce, prf */
	struct crypto_chunk sig; /* the peer's AUTH data over octets */
	double t0;
};

static void part_begin(struct parts *p)
{
	p->t0 = bench_now_ms(CLOCK_PROCESS_CPUTIME_ID);
}

static void part_end(struct parts *p, const char *what, int n, int bad)
{
	double us = (bench_now_ms(CLOCK_PROCESS_CPUTIME_ID) - p->t0) * 1e3 / n;

	if (bad) {
		fprintf(stderr, "bench_ike_cert: %s failed\n", what);
		exit(1);
	}
	printf("  %-52s %7.1f us\n", what, us);
}

static void time_sign_verify(struct parts *p)
{
	EVP_PKEY *pub = X509_get0_pubkey(p->theirs->cert);
	struct crypto_chunk c;
	char why[160];
	int bad = 0;

	part_begin(p);
	for (int i = 0; i < K; i++) {
		c = (struct crypto_chunk){0};
		bad |= sig_sign(p->mine->key, 14, SIG_HASH_SHA256, p->octets, sizeof(p->octets),
				&c);
		crypto_chunk_clear(&c);
	}
	part_end(p, "sig_sign (AUTH method 14, ECDSA P-256 SHA-256)", K, bad);
	part_begin(p);
	for (int i = 0; i < K; i++)
		bad |= sig_verify(pub, 14, p->sig.ptr, p->sig.len, p->octets, sizeof(p->octets),
				  why, sizeof(why));
	part_end(p, "sig_verify (the same, one key object)", K, bad);
	part_begin(p);
	for (int i = 0; i < K; i++) {
		X509 *x = pki_cert_from_der(p->der, p->dlen);

		bad |= !x || sig_verify(X509_get0_pubkey(x), 14, p->sig.ptr, p->sig.len, p->octets,
					sizeof(p->octets), why, sizeof(why));
		X509_free(x);
	}
	part_end(p, "pki_cert_from_der + sig_verify with its key", K, bad);
}

static void time_certs(struct parts *p)
{
	char why[PKI_MSG_MAX];
	time_t now = time(NULL);
	int bad = 0;

	part_begin(p);
	for (int i = 0; i < K; i++) {
		X509 *x = pki_cert_from_der(p->der, p->dlen);

		bad |= !x;
		X509_free(x);
	}
	part_end(p, "pki_cert_from_der (the peer's CERT payload)", K, bad);
	part_begin(p);
	for (int i = 0; i < K; i++) {
		X509 *x = pki_store_cert_from_der(p->daemon, p->der, p->dlen);

		bad |= !x;
		X509_free(x);
	}
	part_end(p, "pki_store_cert_from_der (the same, cached)", K, bad);
	part_begin(p);
	for (int i = 0; i < K; i++) {
		char *line = pki_dn_line(X509_get_subject_name(p->theirs->cert));

		bad |= !line;
		free(line);
	}
	part_end(p, "pki_dn_line (the peer's subject, for print)", K, bad);
	part_begin(p);
	for (int i = 0; i < K; i++) {
		uint8_t type, id[256];
		size_t len = sizeof(id);

		bad |= pki_cert_default_id(p->mine->cert, &type, id, &len) < 0;
	}
	part_end(p, "pki_cert_default_id (my-id=auto)", K, bad);
	part_begin(p);
	for (int i = 0; i < K; i++)
		bad |= pki_verify(p->daemon, p->theirs->cert, NULL, now, why, sizeof(why));
	part_end(p, "pki_verify, cached", K, bad);
	part_begin(p);
	for (int i = 0; i < K / 4; i++) {
		bad |= pki_store_set_trusted(p->daemon, "ca", true); /* a new generation */
		bad |= pki_verify(p->daemon, p->theirs->cert, NULL, now, why, sizeof(why));
	}
	part_end(p, "pki_verify after a store change (the chain checked)", K / 4, bad);
	part_begin(p);
	for (int i = 0; i < K; i++) {
		uint8_t id[] = "peer.bench";

		bad |= !pki_cert_matches_id(p->theirs->cert, PKI_ID_FQDN, id, sizeof(id) - 1);
	}
	part_end(p, "pki_cert_matches_id (FQDN in subjectAltName)", K, bad);
	part_begin(p);
	for (int i = 0; i < K; i++) {
		unsigned char *der = NULL;

		bad |= i2d_X509(p->mine->cert, &der) <= 0;
		OPENSSL_free(der);
	}
	part_end(p, "i2d_X509 (our CERT payload)", K, bad);
}

static void time_parts(const struct opts *o)
{
	struct parts p = {0};
	int len;

	p.daemon = load_store(o->dir, "daemon");
	p.peer = load_store(o->dir, "peer");
	p.mine = p.daemon ? pki_store_find(p.daemon, "daemon") : NULL;
	p.theirs = p.peer ? pki_store_find(p.peer, "peer") : NULL;
	if (!p.mine || !p.theirs || !p.mine->key || !p.theirs->key ||
	    crypto_random(p.octets, sizeof(p.octets)) < 0 ||
	    sig_sign(p.theirs->key, 14, SIG_HASH_SHA256, p.octets, sizeof(p.octets), &p.sig) < 0 ||
	    (len = i2d_X509(p.theirs->cert, &p.der)) <= 0) {
		fprintf(stderr, "bench_ike_cert: the certificates for the parts are missing\n");
		exit(1);
	}
	p.dlen = (size_t)len;
	printf("responder's certificate calls, CPU per call (%d calls each):\n", K);
	time_sign_verify(&p);
	time_certs(&p);
	OPENSSL_free(p.der);
	crypto_chunk_clear(&p.sig);
	pki_store_free(p.daemon);
	pki_store_free(p.peer);
}

/* --- main --- */

/* This process and the ones it forks onto o->cpu (the lowest allowed one when -2); false
 * when it may not run there. */
static bool pin(struct opts *o)
{
	cpu_set_t set;

	if (o->cpu == -1)
		return true;
	if (sched_getaffinity(0, sizeof(set), &set) < 0) {
		perror("bench_ike_cert: sched_getaffinity");
		return false;
	}
	if (o->cpu == -2)
		for (o->cpu = 0; o->cpu < CPU_SETSIZE - 1 && !CPU_ISSET(o->cpu, &set); o->cpu++)
			;
	if (!CPU_ISSET(o->cpu, &set)) {
		fprintf(stderr, "bench_ike_cert: CPU %d is not one this process may use\n", o->cpu);
		return false;
	}
	CPU_ZERO(&set);
	CPU_SET(o->cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0) {
		perror("bench_ike_cert: sched_setaffinity");
		return false;
	}
	return true;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_ike_cert [-m psk|cert|both] [-p DIR] [-w WARMUP] [-b BLOCK] "
			"[-c CPU|any] [N]\n");
	exit(2);
}

static void parse(int argc, char **argv, struct opts *o)
{
	int opt;

	while ((opt = getopt(argc, argv, "b:c:m:p:w:")) != -1) {
		if (opt == 'm') {
			bool both = !strcmp(optarg, "both");

			o->run[M_PSK] = both || !strcmp(optarg, "psk");
			o->run[M_CERT] = both || !strcmp(optarg, "cert");
			if (!o->run[M_PSK] && !o->run[M_CERT])
				usage();
		} else if (opt == 'p') {
			o->dir = optarg;
		} else if (opt == 'w') {
			o->warmup = bench_parse_n("WARMUP", optarg, 1, MAX_N);
		} else if (opt == 'b') {
			o->block = bench_parse_n("BLOCK", optarg, 1, MAX_N);
		} else if (opt == 'c') {
			o->cpu = strcmp(optarg, "any")
					 ? (int)bench_parse_n("CPU", optarg, 0, CPU_SETSIZE - 1)
					 : -1;
		} else {
			usage();
		}
	}
	if (optind < argc)
		o->n = bench_parse_n("N", argv[optind++], 1, MAX_N);
	if (optind < argc)
		usage();
	if (o->run[M_CERT] && !o->dir) {
		fprintf(stderr, "bench_ike_cert: the certificate mode needs -p DIR (ca.pem, "
				"daemon-bundle.pem, peer-bundle.pem); run-ike-cert-bench.sh makes "
				"one\n");
		exit(2);
	}
}

int main(int argc, char **argv)
{
	struct opts o = {.n = 2000, .warmup = 50, .block = 20, .run = {true, true}, .cpu = -2};
	char where[32] = "any CPU";
	struct run runs[M_N] = {0};
	double extra = 0;

	parse(argc, argv, &o);
	if (!pin(&o))
		return 1;
	if (o.cpu >= 0)
		snprintf(where, sizeof(where), "CPU %d", o.cpu);
	log_init("bench_ike_cert", false, LOG_LVL_WARNING);
	if (crypto_init() < 0) {
		fprintf(stderr, "bench_ike_cert: crypto_init failed\n");
		return 1;
	}
	printf("bench_ike_cert: %ld handshakes (+%ld warm-up) per mode from one peer, one at a "
	       "time, in blocks of %ld, the modes taking turns; peer in a child process; all on "
	       "%s; IKE SA aes-256/sha256/ecp256, CHILD SA aes-256-cbc/sha256; responder CPU "
	       "only\n",
	       o.n, o.warmup, o.block, where);
	fflush(stdout);
	if (!run_modes(&o, runs))
		return 1;
	if (o.run[M_PSK] && o.run[M_CERT])
		extra = extra_us(runs); /* before report_mode sorts the blocks */
	for (int m = 0; m < M_N; m++)
		if (o.run[m])
			report_mode(&o, (enum mode)m, &runs[m].res);
	if (o.run[M_PSK] && o.run[M_CERT])
		printf("extra (cert - psk, the median of %zu rounds; of the means %.1f): %.1f "
		       "us/handshake\n",
		       runs[M_PSK].res.nblocks,
		       per_hs_us(&o, &runs[M_CERT].res) - per_hs_us(&o, &runs[M_PSK].res), extra);
	for (int m = 0; m < M_N; m++)
		free(runs[m].res.block_us);
	if (o.run[M_CERT])
		time_parts(&o);
	return 0;
}
