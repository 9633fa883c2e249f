/*
 * nat64_db.h - the state of stateful NAT64 (RFC 6146 §3): the Binding
 * Information Base (BIB), the sessions, the subscribers with their limits,
 * and expiry.  One struct nat64_db per worker (a shard): it owns a slice of
 * pool4 (pool4.h), so an IPv4 packet finds its shard from the destination
 * port (pool4_owner), and an IPv6 packet from its subscriber
 * (nat64_db_owner6); docs/nat64.md.
 *
 * Contract: nat64_db_init allocates every table once, sized from the
 * configuration; nothing is allocated afterwards.  Only the owning worker
 * calls the other functions (no lock); the control thread reads counters
 * only, except nat64_db_swap_pool4 while the owner is parked.  Tables full ->
 * the new flow is refused and counted, never an eviction.  Addresses and ports
 * are host order, except src6 (bytes).
 */
#ifndef GATE64_XLAT_NAT64_DB_H
#define GATE64_XLAT_NAT64_DB_H

#include <stddef.h>
#include <stdint.h>

#include "nat64_log.h"
#include "nat64_tcp.h"
#include "pool4.h"

#define NAT64_NONE 0xffffffffu /* "no entry" index */

struct nat64_cfg {
	struct pool4_cfg pool4;
	uint32_t timeout[NAT64_NTIMERS]; /* seconds, indexed by nat64_timer */
	uint8_t adf;		   /* address-dependent filtering (RFC 6146
				      §3.5.1, §3.5.2.2); 0: endpoint-independent */
	uint8_t sub_len;	   /* subscriber prefix length: 56, 64 or 128 */
	uint8_t drop_inbound_syn;  /* refuse V4 SYNs without BIB at once */
	uint8_t log_sessions;	   /* log session events too (not only BIB) */
	uint32_t max_bib;	   /* per worker */
	uint32_t max_sessions;	   /* per worker */
	uint32_t max_subs;	   /* per worker */
	uint32_t sub_max_sessions; /* 0: no limit */
	uint16_t held_syn_max;	   /* RFC 6146 §5.3: capped SYN queue */
	uint32_t sweep_budget;	   /* sessions examined per nat64_db_sweep */
	uint8_t sub_alert;	   /* percent of a subscriber's limit that
				      counts it in the control plane's
				      "over the alert" gauge (1..100) */
};

/* A BIB entry (RFC 6146 §3.1): (src6, sport6) <-> (addr4, port4). */
struct nat64_bib {
	uint8_t src6[16];
	uint32_t addr4;
	uint16_t sport6;
	uint16_t port4;
	uint8_t proto;	   /* enum nat64_proto */
	uint8_t is_static; /* configured, never expires */
	uint16_t src6sum;  /* src6's 16-bit words summed and folded: the hit
			      path's checksum update needs it per packet */
	uint32_t nsess;	   /* sessions using it */
	uint32_t sub;	   /* subscriber index, NAT64_NONE for static */
	uint32_t sess;	   /* newest session of this BIB, NAT64_NONE if none;
			      its sessions form a circular list via
			      sess.bnext: newest -> oldest -> ... -> newest */
	uint32_t next6;	   /* hash chain by (src6, sport6, proto) */
	uint32_t next4;	   /* hash chain by (addr4, port4, proto) */
};

/* A session (RFC 6146 §3.2): a BIB entry and the remote IPv4 endpoint.
 * 24 bytes: docs/nat64.md has the memory budget. */
struct nat64_sess {
	uint32_t bib;	 /* NAT64_NONE: free slot */
	uint32_t raddr4; /* remote IPv4 address */
	uint16_t rport;	 /* remote port (ICMP: the identifier again) */
	uint8_t state;	 /* enum nat64_tcp_state (TCP only) */
	uint8_t timer;	 /* enum nat64_timer; 0 on a free slot */
	uint32_t last;	 /* seconds: last packet (refreshed by XDP too) */
	uint32_t next;	 /* hash chain by (bib, raddr4, rport) */
	uint32_t bnext;	 /* next session of the same BIB (circular) */
};

