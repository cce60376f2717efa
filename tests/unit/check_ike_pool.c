/* check_ike_pool: src/ike/pool.c. Ranges of every form, IPv4 and IPv6, next-pool chains
 * (and a cycle), an owner getting its address back, the longest-free address going to
 * someone else once the pool is full, exhaustion, releases of unknown addresses, a
 * randomized run against a simple model, reloads keeping and orphaning leases, a /8 pool
 * with 100,000 leases, the walk and the used count. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pool.h"

/* --- helpers --- */

static struct conf *load(const char *text)
{
	struct conf *c = conf_new();
	struct conf_diags ds;

	conf_diags_init(&ds);
	if (conf_load_buf(c, "t.conf", text, strlen(text), CONF_FROM_FILE, &ds) < 0 ||
	    conf_validate(c, &ds) < 0) {
		conf_diags_print(&ds, stderr);
		ck_abort_msg("configuration does not load");
	}
	conf_diags_free(&ds);
	return c;
}

/* The pools of text, and the model they borrow (freed by done()). */
static struct conf *cur_conf;

static struct ike_pools *pools(const char *text)
{
	struct ike_pools *p = ike_pools_new();

	ck_assert_ptr_nonnull(p);
	cur_conf = load(text);
	ck_assert_int_eq(ike_pools_apply(p, cur_conf), 0);
	return p;
}

static void reapply(struct ike_pools *p, const char *text)
{
	struct conf *c = load(text);

	ck_assert_int_eq(ike_pools_apply(p, c), 0);
	conf_free(cur_conf);
	cur_conf = c;
}

static void done(struct ike_pools *p)
{
	ike_pools_free(p);
	conf_free(cur_conf);
	cur_conf = NULL;
}

static const char *str(const struct net_addr *a)
{
	static char buf[4][INET6_ADDRSTRLEN];
	static int k;

	k = (k + 1) % 4;
	return inet_ntop(a->family, a->bytes, buf[k], sizeof(buf[k]));
}

static struct net_addr addr(const char *s)
{
	struct net_addr a = {.family = strchr(s, ':') ? AF_INET6 : AF_INET};

	ck_assert_int_eq(inet_pton(a.family, s, a.bytes), 1);
	return a;
}

/* Takes from pool for owner and returns the address as text ("" on failure, with *err). */
static const char *take_af(struct ike_pools *p, const char *pool, int af, const char *owner,
			   int *err)
{
	struct net_addr a;
	const char *from = NULL;
	int r = ike_pools_take(p, pool, af, owner, &a, &from);

	if (err)
		*err = r;
	if (r < 0)
		return "";
	ck_assert_int_eq(a.family, af);
	ck_assert_int_eq(a.port, 0);
	ck_assert_ptr_nonnull(from);
	return str(&a);
}

static const char *take(struct ike_pools *p, const char *pool, const char *owner)
{
	int err;
	const char *s = take_af(p, pool, AF_INET, owner, &err);

	ck_assert_msg(err == 0, "take from %s for %s: %d", pool, owner, err);
	return s;
}

static void release(struct ike_pools *p, const char *a)
{
	struct net_addr n = addr(a);

	ike_pools_release(p, &n);
}

/* --- ranges --- */

START_TEST(ranges_in_order)
{
	struct ike_pools *p =
		pools("/ip pool add name=rw ranges=10.8.0.10-10.8.0.250,10.8.1.0/24\n");

	ck_assert_str_eq(take(p, "rw", "a"), "10.8.0.10");
	ck_assert_str_eq(take(p, "rw", "b"), "10.8.0.11");
	for (int i = 12; i <= 250; i++)
		take(p, "rw", "c");
	/* every address of a prefix, .0 and .255 included, as RouterOS hands them out */
	ck_assert_str_eq(take(p, "rw", "d"), "10.8.1.0");
	for (int i = 1; i < 255; i++)
		take(p, "rw", "e");
	ck_assert_str_eq(take(p, "rw", "f"), "10.8.1.255");
	ck_assert_uint_eq(ike_pools_used(p), 241 + 256);
	int err;

	take_af(p, "rw", AF_INET, "g", &err);
	ck_assert_int_eq(err, -ENOSPC);
	done(p);
}
END_TEST

START_TEST(single_addresses)
{
	struct ike_pools *p = pools("/ip pool add name=one ranges=192.0.2.7,192.0.2.9\n");
	int err;

	ck_assert_str_eq(take(p, "one", "a"), "192.0.2.7");
	ck_assert_str_eq(take(p, "one", "b"), "192.0.2.9");
	take_af(p, "one", AF_INET, "c", &err);
	ck_assert_int_eq(err, -ENOSPC);
	done(p);
}
END_TEST

