/* ctl server: the daemon's end of the control socket. Accepts on the loop, checks the
 * caller's credentials, reads one request line, runs it through the daemon's exec
 * callback and writes the buffered reply without blocking; every connection is on its
 * own, so a slow or silent client only holds its own descriptor (until the timeout). */
#define _GNU_SOURCE /* struct ucred */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ipsecd/conf.h"
#include "ipsecd/ctl.h"
#include "ipsecd/log.h"
#include "ipsecd/loop.h"
#include "ipsecd/strbuf.h"

#define CTL_MAX_CONNS	 64    /* connections served at once; more are turned away */
#define CTL_ROOT_ONLY	 8     /* of those, kept for root: a group member cannot lock it out */
#define CTL_MAX_PER_USER 8     /* connections one non-root uid may hold at once */
#define CTL_CONN_TIMEOUT 30.0  /* seconds a connection may take, request and reply */
#define CTL_ACCEPT_PAUSE 1.0   /* seconds accepting rests after running out of fds */
#define CTL_MAX_GROUPS	 65536 /* NGROUPS_MAX on Linux */
#define NO_GID		 ((gid_t)-1)

struct ctl_conn {
	struct ctl_server *srv;
	struct ctl_conn *prev, *next;
	int fd;
	struct loop_io *io;
	struct loop_timer *timer;
	uid_t uid;
	pid_t pid;
	unsigned flags;	   /* CONF_CTL_* */
	bool columns_sent; /* a C line was sent, or a record (columns come first) */
	struct strbuf in;  /* the request, until its '\n' */
	struct strbuf out; /* the whole reply; non-empty once the request was handled */
	size_t off;	   /* how much of out was written */
};

struct ctl_server {
	struct loop *loop;
	int fd;
	struct loop_io *io;
	struct loop_timer *pause; /* set while accepting rests after EMFILE */
	char *path;
	dev_t dev; /* the socket file we created: unlinked on free only if still ours */
	ino_t ino;
	ctl_exec_fn fn;
	void *arg;
	struct ctl_conn *conns;
	size_t nconns;
};

int ctl_cred_flags(uid_t uid, gid_t gid, const gid_t *groups, size_t ngroups, gid_t sock_gid)
{
	if (uid == 0)
		return CONF_CTL_ROOT | CONF_CTL_SENSITIVE;
	if (sock_gid == NO_GID)
		return -EPERM;
	if (gid == sock_gid)
		return 0;
	for (size_t i = 0; i < ngroups; i++)
		if (groups[i] == sock_gid)
			return 0;
	return -EPERM;
}

/* --- connections --- */

static void conn_free(struct ctl_conn *c)
{
	struct ctl_server *s = c->srv;

	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconns--;
	loop_io_free(c->io);
	loop_timer_free(c->timer);
	close(c->fd);
	sb_free(&c->in);
	sb_clear_free(&c->out); /* may hold secrets (show-sensitive) */
	free(c);
}

/* Writes what it can of the reply; closes the connection when all is out. */
static void conn_flush(struct ctl_conn *c)
{
	while (c->off < c->out.len) {
		ssize_t n = send(c->fd, c->out.s + c->off, c->out.len - c->off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			loop_io_set(c->io, LOOP_WRITE);
			return;
		}
		if (n < 0) {
			log_debug(LOG_CTL, NULL, "uid %u pid %d: reply not delivered: %s",
				  (unsigned)c->uid, (int)c->pid, strerror(errno));
			break;
		}
		c->off += (size_t)n;
	}
	conn_free(c);
}

static void conn_reply(struct ctl_conn *c, enum ctl_status st, const char *reason)
{
	ctl_encode_status(&c->out, st, reason);
	log_debug(LOG_CTL, NULL, "uid %u pid %d: %s%s%s", (unsigned)c->uid, (int)c->pid,
		  ctl_status_name(st), st == CTL_OK ? "" : ": ", st == CTL_OK ? "" : reason);
	conn_flush(c);
}

static void sink_columns(void *arg, const char *cols)
{
	struct ctl_conn *c = arg;

	if (c->columns_sent)
		return; /* the protocol has one C line, before the records */
	c->columns_sent = true;
	ctl_encode_line(&c->out, CTL_COLUMNS, cols);
}

