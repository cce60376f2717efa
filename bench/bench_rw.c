/* bench_rw: what a road-warrior client costs the gateway (issue 15), against a client of a
 * fixed policy. The gateway is one IKE engine (passive peer "rw" = 10.0.0.0/8) on the real
 * loop with the light kernel and net fakes of bench_ike_env.c; the clients run in a forked
 * process, N + W of them, B at a time, each from its own address (10.0.0.1 + i) with its
 * own ID (fqdn:client-i) and PSK, one IKE SA and one CHILD SA each. Two cases:
 *
 *   rw     the gateway's identity has mode-config=gw (responder, address-pool 100.64.0.0/10),
 *          generate-policy=port-strict and policy-template-group=rw (template
 *          172.16.0.0/12 <-> 100.64.0.0/10); each client asks for an address (CFG_REQUEST)
 *          and proposes 0.0.0.0/0 === 172.16.0.0/12, so the gateway leases an address,
 *          narrows to vip/32 === 172.16.0.0/12 and generates out, in and fwd policies.
 *   fixed  a static policy 172.16.0.0/12 <-> 10.0.0.0/8 for the peer; each client proposes
 *          its address/32 === 172.16.0.0/12 (what bench_ike_mem measures).
 *
 * Each case runs in a process of its own (a fresh heap), R rounds taken in turns. After W
 * warm-up clients the gateway takes mallinfo2() and the RSS as the baseline and its CPU
 * time (getrusage: its own, not the clients'), lets N more connect, and prints the CPU per
 * handshake and the malloc in-use and RSS growth per client; the first rw round also
 * prints where the bytes go. At the end: the medians, the rw/fixed CPU ratio (target
 * <= 1.2) and the rw bytes per client (target < 6 KiB).
 *
 * The fake kernel answers at no cost, in both cases: the kernel's own work (in the daemon's
 * system calls) for the SAs and, with rw, the three generated policies is not in these
 * figures; bench_gpol measures the latter against the real XFRM.
 *
 *   bench_rw [-a cbc|gcm] [-b B] [-w W] [-r R] [-m rw|fixed|both] [N]
 *            N 10000, W 100, B 50, R 3, both, IKE SA aes-256-cbc
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
#include "pool.h"
#include "ipsecd/conf.h"
#include "ipsecd/crypto.h"
#include "ipsecd/ike.h"
#include "ipsecd/log.h"
#include "ipsecd/loop.h"

#define MAX_CLIENTS (1L << 22) /* addresses 10.0.0.1 + i, leases from a /10 */
#define MAX_ROUNDS  99
#define GW_ADDR	    "192.0.2.1"
#define LAN	    "172.16.0.0/12"
#define POOL	    "100.64.0.0/10"
#define SECRET	    "bench-secret-0123456789"
#define RX_BATCH    64 /* datagrams per readiness, as the real net (NET_RX_BATCH) */
#define TARGET_MEM  6144
#define TARGET_CPU  1.2

enum mode { M_FIXED, M_RW, M_N };

static const char *const mode_name[M_N] = {"fixed", "rw"};

struct algs {
	const char *name, *profile_enc;
};

static const struct algs algsets[] = {{"cbc", "aes-256"}, {"gcm", "aes-256-gcm"}};

struct opts {
	long n, warmup, batch, rounds;
	bool run[M_N];
	const struct algs *alg;
};

/* What a case's process hands back to the one that runs the rounds. */
struct result {
	bool ok;
	double cpu_ms, user_ms, sys_ms, wall_ms;
	long malloc_per, rss_per; /* bytes per client */
};

/* --- measuring --- */

struct mem {
	long rss;
	size_t used; /* malloc in use */
};

static struct mem mem_now(void)
{
	struct mallinfo2 mi = mallinfo2();
	struct mem m = {.used = mi.uordblks + mi.hblkhd};
	FILE *f = fopen("/proc/self/statm", "r");
	long size = 0, pages = 0;

