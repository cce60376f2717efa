/* validate: checks across items, after a whole script has run and before anything is
 * applied: references, address families, what each authentication method needs, key
 * lengths of manual SAs, duplicate policies and overlapping pools. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>

#include "internal.h"

struct vctx {
	struct conf *c;
	struct conf_diags *ds;
	const struct conf_locmap *lm;
};

static void verr(struct vctx *v, enum conf_sev sev, const struct conf_item *it, int prop,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void verr(struct vctx *v, enum conf_sev sev, const struct conf_item *it, int prop,
		 const char *fmt, ...)
{
	struct conf_loc l = conf_loc_find(v->lm, it, prop);
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	conf_diag_add(v->ds, sev, l.file, l.line, l.col, "%s", buf);
}

static void names_of(const struct conf *c, enum conf_menu_id m, struct strbuf *out)
{
	size_t n = conf_count(c, m);
	int np = conf_menus[m].name_prop;

	for (size_t i = 0; i < n && i < 8 && np >= 0; i++)
		sb_printf(out, "%s%s", i ? ", " : "", conf_item_at(c, m, i)->v[np].s);
	if (n > 8)
		sb_puts(out, ", ...");
	if (n == 0)
		sb_puts(out, "none");
}

static void check_refs(struct vctx *v, const struct conf_item *it)
{
	const struct conf_menu *m = it->menu;

	for (size_t p = 0; p < m->nprops; p++) {
		const struct conf_prop *prop = &m->props[p];
		const char *name = it->v[p].s;

		/* "none" is how RouterOS writes an empty reference */
		if (prop->type != CONF_T_REF || (prop->flags & CONF_F_LEGACY) || !name || !*name ||
		    !strcmp(name, "none"))
			continue;
		if (conf_find(v->c, prop->ref, name))
			continue;
		struct strbuf msg = STRBUF_INIT;

		sb_printf(&msg, "%s=%s: no such %s", prop->name, name, conf_menus[prop->ref].path);
		const char *names[64];
		size_t n = 0;
		int np = conf_menus[prop->ref].name_prop;

		for (size_t i = 0; np >= 0 && i < conf_count(v->c, prop->ref) && n < 63; i++)
			names[n++] = conf_item_at(v->c, prop->ref, i)->v[np].s;
		names[n] = NULL;
		const char *s = conf_suggest(name, names);

		if (s)
			sb_printf(&msg, " (did you mean %s?)", s);
		sb_puts(&msg, "; defined: ");
		names_of(v->c, prop->ref, &msg);
		verr(v, CONF_ERROR, it, (int)p, "%s", sb_str(&msg));
		sb_free(&msg);
	}
}

static bool has_prefix(const struct conf_item *it, int p)
{
	return it->v[p].a.family != 0;
}

static void same_family(struct vctx *v, const struct conf_item *it, int a, int b)
{
	const struct conf_addr *x = &it->v[a].a, *y = &it->v[b].a;

	if (!has_prefix(it, a) || !has_prefix(it, b) || x->family == y->family)
		return;
	/* a property left at its default follows the other one's family */
	if (!conf_is_set(it, a) || !conf_is_set(it, b))
		return;
	verr(v, CONF_ERROR, it, b, "%s and %s must be of the same address family",
	     it->menu->props[a].name, it->menu->props[b].name);
}

static const char *choice(const struct conf_item *it, int p)
{
	return it->menu->props[p].choices[it->v[p].i];
}

/* Unset text or reference ("none" is how RouterOS writes an empty reference). */
static bool empty(const struct conf_item *it, int p)
{
	return !it->v[p].s || !*it->v[p].s || !strcmp(it->v[p].s, "none");
}

/* An identity whose auth-method its peer's IKE version cannot do: EAP is IKEv2's (RFC
 * 7296 2.16), hybrid authentication IKEv1's (draft-ietf-ipsec-isakmp-hybrid-auth); the
 * engine would fail every negotiation. A warning: the peer's exchange-mode may change. */
