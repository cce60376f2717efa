/* runtime: the installed-sa, statistics and policy state ipsecctl prints, read from the
 * kernel when asked (installed-sa from an SA dump, hw-aead from /proc/crypto, statistics
 * from /proc/net/xfrm_stat); installed-sa flush and policy dump-kernel-policies; and the
 * kernel's events, logged and handed to spd. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>

#include "ipsecd/kern_stat.h"
#include "ipsecd/log.h"
#include "ipsecd/strbuf.h"
#include "creds.h"
#include "runtime.h"

/* A whole (small) /proc file, NUL-terminated, or NULL. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	struct strbuf b = STRBUF_INIT;
	char chunk[4096];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sb_add(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return b.s ? sb_take(&b) : xstrdup("");
}

/* --- installed-sa print --- */

struct isa_fill {
	struct conf *into;
	const char *proc_crypto;
	bool sensitive;
	time_t now;
	/* hw-aead answers by kernel name: /proc/crypto is read once per print, not per SA */
	struct {
		char kname[64];
		bool hw;
	} hw[8];
	size_t nhw;
	struct isa_key *pfs; /* the SAs whose CHILD SA used PFS, sorted */
	size_t npfs, cappfs;
};

/* --- installed-sa pfs, from the IKE engine's CHILD SAs --- */

struct isa_key {
	uint8_t proto;
	uint32_t spi;
	struct kern_addr dst;
};

static int isa_key_cmp(const void *x, const void *y)
{
	const struct isa_key *a = x, *b = y;

	if (a->spi != b->spi)
		return a->spi < b->spi ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	return memcmp(&a->dst, &b->dst, sizeof(a->dst));
}

static void pfs_add(struct isa_fill *f, uint8_t proto, uint32_t spi, const struct net_addr *dst)
{
	if (f->npfs == f->cappfs) {
		size_t cap = f->cappfs ? 2 * f->cappfs : 64;
		struct isa_key *n = realloc(f->pfs, cap * sizeof(*n));

		if (!n)
			return; /* pfs shows "no": a print, nothing lost */
		f->pfs = n;
		f->cappfs = cap;
	}
	struct isa_key *k = &f->pfs[f->npfs++];

	memset(k, 0, sizeof(*k));
	k->proto = proto;
	k->spi = spi;
	k->dst.family = dst->family;
	memcpy(k->dst.bytes, dst->bytes, sizeof(k->dst.bytes));
}

static void pfs_child(void *arg, const struct ike_child_info *i)
{
	if (i->pfs) {
		pfs_add(arg, i->proto, i->spi_in, &i->local);
		pfs_add(arg, i->proto, i->spi_out, &i->remote);
	}
}

static bool isa_pfs(const struct isa_fill *f, const struct kern_sa_info *i)
{
	struct isa_key k;

	memset(&k, 0, sizeof(k));
	k.proto = i->sa.id.proto;
	k.spi = i->sa.id.spi;
	k.dst.family = i->sa.id.dst.family;
	memcpy(k.dst.bytes, i->sa.id.dst.bytes, sizeof(k.dst.bytes));
	return f->npfs && bsearch(&k, f->pfs, f->npfs, sizeof(k), isa_key_cmp);
}

static bool hw_accelerated(struct isa_fill *f, const char *kname)
{
	for (size_t i = 0; i < f->nhw; i++)
		if (!strcmp(f->hw[i].kname, kname))
			return f->hw[i].hw;
	bool hw = kern_alg_hw_accelerated(f->proc_crypto, kname);

	if (f->nhw < sizeof(f->hw) / sizeof(f->hw[0])) {
		snprintf(f->hw[f->nhw].kname, sizeof(f->hw[0].kname), "%s", kname);
		f->hw[f->nhw++].hw = hw;
	}
	return hw;
}

static void set_time_pair(struct conf *c, struct conf_item *it, int prop, uint64_t soft,
			  uint64_t hard)
{
	char a[32], b[32], both[70];

	conf_format_time((long long)soft, a, sizeof(a));
	conf_format_time((long long)hard, b, sizeof(b));
	snprintf(both, sizeof(both), "%s/%s", a, b);
	conf_set_text(c, it, prop, both);
}

static void set_date(struct conf *c, struct conf_item *it, int prop, uint64_t t)
{
	char buf[40];
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !localtime_r(&tt, &tm))
		return;
	strftime(buf, sizeof(buf), "%b/%d/%Y %H:%M:%S", &tm);
	buf[0] = (char)(buf[0] | 0x20); /* RouterOS writes jan/28/2003 */
	conf_set_text(c, it, prop, buf);
}

