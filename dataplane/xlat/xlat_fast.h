/*
 * xlat_fast.h - the fast path of the translation core: what most packets
 * are.  TCP, UDP or ICMP echo right after a plain header, both addresses
 * under a /96 pool6, no EAM table, nothing to refuse.  It makes every check
 * of the general path that can apply to such a packet and computes the
 * same sums in the same order, so its bytes are the general path's bytes;
 * anything else returns 0 with nothing written and the general path
 * decides.  The golden corpus runs both (tests/packets).
 *
 * One fast path for two compilers: xlat.c (host, DPDK) and the XDP program
 * (bpf/xlat_xdp.c, clang -target bpf) include this header; the BPF
 * verifier wants every read checked against the frame's end where the
 * host code relies on the length checks before it: XLAT_SHORT is that
 * check on BPF and nothing on the host, each placed where a frame shorter
 * than it is one the length checks refuse too.  Each direction is a check
 * half and a write half: XDP must grow the frame between them (IPv4 ->
 * IPv6), and creates NAT64 state between them only for a packet it will
 * translate (IPv6 -> IPv4 too); fast_6to4() is both halves in one.
 *
 * Contract: static inline, no state but ctx->ip4_id (the IPv4 ID, as the
 * core takes it); p is the IP header, end the end of the bytes present;
 * m: the stateful mapping, or NULL (stateless callers pass the constant
 * NULL, which inlining removes).
 */
#ifndef GATE64_XLAT_FAST_H
#define GATE64_XLAT_FAST_H

#include "xlat_priv.h"

#ifdef __bpf__
#define XLAT_SHORT(p, n, end) \
	((const uint8_t *)(p) + (n) > (const uint8_t *)(end))
#else
#define XLAT_SHORT(p, n, end) ((void)(end), 0)
#endif

XLAT_INLINE int fast_l4_ok(uint8_t proto, const uint8_t *l4, const uint8_t *end,
			   uint32_t l4len, int v6)
{
	if (l4len < 8 || XLAT_SHORT(l4, 8, end))
		return 0;
	if (proto == XLAT_IPPROTO_UDP) /* a zero IPv4 UDP checksum: general */
		return l4_header_ok(proto, l4, l4len, 0) &&
		       (v6 || ((const struct xlat_udp *)l4)->csum);
	if (proto == XLAT_IPPROTO_TCP)
		return !XLAT_SHORT(l4, 20, end) &&
		       l4_header_ok(proto, l4, l4len, 0);
	if (proto == (v6 ? XLAT_IPPROTO_ICMPV6 : XLAT_IPPROTO_ICMP))
		return l4[1] == 0 &&
		       (v6 ? l4[0] == ICMP6_ECHO || l4[0] == ICMP6_ECHO_REPLY
			   : l4[0] == ICMP4_ECHO || l4[0] == ICMP4_ECHO_REPLY);
	return 0;
}

/* The upper-layer step: TCP and UDP get their checksum moved from the old
 * addresses (rem) to the new (add), ICMP echo becomes the other family's
 * echo (pseudo6: the ICMPv6 pseudo-header sum).  On BPF one call per
 * protocol, each behind the check its writes need. */
XLAT_INLINE uint8_t fast_echo_type(const uint8_t *l4, int to6)
{
	return to6 ? (l4[0] == ICMP4_ECHO ? ICMP6_ECHO : ICMP6_ECHO_REPLY)
		   : (l4[0] == ICMP6_ECHO ? ICMP4_ECHO : ICMP4_ECHO_REPLY);
}

XLAT_INLINE void fast_l4_step(uint8_t proto, uint8_t *l4, const uint8_t *end,
			      uint32_t l4len, uint32_t rem, uint32_t add,
			      uint32_t pseudo6, int to6)
{
	int icmp = proto == (to6 ? XLAT_IPPROTO_ICMP : XLAT_IPPROTO_ICMPV6);
#ifdef __bpf__
	if (icmp) {
		if (!XLAT_SHORT(l4, 8, end))
			echo_retype(l4, l4len, fast_echo_type(l4, to6), pseudo6,
				    to6);
	} else if (proto == XLAT_IPPROTO_TCP) {
		if (!XLAT_SHORT(l4, 20, end))
			l4_readdr(XLAT_IPPROTO_TCP, l4, l4len, rem, add);
	} else if (!XLAT_SHORT(l4, 8, end)) {
		l4_readdr(XLAT_IPPROTO_UDP, l4, l4len, rem, add);
	}
#else
	(void)end;
	if (icmp)
		echo_retype(l4, l4len, fast_echo_type(l4, to6), pseudo6, to6);
	else
		l4_readdr(proto, l4, l4len, rem, add);
#endif
}

/* The stateful mapping's port (RFC 6146 §3.5): l4_set_port, on BPF
 * behind the check its writes need (TCP's checksum is at byte 16). */
