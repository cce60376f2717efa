/* proposal: offers from the configuration, choice and acceptance (RFC 7296 2.7, 3.3),
 * and the names of transforms. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proposal.h"

struct name_map {
	const char *name;
	uint16_t id, keylen;
};

/* Profile enc-algorithm (IKE SA) and proposal enc-algorithms (ESP) names. */
static const struct name_map encrs[] = {
	{"des", 2, 0},
	{"3des", 3, 0},
	{"blowfish", 7, 128},
	{"null", 11, 0},
	{"aes-128", 12, 128},
	{"aes-192", 12, 192},
	{"aes-256", 12, 256},
	{"aes-128-cbc", 12, 128},
	{"aes-192-cbc", 12, 192},
	{"aes-256-cbc", 12, 256},
	{"aes-128-ctr", 13, 128},
	{"aes-192-ctr", 13, 192},
	{"aes-256-ctr", 13, 256},
	{"aes-128-gcm", 20, 128},
	{"aes-192-gcm", 20, 192},
	{"aes-256-gcm", 20, 256},
	{"camellia-128", 23, 128},
	{"camellia-192", 23, 192},
	{"camellia-256", 23, 256},
};
/* hash-algorithm / auth-algorithms: PRF id in keylen's place, INTEG id as id. */
static const struct name_map hashes[] = {
	{"md5", 1, 1}, {"sha1", 2, 2}, {"sha256", 12, 5}, {"sha384", 13, 6}, {"sha512", 14, 7},
};
static const struct name_map groups[] = {
	{"modp768", 1, 0},   {"modp1024", 2, 0},    {"ec2n155", 3, 0},	 {"ec2n185", 4, 0},
	{"modp1536", 5, 0},  {"modp2048", 14, 0},   {"modp3072", 15, 0}, {"modp4096", 16, 0},
	{"modp6144", 17, 0}, {"modp8192", 18, 0},   {"ecp256", 19, 0},	 {"ecp384", 20, 0},
	{"ecp521", 21, 0},   {"curve25519", 31, 0},
};
#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct name_map *by_name(const struct name_map *m, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(m[i].name, name))
			return &m[i];
	return NULL;
}

uint16_t ike_dh_id(const char *name)
{
	const struct name_map *g = name ? by_name(groups, N(groups), name) : NULL;

	return g ? g->id : 0;
}

static bool is_gcm(uint16_t id)
{
	return id == 18 || id == 19 || id == 20;
}

const char *ike_transform_name(uint8_t type, uint16_t id, uint16_t keylen)
{
	static char buf[32];

	for (size_t i = 0; type == IKEV2_TRANS_ENCR && i < N(encrs); i++)
		if (encrs[i].id == (is_gcm(id) ? 20 : id) && encrs[i].keylen == keylen &&
		    (id != 12 || strstr(encrs[i].name, "cbc")))
			return encrs[i].name;
	for (size_t i = 0; i < N(hashes); i++)
		if ((type == IKEV2_TRANS_INTEG && hashes[i].id == id) ||
		    (type == IKEV2_TRANS_PRF && hashes[i].keylen == id))
			return hashes[i].name;
	for (size_t i = 0; type == IKEV2_TRANS_DH && i < N(groups); i++)
		if (groups[i].id == id)
			return groups[i].name;
	if (type == IKEV2_TRANS_ESN)
		return id ? "esn" : "no-esn";
	snprintf(buf, sizeof(buf), "%u:%u", type, id);
	return buf;
}

/* --- offers --- */

static int add(struct ikev2_proposal *p, uint8_t type, uint16_t id, uint16_t keylen,
	       ike_supported_fn ok)
{
	if (ok && !ok(type, id, keylen))
		return 0;
	for (unsigned i = 0; i < p->ntrans; i++)
		if (p->t[i].type == type && p->t[i].id == id && p->t[i].keylen == keylen)
			return 0;
	if (p->ntrans >= IKEV2_MAX_TRANSFORMS)
		return -E2BIG;
	p->t[p->ntrans++] = (struct ikev2_transform){.type = type, .id = id, .keylen = keylen};
	return 1;
}

static const char *choice(const struct conf_item *it, int prop, uint32_t v)
{
	return it->menu->props[prop].choices[v];
}

