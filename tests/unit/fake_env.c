/* fake_env: the loop, kernel and net modules as the IKE engine sees them (loop.h, kernel.h,
 * net.h), faked for exchange tests: a clock that moves only when the test says so, an SAD
 * that changes when the test lets the kernel answer, and a queue of sent datagrams. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fake_env.h"

/* --- loop --- */

struct loop_timer {
	struct loop_timer *next;
	struct loop *l;
	double at, repeat;
	uint64_t seq; /* arming order, for ties */
	bool armed;
	loop_timer_fn fn;
	void *arg;
};

struct loop {
	double now;
	uint64_t seq;
	struct loop_timer *timers; /* armed or not, until freed */
};

struct loop *fake_loop_new(double start)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (l)
		l->now = start;
	return l;
}

void fake_loop_free(struct loop *l)
{
	if (!l)
		return;
	while (l->timers) {
		struct loop_timer *t = l->timers;

		l->timers = t->next;
		free(t);
	}
	free(l);
}

double loop_now(struct loop *l)
{
	return l->now;
}

static void arm(struct loop_timer *t, double after)
{
	t->at = t->l->now + (after > 0 ? after : 0);
	t->seq = ++t->l->seq;
	t->armed = true;
}

struct loop_timer *loop_timer_new(struct loop *l, double after, double repeat, loop_timer_fn fn,
				  void *arg)
{
	struct loop_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->l = l;
	t->repeat = repeat;
	t->fn = fn;
	t->arg = arg;
	t->next = l->timers;
	l->timers = t;
	arm(t, after);
	return t;
}

void loop_timer_again(struct loop_timer *t, double after)
{
	arm(t, after);
}

