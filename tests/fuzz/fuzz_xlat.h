/*
 * fuzz_xlat.h - the body shared by the two translation fuzz targets
 * (fuzz_xlat_4to6.c, fuzz_xlat_6to4.c); each defines FUZZ_TO6 (1: the
 * input arrives on the IPv4 side) and includes this file.
 *
 * Input: byte 0 picks one of NCFG fixed configurations, the rest is the
 * packet from the IP header on.  Configuration 3 (WKP, no EAM) is the one
 * the core's fast path serves: there every input also runs through the
 * general path (ctx.fast = 0) and both must give the same verdict, reason
 * and bytes.  The packet is copied into a buffer of
 * exactly XLAT_HEADROOM + size + XLAT_TAILROOM bytes, so ASan reports any
 * access the core makes outside what xlat.h promises it.  After the
 * translation every invariant below is checked; a violation aborts with a
 * message (libFuzzer then saves the input).
 *
 * Invariants: pkt within the buffer; verdict and reason in range; the
 * counters moved by one; for a forward/hairpin/fragment the reason is
 * none, the output's version and length fields agree with pkt.len and the
 * IPv4 header checksum is right; a TCP/UDP/ICMP echo checksum that was
 * right before is right after, and every ICMP error the core writes has a
 * right checksum; generated errors are at most 576 (IPv4) / 1280 (IPv6)
 * bytes; for a fragment verdict, xlat_frag6 pieces fit lowest-ipv6-mtu,
 * are contiguous and add up to the packet.
 */
#ifndef GATE64_FUZZ_XLAT_H
#define GATE64_FUZZ_XLAT_H

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/xlat/csum.h"
#include "dataplane/xlat/xlat.h"
#include "tests/fuzz/fuzz_l4.h"

#define NCFG  4
#define NFRAG 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct xlat_cfg cfgs[NCFG];
static struct xlat_eamt *eamts[NCFG];
static uint8_t *frag_mem[NFRAG];

#include "tests/fuzz/fuzz_check.h"

static void pton6(const char *s, uint8_t *a)
{
	CHECK(inet_pton(AF_INET6, s, a) == 1);
}

static uint32_t pton4(const char *s)
{
	uint32_t a;
	CHECK(inet_pton(AF_INET, s, &a) == 1);
	return a;
}

static void eam(struct xlat_eamt *t, const char *a4, uint8_t l4, const char *a6,
		uint8_t l6)
{
	uint8_t b6[16];
	char msg[256];
	pton6(a6, b6);
	if (eam_add(t, pton4(a4), l4, b6, l6, msg, sizeof(msg))) {
		fprintf(stderr, "fuzz setup: %s\n", msg);
		abort();
	}
}

