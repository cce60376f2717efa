/* ctl: the control socket (DESIGN.md §3). A client sends one command line in the
 * configuration language, terminated by '\n'; the daemon answers with reply lines and
 * closes the connection:
 *
 *	C <column names>	columns a table view shows (at most once, before records)
 *	R <terse record>	one item: "flags=XD .id=*3 name=a address=1.2.3.4/32 ..."
 *	T <text>		free text (export)
 *	E <diagnostic>		"FILE:LINE:COL: error: ..." (errors and warnings)
 *	OK | ERR <class> <reason>	the final status line
 *
 * The framing (proto.c) is shared by the server (server.c, on the loop) and by the
 * blocking client that ipsecctl uses. */
#ifndef IPSECD_CTL_H
#define IPSECD_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct loop;
struct conf_sink;
struct conf_diags;
struct strbuf;

#ifndef CTL_DEFAULT_SOCKET
#define CTL_DEFAULT_SOCKET "/run/ipsecd/ipsecd.sock"
#endif

/* Longest request line the server accepts, the terminating '\n' excluded. */
#define CTL_MAX_REQUEST (64 * 1024 - 1)

/* Reply line kinds: the first character of a line. */
enum {
	CTL_COLUMNS = 'C',
	CTL_RECORD = 'R',
	CTL_TEXT = 'T',
	CTL_DIAG = 'E',
	CTL_STATUS = 'S', /* decoded "OK" / "ERR ..." lines; never on the wire as 'S' */
};

enum ctl_status {
	CTL_OK,
	CTL_REFUSED,	 /* the command is wrong (-EINVAL) */
	CTL_DENIED,	 /* the caller may not do this (-EPERM) */
	CTL_UNAVAILABLE, /* no data for this yet (-ENOTSUP) */
	CTL_INTERNAL,	 /* anything else */
};

/* --- framing (proto.c) --- */

/* "OK", "refused", "denied", "unavailable", "internal". */
const char *ctl_status_name(enum ctl_status st);
/* Maps a conf_ctl_exec()-style return value to a status. */
enum ctl_status ctl_status_from_rc(int rc);

/* Appends one reply line "K payload\n". A payload holding newlines becomes several lines
 * of the same kind (records never do: their values are quoted with escapes). */
void ctl_encode_line(struct strbuf *out, char kind, const char *payload);
/* Appends "OK\n" or "ERR <class> <reason>\n"; newlines in reason become spaces. */
void ctl_encode_status(struct strbuf *out, enum ctl_status st, const char *reason);

struct ctl_line {
	char kind;		/* CTL_COLUMNS ... CTL_DIAG, or CTL_STATUS */
	enum ctl_status status; /* CTL_STATUS only */
	const char *payload;	/* points into the decoded line; the reason for a status */
};
/* Decodes one reply line (without its '\n'). Returns 0 or -EINVAL when it is none of the
 * above. */
int ctl_decode_line(const char *line, struct ctl_line *out);

/* Value quoting, as the configuration language writes values: a value that is empty or
 * holds whitespace, '"', '=', ';', '\\' or a control character is double-quoted, with
 * \" \\ \n \r \t escapes and \HH (two hex digits) for other control characters. */
bool ctl_needs_quote(const char *val);
void ctl_quote(struct strbuf *out, const char *val);

/* One key=value pair of a terse record. val is NULL for a bare word without '='. */
struct ctl_kv {
	char *key;
	char *val;
	bool quoted; /* the value was written in double quotes */
};

struct ctl_record {
	struct ctl_kv *kv;
	size_t n, cap;
	char *arena; /* every key and value, one allocation per record */
	size_t used;
};

/* Splits a terse record into its pairs, in order, undoing the quoting above (it also
 * accepts RouterOS's \_ \$ \? \a \b \f \v escapes). Returns 0, or -EINVAL on an
 * unterminated quote or a bad escape (rec is then empty). rec is the caller's, freed with
 * ctl_record_free(). */
int ctl_terse_split(const char *terse, struct ctl_record *rec);
void ctl_record_free(struct ctl_record *rec);
/* The value of the first pair named key, or NULL. */
const char *ctl_record_get(const struct ctl_record *rec, const char *key);

/* --- client (proto.c): blocking, for ipsecctl --- */

typedef void (*ctl_line_fn)(void *arg, char kind, const char *payload);

/* Connects to path, sends line (which must not contain '\n') and calls on_line for every
 * C, R, T and E line of the reply, in order. Returns 0 with *status set (for an ERR
 * status err holds its reason; "" for OK), or a negative errno when the daemon could not
 * be reached or the reply broke off, with err saying so ("cannot reach ipsecd at PATH:
 * No such file or directory"). */
int ctl_client_request(const char *path, const char *line, ctl_line_fn on_line, void *arg,
		       enum ctl_status *status, char *err, size_t errlen);

/* --- server (server.c) --- */

/* Runs one request for a caller with flags CONF_CTL_*; writes output through sink and
 * errors into ds. Returns like conf_ctl_exec(): 0, -EINVAL, -EPERM, -ENOTSUP, other. */
typedef int (*ctl_exec_fn)(void *arg, const char *line, unsigned flags,
			   const struct conf_sink *sink, struct conf_diags *ds);

struct ctl_server;

/* Listens on path (mode 0660; the parent directory is created with mode 0755 if missing)
 * and serves requests on loop l through fn. A stale socket file is replaced; a socket a
 * running daemon answers on is not. Returns the server, or NULL with err saying why.
 * Free with ctl_server_free(), which closes every connection and unlinks the socket. */
struct ctl_server *ctl_server_new(struct loop *l, const char *path, ctl_exec_fn fn, void *arg,
				  char *err, size_t errlen);
void ctl_server_free(struct ctl_server *s);

/* The CONF_CTL_* flags of a caller with the given credentials, or -EPERM when it may not
 * use the socket: uid 0 may change things and see secrets; a member of sock_gid (primary
 * or supplementary group) may print; anyone else is refused. */
int ctl_cred_flags(uid_t uid, gid_t gid, const gid_t *groups, size_t ngroups, gid_t sock_gid);

#endif
