/* check_crypto_reuse: what the crypto module shares between uses for speed, and the
 * bounds on it. A responder's reused DH key pair (RFC 7296 2.12): shared for at most its
 * uses and its age, dropped by crypto_dh_reuse_expire, a holder's copy good after the
 * drop, and each exchange's secret still agreed with a fresh peer key. The random pool:
 * consecutive requests never repeat bytes, large ones bypass it, and a forked child draws
 * other bytes than its parent (MADV_WIPEONFORK). Time is the test's own numbers. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipsecd/crypto.h"

#define ECP256 19

static const uint16_t groups[] = {14, 19, 20, 31}; /* modp2048, ecp256, ecp384, x25519 */

/* A copy of dh's public value. */
static void pub_of(const struct crypto_dh *dh, uint8_t *out, size_t *len)
{
	const uint8_t *p = crypto_dh_public(dh, len);

	ck_assert_uint_le(*len, 1024);
	memcpy(out, p, *len);
}

static void setup(void)
{
	crypto_dh_set_reuse(4, 10.0);
}

static void teardown(void)
{
	crypto_dh_set_reuse(CRYPTO_DH_REUSE_USES, CRYPTO_DH_REUSE_AGE);
}

START_TEST(test_reuse_uses)
{
	struct crypto_dh *d[5];
	uint8_t p0[1024], p[1024];
	size_t l0, l;

	for (int i = 0; i < 5; i++)
		ck_assert_ptr_nonnull(d[i] = crypto_dh_reused(ECP256, 100.0));
	pub_of(d[0], p0, &l0);
	for (int i = 1; i < 4; i++) { /* the first four share one key */
		pub_of(d[i], p, &l);
		ck_assert_mem_eq(p, p0, l0);
	}
	pub_of(d[4], p, &l); /* the fifth is past max_uses */
	ck_assert(memcmp(p, p0, l0) != 0);
	for (int i = 0; i < 5; i++)
		crypto_dh_free(d[i]);
}
END_TEST

START_TEST(test_reuse_age)
{
	struct crypto_dh *a = crypto_dh_reused(ECP256, 100.0);
	struct crypto_dh *b = crypto_dh_reused(ECP256, 109.9);
	struct crypto_dh *c = crypto_dh_reused(ECP256, 110.0);	 /* 10 s old: spent */
	struct crypto_dh *back = crypto_dh_reused(ECP256, 50.0); /* the clock went back */
	uint8_t pa[1024], pb[1024], pc[1024], pd[1024];
	size_t la, lb, lc, ld;

	ck_assert(a && b && c && back);
	pub_of(a, pa, &la);
	pub_of(b, pb, &lb);
	pub_of(c, pc, &lc);
	pub_of(back, pd, &ld);
	ck_assert_mem_eq(pa, pb, la);
	ck_assert(memcmp(pa, pc, la) != 0);
	ck_assert(memcmp(pc, pd, lc) != 0);
	crypto_dh_free(a);
	crypto_dh_free(b);
	crypto_dh_free(c);
	crypto_dh_free(back);
}
END_TEST

START_TEST(test_reuse_expire)
{
	struct crypto_dh *a = crypto_dh_reused(ECP256, 100.0), *b;
	uint8_t pa[1024], pb[1024];
	size_t la, lb;
	struct crypto_chunk s = {0};

	ck_assert_ptr_nonnull(a);
	pub_of(a, pa, &la);
	ck_assert(fabs(crypto_dh_reuse_expire(103.0) - 7.0) < 1e-9); /* due at 110 */
	ck_assert(crypto_dh_reuse_expire(110.0) == 0);		     /* dropped: none left */
	ck_assert(crypto_dh_reuse_expire(111.0) == 0);
	b = crypto_dh_reused(ECP256, 110.5); /* nothing left to share: a new key */
	ck_assert_ptr_nonnull(b);
	pub_of(b, pb, &lb);
	ck_assert(memcmp(pa, pb, la) != 0);
	/* a holder's key outlives the drop: it still derives */
	ck_assert_int_eq(crypto_dh_shared(a, pb, lb, &s), 0);
	crypto_chunk_clear(&s);
	crypto_dh_free(a);
	crypto_dh_free(b);
	ck_assert(crypto_dh_reuse_expire(HUGE_VAL) == 0);
}
END_TEST

