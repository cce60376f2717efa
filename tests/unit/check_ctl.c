/* check_ctl: the control socket's framing, quoting and terse records, the credential
 * rule, the server on a real loop (running in a thread, driven by blocking clients) and
 * ipsecctl's argument joining and rendering. No root, no network: sockets live in a
 * mkdtemp() directory. */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "ipsecd/conf.h"
#include "ipsecd/ctl.h"
#include "ipsecd/loop.h"
#include "ipsecd/strbuf.h"

/* ipsecctl's render.c is not in a library; the test builds it in. */
#include "../../src/ipsecctl/render.c"

/* --- framing --- */

static void decode_ok(const char *line, char kind, const char *payload)
{
	struct ctl_line l;

	ck_assert_int_eq(ctl_decode_line(line, &l), 0);
	ck_assert_int_eq(l.kind, kind);
	ck_assert_str_eq(l.payload, payload);
}

START_TEST(test_encode_decode)
{
	struct strbuf b = STRBUF_INIT;
	struct ctl_line l;

	ctl_encode_line(&b, CTL_COLUMNS, "name address");
	ctl_encode_line(&b, CTL_RECORD, "flags=X name=\"a b\"");
	ctl_encode_line(&b, CTL_TEXT, "");
	ctl_encode_line(&b, CTL_TEXT, "one\ntwo\n");
	ctl_encode_line(&b, CTL_DIAG, "ctl:1:2: error: no");
	ck_assert_str_eq(sb_str(&b), "C name address\nR flags=X name=\"a b\"\nT \nT one\nT two\n"
				     "E ctl:1:2: error: no\n");
	decode_ok("C name address", CTL_COLUMNS, "name address");
	decode_ok("R flags=X name=\"a b\"", CTL_RECORD, "flags=X name=\"a b\"");
	decode_ok("T ", CTL_TEXT, "");
	decode_ok("T", CTL_TEXT, "");
	decode_ok("E ctl:1:2: error: no", CTL_DIAG, "ctl:1:2: error: no");

	sb_reset(&b);
	ctl_encode_status(&b, CTL_OK, "ignored");
	ctl_encode_status(&b, CTL_REFUSED, "two\nlines");
	ctl_encode_status(&b, CTL_UNAVAILABLE, NULL);
	ck_assert_str_eq(sb_str(&b), "OK\nERR refused two lines\nERR unavailable \n");
	ck_assert_int_eq(ctl_decode_line("OK", &l), 0);
	ck_assert_int_eq(l.kind, CTL_STATUS);
	ck_assert_int_eq(l.status, CTL_OK);
	ck_assert_int_eq(ctl_decode_line("ERR denied read-only access", &l), 0);
	ck_assert_int_eq(l.kind, CTL_STATUS);
	ck_assert_int_eq(l.status, CTL_DENIED);
	ck_assert_str_eq(l.payload, "read-only access");
	ck_assert_int_eq(ctl_decode_line("ERR internal", &l), 0);
	ck_assert_int_eq(l.status, CTL_INTERNAL);
	ck_assert_str_eq(l.payload, "");

	ck_assert_int_eq(ctl_decode_line("", &l), -EINVAL);
	ck_assert_int_eq(ctl_decode_line("OKAY", &l), -EINVAL);
	ck_assert_int_eq(ctl_decode_line("Rx", &l), -EINVAL);
	ck_assert_int_eq(ctl_decode_line("ERR refusedx y", &l), -EINVAL);
	ck_assert_int_eq(ctl_decode_line("ERR bogus y", &l), -EINVAL);
	ck_assert_int_eq(ctl_decode_line("X y", &l), -EINVAL);

	ck_assert_int_eq(ctl_status_from_rc(0), CTL_OK);
	ck_assert_int_eq(ctl_status_from_rc(-EINVAL), CTL_REFUSED);
	ck_assert_int_eq(ctl_status_from_rc(-EPERM), CTL_DENIED);
	ck_assert_int_eq(ctl_status_from_rc(-ENOTSUP), CTL_UNAVAILABLE);
	ck_assert_int_eq(ctl_status_from_rc(-ENOMEM), CTL_INTERNAL);
	sb_free(&b);
}
END_TEST

static void quote_is(const char *val, const char *want)
{
	struct strbuf b = STRBUF_INIT;

	ctl_quote(&b, val);
	ck_assert_str_eq(sb_str(&b), want);
	sb_free(&b);
}

START_TEST(test_quote)
{
	quote_is("office2", "office2");
	quote_is("1.2.3.4/32", "1.2.3.4/32");
	quote_is("", "\"\"");
	quote_is("a b", "\"a b\"");
	quote_is("x\"y", "\"x\\\"y\"");
	quote_is("a\\b", "\"a\\\\b\"");
	quote_is("a=b", "\"a=b\"");
	quote_is("a;b", "\"a;b\"");
	quote_is("l1\nl2\tx\r", "\"l1\\nl2\\tx\\r\"");
	quote_is("\x01\x7f", "\"\\01\\7F\"");
	quote_is("caf\xc3\xa9", "caf\xc3\xa9");
	ck_assert(!ctl_needs_quote("aes256-cbc,aes128-cbc"));
	ck_assert(ctl_needs_quote("with\ttab"));
}
END_TEST