XLAT_INLINE void fast_set_port(uint8_t proto, uint8_t *l4, const uint8_t *end,
			       uint32_t l4len, uint32_t off, uint16_t port)
{
#ifdef __bpf__
	if (proto == XLAT_IPPROTO_TCP) {
		if (!XLAT_SHORT(l4, 20, end))
			l4_set_port(XLAT_IPPROTO_TCP, l4, l4len, off, port);
	} else if (!XLAT_SHORT(l4, 8, end)) {
		l4_set_port(proto, l4, l4len, off, port);
	}
#else
	(void)end;
	l4_set_port(proto, l4, l4len, off, port);
#endif
}

/* What fast_6to4_check read from the IPv6 header, for the write half. */
struct fast_64 {
	uint32_t s4, d4; /* stateless: the IPv4 images of the addresses */
	uint32_t l4len;
};

/* IPv6 -> IPv4, the checks: 1 and *f when the fast path translates the
 * IPv6 packet at p; nothing is written.  With m, only whether it is NULL
 * matters here (stateful: the addresses are the mapping's), so a caller
 * may check before it has the mapping (the XDP program does, before it
 * creates state). */
XLAT_INLINE int fast_6to4_check(const struct xlat_ctx *ctx, const uint8_t *p,
				const uint8_t *end, const struct xlat_map *m,
				struct fast_64 *f)
{
	const struct xlat_cfg *cfg = ctx->cfg;
	const struct rfc6052_pfx *pf = &ctx->pool6;
	const struct xlat_ip6 *ip = (const struct xlat_ip6 *)p;

	if (XLAT_SHORT(p, XLAT_IP6_HLEN, end) ||
	    (uint32_t)(end - p) < XLAT_IP6_HLEN || (p[0] >> 4) != 6)
		return 0;
	uint32_t l4len = xlat_ntohs(ip->plen);
	uint8_t proto = ip->nexthdr;
	const uint8_t *l4 = p + XLAT_IP6_HLEN;
	if (XLAT_IP6_HLEN + l4len > (uint32_t)(end - p) || ip->hlim <= 1 ||
	    XLAT_IP4_HLEN + l4len > cfg->ipv4_mtu ||
	    !fast_l4_ok(proto, l4, end, l4len, 1))
		return 0;
	if (!m && (rfc6052_pfx96_extract(pf, ip->daddr, &f->d4) ||
		   rfc6052_pfx96_extract(pf, ip->saddr, &f->s4) ||
		   ip4_check(f->d4, pf->wkp) || ip4_check(f->s4, pf->wkp)))
		return 0;
	f->l4len = l4len;
	return 1;
}

/* IPv6 -> IPv4, the writes, in place: the IPv4 header is written at
 * p + 20.  Returns the IPv4 total length (0 only on BPF, for a frame
 * shorter than the check saw: cannot happen). */
XLAT_INLINE uint32_t fast_6to4_write(struct xlat_ctx *ctx, uint8_t *p,
				     const uint8_t *end,
				     const struct fast_64 *f,
				     const struct xlat_map *m)
{
	const struct xlat_cfg *cfg = ctx->cfg;
	const struct rfc6052_pfx *pf = &ctx->pool6;
	const struct xlat_ip6 *ip = (const struct xlat_ip6 *)p;

	if (XLAT_SHORT(p, XLAT_IP6_HLEN, end))
		return 0;
	uint32_t l4len = f->l4len;
	uint8_t proto = ip->nexthdr;
	uint8_t *l4 = p + XLAT_IP6_HLEN;
	uint32_t s4 = m ? m->s4 : f->s4, d4 = m ? m->d4 : f->d4;

	/* Address sums for the checksum updates.  Stateless, under a /96 an
	 * IPv6 address sums to the prefix's sum plus its IPv4 address's, and
	 * in the update the IPv4 parts cancel exactly (csum_update adds and
	 * subtracts without folding in between). */
	uint32_t a4 = csum_addr4(s4) + csum_addr4(d4);
	uint32_t a6 = m ? csum_addr6(ip->saddr) + csum_addr6(ip->daddr)
			: 2 * pf->sum + a4;
	uint32_t tot4 = XLAT_IP4_HLEN + l4len;
	uint8_t tos = tos_of(cfg, (uint8_t)(xlat_ntohl(ip->ver_tc_flow) >> 20));
	uint8_t ttl = (uint8_t)(ip->hlim - 1);
	uint8_t p4 = proto == XLAT_IPPROTO_ICMPV6 ? XLAT_IPPROTO_ICMP : proto;

	fast_l4_step(proto, l4, end, l4len, m ? a6 : 2 * pf->sum, m ? a4 : 0,
		     a6 + xlat_htons((uint16_t)(l4len >> 16)) +
			 xlat_htons((uint16_t)l4len) +
			 xlat_htons(XLAT_IPPROTO_ICMPV6),
		     0);
	if (m && m->has_port) /* RFC 6146 §3.5: the pool4 port */
		fast_set_port(p4, l4, end, l4len, l4_port_off(p4, 0), m->port);
	ip4_hdr_build(ctx, l4 - XLAT_IP4_HLEN, tos, tot4, ttl, p4, s4, d4);
	return tot4;
}

