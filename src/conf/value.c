/* value: property values between their text form and their typed form. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>

#include "internal.h"

static const char *const proto_names[] = {
	"icmp", "igmp",	     "ggp",	  "ipencap", "st",	   "tcp",	"egp",
	"pup",	"udp",	     "hmp",	  "xns-idp", "rdp",	   "iso-tp4",	"dccp",
	"xtp",	"ddp",	     "idpr-cmtp", "ipv6",    "ipv6-route", "ipv6-frag", "rsvp",
	"gre",	"ipsec-esp", "ipsec-ah",  "icmpv6",  "ipv6-nonxt", "ipv6-opts", "rspf",
	"vmtp", "ospf",	     "ipip",	  "etherip", "encap",	   "pim",	"vrrp",
	"l2tp", "sctp",	     "udp-lite",  NULL};
static const int proto_numbers[] = {1,	2,  3,	4,  5,	6,  8,	12,  17,  20,  22,  27, 29,
				    33, 36, 37, 38, 41, 43, 44, 46,  47,  50,  51,  58, 59,
				    60, 73, 81, 89, 94, 97, 98, 103, 112, 115, 132, 136};

static const char *const id_types[] = {"address", "fqdn", "user-fqdn", "key-id", NULL};

static int parse_u64(const char *s, unsigned long long *out)
{
	char *end;

	if (!*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return (errno || *end) ? -1 : 0;
}

static bool in_range(const struct conf_prop *p, long long v)
{
	return (p->min == 0 && p->max == 0) || (v >= p->min && v <= p->max);
}

static int range_error(const struct conf_prop *p, struct strbuf *why)
{
	sb_printf(why, "out of range; valid: %lld..%lld", p->min, p->max);
	return -EINVAL;
}

/* The longest time a property takes unless its row says otherwise: 520w (about ten years).
 * Far beyond any lifetime or interval that makes sense, and small enough that no timer or
 * kernel lifetime computed from it overflows. */
#define TIME_MAX (520 * 604800LL)

/* Seconds in a time unit (w, d, h, m, s), 0 for anything else. */
static long long time_unit(char u)
{
	switch (u) {
	case 'w':
		return 604800;
	case 'd':
		return 86400;
	case 'h':
		return 3600;
	case 'm':
		return 60;
	case 's':
		return 1;
	default:
		return 0;
	}
}

static long long time_max(const struct conf_prop *p)
{
	return p->max ? p->max : (p->flags & CONF_F_RO) ? INT64_MAX : TIME_MAX;
}

/* A time is min..max when the property's row sets them, else 0..TIME_MAX (engine-filled
 * read-only times are not bounded: a CA certificate may expire in 30 years). */
static bool time_in_range(const struct conf_prop *p, long long v)
{
	return v >= p->min && v <= time_max(p);
}

static void format_time(long long t, struct strbuf *out);

static int time_range_error(const struct conf_prop *p, const char *text, struct strbuf *why)
{
	sb_printf(why, "\"%s\" is out of range; valid: ", text);
	format_time(p->min, why);
	sb_puts(why, "..");
	format_time(time_max(p), why);
	return -EINVAL;
}

/* RouterOS times: 1w2d3h4m5s, 500ms, 00:30:00, 1d00:00:00, or plain seconds. Returns 0,
 * -EINVAL when s is not a time, -ERANGE when it is one too long for an int64. */
