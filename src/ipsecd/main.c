/* ipsecd: options, the pid file, daemonising, and the wiring of the configuration and
 * the control socket onto the event loop. SIGHUP reloads, SIGTERM/SIGINT stop. Readiness
 * (the parent of a daemonising start, or the service manager) is told once the kernel
 * has answered for the configuration's entries. */
#define _GNU_SOURCE /* F_OFD_SETLK */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "ipsecd/conf.h"
#include "ipsecd/crypto.h"
#include "ipsecd/ctl.h"
#include "ipsecd/ike.h"
#include "ipsecd/kernel.h"
#include "ipsecd/net.h"
#include "ipsecd/pki.h"
#include "ipsecd/sig.h"
#include "ipsecd/log.h"
#include "ipsecd/loop.h"
#include "creds.h"
#include "notify.h"
#include "runtime.h"
#include "spd.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define KEY_DEFAULT_DIR SYSCONFDIR "/ipsecd/keys"
/* Seconds readiness waits for the kernel's answers before it is reported all the same. */
#define READY_WAIT 30.0

struct daemon {
	const char *conf_path;
	const char *cert_dir; /* NULL: the default */
	const char *key_dir;  /* where key generate-key writes */
	const char *sock_path;
	const char *pid_path;
	struct conf *conf;
	struct loop *loop;
	struct ctl_server *ctl;
	struct kern *kern;
	struct spd *spd;
	struct loop_io *kern_io[2];
	struct net *net;
	struct loop_io *net_io[NET_MAX_FDS];
	size_t nnet;
	struct ike *ike;
	uint16_t ike_port, natt_port;
	struct runtime rt;
	struct conf_runtime runtime;
	int pid_fd;
	struct notify *notify;
	int ready_fd;		       /* the daemonising parent's pipe, until ready */
	bool ready_wanted;	       /* readiness is told once spd_inflight() is 0 */
	struct loop_timer *ready_wait; /* READY_WAIT: readiness told anyway */
};

static void usage(FILE *out)
{
	fprintf(out, "usage: ipsecd [-f FILE] [-F] [-n] [-d [TOPIC=]LEVEL]... [-S SOCKET] "
		     "[-p PIDFILE] [-P IKE,NATT] [-C DIR] [-K DIR] [-V]\n"
		     "  -f FILE     configuration (default " SYSCONFDIR "/ipsecd.conf)\n"
		     "  -F          stay in the foreground, log to stderr\n"
		     "  -n          check the configuration and exit (0 ok, 1 errors)\n"
		     "  -d          more logging (repeat); -d TOPIC=LEVEL for one topic\n"
		     "              topics: ike kernel config ctl net main;"
		     " levels: error warning info debug packet\n"
		     "  -S SOCKET   control socket (default " CTL_DEFAULT_SOCKET ")\n"
		     "  -p PIDFILE  pid file (default /run/ipsecd/ipsecd.pid)\n"
		     "  -P IKE,NATT UDP ports for IKE and NAT-T (default 500,4500)\n"
		     "  -C DIR      certificate directory (default " PKI_DEFAULT_DIR ")\n"
		     "  -K DIR      where key generate-key writes (default " KEY_DEFAULT_DIR ")\n"
		     "  -V          print the version and exit\n");
}

static void log_diags(const struct conf_diags *ds)
{
	char more[64];

	for (size_t i = 0; i < ds->n; i++) {
		const struct conf_diag *d = &ds->d[i];

		log_msg(LOG_CONFIG, d->sev == CONF_ERROR ? LOG_LVL_ERROR : LOG_LVL_WARNING, NULL,
			"%s:%u:%u: %s", d->file, d->line, d->col, d->msg);
	}
	if (conf_diags_more(ds, CONF_ERROR, more, sizeof(more)))
		log_error(LOG_CONFIG, NULL, "%s", more);
	if (conf_diags_more(ds, CONF_WARNING, more, sizeof(more)))
		log_warn(LOG_CONFIG, NULL, "%s", more);
}

struct diff_count {
	size_t added, removed, changed;
};

