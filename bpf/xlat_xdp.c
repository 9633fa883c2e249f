/*
 * xlat_xdp.c - the XDP fast path of gate64 (issue 5): the translation of
 * what the core's fast path translates, with the core's own fast path
 * (dataplane/xlat/xlat_fast.h), on Ethernet frames.  Stateless SIIT, or
 * (xdp_cfg.stateful) stateful NAT64 for flows that have a session in the
 * maps g64_sess6 / g64_sess4 (bpf/xdp_state.h).
 *
 * Translated: IPv6 -> IPv4 and IPv4 -> IPv6 of TCP, UDP and ICMP echo
 * request/reply right after a plain header (no IPv6 extension header, no
 * IPv4 option, not a fragment), a /96 pool6, and nothing the core would
 * refuse or answer with an ICMP error.  Stateless: both addresses under
 * pool6, or (xdp_cfg.eam, RFC 7757) each mapped through the EAM tries
 * first and pool6 for the rest, as the core maps them; the RFC 7757 §4.3
 * hairpin is handed on.  Stateful: the packet's session is in the map, live,
 * and the packet changes nothing in it but its last-seen time (xdp_sess_use: no
 * TCP SYN, FIN or RST, no TCP state change, not past its lifetime); the
 * addresses and port are the session's, as the core writes them (xdp_sess6_xmap
 * / xdp_sess4_xmap build the core's struct xlat_map), and an IPv6 packet to a
 * pool4 address (a hairpin) is handed on.  A stateful program never translates
 * without a session.  Stateful with create (mode = xdp NAT64): the program
 * makes the BIB entries and sessions itself and runs the TCP state machine, as
 * the core does (the section "Create mode" below says what it makes and what it
 * leaves).  The frame keeps its MAC addresses, gets the new EtherType, and goes
 * out through translated() (XDP_TX, or in mode = xdp forwarded: bpf/xdp_fwd.h).
 *
 * Everything else is handed on unchanged with xdp_cfg.hand_on (XDP_PASS
 * in the tests; XDP_REDIRECT in mode = hybrid: to the DPDK workers'
 * AF_XDP socket of the frame's RX queue, xsks_map, or a counted drop when
 * none is bound there; a counted drop in mode = xdp), where the full core
 * decides: new flows, TCP state changes, expiry (but in create mode), ICMP
 * errors, fragments.  In create mode a packet the NAT64 rules drop as the
 * core drops it is dropped here (XDP_DROP, the core's reason counted).
 * Nothing is ever emitted half-translated: all checks come before the
 * first write, and the resizes after it cannot fail.
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
 * skeleton before load (the verifier prunes the paths of the other
 * configurations); the session and BIB maps are sized by the loader
 * (bpf_map__set_max_entries) before load.  Dual BSD/GPL, like every BPF
 * object of gate64.
 */
#include <asm-generic/errno-base.h> /* EEXIST, as the map helpers return */
#include <linux/bpf.h>
#include <linux/if_ether.h>

#include <bpf/bpf_helpers.h>
#ifndef SEC /* for cppcheck (make lint), which reads no system header */
#define SEC(name) __attribute__((section(name), used))
#endif

#include "bpf/xdp_cfg.h"
#include "bpf/xdp_eam.h"
#include "dataplane/xlat/xlat_fast.h"

char _license[] SEC("license") = "Dual BSD/GPL";

const volatile struct xdp_cfg xdp_cfg = {
    .hand_on = XDP_PASS,
    .dirs = XDP_DIR_6TO4 | XDP_DIR_4TO6,
};

/* mode = hybrid: the AF_XDP sockets of the DPDK workers (net_af_xdp
 * loads this object itself with xdp_prog= and binds one socket per RX
 * queue here; the map must be named xsks_map). */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

/* hand_on()'s answer in mode = hybrid, turned into the redirect by the
 * entry point (which has the frame's RX queue and counts the outcome);
 * not an XDP action. */
#define XDP_TO_XSK 0x100

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

/* Create mode (xdp_cfg.create): the BIB (bpf/xdp_state.h), HASH like the
 * sessions; g64_bib4 is also the pool4 port allocator (BPF_NOEXIST). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XDP_SESS_MAX_DEFAULT);
	__type(key, struct xdp_bib6_key);
	__type(value, struct xdp_bib6_val);
} g64_bib6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XDP_SESS_MAX_DEFAULT);
	__type(key, struct xdp_bib4_key);
	__type(value, struct xdp_bib4_val);
} g64_bib4 SEC(".maps");

/* Every BIB entry the program makes, for the mapping log (RFC 6888). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, XDP_BIB_EVENTS_DEFAULT);
} g64_bib_events SEC(".maps");

/* The EAM table (RFC 7757, bpf/xdp_eam.h): the core's entries by IPv4
 * and by IPv6 prefix, filled by the loader (xdp_eam_fill); looked up only
 * with xdp_cfg.eam. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XDP_EAM_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xdp_eam4_key);
	__type(value, struct xlat_eam);
} g64_eam4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XDP_EAM_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xdp_eam6_key);
	__type(value, struct xlat_eam);
} g64_eam6 SEC(".maps");

/* 1 once the loader has filled the tries (xdp_eam_fill): until then
 * (mode = hybrid: net_af_xdp attaches the program before gate64d can fill
 * them), or after a fill failed, every frame is handed on rather than
 * mapped with a partial table. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} g64_eam_on SEC(".maps");

/* The EAM paths' scratch: their configuration copy and mapping live here,
 * not on the stack, which the other paths' inlined frames already fill
 * (BPF's 512 bytes for the whole program). */
