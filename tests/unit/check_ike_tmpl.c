/* check_ike_tmpl: src/ike/tmpl.c and the view's templates and mode-configs. generate-policy
 * narrowing against template=yes policies: port-strict and port-override, protocols,
 * IPv4 and IPv6, unset template prefixes, the mode-config address, the first template
 * that matches, several selectors in a proposal, the text of a refusal; then a
 * randomized run in which every result lies within the proposal and its template. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ike_internal.h"
#include "ipsecd/conf.h"
#include "ipsecd/log.h"
#include "ipsecd/strbuf.h"
#include "tmpl.h"
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

static struct net_addr addr(const char *ip)
{
	struct net_addr a = {.family = strchr(ip, ':') ? AF_INET6 : AF_INET};

	ck_assert_int_eq(inet_pton(a.family, ip, a.bytes), 1);
	return a;
}

static struct conf *load(const char *text)
{
	struct conf *c = conf_new();
	struct conf_diags ds;

	conf_diags_init(&ds);
	if (!c || conf_load_buf(c, "t.conf", text, strlen(text), CONF_FROM_FILE, &ds) < 0 ||
	    conf_validate(c, &ds) < 0) {
		conf_diags_print(&ds, stderr);
		ck_abort_msg("configuration does not load");
	}
	conf_diags_free(&ds);
	return c;
}

/* The configuration and view a test narrows against. */
static struct conf *cf;
static struct ike_view *vw;

static void use(const char *text)
{
	ike_view_free(vw);
	conf_free(cf);
	cf = load(text);
	vw = ike_view_build(cf, NULL, NULL);
	ck_assert_ptr_nonnull(vw);
}

static void teardown(void)
{
	ike_view_free(vw);
	conf_free(cf);
	vw = NULL;
	cf = NULL;
}

static char why[512];

/* Narrows (theirs_i, theirs_r) against group's templates: "OURS<-THEIRS #k" (k: the
 * template's place in the group), or "ENOENT" with why filled. */
static const char *gen(const char *group, enum ike_gen_mode mode, const char *vip,
		       struct ikev2_ts_set ti, struct ikev2_ts_set tr)
{
	static char buf[320];
	struct ikev2_ts_set l, r;
	const struct conf_item *which = (const void *)1;
	struct net_addr va = vip ? addr(vip) : (struct net_addr){0};
	char ls[128], rs[128];
	size_t n, k;
	const struct conf_item *const *t = ike_view_templates(vw, group, &n);
	int rc = ike_tmpl_narrow(t, n, mode, vip ? &va : NULL, &ti, &tr, &l, &r, &which, why,
				 sizeof(why));