START_TEST(test_terse_roundtrip)
{
	static const char *const vals[] = {
		"plain",	"",
		"a b",		"\"quoted\"",
		"back\\slash",	"x=y",
		"semi;colon",	"new\nline\ttab\rcr",
		"\x01\x1f\x7f", "caf\xc3\xa9",
		" lead",	"trail ",
		"*3",
	};
	size_t n = sizeof(vals) / sizeof(vals[0]);
	struct strbuf b = STRBUF_INIT;
	struct ctl_record rec;

	for (size_t i = 0; i < n; i++) {
		sb_printf(&b, "%sk%zu=", i ? " " : "", i);
		ctl_quote(&b, vals[i]);
	}
	ck_assert_int_eq(ctl_terse_split(sb_str(&b), &rec), 0);
	ck_assert_uint_eq(rec.n, n);
	for (size_t i = 0; i < n; i++) {
		char key[16];

		snprintf(key, sizeof(key), "k%zu", i);
		ck_assert_str_eq(rec.kv[i].key, key);
		ck_assert_str_eq(rec.kv[i].val, vals[i]);
		ck_assert_int_eq(rec.kv[i].quoted, ctl_needs_quote(vals[i]));
	}
	ck_assert_str_eq(ctl_record_get(&rec, "k2"), "a b");
	ck_assert_ptr_null(ctl_record_get(&rec, "nope"));
	ctl_record_free(&rec);
	ck_assert_uint_eq(rec.n, 0);
	sb_free(&b);
}
END_TEST

START_TEST(test_terse_split_forms)
{
	struct ctl_record rec;

	ck_assert_int_eq(ctl_terse_split("  flags=XD\t.id=*3  name=\"a\"  bare  ", &rec), 0);
	ck_assert_uint_eq(rec.n, 4);
	ck_assert_str_eq(rec.kv[0].key, "flags");
	ck_assert_str_eq(rec.kv[0].val, "XD");
	ck_assert_str_eq(rec.kv[1].key, ".id");
	ck_assert_str_eq(rec.kv[1].val, "*3");
	ck_assert_str_eq(rec.kv[2].val, "a");
	ck_assert(rec.kv[2].quoted);
	ck_assert_str_eq(rec.kv[3].key, "bare");
	ck_assert_ptr_null(rec.kv[3].val);
	ctl_record_free(&rec);

	/* RouterOS escapes: \_ space, \$ \?, \HH in capitals, \a bell (not hex) */
	ck_assert_int_eq(ctl_terse_split("a=\"x\\_y\\$\\?\\41\\a\" b= c=\"\"", &rec), 0);
	ck_assert_uint_eq(rec.n, 3);
	ck_assert_str_eq(rec.kv[0].val, "x y$?A\a");
	ck_assert_str_eq(rec.kv[1].val, "");
	ck_assert(!rec.kv[1].quoted);
	ck_assert_str_eq(rec.kv[2].val, "");
	ck_assert(rec.kv[2].quoted);
	ctl_record_free(&rec);

	ck_assert_int_eq(ctl_terse_split("", &rec), 0);
	ck_assert_uint_eq(rec.n, 0);
	ck_assert_int_eq(ctl_terse_split("a=\"open", &rec), -EINVAL);
	ck_assert_uint_eq(rec.n, 0);
	ck_assert_int_eq(ctl_terse_split("ok=1 a=\"bad\\q\"", &rec), -EINVAL);
	ck_assert_uint_eq(rec.n, 0);
	ck_assert_int_eq(ctl_terse_split("a=\"nul\\00\"", &rec), -EINVAL);
	ck_assert_int_eq(ctl_terse_split("a=\"trailing\\", &rec), -EINVAL);
	ck_assert_int_eq(ctl_terse_split("a=\"glued\"x", &rec), -EINVAL);
	ck_assert_int_eq(ctl_terse_split("=nokey", &rec), -EINVAL);
	ck_assert_int_eq(ctl_terse_split("\"word\"", &rec), -EINVAL);
}
END_TEST

/* --- credentials --- */

START_TEST(test_cred_flags)
{
	const gid_t sup[] = {4, 24, 1001};

	ck_assert_int_eq(ctl_cred_flags(0, 0, NULL, 0, 1001), CONF_CTL_ROOT | CONF_CTL_SENSITIVE);
	ck_assert_int_eq(ctl_cred_flags(0, 5, NULL, 0, (gid_t)-1),
			 CONF_CTL_ROOT | CONF_CTL_SENSITIVE);
	ck_assert_int_eq(ctl_cred_flags(1000, 1001, NULL, 0, 1001), 0);
	ck_assert_int_eq(ctl_cred_flags(1000, 1000, sup, 3, 1001), 0);
	ck_assert_int_eq(ctl_cred_flags(1000, 1000, sup, 2, 1001), -EPERM);
	ck_assert_int_eq(ctl_cred_flags(1000, 1000, NULL, 0, 1001), -EPERM);
	ck_assert_int_eq(ctl_cred_flags(1000, 1000, sup, 3, (gid_t)-1), -EPERM);
}
END_TEST

