/* spi: the kernel's asynchronous answers the IKE versions wait for, SPI allocations and
 * CHILD SA installs: each request carries a token naming its IKE SA by SPI and serial, so
 * an answer that comes after the IKE SA is gone finds nothing (and a larval SA it made
 * is deleted). Version-neutral. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "ike_internal.h"
#include "ipsecd/log.h"

struct ike_token {
	struct ike_token *next;
	struct ike *eng; /* NULL once the engine is gone */
	uint64_t spi;	 /* the IKE SA, by our SPI */
	uint32_t serial;
	uint8_t proto;
	uint32_t child_spi; /* an install: the CHILD SA, by its inbound SPI */
	struct kern_addr src, dst;
	void (*done)(struct ike_sa *sa, int err, uint32_t spi);
};

static struct ike_token *token_new(struct ike_sa *sa, uint8_t proto)
{
	struct ike_token *t = calloc(1, sizeof(*t));

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
static struct ike_sa *token_take(struct ike_token *t)
{
	struct ike_sa *sa = NULL;

	if (!t->eng)
		return NULL;
	for (struct ike_token **pp = &t->eng->tokens; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	sa = ike_tab_get(&t->eng->sas, t->spi);
	return sa && sa->serial == t->serial && sa->state != IKE_STATE_DEAD ? sa : NULL;
}

static void spi_answer(void *arg, int err, uint32_t spi)
{
	struct ike_token *t = arg;
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

void ike_alloc_spi(struct ike_sa *sa, uint8_t proto,
		   void (*done)(struct ike_sa *sa, int err, uint32_t spi))
{
	struct ike_token *t = token_new(sa, proto);

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
	struct ike_token *t = arg;
	struct ike_sa *sa = token_take(t);
	struct ike_child *c = sa ? ike_child_find(sa->eng, t->proto, t->child_spi) : NULL;

	/* a child gone meanwhile had its kernel entries deleted after this request */
	if (err && c && c->ike == sa)
		sa->ops->child_install_failed(sa, c, err, msg);
	else if (err)
		log_error(LOG_KERNEL, NULL, "SA %08x install failed: %s", t->child_spi,
			  msg ? msg : strerror(-err));
	free(t);
}

void ike_install_sa(struct ike_child *c, const struct kern_sa *k, bool update)
{
	struct ike_token *t = token_new(c->ike, c->proto);

	if (t)
		t->child_spi = c->spi_in;
	kern_sa_add(c->ike->eng->d.kern, k, update, t ? install_answer : NULL, t);
}

void ike_release_spi(struct ike_sa *sa, uint8_t proto, uint32_t spi)
{
	struct kern_sa_id id = {.proto = proto, .spi = spi};

	id.dst.family = sa->local.family;
	memcpy(id.dst.bytes, sa->local.bytes, 16);
	kern_sa_del(sa->eng->d.kern, &id, NULL, NULL);
	kern_commit(sa->eng->d.kern);
}

void ike_forget_tokens(struct ike *eng)
{
	for (struct ike_token *t = eng->tokens; t; t = t->next)
		t->eng = NULL;
	eng->tokens = NULL;
}

/* --- a CHILD SA's kernel SAs --- */

static void to_kaddr(struct kern_addr *k, const struct net_addr *a)
{
	k->family = a->family;
	memcpy(k->bytes, a->bytes, sizeof(k->bytes));
}

void ike_child_kern_sa(const struct ike_child *c, bool inbound, const uint8_t *ek, size_t ekl,
		       const uint8_t *ak, size_t akl, struct kern_sa *k)
{
	const struct ike_sa *sa = c->ike;
	const struct conf_item *pol = ike_policy_by_id(sa->eng, c->policy_id);
	const struct conf_item *prop = pol ? ike_proposal_of(sa->eng->conf, pol) : NULL;
	/* IKEv1 agrees on a lifetime (proposal-check, RESPONDER-LIFETIME); IKEv2 does not */
	int64_t life = c->life ? c->life : prop ? conf_int(prop, CONF_PROPOSAL_LIFETIME) : 1800;

	memset(k, 0, sizeof(*k));
	k->id.proto = c->proto;
	k->id.spi = inbound ? c->spi_in : c->spi_out;
	to_kaddr(&k->id.dst, inbound ? &sa->local : &sa->remote);
	to_kaddr(&k->src, inbound ? &sa->remote : &sa->local);
	k->reqid = c->reqid;
	k->tunnel = c->tunnel;
	k->enc = c->proto == IPPROTO_ESP ? ike_kern_enc(c->alg.encr, c->alg.encr_keylen) : NULL;
	k->auth = c->alg.integ ? ike_kern_integ(c->alg.integ) : NULL;
	k->enc_key.len = (uint8_t)ekl;
	memcpy(k->enc_key.bytes, ek, ekl);
	k->auth_key.len = (uint8_t)akl;
	memcpy(k->auth_key.bytes, ak, akl);
	k->replay_window = inbound ? IKE_REPLAY_WINDOW : 0;
	/* soft expiry rekeys; the original initiator's SAs expire a little earlier so
	 * that both ends rarely rekey at once (2.8.1); an IKEv1 responder's, which took the
	 * initiator's lifetime, later still: the initiator rekeys before (strongSwan by 91%
	 * of it with its defaults) */
	unsigned soft = sa->initiator ? 85 : c->life ? 95 : 90;

	k->lft.hard_add = life > 0 ? (uint64_t)life : 0;
	k->lft.soft_add = life > 0 ? (uint64_t)life * soft / 100 : 0;
	if (ike_sa_udp_encap(sa)) {
		k->encap_sport = inbound ? sa->remote.port : sa->local.port;
		k->encap_dport = inbound ? sa->local.port : sa->remote.port;
	}
}
