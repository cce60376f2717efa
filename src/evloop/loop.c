/* evloop: the only user of libev. Watchers wrap ev_io/ev_timer/ev_signal and call back
 * with the caller's argument. */
#include <stdlib.h>

#include <ev.h>

#include "ipsecd/loop.h"
#include "ipsecd/strbuf.h"

struct loop {
	struct ev_loop *ev;
};

struct loop_io {
	ev_io w;
	struct loop *l;
	loop_io_fn fn;
	void *arg;
};

struct loop_timer {
	ev_timer w;
	struct loop *l;
	loop_timer_fn fn;
	void *arg;
};

struct loop_signal {
	ev_signal w;
	struct loop *l;
	loop_signal_fn fn;
	void *arg;
};

static struct loop default_loop;

struct loop *loop_default(void)
{
	if (!default_loop.ev)
		default_loop.ev = ev_default_loop(EVFLAG_AUTO);
	return default_loop.ev ? &default_loop : NULL;
}

void loop_run(struct loop *l)
{
	ev_run(l->ev, 0);
}

void loop_break(struct loop *l)
{
	ev_break(l->ev, EVBREAK_ALL);
}

double loop_now(struct loop *l)
{
	return ev_now(l->ev);
}

static int to_ev(int events)
{
	return ((events & LOOP_READ) ? EV_READ : 0) | ((events & LOOP_WRITE) ? EV_WRITE : 0);
}

static void io_cb(struct ev_loop *ev, ev_io *w, int revents)
{
	struct loop_io *io = (struct loop_io *)w;
	int ev_ = ((revents & EV_READ) ? LOOP_READ : 0) | ((revents & EV_WRITE) ? LOOP_WRITE : 0);

	io->fn(io, w->fd, ev_, io->arg);
}

struct loop_io *loop_io_new(struct loop *l, int fd, int events, loop_io_fn fn, void *arg)
{
	struct loop_io *io = xcalloc(1, sizeof(*io));

	io->l = l;
	io->fn = fn;
	io->arg = arg;
	ev_io_init(&io->w, io_cb, fd, to_ev(events));
	if (events)
		ev_io_start(l->ev, &io->w);
	return io;
}

void loop_io_set(struct loop_io *io, int events)
{
	ev_io_stop(io->l->ev, &io->w);
	ev_io_set(&io->w, io->w.fd, to_ev(events));
	if (events)
		ev_io_start(io->l->ev, &io->w);
}

void loop_io_free(struct loop_io *io)
{
	if (!io)
		return;
	ev_io_stop(io->l->ev, &io->w);
	free(io);
}

static void timer_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
	struct loop_timer *t = (struct loop_timer *)w;

	t->fn(t, t->arg);
}

struct loop_timer *loop_timer_new(struct loop *l, double after, double repeat, loop_timer_fn fn,
				  void *arg)
{
	struct loop_timer *t = xcalloc(1, sizeof(*t));

	t->l = l;
	t->fn = fn;
	t->arg = arg;
	ev_timer_init(&t->w, timer_cb, after, repeat);
	ev_timer_start(l->ev, &t->w);
	return t;
}

void loop_timer_again(struct loop_timer *t, double after)
{
	ev_timer_stop(t->l->ev, &t->w);
	ev_timer_set(&t->w, after, t->w.repeat);
	ev_timer_start(t->l->ev, &t->w);
}

void loop_timer_free(struct loop_timer *t)
{
	if (!t)
		return;
	ev_timer_stop(t->l->ev, &t->w);
	free(t);
}

static void signal_cb(struct ev_loop *ev, ev_signal *w, int revents)
{
	struct loop_signal *s = (struct loop_signal *)w;

	s->fn(s, w->signum, s->arg);
}

struct loop_signal *loop_signal_new(struct loop *l, int signum, loop_signal_fn fn, void *arg)
{
	struct loop_signal *s = xcalloc(1, sizeof(*s));

	s->l = l;
	s->fn = fn;
	s->arg = arg;
	ev_signal_init(&s->w, signal_cb, signum);
	ev_signal_start(l->ev, &s->w);
	return s;
}

void loop_signal_free(struct loop_signal *s)
{
	if (!s)
		return;
	ev_signal_stop(s->l->ev, &s->w);
	free(s);
}
