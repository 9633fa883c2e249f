/*
 * hybrid.c - gate64d in mode = hybrid (hybrid.h).
 */
#include <arpa/inet.h>
#include <elf.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
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
#include "control/hybrid.h"
#include "control/xdp_common.h"
#include "control/nl.h"
#include "control/xdp_eam.h"
#include "control/xdp_nat64.h"
#include "dataplane/dpdk/dp_neigh.h"
#include "xlat_xdp.skel.h"

#define LOCAL4_MAX 256 /* xdp_local4's size (bpf/xdp_fwd.h) */

/* A program of ours on an interface and its maps (fds, -1: none). */
struct hy_prog {
	int prog, counters, fwd, local4, neigh_req;
	int sess6, sess4;	/* NAT64: the session maps */
	int eam4, eam6, eam_on; /* the EAM tries (RFC 7757) */
};

/* One interface: the program net_af_xdp loaded there, and its maps; the
 * one an earlier gate64d left running there, until the new one took its
 * place (docs/hybrid.md, "Restarting without dropping flows"). */
struct hy_if {
	int ifindex;
	char obj[64]; /* the object written for it, until hybrid_start */
	struct hy_prog p, old;
	int lock;	    /* flock: one gate64d per interface */
	char lock_path[64]; /* its file, removed at exit */
	/* [xdp] pin-dir given: PIN-DIR/hybrid-IF, where the state is pinned */
	char pins[CFG_XDP_PATH + 32];
};

/* The program's maps gate64d uses, by name; the first NPINNED are the
 * state pinned in PIN-DIR/hybrid-IF when [xdp] pin-dir is given (what
 * must outlive gate64d, and its program). */
static const struct {
	const char *name;
	size_t off;
} maps[] = {
    {"g64_sess6", offsetof(struct hy_prog, sess6)},
    {"g64_sess4", offsetof(struct hy_prog, sess4)},
    {"xdp_counters", offsetof(struct hy_prog, counters)},
    {"xdp_fwd_counters", offsetof(struct hy_prog, fwd)},
    {"xdp_local4", offsetof(struct hy_prog, local4)},
    {"xdp_neigh_req", offsetof(struct hy_prog, neigh_req)},
    {"g64_eam4", offsetof(struct hy_prog, eam4)},
    {"g64_eam6", offsetof(struct hy_prog, eam6)},
    {"g64_eam_on", offsetof(struct hy_prog, eam_on)},
};
#define NMAPS	(sizeof(maps) / sizeof(*maps))
#define NPINNED 4

static int *slot(struct hy_prog *p, size_t k)
{
	return (int *)((char *)p + maps[k].off);
}

struct hybrid {
	struct hy_if i[2];
	unsigned nif;
	struct dp *dp;
	struct ring_buffer *rb;
	struct nl_sock *nl;
	uint32_t local4[LOCAL4_MAX]; /* what xdp_local4 holds now */
	unsigned nlocal4;
	time_t local4_at;
	struct timespec neigh_at;
	unsigned long long neigh_asked, neigh_copied;
	/* NAT64: the workers' sessions into the maps, the maps' `last` back */
	const struct cfg_gw *cfg;
	int nat64;
	struct gnl *gnl; /* routes and addresses for the kernel (netlink) */
	time_t gnl_at;	 /* the last comparison with the kernel */
	time_t sweep_at;
	uint32_t sweep_now; /* CLOCK_MONOTONIC s of the running sweep */
	unsigned long long exported, export_failed, last_posted, last_lost;
	unsigned long long map_expired;
	/* a restart: the programs an earlier gate64d left running */
	struct rfc6052_pfx pool6; /* the remotes' IPv6 images (sessions) */
	unsigned taken_over;	  /* interfaces whose program was replaced */
	unsigned from_pins;	  /* interfaces whose state came from pins */
	unsigned long long adopted, adopt_refused;
	int keep; /* --keep-state: leave the programs and addresses */
};

/* The one gate64d of this process in mode = hybrid, for net_af_xdp's
 * attach and detach calls (below). */
static struct hybrid *hy_live;

/* The program's configuration for cfg, as mode = xdp loads it, but
 * handing on to the workers' sockets. */
static int cfg_fill(struct xdp_cfg *x, const struct cfg_gw *cfg, char *err,
		    size_t errlen)
{
	int r = xdp_cfg_fill_common(x, cfg, err, errlen);
	if (r)
		return r;
	x->hand_on = XDP_REDIRECT; /* to the workers' XSK of the RX queue */
	if (cfg->dp.mode == DP_NAT64) { /* hit-only: the core makes state */
		xdp_nat64_cfg_fill(x, cfg);
		x->create = 0;
	}
	/* RFC 7757: the tries, filled at hybrid_start; until then the
	 * program hands every frame on to the workers (g64_eam_on) */
	x->eam = cfg->eamt != NULL;
	return 0;
}

/* Replace the bytes of the .rodata symbol 'name' (of exactly len bytes)
 * in the ELF64 object o (n bytes).  0, or -ENOENT. */
