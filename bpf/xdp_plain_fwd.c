/*
 * xdp_plain_fwd.c - the ceiling of the xdp mode's benchmark
 * (scripts/bench_dp.py): plain XDP forwarding of untranslated IPv4 and
 * IPv6 frames, with the xdp mode's own forwarding code (bpf/xdp_fwd.h,
 * fwd_out(): bpf_fib_lookup, new MACs, bpf_redirect), called on the frame
 * as it came in.  What the xdp mode costs beyond it is the translation.
 *
 * Not a router: no TTL or hop-limit decrement (fwd_out() does none: the
 * translator's header is new), no ICMP errors.  Frames for the host go to
 * the kernel untouched, as in mode = xdp: not IPv4 or IPv6 (ARP), IPv6 to
 * a multicast or link-local address or carrying ICMPv6 (ND, ping), IPv4
 * to one of the host's addresses (map xdp_local4, which the loader fills)
 * or to a broadcast or multicast address.  Nothing reads the neighbour
 * requests: the benchmark resolves its next hop before it starts.
 *
 * xdp_drop_all: XDP_DROP for every frame, the benchmark's measure of the
 * generator's own cost (the veth's receive up to the program, and nothing
 * after it).
 *
 * Loader: tests/bench/xdp_plain.c (skeleton build/bpf/xdp_plain_fwd.skel.h),
 * which sets xdp_fwd.kernel = 1 before load.  Dual BSD/GPL.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>

#include <bpf/bpf_helpers.h>
#ifndef SEC /* for cppcheck (make lint), which reads no system header */
#define SEC(name) __attribute__((section(name), used))
#endif

#include "dataplane/xlat/hdr.h"

char _license[] SEC("license") = "Dual BSD/GPL";

#include "bpf/xdp_fwd.h"

/* An IPv6 frame for the host: multicast (ND's solicitations), link-local
 * (ND's advertisements, routers), ICMPv6 (ND, ping to the host). */
static __always_inline int for_host6(const __u8 *ip, const __u8 *end)
{
	const struct xlat_ip6 *h = (const struct xlat_ip6 *)ip;
	if ((const __u8 *)(h + 1) > end)
		return 1; /* not even a header: the kernel's to refuse */
	return h->daddr[0] == 0xff ||
	       (h->daddr[0] == 0xfe && (h->daddr[1] & 0xc0) == 0x80) ||
	       h->nexthdr == XLAT_IPPROTO_ICMPV6;
}

SEC("xdp")
int xdp_plain_fwd(struct xdp_md *ctx)
{
	__u8 *data = (__u8 *)(long)ctx->data;
	__u8 *end = (__u8 *)(long)ctx->data_end;
	struct ethhdr *eth = (struct ethhdr *)data;

	if ((__u8 *)(eth + 1) > end)
		return XDP_PASS;
	if (eth->h_proto == xlat_htons(ETH_P_IPV6)) {
		if (for_host6((__u8 *)(eth + 1), end))
			return fwd_to_host();
		return fwd_out(ctx, 0);
	}
	if (eth->h_proto == xlat_htons(ETH_P_IP)) {
		if (fwd_for_host4((__u8 *)(eth + 1), end))
			return fwd_to_host();
		return fwd_out(ctx, 1);
	}
	return fwd_to_host();
}

SEC("xdp")
int xdp_drop_all(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_DROP;
}
