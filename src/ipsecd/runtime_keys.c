/* runtime_keys: `key generate-key name= key-size=` and `key export-pub-key key=`.
 *
 * generate-key writes a new RSA key into the key directory (mode 0600) and leaves the
 * daemon a change to run once the command is done: the import of that file under the
 * name, so the key joins the running configuration and its export as any imported key
 * does. export-pub-key answers with the public half as PEM text; ipsecctl writes it to
 * file-name= on the client's side, as it does for export file=. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipsecd/log.h"
#include "ipsecd/sig.h"
#include "ipsecd/strbuf.h"
#include "creds.h"
#include "runtime.h"

#define KEY_NAME_MAX 64

static int refuse(struct conf_diags *ds, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(struct conf_diags *ds, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	conf_diag_add(ds, CONF_ERROR, "ipsecctl", 1, 1, "%s", msg);
	return code;
}

/* The value of each key in want[] (NULL when absent); an argument not in want[] is
 * refused with the list of valid ones. */
static int take_args(const char *verb, const char *const *want, const char **got,
		     const char *const *keys, const char *const *vals, size_t n,
		     struct conf_diags *ds)
{
	for (size_t i = 0; i < n; i++) {
		size_t w = 0;

		while (want[w] && !(keys[i] && !strcmp(keys[i], want[w])))
			w++;
		if (!want[w])
			return refuse(ds, -EINVAL,
				      "key %s: unknown argument \"%s\"; valid: %s=, %s=", verb,
				      keys[i] ? keys[i] : vals[i], want[0], want[1]);
		got[w] = vals[i];
	}
	return 0;
}

/* A key name becomes a file name: letters, digits, '.', '-', '_', not starting with '.'. */
static bool name_ok(const char *name)
{
	size_t len = strlen(name);

	if (!len || len > KEY_NAME_MAX || name[0] == '.')
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
	       len;
}

static int key_dir_ready(const char *dir, struct conf_diags *ds)
{
	struct stat st;

	if (strpbrk(dir, "\"\\\n"))
		return refuse(ds, -EINVAL,
			      "key directory %s: a quote, backslash or newline in "
			      "the path is not supported",
			      dir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return refuse(ds, -errno, "key directory %s: %s", dir, strerror(errno));
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return refuse(ds, -ENOTDIR, "key directory %s: not a directory", dir);
	return 0;
}

static int generate(struct runtime *r, const char *const *keys, const char *const *vals, size_t n,
		    unsigned flags, const struct conf_sink *sink, struct conf_diags *ds)
{
	static const char *const want[] = {"name", "key-size", NULL};
	const char *got[2] = {NULL, NULL};
	struct sig_err err = {0};
	char path[4096], line[256];
	unsigned bits = 2048;
	int e;

	if (!(flags & CONF_CTL_ROOT))
		return refuse(ds, -EPERM, "key generate-key needs root");
	if ((e = take_args("generate-key", want, got, keys, vals, n, ds)) < 0)
		return e;
	if (!got[0] || !*got[0])
		return refuse(ds, -EINVAL, "key generate-key: name= is required");
	if (!name_ok(got[0]))
		return refuse(ds, -EINVAL,
			      "key generate-key: name=%s is not valid: up to %d letters, digits, "
			      "'.', '-' or '_', not starting with '.'",
			      got[0], KEY_NAME_MAX);
	if (got[1]) {
		if (strcmp(got[1], "1024") && strcmp(got[1], "2048") && strcmp(got[1], "4096"))
			return refuse(ds, -EINVAL,
				      "key generate-key: key-size=%s is not valid; valid: 1024, "
				      "2048, 4096",
				      got[1]);
		bits = (unsigned)atoi(got[1]);
	}
	if (conf_find(*r->conf, CONF_M_KEY, got[0]))
		return refuse(ds, -EINVAL, "key generate-key: a key named %s exists already",
			      got[0]);
	if ((e = key_dir_ready(r->key_dir, ds)) < 0)
		return e;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.pem", r->key_dir, got[0]) >= sizeof(path))
		return refuse(ds, -ENAMETOOLONG, "key directory %s: path too long", r->key_dir);
	EVP_PKEY *k = sig_key_generate(path, bits, &err);

	if (!k && err.code == -EEXIST) /* made before, its import lost with a reload */
		return refuse(ds, -EINVAL,
			      "key generate-key: %s; to use that key, import it: key import "
			      "file-name=\"%s\" name=%s",
			      err.msg, path, got[0]);
	if (!k)
		return refuse(ds, err.code, "key generate-key: %s", err.msg);
	sig_key_free(k); /* the import reads it back like any other key file */
	log_info(LOG_CONFIG, NULL, "key %s: generated a %u-bit RSA key in %s", got[0], bits, path);
	free(r->pending_change);
	free(r->pending_file);
	struct strbuf change = STRBUF_INIT;

	sb_printf(&change, "/ip ipsec key import file-name=\"%s\" name=%s", path, got[0]);
	r->pending_change = sb_take(&change);
	r->pending_file = strdup(path);
	snprintf(line, sizeof(line), "generated a %u-bit RSA key %s", bits, got[0]);
	if (sink && sink->text)
		sink->text(sink->arg, line);
	return 0;
}

static int export_pub(struct runtime *r, const char *const *keys, const char *const *vals, size_t n,
		      const struct conf_sink *sink, struct conf_diags *ds)
{
	static const char *const want[] = {"key", "file-name", NULL};
	const char *got[2] = {NULL, NULL};
	char *pem = NULL;
	int e;

	if ((e = take_args("export-pub-key", want, got, keys, vals, n, ds)) < 0)
		return e;
	if (got[1])
		return refuse(ds, -EINVAL,
			      "key export-pub-key: file-name= is written by ipsecctl, "
			      "on the client's side; this client sent it on");
	if (!got[0] || !*got[0])
		return refuse(ds, -EINVAL, "key export-pub-key: key= is required");
	EVP_PKEY *k = creds_key(r->creds, got[0]);

	if (!k)
		return refuse(ds, -EINVAL, "key export-pub-key: no key named %s (see key print)",
			      got[0]);
	if ((e = sig_key_pub_pem(k, &pem)) < 0)
		return refuse(ds, e, "key export-pub-key: %s", strerror(-e));
	for (char *save, *l = strtok_r(pem, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (sink && sink->text)
			sink->text(sink->arg, l);
	free(pem);
	return 0;
}

int runtime_key_verb(struct runtime *r, const char *verb, const char *const *keys,
		     const char *const *vals, size_t n, unsigned flags,
		     const struct conf_sink *sink, struct conf_diags *ds)
{
	if (!strcmp(verb, "generate-key"))
		return generate(r, keys, vals, n, flags, sink, ds);
	if (!strcmp(verb, "export-pub-key"))
		return export_pub(r, keys, vals, n, sink, ds);
	return -ENOTSUP;
}

void runtime_pending_clear(struct runtime *r, bool undo)
{
	if (undo && r->pending_file && unlink(r->pending_file) == 0)
		log_info(LOG_CONFIG, NULL, "%s removed: its import was refused", r->pending_file);
	free(r->pending_change);
	free(r->pending_file);
	r->pending_change = r->pending_file = NULL;
}
