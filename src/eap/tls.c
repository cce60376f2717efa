/* tls: the peer's engine for EAP-TLS, PEAP and TTLS (RFC 5216 2.1, 3.1-3.2): TLS records
 * travel in EAP Requests and Responses, a flight larger than one packet split with L and
 * M and each fragment acknowledged by an empty packet; the server's flights are
 * reassembled (bounded by EAP_TLS_MAX_MSG) before OpenSSL sees them. After the handshake
 * EAP-TLS only acknowledges; PEAP and TTLS carry their inner method as TLS data. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "ipsecd/crypto.h"
#include "tls_internal.h"

void eap_tls_fail(struct eap_tls_peer *p, const char *fmt, ...)
{
	va_list ap;

	if (p->err[0])
		return;
	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
}

static bool conf_ok(const struct eap_tls_conf *c, char *why, size_t len)
{
	const char *e = NULL;

	if (!c->store)
		e = "no certificate store to check the server with";
	else if (c->type == EAP_T_TLS && !c->cert)
		e = "eap-tls needs certificate= (with its private key)";
	else if (c->type != EAP_T_TLS && (!c->user || !*c->user))
		e = "eap-peap and eap-ttls need username= and password=";
	else if (c->type != EAP_T_TLS && c->type != EAP_T_PEAP && c->type != EAP_T_TTLS)
		e = "not a TLS-based EAP method";
	if (e)
		snprintf(why, len, "%s", e);
	return e == NULL;
}

struct eap_tls_peer *eap_tls_peer_new(const struct eap_tls_conf *c, char *why, size_t why_len)
{
	struct eap_tls_peer *p;

	if (!conf_ok(c, why, why_len))
		return NULL;
	if (!(p = calloc(1, sizeof(*p)))) {
		snprintf(why, why_len, "out of memory");
		return NULL;
	}
	p->type = c->type;
	p->store = c->store;
	p->now = c->now;
	p->frag = c->frag ? c->frag : EAP_TLS_FRAG_MAX;
	eap_tls_reasm_init(&p->in);
	wbuf_init(&p->out);
	p->out.secret = true;
	if ((c->type != EAP_T_TLS &&
	     !(p->ms = eap_ms_peer_new(c->user, c->password ? c->password : ""))) ||
	    eap_tls_ssl_setup(p, c) < 0) {
		snprintf(why, why_len, "%s", p->err[0] ? p->err : "out of memory");
		eap_tls_peer_free(p);
		return NULL;
	}
	return p;
}

void eap_tls_peer_free(struct eap_tls_peer *p)
{
	if (!p)
		return;
	SSL_free(p->ssl); /* frees both BIOs */
	SSL_CTX_free(p->ctx);
	eap_tls_reasm_free(&p->in);
	wbuf_free(&p->out);
	eap_ms_peer_free(p->ms);
	crypto_cleanse(p, sizeof(*p));
	free(p);
}

/* OpenSSL's first queued error, for p->err. */
static void ssl_fail(struct eap_tls_peer *p, const char *what)
{
	char buf[160];
	unsigned long e = ERR_get_error();

	ERR_error_string_n(e, buf, sizeof(buf));
	eap_tls_fail(p, "%s: %s", what, e ? buf : "no detail");
	ERR_clear_error();
}

/* The next fragment of our flight, or an empty acknowledgement. */
static void put_next(struct eap_tls_peer *p, uint8_t id, struct wbuf *out)
{
	if (p->out_off < p->out.len) {
		eap_put_tls_fragment(out, EAP_CODE_RESPONSE, id, p->type, 0, p->out.p, p->out.len,
				     &p->out_off, p->frag);
		return;
	}
	eap_encode(out, EAP_CODE_RESPONSE, id, p->type, &(uint8_t){0}, 1);
}

/* What OpenSSL wrote into the memory BIO becomes our next flight. */
static int take_flight(struct eap_tls_peer *p)
{
	uint8_t *d;
	long n = BIO_get_mem_data(p->wbio, (char **)&d);

	wbuf_reset(&p->out);
	p->out_off = 0;
	if (n > 0)
		wbuf_bytes(&p->out, d, (size_t)n);
	(void)BIO_reset(p->wbio);
	return p->out.err ? -ENOMEM : 0;
}

/* Plaintext for the server, through TLS. */
static int send_plain(struct eap_tls_peer *p, const struct wbuf *plain)
{
	if (plain->err)
		return -ENOMEM;
	if (plain->len && SSL_write(p->ssl, plain->p, (int)plain->len) <= 0) {
		ssl_fail(p, "TLS write");
		return -EIO;
	}
	return 0;
}

/* Phase 2: the server's TLS data, answered; TTLS speaks first when the server did not. */
static int phase2(struct eap_tls_peer *p, bool just_opened)
{
	uint8_t buf[4096];
	struct wbuf plain;
	bool got = false;
	int n, r = 0;

	wbuf_init(&plain);
	plain.secret = true;
	while (r == 0 && (n = SSL_read(p->ssl, buf, sizeof(buf))) > 0) {
		got = true;
		r = p->type == EAP_T_PEAP ? eap_peap_recv(p, buf, (size_t)n, &plain)
					  : eap_ttls_recv(p, buf, (size_t)n, &plain);
	}
	if (r == 0 && !got && just_opened && p->type == EAP_T_TTLS)
		r = eap_ttls_start(p, &plain);
	if (r == 0 && (SSL_get_error(p->ssl, n) == SSL_ERROR_SSL ||
		       SSL_get_error(p->ssl, n) == SSL_ERROR_ZERO_RETURN)) {
		/* strongSwan closes the tunnel when the inner method fails */
		ssl_fail(p, "the server closed the TLS tunnel (inner method refused?)");
		r = -EACCES;
	}
	if (r == 0)
		r = send_plain(p, &plain);
	crypto_cleanse(buf, sizeof(buf));
	wbuf_free(&plain);
	return r;
}

