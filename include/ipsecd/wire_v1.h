/* wire_v1: the IKEv1 (ISAKMP) message codec (RFC 2408 3, RFC 2407 4.5-4.6, RFC 2409, RFC 3947
 * NAT-D/NAT-OA, draft-ietf-ipsec-isakmp-mode-cfg-05 ATTR, Cisco/strongSwan fragments). Pure,
 * like the IKEv2 codec in wire.h: bytes in, structs out, and back; no state, no keys, no I/O.
 * Decoded byte strings are borrowed from the buffer (struct wire_bytes), so a decoded message
 * lives only as long as those bytes.
 *
 * Two steps for protected messages: ikev1_decode() reads the header and, when the E flag is
 * clear, the payload chain; when it is set, it returns the body (after the header, up to the
 * header's length) as m->enc, untouched. The engine decrypts it and hands the plaintext to
 * ikev1_decode_chain() with the header's Next Payload as the first type; bytes after the last
 * payload are IKEv1's padding and are tolerated (m->pad_len); so are up to 3 zeros after
 * the last payload of a clear message that end it on a multiple of 4 octets, as Libreswan
 * pads.
 *
 * The codec refuses what it cannot read: a length past its parent's end, a count that does
 * not match, an SPI over 16 bytes, an address ID of the wrong size, an unknown payload type
 * (IKEv1 has no critical bit: RFC 2408 5.2 answers INVALID-PAYLOAD-TYPE), a repeated item
 * over its cap. It then says why in m->why and which RFC 2408 notify fits in m->why_notify.
 * Which payloads an exchange needs and allows is the engine's business. Reserved fields are
 * ignored on receipt (RFC 2408 only says "set to 0") and sent as zero.
 *
 * Limits (per message; a message with more is refused as -E2BIG):
 *   one SA payload (RFC 2409 5.5's several SAs in one Quick Mode is implemented by nobody),
 *   IKEV1_MAX_PROPOSALS proposals in it, IKEV1_MAX_TRANSFORMS transforms over all its
 *   proposals and IKEV1_MAX_SA_ATTRS attributes over all its transforms (IKEv1 expresses a
 *   choice of algorithms as one transform per combination, hence the generous numbers);
 *   the other repeated payloads below, and IKEV1_MAX_CFG_ATTR attributes in the ATTR payload.
 *   Nothing is allocated: a struct ikev1_msg is about 29 KiB of fixed arrays. */
#ifndef IPSECD_WIRE_V1_H
#define IPSECD_WIRE_V1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipsecd/buf.h"
#include "ipsecd/wire.h" /* struct wire_bytes */

#define IKEV1_HDR_LEN	     28
#define IKEV1_VERSION	     0x10 /* major 1, minor 0 */
#define IKEV1_MAX_MSG	     65535
#define IKEV1_MAX_SPI	     16 /* RFC 2408 2.4: ISAKMP's cookie pair is the longest SPI */
#define IKEV1_MAX_PROPOSALS  16
#define IKEV1_MAX_TRANSFORMS 128  /* per SA payload, over all proposals */
#define IKEV1_MAX_SA_ATTRS   1024 /* per SA payload, over all transforms */
#define IKEV1_MAX_ID	     2	  /* Quick Mode: IDci and IDcr */
#define IKEV1_MAX_HASH	     2
#define IKEV1_MAX_CERT	     8
#define IKEV1_MAX_NOTIFY     16
#define IKEV1_MAX_DELETE     8
#define IKEV1_MAX_VENDOR     32 /* first messages carry a dozen (NAT-T drafts, DPD, ...) */
#define IKEV1_MAX_NATD	     8	/* RFC 3947 3.2: one per local address and one remote */
#define IKEV1_MAX_NATOA	     2	/* NAT-OAi, NAT-OAr */
#define IKEV1_MAX_CFG_ATTR   64
#define IKEV1_NONCE_MIN	     8 /* RFC 2409 5 */
#define IKEV1_NONCE_MAX	     256

/* RFC 2408 3.1 and RFC 2409 / draft-ietf-ipsec-isakmp-mode-cfg-05 (Transaction). */
enum ikev1_exch {
	IKEV1_EXCH_BASE = 1,
	IKEV1_EXCH_IDPROT = 2, /* Main Mode */
	IKEV1_EXCH_AUTH_ONLY = 3,
	IKEV1_EXCH_AGGRESSIVE = 4,
	IKEV1_EXCH_INFORMATIONAL = 5,
	IKEV1_EXCH_TRANSACTION = 6, /* mode-config, XAuth */
	IKEV1_EXCH_QUICK = 32,
	IKEV1_EXCH_NEW_GROUP = 33,
};

