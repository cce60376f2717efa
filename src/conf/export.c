/* export: the model written back in the file's language, defaults omitted as RouterOS
 * does, so that loading an export gives the same model. Also the terse records that
 * print sends over the control socket. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The model as it is with nothing configured: what built-in entries are compared to. */
static const struct conf *pristine(void)
{
	static struct conf *p;

	if (!p)
		p = conf_new();
	return p;
}

static const struct conf_item *baseline_of(const struct conf_item *it)
{
	const struct conf *p = pristine();
	const struct conf_menu *m = it->menu;

	if (!it->builtin)
		return NULL;
	if (m->name_prop >= 0)
		return conf_find(p, m->id, it->v[m->name_prop].s);
	return conf_item_at(p, m->id, 0);
}

static bool differs(const struct conf_item *it, const struct conf_item *base, size_t p)
{
	const struct conf_prop *prop = &it->menu->props[p];

	if (base)
		return !conf_val_equal(prop, &it->v[p], &base->v[p]);
	return !conf_val_equal(prop, &it->v[p], conf_prop_default(it->menu, (int)p));
}

static void put_arg(const struct conf_item *it, size_t p, struct strbuf *out)
{
	struct strbuf v = STRBUF_INIT;

	conf_val_format(&it->menu->props[p], &it->v[p], &v);
	sb_printf(out, " %s=", it->menu->props[p].name);
	conf_quote(sb_str(&v), out);
	sb_clear_free(&v);
}

void conf_item_args(const struct conf_item *it, bool sensitive, struct strbuf *out)
{
	const struct conf_item *base = baseline_of(it);

	for (size_t p = 0; p < it->menu->nprops; p++) {
		const struct conf_prop *prop = &it->menu->props[p];

		if ((prop->flags & (CONF_F_RO | CONF_F_NOEXPORT)) ||
		    (base && (int)p == it->menu->name_prop))
			continue;
		if ((prop->flags & CONF_F_SECRET) && !sensitive)
			continue;
		if (differs(it, base, p) || (!base && (int)p == it->menu->name_prop))
			put_arg(it, p, out);
	}
}

static void item_flags(const struct conf_item *it, struct strbuf *out)
{
	const struct conf_menu *m = it->menu;
	int dis = conf_prop_index(m, "disabled");
	int tmpl = conf_prop_index(m, "template");
	int act = conf_prop_index(m, "active");

	if (dis >= 0 && it->v[dis].i)
		sb_putc(out, 'X');
	if (it->dynamic)
		sb_putc(out, 'D');
	if (it->invalid)
		sb_putc(out, 'I');
	if (act >= 0 && m->props[act].type == CONF_T_BOOL && it->v[act].i)
		sb_putc(out, 'A');
	if (tmpl >= 0 && it->v[tmpl].i)
		sb_putc(out, 'T');
	if (it->builtin && !(m->flags & CONF_MF_SINGLETON))
		sb_putc(out, '*');
}

void conf_item_terse(const struct conf_item *it, size_t index, bool sensitive, struct strbuf *out)
{
	struct strbuf v = STRBUF_INIT;

	sb_puts(out, "flags=");
	item_flags(it, &v);
	conf_quote(sb_str(&v), out);
	sb_printf(out, " .id=*%X .nr=%zu", it->id, index);
	for (size_t p = 0; p < it->menu->nprops; p++) {
		const struct conf_prop *prop = &it->menu->props[p];

		if ((prop->flags & CONF_F_LEGACY) && !conf_is_set(it, (int)p))
			continue;
		sb_reset(&v);
		if ((prop->flags & CONF_F_SECRET) && !sensitive) {
			if (it->v[p].s && *it->v[p].s)
				sb_puts(&v, "*****");
		} else {
			conf_val_format(prop, &it->v[p], &v);
		}
		sb_printf(out, " %s=", prop->name);
		conf_quote(sb_str(&v), out);
	}
	sb_clear_free(&v);
}

static void export_menu(const struct conf *c, const struct conf_menu *m, bool sensitive, FILE *out)
{
	struct strbuf lines = STRBUF_INIT, args = STRBUF_INIT;

	for (size_t i = 0; i < conf_count(c, m->id); i++) {
		const struct conf_item *it = conf_item_at(c, m->id, i);

		if (it->dynamic)
			continue;
		sb_reset(&args);
		conf_item_args(it, sensitive, &args);
		if (it->builtin && args.len == 0)
			continue;
		if (m->flags & CONF_MF_SINGLETON)
			sb_printf(&lines, "set%s\n", sb_str(&args));
		else if (it->builtin)
			sb_printf(&lines, "set [ find default=yes ]%s\n", sb_str(&args));
		else
			sb_printf(&lines, "%s%s\n", (m->flags & CONF_MF_IMPORT) ? "import" : "add",
				  sb_str(&args));
	}
	if (lines.len)
		fprintf(out, "/%s\n%s", m->path, sb_str(&lines));
	sb_clear_free(&lines);
	sb_clear_free(&args);
}

void conf_export_menu(const struct conf *c, const struct conf_menu *only, FILE *out, unsigned flags)
{
	bool sensitive = flags & CONF_EXPORT_SENSITIVE;

	fprintf(out, "# ipsecd configuration export%s\n",
		sensitive ? "" : " (secrets hidden: export show-sensitive to include them)");
	for (int m = 0; m < CONF_M_COUNT; m++) {
		const struct conf_menu *menu = &conf_menus[m];

		if ((menu->flags & CONF_MF_RUNTIME) || (only && only != menu))
			continue;
		export_menu(c, menu, sensitive, out);
	}
}