/* Adds every name of a list property; unknown names fail with err. */
static int add_list(struct ikev2_proposal *p, const struct conf_item *it, int prop,
		    const struct name_map *m, size_t n, uint8_t type, bool gcm, ike_supported_fn ok,
		    char *err, size_t errlen)
{
	bool one = it->menu->props[prop].type == CONF_T_ENUM; /* hash-algorithm is one */
	const struct conf_list *l = one ? NULL : conf_enums(it, prop);
	uint32_t count = one ? 1 : l ? l->n : 0;

	for (uint32_t i = 0; i < count; i++) {
		const char *name = choice(it, prop, one ? (uint32_t)conf_int(it, prop) : l->v[i]);
		const struct name_map *e = by_name(m, n, name);

		if (!e && type == IKEV2_TRANS_INTEG && !strcmp(name, "null"))
			continue; /* no integrity transform: only AEAD ciphers can go without */
		if (!e) {
			snprintf(err, errlen, "%s=%s has no IKEv2 transform",
				 it->menu->props[prop].name, name);
			return -EINVAL;
		}
		if (type == IKEV2_TRANS_ENCR && is_gcm(e->id) != gcm)
			continue;
		uint16_t id = type == IKEV2_TRANS_PRF ? e->keylen : e->id;
		uint16_t kl = type == IKEV2_TRANS_ENCR ? e->keylen : 0;

		if (add(p, type, id, kl, ok) < 0)
			return -E2BIG;
	}
	return 0;
}

static bool has_type(const struct ikev2_proposal *p, uint8_t type)
{
	for (unsigned i = 0; i < p->ntrans; i++)
		if (p->t[i].type == type)
			return true;
	return false;
}

/* Keeps the proposals that have a cipher (and integrity unless AEAD). */
static int finish(struct ikev2_sa *out, const char *what, char *err, size_t errlen)
{
	unsigned n = 0;

	for (unsigned i = 0; i < out->n; i++) {
		struct ikev2_proposal *p = &out->p[i];

		if (!has_type(p, IKEV2_TRANS_ENCR) && p->proto != IKEV2_PROTO_AH)
			continue;
		p->num = (uint8_t)(n + 1);
		out->p[n++] = *p;
	}
	out->n = (uint8_t)n;
	if (!n) {
		snprintf(err, errlen, "%s: no algorithm this machine supports", what);
		return -EINVAL;
	}
	return 0;
}

int ike_offer_ike(const struct conf_item *prof, ike_supported_fn ok, struct ikev2_sa *out,
		  char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	for (int gcm = 0; gcm < 2; gcm++) {
		struct ikev2_proposal *p = &out->p[out->n++];

		p->proto = IKEV2_PROTO_IKE;
		if (add_list(p, prof, CONF_PROFILE_ENC_ALGORITHM, encrs, N(encrs), IKEV2_TRANS_ENCR,
			     gcm, ok, err, errlen) < 0 ||
		    add_list(p, prof, CONF_PROFILE_HASH_ALGORITHM, hashes, N(hashes),
			     IKEV2_TRANS_PRF, false, ok, err, errlen) < 0 ||
		    (!gcm && add_list(p, prof, CONF_PROFILE_HASH_ALGORITHM, hashes, N(hashes),
				      IKEV2_TRANS_INTEG, false, ok, err, errlen) < 0) ||
		    add_list(p, prof, CONF_PROFILE_DH_GROUP, groups, N(groups), IKEV2_TRANS_DH,
			     false, ok, err, errlen) < 0)
			return -EINVAL;
		if (!has_type(p, IKEV2_TRANS_PRF) || !has_type(p, IKEV2_TRANS_DH) ||
		    (!gcm && !has_type(p, IKEV2_TRANS_INTEG)))
			p->ntrans = 0;
	}
	return finish(out, "profile", err, errlen);
}

int ike_offer_child(const struct conf_item *prop, uint8_t proto, bool with_pfs, ike_supported_fn ok,
		    struct ikev2_sa *out, char *err, size_t errlen)
{
	const char *pfs = choice(prop, CONF_PROPOSAL_PFS_GROUP,
				 (uint32_t)conf_int(prop, CONF_PROPOSAL_PFS_GROUP));
	const struct name_map *g = by_name(groups, N(groups), pfs);

