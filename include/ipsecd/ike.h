/* ike: the IKE engine (IKEv2, RFC 7296): IKE SAs and CHILD SAs negotiated with peers from
 * the configuration's peers, profiles, identities, proposals and policies, and installed
 * into the kernel. It runs on the loop through loop.h, talks to peers through net.h and
 * to the kernel through kernel.h; the daemon hands it datagrams, kernel events and the
 * configuration. */
#ifndef IPSECD_IKE_H
#define IPSECD_IKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipsecd/conf.h"
#include "ipsecd/kernel.h"
#include "ipsecd/net.h"
#include "ipsecd/radius.h"

struct loop;
struct ike;
struct pki_store;
struct evp_pkey_st;

/* What the engine needs of the daemon. */
struct ike_deps {
	struct loop *loop;
	struct kern *kern;
	struct net *net;
	/* The reqid of the kernel policies ipsecd installed for a policy item (0: none). */
	uint32_t (*policy_reqid)(void *arg, const struct conf *c, const struct conf_item *policy);
	/* Credentials for auth-method=digital-signature and rsa-key (NULL: none loaded): the
	 * certificate store, and an /ip ipsec key item's key by name. */
	struct pki_store *(*pki)(void *arg);
	struct evp_pkey_st *(*key)(void *arg, const char *name);
	/* auth-method=eap-radius: the daemon's RADIUS client (radius.h's radius_auth and
	 * radius_cancel on the /radius servers of service=ipsec; a fake in tests). NULL:
	 * no RADIUS server is configured. The callback comes once unless cancelled. */
	struct radius_handle *(*radius_auth)(void *arg, const struct radius_req *req, radius_cb cb,
					     void *cbarg);
	void (*radius_cancel)(void *arg, struct radius_handle *h);
	/* accounting=yes: radius.h's radius_acct on the same client (NULL: none), and the
	 * counters of one kernel SA (0, or -ENOENT when it is not there; NULL: none) */
	struct radius_handle *(*radius_acct)(void *arg, const struct radius_acct_req *req,
					     radius_cb cb, void *cbarg);
	int (*sa_counters)(void *arg, const struct kern_sa_id *id, uint64_t *bytes,
			   uint64_t *packets);
	void *arg;
};

/* Returns NULL on allocation failure. deps is copied. */
struct ike *ike_new(const struct ike_deps *deps);
/* Sends a delete for every IKE SA (best effort, not waited for), removes the SAs it
 * installed from the kernel, frees everything. Accepts NULL. */
void ike_free(struct ike *ike);

/* The configuration now in force (borrowed until the next call or ike_free). Peers that
 * changed or went away lose their SAs; non-passive peers with policies initiate. */
void ike_apply(struct ike *ike, const struct conf *c);
/* c changed in place by ch (an ipsecctl change): the engine takes what ch did, and only
 * that (its view is updated item by item; the peers ch touched initiate). */
void ike_apply_changes(struct ike *ike, const struct conf *c, const struct conf_changes *ch);

/* A datagram from net. */
void ike_recv(struct ike *ike, const struct net_pkt *p);

/* Kernel events. */
void ike_acquire(struct ike *ike, const struct kern_acquire *a);
void ike_expire(struct ike *ike, const struct kern_sa_id *id, bool hard);
void ike_mapping(struct ike *ike, const struct kern_sa_id *id, const struct kern_addr *addr,
		 uint16_t port);
/* An SA of ours left the kernel without the engine asking (installed-sa flush, ip xfrm):
 * its CHILD SA is deleted with the peer, so that traffic renegotiates. */
void ike_sa_deleted(struct ike *ike, const struct kern_sa_id *id);

/* One established or negotiating IKE SA, for active-peers print. */
struct ike_peer_info {
	uint32_t serial;
	const char *peer;  /* peer item name, or "" */
	const char *state; /* "established", "sa-init-sent", ... */
	bool responder;	   /* the peer initiated */
	bool natt;
	struct net_addr local, remote;
	uint64_t spi_i, spi_r;
	double uptime, last_seen; /* seconds; uptime 0 until established */
	unsigned ph2_total;
	uint64_t rx_bytes, rx_packets, tx_bytes, tx_packets;
	const char *last_error;	  /* why the last negotiation failed, or "" */
	const char *remote_id;	  /* the ID the peer authenticated, or "" */
	const char *remote_cert;  /* the subject of its certificate, or "" */
	const char *eap_identity; /* the user a RADIUS server authenticated (eap-radius), or "" */
	const char *xauth_user;	  /* (IKEv1 gateway) the user who passed XAuth, or "" */
	/* mode-config: the address given to the peer (we are its gateway) or given to us by
	 * it (we are its client); family 0: none */
	struct net_addr dynamic_address;
	bool dynamic_ours; /* dynamic_address is ours (we are the client) */
};
void ike_walk(struct ike *ike, void (*fn)(void *arg, const struct ike_peer_info *i), void *arg);

/* One installed CHILD SA: its two kernel SAs are (proto, spi_in, local) and
 * (proto, spi_out, remote). */
struct ike_child_info {
	uint8_t proto; /* IPPROTO_ESP or IPPROTO_AH */
	uint32_t spi_in, spi_out;
	struct net_addr local, remote;
	bool pfs; /* its keys came from a fresh Diffie-Hellman exchange */
};
void ike_child_walk(struct ike *ike, void (*fn)(void *arg, const struct ike_child_info *i),
		    void *arg);

/* Deletes IKE SAs (deletes sent, kernel cleaned): all, or those with this remote address
 * (family 0 = all). Returns how many. */
