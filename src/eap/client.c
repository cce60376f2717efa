/* client: ipsecd's EAP peer over the configured methods (eap-methods, in order). The
 * server picks a method by its first Request (RFC 3748 2.1); one we accept starts it, any
 * other gets a Nak listing ours in order of preference (5.3.1). The Identity Request is
 * answered here; once a method runs, every packet is its own. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/crypto.h"
#include "ipsecd/eap_tls.h"

#define MAX_METHODS 8

struct eap_client {
	struct eap_client_conf conf; /* strings and methods owned below */
	char *identity, *user, *password;
	uint8_t methods[MAX_METHODS];
	uint8_t method; /* the running one, 0: none yet */
	struct eap_ms_peer *ms;
	struct eap_tls_peer *tls;
	char err[256];
};

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

struct eap_client *eap_client_new(const struct eap_client_conf *c)
{
	struct eap_client *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->conf = *c;
	x->conf.nmethods = c->nmethods < MAX_METHODS ? c->nmethods : MAX_METHODS;
	memcpy(x->methods, c->methods, x->conf.nmethods);
	x->identity = dup_or_empty(c->identity);
	x->user = dup_or_empty(c->user);
	x->password = dup_or_empty(c->password);
	if (!x->identity || !x->user || !x->password) {
		eap_client_free(x);
		return NULL;
	}
	return x;
}

static void free_secret(char *s)
{
	if (s)
		crypto_cleanse(s, strlen(s));
	free(s);
}

void eap_client_free(struct eap_client *x)
{
	if (!x)
		return;
	eap_ms_peer_free(x->ms);
	eap_tls_peer_free(x->tls);
	free(x->identity);
	free(x->user);
	free_secret(x->password);
	crypto_cleanse(x, sizeof(*x));
	free(x);
}

static bool accepted(const struct eap_client *x, uint8_t type)
{
	return memchr(x->methods, type, x->conf.nmethods) != NULL;
}

/* The method the server asked for, made. 0 or -errno (x->err says why). */
static int begin(struct eap_client *x, uint8_t type)
{
	struct eap_tls_conf tc = {
		.type = type,
		.store = x->conf.store,
		.cert = x->conf.cert,
		.user = x->user,
		.password = x->password,
		.now = x->conf.now,
	};

	x->method = type;
	if (type == EAP_T_MSCHAPV2) {
		if (!*x->user)
			snprintf(x->err, sizeof(x->err), "eap-mschapv2 needs username=");
		else if (!(x->ms = eap_ms_peer_new(x->user, x->password)))
			snprintf(x->err, sizeof(x->err), "out of memory");
		return x->ms ? 0 : -EINVAL;
	}
	x->tls = eap_tls_peer_new(&tc, x->err, sizeof(x->err));
	return x->tls ? 0 : -EINVAL;
}

static int run(struct eap_client *x, const uint8_t *pkt, size_t len, struct wbuf *out,
	       enum eap_status *st)
{
	int r;

	if (x->ms) {
		r = eap_ms_peer_process(x->ms, pkt, len, out, st);
		if (r < 0 || *st == EAP_ST_FAILURE)
			snprintf(x->err, sizeof(x->err), "%s",
				 r < 0 ? "an unexpected EAP-MSCHAPv2 packet"
				       : "the gateway refused the password, or could not prove "
					 "it knows it");
		return r;
	}
	r = eap_tls_peer_process(x->tls, pkt, len, out, st);
	snprintf(x->err, sizeof(x->err), "%s", eap_tls_peer_error(x->tls));
	return r;
}

int eap_client_process(struct eap_client *x, const uint8_t *pkt, size_t len, struct wbuf *out,
		       enum eap_status *st)
{
	struct eap_pkt e;
	int r;

	*st = EAP_ST_CONTINUE;
	if (eap_decode(pkt, len, &e) < 0 || e.code == EAP_CODE_RESPONSE) {
		snprintf(x->err, sizeof(x->err), "a malformed EAP packet");
		return -EBADMSG;
	}
	if (x->method && (x->ms || x->tls))
		return run(x, pkt, len, out, st);
	if (e.code == EAP_CODE_SUCCESS || e.code == EAP_CODE_FAILURE) {
		snprintf(x->err, sizeof(x->err), "an EAP-%s before any method ran",
			 e.code == EAP_CODE_SUCCESS ? "Success" : "Failure");
		*st = EAP_ST_FAILURE;
		return 0;
	}
	if (e.type == EAP_T_IDENTITY) {
		eap_put_identity(out, EAP_CODE_RESPONSE, e.id, x->identity);
		return 0;
	}
	if (e.type == EAP_T_NOTIFICATION) { /* RFC 3748 5.2: acknowledged, empty */
		eap_encode(out, EAP_CODE_RESPONSE, e.id, EAP_T_NOTIFICATION, NULL, 0);
		return 0;
	}
	if (!accepted(x, e.type)) {
		eap_put_nak(out, e.id, x->methods, x->conf.nmethods);
		return 0;
	}
	if ((r = begin(x, e.type)) < 0) {
		*st = EAP_ST_FAILURE;
		return 0;
	}
	return run(x, pkt, len, out, st);
}

const uint8_t *eap_client_msk(const struct eap_client *x, size_t *len)
{
	if (x->ms) {
		*len = EAP_MS_MSK_LEN;
		return eap_ms_peer_msk(x->ms);
	}
	*len = EAP_TLS_MSK_LEN;
	return x->tls ? eap_tls_peer_msk(x->tls) : NULL;
}

uint8_t eap_client_method(const struct eap_client *x)
{
	return x->method;
}

const char *eap_client_error(const struct eap_client *x)
{
	return x->err;
}

const char *eap_client_tls_version(const struct eap_client *x)
{
	return x->tls ? eap_tls_peer_version(x->tls) : "";
}
