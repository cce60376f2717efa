/* check_seeds: every RouterOS example of the manuals in ../seeds/ parses as-is.
 *
 * Each file in tests/unit/data/seeds/ is one example, taken from the v6 manual (seed 000,
 * "Application Examples") or the v3 manual (seed 004, the per-menu "Example" sections and
 * "Application Examples"); its first line names the section. Console prompts were turned
 * into commands with their menu path ("[admin@MikroTik] ip ipsec policy> add ..." ->
 * "/ip ipsec policy add ...", "[admin@Router1] > ip ipsec peer add ..." -> "/ip ipsec peer
 * add ..."), the console's continuation prompt ("\... " or "...\ ") was dropped from
 * wrapped lines (the trailing "\" stays, trailing blanks after it were removed), and the
 * rest is the manual's text. Every file must load with no error, and its export must be a
 * fixed point (export, load the export, export again: the same bytes). A few v6 files are
 * also spot-checked for their v7 conversion (peer -> profile + identity, sa-dst-address ->
 * policy peer).
 *
 * Deviations from the manual's text:
 *  - 000-rw-modeconf-server.rsc ends with the policy template of "Android Client Notes":
 *    the manual adds it to that server's configuration ("In our case we need to add") and
 *    it names the server's policy group RoadWarrior, which does not exist on its own.
 *  - 004-freeswan-mikrotik.rsc: the manual writes "/ip ipsec proposal auth-algorithms=md5
 *    ..." without a verb, which RouterOS itself rejects; written "set default ...".
 *  - 004-mt-genpolicy-router2.rsc repeats 004-mt-transport-router2.rsc, as the manual does.
 *
 * Skipped, and why:
 *  seed 000 (v6):
 *   - "/queue interface set [find] queue=only-hardware-queue", "/system resource irq rps
 *     disable [find]", "/system resource irq set [find ...] cpu=..." (Hardware encryption
 *     advice): not IPsec configuration.
 *   - "[admin@PoETik] /ip ipsec key> print", "[admin@test-host] >/log print" and the log
 *     lines, "[admin@pe0] /certificate> print", "[admin@MikroTik] /ip ipsec proposal>
 *     print" and all other print output: output, not commands.
 *   - "/ip ipsec policy dump-kernel-policies", "/ip ipsec remote-peers kill-connections",
 *     "/ip ipsec installed-sa flush": runtime commands (ipsecctl only; an error in a file by
 *     design), and outside "Application Examples".
 *   - Shrew Client Config ("n:version:2" ...): not RouterOS syntax (Shrew .vpn file).
 *   - "/certificate issued-revoke client2" (Testing CRL): a certificate-manager runtime
 *     command, not configuration.
 *   - Site to Site IpSec Tunnel / IP Connectivity and NAT Bypass: /ip address, /ip route,
 *     /ip firewall nat.
 *   - Ipsec/L2TP behind NAT / IP Connectivity: /ip address, /ip route, /ip firewall (sic
 *     "net"); L2TP Config: /interface l2tp-server, /interface l2tp-client, /ppp profile,
 *     /ppp secret, and its "/ip pool add name=l2tp-pool ..." (a pool for PPP's
 *     remote-address, not for IPsec mode-config).
 *  seed 004 (v3):
 *   - "print", "print stats", "remote-peers print", "installed-sa print" and their output.
 *   - "installed-sa> flush": a runtime command (ipsecctl only).
 *   - IPsec Between two Masquerading MikroTik Routers / step 1: ip firewall nat.
 *   - MikroTik router to CISCO Router: the Cisco IOS configuration and show output.
 *   - MikroTik Router and Linux FreeS/WAN: ipsec.conf and ipsec.secrets (FreeS/WAN).
 */
#define _GNU_SOURCE /* asprintf */
#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ipsecd/conf.h"

/* How many example files were written to tests/unit/data/seeds/. */
#define SEEDS_MIN 22