/* Every exchange a shared key serves agrees with its own peer, on a secret of its own. */
START_TEST(test_reuse_agree)
{
	uint16_t g = groups[_i];
	uint8_t first[1024];
	size_t firstlen = 0;

	for (int i = 0; i < 3; i++) {
		struct crypto_dh *ours = crypto_dh_reused(g, 1.0 + i);
		struct crypto_dh *peer = crypto_dh_new(g);
		struct crypto_chunk s1, s2;
		const uint8_t *po, *pp;
		size_t lo, lp;

		ck_assert_msg(ours && peer, "group %u", g);
		po = crypto_dh_public(ours, &lo);
		pp = crypto_dh_public(peer, &lp);
		ck_assert_int_eq(crypto_dh_shared(ours, pp, lp, &s1), 0);
		ck_assert_int_eq(crypto_dh_shared(peer, po, lo, &s2), 0);
		ck_assert_uint_eq(s1.len, s2.len);
		ck_assert_mem_eq(s1.ptr, s2.ptr, s1.len);
		if (i == 0)
			memcpy(first, s1.ptr, firstlen = s1.len);
		else
			ck_assert(memcmp(first, s1.ptr, firstlen) != 0);
		crypto_chunk_clear(&s1);
		crypto_chunk_clear(&s2);
		crypto_dh_free(peer);
		crypto_dh_free(ours);
	}
}
END_TEST

START_TEST(test_reuse_off)
{
	crypto_dh_set_reuse(1, 10.0);
	struct crypto_dh *a = crypto_dh_reused(ECP256, 1.0), *b = crypto_dh_reused(ECP256, 1.0);
	uint8_t pa[1024], pb[1024];
	size_t la, lb;

	ck_assert(a && b);
	pub_of(a, pa, &la);
	pub_of(b, pb, &lb);
	ck_assert(memcmp(pa, pb, la) != 0);
	ck_assert(crypto_dh_reuse_expire(1.0) == 0); /* nothing kept */
	crypto_dh_free(a);
	crypto_dh_free(b);
}
END_TEST

START_TEST(test_reuse_unknown_group)
{
	ck_assert_ptr_null(crypto_dh_reused(3, 1.0)); /* ec2n: unknown here */
	ck_assert_ptr_null(crypto_dh_reused(0, 1.0));
}
END_TEST

/* --- the random pool --- */

START_TEST(test_random_no_repeat)
{
	enum { PIECES = 600, LEN = 16 }; /* more than a page: the pool refills */
	static uint8_t seen[PIECES][LEN];

	for (int i = 0; i < PIECES; i++) {
		ck_assert_int_eq(crypto_random(seen[i], LEN), 0);
		for (int j = 0; j < i; j++)
			ck_assert(memcmp(seen[i], seen[j], LEN) != 0);
	}
}
END_TEST

START_TEST(test_random_large)
{
	static uint8_t a[8192], b[8192], zero[8192];

	ck_assert_int_eq(crypto_random(a, sizeof(a)), 0);
	ck_assert_int_eq(crypto_random(b, sizeof(b)), 0);
	ck_assert(memcmp(a, b, sizeof(a)) != 0);
	ck_assert(memcmp(a + 4096, zero, 4096) != 0);
	ck_assert_int_eq(crypto_random(a, 0), 0);
}
END_TEST

/* A child forked with a half-used pool must not hand out what its parent will. */
START_TEST(test_random_fork)
{
	uint8_t warm[8], mine[32], theirs[32];
	int fd[2], status = 0;
	pid_t pid;

	ck_assert_int_eq(crypto_random(warm, sizeof(warm)), 0); /* the pool is filled */
	ck_assert_int_eq(pipe(fd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		uint8_t b[32];

		_exit(crypto_random(b, sizeof(b)) == 0 && write(fd[1], b, sizeof(b)) == 32 ? 0 : 1);
	}
	ck_assert_int_eq(crypto_random(mine, sizeof(mine)), 0);
	ck_assert_int_eq(read(fd[0], theirs, sizeof(theirs)), (ssize_t)sizeof(theirs));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert(memcmp(mine, theirs, sizeof(mine)) != 0);
	close(fd[0]);
	close(fd[1]);
}
END_TEST

static Suite *reuse_suite(void)
{
	Suite *s = suite_create("crypto_reuse");
	TCase *dh = tcase_create("dh");
	TCase *rnd = tcase_create("random");

	tcase_add_checked_fixture(dh, setup, teardown);
	tcase_add_test(dh, test_reuse_uses);
	tcase_add_test(dh, test_reuse_age);
	tcase_add_test(dh, test_reuse_expire);
	tcase_add_loop_test(dh, test_reuse_agree, 0, sizeof(groups) / sizeof(groups[0]));
	tcase_add_test(dh, test_reuse_off);
	tcase_add_test(dh, test_reuse_unknown_group);
	tcase_add_test(rnd, test_random_no_repeat);
	tcase_add_test(rnd, test_random_large);
	tcase_add_test(rnd, test_random_fork);
	suite_add_tcase(s, dh);
	suite_add_tcase(s, rnd);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	if (crypto_init() < 0)
		return 99;
	sr = srunner_create(reuse_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
