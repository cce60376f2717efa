/* cert_id: IKEv2 identities and certificates (RFC 7296 3.5, RFC 4945 3.1). Whether an ID
 * is one a certificate vouches for, the ID a certificate implies, IDs as text for logs,
 * configured ID text into ID payload data, and the DN and time rendering the store uses. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cert_internal.h"

#define DN_MAX_AVA   32	 /* attributes in a configured DN */
#define DN_MAX_VALUE 256 /* bytes of one attribute value */

/* --- rendering --- */

char *pki_dn_line(const X509_NAME *n)
{
	/* RFC 2253 flags, but ", " between RDNs and UTF-8 left as it is */
	unsigned long fl = (XN_FLAG_RFC2253 & ~(XN_FLAG_SEP_MASK | ASN1_STRFLGS_ESC_MSB)) |
			   XN_FLAG_SEP_CPLUS_SPC;
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL, *out = NULL;
	long len;

	if (b && X509_NAME_print_ex(b, n, 0, fl) >= 0 && (len = BIO_get_mem_data(b, &p)) >= 0 &&
	    (out = malloc((size_t)len + 1)) != NULL) {
		if (len) /* an empty name leaves p NULL */
			memcpy(out, p, (size_t)len);
		out[len] = '\0';
	}
	BIO_free(b);
	return out;
}

time_t pki_asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (!t || !ASN1_TIME_to_tm(t, &tm)) /* NULL would mean "now" to OpenSSL */
		return 0;
	return timegm(&tm);
}

void pki_time_str(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, size, "%lld", (long long)t);
}

/* --- IDs against certificates --- */

static bool ascii_caseeq(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t x = a[i] >= 'A' && a[i] <= 'Z' ? a[i] + 32 : a[i];
		uint8_t y = b[i] >= 'A' && b[i] <= 'Z' ? b[i] + 32 : b[i];

		if (x != y)
			return false;
	}
	return true;
}

/* A subjectAltName of kind GEN_DNS, GEN_EMAIL or GEN_IPADD equal to data. */
static bool san_matches(const X509 *x, int kind, const uint8_t *data, size_t len, bool nocase)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	bool found = false;

	for (int i = 0; !found && len && i < sk_GENERAL_NAME_num(gens); i++) {
		int type;
		const ASN1_STRING *v =
			GENERAL_NAME_get0_value(sk_GENERAL_NAME_value(gens, i), &type);

		if (type != kind || (size_t)ASN1_STRING_length(v) != len)
			continue;
		found = nocase ? ascii_caseeq(ASN1_STRING_get0_data(v), data, len)
			       : !memcmp(ASN1_STRING_get0_data(v), data, len);
	}
	GENERAL_NAMES_free(gens);
	return found;
}

static bool dn_matches(const X509 *x, const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509_NAME *n = d2i_X509_NAME(NULL, &p, (long)len);
	bool eq = n && p == der + len && X509_NAME_entry_count(n) > 0 &&
		  !X509_NAME_cmp(X509_get_subject_name(x), n); /* canonical: case, spaces, types */

	X509_NAME_free(n);
	ERR_clear_error();
	return eq;
}

/* RFC 4945 3.1: an address, FQDN or e-mail ID must be the certificate's subjectAltName of
 * that kind; an FQDN in the subject's CN does not count (3.1.2: the CN is not typed, so a
 * name there proves nothing), and neither does a KEY_ID (3.1.8: no certificate field). */
bool pki_cert_matches_id(const X509 *cert, uint8_t type, const uint8_t *data, size_t len)
{
	switch (type) {
	case PKI_ID_IPV4_ADDR:
		return len == 4 && san_matches(cert, GEN_IPADD, data, len, false);
	case PKI_ID_IPV6_ADDR:
		return len == 16 && san_matches(cert, GEN_IPADD, data, len, false);
	case PKI_ID_FQDN:
		return san_matches(cert, GEN_DNS, data, len, true);
	case PKI_ID_RFC822_ADDR:
		return san_matches(cert, GEN_EMAIL, data, len, true);
	case PKI_ID_DER_ASN1_DN:
		return dn_matches(cert, data, len);
	default:
		return false;
	}
}

