/* replace: a new ISAKMP SA in place of one whose lifetime is almost over. IKEv1 has no
 * rekey of an ISAKMP SA (RFC 2409): the initiator makes a new one by main or aggressive
 * mode, without INITIAL-CONTACT (strongSwan would drop the old one's CHILD_SAs at once);
 * once it is up it rekeys the old one's IPsec SAs with quick modes of its own, as
 * strongSwan does when it reauthenticates an IKEv1 SA, and the old ISAKMP SA is deleted
 * when none of them is left.
 *
 * The old pairs and the old ISAKMP SA go RETIRE_GRACE after the quick mode that replaced
 * them, not at once: strongSwan moves the old IKE_SA's CHILD_SAs into the new one in a job
 * of its own once the new one is up, and a delete that comes before that finds nothing
 * and leaves the old pair in its kernel (scenario 114 saw it). Both pairs are valid in the
 * meantime; strongSwan deletes a reauthenticated IKE_SA two seconds late for its own
 * reasons. */
#include <errno.h>
#include <stdlib.h>

#include "ipsecd/log.h"
#include "ipsecd/loop.h"
#include "v1.h"

/* The ISAKMP SA sa replaces, if it is still there. */
static struct ike_sa *replaced(struct ike_sa *sa)
{
	struct ike_sa *o = sa->v1->replaces ? ike_sa_by_serial(sa->eng, sa->v1->replaces) : NULL;

	return o && o->v1 && o != sa ? o : NULL;
}

void ikev1_p1_take_over(struct ike_sa *sa)
{
	struct ike_sa *old = replaced(sa);

	if (!old) {
		sa->v1->replaces = 0;
		return;
	}
	log_info(LOG_IKE, sa->ctx, "replaces ike#%u: its %u IPsec SA(s) are rekeyed under it",
		 old->serial, old->nchildren);
	for (struct ike_child *c = old->children; c; c = c->next)
		if (c->state == CHILD_STATE_INSTALLED)
			ikev1_qm_start(sa, ike_policy_by_id(sa->eng, c->policy_id), c);
	ikev1_p1_retire(sa);
}

#define RETIRE_GRACE 2.0 /* seconds */

/* The old ISAKMP SA's pairs that quick modes of sa replaced go, under sa; then the old
 * ISAKMP SA if none is left. */
static void on_retire(struct loop_timer *w, void *arg)
{
	struct ike_sa *sa = arg, *old = replaced(sa);

	(void)w;
	for (struct ike_child *c = old ? old->children : NULL, *next; c; c = next) {
		next = c->next;
		if (c->state == CHILD_STATE_REKEYED)
			ikev1_delete_child(sa, c);
	}
	ikev1_p1_retire(sa);
}

void ikev1_p1_retire_soon(struct ike_sa *sa)
{
	struct ikev1_state *v = sa->v1;

	if (!v->retire)
		v->retire = loop_timer_new(sa->eng->d.loop, RETIRE_GRACE, 0, on_retire, sa);
	else
		loop_timer_again(v->retire, RETIRE_GRACE);
	if (!v->retire) /* out of memory: at once, as before */
		on_retire(NULL, sa);
}

void ikev1_p1_retire(struct ike_sa *sa)
{
	struct ike_sa *old = replaced(sa);

	if (!old) {
		sa->v1->replaces = 0;
		return;
	}
	for (struct ike_child *c = old->children; c; c = c->next)
		if (c->state == CHILD_STATE_INSTALLED)
			return;
	sa->v1->replaces = 0;
	log_info(LOG_IKE, old->ctx, "replaced by ike#%u: deleting it", sa->serial);
	ikev1_send_delete_isakmp(old);
	ike_sa_destroy(old, true);
}

int ikev1_p1_replace(struct ike_sa *old)
{
	struct ike_sa *sa;
	int r;

	if (!(sa = ike_sa_new(old->eng, &ikev1_ops, old->peer, true, &old->local, &old->remote)))
		return -ENOMEM;
	if (!(sa->v1 = calloc(1, sizeof(*sa->v1)))) {
		ike_sa_destroy(sa, false);
		return -ENOMEM;
	}
	sa->v1->exch = old->v1->exch;
	sa->v1->replaces = old->serial;
	if (old->natt) { /* from port 500 again: NAT-D finds the NAT anew (RFC 3947 3) */
		sa->local.port = net_port(sa->eng->d.net, false);
		sa->remote.port = 500;
	}
	log_info(LOG_IKE, old->ctx, "lifetime almost over: a new ISAKMP SA replaces it (ike#%u)",
		 sa->serial);
	if ((r = ikev1_p1_start(sa)) < 0)
		ike_sa_destroy(sa, false);
	return r;
}