/* --- the server on a real loop --- */

#define BIG_RECORDS 20000

static struct {
	pthread_mutex_t mu;
	char *line[32];
	unsigned flags[32];
	size_t n;
} calls = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* Forgets earlier calls, for runs without fork (CK_FORK=no). */
static void calls_reset(void)
{
	pthread_mutex_lock(&calls.mu);
	for (size_t i = 0; i < calls.n; i++)
		free(calls.line[i]);
	calls.n = 0;
	pthread_mutex_unlock(&calls.mu);
}

static void fake_record_call(const char *line, unsigned flags)
{
	pthread_mutex_lock(&calls.mu);
	if (calls.n < 32) {
		calls.line[calls.n] = xstrdup(line);
		calls.flags[calls.n++] = flags;
	}
	pthread_mutex_unlock(&calls.mu);
}

static int fake_exec(void *arg, const char *line, unsigned flags, const struct conf_sink *sink,
		     struct conf_diags *ds)
{
	ck_assert_ptr_eq(arg, &calls);
	fake_record_call(line, flags);
	if (!strcmp(line, "peer print")) {
		sink->columns(sink->arg, "name address");
		sink->record(sink->arg, "flags=X .id=*1 name=a address=1.2.3.4/32");
		sink->columns(sink->arg, "late columns are dropped");
		sink->record(sink->arg, "flags=\"\" .id=*2 name=\"b c\" address=::1/128");
		return 0;
	}
	if (!strcmp(line, "export")) {
		sink->text(sink->arg, "/ip ipsec peer");
		sink->text(sink->arg, "add address=1.2.3.4/32 name=a");
		return 0;
	}
	if (!strcmp(line, "big")) {
		char rec[64];

		for (int i = 0; i < BIG_RECORDS; i++) {
			snprintf(rec, sizeof(rec), ".id=*%x name=peer-number-%d", i, i);
			sink->record(sink->arg, rec);
		}
		return 0;
	}
	if (!strcmp(line, "bad")) {
		conf_diag_add(ds, CONF_WARNING, "ctl", 1, 1, "just saying");
		conf_diag_add(ds, CONF_ERROR, "ctl", 1, 5, "unknown command \"bad\"");
		return -EINVAL;
	}
	if (!strcmp(line, "perm"))
		return -EPERM;
	if (!strcmp(line, "later"))
		return -ENOTSUP;
	if (!strcmp(line, "boom"))
		return -EIO;
	return 0;
}

struct harness {
	char dir[64];
	char sub[96];
	char path[128];
	struct loop *l;
	struct ctl_server *s;
	int stop[2];
	struct loop_io *stop_io;
	pthread_t th;
	bool running;
};

static void stop_cb(struct loop_io *w, int fd, int events, void *arg)
{
	(void)w, (void)fd, (void)events;
	loop_break(arg);
}

static void *loop_thread(void *arg)
{
	struct harness *h = arg;

	loop_run(h->l);
	return NULL;
}

