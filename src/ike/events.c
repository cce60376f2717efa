/* events: what the kernel tells the engine (ACQUIRE starts a negotiation for its policy,
 * EXPIRE rekeys or deletes a CHILD SA, MAPPING follows a peer behind a NAT, an SA deleted
 * by others ends its CHILD SA with the peer too) and what ipsecctl asks of it (active
 * peers, kill, a policy's phase 2). */
#include <stdlib.h>
#include <string.h>

#include "ipsecd/log.h"
#include "ike_internal.h"

/* The policy whose kernel entries carry reqid (ACQUIREs name the template's reqid). */
static const struct conf_item *policy_by_reqid(struct ike *eng, uint32_t reqid)
{
	return ike_view_policy_by_reqid(eng->view, reqid);
}

void ike_acquire(struct ike *eng, const struct kern_acquire *a)
{
	const struct conf_item *pol = policy_by_reqid(eng, a->tmpl.reqid);
	const char *pn = pol ? conf_str(pol, CONF_POLICY_PEER) : NULL;
	const struct conf_item *peer = pn && *pn ? ike_peer_find(eng->conf, pn) : NULL;

	if (!peer || conf_bool(peer, CONF_PEER_DISABLED) || conf_bool(peer, CONF_PEER_PASSIVE) ||
	    !ike_ops_for(peer)) {
		log_debug(LOG_IKE, NULL, "ACQUIRE for reqid 0x%x: no IKE peer for it",
			  a->tmpl.reqid);
		return;
	}
	log_debug(LOG_IKE, NULL, "ACQUIRE for policy of peer %s", pn);
	ike_want_policy(eng, peer, pol, &a->sel);
}

static struct ike_child *child_of(struct ike *eng, const struct kern_sa_id *id)
{
	struct ike_child *c = ike_child_find(eng, id->proto, id->spi);

	if (c && c->state != CHILD_STATE_DELETING)
		return c;
	return ike_child_find_out(eng, id); /* the outbound SA */
}

void ike_expire(struct ike *eng, const struct kern_sa_id *id, bool hard)
{
	struct ike_child *c = child_of(eng, id);

	if (!c || c->state != CHILD_STATE_INSTALLED)
		return;
	struct ike_sa *sa = c->ike;

	if (hard) {
		log_info(LOG_IKE, sa->ctx, "CHILD SA #%u hard lifetime reached: deleting",
			 c->serial);
		sa->ops->delete_child(sa, c);
		return;
	}
	if (sa->rekeying || (sa->tasks & IKE_TASK_CHILD_REKEY))
		return;
	log_info(LOG_IKE, sa->ctx, "CHILD SA #%u soft lifetime reached: rekeying", c->serial);
	sa->rekeying = c;
	sa->tasks |= IKE_TASK_CHILD_REKEY;
	sa->ops->run_tasks(sa);
}

void ike_mapping(struct ike *eng, const struct kern_sa_id *id, const struct kern_addr *addr,
		 uint16_t port)
{
	struct ike_child *c = child_of(eng, id);

	if (!c)
		return;
	struct ike_sa *sa = c->ike;

	/* RFC 7296 2.23: the peer's NAT changed its port; IKE follows on the next message,
	 * and the kernel already updated the SA it reported */
	struct net_addr moved = sa->remote;

	log_info(LOG_IKE, sa->ctx, "NAT mapping of the peer changed to port %u", port);
	if (addr->family == sa->remote.family)
		memcpy(moved.bytes, addr->bytes, sizeof(moved.bytes));
	moved.port = port;
	ike_sa_set_remote(sa, &moved);
}

void ike_sa_deleted(struct ike *eng, const struct kern_sa_id *id)
{
	struct ike_child *c = ike_child_find(eng, id->proto, id->spi);

	if (!c || c->state != CHILD_STATE_INSTALLED)
		return; /* ours going as planned, or not ours */
	log_info(LOG_IKE, c->ike->ctx,
		 "CHILD SA #%u was removed from the kernel (installed-sa flush or another "
		 "tool): deleting it with the peer",
		 c->serial);
	c->installed_in = false;
	/* the peer stops using its half; the next packet's ACQUIRE negotiates anew */
	c->ike->ops->delete_child(c->ike, c);
}

static const char *state_name(enum ike_state s)
{
	switch (s) {
	case IKE_STATE_INIT_SENT:
		return "sa-init-sent";
	case IKE_STATE_INIT_DONE:
		return "sa-init-done";
	case IKE_STATE_AUTH_SENT:
		return "auth-sent";
	case IKE_STATE_ESTABLISHED:
		return "established";
	case IKE_STATE_DELETING:
		return "deleting";
	default:
		return "dead";
	}
}

