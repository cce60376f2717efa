/* model: the items of every menu, with a name index per menu. Values a property was not
 * given point at the menu's shared defaults and are never freed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static uint64_t bit(int prop)
{
	return 1ULL << prop;
}

struct conf_item *conf_item_new(struct conf *c, const struct conf_menu *m)
{
	struct conf_item *it = xcalloc(1, sizeof(*it) + m->nprops * sizeof(it->v[0]));

	it->menu = m;
	it->id = ++c->next_id;
	if (c->jl)
		it->journal = CONF_J_NEW; /* nothing to keep a copy of */
	for (size_t i = 0; i < m->nprops; i++)
		it->v[i] = *conf_prop_default(m, (int)i);
	return it;
}

void conf_item_free(struct conf_item *it)
{
	if (!it)
		return;
	for (size_t i = 0; i < it->menu->nprops; i++)
		if (it->set & bit((int)i))
			conf_val_free(&it->menu->props[i], &it->v[i]);
	free(it);
}

static const char *item_name(const struct conf_item *it)
{
	return it->menu->name_prop >= 0 ? it->v[it->menu->name_prop].s : NULL;
}

/* Items from index `from` on learn their (new) index. */
static void renumber(struct conf_tab *t, size_t from)
{
	for (size_t i = from; i < t->n; i++)
		t->items[i]->pos = (uint32_t)i;
}

void conf_insert(struct conf *c, struct conf_item *it, size_t pos)
{
	struct conf_tab *t = &c->tab[it->menu->id];

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->items = xrealloc(t->items, t->cap * sizeof(*t->items));
	}
	if (pos > t->n)
		pos = t->n;
	memmove(&t->items[pos + 1], &t->items[pos], (t->n - pos) * sizeof(*t->items));
	t->items[pos] = it;
	t->n++;
	renumber(t, pos);
	if (item_name(it))
		hash_put(&t->byname, item_name(it), it);
	if (c->jl)
		conf_journal_add(c, CONF_ADDED, it, NULL, pos);
}

size_t conf_item_index(const struct conf *c, const struct conf_item *it)
{
	const struct conf_tab *t = &c->tab[it->menu->id];

	return it->pos < t->n && t->items[it->pos] == it ? it->pos : (size_t)-1;
}

void conf_item_unlink(struct conf *c, struct conf_item *it)
{
	struct conf_tab *t = &c->tab[it->menu->id];
	size_t i = conf_item_index(c, it);

	if (i == (size_t)-1)
		return;
	if (item_name(it) && hash_get(&t->byname, item_name(it)) == it)
		hash_del(&t->byname, item_name(it));
	memmove(&t->items[i], &t->items[i + 1], (t->n - i - 1) * sizeof(*t->items));
	t->n--;
	renumber(t, i);
}

/* While a change is recorded the item is kept: the change reports it, or puts it back. */
void conf_remove_item(struct conf *c, struct conf_item *it)
{
	size_t pos = conf_item_index(c, it);

	if (pos == (size_t)-1)
		return;
	conf_item_unlink(c, it);
	if (c->jl)
		conf_journal_add(c, CONF_REMOVED, it, NULL, pos);
	else
		conf_item_free(it);
}

void conf_item_set(struct conf *c, struct conf_item *it, int prop, union conf_val *v)
{
	struct conf_tab *t = &c->tab[it->menu->id];
	bool is_name = prop == it->menu->name_prop;

	conf_touch(c, it);
	if (is_name && item_name(it) && hash_get(&t->byname, item_name(it)) == it)
		hash_del(&t->byname, item_name(it));
	if (it->set & bit(prop))
		conf_val_free(&it->menu->props[prop], &it->v[prop]);
	it->v[prop] = *v;
	it->set |= bit(prop);
	memset(v, 0, sizeof(*v));
	if (is_name && item_name(it))
		hash_put(&t->byname, item_name(it), it);
}

void conf_item_unset(struct conf *c, struct conf_item *it, int prop)
{
	if (!(it->set & bit(prop)))
		return;
	conf_touch(c, it);
	if (prop == it->menu->name_prop)
		hash_del(&c->tab[it->menu->id].byname, item_name(it));
	conf_val_free(&it->menu->props[prop], &it->v[prop]);
	it->v[prop] = *conf_prop_default(it->menu, prop);
	it->set &= ~bit(prop);
}

static void add_builtins(struct conf *c, const struct conf_menu *m)
{
	for (const struct conf_builtin *b = m->builtins; b && (b->name || b->props); b++) {
		struct conf_item *it = conf_item_new(c, m);
		struct strbuf why = STRBUF_INIT;
		union conf_val v;

		it->builtin = 1;
		if (b->name && m->name_prop >= 0 &&
		    conf_val_parse(&m->props[m->name_prop], b->name, &v, &why) == 0)
			conf_item_set(c, it, m->name_prop, &v);
		for (size_t i = 0; b->props && b->props[i]; i++) {
			const char *eq = strchr(b->props[i], '=');
			char *name = xstrndup(b->props[i], (size_t)(eq - b->props[i]));
			int p = conf_prop_index(m, name);

			if (p >= 0 && conf_val_parse(&m->props[p], eq + 1, &v, &why) == 0)
				conf_item_set(c, it, p, &v);
			free(name);
		}
		sb_free(&why);
		conf_insert(c, it, (size_t)-1);
	}
}

