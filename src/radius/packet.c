/* packet: the RADIUS packet codec (RFC 2865 3, 5), its authenticators (RFC 2865 3,
 * RFC 2866 3, RFC 3579 3.2) and the hidden attributes (User-Password, RFC 2865 5.2;
 * MS-MPPE keys, RFC 2548 2.4.2). Bytes in, structs out, and back; no state. */
#include <errno.h>
#include <string.h>

#include "ipsecd/crypto_aaa.h"
#include "ipsecd/radius.h"

int radius_decode(const uint8_t *p, size_t len, struct radius_pkt *pkt)
{
	struct rbuf r, attrs;
	uint16_t hlen;

	rbuf_init(&r, p, len);
	pkt->nattr = 0;
	pkt->ma_index = -1;
	if (!rbuf_u8(&r, &pkt->code) || !rbuf_u8(&r, &pkt->id) || !rbuf_u16(&r, &hlen))
		return -EBADMSG;
	/* RFC 2865 3: shorter than its Length field: drop; longer: the rest is padding */
	if (hlen < RADIUS_HDR_LEN || hlen > RADIUS_MAX_LEN || hlen > len)
		return -EBADMSG;
	pkt->len = hlen;
	pkt->raw = p;
	if (!rbuf_copy(&r, pkt->auth, RADIUS_AUTH_LEN) ||
	    !rbuf_sub(&r, hlen - RADIUS_HDR_LEN, &attrs))
		return -EBADMSG;
	while (rbuf_left(&attrs)) {
		struct radius_attr *a = &pkt->attr[pkt->nattr];
		uint8_t alen;

		if (pkt->nattr >= RADIUS_MAX_ATTRS)
			return -E2BIG;
		/* RFC 2865 5: Length counts type and length, so at least 2 */
		if (!rbuf_u8(&attrs, &a->type) || !rbuf_u8(&attrs, &alen) || alen < 2 ||
		    !rbuf_bytes(&attrs, alen - 2u, &a->value))
			return -EBADMSG;
		a->len = (uint8_t)(alen - 2);
		if (a->type == RADIUS_A_MESSAGE_AUTHENTICATOR) {
			/* RFC 3579 3.2: exactly 16 octets, at most once */
			if (a->len != 16 || pkt->ma_index >= 0)
				return -EBADMSG;
			pkt->ma_index = (int)pkt->nattr;
		}
		pkt->nattr++;
	}
	return 0;
}

const struct radius_attr *radius_find(const struct radius_pkt *pkt, uint8_t type, int *from)
{
	for (int i = *from + 1; i < (int)pkt->nattr; i++)
		if (pkt->attr[i].type == type) {
			*from = i;
			return &pkt->attr[i];
		}
	return NULL;
}

void radius_enc_begin(struct wbuf *w, uint8_t code, uint8_t id, const uint8_t auth[RADIUS_AUTH_LEN])
{
	wbuf_u8(w, code);
	wbuf_u8(w, id);
	wbuf_u16(w, 0); /* patched by radius_enc_finish */
	if (auth)
		wbuf_bytes(w, auth, RADIUS_AUTH_LEN);
	else
		wbuf_zero(w, RADIUS_AUTH_LEN);
}

bool radius_put(struct wbuf *w, uint8_t type, const void *p, size_t len)
{
	if (len > RADIUS_ATTR_MAX || w->len + 2 + len > RADIUS_MAX_LEN)
		return false;
	wbuf_u8(w, type);
	wbuf_u8(w, (uint8_t)(len + 2));
	wbuf_bytes(w, p, len);
	return !w->err;
}

bool radius_put_u32(struct wbuf *w, uint8_t type, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

	return radius_put(w, type, b, 4);
}

bool radius_put_str(struct wbuf *w, uint8_t type, const char *s)
{
	/* RFC 2865 5: text attributes are never empty */
	return *s && radius_put(w, type, s, strlen(s));
}

bool radius_put_vsa(struct wbuf *w, uint32_t vendor, uint8_t vtype, const void *p, size_t len)
{
	uint8_t v[RADIUS_ATTR_MAX];

	/* RFC 2865 5.26: Vendor-Id, then the vendor's type, length (counting both), value */
	if (len > RADIUS_ATTR_MAX - 6)
		return false;
	v[0] = (uint8_t)(vendor >> 24);
	v[1] = (uint8_t)(vendor >> 16);
	v[2] = (uint8_t)(vendor >> 8);
	v[3] = (uint8_t)vendor;
	v[4] = vtype;
	v[5] = (uint8_t)(len + 2);
	memcpy(v + 6, p, len);
	return radius_put(w, RADIUS_A_VENDOR_SPECIFIC, v, len + 6);
}

bool radius_put_split(struct wbuf *w, uint8_t type, const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len) {
		size_t n = len > RADIUS_ATTR_MAX ? RADIUS_ATTR_MAX : len;

		if (!radius_put(w, type, b, n))
			return false;
		b += n;
		len -= n;
	}
	return true;
}

