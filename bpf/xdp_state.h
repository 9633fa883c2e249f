/*
 * xdp_state.h - the stateful NAT64 sessions as the XDP program sees them:
 * the layouts of its two session maps, the rule that says whether a
 * session may translate a packet in XDP, the mapping the core's fast path
 * takes (struct xlat_map) built from a map entry, and the converter from
 * the core's state (struct nat64_bib + struct nat64_sess) to map entries.
 * Defined once, here: the XDP program (bpf/xlat_xdp.c), its loaders and
 * tests (tests/bpf/run_corpus_xdp.c) and the hybrid workers include it.
 *
 * Contract: plain structs and static inline functions, no libc, no libbpf,
 * no state; the converter (xdp_sess_from_nat64) is host-only, the rest
 * compiles for clang -target bpf too.
 *
 * Two maps, BPF_MAP_TYPE_HASH (never LRU: an established flow is never
 * evicted; the loader sizes them with bpf_map__set_max_entries before
 * load), one entry per session in each:
 *
 *   g64_sess6: struct xdp_sess6_key -> struct xdp_sess6_val  (IPv6 -> IPv4)
 *   g64_sess4: struct xdp_sess4_key -> struct xdp_sess4_val  (IPv4 -> IPv6)
 *
 * A full map refuses a new entry (E2BIG): that flow simply stays with the
 * core, whose packets the program hands on.
 *
 * Byte order: addresses and ports in keys and values are in network
 * order, as on the wire, so the program builds a key by copying packet
 * bytes.  Padding is explicit and must be zero (the keys are hashed as
 * bytes): build keys with the functions below, or memset first.
 *
 * Clock: `last` is seconds of CLOCK_MONOTONIC, the clock of
 * bpf_ktime_get_ns() (the program takes bpf_ktime_get_ns() / 1e9).  The
 * core's `now` (struct nat64.now) is the engine's monotonic seconds; an
 * engine whose `now` is not CLOCK_MONOTONIC seconds passes the difference
 * as clock_off to the converter (tests: now = 1000 + t).
 *
 * Each direction has its own `last`: the program refreshes the entry it
 * hit, so a session's last packet is the latest of the core's `last` and
 * both map entries' (whoever expires sessions from the maps must take the
 * maximum).  The program itself treats an entry past its lifetime as a
 * miss and hands the packet on: its view of `last` is never later than
 * the truth, so it never translates for a session the core has expired.
 */
#ifndef GATE64_BPF_XDP_STATE_H
#define GATE64_BPF_XDP_STATE_H

#include <stdint.h>

#include "dataplane/xlat/hdr.h"
#include "dataplane/xlat/nat64_tcp.h"
#include "dataplane/xlat/pool4.h"
#include "dataplane/xlat/rfc6052.h"
#include "dataplane/xlat/xlat.h"

/* Default size of each session map when the loader sets none; the loader
 * sets the core's max_sessions (all workers) before load. */
#define XDP_SESS_MAX_DEFAULT 1024

/* IPv6 -> IPv4: what the program reads from an IPv6 packet. */
struct xdp_sess6_key {
	uint8_t src6[16]; /* the IPv6 client (packet source) */
	uint32_t raddr4;  /* the remote: the IPv4 image of the packet's
			     destination under the /96 pool6 */
	uint16_t sport6;  /* packet source port, or the echo identifier */
	uint16_t rport;	  /* packet destination port; 0 for ICMP echo */
	uint8_t proto;	  /* enum nat64_proto */
	uint8_t pad[3];
};

/* What the IPv6 -> IPv4 translation writes, and the session's state. */
struct xdp_sess6_val {
	uint32_t addr4; /* pool4 address: the new IPv4 source */
	uint16_t port4; /* pool4 port (ICMP: identifier): the new source port */
	uint8_t state;	/* enum nat64_tcp_state (TCP), else 0 */
	uint8_t timer;	/* enum nat64_timer: which lifetime runs */
	uint32_t last;	/* CLOCK_MONOTONIC seconds of the last packet */
};