static void count_diff(enum conf_change what, const struct conf_item *o, const struct conf_item *n,
		       void *arg)
{
	struct diff_count *dc = arg;
	const struct conf_item *it = n ? n : o;

	dc->added += what == CONF_ADDED;
	dc->removed += what == CONF_REMOVED;
	dc->changed += what == CONF_CHANGED;
	log_debug(LOG_CONFIG, NULL, "%s %s item *%X", it->menu->path,
		  what == CONF_ADDED	 ? "added"
		  : what == CONF_REMOVED ? "removed"
					 : "changed",
		  it->id);
}

static void count_cred_items(enum conf_change what, const struct conf_item *o,
			     const struct conf_item *n, void *arg)
{
	const struct conf_item *it = o ? o : n;

	(void)what;
	*(bool *)arg |= it->menu->id == CONF_M_CERTIFICATE || it->menu->id == CONF_M_KEY ||
			it->menu->id == CONF_M_SETTINGS; /* insecure-key-files */
}

/* The credentials for next, read again when `always` or when its imports changed (the
 * flag `changed` says). On failure (the errors in ds) the running ones stay. */
static int refresh_creds(struct daemon *d, const struct conf *next, bool changed,
			 struct conf_diags *ds)
{
	struct creds *cr;
	int r;

	if (!changed && d->rt.creds)
		return 0;
	if ((r = creds_build(next, d->cert_dir, &cr, ds)) < 0)
		return r;
	creds_free(d->rt.creds);
	d->rt.creds = cr;
	return 0;
}

/* The engine takes a configuration: its settings' limits, then its peers and policies,
 * all of them, or (ch) what an ipsecctl change did to them. */
static void ike_configure(struct ike *ike, const struct conf *c, const struct conf_changes *ch)
{
	struct ike_limits lim;

	ike_limits_from_conf(c, &lim);
	ike_set_limits(ike, &lim);
	if (ch)
		ike_apply_changes(ike, c, ch);
	else
		ike_apply(ike, c);
}

/* A change made on d->conf in place (an accepted ipsecctl command, or a reload taken in
 * by conf_adopt): the kernel and the engine take what it did, and only that. */
static void apply_changes(struct daemon *d, struct conf_changes *ch, const char *why)
{
	struct diff_count dc = {0};

	conf_changes_walk(ch, count_diff, &dc);
	log_info(LOG_CONFIG, NULL, "%s: %zu added, %zu removed, %zu changed", why, dc.added,
		 dc.removed, dc.changed);
	spd_apply_changes(d->spd, d->conf, ch);
	if (d->ike)
		ike_configure(d->ike, d->conf, ch);
	runtime_radius_start(&d->rt, d->loop, d->conf); /* /radius changed: a new client */
	conf_changes_free(ch);
}

static void reload(struct daemon *d)
{
	struct conf_diags ds;

	conf_diags_init(&ds);
	struct conf *next = conf_load_file(d->conf_path, &ds);

	if (next && refresh_creds(d, next, true, &ds) < 0) {
		conf_free(next);
		next = NULL;
	}
	log_diags(&ds);
	if (!next)
		log_error(LOG_CONFIG, NULL, "reload of %s refused: %zu error(s); nothing changed",
			  d->conf_path, ds.nerrors);
	else
		apply_changes(d, conf_adopt(d->conf, next), "reload");
	conf_diags_free(&ds);
}

static int ctl_exec(void *arg, const char *line, unsigned flags, const struct conf_sink *sink,
		    struct conf_diags *ds)
{
	struct daemon *d = arg;
	struct conf_changes *ch = NULL;
	int r = conf_ctl_exec(&d->conf, line, flags, sink, &d->runtime, &ch, ds);

	if (r == 0 && ch) {
		bool creds = false;

		conf_changes_walk(ch, count_cred_items, &creds);
		if ((r = refresh_creds(d, d->conf, creds, ds)) < 0) {
			/* a file of an import failed: nothing changes */
			conf_changes_revert(d->conf, ch);
			return r;
		}
		apply_changes(d, ch, "ipsecctl");
	}
	if (d->rt.pending_change) {
		/* generate-key's import: the key joins the configuration like any other */
		char *change = d->rt.pending_change;

		d->rt.pending_change = NULL;
		if (r == 0)
			r = ctl_exec(d, change, flags, NULL, ds);
		free(change);
		runtime_pending_clear(&d->rt, r < 0);
	}
	return r;
}