bool radius_put_ma(struct wbuf *w)
{
	static const uint8_t zero[16];

	return radius_put(w, RADIUS_A_MESSAGE_AUTHENTICATOR, zero, 16);
}

bool radius_put_password(struct wbuf *w, const char *password, const void *secret, size_t secretlen)
{
	size_t plen = strlen(password), n = plen ? (plen + 15) / 16 * 16 : 16;
	uint8_t out[128], b[16];
	const uint8_t *prev = w->len >= RADIUS_HDR_LEN ? w->p + 4 : NULL; /* Request Auth */
	bool ok = prev && plen <= sizeof(out);

	/* RFC 2865 5.2: c(i) = p(i) xor MD5(S + c(i-1)), c(0) = the Request Authenticator */
	for (size_t i = 0; ok && i < n; i += 16) {
		struct crypto_iov iov[2] = {{secret, secretlen}, {prev, 16}};

		ok = crypto_md5(iov, 2, b) == 0;
		for (size_t j = 0; ok && j < 16; j++)
			out[i + j] = b[j] ^ (i + j < plen ? (uint8_t)password[i + j] : 0);
		prev = out + i;
	}
	ok = ok && radius_put(w, RADIUS_A_USER_PASSWORD, out, n);
	crypto_cleanse(out, sizeof(out));
	crypto_cleanse(b, sizeof(b));
	return ok;
}

/* The offset of the Message-Authenticator's value in a packet being encoded, or 0. */
static size_t find_ma(const uint8_t *p, size_t len)
{
	for (size_t off = RADIUS_HDR_LEN; off + 2 <= len && p[off + 1] >= 2; off += p[off + 1])
		if (p[off] == RADIUS_A_MESSAGE_AUTHENTICATOR && p[off + 1] == 18 && off + 18 <= len)
			return off + 2;
	return 0;
}

int radius_enc_finish(struct wbuf *w, const void *secret, size_t secretlen, const uint8_t *req_auth)
{
	static const uint8_t zero[RADIUS_AUTH_LEN];
	bool request = w->len >= 1 && w->p[0] == RADIUS_ACCESS_REQUEST;
	uint8_t mac[16];
	size_t ma;

	if (w->err || w->len < RADIUS_HDR_LEN || w->len > RADIUS_MAX_LEN)
		return w->err ? -ENOMEM : -EINVAL;
	wbuf_patch_u16(w, 2, (uint16_t)w->len);
	/* RFC 3579 3.2: replies are signed over the request's authenticator; RFC 2866 3:
	 * an Accounting-Request's authenticator is computed over sixteen zeros */
	if (!request)
		memcpy(w->p + 4, req_auth ? req_auth : zero, RADIUS_AUTH_LEN);
	if ((ma = find_ma(w->p, w->len))) {
		struct crypto_iov iov = {w->p, w->len};

		memset(w->p + ma, 0, 16);
		if (crypto_hmac_md5(secret, secretlen, &iov, 1, mac))
			return -EIO;
		memcpy(w->p + ma, mac, 16);
	}
	if (!request) {
		struct crypto_iov iov[2] = {{w->p, w->len}, {secret, secretlen}};

		if (crypto_md5(iov, 2, mac))
			return -EIO;
		memcpy(w->p + 4, mac, 16);
	}
	return 0;
}

/* The Message-Authenticator over pkt's bytes with auth in the authenticator field. */
static int check_ma(const struct radius_pkt *pkt, const uint8_t *auth, const void *secret,
		    size_t secretlen)
{
	const uint8_t *ma = pkt->attr[pkt->ma_index].value;
	size_t off = (size_t)(ma - pkt->raw);
	static const uint8_t zero[16];
	uint8_t mac[16];
	struct crypto_iov iov[5] = {
		{pkt->raw, 4},
		{auth, RADIUS_AUTH_LEN},
		{pkt->raw + RADIUS_HDR_LEN, off - RADIUS_HDR_LEN},
		{zero, 16},
		{ma + 16, pkt->len - off - 16},
	};

	if (crypto_hmac_md5(secret, secretlen, iov, 5, mac))
		return -EIO;
	return crypto_memeq(mac, ma, 16) ? 0 : -EBADMSG;
}

/* MD5(Code+ID+Length+auth+Attributes+Secret) == the packet's authenticator field. */
static bool check_auth(const struct radius_pkt *pkt, const uint8_t *auth, const void *secret,
		       size_t secretlen)
{
	uint8_t md[16];
	struct crypto_iov iov[4] = {
		{pkt->raw, 4},
		{auth, RADIUS_AUTH_LEN},
		{pkt->raw + RADIUS_HDR_LEN, pkt->len - RADIUS_HDR_LEN},
		{secret, secretlen},
	};

	return crypto_md5(iov, 4, md) == 0 && crypto_memeq(md, pkt->auth, 16);
}

