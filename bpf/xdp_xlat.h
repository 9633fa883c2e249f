/*
 * xdp_xlat.h - the core's fast path (dataplane/xlat/xlat.c: fast_l4_ok,
 * fast_6to4, fast_4to6, stateless: no xlat_map) for the XDP program.
 *
 * Why a copy: in the core these are static inline functions inside xlat.c,
 * so nothing else can include them, and they trust pkt->len where the BPF
 * verifier wants every read checked against data_end.  The copies below
 * keep the core's statements in the core's order and call the core's own
 * inline steps (xlat_priv.h: ip4_check, l4_header_ok, l4_readdr,
 * echo_retype, ip4_hdr_build, ip6_hdr_build, tclass_of, tos_of; rfc6052.h;
 * csum.h), so the bytes are the core's bytes; what they add are the
 * data_end checks, each placed where it cannot change a decision (a frame
 * shorter than a check is one the core's length tests refuse too).
 * Candidates to move into a core header (xlat_fast.h) that both include.
 *
 * Contract: static inline, no state; BPF builds put bpf/compat on the
 * include path (xlat_priv.h includes <string.h>).  p is the IP header, end
 * the frame's end; nothing is written unless the function returns non-zero
 * (xdp_fast_6to4) or is the write half (xdp_fast_4to6_write).
 */
#ifndef GATE64_BPF_XDP_XLAT_H
#define GATE64_BPF_XDP_XLAT_H

#include "dataplane/xlat/xlat_priv.h"

/* fast_l4_ok, with l4's bytes checked against end first.  The core has
 * already required l4len <= the bytes present, so fewer than 8 bytes (20
 * for TCP) present means l4len fails the core's own minimum. */
XLAT_INLINE int xdp_fast_l4_ok(uint8_t proto, const uint8_t *l4,
			       const uint8_t *end, uint32_t l4len, int v6)
{
	if (l4len < 8 || l4 + 8 > end)
		return 0;
	if (proto == XLAT_IPPROTO_UDP) /* a zero IPv4 UDP checksum: general */
		return l4_header_ok(proto, l4, l4len, 0) &&
		       (v6 || ((const struct xlat_udp *)l4)->csum);
	if (proto == XLAT_IPPROTO_TCP) {
		if (l4 + 20 > end)
			return 0;
		return l4_header_ok(proto, l4, l4len, 0);
	}
	if (proto == (v6 ? XLAT_IPPROTO_ICMPV6 : XLAT_IPPROTO_ICMP))
		return l4[1] == 0 &&
		       (v6 ? l4[0] == ICMP6_ECHO || l4[0] == ICMP6_ECHO_REPLY
			   : l4[0] == ICMP4_ECHO || l4[0] == ICMP4_ECHO_REPLY);
	return 0;
}

/*
 * The upper-layer step of fast_6to4/fast_4to6 (l4_readdr for TCP and UDP,
 * echo_retype for ICMP echo), one call per protocol, each behind the
 * bounds check its writes need: the verifier follows the protocol branch
 * it checked.  to6: 4to6.  0 (nothing written) if the bytes are not there,
 * which xdp_fast_l4_ok has already ruled out.
 */
XLAT_INLINE int xdp_l4_update(uint8_t proto, uint8_t *l4, const uint8_t *end,
			      uint32_t l4len, uint32_t rem, uint32_t add,
			      uint32_t pseudo6, int to6)
{
	if (proto == XLAT_IPPROTO_TCP) {
		if (l4 + 20 > end)
			return 0;
		l4_readdr(XLAT_IPPROTO_TCP, l4, l4len, rem, add);
	} else if (proto == XLAT_IPPROTO_UDP) {
		if (l4 + 8 > end)
			return 0;
		l4_readdr(XLAT_IPPROTO_UDP, l4, l4len, rem, add);
	} else {
		if (l4 + 8 > end)
			return 0;
		uint8_t t =
		    to6 ? (l4[0] == ICMP4_ECHO ? ICMP6_ECHO : ICMP6_ECHO_REPLY)
			: (l4[0] == ICMP6_ECHO ? ICMP4_ECHO : ICMP4_ECHO_REPLY);
		echo_retype(l4, l4len, t, pseudo6, to6);
	}
	return 1;
}

/*
 * fast_6to4: translate the IPv6 packet at p in place; the IPv4 header is
 * written at p + 20.  Returns the IPv4 total length (the caller moves the
 * frame's start to p + 20 and trims it to that length), or 0 with nothing
 * written.  Takes ctx->ip4_id for the Identification, as the core does.
 */
