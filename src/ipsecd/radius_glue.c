/* radius_glue: the daemon's RADIUS client (radius.h) made from /radius (the servers with
 * service=ipsec, enabled, in order) and lent to the IKE engine through ike_deps'
 * radius_auth, radius_cancel and radius_acct; and sa_counters, the kernel's byte and packet
 * counters of one SA for accounting (one XFRM_MSG_GETSA per CHILD SA at an Interim-Update
 * or a Stop).
 *
 * A reload or an ipsecctl change that changes /radius makes a new client for the requests
 * that follow. Requests in flight hold handles of the old one, which the engine may still
 * cancel: the old client stays, retired, until its last request is answered or cancelled,
 * and goes at the next sweep (a one-second timer while any is retired). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/buf.h"
#include "ipsecd/conf_menus.h"
#include "ipsecd/log.h"
#include "ipsecd/loop.h"
#include "ipsecd/net.h"
#include "runtime.h"

static bool serves_ipsec(const struct conf_item *it)
{
	const struct conf_list *l = conf_enums(it, CONF_RADIUS_SERVICE);
	const char *const *names = it->menu->props[CONF_RADIUS_SERVICE].choices;

	for (uint32_t i = 0; l && i < l->n; i++)
		if (!strcmp(names[l->v[i]], "ipsec"))
			return true;
	return false;
}

static void to_sockaddr(const struct conf_addr *a, struct sockaddr_storage *ss)
{
	struct net_addr n = {0};

	memset(ss, 0, sizeof(*ss));
	if (!a->family)
		return;
	n.family = a->family;
	memcpy(n.bytes, a->bytes, sizeof(n.bytes));
	net_addr_to_sockaddr(&n, ss);
}

/* The client's configuration from c (its secrets point into c). */
static void client_conf(const struct conf *c, struct radius_client_conf *rc)
{
	size_t n = conf_count(c, CONF_M_RADIUS);

	memset(rc, 0, sizeof(*rc));
	rc->require_ma = true;
	for (size_t i = 0; i < n && rc->nservers < RADIUS_MAX_SERVERS; i++) {
		const struct conf_item *it = conf_item_at(c, CONF_M_RADIUS, i);
		struct radius_server_conf *s = &rc->server[rc->nservers];
		const char *secret = conf_str(it, CONF_RADIUS_SECRET);

		if (conf_bool(it, CONF_RADIUS_DISABLED) || !serves_ipsec(it))
			continue;
		to_sockaddr(conf_addr(it, CONF_RADIUS_ADDRESS), &s->addr);
		to_sockaddr(conf_addr(it, CONF_RADIUS_SRC_ADDRESS), &s->src);
		s->auth_port = (uint16_t)conf_int(it, CONF_RADIUS_AUTHENTICATION_PORT);
		s->acct_port = (uint16_t)conf_int(it, CONF_RADIUS_ACCOUNTING_PORT);
		s->secret = (const uint8_t *)(secret ? secret : "");
		s->secretlen = secret ? strlen(secret) : 0;
		if (!rc->nservers)
			rc->timeout_ms = (unsigned)conf_int(it, CONF_RADIUS_TIMEOUT);
		rc->nservers++;
	}
}

/* Everything of rc that makes a client, in one byte string (w->secret: it holds secrets). */
static void conf_bytes(const struct radius_client_conf *rc, struct wbuf *w)
{
	wbuf_bytes(w, &rc->timeout_ms, sizeof(rc->timeout_ms));
	for (unsigned i = 0; i < rc->nservers; i++) {
		const struct radius_server_conf *s = &rc->server[i];

		wbuf_bytes(w, &s->addr, sizeof(s->addr));
		wbuf_bytes(w, &s->src, sizeof(s->src));
		wbuf_bytes(w, &s->auth_port, sizeof(s->auth_port));
		wbuf_bytes(w, &s->acct_port, sizeof(s->acct_port));
		wbuf_bytes(w, &s->secretlen, sizeof(s->secretlen));
		wbuf_bytes(w, s->secret, s->secretlen);
	}
}

/* Frees the retired clients with no request left. */
static void sweep(struct runtime *r)
{
	size_t kept = 0;

	for (size_t i = 0; i < r->nradius_old; i++) {
		if (radius_pending(r->radius_old[i]))
			r->radius_old[kept++] = r->radius_old[i];
		else
			radius_client_free(r->radius_old[i]);
	}
	r->nradius_old = kept;
	if (!kept) {
		loop_timer_free(r->radius_sweep);
		r->radius_sweep = NULL;
	}
}

