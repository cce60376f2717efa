/* msg: IKEv2 message I/O for an IKE SA. Protection of the SK payload, requests with
 * retransmission and back-off (window 1, RFC 7296 2.1 and 2.3), responses cached for
 * duplicate requests (2.1), and the receive path: route to the SA by SPI, check the
 * message ID, decrypt (fragments: frag.c), decode, check the payload rules, dispatch by
 * exchange. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/log.h"
#include "ipsecd/loop.h"
#include "v2.h"

void ikev2_hdr_for(const struct ike_sa *sa, uint8_t exch, bool response, uint32_t msgid,
		   struct ikev2_hdr *h)
{
	memset(h, 0, sizeof(*h));
	h->spi_i = sa->spi_i;
	h->spi_r = sa->spi_r;
	h->version = IKEV2_VERSION;
	h->exch = exch;
	h->flags =
		(sa->initiator ? IKEV2_FLAG_INITIATOR : 0) | (response ? IKEV2_FLAG_RESPONSE : 0);
	h->msgid = msgid;
}

int ikev2_protect(struct ike_sa *sa, uint8_t exch, bool response, uint32_t msgid,
		  struct ikev2_enc *inner, struct wbuf *out)
{
	size_t plain = inner->w->len;
	size_t body = crypto_sk_sealed_len(sa->v2->sk_out, plain);
	struct ikev2_hdr h;
	struct ikev2_enc e;

	if (inner->w->err)
		return -ENOMEM;
	ikev2_hdr_for(sa, exch, response, msgid, &h);
	if (ikev2_frag_wanted(sa, IKEV2_HDR_LEN + 4 + body)) /* RFC 7383 */
		return ikev2_frag_seal(sa, &h, inner->first, inner->w->p, plain, out);
	ikev2_enc_begin(&e, out, &h);
	size_t off = ikev2_put_sk(&e, inner, body);

	wbuf_reserve(out, body);
	ikev2_enc_end(&e);
	if (out->err)
		return -ENOMEM;
	return crypto_sk_seal(sa->v2->sk_out, out->p, off + 4, inner->w->p, plain, out->p + off + 4,
			      body);
}

/* The length of the message at off in our own buffer, by its header. */
static size_t msg_len_at(const struct wbuf *out, size_t off)
{
	struct ikev2_hdr h;

	if (ikev2_decode_hdr(out->p + off, out->len - off, &h) < 0 || h.length > out->len - off)
		return out->len - off;
	return h.length;
}

/* out holds one message, or the fragments of one back to back (frag.c): one datagram each. */
void ikev2_send_raw(struct ike_sa *sa, const struct wbuf *out)
{
	for (size_t off = 0, len; off < out->len; off += len) {
		len = msg_len_at(out, off);
		int r = net_send(sa->eng->d.net, &sa->local, &sa->remote, sa->natt, out->p + off,
				 len);

		if (r < 0) {
			log_debug(LOG_NET, sa->ctx, "send of %zu bytes failed: %s", len,
				  strerror(-r));
			return;
		}
		sa->tx_packets++;
		sa->tx_bytes += len;
	}
}

/* The profile's dpd-maximum-failures: unanswered retransmissions of a request before the
 * peer is taken for dead (RouterOS's name; in IKEv2 every request checks liveness). */
static unsigned rtx_max(const struct ike_sa *sa)
{
	const struct conf_item *peer = ike_peer_find(sa->eng->conf, sa->peer);
	const struct conf_item *prof = peer ? ike_profile_of(sa->eng->conf, peer) : NULL;

	return prof ? (unsigned)conf_int(prof, CONF_PROFILE_DPD_MAXIMUM_FAILURES) : IKEV2_RTX_MAX;
}

/* The wait after retransmission count: 4, 8, 16, 32, then 64 s. */
static double rtx_wait(unsigned count)
{
	return count >= 5 ? IKEV2_RTX_CAP : IKEV2_RTX_BASE * (double)(1u << count);
}

