/* Unit tests of the configuration language: lexer, menu paths, values, selectors, every
 * validation rule with its located message, v6 conversion, export round trip, the
 * control commands and diffs. */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipsecd/conf.h"
#include "ipsecd/strbuf.h"

static struct conf_diags ds;

static struct conf *load(const char *text)
{
	struct conf *c = conf_new();

	conf_diags_free(&ds);
	conf_diags_init(&ds);
	if (conf_load_buf(c, "t.conf", text, strlen(text), CONF_FROM_FILE, &ds) < 0) {
		conf_free(c);
		return NULL;
	}
	return c;
}

/* Is there a diagnostic that starts with `where` ("t.conf:2:5: error") and holds `what`? */
static bool has_diag(const char *where, const char *what)
{
	char buf[1024];

	for (size_t i = 0; i < ds.n; i++) {
		const struct conf_diag *d = &ds.d[i];

		snprintf(buf, sizeof(buf), "%s:%u:%u: %s: %s", d->file, d->line, d->col,
			 d->sev == CONF_ERROR ? "error" : "warning", d->msg);
		if (!strncmp(buf, where, strlen(where)) && strstr(buf, what))
			return true;
	}
	conf_diags_print(&ds, stderr);
	return false;
}

static char *export_str(const struct conf *c, unsigned flags)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	conf_export(c, f, flags);
	fclose(f);
	return text;
}

static void setup(void)
{
	conf_diags_init(&ds);
}

static void teardown(void)
{
	conf_diags_free(&ds);
}

static const char *val(const struct conf_item *it, int prop)
{
	static char buf[256];

	conf_format_val(it, prop, buf, sizeof(buf));
	return buf;
}

/* --- lexer and paths --- */

START_TEST(test_paths_and_continuations)
{
	struct conf *c =
		load("# comment line\n"
		     "/ip ipsec peer\n"
		     "add name=a address=192.0.2.1/32 \\\n"
		     "    exchange-mode=ike2 # trailing comment\n"
		     "ip ipsec peer add name=b address=192.0.2.2\n"
		     "peer add name=c address=192.0.2.3; peer add name=d address=192.0.2.4\n"
		     "/ip ipsec peer add name=e address=2001:db8::1/128\n"
		     "/ip pool add name=pool1 ranges=10.0.0.10-10.0.0.20,10.0.1.0/30\n"
		     "/ip ipsec\n"
		     "proposal add name=p2 enc-algorithms=\\\n    aes-256-gcm,aes-128-cbc\n");

	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(conf_count(c, CONF_M_PEER), 5);
	struct conf_item *a = conf_find(c, CONF_M_PEER, "a");

	ck_assert_str_eq(val(a, CONF_PEER_EXCHANGE_MODE), "ike2");
	ck_assert_str_eq(val(conf_find(c, CONF_M_PEER, "b"), CONF_PEER_ADDRESS), "192.0.2.2/32");
	ck_assert_str_eq(val(conf_find(c, CONF_M_PEER, "e"), CONF_PEER_ADDRESS), "2001:db8::1/128");
	ck_assert_str_eq(val(conf_find(c, CONF_M_POOL, "pool1"), CONF_POOL_RANGES),
			 "10.0.0.10-10.0.0.20,10.0.1.0/30");
	ck_assert_str_eq(val(conf_find(c, CONF_M_PROPOSAL, "p2"), CONF_PROPOSAL_ENC_ALGORITHMS),
			 "aes-256-gcm,aes-128-cbc");
	conf_free(c);
}
END_TEST

START_TEST(test_quoting_and_escapes)
{
	struct conf *c =
		load("/ip ipsec peer\n"
		     "add name=\"my peer\" address=192.0.2.1 comment=\"say \\\"hi\\\" \\\\ "
		     "\\41\\_x\"\n");

	ck_assert_ptr_nonnull(c);
	struct conf_item *p = conf_find(c, CONF_M_PEER, "my peer");

	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(conf_str(p, CONF_PEER_COMMENT), "say \"hi\" \\ A x");
	char *e = export_str(c, 0);

	ck_assert_ptr_nonnull(strstr(e, "comment=\"say \\\"hi\\\" \\\\ A x\""));
	free(e);
	conf_free(c);
}
END_TEST

START_TEST(test_lexer_errors_located)
{
	ck_assert_ptr_null(load("/ip ipsec peer\nadd name=\"open address=1.2.3.4\n"));
	ck_assert(has_diag("t.conf:2:10: error", "unterminated quoted string"));
	ck_assert_ptr_null(load("/ip ipsec peer\nadd comment=\"a\\qb\" name=x\n"));
	ck_assert(has_diag("t.conf:2:15: error", "unknown escape"));
	/* \00 would cut the value short without a word (seen while fuzzing) */
	ck_assert_ptr_null(load("/ip ipsec identity\nadd peer=a secret=\"ab\\00cd\"\n"));
	ck_assert(has_diag("t.conf:2:", "unknown escape"));
	ck_assert_ptr_null(load("/ip ipsec peer\nadd =x\n"));
	ck_assert(has_diag("t.conf:2:5: error", "'=' without a property name"));
	ck_assert_ptr_null(load("/ip ipsec peer\n:foreach i in={1} do={ }\n"));
	ck_assert(has_diag("t.conf:2:", "not supported"));
}
END_TEST

START_TEST(test_unknown_menu_and_verb)
{
	ck_assert_ptr_null(load("/ip ipsec peers\nadd name=x\n"));
	ck_assert(has_diag("t.conf:1:", "unknown menu \"peers\""));
	ck_assert_ptr_null(load("/ip ipsec peer\nadd name=x address=1.2.3.4\nadd2 name=y\n"));
	ck_assert(has_diag("t.conf:3:1: error", "(did you mean add?)"));
	ck_assert_ptr_null(load("/ip ipsec policy\nprint\n"));
	ck_assert(has_diag("t.conf:2:1: error", "runtime command"));
	ck_assert_ptr_null(load("/ip ipsec installed-sa\nflush\n"));
	ck_assert(has_diag("t.conf:2:1: error", "accepted only from ipsecctl"));
}
END_TEST

/* --- values --- */

START_TEST(test_times_and_ranges)
{
	struct conf *c = load("/ip ipsec proposal\n"
			      "add name=a lifetime=1d2h3m4s\nadd name=b lifetime=00:30:00\n"
			      "add name=c lifetime=0s\nadd name=d lifetime=1w\n");

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(conf_int(conf_find(c, CONF_M_PROPOSAL, "a"), CONF_PROPOSAL_LIFETIME),
			 93784);
	ck_assert_str_eq(val(conf_find(c, CONF_M_PROPOSAL, "a"), CONF_PROPOSAL_LIFETIME),
			 "1d2h3m4s");
	ck_assert_int_eq(conf_int(conf_find(c, CONF_M_PROPOSAL, "b"), CONF_PROPOSAL_LIFETIME),
			 1800);
	ck_assert_int_eq(conf_int(conf_find(c, CONF_M_PROPOSAL, "c"), CONF_PROPOSAL_LIFETIME), 0);
	ck_assert_int_eq(conf_int(conf_find(c, CONF_M_PROPOSAL, "d"), CONF_PROPOSAL_LIFETIME),
			 604800);
	conf_free(c);
	ck_assert_ptr_null(load("/ip ipsec proposal\nadd name=a lifetime=30x\n"));
	ck_assert(has_diag("t.conf:2:21: error", "is not a time"));
	/* a time too long is out of range, whatever its form, and the error says the range */
	c = load("/ip ipsec proposal\nadd name=a lifetime=520w\n"
		 "add name=b lifetime=314496000\n");
	ck_assert_ptr_nonnull(c);
	conf_free(c);
	ck_assert_ptr_null(load("/ip ipsec proposal\nadd name=a lifetime=2147483647s\n"
				"add name=b lifetime=521w\n"
				"add name=c lifetime=99999999999999999999999s\n"
				"add name=d lifetime=1000000000000000w\n"
				"add name=e lifetime=99999999999d00:00:00\n"));
	ck_assert(has_diag("t.conf:2:21: error",
			   "lifetime: \"2147483647s\" is out of range; valid: 0s..520w"));
	ck_assert(has_diag("t.conf:3:21: error", "\"521w\" is out of range; valid: 0s..520w"));
	ck_assert(has_diag("t.conf:4:21: error", "is out of range; valid: 0s..520w"));
	ck_assert(has_diag("t.conf:5:21: error", "is out of range; valid: 0s..520w"));
	ck_assert(has_diag("t.conf:6:21: error", "is out of range; valid: 0s..520w"));
	ck_assert_uint_eq(ds.nerrors, 5);
	/* /radius timeout: a time to the millisecond, printed back the same way */
	c = load("/radius\nadd address=127.0.0.1 secret=s timeout=1s500ms\n"
		 "add address=127.0.0.2 secret=s timeout=2s\nadd address=127.0.0.3 secret=s\n");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(conf_int(conf_item_at(c, CONF_M_RADIUS, 0), CONF_RADIUS_TIMEOUT), 1500);
	ck_assert_str_eq(val(conf_item_at(c, CONF_M_RADIUS, 0), CONF_RADIUS_TIMEOUT), "1s500ms");
	ck_assert_int_eq(conf_int(conf_item_at(c, CONF_M_RADIUS, 1), CONF_RADIUS_TIMEOUT), 2000);
	ck_assert_str_eq(val(conf_item_at(c, CONF_M_RADIUS, 1), CONF_RADIUS_TIMEOUT), "2s");
	ck_assert_int_eq(conf_int(conf_item_at(c, CONF_M_RADIUS, 2), CONF_RADIUS_TIMEOUT), 300);
	ck_assert_str_eq(val(conf_item_at(c, CONF_M_RADIUS, 2), CONF_RADIUS_TIMEOUT), "300ms");
	conf_free(c);
	ck_assert_ptr_null(load("/radius\nadd address=127.0.0.1 secret=s timeout=300\n"
				"add address=127.0.0.1 secret=s timeout=0ms\n"
				"add address=127.0.0.1 secret=s timeout=fast\n"));
	ck_assert(has_diag("t.conf:2:", "\"300\" is out of range; valid: 1ms..1m"));
	ck_assert(has_diag("t.conf:3:", "\"0ms\" is out of range; valid: 1ms..1m"));
	ck_assert(has_diag("t.conf:4:", "\"fast\" is not a time (e.g. 300ms, 2s, 1s500ms)"));
	ck_assert_ptr_null(load("/ip ipsec peer\nadd name=a address=10.0.0.1/33\n"));
	ck_assert(has_diag("t.conf:2:20: error", "not an IPv4 or IPv6 prefix"));
	ck_assert_ptr_null(load("/ip ipsec peer\nadd name=a address=1.2.3.4 port=70000\n"));
	ck_assert(has_diag("t.conf:2:", "port"));
	ck_assert_ptr_null(load("/ip ipsec peer\nadd name=a address=1.2.3.4 passive=maybe\n"));
	ck_assert(has_diag("t.conf:2:", "not yes or no"));
}
END_TEST