/* IPv4 -> IPv6: what the program reads from an IPv4 packet. */
struct xdp_sess4_key {
	uint32_t raddr4; /* the remote (packet source) */
	uint32_t addr4;	 /* pool4 address (packet destination) */
	uint16_t rport;	 /* packet source port; 0 for ICMP echo */
	uint16_t port4;	 /* packet destination port, or the echo identifier */
	uint8_t proto;	 /* enum nat64_proto */
	uint8_t pad[3];
};

struct xdp_sess4_val {
	uint8_t src6[16];  /* the IPv6 client: the new destination */
	uint8_t rsrc6[16]; /* the remote's pool6 image: the new source */
	uint16_t sport6;   /* the client's port (ICMP: identifier): the new
			      destination port */
	uint8_t state;	   /* as in xdp_sess6_val */
	uint8_t timer;
	uint32_t last;
};

/*
 * The BIB (RFC 6146 §3.1) of mode = xdp, where the program creates the
 * state itself (xdp_cfg.create): endpoint-independent mapping, one entry
 * per (client address, client port, protocol), in two maps, both
 * BPF_MAP_TYPE_HASH sized by the loader (default XDP_SESS_MAX_DEFAULT):
 *
 *   g64_bib6: struct xdp_bib6_key -> struct xdp_bib6_val  (IPv6 side)
 *   g64_bib4: struct xdp_bib4_key -> struct xdp_bib4_val  (IPv4 side)
 *
 * g64_bib4 is the pool4 port allocator: the program claims a port by
 * inserting its g64_bib4 entry with BPF_NOEXIST (atomic across CPUs), then
 * the g64_bib6 entry with BPF_NOEXIST (a CPU that loses that race deletes
 * its claim and takes the winner's).  Static entries (is_static) are
 * written by the loader, in both maps; the program never deletes an entry
 * it did not just make.  Byte order and padding as for the sessions.
 *
 * g64_bib4's `last` is CLOCK_MONOTONIC seconds of the latest packet of any
 * session of the entry, as the program saw it (it writes it when it
 * creates a session under the entry and whenever it refreshes a session's
 * `last`, with the same unlocked store and the same one-second race): a
 * new inbound session through a dynamic entry needs a live session under
 * it (RFC 6146 §3.5.1, §3.5.3: an entry whose sessions all expired is
 * gone, swept or not; nat64_bib_purge in the core), which the program
 * checks as now - last < the protocol's lifetime.  Whoever else makes or
 * refreshes sessions under a BIB entry keeps it up to date the same way;
 * whoever deletes BIB entries should leave one whose `last` is recent
 * (the program may just have made a session under it).  0 on static
 * entries (never read there).
 */
struct xdp_bib6_key {
	uint8_t src6[16]; /* the IPv6 client */
	uint16_t sport6;  /* its port, or the echo identifier */
	uint8_t proto;	  /* enum nat64_proto */
	uint8_t pad;
};

struct xdp_bib6_val {
	uint32_t addr4;	   /* pool4 address */
	uint16_t port4;	   /* pool4 port, or the echo identifier */
	uint8_t is_static; /* configured: never expires, never swept */
	uint8_t pad;
};

struct xdp_bib4_key {
	uint32_t addr4; /* pool4 address */
	uint16_t port4; /* pool4 port, or the echo identifier */
	uint8_t proto;	/* enum nat64_proto */
	uint8_t pad;
};

struct xdp_bib4_val {
	uint8_t src6[16];
	uint16_t sport6;
	uint8_t is_static;
	uint8_t pad;
	uint32_t last; /* CLOCK_MONOTONIC seconds, see above (dynamic) */
};

/* One BIB event for the mapping log (RFC 6888 §2: the port mapping,
 * logged when made), from the program's ring buffer g64_bib_events: the
 * program sends created = 1 for every entry it makes; it never deletes
 * one (the sweeper does, and logs created = 0 itself).  `when` is
 * CLOCK_MONOTONIC seconds. */
