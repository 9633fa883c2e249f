/*
 * server.h - the DNS64 server: UDP and TCP listeners, worker threads, the
 * request state machine, access control, the cache and the resolver client
 * put together.
 *
 * Contract:
 *  - dns64_server_init() validates nothing the configuration parser has not
 *    (control/cfg_dns64.c does that) but opens every socket, allocates every
 *    table and the cache, and reports the first failure in err; nothing runs
 *    yet.  dns64_server_start() starts the workers; dns64_server_stop()
 *    wakes them, joins them; dns64_server_fini() closes and frees.  These
 *    four are called by one thread (the program's main thread).
 *  - Each worker owns one UDP and one TCP socket per listen address (bound
 *    with SO_REUSEPORT: the kernel spreads clients over the workers), an
 *    epoll loop, its own resolver client (upstream.h), its request slots
 *    and TCP connections.  The cache (cache.h) is shared, with slab locks.
 *  - RFC 6147 §5.1 / DESIGN.md: recursion is refused (REFUSED) to clients
 *    outside the allow list; the default list is loopback only.
 *  - Counters are per worker, written only by it; dns64_server_counters()
 *    sums them (exact after stop, approximate while running), with the
 *    synthesis counters (synth.h DNS64_CTR_LIST) of every worker.
 *  - Memory: per worker, max-upstream-queries / threads request slots,
 *    each with DNS64_STEP_KEEP bytes for the AAAA answer a synthesis waits
 *    on (server_step.h); allocated at init.
 */
#ifndef GATE64_DNS64_SERVER_H
#define GATE64_DNS64_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "dns64/cache.h"
#include "dns64/synth.h"
#include "dns64/upstream.h"

#define DNS64_LISTEN_MAX  16
#define DNS64_ALLOW_MAX	  64
#define DNS64_THREADS_MAX 64
#define DNS64_QUERY_MAX	  1024 /* bytes of a client query we accept */

/* X(enum suffix, counter name, explanation) */
#define DNS64_SRV_CTR_LIST(X)                                                  \
	X(QUERIES, "queries", "client queries received (UDP and TCP)")         \
	X(CACHE_HIT, "answered-from-cache", "queries answered from the cache") \
	X(FORWARDED, "forwarded", "queries that went upstream")                \
	X(ANSWERED, "answered-upstream",                                       \
	  "queries answered from an upstream answer")                          \
	X(SERVFAIL, "servfail",                                                \
	  "SERVFAIL sent: every upstream failed, or no room for the query")    \
	X(TRUNCATED, "truncated",                                              \
	  "UDP replies cut to the client's size with TC (RFC 6891 §7)")        \
	X(REFUSED, "refused",                                                  \
	  "REFUSED: client outside the allow list, or a zone transfer")        \
	X(MALFORMED, "malformed",                                              \
	  "queries dropped: unparseable, a response, or too long")             \
	X(NOTIMP, "notimp", "NOTIMP: opcode other than QUERY")                 \
	X(BADVERS, "badvers",                                                  \
	  "BADVERS: EDNS version above 0 (RFC 6891 §6.1.3)")                   \
	X(OVERLOAD, "overload",                                                \
	  "no request slot, or the upstream bound reached (SERVFAIL sent)")    \
	X(TCP_ACCEPTED, "tcp-accepted", "TCP connections accepted")            \
	X(TCP_FULL, "tcp-full",                                                \
	  "TCP connections closed at once: max connections reached")           \
	X(TCP_IDLE, "tcp-idle", "TCP connections closed when idle")            \
	X(TCP_ERROR, "tcp-error",                                              \
	  "TCP connections closed: oversized query, unread replies or error")  \
	X(LATE, "late",                                                        \
	  "answers dropped: the client's TCP connection had closed")           \
	X(SEND_ERROR, "send-error", "replies the kernel did not take")

enum dns64_srv_ctr {
#define DNS64_SRV_CTR_ENUM(e, n, x) DNS64_SRV_##e,
	DNS64_SRV_CTR_LIST(DNS64_SRV_CTR_ENUM)
#undef DNS64_SRV_CTR_ENUM
	    DNS64_SRV_CTR_MAX
};

const char *dns64_srv_ctr_name(int c);
const char *dns64_srv_ctr_explain(int c);

/* A client prefix of the allow list. */
struct dns64_acl {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint8_t plen;
};

struct dns64_server_cfg {
	struct sockaddr_storage listen[DNS64_LISTEN_MAX];
	unsigned nlisten;
	struct dns64_acl allow[DNS64_ALLOW_MAX];
	unsigned nallow;
	/* upstream servers, timeout_ms, retries, sockets, socket_uses and
	 * tcp_max per worker; max_inflight is the total over the workers */
	struct dns64_up_cfg up;
	unsigned threads;
	size_t cache_entries;
	size_t cache_bytes;
	unsigned tcp_max_conns; /* total over the workers */
	unsigned tcp_idle_ms;
	/* synthesis configuration, checked (dns64_cfg_check); the caller
	 * keeps it alive and unchanged until dns64_server_fini.  NULL:
	 * forward only */
	const struct dns64_cfg *policy;
};

/* Defaults: loopback allow list, 1 thread, 2 s timeout, 2 retries... */
void dns64_server_cfg_defaults(struct dns64_server_cfg *cfg);
/* Is the client address allowed? (RFC 6147 §5.1, DESIGN.md) */
bool dns64_acl_allows(const struct dns64_acl *acl, unsigned n,
		      const struct sockaddr_storage *peer);

struct dns64_server;

int dns64_server_init(struct dns64_server **s,
		      const struct dns64_server_cfg *cfg, char *err,
		      size_t errlen);
int dns64_server_start(struct dns64_server *s, char *err, size_t errlen);
void dns64_server_stop(struct dns64_server *s);
void dns64_server_fini(struct dns64_server *s);

void dns64_server_counters(struct dns64_server *s,
			   uint64_t srv[DNS64_SRV_CTR_MAX],
			   uint64_t up[DNS64_UP_CTR_MAX],
			   uint64_t cache[DNS64_CACHE_CTR_MAX],
			   uint64_t synth[DNS64_C_MAX]);
/* Every counter, "name value", one a line. */
void dns64_server_print_counters(struct dns64_server *s, FILE *f);

#endif
