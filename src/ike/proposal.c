/* proposal: our SA payload offers from the configuration, the responder's choice among the
 * peer's proposals by our preference (RFC 7296 2.7, 3.3), the initiator's check of the
 * responder's answer, and their text for logs. Names and ids live in algs.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proposal.h"

/* --- offers --- */

/* One item being turned into proposals, with what errors need. */
struct build {
	const struct conf_item *it;
	ike_supported_fn ok;
	char *err;
	size_t errlen;
};

static const char *item_name(const struct conf_item *it)
{
	const char *n = it->menu->name_prop >= 0 ? conf_str(it, it->menu->name_prop) : NULL;

	return n ? n : "";
}

/* "profile" of "ip ipsec profile". */
static const char *menu_word(const struct conf_item *it)
{
	const char *sp = strrchr(it->menu->path, ' ');

	return sp ? sp + 1 : it->menu->path;
}

/* The chosen words of an ENUM (one) or ENUMS (a list, in order) property; at most max. */
static size_t choices(const struct conf_item *it, int prop, const char **w, size_t max)
{
	const struct conf_prop *p = &it->menu->props[prop];
	const struct conf_list *l;
	size_t n = 0;

	if (p->type == CONF_T_ENUM) {
		int64_t v = conf_int(it, prop);

		if (v >= 0)
			w[n++] = p->choices[v];
		return n;
	}
	l = conf_enums(it, prop);
	for (uint32_t i = 0; l && i < l->n && n < max; i++)
		w[n++] = p->choices[l->v[i]];
	return n;
}

static bool has_type(const struct ikev2_proposal *p, uint8_t type)
{
	for (unsigned i = 0; i < p->ntrans; i++)
		if (p->t[i].type == type)
			return true;
	return false;
}

static bool has_id(const struct ikev2_proposal *p, uint8_t type, uint16_t id)
{
	for (unsigned i = 0; i < p->ntrans; i++)
		if (p->t[i].type == type && p->t[i].id == id)
			return true;
	return false;
}

/* Appends a transform unless it is there already. */
static int add(struct build *b, struct ikev2_proposal *p, uint8_t type, uint16_t id,
	       uint16_t keylen)
{
	for (unsigned i = 0; i < p->ntrans; i++)
		if (p->t[i].type == type && p->t[i].id == id && p->t[i].keylen == keylen)
			return 0;
	if (p->ntrans >= IKEV2_MAX_TRANSFORMS) {
		snprintf(b->err, b->errlen, "%s %s: too many algorithms for one proposal",
			 menu_word(b->it), item_name(b->it));
		return -EINVAL;
	}
	p->t[p->ntrans++] = (struct ikev2_transform){.type = type, .id = id, .keylen = keylen};
	return 0;
}

/* Adds the transform of each word of prop as `type`. For ENCR only the AEAD ciphers when
 * aead, only the others when not; INTEG "null" adds nothing. */
static int add_prop(struct build *b, struct ikev2_proposal *p, int prop, uint8_t type, bool aead)
{
	const char *w[IKEV2_MAX_TRANSFORMS];
	size_t n = choices(b->it, prop, w, IKEV2_MAX_TRANSFORMS);
	const char *pname = b->it->menu->props[prop].name;

	for (size_t i = 0; i < n; i++) {
		uint16_t id, keylen;

		if (!ike_alg_id(type, w[i], &id, &keylen)) {
			snprintf(b->err, b->errlen, "%s %s: %s %s has no IKEv2 transform",
				 menu_word(b->it), item_name(b->it), pname, w[i]);
			return -EINVAL;
		}
		if (type == IKEV2_TRANS_ENCR && ike_encr_is_aead(id) != aead)
			continue;
		if (type == IKEV2_TRANS_INTEG && id == 0)
			continue;
		if (b->ok && !b->ok(type, id, keylen)) {
			snprintf(b->err, b->errlen, "%s %s: %s %s is not supported here",
				 menu_word(b->it), item_name(b->it), pname, w[i]);
			return -EINVAL;
		}
		if (add(b, p, type, id, keylen) < 0)
			return -EINVAL;
	}
	return 0;
}

