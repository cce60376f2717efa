/* wire: the IKEv2 message codec (RFC 7296 3, RFC 7383 fragments). Pure: bytes in, structs
 * out, and back; no protocol state, no keys, no I/O. Decoded payloads borrow their byte
 * strings from the message buffer (struct wire_bytes), so a decoded message lives only as
 * long as the bytes it came from. Every repeated item is capped (IKEV2_MAX_*); a message
 * carrying more is refused as INVALID_SYNTAX.
 *
 * The engine decodes in two steps: ikev2_decode() reads the header and the clear payloads
 * up to an SK or SKF payload, whose body (IV | ciphertext | ICV) it returns as is; once
 * decrypted, ikev2_decode_inner() reads the inner payloads into the same struct. Which
 * payloads an exchange allows is checked afterwards by ikev2_check_rules(). */
#ifndef IPSECD_WIRE_H
#define IPSECD_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipsecd/buf.h"

#define IKEV2_HDR_LEN	     28
#define IKEV2_VERSION	     0x20 /* major 2, minor 0 */
#define IKEV2_MAX_MSG	     65535
#define IKEV2_MAX_PROPOSALS  16
#define IKEV2_MAX_TRANSFORMS 32 /* per proposal */
#define IKEV2_MAX_NOTIFY     32
#define IKEV2_MAX_DELETE     8
#define IKEV2_MAX_VENDOR     16
#define IKEV2_MAX_TS	     16 /* per TS payload */
#define IKEV2_MAX_CERT	     8
#define IKEV2_MAX_CP_ATTR    32
#define IKEV2_MAX_FRAGMENTS  64

enum ikev2_exch {
	IKEV2_EXCH_IKE_SA_INIT = 34,
	IKEV2_EXCH_IKE_AUTH = 35,
	IKEV2_EXCH_CREATE_CHILD_SA = 36,
	IKEV2_EXCH_INFORMATIONAL = 37,
};

enum {
	IKEV2_FLAG_INITIATOR = 0x08,
	IKEV2_FLAG_VERSION = 0x10,
	IKEV2_FLAG_RESPONSE = 0x20,
};

enum ikev2_pld_type {
	IKEV2_PLD_NONE = 0,
	IKEV2_PLD_SA = 33,
	IKEV2_PLD_KE = 34,
	IKEV2_PLD_IDI = 35,
	IKEV2_PLD_IDR = 36,
	IKEV2_PLD_CERT = 37,
	IKEV2_PLD_CERTREQ = 38,
	IKEV2_PLD_AUTH = 39,
	IKEV2_PLD_NONCE = 40,
	IKEV2_PLD_NOTIFY = 41,
	IKEV2_PLD_DELETE = 42,
	IKEV2_PLD_VENDOR = 43,
	IKEV2_PLD_TSI = 44,
	IKEV2_PLD_TSR = 45,
	IKEV2_PLD_SK = 46,
	IKEV2_PLD_CP = 47,
	IKEV2_PLD_EAP = 48,
	IKEV2_PLD_SKF = 53,
};

/* Security protocol ids (proposals, notifies, deletes). */
enum ikev2_proto { IKEV2_PROTO_IKE = 1, IKEV2_PROTO_AH = 2, IKEV2_PROTO_ESP = 3 };

enum ikev2_trans_type {
	IKEV2_TRANS_ENCR = 1,
	IKEV2_TRANS_PRF = 2,
	IKEV2_TRANS_INTEG = 3,
	IKEV2_TRANS_DH = 4,
	IKEV2_TRANS_ESN = 5,
};

enum ikev2_id_type {
	IKEV2_ID_IPV4_ADDR = 1,
	IKEV2_ID_FQDN = 2,
	IKEV2_ID_RFC822_ADDR = 3,
	IKEV2_ID_IPV6_ADDR = 5,
	IKEV2_ID_DER_ASN1_DN = 9,
	IKEV2_ID_DER_ASN1_GN = 10,
	IKEV2_ID_KEY_ID = 11,
};

enum ikev2_cert_encoding { /* RFC 7296 3.6 */
			   IKEV2_CERT_X509_SIG = 4,
};

enum ikev2_auth_method {
	IKEV2_AUTH_RSA_SIG = 1,
	IKEV2_AUTH_SHARED_KEY = 2,
	IKEV2_AUTH_DSS_SIG = 3,
	IKEV2_AUTH_ECDSA_256 = 9,
	IKEV2_AUTH_ECDSA_384 = 10,
	IKEV2_AUTH_ECDSA_521 = 11,
	IKEV2_AUTH_DIGITAL_SIGNATURE = 14,
};