static int put(uint8_t *out, size_t *len, const void *data, size_t n)
{
	size_t room = *len;

	*len = 0;
	if (n > room)
		return -ENOSPC;
	memcpy(out, data, n);
	*len = n;
	return 0;
}

int pki_cert_default_id(const X509 *cert, uint8_t *type, uint8_t *out, size_t *len)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	const X509_NAME *subj = X509_get_subject_name(cert);
	unsigned char *der = NULL;
	int r = -ENOENT, n;

	for (int i = 0; r == -ENOENT && i < sk_GENERAL_NAME_num(gens); i++) {
		int kind;
		const ASN1_STRING *v =
			GENERAL_NAME_get0_value(sk_GENERAL_NAME_value(gens, i), &kind);
		size_t vlen = (size_t)ASN1_STRING_length(v);

		if (kind == GEN_DNS || kind == GEN_EMAIL)
			*type = kind == GEN_DNS ? PKI_ID_FQDN : PKI_ID_RFC822_ADDR;
		else if (kind == GEN_IPADD && (vlen == 4 || vlen == 16))
			*type = vlen == 4 ? PKI_ID_IPV4_ADDR : PKI_ID_IPV6_ADDR;
		else
			continue;
		r = put(out, len, ASN1_STRING_get0_data(v), vlen);
	}
	GENERAL_NAMES_free(gens);
	if (r != -ENOENT)
		return r;
	if (X509_NAME_entry_count(subj) == 0 || (n = i2d_X509_NAME(subj, &der)) <= 0) {
		*len = 0;
		return -ENOENT;
	}
	*type = PKI_ID_DER_ASN1_DN;
	r = put(out, len, der, (size_t)n);
	OPENSSL_free(der);
	return r;
}

/* --- IDs as text --- */

struct out {
	char *buf;
	size_t size, at;
};

__attribute__((format(printf, 2, 3))) static void emit(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->at >= o->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->at, o->size - o->at, fmt, ap);
	va_end(ap);
	o->at = n < 0 ? o->size : o->at + (size_t)n;
}

static bool printable(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return false;
	return n > 0;
}

static void escaped(struct out *o, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7e || p[i] == '\\')
			emit(o, "\\x%02x", p[i]);
		else
			emit(o, "%c", p[i]);
}

static void dn_text(struct out *o, const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509_NAME *n = d2i_X509_NAME(NULL, &p, (long)len);
	char *line = n && p == der + len ? pki_dn_line(n) : NULL;

	if (line)
		emit(o, "%s", line);
	else
		emit(o, "(malformed DN, %zu bytes)", len);
	free(line);
	X509_NAME_free(n);
	ERR_clear_error();
}

const char *pki_id_str(uint8_t type, const uint8_t *data, size_t len, char *buf, size_t size)
{
	struct out o = {buf, size, 0};
	char a[INET6_ADDRSTRLEN];

	if (!size)
		return buf;
	buf[0] = '\0';
	switch (type) {
	case PKI_ID_IPV4_ADDR:
	case PKI_ID_IPV6_ADDR:
		if (len == (type == PKI_ID_IPV4_ADDR ? 4u : 16u) &&
		    inet_ntop(type == PKI_ID_IPV4_ADDR ? AF_INET : AF_INET6, data, a, sizeof(a)))
			emit(&o, "%s", a);
		else
			emit(&o, "(malformed address, %zu bytes)", len);
		break;
	case PKI_ID_FQDN:
	case PKI_ID_RFC822_ADDR:
		escaped(&o, data, len);
		break;
	case PKI_ID_DER_ASN1_DN:
		dn_text(&o, data, len);
		break;
	case PKI_ID_KEY_ID:
		if (printable(data, len)) {
			escaped(&o, data, len);
			break;
		}
		emit(&o, "0x");
		for (size_t i = 0; i < len; i++)
			emit(&o, "%02x", data[i]);
		break;
	default:
		emit(&o, "(ID type %u, %zu bytes)", type, len);
	}
	return buf;
}

