/* frag: IKEv2 fragmentation (RFC 7383). Both ends announce it in IKE_SA_INIT (2.3); then an
 * encrypted message whose datagram would exceed the engine's fragment size goes as SKF
 * messages, each fragment sealed on its own (2.5), back to back in one buffer that
 * ikev2_send_raw sends datagram by datagram (so retransmissions and the response cache
 * resend every fragment). Fragments received are checked and opened one by one, and kept
 * per IKE SA, direction and message ID until the message is whole (2.6), within a byte cap
 * and a timeout; the whole message then goes on as if it had come in one SK payload. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ipsecd/log.h"
#include "ipsecd/loop.h"
#include "v2.h"

#define UDP_HDR_LEN 8
#define MARKER_LEN  4 /* RFC 3948 non-ESP marker on the NAT-T port */
#define SKF_HDR_LEN 8 /* generic header, Fragment Number, Total Fragments */

/* The fragments of one message: requests and responses each have one set at a time. */
struct ikev2_frag_set {
	struct ike_sa *sa;
	bool response;
	uint8_t exch;
	uint8_t first; /* the first inner payload, from fragment 1 */
	uint32_t msgid;
	uint16_t total, have;
	uint16_t done_by; /* the fragment that made the message whole; 0 until then */
	bool refused;	  /* over the limit: its parts are gone, the rest is ignored */
	size_t bytes;	  /* allocated for the parts */
	struct loop_timer *timer;
	struct crypto_chunk part[IKEV2_MAX_FRAGMENTS]; /* decrypted inner payload bytes */
};

/* --- IKE_SA_INIT (2.3) --- */

void ikev2_frag_put_init(struct ike_sa *sa, struct ikev2_enc *e)
{
	/* a responder announces it only to an initiator that did */
	if (sa->eng->frag_size && (sa->initiator || sa->v2->frag_on))
		ikev2_put_notify(e, 0, IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0, NULL, 0);
}

void ikev2_frag_read_init(struct ike_sa *sa, const struct ikev2_msg *m)
{
	sa->v2->frag_on =
		sa->eng->frag_size && ikev2_notify_find(m, IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED);
}

/* --- sending (2.5) --- */

/* The IKE message bytes a datagram to the peer may carry within the fragment size: the IP
 * and UDP headers (and the non-ESP marker) come off. */
static size_t msg_room(const struct ike_sa *sa)
{
	size_t hdrs = (sa->remote.family == AF_INET6 ? 40 : 20) + UDP_HDR_LEN +
		      (sa->natt ? MARKER_LEN : 0);

	return sa->eng->frag_size > hdrs ? sa->eng->frag_size - hdrs : 0;
}

bool ikev2_frag_wanted(const struct ike_sa *sa, size_t msglen)
{
	return sa->v2->frag_on && sa->eng->frag_size && msglen > msg_room(sa);
}

/* The most inner payload bytes whose sealed body fits in room. */
static size_t chunk_for(const struct crypto_sk *sk, size_t room)
{
	size_t n = room;

	while (n && crypto_sk_sealed_len(sk, n) > room)
		n--;
	return n;
}

static int seal_one(struct ike_sa *sa, const struct ikev2_hdr *h, uint8_t next, uint16_t num,
		    uint16_t total, const uint8_t *plain, size_t len, struct wbuf *out)
{
	size_t start = wbuf_mark(out), body = crypto_sk_sealed_len(sa->v2->sk_out, len);
	struct ikev2_enc e;
	size_t off;

	ikev2_enc_begin(&e, out, h);
	off = ikev2_put_skf(&e, next, num, total, body);
	wbuf_reserve(out, body);
	ikev2_enc_end(&e);
	if (out->err)
		return -ENOMEM;
	/* the AAD runs from this fragment's IKE header through its fragment numbers */
	return crypto_sk_seal(sa->v2->sk_out, out->p + start, off + SKF_HDR_LEN - start, plain, len,
			      out->p + off + SKF_HDR_LEN, body);
}