struct xdp_eam_scratch {
	struct xlat_cfg xc;
	struct xlat_map m;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdp_eam_scratch);
} g64_eam_scratch SEC(".maps");

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
	if (xdp_cfg.hand_on == XDP_REDIRECT) /* hybrid: to the workers */
		return XDP_TO_XSK;
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

/* ---------------------------------------------------------------------
 * Stateless SIIT with an EAM table (xdp_cfg.eam): each address mapped as
 * the core's map46/map64 map it (RFC 7757 §3.3: the longest EAM entry
 * first, its suffix bits copied, eam_entry_4to6/6to4; else pool6, RFC
 * 6052), then the core's fast path with those addresses (a struct
 * xlat_map without port: the sums are the general path's).  What the core
 * refuses (reserved, non-global through the WKP, not under pool6 nor an
 * EAM entry) or turns around (RFC 7757 §4.3 hairpin) is handed on.
 */

/* The core's map46 (strict): 0 and out, or -1. */
static __always_inline int eam_46(__u32 v4, const struct rfc6052_pfx *pf,
				  __u8 *out)
{
	struct xdp_eam4_key k = {.prefixlen = 32, .addr = v4};

	if (ip4_check(v4, 0)) /* RFC 6052 §3.1 / RFC 6890: addr-reserved */
		return -1;
	const struct xlat_eam *e = bpf_map_lookup_elem(&g64_eam4, &k);
	if (e) {
		eam_entry_4to6(e, v4, out);
		return 0;
	}
	if (pf->wkp && ip4_check(v4, 1)) /* wkp-non-global */
		return -1;
	rfc6052_pfx_embed(pf, v4, out);
	return 0;
}

/* The core's map64 (strict): 0, *out and *via_eam, or -1. */
static __always_inline int eam_64(const __u8 *v6, const struct rfc6052_pfx *pf,
				  __u32 *out, int *via_eam)
{
	struct xdp_eam6_key k = {.prefixlen = 128};

	__builtin_memcpy(k.addr, v6, 16);
	const struct xlat_eam *e = bpf_map_lookup_elem(&g64_eam6, &k);
	*via_eam = e != NULL;
	if (e)
		*out = eam_entry_6to4(e, k.addr);
	else if (rfc6052_pfx96_extract(pf, k.addr, out))
		return -1; /* dst-not-ours / src-untranslatable / suffix */
	/* RFC 6052 §3.1: the non-global check only through the WKP */
	return ip4_check(*out, !e && pf->wkp) ? -1 : 0;
}

/* An IPv6 destination the EAM table maps (mode = xdp: the translator's,
 * like pool6). */
static __always_inline int eam6_has(const __u8 *ip, const __u8 *end)
{
	const struct xlat_ip6 *h = (const struct xlat_ip6 *)ip;
	struct xdp_eam6_key k = {.prefixlen = 128};

	if ((const __u8 *)(h + 1) > end)
		return 0;
	__builtin_memcpy(k.addr, h->daddr, 16);
	return bpf_map_lookup_elem(&g64_eam6, &k) != NULL;
}

/* Stateless SIIT with EAM, IPv6 -> IPv4. */
static __always_inline int xdp_6to4_eam(struct xdp_md *ctx)
{
	__u8 *data = (__u8 *)(long)ctx->data;
	__u8 *end = (__u8 *)(long)ctx->data_end;
	__u8 *p = data + ETH_HLEN;
	const struct xlat_ip6 *ip = (const struct xlat_ip6 *)p;
	__u32 zero = 0;
	__u32 *idc = bpf_map_lookup_elem(&xdp_ip4_id, &zero);
	struct xdp_eam_scratch *sc =
	    bpf_map_lookup_elem(&g64_eam_scratch, &zero);
	int d_eam, s_eam;

	if (!idc || !sc || p + XLAT_IP6_HLEN > end)
		return hand_on();
	struct xlat_map *m = &sc->m;
	struct xlat_ctx x = {.cfg = &sc->xc, .pool6 = xdp_cfg.pool6};
	sc->xc = xdp_cfg.xlat;
	__builtin_memset(m, 0, sizeof(*m));
	if (eam_64(ip->daddr, &x.pool6, &m->d4, &d_eam) ||
	    eam_64(ip->saddr, &x.pool6, &m->s4, &s_eam))
		return hand_on();
	/* RFC 7757 §4.3: an EAM'd IPv4 destination reached through pool6
	 * goes back to the IPv6 side (the core's hairpin) */
	if (!d_eam && sc->xc.eam_hairpin) {
		struct xdp_eam4_key k = {.prefixlen = 32, .addr = m->d4};
		if (bpf_map_lookup_elem(&g64_eam4, &k))
			return hand_on();
	}
	x.ip4_id = (__u16)(xdp_cfg.id_seed + *idc);
	__u32 tot4 = fast_6to4(&x, p, end, m);
	if (!tot4)
		return hand_on();
	*idc += 1;
	return out_6to4(ctx, data, tot4);
}

