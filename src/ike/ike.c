/* ike: the engine's life cycle. IKE SAs and CHILD SAs are created, indexed, timed and
 * destroyed here; the configuration is applied here (peers that should be up are
 * initiated); kernel events are routed to the SA they concern. The exchanges themselves
 * live in each version's directory (v2/), reached through its struct ike_version_ops. */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipsecd/log.h"
#include "ipsecd/loop.h"
#include "ike_internal.h"
#include "pool.h"
#include "tmpl.h"

double ike_now(const struct ike *eng)
{
	return loop_now(eng->d.loop);
}

struct ike *ike_new(const struct ike_deps *deps)
{
	struct ike *eng = calloc(1, sizeof(*eng));

	if (!eng)
		return NULL;
	eng->d = *deps;
	eng->next_serial = 1;
	ike_limits_default(&eng->lim);
	eng->frag_size = IKE_FRAGMENT_SIZE;
	if (crypto_random(&eng->half_salt, sizeof(eng->half_salt)) < 0 ||
	    !(eng->pools = ike_pools_new())) {
		free(eng);
		return NULL;
	}
	return eng;
}

void ike_set_fragment_size(struct ike *ike, unsigned bytes)
{
	ike->frag_size = bytes && bytes < IKE_FRAGMENT_MIN ? IKE_FRAGMENT_MIN : bytes;
}

const struct ike_stats *ike_stats(const struct ike *ike)
{
	return &ike->st;
}

/* A fresh SPI of ours: random, never 0 or all ones (the table's reserved keys), unique. */
static uint64_t new_spi(struct ike *eng)
{
	uint64_t spi = 0;

	while (spi == 0 || spi == UINT64_MAX || ike_tab_get(&eng->sas, spi))
		if (crypto_random(&spi, sizeof(spi)) < 0)
			return 0;
	return spi;
}

uint64_t ike_sa_local_spi(const struct ike_sa *sa)
{
	return sa->initiator ? sa->spi_i : sa->spi_r;
}

/* --- rekey slots --- */

static void wait_unlink(struct ike_sa *sa)
{
	struct ike *eng = sa->eng;

	if (!sa->waits_slot)
		return;
	if (sa->wait_prev)
		sa->wait_prev->wait_next = sa->wait_next;
	else
		eng->wait_head = sa->wait_next;
	if (sa->wait_next)
		sa->wait_next->wait_prev = sa->wait_prev;
	else
		eng->wait_tail = sa->wait_prev;
	sa->wait_prev = sa->wait_next = NULL;
	sa->waits_slot = false;
}

bool ike_slot_take(struct ike_sa *sa)
{
	struct ike *eng = sa->eng;

	if (sa->has_slot)
		return true;
	if (eng->slots_busy < IKE_SLOTS) {
		wait_unlink(sa);
		sa->has_slot = true;
		eng->slots_busy++;
		return true;
	}
	if (!sa->waits_slot) {
		sa->waits_slot = true;
		sa->wait_prev = eng->wait_tail;
		if (eng->wait_tail)
			eng->wait_tail->wait_next = sa;
		else
			eng->wait_head = sa;
		eng->wait_tail = sa;
	}
	return false;
}

void ike_slot_release(struct ike_sa *sa)
{
	struct ike *eng = sa->eng;

	wait_unlink(sa);
	if (!sa->has_slot)
		return;
	sa->has_slot = false;
	eng->slots_busy--;
	/* the next in line runs its tasks: it takes the slot, or (its rekey gone) not */
	while (eng->wait_head && eng->slots_busy < IKE_SLOTS) {
		struct ike_sa *next = eng->wait_head;

		wait_unlink(next);
		next->ops->run_tasks(next);
	}
}

struct ike_sa *ike_sa_new(struct ike *eng, const struct ike_version_ops *ops, const char *peer,
			  bool initiator, const struct net_addr *local,
			  const struct net_addr *remote)
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));
	uint64_t spi = new_spi(eng);

	if (!sa || !spi || !(sa->peer = strdup(peer ? peer : ""))) {
		free(sa);
		return NULL;
	}
	sa->eng = eng;
	sa->ops = ops;
	sa->serial = eng->next_serial++;
	sa->initiator = initiator;
	if (initiator)
		sa->spi_i = spi;
	else
		sa->spi_r = spi;
	sa->local = *local;
	sa->created = sa->last_seen = ike_now(eng);
	wbuf_init(&sa->req_pkt);
	wbuf_init(&sa->resp_pkt);
	snprintf(sa->ctx, sizeof(sa->ctx), "peer %s ike#%u", *sa->peer ? sa->peer : "?",
		 sa->serial);
	if (ops->sa_new && ops->sa_new(sa) < 0) {
		free(sa->peer);
		free(sa);
		return NULL;
	}
	if (ike_tab_put(&eng->sas, spi, sa) < 0) {
		ops->sa_free(sa, false);
		free(sa->peer);
		free(sa);
		return NULL;
	}
	ike_sa_set_remote(sa, remote);
	ike_find_add(sa);
	return sa;
}

