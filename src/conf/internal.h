/* Internal interfaces of the conf module, shared by its files only. */
#ifndef IPSECD_CONF_INTERNAL_H
#define IPSECD_CONF_INTERNAL_H

#include "ipsecd/conf.h"
#include "ipsecd/hash.h"
#include "ipsecd/strbuf.h"
#include "lexer.h"

struct conf_tab {
	struct conf_item **items; /* in order */
	size_t n, cap;
	struct hash byname;
};

struct conf {
	struct conf_tab tab[CONF_M_COUNT];
	struct conf_changes *jl; /* the change being recorded (journal.c), or NULL */
	uint32_t next_id;
	/* clones share it: their items with the same id are the same item (conf_diff
	 * matches them by id, not by content) */
	uint64_t lineage;
	struct conf_dups *dups; /* dups.c: the policies by selectors, while changes are made */
};

/* dups.c: duplicate policies marked invalid. check: every policy (a whole validation);
 * change: those of the first n entries of the change being recorded (the model's first
 * change checks every policy and keeps an index for the next ones); forget: drops the
 * index (before the model changes other than by a recorded change). */
struct conf_dups;
struct conf_locmap;
void conf_dups_check(struct conf *c, struct conf_diags *ds, const struct conf_locmap *lm);
void conf_dups_change(struct conf *c, struct conf_diags *ds, const struct conf_locmap *lm,
		      size_t n);
void conf_dups_forget(struct conf *c);

/* journal.c: a change made in place, recorded so that it can be undone (a refused
 * command changes nothing) or handed to the engines as what changed. An item's journal
 * bits say what the change did to it. */
enum { CONF_J_NEW = 1, CONF_J_COPIED = 2, CONF_J_REMOVED = 4 };

struct conf_jent {
	enum conf_change what;
	struct conf_item *it;  /* the item (in the model unless removed) */
	struct conf_item *old; /* CHANGED: its copy from before the change */
	size_t pos;	       /* REMOVED: where it was */
};

struct conf_changes {
	struct conf_jent *e;
	size_t n, cap;
	uint32_t next_id; /* the model's, before the change */
};

void conf_journal_begin(struct conf *c);
/* Undoes every recorded step, newest first, and stops recording. */
void conf_journal_abort(struct conf *c);
/* Stops recording; returns what the change did (no entry for an item added then
 * removed, or changed back to what it was). */
struct conf_changes *conf_journal_end(struct conf *c);
/* Called before an item of the model is changed: records a copy the first time. */
void conf_touch(struct conf *c, struct conf_item *it);
void conf_journal_add(struct conf *c, enum conf_change what, struct conf_item *it,
		      struct conf_item *old, size_t pos);

/* Where a diagnostic points. */
struct conf_loc {
	const char *file;
	unsigned line, col;
};

/* value.c: text <-> typed values. */
int conf_val_parse(const struct conf_prop *p, const char *text, union conf_val *out,
		   struct strbuf *why);
void conf_val_free(const struct conf_prop *p, union conf_val *v);
void conf_val_copy(const struct conf_prop *p, union conf_val *dst, const union conf_val *src);
bool conf_val_equal(const struct conf_prop *p, const union conf_val *a, const union conf_val *b);
/* h mixed with v: values conf_val_equal finds equal mix alike. */
uint64_t conf_val_hash(const struct conf_prop *p, const union conf_val *v, uint64_t h);
/* Writes the value's canonical text (unquoted). */
void conf_val_format(const struct conf_prop *p, const union conf_val *v, struct strbuf *out);
int conf_addr_parse(const char *s, struct conf_addr *a, bool prefix);
void conf_addr_format(const struct conf_addr *a, bool prefix, struct strbuf *out);
/* Writes text quoted as the language needs it. */
void conf_quote(const char *s, struct strbuf *out);
/* The parsed default of a property (shared storage; never freed). */
const union conf_val *conf_prop_default(const struct conf_menu *m, int prop);
/* "did you mean" among a NULL-terminated list; NULL when nothing is close. */
const char *conf_suggest(const char *word, const char *const *choices);
const char *conf_suggest_prop(const struct conf_menu *m, const char *word);
/* Applies an alias ("aes-128" -> "aes-128-cbc") to each element of a list value.
 * Returns a newly allocated string, or NULL when no alias applied. */
char *conf_apply_aliases(const struct conf_prop *p, const char *text);

