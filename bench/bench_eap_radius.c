/* bench_eap_radius: what an EAP-MSCHAPv2 login through RADIUS costs the gateway (issue 17).
 * The gateway is one IKE engine (passive responder, peer "rw" = 10.0.0.0/8, identity
 * auth-method=eap-radius certificate=daemon) on the real loop (libev) with the light kernel
 * and net fakes of bench_ike_env.c, and the real RADIUS client (src/radius) talking to a
 * real RADIUS server (run-eap-radius-bench.sh starts FreeRADIUS on 127.0.0.1). The clients
 * are ipsecd's own EAP-MSCHAPv2 initiators (auth-method=eap) in a forked child process,
 * B at a time, each from its own address 10.0.0.1 + i; datagrams go through a
 * SOCK_SEQPACKET socketpair. So this process's CPU time is the gateway's alone: neither
 * FreeRADIUS's nor the clients'.
 *
 * After W warm-up logins the bench takes the RSS as the baseline, lets N more clients
 * log in (each: IKE_SA_INIT, five IKE_AUTH rounds, three Access-Request/Challenge/Accept
 * round trips), and prints the gateway's CPU per login, the RSS delta per connected client,
 * and the event loop's longest stall: the time from a libev check watcher (highest
 * priority: the first callback after the loop wakes) to the prepare watcher of the same
 * iteration (run just before it blocks again), i.e. the longest run of callbacks without
 * going back to poll, over the whole run.
 *
 *   bench_eap_radius -p PKI -s SECRET [-r PORT] [-u USER:PASSWORD] [-w W] [-b B] [N]
 *        N 1000, W 50, B 20, PORT 18120 (accounting PORT+1), users user0, user1, ...
 *        whose password is Wonderland-42 (the RADIUS server's users file must know them:
 *        run-eap-radius-bench.sh gives FreeRADIUS a DEFAULT password)
 * PKI holds pki.sh's ca.pem and daemon-bundle.pem (DNS:daemon.bench).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* open_memstream */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "bench_ike_env.h"
#include "ike_internal.h"
#include "ipsecd/conf.h"
#include "ipsecd/crypto.h"
#include "ipsecd/ike.h"
#include "ipsecd/log.h"
#include "ipsecd/loop.h"
#include "ipsecd/radius.h"

#define MAX_CLIENTS 60000 /* clients are 10.0.0.1 + i */
#define DAEMON_ADDR "192.0.2.1"
#define RX_BATCH    64 /* datagrams per readiness, as the real net (NET_RX_BATCH) */

struct opts {
	long n, warmup, batch;
	const char *pki, *secret;
	char user[64], password[64];
	unsigned port;
};

/* --- configurations --- */

static void common_conf(FILE *f)
{
	fputs("/ip ipsec profile\n"
	      "set [ find default=yes ] dh-group=ecp256 enc-algorithm=aes-256 "
	      "hash-algorithm=sha256 dpd-interval=0s lifetime=1d\n"
	      "/ip ipsec proposal\n"
	      "set [ find default=yes ] auth-algorithms=sha256 enc-algorithms=aes-256-cbc "
	      "pfs-group=none\n",
	      f);
}

static struct conf *daemon_conf(const struct opts *o)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		exit(1);
	fprintf(f,
		"/certificate import file-name=%s/ca.pem name=ca\n"
		"/certificate import file-name=%s/daemon-bundle.pem name=daemon\n",
		o->pki, o->pki);
	common_conf(f);
	fputs("/ip ipsec peer\n"
	      "add name=rw address=10.0.0.0/8 local-address=" DAEMON_ADDR " exchange-mode=ike2 "
	      "passive=yes\n"
	      "/ip ipsec identity\n"
	      "add peer=rw auth-method=eap-radius certificate=daemon\n"
	      "/ip ipsec policy\n"
	      "add src-address=172.16.0.0/12 dst-address=10.0.0.0/8 peer=rw tunnel=yes\n",
	      f);
	fclose(f);
	return bench_conf_load("daemon", text, len);
}

