/* complete: what may come next on a command line, read from the menu and verb tables
 * (menus.c): menu words, verbs, property names, enum values. The one engine behind
 * ipsecctl's console and its bash completion (ipsecctl --complete); also where a line's
 * leading menu words lead (conf_cmd_path), which the console navigates by. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/conf.h"
#include "ipsecd/strbuf.h"

void conf_cands_add(struct conf_cands *c, const char *s)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 32;
		c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	c->v[c->n++] = xstrdup(s);
}

void conf_cands_free(struct conf_cands *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i]);
	free(c->v);
	*c = (struct conf_cands){0};
}

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* Adds pre+word+post when it begins with cur. */
static void offer(struct conf_cands *out, const char *cur, const char *pre, const char *word,
		  const char *post)
{
	struct strbuf b = STRBUF_INIT;

	sb_printf(&b, "%s%s%s", pre, word, post);
	if (starts(sb_str(&b), cur))
		conf_cands_add(out, sb_str(&b));
	sb_free(&b);
}

/* path + " " + word, or word at the root. */
static void join_path(struct strbuf *b, const char *path, const char *word)
{
	sb_reset(b);
	sb_printf(b, "%s%s%s", path, *path ? " " : "", word);
}

static void pop_word(struct strbuf *path)
{
	char *sp = strrchr(sb_str(path), ' ');
	size_t keep = sp ? (size_t)(sp - path->s) : 0;

	if (path->len) {
		path->len = keep;
		path->s[keep] = '\0';
	}
}

/* Does path + word name a menu or a prefix of one? */
static bool extends(const char *path, const char *word)
{
	struct strbuf b = STRBUF_INIT;
	bool ok;

	if (!*word || strchr(word, ' ') || strchr(word, '=') || strchr(word, '"'))
		return false;
	join_path(&b, path, word);
	ok = conf_menu_prefix(sb_str(&b));
	sb_free(&b);
	return ok;
}

int conf_cmd_path(const char *base, const char *const *words, size_t n, struct conf_cmd_path *out)
{
	struct strbuf path = STRBUF_INIT;
	size_t i = 0;

	sb_puts(&path, base ? base : "");
	if (n > 0 && words[0][0] == '/') {
		sb_reset(&path);
		if (words[0][1] && !extends("", words[0] + 1)) {
			out->path = sb_take(&path);
			out->menu = NULL;
			out->used = 0;
			return -EINVAL;
		}
		sb_puts(&path, words[0] + 1);
		i = 1;
	} else if (n > 0 && strcmp(words[0], "..") && !extends(sb_str(&path), words[0])) {
		/* As the parser: relative to the current menu, else to /ip ipsec, else to the
		 * root. */
		const char *bases[] = {"ip ipsec", ""};

		for (size_t b = 0; b < 2; b++)
			if (extends(bases[b], words[0])) {
				sb_reset(&path);
				sb_puts(&path, bases[b]);
				break;
			}
	}
	for (; i < n; i++) {
		if (!strcmp(words[i], ".."))
			pop_word(&path);
		else if (extends(sb_str(&path), words[i]))
			sb_printf(&path, "%s%s", path.len ? " " : "", words[i]);
		else
			break;
	}
	out->menu = conf_menu_by_path(sb_str(&path));
	out->path = sb_take(&path);
	if (!out->path)
		out->path = xstrdup("");
	out->used = i;
	return 0;
}

/* The next words under path that lead to menus. */
static void offer_children(struct conf_cands *out, const char *path, const char *cur,
			   const char *pre)
{
	size_t n = strlen(path);

	for (int m = 0; m < CONF_M_COUNT; m++) {
		const char *paths[2] = {conf_menus[m].path, conf_menus[m].alias};

		for (int k = 0; k < 2; k++) {
			const char *p = paths[k], *w, *end;

			if (!p || strncmp(p, path, n) || (n && p[n] != ' '))
				continue;
			w = p + n + (n ? 1 : 0);
			if (!*w)
				continue;
			end = strchr(w, ' ');
			char *word = xstrndup(w, end ? (size_t)(end - w) : strlen(w));

			offer(out, cur, pre, word, "");
			free(word);
		}
	}
}