static void sink_record(void *arg, const char *terse)
{
	struct ctl_conn *c = arg;

	c->columns_sent = true;
	ctl_encode_line(&c->out, CTL_RECORD, terse);
}

static void sink_text(void *arg, const char *line)
{
	struct ctl_conn *c = arg;

	ctl_encode_line(&c->out, CTL_TEXT, line);
}

static void encode_diags(struct strbuf *out, const struct conf_diags *ds)
{
	struct strbuf b = STRBUF_INIT;
	char more[64];

	for (size_t i = 0; i < ds->n; i++) {
		const struct conf_diag *d = &ds->d[i];

		sb_reset(&b);
		sb_printf(&b, "%s:%u:%u: %s: %s", d->file ? d->file : "-", d->line, d->col,
			  d->sev == CONF_ERROR ? "error" : "warning", d->msg ? d->msg : "");
		ctl_encode_line(out, CTL_DIAG, sb_str(&b));
	}
	for (int sev = CONF_ERROR; sev <= CONF_WARNING; sev++)
		if (conf_diags_more(ds, (enum conf_sev)sev, more, sizeof(more)))
			ctl_encode_line(out, CTL_DIAG, more);
	sb_free(&b);
}

/* The reason on the status line; the E lines before it carry the details. */
static void status_reason(char *buf, size_t len, int rc, const struct conf_diags *ds)
{
	if (ds->nerrors && (rc == -EINVAL || rc == -EPERM)) {
		snprintf(buf, len, "%zu error%s", ds->nerrors, ds->nerrors == 1 ? "" : "s");
		return;
	}
	switch (ctl_status_from_rc(rc)) {
	case CTL_REFUSED:
		snprintf(buf, len, "invalid command");
		break;
	case CTL_DENIED:
		snprintf(buf, len, "read-only access: changes need root");
		break;
	case CTL_UNAVAILABLE:
		snprintf(buf, len, "not available yet");
		break;
	default:
		snprintf(buf, len, "%s", strerror(rc < 0 ? -rc : rc));
		break;
	}
}

static void conn_exec(struct ctl_conn *c, const char *line)
{
	struct conf_sink sink = {sink_columns, sink_record, sink_text, c};
	struct conf_diags ds;
	char reason[256];
	int rc;

	conf_diags_init(&ds);
	rc = c->srv->fn(c->srv->arg, line, c->flags, &sink, &ds);
	encode_diags(&c->out, &ds);
	status_reason(reason, sizeof(reason), rc, &ds);
	conf_diags_free(&ds);
	conn_reply(c, ctl_status_from_rc(rc), reason);
}

/* The request line is complete in c->in (its '\n' dropped). */
static void conn_request(struct ctl_conn *c)
{
	char *line = c->in.s;
	size_t len = c->in.len;

	loop_io_set(c->io, 0);
	if (len && line[len - 1] == '\r')
		line[--len] = '\0';
	if (memchr(line, '\0', len))
		conn_reply(c, CTL_REFUSED, "the request contains a NUL byte");
	else if (!len)
		conn_reply(c, CTL_REFUSED, "empty request");
	else
		conn_exec(c, line);
}

static void conn_read(struct ctl_conn *c)
{
	char buf[4096];

	for (;;) {
		size_t room = CTL_MAX_REQUEST + 1 - c->in.len;
		const char *nl;
		ssize_t n;

		if (!room) {
			char reason[64];

			snprintf(reason, sizeof(reason), "request longer than %d bytes",
				 CTL_MAX_REQUEST);
			conn_reply(c, CTL_REFUSED, reason);
			return;
		}
		n = read(c->fd, buf, room < sizeof(buf) ? room : sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			/* gone before the '\n': a partial command is never run */
			conn_free(c);
			return;
		}
		nl = memchr(buf, '\n', (size_t)n);
		sb_add(&c->in, buf, nl ? (size_t)(nl - buf) : (size_t)n);
		if (nl) {
			conn_request(c);
			return;
		}
	}
}

static void conn_io(struct loop_io *w, int fd, int events, void *arg)
{
	struct ctl_conn *c = arg;

	(void)w, (void)fd, (void)events;
	if (c->out.len)
		conn_flush(c);
	else
		conn_read(c);
}