int radius_verify_reply(const struct radius_pkt *pkt, const uint8_t req_auth[RADIUS_AUTH_LEN],
			const void *secret, size_t secretlen, bool need_ma, const char **why)
{
	int i = -1;

	if (!check_auth(pkt, req_auth, secret, secretlen)) {
		*why = "bad Response Authenticator (wrong secret, or forged)";
		return -EBADMSG;
	}
	if (pkt->ma_index < 0) {
		/* RFC 3579 3.2: mandatory with EAP-Message */
		if (need_ma || radius_find(pkt, RADIUS_A_EAP_MESSAGE, &i)) {
			*why = "no Message-Authenticator";
			return -EBADMSG;
		}
		return 0;
	}
	if (check_ma(pkt, req_auth, secret, secretlen)) {
		*why = "bad Message-Authenticator";
		return -EBADMSG;
	}
	return 0;
}

int radius_verify_request(const struct radius_pkt *pkt, const void *secret, size_t secretlen)
{
	static const uint8_t zero[RADIUS_AUTH_LEN];

	if (pkt->code != RADIUS_ACCESS_REQUEST) {
		if (!check_auth(pkt, zero, secret, secretlen))
			return -EBADMSG;
		return pkt->ma_index < 0 ? 0 : check_ma(pkt, zero, secret, secretlen);
	}
	if (pkt->ma_index < 0)
		return -EBADMSG;
	return check_ma(pkt, pkt->auth, secret, secretlen);
}

/* b = MD5(secret + prev + extra): the key stream block of RFC 2548 2.4.2. */
static int mppe_block(const void *secret, size_t secretlen, const uint8_t *prev, size_t prevlen,
		      const uint8_t *extra, size_t extralen, uint8_t b[16])
{
	struct crypto_iov iov[3] = {{secret, secretlen}, {prev, prevlen}, {extra, extralen}};

	return crypto_md5(iov, 3, b);
}

int radius_mppe_decrypt(const uint8_t *val, size_t len, const void *secret, size_t secretlen,
			const uint8_t req_auth[RADIUS_AUTH_LEN], uint8_t *key, size_t *keylen)
{
	uint8_t plain[RADIUS_ATTR_MAX], b[16];
	size_t n = len - 2;
	int err = 0;

	/* RFC 2548 2.4.2: Salt (2 octets, high bit set), String: a multiple of 16 */
	if (len < 2 + 16 || len - 2 > sizeof(plain) || (len - 2) % 16 || !(val[0] & 0x80))
		return -EBADMSG;
	for (size_t i = 0; !err && i < n; i += 16) {
		/* b(1) = MD5(S + R + A), b(i) = MD5(S + c(i-1)) */
		err = i ? mppe_block(secret, secretlen, val + 2 + i - 16, 16, NULL, 0, b)
			: mppe_block(secret, secretlen, req_auth, 16, val, 2, b);
		for (size_t j = 0; j < 16; j++)
			plain[i + j] = val[2 + i + j] ^ b[j];
	}
	/* the first plaintext octet is the key's length; the rest is padding */
	if (!err && (plain[0] == 0 || plain[0] > n - 1 || plain[0] > RADIUS_MPPE_KEY_MAX))
		err = -EBADMSG;
	if (!err) {
		*keylen = plain[0];
		memcpy(key, plain + 1, plain[0]);
	}
	crypto_cleanse(plain, sizeof(plain));
	crypto_cleanse(b, sizeof(b));
	return err ? -EBADMSG : 0;
}

int radius_mppe_encrypt(const uint8_t *key, size_t keylen, uint16_t salt, const void *secret,
			size_t secretlen, const uint8_t req_auth[RADIUS_AUTH_LEN], struct wbuf *out)
{
	uint8_t plain[RADIUS_ATTR_MAX] = {0}, b[16],
		s[2] = {(uint8_t)(salt >> 8 | 0x80), (uint8_t)salt};
	size_t n = (keylen + 1 + 15) / 16 * 16;
	uint8_t *c;

	if (!keylen || keylen > RADIUS_MPPE_KEY_MAX)
		return -EINVAL;
	plain[0] = (uint8_t)keylen;
	memcpy(plain + 1, key, keylen);
	wbuf_bytes(out, s, 2);
	for (size_t i = 0; i < n; i += 16) {
		if ((i ? mppe_block(secret, secretlen, out->p + out->len - 16, 16, NULL, 0, b)
		       : mppe_block(secret, secretlen, req_auth, 16, s, 2, b)) ||
		    !(c = wbuf_reserve(out, 16)))
			return -EIO;
		for (size_t j = 0; j < 16; j++)
			c[j] = plain[i + j] ^ b[j];
	}
	crypto_cleanse(plain, sizeof(plain));
	return 0;
}

const char *radius_code_name(uint8_t code)
{
	switch (code) {
	case RADIUS_ACCESS_REQUEST:
		return "Access-Request";
	case RADIUS_ACCESS_ACCEPT:
		return "Access-Accept";
	case RADIUS_ACCESS_REJECT:
		return "Access-Reject";
	case RADIUS_ACCOUNTING_REQUEST:
		return "Accounting-Request";
	case RADIUS_ACCOUNTING_RESPONSE:
		return "Accounting-Response";
	case RADIUS_ACCESS_CHALLENGE:
		return "Access-Challenge";
	}
	return "unknown";
}