void ike_sa_fail(struct ike_sa *sa, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sa->last_error, sizeof(sa->last_error), fmt, ap);
	va_end(ap);
	sa->eng->st.failed++;
	log_info(LOG_IKE, sa->ctx, "%s", sa->last_error);
}

static void free_secrets(struct ike_sa *sa)
{
	crypto_dh_free(sa->dh);
	sa->dh = NULL;
	crypto_chunk_clear(&sa->ni);
	crypto_chunk_clear(&sa->nr);
}

void ike_sa_destroy(struct ike_sa *sa, bool delete_kernel)
{
	struct ike *eng = sa->eng;

	ike_acct_end(sa); /* before the CHILD SAs and their counters leave the kernel */
	while (sa->children) {
		struct ike_child *c = sa->children;

		sa->children = c->next;
		ike_child_free(c, delete_kernel);
	}
	if (sa->creating)
		ike_child_free(sa->creating, delete_kernel);
	if (ike_tab_get(&eng->sas, ike_sa_local_spi(sa)) == sa)
		ike_tab_del(&eng->sas, ike_sa_local_spi(sa));
	ike_slot_release(sa);
	ike_find_forget(sa);
	ike_half_del(sa);
	loop_timer_free(sa->rtx);
	loop_timer_free(sa->life);
	sa->ops->sa_free(sa, delete_kernel);
	if (delete_kernel)
		ike_vip_remove(sa);
	free_secrets(sa);
	wbuf_free(&sa->req_pkt);
	wbuf_free(&sa->resp_pkt);
	ike_modecfg_release(sa);
	free(sa->gen_group);
	free(sa->split);
	free(sa->routes); /* left in the kernel without delete_kernel */
	log_debug(LOG_IKE, sa->ctx, "IKE SA freed");
	free(sa->remote_id);
	free(sa->remote_cert);
	ike_acct_free(sa);
	free(sa->peer);
	free(sa);
}

/* --- CHILD SAs --- */

static uint64_t child_key(uint8_t proto, uint32_t spi)
{
	return (uint64_t)proto << 32 | spi;
}

struct ike_child *ike_child_new(struct ike_sa *sa, const struct conf_item *policy)
{
	struct ike_child *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->ike = sa;
	c->serial = sa->eng->next_serial++;
	c->policy_id = policy ? policy->id : 0;
	c->state = CHILD_STATE_INSTALLING;
	return c;
}

/* Outbound SPIs are the peers' choice and repeat across peers: the key takes the peer's
 * address too (FNV-1a), and a find checks what it found. */
static uint64_t child_out_key(uint8_t proto, uint32_t spi, const uint8_t addr[16])
{
	uint8_t k[21] = {proto, (uint8_t)(spi >> 24), (uint8_t)(spi >> 16), (uint8_t)(spi >> 8),
			 (uint8_t)spi};
	uint64_t h = 1469598103934665603ull;

	memcpy(k + 5, addr, 16);
	for (size_t i = 0; i < sizeof(k); i++)
		h = (h ^ k[i]) * 1099511628211ull;
	return h;
}

static uint64_t out_key_of(const struct ike_child *c)
{
	return child_out_key(c->proto, c->spi_out, c->ike->remote.bytes);
}

void ike_child_index(struct ike_child *c)
{
	struct ike *eng = c->ike->eng;

	if (c->spi_in)
		ike_tab_put(&eng->children, child_key(c->proto, c->spi_in), c);
	if (c->spi_out)
		ike_tab_put(&eng->children_out, c->out_key = out_key_of(c), c);
}

/* The peer's address changed: its CHILD SAs' outbound keys follow. */
void ike_children_reindex(struct ike_sa *sa)
{
	for (struct ike_child *c = sa->children; c; c = c->next) {
		if (!c->out_key)
			continue;
		if (ike_tab_get(&sa->eng->children_out, c->out_key) == c)
			ike_tab_del(&sa->eng->children_out, c->out_key);
		ike_tab_put(&sa->eng->children_out, c->out_key = out_key_of(c), c);
	}
}