	if (rc == -ENOENT) {
		ck_assert_ptr_null(which);
		ck_assert_uint_eq(l.n + r.n, 0);
		return "ENOENT";
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_uint_eq(r.n, 1);
	for (k = 0; k < n && t[k] != which; k++)
		;
	ck_assert_uint_lt(k, n);
	ike_ts_str(&l.ts[0], ls, sizeof(ls));
	ike_ts_str(&r.ts[0], rs, sizeof(rs));
	snprintf(buf, sizeof(buf), "%s<-%s #%zu", ls, rs, k);
	return buf;
}

/* --- ports --- */

static const char l2tp[] = "/ip ipsec policy\n"
			   "add template=yes src-address=192.168.50.0/24 "
			   "dst-address=10.8.0.0/24 protocol=udp src-port=1701\n";

/* port-strict keeps the proposed ports, which must lie within the template's. */
START_TEST(test_port_strict)
{
	use(l2tp);
	ck_assert_str_eq(gen("default", IKE_GEN_PORT_STRICT, NULL,
			     set(1, ts("10.8.0.5/32", 17, 1701, 1701)),
			     set(1, ts("192.168.50.1/32", 17, 1701, 1701))),
			 "192.168.50.1/32[udp/1701]<-10.8.0.5/32[udp/1701] #0");
	/* the client's port is its own: any (the template's dst-port) holds it */
	ck_assert_str_eq(gen("default", IKE_GEN_PORT_STRICT, NULL,
			     set(1, ts("10.8.0.5/32", 17, 4500, 4500)),
			     set(1, ts("192.168.50.1/32", 17, 1701, 1701))),
			 "192.168.50.1/32[udp/1701]<-10.8.0.5/32[udp/4500] #0");
	/* any port on our side is more than the template's 1701 */
	ck_assert_str_eq(gen("default", IKE_GEN_PORT_STRICT, NULL, set(1, any("10.8.0.5/32")),
			     set(1, any("192.168.50.1/32"))),
			 "ENOENT");
	ck_assert_str_eq(gen("default", IKE_GEN_PORT_STRICT, NULL,
			     set(1, ts("10.8.0.5/32", 17, 1701, 1701)),
			     set(1, ts("192.168.50.1/32", 17, 500, 500))),
			 "ENOENT");
	/* a template of any port keeps a range */
	use("/ip ipsec policy\n"
	    "add template=yes src-address=192.168.50.0/24 dst-address=10.8.0.0/24 protocol=tcp\n");
	ck_assert_str_eq(gen("default", IKE_GEN_PORT_STRICT, NULL,
			     set(1, ts("10.8.0.0/24", 6, 1000, 2000)),
			     set(1, ts("192.168.50.0/25", 6, 80, 80))),
			 "192.168.50.0/25[tcp/80]<-10.8.0.0/24[tcp/1000-2000] #0");
}
END_TEST

/* port-override gives the generated selectors the template's ports, whatever was asked. */
START_TEST(test_port_override)
{
	use(l2tp);
	ck_assert_str_eq(gen("default", IKE_GEN_PORT_OVERRIDE, NULL,
			     set(1, ts("10.8.0.5/32", 17, 1701, 1701)),
			     set(1, ts("192.168.50.1/32", 17, 1701, 1701))),
			 "192.168.50.1/32[udp/1701]<-10.8.0.5/32[udp] #0");
	ck_assert_str_eq(gen("default", IKE_GEN_PORT_OVERRIDE, NULL, set(1, any("10.8.0.5/32")),
			     set(1, ts("192.168.50.1/32", 17, 500, 500))),
			 "192.168.50.1/32[udp/1701]<-10.8.0.5/32[udp] #0");
	/* override does not widen the addresses or the protocol */
	ck_assert_str_eq(gen("default", IKE_GEN_PORT_OVERRIDE, NULL,
			     set(1, ts("10.8.0.5/32", 6, 1701, 1701)), set(1, any("0.0.0.0/0"))),
			 "ENOENT");
	ck_assert_str_eq(gen("default", IKE_GEN_PORT_OVERRIDE, NULL, set(1, any("10.9.0.5/32")),
			     set(1, any("0.0.0.0/0"))),
			 "ENOENT");
}
END_TEST

/* --- protocols, families --- */

START_TEST(test_protocols)
{
	use("/ip ipsec policy\n"
	    "add template=yes group=tcp src-address=10.1.0.0/16 dst-address=10.2.0.0/16 "
	    "protocol=tcp\n"
	    "add template=yes group=all src-address=10.1.0.0/16 dst-address=10.2.0.0/16\n"
	    "/ip ipsec policy group\nadd name=tcp\nadd name=all\n");
	/* an any-protocol proposal narrowed to the template's */
	ck_assert_str_eq(gen("tcp", IKE_GEN_PORT_STRICT, NULL, set(1, any("10.2.0.0/24")),
			     set(1, any("10.1.0.0/24"))),
			 "10.1.0.0/24[tcp]<-10.2.0.0/24[tcp] #0");
	ck_assert_str_eq(gen("tcp", IKE_GEN_PORT_STRICT, NULL,
			     set(1, ts("10.2.0.0/24", 17, 0, 65535)),
			     set(1, ts("10.1.0.0/24", 17, 0, 65535))),
			 "ENOENT");
	ck_assert_str_eq(gen("all", IKE_GEN_PORT_STRICT, NULL,
			     set(1, ts("10.2.0.0/24", 1, 0, 65535)),
			     set(1, ts("10.1.0.0/24", 1, 0, 65535))),
			 "10.1.0.0/24[icmp]<-10.2.0.0/24[icmp] #0");
	/* a packet meets both selectors: tcp on one side makes the pair tcp */
	ck_assert_str_eq(gen("all", IKE_GEN_PORT_STRICT, NULL,
			     set(1, ts("10.2.0.0/24", 6, 0, 65535)), set(1, any("10.1.0.0/24"))),
			 "10.1.0.0/24[tcp]<-10.2.0.0/24[tcp] #0");
	ck_assert_str_eq(gen("all", IKE_GEN_PORT_STRICT, NULL,
			     set(1, ts("10.2.0.0/24", 6, 0, 65535)),
			     set(1, ts("10.1.0.0/24", 17, 0, 65535))),
			 "ENOENT");
}
END_TEST

START_TEST(test_families)
{
	use("/ip ipsec policy\n"
	    "add template=yes group=v6 src-address=2001:db8:1::/48 dst-address=2001:db8:2::/48\n"
	    "add template=yes group=v4\n"
	    "add template=yes group=half6 dst-address=2001:db8:2::/48\n"
	    "/ip ipsec policy group\nadd name=v4\nadd name=v6\nadd name=half6\n");
	ck_assert_str_eq(
		gen("v6", IKE_GEN_PORT_STRICT, NULL, set(1, any("::/0")), set(1, any("::/0"))),
		"2001:db8:1::/48<-2001:db8:2::/48 #0");
	ck_assert_str_eq(gen("v6", IKE_GEN_PORT_STRICT, NULL, set(1, any("0.0.0.0/0")),
			     set(1, any("0.0.0.0/0"))),
			 "ENOENT");
	/* a template that sets no prefix is 0.0.0.0/0 both ways: IPv4 only */
	ck_assert_str_eq(gen("v4", IKE_GEN_PORT_STRICT, NULL, set(1, any("10.8.0.0/24")),
			     set(1, any("0.0.0.0/0"))),
			 "0.0.0.0/0<-10.8.0.0/24 #0");
	ck_assert_str_eq(
		gen("v4", IKE_GEN_PORT_STRICT, NULL, set(1, any("::/0")), set(1, any("::/0"))),
		"ENOENT");
	/* the unset one follows the family of the one that is set */
	ck_assert_str_eq(gen("half6", IKE_GEN_PORT_STRICT, NULL, set(1, any("2001:db8:2::5/128")),
			     set(1, any("::/0"))),
			 "::/0<-2001:db8:2::5/128 #0");
	ck_assert_str_eq(gen("half6", IKE_GEN_PORT_STRICT, NULL, set(1, any("10.0.0.0/8")),
			     set(1, any("0.0.0.0/0"))),
			 "ENOENT");
}
END_TEST

/* --- mode-config address --- */

START_TEST(test_vip)
{
	use("/ip ipsec policy\n"
	    "add template=yes src-address=192.168.50.0/24 dst-address=10.8.0.0/24\n"
	    "add template=yes group=v6 src-address=2001:db8:1::/48 dst-address=2001:db8:8::/64\n"
	    "/ip ipsec policy group\nadd name=v6\n");
	ck_assert_str_eq(gen("default", IKE_GEN_PORT_OVERRIDE, "10.8.0.7", set(1, any("0.0.0.0/0")),
			     set(1, any("0.0.0.0/0"))),
			 "192.168.50.0/24<-10.8.0.7/32 #0");
	ck_assert_str_eq(gen("default", IKE_GEN_PORT_STRICT, "10.8.0.7",
			     set(1, any("0.0.0.0-255.255.255.255")),
			     set(1, any("0.0.0.0-255.255.255.255"))),
			 "192.168.50.0/24<-10.8.0.7/32 #0");
	/* a client that asks for the address it was given */
	ck_assert_str_eq(gen("default", IKE_GEN_PORT_STRICT, "10.8.0.7", set(1, any("10.8.0.7/32")),
			     set(1, any("192.168.50.0/24"))),
			 "192.168.50.0/24<-10.8.0.7/32 #0");
	/* the address outside the template, or outside what the client proposed */
	ck_assert_str_eq(gen("default", IKE_GEN_PORT_STRICT, "10.9.0.7", set(1, any("0.0.0.0/0")),
			     set(1, any("0.0.0.0/0"))),
			 "ENOENT");
	ck_assert_str_eq(gen("default", IKE_GEN_PORT_STRICT, "10.8.0.7", set(1, any("10.8.0.0/30")),
			     set(1, any("0.0.0.0/0"))),
			 "ENOENT");
	ck_assert_str_eq(gen("default", IKE_GEN_PORT_STRICT, "2001:db8:8::7",
			     set(1, any("0.0.0.0/0")), set(1, any("0.0.0.0/0"))),
			 "ENOENT");
	ck_assert_str_eq(gen("v6", IKE_GEN_PORT_STRICT, "2001:db8:8::7", set(1, any("::/0")),
			     set(1, any("::/0"))),
			 "2001:db8:1::/48<-2001:db8:8::7/128 #0");
	/* a dual-stack client given an IPv4 address */
	ck_assert_str_eq(gen("default", IKE_GEN_PORT_STRICT, "10.8.0.7",
			     set(2, any("::/0"), any("0.0.0.0/0")),
			     set(2, any("::/0"), any("0.0.0.0/0"))),
			 "192.168.50.0/24<-10.8.0.7/32 #0");
}
END_TEST

/* --- order, several selectors, refusals --- */

START_TEST(test_first_template_wins)
{
	use("/ip ipsec policy\n"
	    "add template=yes src-address=192.168.50.0/24 dst-address=10.8.0.0/24\n"
	    "add template=yes group=other src-address=0.0.0.0/0 dst-address=0.0.0.0/0\n"
	    "add template=yes src-address=192.168.0.0/16 dst-address=10.0.0.0/8\n"
	    "add template=yes src-address=0.0.0.0/0 dst-address=10.0.0.0/8\n"
	    "/ip ipsec policy group\nadd name=other\n");
	ck_assert_str_eq(gen("default", IKE_GEN_PORT_STRICT, NULL, set(1, any("10.8.0.5/32")),
			     set(1, any("0.0.0.0/0"))),
			 "192.168.50.0/24<-10.8.0.5/32 #0");
	ck_assert_str_eq(gen("default", IKE_GEN_PORT_STRICT, NULL, set(1, any("10.9.0.5/32")),
			     set(1, any("0.0.0.0/0"))),
			 "192.168.0.0/16<-10.9.0.5/32 #1");
	ck_assert_str_eq(gen("default", IKE_GEN_PORT_STRICT, NULL, set(1, any("10.9.0.5/32")),
			     set(1, any("172.16.0.0/12"))),
			 "172.16.0.0/12<-10.9.0.5/32 #2");
	ck_assert_str_eq(gen("other", IKE_GEN_PORT_STRICT, NULL, set(1, any("11.0.0.0/8")),
			     set(1, any("0.0.0.0/0"))),
			 "0.0.0.0/0<-11.0.0.0/8 #0");
}
END_TEST

/* RFC 7296 2.9: several TS each way (Windows sends IPv4 and IPv6 ranges); the first of
 * the narrowed ones is what the policy gets. */
START_TEST(test_several_ts)
{
	use("/ip ipsec policy\n"
	    "add template=yes src-address=192.168.50.0/24 dst-address=10.8.0.0/24\n");
	ck_assert_str_eq(gen("default", IKE_GEN_PORT_STRICT, NULL,
			     set(3, any("::/0"), any("172.16.0.0/12"), any("10.8.0.0/28")),
			     set(2, any("::/0"), any("0.0.0.0/0"))),
			 "192.168.50.0/24<-10.8.0.0/28 #0");
	ck_assert_str_eq(gen("default", IKE_GEN_PORT_STRICT, NULL,
			     set(2, any("10.8.0.0/28"), any("10.8.0.16/28")),
			     set(2, any("192.168.50.128/25"), any("192.168.50.0/25"))),
			 "192.168.50.128/25<-10.8.0.0/28 #0");
	/* the packet that set off the request goes first (2.9) */
	ck_assert_str_eq(gen("default", IKE_GEN_PORT_STRICT, NULL,
			     set(2, any("10.8.0.20/32"), any("10.8.0.0/24")),
			     set(2, any("192.168.50.9/32"), any("0.0.0.0/0"))),
			 "192.168.50.0/24<-10.8.0.0/24 #0");
	ck_assert_str_eq(gen("default", IKE_GEN_PORT_STRICT, NULL,
			     set(2, any("::/0"), any("172.16.0.0/12")), set(1, any("0.0.0.0/0"))),
			 "ENOENT");
}
END_TEST

START_TEST(test_refusal_text)
{
	const struct conf_item *which;
	struct ikev2_ts_set ti = set(1, any("10.9.0.0/24")), tr = set(1, any("0.0.0.0/0")), l, r;
	struct net_addr va = addr("10.9.0.3");
	char small[24];
	size_t n;
	const struct conf_item *const *t;

	use("/ip ipsec policy\n"
	    "add template=yes group=rw src-address=192.168.50.0/24 dst-address=10.8.0.0/24\n"
	    "add template=yes group=rw src-address=192.168.51.0/24 dst-address=10.8.0.0/24 "
	    "protocol=udp dst-port=1701\n"
	    "/ip ipsec policy group\nadd name=rw\n");
	t = ike_view_templates(vw, "nothing", &n);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(ike_tmpl_narrow(t, n, IKE_GEN_PORT_STRICT, NULL, &ti, &tr, &l, &r, &which,
					 why, sizeof(why)),
			 -ENOENT);
	ck_assert_str_eq(why, "proposed 10.9.0.0/24 === 0.0.0.0/0; no template in the group");
	t = ike_view_templates(vw, "rw", &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(ike_tmpl_narrow(t, n, IKE_GEN_PORT_STRICT, &va, &ti, &tr, &l, &r, &which,
					 why, sizeof(why)),
			 -ENOENT);
	ck_assert_str_eq(why, "proposed 10.9.0.0/24 === 0.0.0.0/0 for vip 10.9.0.3; templates "
			      "tried: 192.168.50.0/24<-10.8.0.0/24 (group rw), "
			      "192.168.51.0/24[udp]<-10.8.0.0/24[udp/1701] (group rw)");
	/* cut short, and said so */
	ck_assert_int_eq(ike_tmpl_narrow(t, n, IKE_GEN_PORT_STRICT, NULL, &ti, &tr, &l, &r, &which,
					 small, sizeof(small)),
			 -ENOENT);
	ck_assert_str_eq(small, "proposed 10.9.0.0/24...");
	ck_assert_int_eq(
		ike_tmpl_narrow(t, n, IKE_GEN_PORT_STRICT, NULL, &ti, &tr, &l, &r, &which, NULL, 0),
		-ENOENT);
	/* a success says nothing */
	ti = set(1, any("10.8.0.0/24"));
	ck_assert_int_eq(ike_tmpl_narrow(t, n, IKE_GEN_PORT_STRICT, NULL, &ti, &tr, &l, &r, &which,
					 why, sizeof(why)),
			 0);
	ck_assert_str_eq(why, "");
	ck_assert_ptr_eq(which, t[0]);
}
END_TEST

/* --- the configuration --- */

START_TEST(test_gen_mode)
{
	use("/ip ipsec peer\nadd name=p address=10.0.0.0/8 exchange-mode=ike2\n"
	    "/ip ipsec identity\n"
	    "add peer=p secret=a\n"
	    "add peer=p secret=b generate-policy=yes\n"
	    "add peer=p secret=c generate-policy=port-override\n"
	    "add peer=p secret=d generate-policy=port-strict\n"
	    "add peer=p secret=e generate-policy=no\n");
	size_t n;
	const struct conf_item *const *ids = ike_view_identities(vw, "p", &n);

	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(ike_gen_mode_of(ids[0]), IKE_GEN_NO);
	ck_assert_int_eq(ike_gen_mode_of(ids[1]), IKE_GEN_PORT_OVERRIDE);
	ck_assert_int_eq(ike_gen_mode_of(ids[2]), IKE_GEN_PORT_OVERRIDE);
	ck_assert_int_eq(ike_gen_mode_of(ids[3]), IKE_GEN_PORT_STRICT);
	ck_assert_int_eq(ike_gen_mode_of(ids[4]), IKE_GEN_NO);
	ck_assert_int_eq(ike_gen_mode_of(NULL), IKE_GEN_NO);
}
END_TEST

/* Templates by group in order, without disabled ones or plain policies; plain policies
 * without templates; mode-configs by name, request-only built in. */
START_TEST(test_view_lookups)
{
	size_t n;
	const struct conf_item *const *t;

	use("/ip ipsec mode-config\n"
	    "add name=rw-cfg address-pool=none\n"
	    "/ip ipsec peer\nadd name=p address=10.0.0.0/8 exchange-mode=ike2\n"
	    "/ip ipsec policy group\nadd name=rw\nadd name=empty\n"
	    "/ip ipsec policy\n"
	    "add template=yes group=rw src-address=192.168.50.0/24 dst-address=10.8.0.0/24 "
	    "comment=a\n"
	    "add template=yes src-address=192.168.60.0/24 dst-address=10.8.0.0/24 comment=b\n"
	    "add src-address=192.168.1.0/24 dst-address=10.1.0.0/24 tunnel=yes peer=p "
	    "comment=plain\n"
	    "add template=yes group=rw src-address=192.168.51.0/24 dst-address=10.8.0.0/24 "
	    "disabled=yes comment=off\n"
	    "add template=yes group=rw src-address=192.168.52.0/24 dst-address=10.8.0.0/24 "
	    "peer=p comment=c\n");
	t = ike_view_templates(vw, "rw", &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(conf_str(t[0], CONF_POLICY_COMMENT), "a");
	ck_assert_str_eq(conf_str(t[1], CONF_POLICY_COMMENT), "c");
	t = ike_view_templates(vw, "default", &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(conf_str(t[0], CONF_POLICY_COMMENT), "b");
	ike_view_templates(vw, "empty", &n);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(ike_view_templates(vw, "nothing", &n));
	ck_assert_uint_eq(n, 0);
	ike_view_templates(vw, NULL, &n);
	ck_assert_uint_eq(n, 0);
	/* a template naming a peer is still no policy of that peer's */
	t = ike_view_policies(vw, "p", &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(conf_str(t[0], CONF_POLICY_COMMENT), "plain");

	const struct conf_item *m = ike_view_mode_config(vw, "request-only");

	ck_assert_ptr_nonnull(m);
	ck_assert(m->builtin);
	ck_assert(!conf_bool(m, CONF_MODECONF_RESPONDER));
	m = ike_view_mode_config(vw, "rw-cfg");
	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(conf_str(m, CONF_MODECONF_NAME), "rw-cfg");
	ck_assert_ptr_null(ike_view_mode_config(vw, "none"));
	ck_assert_ptr_null(ike_view_mode_config(vw, NULL));
	ck_assert_ptr_null(ike_view_mode_config(NULL, "rw-cfg"));
	ike_view_templates(NULL, "rw", &n);
	ck_assert_uint_eq(n, 0);
}
END_TEST

/* --- randomized --- */

static uint64_t rnd_state;

static unsigned rnd(unsigned n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (unsigned)(rnd_state % n);
}

/* A prefix near 10.0.0.0/16 or 2001:db8::/112, so that templates and proposals meet. */
static void rnd_prefix(bool v6, char *buf, size_t len)
{
	unsigned plen = v6 ? 96 + rnd(33) : 8 + rnd(25), a = rnd(4), b = rnd(256);

	if (rnd(6) == 0)
		plen = 0;
	if (v6)
		snprintf(buf, len, "2001:db8::%x:%x/%u", a, b, plen);
	else
		snprintf(buf, len, "10.0.%u.%u/%u", a, b, plen);
	if (plen == 0)
		snprintf(buf, len, "%s", v6 ? "::/0" : "0.0.0.0/0");
}

static struct ikev2_ts rnd_ts(bool v6)
{
	static const uint8_t protos[] = {0, 0, 6, 17};
	char p[64];
	uint16_t lo = (uint16_t)(1695 + rnd(10)), hi = (uint16_t)(lo + rnd(10));

	rnd_prefix(v6, p, sizeof(p));
	if (rnd(3))
		lo = 0, hi = 65535;
	return ts(p, protos[rnd(4)], lo, hi);
}

static void rnd_templates(struct strbuf *text)
{
	static const char *const protos[] = {"all", "tcp", "udp"};

	sb_puts(text, "/ip ipsec policy group\nadd name=g\n/ip ipsec policy\n");
	for (int i = 0; i < 6; i++) {
		bool v6 = rnd(3) == 0;
		char src[64], dst[64];
		unsigned proto = rnd(3);

		rnd_prefix(v6, src, sizeof(src));
		rnd_prefix(v6, dst, sizeof(dst));
		sb_printf(text,
			  "add template=yes group=g src-address=%s dst-address=%s protocol=%s", src,
			  dst, protos[proto]);
		if (proto && rnd(2))
			sb_printf(text, " src-port=%u", 1695 + rnd(15));
		if (proto && rnd(2))
			sb_printf(text, " dst-port=%u", 1695 + rnd(15));
		sb_puts(text, "\n");
	}
}

/* out's addresses and protocol within some TS of theirs (its ports any). */
static bool within_but_ports(const struct ikev2_ts_set *out, const struct ikev2_ts_set *theirs)
{
	struct ikev2_ts_set o = *out, t = *theirs;

	for (unsigned i = 0; i < o.n; i++)
		o.ts[i].start_port = 0, o.ts[i].end_port = 65535;
	for (unsigned i = 0; i < t.n; i++)
		t.ts[i].start_port = 0, t.ts[i].end_port = 65535;
	return ike_ts_subset(&o, &t);
}

/* port-strict: out's ports are those of a TS of theirs that holds it. */
static bool ports_kept(const struct ikev2_ts_set *out, const struct ikev2_ts_set *theirs)
{
	for (unsigned i = 0; i < theirs->n; i++) {
		struct ikev2_ts_set one = {.n = 1, .ts = {theirs->ts[i]}};

		if (theirs->ts[i].start_port == out->ts[0].start_port &&
		    theirs->ts[i].end_port == out->ts[0].end_port && ike_ts_subset(out, &one))
			return true;
	}
	return false;
}

/* Checks one narrowing's result against the proposal, the template that matched and the
 * ones before it (none of which may match alone); whether it matched. */
static bool check_result(const struct conf_item *const *t, size_t n, enum ike_gen_mode mode,
			 const struct net_addr *vip, const struct ikev2_ts_set *ti,
			 const struct ikev2_ts_set *tr)
{
	struct ikev2_ts_set l, r, tl, trm, l2, r2;
	const struct conf_item *which, *w2;
	size_t k;

	if (ike_tmpl_narrow(t, n, mode, vip, ti, tr, &l, &r, &which, why, sizeof(why)) < 0) {
		ck_assert_ptr_null(which);
		ck_assert_uint_lt(strlen(why), sizeof(why));
		ck_assert(!strncmp(why, "proposed ", 9));
		return false;
	}
	for (k = 0; k < n && t[k] != which; k++)
		ck_assert_int_eq(
			ike_tmpl_narrow(t + k, 1, mode, vip, ti, tr, &l2, &r2, &w2, NULL, 0),
			-ENOENT);
	ck_assert_uint_lt(k, n);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_uint_eq(r.n, 1);
	ike_ts_from_policy(which, &tl, &trm);
	ck_assert(ike_ts_subset(&l, &tl));
	ck_assert(ike_ts_subset(&r, &trm));
	ck_assert_uint_eq(l.ts[0].proto, r.ts[0].proto);
	ck_assert(within_but_ports(&l, tr));
	ck_assert(within_but_ports(&r, ti));
	if (mode == IKE_GEN_PORT_STRICT) {
		ck_assert(ike_ts_subset(&l, tr));
		ck_assert(ike_ts_subset(&r, ti));
		ck_assert(ports_kept(&l, tr));
		ck_assert(ports_kept(&r, ti));
	} else {
		ck_assert_uint_eq(l.ts[0].start_port, tl.ts[0].start_port);
		ck_assert_uint_eq(l.ts[0].end_port, tl.ts[0].end_port);
		ck_assert_uint_eq(r.ts[0].start_port, trm.ts[0].start_port);
		ck_assert_uint_eq(r.ts[0].end_port, trm.ts[0].end_port);
	}
	if (vip) {
		size_t len = vip->family == AF_INET6 ? 16 : 4;

		ck_assert_mem_eq(r.ts[0].start, vip->bytes, len);
		ck_assert_mem_eq(r.ts[0].end, vip->bytes, len);
	}
	return true;
}

START_TEST(test_random)
{
	unsigned matched = 0, vips = 0;

	rnd_state = 0x9e3779b97f4a7c15ull;
	for (int round = 0; round < 40; round++) {
		struct strbuf text = STRBUF_INIT;
		size_t n;

		rnd_templates(&text);
		use(text.s);
		sb_free(&text);
		const struct conf_item *const *t = ike_view_templates(vw, "g", &n);

		ck_assert_uint_eq(n, 6);
		for (int i = 0; i < 300; i++) {
			struct ikev2_ts_set ti = {0}, tr = {0};
			enum ike_gen_mode mode =
				rnd(2) ? IKE_GEN_PORT_STRICT : IKE_GEN_PORT_OVERRIDE;
			struct net_addr vip = addr(rnd(3) ? "10.0.1.7" : "2001:db8::1:7");
			struct ikev2_ts_set l, r;
			const struct conf_item *w;

			for (unsigned k = 1 + rnd(3); ti.n < k;)
				ti.ts[ti.n++] = rnd_ts(rnd(3) == 0);
			for (unsigned k = 1 + rnd(3); tr.n < k;)
				tr.ts[tr.n++] = rnd_ts(rnd(3) == 0);
			vips += check_result(t, n, mode, &vip, &ti, &tr);
			check_result(t, n, mode, NULL, &ti, &tr);
			matched +=
				!ike_tmpl_narrow(t, n, mode, NULL, &ti, &tr, &l, &r, &w, NULL, 0);
		}
	}
	/* the run means something only if both outcomes are common */
	ck_assert_uint_gt(matched, 1000);
	ck_assert_uint_lt(matched, 11000);
	ck_assert_uint_gt(vips, 500);
	ck_assert_uint_lt(vips, matched);
}
END_TEST

/* A client that proposes its own IKE address before it has the one it asked for
 * (Libreswan 4.10, scenario 143): that TS stands for the address it was given, ports and
 * protocol kept; anything else is left as proposed, for the templates to judge. */
START_TEST(test_own_address)
{
	struct net_addr vip = addr("10.8.0.7"), peer = addr("10.0.1.2");
	struct ikev2_ts_set s = set(4, any("10.0.1.2/32"), ts("10.0.1.2/32", 17, 500, 500),
				    any("10.0.1.0/24"), any("10.0.1.3/32"));
	char t[128];

	ike_tmpl_own_address(&s, &vip, &peer);
	ck_assert_uint_eq(s.n, 4);
	ike_ts_str(&s.ts[0], t, sizeof(t));
	ck_assert_str_eq(t, "10.8.0.7/32");
	ike_ts_str(&s.ts[1], t, sizeof(t));
	ck_assert_str_eq(t, "10.8.0.7/32[udp/500]");
	ike_ts_str(&s.ts[2], t, sizeof(t));
	ck_assert_str_eq(t, "10.0.1.0/24");
	ike_ts_str(&s.ts[3], t, sizeof(t));
	ck_assert_str_eq(t, "10.0.1.3/32");

	/* a vip of the other family than the peer's address: nothing changes */
	struct net_addr vip6 = addr("2001:db8:8::7");
	struct ikev2_ts_set s4 = set(1, any("10.0.1.2/32"));

	ike_tmpl_own_address(&s4, &vip6, &peer);
	ike_ts_str(&s4.ts[0], t, sizeof(t));
	ck_assert_str_eq(t, "10.0.1.2/32");

	/* then narrowed as any proposal of the given address */
	use("/ip ipsec policy\n"
	    "add template=yes src-address=192.168.50.0/24 dst-address=10.8.0.0/24\n");
	struct ikev2_ts_set ti = set(1, any("10.0.1.2/32"));

	ck_assert_str_eq(
		gen("default", IKE_GEN_PORT_STRICT, "10.8.0.7", ti, set(1, any("192.168.50.0/24"))),
		"ENOENT");
	ike_tmpl_own_address(&ti, &vip, &peer);
	ck_assert_str_eq(
		gen("default", IKE_GEN_PORT_STRICT, "10.8.0.7", ti, set(1, any("192.168.50.0/24"))),
		"192.168.50.0/24<-10.8.0.7/32 #0");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ike_tmpl");
	TCase *n = tcase_create("narrow"), *c = tcase_create("conf"), *r = tcase_create("random");

	tcase_add_checked_fixture(n, NULL, teardown);
	tcase_add_test(n, test_port_strict);
	tcase_add_test(n, test_port_override);
	tcase_add_test(n, test_protocols);
	tcase_add_test(n, test_families);
	tcase_add_test(n, test_vip);
	tcase_add_test(n, test_own_address);
	tcase_add_test(n, test_first_template_wins);
	tcase_add_test(n, test_several_ts);
	tcase_add_test(n, test_refusal_text);
	suite_add_tcase(s, n);
	tcase_add_checked_fixture(c, NULL, teardown);
	tcase_add_test(c, test_gen_mode);
	tcase_add_test(c, test_view_lookups);
	suite_add_tcase(s, c);
	tcase_add_checked_fixture(r, NULL, teardown);
	tcase_add_test(r, test_random);
	suite_add_tcase(s, r);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	log_init("check_ike_tmpl", false, LOG_LVL_ERROR);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