static int missing(struct build *b, const char *what)
{
	snprintf(b->err, b->errlen, "%s %s: no %s to offer", menu_word(b->it), item_name(b->it),
		 what);
	return -EINVAL;
}

/* One IKE proposal: the non-AEAD ciphers with INTEG, or the AEAD ones without. Leaves
 * p->ntrans 0 when the profile has no cipher of that kind. */
static int ike_proposal(struct build *b, struct ikev2_proposal *p, bool aead)
{
	p->proto = IKEV2_PROTO_IKE;
	if (add_prop(b, p, CONF_PROFILE_ENC_ALGORITHM, IKEV2_TRANS_ENCR, aead) < 0)
		return -EINVAL;
	if (!p->ntrans)
		return 0;
	if (add_prop(b, p, CONF_PROFILE_HASH_ALGORITHM, IKEV2_TRANS_PRF, false) < 0 ||
	    (!aead && add_prop(b, p, CONF_PROFILE_HASH_ALGORITHM, IKEV2_TRANS_INTEG, false) < 0) ||
	    add_prop(b, p, CONF_PROFILE_DH_GROUP, IKEV2_TRANS_DH, false) < 0)
		return -EINVAL;
	if (!has_type(p, IKEV2_TRANS_PRF) || (!aead && !has_type(p, IKEV2_TRANS_INTEG)))
		return missing(b, "hash-algorithm");
	if (!has_type(p, IKEV2_TRANS_DH))
		return missing(b, "dh-group");
	return 0;
}

int ike_offer_ike(const struct conf_item *profile, ike_supported_fn ok, struct ikev2_sa *out,
		  char *err, size_t errlen)
{
	struct build b = {profile, ok, err, errlen};

	memset(out, 0, sizeof(*out));
	for (int aead = 0; aead < 2; aead++) {
		struct ikev2_proposal *p = &out->p[out->n];

		if (ike_proposal(&b, p, aead) < 0)
			return -EINVAL;
		if (p->ntrans)
			p->num = ++out->n;
	}
	return out->n ? 0 : missing(&b, "enc-algorithm");
}

/* One CHILD SA proposal (ESP non-AEAD or AEAD, or AH); p->ntrans stays 0 when an ESP
 * item has no cipher of that kind. */
static int child_proposal(struct build *b, struct ikev2_proposal *p, uint8_t proto, bool aead,
			  uint16_t dh)
{
	p->proto = proto;
	if (proto == IKEV2_PROTO_ESP) {
		if (add_prop(b, p, CONF_PROPOSAL_ENC_ALGORITHMS, IKEV2_TRANS_ENCR, aead) < 0)
			return -EINVAL;
		if (!p->ntrans)
			return 0;
	}
	if (!aead && add_prop(b, p, CONF_PROPOSAL_AUTH_ALGORITHMS, IKEV2_TRANS_INTEG, false) < 0)
		return -EINVAL;
	if (proto == IKEV2_PROTO_AH && !has_type(p, IKEV2_TRANS_INTEG))
		return missing(b, "auth-algorithms for AH");
	/* RFC 4303 3.2: ESP must give confidentiality or integrity, or both */
	if (!aead && !has_type(p, IKEV2_TRANS_INTEG) && has_id(p, IKEV2_TRANS_ENCR, IKE_ENCR_NULL))
		return missing(b, "auth-algorithms with enc-algorithms null");
	if (dh && add(b, p, IKEV2_TRANS_DH, dh, 0) < 0)
		return -EINVAL;
	return add(b, p, IKEV2_TRANS_ESN, 0, 0); /* NO_ESN (RFC 7296 3.3.2) */
}

