/* pool: /ip pool address pools and their mode-config leases (pool.h).
 *
 * Nothing is allocated per address of a range, only per lease. Each pool keeps, per
 * address family, its ranges and a cursor: the next address never handed out. A lease is
 * a record that outlives its holder: released, it goes to the tail of its pool's free list
 * (oldest-free at the head) and stays the remembered address of its owner. All records of
 * all pools are in one address table, so an address has at most one record: the cursor
 * skips addresses that have one (a kept lease after a reload, or one still held from a
 * pool that no longer has it), which costs each address at most one skip per reload. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ipsecd/hash.h"
#include "pool.h"

struct pool_fam;

/* One lease record. */
struct lease {
	struct lease *prev, *next; /* in its pool's free list, while free */
	struct lease *hnext;	   /* in its address table bucket */
	struct pool_fam *fam;	   /* the pool (and family) it belongs to */
	char *owner;		   /* holder, or last holder while free (owned) */
	uint8_t addr[16];	   /* IPv4 in the first 4 bytes, the rest 0 */
	bool held;
};

struct range {
	uint8_t lo[16], hi[16];
};

/* A pool's addresses of one family. */
struct pool_fam {
	struct pool *pool;
	uint8_t af;  /* AF_INET or AF_INET6 */
	uint8_t len; /* address bytes: 4 or 16 */
	struct range *r;
	size_t nr;
	size_t cur_r;	 /* the cursor: range index (nr = every address handed out once) */
	uint8_t cur[16]; /* and the address in r[cur_r] */
	struct lease *free_head, *free_tail;
	struct hash owners; /* owner -> the lease it released last (keys: lease->owner) */
};

struct pool {
	char *name;
	char *next; /* next-pool, NULL for none */
	struct pool_fam fam[2];
	size_t nleases;	    /* records pointing here */
	bool retired;	    /* no longer configured: its records only wait for release */
	struct pool *rnext; /* in the retired list */
	uint64_t mark;	    /* the next-pool walk that visited it last */
};

struct ike_pools {
	struct pool **pools; /* configured, in configuration order */
	size_t npools;
	struct hash by_name;
	struct pool *retired; /* pools gone from the configuration still holding leases */
	struct lease **bucket;
	size_t nbucket, nlease; /* nbucket 0 or a power of two */
	size_t used;		/* held leases */
	uint64_t stamp;		/* next-pool walks so far */
};

static int fam_index(int af)
{
	return af == AF_INET ? 0 : af == AF_INET6 ? 1 : -1;
}

/* --- the address table: every record, chained by hnext --- */

static size_t addr_hash(const struct ike_pools *p, uint8_t af, const uint8_t *a)
{
	uint64_t h = 1469598103934665603ull ^ af; /* FNV-1a, then a final mix */

	for (size_t i = 0; i < 16; i++) {
		h ^= a[i];
		h *= 1099511628211ull;
	}
	h ^= h >> 33;
	return (size_t)h & (p->nbucket - 1);
}

static struct lease **addr_slot(const struct ike_pools *p, uint8_t af, const uint8_t *a)
{
	if (!p->nbucket)
		return NULL;
	struct lease **s = &p->bucket[addr_hash(p, af, a)];

	while (*s && ((*s)->fam->af != af || memcmp((*s)->addr, a, 16)))
		s = &(*s)->hnext;
	return s;
}

static struct lease *addr_find(const struct ike_pools *p, uint8_t af, const uint8_t *a)
{
	struct lease **s = addr_slot(p, af, a);

	return s ? *s : NULL;
}

/* Room for one more record: buckets double once there are as many records. */
static int addr_reserve(struct ike_pools *p)
{
	if (p->nlease < p->nbucket)
		return 0;
	size_t n = p->nbucket ? p->nbucket * 2 : 64;
	struct lease **b = calloc(n, sizeof(*b)), **old = p->bucket;
	size_t oldn = p->nbucket;

	if (!b)
		return -ENOMEM;
	p->bucket = b;
	p->nbucket = n;
	for (size_t i = 0; i < oldn; i++) {
		for (struct lease *l = old[i], *nx; l; l = nx) {
			struct lease **s = &b[addr_hash(p, l->fam->af, l->addr)];

			nx = l->hnext;
			l->hnext = *s;
			*s = l;
		}
	}
	free(old);
	return 0;
}

static void addr_remove(struct ike_pools *p, struct lease *l)
{
	struct lease **s = &p->bucket[addr_hash(p, l->fam->af, l->addr)];

	while (*s != l)
		s = &(*s)->hnext;
	*s = l->hnext;
	p->nlease--;
}

/* --- free lists --- */

