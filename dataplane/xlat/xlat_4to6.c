/*
 * xlat_4to6.c - the general path from IPv4 to IPv6 (RFC 7915 §4): headers,
 * options, fragments, sizes, ICMPv4 and ICMPv4 errors with their inner
 * packets and RFC 4884 extensions.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xlat_priv.h"

/* ---------------------------------------------------------------------
 * IPv4 -> IPv6
 */

/* RFC 7915 §4.1: an unexpired Loose/Strict Source Route option? */
static int ip4_has_source_route(const uint8_t *opt, uint32_t len)
{
	uint32_t i = 0;
	for (int n = 0; n < 40 && i < len; n++) {
		uint8_t t = opt[i];
		if (t == 0) /* end of options */
			return 0;
		if (t == 1) { /* no operation */
			i++;
			continue;
		}
		if (i + 1 >= len)
			return 0;
		uint8_t olen = opt[i + 1];
		if (olen < 2 || i + olen > len)
			return 0;
		if ((t == 131 || t == 137) && olen >= 3 && opt[i + 2] <= olen)
			return 1;
		i += olen;
	}
	return 0;
}

static enum xlat_verdict icmp_err_4to6(struct xlat_ctx *ctx,
				       struct xlat_pkt *pkt,
				       const struct v4info *o,
				       const uint8_t *s6, const uint8_t *d6,
				       enum xlat_reason *r);

enum xlat_verdict xlat_do_4to6(struct xlat_ctx *ctx, struct xlat_pkt *pkt,
			       enum xlat_reason *r)
{
	const struct xlat_cfg *cfg = ctx->cfg;
	struct v4info v;
	uint8_t s6[16], d6[16];

	*r = xlat_v4_parse(pkt->data, pkt->len, 0, &v);
	if (*r)
		return XLAT_DROP;
	pkt->len = v.tot; /* bytes past the total length are not ours */

	const struct xlat_ip4 *ip = v.ip;
	uint8_t *l4 = pkt->data + v.hl;
	uint32_t l4len = v.tot - v.hl;
	int is_frag = v.mf || v.off;
	int is_err = 0;

	if (ip->proto == XLAT_IPPROTO_ICMP) {
		if (is_frag) {
			*r = XLAT_R_FRAG_ICMP;
			return XLAT_DROP;
		}
		if (l4len < XLAT_ICMP_HLEN) {
			*r = XLAT_R_BAD_L4;
			return XLAT_DROP;
		}
		is_err = icmp4_is_error(l4[0]);
		uint8_t t6, c6;
		enum icmp_rest rest;
		if (!is_err && icmp_map_4to6(l4[0], l4[1], &t6, &c6, &rest)) {
			*r = XLAT_R_ICMP_TYPE;
			return XLAT_DROP;
		}
	}

	/* Is it for us at all?  RFC 7915 §4.6 */
	const struct xlat_map *m = ctx->map; /* stateful: chosen for us */
	if (m) {
		memcpy(d6, m->d6, 16);
		memcpy(s6, m->s6, 16);
	} else {
		*r = map46(ctx, ip->daddr, d6, 1);
		if (*r)
			return *r == MAP_NOT_FOUND ? XLAT_PASS : XLAT_DROP;
	}

	/* RFC 7915 §4.1: the translator is a router; TTL runs out here. */
	if (ip->ttl <= 1) {
		*r = XLAT_R_TTL_EXPIRED;
		return is_err ? XLAT_DROP
			      : xlat_icmp4_send(ctx, pkt, ICMP4_TIME_EXCEEDED,
						0, 0, r);
	}
	if (v.hl > XLAT_IP4_HLEN &&
	    ip4_has_source_route(pkt->data + XLAT_IP4_HLEN,
				 v.hl - XLAT_IP4_HLEN)) {
		*r = XLAT_R_SOURCE_ROUTE;
		return is_err ? XLAT_DROP
			      : xlat_icmp4_send(ctx, pkt, ICMP4_DEST_UNREACH, 5,
						0, r);
	}

	/* RFC 7915 §4.1: an ICMP error's "illegal" source is translated. */
	*r = m ? XLAT_R_NONE : map46(ctx, ip->saddr, s6, !is_err);
	if (*r) {
		if (*r == MAP_NOT_FOUND)
			*r = XLAT_R_SRC_UNTRANSLATABLE;
		return XLAT_DROP;
	}

	if (is_err)
		return icmp_err_4to6(ctx, pkt, &v, s6, d6, r);