static int elf_set(uint8_t *o, size_t n, const char *name, const void *v,
		   size_t len)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)o;
	if (n < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shoff + (size_t)eh->e_shnum * sizeof(Elf64_Shdr) > n ||
	    eh->e_shstrndx >= eh->e_shnum)
		return -ENOENT;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(o + eh->e_shoff);
	const char *shstr = (const char *)o + sh[eh->e_shstrndx].sh_offset;
	unsigned rodata = 0, symtab = 0;
	for (unsigned i = 1; i < eh->e_shnum; i++) {
		if (sh[i].sh_type == SHT_PROGBITS &&
		    !strcmp(shstr + sh[i].sh_name, ".rodata"))
			rodata = i;
		if (sh[i].sh_type == SHT_SYMTAB)
			symtab = i;
	}
	if (!rodata || !symtab || sh[symtab].sh_link >= eh->e_shnum ||
	    sh[symtab].sh_offset + sh[symtab].sh_size > n)
		return -ENOENT;
	const char *str = (const char *)o + sh[sh[symtab].sh_link].sh_offset;
	const Elf64_Sym *sym = (const Elf64_Sym *)(o + sh[symtab].sh_offset);
	size_t nsym = sh[symtab].sh_size / sizeof(*sym);
	for (size_t k = 0; k < nsym; k++) {
		if (sym[k].st_shndx != rodata || sym[k].st_size != len ||
		    strcmp(str + sym[k].st_name, name))
			continue;
		size_t off = sh[rodata].sh_offset + sym[k].st_value;
		if (off + len > n)
			return -ENOENT;
		memcpy(o + off, v, len);
		return 0;
	}
	return -ENOENT;
}

/* The skeleton's object with the configuration in its .rodata, written
 * to a file of our own (mkstemps: mode 0600) named in i->obj. */
static int write_obj(struct hy_if *i, const struct xdp_cfg *x,
		     const struct xdp_fwd_cfg *f, char *err, size_t errlen)
{
	size_t n;
	const void *elf = xlat_xdp__elf_bytes(&n);
	uint8_t *o = malloc(n);
	int r = -ENOMEM;
	if (!o)
		goto fail;
	memcpy(o, elf, n);
	if ((r = elf_set(o, n, "xdp_cfg", x, sizeof(*x))) ||
	    (r = elf_set(o, n, "xdp_fwd", f, sizeof(*f)))) {
		snprintf(err, errlen,
			 "hybrid: the XDP object has no .rodata xdp_cfg / "
			 "xdp_fwd of this build's sizes (rebuild gate64)");
		free(o);
		return r;
	}
	snprintf(i->obj, sizeof(i->obj), "/tmp/gate64-xdp-XXXXXX.o");
	int fd = mkstemps(i->obj, 2);
	if (fd < 0) {
		r = -errno;
		i->obj[0] = 0;
		goto fail;
	}
	ssize_t w = write(fd, o, n);
	if (close(fd) || w != (ssize_t)n) {
		r = -EIO;
		goto fail;
	}
	free(o);
	return 0;
fail:
	free(o);
	snprintf(err, errlen, "hybrid: writing the XDP object: %s",
		 strerror(-r));
	return r;
}

/* The interface's receive queues (sysfs), 0 if unknown. */
static unsigned if_rx_queues(const char *ifname)
{
	char p[128];
	unsigned n = 0;
	snprintf(p, sizeof(p), "/sys/class/net/%s/queues", ifname);
	DIR *d = opendir(p);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL)
		n += !strncmp(e->d_name, "rx-", 3);
	if (d)
		closedir(d);
	return n;
}

static void prog_init(struct hy_prog *p)
{
	p->prog = -1;
	for (size_t k = 0; k < NMAPS; k++)
		*slot(p, k) = -1;
}

static void prog_close(struct hy_prog *p)
{
	if (p->prog >= 0)
		close(p->prog);
	for (size_t k = 0; k < NMAPS; k++)
		if (*slot(p, k) >= 0)
			close(*slot(p, k));
	prog_init(p);
}

/* The maps of program fd (taken: closed by prog_close), by name (a map
 * name is cut at BPF_OBJ_NAME_LEN - 1).  0, or -ENOENT when it is not
 * gate64's program (xlat_xdp) or lacks one of them. */
static int prog_maps(struct hy_prog *p, int fd, char *name, size_t namelen)
{
	uint32_t ids[64];
	struct bpf_prog_info pi;
	uint32_t len = sizeof(pi);

	prog_init(p);
	p->prog = fd;
	memset(&pi, 0, sizeof(pi));
	pi.nr_map_ids = 64;
	pi.map_ids = (uint64_t)(uintptr_t)ids;
	if (bpf_obj_get_info_by_fd(fd, &pi, &len))
		return -errno;
	snprintf(name, namelen, "%s", pi.name);
	if (strcmp(pi.name, "xlat_xdp"))
		return -ENOENT;
	for (uint32_t k = 0; k < pi.nr_map_ids && k < 64; k++) {
		int mfd = bpf_map_get_fd_by_id(ids[k]);
		struct bpf_map_info mi;
		uint32_t ml = sizeof(mi);
		int kept = 0;
		memset(&mi, 0, sizeof(mi));
		if (mfd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(mfd, &mi, &ml)) {
			for (size_t w = 0; w < NMAPS; w++)
				if (*slot(p, w) < 0 &&
				    !strncmp(mi.name, maps[w].name,
					     BPF_OBJ_NAME_LEN - 1)) {
					*slot(p, w) = mfd;
					kept = 1;
				}
		}
		if (!kept)
			close(mfd);
	}
	for (size_t w = 0; w < NMAPS; w++)
		if (*slot(p, w) < 0)
			return -ENOENT;
	return 0;
}

