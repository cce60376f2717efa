/* ctl_exec: commands from ipsecctl. print and export read the model; changes are made on
 * the running model in place and recorded (journal.c), then what they touched is
 * validated: a refused command is undone and changes nothing, an accepted one hands the
 * record to the daemon. Runtime menus and verbs are answered by the daemon (conf_runtime). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "internal.h"

bool conf_verb_is_runtime(const char *verb)
{
	const struct conf_verb *v = conf_verb_by_name(verb);

	return v && (v->flags & CONF_VF_RUNTIME);
}

static void refuse(struct conf_parse_ctx *px, int status, const struct conf_tok *at,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void refuse(struct conf_parse_ctx *px, int status, const struct conf_tok *at,
		   const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	conf_diag_add(px->ds, CONF_ERROR, px->file, at ? at->line : 1, at ? at->col : 1, "%s", buf);
	px->status = status;
}

/* Columns a table view shows: the name, then what any printed item has set. */
static void print_columns(struct conf_parse_ctx *px, const struct conf_menu *m,
			  struct conf_item **items, size_t n)
{
	struct strbuf cols = STRBUF_INIT;
	size_t shown = 0;

	if (m->columns) {
		if (px->sink && px->sink->columns)
			px->sink->columns(px->sink->arg, m->columns);
		return;
	}
	if (m->name_prop >= 0) {
		sb_puts(&cols, m->props[m->name_prop].name);
		shown++;
	}
	for (size_t p = 0; p < m->nprops && shown < 8; p++) {
		const struct conf_prop *prop = &m->props[p];
		bool any = false;

		if ((int)p == m->name_prop || !strcmp(prop->name, "disabled") ||
		    !strcmp(prop->name, "comment") || (prop->flags & CONF_F_SECRET))
			continue;
		for (size_t i = 0; i < n && !any; i++)
			any = conf_is_set(items[i], (int)p);
		if (!any && !(m->flags & CONF_MF_SINGLETON))
			continue;
		sb_printf(&cols, "%s%s", cols.len ? " " : "", prop->name);
		shown++;
	}
	if (px->sink && px->sink->columns)
		px->sink->columns(px->sink->arg, sb_str(&cols));
	sb_free(&cols);
}

/* Stats columns: what Linux can count per policy (the man page says which it cannot). */
static const char stats_columns[] = "src-address dst-address ph2-state in-transformed "
				    "out-transformed";

/* The model print reads: the configuration, or for a runtime menu a scratch model the
 * daemon fills. NULL (and px refused) when the data is not available. */
static struct conf *print_source(struct conf_parse_ctx *px, const struct conf_menu *m,
				 const struct conf_tok *at)
{
	if (!(m->flags & CONF_MF_RUNTIME))
		return px->c;
	if (!px->rt || !px->rt->fill) {
		refuse(px, -ENOTSUP, at,
		       "%s print: not available: this data comes from the IKE engines and the "
		       "kernel interface, which this process does not run",
		       m->path);
		return NULL;
	}
	struct conf *scratch = conf_new();
	int r = px->rt->fill(px->rt->arg, m->id, scratch, px->ctl_flags, px->ds);

	if (r < 0) {
		px->status = r;
		conf_free(scratch);
		return NULL;
	}
	return scratch;
}

/* The dynamic entries of a configured menu (policy: those generated for CHILD SAs), which
 * print shows after the configured ones, numbered on from them, with flag D; export and
 * changes never see them. NULL when there are none. */
