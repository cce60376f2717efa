/* creds: certificates, CRLs and keys from the certificate directory and the
 * configuration's /certificate and /ip ipsec key imports. */
#ifndef IPSECD_CREDS_H
#define IPSECD_CREDS_H

#include <stddef.h>

#include "ipsecd/conf.h"

struct creds;
struct pki_store;
struct evp_pkey_st;

/* Reads dir (NULL: the default, a missing one is empty) and every import of c. Each file
 * that fails is an error in ds, and then nothing is built (-EINVAL); else *out is the
 * caller's to creds_free. */
int creds_build(const struct conf *c, const char *dir, struct creds **out, struct conf_diags *ds);
void creds_free(struct creds *cr); /* accepts NULL */
struct pki_store *creds_store(const struct creds *cr);
/* An /ip ipsec key item's key by name, or NULL. */
struct evp_pkey_st *creds_key(const struct creds *cr, const char *name);
/* Fills the read-only fields of /certificate and /ip ipsec key items for print. */
void creds_annotate(const struct creds *cr, const struct conf *c, struct conf_item **items,
		    size_t n);

#endif
