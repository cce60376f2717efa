/* find: the IKE SAs by what names them other than their SPI, each index a list of SAs
 * under a hashed key, so that no look-up walks every SA:
 *   - by peer item, and by peer item and remote ID (INITIAL_CONTACT's scope, RFC 7296
 *     2.4: the SAs between the same two identities, wherever the peer connects from);
 *   - by serial (active-peers' *ID), remote address, remote ID alone and mode-config
 *     address: what kill-connections and active-peers remove name (ike_kill_where).
 * A key's list may hold SAs of other keys whose hash is the same: readers compare. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ike_internal.h"

#define FNV_BASIS 0xcbf29ce484222325u
#define FNV_PRIME 0x100000001b3u

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	for (const uint8_t *b = p; n--; b++)
		h = (h ^ *b) * FNV_PRIME;
	return h;
}

/* never 0 or UINT64_MAX (ike_tab's marks) */
static uint64_t usable(uint64_t h)
{
	return h == 0 || h == UINT64_MAX ? 1 : h;
}

/* The peer item's name and, when given, the peer's ID text. */
static uint64_t list_key(const char *peer, const char *remote_id)
{
	uint64_t h = fnv(FNV_BASIS, peer, strlen(peer));

	h = (h ^ 0xff) * FNV_PRIME; /* no byte of text: "ab"+"c" is not "a"+"bc" */
	if (remote_id)
		h = fnv(h, remote_id, strlen(remote_id));
	return usable(h);
}

/* The indexes of eng->find share one table: a key starts with its kind. */
enum find_kind { FIND_ADDR = 1, FIND_RID, FIND_VIP };

static uint64_t find_key(enum find_kind kind, const void *p, size_t n)
{
	uint8_t k = kind;

	return usable(fnv(fnv(FNV_BASIS, &k, 1), p, n));
}

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

/* An address (family and bytes; the port moves with NAT mappings and is not part of it). */
static uint64_t addr_key(enum find_kind kind, int family, const uint8_t *bytes)
{
	uint8_t k[17] = {(uint8_t)family};

	memcpy(k + 1, bytes, addr_len(family));
	return find_key(kind, k, 1 + addr_len(family));
}

#define LINK(sa, off) ((struct ike_sa_link *)((char *)(sa) + (off)))

/* Puts sa at the head of key's list in t; its link is at offset off in struct ike_sa. */
static void list_add(struct ike_tab *t, struct ike_sa *sa, size_t off, uint64_t key)
{
	struct ike_sa_link *l = LINK(sa, off);
	struct ike_sa *head = ike_tab_get(t, key);

	if (l->listed || ike_tab_put(t, key, sa) < 0)
		return;
	*l = (struct ike_sa_link){.next = head, .key = key, .listed = true};
	if (head)
		LINK(head, off)->prev = sa;
}

static void list_del(struct ike_tab *t, struct ike_sa *sa, size_t off)
{
	struct ike_sa_link *l = LINK(sa, off);

	if (!l->listed)
		return;
	if (l->next)
		LINK(l->next, off)->prev = l->prev;
	if (l->prev)
		LINK(l->prev, off)->next = l->next;
	else if (l->next)
		ike_tab_put(t, l->key, l->next); /* cannot fail */
	else
		ike_tab_del(t, l->key);
	*l = (struct ike_sa_link){0};
}

static uint64_t serial_key(uint32_t serial)
{
	return (uint64_t)1 << 32 | serial;
}

/* A new SA: by its peer item and serial (its address comes with ike_sa_set_remote). An
 * SA left out for want of memory is only harder to find. */
void ike_find_add(struct ike_sa *sa)
{
	struct ike *eng = sa->eng;

	list_add(&eng->peer_sas, sa, offsetof(struct ike_sa, by_peer), list_key(sa->peer, NULL));
	(void)ike_tab_put(&eng->serials, serial_key(sa->serial), sa);
}

void ike_find_forget(struct ike_sa *sa)
{
	struct ike *eng = sa->eng;

	list_del(&eng->ids, sa, offsetof(struct ike_sa, by_id));
	list_del(&eng->peer_sas, sa, offsetof(struct ike_sa, by_peer));
	list_del(&eng->find, sa, offsetof(struct ike_sa, by_addr));
	list_del(&eng->find, sa, offsetof(struct ike_sa, by_rid));
	list_del(&eng->find, sa, offsetof(struct ike_sa, by_vip));
	if (ike_tab_get(&eng->serials, serial_key(sa->serial)) == sa)
		ike_tab_del(&eng->serials, serial_key(sa->serial));
}

