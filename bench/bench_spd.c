/* bench_spd: how fast ipsecd installs the policies of a large configuration in the kernel.
 * Generates N tunnel policies (action=encrypt, tunnel=yes, fixed sa-src/sa-dst-address:
 * 3 kernel policies each, out, in and fwd), loads them (timed apart), then times
 * spd_apply() + kern_wait(), the pipelined install, checks that spd_counts() and a kernel
 * dump both say 3N, and times spd_free(), which removes them all.
 *
 * With -b FILE it also writes the same 3N kernel policies, taken from the dump (selector,
 * direction, priority, index, template), as `ip -batch` lines in the order ipsecd sent
 * them, so that run-spd-bench.sh can time iproute2 installing exactly the same entries.
 *
 * Root only, and only inside a network namespace of its own (unshare -n): it refuses to
 * run in init's namespace or when the SPD holds anything, so it never touches the host's
 * XFRM tables.
 *
 *   bench_spd [-b FILE] [N]    N defaults to 10000
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* open_memstream */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ipsecd/conf.h"
#include "ipsecd/kernel.h"
#include "ipsecd/log.h"
#include "spd.h"

#define MAX_ITEMS (1L << 15) /* the address plan below: one /24 of 10.0.0.0/9 per policy */
#define WAIT_MS	  60000

/* Wall clock, and the process's user and system time, in ms. */
struct clock {
	double wall, user, sys;
};

static double ts_ms(const struct timespec *ts)
{
	return (double)ts->tv_sec * 1e3 + (double)ts->tv_nsec / 1e6;
}

static double tv_ms(const struct timeval *tv)
{
	return (double)tv->tv_sec * 1e3 + (double)tv->tv_usec / 1e3;
}

static struct clock now(void)
{
	struct timespec ts;
	struct rusage ru;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	getrusage(RUSAGE_SELF, &ru);
	return (struct clock){ts_ms(&ts), tv_ms(&ru.ru_utime), tv_ms(&ru.ru_stime)};
}

static struct clock since(struct clock t0)
{
	struct clock t = now();

	return (struct clock){t.wall - t0.wall, t.user - t0.user, t.sys - t0.sys};
}

/* Policy i: 10.(i>>8).(i&255).0/24 (in 10.0.0.0/9) to the same /24 in 10.128.0.0/9. */
static void write_conf(FILE *f, long n)
{
	fputs("/ip ipsec peer\n"
	      "add address=192.0.2.2/32 exchange-mode=ike2 local-address=192.0.2.1 name=p\n"
	      "/ip ipsec identity\n"
	      "add peer=p secret=s\n"
	      "/ip ipsec policy\n",
	      f);
	for (long i = 0; i < n; i++)
		fprintf(f,
			"add action=encrypt dst-address=10.%ld.%ld.0/24 peer=p "
			"sa-dst-address=192.0.2.2 "
			"sa-src-address=192.0.2.1 src-address=10.%ld.%ld.0/24 tunnel=yes\n",
			128 + (i >> 8), i & 255, i >> 8, i & 255);
}

static struct conf *load(long n, struct clock *took)
{
	struct conf_diags ds;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f) {
		perror("bench_spd: open_memstream");
		exit(1);
	}
	write_conf(f, n);
	fclose(f);
	conf_diags_init(&ds);

	struct clock t0 = now();
	struct conf *c = conf_new();

	if (conf_load_buf(c, "bench", text, len, CONF_FROM_FILE, &ds) < 0 || ds.n) {
		fprintf(stderr, "bench_spd: the generated configuration does not load cleanly:\n");
		conf_diags_print(&ds, stderr);
		exit(1);
	}
	*took = since(t0);
	conf_diags_free(&ds);
	free(text);
	return c;
}

/* --- the kernel's view --- */

struct sps {
	struct kern_sp *sp;
	size_t n, cap;
	size_t others; /* entries not made by ipsecd */
};

static void collect(void *arg, const struct kern_sp *sp)
{
	struct sps *l = arg;

	if (!kern_sp_index_ours(sp->index)) {
		l->others++;
		return;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 1024;
		l->sp = realloc(l->sp, l->cap * sizeof(*l->sp));
		if (!l->sp) {
			perror("bench_spd");
			exit(1);
		}
	}
	l->sp[l->n++] = *sp;
}

