/* ike_load: a load generator for an IKEv2 responder over real UDP (issue 19). N initiators,
 * each with an address of its own (FIRST, FIRST + 1, ...: the caller puts them on the
 * generator's interface), an ID of its own (fqdn:cI.load.test) and one CHILD SA, negotiate
 * with the responder at RESPONDER, at most C at a time: one handshake ends (CHILD SA up,
 * failed, or timed out), the next starts. Each initiator is one of ipsecd's own IKE engines
 * with a configuration of one peer; they share the real net module (ports 500 and 4500 of
 * the generator's namespace, the source address chosen per peer through pktinfo) and a
 * kernel that installs nothing (bench_kern.c), so the responder's kernel is the only one
 * working.
 *
 * It prints handshakes per second, the responder's CPU (utime + stime of /proc/PID/stat,
 * all its threads, those that ended included) per handshake and handshakes per responder
 * CPU-second, its RSS growth, the generator's own peak RSS, failures, and the latency of the
 * handshakes (from the engine's start to the CHILD SA up) at the 50th, 90th and 99th percentile.
 * The last line, "result: key=value ...", is for scripts. Established SAs are kept until the end
 * and then left without a delete: the responder ends the run with N IKE SAs.
 *
 *   ike_load [-m psk|cert] [-n N] [-c C] [-r RESPONDER] [-a FIRST] [-p PID] [-d PKIDIR]
 *            [-s SECRET] [-t TIMEOUT] [-T CAP] [-l LABEL]
 *      N 2000, C 50, RESPONDER 192.0.2.1, FIRST 10.200.0.1, TIMEOUT 30 s a handshake,
 *      CAP 600 s the whole run
 *
 * Certificates (-m cert) come from PKIDIR: ca.pem, and cI-bundle.pem for each initiator
 * (certificate for DNS:cI.load.test and its key), as run-ike-load-bench.sh makes them.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* open_memstream */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench_kern.h"
#include "ipsecd/conf.h"
#include "ipsecd/crypto.h"
#include "ipsecd/ike.h"
#include "ipsecd/log.h"
#include "ipsecd/loop.h"
#include "ipsecd/net.h"
#include "ipsecd/pki.h"

#define MAX_N	   65000L
#define ID_DOMAIN  "load.test"
#define REMOTE_NET "172.16.0.0/12" /* behind the responder: the CHILD SAs' remote TS */

enum mode { M_PSK, M_CERT };

struct opts {
	enum mode mode;
	long n, conc;
	const char *responder, *pki, *secret, *label;
	uint32_t first; /* host order */
	pid_t pid;	/* the responder's; 0: none measured */
	double timeout, cap;
};

enum ini_state { I_IDLE, I_RUNNING, I_UP, I_FAILED };

struct initiator {
	struct conf *c;
	struct ike *e;
	double t0, t1; /* ms: started, CHILD SA up */
	enum ini_state st;
};

struct gen {
	const struct opts *o;
	struct loop *l;
	struct kern *k;
	struct net *net;
	struct pki_store *store;
	struct initiator *in;
	long next;   /* the next to start */
	long oldest; /* no initiator before it runs */
	long running, up, failed, timed_out;
	bool done;
	double start, end; /* ms */
};

static double now_ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void die(const char *what)
{
	fprintf(stderr, "ike_load: %s\n", what);
	exit(1);
}

/* --- the responder, from /proc --- */

