/*
 * test_dp_l2.c - what the gateway says on the link in dpdk mode
 * (dataplane/dpdk/dp_l2.h): ARP (RFC 826) for its own, pool4, EAM and
 * extra addresses; Neighbor Discovery (RFC 4861) validation (§7.1.1,
 * §7.1.2), solicited NAs with their R/S/O flags (§7.2.4, §7.2.8) and
 * learning (§7.2.3, §7.2.5); ping to its own addresses (RFC 792, RFC
 * 4443 §4); every verdict and reason; truncated frames at every length;
 * the builders.  Checksums are verified by recomputing them.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/dpdk/dp_l2.h"
#include "dataplane/xlat/csum.h"

static const uint8_t GW_MAC[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t PEER_MAC[6] = {0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee};
static const uint8_t OTHER_MAC[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};

struct fx {
	struct dp_l2_port p;
	struct pool4_cfg pool4;
	struct xlat_eamt *eamt;
	uint8_t pool6[16];
	uint32_t extra4[1];
};

static uint32_t v4(const char *s)
{
	uint32_t a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static void v6(const char *s, uint8_t *a)
{
	assert_int_equal(inet_pton(AF_INET6, s, a), 1);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	uint8_t e6[16];
	char msg[128];

	assert_non_null(f);
	f->eamt = malloc(sizeof(*f->eamt));
	assert_non_null(f->eamt);
	eam_init(f->eamt);
	v6("2001:db8:e::7", e6);
	assert_int_equal(
	    eam_add(f->eamt, v4("198.51.100.7"), 32, e6, 128, msg, sizeof(msg)),
	    0);
	eam_build(f->eamt);
	f->pool4.nworkers = 1;
	f->pool4.n = 1;
	f->pool4.r[0].addr = ntohl(v4("203.0.113.5"));
	f->pool4.r[0].proto = NAT64_UDP;
	f->pool4.r[0].min = 1024;
	f->pool4.r[0].max = 65535;
	v6("64:ff9b::", f->pool6);
	f->extra4[0] = v4("192.0.2.99");

	memcpy(f->p.mac, GW_MAC, 6);
	f->p.has4 = f->p.has6 = 1;
	f->p.addr4 = v4("192.0.2.1");
	v6("2001:db8::1", f->p.addr6);
	dp_l2_port_ll6(&f->p);
	f->p.pool4 = &f->pool4;
	f->p.eamt = f->eamt;
	f->p.pool6 = f->pool6;
	f->p.pool6_len = 96;
	f->p.extra4 = f->extra4;
	f->p.n_extra4 = 1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	free(f->eamt);
	free(f);
	return 0;
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

static uint32_t rd32n(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* ---- frames ---- */

static void eth(uint8_t *b, const uint8_t *dst, const uint8_t *src,
		uint16_t type)
{
	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	wr16(b + 12, type);
}

static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static uint32_t arp(uint8_t *b, uint16_t op, const uint8_t *sha, uint32_t spa,
		    const uint8_t *tha, uint32_t tpa)
{
	uint8_t *a = b + 14;
	eth(b, op == 1 ? BCAST : tha, sha, DP_ETH_P_ARP);
	wr16(a, 1);
	wr16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	wr16(a + 6, op);
	memcpy(a + 8, sha, 6);
	memcpy(a + 14, &spa, 4);
	memcpy(a + 18, tha, 6);
	memcpy(a + 24, &tpa, 4);
	return 42;
}

static uint16_t fold_inv(uint32_t s)
{
	return (uint16_t)~csum_fold32(s);
}

static uint32_t pseudo6(const uint8_t *ip, uint32_t l)
{
	return csum_addr6(ip + 8) + csum_addr6(ip + 24) + htons((uint16_t)l) +
	       htons(58);
}

/* ICMPv6 checksum of a frame (no extension headers) is right. */
static void assert_icmp6_csum(const uint8_t *b)
{
	const uint8_t *ip = b + 14;
	uint32_t l = rd16(ip + 4);
	assert_int_equal(csum_fold32(csum_partial(ip + 40, l, pseudo6(ip, l))),
			 0xffff);
}

static void assert_ip4_csums(const uint8_t *b)
{
	const uint8_t *ip = b + 14;
	uint32_t ihl = (ip[0] & 15) * 4u, tot = rd16(ip + 2);
	assert_int_equal(csum_fold32(csum_partial(ip, ihl, 0)), 0xffff);
	assert_int_equal(csum_fold32(csum_partial(ip + ihl, tot - ihl, 0)),
			 0xffff);
}

/* IPv6 + ICMPv6 with body (type, code and the rest; the checksum is
 * computed unless bad_csum).  ext: a hop-by-hop header of 8 bytes first
 * (MLD style, router alert). */
static uint32_t icmp6(uint8_t *b, const uint8_t *dmac, const char *src,
		      const char *dst, uint8_t hlim, const uint8_t *body,
		      uint32_t blen, int ext)
{
	uint8_t *ip = b + 14, *icmp;
	uint32_t off = ext ? 8 : 0;

	memset(b, 0, 14 + 40 + off + blen);
	eth(b, dmac, PEER_MAC, DP_ETH_P_IPV6);
	ip[0] = 0x60;
	wr16(ip + 4, (uint16_t)(off + blen));
	ip[6] = ext ? 0 : 58;
	ip[7] = hlim;
	v6(src, ip + 8);
	v6(dst, ip + 24);
	if (ext) {
		static const uint8_t hbh[8] = {58, 0, 5, 2, 0, 0, 1, 0};
		memcpy(ip + 40, hbh, 8);
	}
	icmp = ip + 40 + off;
	memcpy(icmp, body, blen);
	icmp[2] = icmp[3] = 0;
	uint16_t c = fold_inv(csum_partial(icmp, blen, pseudo6(ip, blen)));
	memcpy(icmp + 2, &c, 2);
	return 14 + 40 + off + blen;
}

static const uint8_t MC_SOL[6] = {0x33, 0x33, 0xff, 0, 0, 1};

/* NS for target, with a SLLA option (PEER_MAC) when slla. */
static uint32_t ns(uint8_t *b, const char *src, const char *dst,
		   const char *target, int slla)
{
	uint8_t body[32] = {135, 0};
	v6(target, body + 8);
	if (slla) {
		body[24] = 1;
		body[25] = 1;
		memcpy(body + 26, PEER_MAC, 6);
	}
	return icmp6(b, MC_SOL, src, dst, 255, body, slla ? 32 : 24, 0);
}

static uint32_t na(uint8_t *b, const char *src, const char *dst,
		   const char *target, uint8_t flags, int tlla)
{
	uint8_t body[32] = {136, 0};
	body[4] = flags;
	v6(target, body + 8);
	if (tlla) {
		body[24] = 2;
		body[25] = 1;
		memcpy(body + 26, PEER_MAC, 6);
	}
	return icmp6(b, GW_MAC, src, dst, 255, body, tlla ? 32 : 24, 0);
}

