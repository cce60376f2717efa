/* check_menus: the menu/property table on its own (src/conf/menus.c): its shape, its
 * internal consistency, and RouterOS v7 defaults spot-checked against the manual. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/conf.h"

static const struct conf_prop *prop(enum conf_menu_id m, const char *name)
{
	const struct conf_menu *menu = &conf_menus[m];

	for (size_t i = 0; i < menu->nprops; i++)
		if (menu->props[i].name && !strcmp(menu->props[i].name, name))
			return &menu->props[i];
	return NULL;
}

static bool in_list(const char *const *list, const char *w, size_t len)
{
	for (size_t i = 0; list && list[i]; i++)
		if (strlen(list[i]) == len && !strncmp(list[i], w, len))
			return true;
	return false;
}

/* Every comma-separated word of s is in list, and none twice. */
static bool words_in(const char *const *list, const char *s)
{
	for (const char *w = s;;) {
		const char *e = strchr(w, ',');
		size_t len = e ? (size_t)(e - w) : strlen(w);

		if (len == 0 || !in_list(list, w, len))
			return false;
		for (const char *r = e ? e + 1 : NULL; r;) {
			const char *re = strchr(r, ',');
			size_t rlen = re ? (size_t)(re - r) : strlen(r);

			if (rlen == len && !strncmp(r, w, len))
				return false;
			r = re ? re + 1 : NULL;
		}
		if (!e)
			return true;
		w = e + 1;
	}
}

static void check_def(enum conf_menu_id m, const char *name, const char *want)
{
	const struct conf_prop *p = prop(m, name);

	ck_assert_msg(p != NULL, "%s: no property %s", conf_menus[m].path, name);
	if (!want)
		ck_assert_msg(p->def == NULL, "%s %s: default %s, want none", conf_menus[m].path,
			      name, p->def);
	else
		ck_assert_msg(p->def && !strcmp(p->def, want), "%s %s: default %s, want %s",
			      conf_menus[m].path, name, p->def ? p->def : "(none)", want);
}

/* --- shape --- */

START_TEST(test_menu_paths)
{
	static const char *const paths[CONF_M_COUNT] = {
		[CONF_M_POOL] = "ip pool",
		[CONF_M_CERTIFICATE] = "certificate",
		[CONF_M_RADIUS] = "radius",
		[CONF_M_KEY] = "ip ipsec key",
		[CONF_M_MODE_CONFIG] = "ip ipsec mode-config",
		[CONF_M_POLICY_GROUP] = "ip ipsec policy group",
		[CONF_M_PROFILE] = "ip ipsec profile",
		[CONF_M_PEER] = "ip ipsec peer",
		[CONF_M_PROPOSAL] = "ip ipsec proposal",
		[CONF_M_IDENTITY] = "ip ipsec identity",
		[CONF_M_MANUAL_SA] = "ip ipsec manual-sa",
		[CONF_M_POLICY] = "ip ipsec policy",
		[CONF_M_USER] = "ip ipsec user",
		[CONF_M_SETTINGS] = "ip ipsec settings",
		[CONF_M_INSTALLED_SA] = "ip ipsec installed-sa",
		[CONF_M_ACTIVE_PEERS] = "ip ipsec active-peers",
		[CONF_M_STATISTICS] = "ip ipsec statistics",
		[CONF_M_POOL_USED] = "ip pool used",
	};

	for (int i = 0; i < CONF_M_COUNT; i++) {
		const struct conf_menu *m = &conf_menus[i];

		ck_assert_int_eq(m->id, i);
		ck_assert_ptr_nonnull(m->path);
		ck_assert_str_eq(m->path, paths[i]);
		ck_assert_msg(m->help && *m->help, "%s: no help", m->path);
		ck_assert_msg(m->props && m->nprops > 0, "%s: no properties", m->path);
		ck_assert_msg(m->nprops <= 64, "%s: more properties than conf_item.set has bits",
			      m->path);
		for (int j = 0; j < i; j++)
			ck_assert_str_ne(conf_menus[j].path, m->path);
	}
	ck_assert_str_eq(conf_menus[CONF_M_ACTIVE_PEERS].alias, "ip ipsec remote-peers");
}
END_TEST

START_TEST(test_by_path)
{
	static const char *const junk[] = {"",
					   "ip",
					   "ip ipsec",
					   "ip ipsec peers",
					   "ip ipsec  peer",
					   " ip ipsec peer",
					   "ip ipsec peer ",
					   "/ip ipsec peer",
					   "IP IPSEC PEER",
					   "ipsec peer",
					   "ip ipsec policy groups",
					   "ip ipsec remote-peer",
					   NULL};

	for (int i = 0; i < CONF_M_COUNT; i++) {
		const struct conf_menu *m = &conf_menus[i];

		ck_assert_ptr_eq(conf_menu_by_path(m->path), m);
		if (m->alias)
			ck_assert_ptr_eq(conf_menu_by_path(m->alias), m);
	}
	ck_assert_ptr_eq(conf_menu_by_path("ip ipsec remote-peers"),
			 &conf_menus[CONF_M_ACTIVE_PEERS]);
	ck_assert_ptr_eq(conf_menu_by_path("ip ipsec policy group"),
			 &conf_menus[CONF_M_POLICY_GROUP]);
	for (size_t i = 0; junk[i]; i++)
		ck_assert_msg(conf_menu_by_path(junk[i]) == NULL, "\"%s\" matched", junk[i]);
	ck_assert_ptr_null(conf_menu_by_path(NULL));
}
END_TEST

