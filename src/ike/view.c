/* view: the configuration as the engine decides from it, built once when a configuration
 * is applied (ike_apply) so that no negotiation walks or string-compares the model.
 *
 * - peers by address prefix: one table keyed by (family, prefix length, masked address)
 *   and the prefix lengths in use, longest first, so a look-up costs one probe per length
 *   in use; among peers with the same prefix the first in the configuration wins, and a
 *   peer with a local-address takes only requests to that address;
 * - each peer with its profile, its enabled identities and the policies IKE negotiates
 *   for it, in configuration order; peers by name;
 * - each peer's identities by the ID their remote-id names (type and value, as the peer
 *   sends it), and apart from those the ones that accept any ID or are checked another
 *   way (auto, ignore, match-by=certificate): a gateway with an identity per user finds
 *   a user's in one probe;
 * - policies by item id and by the reqid of their kernel entries;
 * - policy groups by name, each with its enabled templates (template=yes) in
 *   configuration order, and mode-configs by name (built-ins such as request-only too).
 *
 * The chains of a table slot are the peers' own links (next_name, next_prefix), so a
 * 64-bit key that two names or prefixes share costs a compare, never a wrong answer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ike_internal.h"
#include "ipsecd/conf_menus.h"

struct ike_vpeer {
	const struct conf_item *it;
	const struct conf_item *profile;
	const struct conf_item **ids;  /* enabled identities, in configuration order */
	const struct conf_item **pols; /* the policies IKE negotiates for it (ike_policy_is_ours) */
	uint32_t nids, npols;
	struct ike_vident *others; /* identities not filed by ID, in configuration order */
	uint32_t nothers;
	uint8_t major; /* the IKE version its exchange-mode speaks: 2 (ike2) or 1 */
	struct ike_vpeer *next_name, *next_prefix;
};

/* An identity as the responder looks it up: by (peer, ID) in id_by_key, or in its peer's
 * others. pos: its place among the peer's identities (the first wins among equals). */
struct ike_vident {
	const struct conf_item *it;
	const struct ike_vpeer *peer;
	uint32_t pos;
	uint8_t type, len;
	uint8_t data[64];	 /* the ID's value; longer ones are not filed */
	struct ike_vident *next; /* the next with the same key */
};

/* A policy group or a mode-config, filed by name. */
struct ike_vnamed {
	const struct conf_item *it;
	const struct conf_item **tmpls; /* groups: the enabled templates, in order */
	uint32_t ntmpls;
	struct ike_vnamed *next; /* the next with the same key */
};

struct ike_view {
	struct ike_vpeer *peers;
	size_t npeers;
	const struct conf_item **refs; /* backing store of every peer's ids and pols */
	struct ike_tab by_name, by_prefix, pol_by_id, pol_by_reqid;
	struct ike_vident *idents; /* one per enabled identity of an existing peer */
	struct ike_tab id_by_key;
	struct ike_vnamed *named;	    /* the groups, then the mode-configs */
	const struct conf_item **tmpl_refs; /* backing store of every group's templates */
	struct ike_tab group_by_name, modeconf_by_name;
	/* the prefix lengths some enabled peer has, longest first, per family */
	uint8_t plen4[33], plen6[129];
	uint8_t nplen4, nplen6;
};

static uint64_t finish(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h == 0 || h == UINT64_MAX ? 1 : h;
}

