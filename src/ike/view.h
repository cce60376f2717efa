/* view.h: the records of the engine's view of the configuration, shared by view.c (peers,
 * identities, policies) and view_named.c (policy groups and mode-configs). */
#ifndef IPSECD_IKE_VIEW_H
#define IPSECD_IKE_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_internal.h"

#define IKE_VIEW_OF(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* One entry of a table slot's chain: the item it stands for, the next in configuration
 * order; the chain's first entry knows its last (tail), so filing in order is O(1). */
struct ike_vnode {
	struct ike_vnode *next, *tail;
	const struct conf_item *it;
};

struct ike_vident;

struct ike_vpeer {
	const struct conf_item *it;
	const struct conf_item *profile;
	const struct conf_item **ids;  /* enabled identities, in configuration order */
	struct ike_vident **vids;      /* theirs, in the same order */
	const struct conf_item **pols; /* the policies IKE negotiates for it (ike_policy_is_ours) */
	uint32_t nids, npols, cap_ids, cap_pols;
	uint8_t major;	      /* the IKE version its exchange-mode speaks: 2 (ike2) or 1 */
	uint8_t family, plen; /* the prefix it is filed under; family 0: not filed */
	uint64_t name_key, prefix_key;
	struct ike_vnode name, prefix;
};

/* An identity as the responder looks it up: by (peer, ID) in id_by_key when filed, else
 * among its peer's others. pos: its place among the peer's identities (the first wins
 * among equals). */
struct ike_vident {
	const struct conf_item *it;
	struct ike_vpeer *peer;
	uint32_t pos;
	bool filed;
	uint8_t type, len;
	uint8_t data[64]; /* the ID's value; longer ones are not filed */
	uint64_t key;
	struct ike_vnode node;
};

struct ike_vpol {
	struct ike_vnode node;	/* in pol_by_reqid */
	struct ike_vpeer *peer; /* the peer it is listed under, or NULL */
	uint32_t reqid;
};

/* A policy group or a mode-config, filed by name. */
struct ike_vnamed {
	const struct conf_item *it;
	const struct conf_item **tmpls; /* groups: the enabled templates, in order */
	uint32_t ntmpls;
	struct ike_vnamed *next; /* the next with the same key */
};

struct ike_view {
	ike_view_reqid_fn reqid;
	void *reqid_arg;
	size_t npeers;
	struct ike_tab by_name, by_prefix, peer_by_id; /* peer_by_id: vpeer by item id + 1 */
	struct ike_tab ident_by_id, id_by_key;
	struct ike_tab pol_by_id, pol_by_reqid; /* pol_by_id: vpol by item id + 1 */
	/* the prefix lengths some enabled peer has, longest first, per family, and how
	 * many peers have each */
	uint8_t plen4[33], plen6[129];
	uint8_t nplen4, nplen6;
	uint32_t cnt4[33], cnt6[129];
	/* view_named.c */
	struct ike_vnamed *named;	    /* the groups, then the mode-configs */
	const struct conf_item **tmpl_refs; /* backing store of every group's templates */
	struct ike_tab group_by_name, modeconf_by_name;
	bool named_stale; /* a group, mode-config or template changed */
};

uint64_t ike_view_finish(uint64_t h);
uint64_t ike_view_name_key(const char *s);
int ike_view_chain_add(struct ike_tab *t, uint64_t key, struct ike_vnode *n);
void ike_view_chain_del(struct ike_tab *t, uint64_t key, struct ike_vnode *n);

/* view_named.c */
int ike_view_named_file(struct ike_view *v, const struct conf *c);
void ike_view_named_free(struct ike_view *v);
/* An enabled template (template=yes): what the groups list. it may be NULL. */
bool ike_view_is_template(const struct conf_item *it);

#endif
