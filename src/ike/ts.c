/* ts: traffic selectors (RFC 7296 3.13). A TS is an address range, a port range and an IP
 * protocol (0: any); the responder narrows the initiator's to what its policy allows
 * (2.9), the initiator checks the result, and the kernel gets prefixes and single ports. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "ts.h"

/* RFC 7296 3.13.1: start 65535 and end 0 is OPAQUE, ports not available (fragments). */
#define PORT_OPAQUE_START 65535
#define PORT_OPAQUE_END	  0

static size_t alen(const struct ikev2_ts *ts)
{
	return ts->type == IKEV2_TS_IPV6_ADDR_RANGE ? 16 : 4;
}

/* a with its host bits (those at and after plen) all cleared, or all set. */
static void host_bits(uint8_t *out, const uint8_t *a, size_t n, unsigned plen, bool ones)
{
	for (size_t i = 0; i < n; i++) {
		unsigned net = plen >= (i + 1) * 8 ? 8 : plen > i * 8 ? plen - (unsigned)i * 8 : 0;
		uint8_t mask = (uint8_t)(0xff00u >> net);

		out[i] = ones ? (uint8_t)(a[i] | ~mask) : (uint8_t)(a[i] & mask);
	}
}

void ike_ts_from_prefix(struct ikev2_ts *ts, const struct conf_addr *prefix, int proto, int port)
{
	bool v6 = prefix->family == AF_INET6;
	size_t n = v6 ? 16 : 4;
	unsigned plen = prefix->plen < n * 8 ? prefix->plen : (unsigned)n * 8;

	memset(ts, 0, sizeof(*ts));
	ts->type = v6 ? IKEV2_TS_IPV6_ADDR_RANGE : IKEV2_TS_IPV4_ADDR_RANGE;
	ts->proto = proto > 0 && proto < 256 ? (uint8_t)proto : 0;
	ts->start_port = port >= 0 && port <= 65535 ? (uint16_t)port : 0;
	ts->end_port = port >= 0 && port <= 65535 ? (uint16_t)port : 65535;
	host_bits(ts->start, prefix->bytes, n, plen, false);
	host_bits(ts->end, prefix->bytes, n, plen, true);
}

void ike_ts_from_policy(const struct conf_item *policy, struct ikev2_ts_set *local,
			struct ikev2_ts_set *remote)
{
	int proto = (int)conf_int(policy, CONF_POLICY_PROTOCOL); /* all: -1 */

	memset(local, 0, sizeof(*local));
	memset(remote, 0, sizeof(*remote));
	local->n = remote->n = 1;
	ike_ts_from_prefix(&local->ts[0], conf_addr(policy, CONF_POLICY_SRC_ADDRESS), proto,
			   (int)conf_int(policy, CONF_POLICY_SRC_PORT));
	ike_ts_from_prefix(&remote->ts[0], conf_addr(policy, CONF_POLICY_DST_ADDRESS), proto,
			   (int)conf_int(policy, CONF_POLICY_DST_PORT));
}

/* --- ranges --- */

static bool opaque(const struct ikev2_ts *ts)
{
	return ts->start_port == PORT_OPAQUE_START && ts->end_port == PORT_OPAQUE_END;
}

static bool all_ports(const struct ikev2_ts *ts)
{
	return ts->start_port == 0 && ts->end_port == 65535;
}

/* The ports both a and b allow into out; OPAQUE meets only OPAQUE and "any". */
static bool ports_meet(const struct ikev2_ts *a, const struct ikev2_ts *b, struct ikev2_ts *out)
{
	if (opaque(a) || opaque(b)) {
		out->start_port = PORT_OPAQUE_START;
		out->end_port = PORT_OPAQUE_END;
		return (opaque(a) || all_ports(a)) && (opaque(b) || all_ports(b));
	}
	out->start_port = a->start_port > b->start_port ? a->start_port : b->start_port;
	out->end_port = a->end_port < b->end_port ? a->end_port : b->end_port;
	return out->start_port <= out->end_port;
}

