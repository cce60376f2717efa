/* lexer: RouterOS script lines into located tokens.
 * A command ends at a newline not preceded by '\', or at ';'. '#' at the start of a token
 * begins a comment to the end of the line. Quoted strings take RouterOS escapes:
 * \" \\ \n \r \t \$ \? \_ (space) \a \b \f \v and \HH (two hex digits). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "internal.h"
#include "lexer.h"

void conf_lex_init(struct conf_lexer *lx, const char *file, const char *buf, size_t len,
		   struct conf_diags *ds)
{
	*lx = (struct conf_lexer){
		.buf = buf, .len = len, .line = 1, .col = 1, .file = file, .ds = ds};
}

void conf_toks_free(struct conf_tok *toks, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(toks[i].key);
		free(toks[i].val);
	}
	free(toks);
}

void conf_lex_free(struct conf_lexer *lx)
{
	conf_toks_free(lx->toks, lx->ntoks);
	lx->toks = NULL;
	lx->ntoks = lx->cap = 0;
}

static int peek(const struct conf_lexer *lx, size_t off)
{
	return lx->pos + off < lx->len ? (unsigned char)lx->buf[lx->pos + off] : -1;
}

static void advance(struct conf_lexer *lx)
{
	if (lx->buf[lx->pos] == '\n') {
		lx->line++;
		lx->col = 1;
	} else {
		lx->col++;
	}
	lx->pos++;
}

static bool at_continuation(const struct conf_lexer *lx)
{
	return peek(lx, 0) == '\\' &&
	       (peek(lx, 1) == '\n' || (peek(lx, 1) == '\r' && peek(lx, 2) == '\n'));
}

/* Skips blanks and backslash-newline continuations; stops at a newline. */
static void skip_blanks(struct conf_lexer *lx)
{
	for (;;) {
		int c = peek(lx, 0);

		if (c == ' ' || c == '\t' || c == '\r') {
			advance(lx);
		} else if (c == '\\' &&
			   (peek(lx, 1) == '\n' || (peek(lx, 1) == '\r' && peek(lx, 2) == '\n'))) {
			advance(lx);
			if (peek(lx, 0) == '\r')
				advance(lx);
			advance(lx);
		} else {
			return;
		}
	}
}

static void skip_to_eol(struct conf_lexer *lx)
{
	while (peek(lx, 0) != -1 && peek(lx, 0) != '\n')
		advance(lx);
}

/* Reads a quoted string starting at '"'. Returns 0 or -1 (error reported). */
static int lex_quoted(struct conf_lexer *lx, struct strbuf *out)
{
	unsigned line = lx->line, col = lx->col;

	advance(lx);
	for (;;) {
		int c = peek(lx, 0);

		if (c == -1 || (c == '\n')) {
			conf_diag_add(lx->ds, CONF_ERROR, lx->file, line, col,
				      "unterminated quoted string");
			return -1;
		}
		if (c == '"') {
			advance(lx);
			return 0;
		}
		if (c != '\\') {
			sb_putc(out, (char)c);
			advance(lx);
			continue;
		}
		unsigned eline = lx->line, ecol = lx->col;
		int e = peek(lx, 1), h1, h2;

		advance(lx);
		if (e == '\n') { /* continuation inside quotes */
			advance(lx);
			continue;
		}
		const char *plain = "\"\\$?";
		const char *ctl = "nrtabfv_";
		const char *ctlv = "\n\r\t\a\b\f\v ";

		if (e != -1 && strchr(plain, e)) {
			sb_putc(out, (char)e);
			advance(lx);
		} else if (e != -1 && strchr(ctl, e)) {
			sb_putc(out, ctlv[strchr(ctl, e) - ctl]);
			advance(lx);
		} else if ((h1 = OPENSSL_hexchar2int(e)) >= 0 &&
			   (h2 = OPENSSL_hexchar2int(peek(lx, 1))) >= 0 && (h1 || h2)) {
			sb_putc(out, (char)(h1 * 16 + h2));
			advance(lx);
			advance(lx);
		} else {
			conf_diag_add(lx->ds, CONF_ERROR, lx->file, eline, ecol,
				      "unknown escape sequence in quoted string; valid: \\\" \\\\ "
				      "\\n \\r \\t \\$ \\? \\_ \\a \\b \\f \\v \\HH (not \\00)");
			return -1;
		}
	}
}

