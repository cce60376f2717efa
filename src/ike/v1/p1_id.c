/* p1_id: the IDs of IKEv1 phase 1 and the identity they pick. Our ID payload (my-id, or a
 * certificate's), the peer's against remote-id, and a responder's choice among its
 * peer's identities by the ID the initiator sent (ident.c's, as IKEv2's responder
 * chooses), among those that do the negotiated method: with signatures in main mode when
 * the encrypted ID comes (message 5, its certificate with it), in aggressive and base
 * mode from the first message, which shows the ID in the clear, among the identities
 * that do a method the initiator proposes (a certificate comes later there, and is
 * checked against the pin then). Main mode with a pre-shared key cannot: the key must decrypt the
 * ID, so such a peer's key is its first identity's, found by address (RouterOS does the same). The
 * SA remembers the chosen identity by item id, so a reload in between finds it or fails.
 * INITIAL-CONTACT, received, ends the peer's older ISAKMP SAs with the same ID. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/log.h"
#include "ipsecd/pki.h"
#include "v1.h"

const struct conf_item *ikev1_identity(const struct ike_sa *sa)
{
	const struct ikev1_state *v = sa->v1;

	if (v && v->ident_chosen)
		return ike_view_identity(sa->eng->view, sa->peer, v->ident);
	return ike_identity_of(sa->eng, sa->peer);
}

const struct conf_item *ikev1_p1_identity(struct ike_sa *sa)
{
	const struct conf_item *id = ikev1_identity(sa);

	if (!id)
		ike_sa_fail(sa, sa->v1 && sa->v1->ident_chosen
					? "the identity chosen for the peer is gone"
					: "no identity for this peer");
	return id;
}

/* Whether the identity does method m (IKEv1's number). */
static bool does(struct ike_sa *sa, const struct conf_item *id, uint16_t m)
{
	enum ike_auth a = ike_auth_of(id);

	if (ikev1_sig_used(id))
		return ikev1_sig_fits(sa, id, m);
	if (a == IKE_AUTH_PSK)
		return m == IKEV1_AUTH_PSK;
	return a == IKE_AUTH_PSK_XAUTH && m == IKEV1_AUTH_XAUTH_INIT_PSK;
}

/* The identity does the negotiated method or, before the proposal is chosen (aggressive
 * and base mode's first message, arg), one of those the initiator proposes. */
static bool fits(struct ike_sa *sa, const struct conf_item *id, void *arg)
{
	const struct ikev1_sa *o = arg;

	if (sa->v1->auth_method)
		return does(sa, id, sa->v1->auth_method);
	for (unsigned t = 0; t < o->ntrans; t++)
		for (unsigned i = 0; i < o->t[t].nattr; i++) {
			const struct ikev1_attr *a = &o->a[o->t[t].first_attr + i];

			if (a->type == IKEV1_P1_AUTH_METHOD && does(sa, id, a->val))
				return true;
		}
	return false;
}

int ikev1_p1_choose(struct ike_sa *sa, const struct ikev1_msg *m, bool cert_later)
{
	struct ikev1_state *v = sa->v1;
	const struct ikev1_id *pid = &m->id[0];
	struct ike_peer_id p = {.type = pid->type,
				.data = pid->data.ptr,
				.len = pid->data.len,
				.cert_later = cert_later};
	const struct conf_item *id;

	for (unsigned i = 0; i < m->ncert && !p.cert; i++)
		if (m->cert[i].encoding == IKEV1_CERT_X509_SIG) {
			p.cert = m->cert[i].data.ptr;
			p.cert_len = m->cert[i].data.len;
		}
	if (!m->nid || !(id = ike_identity_for(sa, &p, fits, (void *)&m->sa)))
		return -EPERM;
	v->ident = id->id;
	v->ident_chosen = true;
	return 0;
}

/* Our ID payload's body (type, protocol, port, data), kept for the HASH. */
int ikev1_p1_my_id(struct ike_sa *sa, const struct conf_item *id, struct crypto_chunk *body)
{
	uint8_t type, buf[255 + 4];
	size_t len;

	if (ikev1_sig_my_id(sa, id, &type, buf + 4, &len) < 0)
		ike_my_id(id, &sa->local, &type, buf + 4, &len);
	buf[0] = type;
	buf[1] = 0; /* protocol and port 0: strongSwan's and RouterOS's choice */
	buf[2] = buf[3] = 0;
	return ikev1_p1_keep(body, buf, len + 4);
}

void ikev1_p1_put_id(struct ikev1_enc *e, const struct crypto_chunk *body)
{
	ikev1_put_id(e, body->ptr[0], body->ptr[1], (uint16_t)(body->ptr[2] << 8 | body->ptr[3]),
		     body->ptr + 4, body->len - 4);
}

int ikev1_p1_check_id(struct ike_sa *sa, const struct conf_item *id, const struct ikev1_id *pid)
{
	char shown[256], why[160];

	pki_id_str(pid->type, pid->data.ptr, pid->data.len, shown, sizeof(shown));
	if (!ike_remote_id_ok(id, &sa->remote, pid->type, pid->data.ptr, pid->data.len, why,
			      sizeof(why))) {
		ike_sa_fail(sa, "%s (it sent %s)", why, shown);
		return -EPERM;
	}
	free(sa->remote_id);
	sa->remote_id = strdup(shown);
	return 0;
}

/* --- INITIAL-CONTACT --- */

bool ikev1_p1_wants_ic(const struct ike_sa *sa)
{
	const struct conf_item *peer = ike_peer_find(sa->eng->conf, sa->peer);

	/* not when replacing an ISAKMP SA of ours: the peer would drop the old one's SAs */
	return peer && !sa->v1->replaces && conf_bool(peer, CONF_PEER_SEND_INITIAL_CONTACT);
}

void ikev1_p1_initial_contact(struct ike_sa *sa)
{
	struct ike_sa *o, *next;

	ike_sa_index_id(sa);
	for (o = ike_sa_next_same_id(sa, NULL); o; o = next) {
		next = ike_sa_next_same_id(sa, o);
		/* one the peer deleted just before, whose IPsec SAs wait for this one: the
		 * peer did not lose them (strongSwan reauthenticating deletes the old IKE_SA,
		 * then finishes the new one with INITIAL-CONTACT, having no other left) */
		if (o->v1 && o->state == IKE_STATE_DELETING && o->children)
			continue;
		log_info(LOG_IKE, o->ctx, "replaced by ike#%u: the peer (%s) sent INITIAL-CONTACT",
			 sa->serial, sa->remote_id);
		ike_sa_destroy(o, true);
	}
}

void ikev1_p1_initial_contact_rx(struct ike_sa *sa, const struct ikev1_msg *m)
{
	bool ic = false;

	for (unsigned i = 0; i < m->nnotify; i++)
		ic |= m->notify[i].type == IKEV1_N_INITIAL_CONTACT;
	if (ic)
		ikev1_p1_initial_contact(sa);
}
