/*
 * xlat_xdp.c - the XDP fast path of gate64 (issue 5): the translation of
 * what the core's fast path translates, with the core's own fast path
 * (dataplane/xlat/xlat_fast.h), on Ethernet frames.  Stateless SIIT, or
 * (xdp_cfg.stateful) stateful NAT64 for flows that have a session in the
 * maps g64_sess6 / g64_sess4 (bpf/xdp_state.h).
 *
 * Translated: IPv6 -> IPv4 and IPv4 -> IPv6 of TCP, UDP and ICMP echo
 * request/reply right after a plain header (no IPv6 extension header, no
 * IPv4 option, not a fragment), a /96 pool6, no EAM, and nothing the core
 * would refuse or answer with an ICMP error.  Stateless: both addresses
 * under pool6.  Stateful: the packet's session is in the map, live, and
 * the packet changes nothing in it but its last-seen time (xdp_sess_use:
 * no TCP SYN, FIN or RST, no TCP state change, not past its lifetime);
 * the addresses and port are the session's, as the core writes them
 * (xdp_sess6_xmap / xdp_sess4_xmap build the core's struct xlat_map), and
 * an IPv6 packet to a pool4 address (a hairpin) is handed on.  A stateful
 * program never translates without a session.  The frame keeps its MAC
 * addresses, gets the new EtherType, and goes back out through
 * translated() (XDP_TX; forwarding with bpf_fib_lookup comes there).
 *
 * Everything else is handed on unchanged with xdp_cfg.hand_on (XDP_PASS;
 * the hybrid mode will redirect to the DPDK workers' XSK map), where the
 * full core decides: new flows, TCP state changes, expiry, ICMP errors,
 * fragments.  Nothing is ever emitted half-translated: all checks come
 * before the first write, and the resizes after it cannot fail.
 *
 * Session refresh: a hit stores the current second in the entry's `last`
 * when it is later (at most one write a second per flow).  The store is
 * plain and unlocked: two CPUs hitting the same flow across a second
 * boundary may leave the earlier second (one second early at worst), and
 * a refresh racing with the loader's replacement of the entry
 * (bpf_map_update_elem swaps the element) is lost; both err towards an
 * earlier expiry, never a later one.
 *
 * Configuration: `const volatile` rodata (bpf/xdp_cfg.h), set through the
 * skeleton before load; the session maps are sized by the loader
 * (bpf_map__set_max_entries) before load.  Dual BSD/GPL, like every BPF
 * object of gate64.
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

/* The sessions (bpf/xdp_state.h): HASH, not LRU, so that an established
 * flow is never evicted; written by user space (the core's sessions),
 * read and refreshed (`last`) here. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XDP_SESS_MAX_DEFAULT);
	__type(key, struct xdp_sess6_key);
	__type(value, struct xdp_sess6_val);
} g64_sess6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XDP_SESS_MAX_DEFAULT);
	__type(key, struct xdp_sess4_key);
	__type(value, struct xdp_sess4_val);
} g64_sess4 SEC(".maps");

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

/* mode = xdp: forwarding, the host's frames, drops (bpf/xdp_fwd.h) */
#include "bpf/xdp_fwd.h"

static __always_inline int hand_on(void)
{
	count(XDP_CNT_HANDED_ON);
	if (xdp_fwd.kernel) { /* ours, not translated: never half-done */
		fwd_count(XDP_FWD_UNHANDLED);
		return XDP_DROP;
	}
	return (int)xdp_cfg.hand_on;
}