	if (!f || fscanf(f, "%ld %ld", &size, &pages) != 2) {
		perror("bench_rw: /proc/self/statm");
		exit(1);
	}
	fclose(f);
	m.rss = pages * sysconf(_SC_PAGESIZE);
	return m;
}

static long per(size_t after, size_t before, long n)
{
	return ((long)after - (long)before) / n;
}

static double tv_ms(const struct timeval *tv)
{
	return (double)tv->tv_sec * 1e3 + (double)tv->tv_usec / 1e3;
}

/* This process's user and system CPU time, in ms. */
static void cpu_now(double *user, double *sys)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	*user = tv_ms(&ru.ru_utime);
	*sys = tv_ms(&ru.ru_stime);
}

/* --- configurations --- */

static void client_addr(long i, char *buf, size_t len)
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

static struct conf *gateway_conf(enum mode m, const struct algs *alg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		exit(1);
	common_conf(f, alg);
	fputs("/ip ipsec peer\n"
	      "add name=rw address=10.0.0.0/8 local-address=" GW_ADDR " exchange-mode=ike2 "
	      "passive=yes\n",
	      f);
	if (m == M_FIXED)
		fputs("/ip ipsec identity\n"
		      "add peer=rw secret=\"" SECRET "\"\n"
		      "/ip ipsec policy\n"
		      "add src-address=" LAN " dst-address=10.0.0.0/8 peer=rw tunnel=yes\n",
		      f);
	else
		fputs("/ip pool\n"
		      "add name=rw ranges=" POOL "\n"
		      "/ip ipsec mode-config\n"
		      "add name=gw responder=yes address-pool=rw split-include=" LAN " "
		      "static-dns=172.16.0.53\n"
		      "/ip ipsec policy group\n"
		      "add name=rw\n"
		      "/ip ipsec policy\n"
		      "add template=yes group=rw src-address=" LAN " dst-address=" POOL "\n"
		      "/ip ipsec identity\n"
		      "add peer=rw secret=\"" SECRET "\" generate-policy=port-strict "
		      "mode-config=gw policy-template-group=rw\n",
		      f);
	fclose(f);
	return bench_conf_load("gateway", text, len);
}

/* Clients first..first+n-1: their own address and ID; a static policy each (fixed), or
 * mode-config and a template for the gateway's LAN (rw). */
static struct conf *clients_conf(enum mode m, const struct algs *alg, long first, long n)
{
	char *text = NULL, a[32];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		exit(1);
	common_conf(f, alg);
	if (m == M_RW)
		fputs("/ip ipsec mode-config\nadd name=cl responder=no\n"
		      "/ip ipsec policy group\nadd name=cl\n"
		      "/ip ipsec policy\nadd template=yes group=cl dst-address=" LAN "\n",
		      f);
	fputs("/ip ipsec peer\n", f);
	for (long i = first; i < first + n; i++) {
		client_addr(i, a, sizeof(a));
		fprintf(f,
			"add name=p%ld address=" GW_ADDR "/32 local-address=%s "
			"exchange-mode=ike2\n",
			i, a);
	}
	fputs("/ip ipsec identity\n", f);
	for (long i = first; i < first + n; i++)
		fprintf(f, "add peer=p%ld secret=\"" SECRET "\" my-id=fqdn:client-%ld%s\n", i, i,
			m == M_RW ? " generate-policy=port-strict mode-config=cl "
				    "policy-template-group=cl"
				  : "");
	if (m == M_FIXED) {
		fputs("/ip ipsec policy\n", f);
		for (long i = first; i < first + n; i++) {
			client_addr(i, a, sizeof(a));
			fprintf(f,
				"add src-address=%s/32 dst-address=" LAN " peer=p%ld tunnel=yes\n",
				a, i);
		}
	}
	fclose(f);
	return bench_conf_load("clients", text, len);
}

/* --- the clients (a child process): B at a time, one engine per batch --- */

struct clients {
	const struct opts *o;
	enum mode m;
};

