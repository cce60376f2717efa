/* prop1: IKEv1 SA payloads from the configuration and the choice between them (RFC 2409
 * 5, RFC 2407 4.5). The IKEv2 offers of proposal.c (a profile's, a proposal item's) are
 * translated to IKEv1's form, one transform per combination of algorithms, and a choice
 * comes back as a struct ike_chosen in IKEv2 numbering, so that the kernel and crypto
 * mappings (algs.c) serve both versions. Pure: crypto and kernel support come in through
 * the same callback as for IKEv2. */
#ifndef IPSECD_IKEV1_PROP1_H
#define IPSECD_IKEV1_PROP1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../proposal.h"
#include "ipsecd/conf.h"
#include "ipsecd/wire_v1.h"

/* An SA payload we build (our offers, the quick mode reply) with the bytes its TLV
 * attributes point to: struct ikev1_sa holds only pointers, and a lifetime over 65535 goes
 * as a 4-byte TLV (RFC 2408 3.3; one that fits goes as TV). Every transform of one offer
 * carries the same lifetimes, so two values are all it needs. Keep it in one place while
 * sa is in use: a copy's attributes still point into the original. */
struct ikev1_sa_buf {
	struct ikev1_sa sa;
	uint8_t life[2][4]; /* network order: seconds, kilobytes */
};

/* --- phase 1 (the ISAKMP SA) --- */

/* Our phase 1 offer from a profile: one proposal (KEY_IKE) with a transform for each
 * enc-algorithm x dh-group (hash-algorithm as Hash, its HMAC the PRF), in the profile's
 * order, each with Authentication Method auth_method (enum ikev1_auth_method) and Life
 * Type seconds / Life Duration the profile's lifetime (and kilobytes, the profile's
 * lifebytes rounded up, when set: the seed's "added to proposal"). AES-GCM is refused:
 * IKEv1 has no AEAD cipher for the ISAKMP SA. 0, or -EINVAL with err when an
 * algorithm has no IKEv1 value or `ok` refuses it. */
int ikev1_offer_p1(const struct conf_item *profile, uint16_t auth_method, ike_supported_fn ok,
		   struct ikev1_sa_buf *out, char *err, size_t errlen);
/* Responder: the first of their transforms (in their order, as RFC 2409 lets the
 * responder pick and as peers expect) that ours hold with the same auth_method; a
 * transform with an attribute we do not know or a group given other than by Group
 * Description is skipped. *chosen (IKEv2 numbering: encr, encr_keylen, prf, dh; num =
 * their transform number), *life (seconds; 0: not given), *trans (its index in theirs,
 * for the reply). 0, or -ENOENT (NO-PROPOSAL-CHOSEN). proposal-check does not apply to
 * phase 1 in RouterOS: their lifetime is taken when shorter. */
int ikev1_choose_p1(const struct ikev1_sa *ours, const struct ikev1_sa *theirs,
		    uint16_t auth_method, struct ike_chosen *chosen, uint32_t *life,
		    unsigned *trans);
/* A human form of the phase 1 transforms of sa, for logs, e.g. "aes-128-cbc/sha1/modp1024,
 * aes-256-cbc/sha256/modp2048" (an authentication method other than a pre-shared key is
 * added in parentheses). Like snprintf: terminated when len > 0, returns the length the
 * whole text needs. */
size_t ikev1_p1_str(const struct ikev1_sa *sa, char *buf, size_t len);
/* Initiator: the reply holds one proposal with one transform, which we offered. */
int ikev1_accept_p1(const struct ikev1_sa *ours, const struct ikev1_sa *reply,
		    struct ike_chosen *chosen, uint32_t *life);
/* The responder's reply: their SA with only the chosen proposal and transform (RFC 2409
 * 5: the responder returns the transform it chose, attributes as they sent them: out's
 * byte strings point where theirs do). */
void ikev1_reply_p1(const struct ikev1_sa *theirs, unsigned trans, struct ikev1_sa *out);

/* --- phase 2 (quick mode) --- */

/* How ESP/AH go: tunnel or transport, UDP-encapsulated when a NAT was found (RFC 3947
 * values, or the draft ones when the peer spoke a draft). */
struct ikev1_mode {
	bool tunnel;
	bool udp;
	bool draft; /* draft-ietf-ipsec-nat-t-ike-02/03 encapsulation values */
};

/* Our quick mode offer from a proposal item for ESP (or AH): a proposal of protocol ESP
 * with SPI spi (host order; sent as 4 bytes in network order), a transform for each enc-algorithm x
 * auth-algorithm, each with Encapsulation Mode, Authentication Algorithm (none with
 * AES-GCM), Key Length, SA Life Type seconds / Duration the proposal's lifetime (and,
 * when the proposal has lifebytes, kilobytes), and Group Description the pfs-group when
 * with_pfs. 0, or -EINVAL with err. */
int ikev1_offer_p2(const struct conf_item *proposal, uint8_t proto, bool with_pfs,
		   const struct ikev1_mode *mode, uint32_t spi, ike_supported_fn ok,
		   struct ikev1_sa_buf *out, char *err, size_t errlen);
/* proposal-check (profile): how the responder treats the initiator's lifetime. */
enum ikev1_life_check {
	IKEV1_CHECK_OBEY,
	IKEV1_CHECK_CLAIM,
	IKEV1_CHECK_STRICT,
	IKEV1_CHECK_EXACT
};
enum ikev1_life_check ikev1_life_check_of(const struct conf_item *profile);
/* Responder: their first transform ours hold (algorithms, mode, PFS group pfs (0: none)),
 * and the lifetime: obey takes theirs; claim takes the shorter and sets *responder_life
 * when ours is shorter (RESPONDER-LIFETIME); strict refuses a longer one and takes a
 * shorter; exact refuses any other (their lifetime when they give none: RFC 2407 4.5's
 * 28800 s; a kilobytes lifetime is accepted as it is, the configuration has none). PFS:
 * with pfs, their group must be pfs; without, a group they propose is taken when crypto
 * can do it (RouterOS's IKEv1 follows racoon here), except under exact, which wants the
 * same (none). *chosen (IKEv2 numbering; spi = their SPI; num = their transform number,
 * as in phase 1), *life (seconds), *trans. 0, or -ENOENT with why (a short reason for the
 * log: what they proposed and what we accept). */
int ikev1_choose_p2(const struct ikev1_sa *ours, const struct ikev1_sa *theirs,
		    const struct ikev1_mode *mode, uint16_t pfs, enum ikev1_life_check check,
		    struct ike_chosen *chosen, uint32_t *life, bool *responder_life,
		    unsigned *trans, char *why, size_t whylen);
/* Initiator: one proposal, one transform, one we offered; *life the lifetime in it (a
 * RESPONDER-LIFETIME notify may lower it further: the caller's). */
int ikev1_accept_p2(const struct ikev1_sa *ours, const struct ikev1_sa *reply,
		    struct ike_chosen *chosen, uint32_t *life);
/* The responder's reply: the chosen proposal and transform of theirs, our SPI in it, and
 * the lifetime life (seconds) when it differs from theirs (0: theirs as they sent it). */
void ikev1_reply_p2(const struct ikev1_sa *theirs, unsigned trans, uint32_t spi, uint32_t life,
		    struct ikev1_sa_buf *out);

#endif