START_TEST(test_nprops)
{
	static const size_t want[CONF_M_COUNT] = {
		[CONF_M_POOL] = CONF_POOL_NPROPS,
		[CONF_M_CERTIFICATE] = CONF_CERT_NPROPS,
		[CONF_M_RADIUS] = CONF_RADIUS_NPROPS,
		[CONF_M_KEY] = CONF_KEY_NPROPS,
		[CONF_M_MODE_CONFIG] = CONF_MODECONF_NPROPS,
		[CONF_M_POLICY_GROUP] = CONF_GROUP_NPROPS,
		[CONF_M_PROFILE] = CONF_PROFILE_NPROPS,
		[CONF_M_PEER] = CONF_PEER_NPROPS,
		[CONF_M_PROPOSAL] = CONF_PROPOSAL_NPROPS,
		[CONF_M_IDENTITY] = CONF_IDENTITY_NPROPS,
		[CONF_M_MANUAL_SA] = CONF_MANUALSA_NPROPS,
		[CONF_M_POLICY] = CONF_POLICY_NPROPS,
		[CONF_M_USER] = CONF_USER_NPROPS,
		[CONF_M_SETTINGS] = CONF_SETTINGS_NPROPS,
		[CONF_M_INSTALLED_SA] = CONF_ISA_NPROPS,
		[CONF_M_ACTIVE_PEERS] = CONF_APEER_NPROPS,
		[CONF_M_STATISTICS] = CONF_STATS_NPROPS,
		[CONF_M_POOL_USED] = CONF_PUSED_NPROPS,
	};

	for (int i = 0; i < CONF_M_COUNT; i++)
		ck_assert_msg(conf_menus[i].nprops == want[i], "%s: %zu props, enum says %zu",
			      conf_menus[i].path, conf_menus[i].nprops, want[i]);
}
END_TEST

/* The enum index of a property and the row's name agree. */
START_TEST(test_indexes)
{
	static const struct {
		enum conf_menu_id m;
		int idx;
		const char *name;
	} rows[] = {
		{CONF_M_PEER, CONF_PEER_EXCHANGE_MODE, "exchange-mode"},
		{CONF_M_PEER, CONF_PEER_ADDRESS, "address"},
		{CONF_M_PEER, CONF_PEER_MY_ID_USER_FQDN, "my-id-user-fqdn"},
		{CONF_M_PEER, CONF_PEER_XAUTH_PASSWORD, "xauth-password"},
		{CONF_M_PEER, CONF_PEER_RESPONDER, "responder"},
		{CONF_M_POLICY, CONF_POLICY_SRC_ADDRESS, "src-address"},
		{CONF_M_POLICY, CONF_POLICY_SA_DST_ADDRESS, "sa-dst-address"},
		{CONF_M_POLICY, CONF_POLICY_PH2_STATE, "ph2-state"},
		{CONF_M_PROPOSAL, CONF_PROPOSAL_ENC_ALGORITHMS, "enc-algorithms"},
		{CONF_M_PROFILE, CONF_PROFILE_DPD_MAXIMUM_FAILURES, "dpd-maximum-failures"},
		{CONF_M_IDENTITY, CONF_IDENTITY_POLICY_TEMPLATE_GROUP, "policy-template-group"},
		{CONF_M_MODE_CONFIG, CONF_MODECONF_ADDRESS_PREFIX_LENGTH, "address-prefix-length"},
		{CONF_M_MANUAL_SA, CONF_MANUALSA_ESP_AUTH_KEY, "esp-auth-key"},
		{CONF_M_INSTALLED_SA, CONF_ISA_AH, "AH"},
		{CONF_M_ACTIVE_PEERS, CONF_APEER_PH2_TOTAL, "ph2-total"},
		{CONF_M_STATISTICS, CONF_STATS_OUT_POLICY_ERRORS, "out-policy-errors"},
		{CONF_M_SETTINGS, CONF_SETTINGS_XAUTH_USE_RADIUS, "xauth-use-radius"},
		{CONF_M_POOL, CONF_POOL_RANGES, "ranges"},
		{CONF_M_RADIUS, CONF_RADIUS_SERVICE, "service"},
		{CONF_M_CERTIFICATE, CONF_CERT_PASSPHRASE, "passphrase"},
		{CONF_M_KEY, CONF_KEY_KEY_SIZE, "key-size"},
		{CONF_M_USER, CONF_USER_PASSWORD, "password"},
		{CONF_M_POLICY_GROUP, CONF_GROUP_NAME, "name"},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct conf_prop *p = &conf_menus[rows[i].m].props[rows[i].idx];

		ck_assert_ptr_nonnull(p->name);
		ck_assert_str_eq(p->name, rows[i].name);
	}
}
END_TEST

