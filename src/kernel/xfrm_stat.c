/* xfrm_stat: /proc/net/xfrm_stat (the kernel's Documentation/networking/xfrm_proc.rst)
 * read into the statistics menu's properties. The text is untrusted: every read is
 * bounded by the length given, nothing is copied into fixed buffers. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "ipsecd/kern_stat.h"

/* Each seed statistic and the kernel counter it is. Newer counters (XfrmFwdHdrError,
 * XfrmOutStateInvalid, XfrmAcquireError, XfrmOut/InStateDirError, ...) have no property
 * and are skipped; the IKE engine's properties (ike-*) have no counter here. */
static const char *const xfrm_names[CONF_STATS_NPROPS] = {
	[CONF_STATS_IN_ERRORS] = "XfrmInError",
	[CONF_STATS_IN_BUFFER_ERRORS] = "XfrmInBufferError",
	[CONF_STATS_IN_HEADER_ERRORS] = "XfrmInHdrError",
	[CONF_STATS_IN_NO_STATES] = "XfrmInNoStates",
	[CONF_STATS_IN_STATE_PROTOCOL_ERRORS] = "XfrmInStateProtoError",
	[CONF_STATS_IN_STATE_MODE_ERRORS] = "XfrmInStateModeError",
	[CONF_STATS_IN_STATE_SEQUENCE_ERRORS] = "XfrmInStateSeqError",
	[CONF_STATS_IN_STATE_EXPIRED] = "XfrmInStateExpired",
	[CONF_STATS_IN_STATE_MISMATCHES] = "XfrmInStateMismatch",
	[CONF_STATS_IN_STATE_INVALID] = "XfrmInStateInvalid",
	[CONF_STATS_IN_TEMPLATE_MISMATCHES] = "XfrmInTmplMismatch",
	[CONF_STATS_IN_NO_POLICIES] = "XfrmInNoPols",
	[CONF_STATS_IN_POLICY_BLOCKED] = "XfrmInPolBlock",
	[CONF_STATS_IN_POLICY_ERRORS] = "XfrmInPolError",
	[CONF_STATS_OUT_ERRORS] = "XfrmOutError",
	[CONF_STATS_OUT_BUNDLE_ERRORS] = "XfrmOutBundleGenError",
	[CONF_STATS_OUT_BUNDLE_CHECK_ERRORS] = "XfrmOutBundleCheckError",
	[CONF_STATS_OUT_NO_STATES] = "XfrmOutNoStates",
	[CONF_STATS_OUT_STATE_PROTOCOL_ERRORS] = "XfrmOutStateProtoError",
	[CONF_STATS_OUT_STATE_MODE_ERRORS] = "XfrmOutStateModeError",
	[CONF_STATS_OUT_STATE_SEQUENCE_ERRORS] = "XfrmOutStateSeqError",
	[CONF_STATS_OUT_STATE_EXPIRED] = "XfrmOutStateExpired",
	[CONF_STATS_OUT_POLICY_BLOCKED] = "XfrmOutPolBlock",
	[CONF_STATS_OUT_POLICY_DEAD] = "XfrmOutPolDead",
	[CONF_STATS_OUT_POLICY_ERRORS] = "XfrmOutPolError",
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* The property whose counter is the len bytes at name, or -1. */
static int prop_of(const char *name, size_t len)
{
	for (int i = 0; i < CONF_STATS_NPROPS; i++)
		if (xfrm_names[i] && strlen(xfrm_names[i]) == len &&
		    !memcmp(xfrm_names[i], name, len))
			return i;
	return -1;
}

/* The decimal number of len bytes at p (not empty, digits only, fits 64 bits). */
static int parse_u64(const char *p, size_t len, uint64_t *v)
{
	uint64_t n = 0;

	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)(p[i] - '0');

		if (p[i] < '0' || p[i] > '9' || n > (UINT64_MAX - d) / 10)
			return -EINVAL;
		n = n * 10 + d;
	}
	*v = n;
	return 0;
}

/* One line, "<name> <spaces> <number> [spaces]": 1, or 0 for a blank line, or -EINVAL. */
static int parse_line(const char *line, size_t len, uint64_t *out, bool *seen)
{
	size_t i = 0, name_len, num;
	uint64_t v;
	int prop;

	while (i < len && is_space(line[i]))
		i++;
	if (i == len)
		return 0;
	num = i; /* the name's start, for now */
	while (i < len && !is_space(line[i]))
		i++;
	name_len = i - num;
	prop = prop_of(line + num, name_len);
	while (i < len && is_space(line[i]))
		i++;
	num = i;
	while (i < len && !is_space(line[i]))
		i++;
	if (parse_u64(line + num, i - num, &v) < 0)
		return -EINVAL;
	while (i < len && is_space(line[i]))
		i++;
	if (i != len)
		return -EINVAL;
	if (prop < 0)
		return 1;
	if (seen[prop])
		return -EINVAL;
	seen[prop] = true;
	out[prop] = v;
	return 1;
}

int kern_stat_parse(const char *text, size_t len, uint64_t out[CONF_STATS_NPROPS])
{
	bool seen[CONF_STATS_NPROPS] = {false};
	size_t pos = 0;
	bool any = false;

	memset(out, 0, sizeof(uint64_t) * CONF_STATS_NPROPS);
	if (!text)
		return -EINVAL;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t line_len = nl ? (size_t)(nl - (text + pos)) : len - pos;
		int r = parse_line(text + pos, line_len, out, seen);

		if (r < 0) {
			memset(out, 0, sizeof(uint64_t) * CONF_STATS_NPROPS);
			return -EINVAL;
		}
		any = any || r > 0;
		pos += line_len + (nl ? 1 : 0);
	}
	return any ? 0 : -EINVAL;
}