static struct conf *dynamic_source(struct conf_parse_ctx *px, const struct conf_menu *m,
				   const struct conf *src)
{
	uint32_t next_id = 0;

	if (src != px->c || !px->rt || !px->rt->dynamic)
		return NULL;
	struct conf *dyn = conf_new();

	/* a new model has the built-in entries: they are the configuration's, not dynamic */
	while (conf_count(dyn, m->id))
		conf_remove_item(dyn, conf_item_at(dyn, m->id, 0));
	px->rt->dynamic(px->rt->arg, m->id, dyn);
	for (size_t i = 0; i < conf_count(src, m->id); i++)
		if (conf_item_at(src, m->id, i)->id > next_id)
			next_id = conf_item_at(src, m->id, i)->id;
	for (size_t i = 0; i < conf_count(dyn, m->id); i++) {
		struct conf_item *it = conf_item_at(dyn, m->id, i);

		it->dynamic = 1;
		it->id = ++next_id; /* after the configured ones: no *ID names two items */
	}
	return dyn;
}

static void cmd_print(struct conf_parse_ctx *px, const struct conf_menu *m, struct conf_tok *t,
		      size_t n)
{
	bool sensitive = false, stats = false;
	size_t where = n;

	for (size_t i = 0; i < n; i++) {
		if (t[i].key) {
			if (where == n)
				refuse(px, -EINVAL, &t[i],
				       "print: conditions go after where (%s=%s)", t[i].key,
				       t[i].val);
			continue;
		}
		if (!strcmp(t[i].val, "where") && where == n)
			where = i + 1;
		else if (!strcmp(t[i].val, "show-sensitive"))
			sensitive = true;
		else if (!strcmp(t[i].val, "stats") && m->id == CONF_M_POLICY)
			stats = true;
		else if (strcmp(t[i].val, "detail") && strcmp(t[i].val, "terse"))
			refuse(px, -EINVAL, &t[i],
			       "print: unknown argument \"%s\"; valid: detail, "
			       "terse, show-sensitive, where PROP=VALUE%s",
			       t[i].val, m->id == CONF_M_POLICY ? ", stats" : "");
	}
	if (sensitive && !(px->ctl_flags & CONF_CTL_SENSITIVE))
		refuse(px, -EPERM, NULL, "show-sensitive needs root");
	if (px->status || px->ds->nerrors)
		return;
	struct conf *src = print_source(px, m, t - 1);

	if (!src)
		return;
	struct conf *dyn = dynamic_source(px, m, src);
	size_t nstatic = conf_count(src, m->id),
	       total = nstatic + (dyn ? conf_count(dyn, m->id) : 0);
	struct conf_item **items = xcalloc(total + 1, sizeof(*items));
	size_t *nr = xcalloc(total + 1, sizeof(*nr)), count = 0;

	for (size_t i = 0; i < total; i++)
		items[i] = i < nstatic ? conf_item_at(src, m->id, i)
				       : conf_item_at(dyn, m->id, i - nstatic);
	if (src == px->c && px->rt && px->rt->annotate)
		px->rt->annotate(px->rt->arg, src, items, nstatic, stats);
	for (size_t i = 0; i < total; i++) {
		struct conf_item *it = items[i];
		bool ok = true;

		for (size_t k = where; k < n && ok; k++)
			ok = !t[k].key || conf_item_matches(it, t[k].key, t[k].val);
		if (ok) {
			nr[count] = i;
			items[count++] = it;
		}
	}
	if (stats && px->sink && px->sink->columns)
		px->sink->columns(px->sink->arg, stats_columns);
	else
		print_columns(px, m, items, count);
	struct strbuf rec = STRBUF_INIT;

	for (size_t i = 0; i < count && px->sink && px->sink->record; i++) {
		sb_reset(&rec);
		conf_item_terse(items[i], nr[i], sensitive, &rec);
		px->sink->record(px->sink->arg, sb_str(&rec));
	}
	sb_clear_free(&rec);
	free(items);
	free(nr);
	conf_free(dyn);
	if (src != px->c)
		conf_free(src);
}

