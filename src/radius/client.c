/* client: the `/radius` servers on the event loop. A request is encoded for one server,
 * sent, and re-sent unchanged every timeout (RFC 5080 2.2.1: same Identifier and
 * authenticator); after `tries` transmissions it moves to the next server in the
 * configured order, re-encoded for that server's secret with a fresh Identifier. A reply
 * is matched by socket and Identifier, and trusted only when its authenticators verify;
 * a bad one is logged and dropped, and the request keeps waiting for a good one. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipsecd/crypto.h"
#include "ipsecd/log.h"
#include "ipsecd/loop.h"
#include "ipsecd/radius.h"

#define SOCKS_PER_SERVER 16 /* each holds 256 Identifiers (RFC 2865 5: per source port) */

struct radius_server;

struct rsock {
	int fd;
	struct loop_io *io;
	struct radius_server *srv;
	bool acct;
	uint8_t next_id;
	unsigned int npending;
	struct sockaddr_storage local; /* for NAS-IP-Address */
	struct radius_handle *pending[256];
};

struct radius_server {
	struct radius_client *c;
	struct sockaddr_storage addr, src;
	uint16_t auth_port, acct_port;
	uint8_t *secret;
	size_t secretlen;
	char name[INET6_ADDRSTRLEN];
	struct rsock *socks[2][SOCKS_PER_SERVER]; /* [acct] */
};

struct radius_client {
	struct loop *loop;
	double timeout;
	unsigned int tries, npending, nservers;
	bool require_ma;
	char nas_id[64];
	struct radius_handle *handles; /* every outstanding request */
	struct radius_server srv[RADIUS_MAX_SERVERS];
};

struct radius_handle {
	struct radius_client *c;
	struct radius_handle *next, **pprev; /* in c->handles */
	bool acct;
	bool unsent;	      /* no server could take it: the zero timer reports an error */
	struct wbuf attrs;    /* what does not depend on server or transmission */
	struct wbuf password; /* User-Password in the clear, NUL-terminated; wiped */
	struct wbuf pkt;      /* what is on the wire now */
	unsigned int server, sent;
	struct rsock *sock;
	uint8_t id;
	uint8_t req_auth[RADIUS_AUTH_LEN];
	double started;
	struct loop_timer *timer;
	radius_cb cb;
	void *arg;
};

static void sock_read(struct loop_io *w, int fd, int events, void *arg);

static socklen_t sa_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)ss)->sin_port = htons(port);
}