START_TEST(ipv6_and_families)
{
	struct ike_pools *p = pools("/ip pool add name=mixed "
				    "ranges=2001:db8::ffff:fffe-2001:db8::1:0:1,10.0.0.1\n");
	int err;

	ck_assert_str_eq(take_af(p, "mixed", AF_INET6, "a", &err), "2001:db8::ffff:fffe");
	ck_assert_str_eq(take_af(p, "mixed", AF_INET6, "a", &err), "2001:db8::ffff:ffff");
	ck_assert_str_eq(take_af(p, "mixed", AF_INET6, "a", &err), "2001:db8::1:0:0");
	/* the families have their own addresses: IPv6 takes do not use the IPv4 one */
	ck_assert_str_eq(take_af(p, "mixed", AF_INET, "a", &err), "10.0.0.1");
	ck_assert_str_eq(take_af(p, "mixed", AF_INET6, "a", &err), "2001:db8::1:0:1");
	take_af(p, "mixed", AF_INET6, "b", &err);
	ck_assert_int_eq(err, -ENOSPC);
	take_af(p, "mixed", AF_INET, "b", &err);
	ck_assert_int_eq(err, -ENOSPC);
	take_af(p, "mixed", AF_UNIX, "b", &err);
	ck_assert_int_eq(err, -EINVAL);
	take_af(p, "nosuch", AF_INET, "b", &err);
	ck_assert_int_eq(err, -ENOENT);
	done(p);
}
END_TEST

START_TEST(ipv6_prefix_64)
{
	struct ike_pools *p = pools("/ip pool add name=v6 ranges=2001:db8:1:2::/64\n");
	int err;

	ck_assert_str_eq(take_af(p, "v6", AF_INET6, "a", &err), "2001:db8:1:2::");
	ck_assert_str_eq(take_af(p, "v6", AF_INET6, "b", &err), "2001:db8:1:2::1");
	take_af(p, "v6", AF_INET, "c", &err);
	ck_assert_int_eq(err, -ENOSPC);
	done(p);
}
END_TEST

/* --- next-pool --- */

START_TEST(next_pool_chain)
{
	struct ike_pools *p = pools("/ip pool\n"
				    "add name=c ranges=10.0.3.1\n"
				    "add name=b next-pool=c ranges=10.0.2.1\n"
				    "add name=a next-pool=b ranges=10.0.1.1\n");
	struct net_addr a;
	const char *from;
	int err;

	ck_assert_int_eq(ike_pools_take(p, "a", AF_INET, "x", &a, &from), 0);
	ck_assert_str_eq(str(&a), "10.0.1.1");
	ck_assert_str_eq(from, "a");
	ck_assert_int_eq(ike_pools_take(p, "a", AF_INET, "y", &a, &from), 0);
	ck_assert_str_eq(str(&a), "10.0.2.1");
	ck_assert_str_eq(from, "b");
	ck_assert_int_eq(ike_pools_take(p, "a", AF_INET, "z", &a, &from), 0);
	ck_assert_str_eq(str(&a), "10.0.3.1");
	ck_assert_str_eq(from, "c");
	take_af(p, "a", AF_INET, "w", &err);
	ck_assert_int_eq(err, -ENOSPC);
	/* a released address of b is found again from a */
	release(p, "10.0.2.1");
	ck_assert_str_eq(take(p, "a", "w"), "10.0.2.1");
	done(p);
}
END_TEST

START_TEST(next_pool_cycle)
{
	struct ike_pools *p = pools("/ip pool\n"
				    "add name=a next-pool=b ranges=10.0.1.1\n"
				    "add name=b next-pool=c ranges=10.0.2.1\n"
				    "add name=c next-pool=a ranges=10.0.3.1\n");
	int err;

	ck_assert_str_eq(take(p, "b", "x"), "10.0.2.1");
	ck_assert_str_eq(take(p, "b", "y"), "10.0.3.1");
	ck_assert_str_eq(take(p, "b", "z"), "10.0.1.1");
	/* every pool of the cycle once, then no more */
	take_af(p, "b", AF_INET, "w", &err);
	ck_assert_int_eq(err, -ENOSPC);
	take_af(p, "c", AF_INET, "w", &err);
	ck_assert_int_eq(err, -ENOSPC);
	done(p);
}
END_TEST

/* --- owners --- */

