/* complete: ipsecctl --complete CWORD -- WORDS..., the shell's end of the completion
 * engine (conf_complete in src/conf/complete.c, which the console uses too). WORDS are
 * the command line as the shell split it, the program's name first; CWORD is the index of
 * the word being completed (WORDS' length for a new one). Candidates are printed one per
 * line; contrib/bash-completion/ipsecctl turns them into COMPREPLY. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecctl.h"
#include "ipsecd/ctl.h"
#include "ipsecd/strbuf.h"

static void on_name(void *arg, char kind, const char *payload)
{
	struct conf_cands *out = arg;
	struct ctl_record rec = {0};
	const char *name;

	if (kind != CTL_RECORD || ctl_terse_split(payload, &rec) < 0)
		return;
	name = ctl_record_get(&rec, "name");
	if (name && *name && !strchr(name, ' ') && !strchr(name, '"'))
		conf_cands_add(out, name);
	ctl_record_free(&rec);
}

void complete_names(void *arg, const struct conf_menu *m, struct conf_cands *out)
{
	const struct opts *o = arg;
	struct strbuf line = STRBUF_INIT;
	enum ctl_status st;
	char err[256];

	if (m->name_prop < 0)
		return;
	sb_printf(&line, "/%s print", m->path);
	ctl_client_request(o->socket, sb_str(&line), on_name, out, &st, err, sizeof(err));
	sb_free(&line);
}

static const char *const options[] = {"--json", "--socket", "--help", "-j", "-s", NULL};

/* ipsecctl's own words at the start of a command: monitor and its arguments. */
static void offer_client(const char *const *words, size_t n, const char *cur,
			 struct conf_cands *out)
{
	static const char *const monitor_words[] = {"once", "interval=", NULL};

	if (n == 0 && !strncmp("monitor", cur, strlen(cur)))
		conf_cands_add(out, "monitor");
	for (size_t i = 0; n > 0 && !strcmp(words[0], "monitor") && monitor_words[i]; i++)
		if (!strncmp(monitor_words[i], cur, strlen(cur)))
			conf_cands_add(out, monitor_words[i]);
}

int complete_run(const struct opts *o, const char *cword_s, int n, char **words)
{
	struct opts so = *o; /* -s among the words picks the daemon asked for names */
	const char **lang = calloc((size_t)n + 1, sizeof(*lang));
	struct conf_cands out = {0};
	char *end;
	long cword = strtol(cword_s, &end, 10);
	size_t nl = 0;
	const char *cur;

	if (*end || cword < 0 || cword > n || !lang) {
		fprintf(stderr, "ipsecctl: --complete %s: not a word index (0..%d)\n", cword_s, n);
		free(lang);
		return EXIT_USAGE;
	}
	cur = cword < n ? words[cword] : "";
	for (long i = 1; i < cword; i++) { /* words[0] is the program */
		if (!strcmp(words[i], "-s") || !strcmp(words[i], "--socket")) {
			if (++i < cword)
				so.socket = words[i];
		} else if (!strncmp(words[i], "--socket=", 9)) {
			so.socket = words[i] + 9;
		} else if (words[i][0] != '-' || nl > 0) {
			lang[nl++] = words[i];
		}
	}
	if (cword > 1 &&
	    (!strcmp(words[cword - 1], "-s") || !strcmp(words[cword - 1], "--socket"))) {
		/* a socket's path: left to the shell's own file completion */
	} else if (cur[0] == '-' && nl == 0) {
		for (size_t i = 0; options[i]; i++)
			if (!strncmp(options[i], cur, strlen(cur)))
				conf_cands_add(&out, options[i]);
	} else if (nl > 0 && !strcmp(lang[0], "monitor")) {
		offer_client(lang, nl, cur, &out);
	} else {
		conf_complete("ip ipsec", lang, nl, cur, complete_names, &so, &out);
		offer_client(lang, nl, cur, &out);
	}
	for (size_t i = 0; i < out.n; i++)
		printf("%s\n", out.v[i]);
	conf_cands_free(&out);
	free(lang);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_REFUSED;
}
