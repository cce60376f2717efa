/* wire ikev1 internal: what the IKEv1 decoder's two files and the encoder share (RFC 2408 3).
 * Nothing here is for other modules. */
#ifndef IPSECD_WIRE_IKEV1_INTERNAL_H
#define IPSECD_WIRE_IKEV1_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipsecd/wire_v1.h"

#define IKEV1_GEN_HDR_LEN   4  /* next payload, reserved, payload length (RFC 2408 3.2) */
#define IKEV1_HDR_NEXT_OFF  16 /* header: offset of the first payload's type */
#define IKEV1_HDR_LEN_OFF   24 /* header: offset of the message length */
#define IKEV1_FLAGS_KNOWN   (IKEV1_FLAG_ENCRYPTION | IKEV1_FLAG_COMMIT | IKEV1_FLAG_AUTH_ONLY)
#define IKEV1_PROP_HDR_LEN  8 /* RFC 2408 3.5, without the SPI */
#define IKEV1_TRANS_HDR_LEN 8 /* RFC 2408 3.6 */

/* Records why m is refused and returns err. */
int ikev1_fail(struct ikev1_msg *m, int err, uint16_t notify, const char *why);

/* ikev1_decode_sa.c: the SA payload (proposals, transforms, attributes) and the ATTR
 * payload's attribute list. Each returns 0 or a refusal recorded in m. */
bool ikev1_take(struct rbuf *b, size_t n, struct wire_bytes *out);
bool ikev1_rest(struct rbuf *b, struct wire_bytes *out);
bool ikev1_dec_attr(struct rbuf *b, struct ikev1_attr *a);
int ikev1_dec_sa(struct rbuf *b, struct ikev1_msg *m);
int ikev1_dec_cfg(struct rbuf *b, struct ikev1_msg *m);

#endif
