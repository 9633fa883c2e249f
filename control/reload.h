/*
 * reload.h - transactional reload of gate64d's configuration (SIGHUP,
 * `gate64ctl reload`): the file is read and validated whole
 * (cfg_gw_load, and [dns64] too); then either everything it changes is
 * applied, or nothing is.  What may change while packets flow: the
 * translator's knobs but pool6 and type ([translator] pool6791,
 * icmp6-source, lowest-ipv6-mtu, udp-zero-checksum, reset-*, new-tos,
 * icmp-*, eam-hairpin), the [eam] table, the NAT64 timeouts, filtering,
 * drop-inbound-syn and subscriber-alert, new [static-bib] entries, [pool4]
 * address (addresses added; removed ones must have no port in use:
 * dp_pool4_swap).  Anything else (ports, lcores, memory, pool6, the
 * [pool4] port ranges and blocks, table sizes, removing a static BIB entry,
 * DNS64, the control socket, metrics) is refused with the key that
 * changed: it needs a restart.  Live sessions and static entries survive
 * (the tables are not rebuilt); every applied change is logged.
 *
 * Contract: control thread only.  The running struct cfg_gw stays where it
 * is (the dataplane points into it); the reload keeps the new tables in a
 * struct of its own and frees the previous one once every worker has
 * switched (dp_reconfig).
 */
#ifndef GATE64_CONTROL_RELOAD_H
#define GATE64_CONTROL_RELOAD_H

#include <stddef.h>
#include <stdio.h>

#include "control/cfg_gw.h"
#include "control/xdp_mode.h"
#include "dataplane/dpdk/dp.h"

struct reload;

/* Remember the running file (its text as parsed now). */
int reload_init(struct reload **r, const char *file, char *err, size_t errlen);
/*
 * Read the file again and apply it.  0: applied (msg says what changed,
 * one line per change, also written to log); -EINVAL: refused, nothing
 * changed (msg says why); -ETIMEDOUT: a worker did not switch in time
 * (the new configuration is in place on the others; msg says so).
 */
int reload_apply(struct reload *r, struct dp *dp, char *msg, size_t msglen,
		 FILE *log);
void reload_fini(struct reload *r);
/* mode = xdp: a reload rebuilds the XDP program (xdp_mode_reprogram)
 * instead of switching DPDK workers; dp is NULL then. */
void reload_set_xdp(struct reload *r, struct xdp_mode *xm);
/*
 * A runtime change (gate64ctl timeouts set, eam add|del, bib add|del):
 * the configuration in use with "section:key" set to value (NULL:
 * removed), validated and applied exactly as a reload of a file would be
 * (the same rules: what needs a restart is refused).  The change is not in
 * the file until reload_save(); reload_unsaved() counts them, and a reload
 * of the file drops them.
 */
int reload_set(struct reload *r, struct dp *dp, const char *key,
	       const char *value, char *msg, size_t msglen, FILE *log);
/* Write the configuration in use to the file (the old one kept as
 * FILE.bak, the new written aside and renamed over it).  0 or -errno. */
int reload_save(struct reload *r, char *msg, size_t msglen);
unsigned reload_unsaved(const struct reload *r);
/* The value of "section:key" in the configuration in use (runtime
 * changes included), or NULL when it is not set. */
const char *reload_value(const struct reload *r, const char *key);
/* The configuration in use: the last one reloaded, or NULL (the one of
 * the start). */
const struct cfg_gw *reload_live(const struct reload *r);

#endif
