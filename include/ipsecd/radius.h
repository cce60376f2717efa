/* radius: ipsecd's RADIUS client (RFC 2865 authentication, RFC 2866 accounting, RFC 3579
 * EAP pass-through), in two layers:
 *  - the codec: bytes to struct radius_pkt and back, the Request/Response Authenticators,
 *    Message-Authenticator, EAP-Message fragmentation, MS-MPPE key decryption (RFC 2548).
 *    Pure: secrets are passed in, nothing is kept.
 *  - the client: the `/radius` servers on the event loop. Each request is a handle that
 *    completes once through its callback (reply, reject, or timeout after every server was
 *    tried) unless it is cancelled first. Retransmissions and failover are loop timers; a
 *    dead server never blocks the loop. */
#ifndef IPSECD_RADIUS_H
#define IPSECD_RADIUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include "ipsecd/buf.h"

/* --- the codec --- */

#define RADIUS_HDR_LEN	 20
#define RADIUS_MAX_LEN	 4096 /* RFC 2865 3 */
#define RADIUS_MAX_ATTRS 256  /* a 4096-byte packet holds at most 2048 empty ones */
#define RADIUS_ATTR_MAX	 253  /* value bytes in one attribute */
#define RADIUS_AUTH_LEN	 16

enum radius_code { /* RFC 2865 3, RFC 2866 3 */
		   RADIUS_ACCESS_REQUEST = 1,
		   RADIUS_ACCESS_ACCEPT = 2,
		   RADIUS_ACCESS_REJECT = 3,
		   RADIUS_ACCOUNTING_REQUEST = 4,
		   RADIUS_ACCOUNTING_RESPONSE = 5,
		   RADIUS_ACCESS_CHALLENGE = 11,
};

enum radius_attr_type {
	RADIUS_A_USER_NAME = 1,
	RADIUS_A_USER_PASSWORD = 2,
	RADIUS_A_NAS_IP_ADDRESS = 4,
	RADIUS_A_NAS_PORT = 5,
	RADIUS_A_SERVICE_TYPE = 6,
	RADIUS_A_FRAMED_IP_ADDRESS = 8,
	RADIUS_A_FRAMED_MTU = 12,
	RADIUS_A_REPLY_MESSAGE = 18,
	RADIUS_A_STATE = 24,
	RADIUS_A_CLASS = 25,
	RADIUS_A_VENDOR_SPECIFIC = 26,
	RADIUS_A_SESSION_TIMEOUT = 27,
	RADIUS_A_CALLED_STATION_ID = 30,
	RADIUS_A_CALLING_STATION_ID = 31,
	RADIUS_A_NAS_IDENTIFIER = 32,
	RADIUS_A_ACCT_STATUS_TYPE = 40,
	RADIUS_A_ACCT_DELAY_TIME = 41,
	RADIUS_A_ACCT_INPUT_OCTETS = 42,
	RADIUS_A_ACCT_OUTPUT_OCTETS = 43,
	RADIUS_A_ACCT_SESSION_ID = 44,
	RADIUS_A_ACCT_SESSION_TIME = 46,
	RADIUS_A_ACCT_INPUT_PACKETS = 47,
	RADIUS_A_ACCT_OUTPUT_PACKETS = 48,
	RADIUS_A_ACCT_TERMINATE_CAUSE = 49,
	RADIUS_A_ACCT_INPUT_GIGAWORDS = 52,
	RADIUS_A_ACCT_OUTPUT_GIGAWORDS = 53,
	RADIUS_A_NAS_PORT_TYPE = 61,
	RADIUS_A_EAP_MESSAGE = 79,
	RADIUS_A_MESSAGE_AUTHENTICATOR = 80,
	RADIUS_A_NAS_IPV6_ADDRESS = 95,
};