/* IPv4 ICMP (or another protocol) packet; opts: bytes of IP options. */
static uint32_t ip4(uint8_t *b, const char *src, const char *dst, uint8_t proto,
		    const uint8_t *opts, uint32_t olen, const uint8_t *body,
		    uint32_t blen)
{
	uint8_t *ip = b + 14;
	uint32_t ihl = 20 + olen;

	memset(b, 0, 14 + ihl + blen);
	eth(b, GW_MAC, PEER_MAC, DP_ETH_P_IPV4);
	ip[0] = (uint8_t)(0x40 | ihl / 4);
	wr16(ip + 2, (uint16_t)(ihl + blen));
	wr16(ip + 4, 0x1234);
	wr16(ip + 6, 0x4000); /* DF */
	ip[8] = 57;
	ip[9] = proto;
	uint32_t s = v4(src), d = v4(dst);
	memcpy(ip + 12, &s, 4);
	memcpy(ip + 16, &d, 4);
	if (olen)
		memcpy(ip + 20, opts, olen);
	memcpy(ip + ihl, body, blen);
	if (proto == 1) {
		uint8_t *ic = ip + ihl;
		ic[2] = ic[3] = 0;
		uint16_t c = fold_inv(csum_partial(ic, blen, 0));
		memcpy(ic + 2, &c, 2);
	}
	uint16_t c = fold_inv(csum_partial(ip, ihl, 0));
	memcpy(ip + 10, &c, 2);
	return 14 + ihl + blen;
}

static const uint8_t ECHO4[16] = {8,   0,   0,	 0,   0xbe, 0xef, 0x00, 0x07,
				  'p', 'i', 'n', 'g', '-',  'd',  'a',	't'};
static const uint8_t ECHO6[16] = {128, 0,   0,	 0,   0xbe, 0xef, 0x00, 0x07,
				  'p', 'i', 'n', 'g', '-',  'd',  'a',	't'};

static enum dp_l2_verdict run(const struct fx *f, uint8_t *b, uint32_t len,
			      uint32_t *out, struct dp_l2_learn *l,
			      enum dp_l2_reason *why)
{
	*out = 12345;
	*why = DP_L2_R_MAX;
	memset(l, 0xa5, sizeof(*l));
	return dp_l2_input(&f->p, b, len, out, l, why);
}

/* verdict, reason, and an untouched frame unless a reply */
static void expect(const struct fx *f, uint8_t *b, uint32_t len,
		   enum dp_l2_verdict v, enum dp_l2_reason r)
{
	uint8_t copy[DP_L2_FRAME_MAX];
	uint32_t out;
	struct dp_l2_learn l;
	enum dp_l2_reason why;

	memcpy(copy, b, len);
	assert_int_equal(run(f, b, len, &out, &l, &why), v);
	assert_int_equal(why, r);
	if (v != DP_L2_REPLY) {
		assert_memory_equal(copy, b, len);
		assert_int_equal(out, 0);
	}
}

/* ---- ARP ---- */

static void check_arp_reply(const struct fx *f, const uint8_t *b,
			    uint32_t tpa_asked, uint32_t asker)
{
	const uint8_t *a = b + 14;
	(void)f;
	assert_memory_equal(b, PEER_MAC, 6); /* unicast back */
	assert_memory_equal(b + 6, GW_MAC, 6);
	assert_int_equal(rd16(b + 12), DP_ETH_P_ARP);
	assert_int_equal(rd16(a), 1);	       /* hrd: Ethernet */
	assert_int_equal(rd16(a + 2), 0x0800); /* pro: IPv4 */
	assert_int_equal(a[4], 6);
	assert_int_equal(a[5], 4);
	assert_int_equal(rd16(a + 6), 2);	    /* op: reply */
	assert_memory_equal(a + 8, GW_MAC, 6);	    /* sha */
	assert_int_equal(rd32n(a + 14), tpa_asked); /* spa */
	assert_memory_equal(a + 18, PEER_MAC, 6);   /* tha */
	assert_int_equal(rd32n(a + 24), asker);	    /* tpa */
	for (int i = 42; i < 60; i++)
		assert_int_equal(b[i], 0); /* padding */
}

static void arp_request_answered(const struct fx *f, const char *target)
{
	uint8_t b[DP_L2_FRAME_MAX];
	uint32_t out, len;
	struct dp_l2_learn l;
	enum dp_l2_reason why;
	static const uint8_t zero[6];

	len = arp(b, 1, PEER_MAC, v4("192.0.2.50"), zero, v4(target));
	memset(b + len, 0x77, sizeof(b) - len);
	assert_int_equal(run(f, b, len, &out, &l, &why), DP_L2_REPLY);
	assert_int_equal(why, DP_L2_R_NONE);
	assert_int_equal(out, 60);
	check_arp_reply(f, b, v4(target), v4("192.0.2.50"));
	/* RFC 826: the asker is learned (not a confirmation) */
	assert_int_equal(l.valid, 1);
	assert_int_equal(l.is6, 0);
	assert_int_equal(rd32n(l.ip), v4("192.0.2.50"));
	assert_memory_equal(l.mac, PEER_MAC, 6);
	assert_int_equal(l.solicited, 0);
}

static void test_rfc826_request_own_addr(void **state)
{
	arp_request_answered(*state, "192.0.2.1");
}

static void test_rfc826_request_pool4_addr(void **state)
{
	arp_request_answered(*state, "203.0.113.5");
}

/* docs/dpdk.md: the IPv4 side of an EAM entry is a real IPv4 host (a
 * portal) or routed to the gateway: never answered for, and its own ARP
 * replies are learned (the portal is a next hop). */
static void test_rfc826_request_eam_addr_not_answered(void **state)
{
	struct fx *f = *state;
	uint8_t b[DP_L2_FRAME_MAX];
	uint32_t len, out;
	struct dp_l2_learn l;
	enum dp_l2_reason why;
	static const uint8_t zero[6];

	len = arp(b, 1, PEER_MAC, v4("192.0.2.50"), zero, v4("198.51.100.7"));
	expect(f, b, len, DP_L2_DROP, DP_L2_R_ARP_NOT_OURS);
	len = arp(b, 2, PEER_MAC, v4("198.51.100.7"), GW_MAC, v4("192.0.2.1"));
	assert_int_equal(run(f, b, len, &out, &l, &why), DP_L2_CONSUMED);
	assert_int_equal(l.valid, 1);
	assert_int_equal(rd32n(l.ip), v4("198.51.100.7"));
	assert_int_equal(l.solicited, 1);
}

static void test_rfc826_request_extra4_addr(void **state)
{
	arp_request_answered(*state, "192.0.2.99");
}

static void test_rfc826_request_not_ours(void **state)
{
	struct fx *f = *state;
	uint8_t b[DP_L2_FRAME_MAX];
	uint32_t len, out;
	struct dp_l2_learn l;
	enum dp_l2_reason why;
	static const uint8_t zero[6];

	len = arp(b, 1, PEER_MAC, v4("192.0.2.50"), zero, v4("192.0.2.2"));
	expect(f, b, len, DP_L2_DROP, DP_L2_R_ARP_NOT_OURS);
	assert_int_equal(run(f, b, len, &out, &l, &why), DP_L2_DROP);
	assert_int_equal(l.valid, 0); /* RFC 826: not for us, not merged */
	/* a gratuitous ARP of a neighbour is not for us either */
	len = arp(b, 1, PEER_MAC, v4("192.0.2.50"), zero, v4("192.0.2.50"));
	expect(f, b, len, DP_L2_DROP, DP_L2_R_ARP_NOT_OURS);
	/* no IPv4 on the port: its address is not answered */
	f->p.has4 = 0;
	len = arp(b, 1, PEER_MAC, v4("192.0.2.50"), zero, v4("192.0.2.1"));
	expect(f, b, len, DP_L2_DROP, DP_L2_R_ARP_NOT_OURS);
}

