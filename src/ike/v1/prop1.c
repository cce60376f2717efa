/* prop1: IKEv1 SA payloads from the configuration, translated from the IKEv2 offers of
 * proposal.c (RFC 2409 appendix A for phase 1, RFC 2407 4.5 for quick mode; RFC 3602,
 * 4106, 4312 and 4868 for AES, AES-GCM, Camellia and SHA-2), and the choice between a
 * peer's transforms, which comes back in IKEv2 numbering. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ipsecd/crypto_v1.h"
#include "prop1.h"

/* RFC 2407 4.5: an SA without a lifetime lives 28800 seconds */
#define P2_DEFAULT_LIFE 28800

/* --- numbering --- */

/* IKEv2 ENCR ids and their phase 1 Encryption Algorithm and ESP transform id (0: none). */
static const struct {
	uint16_t v2, p1, esp;
} encrs[] = {
	{IKE_ENCR_DES, IKEV1_ENCR_DES_CBC, IKEV1_ESP_DES},
	{IKE_ENCR_3DES, IKEV1_ENCR_3DES_CBC, IKEV1_ESP_3DES},
	{IKE_ENCR_BLOWFISH, IKEV1_ENCR_BLOWFISH_CBC, 7 /* ESP_BLOWFISH */},
	{IKE_ENCR_NULL, 0, IKEV1_ESP_NULL},
	{IKE_ENCR_AES_CBC, IKEV1_ENCR_AES_CBC, IKEV1_ESP_AES},
	{IKE_ENCR_AES_CTR, 0, IKEV1_ESP_AES_CTR},
	/* IKEv1 phase 1 has no AEAD cipher */
	{IKE_ENCR_AES_GCM_8, 0, IKEV1_ESP_AES_GCM_8},
	{IKE_ENCR_AES_GCM_12, 0, IKEV1_ESP_AES_GCM_12},
	{IKE_ENCR_AES_GCM_16, 0, IKEV1_ESP_AES_GCM_16},
	{IKE_ENCR_CAMELLIA_CBC, IKEV1_ENCR_CAMELLIA_CBC, IKEV1_ESP_CAMELLIA},
};

/* IKEv2 PRF ids and the phase 1 Hash Algorithm whose HMAC they are (RFC 4868 2.4). */
static const struct {
	uint16_t v2, hash;
} prfs[] = {
	{1, IKEV1_HASH_MD5},	  {2, IKEV1_HASH_SHA1},	    {5, IKEV1_HASH_SHA2_256},
	{6, IKEV1_HASH_SHA2_384}, {7, IKEV1_HASH_SHA2_512},
};

