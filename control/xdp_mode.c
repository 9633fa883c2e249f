/*
 * xdp_mode.c - gate64d in mode = xdp (xdp_mode.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <netlink/netlink.h>
#include <netlink/route/neighbour.h>

#include "bpf/xdp_cfg.h"
#include "bpf/xdp_fwd.h"
#include "control/nl.h"
#include "control/xdp_common.h"
#include "control/xdp_eam.h"
#include "control/xdp_mode.h"
#include "control/xdp_nat64.h"
#include "xlat_xdp.skel.h"

#define LOCAL4_MAX 256 /* xdp_local4's size (bpf/xdp_fwd.h) */

struct xdp_mode {
	struct xlat_xdp *skel;
	struct ring_buffer *rb;
	struct nl_sock *nl;
	int ifindex[2];
	unsigned nif;
	int link[2];	   /* bpf_link fds: the attachments */
	unsigned attached; /* how many of link[] are open */
	unsigned adopted;  /* of them, links pinned by an earlier gate64d */
	char pin_dir[CFG_XDP_PATH];
	/* counter maps an older gate64 pinned with another size, taken out
	 * of their pin path until the new ones have their counts
	 * (counters_resized) */
	int old_cnt[2];
	char old_cnt_path[2][CFG_XDP_PATH + 64];
	char link_pin[2][CFG_XDP_PATH + 32];
	int pinned;  /* the maps have pin paths (under pin_dir) */
	int lock_fd; /* flock on pin_dir: one gate64d per directory */
	uint32_t xdp_flags;
	uint32_t local4[LOCAL4_MAX]; /* what xdp_local4 holds now */
	unsigned nlocal4;
	time_t local4_at;
	struct gnl *gnl; /* the routes gate64d installs, the links it watches */
	time_t gnl_at;
	unsigned long long neigh_asked;
	const struct cfg_gw *cfg;
	struct xdp_nat64 *nat; /* type = nat64: the sweep, the mapping log */
	FILE *maplog;	       /* [nat64] mapping-log, or NULL */
	time_t sweep_at;
};