static void conn_timeout(struct loop_timer *w, void *arg)
{
	struct ctl_conn *c = arg;

	(void)w;
	log_debug(LOG_CTL, NULL, "uid %u pid %d: connection timed out", (unsigned)c->uid,
		  (int)c->pid);
	conn_free(c);
}

/* --- credentials --- */

/* The peer's supplementary groups; *n = 0 when the kernel cannot tell (before 4.13). */
static gid_t *peer_groups(int fd, size_t *n)
{
	socklen_t len = 64 * sizeof(gid_t);
	gid_t *g = NULL;

	*n = 0;
#ifdef SO_PEERGROUPS
	for (;;) {
		g = xrealloc(g, len);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) == 0) {
			*n = len / sizeof(gid_t);
			return g;
		}
		if (errno != ERANGE || len > CTL_MAX_GROUPS * sizeof(gid_t))
			break;
	}
#endif
	return g;
}

/* The group of the socket file, which the administrator may have changed since. */
static gid_t sock_group(const struct ctl_server *s)
{
	struct stat st;

	if (stat(s->path, &st) < 0 || st.st_dev != s->dev || st.st_ino != s->ino)
		return NO_GID;
	return st.st_gid;
}

static int conn_creds(struct ctl_conn *c)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	gid_t *groups, sgid;
	size_t ngroups;
	int flags;

	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0) {
		log_warn(LOG_CTL, NULL, "control connection without credentials: %s",
			 strerror(errno));
		return -EPERM;
	}
	c->uid = uc.uid;
	c->pid = uc.pid;
	groups = peer_groups(c->fd, &ngroups);
	sgid = sock_group(c->srv);
	flags = ctl_cred_flags(uc.uid, uc.gid, groups, ngroups, sgid);
	free(groups);
	if (flags < 0)
		log_info(LOG_CTL, NULL,
			 "refused control connection from uid %u (pid %d): "
			 "not root and not in the socket's group",
			 (unsigned)uc.uid, (int)uc.pid);
	return flags;
}

/* --- listening --- */

/* Whether c, whose credentials are known, may take a slot; if not, why not in reason.
 * Root may use every slot; other users share all but CTL_ROOT_ONLY of them, each uid at
 * most CTL_MAX_PER_USER, so a group member holding connections for CTL_CONN_TIMEOUT
 * delays only itself and others of its kind. */
static bool conn_admit(const struct ctl_server *s, const struct ctl_conn *c, char *reason,
		       size_t len)
{
	size_t total = 0, users = 0, same = 0;

	for (const struct ctl_conn *o = s->conns; o; o = o->next) {
		if (o == c)
			continue;
		total++;
		users += o->uid != 0;
		same += o->uid == c->uid;
	}
	if (total >= CTL_MAX_CONNS)
		snprintf(reason, len, "too many control connections (%d)", CTL_MAX_CONNS);
	else if (c->uid != 0 && same >= CTL_MAX_PER_USER)
		snprintf(reason, len,
			 "uid %u already has %d control connections, the most for "
			 "a user",
			 (unsigned)c->uid, CTL_MAX_PER_USER);
	else if (c->uid != 0 && users >= CTL_MAX_CONNS - CTL_ROOT_ONLY)
		snprintf(reason, len,
			 "the %d control connections for users are taken; the "
			 "rest are kept for root",
			 CTL_MAX_CONNS - CTL_ROOT_ONLY);
	else
		return true;
	return false;
}

static void conn_new(struct ctl_server *s, int fd)
{
	struct ctl_conn *c = xcalloc(1, sizeof(*c));
	char reason[128];
	int flags;

	c->srv = s;
	c->fd = fd;
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;
	c->io = loop_io_new(s->loop, fd, LOOP_READ, conn_io, c);
	c->timer = loop_timer_new(s->loop, CTL_CONN_TIMEOUT, 0, conn_timeout, c);
	flags = conn_creds(c);
	if (flags < 0) {
		conn_reply(c, CTL_DENIED, "not root and not in the control socket's group");
		return;
	}
	if (!conn_admit(s, c, reason, sizeof(reason))) {
		log_warn(LOG_CTL, NULL, "turned away a control connection from uid %u (pid %d): %s",
			 (unsigned)c->uid, (int)c->pid, reason);
		conn_reply(c, CTL_UNAVAILABLE, reason);
		return;
	}
	c->flags = (unsigned)flags;
}