/* The program attached to the interface: none (0, *p untouched), ours
 * (1, its maps in *p), or another's (-EBUSY, err says what to do). */
static int attached(struct hy_prog *p, int ifindex, const char *ifname,
		    char *err, size_t errlen)
{
	uint32_t id = 0;
	char name[BPF_OBJ_NAME_LEN] = "";
	if (bpf_xdp_query_id(ifindex, 0, &id) || !id)
		return 0;
	int fd = bpf_prog_get_fd_by_id(id);
	int r = fd < 0 ? -errno : prog_maps(p, fd, name, sizeof(name));
	if (r == 0)
		return 1;
	prog_close(p);
	snprintf(err, errlen,
		 "[xdp] interfaces: %s has an XDP program attached that is "
		 "not gate64's (id %u, %s): remove it (ip link set dev %s "
		 "xdp off) or name another interface",
		 ifname, id, name[0] ? name : strerror(-r), ifname);
	return -EBUSY;
}

/* The state an earlier gate64d pinned in i->pins, when no program runs
 * on the interface (detached by hand, the interface made again): 1 and
 * its maps in i->old, 0 when there is none (or not all of it). */
static int pins_open(struct hy_if *i)
{
	char path[sizeof(i->pins) + 32];
	unsigned n = 0;
	for (size_t k = 0; k < NPINNED; k++) {
		snprintf(path, sizeof(path), "%s/%s", i->pins, maps[k].name);
		int fd = bpf_obj_get(path);
		if (fd >= 0) {
			*slot(&i->old, k) = fd;
			n++;
		}
	}
	if (n == NPINNED)
		return 1;
	prog_close(&i->old);
	return 0;
}

/* The running program's state maps pinned in i->pins (replacing what is
 * there).  0 or -errno with err filled. */
static int pins_write(struct hy_if *i, char *err, size_t errlen)
{
	char path[sizeof(i->pins) + 32];
	if (mkdir(i->pins, 0700) && errno != EEXIST)
		goto fail;
	for (size_t k = 0; k < NPINNED; k++) {
		snprintf(path, sizeof(path), "%s/%s", i->pins, maps[k].name);
		if ((unlink(path) && errno != ENOENT) ||
		    bpf_obj_pin(*slot(&i->p, k), path))
			goto fail;
	}
	return 0;
fail:
	snprintf(err, errlen, "[xdp] pin-dir: pinning in %s: %s", i->pins,
		 strerror(errno));
	return -errno;
}

static void pins_remove(struct hy_if *i, const char *pin_dir)
{
	char path[sizeof(i->pins) + 32];
	for (size_t k = 0; k < NPINNED; k++) {
		snprintf(path, sizeof(path), "%s/%s", i->pins, maps[k].name);
		unlink(path);
	}
	rmdir(i->pins);
	rmdir(pin_dir); /* when empty */
}

/* One gate64d per interface: an flock held while it runs (a second one
 * would take the first one's program over). */
static int if_lock(struct hy_if *i, const char *ifname, char *err,
		   size_t errlen)
{
	char *path = i->lock_path;
	mkdir("/run/gate64", 0755);
	snprintf(path, sizeof(i->lock_path), "/run/gate64/hybrid-%s.lock",
		 ifname);
	i->lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (i->lock >= 0 && flock(i->lock, LOCK_EX | LOCK_NB) == 0)
		return 0;
	snprintf(err, errlen,
		 "[xdp] interfaces: %s: %s (%s): is another gate64d running "
		 "on it?",
		 ifname, path, strerror(errno));
	if (i->lock >= 0)
		close(i->lock);
	i->lock = -1;
	return -EBUSY;
}

/*
 * Restarting without dropping flows (docs/hybrid.md).  An earlier
 * gate64d stopped with --keep-state (or died): its program stays attached
 * and keeps translating the flows it has sessions for.  The new program
 * (net_af_xdp loads it in dp_create) takes its place in one step, with
 * the state already in its maps: the sessions (rebuilt for this pool6,
 * each with the latest `last` of its two entries), the EAM tries, the
 * host's addresses and what the old one counted.
 */

/* The session of IPv4 entry (k, v) as this configuration's entries. */
static void sess_rebuild(const struct hybrid *hy, const struct xdp_sess4_key *k,
			 const struct xdp_sess4_val *v, uint32_t last,
			 struct dp_xdp_sess *e)
{
	struct xdp_sess_tuple t = {
	    .proto = k->proto,
	    .state = v->state,
	    .timer = v->timer,
	    .src6 = v->src6,
	    .sport6 = v->sport6,
	    .port4 = k->port4,
	    .rport = k->rport,
	    .addr4 = k->addr4,
	    .raddr4 = k->raddr4,
	    .last = last,
	};
	xdp_sess_fill(&t, &hy->pool6, &e->k6, &e->v6, &e->k4, &e->v4);
}

/* The latest `last` of the session of IPv4 entry (k, v) in program p. */
static uint32_t sess_last(const struct hybrid *hy, const struct hy_prog *p,
			  const struct xdp_sess4_key *k,
			  const struct xdp_sess4_val *v)
{
	struct dp_xdp_sess e;
	struct xdp_sess6_val v6;
	sess_rebuild(hy, k, v, v->last, &e);
	if (!bpf_map_lookup_elem(p->sess6, &e.k6, &v6) &&
	    (int32_t)(v6.last - v->last) > 0)
		return v6.last;
	return v->last;
}