static bool word_end(int c)
{
	return c == -1 || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' || c == '[' ||
	       c == ']';
}

/* Reads a bare or quoted run (stops at '=' when stop_eq). */
static int lex_part(struct conf_lexer *lx, struct strbuf *out, bool stop_eq, bool *quoted)
{
	*quoted = false;
	if (peek(lx, 0) == '"') {
		*quoted = true;
		if (lex_quoted(lx, out) < 0)
			return -1;
		if (!word_end(peek(lx, 0)) && !(stop_eq && peek(lx, 0) == '=')) {
			conf_diag_add(lx->ds, CONF_ERROR, lx->file, lx->line, lx->col,
				      "unexpected text after closing quote");
			return -1;
		}
		return 0;
	}
	while (!word_end(peek(lx, 0)) && !(stop_eq && peek(lx, 0) == '=')) {
		if (at_continuation(lx)) {
			/* a line broken inside a word (RouterOS breaks after "name="):
			 * the word goes on after the next line's indentation */
			skip_blanks(lx);
			continue;
		}
		sb_putc(out, (char)peek(lx, 0));
		advance(lx);
	}
	return 0;
}

static int lex_word(struct conf_lexer *lx, struct conf_tok *t)
{
	struct strbuf a = STRBUF_INIT;
	bool q;

	if (lex_part(lx, &a, true, &q) < 0)
		goto fail;
	if (peek(lx, 0) == '=' && a.len > 0 && !q) {
		advance(lx);
		if (at_continuation(lx))
			skip_blanks(lx);
		t->key = sb_take(&a);
		t->vcol = lx->col;
		if (lex_part(lx, &a, false, &t->quoted) < 0)
			goto fail;
		t->val = sb_take(&a);
		return 0;
	}
	if (peek(lx, 0) == '=') {
		conf_diag_add(lx->ds, CONF_ERROR, lx->file, lx->line, lx->col,
			      "'=' without a property name before it");
		goto fail;
	}
	t->quoted = q;
	t->val = sb_take(&a);
	return 0;
fail:
	sb_free(&a);
	return -1;
}

static void push(struct conf_lexer *lx, struct conf_tok t)
{
	if (lx->ntoks == lx->cap) {
		lx->cap = lx->cap ? lx->cap * 2 : 16;
		lx->toks = xrealloc(lx->toks, lx->cap * sizeof(*lx->toks));
	}
	lx->toks[lx->ntoks++] = t;
}

int conf_lex_next(struct conf_lexer *lx, struct conf_tok **toks)
{
	bool bad = false;

	conf_lex_free(lx);
	if (lx->pos >= lx->len)
		return -1;
	for (;;) {
		skip_blanks(lx);
		int c = peek(lx, 0);

		if (c == -1 || c == '\n' || c == ';') {
			if (c != -1)
				advance(lx);
			break;
		}
		if (bad) {
			advance(lx);
			continue;
		}
		if (c == '#') {
			skip_to_eol(lx);
			continue;
		}
		struct conf_tok t = {.line = lx->line, .col = lx->col, .vcol = lx->col};

		if (c == '[' || c == ']') {
			t.kind = c == '[' ? TOK_LBRACK : TOK_RBRACK;
			t.val = xstrdup(c == '[' ? "[" : "]");
			advance(lx);
		} else if (c == '{' || c == '}') {
			conf_diag_add(lx->ds, CONF_ERROR, lx->file, lx->line, lx->col,
				      "script blocks ('{ }') are not supported");
			bad = true;
			continue;
		} else if (lex_word(lx, &t) < 0) {
			free(t.key);
			free(t.val);
			bad = true;
			continue;
		}
		push(lx, t);
	}
	if (bad) {
		conf_lex_free(lx);
		*toks = NULL;
		return 0;
	}
	*toks = lx->toks;
	return (int)lx->ntoks;
}
