/* fake_tls_server: see fake_tls_server.h. A test's server: it trusts any client
 * certificate (it only notes that one came) and aborts the test on what it does not
 * expect. */
#include <check.h>
#include <string.h>

#include <openssl/ssl.h>

#include "fake_tls_server.h"
#include "ipsecd/eap.h"

struct tls_srv {
	uint8_t type, id, inner_id;
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *rbio, *wbio;
	struct wbuf out;
	size_t off, frag;
	struct eap_tls_reasm in;
	struct eap_ms_auth *ms;
	const char *password;
	bool phase2, result_sent, ms_ok, close_on_failure;
	uint8_t msk[64];
};

static int accept_any(int ok, X509_STORE_CTX *x)
{
	(void)ok;
	(void)x;
	return 1;
}

static bool lookup(void *arg, const char *user, char *pw, size_t len)
{
	if (strcmp(user, "User"))
		return false;
	strncpy(pw, arg, len);
	return true;
}

struct tls_srv *tls_srv_new(uint8_t type, X509 *cert, EVP_PKEY *key, X509 *chain, size_t frag,
			    const char *password)
{
	struct tls_srv *s = calloc(1, sizeof(*s));

	ck_assert_ptr_nonnull(s);
	s->type = type;
	s->frag = frag;
	s->password = password;
	s->ctx = SSL_CTX_new(TLS_server_method());
	ck_assert_ptr_nonnull(s->ctx);
	SSL_CTX_set_max_proto_version(s->ctx, TLS1_2_VERSION);
	if (type == EAP_T_TLS)
		SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
				   accept_any);
	ck_assert_int_eq(SSL_CTX_use_certificate(s->ctx, cert), 1);
	ck_assert_int_eq(SSL_CTX_use_PrivateKey(s->ctx, key), 1);
	if (chain)
		ck_assert_int_eq(SSL_CTX_add1_chain_cert(s->ctx, chain), 1);
	s->ssl = SSL_new(s->ctx);
	s->rbio = BIO_new(BIO_s_mem());
	s->wbio = BIO_new(BIO_s_mem());
	SSL_set_bio(s->ssl, s->rbio, s->wbio);
	SSL_set_accept_state(s->ssl);
	wbuf_init(&s->out);
	eap_tls_reasm_init(&s->in);
	s->ms = eap_ms_auth_new("srv", lookup, (void *)password);
	return s;
}

void tls_srv_free(struct tls_srv *s)
{
	SSL_free(s->ssl);
	SSL_CTX_free(s->ctx);
	wbuf_free(&s->out);
	eap_tls_reasm_free(&s->in);
	eap_ms_auth_free(s->ms);
	free(s);
}

void tls_srv_start(struct tls_srv *s, struct wbuf *out)
{
	uint8_t flags = EAP_TLS_S;

	eap_encode(out, EAP_CODE_REQUEST, ++s->id, s->type, &flags, 1);
}

static void put_code(struct tls_srv *s, struct wbuf *out, uint8_t code)
{
	eap_encode(out, code, s->id, 0, NULL, 0);
}

/* TTLS: one EAP-Message AVP around eap. */
static void put_avp(struct wbuf *w, const uint8_t *eap, size_t len)
{
	wbuf_u32(w, 79);
	wbuf_u32(w, 0x40000000u | (uint32_t)(len + 8));
	wbuf_bytes(w, eap, len);
	wbuf_zero(w, (4 - len % 4) % 4);
}

/* An inner packet for the client: PEAP leaves the header out, TTLS wraps it in an AVP. */
static void inner_out(struct tls_srv *s, const struct wbuf *pkt)
{
	struct wbuf w;

	wbuf_init(&w);
	s->inner_id = pkt->p[1];
	if (s->type == EAP_T_PEAP && pkt->p[0] <= EAP_CODE_RESPONSE)
		wbuf_bytes(&w, pkt->p + 4, pkt->len - 4);
	else if (s->type == EAP_T_PEAP) /* the Result TLV for the inner Success/Failure */
		wbuf_bytes(&w,
			   (const uint8_t[]){1, pkt->p[1], 0, 11, 33, 0x80, 0x03, 0, 2, 0,
					     pkt->p[0] == EAP_CODE_SUCCESS ? 1 : 2},
			   11);
	else
		put_avp(&w, pkt->p, pkt->len);
	ck_assert_int_eq(SSL_write(s->ssl, w.p, (int)w.len), (int)w.len);
	wbuf_free(&w);
}

