/* render: the daemon's records as RouterOS-like tables, detail listings or JSON, and the
 * argument joining that undoes the shell's quote removal. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/ctl.h"
#include "ipsecd/strbuf.h"
#include "render.h"

#define CELL_MAX     40	 /* widest table cell; longer values end in "..." */
#define DETAIL_WIDTH 100 /* detail lines wrap here */

static const struct {
	char letter;
	const char *name;
} flag_names[] = {
	{'X', "disabled"}, {'D', "dynamic"}, {'I', "invalid"}, {'A', "active"}, {'*', "default"},
};

/* Appends to an array of strings that grows by doubling (10,000 records: 14 reallocs). */
static void push(char ***v, size_t *n, size_t *cap, const char *s)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = xstrdup(s);
}

void render_reply_add(struct render_reply *r, char kind, const char *payload)
{
	switch (kind) {
	case CTL_COLUMNS:
		free(r->columns);
		r->columns = xstrdup(payload);
		break;
	case CTL_RECORD:
		push(&r->records, &r->nrecords, &r->records_cap, payload);
		break;
	case CTL_TEXT:
		push(&r->text, &r->ntext, &r->text_cap, payload);
		break;
	}
}

void render_reply_free(struct render_reply *r)
{
	for (size_t i = 0; i < r->nrecords; i++)
		free(r->records[i]);
	for (size_t i = 0; i < r->ntext; i++)
		free(r->text[i]);
	free(r->records);
	free(r->text);
	free(r->columns);
	*r = (struct render_reply){0};
}

/* --- helpers --- */

/* Columns a string takes on a terminal: one per UTF-8 code point. */
static size_t dwidth(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

static void pad(struct strbuf *out, size_t n)
{
	while (n--)
		sb_putc(out, ' ');
}

/* Drops trailing blanks from the line just written. */
static void end_line(struct strbuf *out)
{
	while (out->len && out->s[out->len - 1] == ' ')
		out->s[--out->len] = '\0';
	sb_putc(out, '\n');
}

static size_t ndigits(size_t n)
{
	size_t d = 1;

	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

/* Splits every record; on failure frees what was split. */
static int split_all(const struct render_reply *r, struct ctl_record **recs)
{
	*recs = xcalloc(r->nrecords ? r->nrecords : 1, sizeof(**recs));
	for (size_t i = 0; i < r->nrecords; i++) {
		if (ctl_terse_split(r->records[i], &(*recs)[i]) < 0) {
			while (i--)
				ctl_record_free(&(*recs)[i]);
			free(*recs);
			*recs = NULL;
			return -EINVAL;
		}
	}
	return 0;
}

static void free_all(struct ctl_record *recs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ctl_record_free(&recs[i]);
	free(recs);
}

static const char *rec_flags(const struct ctl_record *rec)
{
	const char *f = ctl_record_get(rec, "flags");

	return f ? f : "";
}

/* The row's number: the item's position in its whole menu (.nr), which is what `remove N`
 * and `set N` act on, also when `print where` showed only some rows; else its place. */
static size_t rec_nr(const struct ctl_record *rec, size_t place)
{
	const char *v = ctl_record_get(rec, ".nr");
	char *end;
	unsigned long nr = v && *v ? strtoul(v, &end, 10) : 0;

	return v && *v && !*end ? (size_t)nr : place;
}

/* Digits of the largest row number. */
static size_t nr_width(const struct ctl_record *recs, size_t n)
{
	size_t top = 0;

	for (size_t i = 0; i < n; i++)
		if (rec_nr(&recs[i], i) > top)
			top = rec_nr(&recs[i], i);
	return ndigits(top);
}

static size_t flags_width(const struct ctl_record *recs, size_t n)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++)
		if (dwidth(rec_flags(&recs[i])) > w)
			w = dwidth(rec_flags(&recs[i]));
	return w;
}

/* "Flags: X - disabled, D - dynamic": the known flags present, in the usual order, then
 * any other letters as they are. */