/* A 0/1 sysctl file; -1 when it cannot be read. */
static int sysctl_on(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = -1;
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* bpf_fib_lookup refuses to forward (FWD_DISABLED) when IPv4 forwarding is
 * off on the ingress interface or IPv6 forwarding is off globally. */
static int check_forwarding(const struct cfg_gw *cfg, char *err, size_t errlen)
{
	char p[128];
	for (unsigned i = 0; i < cfg->xdp.nif; i++) {
		snprintf(p, sizeof(p), "/proc/sys/net/ipv4/conf/%s/forwarding",
			 cfg->xdp.ifname[i]);
		if (sysctl_on(p) != 1) {
			snprintf(err, errlen,
				 "[xdp] interfaces: IPv4 forwarding is off on "
				 "%s (%s): the kernel's FIB lookup will not "
				 "forward translated packets; run sysctl -w "
				 "net.ipv4.conf.%s.forwarding=1 (or "
				 "net.ipv4.ip_forward=1)",
				 cfg->xdp.ifname[i], p, cfg->xdp.ifname[i]);
			return -EINVAL;
		}
	}
	if (sysctl_on("/proc/sys/net/ipv6/conf/all/forwarding") != 1) {
		snprintf(err, errlen,
			 "[xdp] interfaces: IPv6 forwarding is off: the "
			 "kernel's FIB lookup will not forward translated "
			 "packets; run sysctl -w "
			 "net.ipv6.conf.all.forwarding=1");
		return -EINVAL;
	}
	return 0;
}

/* The host's IPv4 addresses into xdp_local4: frames to them are the
 * kernel's.  Called at start and once a second (addresses come and go). */

static void local4_refresh(struct xdp_mode *xm)
{
	uint32_t now[LOCAL4_MAX];
	int n = xdp_host4(xm->cfg, now, LOCAL4_MAX);
	if (n < 0)
		return; /* keep what the map has */
	xdp_local4_sync(bpf_map__fd(xm->skel->maps.xdp_local4), now,
			(unsigned)n, xm->local4, xm->nlocal4);
	memcpy(xm->local4, now, (unsigned)n * sizeof(*now));
	xm->nlocal4 = (unsigned)n;
	xm->local4_at = time(NULL);
}

/* A next hop the program found without a neighbour entry: ask the kernel
 * to resolve it (RTM_NEWNEIGH with NTF_USE sends ARP or NS, as a packet
 * of its own to that next hop would). */
static int on_neigh_req(void *ctx, void *data, size_t len)
{
	struct xdp_mode *xm = ctx;
	const struct xdp_neigh_req *r = data;
	if (len >= sizeof(*r) &&
	    !xdp_neigh_ask(xm->nl, (int)r->ifindex, r->family, r->addr))
		xm->neigh_asked++;
	return 0;
}

/*
 * The state outlives the process: every map of the program (not its
 * configuration) is pinned by name under [xdp] pin-dir, and libbpf reuses
 * the pinned ones at load, so counters (and the sessions, when XDP keeps
 * them) carry over a restart.  One gate64d per directory (flock).
 */
static int pin_dir_open(struct xdp_mode *xm, const struct cfg_gw *cfg,
			char *err, size_t errlen)
{
	const char *d = cfg->xdp.pin_dir;
	int r;

	snprintf(xm->pin_dir, sizeof(xm->pin_dir), "%s", d);
	if ((r = xdp_pin_dir_check(d, err, errlen)))
		return r;
	xm->lock_fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (xm->lock_fd < 0 || flock(xm->lock_fd, LOCK_EX | LOCK_NB)) {
		snprintf(err, errlen,
			 "[xdp] pin-dir = %s: another gate64d uses it (one "
			 "instance per directory)",
			 d);
		return -EBUSY;
	}
	return 0;
}

/*
 * The counter maps are the ones a newer gate64 grows (a counter added at
 * the end of its list).  One pinned by another version with another
 * number of entries, but otherwise alike, is taken out of its pin path
 * here, so that libbpf makes and pins a new one at load; counters_carry
 * then copies the old counts in (as many entries as both have), or puts
 * the old map back when the load failed.  So an upgrade with
 * --keep-state keeps the flows and the counts.  Any other pinned map
 * that does not fit still fails the load: its layout changed.
 */
static const char *const cnt_maps[2] = {"xdp_counters", "xdp_fwd_counters"};

static void counters_resized(struct xdp_mode *xm, struct bpf_map *m,
			     const char *path)
{
	struct bpf_map_info mi;
	uint32_t ml = sizeof(mi);
	for (unsigned k = 0; k < 2; k++) {
		if (strcmp(bpf_map__name(m), cnt_maps[k]))
			continue;
		int fd = bpf_obj_get(path);
		memset(&mi, 0, sizeof(mi));
		if (fd < 0)
			return;
		if (!bpf_obj_get_info_by_fd(fd, &mi, &ml) &&
		    mi.type == bpf_map__type(m) &&
		    mi.key_size == bpf_map__key_size(m) &&
		    mi.value_size == bpf_map__value_size(m) &&
		    mi.max_entries != bpf_map__max_entries(m) &&
		    xm->old_cnt[k] < 0 && !unlink(path)) {
			fprintf(stderr,
				"gate64d: xdp: %s pinned by another gate64 "
				"version has %u entries, this one %u: its "
				"counts go into a new map\n",
				cnt_maps[k], mi.max_entries,
				bpf_map__max_entries(m));
			xm->old_cnt[k] = fd;
			snprintf(xm->old_cnt_path[k],
				 sizeof(xm->old_cnt_path[k]), "%s", path);
			return;
		}
		close(fd);
	}
}

static void counters_carry(struct xdp_mode *xm, struct xlat_xdp *skel,
			   int loaded)
{
	int now[2] = {loaded ? bpf_map__fd(skel->maps.xdp_counters) : -1,
		      loaded ? bpf_map__fd(skel->maps.xdp_fwd_counters) : -1};
	for (unsigned k = 0; k < 2; k++) {
		if (xm->old_cnt[k] < 0)
			continue;
		if (loaded && xdp_percpu_copy(xm->old_cnt[k], now[k]))
			fprintf(stderr,
				"gate64d: xdp: %s: the old counts could not "
				"be copied: %s\n",
				cnt_maps[k], strerror(errno));
		if (!loaded) /* back where the running program's state is */
			bpf_obj_pin(xm->old_cnt[k], xm->old_cnt_path[k]);
		close(xm->old_cnt[k]);
		xm->old_cnt[k] = -1;
	}
}

/* Every map of skel but its configuration pinned by name in pin_dir:
 * libbpf reuses a pinned one at load, or creates and pins it. */
static int pin_paths(struct xdp_mode *xm, struct xlat_xdp *skel, char *err,
		     size_t errlen)
{
	struct bpf_map *m;
	bpf_object__for_each_map(m, skel->obj)
	{
		char path[CFG_XDP_PATH + 64];
		if (bpf_map__is_internal(m)) /* .rodata: this run's config */
			continue;
		/* the EAM tries and their ready flag are configuration too:
		 * each program has its own, filled before it is attached or
		 * swapped in, so a reload whose fill fails leaves the running
		 * program's untouched */
		if (!strncmp(bpf_map__name(m), "g64_eam", 7))
			continue;
		snprintf(path, sizeof(path), "%s/%s", xm->pin_dir,
			 bpf_map__name(m));
		counters_resized(xm, m, path);
		if (bpf_map__set_pin_path(m, path)) {
			snprintf(err, errlen,
				 "[xdp] pin-dir = %s: path too long",
				 xm->pin_dir);
			return -ENAMETOOLONG;
		}
	}
	return 0;
}

/* The program for cfg: opened, its configuration written into its
 * rodata, its maps the pinned ones, loaded.  NULL with *rc and err set. */
static struct xlat_xdp *load_prog(struct xdp_mode *xm, const struct cfg_gw *cfg,
				  int *rc, char *err, size_t errlen)
{
	struct xlat_xdp *skel = xlat_xdp__open();
	int r;
	if (!skel) {
		*rc = -errno;
		snprintf(err, errlen, "xdp: opening the BPF object: %s",
			 strerror(errno));
		return NULL;
	}
	if ((r = pin_paths(xm, skel, err, errlen)))
		goto fail;
	struct xdp_cfg *x = (struct xdp_cfg *)&skel->rodata->xdp_cfg;
	if ((r = xdp_cfg_fill_common(x, cfg, err, errlen)))
		goto fail;
	x->hand_on = XDP_DROP;	    /* not used: xdp_fwd.kernel decides */
	x->eam = cfg->eamt != NULL; /* RFC 7757: the tries, filled below */
	((struct xdp_fwd_cfg *)&skel->rodata->xdp_fwd)->kernel = 1;
	if (cfg->dp.mode == DP_NAT64) {
		xdp_nat64_cfg_fill(x, cfg);
		if ((r = xdp_nat64_size_maps(skel, cfg))) {
			snprintf(err, errlen, "xdp: sizing the state maps: %s",
				 strerror(-r));
			goto fail;
		}
	}
	r = xlat_xdp__load(skel);
	counters_carry(xm, skel, r == 0);
	if (r) {
		snprintf(err, errlen,
			 "xdp: loading the program: %s (the kernel log has "
			 "the verifier's reason: needs BPF, BTF and root; a "
			 "map pinned in %s by another gate64 version does "
			 "not fit: stop that one without --keep-state, or "
			 "remove the directory)",
			 strerror(-r), cfg->xdp.pin_dir);
		goto fail;
	}
	/* The EAM tries (pinned: on a reload the running program sees them
	 * change entry by entry), before the program is attached or
	 * replaces the running one.  Without [eam] they are emptied. */
	if ((r = xdp_eam_fill(bpf_map__fd(skel->maps.g64_eam4),
			      bpf_map__fd(skel->maps.g64_eam6),
			      bpf_map__fd(skel->maps.g64_eam_on), cfg->eamt))) {
		snprintf(err, errlen, "xdp: filling the EAM tries: %s",
			 strerror(-r));
		goto fail;
	}
	return skel;
fail:
	counters_carry(xm, skel, 0); /* a pin taken out: put back */
	xlat_xdp__destroy(skel);
	*rc = r;
	return NULL;
}

/* The ring buffer of neighbour requests, on skel's map (the pinned one). */
static int open_rb(struct xdp_mode *xm, struct xlat_xdp *skel)
{
	ring_buffer__free(xm->rb);
	xm->rb = ring_buffer__new(bpf_map__fd(skel->maps.xdp_neigh_req),
				  on_neigh_req, xm, NULL);
	return xm->rb ? 0 : -ENOMEM;
}

/* Attach to each interface with a bpf_link pinned as pin-dir/link-IF; a
 * link pinned by an earlier gate64d is adopted: bpf_link_update swaps in
 * the new program atomically, no packet sees no program. */
static int attach(struct xdp_mode *xm, const struct cfg_gw *cfg, char *err,
		  size_t errlen)
{
	int prog = bpf_program__fd(xm->skel->progs.xlat_xdp);
	for (unsigned i = 0; i < xm->nif; i++) {
		char *lp = xm->link_pin[i];
		snprintf(lp, sizeof(xm->link_pin[i]), "%s/link-%s", xm->pin_dir,
			 cfg->xdp.ifname[i]);
		int old = bpf_obj_get(lp);
		if (old >= 0 && !bpf_link_update(old, prog, NULL)) {
			xm->link[i] = old;
			xm->attached = i + 1;
			xm->adopted++;
			continue;
		}
		if (old >= 0) { /* its interface went away: a stale pin */
			close(old);
			unlink(lp);
		}
		struct bpf_link_create_opts o = {
		    .sz = sizeof(o), /* LIBBPF_OPTS */
		    .flags = xm->xdp_flags};
		int r = bpf_link_create(prog, xm->ifindex[i], BPF_XDP, &o);
		if (r < 0) {
			snprintf(err, errlen,
				 "[xdp] interfaces: attaching to %s: %s%s",
				 cfg->xdp.ifname[i], strerror(-r),
				 r == -EBUSY || r == -EEXIST
				     ? " (another XDP program is attached: "
				       "ip link show; a stale one goes with "
				       "ip link set DEV xdp off)"
				 : r == -EOPNOTSUPP
				     ? " (the driver has no native XDP: "
				       "[xdp] attach = generic)"
				     : "");
			return r;
		}
		xm->link[i] = r;
		xm->attached = i + 1;
		if (bpf_obj_pin(r, lp)) {
			snprintf(err, errlen,
				 "[xdp] pin-dir = %s: pinning the link of %s: "
				 "%s",
				 xm->pin_dir, cfg->xdp.ifname[i],
				 strerror(errno));
			return -errno;
		}
	}
	return 0;
}

int xdp_mode_start(struct xdp_mode **xmp, const struct cfg_gw *cfg, char *err,
		   size_t errlen)
{
	struct xdp_mode *xm = calloc(1, sizeof(*xm));
	int r;

	*xmp = NULL;
	if (!xm) {
		snprintf(err, errlen, "xdp: out of memory");
		return -ENOMEM;
	}
	xm->old_cnt[0] = xm->old_cnt[1] = -1;
	xm->nif = cfg->xdp.nif;
	for (unsigned i = 0; i < xm->nif; i++) {
		xm->ifindex[i] = (int)if_nametoindex(cfg->xdp.ifname[i]);
		if (!xm->ifindex[i]) {
			snprintf(err, errlen,
				 "[xdp] interfaces = %s: no such interface "
				 "here (ip link show; in a namespace, run "
				 "gate64d inside it)",
				 cfg->xdp.ifname[i]);
			free(xm);
			return -ENODEV;
		}
	}
	if ((r = check_forwarding(cfg, err, errlen))) {
		free(xm);
		return r;
	}
	xm->xdp_flags =
	    cfg->xdp.generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;

	xm->lock_fd = -1;
	xm->cfg = cfg;
	if ((r = pin_dir_open(xm, cfg, err, errlen)))
		goto fail;
	xm->skel = load_prog(xm, cfg, &r, err, errlen);
	if (!xm->skel)
		goto fail;
	xm->pinned = 1;
	if (cfg->dp.mode == DP_NAT64 &&
	    ((r = xdp_nat64_init(&xm->nat, cfg)) ||
	     (r = xdp_nat64_static(xm->skel, cfg, err, errlen))))
		goto fail;
	if (cfg->dp.mode == DP_NAT64 && cfg->maplog[0] &&
	    !(xm->maplog = fopen(cfg->maplog, "a"))) {
		r = -errno;
		snprintf(err, errlen, "[nat64] mapping-log = %s: %s",
			 cfg->maplog, strerror(errno));
		goto fail;
	}
	local4_refresh(xm);
	r = open_rb(xm, xm->skel);
	xm->nl = nl_socket_alloc();
	if (r || !xm->nl || nl_connect(xm->nl, NETLINK_ROUTE)) {
		r = -ENOMEM;
		snprintf(err, errlen,
			 "xdp: neighbour requests: cannot open the ring "
			 "buffer or a netlink socket");
		goto fail;
	}
	if ((r = attach(xm, cfg, err, errlen)) ||
	    (r = xdp_kernel_setup(&xm->gnl, cfg, xm->pin_dir, err, errlen)))
		goto fail;
	xm->gnl_at = time(NULL);
	*xmp = xm;
	return 0;
fail:
	xdp_mode_stop(xm, 0);
	return r < 0 ? r : -EINVAL;
}

int xdp_mode_pool4_used(const struct xdp_mode *xm, uint64_t *used, unsigned n)
{
	struct xdp_nat64_counts c;
	if (!xm->nat)
		return -ENOENT;
	xdp_nat64_counts(xm->nat, &c);
	for (unsigned i = 0; i < n && i < POOL4_MAX_RANGES; i++)
		used[i] = c.p4used[i];
	return 0;
}

void xdp_mode_state_counts(const struct xdp_mode *xm, unsigned long long *bib,
			   unsigned long long *sess)
{
	struct xdp_nat64_counts c;
	*bib = *sess = 0;
	if (!xm->nat)
		return;
	xdp_nat64_counts(xm->nat, &c);
	for (int p = 0; p < NAT64_NPROTO; p++) {
		*bib += c.bib[p];
		*sess += c.sessions[p];
	}
}

int xdp_mode_reprogram(struct xdp_mode *xm, const struct cfg_gw *cfg, char *err,
		       size_t errlen)
{
	int r = 0;
	const struct pool4_cfg *a = &xm->cfg->nat64.pool4,
			       *b = &cfg->nat64.pool4;
	if (cfg->dp.mode == DP_NAT64 &&
	    (a->n != b->n || memcmp(a->r, b->r, a->n * sizeof(*a->r)))) {
		snprintf(err, errlen,
			 "[pool4] address: in mode = xdp pool4 changes need a "
			 "restart (its addresses, the program's ranges): "
			 "restart gate64d with --keep-state");
		return -EINVAL;
	}
	struct xlat_xdp *skel = load_prog(xm, cfg, &r, err, errlen);
	if (!skel)
		return r;
	int prog = bpf_program__fd(skel->progs.xlat_xdp);
	int old = bpf_program__fd(xm->skel->progs.xlat_xdp);
	for (unsigned i = 0; i < xm->attached; i++) {
		if (!bpf_link_update(xm->link[i], prog, NULL))
			continue;
		r = -errno;
		snprintf(err, errlen, "xdp: replacing the program on %s: %s",
			 cfg->xdp.ifname[i], strerror(errno));
		while (i--) /* back to the one that ran: all or nothing */
			bpf_link_update(xm->link[i], old, NULL);
		xlat_xdp__destroy(skel);
		return r;
	}
	/* the maps are the pinned ones: the old object goes, they stay */
	if (open_rb(xm, skel)) {
		snprintf(err, errlen,
			 "xdp: neighbour requests: cannot open "
			 "the ring buffer");
		r = -ENOMEM;
	}
	xlat_xdp__destroy(xm->skel);
	xm->skel = skel;
	xm->cfg = cfg; /* the timeouts the sweep applies, and what it lists */
	if (xm->nat)
		xdp_nat64_set_cfg(xm->nat, cfg);
	return r;
}

int xdp_mode_fds(const struct xdp_mode *xm, int fds[2])
{
	fds[0] = ring_buffer__epoll_fd(xm->rb);
	fds[1] = gnl_fd(xm->gnl);
	return 2;
}

/* The program's clock: bpf_ktime_get_ns() is CLOCK_MONOTONIC. */
static uint32_t mono_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)ts.tv_sec;
}