static void on_retransmit(struct loop_timer *w, void *arg)
{
	struct ike_sa *sa = arg;

	(void)w;
	if (sa->rtx_count >= rtx_max(sa)) {
		ike_sa_fail(sa, "no answer from the peer after %u retransmissions: peer is dead",
			    sa->rtx_count);
		ike_sa_destroy(sa, true);
		return;
	}
	sa->rtx_count++;
	sa->eng->st.retransmits++;
	log_debug(LOG_IKE, sa->ctx, "retransmitting request %u (%u)", sa->v2->msgid_out,
		  sa->rtx_count);
	ikev2_send_raw(sa, &sa->req_pkt);
	loop_timer_again(sa->rtx, rtx_wait(sa->rtx_count));
}

void ikev2_send_request(struct ike_sa *sa, enum ike_req_kind kind, struct wbuf *out)
{
	wbuf_free(&sa->req_pkt);
	sa->req_pkt = *out;
	wbuf_init(out);
	sa->v2->req = kind;
	sa->rtx_count = 0;
	ikev2_send_raw(sa, &sa->req_pkt);
	if (!sa->rtx)
		sa->rtx = loop_timer_new(sa->eng->d.loop, IKEV2_RTX_BASE, 0, on_retransmit, sa);
	else
		loop_timer_again(sa->rtx, IKEV2_RTX_BASE);
}

void ikev2_request_done(struct ike_sa *sa)
{
	loop_timer_free(sa->rtx);
	sa->rtx = NULL;
	wbuf_free(&sa->req_pkt);
	sa->v2->req = IKE_REQ_NONE;
	sa->v2->msgid_out++;
	ikev2_frag_done(sa, true);
	ike_slot_release(sa); /* a next rekey of this SA takes its turn in line */
	ikev2_run_tasks(sa);
}

void ikev2_send_response(struct ike_sa *sa, struct wbuf *out)
{
	wbuf_free(&sa->resp_pkt);
	sa->resp_pkt = *out;
	wbuf_init(out);
	sa->v2->msgid_in++;
	ikev2_frag_done(sa, false);
	ikev2_send_raw(sa, &sa->resp_pkt);
}

void ikev2_respond_notify(struct ike_sa *sa, uint8_t exch, uint32_t msgid, uint16_t type,
			  const uint8_t *data, size_t len)
{
	struct wbuf in, out;
	struct ikev2_enc e;

	wbuf_init(&in);
	wbuf_init(&out);
	ikev2_enc_inner_begin(&e, &in);
	ikev2_put_notify(&e, 0, type, NULL, 0, data, len);
	if (ikev2_protect(sa, exch, true, msgid, &e, &out) == 0)
		ikev2_send_response(sa, &out);
	wbuf_free(&in);
	wbuf_free(&out);
}

const struct ikev2_notify *ikev2_notify_find(const struct ikev2_msg *m, uint16_t type)
{
	for (unsigned i = 0; i < m->nnotify; i++)
		if (m->notify[i].type == type)
			return &m->notify[i];
	return NULL;
}

const struct ikev2_notify *ikev2_error_notify(const struct ikev2_msg *m)
{
	for (unsigned i = 0; i < m->nnotify; i++)
		if (m->notify[i].type < 16384)
			return &m->notify[i];
	return NULL;
}

static void dispatch_request(struct ike_sa *sa, const struct ikev2_msg *m)
{
	switch (m->hdr.exch) {
	case IKEV2_EXCH_IKE_AUTH:
		if (!sa->initiator && sa->state == IKE_STATE_INIT_DONE)
			ikev2_auth_request(sa, m);
		break;
	case IKEV2_EXCH_CREATE_CHILD_SA:
		if (sa->state == IKE_STATE_ESTABLISHED) {
			ikev2_create_child_request(sa, m);
		} else if (sa->state == IKE_STATE_INIT_DONE) {
			/* 1.2: IKE_AUTH comes second. Dropped unanswered, so that its message
			 * ID stays the one IKE_AUTH must use. */
			sa->eng->st.rx_dropped++;
			log_debug(LOG_IKE, sa->ctx, "CREATE_CHILD_SA before IKE_AUTH dropped");
		} else {
			ikev2_respond_notify(sa, m->hdr.exch, m->hdr.msgid,
					     IKEV2_N_TEMPORARY_FAILURE, NULL, 0);
		}
		break;
	case IKEV2_EXCH_INFORMATIONAL:
		if (sa->state >= IKE_STATE_ESTABLISHED)
			ikev2_informational_request(sa, m);
		break;
	default:
		log_debug(LOG_IKE, sa->ctx, "request of exchange %s ignored",
			  ikev2_exch_name(m->hdr.exch));
	}
}

