/* console: ipsecctl without a command, on a terminal, as RouterOS's console: a prompt
 * naming the current menu, navigation ("/ip ipsec policy", "..", "/"), commands relative
 * to the menu, history in ~/.ipsecctl_history, Tab completion from the menu and verb
 * tables (conf_complete), and the daemon's errors shown under the word they are about.
 * Line editing is libedit's (BSD licensed). */
#include <errno.h>
#include <histedit.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipsecctl.h"
#include "ipsecd/strbuf.h"

#define CONSOLE_WORDS 256

struct console {
	const struct opts *o;
	char *path;    /* the current menu's path; "" is the root */
	char who[128]; /* "[user@host]" */
	struct strbuf prompt;
	char *histfile; /* NULL: no history kept on disk */
	History *hist;
	bool quit;
};

/* A command line cut into words as the language does: whitespace separates words,
 * except inside double quotes (with \ escapes); quotes stay in the words. */
struct words {
	char *w[CONSOLE_WORDS];
	size_t off[CONSOLE_WORDS]; /* where each begins in the line */
	size_t n;
	bool open_quote; /* the line ends inside quotes */
};

static void words_split(const char *line, size_t len, struct words *ws)
{
	size_t i = 0;

	ws->n = 0;
	ws->open_quote = false;
	while (i < len && ws->n < CONSOLE_WORDS) {
		size_t start;
		bool quoted = false;

		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == len)
			break;
		for (start = i; i < len && (quoted || (line[i] != ' ' && line[i] != '\t')); i++) {
			if (line[i] == '"')
				quoted = !quoted;
			else if (quoted && line[i] == '\\' && i + 1 < len)
				i++;
		}
		ws->open_quote = quoted;
		ws->off[ws->n] = start;
		ws->w[ws->n++] = xstrndup(line + start, i - start);
	}
}

static void words_free(struct words *ws)
{
	for (size_t i = 0; i < ws->n; i++)
		free(ws->w[i]);
	ws->n = 0;
}

/* The prompt's width, for the caret under an error. */
static size_t prompt_len(const struct console *c)
{
	return strlen(c->who) + 1 + (*c->path ? 1 : 0) + strlen(c->path) + 2;
}

static char *prompt_fn(EditLine *el)
{
	struct console *c;

	el_get(el, EL_CLIENTDATA, &c);
	sb_reset(&c->prompt);
	sb_printf(&c->prompt, "%s %s%s> ", c->who, *c->path ? "/" : "", c->path);
	return c->prompt.s;
}

/* Common prefix length of every candidate. */
static size_t common_len(const struct conf_cands *cs)
{
	size_t n = strlen(cs->v[0]);

	for (size_t i = 1; i < cs->n; i++) {
		size_t k = 0;

		while (k < n && cs->v[i][k] == cs->v[0][k])
			k++;
		n = k;
	}
	return n;
}

/* Lists the candidates in columns, values without the "prop=" they all begin with. */
static void list_cands(const struct conf_cands *cs, const char *cur)
{
	const char *eq = strrchr(cur, '=');
	size_t skip = eq ? (size_t)(eq - cur) + 1 : 0, width = 0, cols, col = 0;

	for (size_t i = 0; i < cs->n; i++)
		if (strlen(cs->v[i] + skip) > width)
			width = strlen(cs->v[i] + skip);
	cols = 78 / (width + 2);
	cols = cols ? cols : 1;
	putchar('\n');
	for (size_t i = 0; i < cs->n; i++) {
		printf("%-*s", (int)(width + 2), cs->v[i] + skip);
		if (++col == cols || i + 1 == cs->n) {
			putchar('\n');
			col = 0;
		}
	}
}

/* The console's own words, where a command may start. */
static void offer_own(const char *cur, struct conf_cands *out)
{
	static const char *const own[] = {"monitor", "quit", NULL};

	for (size_t i = 0; own[i]; i++)
		if (!strncmp(own[i], cur, strlen(cur)))
			conf_cands_add(out, own[i]);
}