/* utime + stime of pid in seconds (its threads, ended ones included), or -1. */
static double proc_cpu(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	FILE *f;
	size_t len;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")))
		return -1;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	/* the name, field 2, may hold blanks and ')': fields 3 on follow the last ')' */
	if (!(p = strrchr(buf, ')')) ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* VmRSS of pid in KiB, or -1. */
static long proc_rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* --- the initiators' configurations --- */

static void addr_str(uint32_t a, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255);
}

/* Initiator i: one peer (the responder) from its own address, its own ID, one host-to-net
 * policy. The algorithms are those of run-ike-load-bench.sh's responders. */
static struct conf *initiator_conf(const struct opts *o, long i)
{
	char *text = NULL, a[16], what[32];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct conf *c = conf_new();
	struct conf_diags ds;

	if (!f || !c)
		die("out of memory");
	addr_str(o->first + (uint32_t)i, a, sizeof(a));
	if (o->mode == M_CERT)
		fprintf(f,
			"/certificate import file-name=%s/ca.pem name=ca\n"
			"/certificate import file-name=%s/c%ld-bundle.pem name=c%ld\n",
			o->pki, o->pki, i, i);
	fprintf(f,
		"/ip ipsec profile set [ find default=yes ] dh-group=ecp256 enc-algorithm=aes-256 "
		"hash-algorithm=sha256 dpd-interval=0s lifetime=1d\n"
		"/ip ipsec proposal set [ find default=yes ] auth-algorithms=sha256 "
		"enc-algorithms=aes-256-cbc pfs-group=none\n"
		"/ip ipsec peer add name=r address=%s/32 local-address=%s exchange-mode=ike2\n",
		o->responder, a);
	if (o->mode == M_CERT)
		fprintf(f,
			"/ip ipsec identity add peer=r auth-method=digital-signature "
			"certificate=c%ld my-id=fqdn:c%ld." ID_DOMAIN "\n",
			i, i);
	else
		fprintf(f,
			"/ip ipsec identity add peer=r secret=\"%s\" my-id=fqdn:c%ld." ID_DOMAIN
			"\n",
			o->secret, i);
	fprintf(f,
		"/ip ipsec policy add src-address=%s/32 dst-address=" REMOTE_NET
		" peer=r tunnel=yes\n",
		a);
	if (fclose(f))
		die("out of memory");
	snprintf(what, sizeof(what), "initiator c%ld", i);
	conf_diags_init(&ds);
	if (conf_load_buf(c, what, text, len, CONF_FROM_FILE, &ds) < 0 || ds.n) {
		fprintf(stderr, "ike_load: the configuration of %s does not load cleanly:\n", what);
		conf_diags_print(&ds, stderr);
		exit(1);
	}
	conf_diags_free(&ds);
	free(text);
	return c;
}

static struct pki_store *load_store(const struct opts *o)
{
	struct pki_store *s = pki_store_new();
	char path[4096], msg[PKI_MSG_MAX], name[32];

	if (!s)
		die("out of memory");
	for (long i = -1; i < o->n; i++) {
		if (i < 0) {
			snprintf(path, sizeof(path), "%s/ca.pem", o->pki);
			snprintf(name, sizeof(name), "ca");
		} else {
			snprintf(path, sizeof(path), "%s/c%ld-bundle.pem", o->pki, i);
			snprintf(name, sizeof(name), "c%ld", i);
		}
		if (pki_store_import(s, path, name, NULL, 0, msg, sizeof(msg)) < 0) {
			fprintf(stderr, "ike_load: %s\n", msg);
			exit(1);
		}
	}
	return s;
}

/* --- the engines --- */

static uint32_t reqid_of(void *arg, const struct conf *c, const struct conf_item *pol)
{
	(void)arg;
	(void)c;
	(void)pol;
	return KERN_REQID_OWN | 1;
}

static struct pki_store *store_of(void *arg)
{
	return arg;
}

static void prepare(struct gen *g)
{
	struct ike_deps d = {.loop = g->l,
			     .kern = g->k,
			     .net = g->net,
			     .policy_reqid = reqid_of,
			     .pki = g->store ? store_of : NULL,
			     .arg = g->store};

	for (long i = 0; i < g->o->n; i++) {
		g->in[i].c = initiator_conf(g->o, i);
		if (!(g->in[i].e = ike_new(&d)))
			die("ike_new failed");
	}
}

static void start_more(struct gen *g)
{
	while (g->running < g->o->conc && g->next < g->o->n) {
		struct initiator *in = &g->in[g->next++];

		in->st = I_RUNNING;
		in->t0 = now_ms(CLOCK_MONOTONIC);
		g->running++;
		ike_apply(in->e, in->c); /* initiates on the loop's next turn */
	}
}

static void finish_one(struct gen *g, struct initiator *in, enum ini_state st)
{
	in->st = st;
	in->t1 = now_ms(CLOCK_MONOTONIC);
	g->running--;
	if (st == I_UP)
		g->up++;
	else
		g->failed++;
	while (g->oldest < g->next && g->in[g->oldest].st != I_RUNNING)
		g->oldest++;
	start_more(g);
	if (g->running == 0 && g->next == g->o->n && !g->done) {
		g->done = true;
		g->end = in->t1;
		loop_break(g->l);
	}
}

static void count_up(void *arg, const struct ike_peer_info *i)
{
	bool *up = arg;

	*up |= !strcmp(i->state, "established") && i->ph2_total == 1;
}

/* After anything initiator in did: is its CHILD SA up, or has it failed? */
static void check(struct gen *g, struct initiator *in)
{
	bool up = false;

	if (in->st != I_RUNNING)
		return;
	ike_walk(in->e, count_up, &up);
	if (up)
		finish_one(g, in, I_UP);
	else if (ike_stats(in->e)->failed)
		finish_one(g, in, I_FAILED);
}

static void on_packet(void *arg, const struct net_pkt *p)
{
	struct gen *g = arg;
	uint32_t a;
	long i;

	if (p->local.family != AF_INET)
		return;
	a = (uint32_t)p->local.bytes[0] << 24 | (uint32_t)p->local.bytes[1] << 16 |
	    (uint32_t)p->local.bytes[2] << 8 | p->local.bytes[3];
	i = (long)a - (long)g->o->first;
	if (i < 0 || i >= g->next)
		return;
	ike_recv(g->in[i].e, p);
	bench_kern_run(g->k);
	check(g, &g->in[i]);
}

static void on_readable(struct loop_io *w, int fd, int events, void *arg)
{
	(void)w;
	(void)events;
	net_on_ready(arg, fd);
}

/* Every 100 ms: the kernel requests of timers' work, the handshakes over their time, and the
 * run over its cap. */
static void on_tick(struct loop_timer *w, void *arg)
{
	struct gen *g = arg;
	double t = now_ms(CLOCK_MONOTONIC);

	(void)w;
	bench_kern_run(g->k);
	for (long i = g->oldest; i < g->next && !g->done; i++) {
		struct initiator *in = &g->in[i];

		check(g, in);
		if (in->st == I_RUNNING && t - in->t0 > g->o->timeout * 1e3) {
			g->timed_out++;
			finish_one(g, in, I_FAILED);
		}
	}
	if (!g->done && t - g->start > g->o->cap * 1e3) {
		fprintf(stderr, "ike_load: stopped at the cap of %.0f s with %ld running\n",
			g->o->cap, g->running);
		g->done = true;
		g->end = t;
		loop_break(g->l);
	}
}

/* --- figures --- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The p-th percentile (nearest rank) of the n sorted values v. */
static double pct(const double *v, long n, double p)
{
	long r = (long)(p / 100.0 * (double)n + 0.999999);

	if (n == 0)
		return 0;
	return v[r < 1 ? 0 : r > n ? n - 1 : r - 1];
}

static uint64_t retransmits(const struct gen *g)
{
	uint64_t r = 0;

	for (long i = 0; i < g->next; i++)
		r += ike_stats(g->in[i].e)->retransmits;
	return r;
}

static void report(struct gen *g, double cpu0, double cpu1, long rss0, long rss1, double gen_cpu)
{
	const struct opts *o = g->o;
	double *lat = calloc((size_t)(g->up ? g->up : 1), sizeof(*lat));
	double wall = (g->end - g->start) / 1e3, cpu = cpu1 - cpu0;
	struct rusage ru;
	long k = 0;

	if (!lat)
		die("out of memory");
	for (long i = 0; i < o->n; i++)
		if (g->in[i].st == I_UP)
			lat[k++] = g->in[i].t1 - g->in[i].t0;
	qsort(lat, (size_t)k, sizeof(*lat), cmp_double);
	printf("handshakes: %ld up, %ld failed (%ld timed out), %ld not started, in %.2f s: "
	       "%.1f/s\n",
	       g->up, g->failed, g->timed_out, o->n - g->next, wall, (double)g->up / wall);
	printf("latency (start to CHILD SA up): p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f "
	       "ms\n",
	       pct(lat, k, 50), pct(lat, k, 90), pct(lat, k, 99), k ? lat[k - 1] : 0.0);
	if (o->pid)
		printf("responder pid %d: CPU %.2f s, %.0f us/handshake, %.0f handshakes per "
		       "CPU-second; "
		       "RSS %ld -> %ld KiB\n",
		       (int)o->pid, cpu, g->up ? cpu * 1e6 / (double)g->up : 0.0,
		       cpu > 0 ? (double)g->up / cpu : 0.0, rss0, rss1);
	/* The generator's peak memory: it shares the guest with the responder at large N. */
	if (getrusage(RUSAGE_SELF, &ru) < 0)
		ru.ru_maxrss = -1;
	printf("generator: CPU %.2f s, %llu retransmissions, max RSS %ld KiB\n", gen_cpu,
	       (unsigned long long)retransmits(g), (long)ru.ru_maxrss);
	printf("result: label=%s mode=%s n=%ld c=%ld up=%ld failed=%ld wall_s=%.3f hs_per_s=%.1f "
	       "resp_cpu_s=%.3f resp_us_per_hs=%.0f hs_per_resp_cpu_s=%.1f p50_ms=%.1f p90_ms=%.1f "
	       "p99_ms=%.1f max_ms=%.1f resp_rss_kib=%ld gen_cpu_s=%.2f retransmits=%llu "
	       "gen_maxrss_kib=%ld\n",
	       o->label, o->mode == M_CERT ? "cert" : "psk", o->n, o->conc, g->up, g->failed, wall,
	       (double)g->up / wall, o->pid ? cpu : -1.0,
	       o->pid && g->up ? cpu * 1e6 / (double)g->up : -1.0,
	       o->pid && cpu > 0 ? (double)g->up / cpu : -1.0, pct(lat, k, 50), pct(lat, k, 90),
	       pct(lat, k, 99), k ? lat[k - 1] : 0.0, rss1 - rss0, gen_cpu,
	       (unsigned long long)retransmits(g), (long)ru.ru_maxrss);
	free(lat);
}

/* --- main --- */

static void usage(void)
{
	fprintf(stderr, "usage: ike_load [-m psk|cert] [-n N] [-c C] [-r RESPONDER] [-a FIRST] "
			"[-p PID] [-d PKIDIR] [-s SECRET] [-t TIMEOUT] [-T CAP] [-l LABEL]\n");
	exit(2);
}

static long parse_n(const char *what, const char *s, long min, long max)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || *end || n < min || n > max) {
		fprintf(stderr, "ike_load: %s must be %ld..%ld\n", what, min, max);
		exit(2);
	}
	return n;
}

