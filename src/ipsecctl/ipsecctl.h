/* ipsecctl: what its files share. main.c sends one command and prints the reply;
 * console.c is the interactive console, monitor.c the views that refresh in place
 * (monitor, print interval=), complete.c the command-line end of the completion engine. */
#ifndef IPSECCTL_IPSECCTL_H
#define IPSECCTL_IPSECCTL_H

#include <stdbool.h>

#include "ipsecd/conf.h"

struct strbuf;

/* Exit status: DESIGN.md §3. */
enum { EXIT_OK = 0, EXIT_REFUSED = 1, EXIT_UNREACHABLE = 2, EXIT_USAGE = 2 };

struct opts {
	const char *socket;
	bool json;
};

/* What one request asks of ipsecctl itself, taken out of its words by req_scan(). */
struct req {
	bool detail;	   /* print detail */
	const char *file;  /* export file=, export-pub-key file-name=: written here */
	bool sensitive;	   /* export show-sensitive: the file gets mode 0600 */
	bool exclusive;	   /* export-pub-key: an existing file is not overwritten */
	unsigned interval; /* print interval=: seconds between refreshes, 0 = once */
};

/* Notes in rq what the words ask of ipsecctl and drops the words that are its own
 * (file=, file-name=, print's interval=). Returns the new count, or -1 with a message on
 * stderr when one is malformed. The words stay the caller's. */
int req_scan(int n, char **words, struct req *rq);

/* Sends line and renders the reply as o and rq ask into out; the daemon's diagnostics and
 * a refusal go to err as one-shot ipsecctl prints them. With rq->file the reply is
 * written there instead. Returns the exit status. */
int ipsecctl_call(const struct opts *o, const struct req *rq, const char *line, struct strbuf *out,
		  struct strbuf *err);

/* The console: prompt, navigation, history, completion. Returns the exit status. */
int console_run(const struct opts *o);

/* Runs line every rq->interval seconds, redrawn in place on a terminal (one JSON
 * document per line with --json) until Ctrl-C or q. Returns the exit status. */
int monitor_print(const struct opts *o, const struct req *rq, const char *line);
/* ipsecctl monitor [once] [interval=N]: active peers and installed SAs. */
int monitor_run(const struct opts *o, int n, char **words);

/* ipsecctl --complete CWORD -- WORDS...: the candidates, one per line. */
int complete_run(const struct opts *o, const char *cword, int n, char **words);
/* For conf_complete: asks the daemon (at the socket in arg, a struct opts) for the names
 * of menu m's items; nothing when it cannot answer. */
void complete_names(void *arg, const struct conf_menu *m, struct conf_cands *out);

#endif
