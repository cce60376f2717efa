/* wire internal: wire-format constants the IKEv2 decoder, encoder and payload rules share
 * (RFC 7296 3). Nothing here is for other modules. */
#ifndef IPSECD_WIRE_INTERNAL_H
#define IPSECD_WIRE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipsecd/wire.h"

#define IKEV2_GEN_HDR_LEN  4	/* next payload, critical/reserved, payload length */
#define IKEV2_CRITICAL	   0x80 /* RFC 7296 3.2 */
#define IKEV2_HDR_NEXT_OFF 16	/* header: offset of the first payload's type */
#define IKEV2_HDR_LEN_OFF  24	/* header: offset of the message length */
#define IKEV2_FLAGS_KNOWN  (IKEV2_FLAG_INITIATOR | IKEV2_FLAG_VERSION | IKEV2_FLAG_RESPONSE)

/* RFC 7296 3.3.1, 3.3.2: the Last Substruc byte of proposals and transforms. */
#define IKEV2_PROP_MORE	    2
#define IKEV2_TRANS_MORE    3
#define IKEV2_PROP_HDR_LEN  8
#define IKEV2_TRANS_HDR_LEN 8

/* RFC 7296 3.3.5: attribute format bit (TV) and the one attribute type defined. */
#define IKEV2_ATTR_TV	      0x8000
#define IKEV2_ATTR_KEY_LENGTH 14

/* RFC 7296 3.13.1: selector lengths of the two address-range types. */
#define IKEV2_TS_HDR_LEN 4
#define IKEV2_TS4_LEN	 16
#define IKEV2_TS6_LEN	 40

#define IKEV2_CP_R_BIT 0x8000 /* RFC 7296 3.15.1: reserved bit of the attribute type */

/* Bit of payload type t in struct ikev2_msg.present. */
#define IKEV2_BIT(t) (UINT32_C(1) << ((t)-32))

/* ikev2_decode_sub.c: byte strings off a reader, and the payloads made of substructures.
 * Each returns 0, -EBADMSG or -E2BIG and may leave its output half filled on error. */
bool ikev2_take(struct rbuf *b, size_t n, struct wire_bytes *out);
bool ikev2_rest(struct rbuf *b, struct wire_bytes *out);
int ikev2_dec_sa(struct rbuf *b, struct ikev2_sa *sa);
int ikev2_dec_ts(struct rbuf *b, struct ikev2_ts_set *s);
int ikev2_dec_cp(struct rbuf *b, struct ikev2_cp *cp);

#endif
