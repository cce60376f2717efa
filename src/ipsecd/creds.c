/* creds: the certificates and keys the IKE engine authenticates with, read from files:
 * the certificate directory first (every file under its base name), then each
 * /certificate import and /ip ipsec key import of the configuration. Built whole before
 * a configuration is taken; a file that cannot be read refuses the configuration, so a
 * running daemon keeps what it had. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "creds.h"
#include "ipsecd/log.h"
#include "ipsecd/pki.h"
#include "ipsecd/sig.h"

struct creds_key {
	char *name;
	EVP_PKEY *key;
};

struct creds {
	struct pki_store *store;
	struct creds_key *keys;
	size_t nkeys;
};

void creds_free(struct creds *cr)
{
	if (!cr)
		return;
	pki_store_free(cr->store);
	for (size_t i = 0; i < cr->nkeys; i++) {
		free(cr->keys[i].name);
		sig_key_free(cr->keys[i].key);
	}
	free(cr->keys);
	free(cr);
}

struct dir_report {
	struct conf_diags *ds;
	int failed;
};

static void dir_file(void *arg, const char *path, int err, const char *msg)
{
	struct dir_report *r = arg;

	if (err < 0) {
		conf_diag_add(r->ds, CONF_ERROR, path, 1, 1, "%s", msg);
		r->failed++;
	} else if (*msg) {
		conf_diag_add(r->ds, CONF_WARNING, path, 1, 1, "%s", msg);
	}
}

/* /ip ipsec settings insecure-key-files=warn: such files load, with a warning. */
static bool lax_key_files(const struct conf *c)
{
	const struct conf_item *s =
		conf_count(c, CONF_M_SETTINGS) ? conf_item_at(c, CONF_M_SETTINGS, 0) : NULL;

	return s && conf_int(s, CONF_SETTINGS_INSECURE_KEY_FILES) == 1;
}

static int import_certs(struct creds *cr, const struct conf *c, unsigned flags,
			struct conf_diags *ds)
{
	int failed = 0;

	for (size_t i = 0; i < conf_count(c, CONF_M_CERTIFICATE); i++) {
		const struct conf_item *it = conf_item_at(c, CONF_M_CERTIFICATE, i);
		const char *file = conf_str(it, CONF_CERT_FILE_NAME);
		const char *pass = conf_str(it, CONF_CERT_PASSPHRASE);
		char msg[PKI_MSG_MAX];
		int r = pki_store_import(cr->store, file, conf_str(it, CONF_CERT_NAME),
					 pass && *pass ? pass : NULL, flags, msg, sizeof(msg));

		if (r < 0) {
			conf_diag_add(ds, CONF_ERROR, file, 1, 1, "/certificate import: %s", msg);
			failed++;
		} else if (*msg) {
			conf_diag_add(ds, CONF_WARNING, file, 1, 1, "%s", msg);
		}
	}
	return failed;
}

static int import_keys(struct creds *cr, const struct conf *c, bool lax, struct conf_diags *ds)
{
	size_t n = conf_count(c, CONF_M_KEY);
	int failed = 0;

	cr->keys = n ? calloc(n, sizeof(*cr->keys)) : NULL;
	if (n && !cr->keys)
		return 1;
	for (size_t i = 0; i < n; i++) {
		const struct conf_item *it = conf_item_at(c, CONF_M_KEY, i);
		const char *file = conf_str(it, CONF_KEY_FILE_NAME);
		struct sig_err err = {0};
		EVP_PKEY *key = NULL;
		bool priv;

		if ((lax ? sig_key_load_lax : sig_key_load)(file, NULL, &key, &priv, &err) < 0) {
			conf_diag_add(ds, CONF_ERROR, file, 1, 1, "/ip ipsec key import: %s",
				      err.msg);
			failed++;
			continue;
		}
		if (*err.msg)
			conf_diag_add(ds, CONF_WARNING, file, 1, 1, "/ip ipsec key import: %s",
				      err.msg);
		cr->keys[cr->nkeys].name = strdup(conf_str(it, CONF_KEY_NAME));
		cr->keys[cr->nkeys++].key = key;
	}
	return failed;
}