static void render_legend(struct strbuf *out, const struct ctl_record *recs, size_t n)
{
	struct strbuf seen = STRBUF_INIT;
	const char *sep = "Flags: ";

	for (size_t i = 0; i < n; i++)
		for (const char *f = rec_flags(&recs[i]); *f; f++)
			if (!strchr(sb_str(&seen), *f))
				sb_putc(&seen, *f);
	for (size_t k = 0; k < sizeof(flag_names) / sizeof(flag_names[0]); k++) {
		if (strchr(sb_str(&seen), flag_names[k].letter)) {
			sb_printf(out, "%s%c - %s", sep, flag_names[k].letter, flag_names[k].name);
			sep = ", ";
		}
	}
	for (const char *f = sb_str(&seen); *f; f++) {
		bool known = false;

		for (size_t k = 0; k < sizeof(flag_names) / sizeof(flag_names[0]); k++)
			known |= flag_names[k].letter == *f;
		if (!known) {
			sb_printf(out, "%s%c", sep, *f);
			sep = ", ";
		}
	}
	if (seen.len)
		sb_putc(out, '\n');
	sb_free(&seen);
}

/* --- table --- */

/* A value fit for one table cell: control characters blanked, cut at CELL_MAX. */
static char *cell_text(const char *val)
{
	struct strbuf b = STRBUF_INIT;
	bool cut = dwidth(val) > CELL_MAX;
	size_t w = 0;

	for (const unsigned char *p = (const unsigned char *)val; *p; p++) {
		if ((*p & 0xc0) != 0x80 && ++w > CELL_MAX - 3 && cut)
			break;
		sb_putc(&b, *p < 0x20 || *p == 0x7f ? ' ' : (char)*p);
	}
	if (cut)
		sb_puts(&b, "...");
	return sb_take(&b);
}

struct table {
	char **keys;  /* column names as the C line gives them */
	char **heads; /* the same in capitals, for the header row */
	size_t ncols;
	size_t *width;
	char **cells; /* nrows x ncols */
	size_t nrows;
};

static void table_columns(struct table *t, const char *columns)
{
	char *names = xstrdup(columns), *save = NULL;

	for (char *c = strtok_r(names, " \t", &save); c; c = strtok_r(NULL, " \t", &save)) {
		t->keys = xrealloc(t->keys, (t->ncols + 1) * sizeof(*t->keys));
		t->heads = xrealloc(t->heads, (t->ncols + 1) * sizeof(*t->heads));
		t->keys[t->ncols] = xstrdup(c);
		t->heads[t->ncols] = xstrdup(c);
		for (char *u = t->heads[t->ncols]; *u; u++)
			*u = *u >= 'a' && *u <= 'z' ? (char)(*u - 'a' + 'A') : *u;
		t->ncols++;
	}
	free(names);
}

static void table_init(struct table *t, const char *columns, const struct ctl_record *recs,
		       size_t n)
{
	*t = (struct table){0};
	table_columns(t, columns);
	t->nrows = n;
	t->width = xcalloc(t->ncols ? t->ncols : 1, sizeof(*t->width));
	t->cells = xcalloc(n * t->ncols + 1, sizeof(*t->cells));
	for (size_t j = 0; j < t->ncols; j++)
		t->width[j] = dwidth(t->heads[j]);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < t->ncols; j++) {
			const char *v = ctl_record_get(&recs[i], t->keys[j]);
			char *cell = cell_text(v ? v : "");

			t->cells[i * t->ncols + j] = cell;
			if (dwidth(cell) > t->width[j])
				t->width[j] = dwidth(cell);
		}
	}
}

static void table_free(struct table *t)
{
	for (size_t j = 0; j < t->ncols; j++) {
		free(t->keys[j]);
		free(t->heads[j]);
	}
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->keys);
	free(t->heads);
	free(t->cells);
	free(t->width);
}

