/* loop: the only door to libev. Everything else sees watchers as opaque handles, so the
 * IKE engines and the control server can run on a fake loop in unit tests. */
#ifndef IPSECD_LOOP_H
#define IPSECD_LOOP_H

#include <stdint.h>

struct loop;
struct loop_io;
struct loop_timer;
struct loop_signal;

enum { LOOP_READ = 1, LOOP_WRITE = 2 };

typedef void (*loop_io_fn)(struct loop_io *w, int fd, int events, void *arg);
typedef void (*loop_timer_fn)(struct loop_timer *w, void *arg);
typedef void (*loop_signal_fn)(struct loop_signal *w, int signum, void *arg);

/* The process's default loop. NULL when libev cannot start one. */
struct loop *loop_default(void);
void loop_run(struct loop *l);
void loop_break(struct loop *l);
/* Monotonic seconds, as the loop sees them (a fake clock in tests). */
double loop_now(struct loop *l);

/* Watchers are started on creation; *_free stops and frees, accepts NULL. */
struct loop_io *loop_io_new(struct loop *l, int fd, int events, loop_io_fn fn, void *arg);
void loop_io_set(struct loop_io *w, int events);
void loop_io_free(struct loop_io *w);
struct loop_timer *loop_timer_new(struct loop *l, double after, double repeat, loop_timer_fn fn,
				  void *arg);
void loop_timer_again(struct loop_timer *w, double after);
void loop_timer_free(struct loop_timer *w);
struct loop_signal *loop_signal_new(struct loop *l, int signum, loop_signal_fn fn, void *arg);
void loop_signal_free(struct loop_signal *w);

#endif