struct xdp_bib_event {
	uint8_t src6[16];
	uint32_t addr4;
	uint16_t sport6;
	uint16_t port4;
	uint8_t proto;
	uint8_t created;
	uint8_t pad[2];
	uint32_t when;
};

/* Size of g64_bib_events when the loader sets none (bytes, a power of two
 * and a multiple of the page size): 2048 events. */
#define XDP_BIB_EVENTS_DEFAULT (64 * 1024)

_Static_assert(sizeof(struct xdp_bib6_key) == 20, "no hidden padding");
_Static_assert(sizeof(struct xdp_bib6_val) == 8, "no hidden padding");
_Static_assert(sizeof(struct xdp_bib4_key) == 8, "no hidden padding");
_Static_assert(sizeof(struct xdp_bib4_val) == 24, "no hidden padding");
_Static_assert(sizeof(struct xdp_bib_event) == 32, "no hidden padding");

_Static_assert(sizeof(struct xdp_sess6_key) == 28, "no hidden padding");
_Static_assert(sizeof(struct xdp_sess6_val) == 12, "no hidden padding");
_Static_assert(sizeof(struct xdp_sess4_key) == 16, "no hidden padding");
_Static_assert(sizeof(struct xdp_sess4_val) == 40, "no hidden padding");

/* pool4's addresses as a filter (xdp_cfg.p4filter): the program hands on
 * an IPv6 packet whose remote may be one of them, a hairpin (RFC 6146
 * §3.8) that only the core turns around.  False positives only cost a
 * hand-on. */
#define XDP_P4FILTER_WORDS 32 /* 2048 bits */

XLAT_INLINE uint32_t xdp_p4bit(uint32_t addr4_net)
{
	return (addr4_net * 0x9e3779b1u) >> (32 - 11);
}

XLAT_INLINE void xdp_p4filter_add(uint64_t *f, uint32_t addr4_net)
{
	uint32_t h = xdp_p4bit(addr4_net);
	f[h >> 6] |= 1ull << (h & 63);
}

XLAT_INLINE int xdp_p4filter_has(const volatile uint64_t *f, uint32_t addr4_net)
{
	uint32_t h = xdp_p4bit(addr4_net);
	return (int)(f[(h >> 6) & (XDP_P4FILTER_WORDS - 1)] >> (h & 63) & 1);
}

/*
 * May a hit translate this packet in XDP, and does it refresh `last`?
 * The core's sess_touch (nat64.c) for a packet of a live session, done
 * only where it changes nothing but `last`:
 *  - past its lifetime ((int32_t)(now - last) >= timeout[timer], the
 *    core's lookup-time expiry): no, the core decides (it may make a new
 *    session);
 *  - UDP, ICMP echo: yes, refresh (RFC 6146 §3.5.1, §3.5.3, both ways);
 *  - TCP with SYN, FIN or RST: no (this slice leaves every such packet to
 *    the core's RFC 6146 §3.5.2.2 state machine);
 *  - other TCP: yes when nat64_tcp_next() keeps the state and the timer
 *    (refresh when it restarts it), no when it would change them (TRANS
 *    -> ESTABLISHED).
 * Returns 0 (hand on), 1 (translate, keep last), 2 (translate, refresh).
 */
XLAT_INLINE int xdp_sess_use(const volatile uint32_t *timeout, uint8_t proto,
			     uint8_t state, uint8_t timer, uint32_t last,
			     uint32_t now, int dir, uint8_t flags)
{
	uint32_t t = timeout[timer < NAT64_NTIMERS ? timer : 0];
	if ((int32_t)(now - last) >= (int64_t)t)
		return 0;
	if (proto != NAT64_TCP)
		return 2;
	if (flags & (NAT64_TCP_SYN | NAT64_TCP_FIN | NAT64_TCP_RST))
		return 0;
	struct nat64_tcp_step st = nat64_tcp_next(state, dir, flags);
	if (st.state != state)
		return 0;
	if (st.timer == NAT64_T_NONE)
		return 1;
	return st.timer == timer ? 2 : 0;
}

