/* spd: the configuration's static policies and manual SAs, kept in the kernel (DESIGN.md
 * §5). It computes what the kernel should hold for a model, compares that with what
 * ipsecd installed, and sends only the difference; it removes ipsecd's leftovers at start
 * and everything it installed at shutdown. */
#ifndef IPSECD_SPD_H
#define IPSECD_SPD_H

#include <stdbool.h>
#include <stddef.h>

#include "ipsecd/conf.h"
#include "ipsecd/kernel.h"

struct spd;

struct spd *spd_new(struct kern *k);
/* Removes everything installed (waiting for the kernel's answers, bounded) and frees. */
void spd_free(struct spd *s);

/* Deletes the policies and SAs an earlier ipsecd left in the kernel (index and reqid in
 * ipsecd's ranges). Synchronous. Returns how many entries it removed, or -errno. */
int spd_remove_leftovers(struct spd *s);

/* Makes the kernel hold what c asks for: adds, updates and deletes only what differs
 * from what is installed. Answers come back asynchronously; failures are logged with
 * the policy's position and the kernel's reason, and show in spd_policy_status(). */
void spd_apply(struct spd *s, const struct conf *c);
/* The same for c changed in place by ch (an ipsecctl change): only the policies ch
 * touched, and those of the peers it changed, are computed again (spd_change.c). */
void spd_apply_changes(struct spd *s, const struct conf *c, const struct conf_changes *ch);

/* Requests spd_apply() sent that the kernel has not answered yet: 0 once the kernel
 * holds what the last apply asked for (or refused it, logged). */
size_t spd_inflight(const struct spd *s);

/* Installed counts, for logs and tests. */
void spd_counts(const struct spd *s, size_t *policies, size_t *sas);

/* A policy item's state in the kernel. */
struct spd_status {
	bool active;	 /* every kernel entry it needs is installed */
	bool installed;	 /* it has entries at all (not disabled, template or invalid) */
	int nentries;	 /* kernel policies it became */
	uint32_t reqid;	 /* 0: none (action none/discard) */
	const char *why; /* not active: the reason, else NULL */
};
void spd_policy_status(const struct spd *s, const struct conf *c, const struct conf_item *policy,
		       struct spd_status *st);

/* Kernel events about entries ipsecd installed: removed by someone else, expired, or
 * flushed. They show as inactive until the next spd_apply() installs them again. */
void spd_sa_gone(struct spd *s, const struct kern_sa_id *id);
void spd_sp_gone(struct spd *s, uint32_t index);
void spd_flushed(struct spd *s, bool sad, uint8_t proto);

/* The manual SAs a policy item uses, with their direction: up to max, returns how many. */
int spd_policy_sas(const struct spd *s, const struct conf *c, const struct conf_item *policy,
		   struct kern_sa_id *ids, bool *inbound, int max);

#endif
