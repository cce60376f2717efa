/* The IKE engine's shared state: the engine, IKE SAs, CHILD SAs and the tables that find
 * them. Only src/ike/ includes this. */
#ifndef IPSECD_IKE_INTERNAL_H
#define IPSECD_IKE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "ipsecd/buf.h"
#include "ipsecd/crypto.h"
#include "ipsecd/ike.h"
#include "ipsecd/wire.h"
#include "proposal.h"

#define IKE_NATT_KEEPALIVE    20.0
#define IKE_MODECFG_MAX_DNS   4
#define IKE_MODECFG_MAX_SPLIT 16 /* seconds between NAT keepalives (RFC 3948 4) */

struct loop_timer;
struct ike_token;
struct ikev1_state;
struct ikev2_state;
struct ikev1_frags;

/* --- a table keyed by 64-bit values (SPIs), open addressing --- */
struct ike_tab {
	struct ike_tab_ent *e;
	size_t n, used, cap; /* cap 0 or a power of two; used counts tombstones too */
};
struct ike_tab_ent {
	uint64_t key; /* 0: empty, UINT64_MAX: deleted */
	void *val;
};
void *ike_tab_get(const struct ike_tab *t, uint64_t key);
/* Adds key, or gives it a new value (which never fails). */
int ike_tab_put(struct ike_tab *t, uint64_t key, void *val);
void *ike_tab_del(struct ike_tab *t, uint64_t key);
void *ike_tab_next(const struct ike_tab *t, size_t *pos);
void ike_tab_free(struct ike_tab *t);

enum ike_state {
	IKE_STATE_INIT_SENT, /* initiator: IKE_SA_INIT request out */
	IKE_STATE_INIT_DONE, /* responder: IKE_SA_INIT answered, waiting for IKE_AUTH */
	IKE_STATE_AUTH_SENT, /* initiator: IKE_AUTH request out */
	IKE_STATE_ESTABLISHED,
	IKE_STATE_DELETING, /* our delete is out */
	IKE_STATE_DEAD,	    /* being freed */
};

enum child_state {
	CHILD_STATE_INSTALLING,
	CHILD_STATE_INSTALLED,
	CHILD_STATE_REKEYED, /* replaced by a newer one; deleted soon */
	CHILD_STATE_DELETING,
};

struct ike_sa;

struct ike_child {
	struct ike_child *next; /* in its IKE SA's list */
	struct ike_sa *ike;
	enum child_state state;
	uint32_t serial;
	uint32_t policy_id; /* conf item id of the policy */
	uint32_t reqid;
	uint8_t proto; /* IPPROTO_ESP / IPPROTO_AH */
	bool tunnel;
	bool pfs;
	uint32_t spi_in, spi_out; /* ours (kernel-allocated), the peer's */
	uint64_t out_key;	  /* in the engine's children_out (0: not there) */
	struct kern_sel sel;	  /* outbound view: local -> remote */
	struct ike_chosen alg;
	double established;
	bool installed_in, installed_out;
	bool delete_sent;
	struct ike_child *replaced_by; /* the peer's rekey of it (2.8.1) */
	uint8_t nonce_len, nonce[32];  /* the lowest nonce of the exchange that made it */
	struct ike_gpol *gp; /* its generated policies (gpol.c), or NULL: a static policy's */
	uint32_t life;	     /* seconds negotiated (IKEv1); 0: the proposal's lifetime */
};

/* Work an IKE SA does when its request window is free (one exchange at a time). */
enum ike_task {
	IKE_TASK_CHILD_CREATE = 1u << 0,
	IKE_TASK_CHILD_REKEY = 1u << 1,
	IKE_TASK_IKE_REKEY = 1u << 2,
	IKE_TASK_DPD = 1u << 3,
	IKE_TASK_DELETE = 1u << 4,
};

/* An IKE SA's place in one of the engine's lists of SAs that share a key (ike.c). */
struct ike_sa_link {
	struct ike_sa *prev, *next;
	uint64_t key;
	bool listed; /* false when not yet listed, or when out of memory */
};

/* What the core asks of an IKE version (v1/, v2/): each has one table, and the core
 * reaches a version only through it, never through its files. */
