/*
 * xlat_icmp.c - the ICMP errors the translator itself generates (RFC 7915
 * §4.4, §5.4): rate limit, RFC 6791 source, building them in place.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xlat_priv.h"

static uint32_t rnd32(struct xlat_ctx *ctx)
{
	uint32_t x = ctx->rnd;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	ctx->rnd = x;
	return x;
}

/* ---------------------------------------------------------------------
 * ICMP errors the translator itself generates (RFC 7915 §4.4, §5.4)
 */

/* RFC 4443 §2.4(f): a token bucket per worker, refilled from now_ns. */
static int icmp_allow(struct xlat_ctx *ctx)
{
	const struct xlat_cfg *cfg = ctx->cfg;

	if (!cfg->icmp_rate)
		return 1;
	uint64_t elapsed = ctx->now_ns - ctx->icmp_last;
	uint64_t add = elapsed * cfg->icmp_rate / 1000000000ull;
	if (add) {
		uint64_t t = ctx->icmp_tokens + add;
		ctx->icmp_tokens =
		    (uint32_t)(t > cfg->icmp_burst ? cfg->icmp_burst : t);
		ctx->icmp_last = ctx->now_ns;
	}
	if (!ctx->icmp_tokens)
		return 0;
	ctx->icmp_tokens--;
	return 1;
}

uint32_t xlat_pool6791_pick(struct xlat_ctx *ctx)
{
	const struct xlat_cfg *cfg = ctx->cfg;
	if (cfg->pool6791_n == 1)
		return cfg->pool6791[0];
	return cfg->pool6791[rnd32(ctx) % cfg->pool6791_n];
}

/* May the translator answer with an error?  Sets *r when it may not. */
static int icmp_may_send(struct xlat_ctx *ctx, int src_ok, enum xlat_reason *r)
{
	if (!ctx->cfg->icmp_errors) {
		*r = XLAT_R_ICMP_DISABLED;
		return 0;
	}
	if (!src_ok) {
		*r = XLAT_R_NO_ICMP_SRC;
		return 0;
	}
	if (!icmp_allow(ctx)) {
		*r = XLAT_R_ICMP_RATELIMIT;
		return 0;
	}
	return 1;
}

void xlat_ip4_fill(struct xlat_ctx *ctx, struct xlat_ip4 *ip, uint8_t tos,
		   uint16_t tot, uint16_t frag_off, uint8_t ttl, uint8_t proto,
		   uint32_t saddr, uint32_t daddr)
{
	ip->ver_ihl = 0x45;
	ip->tos = tos;
	ip->tot_len = xlat_htons(tot);
	ip->id = xlat_htons(ctx->ip4_id++);
	ip->frag_off = xlat_htons(frag_off);
	ip->ttl = ttl;
	ip->proto = proto;
	ip->saddr = saddr;
	ip->daddr = daddr;
	ip->csum = 0;
	ip->csum = csum_ip4_hdr(ip);
}

/* Replace the IPv4 packet in pkt by an ICMPv4 error quoting it. */
enum xlat_verdict xlat_icmp4_send(struct xlat_ctx *ctx, struct xlat_pkt *pkt,
				  uint8_t type, uint8_t code, uint32_t rest,
				  enum xlat_reason *r)
{
	const struct xlat_ip4 *orig = (const struct xlat_ip4 *)pkt->data;

	if (!icmp_may_send(ctx, ctx->cfg->pool6791_n > 0, r))
		return XLAT_DROP;
	uint32_t saddr = orig->saddr;
	uint32_t qlen = pkt->len;
	if (qlen > ICMP4_ERR_MAX - 28)
		qlen = ICMP4_ERR_MAX - 28;
	pkt->data -= 28;
	pkt->len = 28 + qlen;
	struct xlat_ip4 *ip = (struct xlat_ip4 *)pkt->data;
	struct xlat_icmp *ic = (struct xlat_icmp *)(pkt->data + 20);
	ic->type = type;
	ic->code = code;
	ic->csum = 0;
	memcpy(&ic->un, &rest, 4);
	ic->csum = (uint16_t)~csum_fold32(csum_partial(ic, 8 + qlen, 0));
	xlat_ip4_fill(ctx, ip, 0, (uint16_t)pkt->len, 0, 64, XLAT_IPPROTO_ICMP,
		      xlat_pool6791_pick(ctx), saddr);
	return XLAT_ICMP;
}

