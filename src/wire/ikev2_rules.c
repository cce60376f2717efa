/* ikev2_rules: which payloads each IKEv2 exchange allows, per direction, how many of each,
 * and whether they must be inside SK (RFC 7296 1.2-1.5, 2.21; RFC 7383 for SKF). One table
 * row per exchange and direction, checked after the message (and its SK body) decoded.
 * Liberal where the RFC lets a peer add payloads (Notify, Vendor ID anywhere, CERTREQ where
 * certificates are asked for), strict on what must be there; singletons twice never get
 * here, the decoder refuses them. */
#include <errno.h>
#include <stdio.h>

#include "internal.h"

#define MANY UINT8_MAX /* up to the decoder's cap */

struct pld_rule {
	uint8_t type, min, max;
};

struct exch_rules {
	uint8_t exch;
	bool response;
	const struct pld_rule *rules; /* a type not listed is not allowed */
	size_t n;
	uint32_t together; /* present bits: all of these or none (SA, TSi, TSr) */
	uint32_t one_of;   /* present bits: at least one of these, when not 0 */
	bool error_notify; /* a response of Notify (and Vendor ID) payloads only is an error
			    * answer and needs none of the minimums */
};

#define RULES(a)     a, sizeof(a) / sizeof((a)[0])
#define CHILD_TRIPLE (IKEV2_BIT(IKEV2_PLD_SA) | IKEV2_BIT(IKEV2_PLD_TSI) | IKEV2_BIT(IKEV2_PLD_TSR))
#define TS_PAIR	     (IKEV2_BIT(IKEV2_PLD_TSI) | IKEV2_BIT(IKEV2_PLD_TSR))

/* RFC 7296 1.2: HDR, SAi1, KEi, Ni (plus N(COOKIE), NAT detection, ... and V) */
static const struct pld_rule sa_init_req[] = {
	{IKEV2_PLD_SA, 1, 1},	     {IKEV2_PLD_KE, 1, 1},	  {IKEV2_PLD_NONCE, 1, 1},
	{IKEV2_PLD_NOTIFY, 0, MANY}, {IKEV2_PLD_VENDOR, 0, MANY},
};

/* RFC 7296 1.2: HDR, SAr1, KEr, Nr, [CERTREQ]; or only N(INVALID_KE_PAYLOAD), N(COOKIE),
 * N(NO_PROPOSAL_CHOSEN) ... (1.3, 2.6, 2.7) */
static const struct pld_rule sa_init_resp[] = {
	{IKEV2_PLD_SA, 1, 1},	      {IKEV2_PLD_KE, 1, 1},	   {IKEV2_PLD_NONCE, 1, 1},
	{IKEV2_PLD_CERTREQ, 0, MANY}, {IKEV2_PLD_NOTIFY, 0, MANY}, {IKEV2_PLD_VENDOR, 0, MANY},
};

/* RFC 7296 1.2, 2.16, RFC 4739: IDi, [CERT+], [CERTREQ+], [IDr], AUTH, [CP], SAi2, TSi, TSr;
 * AUTH is left out to ask for EAP, later requests carry only EAP, then only AUTH. */
static const struct pld_rule auth_req[] = {
	{IKEV2_PLD_IDI, 0, 1}, {IKEV2_PLD_CERT, 0, MANY},   {IKEV2_PLD_CERTREQ, 0, MANY},
	{IKEV2_PLD_IDR, 0, 1}, {IKEV2_PLD_AUTH, 0, 1},	    {IKEV2_PLD_CP, 0, 1},
	{IKEV2_PLD_SA, 0, 1},  {IKEV2_PLD_TSI, 0, 1},	    {IKEV2_PLD_TSR, 0, 1},
	{IKEV2_PLD_EAP, 0, 1}, {IKEV2_PLD_NOTIFY, 0, MANY}, {IKEV2_PLD_VENDOR, 0, MANY},
};

/* RFC 7296 1.2, 2.16: IDr, [CERT+], AUTH, [CP], SAr2, TSi, TSr; or IDr, AUTH and an error
 * notify for the Child SA (2.21.2); or EAP. */
