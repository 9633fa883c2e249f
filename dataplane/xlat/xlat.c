/*
 * xlat.c - the stateless IP/ICMP translator (RFC 7915), with RFC 6052
 * addresses, RFC 7757 EAM and RFC 6791 ICMP sources.  docs/translation.md
 * states every rule implemented here; the golden corpus checks them.
 *
 * Layout of the work, per packet: validate the header once (lengths are
 * checked before any read), decide (pass, drop, ICMP error), and only then
 * write: the original bytes stay intact until the verdict is known, so an
 * ICMP error can quote them and nothing leaves half-translated.
 */
#include <errno.h>
#include <stdio.h>
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

static const char *const reason_names[] = {
#define X(e, n, x) n,
    XLAT_REASON_LIST(X)
#undef X
};

static const char *const reason_explain[] = {
#define X(e, n, x) x,
    XLAT_REASON_LIST(X)
#undef X
};

const char *xlat_reason_name(enum xlat_reason r)
{
	return (unsigned)r < XLAT_R_MAX ? reason_names[r] : "?";
}

const char *xlat_reason_explain(enum xlat_reason r)
{
	return (unsigned)r < XLAT_R_MAX ? reason_explain[r] : "?";
}

const char *xlat_verdict_name(enum xlat_verdict v)
{
	static const char *const n[] = {"forward", "hairpin", "fragment",
					"icmp",	   "pass",    "drop"};
	return (unsigned)v < XLAT_VERDICT_MAX ? n[v] : "?";
}

void xlat_cfg_default(struct xlat_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->lowest_ipv6_mtu = IPV6_MIN_MTU;
	cfg->ipv6_mtu = 1500;
	cfg->ipv4_mtu = 1500;
	cfg->udp_zero_csum = XLAT_UDP0_COMPUTE;
	cfg->icmp_errors = 1;
	cfg->eam_hairpin = 1;
	cfg->icmp_rate = 100;
	cfg->icmp_burst = 10;
}

int xlat_cfg_check(const struct xlat_cfg *cfg, char *err, size_t errlen)
{
	if (cfg->pool6.len && !rfc6052_len_valid(cfg->pool6.len)) {
		snprintf(err, errlen,
			 "pool6 prefix length /%u: RFC 6052 §2.2 allows only "
			 "32, 40, 48, 56, 64 or 96",
			 cfg->pool6.len);
		return -EINVAL;
	}
	if (cfg->pool6.len) {
		for (int i = 0; i < 16; i++) {
			if (i * 8 >= cfg->pool6.len && cfg->pool6.addr[i]) {
				snprintf(err, errlen,
					 "pool6 prefix has bits set beyond "
					 "/%u: write the network address",
					 cfg->pool6.len);
				return -EINVAL;
			}
		}
		if (cfg->pool6.len == 96 && cfg->pool6.addr[8]) {
			snprintf(err, errlen,
				 "pool6 /96 has a non-zero u-octet (bits "
				 "64-71, RFC 6052 §2.2)");
			return -EINVAL;
		}
	}
	if (cfg->lowest_ipv6_mtu < IPV6_MIN_MTU ||
	    cfg->lowest_ipv6_mtu > cfg->ipv6_mtu) {
		snprintf(err, errlen,
			 "lowest-ipv6-mtu %u: must be at least 1280 (RFC 8200 "
			 "§5) and at most ipv6-mtu (%u)",
			 cfg->lowest_ipv6_mtu, cfg->ipv6_mtu);
		return -EINVAL;
	}
	if (cfg->ipv4_mtu < IP4_DF_LIMIT) {
		snprintf(err, errlen,
			 "ipv4-mtu %u: must be at least 1260 (RFC 7915 §5: "
			 "IPv6 packets up to 1280 bytes become IPv4 packets "
			 "up to 1260 bytes that gate64 does not fragment)",
			 cfg->ipv4_mtu);
		return -EINVAL;
	}
	if (cfg->pool6791_n > XLAT_POOL6791_MAX) {
		snprintf(err, errlen, "pool6791: at most %d addresses",
			 XLAT_POOL6791_MAX);
		return -EINVAL;
	}
	return 0;
}

