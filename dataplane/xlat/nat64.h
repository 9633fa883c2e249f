/*
 * nat64.h - stateful NAT64 (RFC 6146) on top of the stateless core: each
 * packet is looked up (or given a mapping) in the worker's nat64_db, then
 * translated by the core with the addresses and port the state says
 * (xlat_*_map).  TCP, UDP and ICMP query (echo) flows, ICMP errors about
 * them, endpoint-independent mapping, endpoint-independent or
 * address-dependent filtering, hairpinning (§3.8), the held inbound SYNs
 * of simultaneous open (§3.5.2.2).
 *
 * Contract: one struct nat64 per worker, owning its nat64_db and
 * xlat_ctx; no allocation after nat64_init; the engine sets n->now (seconds,
 * monotonic) once per burst and calls nat64_tick() now and then for expiry
 * and held SYNs.  Verdicts and buffers as in xlat.h.
 */
#ifndef GATE64_XLAT_NAT64_H
#define GATE64_XLAT_NAT64_H

#include <stdint.h>

#include "nat64_db.h"
#include "xlat.h"

#define NAT64_P4FILTER_BITS_LOG2 12
#define NAT64_HELD_QUOTE	 548 /* bytes of a held SYN kept for its ICMP error */

struct nat64_held {
	uint32_t since; /* seconds; 0: free slot */
	uint32_t addr4; /* the SYN's destination: pool4 address and port */
	uint16_t port4;
	uint16_t rport; /* its source */
	uint32_t raddr4;
	uint16_t len;
	uint8_t pkt[NAT64_HELD_QUOTE];
};

/* RFC 6146 §3.4: what the first fragment of a datagram decided, for the
 * fragments that follow it (they carry no ports).  Keyed by the source,
 * destination, identification and protocol of the datagram. */
#define NAT64_FRAG_TIMEOUT 2 /* seconds: RFC 6146 §4 FRAGMENT_MIN */

struct nat64_frag {
	uint8_t src[16], dst[16]; /* IPv4: the first four bytes */
	uint32_t id;
	uint8_t proto;
	uint8_t dir; /* enum nat64_dir */
	uint16_t pad;
	uint32_t until; /* seconds; 0: free slot */
	struct xlat_map map;
};

struct nat64 {
	struct xlat_ctx *x; /* the stateless context (pool6, counters) */
	struct nat64_db *db;
	uint32_t now;
	uint16_t nheld;
	struct nat64_held *held; /* cfg->held_syn_max slots */
	uint16_t held_max;
	struct nat64_frag *frag; /* NAT64_FRAGS slots, open addressing */
	uint64_t p4filter[1 << (NAT64_P4FILTER_BITS_LOG2 - 6)]; /* pool4
				  addresses, one bit each (hashed) */
};

#define NAT64_FRAGS	  1024 /* datagrams in flight per worker (power of two) */
#define NAT64_FRAG_PROBES 8

/* 0, or -errno with err filled. */
int nat64_init(struct nat64 *n, struct xlat_ctx *x, struct nat64_db *db,
	       char *err, size_t errlen);
void nat64_fini(struct nat64 *n);
/* The shard's pool4 changed (nat64_db_swap_pool4): rebuild the filter of
 * pool4 addresses.  Same thread rules as nat64_db_swap_pool4. */
void nat64_pool4_changed(struct nat64 *n);

enum xlat_verdict nat64_6to4(struct nat64 *n, struct xlat_pkt *pkt,
			     enum xlat_reason *reason);
enum xlat_verdict nat64_4to6(struct nat64 *n, struct xlat_pkt *pkt,
			     enum xlat_reason *reason);

/*
 * Housekeeping, at least once a second: expiry sweep (nat64_db_sweep) and
 * the held SYNs whose 6 s ran out (RFC 6146 §3.5.2.2): for each, an ICMPv4
 * Port Unreachable is built into out (a buffer of at least XLAT_HEADROOM +
 * 600 bytes, data at out->data) and 1 is returned — call again until it
 * returns 0.
 */
int nat64_tick(struct nat64 *n, struct xlat_pkt *out);

#endif
