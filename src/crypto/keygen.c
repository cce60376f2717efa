/* keygen: the key files behind `/ip ipsec key` (generate-key, import, export-pub-key, print)
 * and the key comparisons raw-key authentication (auth-method=rsa-key) needs. A key file is
 * created with O_EXCL, its final mode from the start (0600 private, 0644 public), and never
 * overwritten; a private key readable or writable by group or others is refused on load.
 * File contents pass through buffers wiped before they are freed. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "ipsecd/sig.h"
#include "internal.h"

#define MAX_KEY_FILE (1024 * 1024) /* far above a PEM RSA-16384 key */

static int fail(struct sig_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct sig_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	ERR_clear_error();
	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

static void no_error(struct sig_err *err)
{
	if (err)
		*err = (struct sig_err){0};
}

/* Whether a key holds its private half: RSA's d, EC's priv, EdDSA's raw private key. Each
 * query asks for the one parameter the key's type has, through calls that behave alike on
 * every OpenSSL 3.0.x: a request naming a parameter the type lacks fails as a whole on
 * some (3.0.19), and a size-only BIGNUM request fails for EC keys before 3.0.22. The copy
 * of a private number is wiped as it is freed. */
static bool has_private(EVP_PKEY *key)
{
	const char *name = NULL;
	BIGNUM *bn = NULL;
	size_t rawlen = 0;
	bool yes;

	if (EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "RSA-PSS"))
		name = OSSL_PKEY_PARAM_RSA_D;
	else if (EVP_PKEY_is_a(key, "EC") || EVP_PKEY_is_a(key, "DH") || EVP_PKEY_is_a(key, "DSA"))
		name = OSSL_PKEY_PARAM_PRIV_KEY;
	if (name) {
		yes = EVP_PKEY_get_bn_param(key, name, &bn) == 1 && bn;
		BN_clear_free(bn);
	} else {
		/* Ed25519, Ed448, X25519, X448: raw keys */
		yes = EVP_PKEY_get_raw_private_key(key, NULL, &rawlen) == 1 && rawlen > 0;
	}
	ERR_clear_error();
	return yes;
}

/* path created exclusively with mode (umask ignored); the descriptor, or -errno. */
static int create(const char *path, mode_t mode, struct sig_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);

	if (fd < 0 && errno == EEXIST)
		return fail(err, -EEXIST, "%s: file exists; not overwriting it", path);
	if (fd < 0)
		return fail(err, -errno, "%s: %s", path, strerror(errno));
	if (fchmod(fd, mode) < 0) {
		int e = errno;

		close(fd);
		unlink(path);
		return fail(err, -e, "%s: %s", path, strerror(e));
	}
	return fd;
}

/* Writes key to fd (then closed) as PKCS#8 PEM (private) or SubjectPublicKeyInfo PEM, and
 * syncs it; removes path on failure. */
static int write_key(int fd, const char *path, EVP_PKEY *key, bool private, struct sig_err *err)
{
	BIO *b = BIO_new_fd(fd, BIO_NOCLOSE);
	int ok = b != NULL, e = EIO;

	if (ok && private)
		ok = PEM_write_bio_PKCS8PrivateKey(b, key, NULL, NULL, 0, NULL, NULL);
	else if (ok)
		ok = PEM_write_bio_PUBKEY(b, key);
	ok = ok && BIO_flush(b) == 1;
	BIO_free(b);
	if (ok && fsync(fd) < 0) {
		ok = 0;
		e = errno;
	}
	if (close(fd) < 0 && ok) {
		ok = 0;
		e = errno;
	}
	if (ok)
		return 0;
	unlink(path);
	return fail(err, -e, "%s: writing the key failed: %s", path, strerror(e));
}

static EVP_PKEY *rsa_generate(unsigned bits)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *key = NULL;

	if (ctx && EVP_PKEY_keygen_init(ctx) > 0 &&
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)bits) > 0)
		EVP_PKEY_generate(ctx, &key);
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return key;
}

