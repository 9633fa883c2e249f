/*
 * dp_l2.c - ARP (RFC 826), Neighbor Discovery (RFC 4861) and ping for the
 * gateway's own addresses, over a byte buffer that starts at the Ethernet
 * header.  See dp_l2.h for the contract.
 *
 * Every read is preceded by a length check against the frame (or, past
 * the IP header, against the IP length when that is the smaller); a frame
 * is written only once it has been accepted for a reply.
 */
#include <string.h>

#include "dataplane/dpdk/dp_l2.h"
#include "dataplane/xlat/csum.h"

#define ETH_ZLEN     60 /* shortest Ethernet frame without FCS */
#define ARP_LEN	     28
#define IP4_HLEN     20
#define IP6_HLEN     40
#define ND_HLEN	     24 /* NS/NA up to and including the target */
#define ND_OPT_SLLA  1
#define ND_OPT_TLLA  2
#define ND_NA_ROUTER 0x80
#define ND_NA_SOLIC  0x40
#define ND_NA_OVERR  0x20

#define ICMP4_ECHO_REPLY   0
#define ICMP4_ECHO_REQUEST 8
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY   129
#define ICMP6_MLD_QUERY	   130
#define ICMP6_MLD_REPORT   131
#define ICMP6_MLD_DONE	   132
#define ICMP6_RS	   133
#define ICMP6_RA	   134
#define ICMP6_NS	   135
#define ICMP6_NA	   136
#define ICMP6_REDIRECT	   137
#define ICMP6_MLD2_REPORT  143

#define IP4_OPT_LSRR 131
#define IP4_OPT_SSRR 137

/* Names: the enum suffix in lowercase (checked against the X-macro by
 * test_dp_l2's reason-name test). */
static const char *const reason_names[DP_L2_R_MAX] = {
    [DP_L2_R_NONE] = "none",
    [DP_L2_R_ARP_BAD] = "arp_bad",
    [DP_L2_R_ARP_NOT_OURS] = "arp_not_ours",
    [DP_L2_R_ND_BAD] = "nd_bad",
    [DP_L2_R_ND_NOT_OURS] = "nd_not_ours",
    [DP_L2_R_ICMP_BAD_CSUM] = "icmp_bad_csum",
    [DP_L2_R_LOCAL_OTHER] = "local_other",
    [DP_L2_R_L2_OTHER] = "l2_other",
    [DP_L2_R_IGNORED6] = "ignored6",
};

static const char *const reason_explain[DP_L2_R_MAX] = {
#define DP_L2_EXPL(n, d) [DP_L2_R_##n] = d,
    DP_L2_REASONS(DP_L2_EXPL)
#undef DP_L2_EXPL
};

const char *dp_l2_reason_name(enum dp_l2_reason r)
{
	if ((unsigned)r >= DP_L2_R_MAX || !reason_names[r])
		return "?";
	return reason_names[r];
}

const char *dp_l2_reason_explain(enum dp_l2_reason r)
{
	if ((unsigned)r >= DP_L2_R_MAX)
		return "?";
	return reason_explain[r];
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t rd32n(const uint8_t *p) /* stays in network order */
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static int is_zero6(const uint8_t *a)
{
	static const uint8_t z[16];
	return memcmp(a, z, 16) == 0;
}

static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 0x01};

/* Pad a reply to the Ethernet minimum; the frame has DP_L2_FRAME_MAX
 * bytes of room (contract). */
static uint32_t pad_min(uint8_t *f, uint32_t len)
{
	if (len >= ETH_ZLEN)
		return len;
	memset(f + len, 0, ETH_ZLEN - len);
	return ETH_ZLEN;
}

void dp_l2_port_ll6(struct dp_l2_port *p)
{
	memset(p->ll6, 0, 16);
	p->ll6[0] = 0xfe;
	p->ll6[1] = 0x80;
	p->ll6[8] = p->mac[0] ^ 0x02; /* the universal/local bit inverted */
	p->ll6[9] = p->mac[1];
	p->ll6[10] = p->mac[2];
	p->ll6[11] = 0xff;
	p->ll6[12] = 0xfe;
	p->ll6[13] = p->mac[3];
	p->ll6[14] = p->mac[4];
	p->ll6[15] = p->mac[5];
}