/* The intersection of a and b into out; false when it is empty. */
static bool meet(const struct ikev2_ts *a, const struct ikev2_ts *b, struct ikev2_ts *out)
{
	size_t n = alen(a);

	if (a->type != b->type || (a->proto && b->proto && a->proto != b->proto))
		return false;
	memset(out, 0, sizeof(*out));
	out->type = a->type;
	out->proto = a->proto ? a->proto : b->proto;
	memcpy(out->start, memcmp(a->start, b->start, n) >= 0 ? a->start : b->start, n);
	memcpy(out->end, memcmp(a->end, b->end, n) <= 0 ? a->end : b->end, n);
	return ports_meet(a, b, out) && memcmp(out->start, out->end, n) <= 0;
}

static bool addr_within(const struct ikev2_ts *in, const struct ikev2_ts *out)
{
	size_t n = alen(in);

	return in->type == out->type && memcmp(in->start, out->start, n) >= 0 &&
	       memcmp(in->end, out->end, n) <= 0;
}

/* Whether every packet of in is one of out; a malformed in (start after end, which the
 * codec lets through) is within nothing. */
static bool within(const struct ikev2_ts *in, const struct ikev2_ts *out)
{
	bool sane = memcmp(in->start, in->end, alen(in)) <= 0 &&
		    (opaque(in) || in->start_port <= in->end_port);
	bool ports = opaque(in) ? opaque(out) || all_ports(out)
				: !opaque(out) && in->start_port >= out->start_port &&
					  in->end_port <= out->end_port;

	return sane && addr_within(in, out) && (!out->proto || in->proto == out->proto) && ports;
}

/* --- narrowing --- */

/* Whether all[k] is held by another one (by the first of equal ones). */
static bool redundant(const struct ikev2_ts *all, size_t n, size_t k)
{
	for (size_t m = 0; m < n; m++)
		if (m != k && within(&all[k], &all[m]) && (m < k || !within(&all[m], &all[k])))
			return true;
	return false;
}

/* Moves the first TS of set that holds all of pkt, or else its address, to the front. */
static void packet_first(struct ikev2_ts_set *set, const struct ikev2_ts *pkt)
{
	for (int pass = 0; pass < 2; pass++)
		for (unsigned k = 0; k < set->n; k++) {
			struct ikev2_ts first = set->ts[k];

			if (pass == 0 ? !within(pkt, &first) : !addr_within(pkt, &first))
				continue;
			memmove(&set->ts[1], &set->ts[0], k * sizeof(set->ts[0]));
			set->ts[0] = first;
			return;
		}
}

int ike_ts_narrow(const struct ikev2_ts_set *ours, const struct ikev2_ts_set *theirs,
		  struct ikev2_ts_set *out)
{
	struct ikev2_ts all[IKEV2_MAX_TS * IKEV2_MAX_TS];
	size_t n = 0;

	for (unsigned i = 0; i < theirs->n && i < IKEV2_MAX_TS; i++)
		for (unsigned j = 0; j < ours->n && j < IKEV2_MAX_TS; j++)
			if (meet(&theirs->ts[i], &ours->ts[j], &all[n]))
				n++;
	memset(out, 0, sizeof(*out));
	for (size_t k = 0; k < n && out->n < IKEV2_MAX_TS; k++)
		if (!redundant(all, n, k))
			out->ts[out->n++] = all[k];
	/* RFC 7296 2.9: the first TS may be the packet that set off the request */
	if (theirs->n && !memcmp(theirs->ts[0].start, theirs->ts[0].end, alen(&theirs->ts[0])))
		packet_first(out, &theirs->ts[0]);
	return out->n ? 0 : -ENOENT;
}