enum {
	IKEV1_FLAG_ENCRYPTION = 0x01,
	IKEV1_FLAG_COMMIT = 0x02,
	IKEV1_FLAG_AUTH_ONLY = 0x04,
};

enum ikev1_pld_type {
	IKEV1_PLD_NONE = 0,
	IKEV1_PLD_SA = 1,
	IKEV1_PLD_PROPOSAL = 2, /* only inside SA */
	IKEV1_PLD_TRANSFORM = 3,
	IKEV1_PLD_KE = 4,
	IKEV1_PLD_ID = 5,
	IKEV1_PLD_CERT = 6,
	IKEV1_PLD_CERTREQ = 7,
	IKEV1_PLD_HASH = 8,
	IKEV1_PLD_SIG = 9,
	IKEV1_PLD_NONCE = 10,
	IKEV1_PLD_NOTIFY = 11,
	IKEV1_PLD_DELETE = 12,
	IKEV1_PLD_VENDOR = 13,
	IKEV1_PLD_ATTR = 14,	     /* mode-config */
	IKEV1_PLD_NATD = 20,	     /* RFC 3947 */
	IKEV1_PLD_NATOA = 21,	     /* RFC 3947 */
	IKEV1_PLD_NATD_DRAFT = 130,  /* draft-ietf-ipsec-nat-t-ike-02/03 */
	IKEV1_PLD_NATOA_DRAFT = 131, /* likewise */
	IKEV1_PLD_FRAGMENT = 132,    /* Cisco's IKE fragmentation */
};

enum { IKEV1_DOI_ISAKMP = 0, IKEV1_DOI_IPSEC = 1 };
enum { IKEV1_SIT_IDENTITY_ONLY = 1, IKEV1_SIT_SECRECY = 2, IKEV1_SIT_INTEGRITY = 4 };

/* RFC 2407 4.4.1 protocol ids and 4.4.2-4.4.5 transform ids */
enum ikev1_proto {
	IKEV1_PROTO_ISAKMP = 1,
	IKEV1_PROTO_AH = 2,
	IKEV1_PROTO_ESP = 3,
	IKEV1_PROTO_IPCOMP = 4,
};
enum { IKEV1_KEY_IKE = 1 };
enum {
	IKEV1_ESP_DES = 2,
	IKEV1_ESP_3DES = 3,
	IKEV1_ESP_NULL = 11,
	IKEV1_ESP_AES = 12,	  /* RFC 3602 */
	IKEV1_ESP_AES_CTR = 13,	  /* RFC 3686 */
	IKEV1_ESP_AES_CCM_8 = 14, /* RFC 4309 */
	IKEV1_ESP_AES_CCM_12 = 15,
	IKEV1_ESP_AES_CCM_16 = 16,
	IKEV1_ESP_AES_GCM_8 = 18, /* RFC 4106 */
	IKEV1_ESP_AES_GCM_12 = 19,
	IKEV1_ESP_AES_GCM_16 = 20,
	IKEV1_ESP_CAMELLIA = 22,	   /* RFC 4312 */
	IKEV1_ESP_NULL_AUTH_AES_GMAC = 23, /* RFC 4543 */
};
enum {
	IKEV1_AH_MD5 = 2,
	IKEV1_AH_SHA = 3,
	IKEV1_AH_SHA2_256 = 5,
	IKEV1_AH_SHA2_384 = 6,
	IKEV1_AH_SHA2_512 = 7,
};
enum { IKEV1_IPCOMP_OUI = 1, IKEV1_IPCOMP_DEFLATE = 2, IKEV1_IPCOMP_LZS = 3 };

/* Data attributes: the AF bit says TV (value in the type's place of the length). */
#define IKEV1_ATTR_AF 0x8000