/* ---- ARP (RFC 826) ---- */

/* Does the gateway answer ARP for ip (network order)? */
/* The IPv4 side of EAM entries is not answered for (docs/dpdk.md). */
static int ours4(const struct dp_l2_port *p, uint32_t ip)
{
	if (p->has4 && ip == p->addr4)
		return 1;
	if (p->pool4) {
		uint32_t h = xlat_ntohl(ip);
		for (uint8_t proto = 0; proto < NAT64_NPROTO; proto++)
			if (pool4_contains(p->pool4, h, proto))
				return 1;
	}
	for (unsigned i = 0; p->extra4 && i < p->n_extra4; i++)
		if (p->extra4[i] == ip)
			return 1;
	return 0;
}

static void learn_set(struct dp_l2_learn *l, int is6, const uint8_t *ip,
		      const uint8_t *mac, int solicited)
{
	l->valid = 1;
	l->is6 = (uint8_t)is6;
	memset(l->ip, 0, 16);
	memcpy(l->ip, ip, is6 ? 16 : 4);
	memcpy(l->mac, mac, 6);
	l->solicited = (uint8_t)solicited;
}

static enum dp_l2_verdict arp_input(const struct dp_l2_port *p, uint8_t *f,
				    uint32_t len, uint32_t *out_len,
				    struct dp_l2_learn *learn,
				    enum dp_l2_reason *why)
{
	uint8_t *a = f + DP_ETH_LEN;
	uint8_t sha[6];
	uint32_t spa, tpa;
	uint16_t op;

	/* RFC 826: Ethernet hardware (1), IPv4 protocol, lengths 6 and 4;
	 * opcode request (1) or reply (2).  A sender hardware address is
	 * never a group address (else we would learn broadcast). */
	if (len < DP_ETH_LEN + ARP_LEN || rd16(a) != 1 ||
	    rd16(a + 2) != DP_ETH_P_IPV4 || a[4] != 6 || a[5] != 4) {
		*why = DP_L2_R_ARP_BAD;
		return DP_L2_DROP;
	}
	op = rd16(a + 6);
	memcpy(sha, a + 8, 6);
	spa = rd32n(a + 14);
	tpa = rd32n(a + 24);
	if ((op != 1 && op != 2) || (sha[0] & 1)) {
		*why = DP_L2_R_ARP_BAD;
		return DP_L2_DROP;
	}
	/* RFC 826 merge: learn the sender of a reply, and of a request for
	 * us.  Not from an RFC 5227 probe (sender 0.0.0.0) nor for an
	 * address the gateway itself answers for (a conflict, not a
	 * neighbour). */
	int learnable = spa != 0 && !ours4(p, spa);
	if (op == 2) {
		if (learnable)
			learn_set(learn, 0, a + 14, sha, 1);
		return DP_L2_CONSUMED;
	}
	if (!ours4(p, tpa)) {
		*why = DP_L2_R_ARP_NOT_OURS;
		return DP_L2_DROP;
	}
	if (learnable)
		learn_set(learn, 0, a + 14, sha, 0);

	/* RFC 826: swap the sender and target fields, put our hardware
	 * address as sender, opcode reply; unicast to the asker. */
	memcpy(f, sha, 6);
	memcpy(f + 6, p->mac, 6);
	wr16(a + 6, 2);
	memcpy(a + 8, p->mac, 6);
	memcpy(a + 14, &tpa, 4);
	memcpy(a + 18, sha, 6);
	memcpy(a + 24, &spa, 4);
	*out_len = pad_min(f, DP_ETH_LEN + ARP_LEN);
	return DP_L2_REPLY;
}

/* ---- IPv4: ping to the gateway's own address ---- */

/* RFC 7126 §4.3/§4.4: source-routed packets are not answered; other
 * options are well formed or the packet is dropped.  1 when acceptable. */
