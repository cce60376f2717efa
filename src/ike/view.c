/* view: the configuration as the engine decides from it, so that no negotiation walks or
 * string-compares the model. Built when a configuration is applied whole (ike_apply), and
 * kept in step with an ipsecctl change item by item (ike_view_update): a change of one
 * peer, identity or policy touches that item's entries and nothing else.
 *
 * - peers by address prefix: one table keyed by (family, prefix length, masked address)
 *   and the prefix lengths in use, longest first, so a look-up costs one probe per length
 *   in use; among peers with the same prefix the first in the configuration wins, and a
 *   peer with a local-address takes only requests to that address;
 * - each peer with its profile, its enabled identities and the policies IKE negotiates
 *   for it, in configuration order; peers by name and by item id;
 * - each peer's identities by the ID their remote-id names (type and value, as the peer
 *   sends it), and apart from those the ones that accept any ID or are checked another
 *   way (auto, ignore, match-by=certificate): a gateway with an identity per user finds
 *   a user's in one probe;
 * - policies by item id and by the reqid of their kernel entries;
 * - policy groups by name, each with its enabled templates (template=yes) in
 *   configuration order, and mode-configs by name (built-ins such as request-only too):
 *   few, so filed anew whenever one of them or a template changes (view_named.c).
 *
 * Each entry remembers the keys it was filed under, so it can be taken out after its item
 * changed. The chains of a table slot are the entries' own links, kept in configuration
 * order (an item's pos), so a 64-bit key that two names or prefixes share costs a compare,
 * never a wrong answer. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ike_internal.h"
#include "ipsecd/conf_menus.h"
#include "view.h"

uint64_t ike_view_finish(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h == 0 || h == UINT64_MAX ? 1 : h;
}

uint64_t ike_view_name_key(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return ike_view_finish(h);
}

/* The key of the prefix plen of address bytes (bits past plen ignored). */
static uint64_t prefix_key(uint8_t family, uint8_t plen, const uint8_t *bytes)
{
	uint8_t b[16] = {0};
	uint64_t w[2];
	size_t full = plen / 8;

	memcpy(b, bytes, full);
	if (plen % 8)
		b[full] = (uint8_t)(bytes[full] & (0xff << (8 - plen % 8)));
	memcpy(w, b, sizeof(w));
	return ike_view_finish(((uint64_t)family << 8 | plen) * 0x9e3779b97f4a7c15ull ^ w[0] ^
			       ike_view_finish(w[1] ^ 0x5bd1e995ull));
}

static bool prefix_has(const struct conf_addr *p, const struct net_addr *a)
{
	unsigned bits = p->plen;

	if (p->family != a->family || memcmp(p->bytes, a->bytes, bits / 8))
		return false;
	if (bits % 8) {
		uint8_t mask = (uint8_t)(0xff << (8 - bits % 8));

		return (p->bytes[bits / 8] & mask) == (a->bytes[bits / 8] & mask);
	}
	return true;
}

/* --- chains: a table slot's entries, linked, in configuration order --- */

int ike_view_chain_add(struct ike_tab *t, uint64_t key, struct ike_vnode *n)
{
	struct ike_vnode *head = ike_tab_get(t, key), **pp = &head;

	if (head && head->tail->it->pos < n->it->pos) {
		/* after the last: how a whole configuration is filed, in order */
		n->next = NULL;
		head->tail->next = n;
		head->tail = n;
		return 0;
	}
	while (*pp && (*pp)->it->pos < n->it->pos)
		pp = &(*pp)->next;
	n->next = *pp;
	*pp = n;
	if (pp != &head)
		return 0;
	n->tail = n->next ? n->next->tail : n;
	return ike_tab_put(t, key, head);
}

void ike_view_chain_del(struct ike_tab *t, uint64_t key, struct ike_vnode *n)
{
	struct ike_vnode *head = ike_tab_get(t, key), *prev = NULL, *q;

	for (q = head; q && q != n; q = q->next)
		prev = q;
	if (!q)
		return;
	if (prev) {
		prev->next = n->next;
		if (head->tail == n)
			head->tail = prev;
	} else if (n->next) {
		n->next->tail = n->tail;
		ike_tab_put(t, key, n->next); /* a key held: never fails */
	} else {
		ike_tab_del(t, key);
	}
	n->next = NULL;
}

/* --- ordered arrays: a peer's identities and policies --- */

