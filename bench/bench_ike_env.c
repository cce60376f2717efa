/* bench_ike_env: net.h faked for the IKE benchmarks, keeping nothing per SA: the net hands
 * each datagram to a socket at once (the kernel is bench_kern.c's). And the engine,
 * configurations, batched initiators and checks they share. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* program_invocation_short_name */
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "bench_ike_env.h"

/* --- net --- */

struct net {
	int fd;
	uint64_t sent;
};

struct net *bench_net_new(int fd)
{
	struct net *n = calloc(1, sizeof(*n));

	if (n)
		n->fd = fd;
	return n;
}

void bench_net_free(struct net *n)
{
	free(n);
}

uint16_t net_port(const struct net *n, bool natt)
{
	(void)n;
	return natt ? 4500 : 500;
}

int net_send(struct net *n, const struct net_addr *local, const struct net_addr *remote, bool natt,
	     const void *buf, size_t len)
{
	struct bench_dgram_hdr h = {.dst = *remote, .natt = natt};
	struct iovec iov[] = {{&h, sizeof(h)}, {(void *)buf, len}};
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};

	if (len > BENCH_DGRAM_MAX)
		return -EMSGSIZE;
	if (local)
		h.src = *local;
	h.src.port = net_port(n, natt);
	if (sendmsg(n->fd, &msg, MSG_NOSIGNAL) < 0)
		return -errno;
	n->sent++;
	return 0;
}

int net_send_keepalive(struct net *n, const struct net_addr *local, const struct net_addr *remote)
{
	(void)n;
	(void)local;
	(void)remote;
	return 0;
}

int bench_net_recv(int fd, uint8_t *buf, struct net_pkt *p)
{
	struct bench_dgram_hdr h;
	struct iovec iov[] = {{&h, sizeof(h)}, {buf, BENCH_DGRAM_MAX}};
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
	ssize_t r = recvmsg(fd, &msg, MSG_DONTWAIT);

	if (r < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	if (r == 0)
		return -1;
	if ((size_t)r < sizeof(h) || (msg.msg_flags & MSG_TRUNC)) {
		errno = EMSGSIZE;
		return -1;
	}
	memset(p, 0, sizeof(*p));
	p->data = buf;
	p->len = (size_t)r - sizeof(h);
	p->local = h.dst;
	p->remote = h.src;
	p->natt = h.natt;
	return 1;
}

uint64_t bench_net_sent(const struct net *n)
{
	return n->sent;
}

/* --- the engine and its configuration --- */

static uint32_t reqid_of(void *arg, const struct conf *c, const struct conf_item *pol)
{
	(void)arg;
	(void)c;
	(void)pol;
	return BENCH_REQID;
}

static struct pki_store *store_of(void *arg)
{
	return arg;
}

struct ike *bench_engine(struct loop *l, struct kern *k, struct net *n, struct pki_store *store)
{
	struct ike_deps d = {.loop = l,
			     .kern = k,
			     .net = n,
			     .policy_reqid = reqid_of,
			     .pki = store ? store_of : NULL,
			     .arg = store};
	struct ike *e = ike_new(&d);

	if (!e) {
		fprintf(stderr, "%s: ike_new failed\n", program_invocation_short_name);
		exit(1);
	}
	return e;
}

struct conf *bench_conf_load(const char *what, char *text, size_t len)
{
	struct conf *c = conf_new();
	struct conf_diags ds;

	conf_diags_init(&ds);
	if (!c || conf_load_buf(c, what, text, len, CONF_FROM_FILE, &ds) < 0 || ds.n) {
		fprintf(stderr, "%s: the %s configuration does not load cleanly:\n",
			program_invocation_short_name, what);
		conf_diags_print(&ds, stderr);
		exit(1);
	}
	conf_diags_free(&ds);
	free(text);
	return c;
}

/* --- initiators in batches --- */

#define RX_BATCH 64 /* datagrams per readiness, as the real net (NET_RX_BATCH) */

static void batches_next(struct bench_batches *bs)
{
	long b = bs->started++;

	bs->e[b] = bs->make(bs, b);
}

static void batches_check(struct bench_batches *bs)
{
	const struct ike_stats *st = ike_stats(bs->e[bs->started - 1]);

	for (long b = 0; b < bs->started; b++)
		if (ike_stats(bs->e[b])->failed) {
			fprintf(stderr, "%s: %s of batch %ld failed\n",
				program_invocation_short_name, bs->who, b);
			exit(1);
		}
	if (st->established >= (uint64_t)bs->batch && bs->started < bs->nbatch)
		batches_next(bs);
}

/* A datagram goes to the batch its local address (the initiator's) belongs to. */
static void batches_rx(struct loop_io *w, int fd, int events, void *arg)
{
	static uint8_t buf[BENCH_DGRAM_MAX];
	struct bench_batches *bs = arg;
	struct net_pkt p;
	int r = 1;

	(void)w;
	(void)events;
	for (int i = 0; i < RX_BATCH && (r = bench_net_recv(fd, buf, &p)) > 0; i++) {
		uint32_t a = (uint32_t)p.local.bytes[0] << 24 | (uint32_t)p.local.bytes[1] << 16 |
			     (uint32_t)p.local.bytes[2] << 8 | p.local.bytes[3];
		long b = (long)(a - 0x0a000001u) / bs->batch;

		if (b >= 0 && b < bs->started)
			ike_recv(bs->e[b], &p);
		bench_kern_run(bs->k);
		batches_check(bs);
	}
	if (r < 0) /* the responder is done */
		loop_break(bs->l);
}

int bench_batches_run(struct bench_batches *bs, int fd)
{
	bs->l = loop_default();
	bs->k = bench_kern_new(0xb0000100u);
	bs->n = bench_net_new(fd);
	bs->e = calloc((size_t)bs->nbatch, sizeof(*bs->e));
	if (!bs->l || !bs->k || !bs->n || !bs->e ||
	    !loop_io_new(bs->l, fd, LOOP_READ, batches_rx, bs))
		return 1;
	batches_next(bs);
	loop_run(bs->l);
	return 0;
}

/* --- checks and figures --- */

void bench_count_unready(void *arg, const struct ike_peer_info *i)
{
	long *bad = arg;

	*bad += strcmp(i->state, "established") || i->ph2_total != 1;
}

void bench_note_stats(const struct ike_stats *st)
{
	if (st->retransmits || st->rx_dropped || st->rx_malformed || st->rx_auth_failed)
		printf("note: retransmits %llu, dropped %llu, malformed %llu, auth failed %llu\n",
		       (unsigned long long)st->retransmits, (unsigned long long)st->rx_dropped,
		       (unsigned long long)st->rx_malformed,
		       (unsigned long long)st->rx_auth_failed);
}

double bench_now_ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

long bench_parse_n(const char *what, const char *s, long min, long max)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || *end || n < min || n > max) {
		fprintf(stderr, "%s: %s must be %ld..%ld\n", program_invocation_short_name, what,
			min, max);
		exit(2);
	}
	return n;
}