static void check_identity_version(struct vctx *v, const struct conf_item *it, const char *am)
{
	const struct conf_item *peer =
		empty(it, CONF_IDENTITY_PEER)
			? NULL
			: conf_find(v->c, CONF_M_PEER, conf_str(it, CONF_IDENTITY_PEER));
	const char *mode = peer ? choice(peer, CONF_PEER_EXCHANGE_MODE) : "";
	bool v2 = !strcmp(mode, "ike2");

	if (peer && !v2 && !strncmp(am, "eap", 3))
		verr(v, CONF_WARNING, it, CONF_IDENTITY_AUTH_METHOD,
		     "auth-method=%s is IKEv2's: peer %s uses exchange-mode=%s (IKEv1), which "
		     "authenticates by pre-shared-key, pre-shared-key-xauth, digital-signature, "
		     "rsa-key or rsa-signature-hybrid; every negotiation of this identity fails",
		     am, conf_str(peer, CONF_PEER_NAME), mode);
	else if (peer && v2 && !strcmp(am, "rsa-signature-hybrid"))
		verr(v, CONF_WARNING, it, CONF_IDENTITY_AUTH_METHOD,
		     "auth-method=%s is IKEv1's: peer %s uses exchange-mode=ike2; every "
		     "negotiation of this identity fails",
		     am, conf_str(peer, CONF_PEER_NAME));
}

/* auth-method=eap: eap-tls needs our certificate, the others a user name (seed 001,
 * eap-methods). */
static void check_eap_methods(struct vctx *v, const struct conf_item *it)
{
	const struct conf_list *l = conf_enums(it, CONF_IDENTITY_EAP_METHODS);
	const char *const *names = it->menu->props[CONF_IDENTITY_EAP_METHODS].choices;

	for (uint32_t i = 0; l && i < l->n; i++) {
		const char *m = names[l->v[i]];

		if (!strcmp(m, "eap-tls") && empty(it, CONF_IDENTITY_CERTIFICATE)) {
			verr(v, CONF_ERROR, it, CONF_IDENTITY_EAP_METHODS,
			     "eap-methods=eap-tls needs certificate= (with its private key)");
			return;
		}
		if (strcmp(m, "eap-tls") && empty(it, CONF_IDENTITY_USERNAME)) {
			verr(v, CONF_ERROR, it, CONF_IDENTITY_AUTH_METHOD,
			     "auth-method=eap with eap-methods=%s needs username= (and password=)",
			     m);
			return;
		}
	}
}

/* What each authentication method cannot do without (seed 001, identity). */
static void check_identity(struct vctx *v, const struct conf_item *it)
{
	const char *am = choice(it, CONF_IDENTITY_AUTH_METHOD);

	if (!strncmp(am, "pre-shared-key", 14) && empty(it, CONF_IDENTITY_SECRET))
		verr(v, CONF_ERROR, it, CONF_IDENTITY_AUTH_METHOD,
		     "auth-method=%s needs secret=", am);
	else if (!strcmp(am, "digital-signature") && empty(it, CONF_IDENTITY_CERTIFICATE))
		verr(v, CONF_ERROR, it, CONF_IDENTITY_AUTH_METHOD,
		     "auth-method=%s needs certificate=", am);
	else if (!strcmp(am, "rsa-key") &&
		 (empty(it, CONF_IDENTITY_KEY) || empty(it, CONF_IDENTITY_REMOTE_KEY)))
		verr(v, CONF_ERROR, it, CONF_IDENTITY_AUTH_METHOD,
		     "auth-method=%s needs key= and remote-key=", am);
	else if (!strcmp(am, "eap"))
		check_eap_methods(v, it);
	check_identity_version(v, it, am);
}

static void check_peer(struct vctx *v, const struct conf_item *it)
{
	same_family(v, it, CONF_PEER_ADDRESS, CONF_PEER_LOCAL_ADDRESS);
}

static void check_settings(struct vctx *v, const struct conf_item *it)
{
	int64_t frag = conf_int(it, CONF_SETTINGS_IKE_FRAGMENT_SIZE);

	/* RFC 7383 2.5.1: 576 bytes is the smallest datagram IPv4 must carry */
	if (frag > 0 && frag < 576)
		verr(v, CONF_ERROR, it, CONF_SETTINGS_IKE_FRAGMENT_SIZE,
		     "ike-fragment-size: %lld is below the 576 bytes every IPv4 path carries; "
		     "valid: 0 (no fragmentation) or 576..65535",
		     (long long)frag);
}

/* Bytes a manual-SA key gives: 0x-hex or the text itself. Returns -1 for bad hex. */
static long key_bytes(const char *k)
{
	if (!k)
		return 0;
	if (k[0] == '0' && (k[1] == 'x' || k[1] == 'X')) {
		size_t n = strlen(k + 2);

		for (size_t i = 0; i < n; i++)
			if (!strchr("0123456789abcdefABCDEF", k[2 + i]))
				return -1;
		return n % 2 ? -1 : (long)(n / 2);
	}
	return (long)strlen(k);
}

