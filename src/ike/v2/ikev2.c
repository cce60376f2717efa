/* ikev2: starting IKE SAs, the work queue each IKE SA runs one exchange at a time
 * (window 1, RFC 7296 2.3), and the kernel's asynchronous SPI allocation, whose answer
 * may come after the IKE SA is gone. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipsecd/log.h"
#include "v2.h"

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

int ikev2_initiate(struct ike *eng, const struct conf_item *peer, const struct conf_item *policy,
		   const struct kern_sel *acquired)
{
	const struct conf_addr *a = conf_addr(peer, CONF_PEER_ADDRESS);
	const struct conf_addr *la = conf_addr(peer, CONF_PEER_LOCAL_ADDRESS);
	const char *name = conf_str(peer, CONF_PEER_NAME);
	struct net_addr remote = {.family = a->family}, local = {0};
	int r;

	(void)acquired;
	if (a->plen != (a->family == AF_INET ? 32 : 128)) {
		log_debug(LOG_IKE, NULL, "peer %s: address is a prefix; it can only respond", name);
		return -EINVAL;
	}
	memcpy(remote.bytes, a->bytes, 16);
	remote.port = (uint16_t)conf_int(peer, CONF_PEER_PORT);
	if (la->family) {
		local.family = la->family;
		memcpy(local.bytes, la->bytes, 16);
	} else if ((r = route_source(&remote, &local)) < 0) {
		log_info(LOG_IKE, NULL, "peer %s: no route to it: %s", name, strerror(-r));
		return r;
	}
	local.port = net_port(eng->d.net, false);
	struct ike_sa *sa = ike_sa_new(eng, name, true, &local, &remote);

	if (!sa)
		return -ENOMEM;
	sa->pending_policy = policy ? policy->id : 0;
	if ((r = ikev2_sa_init_start(sa)) < 0)
		ike_sa_destroy(sa, false);
	return r;
}

/* --- asynchronous kernel answers: SPI allocations and CHILD SA installs --- */

struct ikev2_token {
	struct ikev2_token *next;
	struct ike *eng; /* NULL once the engine is gone */
	uint64_t spi;	 /* the IKE SA, by our SPI */
	uint32_t serial;
	uint8_t proto;
	uint32_t child_spi; /* an install: the CHILD SA, by its inbound SPI */
	struct kern_addr src, dst;
	void (*done)(struct ike_sa *sa, int err, uint32_t spi);
};

static struct ikev2_token *token_new(struct ike_sa *sa, uint8_t proto)
{
	struct ikev2_token *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->eng = sa->eng;
	t->spi = ike_sa_local_spi(sa);
	t->serial = sa->serial;
	t->proto = proto;
	t->next = sa->eng->tokens;
	sa->eng->tokens = t;
	return t;
}

/* Unlinks an answered token; the IKE SA it was for, when that is still alive. */
static struct ike_sa *token_take(struct ikev2_token *t)
{
	struct ike_sa *sa = NULL;

