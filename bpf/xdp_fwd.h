/*
 * xdp_fwd.h - the XDP program in mode = xdp, where the kernel keeps the
 * NICs: which frames are the translator's, where a translated frame goes
 * (the kernel's FIB, bpf_fib_lookup), and what happens to a frame the
 * program cannot translate.
 *
 *  - Not the translator's, to the kernel untouched (XDP_PASS): every
 *    frame that is not IPv4 or IPv6 (ARP, LLDP...), IPv6 whose destination
 *    is not under pool6 (ND, the host's own traffic), IPv4 to one of the
 *    host's own addresses (map xdp_local4, kept by gate64d) or to a
 *    broadcast or multicast address.
 *  - The translator's and translated: forwarded with bpf_fib_lookup on the
 *    translated header: new MACs, then bpf_redirect to the egress
 *    interface (XDP_TX when it is the ingress one: one-arm).  No route,
 *    forwarding disabled, or bigger than the egress MTU: counted, dropped.
 *    No neighbour yet: counted, dropped, and the next hop goes to gate64d
 *    through the ring buffer xdp_neigh_req (at most once per 100 ms per
 *    next hop), which asks the kernel to resolve it (netlink, NTF_USE);
 *    the next frames find it.
 *  - The translator's but not translated (what the fast path leaves to
 *    the full core: fragments, ICMP errors, options, extension headers):
 *    counted and dropped, never passed half-translated; in mode = hybrid
 *    (xdp_cfg.hand_on = XDP_REDIRECT) redirected, unchanged, to the DPDK
 *    workers' AF_XDP socket instead (xdp-to-workers).  When no socket is
 *    bound on the frame's RX queue (gate64d starting or restarting while
 *    the program stays attached), counted and dropped too
 *    (xdp-no-worker-socket), never passed: the kernel would answer TCP to
 *    a pool4 address (one of its own) with a RST and end the flow.
 *
 * With xdp_fwd.kernel = 0 (the corpus runner) none of this applies: what
 * is translated goes back with XDP_TX and the rest is handed on as
 * xdp_cfg.hand_on says.
 *
 * The layouts (configuration, counters, neighbour request) are shared with
 * the loader (control/xdp_mode.c); the BPF part is under __bpf__.
 */
#ifndef GATE64_BPF_XDP_FWD_H
#define GATE64_BPF_XDP_FWD_H

#include <stdint.h>

struct xdp_fwd_cfg {
	uint32_t kernel; /* 1: mode = xdp (everything above); 0: XDP_TX and
			    xdp_cfg.hand_on (tests) */
};

