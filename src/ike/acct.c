/* acct: the user a client authenticated as, whatever the IKE version: an EAP identity a
 * RADIUS server accepted (IKEv2, auth-method=eap-radius) or an XAuth user (IKEv1,
 * pre-shared-key-xauth, checked by RADIUS or /ip ipsec user). What RADIUS's Access-Accept
 * said lives as long as the IKE SA (Class, Framed-IP-Address) and, with /ip ipsec settings
 * accounting=yes, the user has an accounting session (RFC 2866): Start when its first
 * CHILD SA (IPsec SA) is installed, Interim-Update every interim-update, Stop when the IKE
 * SA goes, with the bytes and packets of its CHILD SAs from the kernel's counters (read
 * through ike_deps.sa_counters before the SAs leave the kernel; those of CHILD SAs gone
 * earlier, by rekey or delete, are kept) and a terminate cause. Requests go through
 * ike_deps.radius_acct, fire and forget: the client retries and fails over on its own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/log.h"
#include "ipsecd/loop.h"
#include "ike_internal.h"

struct ike_acct {
	char user[RADIUS_ATTR_MAX + 1];
	unsigned int nclass;
	struct radius_bytes class_[RADIUS_MAX_CLASS];
	bool has_framed;
	struct in_addr framed;
	bool started;
	double start;
	char session_id[32];
	/* what CHILD SAs gone already carried (in: from the peer, out: to it) */
	uint64_t in_octets, out_octets, in_packets, out_packets;
	struct loop_timer *interim;
	uint32_t cause;
};

int ike_acct_begin(struct ike_sa *sa, const char *user, const struct radius_reply *r)
{
	struct ike_acct *a = calloc(1, sizeof(*a));

	if (!a)
		return -1;
	snprintf(a->user, sizeof(a->user), "%s", user);
	if (r) {
		a->nclass = r->nclass < RADIUS_MAX_CLASS ? r->nclass : RADIUS_MAX_CLASS;
		memcpy(a->class_, r->class_, a->nclass * sizeof(a->class_[0]));
		a->has_framed = r->has_framed_ip;
		a->framed = r->framed_ip;
	}
	ike_acct_free(sa);
	sa->acct = a;
	return 0;
}

const char *ike_acct_user(const struct ike_sa *sa)
{
	return sa->acct ? sa->acct->user : NULL;
}

bool ike_acct_framed_ip(const struct ike_sa *sa, struct net_addr *out)
{
	if (!sa->acct || !sa->acct->has_framed)
		return false;
	memset(out, 0, sizeof(*out));
	out->family = AF_INET;
	memcpy(out->bytes, &sa->acct->framed, 4);
	return true;
}

void ike_acct_cause(struct ike_sa *sa, uint32_t cause)
{
	if (sa->acct && !sa->acct->cause)
		sa->acct->cause = cause;
}

static const struct conf_item *settings(const struct ike *eng)
{
	return eng->conf && conf_count(eng->conf, CONF_M_SETTINGS)
		       ? conf_item_at(eng->conf, CONF_M_SETTINGS, 0)
		       : NULL;
}

/* One kernel SA's counters added to *bytes and *packets. */
static void count_sa(struct ike_child *c, bool inbound, uint64_t *bytes, uint64_t *packets)
{
	struct ike_sa *sa = c->ike;
	const struct ike_deps *d = &sa->eng->d;
	struct kern_sa_id id = {.proto = c->proto, .spi = inbound ? c->spi_in : c->spi_out};
	const struct net_addr *dst = inbound ? &sa->local : &sa->remote;
	uint64_t b = 0, p = 0;

	if (!d->sa_counters || !(inbound ? c->installed_in : c->installed_out))
		return;
	id.dst.family = dst->family;
	memcpy(id.dst.bytes, dst->bytes, sizeof(id.dst.bytes));
	if (d->sa_counters(d->arg, &id, &b, &p) == 0) {
		*bytes += b;
		*packets += p;
	}
}