static void addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	const void *a = sa->sa_family == AF_INET6
				? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
				: (const void *)&((const struct sockaddr_in *)sa)->sin_addr;

	if (!inet_ntop(sa->sa_family, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

/* --- sockets --- */

static struct rsock *sock_open(struct radius_server *s, bool acct)
{
	struct sockaddr_storage dst = s->addr;
	struct rsock *k = calloc(1, sizeof(*k));
	socklen_t len = sizeof(k->local);

	if (!k)
		return NULL;
	set_port(&dst, acct ? s->acct_port : s->auth_port);
	k->fd = socket(dst.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (k->fd < 0 ||
	    (s->src.ss_family && bind(k->fd, (struct sockaddr *)&s->src, sa_len(&s->src))) ||
	    connect(k->fd, (struct sockaddr *)&dst, sa_len(&dst)) ||
	    getsockname(k->fd, (struct sockaddr *)&k->local, &len) ||
	    !(k->io = loop_io_new(s->c->loop, k->fd, LOOP_READ, sock_read, k))) {
		log_warn(LOG_NET, NULL, "radius %s: cannot open a socket: %s", s->name,
			 strerror(errno));
		if (k->fd >= 0)
			close(k->fd);
		free(k);
		return NULL;
	}
	k->srv = s;
	k->acct = acct;
	return k;
}

static void sock_close(struct rsock *k)
{
	if (!k)
		return;
	loop_io_free(k->io);
	close(k->fd);
	free(k);
}

/* A socket of s with a free Identifier, which is taken for h. false when none. */
static bool id_take(struct radius_server *s, struct radius_handle *h)
{
	for (int i = 0; i < SOCKS_PER_SERVER; i++) {
		struct rsock *k = s->socks[h->acct][i];

		if (!k && !(k = s->socks[h->acct][i] = sock_open(s, h->acct)))
			return false;
		if (k->npending == 256)
			continue;
		while (k->pending[k->next_id])
			k->next_id++;
		h->sock = k;
		h->id = k->next_id++;
		k->pending[h->id] = h;
		k->npending++;
		return true;
	}
	return false;
}

static void id_release(struct radius_handle *h)
{
	if (!h->sock)
		return;
	h->sock->pending[h->id] = NULL;
	h->sock->npending--;
	h->sock = NULL;
}

/* --- encoding for one server --- */

static bool put_nas_ip(struct wbuf *w, const struct sockaddr_storage *local)
{
	if (local->ss_family == AF_INET6)
		return radius_put(w, RADIUS_A_NAS_IPV6_ADDRESS,
				  &((const struct sockaddr_in6 *)local)->sin6_addr, 16);
	return radius_put(w, RADIUS_A_NAS_IP_ADDRESS,
			  &((const struct sockaddr_in *)local)->sin_addr, 4);
}

static int encode(struct radius_handle *h)
{
	struct radius_server *s = &h->c->srv[h->server];
	uint8_t code = h->acct ? RADIUS_ACCOUNTING_REQUEST : RADIUS_ACCESS_REQUEST;
	bool ok = true;

	wbuf_reset(&h->pkt);
	if (!h->acct && crypto_random(h->req_auth, sizeof(h->req_auth)))
		return -EIO;
	radius_enc_begin(&h->pkt, code, h->id, h->acct ? NULL : h->req_auth);
	/* RFC 3579 3.2: put first, so no attribute can be parsed before it is checked */
	if (!h->acct)
		ok = radius_put_ma(&h->pkt);
	wbuf_bytes(&h->pkt, h->attrs.p, h->attrs.len);
	ok = ok && put_nas_ip(&h->pkt, &h->sock->local);
	if (h->password.len)
		ok = ok && radius_put_password(&h->pkt, (const char *)h->password.p, s->secret,
					       s->secretlen);
	if (h->acct) /* RFC 2866 5.2: how long the record waited */
		ok = ok && radius_put_u32(&h->pkt, RADIUS_A_ACCT_DELAY_TIME,
					  (uint32_t)(loop_now(h->c->loop) - h->started));
	if (!ok || h->pkt.len > RADIUS_MAX_LEN)
		return -EMSGSIZE;
	if (radius_enc_finish(&h->pkt, s->secret, s->secretlen, NULL))
		return -EIO;
	if (h->acct) /* what the Accounting-Response is signed over */
		memcpy(h->req_auth, h->pkt.p + 4, RADIUS_AUTH_LEN);
	return 0;
}

static void transmit(struct radius_handle *h)
{
	h->sent++;
	if (send(h->sock->fd, h->pkt.p, h->pkt.len, 0) < 0)
		log_debug(LOG_NET, NULL, "radius %s: send: %s", h->sock->srv->name,
			  strerror(errno));
	loop_timer_again(h->timer, h->c->timeout);
}

/* Moves h to server h->server or a later one that can take it and sends; false when none
 * is left. */
static bool start_server(struct radius_handle *h)
{
	for (; h->server < h->c->nservers; h->server++) {
		id_release(h);
		h->sent = 0;
		if (!id_take(&h->c->srv[h->server], h))
			continue;
		if (encode(h) == 0) {
			transmit(h);
			return true;
		}
	}
	id_release(h);
	return false;
}

/* --- completion --- */

static void handle_free(struct radius_handle *h)
{
	id_release(h);
	if (h->next)
		h->next->pprev = h->pprev;
	*h->pprev = h->next;
	loop_timer_free(h->timer);
	wbuf_free(&h->attrs);
	wbuf_free(&h->password);
	wbuf_free(&h->pkt);
	h->c->npending--;
	free(h);
}

/* The handle goes first, so the callback may start a new request or free the client. */
static void complete(struct radius_handle *h, struct radius_reply *r)
{
	radius_cb cb = h->cb;
	void *arg = h->arg;

	handle_free(h);
	if (cb)
		cb(arg, r);
	radius_reply_clear(r);
}

static void fail(struct radius_handle *h, enum radius_result res)
{
	static struct radius_reply r; /* nothing secret in it: no decode happened */

	r.result = res;
	r.server = NULL;
	r.timeout_ms = (unsigned int)(h->c->timeout * 1000 + 0.5);
	r.tries = h->c->tries;
	r.waited_ms = (unsigned int)((loop_now(h->c->loop) - h->started) * 1000 + 0.5);
	complete(h, &r);
}

static void on_timer(struct loop_timer *w, void *arg)
{
	struct radius_handle *h = arg;
	struct radius_server *s = h->sock ? h->sock->srv : NULL;

	if (h->unsent || !s) {
		fail(h, RADIUS_RES_ERROR);
		return;
	}
	if (h->sent < h->c->tries) {
		transmit(h);
		return;
	}
	log_info(LOG_NET, NULL, "radius %s: no answer to %s id %u after %u tries%s", s->name,
		 h->acct ? "Accounting-Request" : "Access-Request", h->id, h->sent,
		 h->server + 1 < h->c->nservers ? ", trying the next server" : "");
	h->server++;
	if (!start_server(h))
		fail(h, RADIUS_RES_TIMEOUT);
}

/* --- replies --- */

static bool code_fits(const struct radius_handle *h, uint8_t code)
{
	if (h->acct)
		return code == RADIUS_ACCOUNTING_RESPONSE;
	return code == RADIUS_ACCESS_ACCEPT || code == RADIUS_ACCESS_REJECT ||
	       code == RADIUS_ACCESS_CHALLENGE;
}

/* Which replies must carry a Message-Authenticator beyond RFC 3579 3.2's (every one with
 * EAP-Message): with require_ma, an Accept or a Challenge (Blast-RADIUS: a forged Accept is
 * what an attacker wants). An Access-Reject without EAP-Message only refuses, and servers
 * before the Blast-RADIUS fixes (FreeRADIUS 3.2.1 rejecting a user it has no Auth-Type
 * for) send it without one: taking it ends the login at once instead of after a timeout. */
static bool need_ma(const struct radius_handle *h, uint8_t code)
{
	return h->c->require_ma && !h->acct && code != RADIUS_ACCESS_REJECT;
}

static void got_packet(struct rsock *k, const uint8_t *buf, size_t len)
{
	static struct radius_pkt pkt; /* large; one thread, no reentry */
	struct radius_reply r;
	struct radius_server *s = k->srv;
	struct radius_handle *h;
	const char *why = "malformed";

	if (radius_decode(buf, len, &pkt) || !(h = k->pending[pkt.id]) || !code_fits(h, pkt.code) ||
	    radius_verify_reply(&pkt, h->req_auth, s->secret, s->secretlen, need_ma(h, pkt.code),
				&why)) {
		log_warn(LOG_NET, NULL, "radius %s: dropped a %zu-byte reply (%s id %u): %s",
			 s->name, len, len > 0 ? radius_code_name(buf[0]) : "empty",
			 len > 1 ? buf[1] : 0,
			 len > 1 && !k->pending[buf[1]] ? "no request with that id" : why);
		return;
	}
	r.server = s->name;
	if (radius_reply_parse(&pkt, h->req_auth, s->secret, s->secretlen, &r)) {
		log_warn(LOG_NET, NULL, "radius %s: dropped %s id %u: malformed attribute", s->name,
			 radius_code_name(pkt.code), pkt.id);
		return;
	}
	log_debug(LOG_NET, NULL, "radius %s: %s id %u", s->name, radius_code_name(pkt.code),
		  pkt.id);
	complete(h, &r);
}

static void sock_read(struct loop_io *w, int fd, int events, void *arg)
{
	struct rsock *k = arg;
	uint8_t buf[RADIUS_MAX_LEN + 1];

	/* one datagram per wakeup: a completion may free this socket's client */
	ssize_t n = recv(fd, buf, sizeof(buf), 0);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_debug(LOG_NET, NULL, "radius %s: recv: %s", k->srv->name,
				  strerror(errno));
		return;
	}
	got_packet(k, buf, (size_t)n);
}

/* --- requests --- */

static struct radius_handle *handle_new(struct radius_client *c, bool acct, radius_cb cb, void *arg)
{
	struct radius_handle *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->c = c;
	h->acct = acct;
	h->cb = cb;
	h->arg = arg;
	h->started = loop_now(c->loop);
	wbuf_init(&h->attrs);
	wbuf_init(&h->password);
	wbuf_init(&h->pkt);
	h->attrs.secret = h->password.secret = h->pkt.secret = true;
	h->next = c->handles;
	if (h->next)
		h->next->pprev = &h->next;
	h->pprev = &c->handles;
	c->handles = h;
	c->npending++;
	return h;
}

/* Starts h on the first server; when none can take it now, a zero timer reports it, so
 * the callback never runs inside radius_auth or radius_acct. */
static struct radius_handle *launch(struct radius_handle *h, bool ok)
{
	if (!ok || h->attrs.err || !(h->timer = loop_timer_new(h->c->loop, 3600, 0, on_timer, h))) {
		handle_free(h);
		return NULL;
	}
	if (!start_server(h)) {
		h->unsent = true;
		loop_timer_again(h->timer, 0);
	}
	return h;
}

static bool put_addr(struct wbuf *w, uint8_t type, const struct sockaddr *sa)
{
	char buf[INET6_ADDRSTRLEN];

	if (!sa)
		return true;
	addr_str(sa, buf, sizeof(buf));
	return radius_put_str(w, type, buf);
}

static bool put_common(struct radius_client *c, struct wbuf *w, const char *user,
		       const struct sockaddr *calling, uint32_t nas_port)
{
	bool ok = !user || radius_put_str(w, RADIUS_A_USER_NAME, user);

	ok = ok && radius_put_str(w, RADIUS_A_NAS_IDENTIFIER, c->nas_id);
	ok = ok && radius_put_u32(w, RADIUS_A_NAS_PORT_TYPE, RADIUS_NAS_PORT_VIRTUAL);
	ok = ok && put_addr(w, RADIUS_A_CALLING_STATION_ID, calling);
	if (nas_port)
		ok = ok && radius_put_u32(w, RADIUS_A_NAS_PORT, nas_port);
	return ok;
}

struct radius_handle *radius_auth(struct radius_client *c, const struct radius_req *req,
				  radius_cb cb, void *arg)
{
	struct radius_handle *h = handle_new(c, false, cb, arg);
	struct wbuf *w;
	bool ok;

	if (!h)
		return NULL;
	w = &h->attrs;
	ok = put_common(c, w, req->user, req->calling, req->nas_port);
	ok = ok && radius_put_u32(w, RADIUS_A_SERVICE_TYPE, RADIUS_SERVICE_FRAMED);
	ok = ok && put_addr(w, RADIUS_A_CALLED_STATION_ID, req->called);
	if (req->framed_mtu)
		ok = ok && radius_put_u32(w, RADIUS_A_FRAMED_MTU, req->framed_mtu);
	if (req->eap)
		ok = ok && radius_put_split(w, RADIUS_A_EAP_MESSAGE, req->eap, req->eap_len);
	if (req->state)
		ok = ok && radius_put(w, RADIUS_A_STATE, req->state, req->state_len);
	if (req->password) {
		ok = ok && strlen(req->password) <= 128;
		wbuf_bytes(&h->password, req->password, strlen(req->password) + 1);
		ok = ok && !h->password.err;
	}
	return launch(h, ok);
}

/* RFC 2869 5.1, 5.2: octets past 2^32 counted in Gigawords */
static bool put_octets(struct wbuf *w, uint8_t type, uint8_t giga, uint64_t v)
{
	return radius_put_u32(w, type, (uint32_t)v) &&
	       (!(v >> 32) || radius_put_u32(w, giga, (uint32_t)(v >> 32)));
}

static bool put_counters(struct wbuf *w, const struct radius_acct_req *req)
{
	return put_octets(w, RADIUS_A_ACCT_INPUT_OCTETS, RADIUS_A_ACCT_INPUT_GIGAWORDS,
			  req->in_octets) &&
	       put_octets(w, RADIUS_A_ACCT_OUTPUT_OCTETS, RADIUS_A_ACCT_OUTPUT_GIGAWORDS,
			  req->out_octets) &&
	       radius_put_u32(w, RADIUS_A_ACCT_INPUT_PACKETS, req->in_packets) &&
	       radius_put_u32(w, RADIUS_A_ACCT_OUTPUT_PACKETS, req->out_packets) &&
	       radius_put_u32(w, RADIUS_A_ACCT_SESSION_TIME, req->session_time);
}

struct radius_handle *radius_acct(struct radius_client *c, const struct radius_acct_req *req,
				  radius_cb cb, void *arg)
{
	struct radius_handle *h;
	struct wbuf *w;
	bool ok;

	if (!req->session_id || !*req->session_id || !(h = handle_new(c, true, cb, arg)))
		return NULL;
	w = &h->attrs;
	ok = radius_put_u32(w, RADIUS_A_ACCT_STATUS_TYPE, req->status);
	ok = ok && radius_put_str(w, RADIUS_A_ACCT_SESSION_ID, req->session_id);
	ok = ok && put_common(c, w, req->user, req->calling, req->nas_port);
	if (req->framed_ip)
		ok = ok && radius_put(w, RADIUS_A_FRAMED_IP_ADDRESS, req->framed_ip, 4);
	for (unsigned int i = 0; ok && i < req->nclass; i++)
		ok = radius_put(w, RADIUS_A_CLASS, req->class_[i].data, req->class_[i].len);
	if (req->status != RADIUS_ACCT_START)
		ok = ok && put_counters(w, req);
	if (req->status == RADIUS_ACCT_STOP && req->terminate_cause)
		ok = ok && radius_put_u32(w, RADIUS_A_ACCT_TERMINATE_CAUSE, req->terminate_cause);
	return launch(h, ok);
}

void radius_cancel(struct radius_handle *h)
{
	if (h)
		handle_free(h);
}

unsigned int radius_pending(const struct radius_client *c)
{
	return c->npending;
}

/* --- the client --- */

static int server_init(struct radius_client *c, struct radius_server *s,
		       const struct radius_server_conf *sc)
{
	if ((sc->addr.ss_family != AF_INET && sc->addr.ss_family != AF_INET6) ||
	    (sc->src.ss_family && sc->src.ss_family != sc->addr.ss_family) || !sc->secretlen)
		return -EINVAL;
	s->c = c;
	s->addr = sc->addr;
	s->src = sc->src;
	if (s->src.ss_family)
		set_port(&s->src, 0);
	s->auth_port = sc->auth_port ? sc->auth_port : 1812;
	s->acct_port = sc->acct_port ? sc->acct_port : 1813;
	addr_str((const struct sockaddr *)&s->addr, s->name, sizeof(s->name));
	if (!(s->secret = malloc(sc->secretlen)))
		return -ENOMEM;
	memcpy(s->secret, sc->secret, sc->secretlen);
	s->secretlen = sc->secretlen;
	return 0;
}

struct radius_client *radius_client_new(struct loop *l, const struct radius_client_conf *conf,
					int *err)
{
	struct radius_client *c;

	*err = -EINVAL;
	if (!conf->nservers || conf->nservers > RADIUS_MAX_SERVERS)
		return NULL;
	if (!(c = calloc(1, sizeof(*c)))) {
		*err = -ENOMEM;
		return NULL;
	}
	c->loop = l;
	c->timeout = (conf->timeout_ms ? conf->timeout_ms : 300) / 1000.0;
	c->tries = conf->tries ? conf->tries : 3;
	c->require_ma = conf->require_ma;
	snprintf(c->nas_id, sizeof(c->nas_id), "%s",
		 conf->nas_identifier && *conf->nas_identifier ? conf->nas_identifier : "ipsecd");
	for (unsigned int i = 0; i < conf->nservers; i++, c->nservers++)
		if ((*err = server_init(c, &c->srv[i], &conf->server[i]))) {
			radius_client_free(c);
			return NULL;
		}
	*err = 0;
	return c;
}

void radius_client_free(struct radius_client *c)
{
	if (!c)
		return;
	while (c->handles)
		handle_free(c->handles);
	for (unsigned int i = 0; i < c->nservers; i++) {
		struct radius_server *s = &c->srv[i];

		for (int a = 0; a < 2; a++)
			for (int j = 0; j < SOCKS_PER_SERVER; j++)
				sock_close(s->socks[a][j]);
		crypto_cleanse(s->secret, s->secretlen);
		free(s->secret);
	}
	free(c);
}
