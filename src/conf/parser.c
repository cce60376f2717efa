/* parser: runs the commands of a script or a control request against the model.
 * Menu paths, verbs (add, set, remove, enable, disable, import), item selectors and
 * property arguments; every problem is reported where it was written. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define ERR(px, t, col, ...)                                                                       \
	conf_diag_add((px)->ds, CONF_ERROR, (px)->file, (t)->line, (col), __VA_ARGS__)
#define WARN(px, t, col, ...)                                                                      \
	conf_diag_add((px)->ds, CONF_WARNING, (px)->file, (t)->line, (col), __VA_ARGS__)

/* The verbs a file may use (the table's, less the runtime ones), for "did you mean". */
static const char *const *config_verbs(void)
{
	static const char *names[16];
	size_t k = 0;

	for (const struct conf_verb *v = conf_verbs; !names[0] && v->name && k < 15; v++)
		if (!(v->flags & CONF_VF_RUNTIME))
			names[k++] = v->name;
	return names;
}

void conf_loc_note(struct conf_locmap *lm, uint32_t id, int prop, unsigned line, unsigned col)
{
	if (lm->n == lm->cap) {
		lm->cap = lm->cap ? lm->cap * 2 : 256;
		lm->e = xrealloc(lm->e, lm->cap * sizeof(*lm->e));
	}
	lm->e[lm->n++] = (struct conf_loc_ent){id, (int16_t)prop, line, (uint16_t)col};
}

struct conf_loc conf_loc_find(const struct conf_locmap *lm, const struct conf_item *it, int prop)
{
	struct conf_loc loc = {lm ? lm->file : "-", it->line, 1};
	bool found_item = false;

	/* Newest first: a later `set` wins over the `add`. */
	for (size_t i = lm ? lm->n : 0; i-- > 0;) {
		const struct conf_loc_ent *e = &lm->e[i];

		if (e->id != it->id)
			continue;
		if (e->prop == prop && prop >= 0)
			return (struct conf_loc){lm->file, e->line, e->col};
		if (e->prop < 0 && !found_item) {
			loc.line = e->line;
			loc.col = e->col;
			found_item = true;
		}
	}
	return loc;
}

bool conf_loc_noted(const struct conf_locmap *lm, const struct conf_item *it, int prop)
{
	for (size_t i = 0; lm && i < lm->n; i++)
		if (lm->e[i].id == it->id && lm->e[i].prop == prop)
			return true;
	return false;
}

static bool is_verb(const char *w)
{
	return conf_verb_by_name(w) != NULL;
}

static bool plain_word(const struct conf_tok *t)
{
	return t->kind == TOK_WORD && !t->key && !t->quoted;
}

/* Consumes menu words after base; returns how many words made the longest known path
 * (menu or prefix) and sets *menu and *path accordingly. */
static size_t walk_path(const char *base, struct conf_tok *t, size_t n,
			const struct conf_menu **menu, struct strbuf *path)
{
	struct strbuf p = STRBUF_INIT;
	size_t used = 0;

	sb_puts(&p, base);
	*menu = NULL;
	sb_reset(path);
	sb_puts(path, base);
	for (size_t i = 0; i < n && plain_word(&t[i]); i++) {
		const char *w = t[i].val;

		if (i == 0 && w[0] == '/')
			w++;
		if (!*w)
			continue;
		if (p.len)
			sb_putc(&p, ' ');
		sb_puts(&p, w);
		if (!conf_menu_prefix(sb_str(&p)))
			break;
		used = i + 1;
		sb_reset(path);
		sb_puts(path, sb_str(&p));
		*menu = conf_menu_by_path(sb_str(&p));
	}
	if (n > 0 && plain_word(&t[0]) && !strcmp(t[0].val, "/") && used == 0)
		used = 1; /* a lone "/" */
	sb_free(&p);
	return used;
}