/* Stateless SIIT with EAM, IPv4 -> IPv6. */
static __always_inline int xdp_4to6_eam(struct xdp_md *ctx)
{
	__u8 *data = (__u8 *)(long)ctx->data;
	__u8 *end = (__u8 *)(long)ctx->data_end;
	__u8 *p = data + ETH_HLEN;
	const struct xlat_ip4 *ip = (const struct xlat_ip4 *)p;
	__u32 zero = 0;
	struct xdp_eam_scratch *sc =
	    bpf_map_lookup_elem(&g64_eam_scratch, &zero);
	struct fast_46 f;

	if (!sc || p + XLAT_IP4_HLEN > end)
		return hand_on();
	struct xlat_map *m = &sc->m;
	struct xlat_ctx x = {.cfg = &sc->xc, .pool6 = xdp_cfg.pool6};
	sc->xc = xdp_cfg.xlat;
	__builtin_memset(m, 0, sizeof(*m));
	if (eam_46(ip->daddr, &x.pool6, m->d6) ||
	    eam_46(ip->saddr, &x.pool6, m->s6))
		return hand_on();
	if (!fast_4to6_check(&x, p, end, m, &f) || !out_4to6(ctx, &x, &f, m))
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

/* ---------------------------------------------------------------------
 * Create mode (xdp_cfg.create, mode = xdp NAT64): the program makes the
 * state itself and runs the TCP state machine, as the core's nat64.c
 * does (general_6to4, general_4to6, sess_touch), for the packets its fast
 * path translates.  The rules, in the order the core applies them:
 *
 * IPv6 -> IPv4 without a live session (RFC 6146 §3.5.1, §3.5.2.2,
 * §3.5.3): the destination's class (RFC 6052 §3.1) and a source inside
 * pool6 (§5.3, a loop) are the core's drops; TCP needs a SYN without RST
 * (nat64_tcp_open: V6 INIT), else it is the core's drop
 * (nat64-tcp-no-session); UDP and echo always create.  The BIB entry of
 * (source, port, protocol) is taken, or made (bib_new: endpoint-
 * independent mapping, §3.5.1.1), then the two session entries, then the
 * packet is translated like a hit.
 *
 * IPv4 -> IPv6 without a live session: no BIB entry is the core's drop
 * (nat64-no-mapping) but for a TCP SYN, which the core holds 6 s for a
 * simultaneous open (§3.5.2.2) unless drop_inbound_syn: not here
 * (xdp-inbound-syn, handed on).  A BIB entry admits a new session only
 * while it has a live one (static: always; dynamic: xdp_bib_window after
 * its `last`), then filtering (§3.5.1): endpoint-independent creates;
 * address-dependent only with a session to the remote's address, which
 * the maps show only for ICMP (one session per remote address and
 * identifier: its absence is the core's nat64-filtered), not for another
 * port of the same address (xdp-adf-unverified, handed on).  TCP then
 * needs a SYN (V4 INIT), else nat64-tcp-no-session.
 *
 * A live session: UDP and echo refresh `last`; TCP takes
 * nat64_tcp_next(): a new state or timer is written into both entries (a
 * plain store each, no lock: two CPUs stepping one session at once may
 * leave the entries a step apart, each a state the machine reaches; the
 * next packet of that side steps from it), with `last` = now when a timer
 * restarts.  A session whose own entry looks expired is asked its other
 * entry (the other direction may have refreshed it).
 *
 * Nothing is created for a packet that is then not translated: the fast
 * path's checks (fast_6to4_check, fast_4to6_check) come first.  A packet
 * the program cannot treat as the core would (hairpin, held SYN, pool4
 * without a free port in its probes, a full map, ADF it cannot see) is
 * handed on with its counter (a counted drop in mode = xdp), never
 * answered: the core's ICMP errors (Address Unreachable for a refused
 * flow, Port Unreachable for a held SYN) are not built here.
 */

/* Not translated: what the core would do otherwise (counter c). */
static __always_inline int not_here(__u32 c)
{
	count(c);
	return hand_on();
}

/* Dropped as the core drops it, for its reason r. */
static __always_inline int nat64_drop(__u32 r)
{
	count(r);
	count(XDP_CNT_NAT64_DROPPED);
	return XDP_DROP;
}

/* What a create-mode step decided: go on and translate (GO), or return
 * the XDP action it gives. */
#define GO (-1)

/* Is addr4 (network order) a pool4 address of proto? */
static __always_inline int p4_has(__u32 addr4, __u8 proto)
{
	for (int i = 0; i < XDP_POOL4_MAX; i++) {
		if (i >= xdp_cfg.np4)
			break;
		if (xdp_cfg.p4[i].addr == addr4 && xdp_cfg.p4[i].proto == proto)
			return 1;
	}
	return 0;
}

/* The ranges of proto: how many, and the index of the j-th (j < n). */
static __always_inline __u32 p4_count(__u8 proto)
{
	__u32 n = 0;
	for (int i = 0; i < XDP_POOL4_MAX; i++) {
		if (i >= xdp_cfg.np4)
			break;
		n += xdp_cfg.p4[i].proto == proto;
	}
	return n;
}

static __always_inline int p4_nth(__u8 proto, __u32 j)
{
	__u32 seen = 0;
	for (int i = 0; i < XDP_POOL4_MAX; i++) {
		if (i >= xdp_cfg.np4)
			break;
		if (xdp_cfg.p4[i].proto != proto)
			continue;
		if (seen++ == j)
			return i;
	}
	return -1;
}

/* The subscriber's hash: its /56 (the core's default subscriber length),
 * so that it keeps one pool4 address (RFC 4787 REQ-2, paired pooling). */
static __always_inline __u32 sub_hash(const __u8 *src6)
{
	__u32 a, b;
	__builtin_memcpy(&a, src6, 4);
	__builtin_memcpy(&b, src6 + 4, 4);
	b &= xlat_htonl(0xffffff00);
	__u32 h = (a * 0x9e3779b1u) ^ (b * 0x85ebca6bu);
	return h ^ (h >> 15);
}

/* A BIB entry's `last`: a session under it was written now with timer
 * (see xdp_bib_window). */
static __always_inline void bib_touch(__u32 addr4, __u16 port4, __u8 proto,
				      __u8 timer, __u32 now)
{
	struct xdp_bib4_key k = {
	    .addr4 = addr4, .port4 = port4, .proto = proto};

	if (!xdp_bib_touches(xdp_cfg.timeout, proto, timer))
		return;
	struct xdp_bib4_val *b = bpf_map_lookup_elem(&g64_bib4, &k);
	if (b && !b->is_static && (__s32)(now - b->last) > 0)
		b->last = now;
}

/*
 * A new BIB entry for (bk: source, port, protocol), RFC 6146 §3.5.1.1:
 * pool4 ranges of the protocol, the subscriber's first; a port of the
 * client port's class (xdp_port_class; RFC 6056 §3.3.1 random choice),
 * claimed by inserting its g64_bib4 entry with BPF_NOEXIST, which is
 * atomic across CPUs.  Three passes of XDP_PORT_PROBES probes at most:
 * the subscriber's range in class, the next range in class, the
 * subscriber's range whole (the core's fallback when the class is full);
 * a range no bigger than the probes is probed port by port, so a small
 * one is exhausted exactly.  Then the g64_bib6 entry, BPF_NOEXIST: a CPU
 * that lost that race (the same client port, at once) gives its port
 * back and takes the winner's entry.  GO and *addr4, *port4, or the
 * action.
 */
#define XDP_PORT_PROBES 8

static __always_inline int bib_new(const struct xdp_bib6_key *bk, __u32 now,
				   __u32 *addr4, __u16 *port4)
{
	__u8 proto = bk->proto;
	__u32 n = p4_count(proto);
	__u32 h = sub_hash(bk->src6);
	__u16 sport = xlat_ntohs(bk->sport6);
	struct xdp_bib4_key k4 = {.proto = proto};
	struct xdp_bib4_val v4 = {.sport6 = bk->sport6, .last = now};
	long e;

	if (!n) /* no range of this protocol */
		return not_here(XDP_CNT_POOL4_NO_PORT);
	__builtin_memcpy(v4.src6, bk->src6, 16);
	for (__u32 pass = 0; pass < 3; pass++) {
		int ri = p4_nth(proto, (h + (pass == 1)) % n);
		if (ri < 0)
			continue;
		const volatile struct xdp_pool4 *r =
		    &xdp_cfg.p4[ri & (XDP_POOL4_MAX - 1)];
		__u32 lo = r->min, hi = r->max;
		if (pass < 2)
			xdp_port_class(proto, sport, &lo, &hi);
		__u32 span = hi - lo + 1;
		__u32 off = bpf_get_prandom_u32();
		k4.addr4 = r->addr;
		for (__u32 i = 0; i < XDP_PORT_PROBES; i++) {
			__u32 o;
			if (span <= XDP_PORT_PROBES) {
				if (i >= span)
					break;
				o = (off + i) % span;
			} else {
				o = bpf_get_prandom_u32() % span;
			}
			k4.port4 = xlat_htons((__u16)(lo + o));
			e = bpf_map_update_elem(&g64_bib4, &k4, &v4,
						BPF_NOEXIST);
			if (!e)
				goto claimed;
			if (e != -EEXIST) /* E2BIG: the map is full */
				return not_here(XDP_CNT_STATE_FULL);
		}
	}
	return not_here(XDP_CNT_POOL4_NO_PORT);

claimed:;
	struct xdp_bib6_val v6 = {.addr4 = k4.addr4, .port4 = k4.port4};
	e = bpf_map_update_elem(&g64_bib6, bk, &v6, BPF_NOEXIST);
	if (e) {
		bpf_map_delete_elem(&g64_bib4, &k4);
		if (e != -EEXIST)
			return not_here(XDP_CNT_STATE_FULL);
		struct xdp_bib6_val *w = bpf_map_lookup_elem(&g64_bib6, bk);
		if (!w) /* gone again at once: leave it to the next packet */
			return hand_on();
		*addr4 = w->addr4;
		*port4 = w->port4;
		return GO;
	}
	count(XDP_CNT_BIB_CREATED);
	struct xdp_bib_event *ev =
	    bpf_ringbuf_reserve(&g64_bib_events, sizeof(*ev), 0);
	if (ev) {
		__builtin_memcpy(ev->src6, bk->src6, 16);
		ev->addr4 = k4.addr4;
		ev->sport6 = bk->sport6;
		ev->port4 = k4.port4;
		ev->proto = proto;
		ev->created = 1;
		ev->pad[0] = ev->pad[1] = 0;
		ev->when = now;
		bpf_ringbuf_submit(ev, 0);
	} else {
		count(XDP_CNT_BIB_EVENT_LOST);
	}
	*addr4 = k4.addr4;
	*port4 = k4.port4;
	return GO;
}

/* Both entries of a new session (any old, expired ones replaced). */
static __always_inline int sess_put(const struct xdp_sess_tuple *t,
				    const struct rfc6052_pfx *pool6,
				    struct xlat_map *m, int to6)
{
	struct xdp_sess6_key k6;
	struct xdp_sess6_val v6;
	struct xdp_sess4_key k4;
	struct xdp_sess4_val v4;

	xdp_sess_fill(t, pool6, &k6, &v6, &k4, &v4);
	if (bpf_map_update_elem(&g64_sess6, &k6, &v6, BPF_ANY))
		return not_here(XDP_CNT_STATE_FULL);
	if (bpf_map_update_elem(&g64_sess4, &k4, &v4, BPF_ANY)) {
		bpf_map_delete_elem(&g64_sess6, &k6);
		return not_here(XDP_CNT_STATE_FULL);
	}
	count(XDP_CNT_SESS_CREATED);
	bib_touch(t->addr4, t->port4, t->proto, t->timer, t->last);
	if (to6)
		xdp_sess4_xmap(&v4, m);
	else
		xdp_sess6_xmap(&k6, &v6, m);
	return GO;
}

/* The other direction's entry of a session. */
static __always_inline void key4_of(const struct xdp_sess6_key *k,
				    const struct xdp_sess6_val *v,
				    struct xdp_sess4_key *o)
{
	__builtin_memset(o, 0, sizeof(*o));
	o->raddr4 = k->raddr4;
	o->addr4 = v->addr4;
	o->rport = k->rport;
	o->port4 = v->port4;
	o->proto = k->proto;
}

static __always_inline void key6_of(const struct xdp_sess4_key *k,
				    const struct xdp_sess4_val *v,
				    struct xdp_sess6_key *o)
{
	__builtin_memset(o, 0, sizeof(*o));
	__builtin_memcpy(o->src6, v->src6, 16);
	o->raddr4 = k->raddr4;
	o->sport6 = v->sport6;
	o->rport = k->rport;
	o->proto = k->proto;
}

/* Past its lifetime (the core's lookup-time expiry)?  `last` and timer
 * of the entry hit, or of the other one when that is younger. */
static __always_inline int dead(__u8 timer, __u32 last, __u32 now)
{
	return (__s32)(now - last) >=
	       (__s64)xdp_timeout(xdp_cfg.timeout, timer);
}

static __always_inline int sess6_dead(const struct xdp_sess6_key *k,
				      const struct xdp_sess6_val *v, __u32 now)
{
	struct xdp_sess4_key o;

	if (!dead(v->timer, v->last, now))
		return 0;
	key4_of(k, v, &o);
	const struct xdp_sess4_val *w = bpf_map_lookup_elem(&g64_sess4, &o);
	return !w || dead(w->timer, w->last, now);
}

static __always_inline int sess4_dead(const struct xdp_sess4_key *k,
				      const struct xdp_sess4_val *v, __u32 now)
{
	struct xdp_sess6_key o;

	if (!dead(v->timer, v->last, now))
		return 0;
	key6_of(k, v, &o);
	const struct xdp_sess6_val *w = bpf_map_lookup_elem(&g64_sess6, &o);
	return !w || dead(w->timer, w->last, now);
}

/*
 * The core's sess_touch on a live session whose entry for this direction
 * holds *state, *timer, *last: UDP and echo refresh `last`; TCP steps.
 * Returns 1 when the state or timer changed (the caller writes the other
 * entry), else 0.  The BIB entry's `last` follows (bib_touch).
 */
static __always_inline int sess_touch(__u8 proto, int dir, __u8 flags,
				      __u8 *state, __u8 *timer, __u32 *last,
				      __u32 now, __u32 addr4, __u16 port4)
{
	__u8 nstate = *state, ntimer = *timer;
	int restart = 1, step = 0;

	if (proto == NAT64_TCP) {
		struct nat64_tcp_step st = nat64_tcp_next(*state, dir, flags);
		restart = st.timer != NAT64_T_NONE; /* NONE: keep both */
		nstate = st.state;
		if (restart)
			ntimer = st.timer;
		step = nstate != *state || ntimer != *timer;
	}
	if (step) {
		*state = nstate;
		*timer = ntimer;
		count(XDP_CNT_TCP_STEPS);
	}
	/* the core: last = now when a timer (re)starts; stored only when
	 * the second moved on (or the timer changed) */
	if (!restart || (!step && (__s32)(now - *last) <= 0))
		return step;
	*last = now;
	bib_touch(addr4, port4, proto, ntimer, now);
	return step;
}

/* IPv6 -> IPv4 of a packet with no live session: GO with *m, or the
 * action. */
static __always_inline int new_6to4(const struct xdp_sess6_key *k,
				    const struct rfc6052_pfx *pool6, __u8 flags,
				    __u32 now, struct xlat_map *m)
{
	struct nat64_tcp_step st = {0, k->proto == NAT64_UDP ? NAT64_T_UDP
							     : NAT64_T_ICMP};
	enum xlat_reason r;
	__u32 any;

	/* RFC 6052 §3.1: the destination's class (the core's map64) */
	if ((r = ip4_check(k->raddr4, pool6->wkp)))
		return nat64_drop(r);
	/* RFC 6146 §5.3: a source inside pool6 is a packet looping */
	if (rfc6052_pfx96_extract(pool6, k->src6, &any) <= 0)
		return nat64_drop(XLAT_R_NAT64_HAIRPIN_LOOP);
	if (k->proto == NAT64_TCP) { /* §3.5.2.2: a V6 SYN opens */
		st = nat64_tcp_open(NAT64_FROM6, flags);
		if (st.state == NAT64_TCP_CLOSED)
			return nat64_drop(XLAT_R_NAT64_TCP_NO_SESSION);
	}

	struct xdp_sess_tuple t = {
	    .proto = k->proto,
	    .state = st.state,
	    .timer = st.timer,
	    .src6 = k->src6,
	    .sport6 = k->sport6,
	    .rport = k->rport,
	    .raddr4 = k->raddr4,
	    .last = now,
	};
	struct xdp_bib6_key bk = {.sport6 = k->sport6, .proto = k->proto};
	__builtin_memcpy(bk.src6, k->src6, 16);
	const struct xdp_bib6_val *b = bpf_map_lookup_elem(&g64_bib6, &bk);
	if (b) {
		t.addr4 = b->addr4;
		t.port4 = b->port4;
	} else {
		int rc = bib_new(&bk, now, &t.addr4, &t.port4);
		if (rc != GO)
			return rc;
	}
	return sess_put(&t, pool6, m, 0);
}

/* IPv4 -> IPv6 of a packet with no live session: GO with *m, or the
 * action. */
static __always_inline int new_4to6(const struct xdp_sess4_key *k,
				    const struct rfc6052_pfx *pool6, __u8 flags,
				    __u32 now, struct xlat_map *m)
{
	struct nat64_tcp_step st = {0, k->proto == NAT64_UDP ? NAT64_T_UDP
							     : NAT64_T_ICMP};
	int syn = k->proto == NAT64_TCP && (flags & NAT64_TCP_SYN) &&
		  !(flags & NAT64_TCP_RST);
	enum xlat_reason r;

	/* RFC 6052 §3.1: the source's class (the core's map46) */
	if ((r = ip4_check(k->raddr4, pool6->wkp)))
		return nat64_drop(r);
	struct xdp_bib4_key bk = {
	    .addr4 = k->addr4, .port4 = k->port4, .proto = k->proto};
	const struct xdp_bib4_val *b = bpf_map_lookup_elem(&g64_bib4, &bk);
	if (!b) {
		if (!p4_has(k->addr4, k->proto))
			return hand_on(); /* not pool4: not ours */
		if (syn && !xdp_cfg.drop_inbound_syn)
			return not_here(XDP_CNT_INBOUND_SYN); /* held */
		return nat64_drop(XLAT_R_NAT64_NO_BIB);
	}
	/* a new inbound session needs a live mapping (§3.5.1: an entry
	 * whose sessions all ran out is gone, swept or not) */
	if (!b->is_static &&
	    (__s32)(now - b->last) >=
		(__s64)xdp_bib_window(xdp_cfg.timeout, k->proto)) {
		/* exact for UDP and ICMP; TCP may still have an older
		 * session on a longer timer: a SYN is not refused here */
		if (syn)
			return not_here(XDP_CNT_INBOUND_SYN);
		return nat64_drop(XLAT_R_NAT64_NO_BIB);
	}
	if (xdp_cfg.filtering == XDP_FILTER_ADF) { /* §3.5.1, §3.5.2.2 */
		if (k->proto == NAT64_ICMP)
			return nat64_drop(XLAT_R_NAT64_FILTERED);
		return not_here(XDP_CNT_ADF_UNSURE);
	}
	if (k->proto == NAT64_TCP) { /* §3.5.2.2: a V4 SYN opens */
		st = nat64_tcp_open(NAT64_FROM4, flags);
		if (st.state == NAT64_TCP_CLOSED)
			return nat64_drop(XLAT_R_NAT64_TCP_NO_SESSION);
	}
	struct xdp_sess_tuple t = {
	    .proto = k->proto,
	    .state = st.state,
	    .timer = st.timer,
	    .src6 = b->src6,
	    .sport6 = b->sport6,
	    .port4 = k->port4,
	    .rport = k->rport,
	    .addr4 = k->addr4,
	    .raddr4 = k->raddr4,
	    .last = now,
	};
	return sess_put(&t, pool6, m, 1);
}

/* Stateful NAT64 that makes its state, IPv6 -> IPv4. */
static __always_inline int xdp_6to4_nat64(struct xdp_md *ctx)
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
	struct fast_64 f;
	__u8 flags;
	int rc = GO;

	if (!idc || p + XLAT_IP6_HLEN > end)
		return hand_on();
	__builtin_memset(&k, 0, sizeof(k));
	/* RFC 6146 §3.5: only destinations under pool6 */
	if (rfc6052_pfx96_extract(&x.pool6, ip->daddr, &k.raddr4) ||
	    l4_key(ip->nexthdr, p + XLAT_IP6_HLEN, end, 1, &k.proto, &k.sport6,
		   &k.rport, &flags))
		return hand_on();
	/* RFC 6146 §3.8: to one of our own pool4 addresses, a hairpin */
	if (xdp_p4filter_has(xdp_cfg.p4filter, k.raddr4) &&
	    p4_has(k.raddr4, k.proto))
		return not_here(XDP_CNT_HAIRPIN);
	__builtin_memcpy(k.src6, ip->saddr, 16);
	/* what the fast path refuses, before any state changes */
	if (!fast_6to4_check(&x, p, end, &m, &f))
		return hand_on();
	__u32 now = now_sec();
	struct xdp_sess6_val *v = bpf_map_lookup_elem(&g64_sess6, &k);
	if (v && !sess6_dead(&k, v, now)) {
		count(XDP_CNT_SESS_HIT);
		if (sess_touch(k.proto, NAT64_FROM6, flags, &v->state,
			       &v->timer, &v->last, now, v->addr4, v->port4)) {
			struct xdp_sess4_key o;
			key4_of(&k, v, &o);
			struct xdp_sess4_val *w =
			    bpf_map_lookup_elem(&g64_sess4, &o);
			if (w) {
				w->state = v->state;
				w->timer = v->timer;
				if ((__s32)(v->last - w->last) > 0)
					w->last = v->last;
			}
		}
		xdp_sess6_xmap(&k, v, &m);
	} else {
		count(XDP_CNT_SESS_MISS);
		rc = new_6to4(&k, &x.pool6, flags, now, &m);
	}
	if (rc != GO)
		return rc;
	x.ip4_id = (__u16)(xdp_cfg.id_seed + *idc);
	__u32 tot4 = fast_6to4_write(&x, p, end, &f, &m);
	if (!tot4)
		return XDP_ABORTED; /* cannot happen: the frame was checked */
	*idc += 1;
	return out_6to4(ctx, data, tot4);
}