static void accept_resume(struct loop_timer *w, void *arg)
{
	struct ctl_server *s = arg;

	(void)w;
	loop_timer_free(s->pause);
	s->pause = NULL;
	loop_io_set(s->io, LOOP_READ);
}

static void accept_io(struct loop_io *w, int lfd, int events, void *arg)
{
	struct ctl_server *s = arg;

	(void)w, (void)events;
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			conn_new(s, fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		log_warn(LOG_CTL, NULL, "control socket %s: accept: %s", s->path, strerror(errno));
		/* EMFILE and friends: the listener stays readable, so rest instead of spinning */
		loop_io_set(s->io, 0);
		s->pause = loop_timer_new(s->loop, CTL_ACCEPT_PAUSE, 0, accept_resume, s);
		return;
	}
}

/* Creates the directories above path that are missing (mode 0755). */
static int make_parents(const char *path, char *err, size_t errlen)
{
	char *dir = xstrdup(path);
	int rc = 0;

	for (char *p = strchr(dir + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(dir, 0755) == 0) {
			chmod(dir, 0755); /* whatever the umask */
		} else if (errno != EEXIST) {
			rc = -errno;
			snprintf(err, errlen,
				 "cannot create directory %s for the control socket: %s", dir,
				 strerror(errno));
			break;
		}
		*p = '/';
	}
	free(dir);
	return rc;
}

/* Frees path for bind(): removes a stale socket, refuses one a daemon answers on. */
static int claim_path(const char *path, const struct sockaddr_un *sun, char *err, size_t errlen)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "control socket %s: %s", path, strerror(errno));
		return -errno;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "control socket %s: exists and is not a socket", path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "control socket %s: %s", path, strerror(errno));
		return -errno;
	}
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0 ? 0 : -errno;
	close(fd);
	if (rc == 0 || rc == -EAGAIN) { /* EAGAIN: alive, its backlog full */
		snprintf(err, errlen, "control socket %s is in use by a running ipsecd", path);
		return -EADDRINUSE;
	}
	if (rc != -ECONNREFUSED) {
		snprintf(err, errlen, "control socket %s: %s", path, strerror(-rc));
		return rc;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove stale control socket %s: %s", path,
			 strerror(errno));
		return -errno;
	}
	log_info(LOG_CTL, NULL, "removed stale control socket %s", path);
	return 0;
}

static int listen_on(struct ctl_server *s, const struct sockaddr_un *sun, char *err, size_t errlen)
{
	struct stat st;
	int rc;

	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0 || bind(s->fd, (const struct sockaddr *)sun, sizeof(*sun)) < 0)
		goto fail;
	if (stat(s->path, &st) == 0) { /* from here on, ctl_server_free() unlinks it */
		s->dev = st.st_dev;
		s->ino = st.st_ino;
	}
	if (chmod(s->path, 0660) < 0 || listen(s->fd, 32) < 0)
		goto fail;
	return 0;
fail:
	rc = -errno;
	snprintf(err, errlen, "control socket %s: %s", s->path, strerror(errno));
	return rc;
}

struct ctl_server *ctl_server_new(struct loop *l, const char *path, ctl_exec_fn fn, void *arg,
				  char *err, size_t errlen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct ctl_server *s;

	if (strlen(path) >= sizeof(sun.sun_path) || !*path) {
		snprintf(err, errlen, "control socket path \"%s\" is empty or too long", path);
		return NULL;
	}
	strcpy(sun.sun_path, path);
	if (make_parents(path, err, errlen) < 0 || claim_path(path, &sun, err, errlen) < 0)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->loop = l;
	s->path = xstrdup(path);
	s->fn = fn;
	s->arg = arg;
	if (listen_on(s, &sun, err, errlen) < 0) {
		ctl_server_free(s);
		return NULL;
	}
	s->io = loop_io_new(l, s->fd, LOOP_READ, accept_io, s);
	log_debug(LOG_CTL, NULL, "listening on %s", path);
	return s;
}

void ctl_server_free(struct ctl_server *s)
{
	struct stat st;

	if (!s)
		return;
	while (s->conns)
		conn_free(s->conns);
	loop_io_free(s->io);
	loop_timer_free(s->pause);
	if (s->fd >= 0) {
		close(s->fd);
		if (s->ino && stat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
			unlink(s->path);
	}
	free(s->path);
	free(s);
}
