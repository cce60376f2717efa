/* spd_apply: the wanted kernel entries (spd.c) compared with what ipsecd installed, and
 * the difference sent to the kernel; leftovers of an earlier run removed at start,
 * everything removed at shutdown; the state of each entry as the kernel answered. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/log.h"
#include "ipsecd/strbuf.h"
#include "spd_internal.h"

static bool broken(enum ent_state st)
{
	return st == ENT_FAILED || st == ENT_GONE;
}

/* Entries in the table the kernel refused or lost are counted (spd_broken). */
static void ent_state(struct ent *e, enum ent_state st)
{
	if (!e->dying)
		e->s->nbroken = e->s->nbroken + broken(st) - broken(e->state);
	e->state = st;
}

size_t spd_broken(const struct spd *s)
{
	return s->nbroken;
}

static void ent_free(struct ent *e)
{
	free(e->why);
	explicit_bzero(e, sizeof(*e)); /* SA entries hold keys */
	free(e);
}

static void slot_give(struct spd *s, uint32_t index)
{
	if (s->nfree == s->free_cap) {
		s->free_cap = s->free_cap ? s->free_cap * 2 : 64;
		s->free_slots = xrealloc(s->free_slots, s->free_cap * sizeof(*s->free_slots));
	}
	s->free_slots[s->nfree++] = (index & ~KERN_SP_INDEX_MASK) >> 3;
}

static uint32_t slot_take(struct spd *s)
{
	if (s->nfree)
		return s->free_slots[--s->nfree];
	return s->next_slot++ & 0xffffff;
}

static const char *ent_what(const struct ent *e)
{
	return e->is_sa ? "SA" : "policy";
}

static void send_delete(struct spd *s, struct ent *e);

/* A dying entry: once nothing about it is in flight, delete it from the kernel if it is
 * there (only what ipsecd installed: a refused add may mean someone else's entry), then
 * free it. */
static void dying_done(struct ent *e, int err, const char *msg)
{
	if (e->deleting && err && err != -ENOENT && err != -ESRCH)
		log_warn(LOG_KERNEL, NULL, "removing %s %s: %s", ent_what(e), e->key + 1, msg);
	if (!e->deleting && !err)
		ent_state(e, ENT_OK);
	else if (!e->deleting && err)
		ent_state(e, ENT_FAILED);
	if (e->inflight)
		return;
	if (!e->deleting && e->state == ENT_OK) {
		send_delete(e->s, e);
		return;
	}
	if (!e->is_sa)
		slot_give(e->s, e->u.sp.index);
	ent_free(e);
}

static void on_done(void *arg, int err, const char *msg)
{
	struct ent *e = arg;

	e->inflight--;
	e->s->inflight--;
	if (e->dying) {
		dying_done(e, err, msg);
		return;
	}
	if (!err) {
		if (e->state != ENT_OK)
			log_debug(LOG_KERNEL, NULL, "policy %u: %s %s installed", e->pos,
				  ent_what(e), e->key + 1);
		ent_state(e, ENT_OK);
		free(e->why);
		e->why = NULL;
		return;
	}
	ent_state(e, ENT_FAILED);
	free(e->why);
	e->why = xstrdup(err == -EEXIST ? "the kernel has such an entry already, not made by "
					  "ipsecd: left alone"
					: msg);
	log_error(LOG_KERNEL, NULL, "policy %u: %s %s not installed: %s", e->pos, ent_what(e),
		  e->key + 1, e->why);
}

static struct ent *ent_new(struct spd *s, const char *key, bool is_sa)
{
	struct ent *e = xcalloc(1, sizeof(*e));

	snprintf(e->key, sizeof(e->key), "%s", key);
	e->is_sa = is_sa;
	e->s = s;
	e->seen = true;
	hash_put(&s->ents, e->key, e);
	return e;
}

static void send_delete(struct spd *s, struct ent *e)
{
	e->deleting = true;
	e->inflight++;
	s->inflight++;
	if (e->is_sa)
		kern_sa_del(s->k, &e->u.sa.id, on_done, e);
	else
		kern_sp_del(s->k, &e->u.sp, on_done, e);
}

/* Takes the entry out of the table; it is deleted from the kernel and freed once the
 * requests about it are answered (dying_done). */
void spd_ent_remove(struct spd *s, struct ent *e)
{
	hash_del(&s->ents, e->key);
	s->nbroken -= broken(e->state);
	e->dying = true;
	if (!e->inflight)
		dying_done(e, e->state == ENT_OK ? 0 : -ENOENT, NULL);
}