/* The one exit of a translated frame: to_v4, it is now IPv4. */
static __always_inline int translated(struct xdp_md *ctx, int to_v4)
{
	count(XLAT_R_NONE);
	count(XDP_CNT_HANDLED);
	/* per direction: packets and IP bytes out (the frame is trimmed) */
	fwd_count(to_v4 ? XDP_FWD_PKTS_6TO4 : XDP_FWD_PKTS_4TO6);
	fwd_add(to_v4 ? XDP_FWD_BYTES_6TO4 : XDP_FWD_BYTES_4TO6,
		ctx->data_end - ctx->data - ETH_HLEN);
	return fwd_out(ctx, to_v4);
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

/* CLOCK_MONOTONIC seconds: the clock of the maps' `last` (xdp_state.h). */
static __always_inline __u32 now_sec(void)
{
	return (__u32)(bpf_ktime_get_ns() / 1000000000ull);
}

/* A session hit the program hands on after all (xdp_sess_use said no, or
 * the fast path refuses the packet). */
static __always_inline int hit_handed_on(void)
{
	count(XDP_CNT_SESS_HIT_HANDED_ON);
	return hand_on();
}

/* After a translation: the hit is counted, `last` refreshed when the core
 * would refresh it and the second has moved on (see the header for the
 * race). */
static __always_inline void hit_done(__u32 *last, __u32 now, int use)
{
	if (use == 2 && (__s32)(now - *last) > 0)
		*last = now;
	count(XDP_CNT_SESS_HIT);
}

/* The transport fields of a session key, from the upper-layer header at
 * l4 (TCP or UDP ports, or the echo identifier): 0 and the fields, or -1
 * for a packet no session key describes (handed on). */
static __always_inline int l4_key(__u8 nh, const __u8 *l4, const __u8 *end,
				  int v6, __u8 *proto, __u16 *sport,
				  __u16 *dport, __u8 *flags)
{
	if (l4 + 8 > end)
		return -1;
	*flags = 0;
	if (nh == XLAT_IPPROTO_TCP || nh == XLAT_IPPROTO_UDP) {
		if (nh == XLAT_IPPROTO_TCP) {
			if (l4 + 20 > end)
				return -1;
			*flags = l4[13];
		}
		*proto = nh == XLAT_IPPROTO_TCP ? NAT64_TCP : NAT64_UDP;
		__builtin_memcpy(sport, l4, 2);
		__builtin_memcpy(dport, l4 + 2, 2);
		return 0;
	}
	if (nh != (v6 ? XLAT_IPPROTO_ICMPV6 : XLAT_IPPROTO_ICMP) || l4[1])
		return -1;
	if (v6 ? l4[0] != ICMP6_ECHO && l4[0] != ICMP6_ECHO_REPLY
	       : l4[0] != ICMP4_ECHO && l4[0] != ICMP4_ECHO_REPLY)
		return -1;
	*proto = NAT64_ICMP;
	__builtin_memcpy(sport, l4 + 4, 2); /* the identifier is the port */
	*dport = 0;
	return 0;
}

/* IPv6 -> IPv4, in place: the IPv4 header is written 20 bytes into the
 * IPv6 header, and the Ethernet header moves up in front of it. */
static __always_inline int out_6to4(struct xdp_md *ctx, __u8 *data, __u32 tot4)
{
	/* data: the frame the caller checked holds an IPv6 header */
	struct ethhdr *old = (struct ethhdr *)data;
	struct ethhdr *eth =
	    (struct ethhdr *)(data + XLAT_IP6_HLEN - XLAT_IP4_HLEN);
	__builtin_memcpy(eth->h_dest, old->h_dest, 2 * ETH_ALEN);
	eth->h_proto = xlat_htons(ETH_P_IP);
	if (bpf_xdp_adjust_head(ctx, XLAT_IP6_HLEN - XLAT_IP4_HLEN))
		return XDP_ABORTED; /* cannot happen: the frame shrinks */
	trim(ctx, ETH_HLEN + tot4);
	return translated(ctx, 1);
}

/* Stateless SIIT, IPv6 -> IPv4. */
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
	return out_6to4(ctx, data, tot4);
}

/* Stateful NAT64, IPv6 -> IPv4: the session of (source, the destination's
 * IPv4 image, ports, protocol), as nat64.c's hit_6to4 finds it. */
static __always_inline int xdp_6to4_sess(struct xdp_md *ctx)
{
	__u8 *data = (__u8 *)(long)ctx->data;
	__u8 *end = (__u8 *)(long)ctx->data_end;
	__u8 *p = data + ETH_HLEN;
	const struct xlat_ip6 *ip = (const struct xlat_ip6 *)p;
	__u32 zero = 0;
	__u32 *idc = bpf_map_lookup_elem(&xdp_ip4_id, &zero);
	struct xlat_cfg xc = xdp_cfg.xlat;
	struct xlat_ctx x = {.cfg = &xc, .pool6 = xdp_cfg.pool6};
	struct xdp_sess6_key k;
	struct xlat_map m;
	__u8 flags;

	if (!idc || p + XLAT_IP6_HLEN > end)
		return hand_on();
	__builtin_memset(&k, 0, sizeof(k));
	/* RFC 6146 §3.5: only destinations under pool6; and not one of our
	 * own pool4 addresses (a hairpin, §3.8: the core's) */
	if (rfc6052_pfx96_extract(&x.pool6, ip->daddr, &k.raddr4) ||
	    xdp_p4filter_has(xdp_cfg.p4filter, k.raddr4))
		return hand_on();
	if (l4_key(ip->nexthdr, p + XLAT_IP6_HLEN, end, 1, &k.proto, &k.sport6,
		   &k.rport, &flags))
		return hand_on();
	__builtin_memcpy(k.src6, ip->saddr, 16);
	struct xdp_sess6_val *v = bpf_map_lookup_elem(&g64_sess6, &k);
	if (!v) {
		count(XDP_CNT_SESS_MISS);
		return hand_on();
	}
	__u32 now = now_sec();
	int use = xdp_sess_use(xdp_cfg.timeout, k.proto, v->state, v->timer,
			       v->last, now, NAT64_FROM6, flags);
	if (!use)
		return hit_handed_on();
	xdp_sess6_xmap(&k, v, &m);
	x.ip4_id = (__u16)(xdp_cfg.id_seed + *idc);
	__u32 tot4 = fast_6to4(&x, p, end, &m);
	if (!tot4)
		return hit_handed_on();
	*idc += 1;
	hit_done(&v->last, now, use);
	return out_6to4(ctx, data, tot4);
}

