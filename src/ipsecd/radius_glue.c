/* radius_glue: the daemon's RADIUS client (radius.h) made from /radius (the servers with
 * service=ipsec, enabled, in order) and lent to the IKE engine through ike_deps'
 * radius_auth, radius_cancel and radius_acct; and sa_counters, the kernel's byte and packet
 * counters of one SA for accounting (a dump of the SAD, filtered: one per CHILD SA at an
 * Interim-Update or a Stop). It is made once, at start: requests in flight hold
 * handles of it, so a reload does not replace it (a change of /radius needs a restart,
 * which the log says). */
#include <errno.h>
#include <string.h>

#include "ipsecd/conf_menus.h"
#include "ipsecd/log.h"
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

int runtime_radius_start(struct runtime *r, struct loop *l, const struct conf *c)
{
	struct radius_client_conf rc = {.require_ma = true};
	size_t n = conf_count(c, CONF_M_RADIUS);
	int err = 0;

	for (size_t i = 0; i < n && rc.nservers < RADIUS_MAX_SERVERS; i++) {
		const struct conf_item *it = conf_item_at(c, CONF_M_RADIUS, i);
		struct radius_server_conf *s = &rc.server[rc.nservers];
		const char *secret = conf_str(it, CONF_RADIUS_SECRET);

		if (conf_bool(it, CONF_RADIUS_DISABLED) || !serves_ipsec(it))
			continue;
		to_sockaddr(conf_addr(it, CONF_RADIUS_ADDRESS), &s->addr);
		to_sockaddr(conf_addr(it, CONF_RADIUS_SRC_ADDRESS), &s->src);
		s->auth_port = (uint16_t)conf_int(it, CONF_RADIUS_AUTHENTICATION_PORT);
		s->acct_port = (uint16_t)conf_int(it, CONF_RADIUS_ACCOUNTING_PORT);
		s->secret = (const uint8_t *)(secret ? secret : "");
		s->secretlen = secret ? strlen(secret) : 0;
		if (!rc.nservers)
			rc.timeout_ms = (unsigned)conf_int(it, CONF_RADIUS_TIMEOUT);
		rc.nservers++;
	}
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
	int err = kern_sa_dump(r->kern, sa_find_one, &f);

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
	struct runtime *r = arg;

	if (r->radius) /* a handle outlives nothing of the client's */
		radius_cancel(h);
}