XLAT_INLINE uint32_t xdp_fast_6to4(struct xlat_ctx *ctx, uint8_t *p,
				   const uint8_t *end)
{
	const struct xlat_cfg *cfg = ctx->cfg;
	const struct rfc6052_pfx *pf = &ctx->pool6;
	const struct xlat_ip6 *ip = (const struct xlat_ip6 *)p;
	uint32_t s4, d4;

	if (p + XLAT_IP6_HLEN > end || (p[0] >> 4) != 6)
		return 0;
	uint32_t len = (uint32_t)(end - p);
	uint32_t l4len = xlat_ntohs(ip->plen);
	uint8_t proto = ip->nexthdr;
	uint8_t *l4 = p + XLAT_IP6_HLEN;
	if (XLAT_IP6_HLEN + l4len > len || ip->hlim <= 1 ||
	    XLAT_IP4_HLEN + l4len > cfg->ipv4_mtu ||
	    !xdp_fast_l4_ok(proto, l4, end, l4len, 1))
		return 0;
	if (rfc6052_pfx96_extract(pf, ip->daddr, &d4) ||
	    rfc6052_pfx96_extract(pf, ip->saddr, &s4) ||
	    ip4_check(d4, pf->wkp) || ip4_check(s4, pf->wkp))
		return 0;

	/* see fast_6to4 in xlat.c: the IPv4 parts of the sums cancel */
	uint32_t a4 = csum_addr4(s4) + csum_addr4(d4);
	uint32_t a6 = 2 * pf->sum + a4;
	uint32_t tot4 = XLAT_IP4_HLEN + l4len;
	uint8_t tos = tos_of(cfg, (uint8_t)(xlat_ntohl(ip->ver_tc_flow) >> 20));
	uint8_t ttl = (uint8_t)(ip->hlim - 1);
	uint8_t p4 = proto == XLAT_IPPROTO_ICMPV6 ? XLAT_IPPROTO_ICMP : proto;

	uint32_t pseudo6 = a6 + xlat_htons((uint16_t)(l4len >> 16)) +
			   xlat_htons((uint16_t)l4len) +
			   xlat_htons(XLAT_IPPROTO_ICMPV6);
	if (!xdp_l4_update(proto, l4, end, l4len, 2 * pf->sum, 0, pseudo6, 0))
		return 0;
	ip4_hdr_build(ctx, l4 - XLAT_IP4_HLEN, tos, tot4, ttl, p4, s4, d4);
	return tot4;
}

/* What xdp_fast_4to6_check read from the IPv4 header, for the write half
 * once the frame has grown by 20 bytes. */
struct xdp_4to6 {
	uint32_t s4, d4;
	uint32_t l4len;
	uint8_t proto, tos, ttl;
};

/* fast_4to6, its checks: 1 and *f filled when the core's fast path
 * translates the IPv4 packet at p; nothing is written. */
XLAT_INLINE int xdp_fast_4to6_check(const struct xlat_ctx *ctx,
				    const uint8_t *p, const uint8_t *end,
				    struct xdp_4to6 *f)
{
	const struct xlat_cfg *cfg = ctx->cfg;
	const struct rfc6052_pfx *pf = &ctx->pool6;
	const struct xlat_ip4 *ip = (const struct xlat_ip4 *)p;

	if (p + XLAT_IP4_HLEN > end || ip->ver_ihl != 0x45)
		return 0;
	uint32_t len = (uint32_t)(end - p);
	uint32_t tot = xlat_ntohs(ip->tot_len);
	uint16_t fo = xlat_ntohs(ip->frag_off);
	if (tot > len || tot < XLAT_IP4_HLEN ||
	    (fo & (XLAT_IP4_MF | XLAT_IP4_OFFMASK)) || ip->ttl <= 1 ||
	    csum_ip4_hdr(ip) != 0)
		return 0;
	uint32_t l4len = tot - XLAT_IP4_HLEN;
	uint8_t proto = ip->proto;
	const uint8_t *l4 = p + XLAT_IP4_HLEN;
	uint32_t limit =
	    (fo & XLAT_IP4_DF) ? cfg->ipv6_mtu : cfg->lowest_ipv6_mtu;
	if (XLAT_IP6_HLEN + l4len > limit ||
	    !xdp_fast_l4_ok(proto, l4, end, l4len, 0))
		return 0;
	uint32_t s4 = ip->saddr, d4 = ip->daddr;
	if (ip4_check(d4, pf->wkp) || ip4_check(s4, pf->wkp))
		return 0;
	f->s4 = s4;
	f->d4 = d4;
	f->l4len = l4len;
	f->proto = proto;
	f->tos = ip->tos;
	f->ttl = ip->ttl;
	return 1;
}

/* fast_4to6, its writes: p is where the IPv6 header goes, 20 bytes before
 * the IPv4 header that was checked.  0 (nothing written) only if the frame
 * is not what the check saw, which cannot happen. */
XLAT_INLINE int xdp_fast_4to6_write(const struct xlat_ctx *ctx, uint8_t *p,
				    const uint8_t *end,
				    const struct xdp_4to6 *f)
{
	const struct xlat_cfg *cfg = ctx->cfg;
	const struct rfc6052_pfx *pf = &ctx->pool6;
	uint8_t *l4 = p + XLAT_IP6_HLEN;
	uint32_t l4len = f->l4len;
	uint8_t proto = f->proto;

	/* see fast_6to4 in xlat.c */
	uint32_t a4 = csum_addr4(f->s4) + csum_addr4(f->d4);
	uint32_t a6 = 2 * pf->sum + a4;
	uint8_t tc = tclass_of(cfg, f->tos);
	uint8_t hlim = (uint8_t)(f->ttl - 1);
	uint8_t nh6 = proto == XLAT_IPPROTO_ICMP ? XLAT_IPPROTO_ICMPV6 : proto;

	uint32_t pseudo6 = a6 + xlat_htons((uint16_t)(l4len >> 16)) +
			   xlat_htons((uint16_t)l4len) +
			   xlat_htons(XLAT_IPPROTO_ICMPV6);
	if (!xdp_l4_update(proto, l4, end, l4len, 0, 2 * pf->sum, pseudo6, 1))
		return 0;

	struct xlat_ip6 *ip6 = (struct xlat_ip6 *)p;
	ip6_hdr_build(p, tc, l4len, nh6, hlim);
	rfc6052_pfx_embed(pf, f->s4, ip6->saddr);
	rfc6052_pfx_embed(pf, f->d4, ip6->daddr);
	return 1;
}

#endif
