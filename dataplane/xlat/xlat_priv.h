/*
 * xlat_priv.h - what the translator's files share: limits, the parsed
 * header summaries, the address mapping and the checksum steps (inline,
 * for the fast path), and the functions of one file that another calls.
 *
 * Contract: private to the .c files of dataplane/xlat; engines include
 * xlat.h only.
 */
#ifndef GATE64_XLAT_PRIV_H
#define GATE64_XLAT_PRIV_H

#include <string.h>

#include "csum.h"
#include "hdr.h"
#include "icmp_map.h"
#include "rfc6052.h"
#include "xlat.h"

#define EXT_MAX	      8	   /* extension headers we walk (robustness) */
#define ICMP4_ERR_MAX 576  /* RFC 1812 §4.3.2.3 / RFC 7915 §5.3 */
#define ICMP6_ERR_MAX 1280 /* RFC 4443 §2.4(c) */
#define IP4_DF_LIMIT  1260 /* RFC 7915 §5 */
#define IPV6_MIN_MTU  1280

static inline uint16_t ld16(const void *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}

/* ---------------------------------------------------------------------
 * Addresses
 */

/* A failed lookup; callers turn it into src-untranslatable or pass. */
#define MAP_NOT_FOUND XLAT_R_DST_NOT_OURS

/*
 * The address classes of rfc6052.h in one switch on the first octet:
 * reserved (never translated) first, then, when the Well-Known Prefix maps
 * the address, non-global (RFC 6052 §3.1).  Same answers as
 * ip4_is_reserved() / ip4_is_nonglobal(), which the unit tests check.
 */
XLAT_INLINE enum xlat_reason ip4_check(uint32_t a_net, int wkp)
{
	const uint8_t *b = (const uint8_t *)&a_net; /* b[0]: first octet */
	int ng;

	switch (b[0]) {
	case 0:
	case 127: return XLAT_R_ADDR_RESERVED;
	case 10: ng = 1; break;
	case 100: ng = (b[1] & 0xc0) == 64; break;
	case 169: return b[1] == 254 ? XLAT_R_ADDR_RESERVED : XLAT_R_NONE;
	case 172: ng = (b[1] & 0xf0) == 16; break;
	case 192: ng = b[1] == 168 || (b[1] == 0 && b[2] == 0); break;
	case 198: ng = (b[1] & 0xfe) == 18; break;
	default:
		if (b[0] < 224)
			return XLAT_R_NONE;
		if (b[0] < 240 || a_net == 0xffffffffu)
			return XLAT_R_ADDR_RESERVED;
		ng = 1;
		break;
	}
	return wkp && ng ? XLAT_R_WKP_NONGLOBAL : XLAT_R_NONE;
}

/* IPv4 -> IPv6: EAM first, then pool6 (RFC 7757 §3.3).  'strict' applies
 * the reserved-address and Well-Known-Prefix checks (RFC 6052 §3.1). */
static inline enum xlat_reason map46(const struct xlat_ctx *ctx, uint32_t v4,
				     uint8_t *out, int strict)
{
	if (strict && ip4_check(v4, 0))
		return XLAT_R_ADDR_RESERVED;
	if (ctx->eamt && eam_4to6(ctx->eamt, v4, out))
		return XLAT_R_NONE;
	if (!ctx->pool6.len)
		return MAP_NOT_FOUND;
	if (strict && ctx->pool6.wkp && ip4_check(v4, 1))
		return XLAT_R_WKP_NONGLOBAL;
	rfc6052_pfx_embed(&ctx->pool6, v4, out);
	return XLAT_R_NONE;
}

/* IPv6 -> IPv4: EAM first, then RFC 6052 extraction from pool6. */
static inline enum xlat_reason map64(const struct xlat_ctx *ctx,
				     const uint8_t *v6, uint32_t *out,
				     int strict, int *via_eam)
{
	int eam = ctx->eamt && eam_6to4(ctx->eamt, v6, out);

	if (!eam) {
		int rc = rfc6052_pfx_extract(&ctx->pool6, v6, out);
		if (rc > 0)
			return MAP_NOT_FOUND;
		if (rc < 0)
			return XLAT_R_SUFFIX_NONZERO;
	}
	if (via_eam)
		*via_eam = eam;
	return strict ? ip4_check(*out, !eam && ctx->pool6.wkp) : XLAT_R_NONE;
}

/* ---------------------------------------------------------------------
 * Upper layers: checksum adjustments shared by outer and inner packets
 */

/* TCP/UDP/ICMP checksum after the addresses change from 'rem' to 'add'
 * (sums of the old and new pseudo-header addresses).  'l4' has 'avail'
 * bytes; a checksum outside them is left alone (truncated inner packet). */
