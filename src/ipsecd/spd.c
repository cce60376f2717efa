/* spd: configuration policies and manual SAs -> kernel entries, applied as a difference.
 *
 * Every kernel entry ipsecd wants is described by a key (direction and selector for a
 * policy; destination, protocol and SPI for an SA) and its content. spd_apply() computes
 * the wanted set from the model, leaves alone every entry whose content did not change,
 * updates in place those that did (a policy keeps its index: UPDPOLICY replaces it
 * atomically, so no packet slips through), adds the new ones and deletes the rest.
 *
 * Mapping (DESIGN.md §5): action=encrypt -> templates (ESP inner, AH outer; the first in
 * tunnel mode when tunnel=yes); none -> allow without template; discard -> block; tunnel
 * mode adds a fwd policy; order -> priority SPD_PRIO_BASE + rank, rank by v6 `priority`
 * (higher first) then position. Disabled, template and invalid policies are left out. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "ipsecd/hash.h"
#include "ipsecd/log.h"
#include "ipsecd/strbuf.h"
#include "spd_internal.h"

struct spd *spd_new(struct kern *k)
{
	struct spd *s = xcalloc(1, sizeof(*s));

	s->k = k;
	s->next_reqid = 1;
	return s;
}

/* --- keys and names --- */

static void sel_key(const struct kern_sel *sel, enum kern_dir dir, char *buf)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	inet_ntop(sel->family, sel->src, a, sizeof(a));
	inet_ntop(sel->family, sel->dst, b, sizeof(b));
	snprintf(buf, KEY_LEN, "P%s %s/%u:%u > %s/%u:%u p%u", kern_dir_name(dir), a, sel->src_plen,
		 sel->sport, b, sel->dst_plen, sel->dport, sel->proto);
}

void spd_sa_key(const struct kern_sa_id *id, char *buf)
{
	char a[INET6_ADDRSTRLEN];

	snprintf(buf, KEY_LEN, "S%s %s 0x%08x", kern_proto_name(id->proto),
		 kern_addr_str(&id->dst, a, sizeof(a)), id->spi);
}

/* --- reqids --- */

static uint32_t reqid_for(struct spd *s, const char *name, bool create)
{
	struct reqid_ent *r = hash_get(&s->reqids, name);

	if (!r && create) {
		r = xcalloc(1, sizeof(*r));
		r->name = xstrdup(name);
		r->reqid = KERN_REQID_OWN | (s->next_reqid++ & ~KERN_REQID_MASK);
		hash_put(&s->reqids, r->name, r);
	}
	if (r && create)
		r->seen = true;
	return r ? r->reqid : 0;
}

/* --- the model -> wanted entries --- */

static const char *choice(const struct conf_item *it, int prop)
{
	const struct conf_prop *p = &it->menu->props[prop];
	int64_t i = conf_int(it, prop);

	return p->choices && i >= 0 ? p->choices[i] : "";
}

static bool addr_unset(const struct conf_addr *a)
{
	static const uint8_t zero[16];

	return !a->family || !memcmp(a->bytes, zero, 16);
}

static void to_kaddr(struct kern_addr *k, const struct conf_addr *a)
{
	memset(k, 0, sizeof(*k));
	if (addr_unset(a))
		return;
	k->family = a->family;
	memcpy(k->bytes, a->bytes, 16);
}

static void policy_sel(const struct conf_item *it, struct kern_sel *sel)
{
	const struct conf_addr *src = conf_addr(it, CONF_POLICY_SRC_ADDRESS);
	const struct conf_addr *dst = conf_addr(it, CONF_POLICY_DST_ADDRESS);
	int64_t proto = conf_int(it, CONF_POLICY_PROTOCOL);
	int64_t sport = conf_int(it, CONF_POLICY_SRC_PORT);
	int64_t dport = conf_int(it, CONF_POLICY_DST_PORT);

	memset(sel, 0, sizeof(*sel));
	sel->family = src->family;
	memcpy(sel->src, src->bytes, 16);
	memcpy(sel->dst, dst->bytes, 16);
	sel->src_plen = src->plen;
	sel->dst_plen = dst->plen;
	sel->proto = proto < 0 ? 0 : (uint8_t)proto;
	sel->sport = sport < 0 ? 0 : (uint16_t)sport;
	sel->dport = dport < 0 ? 0 : (uint16_t)dport;
}

