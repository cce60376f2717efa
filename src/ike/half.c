/* half: the responder's half-open IKE SAs (IKE_SA_INIT answered, IKE_AUTH not yet) and
 * the limits that keep a flood of IKE_SA_INIT requests from using up the daemon.
 *
 * A half-open SA is known by the initiator's SPI together with its address and port
 * (RFC 7296 2.1: that is how a retransmission is told from a new request), so initiators
 * that pick the same SPI, or one that spoofs many addresses with one SPI, each have their
 * own entry, counted against the limits, and none takes over another's. The table's key
 * is a hash of the three under a per-engine random salt; the SA it finds is compared in
 * full. Half-open SAs are also counted per IP address (after the cookie check, so a
 * spoofed source cannot use up a real one's share). */
#include <errno.h>
#include <malloc.h>
#include <string.h>
#include <sys/socket.h>

#include "ike_internal.h"
#include "ipsecd/conf.h"
#include "ipsecd/conf_menus.h"

/* Memory given back to the system once a flood has drained to this fraction of its peak. */
#define TRIM_FRACTION 8
#define TRIM_MIN_PEAK 1024

void ike_limits_default(struct ike_limits *l)
{
	*l = (struct ike_limits){.cookies = IKE_COOKIES_AUTO,
				 .cookie_threshold = IKE_COOKIE_THRESHOLD,
				 .half_open_per_address = IKE_HALF_OPEN_PER_ADDRESS,
				 .half_open_limit = IKE_HALF_OPEN_LIMIT,
				 .half_open_timeout = IKE_HALF_OPEN_TIMEOUT,
				 .fragment_size = IKE_FRAGMENT_SIZE};
}

void ike_limits_from_conf(const struct conf *c, struct ike_limits *l)
{
	const struct conf_item *s =
		conf_count(c, CONF_M_SETTINGS) ? conf_item_at(c, CONF_M_SETTINGS, 0) : NULL;

	ike_limits_default(l);
	if (!s)
		return;
	l->cookies = (enum ike_cookies)conf_int(s, CONF_SETTINGS_COOKIES);
	l->cookie_threshold = (unsigned)conf_int(s, CONF_SETTINGS_COOKIE_THRESHOLD);
	l->half_open_per_address = (unsigned)conf_int(s, CONF_SETTINGS_HALF_OPEN_PER_ADDRESS);
	l->half_open_limit = (unsigned)conf_int(s, CONF_SETTINGS_HALF_OPEN_LIMIT);
	l->half_open_timeout = (double)conf_int(s, CONF_SETTINGS_HALF_OPEN_TIMEOUT);
	l->fragment_size = (unsigned)conf_int(s, CONF_SETTINGS_IKE_FRAGMENT_SIZE);
}

void ike_set_limits(struct ike *eng, const struct ike_limits *l)
{
	eng->lim = *l;
	ike_set_fragment_size(eng, l->fragment_size);
}

/* --- keys --- */

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

/* The salted hash of an address (and, with port, its port), never 0 or UINT64_MAX. */
static uint64_t addr_hash(uint64_t h, const struct net_addr *a, bool port)
{
	uint64_t w[2] = {0, 0};

	memcpy(w, a->bytes, a->family == AF_INET6 ? 16 : 4);
	h = mix(h, (uint64_t)a->family << 16 | (port ? a->port : 0));
	h = mix(mix(h, w[0]), w[1]);
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h == 0 || h == UINT64_MAX ? 1 : h;
}

static uint64_t half_key(const struct ike *eng, uint64_t spi_i, const struct net_addr *from)
{
	return addr_hash(mix(eng->half_salt, spi_i), from, true);
}

static uint64_t source_key(const struct ike *eng, const struct net_addr *from)
{
	return addr_hash(eng->half_salt ^ 0x5bd1e995ull, from, false);
}

/* --- the table --- */

struct ike_sa *ike_half_find(struct ike *eng, uint64_t spi_i, const struct net_addr *from,
			     bool *clash)
{
	struct ike_sa *sa = ike_tab_get(&eng->half, half_key(eng, spi_i, from));

	*clash = false;
	if (sa && (sa->spi_i != spi_i || !net_addr_eq(&sa->remote, from))) {
		*clash = true; /* another initiator's entry under the same 64-bit key */
		return NULL;
	}
	return sa;
}

static size_t source_count(const struct ike *eng, const struct net_addr *from)
{
	return (size_t)(uintptr_t)ike_tab_get(&eng->half_src, source_key(eng, from));
}

int ike_half_admit(const struct ike *eng, const struct net_addr *from)
{
	if (eng->lim.half_open_limit && eng->half.n >= eng->lim.half_open_limit)
		return -ENOSPC;
	if (eng->lim.half_open_per_address &&
	    source_count(eng, from) >= eng->lim.half_open_per_address)
		return -EMLINK;
	return 0;
}

int ike_half_add(struct ike_sa *sa)
{
	struct ike *eng = sa->eng;
	uint64_t key = half_key(eng, sa->spi_i, &sa->remote);
	uint64_t src = source_key(eng, &sa->remote);
	size_t n = source_count(eng, &sa->remote);

	if (ike_tab_get(&eng->half, key) || ike_tab_put(&eng->half, key, sa) < 0)
		return -ENOMEM;
	if (ike_tab_put(&eng->half_src, src, (void *)(uintptr_t)(n + 1)) < 0) {
		ike_tab_del(&eng->half, key);
		return -ENOMEM;
	}
	sa->half_key = key;
	sa->half_src_key = src;
	sa->half_listed = true;
	eng->st.half_open = eng->half.n;
	if (eng->half.n > eng->st.half_open_peak)
		eng->st.half_open_peak = eng->half.n;
	if (eng->half.n > eng->half_mark)
		eng->half_mark = eng->half.n;
	return 0;
}

void ike_half_del(struct ike_sa *sa)
{
	struct ike *eng = sa->eng;
	uint64_t src;
	size_t n;

	if (!sa->half_listed)
		return;
	sa->half_listed = false;
	ike_tab_del(&eng->half, sa->half_key);
	src = sa->half_src_key; /* the address it came from, even if it moved since */
	n = (size_t)(uintptr_t)ike_tab_get(&eng->half_src, src);
	if (n > 1)
		ike_tab_put(&eng->half_src, src, (void *)(uintptr_t)(n - 1)); /* cannot fail */
	else
		ike_tab_del(&eng->half_src, src);
	eng->st.half_open = eng->half.n;
	/* after a flood, the tables and the freed SAs go back to the system */
	if (eng->half_mark >= TRIM_MIN_PEAK && eng->half.n <= eng->half_mark / TRIM_FRACTION) {
		if (!eng->half.n) {
			ike_tab_free(&eng->half);
			ike_tab_free(&eng->half_src);
		}
		eng->half_mark = eng->half.n;
		malloc_trim(0);
	}
}

bool ike_half_cookie_needed(const struct ike *eng)
{
	switch (eng->lim.cookies) {
	case IKE_COOKIES_ALWAYS:
		return true;
	case IKE_COOKIES_NEVER:
		return false;
	default:
		return eng->half.n >= eng->lim.cookie_threshold;
	}
}