static int ip4_opts_ok(const uint8_t *o, uint32_t n)
{
	uint32_t i = 0;

	while (i < n) {
		uint8_t t = o[i];
		if (t == 0) /* end of option list */
			return 1;
		if (t == 1) { /* no-op */
			i++;
			continue;
		}
		if (i + 2 > n || o[i + 1] < 2 || i + o[i + 1] > n)
			return 0;
		if (t == IP4_OPT_LSRR || t == IP4_OPT_SSRR)
			return 0;
		i += o[i + 1];
	}
	return 1;
}

static enum dp_l2_verdict ip4_input(const struct dp_l2_port *p, uint8_t *f,
				    uint32_t len, uint32_t *out_len,
				    enum dp_l2_reason *why)
{
	uint8_t *ip = f + DP_ETH_LEN;
	uint32_t ihl, tot, ilen, saddr;
	uint8_t *icmp;

	if (len < DP_ETH_LEN + IP4_HLEN || (ip[0] >> 4) != 4 || !p->has4 ||
	    rd32n(ip + 16) != p->addr4)
		return DP_L2_NOT_MINE;

	*why = DP_L2_R_LOCAL_OTHER;
	ihl = (uint32_t)(ip[0] & 15) * 4;
	tot = rd16(ip + 2);
	if (ihl < IP4_HLEN || tot < ihl || tot > len - DP_ETH_LEN)
		return DP_L2_DROP;
	ilen = tot - ihl;
	icmp = ip + ihl;
	/* Only whole (unfragmented) echo requests, code 0 (RFC 792). */
	if (ip[9] != XLAT_IPPROTO_ICMP || (rd16(ip + 6) & 0x3fff) || ilen < 8 ||
	    icmp[0] != ICMP4_ECHO_REQUEST || icmp[1] != 0)
		return DP_L2_DROP;
	/* RFC 1122 §3.2.1.3: never answer a source that is 0, broadcast,
	 * multicast or class E. */
	saddr = rd32n(ip + 12);
	if (saddr == 0 || ip[12] >= 224)
		return DP_L2_DROP;
	if (!ip4_opts_ok(ip + IP4_HLEN, ihl - IP4_HLEN))
		return DP_L2_DROP;
	if (csum_fold32(csum_partial(ip, ihl, 0)) != 0xffff ||
	    csum_fold32(csum_partial(icmp, ilen, 0)) != 0xffff) {
		*why = DP_L2_R_ICMP_BAD_CSUM;
		return DP_L2_DROP;
	}

	/* RFC 792 echo reply: addresses swapped, type 0, checksum redone.
	 * IP options are not echoed (RFC 1122 §3.2.2.6 says record route
	 * and timestamp SHOULD be): the reply is written in place with a
	 * 20-byte header. */
	memcpy(f, f + 6, 6);
	memcpy(f + 6, p->mac, 6);
	if (ihl > IP4_HLEN) {
		memmove(ip + IP4_HLEN, icmp, ilen);
		icmp = ip + IP4_HLEN;
	}
	ip[0] = 0x45;
	wr16(ip + 2, (uint16_t)(IP4_HLEN + ilen));
	wr16(ip + 6, 0);
	ip[8] = 64;
	memcpy(ip + 12, &p->addr4, 4);
	memcpy(ip + 16, &saddr, 4);
	wr16(ip + 10, 0);
	{
		uint16_t c = csum_ip4_hdr((const struct xlat_ip4 *)(void *)ip);
		memcpy(ip + 10, &c, 2);
	}
	icmp[0] = ICMP4_ECHO_REPLY;
	wr16(icmp + 2, 0);
	{
		uint16_t c =
		    (uint16_t)~csum_fold32(csum_partial(icmp, ilen, 0));
		memcpy(icmp + 2, &c, 2);
	}
	*why = DP_L2_R_NONE;
	*out_len = pad_min(f, DP_ETH_LEN + IP4_HLEN + ilen);
	return DP_L2_REPLY;
}

/* ---- IPv6: ND and ping ---- */

static uint32_t pseudo6(const uint8_t *src, const uint8_t *dst, uint32_t l4len)
{
	return csum_addr6(src) + csum_addr6(dst) +
	       xlat_htons((uint16_t)(l4len >> 16)) +
	       xlat_htons((uint16_t)l4len) + xlat_htons(XLAT_IPPROTO_ICMPV6);
}