/* The handshake's next step; at its end the keys, then phase 2. */
static int handshake(struct eap_tls_peer *p)
{
	int r = SSL_do_handshake(p->ssl);

	if (r <= 0) {
		if (SSL_get_error(p->ssl, r) == SSL_ERROR_WANT_READ)
			return 0;
		ssl_fail(p, "TLS handshake");
		return -EACCES;
	}
	if (eap_tls_derive(p) < 0)
		return -EIO;
	p->state = TLS_OPEN;
	return p->type == EAP_T_TLS ? 0 : phase2(p, true);
}

/* A complete flight from the server. */
static int feed(struct eap_tls_peer *p, const uint8_t *d, size_t n)
{
	if (n && BIO_write(p->rbio, d, (int)n) != (int)n)
		return -ENOMEM;
	if (p->state == TLS_HANDSHAKE)
		return handshake(p);
	if (p->state == TLS_OPEN && p->type != EAP_T_TLS)
		return phase2(p, false);
	return n ? (eap_tls_fail(p, "TLS data after the EAP-TLS handshake"), -EPROTO) : 0;
}

static int start(struct eap_tls_peer *p)
{
	if (p->state != TLS_IDLE) {
		eap_tls_fail(p, "a second EAP-TLS Start");
		return -EPROTO;
	}
	p->state = TLS_HANDSHAKE;
	return handshake(p);
}

/* One Request of our type: a Start, an acknowledgement of our fragment, or a fragment of
 * the server's flight. */
static int request(struct eap_tls_peer *p, const struct eap_pkt *e, struct wbuf *out)
{
	struct eap_tls t;
	int r;

	if ((r = eap_tls_decode(e, &t)) < 0) {
		eap_tls_fail(p, "a malformed %s header", eap_type_name(p->type));
		return r;
	}
	if (p->out_off < p->out.len) { /* we are sending: only an ACK may come */
		if (t.data.len || (t.flags & (EAP_TLS_L | EAP_TLS_M | EAP_TLS_S))) {
			eap_tls_fail(p, "data while our fragments were unacknowledged");
			return -EPROTO;
		}
		put_next(p, e->id, out);
		return 0;
	}
	if (t.flags & EAP_TLS_S) {
		r = start(p);
	} else if (p->state == TLS_IDLE) {
		eap_tls_fail(p, "TLS data before the EAP-TLS Start");
		return -EPROTO;
	} else if ((r = eap_tls_reasm_add(&p->in, &t)) == 0) {
		put_next(p, e->id, out); /* more fragments: acknowledge */
		return 0;
	} else if (r > 0) {
		r = feed(p, p->in.buf.p, p->in.buf.len);
		eap_tls_reasm_free(&p->in);
		eap_tls_reasm_init(&p->in);
	} else {
		eap_tls_fail(p, "the server's fragments do not add up (%s)", strerror(-r));
	}
	if (r == 0 && (r = take_flight(p)) == 0)
		put_next(p, e->id, out);
	return r;
}

/* RFC 5216 2.1.5 and 7.2: only a finished method may be told it succeeded. */
static bool finished(struct eap_tls_peer *p)
{
	if (p->state != TLS_OPEN || !p->keyed || p->out_off < p->out.len)
		return false;
	return p->type == EAP_T_TLS || eap_tls_inner_ok(p);
}

int eap_tls_peer_process(struct eap_tls_peer *p, const uint8_t *pkt, size_t len, struct wbuf *out,
			 enum eap_status *st)
{
	struct eap_pkt e;
	int r;

	*st = EAP_ST_CONTINUE;
	if (p->state == TLS_DONE)
		return -EPROTO;
	if (eap_decode(pkt, len, &e) < 0 || e.code == EAP_CODE_RESPONSE) {
		eap_tls_fail(p, "a malformed EAP packet");
		return -EBADMSG;
	}
	if (e.code == EAP_CODE_SUCCESS || e.code == EAP_CODE_FAILURE) {
		bool ok = e.code == EAP_CODE_SUCCESS && finished(p);

		if (e.code == EAP_CODE_FAILURE)
			eap_tls_fail(p, "the server sent EAP-Failure");
		else if (!ok)
			eap_tls_fail(p, "an EAP-Success before the method finished");
		*st = ok ? EAP_ST_SUCCESS : EAP_ST_FAILURE;
		p->state = TLS_DONE;
		return 0;
	}
	if (e.type != p->type) {
		eap_tls_fail(p, "a %s Request in the middle of %s", eap_type_name(e.type),
			     eap_type_name(p->type));
		return -EPROTO;
	}
	r = request(p, &e, out);
	if (r == -EACCES || (r == 0 && p->err[0])) { /* the server is refused */
		*st = EAP_ST_FAILURE;
		p->state = TLS_DONE;
		return 0;
	}
	return r;
}

const uint8_t *eap_tls_peer_msk(const struct eap_tls_peer *p)
{
	return p->state == TLS_DONE && p->keyed && !p->err[0] ? p->keys : NULL;
}

const char *eap_tls_peer_error(const struct eap_tls_peer *p)
{
	return p->err;
}

const char *eap_tls_peer_version(const struct eap_tls_peer *p)
{
	return p->state >= TLS_OPEN ? SSL_get_version(p->ssl) : "";
}