/* --- configured IDs --- */

struct ava {
	char type[64];
	char value[DN_MAX_VALUE];
	size_t vlen;
	bool starts_rdn;
};

static bool is_sep(char c, bool slash)
{
	return c == '+' || (slash ? c == '/' : c == ',' || c == ';');
}

/* One "type=value" from *pp up to an unescaped separator, returned in *sep ('\0' at the
 * end). RFC 4514 2.4 escapes: \ and a special character or two hex digits; a value may
 * also be quoted (RFC 2253). Unescaped spaces around type and value are dropped. */
static int parse_ava(const char **pp, bool slash, struct ava *a, char *sep)
{
	const char *p = *pp;
	size_t n = 0, keep = 0;
	bool quoted = false;

	while (*p == ' ')
		p++;
	while (*p && *p != '=' && !is_sep(*p, slash) && n < sizeof(a->type) - 1)
		a->type[n++] = *p++;
	while (n && a->type[n - 1] == ' ')
		n--;
	a->type[n] = '\0';
	if (*p++ != '=' || !n)
		return -EINVAL;
	while (*p == ' ')
		p++;
	a->vlen = 0;
	for (; *p && (quoted || !is_sep(*p, slash)); p++) {
		char c = *p;
		bool literal = quoted; /* kept even when a space */

		if (c == '"' && (quoted || a->vlen == 0)) {
			quoted = !quoted;
			keep = a->vlen;
			continue;
		}
		if (c == '\\') {
			if (OPENSSL_hexchar2int(p[1]) >= 0 && OPENSSL_hexchar2int(p[2]) >= 0) {
				c = (char)(OPENSSL_hexchar2int(p[1]) << 4 |
					   OPENSSL_hexchar2int(p[2]));
				p += 2;
			} else if (p[1]) {
				c = *++p;
			} else {
				return -EINVAL;
			}
			literal = true;
		}
		if (a->vlen == sizeof(a->value))
			return -EINVAL;
		a->value[a->vlen++] = c;
		if (c != ' ' || literal)
			keep = a->vlen;
	}
	if (quoted || !keep)
		return -EINVAL;
	a->vlen = keep;
	*sep = *p;
	*pp = *p ? p + 1 : p;
	return 0;
}

/* The attribute type's OID name as OpenSSL spells it: "cn" and "E" are accepted too. */
static int ava_nid(const char *type)
{
	static const struct {
		const char *alias, *name;
	} aliases[] = {{"E", "emailAddress"}, {"EMAIL", "emailAddress"}, {"S", "ST"}};
	char up[64];
	int nid = OBJ_txt2nid(type);
	size_t i;

	for (i = 0; nid == NID_undef && type[i] && i < sizeof(up) - 1; i++)
		up[i] = type[i] >= 'a' && type[i] <= 'z' ? (char)(type[i] - 32) : type[i];
	up[i] = '\0';
	if (nid == NID_undef)
		nid = OBJ_txt2nid(up);
	for (i = 0; nid == NID_undef && i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcmp(up, aliases[i].alias))
			nid = OBJ_txt2nid(aliases[i].name);
	return nid;
}

static bool add_rdn(X509_NAME *n, const struct ava *a, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		int nid = ava_nid(a[i].type);

		if (nid == NID_undef ||
		    !X509_NAME_add_entry_by_NID(n, nid, MBSTRING_UTF8,
						(const unsigned char *)a[i].value, (int)a[i].vlen,
						-1, i == 0 ? 0 : -1))
			return false;
	}
	return true;
}

/* RFC 4514 text, most specific RDN first ("CN=moon, O=test"), or the slash form in
 * encoding order ("/O=test/CN=moon"), into a Name. NULL when malformed. */
