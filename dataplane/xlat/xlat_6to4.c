/*
 * xlat_6to4.c - the general path from IPv6 to IPv4 (RFC 7915 §5): headers,
 * extension headers, fragments, sizes, ICMPv6 and ICMPv6 errors with their
 * inner packets and RFC 4884 extensions, and RFC 7757 §4.3 hairpinning.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xlat_priv.h"

/* ---------------------------------------------------------------------
 * IPv6 -> IPv4
 */

static enum xlat_verdict icmp_err_6to4(struct xlat_ctx *ctx,
				       struct xlat_pkt *pkt,
				       const struct v6info *o, uint32_t s4,
				       uint32_t d4, enum xlat_reason *r);

static enum xlat_verdict hairpin(struct xlat_ctx *ctx, struct xlat_pkt *pkt,
				 const struct v6info *v, uint32_t s4,
				 const uint8_t *d6, enum xlat_reason *r);

enum xlat_verdict xlat_do_6to4(struct xlat_ctx *ctx, struct xlat_pkt *pkt,
			       enum xlat_reason *r)
{
	const struct xlat_cfg *cfg = ctx->cfg;
	struct v6info v;
	uint32_t s4, d4;
	int d_eam = 0;

	*r = xlat_v6_parse(pkt->data, pkt->len, 0, &v);
	if (*r)
		return XLAT_DROP;
	pkt->len = v.tot;

	const struct xlat_ip6 *ip = v.ip;
	uint8_t *l4 = pkt->data + v.l4off;
	uint32_t l4len = v.tot - v.l4off;
	int is_frag = v.has_frag && (v.foff || v.fm);
	int is_err = 0;

	if (v.proto == XLAT_IPPROTO_ICMPV6) {
		if (is_frag) {
			*r = XLAT_R_FRAG_ICMP;
			return XLAT_DROP;
		}
		if (l4len < XLAT_ICMP_HLEN) {
			*r = XLAT_R_BAD_L4;
			return XLAT_DROP;
		}
		is_err = icmp6_is_error(l4[0]);
	}

	const struct xlat_map *m = ctx->map; /* stateful: chosen for us */
	if (m) {
		d4 = m->d4;
		d_eam = 1; /* no EAM hairpin in stateful mode */
	} else {
		*r = map64(ctx, ip->daddr, &d4, 1, &d_eam);
		if (*r)
			return *r == MAP_NOT_FOUND ? XLAT_PASS : XLAT_DROP;
	}

	/* RFC 7915 §5.1: hop limit runs out here. */
	if (ip->hlim <= 1) {
		*r = XLAT_R_TTL_EXPIRED;
		return is_err ? XLAT_DROP
			      : xlat_icmp6_send(ctx, pkt, ICMP6_TIME_EXCEEDED,
						0, 0, r);
	}
	/* RFC 7915 §5.1: routing header with segments left: not ours. */
	if (v.rh_ptr) {
		*r = XLAT_R_ROUTING_HDR;
		return is_err ? XLAT_DROP
			      : xlat_icmp6_send(ctx, pkt, ICMP6_PARAM_PROB, 0,
						xlat_htonl(v.rh_ptr), r);
	}

	if (m) {
		s4 = m->s4;
		*r = XLAT_R_NONE;
	} else {
		*r = map64(ctx, ip->saddr, &s4, !is_err, NULL);
	}
	if (*r == MAP_NOT_FOUND && is_err) {
		/* RFC 6791: an IPv6 router's error gets a pool address. */
		if (!cfg->pool6791_n) {
			*r = XLAT_R_NO_ICMP_SRC;
			return XLAT_DROP;
		}
		s4 = xlat_pool6791_pick(ctx);
		*r = XLAT_R_NONE;
	}
	if (*r) {
		if (*r == MAP_NOT_FOUND)
			*r = XLAT_R_SRC_UNTRANSLATABLE;
		return XLAT_DROP;
	}