static struct kern_sel reverse(const struct kern_sel *sel)
{
	struct kern_sel r = *sel;

	memcpy(r.src, sel->dst, 16);
	memcpy(r.dst, sel->src, 16);
	r.src_plen = sel->dst_plen;
	r.dst_plen = sel->src_plen;
	r.sport = sel->dport;
	r.dport = sel->sport;
	return r;
}

/* The tunnel ends: sa-src/dst-address, else the peer's local-address and address. */
static const char *endpoints(const struct conf *c, const struct conf_item *it,
			     struct kern_addr *local, struct kern_addr *remote)
{
	const char *peer = conf_str(it, CONF_POLICY_PEER);
	const struct conf_item *p = peer && *peer ? conf_find(c, CONF_M_PEER, peer) : NULL;

	to_kaddr(local, conf_addr(it, CONF_POLICY_SA_SRC_ADDRESS));
	to_kaddr(remote, conf_addr(it, CONF_POLICY_SA_DST_ADDRESS));
	if (p && !remote->family) {
		const struct conf_addr *a = conf_addr(p, CONF_PEER_ADDRESS);

		if (a->plen != (a->family == AF_INET ? 32 : 128))
			return "the peer's address is a prefix: a tunnel policy needs a fixed far "
			       "end (sa-dst-address), or, for peers that come from anywhere, a "
			       "template=yes policy and generate-policy on their identity";
		to_kaddr(remote, a);
	}
	if (p && !local->family)
		to_kaddr(local, conf_addr(p, CONF_PEER_LOCAL_ADDRESS));
	if (!remote->family)
		return "tunnel mode needs sa-dst-address or a peer with an address";
	return NULL;
}

/* Fills the templates of an encrypt policy (outbound view: local -> remote). */
static void templates(const struct conf_item *it, const struct kern_addr *local,
		      const struct kern_addr *remote, uint32_t reqid, struct kern_sp *out)
{
	const struct conf_list *protos = conf_enums(it, CONF_POLICY_IPSEC_PROTOCOLS);
	const char *level = choice(it, CONF_POLICY_LEVEL);
	bool tunnel = conf_bool(it, CONF_POLICY_TUNNEL);
	bool esp = false, ah = false;

	for (uint32_t i = 0; protos && i < protos->n; i++) {
		const char *p = it->menu->props[CONF_POLICY_IPSEC_PROTOCOLS].choices[protos->v[i]];

		esp |= !strcmp(p, "esp");
		ah |= !strcmp(p, "ah");
	}
	if (!esp && !ah)
		esp = true;
	for (int i = 0; i < 2; i++) {
		if ((i == 0 && !esp) || (i == 1 && !ah))
			continue;
		struct kern_tmpl *t = &out->tmpl[out->ntmpl];

		t->proto = i == 0 ? IPPROTO_ESP : IPPROTO_AH;
		t->tunnel = tunnel && out->ntmpl == 0; /* the outer AH rides the tunnel */
		t->level = !strcmp(level, "use")      ? KERN_LEVEL_USE
			   : !strcmp(level, "unique") ? KERN_LEVEL_UNIQUE
						      : KERN_LEVEL_REQUIRE;
		t->reqid = reqid;
		if (t->tunnel) {
			t->src = *local;
			t->dst = *remote;
		}
		out->ntmpl++;
	}
}

static void add_sp(struct want *w, const struct kern_sp *sp)
{
	w->sp[w->nsp] = *sp;
	sel_key(&sp->sel, sp->dir, w->sp_key[w->nsp]);
	w->nsp++;
}

/* Swaps the ends of every tunnel template: the inbound view. */
static void flip_templates(struct kern_sp *sp)
{
	for (int i = 0; i < sp->ntmpl; i++) {
		struct kern_addr t = sp->tmpl[i].src;

		sp->tmpl[i].src = sp->tmpl[i].dst;
		sp->tmpl[i].dst = t;
	}
}