START_TEST(owner_gets_address_back)
{
	struct ike_pools *p = pools("/ip pool add name=rw ranges=10.8.0.1-10.8.0.10\n");

	ck_assert_str_eq(take(p, "rw", "alice"), "10.8.0.1");
	ck_assert_str_eq(take(p, "rw", "bob"), "10.8.0.2");
	release(p, "10.8.0.1");
	release(p, "10.8.0.2");
	ck_assert_str_eq(take(p, "rw", "carol"), "10.8.0.3"); /* never-used first */
	ck_assert_str_eq(take(p, "rw", "bob"), "10.8.0.2");
	ck_assert_str_eq(take(p, "rw", "alice"), "10.8.0.1");
	/* held: the same owner asking again gets another address */
	ck_assert_str_eq(take(p, "rw", "alice"), "10.8.0.4");
	release(p, "10.8.0.4");
	release(p, "10.8.0.1");
	/* the one it released last is the one it gets back */
	ck_assert_str_eq(take(p, "rw", "alice"), "10.8.0.1");
	done(p);
}
END_TEST

START_TEST(longest_free_reused_when_full)
{
	struct ike_pools *p = pools("/ip pool add name=rw ranges=10.8.0.1-10.8.0.3\n");

	take(p, "rw", "a");
	take(p, "rw", "b");
	take(p, "rw", "c");
	release(p, "10.8.0.2");
	release(p, "10.8.0.1");
	release(p, "10.8.0.3");
	/* full of remembered addresses: others get the longest-free ones, oldest first */
	ck_assert_str_eq(take(p, "rw", "d"), "10.8.0.2");
	ck_assert_str_eq(take(p, "rw", "e"), "10.8.0.1");
	/* b's address went to d: b gets what is left; c finds its own taken */
	release(p, "10.8.0.2");
	ck_assert_str_eq(take(p, "rw", "b"), "10.8.0.3");
	ck_assert_str_eq(take(p, "rw", "c"), "10.8.0.2");
	done(p);
}
END_TEST

START_TEST(exhaustion_only_that_take)
{
	struct ike_pools *p = pools("/ip pool add name=rw ranges=10.8.0.1-10.8.0.2\n");
	int err;

	take(p, "rw", "a");
	take(p, "rw", "b");
	take_af(p, "rw", AF_INET, "c", &err);
	ck_assert_int_eq(err, -ENOSPC);
	ck_assert_uint_eq(ike_pools_used(p), 2);
	release(p, "10.8.0.1");
	ck_assert_str_eq(take(p, "rw", "c"), "10.8.0.1");
	done(p);
}
END_TEST

START_TEST(release_unknown)
{
	struct ike_pools *p = pools("/ip pool add name=rw ranges=10.8.0.1-10.8.0.2\n");
	struct net_addr none = {0};

	release(p, "10.8.0.1"); /* never leased */
	release(p, "192.0.2.1");
	release(p, "2001:db8::1");
	ike_pools_release(p, &none);
	ck_assert_uint_eq(ike_pools_used(p), 0);
	take(p, "rw", "a");
	release(p, "10.8.0.1");
	release(p, "10.8.0.1"); /* twice */
	ck_assert_uint_eq(ike_pools_used(p), 0);
	ck_assert_str_eq(take(p, "rw", "b"), "10.8.0.2");
	ck_assert_str_eq(take(p, "rw", "c"), "10.8.0.1");
	ck_assert_uint_eq(ike_pools_used(p), 2);
	done(p);
}
END_TEST

/* --- a randomized run against a model: who holds each of 40 addresses --- */

#define NADDR 40

START_TEST(random_against_model)
{
	struct ike_pools *p =
		pools("/ip pool\n"
		      "add name=a next-pool=b ranges=10.1.0.1-10.1.0.15,10.1.0.100/30\n"
		      "add name=b next-pool=a ranges=10.1.1.0/28,10.1.1.200-10.1.1.204\n");
	int holder[256 * 2];
	size_t held = 0;
	unsigned seed = 12345;

	memset(holder, -1, sizeof(holder));
	for (int step = 0; step < 20000; step++) {
		seed = seed * 1103515245u + 12345u;
		unsigned r = (seed >> 8) % 1000, owner = (seed >> 4) % 17;

		if (r < 550) {
			struct net_addr a;
			char name[16];
			int err;

			snprintf(name, sizeof(name), "o%u", owner);
			err = ike_pools_take(p, r & 1 ? "a" : "b", AF_INET, name, &a, NULL);
			if (held == NADDR) {
				ck_assert_int_eq(err, -ENOSPC);
				continue;
			}
			ck_assert_int_eq(err, 0);
			ck_assert(a.bytes[0] == 10 && a.bytes[1] == 1 && a.bytes[2] <= 1);
			int k = a.bytes[2] * 256 + a.bytes[3];

			ck_assert_msg(holder[k] < 0, "%s given twice", str(&a));
			holder[k] = (int)owner;
			held++;
		} else {
			/* release a random held address, or a free one */
			int k = (int)((seed >> 12) % 512);
			struct net_addr a = {
				.family = AF_INET,
				.bytes = {10, 1, (uint8_t)(k / 256), (uint8_t)(k % 256)}};

			ike_pools_release(p, &a);
			if (holder[k] >= 0)
				held--;
			holder[k] = -1;
		}
		ck_assert_uint_eq(ike_pools_used(p), held);
	}
	done(p);
}
END_TEST

