/* eap: the EAP codec (RFC 3748 4, 5) with the EAP-MSCHAPv2 framing
 * (draft-kamath-pppext-eap-mschapv2) and the EAP-TLS/PEAP/TTLS header and fragmentation
 * (RFC 5216 3.1-3.2), and EAP-MSCHAPv2 itself: the RFC 2759 computations, the RFC 3079 keys
 * and an authenticator and a peer state machine. The codec borrows the bytes it decodes;
 * the state machines keep what they need and wipe it. */
#ifndef IPSECD_EAP_H
#define IPSECD_EAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipsecd/buf.h"

enum eap_code { EAP_CODE_REQUEST = 1, EAP_CODE_RESPONSE, EAP_CODE_SUCCESS, EAP_CODE_FAILURE };

enum eap_type {
	EAP_T_IDENTITY = 1,
	EAP_T_NOTIFICATION = 2,
	EAP_T_NAK = 3,
	EAP_T_MD5 = 4,
	EAP_T_TLS = 13,
	EAP_T_TTLS = 21,
	EAP_T_PEAP = 25,
	EAP_T_MSCHAPV2 = 26,
	EAP_T_EXPANDED = 254,
};

#define EAP_HDR_LEN 4
#define EAP_MAX_LEN 65535

struct eap_bytes {
	const uint8_t *ptr;
	size_t len;
};

struct eap_pkt {
	uint8_t code, id;
	uint16_t len;
	uint8_t type;	    /* Request and Response only */
	uint32_t vendor_id; /* Expanded type (RFC 3748 5.7) */
	uint32_t vendor_type;
	struct eap_bytes data; /* after the type (or the expanded type's header) */
};

/* Structure only: a header whose Length covers at least itself (bytes past it are
 * ignored, RFC 3748 4.1), a type in Requests and Responses, 4 bytes for Success and
 * Failure. 0 or -EBADMSG. */
int eap_decode(const uint8_t *p, size_t len, struct eap_pkt *e);
/* A Request or Response of type with data; Success/Failure ignore type and data. */
void eap_encode(struct wbuf *w, uint8_t code, uint8_t id, uint8_t type, const void *data,
		size_t len);
void eap_put_identity(struct wbuf *w, uint8_t code, uint8_t id, const char *identity);
/* A Nak (RFC 3748 5.3.1) proposing types (n of them; none: type 0). */
void eap_put_nak(struct wbuf *w, uint8_t id, const uint8_t *types, size_t n);
const char *eap_type_name(uint8_t type);

/* --- EAP-MSCHAPv2 framing --- */

enum eap_ms_op {
	EAP_MS_CHALLENGE = 1,
	EAP_MS_RESPONSE = 2,
	EAP_MS_SUCCESS = 3,
	EAP_MS_FAILURE = 4,
	EAP_MS_CHANGE_PASSWORD = 7,
};

struct eap_mschapv2 {
	uint8_t op, ms_id;
	const uint8_t *challenge;      /* Challenge: 16 bytes */
	const uint8_t *peer_challenge; /* Response: 16, then 8 reserved, */
	const uint8_t *nt_response;    /* 24 bytes */
	uint8_t flags;
	struct eap_bytes name;	  /* Challenge, Response */
	struct eap_bytes message; /* Success/Failure Requests: "S=...", "E=..." */
};

/* An EAP-MSCHAPv2 Request or Response (type 26). A Success or Failure Response is the
 * OpCode alone. 0, -EBADMSG, or -ENOTSUP (Change-Password). */
int eap_mschapv2_decode(const struct eap_pkt *e, struct eap_mschapv2 *m);
void eap_put_ms_challenge(struct wbuf *w, uint8_t id, const uint8_t challenge[16],
			  const char *name);
void eap_put_ms_response(struct wbuf *w, uint8_t id, uint8_t ms_id, const uint8_t peer_chal[16],
			 const uint8_t nt_response[24], const char *name);
/* A Success or Failure Request carrying message. */
void eap_put_ms_result(struct wbuf *w, uint8_t id, uint8_t op, uint8_t ms_id, const char *message);
/* The peer's Success or Failure Response: the OpCode alone. */
void eap_put_ms_ack(struct wbuf *w, uint8_t id, uint8_t op);

/* --- EAP-TLS, PEAP and TTLS header (RFC 5216 3.1) --- */

#define EAP_TLS_L	0x80	    /* TLS Message Length present */
#define EAP_TLS_M	0x40	    /* more fragments follow */
#define EAP_TLS_S	0x20	    /* start */
#define EAP_TLS_VERSION 0x07	    /* PEAP and TTLS version bits */
#define EAP_TLS_MAX_MSG (64 * 1024) /* a reassembled TLS flight we accept */

struct eap_tls {
	uint8_t flags;
	uint32_t tls_len; /* when L */
	struct eap_bytes data;
};

/* The header of an EAP-TLS/PEAP/TTLS packet: flags, a Length that is not smaller than
 * this fragment when L is set, no more than EAP_TLS_MAX_MSG. 0 or -EBADMSG / -E2BIG. */
