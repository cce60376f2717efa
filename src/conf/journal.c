/* journal: an ipsecctl change made in place on the running model. Each step is recorded
 * (an item added, removed, or changed: then a copy of it from before) so that a refused
 * change is undone, newest step first, and an accepted one tells the engines what it did
 * without a copy of the model or a comparison of two. Items stay where they are: the
 * engines' pointers to the items the change did not touch stay valid. */
#include <stdlib.h>

#include "internal.h"

void conf_journal_begin(struct conf *c)
{
	c->jl = xcalloc(1, sizeof(*c->jl));
	c->jl->next_id = c->next_id;
}

void conf_journal_add(struct conf *c, enum conf_change what, struct conf_item *it,
		      struct conf_item *old, size_t pos)
{
	struct conf_changes *ch = c->jl;

	if (ch->n == ch->cap) {
		ch->cap = ch->cap ? ch->cap * 2 : 8;
		ch->e = xrealloc(ch->e, ch->cap * sizeof(*ch->e));
	}
	ch->e[ch->n++] = (struct conf_jent){what, it, old, pos};
	it->journal |= what == CONF_REMOVED ? CONF_J_REMOVED : what == CONF_ADDED ? CONF_J_NEW : 0;
}

void conf_touch(struct conf *c, struct conf_item *it)
{
	if (!c->jl || (it->journal & (CONF_J_NEW | CONF_J_COPIED)))
		return;
	conf_journal_add(c, CONF_CHANGED, it, conf_item_copy(it), 0);
	it->journal |= CONF_J_COPIED;
}

void conf_journal_abort(struct conf *c)
{
	struct conf_changes *ch = c->jl;

	c->jl = NULL;
	conf_changes_revert(c, ch);
}

/* What an entry means once the change is complete; false: nothing (its item was added
 * and removed again, or changed back). Frees a copy that is not needed. */
static bool settle(struct conf_jent *e)
{
	unsigned j = e->it->journal;

	if (e->what == CONF_ADDED)
		return !(j & CONF_J_REMOVED);
	if (e->what == CONF_REMOVED)
		return !(j & CONF_J_NEW);
	/* changed: reported as removed if it was removed afterwards */
	if (!(j & CONF_J_REMOVED) &&
	    (!conf_item_same(e->old, e->it) || e->old->invalid != e->it->invalid))
		return true;
	conf_item_free(e->old);
	e->old = NULL;
	return false;
}

static bool gone(const struct conf_item *it)
{
	return (it->journal & CONF_J_NEW) && (it->journal & CONF_J_REMOVED);
}

struct conf_changes *conf_journal_end(struct conf *c)
{
	struct conf_changes *ch = c->jl;
	bool *keep = xcalloc(ch->n + 1, sizeof(*keep));
	size_t k = 0;

	c->jl = NULL;
	for (size_t i = 0; i < ch->n; i++)
		keep[i] = settle(&ch->e[i]);
	/* an item added and removed again keeps its bits: it is freed below, once */
	for (size_t i = 0; i < ch->n; i++)
		if (!gone(ch->e[i].it))
			ch->e[i].it->journal = 0;
	for (size_t i = 0; i < ch->n; i++)
		if (ch->e[i].what == CONF_ADDED && gone(ch->e[i].it))
			conf_item_free(ch->e[i].it);
	for (size_t i = 0; i < ch->n; i++)
		if (keep[i])
			ch->e[k++] = ch->e[i];
	free(keep);
	ch->n = k;
	return ch;
}

size_t conf_changes_walk(const struct conf_changes *ch, conf_diff_fn fn, void *arg)
{
	static const enum conf_change order[] = {CONF_REMOVED, CONF_CHANGED, CONF_ADDED};
	size_t n = 0;

	for (size_t k = 0; ch && k < 3; k++)
		for (size_t i = 0; i < ch->n; i++) {
			const struct conf_jent *e = &ch->e[i];

			if (e->what != order[k])
				continue;
			n++;
			if (fn && e->what == CONF_CHANGED)
				fn(CONF_CHANGED, e->old, e->it, arg);
			else if (fn)
				fn(e->what, e->what == CONF_REMOVED ? e->it : NULL,
				   e->what == CONF_ADDED ? e->it : NULL, arg);
		}
	return n;
}

void conf_changes_free(struct conf_changes *ch)
{
	if (!ch)
		return;
	for (size_t i = 0; i < ch->n; i++) {
		conf_item_free(ch->e[i].old);
		if (ch->e[i].what == CONF_REMOVED)
			conf_item_free(ch->e[i].it);
	}
	free(ch->e);
	free(ch);
}

/* Newest step first: each is undone in the model it left. */
void conf_changes_revert(struct conf *c, struct conf_changes *ch)
{
	conf_dups_forget(c); /* (before the items the change added go) */
	for (size_t i = ch->n; i-- > 0;) {
		struct conf_jent *e = &ch->e[i];

		if (e->what == CONF_ADDED) {
			conf_item_unlink(c, e->it);
			conf_item_free(e->it);
		} else if (e->what == CONF_REMOVED) {
			conf_insert(c, e->it, e->pos);
			e->it->journal = 0;
		} else {
			conf_item_restore(c, e->it, e->old);
		}
	}
	c->next_id = ch->next_id;
	free(ch->e);
	free(ch);
}
