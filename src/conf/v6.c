/* v6: RouterOS v6 exports load as v7 does after its upgrade. A v6 peer carried the phase 1
 * parameters (now a profile) and the authentication (now an identity); v6 policies named
 * their peer by sa-dst-address. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

static bool has_legacy(const struct conf_item *peer)
{
	for (size_t p = 0; p < peer->menu->nprops; p++)
		if ((peer->menu->props[p].flags & CONF_F_LEGACY) && conf_is_set(peer, (int)p))
			return true;
	return false;
}

/* The v7 property a v6 peer property moved to: same name in profile, else identity. */
static int target_of(const char *name, enum conf_menu_id *menu)
{
	static const struct {
		const char *v6, *v7;
	} renames[] = {{"policy-group", "policy-template-group"},
		       {"xauth-login", "username"},
		       {"xauth-password", "password"}};
	int p;

	for (size_t i = 0; i < sizeof(renames) / sizeof(renames[0]); i++)
		if (!strcmp(name, renames[i].v6))
			name = renames[i].v7;
	if ((p = conf_prop_index(&conf_menus[CONF_M_PROFILE], name)) >= 0 &&
	    !(conf_menus[CONF_M_PROFILE].props[p].flags & CONF_F_RO)) {
		*menu = CONF_M_PROFILE;
		return p;
	}
	if ((p = conf_prop_index(&conf_menus[CONF_M_IDENTITY], name)) >= 0 &&
	    !(conf_menus[CONF_M_IDENTITY].props[p].flags & CONF_F_RO)) {
		*menu = CONF_M_IDENTITY;
		return p;
	}
	return -1;
}

/* Moves one value by its text form, so v6 spellings go through the v7 aliases. */
static void move_value(struct conf *c, struct conf_item *dst, int dp, const char *text,
		       const struct conf_loc *loc, struct conf_diags *ds)
{
	const struct conf_prop *prop = &dst->menu->props[dp];
	char *aliased = conf_apply_aliases(prop, text);
	struct strbuf why = STRBUF_INIT;
	union conf_val v;

	if (conf_val_parse(prop, aliased ? aliased : text, &v, &why) == 0)
		conf_item_set(c, dst, dp, &v);
	else
		conf_diag_add(ds, CONF_ERROR, loc->file, loc->line, loc->col,
			      "v6 peer property %s: %s", prop->name, sb_str(&why));
	free(aliased);
	sb_free(&why);
}

static bool same_profile(const struct conf_item *a, const struct conf_item *b)
{
	for (size_t p = 0; p < a->menu->nprops; p++) {
		const struct conf_prop *prop = &a->menu->props[p];

		if ((int)p == a->menu->name_prop || (prop->flags & CONF_F_RO) ||
		    prop->type == CONF_T_STR)
			continue;
		if (!conf_val_equal(prop, &a->v[p], &b->v[p]))
			return false;
	}
	return true;
}

/* Reuses a profile with the same parameters, else adds profile_N. Takes ownership. */
static const char *intern_profile(struct conf *c, struct conf_item *prof)
{
	const int np = prof->menu->name_prop;

	for (size_t i = 0; i < conf_count(c, CONF_M_PROFILE); i++) {
		struct conf_item *o = conf_item_at(c, CONF_M_PROFILE, i);

		if (same_profile(o, prof)) {
			conf_item_free(prof);
			return o->v[np].s;
		}
	}
	char name[32];

	for (unsigned k = 1;; k++) {
		snprintf(name, sizeof(name), "profile_%u", k);
		if (!conf_find(c, CONF_M_PROFILE, name))
			break;
	}
	union conf_val v = {.s = xstrdup(name)};

	conf_item_set(c, prof, np, &v);
	prof->builtin = 0;
	conf_insert(c, prof, (size_t)-1);
	return prof->v[np].s;
}

static struct conf_item *identity_for(struct conf *c, const char *peer, const struct conf_loc *l)
{
	for (size_t i = 0; i < conf_count(c, CONF_M_IDENTITY); i++) {
		struct conf_item *it = conf_item_at(c, CONF_M_IDENTITY, i);

		if (it->v[CONF_IDENTITY_PEER].s && !strcmp(it->v[CONF_IDENTITY_PEER].s, peer))
			return it;
	}
	struct conf_item *it = conf_item_new(c, &conf_menus[CONF_M_IDENTITY]);
	union conf_val v = {.s = xstrdup(peer)};

	it->line = l->line;
	conf_item_set(c, it, CONF_IDENTITY_PEER, &v);
	conf_insert(c, it, (size_t)-1);
	return it;
}

static struct conf_item *profile_copy(struct conf *c, const struct conf_item *peer)
{
	const struct conf_item *base =
		conf_find(c, CONF_M_PROFILE, conf_str(peer, CONF_PEER_PROFILE));
	struct conf_item *prof = conf_item_new(c, &conf_menus[CONF_M_PROFILE]);