static int manual_sas(const struct conf *c, const struct conf_item *it,
		      const struct kern_addr *local, const struct kern_addr *remote, uint32_t reqid,
		      struct want *w, const char **why);

const char *spd_want_policy(struct spd *s, const struct conf *c, const struct conf_item *it,
			    unsigned rank, bool create, struct want *w)
{
	const char *action = choice(it, CONF_POLICY_ACTION);
	bool tunnel = conf_bool(it, CONF_POLICY_TUNNEL);
	const char *ms = conf_str(it, CONF_POLICY_MANUAL_SA);
	bool manual = ms && *ms && strcmp(ms, "none");
	struct kern_addr local = {0}, remote = {0};
	const char *why = NULL;
	struct kern_sp sp = {0};

	memset(w, 0, sizeof(*w));
	policy_sel(it, &sp.sel);
	sp.priority = SPD_PRIO_BASE + rank;
	if (!strcmp(action, "discard")) {
		sp.block = true;
	} else if (!strcmp(action, "encrypt")) {
		if ((tunnel || manual) && (why = endpoints(c, it, &local, &remote)))
			return why;
		char name[KEY_LEN + 8];

		if (manual) {
			snprintf(name, sizeof(name), "ms:%s", ms);
		} else {
			snprintf(name, sizeof(name), "sp:");
			sel_key(&sp.sel, KERN_DIR_OUT, name + 3);
		}
		w->reqid = reqid_for(s, name, create);
		templates(it, &local, &remote, w->reqid, &sp);
	}
	sp.dir = KERN_DIR_OUT;
	add_sp(w, &sp);
	struct kern_sp in = sp;

	in.sel = reverse(&sp.sel);
	in.dir = KERN_DIR_IN;
	flip_templates(&in);
	add_sp(w, &in);
	/* Forwarded traffic is checked against fwd policies only: tunnels and exceptions
	 * to them need one; a transport-mode encrypt policy protects this host only. */
	if (tunnel || sp.ntmpl == 0) {
		in.dir = KERN_DIR_FWD;
		add_sp(w, &in);
	}
	if (manual && manual_sas(c, it, &local, &remote, w->reqid, w, &why) < 0)
		return why;
	return NULL;
}

void spd_policy_keys(const struct conf_item *it, char keys[MAX_SP][KEY_LEN])
{
	struct kern_sel sel, in;

	policy_sel(it, &sel);
	in = reverse(&sel);
	sel_key(&sel, KERN_DIR_OUT, keys[0]);
	sel_key(&in, KERN_DIR_IN, keys[1]);
	sel_key(&in, KERN_DIR_FWD, keys[2]);
}

bool spd_policy_skipped(const struct conf_item *it)
{
	return conf_bool(it, CONF_POLICY_DISABLED) || conf_bool(it, CONF_POLICY_TEMPLATE) ||
	       it->invalid;
}

/* --- manual SAs --- */

/* One half ("IN/OUT": half 0 or 1; a single value serves both) of a key: 0x-hex or text. */
static int key_half(const char *all, int half, struct kern_key *out)
{
	const char *slash = all ? strchr(all, '/') : NULL;
	const char *k = all ? all : "";
	size_t n = slash ? (size_t)(slash - all) : strlen(k);

	if (slash && half == 1) {
		k = slash + 1;
		n = strlen(k);
	}
	memset(out, 0, sizeof(*out));
	if (n >= 2 && k[0] == '0' && (k[1] == 'x' || k[1] == 'X')) {
		if ((n - 2) % 2 || (n - 2) / 2 > sizeof(out->bytes))
			return -EINVAL;
		for (size_t i = 0; i < (n - 2) / 2; i++) {
			unsigned v;

			if (sscanf(k + 2 + 2 * i, "%2x", &v) != 1)
				return -EINVAL;
			out->bytes[i] = (uint8_t)v;
		}
		out->len = (uint8_t)((n - 2) / 2);
		return 0;
	}
	if (n > sizeof(out->bytes))
		return -EINVAL;
	memcpy(out->bytes, k, n);
	out->len = (uint8_t)n;
	return 0;
}

