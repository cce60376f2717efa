/* check_kernel: the kernel module's pure parts: the ESP/AH algorithm table against the
 * menus' choices (src/kernel/alg.c), kern_alg_explain, the /proc/crypto reading, and the
 * /proc/net/xfrm_stat parser (src/kernel/xfrm_stat.c) on fixtures and broken text. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/conf.h"
#include "ipsecd/kern_alg.h"
#include "ipsecd/kern_stat.h"

/* The whole of tests/unit/data/<name> under $top_srcdir, NUL-terminated; *len its size. */
static char *read_fixture(const char *name, size_t *len)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/tests/unit/data/%s", top ? top : ".", name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_ge(n, 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/* --- algorithm table --- */

static const char *const *choices(enum conf_menu_id m, int prop)
{
	ck_assert_ptr_nonnull(conf_menus[m].props[prop].choices);
	return conf_menus[m].props[prop].choices;
}

static void check_choices(enum conf_menu_id m, int prop, enum kern_alg_kind kind)
{
	const char *const *list = choices(m, prop);

	for (size_t i = 0; list[i]; i++) {
		const struct kern_alg *a = kern_alg_find_kind(list[i], kind);

		ck_assert_msg(a != NULL, "%s %s: no kernel algorithm for \"%s\"",
			      conf_menus[m].path, conf_menus[m].props[prop].name, list[i]);
		ck_assert_str_eq(a->name, list[i]);
		ck_assert(a->kname && a->kname[0]);
		ck_assert(kind == KERN_ALG_AUTH ? a->kind == KERN_ALG_AUTH
						: a->kind != KERN_ALG_AUTH);
		ck_assert_ptr_nonnull(kern_alg_find(list[i]));
	}
}

/* Every ESP/AH algorithm a configuration can name has a kernel algorithm: a choice added
 * to a menu without a row in alg.c fails here. */
START_TEST(test_every_choice_mapped)
{
	const char *const *aliases =
		conf_menus[CONF_M_PROPOSAL].props[CONF_PROPOSAL_ENC_ALGORITHMS].aliases;

	check_choices(CONF_M_PROPOSAL, CONF_PROPOSAL_ENC_ALGORITHMS, KERN_ALG_ENC);
	check_choices(CONF_M_PROPOSAL, CONF_PROPOSAL_AUTH_ALGORITHMS, KERN_ALG_AUTH);
	check_choices(CONF_M_MANUAL_SA, CONF_MANUALSA_ESP_ENC_ALGORITHM, KERN_ALG_ENC);
	check_choices(CONF_M_MANUAL_SA, CONF_MANUALSA_ESP_AUTH_ALGORITHM, KERN_ALG_AUTH);
	check_choices(CONF_M_MANUAL_SA, CONF_MANUALSA_AH_ALGORITHM, KERN_ALG_AUTH);
	/* an alias maps to the same kernel algorithm as what it stands for */
	for (size_t i = 0; aliases && aliases[i]; i++) {
		const char *eq = strchr(aliases[i], '=');
		char old[64];
		const struct kern_alg *a, *b;

		ck_assert_ptr_nonnull(eq);
		ck_assert_uint_lt((size_t)(eq - aliases[i]), sizeof(old));
		memcpy(old, aliases[i], (size_t)(eq - aliases[i]));
		old[eq - aliases[i]] = '\0';
		a = kern_alg_find_kind(old, KERN_ALG_ENC);
		b = kern_alg_find_kind(eq + 1, KERN_ALG_ENC);
		ck_assert_msg(a && b, "alias %s", aliases[i]);
		ck_assert_str_eq(a->kname, b->kname);
		ck_assert_uint_eq(a->key_bits, b->key_bits);
	}
}
END_TEST

static const struct kern_alg *expect(const char *name, enum kern_alg_kind kind, const char *kname,
				     unsigned key_bits, unsigned icv_bits)
{
	const struct kern_alg *a = kern_alg_find_kind(name, kind);

	ck_assert_msg(a != NULL, "%s", name);
	ck_assert_str_eq(a->kname, kname);
	ck_assert_int_eq(a->kind, kind);
	ck_assert_uint_eq(a->key_bits, key_bits);
	ck_assert_uint_eq(a->icv_bits, icv_bits);
	return a;
}

