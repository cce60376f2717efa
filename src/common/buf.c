/* buf: the bounds-checked reader (struct rbuf) that every untrusted byte goes through and the
 * growing writer (struct wbuf) messages are built with. Reader getters fail, and keep
 * failing, once a read would pass the end. The writer doubles its allocation as it grows;
 * a secret writer never leaves a copy behind: the old allocation is wiped before it is
 * released, on growth as on free. Once an allocation fails the writer ignores further
 * appends, so a message built in it is never sent with a hole in the middle. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/buf.h"

#define WBUF_MIN_CAP 64

/* --- reader --- */

void rbuf_init(struct rbuf *r, const void *p, size_t len)
{
	r->p = p;
	r->len = p ? len : 0;
	r->off = 0;
	r->err = false;
}

size_t rbuf_left(const struct rbuf *r)
{
	return r->err ? 0 : r->len - r->off;
}

/* The next n bytes, or NULL (err set) when fewer are left; n == 0 always succeeds. */
static const uint8_t *rbuf_take(struct rbuf *r, size_t n)
{
	const uint8_t *at;

	if (r->err || n > r->len - r->off) {
		r->err = true;
		return NULL;
	}
	if (!r->p) /* an empty reader over no buffer: only n == 0 gets here */
		return NULL;
	at = r->p + r->off;
	r->off += n;
	return at;
}

/* rbuf_take for fixed-size getters, where NULL always means failure (n > 0). */
static bool rbuf_be(struct rbuf *r, size_t n, uint64_t *v)
{
	const uint8_t *at = rbuf_take(r, n);

	if (!at)
		return false;
	*v = 0;
	for (size_t i = 0; i < n; i++)
		*v = *v << 8 | at[i];
	return true;
}

bool rbuf_u8(struct rbuf *r, uint8_t *v)
{
	uint64_t x;

	if (!rbuf_be(r, 1, &x))
		return false;
	*v = (uint8_t)x;
	return true;
}

bool rbuf_u16(struct rbuf *r, uint16_t *v)
{
	uint64_t x;

	if (!rbuf_be(r, 2, &x))
		return false;
	*v = (uint16_t)x;
	return true;
}

bool rbuf_u32(struct rbuf *r, uint32_t *v)
{
	uint64_t x;

	if (!rbuf_be(r, 4, &x))
		return false;
	*v = (uint32_t)x;
	return true;
}

bool rbuf_u64(struct rbuf *r, uint64_t *v)
{
	return rbuf_be(r, 8, v);
}

bool rbuf_bytes(struct rbuf *r, size_t n, const uint8_t **out)
{
	const uint8_t *at = rbuf_take(r, n);

	if (r->err)
		return false;
	*out = at;
	return true;
}

bool rbuf_copy(struct rbuf *r, void *dst, size_t n)
{
	const uint8_t *at = rbuf_take(r, n);

	if (r->err)
		return false;
	if (n)
		memcpy(dst, at, n);
	return true;
}

bool rbuf_skip(struct rbuf *r, size_t n)
{
	rbuf_take(r, n);
	return !r->err;
}

bool rbuf_sub(struct rbuf *r, size_t n, struct rbuf *sub)
{
	const uint8_t *at = rbuf_take(r, n);

	if (r->err) {
		rbuf_init(sub, NULL, 0);
		sub->err = true;
		return false;
	}
	rbuf_init(sub, at, n);
	return true;
}

/* --- writer --- */

void wbuf_init(struct wbuf *w)
{
	w->p = NULL;
	w->len = 0;
	w->cap = 0;
	w->err = false;
	w->secret = false;
}

void wbuf_free(struct wbuf *w)
{
	if (w->p && w->secret)
		explicit_bzero(w->p, w->cap);
	free(w->p);
	w->p = NULL;
	w->len = 0;
	w->cap = 0;
	w->err = false;
}

void wbuf_reset(struct wbuf *w)
{
	if (w->p && w->secret)
		explicit_bzero(w->p, w->len);
	w->len = 0;
	w->err = false;
}

/* A secret's bytes are moved by hand so that the old block can be wiped before free(). */
static uint8_t *wbuf_realloc(struct wbuf *w, size_t cap)
{
	uint8_t *p;

	if (!w->secret)
		return realloc(w->p, cap);
	p = malloc(cap);
	if (!p)
		return NULL;
	if (w->p) {
		memcpy(p, w->p, w->len);
		explicit_bzero(w->p, w->cap);
		free(w->p);
	}
	return p;
}

/* Room for n more bytes (always some allocation, even for n == 0); false and err set when
 * the size overflows or an allocation fails. */
static bool wbuf_grow(struct wbuf *w, size_t n)
{
	size_t need, cap;
	uint8_t *p;

	if (w->err)
		return false;
	if (n > SIZE_MAX - w->len) {
		w->err = true;
		return false;
	}
	need = w->len + n;
	if (w->p && need <= w->cap)
		return true;
	cap = w->cap ? w->cap : WBUF_MIN_CAP;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = wbuf_realloc(w, cap);
	if (!p) {
		w->err = true;
		return false;
	}
	w->p = p;
	w->cap = cap;
	return true;
}

uint8_t *wbuf_reserve(struct wbuf *w, size_t n)
{
	uint8_t *at;

	if (!wbuf_grow(w, n))
		return NULL;
	at = w->p + w->len;
	w->len += n;
	return at;
}

void wbuf_bytes(struct wbuf *w, const void *p, size_t n)
{
	uint8_t *at = wbuf_reserve(w, n);

	if (at && n)
		memcpy(at, p, n);
}

void wbuf_zero(struct wbuf *w, size_t n)
{
	uint8_t *at = wbuf_reserve(w, n);

	if (at && n)
		memset(at, 0, n);
}

/* Writes the n low-order bytes of v big-endian at dst. */
static void put_be(uint8_t *dst, uint64_t v, size_t n)
{
	for (size_t i = n; i > 0; i--) {
		dst[i - 1] = (uint8_t)v;
		v >>= 8;
	}
}

static void wbuf_be(struct wbuf *w, uint64_t v, size_t n)
{
	uint8_t *at = wbuf_reserve(w, n);

	if (at)
		put_be(at, v, n);
}

void wbuf_u8(struct wbuf *w, uint8_t v)
{
	wbuf_be(w, v, 1);
}

void wbuf_u16(struct wbuf *w, uint16_t v)
{
	wbuf_be(w, v, 2);
}

void wbuf_u32(struct wbuf *w, uint32_t v)
{
	wbuf_be(w, v, 4);
}

void wbuf_u64(struct wbuf *w, uint64_t v)
{
	wbuf_be(w, v, 8);
}

static void wbuf_patch(struct wbuf *w, size_t off, uint64_t v, size_t n)
{
	if (!w->p || off > w->len || n > w->len - off)
		return;
	put_be(w->p + off, v, n);
}

void wbuf_patch_u8(struct wbuf *w, size_t off, uint8_t v)
{
	wbuf_patch(w, off, v, 1);
}

void wbuf_patch_u16(struct wbuf *w, size_t off, uint16_t v)
{
	wbuf_patch(w, off, v, 2);
}

void wbuf_patch_u32(struct wbuf *w, size_t off, uint32_t v)
{
	wbuf_patch(w, off, v, 4);
}
