/* check_complete: the completion engine (src/conf/complete.c) that ipsecctl's console and
 * its bash completion share, and the verb table it reads (src/conf/menus.c): menus, verbs,
 * property names, enum values, navigation with "/" and "..". */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/conf.h"

#define MAXW 16

/* Completes cur after the space-separated words of line, from menu base. */
static struct conf_cands complete(const char *base, const char *line, const char *cur)
{
	char *copy = strdup(line), *save = NULL;
	const char *words[MAXW];
	size_t n = 0;
	struct conf_cands out = {0};

	for (char *w = strtok_r(copy, " ", &save); w && n < MAXW; w = strtok_r(NULL, " ", &save))
		words[n++] = w;
	conf_complete(base, words, n, cur, NULL, NULL, &out);
	free(copy);
	return out;
}

static bool has(const struct conf_cands *c, const char *w)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i], w))
			return true;
	return false;
}

/* The candidates are exactly the NULL-terminated list given. */
static void exactly(const struct conf_cands *c, ...)
{
	va_list ap;
	size_t n = 0;

	va_start(ap, c);
	for (const char *w; (w = va_arg(ap, const char *)); n++)
		ck_assert_msg(has(c, w), "missing %s", w);
	va_end(ap);
	ck_assert_uint_eq(c->n, n);
}

START_TEST(test_menus)
{
	struct conf_cands c = complete("ip ipsec", "", "pe");

	exactly(&c, "peer", NULL);
	conf_cands_free(&c);
	c = complete("ip ipsec", "", "p");
	ck_assert(has(&c, "peer") && has(&c, "policy") && has(&c, "profile") &&
		  has(&c, "proposal") && has(&c, "print") == false);
	conf_cands_free(&c);
	c = complete("", "", "/");
	exactly(&c, "/certificate", "/ip", "/radius", NULL);
	conf_cands_free(&c);
	c = complete("", "/ip", "");
	exactly(&c, "export", "ipsec", "pool", NULL); /* export: everything */
	conf_cands_free(&c);
	c = complete("ip ipsec", "policy", "");
	ck_assert(has(&c, "group") && has(&c, "add") && has(&c, "print") &&
		  has(&c, "dump-kernel-policies"));
	conf_cands_free(&c);
	c = complete("ip ipsec", "active-peers", "");
	exactly(&c, "kill-connections", "print", "remove", NULL);
	conf_cands_free(&c);
	c = complete("ip ipsec", "remote-peers", "k"); /* the alias */
	exactly(&c, "kill-connections", NULL);
	conf_cands_free(&c);
	c = complete("ip", "", "xy"); /* nothing starts so */
	ck_assert_uint_eq(c.n, 0);
	conf_cands_free(&c);
	c = complete("ip pool", "", "u");
	exactly(&c, "used", NULL);
	conf_cands_free(&c);
}
END_TEST

START_TEST(test_verbs)
{
	struct conf_cands c = complete("ip ipsec peer", "", "");

	exactly(&c, "add", "disable", "enable", "export", "print", "remove", "set", NULL);
	conf_cands_free(&c);
	c = complete("ip ipsec settings", "", "");
	exactly(&c, "export", "print", "set", NULL);
	conf_cands_free(&c);
	c = complete("ip ipsec installed-sa", "", "");
	exactly(&c, "flush", "print", NULL);
	conf_cands_free(&c);
	c = complete("certificate", "", "i");
	exactly(&c, "import", NULL);
	conf_cands_free(&c);
	c = complete("ip ipsec key", "", "");
	ck_assert(has(&c, "generate-key") && has(&c, "export-pub-key") && has(&c, "import"));
	conf_cands_free(&c);
	c = complete("ip ipsec", "", "ex"); /* export of everything, without a menu */
	exactly(&c, "export", NULL);
	conf_cands_free(&c);
	c = complete("ip ipsec", "peer", "pr");
	exactly(&c, "print", NULL);
	conf_cands_free(&c);
	c = complete("ip ipsec", "/ip ipsec identity", "se");
	exactly(&c, "set", NULL);
	conf_cands_free(&c);
}
END_TEST