int eap_tls_decode(const struct eap_pkt *e, struct eap_tls *t);
/* One fragment of msg (len bytes) starting at *off, at most frag bytes of it: L on the
 * first of several, M while more follow; *off moves past it. */
void eap_put_tls_fragment(struct wbuf *w, uint8_t code, uint8_t id, uint8_t type, uint8_t version,
			  const uint8_t *msg, size_t len, size_t *off, size_t frag);

/* Reassembly of a fragmented flight. */
struct eap_tls_reasm {
	struct wbuf buf;
	uint32_t expect; /* from the first fragment's L, 0: unknown */
	bool active;
};
void eap_tls_reasm_init(struct eap_tls_reasm *r);
/* Adds a fragment. 1: complete (the flight in r->buf), 0: more expected (send an ACK),
 * -EBADMSG: inconsistent lengths, -E2BIG: past EAP_TLS_MAX_MSG. */
int eap_tls_reasm_add(struct eap_tls_reasm *r, const struct eap_tls *t);
void eap_tls_reasm_free(struct eap_tls_reasm *r);

/* --- MSCHAPv2 computations (RFC 2759 8, RFC 3079 3) --- */

/* NtPasswordHash: MD4 of the UTF-16LE password (from UTF-8). 0, -EINVAL (not UTF-8 or
 * longer than 256 characters) or -ENOPROTOOPT (no MD4: OpenSSL's legacy provider). */
int eap_ms_password_hash(const char *password, uint8_t out[16]);
/* ChallengeHash (8.2): SHA-1 of the challenges and the user name without its domain. */
int eap_ms_challenge_hash(const uint8_t peer_chal[16], const uint8_t auth_chal[16],
			  const char *user, uint8_t out[8]);
/* GenerateNTResponse (8.1) from the password's hash. */
int eap_ms_nt_response(const uint8_t auth_chal[16], const uint8_t peer_chal[16], const char *user,
		       const uint8_t pw_hash[16], uint8_t out[24]);
/* GenerateAuthenticatorResponse (8.7): "S=" and 40 upper-case hex digits, NUL-ended. */
int eap_ms_auth_response(const uint8_t pw_hash[16], const uint8_t nt_response[24],
			 const uint8_t peer_chal[16], const uint8_t auth_chal[16], const char *user,
			 char out[43]);
/* GetMasterKey (RFC 3079 3.4) and GetAsymmetricStartKey (16-byte keys). */
int eap_ms_master_key(const uint8_t pw_hash[16], const uint8_t nt_response[24], uint8_t out[16]);
int eap_ms_start_key(const uint8_t master[16], bool is_send, bool is_server, uint8_t out[16]);
/* The MSK both ends derive: the server's MS-MPPE-Recv-Key || MS-MPPE-Send-Key. */
#define EAP_MS_MSK_LEN 32
int eap_ms_msk(const uint8_t pw_hash[16], const uint8_t nt_response[24],
	       uint8_t out[EAP_MS_MSK_LEN]);

/* --- EAP-MSCHAPv2 state machines --- */

enum eap_status {
	EAP_ST_CONTINUE, /* out holds the next packet to send */
	EAP_ST_SUCCESS,	 /* authenticated; the MSK is ready (out: EAP-Success, authenticator) */
	EAP_ST_FAILURE,	 /* refused (out: EAP-Failure or nothing) */
};

struct eap_ms_auth; /* the authenticator: ipsecd checking an EAP client itself */
struct eap_ms_peer; /* the peer: ipsecd as EAP client */

/* The password of user, copied into pw (NUL-ended, at most len bytes); false: unknown. */
typedef bool (*eap_ms_password_fn)(void *arg, const char *user, char *pw, size_t len);

/* Owned by the caller, freed (wiped) with eap_ms_auth_free. NULL on allocation failure. */
struct eap_ms_auth *eap_ms_auth_new(const char *server_name, eap_ms_password_fn fn, void *arg);
void eap_ms_auth_free(struct eap_ms_auth *a);
/* The first Challenge, as EAP Request id. 0 or -EIO. */
int eap_ms_auth_start(struct eap_ms_auth *a, uint8_t id, struct wbuf *out);
/* One EAP Response from the peer. Negative for a packet that is not the expected one (the
 * caller drops it and waits). */
int eap_ms_auth_process(struct eap_ms_auth *a, const uint8_t *pkt, size_t len, struct wbuf *out,
			enum eap_status *st);

struct eap_ms_peer *eap_ms_peer_new(const char *user, const char *password);
void eap_ms_peer_free(struct eap_ms_peer *p);
/* One EAP Request, Success or Failure from the authenticator. An EAP-Success before the
 * authenticator proved it knows the password (RFC 2759 5) is a failure. */
int eap_ms_peer_process(struct eap_ms_peer *p, const uint8_t *pkt, size_t len, struct wbuf *out,
			enum eap_status *st);
/* The MSK after EAP_ST_SUCCESS (EAP_MS_MSK_LEN bytes), NULL before. */
const uint8_t *eap_ms_auth_msk(const struct eap_ms_auth *a);
const uint8_t *eap_ms_peer_msk(const struct eap_ms_peer *p);

#endif