static void client_addr(long i, char *buf, size_t len)
{
	uint32_t a = 0x0a000001u + (uint32_t)i;

	snprintf(buf, len, "10.%u.%u.%u", a >> 16 & 255, a >> 8 & 255, a & 255);
}

/* Clients first..first+n-1: EAP-MSCHAPv2 as USERi (each its own user: the gateway drops
 * the older SAs of a user who logs in again with INITIAL_CONTACT), the gateway's
 * certificate checked. */
static struct conf *clients_conf(const struct opts *o, long first, long n)
{
	char *text = NULL, a[32];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		exit(1);
	fprintf(f, "/certificate import file-name=%s/ca.pem name=ca\n", o->pki);
	common_conf(f);
	fputs("/ip ipsec peer\n", f);
	for (long i = first; i < first + n; i++) {
		client_addr(i, a, sizeof(a));
		fprintf(f,
			"add name=c%ld address=" DAEMON_ADDR "/32 local-address=%s "
			"exchange-mode=ike2\n",
			i, a);
	}
	fputs("/ip ipsec identity\n", f);
	for (long i = first; i < first + n; i++)
		fprintf(f,
			"add peer=c%ld auth-method=eap eap-methods=eap-mschapv2 username=%s%ld "
			"password=\"%s\" remote-id=fqdn:daemon.bench\n",
			i, o->user, i, o->password);
	fputs("/ip ipsec policy\n", f);
	for (long i = first; i < first + n; i++) {
		client_addr(i, a, sizeof(a));
		fprintf(f, "add src-address=%s/32 dst-address=172.16.0.0/12 peer=c%ld tunnel=yes\n",
			a, i);
	}
	fclose(f);
	return bench_conf_load("clients", text, len);
}

static struct pki_store *load_store(const char *dir, bool own)
{
	struct pki_store *s = pki_store_new();
	char path[4096], msg[PKI_MSG_MAX];
	const char *files[] = {"ca.pem", "daemon-bundle.pem"}, *names[] = {"ca", "daemon"};

	for (int i = 0; s && i < (own ? 2 : 1); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (pki_store_import(s, path, names[i], NULL, 0, msg, sizeof(msg)) < 0) {
			fprintf(stderr, "bench_eap_radius: %s\n", msg);
			exit(1);
		}
	}
	return s;
}

/* --- the clients (child process): B at a time, one engine per batch --- */

struct clients {
	const struct opts *o;
	struct pki_store *store;
};

/* The conf is never freed: the process exits when the gateway is done. */
static struct ike *clients_batch(struct bench_batches *bs, long b)
{
	const struct clients *cs = bs->arg;
	struct ike *e = bench_engine(bs->l, bs->k, bs->n, cs->store);

	ike_apply(e, clients_conf(cs->o, b * cs->o->batch, cs->o->batch));
	return e;
}

static int clients_main(const struct opts *o, int fd)
{
	struct clients cs = {.o = o, .store = load_store(o->pki, false)};
	struct bench_batches bs = {.batch = o->batch,
				   .nbatch = (o->n + o->warmup) / o->batch,
				   .who = "clients",
				   .arg = &cs,
				   .make = clients_batch};

	return bench_batches_run(&bs, fd);
}

/* --- the gateway (this process) --- */

struct gateway {
	const struct opts *o;
	struct loop *l;
	struct kern *k;
	struct net *n;
	struct conf *c;
	struct ike *e;
	struct pki_store *store;
	struct radius_client *rc;
	unsigned long access_requests;
	uint64_t progress; /* for the watchdog */
	bool have_base, done, failed;
	long rss0, rss1;
	size_t used0, used1; /* malloc in use */
	double wall0, wall1, cpu0, cpu1;
	/* the loop's stalls: check (woken) to prepare (about to block) */
	ev_prepare prep;
	ev_check chk;
	double woke, woke_cpu, worst_ms, worst_cpu_ms, sum_ms;
	unsigned long iterations, over_1ms;
};

static uint32_t gw_reqid(void *arg, const struct conf *c, const struct conf_item *pol)
{
	(void)arg;
	(void)c;
	(void)pol;
	return BENCH_REQID;
}