static char *seed_dir;
static char **seeds; /* file names, sorted */
static size_t nseeds;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_seeds(void)
{
	const char *top = getenv("top_srcdir");
	size_t cap = 0;
	DIR *d;
	struct dirent *e;

	if (asprintf(&seed_dir, "%s/tests/unit/data/seeds", top && *top ? top : ".") < 0)
		abort();
	if (!(d = opendir(seed_dir)))
		return;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len < 5 || strcmp(e->d_name + len - 4, ".rsc"))
			continue;
		if (nseeds == cap) {
			cap = cap ? cap * 2 : 32;
			seeds = realloc(seeds, cap * sizeof(*seeds));
			if (!seeds)
				abort();
		}
		seeds[nseeds++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(seeds, nseeds, sizeof(*seeds), cmp_str);
}

static char *read_seed(const char *name, size_t *len)
{
	char *path, *buf = NULL;
	FILE *f;

	if (asprintf(&path, "%s/%s", seed_dir, name) < 0)
		abort();
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	buf = malloc(1 << 16);
	ck_assert_ptr_nonnull(buf);
	*len = fread(buf, 1, (1 << 16) - 1, f);
	ck_assert_msg(feof(f) && !ferror(f), "cannot read %s (or longer than 64k)", path);
	buf[*len] = '\0';
	fclose(f);
	free(path);
	return buf;
}

/* Loads text into a fresh model; fails the test, diagnostics in the message, on any error. */
static struct conf *load_text(const char *file, const char *text, size_t len)
{
	struct conf *c = conf_new();
	struct conf_diags ds;
	char *msgs = NULL;
	size_t mlen = 0;
	FILE *out;

	conf_diags_init(&ds);
	int r = conf_load_buf(c, file, text, len, CONF_FROM_FILE, &ds);

	out = open_memstream(&msgs, &mlen);
	conf_diags_print(&ds, out);
	fclose(out);
	ck_assert_msg(r == 0 && ds.nerrors == 0, "%s: %zu error(s):\n%s", file, ds.nerrors, msgs);
	free(msgs);
	conf_diags_free(&ds);
	return c;
}

static struct conf *load_seed(const char *name)
{
	size_t len;
	char *buf = read_seed(name, &len);
	struct conf *c = load_text(name, buf, len);

	free(buf);
	return c;
}

static char *export_str(const struct conf *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	conf_export(c, f, CONF_EXPORT_SENSITIVE);
	fclose(f);
	return text;
}

/* --- every example --- */

START_TEST(test_found_all)
{
	ck_assert_msg(nseeds >= SEEDS_MIN, "%s: found %zu example files, want at least %d",
		      seed_dir, nseeds, SEEDS_MIN);
}
END_TEST

START_TEST(test_seed_loads)
{
	const char *name = seeds[_i];
	struct conf *c = load_seed(name);
	char *first = export_str(c);
	char *file2;

	if (asprintf(&file2, "%s (export)", name) < 0)
		abort();
	struct conf *c2 = load_text(file2, first, strlen(first));
	char *second = export_str(c2);

	ck_assert_msg(!strcmp(first, second),
		      "%s: export is not a fixed point\n--- first export:\n%s--- export of "
		      "the export:\n%s",
		      name, first, second);
	free(first);
	free(second);
	free(file2);
	conf_free(c2);
	conf_free(c);
}
END_TEST

/* --- spot checks of the v6 conversion --- */

/* The choice an ENUM property holds. */
static const char *choice(const struct conf_item *it, int prop)
{
	return it->menu->props[prop].choices[conf_int(it, prop)];
}

/* An ENUMS property as its comma list. */
static const char *choices(const struct conf_item *it, int prop)
{
	static char buf[256];
	const struct conf_list *l = conf_enums(it, prop);

	buf[0] = '\0';
	for (uint32_t k = 0; l && k < l->n; k++) {
		if (k)
			strcat(buf, ",");
		strcat(buf, it->menu->props[prop].choices[l->v[k]]);
	}
	return buf;
}

