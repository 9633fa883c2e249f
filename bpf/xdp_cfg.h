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

#include "bpf/xdp_state.h"
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
	uint8_t stateful;	  /* stateful NAT64 (RFC 6146): translate only
				     packets of a session in g64_sess6/4
				     (bpf/xdp_state.h), never statelessly */
	uint8_t pad[3];
	/* stateful only: the core's nat64_cfg.timeout (seconds, indexed by
	   enum nat64_timer), for the lookup-time expiry */
	uint32_t timeout[NAT64_NTIMERS];
	/* stateful only: pool4's addresses (xdp_p4filter_add): an IPv6
	   packet to one of them is a hairpin, handed on */
	uint64_t p4filter[XDP_P4FILTER_WORDS];
};

/* The per-CPU counter array (map xdp_counters): the core's reasons for the
 * frames XDP decided (only XLAT_R_NONE, translated, in this slice), then
 * the totals of frames handled and handed on, then (stateful) the session
 * lookups: a hit the program translated, a miss (no entry: a new flow, or
 * one the core has not exported), and a hit handed on (past its lifetime,
 * a TCP SYN/FIN/RST or state change, or a packet the fast path refuses). */
enum xdp_counter {
	XDP_CNT_HANDLED = XLAT_R_MAX,
	XDP_CNT_HANDED_ON,
	XDP_CNT_SESS_HIT,
	XDP_CNT_SESS_MISS,
	XDP_CNT_SESS_HIT_HANDED_ON,
	XDP_CNT_MAX
};

#endif