START_TEST(test_prefix_normalised)
{
	struct conf *c = load("/ip ipsec policy\n"
			      "add src-address=10.1.2.3/24 dst-address=10.9.0.0/16 action=none\n");

	ck_assert_ptr_nonnull(c);
	struct conf_item *p = conf_item_at(c, CONF_M_POLICY, 0);

	ck_assert_str_eq(val(p, CONF_POLICY_SRC_ADDRESS), "10.1.2.0/24");
	conf_free(c);
}
END_TEST

START_TEST(test_enum_suggestion_and_choices)
{
	ck_assert_ptr_null(load("/ip ipsec proposal\nadd name=x enc-algorithms=aes-256-cbd\n"));
	ck_assert(has_diag("t.conf:2:27: error", "did you mean aes-256-cbc?"));
	ck_assert(has_diag("t.conf:2:27: error", "valid: "));
	ck_assert_ptr_null(
		load("/ip ipsec proposal\nadd name=x enc-algorithms=aes-128-cbc,aes-128-cbc\n"));
	ck_assert(has_diag("t.conf:2:", "listed twice"));
	ck_assert_ptr_null(load("/ip ipsec policy\nadd protocol=tcpp action=none\n"));
	ck_assert(has_diag("t.conf:2:14: error", "did you mean tcp?"));
}
END_TEST

START_TEST(test_unknown_and_readonly_property)
{
	ck_assert_ptr_null(load("/ip ipsec peer\nadd name=a adress=1.2.3.4\n"));
	ck_assert(has_diag("t.conf:2:12: error", "no property \"adress\" (did you mean address?)"));
	ck_assert_ptr_null(load("/ip ipsec policy\nadd action=none ph2-count=3\n"));
	ck_assert(has_diag("t.conf:2:17: error", "ph2-count is read-only"));
}
END_TEST

START_TEST(test_weak_algorithm_warns)
{
	struct conf *c =
		load("/ip ipsec profile\nadd name=old dh-group=modp1024 hash-algorithm=md5\n");

	ck_assert_ptr_nonnull(c);
	ck_assert(has_diag("t.conf:2:", "warning: dh-group=modp1024 is weak"));
	ck_assert(has_diag("t.conf:2:", "warning: hash-algorithm=md5 is weak"));
	conf_free(c);
}
END_TEST

/* --- selectors and built-ins --- */

START_TEST(test_selectors)
{
	struct conf *c = load("/ip ipsec profile\n"
			      "set [ find default=yes ] dh-group=ecp256 enc-algorithm=aes-256\n"
			      "add name=p2\n"
			      "set [ find name=p2 ] lifetime=8h\n"
			      "/ip ipsec peer\n"
			      "add name=a address=1.2.3.4 comment=x\n"
			      "add name=b address=1.2.3.5 comment=x\n"
			      "set [ find where comment=x ] passive=yes\n"
			      "set a port=4500\n"
			      "disable b\n"
			      "/ip ipsec mode-config\n"
			      "set [ find name=request-only ] system-dns=no\n");

	ck_assert_ptr_nonnull(c);
	struct conf_item *d = conf_find(c, CONF_M_PROFILE, "default");

	ck_assert_str_eq(val(d, CONF_PROFILE_DH_GROUP), "ecp256");
	ck_assert_str_eq(val(conf_find(c, CONF_M_PROFILE, "p2"), CONF_PROFILE_LIFETIME), "8h");
	ck_assert(conf_bool(conf_find(c, CONF_M_PEER, "a"), CONF_PEER_PASSIVE));
	ck_assert(conf_bool(conf_find(c, CONF_M_PEER, "b"), CONF_PEER_PASSIVE));
	ck_assert_int_eq(conf_int(conf_find(c, CONF_M_PEER, "a"), CONF_PEER_PORT), 4500);
	ck_assert(conf_bool(conf_find(c, CONF_M_PEER, "b"), CONF_PEER_DISABLED));
	conf_free(c);
	ck_assert_ptr_null(load("/ip ipsec peer\nset nosuch passive=yes\n"));
	ck_assert(has_diag("t.conf:2:5: error", "has no item \"nosuch\""));
	ck_assert_ptr_null(load("/ip ipsec peer\nset [ find where nme=x ] passive=yes\n"));
	ck_assert(has_diag("t.conf:2:18: error", "(did you mean name?)"));
	ck_assert_ptr_null(load("/ip ipsec peer\nset [ find name=x passive=yes\n"));
	ck_assert(has_diag("t.conf:2:5: error", "without a matching ']'"));
}
END_TEST