static X509_NAME *dn_parse(const char *text)
{
	bool slash = text[0] == '/';
	const char *p = slash ? text + 1 : text;
	struct ava *a = calloc(DN_MAX_AVA, sizeof(*a));
	X509_NAME *n = X509_NAME_new();
	size_t count = 0;
	char sep = '\0';
	bool ok = a && n;

	while (ok && count < DN_MAX_AVA) {
		a[count].starts_rdn = count == 0 || sep != '+';
		ok = parse_ava(&p, slash, &a[count++], &sep) == 0;
		if (!ok || !sep)
			break;
	}
	ok = ok && count > 0 && !sep; /* not too many, no trailing separator */
	/* encoding order: the text's in slash form, else the RDNs reversed (RFC 4514 2.1) */
	for (size_t k = 0; ok && slash && k < count;) {
		size_t end = k + 1;

		while (end < count && !a[end].starts_rdn)
			end++;
		ok = add_rdn(n, a + k, end - k);
		k = end;
	}
	for (size_t end = count; ok && !slash && end > 0;) {
		size_t start = end - 1;

		while (!a[start].starts_rdn) /* a[0] starts one */
			start--;
		ok = add_rdn(n, a + start, end - start);
		end = start;
	}
	free(a);
	ERR_clear_error();
	if (!ok) {
		X509_NAME_free(n);
		return NULL;
	}
	return n;
}

static int parse_hex(const char *h, uint8_t *out, size_t *len)
{
	size_t n = strlen(h), room = *len;

	*len = 0;
	if (!n || n % 2)
		return -EINVAL;
	if (n / 2 > room)
		return -ENOSPC;
	for (size_t i = 0; i < n; i += 2) {
		if (OPENSSL_hexchar2int(h[i]) < 0 || OPENSSL_hexchar2int(h[i + 1]) < 0)
			return -EINVAL;
		out[i / 2] =
			(uint8_t)(OPENSSL_hexchar2int(h[i]) << 4 | OPENSSL_hexchar2int(h[i + 1]));
	}
	*len = n / 2;
	return 0;
}

/* A name without spaces or control characters. */
static bool is_name(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

static int parse_dn_id(const char *text, uint8_t *out, size_t *len)
{
	X509_NAME *n = dn_parse(text);
	unsigned char *der = NULL;
	int dl = n ? i2d_X509_NAME(n, &der) : -1, r;

	r = dl > 0 ? put(out, len, der, (size_t)dl) : -EINVAL;
	if (r == -EINVAL)
		*len = 0;
	OPENSSL_free(der);
	X509_NAME_free(n);
	return r;
}

int pki_id_parse(const char *kind, const char *text, uint8_t *type, uint8_t *out, size_t *len)
{
	uint8_t addr[16];

	if (!strcmp(kind, "auto")) {
		*type = PKI_ID_AUTO;
		*len = 0;
		return 0;
	}
	if (!text || !*text) {
		*len = 0;
		return -EINVAL;
	}
	if (!strcmp(kind, "address")) {
		*type = inet_pton(AF_INET, text, addr) == 1 ? PKI_ID_IPV4_ADDR : PKI_ID_IPV6_ADDR;
		if (*type == PKI_ID_IPV6_ADDR && inet_pton(AF_INET6, text, addr) != 1) {
			*len = 0;
			return -EINVAL;
		}
		return put(out, len, addr, *type == PKI_ID_IPV4_ADDR ? 4 : 16);
	}
	if (!strcmp(kind, "fqdn") || !strcmp(kind, "user-fqdn")) {
		*type = kind[0] == 'f' ? PKI_ID_FQDN : PKI_ID_RFC822_ADDR;
		if (!is_name(text)) {
			*len = 0;
			return -EINVAL;
		}
		return put(out, len, text, strlen(text));
	}
	if (!strcmp(kind, "key-id")) {
		*type = PKI_ID_KEY_ID;
		if (!strncmp(text, "0x", 2) || !strncmp(text, "0X", 2))
			return parse_hex(text + 2, out, len);
		return put(out, len, text, strlen(text));
	}
	if (!strcmp(kind, "dn") || !strcmp(kind, "asn1dn")) {
		*type = PKI_ID_DER_ASN1_DN;
		return parse_dn_id(text, out, len);
	}
	*len = 0;
	return -EINVAL;
}