int xdp_mode_dump(struct xdp_mode *xm, int sess, uint32_t start,
		  struct dp_dump_entry *out, uint32_t max, uint32_t *n,
		  uint32_t *next)
{
	if (!xm->nat)
		return -ENOENT;
	return xdp_nat64_dump(xm->skel, xm->cfg, sess, mono_sec(), start, out,
			      max, n, next);
}

void xdp_mode_poll(struct xdp_mode *xm)
{
	if (!xm)
		return;
	ring_buffer__consume(xm->rb);
	xdp_kernel_poll(xm->gnl, &xm->gnl_at);
	time_t now = time(NULL);
	if (now != xm->local4_at)
		local4_refresh(xm);
	if (xm->nat) {
		xdp_nat64_log_drain(xm->nat, xm->skel, xm->maplog);
		if (now != xm->sweep_at) { /* RFC 6146 lifetimes */
			xm->sweep_at = now;
			xdp_nat64_sweep(xm->nat, xm->skel, mono_sec(),
					xm->maplog);
		}
	}
}

/* One per-CPU counter summed. */
static unsigned long long sum(int fd, uint32_t idx)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t v[256];
	unsigned long long s = 0;
	if (ncpu <= 0 || ncpu > 256 || bpf_map_lookup_elem(fd, &idx, v))
		return 0;
	for (int i = 0; i < ncpu; i++)
		s += v[i];
	return s;
}