static int prefix_match(const uint8_t *a, const uint8_t *pfx, unsigned plen)
{
	unsigned n = plen / 8, r = plen % 8;

	if (plen > 128)
		return 0;
	if (memcmp(a, pfx, n) != 0)
		return 0;
	if (r == 0)
		return 1;
	uint8_t m = (uint8_t)(0xff << (8 - r));
	return (a[n] & m) == (pfx[n] & m);
}

/* Does the gateway answer NS for target?  *own: one of its own addresses
 * (override flag) rather than a proxied one. */
static int ours6(const struct dp_l2_port *p, const uint8_t *t, int *own)
{
	uint32_t v4;

	*own = 0;
	if (p->has6 && (!memcmp(t, p->addr6, 16) || !memcmp(t, p->ll6, 16))) {
		*own = 1;
		return 1;
	}
	if (p->pool6 && prefix_match(t, p->pool6, p->pool6_len))
		return 1;
	return p->eamt && eam_6to4(p->eamt, t, &v4) == 1;
}

static int own6(const struct dp_l2_port *p, const uint8_t *a)
{
	return p->has6 && (!memcmp(a, p->addr6, 16) || !memcmp(a, p->ll6, 16));
}

/* RFC 4291 §2.7.1: ff02::1:ff00:0/104 */
static int is_solicited_node(const uint8_t *a)
{
	static const uint8_t pfx[13] = {0xff, 0x02, [11] = 0x01, [12] = 0xff};
	return memcmp(a, pfx, 13) == 0;
}

/* The solicited NA of RFC 4861 §7.2.4, written over the NS. */
static uint32_t na_build(const struct dp_l2_port *p, uint8_t *f,
			 const uint8_t *target, const uint8_t *to,
			 const uint8_t *to_mac, int own)
{
	uint8_t tgt[16], dst[16], dmac[6];
	uint8_t *ip = f + DP_ETH_LEN, *icmp = ip + IP6_HLEN;
	int dad = is_zero6(to);

	/* the inputs live in the frame being overwritten */
	memcpy(tgt, target, 16);
	memcpy(dst, dad ? all_nodes : to, 16);
	memcpy(dmac, to_mac, 6);
	if (dad) {
		static const uint8_t mc[6] = {0x33, 0x33, 0, 0, 0, 1};
		memcpy(dmac, mc, 6);
	}
	memcpy(f, dmac, 6);
	memcpy(f + 6, p->mac, 6);
	wr16(f + 12, DP_ETH_P_IPV6);
	ip[0] = 0x60;
	ip[1] = ip[2] = ip[3] = 0;
	wr16(ip + 4, 32);
	ip[6] = XLAT_IPPROTO_ICMPV6;
	ip[7] = 255;
	memcpy(ip + 8, tgt, 16);
	memcpy(ip + 24, dst, 16);
	memset(icmp, 0, 32);
	icmp[0] = ICMP6_NA;
	/* §7.2.4: S unless the solicitation came from :: (DAD); R: a
	 * router; §7.2.8: O clear for proxied addresses. */
	icmp[4] = (uint8_t)(ND_NA_ROUTER | (dad ? 0 : ND_NA_SOLIC) |
			    (own ? ND_NA_OVERR : 0));
	memcpy(icmp + 8, tgt, 16);
	icmp[24] = ND_OPT_TLLA;
	icmp[25] = 1;
	memcpy(icmp + 26, p->mac, 6);
	uint16_t c = (uint16_t)~csum_fold32(
	    csum_partial(icmp, 32, pseudo6(ip + 8, ip + 24, 32)));
	memcpy(icmp + 2, &c, 2);
	return DP_ETH_LEN + IP6_HLEN + 32;
}

