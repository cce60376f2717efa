/* check_ike_ts: src/ike/ts.c. Traffic selectors from prefixes and policy items; the
 * responder's narrowing (RFC 7296 2.9) for subsets, supersets, disjoint and overlapping
 * ranges, ports, protocols, IPv6, several selectors and the single-packet first one; the
 * initiator's subset check; prefixes and ports for the kernel; and the log text. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ts.h"

/* --- helpers --- */

/* A TS "a-b" or "a/plen" (IPv4 or IPv6), proto, ports lo..hi. */
static struct ikev2_ts ts(const char *range, uint8_t proto, uint16_t lo, uint16_t hi)
{
	struct ikev2_ts t = {.proto = proto, .start_port = lo, .end_port = hi};
	char a[64], *sep;
	int af = strchr(range, ':') ? AF_INET6 : AF_INET;
	size_t n = af == AF_INET6 ? 16 : 4;

	t.type = af == AF_INET6 ? IKEV2_TS_IPV6_ADDR_RANGE : IKEV2_TS_IPV4_ADDR_RANGE;
	snprintf(a, sizeof(a), "%s", range);
	if ((sep = strchr(a, '/'))) {
		unsigned plen = (unsigned)atoi(sep + 1);

		*sep = '\0';
		ck_assert_int_eq(inet_pton(af, a, t.start), 1);
		memcpy(t.end, t.start, n);
		for (unsigned i = plen; i < n * 8; i++) {
			t.start[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
			t.end[i / 8] |= (uint8_t)(0x80u >> (i % 8));
		}
		return t;
	}
	sep = strchr(a, '-');
	if (sep)
		*sep = '\0';
	ck_assert_int_eq(inet_pton(af, a, t.start), 1);
	ck_assert_int_eq(inet_pton(af, sep ? sep + 1 : a, t.end), 1);
	return t;
}

static struct ikev2_ts any(const char *range)
{
	return ts(range, 0, 0, 65535);
}

static const char *str(const struct ikev2_ts *t)
{
	static char buf[4][128];
	static int k;

	k = (k + 1) % 4;
	ike_ts_str(t, buf[k], sizeof(buf[k]));
	return buf[k];
}

/* A set as its texts joined by ", ". */
static const char *set_str(const struct ikev2_ts_set *s)
{
	static char buf[1024];
	size_t at = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < s->n; i++)
		at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s%s", i ? ", " : "",
				       str(&s->ts[i]));
	return buf;
}

static struct ikev2_ts_set set(int n, ...)
{
	struct ikev2_ts_set s = {0};
	va_list ap;

	va_start(ap, n);
	for (int i = 0; i < n; i++)
		s.ts[s.n++] = va_arg(ap, struct ikev2_ts);
	va_end(ap);
	return s;
}

/* Narrows theirs by ours; the result as text, or "ENOENT". */
static const char *narrow(struct ikev2_ts_set ours, struct ikev2_ts_set theirs)
{
	static struct ikev2_ts_set out;
	int rc = ike_ts_narrow(&ours, &theirs, &out);

	if (rc == -ENOENT) {
		ck_assert_uint_eq(out.n, 0);
		return "ENOENT";
	}
	ck_assert_int_eq(rc, 0);
	/* whatever comes out lies within both sides */
	ck_assert(ike_ts_subset(&out, &ours));
	ck_assert(ike_ts_subset(&out, &theirs));
	return set_str(&out);
}

static struct conf_addr prefix(const char *s)
{
	struct conf_addr a = {0};
	char buf[64], *sep;

	snprintf(buf, sizeof(buf), "%s", s);
	sep = strchr(buf, '/');
	*sep = '\0';
	a.family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	a.plen = (uint8_t)atoi(sep + 1);
	ck_assert_int_eq(inet_pton(a.family, buf, a.bytes), 1);
	return a;
}

/* --- from the configuration --- */

