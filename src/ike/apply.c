/* apply: the engine takes a configuration, whole (ike_apply: the view built anew) or as
 * a change (ike_apply_changes: the view updated item by item); then the SAs of peers gone
 * go, CHILD SAs follow their policies, and on the loop's next turn the policies that
 * should be up are initiated: every one after a whole configuration, those of the peers
 * a change touched after a change. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike_internal.h"
#include "ipsecd/conf_menus.h"
#include "ipsecd/log.h"
#include "ipsecd/loop.h"
#include "pool.h"
#include "tmpl.h"

static bool peer_initiates(const struct conf_item *peer)
{
	return !conf_bool(peer, CONF_PEER_DISABLED) && !conf_bool(peer, CONF_PEER_PASSIVE) &&
	       ike_ops_for(peer) != NULL;
}

/* A mode-config client with no static policy: its CHILD SA comes from its first template. */
static void start_modecfg_client(struct ike *eng, const struct conf_item *peer)
{
	const struct conf_item *id = ike_identity_of(eng, conf_str(peer, CONF_PEER_NAME));
	const char *mc = id ? conf_str(id, CONF_IDENTITY_MODE_CONFIG) : NULL;
	size_t n = 0;
	const struct conf_item *const *t =
		mc && strcmp(mc, "none") && ike_gen_mode_of(id) != IKE_GEN_NO
			? ike_view_templates(eng->view,
					     conf_str(id, CONF_IDENTITY_POLICY_TEMPLATE_GROUP), &n)
			: NULL;

	if (n)
		ike_want_policy(eng, peer, t[0], NULL);
}

/* A non-passive peer starts with the policies the view files under it; a peer that cannot
 * be started (no route to it) is tried once, not once per policy. */
static void start_peer(struct ike *eng, const struct conf_item *peer)
{
	size_t np = 0;
	const struct conf_item *const *pols;

	if (!peer || !peer_initiates(peer))
		return;
	pols = ike_view_policies(eng->view, conf_str(peer, CONF_PEER_NAME), &np);
	for (size_t j = 0; j < np; j++)
		if (ike_want_policy(eng, peer, pols[j], NULL) < 0)
			break;
	if (!np)
		start_modecfg_client(eng, peer);
}

void ike_forget_starts(struct ike *eng)
{
	for (size_t i = 0; i < eng->nstart; i++)
		free(eng->start[i]);
	free(eng->start);
	eng->start = NULL;
	eng->nstart = 0;
}

/* Every peer after a whole configuration, START_BATCH of them a turn START_PACE apart
 * (100,000 non-passive peers do not all send IKE_SA_INIT in one burst, and the loop
 * serves the answers between); after a change, those it touched. */
#define START_BATCH 256
#define START_PACE  0.01 /* seconds */

static void on_start(struct loop_timer *w, void *arg)
{
	struct ike *eng = arg;
	const struct conf *c = eng->conf;
	size_t npeers = c ? conf_count(c, CONF_M_PEER) : 0, end;

	(void)w;
	if (eng->start_all && eng->view) {
		end = eng->start_next + START_BATCH < npeers ? eng->start_next + START_BATCH
							     : npeers;
		for (; eng->start_next < end; eng->start_next++)
			start_peer(eng, conf_item_at(c, CONF_M_PEER, eng->start_next));
		if (end < npeers) {
			loop_timer_again(eng->start_timer, START_PACE);
			return;
		}
	}
	for (size_t i = 0; !eng->start_all && eng->view && i < eng->nstart; i++)
		start_peer(eng, ike_view_peer(eng->view, eng->start[i]));
	eng->start_all = false;
	eng->start_next = 0;
	ike_forget_starts(eng);
}

static void follow_policy(struct ike *eng, struct ike_child *c)
{
	const struct conf_item *pol = ike_view_policy_by_reqid(eng->view, c->reqid);
	size_t n;

	if (pol) {
		c->policy_id = pol->id;
	} else if (c->gp) {
		/* a generated one follows its group's first template (its proposal); with none
		 * left its rekey fails and it expires */
		const struct conf_item *const *t =
			ike_view_templates(eng->view, c->ike->gen_group, &n);

		c->policy_id = n ? t[0]->id : 0;
	}
}

/* A peer removed or disabled takes its SAs with it; the CHILD SAs of the others follow
 * their policy to its item in this configuration (a policy's item may be a new one, its
 * reqid, its kernel entries', stays). Returns whether the peer's SAs stay. */
static bool peer_keeps_sas(const struct conf *c, const char *name)
{
	const struct conf_item *peer = ike_peer_find(c, name);

	return peer && !conf_bool(peer, CONF_PEER_DISABLED);
}

static void drop_sa(struct ike_sa *sa)
{
	log_info(LOG_IKE, sa->ctx, "peer removed from the configuration: deleting");
	sa->ops->send_delete(sa);
	ike_acct_cause(sa, RADIUS_TERM_ADMIN_RESET);
	ike_sa_destroy(sa, true);
}

static void follow_sa(struct ike *eng, struct ike_sa *sa)
{
	for (struct ike_child *ch = sa->children; ch; ch = ch->next)
		follow_policy(eng, ch);
	if (sa->creating)
		follow_policy(eng, sa->creating);
	eng->st.followed++;
}

