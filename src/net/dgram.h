/* dgram: what a datagram received on an IKE socket is (src/net/dgram.c). Internal to src/net;
 * the unit test calls it directly, since some cases cannot be produced over loopback. */
#ifndef IPSECD_NET_DGRAM_H
#define IPSECD_NET_DGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_DGRAM_MAX	  65535 /* largest datagram accepted */
#define NET_IKE_HDR_LEN	  28	/* RFC 7296 3.1 (the same for IKEv1) */
#define NET_NON_ESP_LEN	  4	/* RFC 3948 2.2: the zero marker before IKE on 4500 */
#define NET_KEEPALIVE_LEN 1	/* RFC 3948 2.3: one byte 0xFF */

enum net_dgram {
	NET_DGRAM_IKE,	     /* an IKE message */
	NET_DGRAM_SHORT,     /* shorter than an IKE header (after the marker) */
	NET_DGRAM_LONG,	     /* longer than NET_DGRAM_MAX */
	NET_DGRAM_NO_MARKER, /* NAT-T: neither the marker nor a keepalive */
	NET_DGRAM_KEEPALIVE, /* NAT-T: a NAT keepalive */
};

/* Classifies a datagram of len bytes that arrived on the IKE (natt false) or NAT-T port; for
 * NET_DGRAM_IKE, *off is where the IKE message starts. len may exceed what data holds when it
 * is above NET_DGRAM_MAX (a truncated read): then data is not read. */
enum net_dgram net_dgram_classify(bool natt, const uint8_t *data, size_t len, size_t *off);

#endif