static int parse_time_in(const char *s, long long per_second, long long *out)
{
	long long total = 0;
	bool big = false;

	if (!*s)
		return -EINVAL;
	if (strchr(s, ':')) {
		unsigned long long days = 0;
		unsigned h, m, sec;
		int n = 0;
		const char *d = strchr(s, 'd');

		if (d) {
			size_t len = (size_t)(d - s);
			char tmp[24];

			if (!len || strspn(s, "0123456789") != len)
				return -EINVAL;
			if (len >= sizeof(tmp))
				return -ERANGE;
			memcpy(tmp, s, len);
			tmp[len] = '\0';
			if (parse_u64(tmp, &days) < 0)
				return -ERANGE; /* only digits: too many of them */
			s = d + 1;
		}
		if (sscanf(s, "%u:%u:%u%n", &h, &m, &sec, &n) != 3 || s[n] || m > 59 || sec > 59)
			return -EINVAL;
		if (days > INT64_MAX / 86400 - 1)
			return -ERANGE;
		*out = ((long long)days * 86400 + h * 3600LL + m * 60LL + sec) * per_second;
		return 0;
	}
	while (*s) {
		char *end;
		long long v, unit = 1;

		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		errno = 0;
		v = strtoll(s, &end, 10);
		big |= errno == ERANGE;
		s = end;
		if (strncmp(s, "ms", 2) == 0) {
			if (v % (1000 / per_second))
				return -EINVAL;
			v /= 1000 / per_second;
			s += 2;
		} else if (*s && !(unit = time_unit(*s++))) {
			return -EINVAL;
		} else {
			unit *= per_second;
		}
		big |= __builtin_mul_overflow(v, unit, &v) ||
		       __builtin_add_overflow(total, v, &total);
	}
	*out = total;
	return big ? -ERANGE : 0;
}

/* Seconds (ms only in whole seconds), or milliseconds. */
static int parse_time(const char *s, long long *out)
{
	return parse_time_in(s, 1, out);
}

static int parse_mstime(const char *s, long long *out)
{
	return parse_time_in(s, 1000, out);
}

static void format_time(long long t, struct strbuf *out)
{
	static const struct {
		char u;
		long long s;
	} units[] = {{'w', 604800}, {'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};

	if (t == 0) {
		sb_puts(out, "0s");
		return;
	}
	for (size_t i = 0; i < 5; i++) {
		if (t >= units[i].s) {
			sb_printf(out, "%lld%c", t / units[i].s, units[i].u);
			t %= units[i].s;
		}
	}
}

/* 300ms, 3s, 1s500ms: whole seconds as format_time, then the milliseconds left. */
static void format_mstime(long long ms, struct strbuf *out)
{
	if (ms >= 1000 || ms == 0)
		format_time(ms / 1000, out);
	if (ms % 1000)
		sb_printf(out, "%lldms", ms % 1000);
}

static int parse_size(const char *s, long long *out)
{
	size_t n = strlen(s);
	unsigned long long v, mult = 1;
	char tmp[32];

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n + 1);
	switch (tmp[n - 1]) {
	case 'k':
	case 'K':
		mult = 1024ULL;
		break;
	case 'M':
		mult = 1024ULL * 1024;
		break;
	case 'G':
		mult = 1024ULL * 1024 * 1024;
		break;
	}
	if (mult != 1)
		tmp[n - 1] = '\0';
	if (parse_u64(tmp, &v) < 0 || v > (unsigned long long)INT64_MAX / mult)
		return -1;
	*out = (long long)(v * mult);
	return 0;
}

int conf_addr_parse(const char *s, struct conf_addr *a, bool prefix)
{
	char tmp[64];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long long plen;

	if (n >= sizeof(tmp) || (slash && !prefix))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, tmp, a->bytes) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, tmp, a->bytes) == 1)
		a->family = AF_INET6;
	else
		return -1;
	unsigned max = a->family == AF_INET ? 32 : 128;

	a->plen = (uint8_t)max;
	if (slash) {
		if (parse_u64(slash + 1, &plen) < 0 || plen > max)
			return -1;
		a->plen = (uint8_t)plen;
		/* keep the network part only, as RouterOS prints it */
		for (unsigned b = a->plen; b < max; b++)
			a->bytes[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
	}
	return 0;
}

void conf_addr_format(const struct conf_addr *a, bool prefix, struct strbuf *out)
{
	char tmp[INET6_ADDRSTRLEN];

	if (!a->family) {
		return;
	}
	inet_ntop(a->family, a->bytes, tmp, sizeof(tmp));
	sb_puts(out, tmp);
	if (prefix)
		sb_printf(out, "/%u", a->plen);
}

static int find_choice(const char *const *choices, const char *w, size_t len)
{
	for (int i = 0; choices && choices[i]; i++)
		if (strlen(choices[i]) == len && strncmp(choices[i], w, len) == 0)
			return i;
	return -1;
}

