/*
 * xdp_common.c - what xdp_mode.c and hybrid.c share (xdp_common.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/neighbour.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <netlink/netlink.h>
#include <netlink/route/neighbour.h>

#include "bpf/xdp_fwd.h"
#include "control/nl.h"
#include "control/xdp_common.h"

static const char *const fwd_name[] = {
#define XDP_FWD_NAME(name, label, why) label,
    XDP_FWD_COUNTERS(XDP_FWD_NAME)
#undef XDP_FWD_NAME
};
static const char *const fwd_why[] = {
#define XDP_FWD_WHY(name, label, why) why,
    XDP_FWD_COUNTERS(XDP_FWD_WHY)
#undef XDP_FWD_WHY
};

const char *xdp_fwd_name(unsigned i)
{
	return i < XDP_FWD_CNT_MAX ? fwd_name[i] : "?";
}

const char *xdp_fwd_why(unsigned i)
{
	return i < XDP_FWD_CNT_MAX ? fwd_why[i] : "";
}

/* An interface's MTU (sysfs), 0 if unknown. */
static unsigned if_mtu(const char *ifname)
{
	char p[128];
	unsigned v = 0;
	snprintf(p, sizeof(p), "/sys/class/net/%s/mtu", ifname);
	FILE *f = fopen(p, "r");
	if (f) {
		if (fscanf(f, "%u", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

int xdp_cfg_fill_common(struct xdp_cfg *x, const struct cfg_gw *cfg, char *err,
			size_t errlen)
{
	const char *if6 = cfg->xdp.ifname[0];
	const char *if4 = cfg->xdp.ifname[cfg->xdp.nif - 1];
	unsigned m6 = if_mtu(if6), m4 = if_mtu(if4);

	memset(x, 0, sizeof(*x));
	x->xlat = cfg->xlat;
	if (m6 < 1280 || m4 < 68 || m6 > 65535 || m4 > 65535) {
		snprintf(err, errlen,
			 "[xdp] interfaces: MTU %u on %s, %u on %s (is the "
			 "interface there?  the IPv6 side needs at least "
			 "1280, RFC 8200 §5)",
			 m6, if6, m4, if4);
		return -EINVAL;
	}
	if (cfg->xlat.lowest_ipv6_mtu > m6) {
		snprintf(err, errlen,
			 "[translator] lowest-ipv6-mtu = %u: above %s's MTU "
			 "%u: lower it or raise the interface's MTU",
			 cfg->xlat.lowest_ipv6_mtu, if6, m6);
		return -EINVAL;
	}
	x->xlat.ipv6_mtu = (uint16_t)m6;
	x->xlat.ipv4_mtu = (uint16_t)m4;
	rfc6052_pfx_init(&x->pool6, cfg->xlat.pool6.addr, cfg->xlat.pool6.len);
	x->dirs = XDP_DIR_6TO4 | XDP_DIR_4TO6;
	if (getrandom(&x->id_seed, sizeof(x->id_seed), 0) < 0)
		x->id_seed = (uint16_t)time(NULL);
	return 0;
}

int xdp_host4(const struct cfg_gw *cfg, uint32_t *out, unsigned max)
{
	const struct pool4_cfg *p = &cfg->nat64.pool4;
	struct ifaddrs *ifa = NULL;
	unsigned n = 0;

	if (getifaddrs(&ifa))
		return -1;
	for (struct ifaddrs *a = ifa; a && n < max; a = a->ifa_next) {
		if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET)
			continue;
		uint32_t ad =
		    ((struct sockaddr_in *)a->ifa_addr)->sin_addr.s_addr;
		int pool4 = 0;
		for (unsigned i = 0; cfg->dp.mode == DP_NAT64 && i < p->n; i++)
			pool4 |= htonl(p->r[i].addr) == ad;
		if (!pool4)
			out[n++] = ad;
	}
	freeifaddrs(ifa);
	return (int)n;
}

void xdp_local4_sync(int fd, const uint32_t *now, unsigned n,
		     const uint32_t *old, unsigned nold)
{
	uint8_t one = 1;
	for (unsigned i = 0; i < n; i++)
		bpf_map_update_elem(fd, &now[i], &one, BPF_ANY);
	for (unsigned i = 0; i < nold; i++) {
		unsigned j = 0;
		while (j < n && now[j] != old[i])
			j++;
		if (j == n) /* gone from the host */
			bpf_map_delete_elem(fd, &old[i]);
	}
}

int xdp_neigh_ask(struct nl_sock *nl, int ifindex, int family,
		  const uint8_t *addr)
{
	int r = -1;
	struct nl_addr *dst = nl_addr_build(family == 4 ? AF_INET : AF_INET6,
					    addr, family == 4 ? 4 : 16);
	struct rtnl_neigh *n = rtnl_neigh_alloc();
	if (nl && dst && n) {
		rtnl_neigh_set_ifindex(n, ifindex);
		rtnl_neigh_set_dst(n, dst);
		rtnl_neigh_set_flags(n, NTF_USE);
		r = rtnl_neigh_add(nl, n, NLM_F_CREATE | NLM_F_REPLACE);
	}
	rtnl_neigh_put(n);
	nl_addr_put(dst);
	return r;
}

static void kept_path(const char *key, char *buf, size_t len)
{
	char name[256];
	snprintf(name, sizeof(name), "%s", key);
	for (char *c = name; *c; c++)
		if (*c == '/')
			*c = '_';
	snprintf(buf, len, "/run/gate64/kept%s", name);
}

static int was_kept(const char *key, uint32_t a)
{
	char path[300], line[64];
	kept_path(key, path, sizeof(path));
	FILE *f = fopen(path, "r");
	int found = 0;
	while (f && !found && fgets(line, sizeof(line), f)) {
		struct in_addr ia;
		line[strcspn(line, "\n")] = 0;
		found = inet_pton(AF_INET, line, &ia) == 1 && ia.s_addr == a;
	}
	if (f)
		fclose(f);
	return found;
}

static void kept_write(const struct pool4_cfg *p, const char *key)
{
	char path[300];
	kept_path(key, path, sizeof(path));
	mkdir("/run/gate64", 0755);
	FILE *f = fopen(path, "w");
	for (unsigned i = 0; f && i < p->n; i++) {
		char s[INET_ADDRSTRLEN];
		uint32_t a = htonl(p->r[i].addr);
		fprintf(f, "%s\n", inet_ntop(AF_INET, &a, s, sizeof(s)));
	}
	if (f)
		fclose(f);
}

int xdp_pool4_addrs(struct gnl *g, const char *ifname,
		    const struct pool4_cfg *p, const char *key, char *err,
		    size_t errlen)
{
	int r = 0;
	for (unsigned i = 0; !r && i < p->n; i++) {
		unsigned j = 0;
		while (j < i && p->r[j].addr != p->r[i].addr)
			j++;
		if (j < i)
			continue; /* one address, several protocols */
		uint32_t a = htonl(p->r[i].addr);
		r = gnl_addr_add(g, ifname, AF_INET, &a, 32, err, errlen);
		if (r == GNL_FOUND && was_kept(key, a)) {
			gnl_adopt_last(g); /* ours, left by an earlier run */
			r = 0;
		} else if (r == GNL_FOUND) {
			fprintf(stderr, "gate64d: netlink: %s\n", err);
			r = 0;
		}
	}
	if (!r)
		kept_write(p, key);
	return r;
}

void xdp_pool4_kept_end(const struct pool4_cfg *p, const char *key, int keep)
{
	char path[300];
	kept_path(key, path, sizeof(path));
	if (keep)
		kept_write(p, key);
	else
		unlink(path);
}

#define BPF_FS_MAGIC_ 0xcafe4a11 /* statfs f_type of bpffs */

int xdp_pin_dir_check(const char *d, char *err, size_t errlen)
{
	struct statfs fs;
	if (mkdir(d, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "[xdp] pin-dir = %s: %s%s", d,
			 strerror(errno),
			 errno == ENOENT ? " (its parent must exist on a BPF "
					   "file system: mount -t bpf bpf "
					   "/sys/fs/bpf)"
					 : "");
		return -errno;
	}
	if (statfs(d, &fs) || (unsigned long)fs.f_type != BPF_FS_MAGIC_) {
		snprintf(err, errlen,
			 "[xdp] pin-dir = %s: not on a BPF file system (mount "
			 "-t bpf bpf /sys/fs/bpf, and use a directory under "
			 "it)",
			 d);
		return -EINVAL;
	}
	return 0;
}

int xdp_percpu_copy(int from, int to)
{
	struct bpf_map_info a, b;
	uint32_t la = sizeof(a), lb = sizeof(b);
	uint64_t v[256];
	int ncpu = libbpf_num_possible_cpus();
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (bpf_obj_get_info_by_fd(from, &a, &la) ||
	    bpf_obj_get_info_by_fd(to, &b, &lb))
		return -errno;
	if (ncpu <= 0 || ncpu > 256 || a.value_size != sizeof(*v) ||
	    b.value_size != sizeof(*v))
		return -EINVAL;
	for (uint32_t k = 0; k < a.max_entries && k < b.max_entries; k++)
		if (!bpf_map_lookup_elem(from, &k, v) &&
		    bpf_map_update_elem(to, &k, v, BPF_ANY))
			return -errno;
	return 0;
}

/*
 * What the kernel learns from gate64d (netlink, control/nl.h): pool6 as a
 * route out of the IPv6 side, protocol 64, for as long as gate64d runs
 * (or keeps its state), so that a routing daemon on the host announces it
 * (docs/xdp.md, docs/multi-node.md); the EAM entries' IPv6 prefixes the
 * same way; pool4's addresses on the IPv4 side.  The interfaces are
 * watched: a link that goes down takes the routes with it (the
 * announcement is withdrawn), one that comes back gets them again.
 * Packets to pool6 that arrive on the attached interfaces never reach
 * the route: XDP takes them first.
 */
int xdp_kernel_setup(struct gnl **g, const struct cfg_gw *cfg,
		     const char *kept_key, char *err, size_t errlen)
{
	unsigned nif = cfg->xdp.nif;
	int r = gnl_open(g, err, errlen);
	for (unsigned i = 0; !r && i < nif; i++)
		r = gnl_watch(*g, cfg->xdp.ifname[i], err, errlen);
	if (r)
		return r;
	r = gnl_route_add(*g, cfg->xdp.ifname[0], AF_INET6,
			  cfg->xlat.pool6.addr, cfg->xlat.pool6.len, NULL, 0,
			  err, errlen);
	if (r == GNL_FOUND) { /* the operator's: kept, and said */
		fprintf(stderr, "gate64d: netlink: %s\n", err);
		r = 0;
	}
	/* RFC 7757: the EAM entries' IPv6 prefixes, as pool6 (one inside
	 * pool6 is routed by it already: GNL_FOUND only for an equal one) */
	for (uint32_t i = 0; !r && cfg->eamt && i < cfg->eamt->n; i++) {
		const struct xlat_eam *e = &cfg->eamt->by6[i];
		r = gnl_route_add(*g, cfg->xdp.ifname[0], AF_INET6, e->v6,
				  e->v6len, NULL, 0, err, errlen);
		if (r == GNL_FOUND) {
			fprintf(stderr, "gate64d: netlink: %s\n", err);
			r = 0;
		}
	}
	/* pool4's addresses on the IPv4 side: the kernel answers ARP */
	if (!r && cfg->dp.mode == DP_NAT64)
		r = xdp_pool4_addrs(*g, cfg->xdp.ifname[nif - 1],
				    &cfg->nat64.pool4, kept_key, err, errlen);
	return r;
}

/* A watched link or an installed route changed: say so; a link that came
 * back gets its routes again (the kernel removed them when it went down,
 * and a routing daemon withdrew them from its peers meanwhile). */
static void on_gnl_event(void *arg, const struct gnl_event *ev)
{
	struct gnl *g = arg;
	fprintf(stderr, "gate64d: netlink: %s\n", ev->text);
	if (ev->type == GNL_EV_LINK_UP) {
		char err[256];
		if (gnl_restore(g, err, sizeof(err)) < 0)
			fprintf(stderr, "gate64d: netlink: %s\n", err);
	}
}

void xdp_kernel_poll(struct gnl *g, time_t *check_at)
{
	time_t now = time(NULL);
	if (!g)
		return;
	gnl_poll_changes(g, on_gnl_event, g);
	if (now - *check_at >= 10) { /* what no event told: compare */
		*check_at = now;
		gnl_check(g, on_gnl_event, g);
	}
}
