/*
 * xdp_mode.h - gate64d in mode = xdp: the kernel keeps the NICs and the
 * XDP program (bpf/xlat_xdp.c with bpf/xdp_fwd.h) translates on them.
 *
 * The control thread loads the program with the configuration in its
 * rodata, attaches it to the [xdp] interfaces, keeps the map of the host's
 * own IPv4 addresses current, asks the kernel (netlink, NTF_USE) to
 * resolve the next hops the program found without a neighbour entry,
 * installs pool6 as a route (netlink, control/nl.h) and watches the
 * interfaces, and sums the per-CPU counters.
 *
 * State outlives the process on purpose: the program is attached with
 * bpf_links and its maps are pinned under [xdp] pin-dir (a BPF file
 * system), so the program keeps translating while gate64d restarts or
 * after it died, and the next gate64d adopts the links (bpf_link_update:
 * the new program replaces the old atomically) and the maps (counters and
 * state carry over).  xdp_mode_stop(xm, 0) removes all of it (the program
 * detaches); xdp_mode_stop(xm, 1) (gate64d --keep-state) leaves it
 * running for the next start.
 *
 * Contract: control thread only.  Before start, the forwarding sysctls
 * the kernel's FIB lookup needs are checked (never changed: turning a
 * host into a router is the operator's decision).
 */
#ifndef GATE64_CONTROL_XDP_MODE_H
#define GATE64_CONTROL_XDP_MODE_H

#include <stddef.h>
#include <stdio.h>

#include "control/cfg_gw.h"
#include "dataplane/dpdk/dp.h" /* struct dp_dump_entry (plain C) */

struct xdp_mode;

/* Load and attach; 0 or -errno with err saying what and how to fix. */
int xdp_mode_start(struct xdp_mode **xm, const struct cfg_gw *cfg, char *err,
		   size_t errlen);
/* type = nat64: a page of the sessions (sess = 1) or the BIB, as
 * xdp_nat64_dump gives it; -ENOENT with type = siit. */
int xdp_mode_dump(struct xdp_mode *xm, int sess, uint32_t start,
		  struct dp_dump_entry *out, uint32_t max, uint32_t *n,
		  uint32_t *next);
/* type = nat64: the ports in use of each pool4 range (cfg's order) as
 * of the last sweep; 0, or -ENOENT with type = siit. */
int xdp_mode_pool4_used(const struct xdp_mode *xm, uint64_t *used, unsigned n);
/* type = nat64: BIB entries and sessions as of the last sweep. */
void xdp_mode_state_counts(const struct xdp_mode *xm, unsigned long long *bib,
			   unsigned long long *sess);
/* Reload: a program built for cfg (the same interfaces, attach mode,
 * pin-dir and pool6: the caller checks) replaces the running one on every
 * link at once (bpf_link_update), with the same pinned maps; on an error
 * nothing changed.  0 or -errno with err filled. */
int xdp_mode_reprogram(struct xdp_mode *xm, const struct cfg_gw *cfg, char *err,
		       size_t errlen);
/* The fds to poll (the program's neighbour requests, netlink events);
 * returns how many it wrote. */
int xdp_mode_fds(const struct xdp_mode *xm, int fds[2]);
/* Serve neighbour requests and netlink events; once a second, refresh the
 * host's addresses; every 10 s, compare the routes with the kernel's. */
void xdp_mode_poll(struct xdp_mode *xm);
/* Every counter: name, value (summed over the CPUs), explanation. */
typedef void (*xdp_counter_fn)(void *arg, const char *name,
			       unsigned long long v, const char *why);
void xdp_mode_counters(const struct xdp_mode *xm, xdp_counter_fn fn, void *arg);
/* The same as lines "name value  # why" (as dp_stats_print writes). */
void xdp_mode_stats_print(const struct xdp_mode *xm, FILE *out);
/* Packets translated (handled) and not (handed on or dropped). */
void xdp_mode_totals(const struct xdp_mode *xm, unsigned long long *handled,
		     unsigned long long *unhandled);
/* How many interfaces had a link pinned by an earlier gate64d. */
unsigned xdp_mode_adopted(const struct xdp_mode *xm);
/* keep = 0: detach from every interface, remove the pins; keep = 1:
 * leave the program running and the state pinned.  Frees xm; NULL is
 * fine. */
void xdp_mode_stop(struct xdp_mode *xm, int keep);

#endif