START_TEST(test_props)
{
	struct conf_cands c = complete("ip ipsec", "peer add", "exc");

	exactly(&c, "exchange-mode=", NULL);
	conf_cands_free(&c);
	c = complete("ip ipsec", "peer add name=x", "na");
	ck_assert_uint_eq(c.n, 0); /* given already */
	conf_cands_free(&c);
	c = complete("ip ipsec peer", "add", "");
	ck_assert(has(&c, "address=") && has(&c, "name=") && has(&c, "send-initial-contact="));
	ck_assert(!has(&c, "dynamic=") && !has(&c, "responder=")); /* read-only */
	ck_assert(!has(&c, "secret=") && !has(&c, "dh-group="));   /* v6 forms */
	conf_cands_free(&c);
	c = complete("ip ipsec policy", "add", "pl");
	exactly(&c, "place-before=", NULL);
	conf_cands_free(&c);
	c = complete("ip ipsec", "peer set", ""); /* the item first */
	exactly(&c, "[", NULL);
	conf_cands_free(&c);
	c = complete("ip ipsec", "peer set office", "pa");
	exactly(&c, "passive=", NULL);
	conf_cands_free(&c);
	c = complete("ip ipsec", "settings set", "co");
	exactly(&c, "cookie-threshold=", "cookies=", NULL);
	conf_cands_free(&c);
	c = complete("ip ipsec", "peer print", "");
	exactly(&c, "detail", "interval=", "show-sensitive", "terse", "where", NULL);
	conf_cands_free(&c);
	c = complete("ip ipsec", "policy print detail", "st");
	exactly(&c, "stats", NULL);
	conf_cands_free(&c);
	c = complete("ip ipsec", "peer print where", "res");
	exactly(&c, "responder=", NULL); /* where takes read-only ones */
	conf_cands_free(&c);
	c = complete("ip ipsec", "peer set [", "");
	exactly(&c, "find", NULL);
	conf_cands_free(&c);
	c = complete("ip ipsec", "peer set [ find", "na");
	exactly(&c, "name=", NULL);
	conf_cands_free(&c);
	c = complete("ip ipsec", "installed-sa flush", "");
	exactly(&c, "sa-type=", NULL);
	conf_cands_free(&c);
	c = complete("ip ipsec", "active-peers kill-connections", "");
	exactly(&c, "address=", "dynamic-address=", "id=", "port=", NULL);
	conf_cands_free(&c);
}
END_TEST

START_TEST(test_values)
{
	struct conf_cands c = complete("ip ipsec", "peer add", "exchange-mode=ma");

	exactly(&c, "exchange-mode=main", NULL);
	conf_cands_free(&c);
	c = complete("ip ipsec", "peer add", "exchange-mode=");
	exactly(&c, "exchange-mode=aggressive", "exchange-mode=base", "exchange-mode=ike2",
		"exchange-mode=main", NULL);
	conf_cands_free(&c);
	c = complete("ip ipsec profile", "set default", "dh-group=ecp256,modp2");
	exactly(&c, "dh-group=ecp256,modp2048", NULL);
	conf_cands_free(&c);
	c = complete("ip ipsec", "peer set x", "passive=");
	exactly(&c, "passive=no", "passive=yes", NULL);
	conf_cands_free(&c);
	c = complete("ip ipsec", "installed-sa flush", "sa-type=e");
	exactly(&c, "sa-type=esp", NULL);
	conf_cands_free(&c);
	c = complete("ip ipsec", "peer print where", "exchange-mode=i");
	exactly(&c, "exchange-mode=ike2", NULL);
	conf_cands_free(&c);
	c = complete("ip ipsec", "peer add", "bogus=");
	ck_assert_uint_eq(c.n, 0);
	conf_cands_free(&c);
}
END_TEST