struct ike_version_ops {
	uint8_t major; /* the ISAKMP header's major version: 1 or 2 */
	/* a datagram whose header carries this major version */
	void (*recv)(struct ike *eng, const struct net_pkt *p);
	/* a new IKE SA with peer, for policy (NULL: none yet) and an ACQUIRE's selector */
	int (*initiate)(struct ike *eng, const struct conf_item *peer,
			const struct conf_item *policy, const struct kern_sel *acquired);
	/* the SA's queued work (enum ike_task), when it can take some */
	void (*run_tasks)(struct ike_sa *sa);
	/* tells the peer the IKE SA goes (not waited for) */
	void (*send_delete)(struct ike_sa *sa);
	/* deletes a CHILD SA with the peer (c stays until that is done) */
	void (*delete_child)(struct ike_sa *sa, struct ike_child *c);
	/* the kernel refused one of c's SAs (ike_install_sa) */
	void (*child_install_failed)(struct ike_sa *sa, struct ike_child *c, int err,
				     const char *msg);
	/* makes the version's state of a new SA (NULL: none): 0 or -ENOMEM */
	int (*sa_new)(struct ike_sa *sa);
	/* the SA is established: drops what only its handshake needed (NULL: nothing) */
	void (*handshake_done)(struct ike_sa *sa);
	/* frees the version's state of an SA that goes (keys, fragments, a client's address
	 * on our interface when delete_kernel) */
	void (*sa_free)(struct ike_sa *sa, bool delete_kernel);
	/* the engine stops (after its SAs went): what the version keeps engine-wide; NULL:
	 * nothing */
	void (*engine_free)(struct ike *eng);
};

/* The versions this build negotiates. */
extern const struct ike_version_ops ikev1_ops, ikev2_ops;

struct ike_sa {
	struct ike *eng;
	const struct ike_version_ops *ops;
	uint32_t serial;
	char *peer; /* peer item name */
	char ctx[48];
	enum ike_state state;
	bool initiator; /* we sent the IKE_SA_INIT (original initiator, 2.2) */
	uint64_t spi_i, spi_r;
	struct net_addr local, remote; /* remote: set with ike_sa_set_remote */
	/* natt: IKE runs on the NAT-T port (RFC 3948 non-ESP marker); a peer may move there
	 * without a NAT (2.23). nat_here/nat_there: NAT detection found one in front of us or
	 * of the peer; only then is ESP encapsulated in UDP (ike_sa_udp_encap). */
	bool natt, nat_here, nat_there;
	/* the established SAs of the same peer item and remote ID (ike_sa_index_id), and all
	 * the SAs of the same peer item */
	struct ike_sa_link by_id, by_peer;
	/* the SAs of the same remote address, remote ID, mode-config address (find.c) */
	struct ike_sa_link by_addr, by_rid, by_vip;
	/* a rekey this SA runs holds one of the engine's slots (ike_slot_take), or waits */
	bool has_slot, waits_slot;
	struct ike_sa *wait_prev, *wait_next;
	bool half_listed; /* a responder's, half-open: in eng->half under half_key */
	uint64_t half_key, half_src_key;

	struct ike_chosen alg;
	struct crypto_dh *dh;
	struct crypto_chunk ni, nr;

	/* requests we send (window 1) */
	struct wbuf req_pkt;
	unsigned rtx_count;
	struct loop_timer *rtx;
	unsigned tasks;
	uint32_t pending_policy;    /* CHILD_CREATE: the policy item id */
	struct ike_child *rekeying; /* CHILD_REKEY: the child being replaced */
	struct ike_child *creating; /* the child being negotiated */

	/* requests we receive: our last response, for duplicates */
	struct wbuf resp_pkt;

	struct ike_child *children;
	unsigned nchildren;
	double created, established, last_seen;
	struct loop_timer *life; /* rekey or DPD, whichever is next */
	double rekey_at, dpd_at, keepalive_at;
	uint64_t rx_bytes, rx_packets, tx_bytes, tx_packets;
	char last_error[160];
	char *remote_id;   /* authenticated: the peer's ID as text */
	char *remote_cert; /* and its certificate's subject, for certificates */
	/* mode-config: the address leased to the peer (responder), or given to us (client) */
	struct net_addr vip;
	bool vip_leased; /* vip is a lease of eng->pools, released with the SA */
	bool vip_radius; /* vip is the Framed-IP-Address RADIUS gave (no lease) */
	bool vip_on_if;	 /* (client) vip is on the interface towards the peer: removed with it */
	struct ikev1_state *v1; /* an IKEv1 SA's (v1/v1.h); NULL for IKEv2 */
	struct ikev2_state *v2; /* an IKEv2 SA's (v2/state.h); NULL for IKEv1 */
	int vip_ifindex;
	/* (client) what cp.c routed from vip towards the peer (the networks of our generated
	 * policies, table IKEV2_CP_TABLE): removed with vip */
	struct kern_route *routes;
	uint8_t nroutes;
	/* how the identity the peer authenticated with makes CHILD SAs (tmpl.h): its
	 * generate-policy and policy-template-group; and (client) the split-include
	 * networks the gateway sent */
	uint8_t gen_mode, nsplit;
	char *gen_group;
	struct conf_addr *split;
	struct ike_acct *acct; /* an EAP or XAuth user's session (acct.c) */
};