	/* Sizes (RFC 7915 §4.1). */
	uint32_t fh = is_frag ? XLAT_FRAG_HLEN : 0;
	int need_frag = 0;
	if (v.df && XLAT_IP6_HLEN + fh + l4len > cfg->ipv6_mtu) {
		uint32_t mtu = cfg->ipv6_mtu - XLAT_IP6_HLEN - fh + 20;
		*r = XLAT_R_TOO_BIG;
		return xlat_icmp4_send(ctx, pkt, ICMP4_DEST_UNREACH, 4,
				       xlat_htonl(mtu & 0xffff), r);
	}
	if (!v.df && XLAT_IP6_HLEN + fh + l4len > cfg->lowest_ipv6_mtu) {
		need_frag = 1;
		fh = XLAT_FRAG_HLEN;
	}
	if ((uint32_t)v.off * 8 + l4len > 0xffff) {
		*r = XLAT_R_FRAG_OVERFLOW;
		return XLAT_DROP;
	}

	/* Upper layer (RFC 7915 §4.5): checks before any write. */
	uint8_t proto = ip->proto;
	int udp0 = 0;
	if (!v.off) {
		if (!l4_header_ok(proto, l4, l4len, is_frag)) {
			*r = XLAT_R_BAD_L4;
			return XLAT_DROP;
		}
		if (proto == XLAT_IPPROTO_UDP) {
			const struct xlat_udp *u = (const struct xlat_udp *)l4;
			if (!u->csum) {
				if (is_frag) {
					*r = XLAT_R_UDP_ZERO_CSUM_FRAG;
					return XLAT_DROP;
				}
				if (cfg->udp_zero_csum == XLAT_UDP0_DROP) {
					*r = XLAT_R_UDP_ZERO_CSUM;
					return XLAT_DROP;
				}
				udp0 = 1;
			}
		}
	}

	/* Write.  Copy what we still need from the IPv4 header first: the
	 * IPv6 header overlaps it. */
	uint8_t tc = tclass_of(cfg, ip->tos);
	uint8_t hlim = (uint8_t)(ip->ttl - 1);
	uint16_t id = xlat_ntohs(ip->id);
	uint32_t rem = csum_addr4(ip->saddr) + csum_addr4(ip->daddr);
	uint8_t nh6 = proto == XLAT_IPPROTO_ICMP ? XLAT_IPPROTO_ICMPV6 : proto;
	uint32_t hdr6 = XLAT_IP6_HLEN + fh;

	pkt->data = l4 - hdr6;
	pkt->len = hdr6 + l4len;
	struct xlat_ip6 *ip6 = (struct xlat_ip6 *)pkt->data;
	xlat_ip6_fill(ip6, tc, (uint16_t)(fh + l4len),
		      fh ? XLAT_IPPROTO_FRAGMENT : nh6, hlim, s6, d6);
	if (fh) {
		struct xlat_ip6_frag *f =
		    (struct xlat_ip6_frag *)(pkt->data + XLAT_IP6_HLEN);
		f->nexthdr = nh6;
		f->reserved = 0;
		f->off_m = xlat_htons((uint16_t)(v.off << 3 | v.mf));
		f->id = xlat_htonl(id);
	}

	uint32_t add = csum_addr6(s6) + csum_addr6(d6);
	if (!v.off) {
		if (proto == XLAT_IPPROTO_ICMP) {
			echo_retype(
			    l4, l4len,
			    l4[0] == ICMP4_ECHO ? ICMP6_ECHO : ICMP6_ECHO_REPLY,
			    csum_pseudo6(ip6, l4len, XLAT_IPPROTO_ICMPV6), 1);
		} else if (udp0) {
			struct xlat_udp *u = (struct xlat_udp *)l4;
			uint16_t ulen = xlat_ntohs(u->len);
			uint32_t s = csum_pseudo6(ip6, ulen, XLAT_IPPROTO_UDP);
			uint16_t c =
			    (uint16_t)~csum_fold32(csum_partial(l4, ulen, s));
			u->csum = c ? c : 0xffff;
		} else {
			l4_readdr(proto, l4, l4len, rem, add);
		}
		if (m && m->has_port) /* RFC 6146 §3.5: the IPv6 port */
			l4_set_port(nh6, l4, l4len, l4_port_off(nh6, 1),
				    m->port);
	}
	return need_frag ? XLAT_FRAGMENT : XLAT_FORWARD;
}

/* Translate the inner IPv4 packet at 'in' (avail bytes present) into an
 * IPv6 packet at 'out' (room for avail + 28).  Returns its length, or 0
 * and sets *r. */