/* The conf is never freed: the process exits when the gateway is done. */
static struct ike *clients_batch(struct bench_batches *bs, long b)
{
	const struct clients *cs = bs->arg;
	struct conf *c = clients_conf(cs->m, cs->o->alg, b * cs->o->batch, cs->o->batch);
	struct ike *e = bench_engine(bs->l, bs->k, bs->n, NULL);

	ike_apply(e, c);
	return e;
}

static int clients_main(const struct opts *o, enum mode m, int fd)
{
	struct clients cs = {.o = o, .m = m};
	struct bench_batches bs = {.batch = o->batch,
				   .nbatch = (o->n + o->warmup) / o->batch,
				   .who = "clients",
				   .arg = &cs,
				   .make = clients_batch};

	return bench_batches_run(&bs, fd);
}

/* --- the gateway (the case's process) --- */

struct gateway {
	const struct opts *o;
	enum mode m;
	struct loop *l;
	struct kern *k;
	struct net *n;
	struct conf *c;
	struct ike *e;
	bool have_base, done, failed;
	struct mem base, end;
	double wall0, wall1, user0, user1, sys0, sys1;
};

static void gateway_check(struct gateway *g)
{
	const struct ike_stats *st = ike_stats(g->e);

	if (st->failed) {
		fprintf(stderr, "bench_rw: the gateway failed an exchange\n");
		g->failed = true;
		loop_break(g->l);
		return;
	}
	if (!g->have_base && st->established >= (uint64_t)g->o->warmup) {
		g->have_base = true;
		g->base = mem_now();
		g->wall0 = bench_now_ms(CLOCK_MONOTONIC);
		cpu_now(&g->user0, &g->sys0);
	}
	if (st->established >= (uint64_t)(g->o->warmup + g->o->n)) {
		g->end = mem_now();
		g->wall1 = bench_now_ms(CLOCK_MONOTONIC);
		cpu_now(&g->user1, &g->sys1);
		g->done = true;
		loop_break(g->l);
	}
}

static void gateway_rx(struct loop_io *w, int fd, int events, void *arg)
{
	static uint8_t buf[BENCH_DGRAM_MAX];
	struct gateway *g = arg;
	struct net_pkt p;
	int r = 1;

	(void)w;
	(void)events;
	for (int i = 0; i < RX_BATCH && !g->done && (r = bench_net_recv(fd, buf, &p)) > 0; i++) {
		ike_recv(g->e, &p);
		bench_kern_run(g->k);
		gateway_check(g);
	}
	if (r < 0) {
		fprintf(stderr, "bench_rw: the clients went away\n");
		g->failed = true;
		loop_break(g->l);
	}
}

static void count_lease(void *arg, const struct ike_lease_info *l)
{
	*(long *)arg += l->held;
}

/* Counts the generated policy sets, and those installed as narrowed: LAN -> vip/32. */
static void count_gen(void *arg, const struct ike_gen_policy_info *i)
{
	long *n = arg;

	n[0]++;
	n[1] += i->installed && i->tunnel && i->sel.family == AF_INET && i->sel.src_plen == 12 &&
		i->sel.dst_plen == 32 && i->sel.src[0] == 172 && i->sel.dst[0] == 100;
}

static bool gateway_verify(struct gateway *g, long total)
{
	long bad = 0, leases = 0, gen[2] = {0};

	ike_walk(g->e, bench_count_unready, &bad);
	ike_lease_walk(g->e, count_lease, &leases);
	ike_gen_policy_walk(g->e, count_gen, gen);
	if (bad || (long)g->e->sas.n != total || bench_kern_keyed(g->k) != 2 * total) {
		fprintf(stderr,
			"bench_rw: %ld SAs not established with one CHILD SA; %zu IKE SAs, %ld "
			"kernel SAs keyed (want %ld and %ld)\n",
			bad, g->e->sas.n, bench_kern_keyed(g->k), total, 2 * total);
		return false;
	}
	long want = g->m == M_RW ? total : 0;

	if (leases != want || gen[0] != want || gen[1] != want) {
		fprintf(stderr,
			"bench_rw: %ld leases held, %ld generated policy sets (%ld installed "
			"as " LAN " -> vip/32); want %ld\n",
			leases, gen[0], gen[1], want);
		return false;
	}
	bench_note_stats(ike_stats(g->e));
	return true;
}