/* Resolves the menu of a command. Returns the index of the verb token, or -1 on error. */
static long resolve_menu(struct conf_parse_ctx *px, struct conf_tok *t, size_t n,
			 const struct conf_menu **menu, bool *is_context)
{
	struct strbuf path = STRBUF_INIT;
	size_t used = 0;

	*is_context = false;
	if (plain_word(&t[0]) && t[0].val[0] == '/') {
		used = walk_path("", t, n, menu, &path);
		if (used == 0 || (used < n && plain_word(&t[used]) && !is_verb(t[used].val))) {
			size_t bad = used < n ? used : 0;

			ERR(px, &t[bad], t[bad].col, "unknown menu \"%s\"", t[bad].val);
			sb_free(&path);
			return -1;
		}
		if (used == n) {
			*is_context = true;
			free((char *)px->menu_prefix);
			px->menu_prefix = sb_take(&path);
			px->menu = *menu;
		}
		sb_free(&path);
		return (long)used;
	}
	*menu = px->menu;
	if (plain_word(&t[0]) && is_verb(t[0].val)) {
		sb_free(&path);
		return 0;
	}
	const char *bases[3] = {px->menu_prefix ? px->menu_prefix : "ip ipsec", "ip ipsec", ""};

	for (int b = 0; b < 3; b++) {
		used = walk_path(bases[b], t, n, menu, &path);
		if (used && *menu)
			break;
	}
	sb_free(&path);
	if (!used || !*menu) {
		const char *s = conf_suggest(t[0].val, config_verbs());

		ERR(px, &t[0], t[0].col, "unknown command or menu \"%s\"%s%s%s", t[0].val,
		    s ? " (did you mean " : "", s ? s : "", s ? "?)" : "");
		return -1;
	}
	return (long)used;
}

bool conf_item_matches(const struct conf_item *it, const char *prop, const char *val)
{
	const struct conf_menu *m = it->menu;

	if (!strcmp(prop, "default"))
		return (it->builtin != 0) == !strcmp(val, "yes");
	if (!strcmp(prop, "dynamic"))
		return (it->dynamic != 0) == !strcmp(val, "yes");
	if (!strcmp(prop, "invalid"))
		return (it->invalid != 0) == !strcmp(val, "yes");
	int p = conf_prop_index(m, prop);

	if (p < 0)
		return false;
	union conf_val v;
	struct strbuf why = STRBUF_INIT;
	bool eq = false;

	if (conf_val_parse(&m->props[p], val, &v, &why) == 0) {
		eq = conf_val_equal(&m->props[p], &it->v[p], &v);
		conf_val_free(&m->props[p], &v);
	}
	sb_free(&why);
	return eq;
}

static bool known_find_prop(const struct conf_menu *m, const char *k)
{
	return !strcmp(k, "default") || !strcmp(k, "dynamic") || !strcmp(k, "invalid") ||
	       conf_prop_index(m, k) >= 0;
}

/* [ find ] | [ find PROP=V ... ] | [ find where PROP=V ... ] */
static int select_find(struct conf_parse_ctx *px, const struct conf_menu *m, struct conf_tok *t,
		       size_t n, size_t *used, struct conf_item ***out, size_t *count)
{
	size_t i = 1, close;

	for (close = 1; close < n && t[close].kind != TOK_RBRACK; close++)
		;
	if (close == n) {
		ERR(px, &t[0], t[0].col, "'[' without a matching ']'");
		return -EINVAL;
	}
	*used = close + 1;
	if (i >= close || !plain_word(&t[i]) || strcmp(t[i].val, "find")) {
		ERR(px, &t[0], t[0].col, "only [ find ... ] selectors are supported");
		return -EINVAL;
	}
	i++;
	if (i < close && plain_word(&t[i]) && !strcmp(t[i].val, "where"))
		i++;
	for (size_t k = i; k < close; k++) {
		if (!t[k].key) {
			ERR(px, &t[k], t[k].col,
			    "unsupported find condition \"%s\": only PROP=VALUE conditions",
			    t[k].val);
			return -EINVAL;
		}
		if (!known_find_prop(m, t[k].key)) {
			const char *s = conf_suggest_prop(m, t[k].key);

			ERR(px, &t[k], t[k].col, "%s has no property \"%s\"%s%s%s", m->path,
			    t[k].key, s ? " (did you mean " : "", s ? s : "", s ? "?)" : "");
			return -EINVAL;
		}
	}
	size_t total = conf_count(px->c, m->id);

	*out = xcalloc(total + 1, sizeof(**out));
	*count = 0;
	for (size_t j = 0; j < total; j++) {
		struct conf_item *it = conf_item_at(px->c, m->id, j);
		bool ok = true;

		for (size_t k = i; k < close && ok; k++)
			ok = conf_item_matches(it, t[k].key, t[k].val);
		if (ok)
			(*out)[(*count)++] = it;
	}
	return 0;
}