/* IKEv2 INTEG ids, the IPsec Authentication Algorithm and the AH transform id. */
static const struct {
	uint16_t v2, auth, ah;
} integs[] = {
	{1, IKEV1_AUTH_ALG_HMAC_MD5, IKEV1_AH_MD5},
	{2, IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_AH_SHA},
	{12, IKEV1_AUTH_ALG_HMAC_SHA2_256, IKEV1_AH_SHA2_256},
	{13, IKEV1_AUTH_ALG_HMAC_SHA2_384, IKEV1_AH_SHA2_384},
	{14, IKEV1_AUTH_ALG_HMAC_SHA2_512, IKEV1_AH_SHA2_512},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static uint16_t encr_p1(uint16_t v2)
{
	for (size_t i = 0; i < N(encrs); i++)
		if (encrs[i].v2 == v2)
			return encrs[i].p1;
	return 0;
}

static uint16_t encr_esp(uint16_t v2)
{
	for (size_t i = 0; i < N(encrs); i++)
		if (encrs[i].v2 == v2)
			return encrs[i].esp;
	return 0;
}

/* The IKEv2 id of a phase 1 Encryption Algorithm (p1) or an ESP transform id; 0: none. */
static uint16_t encr_v2(bool p1, uint16_t id)
{
	for (size_t i = 0; id && i < N(encrs); i++)
		if ((p1 ? encrs[i].p1 : encrs[i].esp) == id)
			return encrs[i].v2;
	return 0;
}

static uint16_t prf_hash(uint16_t v2)
{
	for (size_t i = 0; i < N(prfs); i++)
		if (prfs[i].v2 == v2)
			return prfs[i].hash;
	return 0;
}

static uint16_t hash_prf(uint16_t hash)
{
	for (size_t i = 0; hash && i < N(prfs); i++)
		if (prfs[i].hash == hash)
			return prfs[i].v2;
	return 0;
}

static uint16_t integ_auth(uint16_t v2, bool ah)
{
	for (size_t i = 0; i < N(integs); i++)
		if (integs[i].v2 == v2)
			return ah ? integs[i].ah : integs[i].auth;
	return 0;
}

static uint16_t auth_integ(uint16_t auth)
{
	for (size_t i = 0; auth && i < N(integs); i++)
		if (integs[i].auth == auth)
			return integs[i].v2;
	return 0;
}

/* The Key Length as compared: the variable-length ciphers' missing attribute is 128 bits
 * (crypto_v1.h reads AES so), the fixed ones' own size is no attribute at all. */
static uint16_t norm_keylen(uint16_t v2encr, uint16_t keylen)
{
	switch (v2encr) {
	case IKE_ENCR_DES:
		return keylen == 64 ? 0 : keylen;
	case IKE_ENCR_3DES:
		return keylen == 192 ? 0 : keylen;
	case IKE_ENCR_NULL:
		return keylen;
	default:
		return keylen ? keylen : 128;
	}
}

/* --- reading a transform --- */

/* One transform's attributes, read. Phase 1: encr, hash, auth (method), group, keylen;
 * quick mode: group, encap, auth (algorithm), keylen. Lifetimes 0 when not given. */
struct tf {
	uint8_t num, id;
	uint16_t encr, hash, auth, group, keylen, encap;
	uint64_t life_s, life_kb;
};

static uint16_t *tf_field(struct tf *f, bool p1, uint16_t type)
{
	if (p1)
		switch (type) {
		case IKEV1_P1_ENCR:
			return &f->encr;
		case IKEV1_P1_HASH:
			return &f->hash;
		case IKEV1_P1_AUTH_METHOD:
			return &f->auth;
		case IKEV1_P1_GROUP_DESC:
			return &f->group;
		case IKEV1_P1_KEY_LENGTH:
			return &f->keylen;
		default:
			return NULL; /* PRF, Group Type/Prime/..., Field Size, Group Order */
		}
	switch (type) {
	case IKEV1_P2_GROUP_DESC:
		return &f->group;
	case IKEV1_P2_ENCAP_MODE:
		return &f->encap;
	case IKEV1_P2_AUTH_ALG:
		return &f->auth;
	case IKEV1_P2_KEY_LENGTH:
		return &f->keylen;
	default:
		return NULL; /* Key Rounds, compression, ECN, ESN: not ours */
	}
}

/* False when the transform has an attribute we do not know, one twice, a value out of its
 * range, or a Life Duration without its Life Type (RFC 2407 4.5: the type comes first);
 * such a transform is not on offer. Either form of an attribute is read (ikev1_attr_uint). */
static bool tf_read(const struct ikev1_sa *sa, const struct ikev1_transform *t, bool p1,
		    struct tf *f)
{
	uint16_t life_type_attr = p1 ? IKEV1_P1_LIFE_TYPE : IKEV1_P2_SA_LIFE_TYPE;
	uint16_t duration_attr = p1 ? IKEV1_P1_LIFE_DURATION : IKEV1_P2_SA_LIFE_DURATION;
	uint64_t life_type = 0;
	uint32_t seen = 0;

	memset(f, 0, sizeof(*f));
	f->num = t->num;
	f->id = t->id;
	if ((size_t)t->first_attr + t->nattr > sa->nattr)
		return false;
	for (unsigned i = 0; i < t->nattr; i++) {
		const struct ikev1_attr *a = ikev1_trans_attr(sa, t, i);
		uint16_t *field;
		uint64_t v;

		if (ikev1_attr_uint(a, &v) < 0)
			return false;
		if (a->type == life_type_attr) {
			if (v != IKEV1_LIFE_SECONDS && v != IKEV1_LIFE_KILOBYTES)
				return false;
			life_type = v;
		} else if (a->type == duration_attr) {
			if (!life_type)
				return false;
			*(life_type == IKEV1_LIFE_SECONDS ? &f->life_s : &f->life_kb) = v;
			life_type = 0;
		} else {
			field = tf_field(f, p1, a->type);
			if (!field || v > UINT16_MAX || seen & 1u << a->type)
				return false;
			seen |= 1u << a->type;
			*field = (uint16_t)v;
		}
	}
	return true;
}

/* The transform at flat index trans of sa and its proposal; NULL when none holds it. */
static const struct ikev1_proposal *prop_of(const struct ikev1_sa *sa, unsigned trans)
{
	for (unsigned i = 0; i < sa->nprop && i < IKEV1_MAX_PROPOSALS; i++) {
		const struct ikev1_proposal *p = &sa->p[i];

		if (trans >= p->first_trans && trans < (unsigned)p->first_trans + p->ntrans)
			return p;
	}
	return NULL;
}

static uint32_t clamp32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* --- building --- */

struct build {
	const struct conf_item *it;
	struct ikev1_sa_buf *out;
	struct ikev1_transform *t; /* the transform being filled */
	bool full;
	char *err;
	size_t errlen;
};

static const char *item_name(const struct conf_item *it)
{
	const char *n = it->menu->name_prop >= 0 ? conf_str(it, it->menu->name_prop) : NULL;

	return n ? n : "";
}

static void begin_prop(struct build *b, uint8_t proto, const uint8_t *spi, uint8_t spi_size)
{
	struct ikev1_sa *sa = &b->out->sa;
	struct ikev1_proposal *p = &sa->p[sa->nprop++];

	sa->doi = IKEV1_DOI_IPSEC;
	sa->situation = IKEV1_SIT_IDENTITY_ONLY;
	p->num = sa->nprop;
	p->proto = proto;
	p->spi_size = spi_size;
	if (spi_size)
		memcpy(p->spi, spi, spi_size);
	p->first_trans = sa->ntrans;
}

/* Starts a transform of the current proposal; false when the payload is full. */
static bool begin_trans(struct build *b, uint8_t id)
{
	struct ikev1_sa *sa = &b->out->sa;
	struct ikev1_proposal *p = &sa->p[sa->nprop - 1];

	if (sa->ntrans >= IKEV1_MAX_TRANSFORMS) {
		b->full = true;
		return false;
	}
	b->t = &sa->t[sa->ntrans++];
	*b->t = (struct ikev1_transform){
		.num = (uint8_t)(++p->ntrans), .id = id, .first_attr = sa->nattr};
	return true;
}

static struct ikev1_attr *next_attr(struct build *b)
{
	struct ikev1_sa *sa = &b->out->sa;

	if (sa->nattr >= IKEV1_MAX_SA_ATTRS) {
		b->full = true;
		return NULL;
	}
	b->t->nattr++;
	return &sa->a[sa->nattr++];
}

static void put_tv(struct build *b, uint16_t type, uint16_t val)
{
	struct ikev1_attr *a = next_attr(b);

	if (a)
		*a = (struct ikev1_attr){.type = type, .tv = true, .val = val};
}

/* A lifetime as TV when it fits 16 bits, otherwise as a 4-byte TLV in store. */
static struct ikev1_attr life_attr(uint16_t type, uint32_t v, uint8_t store[4])
{
	if (v <= UINT16_MAX)
		return (struct ikev1_attr){.type = type, .tv = true, .val = (uint16_t)v};
	store[0] = (uint8_t)(v >> 24);
	store[1] = (uint8_t)(v >> 16);
	store[2] = (uint8_t)(v >> 8);
	store[3] = (uint8_t)v;
	return (struct ikev1_attr){.type = type, .value = {store, 4}};
}

/* Life Type (seconds or kilobytes) and Life Duration v, with the attribute types of the
 * phase (RFC 2409 appendix A classes 11/12, RFC 2407 4.5 classes 1/2). */
static void put_life(struct build *b, bool p1, uint16_t life_type, uint32_t v)
{
	uint8_t *store = b->out->life[life_type == IKEV1_LIFE_SECONDS ? 0 : 1];
	struct ikev1_attr *a;

	put_tv(b, p1 ? IKEV1_P1_LIFE_TYPE : IKEV1_P2_SA_LIFE_TYPE, life_type);
	a = next_attr(b);
	if (a)
		*a = life_attr(p1 ? IKEV1_P1_LIFE_DURATION : IKEV1_P2_SA_LIFE_DURATION, v, store);
}

static int too_many(struct build *b, const char *menu)
{
	snprintf(b->err, b->errlen,
		 "%s %s: too many algorithm combinations for one IKEv1 SA payload", menu,
		 item_name(b->it));
	return -EINVAL;
}

static uint32_t conf_u32(const struct conf_item *it, int prop)
{
	int64_t v = conf_int(it, prop);

	return v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* --- phase 1 --- */

/* The IKEv2 offer's ids for phase 1: its ciphers, its one hash, its groups; -EINVAL
 * with err for what IKEv1 cannot say. */
static int p1_check(struct build *b, const struct ikev2_sa *v2, uint16_t *hash)
{
	*hash = 0;
	for (unsigned i = 0; i < v2->n; i++)
		for (unsigned k = 0; k < v2->p[i].ntrans; k++) {
			const struct ikev2_transform *t = &v2->p[i].t[k];
			const char *name = ike_transform_name(t->type, t->id, t->keylen);

			if (t->type == IKEV2_TRANS_ENCR && !encr_p1(t->id)) {
				snprintf(b->err, b->errlen,
					 "profile %s: enc-algorithm %s has no IKEv1 phase 1 value "
					 "(IKEv1 has no AES-GCM for the ISAKMP SA)",
					 item_name(b->it), name);
				return -EINVAL;
			}
			if (t->type == IKEV2_TRANS_PRF && !(*hash = prf_hash(t->id))) {
				snprintf(b->err, b->errlen,
					 "profile %s: hash-algorithm %s has no IKEv1 value",
					 item_name(b->it), name);
				return -EINVAL;
			}
			/* crypto_v1.h: Curve25519 has no IKEv1 Group Description */
			if (t->type == IKEV2_TRANS_DH && t->id == 31) {
				snprintf(b->err, b->errlen,
					 "profile %s: dh-group %s has no IKEv1 value",
					 item_name(b->it), name);
				return -EINVAL;
			}
		}
	return 0;
}

int ikev1_offer_p1(const struct conf_item *profile, uint16_t auth_method, ike_supported_fn ok,
		   struct ikev1_sa_buf *out, char *err, size_t errlen)
{
	struct build b = {.it = profile, .out = out, .err = err, .errlen = errlen};
	uint32_t life = conf_u32(profile, CONF_PROFILE_LIFETIME);
	uint64_t bytes = (uint64_t)conf_u32(profile, CONF_PROFILE_LIFEBYTES);
	struct ikev2_sa v2;
	uint16_t hash;

	memset(out, 0, sizeof(*out));
	if (ike_offer_ike(profile, ok, &v2, err, errlen) < 0 || p1_check(&b, &v2, &hash) < 0)
		return -EINVAL;
	begin_prop(&b, IKEV1_PROTO_ISAKMP, NULL, 0);
	/* one IKEv2 proposal: ike_offer_ike puts only AES-GCM in a second, refused above */
	const struct ikev2_proposal *p = &v2.p[0];

	for (unsigned e = 0; e < p->ntrans; e++) {
		const struct ikev2_transform *enc = &p->t[e];

		if (enc->type != IKEV2_TRANS_ENCR)
			continue;
		for (unsigned d = 0; d < p->ntrans; d++) {
			if (p->t[d].type != IKEV2_TRANS_DH || !begin_trans(&b, IKEV1_KEY_IKE))
				continue;
			put_tv(&b, IKEV1_P1_ENCR, encr_p1(enc->id));
			if (enc->keylen)
				put_tv(&b, IKEV1_P1_KEY_LENGTH, enc->keylen);
			put_tv(&b, IKEV1_P1_HASH, hash);
			put_tv(&b, IKEV1_P1_AUTH_METHOD, auth_method);
			put_tv(&b, IKEV1_P1_GROUP_DESC, p->t[d].id);
			put_life(&b, true, IKEV1_LIFE_SECONDS, life);
			/* the seed's lifebytes: "added to the proposal", in kilobytes */
			if (bytes)
				put_life(&b, true, IKEV1_LIFE_KILOBYTES,
					 clamp32((bytes + 1023) / 1024));
		}
	}
	return b.full ? too_many(&b, "profile") : 0;
}

/* Whether our phase 1 transform o offers their f (life aside). */
static bool p1_same(const struct tf *o, const struct tf *f)
{
	uint16_t v2 = encr_v2(true, f->encr);

	return f->id == IKEV1_KEY_IKE && v2 && o->encr == f->encr &&
	       norm_keylen(v2, o->keylen) == norm_keylen(v2, f->keylen) && o->hash == f->hash &&
	       o->auth == f->auth && o->group == f->group && f->group;
}

/* Our transform that offers f, read into o; false when none. */
static bool p1_find(const struct ikev1_sa *ours, const struct tf *f, struct tf *o)
{
	for (unsigned i = 0; i < ours->ntrans; i++)
		if (tf_read(ours, &ours->t[i], true, o) && p1_same(o, f))
			return true;
	return false;
}

static void p1_chosen(const struct tf *f, struct ike_chosen *c)
{
	uint16_t v2 = encr_v2(true, f->encr);

	memset(c, 0, sizeof(*c));
	c->proto = IKEV2_PROTO_IKE;
	c->num = f->num;
	c->encr = v2;
	c->encr_keylen = norm_keylen(v2, f->keylen);
	if (v2 == IKE_ENCR_3DES || v2 == IKE_ENCR_DES)
		c->encr_keylen = 0;
	c->prf = hash_prf(f->hash);
	c->dh = f->group;
}

/* The shorter of two lifetimes, 0 standing for none given. */
static uint32_t shorter(uint64_t a, uint64_t b)
{
	if (!a || (b && b < a))
		return clamp32(b);
	return clamp32(a);
}

int ikev1_choose_p1(const struct ikev1_sa *ours, const struct ikev1_sa *theirs,
		    uint16_t auth_method, struct ike_chosen *chosen, uint32_t *life,
		    unsigned *trans)
{
	for (unsigned i = 0; i < theirs->nprop && i < IKEV1_MAX_PROPOSALS; i++) {
		const struct ikev1_proposal *p = &theirs->p[i];

		if (p->proto != IKEV1_PROTO_ISAKMP)
			continue;
		for (unsigned k = 0; k < p->ntrans; k++) {
			unsigned at = (unsigned)p->first_trans + k;
			struct tf f, o;

			if (at >= theirs->ntrans || !tf_read(theirs, &theirs->t[at], true, &f) ||
			    f.auth != auth_method || !p1_find(ours, &f, &o))
				continue;
			p1_chosen(&f, chosen);
			/* RouterOS: no proposal-check in phase 1, a shorter lifetime wins */
			*life = shorter(o.life_s, f.life_s);
			*trans = at;
			return 0;
		}
	}
	return -ENOENT;
}

static const char *hash_text(uint16_t hash)
{
	switch (hash) {
	case IKEV1_HASH_MD5:
		return "md5";
	case IKEV1_HASH_SHA1:
		return "sha1";
	case IKEV1_HASH_SHA2_256:
		return "sha256";
	case IKEV1_HASH_SHA2_384:
		return "sha384";
	case IKEV1_HASH_SHA2_512:
		return "sha512";
	default:
		return "unknown";
	}
}

size_t ikev1_p1_str(const struct ikev1_sa *sa, char *buf, size_t len)
{
	size_t n = 0;

	if (len)
		buf[0] = '\0';
	for (unsigned i = 0; i < sa->ntrans && i < IKEV1_MAX_TRANSFORMS; i++) {
		struct tf f;
		char enc[48], auth[48] = "";

		if (!tf_read(sa, &sa->t[i], true, &f))
			continue;
		uint16_t v2 = encr_v2(true, f.encr);

		snprintf(enc, sizeof(enc), "%s",
			 v2 ? ike_transform_name(IKEV2_TRANS_ENCR, v2, norm_keylen(v2, f.keylen))
			    : "unknown");
		if (f.auth != IKEV1_AUTH_PSK)
			snprintf(auth, sizeof(auth), " (%s)", ikev1_auth_method_name(f.auth));
		n += (size_t)snprintf(buf + (n < len ? n : len), n < len ? len - n : 0,
				      "%s%s/%s/%s%s", n ? ", " : "", enc, hash_text(f.hash),
				      f.group ? ike_transform_name(IKEV2_TRANS_DH, f.group, 0)
					      : "no-group",
				      auth);
	}
	return n;
}

/* The reply's one proposal of one transform, read; NULL when it is not that. */
static const struct ikev1_proposal *one_trans(const struct ikev1_sa *reply, bool p1, struct tf *f)
{
	const struct ikev1_proposal *p = &reply->p[0];

	if (reply->nprop != 1 || p->ntrans != 1 || p->first_trans >= reply->ntrans ||
	    !tf_read(reply, &reply->t[p->first_trans], p1, f))
		return NULL;
	return p;
}

int ikev1_accept_p1(const struct ikev1_sa *ours, const struct ikev1_sa *reply,
		    struct ike_chosen *chosen, uint32_t *life)
{
	const struct ikev1_proposal *p;
	struct tf f, o;

	p = one_trans(reply, true, &f);
	if (!p || p->proto != IKEV1_PROTO_ISAKMP || !p1_find(ours, &f, &o))
		return -EBADMSG;
	p1_chosen(&f, chosen);
	*life = shorter(o.life_s, f.life_s); /* never longer than we offered */
	return 0;
}

/* The proposal holding transform trans and that one transform with its attributes. */
static void reply_copy(const struct ikev1_sa *theirs, unsigned trans, struct ikev1_sa *out)
{
	const struct ikev1_proposal *p = prop_of(theirs, trans);
	const struct ikev1_transform *t = &theirs->t[trans];

	memset(out, 0, sizeof(*out));
	if (!p || trans >= theirs->ntrans || (size_t)t->first_attr + t->nattr > theirs->nattr)
		return; /* not one of theirs: nprop 0, which the encoder refuses */
	out->doi = theirs->doi;
	out->situation = theirs->situation;
	out->nprop = 1;
	out->p[0] = *p;
	out->p[0].first_trans = 0;
	out->p[0].ntrans = 1;
	out->ntrans = 1;
	out->t[0] = *t;
	out->t[0].first_attr = 0;
	out->nattr = t->nattr;
	memcpy(out->a, &theirs->a[t->first_attr], t->nattr * sizeof(out->a[0]));
}

void ikev1_reply_p1(const struct ikev1_sa *theirs, unsigned trans, struct ikev1_sa *out)
{
	reply_copy(theirs, trans, out);
}

/* --- quick mode --- */

/* RFC 2407 4.5 and RFC 3947 5: the Encapsulation Mode of a mode. */
static uint16_t encap_of(const struct ikev1_mode *m)
{
	if (!m->udp)
		return m->tunnel ? IKEV1_ENCAP_TUNNEL : IKEV1_ENCAP_TRANSPORT;
	if (m->draft)
		return m->tunnel ? IKEV1_ENCAP_UDP_TUNNEL_DRAFT : IKEV1_ENCAP_UDP_TRANSPORT_DRAFT;
	return m->tunnel ? IKEV1_ENCAP_UDP_TUNNEL : IKEV1_ENCAP_UDP_TRANSPORT;
}

/* Whether Encapsulation Mode encap is mode m: the RFC 3947 and the draft values both stand
 * for UDP. Unspecified (0) is "host-dependent" (RFC 2407 4.5): ours. */
static bool encap_is(uint16_t encap, const struct ikev1_mode *m)
{
	switch (encap) {
	case 0:
		return true;
	case IKEV1_ENCAP_TUNNEL:
		return m->tunnel && !m->udp;
	case IKEV1_ENCAP_TRANSPORT:
		return !m->tunnel && !m->udp;
	case IKEV1_ENCAP_UDP_TUNNEL:
	case IKEV1_ENCAP_UDP_TUNNEL_DRAFT:
		return m->tunnel && m->udp;
	case IKEV1_ENCAP_UDP_TRANSPORT:
	case IKEV1_ENCAP_UDP_TRANSPORT_DRAFT:
		return !m->tunnel && m->udp;
	default:
		return false;
	}
}

/* The mode an Encapsulation Mode value stands for; false for none or an unknown one. */
static bool encap_mode(uint16_t encap, struct ikev1_mode *m)
{
	*m = (struct ikev1_mode){.tunnel = true};
	if (encap_is(encap, m))
		return encap != 0;
	m->udp = true;
	if (encap_is(encap, m))
		return true;
	m->tunnel = false;
	if (encap_is(encap, m))
		return true;
	m->udp = false;
	return encap_is(encap, m);
}

/* One ESP or AH transform from the IKEv2 ids (encr 0 for AH; integ 0: none). */
static void p2_trans(struct build *b, uint8_t proto, uint16_t encr, uint16_t keylen, uint16_t integ,
		     uint16_t dh, const struct ikev1_mode *mode, uint32_t life)
{
	uint8_t id = (uint8_t)(proto == IKEV1_PROTO_AH ? integ_auth(integ, true) : encr_esp(encr));

	if (!begin_trans(b, id))
		return;
	put_life(b, false, IKEV1_LIFE_SECONDS, life);
	put_tv(b, IKEV1_P2_ENCAP_MODE, encap_of(mode));
	if (integ)
		put_tv(b, IKEV1_P2_AUTH_ALG, integ_auth(integ, false));
	if (keylen)
		put_tv(b, IKEV1_P2_KEY_LENGTH, keylen);
	if (dh)
		put_tv(b, IKEV1_P2_GROUP_DESC, dh);
}

/* -EINVAL with err for an id IKEv1 has no value for. */
static int p2_check(struct build *b, const struct ikev2_sa *v2)
{
	for (unsigned i = 0; i < v2->n; i++)
		for (unsigned k = 0; k < v2->p[i].ntrans; k++) {
			const struct ikev2_transform *t = &v2->p[i].t[k];
			bool bad = (t->type == IKEV2_TRANS_ENCR && !encr_esp(t->id)) ||
				   (t->type == IKEV2_TRANS_INTEG && !integ_auth(t->id, false)) ||
				   (t->type == IKEV2_TRANS_DH && t->id == 31);

			if (bad) {
				snprintf(b->err, b->errlen, "proposal %s: %s has no IKEv1 value",
					 item_name(b->it),
					 ike_transform_name(t->type, t->id, t->keylen));
				return -EINVAL;
			}
		}
	return 0;
}

/* The transforms of one IKEv2 CHILD proposal: each ENCR with each INTEG (or alone when it
 * has none: AES-GCM, or auth-algorithms null), or each INTEG alone for AH. */
static void p2_from_v2(struct build *b, const struct ikev2_proposal *p, uint8_t proto,
		       const struct ikev1_mode *mode, uint32_t life)
{
	uint16_t dh = 0;
	bool integ = false;

	for (unsigned k = 0; k < p->ntrans; k++) {
		if (p->t[k].type == IKEV2_TRANS_DH)
			dh = p->t[k].id;
		integ |= p->t[k].type == IKEV2_TRANS_INTEG;
	}
	for (unsigned e = 0; e < p->ntrans; e++) {
		const struct ikev2_transform *enc = &p->t[e];

		if (proto == IKEV1_PROTO_ESP && enc->type != IKEV2_TRANS_ENCR)
			continue;
		if (proto == IKEV1_PROTO_AH) {
			if (enc->type == IKEV2_TRANS_INTEG)
				p2_trans(b, proto, 0, 0, enc->id, dh, mode, life);
			continue;
		}
		if (!integ)
			p2_trans(b, proto, enc->id, enc->keylen, 0, dh, mode, life);
		for (unsigned i = 0; i < p->ntrans; i++)
			if (p->t[i].type == IKEV2_TRANS_INTEG)
				p2_trans(b, proto, enc->id, enc->keylen, p->t[i].id, dh, mode,
					 life);
	}
}

int ikev1_offer_p2(const struct conf_item *proposal, uint8_t proto, bool with_pfs,
		   const struct ikev1_mode *mode, uint32_t spi, ike_supported_fn ok,
		   struct ikev1_sa_buf *out, char *err, size_t errlen)
{
	struct build b = {.it = proposal, .out = out, .err = err, .errlen = errlen};
	uint32_t life = conf_u32(proposal, CONF_PROPOSAL_LIFETIME);
	struct ikev2_sa v2;
	uint8_t spib[4];

	memset(out, 0, sizeof(*out));
	/* IKEv1 and IKEv2 share the ESP and AH protocol numbers (RFC 2407 4.4.1) */
	if (ike_offer_child(proposal, proto, with_pfs, ok, &v2, err, errlen) < 0 ||
	    p2_check(&b, &v2) < 0)
		return -EINVAL;
	spib[0] = (uint8_t)(spi >> 24), spib[1] = (uint8_t)(spi >> 16);
	spib[2] = (uint8_t)(spi >> 8), spib[3] = (uint8_t)spi;
	begin_prop(&b, proto, spib, 4);
	/* the AES-GCM transforms follow the others, as in the IKEv2 offer */
	for (unsigned i = 0; i < v2.n; i++)
		p2_from_v2(&b, &v2.p[i], proto, mode, life);
	/* the configuration has no phase 2 lifebytes: no kilobytes lifetime */
	return b.full ? too_many(&b, "proposal") : 0;
}

enum ikev1_life_check ikev1_life_check_of(const struct conf_item *profile)
{
	static const struct {
		const char *name;
		enum ikev1_life_check check;
	} names[] = {
		{"claim", IKEV1_CHECK_CLAIM},
		{"strict", IKEV1_CHECK_STRICT},
		{"exact", IKEV1_CHECK_EXACT},
	};
	const struct conf_prop *p;
	int64_t v;

	if (!profile)
		return IKEV1_CHECK_OBEY;
	p = &profile->menu->props[CONF_PROFILE_PROPOSAL_CHECK];
	v = conf_int(profile, CONF_PROFILE_PROPOSAL_CHECK);
	for (size_t i = 0; v >= 0 && i < N(names); i++)
		if (!strcmp(p->choices[v], names[i].name))
			return names[i].check;
	return IKEV1_CHECK_OBEY;
}

/* Whether our quick mode transform o has the algorithms of their f: the same transform
 * id, Authentication Algorithm and Key Length. */
static bool p2_same(const struct tf *o, const struct tf *f)
{
	uint16_t v2 = encr_v2(false, f->id);

	if (o->id != f->id || o->auth != f->auth)
		return false;
	return !v2 || norm_keylen(v2, o->keylen) == norm_keylen(v2, f->keylen);
}

static void p2_chosen(const struct ikev1_proposal *p, const struct tf *f, struct ike_chosen *c)
{
	uint16_t v2 = p->proto == IKEV1_PROTO_ESP ? encr_v2(false, f->id) : 0;

	memset(c, 0, sizeof(*c));
	c->proto = p->proto;
	c->num = f->num;
	c->spi_size = p->spi_size;
	for (unsigned i = 0; i < p->spi_size && i < 8; i++)
		c->spi = c->spi << 8 | p->spi[i];
	c->encr = v2;
	c->encr_keylen = v2 ? norm_keylen(v2, f->keylen) : 0;
	if (v2 == IKE_ENCR_3DES || v2 == IKE_ENCR_DES || v2 == IKE_ENCR_NULL)
		c->encr_keylen = 0;
	c->integ = auth_integ(f->auth);
	c->dh = f->group;
}

/* Why a transform of theirs failed, from the least to the most telling. */
enum p2_fail { FAIL_NONE, FAIL_ALGS, FAIL_MODE, FAIL_PFS, FAIL_LIFE };

/* What the responder checks of a transform whose algorithms we offer: mode, PFS, life. */
struct p2_want {
	const struct ikev1_mode *mode;
	uint16_t pfs;
	enum ikev1_life_check check;
	uint32_t ours; /* our lifetime, seconds */
};

/* RouterOS's IKEv1 (racoon's proposal-check) with a pfs-group needs that group; without
 * one it takes the initiator's choice of PFS, a group it can compute, but under exact,
 * which wants everything equal. */
static bool pfs_ok(const struct p2_want *w, uint16_t group)
{
	if (w->pfs)
		return group == w->pfs;
	if (!group)
		return true;
	return w->check != IKEV1_CHECK_EXACT && crypto_v1_dh_supported(group);
}

/* proposal-check on their lifetime theirs (seconds): *life and *claim, or false. Ours 0
 * limits nothing but exact. */
static bool life_ok(const struct p2_want *w, uint32_t theirs, uint32_t *life, bool *claim)
{
	bool longer = w->ours && theirs > w->ours;

	*life = theirs;
	*claim = false;
	switch (w->check) {
	case IKEV1_CHECK_OBEY:
		return true;
	case IKEV1_CHECK_CLAIM:
		if (longer) {
			*life = w->ours;
			*claim = true;
		}
		return true;
	case IKEV1_CHECK_STRICT:
		return !longer;
	case IKEV1_CHECK_EXACT:
	default:
		return theirs == w->ours;
	}
}

static const char *check_name(enum ikev1_life_check c)
{
	return c == IKEV1_CHECK_CLAIM ? "claim" : c == IKEV1_CHECK_STRICT ? "strict" : "exact";
}

/* "esp aes-256-cbc/sha1" for logs, into buf. */
static void tf_text(uint8_t proto, const struct tf *f, char *buf, size_t len)
{
	uint16_t v2 = proto == IKEV1_PROTO_ESP ? encr_v2(false, f->id) : 0;
	char enc[48] = "", integ[48] = "";

	if (proto == IKEV1_PROTO_ESP)
		snprintf(enc, sizeof(enc), "%s",
			 v2 ? ike_transform_name(IKEV2_TRANS_ENCR, v2, norm_keylen(v2, f->keylen))
			    : "unknown");
	if (f->auth)
		snprintf(integ, sizeof(integ), "%s%s", enc[0] ? "/" : "",
			 auth_integ(f->auth)
				 ? ike_transform_name(IKEV2_TRANS_INTEG, auth_integ(f->auth), 0)
				 : "unknown");
	snprintf(buf, len, "%s %s%s", proto == IKEV1_PROTO_AH ? "ah" : "esp", enc, integ);
}

/* Checks their transform f of proposal p against ours; on a failure more telling than
 * *worst, says why. FAIL_NONE with *life, *claim when it is acceptable. */
static enum p2_fail p2_try(const struct ikev1_sa *ours, const struct ikev1_proposal *p,
			   const struct tf *f, const struct p2_want *w, uint32_t *life, bool *claim,
			   enum p2_fail *worst, char *why, size_t whylen)
{
	uint64_t theirs = f->life_s ? f->life_s : P2_DEFAULT_LIFE;
	enum p2_fail fail = FAIL_ALGS;
	char text[128], group[40];
	struct tf o;

	for (unsigned i = 0; i < ours->ntrans && fail == FAIL_ALGS; i++)
		if (tf_read(ours, &ours->t[i], false, &o) && p2_same(&o, f))
			fail = FAIL_NONE;
	if (fail == FAIL_NONE && !encap_is(f->encap, w->mode))
		fail = FAIL_MODE;
	else if (fail == FAIL_NONE && !pfs_ok(w, f->group))
		fail = FAIL_PFS;
	else if (fail == FAIL_NONE && !life_ok(w, clamp32(theirs), life, claim))
		fail = FAIL_LIFE;
	if (fail <= *worst)
		return fail;
	*worst = fail;
	tf_text(p->proto, f, text, sizeof(text));
	if (fail == FAIL_ALGS)
		snprintf(why, whylen, "no algorithms in common: they propose %s first", text);
	else if (fail == FAIL_MODE)
		snprintf(why, whylen, "%s: they propose %s, we want %s", text,
			 ikev1_encap_mode_name(f->encap), ikev1_encap_mode_name(encap_of(w->mode)));
	else if (fail == FAIL_PFS) {
		/* copied: an unknown group's name is in a buffer the next call reuses */
		snprintf(group, sizeof(group), "%s",
			 ike_transform_name(IKEV2_TRANS_DH, f->group, 0));
		snprintf(why, whylen, "%s: they propose PFS group %s, we want %s%s", text, group,
			 ike_transform_name(IKEV2_TRANS_DH, w->pfs, 0),
			 w->pfs ? "" : " (proposal-check exact)");
	} else
		snprintf(why, whylen, "%s: lifetime %llus, ours %us (proposal-check %s)", text,
			 (unsigned long long)theirs, w->ours, check_name(w->check));
	return fail;
}

/* Our offer's lifetime (seconds) and protocol. */
static void p2_ours(const struct ikev1_sa *ours, uint32_t *life, uint8_t *proto)
{
	struct tf o;

	*life = 0;
	*proto = ours->nprop ? ours->p[0].proto : 0;
	if (ours->ntrans && tf_read(ours, &ours->t[0], false, &o))
		*life = clamp32(o.life_s);
}

/* Whether their proposal p can be taken alone: our protocol, a 4-byte SPI, no other
 * proposal of its number (an AH+ESP or IPComp bundle, which we do not build). */
static bool p2_prop_ok(const struct ikev1_sa *theirs, const struct ikev1_proposal *p, uint8_t proto)
{
	unsigned same = 0;

	for (unsigned i = 0; i < theirs->nprop && i < IKEV1_MAX_PROPOSALS; i++)
		same += theirs->p[i].num == p->num;
	return p->proto == proto && p->spi_size == 4 && same == 1;
}

int ikev1_choose_p2(const struct ikev1_sa *ours, const struct ikev1_sa *theirs,
		    const struct ikev1_mode *mode, uint16_t pfs, enum ikev1_life_check check,
		    struct ike_chosen *chosen, uint32_t *life, bool *responder_life,
		    unsigned *trans, char *why, size_t whylen)
{
	struct p2_want w = {.mode = mode, .pfs = pfs, .check = check};
	enum p2_fail worst = FAIL_NONE;
	uint8_t proto;

	p2_ours(ours, &w.ours, &proto);
	if (whylen)
		snprintf(why, whylen, "no %s proposal with transforms we can read",
			 proto == IKEV1_PROTO_AH ? "AH" : "ESP");
	for (unsigned i = 0; i < theirs->nprop && i < IKEV1_MAX_PROPOSALS; i++) {
		const struct ikev1_proposal *p = &theirs->p[i];

		if (!p2_prop_ok(theirs, p, proto))
			continue;
		for (unsigned k = 0; k < p->ntrans; k++) {
			unsigned at = (unsigned)p->first_trans + k;
			struct tf f;

			if (at >= theirs->ntrans || !tf_read(theirs, &theirs->t[at], false, &f) ||
			    p2_try(ours, p, &f, &w, life, responder_life, &worst, why, whylen) !=
				    FAIL_NONE)
				continue;
			p2_chosen(p, &f, chosen);
			*trans = at;
			return 0;
		}
	}
	return -ENOENT;
}

int ikev1_accept_p2(const struct ikev1_sa *ours, const struct ikev1_sa *reply,
		    struct ike_chosen *chosen, uint32_t *life)
{
	const struct ikev1_proposal *p;
	struct ikev1_mode mode;
	struct tf f, o;
	uint8_t proto;
	uint32_t our_life;

	p2_ours(ours, &our_life, &proto);
	p = one_trans(reply, false, &f);
	if (!p || p->proto != proto || p->spi_size != 4)
		return -EBADMSG;
	for (unsigned i = 0; i < ours->ntrans; i++) {
		if (!tf_read(ours, &ours->t[i], false, &o) || !p2_same(&o, &f) ||
		    o.group != f.group)
			continue;
		/* the responder returns our mode, maybe in the other UDP numbering */
		if (!encap_mode(o.encap, &mode) || !f.encap || !encap_is(f.encap, &mode))
			continue;
		p2_chosen(p, &f, chosen);
		*life = shorter(o.life_s, f.life_s); /* never longer than we offered */
		return 0;
	}
	return -EBADMSG;
}

/* Their seconds lifetime in the one transform of out replaced by life, or added. */
static void set_life(struct ikev1_sa_buf *out, uint32_t life)
{
	struct ikev1_sa *sa = &out->sa;
	bool seconds = false;
	struct build b = {.out = out, .t = &sa->t[0]};

	for (unsigned i = 0; i < sa->nattr; i++) {
		struct ikev1_attr *a = &sa->a[i];
		uint64_t v = 0;

		if (ikev1_attr_uint(a, &v) < 0)
			continue;
		if (a->type == IKEV1_P2_SA_LIFE_TYPE) {
			seconds = v == IKEV1_LIFE_SECONDS;
		} else if (a->type == IKEV1_P2_SA_LIFE_DURATION && seconds) {
			*a = life_attr(a->type, life, out->life[0]);
			return;
		}
	}
	put_life(&b, false, IKEV1_LIFE_SECONDS, life);
}

void ikev1_reply_p2(const struct ikev1_sa *theirs, unsigned trans, uint32_t spi, uint32_t life,
		    struct ikev1_sa_buf *out)
{
	struct tf f;

	memset(out->life, 0, sizeof(out->life));
	reply_copy(theirs, trans, &out->sa);
	if (!out->sa.nprop)
		return;
	out->sa.p[0].spi_size = 4;
	out->sa.p[0].spi[0] = (uint8_t)(spi >> 24), out->sa.p[0].spi[1] = (uint8_t)(spi >> 16);
	out->sa.p[0].spi[2] = (uint8_t)(spi >> 8), out->sa.p[0].spi[3] = (uint8_t)spi;
	/* 0: theirs as it is (a Life Duration of 0 would make Libreswan replace the SA at once) */
	if (!life || (tf_read(&out->sa, &out->sa.t[0], false, &f) &&
		      (f.life_s ? f.life_s : P2_DEFAULT_LIFE) == life))
		return;
	set_life(out, life);
}