/* acct.c: what a RADIUS server's Access-Accept said of a client (user, Class,
 * Framed-IP-Address), kept with its IKE SA, and its accounting session (RFC 2866). */
/* At the Access-Accept (r), or when XAuth passed a local user (r NULL); replaces what sa
 * had. 0 or -1 (out of memory). */
int ike_acct_begin(struct ike_sa *sa, const char *user, const struct radius_reply *r);
/* The authenticated user (ike_acct_begin), or NULL. */
const char *ike_acct_user(const struct ike_sa *sa);
/* Framed-IP-Address from the Access-Accept, which mode-config gives instead of a lease. */
bool ike_acct_framed_ip(const struct ike_sa *sa, struct net_addr *out);
/* Why the session ends (Acct-Terminate-Cause); the first reason given stays. */
void ike_acct_cause(struct ike_sa *sa, uint32_t cause);
/* A CHILD SA is installed: Start (and the Interim-Update timer) with accounting=yes. */
void ike_acct_child_up(struct ike_child *c);
/* A CHILD SA leaves the kernel: its counters are kept for the Stop. */
void ike_acct_child_gone(struct ike_child *c);
/* The IKE SA was rekeyed: the session goes on in to. */
void ike_acct_move(struct ike_sa *from, struct ike_sa *to);
/* Stop, with the counters of the CHILD SAs still in the kernel; then nothing more. */
void ike_acct_end(struct ike_sa *sa);
void ike_acct_free(struct ike_sa *sa);

struct ike {
	struct ike_deps d;
	const struct conf *conf;
	struct ike_view *view;	 /* conf, indexed (view.c) */
	struct ike_pools *pools; /* /ip pool and its leases (pool.c) */
	/* generated policies (gpol.c): by first index slot, by outbound selector; free
	 * slots */
	struct ike_tab gpols, gp_sels;
	bool rw_rule;	   /* (client) cp.c's rule consulting IKEV2_CP_TABLE is in the kernel */
	size_t routed_sas; /* (client) the SAs with routes in that table: the rule's users */
	/* system-dns: the host's resolvers, read when the configuration is applied */
	struct conf_addr sys_dns[IKE_MODECFG_MAX_DNS];
	size_t nsys_dns;
	uint32_t *gp_free, gp_next;
	size_t gp_nfree, gp_free_cap;
	struct ike_tab sas;	 /* by our SPI */
	struct ike_tab half;	 /* responder half-open SAs (half.c) */
	struct ike_tab half_src; /* how many of them each IP has (half.c) */
	uint64_t half_salt;	 /* keys both tables */
	size_t half_mark;	 /* their peak since memory was last given back */
	struct ike_limits lim;
	/* rekeys run at once, engine-wide, and the SAs waiting for a slot, oldest first */
	unsigned slots_busy;
	struct ike_sa *wait_head, *wait_tail;
	struct ike_tab children;       /* by proto << 32 | inbound SPI */
	struct ike_tab children_out;   /* by a hash of proto, outbound SPI and peer address */
	struct ike_tab ids;	       /* the first SA of each (peer, remote ID) */
	struct ike_tab peer_sas;       /* the first SA of each peer item */
	struct ike_tab serials;	       /* every SA by its serial (find.c) */
	struct ike_tab find;	       /* first SA by address, remote ID, mode-config address */
	struct ike_token *tokens;      /* kernel requests yet to be answered (spi.c) */
	const struct net_pkt *cur_pkt; /* the datagram being handled */
	const uint8_t *cur_plain;      /* and its inner payloads, decrypted (IKEv2) */
	size_t cur_plain_len;
	/* a held request replayed (v2/ikev2.c): its inner payloads as they were decrypted
	 * when it came, for that SA's next decryption to take instead */
	const struct ike_sa *replay_sa;
	const uint8_t *replay_plain;
	size_t replay_len;
	uint32_t next_serial;
	struct loop_timer *start_timer; /* initiations after ike_apply */
	bool start_all;			/* of every policy (a whole configuration) */
	size_t start_next;		/* with start_all: the next peer to start */
	char **start;			/* or of these peers' (what a change touched) */
	size_t nstart;
	/* drops the shared responder DH keys once old (RFC 7296 2.12, sa_init.c); NULL until
	 * one is taken; dh_armed: running */
	struct loop_timer *dh_expiry;
	bool dh_armed;
	struct ike_stats st;
	/* 2.6: the cookie secrets and their rotation (sa_init.c) */
	unsigned frag_size; /* RFC 7383: largest datagram of a fragment; 0: no fragmentation */
	struct ikev1_frags *v1_frags; /* IKEv1 messages being reassembled (v1/frag.c) */
	struct {
		uint8_t cur[32], prev[32]; /* prev: the one before cur, when have_prev */
		uint32_t version;	   /* cur's; prev's is version - 1 */
		double made;		   /* when cur was made; 0: not yet */
		bool have_prev;
	} cookie;
};

