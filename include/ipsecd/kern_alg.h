/* kern_alg: ipsecd's ESP/AH algorithm names (proposal and manual-sa menus) and the Linux
 * XFRM algorithm each one becomes (DESIGN.md §5), the explanation of a kernel that lacks
 * one, and whether /proc/crypto's chosen driver for one is hardware accelerated. Pure:
 * no netlink, no file reads. */
#ifndef IPSECD_KERN_ALG_H
#define IPSECD_KERN_ALG_H

#include <stdbool.h>
#include <stddef.h>

enum kern_alg_kind {
	KERN_ALG_ENC,  /* XFRMA_ALG_CRYPT */
	KERN_ALG_AUTH, /* XFRMA_ALG_AUTH_TRUNC */
	KERN_ALG_AEAD, /* XFRMA_ALG_AEAD */
};

struct kern_alg {
	const char *name;  /* ours, e.g. "aes-256-gcm" */
	const char *kname; /* the kernel's, e.g. "rfc4106(gcm(aes))" */
	enum kern_alg_kind kind;
	unsigned key_bits; /* key length; AEAD and ctr include the 32-bit salt/nonce */
	unsigned icv_bits; /* AUTH: truncation; AEAD: ICV length; ENC: 0 */
};

/* The row for name, or NULL. "null" is both a cipher and an integrity algorithm: this
 * returns the cipher; use kern_alg_find_kind() where the field is known. */
const struct kern_alg *kern_alg_find(const char *name);

/* The row for name usable as kind: KERN_ALG_AUTH finds integrity algorithms only;
 * KERN_ALG_ENC and KERN_ALG_AEAD both find ciphers, AEAD or not (an enc-algorithms
 * value may be either). NULL if there is none. */
const struct kern_alg *kern_alg_find_kind(const char *name, enum kern_alg_kind kind);

/* The row for a kernel algorithm name and key length in bits (as a dump reports them),
 * the first name wins (aes-128-cbc before aes-128); when no row has that length, the
 * first with the name; NULL when the name is unknown. */
const struct kern_alg *kern_alg_by_kname(const char *kname, unsigned key_bits);

/* Writes into buf (NUL-terminated, truncated to len) the explanation of err, the error
 * XFRM_MSG_NEWSA returned for an SA using kname, when err (sign ignored) is ENOENT,
 * ENOSYS or EINVAL: "this kernel has no <kname>; load the module or choose another
 * algorithm". Returns 0, -ENOSPC if the text was truncated, or -EINVAL (buf emptied if
 * it can be) when err is not such an error or an argument is NULL. */
int kern_alg_explain(const char *kname, int err, char *buf, size_t len);

/* Whether, in proc_crypto_text (the NUL-terminated text of /proc/crypto, read by the
 * caller), the entry named kname with the highest priority, as the kernel would choose
 * it (internal entries left out), has a hardware-accelerated driver (aesni, arm64 -ce,
 * qat, caam, ...). False when kname has no entry or the text is malformed. */
bool kern_alg_hw_accelerated(const char *proc_crypto_text, const char *kname);

#endif