enum ikev2_ts_type { IKEV2_TS_IPV4_ADDR_RANGE = 7, IKEV2_TS_IPV6_ADDR_RANGE = 8 };

enum ikev2_notify_type {
	/* errors */
	IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD = 1,
	IKEV2_N_INVALID_IKE_SPI = 4,
	IKEV2_N_INVALID_MAJOR_VERSION = 5,
	IKEV2_N_INVALID_SYNTAX = 7,
	IKEV2_N_INVALID_MESSAGE_ID = 9,
	IKEV2_N_INVALID_SPI = 11,
	IKEV2_N_NO_PROPOSAL_CHOSEN = 14,
	IKEV2_N_INVALID_KE_PAYLOAD = 17,
	IKEV2_N_AUTHENTICATION_FAILED = 24,
	IKEV2_N_SINGLE_PAIR_REQUIRED = 34,
	IKEV2_N_NO_ADDITIONAL_SAS = 35,
	IKEV2_N_INTERNAL_ADDRESS_FAILURE = 36,
	IKEV2_N_FAILED_CP_REQUIRED = 37,
	IKEV2_N_TS_UNACCEPTABLE = 38,
	IKEV2_N_INVALID_SELECTORS = 39,
	IKEV2_N_TEMPORARY_FAILURE = 43,
	IKEV2_N_CHILD_SA_NOT_FOUND = 44,
	/* status */
	IKEV2_N_INITIAL_CONTACT = 16384,
	IKEV2_N_SET_WINDOW_SIZE = 16385,
	IKEV2_N_ADDITIONAL_TS_POSSIBLE = 16386,
	IKEV2_N_IPCOMP_SUPPORTED = 16387,
	IKEV2_N_NAT_DETECTION_SOURCE_IP = 16388,
	IKEV2_N_NAT_DETECTION_DESTINATION_IP = 16389,
	IKEV2_N_COOKIE = 16390,
	IKEV2_N_USE_TRANSPORT_MODE = 16391,
	IKEV2_N_HTTP_CERT_LOOKUP_SUPPORTED = 16392,
	IKEV2_N_REKEY_SA = 16393,
	IKEV2_N_ESP_TFC_PADDING_NOT_SUPPORTED = 16394,
	IKEV2_N_NON_FIRST_FRAGMENTS_ALSO = 16395,
	IKEV2_N_MOBIKE_SUPPORTED = 16396,
	IKEV2_N_MULTIPLE_AUTH_SUPPORTED = 16404,
	IKEV2_N_EAP_ONLY_AUTHENTICATION = 16417, /* RFC 5998 */
	IKEV2_N_REDIRECT_SUPPORTED = 16406,
	IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED = 16430,
	IKEV2_N_SIGNATURE_HASH_ALGORITHMS = 16431,
};

/* A byte string borrowed from the buffer a message was decoded from. */
struct wire_bytes {
	const uint8_t *ptr;
	size_t len;
};

struct ikev2_hdr {
	uint64_t spi_i, spi_r; /* host order of the 8 wire bytes (big-endian) */
	uint8_t next;	       /* first payload type */
	uint8_t version;
	uint8_t exch;
	uint8_t flags;
	uint32_t msgid;
	uint32_t length;
};

struct ikev2_transform {
	uint8_t type;	   /* enum ikev2_trans_type */
	uint16_t id;	   /* transform id */
	uint16_t keylen;   /* Key Length attribute in bits; 0 when absent */
	bool unknown_attr; /* an attribute other than one Key Length: selection must skip the
			    * transform (RFC 7296 3.3.6) */
};

struct ikev2_proposal {
	uint8_t num;	  /* proposal number, 1-based as sent */
	uint8_t proto;	  /* enum ikev2_proto */
	uint8_t spi_size; /* 0, 4 or 8 */
	uint64_t spi;	  /* host order; 4-byte SPIs in the low half */
	uint8_t ntrans;
	struct ikev2_transform t[IKEV2_MAX_TRANSFORMS];
};

struct ikev2_sa {
	uint8_t n;
	struct ikev2_proposal p[IKEV2_MAX_PROPOSALS];
};

struct ikev2_ke {
	uint16_t group;
	struct wire_bytes data;
};

struct ikev2_id {
	uint8_t type;		/* enum ikev2_id_type */
	struct wire_bytes data; /* identification data */
	struct wire_bytes body; /* type, 3 reserved bytes and data: what AUTH signs (2.15) */
};

