/* net: the IKE UDP sockets (DESIGN.md §4). Ports 500 and 4500 (NAT-T), IPv4 and IPv6, bound
 * to the wildcard address; every received datagram reports the local address it arrived on and
 * every send may choose its source address (IP_PKTINFO / IPV6_PKTINFO). On the NAT-T port IKE
 * is prefixed with the 4-byte non-ESP marker (RFC 3948 2.2, RFC 7296 2.23), removed here on
 * receive and added on send; the kernel decapsulates ESP-in-UDP on those sockets itself
 * (UDP_ENCAP_ESPINUDP). Each socket is exempted from the SPD (kern_socket_bypass).
 *
 * No event loop here: the daemon watches net_fds() for reading (level-triggered) and calls
 * net_on_ready(). */
#ifndef IPSECD_NET_H
#define IPSECD_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* At most this many fds from net_fds(): IKE and NAT-T, IPv4 and IPv6. */
#define NET_MAX_FDS 4
/* Datagrams handled per net_on_ready() call, so one busy socket cannot starve the loop; the
 * rest wait for the next (level-triggered) readiness. */
#define NET_RX_BATCH 256       /* datagrams read per readiness event, at most */
#define NET_RX_MMSG  32	       /* datagrams one recvmmsg reads */
#define NET_TX_MMSG  32	       /* datagrams one sendmmsg sends, at most */
#define NET_TX_SLOT  2048      /* longer ones are sent at once, not batched */
#define NET_RCVBUF   (8 << 20) /* socket receive buffer, bytes (the kernel doubles it) */
#define NET_SNDBUF   (1 << 20)

struct net;

/* An address with port. */
struct net_addr {
	uint8_t family; /* AF_INET / AF_INET6; 0 = none */
	uint16_t port;	/* host order */
	uint8_t bytes[16];
};

/* One received IKE message. */
struct net_pkt {
	const uint8_t *data; /* IKE message (marker stripped), valid during the callback only */
	size_t len;	     /* >= 28, the IKE header */
	struct net_addr local, remote;
	bool natt; /* arrived on the NAT-T port */
};

/* Must not call net_close(); may call net_send(). */
typedef void (*net_recv_fn)(void *arg, const struct net_pkt *p);

struct net_stats {
	uint64_t rx, tx;	     /* IKE messages handed to the callback / sent */
	uint64_t rx_bytes, tx_bytes; /* their lengths, without the non-ESP marker */
	uint64_t dropped_short;	     /* shorter than an IKE header (28 bytes) */
	uint64_t dropped_long;	     /* longer than 65535 bytes */
	uint64_t dropped_no_marker;  /* on the NAT-T port, neither marker nor keepalive */
	/* NAT keepalives received: 0 while UDP_ENCAP is on, as the kernel drops them itself */
	uint64_t keepalives_rx;
	uint64_t keepalives_tx; /* NAT keepalives sent (not counted in tx) */
	uint64_t send_errors;	/* failed sends, IKE or keepalive */
	uint64_t rx_errors;	/* recvmsg failures, datagrams without pktinfo */
};

enum {
	/* A failing kern_socket_bypass() (no XFRM, no CAP_NET_ADMIN) is ignored: for tests. */
	NET_BYPASS_OPTIONAL = 1,
};

/* Opens the four sockets (two when the kernel has no IPv6 at all: EAFNOSUPPORT).
 * ike_port/natt_port: 500/4500 normally; 0 = the kernel picks (see net_port()); they must
 * differ unless both are 0. fn(arg, pkt) is called for every IKE message received.
 * Returns a net the caller frees with net_close(), or NULL with *err = -errno and a message
 * in errbuf naming the socket and port ("NAT-T socket IPv6 port 4500: bind: ..."). */
struct net *net_open(uint16_t ike_port, uint16_t natt_port, unsigned flags, net_recv_fn fn,
		     void *arg, int *err, char *errbuf, size_t errlen);
/* Closes the sockets and frees n. Accepts NULL. */
void net_close(struct net *n);
/* Stores the fds to watch for reading in fds (at most max; NET_MAX_FDS is enough) and
 * returns how many it stored. */
size_t net_fds(const struct net *n, int *fds, size_t max);
/* Call when fd is readable: reads up to NET_RX_BATCH datagrams, until EAGAIN, calling fn for
 * each IKE message and counting the rest. An fd that is not n's is ignored. */
void net_on_ready(struct net *n, int fd);
/* The bound port (host order) of the IKE or NAT-T sockets. */
uint16_t net_port(const struct net *n, bool natt);
/* Sends buf to remote from local (family must match remote's; local NULL or family 0 = the
 * kernel chooses; local's port is ignored: the source port is the socket's). natt: on the
 * NAT-T socket, prefixed with the non-ESP marker. Returns 0 or -errno (-EMSGSIZE when the
 * datagram would exceed 65535 bytes, -EAFNOSUPPORT without a socket for remote's family). */
int net_send(struct net *n, const struct net_addr *local, const struct net_addr *remote, bool natt,
	     const void *buf, size_t len);
/* Sends a NAT keepalive (RFC 3948 2.3: one byte 0xFF) on the NAT-T socket. 0 or -errno. */
int net_send_keepalive(struct net *n, const struct net_addr *local, const struct net_addr *remote);
const struct net_stats *net_stats(const struct net *n);

/* Conversions and names. An unknown family gives a zeroed net_addr (family 0). */
void net_addr_from_sockaddr(struct net_addr *a, const struct sockaddr *sa);
/* Fills ss and returns its length, or 0 for family 0. */
socklen_t net_addr_to_sockaddr(const struct net_addr *a, struct sockaddr_storage *ss);
/* "192.0.2.1[500]" / "2001:db8::1[4500]" / "%none"; returns buf. */
const char *net_addr_str(const struct net_addr *a, char *buf, size_t len);
/* Buffer size that holds any net_addr_str() result. */
#define NET_ADDR_STRLEN 56
/* Family, address and port equal. */
bool net_addr_eq(const struct net_addr *a, const struct net_addr *b);
/* Family and address equal, whatever the ports. */
bool net_addr_ip_eq(const struct net_addr *a, const struct net_addr *b);

#endif