static void free_append(struct pool_fam *f, struct lease *l)
{
	l->next = NULL;
	l->prev = f->free_tail;
	if (f->free_tail)
		f->free_tail->next = l;
	else
		f->free_head = l;
	f->free_tail = l;
}

static void free_unlink(struct pool_fam *f, struct lease *l)
{
	if (l->prev)
		l->prev->next = l->next;
	else
		f->free_head = l->next;
	if (l->next)
		l->next->prev = l->prev;
	else
		f->free_tail = l->prev;
	l->prev = l->next = NULL;
}

/* --- pools --- */

static void forget_owner(struct pool_fam *f, struct lease *l)
{
	if (hash_get(&f->owners, l->owner) == l)
		hash_del(&f->owners, l->owner);
}

static void pool_free(struct pool *pl)
{
	if (!pl)
		return;
	for (int i = 0; i < 2; i++) {
		free(pl->fam[i].r);
		hash_free(&pl->fam[i].owners);
	}
	free(pl->name);
	free(pl->next);
	free(pl);
}

/* One record fewer points to pl: a retired pool goes with its last one. */
static void pool_unref(struct ike_pools *p, struct pool *pl)
{
	if (--pl->nleases || !pl->retired)
		return;
	struct pool **s = &p->retired;

	while (*s != pl)
		s = &(*s)->rnext;
	*s = pl->rnext;
	pool_free(pl);
}

/* Removes and frees one record. */
static void lease_drop(struct ike_pools *p, struct lease *l)
{
	struct pool *pl = l->fam->pool;

	addr_remove(p, l);
	if (!l->held)
		free_unlink(l->fam, l);
	forget_owner(l->fam, l);
	free(l->owner);
	free(l);
	pool_unref(p, pl);
}

/* Gives a record (held, or already out of its free list) to another pool. */
static void lease_move(struct ike_pools *p, struct lease *l, struct pool_fam *to)
{
	struct pool *from = l->fam->pool;

	l->fam = to;
	to->pool->nleases++;
	pool_unref(p, from);
}

static bool in_ranges(const struct pool_fam *f, const uint8_t *a)
{
	for (size_t i = 0; i < f->nr; i++)
		if (memcmp(f->r[i].lo, a, f->len) <= 0 && memcmp(a, f->r[i].hi, f->len) <= 0)
			return true;
	return false;
}

/* The address after the cursor, moving to the next range past the end of one. */
static void cursor_step(struct pool_fam *f)
{
	if (!memcmp(f->cur, f->r[f->cur_r].hi, f->len)) {
		if (++f->cur_r < f->nr)
			memcpy(f->cur, f->r[f->cur_r].lo, 16);
		return;
	}
	for (int i = f->len - 1; i >= 0 && ++f->cur[i] == 0; i--)
		;
}

/* A new record for the first never-handed-out address without a record, or NULL with
 * *err (0: the cursor is exhausted, or -ENOMEM). */
static struct lease *lease_fresh(struct ike_pools *p, struct pool_fam *f, int *err)
{
	*err = 0;
	while (f->cur_r < f->nr && addr_find(p, f->af, f->cur))
		cursor_step(f);
	if (f->cur_r >= f->nr)
		return NULL;
	struct lease *l = calloc(1, sizeof(*l));

	if (!l || addr_reserve(p) < 0) {
		free(l);
		*err = -ENOMEM;
		return NULL;
	}
	memcpy(l->addr, f->cur, 16);
	l->fam = f;
	l->held = true; /* not in the free list */
	cursor_step(f);
	struct lease **s = addr_slot(p, f->af, l->addr);

	*s = l;
	p->nlease++;
	f->pool->nleases++;
	return l;
}

/* --- the chain of next-pools --- */

static struct pool *chain_first(struct ike_pools *p, const char *name)
{
	struct pool *pl = hash_get(&p->by_name, name);

	if (pl)
		pl->mark = ++p->stamp;
	return pl;
}

/* The next pool of the walk, or NULL at its end or when it comes back to a visited one. */
static struct pool *chain_next(struct ike_pools *p, struct pool *pl)
{
	struct pool *n = pl->next ? hash_get(&p->by_name, pl->next) : NULL;

	if (!n || n->mark == p->stamp)
		return NULL;
	n->mark = p->stamp;
	return n;
}

/* The owner's remembered address in the chain, while free. */
static struct lease *take_remembered(struct ike_pools *p, const char *pool, int fi,
				     const char *owner)
{
	for (struct pool *pl = chain_first(p, pool); pl; pl = chain_next(p, pl)) {
		struct lease *l = hash_get(&pl->fam[fi].owners, owner);

		if (l && !l->held) {
			free_unlink(l->fam, l);
			return l;
		}
	}
	return NULL;
}

/* A never-used address of the chain, else the longest-free one (whose last owner then
 * forgets it). */