/* One row: the lead ("#" or the index and flags) then the cells, two blanks apart. */
static void table_row(struct strbuf *out, const struct table *t, const char *lead,
		      char *const *cells)
{
	sb_puts(out, lead);
	for (size_t j = 0; j < t->ncols; j++) {
		sb_puts(out, "  ");
		sb_puts(out, cells[j]);
		if (j + 1 < t->ncols)
			pad(out, t->width[j] - dwidth(cells[j]));
	}
	end_line(out);
}

int render_table(struct strbuf *out, const struct render_reply *r)
{
	struct ctl_record *recs;
	struct strbuf lead = STRBUF_INIT;
	struct table t;
	size_t iw, fw;

	if (!r->columns)
		return render_detail(out, r);
	if (split_all(r, &recs) < 0)
		return -EINVAL;
	table_init(&t, r->columns, recs, r->nrecords);
	iw = nr_width(recs, r->nrecords);
	fw = flags_width(recs, r->nrecords);
	render_legend(out, recs, r->nrecords);
	sb_putc(&lead, '#');
	pad(&lead, iw - 1 + (fw ? fw + 1 : 0));
	table_row(out, &t, sb_str(&lead), t.heads);
	for (size_t i = 0; i < r->nrecords; i++) {
		const char *f = rec_flags(&recs[i]);

		sb_reset(&lead);
		sb_printf(&lead, "%*zu", (int)iw, rec_nr(&recs[i], i));
		if (fw) {
			sb_printf(&lead, " %s", f);
			pad(&lead, fw - dwidth(f));
		}
		table_row(out, &t, sb_str(&lead), t.cells + i * t.ncols);
	}
	sb_free(&lead);
	table_free(&t);
	free_all(recs, r->nrecords);
	return 0;
}

/* --- detail --- */

/* key=value as the language writes it; quoted when the daemon quoted it or must be. */
static void detail_pair(struct strbuf *b, const struct ctl_kv *kv)
{
	sb_puts(b, kv->key);
	if (!kv->val)
		return;
	sb_putc(b, '=');
	if (kv->quoted && !ctl_needs_quote(kv->val)) {
		sb_putc(b, '"');
		sb_puts(b, kv->val);
		sb_putc(b, '"');
	} else {
		ctl_quote(b, kv->val);
	}
}

static void detail_record(struct strbuf *out, const struct ctl_record *rec, const char *lead)
{
	size_t indent = dwidth(lead), col = indent;
	struct strbuf pair = STRBUF_INIT;
	bool first = true;

	sb_puts(out, lead);
	for (size_t k = 0; k < rec->n; k++) {
		const struct ctl_kv *kv = &rec->kv[k];

		if (!strcmp(kv->key, "flags") || kv->key[0] == '.')
			continue; /* flags are in the lead; .id and friends are internal */
		sb_reset(&pair);
		detail_pair(&pair, kv);
		if (!first && col + 1 + dwidth(sb_str(&pair)) > DETAIL_WIDTH) {
			end_line(out);
			pad(out, indent);
			col = indent;
		} else if (!first) {
			sb_putc(out, ' ');
			col++;
		}
		sb_puts(out, sb_str(&pair));
		col += dwidth(sb_str(&pair));
		first = false;
	}
	end_line(out);
	sb_free(&pair);
}

int render_detail(struct strbuf *out, const struct render_reply *r)
{
	struct strbuf lead = STRBUF_INIT;
	struct ctl_record *recs;
	size_t iw, fw;

	if (split_all(r, &recs) < 0)
		return -EINVAL;
	iw = nr_width(recs, r->nrecords);
	iw = iw < 2 ? 2 : iw;
	fw = flags_width(recs, r->nrecords);
	render_legend(out, recs, r->nrecords);
	for (size_t i = 0; i < r->nrecords; i++) {
		const char *f = rec_flags(&recs[i]);

		if (i)
			sb_putc(out, '\n');
		sb_reset(&lead);
		sb_printf(&lead, "%*zu  ", (int)iw, rec_nr(&recs[i], i));
		if (fw) {
			sb_puts(&lead, f);
			pad(&lead, fw - dwidth(f) + 2);
		}
		detail_record(out, &recs[i], sb_str(&lead));
	}
	sb_free(&lead);
	free_all(recs, r->nrecords);
	return 0;
}