static void start_soon(struct ike *eng)
{
	if (!eng->start_timer)
		eng->start_timer = loop_timer_new(eng->d.loop, 0, 0, on_start, eng);
	else
		loop_timer_again(eng->start_timer, 0);
}

/* After a whole configuration: every SA (item ids are given anew on every load). */
static void follow_all(struct ike *eng, const struct conf *c)
{
	struct ike_sa *sa;
	size_t pos = 0;

	while ((sa = ike_tab_next(&eng->sas, &pos))) {
		if (!peer_keeps_sas(c, sa->peer))
			drop_sa(sa);
		else
			follow_sa(eng, sa);
	}
	start_soon(eng);
}

/* After a change: the SAs of the peer items it named, found through their index; the
 * items it did not touch kept their ids, so the others' CHILD SAs point where they did. */
static void follow_peer(struct ike *eng, const struct conf *c, const char *name)
{
	struct ike_sa *sa;

	if (!peer_keeps_sas(c, name)) {
		while ((sa = ike_sa_next_of_peer(eng, name, NULL)))
			drop_sa(sa);
		return;
	}
	for (sa = NULL; (sa = ike_sa_next_of_peer(eng, name, sa));)
		follow_sa(eng, sa);
}

static void take_conf(struct ike *eng, const struct conf *c)
{
	eng->conf = c;
	if (ike_pools_apply(eng->pools, c) < 0)
		log_error(LOG_IKE, NULL,
			  "out of memory applying /ip pool: the pools are as before");
	ike_modecfg_load_system_dns(eng);
}

static void build_view(struct ike *eng, const struct conf *c)
{
	ike_view_free(eng->view);
	eng->view = ike_view_build(c, eng->d.policy_reqid, eng->d.arg);
	if (!eng->view)
		log_error(LOG_IKE, NULL,
			  "out of memory indexing the configuration: no negotiation "
			  "until the next one");
}

void ike_apply(struct ike *eng, const struct conf *c)
{
	take_conf(eng, c);
	build_view(eng, c);
	eng->start_all = true;
	eng->start_next = 0; /* (a start under way begins again: starting is idempotent) */
	follow_all(eng, c);
}

/* What a change touched: the peer items (by name, as they were and as they are) whose
 * SAs it concerns, or every SA when it touched a template or a group (the generated CHILD
 * SAs of any SA follow their group's first template). */
struct view_walk {
	struct ike *eng;
	const struct conf *c;
	int err;
	char **peers;
	size_t npeers;
	bool every;
};

static const char *peer_named(const struct conf_item *it)
{
	switch (it->menu->id) {
	case CONF_M_PEER:
		return conf_str(it, CONF_PEER_NAME);
	case CONF_M_IDENTITY:
		return conf_str(it, CONF_IDENTITY_PEER);
	case CONF_M_POLICY:
		return conf_str(it, CONF_POLICY_PEER);
	default:
		return NULL;
	}
}

static int add_name(char ***names, size_t *n, const char *name)
{
	char **more;

	if (!name || !*name)
		return 0;
	if (!(more = realloc(*names, (*n + 1) * sizeof(*more))))
		return -ENOMEM;
	*names = more;
	if (!(more[*n] = strdup(name)))
		return -ENOMEM;
	(*n)++;
	return 0;
}

/* The peer an item of a change concerns starts again if it should; its SAs, and those
 * of the peer it concerned before, follow the change. */
static void note_item(struct view_walk *w, const struct conf_item *it)
{
	enum conf_menu_id m = it->menu->id;

	if (m == CONF_M_POLICY_GROUP || (m == CONF_M_POLICY && conf_bool(it, CONF_POLICY_TEMPLATE)))
		w->every = true;
	else if (m == CONF_M_PEER || m == CONF_M_POLICY)
		w->every |= add_name(&w->peers, &w->npeers, peer_named(it)) < 0;
}

static void view_take(enum conf_change what, const struct conf_item *old,
		      const struct conf_item *it, void *arg)
{
	struct view_walk *w = arg;

	if (!w->err && w->eng->view && ike_view_update(w->eng->view, w->c, what, old, it) < 0)
		w->err = -ENOMEM;
	if (old)
		note_item(w, old);
	if (it) {
		note_item(w, it);
		(void)add_name(&w->eng->start, &w->eng->nstart, peer_named(it));
	}
}

void ike_apply_changes(struct ike *eng, const struct conf *c, const struct conf_changes *ch)
{
	struct view_walk w = {eng, c, 0, NULL, 0, false};

	take_conf(eng, c);
	conf_changes_walk(ch, view_take, &w);
	if (!eng->view || w.err || ike_view_update_done(eng->view, c) < 0) {
		build_view(eng, c);
		w.every = true;
	}
	for (size_t i = 0; !w.every && i < w.npeers; i++)
		follow_peer(eng, c, w.peers[i]);
	for (size_t i = 0; i < w.npeers; i++)
		free(w.peers[i]);
	free(w.peers);
	if (w.every)
		follow_all(eng, c);
	else
		start_soon(eng);
}