/* --- where the bytes go --- */

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
	P_STR,
	P_KEYS,
	P_NONCES,
	P_MSGS,
	P_CHILD,
	P_SK,
	P_TIMER,
	P_TABLES,
	P_GPOL,
	P_GPTAB,
	P_LEASE,
	P_N
};

static const char *const part_name[P_N] = {
	"struct ike_sa (+ its ikev2_state)",	"peer name, remote ID, template group",
	"keys SK_d, SK_a*, SK_e*, SK_p*",	"Ni, Nr",
	"messages kept (last response, ...)",	"struct ike_child",
	"crypto_sk in + out (whole)",		"timers (loop_timer + ev heap)",
	"SA tables (sas, half, children, ids)", "struct ike_gpol + peer, group",
	"gpol tables (gpols, gp_sels, free)",	"lease (1000 taken apart)",
};

/* The malloc bytes one sealed-once crypto_sk keeps: as an SA holds one (OpenSSL sets a
 * cipher's state up at its first use). */
static long sk_cost(const struct gateway *g)
{
	enum { K = 1000 };
	static struct crypto_sk *sks[K];
	uint8_t k[64] = {1}, aad[32] = {0}, out[64];
	const struct ike_sa *sa = ike_tab_next(&g->e->sas, &(size_t){0});
	const struct ike_chosen *a = &sa->alg;
	size_t ekl = crypto_encr_key_len(a->encr, a->encr_keylen);
	size_t akl = a->integ ? crypto_integ_key_len(a->integ) : 0;
	struct mem m0 = mem_now(), m1;

	for (int i = 0; i < K; i++) {
		sks[i] = crypto_sk_new(a->encr, a->encr_keylen, a->integ, k, ekl, k, akl);
		if (!sks[i] || crypto_sk_seal(sks[i], aad, sizeof(aad), NULL, 0, out,
					      crypto_sk_sealed_len(sks[i], 0)) < 0)
			exit(1);
	}
	m1 = mem_now();
	for (int i = 0; i < K; i++)
		crypto_sk_free(sks[i]);
	return per(m1.used, m0.used, K);
}

static void on_never(struct loop_timer *w, void *arg)
{
	(void)w;
	(void)arg;
}

static long timer_cost(struct loop *l)
{
	enum { K = 1000 };
	static struct loop_timer *ts[K];
	struct mem m0 = mem_now(), m1;

	for (int i = 0; i < K; i++)
		ts[i] = loop_timer_new(l, 1e6, 0, on_never, NULL);
	m1 = mem_now();
	for (int i = 0; i < K; i++)
		loop_timer_free(ts[i]);
	return per(m1.used, m0.used, K);
}

/* A lease as the gateway's pools keep one: 1000 taken from pools of the same
 * configuration, for owners like the clients' (their IDs as text), table growth included. */
static long lease_cost(const struct gateway *g)
{
	enum { K = 1000 };
	struct ike_pools *p = ike_pools_new();
	struct ike_sa *sa;
	struct net_addr a;
	size_t pos = 0;
	long took = 0;

	if (!p || ike_pools_apply(p, g->c) < 0)
		exit(1);
	struct mem m0 = mem_now(), m1;

	while (took < K && (sa = ike_tab_next(&g->e->sas, &pos)))
		took += ike_pools_take(p, "rw", AF_INET, sa->remote_id, &a, NULL) == 0;
	m1 = mem_now();
	ike_pools_free(p);
	return took ? per(m1.used, m0.used, took) : 0;
}

static void gen_parts(void *arg, const struct ike_gen_policy_info *i)
{
	size_t *p = arg;

	p[P_GPOL] += chunk(i->peer) + chunk(i->group);
}

