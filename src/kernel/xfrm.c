/* xfrm: ipsecd's three XFRM netlink sockets. Requests (add, update, delete, ALLOCSPI) are
 * queued and sent in batches, several messages per sendto() and up to WINDOW unanswered,
 * so installing thousands of policies costs one system call per batch rather than a
 * blocking round trip each; the kernel answers each in order with an ack (or, for
 * ALLOCSPI, the new SA). Dumps use their own blocking socket. Events arrive on a third,
 * subscribed to the XFRM multicast groups. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <sys/socket.h>

#include "ipsecd/log.h"
#include "ipsecd/strbuf.h"
#include "internal.h"

#define BATCH_BYTES (64 * 1024)	      /* bytes per sendto() */
#define RCVBUF	    (8 * 1024 * 1024) /* room for WINDOW acks and a burst of events */

static struct nl_sock *open_sock(bool nonblock, int *err)
{
	struct nl_sock *sk = nl_socket_alloc();
	int one = 1;

	if (!sk) {
		*err = -ENOMEM;
		return NULL;
	}
	if (nl_connect(sk, NETLINK_XFRM) < 0) {
		*err = -EPROTONOSUPPORT;
		nl_socket_free(sk);
		return NULL;
	}
	nl_socket_disable_seq_check(sk);
	nl_socket_enable_msg_peek(sk);
	if (nonblock)
		nl_socket_set_nonblocking(sk);
	int fd = nl_socket_get_fd(sk);
	int size = RCVBUF;

	/* Without root the limit stays rmem_max: the smaller buffer only means fewer acks
	 * may wait, which WINDOW keeps well under. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	size = BATCH_BYTES * 2;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	return sk;
}

struct kern *kern_open(const struct kern_events *ev, int *err)
{
	struct kern *k = xcalloc(1, sizeof(*k));
	int e = 0;

	if (!err)
		err = &e;
	if (ev)
		k->events = *ev;
	k->seq = (uint32_t)time(NULL);
	k->batch_max = BATCH_BYTES;
	if (!(k->req = open_sock(true, err)) || !(k->dump = open_sock(false, err)) ||
	    !(k->ev = open_sock(true, err))) {
		kern_close(k);
		return NULL;
	}
	if (nl_socket_add_memberships(k->ev, XFRMNLGRP_ACQUIRE, XFRMNLGRP_EXPIRE, XFRMNLGRP_SA,
				      XFRMNLGRP_POLICY, XFRMNLGRP_MAPPING, 0) < 0) {
		*err = -EPERM;
		kern_close(k);
		return NULL;
	}
	return k;
}

void kern_close(struct kern *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->n; i++)
		xfrm_msg_free_wiped(k->q[(k->head + i) % k->cap].msg);
	free(k->q);
	if (k->req)
		nl_socket_free(k->req);
	if (k->dump)
		nl_socket_free(k->dump);
	if (k->ev)
		nl_socket_free(k->ev);
	if (k->route)
		nl_socket_free(k->route);
	free(k);
}

int kern_request_fd(const struct kern *k)
{
	return nl_socket_get_fd(k->req);
}

int kern_event_fd(const struct kern *k)
{
	return nl_socket_get_fd(k->ev);
}

size_t kern_pending(const struct kern *k)
{
	return k->n;
}

/* --- the request queue --- */

static struct kern_req *q_at(struct kern *k, size_t i)
{
	return &k->q[(k->head + i) % k->cap];
}

static struct kern_req *enqueue(struct kern *k, struct nl_msg *msg)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 64;
		struct kern_req *q = xcalloc(cap, sizeof(*q));

