/* frag: IKEv1 fragmentation as Cisco made it and strongSwan and racoon speak it (no RFC).
 * An end announces it with the FRAGMENTATION vendor ID (16 bytes; Cisco and racoon add four
 * bytes of capability flags, which are ignored). A message for a peer that announced it,
 * whose datagram would be larger than the engine's fragment size (ike-fragment-size, as
 * for IKEv2), goes as several ISAKMP messages: the same cookies, message ID 0, the phase 1
 * exchange type, nothing encrypted, and one Fragment payload each (type 132: fragment ID,
 * number from 1, a flag on the last) with the next piece of the whole message's bytes,
 * header included. Fragments received are kept engine-wide, by cookies, peer and fragment
 * ID, since a responder's first message may come in pieces before there is an SA; bounded
 * in sets, fragments per message, bytes and time. A message made whole goes on as if it had
 * come in one datagram. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ipsecd/log.h"
#include "ipsecd/loop.h"
#include "v1.h"

#define UDP_HDR_LEN  8
#define MARKER_LEN   4 /* RFC 3948 non-ESP marker on the NAT-T port */
#define FRAG_HDR_LEN 8 /* generic header, fragment ID, number, flags */

const uint8_t ikev1_vid_frag[16] = {0x40, 0x48, 0xb7, 0xd5, 0x6e, 0xbc, 0xe8, 0x85,
				    0x25, 0xe7, 0xde, 0x7f, 0x00, 0xd6, 0xc2, 0xd3};

/* The fragments of one message. */
struct frag_set {
	uint64_t icookie, rcookie;
	struct net_addr remote;
	uint16_t id;
	uint8_t last;	/* the number of the fragment flagged last; 0 until it came */
	uint8_t have;	/* fragments kept */
	bool refused;	/* over a limit: its parts are gone, the rest is ignored until timeout */
	double started; /* when its first fragment came */
	size_t bytes;
	struct crypto_chunk part[IKEV1_FRAG_MAX];
};

struct ikev1_frags {
	struct ike *eng;
	struct frag_set *set[IKEV1_FRAG_SETS];
	size_t bytes; /* kept over all sets */
	struct loop_timer *timer;
};

/* --- announcing --- */

void ikev1_frag_put_vid(struct ike_sa *sa, struct ikev1_enc *e)
{
	if (sa->eng->frag_size)
		ikev1_put_vendor(e, ikev1_vid_frag, sizeof(ikev1_vid_frag));
}

bool ikev1_frag_vid(const struct ike *eng, const struct wire_bytes *vid)
{
	return eng->frag_size && vid->len >= sizeof(ikev1_vid_frag) &&
	       !memcmp(vid->ptr, ikev1_vid_frag, sizeof(ikev1_vid_frag));
}

/* --- sending --- */

/* The IKE message bytes a datagram to the peer may carry within the fragment size: the IP
 * and UDP headers (and the non-ESP marker) come off. */
static size_t msg_room(const struct ike_sa *sa)
{
	size_t hdrs = (sa->remote.family == AF_INET6 ? 40 : 20) + UDP_HDR_LEN +
		      (sa->natt ? MARKER_LEN : 0);

	return sa->eng->frag_size > hdrs ? sa->eng->frag_size - hdrs : 0;
}

/* The piece of the whole message one fragment carries. */
static size_t piece_room(const struct ike_sa *sa)
{
	size_t room = msg_room(sa);

	return room > IKEV1_HDR_LEN + FRAG_HDR_LEN ? room - IKEV1_HDR_LEN - FRAG_HDR_LEN : 0;
}

bool ikev1_frag_wanted(const struct ike_sa *sa, size_t msglen)
{
	return sa->v1 && sa->v1->frag_vid && sa->eng->frag_size && msglen > msg_room(sa);
}

static int send_piece(struct ike_sa *sa, const struct ikev1_hdr *h, uint8_t num, bool last,
		      const uint8_t *piece, size_t len)
{
	struct wbuf w;
	struct ikev1_enc e;
	int r;

	wbuf_init(&w);
	ikev1_enc_begin(&e, &w, h);
	ikev1_put_frag(&e, sa->v1->frag_id, num, last, piece, len);
	ikev1_enc_end(&e);
	r = w.err ? -ENOMEM
		  : net_send(sa->eng->d.net, &sa->local, &sa->remote, sa->natt, w.p, w.len);
	if (r == 0) {
		sa->tx_packets++;
		sa->tx_bytes += w.len;
	}
	wbuf_free(&w);
	return r;
}