static void cmd_export(struct conf_parse_ctx *px, const struct conf_menu *m, struct conf_tok *t,
		       size_t n)
{
	unsigned flags = 0;
	char *text = NULL;
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		if (!t[i].key && !strcmp(t[i].val, "show-sensitive"))
			flags |= CONF_EXPORT_SENSITIVE;
		else
			refuse(px, -EINVAL, &t[i],
			       "export: unknown argument \"%s\"; valid: "
			       "show-sensitive (file= is handled by ipsecctl)",
			       t[i].key ? t[i].key : t[i].val);
	}
	if ((flags & CONF_EXPORT_SENSITIVE) && !(px->ctl_flags & CONF_CTL_SENSITIVE))
		refuse(px, -EPERM, NULL, "export show-sensitive needs root");
	if (px->status || px->ds->nerrors)
		return;
	FILE *f = open_memstream(&text, &len);

	if (!f) {
		refuse(px, -ENOMEM, NULL, "export: out of memory");
		return;
	}
	conf_export_menu(px->c, m, f, flags);
	fclose(f);
	for (char *save, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (px->sink && px->sink->text)
			px->sink->text(px->sink->arg, l);
	if (flags & CONF_EXPORT_SENSITIVE)
		OPENSSL_cleanse(text, len);
	free(text);
}

/* A runtime verb (flush, dump-kernel-policies, ...) handed to the daemon. */
static void cmd_verb(struct conf_parse_ctx *px, const struct conf_menu *m, const char *verb,
		     struct conf_tok *args, size_t nargs)
{
	const struct conf_tok *at = args - 1;
	const char **keys = xcalloc(nargs + 1, sizeof(*keys));
	const char **vals = xcalloc(nargs + 1, sizeof(*vals));
	int r = -ENOTSUP;

	for (size_t i = 0; i < nargs; i++) {
		keys[i] = args[i].key;
		vals[i] = args[i].val;
	}
	if (m && px->rt && px->rt->verb)
		r = px->rt->verb(px->rt->arg, m->id, verb, keys, vals, nargs, px->ctl_flags,
				 px->sink, px->ds);
	free(keys);
	free(vals);
	if (r == -ENOTSUP)
		refuse(px, -ENOTSUP, at, "%s %s: not available in this build", m ? m->path : "",
		       verb);
	else if (r < 0)
		px->status = r;
}

/* RouterOS calls the remote ID of active-peers "id": find accepts that spelling. */
static void id_alias(const struct conf_menu *m, struct conf_tok *t, size_t n)
{
	for (size_t i = 0; m->id == CONF_M_ACTIVE_PEERS && i < n; i++)
		if (t[i].key && !strcmp(t[i].key, "id")) {
			free(t[i].key);
			t[i].key = xstrdup("remote-id");
		}
}

/* remove on a runtime menu (active-peers: IKE SAs): items are chosen as configured ones
 * are (a number as print shows them now, *ID, [ find PROP=V ... ]) among what print
 * would show, and handed to the daemon by their *ID. */
static void cmd_runtime_remove(struct conf_parse_ctx *px, const struct conf_menu *m,
			       struct conf_tok *args, size_t nargs)
{
	struct conf *saved = px->c, *src;
	struct conf_item **sel;
	size_t used = 0, count = 0;

	id_alias(m, args, nargs);
	if (nargs == 0) {
		refuse(px, -EINVAL, args - 1,
		       "remove: which item? give a number, a *ID or [ find PROP=VALUE ]");
		return;
	}
	if (!(src = print_source(px, m, args - 1)))
		return;
	px->c = src;
	sel = conf_select(px, m, args, nargs, &used, &count);
	px->c = saved;
	if (sel && used < nargs)
		refuse(px, -EINVAL, &args[used], "remove: unexpected \"%s\" after the items",
		       args[used].key ? args[used].key : args[used].val);
	if (sel && !px->status && !px->ds->nerrors) {
		const char **keys = xcalloc(count + 1, sizeof(*keys));
		char **vals = xcalloc(count + 1, sizeof(*vals));
		int r = -ENOTSUP;

		for (size_t i = 0; i < count; i++) {
			keys[i] = ".id";
			vals[i] = xmalloc(16);
			snprintf(vals[i], 16, "*%X", sel[i]->id);
		}
		if (px->rt->verb)
			r = px->rt->verb(px->rt->arg, m->id, "remove", keys,
					 (const char *const *)vals, count, px->ctl_flags, px->sink,
					 px->ds);
		if (r == -ENOTSUP)
			refuse(px, r, args - 1, "%s remove: its items cannot be removed", m->path);
		else if (r < 0)
			px->status = r;
		for (size_t i = 0; i < count; i++)
			free(vals[i]);
		free(keys);
		free(vals);
	}
	free(sel);
	conf_free(src);
}