		for (size_t i = 0; i < k->n; i++)
			q[i] = *q_at(k, i);
		free(k->q);
		k->q = q;
		k->cap = cap;
		k->head = 0;
	}
	struct kern_req *r = q_at(k, k->n++);
	struct nlmsghdr *h = nlmsg_hdr(msg);

	memset(r, 0, sizeof(*r));
	r->seq = ++k->seq;
	r->msg = msg;
	h->nlmsg_seq = r->seq;
	h->nlmsg_pid = nl_socket_get_local_port(k->req);
	h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	return r;
}

static void answer(struct kern *k, struct kern_req *r, int err, uint32_t spi, const char *ext);
static void pop(struct kern *k);

/* Sends what the window allows, BATCH_BYTES per system call. The batch buffer may hold
 * keys: it is wiped after each send. */
static void pump(struct kern *k)
{
	struct strbuf batch = STRBUF_INIT;

	while (k->sent < k->n && k->sent < WINDOW) {
		size_t first = k->sent;

		sb_reset(&batch);
		while (k->sent < k->n && k->sent < WINDOW) {
			struct nlmsghdr *h = nlmsg_hdr(q_at(k, k->sent)->msg);

			if (batch.len && batch.len + h->nlmsg_len > k->batch_max)
				break;
			sb_add(&batch, (const char *)h, NLMSG_ALIGN(h->nlmsg_len));
			k->sent++;
		}
		struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};

		if (sendto(kern_request_fd(k), batch.s, batch.len, 0, (struct sockaddr *)&kernel,
			   sizeof(kernel)) < 0) {
			k->sent = first;
			/* a socket buffer smaller than asked for: smaller batches */
			if (errno == EMSGSIZE && k->batch_max > 4096) {
				k->batch_max /= 2;
				continue;
			}
			/* EAGAIN: the kernel is busy; they go when acks arrive */
			if (errno == EAGAIN || errno == EINTR || first > 0)
				break;
			/* nothing in flight and the send itself fails: the first request
			 * cannot be sent; answer it rather than wait for an ack */
			int err = -errno;

			xfrm_msg_free_wiped(q_at(k, 0)->msg);
			q_at(k, 0)->msg = NULL;
			k->sent = 1;
			answer(k, q_at(k, 0), err, 0, "the kernel refused the message");
			pop(k);
			continue;
		}
		for (size_t i = first; i < k->sent; i++) {
			xfrm_msg_free_wiped(q_at(k, i)->msg);
			q_at(k, i)->msg = NULL;
		}
	}
	sb_clear_free(&batch);
}

static void explain(const struct kern_req *r, int err, const char *ext, char *buf, size_t len)
{
	const struct kern_alg *a = r->enc ? r->enc : r->auth;

	if (ext[0] && strstr(ext, "uth") && r->auth)
		a = r->auth;
	/* An SA (it has an algorithm: ESP has enc, AH only auth) whose protocol the kernel
	 * lacks: xfrm_init_state finds no type for it ("Requested type not found"). */
	if (err == -EPROTONOSUPPORT && a) {
		snprintf(buf, len,
			 "this kernel has no ESP/AH support (esp4/esp6/ah4/ah6); load "
			 "the modules");
		return;
	}
	if (a && kern_alg_explain(a->kname, err, buf, len) == 0)
		return;
	snprintf(buf, len, "%s%s%s", strerror(-err), ext[0] ? ": " : "", ext);
}

static void answer(struct kern *k, struct kern_req *r, int err, uint32_t spi, const char *ext)
{
	char msg[256] = "";

	if (err)
		explain(r, err, ext, msg, sizeof(msg));
	if (r->spi && r->spi_done)
		r->spi_done(r->arg, err, spi);
	else if (!r->spi && r->done)
		r->done(r->arg, err, err ? msg : NULL);
	(void)k;
}

/* Finds the in-flight request a message answers; requests before it that got no answer
 * are answered with -EIO (the kernel answers in order, so this means a lost ack). */