static void test_rfc826_reply_learned_as_confirmation(void **state)
{
	struct fx *f = *state;
	uint8_t b[DP_L2_FRAME_MAX];
	uint32_t len, out;
	struct dp_l2_learn l;
	enum dp_l2_reason why;

	len = arp(b, 2, PEER_MAC, v4("192.0.2.254"), GW_MAC, v4("192.0.2.1"));
	expect(f, b, len, DP_L2_CONSUMED, DP_L2_R_NONE);
	assert_int_equal(run(f, b, len, &out, &l, &why), DP_L2_CONSUMED);
	assert_int_equal(l.valid, 1);
	assert_int_equal(l.is6, 0);
	assert_int_equal(rd32n(l.ip), v4("192.0.2.254"));
	assert_memory_equal(l.ip + 4, (uint8_t[12]){0}, 12);
	assert_memory_equal(l.mac, PEER_MAC, 6);
	assert_int_equal(l.solicited, 1);
}

static void test_rfc5227_probe_answered_not_learned(void **state)
{
	struct fx *f = *state;
	uint8_t b[DP_L2_FRAME_MAX];
	uint32_t len, out;
	struct dp_l2_learn l;
	enum dp_l2_reason why;
	static const uint8_t zero[6];

	/* RFC 5227 §2.1.1: a probe has sender IP 0.0.0.0 */
	len = arp(b, 1, PEER_MAC, 0, zero, v4("192.0.2.1"));
	assert_int_equal(run(f, b, len, &out, &l, &why), DP_L2_REPLY);
	assert_int_equal(l.valid, 0);
	check_arp_reply(f, b, v4("192.0.2.1"), 0);
}

static void test_rfc826_malformed(void **state)
{
	struct fx *f = *state;
	uint8_t b[DP_L2_FRAME_MAX];
	uint32_t len;
	static const uint8_t zero[6];
	static const uint8_t mcast[6] = {0x01, 0, 0x5e, 0, 0, 1};
	/* offset in the ARP header, value: hrd, pro, hln, pln, op */
	static const struct {
		int off, w;
		uint16_t v;
	} bad[] = {{0, 2, 6},  {2, 2, 0x86dd}, {4, 1, 8},
		   {5, 1, 16}, {6, 2, 3},      {6, 2, 0}};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		len = arp(b, 1, PEER_MAC, v4("192.0.2.50"), zero,
			  v4("192.0.2.1"));
		if (bad[i].w == 2)
			wr16(b + 14 + bad[i].off, bad[i].v);
		else
			b[14 + bad[i].off] = (uint8_t)bad[i].v;
		expect(f, b, len, DP_L2_DROP, DP_L2_R_ARP_BAD);
	}
	/* a group sender hardware address is never learned nor answered */
	len = arp(b, 1, BCAST, v4("192.0.2.50"), zero, v4("192.0.2.1"));
	expect(f, b, len, DP_L2_DROP, DP_L2_R_ARP_BAD);
	len = arp(b, 2, mcast, v4("192.0.2.50"), GW_MAC, v4("192.0.2.1"));
	expect(f, b, len, DP_L2_DROP, DP_L2_R_ARP_BAD);
	/* shorter than the 28-byte IPv4-over-Ethernet ARP packet */
	len = arp(b, 1, PEER_MAC, v4("192.0.2.50"), zero, v4("192.0.2.1"));
	expect(f, b, len - 1, DP_L2_DROP, DP_L2_R_ARP_BAD);
	expect(f, b, 14, DP_L2_DROP, DP_L2_R_ARP_BAD);
}

/* ---- ND ---- */

struct na_want {
	const char *src, *dst, *target;
	const uint8_t *dmac;
	uint8_t flags;
};

static void check_na(const uint8_t *b, uint32_t out, const struct na_want *w)
{
	const uint8_t *ip = b + 14, *icmp = ip + 40;
	uint8_t a[16];

	assert_int_equal(out, 86);
	assert_memory_equal(b, w->dmac, 6);
	assert_memory_equal(b + 6, GW_MAC, 6);
	assert_int_equal(rd16(b + 12), DP_ETH_P_IPV6);
	assert_int_equal(ip[0] >> 4, 6);
	assert_int_equal(rd16(ip + 4), 32);
	assert_int_equal(ip[6], 58);
	assert_int_equal(ip[7], 255); /* RFC 4861 §7.1.2 */
	v6(w->src, a);
	assert_memory_equal(ip + 8, a, 16);
	v6(w->dst, a);
	assert_memory_equal(ip + 24, a, 16);
	assert_int_equal(icmp[0], 136);
	assert_int_equal(icmp[1], 0);
	assert_int_equal(icmp[4], w->flags);
	assert_int_equal(icmp[5] | icmp[6] | icmp[7], 0);
	v6(w->target, a);
	assert_memory_equal(icmp + 8, a, 16);
	assert_int_equal(icmp[24], 2); /* target link-layer address */
	assert_int_equal(icmp[25], 1);
	assert_memory_equal(icmp + 26, GW_MAC, 6);
	assert_icmp6_csum(b);
}

#define NA_R 0x80
#define NA_S 0x40
#define NA_O 0x20

static void ns_answered(const struct fx *f, const char *target, uint8_t flags)
{
	uint8_t b[DP_L2_FRAME_MAX], a[16];
	uint32_t len, out;
	struct dp_l2_learn l;
	enum dp_l2_reason why;

	len = ns(b, "2001:db8::50", "ff02::1:ff00:1", target, 1);
	assert_int_equal(run(f, b, len, &out, &l, &why), DP_L2_REPLY);
	assert_int_equal(why, DP_L2_R_NONE);
	struct na_want w = {target, "2001:db8::50", target, PEER_MAC, flags};
	check_na(b, out, &w);
	/* RFC 4861 §7.2.3: the solicitor's SLLA is learned */
	assert_int_equal(l.valid, 1);
	assert_int_equal(l.is6, 1);
	v6("2001:db8::50", a);
	assert_memory_equal(l.ip, a, 16);
	assert_memory_equal(l.mac, PEER_MAC, 6);
	assert_int_equal(l.solicited, 0);
}

static void test_rfc4861_7_2_4_ns_own_addr_na_rso(void **state)
{
	ns_answered(*state, "2001:db8::1", NA_R | NA_S | NA_O);
}

static void test_rfc4861_7_2_4_ns_own_ll6_na_rso(void **state)
{
	struct fx *f = *state;
	char s[INET6_ADDRSTRLEN];
	assert_non_null(inet_ntop(AF_INET6, f->p.ll6, s, sizeof(s)));
	assert_string_equal(s, "fe80::ff:fe00:1"); /* RFC 4291 §2.5.1 */
	ns_answered(f, s, NA_R | NA_S | NA_O);
}

static void test_rfc4861_7_2_8_ns_pool6_proxy_override_clear(void **state)
{
	ns_answered(*state, "64:ff9b::c000:221", NA_R | NA_S);
}

static void test_rfc4861_7_2_8_ns_eam_proxy_override_clear(void **state)
{
	ns_answered(*state, "2001:db8:e::7", NA_R | NA_S);
}