void conf_run_runtime(struct conf_parse_ctx *px, const struct conf_menu *m, const char *verb,
		      struct conf_tok *args, size_t nargs)
{
	const struct conf_tok *at = args - 1;

	if (!strcmp(verb, "print")) {
		if (!m)
			refuse(px, -EINVAL, at, "print needs a menu (e.g. peer print)");
		else
			cmd_print(px, m, args, nargs);
	} else if (!strcmp(verb, "export") && !(m && (m->flags & CONF_MF_RUNTIME))) {
		cmd_export(px, m, args, nargs);
	} else if (!strcmp(verb, "remove") && m && (m->flags & CONF_MF_RUNTIME)) {
		cmd_runtime_remove(px, m, args, nargs);
	} else {
		cmd_verb(px, m, verb, args, nargs);
	}
}

static int run_ctl(struct conf_parse_ctx *px, const char *line)
{
	struct conf_lexer lx;
	struct conf_tok *toks;
	int n, commands = 0;

	conf_lex_init(&lx, px->file, line, strlen(line), px->ds);
	while ((n = conf_lex_next(&lx, &toks)) >= 0) {
		if (n == 0)
			continue;
		if (++commands > 1) {
			conf_diag_add(px->ds, CONF_ERROR, px->file, toks[0].line, toks[0].col,
				      "one command per request");
			break;
		}
		conf_run_line(px, toks, (size_t)n);
	}
	conf_lex_free(&lx);
	return commands;
}

int conf_ctl_exec(struct conf **cp, const char *line, unsigned flags, const struct conf_sink *sink,
		  const struct conf_runtime *rt, struct conf_changes **chg, struct conf_diags *ds)
{
	struct conf_parse_ctx px = {.c = *cp,
				    .rt = rt,
				    .file = "ipsecctl",
				    .origin = CONF_FROM_CTL,
				    .ds = ds,
				    .ctl_flags = flags,
				    .sink = sink,
				    .probe = true};

	*chg = NULL;
	px.locs.file = px.file;
	px.locs.changes_only = true;
	if (run_ctl(&px, line) == 0)
		conf_diag_add(ds, CONF_ERROR, px.file, 1, 1, "empty command");
	free((char *)px.menu_prefix);
	px.menu_prefix = NULL;
	px.menu = NULL;
	if (ds->nerrors || px.status || !px.wants_change)
		return px.status ? px.status : ds->nerrors ? -EINVAL : 0;
	if (!(flags & CONF_CTL_ROOT)) {
		conf_diag_add(ds, CONF_ERROR, px.file, 1, 1,
			      "changing the configuration needs root");
		return -EPERM;
	}
	/* The change, recorded, on the model itself. */
	conf_journal_begin(px.c);
	px.probe = false;
	run_ctl(&px, line);
	free((char *)px.menu_prefix);
	if (!ds->nerrors && !px.status) {
		conf_v6_convert_policies(px.c, ds);
		conf_validate_change(px.c, ds, &px.locs);
	}
	free(px.locs.e);
	if (ds->nerrors || px.status) {
		conf_journal_abort(px.c);
		return px.status ? px.status : -EINVAL;
	}
	*chg = conf_journal_end(px.c);
	return 0;
}
