/* check_ike_view: the engine's view kept in step with ipsecctl's changes (ike_view_update)
 * answers every look-up exactly as a view built from scratch of the same model: a
 * randomised run of peer, identity and policy add/set/remove (many of them refused,
 * which must leave model and view as they were), checked after every step. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ike_internal.h"
#include "ipsecd/conf.h"
#include "view.h"

static const char base[] =
	"/ip pool\nadd name=rw ranges=10.77.0.10-10.77.0.20\n"
	"/ip ipsec profile\nadd name=strong dh-group=ecp384\n"
	"/ip ipsec policy group\nadd name=g1\nadd name=g2\n"
	"/ip ipsec mode-config\nadd name=mc1 address-pool=rw\n"
	"/ip ipsec peer\nadd name=p0 address=192.0.2.1/32 exchange-mode=ike2\n"
	"add name=p1 address=192.0.2.0/24 profile=strong\n"
	"add name=p2 address=0.0.0.0/0 exchange-mode=ike2 passive=yes\n"
	"/ip ipsec identity\nadd peer=p0 secret=a remote-id=fqdn:h1\n"
	"add peer=p2 secret=b\n"
	"/ip ipsec policy\nadd src-address=10.1.0.0/24 dst-address=10.2.0.0/24 peer=p0 "
	"tunnel=yes\n"
	"add src-address=10.9.0.0/24 dst-address=0.0.0.0/0 group=g1 template=yes\n";

static const char *const addrs[] = {"192.0.2.1/32", "192.0.2.0/24",    "198.51.100.7/32",
				    "0.0.0.0/0",    "2001:db8::1/128", "2001:db8::/32",
				    "192.0.2.9/32", "198.51.100.0/24"};
static const char *const ids[] = {"auto",	   "fqdn:h1", "fqdn:h2",
				  "user-fqdn:u@x", "ignore",  "address:192.0.2.1"};

/* Reqids that several policies share: chains in pol_by_reqid. */
static uint32_t test_reqid(void *arg, const struct conf *c, const struct conf_item *pol)
{
	(void)arg, (void)c;
	return conf_addr(pol, CONF_POLICY_DST_ADDRESS)->bytes[1] % 4;
}

static struct conf *load(const char *text)
{
	struct conf *c = conf_new();
	struct conf_diags ds;

	conf_diags_init(&ds);
	if (conf_load_buf(c, "t.conf", text, strlen(text), CONF_FROM_FILE, &ds) < 0)
		conf_diags_print(&ds, stderr);
	ck_assert_uint_eq(ds.nerrors, 0);
	ck_assert_int_eq(conf_validate(c, &ds), 0);
	conf_diags_free(&ds);
	return c;
}

static void same_list(const struct conf_item *const *a, size_t na, const struct conf_item *const *b,
		      size_t nb, const char *what, const char *peer)
{
	ck_assert_msg(na == nb, "%s of %s: %zu, built %zu", what, peer, na, nb);
	for (size_t i = 0; i < na; i++)
		ck_assert_msg(a[i] == b[i], "%s of %s: #%zu differs", what, peer, i);
}

static void same_peer(const struct ike_view *a, const struct ike_view *b, const char *name)
{
	size_t na, nb;
	const struct conf_item *const *la, *const *lb;

	ck_assert_ptr_eq(ike_view_peer(a, name), ike_view_peer(b, name));
	ck_assert_ptr_eq(ike_view_profile(a, name), ike_view_profile(b, name));
	la = ike_view_identities(a, name, &na);
	lb = ike_view_identities(b, name, &nb);
	same_list(la, na, lb, nb, "identities", name);
	la = ike_view_policies(a, name, &na);
	lb = ike_view_policies(b, name, &nb);
	same_list(la, na, lb, nb, "policies", name);
	for (size_t k = 0; k < sizeof(ids) / sizeof(ids[0]); k++) {
		const struct conf_item *oa[16], *ob[16];
		uint32_t pa[16], pb[16];
		const char *v = strchr(ids[k], ':');
		uint8_t type = !strncmp(ids[k], "fqdn", 4)   ? 2
			       : !strncmp(ids[k], "user", 4) ? 3
							     : 1;
		size_t len = v ? strlen(v + 1) : 0;
		size_t n1 = ike_view_identities_for(
			a, name, type, (const uint8_t *)(v ? v + 1 : ""), len, oa, pa, 16);
		size_t n2 = ike_view_identities_for(
			b, name, type, (const uint8_t *)(v ? v + 1 : ""), len, ob, pb, 16);

		ck_assert_uint_eq(n1, n2);
		for (size_t i = 0; i < n1; i++) {
			ck_assert_ptr_eq(oa[i], ob[i]);
			ck_assert_uint_eq(pa[i], pb[i]);
		}
	}
}