static enum dp_l2_verdict nd_input(const struct dp_l2_port *p, uint8_t *f,
				   uint8_t *icmp, uint32_t ilen,
				   uint32_t *out_len, struct dp_l2_learn *learn,
				   enum dp_l2_reason *why)
{
	uint8_t *ip = f + DP_ETH_LEN;
	const uint8_t *src = ip + 8, *dst = ip + 24, *target = icmp + 8;
	const uint8_t *slla = NULL, *tlla = NULL;

	/* RFC 4861 §7.1.1 (NS) and §7.1.2 (NA): hop limit 255, checksum,
	 * code 0, ICMP length >= 24, target not multicast, every option
	 * with a non-zero length (and, here, inside the message). */
	*why = DP_L2_R_ND_BAD;
	if (ip[7] != 255 || ilen < ND_HLEN || icmp[1] != 0 ||
	    csum_fold32(csum_partial(icmp, ilen, pseudo6(src, dst, ilen))) !=
		0xffff ||
	    target[0] == 0xff)
		return DP_L2_DROP;
	for (uint32_t o = ND_HLEN; o < ilen;) {
		if (o + 2 > ilen || icmp[o + 1] == 0 ||
		    o + icmp[o + 1] * 8u > ilen)
			return DP_L2_DROP;
		if (icmp[o] == ND_OPT_SLLA && !slla)
			slla = icmp + o + 2;
		else if (icmp[o] == ND_OPT_TLLA && !tlla)
			tlla = icmp + o + 2;
		o += icmp[o + 1] * 8u;
	}

	if (icmp[0] == ICMP6_NA) {
		/* §7.1.2: a multicast NA is never solicited. */
		if (dst[0] == 0xff && (icmp[4] & ND_NA_SOLIC))
			return DP_L2_DROP;
		/* §7.2.5: the target's link-layer address; S confirms. */
		if (tlla && !(tlla[0] & 1))
			learn_set(learn, 1, target, tlla,
				  (icmp[4] & ND_NA_SOLIC) != 0);
		*why = DP_L2_R_NONE;
		return DP_L2_CONSUMED;
	}

	int dad = is_zero6(src), own;
	/* §7.1.1: from :: only to a solicited-node address, and no SLLA. */
	if (dad && (!is_solicited_node(dst) || slla))
		return DP_L2_DROP;
	/* §7.2.3: only for addresses assigned or proxied. */
	if (!ours6(p, target, &own)) {
		*why = DP_L2_R_ND_NOT_OURS;
		return DP_L2_DROP;
	}
	const uint8_t *to_mac = f + 6;
	if (slla && !(slla[0] & 1)) {
		learn_set(learn, 1, src, slla, 0); /* §7.2.3 */
		to_mac = slla;
	}
	*out_len = na_build(p, f, target, src, to_mac, own);
	*why = DP_L2_R_NONE;
	return DP_L2_REPLY;
}

static enum dp_l2_verdict echo6(const struct dp_l2_port *p, uint8_t *f,
				uint32_t plen, uint32_t *out_len,
				enum dp_l2_reason *why)
{
	uint8_t *ip = f + DP_ETH_LEN, *icmp = ip + IP6_HLEN;
	uint8_t a[16];

	if (plen < 8 || icmp[0] != ICMP6_ECHO_REQUEST || icmp[1] != 0 ||
	    ip[8] == 0xff || is_zero6(ip + 8))
		return DP_L2_DROP; /* LOCAL_OTHER */
	if (csum_fold32(csum_partial(
		icmp, plen, pseudo6(ip + 8, ip + 24, plen))) != 0xffff) {
		*why = DP_L2_R_ICMP_BAD_CSUM;
		return DP_L2_DROP;
	}
	/* RFC 4443 §4.2: the reply goes back from the address the request
	 * was sent to, with the request's data. */
	memcpy(f, f + 6, 6);
	memcpy(f + 6, p->mac, 6);
	memcpy(a, ip + 8, 16);
	memcpy(ip + 8, ip + 24, 16);
	memcpy(ip + 24, a, 16);
	ip[7] = 64;
	icmp[0] = ICMP6_ECHO_REPLY;
	wr16(icmp + 2, 0);
	uint16_t c = (uint16_t)~csum_fold32(
	    csum_partial(icmp, plen, pseudo6(ip + 8, ip + 24, plen)));
	memcpy(icmp + 2, &c, 2);
	*why = DP_L2_R_NONE;
	*out_len = pad_min(f, DP_ETH_LEN + IP6_HLEN + plen);
	return DP_L2_REPLY;
}

