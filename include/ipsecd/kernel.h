/* kernel: the Linux XFRM layer over netlink (DESIGN.md §5). SAs and policies are added,
 * updated and deleted through a request queue whose answers come back asynchronously
 * (pipelined: many requests in flight, one callback each); dumps are synchronous because
 * only ipsecctl and start/stop need them; kernel events (ACQUIRE, EXPIRE, MAPPING, and
 * deletions done by others) are handed to struct kern_events.
 *
 * Ownership: every policy ipsecd installs has an index in KERN_SP_INDEX_OWN's range and
 * every SA a reqid in KERN_REQID_OWN's, so that ipsecd finds its own leftovers and never
 * touches entries it did not create.
 *
 * The IKE engines and the daemon call this module only; nothing else includes libnl. */
#ifndef IPSECD_KERNEL_H
#define IPSECD_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipsecd/kern_alg.h"

/* Policy indexes: the kernel keeps the low 3 bits for the direction. ipsecd's are
 * KERN_SP_INDEX_OWN | slot << 3 | dir, with slot < 2^24. */
#define KERN_SP_INDEX_OWN  0x49000000u
#define KERN_SP_INDEX_MASK 0xff000000u
/* Reqids: KERN_REQID_OWN | n, n < 2^24. */
#define KERN_REQID_OWN	0x49000000u
#define KERN_REQID_MASK 0xff000000u

static inline bool kern_sp_index_ours(uint32_t index)
{
	return (index & KERN_SP_INDEX_MASK) == KERN_SP_INDEX_OWN;
}

static inline bool kern_reqid_ours(uint32_t reqid)
{
	return (reqid & KERN_REQID_MASK) == KERN_REQID_OWN;
}

struct kern_addr {
	uint8_t family; /* AF_INET, AF_INET6; 0 = none */
	uint8_t bytes[16];
};

/* A traffic selector: what a policy or an SA applies to. */
struct kern_sel {
	uint8_t family;
	uint8_t src_plen, dst_plen;
	uint8_t proto; /* IPPROTO_*; 0 = any */
	uint8_t src[16], dst[16];
	uint16_t sport, dport; /* host order; 0 = any */
};

enum kern_dir { KERN_DIR_IN = 0, KERN_DIR_OUT = 1, KERN_DIR_FWD = 2 };

enum kern_level {
	KERN_LEVEL_REQUIRE, /* no SA: the packet waits for one (ACQUIRE) */
	KERN_LEVEL_USE,	    /* no SA: the packet goes out in the clear */
	KERN_LEVEL_UNIQUE,  /* like require, with SAs of its own (unique reqid) */
};

/* One transform of a policy: which protocol, in which mode, between which ends. */
struct kern_tmpl {
	uint8_t proto; /* IPPROTO_ESP or IPPROTO_AH */
	bool tunnel;
	enum kern_level level;
	uint32_t reqid;
	struct kern_addr src, dst; /* tunnel ends; unset in transport mode */
};

struct kern_sp {
	struct kern_sel sel;
	enum kern_dir dir;
	bool block;	   /* action=discard */
	uint32_t priority; /* lower wins */
	uint32_t index;	   /* 0: the kernel picks one (never for ipsecd's own) */
	uint8_t ntmpl;	   /* 0 with !block: action=none (allow) */
	struct kern_tmpl tmpl[2];
	/* filled by dumps */
	uint64_t add_time, use_time;
};

/* Identifies an SA: destination, protocol and SPI (network order on the wire, host here). */
struct kern_sa_id {
	struct kern_addr dst;
	uint8_t proto;
	uint32_t spi;
};

struct kern_lifetime {
	uint64_t soft_bytes, hard_bytes; /* 0: no limit */
	uint64_t soft_add, hard_add;	 /* seconds from installation; 0: none */
	uint64_t soft_use, hard_use;	 /* seconds from first use; 0: none */
};

struct kern_key {
	uint8_t len; /* bytes */
	uint8_t bytes[64];
};

