/* hash: open addressing with linear probing, string keys, power-of-two capacity. */
#include <stdlib.h>
#include <string.h>

#include "ipsecd/hash.h"
#include "ipsecd/strbuf.h"

static const char hash_tomb[1];
#define HASH_TOMB hash_tomb

uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 16777619u;
	}
	return h;
}

static struct hash_ent *lookup(const struct hash *t, const char *key, uint32_t h)
{
	if (!t->cap)
		return NULL;
	for (size_t i = h & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		struct hash_ent *e = &t->e[i];

		if (!e->key)
			return NULL;
		if (e->key != HASH_TOMB && e->h == h && strcmp(e->key, key) == 0)
			return e;
	}
}

void *hash_get(const struct hash *t, const char *key)
{
	struct hash_ent *e = lookup(t, key, hash_str(key));

	return e ? e->val : NULL;
}

static void insert(struct hash *t, const char *key, void *val, uint32_t h)
{
	size_t i = h & (t->cap - 1);

	while (t->e[i].key && t->e[i].key != HASH_TOMB)
		i = (i + 1) & (t->cap - 1);
	t->e[i] = (struct hash_ent){key, val, h};
	t->n++;
}

static void grow(struct hash *t)
{
	struct hash_ent *old = t->e;
	size_t oldcap = t->cap, live = 0;

	for (size_t i = 0; i < oldcap; i++)
		live += old[i].key && old[i].key != HASH_TOMB;
	/* Sized by the live entries, not the tombstones, so a table whose keys come and go
	 * keeps its size; at most half full after, so rehashes stay amortised O(1). */
	t->cap = 16;
	while (t->cap < (live + 1) * 2)
		t->cap *= 2;
	t->e = xcalloc(t->cap, sizeof(*t->e));
	t->n = 0;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].key && old[i].key != HASH_TOMB)
			insert(t, old[i].key, old[i].val, old[i].h);
	free(old);
}

void hash_put(struct hash *t, const char *key, void *val)
{
	uint32_t h = hash_str(key);
	struct hash_ent *e = lookup(t, key, h);

	if (e) {
		e->key = key;
		e->val = val;
		return;
	}
	/* Tombstones count as used so probing chains stay bounded; grow at 3/4. */
	if ((t->n + 1) * 4 > t->cap * 3)
		grow(t);
	insert(t, key, val, h);
}

void *hash_del(struct hash *t, const char *key)
{
	struct hash_ent *e = lookup(t, key, hash_str(key));

	if (!e)
		return NULL;
	void *val = e->val;

	e->key = HASH_TOMB;
	e->val = NULL;
	return val;
}

void hash_free(struct hash *t)
{
	free(t->e);
	t->e = NULL;
	t->n = t->cap = 0;
}

void *hash_next(const struct hash *t, size_t *pos)
{
	while (*pos < t->cap) {
		const struct hash_ent *e = &t->e[(*pos)++];

		if (e->key && e->key != HASH_TOMB)
			return e->val;
	}
	return NULL;
}