START_TEST(test_builtins_cannot_be_removed)
{
	static const char *const cases[][2] = {
		{"/ip ipsec proposal\nremove default\n", "t.conf:2:1: error"},
		{"/ip ipsec profile\nremove [ find default=yes ]\n", "t.conf:2:1: error"},
		{"/ip ipsec policy group\nremove default\n", "t.conf:2:1: error"},
		{"/ip ipsec mode-config\nremove request-only\n", "t.conf:2:1: error"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_ptr_null(load(cases[i][0]));
		ck_assert(has_diag(cases[i][1], "built-in entry cannot be removed"));
	}
	struct conf *c = conf_new();

	ck_assert_ptr_nonnull(conf_find(c, CONF_M_PROPOSAL, "default"));
	ck_assert_ptr_nonnull(conf_find(c, CONF_M_PROFILE, "default"));
	ck_assert_ptr_nonnull(conf_find(c, CONF_M_POLICY_GROUP, "default"));
	ck_assert_ptr_nonnull(conf_find(c, CONF_M_MODE_CONFIG, "request-only"));
	ck_assert(!conf_bool(conf_find(c, CONF_M_MODE_CONFIG, "request-only"),
			     CONF_MODECONF_RESPONDER));
	conf_free(c);
}
END_TEST

/* --- validation across items --- */

START_TEST(test_duplicate_name)
{
	ck_assert_ptr_null(load("/ip ipsec peer\nadd name=a address=1.2.3.4\n"
				"add name=a address=1.2.3.5\n"));
	ck_assert(has_diag("t.conf:3:10: error", "\"a\" already exists"));
}
END_TEST

START_TEST(test_references)
{
	ck_assert_ptr_null(load("/ip ipsec peer\nadd name=office2 address=1.2.3.4 profile=fast\n"
				"/ip ipsec identity\nadd peer=ofice2 secret=x\n"
				"/ip ipsec policy\nadd peer=office2 proposal=strong "
				"src-address=10.0.0.0/24 dst-address=10.1.0.0/24 tunnel=yes\n"
				"/ip ipsec mode-config\nadd name=m address-pool=nopool\n"));
	ck_assert(has_diag("t.conf:2:34: error", "profile=fast: no such ip ipsec profile"));
	ck_assert(has_diag("t.conf:4:5: error", "peer=ofice2: no such ip ipsec peer (did you "
						"mean office2?)"));
	ck_assert(has_diag("t.conf:6:18: error", "proposal=strong: no such"));
	ck_assert(has_diag("t.conf:8:", "address-pool=nopool: no such ip pool"));
	ck_assert_uint_ge(ds.nerrors, 4); /* all of them, not only the first */
}
END_TEST

/* mode-config's pool and identity's template group are references like any other; the
 * built-in group "default" always exists. */
START_TEST(test_references_roadwarrior)
{
	ck_assert_ptr_null(load("/ip pool\nadd name=rw ranges=10.8.0.0/24\n"
				"/ip ipsec mode-config\nadd name=m address-pool=rw-pool\n"
				"/ip ipsec peer\nadd name=p address=1.2.3.4\n"
				"/ip ipsec identity\n"
				"add peer=p secret=x policy-template-group=rw-group\n"
				"add peer=p secret=y policy-template-group=default\n"));
	ck_assert(has_diag("t.conf:4:12: error",
			   "address-pool=rw-pool: no such ip pool; defined: rw"));
	ck_assert(has_diag("t.conf:8:21: error", "policy-template-group=rw-group: no such ip "
						 "ipsec policy group"));
	ck_assert(has_diag("t.conf:8:", "defined: default"));
	ck_assert_uint_eq(ds.nerrors, 2);

	struct conf *c = load("/ip pool\nadd name=rw ranges=10.8.0.0/24\n"
			      "/ip ipsec mode-config\nadd name=m address-pool=rw\n"
			      "/ip ipsec policy group\nadd name=rw-group\n"
			      "/ip ipsec peer\nadd name=p address=1.2.3.4\n"
			      "/ip ipsec identity\nadd peer=p secret=x mode-config=m "
			      "policy-template-group=rw-group\n"
			      "add peer=p secret=y policy-template-group=default\n");

	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(ds.nerrors, 0);
	conf_free(c);
}
END_TEST

/* No address in two pools, nor twice in one: the later pool's ranges is the error. */
START_TEST(test_pool_overlaps)
{
	ck_assert_ptr_null(load("/ip pool\n"
				"add name=a ranges=10.8.0.10-10.8.0.250,10.8.1.0/24\n"
				"add name=b ranges=10.8.1.128/25\n"
				"add name=c ranges=10.9.0.0/24,10.9.0.200-10.9.1.5\n"
				"add name=d ranges=10.5.0.100-10.5.0.200\n"
				"add name=e ranges=192.0.2.1,10.5.0.0/24\n"
				"add name=f ranges=2001:db8::/64\n"
				"add name=g ranges=2001:db8::ffff-2001:db8:1::\n"));
	ck_assert(has_diag("t.conf:3:12: error", "ranges: 10.8.1.128 is also in pool a"));
	ck_assert(has_diag("t.conf:4:12: error", "ranges: 10.9.0.200 is in two of this pool's"));
	/* e's range starts lower, but e comes later */
	ck_assert(has_diag("t.conf:6:12: error", "ranges: 10.5.0.100 is also in pool d"));
	ck_assert(has_diag("t.conf:8:12: error", "ranges: 2001:db8::ffff is also in pool f"));
	ck_assert_uint_eq(ds.nerrors, 4);

	/* adjacent ranges, both families, a single address next to a prefix */
	struct conf *c = load("/ip pool\n"
			      "add name=a ranges=10.8.0.10-10.8.0.250,10.8.1.0/24\n"
			      "add name=b ranges=10.8.0.251-10.8.0.255,10.8.2.0\n"
			      "add name=c next-pool=a ranges=10.8.0.0-10.8.0.9,2001:db8::/64\n"
			      "add name=d ranges=2001:db8:0:1::/64,10.8.2.1/32\n");

	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(ds.nerrors, 0);
	conf_free(c);
}
END_TEST

START_TEST(test_required_property)
{
	ck_assert_ptr_null(load("/ip ipsec identity\nadd secret=x\n"));
	ck_assert(has_diag("t.conf:2:1: error", "peer= is required"));
	/* found by fuzz_conf: an empty required reference exported as nothing */
	ck_assert_ptr_null(load("/ip ipsec identity\nadd peer=\"\" secret=x\n"));
	ck_assert(has_diag("t.conf:2:1: error", "peer= cannot be empty"));
}
END_TEST

START_TEST(test_address_families)
{
	ck_assert_ptr_null(load("/ip ipsec policy\nadd src-address=10.0.0.0/8 "
				"dst-address=2001:db8::/32 action=none\n"));
	ck_assert(has_diag("t.conf:2:28: error", "same address family"));
	ck_assert_ptr_null(load("/ip ipsec peer\nadd name=a address=192.0.2.1/32 "
				"local-address=2001:db8::1\n"));
	ck_assert(has_diag("t.conf:2:", "same address family"));
}
END_TEST

START_TEST(test_auth_method_needs)
{
	const char *peer = "/ip ipsec peer\nadd name=a address=1.2.3.4\n/ip ipsec identity\n";
	static const char *const cases[][2] = {
		{"add peer=a\n", "auth-method=pre-shared-key needs secret="},
		{"add peer=a auth-method=digital-signature\n",
		 "auth-method=digital-signature needs certificate="},
		{"add peer=a auth-method=rsa-key\n", "needs key= and remote-key="},
	};
	char buf[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(buf, sizeof(buf), "%s%s", peer, cases[i][0]);
		ck_assert_ptr_null(load(buf));
		ck_assert(has_diag("t.conf:4:", cases[i][1]));
	}
}
END_TEST

/* EAP is IKEv2's, hybrid IKEv1's: an identity of a peer of the other version with it
 * loads, with a warning; the same of a peer of its version, or another method, none. */
START_TEST(test_auth_method_ikev1)
{
	static const char text[] = "/ip ipsec peer\nadd name=a address=1.2.3.4 exchange-mode=%s\n"
				   "/ip ipsec identity\nadd peer=a %s\n";
	static const char eap[] = "auth-method=eap eap-methods=eap-mschapv2 username=u password=p";
	static const char psk[] = "auth-method=pre-shared-key-xauth secret=x";
	char buf[256];
	struct conf *c;

	snprintf(buf, sizeof(buf), text, "main", eap);
	ck_assert_ptr_nonnull(c = load(buf));
	ck_assert(has_diag("t.conf:4:", "warning: auth-method=eap is IKEv2's: peer a uses "
					"exchange-mode=main (IKEv1)"));
	conf_free(c);
	snprintf(buf, sizeof(buf), text, "ike2", eap);
	ck_assert_ptr_nonnull(c = load(buf));
	ck_assert(!has_diag("t.conf:4:", "is IKEv2's"));
	conf_free(c);
	snprintf(buf, sizeof(buf), text, "aggressive", psk);
	ck_assert_ptr_nonnull(c = load(buf));
	ck_assert(!has_diag("t.conf:4:", "is IKEv2's"));
	conf_free(c);
	snprintf(buf, sizeof(buf), text, "ike2", "auth-method=rsa-signature-hybrid");
	ck_assert_ptr_nonnull(c = load(buf));
	ck_assert(has_diag("t.conf:4:", "warning: auth-method=rsa-signature-hybrid is IKEv1's: "
					"peer a uses exchange-mode=ike2"));
	conf_free(c);
	snprintf(buf, sizeof(buf), text, "main", "auth-method=rsa-signature-hybrid");
	ck_assert_ptr_nonnull(c = load(buf));
	ck_assert(!has_diag("t.conf:4:", "is IKEv1's"));
	conf_free(c);
}
END_TEST

START_TEST(test_policy_rules)
{
	struct conf *c = load("/ip ipsec policy\nadd src-address=10.0.0.0/24 "
			      "dst-address=10.1.0.0/24 tunnel=yes\n");

	ck_assert_ptr_nonnull(c); /* RouterOS accepts it; nothing can negotiate it */
	ck_assert(has_diag("t.conf:2:1: warning", "has no peer="));
	conf_free(c);
	ck_assert_ptr_null(load("/ip ipsec policy\nadd action=none dst-port=80\n"));
	ck_assert(has_diag("t.conf:2:17: error", "ports need protocol="));
	c = load("/ip ipsec policy\nadd action=none dst-address=10.0.0.0/8\n"
		 "add action=discard dst-address=10.0.0.0/8\n");

	ck_assert_ptr_nonnull(c);
	ck_assert(has_diag("t.conf:3:1: warning", "marked invalid"));
	ck_assert(conf_item_at(c, CONF_M_POLICY, 1)->invalid);
	ck_assert(!conf_item_at(c, CONF_M_POLICY, 0)->invalid);
	conf_free(c);
	/* IKEv2 negotiates ESP or AH, not both; IKEv1 may bundle them */
	static const char bundle[] = "/ip ipsec peer\nadd name=p address=192.0.2.1/32 "
				     "exchange-mode=%s\n/ip ipsec policy\nadd peer=p "
				     "dst-address=10.0.0.0/8 ipsec-protocols=esp,ah\n";
	char text[256];

	snprintf(text, sizeof(text), bundle, "ike2");
	ck_assert_ptr_null(load(text));
	ck_assert(has_diag("t.conf:4:35: error", "ipsec-protocols=esp,ah needs IKEv1: peer p"));
	snprintf(text, sizeof(text), bundle, "main");
	c = load(text);
	ck_assert_ptr_nonnull(c);
	conf_free(c);
}
END_TEST

START_TEST(test_manual_sa_key_lengths)
{
	struct conf *c = load("/ip ipsec manual-sa\nadd name=m esp-enc-algorithm=aes-128 "
			      "esp-enc-key=0x000102030405060708090a0b0c0d0e0f "
			      "esp-auth-algorithm=sha1 esp-auth-key=01234567890123456789\n");

	ck_assert_ptr_nonnull(c);
	conf_free(c);
	ck_assert_ptr_null(load("/ip ipsec manual-sa\nadd name=m esp-enc-algorithm=aes-256 "
				"esp-enc-key=0x0001\n"));
	ck_assert(has_diag("t.conf:2:", "aes-256 needs a 32-byte key (64 hex digits), got 2"));
	c = load("/ip ipsec manual-sa\nadd name=m ah-key=abcfed\n");
	ck_assert_ptr_nonnull(c); /* v3 manual: the default ah-algorithm=null ignores it */
	ck_assert(has_diag("t.conf:2:", "warning: ah-key: null uses no key"));
	conf_free(c);
	ck_assert_ptr_null(load("/ip ipsec manual-sa\nadd name=m esp-enc-key=0xzz\n"));
	ck_assert(has_diag("t.conf:2:12: error", "bad hex key"));
}
END_TEST

START_TEST(test_manual_sa_in_out_and_abbreviations)
{
	struct conf *c = load("/ip ipsec manual-sa\nadd name=m esp-spi=0x101/0x100 "
			      "esp-enc-algorithm=aes-128 esp-auth-algorithm=sha1 "
			      "esp-enc-key=0x000102030405060708090a0b0c0d0e0f/"
			      "0x0f0e0d0c0b0a09080706050403020100\n"
			      "/ip ipsec policy\nadd sa-src=192.0.2.1 sa-dst=192.0.2.2 manual-sa=m "
			      "tunnel=yes src-address=10.0.0.0/24 dst-address=10.1.0.0/24\n");

	ck_assert_ptr_nonnull(c);
	struct conf_item *m = conf_find(c, CONF_M_MANUAL_SA, "m");

	ck_assert_str_eq(val(m, CONF_MANUALSA_ESP_SPI), "0x101/0x100");
	ck_assert_int_eq(conf_int(m, CONF_MANUALSA_ESP_SPI), (int64_t)0x101 << 32 | 0x100);
	ck_assert_str_eq(val(conf_item_at(c, CONF_M_POLICY, 0), CONF_POLICY_SA_DST_ADDRESS),
			 "192.0.2.2");
	conf_free(c);
	ck_assert_ptr_null(load("/ip ipsec manual-sa\nadd name=m esp-enc-algorithm=aes-128 "
				"esp-enc-key=0x000102030405060708090a0b0c0d0e0f/0x00\n"));
	ck_assert(has_diag("t.conf:2:", "aes-128 needs a 16-byte key (32 hex digits), got 1"));
	ck_assert_ptr_null(load("/ip ipsec manual-sa\nadd name=m esp-spi=0x99\n"));
	ck_assert(has_diag("t.conf:2:20: error", "not an SPI"));
	/* "s" is a prefix of several properties: ambiguous, so unknown */
	ck_assert_ptr_null(load("/ip ipsec policy\nadd s=1.2.3.4 action=none\n"));
	ck_assert(has_diag("t.conf:2:5: error", "no property \"s\""));
}
END_TEST

/* Found by fuzz_conf: an import without name= exported name="" that did not load back. */
START_TEST(test_names_required_or_derived)
{
	struct conf *c = load("/certificate\nimport file-name=/etc/ipsecd/certs/ca.pem\n"
			      "/ip ipsec peer\nadd address=192.0.2.1\n");

	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_nonnull(conf_find(c, CONF_M_CERTIFICATE, "ca.pem"));
	ck_assert_ptr_nonnull(conf_find(c, CONF_M_PEER, "peer1"));
	char *e = export_str(c, 0);
	struct conf *c2 = load(e);

	ck_assert_ptr_nonnull(c2);
	free(e);
	conf_free(c2);
	conf_free(c);
	ck_assert_ptr_null(
		load("/certificate\nimport file-name=a/ca.pem\nimport file-name=ca.pem\n"));
	ck_assert(has_diag("t.conf:3:1: error", "name= is required (the file's name is taken)"));
	ck_assert_ptr_null(load("/ip ipsec proposal\nadd enc-algorithms=aes-128-cbc\n"));
	ck_assert(has_diag("t.conf:2:1: error", "proposal add: name= is required"));
}
END_TEST

/* --- v6 and aliases --- */

START_TEST(test_v6_peer_conversion)
{
	struct conf *c =
		load("/ip ipsec peer\n"
		     "add address=192.0.2.10/32 secret=\"v6 secret\" enc-algorithm=aes-128 "
		     "dh-group=modp2048 generate-policy=yes exchange-mode=main-l2tp "
		     "my-id-user-fqdn=me@example.com\n"
		     "add address=192.0.2.11/32 secret=other enc-algorithm=aes-128 "
		     "dh-group=modp2048\n"
		     "/ip ipsec policy\n"
		     "add src-address=10.0.0.0/24 dst-address=10.1.0.0/24 "
		     "sa-src-address=192.0.2.1 sa-dst-address=192.0.2.10 tunnel=yes\n");

	ck_assert_ptr_nonnull(c);
	struct conf_item *p1 = conf_find(c, CONF_M_PEER, "peer1");

	ck_assert_ptr_nonnull(p1);
	ck_assert_str_eq(val(p1, CONF_PEER_EXCHANGE_MODE), "main");
	ck_assert_str_eq(conf_str(p1, CONF_PEER_PROFILE), "profile_1");
	ck_assert_str_eq(conf_str(conf_find(c, CONF_M_PEER, "peer2"), CONF_PEER_PROFILE),
			 "profile_1"); /* same parameters share one profile */
	struct conf_item *prof = conf_find(c, CONF_M_PROFILE, "profile_1");

	ck_assert_str_eq(val(prof, CONF_PROFILE_ENC_ALGORITHM), "aes-128");
	ck_assert_str_eq(val(prof, CONF_PROFILE_DH_GROUP), "modp2048");
	struct conf_item *id = conf_item_at(c, CONF_M_IDENTITY, 0);

	ck_assert_str_eq(conf_str(id, CONF_IDENTITY_PEER), "peer1");
	ck_assert_str_eq(conf_str(id, CONF_IDENTITY_SECRET), "v6 secret");
	ck_assert_str_eq(val(id, CONF_IDENTITY_GENERATE_POLICY), "port-override");
	ck_assert_str_eq(conf_str(id, CONF_IDENTITY_MY_ID), "user-fqdn:me@example.com");
	ck_assert_str_eq(conf_str(conf_item_at(c, CONF_M_POLICY, 0), CONF_POLICY_PEER), "peer1");
	/* export prints the v7 form */
	char *e = export_str(c, CONF_EXPORT_SENSITIVE);

	ck_assert_ptr_null(strstr(e, "enc-algorithm=aes-128 dh"));
	ck_assert_ptr_nonnull(strstr(e, "/ip ipsec identity\nadd generate-policy=port-override"));
	ck_assert_ptr_nonnull(strstr(e, "profile=profile_1"));
	free(e);
	conf_free(c);
}
END_TEST

START_TEST(test_aliases)
{
	struct conf *c = load("/ip ipsec proposal\nadd name=x enc-algorithms=aes-128,3des\n");

	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(val(conf_find(c, CONF_M_PROPOSAL, "x"), CONF_PROPOSAL_ENC_ALGORITHMS),
			 "aes-128-cbc,3des");
	ck_assert(has_diag("t.conf:2:27: warning", "old name; read as aes-128-cbc,3des"));
	conf_free(c);
}
END_TEST

/* --- export --- */

static const char full_config[] =
	"/ip pool\nadd name=rw ranges=10.9.0.10-10.9.0.200\n"
	"/ip ipsec mode-config\nadd address-pool=rw name=rw-cfg\n"
	"/ip ipsec policy group\nadd name=rw-group\n"
	"/ip ipsec profile\nset [ find default=yes ] dh-group=ecp256,modp2048 "
	"enc-algorithm=aes-256\nadd name=strong dh-group=ecp384 lifetime=8h\n"
	"/ip ipsec peer\nadd address=192.0.2.1/32 exchange-mode=ike2 name=office2 "
	"profile=strong\nadd address=0.0.0.0/0 name=rw passive=yes\n"
	"/ip ipsec proposal\nset [ find default=yes ] pfs-group=none\n"
	"add enc-algorithms=aes-256-gcm name=gcm pfs-group=ecp256\n"
	"/ip ipsec identity\nadd peer=office2 secret=\"p s k\"\n"
	"add generate-policy=port-strict mode-config=rw-cfg peer=rw "
	"policy-template-group=rw-group secret=rwsecret\n"
	"/ip ipsec policy\nadd dst-address=10.2.0.0/24 peer=office2 proposal=gcm "
	"src-address=10.1.0.0/24 tunnel=yes\n"
	"add dst-address=10.9.0.0/24 group=rw-group src-address=0.0.0.0/0 template=yes\n"
	"add action=none disabled=yes dst-address=10.3.0.0/24 src-address=10.1.0.0/24\n";

START_TEST(test_export_round_trip)
{
	struct conf *c = load(full_config);

	ck_assert_ptr_nonnull(c);
	char *e1 = export_str(c, CONF_EXPORT_SENSITIVE);
	struct conf *c2 = load(e1);

	ck_assert_ptr_nonnull(c2);
	char *e2 = export_str(c2, CONF_EXPORT_SENSITIVE);

	ck_assert_str_eq(e1, e2);
	ck_assert_uint_eq(conf_diff(c, c2, NULL, NULL), 0);
	/* defaults omitted, as RouterOS does */
	ck_assert_ptr_null(strstr(e1, "passive=no"));
	ck_assert_ptr_null(strstr(e1, "level=require"));
	ck_assert_ptr_nonnull(strstr(e1, "set [ find default=yes ] dh-group=ecp256,modp2048"));
	free(e1);
	free(e2);
	conf_free(c);
	conf_free(c2);
}
END_TEST

START_TEST(test_export_hides_secrets)
{
	struct conf *c = load(full_config);
	char *e = export_str(c, 0);

	ck_assert_ptr_null(strstr(e, "rwsecret"));
	ck_assert_ptr_null(strstr(e, "p s k"));
	ck_assert_ptr_nonnull(strstr(e, "secrets hidden"));
	free(e);
	e = export_str(c, CONF_EXPORT_SENSITIVE);
	ck_assert_ptr_nonnull(strstr(e, "secret=rwsecret"));
	free(e);
	conf_free(c);
}
END_TEST

/* --- control commands --- */

struct capture {
	char cols[256];
	size_t records;
	char last[4096];
	size_t texts;
};

static void cap_cols(void *arg, const char *cols)
{
	snprintf(((struct capture *)arg)->cols, 256, "%s", cols);
}

static void cap_rec(void *arg, const char *r)
{
	struct capture *k = arg;

	k->records++;
	snprintf(k->last, sizeof(k->last), "%s", r);
}

static void cap_text(void *arg, const char *t)
{
	((struct capture *)arg)->texts++;
}

static int ctl(struct conf **c, const char *line, unsigned flags, struct capture *k,
	       struct conf_changes **old)
{
	struct conf_sink sink = {cap_cols, cap_rec, cap_text, k};

	memset(k, 0, sizeof(*k));
	conf_diags_free(&ds);
	conf_diags_init(&ds);
	return conf_ctl_exec(c, line, flags, &sink, NULL, old, &ds);
}

START_TEST(test_ctl_print)
{
	struct conf *c = load(full_config);
	struct conf_changes *old = NULL;
	struct capture k;

	ck_assert_int_eq(ctl(&c, "peer print", 0, &k, &old), 0);
	ck_assert_ptr_null(old);
	ck_assert_uint_eq(k.records, 2);
	ck_assert_ptr_nonnull(strstr(k.cols, "name"));
	ck_assert_int_eq(ctl(&c, "/ip ipsec identity print detail where peer=office2", 0, &k, &old),
			 0);
	ck_assert_uint_eq(k.records, 1);
	ck_assert_ptr_nonnull(strstr(k.last, "secret=*****"));
	ck_assert_int_eq(ctl(&c, "identity print show-sensitive",
			     CONF_CTL_ROOT | CONF_CTL_SENSITIVE, &k, &old),
			 0);
	ck_assert_ptr_nonnull(strstr(k.last, "secret=rwsecret"));
	ck_assert_int_eq(ctl(&c, "identity print show-sensitive", 0, &k, &old), -EPERM);
	ck_assert_int_eq(ctl(&c, "ip pool print", 0, &k, &old), 0);
	ck_assert_uint_eq(k.records, 1);
	ck_assert_int_eq(ctl(&c, "export", 0, &k, &old), 0);
	ck_assert_uint_ge(k.texts, 10);
	/* without a daemon's runtime: runtime menus are refused, stats shows its columns */
	ck_assert_int_eq(ctl(&c, "installed-sa print", 0, &k, &old), -ENOTSUP);
	ck_assert(has_diag("ipsecctl:1:", "not available"));
	ck_assert_int_eq(ctl(&c, "remote-peers print", 0, &k, &old), -ENOTSUP);
	ck_assert_int_eq(ctl(&c, "statistics print", 0, &k, &old), -ENOTSUP);
	ck_assert_int_eq(ctl(&c, "installed-sa flush", CONF_CTL_ROOT, &k, &old), -ENOTSUP);
	ck_assert_int_eq(ctl(&c, "policy print stats", 0, &k, &old), 0);
	ck_assert_ptr_nonnull(strstr(k.cols, "in-transformed"));
	ck_assert_int_eq(ctl(&c, "peer print stats", 0, &k, &old), -EINVAL);
	conf_free(c);
}
END_TEST

/* A fake daemon runtime: two installed SAs, policies annotated, one verb. */
static int fake_annotated, fake_verb_args;

static int fake_fill(void *arg, enum conf_menu_id m, struct conf *into, unsigned flags,
		     struct conf_diags *d)
{
	if (m != CONF_M_INSTALLED_SA) {
		conf_diag_add(d, CONF_ERROR, "ipsecctl", 1, 1, "no such data");
		return -ENOTSUP;
	}
	for (int i = 0; i < 2; i++) {
		struct conf_item *it = conf_runtime_add(into, m);

		ck_assert_int_eq(conf_set_text(into, it, CONF_ISA_SPI, i ? "0x200" : "0x100"), 0);
		ck_assert_int_eq(conf_set_text(into, it, CONF_ISA_DST_ADDRESS, "192.0.2.1"), 0);
		ck_assert_int_eq(conf_set_text(into, it, CONF_ISA_DST_ADDRESS, "not an address"),
				 -EINVAL);
		conf_set_int(into, it, CONF_ISA_ESP, 1);
		conf_set_int(into, it, CONF_ISA_CURRENT_BYTES, 100 * (i + 1));
		if (flags & CONF_CTL_SENSITIVE)
			conf_set_text(into, it, CONF_ISA_ENC_KEY, "00112233");
	}
	return 0;
}

static void fake_annotate(void *arg, const struct conf *c, struct conf_item **items, size_t n,
			  bool stats)
{
	for (size_t i = 0; i < n; i++)
		conf_set_int((struct conf *)c, items[i], CONF_POLICY_ACTIVE, i == 0);
	fake_annotated += (int)n;
}

static int fake_verb(void *arg, enum conf_menu_id m, const char *verb, const char *const *keys,
		     const char *const *vals, size_t n, unsigned flags,
		     const struct conf_sink *sink, struct conf_diags *d)
{
	if (m != CONF_M_INSTALLED_SA || strcmp(verb, "flush"))
		return -ENOTSUP;
	fake_verb_args = (int)n;
	ck_assert_str_eq(keys[0], "sa-type");
	ck_assert_str_eq(vals[0], "esp");
	sink->text(sink->arg, "flushed");
	return 0;
}

START_TEST(test_ctl_runtime)
{
	struct conf *c = load(full_config);
	struct conf_changes *old = NULL;
	struct conf_runtime rt = {
		.fill = fake_fill, .annotate = fake_annotate, .verb = fake_verb, .arg = NULL};
	struct conf_sink sink;
	struct capture k;

	memset(&k, 0, sizeof(k));
	sink = (struct conf_sink){cap_cols, cap_rec, cap_text, &k};
	conf_diags_free(&ds);
	conf_diags_init(&ds);
	ck_assert_int_eq(
		conf_ctl_exec(&c, "installed-sa print where spi=0x200", 0, &sink, &rt, &old, &ds),
		0);
	ck_assert_uint_eq(k.records, 1);
	ck_assert_ptr_nonnull(strstr(k.last, "current-bytes=200"));
	ck_assert_ptr_null(strstr(k.last, "00112233"));
	memset(&k, 0, sizeof(k));
	ck_assert_int_eq(conf_ctl_exec(&c, "installed-sa print detail show-sensitive",
				       CONF_CTL_ROOT | CONF_CTL_SENSITIVE, &sink, &rt, &old, &ds),
			 0);
	ck_assert_uint_eq(k.records, 2);
	ck_assert_ptr_nonnull(strstr(k.last, "enc-key=00112233"));
	memset(&k, 0, sizeof(k));
	ck_assert_int_eq(
		conf_ctl_exec(&c, "policy print where active=yes", 0, &sink, &rt, &old, &ds), 0);
	ck_assert_int_gt(fake_annotated, 0);
	ck_assert_uint_eq(k.records, 1);
	memset(&k, 0, sizeof(k));
	ck_assert_int_eq(conf_ctl_exec(&c, "installed-sa flush sa-type=esp", CONF_CTL_ROOT, &sink,
				       &rt, &old, &ds),
			 0);
	ck_assert_int_eq(fake_verb_args, 1);
	ck_assert_uint_eq(k.texts, 1);
	ck_assert_int_eq(conf_ctl_exec(&c, "active-peers print", 0, &sink, &rt, &old, &ds),
			 -ENOTSUP);
	ck_assert(has_diag("ipsecctl:", "no such data"));
	ck_assert_int_eq(conf_ctl_exec(&c, "active-peers kill-connections", CONF_CTL_ROOT, &sink,
				       &rt, &old, &ds),
			 -ENOTSUP);
	ck_assert_ptr_null(old);
	conf_free(c);
}
END_TEST

/* A fake road-warrior gateway: three clients behind one NAT (one address, three dynamic
 * addresses and IDs, IKE SA serials 7, 8 and 9), one lease kept for a client gone, and two
 * generated policies. remove records the *IDs it is given. */
static char rw_removed[128];

static int rw_fill(void *arg, enum conf_menu_id m, struct conf *into, unsigned flags,
		   struct conf_diags *d)
{
	static const char *const ids[] = {"CN=alice", "CN=bob", "CN=carol"};

	for (int i = 0; i < 3 && m == CONF_M_ACTIVE_PEERS; i++) {
		struct conf_item *it = conf_runtime_add(into, m);
		char dyn[32];

		it->id = (uint32_t)(7 + i);
		snprintf(dyn, sizeof(dyn), "10.8.0.%d", 11 + i);
		conf_set_text(into, it, CONF_APEER_STATE, "established");
		conf_set_text(into, it, CONF_APEER_REMOTE_ADDRESS, "198.51.100.9");
		conf_set_text(into, it, CONF_APEER_DYNAMIC_ADDRESS, dyn);
		conf_set_text(into, it, CONF_APEER_REMOTE_ID, ids[i]);
	}
	for (int i = 0; i < 2 && m == CONF_M_POOL_USED; i++) {
		struct conf_item *it = conf_runtime_add(into, m);

		conf_set_text(into, it, CONF_PUSED_POOL, "rw");
		conf_set_text(into, it, CONF_PUSED_ADDRESS, i ? "10.8.0.14" : "10.8.0.11");
		conf_set_text(into, it, CONF_PUSED_OWNER, i ? "CN=dave" : "CN=alice");
		conf_set_text(into, it, CONF_PUSED_INFO, i ? "kept" : "active");
	}
	if (m == CONF_M_ACTIVE_PEERS || m == CONF_M_POOL_USED)
		return 0;
	conf_diag_add(d, CONF_ERROR, "ipsecctl", 1, 1, "no such data");
	return -ENOTSUP;
}

static int rw_verb(void *arg, enum conf_menu_id m, const char *verb, const char *const *keys,
		   const char *const *vals, size_t n, unsigned flags, const struct conf_sink *sink,
		   struct conf_diags *d)
{
	if (m != CONF_M_ACTIVE_PEERS || strcmp(verb, "remove"))
		return -ENOTSUP;
	if (!(flags & CONF_CTL_ROOT)) {
		conf_diag_add(d, CONF_ERROR, "ipsecctl", 1, 1, "active-peers remove needs root");
		return -EPERM;
	}
	rw_removed[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(keys[i], ".id");
		strcat(rw_removed, i ? "," : "");
		strcat(rw_removed, vals[i]);
	}
	return 0;
}

static void rw_dynamic(void *arg, enum conf_menu_id m, struct conf *into)
{
	for (int i = 0; i < 2 && m == CONF_M_POLICY; i++) {
		struct conf_item *it = conf_runtime_add(into, m);

		conf_set_text(into, it, CONF_POLICY_SRC_ADDRESS, "0.0.0.0/0");
		conf_set_text(into, it, CONF_POLICY_DST_ADDRESS,
			      i ? "10.8.0.12/32" : "10.8.0.11/32");
		conf_set_text(into, it, CONF_POLICY_PEER, "rw");
		conf_set_text(into, it, CONF_POLICY_TUNNEL, "yes");
		conf_set_text(into, it, CONF_POLICY_PH2_STATE, "established");
	}
}

static int rw_ctl(struct conf **c, const char *line, unsigned flags, struct capture *k)
{
	struct conf_runtime rt = {
		.fill = rw_fill, .verb = rw_verb, .dynamic = rw_dynamic, .arg = NULL};
	struct conf_sink sink = {cap_cols, cap_rec, cap_text, k};
	struct conf_changes *old = NULL;
	int r;

	memset(k, 0, sizeof(*k));
	rw_removed[0] = '\0';
	conf_diags_free(&ds);
	conf_diags_init(&ds);
	r = conf_ctl_exec(c, line, flags, &sink, &rt, &old, &ds);
	ck_assert_ptr_null(old);
	return r;
}

/* Clients behind one NAT are told apart by dynamic address, ID, number or *ID. */
START_TEST(test_ctl_active_peers_remove)
{
	struct conf *c = load(full_config);
	struct capture k;

	ck_assert_int_eq(rw_ctl(&c, "active-peers print where dynamic-address=10.8.0.12", 0, &k),
			 0);
	ck_assert_uint_eq(k.records, 1);
	ck_assert_ptr_nonnull(strstr(k.last, ".id=*8 .nr=1"));
	ck_assert_ptr_nonnull(strstr(k.last, "dynamic-address=10.8.0.12"));
	ck_assert_int_eq(rw_ctl(&c, "active-peers remove [ find dynamic-address=10.8.0.12 ]",
				CONF_CTL_ROOT, &k),
			 0);
	ck_assert_str_eq(rw_removed, "*8");
	ck_assert_int_eq(rw_ctl(&c, "/ip ipsec active-peers remove [ find id=\"CN=carol\" ]",
				CONF_CTL_ROOT, &k),
			 0);
	ck_assert_str_eq(rw_removed, "*9");
	ck_assert_int_eq(rw_ctl(&c, "active-peers remove [ find where remote-id=CN=alice ]",
				CONF_CTL_ROOT, &k),
			 0);
	ck_assert_str_eq(rw_removed, "*7");
	ck_assert_int_eq(rw_ctl(&c, "active-peers remove 0,2", CONF_CTL_ROOT, &k), 0);
	ck_assert_str_eq(rw_removed, "*7,*9");
	ck_assert_int_eq(rw_ctl(&c, "remote-peers remove *8", CONF_CTL_ROOT, &k), 0);
	ck_assert_str_eq(rw_removed, "*8");
	ck_assert_int_eq(rw_ctl(&c, "active-peers remove [ find remote-address=198.51.100.9 ]",
				CONF_CTL_ROOT, &k),
			 0);
	ck_assert_str_eq(rw_removed, "*7,*8,*9");
	ck_assert_int_eq(rw_ctl(&c, "active-peers remove [ find dynamic-address=10.9.9.9 ]",
				CONF_CTL_ROOT, &k),
			 0);
	ck_assert_str_eq(rw_removed, "");

	/* refused, and nothing is removed */
	ck_assert_int_eq(rw_ctl(&c, "active-peers remove 3", CONF_CTL_ROOT, &k), -EINVAL);
	ck_assert(has_diag("ipsecctl:1:", "has no item \"3\""));
	ck_assert_int_eq(rw_ctl(&c, "active-peers remove [ find colour=red ]", CONF_CTL_ROOT, &k),
			 -EINVAL);
	ck_assert(has_diag("ipsecctl:1:", "no property \"colour\""));
	ck_assert_int_eq(rw_ctl(&c, "active-peers remove", CONF_CTL_ROOT, &k), -EINVAL);
	ck_assert(has_diag("ipsecctl:1:", "which item?"));
	ck_assert_int_eq(rw_ctl(&c, "active-peers remove 0 1", CONF_CTL_ROOT, &k), -EINVAL);
	ck_assert(has_diag("ipsecctl:1:", "unexpected \"1\""));
	ck_assert_int_eq(rw_ctl(&c, "active-peers remove 0", 0, &k), -EPERM);
	ck_assert(has_diag("ipsecctl:1:", "needs root"));
	ck_assert_str_eq(rw_removed, "");
	ck_assert_int_eq(rw_ctl(&c, "installed-sa remove 0", CONF_CTL_ROOT, &k), -ENOTSUP);
	conf_free(c);
}
END_TEST

/* Generated policies print after the configured ones, numbered on, with flag D; where
 * dynamic=... picks them; export and the model never hold them. */
START_TEST(test_ctl_dynamic_policies)
{
	struct conf *c = load(full_config);
	size_t nstatic = conf_count(c, CONF_M_POLICY);
	struct capture k;
	char nr[32];
	char *e0 = export_str(c, 0), *e1;

	ck_assert_int_eq(rw_ctl(&c, "policy print", 0, &k), 0);
	ck_assert_uint_eq(k.records, nstatic + 2);
	snprintf(nr, sizeof(nr), ".nr=%zu", nstatic + 1);
	ck_assert_ptr_nonnull(strstr(k.last, nr));
	ck_assert_ptr_nonnull(strstr(k.last, "flags=D"));
	ck_assert_ptr_nonnull(strstr(k.last, "dst-address=10.8.0.12/32"));
	ck_assert_int_eq(rw_ctl(&c, "policy print where dynamic=yes", 0, &k), 0);
	ck_assert_uint_eq(k.records, 2);
	ck_assert_int_eq(rw_ctl(&c, "policy print where dynamic=no", 0, &k), 0);
	ck_assert_uint_eq(k.records, nstatic);
	ck_assert_int_eq(rw_ctl(&c, "policy export", 0, &k), 0);
	ck_assert_int_eq(rw_ctl(&c, "export", 0, &k), 0);
	e1 = export_str(c, 0);
	ck_assert_str_eq(e0, e1);
	ck_assert_ptr_null(strstr(e1, "10.8.0.12"));
	ck_assert_uint_eq(conf_count(c, CONF_M_POLICY), nstatic);
	/* a dynamic entry is not the configuration's: remove cannot name it */
	snprintf(nr, sizeof(nr), "policy remove %zu", nstatic);
	ck_assert_int_eq(rw_ctl(&c, nr, CONF_CTL_ROOT, &k), -EINVAL);
	ck_assert_uint_eq(conf_count(c, CONF_M_POLICY), nstatic);
	/* menus with built-in entries show them once: they are not dynamic */
	ck_assert_int_eq(rw_ctl(&c, "proposal print where name=default", 0, &k), 0);
	ck_assert_uint_eq(k.records, 1);
	ck_assert_ptr_null(strstr(k.last, "flags=D"));
	free(e0);
	free(e1);
	conf_free(c);
}
END_TEST

START_TEST(test_ctl_pool_used)
{
	struct conf *c = load(full_config);
	struct capture k;

	ck_assert_int_eq(rw_ctl(&c, "/ip pool used print", 0, &k), 0);
	ck_assert_str_eq(k.cols, "pool address owner info");
	ck_assert_uint_eq(k.records, 2);
	ck_assert_ptr_nonnull(strstr(k.last, "address=10.8.0.14"));
	ck_assert_ptr_nonnull(strstr(k.last, "CN=dave"));
	ck_assert_ptr_nonnull(strstr(k.last, "info=kept"));
	ck_assert_int_eq(rw_ctl(&c, "/ip pool used print where owner=CN=alice", 0, &k), 0);
	ck_assert_uint_eq(k.records, 1);
	ck_assert_int_eq(rw_ctl(&c, "/ip pool print", 0, &k), 0);
	ck_assert_uint_eq(k.records, 1); /* the configured pool, not its leases */
	ck_assert_int_eq(rw_ctl(&c, "/ip pool used add address=10.8.0.20", CONF_CTL_ROOT, &k),
			 -ENOTSUP);
	/* without a daemon it is refused like every runtime menu */
	ck_assert_int_eq(ctl(&c, "/ip pool used print", 0, &k, &(struct conf_changes *){NULL}),
			 -ENOTSUP);
	conf_free(c);
}
END_TEST

START_TEST(test_ctl_changes_are_atomic)
{
	struct conf *c = load(full_config), *before = c;
	struct conf_changes *old = NULL;
	struct capture k;
	char *e0 = export_str(c, CONF_EXPORT_SENSITIVE);

	/* refused: a dangling reference; nothing changes */
	ck_assert_int_eq(ctl(&c, "peer remove office2", CONF_CTL_ROOT, &k, &old), -EINVAL);
	ck_assert(has_diag("", "peer=office2: no such ip ipsec peer"));
	ck_assert_ptr_eq(c, before);
	ck_assert_ptr_null(old);
	char *e1 = export_str(c, CONF_EXPORT_SENSITIVE);

	ck_assert_str_eq(e0, e1);
	free(e1);
	/* not root */
	ck_assert_int_eq(ctl(&c, "peer set office2 passive=yes", 0, &k, &old), -EPERM);
	ck_assert_ptr_eq(c, before);
	/* bad value */
	ck_assert_int_eq(ctl(&c, "peer add name=x address=1.2.3.999", CONF_CTL_ROOT, &k, &old),
			 -EINVAL);
	ck_assert(has_diag("ipsecctl:1:25: error", "not an IPv4 or IPv6 prefix"));
	ck_assert_int_eq(ctl(&c, "peer add name=x address=1.2.3.4; peer add name=y", CONF_CTL_ROOT,
			     &k, &old),
			 -EINVAL);
	ck_assert(has_diag("ipsecctl:1:", "one command per request"));
	/* accepted */
	ck_assert_int_eq(ctl(&c, "peer add name=x address=198.51.100.7 exchange-mode=ike2",
			     CONF_CTL_ROOT, &k, &old),
			 0);
	ck_assert_ptr_eq(c, before); /* changed in place */
	ck_assert_ptr_nonnull(conf_find(c, CONF_M_PEER, "x"));
	ck_assert_uint_eq(conf_changes_walk(old, NULL, NULL), 1);
	conf_changes_free(old);
	free(e0);
	conf_free(c);
}
END_TEST

/* Every item of every menu, in order: a refused change must leave the very same ones. */
static struct conf_item **all_items(const struct conf *c, size_t *n)
{
	struct conf_item **v = NULL;

	*n = 0;
	for (int m = 0; m < CONF_M_COUNT; m++)
		for (size_t i = 0; i < conf_count(c, (enum conf_menu_id)m); i++) {
			v = realloc(v, (*n + 1) * sizeof(*v));
			v[(*n)++] = conf_item_at(c, (enum conf_menu_id)m, i);
		}
	return v;
}

START_TEST(test_ctl_refused_changes_nothing)
{
	static const char *const refused[] = {
		"peer remove office2",
		"peer set office2 name=office3",
		"profile remove strong",
		"policy set 0 ipsec-protocols=esp,ah",
		"identity set 0 secret=\"\"",
		"peer add name=office2 address=192.0.2.9",
		"/ip pool add name=p2 ranges=10.9.0.100-10.9.0.110",
		"peer set [ find ] address=192.0.2.1/32 local-address=2001:db8::1",
	};
	struct conf *c = load(full_config), *fresh = load(full_config);
	struct conf_changes *ch = NULL;
	struct capture k;
	size_t n0, n1;
	struct conf_item **before = all_items(c, &n0);
	char *e0 = export_str(c, CONF_EXPORT_SENSITIVE);

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		ck_assert_msg(ctl(&c, refused[i], CONF_CTL_ROOT, &k, &ch) == -EINVAL, "%s",
			      refused[i]);
		ck_assert_uint_gt(ds.nerrors, 0);
		ck_assert_ptr_null(ch);
		char *e1 = export_str(c, CONF_EXPORT_SENSITIVE);
		struct conf_item **after = all_items(c, &n1);

		ck_assert_msg(!strcmp(e0, e1), "%s changed the model", refused[i]);
		ck_assert_uint_eq(n0, n1);
		ck_assert_msg(!memcmp(before, after, n0 * sizeof(*before)), "%s moved items",
			      refused[i]);
		free(after);
		free(e1);
	}
	/* not even an item id was used up */
	ck_assert_int_eq(ctl(&c, "peer add name=x address=198.51.100.7", CONF_CTL_ROOT, &k, &ch),
			 0);
	conf_changes_free(ch);
	ck_assert_int_eq(
		ctl(&fresh, "peer add name=x address=198.51.100.7", CONF_CTL_ROOT, &k, &ch), 0);
	conf_changes_free(ch);
	ck_assert_uint_eq(conf_find(c, CONF_M_PEER, "x")->id,
			  conf_find(fresh, CONF_M_PEER, "x")->id);
	free(before);
	free(e0);
	conf_free(c);
	conf_free(fresh);
}
END_TEST

