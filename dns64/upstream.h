/*
 * upstream.h - the DNS64 resolver client: sends questions to the configured
 * upstream servers and hands back their answers.
 *
 * Contract:
 *  - One struct dns64_up per worker thread; only that thread calls it.  Its
 *    sockets are registered with the worker's epoll instance; the worker
 *    passes back the events whose data has kind DNS64_EV_UP_UDP or
 *    DNS64_EV_UP_TCP (the upper 32 bits of epoll_data.u64).
 *  - Memory (query slots, the UDP socket pool, TCP buffers) is allocated at
 *    init; a query allocates nothing.
 *  - UDP first; each attempt waits timeout_ms, then the next server is
 *    tried, 1 + retries attempts in all.  An answer with TC is asked again
 *    over TCP from the same server (RFC 7766 §5).  REFUSED, NOTIMP and
 *    FORMERR move on to the next server while attempts remain.
 *  - RFC 5452 §9: query IDs come from getrandom(); UDP queries leave from a
 *    pool of sockets bound to random ports, each replaced after
 *    socket_uses queries.  An answer is accepted only from the server and
 *    port asked, on the socket used, with the ID and the question (byte for
 *    byte) sent; everything else is dropped and counted.  Messages
 *    dns_parse() refuses are dropped and counted too: malformed upstream
 *    data is never used.
 *  - The done callback runs once per query, on the worker thread, with
 *    status 0 and the parsed answer (valid only during the call), or
 *    -ETIMEDOUT when every attempt failed.  It may start new queries.
 *    (One indirect call per answer, next to a system call: not a per-packet
 *    cost worth a switch.)
 */
#ifndef GATE64_DNS64_UPSTREAM_H
#define GATE64_DNS64_UPSTREAM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dns64/wire.h"

#define DNS64_UP_SERVERS_MAX 8
#define DNS64_EV_UP_UDP	     1u
#define DNS64_EV_UP_TCP	     2u
#define DNS64_EV_KIND(u64)   ((uint32_t)((u64) >> 32))
#define DNS64_EV_INDEX(u64)  ((uint32_t)(u64))
#define DNS64_EV(kind, idx)  ((uint64_t)(kind) << 32 | (uint32_t)(idx))

/* X(enum suffix, counter name, explanation) */
#define DNS64_UP_CTR_LIST(X)                                                \
	X(SENT, "upstream-sent", "queries sent upstream (every attempt)")   \
	X(ANSWER, "upstream-answer", "answers accepted")                    \
	X(TIMEOUT, "upstream-timeout", "attempts that timed out")           \
	X(FAILED, "upstream-failed",                                        \
	  "queries for which every attempt failed (client gets SERVFAIL)")  \
	X(TRUNCATED, "upstream-truncated",                                  \
	  "UDP answers with TC, asked again over TCP (RFC 7766 §5)")        \
	X(TCP_ERROR, "upstream-tcp-error",                                  \
	  "TCP connections that failed or closed before the answer")        \
	X(REFUSED, "upstream-refused",                                      \
	  "REFUSED/NOTIMP/FORMERR answers: next server tried")              \
	X(MISMATCH, "upstream-mismatch",                                    \
	  "messages dropped: unknown ID, wrong source, socket or question " \
	  "(RFC 5452 §9.1)")                                                \
	X(MALFORMED, "upstream-malformed",                                  \
	  "messages dropped: refused by the parser, or not a response")     \
	X(BUSY, "upstream-busy",                                            \
	  "queries refused: the bound on concurrent upstream queries")      \
	X(SOCKET_ERROR, "upstream-socket-error",                            \
	  "send or socket errors (the attempt counts as failed)")

enum dns64_up_ctr {
#define DNS64_UP_CTR_ENUM(e, n, x) DNS64_UP_##e,
	DNS64_UP_CTR_LIST(DNS64_UP_CTR_ENUM)
#undef DNS64_UP_CTR_ENUM
	    DNS64_UP_CTR_MAX
};

const char *dns64_up_ctr_name(int c);
const char *dns64_up_ctr_explain(int c);

struct dns64_up_cfg {
	struct sockaddr_storage server[DNS64_UP_SERVERS_MAX];
	unsigned nservers;
	unsigned max_inflight; /* concurrent queries of this instance */
	unsigned timeout_ms;   /* per attempt */
	unsigned retries;      /* attempts after the first */
	unsigned sockets;      /* UDP sockets per address family */
	unsigned socket_uses;  /* queries before a socket is replaced */
	unsigned tcp_max;      /* concurrent TCP fallbacks */
};

typedef void dns64_up_done_fn(void *arg, uint32_t tag, int status,
			      const struct dns_msg *answer);

struct dns64_up;

int dns64_up_init(struct dns64_up **u, const struct dns64_up_cfg *cfg, int epfd,
		  dns64_up_done_fn *done, void *arg);
void dns64_up_fini(struct dns64_up *u);

/* Asks qname/qtype/qclass (RD set; CD and the EDNS DO bit as given) on
 * behalf of tag.  Returns 0, -EBUSY (max_inflight reached) or -EIO (could
 * not send to any server; done is not called then). */
int dns64_up_query(struct dns64_up *u, uint32_t tag, const uint8_t *qname,
		   uint16_t qtype, uint16_t qclass, bool do_bit, bool cd_bit,
		   uint64_t now_ms);

/* An epoll event for one of our sockets. */
void dns64_up_event(struct dns64_up *u, uint64_t data, uint32_t events,
		    uint64_t now_ms);
/* Moves on every attempt whose time is up. */
void dns64_up_expire(struct dns64_up *u, uint64_t now_ms);
/* Milliseconds until the next attempt times out, or -1 when idle. */
int dns64_up_next_timeout(const struct dns64_up *u, uint64_t now_ms);
unsigned dns64_up_inflight(const struct dns64_up *u);
const uint64_t *dns64_up_counters(const struct dns64_up *u);

#endif
