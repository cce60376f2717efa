/* ipsecctl: sends one command line to ipsecd over the control socket and prints the
 * reply as a table, a detail listing, JSON or text (DESIGN.md §3). */
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
#include "render.h"

/* Exit status: DESIGN.md §3. */
enum { EXIT_OK = 0, EXIT_REFUSED = 1, EXIT_UNREACHABLE = 2, EXIT_USAGE = 2 };

struct opts {
	const char *socket;
	bool json;
	bool detail;	  /* the request asks for print detail */
	const char *file; /* export file=, export-pub-key file-name=: written here */
	bool sensitive;	  /* export show-sensitive: the file gets mode 0600 */
	bool exclusive;	  /* export-pub-key: an existing file is not overwritten */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ipsecctl [--json] [-s SOCKET] MENU VERB [ARGS...]\n"
		"       ipsecctl export [file=PATH] [show-sensitive]\n"
		"       ipsecctl key export-pub-key key=NAME [file-name=PATH]\n"
		"\n"
		"Sends one command line in ipsecd's configuration language (RouterOS /ip ipsec)\n"
		"to the running daemon and prints the reply.\n"
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

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"socket", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
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
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return -EINVAL;
	}
	return optind;
}

/* Notes what the request asks for that the client handles, and drops export's file=PATH
 * and export-pub-key's file-name=PATH from the words: the daemon never writes files for a
 * client. Returns the new count. */
static int scan_words(int n, char **words, struct opts *o)
{
	bool export = false, pub = false;
	int kept = 0;

	for (int i = 0; i < n; i++) {
		export |= !strcmp(words[i], "export");
		pub |= !strcmp(words[i], "export-pub-key");
		o->detail |= !strcmp(words[i], "detail");
		o->sensitive |= !strcmp(words[i], "show-sensitive");
	}
	for (int i = 0; i < n; i++) {
		if (export && !strncmp(words[i], "file=", 5))
			o->file = words[i] + 5;
		else if (pub && !strncmp(words[i], "file-name=", 10))
			o->file = words[i] + 10, o->exclusive = true;
		else
			words[kept++] = words[i];
	}
	return kept;
}

static void on_line(void *arg, char kind, const char *payload)
{
	if (kind == CTL_DIAG) {
		fprintf(stderr, "%s\n", payload);
		return;
	}
	render_reply_add(arg, kind, payload);
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

/* Prints (or writes to the export file) what the daemon sent. Returns an exit status. */
static int output(const struct opts *o, const struct render_reply *r)
{
	struct strbuf b = STRBUF_INIT;
	int rc = 0;

	if (o->file)
		render_text(&b, r);
	else if (o->json)
		rc = render_json(&b, r);
	else if (r->nrecords || r->columns)
		rc = o->detail ? render_detail(&b, r) : render_table(&b, r);
	else
		render_text(&b, r);
	if (rc < 0) {
		fprintf(stderr, "ipsecctl: ipsecd sent a malformed record\n");
	} else if (o->file) {
		rc = write_file(o->file, &b, o->sensitive, o->exclusive);
		if (rc == -EEXIST)
			fprintf(stderr, "ipsecctl: %s exists; not overwriting it\n", o->file);
		else if (rc < 0)
			fprintf(stderr, "ipsecctl: cannot write %s: %s\n", o->file, strerror(-rc));
	} else if (fwrite(sb_str(&b), 1, b.len, stdout) != b.len || fflush(stdout) != 0) {
		fprintf(stderr, "ipsecctl: writing the output: %s\n", strerror(errno));
		rc = -EIO;
	}
	sb_clear_free(&b); /* an export may hold secrets */
	return rc < 0 ? EXIT_REFUSED : EXIT_OK;
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	struct render_reply r = {0};
	struct strbuf line = STRBUF_INIT;
	enum ctl_status st;
	char err[512];
	int first, n, rc, status;

	first = parse_opts(argc, argv, &o);
	if (first < 0)
		return EXIT_USAGE;
	n = scan_words(argc - first, argv + first, &o);
	render_join_args(&line, n, argv + first);
	rc = ctl_client_request(o.socket, sb_str(&line), on_line, &r, &st, err, sizeof(err));
	sb_clear_free(&line); /* "set ... secret=..." */
	if (rc < 0) {
		fprintf(stderr, "ipsecctl: %s\n", err);
		status = EXIT_UNREACHABLE;
	} else if (st != CTL_OK) {
		fprintf(stderr, "ipsecctl: %s: %s\n", ctl_status_name(st), err);
		status = EXIT_REFUSED;
	} else {
		status = output(&o, &r);
	}
	render_reply_free(&r);
	return status;
}