	/* RFC 7757 §4.3: an EAM'd IPv4 destination reached through pool6
	 * belongs to the IPv6 side: send it back there. */
	if (!d_eam && cfg->eam_hairpin && ctx->eamt) {
		uint8_t hd6[16];
		if (eam_4to6(ctx->eamt, d4, hd6))
			return hairpin(ctx, pkt, &v, s4, hd6, r);
	}

	if (is_err)
		return icmp_err_6to4(ctx, pkt, &v, s4, d4, r);

	/* Sizes (RFC 7915 §5, §5.1). */
	uint32_t tot4 = XLAT_IP4_HLEN + l4len;
	if (tot4 > cfg->ipv4_mtu) {
		uint32_t mtu =
		    cfg->ipv4_mtu + 20u + (v.has_frag ? XLAT_FRAG_HLEN : 0);
		if (mtu < IPV6_MIN_MTU)
			mtu = IPV6_MIN_MTU;
		*r = XLAT_R_TOO_BIG;
		return xlat_icmp6_send(ctx, pkt, ICMP6_PACKET_TOO_BIG, 0,
				       xlat_htonl(mtu), r);
	}

	uint8_t proto = v.proto;
	if (!v.foff) {
		if (!l4_header_ok(proto, l4, l4len, is_frag)) {
			*r = XLAT_R_BAD_L4;
			return XLAT_DROP;
		}
		if (proto == XLAT_IPPROTO_ICMPV6) {
			uint8_t t4, c4;
			enum icmp_rest rest;
			if (icmp_map_6to4(l4[0], l4[1], &t4, &c4, &rest)) {
				*r = XLAT_R_ICMP_TYPE;
				return XLAT_DROP;
			}
		}
	}

	/* Write. */
	uint16_t frag_off;
	uint16_t id;
	if (v.has_frag) { /* RFC 7915 §5.1.1 */
		frag_off = (uint16_t)(v.foff | (v.fm ? XLAT_IP4_MF : 0));
		id = (uint16_t)v.fid;
	} else {
		frag_off = tot4 > IP4_DF_LIMIT ? XLAT_IP4_DF : 0;
		id = ctx->ip4_id++;
	}
	uint32_t pseudo = 0;
	if (proto == XLAT_IPPROTO_ICMPV6)
		pseudo = csum_pseudo6(ip, l4len, XLAT_IPPROTO_ICMPV6);
	uint32_t rem = csum_addr6(ip->saddr) + csum_addr6(ip->daddr);
	uint8_t tos = tos_of(cfg, (uint8_t)(xlat_ntohl(ip->ver_tc_flow) >> 20));
	uint8_t ttl = (uint8_t)(ip->hlim - 1);
	uint8_t p4 = proto == XLAT_IPPROTO_ICMPV6 ? XLAT_IPPROTO_ICMP : proto;

	pkt->data = l4 - XLAT_IP4_HLEN;
	pkt->len = tot4;
	struct xlat_ip4 *ip4 = (struct xlat_ip4 *)pkt->data;
	ip4->ver_ihl = 0x45;
	ip4->tos = tos;
	ip4->tot_len = xlat_htons((uint16_t)tot4);
	ip4->id = xlat_htons(id);
	ip4->frag_off = xlat_htons(frag_off);
	ip4->ttl = ttl;
	ip4->proto = p4;
	ip4->saddr = s4;
	ip4->daddr = d4;
	ip4->csum = 0;
	ip4->csum = csum_ip4_hdr(ip4);

	if (!v.foff) {
		if (proto == XLAT_IPPROTO_ICMPV6)
			echo_retype(l4, l4len,
				    l4[0] == ICMP6_ECHO ? ICMP4_ECHO
							: ICMP4_ECHO_REPLY,
				    pseudo, 0);
		else
			l4_readdr(proto, l4, l4len, rem,
				  csum_addr4(s4) + csum_addr4(d4));
		if (m && m->has_port) /* RFC 6146 §3.5: the pool4 port */
			l4_set_port(p4, l4, l4len, l4_port_off(p4, 0), m->port);
	}
	*r = XLAT_R_NONE;
	return XLAT_FORWARD;
}