/* Tab: completes the word before the cursor, or lists what may come. */
static unsigned char complete_fn(EditLine *el, int ch)
{
	const LineInfo *li = el_line(el);
	size_t len = (size_t)(li->cursor - li->buffer);
	struct conf_cands cs = {0};
	struct console *c;
	struct words ws;
	char *typed = NULL; /* the word being typed */
	const char *cur = "";
	unsigned char rc = CC_ERROR;

	(void)ch;
	el_get(el, EL_CLIENTDATA, &c);
	words_split(li->buffer, len, &ws);
	if (ws.open_quote)
		goto out;
	if (ws.n && len && li->buffer[len - 1] != ' ' && li->buffer[len - 1] != '\t')
		cur = typed = ws.w[--ws.n];
	conf_complete(c->path, (const char *const *)ws.w, ws.n, cur, complete_names, (void *)c->o,
		      &cs);
	if (ws.n == 0)
		offer_own(cur, &cs);
	if (cs.n == 0)
		goto out;
	size_t common = common_len(&cs), have = strlen(cur);

	if (common > have) {
		char *add = xstrndup(cs.v[0] + have, common - have);

		el_insertstr(el, add);
		free(add);
		if (cs.n == 1 && cs.v[0][common - 1] != '=')
			el_insertstr(el, " ");
		rc = CC_REFRESH;
	} else if (cs.n == 1) {
		if (cs.v[0][common - 1] != '=')
			el_insertstr(el, " ");
		rc = CC_REFRESH;
	} else {
		list_cands(&cs, cur);
		rc = CC_REDISPLAY;
	}
out:
	words_free(&ws);
	free(typed);
	conf_cands_free(&cs);
	return rc;
}

/* Ctrl-C at the prompt drops the line, as in RouterOS. */
static unsigned char cancel_fn(EditLine *el, int ch)
{
	const LineInfo *li = el_line(el);

	(void)ch;
	int after = (int)(li->lastchar - li->cursor), all = (int)(li->lastchar - li->buffer);

	el_cursor(el, after);
	el_deletestr(el, all);
	return CC_REFRESH;
}

/* Where the daemon's "ipsecctl:1:COL: " points in the line the user typed. */
static size_t user_col(const struct words *ws, char *const *sent, const size_t *sent_off, size_t n,
		       size_t col)
{
	for (size_t i = 0; i < n; i++) {
		size_t k = 0, wl = strlen(sent[i]);

		if (col < sent_off[i] || col > sent_off[i] + wl)
			continue;
		while (k < ws->n && ws->w[k] != sent[i])
			k++;
		if (k < ws->n)
			return ws->off[k] + (col - sent_off[i]);
	}
	return 0;
}

/* Prints the daemon's errors: a caret under the word each is about, then its text. */
static void show_errors(const struct console *c, const struct strbuf *err, const struct words *ws,
			char *const *sent, const size_t *sent_off, size_t n)
{
	size_t plen = prompt_len(c);
	bool located = false;
	char *copy = xstrdup(sb_str(err));

	for (char *save, *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned line, col;
		int used = 0;

		if (sscanf(l, "ipsecctl:%u:%u: %n", &line, &col, &used) == 2 && used > 0) {
			size_t at = col ? user_col(ws, sent, sent_off, n, col - 1) : 0;

			fprintf(stderr, "%*s^\n%s\n", (int)(plen + at), "", l + used);
			located = true;
		} else if (!located || strncmp(l, "ipsecctl: refused: ", 19)) {
			fprintf(stderr, "%s\n", l); /* not "refused: 1 error" after the errors */
		}
	}
	free(copy);
}

/* Is a word setting a secret (secret=, password=, ...)? Such lines stay out of the
 * history file. */
static bool sets_secret(const char *w)
{
	const char *eq = strchr(w, '=');

	for (size_t m = 0; eq && m < CONF_M_COUNT; m++)
		for (size_t p = 0; p < conf_menus[m].nprops; p++) {
			const struct conf_prop *pr = &conf_menus[m].props[p];

			if ((pr->flags & CONF_F_SECRET) && strlen(pr->name) == (size_t)(eq - w) &&
			    !strncmp(pr->name, w, (size_t)(eq - w)))
				return true;
		}
	return false;
}

/* Sends the words from `from` on, in the menu path, and prints the reply. */
static void run_command(struct console *c, struct words *ws, size_t from, const char *path)
{
	char *sent[CONSOLE_WORDS];
	size_t sent_off[CONSOLE_WORDS], n = ws->n - from;
	struct strbuf line = STRBUF_INIT, out = STRBUF_INIT, err = STRBUF_INIT;
	struct req rq = {0};
	int kept;

	memcpy(sent, ws->w + from, n * sizeof(*sent));
	if ((kept = req_scan((int)n, sent, &rq)) < 0)
		return;
	sb_printf(&line, "/%s", path);
	for (int i = 0; i < kept; i++) {
		sb_putc(&line, ' ');
		sent_off[i] = line.len;
		sb_puts(&line, sent[i]);
	}
	if (rq.interval) {
		monitor_print(c->o, &rq, sb_str(&line));
	} else {
		ipsecctl_call(c->o, &rq, sb_str(&line), &out, &err);
		fwrite(sb_str(&out), 1, out.len, stdout);
		fflush(stdout);
		show_errors(c, &err, ws, sent, sent_off, (size_t)kept);
	}
	sb_clear_free(&line);
	sb_clear_free(&out);
	sb_free(&err);
}

