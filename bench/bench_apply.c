/* bench_apply: what one change costs a daemon that holds N peers + N identities + N
 * tunnel policies. Runs ipsecctl's `peer add`, `peer set` (of a peer with an identity and
 * a policy), `peer remove` and a SIGHUP reload of the file with one peer changed, each
 * applied as ipsecd applies it (the change and its validation, the difference, the kernel
 * SPD through a fake kernel, the IKE engine's view), and prints the time of each step,
 * best of RUNS.
 *
 *   bench_apply [N...]      (default: 1000 10000 100000)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_ike_env.h"
#include "spd.h"

#define RUNS	 5
#define MAX_STEP 8

struct step {
	const char *name;
	double ms;
};

struct timing {
	struct step s[MAX_STEP];
	int n;
	double t0;
};

static void lap(struct timing *t, const char *name)
{
	double now = bench_now_ms(CLOCK_MONOTONIC);

	t->s[t->n].name = name;
	t->s[t->n++].ms = now - t->t0;
	t->t0 = now;
}

/* What spd.c needs of the kernel module beyond the fake kernel (bench_kern.c): names for
 * its table keys, and the synchronous calls of start and shutdown. */
const char *kern_proto_name(uint8_t proto)
{
	return proto == 50 ? "esp" : proto == 51 ? "ah" : "?";
}

const char *kern_dir_name(enum kern_dir dir)
{
	return dir == KERN_DIR_IN ? "in" : dir == KERN_DIR_OUT ? "out" : "fwd";
}

const char *kern_addr_str(const struct kern_addr *a, char *buf, size_t len)
{
	if (!a->family || !inet_ntop(a->family, a->bytes, buf, (socklen_t)len))
		snprintf(buf, len, "any");
	return buf;
}

int kern_wait(struct kern *k, int timeout_ms)
{
	(void)timeout_ms;
	bench_kern_run(k);
	return 0;
}

int kern_sa_dump(struct kern *k, kern_sa_fn fn, void *arg)
{
	(void)k, (void)fn, (void)arg;
	return 0;
}

int kern_sp_dump(struct kern *k, kern_sp_fn fn, void *arg)
{
	(void)k, (void)fn, (void)arg;
	return 0;
}

struct bench {
	long n;
	struct conf *c;
	struct loop *l;
	struct kern *k;
	struct net *net;
	struct ike *e;
	struct spd *spd;
	int sv[2];
};

static void put_addr(FILE *f, uint32_t base, long i)
{
	uint32_t a = base + (uint32_t)i;

	fprintf(f, "%u.%u.%u.%u/32", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

/* The file: peers in 10.0.0.0/9 (passive: the bench times the apply, not initiations),
 * one identity and one tunnel policy each. changed: peer N/2 has another address. */
static char *conf_text(long n, bool changed, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	if (!f)
		exit(1);
	fputs("/ip ipsec peer\n", f);
	for (long i = 0; i < n; i++) {
		fputs("add address=", f);
		put_addr(f, changed && i == n / 2 ? 0x0b000001 : 0x0a000001, i);
		fprintf(f, " exchange-mode=ike2 name=p%ld passive=yes\n", i);
	}
	fputs("/ip ipsec identity\n", f);
	for (long i = 0; i < n; i++)
		fprintf(f, "add peer=p%ld secret=s%ld\n", i, i);
	fputs("/ip ipsec policy\n", f);
	for (long i = 0; i < n; i++) {
		fputs("add dst-address=", f);
		put_addr(f, 0x0ac00000, i);
		fprintf(f, " peer=p%ld src-address=", i);
		put_addr(f, 0x0a800000, i);
		fputs(" tunnel=yes\n", f);
	}
	fclose(f);
	return text;
}

static struct conf *load(long n, bool changed)
{
	size_t len;
	char *text = conf_text(n, changed, &len);
	struct conf *c = bench_conf_load("bench", text, len);
	struct conf_diags ds;

	conf_diags_init(&ds);
	if (conf_validate(c, &ds) < 0 || ds.n) {
		conf_diags_print(&ds, stderr);
		exit(1);
	}
	conf_diags_free(&ds);
	return c;
}

/* The engine as the daemon makes it: a policy's reqid is its kernel entries' (one per
 * selectors), as runtime_policy_reqid gives it, so the view's reqid chains are short. */
static uint32_t reqid_of(void *arg, const struct conf *c, const struct conf_item *pol)
{
	struct spd_status st;

	spd_policy_status(arg, c, pol, &st);
	return st.installed ? st.reqid : 0;
}

static struct ike *engine(struct bench *b)
{
	struct ike_deps d = {
		.loop = b->l, .kern = b->k, .net = b->net, .policy_reqid = reqid_of, .arg = b->spd};
	struct ike *e = ike_new(&d);

	if (!e)
		exit(1);
	return e;
}

static void setup(struct bench *b, long n)
{
	memset(b, 0, sizeof(*b));
	b->n = n;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, b->sv) < 0)
		exit(1);
	b->l = loop_default();
	b->k = bench_kern_new(0xa0000100u);
	b->net = bench_net_new(b->sv[0]);
	b->spd = spd_new(b->k);
	b->e = engine(b);
	b->c = load(n, false);
	double t0 = bench_now_ms(CLOCK_MONOTONIC), t1, t2;

	spd_apply(b->spd, b->c);
	bench_kern_run(b->k);
	t1 = bench_now_ms(CLOCK_MONOTONIC);
	ike_apply(b->e, b->c);
	t2 = bench_now_ms(CLOCK_MONOTONIC);
	printf("%7ld first apply: spd %.3f ms, view build %.3f ms\n", n, t1 - t0, t2 - t1);
}