struct ikev2_auth {
	uint8_t method;
	struct wire_bytes data;
};

struct ikev2_cert {
	uint8_t encoding;
	struct wire_bytes data;
};

struct ikev2_notify {
	uint8_t proto;
	uint8_t spi_size;
	uint16_t type;
	struct wire_bytes spi;
	struct wire_bytes data;
};

struct ikev2_delete {
	uint8_t proto;
	uint8_t spi_size; /* 0 for IKE, 4 for AH/ESP */
	uint16_t nspi;
	struct wire_bytes spis; /* nspi * spi_size bytes */
};

struct ikev2_ts {
	uint8_t type;  /* enum ikev2_ts_type */
	uint8_t proto; /* 0 = any */
	uint16_t start_port, end_port;
	uint8_t start[16], end[16]; /* 4 or 16 bytes used */
};

struct ikev2_ts_set {
	uint8_t n;
	uint8_t nunknown; /* selectors of a type other than 7 and 8 (e.g. RFC 9478), skipped */
	struct ikev2_ts ts[IKEV2_MAX_TS];
};

/* 3.15: configuration payload types and the attributes mode-config uses (3.15.1) */
enum { IKEV2_CFG_REQUEST = 1, IKEV2_CFG_REPLY = 2, IKEV2_CFG_SET = 3, IKEV2_CFG_ACK = 4 };
enum {
	IKEV2_CFG_IP4_ADDRESS = 1,
	IKEV2_CFG_IP4_NETMASK = 2,
	IKEV2_CFG_IP4_DNS = 3,
	IKEV2_CFG_IP6_ADDRESS = 8,
	IKEV2_CFG_IP6_DNS = 10,
	IKEV2_CFG_IP4_SUBNET = 13,
	IKEV2_CFG_IP6_SUBNET = 15,
};

struct ikev2_cp_attr {
	uint16_t type;
	struct wire_bytes value;
};

struct ikev2_cp {
	uint8_t type; /* CFG_REQUEST 1, CFG_REPLY 2, CFG_SET 3, CFG_ACK 4 */
	uint8_t n;
	struct ikev2_cp_attr a[IKEV2_MAX_CP_ATTR];
};

/* A decoded message. present has bit (type - 32) set for each payload type seen (SA is
 * bit 1, ..., SKF bit 21); counts say how many of the repeatable ones. */
struct ikev2_msg {
	struct ikev2_hdr hdr;
	uint32_t present;
	struct ikev2_sa sa;
	struct ikev2_ke ke;
	struct ikev2_id idi, idr;
	struct ikev2_auth auth;
	struct wire_bytes nonce;
	struct ikev2_ts_set tsi, tsr;
	struct ikev2_cp cp;
	struct wire_bytes eap;
	uint8_t nnotify, ndelete, nvendor, ncert, ncertreq;
	struct ikev2_notify notify[IKEV2_MAX_NOTIFY];
	struct ikev2_delete del[IKEV2_MAX_DELETE];
	struct wire_bytes vendor[IKEV2_MAX_VENDOR];
	struct ikev2_cert cert[IKEV2_MAX_CERT];
	struct ikev2_cert certreq[IKEV2_MAX_CERT];
	/* SK or SKF: the last clear payload. */
	uint8_t sk_next;	       /* first inner payload type */
	size_t sk_hdr_off;	       /* offset of the SK/SKF generic header in the message */
	size_t sk_aad_len;	       /* bytes from the IKE header to the end of the SK/SKF header
					* (SKF: including fragment number and total) */
	struct wire_bytes sk;	       /* IV | ciphertext | ICV */
	uint16_t frag_num, frag_total; /* SKF only */
	/* The first critical payload of a type this codec does not know (RFC 7296 2.5), or 0.
	 * Unknown non-critical payloads are skipped. */
	uint8_t unsupported_critical;
};

static inline bool ikev2_has(const struct ikev2_msg *m, enum ikev2_pld_type t)
{
	return t >= 32 && t < 64 && (m->present >> (t - 32)) & 1;
}

/* Errors decoders return. -EBADMSG: malformed (answer INVALID_SYNTAX, or drop before
 * authentication); -EPROTONOSUPPORT: a major version other than 2 (INVALID_MAJOR_VERSION);
 * -E2BIG: a cap exceeded (INVALID_SYNTAX). */