static struct lease *take_other(struct ike_pools *p, const char *pool, int fi, const char *owner,
				int *err)
{
	char *o = strdup(owner);

	*err = o ? 0 : -ENOMEM;
	for (struct pool *pl = chain_first(p, pool); o && pl; pl = chain_next(p, pl)) {
		struct pool_fam *f = &pl->fam[fi];
		struct lease *l = lease_fresh(p, f, err);

		if (*err)
			break;
		if (!l && !(l = f->free_head))
			continue;
		if (l->owner) {
			free_unlink(f, l);
			forget_owner(f, l);
			free(l->owner);
		}
		l->owner = o;
		return l;
	}
	free(o);
	return NULL;
}

int ike_pools_take(struct ike_pools *p, const char *pool, int family, const char *owner,
		   struct net_addr *addr, const char **from)
{
	int fi = fam_index(family), err = 0;

	if (fi < 0)
		return -EINVAL;
	if (!pool || !hash_get(&p->by_name, pool))
		return -ENOENT;
	owner = owner ? owner : "";
	struct lease *l = take_remembered(p, pool, fi, owner);

	if (!l)
		l = take_other(p, pool, fi, owner, &err);
	if (!l)
		return err ? err : -ENOSPC;
	l->held = true;
	p->used++;
	*addr = (struct net_addr){.family = l->fam->af};
	memcpy(addr->bytes, l->addr, 16);
	if (from)
		*from = l->fam->pool->name;
	return 0;
}

/* The configured pool that has an orphan's address now, if any: searched only when an
 * orphan is released (rare: after reloads), through the ranges, not the addresses. */
static struct pool_fam *adopter(const struct ike_pools *p, const struct lease *l)
{
	int fi = fam_index(l->fam->af);

	for (size_t i = 0; i < p->npools; i++)
		if (in_ranges(&p->pools[i]->fam[fi], l->addr))
			return &p->pools[i]->fam[fi];
	return NULL;
}

void ike_pools_release(struct ike_pools *p, const struct net_addr *addr)
{
	uint8_t a[16] = {0};

	if (fam_index(addr->family) < 0)
		return;
	memcpy(a, addr->bytes, addr->family == AF_INET ? 4 : 16);
	struct lease *l = addr_find(p, addr->family, a);

	if (!l || !l->held)
		return;
	p->used--;
	if (l->fam->pool->retired) {
		struct pool_fam *to = adopter(p, l);

		if (!to) {
			lease_drop(p, l);
			return;
		}
		lease_move(p, l, to);
	}
	l->held = false;
	free_append(l->fam, l);
	hash_put(&l->fam->owners, l->owner, l);
}

void ike_pools_walk(const struct ike_pools *p,
		    void (*fn)(void *arg, const struct ike_lease_info *l), void *arg)
{
	for (size_t i = 0; i < p->nbucket; i++) {
		for (const struct lease *l = p->bucket[i]; l; l = l->hnext) {
			struct ike_lease_info li = {.pool = l->fam->pool->name,
						    .addr = {.family = l->fam->af},
						    .owner = l->owner,
						    .held = l->held};

			memcpy(li.addr.bytes, l->addr, 16);
			fn(arg, &li);
		}
	}
}

size_t ike_pools_used(const struct ike_pools *p)
{
	return p->used;
}

struct ike_pools *ike_pools_new(void)
{
	return calloc(1, sizeof(struct ike_pools));
}

static void pools_free_list(struct pool **pools, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pool_free(pools[i]);
	free(pools);
}

void ike_pools_free(struct ike_pools *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nbucket; i++) {
		for (struct lease *l = p->bucket[i], *nx; l; l = nx) {
			nx = l->hnext;
			free(l->owner);
			free(l);
		}
	}
	free(p->bucket);
	pools_free_list(p->pools, p->npools);
	for (struct pool *pl = p->retired, *nx; pl; pl = nx) {
		nx = pl->rnext;
		pool_free(pl);
	}
	hash_free(&p->by_name);
	free(p);
}

/* --- ike_pools_apply --- */

/* One family's ranges of a /ip pool item, and its cursor at the start. */
static int fam_build(struct pool_fam *f, struct pool *pl, int af, const struct conf_ranges *rg)
{
	f->pool = pl;
	f->af = (uint8_t)af;
	f->len = af == AF_INET ? 4 : 16;
	for (uint32_t i = 0; rg && i < rg->n; i++)
		f->nr += rg->r[i].lo.family == af;
	if (f->nr && !(f->r = calloc(f->nr, sizeof(*f->r))))
		return -ENOMEM;
	f->nr = 0;
	for (uint32_t i = 0; rg && i < rg->n; i++) {
		if (rg->r[i].lo.family != af)
			continue;
		memcpy(f->r[f->nr].lo, rg->r[i].lo.bytes, f->len);
		memcpy(f->r[f->nr].hi, rg->r[i].hi.bytes, f->len);
		f->nr++;
	}
	if (f->nr)
		memcpy(f->cur, f->r[0].lo, 16);
	return 0;
}