/* The pfs-group's id in *dh, checked; 0 without PFS. */
static int pfs_group(struct build *b, bool with_pfs, uint16_t *dh)
{
	const char *w[1];
	uint16_t keylen;

	*dh = 0;
	if (!with_pfs)
		return 0;
	if (!choices(b->it, CONF_PROPOSAL_PFS_GROUP, w, 1) ||
	    !ike_alg_id(IKEV2_TRANS_DH, w[0], dh, &keylen))
		return missing(b, "pfs-group");
	if (b->ok && !b->ok(IKEV2_TRANS_DH, *dh, 0)) {
		snprintf(b->err, b->errlen, "%s %s: pfs-group %s is not supported here",
			 menu_word(b->it), item_name(b->it), w[0]);
		return -EINVAL;
	}
	return 0;
}

int ike_offer_child(const struct conf_item *proposal, uint8_t proto, bool with_pfs,
		    ike_supported_fn ok, struct ikev2_sa *out, char *err, size_t errlen)
{
	struct build b = {proposal, ok, err, errlen};
	uint16_t dh;

	memset(out, 0, sizeof(*out));
	if (proto != IKEV2_PROTO_ESP && proto != IKEV2_PROTO_AH) {
		snprintf(err, errlen, "proposal %s: protocol %u is neither ESP nor AH",
			 item_name(proposal), proto);
		return -EINVAL;
	}
	if (pfs_group(&b, with_pfs, &dh) < 0)
		return -EINVAL;
	for (int aead = 0; aead < (proto == IKEV2_PROTO_AH ? 1 : 2); aead++) {
		struct ikev2_proposal *p = &out->p[out->n];

		if (child_proposal(&b, p, proto, aead, dh) < 0)
			return -EINVAL;
		if (p->ntrans)
			p->num = ++out->n;
	}
	return out->n ? 0 : missing(&b, "enc-algorithms");
}

void ike_offer_set_dh(struct ikev2_sa *offer, uint16_t group)
{
	for (unsigned i = 0; i < offer->n; i++) {
		struct ikev2_proposal *p = &offer->p[i];
		unsigned n = 0, at = p->ntrans;

		for (unsigned k = 0; k < p->ntrans; k++) {
			if (p->t[k].type == IKEV2_TRANS_DH && at == p->ntrans)
				at = n; /* the group takes the first one's place */
			if (p->t[k].type != IKEV2_TRANS_DH)
				p->t[n++] = p->t[k];
		}
		if (at == p->ntrans)
			continue; /* no DH: no PFS, nothing to replace */
		memmove(&p->t[at + 1], &p->t[at], (n - at) * sizeof(p->t[0]));
		p->t[at] = (struct ikev2_transform){.type = IKEV2_TRANS_DH, .id = group};
		p->ntrans = (uint8_t)(n + 1);
	}
}

uint16_t ike_offer_dh(const struct ikev2_sa *offer)
{
	for (unsigned i = 0; i < offer->n; i++)
		for (unsigned k = 0; k < offer->p[i].ntrans; k++)
			if (offer->p[i].t[k].type == IKEV2_TRANS_DH)
				return offer->p[i].t[k].id;
	return 0;
}

/* --- choosing --- */

/* Whether p offers t. A type p leaves out stands for NONE (id 0) alone (RFC 7296 3.3.3);
 * a transform with an attribute we do not understand is not on offer (3.3.6). */
static bool offers(const struct ikev2_proposal *p, const struct ikev2_transform *t)
{
	if (!has_type(p, t->type))
		return t->id == 0 && t->keylen == 0;
	for (unsigned i = 0; i < p->ntrans; i++)
		if (p->t[i].type == t->type && p->t[i].id == t->id && p->t[i].keylen == t->keylen &&
		    !p->t[i].unknown_attr)
			return true;
	return false;
}

/* Our first transform of type that theirs offers too, or the one of id prefer if both
 * have it; false when they have none in common. */