START_TEST(from_prefix)
{
	struct conf_addr a = prefix("10.1.2.3/24");
	struct ikev2_ts t;

	ike_ts_from_prefix(&t, &a, -1, -1);
	ck_assert_uint_eq(t.type, IKEV2_TS_IPV4_ADDR_RANGE);
	ck_assert_uint_eq(t.proto, 0);
	ck_assert_uint_eq(t.start_port, 0);
	ck_assert_uint_eq(t.end_port, 65535);
	ck_assert_mem_eq(t.start, "\x0a\x01\x02\x00", 4);
	ck_assert_mem_eq(t.end, "\x0a\x01\x02\xff", 4);
	ck_assert_str_eq(str(&t), "10.1.2.0/24");
	ike_ts_from_prefix(&t, &a, 0, 80);
	ck_assert_uint_eq(t.proto, 0);
	ck_assert_uint_eq(t.start_port, 80);
	ck_assert_uint_eq(t.end_port, 80);
	ike_ts_from_prefix(&t, &a, 6, 0); /* port 0 is a port */
	ck_assert_str_eq(str(&t), "10.1.2.0/24[tcp/0]");
	a = prefix("0.0.0.0/0");
	ike_ts_from_prefix(&t, &a, 17, -1);
	ck_assert_str_eq(str(&t), "0.0.0.0/0[udp]");
	ck_assert_mem_eq(t.end, "\xff\xff\xff\xff", 4);
	a = prefix("192.0.2.7/32");
	ike_ts_from_prefix(&t, &a, -1, -1);
	ck_assert_str_eq(str(&t), "192.0.2.7/32");
	a = prefix("2001:db8:1:2::9/33");
	ike_ts_from_prefix(&t, &a, 58, -1);
	ck_assert_uint_eq(t.type, IKEV2_TS_IPV6_ADDR_RANGE);
	ck_assert_str_eq(str(&t), "2001:db8::/33[icmpv6]");
	ck_assert_mem_eq(t.end, "\x20\x01\x0d\xb8\x7f\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
			 16);
	a = prefix("::/0");
	ike_ts_from_prefix(&t, &a, -1, -1);
	ck_assert_str_eq(str(&t), "::/0");
}
END_TEST

START_TEST(from_policy)
{
	static const char script[] =
		"/ip ipsec policy add src-address=10.0.0.0/24 dst-address=10.1.0.0/16 "
		"protocol=tcp dst-port=443\n"
		"/ip ipsec policy add src-address=2001:db8::/48 dst-address=2001:db8:1::1/128 "
		"src-port=53 protocol=udp\n"
		"/ip ipsec policy add src-address=192.0.2.0/24 dst-address=198.51.100.0/24\n";
	struct conf *c = conf_new();
	struct conf_diags ds;
	struct ikev2_ts_set l, r;
	size_t n;

	conf_diags_init(&ds);
	ck_assert_int_eq(conf_load_buf(c, "test", script, strlen(script), CONF_FROM_FILE, &ds), 0);
	conf_diags_free(&ds);
	n = conf_count(c, CONF_M_POLICY);
	ck_assert_uint_ge(n, 3);
	ike_ts_from_policy(conf_item_at(c, CONF_M_POLICY, n - 3), &l, &r);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_uint_eq(l.nunknown, 0);
	ck_assert_str_eq(set_str(&l), "10.0.0.0/24[tcp]");
	ck_assert_str_eq(set_str(&r), "10.1.0.0/16[tcp/443]");
	ike_ts_from_policy(conf_item_at(c, CONF_M_POLICY, n - 2), &l, &r);
	ck_assert_str_eq(set_str(&l), "2001:db8::/48[udp/53]");
	ck_assert_str_eq(set_str(&r), "2001:db8:1::1/128[udp]");
	ike_ts_from_policy(conf_item_at(c, CONF_M_POLICY, n - 1), &l, &r);
	ck_assert_str_eq(set_str(&l), "192.0.2.0/24");
	ck_assert_str_eq(set_str(&r), "198.51.100.0/24");
	conf_free(c);
}
END_TEST

/* --- narrowing, RFC 7296 2.9 --- */

