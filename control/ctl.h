/*
 * ctl.h - gate64d's control socket: a Unix stream socket that answers
 * gate64ctl (docs/control.md has the protocol).  One request per
 * connection: one line of at most CTL_LINE_MAX bytes, "1 COMMAND ARGS...",
 * answered by "ok" or "error: why" and the body, then the connection is
 * closed.  Read-only commands here (status, stats, session list, bib
 * list); lists come in pages of at most CTL_PAGE_MAX entries with a
 * cursor for the next one, never as an unbounded dump.
 *
 * Contract: the control thread owns the struct ctl and calls ctl_poll()
 * from its loop; each accepted client gets receive and send timeouts, so
 * a slow or silent client delays the loop by CTL_TIMEOUT_MS at most.
 * ctl_close() removes the socket file.
 */
#ifndef GATE64_CONTROL_CTL_H
#define GATE64_CONTROL_CTL_H

#include <stddef.h>

#include "control/cfg_gw.h"
#include "control/ctl_proto.h"
#include "control/reload.h"
#include "control/xdp_mode.h"
#include "dataplane/dpdk/dp.h"
#include "dns64/server.h"

#define CTL_TIMEOUT_MS 1000

struct ctl;

/* Listen on path (its directory is created when missing); mode and gid
 * (-1: unchanged): the socket file's permissions and group.  0 or -errno
 * with err filled. */
int ctl_open(struct ctl **c, const char *path, unsigned mode, long gid,
	     struct dp *dp, const struct cfg_gw *cfg, struct dns64_server *dns,
	     struct reload *rl, char *err, size_t errlen);
/* mode = xdp: answer from the XDP program's counters (dp is NULL then);
 * only status, stats and dns64 stats are served in that mode. */
void ctl_set_xdp(struct ctl *c, struct xdp_mode *xm);
/* Counters of another part printed after the dataplane's in stats, as
 * "name value  # why" lines (mode = hybrid: the XDP program's). */
void ctl_set_more_stats(struct ctl *c, void (*fn)(void *arg, FILE *f),
			void *arg);
/* Serve the clients that are waiting (non-blocking accept). */
void ctl_poll(struct ctl *c);
void ctl_close(struct ctl *c);
/* The listening socket, for the control loop's poll(). */
int ctl_fd(const struct ctl *c);

#endif