/* RFC 2409 Appendix A: phase 1 (ISAKMP SA) attribute types and values */
enum ikev1_p1_attr {
	IKEV1_P1_ENCR = 1,
	IKEV1_P1_HASH = 2,
	IKEV1_P1_AUTH_METHOD = 3,
	IKEV1_P1_GROUP_DESC = 4,
	IKEV1_P1_GROUP_TYPE = 5,
	IKEV1_P1_GROUP_PRIME = 6,
	IKEV1_P1_GROUP_GEN_ONE = 7,
	IKEV1_P1_GROUP_GEN_TWO = 8,
	IKEV1_P1_GROUP_CURVE_A = 9,
	IKEV1_P1_GROUP_CURVE_B = 10,
	IKEV1_P1_LIFE_TYPE = 11,
	IKEV1_P1_LIFE_DURATION = 12,
	IKEV1_P1_PRF = 13,
	IKEV1_P1_KEY_LENGTH = 14,
	IKEV1_P1_FIELD_SIZE = 15,
	IKEV1_P1_GROUP_ORDER = 16,
};
enum {
	IKEV1_ENCR_DES_CBC = 1,
	IKEV1_ENCR_IDEA_CBC = 2,
	IKEV1_ENCR_BLOWFISH_CBC = 3,
	IKEV1_ENCR_RC5_CBC = 4,
	IKEV1_ENCR_3DES_CBC = 5,
	IKEV1_ENCR_CAST_CBC = 6,
	IKEV1_ENCR_AES_CBC = 7,	     /* RFC 3602 */
	IKEV1_ENCR_CAMELLIA_CBC = 8, /* RFC 4312 */
};
enum {
	IKEV1_HASH_MD5 = 1,
	IKEV1_HASH_SHA1 = 2,
	IKEV1_HASH_TIGER = 3,
	IKEV1_HASH_SHA2_256 = 4, /* RFC 4868 */
	IKEV1_HASH_SHA2_384 = 5,
	IKEV1_HASH_SHA2_512 = 6,
};
enum ikev1_auth_method {
	IKEV1_AUTH_PSK = 1,
	IKEV1_AUTH_DSS_SIG = 2,
	IKEV1_AUTH_RSA_SIG = 3,
	IKEV1_AUTH_RSA_ENC = 4,
	IKEV1_AUTH_RSA_ENC_REV = 5,
	IKEV1_AUTH_ECDSA_256 = 9, /* RFC 4754 */
	IKEV1_AUTH_ECDSA_384 = 10,
	IKEV1_AUTH_ECDSA_521 = 11,
	/* draft-ietf-ipsec-isakmp-hybrid-auth-05 */
	IKEV1_AUTH_HYBRID_INIT_RSA = 64221,
	IKEV1_AUTH_HYBRID_RESP_RSA = 64222,
	IKEV1_AUTH_HYBRID_INIT_DSS = 64223,
	IKEV1_AUTH_HYBRID_RESP_DSS = 64224,
	/* draft-beaulieu-ike-xauth-02 5 */
	IKEV1_AUTH_XAUTH_INIT_PSK = 65001,
	IKEV1_AUTH_XAUTH_RESP_PSK = 65002,
	IKEV1_AUTH_XAUTH_INIT_DSS = 65003,
	IKEV1_AUTH_XAUTH_RESP_DSS = 65004,
	IKEV1_AUTH_XAUTH_INIT_RSA = 65005,
	IKEV1_AUTH_XAUTH_RESP_RSA = 65006,
	IKEV1_AUTH_XAUTH_INIT_RSA_ENC = 65007,
	IKEV1_AUTH_XAUTH_RESP_RSA_ENC = 65008,
	IKEV1_AUTH_XAUTH_INIT_RSA_ENC_REV = 65009,
	IKEV1_AUTH_XAUTH_RESP_RSA_ENC_REV = 65010,
};
enum { IKEV1_GROUP_TYPE_MODP = 1, IKEV1_GROUP_TYPE_ECP = 2, IKEV1_GROUP_TYPE_EC2N = 3 };
enum { IKEV1_LIFE_SECONDS = 1, IKEV1_LIFE_KILOBYTES = 2 };

