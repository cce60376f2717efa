/* buf: the bounds-checked reader every untrusted byte goes through (struct rbuf) and the
 * growing writer messages are built with (struct wbuf). A reader's getters fail once past
 * the end and stay failed; a writer records allocation failure in err and lengths are
 * patched by offset, never through a pointer a realloc may have moved. */
#ifndef IPSECD_BUF_H
#define IPSECD_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rbuf {
	const uint8_t *p;
	size_t len, off;
	bool err; /* a getter went past the end */
};

void rbuf_init(struct rbuf *r, const void *p, size_t len);
size_t rbuf_left(const struct rbuf *r);
/* Network byte order. Each returns false (and sets err) when fewer bytes are left. */
bool rbuf_u8(struct rbuf *r, uint8_t *v);
bool rbuf_u16(struct rbuf *r, uint16_t *v);
bool rbuf_u32(struct rbuf *r, uint32_t *v);
bool rbuf_u64(struct rbuf *r, uint64_t *v);
/* n bytes, borrowed from the reader's buffer. */
bool rbuf_bytes(struct rbuf *r, size_t n, const uint8_t **out);
bool rbuf_copy(struct rbuf *r, void *dst, size_t n);
bool rbuf_skip(struct rbuf *r, size_t n);
/* A reader over the next n bytes (a length-prefixed item); r moves past them. */
bool rbuf_sub(struct rbuf *r, size_t n, struct rbuf *sub);

struct wbuf {
	uint8_t *p;
	size_t len, cap;
	bool err;    /* an allocation failed: the content is incomplete */
	bool secret; /* wipe on growth and free */
};

void wbuf_init(struct wbuf *w);
/* Frees the buffer (wiped first when w->secret); w is then empty and reusable. */
void wbuf_free(struct wbuf *w);
void wbuf_reset(struct wbuf *w); /* length 0, keeps the allocation */
void wbuf_u8(struct wbuf *w, uint8_t v);
void wbuf_u16(struct wbuf *w, uint16_t v);
void wbuf_u32(struct wbuf *w, uint32_t v);
void wbuf_u64(struct wbuf *w, uint64_t v);
void wbuf_bytes(struct wbuf *w, const void *p, size_t n);
void wbuf_zero(struct wbuf *w, size_t n);
/* n bytes appended, returned for the caller to fill; valid until the next append.
 * NULL when allocation failed. */
uint8_t *wbuf_reserve(struct wbuf *w, size_t n);
static inline size_t wbuf_mark(const struct wbuf *w)
{
	return w->len;
}
/* Overwrite bytes already written at offset off (ignored past the end). */
void wbuf_patch_u8(struct wbuf *w, size_t off, uint8_t v);
void wbuf_patch_u16(struct wbuf *w, size_t off, uint16_t v);
void wbuf_patch_u32(struct wbuf *w, size_t off, uint32_t v);

#endif