static void run_line(struct console *c, const char *text)
{
	struct words ws;
	struct conf_cmd_path pos;

	words_split(text, strlen(text), &ws);
	if (ws.n == 0)
		return;
	if (ws.n == 1 &&
	    (!strcmp(ws.w[0], "quit") || !strcmp(ws.w[0], "/quit") || !strcmp(ws.w[0], "exit"))) {
		c->quit = true;
	} else if (!strcmp(ws.w[0], "monitor")) {
		monitor_run(c->o, (int)ws.n - 1, ws.w + 1);
	} else if (conf_cmd_path(c->path, (const char *const *)ws.w, ws.n, &pos) < 0) {
		fprintf(stderr, "%*s^\nerror: no such menu \"%s\"\n", (int)prompt_len(c), "",
			ws.w[0]);
		free(pos.path);
	} else if (pos.used == ws.n) { /* menu words alone: go there */
		free(c->path);
		c->path = pos.path;
	} else {
		run_command(c, &ws, pos.used, pos.path);
		free(pos.path);
	}
	words_free(&ws);
}

/* ~/.ipsecctl_history, or NULL without a home. */
static char *history_path(void)
{
	const char *home = getenv("HOME");
	struct passwd *pw;
	struct strbuf b = STRBUF_INIT;

	if ((!home || !*home) && (pw = getpwuid(getuid())))
		home = pw->pw_dir;
	if (!home || !*home)
		return NULL;
	sb_printf(&b, "%s/.ipsecctl_history", home);
	return sb_take(&b);
}

/* Keeps the line in the history, and the history on disk (mode 0600), unless it sets a
 * secret. */
static void remember(struct console *c, const char *text)
{
	struct words ws;
	bool secret = false;
	HistEvent ev;

	words_split(text, strlen(text), &ws);
	for (size_t i = 0; i < ws.n; i++)
		secret |= sets_secret(ws.w[i]);
	if (ws.n && !secret) {
		history(c->hist, &ev, H_ENTER, text);
		if (c->histfile) {
			mode_t old = umask(077);

			history(c->hist, &ev, H_SAVE, c->histfile);
			umask(old);
		}
	}
	words_free(&ws);
}

static void console_init(struct console *c, const struct opts *o)
{
	struct passwd *pw = getpwuid(geteuid());
	char host[HOST_NAME_MAX + 1] = "";
	HistEvent ev;

	c->o = o;
	c->path = xstrdup("");
	gethostname(host, sizeof(host) - 1);
	snprintf(c->who, sizeof(c->who), "[%s@%s]", pw ? pw->pw_name : "?",
		 *host ? host : "ipsecd");
	c->hist = history_init();
	history(c->hist, &ev, H_SETSIZE, 1000);
	history(c->hist, &ev, H_SETUNIQUE, 1);
	c->histfile = history_path();
	if (c->histfile)
		history(c->hist, &ev, H_LOAD, c->histfile);
}

int console_run(const struct opts *o)
{
	struct console c = {0};
	EditLine *el;
	const char *text;
	int count;

	console_init(&c, o);
	el = el_init("ipsecctl", stdin, stdout, stderr);
	if (!el) {
		fprintf(stderr, "ipsecctl: cannot start the console's line editor\n");
		return EXIT_USAGE;
	}
	signal(SIGINT, SIG_IGN); /* a command under way is not cut off; ^C at the prompt drops
				    the line (cancel_fn) */
	el_set(el, EL_CLIENTDATA, &c);
	el_set(el, EL_PROMPT, prompt_fn);
	el_set(el, EL_EDITOR, "emacs");
	el_set(el, EL_HIST, history, c.hist);
	el_set(el, EL_ADDFN, "ipsecctl-complete", "complete from the menu table", complete_fn);
	el_set(el, EL_ADDFN, "ipsecctl-cancel", "drop the line", cancel_fn);
	el_set(el, EL_BIND, "^I", "ipsecctl-complete", NULL);
	el_set(el, EL_BIND, "^C", "ipsecctl-cancel", NULL);
	el_set(el, EL_SETTY, "-d", "-isig", NULL); /* ^C reaches cancel_fn while editing */
	el_source(el, NULL);			   /* ~/.editrc */
	printf("ipsecd console (%s): Tab completes, \"..\" and \"/\" move between menus, "
	       "quit or Ctrl-D leaves.\n",
	       o->socket);
	while (!c.quit && (text = el_gets(el, &count)) != NULL) {
		char *line = xstrdup(text);

		line[strcspn(line, "\n")] = '\0';
		remember(&c, line);
		run_line(&c, line);
		free(line);
	}
	if (!c.quit)
		putchar('\n');
	el_end(el);
	history_end(c.hist);
	free(c.histfile);
	free(c.path);
	sb_free(&c.prompt);
	return EXIT_OK;
}