/* What only an IKEv2 SA has (sa->v2). */
static void v2_parts(const struct ikev2_state *v, size_t *p)
{
	p[P_SA] += chunk(v);
	p[P_KEYS] += chunk_c(&v->keys.sk_d) + chunk_c(&v->keys.sk_ai) + chunk_c(&v->keys.sk_ar) +
		     chunk_c(&v->keys.sk_ei) + chunk_c(&v->keys.sk_er) + chunk_c(&v->keys.sk_pi) +
		     chunk_c(&v->keys.sk_pr);
	p[P_NONCES] += chunk_c(&v->child_ni);
	p[P_MSGS] += chunk(v->init_ours.p) + chunk(v->init_theirs.p) + chunk_c(&v->cookie) +
		     chunk(v->held_data.p);
	p[P_SK] += (v->sk_in ? 1 : 0) + (v->sk_out ? 1 : 0); /* times sk_cost */
}

static void sa_parts(const struct ike_sa *sa, size_t *p)
{
	p[P_SA] += chunk(sa);
	p[P_STR] += chunk(sa->peer) + chunk(sa->remote_id) + chunk(sa->remote_cert) +
		    chunk(sa->gen_group) + chunk(sa->split);
	p[P_NONCES] += chunk_c(&sa->ni) + chunk_c(&sa->nr);
	p[P_MSGS] += chunk(sa->req_pkt.p) + chunk(sa->resp_pkt.p);
	for (const struct ike_child *c = sa->children; c; c = c->next)
		p[P_CHILD] += chunk(c);
	p[P_TIMER] += (sa->life ? 1 : 0) + (sa->rtx ? 1 : 0); /* times timer_cost */
	if (sa->v2)
		v2_parts(sa->v2, p);
}

static void breakdown(struct gateway *g, long total, long malloc_per)
{
	size_t p[P_N] = {0}, sum = 0, pos = 0;
	const struct ike *e = g->e;
	struct ike_sa *sa;
	void *gp;
	long sk = sk_cost(g), timer = timer_cost(g->l);

	while ((sa = ike_tab_next(&e->sas, &pos)))
		sa_parts(sa, p);
	p[P_SK] *= (size_t)sk;
	p[P_TIMER] *= (size_t)timer;
	p[P_TABLES] = (e->sas.cap + e->half.cap + e->half_src.cap + e->children.cap + e->ids.cap +
		       e->peer_sas.cap) *
		      sizeof(struct ike_tab_ent);
	pos = 0;
	while ((gp = ike_tab_next(&e->gpols, &pos)))
		p[P_GPOL] += chunk(gp);
	ike_gen_policy_walk(g->e, gen_parts, p);
	p[P_GPTAB] =
		(e->gpols.cap + e->gp_sels.cap) * sizeof(struct ike_tab_ent) + chunk(e->gp_free);
	p[P_LEASE] = (size_t)lease_cost(g) * (size_t)total;
	printf("  where the bytes go (per client, malloc chunks with headers; sizeof ike_sa %zu, "
	       "ike_child %zu):\n",
	       sizeof(struct ike_sa), sizeof(struct ike_child));
	for (int i = 0; i < P_N; i++) {
		printf("    %-38s %6zu\n", part_name[i], p[i] / (size_t)total);
		sum += p[i];
	}
	printf("    %-38s %6zu (malloc delta %ld: %ld elsewhere or free-list growth)\n", "sum",
	       sum / (size_t)total, malloc_per, malloc_per - (long)(sum / (size_t)total));
	printf("    (one crypto_sk: %ld bytes; one timer: %ld bytes)\n", sk, timer);
}

/* --- one case, in a process of its own --- */

