/*
 * dp_neigh.h - the neighbour cache of the dpdk mode: IP -> MAC for the
 * next hops on each port, learned from ARP and ND, aged, shared by the
 * workers of one gateway.
 *
 * Contract: dp_neigh_init allocates the table once (fixed size, open
 * addressing, never grown); nothing is allocated afterwards.  Readers (the
 * workers, per packet) never lock: each slot carries a sequence counter
 * (seqlock) and dp_neigh_lookup retries on a torn read.  Writers (the rare
 * ARP/ND path, any worker or the control thread) serialise on one spin
 * flag in the table.  Plain C11 atomics, no DPDK, so the unit tests use it
 * directly.  Times are the caller's monotonic milliseconds.  IPv4 keys are
 * the address in the first 4 bytes of the 16 and is6 = 0.
 */
#ifndef GATE64_DP_NEIGH_H
#define GATE64_DP_NEIGH_H

#include <stddef.h>
#include <stdint.h>

enum dp_neigh_state {
	DP_NEIGH_NONE = 0,   /* free slot */
	DP_NEIGH_INCOMPLETE, /* asked, no answer yet: no MAC */
	DP_NEIGH_REACHABLE,  /* confirmed within 'reachable' */
	DP_NEIGH_STALE,	     /* older: used, but a probe is due */
	DP_NEIGH_STATIC,     /* configured: never ages */
};

struct dp_neigh; /* opaque */

struct dp_neigh_info {
	uint8_t mac[6];
	uint8_t state;	   /* enum dp_neigh_state */
	uint8_t probe_due; /* the caller should send a request now
			      (rate-limited: at most once per
			      retrans_ms per entry) */
};

/* Table of 'slots' entries (a power of two, >= 16; at most 7/8 of them
 * are used, so that probe chains stay short); timings in ms.  NULL when
 * slots is not valid or on allocation failure. */
struct dp_neigh *dp_neigh_init(unsigned slots, uint32_t reachable_ms,
			       uint32_t stale_ms, uint32_t retrans_ms);
void dp_neigh_fini(struct dp_neigh *t);

/*
 * The data path: the MAC for (port, ip).  Returns 1 and fills *out when
 * the entry has a MAC (REACHABLE, STALE, STATIC), 0 when it has none.
 * When a request should be sent (no entry yet -> an INCOMPLETE one is
 * created; INCOMPLETE or STALE and retrans_ms since the last probe),
 * out->probe_due is 1 and the probe time is taken, so of several callers
 * only one sends it.  out->state is the entry's state after the call
 * (DP_NEIGH_NONE when the table is full: nothing is tracked, no probe).
 * A REACHABLE entry turns STALE reachable_ms after its last confirmation
 * (RFC 4861 §7.3.3) and is removed stale_ms later; an INCOMPLETE entry is
 * removed once 3 probes (RFC 4861 MAX_MULTICAST_SOLICIT) have each gone
 * unanswered for retrans_ms.  A lookup that finds such an expired entry
 * removes it and starts resolution again (returns 0, a new INCOMPLETE
 * entry, probe_due 1); without lookups dp_neigh_expire removes it.
 * 'now' in ms.
 */
int dp_neigh_lookup(struct dp_neigh *t, uint16_t port, int is6,
		    const uint8_t *ip, uint64_t now, struct dp_neigh_info *out);

/* Learned from the wire: create or update (unless STATIC).  'confirm': a
 * reply / solicited NA -> REACHABLE; else (a request, unsolicited NA) the
 * entry gets the MAC and is REACHABLE if it is new, was INCOMPLETE or the
 * MAC changed, else keeps its state (RFC 4861 §7.2.5 simplified).  Not
 * recorded when the table is full. */
void dp_neigh_learn(struct dp_neigh *t, uint16_t port, int is6,
		    const uint8_t *ip, const uint8_t *mac, int confirm,
		    uint64_t now);
/* Configured entry (replaces a learned one); -ENOSPC when full. */
int dp_neigh_set_static(struct dp_neigh *t, uint16_t port, int is6,
			const uint8_t *ip, const uint8_t *mac);

/* Remove every expired entry (the control thread's housekeeping, so that
 * neighbours nobody looks up any more free their slots); returns how many.
 * New entries also reuse expired slots they meet on their probe path. */
unsigned dp_neigh_expire(struct dp_neigh *t, uint64_t now);

/* A counter that changes whenever any entry may have changed (every
 * writer section bumps it): a reader may keep an answer of
 * dp_neigh_lookup for a REACHABLE or STATIC entry while the counter is
 * the same (dp.c keeps one a second at most, so that REACHABLE still
 * turns STALE on time). */
uint64_t dp_neigh_gen(const struct dp_neigh *t);

/* Walk the live entries (for gate64ctl and the tests); the callback
 * returns non-zero to stop. */
void dp_neigh_foreach(struct dp_neigh *t,
		      int (*fn)(uint16_t port, int is6, const uint8_t *ip,
				const struct dp_neigh_info *info, void *arg),
		      void *arg);

#endif
