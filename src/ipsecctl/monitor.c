/* monitor: the views that refresh: ipsecctl monitor (active peers and installed SAs, what
 * RouterOS shows with print interval=1) and MENU print interval=N. On a terminal each
 * refresh clears the screen and draws again in place (ANSI clear and home) until Ctrl-C or
 * q; with --json, or when the output is no terminal, each refresh is written after the
 * last: one JSON document per line with --json, for scripts. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ipsecctl.h"
#include "ipsecd/strbuf.h"

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* Draws one refresh into out (errors into err); returns an exit status. */
typedef int (*frame_fn)(void *arg, struct strbuf *out, struct strbuf *err);

struct view {
	const struct opts *o;
	bool live;	    /* redrawn in place on a terminal */
	bool keys;	    /* q is read from the terminal */
	struct termios tio; /* the terminal's settings, restored at the end */
	struct sigaction old_int, old_term;
};

static void view_start(struct view *v)
{
	struct sigaction sa = {.sa_handler = on_stop}; /* no SA_RESTART: poll returns */
	struct termios raw;

	sigemptyset(&sa.sa_mask);
	stop_requested = 0;
	sigaction(SIGINT, &sa, &v->old_int);
	sigaction(SIGTERM, &sa, &v->old_term);
	v->live = !v->o->json && isatty(STDOUT_FILENO);
	v->keys = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &v->tio) == 0;
	if (!v->keys)
		return;
	raw = v->tio;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO); /* keys one by one, unechoed; ^C stays */
	raw.c_cc[VMIN] = 0;
	raw.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSANOW, &raw);
}

static void view_end(struct view *v)
{
	if (v->keys)
		tcsetattr(STDIN_FILENO, TCSANOW, &v->tio);
	sigaction(SIGINT, &v->old_int, NULL);
	sigaction(SIGTERM, &v->old_term, NULL);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits secs seconds for q or Ctrl-C; returns true when one came. */
static bool wait_quit(const struct view *v, unsigned secs)
{
	long long end = now_ms() + (long long)secs * 1000;

	while (!stop_requested) {
		struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
		long long left = end - now_ms();
		char c;

		if (left <= 0)
			return false;
		if (poll(&p, v->keys ? 1 : 0, (int)left) > 0 && (p.revents & POLLIN) &&
		    read(STDIN_FILENO, &c, 1) == 1 && (c == 'q' || c == 'Q'))
			return true;
	}
	return true;
}

static void write_all(FILE *f, const struct strbuf *b)
{
	fwrite(sb_str(b), 1, b->len, f);
	fflush(f);
}

/* Calls frame every interval seconds (once: one time) until q, Ctrl-C or, when nobody
 * watches a terminal, the daemon cannot be reached. */
static int refresh_loop(const struct opts *o, const char *title, unsigned interval, bool once,
			frame_fn frame, void *arg)
{
	struct view v = {.o = o};
	int status = EXIT_OK;

	view_start(&v);
	while (!stop_requested) {
		struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
		char stamp[32];
		time_t t = time(NULL);

		strftime(stamp, sizeof(stamp), "%H:%M:%S", localtime(&t));
		status = frame(arg, &out, &err);
		if (v.live) {
			printf("\033[H\033[2J%s, every %us, %s%s\n\n", title, interval, stamp,
			       once ? "" : " (q or Ctrl-C quits)");
			write_all(stdout, &out);
			write_all(stdout, &err);
		} else {
			write_all(stdout, &out);
			write_all(stderr, &err);
		}
		sb_free(&out);
		sb_free(&err);
		if (once || (!v.live && status == EXIT_UNREACHABLE) || wait_quit(&v, interval))
			break;
	}
	view_end(&v);
	return once || !v.live ? status : EXIT_OK;
}

/* A JSON rendering on one line: render_json's newlines only separate (strings escape
 * theirs). */
static void one_line(struct strbuf *b)
{
	size_t k = 0;

	for (size_t i = 0; i < b->len; i++)
		if (b->s[i] != '\n')
			b->s[k++] = b->s[i];
	b->len = k;
	if (b->s)
		b->s[k] = '\0';
}

struct print_frame {
	const struct opts *o;
	const struct req *rq;
	const char *line;
};

static int print_frame(void *arg, struct strbuf *out, struct strbuf *err)
{
	const struct print_frame *f = arg;
	int status = ipsecctl_call(f->o, f->rq, f->line, out, err);

	if (f->o->json && out->len) {
		one_line(out);
		sb_putc(out, '\n');
	}
	return status;
}

int monitor_print(const struct opts *o, const struct req *rq, const char *line)
{
	struct print_frame f = {o, rq, line};

	return refresh_loop(o, line, rq->interval, false, print_frame, &f);
}

/* --- ipsecctl monitor --- */

static const char *const monitored[][2] = {
	{"active-peers", "/ip ipsec active-peers print"},
	{"installed-sa", "/ip ipsec installed-sa print"},
};

static int monitor_frame(void *arg, struct strbuf *out, struct strbuf *err)
{
	const struct opts *o = arg;
	const struct req rq = {0};
	int status = EXIT_OK;
	char stamp[40];
	time_t t = time(NULL);

	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S%z", localtime(&t));
	if (o->json)
		sb_printf(out, "{\"time\": \"%s\"", stamp);
	for (size_t i = 0; i < sizeof(monitored) / sizeof(monitored[0]); i++) {
		struct strbuf part = STRBUF_INIT;
		int st = ipsecctl_call(o, &rq, monitored[i][1], &part, err);

		if (st != EXIT_OK && status == EXIT_OK)
			status = st;
		if (o->json) {
			one_line(&part);
			sb_printf(out, ", \"%s\": %s", monitored[i][0],
				  st == EXIT_OK && part.len ? sb_str(&part) : "null");
		} else {
			sb_printf(out, "%s%s\n%s", i ? "\n" : "", monitored[i][0], sb_str(&part));
		}
		sb_free(&part);
	}
	if (o->json)
		sb_puts(out, "}\n");
	return status;
}

int monitor_run(const struct opts *o, int n, char **words)
{
	unsigned interval = 1;
	bool once = false;

	for (int i = 0; i < n; i++) {
		struct req rq = {0};
		char *w[2] = {"print", words[i]};

		if (!strcmp(words[i], "once")) {
			once = true;
		} else if (!strncmp(words[i], "interval=", 9) && req_scan(2, w, &rq) == 1) {
			interval = rq.interval;
		} else {
			if (strncmp(words[i], "interval=", 9))
				fprintf(stderr,
					"ipsecctl: monitor: unknown argument \"%s\"; valid: "
					"once, interval=SECONDS\n",
					words[i]);
			return EXIT_USAGE;
		}
	}
	return refresh_loop(o, "ipsecd: active peers and installed SAs", interval, once,
			    monitor_frame, (void *)o);
}