static struct conf_item *select_one(struct conf_parse_ctx *px, const struct conf_menu *m,
				    const char *w)
{
	char *end;
	unsigned long v;

	if (w[0] == '*') {
		v = strtoul(w + 1, &end, 16);
		for (size_t j = 0; !*end && j < conf_count(px->c, m->id); j++)
			if (conf_item_at(px->c, m->id, j)->id == v)
				return conf_item_at(px->c, m->id, j);
		return NULL;
	}
	if (m->name_prop >= 0) {
		struct conf_item *it = conf_find(px->c, m->id, w);

		if (it)
			return it;
	}
	v = strtoul(w, &end, 10);
	if (*w && !*end)
		return conf_item_at(px->c, m->id, v);
	return NULL;
}

struct conf_item **conf_select(struct conf_parse_ctx *px, const struct conf_menu *m,
			       struct conf_tok *t, size_t n, size_t *used, size_t *count)
{
	struct conf_item **out = NULL;

	*count = 0;
	*used = 0;
	if (n == 0 || t[0].key) {
		ERR(px, n ? &t[0] : &(struct conf_tok){.line = 0}, n ? t[0].col : 1,
		    "which item? give a name, a number or [ find ... ]");
		return NULL;
	}
	if (t[0].kind == TOK_LBRACK)
		return select_find(px, m, t, n, used, &out, count) < 0 ? (free(out), NULL) : out;
	*used = 1;
	char *list = xstrdup(t[0].val);

	out = xcalloc(1 + strlen(list) / 2 + 1, sizeof(*out));
	for (char *save, *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		struct conf_item *it = select_one(px, m, w);

		if (!it) {
			ERR(px, &t[0], t[0].col, "%s has no item \"%s\"", m->path, w);
			free(out);
			free(list);
			return NULL;
		}
		out[(*count)++] = it;
	}
	free(list);
	return out;
}

static void warn_weak(struct conf_parse_ctx *px, const struct conf_prop *p, const union conf_val *v,
		      const struct conf_tok *t)
{
	for (size_t w = 0; p->weak && p->weak[w]; w++) {
		bool used = false;

		if (p->type == CONF_T_ENUM)
			used = !strcmp(p->choices[v->i], p->weak[w]);
		for (uint32_t k = 0; p->type == CONF_T_ENUMS && v->list && k < v->list->n; k++)
			used |= !strcmp(p->choices[v->list->v[k]], p->weak[w]);
		if (used)
			WARN(px, t, t->vcol, "%s=%s is weak and kept only for old peers", p->name,
			     p->weak[w]);
	}
}

/* Parses one key=value argument into *v. Returns the property index or -1. */
/* A property by its name or, as RouterOS allows, by an unambiguous prefix of it. */
static int prop_lookup(const struct conf_menu *m, const char *key)
{
	int p = conf_prop_index(m, key), found = -1;
	size_t n = strlen(key);

	if (p >= 0)
		return p;
	for (size_t i = 0; i < m->nprops; i++) {
		if (strncmp(m->props[i].name, key, n) || (m->props[i].flags & CONF_F_RO))
			continue;
		if (found >= 0)
			return -1;
		found = (int)i;
	}
	return found;
}