/* RFC 7757 §4.3: IPv6 -> IPv6 through the translator.  The destination
 * is the EAM image, the source the pool6 image of the IPv4 source. */
static enum xlat_verdict hairpin(struct xlat_ctx *ctx, struct xlat_pkt *pkt,
				 const struct v6info *v, uint32_t s4,
				 const uint8_t *d6, enum xlat_reason *r)
{
	struct xlat_ip6 *ip = (struct xlat_ip6 *)pkt->data;
	uint8_t s6[16];

	if (v->proto == XLAT_IPPROTO_ICMPV6 && pkt->len > v->l4off &&
	    icmp6_is_error(pkt->data[v->l4off])) {
		*r = XLAT_R_ICMP_INNER; /* quoted addresses: not hairpinned */
		return XLAT_DROP;
	}
	if (!ctx->pool6.len) {
		*r = XLAT_R_SRC_UNTRANSLATABLE;
		return XLAT_DROP;
	}
	rfc6052_pfx_embed(&ctx->pool6, s4, s6);
	uint32_t rem = csum_addr6(ip->saddr) + csum_addr6(ip->daddr);
	uint32_t add = csum_addr6(s6) + csum_addr6(d6);
	memcpy(ip->saddr, s6, 16);
	memcpy(ip->daddr, d6, 16);
	ip->hlim--;
	uint8_t *l4 = pkt->data + v->l4off;
	uint32_t l4len = pkt->len - v->l4off;
	if (!v->foff) {
		if (v->proto == XLAT_IPPROTO_ICMPV6 && l4len >= 4) {
			struct xlat_icmp *ic = (struct xlat_icmp *)l4;
			ic->csum = csum_update(ic->csum, rem, add);
		} else {
			l4_readdr(v->proto, l4, l4len, rem, add);
		}
	}
	*r = XLAT_R_NONE;
	return XLAT_HAIRPIN;
}

/* Translate the inner IPv6 packet at 'in' (avail bytes present) into an
 * IPv4 packet at 'out'.  Returns its length, or 0 and sets *r. */
static uint32_t inner_6to4(const struct xlat_ctx *ctx, const uint8_t *in,
			   uint32_t avail, uint8_t *out, int *had_frag,
			   enum xlat_reason *r)
{
	struct v6info v;
	uint32_t s4, d4;

