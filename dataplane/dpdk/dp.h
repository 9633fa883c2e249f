/*
 * dp.h - the DPDK dataplane (mode = dpdk): ports, workers, ARP/ND and the
 * translator on every worker.  One worker per lcore polls an RX queue of
 * every port (l3fwd's shape: burst RX -> process -> buffered TX), runs
 * the translation core (stateless, or stateful NAT64 with its own shard of
 * the state), answers ARP/ND/ping through dp_l2, resolves next hops
 * through the shared neighbour cache and holds packets that wait for it.
 *
 * Contract:
 *  - dp_create() is called after rte_eal_init() by the main thread, with
 *    the DPDK port ids of the configured ports (the caller probes the
 *    devices); it allocates everything (mempools, tables, queues) once.
 *    Nothing is allocated per packet: mbufs come from per-worker pools.
 *  - dp_worker_main() runs on one lcore per worker until dp_stop();
 *    dp_worker_poll() is one iteration of it, for tests and benchmarks
 *    that drive a worker from their own thread.
 *  - Counters: each worker writes its own (struct dp_stats, struct
 *    xlat_stats, the nat64_db counters); dp_stats_sum() adds them up for
 *    the control thread (torn reads of a 64-bit counter do not happen on
 *    x86-64; a sum may be a few packets old).
 *  - dp_destroy() after every worker has returned: stops and closes the
 *    ports, frees the pools.
 */
#ifndef GATE64_DP_H
#define GATE64_DP_H

#include <stdint.h>
#include <stdio.h>

#include "bpf/xdp_state.h"
#include "dataplane/dpdk/dp_cfg.h"
#include "dataplane/dpdk/dp_l2.h"

/* Counters of the dataplane glue (the translation reasons are
 * xlat_reason.h, the link-layer ones dp_l2.h). */
#define DP_COUNTERS(X)                                                         \
	X(rx, "frames received")                                               \
	X(tx, "frames sent")                                                   \
	X(tx_full, "frames dropped: the port's transmit queue was full")       \
	X(runt, "frames dropped: shorter than their headers")                  \
	X(looped, "frames dropped: sent by the gateway itself and seen again " \
		  "(packet-socket loopback)")                                  \
	X(multiseg, "frames dropped: in several mbuf segments (raise the "     \
		    "mbuf size or lower the MTU)")                             \
	X(wrong_side, "frames dropped: IPv4 on the IPv6 port or IPv6 on the "  \
		      "IPv4 port (two-arm)")                                   \
	X(l3_bcast, "IPv4 broadcast or multicast not for the gateway: "        \
		    "not translated")                                          \
	X(no_route, "packets dropped: destination off-link and no gateway "    \
		    "for its family on the port")                              \
	X(neigh_wait, "packets held until ARP/ND resolved their next hop")     \
	X(neigh_wait_full, "packets dropped: the ARP/ND wait queue was full")  \
	X(neigh_unresolved, "packets dropped: their next hop did not answer "  \
			    "ARP/ND in time")                                  \
	X(neigh_unreach, "ICMP Destination Unreachable sent back for "         \
			 "packets whose next hop never answered (RFC 4861 "    \
			 "§7.2.2)")                                            \
	X(neigh_probes, "ARP requests and Neighbor Solicitations sent")        \
	X(l2_replies, "ARP replies, Neighbor Advertisements and echo replies " \
		      "sent")                                                  \
	X(announce, "gratuitous ARPs and unsolicited NAs sent at start and "   \
		    "after a pool4 change")                                    \
	X(handoff, "packets passed to the worker that owns their NAT64 state") \
	X(handoff_full, "packets dropped: the owner worker's queue was full")  \
	X(busy_us, "microseconds the workers spent on iterations that had "    \
		   "frames (the rest of a busy-polling core is idle)")         \
	X(nombuf, "packets lost: no mbuf free for a fragment, an ICMP error "  \
		  "or a probe")                                                \
	X(xdp_export_full,                                                     \
	  "mode = hybrid: session updates for the XDP maps not queued (the "   \
	  "ring to the control thread was full); the flow's next packet "      \
	  "through the workers sends it again")                                \
	X(bytes_6to4_in, "bytes of IPv6 packets taken in by the translator "   \
			 "(IP header and payload, no Ethernet header)")        \
	X(bytes_6to4_out, "bytes of IPv4 packets translated from IPv6 and "    \
			  "queued on the IPv4 side")                           \
	X(bytes_4to6_in, "bytes of IPv4 packets taken in by the translator")   \
	X(bytes_4to6_out, "bytes of IPv6 packets translated from IPv4 (and "   \
			  "hairpinned ones, fragments counted each) queued "   \
			  "on the IPv6 side")