static void offer_verbs(struct conf_cands *out, const struct conf_menu *m, const char *cur)
{
	for (const struct conf_verb *v = conf_verbs; v->name; v++)
		if (conf_verb_takes(v, m))
			offer(out, cur, "", v->name, "");
}

/* Values of a property, for "key=" + what cur has after it. */
static void offer_values(struct conf_cands *out, const struct conf_prop *p, const char *key,
			 const char *val, conf_names_fn names, void *arg)
{
	static const char *const bools[] = {"yes", "no", NULL};
	const char *const *choices = p->choices;
	struct strbuf pre = STRBUF_INIT;
	const char *last = val;

	sb_printf(&pre, "%s=", key);
	if (p->type == CONF_T_BOOL)
		choices = bools;
	if (p->type == CONF_T_ENUMS && strrchr(val, ',')) {
		last = strrchr(val, ',') + 1;
		sb_add(&pre, val, (size_t)(last - val));
	}
	struct conf_cands words = {0};

	if (p->type == CONF_T_REF && names)
		names(arg, &conf_menus[p->ref], &words);
	for (size_t i = 0; choices && choices[i]; i++)
		conf_cands_add(&words, choices[i]);
	for (size_t i = 0; i < words.n; i++) {
		struct strbuf cand = STRBUF_INIT;

		sb_printf(&cand, "%s%s", sb_str(&pre), words.v[i]);
		if (starts(words.v[i], last))
			conf_cands_add(out, sb_str(&cand));
		sb_free(&cand);
	}
	conf_cands_free(&words);
	sb_free(&pre);
}

/* Was key= (or the bare word) given among args already? */
static bool given(const char *const *args, size_t n, const char *key, bool with_eq)
{
	size_t k = strlen(key);

	for (size_t i = 0; i < n; i++)
		if (!strncmp(args[i], key, k) && args[i][k] == (with_eq ? '=' : '\0'))
			return true;
	return false;
}

/* A menu property a verb may name: writable ones for add/set, any for where/find. */
static bool prop_offered(const struct conf_prop *p, bool any)
{
	if (p->flags & CONF_F_LEGACY)
		return false;
	return any || !(p->flags & CONF_F_RO);
}

static const struct conf_prop *find_arg(const struct conf_verb *v, const struct conf_menu *m,
					const char *key, bool props, bool any)
{
	for (size_t i = 0; v && i < v->nargs; i++)
		if (!strcmp(v->args[i].name, key))
			return &v->args[i];
	if (m && (props || any)) {
		int p = conf_prop_index(m, key);

		if (p >= 0 && prop_offered(&m->props[p], any))
			return &m->props[p];
	}
	return NULL;
}

/* Conditions: inside [ find ... ] and after print's where. */
static void offer_conditions(struct conf_cands *out, const struct conf_menu *m,
			     const char *const *args, size_t n, const char *cur)
{
	static const char *const flags[] = {"default", "dynamic", "invalid", NULL};

	for (size_t p = 0; p < m->nprops; p++)
		if (prop_offered(&m->props[p], true) && !given(args, n, m->props[p].name, true))
			offer(out, cur, "", m->props[p].name, "=");
	for (size_t i = 0; flags[i]; i++)
		offer(out, cur, "", flags[i], "=");
}

struct complete_ctx {
	const struct conf_verb *v;
	const struct conf_menu *m;
	const char *const *args; /* the words after the verb, before cur */
	size_t n;
	const char *cur;
	conf_names_fn names;
	void *arg;
};

/* Inside an open "[ find ...": returns true when it handled cur. */
static bool complete_find(struct conf_cands *out, const struct complete_ctx *c)
{
	size_t open = c->n;

	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->args[i], "["))
			open = i;
		else if (!strcmp(c->args[i], "]"))
			open = c->n;
	if (open == c->n)
		return false;
	if (open + 1 == c->n) {
		offer(out, c->cur, "", "find", "");
		return true;
	}
	if (open + 2 == c->n)
		offer(out, c->cur, "", "where", "");
	offer_conditions(out, c->m, c->args + open + 2, c->n - open - 2, c->cur);
	offer(out, c->cur, "", "]", "");
	return true;
}