bool ike_ts_subset(const struct ikev2_ts_set *inner, const struct ikev2_ts_set *outer)
{
	if (!inner->n)
		return false;
	for (unsigned i = 0; i < inner->n; i++) {
		bool ok = false;

		for (unsigned j = 0; !ok && j < outer->n; j++)
			ok = within(&inner->ts[i], &outer->ts[j]);
		if (!ok)
			return false;
	}
	return true;
}

/* --- the kernel's form --- */

/* The bits of a up to and including its last 1: the shortest prefix a is the first
 * address of. 0 for all zeros. */
static unsigned aligned_from(const uint8_t *a, size_t n)
{
	size_t i = n;

	while (i > 0 && !a[i - 1])
		i--;
	if (i == 0)
		return 0;
	return (unsigned)i * 8 - (unsigned)__builtin_ctz(a[i - 1]);
}

bool ike_ts_to_prefix(const struct ikev2_ts *ts, uint8_t *family, uint8_t addr[16], uint8_t *plen)
{
	size_t n = alen(ts);
	unsigned bits = (unsigned)n * 8, p;
	uint8_t lo[16], hi[16];

	/* the shortest plen at which start is the first address of a block ending by end;
	 * none is shorter than the bits up to start's last 1 */
	for (p = aligned_from(ts->start, n); p < bits; p++) {
		host_bits(lo, ts->start, n, p, false);
		host_bits(hi, ts->start, n, p, true);
		if (!memcmp(lo, ts->start, n) && memcmp(hi, ts->end, n) <= 0)
			break;
	}
	host_bits(hi, ts->start, n, p, true);
	*family = n == 4 ? AF_INET : AF_INET6;
	memset(addr, 0, 16);
	memcpy(addr, ts->start, n);
	*plen = (uint8_t)p;
	return !memcmp(hi, ts->end, n);
}

bool ike_ts_to_port(const struct ikev2_ts *ts, uint16_t *port)
{
	*port = 0;
	if (all_ports(ts))
		return true;
	if (opaque(ts) || ts->start_port != ts->end_port)
		return false;
	*port = ts->start_port;
	return true;
}

/* --- text --- */

static const char *proto_name(uint8_t proto, char *buf, size_t len)
{
	static const struct {
		uint8_t num;
		const char *name;
	} names[] = {{1, "icmp"}, {6, "tcp"}, {17, "udp"},    {47, "gre"},
		     {50, "esp"}, {51, "ah"}, {58, "icmpv6"}, {132, "sctp"}};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].num == proto)
			return names[i].name;
	if (!proto)
		return "any";
	snprintf(buf, len, "%u", proto);
	return buf;
}

/* "[tcp/80]", "[udp]", "[any/1000-2000]"; empty when protocol and ports are any. */
static void sel_str(const struct ikev2_ts *ts, char *buf, size_t len)
{
	char num[8];
	const char *p = proto_name(ts->proto, num, sizeof(num));

	if (all_ports(ts) && !ts->proto)
		buf[0] = '\0';
	else if (all_ports(ts))
		snprintf(buf, len, "[%s]", p);
	else if (opaque(ts))
		snprintf(buf, len, "[%s/opaque]", p);
	else if (ts->start_port == ts->end_port)
		snprintf(buf, len, "[%s/%u]", p, ts->start_port);
	else
		snprintf(buf, len, "[%s/%u-%u]", p, ts->start_port, ts->end_port);
}

size_t ike_ts_str(const struct ikev2_ts *ts, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], sel[32];
	int af = ts->type == IKEV2_TS_IPV6_ADDR_RANGE ? AF_INET6 : AF_INET;
	uint8_t fam, addr[16], plen;
	int n;

	inet_ntop(af, ts->start, a, sizeof(a));
	inet_ntop(af, ts->end, b, sizeof(b));
	sel_str(ts, sel, sizeof(sel));
	if (ike_ts_to_prefix(ts, &fam, addr, &plen))
		n = snprintf(buf, len, "%s/%u%s", a, plen, sel);
	else
		n = snprintf(buf, len, "%s-%s%s", a, b, sel);
	return n > 0 ? (size_t)n : 0;
}
