/*
 * xlat_parse.c - validating IPv4 and IPv6 headers and walking the IPv6
 * extension header chain, once per packet, before anything is written.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xlat_priv.h"

/* ---------------------------------------------------------------------
 * Parsing
 */

/* Header fields of an IPv4 packet of 'avail' bytes.  Outer packets
 * (inner == 0) must be complete and have a valid checksum. */
enum xlat_reason xlat_v4_parse(const uint8_t *p, uint32_t avail, int inner,
			       struct v4info *v)
{
	const struct xlat_ip4 *ip = (const struct xlat_ip4 *)p;

	if (avail < XLAT_IP4_HLEN)
		return XLAT_R_TRUNCATED;
	if ((ip->ver_ihl >> 4) != 4)
		return XLAT_R_BAD_VERSION;
	v->ip = ip;
	v->hl = (ip->ver_ihl & 0xf) * 4u;
	v->tot = xlat_ntohs(ip->tot_len);
	v->avail = avail;
	if (v->hl < XLAT_IP4_HLEN || v->hl > avail)
		return XLAT_R_BAD_IHL;
	if (v->tot < v->hl)
		return XLAT_R_BAD_TOTLEN;
	if (!inner) {
		if (v->tot > avail)
			return XLAT_R_BAD_TOTLEN;
		v->avail = v->tot;
		if (v->hl == XLAT_IP4_HLEN
			? csum_ip4_hdr(ip) != 0
			: csum_fold32(csum_partial(ip, v->hl, 0)) != 0xffff)
			return XLAT_R_BAD_IP4_CSUM;
	} else if (v->avail > v->tot) {
		v->avail = v->tot;
	}
	uint16_t fo = xlat_ntohs(ip->frag_off);
	v->off = fo & XLAT_IP4_OFFMASK;
	v->mf = !!(fo & XLAT_IP4_MF);
	v->df = !!(fo & XLAT_IP4_DF);
	return XLAT_R_NONE;
}

enum xlat_reason xlat_v6_parse(const uint8_t *p, uint32_t avail, int inner,
			       struct v6info *v)
{
	const struct xlat_ip6 *ip = (const struct xlat_ip6 *)p;

	v->has_frag = 0;
	v->foff = 0;
	v->fm = 0;
	v->fid = 0;
	v->rh_ptr = 0;
	v->proto = 0;
	v->l4off = 0;
	if (avail < XLAT_IP6_HLEN)
		return XLAT_R_TRUNCATED;
	if ((p[0] >> 4) != 6)
		return XLAT_R_BAD_VERSION;
	v->ip = ip;
	v->tot = XLAT_IP6_HLEN + xlat_ntohs(ip->plen);
	if (!ip->plen && !inner)
		return XLAT_R_BAD_PAYLOAD_LEN; /* jumbograms: not supported */
	if (v->tot > avail) {
		if (!inner)
			return XLAT_R_BAD_PAYLOAD_LEN;
		v->avail = avail;
	} else {
		v->avail = v->tot;
	}

	uint8_t nh = ip->nexthdr;
	uint32_t off = XLAT_IP6_HLEN;
	for (int i = 0; i <= EXT_MAX; i++) {
		if (nh != XLAT_IPPROTO_HOPOPTS && nh != XLAT_IPPROTO_DSTOPTS &&
		    nh != XLAT_IPPROTO_ROUTING && nh != XLAT_IPPROTO_FRAGMENT) {
			v->proto = nh;
			v->l4off = off;
			return XLAT_R_NONE;
		}
		if (i == EXT_MAX)
			break;
		if (off + 8 > v->avail)
			return XLAT_R_EXT_CHAIN;
		const struct xlat_ip6_ext *e =
		    (const struct xlat_ip6_ext *)(p + off);
		uint32_t len = (e->len + 1u) * 8;
		switch (nh) {
		case XLAT_IPPROTO_HOPOPTS:
			if (i != 0) /* RFC 8200 §4.1: only right after IPv6 */
				return XLAT_R_EXT_CHAIN;
			break;
		case XLAT_IPPROTO_ROUTING:
			if (e->segs_left && !v->rh_ptr)
				v->rh_ptr = off + 3;
			break;
		case XLAT_IPPROTO_FRAGMENT: {
			const struct xlat_ip6_frag *f =
			    (const struct xlat_ip6_frag *)e;
			if (v->has_frag)
				return XLAT_R_EXT_CHAIN;
			uint16_t om = xlat_ntohs(f->off_m);
			v->has_frag = 1;
			v->foff = om >> 3;
			v->fm = om & XLAT_IP6F_MORE;
			v->fid = xlat_ntohl(f->id);
			len = 8;
			break;
		}
		default: break;
		}
		if (off + len > v->avail)
			return XLAT_R_EXT_CHAIN;
		nh = e->nexthdr;
		off += len;
	}
	return XLAT_R_EXT_CHAIN;
}