#define RADIUS_VENDOR_MICROSOFT 311 /* RFC 2548 */
#define RADIUS_MS_MPPE_SEND_KEY 16
#define RADIUS_MS_MPPE_RECV_KEY 17
#define RADIUS_SERVICE_FRAMED	2 /* Service-Type, RFC 2865 5.6 */
#define RADIUS_NAS_PORT_VIRTUAL 5 /* NAS-Port-Type, RFC 2865 5.41 */
#define RADIUS_MPPE_KEY_MAX	64

enum radius_acct_status { /* Acct-Status-Type, RFC 2866 5.1, RFC 2869 2.1 */
			  RADIUS_ACCT_START = 1,
			  RADIUS_ACCT_STOP = 2,
			  RADIUS_ACCT_INTERIM = 3,
};

enum radius_terminate_cause { /* Acct-Terminate-Cause, RFC 2866 5.10 (a selection) */
			      RADIUS_TERM_USER_REQUEST = 1,
			      RADIUS_TERM_LOST_CARRIER = 2,
			      RADIUS_TERM_IDLE_TIMEOUT = 4,
			      RADIUS_TERM_SESSION_TIMEOUT = 5,
			      RADIUS_TERM_ADMIN_RESET = 6,
			      RADIUS_TERM_ADMIN_REBOOT = 7,
			      RADIUS_TERM_NAS_ERROR = 9,
			      RADIUS_TERM_NAS_REQUEST = 10,
			      RADIUS_TERM_NAS_REBOOT = 11,
};

struct radius_attr { /* borrowed from the decoded buffer */
	uint8_t type;
	uint8_t len; /* of the value */
	const uint8_t *value;
};

struct radius_pkt {
	uint8_t code, id;
	uint16_t len; /* from the header; bytes past it were ignored (RFC 2865 3) */
	uint8_t auth[RADIUS_AUTH_LEN];
	const uint8_t *raw; /* the packet, len bytes, borrowed */
	unsigned int nattr;
	struct radius_attr attr[RADIUS_MAX_ATTRS];
	int ma_index; /* the Message-Authenticator attribute, or -1 */
};

/* Structure only (RFC 2865 3, 5): a header of a sane length no longer than the datagram,
 * attributes that fill it exactly, at most one Message-Authenticator of 16 bytes. Borrows
 * p. 0 or -EBADMSG / -E2BIG. */
int radius_decode(const uint8_t *p, size_t len, struct radius_pkt *pkt);
/* The first attribute of type after index *from (start with *from = -1), or NULL. */
const struct radius_attr *radius_find(const struct radius_pkt *pkt, uint8_t type, int *from);

/* Encoding: begin, put attributes, finish. The writer's content is the packet. */
void radius_enc_begin(struct wbuf *w, uint8_t code, uint8_t id,
		      const uint8_t auth[RADIUS_AUTH_LEN]);
/* One attribute; false (nothing written) when len > 253 or the packet would pass 4096. */
bool radius_put(struct wbuf *w, uint8_t type, const void *p, size_t len);
bool radius_put_u32(struct wbuf *w, uint8_t type, uint32_t v);
bool radius_put_str(struct wbuf *w, uint8_t type, const char *s);
/* A Vendor-Specific attribute holding one vendor attribute (RFC 2865 5.26). */
bool radius_put_vsa(struct wbuf *w, uint32_t vendor, uint8_t vtype, const void *p, size_t len);
/* p split over as many attributes of type as it takes (EAP-Message, RFC 3579 3.1). */
bool radius_put_split(struct wbuf *w, uint8_t type, const void *p, size_t len);
/* A zeroed Message-Authenticator for radius_enc_finish to fill (RFC 3579 3.2). */
bool radius_put_ma(struct wbuf *w);
/* User-Password hidden with the secret and the Request Authenticator (RFC 2865 5.2). */
bool radius_put_password(struct wbuf *w, const char *password, const void *secret,
			 size_t secretlen);
/* Patches the length, then fills a Message-Authenticator if there is one and, for
 * everything but an Access-Request, the authenticator field: req_auth is the request's
 * Request Authenticator for a reply, NULL for an Accounting-Request (RFC 2866 3). 0 or
 * -EIO / -ENOMEM. */