/* view.c: the configuration indexed for the engine, built by ike_apply and kept in step
 * with ipsecctl's changes by ike_apply_changes. */
struct ike_view;
/* The reqid of a policy's kernel entries (0: none). */
typedef uint32_t (*ike_view_reqid_fn)(void *arg, const struct conf *c, const struct conf_item *pol);
struct ike_view *ike_view_build(const struct conf *c, ike_view_reqid_fn reqid, void *arg);
void ike_view_free(struct ike_view *v);
/* Takes one difference of c (in conf_changes_walk's order: removed, changed, added) into
 * the view, in place; then ike_view_update_done once after the last. Returns 0, or
 * -ENOMEM: the view is then incomplete and must be built anew. */
int ike_view_update(struct ike_view *v, const struct conf *c, enum conf_change what,
		    const struct conf_item *old, const struct conf_item *it);
int ike_view_update_done(struct ike_view *v, const struct conf *c);
/* apply.c: forgets the peers waiting to initiate (ike_free). */
void ike_forget_starts(struct ike *eng);
/* The enabled peer with the longest address prefix holding remote (the first in the
 * configuration among equals) whose local-address, if set, is local and whose
 * exchange-mode speaks IKE version major (2: ike2; 1: main, aggressive, base); or NULL.
 * Several peers on one address are told apart by the version the request speaks. */
const struct conf_item *ike_view_peer_for_addr(const struct ike_view *v,
					       const struct net_addr *remote,
					       const struct net_addr *local, uint8_t major);
const struct conf_item *ike_view_peer(const struct ike_view *v, const char *name);
const struct conf_item *ike_view_profile(const struct ike_view *v, const char *peer);
/* The peer's enabled identities / the policies IKE negotiates for it, in order. */
const struct conf_item *const *ike_view_identities(const struct ike_view *v, const char *peer,
						   size_t *n);
const struct conf_item *const *ike_view_policies(const struct ike_view *v, const char *peer,
						 size_t *n);
const struct conf_item *ike_view_policy(const struct ike_view *v, uint32_t id);
/* The peer's identities that may take a peer's ID (type, data): those whose remote-id
 * names exactly it, then those that accept any ID or are checked otherwise (auto,
 * ignore, match-by=certificate), each group in configuration order, with their places
 * among the peer's identities (pos); at most max. The caller ranks them. */
size_t ike_view_identities_for(const struct ike_view *v, const char *peer, uint8_t type,
			       const uint8_t *data, size_t len, const struct conf_item **out,
			       uint32_t *pos, size_t max);
const struct conf_item *ike_view_policy_by_reqid(const struct ike_view *v, uint32_t reqid);
/* The identity item item_id of the peer, or NULL (gone, disabled or another peer's). */
const struct conf_item *ike_view_identity(const struct ike_view *v, const char *peer,
					  uint32_t item_id);

/* The enabled template=yes policies of policy group `group`, in configuration order (what
 * generate-policy narrows against, tmpl.h); n = 0 for a group that does not exist. */
const struct conf_item *const *ike_view_templates(const struct ike_view *v, const char *group,
						  size_t *n);