struct ike_child *ike_child_find(struct ike *eng, uint8_t proto, uint32_t spi_in)
{
	return ike_tab_get(&eng->children, child_key(proto, spi_in));
}

struct ike_child *ike_child_find_out(struct ike *eng, const struct kern_sa_id *id)
{
	struct ike_child *c =
		ike_tab_get(&eng->children_out, child_out_key(id->proto, id->spi, id->dst.bytes));

	return c && c->spi_out == id->spi && c->proto == id->proto &&
			       !memcmp(c->ike->remote.bytes, id->dst.bytes, sizeof(id->dst.bytes))
		       ? c
		       : NULL;
}

static void kernel_sa_del(struct ike_child *c, bool inbound)
{
	struct ike_sa *sa = c->ike;
	struct kern_sa_id id = {.proto = c->proto, .spi = inbound ? c->spi_in : c->spi_out};
	const struct net_addr *dst = inbound ? &sa->local : &sa->remote;

	id.dst.family = dst->family;
	memcpy(id.dst.bytes, dst->bytes, sizeof(id.dst.bytes));
	kern_sa_del(sa->eng->d.kern, &id, NULL, NULL);
}

void ike_child_free(struct ike_child *c, bool delete_kernel)
{
	struct ike *eng = c->ike->eng;

	if (c->spi_in && ike_tab_get(&eng->children, child_key(c->proto, c->spi_in)) == c)
		ike_tab_del(&eng->children, child_key(c->proto, c->spi_in));
	if (c->out_key && ike_tab_get(&eng->children_out, c->out_key) == c)
		ike_tab_del(&eng->children_out, c->out_key);
	if (delete_kernel)
		ike_acct_child_gone(c);
	/* a larval SA from ALLOCSPI goes too: it would linger until the kernel's timeout */
	if (delete_kernel && c->spi_in)
		kernel_sa_del(c, true);
	if (delete_kernel && c->installed_out)
		kernel_sa_del(c, false);
	ike_gpol_put(c->gp, delete_kernel);
	if (delete_kernel)
		kern_commit(eng->d.kern);
	free(c);
}

/* --- timers: IKE SA rekey and liveness --- */

static const struct conf_item *profile_of(const struct ike_sa *sa)
{
	const struct conf_item *peer = ike_peer_find(sa->eng->conf, sa->peer);

	return peer ? ike_profile_of(sa->eng->conf, peer) : NULL;
}

static void on_life(struct loop_timer *w, void *arg)
{
	struct ike_sa *sa = arg;
	double now = ike_now(sa->eng);

	(void)w;
	if (sa->state == IKE_STATE_DELETING) { /* rekeyed by the peer, which never deleted it */
		ike_sa_destroy(sa, true);
		return;
	}
	if (sa->state != IKE_STATE_ESTABLISHED)
		return;
	if (sa->rekey_at && now >= sa->rekey_at) {
		sa->rekey_at = 0;
		sa->tasks |= IKE_TASK_IKE_REKEY;
	} else if (sa->dpd_at && now >= sa->dpd_at) {
		sa->tasks |= IKE_TASK_DPD;
	}
	if (sa->keepalive_at && now >= sa->keepalive_at) {
		/* RFC 3948 4: keep the NAT's mapping alive when we are behind it */
		net_send_keepalive(sa->eng->d.net, &sa->local, &sa->remote);
		sa->keepalive_at = now + IKE_NATT_KEEPALIVE;
	}
	sa->ops->run_tasks(sa);
	ike_sa_schedule(sa);
}

/* Arms the life timer for the earlier of the rekey time and the next liveness check
 * (dpd-interval after the last message from the peer). */
void ike_sa_schedule(struct ike_sa *sa)
{
	const struct conf_item *prof = profile_of(sa);
	double now = ike_now(sa->eng), next = 0;
	int64_t dpd = prof ? conf_int(prof, CONF_PROFILE_DPD_INTERVAL) : 0;

	sa->dpd_at = dpd > 0 ? sa->last_seen + (double)dpd : 0;
	if (sa->dpd_at && sa->dpd_at <= now)
		sa->dpd_at = now + (double)dpd;
	if (!sa->nat_here)
		sa->keepalive_at = 0;
	else if (!sa->keepalive_at)
		sa->keepalive_at = now + IKE_NATT_KEEPALIVE;
	next = sa->rekey_at;
	if (sa->dpd_at && (!next || sa->dpd_at < next))
		next = sa->dpd_at;
	if (sa->keepalive_at && (!next || sa->keepalive_at < next))
		next = sa->keepalive_at;
	if (!next) {
		loop_timer_free(sa->life);
		sa->life = NULL;
		return;
	}
	double after = next > now ? next - now : 0.001;

	if (sa->life)
		loop_timer_again(sa->life, after);
	else
		sa->life = loop_timer_new(sa->eng->d.loop, after, 0, on_life, sa);
}

