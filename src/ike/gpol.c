/* gpol: the kernel policies generated for CHILD SAs: generate-policy on a gateway (the
 * client's selectors narrowed against a template), and a mode-config client's own (its
 * virtual address to the networks the gateway sends). Version-neutral.
 *
 * A generated policy set (struct ike_gpol) is one selector pair or more sharing one reqid;
 * each selector becomes an out and an in policy, and a fwd one in tunnel mode. It lives
 * while a CHILD SA holds it: a rekeyed CHILD SA's successor takes a hold before the old
 * one lets go, so the kernel never lacks the policy in between. The engine keeps the sets
 * in two tables: by their first index slot (the walk, and the kernel's answers, which may
 * come after a set is gone) and by outbound selector (two sets never claim the same
 * traffic; a static policy with the same selector makes the kernel refuse ours, which is
 * logged and shown).
 *
 * Index slots and reqids are taken from the upper half of ipsecd's index range
 * (KERN_SP_INDEX_OWN, and the same numbers as KERN_REQID_OWN reqids), which the static
 * policies (spd) do not reach before a million of them. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/log.h"
#include "ike_internal.h"

/* an index holds slot << 3 | dir in its low 24 bits: slots below 2^21; spd counts from 0 */
#define GPOL_SLOT_BASE 0x100000u
#define GPOL_SLOT_MAX  0x1fffffu
/* after the static policies (SPD_PRIO_BASE + their rank): the administrator's order wins */
#define GPOL_PRIORITY 30000u

struct ike_gpol {
	struct ike *eng;
	unsigned refs;
	uint32_t reqid;
	uint8_t proto;
	bool tunnel;
	bool failed;		    /* the kernel refused part of it */
	bool nat_local, nat_remote; /* transport mode, that end behind a NAT */
	unsigned pending;
	struct kern_addr local, remote; /* the SA's ends */
	uint32_t ike_serial;
	char *peer;
	char *group;
	uint8_t n;
	uint32_t slot[IKEV2_MAX_TS];
	struct kern_sel sel[]; /* outbound view */
};

/* What a kernel answer needs to find its set again. */
struct gpol_req {
	struct ike *eng;
	uint32_t slot;
};

static uint64_t sel_key(const struct kern_sel *s)
{
	const uint8_t *p = (const uint8_t *)s;
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < sizeof(*s); i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h == 0 || h == UINT64_MAX ? 1 : h;
}

static bool slot_take(struct ike *eng, uint32_t *slot)
{
	if (eng->gp_nfree) {
		*slot = eng->gp_free[--eng->gp_nfree];
		return true;
	}
	if (eng->gp_next > GPOL_SLOT_MAX - GPOL_SLOT_BASE)
		return false;
	*slot = GPOL_SLOT_BASE + eng->gp_next++;
	return true;
}

static void slot_give(struct ike *eng, uint32_t slot)
{
	if (eng->gp_nfree == eng->gp_free_cap) {
		size_t cap = eng->gp_free_cap ? 2 * eng->gp_free_cap : 64;
		uint32_t *f = realloc(eng->gp_free, cap * sizeof(*f));

		if (!f)
			return; /* lost to reuse, not to correctness */
		eng->gp_free = f;
		eng->gp_free_cap = cap;
	}
	eng->gp_free[eng->gp_nfree++] = slot;
}

static void answer(void *arg, int err, const char *msg)
{
	struct gpol_req *r = arg;
	struct ike_gpol *g = ike_tab_get(&r->eng->gpols, r->slot);

	if (g && g->pending)
		g->pending--;
	if (g && err < 0 && !g->failed) {
		char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

		g->failed = true;
		inet_ntop(g->sel[0].family, g->sel[0].src, a, sizeof(a));
		inet_ntop(g->sel[0].family, g->sel[0].dst, b, sizeof(b));
		log_error(LOG_KERNEL, NULL,
			  "generated policy %s/%u -> %s/%u (peer %s) refused by the kernel: %s", a,
			  g->sel[0].src_plen, b, g->sel[0].dst_plen, g->peer,
			  msg ? msg : strerror(-err));
	}
	free(r);
}