START_TEST(test_props_named_unique)
{
	for (int i = 0; i < CONF_M_COUNT; i++) {
		const struct conf_menu *m = &conf_menus[i];

		for (size_t j = 0; j < m->nprops; j++) {
			const struct conf_prop *p = &m->props[j];

			ck_assert_msg(p->name && *p->name, "%s: property %zu has no name", m->path,
				      j);
			ck_assert_msg(p->help && *p->help, "%s %s: no help", m->path, p->name);
			for (const char *c = p->name; *c; c++)
				ck_assert_msg(*c == '-' || (*c >= 'a' && *c <= 'z') ||
						      (*c >= 'A' && *c <= 'Z') ||
						      (*c >= '0' && *c <= '9'),
					      "%s: bad property name %s", m->path, p->name);
			for (size_t k = 0; k < j; k++)
				ck_assert_msg(strcmp(m->props[k].name, p->name) != 0,
					      "%s: %s twice", m->path, p->name);
		}
	}
}
END_TEST

START_TEST(test_name_prop)
{
	for (int i = 0; i < CONF_M_COUNT; i++) {
		const struct conf_menu *m = &conf_menus[i];
		int names = 0, at = -1;

		for (size_t j = 0; j < m->nprops; j++)
			if (m->props[j].type == CONF_T_NAME)
				names++, at = (int)j;
		ck_assert_msg(names <= 1, "%s: %d NAME properties", m->path, names);
		ck_assert_msg(m->name_prop == at, "%s: name_prop %d, NAME property at %d", m->path,
			      m->name_prop, at);
		if (at >= 0) {
			ck_assert_str_eq(m->props[at].name, "name");
			ck_assert(!(m->props[at].flags & CONF_F_RO));
		}
	}
	/* menus whose items are named, per the manuals */
	ck_assert_int_ge(conf_menus[CONF_M_PEER].name_prop, 0);
	ck_assert_int_ge(conf_menus[CONF_M_PROFILE].name_prop, 0);
	ck_assert_int_ge(conf_menus[CONF_M_PROPOSAL].name_prop, 0);
	ck_assert_int_ge(conf_menus[CONF_M_POLICY_GROUP].name_prop, 0);
	ck_assert_int_ge(conf_menus[CONF_M_MODE_CONFIG].name_prop, 0);
	ck_assert_int_ge(conf_menus[CONF_M_MANUAL_SA].name_prop, 0);
	ck_assert_int_ge(conf_menus[CONF_M_POOL].name_prop, 0);
	ck_assert_int_eq(conf_menus[CONF_M_POLICY].name_prop, -1);
	ck_assert_int_eq(conf_menus[CONF_M_IDENTITY].name_prop, -1);
	ck_assert_int_eq(conf_menus[CONF_M_SETTINGS].name_prop, -1);
}
END_TEST

START_TEST(test_menu_flags)
{
	ck_assert_uint_eq(conf_menus[CONF_M_SETTINGS].flags, CONF_MF_SINGLETON);
	ck_assert_uint_eq(conf_menus[CONF_M_INSTALLED_SA].flags, CONF_MF_RUNTIME);
	ck_assert_uint_eq(conf_menus[CONF_M_ACTIVE_PEERS].flags, CONF_MF_RUNTIME);
	ck_assert_uint_eq(conf_menus[CONF_M_STATISTICS].flags, CONF_MF_RUNTIME);
	ck_assert_uint_eq(conf_menus[CONF_M_POOL_USED].flags, CONF_MF_RUNTIME);
	ck_assert_uint_eq(conf_menus[CONF_M_POLICY].flags, CONF_MF_ORDERED);
	ck_assert_uint_eq(conf_menus[CONF_M_CERTIFICATE].flags, CONF_MF_IMPORT);
	ck_assert_uint_eq(conf_menus[CONF_M_KEY].flags, CONF_MF_IMPORT);
	ck_assert_uint_eq(conf_menus[CONF_M_PEER].flags, 0);
	ck_assert_uint_eq(conf_menus[CONF_M_PROFILE].flags, 0);
}
END_TEST

/* Runtime menus are all read-only; elsewhere read-only fields come after every
 * configurable property and have no default. */
START_TEST(test_readonly_placement)
{
	for (int i = 0; i < CONF_M_COUNT; i++) {
		const struct conf_menu *m = &conf_menus[i];
		bool seen_ro = false;

		for (size_t j = 0; j < m->nprops; j++) {
			const struct conf_prop *p = &m->props[j];
			bool ro = p->flags & CONF_F_RO;

			if (m->flags & CONF_MF_RUNTIME) {
				ck_assert_msg(ro, "%s %s: runtime menu, not read-only", m->path,
					      p->name);
				continue;
			}
			ck_assert_msg(ro || !seen_ro, "%s %s: configurable after a read-only field",
				      m->path, p->name);
			seen_ro = seen_ro || ro;
			if (ro) {
				ck_assert_msg(p->def == NULL, "%s %s: read-only with a default",
					      m->path, p->name);
				ck_assert(!(p->flags & (CONF_F_REQUIRED | CONF_F_LEGACY)));
			}
		}
	}
}
END_TEST

/* --- values --- */