void ike_sa_established(struct ike_sa *sa)
{
	const struct conf_item *prof = profile_of(sa);
	int64_t life = prof ? conf_int(prof, CONF_PROFILE_LIFETIME) : 86400;
	double now = ike_now(sa->eng);

	sa->state = IKE_STATE_ESTABLISHED;
	sa->established = now;
	ike_sa_index_id(sa);
	sa->eng->st.established++;
	if (sa->ops->handshake_done)
		sa->ops->handshake_done(sa);
	crypto_dh_free(sa->dh);
	sa->dh = NULL;
	/* The original initiator rekeys at 90% of the lifetime, the responder at 95%:
	 * both ends can, and this makes simultaneous rekeys (2.8.1) rare. */
	sa->rekey_at = life > 0 ? now + (double)life * (sa->initiator ? 0.90 : 0.95) : 0;
	loop_timer_free(sa->life); /* a responder's half-open timeout: on_life takes over */
	sa->life = NULL;
	ike_sa_schedule(sa);
}

/* --- responder key pairs --- */

static void on_dh_expiry(struct loop_timer *w, void *arg)
{
	struct ike *eng = arg;
	double next = crypto_dh_reuse_expire(ike_now(eng));

	eng->dh_armed = next > 0;
	if (eng->dh_armed)
		loop_timer_again(w, next);
}

/* A responder's key pair is the group's shared one (crypto_dh_reused), so that most
 * responses generate none: RFC 7296 2.12 allows it for IKEv2, and RFC 2409 (IKEv1) has
 * no rule against it; its cost is the same in both, forward secrecy only between SAs
 * made with different keys. The engine's timer drops it when it is old, so no
 * key outlives its time when no exchange comes to replace it. */
struct crypto_dh *ike_responder_dh(struct ike *eng, uint16_t group)
{
	struct crypto_dh *dh = crypto_dh_reused(group, ike_now(eng));
	double next;

	if (!dh || eng->dh_armed || (next = crypto_dh_reuse_expire(ike_now(eng))) <= 0)
		return dh;
	if (eng->dh_expiry)
		loop_timer_again(eng->dh_expiry, next);
	else
		eng->dh_expiry = loop_timer_new(eng->d.loop, next, 0, on_dh_expiry, eng);
	eng->dh_armed = eng->dh_expiry != NULL;
	return dh;
}

/* --- configuration --- */

static struct ike_sa *sa_for_peer(struct ike *eng, const char *peer)
{
	struct ike_sa *sa = NULL;

	while ((sa = ike_sa_next_of_peer(eng, peer, sa)))
		if (sa->state <= IKE_STATE_ESTABLISHED)
			return sa;
	return NULL;
}

static bool child_for_policy(const struct ike_sa *sa, uint32_t policy_id)
{
	for (const struct ike_child *c = sa->children; c; c = c->next)
		if (c->policy_id == policy_id && c->state <= CHILD_STATE_INSTALLED)
			return true;
	return sa->creating && sa->creating->policy_id == policy_id;
}

/* Starts what a policy needs: an IKE SA with its peer, or a CHILD SA in one. Negative when
 * no IKE SA could be started (the peer cannot be reached, say). */
int ike_want_policy(struct ike *eng, const struct conf_item *peer, const struct conf_item *pol,
		    const struct kern_sel *acquired)
{
	struct ike_sa *sa = sa_for_peer(eng, conf_str(peer, CONF_PEER_NAME));

	if (!sa) {
		const struct ike_version_ops *ops = ike_ops_for(peer);

		return ops ? ops->initiate(eng, peer, pol, acquired) : -ENOTSUP;
	}
	if (child_for_policy(sa, pol->id))
		return 0;
	if (sa->state == IKE_STATE_ESTABLISHED && !(sa->tasks & IKE_TASK_CHILD_CREATE)) {
		sa->tasks |= IKE_TASK_CHILD_CREATE;
		sa->pending_policy = pol->id;
		sa->ops->run_tasks(sa);
	}
	return 0;
}

/* The source address the routing table picks for remote: a connected UDP socket sends
 * nothing and tells. */
