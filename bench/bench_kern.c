/* bench_kern: kernel.h faked for the IKE benchmarks and the load generator, keeping
 * nothing per SA: requests are queued until the bench runs the queue, each answered with
 * success, and only counted. kern_socket_bypass fails, so a real net must be opened with
 * NET_BYPASS_OPTIONAL. */
#include <errno.h>
#include <stdlib.h>

#include "bench_kern.h"

enum req_kind { REQ_ALLOCSPI, REQ_ADD, REQ_DEL, REQ_OTHER /* policies, addresses */ };

struct req {
	struct req *next;
	enum req_kind kind;
	kern_done_fn done;
	kern_spi_fn spi_done;
	void *arg;
};

struct kern {
	uint32_t next_spi;
	struct req *head, **tail;
	long keyed, deleted;
};

struct kern *bench_kern_new(uint32_t first_spi)
{
	struct kern *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->next_spi = first_spi;
	k->tail = &k->head;
	return k;
}

void bench_kern_free(struct kern *k)
{
	if (!k)
		return;
	while (k->head) {
		struct req *r = k->head;

		k->head = r->next;
		free(r);
	}
	free(k);
}

static struct req *enqueue(struct kern *k, enum req_kind kind, void *arg)
{
	struct req *r = calloc(1, sizeof(*r));

	if (!r)
		abort();
	r->kind = kind;
	r->arg = arg;
	*k->tail = r;
	k->tail = &r->next;
	return r;
}

void kern_sa_add(struct kern *k, const struct kern_sa *sa, bool update, kern_done_fn done,
		 void *arg)
{
	(void)sa; /* the keys are not kept */
	(void)update;
	enqueue(k, REQ_ADD, arg)->done = done;
}

void kern_sa_del(struct kern *k, const struct kern_sa_id *id, kern_done_fn done, void *arg)
{
	(void)id;
	enqueue(k, REQ_DEL, arg)->done = done;
}

void kern_alloc_spi(struct kern *k, const struct kern_addr *src, const struct kern_addr *dst,
		    uint8_t proto, uint32_t reqid, uint32_t min, uint32_t max, kern_spi_fn done,
		    void *arg)
{
	(void)src;
	(void)dst;
	(void)proto;
	(void)reqid;
	(void)min;
	(void)max;
	enqueue(k, REQ_ALLOCSPI, arg)->spi_done = done;
}

/* Policies and interface addresses (road warriors' generated ones): queued and answered
 * like the SAs, not kept. */
void kern_sp_add(struct kern *k, const struct kern_sp *sp, bool update, kern_done_fn done,
		 void *arg)
{
	(void)sp;
	(void)update;
	enqueue(k, REQ_OTHER, arg)->done = done;
}

void kern_sp_del(struct kern *k, const struct kern_sp *sp, kern_done_fn done, void *arg)
{
	(void)sp;
	enqueue(k, REQ_OTHER, arg)->done = done;
}

int kern_ifindex_of(const struct kern_addr *local)
{
	(void)local;
	return 1;
}

void kern_ifaddr_add(struct kern *k, int ifindex, const struct kern_addr *a, uint8_t plen,
		     kern_done_fn done, void *arg)
{
	(void)ifindex;
	(void)a;
	(void)plen;
	enqueue(k, REQ_OTHER, arg)->done = done;
}

void kern_ifaddr_del(struct kern *k, int ifindex, const struct kern_addr *a, uint8_t plen,
		     kern_done_fn done, void *arg)
{
	(void)ifindex;
	(void)a;
	(void)plen;
	enqueue(k, REQ_OTHER, arg)->done = done;
}

void kern_commit(struct kern *k)
{
	(void)k; /* requests are "sent" when the bench runs the kernel */
}

size_t kern_pending(const struct kern *k)
{
	size_t n = 0;

	for (const struct req *r = k->head; r; r = r->next)
		n++;
	return n;
}

unsigned bench_kern_run(struct kern *k)
{
	unsigned n = 0;

	while (k->head) {
		struct req *r = k->head;

		if (!(k->head = r->next))
			k->tail = &k->head;
		if (r->kind == REQ_ALLOCSPI) {
			if (r->spi_done)
				r->spi_done(r->arg, 0, k->next_spi++);
		} else {
			k->keyed += r->kind == REQ_ADD ? 1 : r->kind == REQ_DEL ? -1 : 0;
			k->deleted += r->kind == REQ_DEL;
			if (r->done)
				r->done(r->arg, 0, NULL);
		}
		free(r);
		n++;
	}
	return n;
}

long bench_kern_keyed(const struct kern *k)
{
	return k->keyed;
}

long bench_kern_deleted(const struct kern *k)
{
	return k->deleted;
}

int kern_socket_bypass(int fd, int family)
{
	(void)fd;
	(void)family;
	return -EOPNOTSUPP;
}
