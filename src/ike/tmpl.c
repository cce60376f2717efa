/* tmpl: generate-policy. The peer's proposed selectors narrowed (RFC 7296 2.9, through
 * ts.c) against template=yes policies, first template first: each template is our side
 * (src-address, src-port) and the peer's (dst-address, dst-port) with one protocol, the
 * ports kept from the proposal or taken from the template as the identity's
 * generate-policy says, and the peer's side pinned to its mode-config address. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "tmpl.h"
#include "ts.h"

enum ike_gen_mode ike_gen_mode_of(const struct conf_item *identity)
{
	const char *const *choices;
	int64_t i;

	if (!identity)
		return IKE_GEN_NO;
	choices = identity->menu->props[CONF_IDENTITY_GENERATE_POLICY].choices;
	i = conf_int(identity, CONF_IDENTITY_GENERATE_POLICY);
	for (int64_t k = 0; choices && k <= i; k++)
		if (!choices[k])
			return IKE_GEN_NO;
	if (!choices || i < 0)
		return IKE_GEN_NO;
	if (!strcmp(choices[i], "port-strict"))
		return IKE_GEN_PORT_STRICT;
	if (!strcmp(choices[i], "port-override"))
		return IKE_GEN_PORT_OVERRIDE;
	return IKE_GEN_NO;
}

/* --- a template's selectors --- */

/* A template's prefix. Left unset it is every address (the model's default, 0.0.0.0/32,
 * is a plain policy's): of the other prefix's family when that one is set, else IPv4. */
static struct conf_addr tmpl_prefix(const struct conf_item *t, int prop, int other)
{
	struct conf_addr a = *conf_addr(t, prop);

	if (conf_is_set(t, prop))
		return a;
	memset(&a, 0, sizeof(a));
	a.family = conf_is_set(t, other) && conf_addr(t, other)->family == AF_INET6 ? AF_INET6
										    : AF_INET;
	return a;
}

/* Our side and the peer's as the template allows them; false for a template whose two
 * prefixes are of different families (validation refuses it; it matches nothing). */
static bool tmpl_sides(const struct conf_item *t, struct ikev2_ts *local, struct ikev2_ts *remote)
{
	struct conf_addr src = tmpl_prefix(t, CONF_POLICY_SRC_ADDRESS, CONF_POLICY_DST_ADDRESS);
	struct conf_addr dst = tmpl_prefix(t, CONF_POLICY_DST_ADDRESS, CONF_POLICY_SRC_ADDRESS);
	int proto = (int)conf_int(t, CONF_POLICY_PROTOCOL); /* all: -1 */

	ike_ts_from_prefix(local, &src, proto, (int)conf_int(t, CONF_POLICY_SRC_PORT));
	ike_ts_from_prefix(remote, &dst, proto, (int)conf_int(t, CONF_POLICY_DST_PORT));
	return src.family == dst.family;
}

bool ike_tmpl_ts(const struct conf_item *t, struct ikev2_ts_set *local, struct ikev2_ts_set *remote)
{
	memset(local, 0, sizeof(*local));
	memset(remote, 0, sizeof(*remote));
	local->n = remote->n = 1;
	return tmpl_sides(t, &local->ts[0], &remote->ts[0]);
}

/* --- the proposal as each mode sees it --- */

/* Whether ts's ports lie within tmpl's (a template's are one port or all of them).
 * RFC 7296 3.13.1: OPAQUE ports lie within "any" only. */
static bool ports_within(const struct ikev2_ts *ts, const struct ikev2_ts *tmpl)
{
	if (ts->start_port == 65535 && ts->end_port == 0)
		return tmpl->start_port == 0 && tmpl->end_port == 65535;
	return ts->start_port <= ts->end_port && ts->start_port >= tmpl->start_port &&
	       ts->end_port <= tmpl->end_port;
}

/* port-override: the template's ports in place of the proposed ones. port-strict (and
 * "no", which no caller narrows with): the proposed ones, so a TS whose ports the
 * template does not hold is left out. */