static struct pki_store *gw_store(void *arg)
{
	return ((struct gateway *)arg)->store;
}

static struct radius_handle *gw_auth(void *arg, const struct radius_req *req, radius_cb cb,
				     void *cbarg)
{
	struct gateway *g = arg;

	g->access_requests++;
	return radius_auth(g->rc, req, cb, cbarg);
}

static void gw_cancel(void *arg, struct radius_handle *h)
{
	(void)arg;
	radius_cancel(h);
}

static long rss_now(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size = 0, pages = 0;

	if (!f || fscanf(f, "%ld %ld", &size, &pages) != 2) {
		perror("bench_eap_radius: /proc/self/statm");
		exit(1);
	}
	fclose(f);
	return pages * sysconf(_SC_PAGESIZE);
}

static size_t malloc_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static void on_check(struct ev_loop *loop, ev_check *w, int revents)
{
	struct gateway *g = w->data;

	(void)loop;
	(void)revents;
	g->woke = bench_now_ms(CLOCK_MONOTONIC);
	g->woke_cpu = bench_now_ms(CLOCK_THREAD_CPUTIME_ID);
}

static void on_prepare(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct gateway *g = w->data;
	double busy, cpu;

	(void)loop;
	(void)revents;
	if (g->woke == 0)
		return;
	busy = bench_now_ms(CLOCK_MONOTONIC) - g->woke;
	cpu = bench_now_ms(CLOCK_THREAD_CPUTIME_ID) - g->woke_cpu;
	if (cpu > g->worst_cpu_ms)
		g->worst_cpu_ms = cpu;
	g->woke = 0;
	g->iterations++;
	g->sum_ms += busy;
	g->over_1ms += busy > 1.0;
	if (busy > g->worst_ms)
		g->worst_ms = busy;
}

static void watch_stalls(struct gateway *g)
{
	struct ev_loop *loop = ev_default_loop(0); /* loop_default()'s */

	ev_check_init(&g->chk, on_check);
	ev_set_priority(&g->chk, EV_MAXPRI);
	g->chk.data = g;
	ev_check_start(loop, &g->chk);
	ev_prepare_init(&g->prep, on_prepare);
	ev_set_priority(&g->prep, EV_MINPRI);
	g->prep.data = g;
	ev_prepare_start(loop, &g->prep);
}

static void gw_check(struct gateway *g)
{
	const struct ike_stats *st = ike_stats(g->e);
	long total = g->o->warmup + g->o->n;

	if (st->failed) {
		fprintf(stderr, "bench_eap_radius: the gateway failed a login (see the log)\n");
		g->failed = true;
		loop_break(g->l);
		return;
	}
	if (!g->have_base && st->established >= (uint64_t)g->o->warmup &&
	    bench_kern_keyed(g->k) >= 2 * g->o->warmup) {
		g->have_base = true;
		g->rss0 = rss_now();
		g->used0 = malloc_in_use();
		g->wall0 = bench_now_ms(CLOCK_MONOTONIC);
		g->cpu0 = bench_now_ms(CLOCK_PROCESS_CPUTIME_ID);
		/* the stalls of the measured logins only */
		g->worst_ms = g->worst_cpu_ms = g->sum_ms = 0;
		g->iterations = g->over_1ms = 0;
	}
	if (st->established >= (uint64_t)total && bench_kern_keyed(g->k) >= 2 * total) {
		g->rss1 = rss_now();
		g->used1 = malloc_in_use();
		g->wall1 = bench_now_ms(CLOCK_MONOTONIC);
		g->cpu1 = bench_now_ms(CLOCK_PROCESS_CPUTIME_ID);
		g->done = true;
		loop_break(g->l);
	}
}

static void gw_rx(struct loop_io *w, int fd, int events, void *arg)
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
		gw_check(g);
	}
	if (r < 0) {
		fprintf(stderr, "bench_eap_radius: the clients went away\n");
		g->failed = true;
		loop_break(g->l);
	}
}