/* Reads only the 28-byte header (for routing a message to its SA before anything else). */
int ikev2_decode_hdr(const uint8_t *buf, size_t len, struct ikev2_hdr *h);
/* Reads the header and the clear payloads of the message in buf[0..len); m is zeroed
 * first; its byte strings point into buf. The header's length must equal len. */
int ikev2_decode(const uint8_t *buf, size_t len, struct ikev2_msg *m);
/* Reads decrypted inner payloads (first of type `first`, from m->sk_next) into m, adding
 * to what the clear part gave; byte strings point into buf. */
int ikev2_decode_inner(const uint8_t *buf, size_t len, uint8_t first, struct ikev2_msg *m);

/* Payload rules of RFC 7296 per exchange and direction (which payloads may appear, how
 * often, and which must be inside SK). exch/response come from m->hdr. Returns 0, or
 * -EBADMSG with *why set to a short static explanation. Called after decode_inner for
 * protected messages (protected = they had an SK/SKF payload). */
int ikev2_check_rules(const struct ikev2_msg *m, bool protected_, const char **why);

/* --- encoding ---
 * A message is built into a wbuf: ikev2_enc_begin() writes the header; each put_*
 * appends one payload and links it into the chain (the previous payload's next-payload
 * byte, or the header's, is patched); ikev2_enc_end() patches the header's length.
 * For protected messages, inner payloads are built into a second wbuf with a chain of
 * its own (ikev2_enc_inner_begin), and ikev2_enc_sk() appends the SK generic header to
 * the outer message, leaving the body to the caller (crypto fills it). */
struct ikev2_enc {
	struct wbuf *w;
	size_t hdr_off;	 /* where the IKE header starts, SIZE_MAX for an inner chain */
	size_t next_off; /* offset of the byte naming the next payload */
	uint8_t first;	 /* inner chains: the first payload's type */
};

void ikev2_enc_begin(struct ikev2_enc *e, struct wbuf *w, const struct ikev2_hdr *h);
void ikev2_enc_inner_begin(struct ikev2_enc *e, struct wbuf *w);
void ikev2_enc_end(struct ikev2_enc *e);

void ikev2_put_sa(struct ikev2_enc *e, const struct ikev2_sa *sa);
void ikev2_put_ke(struct ikev2_enc *e, uint16_t group, const uint8_t *data, size_t len);
void ikev2_put_id(struct ikev2_enc *e, enum ikev2_pld_type t, uint8_t type, const uint8_t *data,
		  size_t len);
void ikev2_put_auth(struct ikev2_enc *e, uint8_t method, const uint8_t *data, size_t len);
void ikev2_put_nonce(struct ikev2_enc *e, const uint8_t *data, size_t len);
void ikev2_put_notify(struct ikev2_enc *e, uint8_t proto, uint16_t type, const uint8_t *spi,
		      size_t spilen, const uint8_t *data, size_t len);
void ikev2_put_delete(struct ikev2_enc *e, uint8_t proto, uint8_t spi_size, uint16_t nspi,
		      const uint8_t *spis);
void ikev2_put_vendor(struct ikev2_enc *e, const uint8_t *data, size_t len);
void ikev2_put_ts(struct ikev2_enc *e, enum ikev2_pld_type t, const struct ikev2_ts_set *ts);
void ikev2_put_cert(struct ikev2_enc *e, enum ikev2_pld_type t, uint8_t encoding,
		    const uint8_t *data, size_t len);
void ikev2_put_cp(struct ikev2_enc *e, const struct ikev2_cp *cp);
void ikev2_put_eap(struct ikev2_enc *e, const uint8_t *data, size_t len);
/* Appends the SK generic header whose payload length covers body_len bytes still to be
 * appended by the caller, with next = inner->first. Returns the offset of the SK generic
 * header (the AAD is the message up to offset + 4). */
size_t ikev2_put_sk(struct ikev2_enc *e, const struct ikev2_enc *inner, size_t body_len);
/* The same for one fragment (RFC 7383 2.5): next is the inner first type in fragment 1,
 * else 0. Returns the offset of the SKF generic header (the AAD ends 8 bytes later). */
size_t ikev2_put_skf(struct ikev2_enc *e, uint8_t next, uint16_t num, uint16_t total,
		     size_t body_len);

/* Names for logs: "IKE_SA_INIT", "NO_PROPOSAL_CHOSEN", "SA". Unknown values give a number. */
const char *ikev2_exch_name(uint8_t exch);
const char *ikev2_notify_name(uint16_t type);
const char *ikev2_pld_name(uint8_t type);

#endif