static uint32_t inner_4to6(const struct xlat_ctx *ctx, const uint8_t *in,
			   uint32_t avail, uint8_t *out, enum xlat_reason *r)
{
	struct v4info v;
	uint8_t s6[16], d6[16];

	if (xlat_v4_parse(in, avail, 1, &v)) {
		*r = XLAT_R_ICMP_INNER;
		return 0;
	}
	const struct xlat_ip4 *ip = v.ip;
	int is_frag = v.mf || v.off;
	const uint8_t *l4 = in + v.hl;
	uint32_t l4avail = v.avail - v.hl;
	if (ip->proto == XLAT_IPPROTO_ICMP && !v.off && l4avail >= 1 &&
	    icmp4_is_error(l4[0])) {
		*r = XLAT_R_ICMP_NESTED;
		return 0;
	}
	const struct xlat_map *m = ctx->map;
	if (m) {
		memcpy(s6, m->in_s6, 16);
		memcpy(d6, m->in_d6, 16);
	} else if (map46(ctx, ip->saddr, s6, 0) ||
		   map46(ctx, ip->daddr, d6, 0)) {
		*r = XLAT_R_ICMP_INNER;
		return 0;
	}
	uint32_t fh = is_frag ? XLAT_FRAG_HLEN : 0;
	uint8_t nh6 =
	    ip->proto == XLAT_IPPROTO_ICMP ? XLAT_IPPROTO_ICMPV6 : ip->proto;
	struct xlat_ip6 *ip6 = (struct xlat_ip6 *)out;
	xlat_ip6_fill(ip6, tclass_of(ctx->cfg, ip->tos),
		      (uint16_t)(v.tot - v.hl + fh),
		      fh ? XLAT_IPPROTO_FRAGMENT : nh6, ip->ttl, s6, d6);
	if (fh) {
		struct xlat_ip6_frag *f =
		    (struct xlat_ip6_frag *)(out + XLAT_IP6_HLEN);
		f->nexthdr = nh6;
		f->reserved = 0;
		f->off_m = xlat_htons((uint16_t)(v.off << 3 | v.mf));
		f->id = xlat_htonl(xlat_ntohs(ip->id));
	}
	uint8_t *l4o = out + XLAT_IP6_HLEN + fh;
	memcpy(l4o, l4, l4avail);
	if (!v.off) {
		if (ip->proto == XLAT_IPPROTO_ICMP) {
			if (l4avail >= 1 && (l4o[0] == ICMP4_ECHO ||
					     l4o[0] == ICMP4_ECHO_REPLY))
				echo_retype(l4o, l4avail,
					    l4o[0] == ICMP4_ECHO
						? ICMP6_ECHO
						: ICMP6_ECHO_REPLY,
					    csum_pseudo6(ip6, v.tot - v.hl,
							 XLAT_IPPROTO_ICMPV6),
					    1);
		} else {
			l4_readdr(ip->proto, l4o, l4avail,
				  csum_addr4(ip->saddr) + csum_addr4(ip->daddr),
				  csum_addr6(s6) + csum_addr6(d6));
		}
		if (m && m->has_in_port) /* the quoted packet's IPv6 port */
			l4_set_port(nh6, l4o, l4avail, l4_port_off(nh6, 0),
				    m->in_port);
	}
	return XLAT_IP6_HLEN + fh + l4avail;
}

/* RFC 7915 §4.2 "Packet Too Big": MTU for the IPv6 side. */
static uint32_t ptb_mtu_4to6(const struct xlat_cfg *cfg, uint16_t adv,
			     const uint8_t *inner, uint32_t inner_len)
{
	uint32_t mtu4 = adv;
	if (!mtu4) { /* RFC 1191 router: use the plateaus */
		uint32_t tot = 0;
		if (inner_len >= 4)
			tot = (uint32_t)inner[2] << 8 | inner[3];
		mtu4 = icmp_mtu_plateau(tot);
	}
	uint32_t mtu = mtu4 + 20;
	if (mtu > cfg->ipv6_mtu)
		mtu = cfg->ipv6_mtu;
	if (mtu > cfg->ipv4_mtu + 20u)
		mtu = cfg->ipv4_mtu + 20u;
	if (mtu < IPV6_MIN_MTU) /* RFC 7915 §5: never below 1280 */
		mtu = IPV6_MIN_MTU;
	return mtu;
}

static enum xlat_verdict icmp_err_4to6(struct xlat_ctx *ctx,
				       struct xlat_pkt *pkt,
				       const struct v4info *o,
				       const uint8_t *s6, const uint8_t *d6,
				       enum xlat_reason *r)
{
	const struct xlat_cfg *cfg = ctx->cfg;
	const uint8_t *ic = pkt->data + o->hl;
	uint32_t iclen = o->tot - o->hl;
	uint8_t t6, c6;
	enum icmp_rest rest;