	if (xlat_v6_parse(in, avail, 1, &v)) {
		*r = XLAT_R_ICMP_INNER;
		return 0;
	}
	const struct xlat_ip6 *ip = v.ip;
	const uint8_t *l4 = in + v.l4off;
	uint32_t l4avail = v.avail - v.l4off;
	if (v.proto == XLAT_IPPROTO_ICMPV6 && !v.foff && l4avail >= 1 &&
	    icmp6_is_error(l4[0])) {
		*r = XLAT_R_ICMP_NESTED;
		return 0;
	}
	const struct xlat_map *m = ctx->map;
	if (m) {
		s4 = m->in_s4;
		d4 = m->in_d4;
	} else if (map64(ctx, ip->saddr, &s4, 0, NULL) ||
		   map64(ctx, ip->daddr, &d4, 0, NULL)) {
		*r = XLAT_R_ICMP_INNER;
		return 0;
	}
	*had_frag = v.has_frag;
	uint32_t l4tot = v.tot > v.l4off ? v.tot - v.l4off : 0;
	uint32_t tot4 = XLAT_IP4_HLEN + l4tot;
	uint16_t frag_off, id;
	if (v.has_frag) {
		frag_off = (uint16_t)(v.foff | (v.fm ? XLAT_IP4_MF : 0));
		id = (uint16_t)v.fid;
	} else {
		frag_off = tot4 > IP4_DF_LIMIT ? XLAT_IP4_DF : 0;
		id = 0;
	}
	struct xlat_ip4 *ip4 = (struct xlat_ip4 *)out;
	ip4->ver_ihl = 0x45;
	ip4->tos =
	    tos_of(ctx->cfg, (uint8_t)(xlat_ntohl(ip->ver_tc_flow) >> 20));
	ip4->tot_len = xlat_htons((uint16_t)tot4);
	ip4->id = xlat_htons(id);
	ip4->frag_off = xlat_htons(frag_off);
	ip4->ttl = ip->hlim;
	ip4->proto =
	    v.proto == XLAT_IPPROTO_ICMPV6 ? XLAT_IPPROTO_ICMP : v.proto;
	ip4->saddr = s4;
	ip4->daddr = d4;
	ip4->csum = 0;
	ip4->csum = csum_ip4_hdr(ip4);
	uint8_t *l4o = out + XLAT_IP4_HLEN;
	memcpy(l4o, l4, l4avail);
	if (!v.foff) {
		if (v.proto == XLAT_IPPROTO_ICMPV6) {
			if (l4avail >= 1 && (l4o[0] == ICMP6_ECHO ||
					     l4o[0] == ICMP6_ECHO_REPLY))
				echo_retype(l4o, l4avail,
					    l4o[0] == ICMP6_ECHO
						? ICMP4_ECHO
						: ICMP4_ECHO_REPLY,
					    csum_pseudo6(ip, l4tot,
							 XLAT_IPPROTO_ICMPV6),
					    0);
		} else {
			l4_readdr(v.proto, l4o, l4avail,
				  csum_addr6(ip->saddr) + csum_addr6(ip->daddr),
				  csum_addr4(s4) + csum_addr4(d4));
		}
		if (m && m->has_in_port) /* the quoted packet's pool4 port */
			l4_set_port(ip4->proto, l4o, l4avail,
				    l4_port_off(ip4->proto, 1), m->in_port);
	}
	return XLAT_IP4_HLEN + l4avail;
}

/* RFC 7915 §5.2 "Packet Too Big": MTU for the IPv4 side. */
static uint32_t ptb_mtu_6to4(const struct xlat_cfg *cfg, uint32_t adv,
			     int had_frag)
{
	uint32_t cut = had_frag ? 28 : 20;
	/* RFC 8200 §5: no IPv6 link is below 1280; a smaller (or zero)
	 * advertisement is taken as 1280. */
	if (adv < IPV6_MIN_MTU)
		adv = IPV6_MIN_MTU;
	uint32_t mtu = adv - cut;
	if (mtu > cfg->ipv4_mtu)
		mtu = cfg->ipv4_mtu;
	if (mtu > cfg->ipv6_mtu - 20u)
		mtu = cfg->ipv6_mtu - 20u;
	if (mtu > 0xffff)
		mtu = 0xffff;
	return mtu;
}