static const struct pld_rule auth_resp[] = {
	{IKEV2_PLD_IDR, 0, 1},	     {IKEV2_PLD_CERT, 0, MANY}, {IKEV2_PLD_AUTH, 0, 1},
	{IKEV2_PLD_CP, 0, 1},	     {IKEV2_PLD_SA, 0, 1},	{IKEV2_PLD_TSI, 0, 1},
	{IKEV2_PLD_TSR, 0, 1},	     {IKEV2_PLD_EAP, 0, 1},	{IKEV2_PLD_NOTIFY, 0, MANY},
	{IKEV2_PLD_VENDOR, 0, MANY},
};

/* RFC 7296 1.3: SA, Ni, [KEi], [TSi, TSr] (TS absent when rekeying the IKE SA) */
static const struct pld_rule child_req[] = {
	{IKEV2_PLD_SA, 1, 1},	     {IKEV2_PLD_NONCE, 1, 1}, {IKEV2_PLD_KE, 0, 1},
	{IKEV2_PLD_TSI, 0, 1},	     {IKEV2_PLD_TSR, 0, 1},   {IKEV2_PLD_NOTIFY, 0, MANY},
	{IKEV2_PLD_VENDOR, 0, MANY},
};

static const struct pld_rule child_resp[] = {
	{IKEV2_PLD_SA, 1, 1},	     {IKEV2_PLD_NONCE, 1, 1}, {IKEV2_PLD_KE, 0, 1},
	{IKEV2_PLD_TSI, 0, 1},	     {IKEV2_PLD_TSR, 0, 1},   {IKEV2_PLD_NOTIFY, 0, MANY},
	{IKEV2_PLD_VENDOR, 0, MANY},
};

/* RFC 7296 1.4: zero or more N, D and CP; an empty request checks liveness. */
static const struct pld_rule info[] = {
	{IKEV2_PLD_NOTIFY, 0, MANY},
	{IKEV2_PLD_DELETE, 0, MANY},
	{IKEV2_PLD_CP, 0, 1},
	{IKEV2_PLD_VENDOR, 0, MANY},
};

static const struct exch_rules exch_rules[] = {
	{IKEV2_EXCH_IKE_SA_INIT, false, RULES(sa_init_req), 0, 0, false},
	{IKEV2_EXCH_IKE_SA_INIT, true, RULES(sa_init_resp), 0, 0, true},
	{IKEV2_EXCH_IKE_AUTH, false, RULES(auth_req), CHILD_TRIPLE,
	 IKEV2_BIT(IKEV2_PLD_IDI) | IKEV2_BIT(IKEV2_PLD_AUTH) | IKEV2_BIT(IKEV2_PLD_EAP), false},
	{IKEV2_EXCH_IKE_AUTH, true, RULES(auth_resp), CHILD_TRIPLE,
	 IKEV2_BIT(IKEV2_PLD_IDR) | IKEV2_BIT(IKEV2_PLD_AUTH) | IKEV2_BIT(IKEV2_PLD_EAP), true},
	{IKEV2_EXCH_CREATE_CHILD_SA, false, RULES(child_req), TS_PAIR, 0, false},
	{IKEV2_EXCH_CREATE_CHILD_SA, true, RULES(child_resp), TS_PAIR, 0, true},
	{IKEV2_EXCH_INFORMATIONAL, false, RULES(info), 0, 0, false},
	{IKEV2_EXCH_INFORMATIONAL, true, RULES(info), 0, 0, false},
};

/* How many payloads of type t the message had. */
static unsigned int count(const struct ikev2_msg *m, uint8_t t)
{
	switch (t) {
	case IKEV2_PLD_NOTIFY:
		return m->nnotify;
	case IKEV2_PLD_DELETE:
		return m->ndelete;
	case IKEV2_PLD_VENDOR:
		return m->nvendor;
	case IKEV2_PLD_CERT:
		return m->ncert;
	case IKEV2_PLD_CERTREQ:
		return m->ncertreq;
	}
	return ikev2_has(m, t);
}

static const char *say(const struct ikev2_msg *m, const char *what, uint8_t t)
{
	static char why[96];

	snprintf(why, sizeof(why), "%s %s: %s %s", ikev2_exch_name(m->hdr.exch),
		 m->hdr.flags & IKEV2_FLAG_RESPONSE ? "response" : "request", ikev2_pld_name(t),
		 what);
	return why;
}

static const struct pld_rule *find_rule(const struct exch_rules *x, uint8_t t)
{
	for (size_t i = 0; i < x->n; i++)
		if (x->rules[i].type == t)
			return &x->rules[i];
	return NULL;
}