/* A fresh directory; the socket goes two levels below it, so the server creates them. */
static void h_paths(struct harness *h)
{
	memset(h, 0, sizeof(*h));
	strcpy(h->dir, "/tmp/check_ctl.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(h->dir));
	snprintf(h->sub, sizeof(h->sub), "%s/run", h->dir);
	snprintf(h->path, sizeof(h->path), "%s/ipsecd/ipsecd.sock", h->sub);
	h->l = loop_default();
	ck_assert_ptr_nonnull(h->l);
	calls_reset();
}

/* Runs the loop in a thread; from here on only sockets talk to it. */
static void h_run(struct harness *h)
{
	ck_assert_int_eq(pipe(h->stop), 0);
	h->stop_io = loop_io_new(h->l, h->stop[0], LOOP_READ, stop_cb, h->l);
	ck_assert_int_eq(pthread_create(&h->th, NULL, loop_thread, h), 0);
	h->running = true;
}

static void h_start(struct harness *h)
{
	char err[256];

	h_paths(h);
	h->s = ctl_server_new(h->l, h->path, fake_exec, &calls, err, sizeof(err));
	ck_assert_msg(h->s != NULL, "ctl_server_new: %s", err);
	h_run(h);
}

static void h_stop(struct harness *h)
{
	char dir2[160];

	if (h->running) {
		ck_assert_int_eq(write(h->stop[1], "x", 1), 1);
		ck_assert_int_eq(pthread_join(h->th, NULL), 0);
		loop_io_free(h->stop_io);
		close(h->stop[0]);
		close(h->stop[1]);
	}
	ctl_server_free(h->s);
	ck_assert_int_eq(access(h->path, F_OK), -1); /* the socket is gone */
	snprintf(dir2, sizeof(dir2), "%s/ipsecd", h->sub);
	rmdir(dir2);
	rmdir(h->sub);
	ck_assert_int_eq(rmdir(h->dir), 0);
}

static void collect(void *arg, char kind, const char *payload)
{
	sb_printf(arg, "%c %s\n", kind, payload);
}

/* One request through the real client; returns its status, the lines in got. */
static enum ctl_status request(struct harness *h, const char *line, struct strbuf *got, char *err,
			       size_t errlen)
{
	enum ctl_status st;
	int rc;

	sb_reset(got);
	rc = ctl_client_request(h->path, line, collect, got, &st, err, errlen);
	ck_assert_msg(rc == 0, "ctl_client_request: %s", err);
	return st;
}

static int raw_connect(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = 20};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_uint_lt(strlen(path), sizeof(sun.sun_path));
	memcpy(sun.sun_path, path, strlen(path) + 1);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Sends what the socket takes; the server may close early on purpose. */
static void raw_send(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/* Everything until EOF (or a reset after the reply: the server closed with our excess
 * request bytes unread). */
static char *raw_read_all(int fd)
{
	struct strbuf b = STRBUF_INIT;
	char chunk[4096];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		sb_add(&b, chunk, (size_t)n);
	ck_assert_msg(n == 0 || errno == ECONNRESET, "read: %s", strerror(errno));
	return sb_take(&b);
}

static unsigned my_flags(void)
{
	return geteuid() == 0 ? CONF_CTL_ROOT | CONF_CTL_SENSITIVE : 0;
}

START_TEST(test_server_roundtrip)
{
	struct harness h;
	struct strbuf got = STRBUF_INIT;
	struct stat st;
	char err[256];

	h_start(&h);
	ck_assert_int_eq(stat(h.path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0660);
	ck_assert_int_eq(stat(h.sub, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0755);

	ck_assert_int_eq(request(&h, "peer print", &got, err, sizeof(err)), CTL_OK);
	ck_assert_str_eq(sb_str(&got), "C name address\n"
				       "R flags=X .id=*1 name=a address=1.2.3.4/32\n"
				       "R flags=\"\" .id=*2 name=\"b c\" address=::1/128\n");
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(request(&h, "export", &got, err, sizeof(err)), CTL_OK);
	ck_assert_str_eq(sb_str(&got), "T /ip ipsec peer\nT add address=1.2.3.4/32 name=a\n");
	ck_assert_int_eq(request(&h, "peer set a comment=\"x y\"", &got, err, sizeof(err)), CTL_OK);
	ck_assert_str_eq(sb_str(&got), "");
	h_stop(&h);

	ck_assert_uint_eq(calls.n, 3);
	ck_assert_str_eq(calls.line[0], "peer print");
	ck_assert_str_eq(calls.line[2], "peer set a comment=\"x y\"");
	ck_assert_uint_eq(calls.flags[0], my_flags());
	sb_free(&got);
}
END_TEST

START_TEST(test_server_errors)
{
	struct harness h;
	struct strbuf got = STRBUF_INIT;
	char err[256];

	h_start(&h);
	ck_assert_int_eq(request(&h, "bad", &got, err, sizeof(err)), CTL_REFUSED);
	ck_assert_str_eq(sb_str(&got), "E ctl:1:1: warning: just saying\n"
				       "E ctl:1:5: error: unknown command \"bad\"\n");
	ck_assert_str_eq(err, "1 error");
	ck_assert_int_eq(request(&h, "perm", &got, err, sizeof(err)), CTL_DENIED);
	ck_assert_str_eq(err, "read-only access: changes need root");
	ck_assert_int_eq(request(&h, "later", &got, err, sizeof(err)), CTL_UNAVAILABLE);
	ck_assert_int_eq(request(&h, "boom", &got, err, sizeof(err)), CTL_INTERNAL);
	ck_assert_str_eq(err, strerror(EIO));
	ck_assert_str_eq(sb_str(&got), "");
	h_stop(&h);
	sb_free(&got);
}
END_TEST

START_TEST(test_server_oversized)
{
	struct harness h;
	struct strbuf got = STRBUF_INIT;
	size_t len = 70000;
	char *big = xmalloc(len + 1), *reply, err[256];
	int fd;

	memset(big, 'a', len);
	big[len] = '\0';
	h_start(&h);
	fd = raw_connect(h.path);
	raw_send(fd, big, len);
	reply = raw_read_all(fd);
	close(fd);
	ck_assert_str_eq(reply, "ERR refused request longer than 65535 bytes\n");
	free(reply);

	/* the same through the client, which goes on to read the reply when cut off */
	ck_assert_int_eq(request(&h, big, &got, err, sizeof(err)), CTL_REFUSED);
	ck_assert_str_eq(err, "request longer than 65535 bytes");

	/* the longest request that is allowed still is */
	big[CTL_MAX_REQUEST] = '\0';
	ck_assert_int_eq(request(&h, big, &got, err, sizeof(err)), CTL_OK);
	ck_assert_int_eq(request(&h, "peer print", &got, err, sizeof(err)), CTL_OK);
	h_stop(&h);
	ck_assert_uint_eq(calls.n, 2);
	ck_assert_uint_eq(strlen(calls.line[0]), CTL_MAX_REQUEST);
	free(big);
	sb_free(&got);
}
END_TEST

static char *raw_exchange(const char *path, const char *req, size_t len, bool shut)
{
	int fd = raw_connect(path);
	char *reply;

	raw_send(fd, req, len);
	if (shut)
		shutdown(fd, SHUT_WR);
	reply = raw_read_all(fd);
	close(fd);
	return reply;
}

START_TEST(test_server_malformed)
{
	struct harness h;
	char *reply;

	h_start(&h);
	reply = raw_exchange(h.path, "peer\0print\n", 11, false);
	ck_assert_str_eq(reply, "ERR refused the request contains a NUL byte\n");
	free(reply);
	reply = raw_exchange(h.path, "\n", 1, false);
	ck_assert_str_eq(reply, "ERR refused empty request\n");
	free(reply);
	/* gone before the newline: a cut-off command is never run, nothing is answered */
	reply = raw_exchange(h.path, "peer remove a", 13, true);
	ck_assert_str_eq(reply, "");
	free(reply);
	reply = raw_exchange(h.path, "", 0, true);
	ck_assert_str_eq(reply, "");
	free(reply);
	/* CRLF from a terminal tool; bytes after the newline are ignored */
	reply = raw_exchange(h.path, "peer print\r\nboom\n", 17, false);
	ck_assert_ptr_nonnull(strstr(reply, "R flags=X"));
	ck_assert_ptr_nonnull(strstr(reply, "\nOK\n"));
	free(reply);
	h_stop(&h);
	ck_assert_uint_eq(calls.n, 1);
	ck_assert_str_eq(calls.line[0], "peer print");
}
END_TEST

START_TEST(test_server_slow_client)
{
	struct harness h;
	struct strbuf got = STRBUF_INIT;
	char err[256], *reply;
	int slow, silent;

	h_start(&h);
	silent = raw_connect(h.path);
	slow = raw_connect(h.path);
	raw_send(slow, "peer pr", 7);
	/* both are open and unfinished, yet others are served */
	ck_assert_int_eq(request(&h, "export", &got, err, sizeof(err)), CTL_OK);
	ck_assert_int_eq(request(&h, "bad", &got, err, sizeof(err)), CTL_REFUSED);
	raw_send(slow, "int\n", 4);
	reply = raw_read_all(slow);
	ck_assert_ptr_nonnull(strstr(reply, "C name address\n"));
	ck_assert_ptr_nonnull(strstr(reply, "\nOK\n"));
	free(reply);
	close(slow);
	close(silent);
	h_stop(&h);
	ck_assert_uint_eq(calls.n, 3);
	ck_assert_str_eq(calls.line[2], "peer print");
	sb_free(&got);
}
END_TEST

static void count_records(void *arg, char kind, const char *payload)
{
	size_t *n = arg;
	char want[64];

	ck_assert_int_eq(kind, CTL_RECORD);
	snprintf(want, sizeof(want), ".id=*%zx name=peer-number-%zu", *n, *n);
	ck_assert_str_eq(payload, want);
	(*n)++;
}

START_TEST(test_server_big_reply)
{
	struct harness h;
	enum ctl_status st;
	size_t n = 0;
	char err[256];

	h_start(&h);
	/* about 700 KB: more than the socket buffer, so the server writes on LOOP_WRITE */
	ck_assert_int_eq(
		ctl_client_request(h.path, "big", count_records, &n, &st, err, sizeof(err)), 0);
	ck_assert_int_eq(st, CTL_OK);
	ck_assert_uint_eq(n, BIG_RECORDS);
	h_stop(&h);
}
END_TEST

/* A socket file nobody listens on, as a crashed daemon leaves it. */
static void make_stale_socket(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	ck_assert_uint_lt(strlen(path), sizeof(sun.sun_path));
	memcpy(sun.sun_path, path, strlen(path) + 1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
}

START_TEST(test_server_stale_socket)
{
	struct harness h;
	struct strbuf got = STRBUF_INIT;
	char err[256], dir2[160];
	enum ctl_status st;

	h_paths(&h);
	snprintf(dir2, sizeof(dir2), "%s/ipsecd", h.sub);
	ck_assert_int_eq(mkdir(h.sub, 0755), 0);
	ck_assert_int_eq(mkdir(dir2, 0700), 0);
	make_stale_socket(h.path);
	ck_assert_int_eq(ctl_client_request(h.path, "x", collect, &got, &st, err, sizeof(err)),
			 -ECONNREFUSED);
	h.s = ctl_server_new(h.l, h.path, fake_exec, &calls, err, sizeof(err));
	ck_assert_msg(h.s != NULL, "ctl_server_new: %s", err);
	h_run(&h);
	ck_assert_int_eq(request(&h, "export", &got, err, sizeof(err)), CTL_OK);
	h_stop(&h);
	sb_free(&got);
}
END_TEST

START_TEST(test_server_in_use)
{
	struct harness h;
	struct strbuf got = STRBUF_INIT;
	char err[256], want[256];

	h_start(&h);
	ck_assert_ptr_null(ctl_server_new(h.l, h.path, fake_exec, &calls, err, sizeof(err)));
	snprintf(want, sizeof(want), "control socket %s is in use by a running ipsecd", h.path);
	ck_assert_str_eq(err, want);
	/* the running one is untouched */
	ck_assert_int_eq(request(&h, "export", &got, err, sizeof(err)), CTL_OK);
	h_stop(&h);
	ck_assert_uint_eq(calls.n, 1); /* the probe sent no request */
	sb_free(&got);
}
END_TEST

START_TEST(test_server_not_a_socket)
{
	struct harness h;
	char err[256], dir2[160];
	FILE *f;

	h_paths(&h);
	snprintf(dir2, sizeof(dir2), "%s/ipsecd", h.sub);
	ck_assert_int_eq(mkdir(h.sub, 0755), 0);
	ck_assert_int_eq(mkdir(dir2, 0755), 0);
	f = fopen(h.path, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_ptr_null(ctl_server_new(h.l, h.path, fake_exec, &calls, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "exists and is not a socket"));
	ck_assert_int_eq(access(h.path, F_OK), 0); /* left alone */
	unlink(h.path);
	h_stop(&h);
}
END_TEST

/* Sets this thread's effective uid (and so what SO_PEERCRED reports for the sockets it
 * connects): the raw system call changes the calling thread only, so the loop's thread
 * stays root. Only root can; anyone else stays what it is. */
static void become(uid_t uid)
{
	if (uid != geteuid())
		ck_assert_int_eq(syscall(SYS_setresuid, -1, uid, -1), 0);
}

static int connect_as(const char *path, uid_t uid)
{
	uid_t was = geteuid();
	int fd;

	become(uid);
	fd = raw_connect(path);
	become(was);
	return fd;
}

static void refused_with(const char *path, uid_t uid, const char *want)
{
	int fd = connect_as(path, uid);
	char *reply = raw_read_all(fd);

	close(fd);
	ck_assert_str_eq(reply, want);
	free(reply);
}

/* One non-root user holds at most 8 connections; all users together at most 56 of the
 * 64, so silent connections (each held for the 30 s timeout) never lock root out. As
 * root the test plays seven users; otherwise it is the one user it is. */
START_TEST(test_server_user_limits)
{
	struct harness h;
	struct strbuf got = STRBUF_INIT;
	bool root = geteuid() == 0;
	uid_t me = geteuid(), u0 = root ? 60001 : me;
	int held[56];
	size_t n = 0;
	char err[256], want[160];
	enum ctl_status st = CTL_INTERNAL;

	h_start(&h);
	ck_assert_int_eq(chmod(h.dir, 0755), 0); /* reachable for the other uids */
	while (n < 8)
		held[n++] = connect_as(h.path, u0);
	snprintf(want, sizeof(want),
		 "ERR unavailable uid %u already has 8 control connections, the most for a user\n",
		 (unsigned)u0);
	refused_with(h.path, u0, want);
	if (root) {
		for (; n < 56; n++) /* uids u0 + 1 ... u0 + 6, 8 each */
			held[n] = connect_as(h.path, u0 + (uid_t)(n / 8));
		refused_with(h.path, u0 + 7,
			     "ERR unavailable the 56 control connections for users are taken; "
			     "the rest are kept for root\n");
		ck_assert_int_eq(request(&h, "peer print", &got, err, sizeof(err)), CTL_OK);
	}
	/* a connection that goes frees its slot (once the server has seen it go) */
	close(held[0]);
	for (int tries = 0; tries < 200 && st != CTL_OK; tries++) {
		become(u0);
		st = request(&h, "export", &got, err, sizeof(err));
		become(me);
		if (st != CTL_OK)
			usleep(10000);
	}
	ck_assert_int_eq(st, CTL_OK);
	while (n > 1)
		close(held[--n]);
	h_stop(&h);
	sb_free(&got);
}
END_TEST

START_TEST(test_client_unreachable)
{
	char err[256];
	enum ctl_status st;
	struct strbuf got = STRBUF_INIT;

	ck_assert_int_eq(ctl_client_request("/nonexistent/ipsecd.sock", "peer print", collect, &got,
					    &st, err, sizeof(err)),
			 -ENOENT);
	ck_assert_str_eq(
		err, "cannot reach ipsecd at /nonexistent/ipsecd.sock: No such file or directory");
	ck_assert_int_eq(ctl_client_request("/nonexistent/ipsecd.sock", "a\nb", collect, &got, &st,
					    err, sizeof(err)),
			 -EINVAL);
}
END_TEST

/* --- ipsecctl --- */

static void join_is(int argc, char *const argv[], const char *want)
{
	struct strbuf b = STRBUF_INIT;

	render_join_args(&b, argc, argv);
	ck_assert_str_eq(sb_str(&b), want);
	sb_free(&b);
}

START_TEST(test_join_args)
{
	char *a1[] = {"peer", "set", "office2", "comment=a b"};
	char *a2[] = {"/ip", "pool", "print", "where", "name=office2"};
	char *a3[] = {"peer", "add", "name=x", "comment=", "secret=x\"y", "passphrase=a=b;c"};
	char *a4[] = {"peer", "remove", "office 2", "comment=l1\nl2", "a\\b"};
	char *a5[] = {"export", "show-sensitive"};

	join_is(4, a1, "peer set office2 comment=\"a b\"");
	join_is(5, a2, "/ip pool print where name=office2");
	join_is(6, a3, "peer add name=x comment=\"\" secret=\"x\\\"y\" passphrase=\"a=b;c\"");
	join_is(5, a4, "peer remove \"office 2\" comment=\"l1\\nl2\" \"a\\\\b\"");
	join_is(2, a5, "export show-sensitive");
	join_is(0, a5, "");
}
END_TEST

static void json_is(const char *s, const char *want)
{
	struct strbuf b = STRBUF_INIT;

	render_json_string(&b, s);
	ck_assert_str_eq(sb_str(&b), want);
	sb_free(&b);
}

START_TEST(test_json_string)
{
	json_is("plain", "\"plain\"");
	json_is("", "\"\"");
	json_is("a\"b\\c/d", "\"a\\\"b\\\\c/d\"");
	json_is("\n\t\r\b\f\x01\x1f", "\"\\n\\t\\r\\b\\f\\u0001\\u001f\"");
	json_is("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92",
		"\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92\"");
	json_is("\xff", "\"\\ufffd\"");
	json_is("\xc0\xaf", "\"\\ufffd\\ufffd\"");			 /* overlong '/' */
	json_is("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");		 /* a surrogate */
	json_is("\xe2\x82", "\"\\ufffd\\ufffd\"");			 /* cut short */
	json_is("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* above U+10FFFF */
}
END_TEST

static void reply_fill(struct render_reply *r, const char *cols, const char *const *recs)
{
	*r = (struct render_reply){0};
	if (cols)
		render_reply_add(r, CTL_COLUMNS, cols);
	for (; recs && *recs; recs++)
		render_reply_add(r, CTL_RECORD, *recs);
}

START_TEST(test_render_json)
{
	static const char *const recs[] = {
		"flags=X .id=*1 name=a comment=\"say \\\"hi\\\"\"",
		".id=*2 name=b",
		NULL,
	};
	static const char *const bad[] = {"name=\"open", NULL};
	struct render_reply r;
	struct strbuf b = STRBUF_INIT;

	reply_fill(&r, "name", recs);
	ck_assert_int_eq(render_json(&b, &r), 0);
	ck_assert_str_eq(sb_str(&b), "[\n  {\"flags\": \"X\", \".id\": \"*1\", \"name\": \"a\", "
				     "\"comment\": \"say \\\"hi\\\"\"},\n"
				     "  {\".id\": \"*2\", \"name\": \"b\"}\n]\n");
	render_reply_free(&r);

	sb_reset(&b);
	reply_fill(&r, "name", NULL);
	ck_assert_int_eq(render_json(&b, &r), 0);
	ck_assert_str_eq(sb_str(&b), "[]\n");
	render_reply_free(&r);

	sb_reset(&b);
	reply_fill(&r, NULL, NULL);
	render_reply_add(&r, CTL_TEXT, "/ip ipsec peer");
	render_reply_add(&r, CTL_TEXT, "add name=\"a\"");
	ck_assert_int_eq(render_json(&b, &r), 0);
	ck_assert_str_eq(sb_str(&b),
			 "{\"text\": [\n  \"/ip ipsec peer\",\n  \"add name=\\\"a\\\"\"\n]}\n");
	sb_reset(&b);
	render_text(&b, &r);
	ck_assert_str_eq(sb_str(&b), "/ip ipsec peer\nadd name=\"a\"\n");
	render_reply_free(&r);

	reply_fill(&r, NULL, bad);
	ck_assert_int_eq(render_json(&b, &r), -EINVAL);
	ck_assert_int_eq(render_table(&b, &r), -EINVAL);
	ck_assert_int_eq(render_detail(&b, &r), -EINVAL);
	render_reply_free(&r);
	sb_free(&b);
}
END_TEST

START_TEST(test_render_table)
{
	static const char *const recs[] = {
		"flags=X .id=*1 name=office2 address=1.2.3.4/32 comment=\"a b\"",
		"flags=D .id=*2 name=b address=2001:db8::1/128",
		".id=*3 name=\"caf\xc3\xa9\" comment=\"0123456789012345678901234567890123456789x\"",
		NULL,
	};
	static const char *const noflags[] = {"name=a address=1.1.1.1", NULL};
	struct render_reply r;
	struct strbuf b = STRBUF_INIT;

	reply_fill(&r, "name address comment", recs);
	ck_assert_int_eq(render_table(&b, &r), 0);
	ck_assert_str_eq(sb_str(&b), "Flags: X - disabled, D - dynamic\n"
				     "#    NAME     ADDRESS          COMMENT\n"
				     "0 X  office2  1.2.3.4/32       a b\n"
				     "1 D  b        2001:db8::1/128\n"
				     "2    caf\xc3\xa9                      "
				     "0123456789012345678901234567890123456...\n");
	render_reply_free(&r);

	sb_reset(&b);
	reply_fill(&r, "name address", noflags);
	ck_assert_int_eq(render_table(&b, &r), 0);
	ck_assert_str_eq(sb_str(&b), "#  NAME  ADDRESS\n0  a     1.1.1.1\n");
	render_reply_free(&r);

	/* print where: the rows keep the numbers remove and set act on (.nr), in both layouts */
	static const char *const some[] = {".id=*4 .nr=3 name=c", ".id=*9 .nr=12 name=d", NULL};

	sb_reset(&b);
	reply_fill(&r, "name", some);
	ck_assert_int_eq(render_table(&b, &r), 0);
	ck_assert_str_eq(sb_str(&b), "#   NAME\n 3  c\n12  d\n");
	sb_reset(&b);
	ck_assert_int_eq(render_detail(&b, &r), 0);
	ck_assert_str_eq(sb_str(&b), " 3  name=c\n\n12  name=d\n");
	render_reply_free(&r);
	sb_free(&b);
}
END_TEST

START_TEST(test_render_detail)
{
	static const char *const recs[] = {
		"flags=X .id=*1 name=\"office2\" address=1.2.3.4/32 "
		"comment=\"a fairly long comment that goes on and on\" exchange-mode=ike2 "
		"passive=no send-initial-contact=yes",
		".id=*2 name=b secret=\"x y\"",
		NULL,
	};
	struct render_reply r;
	struct strbuf b = STRBUF_INIT;

	reply_fill(&r, "name address", recs);
	ck_assert_int_eq(render_detail(&b, &r), 0);
	ck_assert_str_eq(sb_str(&b),
			 "Flags: X - disabled\n"
			 " 0  X  name=\"office2\" address=1.2.3.4/32 "
			 "comment=\"a fairly long comment that goes on and on\"\n"
			 "       exchange-mode=ike2 passive=no send-initial-contact=yes\n"
			 "\n"
			 " 1     name=b secret=\"x y\"\n");
	render_reply_free(&r);

	/* no C line: print falls back to the detail layout */
	sb_reset(&b);
	reply_fill(&r, NULL, recs + 1);
	ck_assert_int_eq(render_table(&b, &r), 0);
	ck_assert_str_eq(sb_str(&b), " 0  name=b secret=\"x y\"\n");
	render_reply_free(&r);
	sb_free(&b);
}
END_TEST

static Suite *ctl_suite(void)
{
	Suite *s = suite_create("ctl");
	TCase *proto = tcase_create("proto");
	TCase *server = tcase_create("server");
	TCase *ipsecctl = tcase_create("ipsecctl");

	tcase_add_test(proto, test_encode_decode);
	tcase_add_test(proto, test_quote);
	tcase_add_test(proto, test_terse_roundtrip);
	tcase_add_test(proto, test_terse_split_forms);
	tcase_add_test(proto, test_cred_flags);
	tcase_add_test(proto, test_client_unreachable);
	tcase_add_test(server, test_server_roundtrip);
	tcase_add_test(server, test_server_errors);
	tcase_add_test(server, test_server_oversized);
	tcase_add_test(server, test_server_malformed);
	tcase_add_test(server, test_server_slow_client);
	tcase_add_test(server, test_server_big_reply);
	tcase_add_test(server, test_server_stale_socket);
	tcase_add_test(server, test_server_in_use);
	tcase_add_test(server, test_server_not_a_socket);
	tcase_add_test(server, test_server_user_limits);
	tcase_add_test(ipsecctl, test_join_args);
	tcase_add_test(ipsecctl, test_json_string);
	tcase_add_test(ipsecctl, test_render_json);
	tcase_add_test(ipsecctl, test_render_table);
	tcase_add_test(ipsecctl, test_render_detail);
	suite_add_tcase(s, proto);
	suite_add_tcase(s, server);
	suite_add_tcase(s, ipsecctl);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ctl_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
