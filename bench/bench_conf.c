/* bench_conf: how fast the configuration language loads and exports a large file, and how
 * much memory the model takes. Generates N peers + N identities + N tunnel policies (and a
 * second file of N policies with action=none, which need no peer), then measures
 * conf_load_file (read, parse, validate) and conf_export, best of 5 runs, and the heap
 * the loaded model holds.
 *
 *   bench_conf [N]               run the benchmark (N defaults to 10000)
 *   bench_conf --write FILE [N]  only write the peers+identities+policies file
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ipsecd/conf.h"

#define RUNS	  5
#define MAX_ITEMS (1L << 22) /* the address plan below gives each i its own /32 */

enum layout { FULL, POLICIES_ONLY };

struct sample {
	double wall_ms, cpu_ms;
};

static double now_ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* 10.0.0.0/9 for peers, 10.128.0.0/10 and 10.192.0.0/10 for policy selectors. */
static void put_addr(FILE *f, uint32_t base, long i)
{
	uint32_t a = base + (uint32_t)i;

	fprintf(f, "%u.%u.%u.%u/32", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

static void write_conf(FILE *f, long n, enum layout layout)
{
	if (layout == FULL) {
		fputs("/ip ipsec peer\n", f);
		for (long i = 0; i < n; i++) {
			fputs("add address=", f);
			put_addr(f, 0x0a000001, i);
			fprintf(f, " exchange-mode=ike2 name=p%ld\n", i);
		}
		fputs("/ip ipsec identity\n", f);
		for (long i = 0; i < n; i++)
			fprintf(f, "add peer=p%ld secret=s%ld\n", i, i);
	}
	fputs("/ip ipsec policy\n", f);
	for (long i = 0; i < n; i++) {
		fputs("add dst-address=", f);
		put_addr(f, 0x0ac00000, i);
		if (layout == FULL)
			fprintf(f, " peer=p%ld", i);
		else
			fputs(" action=none", f);
		fputs(" src-address=", f);
		put_addr(f, 0x0a800000, i);
		fputs(layout == FULL ? " tunnel=yes\n" : "\n", f);
	}
}

static int write_file(const char *path, long n, enum layout layout)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "bench_conf: %s: %s\n", path, strerror(errno));
		return -1;
	}
	write_conf(f, n, layout);
	if (fclose(f) != 0) {
		fprintf(stderr, "bench_conf: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* A temporary file holding the generated configuration; the caller unlinks and frees. */
static char *temp_conf(long n, enum layout layout)
{
	const char *dir = getenv("TMPDIR");
	char *path;
	int fd;

	if (asprintf(&path, "%s/bench_conf.XXXXXX", dir && *dir ? dir : "/tmp") < 0)
		return NULL;
	if ((fd = mkstemp(path)) < 0) {
		fprintf(stderr, "bench_conf: %s: %s\n", path, strerror(errno));
		free(path);
		return NULL;
	}
	close(fd);
	if (write_file(path, n, layout) < 0) {
		unlink(path);
		free(path);
		return NULL;
	}
	return path;
}

/* Loads path, which must load without errors. Caller frees the model. */
static struct conf *load(const char *path)
{
	struct conf_diags ds;
	struct conf *c;

	conf_diags_init(&ds);
	c = conf_load_file(path, &ds);
	if (!c || ds.n) {
		fprintf(stderr, "bench_conf: the generated file does not load cleanly:\n");
		conf_diags_print(&ds, stderr);
		exit(1);
	}
	conf_diags_free(&ds);
	return c;
}

static struct sample best_of(struct sample best, double wall0, double cpu0)
{
	double wall = now_ms(CLOCK_MONOTONIC) - wall0;
	double cpu = now_ms(CLOCK_PROCESS_CPUTIME_ID) - cpu0;

	if (best.wall_ms < 0 || wall < best.wall_ms)
		best.wall_ms = wall;
	if (best.cpu_ms < 0 || cpu < best.cpu_ms)
		best.cpu_ms = cpu;
	return best;
}

static struct sample time_load(const char *path)
{
	struct sample best = {-1, -1};

	for (int r = 0; r < RUNS; r++) {
		double wall0 = now_ms(CLOCK_MONOTONIC), cpu0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
		struct conf *c = load(path);

		best = best_of(best, wall0, cpu0);
		conf_free(c);
	}
	return best;
}

/* Heap in use: small chunks (uordblks) plus the large ones malloc maps (hblkhd), where
 * the item arrays and hash tables of a big model live. */
static size_t heap_used(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* Bytes the loaded model holds; the model is returned in *out. */
static long model_bytes(const char *path, struct conf **out)
{
	size_t before = heap_used();

	*out = load(path);
	return (long)(heap_used() - before);
}

static struct sample time_export(const struct conf *c, size_t *bytes)
{
	struct sample best = {-1, -1};

	for (int r = 0; r < RUNS; r++) {
		char *text = NULL;
		double wall0 = now_ms(CLOCK_MONOTONIC), cpu0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
		FILE *f = open_memstream(&text, bytes);

		if (!f) {
			perror("bench_conf: open_memstream");
			exit(1);
		}
		conf_export(c, f, CONF_EXPORT_SENSITIVE);
		fclose(f);
		best = best_of(best, wall0, cpu0);
		free(text);
	}
	return best;
}

static void report(const char *what, long n, long items, struct sample s)
{
	printf("%s %ld %s: %.1f ms (best of %d; cpu %.1f ms), %.0f items/s\n", what, n,
	       items == n ? "policies" : "peers+identities+policies", s.wall_ms, RUNS, s.cpu_ms,
	       (double)items / (s.wall_ms / 1e3));
}

static int bench(long n)
{
	char *full = temp_conf(n, FULL), *pols = temp_conf(n, POLICIES_ONLY);
	struct conf *c;
	size_t export_len = 0;

	if (!full || !pols)
		return 1;
	/* one load first, so that lazily built tables (defaults, the pristine model export
	 * compares built-ins with) are not counted as the model's memory */
	conf_free(load(pols));

	report("load+validate", n, 3 * n, time_load(full));
	report("load+validate", n, n, time_load(pols));

	long full_bytes = model_bytes(full, &c);
	struct sample ex = time_export(c, &export_len);

	conf_free(c);
	long pol_bytes = model_bytes(pols, &c);

	conf_free(c);
	printf("export %ld peers+identities+policies: %.1f ms (best of %d; cpu %.1f ms), "
	       "%zu bytes\n",
	       n, ex.wall_ms, RUNS, ex.cpu_ms, export_len);
	printf("memory: %ld bytes/policy (peer+identity+policy; %.1f MiB for %ld)\n",
	       full_bytes / n, (double)full_bytes / (1 << 20), n);
	printf("memory: %ld bytes/policy (policies only; %.1f MiB for %ld)\n", pol_bytes / n,
	       (double)pol_bytes / (1 << 20), n);
	unlink(full);
	unlink(pols);
	free(full);
	free(pols);
	return 0;
}

static long parse_n(const char *s)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || *end || n < 1 || n > MAX_ITEMS) {
		fprintf(stderr, "bench_conf: N must be 1..%ld\n", MAX_ITEMS);
		exit(2);
	}
	return n;
}

int main(int argc, char **argv)
{
	const char *write_to = NULL;
	long n = 10000;
	int i = 1;

	if (i + 1 < argc && !strcmp(argv[i], "--write")) {
		write_to = argv[i + 1];
		i += 2;
	}
	if (i < argc)
		n = parse_n(argv[i++]);
	if (i < argc) {
		fprintf(stderr, "usage: bench_conf [--write FILE] [N]\n");
		return 2;
	}
	if (write_to)
		return write_file(write_to, n, FULL) < 0 ? 1 : 0;
	return bench(n);
}
