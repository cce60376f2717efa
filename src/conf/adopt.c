/* adopt: a reloaded file taken into the running model as a change. The new model's items
 * are matched with the running ones (by name; unnamed ones by content, found through a
 * hash of their values): an unchanged item stays where it is, the same pointer, so the
 * engines' indexes of it stay valid; a changed one takes the new values in place; the
 * record says what was added, removed and changed, as an ipsecctl change's does. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static uint64_t item_hash(const struct conf_item *it)
{
	uint64_t h = 0xcbf29ce484222325ull ^ it->builtin;

	for (size_t p = 0; p < it->menu->nprops; p++)
		if (!(it->menu->props[p].flags & CONF_F_RO))
			h = conf_val_hash(&it->menu->props[p], &it->v[p], h);
	/* the slot comes from the low bits: every bit of the values must reach them */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h ? h : 1;
}

/* The running items of one unnamed menu by the hash of their values. */
struct by_value {
	struct slot {
		uint64_t h;
		struct conf_item *it; /* NULL once matched */
	} * s;
	size_t mask;
};

static void index_values(struct by_value *bv, const struct conf *c, enum conf_menu_id m)
{
	size_t n = conf_count(c, m), cap = 16;

	while (cap < 2 * n)
		cap *= 2;
	bv->s = xcalloc(cap, sizeof(*bv->s));
	bv->mask = cap - 1;
	for (size_t i = 0; i < n; i++) {
		struct conf_item *it = conf_item_at(c, m, i);
		uint64_t h = item_hash(it);
		size_t k = h & bv->mask;

		while (bv->s[k].h)
			k = (k + 1) & bv->mask;
		bv->s[k] = (struct slot){h, it};
	}
}

static struct conf_item *take_same(struct by_value *bv, const struct conf_item *n)
{
	uint64_t h = item_hash(n);

	for (size_t k = h & bv->mask; bv->s[k].h; k = (k + 1) & bv->mask) {
		struct conf_item *o = bv->s[k].it;

		if (bv->s[k].h == h && o && o->builtin == n->builtin && conf_item_same(o, n)) {
			bv->s[k].it = NULL;
			return o;
		}
	}
	return NULL;
}

/* The running item n stands for, not yet matched, or NULL. */
static struct conf_item *match(const struct conf *c, struct by_value *bv, const bool *used,
			       const struct conf_item *n)
{
	const struct conf_menu *m = n->menu;
	struct conf_item *o;

	if (m->flags & CONF_MF_SINGLETON)
		o = conf_item_at(c, m->id, 0);
	else if (m->name_prop >= 0)
		o = n->v[m->name_prop].s ? conf_find(c, m->id, n->v[m->name_prop].s) : NULL;
	else
		return take_same(bv, n);
	return o && !used[o->pos] ? o : NULL;
}

/* o takes n's values (n is freed); recorded as changed when they differ, or when o moved
 * before items it followed (moved). */
static void take_values(struct conf *c, struct conf_item *o, struct conf_item *n, bool moved)
{
	size_t sz = n->menu->nprops * sizeof(n->v[0]);

	o->line = n->line;
	if (!moved && conf_item_same(o, n) && o->invalid == n->invalid) {
		conf_item_free(n);
		return;
	}
	conf_journal_add(c, CONF_CHANGED, o, conf_item_copy(o), 0);
	for (size_t p = 0; p < o->menu->nprops; p++)
		if (conf_is_set(o, (int)p))
			conf_val_free(&o->menu->props[p], &o->v[p]);
	memcpy(o->v, n->v, sz); /* the values move to o */
	o->set = n->set;
	o->invalid = n->invalid;
	free(n);
}

static void adopt_menu(struct conf *c, struct conf *next, enum conf_menu_id m)
{
	struct conf_tab *t = &c->tab[m], *nt = &next->tab[m];
	size_t na = t->n, nb = nt->n;
	struct conf_item **order = xcalloc(nb + 1, sizeof(*order));
	bool *used = xcalloc(na + 1, sizeof(*used));
	struct by_value bv = {0};

	if (conf_menus[m].name_prop < 0 && !(conf_menus[m].flags & CONF_MF_SINGLETON))
		index_values(&bv, c, m);
	for (size_t i = 0, last = 0; i < nb; i++) {
		struct conf_item *n = nt->items[i], *o = match(c, &bv, used, n);
		/* the running items keep their order: one that moved before another is
		 * changed (named) or removed and added (unnamed), so that what indexes them
		 * in order files it again */
		bool moved = o && o->pos < last;

		if (moved && conf_menus[m].name_prop < 0 &&
		    !(conf_menus[m].flags & CONF_MF_SINGLETON))
			o = NULL;
		if (o) {
			used[o->pos] = true;
			last = moved ? last : o->pos;
			take_values(c, o, n, moved);
			order[i] = o;
		} else {
			n->id = ++c->next_id;
			order[i] = n;
			conf_journal_add(c, CONF_ADDED, n, NULL, i);
		}
	}
	for (size_t i = 0; i < na; i++)
		if (!used[i])
			conf_journal_add(c, CONF_REMOVED, t->items[i], NULL, i);
	hash_free(&t->byname);
	free(t->items);
	t->items = order;
	t->n = nb;
	t->cap = nb + 1;
	for (size_t i = 0; i < nb; i++) {
		const char *name = conf_menus[m].name_prop >= 0
					   ? order[i]->v[conf_menus[m].name_prop].s
					   : NULL;

		order[i]->pos = (uint32_t)i;
		if (name)
			hash_put(&t->byname, name, order[i]);
	}
	nt->n = 0; /* its items are c's now, or freed */
	free(used);
	free(bv.s);
}

struct conf_changes *conf_adopt(struct conf *c, struct conf *next)
{
	struct conf_changes *ch;
	struct conf_diags quiet;

	conf_journal_begin(c);
	for (int m = 0; m < CONF_M_COUNT; m++)
		if (!(conf_menus[m].flags & CONF_MF_RUNTIME))
			adopt_menu(c, next, (enum conf_menu_id)m);
	/* the index of duplicate policies, if kept, follows (next's validation warned) */
	if (c->dups) {
		conf_diags_init(&quiet);
		conf_dups_change(c, &quiet, NULL, c->jl->n);
		conf_diags_free(&quiet);
	}
	ch = c->jl;
	c->jl = NULL;
	for (size_t i = 0; i < ch->n; i++)
		ch->e[i].it->journal = 0;
	conf_free(next);
	return ch;
}
