/* conf: the configuration language (RouterOS /ip ipsec command scripts), its menu and
 * property table, the model, validation and export. One lexer and parser serve the file,
 * the control socket and export (DESIGN.md §2). */
#ifndef IPSECD_CONF_H
#define IPSECD_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ipsecd/conf_menus.h"

/* Property value types. The table (src/conf/menus.c) gives each property one of these. */
enum conf_type {
	CONF_T_STR,    /* free text */
	CONF_T_NAME,   /* the item's own name: unique within the menu */
	CONF_T_REF,    /* name of an item of prop->ref (another menu) */
	CONF_T_BOOL,   /* yes | no (also true/false) */
	CONF_T_INT,    /* integer in min..max */
	CONF_T_TIME,   /* RouterOS time (1d2h3m4s, 30m, 0s, 00:30:00), seconds in min..max */
	CONF_T_SIZE,   /* byte count with optional k/M/G suffix (binary multiples) */
	CONF_T_ENUM,   /* one of prop->choices */
	CONF_T_ENUMS,  /* comma list of prop->choices, order kept (preference) */
	CONF_T_PREFIX, /* IPv4 or IPv6 prefix; an address alone means /32 or /128 */
	CONF_T_ADDR,   /* IPv4 or IPv6 address */
	CONF_T_PORT,   /* 0..65535 or "any" (stored as -1) */
	CONF_T_ID, /* TYPE:VALUE identity (auto, ignore, address:, fqdn:, user-fqdn:, key-id:) */
	CONF_T_SECRET, /* text, sensitive */
	CONF_T_KEY,    /* key material: 0x-prefixed hex or text; sensitive */
	CONF_T_RANGES, /* address pool ranges: A-B, A or prefix, comma separated */
	CONF_T_PROTO,  /* IP protocol: all, a name (tcp, udp, icmp, ...) or 0..255; all = -1 */
	CONF_T_FILE,   /* a file path */
	CONF_T_SPI,    /* SPI 0x100..0xFFFFFFFF, or IN/OUT: in << 32 | out */
	CONF_T_MSTIME, /* RouterOS time to the millisecond (300ms, 1s500ms, 3s), ms in min..max */
};

/* Property flags. */
enum {
	CONF_F_RO = 1u << 0,	   /* read-only: filled by the engines, shown by print */
	CONF_F_SECRET = 1u << 1,   /* hidden in print/export unless show-sensitive */
	CONF_F_REQUIRED = 1u << 2, /* must be given on add */
	CONF_F_LEGACY = 1u << 3,   /* v6 form: accepted, converted to v7 by conf_v6.c, never kept */
	CONF_F_WEAK = 1u << 4,	   /* some choices are weak: prop->weak lists them (warning) */
	CONF_F_NOEXPORT = 1u << 5, /* never printed by export (e.g. import-only arguments) */
};

struct conf_prop {
	const char *name;
	enum conf_type type;
	unsigned flags;
	const char *def;	    /* default as RouterOS prints it; NULL = empty/unset */
	const char *const *choices; /* ENUM/ENUMS: NULL-terminated valid words */
	const char *const *weak;    /* choices loaded with a warning, NULL-terminated */
	long long min, max;	    /* INT/TIME/SIZE range (0,0 = unbounded) */
	enum conf_menu_id ref;	    /* REF: menu whose item names are valid */
	const char *help;	    /* one line for the man page and errors */
	const char *const *aliases; /* "old=new" value aliases, NULL-terminated */
};

/* Menu flags. */
enum {
	CONF_MF_SINGLETON = 1u << 0, /* one unnamed item, only "set" (settings) */
	CONF_MF_RUNTIME = 1u << 1,   /* runtime state: print only (installed-sa, ...) */
	CONF_MF_ORDERED = 1u << 2,   /* order of items matters (policy) */
	CONF_MF_IMPORT = 1u << 3,    /* items come from "import" (certificate, key) */
};

struct conf_builtin {
	const char *name;	  /* value of the name property, or NULL */
	const char *const *props; /* NULL-terminated "prop=value" overrides of the defaults */
};

