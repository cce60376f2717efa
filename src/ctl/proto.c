/* ctl proto: the reply-line framing, value quoting and terse-record splitting shared by
 * the daemon and ipsecctl, and the blocking client ipsecctl sends its request with. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "ipsecd/ctl.h"
#include "ipsecd/strbuf.h"

/* How long the client waits for the daemon's next bytes: requests run synchronously
 * there, so this only ends a wait on a daemon that is stuck. */
#define CLIENT_TIMEOUT_SEC 60
/* Longest reply line the client takes. */
#define CLIENT_MAX_LINE (16u << 20)

static const char *const status_names[] = {
	[CTL_OK] = "OK",
	[CTL_REFUSED] = "refused",
	[CTL_DENIED] = "denied",
	[CTL_UNAVAILABLE] = "unavailable",
	[CTL_INTERNAL] = "internal",
};

const char *ctl_status_name(enum ctl_status st)
{
	if ((unsigned)st >= sizeof(status_names) / sizeof(status_names[0]))
		return "internal";
	return status_names[st];
}

enum ctl_status ctl_status_from_rc(int rc)
{
	switch (rc) {
	case 0:
		return CTL_OK;
	case -EINVAL:
		return CTL_REFUSED;
	case -EPERM:
		return CTL_DENIED;
	case -ENOTSUP:
		return CTL_UNAVAILABLE;
	default:
		return CTL_INTERNAL;
	}
}

/* --- framing --- */

void ctl_encode_line(struct strbuf *out, char kind, const char *payload)
{
	do {
		size_t n = strcspn(payload, "\n");

		sb_putc(out, kind);
		sb_putc(out, ' ');
		sb_add(out, payload, n);
		sb_putc(out, '\n');
		payload += n;
	} while (*payload++ == '\n' && *payload);
}

void ctl_encode_status(struct strbuf *out, enum ctl_status st, const char *reason)
{
	if (st == CTL_OK) {
		sb_puts(out, "OK\n");
		return;
	}
	sb_printf(out, "ERR %s ", ctl_status_name(st));
	for (const char *p = reason ? reason : ""; *p; p++)
		sb_putc(out, *p == '\n' || *p == '\r' ? ' ' : *p);
	sb_putc(out, '\n');
}

static int decode_status(const char *line, struct ctl_line *out)
{
	size_t n;

	out->kind = CTL_STATUS;
	if (!strcmp(line, "OK")) {
		out->status = CTL_OK;
		out->payload = "";
		return 0;
	}
	if (strncmp(line, "ERR ", 4) != 0)
		return -EINVAL;
	line += 4;
	for (int st = CTL_REFUSED; st <= CTL_INTERNAL; st++) {
		n = strlen(status_names[st]);
		if (!strncmp(line, status_names[st], n) && (line[n] == ' ' || !line[n])) {
			out->status = st;
			out->payload = line[n] ? line + n + 1 : line + n;
			return 0;
		}
	}
	return -EINVAL;
}

int ctl_decode_line(const char *line, struct ctl_line *out)
{
	*out = (struct ctl_line){0};
	switch (line[0]) {
	case CTL_COLUMNS:
	case CTL_RECORD:
	case CTL_TEXT:
	case CTL_DIAG:
		if (line[1] == ' ' || !line[1]) {
			out->kind = line[0];
			out->payload = line[1] ? line + 2 : line + 1;
			return 0;
		}
		break;
	}
	return decode_status(line, out);
}

/* --- quoting --- */

static bool is_ctrl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

bool ctl_needs_quote(const char *val)
{
	if (!*val)
		return true;
	for (const unsigned char *p = (const unsigned char *)val; *p; p++)
		if (is_ctrl(*p) || strchr(" \"=;\\", *p))
			return true;
	return false;
}

void ctl_quote(struct strbuf *out, const char *val)
{
	if (!ctl_needs_quote(val)) {
		sb_puts(out, val);
		return;
	}
	sb_putc(out, '"');
	for (const unsigned char *p = (const unsigned char *)val; *p; p++) {
		if (*p == '"' || *p == '\\') {
			sb_putc(out, '\\');
			sb_putc(out, (char)*p);
		} else if (*p == '\n') {
			sb_puts(out, "\\n");
		} else if (*p == '\r') {
			sb_puts(out, "\\r");
		} else if (*p == '\t') {
			sb_puts(out, "\\t");
		} else if (is_ctrl(*p)) {
			sb_printf(out, "\\%02X", *p);
		} else {
			sb_putc(out, (char)*p);
		}
	}
	sb_putc(out, '"');
}