static void teardown(struct bench *b)
{
	ike_free(b->e);
	spd_free(b->spd);
	conf_free(b->c);
	bench_net_free(b->net);
	bench_kern_free(b->k);
	close(b->sv[0]);
	close(b->sv[1]);
}

static void on_diff(enum conf_change what, const struct conf_item *o, const struct conf_item *n,
		    void *arg)
{
	(void)what, (void)o, (void)n;
	++*(size_t *)arg;
}

/* The daemon's apply of a change: its record walked, the kernel, the engine. */
static void apply(struct bench *b, struct conf_changes *ch, struct timing *t)
{
	size_t diffs = 0;

	conf_changes_walk(ch, on_diff, &diffs);
	lap(t, "walk");
	spd_apply_changes(b->spd, b->c, ch);
	bench_kern_run(b->k);
	lap(t, "spd");
	ike_apply_changes(b->e, b->c, ch);
	lap(t, "view");
	conf_changes_free(ch);
}

static void ctl(struct bench *b, const char *line, struct timing *t)
{
	struct conf_sink sink = {0};
	struct conf_diags ds;
	struct conf_changes *ch = NULL;

	conf_diags_init(&ds);
	t->t0 = bench_now_ms(CLOCK_MONOTONIC);
	if (conf_ctl_exec(&b->c, line, CONF_CTL_ROOT, &sink, NULL, &ch, &ds) < 0 || !ch) {
		fprintf(stderr, "bench_apply: %s: refused\n", line);
		conf_diags_print(&ds, stderr);
		exit(1);
	}
	lap(t, "change+validate");
	apply(b, ch, t);
	conf_diags_free(&ds);
}

static void reload(struct bench *b, bool changed, struct timing *t)
{
	t->t0 = bench_now_ms(CLOCK_MONOTONIC);
	struct conf *next = load(b->n, changed);

	lap(t, "parse+validate");
	struct conf_changes *ch = conf_adopt(b->c, next);

	lap(t, "adopt");
	apply(b, ch, t);
}

/* What the whole-model steps cost at this size: a clone, a validation. */
static void whole_model(struct bench *b)
{
	struct conf_diags ds;
	double t0 = bench_now_ms(CLOCK_MONOTONIC), t1, t2;

	conf_free(conf_clone(b->c));
	t1 = bench_now_ms(CLOCK_MONOTONIC);
	conf_diags_init(&ds);
	conf_validate(b->c, &ds);
	conf_diags_free(&ds);
	t2 = bench_now_ms(CLOCK_MONOTONIC);
	printf("%7ld whole model: clone %.3f ms, validate %.3f ms\n", b->n, t1 - t0, t2 - t1);
}

static void keep_best(struct timing *best, const struct timing *t)
{
	if (!best->n) {
		*best = *t;
		return;
	}
	for (int i = 0; i < t->n; i++)
		if (t->s[i].ms < best->s[i].ms)
			best->s[i].ms = t->s[i].ms;
}

static void report(long n, const char *what, const struct timing *t)
{
	double total = 0;

	for (int i = 0; i < t->n; i++)
		total += t->s[i].ms;
	printf("%7ld %-22s %9.3f ms:", n, what, total);
	for (int i = 0; i < t->n; i++)
		printf(" %s %.3f", t->s[i].name, t->s[i].ms);
	printf("\n");
}

static void bench(long n)
{
	struct timing best[7] = {0};
	static const char *const what[] = {"peer add",	   "peer set",	    "peer remove",
					   "policy add",   "policy remove", "reload (1 changed)",
					   "reload (back)"};
	char add[160], set[96];
	struct bench b;

	setup(&b, n);
	snprintf(add, sizeof(add),
		 "/ip ipsec peer add name=new address=11.0.0.1/32 "
		 "exchange-mode=ike2 passive=yes");
	snprintf(set, sizeof(set), "/ip ipsec peer set p%ld address=11.0.0.2/32", n / 2);
	for (int r = 0; r < RUNS; r++) {
		struct timing t[7] = {0};

		ctl(&b, add, &t[0]);
		ctl(&b, set, &t[1]);
		ctl(&b, "/ip ipsec peer remove new", &t[2]);
		ctl(&b,
		    "/ip ipsec policy add peer=p1 src-address=10.254.0.0/24 "
		    "dst-address=10.253.0.0/24 tunnel=yes comment=bench",
		    &t[3]);
		ctl(&b, "/ip ipsec policy remove [find comment=bench]", &t[4]);
		reload(&b, true, &t[5]);
		reload(&b, false, &t[6]);
		for (int i = 0; i < 7; i++)
			keep_best(&best[i], &t[i]);
	}
	for (int i = 0; i < 7; i++)
		report(n, what[i], &best[i]);
	whole_model(&b);
	teardown(&b);
}

int main(int argc, char **argv)
{
	static const long def[] = {1000, 10000, 100000};

	printf("best of %d; N peers + N identities + N policies\n", RUNS);
	if (argc < 2)
		for (size_t i = 0; i < sizeof(def) / sizeof(def[0]); i++)
			bench(def[i]);
	for (int i = 1; i < argc; i++)
		bench(bench_parse_n("N", argv[i], 1, 1L << 22));
	return 0;
}
