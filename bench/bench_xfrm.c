/* bench_xfrm: clocks, SPD dumps, `ip -batch` lines and the namespace check of the XFRM
 * benchmarks. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* program_invocation_short_name */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "bench_xfrm.h"

/* --- clocks --- */

static double tv_ms(const struct timeval *tv)
{
	return (double)tv->tv_sec * 1e3 + (double)tv->tv_usec / 1e3;
}

struct bench_clock bench_clock_now(void)
{
	struct timespec ts;
	struct rusage ru;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	getrusage(RUSAGE_SELF, &ru);
	return (struct bench_clock){(double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6,
				    tv_ms(&ru.ru_utime), tv_ms(&ru.ru_stime)};
}

struct bench_clock bench_clock_since(struct bench_clock t0)
{
	struct bench_clock t = bench_clock_now();

	return (struct bench_clock){t.wall - t0.wall, t.user - t0.user, t.sys - t0.sys};
}

/* --- the kernel's view --- */

static void collect(void *arg, const struct kern_sp *sp)
{
	struct bench_sps *l = arg;

	if (!kern_sp_index_ours(sp->index)) {
		l->others++;
		return;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 1024;
		l->sp = realloc(l->sp, l->cap * sizeof(*l->sp));
		if (!l->sp) {
			perror(program_invocation_short_name);
			exit(1);
		}
	}
	l->sp[l->n++] = *sp;
}

int bench_sps_dump(struct kern *k, struct bench_sps *l)
{
	int err;

	memset(l, 0, sizeof(*l));
	if ((err = kern_sp_dump(k, collect, l)) < 0)
		fprintf(stderr, "%s: dumping the kernel's policies: %s\n",
			program_invocation_short_name, strerror(-err));
	return err;
}

/* --- ip -batch --- */

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

int bench_write_ip_batch(const char *path, struct bench_sps *l)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, path,
			strerror(errno));
		return -1;
	}
	qsort(l->sp, l->n, sizeof(*l->sp), by_index);
	for (size_t i = 0; i < l->n; i++)
		write_ip_line(f, &l->sp[i]);
	if (fclose(f) != 0) {
		fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, path,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* --- the namespace --- */

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

/* Where init's namespace cannot be looked at (a container without CAP_SYS_PTRACE), a
 * namespace with no interface but lo counts as fresh. */
int bench_check_netns(struct kern *k)
{
	const char *me = program_invocation_short_name;
	struct stat self, init;
	struct bench_sps l;
	bool own;

	if (stat("/proc/self/ns/net", &self) == 0 && stat("/proc/1/ns/net", &init) == 0)
		own = self.st_ino != init.st_ino || self.st_dev != init.st_dev;
	else
		own = only_lo();
	if (!own) {
		fprintf(stderr,
			"%s: refusing to run in the host's network namespace; run it as "
			"`unshare -n %s ...`\n",
			me, me);
		return -1;
	}
	if (bench_sps_dump(k, &l) < 0)
		return -1;
	free(l.sp);
	if (l.n || l.others) {
		fprintf(stderr,
			"%s: the SPD of this namespace is not empty (%zu policies); run it in a "
			"fresh one (unshare -n)\n",
			me, l.n + l.others);
		return -1;
	}
	return 0;
}
