/* mschapv2: the MS-CHAPv2 computations (RFC 2759 8) and the MPPE keys derived from them
 * (RFC 3079 3.4). MD4 and DES come from OpenSSL's legacy provider (crypto_aaa.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ipsecd/crypto_aaa.h"
#include "ipsecd/eap.h"

/* RFC 2759 8.7 and RFC 3079 3.4: the constants the hashes are salted with. */
static const char magic_sign[] = "Magic server to client signing constant";
static const char magic_pad[] = "Pad to make it do more than one iteration";
static const char magic_master[] = "This is the MPPE Master Key";
static const char magic_client_send[] =
	"On the client side, this is the send key; on the server side, it is the receive key.";
static const char magic_client_recv[] =
	"On the client side, this is the receive key; on the server side, it is the send key.";

/* One UTF-8 sequence at *s to a code point; -1 when malformed. */
static long utf8_next(const unsigned char **s)
{
	const unsigned char *p = *s;
	long cp;
	int n;

	if (p[0] < 0x80)
		cp = p[0], n = 0;
	else if ((p[0] & 0xe0) == 0xc0)
		cp = p[0] & 0x1f, n = 1;
	else if ((p[0] & 0xf0) == 0xe0)
		cp = p[0] & 0x0f, n = 2;
	else if ((p[0] & 0xf8) == 0xf0)
		cp = p[0] & 0x07, n = 3;
	else
		return -1;
	for (int i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	*s = p + n + 1;
	return cp > 0x10ffff ? -1 : cp;
}

int eap_ms_password_hash(const char *password, uint8_t out[16])
{
	uint8_t u16[4 * 256]; /* 256 characters at most, some as surrogate pairs */
	const unsigned char *s = (const unsigned char *)password;
	size_t n = 0, chars = 0;
	int err = 0;

	/* RFC 2759 8.3: MD4 of the password in Unicode (UTF-16LE, as Windows has it) */
	while (*s && !err) {
		long cp = utf8_next(&s);

		if (cp < 0 || ++chars > 256) {
			err = -EINVAL;
			break;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			u16[n++] = (uint8_t)(0xd800 | cp >> 10);
			u16[n++] = (uint8_t)((0xd800 | cp >> 10) >> 8);
			cp = 0xdc00 | (cp & 0x3ff);
		}
		u16[n++] = (uint8_t)cp;
		u16[n++] = (uint8_t)(cp >> 8);
	}
	if (!err)
		err = crypto_md4(u16, n, out);
	crypto_cleanse(u16, sizeof(u16));
	return err;
}

int eap_ms_challenge_hash(const uint8_t peer_chal[16], const uint8_t auth_chal[16],
			  const char *user, uint8_t out[8])
{
	const char *bs = strrchr(user, '\\');
	uint8_t md[20];
	struct crypto_iov iov[3] = {{peer_chal, 16}, {auth_chal, 16}, {NULL, 0}};

	/* RFC 2759 8.2: the user name only, without a "DOMAIN\" prefix */
	user = bs ? bs + 1 : user;
	iov[2].ptr = user;
	iov[2].len = strlen(user);
	if (crypto_sha1(iov, 3, md))
		return -EIO;
	memcpy(out, md, 8);
	return 0;
}

int eap_ms_nt_response(const uint8_t auth_chal[16], const uint8_t peer_chal[16], const char *user,
		       const uint8_t pw_hash[16], uint8_t out[24])
{
	uint8_t chal[8], z[21] = {0};
	int err = eap_ms_challenge_hash(peer_chal, auth_chal, user, chal);

	/* RFC 2759 8.5: the hash zero-padded to 21 bytes, three DES keys of 7 */
	memcpy(z, pw_hash, 16);
	for (int i = 0; !err && i < 3; i++)
		err = crypto_des7_encrypt(z + 7 * i, chal, out + 8 * i);
	crypto_cleanse(z, sizeof(z));
	return err;
}

int eap_ms_auth_response(const uint8_t pw_hash[16], const uint8_t nt_response[24],
			 const uint8_t peer_chal[16], const uint8_t auth_chal[16], const char *user,
			 char out[43])
{
	uint8_t hh[16], digest[20], chal[8];
	struct crypto_iov a[3] = {{hh, 16}, {nt_response, 24}, {magic_sign, 39}};
	struct crypto_iov b[3] = {{digest, 20}, {chal, 8}, {magic_pad, 41}};
	int err;

	/* RFC 2759 8.7: SHA1(SHA1(hash-hash, NT-Response, Magic1), challenge, Magic2) */
	err = crypto_md4(pw_hash, 16, hh);
	err = err ? err : crypto_sha1(a, 3, digest);
	err = err ? err : eap_ms_challenge_hash(peer_chal, auth_chal, user, chal);
	err = err ? err : crypto_sha1(b, 3, digest);
	if (!err) {
		out[0] = 'S';
		out[1] = '=';
		for (int i = 0; i < 20; i++)
			snprintf(out + 2 + 2 * i, 3, "%02X", digest[i]);
	}
	crypto_cleanse(hh, sizeof(hh));
	return err;
}

int eap_ms_master_key(const uint8_t pw_hash[16], const uint8_t nt_response[24], uint8_t out[16])
{
	uint8_t hh[16], digest[20];
	struct crypto_iov iov[3] = {{hh, 16}, {nt_response, 24}, {magic_master, 27}};
	int err = crypto_md4(pw_hash, 16, hh);

	/* RFC 3079 3.4 GetMasterKey */
	err = err ? err : crypto_sha1(iov, 3, digest);
	if (!err)
		memcpy(out, digest, 16);
	crypto_cleanse(hh, sizeof(hh));
	crypto_cleanse(digest, sizeof(digest));
	return err;
}

int eap_ms_start_key(const uint8_t master[16], bool is_send, bool is_server, uint8_t out[16])
{
	static const uint8_t pad1[40];
	uint8_t pad2[40], digest[20];
	/* RFC 3079 3.4: the client sends with Magic2's key, the server with Magic3's */
	const char *magic = is_send == is_server ? magic_client_recv : magic_client_send;
	struct crypto_iov iov[4] = {{master, 16}, {pad1, 40}, {magic, 84}, {pad2, 40}};
	int err;

	memset(pad2, 0xf2, sizeof(pad2));
	err = crypto_sha1(iov, 4, digest);
	if (!err)
		memcpy(out, digest, 16);
	crypto_cleanse(digest, sizeof(digest));
	return err;
}

int eap_ms_msk(const uint8_t pw_hash[16], const uint8_t nt_response[24],
	       uint8_t out[EAP_MS_MSK_LEN])
{
	uint8_t master[16];
	int err = eap_ms_master_key(pw_hash, nt_response, master);

	/* the server's receive key, then its send key (RFC 2548 MS-MPPE-Recv/Send-Key order
	 * as RADIUS servers hand them to an authenticator) */
	err = err ? err : eap_ms_start_key(master, false, true, out);
	err = err ? err : eap_ms_start_key(master, true, true, out + 16);
	crypto_cleanse(master, sizeof(master));
	return err;
}