/* --- JSON --- */

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlongs, no surrogates, at
 * most U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *p)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		lo = p[0] == 0xe0 ? 0xa0 : lo;
		hi = p[0] == 0xed ? 0x9f : hi;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		lo = p[0] == 0xf0 ? 0x90 : lo;
		hi = p[0] == 0xf4 ? 0x8f : hi;
	} else {
		return 0;
	}
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* The JSON escape letter of a control character, or 0 for the \u00XX form. */
static char json_escape(unsigned char c)
{
	switch (c) {
	case '\b':
		return 'b';
	case '\f':
		return 'f';
	case '\n':
		return 'n';
	case '\r':
		return 'r';
	case '\t':
		return 't';
	default:
		return 0;
	}
}

void render_json_string(struct strbuf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	sb_putc(out, '"');
	while (*p) {
		size_t n;

		if (*p == '"' || *p == '\\') {
			sb_putc(out, '\\');
			sb_putc(out, (char)*p++);
		} else if (*p < 0x20 && json_escape(*p)) {
			sb_putc(out, '\\');
			sb_putc(out, json_escape(*p++));
		} else if (*p < 0x20) {
			sb_printf(out, "\\u%04x", *p++);
		} else if (*p < 0x80) {
			sb_putc(out, (char)*p++);
		} else if ((n = utf8_seq(p))) {
			sb_add(out, (const char *)p, n);
			p += n;
		} else {
			sb_puts(out, "\\ufffd");
			p++;
		}
	}
	sb_putc(out, '"');
}

static void json_record(struct strbuf *out, const struct ctl_record *rec)
{
	sb_putc(out, '{');
	for (size_t k = 0; k < rec->n; k++) {
		if (k)
			sb_puts(out, ", ");
		render_json_string(out, rec->kv[k].key);
		sb_puts(out, ": ");
		render_json_string(out, rec->kv[k].val ? rec->kv[k].val : "");
	}
	sb_putc(out, '}');
}

static void json_text(struct strbuf *out, const struct render_reply *r)
{
	sb_puts(out, "{\"text\": [");
	for (size_t i = 0; i < r->ntext; i++) {
		sb_puts(out, i ? ",\n  " : "\n  ");
		render_json_string(out, r->text[i]);
	}
	sb_puts(out, r->ntext ? "\n]}\n" : "]}\n");
}

int render_json(struct strbuf *out, const struct render_reply *r)
{
	struct ctl_record *recs;

	if (!r->columns && !r->nrecords) {
		if (r->ntext)
			json_text(out, r);
		return 0;
	}
	if (split_all(r, &recs) < 0)
		return -EINVAL;
	sb_putc(out, '[');
	for (size_t i = 0; i < r->nrecords; i++) {
		sb_puts(out, i ? ",\n  " : "\n  ");
		json_record(out, &recs[i]);
	}
	sb_puts(out, r->nrecords ? "\n]\n" : "]\n");
	free_all(recs, r->nrecords);
	return 0;
}

void render_text(struct strbuf *out, const struct render_reply *r)
{
	for (size_t i = 0; i < r->ntext; i++) {
		sb_puts(out, r->text[i]);
		sb_putc(out, '\n');
	}
}

/* --- arguments --- */

void render_join_args(struct strbuf *out, int argc, char *const argv[])
{
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *eq = strchr(a, '=');
		char *key = eq ? xstrndup(a, (size_t)(eq - a)) : NULL;

		if (i)
			sb_putc(out, ' ');
		if (key && *key && !ctl_needs_quote(key)) {
			sb_add(out, a, (size_t)(eq - a) + 1);
			ctl_quote(out, eq + 1);
		} else {
			ctl_quote(out, a);
		}
		free(key);
	}
}