int ike_kill(struct ike *ike, const struct kern_addr *remote);

/* Deletes the IKE SAs that match every field set in f (as ike_kill does); several
 * clients behind one NAT share a remote address but not a dynamic address, an ID or a
 * serial. Returns how many. */
struct ike_kill_filter {
	struct kern_addr remote;	  /* family 0: any */
	uint16_t remote_port;		  /* 0: any */
	struct kern_addr dynamic_address; /* family 0: any */
	const char *remote_id;		  /* NULL: any; as active-peers shows it */
	uint32_t serial;		  /* 0: any */
};
int ike_kill_where(struct ike *ike, const struct ike_kill_filter *f);

/* One address lease of mode-config (/ip pool used print). */
struct ike_lease_info {
	const char *pool;
	struct net_addr addr;
	const char *owner; /* the client's ID */
	bool held;	   /* an IKE SA has it now (false: remembered for its owner) */
};
void ike_lease_walk(struct ike *ike, void (*fn)(void *arg, const struct ike_lease_info *l),
		    void *arg);

/* One policy generated for a CHILD SA (generate-policy, or a mode-config client's own),
 * in the kernel while the CHILD SA lives: policy print shows it with flag D. */
struct ike_gen_policy_info {
	struct kern_sel sel; /* local -> remote */
	uint8_t proto;	     /* IPPROTO_ESP / IPPROTO_AH */
	bool tunnel;
	struct net_addr sa_src, sa_dst; /* the SA's ends (ours, the peer's) */
	const char *peer;		/* peer item name */
	const char *group;		/* template group it matched, or "" (client side) */
	uint32_t ike_serial;
	bool installed; /* the kernel accepted all of it */
};
void ike_gen_policy_walk(struct ike *ike,
			 void (*fn)(void *arg, const struct ike_gen_policy_info *i), void *arg);

/* A policy item's phase 2: "established" with count CHILD SAs, or "no-phase2". */
void ike_policy_ph2(struct ike *ike, const struct conf_item *policy, const char **state,
		    unsigned *count);

/* Counters for statistics and tests. */
struct ike_stats {
	uint64_t rx_dropped, rx_malformed, rx_no_sa, rx_auth_failed, retransmits;
	uint64_t established, failed;
	/* IKE_SA_INIT requests dropped by the half-open limits (struct ike_limits) */
	uint64_t half_open_refused_total, half_open_refused_address;
	size_t half_open, half_open_peak; /* responder IKE SAs waiting for IKE_AUTH */
	/* RFC 7383: messages made whole from fragments, and fragment sets given up (over the
	 * reassembly limit, incomplete at the timeout, or replaced by a later message) */
	uint64_t rx_reassembled, rx_frag_dropped;
	/* IKE SAs a configuration change looked at (their CHILD SAs follow their policies):
	 * every SA after a whole configuration, those of the peers it touched after a change */
	uint64_t followed;
};
const struct ike_stats *ike_stats(const struct ike *ike);

/* What a responder spends on IKE_SA_INIT requests (/ip ipsec settings; ipsecd's own
 * properties, RouterOS has none). A half-open IKE SA is one whose IKE_SA_INIT was
 * answered and whose IKE_AUTH has not come. RFC 7296 2.6: with cookies=auto, from
 * cookie-threshold half-open SAs on an IKE_SA_INIT request is answered with a COOKIE and
 * nothing else until the initiator returns it, which proves it receives at its address;
 * always asks every time, never not at all. Past the limits a request is dropped
 * unanswered (and counted): half-open-per-address SAs from one IP (counted after the
 * cookie, so a spoofed address cannot use up another's share), half-open-limit in all. A
 * half-open SA lives half-open-timeout. 0: no limit. */
enum ike_cookies { IKE_COOKIES_AUTO, IKE_COOKIES_ALWAYS, IKE_COOKIES_NEVER };
struct ike_limits {
	enum ike_cookies cookies;
	unsigned cookie_threshold;
	unsigned half_open_per_address;
	unsigned half_open_limit;
	double half_open_timeout; /* seconds */
	unsigned fragment_size;	  /* ike-fragment-size (IKE_FRAGMENT_SIZE) */
};
#define IKE_COOKIE_THRESHOLD	  32
#define IKE_HALF_OPEN_PER_ADDRESS 20
#define IKE_HALF_OPEN_LIMIT	  20000
#define IKE_HALF_OPEN_TIMEOUT	  30
/* The defaults above. */
void ike_limits_default(struct ike_limits *l);
/* /ip ipsec settings of c (the defaults where it has none). */
void ike_limits_from_conf(const struct conf *c, struct ike_limits *l);
void ike_set_limits(struct ike *ike, const struct ike_limits *l);

/* RFC 7383: fragmentation is announced in IKE_SA_INIT, and once both ends have, a protected
 * message whose IP datagram would be larger than this many bytes (IP, UDP and the non-ESP
 * marker included, for IPv4 and IPv6 alike) goes as fragments no larger. 1280, the IPv6
 * minimum MTU, is what strongSwan uses; RFC 7383 2.5.1 calls 576 safe for IPv4. 0: not
 * announced, neither sent nor accepted. Values under IKE_FRAGMENT_MIN are raised to it. */
#define IKE_FRAGMENT_SIZE 1280
#define IKE_FRAGMENT_MIN  128 /* room left for some payload after headers, IV and ICV */
void ike_set_fragment_size(struct ike *ike, unsigned bytes);

#endif