START_TEST(narrow_addresses)
{
	/* theirs within ours: theirs */
	ck_assert_str_eq(narrow(set(1, any("10.0.0.0/16")), set(1, any("10.0.0.0/24"))),
			 "10.0.0.0/24");
	/* theirs wider: ours */
	ck_assert_str_eq(narrow(set(1, any("10.0.0.0/24")), set(1, any("0.0.0.0/0"))),
			 "10.0.0.0/24");
	/* equal */
	ck_assert_str_eq(narrow(set(1, any("10.0.0.0/24")), set(1, any("10.0.0.0/24"))),
			 "10.0.0.0/24");
	/* disjoint */
	ck_assert_str_eq(narrow(set(1, any("10.0.0.0/24")), set(1, any("10.0.1.0/24"))), "ENOENT");
	/* overlapping ranges: the common part, not a prefix */
	ck_assert_str_eq(narrow(set(1, any("10.0.1.0/24")), set(1, any("10.0.0.128-10.0.1.127"))),
			 "10.0.1.0/25");
	ck_assert_str_eq(
		narrow(set(1, any("10.0.0.0-10.0.0.100")), set(1, any("10.0.0.50-10.0.0.200"))),
		"10.0.0.50-10.0.0.100");
	/* one address in common at the edges */
	ck_assert_str_eq(narrow(set(1, any("10.0.0.0-10.0.0.5")), set(1, any("10.0.0.5-10.0.0.9"))),
			 "10.0.0.5/32");
	/* families do not meet */
	ck_assert_str_eq(narrow(set(1, any("0.0.0.0/0")), set(1, any("::/0"))), "ENOENT");
	/* nothing on either side */
	ck_assert_str_eq(narrow(set(0), set(1, any("10.0.0.0/24"))), "ENOENT");
	ck_assert_str_eq(narrow(set(1, any("10.0.0.0/24")), set(0)), "ENOENT");
}
END_TEST

START_TEST(narrow_ports_protocols)
{
	/* their tcp, any port; our any protocol, port 80 */
	ck_assert_str_eq(narrow(set(1, ts("10.0.0.0/24", 0, 80, 80)),
				set(1, ts("10.0.0.0/24", 6, 0, 65535))),
			 "10.0.0.0/24[tcp/80]");
	ck_assert_str_eq(narrow(set(1, ts("10.0.0.0/24", 17, 1500, 3000)),
				set(1, ts("10.0.0.0/8", 17, 1000, 2000))),
			 "10.0.0.0/24[udp/1500-2000]");
	ck_assert_str_eq(narrow(set(1, ts("10.0.0.0/24", 17, 3000, 4000)),
				set(1, ts("10.0.0.0/24", 17, 1000, 2000))),
			 "ENOENT");
	ck_assert_str_eq(narrow(set(1, ts("10.0.0.0/24", 6, 0, 65535)),
				set(1, ts("10.0.0.0/24", 17, 0, 65535))),
			 "ENOENT");
	ck_assert_str_eq(narrow(set(1, ts("10.0.0.0/24", 17, 0, 65535)), set(1, any("0.0.0.0/0"))),
			 "10.0.0.0/24[udp]");
	/* RFC 7296 3.13.1 OPAQUE ports meet "any port" and OPAQUE, nothing else */
	ck_assert_str_eq(narrow(set(1, ts("10.0.0.0/24", 6, 0, 65535)),
				set(1, ts("10.0.0.0/24", 6, 65535, 0))),
			 "10.0.0.0/24[tcp/opaque]");
	ck_assert_str_eq(narrow(set(1, ts("10.0.0.0/24", 6, 65535, 0)),
				set(1, ts("10.0.0.0/24", 6, 65535, 0))),
			 "10.0.0.0/24[tcp/opaque]");
	ck_assert_str_eq(narrow(set(1, ts("10.0.0.0/24", 6, 80, 80)),
				set(1, ts("10.0.0.0/24", 6, 65535, 0))),
			 "ENOENT");
	/* a malformed range (start above end) holds nothing */
	ck_assert_str_eq(narrow(set(1, any("10.0.0.0/24")), set(1, ts("10.0.0.0/24", 6, 90, 80))),
			 "ENOENT");
	ck_assert_str_eq(narrow(set(1, any("10.0.0.0/24")), set(1, any("10.0.0.9-10.0.0.1"))),
			 "ENOENT");
}
END_TEST