/* RFC 2407 4.5: IPsec DOI (phase 2) attribute types and values */
enum ikev1_p2_attr {
	IKEV1_P2_SA_LIFE_TYPE = 1,
	IKEV1_P2_SA_LIFE_DURATION = 2,
	IKEV1_P2_GROUP_DESC = 3,
	IKEV1_P2_ENCAP_MODE = 4,
	IKEV1_P2_AUTH_ALG = 5,
	IKEV1_P2_KEY_LENGTH = 6,
	IKEV1_P2_KEY_ROUNDS = 7,
	IKEV1_P2_COMP_DICT_SIZE = 8,
	IKEV1_P2_COMP_PRIV_ALG = 9,
	IKEV1_P2_ECN_TUNNEL = 10, /* RFC 3168 */
	IKEV1_P2_ESN = 11,	  /* RFC 4304 */
};
enum ikev1_encap_mode {
	IKEV1_ENCAP_TUNNEL = 1,
	IKEV1_ENCAP_TRANSPORT = 2,
	IKEV1_ENCAP_UDP_TUNNEL = 3, /* RFC 3947 */
	IKEV1_ENCAP_UDP_TRANSPORT = 4,
	IKEV1_ENCAP_UDP_TUNNEL_DRAFT = 61443, /* draft-ietf-ipsec-nat-t-ike-00..03 */
	IKEV1_ENCAP_UDP_TRANSPORT_DRAFT = 61444,
};
enum {
	IKEV1_AUTH_ALG_HMAC_MD5 = 1,
	IKEV1_AUTH_ALG_HMAC_SHA1 = 2,
	IKEV1_AUTH_ALG_DES_MAC = 3,
	IKEV1_AUTH_ALG_KPDK = 4,
	IKEV1_AUTH_ALG_HMAC_SHA2_256 = 5, /* RFC 4868 */
	IKEV1_AUTH_ALG_HMAC_SHA2_384 = 6,
	IKEV1_AUTH_ALG_HMAC_SHA2_512 = 7,
	IKEV1_AUTH_ALG_AES_XCBC_MAC = 9,  /* RFC 3566 */
	IKEV1_AUTH_ALG_AES_128_GMAC = 11, /* RFC 4543 */
	IKEV1_AUTH_ALG_AES_192_GMAC = 12,
	IKEV1_AUTH_ALG_AES_256_GMAC = 13,
};

/* RFC 2407 4.6.2.1 identification types */
enum ikev1_id_type {
	IKEV1_ID_IPV4_ADDR = 1,
	IKEV1_ID_FQDN = 2,
	IKEV1_ID_USER_FQDN = 3,
	IKEV1_ID_IPV4_ADDR_SUBNET = 4,
	IKEV1_ID_IPV6_ADDR = 5,
	IKEV1_ID_IPV6_ADDR_SUBNET = 6,
	IKEV1_ID_IPV4_ADDR_RANGE = 7,
	IKEV1_ID_IPV6_ADDR_RANGE = 8,
	IKEV1_ID_DER_ASN1_DN = 9,
	IKEV1_ID_DER_ASN1_GN = 10,
	IKEV1_ID_KEY_ID = 11,
};

/* RFC 2408 3.9 certificate encodings */
enum {
	IKEV1_CERT_PKCS7 = 1,
	IKEV1_CERT_PGP = 2,
	IKEV1_CERT_DNS_SIGNED = 3,
	IKEV1_CERT_X509_SIG = 4,
	IKEV1_CERT_X509_KE = 5,
	IKEV1_CERT_KERBEROS = 6,
	IKEV1_CERT_CRL = 7,
	IKEV1_CERT_ARL = 8,
	IKEV1_CERT_SPKI = 9,
	IKEV1_CERT_X509_ATTR = 10,
	IKEV1_CERT_RAW_RSA = 11,
};