int radius_enc_finish(struct wbuf *w, const void *secret, size_t secretlen,
		      const uint8_t *req_auth);

/* A reply's authenticity against the request it answers: the Response Authenticator
 * (RFC 2865 3) and, when present, the Message-Authenticator (RFC 3579 3.2). need_ma: refuse
 * a reply without one. Constant-time comparisons. 0, or -EBADMSG with *why set. */
int radius_verify_reply(const struct radius_pkt *pkt, const uint8_t req_auth[RADIUS_AUTH_LEN],
			const void *secret, size_t secretlen, bool need_ma, const char **why);
/* An Access-Request's (or, with req_auth NULL, an Accounting-Request's) authenticity: what
 * a server checks; for tests and fakes. 0 or -EBADMSG. */
int radius_verify_request(const struct radius_pkt *pkt, const void *secret, size_t secretlen);
/* MS-MPPE-Send/Recv-Key's value after the vendor header: Salt and String (RFC 2548
 * 2.4.2), decrypted with the secret and the request's authenticator into key (up to
 * RADIUS_MPPE_KEY_MAX bytes). 0 or -EBADMSG. */
int radius_mppe_decrypt(const uint8_t *val, size_t len, const void *secret, size_t secretlen,
			const uint8_t req_auth[RADIUS_AUTH_LEN], uint8_t *key, size_t *keylen);
/* The reverse, for tests and fake servers: salt's high bit is set here. */
int radius_mppe_encrypt(const uint8_t *key, size_t keylen, uint16_t salt, const void *secret,
			size_t secretlen, const uint8_t req_auth[RADIUS_AUTH_LEN],
			struct wbuf *out);
const char *radius_code_name(uint8_t code);

/* --- what a reply says, decoded for the engine --- */

#define RADIUS_MAX_CLASS 4

enum radius_result {
	RADIUS_RES_ACCEPT,
	RADIUS_RES_REJECT,
	RADIUS_RES_CHALLENGE,
	RADIUS_RES_ACCT_OK, /* an Accounting-Response */
	RADIUS_RES_TIMEOUT, /* no server answered */
	RADIUS_RES_ERROR,   /* the request could not be built or sent anywhere */
};

struct radius_bytes {
	uint8_t len;
	uint8_t data[RADIUS_ATTR_MAX];
};

struct radius_reply {
	enum radius_result result;
	const char *server; /* the address that answered, for logs */
	size_t eap_len;	    /* EAP-Messages reassembled (RFC 3579 3.1); 0: none */
	uint8_t eap[RADIUS_MAX_LEN];
	struct radius_bytes state;
	unsigned int nclass;
	struct radius_bytes class_[RADIUS_MAX_CLASS];
	bool has_framed_ip, has_session_timeout;
	struct in_addr framed_ip;
	uint32_t session_timeout;
	/* MS-MPPE-Recv-Key and Send-Key: the MSK is recv || send (RFC 5216 2.3 layout) */
	size_t send_key_len, recv_key_len;
	uint8_t send_key[RADIUS_MPPE_KEY_MAX], recv_key[RADIUS_MPPE_KEY_MAX];
	char reply_message[RADIUS_ATTR_MAX + 1]; /* the first, NUL-terminated, "" when none */
	/* RADIUS_RES_TIMEOUT: what every server was given (tries transmissions, timeout_ms
	 * apart) and how long that took, for the log line a user acts on */
	unsigned int timeout_ms, tries, waited_ms;
};

/* Decodes a verified reply's attributes into r (code, EAP, State, Class, Framed-IP-Address,
 * Session-Timeout, MPPE keys, Reply-Message). 0 or -EBADMSG (a malformed attribute, or
 * MPPE keys that do not decrypt). Wipe r with radius_reply_clear afterwards. */
int radius_reply_parse(const struct radius_pkt *pkt, const uint8_t req_auth[RADIUS_AUTH_LEN],
		       const void *secret, size_t secretlen, struct radius_reply *r);