struct kern_sa {
	struct kern_sa_id id;
	struct kern_addr src;
	uint32_t reqid;
	bool tunnel;
	struct kern_sel sel;	     /* family 0: any of src's family */
	const struct kern_alg *enc;  /* ENC or AEAD; NULL for AH */
	const struct kern_alg *auth; /* NULL with AEAD or for ESP without integrity */
	struct kern_key enc_key, auth_key;
	uint32_t replay_window; /* packets; 0 = no anti-replay */
	bool esn;
	struct kern_lifetime lft;
	uint16_t encap_sport, encap_dport; /* UDP encapsulation (NAT-T) when both set */
};

/* What a dump says of an installed SA, beyond struct kern_sa. */
struct kern_sa_info {
	struct kern_sa sa;
	char enc_kname[64], auth_kname[64]; /* the kernel's names */
	unsigned enc_key_bits;
	bool larval; /* an ACQUIRE placeholder: no keys yet */
	uint64_t cur_bytes, cur_packets, add_time, use_time;
	uint32_t replay_seen;
	uint32_t stats_replay, stats_integrity_failed;
};

/* An ACQUIRE: the policy (index, direction) and the template that needs an SA. */
struct kern_acquire {
	uint32_t sp_index;
	enum kern_dir dir;
	struct kern_sel sel;
	struct kern_tmpl tmpl;
	struct kern_addr src, dst; /* the packet's */
};

struct kern_events {
	void (*acquire)(void *arg, const struct kern_acquire *a);
	void (*expire)(void *arg, const struct kern_sa_id *id, uint32_t reqid, bool hard);
	void (*mapping)(void *arg, const struct kern_sa_id *id, const struct kern_addr *addr,
			uint16_t port);
	/* Done by someone else (ip xfrm, another daemon) or by the kernel's expiry. */
	void (*sa_deleted)(void *arg, const struct kern_sa_id *id, uint32_t reqid);
	void (*sp_deleted)(void *arg, uint32_t index, enum kern_dir dir);
	void (*flushed)(void *arg, bool sad);
	void *arg;
};

struct kern;

/* err: 0 or a negative errno from the kernel; msg: a sentence a human can act on when
 * err != 0 (e.g. "this kernel has no rfc4106(gcm(aes)); ..."), else NULL. */
typedef void (*kern_done_fn)(void *arg, int err, const char *msg);
typedef void (*kern_spi_fn)(void *arg, int err, uint32_t spi);
typedef void (*kern_sa_fn)(void *arg, const struct kern_sa_info *sa);
typedef void (*kern_sp_fn)(void *arg, const struct kern_sp *sp);

/* Opens the netlink sockets (request, dump, events). ev may be NULL. Returns NULL with
 * err (if given) holding -errno. */
struct kern *kern_open(const struct kern_events *ev, int *err);
void kern_close(struct kern *k);

/* The descriptors the caller watches for reading, and what it calls when they are
 * readable: answers are matched to requests (callbacks run), and queued requests are
 * sent as the window opens. */
int kern_request_fd(const struct kern *k);
int kern_event_fd(const struct kern *k);
void kern_on_request_ready(struct kern *k);
void kern_on_event_ready(struct kern *k);

/* Requests: queued, sent in windows, answered through done (which may be NULL). The SA
 * messages carry keys and are wiped before they are freed. update: replace an existing
 * entry (XFRM_MSG_UPD*) rather than fail with -EEXIST. */
void kern_sa_add(struct kern *k, const struct kern_sa *sa, bool update, kern_done_fn done,
		 void *arg);
void kern_sa_del(struct kern *k, const struct kern_sa_id *id, kern_done_fn done, void *arg);
void kern_sp_add(struct kern *k, const struct kern_sp *sp, bool update, kern_done_fn done,
		 void *arg);
void kern_sp_del(struct kern *k, const struct kern_sp *sp, kern_done_fn done, void *arg);
/* XFRM_MSG_ALLOCSPI: a larval SA from src to dst with a fresh SPI in min..max. */
void kern_alloc_spi(struct kern *k, const struct kern_addr *src, const struct kern_addr *dst,
		    uint8_t proto, uint32_t reqid, uint32_t min, uint32_t max, kern_spi_fn done,
		    void *arg);