struct nat64_sub {
	uint8_t prefix[16]; /* src6 masked to sub_len */
	uint32_t nsess;
	uint32_t nbib;
	uint32_t next;		 /* hash chain */
	uint32_t last_quota_log; /* seconds: rate limit of QUOTA_EXCEEDED */
};

/* Counters of the state tables (the packet reasons are xlat_reason). */
#define NAT64_DB_COUNTERS(X)                                              \
	X(bib_created, "BIB entries created")                             \
	X(bib_deleted, "BIB entries deleted")                             \
	X(sess_created, "sessions created")                               \
	X(sess_expired, "sessions removed by expiry")                     \
	X(bib_full, "new mapping refused: BIB table full")                \
	X(sess_full, "new session refused: session table full")           \
	X(subs_full, "new subscriber refused: subscriber table full")     \
	X(pool4_exhausted, "new mapping refused: no pool4 port left")     \
	X(quota,                                                          \
	  "new flow refused: subscriber over its session or block limit") \
	X(log_dropped, "mapping-log events lost to a full ring")          \
	X(sess_adopted,                                                   \
	  "sessions adopted from a previous gate64d (hybrid restart), "   \
	  "counted in sess_created too")

struct nat64_db_stats {
#define NAT64_DB_CNT(n, d) uint64_t n;
	NAT64_DB_COUNTERS(NAT64_DB_CNT)
#undef NAT64_DB_CNT
};

struct nat64_db; /* opaque */

/* Defaults: RFC 6146 §4 timeouts (UDP 300 s, ICMP 60 s, TCP_EST 7440 s,
 * TCP_TRANS 240 s, TCP_INCOMING_SYN 6 s), EIF, /56 subscribers. */
void nat64_cfg_default(struct nat64_cfg *cfg);
int nat64_cfg_check(const struct nat64_cfg *cfg, char *err, size_t errlen);

/* Worker 'worker''s shard; log may be NULL (no mapping log). */
struct nat64_db *nat64_db_init(const struct nat64_cfg *cfg, unsigned worker,
			       struct nat64_log_ring *log, char *err,
			       size_t errlen);
void nat64_db_fini(struct nat64_db *db);

/*
 * 'now' in this API is the caller's monotonic seconds counter, not UTC.
 * The mapping log stamps its events with utc_ms_at_zero + now * 1000:
 * call this at start (and whenever the wall clock is stepped) with the
 * UTC time, in ms since the epoch, at which 'now' was 0.  Default 0.
 */
void nat64_db_set_clock(struct nat64_db *db, uint64_t utc_ms_at_zero);

/* Which worker owns an IPv6 subscriber (its flows, its quota). */
unsigned nat64_db_owner6(const struct nat64_cfg *cfg, const uint8_t *src6);

/* Lookups: the index, or NAT64_NONE. */
uint32_t nat64_bib_find6(const struct nat64_db *db, uint8_t proto,
			 const uint8_t *src6, uint16_t sport6);
uint32_t nat64_bib_find4(const struct nat64_db *db, uint8_t proto,
			 uint32_t addr4, uint16_t port4);
uint32_t nat64_sess_find(const struct nat64_db *db, uint32_t bib,
			 uint32_t raddr4, uint16_t rport);
/*
 * The hit path in one call: the session of (BIB found by its IPv6 or IPv4
 * key, remote address, remote port) if it exists and has not expired, and
 * its BIB entry in *bib; else NULL.  Nothing is changed; the caller
 * refreshes the session it gets.
 */
struct nat64_sess *nat64_hit6(struct nat64_db *db, uint8_t proto,
			      const uint8_t *src6, uint16_t sport6,
			      uint32_t raddr4, uint16_t rport, uint32_t now,
			      struct nat64_bib **bib);
struct nat64_sess *nat64_hit4(struct nat64_db *db, uint8_t proto,
			      uint32_t addr4, uint16_t port4, uint32_t raddr4,
			      uint16_t rport, uint32_t now,
			      struct nat64_bib **bib);

