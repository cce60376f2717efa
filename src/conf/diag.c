/* diag: located error and warning messages, collected so that all of a file's problems
 * are reported at once; past CONF_DIAGS_KEPT of a kind they are only counted. */
#include <stdarg.h>
#include <stdlib.h>

#include "internal.h"

void conf_diags_init(struct conf_diags *ds)
{
	*ds = (struct conf_diags){0};
}

void conf_diags_free(struct conf_diags *ds)
{
	for (size_t i = 0; i < ds->n; i++) {
		free(ds->d[i].file);
		free(ds->d[i].msg);
	}
	free(ds->d);
	*ds = (struct conf_diags){0};
}

void conf_diag_add(struct conf_diags *ds, enum conf_sev sev, const char *file, unsigned line,
		   unsigned col, const char *fmt, ...)
{
	struct strbuf b = STRBUF_INIT;
	size_t *count = sev == CONF_ERROR ? &ds->nerrors : &ds->nwarnings;
	char buf[512];
	va_list ap;

	if ((*count)++ >= CONF_DIAGS_KEPT)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sb_puts(&b, buf);
	if (ds->n == ds->cap) {
		ds->cap = ds->cap ? ds->cap * 2 : 8;
		ds->d = xrealloc(ds->d, ds->cap * sizeof(*ds->d));
	}
	ds->d[ds->n++] =
		(struct conf_diag){sev, xstrdup(file ? file : "-"), line, col, sb_take(&b)};
}

bool conf_diags_more(const struct conf_diags *ds, enum conf_sev sev, char *buf, size_t len)
{
	size_t all = sev == CONF_ERROR ? ds->nerrors : ds->nwarnings;
	size_t more = all > CONF_DIAGS_KEPT ? all - CONF_DIAGS_KEPT : 0;

	if (!more)
		return false;
	snprintf(buf, len, "... and %zu more %s%s", more, sev == CONF_ERROR ? "error" : "warning",
		 more == 1 ? "" : "s");
	return true;
}

void conf_diags_print(const struct conf_diags *ds, FILE *out)
{
	char more[64];

	for (size_t i = 0; i < ds->n; i++) {
		const struct conf_diag *d = &ds->d[i];

		fprintf(out, "%s:%u:%u: %s: %s\n", d->file, d->line, d->col,
			d->sev == CONF_ERROR ? "error" : "warning", d->msg);
	}
	for (int sev = CONF_ERROR; sev <= CONF_WARNING; sev++)
		if (conf_diags_more(ds, (enum conf_sev)sev, more, sizeof(more)))
			fprintf(out, "%s\n", more);
}