static void fit_ports(const struct ikev2_ts_set *theirs, const struct ikev2_ts *tmpl,
		      enum ike_gen_mode mode, struct ikev2_ts_set *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < theirs->n && i < IKEV2_MAX_TS; i++) {
		struct ikev2_ts ts = theirs->ts[i];

		if (mode == IKE_GEN_PORT_OVERRIDE) {
			ts.start_port = tmpl->start_port;
			ts.end_port = tmpl->end_port;
		} else if (!ports_within(&ts, tmpl)) {
			continue;
		}
		out->ts[out->n++] = ts;
	}
}

/* The peer's side of a client given vip: every TS that holds vip, made vip alone (ports
 * and protocol kept); those that do not hold it are left out. */
static void pin_vip(struct ikev2_ts_set *set, const struct net_addr *vip)
{
	bool v6 = vip->family == AF_INET6;
	uint8_t type = v6 ? IKEV2_TS_IPV6_ADDR_RANGE : IKEV2_TS_IPV4_ADDR_RANGE;
	size_t n = v6 ? 16 : 4;
	unsigned kept = 0;

	for (unsigned i = 0; i < set->n; i++) {
		struct ikev2_ts ts = set->ts[i];

		if (ts.type != type || memcmp(ts.start, vip->bytes, n) > 0 ||
		    memcmp(ts.end, vip->bytes, n) < 0)
			continue;
		memcpy(ts.start, vip->bytes, n);
		memcpy(ts.end, vip->bytes, n);
		set->ts[kept++] = ts;
	}
	set->n = (uint8_t)kept;
}

void ike_tmpl_own_address(struct ikev2_ts_set *tsi, const struct net_addr *vip,
			  const struct net_addr *peer)
{
	size_t n = vip->family == AF_INET6 ? 16 : 4;
	uint8_t type = n == 16 ? IKEV2_TS_IPV6_ADDR_RANGE : IKEV2_TS_IPV4_ADDR_RANGE;

	if (vip->family != peer->family || (vip->family != AF_INET && vip->family != AF_INET6))
		return;
	for (unsigned i = 0; i < tsi->n && i < IKEV2_MAX_TS; i++) {
		struct ikev2_ts *ts = &tsi->ts[i];

		if (ts->type == type && !memcmp(ts->start, peer->bytes, n) &&
		    !memcmp(ts->end, peer->bytes, n)) {
			memcpy(ts->start, vip->bytes, n);
			memcpy(ts->end, vip->bytes, n);
		}
	}
}

/* --- one template --- */

/* The first pair, in the narrowed sets' order, whose protocols agree, as one TS each. A
 * packet meets both selectors, so "any" on one side takes the other side's protocol. */
static int first_pair(const struct ikev2_ts_set *l, const struct ikev2_ts_set *r,
		      struct ikev2_ts_set *out_l, struct ikev2_ts_set *out_r)
{
	for (unsigned i = 0; i < l->n; i++)
		for (unsigned j = 0; j < r->n; j++) {
			uint8_t pl = l->ts[i].proto, pr = r->ts[j].proto;

			if (pl && pr && pl != pr)
				continue;
			memset(out_l, 0, sizeof(*out_l));
			memset(out_r, 0, sizeof(*out_r));
			out_l->n = out_r->n = 1;
			out_l->ts[0] = l->ts[i];
			out_r->ts[0] = r->ts[j];
			out_l->ts[0].proto = out_r->ts[0].proto = pl ? pl : pr;
			return 0;
		}
	return -ENOENT;
}

static int try_tmpl(const struct conf_item *t, enum ike_gen_mode mode, const struct net_addr *vip,
		    const struct ikev2_ts_set *theirs_i, const struct ikev2_ts_set *theirs_r,
		    struct ikev2_ts_set *out_local, struct ikev2_ts_set *out_remote)
{
	struct ikev2_ts_set ours_l = {.n = 1}, ours_r = {.n = 1}, their_l, their_r, nl, nr;