static void set_hex(struct conf *c, struct conf_item *it, int prop, const struct kern_key *k)
{
	struct strbuf b = STRBUF_INIT;

	if (!k->len)
		return;
	for (unsigned i = 0; i < k->len; i++)
		sb_printf(&b, "%02x", k->bytes[i]);
	conf_set_text(c, it, prop, sb_str(&b));
	sb_clear_free(&b);
}

static const char *alg_name(const char *kname, unsigned key_bits)
{
	const struct kern_alg *a = kern_alg_by_kname(kname, key_bits);

	return a ? a->name : kname;
}

/* RouterOS's SA states: larval (no keys yet), mature, dying (past a soft limit). */
static const char *isa_state(const struct kern_sa_info *i, time_t now)
{
	const struct kern_lifetime *l = &i->sa.lft;

	if (i->larval)
		return "larval";
	if ((l->soft_add && (uint64_t)now >= i->add_time + l->soft_add) ||
	    (l->soft_bytes && i->cur_bytes >= l->soft_bytes) ||
	    (l->soft_use && i->use_time && (uint64_t)now >= i->use_time + l->soft_use))
		return "dying";
	return "mature";
}

static void isa_algs(struct isa_fill *f, struct conf_item *it, const struct kern_sa_info *i)
{
	struct conf *c = f->into;

	if (i->auth_kname[0])
		conf_set_text(c, it, CONF_ISA_AUTH_ALGORITHM,
			      alg_name(i->auth_kname, i->sa.auth_key.len * 8u));
	if (i->enc_kname[0]) {
		const char *name = alg_name(i->enc_kname, i->enc_key_bits);

		conf_set_text(c, it, CONF_ISA_ENC_ALGORITHM, name);
		const struct kern_alg *a = kern_alg_find_kind(name, KERN_ALG_ENC);
		/* the key size a person means: without the salt of GCM and CTR */
		unsigned salt = a && (a->kind == KERN_ALG_AEAD || strstr(a->kname, "ctr")) ? 32 : 0;

		conf_set_int(c, it, CONF_ISA_ENC_KEY_SIZE, (int64_t)(i->enc_key_bits - salt));
		if (f->proc_crypto)
			conf_set_int(c, it, CONF_ISA_HW_AEAD, hw_accelerated(f, i->enc_kname));
	}
	if (f->sensitive) {
		set_hex(c, it, CONF_ISA_ENC_KEY, &i->sa.enc_key);
		set_hex(c, it, CONF_ISA_AUTH_KEY, &i->sa.auth_key);
	}
}

static void isa_one(void *arg, const struct kern_sa_info *i)
{
	struct isa_fill *f = arg;
	struct conf *c = f->into;
	const struct kern_lifetime *l = &i->sa.lft;
	struct conf_item *it;
	char spi[16];
	char addr[64];

	if (i->sa.id.proto != IPPROTO_ESP && i->sa.id.proto != IPPROTO_AH)
		return;
	it = conf_runtime_add(c, CONF_M_INSTALLED_SA);
	conf_set_int(c, it, CONF_ISA_AH, i->sa.id.proto == IPPROTO_AH);
	conf_set_int(c, it, CONF_ISA_ESP, i->sa.id.proto == IPPROTO_ESP);
	snprintf(spi, sizeof(spi), "0x%X", i->sa.id.spi);
	conf_set_text(c, it, CONF_ISA_SPI, spi);
	conf_set_text(c, it, CONF_ISA_SRC_ADDRESS, kern_addr_str(&i->sa.src, addr, sizeof(addr)));
	conf_set_text(c, it, CONF_ISA_DST_ADDRESS,
		      kern_addr_str(&i->sa.id.dst, addr, sizeof(addr)));
	conf_set_text(c, it, CONF_ISA_STATE, isa_state(i, f->now));
	isa_algs(f, it, i);
	conf_set_int(c, it, CONF_ISA_PFS, isa_pfs(f, i));
	conf_set_int(c, it, CONF_ISA_REPLAY, i->sa.replay_window);
	conf_set_int(c, it, CONF_ISA_CURRENT_BYTES, (int64_t)i->cur_bytes);
	set_date(c, it, CONF_ISA_ADDTIME, i->add_time);
	set_date(c, it, CONF_ISA_USETIME, i->use_time);
	set_time_pair(c, it, CONF_ISA_ADD_LIFETIME, l->soft_add, l->hard_add);
	set_time_pair(c, it, CONF_ISA_USE_LIFETIME, l->soft_use, l->hard_use);
	snprintf(addr, sizeof(addr), "%llu/%llu", (unsigned long long)l->soft_bytes,
		 (unsigned long long)l->hard_bytes);
	conf_set_text(c, it, CONF_ISA_LIFEBYTES, addr);
	uint64_t lim = l->soft_add ? l->soft_add : l->hard_add;

	if (lim && i->add_time + lim > (uint64_t)f->now)
		conf_set_int(c, it, CONF_ISA_EXPIRES_IN,
			     (int64_t)(i->add_time + lim - (uint64_t)f->now));
}