struct rec {
	size_t added, removed, changed;
	const struct conf_item *old, *now;
};

static void on_rec(enum conf_change what, const struct conf_item *o, const struct conf_item *n,
		   void *arg)
{
	struct rec *r = arg;

	r->added += what == CONF_ADDED;
	r->removed += what == CONF_REMOVED;
	r->changed += what == CONF_CHANGED;
	r->old = o;
	r->now = n;
}

/* The record of a change says what it did: the item changed in place, a copy from before;
 * a policy whose duplicate mark moved counts as changed. */
START_TEST(test_ctl_change_record)
{
	struct conf *c = load(full_config);
	struct conf_item *peer = conf_find(c, CONF_M_PEER, "office2");
	struct conf_changes *ch = NULL;
	struct capture k;
	struct rec r = {0};

	ck_assert_int_eq(ctl(&c, "peer set office2 passive=yes", CONF_CTL_ROOT, &k, &ch), 0);
	ck_assert_uint_eq(conf_changes_walk(ch, on_rec, &r), 1);
	ck_assert_uint_eq(r.changed, 1);
	ck_assert_ptr_eq(r.now, peer);
	ck_assert(!conf_bool(r.old, CONF_PEER_PASSIVE) && conf_bool(peer, CONF_PEER_PASSIVE));
	conf_changes_free(ch);
	/* the same value again: nothing changed */
	ck_assert_int_eq(ctl(&c, "peer set office2 passive=yes", CONF_CTL_ROOT, &k, &ch), 0);
	ck_assert_uint_eq(conf_changes_walk(ch, NULL, NULL), 0);
	conf_changes_free(ch);
	/* a duplicate policy is added, marked invalid and warned about */
	ck_assert_int_eq(ctl(&c,
			     "policy add dst-address=10.2.0.0/24 src-address=10.1.0.0/24 "
			     "peer=office2 tunnel=yes",
			     CONF_CTL_ROOT, &k, &ch),
			 0);
	ck_assert(has_diag("ipsecctl:1:", "policy duplicates an earlier one"));
	memset(&r, 0, sizeof(r));
	ck_assert_uint_eq(conf_changes_walk(ch, on_rec, &r), 1);
	ck_assert_uint_eq(r.added, 1);
	ck_assert_int_eq(r.now->invalid, 1);
	conf_changes_free(ch);
	/* the first one goes: the duplicate becomes valid, a change of its own */
	ck_assert_int_eq(ctl(&c, "policy remove 0", CONF_CTL_ROOT, &k, &ch), 0);
	memset(&r, 0, sizeof(r));
	ck_assert_uint_eq(conf_changes_walk(ch, on_rec, &r), 2);
	ck_assert_uint_eq(r.removed, 1);
	ck_assert_uint_eq(r.changed, 1);
	ck_assert_int_eq(r.old->invalid, 1);
	ck_assert_int_eq(r.now->invalid, 0);
	conf_changes_free(ch);
	conf_free(c);
}
END_TEST

