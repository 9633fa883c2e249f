/*
 * metrics.h - gate64d's Prometheus / OpenMetrics endpoint: GET /metrics on
 * the [metrics] listen address (loopback by default) answers every
 * counter of the dataplane, the translator, the NAT64 tables and DNS64 as
 * text exposition format (docs/control.md).
 *
 * Contract: the control thread owns the struct and calls metrics_poll()
 * from its loop (non-blocking accept; each client gets 1 s timeouts and
 * one request: a scraper reconnects per scrape).  metrics_close() closes
 * the socket.
 */
#ifndef GATE64_CONTROL_METRICS_H
#define GATE64_CONTROL_METRICS_H

#include <stddef.h>

#include "control/cfg_gw.h"
#include "control/xdp_mode.h"
#include "dataplane/dpdk/dp.h"
#include "dns64/server.h"

struct metrics;

/* 0 or -errno with err filled ("[metrics] listen = ...: why"). */
int metrics_open(struct metrics **m, const char *listen, struct dp *dp,
		 const struct cfg_gw *cfg, struct dns64_server *dns, char *err,
		 size_t errlen);
/* mode = xdp: the XDP program's counters instead of the dataplane's. */
void metrics_set_xdp(struct metrics *m, struct xdp_mode *xm);
/* Counters of another part, as ctl_set_more_stats takes them (mode =
 * hybrid: the XDP program's), served as gate64_xdp_total. */
void metrics_set_more(struct metrics *m, void (*fn)(void *arg, FILE *f),
		      void *arg);
int metrics_fd(const struct metrics *m);
void metrics_poll(struct metrics *m);
void metrics_close(struct metrics *m);

/* The exposition text (used by the endpoint, and by tests). */
void metrics_write(struct dp *dp, const struct cfg_gw *cfg,
		   struct dns64_server *dns, FILE *f);

/*
 * Live subscribers and those whose use reaches [nat64] subscriber-alert
 * percent of a limit: sessions of sessions-per-subscriber, or in
 * port-block mode the ports in use in its blocks of one protocol of
 * max-blocks x block-size.  Counted here, in the control thread, from the
 * workers' subscriber tables walked a page at a time (DP_DUMP_SUBS), not
 * on the packet path.  0, or -1 when a worker did not answer.
 */
int metrics_subscribers(struct dp *dp, uint64_t *nsubs, uint64_t *over);

#endif