struct conf_menu {
	enum conf_menu_id id;
	const char *path;  /* "ip ipsec peer", "ip pool", "certificate" */
	const char *alias; /* other path accepted (remote-peers), or NULL */
	unsigned flags;
	const struct conf_prop *props; /* indexed by the menu's CONF_<MENU>_<PROP> enum */
	size_t nprops;
	int name_prop;			     /* index of the NAME property, or -1 */
	const struct conf_builtin *builtins; /* terminated by {NULL, NULL}; or NULL */
	const char *help;
	const char *columns; /* what a table view shows; NULL: the name and what is set */
};

/* The table: every menu, indexed by enum conf_menu_id. */
extern const struct conf_menu conf_menus[CONF_M_COUNT];
const struct conf_menu *conf_menu_by_path(const char *path);
/* Index of the property called name in m, or -1. */
int conf_prop_index(const struct conf_menu *m, const char *name);

/* The verbs of the language, in the table beside the menus (src/conf/menus.c): which
 * menus take each, the bare words and the PROP=VALUE arguments it takes besides the
 * menu's properties. The parser, ipsecctl's console and the completion read it. */
enum conf_verb_scope {
	CONF_VS_ANY,	 /* every menu */
	CONF_VS_CONFIG,	 /* configuration menus (not runtime ones) */
	CONF_VS_ITEMS,	 /* configuration menus of many items (not settings) */
	CONF_VS_DISABLE, /* menus with a "disabled" property */
	CONF_VS_IMPORT,	 /* menus whose items are imported (CONF_MF_IMPORT) */
	CONF_VS_LISTED,	 /* only the menus in .menus */
};

enum {
	CONF_VF_RUNTIME = 1u << 0,    /* ipsecctl only: an error in a file */
	CONF_VF_PROPS = 1u << 1,      /* takes the menu's writable properties (add, set) */
	CONF_VF_SELECT = 1u << 2,     /* its first argument chooses items (set, remove) */
	CONF_VF_WHERE = 1u << 3,      /* "where PROP=VALUE ..." conditions (print) */
	CONF_VF_TOP = 1u << 4,	      /* also without a menu (export) */
	CONF_VF_CLIENT_ARGS = 1u << 5 /* .args are ipsecctl's own, not sent (print interval=) */
};

struct conf_verb {
	const char *name;
	unsigned flags;
	enum conf_verb_scope scope;
	const enum conf_menu_id *menus; /* more menus that take it, ended by CONF_M_COUNT */
	const char *const *words;	/* bare words it takes, NULL-terminated; or NULL */
	const struct conf_prop *args;	/* PROP=VALUE arguments besides the menu's */
	size_t nargs;
	const char *help;
};

/* Every verb, ended by an entry whose name is NULL. */
extern const struct conf_verb conf_verbs[];
/* The verb called name, or NULL. */
const struct conf_verb *conf_verb_by_name(const char *name);
/* Does m take v? m NULL: a command without a menu (only CONF_VF_TOP verbs). */
bool conf_verb_takes(const struct conf_verb *v, const struct conf_menu *m);
/* Is path a whole-word prefix of a menu's path or alias ("ip", "ip ipsec", "ip ipsec
 * peer")? "" (the root) is. */
bool conf_menu_prefix(const char *path);

/* --- completion (complete.c): one engine for ipsecctl's console and bash --- */

/* A list of candidate words; conf_cands_free frees them and the array. */
struct conf_cands {
	char **v;
	size_t n, cap;
};
void conf_cands_add(struct conf_cands *c, const char *s);
/* Frees the words and the array, and empties c (it may be used again). */
void conf_cands_free(struct conf_cands *c);

/* Where a command's leading menu words lead from base (the current menu's path, "" the
 * root): an absolute "/ip ipsec peer", relative words (as the parser: from base, else from
 * /ip ipsec, else from the root), ".." (up one word). path is allocated (the caller frees
 * it); menu is NULL when path is only a prefix ("ip ipsec"); used counts the words that
 * named it. Returns -EINVAL when an absolute path's first word names nothing. */