static int dump(struct kern *k, struct sps *l)
{
	int err;

	memset(l, 0, sizeof(*l));
	if ((err = kern_sp_dump(k, collect, l)) < 0)
		fprintf(stderr, "bench_spd: dumping the kernel's policies: %s\n", strerror(-err));
	return err;
}

/* In the order ipsecd sent them: slots are taken in sequence, the direction is the low
 * bits. */
static int by_index(const void *a, const void *b)
{
	const struct kern_sp *x = a, *y = b;

	return x->index < y->index ? -1 : x->index > y->index;
}

static const char *addr(uint8_t family, const uint8_t *bytes, char *buf)
{
	return inet_ntop(family, bytes, buf, INET6_ADDRSTRLEN);
}

static void write_ip_line(FILE *f, const struct kern_sp *sp)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	fprintf(f, "xfrm policy add src %s/%u dst %s/%u dir %s priority %u index %u",
		addr(sp->sel.family, sp->sel.src, a), sp->sel.src_plen,
		addr(sp->sel.family, sp->sel.dst, b), sp->sel.dst_plen, kern_dir_name(sp->dir),
		sp->priority, sp->index);
	if (sp->sel.proto)
		fprintf(f, " proto %u", sp->sel.proto);
	if (sp->block)
		fputs(" action block", f);
	for (int i = 0; i < sp->ntmpl; i++) {
		const struct kern_tmpl *t = &sp->tmpl[i];

		fputs(" tmpl", f);
		if (t->tunnel)
			fprintf(f, " src %s dst %s", addr(t->src.family, t->src.bytes, a),
				addr(t->dst.family, t->dst.bytes, b));
		fprintf(f, " proto %s mode %s reqid %u level %s", kern_proto_name(t->proto),
			t->tunnel ? "tunnel" : "transport", t->reqid,
			t->level == KERN_LEVEL_USE ? "use" : "required");
	}
	fputc('\n', f);
}

