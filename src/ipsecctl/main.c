/* ipsecctl: sends one command line to ipsecd over the control socket and prints the
 * reply as a table, a detail listing, JSON or text (DESIGN.md §3); without a command, on
 * a terminal, opens the console (console.c). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipsecd/ctl.h"
#include "ipsecd/strbuf.h"
#include "ipsecctl.h"
#include "render.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ipsecctl [--json] [-s SOCKET] MENU VERB [ARGS...]\n"
		"       ipsecctl [-s SOCKET]                 (on a terminal: the console)\n"
		"       ipsecctl [--json] [-s SOCKET] monitor [once] [interval=SECONDS]\n"
		"       ipsecctl export [file=PATH] [show-sensitive]\n"
		"       ipsecctl key export-pub-key key=NAME [file-name=PATH]\n"
		"       ipsecctl --complete CWORD -- WORDS...  (for shell completion)\n"
		"\n"
		"Sends one command line in ipsecd's configuration language (RouterOS /ip ipsec)\n"
		"to the running daemon and prints the reply. MENU print interval=SECONDS\n"
		"prints again in place until Ctrl-C or q.\n"
		"\n"
		"  MENU   peer, profile, proposal, identity, policy, mode-config, installed-sa,\n"
		"         active-peers, statistics, key, ... (also \"ip ipsec peer\", \"/ip "
		"pool\")\n"
		"  VERB   print [detail] [where PROP=VALUE], add, set, remove, enable, disable, "
		"...\n"
		"\n"
		"options:\n"
		"  -j, --json            records as a JSON array of objects, text as {\"text\": "
		"[]}\n"
		"  -s, --socket SOCKET   control socket (default $IPSECD_SOCKET, else %s)\n"
		"  -h, --help            this text\n"
		"\n"
		"exit status: 0 done, 1 refused by ipsecd, 2 usage error or ipsecd unreachable\n",
		CTL_DEFAULT_SOCKET);
}

/* Parses the options; returns the index of the first word, or -EINVAL. *complete is set
 * by --complete CWORD. */
static int parse_opts(int argc, char **argv, struct opts *o, const char **complete)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"socket", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{"complete", required_argument, NULL, 'C'},
		{NULL, 0, NULL, 0},
	};
	int c;

	o->socket = getenv("IPSECD_SOCKET");
	if (!o->socket || !*o->socket)
		o->socket = CTL_DEFAULT_SOCKET;
	while ((c = getopt_long(argc, argv, "js:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 's':
			o->socket = optarg;
			break;
		case 'C':
			*complete = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	return optind;
}

/* "5", "5s", "2m": seconds, 1..3600; 0 when malformed. */
static unsigned parse_interval(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (end == s)
		return 0;
	if (*end == 'm')
		v *= 60, end++;
	else if (*end == 's')
		end++;
	return *end || v > 3600 ? 0 : (unsigned)v;
}

int req_scan(int n, char **words, struct req *rq)
{
	bool export = false, pub = false, print = false;
	int kept = 0;

	for (int i = 0; i < n; i++) {
		export |= !strcmp(words[i], "export");
		pub |= !strcmp(words[i], "export-pub-key");
		print |= !strcmp(words[i], "print");
		rq->detail |= !strcmp(words[i], "detail");
		rq->sensitive |= !strcmp(words[i], "show-sensitive");
	}
	for (int i = 0; i < n; i++) {
		if (export && !strncmp(words[i], "file=", 5)) {
			rq->file = words[i] + 5;
		} else if (pub && !strncmp(words[i], "file-name=", 10)) {
			rq->file = words[i] + 10;
			rq->exclusive = true;
		} else if (print && !strncmp(words[i], "interval=", 9)) {
			rq->interval = parse_interval(words[i] + 9);
			if (!rq->interval) {
				fprintf(stderr, "ipsecctl: interval=%s: give seconds, 1 to 3600\n",
					words[i] + 9);
				return -1;
			}
		} else {
			words[kept++] = words[i];
		}
	}
	return kept;
}

struct reply_ctx {
	struct render_reply r;
	struct strbuf *err;
};

static void on_line(void *arg, char kind, const char *payload)
{
	struct reply_ctx *x = arg;

	if (kind == CTL_DIAG) {
		sb_printf(x->err, "%s\n", payload);
		return;
	}
	render_reply_add(&x->r, kind, payload);
}

/* Writes b to path: mode 0600 when sensitive (an existing file is made so), else 0644 less
 * the umask; exclusive refuses an existing file (a key's own file must never be
 * overwritten by its public half). */
static int write_file(const char *path, const struct strbuf *b, bool sensitive, bool exclusive)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC),
		      sensitive ? 0600 : 0644);
	size_t off = 0;
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (sensitive && fchmod(fd, 0600) < 0) /* an existing file keeps its mode otherwise */
		rc = -errno;
	while (!rc && off < b->len) {
		ssize_t n = write(fd, b->s + off, b->len - off);

		if (n < 0 && errno != EINTR)
			rc = -errno;
		else if (n > 0)
			off += (size_t)n;
	}
	if (close(fd) < 0 && !rc)
		rc = -errno;
	return rc;
}

