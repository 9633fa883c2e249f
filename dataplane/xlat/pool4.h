/*
 * pool4.h - the IPv4 transport addresses of stateful NAT64 (RFC 6146 §3.5.1.1):
 * addresses with per-protocol port ranges, split between workers, port
 * selection per RFC 6056 (Algorithm 3, keyed hash, bounded attempts) that
 * keeps the client's port range class, and optional port-block allocation
 * (RFC 7422): a subscriber gets blocks of N ports on one address.
 *
 * Contract: a struct pool4 is one worker's share (its slice of every range);
 * pool4_init allocates its bitmaps once, pool4_fini frees them; nothing is
 * allocated afterwards.  Only the owning worker calls pool4_get/put/
 * reserve/claim and reads pool4_usage; pool4_owner() is pure and may be
 * called by anyone.  In block mode a subscriber's blocks are in one
 * worker's slices, so all of a subscriber's new flows must reach that one
 * worker.  Ports and addresses are in host order here (uint32_t IPv4,
 * uint16_t port).
 */
#ifndef GATE64_XLAT_POOL4_H
#define GATE64_XLAT_POOL4_H

#include <stddef.h>
#include <stdint.h>

#define POOL4_MAX_RANGES                                    \
	64 /* configured (address, protocol, ports) entries \
	    */
#define POOL4_MAX_WORKERS    64
#define POOL4_MAX_TRIES	     128 /* RFC 6146 §5 / design: bounded port search */
#define POOL4_SUB_BLOCKS_MAX 64	 /* blocks one subscriber may hold, hard cap */

/* Protocol indexes used throughout the stateful core. */
enum nat64_proto { NAT64_TCP = 0, NAT64_UDP = 1, NAT64_ICMP = 2, NAT64_NPROTO };

struct pool4_range {
	uint32_t addr;	   /* host order */
	uint8_t proto;	   /* enum nat64_proto */
	uint16_t min, max; /* inclusive */
};

struct pool4_cfg {
	struct pool4_range r[POOL4_MAX_RANGES];
	unsigned n;
	unsigned nworkers; /* >= 1: each range is cut into nworkers slices */
	uint16_t
	    block_size; /* 0: no port blocks; else ports per block (RFC 7422) */
	uint16_t max_blocks; /* per subscriber (<= POOL4_SUB_BLOCKS_MAX) */
	uint64_t key[2];     /* secret of the RFC 6056 hash (random at start) */
};

/* A subscriber's blocks, kept in its record by the caller (nat64_db). */
struct pool4_blocks {
	uint32_t addr; /* every block of a subscriber is on one address */
	uint8_t proto_n[NAT64_NPROTO]; /* blocks held per protocol */
	uint16_t start[NAT64_NPROTO][POOL4_SUB_BLOCKS_MAX]; /* first port */
	uint16_t used[NAT64_NPROTO][POOL4_SUB_BLOCKS_MAX];  /* ports in use */
};

struct pool4; /* opaque: one worker's share */

/* What pool4_get did besides returning a port, for the mapping log. */
struct pool4_event {
	uint8_t block_new; /* a block was allocated: start .. start+size-1 */
	uint16_t block_start;
};

/* Validate a configuration; 0 or -EINVAL with a message naming the entry.
 * Requires 1..POOL4_MAX_RANGES entries, min <= max, no TCP/UDP port 0, no
 * two overlapping entries of one protocol on one address, 1..
 * POOL4_MAX_WORKERS workers with at least one port (block) of every entry
 * each, block_size 0 or 8..32768 and then max_blocks 1..
 * POOL4_SUB_BLOCKS_MAX. */
int pool4_cfg_check(const struct pool4_cfg *cfg, char *err, size_t errlen);
/* Worker 'worker' (0..nworkers-1)'s share.  Returns NULL and fills err. */
struct pool4 *pool4_init(const struct pool4_cfg *cfg, unsigned worker,
			 char *err, size_t errlen);
void pool4_fini(struct pool4 *p);

/* Which worker owns this IPv4 transport address (its slice holds port).
 * An address/port in no entry, or in the tail of an entry shorter than a
 * block (block mode: no slice holds it), gives 0; worker 0 refuses it. */
unsigned pool4_owner(const struct pool4_cfg *cfg, uint32_t addr, uint8_t proto,
		     uint16_t port);