static void test_rfc4861_7_2_4_dad_ns_na_to_all_nodes(void **state)
{
	struct fx *f = *state;
	uint8_t b[DP_L2_FRAME_MAX];
	uint32_t len, out;
	struct dp_l2_learn l;
	enum dp_l2_reason why;
	static const uint8_t mc1[6] = {0x33, 0x33, 0, 0, 0, 1};

	/* §7.2.4: from ::, S clear, multicast to all-nodes */
	len = ns(b, "::", "ff02::1:ff00:1", "2001:db8::1", 0);
	assert_int_equal(run(f, b, len, &out, &l, &why), DP_L2_REPLY);
	struct na_want w = {"2001:db8::1", "ff02::1", "2001:db8::1", mc1,
			    NA_R | NA_O};
	check_na(b, out, &w);
	assert_int_equal(l.valid, 0);
	/* proxied: O clear too */
	len = ns(b, "::", "ff02::1:ff00:7", "2001:db8:e::7", 0);
	assert_int_equal(run(f, b, len, &out, &l, &why), DP_L2_REPLY);
	struct na_want w2 = {"2001:db8:e::7", "ff02::1", "2001:db8:e::7", mc1,
			     NA_R};
	check_na(b, out, &w2);
}

static void test_rfc4861_7_2_4_unicast_ns_without_slla(void **state)
{
	struct fx *f = *state;
	uint8_t b[DP_L2_FRAME_MAX];
	uint32_t len, out;
	struct dp_l2_learn l;
	enum dp_l2_reason why;

	/* NUD probe: unicast, no SLLA; the NA goes to the frame's source */
	len = ns(b, "fe80::50", "2001:db8::1", "2001:db8::1", 0);
	memcpy(b + 6, OTHER_MAC, 6);
	assert_int_equal(run(f, b, len, &out, &l, &why), DP_L2_REPLY);
	struct na_want w = {"2001:db8::1", "fe80::50", "2001:db8::1", OTHER_MAC,
			    NA_R | NA_S | NA_O};
	check_na(b, out, &w);
	assert_int_equal(l.valid, 0);
}

static void test_rfc4861_7_2_3_ns_not_ours(void **state)
{
	struct fx *f = *state;
	uint8_t b[DP_L2_FRAME_MAX];
	uint32_t len, out;
	struct dp_l2_learn l;
	enum dp_l2_reason why;

	len = ns(b, "2001:db8::50", "ff02::1:ff00:2", "2001:db8::2", 1);
	expect(f, b, len, DP_L2_DROP, DP_L2_R_ND_NOT_OURS);
	assert_int_equal(run(f, b, len, &out, &l, &why), DP_L2_DROP);
	assert_int_equal(l.valid, 0);
	/* outside the pool6 /96 */
	len = ns(b, "2001:db8::50", "ff02::1:ff00:1", "64:ff9b:1::1", 1);
	expect(f, b, len, DP_L2_DROP, DP_L2_R_ND_NOT_OURS);
	/* no IPv6 on the port: own addresses not answered, proxies are */
	f->p.has6 = 0;
	len = ns(b, "2001:db8::50", "ff02::1:ff00:1", "2001:db8::1", 1);
	expect(f, b, len, DP_L2_DROP, DP_L2_R_ND_NOT_OURS);
	len = ns(b, "2001:db8::50", "ff02::1:ff00:1", "64:ff9b::1", 1);
	expect(f, b, len, DP_L2_REPLY, DP_L2_R_NONE);
}

/* Re-checksum an NS/NA built by ns()/na() after a change. */
static void recsum6(uint8_t *b)
{
	uint8_t *ip = b + 14, *icmp = ip + 40;
	uint32_t l = rd16(ip + 4);
	icmp[2] = icmp[3] = 0;
	uint16_t c = fold_inv(csum_partial(icmp, l, pseudo6(ip, l)));
	memcpy(icmp + 2, &c, 2);
}

static void test_rfc4861_7_1_1_hop_limit_not_255(void **state)
{
	uint8_t b[DP_L2_FRAME_MAX];
	uint32_t len =
	    ns(b, "2001:db8::50", "ff02::1:ff00:1", "2001:db8::1", 1);
	b[14 + 7] = 254;
	expect(*state, b, len, DP_L2_DROP, DP_L2_R_ND_BAD);
}

static void test_rfc4861_7_1_1_bad_checksum(void **state)
{
	uint8_t b[DP_L2_FRAME_MAX];
	uint32_t len =
	    ns(b, "2001:db8::50", "ff02::1:ff00:1", "2001:db8::1", 1);
	b[14 + 40 + 2] ^= 1;
	expect(*state, b, len, DP_L2_DROP, DP_L2_R_ND_BAD);
}

static void test_rfc4861_7_1_1_code_not_0(void **state)
{
	uint8_t b[DP_L2_FRAME_MAX];
	uint32_t len =
	    ns(b, "2001:db8::50", "ff02::1:ff00:1", "2001:db8::1", 1);
	b[14 + 40 + 1] = 1;
	recsum6(b);
	expect(*state, b, len, DP_L2_DROP, DP_L2_R_ND_BAD);
}

static void test_rfc4861_7_1_1_icmp_length_below_24(void **state)
{
	uint8_t b[DP_L2_FRAME_MAX];
	uint32_t len =
	    ns(b, "2001:db8::50", "ff02::1:ff00:1", "2001:db8::1", 0);
	/* 20 bytes of ICMP: the target is cut */
	wr16(b + 14 + 4, 20);
	recsum6(b);
	expect(*state, b, len - 4, DP_L2_DROP, DP_L2_R_ND_BAD);
	/* the IPv6 length says more than the frame holds */
	len = ns(b, "2001:db8::50", "ff02::1:ff00:1", "2001:db8::1", 1);
	expect(*state, b, len - 1, DP_L2_DROP, DP_L2_R_ND_BAD);
}

static void test_rfc4861_7_1_1_target_multicast(void **state)
{
	uint8_t b[DP_L2_FRAME_MAX];
	uint32_t len = ns(b, "2001:db8::50", "ff02::1:ff00:1", "ff02::1", 1);
	expect(*state, b, len, DP_L2_DROP, DP_L2_R_ND_BAD);
}

static void test_rfc4861_7_1_1_option_length_0(void **state)
{
	uint8_t b[DP_L2_FRAME_MAX];
	uint32_t len =
	    ns(b, "2001:db8::50", "ff02::1:ff00:1", "2001:db8::1", 1);
	b[14 + 40 + 25] = 0;
	recsum6(b);
	expect(*state, b, len, DP_L2_DROP, DP_L2_R_ND_BAD);
	/* an option longer than the message */
	len = ns(b, "2001:db8::50", "ff02::1:ff00:1", "2001:db8::1", 1);
	b[14 + 40 + 25] = 2;
	recsum6(b);
	expect(*state, b, len, DP_L2_DROP, DP_L2_R_ND_BAD);
}

static void test_rfc4861_7_1_1_unspecified_source_rules(void **state)
{
	uint8_t b[DP_L2_FRAME_MAX];
	/* from :: to a unicast address */
	uint32_t len = ns(b, "::", "2001:db8::1", "2001:db8::1", 0);
	expect(*state, b, len, DP_L2_DROP, DP_L2_R_ND_BAD);
	/* from :: to all-nodes */
	len = ns(b, "::", "ff02::1", "2001:db8::1", 0);
	expect(*state, b, len, DP_L2_DROP, DP_L2_R_ND_BAD);
	/* from :: with a source link-layer address option */
	len = ns(b, "::", "ff02::1:ff00:1", "2001:db8::1", 1);
	expect(*state, b, len, DP_L2_DROP, DP_L2_R_ND_BAD);
}