/* Stateful NAT64 that makes its state, IPv4 -> IPv6. */
static __always_inline int xdp_4to6_nat64(struct xdp_md *ctx)
{
	__u8 *data = (__u8 *)(long)ctx->data;
	__u8 *end = (__u8 *)(long)ctx->data_end;
	__u8 *p = data + ETH_HLEN;
	const struct xlat_ip4 *ip = (const struct xlat_ip4 *)p;
	struct xlat_cfg xc = xdp_cfg.xlat;
	struct xlat_ctx x = {.cfg = &xc, .pool6 = xdp_cfg.pool6};
	struct xdp_sess4_key k;
	struct xlat_map m;
	struct fast_46 f;
	__u8 flags;
	int rc = GO;

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
	/* what the fast path refuses, before any state changes */
	if (!fast_4to6_check(&x, p, end, &m, &f))
		return hand_on();
	__u32 now = now_sec();
	struct xdp_sess4_val *v = bpf_map_lookup_elem(&g64_sess4, &k);
	if (v && !sess4_dead(&k, v, now)) {
		count(XDP_CNT_SESS_HIT);
		if (sess_touch(k.proto, NAT64_FROM4, flags, &v->state,
			       &v->timer, &v->last, now, k.addr4, k.port4)) {
			struct xdp_sess6_key o;
			key6_of(&k, v, &o);
			struct xdp_sess6_val *w =
			    bpf_map_lookup_elem(&g64_sess6, &o);
			if (w) {
				w->state = v->state;
				w->timer = v->timer;
				if ((__s32)(v->last - w->last) > 0)
					w->last = v->last;
			}
		}
		xdp_sess4_xmap(v, &m);
	} else {
		count(XDP_CNT_SESS_MISS);
		rc = new_4to6(&k, &x.pool6, flags, now, &m);
	}
	if (rc != GO)
		return rc;
	/* no headroom (no driver does that): handed on, the state made */
	if (!out_4to6(ctx, &x, &f, &m))
		return hand_on();
	return translated(ctx, 0);
}