static int gateway_main(const struct opts *o, enum mode m, int fd, bool detail, struct result *res)
{
	struct gateway g = {.o = o, .m = m};
	long total = o->n + o->warmup;

	g.l = loop_default();
	g.k = bench_kern_new(0xa0000100u);
	g.n = bench_net_new(fd);
	g.c = gateway_conf(m, o->alg);
	if (!g.l || !g.k || !g.n || !loop_io_new(g.l, fd, LOOP_READ, gateway_rx, &g))
		return 1;
	g.e = bench_engine(g.l, g.k, g.n, NULL);
	ike_apply(g.e, g.c);
	loop_run(g.l);
	if (g.failed || !g.done || !gateway_verify(&g, total))
		return 1;
	*res = (struct result){
		.ok = true,
		.wall_ms = g.wall1 - g.wall0,
		.user_ms = g.user1 - g.user0,
		.sys_ms = g.sys1 - g.sys0,
		.cpu_ms = g.user1 - g.user0 + g.sys1 - g.sys0,
		.malloc_per = per(g.end.used, g.base.used, o->n),
		.rss_per = (g.end.rss - g.base.rss) / o->n,
	};
	printf("%-5s %ld clients: daemon CPU %.0f ms (user %.0f, sys %.0f) = %.1f us/handshake, "
	       "%.0f ms wall; malloc %+ld bytes/client, RSS %+ld bytes/client\n",
	       mode_name[m], o->n, res->cpu_ms, res->user_ms, res->sys_ms,
	       res->cpu_ms * 1e3 / (double)o->n, res->wall_ms, res->malloc_per, res->rss_per);
	if (detail)
		breakdown(&g, total, res->malloc_per);
	fflush(stdout);
	return 0; /* exit() frees the rest */
}

/* Runs case m in a new process (the gateway) that forks the clients'. */
static struct result run_case(const struct opts *o, enum mode m, bool detail)
{
	struct result res = {0};
	int rp[2], sv[2], sndbuf = 1 << 20, status;
	pid_t gw, cl;