/* --- the walk --- */

struct seen {
	size_t n, held;
	char line[64][96];
};

static void collect(void *arg, const struct ike_lease_info *l)
{
	struct seen *s = arg;

	if (l->held)
		s->held++;
	if (s->n < 64)
		snprintf(s->line[s->n], sizeof(s->line[0]), "%s %s %s%s", l->pool, str(&l->addr),
			 l->owner, l->held ? "" : " free");
	s->n++;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(a, b);
}

static struct seen walk(struct ike_pools *p)
{
	struct seen s = {0};

	ike_pools_walk(p, collect, &s);
	qsort(s.line, s.n < 64 ? s.n : 64, sizeof(s.line[0]), cmp_line);
	ck_assert_uint_eq(s.held, ike_pools_used(p));
	return s;
}

START_TEST(walk_and_used)
{
	struct ike_pools *p = pools("/ip pool\n"
				    "add name=v4 ranges=10.8.0.1-10.8.0.9\n"
				    "add name=v6 ranges=2001:db8::/120\n");
	int err;

	ck_assert_uint_eq(walk(p).n, 0);
	take(p, "v4", "alice");
	take(p, "v4", "bob");
	take_af(p, "v6", AF_INET6, "carol", &err);
	release(p, "10.8.0.1");
	struct seen s = walk(p);

	ck_assert_uint_eq(s.n, 3);
	ck_assert_uint_eq(s.held, 2);
	ck_assert_uint_eq(ike_pools_used(p), 2);
	ck_assert_str_eq(s.line[0], "v4 10.8.0.1 alice free");
	ck_assert_str_eq(s.line[1], "v4 10.8.0.2 bob");
	ck_assert_str_eq(s.line[2], "v6 2001:db8:: carol");
	done(p);
}
END_TEST

/* --- reloads --- */

START_TEST(apply_keeps_leases)
{
	struct ike_pools *p = pools("/ip pool add name=rw ranges=10.8.0.1-10.8.0.4\n");

	take(p, "rw", "a");
	take(p, "rw", "b");
	take(p, "rw", "c");
	release(p, "10.8.0.2");
	/* same ranges: nothing changes */
	reapply(p, "/ip pool add name=rw ranges=10.8.0.1-10.8.0.4\n");
	ck_assert_uint_eq(ike_pools_used(p), 2);
	ck_assert_str_eq(take(p, "rw", "d"), "10.8.0.4");
	ck_assert_str_eq(take(p, "rw", "b"), "10.8.0.2");
	release(p, "10.8.0.2");
	/* wider ranges: the kept addresses are skipped, b's is remembered still */
	reapply(p, "/ip pool add name=rw ranges=10.8.0.0/29\n");
	ck_assert_str_eq(take(p, "rw", "e"), "10.8.0.0");
	ck_assert_str_eq(take(p, "rw", "f"), "10.8.0.5");
	ck_assert_str_eq(take(p, "rw", "b"), "10.8.0.2");
	struct seen s = walk(p);

	ck_assert_uint_eq(s.n, 6);
	ck_assert_uint_eq(s.held, 6);
	done(p);
}
END_TEST