struct dp_stats {
#define DP_CNT(n, d) uint64_t n;
	DP_COUNTERS(DP_CNT)
#undef DP_CNT
	uint64_t l2[DP_L2_R_MAX];
};

struct rte_mbuf;
struct dp;	  /* opaque: the whole dataplane */
struct dp_worker; /* opaque: one worker */

/* The whole dataplane; NULL with err filled.  port_ids[i] is the DPDK
 * port of cfg->port[i] (one entry in one-arm). */
struct dp *dp_create(const struct dp_cfg *cfg, const uint16_t *port_ids,
		     char *err, size_t errlen);
/* Start the ports (after dp_create, before the workers).  0 or -errno. */
int dp_start(struct dp *dp, char *err, size_t errlen);
/* Ask every worker to return. */
void dp_stop(struct dp *dp);
void dp_destroy(struct dp *dp);

unsigned dp_nworkers(const struct dp *dp);
struct dp_worker *dp_worker(struct dp *dp, unsigned i);

/* The lcore function (arg: a struct dp_worker *). */
int dp_worker_main(void *arg);
/* One iteration: RX from every port and the hand-off ring, process,
 * flush TX, retry held packets, housekeeping when due.  Returns the
 * number of frames received. */
unsigned dp_worker_poll(struct dp_worker *w);
/* Process frames as if received on port index pi (tests, benchmarks):
 * the mbufs are consumed; TX is buffered until dp_worker_flush(). */
void dp_worker_input(struct dp_worker *w, unsigned pi, struct rte_mbuf **m,
		     unsigned n);
void dp_worker_flush(struct dp_worker *w);
/* Housekeeping now (NAT64 expiry, held SYNs' ICMP errors, held packets). */
void dp_worker_tick(struct dp_worker *w);

/* Tests: freeze the worker's clock at 'sec' seconds (0: real time again),
 * and reach its translator context to seed it. */
void dp_worker_set_clock(struct dp_worker *w, uint32_t sec);
struct xlat_ctx *dp_worker_xlat(struct dp_worker *w);
struct dp_neigh *dp_neigh_table(struct dp *dp);
/* mode = hybrid (control/hybrid.c): the kernel keeps ARP and ND on the
 * interfaces (the XDP program passes them to it), so the control thread
 * copies the kernel's neighbours into the workers' cache: a confirmed
 * entry (ip: 16 bytes, IPv4 in the first 4) on port index pi, on the
 * workers' clock.  Control thread. */
void dp_neigh_confirm(struct dp *dp, unsigned pi, int is6, const uint8_t *ip,
		      const uint8_t *mac);

/*
 * mode = hybrid with NAT64 (control/hybrid.c): the workers' sessions go
 * into the XDP program's maps, so that the next packets of a flow stay in
 * XDP (docs/hybrid.md).  dp_xdp_export_enable (control thread, after
 * dp_start, before the workers run; 0 in SIIT) gives every worker two
 * single-producer rings: each NAT64 packet a worker translates puts its
 * session, as map entries (xdp_sess_from_nat64), on the first, which the
 * control thread drains with dp_xdp_export_drain and writes with
 * bpf_map_update_elem; the control thread posts the maps' `last`
 * (CLOCK_MONOTONIC s, as XDP refreshes it) with dp_xdp_last_post to the
 * worker that owns the session, which applies it at its tick, before
 * the expiry sweep, so that a flow XDP keeps translating never expires in
 * the core.  No system call or lock in the workers: ring operations.
 */