static enum xlat_verdict icmp_err_6to4(struct xlat_ctx *ctx,
				       struct xlat_pkt *pkt,
				       const struct v6info *o, uint32_t s4,
				       uint32_t d4, enum xlat_reason *r)
{
	const struct xlat_cfg *cfg = ctx->cfg;
	const uint8_t *ic = pkt->data + o->l4off;
	uint32_t iclen = o->tot - o->l4off;
	uint8_t t4, c4;
	enum icmp_rest rest;

	uint32_t s = csum_pseudo6(o->ip, iclen, XLAT_IPPROTO_ICMPV6);
	if (csum_fold32(csum_partial(ic, iclen, s)) != 0xffff) {
		*r = XLAT_R_ICMP_CSUM;
		return XLAT_DROP;
	}
	if (icmp_map_6to4(ic[0], ic[1], &t4, &c4, &rest)) {
		*r = XLAT_R_ICMP_TYPE;
		return XLAT_DROP;
	}
	uint8_t hdr[8] = {t4, c4, 0, 0, 0, 0, 0, 0};
	if (rest == ICMP_REST_POINTER) {
		uint32_t p6 = (uint32_t)ic[4] << 24 | (uint32_t)ic[5] << 16 |
			      (uint32_t)ic[6] << 8 | ic[7];
		if (icmp_ptr_6to4(p6, &hdr[4])) {
			*r = XLAT_R_ICMP_PARAM_PTR;
			return XLAT_DROP;
		}
	}

	const uint8_t *inner = ic + 8;
	uint32_t inner_len = iclen - 8, orig_len = inner_len, ext_len = 0;
	if ((ic[0] == ICMP6_DEST_UNREACH || ic[0] == ICMP6_TIME_EXCEEDED) &&
	    ic[4]) {
		orig_len = ic[4] * 8u;
		if (orig_len < 128 || orig_len > inner_len) {
			*r = XLAT_R_ICMP_EXT;
			return XLAT_DROP;
		}
		ext_len = inner_len - orig_len;
	}
	/* ICMPv4 3/4 carries the MTU where RFC 4884's length would be
	 * allowed, but Parameter Problem from 4/0 and 3/2 from 4/1 may:
	 * keep the extension only for types with a length field. */
	if (t4 != ICMP4_DEST_UNREACH && t4 != ICMP4_TIME_EXCEEDED &&
	    t4 != ICMP4_PARAM_PROB)
		ext_len = 0;

	uint8_t body[ICMP6_ERR_MAX];
	uint32_t qmax = ICMP4_ERR_MAX - XLAT_IP4_HLEN - 8;
	uint8_t in4[ICMP6_ERR_MAX + 64];
	uint32_t in_avail = orig_len > ICMP6_ERR_MAX ? ICMP6_ERR_MAX : orig_len;
	int had_frag = 0;
	uint32_t n = inner_6to4(ctx, inner, in_avail, in4, &had_frag, r);
	if (!n)
		return XLAT_DROP;
	if (rest == ICMP_REST_MTU) {
		uint32_t adv = (uint32_t)ic[4] << 24 | (uint32_t)ic[5] << 16 |
			       (uint32_t)ic[6] << 8 | ic[7];
		uint32_t mtu = ptb_mtu_6to4(cfg, adv, had_frag);
		hdr[6] = (uint8_t)(mtu >> 8);
		hdr[7] = (uint8_t)mtu;
	}
	uint32_t blen = 0;
	if (ext_len) {
		uint32_t padded = (n + 3) & ~3u;
		if (padded < 128)
			padded = 128;
		if (padded + ext_len <= qmax) {
			memcpy(body + 8, in4, n);
			memset(body + 8 + n, 0, padded - n);
			memcpy(body + 8 + padded, inner + orig_len, ext_len);
			hdr[5] = (uint8_t)(padded / 4);
			blen = 8 + padded + ext_len;
		} else {
			ext_len = 0;
		}
	}
	if (!ext_len) {
		if (n > qmax)
			n = qmax;
		memcpy(body + 8, in4, n);
		blen = 8 + n;
	}
	memcpy(body, hdr, 8);

	const struct xlat_ip6 *ip = o->ip;
	uint8_t tos = tos_of(cfg, (uint8_t)(xlat_ntohl(ip->ver_tc_flow) >> 20));
	uint8_t ttl = (uint8_t)(ip->hlim - 1);
	pkt->len = XLAT_IP4_HLEN + blen;
	struct xlat_ip4 *ip4 = (struct xlat_ip4 *)pkt->data;
	uint8_t *b = pkt->data + XLAT_IP4_HLEN;
	memcpy(b, body, blen);
	uint16_t c = (uint16_t)~csum_fold32(csum_partial(b, blen, 0));
	memcpy(b + 2, &c, 2);
	xlat_ip4_fill(ctx, ip4, tos, (uint16_t)pkt->len,
		      pkt->len > IP4_DF_LIMIT ? XLAT_IP4_DF : 0, ttl,
		      XLAT_IPPROTO_ICMP, s4, d4);
	*r = XLAT_R_NONE;
	return XLAT_FORWARD;
}