/* IPv6 -> IPv4 in place, both halves.  Returns the IPv4 total length, or
 * 0 with nothing written. */
XLAT_INLINE uint32_t fast_6to4(struct xlat_ctx *ctx, uint8_t *p,
			       const uint8_t *end, const struct xlat_map *m)
{
	struct fast_64 f;

	if (!fast_6to4_check(ctx, p, end, m, &f))
		return 0;
	return fast_6to4_write(ctx, p, end, &f, m);
}

/* What fast_4to6_check read from the IPv4 header, for the write half. */
struct fast_46 {
	uint32_t s4, d4;
	uint32_t l4len;
	uint8_t proto, tos, ttl;
};

/* IPv4 -> IPv6, the checks: 1 and *f when the fast path translates the
 * IPv4 packet at p; nothing is written. */
XLAT_INLINE int fast_4to6_check(const struct xlat_ctx *ctx, const uint8_t *p,
				const uint8_t *end, const struct xlat_map *m,
				struct fast_46 *f)
{
	const struct xlat_cfg *cfg = ctx->cfg;
	const struct rfc6052_pfx *pf = &ctx->pool6;
	const struct xlat_ip4 *ip = (const struct xlat_ip4 *)p;

	if (XLAT_SHORT(p, XLAT_IP4_HLEN, end) ||
	    (uint32_t)(end - p) < XLAT_IP4_HLEN || ip->ver_ihl != 0x45)
		return 0;
	uint32_t tot = xlat_ntohs(ip->tot_len);
	uint16_t fo = xlat_ntohs(ip->frag_off);
	if (tot > (uint32_t)(end - p) || tot < XLAT_IP4_HLEN ||
	    (fo & (XLAT_IP4_MF | XLAT_IP4_OFFMASK)) || ip->ttl <= 1 ||
	    csum_ip4_hdr(ip) != 0)
		return 0;
	uint32_t l4len = tot - XLAT_IP4_HLEN;
	uint8_t proto = ip->proto;
	const uint8_t *l4 = p + XLAT_IP4_HLEN;
	uint32_t limit =
	    (fo & XLAT_IP4_DF) ? cfg->ipv6_mtu : cfg->lowest_ipv6_mtu;
	if (XLAT_IP6_HLEN + l4len > limit ||
	    !fast_l4_ok(proto, l4, end, l4len, 0))
		return 0;
	uint32_t s4 = ip->saddr, d4 = ip->daddr;
	if (!m && (ip4_check(d4, pf->wkp) || ip4_check(s4, pf->wkp)))
		return 0;
	f->s4 = s4;
	f->d4 = d4;
	f->l4len = l4len;
	f->proto = proto;
	f->tos = ip->tos;
	f->ttl = ip->ttl;
	return 1;
}

/* IPv4 -> IPv6, the writes: p6 is where the IPv6 header goes, 20 bytes
 * before the IPv4 header that was checked (the frame's headroom). */
XLAT_INLINE void fast_4to6_write(const struct xlat_ctx *ctx, uint8_t *p6,
				 const uint8_t *end, const struct fast_46 *f,
				 const struct xlat_map *m)
{
	const struct xlat_cfg *cfg = ctx->cfg;
	const struct rfc6052_pfx *pf = &ctx->pool6;
	uint8_t *l4 = p6 + XLAT_IP6_HLEN;
	uint32_t l4len = f->l4len;
	uint8_t proto = f->proto;

	/* see fast_6to4 */
	uint32_t a4 = csum_addr4(f->s4) + csum_addr4(f->d4);
	uint32_t a6 =
	    m ? csum_addr6(m->s6) + csum_addr6(m->d6) : 2 * pf->sum + a4;
	uint8_t tc = tclass_of(cfg, f->tos);
	uint8_t hlim = (uint8_t)(f->ttl - 1);
	uint8_t nh6 = proto == XLAT_IPPROTO_ICMP ? XLAT_IPPROTO_ICMPV6 : proto;

	fast_l4_step(proto, l4, end, l4len, m ? a4 : 0, m ? a6 : 2 * pf->sum,
		     a6 + xlat_htons((uint16_t)(l4len >> 16)) +
			 xlat_htons((uint16_t)l4len) +
			 xlat_htons(XLAT_IPPROTO_ICMPV6),
		     1);
	if (m && m->has_port) /* RFC 6146 §3.5: the IPv6 port */
		fast_set_port(nh6, l4, end, l4len, l4_port_off(nh6, 1),
			      m->port);

	struct xlat_ip6 *ip6 = (struct xlat_ip6 *)p6;
	ip6_hdr_build(p6, tc, l4len, nh6, hlim);
	if (m) {
		memcpy(ip6->saddr, m->s6, 16);
		memcpy(ip6->daddr, m->d6, 16);
	} else {
		rfc6052_pfx_embed(pf, f->s4, ip6->saddr);
		rfc6052_pfx_embed(pf, f->d4, ip6->daddr);
	}
}

#endif