/* Inserts it into (*a)[0..*n) by configuration order; returns its index or -ENOMEM. */
static int array_add(const struct conf_item ***a, uint32_t *n, uint32_t *cap,
		     const struct conf_item *it)
{
	uint32_t lo = 0, hi = *n;

	if (*n == *cap) {
		uint32_t nc = *cap ? *cap * 2 : 2;
		const struct conf_item **na = realloc(*a, nc * sizeof(*na));

		if (!na)
			return -ENOMEM;
		*a = na;
		*cap = nc;
	}
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if ((*a)[mid]->pos < it->pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(*a + lo + 1, *a + lo, (*n - lo) * sizeof(**a));
	(*a)[lo] = it;
	++*n;
	return (int)lo;
}

static int array_del(const struct conf_item **a, uint32_t *n, const struct conf_item *it)
{
	for (uint32_t i = 0; i < *n; i++)
		if (a[i] == it) {
			memmove(a + i, a + i + 1, (*n - i - 1) * sizeof(*a));
			--*n;
			return (int)i;
		}
	return -1;
}

/* --- peers --- */

static struct ike_vpeer *peer_by_name(const struct ike_view *v, const char *name)
{
	struct ike_vnode *n =
		v && name && *name ? ike_tab_get(&v->by_name, ike_view_name_key(name)) : NULL;

	while (n && strcmp(conf_str(n->it, CONF_PEER_NAME), name))
		n = n->next;
	return n ? IKE_VIEW_OF(n, struct ike_vpeer, name) : NULL;
}

static void plen_count(struct ike_view *v, uint8_t family, uint8_t plen, int d)
{
	uint32_t *cnt = family == AF_INET ? v->cnt4 : v->cnt6;
	uint8_t *list = family == AF_INET ? v->plen4 : v->plen6;
	uint8_t *n = family == AF_INET ? &v->nplen4 : &v->nplen6;
	int max = family == AF_INET ? 32 : 128;

	cnt[plen] = (uint32_t)((int)cnt[plen] + d);
	if ((d > 0 && cnt[plen] != 1) || (d < 0 && cnt[plen] != 0))
		return;
	*n = 0; /* a length came or went: the list, longest first, anew */
	for (int l = max; l >= 0; l--)
		if (cnt[l])
			list[(*n)++] = (uint8_t)l;
}

/* Files the peer by name, and by prefix when it takes requests (enabled, an address). */
static int peer_file(struct ike_view *v, const struct conf *c, struct ike_vpeer *p)
{
	const struct conf_addr *a = conf_addr(p->it, CONF_PEER_ADDRESS);

	p->profile = ike_profile_of(c, p->it);
	p->major = strcmp(ike_choice(p->it, CONF_PEER_EXCHANGE_MODE), "ike2") ? 1 : 2;
	p->name.it = p->prefix.it = p->it;
	p->name_key = ike_view_name_key(conf_str(p->it, CONF_PEER_NAME));
	if (ike_view_chain_add(&v->by_name, p->name_key, &p->name) < 0)
		return -ENOMEM;
	p->family = 0;
	if (conf_bool(p->it, CONF_PEER_DISABLED) || (a->family != AF_INET && a->family != AF_INET6))
		return 0;
	p->prefix_key = prefix_key(a->family, a->plen, a->bytes);
	if (ike_view_chain_add(&v->by_prefix, p->prefix_key, &p->prefix) < 0)
		return -ENOMEM;
	p->family = a->family;
	p->plen = a->plen;
	plen_count(v, p->family, p->plen, 1);
	return 0;
}

static void peer_unfile(struct ike_view *v, struct ike_vpeer *p)
{
	ike_view_chain_del(&v->by_name, p->name_key, &p->name);
	if (!p->family)
		return;
	ike_view_chain_del(&v->by_prefix, p->prefix_key, &p->prefix);
	plen_count(v, p->family, p->plen, -1);
	p->family = 0;
}

static int peer_add(struct ike_view *v, const struct conf *c, const struct conf_item *it)
{
	struct ike_vpeer *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->it = it;
	if (ike_tab_put(&v->peer_by_id, (uint64_t)it->id + 1, p) < 0) {
		free(p);
		return -ENOMEM;
	}
	v->npeers++;
	return peer_file(v, c, p);
}

static void ident_drop(struct ike_view *v, struct ike_vident *e);

static void peer_free(struct ike_vpeer *p)
{
	free(p->ids);
	free(p->vids);
	free(p->pols);
	free(p);
}

static void peer_del(struct ike_view *v, const struct conf_item *it)
{
	struct ike_vpeer *p = ike_tab_del(&v->peer_by_id, (uint64_t)it->id + 1);

	if (!p)
		return;
	peer_unfile(v, p);
	/* what still names it goes with it (a valid change leaves nothing) */
	while (p->nids)
		ident_drop(v, p->vids[p->nids - 1]);
	for (uint32_t i = 0; i < p->npols; i++) {
		struct ike_vpol *vp = ike_tab_get(&v->pol_by_id, (uint64_t)p->pols[i]->id + 1);

		if (vp)
			vp->peer = NULL;
	}
	v->npeers--;
	peer_free(p);
}

/* --- identities --- */

static uint64_t id_key(const struct ike_vpeer *p, uint8_t type, const uint8_t *data, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull;

	h = (h ^ type) * 0x100000001b3ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ data[i]) * 0x100000001b3ull;
	return ike_view_finish(h);
}

