/* spd_internal: what spd.c (the model -> wanted entries) and spd_apply.c (wanted
 * entries -> the kernel) share. */
#ifndef IPSECD_SPD_INTERNAL_H
#define IPSECD_SPD_INTERNAL_H

#include "ipsecd/hash.h"
#include "spd.h"

#define SPD_PRIO_BASE 10000u
#define MAX_SP	      3 /* out, in, fwd */
#define MAX_SA	      4 /* in and out, for ESP and AH */
#define KEY_LEN	      136
#define WAIT_MS	      5000

enum ent_state { ENT_PENDING, ENT_OK, ENT_FAILED, ENT_GONE };

struct ent {
	char key[KEY_LEN];
	bool is_sa;
	bool seen;	   /* wanted by the model being applied */
	bool dying;	   /* delete sent: freed once every request about it is answered */
	bool deleting;	   /* the delete request was sent */
	unsigned inflight; /* requests about it not yet answered */
	enum ent_state state;
	char *why;    /* ENT_FAILED: the kernel's reason */
	unsigned pos; /* the policy's position (1-based) when last applied, for logs */
	struct spd *s;
	union {
		struct kern_sp sp;
		struct kern_sa sa;
	} u;
};

struct reqid_ent {
	char *name; /* "ms:NAME" for a manual SA, "sp:KEY" for a policy */
	uint32_t reqid;
	bool seen;
};

struct spd {
	struct kern *k;
	struct hash ents;
	struct hash reqids;
	uint32_t next_reqid;
	uint32_t *free_slots;
	size_t nfree, free_cap;
	uint32_t next_slot;
	size_t nsp, nsa;
	size_t inflight; /* requests sent about entries and not yet answered */
	size_t nbroken;	 /* entries in ents the kernel refused or lost (ENT_FAILED, ENT_GONE) */
};

/* What one policy item becomes. */
struct want {
	struct kern_sp sp[MAX_SP];
	struct kern_sa sa[MAX_SA];
	char sp_key[MAX_SP][KEY_LEN];
	char sa_key[MAX_SA][KEY_LEN];
	int nsp, nsa;
	uint32_t reqid;
};

/* Computes what policy item `it` (at rank in the priority order) becomes. create:
 * allocate reqids (apply) or only look them up (status). Returns NULL, or why it cannot
 * be installed. */
const char *spd_want_policy(struct spd *s, const struct conf *c, const struct conf_item *it,
			    unsigned rank, bool create, struct want *w);
/* The table key of an SA. */
void spd_sa_key(const struct kern_sa_id *id, char *buf);
/* The keys of the kernel policies a policy's selectors name (out, in, fwd): every one it
 * may have installed. */
void spd_policy_keys(const struct conf_item *it, char keys[MAX_SP][KEY_LEN]);
/* spd_apply.c, for spd_change.c: the kernel made to hold what policy `it` at rank asks
 * (its SAs and policies added or updated); an entry taken out (deleted once answered). */
struct ranked {
	const struct conf_item *it;
	int64_t prio;
	size_t pos;
};
int spd_rank_cmp(const void *a, const void *b);
void spd_apply_policy(struct spd *s, const struct conf *c, const struct ranked *r, unsigned rank,
		      struct want *w);
void spd_ent_remove(struct spd *s, struct ent *e);
/* How many entries the kernel refused or lost: the next apply puts them back. */
size_t spd_broken(const struct spd *s);
/* Disabled, template or invalid: not a kernel entry. */
bool spd_policy_skipped(const struct conf_item *it);

#endif
