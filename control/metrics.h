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
#include "dataplane/dpdk/dp.h"
#include "dns64/server.h"

struct metrics;

/* 0 or -errno with err filled ("[metrics] listen = ...: why"). */
int metrics_open(struct metrics **m, const char *listen, struct dp *dp,
		 const struct cfg_gw *cfg, struct dns64_server *dns, char *err,
		 size_t errlen);
int metrics_fd(const struct metrics *m);
void metrics_poll(struct metrics *m);
void metrics_close(struct metrics *m);

/* The exposition text (used by the endpoint, and by tests). */
void metrics_write(struct dp *dp, const struct cfg_gw *cfg,
		   struct dns64_server *dns, FILE *f);

#endif