EVP_PKEY *sig_key_generate(const char *path, unsigned bits, struct sig_err *err)
{
	EVP_PKEY *key;
	int fd;

	if (bits != 1024 && bits != 2048 && bits != 4096) {
		fail(err, -EINVAL, "key-size %u: must be 1024, 2048 or 4096", bits);
		return NULL;
	}
	if ((fd = create(path, 0600, err)) < 0) /* claim the name before the slow part */
		return NULL;
	if (!(key = rsa_generate(bits))) {
		close(fd);
		unlink(path);
		fail(err, -EIO, "generating a %u-bit RSA key failed", bits);
		return NULL;
	}
	if (write_key(fd, path, key, true, err) < 0) {
		EVP_PKEY_free(key);
		return NULL;
	}
	no_error(err);
	return key;
}

/* --- loading --- */

struct passphrase {
	const char *text;
	bool asked; /* the key turned out to be encrypted */
};

static int passphrase_cb(char *buf, size_t max, size_t *len, const OSSL_PARAM params[], void *arg)
{
	struct passphrase *pw = arg;
	size_t n;

	(void)params;
	pw->asked = true;
	if (!pw->text || (n = strlen(pw->text)) > max)
		return 0; /* never a prompt: a daemon has no terminal */
	memcpy(buf, pw->text, n);
	*len = n;
	return 1;
}

/* The whole regular file behind fd (at most MAX_KEY_FILE bytes) into *buf (the caller wipes
 * and frees it). */
static int slurp(int fd, const char *path, uint8_t **buf, size_t *len, mode_t *mode,
		 struct sig_err *err)
{
	struct stat st;
	size_t got = 0;
	ssize_t n = 1;

	if (fstat(fd, &st) < 0)
		return fail(err, -errno, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fail(err, -EINVAL, "%s: not a regular file", path);
	if (st.st_size > MAX_KEY_FILE)
		return fail(err, -EFBIG, "%s: %lld bytes is too large for a key file", path,
			    (long long)st.st_size);
	*mode = st.st_mode;
	if (!(*buf = malloc((size_t)st.st_size + 1)))
		return fail(err, -ENOMEM, "%s: out of memory", path);
	while (got < (size_t)st.st_size + 1 && n != 0) {
		n = read(fd, *buf + got, (size_t)st.st_size + 1 - got);
		if (n < 0 && errno != EINTR)
			return fail(err, -errno, "%s: %s", path, strerror(errno));
		got += n > 0 ? (size_t)n : 0;
		*len = got; /* what the caller wipes, even after a failure */
	}
	if (got > (size_t)st.st_size) /* it grew while we read it */
		return fail(err, -EAGAIN, "%s: the file changed while being read", path);
	return 0;
}

/* Any key OpenSSL's decoders know (PEM or DER, private or public, encrypted PKCS#8). */
static int decode(const uint8_t *data, size_t len, const char *path, const char *passphrase,
		  EVP_PKEY **key, struct sig_err *err)
{
	struct passphrase pw = {passphrase, false};
	OSSL_DECODER_CTX *ctx = OSSL_DECODER_CTX_new_for_pkey(key, NULL, NULL, NULL, 0, NULL, NULL);
	const unsigned char *p = data;
	size_t left = len;
	int ok = ctx && OSSL_DECODER_CTX_set_passphrase_cb(ctx, passphrase_cb, &pw) &&
		 OSSL_DECODER_from_data(ctx, &p, &left);

	OSSL_DECODER_CTX_free(ctx);
	if (ok && *key)
		return 0;
	EVP_PKEY_free(*key);
	*key = NULL;
	if (pw.asked && !passphrase)
		return fail(err, -ENOKEY, "%s: the key is encrypted; a passphrase is needed", path);
	if (pw.asked)
		return fail(err, -ENOKEY, "%s: wrong passphrase, or a damaged key", path);
	return fail(err, -EBADMSG, "%s: no PEM or DER private or public key found", path);
}

static int key_load(const char *path, const char *passphrase, bool lax, EVP_PKEY **key,
		    bool *has_priv, struct sig_err *err)
{
	/* O_NONBLOCK: a FIFO is refused by slurp() instead of waited on for a writer */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), r;
	uint8_t *buf = NULL;
	size_t len = 0;
	mode_t mode = 0;