static void setup(void)
{
	char msg[256];
	struct xlat_cfg *c;

	/* 0: the corpus' default/eam configurations: WKP, nested EAM
	 * entries (both sides), two RFC 6791 addresses, unlimited errors */
	c = &cfgs[0];
	xlat_cfg_default(c);
	pton6("64:ff9b::", c->pool6.addr);
	c->pool6.len = 96;
	c->pool6791[0] = pton4("203.0.113.1");
	c->pool6791[1] = pton4("203.0.113.2");
	c->pool6791_n = 2;
	pton6("2001:db8:ffff::1", c->icmp6_src);
	c->icmp6_src_set = 1;
	c->icmp_rate = 0;
	eamts[0] = malloc(sizeof(struct xlat_eamt));
	CHECK(eamts[0]);
	eam_init(eamts[0]);
	eam(eamts[0], "192.0.2.1", 32, "2001:db8:a::1", 128);
	eam(eamts[0], "192.0.2.128", 25, "2001:db8:b::", 121);
	eam(eamts[0], "198.51.100.0", 24, "2001:db8:c::", 120);
	eam(eamts[0], "198.51.100.16", 28, "2001:db8:d::", 124);
	eam(eamts[0], "203.0.113.0", 28, "2001:db8:c::10", 124);
	eam(eamts[0], "10.1.1.0", 24, "2001:db8:e::", 120);
	eam_build(eamts[0]);

	/* 1: a /40 network-specific prefix, no hairpinning, UDP zero
	 * checksum dropped, TOS/traffic class reset, bigger lowest MTU,
	 * a tight rate limit */
	c = &cfgs[1];
	xlat_cfg_default(c);
	pton6("2001:db8:100::", c->pool6.addr);
	c->pool6.len = 40;
	c->pool6791[0] = pton4("203.0.113.1");
	c->pool6791_n = 1;
	pton6("2001:db8:ffff::1", c->icmp6_src);
	c->icmp6_src_set = 1;
	c->eam_hairpin = 0;
	c->udp_zero_csum = XLAT_UDP0_DROP;
	c->reset_tclass = 1;
	c->reset_tos = 1;
	c->new_tos = 0x20;
	c->lowest_ipv6_mtu = 1400;
	c->ipv6_mtu = 1500;
	c->ipv4_mtu = 1400;
	c->icmp_rate = 100;
	c->icmp_burst = 2;
	eamts[1] = malloc(sizeof(struct xlat_eamt));
	CHECK(eamts[1]);
	eam_init(eamts[1]);
	eam(eamts[1], "192.0.2.1", 32, "2001:db8:a::1", 128);
	eam(eamts[1], "198.51.100.0", 24, "2001:db8:c::", 120);
	eam_build(eamts[1]);

	/* 2: a /64 prefix, no EAM, no error sources, the smallest MTUs */
	c = &cfgs[2];
	xlat_cfg_default(c);
	pton6("2001:db8:122:344::", c->pool6.addr);
	c->pool6.len = 64;
	c->lowest_ipv6_mtu = 1280;
	c->ipv6_mtu = 1280;
	c->ipv4_mtu = 1260;
	eamts[2] = NULL;

	/* 3: the Well-Known Prefix without EAM (the fast path) */
	c = &cfgs[3];
	xlat_cfg_default(c);
	pton6("64:ff9b::", c->pool6.addr);
	c->pool6.len = 96;
	c->pool6791[0] = pton4("203.0.113.1");
	c->pool6791_n = 1;
	pton6("2001:db8:ffff::1", c->icmp6_src);
	c->icmp6_src_set = 1;
	c->icmp_rate = 0;
	eamts[3] = NULL;

	for (int i = 0; i < NCFG; i++) {
		if (xlat_cfg_check(&cfgs[i], msg, sizeof(msg))) {
			fprintf(stderr, "fuzz setup: config %d: %s\n", i, msg);
			abort();
		}
	}
	for (int i = 0; i < NFRAG; i++) {
		/* each exactly lowest-ipv6-mtu (the largest of the
		 * configurations is used by config 1 only) */
		frag_mem[i] = NULL;
	}
}

/* What we know about the input before the core touches it. */
struct before {
	int plain;     /* unfragmented, no extension/option surprises */
	uint8_t proto; /* upper layer (IPv4 numbering for ICMP: 1 / 58) */
	int l4_ok;     /* l4_check of the input */
	int udp0;      /* UDP with checksum 0 */
	uint8_t ttl;   /* TTL / hop limit */
};

static void look_before(const uint8_t *p, uint32_t len, struct before *b)
{
	memset(b, 0, sizeof(*b));
	b->l4_ok = -1;
#if FUZZ_TO6
	if (len < 20 || (p[0] >> 4) != 4 || (p[0] & 0xf) < 5)
		return;
	uint32_t hl = (p[0] & 0xfu) * 4, tot = rd16(p + 2);
	if (tot > len || tot < hl)
		return;
	b->ttl = p[8];
	b->proto = p[9];
	b->plain = !(rd16(p + 6) & (XLAT_IP4_MF | XLAT_IP4_OFFMASK));
	if (!b->plain)
		return;
	b->l4_ok = l4_check(0, p, p + hl, tot - hl, p[9]);
	if (p[9] == XLAT_IPPROTO_ICMP && b->l4_ok >= 0 && !is_echo(p[hl]))
		b->l4_ok = -1;
	b->udp0 = p[9] == XLAT_IPPROTO_UDP && tot - hl >= 8 &&
		  !(p[hl + 6] | p[hl + 7]);
#else
	if (len < 40 || (p[0] >> 4) != 6)
		return;
	uint32_t tot = 40u + rd16(p + 4);
	if (tot > len)
		return;
	b->ttl = p[7];
	b->proto = p[6];
	b->plain = p[6] == XLAT_IPPROTO_TCP || p[6] == XLAT_IPPROTO_UDP ||
		   p[6] == XLAT_IPPROTO_ICMPV6;
	if (!b->plain)
		return;
	b->l4_ok = l4_check(1, p, p + 40, tot - 40, p[6]);
	if (p[6] == XLAT_IPPROTO_ICMPV6 && b->l4_ok >= 0 && !is_echo(p[40]))
		b->l4_ok = -1;
#endif
}