/* An address on an interface (RTM_NEWADDR / RTM_DELADDR over NETLINK_ROUTE): a
 * mode-config client's address, on the interface towards its gateway while the IKE SA
 * lives. Adding one already there replaces it. done as for the requests above; it runs
 * before the call returns (rtnetlink answers within the send). */
void kern_ifaddr_add(struct kern *k, int ifindex, const struct kern_addr *a, uint8_t plen,
		     kern_done_fn done, void *arg);
void kern_ifaddr_del(struct kern *k, int ifindex, const struct kern_addr *a, uint8_t plen,
		     kern_done_fn done, void *arg);
/* The index of the interface that holds local address `local`, or -ENOENT. */
int kern_ifindex_of(const struct kern_addr *local);
/* Routes and routing rules (RTM_NEWROUTE / RTM_NEWRULE over NETLINK_ROUTE): what sends a
 * mode-config client's own traffic from its address, so that its policies see it. Every
 * route and rule ipsecd adds carries protocol KERN_RTPROT_OWN, and removals name it, so
 * that ipsecd never removes what it did not add. */
#define KERN_RTPROT_OWN 0x49 /* rtm_protocol / FRA_PROTOCOL: "ipsecd" */

struct kern_route {
	struct kern_addr dst; /* the network routed */
	uint8_t plen;
	struct kern_addr src;	  /* preferred source (RTA_PREFSRC); family 0: the kernel's */
	struct kern_addr gateway; /* next hop; family 0: on the link (or of another family) */
	int ifindex;		  /* the interface out */
	uint32_t table;
};

/* Adds (replacing the same route if it is there) or removes r; done as for kern_ifaddr_add,
 * before the call returns. */
void kern_route_add(struct kern *k, const struct kern_route *r, kern_done_fn done, void *arg);
void kern_route_del(struct kern *k, const struct kern_route *r, kern_done_fn done, void *arg);
/* The rule "priority PRIORITY from all lookup TABLE", for IPv4 and IPv6: ensured (one rule
 * however often asked for) or removed. 0 or -errno; a kernel without IPv6 is no error. */
int kern_rule_ensure(struct kern *k, uint32_t table, uint32_t priority);
int kern_rule_remove(struct kern *k, uint32_t table, uint32_t priority);
/* How the kernel would reach dst now (RTM_GETROUTE): the next hop (family 0 when dst is
 * on the link), the interface and the source it would pick. Synchronous, on a socket of
 * its own. 0 or -errno (-ENETUNREACH: no route). */
int kern_route_get(const struct kern_addr *dst, struct kern_addr *gateway, int *ifindex,
		   struct kern_addr *src);
/* Sends what is queued (requests also go out on their own once 64 wait). */
void kern_commit(struct kern *k);
/* Requests queued or in flight. */
size_t kern_pending(const struct kern *k);
/* Blocks until every request is answered or timeout_ms passes. Returns 0 or -ETIMEDOUT. */
int kern_wait(struct kern *k, int timeout_ms);

/* Dumps, synchronous. Keys in the struct handed to fn are wiped after fn returns.
 * Return 0 or -errno. */
int kern_sa_dump(struct kern *k, kern_sa_fn fn, void *arg);
int kern_sp_dump(struct kern *k, kern_sp_fn fn, void *arg);
/* One SA by its id, as the dump shows it (fn called once), synchronous too: 0, or
 * -ENOENT when the kernel has none. */
int kern_sa_get(struct kern *k, const struct kern_sa_id *id, kern_sa_fn fn, void *arg);

/* Exempts a UDP socket (IKE's) from the SPD in both directions (IP_XFRM_POLICY /
 * IPV6_XFRM_POLICY). Returns 0 or -errno. */
int kern_socket_bypass(int fd, int family);

/* Names for logs and ipsecctl: "esp", "in", "10.0.0.0/24". */
const char *kern_proto_name(uint8_t proto);
const char *kern_dir_name(enum kern_dir dir);
/* Formats an address (buf of 46 bytes at least); "any" for family 0. */
const char *kern_addr_str(const struct kern_addr *a, char *buf, size_t len);

#endif