/* The per-CPU counters of map xdp_fwd_counters: name, explanation. */
#define XDP_FWD_COUNTERS(X)                                                  \
	X(FWD_PKTS_6TO4, "xdp-6to4-packets",                                 \
	  "translated IPv6 -> IPv4 (also counted in xdp-translated)")        \
	X(FWD_BYTES_6TO4, "xdp-6to4-bytes",                                  \
	  "IPv4 bytes (IP header on) of the packets translated IPv6 -> "     \
	  "IPv4")                                                            \
	X(FWD_PKTS_4TO6, "xdp-4to6-packets",                                 \
	  "translated IPv4 -> IPv6 (also counted in xdp-translated)")        \
	X(FWD_BYTES_4TO6, "xdp-4to6-bytes",                                  \
	  "IPv6 bytes (IP header on) of the packets translated IPv4 -> "     \
	  "IPv6")                                                            \
	X(FWD_REDIRECT, "xdp-redirect",                                      \
	  "translated and sent to the egress interface (bpf_redirect)")      \
	X(FWD_TX, "xdp-tx",                                                  \
	  "translated and sent back out of the interface it came in on")     \
	X(FWD_NO_NEIGH, "xdp-no-neighbour",                                  \
	  "dropped: the next hop's MAC is not known yet; gate64d asked the " \
	  "kernel to resolve it")                                            \
	X(FWD_NEIGH_LOST, "xdp-neighbour-request-lost",                      \
	  "a request to resolve a next hop did not fit in the ring buffer")  \
	X(FWD_NO_ROUTE, "xdp-no-route",                                      \
	  "dropped: the kernel has no unicast route for the translated "     \
	  "destination (or a blackhole, unreachable or prohibit route)")     \
	X(FWD_DISABLED, "xdp-forwarding-disabled",                           \
	  "dropped: forwarding is off on the ingress interface "             \
	  "(sysctl net.ipv4.conf.IF.forwarding, net.ipv6.conf.all."          \
	  "forwarding)")                                                     \
	X(FWD_TOO_BIG, "xdp-too-big",                                        \
	  "dropped: the translated packet is bigger than the egress MTU")    \
	X(FWD_TO_HOST, "xdp-to-host",                                        \
	  "not for the translator (ARP, ND, the host's own addresses, "      \
	  "broadcast, multicast): passed to the kernel")                     \
	X(FWD_UNHANDLED, "xdp-unhandled",                                    \
	  "dropped: for the translator, but not what XDP translates "        \
	  "(fragments, ICMP errors, options, extension headers); use "       \
	  "mode = dpdk or hybrid for these")                                 \
	X(FWD_TO_XSK, "xdp-to-workers",                                      \
	  "mode = hybrid: for the translator, but not what XDP translates: " \
	  "redirected to the DPDK workers' AF_XDP socket of the frame's RX " \
	  "queue")                                                           \
	X(FWD_NO_XSK, "xdp-no-worker-socket",                                \
	  "dropped: mode = hybrid, for the workers, but no AF_XDP socket "   \
	  "is bound on the frame's RX queue (gate64d starting or "           \
	  "restarting); never passed to the kernel, which would answer TCP " \
	  "to a pool4 address with a RST")

enum xdp_fwd_counter {
#define XDP_FWD_ENUM(name, label, why) XDP_##name,
	XDP_FWD_COUNTERS(XDP_FWD_ENUM)
#undef XDP_FWD_ENUM
	    XDP_FWD_CNT_MAX
};

/* A next hop without a neighbour entry, for gate64d to resolve. */
struct xdp_neigh_req {
	uint32_t ifindex;
	uint8_t family; /* 4 or 6 */
	uint8_t pad[3];
	uint8_t addr[16]; /* IPv4 in the first 4 bytes, network order */
};

#ifdef __bpf__

#ifndef AF_INET
#define AF_INET	 2
#define AF_INET6 10
#endif

const volatile struct xdp_fwd_cfg xdp_fwd = {.kernel = 0};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDP_FWD_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} xdp_fwd_counters SEC(".maps");

/* The host's own IPv4 addresses (network order): theirs, not ours. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u8);
} xdp_local4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16384);
} xdp_neigh_req SEC(".maps");

/* When each next hop was last asked for (ns): one request per 100 ms. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct xdp_neigh_req);
	__type(value, __u64);
} xdp_neigh_asked SEC(".maps");

static __always_inline void fwd_count(__u32 i)
{
	__u64 *c = bpf_map_lookup_elem(&xdp_fwd_counters, &i);
	if (c)
		(*c)++;
}

static __always_inline void fwd_add(__u32 i, __u64 n)
{
	__u64 *c = bpf_map_lookup_elem(&xdp_fwd_counters, &i);
	if (c)
		*c += n;
}

static __always_inline int fwd_to_host(void)
{
	fwd_count(XDP_FWD_TO_HOST);
	return XDP_PASS;
}

/* An IPv4 frame for the host itself, not for the translator. */
static __always_inline int fwd_for_host4(const __u8 *ip, const __u8 *end)
{
	const struct xlat_ip4 *h = (const struct xlat_ip4 *)ip;
	if ((const __u8 *)(h + 1) > end)
		return 1; /* not even a header: the kernel's to refuse */
	__u32 d = h->daddr;
	__u8 first = ((const __u8 *)&d)[0];
	if (first >= 224) /* multicast, reserved, limited broadcast */
		return 1;
	return bpf_map_lookup_elem(&xdp_local4, &d) != NULL;
}