/* The ID an identity's remote-id names, when it is one fixed value the peer must send
 * (not auto or ignore, not an address left to the peer's own, not a certificate pin). */
static bool fixed_id(const struct conf_item *id, struct ike_vident *e)
{
	uint8_t buf[255];
	size_t len;

	if (!strcmp(ike_choice(id, CONF_IDENTITY_MATCH_BY), "certificate") ||
	    !ike_remote_id_fixed(id, &e->type, buf, &len) || len > sizeof(e->data))
		return false;
	memcpy(e->data, buf, len);
	e->len = (uint8_t)len;
	return true;
}

/* The identities' places among their peer's, from index `from` on. */
static void ident_renumber(struct ike_vpeer *p, uint32_t from)
{
	for (uint32_t i = from; i < p->nids; i++)
		p->vids[i]->pos = i;
}

static int ident_add(struct ike_view *v, const struct conf_item *it)
{
	struct ike_vpeer *p = conf_bool(it, CONF_IDENTITY_DISABLED)
				      ? NULL
				      : peer_by_name(v, conf_str(it, CONF_IDENTITY_PEER));
	struct ike_vident *e;
	uint32_t cap = p ? p->cap_ids : 0;
	int at;

	if (!p)
		return 0;
	if (!(e = calloc(1, sizeof(*e))) || ike_tab_put(&v->ident_by_id, (uint64_t)it->id + 1, e))
		goto fail;
	e->it = e->node.it = it;
	e->peer = p;
	if ((at = array_add(&p->ids, &p->nids, &cap, it)) < 0)
		goto fail_id;
	if (cap != p->cap_ids) {
		struct ike_vident **nv = realloc(p->vids, cap * sizeof(*nv));

		if (!nv) {
			array_del(p->ids, &p->nids, it);
			goto fail_id;
		}
		p->vids = nv;
		p->cap_ids = cap;
	}
	memmove(p->vids + at + 1, p->vids + at, (p->nids - 1 - (uint32_t)at) * sizeof(*p->vids));
	p->vids[at] = e;
	ident_renumber(p, (uint32_t)at);
	e->filed = fixed_id(it, e);
	if (e->filed) {
		e->key = id_key(p, e->type, e->data, e->len);
		if (ike_view_chain_add(&v->id_by_key, e->key, &e->node) < 0) {
			e->filed = false;
			ident_drop(v, e);
			return -ENOMEM;
		}
	}
	return 0;
fail_id:
	ike_tab_del(&v->ident_by_id, (uint64_t)it->id + 1);
fail:
	free(e);
	return -ENOMEM;
}

static void ident_drop(struct ike_view *v, struct ike_vident *e)
{
	struct ike_vpeer *p = e->peer;
	int at = array_del(p->ids, &p->nids, e->it);

	if (at >= 0) {
		memmove(p->vids + at, p->vids + at + 1,
			(p->nids - (uint32_t)at) * sizeof(*p->vids));
		ident_renumber(p, (uint32_t)at);
	}
	if (e->filed)
		ike_view_chain_del(&v->id_by_key, e->key, &e->node);
	ike_tab_del(&v->ident_by_id, (uint64_t)e->it->id + 1);
	free(e);
}

static void ident_del(struct ike_view *v, const struct conf_item *it)
{
	struct ike_vident *e = ike_tab_get(&v->ident_by_id, (uint64_t)it->id + 1);

	if (e)
		ident_drop(v, e);
}

/* --- policies --- */

