/*
 * xlat.h - the stateless translation core (RFC 6052, RFC 7915, RFC 7757,
 * RFC 6791): IPv6 <-> IPv4, in place, one packet or a burst at a time.
 *
 * Contract:
 *  - The caller owns every buffer.  A packet is translated in place: the
 *    core moves pkt->data backwards into the headroom (or forwards) and
 *    changes pkt->len; it never allocates, locks, sleeps or makes a system
 *    call.  The caller guarantees XLAT_HEADROOM bytes before pkt->data and
 *    XLAT_TAILROOM bytes after the packet (for ICMP errors it builds).
 *  - pkt->data points at the IP header (no link layer).
 *  - A struct xlat_ctx belongs to one thread (one worker); the cfg and the
 *    EAM table it points to are read-only while packets flow and may be
 *    shared between workers.  Counters live in ctx->st, one per worker.
 *  - Configuration comes in plain structs filled by control/ (or a test);
 *    xlat_cfg_check() validates one before use.
 */
#ifndef GATE64_XLAT_H
#define GATE64_XLAT_H

#include <stddef.h>
#include <stdint.h>

#include "eam.h"
#include "rfc6052.h"
#include "xlat_reason.h"

#define XLAT_HEADROOM	  64
#define XLAT_TAILROOM	  32
#define XLAT_POOL6791_MAX 8

/* What the engine does with the packet after the core returns. */
enum xlat_verdict {
	XLAT_FORWARD, /* translated: send out on the other family's side */
	XLAT_HAIRPIN, /* RFC 7757 §4.3: IPv6 in, IPv6 out: back to the IPv6 side
		       */
	XLAT_FRAGMENT, /* translated IPv6 packet exceeds lowest-ipv6-mtu with
			  DF=0: split it with xlat_frag6() and send the pieces
			*/
	XLAT_ICMP,     /* pkt now holds an ICMP error for the sender: send it
			  back out the side the packet came from */
	XLAT_PASS,     /* not for translation (reason says why): hand to the
			  host stack or the next stage (stateful, slow path) */
	XLAT_DROP,     /* dropped; the reason is counted */
	XLAT_VERDICT_MAX
};

enum xlat_udp0 {
	XLAT_UDP0_COMPUTE =
	    0,		    /* RFC 7915 §4.5 option 2: compute it (default) */
	XLAT_UDP0_DROP = 1, /* RFC 7915 §4.5 option 1: drop and count */
};

struct xlat_prefix6 {
	uint8_t addr[16];
	uint8_t len; /* 0: unset; else 32, 40, 48, 56, 64 or 96 */
};

struct xlat_cfg {
	struct xlat_prefix6 pool6;
	/* RFC 6791: IPv4 sources for ICMPv6 errors from untranslatable IPv6
	 * routers and for the ICMPv4 errors the translator generates */
	uint32_t pool6791[XLAT_POOL6791_MAX]; /* network order */
	uint8_t pool6791_n;
	uint8_t icmp6_src_set;
	uint8_t icmp6_src[16];	  /* source of the ICMPv6 errors it generates */
	uint16_t lowest_ipv6_mtu; /* RFC 7915 §4.1, default 1280 */
	uint16_t ipv6_mtu;	  /* MTU of the IPv6 next hop, default 1500 */
	uint16_t ipv4_mtu;	  /* MTU of the IPv4 next hop, default 1500 */
	uint8_t udp_zero_csum;	  /* enum xlat_udp0 */
	uint8_t reset_tclass;	  /* RFC 7915 §4.1: traffic class := 0 */
	uint8_t reset_tos;	  /* RFC 7915 §5.1: TOS := new_tos */
	uint8_t new_tos;
	uint8_t icmp_errors; /* generate ICMP errors (default 1) */
	uint8_t eam_hairpin; /* RFC 7757 §4.3 hairpinning (default 1) */
	uint32_t icmp_rate;  /* errors per second per worker, 0: unlimited */
	uint32_t icmp_burst; /* bucket depth */
};

struct xlat_stats {
	uint64_t in[2]; /* [0] IPv6 side, [1] IPv4 side */
	uint64_t verdict[XLAT_VERDICT_MAX];
	uint64_t reason[XLAT_R_MAX]; /* all but [XLAT_R_NONE] */
	uint64_t frags_out; /* IPv6 fragments produced by xlat_frag6() */
};

/*
 * What the stateful core (nat64.c) decided for one packet: the addresses
 * and the port (or ICMP identifier) to write instead of the stateless
 * mapping.  Ports are in network order.  For an ICMP error, in_* is the
 * quoted packet, which travelled the other way.
 */
struct xlat_map {
	uint32_t s4, d4;	/* 6to4: outer IPv4 source and destination */
	uint8_t s6[16], d6[16]; /* 4to6: outer IPv6 source and destination */
	uint16_t port;		/* 6to4: new source port; 4to6: new destination
				   port (TCP/UDP), or the echo identifier */
	uint8_t has_port;
	uint8_t has_in_port;
	uint16_t in_port;	      /* error, 6to4: quoted destination port;
					 4to6: quoted source port */
	uint32_t in_s4, in_d4;	      /* 6to4 error: quoted packet, IPv4 */
	uint8_t in_s6[16], in_d6[16]; /* 4to6 error: quoted packet, IPv6 */
};