static void test_rfc4861_7_1_2_na_validation(void **state)
{
	uint8_t b[DP_L2_FRAME_MAX];
	/* hop limit */
	uint32_t len = na(b, "2001:db8::50", "2001:db8::1", "2001:db8::50",
			  NA_S | NA_O, 1);
	b[14 + 7] = 64;
	expect(*state, b, len, DP_L2_DROP, DP_L2_R_ND_BAD);
	/* multicast destination with S set */
	len = na(b, "2001:db8::50", "ff02::1", "2001:db8::50", NA_S, 1);
	expect(*state, b, len, DP_L2_DROP, DP_L2_R_ND_BAD);
	/* target multicast */
	len = na(b, "2001:db8::50", "ff02::1", "ff02::2", NA_O, 1);
	expect(*state, b, len, DP_L2_DROP, DP_L2_R_ND_BAD);
	/* bad checksum */
	len = na(b, "2001:db8::50", "2001:db8::1", "2001:db8::50", NA_S, 1);
	b[len - 1] ^= 0xff;
	expect(*state, b, len, DP_L2_DROP, DP_L2_R_ND_BAD);
	/* code */
	len = na(b, "2001:db8::50", "2001:db8::1", "2001:db8::50", NA_S, 1);
	b[14 + 41] = 3;
	recsum6(b);
	expect(*state, b, len, DP_L2_DROP, DP_L2_R_ND_BAD);
}

static void test_rfc4861_7_2_5_na_learned(void **state)
{
	struct fx *f = *state;
	uint8_t b[DP_L2_FRAME_MAX], a[16];
	uint32_t len, out;
	struct dp_l2_learn l;
	enum dp_l2_reason why;

	/* solicited: confirms */
	len = na(b, "2001:db8::50", "2001:db8::1", "2001:db8::50", NA_S | NA_O,
		 1);
	expect(f, b, len, DP_L2_CONSUMED, DP_L2_R_NONE);
	assert_int_equal(run(f, b, len, &out, &l, &why), DP_L2_CONSUMED);
	assert_int_equal(l.valid, 1);
	assert_int_equal(l.is6, 1);
	v6("2001:db8::50", a);
	assert_memory_equal(l.ip, a, 16);
	assert_memory_equal(l.mac, PEER_MAC, 6);
	assert_int_equal(l.solicited, 1);
	/* unsolicited to all-nodes: learned, not a confirmation */
	len = na(b, "2001:db8::51", "ff02::1", "2001:db8::51", NA_O, 1);
	assert_int_equal(run(f, b, len, &out, &l, &why), DP_L2_CONSUMED);
	assert_int_equal(l.valid, 1);
	assert_int_equal(l.solicited, 0);
	/* no target link-layer address: nothing to learn */
	len = na(b, "2001:db8::50", "2001:db8::1", "2001:db8::50", NA_S, 0);
	assert_int_equal(run(f, b, len, &out, &l, &why), DP_L2_CONSUMED);
	assert_int_equal(why, DP_L2_R_NONE);
	assert_int_equal(l.valid, 0);
}

static void test_rfc4861_ns_behind_hop_by_hop(void **state)
{
	struct fx *f = *state;
	uint8_t b[DP_L2_FRAME_MAX], body[32] = {135, 0};
	uint32_t len, out;
	struct dp_l2_learn l;
	enum dp_l2_reason why;

	v6("2001:db8::1", body + 8);
	body[24] = 1;
	body[25] = 1;
	memcpy(body + 26, PEER_MAC, 6);
	len = icmp6(b, MC_SOL, "2001:db8::50", "ff02::1:ff00:1", 255, body, 32,
		    1);
	assert_int_equal(run(f, b, len, &out, &l, &why), DP_L2_REPLY);
	struct na_want w = {"2001:db8::1", "2001:db8::50", "2001:db8::1",
			    PEER_MAC, NA_R | NA_S | NA_O};
	check_na(b, out, &w);
}

static void test_rfc4861_6_2_6_rs_ra_mld_redirect_ignored(void **state)
{
	static const uint8_t types[] = {130, 131, 132, 143, 133, 134, 137};
	uint8_t b[DP_L2_FRAME_MAX], body[24] = {0};
	uint32_t len;

	for (size_t i = 0; i < sizeof(types); i++) {
		body[0] = types[i];
		len = icmp6(b, GW_MAC, "fe80::50", "ff02::2", 255, body, 24, 0);
		expect(*state, b, len, DP_L2_CONSUMED, DP_L2_R_IGNORED6);
		/* RFC 3810 §5: MLD behind a hop-by-hop router alert */
		len = icmp6(b, GW_MAC, "fe80::50", "ff02::16", 1, body, 24, 1);
		expect(*state, b, len, DP_L2_CONSUMED, DP_L2_R_IGNORED6);
	}
}

/* ---- ping ---- */

static void test_rfc792_echo_own_addr4(void **state)
{
	struct fx *f = *state;
	uint8_t b[DP_L2_FRAME_MAX];
	uint32_t len, out;
	struct dp_l2_learn l;
	enum dp_l2_reason why;

	len =
	    ip4(b, "192.0.2.50", "192.0.2.1", 1, NULL, 0, ECHO4, sizeof(ECHO4));
	assert_int_equal(run(f, b, len, &out, &l, &why), DP_L2_REPLY);
	assert_int_equal(why, DP_L2_R_NONE);
	assert_int_equal(l.valid, 0);
	assert_int_equal(out, 60); /* 50 bytes, padded */
	assert_memory_equal(b, PEER_MAC, 6);
	assert_memory_equal(b + 6, GW_MAC, 6);
	const uint8_t *ip = b + 14;
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(rd16(ip + 2), 20 + sizeof(ECHO4));
	assert_int_equal(ip[8], 64);
	assert_int_equal(ip[9], 1);
	assert_int_equal(rd32n(ip + 12), v4("192.0.2.1"));
	assert_int_equal(rd32n(ip + 16), v4("192.0.2.50"));
	assert_int_equal(ip[20], 0); /* echo reply */
	assert_int_equal(ip[21], 0);
	assert_memory_equal(ip + 24, ECHO4 + 4, sizeof(ECHO4) - 4);
	assert_ip4_csums(b);
	for (uint32_t i = 14 + 20 + sizeof(ECHO4); i < 60; i++)
		assert_int_equal(b[i], 0);
}