static int pol_add(struct ike_view *v, const struct conf *c, const struct conf_item *it)
{
	const char *pn = conf_str(it, CONF_POLICY_PEER);
	struct ike_vpeer *p = peer_by_name(v, pn);
	struct ike_vpol *vp = calloc(1, sizeof(*vp));

	if (!vp)
		return -ENOMEM;
	vp->node.it = it;
	if (ike_tab_put(&v->pol_by_id, (uint64_t)it->id + 1, vp) < 0) {
		free(vp);
		return -ENOMEM;
	}
	if (p && ike_policy_is_ours(it, pn)) {
		if (array_add(&p->pols, &p->npols, &p->cap_pols, it) < 0)
			return -ENOMEM;
		vp->peer = p;
	}
	vp->reqid = v->reqid ? v->reqid(v->reqid_arg, c, it) : 0;
	if (vp->reqid && ike_view_chain_add(&v->pol_by_reqid, vp->reqid, &vp->node) < 0)
		return -ENOMEM;
	return 0;
}

static void pol_del(struct ike_view *v, const struct conf_item *it)
{
	struct ike_vpol *vp = ike_tab_del(&v->pol_by_id, (uint64_t)it->id + 1);

	if (!vp)
		return;
	if (vp->peer)
		array_del(vp->peer->pols, &vp->peer->npols, it);
	if (vp->reqid)
		ike_view_chain_del(&v->pol_by_reqid, vp->reqid, &vp->node);
	free(vp);
}

/* --- the whole view --- */

void ike_view_free(struct ike_view *v)
{
	size_t pos = 0;
	void *e;

	if (!v)
		return;
	while ((e = ike_tab_next(&v->ident_by_id, &pos)))
		free(e);
	pos = 0;
	while ((e = ike_tab_next(&v->pol_by_id, &pos)))
		free(e);
	pos = 0;
	while ((e = ike_tab_next(&v->peer_by_id, &pos)))
		peer_free(e);
	ike_tab_free(&v->by_name);
	ike_tab_free(&v->by_prefix);
	ike_tab_free(&v->peer_by_id);
	ike_tab_free(&v->ident_by_id);
	ike_tab_free(&v->id_by_key);
	ike_tab_free(&v->pol_by_id);
	ike_tab_free(&v->pol_by_reqid);
	ike_view_named_free(v);
	free(v);
}

struct ike_view *ike_view_build(const struct conf *c, ike_view_reqid_fn reqid, void *arg)
{
	struct ike_view *v = calloc(1, sizeof(*v));
	static const enum conf_menu_id order[] = {CONF_M_PEER, CONF_M_IDENTITY, CONF_M_POLICY};

	if (!v)
		return NULL;
	v->reqid = reqid;
	v->reqid_arg = arg;
	for (size_t m = 0; c && m < sizeof(order) / sizeof(order[0]); m++)
		for (size_t i = 0; i < conf_count(c, order[m]); i++)
			if (ike_view_update(v, c, CONF_ADDED, NULL, conf_item_at(c, order[m], i)) <
			    0)
				goto fail;
	v->named_stale = false; /* filed now, templates and all */
	if (c && ike_view_named_file(v, c) < 0)
		goto fail;
	return v;
fail:
	ike_view_free(v);
	return NULL;
}

/* Every peer's profile again: a profile came or went. */
static void profiles_again(struct ike_view *v, const struct conf *c)
{
	size_t pos = 0;
	struct ike_vpeer *p;

	while ((p = ike_tab_next(&v->peer_by_id, &pos)))
		p->profile = ike_profile_of(c, p->it);
}

static int peer_change(struct ike_view *v, const struct conf *c, const struct conf_item *it)
{
	struct ike_vpeer *p = ike_tab_get(&v->peer_by_id, (uint64_t)it->id + 1);

	if (!p)
		return peer_add(v, c, it);
	peer_unfile(v, p);
	return peer_file(v, c, p);
}

int ike_view_update(struct ike_view *v, const struct conf *c, enum conf_change what,
		    const struct conf_item *old, const struct conf_item *it)
{
	const struct conf_item *any = it ? it : old;
	int r = 0;

	switch (any->menu->id) {
	case CONF_M_PEER:
		if (what == CONF_REMOVED)
			peer_del(v, old);
		else
			r = what == CONF_ADDED ? peer_add(v, c, it) : peer_change(v, c, it);
		break;
	case CONF_M_IDENTITY:
		if (what != CONF_ADDED)
			ident_del(v, what == CONF_REMOVED ? old : it);
		if (what != CONF_REMOVED)
			r = ident_add(v, it);
		break;
	case CONF_M_POLICY:
		if (what != CONF_ADDED)
			pol_del(v, what == CONF_REMOVED ? old : it);
		if (what != CONF_REMOVED)
			r = pol_add(v, c, it);
		if (ike_view_is_template(old) || ike_view_is_template(it))
			v->named_stale = true;
		break;
	case CONF_M_PROFILE:
		if (what != CONF_CHANGED)
			profiles_again(v, c);
		break;
	case CONF_M_POLICY_GROUP:
	case CONF_M_MODE_CONFIG:
		v->named_stale = true;
		break;
	default:
		break;
	}
	return r;
}

