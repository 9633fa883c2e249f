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

struct cfg_gw {
	char file[512];
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

#endif