static void ensure_sp(struct spd *s, const char *key, const struct kern_sp *want, unsigned pos)
{
	struct ent *e = hash_get(&s->ents, key);
	struct kern_sp sp = *want;

	if (e) {
		e->seen = true;
		e->pos = pos;
		sp.index = e->u.sp.index;
		bool failed = e->state == ENT_FAILED || e->state == ENT_GONE;

		if (!failed && !memcmp(&sp, &e->u.sp, sizeof(sp)))
			return; /* unchanged: not touched */
		e->u.sp = sp;
		ent_state(e, ENT_PENDING);
		e->inflight++;
		s->inflight++;
		/* a refused add is tried again as an add: never replace another's entry */
		kern_sp_add(s->k, &e->u.sp, !failed, on_done, e);
		return;
	}
	e = ent_new(s, key, false);
	e->pos = pos;
	sp.index = KERN_SP_INDEX_OWN | slot_take(s) << 3 | (uint32_t)sp.dir;
	e->u.sp = sp;
	e->inflight++;
	s->inflight++;
	kern_sp_add(s->k, &e->u.sp, false, on_done, e);
}

static void ensure_sa(struct spd *s, const char *key, const struct kern_sa *want, unsigned pos)
{
	struct ent *e = hash_get(&s->ents, key);

	if (e && !memcmp(want, &e->u.sa, sizeof(*want)) && e->state != ENT_FAILED &&
	    e->state != ENT_GONE) {
		e->seen = true;
		e->pos = pos;
		return;
	}
	/* Keys and algorithms of an installed SA cannot be changed: replace it. */
	if (e)
		spd_ent_remove(s, e);
	e = ent_new(s, key, true);
	e->pos = pos;
	e->u.sa = *want;
	e->inflight++;
	s->inflight++;
	kern_sa_add(s->k, &e->u.sa, false, on_done, e);
}

/* Policy positions in priority order: v6 `priority` (higher first), then the list. */
int spd_rank_cmp(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->prio != y->prio)
		return x->prio > y->prio ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* w receives what the policy became (nsp = 0 when it cannot be installed). */
void spd_apply_policy(struct spd *s, const struct conf *c, const struct ranked *r, unsigned rank,
		      struct want *w)
{
	const char *why = spd_want_policy(s, c, r->it, rank, true, w);
	unsigned pos = (unsigned)r->pos + 1;

	if (why) {
		log_warn(LOG_KERNEL, NULL, "policy %u: not installed: %s", pos, why);
		explicit_bzero(w, sizeof(*w));
		return;
	}
	/* SAs first, so that traffic the new policies catch finds its SAs */
	for (int i = 0; i < w->nsa; i++)
		ensure_sa(s, w->sa_key[i], &w->sa[i], pos);
	for (int i = 0; i < w->nsp; i++)
		ensure_sp(s, w->sp_key[i], &w->sp[i], pos);
}

void spd_apply(struct spd *s, const struct conf *c)
{
	size_t n = conf_count(c, CONF_M_POLICY), pos = 0, k = 0;
	struct ranked *r = xcalloc(n + 1, sizeof(*r));
	struct ent *e;

	while ((e = hash_next(&s->ents, &pos)))
		e->seen = false;
	for (size_t i = 0; i < n; i++) {
		const struct conf_item *it = conf_item_at(c, CONF_M_POLICY, i);

		if (!spd_policy_skipped(it))
			r[k++] = (struct ranked){it, conf_int(it, CONF_POLICY_PRIORITY), i};
	}
	qsort(r, k, sizeof(*r), spd_rank_cmp);
	for (size_t i = 0; i < k; i++) {
		struct want w;

		spd_apply_policy(s, c, &r[i], (unsigned)i, &w);
		explicit_bzero(&w, sizeof(w));
	}
	free(r);
	pos = 0;
	while ((e = hash_next(&s->ents, &pos)))
		if (!e->seen)
			spd_ent_remove(s, e);
	kern_commit(s->k);
}

size_t spd_inflight(const struct spd *s)
{
	return s ? s->inflight : 0;
}

void spd_counts(const struct spd *s, size_t *policies, size_t *sas)
{
	size_t pos = 0;
	const struct ent *e;

	*policies = *sas = 0;
	while ((e = hash_next(&s->ents, &pos)))
		if (e->state == ENT_OK)
			(*(e->is_sa ? sas : policies))++;
}

/* --- leftovers, shutdown --- */

struct leftovers {
	struct kern_sp *sp;
	struct kern_sa_id *sa;
	size_t nsp, nsa;
};

static void collect_sp(void *arg, const struct kern_sp *sp)
{
	struct leftovers *l = arg;

	if (!kern_sp_index_ours(sp->index))
		return;
	l->sp = xrealloc(l->sp, (l->nsp + 1) * sizeof(*l->sp));
	l->sp[l->nsp++] = *sp;
}