static int copy_sessions(const struct hybrid *hy, const struct hy_prog *from,
			 const struct hy_prog *to)
{
	struct xdp_sess4_key k, next;
	struct xdp_sess4_val v;
	struct dp_xdp_sess e;
	int more = bpf_map_get_next_key(from->sess4, NULL, &k) == 0;
	while (more) {
		more = bpf_map_get_next_key(from->sess4, &k, &next) == 0;
		if (!bpf_map_lookup_elem(from->sess4, &k, &v)) {
			sess_rebuild(hy, &k, &v, sess_last(hy, from, &k, &v),
				     &e);
			if (bpf_map_update_elem(to->sess6, &e.k6, &e.v6,
						BPF_ANY) ||
			    bpf_map_update_elem(to->sess4, &e.k4, &e.v4,
						BPF_ANY))
				return -errno;
		}
		k = next;
	}
	return 0;
}

static int take_over(struct hybrid *hy, struct hy_if *i, int fd)
{
	uint32_t host4[LOCAL4_MAX];
	char name[BPF_OBJ_NAME_LEN];
	int dup = fcntl(fd, F_DUPFD_CLOEXEC, 3), r;
	if (dup < 0)
		return -errno;
	if ((r = prog_maps(&i->p, dup, name, sizeof(name))) ||
	    (r = copy_sessions(hy, &i->old, &i->p)) ||
	    (r = xdp_percpu_copy(i->old.counters, i->p.counters)) ||
	    (r = xdp_percpu_copy(i->old.fwd, i->p.fwd)) ||
	    (r = xdp_eam_fill(i->p.eam4, i->p.eam6, i->p.eam_on,
			      hy->cfg->eamt)))
		return r;
	int n = xdp_host4(hy->cfg, host4, LOCAL4_MAX);
	if (n > 0)
		xdp_local4_sync(i->p.local4, host4, (unsigned)n, NULL, 0);
	return 0;
}

static struct hy_if *if_of(struct hybrid *hy, int ifindex)
{
	for (unsigned k = 0; hy && k < hy->nif; k++)
		if (hy->i[k].ifindex == ifindex)
			return &hy->i[k];
	return NULL;
}

typedef int attach_fn(int, int, __u32, const struct bpf_xdp_attach_opts *);
typedef int detach_fn(int, __u32, const struct bpf_xdp_attach_opts *);

/*
 * net_af_xdp (DPDK 22.11) attaches the program it loaded with
 * bpf_xdp_attach(ifindex, fd, XDP_FLAGS_UPDATE_IF_NOEXIST, NULL), which
 * fails while another is attached, and its port close detaches whatever
 * is attached (bpf_xdp_detach); it has no option to replace a running
 * program or to leave one behind.  gate64d defines the two functions
 * itself (exported, see the Makefile: the PMD, which the EAL loads as a
 * plugin, binds to the executable's definitions before libbpf's) and
 * passes every call through to libbpf's (dlsym RTLD_NEXT) but two:
 * - the attach on an interface where an earlier gate64d's program runs:
 *   the new program gets the old one's state (take_over), then replaces
 *   it atomically (XDP_FLAGS_REPLACE with the old program's fd): no frame
 *   meets an empty hook or empty maps;
 * - the detach at exit after hybrid_keep(): nothing is detached.
 */
int bpf_xdp_attach(int ifindex, int prog_fd, __u32 flags,
		   const struct bpf_xdp_attach_opts *opts)
{
	static attach_fn *real;
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "bpf_xdp_attach");
	if (!real)
		return -ENOSYS;
	struct hy_if *i = if_of(hy_live, ifindex);
	if (!i || i->old.sess4 < 0) /* nothing left by an earlier gate64d */
		return real(ifindex, prog_fd, flags, opts);
	int r = take_over(hy_live, i, prog_fd);
	if (r) {
		fprintf(stderr,
			"gate64d: hybrid: taking over the running program on "
			"ifindex %d: %s (it keeps running; stop it with "
			"ip link set dev IF xdp off to start afresh)\n",
			ifindex, strerror(-r));
		prog_close(&i->p);
		return r;
	}
	struct bpf_xdp_attach_opts o = {.sz = sizeof(o), /* LIBBPF_OPTS */
					.old_prog_fd = i->old.prog};
	if (i->old.prog >= 0) /* in one step, from the running one */
		r = real(ifindex, prog_fd,
			 (flags & ~XDP_FLAGS_UPDATE_IF_NOEXIST) |
			     XDP_FLAGS_REPLACE,
			 &o);
	else /* its state from the pins: nothing attached */
		r = real(ifindex, prog_fd, flags, opts);
	if (r) {
		prog_close(&i->p);
		return r;
	}
	hy_live->taken_over += i->old.prog >= 0;
	prog_close(&i->old);
	return 0;
}

int bpf_xdp_detach(int ifindex, __u32 flags,
		   const struct bpf_xdp_attach_opts *opts)
{
	static detach_fn *real;
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "bpf_xdp_detach");
	if (!real)
		return -ENOSYS;
	if (hy_live && hy_live->keep && if_of(hy_live, ifindex))
		return 0;
	return real(ifindex, flags, opts);
}

