/*
 * cache.h - the DNS64 answer cache: complete responses (as the server sends
 * them) keyed by (lowercased qname, qtype, qclass, EDNS present, DO, CD).
 *
 * Contract:
 *  - Memory is fixed at dns64_cache_init: an entry table and a byte pool of
 *    DNS64_CACHE_BLOCK-byte blocks, both preallocated; a lookup or an insert
 *    never allocates.  When either runs out, CLOCK (second chance) evicts.
 *  - The cache is split into slabs, each with its own mutex, so any thread
 *    may call any function concurrently after init; init and fini are the
 *    owner's (the thread that starts and stops the server).
 *  - Lookup is by SipHash-2-4 with a key drawn from getrandom() at init
 *    (an attacker who picks names cannot aim at one hash chain).
 *  - TTL (RFC 1035 §7.1, RFC 2308 §5): an entry lives for the smallest TTL
 *    of its records (the OPT excluded); a negative answer (NXDOMAIN, or
 *    NOERROR without answer records) needs a SOA in the authority section
 *    and lives for min(SOA TTL, SOA MINIMUM) at most; one without SOA is not
 *    cached.  A hit returns the response with every TTL decremented by the
 *    whole seconds it has spent in the cache.
 *  - Only NOERROR and NXDOMAIN responses without TC are cached.
 *  - Times are milliseconds of a monotonic clock the caller passes in (the
 *    unit tests pass a fake one).
 */
#ifndef GATE64_DNS64_CACHE_H
#define GATE64_DNS64_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "dns64/wire.h"

#define DNS64_CACHE_BLOCK	128
#define DNS64_CACHE_TTL_MAX	86400 /* positive answers: one day */
#define DNS64_CACHE_NEG_TTL_MAX 10800 /* RFC 2308 §5: 1-3 hours */

/* Bits of dns64_cache_key.flags */
#define DNS64_CK_EDNS 0x01 /* the client sent an OPT */
#define DNS64_CK_DO   0x02 /* ... with DO set (RFC 3225) */
#define DNS64_CK_CD   0x04 /* the client set CD (RFC 4035 §3.2.2) */

struct dns64_cache_key {
	uint8_t name[DNS_NAME_MAX]; /* lowercased, uncompressed */
	uint8_t name_len;
	uint8_t flags;
	uint16_t qtype;
	uint16_t qclass;
};

/* X(enum suffix, counter name, explanation) */
#define DNS64_CACHE_CTR_LIST(X)                                             \
	X(HIT, "cache-hit", "answered from the cache")                      \
	X(MISS, "cache-miss", "not in the cache, or expired")               \
	X(INSERT, "cache-insert", "responses stored")                       \
	X(UNCACHEABLE, "cache-uncacheable",                                 \
	  "responses not stored: rcode, TC, TTL 0 or negative without SOA") \
	X(TOO_BIG, "cache-too-big",                                         \
	  "responses larger than a slab's byte pool allows")                \
	X(EVICT, "cache-evict", "entries evicted to make room (CLOCK)")     \
	X(EXPIRE, "cache-expire", "entries found expired and freed")

enum dns64_cache_ctr {
#define DNS64_CACHE_CTR_ENUM(e, n, x) DNS64_CACHE_##e,
	DNS64_CACHE_CTR_LIST(DNS64_CACHE_CTR_ENUM)
#undef DNS64_CACHE_CTR_ENUM
	    DNS64_CACHE_CTR_MAX
};

const char *dns64_cache_ctr_name(int c);
const char *dns64_cache_ctr_explain(int c);

struct dns64_cache;

/* entries >= 1 and bytes >= one block per slab; slabs >= 1 (rounded down
 * so that each slab keeps at least one entry).  Returns 0 or -ENOMEM /
 * -EINVAL. */
int dns64_cache_init(struct dns64_cache **c, size_t entries, size_t bytes,
		     unsigned slabs);
void dns64_cache_fini(struct dns64_cache *c);

/* The key of a parsed client query. */
void dns64_cache_key_make(struct dns64_cache_key *k, const struct dns_msg *q);

/*
 * Looks k up; on a hit copies the response into out (cap bytes), with its
 * TTLs decremented and, when q is given, the client's id, RD bit and
 * question bytes (its 0x20 case) written in.  Returns the length, or 0 on
 * a miss (or when the response does not fit in cap).
 */
size_t dns64_cache_find(struct dns64_cache *c, const struct dns64_cache_key *k,
			const struct dns_msg *q, uint8_t *out, size_t cap,
			uint64_t now_ms);

/* Stores the parsed response r (r->buf must be the complete message) under
 * k, replacing an older entry.  Returns 0, or -EINVAL (not cacheable) or
 * -E2BIG. */
int dns64_cache_add(struct dns64_cache *c, const struct dns64_cache_key *k,
		    const struct dns_msg *r, uint64_t now_ms);

/* The TTL an answer would be cached for (0: not cacheable). */
uint32_t dns64_cache_ttl(const struct dns_msg *r);

/* Entries in use, and counters summed over the slabs. */
size_t dns64_cache_count(struct dns64_cache *c);
void dns64_cache_counters(struct dns64_cache *c,
			  uint64_t out[DNS64_CACHE_CTR_MAX]);

#endif