void xlat_ctx_init(struct xlat_ctx *ctx, const struct xlat_cfg *cfg,
		   const struct xlat_eamt *eamt, struct xlat_stats *st,
		   uint32_t seed)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->cfg = cfg;
	ctx->eamt = eamt;
	ctx->st = st;
	ctx->rnd = seed ? seed : 0x9e3779b9u;
	ctx->icmp_tokens = cfg->icmp_burst;
}

static uint32_t rnd32(struct xlat_ctx *ctx)
{
	uint32_t x = ctx->rnd;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	ctx->rnd = x;
	return x;
}

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

/* IPv4 -> IPv6: EAM first, then pool6 (RFC 7757 §3.3).  'strict' applies
 * the reserved-address and Well-Known-Prefix checks (RFC 6052 §3.1). */
static enum xlat_reason map46(const struct xlat_ctx *ctx, uint32_t v4,
			      uint8_t *out, int strict, int *via_eam)
{
	const struct xlat_cfg *cfg = ctx->cfg;

	if (strict && ip4_is_reserved(v4))
		return XLAT_R_ADDR_RESERVED;
	if (eam_4to6(ctx->eamt, v4, out)) {
		if (via_eam)
			*via_eam = 1;
		return XLAT_R_NONE;
	}
	if (!cfg->pool6.len)
		return MAP_NOT_FOUND;
	if (strict && rfc6052_is_wkp(cfg->pool6.addr, cfg->pool6.len) &&
	    ip4_is_nonglobal(v4))
		return XLAT_R_WKP_NONGLOBAL;
	rfc6052_embed(cfg->pool6.addr, cfg->pool6.len, v4, out);
	return XLAT_R_NONE;
}