/* Payload types present, without SK and SKF, which say how, not what. */
static uint32_t contents(const struct ikev2_msg *m)
{
	return m->present & ~(IKEV2_BIT(IKEV2_PLD_SK) | IKEV2_BIT(IKEV2_PLD_SKF));
}

static bool notify_only(const struct ikev2_msg *m)
{
	return m->nnotify &&
	       !(contents(m) & ~(IKEV2_BIT(IKEV2_PLD_NOTIFY) | IKEV2_BIT(IKEV2_PLD_VENDOR)));
}

/* RFC 7296 1.5, 2.21.1, 2.21.4: outside IKE_SA_INIT, a message without SK can only be a
 * notification sent outside any IKE SA (INVALID_IKE_SPI, INVALID_MAJOR_VERSION, INVALID_SPI
 * ...), which the engine takes as a hint; IKE_SA_INIT is never protected. After IKE_SA_INIT
 * everything is inside SK (3.14), so SK or SKF must be the first payload. */
static int check_protection(const struct ikev2_msg *m, bool protected_, const char **why)
{
	bool sk = ikev2_has(m, IKEV2_PLD_SK) || ikev2_has(m, IKEV2_PLD_SKF);

	if (m->hdr.exch == IKEV2_EXCH_IKE_SA_INIT) {
		if (sk || protected_) {
			*why = "IKE_SA_INIT must not be protected";
			return -EBADMSG;
		}
		return 0;
	}
	if (sk != protected_) {
		*why = sk ? "SK payload in a message taken as clear"
			  : "protected message without SK";
		return -EBADMSG;
	}
	if (protected_ && m->hdr.next != IKEV2_PLD_SK && m->hdr.next != IKEV2_PLD_SKF) {
		*why = "payload outside SK";
		return -EBADMSG;
	}
	if (!protected_ && !(notify_only(m) && !m->nvendor)) {
		*why = "unprotected message other than a notification";
		return -EBADMSG;
	}
	return 0;
}

static const struct exch_rules *find_exch(const struct ikev2_msg *m)
{
	bool response = m->hdr.flags & IKEV2_FLAG_RESPONSE;

	for (size_t i = 0; i < sizeof(exch_rules) / sizeof(exch_rules[0]); i++)
		if (exch_rules[i].exch == m->hdr.exch && exch_rules[i].response == response)
			return &exch_rules[i];
	return NULL;
}

/* Every payload present is allowed, no more often than the rule says. */
static int check_allowed(const struct ikev2_msg *m, const struct exch_rules *x, const char **why)
{
	uint32_t have = contents(m);
	const struct pld_rule *r;

	for (uint8_t t = 32; t < 64; t++) {
		if (!(have & IKEV2_BIT(t)))
			continue;
		r = find_rule(x, t);
		if (!r) {
			*why = say(m, "not allowed", t);
			return -EBADMSG;
		}
		if (count(m, t) > r->max) {
			*why = say(m, "too many", t);
			return -EBADMSG;
		}
	}
	return 0;
}

static int check_required(const struct ikev2_msg *m, const struct exch_rules *x, const char **why)
{
	uint32_t have = contents(m);

	for (size_t i = 0; i < x->n; i++) {
		if (count(m, x->rules[i].type) < x->rules[i].min) {
			*why = say(m, "missing", x->rules[i].type);
			return -EBADMSG;
		}
	}
	if ((have & x->together) && (have & x->together) != x->together) {
		*why = x->together == TS_PAIR ? "TSi and TSr must come together"
					      : "SA, TSi and TSr must come together";
		return -EBADMSG;
	}
	if (x->one_of && !(have & x->one_of)) {
		*why = "IKE_AUTH message with nothing to authenticate";
		return -EBADMSG;
	}
	return 0;
}

int ikev2_check_rules(const struct ikev2_msg *m, bool protected_, const char **why)
{
	const struct exch_rules *x;
	int err;

	*why = NULL;
	err = check_protection(m, protected_, why);
	if (err)
		return err;
	if (!protected_ && m->hdr.exch != IKEV2_EXCH_IKE_SA_INIT)
		return 0; /* a bare notification, see check_protection */
	x = find_exch(m);
	if (!x) {
		*why = "exchange type not supported";
		return -EBADMSG;
	}
	err = check_allowed(m, x, why);
	if (err)
		return err;
	if (x->error_notify && (m->hdr.flags & IKEV2_FLAG_RESPONSE) && notify_only(m))
		return 0;
	return check_required(m, x, why);
}