static void send_acct(struct ike_sa *sa, enum radius_acct_status status)
{
	struct ike_acct *a = sa->acct;
	const struct ike_deps *d = &sa->eng->d;
	struct sockaddr_storage calling;
	struct radius_acct_req q = {.status = status,
				    .session_id = a->session_id,
				    .user = a->user,
				    .calling = (const struct sockaddr *)&calling,
				    .class_ = a->class_,
				    .nclass = a->nclass,
				    .nas_port = sa->serial,
				    .in_octets = a->in_octets,
				    .out_octets = a->out_octets};
	uint64_t inp = a->in_packets, outp = a->out_packets;
	struct in_addr framed;

	net_addr_to_sockaddr(&sa->remote, &calling);
	if (sa->vip.family == AF_INET) {
		memcpy(&framed, sa->vip.bytes, 4);
		q.framed_ip = &framed;
	}
	if (status != RADIUS_ACCT_START) {
		for (struct ike_child *c = sa->children; c; c = c->next) {
			count_sa(c, true, &q.in_octets, &inp);
			count_sa(c, false, &q.out_octets, &outp);
		}
		q.in_packets = (uint32_t)inp;
		q.out_packets = (uint32_t)outp;
		q.session_time = (uint32_t)(ike_now(sa->eng) - a->start);
	}
	if (status == RADIUS_ACCT_STOP)
		q.terminate_cause = a->cause ? a->cause : RADIUS_TERM_NAS_REQUEST;
	if (!d->radius_acct || !d->radius_acct(d->arg, &q, NULL, NULL)) {
		log_warn(LOG_IKE, sa->ctx, "RADIUS accounting %s for %s could not be sent",
			 status == RADIUS_ACCT_START  ? "Start"
			 : status == RADIUS_ACCT_STOP ? "Stop"
						      : "Interim-Update",
			 a->user);
		return;
	}
	log_debug(LOG_IKE, sa->ctx, "RADIUS accounting %u for %s: in %llu out %llu bytes",
		  (unsigned)status, a->user, (unsigned long long)q.in_octets,
		  (unsigned long long)q.out_octets);
}

static void on_interim(struct loop_timer *w, void *arg)
{
	struct ike_sa *sa = arg;

	(void)w;
	if (sa->acct && sa->acct->started)
		send_acct(sa, RADIUS_ACCT_INTERIM);
}

void ike_acct_child_up(struct ike_child *c)
{
	struct ike_sa *sa = c->ike;
	struct ike_acct *a = sa->acct;
	const struct conf_item *s = settings(sa->eng);
	int64_t every;

	if (!a || a->started || !s || !conf_bool(s, CONF_SETTINGS_ACCOUNTING))
		return;
	a->started = true;
	a->start = ike_now(sa->eng);
	snprintf(a->session_id, sizeof(a->session_id), "%08x-%08x", (unsigned)sa->serial,
		 (unsigned)(uint32_t)sa->created);
	log_info(LOG_IKE, sa->ctx, "RADIUS accounting: Start for %s (session %s)", a->user,
		 a->session_id);
	send_acct(sa, RADIUS_ACCT_START);
	every = conf_is_set(s, CONF_SETTINGS_INTERIM_UPDATE)
			? conf_int(s, CONF_SETTINGS_INTERIM_UPDATE)
			: 0;
	if (every > 0)
		a->interim = loop_timer_new(sa->eng->d.loop, (double)every, (double)every,
					    on_interim, sa);
}

void ike_acct_child_gone(struct ike_child *c)
{
	struct ike_acct *a = c->ike->acct;

	if (!a || !a->started)
		return;
	count_sa(c, true, &a->in_octets, &a->in_packets);
	count_sa(c, false, &a->out_octets, &a->out_packets);
}

void ike_acct_move(struct ike_sa *from, struct ike_sa *to)
{
	if (!from->acct)
		return;
	ike_acct_free(to);
	to->acct = from->acct;
	from->acct = NULL;
	if (to->acct->interim) {
		loop_timer_free(to->acct->interim);
		to->acct->interim = NULL;
		const struct conf_item *s = settings(to->eng);
		int64_t every = s ? conf_int(s, CONF_SETTINGS_INTERIM_UPDATE) : 0;

		if (every > 0)
			to->acct->interim = loop_timer_new(to->eng->d.loop, (double)every,
							   (double)every, on_interim, to);
	}
}

void ike_acct_end(struct ike_sa *sa)
{
	struct ike_acct *a = sa->acct;

	if (!a || !a->started)
		return;
	send_acct(sa, RADIUS_ACCT_STOP);
	log_info(LOG_IKE, sa->ctx, "RADIUS accounting: Stop for %s (session %s)", a->user,
		 a->session_id);
	a->started = false;
}

void ike_acct_free(struct ike_sa *sa)
{
	if (!sa->acct)
		return;
	loop_timer_free(sa->acct->interim);
	free(sa->acct);
	sa->acct = NULL;
}