/* RFC 2408 3.14.1, RFC 2407 4.6.3, RFC 3706 (DPD) */
enum ikev1_notify_type {
	IKEV1_N_INVALID_PAYLOAD_TYPE = 1,
	IKEV1_N_DOI_NOT_SUPPORTED = 2,
	IKEV1_N_SITUATION_NOT_SUPPORTED = 3,
	IKEV1_N_INVALID_COOKIE = 4,
	IKEV1_N_INVALID_MAJOR_VERSION = 5,
	IKEV1_N_INVALID_MINOR_VERSION = 6,
	IKEV1_N_INVALID_EXCHANGE_TYPE = 7,
	IKEV1_N_INVALID_FLAGS = 8,
	IKEV1_N_INVALID_MESSAGE_ID = 9,
	IKEV1_N_INVALID_PROTOCOL_ID = 10,
	IKEV1_N_INVALID_SPI = 11,
	IKEV1_N_INVALID_TRANSFORM_ID = 12,
	IKEV1_N_ATTRIBUTES_NOT_SUPPORTED = 13,
	IKEV1_N_NO_PROPOSAL_CHOSEN = 14,
	IKEV1_N_BAD_PROPOSAL_SYNTAX = 15,
	IKEV1_N_PAYLOAD_MALFORMED = 16,
	IKEV1_N_INVALID_KEY_INFORMATION = 17,
	IKEV1_N_INVALID_ID_INFORMATION = 18,
	IKEV1_N_INVALID_CERT_ENCODING = 19,
	IKEV1_N_INVALID_CERTIFICATE = 20,
	IKEV1_N_CERT_TYPE_UNSUPPORTED = 21,
	IKEV1_N_INVALID_CERT_AUTHORITY = 22,
	IKEV1_N_INVALID_HASH_INFORMATION = 23,
	IKEV1_N_AUTHENTICATION_FAILED = 24,
	IKEV1_N_INVALID_SIGNATURE = 25,
	IKEV1_N_ADDRESS_NOTIFICATION = 26,
	IKEV1_N_NOTIFY_SA_LIFETIME = 27,
	IKEV1_N_CERTIFICATE_UNAVAILABLE = 28,
	IKEV1_N_UNSUPPORTED_EXCHANGE_TYPE = 29,
	IKEV1_N_UNEQUAL_PAYLOAD_LENGTHS = 30,
	IKEV1_N_CONNECTED = 16384,
	IKEV1_N_RESPONDER_LIFETIME = 24576,
	IKEV1_N_REPLAY_STATUS = 24577,
	IKEV1_N_INITIAL_CONTACT = 24578,
	IKEV1_N_R_U_THERE = 36136,
	IKEV1_N_R_U_THERE_ACK = 36137,
};

/* draft-ietf-ipsec-isakmp-mode-cfg-05 3.2 ATTR payload types and 3.3 attributes,
 * draft-beaulieu-ike-xauth-02 6 XAuth attributes, Cisco Unity attributes */
enum { IKEV1_CFG_REQUEST = 1, IKEV1_CFG_REPLY = 2, IKEV1_CFG_SET = 3, IKEV1_CFG_ACK = 4 };
enum ikev1_cfg_attr {
	IKEV1_CFG_INTERNAL_IP4_ADDRESS = 1,
	IKEV1_CFG_INTERNAL_IP4_NETMASK = 2,
	IKEV1_CFG_INTERNAL_IP4_DNS = 3,
	IKEV1_CFG_INTERNAL_IP4_NBNS = 4,
	IKEV1_CFG_INTERNAL_ADDRESS_EXPIRY = 5,
	IKEV1_CFG_INTERNAL_IP4_DHCP = 6,
	IKEV1_CFG_APPLICATION_VERSION = 7,
	IKEV1_CFG_INTERNAL_IP6_ADDRESS = 8,
	IKEV1_CFG_INTERNAL_IP6_NETMASK = 9,
	IKEV1_CFG_INTERNAL_IP6_DNS = 10,
	IKEV1_CFG_INTERNAL_IP6_NBNS = 11,
	IKEV1_CFG_INTERNAL_IP6_DHCP = 12,
	IKEV1_CFG_INTERNAL_IP4_SUBNET = 13,
	IKEV1_CFG_SUPPORTED_ATTRIBUTES = 14,
	IKEV1_CFG_INTERNAL_IP6_SUBNET = 15,
	IKEV1_CFG_XAUTH_TYPE = 16520,
	IKEV1_CFG_XAUTH_USER_NAME = 16521,
	IKEV1_CFG_XAUTH_USER_PASSWORD = 16522,
	IKEV1_CFG_XAUTH_PASSCODE = 16523,
	IKEV1_CFG_XAUTH_MESSAGE = 16524,
	IKEV1_CFG_XAUTH_CHALLENGE = 16525,
	IKEV1_CFG_XAUTH_DOMAIN = 16526,
	IKEV1_CFG_XAUTH_STATUS = 16527,
	IKEV1_CFG_XAUTH_NEXT_PIN = 16528,
	IKEV1_CFG_XAUTH_ANSWER = 16529,
	IKEV1_CFG_UNITY_BANNER = 28672,
	IKEV1_CFG_UNITY_SAVE_PASSWD = 28673,
	IKEV1_CFG_UNITY_DEF_DOMAIN = 28674,
	IKEV1_CFG_UNITY_SPLITDNS_NAME = 28675,
	IKEV1_CFG_UNITY_SPLIT_INCLUDE = 28676,
	IKEV1_CFG_UNITY_NATT_PORT = 28677,
	IKEV1_CFG_UNITY_LOCAL_LAN = 28678,
	IKEV1_CFG_UNITY_PFS = 28679,
	IKEV1_CFG_UNITY_FW_TYPE = 28680,
	IKEV1_CFG_UNITY_BACKUP_SERVERS = 28681,
	IKEV1_CFG_UNITY_DDNS_HOSTNAME = 28682,
};
enum { IKEV1_XAUTH_STATUS_FAIL = 0, IKEV1_XAUTH_STATUS_OK = 1 };