static void dispatch_reply(struct ike_sa *sa, const struct ikev2_msg *m)
{
	switch (sa->v2->req) {
	case IKE_REQ_AUTH:
		ikev2_auth_reply(sa, m);
		break;
	case IKE_REQ_CHILD:
	case IKE_REQ_CHILD_REKEY:
		ikev2_create_child_reply(sa, m);
		break;
	case IKE_REQ_IKE_REKEY:
		ikev2_ike_rekey_reply(sa, m);
		break;
	case IKE_REQ_INFO:
	case IKE_REQ_DELETE_CHILD:
	case IKE_REQ_DELETE:
		ikev2_informational_reply(sa, m);
		break;
	default:
		break;
	}
}

/* Message IDs (2.3): a request must be the next one; the previous one again is a
 * retransmission answered from the cache; a response must answer our request. */
static bool msgid_ok(struct ike_sa *sa, const struct ikev2_hdr *h, bool *dup)
{
	*dup = false;
	if (h->flags & IKEV2_FLAG_RESPONSE)
		return sa->v2->req != IKE_REQ_NONE && sa->v2->req != IKE_REQ_SA_INIT &&
		       h->msgid == sa->v2->msgid_out;
	if (h->msgid == sa->v2->msgid_in)
		return true;
	*dup = sa->resp_pkt.len && h->msgid + 1 == sa->v2->msgid_in;
	return *dup;
}

/* Decrypts m's SK payload; plain holds the inner payloads. */
static int decrypt(struct ike_sa *sa, const struct net_pkt *p, struct ikev2_msg *m, uint8_t **plain,
		   size_t *plen)
{
	struct ike *eng = sa->eng;

	if (!ikev2_has(m, IKEV2_PLD_SK))
		return -EBADMSG;
	*plain = malloc(m->sk.len ? m->sk.len : 1);
	if (!*plain)
		return -ENOMEM;
	if (eng->replay_sa == sa && eng->replay_plain && eng->replay_len <= m->sk.len) {
		/* a held request again: opened and checked when it came (ikev2_defer) */
		memcpy(*plain, eng->replay_plain, eng->replay_len);
		*plen = eng->replay_len;
		eng->replay_sa = NULL;
		eng->replay_plain = NULL;
		return 0;
	}
	if (crypto_sk_open(sa->v2->sk_in, p->data, m->sk_aad_len, m->sk.ptr, m->sk.len, *plain,
			   plen) < 0) {
		sa->eng->st.rx_auth_failed++;
		log_debug(LOG_IKE, sa->ctx, "message %u fails its integrity check: dropped",
			  m->hdr.msgid);
		return -EBADMSG;
	}
	return 0;
}

/* Opens m (SK, or SKF fragments once all are there) and decodes the inner payloads; plain
 * holds them. 0, 1 when a fragment leaves nothing to do yet, or -errno. */
static int open_sk(struct ike_sa *sa, const struct net_pkt *p, struct ikev2_msg *m, bool dup,
		   uint8_t **plain)
{
	size_t plen = 0;
	const char *why = NULL;
	bool frag = ikev2_has(m, IKEV2_PLD_SKF);
	int r = frag ? ikev2_frag_open(sa, p, m, dup, plain, &plen)
		     : decrypt(sa, p, m, plain, &plen);

	if (r || (frag && dup)) /* a duplicate's fragment alone does not decode */
		return r;
	sa->eng->cur_plain = *plain; /* an EAP gateway keeps the first IKE_AUTH's (eap_gw.c) */
	sa->eng->cur_plain_len = plen;
	if (ikev2_decode_inner(*plain, plen, m->sk_next, m) < 0 ||
	    ikev2_check_rules(m, true, &why) < 0) {
		sa->eng->st.rx_malformed++;
		log_info(LOG_IKE, sa->ctx, "malformed %s %s dropped%s%s",
			 ikev2_exch_name(m->hdr.exch),
			 m->hdr.flags & IKEV2_FLAG_RESPONSE ? "response" : "request",
			 why ? ": " : "", why ? why : "");
		return -EBADMSG;
	}
	return 0;
}