static void on_sweep(struct loop_timer *w, void *arg)
{
	(void)w;
	sweep(arg);
}

/* The current client leaves for the retired ones (or goes at once if it has nothing in
 * flight). */
static void retire(struct runtime *r, struct loop *l)
{
	struct radius_client **more;

	if (!r->radius)
		return;
	if (!radius_pending(r->radius) ||
	    !(more = realloc(r->radius_old, (r->nradius_old + 1) * sizeof(*more)))) {
		radius_client_free(r->radius); /* (out of memory: its requests fail now) */
		r->radius = NULL;
		return;
	}
	r->radius_old = more;
	r->radius_old[r->nradius_old++] = r->radius;
	r->radius = NULL;
	if (!r->radius_sweep)
		r->radius_sweep = loop_timer_new(l, 1.0, 1.0, on_sweep, r);
}

int runtime_radius_start(struct runtime *r, struct loop *l, const struct conf *c)
{
	struct radius_client_conf rc;
	struct wbuf now;
	int err = 0;

	client_conf(c, &rc);
	wbuf_init(&now);
	now.secret = true;
	conf_bytes(&rc, &now);
	if (r->radius_conf.p && !now.err && now.len == r->radius_conf.len &&
	    !memcmp(now.p, r->radius_conf.p, now.len)) {
		wbuf_free(&now);
		return 0; /* /radius as it was */
	}
	wbuf_free(&r->radius_conf);
	r->radius_conf = now;
	if (r->radius)
		log_info(LOG_MAIN, NULL,
			 "RADIUS: /radius changed; requests in flight finish "
			 "with the servers they started with");
	retire(r, l);
	if (!rc.nservers)
		return 0;
	r->radius = radius_client_new(l, &rc, &err);
	if (!r->radius) {
		log_error(LOG_MAIN, NULL, "RADIUS: no client for /radius: %s", strerror(-err));
		return err ? err : -EINVAL;
	}
	log_info(LOG_MAIN, NULL, "RADIUS: %u server(s) for service=ipsec", rc.nservers);
	return 0;
}

void runtime_radius_stop(struct runtime *r)
{
	radius_client_free(r->radius);
	r->radius = NULL;
	for (size_t i = 0; i < r->nradius_old; i++)
		radius_client_free(r->radius_old[i]);
	free(r->radius_old);
	r->radius_old = NULL;
	r->nradius_old = 0;
	loop_timer_free(r->radius_sweep);
	r->radius_sweep = NULL;
	wbuf_free(&r->radius_conf);
}

struct radius_handle *runtime_radius_auth(void *arg, const struct radius_req *req, radius_cb cb,
					  void *cbarg)
{
	struct runtime *r = arg;

	return r->radius ? radius_auth(r->radius, req, cb, cbarg) : NULL;
}

struct radius_handle *runtime_radius_acct(void *arg, const struct radius_acct_req *req,
					  radius_cb cb, void *cbarg)
{
	struct runtime *r = arg;

	return r->radius ? radius_acct(r->radius, req, cb, cbarg) : NULL;
}

struct sa_find {
	const struct kern_sa_id *id;
	uint64_t bytes, packets;
	bool found;
};

static void sa_find_one(void *arg, const struct kern_sa_info *i)
{
	struct sa_find *f = arg;

	if (i->sa.id.spi == f->id->spi && i->sa.id.proto == f->id->proto &&
	    i->sa.id.dst.family == f->id->dst.family &&
	    !memcmp(i->sa.id.dst.bytes, f->id->dst.bytes, sizeof(f->id->dst.bytes))) {
		f->bytes = i->cur_bytes;
		f->packets = i->cur_packets;
		f->found = true;
	}
}

int runtime_sa_counters(void *arg, const struct kern_sa_id *id, uint64_t *bytes, uint64_t *packets)
{
	struct runtime *r = arg;
	struct sa_find f = {.id = id};
	int err = kern_sa_get(r->kern, id, sa_find_one, &f);

	if (err < 0)
		return err;
	if (!f.found)
		return -ENOENT;
	*bytes = f.bytes;
	*packets = f.packets;
	return 0;
}

void runtime_radius_cancel(void *arg, struct radius_handle *h)
{
	(void)arg;
	radius_cancel(h); /* of the current client or a retired one: both are still there */
}