/* Tells whoever waits that the daemon serves: the parent of a daemonising start (its
 * exit status) and the service manager (READY=1). */
static void report_ready(struct daemon *d)
{
	d->ready_wanted = false;
	loop_timer_free(d->ready_wait);
	d->ready_wait = NULL;
	if (d->ready_fd >= 0) {
		char ok = 1;

		if (write(d->ready_fd, &ok, 1) != 1)
			log_warn(LOG_MAIN, NULL, "could not report readiness to the parent");
		close(d->ready_fd);
		d->ready_fd = -1;
	}
	notify_ready(d->notify);
}

/* Readiness once the kernel has answered for every entry the last apply sent. */
static void ready_check(struct daemon *d)
{
	if (d->ready_wanted && !spd_inflight(d->spd))
		report_ready(d);
}

static void on_ready_wait(struct loop_timer *w, void *arg)
{
	struct daemon *d = arg;

	(void)w;
	log_warn(LOG_KERNEL, NULL,
		 "the kernel has not answered %zu requests in %.0f s; ready all the same",
		 spd_inflight(d->spd), READY_WAIT);
	report_ready(d);
}

static void ready_when_applied(struct daemon *d)
{
	d->ready_wanted = true;
	if (!d->ready_wait)
		d->ready_wait = loop_timer_new(d->loop, READY_WAIT, 0, on_ready_wait, d);
	ready_check(d);
}

/* STATUS=: what `systemctl status` shows, sent when it changes. */
static void count_peer(void *arg, const struct ike_peer_info *i)
{
	size_t *n = arg;

	n[0]++;
	n[1] += !strcmp(i->state, "established");
	n[2] += i->ph2_total;
}

static void status_line(void *arg, char *buf, size_t len)
{
	struct daemon *d = arg;
	size_t n[3] = {0}, sp = 0, sa = 0;

	if (d->ike)
		ike_walk(d->ike, count_peer, n);
	spd_counts(d->spd, &sp, &sa);
	snprintf(buf, len,
		 "peers: %zu configured; IKE SAs: %zu (%zu established); CHILD SAs: %zu; "
		 "kernel: %zu policies, %zu manual SAs",
		 d->conf ? conf_count(d->conf, CONF_M_PEER) : 0, n[0], n[1], n[2], sp, sa);
}

static void on_signal(struct loop_signal *w, int signum, void *arg)
{
	struct daemon *d = arg;

	if (signum == SIGHUP) {
		log_info(LOG_MAIN, NULL, "SIGHUP: reloading %s", d->conf_path);
		notify_reloading(d->notify);
		reload(d);
		ready_when_applied(d);
		return;
	}
	log_info(LOG_MAIN, NULL, "%s: stopping", strsignal(signum));
	notify_stopping(d->notify);
	loop_break(d->loop);
}

/* Locks the pid file so that a second instance refuses to start. The lock is an open
 * file description's (F_OFD_SETLK): the daemonising child inherits it, so it holds
 * while the parent waits and after the parent exits. */
static int pidfile_lock(struct daemon *d)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	char buf[32] = "";

	char *dir = strdup(d->pid_path), *slash = dir ? strrchr(dir, '/') : NULL;

	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755); /* /run/ipsecd may not exist yet; EEXIST is fine */
	}
	free(dir);
	d->pid_fd = open(d->pid_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (d->pid_fd < 0) {
		fprintf(stderr, "ipsecd: cannot open pid file %s: %s\n", d->pid_path,
			strerror(errno));
		return -1;
	}
	if (fcntl(d->pid_fd, F_OFD_SETLK, &fl) < 0) {
		ssize_t n = pread(d->pid_fd, buf, sizeof(buf) - 1, 0);

		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		fprintf(stderr, "ipsecd: another ipsecd (pid %s) holds %s\n", buf[0] ? buf : "?",
			d->pid_path);
		return -1;
	}
	return 0;
}