XLAT_INLINE void l4_readdr(uint8_t proto, uint8_t *l4, uint32_t avail,
			   uint32_t rem, uint32_t add)
{
	if (proto == XLAT_IPPROTO_TCP && avail >= 18) {
		struct xlat_tcp *t = (struct xlat_tcp *)l4;
		t->csum = csum_update(t->csum, rem, add);
	} else if (proto == XLAT_IPPROTO_UDP && avail >= 8) {
		struct xlat_udp *u = (struct xlat_udp *)l4;
		if (u->csum)
			u->csum = csum_update_udp(u->csum, rem, add);
	}
}

/* ICMPv4 echo <-> ICMPv6 echo: new type, checksum adjusted for the type
 * word and the ICMPv6 pseudo-header (RFC 7915 §4.2, §5.2). */
XLAT_INLINE void echo_retype(uint8_t *l4, uint32_t avail, uint8_t newtype,
			     uint32_t pseudo6, int to6)
{
	if (avail < 4)
		return;
	struct xlat_icmp *ic = (struct xlat_icmp *)l4;
	uint16_t oldw = ld16(ic);
	ic->type = newtype;
	uint16_t neww = ld16(ic);
	if (to6)
		ic->csum = csum_update(ic->csum, oldw, neww + pseudo6);
	else
		ic->csum = csum_update(ic->csum, oldw + pseudo6, neww);
}

/* docs/translation.md "Robustness of the upper layer": a TCP or UDP header
 * of an unfragmented packet or first fragment is whole and its length
 * fields tell the truth (the whole datagram is only here unfragmented).
 * Other protocols pass. */
static inline int l4_header_ok(uint8_t proto, const uint8_t *l4, uint32_t l4len,
			       int is_frag)
{
	if (proto == XLAT_IPPROTO_TCP) {
		uint32_t doff = l4len >= 20 ? l4[12] >> 4 : 0;
		return l4len >= 20 &&
		       (is_frag || (doff >= 5 && doff * 4 <= l4len));
	}
	if (proto == XLAT_IPPROTO_UDP) {
		uint32_t ulen = l4len >= 8 ? (uint32_t)(l4[4] << 8 | l4[5]) : 0;
		return l4len >= 8 && (is_frag || (ulen >= 8 && ulen <= l4len));
	}
	return 1;
}

/*
 * The 20-byte IPv4 header of a translated packet (RFC 7915 §5.1) at h,
 * written as three 32-bit words plus the addresses, its checksum computed
 * from those values (RFC 1071: the sum does not depend on the word size),
 * not by reading back the stores just made (a store-forwarding stall).
 * The Identification comes from the worker's counter; DF by the 1260 rule.
 */
XLAT_INLINE void ip4_hdr_build(struct xlat_ctx *ctx, uint8_t *h, uint8_t tos,
			       uint32_t tot4, uint8_t ttl, uint8_t proto,
			       uint32_t s4, uint32_t d4)
{
	struct xlat_ip4 *ip4 = (struct xlat_ip4 *)h;
	uint32_t id = ctx->ip4_id++;
	uint32_t df = (uint32_t)(tot4 > IP4_DF_LIMIT) * XLAT_IP4_DF; /* §5 */
	uint32_t w0 = xlat_htonl(0x45000000u | (uint32_t)tos << 16 | tot4);
	uint32_t w1 = xlat_htonl(id << 16 | df);
	uint32_t w2 = xlat_htonl((uint32_t)ttl << 24 | (uint32_t)proto << 16);
	uint64_t sum = (uint64_t)w0 + w1 + w2 + s4 + d4;
	sum = (sum & 0xffffffffu) + (sum >> 32);
	memcpy(h, &w0, 4);
	memcpy(h + 4, &w1, 4);
	memcpy(h + 8, &w2, 4);
	ip4->saddr = s4;
	ip4->daddr = d4;
	ip4->csum = (uint16_t)~csum_fold32((uint32_t)(sum & 0xffff) +
					   (uint32_t)(sum >> 16));
}

/* The 40-byte IPv6 header of a translated packet (RFC 7915 §4.1), flow
 * label 0. */
XLAT_INLINE void ip6_hdr_build(uint8_t *h, uint8_t tc, uint32_t plen,
			       uint8_t nh, uint8_t hlim)
{
	struct xlat_ip6 *ip6 = (struct xlat_ip6 *)h;
	ip6->ver_tc_flow = xlat_htonl(6u << 28 | (uint32_t)tc << 20);
	ip6->plen = xlat_htons((uint16_t)plen);
	ip6->nexthdr = nh;
	ip6->hlim = hlim;
}