static void assert_prefix(const struct conf_item *it, int prop, const char *addr, unsigned plen)
{
	const struct conf_addr *a = conf_addr(it, prop);
	uint8_t want[16] = {0};
	int fam = strchr(addr, ':') ? AF_INET6 : AF_INET;

	ck_assert_int_eq(inet_pton(fam, addr, want), 1);
	ck_assert_msg(a->family == fam && a->plen == plen &&
			      !memcmp(a->bytes, want, fam == AF_INET ? 4 : 16),
		      "%s %s: want %s/%u", it->menu->path, it->menu->props[prop].name, addr, plen);
}

static void assert_str(const struct conf_item *it, int prop, const char *want)
{
	const char *s = conf_str(it, prop);

	ck_assert_msg(s && !strcmp(s, want), "%s %s: \"%s\", want \"%s\"", it->menu->path,
		      it->menu->props[prop].name, s ? s : "(unset)", want);
}

/* The identity whose peer= is the named peer. */
static const struct conf_item *identity_of(const struct conf *c, const char *peer)
{
	for (size_t i = 0; i < conf_count(c, CONF_M_IDENTITY); i++) {
		const struct conf_item *it = conf_item_at(c, CONF_M_IDENTITY, i);
		const char *p = conf_str(it, CONF_IDENTITY_PEER);

		if (p && !strcmp(p, peer))
			return it;
	}
	ck_abort_msg("no identity for peer %s", peer);
	return NULL;
}

static const struct conf_item *only_peer(const struct conf *c)
{
	ck_assert_uint_eq(conf_count(c, CONF_M_PEER), 1);
	return conf_item_at(c, CONF_M_PEER, 0);
}

static const char *peer_name(const struct conf_item *peer)
{
	return conf_str(peer, CONF_PEER_NAME);
}

/* Site to Site: peer secret= becomes an identity; the policy's sa-dst-address its peer. */
START_TEST(test_site_to_site)
{
	struct conf *c = load_seed("000-site-to-site-office1.rsc");
	const struct conf_item *peer = only_peer(c);
	const struct conf_item *id = identity_of(c, peer_name(peer));

	assert_prefix(peer, CONF_PEER_ADDRESS, "192.168.80.1", 32);
	ck_assert_int_eq(conf_int(peer, CONF_PEER_PORT), 500);
	ck_assert(!conf_is_set(peer, CONF_PEER_SECRET));
	ck_assert(!conf_is_set(peer, CONF_PEER_AUTH_METHOD));
	assert_str(id, CONF_IDENTITY_SECRET, "test");
	ck_assert_str_eq(choice(id, CONF_IDENTITY_AUTH_METHOD), "pre-shared-key");

	ck_assert_uint_eq(conf_count(c, CONF_M_POLICY), 1);
	const struct conf_item *pol = conf_item_at(c, CONF_M_POLICY, 0);

	assert_str(pol, CONF_POLICY_PEER, peer_name(peer));
	ck_assert(!conf_is_set(pol, CONF_POLICY_SA_DST_ADDRESS));
	ck_assert(!conf_is_set(pol, CONF_POLICY_SA_SRC_ADDRESS));
	assert_prefix(pol, CONF_POLICY_SRC_ADDRESS, "10.1.202.0", 24);
	assert_prefix(pol, CONF_POLICY_DST_ADDRESS, "10.1.101.0", 24);
	ck_assert(conf_bool(pol, CONF_POLICY_TUNNEL));
	ck_assert_str_eq(choice(pol, CONF_POLICY_ACTION), "encrypt");
	assert_str(pol, CONF_POLICY_PROPOSAL, "default");
	conf_free(c);
}
END_TEST

