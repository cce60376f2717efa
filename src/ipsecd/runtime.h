/* runtime: what ipsecctl asks of the running daemon beyond the configuration (installed
 * SAs, statistics, policy state and counters, flush, dump-kernel-policies), and what the
 * kernel tells it (events). */
#ifndef IPSECD_RUNTIME_H
#define IPSECD_RUNTIME_H

#include "ipsecd/buf.h"
#include "ipsecd/conf.h"
#include "ipsecd/ike.h"
#include "ipsecd/kernel.h"
#include "spd.h"

struct runtime {
	struct kern *kern;
	struct spd *spd;
	struct ike *ike;	  /* NULL until started */
	struct creds *creds;	  /* certificates and keys; NULL until read */
	struct conf *const *conf; /* the running model: replaced on reload */
	const char *proc_crypto;  /* path of /proc/crypto (tests may point elsewhere) */
	const char *xfrm_stat;	  /* path of /proc/net/xfrm_stat */
	const char *key_dir;	  /* where key generate-key writes */
	/* A change the daemon runs once the current command is done (generate-key's import),
	 * and the file to remove if that change is refused. */
	char *pending_change, *pending_file;
	struct radius_client *radius; /* /radius for service=ipsec; NULL: none (radius_glue.c) */
	struct radius_client **radius_old; /* replaced ones with requests still in flight */
	size_t nradius_old;
	struct loop_timer *radius_sweep; /* frees those once their requests are done */
	struct wbuf radius_conf;	 /* what the current one was made from (secret: wiped) */
};

/* radius_glue.c: the RADIUS client from c's /radius (0, or -errno logged; no server is not
 * an error), made again when /radius changed since the last call (at start, reload and
 * ipsecctl changes); stop frees it; auth and cancel are ike_deps' members over r. */
int runtime_radius_start(struct runtime *r, struct loop *l, const struct conf *c);
void runtime_radius_stop(struct runtime *r);
struct radius_handle *runtime_radius_auth(void *arg, const struct radius_req *req, radius_cb cb,
					  void *cbarg);
void runtime_radius_cancel(void *arg, struct radius_handle *h);
struct radius_handle *runtime_radius_acct(void *arg, const struct radius_acct_req *req,
					  radius_cb cb, void *cbarg);
/* One kernel SA's byte and packet counters (XFRM_MSG_GETSA). 0 or -ENOENT. */
int runtime_sa_counters(void *arg, const struct kern_sa_id *id, uint64_t *bytes, uint64_t *packets);

/* conf_runtime callbacks over r (r must outlive their use). */
void runtime_ctl(struct runtime *r, struct conf_runtime *out);
/* runtime_ike.c: active-peers print and kill-connections from the IKE engine. */
int runtime_fill_peers(struct runtime *r, struct conf *into, struct conf_diags *ds);
int runtime_kill(struct runtime *r, const char *const *keys, const char *const *vals, size_t n,
		 const struct conf_sink *sink, struct conf_diags *ds);
/* active-peers remove: the IKE SAs whose serials ctl_exec chose (keys ".id", vals "*ID");
 * none chosen kills none. */
int runtime_remove_peers(struct runtime *r, const char *const *keys, const char *const *vals,
			 size_t n, const struct conf_sink *sink, struct conf_diags *ds);
/* runtime_rw.c: road warriors: pool used print (the leases) and policy print's dynamic
 * entries (the generated policies). */
int runtime_fill_leases(struct runtime *r, struct conf *into, struct conf_diags *ds);
void runtime_gen_policies(struct runtime *r, struct conf *into);
/* runtime_keys.c: key generate-key and export-pub-key; -ENOTSUP for another verb. */
int runtime_key_verb(struct runtime *r, const char *verb, const char *const *keys,
		     const char *const *vals, size_t n, unsigned flags,
		     const struct conf_sink *sink, struct conf_diags *ds);
/* Forgets the pending change; with undo, removes its file. */
void runtime_pending_clear(struct runtime *r, bool undo);
/* The reqid of a policy's kernel entries (struct ike_deps.policy_reqid). */
uint32_t runtime_policy_reqid(void *arg, const struct conf *c, const struct conf_item *pol);
/* Credentials for the engine (struct ike_deps.pki and .key). */
struct pki_store *runtime_pki(void *arg);
struct evp_pkey_st *runtime_key(void *arg, const char *name);

/* Kernel event handlers over r: logged, and handed to spd and the IKE engine. */
void runtime_events(struct runtime *r, struct kern_events *out);

#endif