	memset(out, 0, sizeof(*out));
	if (with_pfs && !g) {
		snprintf(err, errlen, "proposal pfs-group=%s: no PFS", pfs);
		return -EINVAL;
	}
	for (int gcm = 0; gcm < (proto == IKEV2_PROTO_AH ? 1 : 2); gcm++) {
		struct ikev2_proposal *p = &out->p[out->n++];

		p->proto = proto;
		if ((proto == IKEV2_PROTO_ESP &&
		     add_list(p, prop, CONF_PROPOSAL_ENC_ALGORITHMS, encrs, N(encrs),
			      IKEV2_TRANS_ENCR, gcm, ok, err, errlen) < 0) ||
		    (!gcm && add_list(p, prop, CONF_PROPOSAL_AUTH_ALGORITHMS, hashes, N(hashes),
				      IKEV2_TRANS_INTEG, false, ok, err, errlen) < 0))
			return -EINVAL;
		if (with_pfs)
			add(p, IKEV2_TRANS_DH, g->id, 0, ok);
		add(p, IKEV2_TRANS_ESN, 0, 0, NULL);
		if ((proto == IKEV2_PROTO_AH && !has_type(p, IKEV2_TRANS_INTEG)) ||
		    (with_pfs && !has_type(p, IKEV2_TRANS_DH)))
			p->ntrans = 0;
		else if (proto == IKEV2_PROTO_ESP && !has_type(p, IKEV2_TRANS_ENCR))
			p->ntrans = 0;
	}
	return finish(out, "proposal", err, errlen);
}

/* --- choosing --- */

static const struct ikev2_transform *find(const struct ikev2_proposal *p,
					  const struct ikev2_transform *t)
{
	/* RFC 7296 3.3.6: a transform with an attribute we do not understand is skipped */
	for (unsigned i = 0; i < p->ntrans; i++)
		if (p->t[i].type == t->type && p->t[i].id == t->id && p->t[i].keylen == t->keylen &&
		    !p->t[i].unknown_attr)
			return &p->t[i];
	return NULL;
}

static uint16_t *slot(struct ike_chosen *c, uint8_t type, uint16_t **keylen)
{
	*keylen = type == IKEV2_TRANS_ENCR ? &c->encr_keylen : NULL;
	switch (type) {
	case IKEV2_TRANS_ENCR:
		return &c->encr;
	case IKEV2_TRANS_PRF:
		return &c->prf;
	case IKEV2_TRANS_INTEG:
		return &c->integ;
	case IKEV2_TRANS_DH:
		return &c->dh;
	default:
		return &c->esn;
	}
}

/* Our transform of `type` that theirs also has (prefer first, in our order). */
static bool pick(const struct ikev2_proposal *ours, const struct ikev2_proposal *theirs,
		 uint8_t type, uint16_t prefer, struct ike_chosen *c)
{
	const struct ikev2_transform *best = NULL;
	bool ours_has = false, theirs_has = false;
	uint16_t *kl;

	for (unsigned i = 0; i < theirs->ntrans; i++)
		theirs_has |= theirs->t[i].type == type;
	for (unsigned i = 0; i < ours->ntrans; i++) {
		const struct ikev2_transform *t = &ours->t[i];

		if (t->type != type)
			continue;
		ours_has = true;
		if (!find(theirs, t))
			continue;
		if (!best || (prefer && t->id == prefer && best->id != prefer))
			best = t;
	}
	if (!ours_has) /* ESN missing on one side means none */
		return !theirs_has || type == IKEV2_TRANS_ESN;
	if (!best)
		return !theirs_has && type == IKEV2_TRANS_ESN;
	uint16_t *id = slot(c, type, &kl);

	*id = best->id;
	if (kl)
		*kl = best->keylen;
	return true;
}

static bool match(const struct ikev2_proposal *o, const struct ikev2_proposal *t, uint16_t prefer,
		  struct ike_chosen *c)
{
	memset(c, 0, sizeof(*c));
	for (uint8_t type = IKEV2_TRANS_ENCR; type <= IKEV2_TRANS_ESN; type++)
		if (!pick(o, t, type, type == IKEV2_TRANS_DH ? prefer : 0, c))
			return false;
	c->proto = t->proto;
	c->num = t->num;
	c->spi_size = t->spi_size;
	c->spi = t->spi;
	return true;
}

int ike_choose(const struct ikev2_sa *ours, const struct ikev2_sa *theirs, uint16_t prefer_dh,
	       struct ike_chosen *out)
{
	bool found = false;
	struct ike_chosen c;

	for (unsigned i = 0; i < ours->n; i++)
		for (unsigned j = 0; j < theirs->n; j++) {
			if (ours->p[i].proto != theirs->p[j].proto ||
			    !match(&ours->p[i], &theirs->p[j], prefer_dh, &c))
				continue;
			if (!found || (prefer_dh && c.dh == prefer_dh && out->dh != prefer_dh))
				*out = c;
			found = true;
			if (!prefer_dh || c.dh == prefer_dh)
				return 0;
		}
	return found ? 0 : -ENOENT;
}