START_TEST(test_enum_defaults)
{
	for (int i = 0; i < CONF_M_COUNT; i++) {
		const struct conf_menu *m = &conf_menus[i];

		for (size_t j = 0; j < m->nprops; j++) {
			const struct conf_prop *p = &m->props[j];
			bool listy = p->type == CONF_T_ENUM || p->type == CONF_T_ENUMS;

			ck_assert_msg(listy == (p->choices != NULL), "%s %s: choices vs type",
				      m->path, p->name);
			if (!listy)
				continue;
			for (size_t k = 0; p->choices[k]; k++) {
				ck_assert_msg(*p->choices[k] && !strchr(p->choices[k], ','),
					      "%s %s: bad choice", m->path, p->name);
				for (size_t l = 0; l < k; l++)
					ck_assert_msg(strcmp(p->choices[l], p->choices[k]) != 0,
						      "%s %s: choice %s twice", m->path, p->name,
						      p->choices[k]);
			}
			if (!p->def)
				continue;
			if (p->type == CONF_T_ENUM)
				ck_assert_msg(in_list(p->choices, p->def, strlen(p->def)),
					      "%s %s: default %s not a choice", m->path, p->name,
					      p->def);
			else
				ck_assert_msg(words_in(p->choices, p->def),
					      "%s %s: default %s not made of choices", m->path,
					      p->name, p->def);
		}
	}
}
END_TEST

START_TEST(test_scalar_defaults)
{
	for (int i = 0; i < CONF_M_COUNT; i++) {
		const struct conf_menu *m = &conf_menus[i];

		for (size_t j = 0; j < m->nprops; j++) {
			const struct conf_prop *p = &m->props[j];

			ck_assert_msg(p->min <= p->max, "%s %s: min > max", m->path, p->name);
			if (!p->def)
				continue;
			if (p->type == CONF_T_BOOL)
				ck_assert_msg(!strcmp(p->def, "yes") || !strcmp(p->def, "no"),
					      "%s %s: boolean default %s", m->path, p->name,
					      p->def);
			if (p->type == CONF_T_INT) {
				char *end;
				long long v = strtoll(p->def, &end, 0);

				ck_assert_msg(*end == '\0', "%s %s: default %s not a number",
					      m->path, p->name, p->def);
				ck_assert_msg((p->min == 0 && p->max == 0) ||
						      (v >= p->min && v <= p->max),
					      "%s %s: default %s out of range", m->path, p->name,
					      p->def);
			}
			if (p->type == CONF_T_PORT)
				ck_assert_msg(!strcmp(p->def, "any") ||
						      strspn(p->def, "0123456789") ==
							      strlen(p->def),
					      "%s %s: port default %s", m->path, p->name, p->def);
			ck_assert_msg(p->type != CONF_T_NAME, "%s: a name has no default", m->path);
		}
	}
}
END_TEST

static bool is_builtin(enum conf_menu_id m, const char *name)
{
	for (const struct conf_builtin *b = conf_menus[m].builtins; b && b->name; b++)
		if (!strcmp(b->name, name))
			return true;
	return false;
}

START_TEST(test_refs)
{
	int nrefs = 0;

	for (int i = 0; i < CONF_M_COUNT; i++) {
		const struct conf_menu *m = &conf_menus[i];

		for (size_t j = 0; j < m->nprops; j++) {
			const struct conf_prop *p = &m->props[j];

			if (p->type != CONF_T_REF)
				continue;
			nrefs++;
			ck_assert_msg(p->ref >= 0 && p->ref < CONF_M_COUNT, "%s %s: bad ref",
				      m->path, p->name);
			ck_assert_msg(conf_menus[p->ref].name_prop >= 0,
				      "%s %s: refers to unnamed menu %s", m->path, p->name,
				      conf_menus[p->ref].path);
			ck_assert_msg(!p->def || !strcmp(p->def, "none") ||
					      is_builtin(p->ref, p->def),
				      "%s %s: default %s is not a built-in of %s", m->path, p->name,
				      p->def, conf_menus[p->ref].path);
		}
	}
	ck_assert_int_gt(nrefs, 0);
	ck_assert_int_eq(prop(CONF_M_IDENTITY, "peer")->ref, CONF_M_PEER);
	ck_assert_int_eq(prop(CONF_M_PEER, "profile")->ref, CONF_M_PROFILE);
	ck_assert_int_eq(prop(CONF_M_POLICY, "peer")->ref, CONF_M_PEER);
	ck_assert_int_eq(prop(CONF_M_POLICY, "proposal")->ref, CONF_M_PROPOSAL);
	ck_assert_int_eq(prop(CONF_M_POLICY, "group")->ref, CONF_M_POLICY_GROUP);
	ck_assert_int_eq(prop(CONF_M_POLICY, "manual-sa")->ref, CONF_M_MANUAL_SA);
	ck_assert_int_eq(prop(CONF_M_IDENTITY, "policy-template-group")->ref, CONF_M_POLICY_GROUP);
	ck_assert_int_eq(prop(CONF_M_IDENTITY, "mode-config")->ref, CONF_M_MODE_CONFIG);
	ck_assert_int_eq(prop(CONF_M_IDENTITY, "certificate")->ref, CONF_M_CERTIFICATE);
	ck_assert_int_eq(prop(CONF_M_IDENTITY, "remote-certificate")->ref, CONF_M_CERTIFICATE);
	ck_assert_int_eq(prop(CONF_M_IDENTITY, "key")->ref, CONF_M_KEY);
	ck_assert_int_eq(prop(CONF_M_IDENTITY, "remote-key")->ref, CONF_M_KEY);
	ck_assert_int_eq(prop(CONF_M_MODE_CONFIG, "address-pool")->ref, CONF_M_POOL);
	ck_assert_int_eq(prop(CONF_M_PEER, "policy-template-group")->ref, CONF_M_POLICY_GROUP);
	ck_assert_int_eq(prop(CONF_M_POOL, "next-pool")->ref, CONF_M_POOL);
}
END_TEST