static void collect_sa(void *arg, const struct kern_sa_info *info)
{
	struct leftovers *l = arg;

	if (!kern_reqid_ours(info->sa.reqid))
		return;
	l->sa = xrealloc(l->sa, (l->nsa + 1) * sizeof(*l->sa));
	l->sa[l->nsa++] = info->sa.id;
}

int spd_remove_leftovers(struct spd *s)
{
	struct leftovers l = {0};
	int err = kern_sp_dump(s->k, collect_sp, &l);

	if (!err)
		err = kern_sa_dump(s->k, collect_sa, &l);
	for (size_t i = 0; i < l.nsp; i++)
		kern_sp_del(s->k, &l.sp[i], NULL, NULL);
	for (size_t i = 0; i < l.nsa; i++)
		kern_sa_del(s->k, &l.sa[i], NULL, NULL);
	if (!err)
		err = kern_wait(s->k, WAIT_MS);
	free(l.sp);
	free(l.sa);
	if (err)
		return err;
	if (l.nsp || l.nsa)
		log_info(LOG_KERNEL, NULL,
			 "removed %zu policies and %zu SAs left by an earlier "
			 "ipsecd",
			 l.nsp, l.nsa);
	return (int)(l.nsp + l.nsa);
}

void spd_free(struct spd *s)
{
	size_t pos = 0;
	struct ent *e;

	if (!s)
		return;
	while ((e = hash_next(&s->ents, &pos)))
		spd_ent_remove(s, e);
	if (kern_wait(s->k, WAIT_MS) < 0)
		log_error(LOG_KERNEL, NULL, "the kernel did not answer every removal in %d ms",
			  WAIT_MS);
	hash_free(&s->ents);
	pos = 0;
	struct reqid_ent *r;

	while ((r = hash_next(&s->reqids, &pos))) {
		free(r->name);
		free(r);
	}
	hash_free(&s->reqids);
	free(s->free_slots);
	free(s);
}

/* --- status --- */

static void ent_status(const struct spd *s, const char *key, struct spd_status *st)
{
	const struct ent *e = hash_get(&s->ents, key);

	if (st->why)
		return;
	if (!e)
		st->why = "not installed";
	else if (e->state == ENT_PENDING)
		st->why = "being installed";
	else if (e->state == ENT_FAILED)
		st->why = e->why;
	else if (e->state == ENT_GONE)
		st->why = "removed from the kernel by someone else";
}

void spd_policy_status(const struct spd *s, const struct conf *c, const struct conf_item *policy,
		       struct spd_status *st)
{
	struct want w;

	memset(st, 0, sizeof(*st));
	if (conf_bool(policy, CONF_POLICY_DISABLED)) {
		st->why = "disabled";
		return;
	}
	if (conf_bool(policy, CONF_POLICY_TEMPLATE)) {
		st->why = "a template";
		return;
	}
	if (policy->invalid) {
		st->why = "invalid";
		return;
	}
	st->why = spd_want_policy((struct spd *)s, c, policy, 0, false, &w);
	if (!st->why) {
		st->installed = true;
		st->nentries = w.nsp;
		st->reqid = w.reqid;
		for (int i = 0; i < w.nsa; i++)
			ent_status(s, w.sa_key[i], st);
		for (int i = 0; i < w.nsp; i++)
			ent_status(s, w.sp_key[i], st);
	}
	st->active = !st->why;
	explicit_bzero(&w, sizeof(w));
}

/* --- what others did to our entries --- */

static void mark_gone(struct ent *e, const char *what)
{
	if (e->state != ENT_OK)
		return;
	ent_state(e, ENT_GONE);
	log_warn(LOG_KERNEL, NULL, "policy %u: %s %s %s; it comes back at the next reload", e->pos,
		 ent_what(e), e->key + 1, what);
}

void spd_sa_gone(struct spd *s, const struct kern_sa_id *id)
{
	char key[KEY_LEN];
	struct ent *e;

	spd_sa_key(id, key);
	if ((e = hash_get(&s->ents, key)) && !e->inflight)
		mark_gone(e, "is no longer in the kernel (expired or deleted by someone else)");
}

void spd_sp_gone(struct spd *s, uint32_t index)
{
	size_t pos = 0;
	struct ent *e;

	while ((e = hash_next(&s->ents, &pos)))
		if (!e->is_sa && e->u.sp.index == index && !e->inflight)
			mark_gone(e, "was deleted by someone else");
}

void spd_flushed(struct spd *s, bool sad, uint8_t proto)
{
	size_t pos = 0;
	struct ent *e;

	while ((e = hash_next(&s->ents, &pos)))
		if (e->is_sa == sad && !e->inflight &&
		    (!proto || !sad || e->u.sa.id.proto == proto))
			mark_gone(e, sad ? "was flushed" : "was flushed by someone else");
}