#define DP_XDP_RING	 4096u	/* exported sessions, per worker */
#define DP_XDP_LAST_RING 65536u /* `last` updates, per worker */
struct dp_xdp_sess {
	struct xdp_sess6_key k6;
	struct xdp_sess6_val v6;
	struct xdp_sess4_key k4;
	struct xdp_sess4_val v4;
};
struct dp_xdp_last {
	struct xdp_sess4_key k4;
	uint32_t last; /* CLOCK_MONOTONIC seconds */
};
int dp_xdp_export_enable(struct dp *dp, char *err, size_t errlen);
unsigned dp_xdp_export_drain(struct dp *dp, struct dp_xdp_sess *out,
			     unsigned max);
/* 0, or -ENOBUFS (the worker's ring is full) / -ENOENT. */
int dp_xdp_last_post(struct dp *dp, const struct dp_xdp_last *l);
/*
 * A session an earlier gate64d left in the XDP maps (it stopped with
 * --keep-state, or died; the program kept translating): into the core of
 * the worker that owns its subscriber, with its pool4 address and port,
 * so that the flow keeps its mapping (nat64_sess_adopt).  last: the
 * latest `last` of the session's two entries (CLOCK_MONOTONIC s).
 * After dp_xdp_export_enable, before the workers run.  0, -EEXIST (it
 * was adopted already), or nat64_sess_adopt's -errno: that flow cannot
 * keep its mapping here (the caller removes its entries).
 */
int dp_xdp_adopt(struct dp *dp, const struct xdp_sess4_key *k4,
		 const struct xdp_sess4_val *v4, uint32_t last);

/* Sums over the workers (any of the three may be NULL). */
void dp_stats_sum(struct dp *dp, struct dp_stats *st, struct xlat_stats *xst,
		  struct nat64_db_stats *nst);
/* Live BIB entries and sessions over every worker. */
void dp_nat64_count(struct dp *dp, uint64_t *nbib, uint64_t *nsess);
/* rte_eal_cleanup(), then remove the EAL's runtime directory
 * (/var/run/dpdk/PREFIX) and its parent when empty: nothing is left
 * behind by a clean stop. */
void dp_eal_cleanup(void);

/*
 * Tables for the control thread (gate64ctl): a worker owns its NAT64
 * shard, so the control thread never reads it; it asks the worker, which
 * copies one page of entries at its next iteration.  dp_dump_request()
 * posts the question (-EBUSY while one is pending), dp_dump_wait() takes
 * the answer (-ETIMEDOUT when the worker did not answer in timeout_ms;
 * the request stays posted and a later wait may still get it).  start:
 * the table slot to begin at; *next: where the next page begins, or
 * DP_DUMP_END.  Control thread only (one request per worker at a time).
 */
#define DP_DUMP_END 0xffffffffu

enum dp_dump_kind {
	DP_DUMP_SESSIONS,
	DP_DUMP_BIB,
	DP_DUMP_POOL4, /* one entry per configured pool4 range (address,
			  protocol): used / total ports and blocks of the
			  worker's slice of it (start is ignored) */
	DP_DUMP_SUB,   /* the subscriber of key (dp_dump_key): one entry,
			  its nat64_sub_info in sub (found: nsess == 1...) */
	DP_DUMP_SUBS,  /* the subscribers of table slots start.. (at most
			  DP_DUMP_SUB_SLOTS slots per page): their
			  nat64_sub_info in sub, found = 1 */
};

#define DP_DUMP_SUB_SLOTS 4096u