/* NAT64, mode = xdp: an IPv4 frame is the translator's when it goes to a
 * pool4 address; any other (the host's own, one it routes) is the
 * kernel's.  The host holds the pool4 addresses only to answer ARP. */
static __always_inline int to_pool4(const __u8 *ip, const __u8 *end)
{
	const struct xlat_ip4 *h = (const struct xlat_ip4 *)ip;
	if ((const __u8 *)(h + 1) > end)
		return 0;
	__u32 d = h->daddr;
	for (int i = 0; i < XDP_POOL4_MAX; i++)
		if (i < xdp_cfg.np4 && xdp_cfg.p4[i].addr == d)
			return 1;
	return 0;
}

static __always_inline int xlat_frame(struct xdp_md *ctx)
{
	__u8 *data = (__u8 *)(long)ctx->data;
	__u8 *end = (__u8 *)(long)ctx->data_end;
	struct ethhdr *eth = (struct ethhdr *)data;

	/* Not the fast path's configuration: everything to the core (EAM:
	 * stateless SIIT only). */
	if (xdp_cfg.pool6.len != 96 || (xdp_cfg.eam && xdp_cfg.stateful))
		return hand_on();
	if (xdp_cfg.eam) { /* the tries are filled */
		__u32 zero = 0;
		__u32 *on = bpf_map_lookup_elem(&g64_eam_on, &zero);
		if (!on || !*on)
			return hand_on();
	}
	if ((__u8 *)(eth + 1) > end)
		return hand_on();
	/* mode = xdp: the kernel's frames go to the kernel first */
	struct xlat_prefix6 pool6 = xdp_cfg.xlat.pool6; /* read once */
	if (xdp_fwd.kernel &&
	    (eth->h_proto == xlat_htons(ETH_P_IPV6)
		 ? !(fwd_for_pool6((__u8 *)(eth + 1), end, pool6.addr) ||
		     (xdp_cfg.eam && eam6_has((__u8 *)(eth + 1), end)))
	     : eth->h_proto == xlat_htons(ETH_P_IP)
		 ? (xdp_cfg.stateful ? !to_pool4((__u8 *)(eth + 1), end)
				     : fwd_for_host4((__u8 *)(eth + 1), end))
		 : 1))
		return fwd_to_host();
	/* Stateful: only a session's packets (which create mode makes);
	 * stateless SIIT never. */
	if (eth->h_proto == xlat_htons(ETH_P_IPV6) &&
	    (xdp_cfg.dirs & XDP_DIR_6TO4))
		return xdp_cfg.eam	   ? xdp_6to4_eam(ctx)
		       : !xdp_cfg.stateful ? xdp_6to4(ctx)
		       : xdp_cfg.create	   ? xdp_6to4_nat64(ctx)
					   : xdp_6to4_sess(ctx);
	if (eth->h_proto == xlat_htons(ETH_P_IP) &&
	    (xdp_cfg.dirs & XDP_DIR_4TO6))
		return xdp_cfg.eam	   ? xdp_4to6_eam(ctx)
		       : !xdp_cfg.stateful ? xdp_4to6(ctx)
		       : xdp_cfg.create	   ? xdp_4to6_nat64(ctx)
					   : xdp_4to6_sess(ctx);
	return hand_on();
}

SEC("xdp")
int xlat_xdp(struct xdp_md *ctx)
{
	int v = xlat_frame(ctx);
	if (v != XDP_TO_XSK)
		return v;
	/* No socket bound on this queue (gate64d starting or restarting,
	 * the program still attached): a counted drop, never XDP_PASS.  The
	 * frame is the translator's: the kernel would answer TCP to a pool4
	 * address (one of its own) with a RST, ending a flow that survives
	 * the restart, and a FIN passed to it is lost. */
	v = (int)bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_DROP);
	fwd_count(v == XDP_REDIRECT ? XDP_FWD_TO_XSK : XDP_FWD_NO_XSK);
	return v;
}