START_TEST(narrow_ipv6)
{
	ck_assert_str_eq(narrow(set(1, any("2001:db8::/32")), set(1, any("2001:db8:1::/48"))),
			 "2001:db8:1::/48");
	ck_assert_str_eq(narrow(set(1, any("2001:db8:1::/48")), set(1, any("::/0"))),
			 "2001:db8:1::/48");
	ck_assert_str_eq(narrow(set(1, any("2001:db8:1::/48")), set(1, any("2001:db8:2::/48"))),
			 "ENOENT");
	ck_assert_str_eq(narrow(set(2, any("10.0.0.0/8"), ts("2001:db8::/32", 6, 443, 443)),
				set(2, any("2001:db8:5::/64"), any("10.9.0.0/16"))),
			 "2001:db8:5::/64[tcp/443], 10.9.0.0/16");
}
END_TEST

START_TEST(narrow_several)
{
	/* every intersection, in their order */
	ck_assert_str_eq(narrow(set(2, any("10.0.0.0/16"), any("10.2.0.0/16")),
				set(3, any("10.2.5.0/24"), any("10.1.0.0/16"), any("10.0.7.0/24"))),
			 "10.2.5.0/24, 10.0.7.0/24");
	ck_assert_str_eq(
		narrow(set(2, any("10.0.1.0/24"), any("10.0.3.0/24")), set(1, any("10.0.0.0/16"))),
		"10.0.1.0/24, 10.0.3.0/24");
	/* one held by another is left out; equal ones once */
	ck_assert_str_eq(narrow(set(1, any("10.0.0.0/16")),
				set(3, any("10.0.0.5/32"), any("10.0.0.0/24"), any("10.0.0.0/24"))),
			 "10.0.0.0/24");
}
END_TEST

START_TEST(narrow_packet_first)
{
	/* the packet's (a host, first) own intersection is held by the network's, which goes
	 * first because it holds the packet */
	ck_assert_str_eq(
		narrow(set(1, any("10.0.0.0/16")), set(3, ts("10.0.1.5/32", 6, 80, 80),
						       any("10.0.0.0/24"), any("10.0.1.0/24"))),
		"10.0.1.0/24, 10.0.0.0/24");
	/* ours only tcp: nothing holds all of an any-protocol packet, its address decides */
	ck_assert_str_eq(narrow(set(1, ts("10.0.0.0/16", 6, 0, 65535)),
				set(3, any("10.0.1.5/32"), any("10.0.0.0/24"), any("10.0.1.0/24"))),
			 "10.0.1.0/24[tcp], 10.0.0.0/24[tcp]");
	/* the packet outside our policy: the rest, as they come */
	ck_assert_str_eq(narrow(set(1, any("10.0.0.0/16")),
				set(3, any("10.9.9.9/32"), any("10.0.0.0/24"), any("10.0.1.0/24"))),
			 "10.0.0.0/24, 10.0.1.0/24");
	/* just the packet: itself */
	ck_assert_str_eq(narrow(set(1, any("10.0.0.0/16")), set(1, ts("10.0.1.5/32", 17, 53, 53))),
			 "10.0.1.5/32[udp/53]");
	/* ours several, theirs packet then a wide range */
	ck_assert_str_eq(narrow(set(2, any("10.0.0.0/24"), any("10.0.1.0/24")),
				set(2, any("10.0.1.9/32"), any("10.0.0.0/8"))),
			 "10.0.1.0/24, 10.0.0.0/24");
	ck_assert_str_eq(narrow(set(2, any("2001:db8::/64"), any("2001:db8:0:1::/64")),
				set(2, any("2001:db8:0:1::9/128"), any("2001:db8::/32"))),
			 "2001:db8:0:1::/64, 2001:db8::/64");
}
END_TEST