	if (csum_fold32(csum_partial(ic, iclen, 0)) != 0xffff) {
		*r = XLAT_R_ICMP_CSUM;
		return XLAT_DROP;
	}
	if (icmp_map_4to6(ic[0], ic[1], &t6, &c6, &rest)) {
		*r = XLAT_R_ICMP_TYPE;
		return XLAT_DROP;
	}
	uint8_t hdr[8] = {t6, c6, 0, 0, 0, 0, 0, 0};
	if (rest == ICMP_REST_POINTER) {
		uint8_t p6;
		if (icmp_ptr_4to6(ic[4], &p6)) {
			*r = XLAT_R_ICMP_PARAM_PTR;
			return XLAT_DROP;
		}
		hdr[7] = p6;
	} else if (rest == ICMP_REST_PTR_NH) {
		hdr[7] = 6; /* the Next Header field */
	}

	/* RFC 4884: original datagram length, then the extension. */
	const uint8_t *inner = ic + 8;
	uint32_t inner_len = iclen - 8, orig_len = inner_len, ext_len = 0;
	if (ic[0] == ICMP4_DEST_UNREACH || ic[0] == ICMP4_TIME_EXCEEDED ||
	    ic[0] == ICMP4_PARAM_PROB) {
		if (ic[5]) {
			orig_len = ic[5] * 4u;
			if (orig_len < 128 || orig_len > inner_len) {
				*r = XLAT_R_ICMP_EXT;
				return XLAT_DROP;
			}
			ext_len = inner_len - orig_len;
		}
	}
	/* ICMPv6 Packet Too Big and Parameter Problem carry no length. */
	int has_len6 = t6 == ICMP6_DEST_UNREACH || t6 == ICMP6_TIME_EXCEEDED;
	if (!has_len6)
		ext_len = 0;
	if (rest == ICMP_REST_MTU) {
		uint16_t adv = (uint16_t)(ic[6] << 8 | ic[7]);
		uint32_t mtu =
		    xlat_htonl(ptb_mtu_4to6(cfg, adv, inner, orig_len));
		memcpy(hdr + 4, &mtu, 4);
	}

	/* Build the ICMPv6 body (header + translated inner + extension) in
	 * a scratch area, then lay the packet out in the buffer. */
	uint8_t body[ICMP6_ERR_MAX];
	uint32_t qmax = ICMP6_ERR_MAX - XLAT_IP6_HLEN - 8; /* inner + ext */
	uint8_t in6[ICMP6_ERR_MAX + 64];
	uint32_t in_avail = orig_len > qmax ? qmax : orig_len;
	uint32_t n = inner_4to6(ctx, inner, in_avail, in6, r);
	if (!n)
		return XLAT_DROP;
	uint32_t blen = 0;
	if (ext_len) {
		uint32_t padded = (n + 7) & ~7u;
		if (padded < 128)
			padded = 128;
		if (padded + ext_len <= qmax) {
			memcpy(body + 8, in6, n);
			memset(body + 8 + n, 0, padded - n);
			memcpy(body + 8 + padded, inner + orig_len, ext_len);
			hdr[4] = (uint8_t)(padded / 8);
			blen = 8 + padded + ext_len;
		} else {
			ext_len = 0; /* does not fit: removed, see docs */
		}
	}
	if (!ext_len) {
		if (n > qmax)
			n = qmax;
		memcpy(body + 8, in6, n);
		blen = 8 + n;
	}
	memcpy(body, hdr, 8);

	const struct xlat_ip4 *ip = o->ip;
	uint8_t tc = tclass_of(cfg, ip->tos);
	uint8_t hlim = (uint8_t)(ip->ttl - 1);
	/* Output: 40 + blen <= input + 48 + 7; start 56 bytes earlier. */
	pkt->data -= XLAT_HEADROOM - 8;
	pkt->len = XLAT_IP6_HLEN + blen;
	struct xlat_ip6 *ip6 = (struct xlat_ip6 *)pkt->data;
	xlat_ip6_fill(ip6, tc, (uint16_t)blen, XLAT_IPPROTO_ICMPV6, hlim, s6,
		      d6);
	uint8_t *b = pkt->data + XLAT_IP6_HLEN;
	memcpy(b, body, blen);
	uint32_t s = csum_pseudo6(ip6, blen, XLAT_IPPROTO_ICMPV6);
	uint16_t c = (uint16_t)~csum_fold32(csum_partial(b, blen, s));
	memcpy(b + 2, &c, 2);
	*r = XLAT_R_NONE;
	return XLAT_FORWARD;
}