/* model.c */
struct conf_item *conf_item_new(struct conf *c, const struct conf_menu *m);
void conf_item_free(struct conf_item *it);
void conf_insert(struct conf *c, struct conf_item *it, size_t pos);
void conf_remove_item(struct conf *c, struct conf_item *it);
/* Sets a property from a parsed value, taking ownership of v. Keeps the name index. */
void conf_item_set(struct conf *c, struct conf_item *it, int prop, union conf_val *v);
/* Returns a property to its default. */
void conf_item_unset(struct conf *c, struct conf_item *it, int prop);
size_t conf_item_index(const struct conf *c, const struct conf_item *it);
/* Takes the item out of its menu without freeing it. */
void conf_item_unlink(struct conf *c, struct conf_item *it);
/* A deep copy of one item (same id, not in any model). */
struct conf_item *conf_item_copy(const struct conf_item *src);
/* Puts back the values of old (a copy from conf_item_copy) into it; frees old. */
void conf_item_restore(struct conf *c, struct conf_item *it, struct conf_item *old);

/* v6.c: moves v6 peer properties to a profile and an identity, as RouterOS's upgrade. */
void conf_v6_convert_peer(struct conf *c, struct conf_item *peer, const struct conf_loc *loc,
			  struct conf_diags *ds);
/* policy sa-dst-address without peer= (v6): pick the peer by address. */
void conf_v6_convert_policies(struct conf *c, struct conf_diags *ds);

/* Where each explicitly given property was written, for located validation errors. */
struct conf_loc_ent {
	uint32_t id;
	int16_t prop; /* -1: the item itself (its command) */
	uint32_t line;
	uint16_t col;
};

struct conf_locmap {
	const char *file;
	struct conf_loc_ent *e;
	size_t n, cap;
	bool changes_only; /* ipsecctl: warn only about what the request added or set */
};

void conf_loc_note(struct conf_locmap *lm, uint32_t id, int prop, unsigned line, unsigned col);
/* The location of an item's property (or of the item when prop < 0 or unknown). */
struct conf_loc conf_loc_find(const struct conf_locmap *lm, const struct conf_item *it, int prop);
/* Was the item added (prop -1) or the property set by what lm records? */
bool conf_loc_noted(const struct conf_locmap *lm, const struct conf_item *it, int prop);
int conf_validate_at(struct conf *c, struct conf_diags *ds, const struct conf_locmap *lm);
/* The checks of conf_validate_at for what the recorded change (c->jl) touched: the items it
 * added or changed, and those that refer to what it removed, renamed or changed. */
int conf_validate_change(struct conf *c, struct conf_diags *ds, const struct conf_locmap *lm);
/* unsupported.c: a located warning for each use of what this version does not do yet. */
void conf_check_unsupported(const struct conf *c, struct conf_diags *ds,
			    const struct conf_locmap *lm);
void conf_check_unsupported_item(const struct conf_item *it, struct conf_diags *ds,
				 const struct conf_locmap *lm);

/* The parser's state across the commands of one script or control request. */
struct conf_parse_ctx {
	struct conf *c;
	const char *file;
	enum conf_origin origin;
	const struct conf_menu *menu; /* current menu, NULL = /ip ipsec itself */
	const char *menu_prefix;      /* path words of the current menu context */
	struct conf_diags *ds;
	unsigned ctl_flags;
	const struct conf_sink *sink;
	const struct conf_runtime *rt;
	int status; /* for ctl: -ENOTSUP, -EPERM ... */
	bool changed;
	bool probe;	   /* ctl first pass: note a change verb, change nothing */
	bool wants_change; /* the probe met a change verb */
	struct conf_locmap locs;
};
int conf_run_line(struct conf_parse_ctx *px, struct conf_tok *toks, size_t ntok);

/* ctl_exec.c: the verbs only ipsecctl may use (print, export, runtime menus). */
bool conf_verb_is_runtime(const char *verb);
void conf_run_runtime(struct conf_parse_ctx *px, const struct conf_menu *m, const char *verb,
		      struct conf_tok *args, size_t nargs);
/* parser.c: selects items by name, *id, index or [ find ... ]; returns a new array. */
struct conf_item **conf_select(struct conf_parse_ctx *px, const struct conf_menu *m,
			       struct conf_tok *t, size_t n, size_t *used, size_t *count);
bool conf_item_matches(const struct conf_item *it, const char *prop, const char *val);

/* export.c: one record/line per item, also used by print. */
void conf_item_terse(const struct conf_item *it, size_t index, bool sensitive, struct strbuf *out);
void conf_item_args(const struct conf_item *it, bool sensitive, struct strbuf *out);
/* Do a and b (items of one menu) hold the same configuration? */
bool conf_item_same(const struct conf_item *a, const struct conf_item *b);
/* Exports one menu (only != NULL) or all of them. */
void conf_export_menu(const struct conf *c, const struct conf_menu *only, FILE *out,
		      unsigned flags);

#endif