void loop_timer_free(struct loop_timer *t)
{
	if (!t)
		return;
	for (struct loop_timer **pp = &t->l->timers; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	free(t);
}

static struct loop_timer *earliest(const struct loop *l)
{
	struct loop_timer *best = NULL;

	for (struct loop_timer *t = l->timers; t; t = t->next)
		if (t->armed &&
		    (!best || t->at < best->at || (t->at == best->at && t->seq < best->seq)))
			best = t;
	return best;
}

double fake_loop_next(const struct loop *l)
{
	const struct loop_timer *t = earliest(l);

	return t ? t->at : -1;
}

size_t fake_loop_armed(const struct loop *l)
{
	size_t n = 0;

	for (const struct loop_timer *t = l->timers; t; t = t->next)
		n += t->armed;
	return n;
}

unsigned fake_loop_run_until(struct loop *l, double until)
{
	unsigned n = 0;
	struct loop_timer *t;

	while ((t = earliest(l)) && t->at <= until) {
		if (t->at > l->now)
			l->now = t->at;
		if (t->repeat > 0)
			arm(t, t->repeat);
		else
			t->armed = false;
		n++;
		t->fn(t, t->arg); /* may free t, or any other timer */
	}
	if (until > l->now)
		l->now = until;
	return n;
}

unsigned fake_loop_run_due(struct loop *l)
{
	return fake_loop_run_until(l, l->now);
}

/* --- kernel --- */

struct fake_req {
	struct fake_req *next;
	enum fake_kop_kind kind;
	struct kern_sa sa;
	bool sent;
	kern_done_fn done;
	kern_spi_fn spi_done;
	void *arg;
};

struct kern {
	struct loop *l;
	uint32_t next_spi;
	struct fake_req *head, **tail;
	struct fake_sa *sad;
	size_t nsad, capsad;
	struct fake_kop *ops;
	size_t nops, capops;
	unsigned refuse[FAKE_KOP_DEL + 1]; /* requests of a kind still to refuse */
	struct kern_sp *spd;		   /* policies, changed at once (their answers too) */
	size_t nspd, capspd;
	struct kern_addr ifaddr[8]; /* addresses put on interfaces */
	size_t nifaddr;
};

struct kern *fake_kern_new(struct loop *l, uint32_t first_spi)
{
	struct kern *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->l = l;
	k->next_spi = first_spi;
	k->tail = &k->head;
	return k;
}

void fake_kern_free(struct kern *k)
{
	if (!k)
		return;
	while (k->head) {
		struct fake_req *r = k->head;

		k->head = r->next;
		free(r);
	}
	free(k->sad);
	free(k->spd);
	free(k->ops);
	free(k);
}

/* Policies: the kernel's key is selector and direction. */
static struct kern_sp *spd_find(struct kern *k, const struct kern_sp *sp)
{
	for (size_t i = 0; i < k->nspd; i++)
		if (k->spd[i].dir == sp->dir && !memcmp(&k->spd[i].sel, &sp->sel, sizeof(sp->sel)))
			return &k->spd[i];
	return NULL;
}

void kern_sp_add(struct kern *k, const struct kern_sp *sp, bool update, kern_done_fn done,
		 void *arg)
{
	struct kern_sp *old = spd_find(k, sp);
	int err = 0;

	if (old && !update) {
		err = -EEXIST;
	} else if (old) {
		*old = *sp;
	} else {
		if (k->nspd == k->capspd) {
			k->capspd = k->capspd ? 2 * k->capspd : 16;
			k->spd = realloc(k->spd, k->capspd * sizeof(*k->spd));
			if (!k->spd)
				abort();
		}
		k->spd[k->nspd++] = *sp;
	}
	if (done)
		done(arg, err, err ? "File exists" : NULL);
}

void kern_sp_del(struct kern *k, const struct kern_sp *sp, kern_done_fn done, void *arg)
{
	struct kern_sp *old = spd_find(k, sp);

	if (old)
		*old = k->spd[--k->nspd];
	if (done)
		done(arg, old ? 0 : -ENOENT, old ? NULL : "No such file or directory");
}

size_t fake_kern_nsp(const struct kern *k)
{
	return k->nspd;
}

const struct kern_sp *fake_kern_sp_at(const struct kern *k, size_t i)
{
	return i < k->nspd ? &k->spd[i] : NULL;
}

int kern_ifindex_of(const struct kern_addr *local)
{
	(void)local;
	return FAKE_IFINDEX;
}

void kern_ifaddr_add(struct kern *k, int ifindex, const struct kern_addr *a, uint8_t plen,
		     kern_done_fn done, void *arg)
{
	(void)ifindex;
	(void)plen;
	if (k->nifaddr < sizeof(k->ifaddr) / sizeof(k->ifaddr[0]))
		k->ifaddr[k->nifaddr++] = *a;
	if (done)
		done(arg, 0, NULL);
}

void kern_ifaddr_del(struct kern *k, int ifindex, const struct kern_addr *a, uint8_t plen,
		     kern_done_fn done, void *arg)
{
	(void)ifindex;
	(void)plen;
	for (size_t i = 0; i < k->nifaddr; i++)
		if (!memcmp(&k->ifaddr[i], a, sizeof(*a))) {
			k->ifaddr[i] = k->ifaddr[--k->nifaddr];
			break;
		}
	if (done)
		done(arg, 0, NULL);
}

size_t fake_kern_nifaddr(const struct kern *k, const struct kern_addr **addrs)
{
	*addrs = k->ifaddr;
	return k->nifaddr;
}

static void pump(struct kern *k)
{
	for (struct fake_req *r = k->head; r; r = r->next)
		r->sent = true;
}

static size_t unsent(const struct kern *k)
{
	size_t n = 0;

	for (const struct fake_req *r = k->head; r; r = r->next)
		n += !r->sent;
	return n;
}

static struct fake_req *enqueue(struct kern *k, enum fake_kop_kind kind)
{
	struct fake_req *r = calloc(1, sizeof(*r));

	if (!r)
		abort();
	r->kind = kind;
	*k->tail = r;
	k->tail = &r->next;
	return r;
}

void kern_sa_add(struct kern *k, const struct kern_sa *sa, bool update, kern_done_fn done,
		 void *arg)
{
	struct fake_req *r = enqueue(k, update ? FAKE_KOP_UPDATE : FAKE_KOP_ADD);

	r->sa = *sa;
	r->done = done;
	r->arg = arg;
	if (unsent(k) >= 64)
		pump(k);
}

void kern_sa_del(struct kern *k, const struct kern_sa_id *id, kern_done_fn done, void *arg)
{
	struct fake_req *r = enqueue(k, FAKE_KOP_DEL);

	r->sa.id = *id;
	r->done = done;
	r->arg = arg;
	if (unsent(k) >= 64)
		pump(k);
}

void kern_alloc_spi(struct kern *k, const struct kern_addr *src, const struct kern_addr *dst,
		    uint8_t proto, uint32_t reqid, uint32_t min, uint32_t max, kern_spi_fn done,
		    void *arg)
{
	struct fake_req *r = enqueue(k, FAKE_KOP_ALLOCSPI);

	(void)min;
	(void)max;
	r->sa.src = *src;
	r->sa.id.dst = *dst;
	r->sa.id.proto = proto;
	r->sa.reqid = reqid;
	r->spi_done = done;
	r->arg = arg;
	pump(k); /* as the real one: ALLOCSPI goes out at once */
}

void kern_commit(struct kern *k)
{
	pump(k);
}

size_t kern_pending(const struct kern *k)
{
	size_t n = 0;

	for (const struct fake_req *r = k->head; r; r = r->next)
		n++;
	return n;
}

static bool same_id(const struct kern_sa_id *a, const struct kern_sa_id *b)
{
	return a->proto == b->proto && a->spi == b->spi && a->dst.family == b->dst.family &&
	       !memcmp(a->dst.bytes, b->dst.bytes, a->dst.family == AF_INET ? 4 : 16);
}

static struct fake_sa *sad_find(struct kern *k, const struct kern_sa_id *id)
{
	for (size_t i = 0; i < k->nsad; i++)
		if (same_id(&k->sad[i].sa.id, id))
			return &k->sad[i];
	return NULL;
}

static void sad_put(struct kern *k, const struct kern_sa *sa, bool larval)
{
	if (k->nsad == k->capsad) {
		k->capsad = k->capsad ? 2 * k->capsad : 16;
		k->sad = realloc(k->sad, k->capsad * sizeof(*k->sad));
		if (!k->sad)
			abort();
	}
	k->sad[k->nsad].sa = *sa;
	k->sad[k->nsad++].larval = larval;
}

static void log_op(struct kern *k, enum fake_kop_kind kind, const struct kern_sa *sa, int err)
{
	if (k->nops == k->capops) {
		k->capops = k->capops ? 2 * k->capops : 32;
		k->ops = realloc(k->ops, k->capops * sizeof(*k->ops));
		if (!k->ops)
			abort();
	}
	k->ops[k->nops++] = (struct fake_kop){
		.kind = kind, .sa = *sa, .err = err, .when = k->l ? k->l->now : 0};
}

/* What XFRM would refuse in an SA we can check without a kernel: ESP without a cipher, keys
 * whose length is not the algorithm's. */
static int sa_invalid(const struct kern_sa *sa)
{
	if (sa->id.proto != IPPROTO_ESP && sa->id.proto != IPPROTO_AH)
		return -EPROTONOSUPPORT;
	if (sa->id.proto == IPPROTO_ESP && !sa->enc)
		return -EINVAL;
	if (sa->enc && sa->enc_key.len * 8u != sa->enc->key_bits)
		return -EINVAL;
	if (sa->auth && sa->auth_key.len * 8u != sa->auth->key_bits)
		return -EINVAL;
	if (!sa->id.spi || !sa->id.dst.family || sa->src.family != sa->id.dst.family)
		return -EINVAL;
	return 0;
}

static int handle(struct kern *k, struct fake_req *r)
{
	struct fake_sa *s;
	int err = 0;

	if (k->refuse[r->kind]) {
		k->refuse[r->kind]--;
		log_op(k, r->kind, &r->sa, -EINVAL);
		return -EINVAL;
	}
	switch (r->kind) {
	case FAKE_KOP_ALLOCSPI:
		r->sa.id.spi = k->next_spi++;
		sad_put(k, &r->sa, true);
		break;
	case FAKE_KOP_ADD:
		if (!(err = sa_invalid(&r->sa))) {
			if (sad_find(k, &r->sa.id))
				err = -EEXIST;
			else
				sad_put(k, &r->sa, false);
		}
		break;
	case FAKE_KOP_UPDATE:
		if (!(err = sa_invalid(&r->sa))) {
			if ((s = sad_find(k, &r->sa.id)))
				*s = (struct fake_sa){.sa = r->sa, .larval = false};
			else
				err = -ESRCH;
		}
		break;
	case FAKE_KOP_DEL:
		if ((s = sad_find(k, &r->sa.id)))
			*s = k->sad[--k->nsad];
		else
			err = -ESRCH;
		break;
	}
	log_op(k, r->kind, &r->sa, err);
	return err;
}

unsigned fake_kern_run(struct kern *k)
{
	unsigned n = 0, batch;

	do {
		batch = 0;
		while (k->head && k->head->sent) {
			struct fake_req *r = k->head;

			if (!(k->head = r->next))
				k->tail = &k->head;
			int err = handle(k, r);

			if (r->kind == FAKE_KOP_ALLOCSPI && r->spi_done)
				r->spi_done(r->arg, err, err ? 0 : r->sa.id.spi);
			else if (r->kind != FAKE_KOP_ALLOCSPI && r->done)
				r->done(r->arg, err, err ? "refused by the fake kernel" : NULL);
			memset(r, 0, sizeof(*r)); /* keys */
			free(r);
			batch++;
		}
		if (batch)
			pump(k); /* kern_on_request_ready sends what waits after reading answers */
		n += batch;
	} while (batch);
	return n;
}

void fake_kern_refuse(struct kern *k, enum fake_kop_kind kind, unsigned n)
{
	k->refuse[kind] = n;
}

size_t fake_kern_unsent(const struct kern *k)
{
	return unsent(k);
}

size_t fake_kern_nsa(const struct kern *k, bool larval)
{
	size_t n = 0;

	for (size_t i = 0; i < k->nsad; i++)
		n += larval || !k->sad[i].larval;
	return n;
}

const struct fake_sa *fake_kern_sa_at(const struct kern *k, size_t i)
{
	return i < k->nsad ? &k->sad[i] : NULL;
}

bool fake_addr_is(const struct kern_addr *a, const char *ipv4)
{
	uint8_t b[4];

	return inet_pton(AF_INET, ipv4, b) == 1 && a->family == AF_INET && !memcmp(a->bytes, b, 4);
}

size_t fake_kern_sa_to(const struct kern *k, const char *dst, const struct kern_sa **first)
{
	size_t n = 0;

	*first = NULL;
	for (size_t i = 0; i < k->nsad; i++) {
		if (k->sad[i].larval || !fake_addr_is(&k->sad[i].sa.id.dst, dst))
			continue;
		if (!n++)
			*first = &k->sad[i].sa;
	}
	return n;
}

const struct fake_sa *fake_kern_find(const struct kern *k, uint8_t proto, uint32_t spi)
{
	for (size_t i = 0; i < k->nsad; i++)
		if (k->sad[i].sa.id.proto == proto && k->sad[i].sa.id.spi == spi)
			return &k->sad[i];
	return NULL;
}

size_t fake_kern_nops(const struct kern *k)
{
	return k->nops;
}

const struct fake_kop *fake_kern_op(const struct kern *k, size_t i)
{
	return i < k->nops ? &k->ops[i] : NULL;
}

size_t fake_kern_count(const struct kern *k, enum fake_kop_kind kind, bool ok_only)
{
	size_t n = 0;

	for (size_t i = 0; i < k->nops; i++)
		n += k->ops[i].kind == kind && (!ok_only || !k->ops[i].err);
	return n;
}

bool fake_kern_deleted(const struct kern *k, uint8_t proto, uint32_t spi)
{
	for (size_t i = 0; i < k->nops; i++)
		if (k->ops[i].kind == FAKE_KOP_DEL && !k->ops[i].err &&
		    k->ops[i].sa.id.proto == proto && k->ops[i].sa.id.spi == spi)
			return true;
	return false;
}

/* --- net --- */

struct net {
	struct loop *l;
	struct fake_dgram *head, **tail;
	size_t n;
	uint64_t sent, keepalives;
};

struct net *fake_net_new(struct loop *l)
{
	struct net *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->l = l;
	n->tail = &n->head;
	return n;
}

void fake_net_free(struct net *n)
{
	struct fake_dgram *d;

	if (!n)
		return;
	while ((d = fake_net_pop(n)))
		free(d);
	free(n);
}

uint16_t net_port(const struct net *n, bool natt)
{
	(void)n;
	return natt ? 4500 : 500;
}

int net_send(struct net *n, const struct net_addr *local, const struct net_addr *remote, bool natt,
	     const void *buf, size_t len)
{
	struct fake_dgram *d;

	if (!remote->family || (local && local->family && local->family != remote->family))
		return -EAFNOSUPPORT;
	if (len > 65535)
		return -EMSGSIZE;
	if (!(d = calloc(1, sizeof(*d) + len)))
		return -ENOMEM;
	if (local)
		d->local = *local;
	d->local.port = net_port(n, natt);
	d->remote = *remote;
	d->natt = natt;
	d->when = loop_now(n->l);
	d->len = len;
	memcpy(d->data, buf, len);
	*n->tail = d;
	n->tail = &d->next;
	n->n++;
	n->sent++;
	return 0;
}

int net_send_keepalive(struct net *n, const struct net_addr *local, const struct net_addr *remote)
{
	(void)local;
	(void)remote;
	n->keepalives++;
	return 0;
}

struct fake_dgram *fake_net_pop(struct net *n)
{
	struct fake_dgram *d = n->head;

	if (!d)
		return NULL;
	if (!(n->head = d->next))
		n->tail = &n->head;
	d->next = NULL;
	n->n--;
	return d;
}

size_t fake_net_queued(const struct net *n)
{
	return n->n;
}

uint64_t fake_net_sent(const struct net *n)
{
	return n->sent;
}

uint64_t fake_net_keepalives(const struct net *n)
{
	return n->keepalives;
}

void fake_net_pkt(const struct fake_dgram *d, struct net_pkt *p)
{
	memset(p, 0, sizeof(*p));
	p->data = d->data;
	p->len = d->len;
	p->local = d->remote;
	p->remote = d->local;
	p->natt = d->natt;
}
