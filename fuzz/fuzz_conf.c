/* fuzz_conf: the configuration language from untrusted bytes (libFuzzer target).
 * The bytes are loaded as a file; a script that loads without errors must survive a
 * round trip: its export (secrets included) reloads without errors and exports to the
 * same text. The same bytes are also run as one ipsecctl command line, as root; a change
 * that is accepted must survive the same round trip. A round-trip failure aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void noop_text(void *arg, const char *s)
{
	(void)arg;
	(void)s;
}

static const struct conf_sink noop_sink = {
	.columns = noop_text,
	.record = noop_text,
	.text = noop_text,
};

/* The model's export, with secrets. Caller frees; *len gets its length. */
static char *export_text(const struct conf *c, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	if (!f)
		abort();
	conf_export(c, f, CONF_EXPORT_SENSITIVE);
	if (fclose(f) != 0)
		abort();
	return text;
}

static void round_trip_failed(const char *what, const char *first, const char *second,
			      const struct conf_diags *ds)
{
	fprintf(stderr, "fuzz_conf: round trip: %s\n--- first export ---\n%s", what, first);
	if (second)
		fprintf(stderr, "--- second export ---\n%s", second);
	if (ds)
		conf_diags_print(ds, stderr);
	abort();
}

/* export -> load -> export must give the same text. */
static void check_round_trip(const struct conf *c)
{
	struct conf_diags ds;
	size_t len1 = 0, len2 = 0;
	char *first = export_text(c, &len1);
	struct conf *again = conf_new();

	conf_diags_init(&ds);
	if (conf_load_buf(again, "export", first, len1, CONF_FROM_FILE, &ds) < 0)
		round_trip_failed("the export does not load", first, NULL, &ds);
	char *second = export_text(again, &len2);

	if (len1 != len2 || memcmp(first, second, len1) != 0)
		round_trip_failed("the exports differ", first, second, NULL);
	free(second);
	free(first);
	conf_free(again);
	conf_diags_free(&ds);
}

/* The bytes as one command line from ipsecctl, run against *cp. */
static void run_ctl(struct conf **cp, const uint8_t *data, size_t size)
{
	struct conf_diags ds;
	struct conf_changes *old = NULL;
	char *line = malloc(size + 1);

	if (!line)
		abort();
	memcpy(line, data, size);
	line[size] = '\0';
	conf_diags_init(&ds);
	if (conf_ctl_exec(cp, line, CONF_CTL_ROOT | CONF_CTL_SENSITIVE, &noop_sink, NULL, &old,
			  &ds) == 0 &&
	    old)
		check_round_trip(*cp);
	conf_changes_free(old);
	conf_diags_free(&ds);
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_diags ds;
	struct conf *c = conf_new();
	bool loaded;

	conf_diags_init(&ds);
	loaded = conf_load_buf(c, "fuzz", (const char *)data, size, CONF_FROM_FILE, &ds) == 0;
	conf_diags_free(&ds);
	if (loaded)
		check_round_trip(c);
	if (!memchr(data, '\0', size)) {
		/* on the loaded model, so that set/remove find items; else on a fresh one */
		if (!loaded) {
			conf_free(c);
			c = conf_new();
		}
		run_ctl(&c, data, size);
	}
	conf_free(c);
	return 0;
}