/* timeout[timer], any timer byte (0's lifetime for one out of range).  On
 * BPF the compiler may not drop the bound (it would: it knows the array
 * has NAT64_NTIMERS elements, or what the caller made of timer), which
 * leaves the verifier an unbounded index. */
XLAT_INLINE uint32_t xdp_timeout(const volatile uint32_t *timeout,
				 uint8_t timer)
{
	uint64_t i =
	    timer; /* 64 bits: no zero-extension between check and use */
#ifdef __bpf__
	asm volatile("" : "+r"(i)); /* what it knows of timer: forgotten */
#endif
	i = i < NAT64_NTIMERS ? i : 0;
#ifdef __bpf__
	asm volatile("" : "+r"(i)); /* the check: done, whatever it assumes */
#endif
	return timeout[i];
}

/*
 * Create mode: how long a dynamic BIB entry is surely live after its
 * `last` (struct xdp_bib4_val): UDP and ICMP sessions all run their
 * protocol's one lifetime, so for them it is exact; a TCP session, once
 * written with a timer of at least min(TCP_TRANS, TCP_EST), lives at least
 * that long after (no transition shortens it below the timer it sets), so
 * that minimum is a lower bound.  A session written with a shorter timer
 * (V4 INIT, on TCP_INCOMING_SYN) leaves `last` alone (xdp_bib_touches).
 */
XLAT_INLINE uint32_t xdp_bib_window(const volatile uint32_t *timeout,
				    uint8_t proto)
{
	if (proto == NAT64_TCP) {
		uint32_t a = timeout[NAT64_T_TCP_TRANS];
		uint32_t b = timeout[NAT64_T_TCP_EST];
		return a < b ? a : b;
	}
	return timeout[proto == NAT64_UDP ? NAT64_T_UDP : NAT64_T_ICMP];
}

/* Does a session written now with 'timer' move its BIB entry's `last`? */
XLAT_INLINE int xdp_bib_touches(const volatile uint32_t *timeout, uint8_t proto,
				uint8_t timer)
{
	return timer != NAT64_T_NONE &&
	       xdp_timeout(timeout, timer) >= xdp_bib_window(timeout, proto);
}

/* RFC 6146 §3.5.1.1 (the core's p4_class, pool4.c): the ports of a pool4
 * range [*lo, *hi] a client port keeps its class in (0-1023, 1024-49151,
 * 49152-65535); the whole range when it has no port of that class, and
 * always for ICMP identifiers.  Host order. */
XLAT_INLINE void xdp_port_class(uint8_t proto, uint16_t sport, uint32_t *lo,
				uint32_t *hi)
{
	uint32_t clo = sport < 1024 ? 0 : sport < 49152 ? 1024 : 49152;
	uint32_t chi = sport < 1024 ? 1023 : sport < 49152 ? 49151 : 65535;

	if (proto == NAT64_ICMP)
		return;
	if (clo < *lo)
		clo = *lo;
	if (chi > *hi)
		chi = *hi;
	if (clo <= chi) {
		*lo = clo;
		*hi = chi;
	}
}

/* The mappings the core's fast path takes (xlat_fast.h): the fields
 * nat64.c fills for the same session (general_6to4, general_4to6). */
XLAT_INLINE void xdp_sess6_xmap(const struct xdp_sess6_key *k,
				const struct xdp_sess6_val *v,
				struct xlat_map *m)
{
	m->s4 = v->addr4;
	m->d4 = k->raddr4;
	m->port = v->port4;
	m->has_port = 1;
	m->has_in_port = 0;
}

XLAT_INLINE void xdp_sess4_xmap(const struct xdp_sess4_val *v,
				struct xlat_map *m)
{
	__builtin_memcpy(m->s6, v->rsrc6, 16);
	__builtin_memcpy(m->d6, v->src6, 16);
	m->port = v->sport6;
	m->has_port = 1;
	m->has_in_port = 0;
}

