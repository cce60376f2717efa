/* runtime: what ipsecctl asks of the running daemon beyond the configuration (installed
 * SAs, statistics, policy state and counters, flush, dump-kernel-policies), and what the
 * kernel tells it (events). */
#ifndef IPSECD_RUNTIME_H
#define IPSECD_RUNTIME_H

#include "ipsecd/conf.h"
#include "ipsecd/kernel.h"
#include "spd.h"

struct runtime {
	struct kern *kern;
	struct spd *spd;
	struct conf *const *conf; /* the running model: replaced on reload */
	const char *proc_crypto;  /* path of /proc/crypto (tests may point elsewhere) */
	const char *xfrm_stat;	  /* path of /proc/net/xfrm_stat */
};

/* conf_runtime callbacks over r (r must outlive their use). */
void runtime_ctl(struct runtime *r, struct conf_runtime *out);
/* Kernel event handlers over r: logged, and handed to spd. */
void runtime_events(struct runtime *r, struct kern_events *out);

#endif