/* IPv4 -> IPv6 after the checks (f, and m for stateful): grow the frame by
 * 20 bytes and write.  Without headroom the frame is handed on as it was;
 * 0 is returned then, 1 when translated. */
static __always_inline int out_4to6(struct xdp_md *ctx, struct xlat_ctx *x,
				    const struct fast_46 *f,
				    const struct xlat_map *m)
{
	const int grow = XLAT_IP6_HLEN - XLAT_IP4_HLEN;

	if (bpf_xdp_adjust_head(ctx, -grow))
		return 0;
	__u8 *data = (__u8 *)(long)ctx->data;
	__u8 *end = (__u8 *)(long)ctx->data_end;
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
	fast_4to6_write(x, data + ETH_HLEN, end, f, m);
	trim(ctx, ETH_HLEN + XLAT_IP6_HLEN + f->l4len);
	return 1;
back: /* cannot happen: the frame is what the check saw, 20 bytes longer */
	bpf_xdp_adjust_head(ctx, grow);
	return 0;
}

/* Stateless SIIT, IPv4 -> IPv6. */
static __always_inline int xdp_4to6(struct xdp_md *ctx)
{
	__u8 *data = (__u8 *)(long)ctx->data;
	__u8 *end = (__u8 *)(long)ctx->data_end;
	struct fast_46 f;
	/* the core's context: its configuration and prepared pool6 */
	struct xlat_cfg xc = xdp_cfg.xlat;
	struct xlat_ctx x = {.cfg = &xc, .pool6 = xdp_cfg.pool6};

	if (!fast_4to6_check(&x, data + ETH_HLEN, end, NULL, &f))
		return hand_on();
	if (!out_4to6(ctx, &x, &f, NULL))
		return hand_on();
	return translated(ctx, 0);
}

/* Stateful NAT64, IPv4 -> IPv6: the session of (remote, pool4 address,
 * ports, protocol), as nat64.c's hit_4to6 finds it. */
static __always_inline int xdp_4to6_sess(struct xdp_md *ctx)
{
	__u8 *data = (__u8 *)(long)ctx->data;
	__u8 *end = (__u8 *)(long)ctx->data_end;
	__u8 *p = data + ETH_HLEN;
	const struct xlat_ip4 *ip = (const struct xlat_ip4 *)p;
	struct fast_46 f;
	struct xlat_cfg xc = xdp_cfg.xlat;
	struct xlat_ctx x = {.cfg = &xc, .pool6 = xdp_cfg.pool6};
	struct xdp_sess4_key k;
	struct xlat_map m;
	__u8 flags;

	if (p + XLAT_IP4_HLEN > end || ip->ver_ihl != 0x45)
		return hand_on();
	__builtin_memset(&k, 0, sizeof(k));
	k.raddr4 = ip->saddr;
	k.addr4 = ip->daddr;
	if (l4_key(ip->proto, p + XLAT_IP4_HLEN, end, 0, &k.proto, &k.rport,
		   &k.port4, &flags))
		return hand_on();
	if (k.proto == NAT64_ICMP) { /* the identifier is the pool4 port */
		k.port4 = k.rport;
		k.rport = 0;
	}
	struct xdp_sess4_val *v = bpf_map_lookup_elem(&g64_sess4, &k);
	if (!v) {
		count(XDP_CNT_SESS_MISS);
		return hand_on();
	}
	__u32 now = now_sec();
	int use = xdp_sess_use(xdp_cfg.timeout, k.proto, v->state, v->timer,
			       v->last, now, NAT64_FROM4, flags);
	if (!use)
		return hit_handed_on();
	xdp_sess4_xmap(v, &m);
	if (!fast_4to6_check(&x, p, end, &m, &f) || !out_4to6(ctx, &x, &f, &m))
		return hit_handed_on();
	hit_done(&v->last, now, use);
	return translated(ctx, 0);
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
	/* mode = xdp: the kernel's frames go to the kernel first */
	struct xlat_prefix6 pool6 = xdp_cfg.xlat.pool6; /* read once */
	if (xdp_fwd.kernel &&
	    (eth->h_proto == xlat_htons(ETH_P_IPV6)
		 ? !fwd_for_pool6((__u8 *)(eth + 1), end, pool6.addr)
	     : eth->h_proto == xlat_htons(ETH_P_IP)
		 ? fwd_for_host4((__u8 *)(eth + 1), end)
		 : 1))
		return fwd_to_host();
	/* Stateful: only a session's packets; stateless SIIT never. */
	if (eth->h_proto == xlat_htons(ETH_P_IPV6) &&
	    (xdp_cfg.dirs & XDP_DIR_6TO4))
		return xdp_cfg.stateful ? xdp_6to4_sess(ctx) : xdp_6to4(ctx);
	if (eth->h_proto == xlat_htons(ETH_P_IP) &&
	    (xdp_cfg.dirs & XDP_DIR_4TO6))
		return xdp_cfg.stateful ? xdp_4to6_sess(ctx) : xdp_4to6(ctx);
	return hand_on();
}
