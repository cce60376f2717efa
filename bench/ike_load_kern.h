/* ike_load_kern: kernel.h for ike_load's initiators, installing nothing. Requests are queued
 * and answered when the generator runs the queue (as bench_ike_env.c's fake kernel, which
 * ike_load cannot link: that file's fake net.h would clash with the real one ike_load sends
 * with). kern_socket_bypass fails, so the net must be opened with NET_BYPASS_OPTIONAL. */
#ifndef IPSECD_BENCH_IKE_LOAD_KERN_H
#define IPSECD_BENCH_IKE_LOAD_KERN_H

#include <stdint.h>

#include "ipsecd/kernel.h"

/* SPIs from ALLOCSPI count up from first_spi. NULL when out of memory. */
struct kern *load_kern_new(uint32_t first_spi);
/* Answers every queued request (success), and those the answers queue. Returns how many. */
unsigned load_kern_run(struct kern *k);

#endif