int ike_accept(const struct ikev2_sa *ours, const struct ikev2_sa *reply, struct ike_chosen *out)
{
	if (reply->n != 1)
		return -EBADMSG;
	const struct ikev2_proposal *r = &reply->p[0];

	for (unsigned i = 0; i < r->ntrans; i++)
		for (unsigned j = i + 1; j < r->ntrans; j++)
			if (r->t[i].type == r->t[j].type)
				return -EBADMSG;
	for (unsigned i = 0; i < ours->n; i++) {
		if (ours->p[i].proto != r->proto)
			continue;
		bool all = true;

		for (unsigned k = 0; all && k < r->ntrans; k++)
			all = find(&ours->p[i], &r->t[k]) != NULL;
		if (all && match(&ours->p[i], r, 0, out))
			return 0;
	}
	return -EBADMSG;
}

void ike_chosen_to_sa(const struct ike_chosen *c, uint8_t spi_size, uint64_t spi,
		      struct ikev2_sa *out)
{
	struct ikev2_proposal *p = &out->p[0];
	const struct {
		uint8_t type;
		uint16_t id, kl;
	} t[] = {{IKEV2_TRANS_ENCR, c->encr, c->encr_keylen},
		 {IKEV2_TRANS_PRF, c->prf, 0},
		 {IKEV2_TRANS_INTEG, c->integ, 0},
		 {IKEV2_TRANS_DH, c->dh, 0}};

	memset(out, 0, sizeof(*out));
	out->n = 1;
	p->num = c->num ? c->num : 1;
	p->proto = c->proto;
	p->spi_size = spi_size;
	p->spi = spi;
	for (size_t i = 0; i < N(t); i++)
		if (t[i].id)
			p->t[p->ntrans++] = (struct ikev2_transform){
				.type = t[i].type, .id = t[i].id, .keylen = t[i].kl};
	if (c->proto != IKEV2_PROTO_IKE)
		p->t[p->ntrans++] = (struct ikev2_transform){.type = IKEV2_TRANS_ESN, .id = c->esn};
}

/* --- names --- */

static size_t put(char *buf, size_t len, size_t at, const char *s)
{
	int n = snprintf(buf + (at < len ? at : len), at < len ? len - at : 0, "%s", s);

	return at + (n > 0 ? (size_t)n : 0);
}

size_t ike_offer_str(const struct ikev2_sa *sa, char *buf, size_t len)
{
	size_t at = 0;

	if (len)
		buf[0] = '\0';
	for (unsigned i = 0; i < sa->n; i++) {
		const struct ikev2_proposal *p = &sa->p[i];

		at = put(buf, len, at, i ? ", " : "");
		for (uint8_t type = IKEV2_TRANS_ENCR; type <= IKEV2_TRANS_DH; type++) {
			bool first = true;

			if (type == IKEV2_TRANS_PRF && p->proto == IKEV2_PROTO_IKE &&
			    has_type(p, IKEV2_TRANS_INTEG))
				continue; /* the same names as the integrity ones, mostly */
			for (unsigned k = 0; k < p->ntrans; k++) {
				if (p->t[k].type != type)
					continue;
				at = put(buf, len, at,
					 first ? (at && buf[at - 1] != ' ' ? "/" : "") : "|");
				at = put(buf, len, at,
					 ike_transform_name(type, p->t[k].id, p->t[k].keylen));
				first = false;
			}
		}
	}
	return at;
}

size_t ike_chosen_str(const struct ike_chosen *c, char *buf, size_t len)
{
	struct ikev2_sa sa;

	ike_chosen_to_sa(c, 0, 0, &sa);
	return ike_offer_str(&sa, buf, len);
}

/* --- the kernel's names --- */

const struct kern_alg *ike_kern_enc(uint16_t encr, uint16_t keylen)
{
	if (encr == 12 || encr == 13) {
		char n[24];

		snprintf(n, sizeof(n), "aes-%u-%s", keylen, encr == 12 ? "cbc" : "ctr");
		return kern_alg_find_kind(n, KERN_ALG_ENC);
	}
	for (size_t i = 0; i < N(encrs); i++)
		if (encrs[i].id == encr && encrs[i].keylen == keylen && encr != 18 && encr != 19)
			return kern_alg_find_kind(encrs[i].name, KERN_ALG_ENC);
	return NULL;
}

const struct kern_alg *ike_kern_integ(uint16_t integ)
{
	for (size_t i = 0; i < N(hashes); i++)
		if (hashes[i].id == integ)
			return kern_alg_find_kind(hashes[i].name, KERN_ALG_AUTH);
	return NULL;
}