/* Transport mode through a NAT (RFC 3947 5.2, RFC 7296 2.23.1): after decapsulation the
 * kernel sees a packet with the addresses it had on the wire, not the private ones the IDs
 * or traffic selectors name (which the selectors keep, for rekeys): in the kernel a host
 * selector for an end behind a NAT is that end's IKE address, ports and protocol kept. */
static struct kern_sel kernel_view(const struct ike_gpol *g, size_t i)
{
	struct kern_sel s = g->sel[i];
	uint8_t host = s.family == AF_INET ? 32 : 128;

	if (g->nat_remote && s.dst_plen == host && g->remote.family == s.family)
		memcpy(s.dst, g->remote.bytes, sizeof(s.dst));
	if (g->nat_local && s.src_plen == host && g->local.family == s.family)
		memcpy(s.src, g->local.bytes, sizeof(s.src));
	return s;
}

static void sp_of(const struct ike_gpol *g, size_t i, enum kern_dir dir, struct kern_sp *sp)
{
	const struct kern_sel s = kernel_view(g, i);
	bool out = dir == KERN_DIR_OUT;

	memset(sp, 0, sizeof(*sp));
	sp->sel = s;
	if (!out) {
		memcpy(sp->sel.src, s.dst, 16);
		memcpy(sp->sel.dst, s.src, 16);
		sp->sel.src_plen = s.dst_plen;
		sp->sel.dst_plen = s.src_plen;
		sp->sel.sport = s.dport;
		sp->sel.dport = s.sport;
	}
	sp->dir = dir;
	sp->priority = GPOL_PRIORITY;
	sp->index = KERN_SP_INDEX_OWN | g->slot[i] << 3 | (uint32_t)dir;
	sp->ntmpl = 1;
	sp->tmpl[0].proto = g->proto;
	sp->tmpl[0].tunnel = g->tunnel;
	sp->tmpl[0].level = KERN_LEVEL_REQUIRE;
	sp->tmpl[0].reqid = g->reqid;
	if (g->tunnel) {
		sp->tmpl[0].src = out ? g->local : g->remote;
		sp->tmpl[0].dst = out ? g->remote : g->local;
	}
}

static void kernel(struct ike_gpol *g, bool add)
{
	struct kern *k = g->eng->d.kern;

	for (size_t i = 0; i < g->n; i++)
		for (int d = KERN_DIR_IN; d <= (g->tunnel ? KERN_DIR_FWD : KERN_DIR_OUT); d++) {
			struct gpol_req *r = add ? malloc(sizeof(*r)) : NULL;
			struct kern_sp sp;

			sp_of(g, i, (enum kern_dir)d, &sp);
			if (!add) {
				free(r);
				kern_sp_del(k, &sp, NULL, NULL);
			} else if (!r) {
				g->failed = true;
			} else {
				r->eng = g->eng;
				r->slot = g->slot[0];
				g->pending++;
				kern_sp_add(k, &sp, false, answer, r);
			}
		}
	kern_commit(k);
}

static void to_kaddr(struct kern_addr *k, const struct net_addr *a)
{
	k->family = a->family;
	memcpy(k->bytes, a->bytes, sizeof(k->bytes));
}

/* Whether a set other than except has the outbound selector s. */
static struct ike_gpol *claimed(struct ike *eng, const struct kern_sel *s)
{
	struct ike_gpol *o = ike_tab_get(&eng->gp_sels, sel_key(s));

	for (size_t i = 0; o && i < o->n; i++)
		if (!memcmp(&o->sel[i], s, sizeof(*s)))
			return o;
	return NULL;
}

static void unindex(struct ike_gpol *g, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (ike_tab_get(&g->eng->gp_sels, sel_key(&g->sel[i])) == g)
			ike_tab_del(&g->eng->gp_sels, sel_key(&g->sel[i]));
		slot_give(g->eng, g->slot[i]);
	}
}