static int write_batch(const char *path, struct sps *l)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "bench_spd: %s: %s\n", path, strerror(errno));
		return -1;
	}
	qsort(l->sp, l->n, sizeof(*l->sp), by_index);
	for (size_t i = 0; i < l->n; i++)
		write_ip_line(f, &l->sp[i]);
	if (fclose(f) != 0) {
		fprintf(stderr, "bench_spd: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* A fresh namespace (unshare -n) has no interface but lo. */
static bool only_lo(void)
{
	FILE *f = fopen("/proc/self/net/dev", "r");
	char line[512], name[64];
	bool ok = f != NULL;
	int end;

	while (ok && fgets(line, sizeof(line), f)) {
		end = 0;
		/* "  eth0: 1234 ...": the two header lines have no colon */
		if (sscanf(line, " %63[^:|]:%n", name, &end) == 1 && end && strcmp(name, "lo"))
			ok = false;
	}
	if (f)
		fclose(f);
	return ok;
}

/* Inside a network namespace of its own, with an empty SPD: never the host's tables.
 * Where init's namespace cannot be looked at (a container without CAP_SYS_PTRACE), a
 * namespace with no interface but lo counts as fresh. */
static int check_netns(struct kern *k)
{
	struct stat self, init;
	bool own;
	struct sps l;

	if (stat("/proc/self/ns/net", &self) == 0 && stat("/proc/1/ns/net", &init) == 0)
		own = self.st_ino != init.st_ino || self.st_dev != init.st_dev;
	else
		own = only_lo();
	if (!own) {
		fprintf(stderr, "bench_spd: refusing to run in the host's network namespace; "
				"run it as `unshare -n bench_spd ...`\n");
		return -1;
	}
	if (dump(k, &l) < 0)
		return -1;
	free(l.sp);
	if (l.n || l.others) {
		fprintf(stderr,
			"bench_spd: the SPD of this namespace is not empty (%zu policies); "
			"run it in a fresh one (unshare -n)\n",
			l.n + l.others);
		return -1;
	}
	return 0;
}

static void report(const char *what, long n, size_t entries, struct clock t)
{
	printf("%s %ld policies (%zu kernel policies): %.1f ms (cpu %.1f ms: user %.1f, "
	       "sys %.1f), %.0f kernel policies/s\n",
	       what, n, entries, t.wall, t.user + t.sys, t.user, t.sys,
	       (double)entries / (t.wall / 1e3));
}

static int bench(long n, const char *batch)
{
	struct clock load_t, apply_t, wait_t, dump_t, free_t, t0;
	size_t want = 3 * (size_t)n, npol, nsa, dirs[3] = {0};
	struct sps l;
	int err = 0;
	struct kern *k = kern_open(NULL, &err);

	if (!k) {
		fprintf(stderr, "bench_spd: opening the XFRM netlink sockets: %s (root needed)\n",
			strerror(-err));
		return 1;
	}
	if (check_netns(k) < 0) {
		kern_close(k);
		return 1;
	}

	struct conf *c = load(n, &load_t);

	printf("load+validate %ld policies: %.1f ms (cpu %.1f ms), %.0f items/s\n", n, load_t.wall,
	       load_t.user + load_t.sys, (double)n / (load_t.wall / 1e3));

	struct spd *s = spd_new(k);

	t0 = now();
	spd_apply(s, c);
	apply_t = since(t0);
	t0 = now();
	err = kern_wait(k, WAIT_MS);
	wait_t = since(t0);
	if (err < 0) {
		fprintf(stderr, "bench_spd: the kernel did not answer every request in %d ms\n",
			WAIT_MS);
		return 1;
	}
	struct clock install = {apply_t.wall + wait_t.wall, apply_t.user + wait_t.user,
				apply_t.sys + wait_t.sys};

	spd_counts(s, &npol, &nsa);
	t0 = now();
	if (dump(k, &l) < 0)
		return 1;
	dump_t = since(t0);
	for (size_t i = 0; i < l.n; i++)
		if (l.sp[i].dir <= KERN_DIR_FWD)
			dirs[l.sp[i].dir]++;

	report("install", n, want, install);
	printf("  spd_apply (compute, queue, send) %.1f ms (cpu %.1f: user %.1f, sys %.1f); "
	       "kern_wait (rest sent, answers) %.1f ms (cpu %.1f: user %.1f, sys %.1f)\n",
	       apply_t.wall, apply_t.user + apply_t.sys, apply_t.user, apply_t.sys, wait_t.wall,
	       wait_t.user + wait_t.sys, wait_t.user, wait_t.sys);
	printf("check: spd_counts %zu policies, %zu SAs; kernel dump %zu (out %zu, in %zu, "
	       "fwd %zu) in %.1f ms\n",
	       npol, nsa, l.n, dirs[KERN_DIR_OUT], dirs[KERN_DIR_IN], dirs[KERN_DIR_FWD],
	       dump_t.wall);
	if (npol != want || l.n != want || dirs[KERN_DIR_OUT] != (size_t)n ||
	    dirs[KERN_DIR_IN] != (size_t)n || dirs[KERN_DIR_FWD] != (size_t)n) {
		fprintf(stderr, "bench_spd: expected %zu kernel policies, %ld per direction\n",
			want, n);
		err = 1;
	}
	if (batch && write_batch(batch, &l) < 0)
		err = 1;
	free(l.sp);

	t0 = now();
	spd_free(s);
	free_t = since(t0);
	report("remove", n, want, free_t);
	if (dump(k, &l) < 0)
		return 1;
	if (l.n) {
		fprintf(stderr, "bench_spd: %zu policies still in the kernel after spd_free\n",
			l.n);
		err = 1;
	}
	free(l.sp);
	kern_close(k);
	conf_free(c);
	return err;
}

static long parse_n(const char *s)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || *end || n < 1 || n > MAX_ITEMS) {
		fprintf(stderr, "bench_spd: N must be 1..%ld\n", MAX_ITEMS);
		exit(2);
	}
	return n;
}

int main(int argc, char **argv)
{
	const char *batch = NULL;
	long n = 10000;
	int opt;

	while ((opt = getopt(argc, argv, "b:")) != -1) {
		if (opt != 'b') {
			fprintf(stderr, "usage: bench_spd [-b FILE] [N]\n");
			return 2;
		}
		batch = optarg;
	}
	if (optind < argc)
		n = parse_n(argv[optind++]);
	if (optind < argc) {
		fprintf(stderr, "usage: bench_spd [-b FILE] [N]\n");
		return 2;
	}
	log_init("bench_spd", false, LOG_LVL_WARNING);
	return bench(n, batch);
}