static int parse_arg(struct conf_parse_ctx *px, const struct conf_menu *m, const struct conf_tok *t,
		     union conf_val *v)
{
	int p = prop_lookup(m, t->key);
	struct strbuf why = STRBUF_INIT;

	if (p < 0) {
		const char *s = conf_suggest_prop(m, t->key);

		ERR(px, t, t->col, "%s has no property \"%s\"%s%s%s", m->path, t->key,
		    s ? " (did you mean " : "", s ? s : "", s ? "?)" : "");
		return -1;
	}
	const struct conf_prop *prop = &m->props[p];

	if (prop->flags & CONF_F_RO) {
		ERR(px, t, t->col, "%s is read-only", m->props[p].name);
		return -1;
	}
	char *aliased = conf_apply_aliases(prop, t->val);

	if (conf_val_parse(prop, aliased ? aliased : t->val, v, &why) < 0) {
		ERR(px, t, t->vcol, "%s: %s", prop->name, sb_str(&why));
		free(aliased);
		sb_free(&why);
		return -1;
	}
	if (aliased)
		WARN(px, t, t->vcol, "%s=%s is an old name; read as %s", t->key, t->val, aliased);
	free(aliased);
	sb_free(&why);
	if (prop->flags & CONF_F_WEAK)
		warn_weak(px, prop, v, t);
	return p;
}

/* The name must stay unique within its menu. */
static bool name_taken(struct conf_parse_ctx *px, struct conf_item *it, const union conf_val *v,
		       const struct conf_tok *t)
{
	struct conf_item *other = conf_find(px->c, it->menu->id, v->s);

	if (other && other != it) {
		ERR(px, t, t->vcol, "%s \"%s\" already exists", it->menu->path, v->s);
		return true;
	}
	return false;
}

/* Applies key=value arguments to an item. Returns the number of errors. */
static int apply_args(struct conf_parse_ctx *px, struct conf_item *it, struct conf_tok *t, size_t n,
		      const char *const *extra)
{
	const struct conf_menu *m = it->menu;
	int errors = 0;

	for (size_t i = 0; i < n; i++) {
		union conf_val v;
		int p;
		bool skip = false;

		for (size_t e = 0; extra && extra[e] && t[i].key; e++)
			skip |= !strcmp(extra[e], t[i].key);
		if (skip)
			continue;
		if (!t[i].key) {
			ERR(px, &t[i], t[i].col, "expected PROPERTY=VALUE, found \"%s\"", t[i].val);
			errors++;
			continue;
		}
		if ((p = parse_arg(px, m, &t[i], &v)) < 0) {
			errors++;
			continue;
		}
		if (p == m->name_prop && name_taken(px, it, &v, &t[i])) {
			conf_val_free(&m->props[p], &v);
			errors++;
			continue;
		}
		conf_item_set(px->c, it, p, &v);
		conf_loc_note(&px->locs, it->id, p, t[i].line, t[i].col);
	}
	return errors;
}

static void check_required(struct conf_parse_ctx *px, struct conf_item *it,
			   const struct conf_tok *verb)
{
	for (size_t p = 0; p < it->menu->nprops; p++) {
		const struct conf_prop *prop = &it->menu->props[p];

		bool text = prop->type == CONF_T_REF || prop->type == CONF_T_STR ||
			    prop->type == CONF_T_FILE || prop->type == CONF_T_NAME;

		if (!(prop->flags & CONF_F_REQUIRED))
			continue;
		if (!conf_is_set(it, (int)p))
			ERR(px, verb, verb->col, "%s add: %s= is required", it->menu->path,
			    prop->name);
		else if (text && !*conf_str(it, (int)p))
			ERR(px, verb, verb->col, "%s add: %s= cannot be empty", it->menu->path,
			    prop->name);
	}
}

/* An item of a named menu added without a name: peers get peer1, peer2, ... and imported
 * files their file's base name, as RouterOS does; elsewhere the name is required. */