/*
 * A port for a new mapping of (src6, sport) of subscriber 'sub_hash'.
 * Without blocks: the address is chosen by sub_hash (paired pooling,
 * RFC 4787 REQ-2, so a subscriber keeps one address while it can), the
 * port by RFC 6056 Algorithm 3 within the class of sport (0-1023,
 * 1024-49151, 49152-65535; RFC 6146 §3.5.1.1) when the slice has ports of
 * that class, else anywhere in the slice; at most POOL4_MAX_TRIES probes.
 * With blocks (blk != NULL): a free port in one of the subscriber's
 * blocks; when they are full, a new block on the same address (if fewer
 * than max_blocks), reported in *ev.
 * Returns 0 and *addr, *port, -ENOSPC when exhausted (no port, no block),
 * -EDQUOT when the subscriber is at max_blocks and its blocks are full,
 * -EINVAL for an unknown proto or, in block mode, blk == NULL.  ev may be
 * NULL; else ev->block_new is always written.
 */
int pool4_get(struct pool4 *p, uint8_t proto, const uint8_t *src6,
	      uint16_t sport, uint32_t sub_hash, struct pool4_blocks *blk,
	      uint32_t *addr, uint16_t *port, struct pool4_event *ev);

/* Give a port back.  With blocks, a block whose last port is returned is
 * released (returns 1 and its start in *block_start), else 0; -ENOENT when
 * the port is not in this worker's slice or not in use.  A static entry's
 * port (pool4_reserve) is given back with blk == NULL. */
int pool4_put(struct pool4 *p, uint8_t proto, uint32_t addr, uint16_t port,
	      struct pool4_blocks *blk, uint16_t *block_start);

/* Take a specific port (static BIB entries).  0, -ENOENT (not in this
 * worker's slice), -EBUSY (in use). */
int pool4_reserve(struct pool4 *p, uint8_t proto, uint32_t addr, uint16_t port);

/*
 * Take a specific port for a dynamic mapping of the subscriber whose blocks
 * are blk: a mapping another instance made, adopted with the same address
 * and port (nat64_sess_adopt).  Without blocks blk is ignored and this is
 * pool4_reserve.  With blocks, the port's block decides:
 *   - one of blk's blocks: the port is taken there (its used count + 1);
 *   - a free block: it becomes the subscriber's (as a block pool4_get
 *     allocates), if the subscriber holds no block or holds them on this
 *     address, and holds fewer than max_blocks of proto;
 *   - another subscriber's block: refused.
 * The port is then given back with pool4_put(..., blk, ...) exactly as a
 * pool4_get port, the block released with its last port.  A block taken
 * here shows as blk->proto_n[proto] + 1; no pool4_event is reported, as
 * the instance that allocated the block logged it.
 * Returns 0, -ENOENT (not in this worker's slice, unknown proto), -EBUSY
 * (the port is in use, or its block is another subscriber's), -EDQUOT (the
 * subscriber is at max_blocks, or its blocks are on another address),
 * -EINVAL (block mode and blk == NULL).
 */
int pool4_claim(struct pool4 *p, uint8_t proto, uint32_t addr, uint16_t port,
		struct pool4_blocks *blk);

/* Is addr one of the pool's addresses for proto (in any worker's slice)? */
int pool4_contains(const struct pool4_cfg *cfg, uint32_t addr, uint8_t proto);

/* Ports in use / ports in this worker's slice, per protocol (metrics). */
void pool4_usage(const struct pool4 *p, uint8_t proto, uint64_t *used,
		 uint64_t *total);
/* The same for configured range 'range' (cfg->r[range]: one address,
 * one protocol): ports in use and in this worker's slice of it, and the
 * port blocks held there (block mode). */
void pool4_range_usage(const struct pool4 *p, unsigned range, uint64_t *used,
		       uint64_t *total, uint64_t *blocks);

/* pool4 changed at run time: every slice of dst that src has too (same
 * address, protocol and ports, so the same range cut the same way) takes
 * src's state (ports and blocks in use); the others start empty.
 * Returns the number of slices carried over.  Whoever calls it owns both
 * (the owning worker is parked). */
unsigned pool4_carry(struct pool4 *dst, const struct pool4 *src);

#endif