static void list_choices(const char *const *choices, struct strbuf *why)
{
	sb_puts(why, "; valid: ");
	for (int i = 0; choices && choices[i]; i++)
		sb_printf(why, "%s%s", i ? ", " : "", choices[i]);
}

static int choice_error(const struct conf_prop *p, const char *w, size_t len, struct strbuf *why)
{
	char *word = xstrndup(w, len);
	const char *s = conf_suggest(word, p->choices);

	sb_printf(why, "\"%s\" is not a valid %s", word, p->name);
	if (s)
		sb_printf(why, " (did you mean %s?)", s);
	list_choices(p->choices, why);
	free(word);
	return -EINVAL;
}

static int parse_enums(const struct conf_prop *p, const char *s, union conf_val *out,
		       struct strbuf *why)
{
	size_t n = 1;

	for (const char *c = s; *c; c++)
		n += *c == ',';
	struct conf_list *l = xmalloc(sizeof(*l) + n * sizeof(l->v[0]));

	l->n = 0;
	while (*s || l->n == 0) {
		const char *e = strchr(s, ',');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		int i = find_choice(p->choices, s, len);

		if (i < 0) {
			free(l);
			return choice_error(p, s, len, why);
		}
		for (uint32_t k = 0; k < l->n; k++) {
			if (l->v[k] == (uint32_t)i) {
				sb_printf(why, "%s is listed twice", p->choices[i]);
				free(l);
				return -EINVAL;
			}
		}
		l->v[l->n++] = (uint32_t)i;
		if (!e)
			break;
		s = e + 1;
	}
	out->list = l;
	return 0;
}

static int parse_ranges(const char *s, union conf_val *out, struct strbuf *why)
{
	size_t n = 1;

	for (const char *c = s; *c; c++)
		n += *c == ',';
	struct conf_ranges *r = xmalloc(sizeof(*r) + n * sizeof(r->r[0]));

	r->n = 0;
	for (;;) {
		const char *e = strchr(s, ',');
		char *part = xstrndup(s, e ? (size_t)(e - s) : strlen(s));
		char *dash = strchr(part, '-');
		struct conf_range *rg = &r->r[r->n];
		int bad;

		if (dash) {
			*dash = '\0';
			bad = conf_addr_parse(part, &rg->lo, false) ||
			      conf_addr_parse(dash + 1, &rg->hi, false) ||
			      rg->lo.family != rg->hi.family ||
			      memcmp(rg->lo.bytes, rg->hi.bytes, 16) > 0;
		} else {
			bad = conf_addr_parse(part, &rg->lo, true);
			rg->hi = rg->lo;
			unsigned max = rg->lo.family == AF_INET ? 32 : 128;

			for (unsigned b = rg->lo.plen; !bad && b < max; b++)
				rg->hi.bytes[b / 8] |= (uint8_t)(0x80u >> (b % 8));
			rg->lo.plen = rg->hi.plen = (uint8_t)max;
		}
		if (dash)
			*dash = '-';
		if (bad) {
			sb_printf(why,
				  "\"%s\" is not an address range (A.B.C.D-E.F.G.H, an address "
				  "or a prefix)",
				  part);
			free(part);
			free(r);
			return -EINVAL;
		}
		free(part);
		r->n++;
		if (!e)
			break;
		s = e + 1;
	}
	out->rng = r;
	return 0;
}

static int parse_id(const char *s, union conf_val *out, struct strbuf *why)
{
	const char *colon = strchr(s, ':');
	struct conf_addr a;

	if (strcmp(s, "auto") == 0 || strcmp(s, "ignore") == 0) {
		out->s = xstrdup(s);
		return 0;
	}
	int t = colon ? find_choice(id_types, s, (size_t)(colon - s)) : -1;

	if (t < 0 || !colon[1]) {
		sb_printf(why,
			  "\"%s\" is not an identity; valid: auto, ignore, address:IP, "
			  "fqdn:NAME, user-fqdn:USER@NAME, key-id:ID",
			  s);
		return -EINVAL;
	}
	if (t == 0 && conf_addr_parse(colon + 1, &a, false) < 0) {
		sb_printf(why, "\"%s\" is not an IP address", colon + 1);
		return -EINVAL;
	}
	out->s = xstrdup(s);
	return 0;
}