/*
 * The entries of one session, from its transport addresses (network
 * order but src6, which is bytes): the builder the converter below, the
 * hybrid workers and the tests share.  pool6 is the configuration's
 * prepared pool6 (the remote's IPv6 image); last is in CLOCK_MONOTONIC
 * seconds.
 */
struct xdp_sess_tuple {
	uint8_t proto; /* enum nat64_proto */
	uint8_t state, timer;
	const uint8_t *src6;
	uint16_t sport6, port4, rport;
	uint32_t addr4, raddr4;
	uint32_t last;
};

XLAT_INLINE void
xdp_sess_fill(const struct xdp_sess_tuple *t, const struct rfc6052_pfx *pool6,
	      struct xdp_sess6_key *k6, struct xdp_sess6_val *v6,
	      struct xdp_sess4_key *k4, struct xdp_sess4_val *v4)
{
	uint16_t rport = t->proto == NAT64_ICMP ? 0 : t->rport;

	__builtin_memset(k6, 0, sizeof(*k6));
	__builtin_memcpy(k6->src6, t->src6, 16);
	k6->raddr4 = t->raddr4;
	k6->sport6 = t->sport6;
	k6->rport = rport;
	k6->proto = t->proto;
	__builtin_memset(v6, 0, sizeof(*v6));
	v6->addr4 = t->addr4;
	v6->port4 = t->port4;
	v6->state = t->state;
	v6->timer = t->timer;
	v6->last = t->last;

	__builtin_memset(k4, 0, sizeof(*k4));
	k4->raddr4 = t->raddr4;
	k4->addr4 = t->addr4;
	k4->rport = rport;
	k4->port4 = t->port4;
	k4->proto = t->proto;
	__builtin_memset(v4, 0, sizeof(*v4));
	__builtin_memcpy(v4->src6, t->src6, 16);
	rfc6052_pfx_embed(pool6, t->raddr4, v4->rsrc6);
	v4->sport6 = t->sport6;
	v4->state = t->state;
	v4->timer = t->timer;
	v4->last = t->last;
}

#ifndef __bpf__
#include "dataplane/xlat/nat64_db.h"

/*
 * The core's session (and its BIB entry) as map entries.  clock_off is
 * added to the core's `last` to make CLOCK_MONOTONIC seconds (0 when the
 * engine's `now` is CLOCK_MONOTONIC seconds).  Returns 0, or -1 for a
 * session XDP must never take: a free slot, or one whose remote is an
 * address of pool4 (a hairpin, RFC 6146 §3.8: the core turns it around;
 * pass pool4 NULL to skip that test, the program checks it too).
 */
XLAT_INLINE int
xdp_sess_from_nat64(const struct nat64_bib *b, const struct nat64_sess *s,
		    const struct rfc6052_pfx *pool6,
		    const struct pool4_cfg *pool4, uint32_t clock_off,
		    struct xdp_sess6_key *k6, struct xdp_sess6_val *v6,
		    struct xdp_sess4_key *k4, struct xdp_sess4_val *v4)
{
	struct xdp_sess_tuple t;

	if (s->bib == NAT64_NONE || s->timer == NAT64_T_NONE)
		return -1;
	for (unsigned i = 0; pool4 && i < pool4->n; i++)
		if (pool4->r[i].addr == s->raddr4)
			return -1;
	t.proto = b->proto;
	t.state = s->state;
	t.timer = s->timer;
	t.src6 = b->src6;
	t.sport6 = xlat_htons(b->sport6);
	t.port4 = xlat_htons(b->port4);
	t.rport = xlat_htons(s->rport);
	t.addr4 = xlat_htonl(b->addr4);
	t.raddr4 = xlat_htonl(s->raddr4);
	t.last = s->last + clock_off;
	xdp_sess_fill(&t, pool6, k6, v6, k4, v4);
	return 0;
}
#endif

#endif