static void test_rfc1122_3_2_2_6_echo_with_options(void **state)
{
	struct fx *f = *state;
	uint8_t b[DP_L2_FRAME_MAX];
	uint32_t len, out;
	struct dp_l2_learn l;
	enum dp_l2_reason why;
	/* record route, room for 2 addresses, then NOP NOP NOP EOL */
	static const uint8_t rr[12] = {7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	static const uint8_t lsrr[8] = {131, 7, 4, 192, 0, 2, 9, 0};

	len = ip4(b, "192.0.2.50", "192.0.2.1", 1, rr, sizeof(rr), ECHO4,
		  sizeof(ECHO4));
	assert_int_equal(run(f, b, len, &out, &l, &why), DP_L2_REPLY);
	const uint8_t *ip = b + 14;
	assert_int_equal(ip[0], 0x45); /* options not echoed */
	assert_int_equal(rd16(ip + 2), 20 + sizeof(ECHO4));
	assert_int_equal(ip[20], 0);
	assert_memory_equal(ip + 24, ECHO4 + 4, sizeof(ECHO4) - 4);
	assert_ip4_csums(b);
	/* RFC 7126 §4.3: a source-routed ping is not answered */
	len = ip4(b, "192.0.2.50", "192.0.2.1", 1, lsrr, sizeof(lsrr), ECHO4,
		  sizeof(ECHO4));
	expect(f, b, len, DP_L2_DROP, DP_L2_R_LOCAL_OTHER);
	/* an option running past the header */
	uint8_t badopt[4] = {7, 9, 4, 0};
	len = ip4(b, "192.0.2.50", "192.0.2.1", 1, badopt, 4, ECHO4,
		  sizeof(ECHO4));
	expect(f, b, len, DP_L2_DROP, DP_L2_R_LOCAL_OTHER);
}

static void test_rfc1071_echo4_bad_checksum(void **state)
{
	uint8_t b[DP_L2_FRAME_MAX];
	uint32_t len =
	    ip4(b, "192.0.2.50", "192.0.2.1", 1, NULL, 0, ECHO4, sizeof(ECHO4));
	b[14 + 20 + 9] ^= 0x40; /* payload byte */
	expect(*state, b, len, DP_L2_DROP, DP_L2_R_ICMP_BAD_CSUM);
	len =
	    ip4(b, "192.0.2.50", "192.0.2.1", 1, NULL, 0, ECHO4, sizeof(ECHO4));
	b[14 + 10] ^= 0x01; /* IPv4 header checksum */
	expect(*state, b, len, DP_L2_DROP, DP_L2_R_ICMP_BAD_CSUM);
}

static void echo6_answered(struct fx *f, const char *own)
{
	uint8_t b[DP_L2_FRAME_MAX], a[16];
	uint32_t len, out;
	struct dp_l2_learn l;
	enum dp_l2_reason why;

	len =
	    icmp6(b, GW_MAC, "2001:db8::50", own, 60, ECHO6, sizeof(ECHO6), 0);
	assert_int_equal(run(f, b, len, &out, &l, &why), DP_L2_REPLY);
	assert_int_equal(why, DP_L2_R_NONE);
	assert_int_equal(out, len);
	assert_memory_equal(b, PEER_MAC, 6);
	assert_memory_equal(b + 6, GW_MAC, 6);
	const uint8_t *ip = b + 14;
	assert_int_equal(ip[7], 64);
	assert_int_equal(rd16(ip + 4), sizeof(ECHO6));
	v6(own, a);
	assert_memory_equal(ip + 8, a, 16);
	v6("2001:db8::50", a);
	assert_memory_equal(ip + 24, a, 16);
	assert_int_equal(ip[40], 129);
	assert_int_equal(ip[41], 0);
	assert_memory_equal(ip + 44, ECHO6 + 4, sizeof(ECHO6) - 4);
	assert_icmp6_csum(b);
}

static void test_rfc4443_4_2_echo6_own_addr_and_ll6(void **state)
{
	struct fx *f = *state;
	char s[INET6_ADDRSTRLEN];
	echo6_answered(f, "2001:db8::1");
	assert_non_null(inet_ntop(AF_INET6, f->p.ll6, s, sizeof(s)));
	echo6_answered(f, s);
}

static void test_rfc4443_2_3_echo6_bad_checksum(void **state)
{
	uint8_t b[DP_L2_FRAME_MAX];
	uint32_t len = icmp6(b, GW_MAC, "2001:db8::50", "2001:db8::1", 60,
			     ECHO6, sizeof(ECHO6), 0);
	b[len - 1] ^= 0x10;
	expect(*state, b, len, DP_L2_DROP, DP_L2_R_ICMP_BAD_CSUM);
}

/* RFC 1122 §3.2.2 / RFC 4443 §4: to the gateway's own addresses only
 * ping is answered; the rest is dropped as LOCAL_OTHER. */
static void test_rfc1122_3_2_2_local_other(void **state)
{
	struct fx *f = *state;
	uint8_t b[DP_L2_FRAME_MAX];
	uint32_t len;
	static const uint8_t udp[8] = {0x30, 0x39, 0x00, 0x35, 0, 8, 0, 0};
	static const uint8_t ts[20] = {13, 0}; /* ICMP timestamp */
	static const uint8_t unreach6[8] = {1, 4};

	/* RFC 1122 §3.2.2: only echo is answered */
	len = ip4(b, "192.0.2.50", "192.0.2.1", 17, NULL, 0, udp, 8);
	expect(f, b, len, DP_L2_DROP, DP_L2_R_LOCAL_OTHER);
	len = ip4(b, "192.0.2.50", "192.0.2.1", 1, NULL, 0, ts, 20);
	expect(f, b, len, DP_L2_DROP, DP_L2_R_LOCAL_OTHER);
	/* RFC 791: a fragment of a ping is not reassembled */
	len =
	    ip4(b, "192.0.2.50", "192.0.2.1", 1, NULL, 0, ECHO4, sizeof(ECHO4));
	wr16(b + 14 + 6, 0x2000);
	expect(f, b, len, DP_L2_DROP, DP_L2_R_LOCAL_OTHER);
	/* RFC 1122 §3.2.1.3: no reply to a broadcast source */
	len = ip4(b, "255.255.255.255", "192.0.2.1", 1, NULL, 0, ECHO4,
		  sizeof(ECHO4));
	expect(f, b, len, DP_L2_DROP, DP_L2_R_LOCAL_OTHER);
	/* IPv4 total length beyond the frame */
	len =
	    ip4(b, "192.0.2.50", "192.0.2.1", 1, NULL, 0, ECHO4, sizeof(ECHO4));
	expect(f, b, len - 1, DP_L2_DROP, DP_L2_R_LOCAL_OTHER);
	/* IPv6: UDP, an ICMPv6 error, a ping from a multicast source */
	len =
	    icmp6(b, GW_MAC, "2001:db8::50", "2001:db8::1", 64, unreach6, 8, 0);
	expect(f, b, len, DP_L2_DROP, DP_L2_R_LOCAL_OTHER);
	b[14 + 6] = 17;
	expect(f, b, len, DP_L2_DROP, DP_L2_R_LOCAL_OTHER);
	len = icmp6(b, GW_MAC, "ff02::1", "2001:db8::1", 64, ECHO6,
		    sizeof(ECHO6), 0);
	expect(f, b, len, DP_L2_DROP, DP_L2_R_LOCAL_OTHER);
	/* RFC 8200 §4: ping behind an extension header */
	len = icmp6(b, GW_MAC, "2001:db8::50", "2001:db8::1", 64, ECHO6,
		    sizeof(ECHO6), 1);
	expect(f, b, len, DP_L2_DROP, DP_L2_R_LOCAL_OTHER);
}

/* RFC 7915 §1.1 / RFC 6146 §3: traffic through the gateway (to pool4,
 * EAM and pool6 addresses) is the translator's, NOT_MINE and untouched. */
static void test_rfc7915_not_mine(void **state)
{
	struct fx *f = *state;
	uint8_t b[DP_L2_FRAME_MAX];
	uint32_t len;

	/* translated traffic: pings to pool4, EAM, pool6 and elsewhere */
	len = ip4(b, "192.0.2.50", "203.0.113.5", 1, NULL, 0, ECHO4,
		  sizeof(ECHO4));
	expect(f, b, len, DP_L2_NOT_MINE, DP_L2_R_NONE);
	len = ip4(b, "192.0.2.50", "198.51.100.7", 1, NULL, 0, ECHO4,
		  sizeof(ECHO4));
	expect(f, b, len, DP_L2_NOT_MINE, DP_L2_R_NONE);
	len = icmp6(b, GW_MAC, "2001:db8::50", "64:ff9b::c633:6407", 64, ECHO6,
		    sizeof(ECHO6), 0);
	expect(f, b, len, DP_L2_NOT_MINE, DP_L2_R_NONE);
	len = icmp6(b, GW_MAC, "2001:db8::50", "2001:db8:e::7", 64, ECHO6,
		    sizeof(ECHO6), 0);
	expect(f, b, len, DP_L2_NOT_MINE, DP_L2_R_NONE);
	/* no IPv4 / IPv6 on the port: its addresses are not the gateway's */
	f->p.has4 = f->p.has6 = 0;
	len =
	    ip4(b, "192.0.2.50", "192.0.2.1", 1, NULL, 0, ECHO4, sizeof(ECHO4));
	expect(f, b, len, DP_L2_NOT_MINE, DP_L2_R_NONE);
	len = icmp6(b, GW_MAC, "2001:db8::50", "2001:db8::1", 64, ECHO6,
		    sizeof(ECHO6), 0);
	expect(f, b, len, DP_L2_NOT_MINE, DP_L2_R_NONE);
	/* wrong version under the ethertype: the translator's business */
	b[14] = 0x45;
	expect(f, b, len, DP_L2_NOT_MINE, DP_L2_R_NONE);
}

/* RFC 894: only the IPv4, ARP and IPv6 Ethertypes are spoken; IEEE
 * 802.1Q/802.1ad tags, LLDP, RARP and runts are L2_OTHER. */
static void test_rfc894_l2_other(void **state)
{
	uint8_t b[DP_L2_FRAME_MAX] = {0};
	static const uint16_t types[] = {0x8100, 0x88a8, 0x88cc, 0x8035,
					 0x0000};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		eth(b, GW_MAC, PEER_MAC, types[i]);
		expect(*state, b, 60, DP_L2_DROP, DP_L2_R_L2_OTHER);
	}
	expect(*state, b, 13, DP_L2_DROP, DP_L2_R_L2_OTHER);
	expect(*state, b, 0, DP_L2_DROP, DP_L2_R_L2_OTHER);
}