static void pidfile_write(struct daemon *d)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());

	if (ftruncate(d->pid_fd, 0) < 0 || pwrite(d->pid_fd, buf, (size_t)n, 0) != n)
		log_warn(LOG_MAIN, NULL, "cannot write pid file %s: %s", d->pid_path,
			 strerror(errno));
}

/* Forks; the parent waits for the child to report that it is serving, so a failed start
 * is the parent's exit status (systemd Type=forking). Returns the pipe's write end. */
static int daemonise(void)
{
	int p[2];
	char ok = 0;

	if (pipe(p) < 0)
		return -1;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(p[1]);
		ssize_t n = read(p[0], &ok, 1);

		_exit(n == 1 && ok == 1 ? 0 : 1);
	}
	close(p[0]);
	setsid();
	int fd = open("/dev/null", O_RDWR);

	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	return p[1];
}

static int check_only(const char *path)
{
	struct conf_diags ds;

	conf_diags_init(&ds);
	struct conf *c = conf_load_file(path, &ds);

	conf_diags_print(&ds, stderr);
	if (c)
		printf("%s: configuration ok (%zu warning(s))\n", path, ds.nwarnings);
	else
		fprintf(stderr, "%s: %zu error(s)\n", path, ds.nerrors);
	conf_diags_free(&ds);
	conf_free(c);
	return c ? 0 : 1;
}

/* "500,4500": the IKE port and the NAT-T port (0 = the kernel picks). */
static int parse_ports(const char *s, uint16_t *ike, uint16_t *natt)
{
	unsigned a, b;
	int n = 0;

	if (sscanf(s, "%u,%u%n", &a, &b, &n) != 2 || s[n] || a > 65535 || b > 65535 ||
	    (a && a == b))
		return -EINVAL;
	*ike = (uint16_t)a;
	*natt = (uint16_t)b;
	return 0;
}

static bool is_log_spec(const char *s)
{
	return s && s[0] != '-' && log_parse_spec(s) == 0;
}

static void on_kern_answer(struct loop_io *w, int fd, int events, void *arg)
{
	struct daemon *d = arg;

	(void)w, (void)fd, (void)events;
	kern_on_request_ready(d->kern);
	ready_check(d);
}

static void on_kern_event(struct loop_io *w, int fd, int events, void *arg)
{
	(void)w, (void)fd, (void)events;
	kern_on_event_ready(arg);
}

/* Opens the kernel interface, removes what an earlier ipsecd left there and installs
 * the configuration's policies. */
static int kernel_start(struct daemon *d)
{
	struct kern_events ev;
	int err = 0;

	d->rt = (struct runtime){.conf = &d->conf,
				 .key_dir = d->key_dir,
				 .creds = d->rt.creds, /* read with the configuration */
				 .proc_crypto = "/proc/crypto",
				 .xfrm_stat = "/proc/net/xfrm_stat"};
	runtime_events(&d->rt, &ev);
	runtime_ctl(&d->rt, &d->runtime);
	d->kern = kern_open(&ev, &err);
	if (!d->kern) {
		log_error(LOG_KERNEL, NULL, "cannot open the kernel's XFRM interface: %s",
			  strerror(-err));
		return -1;
	}
	d->rt.kern = d->kern;
	d->spd = d->rt.spd = spd_new(d->kern);
	d->kern_io[0] =
		loop_io_new(d->loop, kern_request_fd(d->kern), LOOP_READ, on_kern_answer, d);
	d->kern_io[1] =
		loop_io_new(d->loop, kern_event_fd(d->kern), LOOP_READ, on_kern_event, d->kern);
	err = spd_remove_leftovers(d->spd);
	if (err < 0)
		log_warn(LOG_KERNEL, NULL, "could not look for leftovers of an earlier run: %s",
			 strerror(-err));
	spd_apply(d->spd, d->conf);
	return 0;
}

