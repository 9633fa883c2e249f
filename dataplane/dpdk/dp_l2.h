/*
 * dp_l2.h - what the gateway says on the link itself when it owns the
 * ports (dpdk mode): ARP (RFC 826) and Neighbor Discovery (RFC 4861) for
 * its own, pool4, EAM and pool6 addresses (proxy ND), answers to ping to
 * its own addresses, and the requests, gratuitous ARP and unsolicited NA
 * it sends.  Plain C over byte buffers that start at the Ethernet header;
 * no DPDK, so the unit tests run it directly.
 *
 * Contract: the caller owns every buffer; inputs are untrusted and every
 * length is checked; replies are built in place in the input frame (it
 * must have room for DP_L2_FRAME_MAX bytes).  Pure functions: no
 * allocation, no global state; any thread.  Addresses: IPv4 uint32_t in
 * network order, IPv6 as 16 bytes.
 */
#ifndef GATE64_DP_L2_H
#define GATE64_DP_L2_H

#include <stdint.h>

#include "dataplane/xlat/eam.h"
#include "dataplane/xlat/pool4.h"
#include "dataplane/xlat/rfc6052.h"

#define DP_ETH_LEN	14
#define DP_ETH_P_IPV4	0x0800
#define DP_ETH_P_ARP	0x0806
#define DP_ETH_P_IPV6	0x86dd
#define DP_L2_FRAME_MAX 128 /* largest frame the builders write */

/* The addresses the gateway answers for on one port. */
struct dp_l2_port {
	uint8_t mac[6];
	uint8_t has4, has6;
	uint32_t addr4;	   /* its own IPv4 address (network order) */
	uint8_t addr6[16]; /* its own IPv6 address */
	uint8_t ll6[16];   /* its link-local address (fe80::EUI-64 of mac) */
	/* proxied (answered for, not owned): ARP for pool4 addresses (not
	 * the IPv4 side of EAM entries: real IPv4 hosts, docs/dpdk.md), ND
	 * for pool6 and the IPv6 side of EAM entries.  Any may be
	 * NULL/unset. */
	const struct pool4_cfg *pool4;
	const struct xlat_eamt *eamt;
	const uint8_t *pool6; /* prefix bytes, NULL: none */
	uint8_t pool6_len;
	const uint32_t *extra4; /* more IPv4 addresses answered for (for
				   example the RFC 6791 pool), n_extra4 */
	unsigned n_extra4;
};

/* What to do with a frame after dp_l2_input. */
enum dp_l2_verdict {
	DP_L2_CONSUMED, /* handled (learned or ignored); free it */
	DP_L2_REPLY,	/* the frame now holds a reply (length *out_len):
			   send it back out the port it came from */
	DP_L2_NOT_MINE, /* not ARP/ND/ping to the gateway: the caller goes
			   on (translation) */
	DP_L2_DROP,	/* malformed or not allowed; reason in *why */
};

#define DP_L2_REASONS(X)                                                       \
	X(NONE, "handled")                                                     \
	X(ARP_BAD,                                                             \
	  "malformed ARP packet (wrong hardware/protocol type or length)")     \
	X(ARP_NOT_OURS,                                                        \
	  "ARP request for an address the gateway does not answer for")        \
	X(ND_BAD, "ND message failing RFC 4861 validation (hop limit not "     \
		  "255, bad checksum, code, length or option)")                \
	X(ND_NOT_OURS, "Neighbor Solicitation for an address the gateway "     \
		       "does not answer for")                                  \
	X(ICMP_BAD_CSUM,                                                       \
	  "ICMP echo request to the gateway with a bad checksum")              \
	X(LOCAL_OTHER, "packet to the gateway's own address that is not ping " \
		       "(nothing listens there)")                              \
	X(L2_OTHER, "link-layer frame of a protocol the gateway does not "     \
		    "speak (not IPv4, IPv6 or ARP)")                           \
	X(IGNORED6, "IPv6 link-local control traffic the gateway does not "    \
		    "act on (RS, RA, MLD, redirect)")