int hybrid_prepare(struct hybrid **hyp, struct cfg_gw *cfg, char *err,
		   size_t errlen)
{
	struct hybrid *hy = calloc(1, sizeof(*hy));
	struct xdp_cfg x;
	struct xdp_fwd_cfg f = {.kernel = 1};
	int r;

	*hyp = hy;
	if (!hy) {
		snprintf(err, errlen, "hybrid: out of memory");
		return -ENOMEM;
	}
	hy->nif = cfg->xdp.nif;
	hy->cfg = cfg;
	hy->nat64 = cfg->dp.mode == DP_NAT64;
	for (unsigned k = 0; k < 2; k++) {
		prog_init(&hy->i[k].p);
		prog_init(&hy->i[k].old);
		hy->i[k].lock = -1;
	}
	rfc6052_pfx_init(&hy->pool6, cfg->xlat.pool6.addr, cfg->xlat.pool6.len);
	hy_live = hy;
	if ((r = cfg_fill(&x, cfg, err, errlen)))
		return r;
	for (unsigned k = 0; k < hy->nif; k++) {
		struct hy_if *i = &hy->i[k];
		struct dp_port_cfg *p = &cfg->dp.port[k];
		i->ifindex = (int)if_nametoindex(cfg->xdp.ifname[k]);
		if (!i->ifindex) {
			snprintf(err, errlen,
				 "[xdp] interfaces: %s: no such interface",
				 cfg->xdp.ifname[k]);
			return -ENODEV;
		}
		/* one AF_XDP socket per worker on queues 0..workers-1: the
		 * interface needs that many receive queues */
		unsigned q = if_rx_queues(cfg->xdp.ifname[k]);
		if (q && q < cfg->dp.nworkers) {
			snprintf(err, errlen,
				 "[xdp] interfaces: %s has %u receive queue%s, "
				 "[dpdk] lcores gives %u workers (one queue "
				 "each): ethtool -L %s combined %u, or fewer "
				 "lcores",
				 cfg->xdp.ifname[k], q, q == 1 ? "" : "s",
				 cfg->dp.nworkers, cfg->xdp.ifname[k],
				 cfg->dp.nworkers);
			return -EINVAL;
		}
		if ((r = if_lock(i, cfg->xdp.ifname[k], err, errlen)) ||
		    (r = attached(&i->old, i->ifindex, cfg->xdp.ifname[k], err,
				  errlen)) < 0)
			return r;
		if (cfg->xdp.pin_given) {
			snprintf(i->pins, sizeof(i->pins), "%s/hybrid-%s",
				 cfg->xdp.pin_dir, cfg->xdp.ifname[k]);
			if ((r = xdp_pin_dir_check(cfg->xdp.pin_dir, err,
						   errlen)))
				return r;
			if (i->old.sess4 < 0 && pins_open(i))
				hy->from_pins++;
		}
		if ((r = write_obj(i, &x, &f, err, errlen)))
			return r;
		size_t l = strlen(p->device);
		int w = snprintf(p->device + l, sizeof(p->device) - l,
				 ",xdp_prog=%s", i->obj);
		if (w < 0 || (size_t)w >= sizeof(p->device) - l) {
			snprintf(err, errlen, "hybrid: [%s] device too long",
				 p->name);
			return -ENOSPC;
		}
	}
	return 0;
}

/* A next hop to resolve (the program's request, or one the workers wait
 * for): RTM_NEWNEIGH with NTF_USE, as in mode = xdp. */
static void ask_kernel(struct hybrid *hy, int ifindex, int is6,
		       const uint8_t *addr)
{
	if (!xdp_neigh_ask(hy->nl, ifindex, is6 ? 6 : 4, addr))
		hy->neigh_asked++;
}

static int on_neigh_req(void *ctx, void *data, size_t len)
{
	const struct xdp_neigh_req *r = data;
	if (len >= sizeof(*r))
		ask_kernel(ctx, (int)r->ifindex, r->family == 6, r->addr);
	return 0;
}

/* The host's IPv4 addresses into every program's xdp_local4 (frames to
 * them are the kernel's). */
static void local4_refresh(struct hybrid *hy)
{
	uint32_t now[LOCAL4_MAX];
	hy->local4_at = time(NULL);
	int n = xdp_host4(hy->cfg, now, LOCAL4_MAX);
	if (n < 0)
		return; /* keep what the maps have */
	for (unsigned k = 0; k < hy->nif; k++)
		xdp_local4_sync(hy->i[k].p.local4, now, (unsigned)n, hy->local4,
				hy->nlocal4);
	memcpy(hy->local4, now, (unsigned)n * sizeof(*now));
	hy->nlocal4 = (unsigned)n;
}

static int port_of_ifindex(const struct hybrid *hy, int ifindex)
{
	for (unsigned k = 0; k < hy->nif; k++)
		if (hy->i[k].ifindex == ifindex)
			return (int)k;
	return -1;
}

