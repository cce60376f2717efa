/* mschapv2_sm: EAP-MSCHAPv2 as authenticator and as peer (draft-kamath-pppext-eap-mschapv2,
 * RFC 2759 5-6). Mutual: the peer trusts an EAP-Success only after the authenticator's
 * "S=" proved it knows the password too. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/crypto.h"
#include "ipsecd/eap.h"

#define NAME_MAX_LEN 256

enum ms_state { MS_IDLE, MS_CHALLENGED, MS_SUCCESS_SENT, MS_FAILURE_SENT, MS_DONE };

struct eap_ms_auth {
	enum ms_state state;
	uint8_t id;
	uint8_t auth_chal[16];
	char name[NAME_MAX_LEN + 1];
	eap_ms_password_fn password;
	void *arg;
	bool ok;
	uint8_t msk[EAP_MS_MSK_LEN];
};

struct eap_ms_peer {
	enum ms_state state;
	char user[NAME_MAX_LEN + 1];
	char password[NAME_MAX_LEN * 4 + 1];
	uint8_t pw_hash[16], peer_chal[16], auth_chal[16], nt[24];
	bool ok;
	uint8_t msk[EAP_MS_MSK_LEN];
};

static void copy_name(char *dst, size_t size, const struct eap_bytes *b)
{
	size_t n = b->len < size - 1 ? b->len : size - 1;

	memcpy(dst, b->ptr, n);
	dst[n] = '\0';
}

/* --- authenticator --- */

struct eap_ms_auth *eap_ms_auth_new(const char *server_name, eap_ms_password_fn fn, void *arg)
{
	struct eap_ms_auth *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	strncpy(a->name, server_name, NAME_MAX_LEN);
	a->password = fn;
	a->arg = arg;
	return a;
}

void eap_ms_auth_free(struct eap_ms_auth *a)
{
	if (!a)
		return;
	crypto_cleanse(a, sizeof(*a));
	free(a);
}

int eap_ms_auth_start(struct eap_ms_auth *a, uint8_t id, struct wbuf *out)
{
	if (crypto_random(a->auth_chal, 16))
		return -EIO;
	a->id = id;
	a->state = MS_CHALLENGED;
	eap_put_ms_challenge(out, id, a->auth_chal, a->name);
	return out->err ? -ENOMEM : 0;
}

/* The peer's Response: right password -> Success Request with "S=", else Failure. */
static int auth_check(struct eap_ms_auth *a, const struct eap_mschapv2 *m, struct wbuf *out)
{
	char user[NAME_MAX_LEN + 1], pw[NAME_MAX_LEN * 4 + 1], s[43];
	uint8_t hash[16], nt[24];
	int err = -EACCES;

	copy_name(user, sizeof(user), &m->name);
	if (a->password(a->arg, user, pw, sizeof(pw)) &&
	    (err = eap_ms_password_hash(pw, hash)) == 0 &&
	    (err = eap_ms_nt_response(a->auth_chal, m->peer_challenge, user, hash, nt)) == 0)
		err = crypto_memeq(nt, m->nt_response, 24) ? 0 : -EACCES;
	if (!err)
		err = eap_ms_auth_response(hash, nt, m->peer_challenge, a->auth_chal, user, s);
	if (!err)
		err = eap_ms_msk(hash, nt, a->msk);
	a->id++;
	if (!err) {
		eap_put_ms_result(out, a->id, EAP_MS_SUCCESS, m->ms_id, s);
		a->state = MS_SUCCESS_SENT;
	} else if (err == -EACCES) {
		/* RFC 2759 6: 691 authentication failure, no retry */
		eap_put_ms_result(out, a->id, EAP_MS_FAILURE, m->ms_id, "E=691 R=0 V=3");
		a->state = MS_FAILURE_SENT;
	}
	crypto_cleanse(pw, sizeof(pw));
	crypto_cleanse(hash, sizeof(hash));
	return err == -EACCES ? 0 : err;
}

int eap_ms_auth_process(struct eap_ms_auth *a, const uint8_t *pkt, size_t len, struct wbuf *out,
			enum eap_status *st)
{
	struct eap_pkt e;
	struct eap_mschapv2 m;
	int err;

	*st = EAP_ST_CONTINUE;
	if (eap_decode(pkt, len, &e) || e.code != EAP_CODE_RESPONSE || e.id != a->id)
		return -EBADMSG;
	if (e.type == EAP_T_NAK) { /* the peer wants another method: we have none */
		eap_encode(out, EAP_CODE_FAILURE, a->id, 0, NULL, 0);
		a->state = MS_DONE;
		*st = EAP_ST_FAILURE;
		return 0;
	}
	if ((err = eap_mschapv2_decode(&e, &m)))
		return err;
	if (a->state == MS_CHALLENGED && m.op == EAP_MS_RESPONSE)
		return auth_check(a, &m, out);
	if ((a->state == MS_SUCCESS_SENT && m.op == EAP_MS_SUCCESS) ||
	    (a->state == MS_FAILURE_SENT && m.op == EAP_MS_FAILURE)) {
		a->ok = a->state == MS_SUCCESS_SENT;
		eap_encode(out, a->ok ? EAP_CODE_SUCCESS : EAP_CODE_FAILURE, a->id, 0, NULL, 0);
		a->state = MS_DONE;
		*st = a->ok ? EAP_ST_SUCCESS : EAP_ST_FAILURE;
		return 0;
	}
	return -EPROTO;
}