	if (!t->eng)
		return NULL;
	for (struct ikev2_token **pp = &t->eng->tokens; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	sa = ike_tab_get(&t->eng->sas, t->spi);
	return sa && sa->serial == t->serial && sa->state != IKE_STATE_DEAD ? sa : NULL;
}

static void spi_answer(void *arg, int err, uint32_t spi)
{
	struct ikev2_token *t = arg;
	struct ike_sa *sa = token_take(t);

	if (sa) {
		t->done(sa, err, spi);
	} else if (t->eng && !err) {
		struct kern_sa_id id = {.dst = t->dst, .proto = t->proto, .spi = spi};

		kern_sa_del(t->eng->d.kern, &id, NULL, NULL); /* the larval SA of a dead SA */
		kern_commit(t->eng->d.kern);
	}
	free(t);
}

void ikev2_alloc_spi(struct ike_sa *sa, uint8_t proto,
		     void (*done)(struct ike_sa *sa, int err, uint32_t spi))
{
	struct ikev2_token *t = token_new(sa, proto);

	if (!t) {
		done(sa, -ENOMEM, 0);
		return;
	}
	t->done = done;
	t->src.family = t->dst.family = sa->local.family;
	memcpy(t->src.bytes, sa->remote.bytes, 16);
	memcpy(t->dst.bytes, sa->local.bytes, 16);
	kern_alloc_spi(sa->eng->d.kern, &t->src, &t->dst, proto, 0, 0x100, 0xffffffff, spi_answer,
		       t);
	kern_commit(sa->eng->d.kern);
}

static void install_answer(void *arg, int err, const char *msg)
{
	struct ikev2_token *t = arg;
	struct ike_sa *sa = token_take(t);
	struct ike_child *c = sa ? ike_child_find(sa->eng, t->proto, t->child_spi) : NULL;

	/* a child gone meanwhile had its kernel entries deleted after this request */
	if (err && c && c->ike == sa)
		ikev2_child_install_failed(sa, c, err, msg);
	else if (err)
		log_error(LOG_KERNEL, NULL, "SA %08x install failed: %s", t->child_spi,
			  msg ? msg : strerror(-err));
	free(t);
}

void ikev2_install_sa(struct ike_child *c, const struct kern_sa *k, bool update)
{
	struct ikev2_token *t = token_new(c->ike, c->proto);

	if (t)
		t->child_spi = c->spi_in;
	kern_sa_add(c->ike->eng->d.kern, k, update, t ? install_answer : NULL, t);
}

void ikev2_release_spi(struct ike_sa *sa, uint8_t proto, uint32_t spi)
{
	struct kern_sa_id id = {.proto = proto, .spi = spi};

	id.dst.family = sa->local.family;
	memcpy(id.dst.bytes, sa->local.bytes, 16);
	kern_sa_del(sa->eng->d.kern, &id, NULL, NULL);
	kern_commit(sa->eng->d.kern);
}

void ikev2_forget_tokens(struct ike *eng)
{
	for (struct ikev2_token *t = eng->tokens; t; t = t->next)
		t->eng = NULL;
	eng->tokens = NULL;
}

/* --- a request held until the kernel gave the SPI its answer needs --- */

static void deferred_ready(struct ike_sa *sa, int err, uint32_t spi)
{
	struct net_pkt p = sa->held_pkt;
	struct wbuf data = sa->held_data;

	if (err < 0)
		log_error(LOG_KERNEL, sa->ctx, "no SPI from the kernel: %s", strerror(-err));
	sa->spare_spi = err < 0 ? 0 : spi;
	sa->spi_failed = err < 0;
	sa->held = false;
	wbuf_init(&sa->held_data);
	p.data = data.p;
	p.len = data.len;
	ike_recv(sa->eng, &p); /* the same request again; this time the SPI is there */
	wbuf_free(&data);
}

void ikev2_defer(struct ike_sa *sa, uint8_t ikev2_proto)
{
	if (sa->held) /* a retransmission of the request we are holding */
		return;
	sa->held = true;
	sa->held_pkt = *sa->eng->cur_pkt;
	wbuf_init(&sa->held_data);
	wbuf_bytes(&sa->held_data, sa->eng->cur_pkt->data, sa->eng->cur_pkt->len);
	ikev2_alloc_spi(sa, ikev2_proto == IKEV2_PROTO_AH ? IPPROTO_AH : IPPROTO_ESP,
			deferred_ready);
}

struct ike_child *ikev2_child_new(struct ike_sa *sa, const struct conf_item *pol)
{
	struct ike_child *c = ike_child_new(sa, pol);

	if (!c)
		return NULL;
	c->proto = ikev2_policy_proto(pol);
	if (conf_bool(pol, CONF_POLICY_TEMPLATE)) {
		/* a mode-config client's: tunnel mode, policies made from the reply */
		c->tunnel = true;
		return c;
	}
	c->tunnel = conf_bool(pol, CONF_POLICY_TUNNEL);
	c->reqid = sa->eng->d.policy_reqid(sa->eng->d.arg, sa->eng->conf, pol);
	if (!c->reqid) {
		log_info(LOG_IKE, sa->ctx, "policy has no kernel policies installed: no CHILD SA");
		free(c);
		return NULL;
	}
	return c;
}

/* --- the work queue --- */

void ikev2_run_tasks(struct ike_sa *sa)
{
	if (sa->req != IKE_REQ_NONE || sa->state != IKE_STATE_ESTABLISHED || sa->held)
		return;
	if (sa->tasks & IKE_TASK_DELETE) {
		sa->tasks &= ~IKE_TASK_DELETE;
		ikev2_delete_start(sa);
	} else if ((sa->tasks & (IKE_TASK_IKE_REKEY | IKE_TASK_CHILD_REKEY)) &&
		   !ike_slot_take(sa)) {
		return; /* in line for a rekey slot: run again when one is free */
	} else if (sa->tasks & IKE_TASK_IKE_REKEY) {
		sa->tasks &= ~IKE_TASK_IKE_REKEY;
		ikev2_ike_rekey_start(sa);
		if (sa->req == IKE_REQ_NONE && !sa->new_ike) /* nothing under way after all */
			ike_slot_release(sa);
	} else if (sa->tasks & IKE_TASK_CHILD_REKEY) {
		sa->tasks &= ~IKE_TASK_CHILD_REKEY;
		ikev2_child_rekey_start(sa);
		if (sa->req == IKE_REQ_NONE && !sa->rekeying) /* (an SPI may be on its way) */
			ike_slot_release(sa);
	} else if (sa->tasks & IKE_TASK_CHILD_CREATE) {
		sa->tasks &= ~IKE_TASK_CHILD_CREATE;
		ikev2_child_start(sa);
	} else if (sa->tasks & IKE_TASK_DPD) {
		sa->tasks &= ~IKE_TASK_DPD;
		ikev2_dpd_start(sa);
	}
}