START_TEST(test_secrets)
{
	for (int i = 0; i < CONF_M_COUNT; i++) {
		const struct conf_menu *m = &conf_menus[i];

		for (size_t j = 0; j < m->nprops; j++) {
			const struct conf_prop *p = &m->props[j];
			bool sens = p->type == CONF_T_SECRET || p->type == CONF_T_KEY;

			ck_assert_msg(sens == !!(p->flags & CONF_F_SECRET),
				      "%s %s: secret flag vs type", m->path, p->name);
		}
	}
	ck_assert(prop(CONF_M_IDENTITY, "secret")->flags & CONF_F_SECRET);
	ck_assert(prop(CONF_M_PEER, "secret")->flags & CONF_F_SECRET);
	ck_assert(prop(CONF_M_RADIUS, "secret")->flags & CONF_F_SECRET);
	ck_assert(prop(CONF_M_INSTALLED_SA, "enc-key")->flags & CONF_F_SECRET);
	ck_assert(prop(CONF_M_CERTIFICATE, "passphrase")->flags & CONF_F_NOEXPORT);
}
END_TEST

START_TEST(test_weak)
{
	int nweak = 0;

	for (int i = 0; i < CONF_M_COUNT; i++) {
		const struct conf_menu *m = &conf_menus[i];

		for (size_t j = 0; j < m->nprops; j++) {
			const struct conf_prop *p = &m->props[j];

			ck_assert_msg(!!(p->flags & CONF_F_WEAK) == (p->weak != NULL),
				      "%s %s: WEAK flag vs weak list", m->path, p->name);
			for (size_t k = 0; p->weak && p->weak[k]; k++, nweak++)
				ck_assert_msg(in_list(p->choices, p->weak[k], strlen(p->weak[k])),
					      "%s %s: weak %s is not a choice", m->path, p->name,
					      p->weak[k]);
		}
	}
	ck_assert_int_gt(nweak, 0);
	ck_assert(in_list(prop(CONF_M_PROFILE, "dh-group")->weak, "modp1024", 8));
	ck_assert(in_list(prop(CONF_M_PROFILE, "hash-algorithm")->weak, "sha1", 4));
	ck_assert(in_list(prop(CONF_M_PROPOSAL, "enc-algorithms")->weak, "des", 3));
	ck_assert(!in_list(prop(CONF_M_PROPOSAL, "enc-algorithms")->weak, "aes-128-cbc", 11));
	ck_assert(in_list(prop(CONF_M_PROPOSAL, "pfs-group")->weak, "modp768", 7));
}
END_TEST

START_TEST(test_aliases)
{
	for (int i = 0; i < CONF_M_COUNT; i++) {
		const struct conf_menu *m = &conf_menus[i];

		for (size_t j = 0; j < m->nprops; j++) {
			const struct conf_prop *p = &m->props[j];

			for (size_t k = 0; p->aliases && p->aliases[k]; k++) {
				const char *a = p->aliases[k], *eq = strchr(a, '=');

				ck_assert_msg(eq && eq > a && eq[1] && !strchr(eq + 1, '='),
					      "%s %s: alias %s is not old=new", m->path, p->name,
					      a);
				if (!p->choices)
					continue;
				ck_assert_msg(!in_list(p->choices, a, (size_t)(eq - a)),
					      "%s %s: alias %s shadows a choice", m->path, p->name,
					      a);
				ck_assert_msg(in_list(p->choices, eq + 1, strlen(eq + 1)),
					      "%s %s: alias %s leads nowhere", m->path, p->name, a);
			}
		}
	}
	ck_assert(in_list(prop(CONF_M_PROPOSAL, "enc-algorithms")->aliases, "aes-128=aes-128-cbc",
			  19));
	ck_assert(in_list(prop(CONF_M_IDENTITY, "auth-method")->aliases,
			  "rsa-signature=digital-signature", 31));
	ck_assert(in_list(prop(CONF_M_IDENTITY, "generate-policy")->aliases, "yes=port-override",
			  17));
	ck_assert(in_list(prop(CONF_M_PEER, "exchange-mode")->aliases, "main-l2tp=main", 14));
}
END_TEST

