/* check_spd: an ipsecctl change taken into the kernel's SPD item by item
 * (spd_apply_changes) leaves the kernel holding the same policies, with the same
 * priorities and templates, as applying the whole configuration (spd_apply): a randomised
 * run of policy and peer add/set/remove, as ipsecctl commands (runs 0, 1) and as reloads
 * of the changed file (runs 2, 3), compared after every step on fake kernels. */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_env.h"
#include "ipsecd/conf.h"
#include "spd.h"

/* What spd.c needs of the kernel module beyond the fakes: names for its keys, and the
 * synchronous calls of start and shutdown. */
const char *kern_proto_name(uint8_t proto)
{
	return proto == 50 ? "esp" : proto == 51 ? "ah" : "?";
}

const char *kern_dir_name(enum kern_dir dir)
{
	return dir == KERN_DIR_IN ? "in" : dir == KERN_DIR_OUT ? "out" : "fwd";
}

const char *kern_addr_str(const struct kern_addr *a, char *buf, size_t len)
{
	if (!a->family || !inet_ntop(a->family, a->bytes, buf, (socklen_t)len))
		snprintf(buf, len, "any");
	return buf;
}

int kern_wait(struct kern *k, int timeout_ms)
{
	(void)timeout_ms;
	fake_kern_run(k);
	return 0;
}

int kern_sa_dump(struct kern *k, kern_sa_fn fn, void *arg)
{
	(void)k, (void)fn, (void)arg;
	return 0;
}

int kern_sp_dump(struct kern *k, kern_sp_fn fn, void *arg)
{
	(void)k, (void)fn, (void)arg;
	return 0;
}

static const char base[] =
	"/ip ipsec peer\nadd name=p0 address=192.0.2.1/32 exchange-mode=ike2\n"
	"add name=p1 address=198.51.100.1/32\n"
	"add name=p2 address=203.0.113.0/24 passive=yes\n"
	"/ip ipsec policy\nadd src-address=10.1.0.0/24 dst-address=10.2.0.0/24 peer=p0 "
	"tunnel=yes\n"
	"add src-address=10.1.0.0/24 dst-address=10.3.0.0/24 action=none\n"
	"add src-address=10.1.0.0/24 dst-address=10.4.0.0/24 peer=p1 tunnel=yes\n";

static const char *const hosts[] = {"192.0.2.1", "192.0.2.7", "198.51.100.1", "203.0.113.0/24"};

static void random_command(char *buf, size_t len)
{
	int item = rand() % 5, peer = rand() % 4;
	static const char *const actions[] = {"", " action=none", " action=discard",
					      " disabled=yes"};

	switch (rand() % 8) {
	case 0:
	case 1:
		snprintf(buf, len,
			 "policy add src-address=10.1.0.0/24 dst-address=10.%d.%d.0/24 peer=p%d "
			 "tunnel=yes%s%s",
			 rand() % 9, rand() % 3, peer % 3, actions[rand() % 4],
			 rand() % 5 ? "" : " place-before=0");
		break;
	case 2:
		snprintf(buf, len, "policy set %d dst-address=10.%d.0.0/24", item, rand() % 9);
		break;
	case 3:
		snprintf(buf, len, "policy set %d disabled=%s", item, rand() % 2 ? "yes" : "no");
		break;
	case 4:
		snprintf(buf, len, "policy remove %d", item);
		break;
	case 5:
	case 6:
		snprintf(buf, len, "peer set p%d address=%s", peer, hosts[rand() % 4]);
		break;
	default:
		snprintf(buf, len, "peer add name=p%d address=%s", 3 + rand() % 2,
			 hosts[rand() % 4]);
		break;
	}
}

static bool same_sp(const struct kern_sp *a, const struct kern_sp *b)
{
	struct kern_sp x = *a, y = *b;

	x.index = y.index = 0; /* slots are handed out in another order */
	for (size_t i = 0; i < sizeof(x.tmpl) / sizeof(x.tmpl[0]); i++)
		x.tmpl[i].reqid = y.tmpl[i].reqid = 0; /* so are reqids */
	return !memcmp(&x, &y, sizeof(x));
}

static void same_kernel(struct kern *a, struct kern *b)
{
	ck_assert_uint_eq(fake_kern_nsp(a), fake_kern_nsp(b));
	for (size_t i = 0; i < fake_kern_nsp(a); i++) {
		bool found = false;

		for (size_t j = 0; j < fake_kern_nsp(b) && !found; j++)
			found = same_sp(fake_kern_sp_at(a, i), fake_kern_sp_at(b, j));
		ck_assert_msg(found, "kernel policy %zu of the changed SPD is not in the whole one",
			      i);
	}
}

static char *export_text(const struct conf *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	conf_export(c, f, CONF_EXPORT_SENSITIVE);
	fclose(f);
	return text;
}

static struct conf *load(const char *text)
{
	struct conf *c = conf_new();
	struct conf_diags ds;

	conf_diags_init(&ds);
	ck_assert_int_eq(conf_load_buf(c, "t.conf", text, strlen(text), CONF_FROM_FILE, &ds), 0);
	conf_diags_free(&ds);
	return c;
}

/* One command on c: an ipsecctl change, or (reload) the same command on the file as
 * exported, loaded anew and taken in by conf_adopt. The record, or NULL if refused. */
static struct conf_changes *change(struct conf **c, const char *line, bool reload)
{
	char *text = reload ? export_text(*c) : NULL;
	struct conf *next = text ? load(text) : NULL;
	struct conf_sink sink = {0};
	struct conf_changes *ch = NULL;
	struct conf_diags ds;

	free(text);
	conf_diags_init(&ds);
	if (conf_ctl_exec(reload ? &next : c, line, CONF_CTL_ROOT, &sink, NULL, &ch, &ds) < 0)
		ch = NULL;
	conf_diags_free(&ds);
	if (reload && ch) {
		conf_changes_free(ch);
		ch = conf_adopt(*c, next);
		next = NULL;
	}
	conf_free(next);
	return ch;
}

START_TEST(test_spd_changes_equal_whole)
{
	struct loop *l = fake_loop_new(1000);
	struct kern *ka = fake_kern_new(l, 0x1000), *kb = fake_kern_new(l, 0x1000);
	struct spd *a = spd_new(ka), *b = spd_new(kb);
	struct conf *c = load(base);
	size_t accepted = 0;

	srand(11 + (unsigned)_i);
	spd_apply(a, c);
	spd_apply(b, c);
	for (int step = 0; step < 200; step++) {
		char line[256];
		struct conf_changes *ch;

		random_command(line, sizeof(line));
		if ((ch = change(&c, line, _i >= 2))) {
			spd_apply_changes(a, c, ch);
			spd_apply(b, c);
			conf_changes_free(ch);
			accepted++;
		}
		fake_kern_run(ka);
		fake_kern_run(kb);
		same_kernel(ka, kb);
	}
	ck_assert_uint_gt(accepted, 60);
	spd_free(a);
	spd_free(b);
	conf_free(c);
	fake_kern_free(ka);
	fake_kern_free(kb);
	fake_loop_free(l);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("spd");
	TCase *t = tcase_create("changes");

	tcase_add_loop_test(t, test_spd_changes_equal_whole, 0, 4);
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
