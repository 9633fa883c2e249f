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

/* xdp_cfg.filtering (RFC 6146 §3.5.1): endpoint-independent (a new
 * inbound session through any live BIB entry), or address-dependent (only
 * from a remote address the entry has a session with). */
#define XDP_FILTER_EIF 0
#define XDP_FILTER_ADF 1

/* One pool4 range of the program (create mode): an address, a protocol
 * and its ports. */
#define XDP_POOL4_MAX 16
struct xdp_pool4 {
	uint32_t addr;	   /* network order */
	uint16_t min, max; /* host order, inclusive */
	uint8_t proto;	   /* enum nat64_proto */
	uint8_t pad[3];
};

struct xdp_cfg {
	struct xlat_cfg xlat;	  /* the core's configuration, as control/
				     fills it (pool6, RFC 6791 pool, MTUs,
				     TOS/traffic class rules) */
	struct rfc6052_pfx pool6; /* xlat.pool6 prepared by the loader with
				     rfc6052_pfx_init() */
	uint32_t hand_on;	  /* XDP action for every frame the program
				     does not translate: XDP_PASS (tests),
				     or XDP_REDIRECT (mode = hybrid): to the
				     DPDK workers' AF_XDP socket of the
				     frame's RX queue (map xsks_map), or to
				     the kernel (XDP_PASS) when no socket
				     is bound there.  Takes precedence over
				     xdp_fwd.kernel's drop. */
	uint16_t id_seed;	  /* first IPv4 Identification (RFC 7739 §5.1)
				     on each CPU, plus xdp_ip4_id[cpu] */
	uint8_t dirs;		  /* XDP_DIR_* */
	uint8_t eam;		  /* an EAM table is configured (RFC 7757):
				     stateless, every address is mapped
				     through the tries g64_eam4/g64_eam6
				     (bpf/xdp_eam.h, filled by the loader)
				     first, then pool6; with stateful, every
				     frame is handed on */
	uint8_t stateful;	  /* stateful NAT64 (RFC 6146): translate only
				     packets of a session in g64_sess6/4
				     (bpf/xdp_state.h), never statelessly */
	uint8_t create;		  /* stateful only, 1: mode = xdp NAT64: the
				     program creates BIB entries and sessions
				     itself (p4 below) and runs the TCP state
				     machine; 0: it only uses the sessions
				     written by user space (hybrid) */
	uint8_t filtering;	  /* create only: XDP_FILTER_* (RFC 6146
				     §3.5.1), the core's nat64_cfg.adf */
	uint8_t drop_inbound_syn; /* create only: the core's
				     nat64_cfg.drop_inbound_syn */
	/* stateful only: the core's nat64_cfg.timeout (seconds, indexed by
	   enum nat64_timer), for the lookup-time expiry */
	uint32_t timeout[NAT64_NTIMERS];
	/* stateful only: pool4's addresses (xdp_p4filter_add): an IPv6
	   packet to one of them is a hairpin, handed on */
	uint64_t p4filter[XDP_P4FILTER_WORDS];
	/* create only: the pool4 ranges the program allocates from (its
	   share: the ports of no other engine), p4[0 .. np4 - 1] */
	struct xdp_pool4 p4[XDP_POOL4_MAX];
	uint8_t np4;
	uint8_t pad2[7];
};

/* The per-CPU counter array (map xdp_counters): the core's reasons for the
 * frames XDP decided (XLAT_R_NONE, translated; in create mode also the
 * NAT64 drops the program makes as the core makes them, under the core's
 * reason: nat64-no-mapping, nat64-tcp-no-session, nat64-hairpin-loop,
 * nat64-filtered, addr-reserved, wkp-non-global), then the totals of frames
 * handled and handed on, then (stateful) the session lookups: a hit the
 * program translated, a miss (no entry: a new flow, or one the core has
 * not exported), and a hit handed on (past its lifetime, a TCP SYN/FIN/RST
 * or state change without create, or a packet the fast path refuses); then
 * the NAT64 counters of create mode, XDP_NAT64_COUNTERS below.
 *
 * XDP_NAT64_COUNTERS(X): X(NAME, label, explanation), index
 * XDP_CNT_NAME.  The "not translated" ones are handed on (a counted drop
 * in mode = xdp): what the core would do differently (answer with an ICMP
 * error, hold, turn around, look further) and XDP does not. */
#define XDP_NAT64_COUNTERS(X)                                                 \
	X(BIB_CREATED, "xdp-bib-created",                                     \
	  "BIB entries (RFC 6146 §3.1) the program created for new flows")    \
	X(SESS_CREATED, "xdp-sessions-created",                               \
	  "sessions (RFC 6146 §3.5) the program created, both directions")    \
	X(TCP_STEPS, "xdp-tcp-transitions",                                   \
	  "TCP session state or timer changes (RFC 6146 §3.5.2.2: SYN, "     \
	  "FIN, RST) the program applied")                                    \
	X(NAT64_DROPPED, "xdp-nat64-dropped",                                 \
	  "dropped by the NAT64 rules as the core drops them (the core's "    \
	  "reason is counted too)")                                           \
	X(POOL4_NO_PORT, "xdp-pool4-no-port",                                 \
	  "not translated: a new flow found no free pool4 port in the "       \
	  "program's bounded random probes (pool4 full or nearly; the core "  \
	  "would search on, and answer ICMPv6 Address Unreachable if full)")  \
	X(STATE_FULL, "xdp-state-full",                                       \
	  "not translated: a new flow found the BIB or session map full "     \
	  "(the core answers ICMPv6 Address Unreachable)")                    \
	X(INBOUND_SYN, "xdp-inbound-syn",                                     \
	  "not translated: an inbound TCP SYN without BIB entry (the core "   \
	  "holds it 6 s for a simultaneous open, RFC 6146 §3.5.2.2), or "    \
	  "through a dynamic entry the program cannot prove live")            \
	X(ADF_UNSURE, "xdp-adf-unverified",                                   \
	  "not translated: address-dependent filtering, a remote port the "   \
	  "BIB entry has no session with (the core admits it when the "       \
	  "entry has a session with that address; the program cannot see "    \
	  "that)")                                                            \
	X(HAIRPIN, "xdp-hairpin",                                             \
	  "not translated: an IPv6 packet to the pool6 image of a pool4 "     \
	  "address (hairpinning, RFC 6146 §3.8), which only the core turns " \
	  "around")                                                           \
	X(BIB_EVENT_LOST, "xdp-bib-events-lost",                              \
	  "BIB creations missing from the mapping log: the ring buffer "      \
	  "g64_bib_events was full")

enum xdp_counter {
	XDP_CNT_HANDLED = XLAT_R_MAX,
	XDP_CNT_HANDED_ON,
	XDP_CNT_SESS_HIT,
	XDP_CNT_SESS_MISS,
	XDP_CNT_SESS_HIT_HANDED_ON,
#define XDP_NAT64_ENUM(name, label, why) XDP_CNT_##name,
	XDP_NAT64_COUNTERS(XDP_NAT64_ENUM)
#undef XDP_NAT64_ENUM
	    XDP_CNT_MAX
};

#endif
