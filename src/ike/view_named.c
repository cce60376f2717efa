/* view_named: the policy groups and mode-configs of the engine's view, by name, and each
 * group's enabled templates in configuration order. They are few, so a change of one of
 * them, or of a template, files them all anew. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/conf_menus.h"
#include "view.h"

/* The group or mode-config called name in t, or NULL. */
static struct ike_vnamed *named_get(const struct ike_tab *t, const char *name, int name_prop)
{
	struct ike_vnamed *e = name && *name ? ike_tab_get(t, ike_view_name_key(name)) : NULL;

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
	q = ike_tab_get(t, ike_view_name_key(name));
	if (!q)
		return ike_tab_put(t, ike_view_name_key(name), e);
	while (q->next)
		q = q->next;
	q->next = e;
	return 0;
}

bool ike_view_is_template(const struct conf_item *it)
{
	return it && conf_bool(it, CONF_POLICY_TEMPLATE) && !conf_bool(it, CONF_POLICY_DISABLED);
}

/* The group an enabled template belongs to; NULL for any other policy. */
static struct ike_vnamed *group_of(const struct ike_view *v, const struct conf_item *pol)
{
	if (!ike_view_is_template(pol))
		return NULL;
	return named_get(&v->group_by_name, conf_str(pol, CONF_POLICY_GROUP), CONF_GROUP_NAME);
}

void ike_view_named_free(struct ike_view *v)
{
	ike_tab_free(&v->group_by_name);
	ike_tab_free(&v->modeconf_by_name);
	free(v->tmpl_refs);
	free(v->named);
	v->tmpl_refs = NULL;
	v->named = NULL;
}

/* Files groups and mode-configs by name, and each group's templates. */
int ike_view_named_file(struct ike_view *v, const struct conf *c)
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