static bool pick(const struct ikev2_proposal *ours, const struct ikev2_proposal *theirs,
		 uint8_t type, uint16_t prefer, uint16_t *id, uint16_t *keylen)
{
	const struct ikev2_transform none = {.type = type};
	const struct ikev2_transform *best = NULL;

	for (unsigned i = 0; i < ours->ntrans; i++) {
		const struct ikev2_transform *t = &ours->t[i];

		if (t->type != type || !offers(theirs, t))
			continue;
		if (!best || (prefer && t->id == prefer && best->id != prefer))
			best = t;
	}
	if (!has_type(ours, type) && offers(theirs, &none))
		best = &none;
	if (!best)
		return false;
	*id = best->id;
	*keylen = best->keylen;
	return true;
}

/* Whether our proposal o and their t (same protocol) meet; c is the result. */
static bool match(const struct ikev2_proposal *o, const struct ikev2_proposal *t, uint16_t prefer,
		  struct ike_chosen *c)
{
	uint16_t kl;

	/* RFC 7296 3.3.6: a proposal with a transform type we do not know is unacceptable */
	for (unsigned i = 0; i < t->ntrans; i++)
		if (t->t[i].type < IKEV2_TRANS_ENCR || t->t[i].type > IKEV2_TRANS_ESN)
			return false;
	memset(c, 0, sizeof(*c));
	if (!pick(o, t, IKEV2_TRANS_ENCR, 0, &c->encr, &c->encr_keylen) ||
	    !pick(o, t, IKEV2_TRANS_PRF, 0, &c->prf, &kl) ||
	    !pick(o, t, IKEV2_TRANS_INTEG, 0, &c->integ, &kl) ||
	    !pick(o, t, IKEV2_TRANS_DH, prefer, &c->dh, &kl) ||
	    !pick(o, t, IKEV2_TRANS_ESN, 0, &c->esn, &kl))
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
			if (!prefer_dh || c.dh == prefer_dh) {
				*out = c;
				return 0;
			}
			if (!found) /* would need INVALID_KE_PAYLOAD: keep looking */
				*out = c;
			found = true;
		}
	return found ? 0 : -ENOENT;
}

/* The reply's one proposal: known types, each at most once, no unknown attributes. */
static bool reply_sane(const struct ikev2_sa *reply)
{
	const struct ikev2_proposal *r = &reply->p[0];
	unsigned seen = 0;

	if (reply->n != 1)
		return false;
	for (unsigned i = 0; i < r->ntrans; i++) {
		uint8_t type = r->t[i].type;

		if (type < IKEV2_TRANS_ENCR || type > IKEV2_TRANS_ESN || r->t[i].unknown_attr ||
		    (seen & 1u << type))
			return false;
		seen |= 1u << type;
	}
	return true;
}

int ike_accept(const struct ikev2_sa *ours, const struct ikev2_sa *reply, struct ike_chosen *out)
{
	if (!reply_sane(reply))
		return -EBADMSG;
	const struct ikev2_proposal *r = &reply->p[0];

	/* with one transform per type in the reply, a match uses every one of them */
	for (int any = 0; any < 2; any++)
		for (unsigned i = 0; i < ours->n; i++)
			if (ours->p[i].proto == r->proto && (any || ours->p[i].num == r->num) &&
			    match(&ours->p[i], r, 0, out))
				return 0;
	return -EBADMSG;
}

void ike_chosen_to_sa(const struct ike_chosen *c, uint8_t spi_size, uint64_t spi,
		      struct ikev2_sa *out)
{
	struct ikev2_proposal *p = &out->p[0];
	const struct ikev2_transform t[] = {
		{.type = IKEV2_TRANS_ENCR, .id = c->encr, .keylen = c->encr_keylen},
		{.type = IKEV2_TRANS_PRF, .id = c->prf},
		{.type = IKEV2_TRANS_INTEG, .id = c->integ},
		{.type = IKEV2_TRANS_DH, .id = c->dh},
	};

