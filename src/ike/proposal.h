/* proposal: IKEv2 SA payload offers built from the configuration (a profile for the IKE SA,
 * a proposal for CHILD SAs), the responder's choice by its own preference (RFC 7296 2.7),
 * the initiator's check of the answer (3.3.6), and the names of transforms for logs and
 * for the kernel (algs.c). Pure: crypto support comes in through a callback. */
#ifndef IPSECD_IKE_PROPOSAL_H
#define IPSECD_IKE_PROPOSAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipsecd/conf.h"
#include "ipsecd/kern_alg.h"
#include "ipsecd/wire.h"

/* The ENCR transform ids we name (IANA IKEv2 Transform Type 1). */
enum ike_encr_id {
	IKE_ENCR_DES = 2,
	IKE_ENCR_3DES = 3,
	IKE_ENCR_BLOWFISH = 7,
	IKE_ENCR_NULL = 11,
	IKE_ENCR_AES_CBC = 12,
	IKE_ENCR_AES_CTR = 13,
	IKE_ENCR_AES_GCM_8 = 18,
	IKE_ENCR_AES_GCM_12 = 19,
	IKE_ENCR_AES_GCM_16 = 20,
	IKE_ENCR_CAMELLIA_CBC = 23,
};

struct ike_chosen {    /* one negotiated proposal */
	uint8_t proto; /* IKEV2_PROTO_* */
	uint8_t num;   /* the proposal number it came from (for the reply) */
	uint8_t spi_size;
	uint64_t spi; /* the other side's SPI from that proposal */
	/* 0 = not present (integ 0 with AEAD; dh 0 without PFS) */
	uint16_t encr, encr_keylen, prf, integ, dh, esn;
};

/* Whether this machine can do a transform (crypto for the IKE SA, the kernel for CHILD
 * SAs); NULL: everything. */
typedef bool (*ike_supported_fn)(uint8_t type, uint16_t id, uint16_t keylen);

/* Our IKE SA offer from a profile item (CONF_M_PROFILE): one proposal with every
 * enc-algorithm (ENCR and key length), the hash-algorithm as PRF and as INTEG, and every
 * dh-group, in the profile's order; the AES-GCM ciphers go in a proposal of their own
 * without INTEG (RFC 5282 8). Proposals are numbered from 1; SPIs are left 0 for the
 * caller. 0, or -EINVAL with err (a sentence naming the profile) when an algorithm has
 * no IKEv2 transform or `ok` refuses it. */
int ike_offer_ike(const struct conf_item *profile, ike_supported_fn ok, struct ikev2_sa *out,
		  char *err, size_t errlen);
/* Our CHILD SA offer from a proposal item (CONF_M_PROPOSAL) for IKEV2_PROTO_ESP or _AH.
 * ESP: a proposal of the non-AEAD enc-algorithms with the auth-algorithms as INTEG ("null"
 * gives none), and one of the AES-GCM ciphers without INTEG; AH: the auth-algorithms
 * only. with_pfs adds the pfs-group as DH (-EINVAL when it is none). Every proposal ends
 * with ESN NO_ESN (0). 0, or -EINVAL with err as for ike_offer_ike(). */
int ike_offer_child(const struct conf_item *proposal, uint8_t proto, bool with_pfs,
		    ike_supported_fn ok, struct ikev2_sa *out, char *err, size_t errlen);
/* Replaces the DH transforms of every proposal of an offer that has any with the one
 * group (a CHILD SA offer retried after INVALID_KE_PAYLOAD, RFC 7296 1.3). */
void ike_offer_set_dh(struct ikev2_sa *offer, uint16_t group);
/* The group an initiator's KE uses: the first DH transform of the offer; 0 if none. */
uint16_t ike_offer_dh(const struct ikev2_sa *offer);

/* Responder: our first proposal (in our order, and our transform order within it) that
 * one of theirs of the same protocol can meet (RFC 7296 2.7). A type one side leaves out
 * counts as NONE (id 0), which meets only NONE (3.3.3: INTEG with AEAD, DH without PFS,
 * ESN). Their transforms with an attribute we do not understand are skipped, their
 * proposals with a transform type we do not know are refused (3.3.6). prefer_dh: the
 * group of the peer's KE payload (0: none); a match using it beats an earlier one that
 * would force INVALID_KE_PAYLOAD. 0, or -ENOENT (NO_PROPOSAL_CHOSEN). */
int ike_choose(const struct ikev2_sa *ours, const struct ikev2_sa *theirs, uint16_t prefer_dh,
	       struct ike_chosen *out);
/* Initiator: the reply must hold exactly one proposal, at most one transform of each known
 * type and no unknown attribute, all offered together in our proposal of that number (or,
 * tolerated, in any of ours of that protocol). 0, or -EBADMSG. */
int ike_accept(const struct ikev2_sa *ours, const struct ikev2_sa *reply, struct ike_chosen *out);
/* The one-proposal SA payload of a choice, with spi_size and spi as given (our SPI, for
 * the reply); ESP and AH carry their ESN transform. */
void ike_chosen_to_sa(const struct ike_chosen *c, uint8_t spi_size, uint64_t spi,
		      struct ikev2_sa *out);

/* Human forms for logs, e.g. "aes-256-cbc|aes-128-cbc/sha256/modp2048, aes-256-gcm/
 * sha256/modp2048": per proposal enc/integ/dh ('/' between types, '|' between the
 * alternatives of one type, ", " between proposals); the PRF stands in for a missing
 * INTEG, and is added as "prf-<name>" when it differs from it; ESN shows only when more
 * than NO_ESN is offered; AH proposals start "ah:". Like snprintf: always terminated
 * when len > 0, returns the length the whole text needs. */
size_t ike_offer_str(const struct ikev2_sa *sa, char *buf, size_t len);
size_t ike_chosen_str(const struct ike_chosen *c, char *buf, size_t len);

/* --- algs.c --- */

/* The kernel algorithm (kern_alg.h) of a chosen ESP/AH transform; NULL if none. */
const struct kern_alg *ike_kern_enc(uint16_t encr, uint16_t keylen);
const struct kern_alg *ike_kern_integ(uint16_t integ);
/* Name of a transform for logs: "aes-256-cbc", "sha256", "modp2048", "aes-128-gcm"; an
 * unknown one as its numbers ("encr-99-128") in a static buffer the next call reuses. */
const char *ike_transform_name(uint8_t type, uint16_t id, uint16_t keylen);
/* DH group id of a configuration name ("modp2048" -> 14); 0 if unknown or "none". */
uint16_t ike_dh_id(const char *name);
/* The IKEv2 transform of a configuration name for a transform type: true with *id and
 * *keylen set ("aes-256" and "aes-256-cbc" -> 12/256; INTEG "null" -> 0, meaning no
 * INTEG transform); false when the name has none (twofish). */
bool ike_alg_id(uint8_t type, const char *name, uint16_t *id, uint16_t *keylen);
/* Whether an ENCR id is an AEAD cipher (AES-GCM, RFC 4106, RFC 5282). */
bool ike_encr_is_aead(uint16_t id);

#endif