static int parse_proto(const char *s, union conf_val *out, struct strbuf *why)
{
	unsigned long long v;
	int i;

	if (strcmp(s, "all") == 0) {
		out->i = -1;
		return 0;
	}
	if ((i = find_choice(proto_names, s, strlen(s))) >= 0) {
		out->i = proto_numbers[i];
		return 0;
	}
	if (parse_u64(s, &v) == 0 && v <= 255) {
		out->i = (int64_t)v;
		return 0;
	}
	const char *sug = conf_suggest(s, proto_names);

	sb_printf(why, "\"%s\" is not a protocol; valid: all, a number 0..255 or a name", s);
	if (sug)
		sb_printf(why, " (did you mean %s?)", sug);
	return -EINVAL;
}

static int parse_scalar(const struct conf_prop *p, const char *text, union conf_val *out,
			struct strbuf *why)
{
	unsigned long long u;
	long long v;
	int r;

	switch (p->type) {
	case CONF_T_BOOL:
		if (!strcmp(text, "yes") || !strcmp(text, "true"))
			out->i = 1;
		else if (!strcmp(text, "no") || !strcmp(text, "false"))
			out->i = 0;
		else
			return sb_printf(why, "\"%s\" is not yes or no", text), -EINVAL;
		return 0;
	case CONF_T_INT:
		if (parse_u64(text + (text[0] == '-' && p->min < 0), &u) < 0 || u > INT64_MAX)
			return sb_printf(why, "\"%s\" is not a number", text), -EINVAL;
		out->i = text[0] == '-' ? -(int64_t)u : (int64_t)u;
		return in_range(p, out->i) ? 0 : range_error(p, why);
	case CONF_T_TIME:
		if ((r = parse_time(text, &v)) == -EINVAL)
			return sb_printf(why,
					 "\"%s\" is not a time (e.g. 30s, 8h, 1d2h3m, 00:30:00)",
					 text),
			       -EINVAL;
		if (r < 0 || !time_in_range(p, v))
			return time_range_error(p, text, why);
		out->i = v;
		return 0;
	case CONF_T_MSTIME:
		if ((r = parse_mstime(text, &v)) == -EINVAL)
			return sb_printf(why, "\"%s\" is not a time (e.g. 300ms, 2s, 1s500ms)",
					 text),
			       -EINVAL;
		if (r < 0 || !in_range(p, v)) {
			sb_printf(why, "\"%s\" is out of range; valid: ", text);
			format_mstime(p->min, why);
			sb_puts(why, "..");
			format_mstime(p->max, why);
			return -EINVAL;
		}
		out->i = v;
		return 0;
	case CONF_T_SIZE:
		if (parse_size(text, &v) < 0)
			return sb_printf(why, "\"%s\" is not a size (e.g. 1000, 64k, 2G)", text),
			       -EINVAL;
		out->i = v;
		return in_range(p, v) ? 0 : range_error(p, why);
	case CONF_T_SPI: {
		const char *slash = strchr(text, '/');
		unsigned long long in, outv;
		char tmp[24];

		if (slash && (size_t)(slash - text) < sizeof(tmp)) {
			memcpy(tmp, text, (size_t)(slash - text));
			tmp[slash - text] = '\0';
		}
		if ((slash && (size_t)(slash - text) >= sizeof(tmp)) ||
		    parse_u64(slash ? tmp : text, &in) < 0 ||
		    parse_u64(slash ? slash + 1 : text, &outv) < 0 || in < 0x100 || outv < 0x100 ||
		    in > 0xFFFFFFFFULL || outv > 0xFFFFFFFFULL)
			return sb_printf(why,
					 "\"%s\" is not an SPI; valid: 0x100..0xFFFFFFFF, or "
					 "IN/OUT",
					 text),
			       -EINVAL;
		out->i = (int64_t)(in << 32 | outv);
		return 0;
	}
	case CONF_T_PORT:
		if (!strcmp(text, "any")) {
			out->i = -1;
			return 0;
		}
		if (parse_u64(text, &u) < 0 || u > 65535)
			return sb_printf(why, "\"%s\" is not a port; valid: any, 0..65535", text),
			       -EINVAL;
		out->i = (int64_t)u;
		return 0;
	default:
		return -EINVAL;
	}
}