void ike_walk(struct ike *eng, void (*fn)(void *arg, const struct ike_peer_info *i), void *arg)
{
	struct ike_sa *sa;
	size_t pos = 0;
	double now = ike_now(eng);

	while ((sa = ike_tab_next(&eng->sas, &pos))) {
		struct ike_peer_info i = {
			.serial = sa->serial,
			.peer = sa->peer,
			.state = state_name(sa->state),
			.responder = !sa->initiator,
			.natt = ike_sa_udp_encap(sa),
			.local = sa->local,
			.remote = sa->remote,
			.spi_i = sa->spi_i,
			.spi_r = sa->spi_r,
			.uptime = sa->established ? now - sa->established : 0,
			.last_seen = now - sa->last_seen,
			.ph2_total = sa->nchildren,
			.rx_bytes = sa->rx_bytes,
			.rx_packets = sa->rx_packets,
			.tx_bytes = sa->tx_bytes,
			.tx_packets = sa->tx_packets,
			.last_error = sa->last_error,
			.remote_id = sa->remote_id ? sa->remote_id : "",
			.remote_cert = sa->remote_cert ? sa->remote_cert : "",
			.dynamic_address = sa->vip,
			.dynamic_ours = sa->vip.family && !sa->vip_leased && !sa->vip_radius,
			.eap_identity = ike_acct_user(sa) && !sa->v1 ? ike_acct_user(sa) : "",
			.xauth_user = ike_acct_user(sa) && sa->v1 ? ike_acct_user(sa) : "",
		};
		fn(arg, &i);
	}
}

void ike_child_walk(struct ike *eng, void (*fn)(void *arg, const struct ike_child_info *i),
		    void *arg)
{
	struct ike_sa *sa;
	size_t pos = 0;

	while ((sa = ike_tab_next(&eng->sas, &pos)))
		for (const struct ike_child *c = sa->children; c; c = c->next) {
			struct ike_child_info i = {.proto = c->proto,
						   .spi_in = c->spi_in,
						   .spi_out = c->spi_out,
						   .local = sa->local,
						   .remote = sa->remote,
						   .pfs = c->pfs};

			if (c->installed_in || c->installed_out)
				fn(arg, &i);
		}
}

static bool addr_is(const struct kern_addr *want, const struct net_addr *have)
{
	return !want->family ||
	       (want->family == have->family &&
		!memcmp(want->bytes, have->bytes, want->family == AF_INET ? 4 : 16));
}

static bool kill_matches(const struct ike_sa *sa, const struct ike_kill_filter *f)
{
	if (!addr_is(&f->remote, &sa->remote) || !addr_is(&f->dynamic_address, &sa->vip))
		return false;
	if (f->remote_port && f->remote_port != sa->remote.port)
		return false;
	if (f->remote_id && strcmp(f->remote_id, sa->remote_id ? sa->remote_id : ""))
		return false;
	return !f->serial || f->serial == sa->serial;
}

/* The candidates come from an index (ike_sa_candidates) as serials, each looked up again
 * before it goes: killing one SA may take others with it. */
int ike_kill_where(struct ike *eng, const struct ike_kill_filter *f)
{
	uint32_t *serials = NULL;
	size_t n = ike_sa_candidates(eng, f, &serials);
	int killed = 0;

	for (size_t i = 0; i < n; i++) {
		struct ike_sa *sa = ike_sa_by_serial(eng, serials[i]);

		if (!sa || !kill_matches(sa, f))
			continue;
		log_info(LOG_IKE, sa->ctx, "killed by ipsecctl");
		ike_acct_cause(sa, RADIUS_TERM_ADMIN_RESET);
		if (sa->state == IKE_STATE_ESTABLISHED)
			sa->ops->send_delete(sa);
		ike_sa_destroy(sa, true);
		killed++;
	}
	free(serials);
	return killed;
}

int ike_kill(struct ike *eng, const struct kern_addr *remote)
{
	struct ike_kill_filter f = {0};

	if (remote)
		f.remote = *remote;
	return ike_kill_where(eng, &f);
}

void ike_policy_ph2(struct ike *eng, const struct conf_item *policy, const char **state,
		    unsigned *count)
{
	const char *peer = conf_str(policy, CONF_POLICY_PEER);
	struct ike_sa *sa = NULL;

	*count = 0;
	while (peer && (sa = ike_sa_next_of_peer(eng, peer, sa)))
		for (const struct ike_child *c = sa->children; c; c = c->next)
			*count += c->policy_id == policy->id && c->state == CHILD_STATE_INSTALLED;
	*state = *count ? "established" : "no-phase2";
}