START_TEST(test_builtins)
{
	static const struct {
		enum conf_menu_id m;
		const char *name;
	} want[] = {
		{CONF_M_PROPOSAL, "default"},
		{CONF_M_PROFILE, "default"},
		{CONF_M_POLICY_GROUP, "default"},
		{CONF_M_MODE_CONFIG, "request-only"},
	};
	int n = 0;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(is_builtin(want[i].m, want[i].name), "%s: no built-in %s",
			      conf_menus[want[i].m].path, want[i].name);
	for (int i = 0; i < CONF_M_COUNT; i++) {
		const struct conf_menu *m = &conf_menus[i];

		if (m->flags & CONF_MF_RUNTIME)
			ck_assert_ptr_null(m->builtins);
		for (const struct conf_builtin *b = m->builtins; b && b->name; b++, n++) {
			ck_assert_int_ge(m->name_prop, 0);
			ck_assert_ptr_nonnull(b->props);
			for (const char *const *kv = b->props; *kv; kv++) {
				const char *eq = strchr(*kv, '=');
				char key[64];

				ck_assert_msg(eq && (size_t)(eq - *kv) < sizeof(key), "%s %s: %s",
					      m->path, b->name, *kv);
				memcpy(key, *kv, (size_t)(eq - *kv));
				key[eq - *kv] = '\0';
				const struct conf_prop *p = prop((enum conf_menu_id)i, key);

				ck_assert_msg(p && !(p->flags & CONF_F_RO),
					      "%s %s: bad property %s", m->path, b->name, key);
				if (p->type == CONF_T_BOOL)
					ck_assert(!strcmp(eq + 1, "yes") || !strcmp(eq + 1, "no"));
				if (p->choices)
					ck_assert(words_in(p->choices, eq + 1));
			}
		}
	}
	ck_assert_int_eq(n, 4);
	ck_assert_str_eq(conf_menus[CONF_M_MODE_CONFIG].builtins[0].props[0], "responder=no");
}
END_TEST

START_TEST(test_legacy_peer)
{
	/* converted by hand in conf_v6.c rather than moved by name */
	static const char *const special[] = {"my-id-user-fqdn", "policy-group", "xauth-login",
					      "xauth-password", NULL};
	const struct conf_menu *m = &conf_menus[CONF_M_PEER];
	int n = 0;

	for (size_t j = 0; j < m->nprops; j++) {
		const struct conf_prop *p = &m->props[j];

		if (!(p->flags & CONF_F_LEGACY))
			continue;
		n++;
		if (in_list(special, p->name, strlen(p->name)))
			continue;
		ck_assert_msg(prop(CONF_M_PROFILE, p->name) || prop(CONF_M_IDENTITY, p->name),
			      "legacy peer %s has no v7 home", p->name);
	}
	ck_assert_int_ge(n, 21);
	/* v7 peer properties are not legacy */
	ck_assert(!(prop(CONF_M_PEER, "exchange-mode")->flags & CONF_F_LEGACY));
	ck_assert(!(prop(CONF_M_PEER, "send-initial-contact")->flags & CONF_F_LEGACY));
	ck_assert(prop(CONF_M_PEER, "secret")->flags & CONF_F_LEGACY);
	ck_assert(prop(CONF_M_PEER, "auth-method")->flags & CONF_F_LEGACY);
	ck_assert(in_list(prop(CONF_M_PEER, "auth-method")->choices, "rsa-signature", 13));
	/* no legacy property outside peer and policy */
	for (int i = 0; i < CONF_M_COUNT; i++)
		for (size_t j = 0; j < conf_menus[i].nprops; j++)
			ck_assert(!(conf_menus[i].props[j].flags & CONF_F_LEGACY) ||
				  i == CONF_M_PEER || i == CONF_M_POLICY);
}
END_TEST

START_TEST(test_types)
{
	ck_assert_int_eq(prop(CONF_M_PEER, "address")->type, CONF_T_PREFIX);
	ck_assert_int_eq(prop(CONF_M_PEER, "local-address")->type, CONF_T_ADDR);
	ck_assert_int_eq(prop(CONF_M_PEER, "port")->type, CONF_T_INT);
	ck_assert_int_eq(prop(CONF_M_POLICY, "src-port")->type, CONF_T_PORT);
	ck_assert_int_eq(prop(CONF_M_POLICY, "protocol")->type, CONF_T_PROTO);
	ck_assert_int_eq(prop(CONF_M_POLICY, "sa-src-address")->type, CONF_T_ADDR);
	ck_assert(!(prop(CONF_M_POLICY, "sa-src-address")->flags & CONF_F_RO));
	ck_assert_int_eq(prop(CONF_M_POLICY, "priority")->type, CONF_T_INT);
	ck_assert_int_eq(prop(CONF_M_PROFILE, "lifetime")->type, CONF_T_TIME);
	ck_assert_int_eq(prop(CONF_M_PROFILE, "dpd-interval")->type, CONF_T_TIME);
	ck_assert_int_eq(prop(CONF_M_PROFILE, "dh-group")->type, CONF_T_ENUMS);
	ck_assert_int_eq(prop(CONF_M_PROFILE, "dpd-maximum-failures")->min, 1);
	ck_assert_int_eq(prop(CONF_M_PROFILE, "dpd-maximum-failures")->max, 100);
	ck_assert_int_eq(prop(CONF_M_PROPOSAL, "enc-algorithms")->type, CONF_T_ENUMS);
	ck_assert_int_eq(prop(CONF_M_IDENTITY, "my-id")->type, CONF_T_ID);
	ck_assert_int_eq(prop(CONF_M_IDENTITY, "remote-id")->type, CONF_T_ID);
	ck_assert_int_eq(prop(CONF_M_POOL, "ranges")->type, CONF_T_RANGES);
	ck_assert(prop(CONF_M_POOL, "ranges")->flags & CONF_F_REQUIRED);
	ck_assert_int_eq(prop(CONF_M_CERTIFICATE, "file-name")->type, CONF_T_FILE);
	ck_assert_int_eq(prop(CONF_M_MANUAL_SA, "ah-spi")->min, 0x100);
	ck_assert_int_eq(prop(CONF_M_MANUAL_SA, "ah-spi")->max, 0xFFFFFFFFLL);
	ck_assert_int_eq(prop(CONF_M_MODE_CONFIG, "address-prefix-length")->max, 32);
}
END_TEST