struct ike_gpol *ike_gpol_new(struct ike_sa *sa, const struct kern_sel *sels, size_t n, bool tunnel,
			      uint8_t proto, const char *group)
{
	struct ike *eng = sa->eng;
	struct ike_gpol *g;
	size_t i;

	if (!n || n > IKEV2_MAX_TS)
		return NULL;
	for (i = 0; i < n; i++) {
		struct ike_gpol *o = claimed(eng, &sels[i]);

		if (!o)
			continue;
		/* the same client's again (an IKEv1 quick mode rekeys without saying which
		 * SA it replaces): the new SA shares the policies */
		if (n == 1 && o->n == 1 && o->ike_serial == sa->serial && o->tunnel == tunnel &&
		    o->proto == proto) {
			o->refs++;
			return o;
		}
		log_info(LOG_IKE, sa->ctx,
			 "generated policy would take the traffic of another client's: refused");
		return NULL;
	}
	g = calloc(1, sizeof(*g) + n * sizeof(g->sel[0]));
	if (!g)
		return NULL;
	g->eng = eng;
	g->refs = 1;
	g->proto = proto;
	g->tunnel = tunnel;
	g->nat_local = !tunnel && sa->nat_here;
	g->nat_remote = !tunnel && sa->nat_there;
	g->ike_serial = sa->serial;
	to_kaddr(&g->local, &sa->local);
	to_kaddr(&g->remote, &sa->remote);
	g->peer = strdup(sa->peer ? sa->peer : "");
	g->group = strdup(group ? group : "");
	memcpy(g->sel, sels, n * sizeof(*sels));
	for (i = 0; i < n; i++)
		if (!slot_take(eng, &g->slot[i]) ||
		    ike_tab_put(&eng->gp_sels, sel_key(&g->sel[i]), g) < 0)
			break;
	g->n = (uint8_t)n;
	if (i < n || !g->peer || !g->group || ike_tab_put(&eng->gpols, g->slot[0], g) < 0) {
		unindex(g, i < n ? i : n);
		free(g->peer);
		free(g->group);
		free(g);
		log_error(LOG_IKE, sa->ctx, "out of memory (or policy slots) generating a policy");
		return NULL;
	}
	g->reqid = KERN_REQID_OWN | g->slot[0];
	kernel(g, true);
	return g;
}

void ike_gpol_hold(struct ike_gpol *g)
{
	if (g)
		g->refs++;
}

void ike_gpol_put(struct ike_gpol *g, bool delete_kernel)
{
	if (!g || --g->refs)
		return;
	if (delete_kernel)
		kernel(g, false);
	ike_tab_del(&g->eng->gpols, g->slot[0]);
	unindex(g, g->n);
	free(g->peer);
	free(g->group);
	free(g);
}

uint32_t ike_gpol_reqid(const struct ike_gpol *g)
{
	return g->reqid;
}

size_t ike_gpol_sels(const struct ike_gpol *g, const struct kern_sel **sels)
{
	*sels = g->sel;
	return g->n;
}

void ike_gpol_moved(struct ike_gpol *g, const struct ike_sa *sa)
{
	g->ike_serial = sa->serial;
}

void ike_gen_policy_walk(struct ike *eng,
			 void (*fn)(void *arg, const struct ike_gen_policy_info *i), void *arg)
{
	struct ike_gpol *g;
	size_t pos = 0;

	while ((g = ike_tab_next(&eng->gpols, &pos)))
		for (size_t i = 0; i < g->n; i++) {
			struct ike_gen_policy_info in = {
				.sel = kernel_view(g, i),
				.proto = g->proto,
				.tunnel = g->tunnel,
				.peer = g->peer,
				.group = g->group,
				.ike_serial = g->ike_serial,
				.installed = !g->pending && !g->failed,
			};

			in.sa_src.family = g->local.family;
			memcpy(in.sa_src.bytes, g->local.bytes, 16);
			in.sa_dst.family = g->remote.family;
			memcpy(in.sa_dst.bytes, g->remote.bytes, 16);
			fn(arg, &in);
		}
}

void ike_gpol_free_all(struct ike *eng)
{
	ike_tab_free(&eng->gpols);
	ike_tab_free(&eng->gp_sels);
	free(eng->gp_free);
	eng->gp_free = NULL;
	eng->gp_nfree = eng->gp_free_cap = 0;
}