/* Sizes from RFC 4106 4 (salt), RFC 3686 5.1 (nonce), RFC 2404, 4868, 2403 (truncation). */
START_TEST(test_known_values)
{
	expect("aes-256-gcm", KERN_ALG_AEAD, "rfc4106(gcm(aes))", 288, 128);
	expect("aes-128-gcm", KERN_ALG_AEAD, "rfc4106(gcm(aes))", 160, 128);
	expect("aes-128-ctr", KERN_ALG_ENC, "rfc3686(ctr(aes))", 160, 0);
	expect("aes-256-ctr", KERN_ALG_ENC, "rfc3686(ctr(aes))", 288, 0);
	expect("aes-192-cbc", KERN_ALG_ENC, "cbc(aes)", 192, 0);
	expect("aes-256", KERN_ALG_ENC, "cbc(aes)", 256, 0);
	expect("3des", KERN_ALG_ENC, "cbc(des3_ede)", 192, 0);
	expect("des", KERN_ALG_ENC, "cbc(des)", 64, 0);
	expect("camellia-192", KERN_ALG_ENC, "cbc(camellia)", 192, 0);
	expect("blowfish", KERN_ALG_ENC, "cbc(blowfish)", 128, 0);
	expect("twofish", KERN_ALG_ENC, "cbc(twofish)", 128, 0);
	expect("sha256", KERN_ALG_AUTH, "hmac(sha256)", 256, 128);
	expect("sha1", KERN_ALG_AUTH, "hmac(sha1)", 160, 96);
	expect("sha512", KERN_ALG_AUTH, "hmac(sha512)", 512, 256);
	expect("md5", KERN_ALG_AUTH, "hmac(md5)", 128, 96);
	expect("null", KERN_ALG_ENC, "ecb(cipher_null)", 0, 0);
	expect("null", KERN_ALG_AUTH, "digest_null", 0, 0);
	/* an AEAD is found as a cipher too: enc-algorithms lists both */
	ck_assert_ptr_eq(kern_alg_find_kind("aes-128-gcm", KERN_ALG_ENC),
			 kern_alg_find_kind("aes-128-gcm", KERN_ALG_AEAD));
	ck_assert_ptr_null(kern_alg_find_kind("sha1", KERN_ALG_ENC));
	ck_assert_ptr_null(kern_alg_find_kind("aes-128-cbc", KERN_ALG_AUTH));
	ck_assert_str_eq(kern_alg_find("null")->kname, "ecb(cipher_null)");
	ck_assert_str_eq(kern_alg_find("sha1")->kname, "hmac(sha1)");
	ck_assert_ptr_null(kern_alg_find("aes-512-cbc"));
	ck_assert_ptr_null(kern_alg_find(""));
	ck_assert_ptr_null(kern_alg_find(NULL));
	ck_assert_ptr_null(kern_alg_find_kind(NULL, KERN_ALG_ENC));
}
END_TEST

