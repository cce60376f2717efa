/* spd_change: a change (ipsecctl's, or a reload's as conf_adopt records it) taken into the
 * kernel's SPD without computing what every policy becomes: only the policies the change
 * added, removed or changed, and those of the peers it changed, are computed again; their
 * entries that are no longer wanted go. Entries the kernel refused or lost since are put
 * back by a whole apply, as before.
 *
 * A policy's kernel priority is its rank (spd.c). When the change moves the rank of
 * policies it did not touch (a policy added before others, one removed from before
 * others, a priority changed), or involves manual SAs, it is applied as a whole
 * configuration (spd_apply), which updates exactly the entries that differ. */
#include <stdlib.h>
#include <string.h>

#include "ipsecd/log.h"
#include "spd_internal.h"

/* More policy items than this in one change: spd_apply is as quick. */
#define MAX_TOUCHED 64

struct touched {
	const struct conf_item *old, *it; /* old: as installed (NULL: new); it: NULL: gone */
};

struct plan {
	const struct conf *c;
	struct touched t[MAX_TOUCHED];
	size_t n;
	bool whole; /* apply the whole configuration instead */
};

static struct ranked ranked_of(const struct conf_item *it, size_t pos)
{
	return (struct ranked){it, conf_int(it, CONF_POLICY_PRIORITY), pos};
}

/* Does any installed policy other than `self` rank after policy it at place pos? gone: it
 * was taken out from there, and those now at pos and beyond were after it. */
static bool ranked_after(const struct conf *c, const struct conf_item *it, size_t pos, bool gone,
			 const struct conf_item *self)
{
	/* places doubled: a gone policy sat just before the one now at its place */
	struct ranked r = ranked_of(it, 2 * pos + (gone ? 0 : 1));

	for (size_t i = 0; i < conf_count(c, CONF_M_POLICY); i++) {
		const struct conf_item *q = conf_item_at(c, CONF_M_POLICY, i);
		struct ranked rq = ranked_of(q, 2 * i + 1);

		if (q != self && !spd_policy_skipped(q) && spd_rank_cmp(&r, &rq) < 0)
			return true;
	}
	return false;
}

/* The rank of installed policy it: how many installed ones come before it. */
static unsigned rank_of(const struct conf *c, const struct conf_item *it)
{
	struct ranked r = ranked_of(it, it->pos);
	unsigned rank = 0;

	for (size_t i = 0; i < conf_count(c, CONF_M_POLICY); i++) {
		const struct conf_item *q = conf_item_at(c, CONF_M_POLICY, i);
		struct ranked rq = ranked_of(q, i);

		rank += q != it && !spd_policy_skipped(q) && spd_rank_cmp(&rq, &r) < 0;
	}
	return rank;
}

static bool manual(const struct conf_item *pol)
{
	const char *ms = pol ? conf_str(pol, CONF_POLICY_MANUAL_SA) : NULL;

	return ms && *ms && strcmp(ms, "none");
}

static void touch(struct plan *p, const struct conf_item *old, const struct conf_item *it)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->t[i].it && p->t[i].it == it) {
			if (old != it) /* the copy from before the change knows its old keys */
				p->t[i].old = old;
			return;
		}
	if (p->n == MAX_TOUCHED || manual(old) || manual(it)) {
		p->whole = true;
		return;
	}
	p->t[p->n++] = (struct touched){old, it};
}

/* A policy that was installed leaves a gap in the ranks only when it was the last. */
static bool moves_others(const struct plan *p, const struct conf_item *old,
			 const struct conf_item *it)
{
	bool was = old && !spd_policy_skipped(old), is = it && !spd_policy_skipped(it);

	if (was && is && conf_int(old, CONF_POLICY_PRIORITY) == conf_int(it, CONF_POLICY_PRIORITY))
		return false;
	if (was && ranked_after(p->c, old, old->pos, !it, it))
		return true;
	return is && ranked_after(p->c, it, it->pos, false, it);
}

/* The policies whose tunnel ends come from peer `name`. */
static void touch_peer_policies(struct plan *p, const char *name)
{
	for (size_t i = 0; name && *name && i < conf_count(p->c, CONF_M_POLICY) && !p->whole; i++) {
		const struct conf_item *q = conf_item_at(p->c, CONF_M_POLICY, i);
		const char *pn = conf_str(q, CONF_POLICY_PEER);

		if (pn && !strcmp(pn, name))
			touch(p, q, q);
	}
}

static void plan_one(enum conf_change what, const struct conf_item *old, const struct conf_item *it,
		     void *arg)
{
	struct plan *p = arg;
	const struct conf_item *any = it ? it : old;

	if (p->whole)
		return;
	switch (any->menu->id) {
	case CONF_M_POLICY:
		if (moves_others(p, old, it))
			p->whole = true;
		else
			touch(p, what == CONF_ADDED ? NULL : old, it);
		break;
	case CONF_M_PEER:
		if (old)
			touch_peer_policies(p, conf_str(old, CONF_PEER_NAME));
		if (it &&
		    (!old || strcmp(conf_str(old, CONF_PEER_NAME), conf_str(it, CONF_PEER_NAME))))
			touch_peer_policies(p, conf_str(it, CONF_PEER_NAME));
		break;
	case CONF_M_MANUAL_SA:
		p->whole = true;
		break;
	default:
		break;
	}
}

/* The policy as it is now, and the entries it had that it no longer wants. */
static void apply_touched(struct spd *s, const struct conf *c, const struct touched *t)
{
	char old_keys[MAX_SP][KEY_LEN];
	struct want w = {0};

	if (t->it && !spd_policy_skipped(t->it)) {
		struct ranked r = ranked_of(t->it, t->it->pos);

		spd_apply_policy(s, c, &r, rank_of(c, t->it), &w);
	}
	if (t->old && !spd_policy_skipped(t->old)) {
		spd_policy_keys(t->old, old_keys);
		for (int k = 0; k < MAX_SP; k++) {
			bool wanted = false;
			struct ent *e;

			for (int i = 0; i < w.nsp && !wanted; i++)
				wanted = !strcmp(w.sp_key[i], old_keys[k]);
			if (!wanted && (e = hash_get(&s->ents, old_keys[k])))
				spd_ent_remove(s, e);
		}
	}
	explicit_bzero(&w, sizeof(w));
}

void spd_apply_changes(struct spd *s, const struct conf *c, const struct conf_changes *ch)
{
	struct plan p = {.c = c};

	conf_changes_walk(ch, plan_one, &p);
	/* entries the kernel refused or lost come back with a whole apply */
	if (p.whole || spd_broken(s)) {
		log_debug(LOG_KERNEL, NULL, "the change moves policies' ranks: applied whole");
		spd_apply(s, c);
		return;
	}
	for (size_t i = 0; i < p.n; i++)
		apply_touched(s, c, &p.t[i]);
	kern_commit(s->k);
}