static void check_frags(struct xlat_ctx *ctx, const struct xlat_pkt *pkt)
{
	uint32_t mtu = ctx->cfg->lowest_ipv6_mtu;
	struct xlat_pkt out[NFRAG];
	static uint32_t frag_mtu[NFRAG];

	for (int i = 0; i < NFRAG; i++) {
		if (frag_mtu[i] != mtu) { /* exactly mtu bytes, for ASan */
			free(frag_mem[i]);
			frag_mem[i] = malloc(mtu);
			CHECK(frag_mem[i]);
			frag_mtu[i] = mtu;
		}
		out[i].data = frag_mem[i];
		out[i].len = 0;
	}
	CHECK(pkt->data[6] == XLAT_IPPROTO_FRAGMENT);
	CHECK(pkt->len > mtu);
	int n = xlat_frag6(ctx, pkt, out, NFRAG);
	CHECK(n > 1);
	uint32_t sum = 0;
	uint16_t first = rd16(pkt->data + 42) & 0xfff8;
	for (int i = 0; i < n; i++) {
		const uint8_t *d = out[i].data;
		CHECK(out[i].len <= mtu);
		CHECK(out[i].len > 48);
		check_ip6_out(d, out[i].len);
		CHECK(d[6] == XLAT_IPPROTO_FRAGMENT);
		CHECK(d[40] == pkt->data[40]);
		uint16_t om = rd16(d + 42);
		CHECK((om & 0xfff8) == (uint16_t)(first + sum));
		if (i + 1 < n) {
			CHECK((out[i].len - 48) % 8 == 0);
			CHECK(om & 1);
		} else {
			CHECK((om & 1) == (rd16(pkt->data + 42) & 1));
		}
		CHECK(!memcmp(d + 48, pkt->data + 48 + sum, out[i].len - 48));
		sum += out[i].len - 48;
	}
	CHECK(sum == pkt->len - 48);
}