/*
 * Stateful NAT64: write a new port (or ICMP echo identifier) at 'off' of
 * the upper layer and fix its checksum (RFC 1624); a checksum outside the
 * 'avail' bytes (a truncated quoted packet) or a zero UDP checksum is left
 * alone.  proto is the protocol of the header as it is now in memory.
 */
XLAT_INLINE void l4_set_port(uint8_t proto, uint8_t *l4, uint32_t avail,
			     uint32_t off, uint16_t port)
{
	if (avail < off + 2)
		return;
	uint16_t old = ld16(l4 + off);
	memcpy(l4 + off, &port, 2);
	if (proto == XLAT_IPPROTO_TCP && avail >= 18) {
		struct xlat_tcp *t = (struct xlat_tcp *)l4;
		t->csum = csum_update(t->csum, old, port);
	} else if (proto == XLAT_IPPROTO_UDP && avail >= 8) {
		struct xlat_udp *u = (struct xlat_udp *)l4;
		if (u->csum)
			u->csum = csum_update_udp(u->csum, old, port);
	} else if ((proto == XLAT_IPPROTO_ICMP ||
		    proto == XLAT_IPPROTO_ICMPV6) &&
		   avail >= 4) {
		struct xlat_icmp *ic = (struct xlat_icmp *)l4;
		ic->csum = csum_update(ic->csum, old, port);
	}
}

/* Where the port a NAT64 rewrites sits: the source (0) or destination (2)
 * port, or the identifier (4) of an ICMP echo. */
XLAT_INLINE uint32_t l4_port_off(uint8_t proto, int dst)
{
	if (proto == XLAT_IPPROTO_ICMP || proto == XLAT_IPPROTO_ICMPV6)
		return 4;
	return dst ? 2 : 0;
}

/* RFC 7915 §4.1 / §5.1: traffic class and TOS. */
static inline uint8_t tclass_of(const struct xlat_cfg *cfg, uint8_t tos)
{
	return tos & (uint8_t)(cfg->reset_tclass - 1);
}

static inline uint8_t tos_of(const struct xlat_cfg *cfg, uint8_t tc)
{
	return cfg->reset_tos ? cfg->new_tos : tc;
}

struct v4info {
	const struct xlat_ip4 *ip;
	uint32_t hl, tot; /* header and total length (declared) */
	uint32_t avail;	  /* bytes present from the header on */
	uint16_t off;	  /* fragment offset, 8-byte units */
	uint8_t mf, df;
};

struct v6info {
	const struct xlat_ip6 *ip;
	uint32_t tot;	  /* 40 + payload length (declared) */
	uint32_t avail;	  /* bytes present */
	uint32_t l4off;	  /* start of the upper layer */
	uint8_t proto;	  /* upper-layer protocol */
	uint8_t has_frag; /* fragment header present */
	uint16_t foff;	  /* fragment offset, 8-byte units */
	uint8_t fm;
	uint32_t fid;
	uint32_t rh_ptr; /* offset of a routing header's segments left, or 0 */
};

/* xlat_parse.c */
enum xlat_reason xlat_v4_parse(const uint8_t *p, uint32_t avail, int inner,
			       struct v4info *v);
enum xlat_reason xlat_v6_parse(const uint8_t *p, uint32_t avail, int inner,
			       struct v6info *v);

/* xlat_icmp.c: the errors the translator generates (RFC 7915 §4.4, §5.4) */
uint32_t xlat_pool6791_pick(struct xlat_ctx *ctx);
void xlat_ip4_fill(struct xlat_ctx *ctx, struct xlat_ip4 *ip, uint8_t tos,
		   uint16_t tot, uint16_t frag_off, uint8_t ttl, uint8_t proto,
		   uint32_t saddr, uint32_t daddr);
void xlat_ip6_fill(struct xlat_ip6 *ip, uint8_t tc, uint16_t plen, uint8_t nh,
		   uint8_t hlim, const uint8_t *s, const uint8_t *d);
enum xlat_verdict xlat_icmp4_send(struct xlat_ctx *ctx, struct xlat_pkt *pkt,
				  uint8_t type, uint8_t code, uint32_t rest,
				  enum xlat_reason *r);
enum xlat_verdict xlat_icmp6_send(struct xlat_ctx *ctx, struct xlat_pkt *pkt,
				  uint8_t type, uint8_t code, uint32_t rest,
				  enum xlat_reason *r);

/* xlat_4to6.c, xlat_6to4.c: the general path */
enum xlat_verdict xlat_do_4to6(struct xlat_ctx *ctx, struct xlat_pkt *pkt,
			       enum xlat_reason *r);
enum xlat_verdict xlat_do_6to4(struct xlat_ctx *ctx, struct xlat_pkt *pkt,
			       enum xlat_reason *r);

#endif