START_TEST(apply_orphans_leases)
{
	struct ike_pools *p = pools("/ip pool\n"
				    "add name=rw ranges=10.8.0.1-10.8.0.4\n"
				    "add name=old ranges=10.9.0.1\n");
	int err;

	take(p, "rw", "a");
	take(p, "rw", "b");
	take(p, "rw", "c");
	take(p, "old", "d");
	release(p, "10.8.0.3");
	/* rw shrinks to 10.8.0.2-10.8.0.3; old is gone; a new pool has old's address */
	reapply(p, "/ip pool\n"
		   "add name=rw ranges=10.8.0.2-10.8.0.3\n"
		   "add name=new ranges=10.9.0.1-10.9.0.2\n");
	struct seen s = walk(p);

	/* a (10.8.0.1) and d (10.9.0.1) stay held as orphans; c's free 10.8.0.3 is kept */
	ck_assert_uint_eq(s.n, 4);
	ck_assert_uint_eq(ike_pools_used(p), 3);
	ck_assert_str_eq(s.line[0], "old 10.9.0.1 d");
	ck_assert_str_eq(s.line[1], "rw 10.8.0.1 a");
	ck_assert_str_eq(s.line[2], "rw 10.8.0.2 b");
	ck_assert_str_eq(s.line[3], "rw 10.8.0.3 c free");
	/* the orphaned 10.9.0.1 is not handed out while d holds it */
	ck_assert_str_eq(take(p, "new", "e"), "10.9.0.2");
	take_af(p, "new", AF_INET, "f", &err);
	ck_assert_int_eq(err, -ENOSPC);
	ck_assert_str_eq(take(p, "rw", "c"), "10.8.0.3");
	take_af(p, "rw", AF_INET, "f", &err);
	ck_assert_int_eq(err, -ENOSPC);
	/* a released orphan goes to the pool that has its address now, or is forgotten */
	release(p, "10.8.0.1");
	release(p, "10.9.0.1");
	s = walk(p);
	ck_assert_uint_eq(s.n, 4);
	ck_assert_str_eq(s.line[0], "new 10.9.0.1 d free");
	take_af(p, "rw", AF_INET, "f", &err);
	ck_assert_int_eq(err, -ENOSPC);
	ck_assert_str_eq(take(p, "new", "f"), "10.9.0.1");
	/* no pools at all: everything held stays, everything free goes */
	release(p, "10.8.0.3");
	reapply(p, "/ip ipsec peer add name=p address=192.0.2.1\n");
	ck_assert_uint_eq(walk(p).n, 3);
	take_af(p, "rw", AF_INET, "f", &err);
	ck_assert_int_eq(err, -ENOENT);
	release(p, "10.8.0.2");
	release(p, "10.9.0.1");
	release(p, "10.9.0.2");
	ck_assert_uint_eq(walk(p).n, 0);
	ck_assert_uint_eq(ike_pools_used(p), 0);
	done(p);
}
END_TEST

/* --- size --- */

START_TEST(big_pool)
{
	struct ike_pools *p = pools("/ip pool\n"
				    "add name=big ranges=10.0.0.0/8\n"
				    "add name=v6 ranges=2001:db8::/64\n");
	char owner[32];
	struct net_addr a;

	for (int i = 0; i < 100000; i++) {
		snprintf(owner, sizeof(owner), "client%d", i);
		ck_assert_int_eq(ike_pools_take(p, "big", AF_INET, owner, &a, NULL), 0);
	}
	ck_assert_uint_eq(ike_pools_used(p), 100000);
	/* 100000 = 0x0186a0: the next one is 10.1.134.160 */
	ck_assert_str_eq(take(p, "big", "x"), "10.1.134.160");
	for (int i = 0; i < 1000; i++) {
		a = addr("10.0.0.0");
		a.bytes[2] = (uint8_t)(i / 256);
		a.bytes[3] = (uint8_t)(i % 256);
		ike_pools_release(p, &a);
	}
	ck_assert_uint_eq(ike_pools_used(p), 99001);
	ck_assert_uint_eq(walk(p).n, 100001);
	ck_assert_str_eq(take(p, "big", "client7"), "10.0.0.7");
	int err;

	ck_assert_str_eq(take_af(p, "v6", AF_INET6, "y", &err), "2001:db8::");
	done(p);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ike_pool");
	TCase *r = tcase_create("ranges"), *o = tcase_create("owners"), *a = tcase_create("apply");

	tcase_add_test(r, ranges_in_order);
	tcase_add_test(r, single_addresses);
	tcase_add_test(r, ipv6_and_families);
	tcase_add_test(r, ipv6_prefix_64);
	tcase_add_test(r, next_pool_chain);
	tcase_add_test(r, next_pool_cycle);
	tcase_add_test(r, big_pool);
	suite_add_tcase(s, r);
	tcase_add_test(o, owner_gets_address_back);
	tcase_add_test(o, longest_free_reused_when_full);
	tcase_add_test(o, exhaustion_only_that_take);
	tcase_add_test(o, release_unknown);
	tcase_add_test(o, random_against_model);
	tcase_add_test(o, walk_and_used);
	suite_add_tcase(s, o);
	tcase_add_test(a, apply_keeps_leases);
	tcase_add_test(a, apply_orphans_leases);
	suite_add_tcase(s, a);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
