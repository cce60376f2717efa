/* bench_xfrm: what the benchmarks against the real XFRM policy tables (bench_spd,
 * bench_gpol) share: their clocks, the kernel's view of the SPD (a dump of ipsecd's
 * entries), the same entries written as `ip -batch` lines for iproute2 to add, and the
 * check that they run in a network namespace of their own with an empty SPD. */
#ifndef IPSECD_BENCH_XFRM_H
#define IPSECD_BENCH_XFRM_H

#include <stddef.h>

#include "ipsecd/kernel.h"

/* Wall clock, and the process's user and system time, in ms. */
struct bench_clock {
	double wall, user, sys;
};

struct bench_clock bench_clock_now(void);
/* What passed since t0. */
struct bench_clock bench_clock_since(struct bench_clock t0);

/* The SPD's entries made by ipsecd (kern_sp_index_ours), copied. */
struct bench_sps {
	struct kern_sp *sp;
	size_t n, cap;
	size_t others; /* entries not made by ipsecd */
};

/* Fills l (free l->sp) from a kernel dump. 0, or -errno said on stderr. */
int bench_sps_dump(struct kern *k, struct bench_sps *l);
/* Writes l's entries to path as `ip -batch` lines (xfrm policy add), in index order: the
 * order ipsecd sent them (slots are taken in sequence, the direction is the low bits).
 * Sorts l. 0, or -1 said on stderr. */
int bench_write_ip_batch(const char *path, struct bench_sps *l);
/* 0 when this process is in a network namespace of its own and its SPD is empty; else
 * -1, said on stderr: a bench never touches the host's XFRM tables. */
int bench_check_netns(struct kern *k);

#endif