	for (size_t p = 0; base && p < prof->menu->nprops; p++) {
		if ((int)p == prof->menu->name_prop || !conf_is_set(base, (int)p))
			continue;
		union conf_val v;

		conf_val_copy(&prof->menu->props[p], &v, &base->v[p]);
		conf_item_set(c, prof, (int)p, &v);
	}
	return prof;
}

void conf_v6_convert_peer(struct conf *c, struct conf_item *peer, const struct conf_loc *loc,
			  struct conf_diags *ds)
{
	if (!has_legacy(peer))
		return;
	const struct conf_menu *m = peer->menu;
	struct conf_item *prof = profile_copy(c, peer);
	bool prof_changed = false;
	struct strbuf text = STRBUF_INIT;

	for (size_t p = 0; p < m->nprops; p++) {
		const struct conf_prop *prop = &m->props[p];
		enum conf_menu_id tm;
		int tp;

		if (!(prop->flags & CONF_F_LEGACY) || !conf_is_set(peer, (int)p))
			continue;
		sb_reset(&text);
		if (!strcmp(prop->name, "my-id-user-fqdn")) {
			sb_puts(&text, "user-fqdn:");
			tm = CONF_M_IDENTITY;
			tp = CONF_IDENTITY_MY_ID;
		} else if ((tp = target_of(prop->name, &tm)) < 0) {
			conf_diag_add(ds, CONF_WARNING, loc->file, loc->line, loc->col,
				      "v6 peer property %s has no v7 equivalent; ignored",
				      prop->name);
			conf_item_unset(c, peer, (int)p);
			continue;
		}
		conf_val_format(prop, &peer->v[p], &text);
		if (tm == CONF_M_PROFILE) {
			move_value(c, prof, tp, sb_str(&text), loc, ds);
			prof_changed = true;
		} else {
			move_value(c, identity_for(c, peer->v[m->name_prop].s, loc), tp,
				   sb_str(&text), loc, ds);
		}
		conf_item_unset(c, peer, (int)p);
	}
	sb_free(&text);
	if (!prof_changed) {
		conf_item_free(prof);
		return;
	}
	union conf_val v = {.s = xstrdup(intern_profile(c, prof))};

	conf_item_set(c, peer, CONF_PEER_PROFILE, &v);
}

static bool prefix_contains(const struct conf_addr *net, const struct conf_addr *a)
{
	if (net->family != a->family)
		return false;
	for (unsigned b = 0; b < net->plen; b++) {
		uint8_t mask = (uint8_t)(0x80u >> (b % 8));

		if ((net->bytes[b / 8] & mask) != (a->bytes[b / 8] & mask))
			return false;
	}
	return true;
}

/* A v3/v6 transport policy named only its SA ends: they are its selectors too. */
static void transport_selectors(struct conf *c, struct conf_item *pol)
{
	static const int from[2] = {CONF_POLICY_SA_SRC_ADDRESS, CONF_POLICY_SA_DST_ADDRESS};
	static const int to[2] = {CONF_POLICY_SRC_ADDRESS, CONF_POLICY_DST_ADDRESS};

	if (conf_bool(pol, CONF_POLICY_TUNNEL))
		return;
	for (int i = 0; i < 2; i++) {
		if (!conf_is_set(pol, from[i]) || conf_is_set(pol, to[i]))
			continue;
		union conf_val v = {.a = *conf_addr(pol, from[i])};

		conf_item_set(c, pol, to[i], &v);
	}
}

void conf_v6_convert_policies(struct conf *c, struct conf_diags *ds)
{
	for (size_t i = 0; i < conf_count(c, CONF_M_POLICY); i++) {
		struct conf_item *pol = conf_item_at(c, CONF_M_POLICY, i);
		const struct conf_item *best = NULL;

		transport_selectors(c, pol);
		if (!conf_is_set(pol, CONF_POLICY_SA_DST_ADDRESS) ||
		    conf_is_set(pol, CONF_POLICY_PEER) || conf_is_set(pol, CONF_POLICY_MANUAL_SA))
			continue;
		const struct conf_addr *dst = conf_addr(pol, CONF_POLICY_SA_DST_ADDRESS);

		for (size_t j = 0; j < conf_count(c, CONF_M_PEER); j++) {
			const struct conf_item *peer = conf_item_at(c, CONF_M_PEER, j);
			const struct conf_addr *pa = conf_addr(peer, CONF_PEER_ADDRESS);

			if (prefix_contains(pa, dst) &&
			    (!best || pa->plen > conf_addr(best, CONF_PEER_ADDRESS)->plen))
				best = peer;
		}
		if (!best)
			continue;
		union conf_val v = {.s = xstrdup(best->v[best->menu->name_prop].s)};

		conf_item_set(c, pol, CONF_POLICY_PEER, &v);
		conf_item_unset(c, pol, CONF_POLICY_SA_DST_ADDRESS);
		conf_item_unset(c, pol, CONF_POLICY_SA_SRC_ADDRESS);
	}
	(void)ds;
}