static int fill_isa(struct runtime *r, struct conf *into, unsigned flags, struct conf_diags *ds)
{
	size_t len;
	struct isa_fill f = {
		.into = into, .sensitive = flags & CONF_CTL_SENSITIVE, .now = time(NULL)};
	char *crypto = slurp(r->proc_crypto, &len);

	f.proc_crypto = crypto;
	if (r->ike)
		ike_child_walk(r->ike, pfs_child, &f);
	if (f.npfs)
		qsort(f.pfs, f.npfs, sizeof(*f.pfs), isa_key_cmp);
	int err = kern_sa_dump(r->kern, isa_one, &f);

	free(crypto);
	free(f.pfs);
	if (err < 0)
		conf_diag_add(ds, CONF_ERROR, "ipsecctl", 1, 1,
			      "installed-sa print: reading the kernel's SAs: %s", strerror(-err));
	return err;
}

/* --- statistics print --- */

static int fill_stats(struct runtime *r, struct conf *into, struct conf_diags *ds)
{
	uint64_t v[CONF_STATS_NPROPS];
	size_t len;
	char *text = slurp(r->xfrm_stat, &len);

	if (!text || kern_stat_parse(text, len, v) < 0) {
		conf_diag_add(ds, CONF_ERROR, "ipsecctl", 1, 1,
			      "statistics print: %s %s (the kernel needs CONFIG_XFRM_STATISTICS)",
			      r->xfrm_stat, text ? "is not in the expected format" : "is missing");
		free(text);
		return -EIO;
	}
	free(text);
	struct conf_item *it = conf_runtime_add(into, CONF_M_STATISTICS);

	if (r->ike) {
		const struct ike_stats *st = ike_stats(r->ike);

		v[CONF_STATS_IKE_HALF_OPEN] = st->half_open;
		v[CONF_STATS_IKE_HALF_OPEN_PEAK] = st->half_open_peak;
		v[CONF_STATS_IKE_INIT_DROPPED_LIMIT] = st->half_open_refused_total;
		v[CONF_STATS_IKE_INIT_DROPPED_ADDRESS] = st->half_open_refused_address;
		v[CONF_STATS_IKE_MALFORMED] = st->rx_malformed;
		v[CONF_STATS_IKE_DROPPED] = st->rx_dropped + st->rx_no_sa + st->rx_auth_failed;
		v[CONF_STATS_IKE_RETRANSMITS] = st->retransmits;
		v[CONF_STATS_IKE_ESTABLISHED] = st->established;
		v[CONF_STATS_IKE_FAILED] = st->failed;
	}
	for (int p = 0; p < CONF_STATS_NPROPS; p++)
		conf_set_int(into, it, p, (int64_t)v[p]);
	return 0;
}

static int fill(void *arg, enum conf_menu_id m, struct conf *into, unsigned flags,
		struct conf_diags *ds)
{
	struct runtime *r = arg;

	if (m == CONF_M_INSTALLED_SA)
		return fill_isa(r, into, flags, ds);
	if (m == CONF_M_STATISTICS)
		return fill_stats(r, into, ds);
	if (m == CONF_M_ACTIVE_PEERS)
		return runtime_fill_peers(r, into, ds);
	if (m == CONF_M_POOL_USED)
		return runtime_fill_leases(r, into, ds);
	conf_diag_add(ds, CONF_ERROR, "ipsecctl", 1, 1, "%s print: not available in this build",
		      conf_menus[m].path);
	return -ENOTSUP;
}

/* --- policy print: state and counters --- */

struct sa_count {
	struct kern_sa_id id;
	uint64_t packets;
};

struct sa_counts {
	struct sa_count *v;
	size_t n;
};