enum dp_l2_reason {
#define DP_L2_ENUM(n, d) DP_L2_R_##n,
	DP_L2_REASONS(DP_L2_ENUM)
#undef DP_L2_ENUM
	    DP_L2_R_MAX
};

const char *dp_l2_reason_name(enum dp_l2_reason r);
const char *dp_l2_reason_explain(enum dp_l2_reason r);

/* What the frame taught about a neighbour (sender of an ARP request or
 * reply, source/target link-layer address option of NS/NA). */
struct dp_l2_learn {
	uint8_t valid;
	uint8_t is6;
	uint8_t ip[16]; /* IPv4: first 4 bytes, network order */
	uint8_t mac[6];
	uint8_t solicited; /* an ARP reply or a solicited NA: confirms
			      reachability (RFC 4861 §7.3.3) */
};

/* Fill ll6 from mac (RFC 4291 §2.5.1 modified EUI-64). */
void dp_l2_port_ll6(struct dp_l2_port *p);

/*
 * Look at one received frame: ARP requests for addresses the gateway
 * answers for become replies; NS for them become solicited NAs (with the
 * target link-layer address, router flag set, override clear for proxied
 * addresses, RFC 4861 §7.2.8); ICMP and ICMPv6 echo requests to its own
 * addresses become echo replies.  Everything learned is reported in
 * *learn (valid = 0 when nothing).  Frames that are not for the gateway
 * return DP_L2_NOT_MINE untouched.  *why is always set.
 *
 * Details: replies shorter than 60 bytes are zero-padded to 60 (the
 * Ethernet minimum).  Echo replies carry no IPv4 options (the request's
 * are dropped from the reply; RFC 1122 §3.2.2.6 says record route and
 * timestamp SHOULD be echoed); source-routed, fragmented or malformed
 * packets to the gateway's own address, pings from a 0/multicast/
 * broadcast source and ICMPv6 pings behind extension headers are
 * DP_L2_DROP with LOCAL_OTHER.  A bad IPv4 header checksum on a ping
 * counts as ICMP_BAD_CSUM.  ARP sender and ND link-layer addresses that
 * are group addresses are never learned (ARP: ARP_BAD).  NS/NA whose IPv6
 * length runs past the frame are ND_BAD; ND behind hop-by-hop,
 * destination options or routing headers is still recognised.
 */
enum dp_l2_verdict dp_l2_input(const struct dp_l2_port *p, uint8_t *frame,
			       uint32_t len, uint32_t *out_len,
			       struct dp_l2_learn *learn,
			       enum dp_l2_reason *why);

/* Builders: write a whole frame into buf (DP_L2_FRAME_MAX bytes), return
 * its length. */
/* ARP request for tip, broadcast (RFC 826). */
uint32_t dp_arp_request(uint8_t *buf, const uint8_t *mac, uint32_t sip,
			uint32_t tip);
/* Gratuitous ARP announcing ip (RFC 5227 §3: a request with sender ip ==
 * target ip, broadcast). */
uint32_t dp_arp_gratuitous(uint8_t *buf, const uint8_t *mac, uint32_t ip);
/* Neighbor Solicitation for target from src, to the solicited-node
 * multicast address (RFC 4861 §7.2.2), with the source link-layer
 * address option; hop limit 255, checksum set. */
uint32_t dp_nd_solicit(uint8_t *buf, const uint8_t *mac, const uint8_t *src,
		       const uint8_t *target);
/* Unsolicited Neighbor Advertisement of addr to ff02::1 (RFC 4861
 * §7.2.6), override flag set, target link-layer address option. */
uint32_t dp_nd_advertise(uint8_t *buf, const uint8_t *mac, const uint8_t *addr,
			 int router);

#endif
