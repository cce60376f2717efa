/* check_buf: the bounds-checked reader and the growing writer (src/common/buf.c): getters
 * past the end fail and stay failed, sub-readers, patching by offset, growth by doubling,
 * allocation failure, and the wiping of secret buffers (seen through an explicit_bzero
 * that this test interposes on libc's); and the string hash table (src/common/hash.c),
 * whose size follows its live keys, not its tombstones. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/buf.h"
#include "ipsecd/hash.h"

/* --- what buf.c wipes: this definition takes the place of libc's for the whole program --- */

static unsigned int wipes;
static size_t wiped_bytes;
static bool wiped_secret; /* a wiped block held the 0x5a pattern the tests write */

/* glibc declares explicit_bzero write-only; this one reads first, on purpose. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
void explicit_bzero(void *p, size_t n)
{
	volatile uint8_t *v = p;

	wipes++;
	wiped_bytes += n;
	if (n && v[0] == 0x5a)
		wiped_secret = true;
	for (size_t i = 0; i < n; i++)
		v[i] = 0;
}

static void wipe_count_reset(void)
{
	wipes = 0;
	wiped_bytes = 0;
	wiped_secret = false;
}

/* --- reader --- */

START_TEST(test_getters)
{
	static const uint8_t b[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
	struct rbuf r;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	rbuf_init(&r, b, sizeof(b));
	ck_assert_uint_eq(rbuf_left(&r), 15);
	ck_assert(rbuf_u8(&r, &u8) && u8 == 1);
	ck_assert(rbuf_u16(&r, &u16) && u16 == 0x0203);
	ck_assert(rbuf_u32(&r, &u32) && u32 == 0x04050607);
	ck_assert_uint_eq(rbuf_left(&r), 8);
	ck_assert(rbuf_u64(&r, &u64) && u64 == UINT64_C(0x08090a0b0c0d0e0f));
	ck_assert_uint_eq(rbuf_left(&r), 0);
	ck_assert(!r.err);
	ck_assert(!rbuf_u8(&r, &u8));
}
END_TEST

START_TEST(test_u64_and_bytes)
{
	static const uint8_t b[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
				    0x07, 0x08, 0xaa, 0xbb, 0xcc};
	struct rbuf r;
	uint64_t u64;
	const uint8_t *p;
	uint8_t copy[2];

	rbuf_init(&r, b, sizeof(b));
	ck_assert(rbuf_u64(&r, &u64));
	ck_assert(u64 == UINT64_C(0x0102030405060708));
	ck_assert(rbuf_bytes(&r, 1, &p) && p == b + 8);
	ck_assert(rbuf_copy(&r, copy, 2) && copy[0] == 0xbb && copy[1] == 0xcc);
	ck_assert_uint_eq(rbuf_left(&r), 0);
	ck_assert(rbuf_bytes(&r, 0, &p)); /* nothing asked, nothing left: fine */
	ck_assert(!r.err);
}
END_TEST

/* Past the end a getter fails, and every later one too, even one that would fit. */
START_TEST(test_sticky_failure)
{
	static const uint8_t b[] = {1, 2, 3};
	struct rbuf r;
	uint8_t u8 = 0x77;
	uint32_t u32 = 0x77;
	const uint8_t *p;

	rbuf_init(&r, b, sizeof(b));
	ck_assert(!rbuf_u32(&r, &u32));
	ck_assert_uint_eq(u32, 0x77); /* untouched */
	ck_assert(r.err);
	ck_assert_uint_eq(rbuf_left(&r), 0);
	ck_assert(!rbuf_u8(&r, &u8));
	ck_assert_uint_eq(u8, 0x77);
	ck_assert(!rbuf_bytes(&r, 0, &p));
	ck_assert(!rbuf_skip(&r, 0));

	rbuf_init(&r, b, sizeof(b));
	ck_assert(!rbuf_skip(&r, 4));
	ck_assert(!rbuf_u8(&r, &u8));
	rbuf_init(&r, b, sizeof(b));
	ck_assert(!rbuf_bytes(&r, SIZE_MAX, &p));
	rbuf_init(&r, b, sizeof(b));
	ck_assert(rbuf_skip(&r, 2));
	ck_assert(!rbuf_copy(&r, &u32, 2));
	ck_assert(!rbuf_u8(&r, &u8));
}
END_TEST

START_TEST(test_empty_reader)
{
	struct rbuf r;
	const uint8_t *p = (const uint8_t *)"x";
	uint8_t u8;
	struct rbuf sub;

	rbuf_init(&r, NULL, 0);
	ck_assert_uint_eq(rbuf_left(&r), 0);
	ck_assert(rbuf_bytes(&r, 0, &p));
	ck_assert_ptr_null(p);
	ck_assert(rbuf_sub(&r, 0, &sub));
	ck_assert_uint_eq(rbuf_left(&sub), 0);
	ck_assert(!rbuf_u8(&r, &u8));
}
END_TEST

START_TEST(test_sub_reader)
{
	static const uint8_t b[] = {2, 0xaa, 0xbb, 9};
	struct rbuf r, sub;
	uint8_t n, u8;
	uint16_t u16;

	rbuf_init(&r, b, sizeof(b));
	ck_assert(rbuf_u8(&r, &n));
	ck_assert(rbuf_sub(&r, n, &sub));
	ck_assert_uint_eq(rbuf_left(&sub), 2);
	ck_assert_uint_eq(rbuf_left(&r), 1);
	/* the sub-reader ends where its item ends, whatever its parent holds */
	ck_assert(!rbuf_u32(&sub, &(uint32_t){0}));
	ck_assert(sub.err);
	ck_assert(!r.err);
	ck_assert(rbuf_u8(&r, &u8) && u8 == 9);

	rbuf_init(&r, b, sizeof(b));
	rbuf_skip(&r, 1);
	ck_assert(rbuf_sub(&r, 2, &sub));
	ck_assert(rbuf_u16(&sub, &u16) && u16 == 0xaabb);
	/* an item longer than what is left fails both readers */
	rbuf_init(&r, b, sizeof(b));
	ck_assert(!rbuf_sub(&r, 5, &sub));
	ck_assert(r.err && sub.err);
	ck_assert_uint_eq(rbuf_left(&sub), 0);
	ck_assert(!rbuf_u8(&sub, &u8));
}
END_TEST

/* --- writer --- */

START_TEST(test_writer_values)
{
	static const uint8_t want[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
				       0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,
				       0x0f, 0xde, 0xad, 0,    0,    0,	   0xff};
	struct wbuf w;
	uint8_t *p;

	wbuf_init(&w);
	wbuf_u8(&w, 0x01);
	wbuf_u16(&w, 0x0203);
	wbuf_u32(&w, 0x04050607);
	wbuf_u64(&w, UINT64_C(0x08090a0b0c0d0e0f));
	wbuf_bytes(&w, "\xde\xad", 2);
	wbuf_zero(&w, 3);
	p = wbuf_reserve(&w, 1);
	ck_assert_ptr_nonnull(p);
	*p = 0xff;
	wbuf_bytes(&w, NULL, 0);
	ck_assert(!w.err);
	ck_assert_uint_eq(w.len, sizeof(want));
	ck_assert_mem_eq(w.p, want, sizeof(want));
	wbuf_free(&w);
	ck_assert_ptr_null(w.p);
	ck_assert_uint_eq(w.len, 0);
	wbuf_free(&w); /* twice is fine */
}
END_TEST

START_TEST(test_patch)
{
	struct wbuf w;
	size_t mark;

	wbuf_init(&w);
	wbuf_u8(&w, 0xee);
	mark = wbuf_mark(&w);
	ck_assert_uint_eq(mark, 1);
	wbuf_u32(&w, 0);
	wbuf_patch_u8(&w, 0, 0x11);
	wbuf_patch_u16(&w, mark, 0x2233);
	wbuf_patch_u32(&w, 1, 0x44556677);
	ck_assert_mem_eq(w.p, "\x11\x44\x55\x66\x77", 5);
	/* past the end, or straddling it: ignored */
	wbuf_patch_u32(&w, 2, 0xffffffff);
	wbuf_patch_u16(&w, 4, 0xffff);
	wbuf_patch_u8(&w, 5, 0xff);
	wbuf_patch_u8(&w, SIZE_MAX, 0xff);
	wbuf_patch_u32(&w, SIZE_MAX - 1, 0xffffffff);
	ck_assert_uint_eq(w.len, 5);
	ck_assert_mem_eq(w.p, "\x11\x44\x55\x66\x77", 5);
	wbuf_free(&w);
	/* patching an empty writer does nothing */
	wbuf_patch_u8(&w, 0, 1);
	ck_assert_ptr_null(w.p);
}
END_TEST

START_TEST(test_growth)
{
	struct wbuf w;
	size_t caps[32], ncaps = 0;

	wbuf_init(&w);
	for (unsigned int i = 0; i < 100000; i++) {
		wbuf_u8(&w, (uint8_t)i);
		if (!ncaps || caps[ncaps - 1] != w.cap)
			caps[ncaps++] = w.cap;
	}
	ck_assert(!w.err);
	ck_assert_uint_eq(w.len, 100000);
	for (unsigned int i = 0; i < 100000; i++)
		ck_assert_uint_eq(w.p[i], (uint8_t)i);
	for (size_t i = 1; i < ncaps; i++)
		ck_assert_uint_eq(caps[i], 2 * caps[i - 1]); /* doubling, not one at a time */
	/* a reserve larger than double jumps straight to what it needs */
	ck_assert_ptr_nonnull(wbuf_reserve(&w, 1000000));
	ck_assert_uint_ge(w.cap, 1100000);
	wbuf_reset(&w);
	ck_assert_uint_eq(w.len, 0);
	ck_assert_ptr_nonnull(w.p); /* the allocation is kept */
	wbuf_free(&w);
}
END_TEST

/* A size that cannot be allocated sets err; later appends do nothing. */
START_TEST(test_failure_sticks)
{
	struct wbuf w;

	wbuf_init(&w);
	wbuf_u32(&w, 0x01020304);
	ck_assert_ptr_null(wbuf_reserve(&w, SIZE_MAX - 2));
	ck_assert(w.err);
	ck_assert_uint_eq(w.len, 4);
	wbuf_u8(&w, 5);
	wbuf_u16(&w, 5);
	wbuf_u32(&w, 5);
	wbuf_u64(&w, 5);
	wbuf_bytes(&w, "abc", 3);
	wbuf_zero(&w, 3);
	ck_assert_ptr_null(wbuf_reserve(&w, 0));
	ck_assert_uint_eq(w.len, 4);
	ck_assert_mem_eq(w.p, "\x01\x02\x03\x04", 4);
	wbuf_reset(&w); /* reusable again */
	ck_assert(!w.err);
	wbuf_u8(&w, 9);
	ck_assert_uint_eq(w.len, 1);
	wbuf_free(&w);
	ck_assert(!w.err);
}
END_TEST

START_TEST(test_reserve_zero)
{
	struct wbuf w;

	wbuf_init(&w);
	ck_assert_ptr_nonnull(wbuf_reserve(&w, 0)); /* NULL means failure only */
	ck_assert_uint_eq(w.len, 0);
	wbuf_free(&w);
}
END_TEST

static void fill_secret(struct wbuf *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		wbuf_u8(w, 0x5a);
}

START_TEST(test_secret_wiped_on_growth)
{
	struct wbuf w;
	size_t cap;

	wbuf_init(&w);
	w.secret = true;
	fill_secret(&w, 10);
	cap = w.cap;
	wipe_count_reset();
	fill_secret(&w, cap); /* forces at least one move */
	ck_assert_uint_ge(wipes, 1);
	ck_assert_uint_ge(wiped_bytes, cap);
	ck_assert(wiped_secret);
	for (size_t i = 0; i < w.len; i++)
		ck_assert_uint_eq(w.p[i], 0x5a); /* the content moved intact */
	wipe_count_reset();
	cap = w.cap;
	wbuf_free(&w);
	ck_assert_uint_eq(wipes, 1);
	ck_assert_uint_eq(wiped_bytes, cap);
	ck_assert(wiped_secret);
	ck_assert(w.secret); /* still secret when reused */
}
END_TEST

START_TEST(test_secret_wiped_on_reset)
{
	struct wbuf w;
	uint8_t *p;

	wbuf_init(&w);
	w.secret = true;
	fill_secret(&w, 40);
	p = w.p;
	wbuf_reset(&w);
	ck_assert_ptr_eq(w.p, p);
	for (size_t i = 0; i < 40; i++)
		ck_assert_uint_eq(p[i], 0);
	wbuf_free(&w);
}
END_TEST

START_TEST(test_plain_not_wiped)
{
	struct wbuf w;

	wbuf_init(&w);
	wipe_count_reset();
	fill_secret(&w, 5000);
	wbuf_reset(&w);
	wbuf_free(&w);
	ck_assert_uint_eq(wipes, 0);
}
END_TEST

/* Keys that come and go (owners of leases, say) must not grow the table forever. */
START_TEST(test_hash_churn)
{
	struct hash t = HASH_INIT;
	char keys[4][16];

	for (int i = 0; i < 100000; i++) {
		char *k = keys[i % 4];

		snprintf(k, sizeof(keys[0]), "key%d", i);
		hash_put(&t, k, k);
		ck_assert_ptr_eq(hash_get(&t, k), k);
		if (i >= 3) {
			char *old = keys[(i + 1) % 4];

			ck_assert_ptr_eq(hash_del(&t, old), old);
		}
	}
	ck_assert_uint_le(t.cap, 64);
	size_t pos = 0, n = 0;

	while (hash_next(&t, &pos))
		n++;
	ck_assert_uint_eq(n, 3);
	hash_free(&t);
}
END_TEST

static Suite *buf_suite(void)
{
	Suite *s = suite_create("buf");
	TCase *rd = tcase_create("rbuf");
	TCase *wr = tcase_create("wbuf");
	TCase *ht = tcase_create("hash");

	tcase_add_test(rd, test_getters);
	tcase_add_test(rd, test_u64_and_bytes);
	tcase_add_test(rd, test_sticky_failure);
	tcase_add_test(rd, test_empty_reader);
	tcase_add_test(rd, test_sub_reader);
	tcase_add_test(wr, test_writer_values);
	tcase_add_test(wr, test_patch);
	tcase_add_test(wr, test_growth);
	tcase_add_test(wr, test_failure_sticks);
	tcase_add_test(wr, test_reserve_zero);
	tcase_add_test(wr, test_secret_wiped_on_growth);
	tcase_add_test(wr, test_secret_wiped_on_reset);
	tcase_add_test(wr, test_plain_not_wiped);
	tcase_add_test(ht, test_hash_churn);
	suite_add_tcase(s, rd);
	suite_add_tcase(s, wr);
	suite_add_tcase(s, ht);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(buf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