int creds_build(const struct conf *c, const char *dir, struct creds **out, struct conf_diags *ds)
{
	struct creds *cr = calloc(1, sizeof(*cr));
	struct dir_report rep = {.ds = ds};

	*out = NULL;
	if (!cr || !(cr->store = pki_store_new())) {
		free(cr);
		return -ENOMEM;
	}
	bool lax = lax_key_files(c);
	unsigned flags = lax ? PKI_IMPORT_WARN_ONLY : 0;
	int n = pki_store_load_dir(cr->store, dir, flags, dir_file, &rep);

	if (n < 0) {
		conf_diag_add(ds, CONF_ERROR, dir ? dir : PKI_DEFAULT_DIR, 1, 1,
			      "certificate directory: %s", strerror(-n));
		rep.failed++;
	}
	rep.failed += import_certs(cr, c, flags, ds) + import_keys(cr, c, lax, ds);
	if (rep.failed) {
		creds_free(cr);
		return -EINVAL;
	}
	log_info(LOG_CONFIG, NULL, "credentials: %zu certificate(s), %zu CRL(s), %zu key(s)",
		 pki_store_count(cr->store), pki_store_crl_count(cr->store), cr->nkeys);
	*out = cr;
	return 0;
}

struct pki_store *creds_store(const struct creds *cr)
{
	return cr ? cr->store : NULL;
}

EVP_PKEY *creds_key(const struct creds *cr, const char *name)
{
	for (size_t i = 0; cr && name && i < cr->nkeys; i++)
		if (cr->keys[i].name && !strcmp(cr->keys[i].name, name))
			return cr->keys[i].key;
	return NULL;
}

/* /certificate print and /ip ipsec key print: what the files hold. */
void creds_annotate(const struct creds *cr, const struct conf *c, struct conf_item **items,
		    size_t n)
{
	struct conf *w = (struct conf *)c;
	time_t now = time(NULL);

	for (size_t i = 0; cr && i < n; i++) {
		struct conf_item *it = items[i];

		if (it->menu->id == CONF_M_KEY) {
			EVP_PKEY *k = creds_key(cr, conf_str(it, CONF_KEY_NAME));
			unsigned bits = 0;
			bool rsa = false, priv = false;

			if (!k)
				continue;
			sig_key_info(k, &bits, &rsa, &priv);
			conf_set_int(w, it, CONF_KEY_PRIVATE_KEY, priv);
			conf_set_int(w, it, CONF_KEY_RSA, rsa);
			char sz[16];

			snprintf(sz, sizeof(sz), "%u", bits);
			conf_set_text(w, it, CONF_KEY_KEY_SIZE, sz);
			continue;
		}
		const struct pki_entry *e = pki_store_find(cr->store, conf_str(it, CONF_CERT_NAME));

		if (it->menu->id != CONF_M_CERTIFICATE || !e)
			continue;
		conf_set_int(w, it, CONF_CERT_CA, e->ca);
		conf_set_int(w, it, CONF_CERT_TRUSTED, e->trusted);
		conf_set_int(w, it, CONF_CERT_CRL, e->crl);
		conf_set_int(w, it, CONF_CERT_REVOKED, e->revoked);
		conf_set_int(w, it, CONF_CERT_PRIVATE_KEY, e->key != NULL);
		conf_set_int(w, it, CONF_CERT_EXPIRED, pki_entry_expired(e, now));
		if (e->not_after > now)
			conf_set_int(w, it, CONF_CERT_EXPIRES_AFTER, (int64_t)(e->not_after - now));
		conf_set_text(w, it, CONF_CERT_SUBJECT, e->subject);
		conf_set_text(w, it, CONF_CERT_ISSUER, e->issuer);
		conf_set_text(w, it, CONF_CERT_COMMON_NAME, e->common_name);
		conf_set_text(w, it, CONF_CERT_FINGERPRINT, e->fingerprint);
	}
}
