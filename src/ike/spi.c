/* spi: the kernel's asynchronous answers the IKE versions wait for, SPI allocations and
 * CHILD SA installs: each request carries a token naming its IKE SA by SPI and serial, so
 * an answer that comes after the IKE SA is gone finds nothing (and a larval SA it made
 * is deleted). Version-neutral. */
#include <errno.h>
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