/* The duplicate marks a change leaves (dups.c's index, kept between changes) are those a
 * whole validation of the same model gives: after each of a series of changes, a refused
 * one (the index dropped and made again) and an adopted reload among them. */
static void marks_as_whole(const struct conf *c)
{
	struct conf *whole = conf_clone(c);
	struct conf_diags d;

	conf_diags_init(&d);
	conf_validate(whole, &d);
	conf_diags_free(&d);
	ck_assert_uint_eq(conf_count(c, CONF_M_POLICY), conf_count(whole, CONF_M_POLICY));
	for (size_t i = 0; i < conf_count(c, CONF_M_POLICY); i++)
		ck_assert_msg(conf_item_at(c, CONF_M_POLICY, i)->invalid ==
				      conf_item_at(whole, CONF_M_POLICY, i)->invalid,
			      "policy %zu: marked %u, a whole validation says %u", i,
			      conf_item_at(c, CONF_M_POLICY, i)->invalid,
			      conf_item_at(whole, CONF_M_POLICY, i)->invalid);
	conf_free(whole);
}

static void change_ok(struct conf **c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void change_ok(struct conf **c, const char *fmt, ...)
{
	char line[200];
	struct conf_changes *ch = NULL;
	struct capture k;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ck_assert_msg(ctl(c, line, CONF_CTL_ROOT, &k, &ch) == 0, "refused: %s", line);
	conf_changes_free(ch);
	marks_as_whole(*c);
}

START_TEST(test_ctl_dups_follow_changes)
{
#define ADD                                                                                        \
	"policy add src-address=10.50.0.0/24 dst-address=10.60.0.0/24 peer=office2 "               \
	"tunnel=yes comment=%d"
	struct conf *c = load(full_config), *next;
	size_t b = conf_count(c, CONF_M_POLICY);
	struct conf_changes *ch = NULL;
	struct capture k;

	change_ok(&c, ADD, 0); /* b: the first, valid */
	change_ok(&c, ADD, 1); /* b+1, b+2: its duplicates */
	change_ok(&c, ADD, 2);
	ck_assert(conf_item_at(c, CONF_M_POLICY, b + 2)->invalid);
	change_ok(&c, "policy set %zu disabled=yes", b); /* b+1 is the first now */
	ck_assert(!conf_item_at(c, CONF_M_POLICY, b + 1)->invalid);
	change_ok(&c, "policy set %zu disabled=no", b);
	ck_assert(conf_item_at(c, CONF_M_POLICY, b + 1)->invalid);
	change_ok(&c, "policy set %zu dst-address=10.61.0.0/24", b + 1); /* leaves the group */
	ck_assert(!conf_item_at(c, CONF_M_POLICY, b + 1)->invalid);
	/* refused: nothing changes, and the index made again at the next change agrees */
	ck_assert_int_lt(ctl(&c,
			     "policy add src-address=10.50.0.0/24 dst-address=10.60.0.0/24 "
			     "peer=nosuchpeer tunnel=yes",
			     CONF_CTL_ROOT, &k, &ch),
			 0);
	marks_as_whole(c);
	change_ok(&c, "policy remove %zu", b); /* b+2 (now b+1) is the first */
	ck_assert(!conf_item_at(c, CONF_M_POLICY, b + 1)->invalid);
	change_ok(&c, "policy set %zu dst-address=10.60.0.0/24", b); /* back: a duplicate */
	ck_assert(conf_item_at(c, CONF_M_POLICY, b + 1)->invalid);
	/* a reload adopted: the copy of the first goes, the index follows */
	next = conf_clone(c);
	ck_assert_int_eq(ctl(&next, "policy remove 0", CONF_CTL_ROOT, &k, &ch), 0);
	conf_changes_free(ch);
	change_ok(&next, "policy remove %zu", b - 1);
	conf_changes_free(conf_adopt(c, next));
	ck_assert_uint_eq(conf_count(c, CONF_M_POLICY), b);
	change_ok(&c, ADD, 3); /* a duplicate of the survivor (b-1 now) */
	ck_assert(conf_item_at(c, CONF_M_POLICY, b)->invalid);
	conf_free(c);
#undef ADD
}
END_TEST

static const char *choice_of(const struct conf_item *it, int prop)
{
	return it->menu->props[prop].choices[conf_int(it, prop)];
}

/* What refers to a changed item is checked again: a policy with esp,ah is fine for an
 * IKEv1 peer, and refuses the peer's move to IKEv2. */
START_TEST(test_ctl_change_checks_referrers)
{
	struct conf *c = load(full_config);
	struct conf_changes *ch = NULL;
	struct capture k;

	ck_assert_int_eq(ctl(&c, "peer set office2 exchange-mode=main", CONF_CTL_ROOT, &k, &ch), 0);
	conf_changes_free(ch);
	ck_assert_int_eq(ctl(&c, "policy set 0 ipsec-protocols=esp,ah", CONF_CTL_ROOT, &k, &ch), 0);
	conf_changes_free(ch);
	ck_assert_int_eq(ctl(&c, "peer set office2 exchange-mode=ike2", CONF_CTL_ROOT, &k, &ch),
			 -EINVAL);
	ck_assert(has_diag("ipsecctl:", "ipsec-protocols=esp,ah needs IKEv1"));
	/* still main */
	ck_assert_str_eq(choice_of(conf_find(c, CONF_M_PEER, "office2"), CONF_PEER_EXCHANGE_MODE),
			 "main");
	conf_free(c);
}
END_TEST

/* A reload taken in: unchanged items stay (same pointers), a changed named item takes
 * the new values in place, an unnamed one changed is removed and added; the result
 * exports as the new file does. */
START_TEST(test_adopt_reload)
{
	struct conf *c = load(full_config);
	struct conf_item *office2 = conf_find(c, CONF_M_PEER, "office2");
	struct conf_item *rw = conf_find(c, CONF_M_PEER, "rw");
	struct conf_item *pol0 = conf_item_at(c, CONF_M_POLICY, 0);
	char *text = export_str(c, CONF_EXPORT_SENSITIVE);
	struct strbuf changed = STRBUF_INIT;
	struct rec r = {0};

	sb_puts(&changed, text);
	sb_puts(&changed, "/ip ipsec peer\nset office2 passive=yes\n"
			  "/ip ipsec policy\nadd dst-address=10.5.0.0/24 src-address=10.1.0.0/24 "
			  "action=none\n");
	struct conf *next = load(sb_str(&changed)), *want = load(sb_str(&changed));
	struct conf_changes *ch = conf_adopt(c, next);

	ck_assert_uint_eq(conf_changes_walk(ch, on_rec, &r), 2);
	ck_assert_uint_eq(r.changed, 1);
	ck_assert_uint_eq(r.added, 1);
	ck_assert_ptr_eq(conf_find(c, CONF_M_PEER, "office2"), office2);
	ck_assert(conf_bool(office2, CONF_PEER_PASSIVE));
	ck_assert_ptr_eq(conf_find(c, CONF_M_PEER, "rw"), rw);
	ck_assert_ptr_eq(conf_item_at(c, CONF_M_POLICY, 0), pol0);
	char *e1 = export_str(c, CONF_EXPORT_SENSITIVE),
	     *e2 = export_str(want, CONF_EXPORT_SENSITIVE);

	ck_assert_str_eq(e1, e2);
	conf_changes_free(ch);
	free(e1);
	free(e2);
	free(text);
	sb_free(&changed);
	conf_free(want);
	conf_free(c);
}
END_TEST

struct diffs {
	int added, removed, changed;
};

static void on_diff(enum conf_change what, const struct conf_item *o, const struct conf_item *n,
		    void *arg)
{
	struct diffs *d = arg;

	d->added += what == CONF_ADDED;
	d->removed += what == CONF_REMOVED;
	d->changed += what == CONF_CHANGED;
}

START_TEST(test_diff)
{
	struct conf *a = load("/ip ipsec peer\nadd name=a address=1.2.3.4\nadd name=b "
			      "address=1.2.3.5\n/ip ipsec policy\nadd action=none "
			      "dst-address=10.0.0.0/8\nadd action=none dst-address=10.1.0.0/16\n");
	struct conf *b = load("/ip ipsec peer\nadd name=a address=1.2.3.4 passive=yes\nadd "
			      "name=c address=1.2.3.6\n/ip ipsec policy\nadd action=none "
			      "dst-address=10.1.0.0/16\nadd action=none dst-address=10.2.0.0/16\n");
	struct diffs d = {0};

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(conf_diff(a, b, on_diff, &d), 5);
	ck_assert_int_eq(d.changed, 1); /* peer a */
	ck_assert_int_eq(d.added, 2);	/* peer c, policy 10.2/16 */
	ck_assert_int_eq(d.removed, 2); /* peer b, policy 10/8 */
	conf_free(a);
	conf_free(b);
}
END_TEST

/* A changed clone is compared item by item through ids: an unnamed item that was set is
 * one change (not a removal and an addition), and nothing is formatted to find it. */
START_TEST(test_diff_of_clone)
{
	struct conf *a = load("/ip ipsec peer\nadd name=a address=1.2.3.4\nadd name=b "
			      "address=1.2.3.5\n/ip ipsec policy\nadd action=none "
			      "dst-address=10.0.0.0/8\nadd action=none dst-address=10.1.0.0/16\n");
	struct conf *b = conf_clone(a);
	struct conf_item *pol = conf_item_at(b, CONF_M_POLICY, 0);
	struct diffs d = {0};

	ck_assert_uint_eq(conf_diff(a, b, on_diff, &d), 0);
	ck_assert_int_eq(conf_set_text(b, pol, CONF_POLICY_DST_ADDRESS, "10.9.0.0/16"), 0);
	conf_runtime_add(b, CONF_M_POOL);
	ck_assert_uint_eq(conf_diff(a, b, on_diff, &d), 2);
	ck_assert_int_eq(d.changed, 1); /* the policy, matched by its id */
	ck_assert_int_eq(d.added, 1);	/* the pool */
	ck_assert_int_eq(d.removed, 0);
	/* the same text loaded apart has other ids: matched by content, as before */
	struct conf *c = load("/ip ipsec peer\nadd name=a address=1.2.3.4\nadd name=b "
			      "address=1.2.3.5\n/ip ipsec policy\nadd action=none "
			      "dst-address=10.0.0.0/8\nadd action=none dst-address=10.1.0.0/16\n");

	ck_assert_uint_eq(conf_diff(a, c, NULL, NULL), 0);
	conf_free(a);
	conf_free(b);
	conf_free(c);
}
END_TEST

START_TEST(test_clone_is_deep)
{
	struct conf *a = load(full_config);
	struct conf *b = conf_clone(a);

	conf_free(a);
	char *e = export_str(b, CONF_EXPORT_SENSITIVE);

	ck_assert_ptr_nonnull(strstr(e, "secret=\"p s k\""));
	free(e);
	conf_free(b);
}
END_TEST

/* --- reading the file --- */

static struct conf *load_path(const char *path)
{
	conf_diags_free(&ds);
	conf_diags_init(&ds);
	return conf_load_file(path, &ds);
}

/* Only a regular file is read, and only up to CONF_FILE_MAX: a FIFO would block the
 * daemon's loop at open() (SIGHUP) and /dev/zero would never end. */
START_TEST(test_file_regular_and_bounded)
{
	char dir[] = "/tmp/check_conf.XXXXXX", fifo[64], big[64], ok[64];
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	snprintf(big, sizeof(big), "%s/big", dir);
	snprintf(ok, sizeof(ok), "%s/ok", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	alarm(10); /* a blocking open() ends the test here instead of hanging it */
	ck_assert_ptr_null(load_path(fifo));
	ck_assert(has_diag(fifo, "error: cannot read: not a regular file (a FIFO)"));
	ck_assert_ptr_null(load_path("/dev/zero"));
	ck_assert(has_diag("/dev/zero", "not a regular file (a character device)"));
	ck_assert_ptr_null(load_path(dir));
	ck_assert(has_diag(dir, "not a regular file (a directory)"));
	alarm(0);

	/* sparse: nothing is written, the size alone refuses it */
	f = fopen(big, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(ftruncate(fileno(f), CONF_FILE_MAX + 1), 0);
	fclose(f);
	ck_assert_ptr_null(load_path(big));
	ck_assert(has_diag(big, "error: cannot read: 67108865 bytes, larger than the 64 MiB"));
	ck_assert_uint_eq(ds.n, 1);
	ck_assert_int_eq(truncate(big, 0), 0);
	f = fopen(ok, "w");
	ck_assert_ptr_nonnull(f);
	fputs("/ip ipsec peer\nadd name=a address=10.0.0.1\n", f);
	fclose(f);
	struct conf *c = load_path(ok);

	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_nonnull(conf_find(c, CONF_M_PEER, "a"));
	conf_free(c);
	unlink(fifo);
	unlink(big);
	unlink(ok);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* A file of 100000 errors keeps the first CONF_DIAGS_KEPT and counts the rest; errors
 * after many warnings are still kept. */
START_TEST(test_diags_capped)
{
	struct strbuf text = STRBUF_INIT;
	char *out = NULL, more[64];
	size_t len = 0, lines = 0;
	FILE *f;

	sb_puts(&text, "/ip ipsec settings\n");
	for (int i = 0; i < 100000; i++)
		sb_puts(&text, "set acounting=yes\n");
	ck_assert_ptr_null(load(sb_str(&text)));
	ck_assert_uint_eq(ds.nerrors, 100000);
	ck_assert_uint_eq(ds.n, CONF_DIAGS_KEPT);
	ck_assert(has_diag("t.conf:21:5: error", "no property \"acounting\""));
	ck_assert(conf_diags_more(&ds, CONF_ERROR, more, sizeof(more)));
	ck_assert_str_eq(more, "... and 99980 more errors");
	ck_assert(!conf_diags_more(&ds, CONF_WARNING, more, sizeof(more)));
	f = open_memstream(&out, &len);
	conf_diags_print(&ds, f);
	fclose(f);
	for (char *p = out; (p = strchr(p, '\n')); p++)
		lines++;
	ck_assert_uint_eq(lines, CONF_DIAGS_KEPT + 1);
	ck_assert_ptr_nonnull(strstr(out, "t.conf:21:5: error"));
	ck_assert_ptr_null(strstr(out, "t.conf:22:"));
	ck_assert_ptr_nonnull(strstr(out, "\n... and 99980 more errors\n"));
	free(out);

	sb_reset(&text);
	sb_puts(&text, "/ip ipsec proposal\n");
	for (int i = 0; i < 30; i++)
		sb_printf(&text, "add name=p%d auth-algorithms=md5\n", i);
	sb_puts(&text, "add name=bad lifetime=30x\n");
	ck_assert_ptr_null(load(sb_str(&text)));
	ck_assert_uint_eq(ds.nwarnings, 30);
	ck_assert_uint_eq(ds.nerrors, 1);
	ck_assert(has_diag("t.conf:32:", "\"30x\" is not a time"));
	ck_assert(conf_diags_more(&ds, CONF_WARNING, more, sizeof(more)));
	ck_assert_str_eq(more, "... and 10 more warnings");
	sb_free(&text);
}
END_TEST

/* What this version does not do yet loads, with a located warning for each use; what it
 * does draws none. From ipsecctl only a change that brings one in is warned about. */
START_TEST(test_unsupported_warns)
{
	struct conf *c;
	struct conf_changes *old = NULL;
	struct capture k;

	c = load("/ip ipsec profile\n"
		 "set [ find default=yes ] dpd-maximum-failures=3 lifebytes=1000000\n"
		 "/ip ipsec peer\n"
		 "add name=office address=192.0.2.1/32 exchange-mode=base\n"
		 "add name=dflt address=192.0.2.3/32\n"
		 "add name=agg address=192.0.2.4/32 exchange-mode=aggressive disabled=yes\n"
		 "add name=v2 address=192.0.2.2/32 exchange-mode=ike2 send-initial-contact=no\n"
		 "/ip ipsec mode-config\nadd name=mc address-pool=none src-address-list=rw\n"
		 "/ip ipsec identity\n"
		 "add peer=office secret=x generate-policy=port-strict mode-config=mc\n"
		 "add peer=dflt auth-method=rsa-signature-hybrid\n"
		 "add peer=dflt auth-method=pre-shared-key-xauth secret=x username=u password=p\n"
		 "/ip ipsec proposal\nadd name=off disabled=yes\n"
		 "/ip ipsec policy\n"
		 "add dst-address=10.0.0.0/8 src-address=0.0.0.0/0 template=yes\n"
		 "add src-address=10.1.0.0/24 dst-address=10.2.0.0/24 tunnel=yes peer=v2\n"
		 "/ip ipsec user\nadd name=alice password=p\n"
		 "/radius\nadd address=192.0.2.9 secret=r service=ipsec\n"
		 "/ip ipsec settings\nset accounting=yes interim-update=1m\n"
		 "set xauth-use-radius=yes\n");
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(ds.nerrors, 0);
	ck_assert(!has_diag("t.conf:2:26: warning", "dpd-maximum-failures")); /* it is used */
	ck_assert(has_diag("t.conf:2:49: warning",
			   "profile default: lifebytes=1000000 is not enforced by this version"));
	ck_assert(!has_diag("t.conf:4:", "")); /* base mode is done */
	ck_assert(!has_diag("t.conf:5:", "")); /* main (the default): IKEv1 is done */
	ck_assert(has_diag("t.conf:9:31: warning",
			   "mode-config mc: src-address-list=rw is not supported yet"));
	ck_assert(!has_diag("t.conf:11:", "")); /* generate-policy, mode-config: done */
	ck_assert(!has_diag("t.conf:12:", "")); /* hybrid is done over IKEv1 */
	ck_assert(!has_diag("t.conf:13:", "")); /* XAuth is done */
	ck_assert(has_diag("t.conf:15:14: warning", "proposal off: disabled=yes is not honoured"));
	ck_assert(!has_diag("t.conf:17:", "")); /* templates: done */
	ck_assert(!has_diag("t.conf:20:", "")); /* users serve XAuth */
	ck_assert(!has_diag("t.conf:22:", "")); /* RADIUS serves eap-radius */
	ck_assert(!has_diag("t.conf:24:", "")); /* RADIUS accounting: done */
	ck_assert(!has_diag("t.conf:25:", "")); /* XAuth over RADIUS: done */
	ck_assert_uint_eq(ds.nwarnings, 3);	/* the disabled peer agg draws none */

	/* ipsecctl: a change that brings one in is warned about; other changes are quiet */
	ck_assert_int_eq(ctl(&c, "peer set v2 comment=quiet", CONF_CTL_ROOT, &k, &old), 0);
	ck_assert_uint_eq(ds.n, 0);
	conf_changes_free(old);
	ck_assert_int_eq(ctl(&c, "proposal add name=off2 disabled=yes", CONF_CTL_ROOT, &k, &old),
			 0);
	ck_assert(has_diag("ipsecctl:1:24: warning",
			   "proposal off2: disabled=yes is not honoured by this version"));
	ck_assert_uint_eq(ds.n, 1);
	conf_changes_free(old);
	ck_assert_int_eq(ctl(&c, "peer add name=new address=192.0.2.7", CONF_CTL_ROOT, &k, &old),
			 0);
	ck_assert_uint_eq(ds.n, 0); /* main, the default, is negotiated */
	conf_changes_free(old);
	conf_free(c);

	/* what is done draws nothing */
	c = load(full_config);
	ck_assert_ptr_nonnull(c);
	conf_free(c);
	c = load("/ip ipsec peer\nadd name=a address=192.0.2.1 exchange-mode=ike2\n"
		 "/ip ipsec identity\nadd peer=a secret=x\n"
		 "/ip ipsec policy\nadd src-address=10.1.0.0/24 dst-address=10.2.0.0/24 peer=a "
		 "tunnel=yes\n");
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(ds.n, 0);
	conf_free(c);
}
END_TEST

static Suite *conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *t = tcase_create("language");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_paths_and_continuations);
	tcase_add_test(t, test_quoting_and_escapes);
	tcase_add_test(t, test_lexer_errors_located);
	tcase_add_test(t, test_unknown_menu_and_verb);
	tcase_add_test(t, test_times_and_ranges);
	tcase_add_test(t, test_prefix_normalised);
	tcase_add_test(t, test_enum_suggestion_and_choices);
	tcase_add_test(t, test_unknown_and_readonly_property);
	tcase_add_test(t, test_weak_algorithm_warns);
	tcase_add_test(t, test_selectors);
	tcase_add_test(t, test_builtins_cannot_be_removed);
	tcase_add_test(t, test_duplicate_name);
	tcase_add_test(t, test_references);
	tcase_add_test(t, test_references_roadwarrior);
	tcase_add_test(t, test_pool_overlaps);
	tcase_add_test(t, test_required_property);
	tcase_add_test(t, test_address_families);
	tcase_add_test(t, test_auth_method_needs);
	tcase_add_test(t, test_auth_method_ikev1);
	tcase_add_test(t, test_policy_rules);
	tcase_add_test(t, test_manual_sa_key_lengths);
	tcase_add_test(t, test_manual_sa_in_out_and_abbreviations);
	tcase_add_test(t, test_names_required_or_derived);
	tcase_add_test(t, test_v6_peer_conversion);
	tcase_add_test(t, test_aliases);
	tcase_add_test(t, test_export_round_trip);
	tcase_add_test(t, test_export_hides_secrets);
	tcase_add_test(t, test_ctl_print);
	tcase_add_test(t, test_ctl_runtime);
	tcase_add_test(t, test_ctl_active_peers_remove);
	tcase_add_test(t, test_ctl_dynamic_policies);
	tcase_add_test(t, test_ctl_pool_used);
	tcase_add_test(t, test_ctl_changes_are_atomic);
	tcase_add_test(t, test_ctl_refused_changes_nothing);
	tcase_add_test(t, test_ctl_change_record);
	tcase_add_test(t, test_ctl_dups_follow_changes);
	tcase_add_test(t, test_ctl_change_checks_referrers);
	tcase_add_test(t, test_adopt_reload);
	tcase_add_test(t, test_diff);
	tcase_add_test(t, test_diff_of_clone);
	tcase_add_test(t, test_clone_is_deep);
	tcase_add_test(t, test_file_regular_and_bounded);
	tcase_add_test(t, test_diags_capped);
	tcase_add_test(t, test_unsupported_warns);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(conf_suite());

	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);

	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
