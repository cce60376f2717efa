/* dgram: sorts a received datagram into IKE message, NAT keepalive or one of the malformed
 * kinds that net.c counts and drops. Pure: bytes and the port they came on. */
#include "dgram.h"

static bool has_marker(const uint8_t *data, size_t len)
{
	if (len < NET_NON_ESP_LEN)
		return false;
	for (size_t i = 0; i < NET_NON_ESP_LEN; i++)
		if (data[i] != 0)
			return false;
	return true;
}

enum net_dgram net_dgram_classify(bool natt, const uint8_t *data, size_t len, size_t *off)
{
	size_t start = 0;

	if (len > NET_DGRAM_MAX)
		return NET_DGRAM_LONG;
	if (natt) {
		if (len == NET_KEEPALIVE_LEN && data[0] == 0xff)
			return NET_DGRAM_KEEPALIVE;
		/* RFC 3948 2.2: anything else without the marker would be ESP, which the
		 * kernel decapsulates before it reaches the socket. */
		if (!has_marker(data, len))
			return NET_DGRAM_NO_MARKER;
		start = NET_NON_ESP_LEN;
	}
	if (len - start < NET_IKE_HDR_LEN)
		return NET_DGRAM_SHORT;
	*off = start;
	return NET_DGRAM_IKE;
}
