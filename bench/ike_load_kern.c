/* ike_load_kern: a kernel that answers every request with success and keeps nothing, for the
 * load generator's initiators: the responder's kernel is the one measured. */
#include <errno.h>
#include <stdlib.h>

#include "ike_load_kern.h"

struct req {
	struct req *next;
	kern_done_fn done;
	kern_spi_fn spi_done;
	void *arg;
};

struct kern {
	uint32_t next_spi;
	struct req *head, **tail;
};

struct kern *load_kern_new(uint32_t first_spi)
{
	struct kern *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->next_spi = first_spi;
	k->tail = &k->head;
	return k;
}

static void enqueue(struct kern *k, kern_done_fn done, kern_spi_fn spi_done, void *arg)
{
	struct req *r = calloc(1, sizeof(*r));

	if (!r)
		abort();
	r->done = done;
	r->spi_done = spi_done;
	r->arg = arg;
	*k->tail = r;
	k->tail = &r->next;
}

unsigned load_kern_run(struct kern *k)
{
	unsigned n = 0;

	while (k->head) {
		struct req *r = k->head;

		if (!(k->head = r->next))
			k->tail = &k->head;
		if (r->spi_done)
			r->spi_done(r->arg, 0, k->next_spi++);
		else if (r->done)
			r->done(r->arg, 0, NULL);
		free(r);
		n++;
	}
	return n;
}

void kern_sa_add(struct kern *k, const struct kern_sa *sa, bool update, kern_done_fn done,
		 void *arg)
{
	(void)sa; /* nothing is installed: the keys are not even kept */
	(void)update;
	enqueue(k, done, NULL, arg);
}

void kern_sa_del(struct kern *k, const struct kern_sa_id *id, kern_done_fn done, void *arg)
{
	(void)id;
	enqueue(k, done, NULL, arg);
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
	enqueue(k, NULL, done, arg);
}

void kern_commit(struct kern *k)
{
	(void)k; /* answered when the generator runs the queue */
}

int kern_socket_bypass(int fd, int family)
{
	(void)fd;
	(void)family;
	return -EOPNOTSUPP; /* the generator's namespace has no IPsec policy to bypass */
}