static int route_source(const struct net_addr *remote, struct net_addr *local)
{
	struct sockaddr_storage ss, me;
	socklen_t len = net_addr_to_sockaddr(remote, &ss), mlen = sizeof(me);
	int fd = socket(remote->family, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = -errno;

	if (fd < 0)
		return r;
	if (connect(fd, (struct sockaddr *)&ss, len) < 0 ||
	    getsockname(fd, (struct sockaddr *)&me, &mlen) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	close(fd);
	net_addr_from_sockaddr(local, (struct sockaddr *)&me);
	return 0;
}

int ike_peer_endpoints(const struct ike *eng, const struct conf_item *peer, struct net_addr *local,
		       struct net_addr *remote)
{
	const struct conf_addr *a = conf_addr(peer, CONF_PEER_ADDRESS);
	const struct conf_addr *la = conf_addr(peer, CONF_PEER_LOCAL_ADDRESS);
	const char *name = conf_str(peer, CONF_PEER_NAME);
	int r;

	memset(local, 0, sizeof(*local));
	memset(remote, 0, sizeof(*remote));
	if (a->plen != (a->family == AF_INET ? 32 : 128)) {
		log_debug(LOG_IKE, NULL, "peer %s: address is a prefix; it can only respond", name);
		return -EINVAL;
	}
	remote->family = a->family;
	memcpy(remote->bytes, a->bytes, 16);
	remote->port = (uint16_t)conf_int(peer, CONF_PEER_PORT);
	if (la->family) {
		local->family = la->family;
		memcpy(local->bytes, la->bytes, 16);
	} else if ((r = route_source(remote, local)) < 0) {
		log_info(LOG_IKE, NULL, "peer %s: no route to it: %s", name, strerror(-r));
		return r;
	}
	local->port = net_port(eng->d.net, false);
	return 0;
}

/* --- the versions --- */

static const struct ike_version_ops *const versions[] = {&ikev1_ops, &ikev2_ops};

const struct ike_version_ops *ike_ops_for(const struct conf_item *peer)
{
	const char *mode = ike_choice(peer, CONF_PEER_EXCHANGE_MODE);

	if (!strcmp(mode, "ike2"))
		return &ikev2_ops;
	return &ikev1_ops; /* main, aggressive, base */
}

/* By the header's major version; IKEv2 answers the ones nobody speaks (INVALID_MAJOR_VERSION,
 * RFC 7296 2.5). */
static void ike_dispatch(struct ike *eng, const struct net_pkt *p)
{
	uint8_t major = p->len > 17 ? p->data[17] >> 4 : 0;

	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
		if (versions[i]->major == major) {
			versions[i]->recv(eng, p);
			return;
		}
	ikev2_ops.recv(eng, p);
}

void ike_free(struct ike *eng)
{
	struct ike_sa *sa;
	size_t pos = 0;

	if (!eng)
		return;
	while ((sa = ike_tab_next(&eng->sas, &pos))) {
		if (sa->state == IKE_STATE_ESTABLISHED)
			sa->ops->send_delete(sa);
		ike_acct_cause(sa, RADIUS_TERM_NAS_REBOOT);
		ike_sa_destroy(sa, true);
	}
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
		if (versions[i]->engine_free)
			versions[i]->engine_free(eng);
	loop_timer_free(eng->dh_expiry);
	eng->dh_expiry = NULL;
	crypto_dh_reuse_expire(HUGE_VAL); /* no key outlives its engine */
	ike_vip_stop(eng);
	ike_forget_tokens(eng);
	loop_timer_free(eng->start_timer);
	ike_forget_starts(eng);
	ike_tab_free(&eng->sas);
	ike_tab_free(&eng->half);
	ike_tab_free(&eng->half_src);
	ike_tab_free(&eng->children);
	ike_tab_free(&eng->children_out);
	ike_find_free(eng);
	ike_view_free(eng->view);
	ike_gpol_free_all(eng);
	ike_pools_free(eng->pools);
	crypto_cleanse(&eng->cookie, sizeof(eng->cookie));
	free(eng);
}

void ike_recv(struct ike *eng, const struct net_pkt *p)
{
	const struct net_pkt *outer = eng->cur_pkt;

	eng->cur_pkt = p; /* a request held for an SPI keeps a copy (ikev2_defer) */
	ike_dispatch(eng, p);
	eng->cur_pkt = outer;
}

void ike_lease_walk(struct ike *eng, void (*fn)(void *arg, const struct ike_lease_info *l),
		    void *arg)
{
	ike_pools_walk(eng->pools, fn, arg);
}