void radius_reply_clear(struct radius_reply *r);

/* --- the client --- */

struct loop;
struct radius_client;
struct radius_handle;

#define RADIUS_MAX_SERVERS 8

struct radius_server_conf {
	struct sockaddr_storage addr; /* port ignored: the two below are used */
	struct sockaddr_storage src;  /* src-address; family 0: the routed source */
	uint16_t auth_port, acct_port;
	const uint8_t *secret; /* copied */
	size_t secretlen;
};

struct radius_client_conf {
	unsigned int nservers;
	struct radius_server_conf server[RADIUS_MAX_SERVERS]; /* tried in this order */
	unsigned int timeout_ms;    /* per transmission; RouterOS's default is 300 */
	unsigned int tries;	    /* transmissions per server before the next; 0: 3 */
	const char *nas_identifier; /* NAS-Identifier; NULL: "ipsecd" */
	bool require_ma;	    /* refuse Access replies without Message-Authenticator (RFC 3579
				       3.2 requires it with EAP-Message; Blast-RADIUS: on all) */
};

/* A client on loop l. NULL when no server could be set up (errno-style reason in *err). */
struct radius_client *radius_client_new(struct loop *l, const struct radius_client_conf *conf,
					int *err);
/* Cancels every outstanding request (their callbacks are not called), closes the
 * sockets and wipes the secrets. Accepts NULL. */
void radius_client_free(struct radius_client *c);

/* One Access-Request's content; everything borrowed for the duration of the call. */
struct radius_req {
	const char *user;   /* User-Name (the EAP identity) */
	const uint8_t *eap; /* EAP-Message, fragmented at 253 bytes; NULL: none */
	size_t eap_len;
	const uint8_t *state; /* State from the last Challenge; NULL: none */
	size_t state_len;
	const char *password;		/* User-Password (XAuth over RADIUS); NULL: none */
	const struct sockaddr *calling; /* the client's address: Calling-Station-Id */
	const struct sockaddr *called;	/* our address: Called-Station-Id; NULL: none */
	uint32_t nas_port;		/* NAS-Port (the IKE SA's number); 0: none */
	uint16_t framed_mtu;		/* Framed-MTU for EAP-TLS fragments; 0: none */
};

/* Called once with the outcome; r is valid (and wiped afterwards) only during the call.
 * The handle is already gone: do not cancel it here. */
typedef void (*radius_cb)(void *arg, const struct radius_reply *r);

/* Sends an Access-Request to the first server. NULL when it could not even be built
 * (the callback is then never called). */
struct radius_handle *radius_auth(struct radius_client *c, const struct radius_req *req,
				  radius_cb cb, void *arg);

struct radius_acct_req {
	enum radius_acct_status status;
	const char *session_id; /* Acct-Session-Id, required */
	const char *user;
	const struct sockaddr *calling;
	const struct radius_bytes *class_; /* echoed from the Access-Accept (RFC 2865 5.25) */
	unsigned int nclass;
	const struct in_addr *framed_ip;
	uint32_t nas_port;
	/* Interim and Stop: */
	uint64_t in_octets, out_octets; /* split into Octets and Gigawords (RFC 2869 5.1) */
	uint32_t in_packets, out_packets;
	uint32_t session_time;	  /* seconds */
	uint32_t terminate_cause; /* Stop only; 0: none */
};

/* Sends an Accounting-Request; cb may be NULL (fire and forget: still retried and failed
 * over). NULL when it could not be built. */
struct radius_handle *radius_acct(struct radius_client *c, const struct radius_acct_req *req,
				  radius_cb cb, void *arg);
/* Forgets a request (the IKE SA died first): its callback will not be called. Accepts
 * NULL. */
void radius_cancel(struct radius_handle *h);
/* Requests still waiting for an answer (for tests and stats). */
unsigned int radius_pending(const struct radius_client *c);

#endif
