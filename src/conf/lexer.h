/* The configuration language's lexer: logical lines (with \ continuations and ; separators)
 * split into tokens, each located in the source. */
#ifndef IPSECD_CONF_LEXER_H
#define IPSECD_CONF_LEXER_H

#include <stdbool.h>
#include <stddef.h>

#include "ipsecd/conf.h"

enum conf_tok_kind {
	TOK_WORD,   /* bare or quoted word, or key=value */
	TOK_LBRACK, /* [ */
	TOK_RBRACK, /* ] */
};

struct conf_tok {
	enum conf_tok_kind kind;
	char *key;	    /* the part before '=' (NULL for a plain word) */
	char *val;	    /* the word, or the part after '=' (unquoted, escapes resolved) */
	bool quoted;	    /* the value was written in quotes */
	unsigned line, col; /* where the token starts */
	unsigned vcol;	    /* where the value starts */
};

struct conf_lexer {
	const char *buf;
	size_t len, pos;
	unsigned line, col;
	const char *file;
	struct conf_diags *ds;
	struct conf_tok *toks; /* the current command's tokens */
	size_t ntoks, cap;
};

void conf_lex_init(struct conf_lexer *lx, const char *file, const char *buf, size_t len,
		   struct conf_diags *ds);
/* Reads the next logical command. Returns the number of tokens (0 for an empty line),
 * or -1 at the end of input. *toks is owned by the lexer until the next call; a lexical
 * error is reported in ds and the rest of that command is skipped (returns 0). */
int conf_lex_next(struct conf_lexer *lx, struct conf_tok **toks);
void conf_lex_free(struct conf_lexer *lx);
void conf_toks_free(struct conf_tok *toks, size_t n);

#endif