int ikev1_frag_send(struct ike_sa *sa, const struct wbuf *out)
{
	size_t room = piece_room(sa), total = room ? (out->len + room - 1) / room : 0;
	struct ikev1_hdr h;
	int r = 0;

	if (!total || total > IKEV1_FRAG_MAX) {
		log_info(LOG_IKE, sa->ctx, "%zu bytes do not go in %u fragments of %u bytes",
			 out->len, IKEV1_FRAG_MAX, sa->eng->frag_size);
		return -EMSGSIZE;
	}
	/* strongSwan's choice, which peers expect: message ID 0, the phase 1 exchange */
	ikev1_hdr_for(sa, sa->v1->exch, 0, false, &h);
	sa->v1->frag_id++;
	for (size_t i = 0; i < total && r == 0; i++) {
		size_t n = out->len - i * room < room ? out->len - i * room : room;

		r = send_piece(sa, &h, (uint8_t)(i + 1), i + 1 == total, out->p + i * room, n);
	}
	log_debug(LOG_IKE, sa->ctx, "a message of %zu bytes went in %zu fragments", out->len,
		  total);
	return r;
}

/* --- receiving --- */

static void set_free(struct ikev1_frags *t, unsigned i)
{
	struct frag_set *s = t->set[i];

	if (!s)
		return;
	for (unsigned k = 0; k < IKEV1_FRAG_MAX; k++)
		free(s->part[k].ptr);
	t->bytes -= s->bytes;
	free(s);
	t->set[i] = NULL;
}

static void dropped(struct ikev1_frags *t, unsigned i, const char *why)
{
	char a[64];

	t->eng->st.rx_frag_dropped++;
	log_info(LOG_IKE, NULL, "IKEv1 fragments from %s dropped: %s",
		 net_addr_str(&t->set[i]->remote, a, sizeof(a)), why);
}

/* Over a limit: the parts go, the set stays (refused) until its timeout so that the rest
 * of the message's fragments are not kept again. */
static void refuse(struct ikev1_frags *t, unsigned i, const char *why)
{
	struct frag_set *s = t->set[i];

	dropped(t, i, why);
	for (unsigned k = 0; k < IKEV1_FRAG_MAX; k++) {
		free(s->part[k].ptr);
		s->part[k] = (struct crypto_chunk){0};
	}
	t->bytes -= s->bytes;
	s->bytes = 0;
	s->have = 0;
	s->refused = true;
}

/* The timer runs while sets are kept and fires when the oldest is due. */
static void on_timeout(struct loop_timer *w, void *arg);

static void arm(struct ikev1_frags *t)
{
	double now = ike_now(t->eng), due = 0;

	for (unsigned i = 0; i < IKEV1_FRAG_SETS; i++)
		if (t->set[i] && (!due || t->set[i]->started + IKEV1_FRAG_TIMEOUT < due))
			due = t->set[i]->started + IKEV1_FRAG_TIMEOUT;
	if (!due) {
		loop_timer_free(t->timer);
		t->timer = NULL;
		return;
	}
	due = due > now ? due - now : 0.001;
	if (t->timer)
		loop_timer_again(t->timer, due);
	else
		t->timer = loop_timer_new(t->eng->d.loop, due, 0, on_timeout, t);
}

static void on_timeout(struct loop_timer *w, void *arg)
{
	struct ikev1_frags *t = arg;
	double now = ike_now(t->eng);

	(void)w;
	for (unsigned i = 0; i < IKEV1_FRAG_SETS; i++)
		if (t->set[i] && t->set[i]->started + IKEV1_FRAG_TIMEOUT <= now) {
			if (!t->set[i]->refused)
				dropped(t, i, "incomplete after the reassembly timeout");
			set_free(t, i);
		}
	arm(t);
}

static bool same_msg(const struct frag_set *s, const struct net_pkt *p, const struct ikev1_hdr *h)
{
	return s->icookie == h->icookie && s->rcookie == h->rcookie &&
	       net_addr_eq(&s->remote, &p->remote);
}

/* The set of this message: found, or made in a free slot (the oldest set goes when none
 * is free); a set of an earlier fragment ID of the same peer and cookies goes (its message
 * is not coming whole). Its index, or -1. */
static int set_for(struct ikev1_frags *t, const struct net_pkt *p, const struct ikev1_msg *m)
{
	int slot = -1, oldest = 0;

	for (unsigned i = 0; i < IKEV1_FRAG_SETS; i++) {
		struct frag_set *s = t->set[i];

		if (s && same_msg(s, p, &m->hdr) && s->id == m->frag.id)
			return (int)i;
		if (s && same_msg(s, p, &m->hdr)) {
			if (!s->refused)
				dropped(t, i, "a later message came");
			set_free(t, i);
		}
		if (!t->set[i] && slot < 0)
			slot = (int)i;
		if (t->set[i] && t->set[oldest] && t->set[i]->started < t->set[oldest]->started)
			oldest = (int)i;
	}
	if (slot < 0) {
		dropped(t, (unsigned)oldest, "too many messages in fragments at once");
		set_free(t, (unsigned)oldest);
		slot = oldest;
	}
	if (!(t->set[slot] = calloc(1, sizeof(struct frag_set))))
		return -1;
	t->set[slot]->icookie = m->hdr.icookie;
	t->set[slot]->rcookie = m->hdr.rcookie;
	t->set[slot]->remote = p->remote;
	t->set[slot]->id = m->frag.id;
	t->set[slot]->started = ike_now(t->eng);
	arm(t);
	return slot;
}