	if (!tmpl_sides(t, &ours_l.ts[0], &ours_r.ts[0]))
		return -ENOENT;
	fit_ports(theirs_r, &ours_l.ts[0], mode, &their_l);
	fit_ports(theirs_i, &ours_r.ts[0], mode, &their_r);
	if (vip)
		pin_vip(&their_r, vip);
	if (ike_ts_narrow(&ours_l, &their_l, &nl) < 0 || ike_ts_narrow(&ours_r, &their_r, &nr) < 0)
		return -ENOENT;
	return first_pair(&nl, &nr, out_local, out_remote);
}

/* --- why nothing matched --- */

struct why {
	char *buf;
	size_t len, at; /* at: what the whole text needs so far */
};

static void __attribute__((format(printf, 2, 3))) why_add(struct why *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(w->at < w->len ? w->buf + w->at : NULL, w->at < w->len ? w->len - w->at : 0,
		      fmt, ap);
	va_end(ap);
	if (n > 0)
		w->at += (size_t)n;
}

static void why_set(struct why *w, const struct ikev2_ts_set *set)
{
	char ts[128];

	if (!set->n)
		why_add(w, "(none)");
	for (unsigned i = 0; i < set->n && i < IKEV2_MAX_TS; i++) {
		ike_ts_str(&set->ts[i], ts, sizeof(ts));
		why_add(w, "%s%s", i ? "," : "", ts);
	}
}

/* "proposed TSi === TSr [for vip V]; templates tried: OURS<-THEIRS (group G), ...",
 * ending in "..." when it does not fit. */
static void explain(char *buf, size_t len, const struct conf_item *const *templates, size_t n,
		    const struct net_addr *vip, const struct ikev2_ts_set *theirs_i,
		    const struct ikev2_ts_set *theirs_r)
{
	struct why w = {.buf = buf, .len = len};
	char a[INET6_ADDRSTRLEN], l[128], r[128];
	struct ikev2_ts tl, tr;

	why_add(&w, "proposed ");
	why_set(&w, theirs_i);
	why_add(&w, " === ");
	why_set(&w, theirs_r);
	if (vip && inet_ntop(vip->family, vip->bytes, a, sizeof(a)))
		why_add(&w, " for vip %s", a);
	why_add(&w, n ? "; templates tried: " : "; no template in the group");
	for (size_t i = 0; i < n; i++) {
		tmpl_sides(templates[i], &tl, &tr);
		ike_ts_str(&tl, l, sizeof(l));
		ike_ts_str(&tr, r, sizeof(r));
		why_add(&w, "%s%s<-%s (group %s)", i ? ", " : "", l, r,
			conf_str(templates[i], CONF_POLICY_GROUP));
	}
	if (w.at >= len && len > 3)
		memcpy(buf + len - 4, "...", 4);
}

int ike_tmpl_narrow(const struct conf_item *const *templates, size_t n, enum ike_gen_mode mode,
		    const struct net_addr *vip, const struct ikev2_ts_set *theirs_i,
		    const struct ikev2_ts_set *theirs_r, struct ikev2_ts_set *out_local,
		    struct ikev2_ts_set *out_remote, const struct conf_item **which, char *why,
		    size_t why_len)
{
	if (vip && vip->family != AF_INET && vip->family != AF_INET6)
		vip = NULL;
	*which = NULL;
	if (why && why_len)
		why[0] = '\0';
	for (size_t i = 0; i < n; i++)
		if (!try_tmpl(templates[i], mode, vip, theirs_i, theirs_r, out_local, out_remote)) {
			*which = templates[i];
			return 0;
		}
	memset(out_local, 0, sizeof(*out_local));
	memset(out_remote, 0, sizeof(*out_remote));
	if (why && why_len)
		explain(why, why_len, templates, n, vip, theirs_i, theirs_r);
	return -ENOENT;
}