static enum dp_l2_verdict ip6_input(const struct dp_l2_port *p, uint8_t *f,
				    uint32_t len, uint32_t *out_len,
				    struct dp_l2_learn *learn,
				    enum dp_l2_reason *why)
{
	uint8_t *ip = f + DP_ETH_LEN;
	uint32_t plen, avail, lim, off = IP6_HLEN;
	uint8_t nh;

	if (len < DP_ETH_LEN + IP6_HLEN || (ip[0] >> 4) != 6)
		return DP_L2_NOT_MINE;
	plen = rd16(ip + 4);
	avail = len - DP_ETH_LEN - IP6_HLEN;
	lim = IP6_HLEN + (plen < avail ? plen : avail); /* readable bytes */
	nh = ip[6];
	/* Past hop-by-hop (MLD has one), destination options and routing
	 * headers, to find the ICMPv6 type of link control messages. */
	for (int n = 0; n < 4 && (nh == XLAT_IPPROTO_HOPOPTS ||
				  nh == XLAT_IPPROTO_DSTOPTS ||
				  nh == XLAT_IPPROTO_ROUTING);
	     n++) {
		if (off + 8 > lim)
			break;
		nh = ip[off];
		off += (ip[off + 1] + 1u) * 8;
	}
	if (nh == XLAT_IPPROTO_ICMPV6 && off < lim) {
		switch (ip[off]) {
		case ICMP6_NS:
		case ICMP6_NA:
			if (plen > avail) {
				*why = DP_L2_R_ND_BAD;
				return DP_L2_DROP;
			}
			return nd_input(p, f, ip + off, IP6_HLEN + plen - off,
					out_len, learn, why);
		case ICMP6_MLD_QUERY:
		case ICMP6_MLD_REPORT:
		case ICMP6_MLD_DONE:
		case ICMP6_MLD2_REPORT:
		case ICMP6_RS:
		case ICMP6_RA:
		case ICMP6_REDIRECT:
			*why = DP_L2_R_IGNORED6;
			return DP_L2_CONSUMED;
		default: break;
		}
	}
	if (!own6(p, ip + 24))
		return DP_L2_NOT_MINE;
	/* Ping without extension headers only; anything else to the
	 * gateway has nobody to go to. */
	*why = DP_L2_R_LOCAL_OTHER;
	if (plen > avail || ip[6] != XLAT_IPPROTO_ICMPV6)
		return DP_L2_DROP;
	return echo6(p, f, plen, out_len, why);
}

enum dp_l2_verdict dp_l2_input(const struct dp_l2_port *p, uint8_t *frame,
			       uint32_t len, uint32_t *out_len,
			       struct dp_l2_learn *learn,
			       enum dp_l2_reason *why)
{
	*out_len = 0;
	*why = DP_L2_R_NONE;
	memset(learn, 0, sizeof(*learn));
	if (len < DP_ETH_LEN) {
		*why = DP_L2_R_L2_OTHER;
		return DP_L2_DROP;
	}
	switch (rd16(frame + 12)) {
	case DP_ETH_P_ARP: return arp_input(p, frame, len, out_len, learn, why);
	case DP_ETH_P_IPV4: return ip4_input(p, frame, len, out_len, why);
	case DP_ETH_P_IPV6:
		return ip6_input(p, frame, len, out_len, learn, why);
	default: /* VLAN tags included: not in scope */
		*why = DP_L2_R_L2_OTHER;
		return DP_L2_DROP;
	}
}

/* ---- builders ---- */

