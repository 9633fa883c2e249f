/*
 * xdp_cfg.h - the layouts the XDP program (bpf/xlat_xdp.c) and its loaders
 * (control/, tests/bpf/run_corpus_xdp.c) share: the load-time configuration
 * and the counter indices.  Defined once, here; both sides include it.
 *
 * Contract: plain structs, no state.  The configuration is the program's
 * `const volatile` rodata, written through the skeleton before load; a
 * change reloads the program.  The counters are a per-CPU array the loader
 * sums.
 */
#ifndef GATE64_BPF_XDP_CFG_H
#define GATE64_BPF_XDP_CFG_H

#include <stdint.h>

#include "dataplane/xlat/rfc6052.h"
#include "dataplane/xlat/xlat.h"
#include "dataplane/xlat/xlat_reason.h"

/* Which frames the program translates (xdp_cfg.dirs): an IPv6 frame is
 * 6to4, an IPv4 frame 4to6; a frame of a direction not set is handed on. */
#define XDP_DIR_6TO4 0x1
#define XDP_DIR_4TO6 0x2

struct xdp_cfg {
	struct xlat_cfg xlat;	  /* the core's configuration, as control/
				     fills it (pool6, RFC 6791 pool, MTUs,
				     TOS/traffic class rules) */
	struct rfc6052_pfx pool6; /* xlat.pool6 prepared by the loader with
				     rfc6052_pfx_init() */
	uint32_t hand_on;	  /* XDP action for every frame the program
				     does not translate: XDP_PASS (xdp mode);
				     hybrid mode will redirect to an XSK map */
	uint16_t id_seed;	  /* first IPv4 Identification (RFC 7739 §5.1)
				     on each CPU, plus xdp_ip4_id[cpu] */
	uint8_t dirs;		  /* XDP_DIR_* */
	uint8_t eam;		  /* an EAM table is configured: not in XDP
				     yet, so every frame is handed on */
};

/* The per-CPU counter array (map xdp_counters): the core's reasons for the
 * frames XDP decided (only XLAT_R_NONE, translated, in this slice), then
 * the totals of frames handled and handed on. */
enum xdp_counter {
	XDP_CNT_HANDLED = XLAT_R_MAX,
	XDP_CNT_HANDED_ON,
	XDP_CNT_MAX
};

#endif