START_TEST(test_dotdot)
{
	struct conf_cands c = complete("ip ipsec peer", "..", "pol");
	struct conf_cmd_path pos;
	const char *up[] = {"..", ".."}, *sib[] = {"..", "policy"}, *abs[] = {"/ip", "pool"};
	const char *rel[] = {"policy", "print"}, *bad[] = {"/nowhere"}, *root[] = {"/"};

	exactly(&c, "policy", NULL);
	conf_cands_free(&c);
	c = complete("ip ipsec peer", ".. policy", "gr");
	exactly(&c, "group", NULL);
	conf_cands_free(&c);
	c = complete("ip ipsec peer", ".. proposal", "pr");
	exactly(&c, "print", NULL);
	conf_cands_free(&c);
	c = complete("ip ipsec peer", "", ".");
	exactly(&c, "..", NULL);
	conf_cands_free(&c);

	ck_assert_int_eq(conf_cmd_path("ip ipsec peer", up, 2, &pos), 0);
	ck_assert_str_eq(pos.path, "ip");
	ck_assert_ptr_null(pos.menu);
	ck_assert_uint_eq(pos.used, 2);
	free(pos.path);
	conf_cmd_path("ip ipsec peer", sib, 2, &pos);
	ck_assert_str_eq(pos.path, "ip ipsec policy");
	ck_assert_int_eq(pos.menu->id, CONF_M_POLICY);
	free(pos.path);
	conf_cmd_path("ip ipsec peer", abs, 2, &pos);
	ck_assert_int_eq(pos.menu->id, CONF_M_POOL);
	free(pos.path);
	conf_cmd_path("ip ipsec peer", rel, 2, &pos); /* a sibling, as the parser finds it */
	ck_assert_int_eq(pos.menu->id, CONF_M_POLICY);
	ck_assert_uint_eq(pos.used, 1);
	free(pos.path);
	ck_assert_int_eq(conf_cmd_path("ip ipsec", bad, 1, &pos), -EINVAL);
	free(pos.path);
	conf_cmd_path("ip ipsec peer", root, 1, &pos);
	ck_assert_str_eq(pos.path, "");
	ck_assert_uint_eq(pos.used, 1);
	free(pos.path);
}
END_TEST

/* Item names and references come from the caller (the console asks the daemon). */
static void names(void *arg, const struct conf_menu *m, struct conf_cands *out)
{
	(void)arg;
	if (m->id == CONF_M_PEER) {
		conf_cands_add(out, "office2");
		conf_cands_add(out, "site-b");
	}
}

START_TEST(test_names)
{
	const char *w1[] = {"peer", "set"}, *w2[] = {"identity", "add"};
	struct conf_cands c = {0};

	conf_complete("ip ipsec", w1, 2, "o", names, NULL, &c);
	exactly(&c, "office2", NULL);
	conf_cands_free(&c);
	conf_complete("ip ipsec", w2, 2, "peer=s", names, NULL, &c);
	exactly(&c, "peer=site-b", NULL);
	conf_cands_free(&c);
}
END_TEST

/* Every verb the parser knows is in the table once; the file verbs are what they were. */
START_TEST(test_verb_table)
{
	const char *file_verbs[] = {"add", "set", "remove", "enable", "disable", "import"};
	size_t n = 0;

	for (const struct conf_verb *v = conf_verbs; v->name; v++, n++) {
		ck_assert_ptr_eq(conf_verb_by_name(v->name), v);
		for (size_t i = 0; i < v->nargs; i++)
			ck_assert_ptr_nonnull(v->args[i].help);
	}
	ck_assert_uint_eq(n, 13);
	for (size_t i = 0; i < 6; i++)
		ck_assert(!(conf_verb_by_name(file_verbs[i])->flags & CONF_VF_RUNTIME));
	ck_assert(conf_verb_takes(conf_verb_by_name("export"), NULL));
	ck_assert(!conf_verb_takes(conf_verb_by_name("print"), NULL));
	ck_assert(!conf_verb_takes(conf_verb_by_name("add"), &conf_menus[CONF_M_SETTINGS]));
	ck_assert(conf_verb_takes(conf_verb_by_name("remove"), &conf_menus[CONF_M_ACTIVE_PEERS]));
	ck_assert(!conf_verb_takes(conf_verb_by_name("remove"), &conf_menus[CONF_M_INSTALLED_SA]));
}
END_TEST

static Suite *complete_suite(void)
{
	Suite *s = suite_create("complete");
	TCase *tc = tcase_create("complete");

	tcase_add_test(tc, test_menus);
	tcase_add_test(tc, test_verbs);
	tcase_add_test(tc, test_props);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_dotdot);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_verb_table);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(complete_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