/* Every 10 s: a run that made no progress since the last look is stuck; say where. */
static void gw_watchdog(struct loop_timer *t, void *arg)
{
	struct gateway *g = arg;
	const struct ike_stats *st = ike_stats(g->e);
	uint64_t now = st->established + g->access_requests;

	(void)t;
	if (now != g->progress) {
		g->progress = now;
		return;
	}
	fprintf(stderr,
		"bench_eap_radius: stuck: %llu established, %zu IKE SAs, %ld kernel SAs keyed, "
		"%lu Access-Requests, %u RADIUS requests pending\n",
		(unsigned long long)st->established, g->e->sas.n, bench_kern_keyed(g->k),
		g->access_requests, radius_pending(g->rc));
	g->failed = true;
	loop_break(g->l);
}

static struct radius_client *gw_radius(struct gateway *g)
{
	struct radius_client_conf rc = {.nservers = 1, .timeout_ms = 1000, .require_ma = true};
	struct sockaddr_in *sin = (struct sockaddr_in *)&rc.server[0].addr;
	int err = 0;

	sin->sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &sin->sin_addr);
	rc.server[0].auth_port = (uint16_t)g->o->port;
	rc.server[0].acct_port = (uint16_t)(g->o->port + 1);
	rc.server[0].secret = (const uint8_t *)g->o->secret;
	rc.server[0].secretlen = strlen(g->o->secret);
	struct radius_client *c = radius_client_new(g->l, &rc, &err);

	if (!c) {
		fprintf(stderr, "bench_eap_radius: RADIUS client: %s\n", strerror(-err));
		exit(1);
	}
	return c;
}

static bool gw_verify(struct gateway *g, long total)
{
	long bad = 0;

	ike_walk(g->e, bench_count_unready, &bad);
	if (bad || (long)g->e->sas.n != total || bench_kern_keyed(g->k) != 2 * total) {
		fprintf(stderr,
			"bench_eap_radius: %ld SAs not established with one CHILD SA; %zu IKE "
			"SAs, %ld kernel SAs keyed (want %ld and %ld)\n",
			bad, g->e->sas.n, bench_kern_keyed(g->k), total, 2 * total);
		return false;
	}
	bench_note_stats(ike_stats(g->e));
	return true;
}

static void report(const struct gateway *g)
{
	long n = g->o->n;

	printf("logins: %ld in %.0f ms wall (%.1f logins/s), %lu Access-Requests in all "
	       "(%.1f per login)\n",
	       n, g->wall1 - g->wall0, n * 1e3 / (g->wall1 - g->wall0), g->access_requests,
	       (double)g->access_requests / (double)(n + g->o->warmup));
	printf("cpu: gateway %.0f ms for %ld logins: %.0f us/login (FreeRADIUS and the clients "
	       "excluded)\n",
	       g->cpu1 - g->cpu0, n, (g->cpu1 - g->cpu0) * 1e3 / (double)n);
	printf("rss: before %ld KiB, after %ld KiB: %ld bytes/client; malloc in use %+ld "
	       "bytes/client\n",
	       g->rss0 / 1024, g->rss1 / 1024, (g->rss1 - g->rss0) / n,
	       ((long)g->used1 - (long)g->used0) / n);
	printf("stall: longest %.3f ms wall, %.3f ms CPU (the rest of a wall stall: the process "
	       "was not running); mean %.3f ms over %lu loop iterations, %lu over 1 ms\n",
	       g->worst_ms, g->worst_cpu_ms,
	       g->iterations ? g->sum_ms / (double)g->iterations : 0.0, g->iterations, g->over_1ms);
}