static void count_one(void *arg, const struct kern_sa_info *i)
{
	struct sa_counts *sc = arg;

	sc->v = xrealloc(sc->v, (sc->n + 1) * sizeof(*sc->v));
	sc->v[sc->n++] = (struct sa_count){i->sa.id, i->cur_packets};
}

static uint64_t packets_of(const struct sa_counts *sc, const struct kern_sa_id *id)
{
	for (size_t i = 0; i < sc->n; i++)
		if (sc->v[i].id.spi == id->spi && sc->v[i].id.proto == id->proto &&
		    !memcmp(&sc->v[i].id.dst, &id->dst, sizeof(id->dst)))
			return sc->v[i].packets;
	return 0;
}

static void policy_stats(struct runtime *r, const struct conf *c, struct conf_item *it,
			 const struct sa_counts *sc)
{
	struct kern_sa_id ids[4];
	bool in[4];
	int n = spd_policy_sas(r->spd, c, it, ids, in, 4);
	uint64_t rx = 0, tx = 0;

	/* with AH and ESP both count the packet: take the largest per direction */
	for (int i = 0; i < n; i++) {
		uint64_t p = packets_of(sc, &ids[i]);

		if (in[i] && p > rx)
			rx = p;
		if (!in[i] && p > tx)
			tx = p;
	}
	conf_set_int((struct conf *)c, it, CONF_POLICY_IN_TRANSFORMED, (int64_t)rx);
	conf_set_int((struct conf *)c, it, CONF_POLICY_OUT_TRANSFORMED, (int64_t)tx);
}

static void annotate(void *arg, const struct conf *c, struct conf_item **items, size_t n,
		     bool stats)
{
	struct runtime *r = arg;
	struct sa_counts sc = {0};
	struct spd_status st;

	if (n && (items[0]->menu->id == CONF_M_CERTIFICATE || items[0]->menu->id == CONF_M_KEY)) {
		creds_annotate(r->creds, c, items, n);
		return;
	}
	if (n && items[0]->menu->id != CONF_M_POLICY)
		return;
	if (stats)
		kern_sa_dump(r->kern, count_one, &sc);
	for (size_t i = 0; i < n; i++) {
		spd_policy_status(r->spd, c, items[i], &st);
		conf_set_int((struct conf *)c, items[i], CONF_POLICY_ACTIVE, st.active);
		/* manual SAs are phase 2 without a phase 1 */
		const char *ms = conf_str(items[i], CONF_POLICY_MANUAL_SA);
		bool manual = ms && *ms && strcmp(ms, "none");

		const char *ph2 = st.active && manual ? "established" : "no-phase2";
		unsigned count = st.active && manual;

		if (!manual && r->ike)
			ike_policy_ph2(r->ike, items[i], &ph2, &count);
		conf_set_text((struct conf *)c, items[i], CONF_POLICY_PH2_STATE, ph2);
		conf_set_int((struct conf *)c, items[i], CONF_POLICY_PH2_COUNT, count);
		if (stats)
			policy_stats(r, c, items[i], &sc);
	}
	free(sc.v);
}

static void dynamic(void *arg, enum conf_menu_id m, struct conf *into)
{
	struct runtime *r = arg;

	if (m == CONF_M_POLICY)
		runtime_gen_policies(r, into);
}

/* --- installed-sa flush --- */

struct flush {
	struct kern_sa_id *ids;
	size_t n;
	uint8_t proto; /* 0: all */
};

static void flush_pick(void *arg, const struct kern_sa_info *i)
{
	struct flush *f = arg;

	/* only what ipsecd installed: entries of other tools are not ours to remove */
	if (!kern_reqid_ours(i->sa.reqid) || (f->proto && i->sa.id.proto != f->proto))
		return;
	f->ids = xrealloc(f->ids, (f->n + 1) * sizeof(*f->ids));
	f->ids[f->n++] = i->sa.id;
}

static int flush_args(const char *const *keys, const char *const *vals, size_t n, uint8_t *proto,
		      struct conf_diags *ds)
{
	*proto = 0;
	for (size_t i = 0; i < n; i++) {
		const char *v = vals[i];

		if (!keys[i] || strcmp(keys[i], "sa-type")) {
			conf_diag_add(ds, CONF_ERROR, "ipsecctl", 1, 1,
				      "flush: unknown argument \"%s\"; valid: sa-type=ah|esp|all",
				      keys[i] ? keys[i] : v);
			return -EINVAL;
		}
		if (!strcmp(v, "ah"))
			*proto = IPPROTO_AH;
		else if (!strcmp(v, "esp"))
			*proto = IPPROTO_ESP;
		else if (strcmp(v, "all")) {
			conf_diag_add(ds, CONF_ERROR, "ipsecctl", 1, 1,
				      "flush: sa-type=%s is not valid; valid: ah, esp, all", v);
			return -EINVAL;
		}
	}
	return 0;
}

