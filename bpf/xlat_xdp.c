/*
 * xlat_xdp.c - the XDP fast path of gate64 (issue 5, first slice): the
 * stateless translation of what the core's fast path translates, with the
 * core's own fast path (dataplane/xlat/xlat_fast.h), on Ethernet frames.
 *
 * Translated: IPv6 -> IPv4 and IPv4 -> IPv6 of TCP, UDP and ICMP echo
 * request/reply right after a plain header (no IPv6 extension header, no
 * IPv4 option, not a fragment), both addresses under a /96 pool6, no EAM,
 * and nothing the core would refuse or answer with an ICMP error.  The
 * frame keeps its MAC addresses, gets the new EtherType, and goes back out
 * with XDP_TX (forwarding with bpf_fib_lookup comes later).
 *
 * Everything else is handed on unchanged with xdp_cfg.hand_on (XDP_PASS;
 * the hybrid mode will redirect to the DPDK workers' XSK map), where the
 * full core decides.  Nothing is ever emitted half-translated: all checks
 * come before the first write, and the resizes after it cannot fail.
 *
 * Configuration: `const volatile` rodata (bpf/xdp_cfg.h), set through the
 * skeleton before load.  Dual BSD/GPL, like every BPF object of gate64.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>

#include <bpf/bpf_helpers.h>
#ifndef SEC /* for cppcheck (make lint), which reads no system header */
#define SEC(name) __attribute__((section(name), used))
#endif

#include "bpf/xdp_cfg.h"
#include "dataplane/xlat/xlat_fast.h"

char _license[] SEC("license") = "Dual BSD/GPL";

const volatile struct xdp_cfg xdp_cfg = {
    .hand_on = XDP_PASS,
    .dirs = XDP_DIR_6TO4 | XDP_DIR_4TO6,
};

/* XDP_CNT_MAX counters per CPU: enum xdp_counter */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDP_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} xdp_counters SEC(".maps");

/* The IPv4 Identification counter of each CPU (RFC 7915 §5.1, RFC 7739
 * §5.1): the next ID is xdp_cfg.id_seed + this value, as the core's
 * ctx->ip4_id starts at its seed.  The loader may set each CPU apart. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} xdp_ip4_id SEC(".maps");

static __always_inline void count(__u32 i)
{
	__u64 *c = bpf_map_lookup_elem(&xdp_counters, &i);
	if (c)
		(*c)++;
}

static __always_inline int hand_on(void)
{
	count(XDP_CNT_HANDED_ON);
	return (int)xdp_cfg.hand_on;
}

static __always_inline int translated(void)
{
	count(XLAT_R_NONE);
	count(XDP_CNT_HANDLED);
	return XDP_TX;
}

/* Trim the frame to 'want' bytes (the core drops bytes past the IP length
 * fields); shrinking leaves at least the Ethernet header, so it cannot
 * fail. */
static __always_inline void trim(struct xdp_md *ctx, __u32 want)
{
	__u32 have = ctx->data_end - ctx->data;
	if (have > want)
		bpf_xdp_adjust_tail(ctx, -(int)(have - want));
}

static __always_inline int xdp_6to4(struct xdp_md *ctx)
{
	__u8 *data = (__u8 *)(long)ctx->data;
	__u8 *end = (__u8 *)(long)ctx->data_end;
	__u32 zero = 0;
	__u32 *idc = bpf_map_lookup_elem(&xdp_ip4_id, &zero);
	/* the core's context: its configuration and prepared pool6 */
	struct xlat_cfg xc = xdp_cfg.xlat;
	struct xlat_ctx x = {.cfg = &xc, .pool6 = xdp_cfg.pool6};

	if (!idc || data + ETH_HLEN + XLAT_IP6_HLEN > end)
		return hand_on();
	x.ip4_id = (__u16)(xdp_cfg.id_seed + *idc);
	__u32 tot4 = fast_6to4(&x, data + ETH_HLEN, end, NULL);
	if (!tot4)
		return hand_on();
	*idc += 1;

	/* The IPv4 header starts 20 bytes into the old IPv6 header: the
	 * Ethernet header moves up in front of it. */
	struct ethhdr *old = (struct ethhdr *)data;
	struct ethhdr *eth =
	    (struct ethhdr *)(data + XLAT_IP6_HLEN - XLAT_IP4_HLEN);
	__builtin_memcpy(eth->h_dest, old->h_dest, 2 * ETH_ALEN);
	eth->h_proto = xlat_htons(ETH_P_IP);
	if (bpf_xdp_adjust_head(ctx, XLAT_IP6_HLEN - XLAT_IP4_HLEN))
		return XDP_ABORTED; /* cannot happen: the frame shrinks */
	trim(ctx, ETH_HLEN + tot4);
	return translated();
}

static __always_inline int xdp_4to6(struct xdp_md *ctx)
{
	__u8 *data = (__u8 *)(long)ctx->data;
	__u8 *end = (__u8 *)(long)ctx->data_end;
	const int grow = XLAT_IP6_HLEN - XLAT_IP4_HLEN;
	struct fast_46 f;
	/* the core's context: its configuration and prepared pool6 */
	struct xlat_cfg xc = xdp_cfg.xlat;
	struct xlat_ctx x = {.cfg = &xc, .pool6 = xdp_cfg.pool6};

	if (!fast_4to6_check(&x, data + ETH_HLEN, end, NULL, &f))
		return hand_on();
	/* Grow first: without headroom the frame is handed on as it was. */
	if (bpf_xdp_adjust_head(ctx, -grow))
		return hand_on();
	data = (__u8 *)(long)ctx->data;
	end = (__u8 *)(long)ctx->data_end;
	/* The old Ethernet header is now at data + 20, inside the place of
	 * the IPv6 header: its MACs go to the front before that is written
	 * (into the headroom just gained, harmless if we go back). */
	struct ethhdr *eth = (struct ethhdr *)data;
	struct ethhdr *old = (struct ethhdr *)(data + grow);
	if ((__u8 *)(old + 1) > end)
		goto back;
	__builtin_memcpy(eth->h_dest, old->h_dest, 2 * ETH_ALEN);
	eth->h_proto = xlat_htons(ETH_P_IPV6);
	/* the write half needs the whole IPv6 packet present: it is, the
	 * frame is what the check saw, 20 bytes longer */
	if (data + ETH_HLEN + XLAT_IP6_HLEN + 8 > end)
		goto back;
	fast_4to6_write(&x, data + ETH_HLEN, end, &f, NULL);
	trim(ctx, ETH_HLEN + XLAT_IP6_HLEN + f.l4len);
	return translated();
back: /* cannot happen: the frame is what the check saw, 20 bytes longer */
	bpf_xdp_adjust_head(ctx, grow);
	return hand_on();
}

SEC("xdp")
int xlat_xdp(struct xdp_md *ctx)
{
	__u8 *data = (__u8 *)(long)ctx->data;
	__u8 *end = (__u8 *)(long)ctx->data_end;
	struct ethhdr *eth = (struct ethhdr *)data;

	/* Not the fast path's configuration: everything to the core. */
	if (xdp_cfg.eam || xdp_cfg.pool6.len != 96)
		return hand_on();
	if ((__u8 *)(eth + 1) > end)
		return hand_on();
	if (eth->h_proto == xlat_htons(ETH_P_IPV6) &&
	    (xdp_cfg.dirs & XDP_DIR_6TO4))
		return xdp_6to4(ctx);
	if (eth->h_proto == xlat_htons(ETH_P_IP) &&
	    (xdp_cfg.dirs & XDP_DIR_4TO6))
		return xdp_4to6(ctx);
	return hand_on();
}