/* The /ip ipsec mode-config item called name (the built-in request-only too), or NULL. */
const struct conf_item *ike_view_mode_config(const struct ike_view *v, const char *name);

/* half.c: responder half-open SAs. find: the one of this initiator (SPI, address and
 * port), or NULL (clash: another initiator's entry has its key). admit: 0, or -ENOSPC
 * (half-open-limit reached) or -EMLINK (half-open-per-address). */
struct ike_sa *ike_half_find(struct ike *eng, uint64_t spi_i, const struct net_addr *from,
			     bool *clash);
int ike_half_admit(const struct ike *eng, const struct net_addr *from);
int ike_half_add(struct ike_sa *sa);
void ike_half_del(struct ike_sa *sa);
bool ike_half_cookie_needed(const struct ike *eng);

/* ike.c: rekeys (IKE and CHILD SA) take a slot: at most IKE_SLOTS run at once, so that
 * SAs made together and due together (a hub after a restart) rekey in a steady stream,
 * not in a burst larger than the socket and the peers take. take: true when sa has (or
 * now got) a slot; false: sa waits in line and runs its tasks again when one is free.
 * release: done with it (at the end of the request; when the SA goes). */
#define IKE_SLOTS 256
bool ike_slot_take(struct ike_sa *sa);
void ike_slot_release(struct ike_sa *sa);

/* ike.c */
struct ike_sa *ike_sa_new(struct ike *eng, const struct ike_version_ops *ops, const char *peer,
			  bool initiator, const struct net_addr *local,
			  const struct net_addr *remote);
/* The version an exchange-mode negotiates (NULL: none this build has). */
const struct ike_version_ops *ike_ops_for(const struct conf_item *peer);
void ike_sa_destroy(struct ike_sa *sa, bool delete_kernel);
/* find.c: the IKE SAs by what names them other than their SPI */
/* Files a new SA under its peer item and serial (ike_sa_new); takes it out of every
 * index (ike_sa_destroy). */
void ike_find_add(struct ike_sa *sa);
void ike_find_forget(struct ike_sa *sa);
void ike_find_free(struct ike *eng);
/* Sets the peer's address: on creation, and when it moved (2.23: a NAT's new address or
 * port). */
void ike_sa_set_remote(struct ike_sa *sa, const struct net_addr *remote);
/* Lists an authenticated SA under its peer item and remote ID, and its remote ID alone
 * (done when it is established). */
void ike_sa_index_id(struct ike_sa *sa);
/* Lists an SA under its mode-config address (sa->vip), again after it changed. */
void ike_sa_index_vip(struct ike_sa *sa);
/* The next IKE SA after prev (NULL: the first) other than like with like's peer item and
 * remote ID; NULL at the end. Looks only at the SAs with that identity. */
struct ike_sa *ike_sa_next_same_id(const struct ike_sa *like, const struct ike_sa *prev);
/* The next IKE SA after prev (NULL: the first) of peer item `peer`; NULL at the end. */
struct ike_sa *ike_sa_next_of_peer(struct ike *eng, const char *peer, const struct ike_sa *prev);
/* The SA active-peers shows as *serial, or NULL. */
struct ike_sa *ike_sa_by_serial(const struct ike *eng, uint32_t serial);
/* The serials (malloc'd in *serials, the caller frees) of the SAs that may match f, from
 * the most selective index f allows (serial, remote address, remote ID, dynamic address;
 * every SA when f names none of them): a superset the caller filters. Returns how many. */
size_t ike_sa_candidates(const struct ike *eng, const struct ike_kill_filter *f,
			 uint32_t **serials);