static int gateway_main(const struct opts *o, int fd)
{
	struct gateway g = {.o = o};
	long total = o->n + o->warmup;

	g.l = loop_default();
	g.k = bench_kern_new(0xa0000100u);
	g.n = bench_net_new(fd);
	g.store = load_store(o->pki, true);
	g.c = daemon_conf(o);
	g.rc = gw_radius(&g);
	struct ike_deps d = {.loop = g.l,
			     .kern = g.k,
			     .net = g.n,
			     .policy_reqid = gw_reqid,
			     .pki = gw_store,
			     .radius_auth = gw_auth,
			     .radius_cancel = gw_cancel,
			     .arg = &g};

	if (!g.l || !g.k || !g.n || !loop_io_new(g.l, fd, LOOP_READ, gw_rx, &g) ||
	    !(g.e = ike_new(&d)) || !loop_timer_new(g.l, 10, 10, gw_watchdog, &g))
		return 1;
	watch_stalls(&g);
	ike_apply(g.e, g.c);
	loop_run(g.l);
	if (g.failed || !g.done || !gw_verify(&g, total)) {
		close(fd); /* the clients exit */
		return 1;
	}
	report(&g);
	close(fd);
	ike_free(g.e);
	radius_client_free(g.rc);
	conf_free(g.c);
	pki_store_free(g.store);
	bench_net_free(g.n);
	bench_kern_free(g.k);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_eap_radius -p PKI -s SECRET [-r PORT] [-u USER:PASSWORD] "
			"[-w WARMUP] [-b BATCH] [N]\n");
	exit(2);
}

static void parse_user(struct opts *o, const char *s)
{
	const char *colon = strchr(s, ':');

	if (!colon || colon == s || (size_t)(colon - s) >= sizeof(o->user) ||
	    strlen(colon + 1) >= sizeof(o->password) || strpbrk(s, "\"\\ "))
		usage();
	snprintf(o->user, sizeof(o->user), "%.*s", (int)(colon - s), s);
	snprintf(o->password, sizeof(o->password), "%s", colon + 1);
}

static void parse(int argc, char **argv, struct opts *o)
{
	int opt;

	while ((opt = getopt(argc, argv, "b:p:r:s:u:w:")) != -1) {
		if (opt == 'b')
			o->batch = bench_parse_n("BATCH", optarg, 1, 1000);
		else if (opt == 'p')
			o->pki = optarg;
		else if (opt == 'r')
			o->port = (unsigned)bench_parse_n("PORT", optarg, 1, 65534);
		else if (opt == 's')
			o->secret = optarg;
		else if (opt == 'u')
			parse_user(o, optarg);
		else if (opt == 'w')
			o->warmup = bench_parse_n("WARMUP", optarg, 1, MAX_CLIENTS);
		else
			usage();
	}
	if (optind < argc)
		o->n = bench_parse_n("N", argv[optind++], 1, MAX_CLIENTS);
	if (optind < argc || !o->pki || !o->secret)
		usage();
	/* whole batches: no half-open SA at either snapshot */
	o->warmup = (o->warmup + o->batch - 1) / o->batch * o->batch;
	o->n = (o->n + o->batch - 1) / o->batch * o->batch;
	if (o->n + o->warmup > MAX_CLIENTS)
		usage();
}

int main(int argc, char **argv)
{
	struct opts o = {.n = 1000,
			 .warmup = 50,
			 .batch = 20,
			 .port = 18120,
			 .user = "user",
			 .password = "Wonderland-42"};
	int sv[2], status = 0, sndbuf = 1 << 20;
	pid_t pid;

	parse(argc, argv, &o);
	log_init("bench_eap_radius", false, LOG_LVL_WARNING);
	if (crypto_init() < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0) {
		perror("bench_eap_radius: setup");
		return 1;
	}
	for (int i = 0; i < 2; i++)
		setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	printf("bench_eap_radius: %ld EAP-MSCHAPv2 logins (+%ld warm-up) through RADIUS "
	       "127.0.0.1:%u, %ld at a time; IKE SA aes-256/sha256/ecp256, gateway ECDSA "
	       "certificate\n",
	       o.n, o.warmup, o.port, o.batch);
	fflush(stdout);
	if ((pid = fork()) < 0) {
		perror("bench_eap_radius: fork");
		return 1;
	}
	if (pid == 0) {
		close(sv[0]);
		exit(clients_main(&o, sv[1]));
	}
	close(sv[1]);
	int r = gateway_main(&o, sv[0]);

	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "bench_eap_radius: the clients' process failed\n");
		r = 1;
	}
	return r;
}