static uint64_t name_key(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return finish(h);
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
	return finish(((uint64_t)family << 8 | plen) * 0x9e3779b97f4a7c15ull ^ w[0] ^
		      finish(w[1] ^ 0x5bd1e995ull));
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

static void add_plen(uint8_t *list, uint8_t *n, uint8_t plen)
{
	size_t i = 0;

	while (i < *n && list[i] > plen)
		i++;
	if (i < *n && list[i] == plen)
		return;
	memmove(list + i + 1, list + i, *n - i);
	list[i] = plen;
	++*n;
}

/* Appends p to the chain of key in t (chains keep configuration order). */
static int chain_add(struct ike_tab *t, uint64_t key, struct ike_vpeer *p, bool by_name)
{
	struct ike_vpeer *head = ike_tab_get(t, key), *q = head;

	if (!head)
		return ike_tab_put(t, key, p);
	if (by_name) {
		while (q->next_name)
			q = q->next_name;
		q->next_name = p;
	} else {
		while (q->next_prefix)
			q = q->next_prefix;
		q->next_prefix = p;
	}
	return 0;
}

void ike_view_free(struct ike_view *v)
{
	if (!v)
		return;
	ike_tab_free(&v->by_name);
	ike_tab_free(&v->by_prefix);
	ike_tab_free(&v->pol_by_id);
	ike_tab_free(&v->pol_by_reqid);
	ike_tab_free(&v->group_by_name);
	ike_tab_free(&v->modeconf_by_name);
	ike_tab_free(&v->id_by_key);
	free(v->idents);
	free(v->tmpl_refs);
	free(v->named);
	free(v->refs);
	free(v->peers);
	free(v);
}

static struct ike_vpeer *peer_by_name(const struct ike_view *v, const char *name)
{
	struct ike_vpeer *p = v && name && *name ? ike_tab_get(&v->by_name, name_key(name)) : NULL;

	while (p && strcmp(conf_str(p->it, CONF_PEER_NAME), name))
		p = p->next_name;
	return p;
}

/* Counts each peer's identities and policies (pass 0) or files them (pass 1). */
static void file_refs(struct ike_view *v, const struct conf *c, int pass)
{
	for (size_t i = 0; i < conf_count(c, CONF_M_IDENTITY); i++) {
		const struct conf_item *id = conf_item_at(c, CONF_M_IDENTITY, i);
		struct ike_vpeer *p = conf_bool(id, CONF_IDENTITY_DISABLED)
					      ? NULL
					      : peer_by_name(v, conf_str(id, CONF_IDENTITY_PEER));

		if (p && pass)
			p->ids[p->nids] = id;
		if (p)
			p->nids++;
	}
	for (size_t i = 0; i < conf_count(c, CONF_M_POLICY); i++) {
		const struct conf_item *pol = conf_item_at(c, CONF_M_POLICY, i);
		const char *pn = conf_str(pol, CONF_POLICY_PEER);
		struct ike_vpeer *p = peer_by_name(v, pn);

		if (p && !ike_policy_is_ours(pol, pn))
			p = NULL;
		if (p && pass)
			p->pols[p->npols] = pol;
		if (p)
			p->npols++;
	}
}

static uint64_t id_key(const struct ike_vpeer *p, uint8_t type, const uint8_t *data, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull;

	h = (h ^ type) * 0x100000001b3ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ data[i]) * 0x100000001b3ull;
	return finish(h);
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

/* Files every peer's identities: by ID, or in its others (which share idents' storage:
 * each peer's others are contiguous, since peers are filed in order). */
static int file_idents(struct ike_view *v)
{
	size_t total = 0, k = 0;

	for (size_t i = 0; i < v->npeers; i++)
		total += v->peers[i].nids;
	if (total && !(v->idents = calloc(total, sizeof(*v->idents))))
		return -ENOMEM;
	/* others first, peer by peer, then the filed ones after them all */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < v->npeers; i++) {
			struct ike_vpeer *p = &v->peers[i];

			if (!pass)
				p->others = v->idents + k;
			for (uint32_t j = 0; j < p->nids; j++) {
				struct ike_vident e = {.it = p->ids[j], .peer = p, .pos = j};
				bool fixed = fixed_id(p->ids[j], &e);

				if (fixed != (pass == 1))
					continue;
				v->idents[k] = e;
				if (!pass) {
					p->nothers++;
				} else {
					struct ike_vident *n = &v->idents[k];
					uint64_t key = id_key(p, n->type, n->data, n->len);
					struct ike_vident *q = ike_tab_get(&v->id_by_key, key);

					if (!q && ike_tab_put(&v->id_by_key, key, n) < 0)
						return -ENOMEM;
					while (q && q->next)
						q = q->next;
					if (q)
						q->next = n;
				}
				k++;
			}
		}
	return 0;
}

/* The group or mode-config called name in t, or NULL. */
static struct ike_vnamed *named_get(const struct ike_tab *t, const char *name, int name_prop)
{
	struct ike_vnamed *e = name && *name ? ike_tab_get(t, name_key(name)) : NULL;

