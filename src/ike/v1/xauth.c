/* xauth: the XAuth server's check of a client's user name and password
 * (draft-beaulieu-ike-xauth-02 2.2). Against /ip ipsec user, or, with /ip ipsec settings
 * xauth-use-radius=yes, as a RADIUS Access-Request (RFC 2865: User-Name, User-Password
 * hidden with the secret, Calling-Station-Id the client's address; the client adds
 * NAS-IP-Address, NAS-Port-Type Virtual, Service-Type and a Message-Authenticator) whose
 * answer comes back through a callback while the loop runs on. RouterOS's manual says only
 * that the setting makes RADIUS check XAuth users: with it /ip ipsec user is not
 * consulted. A user who passes begins an accounting session (acct.c); RADIUS's
 * Framed-IP-Address then overrides the pool in mode-config. */
#include <stdlib.h>
#include <string.h>

#include "ipsecd/log.h"
#include "v1.h"

#define XAUTH_PASSWORD_MAX 128 /* RFC 2865 5.2 */

static bool use_radius(const struct ike *eng)
{
	const struct conf_item *s = eng->conf && conf_count(eng->conf, CONF_M_SETTINGS)
					    ? conf_item_at(eng->conf, CONF_M_SETTINGS, 0)
					    : NULL;

	return s && conf_bool(s, CONF_SETTINGS_XAUTH_USE_RADIUS);
}

static void passed(struct ike_sa *sa, const struct radius_reply *r)
{
	if (ike_acct_begin(sa, sa->v1->xauth_user, r) < 0) {
		ike_sa_fail(sa, "XAuth: out of memory for user %s", sa->v1->xauth_user);
		ikev1_xauth_verdict(sa, false);
		return;
	}
	ikev1_xauth_verdict(sa, true);
}

static bool local_ok(struct ike_sa *sa, const char *n, const struct wire_bytes *pw)
{
	const struct conf_item *u = conf_find(sa->eng->conf, CONF_M_USER, n);
	const char *want = u ? conf_str(u, CONF_USER_PASSWORD) : NULL;

	if (!u || conf_bool(u, CONF_USER_DISABLED) || !want || strlen(want) != pw->len ||
	    !crypto_memeq(want, pw->ptr, pw->len)) {
		ike_sa_fail(sa, "XAuth: user %s refused (%s)", n,
			    !u				       ? "no such user"
			    : conf_bool(u, CONF_USER_DISABLED) ? "disabled"
							       : "wrong password");
		return false;
	}
	return true;
}

/* RADIUS's answer: accept passes the user, anything else fails it. */
static void radius_done(void *arg, const struct radius_reply *r)
{
	struct ike_sa *sa = arg;
	const char *user = sa->v1->xauth_user, *srv = r->server ? r->server : "";

	sa->v1->xauth_h = NULL;
	switch (r->result) {
	case RADIUS_RES_ACCEPT:
		log_info(LOG_IKE, sa->ctx, "XAuth: RADIUS %s accepted user %s", srv, user);
		passed(sa, r);
		return;
	case RADIUS_RES_REJECT:
		ike_sa_fail(sa, "XAuth: RADIUS %s rejected user %s%s%s", srv, user,
			    r->reply_message[0] ? ": " : "", r->reply_message);
		break;
	case RADIUS_RES_TIMEOUT:
		ike_sa_fail(sa, "XAuth: no RADIUS server answered for user %s", user);
		break;
	case RADIUS_RES_CHALLENGE:
		ike_sa_fail(sa, "XAuth: RADIUS %s challenged user %s: not done for XAuth", srv,
			    user);
		break;
	default:
		ike_sa_fail(sa, "XAuth: the RADIUS request for user %s could not be sent", user);
	}
	free(sa->v1->xauth_user);
	sa->v1->xauth_user = NULL;
	ikev1_xauth_verdict(sa, false);
}

/* Sends the Access-Request; false when none could go. */
static bool radius_ask(struct ike_sa *sa, const struct wire_bytes *pw)
{
	const struct ike_deps *d = &sa->eng->d;
	struct sockaddr_storage calling;
	char p[XAUTH_PASSWORD_MAX + 1];
	struct radius_req q = {.user = sa->v1->xauth_user,
			       .password = p,
			       .calling = (const struct sockaddr *)&calling,
			       .nas_port = sa->serial};

	if (!d->radius_auth) {
		ike_sa_fail(sa, "XAuth: xauth-use-radius=yes, but no /radius server for "
				"service=ipsec");
		return false;
	}
	if (pw->len > XAUTH_PASSWORD_MAX || memchr(pw->ptr, 0, pw->len)) {
		ike_sa_fail(sa, "XAuth: the password of user %s is no RADIUS User-Password",
			    q.user);
		return false;
	}
	memcpy(p, pw->ptr, pw->len);
	p[pw->len] = '\0';
	net_addr_to_sockaddr(&sa->remote, &calling);
	sa->v1->xauth_h = d->radius_auth(d->arg, &q, radius_done, sa);
	crypto_cleanse(p, sizeof(p));
	if (!sa->v1->xauth_h) {
		ike_sa_fail(sa, "XAuth: the RADIUS request for user %s could not be sent", q.user);
		return false;
	}
	log_info(LOG_IKE, sa->ctx, "XAuth: user %s: asking RADIUS", q.user);
	return true;
}

void ikev1_xauth_check(struct ike_sa *sa, const struct wire_bytes *name,
		       const struct wire_bytes *password)
{
	struct ikev1_state *v = sa->v1;
	char n[RADIUS_ATTR_MAX + 1];

	free(v->xauth_user);
	v->xauth_user = NULL;
	if (!name || !password || !name->len || name->len > RADIUS_ATTR_MAX ||
	    memchr(name->ptr, 0, name->len)) {
		ike_sa_fail(sa, "XAuth: the client's answer has no usable user name and password");
		ikev1_xauth_verdict(sa, false);
		return;
	}
	memcpy(n, name->ptr, name->len);
	n[name->len] = '\0';
	if (!(v->xauth_user = strdup(n))) {
		ikev1_xauth_verdict(sa, false);
		return;
	}
	if (!use_radius(sa->eng)) {
		if (local_ok(sa, n, password))
			passed(sa, NULL);
		else
			ikev1_xauth_verdict(sa, false);
		return;
	}
	if (!radius_ask(sa, password)) {
		free(v->xauth_user);
		v->xauth_user = NULL;
		ikev1_xauth_verdict(sa, false);
	}
}

void ikev1_xauth_cancel(struct ike_sa *sa)
{
	const struct ike_deps *d = &sa->eng->d;

	if (sa->v1->xauth_h && d->radius_cancel)
		d->radius_cancel(d->arg, sa->v1->xauth_h);
	sa->v1->xauth_h = NULL;
}

const struct conf_item *ikev1_xauth_local_user(const struct ike_sa *sa)
{
	if (!sa->v1->xauth_user || !sa->v1->xauth_ok || use_radius(sa->eng))
		return NULL;
	return conf_find(sa->eng->conf, CONF_M_USER, sa->v1->xauth_user);
}