/* The client's inner packet, as the whole EAP Response the authenticator wants. */
static void inner_in(struct tls_srv *s, const uint8_t *d, size_t n)
{
	struct wbuf pkt, resp;
	enum eap_status st;

	wbuf_init(&pkt);
	wbuf_init(&resp);
	if (s->type == EAP_T_PEAP && n == 11 && d[4] == 33) { /* the client's Result TLV */
		s->result_sent = true;
		goto out;
	}
	if (s->type == EAP_T_PEAP) {
		eap_encode(&pkt, EAP_CODE_RESPONSE, s->inner_id, d[0], d + 1, n - 1);
	} else {
		size_t avp_len = (size_t)d[5] << 16 | (size_t)d[6] << 8 | d[7];

		ck_assert_uint_eq(d[3], 79);
		ck_assert_uint_le(avp_len, n);
		wbuf_bytes(&pkt, d + 8, avp_len - 8);
	}
	if (pkt.p[4] == EAP_T_IDENTITY) {
		ck_assert_int_eq(eap_ms_auth_start(s->ms, s->id, &resp), 0);
	} else {
		ck_assert_int_eq(eap_ms_auth_process(s->ms, pkt.p, pkt.len, &resp, &st), 0);
		s->ms_ok = st == EAP_ST_SUCCESS;
		if (s->close_on_failure && resp.len > 5 && resp.p[4] == EAP_T_MSCHAPV2 &&
		    resp.p[5] == EAP_MS_FAILURE) {
			SSL_shutdown(s->ssl);
			goto out;
		}
		if (st != EAP_ST_CONTINUE && s->type == EAP_T_TTLS) {
			s->result_sent = true; /* TTLS: the outer Success says it */
			goto out;
		}
	}
	inner_out(s, &resp);
out:
	wbuf_free(&pkt);
	wbuf_free(&resp);
}

static void take(struct tls_srv *s)
{
	char *d;
	long n = BIO_get_mem_data(s->wbio, &d);

	wbuf_reset(&s->out);
	s->off = 0;
	if (n > 0)
		wbuf_bytes(&s->out, d, (size_t)n);
	(void)BIO_reset(s->wbio);
}

/* A whole flight from the client. */
static void flight(struct tls_srv *s, const uint8_t *d, size_t n)
{
	uint8_t buf[4096];
	int r;

	if (n)
		BIO_write(s->rbio, d, (int)n);
	if (!SSL_is_init_finished(s->ssl)) {
		r = SSL_do_handshake(s->ssl);
		ck_assert_msg(r == 1 || SSL_get_error(s->ssl, r) == SSL_ERROR_WANT_READ,
			      "server handshake failed");
		if (r == 1)
			SSL_export_keying_material(s->ssl, s->msk, 64,
						   s->type == EAP_T_TTLS ? "ttls keying material"
									 : "client EAP encryption",
						   s->type == EAP_T_TTLS ? 20 : 21, NULL, 0, 0);
		return;
	}
	while ((r = SSL_read(s->ssl, buf, sizeof(buf))) > 0)
		inner_in(s, buf, (size_t)r);
	if (s->type == EAP_T_PEAP && !s->phase2) { /* the client acknowledged our Finished */
		struct wbuf id;

		wbuf_init(&id);
		eap_put_identity(&id, EAP_CODE_REQUEST, s->id, "");
		inner_out(s, &id);
		wbuf_free(&id);
	}
	s->phase2 = true;
}

int tls_srv_process(struct tls_srv *s, const uint8_t *pkt, size_t len, struct wbuf *out)
{
	struct eap_pkt e;
	struct eap_tls t;
	int r;

	ck_assert_int_eq(eap_decode(pkt, len, &e), 0);
	if (e.type == EAP_T_NAK || e.id != s->id) {
		put_code(s, out, EAP_CODE_FAILURE);
		return -1;
	}
	ck_assert_int_eq(eap_tls_decode(&e, &t), 0);
	if (s->off < s->out.len) { /* the client acknowledged a fragment */
		ck_assert_uint_eq(t.data.len, 0);
		eap_put_tls_fragment(out, EAP_CODE_REQUEST, ++s->id, s->type, 0, s->out.p,
				     s->out.len, &s->off, s->frag);
		return 0;
	}
	r = eap_tls_reasm_add(&s->in, &t);
	ck_assert_int_ge(r, 0);
	if (r == 0) {
		eap_encode(out, EAP_CODE_REQUEST, ++s->id, s->type, &(uint8_t){0}, 1);
		return 0;
	}
	flight(s, s->in.buf.p, s->in.buf.len);
	eap_tls_reasm_free(&s->in);
	eap_tls_reasm_init(&s->in);
	take(s);
	if (s->out.len) {
		eap_put_tls_fragment(out, EAP_CODE_REQUEST, ++s->id, s->type, 0, s->out.p,
				     s->out.len, &s->off, s->frag);
		return 0;
	}
	if (s->type == EAP_T_TLS || s->result_sent) {
		bool ok = s->type == EAP_T_TLS || s->ms_ok;

		put_code(s, out, ok ? EAP_CODE_SUCCESS : EAP_CODE_FAILURE);
		return ok ? 1 : -1;
	}
	ck_abort_msg("the server has nothing to send");
	return -1;
}

const uint8_t *tls_srv_msk(struct tls_srv *s)
{
	return s->msk;
}

bool tls_srv_got_client_cert(const struct tls_srv *s)
{
	return SSL_get0_peer_certificate(s->ssl) != NULL;
}

void tls_srv_close_on_failure(struct tls_srv *s)
{
	s->close_on_failure = true;
}