	fflush(stdout);
	if (pipe(rp) < 0 || (gw = fork()) < 0) {
		perror("bench_rw: fork");
		exit(1);
	}
	if (gw > 0) {
		close(rp[1]);
		if (read(rp[0], &res, sizeof(res)) != (ssize_t)sizeof(res))
			res.ok = false;
		close(rp[0]);
		if (waitpid(gw, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			res.ok = false;
		return res;
	}
	close(rp[0]);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0) {
		perror("bench_rw: socketpair");
		exit(1);
	}
	for (int i = 0; i < 2; i++) /* capped at wmem_max: then B must stay small */
		setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	if ((cl = fork()) < 0) {
		perror("bench_rw: fork");
		exit(1);
	}
	if (cl == 0) {
		close(sv[0]);
		exit(clients_main(o, m, sv[1]));
	}
	close(sv[1]);
	int r = gateway_main(o, m, sv[0], detail, &res);

	close(sv[0]); /* the clients exit */
	if (waitpid(cl, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "bench_rw: the clients' process failed\n");
		r = 1;
	}
	res.ok = res.ok && r == 0;
	if (write(rp[1], &res, sizeof(res)) != (ssize_t)sizeof(res))
		r = 1;
	exit(r);
}

/* --- the rounds and their medians --- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, long n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void summary(const struct opts *o, struct result (*r)[M_N])
{
	double us[M_N][MAX_ROUNDS], mem[MAX_ROUNDS], rss[MAX_ROUNDS], ratio[MAX_ROUNDS];
	double med[M_N] = {0};
	long n = o->rounds;

	for (long i = 0; i < n; i++) {
		for (int m = 0; m < M_N; m++)
			us[m][i] = r[i][m].cpu_ms * 1e3 / (double)o->n;
		mem[i] = (double)r[i][M_RW].malloc_per;
		rss[i] = (double)r[i][M_RW].rss_per;
		ratio[i] = us[M_FIXED][i] > 0 ? us[M_RW][i] / us[M_FIXED][i] : 0;
	}
	printf("== medians of %ld rounds, %ld clients\n", n, o->n);
	for (int m = 0; m < M_N; m++)
		if (o->run[m]) {
			med[m] = median(us[m], n);
			printf("%-5s handshake: median %.1f us daemon CPU (min %.1f, max %.1f)\n",
			       mode_name[m], med[m], us[m][0], us[m][n - 1]);
		}
	if (o->run[M_RW]) {
		double mm = median(mem, n);

		printf("rw    memory per client: malloc median %.0f bytes, RSS median %.0f bytes  "
		       "[target < %d: %s]\n",
		       mm, median(rss, n), TARGET_MEM, mm < TARGET_MEM ? "ok" : "MISSED");
	}
	if (o->run[M_RW] && o->run[M_FIXED]) {
		double q = med[M_RW] / med[M_FIXED];

		printf("rw / fixed CPU per handshake: %.3f (medians), per-round median %.3f  "
		       "[target <= %.1f: %s]\n",
		       q, median(ratio, n), TARGET_CPU, q <= TARGET_CPU ? "ok" : "MISSED");
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_rw [-a cbc|gcm] [-b BATCH] [-w WARMUP] [-r ROUNDS] "
			"[-m rw|fixed|both] [N]\n");
	exit(2);
}

static void parse(int argc, char **argv, struct opts *o)
{
	int opt;

	while ((opt = getopt(argc, argv, "a:b:m:r:w:")) != -1) {
		if (opt == 'a') {
			o->alg = !strcmp(optarg, "cbc")	  ? &algsets[0]
				 : !strcmp(optarg, "gcm") ? &algsets[1]
							  : NULL;
			if (!o->alg)
				usage();
		} else if (opt == 'b') {
			o->batch = bench_parse_n("BATCH", optarg, 1, MAX_CLIENTS);
		} else if (opt == 'm') {
			bool both = !strcmp(optarg, "both");

			o->run[M_RW] = both || !strcmp(optarg, "rw");
			o->run[M_FIXED] = both || !strcmp(optarg, "fixed");
			if (!o->run[M_RW] && !o->run[M_FIXED])
				usage();
		} else if (opt == 'r') {
			o->rounds = bench_parse_n("ROUNDS", optarg, 1, MAX_ROUNDS);
		} else if (opt == 'w') {
			o->warmup = bench_parse_n("WARMUP", optarg, 1, MAX_CLIENTS);
		} else {
			usage();
		}
	}
	if (optind < argc)
		o->n = bench_parse_n("N", argv[optind++], 1, MAX_CLIENTS);
	if (optind < argc)
		usage();
	/* whole batches: no half-open SA at either snapshot */
	o->warmup = (o->warmup + o->batch - 1) / o->batch * o->batch;
	o->n = (o->n + o->batch - 1) / o->batch * o->batch;
	if (o->n + o->warmup > MAX_CLIENTS)
		usage();
}

int main(int argc, char **argv)
{
	struct opts o = {.n = 10000,
			 .warmup = 100,
			 .batch = 50,
			 .rounds = 3,
			 .run = {true, true},
			 .alg = &algsets[0]};
	static struct result res[MAX_ROUNDS][M_N];

	parse(argc, argv, &o);
	log_init("bench_rw", false, LOG_LVL_WARNING);
	if (crypto_init() < 0) {
		fprintf(stderr, "bench_rw: crypto_init failed\n");
		return 1;
	}
	printf("bench_rw: %ld road-warrior clients (+%ld warm-up), %ld at a time, in a child "
	       "process; IKE SA %s/sha256/ecp256, PSK, fqdn IDs; %ld rounds of %s\n",
	       o.n, o.warmup, o.batch, o.alg->profile_enc, o.rounds,
	       o.run[M_RW] && o.run[M_FIXED] ? "fixed then rw"
	       : o.run[M_RW]		     ? "rw"
					     : "fixed");
	for (long i = 0; i < o.rounds; i++)
		for (int m = 0; m < M_N; m++) {
			if (!o.run[m])
				continue;
			printf("round %ld: ", i + 1);
			res[i][m] = run_case(&o, (enum mode)m, i == 0 && m == M_RW);
			if (!res[i][m].ok) {
				fprintf(stderr, "bench_rw: round %ld, case %s failed\n", i + 1,
					mode_name[m]);
				return 1;
			}
		}
	summary(&o, res);
	return 0;
}
