/* render: what ipsecctl prints from the daemon's reply lines (tables, detail, JSON,
 * text), and the joining of its arguments into one request line. Pure functions that
 * write into a strbuf, so the tests can check them without a daemon. */
#ifndef IPSECCTL_RENDER_H
#define IPSECCTL_RENDER_H

#include <stddef.h>

struct strbuf;

/* The reply as received: the C line, the R lines and the T lines. */
struct render_reply {
	char *columns; /* space-separated names, or NULL when no C line came */
	char **records;
	size_t nrecords, records_cap;
	char **text;
	size_t ntext, text_cap;
};

/* Keeps a copy of a C, R or T payload; other kinds are ignored. */
void render_reply_add(struct render_reply *r, char kind, const char *payload);
void render_reply_free(struct render_reply *r);

/* Each returns 0, or -EINVAL when a record is malformed (out then holds a partial
 * rendering the caller drops). */
/* "Flags: ..." legend, a header row and one padded row per record (cells cut at 40). */
int render_table(struct strbuf *out, const struct render_reply *r);
/* RouterOS "print detail": " 0  X  name=a address=..." wrapped at 100 columns. */
int render_detail(struct strbuf *out, const struct render_reply *r);
/* Records as a JSON array of objects of strings; else T lines as {"text": [...]};
 * nothing when the reply has neither. */
int render_json(struct strbuf *out, const struct render_reply *r);
/* The T lines, one per line. */
void render_text(struct strbuf *out, const struct render_reply *r);

/* s as a JSON string literal, quotes included; invalid UTF-8 becomes U+FFFD. */
void render_json_string(struct strbuf *out, const char *s);

/* Joins argv into one request line, re-quoting what the shell's quote removal took
 * away: a word's value (after its first '=') that needs quoting in the configuration
 * language is quoted ("comment=a b" -> comment="a b"); so is a whole word without '='
 * that needs it. */
void render_join_args(struct strbuf *out, int argc, char *const argv[]);

#endif