START_TEST(test_explain)
{
	char buf[128], tiny[12];

	ck_assert_int_eq(kern_alg_explain("rfc4106(gcm(aes))", -ENOENT, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "this kernel has no rfc4106(gcm(aes)); load the module or choose "
			      "another algorithm");
	ck_assert_int_eq(kern_alg_explain("cbc(camellia)", -ENOSYS, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "this kernel has no cbc(camellia); load the module or choose "
			      "another algorithm");
	ck_assert_int_eq(kern_alg_explain("cbc(aes)", -EINVAL, buf, sizeof(buf)), 0);
	ck_assert_int_eq(kern_alg_explain("cbc(aes)", ENOENT, buf, sizeof(buf)), 0);
	ck_assert_int_eq(kern_alg_explain("cbc(aes)", -EPERM, buf, sizeof(buf)), -EINVAL);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(kern_alg_explain("cbc(aes)", 0, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(kern_alg_explain(NULL, -ENOENT, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(kern_alg_explain("cbc(aes)", -ENOENT, NULL, 10), -EINVAL);
	ck_assert_int_eq(kern_alg_explain("cbc(aes)", -ENOENT, tiny, 0), -EINVAL);
	ck_assert_int_eq(kern_alg_explain("cbc(aes)", -ENOENT, tiny, sizeof(tiny)), -ENOSPC);
	ck_assert_str_eq(tiny, "this kernel");
}
END_TEST

/* --- /proc/crypto --- */

START_TEST(test_hw_fixture)
{
	size_t len;
	char *text = read_fixture("proc_crypto.txt", &len);

	/* aesni at 400 beats generic at 100 */
	ck_assert(kern_alg_hw_accelerated(text, "cbc(aes)"));
	/* only the generic gcm */
	ck_assert(!kern_alg_hw_accelerated(text, "rfc4106(gcm(aes))"));
	/* the accelerated entry is internal: the kernel never picks it for an SA */
	ck_assert(!kern_alg_hw_accelerated(text, "hmac(sha256)"));
	/* the best one comes first */
	ck_assert(kern_alg_hw_accelerated(text, "hmac(sha1)"));
	/* names match whole */
	ck_assert(!kern_alg_hw_accelerated(text, "cbc(aes"));
	ck_assert(!kern_alg_hw_accelerated(text, "aes"));
	ck_assert(!kern_alg_hw_accelerated(text, "cbc(des)"));
	ck_assert(!kern_alg_hw_accelerated(text, ""));
	ck_assert(!kern_alg_hw_accelerated(NULL, "cbc(aes)"));
	ck_assert(!kern_alg_hw_accelerated(text, NULL));
	free(text);
}
END_TEST

START_TEST(test_hw_text)
{
	/* no newline at the end, odd spacing, CRLF */
	ck_assert(kern_alg_hw_accelerated("name:cbc(aes)\ndriver:cbc-aes-ce\npriority:300",
					  "cbc(aes)"));
	ck_assert(
		kern_alg_hw_accelerated("name  : cbc(aes)\r\ndriver : cbc-aes-ce\r\n", "cbc(aes)"));
	/* a bad priority counts as the lowest */
	ck_assert(!kern_alg_hw_accelerated("name : cbc(aes)\ndriver : cbc(aes-generic)\n"
					   "priority : 100\n\nname : cbc(aes)\n"
					   "driver : cbc-aes-aesni\npriority : 4x0\n",
					   "cbc(aes)"));
	ck_assert(!kern_alg_hw_accelerated(
		"name : cbc(aes)\ndriver : cbc(aes-generic)\n"
		"priority : 100\n\nname : cbc(aes)\n"
		"driver : cbc-aes-aesni\npriority : 99999999999999999999\n",
		"cbc(aes)"));
	/* an entry without a driver is no choice */
	ck_assert(!kern_alg_hw_accelerated("name : cbc(aes)\npriority : 900\n", "cbc(aes)"));
	ck_assert(!kern_alg_hw_accelerated("", "cbc(aes)"));
	ck_assert(!kern_alg_hw_accelerated("\n\n:\n::: \nname\n", "cbc(aes)"));
	ck_assert(!kern_alg_hw_accelerated("name : hmac(sha512)\ndriver : hmac(sha512-generic)\n",
					   "hmac(sha512)"));
	ck_assert(kern_alg_hw_accelerated("name : hmac(sha512)\ndriver : sha512-avx2\n",
					  "hmac(sha512)"));
}
END_TEST

/* Every prefix of the fixture: no crash, no read past the end (ASan/valgrind). */
START_TEST(test_hw_truncated)
{
	size_t len;
	char *text = read_fixture("proc_crypto.txt", &len);

	for (size_t n = 0; n <= len; n++) {
		char *t = malloc(n + 1);

		ck_assert_ptr_nonnull(t);
		memcpy(t, text, n);
		t[n] = '\0';
		(void)kern_alg_hw_accelerated(t, "cbc(aes)");
		(void)kern_alg_hw_accelerated(t, "rfc4106(gcm(aes))");
		free(t);
	}
	free(text);
}
END_TEST

/* --- /proc/net/xfrm_stat --- */

START_TEST(test_stat_fixture)
{
	size_t len;
	char *text = read_fixture("xfrm_stat.txt", &len);
	uint64_t out[CONF_STATS_NPROPS];

	ck_assert_int_eq(kern_stat_parse(text, len, out), 0);
	ck_assert_uint_eq(out[CONF_STATS_IN_ERRORS], 1001);
	ck_assert_uint_eq(out[CONF_STATS_IN_BUFFER_ERRORS], 1002);
	ck_assert_uint_eq(out[CONF_STATS_IN_HEADER_ERRORS], 1003);
	ck_assert_uint_eq(out[CONF_STATS_IN_NO_STATES], 4294967298ull);
	ck_assert_uint_eq(out[CONF_STATS_IN_STATE_PROTOCOL_ERRORS], 1005);
	ck_assert_uint_eq(out[CONF_STATS_IN_STATE_MODE_ERRORS], 1006);
	ck_assert_uint_eq(out[CONF_STATS_IN_STATE_SEQUENCE_ERRORS], 1007);
	ck_assert_uint_eq(out[CONF_STATS_IN_STATE_EXPIRED], 1008);
	ck_assert_uint_eq(out[CONF_STATS_IN_STATE_MISMATCHES], 1009);
	ck_assert_uint_eq(out[CONF_STATS_IN_STATE_INVALID], 1010);
	ck_assert_uint_eq(out[CONF_STATS_IN_TEMPLATE_MISMATCHES], 1011);
	ck_assert_uint_eq(out[CONF_STATS_IN_NO_POLICIES], 1012);
	ck_assert_uint_eq(out[CONF_STATS_IN_POLICY_BLOCKED], 1013);
	ck_assert_uint_eq(out[CONF_STATS_IN_POLICY_ERRORS], 1014);
	ck_assert_uint_eq(out[CONF_STATS_OUT_ERRORS], 1015);
	ck_assert_uint_eq(out[CONF_STATS_OUT_BUNDLE_ERRORS], 1016);
	ck_assert_uint_eq(out[CONF_STATS_OUT_BUNDLE_CHECK_ERRORS], 1017);
	ck_assert_uint_eq(out[CONF_STATS_OUT_NO_STATES], 1018);
	ck_assert_uint_eq(out[CONF_STATS_OUT_STATE_PROTOCOL_ERRORS], 1019);
	ck_assert_uint_eq(out[CONF_STATS_OUT_STATE_MODE_ERRORS], 1020);
	ck_assert_uint_eq(out[CONF_STATS_OUT_STATE_SEQUENCE_ERRORS], 1021);
	ck_assert_uint_eq(out[CONF_STATS_OUT_STATE_EXPIRED], 1022);
	ck_assert_uint_eq(out[CONF_STATS_OUT_POLICY_BLOCKED], 1023);
	ck_assert_uint_eq(out[CONF_STATS_OUT_POLICY_DEAD], 1024);
	ck_assert_uint_eq(out[CONF_STATS_OUT_POLICY_ERRORS], UINT64_MAX);
	/* the newer counters (9xxxx in the fixture) land nowhere */
	for (int i = 0; i < CONF_STATS_NPROPS; i++)
		ck_assert(out[i] < 90000 || out[i] > 91000);
	free(text);
}
END_TEST

static int parse(const char *s, uint64_t out[CONF_STATS_NPROPS])
{
	return kern_stat_parse(s, strlen(s), out);
}

static bool all_zero(const uint64_t out[CONF_STATS_NPROPS])
{
	for (int i = 0; i < CONF_STATS_NPROPS; i++)
		if (out[i])
			return false;
	return true;
}

START_TEST(test_stat_malformed)
{
	uint64_t out[CONF_STATS_NPROPS];

	/* a missing counter stays 0; unknown ones are skipped; no final newline is fine */
	ck_assert_int_eq(parse("XfrmInNoPols 7\nXfrmSomethingNew\t3\nXfrmOutPolDead 9", out), 0);
	ck_assert_uint_eq(out[CONF_STATS_IN_NO_POLICIES], 7);
	ck_assert_uint_eq(out[CONF_STATS_OUT_POLICY_DEAD], 9);
	ck_assert_uint_eq(out[CONF_STATS_IN_ERRORS], 0);
	ck_assert_int_eq(parse("\n\nXfrmInError 1  \r\n\n", out), 0);
	ck_assert_uint_eq(out[CONF_STATS_IN_ERRORS], 1);
	ck_assert_int_eq(parse("XfrmNewOnly 5\n", out), 0);
	ck_assert(all_zero(out));

	/* broken: each leaves out all 0 */
	static const char *const bad[] = {
		"",
		"\n\n  \n",
		"XfrmInError 1\nXfrmInNoStates", /* truncated line */
		"XfrmInError 1\nXfrmInNoStates   \n",
		"XfrmInError abc\n", /* letters instead of a number */
		"XfrmInError 12a\n",
		"XfrmInError -1\n",
		"XfrmInError 0x10\n",
		"XfrmUnknown abc\n",		      /* even for a counter we skip */
		"XfrmInError 1 2\n",		      /* two numbers */
		"XfrmInError 18446744073709551616\n", /* 2^64 */
		"XfrmInError 99999999999999999999999\n",
		"XfrmInError 1\nXfrmInError 2\n", /* twice */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(out, 0xff, sizeof(out));
		ck_assert_msg(parse(bad[i], out) == -EINVAL, "accepted \"%s\"", bad[i]);
		ck_assert(all_zero(out));
	}
	ck_assert_int_eq(kern_stat_parse(NULL, 5, out), -EINVAL);
	/* a NUL inside is not a number */
	ck_assert_int_eq(kern_stat_parse("XfrmInError 1\0", 14, out), -EINVAL);
	/* len, not the NUL, ends the text */
	ck_assert_int_eq(kern_stat_parse("XfrmInError 12345", 13, out), 0);
	ck_assert_uint_eq(out[CONF_STATS_IN_ERRORS], 1);
	ck_assert_int_eq(parse("XfrmInError 18446744073709551615\n", out), 0);
	ck_assert_uint_eq(out[CONF_STATS_IN_ERRORS], UINT64_MAX);
}
END_TEST

/* Every prefix of the fixture, in a buffer of exactly that size (no NUL after it): no
 * crash or over-read; a prefix ending on a line boundary parses. */
START_TEST(test_stat_truncated)
{
	size_t len;
	char *text = read_fixture("xfrm_stat.txt", &len);
	uint64_t out[CONF_STATS_NPROPS];

	for (size_t n = 0; n <= len; n++) {
		char *t = malloc(n ? n : 1);
		int r;

		ck_assert_ptr_nonnull(t);
		memcpy(t, text, n);
		r = kern_stat_parse(t, n, out);
		ck_assert(r == 0 || r == -EINVAL);
		if (r < 0)
			ck_assert(all_zero(out));
		if (n > 0 && text[n - 1] == '\n')
			ck_assert_int_eq(r, 0);
		free(t);
	}
	free(text);
}
END_TEST

static Suite *kernel_suite(void)
{
	Suite *s = suite_create("kernel");
	TCase *alg = tcase_create("alg");
	TCase *crypto = tcase_create("proc_crypto");
	TCase *stat = tcase_create("xfrm_stat");

	tcase_add_test(alg, test_every_choice_mapped);
	tcase_add_test(alg, test_known_values);
	tcase_add_test(alg, test_explain);
	tcase_add_test(crypto, test_hw_fixture);
	tcase_add_test(crypto, test_hw_text);
	tcase_add_test(crypto, test_hw_truncated);
	tcase_add_test(stat, test_stat_fixture);
	tcase_add_test(stat, test_stat_malformed);
	tcase_add_test(stat, test_stat_truncated);
	suite_add_tcase(s, alg);
	suite_add_tcase(s, crypto);
	suite_add_tcase(s, stat);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(kernel_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