struct dp_dump_entry {
	uint8_t proto;	   /* enum nat64_proto */
	uint8_t state;	   /* sessions: enum nat64_tcp_state (TCP) */
	uint8_t timer;	   /* sessions: enum nat64_timer */
	uint8_t is_static; /* BIB */
	uint8_t src6[16];
	uint16_t sport6, port4, rport;
	uint32_t addr4, raddr4;	   /* host order; raddr4/rport: sessions */
	uint32_t idle;		   /* sessions: seconds since the last packet */
	uint32_t expires;	   /* sessions: seconds left */
	uint32_t nsess;		   /* BIB: its sessions */
	uint32_t used, total;	   /* POOL4: ports in use, in the slice */
	uint32_t blocks;	   /* POOL4: port blocks held (block mode) */
	struct nat64_sub_info sub; /* SUB */
	uint8_t found;		   /* SUB: the subscriber has state */
};

int dp_dump_request(struct dp *dp, unsigned worker, enum dp_dump_kind kind,
		    uint32_t start, struct dp_dump_entry *out, uint32_t max);
int dp_dump_wait(struct dp *dp, unsigned worker, uint32_t *n, uint32_t *next,
		 unsigned timeout_ms);
/* The key of the next DP_DUMP_SUB request to that worker (an IPv6
 * address of the subscriber); before dp_dump_request. */
void dp_dump_key(struct dp *dp, unsigned worker, const uint8_t *key);
/* Which worker owns the NAT64 state of an IPv6 subscriber. */
unsigned dp_owner6(const struct dp *dp, const uint8_t *src6);

/*
 * Reload (control thread): every worker switches to the translator
 * configuration xc and EAM table eamt, takes the NAT64 timeouts and
 * filtering of nc, and adds the static BIB entries of sb[0..nsb) that its
 * pool4 slice owns (existing ones stay), at its next iteration: a
 * quiescent point, so nothing reads the old tables after dp_reconfig
 * returned 0, and the caller may free them.  -ETIMEDOUT when a worker did
 * not answer within timeout_ms (then the old tables must stay: a worker
 * may still switch later).  ARP/ND's view of EAM and the RFC 6791 pool
 * follows.  nc becomes the NAT64 configuration in use (dp_nat64_cfg): its
 * pool4 must be the one in use (dp_pool4_swap changes pool4, before).
 * Structural changes (ports, pool6, table sizes) are not possible here:
 * control/ refuses them.
 */
int dp_reconfig(struct dp *dp, const struct xlat_cfg *xc,
		const struct xlat_eamt *eamt, const struct nat64_cfg *nc,
		const struct dp_static_bib *sb, unsigned nsb,
		unsigned timeout_ms);

/* The NAT64 configuration in use (cfg->nat64 at start, then what
 * dp_reconfig and dp_pool4_swap installed): its pool4 names the ranges
 * of DP_DUMP_POOL4.  NULL in SIIT.  Control thread. */
const struct nat64_cfg *dp_nat64_cfg(const struct dp *dp);
/* Does pc have other ranges than the pool4 in use? */
int dp_pool4_differs(const struct dp *dp, const struct pool4_cfg *pc);
/*
 * pool4 at run time (gate64ctl pool4 add|del, a reload of [pool4]
 * address; control thread): the new pool4 of every worker is built aside
 * from nc->pool4, then every worker parks at its quiescent point; while
 * they are all parked, a range that goes away must have no port in use
 * (else -EBUSY: nothing changed, msg says which range and how many), each
 * worker gets its new pool4 with the state of every range that stays
 * (same address, protocol and ports) carried over, ARP answers for the
 * new addresses (and worker 0 announces them), and the workers go on.
 * -ETIMEDOUT when a worker did not park within timeout_ms (nothing
 * changed).  nc must keep the running key, workers and block size
 * (control/ refuses other changes) and stay valid: the dataplane points at
 * it until the next dp_reconfig or dp_pool4_swap has returned.
 */
int dp_pool4_swap(struct dp *dp, const struct nat64_cfg *nc, char *msg,
		  size_t msglen, unsigned timeout_ms);

/* Mapping log (cfg->maplog): move the workers' events into f as lines
 * (nat64_log_format).  Control thread; returns the number written. */
unsigned dp_log_drain(struct dp *dp, FILE *f);

/* Every non-zero counter, one per line: "name value  # explanation". */
void dp_stats_print(struct dp *dp, FILE *f);

#endif
