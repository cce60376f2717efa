/* ident: a responder's choice among its peer's identities by what the initiator sent, the
 * same for IKEv2's IKE_AUTH and IKEv1's phase 1: the identities whose remote-id names the
 * ID it sent come first, then those that accept any ID (auto, ignore); with
 * match-by=certificate, the identity whose remote-certificate is the certificate it sent
 * comes before all. Among equals the first in the configuration wins. The view
 * (ike_view_identities_for) hands over only the identities that may take the ID, so a
 * gateway with an identity per user weighs a few, not all. */
#include <string.h>

#include <openssl/x509.h>

#include "ike_internal.h"
#include "ipsecd/pki.h"

#define IKE_ID_CANDIDATES 4096 /* identities weighed for one ID (those named by it first) */

/* The methods where the peer's certificate is what match-by=certificate looks at. */
static bool with_certificates(const struct conf_item *id)
{
	enum ike_auth m = ike_auth_of(id);

	return m == IKE_AUTH_SIGNATURE || m == IKE_AUTH_EAP_RADIUS || m == IKE_AUTH_HYBRID;
}

/* Whether the pinned remote-certificate is the one the peer sent. */
static bool pin_sent(struct ike_sa *sa, const struct conf_item *id, const struct ike_peer_id *pid)
{
	const struct ike_deps *d = &sa->eng->d;
	struct pki_store *s = d->pki ? d->pki(d->arg) : NULL;
	const char *pin = conf_str(id, CONF_IDENTITY_REMOTE_CERTIFICATE);
	const struct pki_entry *e = s && pin ? pki_store_find(s, pin) : NULL;
	X509 *sent = s && pid->cert ? pki_store_cert_from_der(s, pid->cert, pid->cert_len) : NULL;
	bool same = e && sent && !X509_cmp(e->cert, sent);

	X509_free(sent);
	return same;
}

/* 0: not for this ID; 1: takes any ID; 2: its remote-id names this one; 3: its pinned
 * certificate is the one sent (match-by=certificate). A certificate still to come (IKEv1
 * aggressive and base mode send it after the ID) leaves the pin to be checked with it. */
static int id_rank(struct ike_sa *sa, const struct conf_item *id, const struct ike_peer_id *pid)
{
	const char *want = conf_str(id, CONF_IDENTITY_REMOTE_ID);
	char why[160];
	int rank = want && strcmp(want, "auto") && strcmp(want, "ignore") ? 2 : 1;

	if (rank == 2 &&
	    !ike_remote_id_ok(id, &sa->remote, pid->type, pid->data, pid->len, why, sizeof(why)))
		return 0;
	if (with_certificates(id) &&
	    !strcmp(ike_choice(id, CONF_IDENTITY_MATCH_BY), "certificate") && !pid->cert_later)
		return pin_sent(sa, id, pid) ? 3 : 0;
	return rank;
}

const struct conf_item *ike_identity_for(struct ike_sa *sa, const struct ike_peer_id *pid,
					 ike_identity_fits_fn fits, void *arg)
{
	static const struct conf_item *cand[IKE_ID_CANDIDATES];
	static uint32_t pos[IKE_ID_CANDIDATES];
	const struct conf_item *best = NULL;
	uint32_t best_pos = UINT32_MAX;
	int best_rank = 0;
	size_t n = ike_view_identities_for(sa->eng->view, sa->peer, pid->type, pid->data, pid->len,
					   cand, pos, IKE_ID_CANDIDATES);

	for (size_t i = 0; i < n; i++) {
		int rank = fits && !fits(sa, cand[i], arg) ? 0 : id_rank(sa, cand[i], pid);

		if (rank > best_rank || (rank && rank == best_rank && pos[i] < best_pos)) {
			best = cand[i];
			best_rank = rank;
			best_pos = pos[i];
		}
	}
	if (!best) {
		char shown[256];

		pki_id_str(pid->type, pid->data, pid->len, shown, sizeof(shown));
		ike_sa_fail(sa, "no identity of peer %s accepts the peer's ID %s", sa->peer, shown);
	}
	return best;
}