#define IKEV1_FRAG_LAST 0x01 /* fragment payload flags */

/* --- decoded forms --- */

struct ikev1_hdr {
	uint64_t icookie, rcookie; /* host order of the 8 wire bytes */
	uint8_t next;		   /* first payload type (inside the encryption when E is set) */
	uint8_t version;
	uint8_t exch;
	uint8_t flags;
	uint32_t msgid;
	uint32_t length;
};

/* A data attribute (RFC 2408 3.3). TV: the 16-bit value is val; TLV: value (any length, as
 * long values such as SA lifetimes may be sent either way; see ikev1_attr_uint). */
struct ikev1_attr {
	uint16_t type; /* without the AF bit */
	bool tv;
	uint16_t val;
	struct wire_bytes value;
};

/* Transforms and attributes of an SA live in flat arrays of struct ikev1_sa; a proposal
 * names its transforms and a transform its attributes by first index and count. */
struct ikev1_transform {
	uint8_t num; /* transform number */
	uint8_t id;  /* KEY_IKE, ESP_AES, ... */
	uint16_t first_attr, nattr;
};

struct ikev1_proposal {
	uint8_t num;   /* proposals of one number form a bundle (AH+ESP, ESP+IPCOMP) */
	uint8_t proto; /* enum ikev1_proto */
	uint8_t spi_size;
	uint8_t spi[IKEV1_MAX_SPI];
	uint16_t first_trans;
	uint8_t ntrans;
};

struct ikev1_sa {
	uint32_t doi;	    /* IKEV1_DOI_IPSEC */
	uint32_t situation; /* IKEV1_SIT_IDENTITY_ONLY */
	uint8_t nprop;
	uint16_t ntrans, nattr;
	struct ikev1_proposal p[IKEV1_MAX_PROPOSALS];
	struct ikev1_transform t[IKEV1_MAX_TRANSFORMS];
	struct ikev1_attr a[IKEV1_MAX_SA_ATTRS];
};

static inline const struct ikev1_transform *
ikev1_prop_trans(const struct ikev1_sa *sa, const struct ikev1_proposal *p, unsigned int i)
{
	return &sa->t[p->first_trans + i];
}

static inline const struct ikev1_attr *
ikev1_trans_attr(const struct ikev1_sa *sa, const struct ikev1_transform *t, unsigned int i)
{
	return &sa->a[t->first_attr + i];
}

/* RFC 2407 4.6.2: phase 1 IDs and phase 2 client IDs (protocol and port: 0 = any). For the
 * address types, addr (and addr2: the mask of a subnet, the end of a range) are filled in
 * from data, whose length must fit the type. */
struct ikev1_id {
	uint8_t type; /* enum ikev1_id_type */
	uint8_t proto;
	uint16_t port;
	struct wire_bytes data;
	struct wire_bytes body; /* type, protocol, port and data: IDii_b of RFC 2409 5 */
	uint8_t addr[16], addr2[16];
};

struct ikev1_cert {
	uint8_t encoding; /* CERT: encoding; CERTREQ: the certificate type asked for */
	struct wire_bytes data;
};

struct ikev1_notify {
	uint32_t doi;
	uint8_t proto;
	uint8_t spi_size; /* 0..16 */
	uint16_t type;
	struct wire_bytes spi;
	struct wire_bytes data;
};

struct ikev1_delete {
	uint32_t doi;
	uint8_t proto;
	uint8_t spi_size; /* 0..16 */
	uint16_t nspi;
	struct wire_bytes spis; /* nspi * spi_size bytes */
};

struct ikev1_cfg {
	uint8_t type; /* IKEV1_CFG_REQUEST .. ACK */
	uint16_t ident;
	uint8_t n;
	struct ikev1_attr a[IKEV1_MAX_CFG_ATTR];
};

/* RFC 3947 5.2 */
struct ikev1_natoa {
	uint8_t type;	 /* payload type as received: IKEV1_PLD_NATOA or _DRAFT */
	uint8_t id_type; /* IKEV1_ID_IPV4_ADDR or IKEV1_ID_IPV6_ADDR */
	uint8_t addr[16];
};

