/* bench_gpol: how fast a road-warrior gateway's generated policies reach the kernel. Drives
 * the real kernel module (src/kernel, XFRM over netlink) as src/ike/gpol.c does for N
 * clients: per client one set, the outbound selector 172.16.0.0/12 -> its address/32
 * (100.64.0.0/10), whose in, out and fwd policies go as three asynchronous requests with a
 * callback and an argument of their own, then kern_commit(); index slot, reqid and priority
 * as gpol.c takes them; one ESP tunnel template (level require) between the gateway
 * (192.0.2.1) and the client (10.0.0.1 + i). A turn adds C clients (default 32: about what
 * one readiness of 64 datagrams completes), then reads the answers that are there, as the
 * daemon's loop would between readinesses; kern_wait() ends it. Timed wall and CPU (user
 * and system: the kernel does its work in our sendto()). Then a dump checks 3N policies and
 * the removal, as the clients leave (kern_sp_del each, one commit per client), is timed too.
 *
 * With -b FILE it also writes the 3N policies, taken from the dump in index order (the
 * order sent), as `ip -batch` lines, so that run-gpol-bench.sh can time iproute2 adding the
 * very same entries.
 *
 * Root only, and only inside a network namespace of its own (unshare -n) with an empty SPD:
 * it never touches the host's XFRM tables.
 *
 *   bench_gpol [-b FILE] [-c C] [N]    N 10000, C 32
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_xfrm.h"
#include "ipsecd/kernel.h"
#include "ipsecd/log.h"

#define MAX_CLIENTS (1L << 20) /* slots below gpol.c's GPOL_SLOT_MAX */
#define WAIT_MS	    120000
/* as src/ike/gpol.c: slots from GPOL_SLOT_BASE, priority GPOL_PRIORITY */
#define SLOT_BASE 0x100000u
#define PRIORITY  30000u

/* --- the policies of client i, as gpol.c builds them --- */

static void v4(struct kern_addr *a, uint32_t host)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	host = htonl(host);
	memcpy(a->bytes, &host, 4);
}

/* The outbound view: the LAN to the client's leased address. */
static void sel_of(long i, struct kern_sel *s)
{
	uint32_t lan = htonl(0xac100000u), vip = htonl(0x64400000u + (uint32_t)i);

	memset(s, 0, sizeof(*s));
	s->family = AF_INET;
	memcpy(s->src, &lan, 4);
	s->src_plen = 12;
	memcpy(s->dst, &vip, 4);
	s->dst_plen = 32;
}

/* gpol.c's sp_of(): in and fwd are the outbound selector turned around. */
static void sp_of(long i, enum kern_dir dir, struct kern_sp *sp)
{
	uint32_t slot = SLOT_BASE + (uint32_t)i;
	struct kern_sel s;
	bool out = dir == KERN_DIR_OUT;
	struct kern_addr local, remote;

	sel_of(i, &s);
	memset(sp, 0, sizeof(*sp));
	sp->sel = s;
	if (!out) {
		memcpy(sp->sel.src, s.dst, 16);
		memcpy(sp->sel.dst, s.src, 16);
		sp->sel.src_plen = s.dst_plen;
		sp->sel.dst_plen = s.src_plen;
	}
	v4(&local, 0xc0000201u);		/* 192.0.2.1 */
	v4(&remote, 0x0a000001u + (uint32_t)i); /* 10.0.0.1 + i */
	sp->dir = dir;
	sp->priority = PRIORITY;
	sp->index = KERN_SP_INDEX_OWN | slot << 3 | (uint32_t)dir;
	sp->ntmpl = 1;
	sp->tmpl[0].proto = IPPROTO_ESP;
	sp->tmpl[0].tunnel = true;
	sp->tmpl[0].level = KERN_LEVEL_REQUIRE;
	sp->tmpl[0].reqid = KERN_REQID_OWN | slot;
	sp->tmpl[0].src = out ? local : remote;
	sp->tmpl[0].dst = out ? remote : local;
}

/* --- requests and answers --- */

struct tally {
	long answered, failed;
	char first_error[256];
};

/* What gpol.c hands each request: how to find its set again (freed by the answer). */
struct req {
	struct tally *t;
	uint32_t slot;
};

static void answer(void *arg, int err, const char *msg)
{
	struct req *r = arg;
	struct tally *t = r->t;

	t->answered++;
	if (err < 0 && !t->failed++)
		snprintf(t->first_error, sizeof(t->first_error), "slot %#x: %s", r->slot,
			 msg ? msg : strerror(-err));
	free(r);
}

/* The answers already there, as the loop reads them when the socket is readable. */
static void read_answers(struct kern *k)
{
	struct pollfd p = {.fd = kern_request_fd(k), .events = POLLIN};

	if (poll(&p, 1, 0) > 0)
		kern_on_request_ready(k);
}