static void auto_name(struct conf_parse_ctx *px, struct conf_item *it, const struct conf_tok *verb)
{
	const struct conf_menu *m = it->menu;
	int file = conf_prop_index(m, "file-name");
	char name[32];
	union conf_val v = {0};

	if (m->name_prop < 0 || conf_is_set(it, m->name_prop))
		return;
	if (m->id == CONF_M_PEER) {
		for (unsigned k = 1;; k++) {
			snprintf(name, sizeof(name), "peer%u", k);
			if (!conf_find(px->c, m->id, name))
				break;
		}
		v.s = xstrdup(name);
	} else if ((m->flags & CONF_MF_IMPORT) && file >= 0 && conf_str(it, file)) {
		const char *slash = strrchr(conf_str(it, file), '/');

		v.s = xstrdup(slash ? slash + 1 : conf_str(it, file));
	}
	if (!v.s || !*v.s || conf_find(px->c, m->id, v.s)) {
		ERR(px, verb, verb->col, "%s %s: name= is required%s", m->path, verb->val,
		    v.s && *v.s ? " (the file's name is taken)" : "");
		free(v.s);
		return;
	}
	conf_item_set(px->c, it, m->name_prop, &v);
}

static size_t place_before(struct conf_parse_ctx *px, const struct conf_menu *m, struct conf_tok *t,
			   size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!t[i].key || strcmp(t[i].key, "place-before"))
			continue;
		if (!(m->flags & CONF_MF_ORDERED)) {
			ERR(px, &t[i], t[i].col, "place-before is only for ordered menus (policy)");
			return (size_t)-1;
		}
		struct conf_item *at = select_one(px, m, t[i].val);

		if (!at) {
			ERR(px, &t[i], t[i].vcol, "place-before: %s has no item \"%s\"", m->path,
			    t[i].val);
			return (size_t)-1;
		}
		return conf_item_index(px->c, at);
	}
	return conf_count(px->c, m->id);
}

static void cmd_add(struct conf_parse_ctx *px, const struct conf_menu *m, struct conf_tok *verb,
		    struct conf_tok *t, size_t n)
{
	static const char *const extra[] = {"place-before", NULL};
	size_t errors0 = px->ds->nerrors;

	if (m->flags & CONF_MF_SINGLETON) {
		ERR(px, verb, verb->col, "%s has a single entry: use set", m->path);
		return;
	}
	size_t pos = place_before(px, m, t, n);

	if (pos == (size_t)-1)
		return;
	struct conf_item *it = conf_item_new(px->c, m);

	it->line = verb->line;
	conf_loc_note(&px->locs, it->id, -1, verb->line, verb->col);
	apply_args(px, it, t, n, extra);
	check_required(px, it, verb);
	/* An item with bad arguments is still added, so that the checks across items report
	 * their problems too; the model is discarded anyway. Not so without a usable name. */
	auto_name(px, it, verb);
	if (px->ds->nerrors != errors0 && m->name_prop >= 0 && !conf_is_set(it, m->name_prop)) {
		conf_item_free(it);
		return;
	}
	conf_insert(px->c, it, pos);
	if (m->id == CONF_M_PEER)
		conf_v6_convert_peer(px->c, it, &(struct conf_loc){px->file, verb->line, verb->col},
				     px->ds);
	px->changed = true;
}

/* set/remove/enable/disable on selected items. */
static void cmd_change(struct conf_parse_ctx *px, const struct conf_menu *m, struct conf_tok *verb,
		       struct conf_tok *t, size_t n)
{
	struct conf_item **sel;
	size_t used = 0, count = 0, errors0 = px->ds->nerrors;
	int dis = conf_prop_index(m, "disabled");