/* --- terse records --- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1; /* RouterOS: hex escapes use capitals, so \a \b \f stay letters */
}

/* Decodes the escape at *pp (just after the backslash) onto val; advances *pp. */
static int unescape(const char **pp, struct strbuf *val)
{
	static const struct {
		char in, out;
	} esc[] = {
		{'"', '"'},  {'\\', '\\'}, {'n', '\n'}, {'r', '\r'}, {'t', '\t'}, {'a', '\a'},
		{'b', '\b'}, {'f', '\f'},  {'v', '\v'}, {'_', ' '},  {'$', '$'},  {'?', '?'},
	};
	const char *p = *pp;

	if (hexval(p[0]) >= 0 && hexval(p[1]) >= 0) {
		int c = hexval(p[0]) * 16 + hexval(p[1]);

		if (!c)
			return -EINVAL;
		sb_putc(val, (char)c);
		*pp = p + 2;
		return 0;
	}
	for (size_t i = 0; i < sizeof(esc) / sizeof(esc[0]); i++) {
		if (*p && *p == esc[i].in) {
			sb_putc(val, esc[i].out);
			*pp = p + 1;
			return 0;
		}
	}
	return -EINVAL;
}

/* Reads a value at *pp (quoted or bare) onto val; advances *pp past it. */
static int split_value(const char **pp, struct strbuf *val, bool *quoted)
{
	const char *p = *pp;

	*quoted = *p == '"';
	if (!*quoted) {
		size_t n = strcspn(p, " \t");

		sb_add(val, p, n);
		*pp = p + n;
		return 0;
	}
	for (p++; *p != '"'; p++) {
		if (!*p)
			return -EINVAL;
		if (*p != '\\') {
			sb_putc(val, *p);
			continue;
		}
		p++;
		if (unescape(&p, val) < 0)
			return -EINVAL;
		p--;
	}
	p++;
	if (*p && *p != ' ' && *p != '\t')
		return -EINVAL; /* text glued to the closing quote */
	*pp = p;
	return 0;
}

/* Copies n bytes and a NUL into the record's arena, which ctl_terse_split() sized for
 * the whole record: unquoting only shrinks. */
static char *arena_put(struct ctl_record *rec, const char *s, size_t n)
{
	char *at = rec->arena + rec->used;

	memcpy(at, s, n);
	at[n] = '\0';
	rec->used += n + 1;
	return at;
}

static void record_add(struct ctl_record *rec, const char *key, size_t keylen,
		       const struct strbuf *val, bool quoted)
{
	if (rec->n == rec->cap) {
		rec->cap = rec->cap ? rec->cap * 2 : 32;
		rec->kv = xrealloc(rec->kv, rec->cap * sizeof(*rec->kv));
	}
	char *k = arena_put(rec, key, keylen);
	char *v = val ? arena_put(rec, sb_str(val), val->len) : NULL;

	rec->kv[rec->n++] = (struct ctl_kv){k, v, quoted};
}

int ctl_terse_split(const char *terse, struct ctl_record *rec)
{
	const char *p = terse;
	struct strbuf val = STRBUF_INIT;

	*rec = (struct ctl_record){0};
	/* key=value and a separator become key, NUL, value, NUL: never longer than the text
	 * but for the last pair's NUL */
	rec->arena = xmalloc(strlen(terse) + 2);
	for (;;) {
		const char *key;
		size_t keylen;
		bool quoted;

		sb_reset(&val);
		p += strspn(p, " \t");
		if (!*p) {
			sb_clear_free(&val);
			if (!rec->n)
				ctl_record_free(rec); /* nothing to hold: the caller may not free */
			return 0;
		}
		key = p;
		keylen = strcspn(p, "= \t");
		p += keylen;
		if (*p != '=') {
			if (*key == '"')
				goto bad;
			record_add(rec, key, keylen, NULL, false);
			continue;
		}
		p++;
		if (!keylen || split_value(&p, &val, &quoted) < 0)
			goto bad;
		record_add(rec, key, keylen, &val, quoted);
	}
bad:
	sb_clear_free(&val);
	ctl_record_free(rec);
	return -EINVAL;
}