/* An IPv6 frame for pool6 (a /96: mode = xdp takes no other). */
static __always_inline int fwd_for_pool6(const __u8 *ip, const __u8 *end,
					 const __u8 *pool6)
{
	const struct xlat_ip6 *h = (const struct xlat_ip6 *)ip;
	if ((const __u8 *)(h + 1) > end)
		return 0;
	const __u32 *d = (const __u32 *)h->daddr, *p = (const __u32 *)pool6;
	return d[0] == p[0] && d[1] == p[1] && d[2] == p[2];
}

static __always_inline void fwd_ask_neigh(const struct bpf_fib_lookup *f,
					  int to4)
{
	struct xdp_neigh_req r = {.ifindex = f->ifindex, .family = to4 ? 4 : 6};
	if (to4)
		__builtin_memcpy(r.addr, &f->ipv4_dst, 4);
	else
		__builtin_memcpy(r.addr, f->ipv6_dst, 16);
	__u64 now = bpf_ktime_get_ns();
	__u64 *t = bpf_map_lookup_elem(&xdp_neigh_asked, &r);
	if (t && now - *t < 100000000ull)
		return;
	bpf_map_update_elem(&xdp_neigh_asked, &r, &now, BPF_ANY);
	if (bpf_ringbuf_output(&xdp_neigh_req, &r, sizeof(r), 0))
		fwd_count(XDP_FWD_NEIGH_LOST);
}

/* A translated frame (Ethernet + the new IP header) to its next hop. */
static __always_inline int fwd_out(struct xdp_md *ctx, int to4)
{
	__u8 *data = (__u8 *)(long)ctx->data;
	__u8 *end = (__u8 *)(long)ctx->data_end;
	struct ethhdr *eth = (struct ethhdr *)data;
	struct bpf_fib_lookup f = {};

	if (!xdp_fwd.kernel)
		return XDP_TX;
	if (to4) {
		struct xlat_ip4 *h = (struct xlat_ip4 *)(eth + 1);
		if ((__u8 *)(h + 1) > end)
			return XDP_DROP; /* cannot happen: just written */
		f.family = AF_INET;
		f.tos = h->tos;
		f.l4_protocol = h->proto;
		f.tot_len = xlat_ntohs(h->tot_len);
		f.ipv4_src = h->saddr;
		f.ipv4_dst = h->daddr;
	} else {
		struct xlat_ip6 *h = (struct xlat_ip6 *)(eth + 1);
		if ((__u8 *)(h + 1) > end)
			return XDP_DROP; /* cannot happen: just written */
		f.family = AF_INET6;
		f.flowinfo = h->ver_tc_flow & xlat_htonl(0x0fffffff);
		f.l4_protocol = h->nexthdr;
		f.tot_len = xlat_ntohs(h->plen) + XLAT_IP6_HLEN;
		__builtin_memcpy(f.ipv6_src, h->saddr, 16);
		__builtin_memcpy(f.ipv6_dst, h->daddr, 16);
	}
	f.ifindex = ctx->ingress_ifindex;
	switch (bpf_fib_lookup(ctx, &f, sizeof(f), 0)) {
	case BPF_FIB_LKUP_RET_SUCCESS:
		__builtin_memcpy(eth->h_dest, f.dmac, ETH_ALEN);
		__builtin_memcpy(eth->h_source, f.smac, ETH_ALEN);
		if (f.ifindex == ctx->ingress_ifindex) {
			fwd_count(XDP_FWD_TX);
			return XDP_TX;
		}
		fwd_count(XDP_FWD_REDIRECT);
		return (int)bpf_redirect(f.ifindex, 0);
	case BPF_FIB_LKUP_RET_NO_NEIGH:
		fwd_ask_neigh(&f, to4);
		fwd_count(XDP_FWD_NO_NEIGH);
		return XDP_DROP;
	case BPF_FIB_LKUP_RET_FWD_DISABLED:
		fwd_count(XDP_FWD_DISABLED);
		return XDP_DROP;
	case BPF_FIB_LKUP_RET_FRAG_NEEDED:
		fwd_count(XDP_FWD_TOO_BIG);
		return XDP_DROP;
	default: /* blackhole, unreachable, prohibit, not forwarded, ... */
		fwd_count(XDP_FWD_NO_ROUTE);
		return XDP_DROP;
	}
}

#endif /* __bpf__ */
#endif