	if ((m->flags & CONF_MF_SINGLETON) && !strcmp(verb->val, "set")) {
		sel = xcalloc(1, sizeof(*sel));
		sel[0] = conf_item_at(px->c, m->id, 0);
		count = 1;
	} else if (!(sel = conf_select(px, m, t, n, &used, &count))) {
		return;
	}
	t += used;
	n -= used;
	if (count == 0)
		WARN(px, verb, verb->col, "%s %s: the selector matches no item", m->path,
		     verb->val);
	if (strcmp(verb->val, "set") && n > 0)
		ERR(px, &t[0], t[0].col, "%s takes no arguments after the item", verb->val);
	for (size_t i = 0; i < count && px->ds->nerrors == errors0; i++) {
		struct conf_item *it = sel[i];

		if (!strcmp(verb->val, "set")) {
			apply_args(px, it, t, n, NULL);
			if (m->id == CONF_M_PEER)
				conf_v6_convert_peer(
					px->c, it,
					&(struct conf_loc){px->file, verb->line, verb->col},
					px->ds);
		} else if (!strcmp(verb->val, "remove")) {
			if (it->builtin) {
				ERR(px, verb, verb->col,
				    "%s: a built-in entry cannot be removed (it can be set)",
				    m->path);
				break;
			}
			conf_remove_item(px->c, it);
		} else if (dis < 0) {
			ERR(px, verb, verb->col, "%s items cannot be %sd", m->path, verb->val);
			break;
		} else {
			union conf_val v = {.i = !strcmp(verb->val, "disable")};

			conf_item_set(px->c, it, dis, &v);
		}
	}
	free(sel);
	px->changed = true;
}

/* /certificate import, /ip ipsec key import: the item records the file it came from. */
static void cmd_import(struct conf_parse_ctx *px, const struct conf_menu *m, struct conf_tok *verb,
		       struct conf_tok *t, size_t n)
{
	if (!(m->flags & CONF_MF_IMPORT)) {
		ERR(px, verb, verb->col, "%s has no import command", m->path);
		return;
	}
	cmd_add(px, m, verb, t, n);
}

int conf_run_line(struct conf_parse_ctx *px, struct conf_tok *t, size_t n)
{
	const struct conf_menu *m;
	bool is_context;
	long v = resolve_menu(px, t, n, &m, &is_context);

	if (v < 0 || is_context)
		return v < 0 ? -EINVAL : 0;
	if ((size_t)v == n) {
		/* relative menu words alone: enter that menu */
		px->menu = m;
		free((char *)px->menu_prefix);
		px->menu_prefix = m ? xstrdup(m->path) : NULL;
		return 0;
	}
	struct conf_tok *verb = &t[v];
	size_t nargs = n - (size_t)v - 1;

	if (!plain_word(verb)) {
		ERR(px, verb, verb->col, "expected a command (add, set, remove, ...)");
		return -EINVAL;
	}
	if (!m && strcmp(verb->val, "export") && strcmp(verb->val, "print")) {
		ERR(px, verb, verb->col, "%s needs a menu (e.g. /ip ipsec peer %s)", verb->val,
		    verb->val);
		return -EINVAL;
	}
	if (conf_verb_is_runtime(verb->val) || (m && (m->flags & CONF_MF_RUNTIME))) {
		if (px->origin == CONF_FROM_FILE) {
			ERR(px, verb, verb->col,
			    "\"%s\" is a runtime command: it is accepted only from ipsecctl",
			    verb->val);
			return -EINVAL;
		}
		conf_run_runtime(px, m, verb->val, verb + 1, nargs);
		return 0;
	}
	if (px->probe) {
		px->wants_change = true;
		return 0;
	}
	if (px->origin == CONF_FROM_CTL && !(px->ctl_flags & CONF_CTL_ROOT)) {
		ERR(px, verb, verb->col, "changing the configuration needs root");
		px->status = -EPERM;
		return -EPERM;
	}
	if (!strcmp(verb->val, "add"))
		cmd_add(px, m, verb, verb + 1, nargs);
	else if (!strcmp(verb->val, "import"))
		cmd_import(px, m, verb, verb + 1, nargs);
	else if (is_verb(verb->val))
		cmd_change(px, m, verb, verb + 1, nargs);
	else {
		const char *s = conf_suggest(verb->val, config_verbs());

		ERR(px, verb, verb->col,
		    "unknown command \"%s\"%s%s%s; valid: add, set, remove, "
		    "enable, disable, import, print, export",
		    verb->val, s ? " (did you mean " : "", s ? s : "", s ? "?)" : "");
	}
	return 0;
}