/* RFC 826, RFC 791 §3.1, RFC 8200 §3, RFC 4861 §7.1: every length
 * field is checked.  Every prefix of every handled frame: no read outside the
 * frame (each is copied into a buffer of exactly that size, for valgrind/ASan),
 * no reply and no write. */
static void test_rfc4861_7_1_truncated_every_length(void **state)
{
	struct fx *f = *state;
	uint8_t full[8][DP_L2_FRAME_MAX], body[32] = {130};
	uint32_t flen[8], n = 0, out;
	static const uint8_t zero[6];
	static const uint8_t rr[8] = {7, 7, 4, 0, 0, 0, 0, 0};
	struct dp_l2_learn l;
	enum dp_l2_reason why;

	flen[n] =
	    arp(full[n], 1, PEER_MAC, v4("192.0.2.50"), zero, v4("192.0.2.1"));
	n++;
	flen[n] = ip4(full[n], "192.0.2.50", "192.0.2.1", 1, rr, sizeof(rr),
		      ECHO4, sizeof(ECHO4));
	n++;
	flen[n] = icmp6(full[n], GW_MAC, "2001:db8::50", "2001:db8::1", 64,
			ECHO6, sizeof(ECHO6), 0);
	n++;
	flen[n] =
	    ns(full[n], "2001:db8::50", "ff02::1:ff00:1", "2001:db8::1", 1);
	n++;
	flen[n] = ns(full[n], "::", "ff02::1:ff00:1", "64:ff9b::1", 0);
	n++;
	flen[n] =
	    na(full[n], "2001:db8::50", "2001:db8::1", "2001:db8::50", NA_S, 1);
	n++;
	flen[n] =
	    icmp6(full[n], GW_MAC, "fe80::50", "ff02::16", 1, body, 24, 1);
	n++;
	flen[n] = icmp6(full[n], GW_MAC, "2001:db8::50", "2001:db8::1", 64,
			ECHO6, sizeof(ECHO6), 1);
	n++;

	for (uint32_t k = 0; k < n; k++) {
		for (uint32_t len = 0; len < flen[k]; len++) {
			uint8_t *b = malloc(len ? len : 1);
			assert_non_null(b);
			memcpy(b, full[k], len);
			enum dp_l2_verdict v = run(f, b, len, &out, &l, &why);
			assert_int_not_equal(v, DP_L2_REPLY);
			assert_true(why < DP_L2_R_MAX);
			assert_memory_equal(b, full[k], len);
			free(b);
		}
		/* and the whole frame is handled */
		uint8_t b[DP_L2_FRAME_MAX];
		memcpy(b, full[k], flen[k]);
		enum dp_l2_verdict v = run(f, b, flen[k], &out, &l, &why);
		assert_true(v == DP_L2_REPLY || v == DP_L2_CONSUMED ||
			    v == DP_L2_DROP);
	}
}

/* ---- builders ---- */

static void test_rfc826_builder_request(void **state)
{
	struct fx *f = *state;
	uint8_t b[DP_L2_FRAME_MAX];
	const uint8_t *a = b + 14;
	uint32_t out;
	struct dp_l2_learn l;
	enum dp_l2_reason why;

	memset(b, 0x77, sizeof(b));
	assert_int_equal(
	    dp_arp_request(b, PEER_MAC, v4("192.0.2.50"), v4("192.0.2.1")), 60);
	assert_memory_equal(b, BCAST, 6);
	assert_memory_equal(b + 6, PEER_MAC, 6);
	assert_int_equal(rd16(b + 12), DP_ETH_P_ARP);
	assert_int_equal(rd16(a), 1);
	assert_int_equal(rd16(a + 2), 0x0800);
	assert_int_equal(a[4], 6);
	assert_int_equal(a[5], 4);
	assert_int_equal(rd16(a + 6), 1);
	assert_memory_equal(a + 8, PEER_MAC, 6);
	assert_int_equal(rd32n(a + 14), v4("192.0.2.50"));
	assert_memory_equal(a + 18, (uint8_t[6]){0}, 6);
	assert_int_equal(rd32n(a + 24), v4("192.0.2.1"));
	for (int i = 42; i < 60; i++)
		assert_int_equal(b[i], 0);
	/* the gateway answers it */
	assert_int_equal(run(f, b, 60, &out, &l, &why), DP_L2_REPLY);
	check_arp_reply(f, b, v4("192.0.2.1"), v4("192.0.2.50"));
}

static void test_rfc5227_3_builder_gratuitous(void **state)
{
	uint8_t b[DP_L2_FRAME_MAX];
	const uint8_t *a = b + 14;
	(void)state;

	assert_int_equal(dp_arp_gratuitous(b, GW_MAC, v4("203.0.113.5")), 60);
	assert_memory_equal(b, BCAST, 6);
	assert_int_equal(rd16(a + 6), 1);
	assert_memory_equal(a + 8, GW_MAC, 6);
	assert_int_equal(rd32n(a + 14), v4("203.0.113.5"));
	assert_int_equal(rd32n(a + 24), v4("203.0.113.5"));
}