/* One kernel neighbour with a MAC on our interfaces: into the cache. */
static void copy_neigh(struct nl_object *o, void *arg)
{
	struct hybrid *hy = arg;
	struct rtnl_neigh *n = (struct rtnl_neigh *)o;
	int pi = port_of_ifindex(hy, rtnl_neigh_get_ifindex(n));
	int st = rtnl_neigh_get_state(n);
	struct nl_addr *dst = rtnl_neigh_get_dst(n);
	struct nl_addr *ll = rtnl_neigh_get_lladdr(n);
	uint8_t ip[16] = {0};

	if (pi < 0 || !dst || !ll || nl_addr_get_len(ll) != 6 ||
	    !(st & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE |
		    NUD_PERMANENT)))
		return;
	int is6 = nl_addr_get_family(dst) == AF_INET6;
	unsigned len = nl_addr_get_len(dst);
	if (len != (is6 ? 16u : 4u))
		return;
	memcpy(ip, nl_addr_get_binary_addr(dst), len);
	dp_neigh_confirm(hy->dp, (unsigned)pi, is6, ip,
			 nl_addr_get_binary_addr(ll));
	hy->neigh_copied++;
}

/* A next hop the workers wait for: asked of the kernel. */
static int ask_incomplete(uint16_t port, int is6, const uint8_t *ip,
			  const struct dp_neigh_info *info, void *arg)
{
	struct hybrid *hy = arg;
	if (info->state == DP_NEIGH_INCOMPLETE && port < hy->nif)
		ask_kernel(hy, hy->i[port].ifindex, is6, ip);
	return 0;
}

static void neigh_sync(struct hybrid *hy)
{
	struct nl_cache *c = NULL;
	dp_neigh_foreach(dp_neigh_table(hy->dp), ask_incomplete, hy);
	if (hy->nl && rtnl_neigh_alloc_cache(hy->nl, &c) == 0) {
		nl_cache_foreach(c, copy_neigh, hy);
		nl_cache_free(c);
	}
}

/* The name of the kept list of pool4's addresses (xdp_pool4_addrs). */
static void kept_key(const struct hybrid *hy, char *key, size_t len)
{
	snprintf(key, len, "-hybrid-%s", hy->cfg->xdp.ifname[hy->nif - 1]);
}

/*
 * Every session in the maps, once (by its IPv4 entry in the first
 * interface's program), with the latest `last` of its entries over the
 * programs (XDP refreshes the entry of the direction it translated: an
 * upload refreshes only the IPv6 one), for fn.
 */
typedef void sess_fn(struct hybrid *hy, const struct xdp_sess4_key *k,
		     const struct xdp_sess4_val *v, uint32_t last);

static void sess_each(struct hybrid *hy, sess_fn *fn)
{
	struct xdp_sess4_key k, next;
	struct xdp_sess4_val v;
	int fd = hy->i[0].p.sess4,
	    more = bpf_map_get_next_key(fd, NULL, &k) == 0;
	while (more) {
		more = bpf_map_get_next_key(fd, &k, &next) == 0;
		uint32_t last = 0;
		int have = 0;
		for (unsigned j = 0; j < hy->nif; j++) {
			struct xdp_sess4_val vj;
			if (bpf_map_lookup_elem(hy->i[j].p.sess4, &k, &vj))
				continue;
			uint32_t l = sess_last(hy, &hy->i[j].p, &k, &vj);
			if (!have || (int32_t)(l - last) > 0)
				last = l;
			v = vj;
			have = 1;
		}
		if (have)
			fn(hy, &k, &v, last);
		k = next;
	}
}

/* A session out of every program's maps. */
static void sess_delete(struct hybrid *hy, const struct xdp_sess4_key *k,
			const struct xdp_sess4_val *v)
{
	struct dp_xdp_sess e;
	sess_rebuild(hy, k, v, v->last, &e);
	for (unsigned j = 0; j < hy->nif; j++) {
		bpf_map_delete_elem(hy->i[j].p.sess4, &e.k4);
		bpf_map_delete_elem(hy->i[j].p.sess6, &e.k6);
	}
}

/* After a take-over: a session the maps hold (the old programs') into
 * the workers' core, with its pool4 address and port (the workers do
 * not run yet).  One the core cannot take (this configuration has not
 * its pool4 port, its subscriber is over a limit, a table is full)
 * leaves the maps too: XDP must not translate a flow whose port the
 * core may give to another. */
static void adopt_one(struct hybrid *hy, const struct xdp_sess4_key *k,
		      const struct xdp_sess4_val *v, uint32_t last)
{
	int r = dp_xdp_adopt(hy->dp, k, v, last);
	if (r == 0 || r == -EEXIST) {
		hy->adopted += r == 0;
	} else {
		sess_delete(hy, k, v);
		hy->adopt_refused++;
	}
}

/* The sessions the workers translated, into every program's maps. */
static void nat64_export(struct hybrid *hy)
{
	struct dp_xdp_sess e[256];
	unsigned n;
	do {
		n = dp_xdp_export_drain(hy->dp, e, 256);
		for (unsigned j = 0; j < n; j++) {
			for (unsigned k = 0; k < hy->nif; k++) {
				const struct hy_if *i = &hy->i[k];
				if (bpf_map_update_elem(i->p.sess6, &e[j].k6,
							&e[j].v6, BPF_ANY) ||
				    bpf_map_update_elem(i->p.sess4, &e[j].k4,
							&e[j].v4, BPF_ANY))
					hy->export_failed++;
			}
			hy->exported++;
		}
	} while (n == 256);
}

