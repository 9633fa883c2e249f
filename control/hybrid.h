/*
 * hybrid.h - gate64d in mode = hybrid (docs/hybrid.md): the XDP program
 * (bpf/xlat_xdp.c) translates on the [xdp] interfaces what it can and
 * forwards it with the kernel's FIB, as in mode = xdp; what it hands on
 * goes, unchanged, through an AF_XDP socket to the DPDK workers, whose
 * ports are net_af_xdp devices on the same interfaces, and which run the
 * full translator.  The kernel keeps the interfaces, their addresses, ARP
 * and ND.
 *
 * DPDK's net_af_xdp loads the program itself (vdev argument xdp_prog=
 * PATH: it opens the object with libbpf, loads it, attaches it and binds
 * its sockets in the map xsks_map), so the configuration cannot go
 * through the skeleton: hybrid_prepare() writes, per port, a copy of the
 * skeleton's object with the .rodata bytes of xdp_cfg and xdp_fwd
 * replaced (plain ELF64, <elf.h>), and appends xdp_prog= to the port's
 * device.  hybrid_start(), after dp_start() (the PMD has loaded and
 * attached the program), removes the copies, finds each interface's
 * program and its maps by name (bpf_xdp_query_id, map ids), and from then
 * on the control thread serves what mode = xdp serves: the host's IPv4
 * addresses (xdp_local4), the program's neighbour requests (NTF_USE),
 * the counters; and, for the workers, the kernel's neighbours (they see
 * no ARP or ND: the program passes those to the kernel) copied into their
 * cache, with the next hops they wait for asked of the kernel.
 *
 * A restart does not drop flows: an earlier gate64d's program found on
 * an interface (it stopped with --keep-state, or died) keeps translating
 * until the new one replaces it atomically with its state (this file
 * defines bpf_xdp_attach and bpf_xdp_detach for net_af_xdp, hybrid.c
 * says why), and hybrid_start gives its sessions to the workers' core.
 *
 * Contract: control thread only; hybrid_prepare before the EAL starts,
 * hybrid_start after dp_start, hybrid_fini after the ports are closed
 * (the PMD detaches the program).  No syscall in the workers: they only
 * read the neighbour cache, as in mode = dpdk.
 */
#ifndef GATE64_CONTROL_HYBRID_H
#define GATE64_CONTROL_HYBRID_H

#include <stddef.h>
#include <stdio.h>

#include "control/cfg_gw.h"
#include "dataplane/dpdk/dp.h"

struct hybrid;

/* Write the per-port program objects and append ",xdp_prog=PATH" to
 * cfg->dp.port[i].device.  0 or -errno with err filled. */
int hybrid_prepare(struct hybrid **hy, struct cfg_gw *cfg, char *err,
		   size_t errlen);
/* After dp_start: the programs and their maps.  0 or -errno. */
int hybrid_start(struct hybrid *hy, struct dp *dp, char *err, size_t errlen);
/* The fd to poll (the programs' neighbour requests). */
int hybrid_fd(const struct hybrid *hy);
/* Neighbour requests; the host's addresses once a second; the kernel's
 * neighbours into the workers' cache (every call, at most 10 a second). */
void hybrid_poll(struct hybrid *hy);
/* How long the control loop may sleep (ms): NAT64 exports the workers'
 * new sessions within it, so short (the packets of a new flow go to the
 * workers until its entries are in the maps); 50 otherwise. */
int hybrid_timeout_ms(const struct hybrid *hy);
/* The XDP counters (summed over the CPUs and the interfaces' programs):
 * "name value  # why" lines, as dp_stats_print writes. */
void hybrid_stats_print(const struct hybrid *hy, FILE *out);
/* gate64d --keep-state: at exit (hybrid_fini, and the ports' close
 * before it) the programs stay attached, translating the flows they have
 * sessions for, and pool4's addresses stay; the next gate64d takes them
 * over (docs/hybrid.md). */
void hybrid_keep(struct hybrid *hy);
/* Removes what is left (the object files, the addresses but with
 * hybrid_keep); NULL is fine. */
void hybrid_fini(struct hybrid *hy);

#endif
