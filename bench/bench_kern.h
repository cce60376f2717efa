/* bench_kern: the benchmarks' fake kernel (bench_kern.c). */
#ifndef IPSECD_BENCH_KERN_H
#define IPSECD_BENCH_KERN_H

#include <stdint.h>

#include "ipsecd/kernel.h"

/* SPIs from ALLOCSPI are first_spi, first_spi + 1, ... Free with bench_kern_free (accepts
 * NULL; requests still queued are dropped unanswered). */
struct kern *bench_kern_new(uint32_t first_spi);
void bench_kern_free(struct kern *k);
/* Answers every queued request in order, and those queued by the callbacks meanwhile,
 * until none is left. Returns how many. */
unsigned bench_kern_run(struct kern *k);
/* SAs added or updated with keys, minus those deleted. */
long bench_kern_keyed(const struct kern *k);
/* SAs deleted so far. */
long bench_kern_deleted(const struct kern *k);

#endif