static void kernel_stop(struct daemon *d)
{
	size_t sp = 0, sa = 0;

	if (!d->kern)
		return;
	spd_counts(d->spd, &sp, &sa);
	spd_free(d->spd); /* removes what it installed */
	log_info(LOG_KERNEL, NULL, "removed %zu policies and %zu SAs from the kernel", sp, sa);
	loop_io_free(d->kern_io[0]);
	loop_io_free(d->kern_io[1]);
	kern_close(d->kern);
	d->kern = NULL;
}

static void on_net(struct loop_io *w, int fd, int events, void *arg)
{
	(void)w, (void)events;
	net_on_ready(arg, fd);
}

static void on_datagram(void *arg, const struct net_pkt *p)
{
	struct daemon *d = arg;

	if (d->ike)
		ike_recv(d->ike, p);
}

/* The IKE sockets (exempt from the SPD) and the engine on top of them. */
static int ike_start(struct daemon *d)
{
	char err[256];
	int fds[NET_MAX_FDS], e = 0;

	if (crypto_init() < 0) {
		log_error(LOG_IKE, NULL, "OpenSSL could not be initialised");
		return -1;
	}
	d->net = net_open(d->ike_port, d->natt_port, 0, on_datagram, d, &e, err, sizeof(err));
	if (!d->net) {
		log_error(LOG_NET, NULL, "%s", err);
		return -1;
	}
	d->nnet = net_fds(d->net, fds, NET_MAX_FDS);
	for (size_t i = 0; i < d->nnet; i++)
		d->net_io[i] = loop_io_new(d->loop, fds[i], LOOP_READ, on_net, d->net);
	struct ike_deps deps = {.loop = d->loop,
				.kern = d->kern,
				.net = d->net,
				.policy_reqid = runtime_policy_reqid,
				.pki = runtime_pki,
				.key = runtime_key,
				.radius_auth = runtime_radius_auth,
				.radius_cancel = runtime_radius_cancel,
				.radius_acct = runtime_radius_acct,
				.sa_counters = runtime_sa_counters,
				.arg = &d->rt};

	runtime_radius_start(&d->rt, d->loop, d->conf); /* a failure is logged: EAP refuses */
	d->ike = d->rt.ike = ike_new(&deps);
	if (!d->ike)
		return -1;
	ike_configure(d->ike, d->conf, NULL);
	log_info(LOG_NET, NULL, "IKE on UDP ports %u and %u", net_port(d->net, false),
		 net_port(d->net, true));
	return 0;
}

static void ike_stop(struct daemon *d)
{
	ike_free(d->ike); /* deletes sent, the kernel's SAs removed */
	d->ike = d->rt.ike = NULL;
	runtime_radius_stop(&d->rt); /* after the engine: its SAs cancelled their requests */
	for (size_t i = 0; i < d->nnet; i++)
		loop_io_free(d->net_io[i]);
	d->nnet = 0;
	net_close(d->net);
	d->net = NULL;
}