void conf_export(const struct conf *c, FILE *out, unsigned flags)
{
	conf_export_menu(c, NULL, out, flags);
}

int conf_format_val(const struct conf_item *it, int prop, char *buf, size_t len)
{
	struct strbuf v = STRBUF_INIT;

	conf_val_format(&it->menu->props[prop], &it->v[prop], &v);
	int n = snprintf(buf, len, "%s", sb_str(&v));

	sb_clear_free(&v);
	return n;
}

/* An item's identity for diffs: its name, or for unnamed menus its whole content. */
static char *diff_key(const struct conf_item *it)
{
	struct strbuf k = STRBUF_INIT;
	const struct conf_menu *m = it->menu;

	if (m->name_prop >= 0 && it->v[m->name_prop].s) {
		sb_printf(&k, "n:%s", it->v[m->name_prop].s);
		return sb_take(&k);
	}
	sb_printf(&k, "c:%u:", it->builtin);
	conf_item_args(it, true, &k);
	return sb_take(&k);
}

bool conf_item_same(const struct conf_item *a, const struct conf_item *b)
{
	for (size_t p = 0; p < a->menu->nprops; p++)
		if (!(a->menu->props[p].flags & CONF_F_RO) &&
		    !conf_val_equal(&a->menu->props[p], &a->v[p], &b->v[p]))
			return false;
	return true;
}

/* a and b of one lineage (b a clone of a, changed): items are matched by id, in one pass
 * each, without formatting them. */
static size_t diff_menu_ids(const struct conf *a, const struct conf *b, enum conf_menu_id m,
			    const struct conf_item **by_id, uint32_t nid, conf_diff_fn fn,
			    void *arg)
{
	size_t na = conf_count(a, m), nb = conf_count(b, m), diffs = 0;

	for (size_t i = 0; i < na; i++) {
		const struct conf_item *o = conf_item_at(a, m, i);

		if (o->id < nid)
			by_id[o->id] = o;
	}
	for (size_t i = 0; i < nb; i++) {
		const struct conf_item *n = conf_item_at(b, m, i);
		const struct conf_item *o = n->id < nid ? by_id[n->id] : NULL;

		if (o && o->menu == n->menu) {
			by_id[n->id] = NULL; /* seen */
			if (!conf_item_same(o, n) && ++diffs && fn)
				fn(CONF_CHANGED, o, n, arg);
		} else if (++diffs && fn) {
			fn(CONF_ADDED, NULL, n, arg);
		}
	}
	for (size_t i = 0; i < na; i++) {
		const struct conf_item *o = conf_item_at(a, m, i);

		if (o->id < nid && by_id[o->id] == o) {
			by_id[o->id] = NULL;
			if (++diffs && fn)
				fn(CONF_REMOVED, o, NULL, arg);
		}
	}
	return diffs;
}

static size_t diff_menu(const struct conf *a, const struct conf *b, enum conf_menu_id m,
			conf_diff_fn fn, void *arg)
{
	struct hash old = HASH_INIT, seen = HASH_INIT;
	size_t na = conf_count(a, m), nb = conf_count(b, m), diffs = 0;
	char **ka = xcalloc(na + 1, sizeof(*ka)), **kb = xcalloc(nb + 1, sizeof(*kb));

	for (size_t i = 0; i < na; i++) {
		ka[i] = diff_key(conf_item_at(a, m, i));
		hash_put(&old, ka[i], conf_item_at(a, m, i));
	}
	for (size_t i = 0; i < nb; i++) {
		const struct conf_item *n = conf_item_at(b, m, i);
		const struct conf_item *o;

		kb[i] = diff_key(n);
		o = hash_get(&old, kb[i]);
		if (o && !hash_get(&seen, kb[i])) {
			hash_put(&seen, kb[i], (void *)n);
			if (!conf_item_same(o, n) && ++diffs && fn)
				fn(CONF_CHANGED, o, n, arg);
			continue;
		}
		if (++diffs && fn)
			fn(CONF_ADDED, NULL, n, arg);
	}
	for (size_t i = 0; i < na; i++) {
		if (hash_get(&seen, ka[i]))
			continue;
		if (++diffs && fn)
			fn(CONF_REMOVED, conf_item_at(a, m, i), NULL, arg);
	}
	for (size_t i = 0; i < na; i++)
		free(ka[i]);
	for (size_t i = 0; i < nb; i++)
		free(kb[i]);
	free(ka);
	free(kb);
	hash_free(&old);
	hash_free(&seen);
	return diffs;
}

size_t conf_diff(const struct conf *a, const struct conf *b, conf_diff_fn fn, void *arg)
{
	size_t diffs = 0;
	/* ids run from 1 to next_id */
	uint32_t nid = (a->next_id > b->next_id ? a->next_id : b->next_id) + 1;
	const struct conf_item **by_id =
		a->lineage == b->lineage ? xcalloc(nid, sizeof(*by_id)) : NULL;

	for (int m = 0; m < CONF_M_COUNT; m++) {
		if (conf_menus[m].flags & CONF_MF_RUNTIME)
			continue;
		diffs += by_id ? diff_menu_ids(a, b, (enum conf_menu_id)m, by_id, nid, fn, arg)
			       : diff_menu(a, b, (enum conf_menu_id)m, fn, arg);
	}
	free(by_id);
	return diffs;
}