/* Whether a fragment numbered over num is kept. */
static bool any_after(const struct frag_set *s, uint8_t num)
{
	for (unsigned k = num; k < IKEV1_FRAG_MAX; k++)
		if (s->part[k].ptr)
			return true;
	return false;
}

/* Keeps the fragment's piece (num 1 to IKEV1_FRAG_MAX): 0, 1 when it adds nothing (a
 * duplicate), or a refusal's -errno. */
static int keep(struct ikev1_frags *t, unsigned i, const struct ikev1_frag *f)
{
	struct frag_set *s = t->set[i];
	uint8_t num = f->num;

	if (s->refused || s->part[num - 1].ptr)
		return 1;
	if ((s->last && num > s->last) || (f->last && (s->last || any_after(s, num)))) {
		refuse(t, i, "fragments numbered past the last");
		return -EBADMSG;
	}
	if (s->bytes + f->data.len > IKEV1_MAX_MSG ||
	    t->bytes + f->data.len > IKEV1_FRAG_MAX_BYTES) {
		refuse(t, i, "more than the reassembly limit");
		return -E2BIG;
	}
	if (!(s->part[num - 1].ptr = malloc(f->data.len ? f->data.len : 1)))
		return -ENOMEM;
	memcpy(s->part[num - 1].ptr, f->data.ptr, f->data.len);
	s->part[num - 1].len = f->data.len;
	s->bytes += f->data.len;
	t->bytes += f->data.len;
	s->have++;
	if (f->last)
		s->last = num;
	return 0;
}

/* The whole message of a complete set into *out (the caller frees it). */
static int assemble(const struct frag_set *s, uint8_t **out, size_t *len)
{
	*len = 0;
	if (!(*out = malloc(s->bytes ? s->bytes : 1)))
		return -ENOMEM;
	for (unsigned k = 0; k < s->last; k++) {
		memcpy(*out + *len, s->part[k].ptr, s->part[k].len);
		*len += s->part[k].len;
	}
	return 0;
}

static struct ikev1_frags *table(struct ike *eng)
{
	if (!eng->v1_frags && (eng->v1_frags = calloc(1, sizeof(*eng->v1_frags))))
		eng->v1_frags->eng = eng;
	return eng->v1_frags;
}

int ikev1_frag_recv(struct ike *eng, const struct net_pkt *p, const struct ikev1_msg *m,
		    uint8_t **whole, size_t *len)
{
	struct ikev1_frags *t;
	int i, r;

	if (!eng->frag_size || m->present != ikev1_pld_bit(IKEV1_PLD_FRAGMENT) ||
	    m->frag.num > IKEV1_FRAG_MAX) {
		eng->st.rx_malformed++;
		log_debug(LOG_IKE, NULL, "IKEv1 fragment dropped: %s",
			  !eng->frag_size		 ? "fragmentation is off"
			  : m->frag.num > IKEV1_FRAG_MAX ? "too many fragments"
							 : "other payloads beside the fragment");
		return -EBADMSG;
	}
	if (!(t = table(eng)) || (i = set_for(t, p, m)) < 0)
		return -ENOMEM;
	r = keep(t, (unsigned)i, &m->frag);
	if (r != 0)
		return r;
	if (!t->set[i]->last || t->set[i]->have < t->set[i]->last)
		return 1;
	r = assemble(t->set[i], whole, len);
	set_free(t, (unsigned)i);
	arm(t);
	if (r == 0) {
		eng->st.rx_reassembled++;
		log_debug(LOG_IKE, NULL, "IKEv1 message of %zu bytes reassembled", *len);
	}
	return r;
}

size_t ikev1_frag_held(const struct ike *eng)
{
	return eng->v1_frags ? eng->v1_frags->bytes : 0;
}

void ikev1_frag_engine_free(struct ike *eng)
{
	struct ikev1_frags *t = eng->v1_frags;

	if (!t)
		return;
	for (unsigned i = 0; i < IKEV1_FRAG_SETS; i++)
		set_free(t, i);
	loop_timer_free(t->timer);
	free(t);
	eng->v1_frags = NULL;
}
