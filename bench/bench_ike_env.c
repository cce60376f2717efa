/* bench_ike_env: kernel.h and net.h faked for bench_ike_mem, keeping nothing per SA: the
 * kernel queues requests until the bench runs it and counts what it was asked; the net
 * hands each datagram to a socket at once. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "bench_ike_env.h"

/* --- kernel --- */

enum req_kind { REQ_ALLOCSPI, REQ_ADD, REQ_DEL };

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
	long keyed;
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
			k->keyed += r->kind == REQ_ADD ? 1 : -1;
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

/* --- net --- */

struct net {
	int fd;
	uint64_t sent;
};

struct net *bench_net_new(int fd)
{
	struct net *n = calloc(1, sizeof(*n));

	if (n)
		n->fd = fd;
	return n;
}

void bench_net_free(struct net *n)
{
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
	struct bench_dgram_hdr h = {.dst = *remote, .natt = natt};
	struct iovec iov[] = {{&h, sizeof(h)}, {(void *)buf, len}};
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};

	if (len > BENCH_DGRAM_MAX)
		return -EMSGSIZE;
	if (local)
		h.src = *local;
	h.src.port = net_port(n, natt);
	if (sendmsg(n->fd, &msg, MSG_NOSIGNAL) < 0)
		return -errno;
	n->sent++;
	return 0;
}

int net_send_keepalive(struct net *n, const struct net_addr *local, const struct net_addr *remote)
{
	(void)n;
	(void)local;
	(void)remote;
	return 0;
}

int bench_net_recv(int fd, uint8_t *buf, struct net_pkt *p)
{
	struct bench_dgram_hdr h;
	struct iovec iov[] = {{&h, sizeof(h)}, {buf, BENCH_DGRAM_MAX}};
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
	ssize_t r = recvmsg(fd, &msg, MSG_DONTWAIT);

	if (r < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	if (r == 0)
		return -1;
	if ((size_t)r < sizeof(h) || (msg.msg_flags & MSG_TRUNC)) {
		errno = EMSGSIZE;
		return -1;
	}
	memset(p, 0, sizeof(*p));
	p->data = buf;
	p->len = (size_t)r - sizeof(h);
	p->local = h.dst;
	p->remote = h.src;
	p->natt = h.natt;
	return 1;
}

uint64_t bench_net_sent(const struct net *n)
{
	return n->sent;
}