void ctl_record_free(struct ctl_record *rec)
{
	if (rec->arena)
		explicit_bzero(rec->arena, rec->used); /* show-sensitive records hold keys */
	free(rec->arena);
	free(rec->kv);
	*rec = (struct ctl_record){0};
}

const char *ctl_record_get(const struct ctl_record *rec, const char *key)
{
	for (size_t i = 0; i < rec->n; i++)
		if (!strcmp(rec->kv[i].key, key))
			return rec->kv[i].val;
	return NULL;
}

/* --- client --- */

static int client_connect(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = CLIENT_TIMEOUT_SEC};
	int fd, rc;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "cannot reach ipsecd at %s: %s", path,
			 strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot reach ipsecd at %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Sends line and '\n'. A daemon that refuses an oversized request closes early: that
 * is not an error here, its reply is still there to read. */
static int send_request(int fd, const char *line, const char *path, char *err, size_t errlen)
{
	struct strbuf b = STRBUF_INIT;
	size_t off = 0;
	int rc = 0;

	sb_puts(&b, line);
	sb_putc(&b, '\n');
	while (off < b.len) {
		ssize_t n = send(fd, b.s + off, b.len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (errno != EPIPE && errno != ECONNRESET) {
				rc = -errno;
				snprintf(err, errlen, "sending to ipsecd at %s: %s", path,
					 strerror(errno));
			}
			break;
		}
		off += (size_t)n;
	}
	if (!rc)
		shutdown(fd, SHUT_WR);
	sb_free(&b);
	return rc;
}

struct reply_state {
	ctl_line_fn on_line;
	void *arg;
	enum ctl_status *status;
	char *err;
	size_t errlen;
	bool done; /* the status line was seen */
};

static int reply_line(struct reply_state *rs, const char *line)
{
	struct ctl_line l;

	if (rs->done)
		return 0; /* nothing follows the status line; ignore what does */
	if (ctl_decode_line(line, &l) < 0)
		return -EPROTO;
	if (l.kind != CTL_STATUS) {
		rs->on_line(rs->arg, l.kind, l.payload);
		return 0;
	}
	*rs->status = l.status;
	snprintf(rs->err, rs->errlen, "%s", l.payload);
	rs->done = true;
	return 0;
}

/* Hands every complete line in b to reply_line() and drops it from b. */
static int reply_lines(struct reply_state *rs, struct strbuf *b)
{
	char *start = b->s, *nl;
	int rc = 0;

	while (!rc && (nl = memchr(start, '\n', b->len - (size_t)(start - b->s)))) {
		*nl = '\0';
		rc = reply_line(rs, start);
		start = nl + 1;
	}
	b->len -= (size_t)(start - b->s);
	memmove(b->s, start, b->len + 1);
	if (!rc && b->len > CLIENT_MAX_LINE)
		rc = -EPROTO;
	return rc;
}

static int read_reply(int fd, struct reply_state *rs, const char *path)
{
	struct strbuf b = STRBUF_INIT;
	static char chunk[65536]; /* big replies (10,000 SAs) in few reads */
	ssize_t n = 0;
	int rc = 0;

	while (!rc) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		sb_add(&b, chunk, (size_t)n);
		rc = reply_lines(rs, &b);
	}
	if (!rc && n < 0 && !rs->done)
		rc = errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
	if (!rc && n == 0 && b.len)
		rc = reply_line(rs, b.s); /* a last line without '\n' */
	if (!rc && !rs->done)
		rc = -EPROTO;
	if (rc == -EPROTO)
		snprintf(rs->err, rs->errlen, "ipsecd at %s: the reply broke off or is malformed",
			 path);
	else if (rc < 0)
		snprintf(rs->err, rs->errlen, "ipsecd at %s: %s", path, strerror(-rc));
	sb_free(&b);
	return rc;
}

int ctl_client_request(const char *path, const char *line, ctl_line_fn on_line, void *arg,
		       enum ctl_status *status, char *err, size_t errlen)
{
	struct reply_state rs = {on_line, arg, status, err, errlen, false};
	int fd, rc;

	*status = CTL_INTERNAL;
	if (errlen)
		err[0] = '\0';
	if (strchr(line, '\n')) {
		snprintf(err, errlen, "a request is one line: it cannot contain a newline");
		return -EINVAL;
	}
	fd = client_connect(path, err, errlen);
	if (fd < 0)
		return fd;
	rc = send_request(fd, line, path, err, errlen);
	if (!rc)
		rc = read_reply(fd, &rs, path);
	close(fd);
	return rc;
}
