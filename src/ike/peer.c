/* peer: the configuration as the engine reads it. Which peer an address belongs to (the
 * most specific address prefix wins), its profile and identity, the policies that are
 * its, our ID and the check of the peer's (RFC 7296 3.5), and the pre-shared key. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>

#include "ike_internal.h"
#include "ipsecd/log.h"

const char *ike_choice(const struct conf_item *it, int prop)
{
	const struct conf_prop *p = &it->menu->props[prop];
	int64_t v = conf_int(it, prop);

	return p->choices && v >= 0 ? p->choices[v] : "";
}

/* The menus' choice lists (RouterOS v7's and v6's order them differently) are mapped to
 * enum ike_auth once each, by name; then an identity's method is an array look-up. */
#define AUTH_LISTS   4
#define AUTH_CHOICES 16

static enum ike_auth auth_named(const char *m)
{
	static const struct {
		const char *name;
		enum ike_auth auth;
	} names[] = {{"digital-signature", IKE_AUTH_SIGNATURE},
		     {"rsa-signature", IKE_AUTH_SIGNATURE},
		     {"eap", IKE_AUTH_EAP},
		     {"eap-radius", IKE_AUTH_EAP_RADIUS},
		     {"pre-shared-key", IKE_AUTH_PSK},
		     {"pre-shared-key-xauth", IKE_AUTH_PSK_XAUTH},
		     {"rsa-key", IKE_AUTH_RSA_KEY},
		     {"rsa-signature-hybrid", IKE_AUTH_HYBRID}};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(m, names[i].name))
			return names[i].auth;
	return IKE_AUTH_OTHER;
}

enum ike_auth ike_auth_of(const struct conf_item *id)
{
	static const char *const *lists[AUTH_LISTS];
	static uint8_t map[AUTH_LISTS][AUTH_CHOICES];
	const char *const *ch = id->menu->props[CONF_IDENTITY_AUTH_METHOD].choices;
	int64_t v = conf_int(id, CONF_IDENTITY_AUTH_METHOD);
	size_t l = 0;

	if (!ch || v < 0 || v >= AUTH_CHOICES)
		return v >= 0 && ch ? auth_named(ch[v]) : IKE_AUTH_OTHER;
	while (l < AUTH_LISTS && lists[l] && lists[l] != ch)
		l++;
	if (l == AUTH_LISTS) /* (more lists than menus have: by name) */
		return auth_named(ch[v]);
	if (!lists[l]) {
		for (size_t i = 0; i < AUTH_CHOICES && ch[i]; i++)
			map[l][i] = (uint8_t)auth_named(ch[i]);
		lists[l] = ch;
	}
	return (enum ike_auth)map[l][v];
}

const struct conf_item *ike_peer_find(const struct conf *c, const char *name)
{
	return c && name && *name ? conf_find(c, CONF_M_PEER, name) : NULL;
}

const struct conf_item *ike_peer_for_addr(const struct ike *eng, const struct net_addr *remote,
					  const struct net_addr *local, uint8_t major)
{
	return ike_view_peer_for_addr(eng->view, remote, local, major);
}

const struct conf_item *ike_profile_of(const struct conf *c, const struct conf_item *peer)
{
	return conf_find(c, CONF_M_PROFILE, conf_str(peer, CONF_PEER_PROFILE));
}

const struct conf_item *ike_identity_of(const struct ike *eng, const char *peer)
{
	size_t n;
	const struct conf_item *const *ids = ike_view_identities(eng->view, peer, &n);

	return n ? ids[0] : NULL;
}

const struct conf_item *ike_policy_by_id(const struct ike *eng, uint32_t id)
{
	return ike_view_policy(eng->view, id);
}

const struct conf_item *ike_proposal_of(const struct conf *c, const struct conf_item *policy)
{
	return conf_find(c, CONF_M_PROPOSAL, conf_str(policy, CONF_POLICY_PROPOSAL));
}

/* An enabled, installed encrypt policy of this peer negotiated by IKE. */
bool ike_policy_is_ours(const struct conf_item *pol, const char *peer)
{
	const char *pn = conf_str(pol, CONF_POLICY_PEER);
	const char *ms = conf_str(pol, CONF_POLICY_MANUAL_SA);

	return pn && !strcmp(pn, peer) && !conf_bool(pol, CONF_POLICY_DISABLED) &&
	       !conf_bool(pol, CONF_POLICY_TEMPLATE) && !pol->invalid &&
	       !strcmp(ike_choice(pol, CONF_POLICY_ACTION), "encrypt") &&
	       (!ms || !*ms || !strcmp(ms, "none"));
}

/* "fqdn:vpn.example.com" -> type and value; "auto" and "ignore" have no value. */
static uint8_t id_split(const char *s, const char **value)
{
	static const struct {
		const char *prefix;
		uint8_t type;
	} types[] = {{"address:", 0},
		     {"fqdn:", IKEV2_ID_FQDN},
		     {"user-fqdn:", IKEV2_ID_RFC822_ADDR},
		     {"key-id:", IKEV2_ID_KEY_ID}};

	for (size_t i = 0; s && i < sizeof(types) / sizeof(types[0]); i++) {
		size_t n = strlen(types[i].prefix);

		if (!strncmp(s, types[i].prefix, n)) {
			*value = s + n;
			return types[i].type;
		}
	}
	*value = NULL;
	return 255; /* auto, ignore */
}

