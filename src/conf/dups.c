/* dups: RouterOS marks a policy invalid when an earlier enabled one has the same
 * selectors. A whole validation checks every policy. A change checks only the selectors
 * it touched: the enabled policies are indexed by a hash of their selectors, built at a
 * model's first change and kept with it through its changes (forgotten when the model
 * changes any other way: a change undone, a reload adopted), so a policy added to
 * 100,000 does not look at the others. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The selectors of a policy, as bytes. */
#define SEL_RAW_LEN (2 * 18 + 3 * 8 + 1)

static void sel_raw(const struct conf_item *it, uint8_t *raw)
{
	static const int num[] = {CONF_POLICY_PROTOCOL, CONF_POLICY_SRC_PORT, CONF_POLICY_DST_PORT};
	uint8_t *r = raw;

	for (int a = 0; a < 2; a++) {
		const struct conf_addr *x =
			&it->v[a ? CONF_POLICY_DST_ADDRESS : CONF_POLICY_SRC_ADDRESS].a;

		*r++ = x->family;
		*r++ = x->plen;
		memcpy(r, x->bytes, 16);
		r += 16;
	}
	for (int i = 0; i < 3; i++) {
		memcpy(r, &it->v[num[i]].i, 8);
		r += 8;
	}
	*r = conf_bool(it, CONF_POLICY_TEMPLATE);
}

/* A hash of the selectors as hash.c's key: 16 hex digits (FNV-1a). */
#define SEL_KEY_LEN 17

static void sel_key(const struct conf_item *it, char *out)
{
	uint8_t raw[SEL_RAW_LEN];
	uint64_t h = 0xcbf29ce484222325u;

	sel_raw(it, raw);
	for (size_t i = 0; i < SEL_RAW_LEN; i++)
		h = (h ^ raw[i]) * 0x100000001b3u;
	snprintf(out, SEL_KEY_LEN, "%016llx", (unsigned long long)h);
}

static bool same_sel(const struct conf_item *a, const struct conf_item *b)
{
	uint8_t x[SEL_RAW_LEN], y[SEL_RAW_LEN];

	sel_raw(a, x);
	sel_raw(b, y);
	return !memcmp(x, y, sizeof(x));
}

/* The selectors as the warning names them. */
static void sel_text(const struct conf_item *it, struct strbuf *k)
{
	static const int key[] = {CONF_POLICY_SRC_ADDRESS, CONF_POLICY_DST_ADDRESS,
				  CONF_POLICY_PROTOCOL,	   CONF_POLICY_SRC_PORT,
				  CONF_POLICY_DST_PORT,	   CONF_POLICY_TEMPLATE};

	for (size_t j = 0; j < sizeof(key) / sizeof(key[0]); j++) {
		conf_val_format(&it->menu->props[key[j]], &it->v[key[j]], k);
		sb_putc(k, ' ');
	}
}

/* Sets a policy's mark (a change records the item it moved); a policy of the change that
 * is marked is warned about, and in a whole validation every one. */
static void mark(struct conf *c, struct conf_item *it, bool invalid, struct conf_diags *ds,
		 const struct conf_locmap *lm)
{
	if (invalid != it->invalid) {
		conf_touch(c, it);
		it->invalid = invalid;
	}
	if (invalid && (!c->jl || it->journal)) {
		struct conf_loc l = conf_loc_find(lm, it, -1);
		struct strbuf k = STRBUF_INIT;

		sel_text(it, &k);
		conf_diag_add(
			ds, CONF_WARNING, l.file, l.line, l.col,
			"policy duplicates an earlier one with the same selectors (%s); it is "
			"marked invalid",
			sb_str(&k));
		sb_free(&k);
	}
}

/* The enabled policies whose selectors hash to one key. */
struct dup_group {
	char key[SEL_KEY_LEN];
	size_t n, cap;
	struct conf_item **it;
	bool touched; /* by the change being checked */
};

struct conf_dups {
	struct hash by_key;
};

static bool enabled(const struct conf_item *it)
{
	return !conf_bool(it, CONF_POLICY_DISABLED);
}

static struct dup_group *group_of(struct conf_dups *d, const struct conf_item *it, bool make)
{
	char key[SEL_KEY_LEN];
	struct dup_group *g;

	sel_key(it, key);
	g = hash_get(&d->by_key, key);
	if (!g && make) {
		g = xcalloc(1, sizeof(*g));
		memcpy(g->key, key, sizeof(key));
		hash_put(&d->by_key, g->key, g);
	}
	return g;
}

static void group_add(struct dup_group *g, struct conf_item *it)
{
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 1;
		g->it = xrealloc(g->it, g->cap * sizeof(*g->it));
	}
	g->it[g->n++] = it;
}