int ikev2_frag_seal(struct ike_sa *sa, const struct ikev2_hdr *h, uint8_t first,
		    const uint8_t *plain, size_t len, struct wbuf *out)
{
	size_t room = msg_room(sa), chunk = 0, total;

	if (room > IKEV2_HDR_LEN + SKF_HDR_LEN)
		chunk = chunk_for(sa->v2->sk_out, room - IKEV2_HDR_LEN - SKF_HDR_LEN);
	total = chunk ? (len + chunk - 1) / chunk : 0;
	if (!total || total > IKEV2_MAX_FRAGMENTS) {
		log_info(LOG_IKE, sa->ctx,
			 "%s %u: %zu bytes do not go in %u fragments of %u bytes: not sent",
			 ikev2_exch_name(h->exch), h->msgid, len, IKEV2_MAX_FRAGMENTS,
			 sa->eng->frag_size);
		return -EMSGSIZE;
	}
	for (size_t i = 0; i < total; i++) {
		size_t n = len - i * chunk < chunk ? len - i * chunk : chunk;
		int r = seal_one(sa, h, i ? IKEV2_PLD_NONE : first, (uint16_t)(i + 1),
				 (uint16_t)total, plain + i * chunk, n, out);

		if (r < 0)
			return r;
	}
	log_debug(LOG_IKE, sa->ctx, "%s %u goes in %zu fragments", ikev2_exch_name(h->exch),
		  h->msgid, total);
	return 0;
}

/* --- receiving (2.6) --- */

static void set_free(struct ike_sa *sa, bool response)
{
	struct ikev2_frag_set *s = sa->v2->frags[response];

	if (!s)
		return;
	for (unsigned i = 0; i < s->total; i++)
		crypto_chunk_clear(&s->part[i]);
	loop_timer_free(s->timer);
	free(s);
	sa->v2->frags[response] = NULL;
}

void ikev2_frag_done(struct ike_sa *sa, bool response)
{
	if (sa->v2->frags[response] && sa->v2->frags[response]->done_by)
		set_free(sa, response);
}

void ikev2_frag_free(struct ike_sa *sa)
{
	set_free(sa, false);
	set_free(sa, true);
}

size_t ikev2_frag_held(const struct ike_sa *sa)
{
	return (sa->v2->frags[0] ? sa->v2->frags[0]->bytes : 0) +
	       (sa->v2->frags[1] ? sa->v2->frags[1]->bytes : 0);
}

static void dropped(struct ike_sa *sa, bool response, uint32_t msgid, const char *why)
{
	sa->eng->st.rx_frag_dropped++;
	log_info(LOG_IKE, sa->ctx, "fragments of %s %u dropped: %s",
		 response ? "response" : "request", msgid, why);
}

static void on_timeout(struct loop_timer *w, void *arg)
{
	struct ikev2_frag_set *s = arg;
	struct ike_sa *sa = s->sa;

	(void)w;
	if (!s->done_by && !s->refused)
		dropped(sa, s->response, s->msgid, "incomplete after the reassembly timeout");
	set_free(sa, s->response);
}

static struct ikev2_frag_set *set_new(struct ike_sa *sa, const struct ikev2_msg *m)
{
	struct ikev2_frag_set *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->sa = sa;
	s->response = m->hdr.flags & IKEV2_FLAG_RESPONSE;
	s->exch = m->hdr.exch;
	s->msgid = m->hdr.msgid;
	s->total = m->frag_total;
	s->timer = loop_timer_new(sa->eng->d.loop, IKEV2_FRAG_TIMEOUT, 0, on_timeout, s);
	if (!s->timer) {
		free(s);
		return NULL;
	}
	sa->v2->frags[s->response] = s;
	return s;
}

/* 2.6.1: a fragment of a later message means the earlier one is not coming; a larger total
 * for the same message means the peer fragmented it anew: what was kept goes. */
static void make_room(struct ike_sa *sa, const struct ikev2_msg *m)
{
	bool response = m->hdr.flags & IKEV2_FLAG_RESPONSE;
	struct ikev2_frag_set *s = sa->v2->frags[response];

	if (!s || (s->msgid == m->hdr.msgid && (s->done_by || m->frag_total <= s->total)))
		return;
	if (!s->done_by && !s->refused)
		dropped(sa, response, s->msgid,
			s->msgid != m->hdr.msgid ? "a later message came"
						 : "the peer fragmented the message anew");
	set_free(sa, response);
}

/* A fragment that adds nothing: one already kept, of a smaller total (2.6.1) or another
 * exchange, of a message refused, or any but the last one of a message already whole. */
static bool adds_nothing(const struct ikev2_frag_set *s, const struct ikev2_msg *m)
{
	if (s->refused)
		return true;
	if (s->done_by)
		return m->frag_num != s->done_by;
	return m->frag_total < s->total || m->hdr.exch != s->exch || s->part[m->frag_num - 1].ptr;
}