/* Once a second: every session in the maps that XDP used in the last
 * two seconds, its latest `last` over the programs posted to the worker
 * that owns it (so that the core does not expire what XDP keeps
 * translating), and the entries past their lifetime (the program's own
 * rule, plus 2 s: the core ends the session first) removed from every
 * program. */
static void sweep_one(struct hybrid *hy, const struct xdp_sess4_key *k,
		      const struct xdp_sess4_val *v, uint32_t last)
{
	uint8_t t = v->timer < NAT64_NTIMERS ? v->timer : 0;
	uint32_t idle = hy->sweep_now - last;
	if ((int32_t)idle > (int32_t)(hy->cfg->nat64.timeout[t] + 2)) {
		sess_delete(hy, k, v); /* dead */
		hy->map_expired++;
	} else if ((int32_t)idle <= 2) { /* XDP used it lately */
		struct dp_xdp_last l = {.k4 = *k, .last = last};
		if (!dp_xdp_last_post(hy->dp, &l))
			hy->last_posted++;
		else
			hy->last_lost++;
	}
}

static void nat64_sweep(struct hybrid *hy)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	hy->sweep_now = (uint32_t)ts.tv_sec;
	sess_each(hy, sweep_one);
}

int hybrid_start(struct hybrid *hy, struct dp *dp, char *err, size_t errlen)
{
	int r;
	hy->dp = dp;
	for (unsigned k = 0; k < hy->nif; k++) { /* loaded: not needed */
		if (hy->i[k].obj[0])
			unlink(hy->i[k].obj);
		hy->i[k].obj[0] = 0;
	}
	for (unsigned k = 0; k < hy->nif; k++) {
		struct hy_if *i = &hy->i[k];
		/* found already when it took an earlier one's place */
		r = i->p.prog >= 0
			? 1
			: attached(&i->p, i->ifindex, hy->cfg->xdp.ifname[k],
				   err, errlen);
		if (r == 0)
			snprintf(err, errlen,
				 "hybrid: no XDP program on %s after the ports "
				 "started (did net_af_xdp load xdp_prog?)",
				 hy->cfg->xdp.ifname[k]);
		if (r <= 0)
			return r ? r : -ENOENT;
		if ((r = xdp_eam_fill(i->p.eam4, i->p.eam6, i->p.eam_on,
				      hy->cfg->eamt))) {
			snprintf(err, errlen,
				 "hybrid: filling the EAM tries on ifindex "
				 "%d: %s",
				 i->ifindex, strerror(-r));
			return r;
		}
		if (!hy->rb)
			hy->rb = ring_buffer__new(i->p.neigh_req, on_neigh_req,
						  hy, NULL);
		else if (ring_buffer__add(hy->rb, i->p.neigh_req, on_neigh_req,
					  hy))
			hy->rb = NULL;
		if (!hy->rb) {
			snprintf(err, errlen,
				 "hybrid: the neighbour request ring: %s",
				 strerror(errno));
			return -errno;
		}
	}
	hy->nl = nl_socket_alloc();
	if (!hy->nl || nl_connect(hy->nl, NETLINK_ROUTE)) {
		snprintf(err, errlen, "hybrid: netlink socket failed");
		return -EIO;
	}
	/* NAT64: the workers export their sessions to the maps */
	if (hy->nat64 && (r = dp_xdp_export_enable(dp, err, errlen)))
		return r;
	/* the kernel routes pool6 and EAM to the IPv6 side, answers ARP for
	 * pool4 (as in mode = xdp; removed at exit, or kept and adopted) */
	char key[64];
	kept_key(hy, key, sizeof(key));
	if ((r = xdp_kernel_setup(&hy->gnl, hy->cfg, key, err, errlen)))
		return r;
	hy->gnl_at = time(NULL);
	if (hy->nat64 && (hy->taken_over || hy->from_pins))
		sess_each(hy, adopt_one);
	if (hy->taken_over)
		fprintf(stderr,
			"gate64d: hybrid: took over the XDP program%s an "
			"earlier gate64d left running on %u interface%s\n",
			hy->taken_over == 1 ? "" : "s", hy->taken_over,
			hy->taken_over == 1 ? "" : "s");
	if (hy->from_pins)
		fprintf(stderr,
			"gate64d: hybrid: took the state an earlier gate64d "
			"left pinned in %s (no program attached) on %u "
			"interface%s\n",
			hy->cfg->xdp.pin_dir, hy->from_pins,
			hy->from_pins == 1 ? "" : "s");
	if (hy->taken_over || hy->from_pins)
		fprintf(stderr,
			"gate64d: hybrid: %llu session%s adopted, %llu "
			"refused\n",
			hy->adopted, hy->adopted == 1 ? "" : "s",
			hy->adopt_refused);
	for (unsigned k = 0; k < hy->nif; k++)
		if (hy->i[k].pins[0] &&
		    (r = pins_write(&hy->i[k], err, errlen)))
			return r;
	local4_refresh(hy);
	neigh_sync(hy);
	return 0;
}

int hybrid_fd(const struct hybrid *hy)
{
	return hy && hy->rb ? ring_buffer__epoll_fd(hy->rb) : -1;
}

int hybrid_timeout_ms(const struct hybrid *hy)
{
	return hy && hy->nat64 ? 2 : 50;
}

