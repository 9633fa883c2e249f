/*
 * xdp_nat64.h - the control thread's side of stateful NAT64 in mode = xdp,
 * where the XDP program creates the state itself (bpf/xdp_state.h): what
 * the program needs in its configuration (pool4 ranges, RFC 6146
 * timeouts, filtering), the static BIB entries it starts with, the sweep
 * that ends sessions and BIB entries whose lifetime ran out, the tables as
 * gate64ctl lists them, and the mapping log (RFC 6888) from the program's
 * BIB events.
 *
 * Contract: control thread only; nothing here runs per packet.  The sweep
 * reads the maps in batches (bpf_map_lookup_batch) once a second: its
 * cost grows with the number of sessions (docs/xdp.md says how much).
 */
#ifndef GATE64_CONTROL_XDP_NAT64_H
#define GATE64_CONTROL_XDP_NAT64_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bpf/xdp_cfg.h"
#include "control/cfg_gw.h"
#include "dataplane/dpdk/dp.h" /* struct dp_dump_entry (plain C) */

struct xlat_xdp; /* the skeleton (build/bpf/xlat_xdp.skel.h) */

/* The program's NAT64 configuration from cfg (before load). */
void xdp_nat64_cfg_fill(struct xdp_cfg *x, const struct cfg_gw *cfg);
/* The state maps sized from [nat64] max-bib and max-sessions (before
 * load; a pinned map of another size is refused by libbpf). */
int xdp_nat64_size_maps(struct xlat_xdp *skel, const struct cfg_gw *cfg);
/* The [static-bib] entries into the BIB maps (after load); an entry that
 * is there already (a restart that kept the state) is left as it is. */
int xdp_nat64_static(struct xlat_xdp *skel, const struct cfg_gw *cfg, char *err,
		     size_t errlen);

struct xdp_nat64_counts {
	uint64_t sessions[NAT64_NPROTO], bib[NAT64_NPROTO];
	uint64_t p4used[POOL4_MAX_RANGES];	/* ports in use per pool4 range
						   (cfg->nat64.pool4.r[i]) */
	uint64_t expired_sessions, expired_bib; /* by the sweeps, in all */
};

struct xdp_nat64; /* the sweep's memory */

int xdp_nat64_init(struct xdp_nat64 **s, const struct cfg_gw *cfg);
void xdp_nat64_fini(struct xdp_nat64 *s);
/* After a reload: the configuration in use now (its timeouts). */
void xdp_nat64_set_cfg(struct xdp_nat64 *s, const struct cfg_gw *cfg);
/* One sweep: sessions past their lifetime (the latest `last` of both
 * directions against the timeout of their timer) go, then BIB entries
 * that are not static, have no session and were not used in the last
 * BIB_GRACE seconds (bib4.last); each BIB entry that goes is logged (log
 * may be NULL). */
void xdp_nat64_sweep(struct xdp_nat64 *s, struct xlat_xdp *skel, uint32_t now,
		     FILE *log);
/* The program's BIB-creation events to the mapping log (log may be NULL:
 * then they are only consumed). */
void xdp_nat64_log_drain(struct xdp_nat64 *s, struct xlat_xdp *skel, FILE *log);
/* The counts as of the last sweep. */
void xdp_nat64_counts(const struct xdp_nat64 *s, struct xdp_nat64_counts *c);
/*
 * A page of the sessions (sess = 1) or the BIB (sess = 0) as gate64ctl
 * shows them: entries start.. (in the maps' order) into out[0..max);
 * *n written, *next the cursor of the following page or DP_DUMP_END.
 */
int xdp_nat64_dump(struct xlat_xdp *skel, const struct cfg_gw *cfg, int sess,
		   uint32_t now, uint32_t start, struct dp_dump_entry *out,
		   uint32_t max, uint32_t *n, uint32_t *next);

#endif