static struct kern_req *match(struct kern *k, uint32_t seq)
{
	for (size_t i = 0; i < k->sent; i++) {
		if (q_at(k, i)->seq != seq)
			continue;
		for (size_t j = 0; j < i; j++) {
			answer(k, q_at(k, 0), -EIO, 0, "no answer from the kernel");
			k->head = (k->head + 1) % k->cap;
			k->n--;
			k->sent--;
		}
		return q_at(k, 0);
	}
	return NULL;
}

static void pop(struct kern *k)
{
	k->head = (k->head + 1) % k->cap;
	k->n--;
	k->sent--;
}

static void on_answer(struct kern *k, struct nlmsghdr *h)
{
	struct kern_req *r = match(k, h->nlmsg_seq);
	char ext[200];
	int err = 0;

	if (!r)
		return;
	if (h->nlmsg_type == NLMSG_ERROR) {
		if (xfrm_parse_ack(h, &err, ext, sizeof(ext)) < 0)
			err = -EIO;
		if (r->spi && !err)
			return; /* the SA itself comes, or came, separately */
		answer(k, r, err, 0, ext);
		pop(k);
	} else if (r->spi && h->nlmsg_type == XFRM_MSG_NEWSA) {
		struct kern_sa_info info;
		int e = xfrm_parse_sa(h, &info);

		answer(k, r, e, e ? 0 : info.sa.id.spi, "");
		explicit_bzero(&info, sizeof(info));
		pop(k);
	}
}

void kern_on_request_ready(struct kern *k)
{
	unsigned char *buf = NULL;
	struct sockaddr_nl who;
	int len;

	while ((len = nl_recv(k->req, &who, &buf, NULL)) > 0) {
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		for (; nlmsg_ok(h, len); h = nlmsg_next(h, &len))
			on_answer(k, h);
		free(buf);
		buf = NULL;
	}
	if (len < 0 && len != -NLE_AGAIN)
		log_warn(LOG_KERNEL, NULL, "reading kernel answers: %s", nl_geterror(len));
	pump(k);
}

void kern_commit(struct kern *k)
{
	pump(k);
}

int kern_wait(struct kern *k, int timeout_ms)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pump(k);
	while (k->n) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		long left = timeout_ms -
			    ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		struct pollfd p = {.fd = kern_request_fd(k), .events = POLLIN};

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			return -errno;
		kern_on_request_ready(k);
	}
	return 0;
}

/* --- requests --- */

static void request(struct kern *k, struct nl_msg *msg, kern_done_fn done, void *arg,
		    const struct kern_sa *sa)
{
	if (!msg) {
		if (done)
			done(arg, -EINVAL, "the request cannot be expressed (key too long?)");
		return;
	}
	struct kern_req *r = enqueue(k, msg);

	r->done = done;
	r->arg = arg;
	if (sa) {
		r->enc = sa->enc;
		r->auth = sa->auth;
	}
	if (k->n - k->sent >= 64)
		pump(k);
}

void kern_sa_add(struct kern *k, const struct kern_sa *sa, bool update, kern_done_fn done,
		 void *arg)
{
	request(k, xfrm_msg_sa_add(sa, update), done, arg, sa);
}

void kern_sa_del(struct kern *k, const struct kern_sa_id *id, kern_done_fn done, void *arg)
{
	request(k, xfrm_msg_sa_del(id), done, arg, NULL);
}

void kern_sp_add(struct kern *k, const struct kern_sp *sp, bool update, kern_done_fn done,
		 void *arg)
{
	request(k, xfrm_msg_sp_add(sp, update), done, arg, NULL);
}

void kern_sp_del(struct kern *k, const struct kern_sp *sp, kern_done_fn done, void *arg)
{
	request(k, xfrm_msg_sp_del(sp), done, arg, NULL);
}