START_TEST(narrow_caps)
{
	struct ikev2_ts_set ours = {0}, theirs = {0}, out;

	/* 16 x 16 equal: one */
	for (int i = 0; i < IKEV2_MAX_TS; i++) {
		ours.ts[ours.n++] = any("10.0.0.0/24");
		theirs.ts[theirs.n++] = any("10.0.0.0/24");
	}
	ck_assert_int_eq(ike_ts_narrow(&ours, &theirs, &out), 0);
	ck_assert_uint_eq(out.n, 1);
	/* 16 x 16 all different, none holding another (their port i, our network j): the
	 * first 16 in their order, and no more */
	for (int i = 0; i < IKEV2_MAX_TS; i++) {
		char a[32];

		snprintf(a, sizeof(a), "10.0.%d.0/24", i);
		ours.ts[i] = any(a);
		theirs.ts[i] = ts("10.0.0.0/16", 0, (uint16_t)i, (uint16_t)i);
	}
	ck_assert_int_eq(ike_ts_narrow(&ours, &theirs, &out), 0);
	ck_assert_uint_eq(out.n, IKEV2_MAX_TS);
	ck_assert_str_eq(str(&out.ts[0]), "10.0.0.0/24[any/0]");
	ck_assert_str_eq(str(&out.ts[15]), "10.0.15.0/24[any/0]");
	ck_assert(ike_ts_subset(&out, &ours));
}
END_TEST

/* --- subset --- */

START_TEST(subset)
{
	struct ikev2_ts_set outer = set(2, any("10.0.0.0/16"), ts("10.1.0.0/16", 6, 80, 80));
	struct ikev2_ts_set in;

	in = set(1, any("10.0.5.0/24"));
	ck_assert(ike_ts_subset(&in, &outer));
	in = set(2, any("10.0.5.0/24"), ts("10.1.2.3/32", 6, 80, 80));
	ck_assert(ike_ts_subset(&in, &outer));
	in = set(2, any("10.0.5.0/24"), any("10.1.2.3/32")); /* any protocol in a tcp one */
	ck_assert(!ike_ts_subset(&in, &outer));
	in = set(1, ts("10.1.2.3/32", 6, 80, 81)); /* wider ports */
	ck_assert(!ike_ts_subset(&in, &outer));
	in = set(1, ts("10.0.0.1/32", 17, 53, 53)); /* udp/53 within any */
	ck_assert(ike_ts_subset(&in, &outer));
	in = set(1, any("10.0.0.0/15")); /* wider addresses */
	ck_assert(!ike_ts_subset(&in, &outer));
	in = set(1, any("10.0.255.255-10.1.0.0")); /* across two, within neither */
	ck_assert(!ike_ts_subset(&in, &outer));
	in = set(1, any("::/0"));
	ck_assert(!ike_ts_subset(&in, &outer));
	in = set(0);
	ck_assert(!ike_ts_subset(&in, &outer));
	in = set(1, ts("10.0.0.0/24", 6, 65535, 0)); /* OPAQUE within any port */
	ck_assert(ike_ts_subset(&in, &outer));
	in = set(1, ts("10.1.0.0/24", 6, 65535, 0)); /* ... but not within port 80 */
	ck_assert(!ike_ts_subset(&in, &outer));
	ck_assert(!ike_ts_subset(&outer, &in));
	/* malformed ranges from the wire are within nothing */
	in = set(1, ts("10.0.0.0/24", 6, 90, 80));
	ck_assert(!ike_ts_subset(&in, &outer));
	in = set(1, any("10.0.0.9-10.0.0.1"));
	ck_assert(!ike_ts_subset(&in, &outer));
}
END_TEST

/* --- the kernel's form --- */

static const char *prefix_of(struct ikev2_ts t, bool *exact)
{
	static char buf[80];
	char a[INET6_ADDRSTRLEN];
	uint8_t fam = 0, addr[16], plen = 0;

	memset(addr, 0xee, sizeof(addr));
	*exact = ike_ts_to_prefix(&t, &fam, addr, &plen);
	inet_ntop(fam, addr, a, sizeof(a));
	if (fam == AF_INET)
		for (int i = 4; i < 16; i++)
			ck_assert_uint_eq(addr[i], 0);
	snprintf(buf, sizeof(buf), "%s/%u", a, plen);
	return buf;
}

