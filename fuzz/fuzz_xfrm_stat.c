/* fuzz_xfrm_stat: the kernel module's text parsers on untrusted bytes (libFuzzer target):
 * kern_stat_parse on the bytes as they are (not NUL-terminated), and
 * kern_alg_hw_accelerated on them as /proc/crypto text. A parse that fails must leave
 * every counter 0. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/kern_alg.h"
#include "ipsecd/kern_stat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const knames[] = {"cbc(aes)", "rfc4106(gcm(aes))", "hmac(sha256)", "a"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t out[CONF_STATS_NPROPS];
	char *text;

	if (kern_stat_parse((const char *)data, size, out) < 0)
		for (int i = 0; i < CONF_STATS_NPROPS; i++)
			if (out[i])
				abort();
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (size_t i = 0; i < sizeof(knames) / sizeof(knames[0]); i++)
		(void)kern_alg_hw_accelerated(text, knames[i]);
	free(text);
	return 0;
}