static void test_rfc4861_7_2_2_builder_solicit(void **state)
{
	struct fx *f = *state;
	uint8_t b[DP_L2_FRAME_MAX], src[16], tgt[16], a[16];
	const uint8_t *ip = b + 14, *icmp = ip + 40;
	uint32_t len, out;
	struct dp_l2_learn l;
	enum dp_l2_reason why;

	v6("2001:db8::50", src);
	v6("2001:db8::1:2:3", tgt);
	len = dp_nd_solicit(b, PEER_MAC, src, tgt);
	assert_int_equal(len, 14 + 40 + 32);
	assert_memory_equal(b, ((uint8_t[6]){0x33, 0x33, 0xff, 0x02, 0, 3}), 6);
	assert_memory_equal(b + 6, PEER_MAC, 6);
	assert_int_equal(ip[7], 255);
	assert_memory_equal(ip + 8, src, 16);
	v6("ff02::1:ff02:3", a);
	assert_memory_equal(ip + 24, a, 16);
	assert_int_equal(icmp[0], 135);
	assert_memory_equal(icmp + 8, tgt, 16);
	assert_int_equal(icmp[24], 1);
	assert_int_equal(icmp[25], 1);
	assert_memory_equal(icmp + 26, PEER_MAC, 6);
	assert_icmp6_csum(b);
	/* DAD form: no SLLA (RFC 4861 §4.3) */
	memset(src, 0, 16);
	len = dp_nd_solicit(b, PEER_MAC, src, tgt);
	assert_int_equal(len, 14 + 40 + 24);
	assert_icmp6_csum(b);
	/* the gateway's own solicitation for its own address round-trips */
	len = dp_nd_solicit(b, PEER_MAC, src, f->p.addr6);
	assert_int_equal(run(f, b, len, &out, &l, &why), DP_L2_REPLY);
}

static void test_rfc4861_7_2_6_builder_advertise(void **state)
{
	struct fx *f = *state;
	uint8_t b[DP_L2_FRAME_MAX], a[16];
	const uint8_t *ip = b + 14, *icmp = ip + 40;
	uint32_t len, out;
	struct dp_l2_learn l;
	enum dp_l2_reason why;

	v6("64:ff9b::1", a);
	len = dp_nd_advertise(b, GW_MAC, a, 1);
	assert_int_equal(len, 86);
	assert_memory_equal(b, ((uint8_t[6]){0x33, 0x33, 0, 0, 0, 1}), 6);
	assert_int_equal(ip[7], 255);
	assert_memory_equal(ip + 8, a, 16);
	assert_int_equal(icmp[0], 136);
	assert_int_equal(icmp[4], NA_R | NA_O);
	assert_memory_equal(icmp + 8, a, 16);
	assert_int_equal(icmp[24], 2);
	assert_memory_equal(icmp + 26, GW_MAC, 6);
	assert_icmp6_csum(b);
	len = dp_nd_advertise(b, GW_MAC, a, 0);
	assert_int_equal(icmp[4], NA_O);
	assert_icmp6_csum(b);
	/* valid per §7.1.2: a receiver learns it, unconfirmed */
	assert_int_equal(run(f, b, len, &out, &l, &why), DP_L2_CONSUMED);
	assert_int_equal(l.valid, 1);
	assert_int_equal(l.solicited, 0);
}

/* Every reason has a lowercase name (the X-macro's suffix) and an
 * explanation (STYLE.md: one list per module, Jool's --explain). */
static void test_reason_names(void **state)
{
	static const char *const upper[] = {
#define N(n, d) #n,
	    DP_L2_REASONS(N)
#undef N
	};
	(void)state;
	assert_int_equal(sizeof(upper) / sizeof(upper[0]), DP_L2_R_MAX);
	for (int i = 0; i < DP_L2_R_MAX; i++) {
		char low[32];
		size_t k;
		for (k = 0; upper[i][k] && k < sizeof(low) - 1; k++)
			low[k] = (char)tolower((unsigned char)upper[i][k]);
		low[k] = 0;
		assert_string_equal(dp_l2_reason_name((enum dp_l2_reason)i),
				    low);
		assert_true(strlen(dp_l2_reason_explain((enum dp_l2_reason)i)) >
			    5);
	}
	assert_string_equal(dp_l2_reason_name(DP_L2_R_ARP_BAD), "arp_bad");
	assert_string_equal(dp_l2_reason_name(DP_L2_R_MAX), "?");
	assert_string_equal(dp_l2_reason_explain(DP_L2_R_MAX), "?");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_rfc826_request_own_addr),
	    T(test_rfc826_request_pool4_addr),
	    T(test_rfc826_request_eam_addr_not_answered),
	    T(test_rfc826_request_extra4_addr),
	    T(test_rfc826_request_not_ours),
	    T(test_rfc826_reply_learned_as_confirmation),
	    T(test_rfc5227_probe_answered_not_learned),
	    T(test_rfc826_malformed),
	    T(test_rfc4861_7_2_4_ns_own_addr_na_rso),
	    T(test_rfc4861_7_2_4_ns_own_ll6_na_rso),
	    T(test_rfc4861_7_2_8_ns_pool6_proxy_override_clear),
	    T(test_rfc4861_7_2_8_ns_eam_proxy_override_clear),
	    T(test_rfc4861_7_2_4_dad_ns_na_to_all_nodes),
	    T(test_rfc4861_7_2_4_unicast_ns_without_slla),
	    T(test_rfc4861_7_2_3_ns_not_ours),
	    T(test_rfc4861_7_1_1_hop_limit_not_255),
	    T(test_rfc4861_7_1_1_bad_checksum),
	    T(test_rfc4861_7_1_1_code_not_0),
	    T(test_rfc4861_7_1_1_icmp_length_below_24),
	    T(test_rfc4861_7_1_1_target_multicast),
	    T(test_rfc4861_7_1_1_option_length_0),
	    T(test_rfc4861_7_1_1_unspecified_source_rules),
	    T(test_rfc4861_7_1_2_na_validation),
	    T(test_rfc4861_7_2_5_na_learned),
	    T(test_rfc4861_ns_behind_hop_by_hop),
	    T(test_rfc4861_6_2_6_rs_ra_mld_redirect_ignored),
	    T(test_rfc792_echo_own_addr4),
	    T(test_rfc1122_3_2_2_6_echo_with_options),
	    T(test_rfc1071_echo4_bad_checksum),
	    T(test_rfc4443_4_2_echo6_own_addr_and_ll6),
	    T(test_rfc4443_2_3_echo6_bad_checksum),
	    T(test_rfc1122_3_2_2_local_other),
	    T(test_rfc7915_not_mine),
	    T(test_rfc894_l2_other),
	    T(test_rfc4861_7_1_truncated_every_length),
	    T(test_rfc826_builder_request),
	    T(test_rfc5227_3_builder_gratuitous),
	    T(test_rfc4861_7_2_2_builder_solicit),
	    T(test_rfc4861_7_2_6_builder_advertise),
	    T(test_reason_names),
	};
	return cmocka_run_group_tests_name("dp_l2", tests, NULL, NULL);
}