START_TEST(to_prefix)
{
	bool exact;

	ck_assert_str_eq(prefix_of(any("10.0.0.0/24"), &exact), "10.0.0.0/24");
	ck_assert(exact);
	ck_assert_str_eq(prefix_of(any("10.0.0.1-10.0.0.1"), &exact), "10.0.0.1/32");
	ck_assert(exact);
	ck_assert_str_eq(prefix_of(any("0.0.0.0/0"), &exact), "0.0.0.0/0");
	ck_assert(exact);
	ck_assert_str_eq(prefix_of(any("10.0.0.0-10.0.0.254"), &exact), "10.0.0.0/25");
	ck_assert(!exact);
	ck_assert_str_eq(prefix_of(any("10.0.0.64-10.0.0.255"), &exact), "10.0.0.64/26");
	ck_assert(!exact);
	ck_assert_str_eq(prefix_of(any("10.0.0.1-10.0.0.2"), &exact), "10.0.0.1/32");
	ck_assert(!exact);
	ck_assert_str_eq(prefix_of(any("10.0.0.128-10.0.1.127"), &exact), "10.0.0.128/25");
	ck_assert(!exact);
	ck_assert_str_eq(prefix_of(any("10.0.0.9-10.0.0.1"), &exact), "10.0.0.9/32");
	ck_assert(!exact);
	ck_assert_str_eq(prefix_of(any("2001:db8::/32"), &exact), "2001:db8::/32");
	ck_assert(exact);
	ck_assert_str_eq(prefix_of(any("::/0"), &exact), "::/0");
	ck_assert(exact);
	ck_assert_str_eq(prefix_of(any("2001:db8::1/128"), &exact), "2001:db8::1/128");
	ck_assert(exact);
	ck_assert_str_eq(prefix_of(any("2001:db8::-2001:db8::1:0"), &exact), "2001:db8::/112");
	ck_assert(!exact);
}
END_TEST

START_TEST(to_port)
{
	struct ikev2_ts t = ts("10.0.0.0/24", 6, 0, 65535);
	uint16_t port = 1;

	ck_assert(ike_ts_to_port(&t, &port));
	ck_assert_uint_eq(port, 0);
	t = ts("10.0.0.0/24", 6, 443, 443);
	ck_assert(ike_ts_to_port(&t, &port));
	ck_assert_uint_eq(port, 443);
	t = ts("10.0.0.0/24", 6, 1000, 2000);
	ck_assert(!ike_ts_to_port(&t, &port));
	ck_assert_uint_eq(port, 0);
	t = ts("10.0.0.0/24", 6, 65535, 0);
	ck_assert(!ike_ts_to_port(&t, &port));
}
END_TEST

/* --- text --- */

START_TEST(text)
{
	struct ikev2_ts t = ts("10.0.0.0/24", 6, 80, 80);
	char buf[16];

	ck_assert_str_eq(str(&t), "10.0.0.0/24[tcp/80]");
	t = ts("10.0.0.1-10.0.0.5", 17, 0, 65535);
	ck_assert_str_eq(str(&t), "10.0.0.1-10.0.0.5[udp]");
	t = ts("2001:db8::/32", 0, 1000, 2000);
	ck_assert_str_eq(str(&t), "2001:db8::/32[any/1000-2000]");
	t = ts("10.0.0.0/8", 99, 0, 65535);
	ck_assert_str_eq(str(&t), "10.0.0.0/8[99]");
	t = ts("10.0.0.0/8", 1, 0x0800, 0x0800); /* ICMP echo: type 8, code 0 */
	ck_assert_str_eq(str(&t), "10.0.0.0/8[icmp/2048]");
	t = any("10.0.0.0/24");
	ck_assert_uint_eq(ike_ts_str(&t, buf, 8), strlen("10.0.0.0/24"));
	ck_assert_str_eq(buf, "10.0.0.");
	ck_assert_uint_eq(ike_ts_str(&t, buf, 0), 11);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ike_ts");
	TCase *c = tcase_create("conf"), *n = tcase_create("narrow"), *k = tcase_create("kernel");

	tcase_add_test(c, from_prefix);
	tcase_add_test(c, from_policy);
	suite_add_tcase(s, c);
	tcase_add_test(n, narrow_addresses);
	tcase_add_test(n, narrow_ports_protocols);
	tcase_add_test(n, narrow_ipv6);
	tcase_add_test(n, narrow_several);
	tcase_add_test(n, narrow_packet_first);
	tcase_add_test(n, narrow_caps);
	tcase_add_test(n, subset);
	suite_add_tcase(s, n);
	tcase_add_test(k, to_prefix);
	tcase_add_test(k, to_port);
	tcase_add_test(k, text);
	suite_add_tcase(s, k);
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
