/*
 * xdp_common.h - what the two loaders of gate64's XDP program share:
 * mode = xdp (xdp_mode.c, the program alone) and mode = hybrid (hybrid.c,
 * the program loaded by net_af_xdp beside the DPDK workers).  The
 * program's configuration from the file and the interfaces, the names of
 * its forwarding counters, the kernel's view of the host's IPv4
 * addresses, and asking the kernel to resolve a next hop.
 *
 * Contract: control thread only; nothing here runs per packet.
 */
#ifndef GATE64_CONTROL_XDP_COMMON_H
#define GATE64_CONTROL_XDP_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "bpf/xdp_cfg.h"
#include "control/cfg_gw.h"

struct nl_sock;
struct gnl;
struct pool4_cfg;

/* The configuration both modes give the program: the core's translator
 * settings with the interfaces' MTUs as next-hop MTUs (RFC 7915 §4.1,
 * §5.1), pool6 prepared, both directions, a random IPv4 ID seed; the
 * caller sets what differs (hand_on, NAT64, EAM).  0, or -EINVAL with err
 * naming the interface and the rule. */
int xdp_cfg_fill_common(struct xdp_cfg *x, const struct cfg_gw *cfg, char *err,
			size_t errlen);

/* The name and the explanation of forwarding counter i (bpf/xdp_fwd.h). */
const char *xdp_fwd_name(unsigned i);
const char *xdp_fwd_why(unsigned i);

/* The host's IPv4 addresses (network order) now, pool4's left out (with
 * type = nat64 the host holds them for ARP only): at most max.  Returns
 * how many, or -1 when the kernel could not be asked. */
int xdp_host4(const struct cfg_gw *cfg, uint32_t *out, unsigned max);
/* A map of the host's addresses (xdp_local4) from old to now. */
void xdp_local4_sync(int fd, const uint32_t *now, unsigned n,
		     const uint32_t *old, unsigned nold);

/* Ask the kernel to resolve a next hop (RTM_NEWNEIGH with NTF_USE: it
 * sends ARP or NS as its own first packet would).  family 4 or 6, addr 4
 * or 16 bytes.  0 when the kernel took the request. */
int xdp_neigh_ask(struct nl_sock *nl, int ifindex, int family,
		  const uint8_t *addr);

/*
 * pool4's addresses on the IPv4 interface ifname, each once (the kernel
 * answers ARP for them; netlink, control/nl.h: removed at gnl_close).
 * One already there is adopted (ours, removed at exit) when the kept list
 * of `key` names it: an earlier gate64d with the same key put it there
 * and left it (--keep-state, or it died); another is the operator's,
 * left alone and said on stderr.  The list is written at once, so that
 * it names them even after a crash.  Lists live in /run/gate64 (kept
 * plus key with '/' as '_'; a BPF file system holds no plain files, and
 * an address carries no creator mark on every kernel: IFA_PROTO is 6.3+).
 * 0 or -errno with err filled.
 */
int xdp_pool4_addrs(struct gnl *g, const char *ifname,
		    const struct pool4_cfg *p, const char *key, char *err,
		    size_t errlen);
/* The values of a per-CPU array of u64 (the counters) from map `from`
 * into map `to`, entry by entry, as many as both have.  0 or -errno. */
int xdp_percpu_copy(int from, int to);

/* What the kernel must know for the program to get the traffic (the
 * modes where the kernel keeps the NICs): the interfaces watched, pool6
 * and the EAM prefixes routed out of the IPv6 side (protocol 64), pool4's
 * addresses on the IPv4 side (xdp_pool4_addrs, kept list kept_key).
 * *g: what gnl_close removes at exit.  0 or -errno with err filled. */
int xdp_kernel_setup(struct gnl **g, const struct cfg_gw *cfg,
		     const char *kept_key, char *err, size_t errlen);
/* The watch (control thread loop): link and route events said on
 * stderr, the routes restored when a link comes back, and every 10 s
 * (*check_at) a comparison for what no event said. */
void xdp_kernel_poll(struct gnl *g, time_t *check_at);

/* [xdp] pin-dir d made (mode 0700) if missing, and on a BPF file
 * system.  0, or -errno with err saying how to fix it. */
int xdp_pin_dir_check(const char *d, char *err, size_t errlen);

/* At exit, after gnl_close(g, keep): keep: the list names pool4's
 * addresses now (p, for the next start to adopt); else it goes. */
void xdp_pool4_kept_end(const struct pool4_cfg *p, const char *key, int keep);

#endif