int conf_val_parse(const struct conf_prop *p, const char *text, union conf_val *out,
		   struct strbuf *why)
{
	int i;

	memset(out, 0, sizeof(*out));
	switch (p->type) {
	case CONF_T_NAME:
		if (!*text)
			return sb_puts(why, "a name cannot be empty"), -EINVAL;
		/* fallthrough */
	case CONF_T_STR:
	case CONF_T_REF:
	case CONF_T_SECRET:
	case CONF_T_KEY:
	case CONF_T_FILE:
		out->s = xstrdup(text);
		return 0;
	case CONF_T_ENUM:
		if ((i = find_choice(p->choices, text, strlen(text))) < 0)
			return choice_error(p, text, strlen(text), why);
		out->i = i;
		return 0;
	case CONF_T_ENUMS:
		return parse_enums(p, text, out, why);
	case CONF_T_PREFIX:
	case CONF_T_ADDR:
		if (conf_addr_parse(text, &out->a, p->type == CONF_T_PREFIX) < 0)
			return sb_printf(why, "\"%s\" is not an IPv4 or IPv6 %s", text,
					 p->type == CONF_T_PREFIX ? "prefix" : "address"),
			       -EINVAL;
		return 0;
	case CONF_T_ID:
		return parse_id(text, out, why);
	case CONF_T_RANGES:
		return parse_ranges(text, out, why);
	case CONF_T_PROTO:
		return parse_proto(text, out, why);
	default:
		return parse_scalar(p, text, out, why);
	}
}

static bool owns_pointer(const struct conf_prop *p)
{
	switch (p->type) {
	case CONF_T_STR:
	case CONF_T_NAME:
	case CONF_T_REF:
	case CONF_T_SECRET:
	case CONF_T_KEY:
	case CONF_T_ID:
	case CONF_T_FILE:
	case CONF_T_ENUMS:
	case CONF_T_RANGES:
		return true;
	default:
		return false;
	}
}

void conf_val_free(const struct conf_prop *p, union conf_val *v)
{
	if (!owns_pointer(p))
		return;
	if (p->type == CONF_T_ENUMS) {
		free(v->list);
	} else if (p->type == CONF_T_RANGES) {
		free(v->rng);
	} else if (v->s) {
		if (p->flags & CONF_F_SECRET)
			OPENSSL_cleanse(v->s, strlen(v->s));
		free(v->s);
	}
	memset(v, 0, sizeof(*v));
}

void conf_val_copy(const struct conf_prop *p, union conf_val *dst, const union conf_val *src)
{
	*dst = *src;
	if (!owns_pointer(p))
		return;
	if (p->type == CONF_T_ENUMS && src->list) {
		size_t n = sizeof(*src->list) + src->list->n * sizeof(src->list->v[0]);

		dst->list = xmalloc(n);
		memcpy(dst->list, src->list, n);
	} else if (p->type == CONF_T_RANGES && src->rng) {
		size_t n = sizeof(*src->rng) + src->rng->n * sizeof(src->rng->r[0]);

		dst->rng = xmalloc(n);
		memcpy(dst->rng, src->rng, n);
	} else if (p->type != CONF_T_ENUMS && p->type != CONF_T_RANGES && src->s) {
		dst->s = xstrdup(src->s);
	}
}

bool conf_val_equal(const struct conf_prop *p, const union conf_val *a, const union conf_val *b)
{
	switch (p->type) {
	case CONF_T_ENUMS:
		if (!a->list || !b->list)
			return a->list == b->list;
		return a->list->n == b->list->n &&
		       !memcmp(a->list->v, b->list->v, a->list->n * sizeof(a->list->v[0]));
	case CONF_T_RANGES:
		if (!a->rng || !b->rng)
			return a->rng == b->rng;
		return a->rng->n == b->rng->n &&
		       !memcmp(a->rng->r, b->rng->r, a->rng->n * sizeof(a->rng->r[0]));
	case CONF_T_PREFIX:
	case CONF_T_ADDR:
		return !memcmp(&a->a, &b->a, sizeof(a->a));
	default:
		if (owns_pointer(p))
			return strcmp(a->s ? a->s : "", b->s ? b->s : "") == 0;
		return a->i == b->i;
	}
}