struct xlat_ctx {
	const struct xlat_cfg *cfg;
	const struct xlat_map *map;   /* set by xlat_*_map for one call */
	const struct xlat_eamt *eamt; /* may be NULL: no EAM */
	struct rfc6052_pfx pool6;     /* cfg->pool6, prepared */
	struct xlat_stats *st;
	uint64_t now_ns;    /* set by the engine once per burst */
	uint64_t icmp_last; /* token bucket state */
	uint32_t icmp_tokens;
	uint32_t rnd;	 /* xorshift32 state, never 0: RFC 6791 choice */
	uint16_t ip4_id; /* next IPv4 Identification (RFC 7915 §5.1) */
	uint8_t fast;	 /* the fast path applies (/96 pool6, no EAM); tests
			    clear it to force the general path (see xlat.c) */
};

struct xlat_pkt {
	uint8_t *data;
	uint32_t len;
};

/* Defaults of every knob (the RFC defaults). */
void xlat_cfg_default(struct xlat_cfg *cfg);
/* 0, or -EINVAL with a message in err (size errlen) saying what is wrong. */
int xlat_cfg_check(const struct xlat_cfg *cfg, char *err, size_t errlen);
void xlat_ctx_init(struct xlat_ctx *ctx, const struct xlat_cfg *cfg,
		   const struct xlat_eamt *eamt, struct xlat_stats *st,
		   uint32_t seed);
/* Point a context at a new configuration and EAM table (after a reload,
 * once the worker is quiescent); counters and ICMP state are kept. */
void xlat_ctx_set_cfg(struct xlat_ctx *ctx, const struct xlat_cfg *cfg,
		      const struct xlat_eamt *eamt);

/* Translate one packet.  *reason is set for every verdict (NONE when
 * plainly forwarded).  Counters are updated. */
enum xlat_verdict xlat_6to4(struct xlat_ctx *ctx, struct xlat_pkt *pkt,
			    enum xlat_reason *reason);
enum xlat_verdict xlat_4to6(struct xlat_ctx *ctx, struct xlat_pkt *pkt,
			    enum xlat_reason *reason);

/* The same, with the addresses and port the stateful core chose (m): no
 * stateless mapping, no EAM hairpin; every other rule of RFC 7915 holds. */
enum xlat_verdict xlat_6to4_map(struct xlat_ctx *ctx, struct xlat_pkt *pkt,
				const struct xlat_map *m,
				enum xlat_reason *reason);
enum xlat_verdict xlat_4to6_map(struct xlat_ctx *ctx, struct xlat_pkt *pkt,
				const struct xlat_map *m,
				enum xlat_reason *reason);

/* Burst forms: verdicts[i] for pkts[i]. */
void xlat_6to4_burst(struct xlat_ctx *ctx, struct xlat_pkt *pkts, unsigned n,
		     uint8_t *verdicts);
void xlat_4to6_burst(struct xlat_ctx *ctx, struct xlat_pkt *pkts, unsigned n,
		     uint8_t *verdicts);

/*
 * After XLAT_FRAGMENT: split the IPv6 packet in pkt (it carries a Fragment
 * header right after the IPv6 header) into fragments of at most
 * ctx->cfg->lowest_ipv6_mtu bytes.  out[i].data must point at buffers of
 * at least that many bytes; the function sets out[i].len.  Returns the
 * number of fragments, or -ENOSPC if more than n_out are needed.
 */
int xlat_frag6(struct xlat_ctx *ctx, const struct xlat_pkt *pkt,
	       struct xlat_pkt *out, unsigned n_out);

/*
 * The engine cannot deliver pkt (an IPv4 or IPv6 packet it was sending):
 * its next hop did not answer ARP/ND.  Replace pkt by the ICMP error for
 * its source, in its own family (RFC 4861 §7.2.2: ICMPv6 Destination
 * Unreachable, code 3 address unreachable; RFC 1812 §5.2.7.1: ICMPv4
 * Destination Unreachable, code 1 host unreachable), from icmp6_src or
 * the RFC 6791 pool, rate-limited like every error the translator makes.
 * Returns XLAT_ICMP (the engine then translates the error like a packet
 * received on that side: it goes back to the sender, in the sender's
 * family) or XLAT_DROP with *reason (errors, rate limit, no source;
 * never an error about an ICMP error or a non-first fragment).
 */
enum xlat_verdict xlat_unreachable(struct xlat_ctx *ctx, struct xlat_pkt *pkt,
				   enum xlat_reason *reason);

const char *xlat_reason_name(enum xlat_reason r);
const char *xlat_reason_explain(enum xlat_reason r);
const char *xlat_verdict_name(enum xlat_verdict v);

#endif