static void addr_id(const struct net_addr *a, uint8_t *type, uint8_t *buf, size_t *len)
{
	*type = a->family == AF_INET ? IKEV2_ID_IPV4_ADDR : IKEV2_ID_IPV6_ADDR;
	*len = a->family == AF_INET ? 4 : 16;
	memcpy(buf, a->bytes, *len);
}

void ike_my_id(const struct conf_item *id, const struct net_addr *local, uint8_t *type,
	       uint8_t *buf, size_t *len)
{
	const char *v = NULL;
	uint8_t t = id_split(id ? conf_str(id, CONF_IDENTITY_MY_ID) : NULL, &v);
	struct net_addr a = {0};

	if (t == 0 && inet_pton(AF_INET, v, a.bytes) == 1) {
		a.family = AF_INET;
		addr_id(&a, type, buf, len);
	} else if (t == 0 && inet_pton(AF_INET6, v, a.bytes) == 1) {
		a.family = AF_INET6;
		addr_id(&a, type, buf, len);
	} else if (t != 255 && t != 0) {
		*type = t;
		*len = strnlen(v, 255);
		memcpy(buf, v, *len);
	} else {
		addr_id(local, type, buf, len); /* auto: our address */
	}
}

bool ike_remote_id_fixed(const struct conf_item *id, uint8_t *type, uint8_t *buf, size_t *len)
{
	const char *v = NULL;
	uint8_t t = id_split(id ? conf_str(id, CONF_IDENTITY_REMOTE_ID) : "auto", &v);
	struct net_addr a = {0};

	if (t == 255)
		return false;
	if (t == 0) {
		a.family = strchr(v, ':') ? AF_INET6 : AF_INET;
		if (inet_pton(a.family, v, a.bytes) != 1)
			return false;
		addr_id(&a, type, buf, len);
		return true;
	}
	*type = t;
	*len = strnlen(v, 255);
	memcpy(buf, v, *len);
	return true;
}

bool ike_remote_id_ok(const struct conf_item *id, const struct net_addr *remote, uint8_t type,
		      const uint8_t *data, size_t len, char *why, size_t whylen)
{
	const char *want = id ? conf_str(id, CONF_IDENTITY_REMOTE_ID) : "auto";
	const char *v = NULL;
	uint8_t t = id_split(want, &v), wt;
	uint8_t wbuf[255];
	size_t wlen = 0;

	if (t == 255) /* auto with a PSK: the secret authenticates; ignore: anything */
		return true;
	if (t == 0) {
		struct net_addr a = {0};

		a.family = strchr(v, ':') ? AF_INET6 : AF_INET;
		if (inet_pton(a.family, v, a.bytes) != 1)
			a = *remote;
		addr_id(&a, &wt, wbuf, &wlen);
	} else {
		wt = t;
		wlen = strnlen(v, sizeof(wbuf));
		memcpy(wbuf, v, wlen);
	}
	if (wt == type && wlen == len && !memcmp(wbuf, data, len))
		return true;
	snprintf(why, whylen, "peer's ID does not match remote-id=%s", want);
	return false;
}

/* RouterOS secrets are text; ipsecd also takes 0x-prefixed hex for binary keys. */
int ike_psk(const struct conf_item *id, struct crypto_chunk *out)
{
	const char *s = id ? conf_str(id, CONF_IDENTITY_SECRET) : NULL;
	size_t n = s ? strlen(s) : 0;
	bool hex = n > 2 && n % 2 == 0 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');

	out->ptr = NULL;
	out->len = 0;
	if (!n)
		return -ENOENT;
	for (size_t i = 2; hex && i < n; i++)
		hex = OPENSSL_hexchar2int(s[i]) >= 0;
	out->len = hex ? (n - 2) / 2 : n;
	out->ptr = malloc(out->len);
	if (!out->ptr)
		return -ENOMEM;
	for (size_t i = 0; i < out->len; i++)
		out->ptr[i] = hex ? (uint8_t)(OPENSSL_hexchar2int(s[2 + 2 * i]) << 4 |
					      OPENSSL_hexchar2int(s[3 + 2 * i]))
				  : (uint8_t)s[i];
	return 0;
}

uint8_t ike_policy_ipproto(const struct conf_item *pol)
{
	const struct conf_list *l = conf_enums(pol, CONF_POLICY_IPSEC_PROTOCOLS);

	/* validation refuses esp,ah bundles for IKEv2 peers; ESP would win */
	for (uint32_t i = 0; l && i < l->n; i++)
		if (!strcmp(pol->menu->props[CONF_POLICY_IPSEC_PROTOCOLS].choices[l->v[i]], "esp"))
			return IPPROTO_ESP;
	return l && l->n ? IPPROTO_AH : IPPROTO_ESP;
}
