/* ts: traffic selectors (RFC 7296 3.13, narrowing 2.9). A TS is an address range, a
 * port range and an IP protocol; the kernel wants prefixes and single ports. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "ts.h"

static size_t alen(uint8_t type)
{
	return type == IKEV2_TS_IPV4_ADDR_RANGE ? 4 : 16;
}

void ike_ts_from_prefix(struct ikev2_ts *ts, const struct conf_addr *p, int proto, int port)
{
	size_t n = p->family == AF_INET ? 4 : 16;

	memset(ts, 0, sizeof(*ts));
	ts->type = p->family == AF_INET ? IKEV2_TS_IPV4_ADDR_RANGE : IKEV2_TS_IPV6_ADDR_RANGE;
	ts->proto = proto > 0 ? (uint8_t)proto : 0;
	ts->start_port = port >= 0 ? (uint16_t)port : 0;
	ts->end_port = port >= 0 ? (uint16_t)port : 65535;
	for (size_t i = 0; i < n; i++) {
		unsigned bits = i * 8 >= p->plen ? 0 : p->plen - i * 8 >= 8 ? 8 : p->plen - i * 8;
		uint8_t mask = (uint8_t)(0xff00 >> bits);

		ts->start[i] = p->bytes[i] & mask;
		ts->end[i] = (uint8_t)(p->bytes[i] | ~mask);
	}
}

void ike_ts_from_policy(const struct conf_item *pol, struct ikev2_ts_set *local,
			struct ikev2_ts_set *remote)
{
	int proto = (int)conf_int(pol, CONF_POLICY_PROTOCOL);

	local->n = remote->n = 1;
	ike_ts_from_prefix(&local->ts[0], conf_addr(pol, CONF_POLICY_SRC_ADDRESS), proto,
			   (int)conf_int(pol, CONF_POLICY_SRC_PORT));
	ike_ts_from_prefix(&remote->ts[0], conf_addr(pol, CONF_POLICY_DST_ADDRESS), proto,
			   (int)conf_int(pol, CONF_POLICY_DST_PORT));
}

static const uint8_t *bmax(const uint8_t *a, const uint8_t *b, size_t n)
{
	return memcmp(a, b, n) >= 0 ? a : b;
}

static const uint8_t *bmin(const uint8_t *a, const uint8_t *b, size_t n)
{
	return memcmp(a, b, n) <= 0 ? a : b;
}

/* The intersection of a and b, false when empty. */
static bool meet(const struct ikev2_ts *a, const struct ikev2_ts *b, struct ikev2_ts *out)
{
	size_t n = alen(a->type);

	if (a->type != b->type || (a->proto && b->proto && a->proto != b->proto))
		return false;
	memset(out, 0, sizeof(*out));
	out->type = a->type;
	out->proto = a->proto ? a->proto : b->proto;
	out->start_port = a->start_port > b->start_port ? a->start_port : b->start_port;
	out->end_port = a->end_port < b->end_port ? a->end_port : b->end_port;
	memcpy(out->start, bmax(a->start, b->start, n), n);
	memcpy(out->end, bmin(a->end, b->end, n), n);
	return out->start_port <= out->end_port && memcmp(out->start, out->end, n) <= 0;
}

int ike_ts_narrow(const struct ikev2_ts_set *ours, const struct ikev2_ts_set *theirs,
		  struct ikev2_ts_set *out)
{
	out->n = 0;
	for (unsigned i = 0; i < theirs->n; i++)
		for (unsigned j = 0; j < ours->n && out->n < IKEV2_MAX_TS; j++)
			if (meet(&theirs->ts[i], &ours->ts[j], &out->ts[out->n]))
				out->n++;
	return out->n ? 0 : -1;
}

static bool within(const struct ikev2_ts *in, const struct ikev2_ts *out)
{
	size_t n = alen(in->type);

	return in->type == out->type && (!out->proto || in->proto == out->proto) &&
	       in->start_port >= out->start_port && in->end_port <= out->end_port &&
	       memcmp(in->start, out->start, n) >= 0 && memcmp(in->end, out->end, n) <= 0;
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

bool ike_ts_to_prefix(const struct ikev2_ts *ts, uint8_t *family, uint8_t addr[16], uint8_t *plen)
{
	size_t n = alen(ts->type);
	unsigned bits = 0;

	/* the common leading bits; then start must be all zeros and end all ones below */
	while (bits < n * 8) {
		unsigned byte = bits / 8, bit = 7 - bits % 8;

		if (((ts->start[byte] >> bit) & 1) != ((ts->end[byte] >> bit) & 1))
			break;
		bits++;
	}
	for (unsigned b = bits; b < n * 8; b++) {
		unsigned byte = b / 8, bit = 7 - b % 8;

		if (((ts->start[byte] >> bit) & 1) || !((ts->end[byte] >> bit) & 1))
			return false;
	}
	*family = n == 4 ? AF_INET : AF_INET6;
	memset(addr, 0, 16);
	memcpy(addr, ts->start, n);
	*plen = (uint8_t)bits;
	return true;
}

size_t ike_ts_str(const struct ikev2_ts *ts, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";
	uint8_t fam, addr[16], plen;
	int n;

	if (ike_ts_to_prefix(ts, &fam, addr, &plen)) {
		inet_ntop(fam, addr, a, sizeof(a));
		n = snprintf(buf, len, "%s/%u", a, plen);
	} else {
		inet_ntop(ts->type == IKEV2_TS_IPV4_ADDR_RANGE ? AF_INET : AF_INET6, ts->start, a,
			  sizeof(a));
		n = snprintf(buf, len, "%s-...", a);
	}
	if (ts->proto || ts->start_port || ts->end_port != 65535)
		n += snprintf(buf + (n < (int)len ? n : (int)len),
			      n < (int)len ? len - (size_t)n : 0, "[%u/%u-%u]", ts->proto,
			      ts->start_port, ts->end_port);
	return n > 0 ? (size_t)n : 0;
}
