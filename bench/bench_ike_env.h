/* bench_ike_env: what the IKE benchmarks (bench_ike_mem, bench_ike_cert, bench_rw,
 * bench_eap_radius) share. The kernel and net modules as the IKE engine sees them (kernel.h,
 * net.h), faked, and as light as they can be so that what they keep does not count against
 * the engine: the kernel answers requests when the bench runs it and remembers nothing but
 * counters; the net writes each datagram at once to a connected SOCK_SEQPACKET socket, with
 * the addresses in front, and keeps nothing. The loop is the real one (libevloop). Then the
 * engine as they make it, their configurations' loading, the initiators they run in batches,
 * and the checks they make of the daemon at the end. */
#ifndef IPSECD_BENCH_IKE_ENV_H
#define IPSECD_BENCH_IKE_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ipsecd/conf.h"
#include "ipsecd/ike.h"
#include "ipsecd/kernel.h"
#include "ipsecd/loop.h"
#include "ipsecd/net.h"
#include "ipsecd/pki.h"
#include "bench_kern.h"

/* --- net --- */

/* A datagram on the socket: this header, then the IKE message. */
struct bench_dgram_hdr {
	struct net_addr src, dst; /* as the sender saw them: src its local address */
	bool natt;
};

#define BENCH_DGRAM_MAX 8192 /* bytes of IKE message, at most */

/* Sends over fd (a connected SOCK_SEQPACKET socket; the caller's, never closed here).
 * Free with bench_net_free (accepts NULL). */
struct net *bench_net_new(int fd);
void bench_net_free(struct net *n);
/* Reads one datagram without blocking into buf (BENCH_DGRAM_MAX bytes) and fills p as the
 * receiving net would (local and remote swapped, data in buf). 1: one read, 0: none
 * waiting, -1: the other end closed or an error (errno). */
int bench_net_recv(int fd, uint8_t *buf, struct net_pkt *p);
uint64_t bench_net_sent(const struct net *n);

/* --- the engine and its configuration --- */

#define BENCH_REQID 0x49000001u /* every policy's reqid */

/* An engine on l, k and n, its certificates store's (NULL: none); exits when it cannot. */
struct ike *bench_engine(struct loop *l, struct kern *k, struct net *n, struct pki_store *store);
/* text (len bytes, from open_memstream; freed here) loaded as a file named what; exits
 * with the diagnostics unless it loads without a word. */
struct conf *bench_conf_load(const char *what, char *text, size_t len);

/* --- initiators in batches --- */

/* The initiators of a bench's child process: nbatch engines, each with `batch` peers whose
 * local addresses are 10.0.0.1 + b * batch + j (j < batch), all on one loop, kernel and
 * net. A batch starts when the one before it has established all of its IKE SAs. */
struct bench_batches {
	long batch, nbatch; /* the caller's */
	const char *who;    /* "peers", "clients": for the failure message */
	void *arg;	    /* the caller's, for make */
	/* Batch b's engine on bs->l, bs->k and bs->n, configured and applied. */
	struct ike *(*make)(struct bench_batches *bs, long b);
	/* bench_batches_run's */
	struct loop *l;
	struct kern *k;
	struct net *n;
	long started;	/* batches */
	struct ike **e; /* nbatch, the first `started` made */
};

/* Runs the batches one after another, their datagrams over fd, until the other end closes
 * it; exits 1 when an exchange of theirs fails. 1: the setup failed, 0: done (the caller
 * exits: nothing of it is freed). */
int bench_batches_run(struct bench_batches *bs, int fd);

/* --- checks and figures --- */

/* For ike_walk: counts into *(long *)arg the IKE SAs not established with one CHILD SA. */
void bench_count_unready(void *arg, const struct ike_peer_info *i);
/* Prints a note of retransmissions, drops and failed checks when there were any. */
void bench_note_stats(const struct ike_stats *st);
/* clk's time in milliseconds. */
double bench_now_ms(clockid_t clk);
/* s as a number min..max, or exit 2 saying what must be. */
long bench_parse_n(const char *what, const char *s, long min, long max);

#endif