uint32_t dp_arp_request(uint8_t *buf, const uint8_t *mac, uint32_t sip,
			uint32_t tip)
{
	uint8_t *a = buf + DP_ETH_LEN;

	memset(buf, 0, ETH_ZLEN);
	memset(buf, 0xff, 6);
	memcpy(buf + 6, mac, 6);
	wr16(buf + 12, DP_ETH_P_ARP);
	wr16(a, 1);
	wr16(a + 2, DP_ETH_P_IPV4);
	a[4] = 6;
	a[5] = 4;
	wr16(a + 6, 1);
	memcpy(a + 8, mac, 6);
	memcpy(a + 14, &sip, 4);
	/* target hardware address: zero (RFC 5227 §2.1.1) */
	memcpy(a + 24, &tip, 4);
	return ETH_ZLEN;
}

uint32_t dp_arp_gratuitous(uint8_t *buf, const uint8_t *mac, uint32_t ip)
{
	return dp_arp_request(buf, mac, ip, ip);
}

/* IPv6 + ICMPv6 headers of an ND message to dst from src, ilen bytes of
 * ICMP; the caller fills the ICMP body, then nd_csum. */
static uint8_t *nd_hdr(uint8_t *buf, const uint8_t *mac, const uint8_t *dmac,
		       const uint8_t *src, const uint8_t *dst, uint32_t ilen)
{
	uint8_t *ip = buf + DP_ETH_LEN;

	memset(buf, 0, DP_ETH_LEN + IP6_HLEN + ilen);
	memcpy(buf, dmac, 6);
	memcpy(buf + 6, mac, 6);
	wr16(buf + 12, DP_ETH_P_IPV6);
	ip[0] = 0x60;
	wr16(ip + 4, (uint16_t)ilen);
	ip[6] = XLAT_IPPROTO_ICMPV6;
	ip[7] = 255;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	return ip + IP6_HLEN;
}

static void nd_csum(uint8_t *buf, uint32_t ilen)
{
	uint8_t *ip = buf + DP_ETH_LEN, *icmp = ip + IP6_HLEN;
	uint16_t c = (uint16_t)~csum_fold32(
	    csum_partial(icmp, ilen, pseudo6(ip + 8, ip + 24, ilen)));
	memcpy(icmp + 2, &c, 2);
}

uint32_t dp_nd_solicit(uint8_t *buf, const uint8_t *mac, const uint8_t *src,
		       const uint8_t *target)
{
	/* RFC 4861 §7.2.2 to the solicited-node address (RFC 4291
	 * §2.7.1), from its multicast MAC (RFC 2464 §7); §4.3: no SLLA
	 * when the source is :: (DAD). */
	uint8_t dst[16] = {0xff, 0x02, [11] = 0x01, [12] = 0xff};
	uint8_t dmac[6] = {0x33, 0x33, 0xff};
	int dad = is_zero6(src);
	uint32_t ilen = ND_HLEN + (dad ? 0 : 8);
	uint8_t *icmp;

	memcpy(dst + 13, target + 13, 3);
	memcpy(dmac + 3, target + 13, 3);
	icmp = nd_hdr(buf, mac, dmac, src, dst, ilen);
	icmp[0] = ICMP6_NS;
	memcpy(icmp + 8, target, 16);
	if (!dad) {
		icmp[24] = ND_OPT_SLLA;
		icmp[25] = 1;
		memcpy(icmp + 26, mac, 6);
	}
	nd_csum(buf, ilen);
	return DP_ETH_LEN + IP6_HLEN + ilen;
}

uint32_t dp_nd_advertise(uint8_t *buf, const uint8_t *mac, const uint8_t *addr,
			 int router)
{
	static const uint8_t dmac[6] = {0x33, 0x33, 0, 0, 0, 1};
	uint32_t ilen = ND_HLEN + 8;
	uint8_t *icmp = nd_hdr(buf, mac, dmac, addr, all_nodes, ilen);

	icmp[0] = ICMP6_NA;
	/* RFC 4861 §7.2.6: unsolicited, override set */
	icmp[4] = (uint8_t)(ND_NA_OVERR | (router ? ND_NA_ROUTER : 0));
	memcpy(icmp + 8, addr, 16);
	icmp[24] = ND_OPT_TLLA;
	icmp[25] = 1;
	memcpy(icmp + 26, mac, 6);
	nd_csum(buf, ilen);
	return DP_ETH_LEN + IP6_HLEN + ilen;
}
