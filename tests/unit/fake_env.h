/* fake_env: link-time fakes of loop.h, kernel.h and net.h for exchange tests. Linked instead
 * of libevloop, libkernel and libnet, they let two IKE engines run in one process on a fake
 * clock: timers fire only when the test advances time, the kernel answers only when the
 * test runs it, and datagrams wait in a queue until the test delivers or drops them. */
#ifndef IPSECD_TESTS_FAKE_ENV_H
#define IPSECD_TESTS_FAKE_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipsecd/kernel.h"
#include "ipsecd/loop.h"
#include "ipsecd/net.h"

/* --- loop: a fake clock and a list of timers --- */

/* A loop whose clock reads `start` seconds. Free with fake_loop_free() (accepts NULL); the
 * timers still on it are freed too. */
struct loop *fake_loop_new(double start);
void fake_loop_free(struct loop *l);
/* Fires the timers due now (after 0 included), earliest first, ties in the order they were
 * armed; timers armed by a callback for now fire too. Returns how many fired. */
unsigned fake_loop_run_due(struct loop *l);
/* Moves the clock to `until`, firing every timer due on the way at its own time, in order.
 * Returns how many fired. The clock never goes back. */
unsigned fake_loop_run_until(struct loop *l, double until);
/* When the next timer is due, or a negative value when none is armed. */
double fake_loop_next(const struct loop *l);
size_t fake_loop_armed(const struct loop *l);

/* --- kernel: an SAD that requests change when the test runs the kernel --- */

/* An SA the fake kernel holds. A larval one comes from ALLOCSPI: no keys yet. */
struct fake_sa {
	struct kern_sa sa;
	bool larval;
};

enum fake_kop_kind { FAKE_KOP_ALLOCSPI, FAKE_KOP_ADD, FAKE_KOP_UPDATE, FAKE_KOP_DEL };

/* One request as the kernel handled it (in order), and its answer. ADD/UPDATE: the SA as
 * given; DEL: sa.id; ALLOCSPI: sa.id (with the SPI given out), sa.src, sa.reqid. */
struct fake_kop {
	enum fake_kop_kind kind;
	struct kern_sa sa;
	int err;
	double when; /* the loop's clock when the kernel handled it */
};

/* SPIs from ALLOCSPI are first_spi, first_spi + 1, ... */
struct kern *fake_kern_new(struct loop *l, uint32_t first_spi);
/* Answers nothing; requests still queued are dropped. Accepts NULL. */
void fake_kern_free(struct kern *k);
/* Handles the requests that were sent (kern_commit, ALLOCSPI, or 64 queued; then, as the
 * real module does after reading answers, whatever was queued meanwhile), calling their
 * callbacks in order, until none is left. Returns how many were handled. */
unsigned fake_kern_run(struct kern *k);
/* The next n requests of that kind fail with -EINVAL and change nothing. */
void fake_kern_refuse(struct kern *k, enum fake_kop_kind kind, unsigned n);
/* Requests queued but never sent: a kern_commit() was missing. */
size_t fake_kern_unsent(const struct kern *k);
/* SAs held now (larval ones counted only with larval). */
size_t fake_kern_nsa(const struct kern *k, bool larval);
const struct fake_sa *fake_kern_sa_at(const struct kern *k, size_t i);
const struct fake_sa *fake_kern_find(const struct kern *k, uint8_t proto, uint32_t spi);
/* The installed (non-larval) SAs with that IPv4 destination: how many, and the first. */
size_t fake_kern_sa_to(const struct kern *k, const char *dst, const struct kern_sa **first);
/* Whether a is that IPv4 address. */
bool fake_addr_is(const struct kern_addr *a, const char *ipv4);
/* The history of handled requests. */
size_t fake_kern_nops(const struct kern *k);
const struct fake_kop *fake_kern_op(const struct kern *k, size_t i);
/* Handled requests of a kind (with err == 0 only when ok_only). */
size_t fake_kern_count(const struct kern *k, enum fake_kop_kind kind, bool ok_only);
/* Whether a DEL of (proto, spi) succeeded. */
bool fake_kern_deleted(const struct kern *k, uint8_t proto, uint32_t spi);

/* Policies (kern_sp_add/del change them at once and answer at once; an add of a selector
 * and direction held already fails with -EEXIST): how many, and each. */
size_t fake_kern_nsp(const struct kern *k);
const struct kern_sp *fake_kern_sp_at(const struct kern *k, size_t i);
/* Interface addresses (kern_ifaddr_add/del; every local address is on FAKE_IFINDEX). */
#define FAKE_IFINDEX 7
size_t fake_kern_nifaddr(const struct kern *k, const struct kern_addr **addrs);

/* --- net: a queue of datagrams sent --- */

struct fake_dgram {
	struct fake_dgram *next;
	struct net_addr local, remote; /* local.port: the socket's (500 or 4500) */
	bool natt;
	double when; /* the loop's clock at net_send */
	size_t len;
	uint8_t data[];
};

/* Ports 500 and 4500. */
struct net *fake_net_new(struct loop *l);
/* Accepts NULL; drops what is queued. */
void fake_net_free(struct net *n);
/* The oldest datagram queued, taken off the queue (caller frees with free()), or NULL. */
struct fake_dgram *fake_net_pop(struct net *n);
size_t fake_net_queued(const struct net *n);
/* Totals since creation. */
uint64_t fake_net_sent(const struct net *n);
uint64_t fake_net_keepalives(const struct net *n);
/* The datagram as the receiver's net hands it over: local and remote swapped. */
void fake_net_pkt(const struct fake_dgram *d, struct net_pkt *p);

#endif
