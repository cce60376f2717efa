/* reply: a verified Access-Accept/Reject/Challenge or Accounting-Response, decoded into
 * what the engine acts on (struct radius_reply). Attributes it does not know are skipped;
 * known ones of the wrong size make the reply malformed. */
#include <errno.h>
#include <string.h>

#include "ipsecd/crypto.h"
#include "ipsecd/radius.h"

static bool get_u32(const struct radius_attr *a, uint32_t *v)
{
	if (a->len != 4)
		return false;
	*v = (uint32_t)a->value[0] << 24 | (uint32_t)a->value[1] << 16 |
	     (uint32_t)a->value[2] << 8 | a->value[3];
	return true;
}

/* RFC 2548 2.4.2, 2.4.3: the Microsoft MPPE keys inside a Vendor-Specific attribute. */
static int parse_vsa(const struct radius_attr *a, const uint8_t *req_auth, const void *secret,
		     size_t secretlen, struct radius_reply *r)
{
	struct rbuf b;
	uint32_t vendor;
	uint8_t vtype, vlen;
	const uint8_t *v;

	rbuf_init(&b, a->value, a->len);
	if (!rbuf_u32(&b, &vendor))
		return -EBADMSG;
	if (vendor != RADIUS_VENDOR_MICROSOFT)
		return 0;
	while (rbuf_left(&b)) {
		if (!rbuf_u8(&b, &vtype) || !rbuf_u8(&b, &vlen) || vlen < 2 ||
		    !rbuf_bytes(&b, vlen - 2u, &v))
			return -EBADMSG;
		if (vtype == RADIUS_MS_MPPE_SEND_KEY &&
		    radius_mppe_decrypt(v, vlen - 2u, secret, secretlen, req_auth, r->send_key,
					&r->send_key_len))
			return -EBADMSG;
		if (vtype == RADIUS_MS_MPPE_RECV_KEY &&
		    radius_mppe_decrypt(v, vlen - 2u, secret, secretlen, req_auth, r->recv_key,
					&r->recv_key_len))
			return -EBADMSG;
	}
	return 0;
}

static void copy_bytes(struct radius_bytes *d, const struct radius_attr *a)
{
	d->len = a->len;
	memcpy(d->data, a->value, a->len);
}

static int parse_attr(const struct radius_attr *a, const uint8_t *req_auth, const void *secret,
		      size_t secretlen, struct radius_reply *r)
{
	uint32_t v;

	switch (a->type) {
	case RADIUS_A_EAP_MESSAGE: /* RFC 3579 3.1: concatenated in order */
		if (r->eap_len + a->len > sizeof(r->eap))
			return -EBADMSG;
		memcpy(r->eap + r->eap_len, a->value, a->len);
		r->eap_len += a->len;
		break;
	case RADIUS_A_STATE:
		copy_bytes(&r->state, a);
		break;
	case RADIUS_A_CLASS:
		if (r->nclass < RADIUS_MAX_CLASS)
			copy_bytes(&r->class_[r->nclass++], a);
		break;
	case RADIUS_A_FRAMED_IP_ADDRESS:
		if (a->len != 4)
			return -EBADMSG;
		memcpy(&r->framed_ip, a->value, 4);
		r->has_framed_ip = true;
		break;
	case RADIUS_A_SESSION_TIMEOUT:
		if (!get_u32(a, &v))
			return -EBADMSG;
		r->session_timeout = v;
		r->has_session_timeout = true;
		break;
	case RADIUS_A_REPLY_MESSAGE:
		if (!r->reply_message[0]) {
			memcpy(r->reply_message, a->value, a->len);
			r->reply_message[a->len] = '\0';
		}
		break;
	case RADIUS_A_VENDOR_SPECIFIC:
		return parse_vsa(a, req_auth, secret, secretlen, r);
	}
	return 0;
}

int radius_reply_parse(const struct radius_pkt *pkt, const uint8_t req_auth[RADIUS_AUTH_LEN],
		       const void *secret, size_t secretlen, struct radius_reply *r)
{
	const char *server = r->server;
	int err = 0;

	memset(r, 0, sizeof(*r));
	r->server = server;
	switch (pkt->code) {
	case RADIUS_ACCESS_ACCEPT:
		r->result = RADIUS_RES_ACCEPT;
		break;
	case RADIUS_ACCESS_REJECT:
		r->result = RADIUS_RES_REJECT;
		break;
	case RADIUS_ACCESS_CHALLENGE:
		r->result = RADIUS_RES_CHALLENGE;
		break;
	case RADIUS_ACCOUNTING_RESPONSE:
		r->result = RADIUS_RES_ACCT_OK;
		break;
	default:
		return -EBADMSG;
	}
	for (unsigned int i = 0; !err && i < pkt->nattr; i++)
		err = parse_attr(&pkt->attr[i], req_auth, secret, secretlen, r);
	/* RFC 3579 3.1: the EAP packet's own length must match what was reassembled */
	if (!err && r->eap_len &&
	    (r->eap_len < 4 || (size_t)(r->eap[2] << 8 | r->eap[3]) != r->eap_len))
		err = -EBADMSG;
	if (err)
		radius_reply_clear(r);
	return err;
}

void radius_reply_clear(struct radius_reply *r)
{
	crypto_cleanse(r->send_key, sizeof(r->send_key));
	crypto_cleanse(r->recv_key, sizeof(r->recv_key));
	crypto_cleanse(r->eap, r->eap_len);
	r->send_key_len = r->recv_key_len = r->eap_len = 0;
}