void xdp_mode_totals(const struct xdp_mode *xm, unsigned long long *handled,
		     unsigned long long *unhandled)
{
	int fd = bpf_map__fd(xm->skel->maps.xdp_counters);
	*handled = sum(fd, XDP_CNT_HANDLED);
	*unhandled = sum(fd, XDP_CNT_HANDED_ON);
}

void xdp_mode_counters(const struct xdp_mode *xm, xdp_counter_fn fn, void *arg)
{
	int cfd = bpf_map__fd(xm->skel->maps.xdp_counters);
	int ffd = bpf_map__fd(xm->skel->maps.xdp_fwd_counters);
	unsigned long long h, u;
	xdp_mode_totals(xm, &h, &u);

	fn(arg, "xdp-translated", h, "translated by the XDP program");
	fn(arg, "xdp-not-translated", u,
	   "for the translator, but not what XDP translates (dropped)");
	for (uint32_t i = 0; i < XDP_FWD_CNT_MAX; i++)
		fn(arg, xdp_fwd_name(i), sum(ffd, i), xdp_fwd_why(i));
	fn(arg, "neighbour-requests", xm->neigh_asked,
	   "next hops gate64d asked the kernel to resolve");
	if (xm->nat) {
		static const struct {
			uint32_t idx;
			const char *name, *why;
		} nc[] = {
#define XDP_NAT64_ROW(n, label, why) {XDP_CNT_##n, label, why},
		    XDP_NAT64_COUNTERS(XDP_NAT64_ROW)
#undef XDP_NAT64_ROW
		};
		for (size_t i = 0; i < sizeof(nc) / sizeof(*nc); i++)
			fn(arg, nc[i].name, sum(cfd, nc[i].idx), nc[i].why);
		fn(arg, "xdp-session-hits", sum(cfd, XDP_CNT_SESS_HIT),
		   "packets of a session in the maps, translated");
		fn(arg, "xdp-session-misses", sum(cfd, XDP_CNT_SESS_MISS),
		   "packets without a session (a new flow, or none allowed)");
		static const char *const pn[NAT64_NPROTO] = {"tcp", "udp",
							     "icmp"};
		struct xdp_nat64_counts c;
		char name[64];
		xdp_nat64_counts(xm->nat, &c);
		for (int p = 0; p < NAT64_NPROTO; p++) {
			snprintf(name, sizeof(name), "xdp-sessions-%s", pn[p]);
			fn(arg, name, c.sessions[p],
			   "NAT64 sessions in the XDP maps (as of the last "
			   "sweep)");
			snprintf(name, sizeof(name), "xdp-bib-%s", pn[p]);
			fn(arg, name, c.bib[p],
			   "NAT64 BIB entries in the XDP maps (as of the last "
			   "sweep)");
		}
		fn(arg, "xdp-sessions-expired", c.expired_sessions,
		   "sessions the sweep ended (RFC 6146 lifetimes)");
		fn(arg, "xdp-bib-expired", c.expired_bib,
		   "BIB entries the sweep ended (no session left)");
	}
	for (uint32_t i = 1; i < XLAT_R_MAX; i++) {
		unsigned long long v = sum(cfd, i);
		if (v)
			fn(arg, xlat_reason_name((enum xlat_reason)i), v,
			   xlat_reason_explain((enum xlat_reason)i));
	}
}