static void group_del(struct dup_group *g, const struct conf_item *it)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->it[i] == it) {
			g->it[i] = g->it[--g->n];
			return;
		}
}

static struct conf_dups *build(const struct conf *c)
{
	struct conf_dups *d = xcalloc(1, sizeof(*d));

	d->by_key = (struct hash)HASH_INIT;
	for (size_t i = 0; i < conf_count(c, CONF_M_POLICY); i++) {
		struct conf_item *it = conf_item_at(c, CONF_M_POLICY, i);

		if (enabled(it))
			group_add(group_of(d, it, true), it);
	}
	return d;
}

/* Marks the members of a group by their order in the menu: the first of each selectors is
 * valid, a later one not (the group may hold other selectors with the same hash). */
static void mark_group(struct conf *c, struct dup_group *g, struct conf_diags *ds,
		       const struct conf_locmap *lm)
{
	for (size_t k = 0; k < g->n; k++) {
		size_t at = conf_item_index(c, g->it[k]);
		bool invalid = false;

		for (size_t j = 0; j < g->n && !invalid; j++)
			invalid = conf_item_index(c, g->it[j]) < at && same_sel(g->it[j], g->it[k]);
		mark(c, g->it[k], invalid, ds, lm);
	}
}

static void check_all(struct conf *c, struct conf_dups *d, struct conf_diags *ds,
		      const struct conf_locmap *lm)
{
	struct dup_group *g;
	size_t pos = 0;

	for (size_t i = 0; i < conf_count(c, CONF_M_POLICY); i++) {
		struct conf_item *it = conf_item_at(c, CONF_M_POLICY, i);

		if (!enabled(it))
			mark(c, it, false, ds, lm);
	}
	while ((g = hash_next(&d->by_key, &pos)))
		mark_group(c, g, ds, lm);
}

static void free_dups(struct conf_dups *d)
{
	struct dup_group *g;
	size_t pos = 0;

	while ((g = hash_next(&d->by_key, &pos))) {
		free(g->it);
		free(g);
	}
	hash_free(&d->by_key);
	free(d);
}

void conf_dups_forget(struct conf *c)
{
	if (c->dups)
		free_dups(c->dups);
	c->dups = NULL;
}

void conf_dups_check(struct conf *c, struct conf_diags *ds, const struct conf_locmap *lm)
{
	struct conf_dups *d = build(c);

	check_all(c, d, ds, lm);
	free_dups(d);
}

/* The change's first n entries: a policy's first entry says how it was before (a
 * changed one's copy, a removed one as it is; an added one was not there), the model how
 * it is; it leaves the group of before and joins that of now, and the groups it left or
 * joined are marked again. */
#define SEEN 0x40 /* journal bit: the policy's first entry was taken */

void conf_dups_change(struct conf *c, struct conf_diags *ds, const struct conf_locmap *lm, size_t n)
{
	struct conf_changes *ch = c->jl;
	struct conf_dups *d = c->dups;
	struct dup_group **touched = NULL, *g;
	size_t nt = 0;

#define TOUCH(g)                                                                                   \
	do {                                                                                       \
		if (!(g)->touched)                                                                 \
			touched[nt++] = (g);                                                       \
		(g)->touched = true;                                                               \
	} while (0)

	if (!d) { /* the model's first change: every policy, and the index from now on */
		c->dups = build(c);
		check_all(c, c->dups, ds, lm);
		return;
	}
	touched = xcalloc(2 * n + 1, sizeof(*touched));
	for (size_t i = 0; i < n; i++) {
		struct conf_jent *e = &ch->e[i];
		const struct conf_item *before = e->what == CONF_CHANGED   ? e->old
						 : e->what == CONF_REMOVED ? e->it
									   : NULL;

		if (e->it->menu->id != CONF_M_POLICY || (e->it->journal & SEEN))
			continue;
		e->it->journal |= SEEN;
		if (before && enabled(before) && (g = group_of(d, before, false))) {
			group_del(g, e->it);
			TOUCH(g);
		}
		if (conf_item_index(c, e->it) == (size_t)-1)
			continue;
		if (enabled(e->it)) {
			group_add(g = group_of(d, e->it, true), e->it);
			TOUCH(g);
		} else {
			mark(c, e->it, false, ds, lm);
		}
	}
	for (size_t i = 0; i < n; i++)
		ch->e[i].it->journal &= (uint8_t)~SEEN;
	for (size_t i = 0; i < nt; i++) {
		g = touched[i];
		g->touched = false;
		mark_group(c, g, ds, lm);
		if (!g->n) {
			hash_del(&d->by_key, g->key);
			free(g->it);
			free(g);
		}
	}
	free(touched);
#undef TOUCH
}
