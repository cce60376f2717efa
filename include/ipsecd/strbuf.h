/* strbuf: a growing, NUL-terminated text buffer. Allocation failure aborts the process
 * (configuration and control replies are small and a daemon out of memory here cannot
 * do anything useful). */
#ifndef IPSECD_STRBUF_H
#define IPSECD_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *s; /* always NUL-terminated once anything was added; NULL when empty */
	size_t len;
	size_t cap;
};

#define STRBUF_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

void sb_add(struct strbuf *b, const char *s, size_t n);
void sb_puts(struct strbuf *b, const char *s);
void sb_putc(struct strbuf *b, char c);
void sb_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_reset(struct strbuf *b);
/* Hands the text to the caller (who frees it); the buffer is empty afterwards. */
char *sb_take(struct strbuf *b);
const char *sb_str(const struct strbuf *b); /* "" when empty */
void sb_free(struct strbuf *b);
/* Wipes the contents before freeing (for buffers that held secrets). */
void sb_clear_free(struct strbuf *b);

/* xmalloc-style helpers that abort on failure. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