static uint64_t mix(uint64_t h, const void *data, size_t len)
{
	const uint8_t *b = data;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

uint64_t conf_val_hash(const struct conf_prop *p, const union conf_val *v, uint64_t h)
{
	switch (p->type) {
	case CONF_T_ENUMS:
		return v->list ? mix(h, v->list->v, v->list->n * sizeof(v->list->v[0])) : h;
	case CONF_T_RANGES:
		return v->rng ? mix(h, v->rng->r, v->rng->n * sizeof(v->rng->r[0])) : h;
	case CONF_T_PREFIX:
	case CONF_T_ADDR:
		return mix(h, &v->a, sizeof(v->a));
	default:
		if (owns_pointer(p))
			return v->s ? mix(h, v->s, strlen(v->s)) : h;
		return mix(h, &v->i, sizeof(v->i));
	}
}

int conf_range_prefix(const struct conf_range *r)
{
	unsigned max = r->lo.family == AF_INET ? 32 : 128, plen = 0;

	while (plen < max &&
	       !((r->lo.bytes[plen / 8] ^ r->hi.bytes[plen / 8]) & (0x80u >> (plen % 8))))
		plen++;
	for (unsigned b = plen; b < max; b++) {
		uint8_t m = (uint8_t)(0x80u >> (b % 8));

		if ((r->lo.bytes[b / 8] & m) || !(r->hi.bytes[b / 8] & m))
			return -1;
	}
	return (int)plen;
}

/* A single address, a prefix (as RouterOS prints split-include), or A-B. */
static void format_range(const struct conf_range *r, struct strbuf *out)
{
	int plen = conf_range_prefix(r);
	unsigned max = r->lo.family == AF_INET ? 32 : 128;

	conf_addr_format(&r->lo, false, out);
	if (plen >= 0 && (unsigned)plen < max) {
		sb_printf(out, "/%d", plen);
	} else if (plen < 0) {
		sb_putc(out, '-');
		conf_addr_format(&r->hi, false, out);
	}
}

static void format_proto(int64_t v, struct strbuf *out)
{
	if (v < 0) {
		sb_puts(out, "all");
		return;
	}
	for (size_t i = 0; proto_names[i]; i++) {
		if (proto_numbers[i] == v) {
			sb_puts(out, proto_names[i]);
			return;
		}
	}
	sb_printf(out, "%lld", (long long)v);
}

void conf_val_format(const struct conf_prop *p, const union conf_val *v, struct strbuf *out)
{
	switch (p->type) {
	case CONF_T_BOOL:
		sb_puts(out, v->i ? "yes" : "no");
		break;
	case CONF_T_INT:
	case CONF_T_SIZE:
		sb_printf(out, "%lld", (long long)v->i);
		break;
	case CONF_T_TIME:
		format_time(v->i, out);
		break;
	case CONF_T_MSTIME:
		format_mstime(v->i, out);
		break;
	case CONF_T_SPI:
		if ((uint64_t)v->i >> 32 == ((uint64_t)v->i & 0xFFFFFFFFu))
			sb_printf(out, "0x%llX", (unsigned long long)v->i & 0xFFFFFFFFu);
		else
			sb_printf(out, "0x%llX/0x%llX", (unsigned long long)v->i >> 32,
				  (unsigned long long)v->i & 0xFFFFFFFFu);
		break;
	case CONF_T_PORT:
		if (v->i < 0)
			sb_puts(out, "any");
		else
			sb_printf(out, "%lld", (long long)v->i);
		break;
	case CONF_T_ENUM:
		sb_puts(out, p->choices[v->i]);
		break;
	case CONF_T_ENUMS:
		for (uint32_t i = 0; v->list && i < v->list->n; i++)
			sb_printf(out, "%s%s", i ? "," : "", p->choices[v->list->v[i]]);
		break;
	case CONF_T_PREFIX:
	case CONF_T_ADDR:
		conf_addr_format(&v->a, p->type == CONF_T_PREFIX, out);
		break;
	case CONF_T_RANGES:
		for (uint32_t i = 0; v->rng && i < v->rng->n; i++) {
			if (i)
				sb_putc(out, ',');
			format_range(&v->rng->r[i], out);
		}
		break;
	case CONF_T_PROTO:
		format_proto(v->i, out);
		break;
	default:
		if (v->s)
			sb_puts(out, v->s);
		break;
	}
}

void conf_quote(const char *s, struct strbuf *out)
{
	bool plain = *s != '\0';

	for (const char *c = s; *c && plain; c++)
		plain = isgraph((unsigned char)*c) && !strchr("\"\\=;[]{}#$?", *c);
	if (plain) {
		sb_puts(out, s);
		return;
	}
	sb_putc(out, '"');
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		switch (*c) {
		case '"':
		case '\\':
		case '$':
		case '?':
			sb_putc(out, '\\');
			sb_putc(out, (char)*c);
			break;
		case '\n':
			sb_puts(out, "\\n");
			break;
		case '\r':
			sb_puts(out, "\\r");
			break;
		case '\t':
			sb_puts(out, "\\t");
			break;
		default:
			if (*c < 0x20 || *c == 0x7f)
				sb_printf(out, "\\%02X", *c);
			else
				sb_putc(out, (char)*c);
		}
	}
	sb_putc(out, '"');
}