	*key = NULL;
	*has_priv = false;
	if (fd < 0)
		return fail(err, -errno, "%s: %s", path, strerror(errno));
	r = slurp(fd, path, &buf, &len, &mode, err);
	close(fd);
	if (r == 0)
		r = decode(buf, len, path, passphrase, key, err);
	crypto_cleanse(buf, len);
	free(buf);
	if (r < 0)
		return r;
	*has_priv = has_private(*key);
	no_error(err);
	if (*has_priv && (mode & 077) && lax) {
		if (err)
			snprintf(err->msg, sizeof(err->msg),
				 "%s: private key file has mode %04o; loaded anyway "
				 "(insecure-key-files=warn), chmod 600 it",
				 path, (unsigned)(mode & 07777));
	} else if (*has_priv && (mode & 077)) {
		EVP_PKEY_free(*key);
		*key = NULL;
		*has_priv = false;
		return fail(err, -EPERM,
			    "%s: private key file has mode %04o; group and others must have no "
			    "access (chmod 600)",
			    path, (unsigned)(mode & 07777));
	}
	return 0;
}

int sig_key_load(const char *path, const char *passphrase, EVP_PKEY **key, bool *has_priv,
		 struct sig_err *err)
{
	return key_load(path, passphrase, false, key, has_priv, err);
}

int sig_key_load_lax(const char *path, const char *passphrase, EVP_PKEY **key, bool *has_priv,
		     struct sig_err *err)
{
	return key_load(path, passphrase, true, key, has_priv, err);
}

int sig_key_export_pub(EVP_PKEY *key, const char *path, struct sig_err *err)
{
	int fd = create(path, 0644, err), r;

	if (fd < 0)
		return fd;
	if ((r = write_key(fd, path, key, false, err)) < 0)
		return r;
	no_error(err);
	return 0;
}

/* --- keys as values --- */

int sig_key_pub_pem(EVP_PKEY *key, char **pem)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;

	*pem = NULL;
	if (!b)
		return -ENOMEM;
	if (!PEM_write_bio_PUBKEY(b, key) || (n = BIO_get_mem_data(b, &data)) <= 0) {
		BIO_free(b);
		ERR_clear_error();
		return -EIO;
	}
	if ((*pem = malloc((size_t)n + 1))) {
		memcpy(*pem, data, (size_t)n);
		(*pem)[n] = '\0';
	}
	BIO_free(b);
	return *pem ? 0 : -ENOMEM;
}

void sig_key_info(EVP_PKEY *key, unsigned *bits, bool *is_rsa, bool *has_priv)
{
	int b = key ? EVP_PKEY_get_bits(key) : 0;

	*bits = b > 0 ? (unsigned)b : 0;
	*is_rsa = key && EVP_PKEY_is_a(key, "RSA");
	*has_priv = key && has_private(key);
}

bool sig_key_equal(EVP_PKEY *a, EVP_PKEY *b)
{
	bool eq = a && b && EVP_PKEY_eq(a, b) == 1;

	ERR_clear_error();
	return eq;
}

EVP_PKEY *sig_key_from_spki(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	EVP_PKEY *key = len && len <= LONG_MAX ? d2i_PUBKEY(NULL, &p, (long)len) : NULL;

	if (key && p != der + len) { /* trailing bytes */
		EVP_PKEY_free(key);
		key = NULL;
	}
	ERR_clear_error();
	return key;
}

int sig_key_spki(EVP_PKEY *key, struct crypto_chunk *out)
{
	int n = i2d_PUBKEY(key, NULL);
	unsigned char *p;

	*out = (struct crypto_chunk){0};
	if (n <= 0) {
		ERR_clear_error();
		return -EIO;
	}
	if (!(out->ptr = malloc((size_t)n)))
		return -ENOMEM;
	p = out->ptr;
	if (i2d_PUBKEY(key, &p) != n) {
		crypto_chunk_clear(out);
		ERR_clear_error();
		return -EIO;
	}
	out->len = (size_t)n;
	return 0;
}

void sig_key_free(EVP_PKEY *key)
{
	EVP_PKEY_free(key);
}