/* Key length in bytes for an algorithm name; 0 = no key; -1 = any. */
static long alg_key_len(const char *alg)
{
	static const struct {
		const char *name;
		long len;
	} t[] = {{"null", 0},	      {"none", 0},	    {"md5", 16},
		 {"sha1", 20},	      {"sha256", 32},	    {"sha512", 64},
		 {"des", 8},	      {"3des", 24},	    {"aes-128", 16},
		 {"aes-192", 24},     {"aes-256", 32},	    {"aes-128-cbc", 16},
		 {"aes-192-cbc", 24}, {"aes-256-cbc", 32},  {"blowfish", -1},
		 {"twofish", -1},     {"camellia-128", 16}, {"camellia-192", 24},
		 {"camellia-256", 32}};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(t[i].name, alg))
			return t[i].len;
	return -1;
}

static void check_one_key(struct vctx *v, const struct conf_item *it, int key_p, const char *alg,
			  long want, long have);

static void check_key(struct vctx *v, const struct conf_item *it, int alg_p, int key_p)
{
	const char *alg = choice(it, alg_p);
	long want = alg_key_len(alg);
	const char *all = it->v[key_p].s;

	if (!all || !*all)
		return;
	/* IN/OUT keys, or one key for both directions */
	char *keys = xstrdup(all), *save = NULL;
	size_t len = strlen(keys);

	for (char *key = strtok_r(keys, "/", &save); key; key = strtok_r(NULL, "/", &save))
		check_one_key(v, it, key_p, alg, want, key_bytes(key));
	OPENSSL_cleanse(keys, len);
	free(keys);
}

static void check_one_key(struct vctx *v, const struct conf_item *it, int key_p, const char *alg,
			  long want, long have)
{
	char buf[160];

	if (have < 0) {
		verr(v, CONF_ERROR, it, key_p,
		     "%s: bad hex key (0x followed by an even number of hex digits)",
		     it->menu->props[key_p].name);
		return;
	}
	if (want == 0 && have > 0) {
		verr(v, CONF_WARNING, it, key_p, "%s: %s uses no key; the key is ignored",
		     it->menu->props[key_p].name, alg);
		return;
	}
	if (want >= 0 && have != want) {
		snprintf(buf, sizeof(buf),
			 "%s needs a %ld-byte key (%ld hex digits), got %ld bytes", alg, want,
			 want * 2, have);
		verr(v, CONF_ERROR, it, key_p, "%s: %s", it->menu->props[key_p].name, buf);
	}
}

static void check_manual_sa(struct vctx *v, const struct conf_item *it)
{
	check_key(v, it, CONF_MANUALSA_AH_ALGORITHM, CONF_MANUALSA_AH_KEY);
	check_key(v, it, CONF_MANUALSA_ESP_AUTH_ALGORITHM, CONF_MANUALSA_ESP_AUTH_KEY);
	check_key(v, it, CONF_MANUALSA_ESP_ENC_ALGORITHM, CONF_MANUALSA_ESP_ENC_KEY);
}

static void check_policy(struct vctx *v, struct conf_item *it)
{
	same_family(v, it, CONF_POLICY_SRC_ADDRESS, CONF_POLICY_DST_ADDRESS);
	same_family(v, it, CONF_POLICY_SA_SRC_ADDRESS, CONF_POLICY_SA_DST_ADDRESS);
	if (conf_bool(it, CONF_POLICY_TEMPLATE) || conf_bool(it, CONF_POLICY_DISABLED))
		return;
	if (!strcmp(choice(it, CONF_POLICY_ACTION), "encrypt") && empty(it, CONF_POLICY_PEER) &&
	    empty(it, CONF_POLICY_MANUAL_SA))
		verr(v, CONF_WARNING, it, -1,
		     "policy with action=encrypt has no peer= (nor manual-sa=): nothing can "
		     "negotiate its SAs");
	const struct conf_item *peer =
		empty(it, CONF_POLICY_PEER)
			? NULL
			: conf_find(v->c, CONF_M_PEER, conf_str(it, CONF_POLICY_PEER));
	const struct conf_list *protos = conf_enums(it, CONF_POLICY_IPSEC_PROTOCOLS);

	/* RFC 7296 dropped IKEv1's protocol bundles: one CHILD SA is ESP or AH */
	if (peer && !strcmp(choice(peer, CONF_PEER_EXCHANGE_MODE), "ike2") && protos &&
	    protos->n > 1)
		verr(v, CONF_ERROR, it, CONF_POLICY_IPSEC_PROTOCOLS,
		     "ipsec-protocols=esp,ah needs IKEv1: peer %s uses exchange-mode=ike2, which "
		     "negotiates either esp or ah",
		     conf_str(peer, CONF_PEER_NAME));
	int64_t sp = conf_int(it, CONF_POLICY_SRC_PORT), dp = conf_int(it, CONF_POLICY_DST_PORT);
	int64_t proto = conf_int(it, CONF_POLICY_PROTOCOL);

	if ((sp >= 0 || dp >= 0) && proto != 6 && proto != 17 && proto != 132 && proto != 33 &&
	    proto != 136)
		verr(v, CONF_ERROR, it, sp >= 0 ? CONF_POLICY_SRC_PORT : CONF_POLICY_DST_PORT,
		     "ports need protocol=tcp, udp, sctp, dccp or udp-lite");
}

