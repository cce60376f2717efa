/* runtime_ike: what ipsecctl asks of the IKE engine: active-peers print (one row per IKE
 * SA, the seed's fields) and active-peers kill-connections [address=A]. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
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
	if (*i->remote_id)
		conf_set_text(p->into, it, CONF_APEER_REMOTE_ID, i->remote_id);
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

int runtime_kill(struct runtime *r, const char *const *keys, const char *const *vals, size_t n,
		 const struct conf_sink *sink, struct conf_diags *ds)
{
	struct kern_addr a = {0};
	char line[64];

	for (size_t i = 0; i < n; i++) {
		if (!keys[i] || strcmp(keys[i], "address")) {
			conf_diag_add(ds, CONF_ERROR, "ipsecctl", 1, 1,
				      "kill-connections: unknown argument %s; valid: address=IP",
				      keys[i] ? keys[i] : vals[i]);
			return -EINVAL;
		}
		a.family = strchr(vals[i], ':') ? AF_INET6 : AF_INET;
		if (inet_pton(a.family, vals[i], a.bytes) != 1) {
			conf_diag_add(ds, CONF_ERROR, "ipsecctl", 1, 1,
				      "kill-connections: %s is not an IP address", vals[i]);
			return -EINVAL;
		}
	}
	if (!r->ike) {
		conf_diag_add(ds, CONF_ERROR, "ipsecctl", 1, 1,
			      "kill-connections: the IKE engine is not running");
		return -ENOTSUP;
	}
	snprintf(line, sizeof(line), "killed %d IKE SA(s)", ike_kill(r->ike, &a));
	if (sink && sink->text)
		sink->text(sink->arg, line);
	return 0;
}