int conf_load_buf(struct conf *c, const char *file, const char *buf, size_t len,
		  enum conf_origin origin, struct conf_diags *ds)
{
	struct conf_parse_ctx px = {
		.c = c, .file = file, .origin = origin, .ds = ds, .ctl_flags = CONF_CTL_ROOT};
	struct conf_lexer lx;
	struct conf_tok *toks;
	int n;

	px.locs.file = file;
	conf_lex_init(&lx, file, buf, len, ds);
	while ((n = conf_lex_next(&lx, &toks)) >= 0)
		if (n > 0)
			conf_run_line(&px, toks, (size_t)n);
	conf_lex_free(&lx);
	conf_v6_convert_policies(c, ds);
	conf_validate_at(c, ds, &px.locs);
	free((char *)px.menu_prefix);
	free(px.locs.e);
	return ds->nerrors ? -EINVAL : 0;
}

static const char *file_kind(mode_t mode)
{
	return S_ISFIFO(mode)	? "a FIFO"
	       : S_ISCHR(mode)	? "a character device"
	       : S_ISBLK(mode)	? "a block device"
	       : S_ISDIR(mode)	? "a directory"
	       : S_ISSOCK(mode) ? "a socket"
				: "an unknown kind of file";
}

static void *read_fail(const char *path, struct conf_diags *ds, struct strbuf *b, int fd,
		       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void *read_fail(const char *path, struct conf_diags *ds, struct strbuf *b, int fd,
		       const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	conf_diag_add(ds, CONF_ERROR, path, 0, 0, "cannot read: %s", why);
	if (fd >= 0)
		close(fd);
	sb_free(b);
	return NULL;
}

/* The whole file, if it is a regular one of at most CONF_FILE_MAX bytes. O_NONBLOCK: a
 * FIFO must be refused, not waited on at open() (a reload runs on the loop). Reading
 * stops past the limit, so a file that grows meanwhile is refused too. */
static char *read_file(const char *path, size_t *len, struct conf_diags *ds)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	struct strbuf b = STRBUF_INIT;
	char chunk[8192];
	ssize_t r = 0;

	if (fd < 0 || fstat(fd, &st) < 0)
		return read_fail(path, ds, &b, fd, "%s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return read_fail(path, ds, &b, fd, "not a regular file (%s)",
				 file_kind(st.st_mode));
	if (st.st_size > CONF_FILE_MAX)
		return read_fail(path, ds, &b, fd,
				 "%lld bytes, larger than the %d MiB a "
				 "configuration file may hold",
				 (long long)st.st_size, CONF_FILE_MAX >> 20);
	while ((r = read(fd, chunk, sizeof(chunk))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return read_fail(path, ds, &b, fd, "%s", strerror(errno));
		sb_add(&b, chunk, (size_t)r);
		if (b.len > CONF_FILE_MAX)
			return read_fail(path, ds, &b, fd,
					 "it grew past the %d MiB a "
					 "configuration file may hold while being read",
					 CONF_FILE_MAX >> 20);
	}
	close(fd);
	*len = b.len;
	return sb_take(&b);
}

struct conf *conf_load_file(const char *path, struct conf_diags *ds)
{
	size_t len = 0;
	char *buf = read_file(path, &len, ds);

	if (!buf)
		return NULL;
	struct conf *c = conf_new();
	int r = conf_load_buf(c, path, buf, len, CONF_FROM_FILE, ds);

	free(buf);
	if (r < 0) {
		conf_free(c);
		return NULL;
	}
	return c;
}