/* Choices in the v7 manual's order; what ipsecd adds beyond the seeds (issue 4:
 * curve25519, sha384, AES-GCM for the IKE SA) comes after them. */
START_TEST(test_choice_order)
{
	const char *const *dh = prop(CONF_M_PROFILE, "dh-group")->choices;
	const char *const *enc = prop(CONF_M_PROPOSAL, "enc-algorithms")->choices;
	const char *const *act = prop(CONF_M_POLICY, "action")->choices;
	const char *const *em = prop(CONF_M_PEER, "exchange-mode")->choices;

	ck_assert_str_eq(dh[0], "modp768");
	ck_assert_str_eq(dh[2], "ec2n155");
	ck_assert_str_eq(dh[12], "ecp521");
	ck_assert_str_eq(dh[13], "curve25519");
	ck_assert_ptr_null(dh[14]);
	ck_assert_str_eq(enc[0], "null");
	ck_assert_str_eq(enc[16], "twofish");
	ck_assert_ptr_null(enc[17]);
	ck_assert_str_eq(act[0], "discard");
	ck_assert_str_eq(act[2], "none");
	ck_assert_str_eq(em[3], "ike2");
}
END_TEST

/* --- RouterOS v7 defaults (seed 001) --- */

START_TEST(test_v7_defaults_proposal_profile)
{
	check_def(CONF_M_PROPOSAL, "enc-algorithms", "aes-256-cbc,aes-192-cbc,aes-128-cbc");
	check_def(CONF_M_PROPOSAL, "auth-algorithms", "sha1");
	check_def(CONF_M_PROPOSAL, "lifetime", "30m");
	check_def(CONF_M_PROPOSAL, "pfs-group", "modp1024");
	check_def(CONF_M_PROFILE, "dh-group", "modp1024,modp2048");
	check_def(CONF_M_PROFILE, "enc-algorithm", "aes-128");
	check_def(CONF_M_PROFILE, "hash-algorithm", "sha1");
	check_def(CONF_M_PROFILE, "lifetime", "1d");
	check_def(CONF_M_PROFILE, "lifebytes", "0");
	check_def(CONF_M_PROFILE, "dpd-interval", "2m");
	check_def(CONF_M_PROFILE, "dpd-maximum-failures", "5");
	check_def(CONF_M_PROFILE, "nat-traversal", "yes");
	check_def(CONF_M_PROFILE, "proposal-check", "obey");
}
END_TEST

START_TEST(test_v7_defaults_peer_identity)
{
	check_def(CONF_M_PEER, "exchange-mode", "main");
	check_def(CONF_M_PEER, "port", "500");
	check_def(CONF_M_PEER, "passive", "no");
	check_def(CONF_M_PEER, "send-initial-contact", "yes");
	check_def(CONF_M_PEER, "profile", "default");
	check_def(CONF_M_PEER, "address", "0.0.0.0/0");
	check_def(CONF_M_PEER, "local-address", NULL);
	check_def(CONF_M_IDENTITY, "auth-method", "pre-shared-key");
	check_def(CONF_M_IDENTITY, "generate-policy", "no");
	check_def(CONF_M_IDENTITY, "my-id", "auto");
	check_def(CONF_M_IDENTITY, "remote-id", "auto");
	check_def(CONF_M_IDENTITY, "match-by", "remote-id");
	check_def(CONF_M_IDENTITY, "eap-methods", "eap-tls");
	check_def(CONF_M_IDENTITY, "mode-config", "none");
	check_def(CONF_M_IDENTITY, "policy-template-group", "default");
	check_def(CONF_M_IDENTITY, "secret", NULL);
	/* v6 defaults where they differ from v7's */
	check_def(CONF_M_PEER, "nat-traversal", "no");
	check_def(CONF_M_PEER, "dh-group", "modp1024");
}
END_TEST

START_TEST(test_v7_defaults_policy)
{
	check_def(CONF_M_POLICY, "action", "encrypt");
	check_def(CONF_M_POLICY, "level", "require");
	check_def(CONF_M_POLICY, "ipsec-protocols", "esp");
	check_def(CONF_M_POLICY, "protocol", "all");
	check_def(CONF_M_POLICY, "tunnel", "no");
	check_def(CONF_M_POLICY, "template", "no");
	check_def(CONF_M_POLICY, "src-address", "0.0.0.0/32");
	check_def(CONF_M_POLICY, "dst-address", "0.0.0.0/32");
	check_def(CONF_M_POLICY, "src-port", "any");
	check_def(CONF_M_POLICY, "dst-port", "any");
	check_def(CONF_M_POLICY, "group", "default");
	check_def(CONF_M_POLICY, "proposal", "default");
	check_def(CONF_M_POLICY, "peer", NULL);
	check_def(CONF_M_POLICY, "priority", "0");
	check_def(CONF_M_POLICY, "manual-sa", "none");
	check_def(CONF_M_POLICY, "sa-src-address", "::");
	check_def(CONF_M_POLICY, "sa-dst-address", "::");
}
END_TEST