struct conf_cmd_path {
	char *path;
	const struct conf_menu *menu;
	size_t used;
};
int conf_cmd_path(const char *base, const char *const *words, size_t n, struct conf_cmd_path *out);

/* The names of the items of menu m (for selectors and references), added to out. */
typedef void (*conf_names_fn)(void *arg, const struct conf_menu *m, struct conf_cands *out);

/* The words that may replace cur, the word being typed, after the complete words
 * words[0..n-1], in menu base: menu words, verbs, "prop=" names, "prop=value" values,
 * sorted and without duplicates. names (may be NULL) supplies item names. */
void conf_complete(const char *base, const char *const *words, size_t n, const char *cur,
		   conf_names_fn names, void *arg, struct conf_cands *out);

/* An address or prefix (CONF_T_ADDR, CONF_T_PREFIX). */
struct conf_addr {
	uint8_t family; /* AF_INET or AF_INET6; 0 = unset */
	uint8_t plen;
	uint8_t bytes[16];
};

/* An ordered list of small integers: ENUMS indexes or RANGES pairs. */
struct conf_list {
	uint32_t n;
	uint32_t v[];
};

struct conf_range {
	struct conf_addr lo, hi;
};

struct conf_ranges {
	uint32_t n;
	struct conf_range r[];
};
/* The prefix length when lo..hi is exactly one prefix, else -1. */
int conf_range_prefix(const struct conf_range *r);

union conf_val {
	int64_t i;		 /* BOOL, INT, TIME, SIZE, ENUM (index), PORT, PROTO */
	char *s;		 /* STR, NAME, REF, SECRET, KEY, ID, FILE (owned) */
	struct conf_list *list;	 /* ENUMS (owned) */
	struct conf_ranges *rng; /* RANGES (owned) */
	struct conf_addr a;	 /* ADDR, PREFIX */
};

/* One item of a menu. v[] is dense: one value per property of the menu; a property whose
 * bit in `set` is clear holds the menu default. */
struct conf_item {
	const struct conf_menu *menu;
	uint32_t id;	 /* RouterOS-style *ID, stable for the item's life */
	uint32_t line;	 /* where it was added (0 = built-in or runtime) */
	uint64_t set;	 /* bit i: property i was given explicitly */
	uint8_t builtin; /* a default entry: can be set, not removed */
	uint8_t dynamic; /* added by the engines, not by configuration */
	uint8_t invalid; /* validation flagged it (policy duplicates) */
	uint8_t journal; /* model.c: what the change being made did to it (CONF_J_*) */
	uint32_t pos;	 /* model.c: its index in its menu while it is in the model */
	union conf_val v[];
};

struct conf; /* the model: every menu's items */

/* Located diagnostics. Every error names FILE:LINE:COL. */
enum conf_sev { CONF_ERROR, CONF_WARNING };

struct conf_diag {
	enum conf_sev sev;
	char *file;
	unsigned line, col;
	char *msg;
};

/* Of each severity the first CONF_DIAGS_KEPT are kept, in order, and the rest only
 * counted: a file of 100000 errors says the first ones and how many more there are. */
#define CONF_DIAGS_KEPT 20

struct conf_diags {
	struct conf_diag *d; /* the kept ones */
	size_t n, cap;
	size_t nerrors, nwarnings; /* all of them, kept or not */
};