struct ikev1_frag {
	uint16_t id;
	uint8_t num; /* 1-based */
	uint8_t flags;
	bool last; /* flags & IKEV1_FRAG_LAST */
	struct wire_bytes data;
};

/* A decoded message. present has a bit per payload type seen (ikev1_has() says which);
 * the n* counts say how many of the repeatable ones, in the order received. */
struct ikev1_msg {
	struct ikev1_hdr hdr;
	uint32_t present;
	struct ikev1_sa sa;
	struct wire_bytes sa_body; /* SAi_b: the SA payload minus its generic header */
	struct wire_bytes ke;
	struct wire_bytes nonce;
	struct wire_bytes sig;
	struct ikev1_cfg cfg;
	struct ikev1_frag frag;
	uint8_t nid, nhash, ncert, ncertreq, nnotify, ndelete, nvendor, nnatd, nnatoa;
	struct ikev1_id id[IKEV1_MAX_ID];
	struct wire_bytes hash[IKEV1_MAX_HASH];
	struct ikev1_cert cert[IKEV1_MAX_CERT];
	struct ikev1_cert certreq[IKEV1_MAX_CERT];
	struct ikev1_notify notify[IKEV1_MAX_NOTIFY];
	struct ikev1_delete del[IKEV1_MAX_DELETE];
	struct wire_bytes vendor[IKEV1_MAX_VENDOR];
	struct wire_bytes natd[IKEV1_MAX_NATD];
	uint8_t natd_type[IKEV1_MAX_NATD]; /* IKEV1_PLD_NATD or _DRAFT, as received */
	struct ikev1_natoa natoa[IKEV1_MAX_NATOA];
	/* E flag set: the body to decrypt (after the header, up to its length). */
	struct wire_bytes enc;
	/* The payloads read, without padding: what the HASH of Quick Mode, Informational and
	 * Transaction exchanges covers runs from the end of the HASH payload to its end. */
	struct wire_bytes chain;
	size_t pad_len;	     /* bytes after the last payload (decrypted chains, clear padding) */
	size_t extra;	     /* datagram bytes beyond the header's length, ignored */
	uint16_t why_notify; /* on refusal: the RFC 2408 notify that fits */
	const char *why;     /* on refusal: a short static explanation */
};

/* Bit of payload type t in struct ikev1_msg.present: types 1..31 as themselves, the
 * private-use 130..132 on bits 26..28. */
static inline uint32_t ikev1_pld_bit(uint8_t t)
{
	if (t >= 1 && t < 26)
		return UINT32_C(1) << t;
	if (t >= 130 && t <= 132)
		return UINT32_C(1) << (t - 104);
	return 0;
}

static inline bool ikev1_has(const struct ikev1_msg *m, enum ikev1_pld_type t)
{
	return m->present & ikev1_pld_bit((uint8_t)t);
}

/* True when p[0..len) has the size of an ISAKMP header and major version 1: the datagram
 * dispatcher's test before handing it to the IKEv1 engine instead of the IKEv2 one (whose
 * decoder refuses it as -EPROTONOSUPPORT). */
bool ikev1_looks_like(const uint8_t *p, size_t len);

/* Errors decoders return, with m->why and m->why_notify set: -EBADMSG malformed;
 * -EPROTONOSUPPORT a major version other than 1; -E2BIG a cap exceeded; -EOPNOTSUPP a DOI
 * or situation this codec cannot read (DOI-NOT-SUPPORTED, SITUATION-NOT-SUPPORTED). */

/* Reads only the 28-byte header. */
int ikev1_decode_hdr(const uint8_t *buf, size_t len, struct ikev1_hdr *h);
/* Reads the message in buf[0..len): m is zeroed first; its byte strings point into buf.
 * The header's length may be less than len (the rest is ignored and counted in m->extra),
 * not more. Without the E flag, the chain from hdr.next must end exactly at that length;
 * with it, the body is left in m->enc. */
int ikev1_decode(const uint8_t *buf, size_t len, struct ikev1_msg *m);
/* Reads a decrypted chain (first of type `first`, normally m->hdr.next) into m, adding to
 * what is there; byte strings point into buf; bytes after the last payload are padding. */
int ikev1_decode_chain(const uint8_t *buf, size_t len, uint8_t first, struct ikev1_msg *m);