static int cmd_flush(struct runtime *r, const char *const *keys, const char *const *vals, size_t n,
		     const struct conf_sink *sink, struct conf_diags *ds)
{
	struct flush f = {0};
	char line[80];
	int err = flush_args(keys, vals, n, &f.proto, ds);

	if (err < 0)
		return err;
	if ((err = kern_sa_dump(r->kern, flush_pick, &f)) < 0) {
		conf_diag_add(ds, CONF_ERROR, "ipsecctl", 1, 1, "flush: %s", strerror(-err));
		return err;
	}
	for (size_t i = 0; i < f.n; i++)
		kern_sa_del(r->kern, &f.ids[i], NULL, NULL);
	err = kern_wait(r->kern, 5000);
	for (size_t i = 0; r->ike && i < f.n; i++)
		ike_sa_deleted(r->ike, &f.ids[i]); /* their CHILD SAs end with the peer too */
	free(f.ids);
	spd_flushed(r->spd, true, f.proto);
	log_info(LOG_KERNEL, NULL, "installed-sa flush: %zu SA(s) removed", f.n);
	snprintf(line, sizeof(line), "flushed %zu SA(s)", f.n);
	if (sink && sink->text)
		sink->text(sink->arg, line);
	return err;
}

/* --- policy dump-kernel-policies --- */

static void sel_text(const uint8_t *a, uint8_t plen, uint16_t port, uint8_t family,
		     struct strbuf *out)
{
	struct kern_addr k = {.family = family};
	char buf[64];

	memcpy(k.bytes, a, 16);
	sb_printf(out, "%s/%u[%s", kern_addr_str(&k, buf, sizeof(buf)), plen, port ? "" : "any");
	if (port)
		sb_printf(out, "%u", port);
	sb_putc(out, ']');
}

static void sp_text(const struct kern_sp *sp, struct strbuf *out)
{
	char a[64], b[64];

	sb_printf(out, "%s: ", kern_dir_name(sp->dir));
	sel_text(sp->sel.src, sp->sel.src_plen, sp->sel.sport, sp->sel.family, out);
	sb_puts(out, " - ");
	sel_text(sp->sel.dst, sp->sel.dst_plen, sp->sel.dport, sp->sel.family, out);
	sb_printf(out, " proto=%u priority=%u action=%s", sp->sel.proto, sp->priority,
		  sp->block   ? "discard"
		  : sp->ntmpl ? "encrypt"
			      : "none");
	for (int i = 0; i < sp->ntmpl; i++) {
		const struct kern_tmpl *t = &sp->tmpl[i];

		sb_printf(out, " %s/%s", kern_proto_name(t->proto),
			  t->tunnel ? "tunnel" : "transport");
		if (t->tunnel)
			sb_printf(out, "/%s-%s", kern_addr_str(&t->src, a, sizeof(a)),
				  kern_addr_str(&t->dst, b, sizeof(b)));
		sb_printf(out, "/%s",
			  t->level == KERN_LEVEL_USE	  ? "use"
			  : t->level == KERN_LEVEL_UNIQUE ? "unique"
							  : "require");
	}
	sb_puts(out, kern_sp_index_ours(sp->index) ? " (ipsecd)" : " (not ipsecd's)");
}

struct dump_out {
	const struct conf_sink *sink;
	size_t n;
};

static void dump_one(void *arg, const struct kern_sp *sp)
{
	struct dump_out *d = arg;
	struct strbuf line = STRBUF_INIT;

	sp_text(sp, &line);
	log_debug(LOG_KERNEL, NULL, "policy %s", sb_str(&line));
	if (d->sink && d->sink->text)
		d->sink->text(d->sink->arg, sb_str(&line));
	d->n++;
	sb_free(&line);
}

static int cmd_dump_policies(struct runtime *r, size_t nargs, const struct conf_sink *sink,
			     struct conf_diags *ds)
{
	struct dump_out d = {.sink = sink};
	int err;

	if (nargs) {
		conf_diag_add(ds, CONF_ERROR, "ipsecctl", 1, 1,
			      "dump-kernel-policies takes no arguments");
		return -EINVAL;
	}
	if ((err = kern_sp_dump(r->kern, dump_one, &d)) < 0)
		conf_diag_add(ds, CONF_ERROR, "ipsecctl", 1, 1, "dump-kernel-policies: %s",
			      strerror(-err));
	return err;
}