/* The general path (ctx.fast = 0) must agree with what the fast path did. */
static void same_as_general(unsigned ci, const uint8_t *data, size_t size,
			    enum xlat_verdict v, enum xlat_reason r,
			    const uint8_t *buf, const struct xlat_pkt *pkt)
{
	struct xlat_stats st;
	struct xlat_ctx ctx;
	enum xlat_reason r2 = XLAT_R_MAX;
	size_t total = XLAT_HEADROOM + size + XLAT_TAILROOM;
	uint8_t *b2 = malloc(total);

	CHECK(b2);
	memset(b2, 0xa5, total);
	memcpy(b2 + XLAT_HEADROOM, data, size);
	memset(&st, 0, sizeof(st));
	xlat_ctx_init(&ctx, &cfgs[ci], eamts[ci], &st, 0x1234567u);
	ctx.now_ns = 1000000000ull;
	ctx.fast = 0;
	struct xlat_pkt p2 = {b2 + XLAT_HEADROOM, (uint32_t)size};
#if FUZZ_TO6
	enum xlat_verdict v2 = xlat_4to6(&ctx, &p2, &r2);
#else
	enum xlat_verdict v2 = xlat_6to4(&ctx, &p2, &r2);
#endif
	CHECK(v2 == v);
	CHECK(r2 == r);
	CHECK(p2.data - b2 == pkt->data - buf);
	CHECK(p2.len == pkt->len);
	if (v != XLAT_PASS && v != XLAT_DROP)
		CHECK(!memcmp(p2.data, pkt->data, pkt->len));
	free(b2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct xlat_stats st;
	struct xlat_ctx ctx;
	struct before b;
	enum xlat_reason r = XLAT_R_MAX;

	if (!ready) {
		setup();
		ready = 1;
	}
	if (size < 1 || size > 65535 + 1)
		return 0;
	unsigned ci = data[0] % NCFG;
	size--;
	data++;

	size_t total = XLAT_HEADROOM + size + XLAT_TAILROOM;
	uint8_t *buf = malloc(total);
	CHECK(buf);
	memset(buf, 0xa5, total);
	memcpy(buf + XLAT_HEADROOM, data, size);
	look_before(data, (uint32_t)size, &b);

	memset(&st, 0, sizeof(st));
	xlat_ctx_init(&ctx, &cfgs[ci], eamts[ci], &st, 0x1234567u);
	ctx.now_ns = 1000000000ull;
	struct xlat_pkt pkt = {buf + XLAT_HEADROOM, (uint32_t)size};
#if FUZZ_TO6
	enum xlat_verdict v = xlat_4to6(&ctx, &pkt, &r);
	CHECK(st.in[1] == 1 && st.in[0] == 0);
#else
	enum xlat_verdict v = xlat_6to4(&ctx, &pkt, &r);
	CHECK(st.in[0] == 1 && st.in[1] == 0);
#endif
	CHECK((unsigned)v < XLAT_VERDICT_MAX);
	CHECK((unsigned)r < XLAT_R_MAX);
	CHECK(st.verdict[v] == 1);
	CHECK(r == XLAT_R_NONE || st.reason[r] == 1); /* [NONE] not kept */
	if (ctx.fast)
		same_as_general(ci, data, size, v, r, buf, &pkt);
	CHECK(pkt.data >= buf && pkt.data <= buf + total);
	CHECK(pkt.len <= total && pkt.data + pkt.len <= buf + total);

#ifdef FUZZ_DEBUG /* -DFUZZ_DEBUG: say what each input became */
	fprintf(stderr, "cfg %u: %s %s (%u bytes)\n", ci, xlat_verdict_name(v),
		xlat_reason_name(r), pkt.len);
#endif
	const uint8_t *o = pkt.data;
	switch (v) {
	case XLAT_FORWARD: CHECK(r == XLAT_R_NONE);
#if FUZZ_TO6
		check_ip6_out(o, pkt.len);
		CHECK(o[7] == (uint8_t)(b.ttl - 1));
		/* an ICMPv4 error translated (an IPv4 packet of protocol
		 * 58 is copied as it is, RFC 7915 §4.1) */
		if (b.plain && b.proto == XLAT_IPPROTO_ICMP &&
		    o[6] == XLAT_IPPROTO_ICMPV6 && pkt.len >= 48 &&
		    !is_echo(o[40]))
			check_icmp_csum(1, o, 40, pkt.len);
		if (b.plain && b.l4_ok == 1)
			CHECK(l4_check(1, o, o + 40, pkt.len - 40, o[6]) == 1);
		if (b.plain && b.udp0) /* RFC 7915 §4.5: computed */
			CHECK(l4_check(1, o, o + 40, pkt.len - 40, o[6]) == 1);
#else
		check_ip4_out(o, pkt.len);
		CHECK(o[8] == (uint8_t)(b.ttl - 1));
		/* an ICMPv6 error translated (an IPv6 packet of next header
		 * 1 is copied as it is, RFC 7915 §5.1) */
		if (b.plain && b.proto == XLAT_IPPROTO_ICMPV6 &&
		    o[9] == XLAT_IPPROTO_ICMP && pkt.len >= 28 &&
		    !is_echo(o[20]))
			check_icmp_csum(0, o, 20, pkt.len);
		if (b.plain && b.l4_ok == 1)
			CHECK(l4_check(0, o, o + 20, pkt.len - 20, o[9]) == 1);
#endif
		break;
	case XLAT_HAIRPIN:
		CHECK(r == XLAT_R_NONE);
		CHECK(!FUZZ_TO6);
		check_ip6_out(o, pkt.len);
		CHECK(o[7] == (uint8_t)(b.ttl - 1));
		if (b.plain && b.l4_ok == 1)
			CHECK(l4_check(1, o, o + 40, pkt.len - 40, o[6]) == 1);
		break;
	case XLAT_FRAGMENT:
		CHECK(r == XLAT_R_NONE);
		CHECK(FUZZ_TO6);
		check_ip6_out(o, pkt.len);
		check_frags(&ctx, &pkt);
		break;
	case XLAT_ICMP: CHECK(r != XLAT_R_NONE);
#if FUZZ_TO6
		/* an ICMPv4 error back to the IPv4 sender */
		CHECK(pkt.len <= 576);
		check_ip4_out(o, pkt.len);
		CHECK(o[9] == XLAT_IPPROTO_ICMP);
		check_icmp_csum(0, o, 20, pkt.len);
#else
		CHECK(pkt.len <= 1280);
		check_ip6_out(o, pkt.len);
		CHECK(o[6] == XLAT_IPPROTO_ICMPV6);
		check_icmp_csum(1, o, 40, pkt.len);
#endif
		break;
	case XLAT_PASS:
	case XLAT_DROP: CHECK(r != XLAT_R_NONE); break;
	default: CHECK(0);
	}
	free(buf);
	return 0;
}

#endif