static void probe_addr(const struct ike_view *a, const struct ike_view *b, const char *text)
{
	struct net_addr remote = {0}, local = {0};
	char buf[64], *slash;

	snprintf(buf, sizeof(buf), "%s", text);
	if ((slash = strchr(buf, '/')))
		*slash = '\0';
	remote.family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	ck_assert_int_eq(inet_pton(remote.family, buf, remote.bytes), 1);
	local.family = remote.family;
	for (uint8_t major = 1; major <= 2; major++)
		ck_assert_ptr_eq(ike_view_peer_for_addr(a, &remote, &local, major),
				 ike_view_peer_for_addr(b, &remote, &local, major));
}

/* Every look-up the engine makes gives the same answer from both views. */
static void same_view(const struct ike_view *a, const struct conf *c)
{
	struct ike_view *b = ike_view_build(c, test_reqid, NULL);
	size_t na, nb;

	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(a->npeers, b->npeers);
	ck_assert(!memcmp(a->cnt4, b->cnt4, sizeof(a->cnt4)));
	ck_assert(!memcmp(a->cnt6, b->cnt6, sizeof(a->cnt6)));
	ck_assert_uint_eq(a->nplen4, b->nplen4);
	ck_assert_uint_eq(a->nplen6, b->nplen6);
	ck_assert(!memcmp(a->plen4, b->plen4, a->nplen4) && !memcmp(a->plen6, b->plen6, a->nplen6));
	for (size_t i = 0; i < conf_count(c, CONF_M_PEER); i++)
		same_peer(a, b, conf_str(conf_item_at(c, CONF_M_PEER, i), CONF_PEER_NAME));
	for (size_t i = 0; i < conf_count(c, CONF_M_POLICY); i++) {
		uint32_t id = conf_item_at(c, CONF_M_POLICY, i)->id;

		ck_assert_ptr_eq(ike_view_policy(a, id), ike_view_policy(b, id));
	}
	for (uint32_t r = 1; r < 4; r++)
		ck_assert_ptr_eq(ike_view_policy_by_reqid(a, r), ike_view_policy_by_reqid(b, r));
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++)
		probe_addr(a, b, addrs[i]);
	for (int g = 1; g <= 2; g++) {
		char name[8];
		const struct conf_item *const *ta, *const *tb;

		snprintf(name, sizeof(name), "g%d", g);
		ta = ike_view_templates(a, name, &na);
		tb = ike_view_templates(b, name, &nb);
		same_list(ta, na, tb, nb, "templates", name);
	}
	ck_assert_ptr_eq(ike_view_mode_config(a, "mc1"), ike_view_mode_config(b, "mc1"));
	ike_view_free(b);
}

/* A random command: mostly valid, some refused (a peer still named elsewhere, a name
 * taken, an identity without its secret). */
static void random_command(char *buf, size_t len)
{
	int peer = rand() % 6, item = rand() % 4;
	const char *addr = addrs[rand() % (sizeof(addrs) / sizeof(addrs[0]))];

	switch (rand() % 10) {
	case 0:
		snprintf(buf, len, "peer add name=p%d address=%s exchange-mode=%s%s", peer, addr,
			 rand() % 2 ? "ike2" : "main", rand() % 4 ? "" : " disabled=yes");
		break;
	case 1:
		snprintf(buf, len, "peer set p%d address=%s %s", peer, addr,
			 rand() % 2 ? "profile=strong" : "exchange-mode=ike2");
		break;
	case 2:
		snprintf(buf, len, "peer set p%d disabled=%s", peer, rand() % 2 ? "yes" : "no");
		break;
	case 3:
		snprintf(buf, len, "peer remove p%d", peer);
		break;
	case 4:
		snprintf(buf, len, "identity add peer=p%d secret=s remote-id=%s%s", peer,
			 ids[rand() % (sizeof(ids) / sizeof(ids[0]))],
			 rand() % 4 ? "" : " disabled=yes");
		break;
	case 5:
		snprintf(buf, len, "identity set %d remote-id=%s peer=p%d", item,
			 ids[rand() % (sizeof(ids) / sizeof(ids[0]))], peer);
		break;
	case 6:
		snprintf(buf, len, "identity remove %d", item);
		break;
	case 7:
		snprintf(buf, len,
			 "policy add src-address=10.%d.0.0/24 dst-address=10.%d.0.0/24 peer=p%d "
			 "tunnel=yes%s%s",
			 rand() % 3, rand() % 6, peer, rand() % 3 ? "" : " place-before=0",
			 rand() % 4 ? "" : " disabled=yes");
		break;
	case 8:
		snprintf(buf, len, "policy set %d dst-address=10.%d.0.0/24 %s", item, rand() % 6,
			 rand() % 3 ? "template=no" : "template=yes group=g2");
		break;
	default:
		snprintf(buf, len, "policy remove %d", item);
		break;
	}
}