/* Renders (or writes to the export file) what the daemon sent. Returns an exit status. */
static int output(const struct opts *o, const struct req *rq, const struct render_reply *r,
		  struct strbuf *out, struct strbuf *err)
{
	struct strbuf b = STRBUF_INIT;
	int rc = 0;

	if (rq->file)
		render_text(&b, r);
	else if (o->json)
		rc = render_json(&b, r);
	else if (r->nrecords || r->columns)
		rc = rq->detail ? render_detail(&b, r) : render_table(&b, r);
	else
		render_text(&b, r);
	if (rc < 0) {
		sb_puts(err, "ipsecctl: ipsecd sent a malformed record\n");
	} else if (rq->file) {
		rc = write_file(rq->file, &b, rq->sensitive, rq->exclusive);
		if (rc == -EEXIST)
			sb_printf(err, "ipsecctl: %s exists; not overwriting it\n", rq->file);
		else if (rc < 0)
			sb_printf(err, "ipsecctl: cannot write %s: %s\n", rq->file, strerror(-rc));
	} else {
		sb_add(out, sb_str(&b), b.len);
	}
	sb_clear_free(&b); /* an export may hold secrets */
	return rc < 0 ? EXIT_REFUSED : EXIT_OK;
}

int ipsecctl_call(const struct opts *o, const struct req *rq, const char *line, struct strbuf *out,
		  struct strbuf *err)
{
	struct reply_ctx x = {.err = err};
	enum ctl_status st;
	char why[512];
	int rc, status;

	rc = ctl_client_request(o->socket, line, on_line, &x, &st, why, sizeof(why));
	if (rc < 0) {
		sb_printf(err, "ipsecctl: %s\n", why);
		status = EXIT_UNREACHABLE;
	} else if (st != CTL_OK) {
		sb_printf(err, "ipsecctl: %s: %s\n", ctl_status_name(st), why);
		status = EXIT_REFUSED;
	} else {
		status = output(o, rq, &x.r, out, err);
	}
	render_reply_free(&x.r);
	return status;
}

static int put(FILE *f, const struct strbuf *b)
{
	if (fwrite(sb_str(b), 1, b->len, f) != b->len || fflush(f) != 0) {
		fprintf(stderr, "ipsecctl: writing the output: %s\n", strerror(errno));
		return -EIO;
	}
	return 0;
}

/* One command from the shell's words. */
static int run_words(const struct opts *o, int n, char **words)
{
	struct req rq = {0};
	struct strbuf line = STRBUF_INIT, out = STRBUF_INIT, err = STRBUF_INIT;
	int status;

	n = req_scan(n, words, &rq);
	if (n < 0)
		return EXIT_USAGE;
	render_join_args(&line, n, words);
	if (rq.interval) {
		status = monitor_print(o, &rq, sb_str(&line));
	} else {
		status = ipsecctl_call(o, &rq, sb_str(&line), &out, &err);
		if (put(stdout, &out) < 0 && status == EXIT_OK)
			status = EXIT_REFUSED;
		put(stderr, &err);
	}
	sb_clear_free(&line); /* "set ... secret=..." */
	sb_clear_free(&out);
	sb_free(&err);
	return status;
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	const char *complete = NULL;
	int first = parse_opts(argc, argv, &o, &complete);

	if (first < 0)
		return EXIT_USAGE;
	if (complete)
		return complete_run(&o, complete, argc - first, argv + first);
	if (first == argc) {
		if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
			return console_run(&o);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[first], "monitor"))
		return monitor_run(&o, argc - first - 1, argv + first + 1);
	return run_words(&o, argc - first, argv + first);
}