static uint32_t parse_v4(const char *what, const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1) {
		fprintf(stderr, "ike_load: %s must be an IPv4 address\n", what);
		exit(2);
	}
	return ntohl(a.s_addr);
}

static void parse(int argc, char **argv, struct opts *o)
{
	int opt;

	while ((opt = getopt(argc, argv, "m:n:c:r:a:p:d:s:t:T:l:")) != -1) {
		switch (opt) {
		case 'm':
			if (strcmp(optarg, "psk") && strcmp(optarg, "cert"))
				usage();
			o->mode = strcmp(optarg, "psk") ? M_CERT : M_PSK;
			break;
		case 'n':
			o->n = parse_n("N", optarg, 1, MAX_N);
			break;
		case 'c':
			o->conc = parse_n("C", optarg, 1, MAX_N);
			break;
		case 'r':
			parse_v4("RESPONDER", optarg);
			o->responder = optarg;
			break;
		case 'a':
			o->first = parse_v4("FIRST", optarg);
			break;
		case 'p':
			o->pid = (pid_t)parse_n("PID", optarg, 1, 1 << 22);
			break;
		case 'd':
			o->pki = optarg;
			break;
		case 's':
			o->secret = optarg;
			break;
		case 't':
			o->timeout = (double)parse_n("TIMEOUT", optarg, 1, 3600);
			break;
		case 'T':
			o->cap = (double)parse_n("CAP", optarg, 1, 86400);
			break;
		case 'l':
			o->label = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || (o->mode == M_CERT && !o->pki) || strpbrk(o->secret, "\"\\\n"))
		usage();
	if ((uint64_t)o->first + (uint64_t)o->n > 0xffffffffu)
		usage();
}

static void open_net(struct gen *g)
{
	char err[256];
	int e, fds[NET_MAX_FDS];
	size_t nfds;

	g->net = net_open(500, 4500, NET_BYPASS_OPTIONAL, on_packet, g, &e, err, sizeof(err));
	if (!g->net) {
		fprintf(stderr, "ike_load: %s\n", err);
		exit(1);
	}
	nfds = net_fds(g->net, fds, NET_MAX_FDS);
	for (size_t i = 0; i < nfds; i++)
		if (!loop_io_new(g->l, fds[i], LOOP_READ, on_readable, g->net))
			die("out of memory");
}

int main(int argc, char **argv)
{
	struct opts o = {.n = 2000,
			 .conc = 50,
			 .responder = "192.0.2.1",
			 .first = 0x0ac80001u,
			 .secret = "load-secret-0123456789",
			 .label = "-",
			 .timeout = 30,
			 .cap = 600};
	struct gen g = {.o = &o};
	double t, cpu0 = 0, cpu1 = 0, gen0;
	long rss0 = 0, rss1 = 0;

	parse(argc, argv, &o);
	log_init("ike_load", false, LOG_LVL_ERROR);
	if (crypto_init() < 0)
		die("crypto_init failed");
	if (!(g.l = loop_default()) || !(g.k = bench_kern_new(0xc0000100u)) ||
	    !(g.in = calloc((size_t)o.n, sizeof(*g.in))))
		die("out of memory");
	open_net(&g);
	printf("ike_load: %ld initiators (%s), %ld at a time, against %s (pid %d)\n", o.n,
	       o.mode == M_CERT ? "certificates, one each" : "PSK", o.conc, o.responder,
	       (int)o.pid);
	t = now_ms(CLOCK_MONOTONIC);
	if (o.mode == M_CERT)
		g.store = load_store(&o);
	prepare(&g);
	printf("prepared %ld initiators in %.2f s\n", o.n, (now_ms(CLOCK_MONOTONIC) - t) / 1e3);
	fflush(stdout);
	if (!loop_timer_new(g.l, 0.1, 0.1, on_tick, &g))
		die("out of memory");
	if (o.pid && ((cpu0 = proc_cpu(o.pid)) < 0 || (rss0 = proc_rss_kib(o.pid)) < 0)) {
		fprintf(stderr, "ike_load: no process %d to measure\n", (int)o.pid);
		return 1;
	}
	gen0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
	g.start = now_ms(CLOCK_MONOTONIC);
	start_more(&g);
	loop_run(g.l);
	if (o.pid && ((cpu1 = proc_cpu(o.pid)) < 0 || (rss1 = proc_rss_kib(o.pid)) < 0)) {
		fprintf(stderr, "ike_load: the responder (pid %d) is gone\n", (int)o.pid);
		return 1;
	}
	report(&g, cpu0, cpu1, rss0, rss1, (now_ms(CLOCK_PROCESS_CPUTIME_ID) - gen0) / 1e3);
	fflush(stdout);
	/* No ike_free: it would send a delete for every SA, which is not the load measured. */
	_exit(0);
}