/* ADF: does the BIB have a session with this remote address (any port)? */
int nat64_bib_has_remote(const struct nat64_db *db, uint32_t bib,
			 uint32_t raddr4);

struct nat64_bib *nat64_bib_get(struct nat64_db *db, uint32_t i);
struct nat64_sess *nat64_sess_get(struct nat64_db *db, uint32_t i);

/*
 * New dynamic BIB entry for (src6, sport6): subscriber accounting and
 * limits, a pool4 port (pool4_get), insertion, mapping-log events.
 * Returns the index, or NAT64_NONE with *why set to the xlat_reason to
 * count (NAT64 table full, pool4 exhausted, quota).
 */
uint32_t nat64_bib_add(struct nat64_db *db, uint8_t proto, const uint8_t *src6,
		       uint16_t sport6, uint32_t now, int *why);
/* A static entry (a portal at a fixed pool4 address:port). 0, -EEXIST,
 * -ENOENT (not this worker's slice), -EBUSY (port taken), -ENOSPC. */
int nat64_bib_add_static(struct nat64_db *db, uint8_t proto,
			 const uint8_t *src6, uint16_t sport6, uint32_t addr4,
			 uint16_t port4);
/* New session under bib; NAT64_NONE and *why when refused.  timer is the
 * lifetime to run (never NAT64_T_NONE: a session on timer 0 expires at the
 * next sweep).  No mapping-log event in port-block mode. */
uint32_t nat64_sess_add(struct nat64_db *db, uint32_t bib, uint32_t raddr4,
			uint16_t rport, uint8_t state, uint8_t timer,
			uint32_t now, int *why);
/* A session another instance made (host order), to adopt. */
struct nat64_adopt {
	uint8_t proto;	      /* enum nat64_proto */
	uint8_t state, timer; /* enum nat64_tcp_state (TCP), enum nat64_timer */
	uint8_t src6[16];
	uint16_t sport6, port4, rport;
	uint32_t addr4, raddr4;
	uint32_t last; /* the db's clock (seconds, like `now`) */
};
/*
 * Hybrid restart: put back a session that a previous gate64d made (the
 * XDP maps outlived it), with the same pool4 address and port, so the flow
 * keeps its mapping.
 *   - The BIB entry (proto, src6, sport6), if there is one (dynamic, or a
 *     static entry configured before), must map to (addr4, port4);
 *     else one is made as nat64_bib_add makes it (subscriber, session
 *     limit, bib_full/subs_full counted) but with that port (pool4_claim:
 *     in block mode its block becomes the subscriber's) and without a
 *     mapping-log event: the previous instance logged the mapping (and
 *     the block) when it made it.  Its end is logged as usual.
 *   - The session to (raddr4, rport) is added with state, timer and
 *     'last' = a->last (no SESSION_CREATE event either).  If it exists
 *     already, its 'last' moves forward to a->last (never back) and
 *     nothing else changes: -EEXIST.
 * state is ignored (0) for UDP and ICMP.  Returns 0, or, with nothing
 * left behind:
 *   -EINVAL  unknown proto, timer NAT64_T_NONE or out of range, TCP state
 *            CLOSED or out of range;
 *   -ETIME   already past its lifetime: a->last + timeout[timer] <= now
 *            (checked first, even for a session that exists);
 *   -EEXIST  the session exists (its 'last' moved forward, see above);
 *   -EBUSY   (src6, sport6) maps another (addr4, port4), the port maps
 *            another (src6, sport6) or is otherwise in use, or (block
 *            mode) the port's block is another subscriber's;
 *   -ENOENT  (addr4, port4) is not in this worker's pool4 slice;
 *   -EDQUOT  the subscriber is at its session limit, or (block mode) at
 *            max_blocks or holding blocks on another address;
 *   -ENOSPC  BIB, session or subscriber table full.
 * Call it on the worker that pool4_owner() names for (addr4, proto,
 * port4); the IPv6 side reaches that worker only if nat64_db_owner6(src6)
 * names it too, which holds while pool4 and the worker count are those
 * of the instance that made the session.  Counted in sess_adopted.
 */