struct conf *conf_new(void)
{
	static uint64_t lineages;
	struct conf *c = xcalloc(1, sizeof(*c));

	c->lineage = ++lineages;
	for (int m = 0; m < CONF_M_COUNT; m++) {
		add_builtins(c, &conf_menus[m]);
		if (conf_menus[m].flags & CONF_MF_SINGLETON) {
			struct conf_item *it = conf_item_new(c, &conf_menus[m]);

			it->builtin = 1;
			conf_insert(c, it, 0);
		}
	}
	return c;
}

void conf_free(struct conf *c)
{
	if (!c)
		return;
	conf_dups_forget(c);
	for (int m = 0; m < CONF_M_COUNT; m++) {
		struct conf_tab *t = &c->tab[m];

		for (size_t i = 0; i < t->n; i++)
			conf_item_free(t->items[i]);
		free(t->items);
		hash_free(&t->byname);
	}
	free(c);
}

struct conf_item *conf_item_copy(const struct conf_item *src)
{
	const struct conf_menu *menu = src->menu;
	size_t sz = sizeof(*src) + menu->nprops * sizeof(src->v[0]);
	struct conf_item *it = xmalloc(sz);

	memcpy(it, src, sz);
	it->journal = 0;
	for (size_t p = 0; p < menu->nprops; p++)
		if (src->set & bit((int)p))
			conf_val_copy(&menu->props[p], &it->v[p], &src->v[p]);
	return it;
}

void conf_item_restore(struct conf *c, struct conf_item *it, struct conf_item *old)
{
	struct conf_tab *t = &c->tab[it->menu->id];
	size_t sz = sizeof(*it) + it->menu->nprops * sizeof(it->v[0]);
	uint32_t pos = it->pos;

	if (item_name(it) && hash_get(&t->byname, item_name(it)) == it)
		hash_del(&t->byname, item_name(it));
	for (size_t i = 0; i < it->menu->nprops; i++)
		if (it->set & bit((int)i))
			conf_val_free(&it->menu->props[i], &it->v[i]);
	memcpy(it, old, sz); /* the values move to it */
	it->pos = pos;
	free(old);
	if (conf_item_index(c, it) != (size_t)-1 && item_name(it))
		hash_put(&t->byname, item_name(it), it);
}

struct conf *conf_clone(const struct conf *c)
{
	struct conf *n = xcalloc(1, sizeof(*n));

	n->next_id = c->next_id;
	n->lineage = c->lineage;
	for (int m = 0; m < CONF_M_COUNT; m++) {
		const struct conf_tab *t = &c->tab[m];

		for (size_t i = 0; i < t->n; i++)
			conf_insert(n, conf_item_copy(t->items[i]), (size_t)-1);
	}
	return n;
}

size_t conf_count(const struct conf *c, enum conf_menu_id m)
{
	return c->tab[m].n;
}

struct conf_item *conf_item_at(const struct conf *c, enum conf_menu_id m, size_t i)
{
	return i < c->tab[m].n ? c->tab[m].items[i] : NULL;
}

struct conf_item *conf_find(const struct conf *c, enum conf_menu_id m, const char *name)
{
	return hash_get(&c->tab[m].byname, name);
}

int conf_prop_index(const struct conf_menu *m, const char *name)
{
	for (size_t i = 0; i < m->nprops; i++)
		if (strcmp(m->props[i].name, name) == 0)
			return (int)i;
	return -1;
}

int64_t conf_int(const struct conf_item *it, int prop)
{
	return it->v[prop].i;
}

bool conf_bool(const struct conf_item *it, int prop)
{
	return it->v[prop].i != 0;
}

const char *conf_str(const struct conf_item *it, int prop)
{
	return it->v[prop].s;
}

const struct conf_addr *conf_addr(const struct conf_item *it, int prop)
{
	return &it->v[prop].a;
}

const struct conf_list *conf_enums(const struct conf_item *it, int prop)
{
	return it->v[prop].list;
}

bool conf_is_set(const struct conf_item *it, int prop)
{
	return (it->set & bit(prop)) != 0;
}

struct conf_item *conf_runtime_add(struct conf *c, enum conf_menu_id m)
{
	struct conf_item *it = conf_item_new(c, &conf_menus[m]);

	conf_insert(c, it, conf_count(c, m));
	return it;
}

int conf_set_text(struct conf *c, struct conf_item *it, int prop, const char *text)
{
	struct strbuf why = STRBUF_INIT;
	union conf_val v;
	int r = conf_val_parse(&it->menu->props[prop], text, &v, &why);

	sb_free(&why);
	if (r < 0)
		return r;
	conf_item_set(c, it, prop, &v);
	return 0;
}

void conf_set_int(struct conf *c, struct conf_item *it, int prop, int64_t v)
{
	union conf_val val = {.i = v};

	conf_item_set(c, it, prop, &val);
}