/* One range of a /ip pool item, for the overlap check. */
struct pool_range {
	const struct conf_item *pool;
	size_t order; /* the item's place in the menu */
	const struct conf_range *r;
};

static int range_cmp(const void *a, const void *b)
{
	const struct conf_range *x = ((const struct pool_range *)a)->r;
	const struct conf_range *y = ((const struct pool_range *)b)->r;

	if (x->lo.family != y->lo.family)
		return x->lo.family < y->lo.family ? -1 : 1;
	return memcmp(x->lo.bytes, y->lo.bytes, 16);
}

static void pool_overlap(struct vctx *v, const struct pool_range *a, const struct pool_range *b)
{
	const struct pool_range *later = a->order > b->order ? a : b;
	const struct pool_range *other = later == a ? b : a;
	struct strbuf addr = STRBUF_INIT;

	/* b starts inside a: its first address is in both */
	conf_addr_format(&b->r->lo, false, &addr);
	if (a->pool == b->pool)
		verr(v, CONF_ERROR, later->pool, CONF_POOL_RANGES,
		     "ranges: %s is in two of this pool's ranges", sb_str(&addr));
	else
		verr(v, CONF_ERROR, later->pool, CONF_POOL_RANGES,
		     "ranges: %s is also in pool %s; an address belongs to one pool", sb_str(&addr),
		     conf_str(other->pool, CONF_POOL_NAME));
	sb_free(&addr);
}

/* No address in two /ip pool ranges, of one pool or of two: sorted by start, a range
 * overlaps an earlier one exactly when it starts before the furthest end seen. */
static void check_pool_overlaps(struct vctx *v)
{
	size_t n = 0, k = 0, np = conf_count(v->c, CONF_M_POOL);

	for (size_t i = 0; i < np; i++) {
		const struct conf_ranges *rg =
			conf_item_at(v->c, CONF_M_POOL, i)->v[CONF_POOL_RANGES].rng;

		n += rg ? rg->n : 0;
	}
	struct pool_range *all = xcalloc(n + 1, sizeof(*all));

	for (size_t i = 0; i < np; i++) {
		const struct conf_item *it = conf_item_at(v->c, CONF_M_POOL, i);
		const struct conf_ranges *rg = it->v[CONF_POOL_RANGES].rng;

		for (uint32_t j = 0; rg && j < rg->n; j++)
			all[k++] = (struct pool_range){it, i, &rg->r[j]};
	}
	qsort(all, n, sizeof(*all), range_cmp);
	for (size_t i = 1, far = 0; i < n; i++) {
		const struct conf_range *f = all[far].r, *r = all[i].r;

		if (f->lo.family == r->lo.family && memcmp(r->lo.bytes, f->hi.bytes, 16) <= 0)
			pool_overlap(v, &all[far], &all[i]);
		if (f->lo.family != r->lo.family || memcmp(r->hi.bytes, f->hi.bytes, 16) > 0)
			far = i;
	}
	free(all);
}

/* The checks of one item on its own and against what it refers to. */
static void check_item(struct vctx *v, struct conf_item *it)
{
	check_refs(v, it);
	switch (it->menu->id) {
	case CONF_M_IDENTITY:
		check_identity(v, it);
		break;
	case CONF_M_PEER:
		check_peer(v, it);
		break;
	case CONF_M_SETTINGS:
		check_settings(v, it);
		break;
	case CONF_M_MANUAL_SA:
		check_manual_sa(v, it);
		break;
	case CONF_M_POLICY:
		check_policy(v, it);
		break;
	default:
		break;
	}
}