void xlat_ip6_fill(struct xlat_ip6 *ip, uint8_t tc, uint16_t plen, uint8_t nh,
		   uint8_t hlim, const uint8_t *s, const uint8_t *d)
{
	ip->ver_tc_flow = xlat_htonl(6u << 28 | (uint32_t)tc << 20);
	ip->plen = xlat_htons(plen);
	ip->nexthdr = nh;
	ip->hlim = hlim;
	memcpy(ip->saddr, s, 16);
	memcpy(ip->daddr, d, 16);
}

/* Replace the IPv6 packet in pkt by an ICMPv6 error quoting it. */
enum xlat_verdict xlat_icmp6_send(struct xlat_ctx *ctx, struct xlat_pkt *pkt,
				  uint8_t type, uint8_t code, uint32_t rest,
				  enum xlat_reason *r)
{
	const struct xlat_ip6 *orig = (const struct xlat_ip6 *)pkt->data;

	if (!icmp_may_send(ctx, ctx->cfg->icmp6_src_set, r))
		return XLAT_DROP;
	uint8_t saddr[16];
	memcpy(saddr, orig->saddr, 16);
	uint32_t qlen = pkt->len;
	if (qlen > ICMP6_ERR_MAX - 48)
		qlen = ICMP6_ERR_MAX - 48;
	pkt->data -= 48;
	pkt->len = 48 + qlen;
	struct xlat_ip6 *ip = (struct xlat_ip6 *)pkt->data;
	struct xlat_icmp *ic = (struct xlat_icmp *)(pkt->data + 40);
	xlat_ip6_fill(ip, 0, (uint16_t)(8 + qlen), XLAT_IPPROTO_ICMPV6, 64,
		      ctx->cfg->icmp6_src, saddr);
	ic->type = type;
	ic->code = code;
	ic->csum = 0;
	memcpy(&ic->un, &rest, 4);
	uint32_t s = csum_pseudo6(ip, 8 + qlen, XLAT_IPPROTO_ICMPV6);
	ic->csum = (uint16_t)~csum_fold32(csum_partial(ic, 8 + qlen, s));
	return XLAT_ICMP;
}

/* RFC 4443 §2.4(e), RFC 1812 §4.3.2.7: may an error be sent about pkt?
 * Not about an ICMP error, a non-first fragment, or to a source that is
 * not a single host. */
static int error_allowed(const struct xlat_pkt *pkt)
{
	const uint8_t *p = pkt->data;
	if (pkt->len < 1)
		return 0;
	if ((p[0] >> 4) == 4) {
		if (pkt->len < 28)
			return 0;
		unsigned hl = (p[0] & 15) * 4u;
		if (hl < 20 || pkt->len < hl + 1)
			return 0;
		if ((p[6] & 0x1f) || p[7])
			return 0; /* not the first fragment */
		if (p[12] == 0 || p[12] >= 224 || p[12] == 127)
			return 0;
		uint8_t t = p[hl];
		return !(p[9] == XLAT_IPPROTO_ICMP &&
			 (t == 3 || t == 4 || t == 5 || t == 11 || t == 12));
	}
	if (pkt->len < 48)
		return 0;
	if (p[8] == 0xff)
		return 0; /* multicast source */
	static const uint8_t zero[16];
	if (!memcmp(p + 8, zero, 16))
		return 0;
	if (p[6] == 44 && ((p[42] << 8 | p[43]) & 0xfff8))
		return 0; /* a fragment header, not the first fragment */
	return !(p[6] == XLAT_IPPROTO_ICMPV6 && p[40] < 128);
}

enum xlat_verdict xlat_unreachable(struct xlat_ctx *ctx, struct xlat_pkt *pkt,
				   enum xlat_reason *reason)
{
	if (!error_allowed(pkt)) {
		*reason = XLAT_R_NO_ERROR_ABOUT;
		return XLAT_DROP;
	}
	*reason = XLAT_R_NONE;
	if ((pkt->data[0] >> 4) == 4) /* host unreachable */
		return xlat_icmp4_send(ctx, pkt, 3, 1, 0, reason);
	return xlat_icmp6_send(ctx, pkt, 1, 3, 0, reason); /* address unr. */
}