/* Over the limit: the parts go, the set stays until its timeout so that the message's
 * other fragments are not kept again. */
static void refuse(struct ikev2_frag_set *s)
{
	dropped(s->sa, s->response, s->msgid, "more than the reassembly limit");
	for (unsigned i = 0; i < s->total; i++)
		crypto_chunk_clear(&s->part[i]);
	s->bytes = 0;
	s->have = 0;
	s->refused = true;
}

/* The whole message's inner payloads into *plain (the caller frees it). */
static int assemble(const struct ikev2_frag_set *s, struct ikev2_msg *m, uint8_t **plain,
		    size_t *plen)
{
	size_t len = 0;

	for (unsigned i = 0; i < s->total; i++)
		len += s->part[i].len;
	*plain = malloc(len ? len : 1);
	if (!*plain)
		return -ENOMEM;
	*plen = 0;
	for (unsigned i = 0; i < s->total; i++) {
		memcpy(*plain + *plen, s->part[i].ptr, s->part[i].len);
		*plen += s->part[i].len;
	}
	m->sk_next = s->first;
	return 0;
}

/* Keeps an opened fragment (part, alloc bytes holding len). 0 with the whole message, 1
 * when there is nothing more to do yet, or -errno. */
static int keep(struct ike_sa *sa, const struct net_pkt *p, struct ikev2_msg *m, uint8_t *part,
		size_t alloc, size_t len, uint8_t **plain, size_t *plen)
{
	bool response = m->hdr.flags & IKEV2_FLAG_RESPONSE;
	struct ikev2_frag_set *s;
	struct crypto_chunk c = {part, len};

	make_room(sa, m);
	s = sa->v2->frags[response];
	if (s && adds_nothing(s, m)) {
		crypto_chunk_clear(&c);
		return 1;
	}
	if (s && s->done_by) { /* the request ikev2_defer held, handled again */
		crypto_chunk_clear(&c);
		return assemble(s, m, plain, plen);
	}
	if (!s && !(s = set_new(sa, m))) {
		crypto_chunk_clear(&c);
		return -ENOMEM;
	}
	if (ikev2_frag_held(sa) + alloc > IKEV2_FRAG_MAX_BYTES) {
		crypto_chunk_clear(&c);
		refuse(s);
		return -E2BIG;
	}
	s->part[m->frag_num - 1] = c;
	s->bytes += alloc;
	s->have++;
	if (m->frag_num == 1)
		s->first = m->sk_next;
	if (s->have < s->total) {
		sa->last_seen = ike_now(sa->eng);
		sa->rx_packets++;
		sa->rx_bytes += p->len;
		return 1;
	}
	s->done_by = m->frag_num;
	sa->eng->st.rx_reassembled++;
	log_debug(LOG_IKE, sa->ctx, "%s %u reassembled from %u fragments",
		  ikev2_exch_name(m->hdr.exch), m->hdr.msgid, s->total);
	return assemble(s, m, plain, plen);
}

int ikev2_frag_open(struct ike_sa *sa, const struct net_pkt *p, struct ikev2_msg *m, bool dup,
		    uint8_t **plain, size_t *plen)
{
	size_t alloc = m->sk.len ? m->sk.len : 1, len = 0;
	uint8_t *part;

	if (!sa->v2->frag_on) {
		sa->eng->st.rx_malformed++;
		log_debug(LOG_IKE, sa->ctx, "fragment without fragmentation announced: dropped");
		return -EBADMSG;
	}
	if (!(part = malloc(alloc)))
		return -ENOMEM;
	/* 2.6: each fragment is checked and decrypted before it is kept */
	if (crypto_sk_open(sa->v2->sk_in, p->data, m->sk_aad_len, m->sk.ptr, m->sk.len, part,
			   &len) < 0) {
		free(part);
		sa->eng->st.rx_auth_failed++;
		log_debug(LOG_IKE, sa->ctx,
			  "fragment %u/%u of message %u fails its integrity check", m->frag_num,
			  m->frag_total, m->hdr.msgid);
		return -EBADMSG;
	}
	if (dup) { /* 2.6.1: a request answered already gets its answer again on fragment 1 */
		struct crypto_chunk c = {part, len};

		crypto_chunk_clear(&c);
		return m->frag_num == 1 ? 0 : 1;
	}
	return keep(sa, p, m, part, alloc, len, plain, plen);
}
