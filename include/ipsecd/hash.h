/* hash: an open-addressing hash table from string keys to pointers. Keys are borrowed:
 * they must outlive their entry (they usually live in the value). */
#ifndef IPSECD_HASH_H
#define IPSECD_HASH_H

#include <stddef.h>
#include <stdint.h>

struct hash {
	struct hash_ent *e;
	size_t n, cap; /* cap is 0 or a power of two */
};

struct hash_ent {
	const char *key; /* NULL: empty; HASH_TOMB: deleted */
	void *val;
	uint32_t h;
};

#define HASH_INIT                                                                                  \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

uint32_t hash_str(const char *s);
void *hash_get(const struct hash *t, const char *key);
/* Inserts or replaces. */
void hash_put(struct hash *t, const char *key, void *val);
void *hash_del(struct hash *t, const char *key);
void hash_free(struct hash *t);
/* Iteration: start with *pos = 0; returns the next value, or NULL at the end. Deleting
 * the entry just returned is allowed; inserting during the walk is not. */
void *hash_next(const struct hash *t, size_t *pos);

#endif