void kern_alloc_spi(struct kern *k, const struct kern_addr *src, const struct kern_addr *dst,
		    uint8_t proto, uint32_t reqid, uint32_t min, uint32_t max, kern_spi_fn done,
		    void *arg)
{
	struct nl_msg *msg = xfrm_msg_alloc_spi(src, dst, proto, reqid, min, max);

	if (!msg) {
		if (done)
			done(arg, -ENOMEM, 0);
		return;
	}
	struct kern_req *r = enqueue(k, msg);

	r->spi = true;
	r->spi_done = done;
	r->arg = arg;
	pump(k);
}

/* --- dumps --- */

struct dump_cb {
	kern_sa_fn sa;
	kern_sp_fn sp;
	void *arg;
};

static int dump_one(struct nlmsghdr *h, const struct dump_cb *cb)
{
	if (h->nlmsg_type == NLMSG_ERROR) {
		int err = -EIO;
		char ext[128];

		xfrm_parse_ack(h, &err, ext, sizeof(ext));
		return err ? err : -EIO;
	}
	if (cb->sa && h->nlmsg_type == XFRM_MSG_NEWSA) {
		struct kern_sa_info info;

		if (xfrm_parse_sa(h, &info) == 0)
			cb->sa(cb->arg, &info);
		explicit_bzero(&info, sizeof(info));
	} else if (cb->sp && h->nlmsg_type == XFRM_MSG_NEWPOLICY) {
		struct kern_sp sp;

		if (xfrm_parse_sp(h, &sp) == 0)
			cb->sp(cb->arg, &sp);
	}
	return 0;
}

/* Sends msg on the dump socket and hands what comes back to cb: a dump's messages until
 * NLMSG_DONE, or a request's answer until its ack (NLMSG_ERROR, 0 or the error). */
static int transact(struct kern *k, struct nl_msg *msg, bool is_dump, const struct dump_cb *cb)
{
	struct sockaddr_nl who;
	unsigned char *buf = NULL;
	int len, err = 0;
	bool done = false;

	if (!msg)
		return -ENOMEM;
	nlmsg_hdr(msg)->nlmsg_seq = ++k->seq;
	if (!is_dump)
		nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
	if (nl_send_auto(k->dump, msg) < 0) {
		nlmsg_free(msg);
		return -EIO;
	}
	nlmsg_free(msg);
	while (!done && (len = nl_recv(k->dump, &who, &buf, NULL)) > 0) {
		struct nlmsghdr *h = (struct nlmsghdr *)buf;
		size_t total = (size_t)len;

		for (; nlmsg_ok(h, len) && !done; h = nlmsg_next(h, &len)) {
			if (h->nlmsg_type == NLMSG_DONE && is_dump) {
				done = true;
			} else if (h->nlmsg_type == NLMSG_ERROR && !is_dump) {
				char ext[128];

				xfrm_parse_ack(h, &err, ext, sizeof(ext));
				done = true;
			} else if (!err) {
				err = dump_one(h, cb);
			}
			if (err && h->nlmsg_type == NLMSG_ERROR)
				done = true;
		}
		explicit_bzero(buf, total); /* SAs carry keys */
		free(buf);
		buf = NULL;
	}
	if (!done)
		return err ? err : -EIO;
	return err;
}

int kern_sa_dump(struct kern *k, kern_sa_fn fn, void *arg)
{
	struct dump_cb cb = {.sa = fn, .arg = arg};

	return transact(k, xfrm_msg_dump(XFRM_MSG_GETSA), true, &cb);
}

int kern_sa_get(struct kern *k, const struct kern_sa_id *id, kern_sa_fn fn, void *arg)
{
	struct dump_cb cb = {.sa = fn, .arg = arg};
	int err = transact(k, xfrm_msg_sa_get(id), false, &cb);

	return err == -ESRCH ? -ENOENT : err;
}

int kern_sp_dump(struct kern *k, kern_sp_fn fn, void *arg)
{
	struct dump_cb cb = {.sp = fn, .arg = arg};

	return transact(k, xfrm_msg_dump(XFRM_MSG_GETPOLICY), true, &cb);
}