struct walk {
	struct ike_view *v;
	const struct conf *c;
};

static void take(enum conf_change what, const struct conf_item *old, const struct conf_item *it,
		 void *arg)
{
	struct walk *w = arg;

	ck_assert_int_eq(ike_view_update(w->v, w->c, what, old, it), 0);
}

START_TEST(test_view_updates_equal_build)
{
	struct conf *c = load(base);
	struct ike_view *v = ike_view_build(c, test_reqid, NULL);
	struct conf_sink sink = {0};
	size_t accepted = 0, refused = 0;

	srand(7 + (unsigned)_i);
	same_view(v, c);
	for (int step = 0; step < 300; step++) {
		struct conf_diags ds;
		struct conf_changes *ch = NULL;
		char line[256];

		random_command(line, sizeof(line));
		conf_diags_init(&ds);
		if (conf_ctl_exec(&c, line, CONF_CTL_ROOT, &sink, NULL, &ch, &ds) == 0 && ch) {
			struct walk w = {v, c};

			conf_changes_walk(ch, take, &w);
			ck_assert_int_eq(ike_view_update_done(v, c), 0);
			conf_changes_free(ch);
			accepted++;
		} else {
			refused++;
		}
		conf_diags_free(&ds);
		same_view(v, c); /* refused: neither changed */
	}
	ck_assert_uint_gt(accepted, 50);
	ck_assert_uint_gt(refused, 10);
	ike_view_free(v);
	conf_free(c);
}
END_TEST

static char *export_text(const struct conf *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	conf_export(c, f, CONF_EXPORT_SENSITIVE);
	fclose(f);
	return text;
}

/* A reload: the file as exported, one command later, loaded anew and taken in by
 * conf_adopt; the view follows the record. Unchanged peers keep their items. */
START_TEST(test_view_follows_reload)
{
	struct conf *c = load(base);
	struct ike_view *v = ike_view_build(c, test_reqid, NULL);
	struct conf_sink sink = {0};
	size_t reloads = 0;

	srand(99 + (unsigned)_i);
	for (int step = 0; step < 150; step++) {
		char *text = export_text(c);
		struct conf *next = load(text);
		struct conf_diags ds;
		struct conf_changes *ch = NULL;
		char line[256];

		free(text);
		random_command(line, sizeof(line));
		conf_diags_init(&ds);
		if (conf_ctl_exec(&next, line, CONF_CTL_ROOT, &sink, NULL, &ch, &ds) == 0 && ch) {
			const struct conf_item *p0 = conf_find(c, CONF_M_PEER, "p0");
			bool p0_same = p0 && !strstr(line, "p0");
			struct walk w = {v, c};

			conf_changes_free(ch);
			ch = conf_adopt(c, next);
			next = NULL;
			conf_changes_walk(ch, take, &w);
			ck_assert_int_eq(ike_view_update_done(v, c), 0);
			conf_changes_free(ch);
			if (p0_same)
				ck_assert_ptr_eq(conf_find(c, CONF_M_PEER, "p0"), p0);
			reloads++;
		}
		conf_free(next);
		conf_diags_free(&ds);
		same_view(v, c);
	}
	ck_assert_uint_gt(reloads, 30);
	ike_view_free(v);
	conf_free(c);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ike_view");
	TCase *t = tcase_create("view");

	tcase_add_loop_test(t, test_view_updates_equal_build, 0, 4);
	tcase_add_loop_test(t, test_view_follows_reload, 0, 3);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(suite());
	int failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