const union conf_val *conf_prop_default(const struct conf_menu *m, int prop)
{
	static union conf_val *defs[CONF_M_COUNT];

	if (!defs[m->id]) {
		union conf_val *d = xcalloc(m->nprops, sizeof(*d));

		for (size_t i = 0; i < m->nprops; i++) {
			const struct conf_prop *p = &m->props[i];
			struct strbuf why = STRBUF_INIT;

			if (p->def && conf_val_parse(p, p->def, &d[i], &why) < 0) {
				fprintf(stderr, "ipsecd: bad default for %s %s: %s\n", m->path,
					p->name, sb_str(&why));
				abort(); /* a table bug: check_menus catches it */
			}
			if (!p->def) {
				if (p->type == CONF_T_PORT || p->type == CONF_T_PROTO)
					d[i].i = -1;
			}
			sb_free(&why);
		}
		defs[m->id] = d;
	}
	return &defs[m->id][prop];
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[64], cur[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, (lb + 1) * sizeof(size_t));
	}
	return prev[lb];
}

const char *conf_suggest(const char *word, const char *const *choices)
{
	const char *best = NULL;
	size_t bestd = strlen(word) / 3 + 2;

	for (size_t i = 0; choices && choices[i]; i++) {
		size_t d = edit_distance(word, choices[i]);

		if (d < bestd || (d == bestd && !best && strncmp(word, choices[i], 3) == 0)) {
			bestd = d;
			best = choices[i];
		}
	}
	return best;
}

const char *conf_suggest_prop(const struct conf_menu *m, const char *word)
{
	const char *names[128];
	size_t n = 0;

	for (size_t i = 0; i < m->nprops && n < 127; i++)
		if (!(m->props[i].flags & CONF_F_RO))
			names[n++] = m->props[i].name;
	names[n] = NULL;
	return conf_suggest(word, names);
}

char *conf_apply_aliases(const struct conf_prop *p, const char *text)
{
	struct strbuf out = STRBUF_INIT;
	bool changed = false;

	if (!p->aliases)
		return NULL;
	for (const char *s = text;;) {
		const char *e = strchr(s, ',');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		const char *rep = NULL;

		for (size_t i = 0; p->aliases[i]; i++) {
			const char *eq = strchr(p->aliases[i], '=');

			if (eq && (size_t)(eq - p->aliases[i]) == len &&
			    !strncmp(p->aliases[i], s, len))
				rep = eq + 1;
		}
		if (out.len)
			sb_putc(&out, ',');
		if (rep) {
			sb_puts(&out, rep);
			changed = true;
		} else {
			sb_add(&out, s, len);
		}
		if (!e)
			break;
		s = e + 1;
	}
	if (!changed) {
		sb_free(&out);
		return NULL;
	}
	return sb_take(&out);
}

void conf_format_time(long long secs, char *buf, size_t len)
{
	struct strbuf b = STRBUF_INIT;

	format_time(secs, &b);
	snprintf(buf, len, "%s", sb_str(&b));
	sb_free(&b);
}