static void complete_value(struct conf_cands *out, const struct complete_ctx *c, bool where)
{
	const char *eq = strchr(c->cur, '=');
	char *key = xstrndup(c->cur, (size_t)(eq - c->cur));
	bool props = (c->v->flags & CONF_VF_PROPS) != 0;
	const struct conf_prop *p = find_arg(c->v, c->m, key, props, where);

	if (!p && c->m && (where || (c->v->flags & CONF_VF_SELECT))) /* in [ find ... ] */
		p = find_arg(NULL, c->m, key, false, true);
	if (p)
		offer_values(out, p, key, eq + 1, c->names, c->arg);
	free(key);
}

static void complete_args(struct conf_cands *out, const struct complete_ctx *c)
{
	const struct conf_verb *v = c->v;
	const struct conf_menu *m = c->m;
	bool where = (v->flags & CONF_VF_WHERE) && given(c->args, c->n, "where", false);
	bool select = (v->flags & CONF_VF_SELECT) &&
		      !(m && (m->flags & CONF_MF_SINGLETON) && !strcmp(v->name, "set"));

	if (m && complete_find(out, c))
		return;
	if (strchr(c->cur, '=')) {
		complete_value(out, c, where);
		return;
	}
	if (select && c->n == 0) { /* the items: names, numbers, *IDs or [ find ... ] */
		if (m && m->name_prop >= 0 && c->names) {
			struct conf_cands names = {0};

			c->names(c->arg, m, &names);
			for (size_t i = 0; i < names.n; i++)
				offer(out, c->cur, "", names.v[i], "");
			conf_cands_free(&names);
		}
		offer(out, c->cur, "", "[", "");
		return;
	}
	if (where) {
		offer_conditions(out, m, c->args, c->n, c->cur);
		return;
	}
	for (size_t i = 0; v->words && v->words[i]; i++) {
		const char *w = v->words[i];

		if (!strcmp(w, "stats") && (!m || m->id != CONF_M_POLICY))
			continue; /* print stats: policies only */
		if (!given(c->args, c->n, w, false))
			offer(out, c->cur, "", w, "");
	}
	for (size_t i = 0; i < v->nargs; i++)
		if (!given(c->args, c->n, v->args[i].name, true))
			offer(out, c->cur, "", v->args[i].name, "=");
	if (!(v->flags & CONF_VF_PROPS) || !m)
		return;
	for (size_t p = 0; p < m->nprops; p++)
		if (prop_offered(&m->props[p], false) &&
		    !given(c->args, c->n, m->props[p].name, true))
			offer(out, c->cur, "", m->props[p].name, "=");
	if (!strcmp(v->name, "add") && (m->flags & CONF_MF_ORDERED))
		offer(out, c->cur, "", "place-before", "=");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sort_unique(struct conf_cands *out)
{
	size_t k = 0;

	if (out->n == 0)
		return;
	qsort(out->v, out->n, sizeof(*out->v), cmp_str);
	for (size_t i = 1; i < out->n; i++) {
		if (!strcmp(out->v[i], out->v[k]))
			free(out->v[i]);
		else
			out->v[++k] = out->v[i];
	}
	out->n = k + 1;
}

void conf_complete(const char *base, const char *const *words, size_t n, const char *cur,
		   conf_names_fn names, void *arg, struct conf_cands *out)
{
	struct conf_cmd_path pos;

	if (n == 0 && cur[0] == '/') { /* an absolute path: its first word */
		offer_children(out, "", cur, "/");
		sort_unique(out);
		return;
	}
	conf_cmd_path(base, words, n, &pos);
	if (pos.used == n) {
		offer_children(out, pos.path, cur, "");
		if (n == 0 && !pos.menu) { /* as the parser: relative to /ip ipsec or the root */
			offer_children(out, "ip ipsec", cur, "");
			offer_children(out, "", cur, "");
		}
		offer_verbs(out, pos.menu, cur);
		if (cur[0] == '.' && *pos.path)
			offer(out, cur, "", "..", "");
	} else {
		const struct conf_verb *v = conf_verb_by_name(words[pos.used]);

		if (v && conf_verb_takes(v, pos.menu)) {
			struct complete_ctx c = {.v = v,
						 .m = pos.menu,
						 .args = words + pos.used + 1,
						 .n = n - pos.used - 1,
						 .cur = cur,
						 .names = names,
						 .arg = arg};

			complete_args(out, &c);
		}
	}
	free(pos.path);
	sort_unique(out);
}