static void print_line(void *out, const char *name, unsigned long long v,
		       const char *why)
{
	fprintf(out, "%-28s %12llu  # %s\n", name, v, why);
}

void xdp_mode_stats_print(const struct xdp_mode *xm, FILE *out)
{
	xdp_mode_counters(xm, print_line, out);
}

unsigned xdp_mode_adopted(const struct xdp_mode *xm)
{
	return xm->adopted;
}

void xdp_mode_stop(struct xdp_mode *xm, int keep)
{
	if (!xm)
		return;
	for (unsigned i = 0; i < xm->attached; i++) {
		if (!keep) /* the last reference: the program detaches */
			unlink(xm->link_pin[i]);
		close(xm->link[i]);
	}
	if (xm->pinned && !keep) {
		struct bpf_map *m;
		bpf_object__for_each_map(m, xm->skel->obj)
		{
			if (!bpf_map__is_internal(m))
				bpf_map__unpin(m, NULL);
		}
		rmdir(xm->pin_dir);
	}
	if (xm->lock_fd >= 0)
		close(xm->lock_fd);
	if (xm->gnl) {
		char err[256];
		if (gnl_close(xm->gnl, keep, err, sizeof(err)))
			fprintf(stderr, "gate64d: netlink: %s\n", err);
		if (xm->cfg && xm->cfg->dp.mode == DP_NAT64)
			xdp_pool4_kept_end(&xm->cfg->nat64.pool4, xm->pin_dir,
					   keep);
	}
	if (xm->nat && xm->skel)
		xdp_nat64_log_drain(xm->nat, xm->skel, xm->maplog);
	xdp_nat64_fini(xm->nat);
	if (xm->maplog)
		fclose(xm->maplog);
	ring_buffer__free(xm->rb);
	if (xm->nl)
		nl_socket_free(xm->nl);
	xlat_xdp__destroy(xm->skel);
	free(xm);
}
