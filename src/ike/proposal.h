/* proposal: IKEv2 SA payload offers built from the configuration (profile for the IKE
 * SA, proposal for CHILD SAs), the responder's choice by its own preference (RFC 7296
 * 2.7), the initiator's check of the answer, and names for logs. Pure. */
#ifndef IPSECD_IKE_PROPOSAL_H
#define IPSECD_IKE_PROPOSAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipsecd/conf.h"
#include "ipsecd/kern_alg.h"
#include "ipsecd/wire.h"

struct ike_chosen {    /* one negotiated proposal */
	uint8_t proto; /* IKEV2_PROTO_* */
	uint8_t num;   /* the proposal number it came from */
	uint8_t spi_size;
	uint64_t spi; /* the other side's SPI from that proposal */
	uint16_t encr, encr_keylen, prf, integ, dh, esn; /* 0: not present */
};

/* Whether the machine can do a transform; NULL: everything. */
typedef bool (*ike_supported_fn)(uint8_t type, uint16_t id, uint16_t keylen);

/* The IKE SA offer of a profile item: one proposal with the profile's ciphers, hashes (as
 * PRF and integrity) and groups in its order; AES-GCM ciphers in a second proposal
 * without integrity (RFC 5282 8). 0, or -EINVAL with err set. */
int ike_offer_ike(const struct conf_item *profile, ike_supported_fn ok, struct ikev2_sa *out,
		  char *err, size_t errlen);
/* The CHILD SA offer of a proposal item for IKEV2_PROTO_ESP or _AH; with_pfs adds its
 * pfs-group. */
int ike_offer_child(const struct conf_item *proposal, uint8_t proto, bool with_pfs,
		    ike_supported_fn ok, struct ikev2_sa *out, char *err, size_t errlen);
/* Responder: our first proposal (in our order, and our transform order within it) that
 * one of theirs of the same protocol can meet. prefer_dh: the peer's KE group, chosen
 * when acceptable. 0 or -ENOENT. */
int ike_choose(const struct ikev2_sa *ours, const struct ikev2_sa *theirs, uint16_t prefer_dh,
	       struct ike_chosen *out);
/* Initiator: the reply holds one proposal with one transform of each type, all offered
 * together in one of ours. 0 or -EBADMSG. */
int ike_accept(const struct ikev2_sa *ours, const struct ikev2_sa *reply, struct ike_chosen *out);
void ike_chosen_to_sa(const struct ike_chosen *c, uint8_t spi_size, uint64_t spi,
		      struct ikev2_sa *out);
size_t ike_offer_str(const struct ikev2_sa *sa, char *buf, size_t len);
size_t ike_chosen_str(const struct ike_chosen *c, char *buf, size_t len);
const struct kern_alg *ike_kern_enc(uint16_t encr, uint16_t keylen);
const struct kern_alg *ike_kern_integ(uint16_t integ);
const char *ike_transform_name(uint8_t type, uint16_t id, uint16_t keylen);
uint16_t ike_dh_id(const char *name);

#endif