/* The value of an attribute as an unsigned integer: TV, or TLV of 1 to 8 significant bytes
 * (leading zero bytes allowed). 0, or -EBADMSG (empty) / -ERANGE (over 64 bits). */
int ikev1_attr_uint(const struct ikev1_attr *a, uint64_t *v);

/* --- encoding ---
 * As in wire.h: ikev1_enc_begin() writes the header, each put_* appends one payload and
 * names it in the previous next-payload byte, ikev1_enc_end() patches the header's length.
 * A protected message's payloads go into a chain of their own (ikev1_enc_chain_begin) that
 * the engine pads and encrypts; ikev1_put_encrypted() then names the chain's first payload
 * in the header and appends the ciphertext. A value the wire cannot carry sets w->err. */
struct ikev1_enc {
	struct wbuf *w;
	size_t hdr_off;	 /* where the header starts, SIZE_MAX for a bare chain */
	size_t next_off; /* offset of the byte naming the next payload */
	uint8_t first;	 /* the first payload's type */
};

void ikev1_enc_begin(struct ikev1_enc *e, struct wbuf *w, const struct ikev1_hdr *h);
void ikev1_enc_chain_begin(struct ikev1_enc *e, struct wbuf *w);
void ikev1_enc_end(struct ikev1_enc *e);
void ikev1_put_encrypted(struct ikev1_enc *e, uint8_t first, const uint8_t *ct, size_t len);

/* Each returns the offset of the payload's generic header in e->w (HASH(1) is written with
 * zeros first and patched at offset + 4 once what follows is known). */
size_t ikev1_put_sa(struct ikev1_enc *e, const struct ikev1_sa *sa);
size_t ikev1_put_ke(struct ikev1_enc *e, const uint8_t *data, size_t len);
size_t ikev1_put_id(struct ikev1_enc *e, uint8_t type, uint8_t proto, uint16_t port,
		    const uint8_t *data, size_t len);
size_t ikev1_put_cert(struct ikev1_enc *e, enum ikev1_pld_type t, uint8_t encoding,
		      const uint8_t *data, size_t len);
size_t ikev1_put_hash(struct ikev1_enc *e, const uint8_t *data, size_t len);
size_t ikev1_put_sig(struct ikev1_enc *e, const uint8_t *data, size_t len);
size_t ikev1_put_nonce(struct ikev1_enc *e, const uint8_t *data, size_t len);
size_t ikev1_put_notify(struct ikev1_enc *e, uint32_t doi, uint8_t proto, uint16_t type,
			const uint8_t *spi, size_t spilen, const uint8_t *data, size_t len);
size_t ikev1_put_delete(struct ikev1_enc *e, uint32_t doi, uint8_t proto, uint8_t spi_size,
			uint16_t nspi, const uint8_t *spis);
size_t ikev1_put_vendor(struct ikev1_enc *e, const uint8_t *data, size_t len);
size_t ikev1_put_cfg(struct ikev1_enc *e, const struct ikev1_cfg *cfg);
/* t: IKEV1_PLD_NATD or IKEV1_PLD_NATD_DRAFT */
size_t ikev1_put_natd(struct ikev1_enc *e, enum ikev1_pld_type t, const uint8_t *hash, size_t len);
/* t: IKEV1_PLD_NATOA or IKEV1_PLD_NATOA_DRAFT */
size_t ikev1_put_natoa(struct ikev1_enc *e, enum ikev1_pld_type t, const struct ikev1_natoa *oa);
size_t ikev1_put_frag(struct ikev1_enc *e, uint16_t id, uint8_t num, bool last, const uint8_t *data,
		      size_t len);

/* Names for logs ("IDENTITY_PROTECTION", "NAT-D", "INITIAL-CONTACT", "Life Duration",
 * "XAUTH_USER_NAME", "XAuthInitPreShared", "UDP-Encapsulated-Tunnel"). Unknown values give
 * their number. */
const char *ikev1_exch_name(uint8_t exch);
const char *ikev1_pld_name(uint8_t type);
const char *ikev1_notify_name(uint16_t type);
const char *ikev1_p1_attr_name(uint16_t type);
const char *ikev1_p2_attr_name(uint16_t type);
const char *ikev1_cfg_attr_name(uint16_t type);
const char *ikev1_auth_method_name(uint16_t method);
const char *ikev1_encap_mode_name(uint16_t mode);
const char *ikev1_id_type_name(uint8_t type);

#endif