/* 2.23: an authentic message on the NAT-T port from another port or address. The
 * initiator may move to the NAT-T port after IKE_SA_INIT with no NAT between us: that
 * alone changes where IKE goes, not how ESP is sent. A NAT shows when the address
 * changes, or when the port of a peer already on the NAT-T port does (a new mapping). */
static void follow_natt(struct ike_sa *sa, const struct net_pkt *p)
{
	bool moved_ip = !net_addr_ip_eq(&sa->remote, &p->remote);

	if (moved_ip || sa->natt) {
		if (!sa->nat_there)
			log_info(LOG_IKE, sa->ctx,
				 "the peer's address changed: a NAT in front of it");
		sa->nat_there = true;
	}
	sa->natt = true;
	ike_sa_set_remote(sa, &p->remote);
	sa->local = p->local;
}

static void recv_protected(struct ike_sa *sa, const struct net_pkt *p, struct ikev2_msg *m)
{
	struct ike *eng = sa->eng;
	uint8_t *plain = NULL;
	bool dup;

	if (!msgid_ok(sa, &m->hdr, &dup)) {
		sa->eng->st.rx_dropped++;
		log_debug(LOG_IKE, sa->ctx, "message id %u unexpected: dropped", m->hdr.msgid);
		return;
	}
	if (open_sk(sa, p, m, dup, &plain)) {
		eng->cur_plain = NULL;
		free(plain);
		return;
	}
	sa->last_seen = ike_now(sa->eng);
	sa->rx_packets++;
	sa->rx_bytes += p->len;
	if (p->natt && (!sa->natt || !net_addr_eq(&sa->remote, &p->remote)))
		follow_natt(sa, p);
	if (dup) {
		ikev2_send_raw(sa, &sa->resp_pkt);
	} else if (m->unsupported_critical && !(m->hdr.flags & IKEV2_FLAG_RESPONSE)) {
		/* 2.5: refuse the whole request, naming the payload type */
		ikev2_respond_notify(sa, m->hdr.exch, m->hdr.msgid,
				     IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD, &m->unsupported_critical,
				     1);
	} else if (m->hdr.flags & IKEV2_FLAG_RESPONSE)
		dispatch_reply(sa, m);
	else
		dispatch_request(sa, m);
	eng->cur_plain = NULL; /* (sa may be gone) */
	free(plain);	       /* inner payloads are gone from here on */
}

void ikev2_recv(struct ike *eng, const struct net_pkt *p)
{
	static struct ikev2_msg m; /* single-threaded; 7 KiB kept off the stack */
	struct ike_sa *sa;
	int r = ikev2_decode(p->data, p->len, &m);

	if (r == -EPROTONOSUPPORT) {
		eng->st.rx_malformed++;
		ikev2_answer_major_version(eng, p, &m.hdr);
		return;
	}
	if (r < 0) {
		eng->st.rx_malformed++;
		log_debug(LOG_IKE, NULL, "malformed message (%s) dropped", strerror(-r));
		return;
	}
	bool response = m.hdr.flags & IKEV2_FLAG_RESPONSE;

	if (m.hdr.exch == IKEV2_EXCH_IKE_SA_INIT && !response) {
		ikev2_sa_init_request(eng, p, &m);
		return;
	}
	sa = ike_tab_get(&eng->sas, m.hdr.flags & IKEV2_FLAG_INITIATOR ? m.hdr.spi_r : m.hdr.spi_i);
	if (!sa || sa->state == IKE_STATE_DEAD || !sa->v2) { /* !v2: an IKEv1 SA's SPI */
		eng->st.rx_no_sa++;
		log_debug(LOG_IKE, NULL, "message for unknown IKE SA %016llx/%016llx dropped",
			  (unsigned long long)m.hdr.spi_i, (unsigned long long)m.hdr.spi_r);
		return;
	}
	if (m.hdr.exch == IKEV2_EXCH_IKE_SA_INIT) {
		if (sa->state == IKE_STATE_INIT_SENT && m.hdr.msgid == 0)
			ikev2_sa_init_reply(sa, &m, p);
		return;
	}
	if (!sa->v2->sk_in) {
		eng->st.rx_dropped++;
		return;
	}
	recv_protected(sa, p, &m);
}