	memset(out, 0, sizeof(*out));
	out->n = 1;
	p->num = c->num ? c->num : 1;
	p->proto = c->proto;
	p->spi_size = spi_size;
	p->spi = spi;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].id)
			p->t[p->ntrans++] = t[i];
	/* RFC 7296 3.3.3: ESN is mandatory in ESP and AH proposals */
	if (c->proto != IKEV2_PROTO_IKE)
		p->t[p->ntrans++] = (struct ikev2_transform){.type = IKEV2_TRANS_ESN, .id = c->esn};
}

/* --- text --- */

struct text {
	char *buf;
	size_t len, at; /* at: the length so far, even past len */
};

static void put(struct text *o, const char *s)
{
	size_t n = strlen(s);

	if (o->at < o->len) {
		size_t room = o->len - o->at - 1;

		memcpy(o->buf + o->at, s, n < room ? n : room);
		o->buf[o->at + (n < room ? n : room)] = '\0';
	}
	o->at += n;
}

/* The names of p's transforms of type joined by '|', each after prefix; '/' before them
 * when something came before (*any). Nothing when p has none. */
static void put_type(struct text *o, const struct ikev2_proposal *p, uint8_t type,
		     const char *prefix, bool *any)
{
	bool first = true;

	for (unsigned i = 0; i < p->ntrans; i++) {
		if (p->t[i].type != type)
			continue;
		put(o, !first ? "|" : *any ? "/" : "");
		put(o, prefix);
		put(o, ike_transform_name(type, p->t[i].id, p->t[i].keylen));
		first = false;
		*any = true;
	}
}

static unsigned next_of(const struct ikev2_proposal *p, uint8_t type, unsigned i)
{
	while (i < p->ntrans && p->t[i].type != type)
		i++;
	return i;
}

/* Whether p's PRF list names the same hashes as its INTEG list, in the same order. */
static bool prf_like_integ(const struct ikev2_proposal *p)
{
	unsigned a = next_of(p, IKEV2_TRANS_PRF, 0), b = next_of(p, IKEV2_TRANS_INTEG, 0);
	char prf[40];

	for (; a < p->ntrans && b < p->ntrans;
	     a = next_of(p, IKEV2_TRANS_PRF, a + 1), b = next_of(p, IKEV2_TRANS_INTEG, b + 1)) {
		/* copied: an unknown id's name is in a buffer the next call reuses */
		snprintf(prf, sizeof(prf), "%s",
			 ike_transform_name(IKEV2_TRANS_PRF, p->t[a].id, 0));
		if (strcmp(prf, ike_transform_name(IKEV2_TRANS_INTEG, p->t[b].id, 0)))
			return false;
	}
	return a == p->ntrans && b == p->ntrans;
}

static void put_proposal(struct text *o, const struct ikev2_proposal *p)
{
	bool integ = has_type(p, IKEV2_TRANS_INTEG), any = false;

	if (p->proto == IKEV2_PROTO_AH)
		put(o, "ah:");
	put_type(o, p, IKEV2_TRANS_ENCR, "", &any);
	put_type(o, p, IKEV2_TRANS_INTEG, "", &any);
	if (!integ || !prf_like_integ(p))
		put_type(o, p, IKEV2_TRANS_PRF, integ ? "prf-" : "", &any);
	put_type(o, p, IKEV2_TRANS_DH, "", &any);
	for (unsigned i = 0; i < p->ntrans; i++)
		if (p->t[i].type == IKEV2_TRANS_ESN && p->t[i].id) {
			put_type(o, p, IKEV2_TRANS_ESN, "", &any); /* more than NO_ESN */
			break;
		}
}

size_t ike_offer_str(const struct ikev2_sa *sa, char *buf, size_t len)
{
	struct text o = {buf, len, 0};

	if (len)
		buf[0] = '\0';
	for (unsigned i = 0; i < sa->n; i++) {
		if (i)
			put(&o, ", ");
		put_proposal(&o, &sa->p[i]);
	}
	return o.at;
}

size_t ike_chosen_str(const struct ike_chosen *c, char *buf, size_t len)
{
	struct ikev2_sa sa;

	ike_chosen_to_sa(c, 0, 0, &sa);
	return ike_offer_str(&sa, buf, len);
}
