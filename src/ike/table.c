/* table: 64-bit keys (SPIs) to pointers, open addressing with linear probing. Keys 0 and
 * UINT64_MAX are reserved (empty and deleted); SPIs are never either. */
#include <errno.h>
#include <stdlib.h>

#include "ike_internal.h"

#define TOMB UINT64_MAX

static size_t slot(uint64_t key, size_t cap)
{
	key ^= key >> 33; /* SPIs are random, but peers' may not be: mix anyway */
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	return (size_t)key & (cap - 1);
}

static struct ike_tab_ent *find(const struct ike_tab *t, uint64_t key)
{
	if (!t->cap || key == 0 || key == TOMB)
		return NULL;
	for (size_t i = slot(key, t->cap);; i = (i + 1) & (t->cap - 1)) {
		if (t->e[i].key == key)
			return &t->e[i];
		if (t->e[i].key == 0)
			return NULL;
	}
}

void *ike_tab_get(const struct ike_tab *t, uint64_t key)
{
	struct ike_tab_ent *e = find(t, key);

	return e ? e->val : NULL;
}

static int grow(struct ike_tab *t)
{
	size_t cap = t->cap ? t->cap * 2 : 16;
	struct ike_tab_ent *e = calloc(cap, sizeof(*e));

	if (!e)
		return -ENOMEM;
	if (t->n * 4 < t->cap) /* mostly tombstones: rehash at the same size */
		cap = t->cap;
	for (size_t i = 0; i < t->cap; i++) {
		if (t->e[i].key == 0 || t->e[i].key == TOMB)
			continue;
		size_t j = slot(t->e[i].key, cap);

		while (e[j].key)
			j = (j + 1) & (cap - 1);
		e[j] = t->e[i];
	}
	free(t->e);
	t->e = e;
	t->cap = cap;
	t->used = t->n;
	return 0;
}

int ike_tab_put(struct ike_tab *t, uint64_t key, void *val)
{
	struct ike_tab_ent *e = find(t, key);
	size_t i, tomb = SIZE_MAX;

	if (key == 0 || key == TOMB)
		return -EINVAL;
	if (e) { /* a new value for a key held: never grows, never fails */
		e->val = val;
		return 0;
	}
	if ((t->used + 1) * 4 > t->cap * 3 && grow(t) < 0)
		return -ENOMEM;
	for (i = slot(key, t->cap); t->e[i].key != 0; i = (i + 1) & (t->cap - 1))
		if (t->e[i].key == TOMB && tomb == SIZE_MAX)
			tomb = i;
	if (tomb != SIZE_MAX)
		i = tomb;
	else
		t->used++;
	t->e[i].key = key;
	t->e[i].val = val;
	t->n++;
	return 0;
}

void *ike_tab_del(struct ike_tab *t, uint64_t key)
{
	if (!t->cap || key == 0 || key == TOMB)
		return NULL;
	for (size_t i = slot(key, t->cap);; i = (i + 1) & (t->cap - 1)) {
		if (t->e[i].key == key) {
			void *v = t->e[i].val;

			t->e[i].key = TOMB;
			t->e[i].val = NULL;
			t->n--;
			return v;
		}
		if (t->e[i].key == 0)
			return NULL;
	}
}

void *ike_tab_next(const struct ike_tab *t, size_t *pos)
{
	for (; *pos < t->cap; (*pos)++)
		if (t->e[*pos].key && t->e[*pos].key != TOMB)
			return t->e[(*pos)++].val;
	return NULL;
}

void ike_tab_free(struct ike_tab *t)
{
	free(t->e);
	t->e = NULL;
	t->n = t->used = t->cap = 0;
}
