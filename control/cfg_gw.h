/*
 * cfg_gw.h - the gateway's INI file (iniparser) for gate64d: the modes,
 * the ports, the translator, pool4, EAM, static BIB and the DPDK EAL
 * settings, parsed into the plain structs the dataplane takes
 * (dataplane/dpdk/dp_cfg.h, dataplane/xlat/xlat.h, nat64_db.h).  The
 * [dns64] section is cfg_dns64.h's.  Every key is documented in
 * conf/gate64.conf.
 *
 * Contract: cfg_gw_load() reads the file once and validates it whole
 * (xlat_cfg_check, nat64_cfg_check, pool4_cfg_check, EAM insertion, the
 * ports); the first problem is reported in err as
 * "FILE: [SECTION] KEY = VALUE: why" (or "FILE: [SECTION]: why") and the
 * function returns -EINVAL; nothing is half-filled that the caller would
 * use.  On success c->dp points into c itself (xlat, eamt, nat64,
 * static_bib): keep the struct where it is.  cfg_gw_free() releases the
 * EAM table.  Main thread only.
 */
#ifndef GATE64_CONTROL_CFG_GW_H
#define GATE64_CONTROL_CFG_GW_H

#include <stddef.h>

#include "dataplane/dpdk/dp_cfg.h"

#define CFG_GW_EAL_ARGS_MAX 32
#define CFG_GW_LCORES_MAX   (DP_WORKERS_MAX + 1)

enum cfg_gw_memory {
	CFG_MEM_IN_MEMORY = 0, /* hugepages, no files kept (--in-memory) */
	CFG_MEM_HUGEPAGES,     /* hugepages with a file prefix */
	CFG_MEM_NO_HUGE,       /* ordinary memory (--no-huge), for labs */
};

/* [gate64] mode: who touches the packets (docs/modes.md). */
enum cfg_gw_mode {
	CFG_MODE_DPDK = 0, /* DPDK workers own the ports ([port*], [dpdk]) */
	CFG_MODE_XDP,	   /* the XDP program alone; the kernel keeps the
			      NICs ([xdp]) */
	CFG_MODE_HYBRID,   /* the XDP program, and DPDK workers on
			      net_af_xdp for what it hands on ([xdp],
			      [dpdk], [port*]: docs/hybrid.md) */
};

#define CFG_XDP_IFNAME 16 /* IFNAMSIZ */

/* [xdp]: the interfaces the program is attached to. */
#define CFG_XDP_PATH 192

struct cfg_xdp {
	char ifname[2][CFG_XDP_IFNAME]; /* [0] IPv6 side, [1] IPv4 side */
	unsigned nif;			/* 1: one-arm, 2: two-arm */
	int generic;			/* attach = generic (SKB mode) */
	char pin_dir[CFG_XDP_PATH];	/* pin-dir: the links and maps */
	int pin_given;			/* pin-dir set in the file (hybrid:
					   pins only then) */
};

struct cfg_gw {
	char file[512];
	enum cfg_gw_mode gw_mode;
	struct cfg_xdp xdp;
	struct dp_cfg dp;
	struct xlat_cfg xlat;
	struct xlat_eamt *eamt; /* allocated when [eam] has entries */
	struct nat64_cfg nat64;
	struct dp_static_bib static_bib[DP_STATIC_BIB_MAX];
	char maplog[512];
	/* [dpdk] */
	unsigned lcores[CFG_GW_LCORES_MAX]; /* [0] the control thread (main
					       lcore), then one per worker */
	unsigned nlcores;		    /* 1 + dp.nworkers */
	enum cfg_gw_memory memory;
	unsigned socket_mem;			  /* MB, 0: EAL default */
	char file_prefix[64];			  /* default "gate64" */
	char eal_extra[CFG_GW_EAL_ARGS_MAX][128]; /* more EAL arguments */
	unsigned n_eal_extra;
	char pidfile[512];	 /* [gate64] pidfile, empty: none */
	char ctl_socket[108];	 /* [gate64] control-socket, default
				    /run/gate64/FILE-PREFIX.sock */
	unsigned ctl_mode;	 /* [gate64] control-socket-mode, 0660 */
	long ctl_gid;		 /* [gate64] control-socket-group, -1: none */
	char metrics_listen[64]; /* [metrics] listen; empty: no [metrics]
				    section, no endpoint */
	int has_dns64; /* a [dns64] section: gate64d runs DNS64 too (its keys
			  are cfg_dns64.h's) */
};

/* 0, or -EINVAL / -ENOENT / -ENOMEM with err filled. */
int cfg_gw_load(struct cfg_gw *c, const char *file, char *err, size_t errlen);
void cfg_gw_free(struct cfg_gw *c);

/*
 * The EAL argument vector for c: program name, -l/--lcores with
 * c->lcores, --main-lcore, --no-pci unless a port names a PCI device (then
 * -a for each PCI device), --vdev for each virtual device, the memory
 * options, --file-prefix, the extra arguments.  Strings point into buf
 * (size buflen); returns argc, or -ENOSPC.
 */
int cfg_gw_eal_args(const struct cfg_gw *c, const char *prog, char **argv,
		    int argv_max, char *buf, size_t buflen);

/*
 * Modes xdp and hybrid (the host owns the pool4 addresses): no TCP or UDP
 * pool4 range of c (loaded by cfg_gw_load, which calls this in those
 * modes) may overlap the host's net.ipv4.ip_local_port_range, read from
 * dir (NULL: /proc/sys/net/ipv4; tests give their own), unless
 * ip_local_reserved_ports there holds the overlap.  0, or -EINVAL with err
 * "FILE: [pool4] KEY = VALUE: overlaps ...".  In dpdk mode the kernel does
 * not own the pool4 addresses and the check does not apply.
 */
int cfg_gw_check_local_ports(const struct cfg_gw *c, const char *dir, char *err,
			     size_t errlen);

/*
 * gate64ctl pool4 add|del: the [pool4] address list cur with item added
 * (appended) or taken out.  item: "ADDR[/LEN]" or "ADDR[/LEN] PROTO
 * MIN-MAX".  del takes out the addresses of ADDR/LEN: an entry inside it
 * goes, an entry holding it is split into the prefixes that remain; with
 * PROTO MIN-MAX only that range goes (an entry of every protocol keeps the
 * other two, written with the section's ranges, ranges[proto] "MIN-MAX").
 * The result is validated by the reload (cfg_gw_load), not here.  0, or
 * -EINVAL with err saying why (no such entry, a malformed item).
 */
int cfg_gw_pool4_edit(const char *cur, int add, const char *item,
		      const char *const ranges[3], char *out, size_t outlen,
		      char *err, size_t errlen);

#endif