static void client_add(struct kern *k, long i, struct tally *t)
{
	for (int d = KERN_DIR_IN; d <= KERN_DIR_FWD; d++) {
		struct req *r = malloc(sizeof(*r));
		struct kern_sp sp;

		if (!r) {
			perror("bench_gpol");
			exit(1);
		}
		r->t = t;
		r->slot = SLOT_BASE + (uint32_t)i;
		sp_of(i, (enum kern_dir)d, &sp);
		kern_sp_add(k, &sp, false, answer, r);
	}
	kern_commit(k);
}

static void client_del(struct kern *k, long i)
{
	for (int d = KERN_DIR_IN; d <= KERN_DIR_FWD; d++) {
		struct kern_sp sp;

		sp_of(i, (enum kern_dir)d, &sp);
		kern_sp_del(k, &sp, NULL, NULL);
	}
	kern_commit(k);
}

/* --- the bench --- */

static void report(const char *what, long n, struct bench_clock t)
{
	printf("%s %ld clients (%ld kernel policies): %.1f ms wall, cpu %.1f ms (user %.1f, sys "
	       "%.1f), %.0f kernel policies/s\n",
	       what, n, 3 * n, t.wall, t.user + t.sys, t.user, t.sys,
	       (double)(3 * n) / (t.wall / 1e3));
}

static int install(struct kern *k, long n, long turn)
{
	struct tally t = {0};
	struct bench_clock t0 = bench_clock_now(), took;

	for (long i = 0; i < n; i++) {
		client_add(k, i, &t);
		if ((i + 1) % turn == 0)
			read_answers(k);
	}
	int err = kern_wait(k, WAIT_MS);

	took = bench_clock_since(t0);
	if (err < 0 || t.answered != 3 * n) {
		fprintf(stderr, "bench_gpol: %ld of %ld requests answered in %d ms\n", t.answered,
			3 * n, WAIT_MS);
		return -1;
	}
	report("install", n, took);
	if (t.failed) {
		fprintf(stderr, "bench_gpol: the kernel refused %ld policies; the first: %s\n",
			t.failed, t.first_error);
		return -1;
	}
	return 0;
}

static int check(struct kern *k, long n, const char *batch)
{
	size_t dirs[3] = {0};
	struct bench_sps l;
	int err = 0;

	if (bench_sps_dump(k, &l) < 0)
		return -1;
	for (size_t i = 0; i < l.n; i++)
		if (l.sp[i].dir <= KERN_DIR_FWD)
			dirs[l.sp[i].dir]++;
	printf("check: kernel dump %zu of ours (in %zu, out %zu, fwd %zu), %zu others\n", l.n,
	       dirs[KERN_DIR_IN], dirs[KERN_DIR_OUT], dirs[KERN_DIR_FWD], l.others);
	for (int d = 0; d < 3; d++)
		if (dirs[d] != (size_t)n)
			err = -1;
	if (err)
		fprintf(stderr, "bench_gpol: expected %ld kernel policies per direction\n", n);
	if (!err && batch)
		err = bench_write_ip_batch(batch, &l);
	free(l.sp);
	return err;
}

static int remove_all(struct kern *k, long n, long turn)
{
	struct bench_clock t0 = bench_clock_now();
	struct bench_sps l;

	for (long i = 0; i < n; i++) {
		client_del(k, i);
		if ((i + 1) % turn == 0)
			read_answers(k);
	}
	if (kern_wait(k, WAIT_MS) < 0) {
		fprintf(stderr, "bench_gpol: the removals were not answered in %d ms\n", WAIT_MS);
		return -1;
	}
	report("remove", n, bench_clock_since(t0));
	if (bench_sps_dump(k, &l) < 0)
		return -1;
	free(l.sp);
	if (l.n) {
		fprintf(stderr, "bench_gpol: %zu policies left after the removal\n", l.n);
		return -1;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_gpol [-b FILE] [-c CLIENTS_PER_TURN] [N]\n");
	exit(2);
}

static long parse_n(const char *s, long max)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || *end || n < 1 || n > max)
		usage();
	return n;
}

int main(int argc, char **argv)
{
	const char *batch = NULL;
	long n = 10000, turn = 32;
	int opt, err = 0;

	while ((opt = getopt(argc, argv, "b:c:")) != -1) {
		if (opt == 'b')
			batch = optarg;
		else if (opt == 'c')
			turn = parse_n(optarg, MAX_CLIENTS);
		else
			usage();
	}
	if (optind < argc)
		n = parse_n(argv[optind++], MAX_CLIENTS);
	if (optind < argc)
		usage();
	log_init("bench_gpol", false, LOG_LVL_WARNING);

	struct kern *k = kern_open(NULL, &err);

	if (!k) {
		fprintf(stderr, "bench_gpol: opening the XFRM netlink sockets: %s (root needed)\n",
			strerror(-err));
		return 1;
	}
	if (bench_check_netns(k) < 0 || install(k, n, turn) < 0 || check(k, n, batch) < 0 ||
	    remove_all(k, n, turn) < 0) {
		kern_close(k);
		return 1;
	}
	kern_close(k);
	return 0;
}