/* IPv6 -> IPv4: EAM first, then RFC 6052 extraction from pool6. */
static enum xlat_reason map64(const struct xlat_ctx *ctx, const uint8_t *v6,
			      uint32_t *out, int strict, int *via_eam)
{
	const struct xlat_cfg *cfg = ctx->cfg;
	int eam = eam_6to4(ctx->eamt, v6, out);

	if (!eam) {
		if (!cfg->pool6.len ||
		    !rfc6052_match(cfg->pool6.addr, cfg->pool6.len, v6))
			return MAP_NOT_FOUND;
		if (rfc6052_extract(cfg->pool6.len, v6, out))
			return XLAT_R_SUFFIX_NONZERO;
	}
	if (via_eam)
		*via_eam = eam;
	if (!strict)
		return XLAT_R_NONE;
	if (ip4_is_reserved(*out))
		return XLAT_R_ADDR_RESERVED;
	if (!eam && rfc6052_is_wkp(cfg->pool6.addr, cfg->pool6.len) &&
	    ip4_is_nonglobal(*out))
		return XLAT_R_WKP_NONGLOBAL;
	return XLAT_R_NONE;
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

static uint32_t pool6791_pick(struct xlat_ctx *ctx)
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

static void ip4_fill(struct xlat_ctx *ctx, struct xlat_ip4 *ip, uint8_t tos,
		     uint16_t tot, uint16_t frag_off, uint8_t ttl,
		     uint8_t proto, uint32_t saddr, uint32_t daddr)
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
static enum xlat_verdict icmp4_send(struct xlat_ctx *ctx, struct xlat_pkt *pkt,
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
	ip4_fill(ctx, ip, 0, (uint16_t)pkt->len, 0, 64, XLAT_IPPROTO_ICMP,
		 pool6791_pick(ctx), saddr);
	return XLAT_ICMP;
}

static void ip6_fill(struct xlat_ip6 *ip, uint8_t tc, uint16_t plen, uint8_t nh,
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
static enum xlat_verdict icmp6_send(struct xlat_ctx *ctx, struct xlat_pkt *pkt,
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
	ip6_fill(ip, 0, (uint16_t)(8 + qlen), XLAT_IPPROTO_ICMPV6, 64,
		 ctx->cfg->icmp6_src, saddr);
	ic->type = type;
	ic->code = code;
	ic->csum = 0;
	memcpy(&ic->un, &rest, 4);
	uint32_t s = csum_pseudo6(ip, 8 + qlen, XLAT_IPPROTO_ICMPV6);
	ic->csum = (uint16_t)~csum_fold32(csum_partial(ic, 8 + qlen, s));
	return XLAT_ICMP;
}

/* ---------------------------------------------------------------------
 * Parsing
 */

struct v4info {
	const struct xlat_ip4 *ip;
	uint32_t hl, tot; /* header and total length (declared) */
	uint32_t avail;	  /* bytes present from the header on */
	uint16_t off;	  /* fragment offset, 8-byte units */
	uint8_t mf, df;
};

/* Header fields of an IPv4 packet of 'avail' bytes.  Outer packets
 * (inner == 0) must be complete and have a valid checksum. */
static enum xlat_reason v4_parse(const uint8_t *p, uint32_t avail, int inner,
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
		if (csum_fold32(csum_partial(ip, v->hl, 0)) != 0xffff)
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

static enum xlat_reason v6_parse(const uint8_t *p, uint32_t avail, int inner,
				 struct v6info *v)
{
	const struct xlat_ip6 *ip = (const struct xlat_ip6 *)p;

	memset(v, 0, sizeof(*v));
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

/* ---------------------------------------------------------------------
 * Upper layers: checksum adjustments shared by outer and inner packets
 */

/* TCP/UDP/ICMP checksum after the addresses change from 'rem' to 'add'
 * (sums of the old and new pseudo-header addresses).  'l4' has 'avail'
 * bytes; a checksum outside them is left alone (truncated inner packet). */
static void l4_readdr(uint8_t proto, uint8_t *l4, uint32_t avail, uint32_t rem,
		      uint32_t add)
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
static void echo_retype(uint8_t *l4, uint32_t avail, uint8_t newtype,
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

static uint8_t tclass_of(const struct xlat_cfg *cfg, uint8_t tos)
{
	return cfg->reset_tclass ? 0 : tos;
}

static uint8_t tos_of(const struct xlat_cfg *cfg, uint8_t tc)
{
	return cfg->reset_tos ? cfg->new_tos : tc;
}

static enum xlat_verdict icmp_err_4to6(struct xlat_ctx *ctx,
				       struct xlat_pkt *pkt,
				       const struct v4info *o,
				       const uint8_t *s6, const uint8_t *d6,
				       enum xlat_reason *r);

static enum xlat_verdict do_4to6(struct xlat_ctx *ctx, struct xlat_pkt *pkt,
				 enum xlat_reason *r)
{
	const struct xlat_cfg *cfg = ctx->cfg;
	struct v4info v;
	uint8_t s6[16], d6[16];

	*r = v4_parse(pkt->data, pkt->len, 0, &v);
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
	*r = map46(ctx, ip->daddr, d6, 1, NULL);
	if (*r)
		return *r == MAP_NOT_FOUND ? XLAT_PASS : XLAT_DROP;

	/* RFC 7915 §4.1: the translator is a router; TTL runs out here. */
	if (ip->ttl <= 1) {
		*r = XLAT_R_TTL_EXPIRED;
		return is_err
			   ? XLAT_DROP
			   : icmp4_send(ctx, pkt, ICMP4_TIME_EXCEEDED, 0, 0, r);
	}
	if (v.hl > XLAT_IP4_HLEN &&
	    ip4_has_source_route(pkt->data + XLAT_IP4_HLEN,
				 v.hl - XLAT_IP4_HLEN)) {
		*r = XLAT_R_SOURCE_ROUTE;
		return is_err
			   ? XLAT_DROP
			   : icmp4_send(ctx, pkt, ICMP4_DEST_UNREACH, 5, 0, r);
	}

	/* RFC 7915 §4.1: an ICMP error's "illegal" source is translated. */
	*r = map46(ctx, ip->saddr, s6, !is_err, NULL);
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
		return icmp4_send(ctx, pkt, ICMP4_DEST_UNREACH, 4,
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
		if (proto == XLAT_IPPROTO_TCP) {
			const struct xlat_tcp *t = (const struct xlat_tcp *)l4;
			if (l4len < 20 ||
			    (!is_frag && ((t->doff >> 4) < 5 ||
					  (t->doff >> 4) * 4u > l4len))) {
				*r = XLAT_R_BAD_L4;
				return XLAT_DROP;
			}
		} else if (proto == XLAT_IPPROTO_UDP) {
			const struct xlat_udp *u = (const struct xlat_udp *)l4;
			uint16_t ulen = l4len >= 8 ? xlat_ntohs(u->len) : 0;
			if (l4len < 8 ||
			    (!is_frag && (ulen < 8 || ulen > l4len))) {
				*r = XLAT_R_BAD_L4;
				return XLAT_DROP;
			}
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
	ip6_fill(ip6, tc, (uint16_t)(fh + l4len),
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

	if (v4_parse(in, avail, 1, &v)) {
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
	if (map46(ctx, ip->saddr, s6, 0, NULL) ||
	    map46(ctx, ip->daddr, d6, 0, NULL)) {
		*r = XLAT_R_ICMP_INNER;
		return 0;
	}
	uint32_t fh = is_frag ? XLAT_FRAG_HLEN : 0;
	uint8_t nh6 =
	    ip->proto == XLAT_IPPROTO_ICMP ? XLAT_IPPROTO_ICMPV6 : ip->proto;
	struct xlat_ip6 *ip6 = (struct xlat_ip6 *)out;
	ip6_fill(ip6, tclass_of(ctx->cfg, ip->tos),
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
	ip6_fill(ip6, tc, (uint16_t)blen, XLAT_IPPROTO_ICMPV6, hlim, s6, d6);
	uint8_t *b = pkt->data + XLAT_IP6_HLEN;
	memcpy(b, body, blen);
	uint32_t s = csum_pseudo6(ip6, blen, XLAT_IPPROTO_ICMPV6);
	uint16_t c = (uint16_t)~csum_fold32(csum_partial(b, blen, s));
	memcpy(b + 2, &c, 2);
	*r = XLAT_R_NONE;
	return XLAT_FORWARD;
}

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

static enum xlat_verdict do_6to4(struct xlat_ctx *ctx, struct xlat_pkt *pkt,
				 enum xlat_reason *r)
{
	const struct xlat_cfg *cfg = ctx->cfg;
	struct v6info v;
	uint32_t s4, d4;
	int d_eam = 0;

	*r = v6_parse(pkt->data, pkt->len, 0, &v);
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

	*r = map64(ctx, ip->daddr, &d4, 1, &d_eam);
	if (*r)
		return *r == MAP_NOT_FOUND ? XLAT_PASS : XLAT_DROP;

	/* RFC 7915 §5.1: hop limit runs out here. */
	if (ip->hlim <= 1) {
		*r = XLAT_R_TTL_EXPIRED;
		return is_err
			   ? XLAT_DROP
			   : icmp6_send(ctx, pkt, ICMP6_TIME_EXCEEDED, 0, 0, r);
	}
	/* RFC 7915 §5.1: routing header with segments left: not ours. */
	if (v.rh_ptr) {
		*r = XLAT_R_ROUTING_HDR;
		return is_err ? XLAT_DROP
			      : icmp6_send(ctx, pkt, ICMP6_PARAM_PROB, 0,
					   xlat_htonl(v.rh_ptr), r);
	}

	*r = map64(ctx, ip->saddr, &s4, !is_err, NULL);
	if (*r == MAP_NOT_FOUND && is_err) {
		/* RFC 6791: an IPv6 router's error gets a pool address. */
		if (!cfg->pool6791_n) {
			*r = XLAT_R_NO_ICMP_SRC;
			return XLAT_DROP;
		}
		s4 = pool6791_pick(ctx);
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
		return icmp6_send(ctx, pkt, ICMP6_PACKET_TOO_BIG, 0,
				  xlat_htonl(mtu), r);
	}

	uint8_t proto = v.proto;
	if (!v.foff) {
		if (proto == XLAT_IPPROTO_TCP) {
			const struct xlat_tcp *t = (const struct xlat_tcp *)l4;
			if (l4len < 20 ||
			    (!is_frag && ((t->doff >> 4) < 5 ||
					  (t->doff >> 4) * 4u > l4len))) {
				*r = XLAT_R_BAD_L4;
				return XLAT_DROP;
			}
		} else if (proto == XLAT_IPPROTO_UDP) {
			const struct xlat_udp *u = (const struct xlat_udp *)l4;
			uint16_t ulen = l4len >= 8 ? xlat_ntohs(u->len) : 0;
			if (l4len < 8 ||
			    (!is_frag && (ulen < 8 || ulen > l4len))) {
				*r = XLAT_R_BAD_L4;
				return XLAT_DROP;
			}
		} else if (proto == XLAT_IPPROTO_ICMPV6) {
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
	const struct xlat_cfg *cfg = ctx->cfg;
	struct xlat_ip6 *ip = (struct xlat_ip6 *)pkt->data;
	uint8_t s6[16];

	if (v->proto == XLAT_IPPROTO_ICMPV6 && pkt->len > v->l4off &&
	    icmp6_is_error(pkt->data[v->l4off])) {
		*r = XLAT_R_ICMP_INNER; /* quoted addresses: not hairpinned */
		return XLAT_DROP;
	}
	if (!cfg->pool6.len) {
		*r = XLAT_R_SRC_UNTRANSLATABLE;
		return XLAT_DROP;
	}
	rfc6052_embed(cfg->pool6.addr, cfg->pool6.len, s4, s6);
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

	if (v6_parse(in, avail, 1, &v)) {
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
	if (map64(ctx, ip->saddr, &s4, 0, NULL) ||
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
	ip4_fill(ctx, ip4, tos, (uint16_t)pkt->len,
		 pkt->len > IP4_DF_LIMIT ? XLAT_IP4_DF : 0, ttl,
		 XLAT_IPPROTO_ICMP, s4, d4);
	*r = XLAT_R_NONE;
	return XLAT_FORWARD;
}

/* ---------------------------------------------------------------------
 * Entry points
 */

static inline enum xlat_verdict account(struct xlat_ctx *ctx,
					enum xlat_verdict v, enum xlat_reason r)
{
	ctx->st->verdict[v]++;
	ctx->st->reason[r]++;
	return v;
}

enum xlat_verdict xlat_6to4(struct xlat_ctx *ctx, struct xlat_pkt *pkt,
			    enum xlat_reason *reason)
{
	ctx->st->in[0]++;
	enum xlat_verdict v = do_6to4(ctx, pkt, reason);
	return account(ctx, v, *reason);
}

enum xlat_verdict xlat_4to6(struct xlat_ctx *ctx, struct xlat_pkt *pkt,
			    enum xlat_reason *reason)
{
	ctx->st->in[1]++;
	enum xlat_verdict v = do_4to6(ctx, pkt, reason);
	return account(ctx, v, *reason);
}

void xlat_6to4_burst(struct xlat_ctx *ctx, struct xlat_pkt *pkts, unsigned n,
		     uint8_t *verdicts)
{
	enum xlat_reason r;
	for (unsigned i = 0; i < n; i++)
		verdicts[i] = (uint8_t)xlat_6to4(ctx, &pkts[i], &r);
}

void xlat_4to6_burst(struct xlat_ctx *ctx, struct xlat_pkt *pkts, unsigned n,
		     uint8_t *verdicts)
{
	enum xlat_reason r;
	for (unsigned i = 0; i < n; i++)
		verdicts[i] = (uint8_t)xlat_4to6(ctx, &pkts[i], &r);
}

int xlat_frag6(struct xlat_ctx *ctx, const struct xlat_pkt *pkt,
	       struct xlat_pkt *out, unsigned n_out)
{
	const uint32_t h = XLAT_IP6_HLEN + XLAT_FRAG_HLEN;
	uint32_t maxpay = (ctx->cfg->lowest_ipv6_mtu - h) & ~7u;
	const struct xlat_ip6_frag *f =
	    (const struct xlat_ip6_frag *)(pkt->data + XLAT_IP6_HLEN);
	uint16_t om = xlat_ntohs(f->off_m);
	uint32_t pay = pkt->len - h;
	unsigned n = (pay + maxpay - 1) / maxpay;

	if (pkt->len < h || n > n_out)
		return -ENOSPC;
	for (unsigned i = 0; i < n; i++) {
		uint32_t chunk = i + 1 < n ? maxpay : pay - i * maxpay;
		uint8_t *d = out[i].data;
		memcpy(d, pkt->data, h);
		memcpy(d + h, pkt->data + h + i * maxpay, chunk);
		struct xlat_ip6 *ip = (struct xlat_ip6 *)d;
		ip->plen = xlat_htons((uint16_t)(XLAT_FRAG_HLEN + chunk));
		struct xlat_ip6_frag *nf =
		    (struct xlat_ip6_frag *)(d + XLAT_IP6_HLEN);
		uint16_t off = (uint16_t)((om >> 3) + i * maxpay / 8);
		int more = i + 1 < n ? 1 : (om & XLAT_IP6F_MORE);
		nf->off_m = xlat_htons((uint16_t)(off << 3 | more));
		out[i].len = h + chunk;
	}
	ctx->st->frags_out += n;
	return (int)n;
}