static int verb(void *arg, enum conf_menu_id m, const char *verb, const char *const *keys,
		const char *const *vals, size_t n, unsigned flags, const struct conf_sink *sink,
		struct conf_diags *ds)
{
	struct runtime *r = arg;
	bool flush = m == CONF_M_INSTALLED_SA && !strcmp(verb, "flush");

	if (flush && !(flags & CONF_CTL_ROOT)) {
		conf_diag_add(ds, CONF_ERROR, "ipsecctl", 1, 1, "installed-sa flush needs root");
		return -EPERM;
	}
	if (flush)
		return cmd_flush(r, keys, vals, n, sink, ds);
	if (m == CONF_M_POLICY && !strcmp(verb, "dump-kernel-policies"))
		return cmd_dump_policies(r, n, sink, ds);
	bool kill = m == CONF_M_ACTIVE_PEERS &&
		    (!strcmp(verb, "kill-connections") || !strcmp(verb, "remove"));

	if (kill && !(flags & CONF_CTL_ROOT)) {
		conf_diag_add(ds, CONF_ERROR, "ipsecctl", 1, 1, "active-peers %s needs root", verb);
		return -EPERM;
	}
	if (kill && !strcmp(verb, "remove"))
		return runtime_remove_peers(r, keys, vals, n, sink, ds);
	if (kill)
		return runtime_kill(r, keys, vals, n, sink, ds);
	if (m == CONF_M_KEY)
		return runtime_key_verb(r, verb, keys, vals, n, flags, sink, ds);
	return -ENOTSUP;
}

void runtime_ctl(struct runtime *r, struct conf_runtime *out)
{
	*out = (struct conf_runtime){
		.fill = fill, .annotate = annotate, .verb = verb, .dynamic = dynamic, .arg = r};
}

/* --- kernel events --- */

static void on_acquire(void *arg, const struct kern_acquire *a)
{
	struct runtime *r = arg;
	char s[64], d[64];

	log_debug(LOG_KERNEL, NULL, "ACQUIRE %s -> %s (%s, policy index 0x%x)",
		  kern_addr_str(&a->src, s, sizeof(s)), kern_addr_str(&a->dst, d, sizeof(d)),
		  kern_proto_name(a->tmpl.proto), a->sp_index);
	if (r->ike && kern_sp_index_ours(a->sp_index))
		ike_acquire(r->ike, a);
}

static void on_mapping(void *arg, const struct kern_sa_id *id, const struct kern_addr *addr,
		       uint16_t port)
{
	struct runtime *r = arg;

	if (r->ike)
		ike_mapping(r->ike, id, addr, port);
}

static void on_expire(void *arg, const struct kern_sa_id *id, uint32_t reqid, bool hard)
{
	struct runtime *r = arg;
	char d[64];

	if (!kern_reqid_ours(reqid))
		return;
	log_info(LOG_KERNEL, NULL, "SA %s %s spi 0x%x reached its %s lifetime",
		 kern_proto_name(id->proto), kern_addr_str(&id->dst, d, sizeof(d)), id->spi,
		 hard ? "hard" : "soft");
	if (hard)
		spd_sa_gone(r->spd, id);
	if (r->ike)
		ike_expire(r->ike, id, hard);
}

static void on_sa_deleted(void *arg, const struct kern_sa_id *id, uint32_t reqid)
{
	struct runtime *r = arg;

	if (kern_reqid_ours(reqid))
		spd_sa_gone(r->spd, id);
	if (r->ike && kern_reqid_ours(reqid))
		ike_sa_deleted(r->ike, id);
}

static void on_sp_deleted(void *arg, uint32_t index, enum kern_dir dir)
{
	struct runtime *r = arg;

	(void)dir;
	if (kern_sp_index_ours(index))
		spd_sp_gone(r->spd, index);
}

static void on_flushed(void *arg, bool sad)
{
	struct runtime *r = arg;

	spd_flushed(r->spd, sad, 0);
}

void runtime_events(struct runtime *r, struct kern_events *out)
{
	*out = (struct kern_events){.acquire = on_acquire,
				    .expire = on_expire,
				    .mapping = on_mapping,
				    .sa_deleted = on_sa_deleted,
				    .sp_deleted = on_sp_deleted,
				    .flushed = on_flushed,
				    .arg = r};
}