/* ike.c */
/* A responder's Diffie-Hellman key pair of group (shared, crypto_dh_reused), or NULL. */
struct crypto_dh *ike_responder_dh(struct ike *eng, uint16_t group);
void ike_sa_fail(struct ike_sa *sa, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint64_t ike_sa_local_spi(const struct ike_sa *sa);
void ike_sa_established(struct ike_sa *sa);
void ike_sa_schedule(struct ike_sa *sa);
double ike_now(const struct ike *eng);
struct ike_child *ike_child_new(struct ike_sa *sa, const struct conf_item *policy);
void ike_child_free(struct ike_child *c, bool delete_kernel);
struct ike_child *ike_child_find(struct ike *eng, uint8_t proto, uint32_t spi_in);
/* An installed CHILD SA by its outbound kernel SA; NULL if none. */
struct ike_child *ike_child_find_out(struct ike *eng, const struct kern_sa_id *id);
void ike_child_index(struct ike_child *c);
void ike_children_reindex(struct ike_sa *sa);
int ike_want_policy(struct ike *eng, const struct conf_item *peer, const struct conf_item *pol,
		    const struct kern_sel *acquired);

/* peer.c: the configuration as the engine needs it */
const struct conf_item *ike_peer_find(const struct conf *c, const char *name);
/* The peer that takes an IKE request from remote to local (ike_view_peer_for_addr). */
const struct conf_item *ike_peer_for_addr(const struct ike *eng, const struct net_addr *remote,
					  const struct net_addr *local, uint8_t major);
const struct conf_item *ike_profile_of(const struct conf *c, const struct conf_item *peer);
/* The peer's first enabled identity (what an initiator authenticates with). */
const struct conf_item *ike_identity_of(const struct ike *eng, const char *peer);
const struct conf_item *ike_policy_by_id(const struct ike *eng, uint32_t id);
/* The proposal item of a policy (its proposal=, default "default"). */
const struct conf_item *ike_proposal_of(const struct conf *c, const struct conf_item *policy);
bool ike_policy_is_ours(const struct conf_item *pol, const char *peer);
/* Where an initiator talks to a peer from and to: its address (a host, not a prefix:
 * -EINVAL) and port, and local-address or the source the routing table picks. */
int ike_peer_endpoints(const struct ike *eng, const struct conf_item *peer, struct net_addr *local,
		       struct net_addr *remote);
/* The IP protocol of a policy's SAs: IPPROTO_ESP, or IPPROTO_AH for ipsec-protocols=ah. */
uint8_t ike_policy_ipproto(const struct conf_item *pol);
/* Our ID payload content from the identity's my-id (auto: our address). */
void ike_my_id(const struct conf_item *id, const struct net_addr *local, uint8_t *type,
	       uint8_t *buf, size_t *len);
/* Whether the peer's ID matches the identity's remote-id (auto: anything for PSK). */
bool ike_remote_id_ok(const struct conf_item *id, const struct net_addr *remote, uint8_t type,
		      const uint8_t *data, size_t len, char *why, size_t whylen);
/* The one ID the identity's remote-id names (type, value into buf, 255 bytes), or false
 * for auto, ignore and an address remote-id that is not an address (which means the
 * peer's own). */
bool ike_remote_id_fixed(const struct conf_item *id, uint8_t *type, uint8_t *buf, size_t *len);
/* ident.c: what a responder knows of the initiator when it picks one of the peer's
 * identities. */
struct ike_peer_id {
	uint8_t type; /* the ID's type (IKEv1 and IKEv2 number the ones compared alike) */
	const uint8_t *data;
	size_t len;
	const uint8_t *cert; /* DER of the first X.509 certificate it sent; NULL: none */
	size_t cert_len;
	bool cert_later; /* its certificate comes in a later message (IKEv1) */
};
/* Whether an identity can serve the SA at all (IKEv1: the method negotiated or
 * proposed); arg is ike_identity_for's. */
typedef bool (*ike_identity_fits_fn)(struct ike_sa *sa, const struct conf_item *id, void *arg);
/* The identity of sa's peer for what the initiator sent (fits NULL: any), or NULL with
 * the reason given to ike_sa_fail. */
const struct conf_item *ike_identity_for(struct ike_sa *sa, const struct ike_peer_id *pid,
					 ike_identity_fits_fn fits, void *arg);
/* The PSK: 0x-hex decoded or the text itself. Caller clears. */
int ike_psk(const struct conf_item *id, struct crypto_chunk *out);
const char *ike_choice(const struct conf_item *it, int prop);
/* An identity's auth-method, as a number the engine compares (no name compares on a
 * handshake's path). */
enum ike_auth {
	IKE_AUTH_OTHER,
	IKE_AUTH_SIGNATURE, /* digital-signature (RouterOS v6: rsa-signature) */
	IKE_AUTH_EAP,
	IKE_AUTH_EAP_RADIUS,
	IKE_AUTH_PSK,
	IKE_AUTH_PSK_XAUTH,
	IKE_AUTH_RSA_KEY,
	IKE_AUTH_HYBRID, /* rsa-signature-hybrid */
};
enum ike_auth ike_auth_of(const struct conf_item *id);

/* vip.c: a mode-config client's address, any IKE version. install: on the interface
 * towards the gateway (sa->vip); route: after the CHILD SA of gp is installed, the
 * networks of gp's policies routed from the address towards the gateway in IKE_VIP_TABLE
 * (the gateway's own address never), and the rule that consults the table ensured;
 * remove: the routes (and the rule with the last) and the address gone; stop: the engine
 * stops, the rule goes if it is still there. The table and the rule's priority are
 * strongSwan's, so that an administrator finds them where they look. */
#define IKE_VIP_TABLE	      220
#define IKE_VIP_RULE_PRIORITY 220
void ike_vip_install(struct ike_sa *sa);
void ike_vip_route(struct ike_sa *sa, const struct ike_gpol *gp);
void ike_vip_remove(struct ike_sa *sa);
void ike_vip_stop(struct ike *eng);

/* spi.c: kernel requests whose answers come after the call. alloc_spi: ALLOCSPI for an
 * inbound SA from sa's peer, done only if sa still lives (else the larval SA goes);
 * install_sa: kern_sa_add for one of c's SAs, a refusal reaching sa->ops->
 * child_install_failed if c and sa still exist; release_spi: deletes the larval SA of an
 * SPI that went unused; forget_tokens: the engine goes, answers to come find nothing. */
void ike_alloc_spi(struct ike_sa *sa, uint8_t proto,
		   void (*done)(struct ike_sa *sa, int err, uint32_t spi));
void ike_install_sa(struct ike_child *c, const struct kern_sa *k, bool update);
void ike_release_spi(struct ike_sa *sa, uint8_t proto, uint32_t spi);
void ike_forget_tokens(struct ike *eng);
/* One of c's two kernel SAs (inbound: the one the peer sends to) with its keys: ends,
 * reqid, mode, algorithms, replay window, lifetimes (c->life, else its policy's
 * proposal's; soft expiry a little earlier for the original initiator), and UDP
 * encapsulation when a NAT was found. */
#define IKE_REPLAY_WINDOW 64
void ike_child_kern_sa(const struct ike_child *c, bool inbound, const uint8_t *ek, size_t ekl,
		       const uint8_t *ak, size_t akl, struct kern_sa *k);

/* gpol.c: the kernel policies of a CHILD SA made from a template or a mode-config
 * reply. new: installs them for sa's ends with a reqid of their own, one hold taken;
 * NULL (logged) when another set has one of the selectors, or out of memory. put: lets
 * a hold go; the last one removes them from the kernel (when delete_kernel). */
struct ike_gpol;
struct ike_gpol *ike_gpol_new(struct ike_sa *sa, const struct kern_sel *sels, size_t n, bool tunnel,
			      uint8_t proto, const char *group);
void ike_gpol_hold(struct ike_gpol *g);
void ike_gpol_put(struct ike_gpol *g, bool delete_kernel);
uint32_t ike_gpol_reqid(const struct ike_gpol *g);
size_t ike_gpol_sels(const struct ike_gpol *g, const struct kern_sel **sels);
/* Its CHILD SAs now live in sa (an IKE SA rekey). */
void ike_gpol_moved(struct ike_gpol *g, const struct ike_sa *sa);
void ike_gpol_free_all(struct ike *eng);

/* modecfg.c: mode-config, IKE-version-neutral. */
struct ike_modecfg {
	struct net_addr addr; /* family 0: none */
	uint8_t plen;	      /* address-prefix-length, 0: not set */
	size_t ndns, nsplit;
	struct conf_addr dns[IKE_MODECFG_MAX_DNS];
	struct conf_addr split[IKE_MODECFG_MAX_SPLIT];
};
void ike_modecfg_load_system_dns(struct ike *eng);
/* What gateway mode-config mc gives sa's client: DNS and split networks, and with want4
 * or want6 an address leased for sa->remote_id (sa->vip, released with the SA). 0, or
 * -ENOENT / -ENOSPC / -ENOMEM (logged) when no address could be leased. */
int ike_modecfg_serve(struct ike_sa *sa, const struct conf_item *mc, bool want4, bool want6,
		      struct ike_modecfg *out);
/* Gives sa's leased address back (the SA goes). */
void ike_modecfg_release(struct ike_sa *sa);

/* Whether the SA's ESP goes in UDP: only when a NAT was detected, never merely because
 * IKE moved to the NAT-T port. */
static inline bool ike_sa_udp_encap(const struct ike_sa *sa)
{
	return sa->nat_here || sa->nat_there;
}

#endif