int conf_validate_at(struct conf *c, struct conf_diags *ds, const struct conf_locmap *lm)
{
	struct vctx v = {c, ds, lm};
	size_t before = ds->nerrors;

	for (int m = 0; m < CONF_M_COUNT; m++)
		for (size_t i = 0; i < conf_count(c, (enum conf_menu_id)m); i++)
			check_item(&v, conf_item_at(c, (enum conf_menu_id)m, i));
	conf_dups_check(c, ds, lm);
	check_pool_overlaps(&v);
	conf_check_unsupported(c, ds, lm);
	return ds->nerrors > before ? -EINVAL : 0;
}

/* --- a change's validation --- */

/* Marks an item checked by this validation (journal bit), once. */
#define CHECKED 0x80

static void check_once(struct vctx *v, struct conf_item *it, struct conf_item ***list, size_t *n)
{
	if (it->journal & CHECKED)
		return;
	it->journal |= CHECKED;
	*list = xrealloc(*list, (*n + 1) * sizeof(**list));
	(*list)[(*n)++] = it;
	check_item(v, it);
}

/* The items that refer by name to `name` of menu m: their references and the checks that
 * depend on what they refer to (a policy on its peer's exchange-mode). */
static void check_referrers(struct vctx *v, enum conf_menu_id m, const char *name,
			    struct conf_item ***list, size_t *n)
{
	for (int mm = 0; mm < CONF_M_COUNT; mm++) {
		const struct conf_menu *menu = &conf_menus[mm];

		for (size_t p = 0; p < menu->nprops; p++) {
			const struct conf_prop *prop = &menu->props[p];

			if (prop->type != CONF_T_REF || prop->ref != m ||
			    (prop->flags & CONF_F_LEGACY))
				continue;
			for (size_t i = 0; i < conf_count(v->c, (enum conf_menu_id)mm); i++) {
				struct conf_item *it = conf_item_at(v->c, (enum conf_menu_id)mm, i);

				if (it->v[p].s && !strcmp(it->v[p].s, name))
					check_once(v, it, list, n);
			}
		}
	}
}

static const char *name_of(const struct conf_item *it)
{
	return it->menu->name_prop >= 0 ? it->v[it->menu->name_prop].s : NULL;
}

/* Does a change from old to it matter to the items that refer to it? Its name, and for a
 * peer its exchange-mode (check_policy). */
static bool referrers_affected(const struct conf_item *old, const struct conf_item *it)
{
	const char *a = name_of(old), *b = it ? name_of(it) : NULL;

	if (!it || !a || !b || strcmp(a, b))
		return true;
	return it->menu->id == CONF_M_PEER &&
	       conf_int(old, CONF_PEER_EXCHANGE_MODE) != conf_int(it, CONF_PEER_EXCHANGE_MODE);
}

int conf_validate_change(struct conf *c, struct conf_diags *ds, const struct conf_locmap *lm)
{
	struct vctx v = {c, ds, lm};
	struct conf_changes *ch = c->jl;
	size_t before = ds->nerrors, n = ch->n, nchecked = 0;
	struct conf_item **checked = NULL;
	bool policies = false, pools = false;

	for (size_t i = 0; i < n; i++) {
		struct conf_jent *e = &ch->e[i];
		bool in_model = conf_item_index(c, e->it) != (size_t)-1;
		const struct conf_item *old = e->what == CONF_CHANGED ? e->old : e->it;

		policies |= e->it->menu->id == CONF_M_POLICY;
		pools |= e->it->menu->id == CONF_M_POOL;
		if (in_model) {
			check_once(&v, e->it, &checked, &nchecked);
			conf_check_unsupported_item(e->it, ds, lm);
		}
		if (e->what != CONF_ADDED && name_of(old) && *name_of(old) &&
		    referrers_affected(old, in_model ? e->it : NULL))
			check_referrers(&v, e->it->menu->id, name_of(old), &checked, &nchecked);
	}
	for (size_t i = 0; i < nchecked; i++)
		checked[i]->journal &= (uint8_t)~CHECKED;
	free(checked);
	if (policies)
		conf_dups_change(c, ds, lm, n);
	if (pools)
		check_pool_overlaps(&v);
	return ds->nerrors > before ? -EINVAL : 0;
}

int conf_validate(struct conf *c, struct conf_diags *ds)
{
	return conf_validate_at(c, ds, NULL);
}