void ike_find_free(struct ike *eng)
{
	ike_tab_free(&eng->ids);
	ike_tab_free(&eng->peer_sas);
	ike_tab_free(&eng->serials);
	ike_tab_free(&eng->find);
}

void ike_sa_set_remote(struct ike_sa *sa, const struct net_addr *remote)
{
	bool moved = sa->remote.family != remote->family ||
		     memcmp(sa->remote.bytes, remote->bytes, sizeof(remote->bytes)) != 0;

	sa->remote = *remote;
	if (!moved && sa->by_addr.listed)
		return;
	list_del(&sa->eng->find, sa, offsetof(struct ike_sa, by_addr));
	list_add(&sa->eng->find, sa, offsetof(struct ike_sa, by_addr),
		 addr_key(FIND_ADDR, remote->family, remote->bytes));
	if (moved)
		ike_children_reindex(sa);
}

void ike_sa_index_id(struct ike_sa *sa)
{
	if (!sa->remote_id)
		return;
	list_add(&sa->eng->ids, sa, offsetof(struct ike_sa, by_id),
		 list_key(sa->peer, sa->remote_id));
	list_add(&sa->eng->find, sa, offsetof(struct ike_sa, by_rid),
		 find_key(FIND_RID, sa->remote_id, strlen(sa->remote_id)));
}

void ike_sa_index_vip(struct ike_sa *sa)
{
	list_del(&sa->eng->find, sa, offsetof(struct ike_sa, by_vip));
	if (sa->vip.family)
		list_add(&sa->eng->find, sa, offsetof(struct ike_sa, by_vip),
			 addr_key(FIND_VIP, sa->vip.family, sa->vip.bytes));
}

struct ike_sa *ike_sa_next_same_id(const struct ike_sa *like, const struct ike_sa *prev)
{
	struct ike_sa *sa;

	if (!like->remote_id)
		return NULL;
	sa = prev ? prev->by_id.next
		  : ike_tab_get(&like->eng->ids, list_key(like->peer, like->remote_id));
	while (sa && (sa == like || !sa->remote_id || strcmp(sa->remote_id, like->remote_id) ||
		      strcmp(sa->peer, like->peer)))
		sa = sa->by_id.next;
	return sa;
}

struct ike_sa *ike_sa_next_of_peer(struct ike *eng, const char *peer, const struct ike_sa *prev)
{
	struct ike_sa *sa =
		prev ? prev->by_peer.next : ike_tab_get(&eng->peer_sas, list_key(peer, NULL));

	while (sa && strcmp(sa->peer, peer))
		sa = sa->by_peer.next;
	return sa;
}

struct ike_sa *ike_sa_by_serial(const struct ike *eng, uint32_t serial)
{
	return ike_tab_get(&eng->serials, serial_key(serial));
}

/* The head of the list a kill filter's most selective name keys, and where its SAs link;
 * NULL head with *off 0: the filter names none of them (every SA is a candidate). */
static struct ike_sa *kill_list(const struct ike *eng, const struct ike_kill_filter *f, size_t *off)
{
	uint64_t key;

	if (f->remote.family) {
		*off = offsetof(struct ike_sa, by_addr);
		key = addr_key(FIND_ADDR, f->remote.family, f->remote.bytes);
	} else if (f->remote_id) {
		*off = offsetof(struct ike_sa, by_rid);
		key = find_key(FIND_RID, f->remote_id, strlen(f->remote_id));
	} else if (f->dynamic_address.family) {
		*off = offsetof(struct ike_sa, by_vip);
		key = addr_key(FIND_VIP, f->dynamic_address.family, f->dynamic_address.bytes);
	} else {
		*off = 0;
		return NULL;
	}
	return ike_tab_get(&eng->find, key);
}

size_t ike_sa_candidates(const struct ike *eng, const struct ike_kill_filter *f, uint32_t **serials)
{
	struct ike_sa *sa;
	size_t off, n = 0, cap = 0, pos = 0;
	uint32_t *s = NULL, *more;
	bool every;

	if (f->serial) {
		sa = ike_sa_by_serial(eng, f->serial);
		if (!sa || !(s = malloc(sizeof(*s))))
			return 0;
		s[0] = sa->serial;
		*serials = s;
		return 1;
	}
	sa = kill_list(eng, f, &off);
	every = !off;
	if (every)
		sa = ike_tab_next(&eng->sas, &pos);
	for (; sa; sa = every ? ike_tab_next(&eng->sas, &pos) : LINK(sa, off)->next) {
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			if (!(more = realloc(s, cap * sizeof(*s))))
				break;
			s = more;
		}
		s[n++] = sa->serial;
	}
	*serials = s;
	return n;
}