/* XAuth server: the peer keeps address and passive; the identity gets the rest. */
START_TEST(test_xauth_server)
{
	struct conf *c = load_seed("000-xauth-server.rsc");
	const struct conf_item *peer = only_peer(c);
	const struct conf_item *id = identity_of(c, peer_name(peer));
	const struct conf_item *user = conf_find(c, CONF_M_USER, "test");

	assert_prefix(peer, CONF_PEER_ADDRESS, "2.2.2.1", 32);
	ck_assert(conf_bool(peer, CONF_PEER_PASSIVE));
	ck_assert_str_eq(choice(id, CONF_IDENTITY_AUTH_METHOD), "pre-shared-key-xauth");
	assert_str(id, CONF_IDENTITY_SECRET, "123");
	ck_assert_ptr_nonnull(user);
	assert_str(user, CONF_USER_PASSWORD, "345");
	conf_free(c);
}
END_TEST

/* XAuth client: v6 xauth-login/xauth-password are the v7 identity's username/password
 * (seed 001: "username ... XAuth or EAP username"). */
START_TEST(test_xauth_client)
{
	struct conf *c = load_seed("000-xauth-client.rsc");
	const struct conf_item *peer = only_peer(c);
	const struct conf_item *id = identity_of(c, peer_name(peer));

	assert_prefix(peer, CONF_PEER_ADDRESS, "2.2.2.2", 32);
	ck_assert_str_eq(choice(id, CONF_IDENTITY_AUTH_METHOD), "pre-shared-key-xauth");
	assert_str(id, CONF_IDENTITY_SECRET, "123");
	assert_str(id, CONF_IDENTITY_USERNAME, "test");
	assert_str(id, CONF_IDENTITY_PASSWORD, "345");
	conf_free(c);
}
END_TEST

/* Road warrior server: mode-config, policy group and generate-policy move to the
 * identity; the pool, mode-config, templates and users are as written. */
START_TEST(test_rw_modeconf_server)
{
	struct conf *c = load_seed("000-rw-modeconf-server.rsc");
	const struct conf_item *peer = only_peer(c);
	const struct conf_item *id = identity_of(c, peer_name(peer));
	const struct conf_item *mc = conf_find(c, CONF_M_MODE_CONFIG, "RW-cfg");
	const struct conf_item *pool = conf_find(c, CONF_M_POOL, "ipsec-RW");

	assert_prefix(peer, CONF_PEER_ADDRESS, "0.0.0.0", 0);
	ck_assert(conf_bool(peer, CONF_PEER_PASSIVE));
	ck_assert_str_eq(choice(id, CONF_IDENTITY_AUTH_METHOD), "pre-shared-key-xauth");
	ck_assert_str_eq(choice(id, CONF_IDENTITY_GENERATE_POLICY), "port-strict");
	assert_str(id, CONF_IDENTITY_MODE_CONFIG, "RW-cfg");
	assert_str(id, CONF_IDENTITY_POLICY_TEMPLATE_GROUP, "RoadWarrior");
	assert_str(id, CONF_IDENTITY_SECRET, "123");
	ck_assert_ptr_nonnull(pool);
	ck_assert_ptr_nonnull(mc);
	assert_str(mc, CONF_MODECONF_ADDRESS_POOL, "ipsec-RW");
	ck_assert_ptr_nonnull(conf_find(c, CONF_M_POLICY_GROUP, "RoadWarrior"));
	ck_assert_ptr_nonnull(conf_find(c, CONF_M_USER, "user1"));
	ck_assert_ptr_nonnull(conf_find(c, CONF_M_USER, "user2"));

	size_t templates = 0;

	for (size_t i = 0; i < conf_count(c, CONF_M_POLICY); i++) {
		const struct conf_item *pol = conf_item_at(c, CONF_M_POLICY, i);

		if (!conf_bool(pol, CONF_POLICY_TEMPLATE))
			continue;
		templates++;
		assert_str(pol, CONF_POLICY_GROUP, "RoadWarrior");
	}
	ck_assert_uint_eq(templates, 4);
	conf_free(c);
}
END_TEST

/* iOS: set default on the built-in proposal. */
START_TEST(test_ios_proposal)
{
	struct conf *c = load_seed("000-rw-modeconf-ios-proposal.rsc");
	const struct conf_item *p = conf_find(c, CONF_M_PROPOSAL, "default");

	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(choices(p, CONF_PROPOSAL_ENC_ALGORITHMS), "aes-128-cbc,aes-256-cbc");
	ck_assert_int_eq(conf_int(p, CONF_PROPOSAL_LIFETIME), 8 * 3600);
	ck_assert_str_eq(choice(p, CONF_PROPOSAL_PFS_GROUP), "none");
	conf_free(c);
}
END_TEST

