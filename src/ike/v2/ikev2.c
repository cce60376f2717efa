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
#include "ipsecd/loop.h"
#include "v2.h"

int ikev2_initiate(struct ike *eng, const struct conf_item *peer, const struct conf_item *policy,
		   const struct kern_sel *acquired)
{
	const char *name = conf_str(peer, CONF_PEER_NAME);
	struct net_addr remote, local;
	int r;

	(void)acquired;
	if ((r = ike_peer_endpoints(eng, peer, &local, &remote)) < 0)
		return r;
	struct ike_sa *sa = ike_sa_new(eng, &ikev2_ops, name, true, &local, &remote);

	if (!sa)
		return -ENOMEM;
	sa->pending_policy = policy ? policy->id : 0;
	if ((r = ikev2_sa_init_start(sa)) < 0)
		ike_sa_destroy(sa, false);
	return r;
}

/* --- a request held until the kernel gave the SPI its answer needs --- */

/* The held datagram goes through the engine again; its inner payloads, kept after it
 * (ikev2_defer), spare the replay a second decryption. */
static void deferred_ready(struct ike_sa *sa, int err, uint32_t spi)
{
	struct ike *eng = sa->eng;
	struct net_pkt p = sa->v2->held_pkt;
	struct wbuf data = sa->v2->held_data;

	if (err < 0)
		log_error(LOG_KERNEL, sa->ctx, "no SPI from the kernel: %s", strerror(-err));
	sa->v2->spare_spi = err < 0 ? 0 : spi;
	sa->v2->spi_failed = err < 0;
	sa->v2->held = false;
	wbuf_init(&sa->v2->held_data);
	p.data = data.p; /* p.len: the datagram's, as held */
	if (data.len > p.len) {
		eng->replay_sa = sa;
		eng->replay_plain = data.p + p.len;
		eng->replay_len = data.len - p.len;
	}
	ike_recv(eng, &p); /* the same request again; this time the SPI is there */
	eng->replay_sa = NULL;
	eng->replay_plain = NULL;
	eng->replay_len = 0;
	wbuf_free(&data);
}

void ikev2_defer(struct ike_sa *sa, uint8_t ikev2_proto)
{
	const struct ike *eng = sa->eng;
	const struct net_pkt *p = eng->cur_pkt;

	if (sa->v2->held) /* a retransmission of the request we are holding */
		return;
	sa->v2->held = true;
	sa->v2->held_pkt = *p;
	wbuf_init(&sa->v2->held_data);
	sa->v2->held_data.secret = true; /* the inner payloads may follow the datagram */
	wbuf_bytes(&sa->v2->held_data, p->data, p->len);
	/* kept when the datagram's first payload is SK (RFC 7296 3.14); a fragmented
	 * request is put together again from its fragments instead (frag.c) */
	if (eng->cur_plain && p->len > 16 && p->data[16] == IKEV2_PLD_SK)
		wbuf_bytes(&sa->v2->held_data, eng->cur_plain, eng->cur_plain_len);
	ike_alloc_spi(sa, ikev2_proto == IKEV2_PROTO_AH ? IPPROTO_AH : IPPROTO_ESP, deferred_ready);
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
	if (sa->v2->req != IKE_REQ_NONE || sa->state != IKE_STATE_ESTABLISHED || sa->v2->held)
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
		if (sa->v2->req == IKE_REQ_NONE && !sa->v2->new_ike) /* nothing under way */
			ike_slot_release(sa);
	} else if (sa->tasks & IKE_TASK_CHILD_REKEY) {
		sa->tasks &= ~IKE_TASK_CHILD_REKEY;
		ikev2_child_rekey_start(sa);
		if (sa->v2->req == IKE_REQ_NONE && !sa->rekeying) /* (an SPI may be on its way) */
			ike_slot_release(sa);
	} else if (sa->tasks & IKE_TASK_CHILD_CREATE) {
		sa->tasks &= ~IKE_TASK_CHILD_CREATE;
		ikev2_child_start(sa);
	} else if (sa->tasks & IKE_TASK_DPD) {
		sa->tasks &= ~IKE_TASK_DPD;
		ikev2_dpd_start(sa);
	}
}

/* --- what the core calls --- */

static int sa_new(struct ike_sa *sa)
{
	if (!(sa->v2 = calloc(1, sizeof(*sa->v2))))
		return -ENOMEM;
	wbuf_init(&sa->v2->init_ours);
	wbuf_init(&sa->v2->init_theirs);
	return 0;
}

static void handshake_done(struct ike_sa *sa)
{
	struct ikev2_state *v = sa->v2;

	wbuf_free(&v->init_ours);
	wbuf_free(&v->init_theirs);
	ikev2_eap_free(v->eap);
	v->eap = NULL;
	ikev2_eap_gw_free(sa);
}

static void sa_free(struct ike_sa *sa, bool delete_kernel)
{
	struct ikev2_state *v = sa->v2;

	if (v->new_ike)
		ike_sa_destroy(v->new_ike, delete_kernel);
	if (v->spare_spi)
		ike_release_spi(sa, IPPROTO_ESP, v->spare_spi);
	ikev2_keys_clear(&v->keys);
	ikev2_frag_free(sa);
	crypto_sk_free(v->sk_in);
	crypto_sk_free(v->sk_out);
	crypto_chunk_clear(&v->cookie);
	crypto_chunk_clear(&v->child_ni);
	crypto_dh_free(v->child_dh);
	wbuf_free(&v->held_data);
	handshake_done(sa);
	free(v);
	sa->v2 = NULL;
}

const struct ike_version_ops ikev2_ops = {
	.major = 2,
	.recv = ikev2_recv,
	.initiate = ikev2_initiate,
	.run_tasks = ikev2_run_tasks,
	.send_delete = ikev2_send_delete_ike,
	.delete_child = ikev2_delete_child_start,
	.child_install_failed = ikev2_child_install_failed,
	.sa_new = sa_new,
	.handshake_done = handshake_done,
	.sa_free = sa_free,
};