int ike_view_update_done(struct ike_view *v, const struct conf *c)
{
	if (!v->named_stale)
		return 0;
	v->named_stale = false;
	ike_view_named_free(v);
	return ike_view_named_file(v, c);
}

/* --- look-ups --- */

const struct conf_item *ike_view_peer_for_addr(const struct ike_view *v,
					       const struct net_addr *remote,
					       const struct net_addr *local, uint8_t major)
{
	const uint8_t *plens = !v ? NULL : remote->family == AF_INET6 ? v->plen6 : v->plen4;
	size_t n = !v ? 0 : remote->family == AF_INET6 ? v->nplen6 : v->nplen4;

	if (remote->family != AF_INET && remote->family != AF_INET6)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		struct ike_vnode *q = ike_tab_get(
			&v->by_prefix, prefix_key(remote->family, plens[i], remote->bytes));

		for (; q; q = q->next) {
			const struct ike_vpeer *p = IKE_VIEW_OF(q, struct ike_vpeer, prefix);
			const struct conf_addr *a = conf_addr(p->it, CONF_PEER_ADDRESS);
			const struct conf_addr *la = conf_addr(p->it, CONF_PEER_LOCAL_ADDRESS);

			if (a->plen != plens[i] || !prefix_has(a, remote) || p->major != major)
				continue;
			if (la->family &&
			    (la->family != local->family ||
			     memcmp(la->bytes, local->bytes, la->family == AF_INET ? 4 : 16)))
				continue;
			return p->it;
		}
	}
	return NULL;
}

const struct conf_item *ike_view_peer(const struct ike_view *v, const char *name)
{
	struct ike_vpeer *p = peer_by_name(v, name);

	return p ? p->it : NULL;
}

const struct conf_item *ike_view_profile(const struct ike_view *v, const char *peer)
{
	struct ike_vpeer *p = peer_by_name(v, peer);

	return p ? p->profile : NULL;
}

const struct conf_item *const *ike_view_identities(const struct ike_view *v, const char *peer,
						   size_t *n)
{
	struct ike_vpeer *p = peer_by_name(v, peer);

	*n = p ? p->nids : 0;
	return p && p->nids ? p->ids : NULL;
}

const struct conf_item *const *ike_view_policies(const struct ike_view *v, const char *peer,
						 size_t *n)
{
	struct ike_vpeer *p = peer_by_name(v, peer);

	*n = p ? p->npols : 0;
	return p && p->npols ? p->pols : NULL;
}

const struct conf_item *ike_view_policy(const struct ike_view *v, uint32_t id)
{
	struct ike_vpol *vp = v ? ike_tab_get(&v->pol_by_id, (uint64_t)id + 1) : NULL;

	return vp ? vp->node.it : NULL;
}

const struct conf_item *ike_view_policy_by_reqid(const struct ike_view *v, uint32_t reqid)
{
	struct ike_vnode *n = v && reqid ? ike_tab_get(&v->pol_by_reqid, reqid) : NULL;

	return n ? n->it : NULL;
}

const struct conf_item *ike_view_identity(const struct ike_view *v, const char *peer,
					  uint32_t item_id)
{
	struct ike_vpeer *p = peer_by_name(v, peer);
	struct ike_vident *e = p ? ike_tab_get(&v->ident_by_id, (uint64_t)item_id + 1) : NULL;

	return e && e->peer == p ? e->it : NULL;
}

size_t ike_view_identities_for(const struct ike_view *v, const char *peer, uint8_t type,
			       const uint8_t *data, size_t len, const struct conf_item **out,
			       uint32_t *pos, size_t max)
{
	struct ike_vpeer *p = peer_by_name(v, peer);
	struct ike_vnode *q;
	size_t n = 0;

	if (!p)
		return 0;
	for (q = ike_tab_get(&v->id_by_key, id_key(p, type, data, len)); q && n < max;
	     q = q->next) {
		const struct ike_vident *e = IKE_VIEW_OF(q, struct ike_vident, node);

		if (e->peer == p && e->type == type && e->len == len &&
		    !memcmp(e->data, data, len)) {
			out[n] = e->it;
			pos[n++] = e->pos;
		}
	}
	for (uint32_t i = 0; i < p->nids && n < max; i++)
		if (!p->vids[i]->filed) {
			out[n] = p->vids[i]->it;
			pos[n++] = p->vids[i]->pos;
		}
	return n;
}