/* The same ranges as before: the cursor carries on where it was. Otherwise it starts
 * over, and skips the addresses that have records (each once). */
static void fam_keep_cursor(struct pool_fam *f, const struct pool_fam *old)
{
	if (old->nr != f->nr || (f->nr && memcmp(old->r, f->r, f->nr * sizeof(*f->r))))
		return;
	f->cur_r = old->cur_r;
	memcpy(f->cur, old->cur, 16);
}

static struct pool *pool_build(const struct ike_pools *p, const struct conf_item *it)
{
	struct pool *pl = calloc(1, sizeof(*pl));
	const char *next = conf_str(it, CONF_POOL_NEXT_POOL);

	if (!pl)
		return NULL;
	pl->name = strdup(conf_str(it, CONF_POOL_NAME));
	if (next && *next && strcmp(next, "none"))
		pl->next = strdup(next);
	if (!pl->name || (next && *next && strcmp(next, "none") && !pl->next) ||
	    fam_build(&pl->fam[0], pl, AF_INET, it->v[CONF_POOL_RANGES].rng) < 0 ||
	    fam_build(&pl->fam[1], pl, AF_INET6, it->v[CONF_POOL_RANGES].rng) < 0) {
		pool_free(pl);
		return NULL;
	}
	const struct pool *old = hash_get(&p->by_name, pl->name);

	for (int i = 0; old && i < 2; i++)
		fam_keep_cursor(&pl->fam[i], &old->fam[i]);
	return pl;
}

/* The pool family of the new configuration that l's address is still in, by name. */
static struct pool_fam *new_home(const struct hash *by_name, const struct lease *l)
{
	struct pool *np = hash_get(by_name, l->fam->pool->name);
	struct pool_fam *f = np ? &np->fam[fam_index(l->fam->af)] : NULL;

	return f && in_ranges(f, l->addr) ? f : NULL;
}

/* Free records, oldest first, go to their new pool's free list or are forgotten. */
static void move_free(struct ike_pools *p, struct pool_fam *f, const struct hash *by_name)
{
	while (f->free_head) {
		struct lease *l = f->free_head;
		struct pool_fam *to = new_home(by_name, l);

		if (!to) {
			lease_drop(p, l);
			continue;
		}
		free_unlink(f, l);
		forget_owner(f, l);
		lease_move(p, l, to);
		free_append(to, l);
		hash_put(&to->owners, l->owner, l);
	}
}

/* Held records (of configured and of retired pools) go to their new pool or stay. */
static void move_held(struct ike_pools *p, const struct hash *by_name)
{
	for (size_t i = 0; i < p->nbucket; i++) {
		for (struct lease *l = p->bucket[i]; l; l = l->hnext) {
			struct pool_fam *to = l->held ? new_home(by_name, l) : NULL;

			if (to)
				lease_move(p, l, to);
		}
	}
}

/* Old pools retire; those no record points to any more go. */
static void retire(struct ike_pools *p)
{
	for (size_t i = 0; i < p->npools; i++) {
		struct pool *pl = p->pools[i];

		for (int j = 0; j < 2; j++)
			hash_free(&pl->fam[j].owners);
		pl->retired = true;
		pl->rnext = p->retired;
		p->retired = pl;
	}
	free(p->pools);
	for (struct pool **s = &p->retired; *s;) {
		struct pool *pl = *s;

		if (pl->nleases) {
			s = &pl->rnext;
			continue;
		}
		*s = pl->rnext;
		pool_free(pl);
	}
}

int ike_pools_apply(struct ike_pools *p, const struct conf *c)
{
	size_t n = c ? conf_count(c, CONF_M_POOL) : 0;
	struct pool **pools = calloc(n ? n : 1, sizeof(*pools));
	struct hash by_name = HASH_INIT;

	if (!pools)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (!(pools[i] = pool_build(p, conf_item_at(c, CONF_M_POOL, i)))) {
			pools_free_list(pools, i);
			hash_free(&by_name);
			return -ENOMEM;
		}
		hash_put(&by_name, pools[i]->name, pools[i]);
	}
	for (size_t i = 0; i < p->npools; i++)
		for (int j = 0; j < 2; j++)
			move_free(p, &p->pools[i]->fam[j], &by_name);
	move_held(p, &by_name);
	retire(p);
	hash_free(&p->by_name);
	p->by_name = by_name;
	p->pools = pools;
	p->npools = n;
	return 0;
}