/* L2TP client: phase 1 settings become a profile, the old "aes-128" name is aes-128-cbc,
 * the policy finds its peer by sa-dst-address. */
START_TEST(test_l2tp_client)
{
	struct conf *c = load_seed("000-l2tp-nat-client.rsc");
	const struct conf_item *peer = only_peer(c);
	const struct conf_item *id = identity_of(c, peer_name(peer));
	const struct conf_item *prop = conf_find(c, CONF_M_PROPOSAL, "default");
	const struct conf_item *prof =
		conf_find(c, CONF_M_PROFILE, conf_str(peer, CONF_PEER_PROFILE));

	assert_prefix(peer, CONF_PEER_ADDRESS, "1.1.1.1", 32);
	assert_str(id, CONF_IDENTITY_SECRET, "test123456");
	ck_assert_ptr_nonnull(prof);
	ck_assert_str_eq(choice(prof, CONF_PROFILE_HASH_ALGORITHM), "sha1");
	ck_assert(conf_bool(prof, CONF_PROFILE_NAT_TRAVERSAL));
	ck_assert_str_eq(choices(prop, CONF_PROPOSAL_ENC_ALGORITHMS), "aes-128-cbc");

	ck_assert_uint_eq(conf_count(c, CONF_M_POLICY), 1);
	const struct conf_item *pol = conf_item_at(c, CONF_M_POLICY, 0);

	assert_str(pol, CONF_POLICY_PEER, peer_name(peer));
	ck_assert_int_eq(conf_int(pol, CONF_POLICY_PROTOCOL), 17);
	assert_prefix(pol, CONF_POLICY_SRC_ADDRESS, "10.5.8.120", 32);
	assert_prefix(pol, CONF_POLICY_DST_ADDRESS, "1.1.1.1", 32);
	conf_free(c);
}
END_TEST

/* L2TP server: v6 generate-policy=yes is port-override. */
START_TEST(test_l2tp_server)
{
	struct conf *c = load_seed("000-l2tp-nat-server.rsc");
	const struct conf_item *peer = only_peer(c);
	const struct conf_item *id = identity_of(c, peer_name(peer));
	const struct conf_item *prop = conf_find(c, CONF_M_PROPOSAL, "default");

	ck_assert_str_eq(choice(id, CONF_IDENTITY_GENERATE_POLICY), "port-override");
	assert_str(id, CONF_IDENTITY_SECRET, "test123456");
	ck_assert_str_eq(choices(prop, CONF_PROPOSAL_ENC_ALGORITHMS),
			 "3des,aes-128-cbc,aes-192-cbc,aes-256-cbc");
	conf_free(c);
}
END_TEST

static Suite *seeds_suite(void)
{
	Suite *s = suite_create("seeds");
	TCase *all = tcase_create("examples");
	TCase *v6 = tcase_create("v6-conversion");

	tcase_add_test(all, test_found_all);
	tcase_add_loop_test(all, test_seed_loads, 0, (int)nseeds);
	tcase_add_test(v6, test_site_to_site);
	tcase_add_test(v6, test_xauth_server);
	tcase_add_test(v6, test_xauth_client);
	tcase_add_test(v6, test_rw_modeconf_server);
	tcase_add_test(v6, test_ios_proposal);
	tcase_add_test(v6, test_l2tp_client);
	tcase_add_test(v6, test_l2tp_server);
	suite_add_tcase(s, all);
	suite_add_tcase(s, v6);
	return s;
}

int main(void)
{
	list_seeds();
	SRunner *sr = srunner_create(seeds_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	for (size_t i = 0; i < nseeds; i++)
		free(seeds[i]);
	free(seeds);
	free(seed_dir);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