START_TEST(test_v7_defaults_others)
{
	check_def(CONF_M_MODE_CONFIG, "responder", "no");
	check_def(CONF_M_MODE_CONFIG, "address-pool", NULL);
	check_def(CONF_M_MODE_CONFIG, "address-prefix-length", NULL);
	check_def(CONF_M_MODE_CONFIG, "split-include", NULL);
	check_def(CONF_M_MODE_CONFIG, "static-dns", NULL);
	check_def(CONF_M_MODE_CONFIG, "system-dns", NULL);
	check_def(CONF_M_MODE_CONFIG, "src-address-list", NULL);
	check_def(CONF_M_MANUAL_SA, "ah-algorithm", "null");
	check_def(CONF_M_MANUAL_SA, "esp-enc-algorithm", "null");
	check_def(CONF_M_MANUAL_SA, "ah-spi", "0x100");
	check_def(CONF_M_MANUAL_SA, "lifetime", "0s");
	check_def(CONF_M_RADIUS, "authentication-port", "1812");
	check_def(CONF_M_RADIUS, "accounting-port", "1813");
	check_def(CONF_M_RADIUS, "timeout", "300ms"); /* RouterOS: time, 300ms */
	check_def(CONF_M_SETTINGS, "accounting", NULL);
	check_def(CONF_M_SETTINGS, "xauth-use-radius", NULL);
	ck_assert(in_list(prop(CONF_M_RADIUS, "service")->choices, "ipsec", 5));
}
END_TEST

START_TEST(test_runtime_fields)
{
	static const char *const isa[] = {"AH",
					  "ESP",
					  "add-lifetime",
					  "addtime",
					  "auth-algorithm",
					  "auth-key",
					  "current-bytes",
					  "dst-address",
					  "enc-algorithm",
					  "enc-key",
					  "enc-key-size",
					  "expires-in",
					  "hw-aead",
					  "replay",
					  "spi",
					  "src-address",
					  "state",
					  NULL};
	static const char *const ap[] = {
		"dynamic-address", "last-seen", "local-address", "natt-peer",  "ph2-total",
		"remote-address",  "responder", "rx-bytes",	 "rx-packets", "side",
		"state",	   "tx-bytes",	"tx-packets",	 "uptime",     NULL};

	for (size_t i = 0; isa[i]; i++)
		ck_assert_msg(prop(CONF_M_INSTALLED_SA, isa[i]) != NULL, "installed-sa %s", isa[i]);
	for (size_t i = 0; ap[i]; i++)
		ck_assert_msg(prop(CONF_M_ACTIVE_PEERS, ap[i]) != NULL, "active-peers %s", ap[i]);
	ck_assert_uint_eq(conf_menus[CONF_M_STATISTICS].nprops, 25 + 9); /* kernel + IKE */
	ck_assert_ptr_nonnull(prop(CONF_M_STATISTICS, "ike-half-open-peak"));
	ck_assert_ptr_nonnull(prop(CONF_M_STATISTICS, "in-template-mismatches"));
	ck_assert(prop(CONF_M_POLICY, "ph2-state")->flags & CONF_F_RO);
	ck_assert(prop(CONF_M_PEER, "dynamic")->flags & CONF_F_RO);
	ck_assert(prop(CONF_M_PROPOSAL, "default")->flags & CONF_F_RO);
}
END_TEST

static Suite *menus_suite(void)
{
	Suite *s = suite_create("menus");
	TCase *shape = tcase_create("shape");
	TCase *values = tcase_create("values");
	TCase *defaults = tcase_create("v7-defaults");

	tcase_add_test(shape, test_menu_paths);
	tcase_add_test(shape, test_by_path);
	tcase_add_test(shape, test_nprops);
	tcase_add_test(shape, test_indexes);
	tcase_add_test(shape, test_props_named_unique);
	tcase_add_test(shape, test_name_prop);
	tcase_add_test(shape, test_menu_flags);
	tcase_add_test(shape, test_readonly_placement);
	tcase_add_test(values, test_enum_defaults);
	tcase_add_test(values, test_scalar_defaults);
	tcase_add_test(values, test_refs);
	tcase_add_test(values, test_secrets);
	tcase_add_test(values, test_weak);
	tcase_add_test(values, test_aliases);
	tcase_add_test(values, test_builtins);
	tcase_add_test(values, test_legacy_peer);
	tcase_add_test(values, test_types);
	tcase_add_test(values, test_choice_order);
	tcase_add_test(defaults, test_v7_defaults_proposal_profile);
	tcase_add_test(defaults, test_v7_defaults_peer_identity);
	tcase_add_test(defaults, test_v7_defaults_policy);
	tcase_add_test(defaults, test_v7_defaults_others);
	tcase_add_test(defaults, test_runtime_fields);
	suite_add_tcase(s, shape);
	suite_add_tcase(s, values);
	suite_add_tcase(s, defaults);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(menus_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