static int run(struct daemon *d, bool foreground)
{
	char err[256];
	struct conf_diags ds;

	conf_diags_init(&ds);
	d->conf = conf_load_file(d->conf_path, &ds);
	conf_diags_print(&ds, stderr); /* with -F, that is the log */
	if (!foreground)
		log_diags(&ds); /* warnings about what the daemon will not do belong there too */
	conf_diags_free(&ds);
	conf_diags_init(&ds);
	if (d->conf && refresh_creds(d, d->conf, true, &ds) < 0) {
		conf_diags_print(&ds, stderr);
		fprintf(stderr, "ipsecd: certificates or keys could not be read; not starting\n");
		conf_diags_free(&ds);
		return 1;
	}
	if (!d->conf) {
		fprintf(stderr, "ipsecd: %s has errors; not starting\n", d->conf_path);
		return 1;
	}
	if (pidfile_lock(d) < 0)
		return 1;
	if (!foreground && (d->ready_fd = daemonise()) < 0) {
		fprintf(stderr, "ipsecd: cannot daemonise: %s\n", strerror(errno));
		return 1;
	}
	d->loop = loop_default();
	/* The control socket first: a second ipsecd must stop before it touches the kernel
	 * entries of the one already running (it would take them for leftovers). */
	d->ctl = ctl_server_new(d->loop, d->sock_path, ctl_exec, d, err, sizeof(err));
	if (!d->ctl) {
		log_error(LOG_MAIN, NULL, "%s", err);
		if (foreground)
			fprintf(stderr, "ipsecd: %s\n", err);
		unlink(d->pid_path);
		return 1;
	}
	if (kernel_start(d) < 0 || ike_start(d) < 0) {
		if (foreground)
			fprintf(stderr, "ipsecd: cannot start: see the log above\n");
		ike_stop(d);
		kernel_stop(d);
		ctl_server_free(d->ctl);
		unlink(d->pid_path);
		return 1;
	}
	pidfile_write(d);
	struct loop_signal *sig[3] = {loop_signal_new(d->loop, SIGHUP, on_signal, d),
				      loop_signal_new(d->loop, SIGTERM, on_signal, d),
				      loop_signal_new(d->loop, SIGINT, on_signal, d)};

	log_info(LOG_MAIN, NULL, "ipsecd %s started: %s, control socket %s", PACKAGE_VERSION,
		 d->conf_path, d->sock_path);
	d->notify = notify_open(d->loop, status_line, d);
	ready_when_applied(d);
	loop_run(d->loop);
	for (int i = 0; i < 3; i++)
		loop_signal_free(sig[i]);
	loop_timer_free(d->ready_wait);
	notify_free(d->notify);
	ctl_server_free(d->ctl);
	ike_stop(d);
	kernel_stop(d);
	unlink(d->pid_path);
	close(d->pid_fd);
	conf_free(d->conf);
	creds_free(d->rt.creds);
	sig_cache_clear();
	log_info(LOG_MAIN, NULL, "stopped");
	return 0;
}

int main(int argc, char **argv)
{
	struct daemon d = {.conf_path = SYSCONFDIR "/ipsecd.conf",
			   .key_dir = KEY_DEFAULT_DIR,
			   .sock_path = CTL_DEFAULT_SOCKET,
			   .pid_path = "/run/ipsecd/ipsecd.pid",
			   .pid_fd = -1,
			   .ready_fd = -1,
			   .ike_port = 500,
			   .natt_port = 4500};
	bool foreground = false, check = false;
	int verbosity = LOG_LVL_INFO, opt;
	static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {0}};

	if (getenv("IPSECD_SOCKET"))
		d.sock_path = getenv("IPSECD_SOCKET");
	log_init("ipsecd", false, LOG_LVL_INFO);
	while ((opt = getopt_long(argc, argv, "f:Fnd::S:p:P:C:K:Vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'C':
			d.cert_dir = optarg;
			break;
		case 'K':
			d.key_dir = optarg;
			break;
		case 'f':
			d.conf_path = optarg;
			break;
		case 'F':
			foreground = true;
			break;
		case 'n':
			check = true;
			break;
		case 'd':
			if (optarg || is_log_spec(argv[optind])) {
				const char *spec = optarg ? optarg : argv[optind++];

				if (log_parse_spec(spec) < 0) {
					fprintf(stderr, "ipsecd: bad -d %s\n", spec);
					return 1;
				}
			} else if (verbosity < LOG_LVL_PACKET) {
				log_init("ipsecd", false, (enum log_level)++ verbosity);
			}
			break;
		case 'S':
			d.sock_path = optarg;
			break;
		case 'p':
			d.pid_path = optarg;
			break;
		case 'P':
			if (parse_ports(optarg, &d.ike_port, &d.natt_port) < 0) {
				fprintf(stderr,
					"ipsecd: bad -P %s: want PORT,NATT-PORT (e.g. 500,4500)\n",
					optarg);
				return 1;
			}
			break;
		case 'V':
			printf("ipsecd %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ipsecd: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 1;
	}
	if (check)
		return check_only(d.conf_path);
	signal(SIGPIPE, SIG_IGN);
	if (!foreground)
		log_open_syslog("ipsecd");
	return run(&d, foreground);
}