int nat64_sess_adopt(struct nat64_db *db, const struct nat64_adopt *a,
		     uint32_t now);
/* Remove a dynamic BIB entry that has no session (a session could not be
 * added after the BIB was): port back to pool4, events as for expiry.
 * Without this call such a BIB would never be freed (the sweep visits
 * sessions).  Does nothing on a free slot or a BIB that still has
 * sessions; on a static entry with no session it removes it too (its
 * port goes back to pool4). */
void nat64_bib_del(struct nat64_db *db, uint32_t bib, uint32_t now);
/* Remove a session (and its BIB when it was the last, unless static). */
void nat64_sess_del(struct nat64_db *db, uint32_t sess, uint32_t now);

/* Is live session i past its lifetime (last + timeout[timer] <= now)? */
int nat64_sess_expired(const struct nat64_db *db, uint32_t i, uint32_t now);
/* Lookup-time expiry: remove the expired sessions of a BIB entry, so that
 * a mapping whose sessions all ran out admits nobody even before the
 * sweep reaches it.  Returns 0 if the (dynamic) entry went with them. */
int nat64_bib_purge(struct nat64_db *db, uint32_t bib, uint32_t now);

/*
 * Expiry without a spike: examine at most cfg->sweep_budget session slots
 * from where the last call stopped, removing those whose
 * last + timeout[timer] <= now.  Returns the number removed.  'last' may
 * have been refreshed by another writer (the XDP program): the sweep reads
 * it once per slot.
 */
unsigned nat64_db_sweep(struct nat64_db *db, uint32_t now);

const struct nat64_db_stats *nat64_db_stats(const struct nat64_db *db);
/* Live entries. */
uint32_t nat64_db_nbib(const struct nat64_db *db);
uint32_t nat64_db_nsess(const struct nat64_db *db);
/* Bytes allocated by nat64_db_init (tables and indexes), for the memory
 * figure per session. */
size_t nat64_db_bytes(const struct nat64_db *db);
/* The shard's pool4 (for nat64.c and metrics). */
struct pool4 *nat64_db_pool4(struct nat64_db *db);
const struct nat64_cfg *nat64_db_cfg(const struct nat64_db *db);
/* A subscriber as the control plane shows it (gate64ctl subscriber
 * show). */
struct nat64_sub_info {
	uint8_t prefix[16];
	uint8_t len;		      /* subscriber prefix length */
	uint32_t nsess, nbib;	      /* in use */
	uint32_t limit;		      /* sessions, 0: none */
	uint32_t addr4;		      /* port-block mode: its address */
	uint8_t blocks[NAT64_NPROTO]; /* port-block mode: blocks held */
	uint32_t ports[NAT64_NPROTO]; /* port-block mode: ports in use in
					 its blocks */
};
/* The subscriber of src6 (masked to the subscriber length): 1 and *out,
 * or 0 (no state; *out has the prefix and the limits).  Owner only. */
int nat64_db_sub_info(const struct nat64_db *db, const uint8_t *src6,
		      struct nat64_sub_info *out);

/* The subscriber in table slot i (0 .. max_subs - 1), for a walk over
 * the table in pages: 1 and *out when the slot holds one, else 0.
 * Owner only. */
int nat64_db_sub_slot(const struct nat64_db *db, uint32_t i,
		      struct nat64_sub_info *out);

/* pool4 changed at run time (dp_pool4_swap): the shard takes p, built
 * from cfg (same workers, block size and key as before), and returns the
 * pool4 it used, for the caller to free.  Called by the control thread
 * while the owning worker is parked, so that nothing reads either pool
 * meanwhile. */
struct pool4 *nat64_db_swap_pool4(struct nat64_db *db, struct pool4 *p,
				  const struct pool4_cfg *cfg);

/* A reload: the knobs that may change while the tables live (timeouts,
 * filtering, drop-inbound-syn) from cfg (already checked); the owning
 * worker calls it.  Sessions keep their 'last' time, so a shorter timeout
 * applies to them at once. */
void nat64_db_set_soft(struct nat64_db *db, const struct nat64_cfg *cfg);

#endif