void hybrid_poll(struct hybrid *hy)
{
	struct timespec now;
	if (!hy || !hy->rb)
		return;
	ring_buffer__consume(hy->rb);
	xdp_kernel_poll(hy->gnl, &hy->gnl_at);
	if (hy->nat64) {
		nat64_export(hy);
		if (time(NULL) != hy->sweep_at) {
			hy->sweep_at = time(NULL);
			nat64_sweep(hy);
		}
	}
	if (time(NULL) != hy->local4_at)
		local4_refresh(hy);
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (now.tv_sec - hy->neigh_at.tv_sec) * 1000 +
		  (now.tv_nsec - hy->neigh_at.tv_nsec) / 1000000;
	if (ms >= 100) {
		hy->neigh_at = now;
		neigh_sync(hy);
	}
}

/* One per-CPU counter summed over the CPUs and the programs. */
static unsigned long long sum(const struct hybrid *hy, int fwd, uint32_t idx)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t v[256];
	unsigned long long s = 0;
	if (ncpu <= 0 || ncpu > 256)
		return 0;
	for (unsigned k = 0; k < hy->nif; k++) {
		int fd = fwd ? hy->i[k].p.fwd : hy->i[k].p.counters;
		if (fd < 0 || bpf_map_lookup_elem(fd, &idx, v))
			continue;
		for (int c = 0; c < ncpu; c++)
			s += v[c];
	}
	return s;
}

static void line(FILE *out, const char *name, unsigned long long v,
		 const char *why)
{
	fprintf(out, "%-28s %12llu  # %s\n", name, v, why);
}

void hybrid_stats_print(const struct hybrid *hy, FILE *out)
{
	if (!hy)
		return;
	line(out, "xdp-translated", sum(hy, 0, XDP_CNT_HANDLED),
	     "translated by the XDP program");
	line(out, "xdp-not-translated", sum(hy, 0, XDP_CNT_HANDED_ON),
	     "for the translator, but not what XDP translates (to the "
	     "workers)");
	for (uint32_t k = 0; k < XDP_FWD_CNT_MAX; k++)
		line(out, xdp_fwd_name(k), sum(hy, 1, k), xdp_fwd_why(k));
	line(out, "neighbour-requests", hy->neigh_asked,
	     "next hops gate64d asked the kernel to resolve (for XDP and "
	     "for the workers)");
	line(out, "neighbours-copied", hy->neigh_copied,
	     "kernel neighbour entries copied into the workers' cache");
	if (!hy->nat64)
		return;
	line(out, "xdp-session-hits", sum(hy, 0, XDP_CNT_SESS_HIT),
	     "packets of a session in the maps, translated in XDP");
	line(out, "xdp-session-misses", sum(hy, 0, XDP_CNT_SESS_MISS),
	     "packets without a session in the maps (to the workers)");
	line(out, "xdp-session-hits-handed-on",
	     sum(hy, 0, XDP_CNT_SESS_HIT_HANDED_ON),
	     "session packets XDP handed on (TCP SYN/FIN/RST, a state "
	     "change, past its lifetime)");
	line(out, "hybrid-sessions-exported", hy->exported,
	     "sessions (or their changes) the workers made, written into the "
	     "XDP maps");
	line(out, "hybrid-export-failed", hy->export_failed,
	     "map writes that failed (a map full)");
	line(out, "hybrid-last-posted", hy->last_posted,
	     "the maps' last-seen times given back to the workers");
	line(out, "hybrid-last-lost", hy->last_lost,
	     "last-seen times not given back: the worker's ring was full "
	     "(the core may end such a session early; XDP's entry stays "
	     "until its own lifetime ends)");
	line(out, "hybrid-map-expired", hy->map_expired,
	     "sessions removed from the maps past their lifetime");
	line(out, "hybrid-sessions-adopted", hy->adopted,
	     "sessions an earlier gate64d left in the maps, taken into the "
	     "workers' core at start (same pool4 address and port)");
	line(out, "hybrid-adopt-refused", hy->adopt_refused,
	     "such sessions the core could not take (pool4 or limits "
	     "changed, a table full): removed from the maps, the flow ends");
}

void hybrid_keep(struct hybrid *hy)
{
	if (hy)
		hy->keep = 1;
}

void hybrid_fini(struct hybrid *hy)
{
	if (!hy)
		return;
	for (unsigned k = 0; k < 2; k++) {
		struct hy_if *i = &hy->i[k];
		if (i->obj[0])
			unlink(i->obj);
		if (i->pins[0] && !hy->keep && i->p.prog >= 0)
			pins_remove(i, hy->cfg->xdp.pin_dir);
		prog_close(&i->p);
		prog_close(&i->old);
		if (i->lock >= 0) { /* held: ours to remove */
			unlink(i->lock_path);
			close(i->lock);
		}
	}
	if (hy->gnl) {
		char err[256], key[64];
		if (gnl_close(hy->gnl, hy->keep, err, sizeof(err)))
			fprintf(stderr, "gate64d: netlink: %s\n", err);
		kept_key(hy, key, sizeof(key));
		xdp_pool4_kept_end(&hy->cfg->nat64.pool4, key, hy->keep);
	}
	ring_buffer__free(hy->rb);
	if (hy->nl)
		nl_socket_free(hy->nl);
	if (hy_live == hy)
		hy_live = NULL;
	rmdir("/run/gate64"); /* when nothing else is in it */
	free(hy);
}