void conf_diags_init(struct conf_diags *ds);
void conf_diags_free(struct conf_diags *ds);
void conf_diag_add(struct conf_diags *ds, enum conf_sev sev, const char *file, unsigned line,
		   unsigned col, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* The line that stands for the diagnostics of severity sev that were not kept ("... and
 * 99980 more errors") into buf; false when there are none. */
bool conf_diags_more(const struct conf_diags *ds, enum conf_sev sev, char *buf, size_t len);
/* Writes "FILE:LINE:COL: error: msg" lines, then the conf_diags_more() lines. */
void conf_diags_print(const struct conf_diags *ds, FILE *out);

/* --- the model --- */

/* A new model holding only the built-in entries. Caller frees with conf_free(). */
struct conf *conf_new(void);
void conf_free(struct conf *c);
/* A deep copy. */
struct conf *conf_clone(const struct conf *c);

size_t conf_count(const struct conf *c, enum conf_menu_id m);
struct conf_item *conf_item_at(const struct conf *c, enum conf_menu_id m, size_t i);
struct conf_item *conf_find(const struct conf *c, enum conf_menu_id m, const char *name);

/* Typed accessors; each returns the default when the property is not set. */
int64_t conf_int(const struct conf_item *it, int prop);
bool conf_bool(const struct conf_item *it, int prop);
const char *conf_str(const struct conf_item *it, int prop);
const struct conf_addr *conf_addr(const struct conf_item *it, int prop);
const struct conf_list *conf_enums(const struct conf_item *it, int prop);
bool conf_is_set(const struct conf_item *it, int prop);

/* --- the language --- */

/* Parse and run a whole script (a file's contents) against c, collecting every error.
 * `file` names the source in diagnostics. In file mode runtime verbs are errors.
 * Returns 0 when there was no error (warnings allowed), -EINVAL otherwise; the model
 * is then in an unspecified state and the caller discards it. */
enum conf_origin { CONF_FROM_FILE, CONF_FROM_CTL };
int conf_load_buf(struct conf *c, const char *file, const char *buf, size_t len,
		  enum conf_origin origin, struct conf_diags *ds);
/* The largest configuration file read; a larger one is refused. An export of thousands
 * of peers is a few MiB. */
#define CONF_FILE_MAX (64 * 1024 * 1024)
/* Reads FILE and loads it into a new model (built-ins + file), then validates it. FILE
 * must be a regular file of at most CONF_FILE_MAX bytes (a FIFO or a device is refused
 * without waiting on it). Returns the model or NULL with ds holding every error. */
struct conf *conf_load_file(const char *path, struct conf_diags *ds);

/* Cross-item checks (references, duplicates, families). Adds to ds; returns 0 or -EINVAL. */
int conf_validate(struct conf *c, struct conf_diags *ds);

/* Export in the file's language, defaults omitted. */
enum { CONF_EXPORT_SENSITIVE = 1u << 0 };
void conf_export(const struct conf *c, FILE *out, unsigned flags);

/* Formats one value of an item as the language writes it (quoted when needed).
 * Returns the number of characters written, like snprintf. */
int conf_format_val(const struct conf_item *it, int prop, char *buf, size_t len);

/* --- differences, for reload and runtime changes --- */

enum conf_change { CONF_ADDED, CONF_REMOVED, CONF_CHANGED };
typedef void (*conf_diff_fn)(enum conf_change what, const struct conf_item *old_it,
			     const struct conf_item *new_it, void *arg);
/* Calls fn for each item added, removed or changed between a and b (matched by name, or
 * for unnamed menus by id then by content). Returns the number of differences. */
size_t conf_diff(const struct conf *a, const struct conf *b, conf_diff_fn fn, void *arg);

/* What one ipsecctl change did to the running model: the items it added, removed and
 * changed. A change is made in place; the model is never copied. */
struct conf_changes;
/* Calls fn (may be NULL) for each item the change removed (old_it: the removed item,
 * new_it NULL), then each it changed (old_it: a copy of the item as it was, new_it: the
 * item in the model, the same pointer as before the change), then each it added.
 * Returns how many. */
size_t conf_changes_walk(const struct conf_changes *ch, conf_diff_fn fn, void *arg);
/* Frees the removed items and the copies. Accepts NULL. */
void conf_changes_free(struct conf_changes *ch);
/* Makes c hold next's configuration (a reloaded file; next is consumed): the items that
 * did not change stay as they are, the same pointers, a changed named item takes the new
 * values in place, and what changed is returned as an ipsecctl change's record. Unnamed
 * items (identities, policies) are matched by content: a changed one is removed and
 * added. The caller frees the record. */
struct conf_changes *conf_adopt(struct conf *c, struct conf *next);
/* Undoes the change ch made to c (an accepted change the daemon could not take after
 * all) and frees ch. */
void conf_changes_revert(struct conf *c, struct conf_changes *ch);

/* --- commands from ipsecctl --- */

/* Where print/export output goes. columns() is called once before the records of a print
 * with the space-separated property names a table view should show; record() once per
 * item with a terse line: "flags=XD .id=*3 name=a address=1.2.3.4/32 ..." (every
 * property, values quoted as the language writes them, secrets as "*****" unless
 * CONF_CTL_SENSITIVE); text() for free text such as export lines. */
struct conf_sink {
	void (*columns)(void *arg, const char *cols);
	void (*record)(void *arg, const char *terse);
	void (*text)(void *arg, const char *line);
	void *arg;
};

enum {
	CONF_CTL_ROOT = 1u << 0,      /* the caller may change the configuration */
	CONF_CTL_SENSITIVE = 1u << 1, /* the caller may see secrets (root only) */
};

/* Runtime data the model does not hold, answered by the daemon's engines (installed
 * SAs, statistics, policy state). Every callback may be NULL. */
struct conf_runtime {
	/* Fills `into` (an empty model) with the items of runtime menu m, using
	 * conf_runtime_add() and conf_set_text()/conf_set_int(). Returns 0, or -errno
	 * with the reason in ds. */
	int (*fill)(void *arg, enum conf_menu_id m, struct conf *into, unsigned ctl_flags,
		    struct conf_diags *ds);
	/* Sets the read-only properties of configured items (policy: active, ph2-state;
	 * with stats, the counters) before they are printed. */
	void (*annotate)(void *arg, const struct conf *c, struct conf_item **items, size_t n,
			 bool stats);
	/* Runs a runtime verb other than print and export (flush, kill-connections,
	 * dump-kernel-policies, ...) with its arguments (keys[i] NULL for a bare word).
	 * remove on a runtime menu comes with the selected items as keys[i] ".id", vals[i]
	 * "*ID" (the id its fill gave them), none when nothing was selected.
	 * Output goes to sink->text. Returns 0, -ENOTSUP when it does not know the verb
	 * for m, or -errno with the reason in ds. */
	int (*verb)(void *arg, enum conf_menu_id m, const char *verb, const char *const *keys,
		    const char *const *vals, size_t n, unsigned ctl_flags,
		    const struct conf_sink *sink, struct conf_diags *ds);
	/* Adds to `into` (an empty model) the dynamic items of configured menu m (policy:
	 * those generated for CHILD SAs), with conf_runtime_add(); print shows them after
	 * the configured ones with flag D, export and changes never see them. May be NULL. */
	void (*dynamic)(void *arg, enum conf_menu_id m, struct conf *into);
	void *arg;
};

/* For conf_runtime.fill: a new item at the end of menu m. */
struct conf_item *conf_runtime_add(struct conf *c, enum conf_menu_id m);
/* Sets a property from its text as the language writes it. Returns 0 or -EINVAL. */
int conf_set_text(struct conf *c, struct conf_item *it, int prop, const char *text);
/* Sets a BOOL, INT, TIME, SIZE, ENUM (index), PORT or PROTO property. */
void conf_set_int(struct conf *c, struct conf_item *it, int prop, int64_t v);

/* Seconds as the language writes a time (1d2h3m4s, 0s). */
void conf_format_time(long long secs, char *buf, size_t len);

/* Runs one command line from the control socket: print (detail, where PROP=VALUE),
 * export (show-sensitive), add/set/remove/enable/disable, and through rt (may be NULL)
 * the runtime menus and verbs. A change is made on *cp in place, recorded, and validated
 * (the items it touched and those that refer to them): on success *chg receives what it
 * did (caller applies it to the engines and frees it); on refusal it is undone, nothing
 * changes and ds says why. *chg stays NULL for a command that changes nothing.
 * Returns 0, -EINVAL (refused), -EPERM (not allowed for this caller) or -ENOTSUP
 * (a runtime menu or verb whose data is not available). */
int conf_ctl_exec(struct conf **cp, const char *line, unsigned flags, const struct conf_sink *sink,
		  const struct conf_runtime *rt, struct conf_changes **chg, struct conf_diags *ds);
#endif