	while (e && strcmp(conf_str(e->it, name_prop), name))
		e = e->next;
	return e;
}

static int named_add(struct ike_tab *t, struct ike_vnamed *e, int name_prop)
{
	const char *name = conf_str(e->it, name_prop);
	struct ike_vnamed *q;

	if (!name || !*name)
		return 0;
	q = ike_tab_get(t, name_key(name));
	if (!q)
		return ike_tab_put(t, name_key(name), e);
	while (q->next)
		q = q->next;
	q->next = e;
	return 0;
}

/* The group an enabled template belongs to; NULL for any other policy. */
static struct ike_vnamed *group_of(const struct ike_view *v, const struct conf_item *pol)
{
	if (!conf_bool(pol, CONF_POLICY_TEMPLATE) || conf_bool(pol, CONF_POLICY_DISABLED))
		return NULL;
	return named_get(&v->group_by_name, conf_str(pol, CONF_POLICY_GROUP), CONF_GROUP_NAME);
}

/* Files groups and mode-configs by name, and each group's templates. */
static int file_named(struct ike_view *v, const struct conf *c)
{
	size_t ng = conf_count(c, CONF_M_POLICY_GROUP), nm = conf_count(c, CONF_M_MODE_CONFIG);
	size_t np = conf_count(c, CONF_M_POLICY), nt = 0;
	struct ike_vnamed *e;

	if (ng + nm && !(v->named = calloc(ng + nm, sizeof(*v->named))))
		return -ENOMEM;
	for (size_t i = 0; i < ng + nm; i++) {
		bool group = i < ng;

		e = &v->named[i];
		e->it = group ? conf_item_at(c, CONF_M_POLICY_GROUP, i)
			      : conf_item_at(c, CONF_M_MODE_CONFIG, i - ng);
		if (named_add(group ? &v->group_by_name : &v->modeconf_by_name, e,
			      group ? CONF_GROUP_NAME : CONF_MODECONF_NAME) < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; i < np; i++)
		if ((e = group_of(v, conf_item_at(c, CONF_M_POLICY, i)))) {
			e->ntmpls++;
			nt++;
		}
	if (nt && !(v->tmpl_refs = calloc(nt, sizeof(*v->tmpl_refs))))
		return -ENOMEM;
	nt = 0;
	for (size_t i = 0; i < ng; i++) {
		v->named[i].tmpls = v->tmpl_refs + nt;
		nt += v->named[i].ntmpls;
		v->named[i].ntmpls = 0;
	}
	for (size_t i = 0; i < np; i++) {
		const struct conf_item *pol = conf_item_at(c, CONF_M_POLICY, i);

		if ((e = group_of(v, pol)))
			e->tmpls[e->ntmpls++] = pol;
	}
	return 0;
}

struct ike_view *ike_view_build(const struct conf *c,
				uint32_t (*reqid)(void *arg, const struct conf *c,
						  const struct conf_item *pol),
				void *arg)
{
	struct ike_view *v = calloc(1, sizeof(*v));
	size_t n = c ? conf_count(c, CONF_M_PEER) : 0, nrefs = 0;

	if (!v || (n && !(v->peers = calloc(n, sizeof(*v->peers)))))
		goto fail;
	v->npeers = n;
	for (size_t i = 0; i < n; i++) {
		struct ike_vpeer *p = &v->peers[i];
		const struct conf_addr *a;

		p->it = conf_item_at(c, CONF_M_PEER, i);
		p->profile = ike_profile_of(c, p->it);
		p->major = strcmp(ike_choice(p->it, CONF_PEER_EXCHANGE_MODE), "ike2") ? 1 : 2;
		if (chain_add(&v->by_name, name_key(conf_str(p->it, CONF_PEER_NAME)), p, true) < 0)
			goto fail;
		if (conf_bool(p->it, CONF_PEER_DISABLED))
			continue;
		a = conf_addr(p->it, CONF_PEER_ADDRESS);
		if (a->family != AF_INET && a->family != AF_INET6)
			continue;
		if (chain_add(&v->by_prefix, prefix_key(a->family, a->plen, a->bytes), p, false) <
		    0)
			goto fail;
		if (a->family == AF_INET)
			add_plen(v->plen4, &v->nplen4, a->plen);
		else
			add_plen(v->plen6, &v->nplen6, a->plen);
	}
	if (!c)
		return v;
	file_refs(v, c, 0);
	for (size_t i = 0; i < n; i++)
		nrefs += v->peers[i].nids + v->peers[i].npols;
	if (nrefs && !(v->refs = calloc(nrefs, sizeof(*v->refs))))
		goto fail;
	nrefs = 0;
	for (size_t i = 0; i < n; i++) {
		struct ike_vpeer *p = &v->peers[i];

		p->ids = v->refs + nrefs;
		p->pols = p->ids + p->nids;
		nrefs += p->nids + p->npols;
		p->nids = p->npols = 0;
	}
	file_refs(v, c, 1);
	if (file_named(v, c) < 0 || file_idents(v) < 0)
		goto fail;
	for (size_t i = 0; i < conf_count(c, CONF_M_POLICY); i++) {
		const struct conf_item *pol = conf_item_at(c, CONF_M_POLICY, i);
		uint32_t r = reqid ? reqid(arg, c, pol) : 0;

		if (ike_tab_put(&v->pol_by_id, (uint64_t)pol->id + 1, (void *)pol) < 0)
			goto fail;
		if (r && !ike_tab_get(&v->pol_by_reqid, r) &&
		    ike_tab_put(&v->pol_by_reqid, r, (void *)pol) < 0)
			goto fail;
	}
	return v;
fail:
	ike_view_free(v);
	return NULL;
}

const struct conf_item *ike_view_peer_for_addr(const struct ike_view *v,
					       const struct net_addr *remote,
					       const struct net_addr *local, uint8_t major)
{
	const uint8_t *plens = remote->family == AF_INET6 ? v->plen6 : v->plen4;
	size_t n = !v ? 0 : remote->family == AF_INET6 ? v->nplen6 : v->nplen4;

	if (remote->family != AF_INET && remote->family != AF_INET6)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		struct ike_vpeer *p = ike_tab_get(
			&v->by_prefix, prefix_key(remote->family, plens[i], remote->bytes));

		for (; p; p = p->next_prefix) {
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
	return p ? p->ids : NULL;
}

const struct conf_item *const *ike_view_policies(const struct ike_view *v, const char *peer,
						 size_t *n)
{
	struct ike_vpeer *p = peer_by_name(v, peer);

	*n = p ? p->npols : 0;
	return p ? p->pols : NULL;
}

const struct conf_item *ike_view_policy(const struct ike_view *v, uint32_t id)
{
	return v ? ike_tab_get(&v->pol_by_id, (uint64_t)id + 1) : NULL;
}

const struct conf_item *ike_view_policy_by_reqid(const struct ike_view *v, uint32_t reqid)
{
	return v && reqid ? ike_tab_get(&v->pol_by_reqid, reqid) : NULL;
}

const struct conf_item *const *ike_view_templates(const struct ike_view *v, const char *group,
						  size_t *n)
{
	struct ike_vnamed *e = v ? named_get(&v->group_by_name, group, CONF_GROUP_NAME) : NULL;

	*n = e ? e->ntmpls : 0;
	return e ? e->tmpls : NULL;
}

const struct conf_item *ike_view_mode_config(const struct ike_view *v, const char *name)
{
	struct ike_vnamed *e = v ? named_get(&v->modeconf_by_name, name, CONF_MODECONF_NAME) : NULL;

	return e ? e->it : NULL;
}

size_t ike_view_identities_for(const struct ike_view *v, const char *peer, uint8_t type,
			       const uint8_t *data, size_t len, const struct conf_item **out,
			       uint32_t *pos, size_t max)
{
	struct ike_vpeer *p = peer_by_name(v, peer);
	struct ike_vident *e;
	size_t n = 0;

	if (!p)
		return 0;
	for (e = ike_tab_get(&v->id_by_key, id_key(p, type, data, len)); e && n < max; e = e->next)
		if (e->peer == p && e->type == type && e->len == len &&
		    !memcmp(e->data, data, len)) {
			out[n] = e->it;
			pos[n++] = e->pos;
		}
	for (uint32_t i = 0; i < p->nothers && n < max; i++) {
		out[n] = p->others[i].it;
		pos[n++] = p->others[i].pos;
	}
	return n;
}
