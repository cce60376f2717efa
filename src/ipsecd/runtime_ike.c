/* runtime_ike: what ipsecctl asks of the IKE engine: active-peers print (one row per IKE
 * SA, the seed's fields), active-peers kill-connections [address=A] [port=P]
 * [dynamic-address=A] [id=ID], and active-peers remove (the rows chosen by ctl_exec). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "creds.h"
#include "runtime.h"

uint32_t runtime_policy_reqid(void *arg, const struct conf *c, const struct conf_item *pol)
{
	struct runtime *r = arg;
	struct spd_status st;

	spd_policy_status(r->spd, c, pol, &st);
	return st.installed ? st.reqid : 0;
}

struct pki_store *runtime_pki(void *arg)
{
	return creds_store(((struct runtime *)arg)->creds);
}

struct evp_pkey_st *runtime_key(void *arg, const char *name)
{
	return creds_key(((struct runtime *)arg)->creds, name);
}

struct peers {
	struct conf *into;
};

static void set_addr(struct conf *c, struct conf_item *it, int prop, const struct net_addr *a)
{
	char buf[INET6_ADDRSTRLEN];

	if (a->family && inet_ntop(a->family, a->bytes, buf, sizeof(buf)))
		conf_set_text(c, it, prop, buf);
}

static void one_peer(void *arg, const struct ike_peer_info *i)
{
	struct peers *p = arg;
	struct conf_item *it = conf_runtime_add(p->into, CONF_M_ACTIVE_PEERS);

	if (!it)
		return;
	it->id = i->serial; /* *ID names the IKE SA for its life: remove *ID */
	conf_set_text(p->into, it, CONF_APEER_STATE, i->state);
	conf_set_int(p->into, it, CONF_APEER_SIDE, i->responder ? 1 : 0);
	conf_set_int(p->into, it, CONF_APEER_RESPONDER, i->responder);
	conf_set_int(p->into, it, CONF_APEER_NATT_PEER, i->natt);
	conf_set_int(p->into, it, CONF_APEER_UPTIME, (int64_t)i->uptime);
	conf_set_int(p->into, it, CONF_APEER_LAST_SEEN, (int64_t)i->last_seen);
	conf_set_int(p->into, it, CONF_APEER_PH2_TOTAL, i->ph2_total);
	conf_set_int(p->into, it, CONF_APEER_RX_BYTES, (int64_t)i->rx_bytes);
	conf_set_int(p->into, it, CONF_APEER_RX_PACKETS, (int64_t)i->rx_packets);
	conf_set_int(p->into, it, CONF_APEER_TX_BYTES, (int64_t)i->tx_bytes);
	conf_set_int(p->into, it, CONF_APEER_TX_PACKETS, (int64_t)i->tx_packets);
	set_addr(p->into, it, CONF_APEER_LOCAL_ADDRESS, &i->local);
	set_addr(p->into, it, CONF_APEER_REMOTE_ADDRESS, &i->remote);
	set_addr(p->into, it, CONF_APEER_DYNAMIC_ADDRESS, &i->dynamic_address);
	if (*i->remote_id)
		conf_set_text(p->into, it, CONF_APEER_REMOTE_ID, i->remote_id);
	if (*i->eap_identity)
		conf_set_text(p->into, it, CONF_APEER_EAP_IDENTITY, i->eap_identity);
	if (*i->xauth_user)
		conf_set_text(p->into, it, CONF_APEER_XAUTH_USER, i->xauth_user);
	if (*i->remote_cert)
		conf_set_text(p->into, it, CONF_APEER_CERTIFICATE_SUBJECT, i->remote_cert);
}

int runtime_fill_peers(struct runtime *r, struct conf *into, struct conf_diags *ds)
{
	struct peers p = {.into = into};

	if (!r->ike) {
		conf_diag_add(ds, CONF_ERROR, "ipsecctl", 1, 1,
			      "active-peers print: the IKE engine is not running");
		return -ENOTSUP;
	}
	ike_walk(r->ike, one_peer, &p);
	return 0;
}