static int manual_pair(const struct conf_item *ms, uint8_t proto, const struct kern_addr *local,
		       const struct kern_addr *remote, uint32_t reqid, bool tunnel, struct want *w,
		       const char **why)
{
	bool esp = proto == IPPROTO_ESP;
	int64_t spis = conf_int(ms, esp ? CONF_MANUALSA_ESP_SPI : CONF_MANUALSA_AH_SPI);
	const char *enc = esp ? choice(ms, CONF_MANUALSA_ESP_ENC_ALGORITHM) : NULL;
	const char *auth =
		choice(ms, esp ? CONF_MANUALSA_ESP_AUTH_ALGORITHM : CONF_MANUALSA_AH_ALGORITHM);
	const char *ekeys = esp ? conf_str(ms, CONF_MANUALSA_ESP_ENC_KEY) : NULL;
	const char *akeys = conf_str(ms, esp ? CONF_MANUALSA_ESP_AUTH_KEY : CONF_MANUALSA_AH_KEY);

	for (int half = 0; half < 2; half++) {
		struct kern_sa *sa = &w->sa[w->nsa];

		memset(sa, 0, sizeof(*sa));
		/* half 0 is inbound: from the remote end to us */
		sa->id.dst = half == 0 ? *local : *remote;
		sa->src = half == 0 ? *remote : *local;
		sa->id.proto = proto;
		sa->id.spi = (uint32_t)(half == 0 ? (uint64_t)spis >> 32 : (uint64_t)spis);
		sa->reqid = reqid;
		sa->tunnel = tunnel;
		sa->lft.hard_add = (uint64_t)conf_int(ms, CONF_MANUALSA_LIFETIME);
		if (enc)
			sa->enc = kern_alg_find_kind(enc, KERN_ALG_ENC);
		if (!esp || strcmp(auth, "null"))
			sa->auth = kern_alg_find_kind(auth, KERN_ALG_AUTH);
		if ((sa->enc && key_half(ekeys, half, &sa->enc_key) < 0) ||
		    (sa->auth && key_half(akeys, half, &sa->auth_key) < 0)) {
			*why = "a manual-sa key is not valid";
			return -EINVAL;
		}
		spd_sa_key(&sa->id, w->sa_key[w->nsa]);
		w->nsa++;
	}
	return 0;
}

static int manual_sas(const struct conf *c, const struct conf_item *it,
		      const struct kern_addr *local, const struct kern_addr *remote, uint32_t reqid,
		      struct want *w, const char **why)
{
	const struct conf_item *ms =
		conf_find(c, CONF_M_MANUAL_SA, conf_str(it, CONF_POLICY_MANUAL_SA));

	if (!ms || conf_bool(ms, CONF_MANUALSA_DISABLED)) {
		*why = "its manual-sa is disabled";
		return -EINVAL;
	}
	if (!local->family || !remote->family) {
		*why = "a manual SA needs both ends: sa-src-address and sa-dst-address";
		return -EINVAL;
	}
	for (int i = 0; i < MAX_SP && i < w->sp[0].ntmpl; i++) {
		const struct kern_tmpl *t = &w->sp[0].tmpl[i];

		if (manual_pair(ms, t->proto, local, remote, reqid, t->tunnel, w, why) < 0)
			return -EINVAL;
	}
	return 0;
}

int spd_policy_sas(const struct spd *s, const struct conf *c, const struct conf_item *policy,
		   struct kern_sa_id *ids, bool *inbound, int max)
{
	struct want w;
	int n = 0;

	if (spd_policy_skipped(policy) ||
	    spd_want_policy((struct spd *)s, c, policy, 0, false, &w)) {
		explicit_bzero(&w, sizeof(w));
		return 0;
	}
	for (int i = 0; i < w.nsa && n < max; i++, n++) {
		ids[n] = w.sa[i].id;
		inbound[n] = i % 2 == 0; /* manual_pair() writes the inbound SA first */
	}
	explicit_bzero(&w, sizeof(w));
	return n;
}