const uint8_t *eap_ms_auth_msk(const struct eap_ms_auth *a)
{
	return a->ok ? a->msk : NULL;
}

/* --- peer --- */

struct eap_ms_peer *eap_ms_peer_new(const char *user, const char *password)
{
	struct eap_ms_peer *p;

	if (strlen(user) > NAME_MAX_LEN || strlen(password) >= sizeof(p->password) ||
	    !(p = calloc(1, sizeof(*p))))
		return NULL;
	strcpy(p->user, user);
	strcpy(p->password, password);
	return p;
}

void eap_ms_peer_free(struct eap_ms_peer *p)
{
	if (!p)
		return;
	crypto_cleanse(p, sizeof(*p));
	free(p);
}

static int peer_challenge(struct eap_ms_peer *p, const struct eap_pkt *e,
			  const struct eap_mschapv2 *m, struct wbuf *out)
{
	int err;

	memcpy(p->auth_chal, m->challenge, 16);
	if ((err = crypto_random(p->peer_chal, 16)) ||
	    (err = eap_ms_password_hash(p->password, p->pw_hash)) ||
	    (err = eap_ms_nt_response(p->auth_chal, p->peer_chal, p->user, p->pw_hash, p->nt)))
		return err;
	eap_put_ms_response(out, e->id, m->ms_id, p->peer_chal, p->nt, p->user);
	p->state = MS_CHALLENGED;
	return 0;
}

/* RFC 2759 5: "S=<40 hex digits>" first in the message, compared in constant time. */
static int peer_verify(struct eap_ms_peer *p, const struct eap_mschapv2 *m)
{
	char s[43];
	int err = eap_ms_auth_response(p->pw_hash, p->nt, p->peer_chal, p->auth_chal, p->user, s);

	if (err)
		return err;
	if (m->message.len < 42 || !crypto_memeq(m->message.ptr, s, 42))
		return -EACCES;
	return eap_ms_msk(p->pw_hash, p->nt, p->msk);
}

int eap_ms_peer_process(struct eap_ms_peer *p, const uint8_t *pkt, size_t len, struct wbuf *out,
			enum eap_status *st)
{
	struct eap_pkt e;
	struct eap_mschapv2 m;
	int err;

	*st = EAP_ST_CONTINUE;
	if (eap_decode(pkt, len, &e) || e.code == EAP_CODE_RESPONSE)
		return -EBADMSG;
	if (e.code == EAP_CODE_SUCCESS || e.code == EAP_CODE_FAILURE) {
		/* the early-Success trap: only after we verified the authenticator */
		p->ok = e.code == EAP_CODE_SUCCESS && p->state == MS_SUCCESS_SENT;
		*st = p->ok ? EAP_ST_SUCCESS : EAP_ST_FAILURE;
		p->state = MS_DONE;
		return 0;
	}
	if (e.type == EAP_T_IDENTITY) {
		eap_put_identity(out, EAP_CODE_RESPONSE, e.id, p->user);
		return 0;
	}
	if (e.type != EAP_T_MSCHAPV2) { /* propose ours instead (RFC 3748 5.3.1) */
		uint8_t t = EAP_T_MSCHAPV2;

		eap_put_nak(out, e.id, &t, 1);
		return 0;
	}
	if ((err = eap_mschapv2_decode(&e, &m)))
		return err;
	if (m.op == EAP_MS_CHALLENGE && p->state == MS_IDLE)
		return peer_challenge(p, &e, &m, out);
	if (m.op == EAP_MS_SUCCESS && p->state == MS_CHALLENGED) {
		if ((err = peer_verify(p, &m))) {
			p->state = MS_DONE; /* a wrong S=: the authenticator is an impostor */
			*st = EAP_ST_FAILURE;
			return err == -EACCES ? 0 : err;
		}
		eap_put_ms_ack(out, e.id, EAP_MS_SUCCESS);
		p->state = MS_SUCCESS_SENT;
		return 0;
	}
	if (m.op == EAP_MS_FAILURE && p->state == MS_CHALLENGED) {
		eap_put_ms_ack(out, e.id, EAP_MS_FAILURE);
		p->state = MS_FAILURE_SENT;
		return 0;
	}
	return -EPROTO;
}

const uint8_t *eap_ms_peer_msk(const struct eap_ms_peer *p)
{
	return p->ok ? p->msk : NULL;
}