static int parse_ip(const char *s, struct kern_addr *a)
{
	a->family = strchr(s, ':') ? AF_INET6 : AF_INET;
	return inet_pton(a->family, s, a->bytes) == 1 ? 0 : -EINVAL;
}

/* One kill-connections argument into f; -EINVAL with the reason in ds. */
static int kill_arg(const char *key, const char *val, struct ike_kill_filter *f,
		    struct conf_diags *ds)
{
	char *end;
	unsigned long port;

	if (!key) {
		conf_diag_add(ds, CONF_ERROR, "ipsecctl", 1, 1,
			      "kill-connections: unknown argument %s; valid: address=IP, port=N, "
			      "dynamic-address=IP, id=ID",
			      val);
		return -EINVAL;
	}
	if (!strcmp(key, "address") || !strcmp(key, "dynamic-address")) {
		if (parse_ip(val, key[0] == 'a' ? &f->remote : &f->dynamic_address) == 0)
			return 0;
		conf_diag_add(ds, CONF_ERROR, "ipsecctl", 1, 1,
			      "kill-connections: %s=%s is not an IP address", key, val);
		return -EINVAL;
	}
	if (!strcmp(key, "port")) {
		port = strtoul(val, &end, 10);
		if (*val && !*end && port >= 1 && port <= 65535) {
			f->remote_port = (uint16_t)port;
			return 0;
		}
		conf_diag_add(ds, CONF_ERROR, "ipsecctl", 1, 1,
			      "kill-connections: port=%s is not a port (1..65535)", val);
		return -EINVAL;
	}
	if (!strcmp(key, "id") || !strcmp(key, "remote-id")) {
		f->remote_id = val;
		return 0;
	}
	conf_diag_add(ds, CONF_ERROR, "ipsecctl", 1, 1,
		      "kill-connections: unknown argument %s; valid: address=IP, port=N, "
		      "dynamic-address=IP, id=ID",
		      key);
	return -EINVAL;
}

static int no_engine(const char *what, struct conf_diags *ds)
{
	conf_diag_add(ds, CONF_ERROR, "ipsecctl", 1, 1, "%s: the IKE engine is not running", what);
	return -ENOTSUP;
}

static void killed(const struct conf_sink *sink, int n)
{
	char line[64];

	snprintf(line, sizeof(line), "killed %d IKE SA(s)", n);
	if (sink && sink->text)
		sink->text(sink->arg, line);
}

int runtime_kill(struct runtime *r, const char *const *keys, const char *const *vals, size_t n,
		 const struct conf_sink *sink, struct conf_diags *ds)
{
	struct ike_kill_filter f = {0};

	for (size_t i = 0; i < n; i++)
		if (kill_arg(keys[i], vals[i], &f, ds) < 0)
			return -EINVAL;
	if (!r->ike)
		return no_engine("kill-connections", ds);
	killed(sink, ike_kill_where(r->ike, &f));
	return 0;
}

int runtime_remove_peers(struct runtime *r, const char *const *keys, const char *const *vals,
			 size_t n, const struct conf_sink *sink, struct conf_diags *ds)
{
	struct ike_kill_filter f = {0};
	char *end;
	int total = 0;

	for (size_t i = 0; i < n; i++) {
		if (!keys[i] || strcmp(keys[i], ".id") || vals[i][0] != '*' ||
		    !(f.serial = (uint32_t)strtoul(vals[i] + 1, &end, 16)) || *end) {
			conf_diag_add(ds, CONF_ERROR, "ipsecctl", 1, 1,
				      "active-peers remove: %s is not an item's *ID", vals[i]);
			return -EINVAL;
		}
	}
	if (!r->ike)
		return no_engine("active-peers remove", ds);
	for (size_t i = 0; i < n; i++) {
		f.serial = (uint32_t)strtoul(vals[i] + 1, NULL, 16);
		total += ike_kill_where(r->ike, &f);
	}
	killed(sink, total);
	return 0;
}
