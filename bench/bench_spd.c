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
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/conf.h"
#include "ipsecd/kernel.h"
#include "ipsecd/log.h"
#include "bench_xfrm.h"
#include "spd.h"

#define MAX_ITEMS (1L << 15) /* the address plan below: one /24 of 10.0.0.0/9 per policy */
#define WAIT_MS	  60000

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

static struct conf *load(long n, struct bench_clock *took)
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

	struct bench_clock t0 = bench_clock_now();
	struct conf *c = conf_new();

	if (conf_load_buf(c, "bench", text, len, CONF_FROM_FILE, &ds) < 0 || ds.n) {
		fprintf(stderr, "bench_spd: the generated configuration does not load cleanly:\n");
		conf_diags_print(&ds, stderr);
		exit(1);
	}
	*took = bench_clock_since(t0);
	conf_diags_free(&ds);
	free(text);
	return c;
}

static void report(const char *what, long n, size_t entries, struct bench_clock t)
{
	printf("%s %ld policies (%zu kernel policies): %.1f ms (cpu %.1f ms: user %.1f, "
	       "sys %.1f), %.0f kernel policies/s\n",
	       what, n, entries, t.wall, t.user + t.sys, t.user, t.sys,
	       (double)entries / (t.wall / 1e3));
}

static int bench(long n, const char *batch)
{
	struct bench_clock load_t, apply_t, wait_t, dump_t, free_t, t0;
	size_t want = 3 * (size_t)n, npol, nsa, dirs[3] = {0};
	struct bench_sps l;
	int err = 0;
	struct kern *k = kern_open(NULL, &err);

	if (!k) {
		fprintf(stderr, "bench_spd: opening the XFRM netlink sockets: %s (root needed)\n",
			strerror(-err));
		return 1;
	}
	if (bench_check_netns(k) < 0) {
		kern_close(k);
		return 1;
	}

	struct conf *c = load(n, &load_t);

	printf("load+validate %ld policies: %.1f ms (cpu %.1f ms), %.0f items/s\n", n, load_t.wall,
	       load_t.user + load_t.sys, (double)n / (load_t.wall / 1e3));

	struct spd *s = spd_new(k);

	t0 = bench_clock_now();
	spd_apply(s, c);
	apply_t = bench_clock_since(t0);
	t0 = bench_clock_now();
	err = kern_wait(k, WAIT_MS);
	wait_t = bench_clock_since(t0);
	if (err < 0) {
		fprintf(stderr, "bench_spd: the kernel did not answer every request in %d ms\n",
			WAIT_MS);
		return 1;
	}
	struct bench_clock install = {apply_t.wall + wait_t.wall, apply_t.user + wait_t.user,
				      apply_t.sys + wait_t.sys};

	spd_counts(s, &npol, &nsa);
	t0 = bench_clock_now();
	if (bench_sps_dump(k, &l) < 0)
		return 1;
	dump_t = bench_clock_since(t0);
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
	if (batch && bench_write_ip_batch(batch, &l) < 0)
		err = 1;
	free(l.sp);

	t0 = bench_clock_now();
	spd_free(s);
	free_t = bench_clock_since(t0);
	report("remove", n, want, free_t);
	if (bench_sps_dump(k, &l) < 0)
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
