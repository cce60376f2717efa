/* unsupported: what the language can say and this version does not do yet. Such settings
 * load (a RouterOS export that uses them still works for the rest of it) and each use is a
 * located warning, at load, on reload and from ipsecctl when a change brings it in. When
 * a feature lands, its row goes. */
#include <string.h>

#include "internal.h"

struct gap {
	enum conf_menu_id menu;
	int prop;		   /* -1: every item of the menu */
	const char *const *values; /* the values not done yet; NULL: any but the default */
	const char *what;	   /* the rest of the warning */
};

#define VALUES(...) ((const char *const[]){__VA_ARGS__, NULL})

static const struct gap gaps[] = {
	{CONF_M_IDENTITY, CONF_IDENTITY_NOTRACK_CHAIN, NULL,
	 "is not used by this version: no firewall rule is added"},
	{CONF_M_MODE_CONFIG, CONF_MODECONF_SRC_ADDRESS_LIST, NULL,
	 "is not supported yet (it needs firewall integration): no address list is used"},
	{CONF_M_PROFILE, CONF_PROFILE_LIFEBYTES, NULL,
	 "is not enforced by this version: IKE SAs are rekeyed on lifetime only"},
	{CONF_M_PROPOSAL, CONF_PROPOSAL_DISABLED, VALUES("yes"),
	 "is not honoured by this version: policies that name the proposal still offer it"},
};

/* "peer office", "identity for peer office", "policy 10.1.0.0/24->10.2.0.0/24". */
static void label(const struct conf_item *it, struct strbuf *out)
{
	const struct conf_menu *m = it->menu;
	const char *menu = strncmp(m->path, "ip ipsec ", 9) ? m->path : m->path + 9;

	sb_puts(out, menu);
	if (m->name_prop >= 0 && it->v[m->name_prop].s)
		sb_printf(out, " %s", it->v[m->name_prop].s);
	else if (m->id == CONF_M_IDENTITY)
		sb_printf(out, " for peer %s", conf_str(it, CONF_IDENTITY_PEER));
	else if (m->id == CONF_M_POLICY) {
		sb_putc(out, ' ');
		conf_addr_format(conf_addr(it, CONF_POLICY_SRC_ADDRESS), true, out);
		sb_puts(out, "->");
		conf_addr_format(conf_addr(it, CONF_POLICY_DST_ADDRESS), true, out);
	}
}

static bool value_listed(const struct conf_prop *p, const union conf_val *v,
			 const char *const *values)
{
	struct strbuf text = STRBUF_INIT;
	bool found = false;

	conf_val_format(p, v, &text);
	for (size_t i = 0; values[i] && !found; i++)
		found = !strcmp(sb_str(&text), values[i]);
	sb_free(&text);
	return found;
}

/* Is the item's value of the gap's property one not done yet? */
static bool in_gap(const struct gap *g, const struct conf_item *it)
{
	const struct conf_prop *p = &it->menu->props[g->prop];

	if (g->values)
		return value_listed(p, &it->v[g->prop], g->values);
	return conf_is_set(it, g->prop) &&
	       !conf_val_equal(p, &it->v[g->prop], conf_prop_default(it->menu, g->prop));
}

/* What this script or request brought in: with changes_only, an item it added, or a
 * property it set; otherwise everything. */
static bool brought_in(const struct conf_locmap *lm, const struct conf_item *it, int prop)
{
	if (!lm || !lm->changes_only)
		return true;
	return conf_loc_noted(lm, it, -1) || (prop >= 0 && conf_loc_noted(lm, it, prop));
}

static void check_item(const struct gap *g, const struct conf_item *it, struct conf_diags *ds,
		       const struct conf_locmap *lm)
{
	struct strbuf msg = STRBUF_INIT;
	struct conf_loc l;

	if (g->prop >= 0 && !in_gap(g, it))
		return;
	if (!brought_in(lm, it, g->prop))
		return;
	label(it, &msg);
	sb_puts(&msg, ": ");
	if (g->prop >= 0) {
		sb_printf(&msg, "%s=", it->menu->props[g->prop].name);
		conf_val_format(&it->menu->props[g->prop], &it->v[g->prop], &msg);
		if (!conf_is_set(it, g->prop))
			sb_puts(&msg, " (the default)");
		sb_putc(&msg, ' ');
	}
	sb_puts(&msg, g->what);
	l = conf_loc_find(lm, it, g->prop);
	conf_diag_add(ds, CONF_WARNING, l.file, l.line, l.col, "%s", sb_str(&msg));
	sb_free(&msg);
}

void conf_check_unsupported_item(const struct conf_item *it, struct conf_diags *ds,
				 const struct conf_locmap *lm)
{
	int dis = conf_prop_index(it->menu, "disabled");
	/* a disabled item does nothing anyway, but a disabled proposal does */
	bool off = dis >= 0 && conf_bool(it, dis);

	for (size_t g = 0; g < sizeof(gaps) / sizeof(gaps[0]); g++)
		if (gaps[g].menu == it->menu->id && !it->dynamic && (!off || gaps[g].prop == dis))
			check_item(&gaps[g], it, ds, lm);
}

void conf_check_unsupported(const struct conf *c, struct conf_diags *ds,
			    const struct conf_locmap *lm)
{
	for (int m = 0; m < CONF_M_COUNT; m++)
		for (size_t i = 0; i < conf_count(c, (enum conf_menu_id)m); i++)
			conf_check_unsupported_item(conf_item_at(c, (enum conf_menu_id)m, i), ds,
						    lm);
}
